// An HTTPS server that requires a client certificate from the workspace's CA (mutual TLS).
// Run: node server.js
const fs = require("fs");
const https = require("https");

const options = {
  key: fs.readFileSync(@server_key@),
  // The server's certificate and its intermediate.
  cert: fs.readFileSync(@server_chain@),
  ca: fs.readFileSync(@ca@),
  requestCert: true,
  rejectUnauthorized: true,
};

https
  .createServer(options, (req, res) => {
    const peer = req.socket.getPeerCertificate();
    res.end(`hello ${peer.subject.CN}\n`);
  })
  .listen(@port@, "127.0.0.1", () => console.log("listening on 127.0.0.1:" + @port@));
