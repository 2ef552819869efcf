#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench inspect --json` against openssl, the oracle, on real-world certificates.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    certbench_ok, issue, openssl, openssl_ok, openssl_x509_view, ours_x509_view, require, text,
};
use serde_json::Value;

const MOZILLA: &str = "/usr/share/ca-certificates/mozilla";

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
    let openssl = require("openssl", "openssl");
    let mut failures = Vec::new();
    for (file, obj) in files.iter().zip(&ours) {
        assert_eq!(obj["source"].as_str(), Some(file.to_str().unwrap()));
        if let Some(e) = obj.get("error") {
            failures.push(format!("{}: {e}", file.display()));
            continue;
        }
        let theirs = openssl_x509_view(&openssl, file).expect("openssl reads every Mozilla root");
        let ours = ours_x509_view(obj);
        if ours != theirs {
            failures.push(format!(
                "{}:\n  ours    {ours:?}\n  openssl {theirs:?}",
                file.display()
            ));
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
    agrees_with_openssl(
        &path,
        &[("subject", TERMINAL_ESCAPES), ("issuer", TERMINAL_ESCAPES)],
    );
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
        // Shown escaped as RFC 4514 hex pairs of the UTF-8 bytes, as openssl's RFC 2253 output
        // writes them: ESC as \1B, the right-to-left override as \E2\80\AE.
        // In JSON a backslash is itself escaped: one escape, written as JSON writes it.
        let want = if args.contains(&"--json") {
            ["\\\\1B[31mred", "\\\\E2\\\\80\\\\AEtxt"]
        } else {
            ["\\1B[31mred", "\\E2\\80\\AEtxt"]
        };
        assert!(
            text.contains(want[0]) && text.contains(want[1]),
            "{args:?}: {text}"
        );
    }
}

