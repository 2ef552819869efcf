#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench relay` between programs nobody here wrote: curl and `openssl s_server`. Which side
//! refused and with what alert, as openssl says it; the bytes through the relay unchanged. (Its
//! timeline against tshark's reading: tests/tshark.rs.)

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::Value;

struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `openssl s_server` asking for a client certificate from the workspace's CA, on a free port,
/// once it accepts; its stderr is collected (what it says of each client).
fn s_server(d: &Path, extra: &[&str]) -> (Peer, std::sync::mpsc::Receiver<String>, u16) {
    let ((peer, said), port) = on_a_free_port(|port| s_server_on(d, port, extra));
    (peer, said, port)
}

fn s_server_on(
    d: &Path,
    port: u16,
    extra: &[&str],
) -> Result<(Peer, std::sync::mpsc::Receiver<String>), String> {
    let mut p = Command::new(require("openssl", "openssl"))
        .current_dir(d)
        .args(["s_server", "-accept", &port.to_string()])
        .args([
            "-cert",
            "server.crt",
            "-cert_chain",
            "intermediate.crt",
            "-key",
            "server.key",
        ])
        .args(["-CAfile", "ca.crt"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(p.stdout.take().unwrap());
    let (tx, said) = std::sync::mpsc::channel();
    let err = p.stderr.take().unwrap();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx2.send(l);
        }
    });
    let mut line = String::new();
    let peer = Peer(p);
    while line.trim() != "ACCEPT" {
        line.clear();
        if out.read_line(&mut line).unwrap_or(0) == 0 {
            // It ended (a port taken meanwhile: "Address already in use"): what it said.
            let said: Vec<String> = said
                .recv_timeout(std::time::Duration::from_secs(2))
                .into_iter()
                .chain(said.try_iter())
                .collect();
            return Err(format!("s_server did not start: {}", said.join(" / ")));
        }
    }
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    Ok((peer, said))
}

type Lines = std::io::Lines<BufReader<std::process::ChildStdout>>;

/// The relay to `port`, following `keylog`; its JSON lines, and the port it listens on.
fn relay(port: u16, keylog: &Path) -> (Peer, Lines, u16) {
    // A workspace that does not exist: nothing to judge.
    let none = keylog.with_file_name("no-workspace");
    relay_in(&none, port, keylog)
}

