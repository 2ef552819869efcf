//! The cost of watching: a full observed mTLS handshake (tap, decryption, events) against a bare
//! one with the same certificates and the same per-run setup, both on 127.0.0.1.
//!
//! "Bare" is `run` without the watching: the same material and configs (`config::build`, without
//! a reporter), the same HTTP server (hyper) answering the same request by the client's name.
//! Events are drained, not printed: the wording of a message's fields happens when a consumer asks
//! (`Details::fields`), as the pane asks for one event at a time. Measured on 2 vCPUs: +3.5% and +4.4% at the paired median (two
//! runs a minute apart). Every run leaves a socket in TIME_WAIT for a minute, and thousands of them
//! slow every connect(): measure with none left (`ss -tan | grep -c TIME-WAIT`).

mod common;

use std::sync::Arc;

use certbench_tls::config;
use certbench_tls::run::{RunOptions, run};
use criterion::{Criterion, criterion_group, criterion_main};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The same handshake and request as `run`, without anything that observes it: the same
/// material read from the workspace and the same configs (`config::build`, with no reporter),
/// and the answer naming the client.
async fn bare(opts: &RunOptions) {
    let material = opts.material().expect("material");
    let (server, client) = config::build(&material, &opts.choices(), None).expect("configs");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let addr = listener.local_addr().expect("address");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        tcp.set_nodelay(true).expect("nodelay");
        let mut tls = acceptor.accept(tcp).await.expect("server handshake");
        let who = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| certbench_x509::report::brief(c).ok())
            .and_then(|r| r.common_name)
            .unwrap_or_else(|| "stranger".into());
        // The same HTTP/1.1 server as `run`'s (hyper, one request, the greeting by name).
        certbench_tls::run::greet_once(&mut tls, who)
            .await
            .expect("request and answer");
        // As `run` closes: hyper sent close_notify, then the client closes first.
        let mut rest = [0u8; 256];
        while matches!(tls.read(&mut rest).await, Ok(n) if n > 0) {}
    });
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let mut tls = connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("client handshake");
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await.expect("response");
    let _ = tls.shutdown().await;
    server.await.expect("server task");
}

fn bench(c: &mut Criterion) {
    let dir = common::workspace();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let opts = RunOptions::new(dir.path());
    // Paired, interleaved runs: every loopback connection leaves a socket in TIME_WAIT, and many
    // of them slow connect() for whatever runs next, so the two are measured turn about.
    let observed_once = || {
        rt.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let summary = run(&opts, tx).await.expect("run");
            assert!(summary.ok());
            while rx.try_recv().is_ok() {}
        })
    };
    let (mut obs, mut bar) = (Vec::new(), Vec::new());
    for _ in 0..400 {
        let t = std::time::Instant::now();
        observed_once();
        obs.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = std::time::Instant::now();
        rt.block_on(bare(&opts));
        bar.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mo, mb) = (median(&mut obs), median(&mut bar));
    println!(
        "paired medians over 400 runs each: observed {mo:.3} ms, bare {mb:.3} ms, cost of watching {:+.1}%",
        (mo / mb - 1.0) * 100.0
    );

    let mut group = c.benchmark_group("handshake");
    group
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    group.bench_function("observed (tap, decryption, events)", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let summary = run(&opts, tx).await.expect("run");
                assert!(summary.ok());
                while rx.try_recv().is_ok() {}
            })
        })
    });
    group.bench_function("bare (same certificates, nothing watching)", |b| {
        b.iter(|| rt.block_on(bare(&opts)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
