#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! 1,000 handshakes in a row leak no file descriptors and no memory. Alone in its file, so no
//! other test's files or threads share the process while it counts.

use certbench_pki::workspace::{SetOptions, Workspace};
use certbench_tls::run::{RunOptions, run};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Resident memory in KiB, from /proc/self/status.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_thousand_runs_leak_no_descriptors_and_no_memory() {
    let dir = tempfile::tempdir().unwrap();
    Workspace::open(dir.path())
        .unwrap()
        .gen_set(
            &SetOptions::default(),
            false,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let opts = RunOptions::new(dir.path());
    let once = |i: usize| {
        rt.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let summary = run(&opts, tx).await.unwrap();
            assert!(summary.ok(), "run {i}: {:?}", summary.failure());
            let mut n = 0;
            while rx.try_recv().is_ok() {
                n += 1;
            }
            assert!(n > 20, "run {i}: only {n} events");
        })
    };
    // The first runs grow the runtime's threads and the allocator's pools to their working size.
    for i in 0..100 {
        once(i);
    }
    let (fds, rss) = (open_fds(), rss_kib());
    for i in 100..1000 {
        once(i);
    }
    let (fds_after, rss_after) = (open_fds(), rss_kib());
    assert_eq!(
        fds_after, fds,
        "open descriptors after 100 runs: {fds}, after 1,000: {fds_after}"
    );
    // 900 more runs that each kept as little as 4 KiB would add 3.5 MiB.
    assert!(
        rss_after <= rss + 2048,
        "resident memory after 100 runs: {rss} KiB, after 1,000: {rss_after} KiB"
    );
    eprintln!(
        "after 100 runs: {fds} fds, {rss} KiB; after 1,000: {fds_after} fds, {rss_after} KiB"
    );
}
