#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench connect` against servers nobody here wrote: openssl s_server (asking for a client
//! certificate or not), a Python ssl server, a Node.js https server with `requestCert`, and
//! certbench's own `serve`. What the servers asked for is checked against what openssl says of
//! the same certificates.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    certbench_ok(dir.path(), &["gen"]);
    dir
}

/// `openssl s_server -www` with the workspace's server certificate, serving one connection.
fn s_server(d: &Path, extra: &[&str]) -> (Running, u16) {
    openssl_www(d, &[&["-naccept", "1"], extra].concat())
}

fn connect_json(d: &Path, args: &[&str]) -> (bool, Value) {
    let mut all = vec!["connect"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = certbench(d, &all);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.success(), v)
}

/// Against `openssl s_server -Verify 1 -verify_return_error`: the handshake completes with the
/// workspace's client, and the CertificateRequest's CA is the root openssl names; without a
/// certificate the server refuses, and the refusal is told from the server's side.
#[test]
fn against_s_server_that_asks_the_request_is_shown_and_a_missing_certificate_refused() {
    let dir = workspace();
    let d = dir.path();
    let (_server, port) = s_server(
        d,
        &["-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error"],
    );
    let target = format!("localhost:{port}");
    let (ok, v) = connect_json(d, &[&target]);
    assert!(ok, "{v}");
    assert_eq!(v["ok"], true);
    let root = openssl_ok(
        d,
        &[
            "x509", "-in", "ca.crt", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    let root = root.trim().trim_start_matches("subject=");
    assert_eq!(
        v["certificate_request"]["certificate_authorities"],
        serde_json::json!([root]),
        "{v}"
    );
    assert!(
        v["certificate_request"]["signature_schemes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "ecdsa_secp256r1_sha256")
    );
    assert_eq!(
        v["workspace_certificates_it_accepts"],
        serde_json::json!(["client"])
    );
    assert_eq!(v["server_certificates"][0], "CN=localhost,O=certbench");
    assert!(
        v["response"]
            .as_str()
            .unwrap()
            .starts_with("HTTP/1.0 200 ok"),
        "{v}"
    );

    let (_server, port) = s_server(
        d,
        &["-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error"],
    );
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}"), "--no-cert"]);
    assert!(!ok);
    let f = &v["failure"];
    assert_eq!(f["detected_by"], "server", "{v}");
    assert_eq!(f["cause"]["code"], "no_client_certificate");
    assert_eq!(f["alert_received"], "certificate_required");
    assert!(!v["certificate_request"].is_null());

    // TLS 1.2: OpenSSL says handshake_failure (RFC 5246 7.4.6); the client's empty Certificate
    // says what it was.
    let (_server, port) = s_server(
        d,
        &["-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error"],
    );
    let (ok, v) = connect_json(
        d,
        &[&format!("localhost:{port}"), "--no-cert", "--tls", "1.2"],
    );
    assert!(!ok);
    let f = &v["failure"];
    assert_eq!(f["detected_by"], "server", "{v}");
    assert_eq!(f["cause"]["code"], "no_client_certificate");
    assert_eq!(f["alert_received"], "handshake_failure");
}

/// Against an s_server that does not ask: no CertificateRequest is shown, and it works.
#[test]
fn against_s_server_that_does_not_ask_no_request_is_shown() {
    let dir = workspace();
    let d = dir.path();
    let (_server, port) = s_server(d, &[]);
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}")]);
    assert!(ok, "{v}");
    assert!(v["certificate_request"].is_null(), "{v}");
    let flow: Vec<String> = flow(&v).into_iter().map(|(_, m)| m).collect();
    assert!(
        !flow.contains(&"CertificateRequest".to_string()),
        "{flow:?}"
    );
    // The events come in the order things happened: the server's encrypted flight arrived
    // before the client derived the keys that read it, and is shown before those secrets.
    let times: Vec<u64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["t_us"].as_u64().unwrap())
        .collect();
    assert!(times.is_sorted(), "{times:?}\n{v}");
    // And the text says so.
    let (_server, port) = s_server(d, &[]);
    let out = certbench_ok(d, &["connect", &format!("localhost:{port}")]);
    assert!(
        out.contains("did not ask for a client certificate"),
        "{out}"
    );
    // Its times, read as a person reads them ("+412 µs", "+10.4 ms"), never go back.
    let times: Vec<f64> = out
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let t: f64 = words.next()?.strip_prefix('+')?.parse().ok()?;
            match words.next()? {
                "µs" => Some(t),
                "ms" => Some(t * 1e3),
                "s" => Some(t * 1e6),
                _ => None,
            }
        })
        .collect();
    assert!(times.len() > 10 && times.is_sorted(), "{times:?}\n{out}");
}

