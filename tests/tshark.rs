#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! tshark, an independent decoder, watches the same loopback connection, decrypts it with our key
//! log, and must see the same handshake messages in the same order and directions as our
//! transcript.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Run `certbench handshake ARGS --json --keylog` while tshark captures loopback: the transcript,
/// the capture file and the key log (in `d`), and the ports of the connection.
fn captured(d: &Path, args: &[&str]) -> (Value, std::path::PathBuf, std::path::PathBuf, u16, u16) {
    let pcap = d.join("capture.pcapng");
    let keylog = d.join("keys.log");
    let capture = start_capture(&pcap);
    let out = certbench(
        d,
        &[
            &["handshake", "--json", "--keylog", keylog.to_str().unwrap()][..],
            args,
        ]
        .concat(),
    );
    stop_capture(capture, &pcap);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    // The server's port, and the client's, so a filter names this connection only (other tests
    // use loopback too).
    let port = note_port(&v, "listening", "address");
    let client_port = note_port(&v, "accepted", "peer");
    (v, pcap, keylog, port, client_port)
}

/// tshark capturing loopback TCP into `pcap`, once it really records.
fn start_capture(pcap: &Path) -> std::process::Child {
    let tshark = require("tshark", "tshark");
    let mut capture = Command::new(&tshark)
        .args(["-i", "lo", "-f", "tcp", "-w"])
        .arg(pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until tshark says it is capturing.
    let stderr = capture.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Capturing on") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("tshark starts capturing");
    // tshark says "Capturing on" a moment before packets are really recorded; under load the
    // first ones were missed (no ClientHello, so nothing could be decrypted either). So: make
    // loopback traffic of our own until the capture file grows, which proves packets are being
    // written (a time to wait was not enough on a loaded machine).
    let sentinel = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = sentinel.local_addr().unwrap();
    let size = || std::fs::metadata(pcap).map(|m| m.len()).unwrap_or(0);
    // The file's header first (it may come a moment after the message), then a packet.
    let started = std::time::Instant::now();
    while size() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "tshark writes no file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    let before = size();
    let started = std::time::Instant::now();
    while size() <= before {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "tshark records no packets on lo"
        );
        drop(std::net::TcpStream::connect(addr));
        std::thread::sleep(Duration::from_millis(20));
    }
    capture
}

/// Let the last packets in, then end the capture. Under load tshark's reader lags behind the
/// wire, and packets not read yet when it is stopped are lost: traffic of our own made after the
/// run must reach the file first, which proves everything before it has.
fn stop_capture(mut capture: std::process::Child, pcap: &Path) {
    let sentinel = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = sentinel.local_addr().unwrap();
    let size = || std::fs::metadata(pcap).map(|m| m.len()).unwrap_or(0);
    let before = size();
    let started = std::time::Instant::now();
    while size() <= before && started.elapsed() < Duration::from_secs(30) {
        drop(std::net::TcpStream::connect(addr));
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-INT", &capture.id().to_string()])
        .status()
        .unwrap();
    capture.wait().unwrap();
}

/// `serve --keylog` and `connect --keylog` write the secrets of the connection between them, mode
/// 0600, and tshark, given either file alone, decrypts it: the client's Certificate (encrypted
/// in TLS 1.3) and the HTTP request inside.
#[test]
fn serve_and_connect_key_logs_decrypt_with_tshark() {
    let tshark = require("tshark", "tshark");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (server_log, client_log) = (d.join("serve-keys.log"), d.join("connect-keys.log"));
    let pcap = d.join("serve.pcapng");
    let capture = start_capture(&pcap);
    // Port 0: the system's choice, which serve's first line says (no port to race for).
    let mut serve = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args(["serve", "--port", "0", "--keylog"])
        .arg(&server_log)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(serve.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let port = served_port(&first);
    std::thread::spawn(move || for _ in out.lines() {});
    let connected = certbench_ok(
        d,
        &[
            "connect",
            &format!("localhost:{port}"),
            "--keylog",
            client_log.to_str().unwrap(),
        ],
    );
    assert!(connected.contains("Hello, alice"), "{connected}");
    stop_capture(capture, &pcap);
    Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status()
        .unwrap();
    serve.wait().unwrap();
    for log in [&server_log, &client_log] {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", log.display());
        }
        let read = Command::new(&tshark)
            .arg("-r")
            .arg(&pcap)
            .args(["-o", &format!("tls.keylog_file:{}", log.display())])
            .args([
                "-Y",
                &format!("tcp.port == {port} && (tls.handshake.type == 11 || http.request)"),
                "-T",
                "fields",
                "-e",
                "tcp.dstport",
                "-e",
                "tls.handshake.type",
                "-e",
                "http.request.method",
            ])
            .output()
            .unwrap();
        assert!(read.status.success(), "{}", text(&read));
        let seen = String::from_utf8_lossy(&read.stdout);
        // The client's Certificate: sent to the server's port, handshake type 11.
        let client_certificate = seen.lines().any(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            f[0] == port.to_string() && f.get(1).is_some_and(|t| t.split(',').any(|t| t == "11"))
        });
        assert!(client_certificate, "{}: {seen}", log.display());
        assert!(seen.contains("GET"), "{}: {seen}", log.display());
    }
}

