// The OCSP response a TLS server staples, as Node.js receives it (tls.connect's requestOCSP and
// its 'OCSPResponse' event), written to a file: node ocsp_staple.js HOST PORT CA OUT.
const tls = require('tls');
const fs = require('fs');
const [host, port, ca, out] = process.argv.slice(2);
const s = tls.connect({ host, port: +port, ca: fs.readFileSync(ca), servername: 'localhost', requestOCSP: true });
s.on('OCSPResponse', (r) => fs.writeFileSync(out, r));
s.on('secureConnect', () => s.end());
s.on('error', (e) => { console.error(e.message); process.exit(1); });
