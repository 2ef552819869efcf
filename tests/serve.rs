#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench serve` against clients nobody here wrote: curl, openssl s_client, Python's ssl
//! module, and hostile ones made by hand. What each client sees is checked from the client's
//! side (its exit code, the page); what the server saw, from its JSON transcript and its log.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// A running `certbench serve --json`, its lines read as they come.
struct Serving {
    child: Child,
    lines: mpsc::Receiver<String>,
    port: u16,
    /// Its first line: where it listens (and serves its metrics).
    first: Value,
}

/// `serve` with its text output (not --json) on a pipe, its stderr dropped: for what a person
/// reads of it.
fn serve_text(d: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args(["serve", "--port", "0"])
        .args(extra)
        .env_remove("CERTBENCH_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

impl Serving {
    fn start(d: &Path, extra: &[&str]) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_certbench"))
            .arg("--dir")
            .arg(d)
            .args(["serve", "--port", "0", "--json"])
            .args(extra)
            .env_remove("CERTBENCH_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("serve did not start: {}", stderr_of(&mut child)));
        let v: Value = serde_json::from_str(&first).unwrap();
        let port = v["listening"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Serving {
            child,
            lines,
            port,
            first: v,
        }
    }

    /// The next connection's transcript.
    fn connection(&self) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .expect("a connection's transcript");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v.get("id").is_some() {
                return v;
            }
        }
    }

    /// Ctrl-C, as a person stops it; the summary line.
    fn stop(mut self) -> Value {
        let out = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .output()
            .unwrap();
        assert!(out.status.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}");
        let mut last = Value::Null;
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            last = serde_json::from_str(&line).unwrap();
        }
        last
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr_of(child: &mut Child) -> String {
    let _ = child.kill();
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    certbench_ok(dir.path(), &["gen"]);
    dir
}

/// curl against the server: its output and exit code.
fn curl(d: &Path, port: u16, client: Option<&str>, extra: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(require("curl", "curl"));
    cmd.current_dir(d)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"]);
    if let Some(name) = client {
        cmd.args([
            "--cert",
            &format!("{name}-chain.crt"),
            "--key",
            &format!("{name}.key"),
        ]);
    }
    cmd.args(extra)
        .arg(format!("https://localhost:{port}/"))
        .output()
        .unwrap()
}

/// A client program's output: it got the page naming alice with status 200 (`what` names the
/// run), and the server saw one `ok` connection.
fn served_alice(out: &std::process::Output, s: &Serving, what: &str) {
    assert!(out.status.success(), "{what}: {}", text(out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("200"), "{what}: {stdout}");
    assert!(stdout.contains("Hello, alice"), "{what}: {stdout}");
    assert_eq!(s.connection()["outcome"], "ok", "{what}");
}

fn codes(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// curl with the workspace's client certificate gets the page naming the client; curl without
/// one is refused, and the server's transcript explains it as the lab does (certificate
/// required); the same connection's JSON answer names the client.
#[test]
fn curl_with_a_certificate_is_served_and_without_one_is_refused() {
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &[]);
    let out = curl(d, s.port, Some("client"), &[]);
    assert!(out.status.success(), "{}", text(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with("Hello, alice"), "{page}");
    assert!(page.contains("CN=alice,O=certbench"), "{page}");
    let c = s.connection();
    assert_eq!(c["outcome"], "ok", "{c}");
    assert_eq!(c["client"]["common_name"], "alice");
    assert_eq!(c["requests"], 1);
    let seen = codes(&c);
    for step in [
        "ClientHello",
        "Certificate",
        "CertificateVerify",
        "chain",
        "client_authenticated",
        "request",
    ] {
        assert!(seen.iter().any(|x| x == step), "{step} not in {seen:?}");
    }
    // The client's fingerprint is the file's, as openssl computes it.
    let fp = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "client.crt",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    );
    assert_eq!(
        fp.trim().trim_start_matches("sha256 Fingerprint="),
        c["client"]["sha256"].as_str().unwrap()
    );

    // Without a certificate: curl fails, the server says why.
    let out = curl(d, s.port, None, &[]);
    assert!(!out.status.success(), "{}", text(&out));
    let c = s.connection();
    assert_eq!(c["outcome"], "handshake_failed", "{c}");
    let f = &c["failure"];
    assert_eq!(f["detected_by"], "server");
    assert_eq!(f["cause"]["code"], "no_client_certificate");
    assert_eq!(f["alert_sent"], "certificate_required");
    assert!(
        c["lesson"].as_str().unwrap().contains("CertificateRequest"),
        "{c}"
    );

    // JSON when asked, and several requests on one connection (keep-alive).
    let url = format!("https://localhost:{}/", s.port);
    let out = curl(
        d,
        s.port,
        Some("client"),
        &["-H", "Accept: application/json", &url],
    );
    assert!(out.status.success(), "{}", text(&out));
    let body = String::from_utf8_lossy(&out.stdout);
    let first: Value = serde_json::Deserializer::from_str(&body)
        .into_iter::<Value>()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(first["client"]["common_name"], "alice");
    assert_eq!(first["tls"]["version"], "TLS 1.3");
    let c = s.connection();
    assert_eq!(c["requests"], 2, "{c}");
    let summary = s.stop();
    assert_eq!(summary["summary"]["connections"], 3, "{summary}");
}

/// `--allow`: a client the rules name gets 200, one they do not gets 403 with the reason, after
/// a handshake that succeeded; the log has one line per connection with the decision.
#[test]
fn allow_rules_decide_200_or_403_and_the_log_records_it() {
    let dir = workspace();
    let d = dir.path();
    issue(d, "client", "bob", &[]);
    let log = d.join("serve.log");
    let s = Serving::start(d, &["--allow", "cn:bob", "--log", log.to_str().unwrap()]);
    let out = curl(d, s.port, Some("client"), &["-w", "%{http_code}"]);
    assert!(out.status.success(), "{}", text(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.ends_with("403"), "{page}");
    assert!(
        page.contains("not authorized by any --allow rule"),
        "{page}"
    );
    let c = s.connection();
    assert_eq!(c["outcome"], "forbidden");
    assert_eq!(c["authorization"]["decision"], "denied");
    assert!(codes(&c).contains(&"not_authorized".to_string()));
    let out = curl(d, s.port, Some("bob"), &["-w", "%{http_code}"]);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with("Hello, bob") && page.ends_with("200"),
        "{page}"
    );
    let c = s.connection();
    assert_eq!(c["authorization"]["rule"], "cn:bob");
    s.stop();
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["authorization"]["decision"], "denied");
    assert_eq!(lines[1]["client"]["common_name"], "bob");
    for l in &lines {
        for field in [
            "started",
            "peer",
            "outcome",
            "version",
            "cipher_suite",
            "bytes_received",
            "bytes_sent",
            "handshake_ms",
            "duration_ms",
        ] {
            assert!(!l[field].is_null(), "{field} missing in {l}");
        }
        assert!(l.get("events").is_none(), "the log has no events");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// openssl s_client with -cert/-key completes with TLS 1.3 and with -tls1_2; with a certificate
/// from another CA it is refused, and the server names the unknown issuer.
#[test]
fn openssl_s_client_completes_both_versions_and_a_stranger_is_refused() {
    let dir = workspace();
    let d = dir.path();
    let other = tempfile::tempdir().unwrap();
    certbench_ok(other.path(), &["gen"]);
    let s = Serving::start(d, &[]);
    let s_client = |cert: &Path, chain: &Path, key: &Path, version: &str| {
        let mut command = Command::new(require("openssl", "openssl"));
        command
            .current_dir(d)
            .args(["s_client", version, "-connect"])
            .arg(format!("127.0.0.1:{}", s.port))
            .args([
                "-servername",
                "localhost",
                "-CAfile",
                "ca.crt",
                "-verify_return_error",
                "-cert",
            ])
            .arg(cert)
            .arg("-cert_chain")
            .arg(chain)
            .arg("-key")
            .arg(key)
            .arg("-quiet");
        get_through(command)
    };
    for version in ["-tls1_3", "-tls1_2"] {
        let out = s_client(
            &d.join("client.crt"),
            &d.join("intermediate.crt"),
            &d.join("client.key"),
            version,
        );
        let page = String::from_utf8_lossy(&out.stdout);
        assert!(page.contains("Hello, alice"), "{version}: {}", text(&out));
        let c = s.connection();
        assert_eq!(c["outcome"], "ok");
        let want = if version == "-tls1_3" {
            "TLS 1.3"
        } else {
            "TLS 1.2"
        };
        assert_eq!(c["version"], want);
    }
    let o = other.path();
    let out = s_client(
        &o.join("client.crt"),
        &o.join("intermediate.crt"),
        &o.join("client.key"),
        "-tls1_3",
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Hello"));
    let c = s.connection();
    assert_eq!(c["outcome"], "handshake_failed");
    assert_eq!(c["failure"]["cause"]["code"], "unknown_issuer", "{c}");
    assert_eq!(c["failure"]["alert_sent"], "unknown_ca");
    assert_eq!(c["failure"]["culprit"]["side"], "client");
}

/// The openssl command `serve` prints to try it works as printed, and sends the client's leaf
/// once: `-cert` gives the leaf, and openssl sends every certificate of `-cert_chain` after it.
#[test]
fn the_openssl_command_serve_prints_works_and_sends_the_leaf_once() {
    require("openssl", "openssl");
    let dir = workspace();
    let d = dir.path();
    let mut child = serve_text(d, &[]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // (serve prints its banner at once; the thread keeps a hung serve from hanging the test.)
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let found = lines
            .by_ref()
            .map_while(Result::ok)
            .find(|l| l.trim_start().starts_with("openssl s_client"));
        let _ = tx.send(found);
        // Read on: a closed pipe would end serve at its next line.
        for _ in lines {}
    });
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .ok()
        .flatten()
        .expect("serve prints an openssl command");
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |flag: &str| {
        words
            .iter()
            .position(|w| *w == flag)
            .map(|i| words[i + 1].to_string())
    };
    let leaf = std::fs::read_to_string(after("-cert").unwrap()).unwrap();
    if let Some(chain) = after("-cert_chain") {
        let chain = std::fs::read_to_string(chain).unwrap();
        assert!(
            !chain.contains(leaf.trim()),
            "the leaf would go twice: {line}"
        );
    }
    let mut s_client = Command::new("timeout");
    s_client
        .args(["30", "sh", "-c"])
        .arg(format!("{} -quiet", line.trim()))
        .current_dir(d);
    let out = get_through(s_client);
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Hello, alice"),
        "{line}\n{}",
        text(&out)
    );
}

/// Python's ssl module, as the guides write a client, completes against serve.
#[test]
fn a_python_ssl_client_completes() {
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &[]);
    let script = r#"
import ssl, socket, sys
port = int(sys.argv[1])
ctx = ssl.create_default_context(cafile="ca.crt")
ctx.load_cert_chain("client-chain.crt", "client.key")
with socket.create_connection(("127.0.0.1", port)) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
        print(tls.version())
        print(data.decode())
"#;
    let out = Command::new(require("python3", "python3"))
        .current_dir(d)
        .args(["-c", script, &s.port.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("TLSv1.3"), "{stdout}");
    assert!(stdout.contains("Hello, alice"), "{stdout}");
    assert_eq!(s.connection()["outcome"], "ok");
}

/// The open descriptors of a process.
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// Hostile peers: garbage, a ClientHello cut short, a client that says nothing, one that resets
/// mid-handshake. Each is one entry with its cause; the server goes on serving good clients; its
/// descriptors return to their count at the start.
#[test]
fn hostile_peers_are_one_entry_each_and_the_server_goes_on() {
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &["--handshake-timeout", "1"]);
    let addr = format!("127.0.0.1:{}", s.port);
    // A first good client, so everything the server sets up once is already there.
    assert!(curl(d, s.port, Some("client"), &[]).status.success());
    s.connection();
    let fds = open_fds(s.pid());

    // Garbage: not a TLS record.
    let mut t = TcpStream::connect(&addr).unwrap();
    t.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = t.read_to_end(&mut buf);
    let c = s.connection();
    assert_eq!(c["outcome"], "handshake_failed", "{c}");
    assert_eq!(c["failure"]["cause"]["code"], "plain_http", "{c}");
    assert_eq!(c["failure"]["cause"]["from"], "client");
    assert_eq!(c["failure"]["detected_by"], "server");

    // A ClientHello cut short, then the end of the connection.
    let mut t = TcpStream::connect(&addr).unwrap();
    t.write_all(&[
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ])
    .unwrap();
    t.shutdown(std::net::Shutdown::Write).unwrap();
    let _ = t.read_to_end(&mut buf);
    let c = s.connection();
    assert_eq!(c["outcome"], "handshake_failed", "{c}");

    // A client that connects and never speaks: dropped after the handshake time-out.
    let silent = TcpStream::connect(&addr).unwrap();
    let c = s.connection();
    assert_eq!(c["outcome"], "timed_out", "{c}");
    assert_eq!(c["failure"]["cause"]["code"], "timed_out");
    drop(silent);

    // A reset in the middle of the handshake: SO_LINGER 0 makes close() send RST.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use tokio::io::AsyncWriteExt;
        let mut t = tokio::net::TcpStream::connect(&addr).await.unwrap();
        t.write_all(&[0x16, 0x03, 0x01, 0x00, 0x40]).await.unwrap();
        t.set_zero_linger().unwrap();
        drop(t);
    });
    let c = s.connection();
    assert_eq!(c["outcome"], "handshake_failed", "{c}");

    // And good clients are still served.
    for _ in 0..3 {
        assert!(curl(d, s.port, Some("client"), &[]).status.success());
        assert_eq!(s.connection()["outcome"], "ok");
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(open_fds(s.pid()), fds, "descriptors left open");
    let summary = s.stop();
    assert_eq!(summary["summary"]["connections"], 8, "{summary}");
}

/// `--metrics`: after a known mix of clients (3 good, 2 without a certificate, 1 silent), a
/// scrape counts each by outcome and cause, and shows the certificates' days to expiry.
#[test]
fn metrics_count_a_known_mix_of_clients() {
    let dir = workspace();
    let d = dir.path();
    // Port 0: the system's choice, which the first line says (no port to race for).
    let s = Serving::start(d, &["--metrics", "127.0.0.1:0", "--handshake-timeout", "1"]);
    let maddr = s.first["metrics"].as_str().unwrap().to_string();
    for _ in 0..3 {
        assert!(curl(d, s.port, Some("client"), &[]).status.success());
        s.connection();
    }
    for _ in 0..2 {
        assert!(!curl(d, s.port, None, &[]).status.success());
        s.connection();
    }
    let silent = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    assert_eq!(s.connection()["outcome"], "timed_out");
    drop(silent);
    let out = Command::new(require("curl", "curl"))
        .args(["-sS", &format!("http://{maddr}/metrics")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let m = String::from_utf8_lossy(&out.stdout);
    let value = |series: &str| -> f64 {
        m.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in\n{m}"))
    };
    assert_eq!(
        value(r#"certbench_connections_total{outcome="ok",cause=""}"#),
        3.0
    );
    assert_eq!(
        value(
            r#"certbench_connections_total{outcome="handshake_failed",cause="no_client_certificate"}"#
        ),
        2.0
    );
    assert_eq!(
        value(r#"certbench_connections_total{outcome="timed_out",cause="timed_out"}"#),
        1.0
    );
    assert_eq!(value("certbench_handshake_duration_seconds_count"), 3.0);
    assert_eq!(value("certbench_connections_active"), 0.0);
    // The server's leaf: 365 days from its notAfter, as openssl reads it.
    let served = value(
        r#"certbench_certificate_expiry_days{role="served",subject="CN=localhost,O=certbench"}"#,
    );
    assert!((363.0..=366.0).contains(&served), "{served}");
    assert!(m.contains(r#"role="trusted""#), "{m}");
    s.stop();
}

/// A client for the load test, made with rustls directly from the workspace's files.
fn load_client_config(d: &Path) -> std::sync::Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(d.join("ca.crt")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(d.join("client-chain.crt"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(d.join("client.key")).unwrap();
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    config.resumption = rustls::client::Resumption::disabled();
    std::sync::Arc::new(config)
}

/// An mTLS connection to the server on `port`, its handshake done (rustls, the workspace's
/// client).
async fn tls_to(
    port: u16,
    config: std::sync::Arc<rustls::ClientConfig>,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
}

/// One mTLS request; whether the answer was 200.
async fn good_request(
    port: u16,
    config: std::sync::Arc<rustls::ClientConfig>,
) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tls = tls_to(port, config).await.map_err(|e| e.to_string())?;
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    if answer.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&answer).into_owned())
    }
}

/// 1,000 mTLS handshakes, 50 at once: none fails. Then 100 garbage and 20 silent clients among
/// good ones: every good one still succeeds, and the server's descriptors return to their count.
#[test]
fn a_thousand_handshakes_fifty_at_once_then_hostile_ones_among_good_ones() {
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &["--handshake-timeout", "2", "--max-connections", "512"]);
    let config = load_client_config(d);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // (Serving reads the transcripts as they come: the server never waits on its output.)
    let port = s.port;
    let fds = {
        // Warm up: the first connection sets up what stays.
        rt.block_on(good_request(port, config.clone())).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        open_fds(s.pid())
    };
    let started = std::time::Instant::now();
    let failures = rt.block_on(async {
        let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(50));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..1000 {
            let permit = limit.clone().acquire_owned().await.unwrap();
            let config = config.clone();
            tasks.spawn(async move {
                let r = good_request(port, config).await;
                drop(permit);
                r
            });
        }
        let mut failures = Vec::new();
        while let Some(r) = tasks.join_next().await {
            if let Err(e) = r.unwrap() {
                failures.push(e);
            }
        }
        failures
    });
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "1000 mTLS handshakes and requests, 50 at once: {secs:.2} s, {:.0} per second (debug build)",
        1000.0 / secs
    );
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );

    // Hostile clients among good ones.
    let failures = rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..120 {
            tasks.spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut t = tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap();
                if i % 6 == 0 {
                    // Silent: says nothing until the server gives up.
                    let mut buf = [0u8; 16];
                    let _ = t.read(&mut buf).await;
                } else {
                    let _ = t
                        .write_all(b"\x16\x03\x01\xff\xffgarbage, not a ClientHello")
                        .await;
                    let mut buf = Vec::new();
                    let _ = t.read_to_end(&mut buf).await;
                }
            });
        }
        let mut failures = Vec::new();
        for _ in 0..100 {
            if let Err(e) = good_request(port, config.clone()).await {
                failures.push(e);
            }
        }
        while tasks.join_next().await.is_some() {}
        failures
    });
    assert!(
        failures.is_empty(),
        "good clients failed among hostile ones: {failures:?}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(open_fds(s.pid()), fds, "descriptors left open");
    let summary = s.stop();
    assert_eq!(
        summary["summary"]["connections"],
        1 + 1000 + 120 + 100,
        "{summary}"
    );
}