/// The lint ids of each item, in order.
fn lint_ids(items: &[Value]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|i| {
            i["lints"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|x| x["id"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Names with characters a terminal acts on: certbench escapes those (as `-nameopt RFC2253`
/// does), other UTF-8 it shows as is (as `-nameopt RFC2253,-esc_msb`, the view compared, does).
const TERMINAL_ESCAPES: &str = "C1 controls and bidi overrides escaped as RFC 4514 hex pairs (openssl -nameopt RFC2253 agrees); the view compared uses -esc_msb, which prints them raw";

/// `inspect --json` agrees with openssl on every field both show of the certificate at `path`
/// (subject, issuer, serial, validity, fingerprint, SANs, key usage, EKU, basic constraints),
/// except the fields in `known`, each with the reason it differs (and each must differ).
fn agrees_with_openssl(path: &Path, known: &[(&str, &str)]) {
    let openssl = require("openssl", "openssl");
    let theirs = openssl_x509_view(&openssl, path).expect("openssl reads it");
    let ours = ours_x509_view(&inspect_json(&[path.to_path_buf()])[0]);
    let fields: std::collections::BTreeSet<&String> = theirs.keys().chain(ours.keys()).collect();
    let mut differ = Vec::new();
    for f in fields {
        if theirs.get(f) != ours.get(f) {
            differ.push(f.as_str());
            if !known.iter().any(|(k, _)| k == f) {
                panic!(
                    "{}: {f} differs from openssl's and is not a known difference:\n  openssl:   {:?}\n  certbench: {:?}",
                    path.display(),
                    theirs.get(f),
                    ours.get(f)
                );
            }
        }
    }
    for (k, why) in known {
        assert!(
            differ.contains(k),
            "{}: {k} is listed as differing ({why}) but agrees",
            path.display()
        );
    }
}

/// Issuers by key: a CA's issuer is the CA whose key signed it, so a look-alike is not taken for
/// it and the verdict on a leaf does not depend on the order of the files.
/// Two workspaces side by side: each set's CAs carry its id in their names (openssl reads two
/// different subjects), the manifest records it, and neither set's certificates are taken for
/// the other's.
#[test]
fn two_workspaces_cas_have_names_of_their_own() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let made = certbench_ok(a.path(), &["gen"]);
    certbench_ok(b.path(), &["gen"]);
    let subject = |d: &Path, f: &str| {
        openssl_ok(
            d,
            &[
                "x509", "-in", f, "-noout", "-subject", "-nameopt", "RFC2253",
            ],
        )
    };
    for f in ["ca.crt", "intermediate.crt"] {
        assert_ne!(subject(a.path(), f), subject(b.path(), f), "{f}");
    }
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(a.path().join("certbench.toml")).unwrap()).unwrap();
    let id = manifest["set_id"].as_str().unwrap();
    assert_eq!(id.len(), 6, "{id}");
    assert_eq!(
        subject(a.path(), "ca.crt").trim(),
        format!("subject=CN=certbench Root CA {id},O=certbench")
    );
    assert!(made.contains(&format!("set id {id}")), "{made}");
    // Both sets read together: every certificate finds its own issuer (no AKI lint), and a
    // client of one set does not verify under the other's root, for openssl as for certbench.
    let all = inspect_json(&[a.path().to_path_buf(), b.path().to_path_buf()]);
    assert!(all.len() >= 8, "{all:?}");
    for (item, ids) in all.iter().zip(lint_ids(&all)) {
        assert!(!ids.iter().any(|i| i.starts_with("aki")), "{item}");
    }
    let ca_b = b.path().join("ca.crt");
    let crossed = common::certbench(
        a.path(),
        &[
            "verify",
            "client.crt",
            "--ca",
            ca_b.to_str().unwrap(),
            "--untrusted",
            "intermediate.crt",
        ],
    );
    assert!(!crossed.status.success(), "{}", text(&crossed));
    let theirs = openssl(
        a.path(),
        &[
            "verify",
            "-CAfile",
            ca_b.to_str().unwrap(),
            "-untrusted",
            "intermediate.crt",
            "client.crt",
        ],
    );
    assert!(!theirs.status.success());
}

#[test]
fn issuers_are_found_by_key_not_by_name_nor_order() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    certbench_ok(a.path(), &["gen"]);
    certbench_ok(b.path(), &["gen"]);
    // In b, an intermediate given a's intermediate's name, with its own key.
    let name = common::workspace_cn(a.path(), "intermediate");
    issue(b.path(), "intermediate", "lookalike", &["--cn", &name]);
    let leaf = a.path().join("server.crt");
    let (ours, theirs) = (
        a.path().join("intermediate.crt"),
        b.path().join("lookalike.crt"),
    );
    let one = inspect_json(&[leaf.clone(), theirs.clone(), ours.clone()]);
    let other = inspect_json(&[leaf.clone(), ours.clone(), theirs.clone()]);
    assert_eq!(lint_ids(&one)[0], lint_ids(&other)[0]);
    assert!(lint_ids(&one)[0].is_empty(), "{one:?}");
    // With only the lookalike (same name, another key): flagged, whatever the order, and said
    // why.
    let alone = inspect_json(&[leaf.clone(), theirs.clone()]);
    let reversed = inspect_json(&[theirs, leaf]);
    assert_eq!(lint_ids(&alone)[0], ["aki-mismatch"]);
    assert_eq!(lint_ids(&reversed)[1], ["aki-mismatch"]);
}

/// RFC 5280 4.1.2.5: the validity period runs from notBefore through notAfter, inclusive, so a
/// certificate whose notAfter is 398 days after its notBefore is valid for 398 days and a second.
#[test]
fn the_398_day_rule_counts_both_ends() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    for (days, flagged) in [("398", true), ("397", false)] {
        let name = format!("s{days}");
        issue(d, "server", &name, &["--san", "localhost", "--days", days]);
        // openssl reads notAfter - notBefore as `days` whole days: a period of days + 1 s.
        let dates = openssl_ok(
            d,
            &[
                "x509",
                "-noout",
                "-startdate",
                "-enddate",
                "-dateopt",
                "iso_8601",
                "-in",
                &format!("{name}.crt"),
            ],
        );
        let date = |key: &str| {
            let line = dates.lines().find_map(|l| l.strip_prefix(key)).unwrap();
            time::OffsetDateTime::parse(
                &line.replace(' ', "T"),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap_or_else(|e| panic!("{line}: {e}"))
        };
        assert_eq!(
            date("notAfter=") - date("notBefore="),
            time::Duration::days(days.parse().unwrap())
        );
        let items = inspect_json(&[d.join(format!("{name}.crt"))]);
        let ids = &lint_ids(&items)[0];
        assert_eq!(
            ids.iter().any(|i| i == "server-validity-over-398-days"),
            flagged,
            "--days {days}: {ids:?}"
        );
    }
}

/// The role lints test what a certificate is for, not what it claims: a workspace server issued
/// with clientAuth only is a server without serverAuth (the manifest says it is a server), and a
/// file from elsewhere is checked for the purpose the user names. openssl agrees each is unfit.
#[test]
fn role_lints_check_what_a_certificate_is_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "server",
        "web",
        &["--san", "localhost", "--eku", "clientAuth"],
    );
    let ids = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
            .arg("--dir")
            .arg(d)
            .args(["inspect", "--json"])
            .args(args)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        lint_ids(v.as_array().unwrap())[0].clone()
    };
    let web = d.join("web.crt");
    assert!(ids(&[web.to_str().unwrap()]).contains(&"server-without-server-auth".to_string()));
    // Away from its workspace, it claims to be a client and is linted as one...
    let other = tempfile::tempdir().unwrap();
    let copy = other.path().join("web.crt");
    std::fs::copy(&web, &copy).unwrap();
    let away = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
            .arg("--dir")
            .arg(other.path())
            .args(["inspect", "--json"])
            .args(args)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        lint_ids(v.as_array().unwrap())[0].clone()
    };
    assert!(!away(&[copy.to_str().unwrap()]).contains(&"server-without-server-auth".to_string()));
    // ...unless the user says what it is for.
    assert!(
        away(&["--purpose", "server", copy.to_str().unwrap()])
            .contains(&"server-without-server-auth".to_string())
    );
    // A CA named as a server's certificate.
    let ca = d.join("ca.crt");
    assert!(
        ids(&["--purpose", "server", ca.to_str().unwrap()]).contains(&"leaf-is-ca".to_string())
    );
    for cert in ["web.crt", "ca.crt"] {
        let out = openssl(
            d,
            &[
                "verify",
                "-purpose",
                "sslserver",
                "-CAfile",
                "ca.crt",
                "-untrusted",
                "intermediate.crt",
                cert,
            ],
        );
        assert!(
            text(&out).contains("unsuitable certificate purpose"),
            "openssl on {cert} for a server: {}",
            text(&out)
        );
    }
}