/// The same, with the workspace in `d` (its certificates judged against each request).
fn relay_in(d: &Path, port: u16, keylog: &Path) -> (Peer, Lines, u16) {
    let mut r = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args(["relay", "--listen", "127.0.0.1:0", "--json", "--to"])
        .arg(format!("localhost:{port}"))
        .arg("--keylog")
        .arg(keylog)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(r.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let at: u16 = listening_port(&first);
    (Peer(r), lines, at)
}

fn curl(d: &Path, port: u16, keylog: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(require("curl", "curl"))
        .current_dir(d)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
        .args(extra)
        .arg(format!("https://localhost:{port}/"))
        .env("SSLKEYLOGFILE", keylog)
        .output()
        .unwrap()
}

/// Wait for a line of s_server's that contains `what` (it logs each client's verdict).
fn openssl_says(said: &std::sync::mpsc::Receiver<String>, what: &str) -> String {
    let mut all = String::new();
    while let Ok(l) = said.recv_timeout(std::time::Duration::from_secs(10)) {
        all.push_str(&l);
        all.push('\n');
        if l.contains(what) {
            return all;
        }
    }
    panic!("openssl s_server never said \"{what}\":\n{all}");
}

/// A client with no certificate, one from an unknown CA and one expired, through the relay to a
/// server that requires one: the relay says the server refused, with the alert on the wire, and
/// openssl says why, the same.
#[test]
fn refusals_through_the_relay_are_the_servers_with_its_alert() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "client",
        "late",
        &["--not-before", "-400d", "--days", "30"],
    );
    let other = tempfile::tempdir().unwrap();
    certbench_ok(other.path(), &["gen"]);
    for f in ["client-chain.crt", "client.key"] {
        std::fs::copy(other.path().join(f), d.join(format!("stranger-{f}"))).unwrap();
    }
    let keylog = d.join("keys.log");
    for (tls, extra) in [
        ("1.3", vec![]),
        ("1.2", vec!["--tlsv1.2", "--tls-max", "1.2"]),
    ] {
        let (_server, said, port) = s_server(d, &["-Verify", "1", "-verify_return_error", "-www"]);
        let (_relay, mut lines, at) = relay(port, &keylog);
        let mut next =
            || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };

        // No certificate.
        let out = curl(d, at, &keylog, &extra);
        assert!(!out.status.success());
        let v = next();
        assert_eq!(v["outcome"], "failed", "TLS {tls}: {v}");
        assert_eq!(v["failure"]["detected_by"], "server", "TLS {tls}: {v}");
        assert_eq!(
            v["failure"]["cause"]["code"], "no_client_certificate",
            "TLS {tls}: {v}"
        );
        openssl_says(&said, "did not return a certificate");

        // A certificate from a CA the server does not know.
        let out = curl(
            d,
            at,
            &keylog,
            &[
                &extra[..],
                &[
                    "--cert",
                    "stranger-client-chain.crt",
                    "--key",
                    "stranger-client.key",
                ],
            ]
            .concat(),
        );
        assert!(!out.status.success());
        let v = next();
        assert_eq!(v["failure"]["detected_by"], "server", "TLS {tls}: {v}");
        assert_eq!(v["failure"]["alert_sent"], "unknown_ca", "TLS {tls}: {v}");
        openssl_says(&said, "unable to get local issuer certificate");
        // The certificate refused is the client's, as it crossed: its leaf, with the one
        // intermediate the chain file holds (so no advice to send the chain).
        let culprit = &v["failure"]["culprit"];
        assert_eq!(culprit["side"], "client", "TLS {tls}: {v}");
        assert_eq!(culprit["subject"], subject(d, "stranger-client-chain.crt"));
        assert_eq!(culprit["intermediates"], 1, "TLS {tls}: {v}");
        assert!(
            v["failure"]["fix"]
                .as_str()
                .is_some_and(|f| f.contains("CA the server names") && !f.contains("alone")),
            "TLS {tls}: {v}"
        );

        // An expired one.
        let out = curl(
            d,
            at,
            &keylog,
            &[
                &extra[..],
                &["--cert", "late-chain.crt", "--key", "late.key"],
            ]
            .concat(),
        );
        assert!(!out.status.success());
        let v = next();
        assert_eq!(v["failure"]["detected_by"], "server", "TLS {tls}: {v}");
        assert_eq!(
            v["failure"]["alert_sent"], "certificate_expired",
            "TLS {tls}: {v}"
        );
        assert_eq!(v["failure"]["cause"]["code"], "expired", "TLS {tls}: {v}");
        openssl_says(&said, "certificate has expired");
        // The lesson is of the server that refused (openssl here), not of rustls.
        let lesson = v["failure"]["lesson"].as_str().unwrap();
        assert!(
            lesson.contains("certificate_expired") && !lesson.contains("rustls"),
            "{lesson}"
        );
        let culprit = &v["failure"]["culprit"];
        assert_eq!(culprit["subject"], subject(d, "late-chain.crt"), "{v}");
        assert_eq!(culprit["field"], "not_after", "{v}");
    }
}