/// Go's crypto/tls client with a client certificate, as the guides write one, against serve.
#[test]
fn a_go_client_completes() {
    let go = require("go", "golang-go");
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &[]);
    let program = r#"package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	cert, err := tls.LoadX509KeyPair("client-chain.crt", "client.key")
	if err != nil {
		panic(err)
	}
	pem, err := os.ReadFile("ca.crt")
	if err != nil {
		panic(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      roots,
	}}}
	resp, err := client.Get("https://localhost:" + os.Args[1] + "/")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%d %s\n%s", resp.StatusCode, resp.Proto, body)
}
"#;
    std::fs::write(d.join("client.go"), program).unwrap();
    let out = Command::new(go)
        .current_dir(d)
        .env("GOCACHE", d.join("gocache"))
        .env("GOPATH", d.join("gopath"))
        .args(["run", "client.go", &s.port.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("200 HTTP/1.1"), "{stdout}");
    assert!(stdout.contains("Hello, alice"), "{stdout}");
    let c = s.connection();
    assert_eq!(c["outcome"], "ok");
    assert_eq!(c["version"], "TLS 1.3");
}

/// A Java client (HttpClient with a PKCS#12 key store and trust store made by `certbench
/// export`, modern and legacy) against serve.
#[test]
fn a_java_client_completes() {
    let java = require("java", "default-jdk-headless");
    let dir = workspace();
    let d = dir.path();
    std::fs::write(d.join("pw"), "changeit\n").unwrap();
    certbench_ok(d, &["export", "client", "--password-file", "pw"]);
    certbench_ok(
        d,
        &[
            "export",
            "client",
            "--password-file",
            "pw",
            "--legacy",
            "--out",
            "legacy.p12",
        ],
    );
    certbench_ok(
        d,
        &[
            "export",
            "client",
            "--format",
            "truststore",
            "--password-file",
            "pw",
        ],
    );
    let s = Serving::start(d, &[]);
    let program = r#"
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class Client {
    public static void main(String[] args) throws Exception {
        char[] pass = "changeit".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(new FileInputStream(args[1]), pass);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pass);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(new FileInputStream("client-truststore.p12"), pass);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = client.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + args[0] + "/")).build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println(r.statusCode());
        System.out.println(r.body());
    }
}
"#;
    std::fs::write(d.join("Client.java"), program).unwrap();
    for store in ["client.p12", "legacy.p12"] {
        let out = Command::new(&java)
            .current_dir(d)
            .args(["Client.java", &s.port.to_string(), store])
            .output()
            .unwrap();
        served_alice(&out, &s, store);
    }
}