/// The subject as `openssl x509 -nameopt RFC2253` writes it (`input`: `-in FILE`, and `-inform DER`
/// for DER).
fn rfc2253_subject(d: &Path, input: &[&str]) -> String {
    let args = [
        &["x509", "-noout", "-subject", "-nameopt", "RFC2253"][..],
        input,
    ]
    .concat();
    openssl_ok(d, &args)
        .trim()
        .strip_prefix("subject=")
        .unwrap_or_else(|| panic!("openssl printed no subject"))
        .to_string()
}

/// The value openssl prints under an extension's heading in `-text` (the line after it).
fn openssl_text_value(text: &str, heading: &str) -> String {
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.trim_start().starts_with(heading) {
            return lines.next().unwrap_or_default().trim().to_string();
        }
    }
    panic!("openssl printed no {heading}:\n{text}")
}

/// A CSR's requested extensions are shown as openssl shows them; well-known EKU and otherName
/// OIDs are named as openssl names them. Both made by openssl.
#[test]
fn csr_requests_and_named_oids_read_as_openssl_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| openssl_ok(d, args);
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "k.pem",
    ];
    run(&[
        &["req", "-new"][..],
        &key,
        &[
            "-out",
            "svc.csr",
            "-subj",
            "/CN=svc.local",
            "-addext",
            "subjectAltName=DNS:svc.local,IP:10.0.0.1",
            "-addext",
            "extendedKeyUsage=serverAuth,clientAuth",
            "-addext",
            "keyUsage=digitalSignature,keyEncipherment",
        ],
    ]
    .concat());
    let theirs = run(&["req", "-in", "svc.csr", "-noout", "-text"]);
    let ours = &inspect_json(&[d.join("svc.csr")])[0];
    let joined = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert_eq!(
        joined(&ours["subject_alt_names"]),
        openssl_text_value(&theirs, "X509v3 Subject Alternative Name")
    );
    assert_eq!(
        joined(&ours["extended_key_usage"]),
        openssl_text_value(&theirs, "X509v3 Extended Key Usage")
    );
    assert_eq!(
        joined(&ours["key_usage"]),
        openssl_text_value(&theirs, "X509v3 Key Usage")
    );
    // Kerberos, CT and SSH purposes, a UPN and an SmtpUTF8Mailbox name.
    run(&[
        &["req", "-x509", "-days", "1"][..],
        &key,
        &[
            "-out", "eku.pem", "-subj", "/CN=eku",
            "-addext", "extendedKeyUsage=1.3.6.1.5.2.3.5,1.3.6.1.5.2.3.4,1.3.6.1.4.1.11129.2.4.4,1.3.6.1.5.5.7.3.21,1.3.6.1.5.5.7.3.22,1.3.6.1.5.5.7.3.30",
            "-addext", "subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;UTF8:u@example.com,otherName:1.3.6.1.5.5.7.8.9;UTF8:m@example.com",
        ],
    ]
    .concat());
    let theirs = run(&["x509", "-in", "eku.pem", "-noout", "-text"]);
    agrees_with_openssl(&d.join("eku.pem"), &[]);
    let ours = &inspect_json(&[d.join("eku.pem")])[0];
    assert_eq!(
        joined(&ours["extended_key_usage"]),
        openssl_text_value(&theirs, "X509v3 Extended Key Usage")
    );
    assert_eq!(
        joined(&ours["subject_alt_names"]),
        openssl_text_value(&theirs, "X509v3 Subject Alternative Name")
    );
}

