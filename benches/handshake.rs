//! The cost of watching: an observed mTLS handshake (tap, decryption of its flights, events)
//! against a bare one with the same certificates and the same per-run setup, both on 127.0.0.1.
//!
//! "Observed" is `run` as `handshake --count` runs it (`Control::count_after_handshake`): the
//! handshake read, parsed, decrypted and made events; what each side sends after its handshake
//! (the tickets, the HTTP exchange, the closing alerts) counted and captured, not read, as
//! nothing shows it. A third figure has that read too, as the TUI and `handshake` show it (until
//! late on 2026-12-07 that was the only figure).
//! "Bare" is `run` without the watching: the same material and configs (`config::build`, without
//! a reporter), the same HTTP server (hyper) answering the same request by the client's name, the
//! same time limit on the run (a timer is the run's, not the watching's; it was left out before
//! 2026-12-07, which put some 0.5% more on watching), and the same close: the server sends
//! close_notify without shutting its socket, and the client closes first (until late on
//! 2026-12-07 the bare server shut its socket first; it made no difference to measure).
//! Events are drained, not printed: the wording of a message's fields happens when a consumer asks
//! (`Details::fields`), as the pane asks for one event at a time.
//!
//! The figure is taken from pairs of runs, one of each, turn about, and is the median of the
//! pairs' ratios: of wall time, and of this thread's CPU time (the runtime has one thread, so both
//! sides and the kernel's work on their sockets are counted; work moved to another thread would
//! not be, so a change that does that must be measured otherwise). Runs minutes apart on a shared
//! machine differ by more than the cost measured (two separate medians said +3.5% one minute and
//! +9% the next); the pairs' CPU ratio gives the same figure within a point run after run, but a
//! change of a few allocations moves it by ±0.3 through code layout alone.
//! Measured on 2 vCPUs, side by side with older code built apart (its own target folder): +9.7%
//! to +11.2% before the observer's key lookups, message sharing and copies were cut, +7.1% to
//! +9.1% after; +7.5% to +9.0% at the start of 2026-12-07, +5.4% to +6.8% after the key log
//! was kept as values, the observer's bytes shared and carved from a per-connection arena, and
//! the bare run given the same time limit (the last by about half a point); later that day, with
//! the base at +5.3% to +6.6%, +5.0% to +5.7% after the record keys' HMAC moved to RustCrypto's
//! SHA-2 and messages, records and events were made smaller and share their bytes; with the
//! release profile's fat LTO and one codegen unit, +4.5% to +5.7% (mean +5.15%, 17 runs) against
//! the default profile's +5.2% to +6.8% (mean +5.9%), turn about. Late that day, what the server
//! sends after its handshake counted: +4.4% to +5.0% (mean +4.7%, 21 runs); what the client
//! sends after its Finished counted too: +4.1% to +4.7% (mean +4.4%, 17 runs; the step is within
//! the layout noise above), against +4.9% to +5.4% with everything read.
//! Both runs read the workspace and build their configs, as `run` does; a second figure has the
//! configs made once (as `handshake --count` does): about the same cost, some 32 us, over a
//! smaller run (0.61 ms bare, against 0.73 ms with the workspace read): +4.7% to +5.5% (mean +5.2%, 11 runs) late on
//! 2026-12-07 (in a profile glibc's malloc and free are the largest part of what watching adds;
//! with jemalloc preloaded the figure is +3.8% to +4.1%). `benches/observe.rs`
//! measures the observer alone. `CERTBENCH_PROFILE=observed` (or `shown`, or `bare`) runs one kind only,
//! `CERTBENCH_PROFILE_RUNS` times (3000), for a profiler; `cargo bench --bench handshake -- none`
//! measures the pairs and skips the criterion groups. Every run leaves a socket in TIME_WAIT for a
//! minute, and thousands of them slow every connect() and bind(): run it in a
//! fresh network namespace (`unshare -n`, as `scripts/compare.sh` does) or with none left
//! (`ss -tan | grep -c TIME-WAIT`).

mod common;

use std::sync::Arc;

use certbench_tls::config;
use certbench_tls::event::Event;
use certbench_tls::run::{Prepared, RunError, RunOptions, Summary, run, run_prepared};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The same handshake and request as `run`, without anything that observes it: the same
/// material read from the workspace and the same configs (`config::build`, with no reporter),
/// and the answer naming the client.
async fn bare(opts: &RunOptions) {
    let material = opts.material().expect("material");
    let (server, client) = config::build(&material, &opts.choices(), None).expect("configs");
    bare_with(Arc::new(server), Arc::new(client), opts.control.timeout).await
}

/// A bare run with configs made before (as `handshake --count` makes them once for many runs).
async fn bare_with(
    server: Arc<rustls::ServerConfig>,
    client: Arc<rustls::ClientConfig>,
    timeout: std::time::Duration,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let addr = listener.local_addr().expect("address");
    let acceptor = tokio_rustls::TlsAcceptor::from(server);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        tcp.set_nodelay(true).expect("nodelay");
        let mut tls = acceptor
            .accept(Unshut(tcp))
            .await
            .expect("server handshake");
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
    let client = async {
        let (mut tls, _) = common::get(addr, client).await;
        let _ = tls.shutdown().await;
    };
    // As `run` does, the run has a time limit: a timer that is the run's, not the watching's.
    tokio::time::timeout(timeout, async {
        client.await;
        server.await.expect("server task");
    })
    .await
    .expect("within the time limit");
}

/// The server's socket as `run`'s server holds it (`Held` in crates/tls/src/run.rs, which is the
/// crate's own and steps too): its TLS close (close_notify) does not shut the socket, so the
/// client closes the connection first and takes the TIME_WAIT.
struct Unshut(tokio::net::TcpStream);

