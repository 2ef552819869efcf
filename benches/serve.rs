//! `serve` against nginx and `openssl s_server -www`, side by side in one run: the same
//! certificates, the same mTLS (client certificate required and verified, TLS 1.3, x25519, ECDSA
//! P-256), the same load client (rustls, 50 connections at once, a full handshake and one request
//! each, no resumption; as h2load, it checks the server's signature, not its chain). certbench's
//! server watches every handshake (tap, decryption, verdicts, the per-connection record), counts
//! what follows (as `serve` does when nothing shows a connection's application data) and prints
//! its line; nginx logs nothing; s_server (one process, one connection at a time) refuses a
//! client chain that does not verify.
//!
//! Two figures for each server: handshakes per second of the wall clock, and per second of the
//! server's own CPU (user and system time of its processes, from /proc). On a machine of two
//! cores the load client takes about as much CPU as the server it loads, so the wall figure is
//! bounded by the client's share; the CPU figure is what the server itself costs, the figure
//! rustls and OpenSSL publish as handshakes per core per second. Then the same rounds with each
//! server held to the first core (`taskset -c 0`, nginx's workers and certbench's runtime alike)
//! and the load client to the second: handshakes per second of the wall clock of a server that
//! has a core to itself, as when the load comes from another machine.
//!
//! Then memory: 10,000 connections opened to certbench serve and to nginx, each handshaken and
//! then left idle, and the servers' resident memory (all their processes) before and after.
//!
//!   cargo bench --bench serve            needs nginx and openssl (apt-get install nginx openssl)
//!   CERTBENCH_BENCH_CONNECTIONS=5000     handshakes per server and round (default 2000)
//!   CERTBENCH_BENCH_IDLE=10000           idle connections held (default 10000; 0 skips)
//!   (the pinned rounds need two cores or more and taskset, from util-linux)

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CONCURRENCY: usize = 50;

/// A server process, ended when dropped.
struct Peer(Child);

impl Peer {
    /// The server's processes: it and its children (nginx's workers).
    fn family(&self) -> Vec<u32> {
        let me = self.0.id();
        let mut pids = vec![me];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if stat_fields(pid).and_then(|f| f.get(1).and_then(|p| p.parse::<u32>().ok()))
                == Some(me)
            {
                pids.push(pid);
            }
        }
        pids
    }

    /// User and system CPU seconds its processes have used so far.
    fn cpu_seconds(&self) -> f64 {
        self.family()
            .into_iter()
            .filter_map(stat_fields)
            .map(|f| {
                // utime and stime, in the kernel's USER_HZ ticks (100 a second on Linux).
                let ticks: u64 =
                    f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
                ticks as f64 / 100.0
            })
            .sum()
    }

    /// Resident memory of its processes, in KiB.
    fn rss_kib(&self) -> u64 {
        self.family()
            .into_iter()
            .filter_map(|pid| {
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
                status
                    .lines()
                    .find(|l| l.starts_with("VmRSS:"))?
                    .split_whitespace()
                    .nth(1)?
                    .parse::<u64>()
                    .ok()
            })
            .sum()
    }
}

/// The fields of /proc/PID/stat after the command's name: state, ppid, ... (utime is [11]).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Its processes, found while the master still runs: nginx's workers outlive a master
        // that dies before them, orphaned, holding their port and the CPU of the next
        // measurement.
        let family = self.family();
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
        for pid in family.into_iter().skip(1) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
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

/// The load client's check of the server, as h2load's and wrk's (OpenSSL with SSL_VERIFY_NONE):
/// the chain is not verified, the server's CertificateVerify signature is. The load client is
/// not what is measured: on a core of its own it must outrun the server it loads (verifying the
/// chain too, it could not outrun certbench's: 2,005 handshakes a second, certbench's core
/// not quite full).
#[derive(Debug)]
struct LoadClientVerifier(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for LoadClientVerifier {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn client_config(d: &Path) -> Arc<rustls::ClientConfig> {
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
    let provider = Arc::new(provider);
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LoadClientVerifier(provider)))
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
    // s_server -www answers HTTP/1.0.
    answer.starts_with(b"HTTP/1.1 200") || answer.starts_with(b"HTTP/1.0 200")
}

/// A connection handshaken and then held open, saying nothing.
async fn idle(port: u16, config: Arc<rustls::ClientConfig>) -> Option<impl Sized> {
    // A server out of descriptors leaves connections unanswered: given up, and counted short.
    let open = async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        let name = ServerName::try_from("localhost").expect("a name");
        tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .ok()
    };
    let mut tls = tokio::time::timeout(Duration::from_secs(10), open)
        .await
        .ok()??;
    // The client's certificate and Finished go out with connect(); a flush makes sure.
    tls.flush().await.ok()?;
    Some(tls)
}