/// Hostile characters in a name (C0, C1, a right-to-left override) are written as RFC 4514 hex
/// pairs of their UTF-8 bytes, as `openssl x509 -nameopt RFC2253` writes them; a name longer than
/// a screen is whole in JSON.
#[test]
fn names_escape_hostile_characters_as_rfc4514_and_json_keeps_them_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let make = |file: &str, subject: &str| {
        openssl_ok(
            d,
            &[
                "req",
                "-x509",
                "-utf8",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "k.pem",
                "-days",
                "1",
                "-out",
                file,
                "-subj",
                subject,
            ],
        );
        rfc2253_subject(d, &["-in", file])
    };
    let theirs = make("hostile.pem", "/CN=a\u{80}b\u{202e}c\u{1b}d");
    let ours = &inspect_json(&[d.join("hostile.pem")])[0];
    assert_eq!(ours["subject"], theirs.as_str());
    agrees_with_openssl(
        &d.join("hostile.pem"),
        &[("subject", TERMINAL_ESCAPES), ("issuer", TERMINAL_ESCAPES)],
    );
    // 300 OU attributes of 20 characters: over 7,000 characters, whole in JSON.
    let long: String = (0..300)
        .map(|i| format!("/OU=unit-{i:05}-abcdefghij"))
        .collect();
    let theirs = make("long.pem", &format!("/CN=long{long}"));
    assert!(theirs.len() > 7000, "{}", theirs.len());
    let ours = &inspect_json(&[d.join("long.pem")])[0];
    assert_eq!(ours["subject"], theirs.as_str());
    agrees_with_openssl(&d.join("long.pem"), &[]);
}

/// A CA whose pathLenConstraint is negative (openssl makes one when asked) stays a CA: its
/// basicConstraints read as openssl reads them, no leaf lint fires, and the invalid value is said.
#[test]
fn a_negative_pathlen_keeps_the_ca_a_ca() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_ok(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "k.pem",
            "-days",
            "30",
            "-out",
            "neg.pem",
            "-subj",
            "/CN=neg CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE,pathlen:-1",
        ],
    );
    let text = openssl_ok(d, &["x509", "-in", "neg.pem", "-noout", "-text"]);
    assert_eq!(
        openssl_text_value(&text, "X509v3 Basic Constraints"),
        "CA:TRUE, pathlen:-1"
    );
    let ours = &inspect_json(&[d.join("neg.pem")])[0];
    assert_eq!(
        ours["basic_constraints"],
        serde_json::json!({"ca": true, "path_len": -1})
    );
    agrees_with_openssl(&d.join("neg.pem"), &[]);
    let ids = &lint_ids(std::slice::from_ref(ours))[0];
    assert!(ids.contains(&"negative-pathlen".to_string()), "{ids:?}");
    assert!(!ids.iter().any(|i| i.starts_with("leaf")), "{ids:?}");
}