fn compare_with_tshark(tls: &str) {
    let tshark = require("tshark", "tshark");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (v, pcap, keylog, port, client_port) = captured(d, &["--tls", tls]);
    assert_eq!(v["ok"], true, "{v}");
    let ours = flow(&v);

    // tshark's: decrypt with our key log, keep this connection's handshake messages.
    let theirs = tshark_flow(
        &tshark,
        &pcap,
        Some(&keylog),
        &format!("tcp.port == {port} && tcp.port == {client_port} && tls.handshake.type"),
        port,
    );
    assert_eq!(
        theirs.first().map(|(w, m)| (w.as_str(), m.as_str())),
        Some(("client", "ClientHello")),
        "the capture started after the handshake did (tshark saw only {theirs:?})"
    );
    assert!(theirs.len() >= 10, "tshark decoded too little: {theirs:?}");
    assert_eq!(
        ours, theirs,
        "our transcript and tshark's decoding differ (TLS {tls})"
    );
}

/// The port of the address a note carries (`listening`: the server's; `accepted`: the client's).
fn note_port(v: &Value, code: &str, field: &str) -> u16 {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "note" && e["message"] == code)
        .and_then(|e| e["fields"][field].as_str())
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        .map(|a| a.port())
        .unwrap_or_else(|| panic!("no {code} note with an address: {v}"))
}