/// The subject of a file's first certificate as openssl writes it in RFC 2253 order (the most
/// specific name first, as RFC 4514 writes it).
fn subject(d: &Path, file: &str) -> String {
    let out = openssl(
        d,
        &[
            "x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("subject=")
        .unwrap()
        .trim()
        .to_string()
}

/// 50 MB through the relay arrive as they left: the sha256 of what curl got is the file's (with
/// curl's key log followed, so the relay decrypts all it forwards).
#[test]
fn bytes_through_the_relay_are_unchanged() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let mut big = vec![0u8; 50 << 20];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for b in big.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(d.join("big.bin"), &big).unwrap();
    let (_server, _said, port) = s_server(d, &["-WWW"]);
    let keylog = d.join("keys.log");
    let (_relay, mut lines, at) = relay(port, &keylog);
    let out = Command::new(require("curl", "curl"))
        .current_dir(d)
        .args([
            "-sS",
            "--max-time",
            "30",
            "--cacert",
            "ca.crt",
            "-o",
            "got.bin",
        ])
        .arg(format!("https://localhost:{at}/big.bin"))
        .env("SSLKEYLOGFILE", &keylog)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let sum = |p: &Path| {
        let mut f = std::fs::File::open(p).unwrap();
        let mut all = Vec::new();
        f.read_to_end(&mut all).unwrap();
        let o = Command::new(require("sha256sum", "coreutils"))
            .arg(p)
            .output()
            .unwrap();
        (
            all.len(),
            String::from_utf8_lossy(&o.stdout)
                .split(' ')
                .next()
                .unwrap()
                .to_string(),
        )
    };
    assert_eq!(sum(&d.join("got.bin")), sum(&d.join("big.bin")));
    let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(v["bytes_down"].as_u64().unwrap() > 50 << 20, "{v}");
    assert_eq!(v["decrypted"], true, "{v}");
}

/// What the server asked of the client, seen through the relay: the CA names `openssl s_client`
/// reports as acceptable, and which of the workspace's certificates would do (one under another
/// root would not, and says why).
#[test]
fn the_relay_says_which_workspace_certificates_fit_the_request() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    issue(d, "ca", "other", &[]);
    issue(d, "client", "bob", &["--issuer", "other"]);
    issue(
        d,
        "client",
        "late",
        &["--not-before", "-400d", "--days", "30"],
    );
    // openssl: it has expired.
    let checked = openssl(d, &["x509", "-in", "late.crt", "-noout", "-checkend", "0"]);
    assert!(!checked.status.success(), "{}", text(&checked));
    let (_server, _said, port) = s_server(d, &["-Verify", "1", "-www"]);
    let keylog = d.join("keys.log");
    let (_relay, mut lines, at) = relay_in(d, port, &keylog);
    let theirs = Command::new(require("openssl", "openssl"))
        .current_dir(d)
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{at}"),
            "-keylogfile",
        ])
        .arg(&keylog)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
    let acceptable: Vec<&str> = theirs
        .lines()
        .skip_while(|l| !l.starts_with("Acceptable client certificate CA names"))
        .skip(1)
        .take_while(|l| !l.starts_with("Requested") && !l.starts_with("Client Certificate Types"))
        .collect();
    assert_eq!(acceptable.len(), 1, "{theirs}");
    let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let named = v["certificate_request"]["certificate_authorities"]
        .as_array()
        .unwrap();
    assert_eq!(named.len(), 1, "{v}");
    let cn = acceptable[0].rsplit("CN = ").next().unwrap().trim();
    assert!(
        named[0].as_str().unwrap().contains(cn),
        "{named:?} vs {acceptable:?}"
    );
    let fits = v["workspace_certificates"].as_array().unwrap();
    let verdict = |name: &str| {
        fits.iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name} not judged: {fits:?}"))["verdict"]
            .clone()
    };
    assert_eq!(verdict("client"), "fits");
    assert_eq!(verdict("bob"), "issuer_not_named");
    assert_eq!(verdict("late"), "not_valid_now");
}