/// A slow request (slowloris): the handshake completes, then the request's headers come a byte at
/// a time. The server ends it after its idle time-out, as one `http_failed` entry, and goes on
/// serving.
#[test]
fn a_slow_request_is_cut_off() {
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &["--idle-timeout", "1"]);
    let config = load_client_config(d);
    let port = s.port;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let closed = rt.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tls = tls_to(port, config).await.unwrap();
        tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        // A header, a byte every 300 ms, for up to 10 s.
        for b in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            .iter()
            .cycle()
            .take(33)
        {
            if tls.write_all(&[*b]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut buf = [0u8; 64];
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(1), tls.read(&mut buf)).await
            {
                return true;
            }
        }
        false
    });
    assert!(closed, "the server never cut off the slow request");
    assert!(started.elapsed() < Duration::from_secs(8));
    let c = s.connection();
    assert_eq!(c["outcome"], "http_failed", "{c}");
    assert_eq!(c["requests"], 0);
    // Cut off for taking too long over its headers: a second after the idle time.
    assert_eq!(c["http_cause"]["code"], "request_incomplete", "{c}");
    assert_eq!(c["http_cause"]["after_ms"], 2000, "{c}");
    assert!(curl(d, port, Some("client"), &[]).status.success());
    assert_eq!(s.connection()["outcome"], "ok");

    // A client that stalls in the middle of its request (half of it in one write, then
    // nothing): the same, whichever deadline ends it, never "no request".
    let config = load_client_config(d);
    rt.block_on(async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tls = tls_to(port, config).await.unwrap();
        tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(10), tls.read(&mut buf)).await;
    });
    let c = s.connection();
    assert_eq!(c["outcome"], "http_failed", "{c}");
    assert_eq!(c["http_cause"]["code"], "request_incomplete", "{c}");
}

