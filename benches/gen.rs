//! The whole mTLS set (root, intermediate, server, client), files written, against the same set
//! made by the openssl command sequence that certbench itself prints.

mod common;

use certbench_pki::KeyAlg;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("gen");
    group.bench_function("certbench set ecdsa-p256", |b| {
        b.iter(|| common::make_set(KeyAlg::EcdsaP256))
    });
    group.sample_size(10);
    group.bench_function("certbench set rsa2048", |b| {
        b.iter(|| common::make_set(KeyAlg::Rsa2048))
    });

    let script = common::openssl_script(KeyAlg::EcdsaP256);
    group.bench_function("openssl sequence ecdsa-p256", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |dir| common::run_openssl_script(&script, dir.path()),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