/// A client whose key signs with none of the schemes the server's CertificateRequest lists sends
/// no certificate (RFC 8446 4.4.2.2; openssl's client does so): the relay shows the empty
/// Certificate and the server's refusal as `openssl s_server` logs it, and says of the
/// workspace's certificates which key the server would not take.
#[test]
fn a_client_key_the_server_takes_no_signature_from_is_named() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    issue(d, "client", "edna", &["--alg", "ed25519"]);
    let (_server, said, port) = s_server(
        d,
        &[
            "-Verify",
            "1",
            "-client_sigalgs",
            "ECDSA+SHA256:RSA-PSS+SHA256",
            "-www",
        ],
    );
    let keylog = d.join("keys.log");
    let (_relay, mut lines, at) = relay_in(d, port, &keylog);
    let theirs = Command::new(require("openssl", "openssl"))
        .current_dir(d)
        .args(["s_client", "-connect", &format!("127.0.0.1:{at}")])
        .args(["-cert", "edna.crt", "-key", "edna.key", "-keylogfile"])
        .arg(&keylog)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
    // What openssl's client read in the request: the two schemes, no Ed25519.
    let requested = theirs
        .lines()
        .find_map(|l| l.strip_prefix("Requested Signature Algorithms: "))
        .unwrap_or_else(|| panic!("s_client did not list the requested algorithms:\n{theirs}"));
    assert_eq!(requested.split(':').count(), 2, "{requested}");
    let log = openssl_says(&said, "peer did not return a certificate");
    let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let schemes = v["certificate_request"]["signature_schemes"]
        .as_array()
        .unwrap();
    assert_eq!(schemes.len(), 2, "{v}");
    assert!(
        schemes.contains(&Value::from("ecdsa_secp256r1_sha256"))
            && schemes.contains(&Value::from("rsa_pss_rsae_sha256")),
        "{schemes:?} vs openssl's {requested}"
    );
    // The client's Certificate crossed, empty; the server refused it, as openssl logged.
    let empty = v["events"].as_array().unwrap().iter().any(|e| {
        e["side"] == "client"
            && e["message"] == "Certificate"
            && e["fields"]["certificates"]
                .as_array()
                .is_some_and(|c| c.is_empty())
    });
    assert!(empty, "no empty client Certificate in {v}");
    assert_eq!(v["outcome"], "failed", "{v}\nopenssl: {log}");
    assert_eq!(v["failure"]["detected_by"], "server", "{v}");
    assert_eq!(
        v["failure"]["cause"]["code"], "no_client_certificate",
        "{v}"
    );
    let fits = v["workspace_certificates"].as_array().unwrap();
    let judged = |name: &str| {
        fits.iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name} not judged: {fits:?}"))
            .clone()
    };
    assert_eq!(judged("edna")["verdict"], "key_not_accepted", "{fits:?}");
    assert_eq!(judged("edna")["key"], "Ed25519", "{fits:?}");
    assert_eq!(judged("client")["verdict"], "fits", "{fits:?}");
}

/// A key log removed between two clients, or emptied, and written again by the next client to
/// the same length as before: each connection is decrypted all the same (the file is read again
/// from its start when it is another file, or its first bytes changed).
#[test]
fn a_key_log_removed_or_emptied_between_clients_is_followed_anew() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let (_server, _said, port) = s_server(d, &["-www"]);
    let keylog = d.join("keys.log");
    let (_relay, mut lines, at) = relay(port, &keylog);
    for round in 0..6 {
        if round % 2 == 0 {
            let _ = std::fs::remove_file(&keylog);
        } else {
            std::fs::write(&keylog, "").unwrap();
        }
        let out = curl(d, at, &keylog, &[]);
        assert!(out.status.success(), "{}", text(&out));
        let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        assert_eq!(v["decrypted"], true, "round {round}: {v}");
        assert_eq!(v["outcome"], "ok", "round {round}: {v}");
    }
}