/// DER, made by hand: a tag and its content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = vec![tag];
    match n {
        0..=127 => out.push(n as u8),
        128..=255 => out.extend([0x81, n as u8]),
        _ => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// What a certificate made byte by byte holds.
struct Parts<'a> {
    issuer: Vec<u8>,
    validity: [Vec<u8>; 2],
    subject: Vec<u8>,
    key: &'a rcgen::KeyPair,
    /// The DER of the extensions' SEQUENCE.
    extensions: Option<Vec<u8>>,
    /// The key that signs it (ECDSA P-256); without one the signature is a stand-in that does
    /// not verify.
    signer: Option<&'a rcgen::KeyPair>,
}

const ECDSA_SHA256: [u8; 8] = [0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 2];

/// A name of one CN, as DER.
fn cn_name(cn: &str) -> Vec<u8> {
    let atv = tlv(
        0x30,
        &[tlv(0x06, &[0x55, 4, 3]), tlv(0x0c, cn.as_bytes())].concat(),
    );
    tlv(0x30, &tlv(0x31, &atv))
}

fn assemble(p: Parts<'_>) -> Vec<u8> {
    use rcgen::SigningKey;
    let alg = tlv(0x30, &tlv(0x06, &ECDSA_SHA256));
    let mut parts = vec![
        tlv(0xa0, &tlv(0x02, &[2])),
        tlv(0x02, &[1]),
        alg.clone(),
        p.issuer,
        tlv(0x30, &p.validity.concat()),
        p.subject,
        rcgen::PublicKeyData::subject_public_key_info(p.key),
    ];
    if let Some(e) = p.extensions {
        parts.push(tlv(0xa3, &e));
    }
    let tbs = tlv(0x30, &parts.concat());
    let value = match p.signer {
        Some(k) => k.sign(&tbs).unwrap(),
        None => tlv(0x30, &[tlv(0x02, &[1]), tlv(0x02, &[1])].concat()),
    };
    let signature = tlv(0x03, &[&[0][..], &value].concat());
    tlv(0x30, &[tbs, alg, signature].concat())
}

/// A certificate made byte by byte, with `subject` and, optionally, the DER of its extensions'
/// SEQUENCE. Its signature does not verify: only what it says is read.
fn hand_made_certificate(subject: Vec<u8>, extensions: Option<Vec<u8>>) -> Vec<u8> {
    let key = rcgen::KeyPair::generate().unwrap();
    assemble(Parts {
        issuer: cn_name("issuer"),
        validity: [tlv(0x17, b"250101000000Z"), tlv(0x17, b"350101000000Z")],
        subject,
        key: &key,
        extensions,
        signer: None,
    })
}