/// A server certificate from another PKI: the client refuses it, naming the unknown issuer, as
/// `openssl verify` does for the same chain.
#[test]
fn a_server_from_another_pki_is_refused_by_the_client() {
    let dir = workspace();
    let d = dir.path();
    let other = tempfile::tempdir().unwrap();
    certbench_ok(other.path(), &["gen"]);
    let (_server, port) = s_server(other.path(), &[]);
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}")]);
    assert!(!ok);
    assert_eq!(v["failure"]["detected_by"], "client", "{v}");
    assert_eq!(v["failure"]["cause"]["code"], "unknown_issuer");
    assert_eq!(v["failure"]["alert_sent"], "unknown_ca");
    // openssl names the same cause for the same chain: error 20, no local issuer.
    let o = other.path().display().to_string();
    let theirs = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            &format!("{o}/intermediate.crt"),
            &format!("{o}/server.crt"),
        ],
    );
    assert!(!theirs.status.success());
    assert!(text(&theirs).contains("error 20 at"), "{}", text(&theirs));
}

/// Python's ssl server, as the guides write one (CERT_REQUIRED), takes certbench's client.
#[test]
fn a_python_ssl_server_takes_the_client() {
    let dir = workspace();
    let d = dir.path();
    let script = r#"
import ssl, socket, sys
port = int(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("server-chain.crt", "server.key")
ctx.load_verify_locations("ca.crt")
ctx.verify_mode = ssl.CERT_REQUIRED
with socket.create_server(("127.0.0.1", port)) as s:
    print("ready", flush=True)
    conn, _ = s.accept()
    with ctx.wrap_socket(conn, server_side=True) as tls:
        tls.recv(4096)
        cn = dict(x[0] for x in tls.getpeercert()["subject"])["commonName"]
        tls.sendall(("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\nhi %s" % (3 + len(cn), cn)).encode())
"#;
    let (_peer, port) = ready_on_a_free_port(
        |port| {
            let mut c = Command::new(require("python3", "python3"));
            c.current_dir(d).args(["-c", script, &port.to_string()]);
            c
        },
        "ready",
    );
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}")]);
    assert!(ok, "{v}");
    assert!(v["response"].as_str().unwrap().ends_with("hi alice"), "{v}");
}

/// Node.js's https server with `requestCert: true`: certbench's client completes; when the
/// server trusts another CA it refuses, and connect says the server caught it (unknown CA).
#[test]
fn a_node_https_server_with_request_cert_takes_the_client_or_says_why_not() {
    let node = require("node", "nodejs");
    let dir = workspace();
    let d = dir.path();
    let other = tempfile::tempdir().unwrap();
    certbench_ok(other.path(), &["gen"]);
    let script = r#"
const https = require('https'), fs = require('fs');
const [port, ca] = process.argv.slice(1);
const server = https.createServer({
  cert: fs.readFileSync('server-chain.crt'), key: fs.readFileSync('server.key'),
  ca: fs.readFileSync(ca), requestCert: true, rejectUnauthorized: true,
}, (req, res) => { res.end('hello ' + req.socket.getPeerCertificate().subject.CN); });
server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
"#;
    for (ca, works) in [
        (d.join("ca.crt"), true),
        (other.path().join("ca.crt"), false),
    ] {
        let (_peer, port) = ready_on_a_free_port(
            |port| {
                let mut c = Command::new(&node);
                c.current_dir(d)
                    .args(["-e", script, &port.to_string(), ca.to_str().unwrap()]);
                c
            },
            "ready",
        );
        let (ok, v) = connect_json(d, &[&format!("localhost:{port}")]);
        if works {
            assert!(ok, "{v}");
            assert!(
                v["response"].as_str().unwrap().ends_with("hello alice"),
                "{v}"
            );
        } else {
            // Node ends the connection without an alert: the CertificateRequest's CA names
            // are what says why.
            assert!(!ok, "{v}");
            let other_root = openssl_ok(
                other.path(),
                &[
                    "x509", "-in", "ca.crt", "-noout", "-subject", "-nameopt", "RFC2253",
                ],
            );
            let other_root = other_root.trim().trim_start_matches("subject=");
            assert_eq!(
                v["certificate_request"]["certificate_authorities"],
                serde_json::json!([other_root])
            );
            assert_eq!(v["hint"]["code"], "not_from_named_ca", "{v}");
            assert_eq!(v["hint"]["named"], serde_json::json!([other_root]));
            assert_eq!(
                v["workspace_certificates_it_accepts"],
                serde_json::json!([])
            );
        }
    }
}

