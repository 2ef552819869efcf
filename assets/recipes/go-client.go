// A client with a certificate from the workspace (mutual TLS).
// Run: go run client.go
package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	// The client's certificate and its intermediate, then its key.
	certificate, err := tls.LoadX509KeyPair(@client_chain@, @client_key@)
	if err != nil {
		log.Fatal(err)
	}
	caPEM, err := os.ReadFile(@ca@)
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		log.Fatal("no CA certificate in ", @ca@)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{certificate},
		RootCAs:      roots,
	}}}
	response, err := client.Get("https://" + net.JoinHostPort(@host@, strconv.Itoa(@port@)) + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer response.Body.Close()
	io.Copy(os.Stdout, response.Body)
	if response.StatusCode != http.StatusOK {
		os.Exit(1)
	}
}
