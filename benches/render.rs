//! Drawing the Handshake pane: one frame of the sequence diagram with over 100 events (real runs'
//! events, one after another), at 80x24 and 160x48, with the selected step's fields, and with a
//! Certificate's bytes annotated. A frame must stay well under 2 ms (the terminal draws at most
//! some 60 a second, and the loop must stay free for keys).
// A bench that cannot set up may as well stop.
#![allow(clippy::unwrap_used, clippy::panic)]

use certbench_tui as tui;

use certbench_pki::workspace::{SetOptions, Workspace};
use certbench_tls::run::{Event, RunOptions};
use criterion::{Criterion, criterion_group, criterion_main};

/// Real loopback runs' events, one run after another (times going on), until there are `n`.
fn events(n: usize) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    Workspace::open(dir.path())
        .unwrap()
        .gen_set(
            &SetOptions::default(),
            false,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut out: Vec<Event> = Vec::new();
    while out.len() < n {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let opts = RunOptions::new(dir.path().to_path_buf());
        rt.block_on(certbench_tls::run::run(&opts, tx)).unwrap();
        let offset = out.last().map_or(0, |e| e.t_us);
        while let Ok(mut e) = rx.try_recv() {
            e.t_us += offset;
            out.push(e);
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let events = events(100);
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