/// `certbench serve --json` in `d` on the port the system chooses, which its first line says.
fn serve_peer(d: &Path, extra: &[&str]) -> (JsonLines, u16) {
    let served = JsonLines::start(d, &[&["serve", "--port", "0", "--json"], extra].concat());
    let port = listening_port(&served.first);
    (served, port)
}

/// certbench's own serve, with the TLS 1.2 flight order: connect completes.
#[test]
fn connect_to_serve_with_tls_1_2() {
    let dir = workspace();
    let d = dir.path();
    let (_server, port) = serve_peer(d, &[]);
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}"), "--tls", "1.2"]);
    assert!(ok, "{v}");
    assert_eq!(v["version"], "TLS 1.2");
    assert!(
        v["response"].as_str().unwrap().contains("Hello, alice"),
        "{v}"
    );
}

/// A Go crypto/tls server that requires and verifies client certificates (the guides' Go
/// server) takes certbench's client.
#[test]
fn a_go_server_takes_the_client() {
    let go = require("go", "golang-go");
    let dir = workspace();
    let d = dir.path();
    let program = r#"package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	pem, err := os.ReadFile("ca.crt")
	if err != nil {
		panic(err)
	}
	cas := x509.NewCertPool()
	cas.AppendCertsFromPEM(pem)
	server := &http.Server{
		TLSConfig: &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: cas},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello %s", r.TLS.PeerCertificates[0].Subject.CommonName)
		}),
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		panic(err)
	}
	fmt.Println("ready")
	panic(server.ServeTLS(l, "server-chain.crt", "server.key"))
}
"#;
    std::fs::write(d.join("server.go"), program).unwrap();
    // Built first: the build takes longer than a server start.
    let out = Command::new(&go)
        .current_dir(d)
        .env("GOCACHE", d.join("gocache"))
        .env("GOPATH", d.join("gopath"))
        .args(["build", "-o", "goserver", "server.go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let (_peer, port) = ready_on_a_free_port(
        |port| {
            let mut c = Command::new(d.join("goserver"));
            c.current_dir(d).arg(port.to_string());
            c
        },
        "ready",
    );
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}")]);
    assert!(ok, "{v}");
    assert!(
        v["response"].as_str().unwrap().ends_with("hello alice"),
        "{v}"
    );
    // Go names the CAs it takes in its CertificateRequest: the workspace's root.
    assert_eq!(
        v["workspace_certificates_it_accepts"],
        serde_json::json!(["client"])
    );
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}"), "--no-cert"]);
    assert!(!ok, "{v}");
    assert_eq!(v["failure"]["detected_by"], "server", "{v}");
}

/// What cannot even start a handshake is said as it is: a name that does not resolve, a port
/// nothing listens on, a server that speaks plain HTTP; and nothing is said of a
/// CertificateRequest that never came.
#[test]
fn no_tls_at_all_is_said_plainly() {
    let dir = workspace();
    let d = dir.path();
    let (ok, v) = connect_json(d, &["no-such-host.invalid:443"]);
    assert!(!ok);
    assert_eq!(v["failure"]["cause"]["code"], "host_not_found", "{v}");
    assert_eq!(v["failure"]["cause"]["host"], "no-such-host.invalid");
    let port = free_port();
    let (ok, v) = connect_json(d, &[&format!("127.0.0.1:{port}")]);
    assert!(!ok);
    assert_eq!(v["failure"]["cause"]["code"], "connection_refused", "{v}");
    let out = certbench(d, &["connect", &format!("127.0.0.1:{port}")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("CertificateRequest"), "{text}");
    assert!(!text.contains("alert"), "{text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing listens at 127.0.0.1:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A plain HTTP server.
    let (_http, port) = ready_on_a_free_port(
        |port| {
            let mut c = Command::new(require("python3", "python3"));
            c.current_dir(d).args([
                "-u",
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ]);
            c
        },
        "Serving HTTP on",
    );
    let (ok, v) = connect_json(
        d,
        &[&format!("127.0.0.1:{port}"), "--server-name", "localhost"],
    );
    assert!(!ok);
    assert_eq!(v["failure"]["cause"]["code"], "plain_http", "{v}");
    assert_eq!(v["failure"]["cause"]["from"], "server");
    // In words: no server side to show (its bytes were not TLS), and the way out.
    let out = certbench(
        d,
        &[
            "connect",
            &format!("127.0.0.1:{port}"),
            "--server-name",
            "localhost",
        ],
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!said.contains("CertificateRequest"), "{said}");
    assert!(said.contains("plain HTTP"), "{said}");
    assert!(said.contains("http://"), "{said}");
    // An SSH server: its greeting says what answers there instead of TLS.
    let ssh = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ssh_port = ssh.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut s in ssh.incoming().flatten() {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
            let _ = s.read(&mut [0u8; 64]);
        }
    });
    let (ok, v) = connect_json(
        d,
        &[
            &format!("127.0.0.1:{ssh_port}"),
            "--server-name",
            "localhost",
        ],
    );
    assert!(!ok);
    assert_eq!(v["failure"]["cause"]["code"], "not_tls", "{v}");
    assert_eq!(v["failure"]["cause"]["from"], "server", "{v}");
    assert!(
        v["failure"]["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("\"SSH-2.0-OpenSSH_9.2p1 Debian-2\"")),
        "{v}"
    );
    assert!(
        v["failure"]["fix"]
            .as_str()
            .is_some_and(|f| f.contains("TLS port")),
        "{v}"
    );
}

