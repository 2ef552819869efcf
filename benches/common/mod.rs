//! Whole-process timings side by side: two commands run in turn, A B A B ..., so a drift in the
//! machine's speed hits both; the medians and their ratio are printed.
#![allow(dead_code)] // Each bench uses a part.

use std::time::{Duration, Instant};

use certbench_pki::KeyAlg;
use certbench_pki::workspace::{Issued, SetOptions, Workspace};
use time::OffsetDateTime;

/// A whole set (root, intermediate, server, client) made with the library in a new temporary
/// folder, removed again.
pub fn make_set(alg: KeyAlg) -> Vec<Issued> {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = SetOptions {
        key_alg: alg,
        ..SetOptions::default()
    };
    Workspace::open(dir.path())
        .and_then(|mut ws| ws.gen_set(&options, false, OffsetDateTime::now_utc()))
        .expect("the set is made")
}

/// A temporary workspace holding the whole set (root, intermediate, server, client), made now:
/// what the loopback benches run their handshakes with.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    Workspace::open(dir.path())
        .and_then(|mut ws| ws.gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc()))
        .expect("the set is made");
    dir
}

/// A runtime on this thread alone, as the loopback benches run their handshakes on: both sides
/// and the kernel's work on their sockets count on this thread's CPU clock.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The openssl commands for a whole set, as certbench prints them (`issue --openssl`).
pub fn openssl_script(alg: KeyAlg) -> String {
    make_set(alg)
        .iter()
        .map(|i| i.openssl.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run the openssl commands in `dir`.
pub fn run_openssl_script(script: &str, dir: &std::path::Path) {
    let out = std::process::Command::new("sh")
        .arg("-ec")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub struct SideBySide {
    pub a: Duration,
    pub b: Duration,
}

impl SideBySide {
    pub fn ratio(&self) -> f64 {
        self.a.as_secs_f64() / self.b.as_secs_f64()
    }
}

/// Run `a` and `b` in turn `rounds` times (after one warm-up each); their median times.
pub fn side_by_side(rounds: usize, a: impl FnMut(), b: impl FnMut()) -> SideBySide {
    side_by_side_settled(rounds, || {}, a, b)
}

/// As [`side_by_side`], with `settle` run (untimed) before each command: to start each from the
/// same state (no dirty pages of the other one's files waiting to be written, say).
pub fn side_by_side_settled(
    rounds: usize,
    mut settle: impl FnMut(),
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> SideBySide {
    a();
    b();
    let mut ta = Vec::with_capacity(rounds);
    let mut tb = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        settle();
        let t = Instant::now();
        a();
        ta.push(t.elapsed());
        settle();
        let t = Instant::now();
        b();
        tb.push(t.elapsed());
    }
    ta.sort();
    tb.sort();
    SideBySide {
        a: ta[rounds / 2],
        b: tb[rounds / 2],
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The Mozilla roots (Debian's ca-certificates) repeated to `count` certificates, made once in
/// the bench's temporary folder: real-world certificates, as users open a big bundle.
pub fn mozilla_bundle(count: usize) -> std::path::PathBuf {
    use std::io::Write;
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("mozilla-roots-{count}.pem"));
    if path.exists() {
        return path;
    }
    let dir = std::path::Path::new("/usr/share/ca-certificates/mozilla");
    let mut roots: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .expect("/usr/share/ca-certificates/mozilla (apt-get install ca-certificates)")
        .map(|e| e.expect("a folder entry").path())
        .collect();
    roots.sort();
    let pems: Vec<String> = roots
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("a root"))
        .collect();
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(&path).expect("the bundle is written"));
    for i in 0..count {
        out.write_all(pems[i % pems.len()].as_bytes())
            .expect("the bundle is written");
    }
    out.flush().expect("the bundle is written");
    path
}

/// One client connection to `addr`: the handshake, the GET request the loopback run sends, the
/// whole answer. The connection is given back open, for a caller that closes it as `run` does.
pub async fn get(
    addr: std::net::SocketAddr,
    client: std::sync::Arc<rustls::ClientConfig>,
) -> (
    tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    Vec<u8>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let connector = tokio_rustls::TlsConnector::from(client);
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut tls = connector
        .connect(name, tcp)
        .await
        .expect("client handshake");
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.expect("response");
    (tls, response)
}