/// The alerts tshark decrypts from the capture of a lab scenario, as (sender, description
/// number); RFC 8446 6: unknown_ca is 48, certificate_required 116.
fn alerts_seen_by_tshark(name: &str) -> (Value, Vec<(String, u64)>) {
    let tshark = require("tshark", "tshark");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (v, pcap, keylog, port, client_port) = captured(d, &["--scenario", name]);
    let read = Command::new(&tshark)
        .arg("-r")
        .arg(&pcap)
        .args(["-o", &format!("tls.keylog_file:{}", keylog.display())])
        .args([
            "-Y",
            &format!("tcp.port == {port} && tcp.port == {client_port} && tls.alert_message"),
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tls.alert_message.desc",
        ])
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", text(&read));
    let alerts = String::from_utf8_lossy(&read.stdout)
        .lines()
        .flat_map(|line| {
            let mut parts = line.split('\t');
            let src: u16 = parts.next().unwrap().parse().unwrap();
            let from = if src == port { "server" } else { "client" };
            parts
                .next()
                .unwrap_or_default()
                .split(',')
                .filter(|t| !t.is_empty())
                .map(|t| (from.to_string(), t.parse().unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    (v, alerts)
}

#[test]
fn tshark_sees_the_alerts_of_the_failure_scenarios() {
    for (name, alert, number) in [
        ("client-unknown-ca", "unknown_ca", 48),
        ("no-client-cert", "certificate_required", 116),
    ] {
        let (v, alerts) = alerts_seen_by_tshark(name);
        assert_eq!(v["failure"]["alert_sent"], alert, "{name}");
        assert_eq!(v["failure"]["detected_by"], "server", "{name}");
        assert_eq!(
            alerts,
            vec![("server".to_string(), number)],
            "{name}: tshark decrypted other alerts than the transcript's"
        );
    }
}

#[test]
fn tls13_transcript_matches_tshark() {
    compare_with_tshark("1.3");
}

#[test]
fn tls12_transcript_matches_tshark() {
    compare_with_tshark("1.2");
}

#[test]
fn the_keylog_file_is_what_wireshark_reads() {
    // Every line: LABEL, 64 hex digits of client random, hex secret.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let keylog = d.join("k.log");
    certbench_ok(d, &["handshake", "--keylog", keylog.to_str().unwrap()]);
    let text = std::fs::read_to_string(Path::new(&keylog)).unwrap();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 3, "{line}");
        assert_eq!(parts[1].len(), 64, "{line}");
        assert!(
            parts[1..]
                .iter()
                .all(|p| p.chars().all(|c| c.is_ascii_hexdigit())),
            "{line}"
        );
    }
}

/// `handshake --pcap FILE` writes the run as pcapng with its key log inside (a Decryption Secrets
/// Block): tshark, given that file alone, decrypts it and finds the same handshake messages, in
/// the same order and from the same sides, as the transcript; and the HTTP request and answer.
/// TLS 1.3 (the handshake encrypted) and 1.2. The file is mode 0600 (it holds the secrets).
fn pcap_decrypts_alone(tls: &str) {
    let tshark = require("tshark", "tshark");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let pcap = d.join("run.pcapng");
    let out = certbench_ok(
        d,
        &[
            "handshake",
            "--json",
            "--tls",
            tls,
            "--pcap",
            pcap.to_str().unwrap(),
        ],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pcap).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let port = note_port(&v, "listening", "address");
    let ours = flow(&v);
    // tshark alone: the secrets come from the capture's Decryption Secrets Block.
    let theirs = tshark_flow(&tshark, &pcap, None, "tls.handshake.type", port);
    assert!(theirs.len() >= 10, "tshark decoded too little: {theirs:?}");
    assert_eq!(
        ours, theirs,
        "the transcript and tshark's reading differ (TLS {tls})"
    );
    let http = Command::new(&tshark)
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            "http",
            "-T",
            "fields",
            "-e",
            "http.request.method",
            "-e",
            "http.response.code",
        ])
        .output()
        .unwrap();
    let http = String::from_utf8_lossy(&http.stdout);
    assert!(http.contains("GET"), "{http}");
    assert!(http.contains("200"), "{http}");
    // Nothing is replaced: a second run to the same file is refused before it runs.
    let again = certbench(d, &["handshake", "--pcap", pcap.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
}

#[test]
fn a_tls13_pcap_decrypts_with_nothing_else() {
    pcap_decrypts_alone("1.3");
}

#[test]
fn a_tls12_pcap_decrypts_with_nothing_else() {
    pcap_decrypts_alone("1.2");
}

/// Issue 22 (in part): `connect --pcap FILE` writes the connection to someone else's server
/// (`openssl s_server -Verify`) as pcapng with its secrets inside: tshark, given nothing else,
/// decrypts it and sees the handshake messages of connect's own transcript, in order.
#[test]
fn connect_pcap_decrypts_with_nothing_else() {
    let tshark = require("tshark", "tshark");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (server, port) = openssl_www(d, &["-naccept", "1", "-Verify", "1"]);
    let pcap = d.join("connect.pcapng");
    let json = certbench_ok(
        d,
        &[
            "connect",
            &format!("localhost:{port}"),
            "--json",
            "--pcap",
            pcap.to_str().unwrap(),
        ],
    );
    drop(server);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pcap).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let ours = flow(&v);
    let theirs = tshark_flow(&tshark, &pcap, None, "tls.handshake.type", port);
    assert!(
        theirs.iter().any(|(_, m)| m == "CertificateRequest")
            && theirs
                .iter()
                .any(|(s, m)| s == "client" && m == "CertificateVerify"),
        "tshark decrypted the handshake alone: {theirs:?}"
    );
    assert_eq!(
        ours, theirs,
        "connect's transcript and tshark's reading differ"
    );
    // A second run to the same file is refused before it connects.
    let again = certbench(
        d,
        &["connect", "localhost:1", "--pcap", pcap.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
}

/// `certbench relay` between curl and `openssl s_server -Verify`, following curl's SSLKEYLOGFILE:
/// the relay's timeline of the connection lists the handshake messages tshark decodes on the
/// client's leg of the same connection (with the same key log), in the same order and direction.
/// And the relay goes on after one connection ends.
fn relay_matches_tshark(tls: &[&str]) {
    let tshark = require("tshark", "tshark");
    let curl = require("curl", "curl");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (server, server_port) = openssl_www(d, &["-Verify", "1", "-CAfile", "ca.crt"]);
    let keylog = d.join("curl-keys.log");
    let relay_pcap = d.join("relayed.pcapng");
    let mut relay = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .args(["relay", "--listen", "127.0.0.1:0", "--json", "--to"])
        .arg(format!("localhost:{server_port}"))
        .arg("--keylog")
        .arg(&keylog)
        .arg("--pcap")
        .arg(&relay_pcap)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(relay.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let relay_port: u16 = listening_port(&first);
    let pcap = d.join("relay.pcapng");
    let capture = start_capture(&pcap);
    let got = Command::new(&curl)
        .current_dir(d)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
        .args(["--cert", "client-chain.crt", "--key", "client.key"])
        .args(tls)
        .arg(format!("https://localhost:{relay_port}/"))
        .env("SSLKEYLOGFILE", &keylog)
        .output()
        .unwrap();
    assert!(got.status.success(), "{}", text(&got));
    let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    stop_capture(capture, &pcap);
    assert_eq!(v["outcome"], "ok", "{v}");
    assert_eq!(v["decrypted"], true, "{v}");
    let ours = flow(&v);
    let theirs = tshark_flow(
        &tshark,
        &pcap,
        Some(&keylog),
        &format!("tls.handshake.type && tcp.port == {relay_port}"),
        relay_port,
    );
    assert!(
        theirs
            .iter()
            .any(|(s, m)| s == "client" && m == "CertificateVerify"),
        "tshark decrypted the client's leg: {theirs:?}"
    );
    assert_eq!(
        ours, theirs,
        "the relay's timeline and tshark's reading differ"
    );

    // Bytes that are not TLS: that connection says so, and the relay goes on serving.
    let mut garbage = std::net::TcpStream::connect(("127.0.0.1", relay_port)).unwrap();
    std::io::Write::write_all(&mut garbage, b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02").unwrap();
    drop(garbage);
    let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_ne!(v["outcome"], "ok", "{v}");
    // The relay's own capture (the first connection is in it once the next one is reported),
    // read by tshark with no other input: the same messages as its timeline.
    let own = tshark_flow(&tshark, &relay_pcap, None, "tls.handshake.type", relay_port);
    assert_eq!(ours, own, "the relay's capture and its timeline differ");
    let again = Command::new(&curl)
        .current_dir(d)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
        .args(["--cert", "client-chain.crt", "--key", "client.key"])
        .arg(format!("https://localhost:{relay_port}/"))
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again));
    let _ = relay.kill();
    let _ = relay.wait();
    drop(server);
}

#[test]
fn a_tls13_relay_timeline_matches_tshark() {
    relay_matches_tshark(&[]);
}

#[test]
fn a_tls12_relay_timeline_matches_tshark() {
    relay_matches_tshark(&["--tlsv1.2", "--tls-max", "1.2"]);
}

/// Issue 22: `serve --pcap FILE` appends each connection as it ends, its secrets inside: tshark,
/// with no other input, reads the handshake messages of serve's own transcript (curl as the
/// client).
#[test]
fn serve_pcap_decrypts_with_nothing_else() {
    let tshark = require("tshark", "tshark");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let pcap = d.join("serve.pcapng");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args(["serve", "--port", "0", "--json", "--pcap"])
        .arg(&pcap)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let port: u16 = listening_port(&first);
    let got = Command::new(require("curl", "curl"))
        .current_dir(d)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
        .args(["--cert", "client-chain.crt", "--key", "client.key"])
        .arg(format!("https://localhost:{port}/"))
        .output()
        .unwrap();
    assert!(got.status.success(), "{}", text(&got));
    let v: Value = loop {
        let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        if v.get("id").is_some() {
            break v;
        }
    };
    let _ = serve.kill();
    let _ = serve.wait();
    let ours = flow(&v);
    let theirs = tshark_flow(&tshark, &pcap, None, "tls.handshake.type", port);
    assert!(
        theirs
            .iter()
            .any(|(s, m)| s == "client" && m == "CertificateVerify"),
        "tshark decrypted it alone: {theirs:?}"
    );
    assert_eq!(
        ours, theirs,
        "serve's transcript and tshark's reading of its capture differ"
    );
}
