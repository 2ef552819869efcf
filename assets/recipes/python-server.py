"""An HTTPS server that requires a client certificate from the workspace's CA (mutual TLS).
Run: python3 server.py"""
import http.server
import ssl

context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
# The server's certificate and its intermediate, then its key.
context.load_cert_chain(@server_chain@, @server_key@)
context.load_verify_locations(@ca@)
context.verify_mode = ssl.CERT_REQUIRED


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        subject = dict(rdn[0] for rdn in self.connection.getpeercert()["subject"])
        body = f"hello {subject.get('commonName', '')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    def shutdown_request(self, request):
        # End TLS with close_notify, so the client knows the answer is whole (not cut).
        try:
            request.unwrap()
        except (OSError, ValueError):
            pass
        super().shutdown_request(request)


server = Server(("127.0.0.1", @port@), Hello)
# Each connection's handshake runs in its own thread, at its first read.
server.socket = context.wrap_socket(
    server.socket, server_side=True, do_handshake_on_connect=False
)
print(f"listening on 127.0.0.1:{@port@}", flush=True)
server.serve_forever()
