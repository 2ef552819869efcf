#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The x509/ folder of PyPI's cryptography-vectors (NIST PKITS and hand-made edge cases): nothing
//! panics, every file is decoded or gets a clear error, and wherever openssl reads a certificate
//! our fields agree with it, each difference listed below with its reason.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{openssl_x509_view, ours_x509_view};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::require;
use serde_json::Value;

const VERSION: &str = "50.0.2";

/// Where .ci/run unpacks the vectors (or $CERTBENCH_VECTORS).
fn vectors_dir() -> PathBuf {
    let dir = std::env::var_os("CERTBENCH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/test-vectors/cryptography_vectors/x509")
        });
    assert!(
        dir.is_dir(),
        "this test needs the cryptography-vectors {VERSION} x509 folder at {}: run `bash .ci/run`, or\n  \
         python3 -m pip download --no-deps cryptography-vectors=={VERSION} -d target/test-vectors && \
         python3 -c \"import zipfile,glob; zipfile.ZipFile(glob.glob('target/test-vectors/*.whl')[0]).extractall('target/test-vectors')\"",
        dir.display()
    );
    dir
}

/// Differences from openssl that have a reason: (file, field) -> why.
const EXPLAINED: &[(&str, &str, &str)] = &[
    (
        "custom/malformed-san.pem",
        "subject_alt_names",
        "the otherName's value is malformed: openssl cannot parse the SAN and dumps its bytes",
    ),
    (
        "san_edipartyname.der",
        "subject_alt_names",
        "openssl cannot parse an EdiPartyName SAN and dumps the extension's bytes",
    ),
    (
        "custom/empty-eku.pem",
        "extended_key_usage",
        "an empty EKU SEQUENCE is invalid (SIZE 1..MAX): openssl dumps its bytes, we list no purpose",
    ),
    (
        "custom/two_basic_constraints.pem",
        "basic_constraints",
        "a duplicate extension: openssl prints both, we show the first and lint duplicate-extension",
    ),
    (
        "badasn1time.pem",
        "error",
        "x509-parser refuses a GeneralizedTime without the 'Z' that DER requires; openssl accepts it",
    ),
];

#[test]
fn every_vector_is_decoded_or_clearly_refused_and_agrees_with_openssl() {
    let dir = vectors_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .args(["inspect", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "certbench ended with {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let items: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();

    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else if !p.file_name().unwrap().to_string_lossy().starts_with('.') {
                files.push(p)
            }
        }
    }
    let sources: BTreeSet<String> = items
        .iter()
        .map(|i| i["source"].as_str().unwrap().to_string())
        .collect();
    assert!(files.len() > 1500, "{} files", files.len());
    assert_eq!(
        sources.len(),
        files.len(),
        "every file has at least one row"
    );
    for i in &items {
        match (i.get("kind"), i.get("error")) {
            (Some(_), None) => {}
            (None, Some(e)) => assert!(e.as_str().unwrap().len() > 10, "an unclear error: {i}"),
            _ => panic!("neither decoded nor an error: {i}"),
        }
    }

    // openssl's view of every file, on all cores (each run is mostly process start-up).
    let openssl = require("openssl", "openssl");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = files.len().div_ceil(threads);
    let views: Vec<Option<BTreeMap<String, String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|c| {
                s.spawn(|| {
                    c.iter()
                        .map(|f| openssl_x509_view(&openssl, f))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut found: Vec<(String, String, String)> = Vec::new();
    let mut compared = 0;
    for (file, theirs) in files.iter().zip(views) {
        let Some(theirs) = theirs else { continue };
        compared += 1;
        let rel = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let first = items
            .iter()
            .find(|i| i["source"].as_str() == Some(file.to_str().unwrap()))
            .unwrap();
        if let Some(e) = first.get("error") {
            found.push((rel, "error".into(), e.to_string()));
            continue;
        }
        let ours = ours_x509_view(first);
        let keys: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
        for k in keys {
            let (a, b) = (
                ours.get(k).cloned().unwrap_or_default(),
                theirs.get(k).cloned().unwrap_or_default(),
            );
            if a != b {
                found.push((rel.clone(), k.clone(), format!("ours {a:?}, openssl {b:?}")));
            }
        }
    }
    assert!(compared > 500, "openssl read only {compared} files");
    let dup = items
        .iter()
        .find(|i| {
            i["source"]
                .as_str()
                .is_some_and(|s| s.ends_with("custom/two_basic_constraints.pem"))
        })
        .unwrap();
    assert!(
        dup["lints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == "duplicate-extension"),
        "{dup}"
    );
    let mut unexplained = Vec::new();
    for (file, field, what) in &found {
        match EXPLAINED.iter().find(|(f, k, _)| f == file && k == field) {
            Some((_, _, why)) => println!("{file}: {field}: {what}\n    because {why}"),
            None => unexplained.push(format!("{file}: {field}: {what}")),
        }
    }
    let stale: Vec<_> = EXPLAINED
        .iter()
        .filter(|(f, k, _)| !found.iter().any(|(ff, kk, _)| ff == f && kk == k))
        .collect();
    println!(
        "{compared} certificates compared with openssl, {} differences, all explained",
        found.len()
    );
    assert!(
        unexplained.is_empty(),
        "differences from openssl without a reason:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "explained differences that no longer happen (remove them): {stale:?}"
    );
}
