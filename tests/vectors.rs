#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The x509/ folder of PyPI's cryptography-vectors (NIST PKITS and hand-made edge cases): nothing
//! panics, every file is decoded or gets a clear error, and wherever openssl reads a certificate
//! our fields agree with it, each difference listed below with its reason.
//!
//! openssl's view of the 1,774 files is kept in tests/data/openssl-x509-vectors.json, keyed by the
//! openssl and vectors versions: starting openssl once per file took most of the test suite's
//! time. Every run checks the kept view against the openssl on the machine on a random sample of
//! files; with another openssl version the view is made again (and kept under target/).
//! `CERTBENCH_VECTORS_CACHE=refresh` makes the kept file again.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{openssl_x509_text, ours_x509_view, parse_openssl_x509_text};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::require;
use serde_json::Value;

const VERSION: &str = "50.0.2";
/// How many files each run checks the kept view against openssl on.
const SAMPLE: usize = 40;

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
        "utf8-dnsname.pem",
        "subject_alt_names",
        "a dNSName is IA5 (ASCII): UTF-8 bytes in it are shown escaped (\\xC3\\xAD) and said to be wrong; openssl prints them raw",
    ),
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
        "not_after",
        "notAfter is a UTCTime of 14 digits (19020701025736Z), a length UTCTime does not have: openssl prints \"Bad time value\"; certbench reads it as the GeneralizedTime it looks like, marks the field and lints malformed-time (tests/inspect_oracle.rs)",
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
        match (i.get("kind"), i.get("error"), i.get("passed_over")) {
            (Some(_), None, None) => {}
            (None, Some(e), None) => {
                assert!(e.as_str().unwrap().len() > 10, "an unclear error: {i}")
            }
            // A file of the folder with nothing to read (a ReadMe): passed over, and said why.
            (None, None, Some(why)) => {
                assert!(why.as_str().unwrap().len() > 10, "an unclear reason: {i}")
            }
            _ => panic!("neither decoded, nor an error, nor passed over: {i}"),
        }
    }

    let openssl = require("openssl", "openssl");
    files.sort();
    let texts = openssl_texts(&openssl, &dir, &files);
    let views: Vec<Option<BTreeMap<String, String>>> = files
        .iter()
        .map(|f| {
            texts[&relative(&dir, f)]
                .as_deref()
                .map(parse_openssl_x509_text)
        })
        .collect();
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

fn relative(dir: &Path, file: &Path) -> String {
    file.strip_prefix(dir)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// What `openssl version` says: the key of the kept view.
fn openssl_version(openssl: &str) -> String {
    let out = Command::new(openssl).arg("version").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// openssl's output for each file (by path relative to the vectors folder; `None` where openssl
/// does not read a certificate): from the kept view when it was made by this openssl version,
/// checked on a sample; else from openssl itself, on all cores, kept for the next run.
fn openssl_texts(openssl: &str, dir: &Path, files: &[PathBuf]) -> BTreeMap<String, Option<String>> {
    let kept_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/openssl-x509-vectors.json");
    let version = openssl_version(openssl);
    let local_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "target/test-vectors/openssl-x509-vectors-{}.json",
        version
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            })
            .collect::<String>()
    ));
    let refresh = std::env::var("CERTBENCH_VECTORS_CACHE").as_deref() == Ok("refresh");
    let names: Vec<String> = files.iter().map(|f| relative(dir, f)).collect();
    for path in [&kept_path, &local_path] {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let kept: Value = serde_json::from_str(&text).unwrap();
        if refresh || kept["openssl"] != version.as_str() || kept["vectors"] != VERSION {
            continue;
        }
        let texts: BTreeMap<String, Option<String>> =
            serde_json::from_value(kept["outputs"].clone()).unwrap();
        let listed: Vec<&String> = texts.keys().collect();
        let mut sorted_names: Vec<&String> = names.iter().collect();
        sorted_names.sort();
        assert_eq!(
            listed,
            sorted_names,
            "{} lists other files than the vectors folder holds; make it again with CERTBENCH_VECTORS_CACHE=refresh",
            path.display()
        );
        // The kept view is only as good as its match with the real openssl: a sample of files
        // each run, a different one each time; the seed is printed, and CERTBENCH_VECTORS_SEED=N
        // repeats a run.
        let seed = std::env::var("CERTBENCH_VECTORS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        println!("checking the kept openssl view on {SAMPLE} files (seed {seed})");
        let mut state = seed | 1;
        for _ in 0..SAMPLE {
            // xorshift64: a sample, not cryptography.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let name = &names[(state % names.len() as u64) as usize];
            let live = openssl_x509_text(openssl, &dir.join(name));
            assert_eq!(
                &live,
                &texts[name],
                "{} disagrees with {version} on {name}; make it again with CERTBENCH_VECTORS_CACHE=refresh",
                path.display()
            );
        }
        return texts;
    }
    // Made now: openssl once per file on all cores (each run is mostly process start-up).
    println!(
        "asking {version} about {} files (kept for the next run)",
        files.len()
    );
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = files.len().div_ceil(threads);
    let outputs: Vec<Option<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|c| {
                s.spawn(|| {
                    c.iter()
                        .map(|f| openssl_x509_text(openssl, f))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let texts: BTreeMap<String, Option<String>> = names.into_iter().zip(outputs).collect();
    let kept = serde_json::json!({
        "openssl": version,
        "vectors": VERSION,
        "outputs": texts,
    });
    let target = if refresh { &kept_path } else { &local_path };
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(target, serde_json::to_string_pretty(&kept).unwrap() + "\n").unwrap();
    texts
}
