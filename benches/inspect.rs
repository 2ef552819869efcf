//! Inspecting 10,000 certificates: the 142 Mozilla roots repeated (real-world certificates, as
//! users open them) and a bundle of leaves the bench makes. `certbench inspect --json` against
//! `openssl storeutl -noout -text -certs` on the same file, whole processes side by side; the
//! Inspect pane's load and first frame, its peak memory, and one scroll step.
// A bench that cannot set up may as well stop.
#![allow(clippy::unwrap_used, clippy::panic)]

use certbench_tui as tui;

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};

const COUNT: usize = 10_000;

/// A PEM bundle of `COUNT` server certificates signed by one CA, with text between blocks.
fn make_bundle(path: &Path) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "bench CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "# bench CA\n{}", ca_cert.pem()).unwrap();
    for i in 1..COUNT {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(vec![format!("host{i}.bench.example")]).unwrap();
        p.distinguished_name = rcgen::DistinguishedName::new();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, format!("host{i}.bench.example"));
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = p.signed_by(&key, &issuer).unwrap();
        writeln!(out, "# host {i}\n{}", cert.pem()).unwrap();
    }
}

fn bundle() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bundle-{COUNT}.pem"));
    if !path.exists() {
        make_bundle(&path);
    }
    path
}

fn inspect_json(path: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .args(["inspect", "--json"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn storeutl(path: &Path) {
    let status = Command::new("openssl")
        .args(["storeutl", "-noout", "-text", "-certs"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn bench(c: &mut Criterion) {
    let mozilla = common::mozilla_bundle(COUNT);
    let path = bundle();
    let mut group = c.benchmark_group("inspect 10k");
    group.sample_size(10);
    for (name, file) in [("mozilla roots", &mozilla), ("made leaves", &path)] {
        group.bench_function(format!("certbench inspect --json ({name})"), |b| {
            b.iter(|| inspect_json(file))
        });
        group.bench_function(
            format!("openssl storeutl -noout -text -certs ({name})"),
            |b| b.iter(|| storeutl(file)),
        );
        let r = common::side_by_side(10, || inspect_json(file), || storeutl(file));
        println!(
            "{name}, 10,000 certificates, whole process, medians of 10 in turn: certbench inspect --json {}, openssl storeutl {}: {:.3}x",
            common::ms(r.a),
            common::ms(r.b),
            r.ratio()
        );
    }
    let sources = tui::Sources {
        dir: PathBuf::from("/nonexistent/certbench-bench"),
        open: vec![path.clone()],
        system: false,
        relay: None,
    };
    group.bench_function("pane: load and first frame (120x40)", |b| {
        b.iter(|| tui::OffscreenInspect::load(&sources, (120, 40)).unwrap())
    });
    let before = Instant::now();
    let mut pane = tui::OffscreenInspect::load(&sources, (120, 40)).unwrap();
    println!(
        "pane: {} items loaded and drawn in {:.0} ms; peak memory {:.0} MB",
        pane.items(),
        before.elapsed().as_secs_f64() * 1000.0,
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    group.bench_function("pane: one scroll step (120x40)", |b| {
        b.iter(|| pane.scroll_step().unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
