//! Every command starts at once: whole processes, timed as a user meets them. `certbench gen`
//! (the ECDSA P-256 set: four keys, four certificates, eleven files written and flushed) against
//! the openssl commands certbench prints for the same set; `certbench --version` and `list` as
//! the floor a process costs here.

mod common;

use std::process::{Command, Stdio};

use certbench_pki::KeyAlg;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_certbench")
}

fn certbench_gen(dir: &std::path::Path) {
    let status = Command::new(bin())
        .arg("--dir")
        .arg(dir.join("ws"))
        .arg("gen")
        .stdout(Stdio::null())
        .status()
        .expect("certbench runs");
    assert!(status.success());
}

fn bench(c: &mut Criterion) {
    let script = common::openssl_script(KeyAlg::EcdsaP256);
    let mut group = c.benchmark_group("startup");
    group.bench_function("certbench --version", |b| {
        b.iter(|| {
            Command::new(bin())
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .expect("runs")
        })
    });
    let listed = tempfile::tempdir().expect("temp dir");
    certbench_gen(listed.path());
    group.bench_function("certbench list", |b| {
        b.iter(|| {
            Command::new(bin())
                .arg("--dir")
                .arg(listed.path().join("ws"))
                .arg("list")
                .stdout(Stdio::null())
                .status()
                .expect("runs")
        })
    });
    group.bench_function("certbench gen (ECDSA P-256 set, files written)", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            // The folder is returned, so its removal is not timed.
            |dir| {
                certbench_gen(dir.path());
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.sample_size(10);
    group.bench_function("openssl commands for the same set", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |dir| {
                common::run_openssl_script(&script, dir.path());
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    // Side by side, in turn: the figures the README quotes.
    let dirs: Vec<_> = (0..62)
        .map(|_| tempfile::tempdir().expect("temp dir"))
        .collect();
    let mut a = dirs.iter();
    let mut b = dirs.iter();
    // Before each, the disk settles (`sync`): openssl does not flush what it writes, and its
    // dirty pages would otherwise be written during certbench's flushes.
    let settle = || {
        let _ = Command::new("sync").status();
    };
    let r = common::side_by_side_settled(
        30,
        settle,
        || certbench_gen(a.next().expect("a dir").path()),
        || common::run_openssl_script(&script, b.next().expect("a dir").path()),
    );
    println!(
        "gen, whole process, medians of 30 in turn: certbench {}, openssl commands {}: {:.3}x",
        common::ms(r.a),
        common::ms(r.b),
        r.ratio()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