/// Options that cannot be: said in a sentence with exit status 2, as clap says its own, and
/// nothing listens.
#[test]
fn the_relays_options_are_checked_before_it_listens() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    for (args, said) in [
        (
            &["relay", "--listen", "0", "--to", "localhost"][..],
            "is not HOST:PORT",
        ),
        (
            &["relay", "--listen", "here", "--to", "localhost:1"],
            "is not ADDR:PORT",
        ),
        // The TUI needs a terminal; the test's output is a pipe.
        (
            &["relay", "--tui", "--listen", "0", "--to", "localhost:1"],
            "--tui needs a terminal",
        ),
        (
            &[
                "relay",
                "--tui",
                "--json",
                "--listen",
                "0",
                "--to",
                "localhost:1",
            ],
            "cannot be used with",
        ),
        // Relaying to itself would loop.
        (
            &[
                "relay",
                "--listen",
                "127.0.0.1:9601",
                "--to",
                "127.0.0.1:9601",
            ],
            "would relay to itself",
        ),
        // A key log in no folder: no client could write it.
        (
            &[
                "relay",
                "--listen",
                "0",
                "--to",
                "localhost:1",
                "--keylog",
                "/nonexistent-folder/keys.log",
            ],
            "does not exist",
        ),
    ] {
        let out = certbench(d, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// A key log with garbage lines and secrets that match nothing, a client that speaks plain HTTP,
/// a target that refuses, a server that never answers: each connection says what it saw, and the
/// relay goes on forwarding the good ones.
#[test]
fn bad_input_is_each_connections_own_and_the_relay_goes_on() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let keylog = d.join("keys.log");
    std::fs::write(
        &keylog,
        "# a comment\nnot a key log line\nCLIENT_RANDOM zz 00\nCLIENT_HANDSHAKE_TRAFFIC_SECRET \
         0000000000000000000000000000000000000000000000000000000000000000 \
         1111111111111111111111111111111111111111111111111111111111111111\n\u{0}\u{ff}garbage\n",
    )
    .unwrap();
    let (_server, _said, port) = s_server(d, &["-www"]);
    let (_relay, mut lines, at) = relay(port, &keylog);
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };

    // Plain HTTP to a TLS server, through the relay.
    let out = Command::new(require("curl", "curl"))
        .args(["-sS", "--max-time", "5"])
        .arg(format!("http://localhost:{at}/"))
        .output()
        .unwrap();
    let _ = out;
    let v = next();
    assert_eq!(v["outcome"], "failed", "{v}");
    assert_eq!(v["failure"]["cause"]["code"], "plain_http", "{v}");
    // openssl s_server closes without a word.
    assert_eq!(v["bytes_down"], 0, "{v}");
    assert!(v["failure"]["alert_sent"].is_null(), "{v}");

    // A good one after it, decrypted with the key log despite its garbage.
    let out = curl(d, at, &keylog, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let v = next();
    assert_eq!(v["outcome"], "ok", "{v}");
    assert_eq!(v["decrypted"], true, "{v}");

    // A target that refuses: said, and the relay stays up.
    let refused = free_port();
    let (_r2, mut lines2, at2) = relay(refused, &keylog);
    let out = curl(d, at2, &keylog, &[]);
    assert!(!out.status.success());
    let v: Value = serde_json::from_str(&lines2.next().unwrap().unwrap()).unwrap();
    assert_eq!(v["failure"]["cause"]["code"], "connection_refused", "{v}");
    assert_eq!(v["outcome"], "unreachable", "{v}");

    // A server that accepts and never answers: the client gives up (curl's timeout, exit code
    // 28), and the connection is said to be unanswered, ended by the client after those two
    // seconds; the relay goes on.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let (_r3, mut lines3, at3) = relay(silent_port, &keylog);
    let out = curl(d, at3, &keylog, &["--max-time", "2"]);
    assert_eq!(
        out.status.code(),
        Some(28),
        "curl timed out: {}",
        text(&out)
    );
    let v: Value = serde_json::from_str(&lines3.next().unwrap().unwrap()).unwrap();
    assert_eq!(v["outcome"], "unanswered", "{v}");
    assert_eq!(v["ending"]["by"], "client", "{v}");
    assert_eq!(v["bytes_down"], 0, "{v}");
    let after = v["ending"]["after_ms"].as_u64().unwrap();
    // From the connection's start to the client's giving up: curl's two seconds, not the
    // relay's linger after it.
    assert!((1900..4000).contains(&after), "{v}");
    assert_eq!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["message"] == "ClientHello")
            .count(),
        1,
        "{v}"
    );
    // An SSH server where TLS was expected: its greeting says what it is, as curl finds it
    // is not TLS.
    let ssh = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ssh_port = ssh.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::Write;
        for mut s in ssh.incoming().flatten() {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
            let _ = s.read(&mut [0u8; 64]);
        }
    });
    let (_r4, mut lines4, at4) = relay(ssh_port, &keylog);
    let out = curl(d, at4, &keylog, &["--max-time", "3"]);
    assert!(!out.status.success());
    let v: Value = serde_json::from_str(&lines4.next().unwrap().unwrap()).unwrap();
    assert_eq!(v["outcome"], "failed", "{v}");
    assert_eq!(v["failure"]["cause"]["code"], "not_tls", "{v}");
    assert_eq!(v["failure"]["cause"]["from"], "server", "{v}");
    assert!(
        v["failure"]["explanation"]
            .as_str()
            .unwrap()
            .contains("\"SSH-2.0-OpenSSH_9.2p1 Debian-2\""),
        "{v}"
    );
    // Noise from a client, with control bytes: said in hex, and nothing of it raw.
    let mut noise = std::net::TcpStream::connect(("127.0.0.1", at)).unwrap();
    std::io::Write::write_all(&mut noise, b"\x1b[2J\x00\xff\x13\x37 noise").unwrap();
    drop(noise);
    let v = next();
    assert_eq!(v["failure"]["cause"]["code"], "not_tls", "{v}");
    assert_eq!(v["failure"]["cause"]["from"], "client", "{v}");
    let said = v["failure"]["explanation"].as_str().unwrap();
    assert!(said.contains("1b 5b 32 4a 00 ff 13 37"), "{said}");
    assert!(!said.contains('\u{1b}'), "{said}");
    // A port check: connected, nothing sent. openssl answers the nothing with an alert of its
    // own; the connection is the client's empty one, not a refusal.
    drop(std::net::TcpStream::connect(("127.0.0.1", at)).unwrap());
    let v = next();
    assert_eq!(v["outcome"], "empty", "{v}");
    assert!(v["failure"].is_null(), "{v}");

    let out = curl(d, at, &keylog, &[]);
    assert!(
        out.status.success(),
        "the first relay still serves: {}",
        text(&out)
    );
}

