// A client with a certificate from the workspace (mutual TLS).
// Run: node client.js
const fs = require("fs");
const https = require("https");

const request = https.request(
  {
    host: @host@,
    port: @port@,
    path: "/",
    key: fs.readFileSync(@client_key@),
    // The client's certificate and its intermediate.
    cert: fs.readFileSync(@client_chain@),
    ca: fs.readFileSync(@ca@),
    // Node 18 tries only the first address of a name; 20 and later try each.
    autoSelectFamily: true,
  },
  (response) => {
    response.pipe(process.stdout);
    response.on("end", () => process.exit(response.statusCode === 200 ? 0 : 1));
  },
);
request.on("error", (e) => {
  console.error(e.message);
  process.exit(1);
});
request.end();