/// Node.js's https client with a client certificate (the guides' Node client) against serve.
#[test]
fn a_node_https_client_completes() {
    let node = require("node", "nodejs");
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &[]);
    let script = r#"
const https = require('https'), fs = require('fs');
const req = https.request({
  host: 'localhost', port: Number(process.argv[1]), path: '/', method: 'GET',
  cert: fs.readFileSync('client-chain.crt'), key: fs.readFileSync('client.key'),
  ca: fs.readFileSync('ca.crt'),
}, (res) => {
  let body = '';
  res.on('data', (c) => body += c);
  res.on('end', () => { console.log(res.statusCode); console.log(body); });
});
req.on('error', (e) => { console.error(e.message); process.exit(1); });
req.end();
"#;
    let out = Command::new(node)
        .current_dir(d)
        .args(["-e", script, &s.port.to_string()])
        .output()
        .unwrap();
    served_alice(&out, &s, "node");
}

/// Stopping (Ctrl-C, or SIGTERM as `kill` sends it) reports the connections still open, one
/// waiting in its handshake and one between requests, as `stopped`, then the summary.
#[test]
fn stopping_reports_the_connections_still_open() {
    let dir = workspace();
    let d = dir.path();
    for signal in ["-INT", "-TERM"] {
        let mut s = Serving::start(d, &[]);
        let config = load_client_config(d);
        let port = s.port;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // An authenticated connection that stays open after its handshake.
        let held = rt.block_on(tls_to(port, config)).unwrap();
        // And one that says nothing.
        let silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let out = Command::new("kill")
            .args([signal, &s.child.id().to_string()])
            .output()
            .unwrap();
        assert!(out.status.success());
        let mut outcomes = Vec::new();
        let mut summary = Value::Null;
        while let Ok(line) = s.lines.recv_timeout(Duration::from_secs(10)) {
            let v: Value = serde_json::from_str(&line).unwrap();
            if v.get("id").is_some() {
                outcomes.push(v["outcome"].as_str().unwrap().to_string());
            } else {
                summary = v;
            }
        }
        assert!(s.child.wait().unwrap().success(), "{signal}");
        assert_eq!(outcomes, ["stopped", "stopped"], "{signal}");
        assert_eq!(summary["summary"]["connections"], 2, "{signal}: {summary}");
        assert_eq!(summary["summary"]["outcomes"]["stopped"], 2, "{summary}");
        drop((held, silent));
    }
}