/// A GeneralizedTime without its 'Z' (RFC 5280 requires it): openssl reads the certificate and
/// calls the time a "Bad time value"; certbench reads the certificate too, shows the digits as
/// encoded, lints it, and its verify refuses it as openssl does, while the signature over the
/// certificate's own bytes still verifies.
#[test]
fn a_time_without_zone_is_read_shown_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    // basicConstraints CA:TRUE, critical.
    let ca_ext = tlv(
        0x30,
        &tlv(
            0x30,
            &[
                tlv(0x06, &[0x55, 29, 19]),
                tlv(0x01, &[0xff]),
                tlv(0x04, &tlv(0x30, &tlv(0x01, &[0xff]))),
            ]
            .concat(),
        ),
    );
    let ca = assemble(Parts {
        issuer: cn_name("zone CA"),
        validity: [tlv(0x17, b"250101000000Z"), tlv(0x18, b"20991231235959Z")],
        subject: cn_name("zone CA"),
        key: &ca_key,
        extensions: Some(ca_ext),
        signer: Some(&ca_key),
    });
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = assemble(Parts {
        issuer: cn_name("zone CA"),
        validity: [tlv(0x17, b"250101000000Z"), tlv(0x18, b"20991231235959")],
        subject: cn_name("zoneless"),
        key: &leaf_key,
        extensions: None,
        signer: Some(&ca_key),
    });
    std::fs::write(d.join("ca.der"), &ca).unwrap();
    std::fs::write(d.join("zoneless.der"), &leaf).unwrap();
    for name in ["ca", "zoneless"] {
        openssl_ok(
            d,
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.der"),
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }
    let theirs = openssl_ok(
        d,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "zoneless.der",
            "-noout",
            "-subject",
            "-startdate",
            "-enddate",
        ],
    );
    assert!(theirs.contains("notAfter=Bad time value"), "{theirs}");
    assert!(
        theirs.contains("notBefore=Jan  1 00:00:00 2025 GMT"),
        "{theirs}"
    );
    let refused = openssl(d, &["verify", "-CAfile", "ca.pem", "zoneless.pem"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("format error in certificate's notAfter field"));

    let ours = &inspect_json(&[d.join("zoneless.der")])[0];
    assert_eq!(ours["subject"], "CN=zoneless");
    assert_eq!(ours["not_before"], "2025-01-01T00:00:00Z");
    assert_eq!(
        ours["times_without_zone"],
        serde_json::json!([{"field": "not_after", "encoded": "20991231235959"}])
    );
    assert!(lint_ids(std::slice::from_ref(ours))[0].contains(&"time-without-zone".to_string()));
    agrees_with_openssl(
        &d.join("zoneless.der"),
        &[(
            "not_after",
            "no zone: openssl prints \"Bad time value\", certbench the digits read as UTC (and says so)",
        )],
    );
    let shown = certbench_ok(d, &["inspect", "zoneless.der"]);
    assert!(
        shown.contains("Not after          20991231235959 (no time zone"),
        "{shown}"
    );

    let out = common::certbench(
        d,
        &[
            "verify",
            "zoneless.der",
            "--ca",
            "ca.pem",
            "--purpose",
            "client",
            "--json",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let checks = &v["links"][0]["checks"];
    let check = |field: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == field)
            .unwrap_or_else(|| panic!("no {field} check in {checks}"))
            .clone()
    };
    assert_eq!(check("validity")["ok"], false);
    assert_eq!(check("validity")["finding"]["code"], "time_without_zone");
    // The CA's key signed the certificate's own bytes: the signature holds.
    assert_eq!(check("signature")["ok"], true, "{checks}");
    // Read together with its CA, the CA is its issuer: no issuer lint.
    let both = inspect_json(&[d.join("ca.der"), d.join("zoneless.der")]);
    assert!(
        !lint_ids(&both)[1].iter().any(|l| l.starts_with("aki")),
        "{:?}",
        lint_ids(&both)
    );
}

/// A dNSName whose bytes IA5 does not allow keeps its value, escaped, and says what is wrong.
#[test]
fn a_dns_name_that_is_not_ia5_keeps_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let name = b"b\xc3\xbccher.example";
    let san = tlv(0x30, &tlv(0x82, name));
    let ext = tlv(
        0x30,
        &[tlv(0x06, &[0x55, 29, 17]), tlv(0x04, &san)].concat(),
    );
    let cn = tlv(
        0x30,
        &[tlv(0x06, &[0x55, 4, 3]), tlv(0x0c, b"ia5")].concat(),
    );
    let cert = hand_made_certificate(tlv(0x30, &tlv(0x31, &cn)), Some(tlv(0x30, &ext)));
    let path = dir.path().join("not-ia5.der");
    std::fs::write(&path, &cert).unwrap();
    // openssl prints the name's bytes as they are.
    let out = openssl(
        dir.path(),
        &[
            "x509",
            "-inform",
            "DER",
            "-noout",
            "-ext",
            "subjectAltName",
            "-in",
            "not-ia5.der",
        ],
    );
    assert!(
        out.stdout.windows(name.len()).any(|w| w == name),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let ours = &inspect_json(std::slice::from_ref(&path))[0]["subject_alt_names"][0];
    assert_eq!(
        ours,
        "DNS:b\\xC3\\xBCcher.example (not IA5: byte 1 is over 0x7F)"
    );
    agrees_with_openssl(
        &path,
        &[(
            "subject_alt_names",
            "bytes IA5 does not allow: shown escaped and said to be wrong; openssl prints them raw",
        )],
    );
    // Bytes that are not even UTF-8: the same.
    let san = tlv(0x30, &tlv(0x82, b"b\xffx.example"));
    let ext = tlv(
        0x30,
        &[tlv(0x06, &[0x55, 29, 17]), tlv(0x04, &san)].concat(),
    );
    let cn = tlv(
        0x30,
        &[tlv(0x06, &[0x55, 4, 3]), tlv(0x0c, b"ia5")].concat(),
    );
    let cert = hand_made_certificate(tlv(0x30, &tlv(0x31, &cn)), Some(tlv(0x30, &ext)));
    let path = dir.path().join("not-utf8.der");
    std::fs::write(&path, &cert).unwrap();
    let ours = &inspect_json(&[path])[0]["subject_alt_names"][0];
    assert_eq!(ours, "DNS:b\\xFFx.example (not IA5: byte 1 is over 0x7F)");
}