/// `n` tasks made by `task`, `CONCURRENCY` at once, on a runtime of one worker (the load client
/// of every server alike); what each returned, on that runtime (dropped with it).
fn at_once<T, F>(rt: &tokio::runtime::Runtime, n: usize, task: impl Fn() -> F) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    rt.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let permit = limit.clone().acquire_owned().await.expect("a permit");
            let job = task();
            tasks.spawn(async move {
                let out = job.await;
                drop(permit);
                out
            });
        }
        let mut out = Vec::with_capacity(n);
        while let Some(r) = tasks.join_next().await {
            if let Ok(r) = r {
                out.push(r);
            }
        }
        out
    })
}

fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Open `n` idle connections (50 handshakes at once) and hold them while `measure` runs: its
/// answer, and how many connections opened.
fn hold_idle<T>(
    port: u16,
    config: &Arc<rustls::ClientConfig>,
    n: usize,
    measure: impl FnOnce() -> T,
) -> (T, usize) {
    let rt = client_runtime();
    let held: Vec<_> = at_once(&rt, n, || idle(port, config.clone()))
        .into_iter()
        .flatten()
        .collect();
    // Let the server read what came last (the client's Finished) before it is measured.
    std::thread::sleep(Duration::from_millis(1500));
    let opened = held.len();
    let answer = measure();
    drop(held);
    drop(rt);
    (answer, opened)
}

/// `n` handshakes and requests, `CONCURRENCY` at once: (handshakes per second, failures).
fn load(port: u16, config: &Arc<rustls::ClientConfig>, n: usize) -> (f64, usize) {
    let rt = client_runtime();
    let start = Instant::now();
    let done = at_once(&rt, n, || one(port, config.clone()));
    let failed = n - done.iter().filter(|&&ok| ok).count();
    (n as f64 / start.elapsed().as_secs_f64(), failed)
}

/// `program`, on the first core only when `pinned`.
fn command(program: &str, pinned: bool) -> Command {
    if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", program]);
        c
    } else {
        Command::new(program)
    }
}

