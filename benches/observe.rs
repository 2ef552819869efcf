//! The watching alone, without sockets: the bytes and secrets of one real loopback run (made
//! once at the start, by `run`, with the demo set's certificates) fed to the wire crate's
//! `Observer` as the tap feeds them, segment by segment: what one connection costs to reassemble,
//! decrypt and decode. Steadier than the whole run's ratio (`benches/handshake.rs`, where it is
//! a few percent of a millisecond on a shared machine), and what a profile of the observer runs
//! on: `perf record -g target/release/deps/observe-* --bench`.
//!
//! The secrets are given first, as the key log's lines: in a run each comes a little before the
//! records it opens, so a record waits for its secret at most briefly; here none waits.

mod common;

use certbench_tls::run::{RunOptions, run};
use certbench_wire::observe::{Dir, Observer, parse_keylog_line};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let dir = common::workspace();
    let rt = common::runtime();
    let summary = rt.block_on(async {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        run(&RunOptions::new(dir.path()), tx).await.expect("run")
    });
    assert!(summary.ok(), "the run worked");
    let secrets: Vec<(String, Vec<u8>, Vec<u8>)> = summary
        .keylog
        .lines()
        .iter()
        .filter_map(|l| parse_keylog_line(l))
        .collect();
    let segments: Vec<(Dir, &[u8])> = summary
        .wire
        .segments
        .iter()
        .map(|s| {
            let dir = if s.from_client {
                Dir::ClientToServer
            } else {
                Dir::ServerToClient
            };
            (dir, &s.bytes[..])
        })
        .collect();
    let bytes: usize = segments.iter().map(|(_, b)| b.len()).sum();
    let once = || {
        let mut obs = Observer::new();
        let mut seen = 0;
        for (label, random, secret) in &secrets {
            seen += obs.add_secret(label, random, secret).len();
        }
        for (i, (dir, b)) in segments.iter().enumerate() {
            seen += obs.feed_at(*dir, b, i as u64).len();
        }
        seen + obs.finish().len()
    };
    let seen = once();
    let mut group = c.benchmark_group("observe");
    group.bench_function(
        format!(
            "one mTLS run ({} segments, {bytes} bytes, {} secrets, {seen} things seen)",
            segments.len(),
            secrets.len()
        ),
        |b| b.iter(once),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
