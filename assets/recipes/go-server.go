// An HTTPS server that requires a client certificate from the workspace's CA (mutual TLS).
// Run: go run server.go
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	caPEM, err := os.ReadFile(@ca@)
	if err != nil {
		log.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	if !clientCAs.AppendCertsFromPEM(caPEM) {
		log.Fatal("no CA certificate in ", @ca@)
	}
	server := &http.Server{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(@port@)),
		TLSConfig: &tls.Config{
			ClientAuth: tls.RequireAndVerifyClientCert,
			ClientCAs:  clientCAs,
			MinVersion: tls.VersionTLS12,
		},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello %s\n", r.TLS.PeerCertificates[0].Subject.CommonName)
		}),
	}
	log.Printf("listening on %s", server.Addr)
	// The server's certificate and its intermediate, then its key.
	log.Fatal(server.ListenAndServeTLS(@server_chain@, @server_key@))
}
