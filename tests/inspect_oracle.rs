#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench inspect --json` against openssl, the oracle, on real-world certificates.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::require;
use serde_json::Value;

const MOZILLA: &str = "/usr/share/ca-certificates/mozilla";

/// What openssl says of one certificate, in the shape of our JSON.
#[derive(Debug, Default)]
struct OpensslView {
    fields: BTreeMap<&'static str, String>,
    extensions: BTreeMap<String, Vec<String>>,
}

fn openssl_view(path: &Path) -> OpensslView {
    let out = Command::new(require("openssl", "openssl"))
        .args([
            "x509",
            "-noout",
            "-nameopt",
            "RFC2253,-esc_msb",
            "-subject",
            "-issuer",
            "-serial",
            "-startdate",
            "-enddate",
            "-fingerprint",
            "-sha256",
            "-ext",
            "keyUsage,extendedKeyUsage,basicConstraints,subjectAltName",
            "-in",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut view = OpensslView::default();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("    ") {
            if let Some(ext) = &current {
                view.extensions
                    .entry(ext.clone())
                    .or_default()
                    .push(rest.trim().to_string());
            }
            continue;
        }
        current = None;
        for (prefix, key) in [
            ("subject=", "subject"),
            ("issuer=", "issuer"),
            ("serial=", "serial"),
            ("notBefore=", "not_before"),
            ("notAfter=", "not_after"),
            ("sha256 Fingerprint=", "sha256_fingerprint"),
        ] {
            if let Some(v) = line.strip_prefix(prefix) {
                view.fields.insert(key, v.to_string());
            }
        }
        if line.starts_with("X509v3 ") {
            let name = line
                .trim()
                .trim_end_matches(": critical")
                .trim_end_matches(':')
                .to_string();
            current = Some(name);
        }
    }
    view
}

/// openssl's "Jun 21 04:00:00 1999 GMT" as RFC 3339.
fn openssl_date(s: &str) -> String {
    let fmt = time::format_description::parse_borrowed::<2>(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT",
    )
    .unwrap();
    let t = time::PrimitiveDateTime::parse(s, &fmt)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .assume_utc();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn split_list(lines: Option<&Vec<String>>) -> Vec<String> {
    lines
        .map(|l| {
            l.join(", ")
                .split(", ")
                .map(str::to_string)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn inspect_json(paths: &[PathBuf]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("inspect")
        .arg("--json")
        .args(paths)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// Every difference between our JSON object and openssl's view, as readable lines.
fn differences(ours: &Value, theirs: &OpensslView) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut check = |what: &str, a: String, b: String| {
        if a != b {
            diffs.push(format!("{what}: ours {a:?}, openssl {b:?}"));
        }
    };
    let s = |k: &str| ours[k].as_str().unwrap_or_default().to_string();
    for key in ["subject", "issuer", "serial", "sha256_fingerprint"] {
        check(
            key,
            s(key),
            theirs.fields.get(key).cloned().unwrap_or_default(),
        );
    }
    for key in ["not_before", "not_after"] {
        check(
            key,
            s(key),
            openssl_date(
                theirs
                    .fields
                    .get(key)
                    .map(String::as_str)
                    .unwrap_or_default(),
            ),
        );
    }
    let list = |k: &str| -> Vec<String> {
        ours[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    check(
        "key_usage",
        list("key_usage").join("|"),
        split_list(theirs.extensions.get("X509v3 Key Usage")).join("|"),
    );
    check(
        "extended_key_usage",
        list("extended_key_usage").join("|"),
        split_list(theirs.extensions.get("X509v3 Extended Key Usage")).join("|"),
    );
    check(
        "subject_alt_names",
        list("subject_alt_names").join("|"),
        split_list(theirs.extensions.get("X509v3 Subject Alternative Name")).join("|"),
    );
    let bc = &ours["basic_constraints"];
    let ours_bc = if bc.is_null() {
        String::new()
    } else {
        let pl = bc["path_len"]
            .as_u64()
            .map(|p| format!(", pathlen:{p}"))
            .unwrap_or_default();
        format!(
            "CA:{}{pl}",
            if bc["ca"].as_bool().unwrap_or(false) {
                "TRUE"
            } else {
                "FALSE"
            }
        )
    };
    check(
        "basic_constraints",
        ours_bc,
        theirs
            .extensions
            .get("X509v3 Basic Constraints")
            .map(|l| l.join(", "))
            .unwrap_or_default(),
    );
    diffs
}

#[test]
fn inspect_agrees_with_openssl_on_every_mozilla_root() {
    let dir = Path::new(MOZILLA);
    assert!(
        dir.is_dir(),
        "this test needs {MOZILLA}: install it with `apt-get install ca-certificates`"
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 100,
        "only {} certificates in {MOZILLA}",
        files.len()
    );
    let ours = inspect_json(&files);
    assert_eq!(ours.len(), files.len(), "one object per file");
    let mut failures = Vec::new();
    for (file, obj) in files.iter().zip(&ours) {
        assert_eq!(obj["source"].as_str(), Some(file.to_str().unwrap()));
        if let Some(e) = obj.get("error") {
            failures.push(format!("{}: {e}", file.display()));
            continue;
        }
        for d in differences(obj, &openssl_view(file)) {
            failures.push(format!("{}: {d}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences from openssl:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_spki_pin_is_what_curl_pinnedpubkey_takes() {
    let dir = tempfile::tempdir().unwrap();
    common::certbench_ok(dir.path(), &["gen"]);
    let cert = dir.path().join("server.crt");
    let ours = inspect_json(std::slice::from_ref(&cert));
    // The pipeline curl's documentation gives for --pinnedpubkey sha256//...
    let script = format!(
        "openssl x509 -in {} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64",
        cert.display()
    );
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert_eq!(
        ours[0]["spki_sha256"].as_str().unwrap(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    let sha1 = Command::new(require("openssl", "openssl"))
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(
        format!(
            "sha1 Fingerprint={}",
            ours[0]["sha1_fingerprint"].as_str().unwrap()
        ),
        String::from_utf8_lossy(&sha1.stdout).trim()
    );
}

#[test]
fn bad_items_are_reported_and_the_rest_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::certbench_ok(d, &["gen"]);
    std::fs::write(
        d.join("junk.pem"),
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(d.join("junk.der"), [0x30, 0x82, 0x01]).unwrap();
    // 50 MB that is neither PEM nor DER, and a link to nowhere.
    std::fs::write(d.join("big.bin"), vec![0x5au8; 50 << 20]).unwrap();
    std::os::unix::fs::symlink(d.join("gone.crt"), d.join("dangling.crt")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .args(["inspect", "--json"])
        .arg(d.join("server-chain.crt"))
        .arg(d.join("junk.pem"))
        .arg(d.join("junk.der"))
        .arg(d.join("missing.crt"))
        .arg(d.join("big.bin"))
        .arg(d.join("dangling.crt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "non-zero when an item failed");
    let items: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[0]["kind"], "certificate");
    assert_eq!(items[1]["index"], 1);
    assert!(items[2]["error"].as_str().unwrap().contains("bad base64"));
    assert!(
        items[3]["error"]
            .as_str()
            .unwrap()
            .contains("not a valid certificate")
    );
    assert!(items[4]["error"].as_str().unwrap().contains("No such file"));
    assert!(
        items[5]["error"]
            .as_str()
            .unwrap()
            .contains("neither PEM nor DER"),
        "{}",
        items[5]
    );
    assert!(
        items[6]["error"]
            .as_str()
            .unwrap()
            .contains("cannot read it"),
        "{}",
        items[6]
    );
}

#[test]
fn hostile_names_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["ok.example".to_string()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "evil\u{1b}[31mred\u{202e}txt");
    let cert = params.self_signed(&key).unwrap();
    let path = dir.path().join("evil.crt");
    std::fs::write(&path, cert.pem()).unwrap();
    for args in [vec!["inspect"], vec!["inspect", "--json"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
            .args(&args)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.stdout.contains(&0x1b),
            "{args:?}: a raw ESC byte reached stdout"
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains('\u{202e}'),
            "{args:?}: a raw bidi override reached stdout"
        );
        // Shown escaped, as openssl escapes control characters in names: ESC as \1B.
        assert!(
            text.contains("1B[31mred") && text.contains("u{202e}txt"),
            "{args:?}: {text}"
        );
    }
}