/// A thousand connections through the relay, 50 at once: each is reported, and the relay's
/// memory stays bounded (what it keeps of a connection goes when the connection does).
#[cfg(target_os = "linux")]
#[test]
fn a_thousand_connections_keep_the_relay_bounded() {
    use std::io::Write;
    let sink = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sink_port = sink.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in sink.incoming().flatten() {
            std::thread::spawn(move || {
                let mut s = s;
                let mut buf = [0u8; 4096];
                while let Ok(n) = std::io::Read::read(&mut s, &mut buf) {
                    if n == 0 || s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let (relay, lines, at) = relay(sink_port, &dir.path().join("none.log"));
    let rss = |pid: u32| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap()
    };
    let reader = std::thread::spawn(move || lines.take(1000).count());
    let pid = relay.0.id();
    for batch in 0..20 {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                std::thread::spawn(move || {
                    let mut c = std::net::TcpStream::connect(("127.0.0.1", at)).unwrap();
                    // Not TLS, 16 KB: each connection makes the relay read, record and forward.
                    let junk = vec![(batch * 50 + i) as u8; 16 * 1024];
                    let _ = c.write_all(&junk);
                    let _ = c.shutdown(std::net::Shutdown::Write);
                    let mut back = Vec::new();
                    let _ = std::io::Read::read_to_end(&mut c, &mut back);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
    assert_eq!(reader.join().unwrap(), 1000, "every connection reported");
    let kb = rss(pid);
    assert!(
        kb < 150 * 1024,
        "the relay holds {kb} kB after 1,000 connections"
    );
}

/// Without a key log: the clear parts are shown, and where a refusal is in clear (TLS 1.2's
/// alert) so is who refused; a TLS 1.3 refusal, encrypted, is said to have stayed unread.
#[test]
fn without_a_key_log_the_clear_parts_and_the_failure_point_are_shown() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let (_server, _said, port) = s_server(d, &["-Verify", "1", "-verify_return_error", "-www"]);
    let none = d.join("no-such.keylog");
    let (_relay, mut lines, at) = relay(port, &none);
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    let nothing = d.join("unused.keylog");

    let out = curl(d, at, &nothing, &["--tlsv1.2", "--tls-max", "1.2"]);
    assert!(!out.status.success());
    let v = next();
    assert_eq!(v["decrypted"], false, "{v}");
    assert_eq!(v["outcome"], "failed", "{v}");
    assert_eq!(v["failure"]["detected_by"], "server", "{v}");
    let messages: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    for m in [
        "ClientHello",
        "ServerHello",
        "Certificate",
        "CertificateRequest",
    ] {
        assert!(messages.contains(&m), "{m} in clear: {messages:?}");
    }

    let out = curl(d, at, &nothing, &[]);
    assert!(!out.status.success());
    let v = next();
    assert_eq!(v["decrypted"], false, "{v}");
    assert_eq!(v["outcome"], "encrypted", "{v}");
    assert!(v["encrypted_unread"].as_u64().unwrap() > 0, "{v}");
    let messages: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "wire")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.starts_with(&["ClientHello", "ServerHello"]),
        "{messages:?}"
    );
}

/// A client that completes the handshake and leaves without a request (curl, when the server's
/// certificate is not for the name it asked: it checks after the handshake, exit code 60) is
/// not `ok`: the relay says the client closed without a request, with its close_notify.
#[test]
fn a_client_that_leaves_after_the_handshake_is_not_ok() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let keylog = d.join("keys.log");
    let (_server, _said, port) = s_server(d, &["-Verify", "1", "-www"]);
    let (_relay, mut lines, at) = relay(port, &keylog);
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    let out = Command::new(require("curl", "curl"))
        .current_dir(d)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
        .args(["--cert", "client-chain.crt", "--key", "client.key"])
        .args(["--resolve", &format!("elsewhere.test:{at}:127.0.0.1")])
        .arg(format!("https://elsewhere.test:{at}/"))
        .env("SSLKEYLOGFILE", &keylog)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(60), "{}", text(&out));
    assert!(
        text(&out).contains("does not match") || text(&out).contains("no alternative"),
        "curl refused the name: {}",
        text(&out)
    );
    let v = next();
    assert_eq!(v["outcome"], "no_request", "{v}");
    assert_eq!(v["ending"]["by"], "client", "{v}");
    assert_eq!(v["ending"]["close_notify"], true, "{v}");
    assert_eq!(v["decrypted"], true, "{v}");

    // The same client with the right name: its request crossed, and it is ok.
    let out = curl(
        d,
        at,
        &keylog,
        &["--cert", "client-chain.crt", "--key", "client.key"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v = next();
    assert_eq!(v["outcome"], "ok", "{v}");
}

/// Plain HTTP both ways (an HTTP client and Python's http.server, no TLS at all) is neither a
/// refusal nor a handshake: the relay says what each side said first, and forwards the page.
/// A client that connects and sends nothing is said to be empty.
#[test]
fn plain_http_both_ways_and_an_empty_connection_are_said_as_they_are() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "plain page\n").unwrap();
    let (_http, port) = ready_on_a_free_port(
        |port| {
            let mut c = Command::new(require("python3", "python3"));
            c.args([
                "-u",
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(site.path());
            c
        },
        "Serving HTTP on",
    );
    let (_relay, mut lines, at) = relay(port, &site.path().join("none.log"));
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    let out = Command::new(require("curl", "curl"))
        .args(["-sS", "--max-time", "10"])
        .arg(format!("http://127.0.0.1:{at}/"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "plain page\n");
    let v = next();
    assert_eq!(v["outcome"], "plain_http", "{v}");
    assert!(v["failure"].is_null(), "{v}");
    assert_eq!(v["ending"]["request"], "\"GET / HTTP/1.1\"", "{v}");
    assert!(
        v["ending"]["answer"]
            .as_str()
            .unwrap()
            .starts_with("\"HTTP/1.0 200"),
        "{v}"
    );

    let probe = std::net::TcpStream::connect(("127.0.0.1", at)).unwrap();
    drop(probe);
    let v = next();
    assert_eq!(v["outcome"], "empty", "{v}");
    assert_eq!(v["ending"]["by"], "client", "{v}");
}

/// A message decrypted when its secret came late keeps the time it crossed: the key log is
/// given to the relay a second and a half after the handshake, and the server's encrypted
/// flight is still timed with its ServerHello, not with the key log.
#[test]
fn decrypted_messages_keep_the_time_they_crossed() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let (_server, _said, port) = s_server(d, &["-www"]);
    let late = d.join("late.log");
    let (_relay, mut lines, at) = relay(port, &late);
    let own = d.join("own.log");
    let mut client = Peer(
        Command::new(require("openssl", "openssl"))
            .current_dir(d)
            .args(["s_client", "-connect", &format!("127.0.0.1:{at}")])
            .args([
                "-servername",
                "localhost",
                "-CAfile",
                "ca.crt",
                "-keylogfile",
            ])
            .arg(&own)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(client.0.stdout.take().unwrap()).lines();
    let verified = out
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("Verify return code: 0"));
    assert!(verified, "s_client completed the handshake");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    std::fs::copy(&own, &late).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(client.0.stdin.take());
    let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(v["decrypted"], true, "{v}");
    let t = |m: &str| -> u64 {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["message"] == m)
            .unwrap_or_else(|| panic!("{m} in {v}"))["t_us"]
            .as_u64()
            .unwrap()
    };
    let hello = t("ServerHello");
    for m in ["EncryptedExtensions", "Certificate", "Finished"] {
        assert!(
            t(m) >= hello && t(m) - hello < 500_000,
            "{m} at {} µs, the ServerHello at {hello} µs: {v}",
            t(m)
        );
    }
}

/// Issue 26: `--listen localhost:PORT` listens on 127.0.0.1 and ::1 (where the machine has
/// IPv6): curl forced to IPv6 reaches openssl s_server through the relay; relaying from
/// localhost to [::1] at its own port is refused as a loop.
#[test]
fn localhost_relays_from_both_loopbacks() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let (_server, said, port) = s_server(d, &["-www", "-verify_return_error", "-Verify", "1"]);
    let keylog = d.join("keys.log");
    let mut r = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args(["relay", "--listen", "localhost:0", "--json", "--to"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(r.stdout.take().unwrap()).lines();
    let _relay = Peer(r);
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let at = listening_port(&first);
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        assert_eq!(first["also"][0], format!("[::1]:{at}"), "{first}");
        let out = curl(
            d,
            at,
            &keylog,
            &["-6", "--cert", "client-chain.crt", "--key", "client.key"],
        );
        assert!(out.status.success(), "{}", text(&out));
        // s_server verified the client that came in over IPv6, through the relay.
        openssl_says(&said, "depth=0");
    } else {
        assert!(
            first["also"].as_array().is_none_or(|a| a.is_empty()),
            "{first}"
        );
    }
    let out = certbench(
        d,
        &["relay", "--listen", "localhost:9602", "--to", "[::1]:9602"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("would relay to itself"),
        "{}",
        text(&out)
    );
}

/// Plain HTTP to a server that answers it with a TLS alert (rustls, as `certbench serve`): the
/// alert the server sent is the failure's, as its 7 bytes (a record header and two bytes) read.
#[test]
fn plain_http_to_a_server_that_answers_with_an_alert_names_the_alert() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    let serving = JsonLines::start(d, &["serve", "--port", "0", "--json"]);
    let port: u16 = serving.first["listening"]
        .as_str()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let keylog = d.join("keys.log");
    std::fs::write(&keylog, "").unwrap();
    let (_relay, mut lines, at) = relay(port, &keylog);
    let _ = Command::new(require("curl", "curl"))
        .args(["-sS", "--max-time", "5"])
        .arg(format!("http://localhost:{at}/"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(v["failure"]["cause"]["code"], "plain_http", "{v}");
    assert_eq!(v["bytes_down"], 7, "{v}");
    let alert = v["failure"]["alert_sent"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"));
    let on_the_wire = v["events"].as_array().unwrap().iter().any(|e| {
        e["side"] == "server"
            && e["message"] == "Alert"
            && e["text"].as_str().is_some_and(|t| t.contains(alert))
    });
    assert!(on_the_wire, "{v}");
}
