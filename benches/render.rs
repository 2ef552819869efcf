//! Drawing the panes: one frame of the sequence diagram with over 100 events (real runs' events,
//! one after another), at 80x24 and 160x48, with the selected step's fields, and with a
//! Certificate's bytes annotated; at 200x60, the Inspect pane with a 10,000-certificate bundle (the
//! Mozilla roots repeated) and the Handshake pane serving, after 1,000 connections (real ones to
//! certbench's server, told to the pane as the server tells it). A frame must stay well under 2 ms
//! (the terminal draws at most some 60 a second, and the loop must stay free for keys).
// A bench that cannot set up may as well stop.
#![allow(clippy::unwrap_used, clippy::panic)]

use certbench_tui as tui;

mod common;

use certbench_tls::run::{Event, RunOptions};
use criterion::{Criterion, criterion_group, criterion_main};

/// Real loopback runs' events, one run after another (times going on), until there are `n`.
fn events(dir: &std::path::Path, n: usize) -> Vec<Event> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut out: Vec<Event> = Vec::new();
    while out.len() < n {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let opts = RunOptions::new(dir.to_path_buf());
        rt.block_on(certbench_tls::run::run(&opts, tx)).unwrap();
        let offset = out.last().map_or(0, |e| e.t_us);
        while let Ok(mut e) = rx.try_recv() {
            e.t_us += offset;
            out.push(e);
        }
    }
    out
}

/// `n` connections as certbench's server reports them: real ones (the first `real`, each a
/// handshake and a request from a rustls client with the workspace's client certificate), then
/// copies of those under new ids, as a long-running server's list would hold.
fn connections(
    dir: &std::path::Path,
    n: usize,
    real: usize,
) -> (std::net::SocketAddr, Vec<certbench_tls::serve::Connection>) {
    use certbench_tls::serve::{ServeOptions, Server, Update};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let choices = certbench_tls::run::MaterialChoices {
            client: None,
            ..Default::default()
        };
        let material =
            certbench_tls::material::Material::from_workspace_with(dir, &choices).unwrap();
        let mut opts = ServeOptions::offering(
            "127.0.0.1:0".parse().unwrap(),
            None,
            certbench_tls::run::ClientAuth::Required,
        );
        opts.keep_events = true;
        let server = Server::bind(material, opts).await.unwrap();
        let addr = server.local_addr().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(server.run(tx, async {
            let _ = stopped.await;
        }));
        let client = {
            let opts = RunOptions::new(dir.to_path_buf());
            let material = opts.material().unwrap();
            let (_, client) =
                certbench_tls::config::build(&material, &opts.choices(), None).unwrap();
            tokio_rustls::TlsConnector::from(Arc::new(client))
        };
        for _ in 0..real {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            let mut tls = client.connect(name, tcp).await.unwrap();
            tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut answer = Vec::new();
            let _ = tls.read_to_end(&mut answer).await;
        }
        let mut out = Vec::new();
        while out.len() < real {
            if let Some(Update::Finished(c)) = rx.recv().await {
                out.push(*c);
            }
        }
        let _ = stop.send(());
        let _ = serving.await;
        let copies: Vec<_> = (0..n)
            .map(|i| {
                let mut c = out[i % real].clone();
                c.id = i as u64 + 1;
                c
            })
            .collect();
        (addr, copies)
    })
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("200x60");
    let sources = tui::Sources {
        dir: std::path::PathBuf::from("/nonexistent/certbench-bench"),
        open: vec![common::mozilla_bundle(10_000)],
        system: false,
        relay: None,
    };
    let mut inspect = tui::OffscreenInspect::load(&sources, (200, 60)).unwrap();
    assert_eq!(inspect.items(), 10_000);
    group.bench_function("inspect pane, 10,000 certificates: a frame", |b| {
        b.iter(|| inspect.frame().unwrap())
    });
    // A step selects the next certificate: its field tree and its chain, verified, then a frame.
    group.bench_function(
        "inspect pane, 10,000 certificates: one step down and a frame",
        |b| b.iter(|| inspect.scroll_step().unwrap()),
    );
    let dir = common::workspace();
    let (addr, served) = connections(dir.path(), 1_000, 20);
    let mut serving = tui::OffscreenServe::new(addr, served, (200, 60)).unwrap();
    let (total, listed) = serving.connections();
    assert_eq!(total, 1_000);
    group.bench_function(
        format!("handshake pane serving, {total} connections ({listed} listed): a frame"),
        |b| b.iter(|| serving.frame().unwrap()),
    );
    group.finish();

    let events = events(dir.path(), 100);
    let mut group = c.benchmark_group(format!("handshake pane, {} events", events.len()));
    for size in [(80, 24), (160, 48)] {
        let mut pane = tui::OffscreenHandshake::new(events.clone(), size).unwrap();
        pane.frame().unwrap();
        group.bench_function(format!("frame, fields ({}x{})", size.0, size.1), |b| {
            b.iter(|| pane.frame().unwrap())
        });
        pane.select("Certificate", true);
        group.bench_function(format!("frame, bytes ({}x{})", size.0, size.1), |b| {
            b.iter(|| pane.frame().unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