impl tokio::io::AsyncRead for Unshut {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Unshut {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }
}

fn bench(c: &mut Criterion) {
    let dir = common::workspace();
    let rt = common::runtime();
    // Watching a handshake: its flights read, decrypted and made events; what crosses after it
    // (tickets, the HTTP exchange, closing alerts) counted, as `handshake --count` and `serve`
    // do where nothing shows it.
    let mut opts = RunOptions::new(dir.path());
    opts.control.count_after_handshake = true;
    // And the run as the TUI and `handshake` show it: what follows the handshake read too.
    let shown = RunOptions::new(dir.path());
    let observed_once = || rt.block_on(drained(|tx| run(&opts, tx)));
    // Paired runs, turn about (which goes first alternates): every loopback connection leaves a
    // socket in TIME_WAIT, and many of them slow connect() and bind() for whatever runs next, and
    // a shared machine's speed drifts; a pair's two runs meet the same conditions. Each run's
    // wall time and this thread's CPU time (the runtime has one thread: both sides, and the
    // kernel's work on their sockets, run on it).
    // For a profiler (perf, callgrind, heaptrack): one kind of run only, many times.
    if let Ok(kind) = std::env::var("CERTBENCH_PROFILE") {
        let runs: usize = std::env::var("CERTBENCH_PROFILE_RUNS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(3000);
        assert!(
            ["observed", "shown", "bare"].contains(&kind.as_str()),
            "CERTBENCH_PROFILE is observed, shown or bare, not {kind}"
        );
        for _ in 0..runs {
            match kind.as_str() {
                "observed" => observed_once(),
                "shown" => rt.block_on(drained(|tx| run(&shown, tx))),
                _ => rt.block_on(bare(&opts)),
            }
        }
        return;
    }
    let pairs = if std::env::args().any(|a| a == "--test") {
        20
    } else {
        1000
    };
    let figure = measure_pairs(pairs, &observed_once, || rt.block_on(bare(&opts)));
    println!("cost of watching over {pairs} pairs: {figure}");
    // The same with the configs made once (as `handshake --count` makes them): the runs without
    // reading the workspace and building the configs, some 0.14 ms of each run above.
    let material = opts.material().expect("material");
    let prepared = Prepared::new(&material, &opts.choices()).expect("configs");
    let (server, client) = config::build(&material, &opts.choices(), None).expect("configs");
    let (server, client) = (Arc::new(server), Arc::new(client));
    let figure = measure_pairs(
        pairs,
        || {
            rt.block_on(drained(|tx| {
                run_prepared(&prepared, &material, &opts.control, tx)
            }))
        },
        || {
            rt.block_on(bare_with(
                server.clone(),
                client.clone(),
                opts.control.timeout,
            ))
        },
    );
    println!("the same, configs made once: {figure}");
    let figure = measure_pairs(
        pairs,
        || rt.block_on(drained(|tx| run(&shown, tx))),
        || rt.block_on(bare(&opts)),
    );
    println!("the same, what follows the handshake read too (as shown): {figure}");

    let mut group = c.benchmark_group("handshake");
    group
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(3));
    group.bench_function("observed (tap, decryption, events)", |b| {
        b.iter(&observed_once)
    });
    group.bench_function("bare (same certificates, nothing watching)", |b| {
        b.iter(|| rt.block_on(bare(&opts)))
    });
    group.finish();
}

/// A run that `start` makes with an events channel, its events drained as a consumer that does
/// not print them drains them (the wording of a message's fields happens when one is shown).
async fn drained<F>(start: impl FnOnce(tokio::sync::mpsc::UnboundedSender<Event>) -> F)
where
    F: std::future::Future<Output = Result<Summary, RunError>>,
{
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let summary = start(tx).await.expect("run");
    assert!(summary.ok());
    while rx.try_recv().is_ok() {}
}

/// `pairs` pairs of runs, one of each kind, turn about (which goes first alternates): the
/// medians of the pairs' ratios of wall time and of this thread's CPU time, and the runs' mean
/// CPU times.
fn measure_pairs(pairs: usize, mut observed: impl FnMut(), mut bare: impl FnMut()) -> String {
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let (mut cpu_obs, mut cpu_bare) = (0.0, 0.0);
    for i in 0..pairs {
        let timed = |run: &mut dyn FnMut()| {
            let (t, c) = (std::time::Instant::now(), thread_cpu());
            run();
            (t.elapsed().as_secs_f64(), thread_cpu() - c)
        };
        let (o, b) = if i % 2 == 0 {
            let o = timed(&mut observed);
            (o, timed(&mut bare))
        } else {
            let b = timed(&mut bare);
            (timed(&mut observed), b)
        };
        wall.push(o.0 / b.0);
        cpu.push(o.1 / b.1);
        cpu_obs += o.1;
        cpu_bare += b.1;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    format!(
        "{:+.1}% wall time (median of the pairs' ratios), {:+.1}% CPU time ({:+.1}% over all runs; {:.3} ms a run observed, {:.3} ms bare)",
        (median(&mut wall) - 1.0) * 100.0,
        (median(&mut cpu) - 1.0) * 100.0,
        (cpu_obs / cpu_bare - 1.0) * 100.0,
        cpu_obs * 1000.0 / pairs as f64,
        cpu_bare * 1000.0 / pairs as f64,
    )
}

/// This thread's CPU time so far (user and system), in seconds.
fn thread_cpu() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

criterion_group!(benches, bench);
criterion_main!(benches);