fn nginx(d: &Path, port: u16, pinned: bool) -> Peer {
    let conf = format!(
        r#"worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
worker_rlimit_nofile 19000;
events {{ worker_connections 12000; }}
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
        command("nginx", pinned)
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

fn s_server(d: &Path, port: u16, pinned: bool) -> Peer {
    let p = Peer(
        command("openssl", pinned)
            .arg("s_server")
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .args([
                "-cert",
                "server.crt",
                "-key",
                "server.key",
                "-cert_chain",
                "intermediate.crt",
            ])
            .args(["-CAfile", "ca.crt", "-Verify", "3", "-verify_return_error"])
            .args(["-tls1_3", "-groups", "X25519"])
            .args(["-www", "-quiet", "-no_ticket"])
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts"),
    );
    wait_for(port);
    p
}

fn certbench_serve(d: &Path, port: u16, pinned: bool) -> Peer {
    let p = Peer(
        command(env!("CARGO_BIN_EXE_certbench"), pinned)
            .arg("--dir")
            .arg(d)
            .args(["serve", "--port", &port.to_string(), "--tls", "1.3"])
            .args(["--listen", "127.0.0.1", "--max-connections", "12000"])
            .args(["--idle-timeout", "600"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("certbench serve starts"),
    );
    wait_for(port);
    p
}

type Start = fn(&Path, u16, bool) -> Peer;
const SERVERS: [(&str, Start); 3] = [
    ("certbench serve", certbench_serve),
    ("nginx", nginx),
    ("openssl s_server", s_server),
];

/// This process's main thread, and the threads it starts after (the load client's runtime), on
/// `cores` (taskset's list: "1", "0-3").
fn pin_self(cores: &str) {
    let ok = Command::new("taskset")
        .args(["-p", "-c", cores, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "taskset -p -c {cores} on the load client");
}

/// The three servers at once, each on its own port, loaded in turn, round after round (a drift
/// in the machine's speed, shared and noisy, hits them alike): their medians and ratios printed.
/// `pinned`: each server on the first core, the load client on the second. Whether a connection
/// failed.
fn in_turn(
    d: &Path,
    config: &Arc<rustls::ClientConfig>,
    n: usize,
    rounds: usize,
    pinned: bool,
) -> bool {
    // The cores this process may use now, to be given back after.
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    if pinned {
        pin_self("1");
    }
    let running: Vec<(&str, u16, Peer)> = SERVERS
        .iter()
        .map(|(name, start)| {
            let port = free_port();
            let server = start(d, port, pinned);
            // Warm up: the first connections pay for what stays.
            load(port, config, 100);
            (*name, port, server)
        })
        .collect();
    // For each server, each round's (per second, per server CPU-second); and failures.
    let mut rates: Vec<Vec<(f64, f64)>> = vec![Vec::new(); running.len()];
    let mut failed = vec![0usize; running.len()];
    for _ in 0..rounds {
        for (i, (_, port, server)) in running.iter().enumerate() {
            let cpu = server.cpu_seconds();
            let (rate, fails) = load(*port, config, n);
            // The server's work on the last connections (their close) ends just after.
            std::thread::sleep(Duration::from_millis(300));
            let cpu = server.cpu_seconds() - cpu;
            rates[i].push((rate, n as f64 / cpu.max(0.01)));
            failed[i] += fails;
        }
    }
    drop(running);
    if pinned {
        pin_self(&format!("0-{}", all.max(2) - 1));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "mTLS handshakes, {n} a round, {rounds} rounds in turn, {CONCURRENCY} at once (TLS 1.3, x25519, ECDSA P-256, client certificate verified, one request each){}; medians:",
        if pinned {
            ", each server on the first core and the load client on the second"
        } else {
            ", servers and load client sharing the cores"
        }
    );
    println!(
        "  {:<18} {:>12} {:>22}",
        "", "per second", "per server CPU-second"
    );
    for (i, (name, _)) in SERVERS.iter().enumerate() {
        println!(
            "  {name:<18} {:>10.0}/s {:>20.0}/s  ({} failed)",
            median(rates[i].iter().map(|r| r.0).collect()),
            median(rates[i].iter().map(|r| r.1).collect()),
            failed[i]
        );
    }
    // Ratios round by round (the servers measured minutes apart would not compare).
    for (j, other) in [(1, "nginx"), (2, "s_server")] {
        let per_s = median((0..rounds).map(|r| rates[0][r].0 / rates[j][r].0).collect());
        let per_cpu = median((0..rounds).map(|r| rates[0][r].1 / rates[j][r].1).collect());
        println!(
            "  certbench / {other}{}: {per_s:.2} per second, {per_cpu:.2} per CPU-second",
            if pinned { " (pinned)" } else { "" }
        );
    }
    failed.iter().any(|&f| f > 0)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs it once, quickly.
    let quick = std::env::args().any(|a| a == "--test");
    for (tool, package) in [("nginx", "nginx"), ("openssl", "openssl")] {
        if Command::new(tool).arg("-v").output().is_err()
            && Command::new(tool).arg("version").output().is_err()
        {
            eprintln!("this bench needs {tool}: apt-get install {package}");
            std::process::exit(1);
        }
    }
    let setting = |name: &str, default: usize| -> usize {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = setting(
        "CERTBENCH_BENCH_CONNECTIONS",
        if quick { 100 } else { 2000 },
    );
    let idle_n = setting("CERTBENCH_BENCH_IDLE", if quick { 100 } else { 10_000 });
    let dir = common::workspace();
    let d = dir.path();
    let config = client_config(d);
    let rounds = if quick { 1 } else { 5 };
    let mut failed = in_turn(d, &config, n, rounds, false);
    // Held to a core each, where there are two and taskset.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores >= 2 && Command::new("taskset").arg("-V").output().is_ok() {
        failed |= in_turn(d, &config, n, rounds, true);
    } else {
        println!("(no pinned rounds: they need two cores and taskset, from util-linux)");
    }
    if failed {
        std::process::exit(1);
    }
    if idle_n == 0 {
        return;
    }
    println!("{idle_n} idle connections (handshaken, then silent), the server's resident memory:");
    for (name, start) in &SERVERS[..2] {
        let port = free_port();
        let server = start(d, port, false);
        load(port, &config, 100);
        let before = server.rss_kib();
        let (after, opened) = hold_idle(port, &config, idle_n, || server.rss_kib());
        let per = (after.saturating_sub(before)) as f64 * 1024.0 / opened.max(1) as f64;
        println!(
            "  {name:<18} {:>7.1} MiB before, {:>7.1} MiB with {opened} open: {:>6.1} KiB a connection",
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            per / 1024.0
        );
        if opened < idle_n {
            eprintln!("{name}: only {opened} of {idle_n} connections opened (ulimit -n?)");
            std::process::exit(1);
        }
    }
}
