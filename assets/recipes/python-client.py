"""A client with a certificate from the workspace (mutual TLS).
Run: python3 client.py"""
import http.client
import ssl

context = ssl.create_default_context(cafile=@ca@)
# The client's certificate and its intermediate, then its key.
context.load_cert_chain(@client_chain@, @client_key@)
connection = http.client.HTTPSConnection(@host@, @port@, context=context)
connection.request("GET", "/")
response = connection.getresponse()
print(response.read().decode(), end="")
raise SystemExit(0 if response.status == 200 else 1)