/// A server that names only another CA: certbench's client presents the workspace's certificate
/// all the same (also with --ca, which changes only what it trusts), the server refuses it as
/// from an unknown CA, and none of the workspace's client certificates is from the CAs named.
#[test]
fn a_server_that_names_another_ca_refuses_the_client() {
    let dir = workspace();
    let d = dir.path();
    let other = tempfile::tempdir().unwrap();
    certbench_ok(other.path(), &["gen"]);
    let other_ca = other.path().join("ca.crt");
    let (_server, port) = s_server(
        d,
        &[
            "-CAfile",
            other_ca.to_str().unwrap(),
            "-Verify",
            "1",
            "-verify_return_error",
        ],
    );
    let ca = d.join("ca.crt");
    let (ok, v) = connect_json(
        d,
        &[&format!("localhost:{port}"), "--ca", ca.to_str().unwrap()],
    );
    assert!(!ok, "{v}");
    assert_eq!(v["client_certificate_sent"]["code"], "sent", "{v}");
    assert_eq!(
        v["client_certificate_sent"]["subject"],
        "CN=alice,O=certbench"
    );
    assert_eq!(v["failure"]["detected_by"], "server");
    assert_eq!(v["failure"]["cause"]["code"], "unknown_issuer");
    assert_eq!(
        v["workspace_certificates_it_accepts"],
        serde_json::json!([])
    );
}

/// The handshake works and the server says 403: connect shows the status and exits 1.
#[test]
fn an_http_refusal_after_the_handshake_is_an_exit_code() {
    let dir = workspace();
    let d = dir.path();
    let (_server, port) = serve_peer(d, &["--allow", "cn:bob"]);
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}")]);
    assert!(!ok, "{v}");
    assert_eq!(v["ok"], true, "the handshake worked");
    assert_eq!(v["http_status"], 403);
}

/// After a connect that worked, certbench says what its client judged of the server (openssl's
/// reading of the same certificate), and that the server's judgment of the client is the server's.
#[test]
fn connect_says_what_it_judged_of_the_server() {
    let dir = workspace();
    let d = dir.path();
    let (_server, port) = s_server(
        d,
        &["-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error"],
    );
    let out = certbench(d, &["connect", &format!("localhost:{port}")]);
    let stdout = text(&out);
    assert!(out.status.success(), "{stdout}");
    let server = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "server.crt",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
        ],
    );
    let server = server.trim().trim_start_matches("subject=");
    assert!(
        stdout.contains(&format!("The server proved it holds the key of {server}")),
        "{stdout}"
    );
    assert!(stdout.contains("the server is not certbench"), "{stdout}");
}