/// An RDN with no attribute (an empty SET, which X.501 forbids but openssl reads past) does not
/// hide the attributes after it: the subject reads as openssl's RFC 2253 form.
#[test]
fn an_empty_rdn_does_not_hide_what_follows() {
    let dir = tempfile::tempdir().unwrap();
    let atv = |oid: &[u8], v: &str| tlv(0x30, &[tlv(0x06, oid), tlv(0x0c, v.as_bytes())].concat());
    let (cn, o, ou) = ([0x55, 4, 3], [0x55, 4, 10], [0x55, 4, 11]);
    let subject = tlv(
        0x30,
        &[
            tlv(0x31, &atv(&o, "org")),
            tlv(0x31, &[]),
            tlv(0x31, &atv(&ou, "unit")),
            tlv(0x31, &atv(&cn, "after-empty")),
        ]
        .concat(),
    );
    let cert = hand_made_certificate(subject, None);
    let path = dir.path().join("empty-rdn.der");
    std::fs::write(&path, &cert).unwrap();
    let theirs = rfc2253_subject(dir.path(), &["-inform", "DER", "-in", "empty-rdn.der"]);
    assert_eq!(theirs, "CN=after-empty,OU=unit,O=org");
    assert_eq!(
        inspect_json(std::slice::from_ref(&path))[0]["subject"],
        theirs.as_str()
    );
    agrees_with_openssl(&path, &[]);
}

/// Issue 21: a UTCTime written with a four-digit year (14 digits, as a GeneralizedTime would be):
/// openssl reads the certificate and calls the time a "Bad time value"; certbench reads the
/// certificate too instead of refusing the file, shows the digits as encoded with the field
/// marked, lints it, and its verify refuses it as openssl does.
#[test]
fn a_utc_time_with_a_four_digit_year_is_read_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = assemble(Parts {
        issuer: cn_name("fourdigit"),
        validity: [tlv(0x17, b"20250101000000Z"), tlv(0x18, b"20991231235959Z")],
        subject: cn_name("fourdigit"),
        key: &key,
        extensions: None,
        signer: Some(&key),
    });
    std::fs::write(d.join("four.der"), &cert).unwrap();
    let theirs = openssl_ok(
        d,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "four.der",
            "-noout",
            "-subject",
            "-startdate",
        ],
    );
    assert!(theirs.contains("subject=CN = fourdigit"), "{theirs}");
    assert!(theirs.contains("notBefore=Bad time value"), "{theirs}");

    let out = common::certbench(d, &["inspect", "four.der"]);
    let shown = text(&out);
    assert!(shown.contains("CN=fourdigit"), "read, not refused: {shown}");
    let line = shown.lines().find(|l| l.contains("Not before")).unwrap();
    assert!(
        line.contains("20250101000000Z") && line.contains("UTCTime"),
        "{line}"
    );
    let ours = &inspect_json(&[d.join("four.der")])[0];
    assert!(
        lint_ids(std::slice::from_ref(ours))[0].contains(&"malformed-time".to_string()),
        "{ours}"
    );
    let out = common::certbench(d, &["verify", "four.der", "--ca", "four.der", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false, "{v}");
}
