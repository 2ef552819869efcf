//! `serve` against nginx, side by side in one run: the same certificates, the same mTLS (client
//! certificate required and verified, TLS 1.3, x25519, ECDSA P-256), the same load client (rustls,
//! 50 connections at once, a full handshake and one request each, no resumption). certbench's
//! server observes every connection (tap, decryption, verdicts, the per-connection record) and
//! prints its line; nginx logs nothing. Prints handshakes per second for each.
//!
//!   cargo bench --bench serve            needs nginx (apt-get install nginx)
//!   CERTBENCH_BENCH_CONNECTIONS=5000     how many handshakes per server (default 3000)

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use certbench_pki::workspace::{SetOptions, Workspace};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CONCURRENCY: usize = 50;

/// A server process, ended when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_for(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "nothing on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn client_config(d: &Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(d.join("ca.crt")).expect("ca.crt") {
        roots.add(c.expect("a CA")).expect("a root");
    }
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(d.join("client-chain.crt"))
            .expect("client-chain.crt")
            .map(|c| c.expect("a certificate"))
            .collect();
    let key = PrivateKeyDer::from_pem_file(d.join("client.key")).expect("client.key");
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    // nginx's OpenSSL (Debian 12) has no ML-KEM: both servers get the same classic group.
    provider
        .kx_groups
        .retain(|g| g.name() == rustls::NamedGroup::X25519);
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .expect("the client's certificate");
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

async fn one(port: u16, config: Arc<rustls::ClientConfig>) -> bool {
    let Ok(tcp) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let _ = tcp.set_nodelay(true);
    let name = ServerName::try_from("localhost").expect("a name");
    let Ok(mut tls) = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
    else {
        return false;
    };
    if tls
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .is_err()
    {
        return false;
    }
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    answer.starts_with(b"HTTP/1.1 200")
}

/// `n` handshakes and requests, `CONCURRENCY` at once: (handshakes per second, failures).
fn load(port: u16, config: &Arc<rustls::ClientConfig>, n: usize) -> (f64, usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        let start = Instant::now();
        for _ in 0..n {
            let permit = limit.clone().acquire_owned().await.expect("a permit");
            let config = config.clone();
            tasks.spawn(async move {
                let ok = one(port, config).await;
                drop(permit);
                ok
            });
        }
        let mut failed = 0;
        while let Some(r) = tasks.join_next().await {
            if !r.unwrap_or(false) {
                failed += 1;
            }
        }
        (n as f64 / start.elapsed().as_secs_f64(), failed)
    })
}

fn nginx(d: &Path, port: u16) -> Peer {
    let conf = format!(
        r#"worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/server-chain.crt;
        ssl_certificate_key {dir}/server.key;
        ssl_client_certificate {dir}/ca.crt;
        ssl_verify_client on;
        ssl_verify_depth 3;
        ssl_protocols TLSv1.3;
        ssl_session_tickets off;
        location / {{ return 200 "hello $ssl_client_s_dn\n"; }}
    }}
}}
"#,
        dir = d.display()
    );
    std::fs::create_dir_all(d.join("tmp")).expect("a folder");
    std::fs::write(d.join("nginx.conf"), conf).expect("nginx.conf");
    let p = Peer(
        Command::new("nginx")
            .args(["-p"])
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts"),
    );
    wait_for(port);
    p
}

fn certbench_serve(d: &Path, port: u16) -> Peer {
    let p = Peer(
        Command::new(env!("CARGO_BIN_EXE_certbench"))
            .arg("--dir")
            .arg(d)
            .args(["serve", "--port", &port.to_string(), "--tls", "1.3"])
            .args(["--max-connections", "1024"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("certbench serve starts"),
    );
    wait_for(port);
    p
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs it once, quickly.
    let quick = std::env::args().any(|a| a == "--test");
    if Command::new("nginx").arg("-v").output().is_err() {
        eprintln!("this bench needs nginx: apt-get install nginx");
        std::process::exit(1);
    }
    let n: usize = std::env::var("CERTBENCH_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 100 } else { 3000 });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let d = dir.path();
    Workspace::open(d)
        .and_then(|mut ws| {
            ws.gen_set(
                &SetOptions::default(),
                false,
                time::OffsetDateTime::now_utc(),
            )
        })
        .expect("a workspace");
    let config = client_config(d);
    let mut results = Vec::new();
    for (name, start) in [
        ("certbench serve", certbench_serve as fn(&Path, u16) -> Peer),
        ("nginx", nginx as fn(&Path, u16) -> Peer),
    ] {
        let port = free_port();
        let _server = start(d, port);
        // Warm up: the first connections pay for what stays.
        load(port, &config, 100);
        let (rate, failed) = load(port, &config, n);
        results.push((name, rate, failed));
    }
    println!(
        "mTLS handshakes per second, {n} each, {CONCURRENCY} at once (TLS 1.3, x25519, ECDSA P-256, client certificate verified, one request each):"
    );
    for (name, rate, failed) in &results {
        println!("  {name:<16} {rate:>8.0}/s  ({failed} failed)");
    }
    if let [(_, ours, _), (_, theirs, _)] = results.as_slice() {
        println!("  certbench / nginx: {:.2}", ours / theirs);
    }
    if results.iter().any(|r| r.2 > 0) {
        std::process::exit(1);
    }
}