/// A TLS 1.2 client that offers only suites rustls does not speak is told so, by their names:
/// RSA key exchange (it then sends no groups, which rustls reports first) and ECDHE with CBC,
/// for an ECDSA key that would take ECDHE_ECDSA.
#[test]
fn tls12_suites_rustls_does_not_speak_are_the_cause() {
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &[]);
    for (cipher, name) in [
        ("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
        (
            "ECDHE-ECDSA-AES128-SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        ),
    ] {
        // @SECLEVEL=0: a system policy that forbids them would otherwise keep openssl from
        // offering them at all.
        let out = Command::new(require("openssl", "openssl"))
            .args([
                "s_client",
                "-tls1_2",
                "-cipher",
                &format!("{cipher}:@SECLEVEL=0"),
            ])
            .arg("-connect")
            .arg(format!("127.0.0.1:{}", s.port))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{}", text(&out));
        let c = s.connection();
        assert_eq!(
            c["failure"]["cause"]["code"], "no_common_suite",
            "{cipher}: {c}"
        );
        let why = c["failure"]["explanation"].as_str().unwrap_or_default();
        assert!(why.contains(name) && why.contains("not spoken"), "{why}");
        assert!(!why.contains("for an ECDSA key"), "{why}");
        // The fix is the client's to make: serve has no option for its suites.
        let fix = c["failure"]["fix"].as_str().unwrap_or_default();
        assert!(
            fix.contains("ECDHE") && !fix.contains("--suite"),
            "{cipher}: {c}"
        );
    }
}

/// A connection that sent nothing before the server stopped is said as such: no handshake, so
/// neither a client certificate nor a handshake time.
#[test]
fn a_silent_connection_is_not_called_a_handshake() {
    let dir = workspace();
    let d = dir.path();
    let mut child = serve_text(d, &["--metrics", "127.0.0.1:0"]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner: Vec<String> = lines
        .by_ref()
        .map_while(Result::ok)
        .take_while(|l| !l.starts_with("one line per connection"))
        .collect();
    let after = |prefix: &str| {
        banner
            .iter()
            .find_map(|l| l.split(prefix).nth(1))
            .and_then(|r| {
                r.split(|c: char| !c.is_ascii_digit() && c != '.' && c != ':')
                    .next()
            })
            .unwrap_or_else(|| panic!("{banner:?}"))
            .to_string()
    };
    let port: u16 = after(" on 127.0.0.1:").parse().unwrap();
    let metrics = after("http://");
    let silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // Stopped once serve holds it (its metrics count it open), not before it was accepted.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut m = TcpStream::connect(metrics.as_str()).unwrap();
        m.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
        let mut scraped = String::new();
        let _ = std::io::Read::read_to_string(&mut m, &mut scraped);
        if scraped
            .lines()
            .any(|l| l == "certbench_connections_active 1")
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{scraped}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let said: Vec<String> = lines.map_while(Result::ok).collect();
    let _ = child.wait();
    drop(silent);
    let line = said
        .iter()
        .find(|l| l.starts_with("#1 "))
        .unwrap_or_else(|| panic!("{said:?}"));
    assert!(
        line.contains("stopped") && line.contains("no handshake: the client sent nothing"),
        "{line}"
    );
    assert!(
        !line.contains("no client certificate")
            && !line.contains("handshake 0")
            && !line.contains(" ms, "),
        "{line}"
    );
}

/// A client that completes its handshake and then asks for nothing is closed at the idle time,
/// every time as `no_request` (not a failure), and its line gives the whole duration.
#[test]
fn an_idle_client_is_closed_as_no_request() {
    let dir = workspace();
    let d = dir.path();
    let s = Serving::start(d, &["--idle-timeout", "1"]);
    let config = load_client_config(d);
    let port = s.port;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        rt.block_on(async {
            use tokio::io::AsyncReadExt;
            let mut tls = tls_to(port, config.clone()).await.unwrap();
            let mut buf = Vec::new();
            let _ = tls.read_to_end(&mut buf).await;
        });
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(3),
            "{took:?}"
        );
        let c = s.connection();
        assert_eq!(c["outcome"], "no_request", "{c}");
        assert!(c["failure"].is_null(), "{c}");
        assert!(c["duration_ms"].as_f64().unwrap() >= 900.0, "{c}");
    }
}