/// Issue 21: `connect --summary` is one screen (the server's chain with the verdict, what the
/// server asked for, the outcome), not a timeline; `--save-chain FILE` writes the server's chain
/// as PEM, the same certificates `openssl s_client -showcerts` shows, and never overwrites.
#[test]
fn connect_summary_is_one_screen_and_save_chain_writes_what_openssl_shows() {
    let ws = workspace();
    let d = ws.path();
    let (_server, port) = s_server(d, &["-Verify", "1"]);
    let target = format!("localhost:{port}");
    let out = certbench(
        d,
        &["connect", &target, "--summary", "--save-chain", "chain.pem"],
    );
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    let lines = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(lines <= 24, "{lines} lines:\n{shown}");
    assert!(!shown.contains("ClientHello"), "no timeline: {shown}");
    assert!(shown.contains("CN=localhost"), "{shown}");
    assert!(shown.contains("CN=certbench Intermediate CA"), "{shown}");
    assert!(shown.contains("asked for a client certificate"), "{shown}");
    assert!(shown.contains("verified"), "{shown}");
    assert!(
        shown.contains("chain.pem"),
        "says where the chain went: {shown}"
    );

    // openssl's view of the same server: its -showcerts PEM blocks are ours.
    let (_server2, port2) = s_server(d, &[]);
    let theirs = Command::new(require("openssl", "openssl"))
        .current_dir(d)
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port2}"),
            "-showcerts",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
    let blocks = |s: &str| -> Vec<String> {
        s.split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|b| {
                b.split("-----END CERTIFICATE-----")
                    .next()
                    .unwrap()
                    .split_whitespace()
                    .collect()
            })
            .collect()
    };
    let ours = std::fs::read_to_string(d.join("chain.pem")).unwrap();
    assert_eq!(blocks(&ours), blocks(&theirs), "{ours}\n---\n{theirs}");
    assert_eq!(blocks(&ours).len(), 2);

    // Not overwritten unasked.
    let (_server3, port3) = s_server(d, &[]);
    let out = certbench(
        d,
        &[
            "connect",
            &format!("localhost:{port3}"),
            "--summary",
            "--save-chain",
            "chain.pem",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("chain.pem"), "{err}");
}

/// Issue 21: the fixes `connect` gives fit what happened. A server whose CertificateRequest names
/// no CA is not answered with advice about the CAs it names; a TLS 1.3-only client against a
/// TLS 1.2-only server is told to offer 1.2 (not "--tls 1.2 or --tls 1.3").
#[test]
fn connect_fixes_fit_what_the_server_did() {
    let ws = workspace();
    let d = ws.path();
    // openssl s_server -Verify names no CA unless given a CA list: what openssl says it sent.
    let (_server, port) = s_server(d, &["-Verify", "1", "-verify_return_error"]);
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}"), "--no-cert"]);
    assert!(!ok);
    assert_eq!(
        v["certificate_request"]["certificate_authorities"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "{v}"
    );
    let fix = v["failure"]["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("names no CA"), "{fix}");
    assert!(!fix.contains("a CA the server names"), "{fix}");

    let (_server, port) = s_server(d, &["-tls1_2"]);
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}"), "--tls", "1.3"]);
    assert!(!ok);
    assert_eq!(v["failure"]["cause"]["code"], "no_common_version", "{v}");
    assert_eq!(
        v["failure"]["cause"]["offered"],
        serde_json::json!([0x0304])
    );
    let fix = v["failure"]["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("does not speak TLS 1.3") && fix.contains("--tls 1.2"),
        "{fix}"
    );
    assert!(!fix.contains("--tls 1.2 or --tls 1.3"), "{fix}");
    // The server's answer ended it at the ClientHello: whether it asks for a client certificate
    // is not known, and the text does not say it did not.
    let (_server, port) = s_server(d, &["-tls1_2", "-Verify", "1"]);
    let out = certbench(
        d,
        &["connect", &format!("localhost:{port}"), "--tls", "1.3"],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        !said.contains("did not ask for a client certificate"),
        "{said}"
    );
    assert!(said.contains("is not known"), "{said}");

    // A server that sends its leaf without the intermediate (openssl s_server -cert alone): the
    // root is trusted already, the fix is the server's chain, not another --ca.
    let (_server, port) = ready_on_a_free_port(
        |port| {
            let mut c = Command::new(require("openssl", "openssl"));
            c.current_dir(d)
                .args(["s_server", "-accept", &port.to_string(), "-www"])
                .args(["-naccept", "1", "-cert", "server.crt", "-key", "server.key"]);
            c
        },
        "ACCEPT",
    );
    let (ok, v) = connect_json(d, &[&format!("localhost:{port}")]);
    assert!(!ok);
    assert_eq!(v["failure"]["cause"]["code"], "unknown_issuer", "{v}");
    let fix = v["failure"]["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("the server must send its chain") && fix.contains("-cert_chain"),
        "{fix}"
    );
}

/// A workspace whose client certificate is revoked: what the server asked for is judged, and
/// the revoked one is named as revoked, not as one that is not from the CAs the server names.
#[test]
fn a_revoked_client_is_named_as_revoked() {
    let dir = workspace();
    let d = dir.path();
    certbench_ok(d, &["revoke", "client"]);
    let (_server, port) = s_server(d, &["-Verify", "1", "-CAfile", "ca.crt"]);
    let out = certbench(d, &["connect", &format!("localhost:{port}")]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("client certificates from those CAs are revoked: client"),
        "{said}"
    );
    assert!(
        !said.contains("none of the workspace's client certificates"),
        "{said}"
    );
}