/// Issue 21: curl sent the client's leaf alone (no intermediate): the fix is to send the chain,
/// not to issue a new certificate (the certificate is fine).
#[test]
fn a_client_that_sent_its_leaf_alone_is_told_to_send_the_chain() {
    let d = workspace();
    let s = Serving::start(d.path(), &[]);
    let out = Command::new(require("curl", "curl"))
        .current_dir(d.path())
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
        .args(["--cert", "client.crt", "--key", "client.key"])
        .arg(format!("https://localhost:{}/", s.port))
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    let c = s.connection();
    assert_eq!(c["failure"]["cause"]["code"], "unknown_issuer", "{c}");
    let fix = c["failure"]["fix"].as_str().unwrap();
    assert!(
        fix.contains("chain") && fix.contains("client-chain.crt"),
        "{fix}"
    );
    assert!(
        !fix.contains("certbench issue"),
        "nothing to issue again: {fix}"
    );
}

/// Issue 26: `serve` on its default, localhost, listens on 127.0.0.1 and ::1 at one port (where
/// this machine has IPv6): curl forced to IPv6 (`-6`, localhost resolved to ::1) and to IPv4
/// (`-4`) both get the page; `--listen 127.0.0.1` listens there alone, and curl -6 cannot connect.
#[test]
fn localhost_is_served_on_both_loopbacks() {
    let dir = workspace();
    let d = dir.path();
    let has_ipv6 = std::net::TcpListener::bind("[::1]:0").is_ok();
    let s = Serving::start(d, &[]);
    for family in ["-4", "-6"] {
        if family == "-6" && !has_ipv6 {
            continue;
        }
        let out = curl(d, s.port, Some("client"), &[family]);
        assert!(out.status.success(), "curl {family}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("Hello, alice"));
        let c = s.connection();
        assert_eq!(c["outcome"], "ok", "{c}");
    }
    drop(s);
    let s = Serving::start(d, &["--listen", "127.0.0.1"]);
    assert!(curl(d, s.port, Some("client"), &["-4"]).status.success());
    if has_ipv6 {
        let out = curl(d, s.port, Some("client"), &["-6"]);
        // curl's exit code 7: could not connect.
        assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    }
}

/// `client` (openssl s_client -quiet, or a shell line that runs it) run with an HTTP/1.1 GET of
/// / on its stdin: what it printed.
fn get_through(mut client: Command) -> std::process::Output {
    let mut child = client
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    child.wait_with_output().unwrap()
}
