#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench verify` against `openssl verify` on the same inputs: the verdicts agree, and ours
//! names the link and field that fail.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn ours(d: &Path, args: &[&str]) -> (bool, Value) {
    let out = certbench(d, &[&["verify", "--json"], args].concat());
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(
        out.status.success(),
        v["ok"].as_bool().unwrap(),
        "exit code follows the verdict"
    );
    (v["ok"].as_bool().unwrap(), v)
}

fn theirs(d: &Path, args: &[&str]) -> bool {
    openssl(d, &[&["verify"], args].concat()).status.success()
}

/// What `openssl verify ARGS` said.
fn theirs_said(d: &Path, args: &[&str]) -> String {
    text(&openssl(d, &[&["verify"], args].concat()))
}

/// The failing link's role and field.
fn culprit(v: &Value) -> (String, String) {
    let i = v["failed_link"].as_u64().unwrap() as usize;
    (
        v["links"][i]["role"].as_str().unwrap().into(),
        v["failed_field"].as_str().unwrap().into(),
    )
}

/// In `other`, a root and an intermediate named as `d`'s are (each set's CAs carry their own set
/// id, so two `gen`s no longer make them): `twin-ca` and `twin-int`, with keys of their own.
fn twins(d: &std::path::Path, other: &std::path::Path) {
    issue(other, "ca", "twin-ca", &["--cn", &workspace_cn(d, "ca")]);
    issue(
        other,
        "intermediate",
        "twin-int",
        &[
            "--cn",
            &workspace_cn(d, "intermediate"),
            "--issuer",
            "twin-ca",
        ],
    );
}

#[test]
fn verdicts_agree_with_openssl_and_name_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "client",
        "old",
        &["--not-before", "-400d", "--days", "30"],
    );
    // A second, unrelated PKI.
    let other = d.join("other");
    certbench_ok(&other, &["gen"]);
    twins(d, &other);
    let base = ["-CAfile", "ca.crt", "-untrusted", "intermediate.crt"];

    // A good server for its name.
    let (ok, v) = ours(d, &["server.crt", "--name", "localhost"]);
    assert!(ok, "{v}");
    assert_eq!(v["links"].as_array().unwrap().len(), 3);
    assert!(theirs(
        d,
        &[
            &base[..],
            &[
                "-purpose",
                "sslserver",
                "-verify_hostname",
                "localhost",
                "server.crt"
            ]
        ]
        .concat()
    ));

    // The wrong name.
    let (ok, v) = ours(d, &["server.crt", "--name", "example.com"]);
    assert!(!ok);
    assert_eq!(culprit(&v), ("leaf".into(), "subjectAltName".into()));
    assert!(!theirs(
        d,
        &[
            &base[..],
            &["-verify_hostname", "example.com", "server.crt"]
        ]
        .concat()
    ));

    // A client certificate used as a server.
    let (ok, v) = ours(d, &["client.crt", "--purpose", "server"]);
    assert!(!ok);
    assert_eq!(culprit(&v), ("leaf".into(), "extendedKeyUsage".into()));
    assert!(v["reason"].as_str().unwrap().contains("extendedKeyUsage"));
    assert!(!theirs(
        d,
        &[&base[..], &["-purpose", "sslserver", "client.crt"]].concat()
    ));
    // ... and as a client it is fine.
    assert!(ours(d, &["client.crt", "--purpose", "client"]).0);
    assert!(theirs(
        d,
        &[&base[..], &["-purpose", "sslclient", "client.crt"]].concat()
    ));

    // Expired.
    let (ok, v) = ours(d, &["old.crt", "--purpose", "client"]);
    assert!(!ok);
    assert_eq!(culprit(&v), ("leaf".into(), "validity".into()));
    assert!(v["reason"].as_str().unwrap().contains("expired"));
    assert!(!theirs(d, &[&base[..], &["old.crt"]].concat()));

    // Trusting another root with the same name: the intermediate's signature does not verify.
    let (ok, v) = ours(
        d,
        &[
            "server.crt",
            "--ca",
            "other/twin-ca.crt",
            "--untrusted",
            "intermediate.crt",
        ],
    );
    assert!(!ok);
    assert_eq!(culprit(&v), ("intermediate".into(), "signature".into()));
    assert!(!theirs(
        d,
        &[
            "-CAfile",
            "other/twin-ca.crt",
            "-untrusted",
            "intermediate.crt",
            "server.crt"
        ]
    ));

    // Trusting a root with another name: the chain stops at the intermediate, whose issuer is unknown.
    issue(d, "ca", "stranger", &["--cn", "Stranger Root"]);
    let (ok, v) = ours(
        d,
        &[
            "server.crt",
            "--ca",
            "stranger.crt",
            "--untrusted",
            "intermediate.crt",
        ],
    );
    assert!(!ok);
    assert_eq!(culprit(&v), ("intermediate".into(), "issuer".into()));
    assert!(
        v["reason"].as_str().unwrap().contains("no trusted CA"),
        "{v}"
    );
    assert!(!theirs(
        d,
        &[
            "-CAfile",
            "stranger.crt",
            "-untrusted",
            "intermediate.crt",
            "server.crt"
        ]
    ));

    // An intermediate from the other PKI with the same name: the signature is the culprit.
    let (ok, v) = ours(
        d,
        &[
            "server.crt",
            "--ca",
            "ca.crt",
            "--untrusted",
            "other/twin-int.crt",
        ],
    );
    assert!(!ok);
    assert_eq!(culprit(&v), ("leaf".into(), "signature".into()));
    assert!(!theirs(
        d,
        &[
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "other/twin-int.crt",
            "server.crt"
        ]
    ));

    // In the future it has expired; openssl agrees with -attime.
    let (ok, _) = ours(d, &["server.crt", "--at", "+400d"]);
    assert!(!ok);
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(400))
        .unix_timestamp()
        .to_string();
    assert!(!theirs(
        d,
        &[&base[..], &["-attime", &later, "server.crt"]].concat()
    ));
}

#[test]
fn name_constraints_are_enforced_as_openssl_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    issue(
        d,
        "ca",
        "corp",
        &["--cn", "Corp Root", "--permit-dns", "corp.example"],
    );
    issue(
        d,
        "server",
        "inside",
        &["--issuer", "corp", "--san", "api.corp.example"],
    );
    issue(
        d,
        "server",
        "outside",
        &["--issuer", "corp", "--san", "evil.example"],
    );
    assert!(ours(d, &["inside.crt", "--ca", "corp.crt"]).0);
    assert!(theirs(d, &["-CAfile", "corp.crt", "inside.crt"]));
    let (ok, v) = ours(d, &["outside.crt", "--ca", "corp.crt"]);
    assert!(!ok);
    assert!(
        v["reason"].as_str().unwrap().contains("name constraints"),
        "{v}"
    );
    assert!(!theirs(d, &["-CAfile", "corp.crt", "outside.crt"]));
}

#[test]
fn text_output_marks_the_failing_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let out = certbench(d, &["verify", "client.crt", "--purpose", "server"]);
    assert_eq!(out.status.code(), Some(1));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("NOT valid for a TLS server"), "{t}");
    assert!(
        t.contains("BAD extendedKeyUsage  lacks serverAuth  <- here"),
        "{t}"
    );
}

#[test]
fn ca_certificates_are_verified_as_cas() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    certbench_ok(&d.join("other"), &["gen"]);
    twins(d, &d.join("other"));
    let (ok, v) = ours(d, &["intermediate.crt"]);
    assert!(ok, "{v}");
    assert_eq!(v["links"][0]["role"], "intermediate");
    assert_eq!(v["links"][1]["role"], "trust anchor");
    assert!(theirs(d, &["-CAfile", "ca.crt", "intermediate.crt"]));
    assert!(ours(d, &["ca.crt"]).0, "a root is its own anchor");
    let (ok, v) = ours(d, &["intermediate.crt", "--ca", "other/twin-ca.crt"]);
    assert!(!ok);
    assert_eq!(culprit(&v), ("intermediate".into(), "signature".into()));
    assert!(!theirs(
        d,
        &["-CAfile", "other/twin-ca.crt", "intermediate.crt"]
    ));
    let out = certbench(d, &["verify", "intermediate.crt"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK for a CA"));
    // Another set's root, which this workspace does not trust: refused as openssl refuses it,
    // and called what it is, a root CA (self-signed), not an intermediate.
    let (ok, v) = ours(d, &["other/ca.crt"]);
    assert!(!ok, "{v}");
    assert!(!theirs(d, &["-CAfile", "ca.crt", "other/ca.crt"]));
    assert_eq!(culprit(&v), ("root CA".into(), "issuer".into()), "{v}");
    let said = text(&certbench(d, &["verify", "other/ca.crt"]));
    assert!(said.contains("root CA \"certbench Root CA"), "{said}");
    assert!(!said.contains("intermediate"), "{said}");
}

/// `revoke bob`, then every verdict refuses bob as openssl's `verify -crl_check` does, and the
/// others still pass.
#[test]
fn a_revoked_certificate_is_refused_by_verify_and_by_openssl_with_the_crl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "client",
        "bob",
        &["--cn", "bob", "--issuer", "intermediate"],
    );
    certbench_ok(d, &["revoke", "bob", "--reason", "keyCompromise"]);
    let crl_check = [
        "-crl_check",
        "-CAfile",
        "ca.crt",
        "-untrusted",
        "intermediate.crt",
        "-CRLfile",
        "intermediate.crl",
    ];
    // By default the workspace CAs' CRLs are checked.
    let (ok, v) = ours(d, &["bob.crt", "--purpose", "client"]);
    assert!(!ok, "{v}");
    assert_eq!(v["cause"]["code"], "revoked");
    assert_eq!(culprit(&v), ("leaf".into(), "revocation".into()));
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("revoked on ") && reason.contains("reason keyCompromise"),
        "{reason}"
    );
    assert!(
        theirs_said(d, &[&crl_check[..], &["bob.crt"]].concat()).contains("certificate revoked")
    );
    // The others are not in the CRL: both agree they pass.
    assert!(ours(d, &["client.crt", "--purpose", "client"]).0);
    assert!(theirs(d, &[&crl_check[..], &["client.crt"]].concat()));
    // With anchors of its own, --crl names the CRLs (as -CRLfile does); without it none is checked,
    // as openssl without -crl_check.
    std::fs::copy(d.join("intermediate.crl"), d.join("elsewhere.crl")).unwrap();
    let own = ["--ca", "ca.crt", "--untrusted", "intermediate.crt"];
    let (ok, v) = ours(
        d,
        &[
            &own[..],
            &["--crl", "elsewhere.crl", "bob.crt", "--purpose", "client"],
        ]
        .concat(),
    );
    assert!(!ok);
    assert_eq!(v["cause"]["code"], "revoked");
    assert!(ours(d, &[&own[..], &["bob.crt", "--purpose", "client"]].concat()).0);
    assert!(theirs(
        d,
        &[
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "bob.crt"
        ]
    ));
    // A file that holds no CRL is said so.
    let out = certbench(d, &["verify", "bob.crt", "--crl", "ca.crt"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("ca.crt holds no CRL"), "{}", text(&out));
}

/// An OCSP response openssl's own responder signed for the intermediate (`openssl ocsp -index`)
/// refuses the certificate it says is revoked, and says "good" of one it says is valid; one for
/// another certificate says nothing. `openssl ocsp -respin` reads the same response the same way.
#[test]
fn an_ocsp_response_from_openssl_decides_revocation_as_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    // openssl ocsp as a responder: a request for the server certificate, answered from an
    // index (openssl ca's format) that says revoked (R) or valid (V).
    let serial = openssl_ok(d, &["x509", "-in", "server.crt", "-noout", "-serial"]);
    let serial = serial.trim().trim_start_matches("serial=").to_string();
    openssl_ok(
        d,
        &[
            "ocsp",
            "-issuer",
            "intermediate.crt",
            "-cert",
            "server.crt",
            "-no_nonce",
            "-reqout",
            "req.der",
        ],
    );
    let respond = |status: &str, out: &str| {
        let line = match status {
            "R" => format!(
                "R\t391231000000Z\t261201000000Z,keyCompromise\t{serial}\tunknown\t/CN=localhost\n"
            ),
            _ => format!("V\t391231000000Z\t\t{serial}\tunknown\t/CN=localhost\n"),
        };
        std::fs::write(d.join("index.txt"), line).unwrap();
        openssl_ok(
            d,
            &[
                "ocsp",
                "-index",
                "index.txt",
                "-CA",
                "intermediate.crt",
                "-rsigner",
                "intermediate.crt",
                "-rkey",
                "intermediate.key",
                "-reqin",
                "req.der",
                "-ndays",
                "1",
                "-respout",
                out,
            ],
        );
        // openssl reads its answer back as it meant it.
        let said = openssl_ok(
            d,
            &[
                "ocsp",
                "-respin",
                out,
                "-issuer",
                "intermediate.crt",
                "-cert",
                "server.crt",
                "-CAfile",
                "ca.crt",
                "-VAfile",
                "intermediate.crt",
            ],
        );
        let want = if status == "R" {
            "server.crt: revoked"
        } else {
            "server.crt: good"
        };
        assert!(said.contains(want), "{said}");
    };
    respond("R", "revoked.der");
    respond("V", "good.der");

    let (ok, v) = ours(d, &["server.crt", "--ocsp", "revoked.der"]);
    assert!(!ok, "{v}");
    assert_eq!(v["cause"]["code"], "revoked_by_ocsp");
    assert_eq!(culprit(&v), ("leaf".into(), "revocation".into()));
    let text_out = certbench(d, &["verify", "server.crt", "--ocsp", "revoked.der"]);
    let said = text(&text_out);
    assert!(
        said.contains("revoked on 2026-12-01")
            && said.contains("reason keyCompromise")
            && said.contains("says an OCSP response signed by"),
        "{said}"
    );
    let (ok, v) = ours(d, &["server.crt", "--ocsp", "good.der"]);
    assert!(ok, "{v}");
    let said = text(&certbench(
        d,
        &["verify", "server.crt", "--ocsp", "good.der"],
    ));
    assert!(said.contains("good, says an OCSP response"), "{said}");
    // For another certificate: it says nothing of the client, and the verdict says so.
    let (ok, v) = ours(d, &["client.crt", "--ocsp", "revoked.der"]);
    assert!(ok, "{v}");
    assert!(
        !revocation_codes(&v).contains(&"revoked_ocsp".to_string()),
        "{v}"
    );
    assert!(note_codes(&v).contains(&"ocsp_for_none".to_string()), "{v}");
    // Given both, in either order: revoked wins (a revocation is not undone).
    for order in [["good.der", "revoked.der"], ["revoked.der", "good.der"]] {
        let (ok, v) = ours(d, &["server.crt", "--ocsp", order[0], "--ocsp", order[1]]);
        assert!(!ok, "{order:?}: {v}");
        assert_eq!(v["cause"]["code"], "revoked_by_ocsp");
    }
    // Past its nextUpdate (a day, -ndays 1) the response is stale: passed over, and said so.
    let (ok, v) = ours(d, &["server.crt", "--ocsp", "revoked.der", "--at", "+3d"]);
    assert!(ok, "{v}");
    assert!(
        note_codes(&v).contains(&"ocsp_passed_over".to_string()),
        "{v}"
    );
    assert!(v.to_string().contains("\"verdict\":\"stale\""), "{v}");
    // A CRL and an OCSP response that disagree: both are shown, and the revoked one decides.
    certbench_ok(d, &["revoke", "server"]);
    let (ok, v) = ours(d, &["server.crt", "--ocsp", "good.der"]);
    assert!(!ok, "{v}");
    assert_eq!(
        revocation_codes(&v),
        vec!["revoked".to_string(), "not_revoked_ocsp".to_string()]
    );
    // A file that holds no OCSP response is said so.
    let out = certbench(d, &["verify", "server.crt", "--ocsp", "ca.crt"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("ca.crt holds no OCSP response"),
        "{}",
        text(&out)
    );
}

/// The findings of the leaf's revocation checks, by code.
fn revocation_codes(v: &Value) -> Vec<String> {
    v["links"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field"] == "revocation")
        .map(|c| c["finding"]["code"].as_str().unwrap().to_string())
        .collect()
}

/// The codes of the verdict's notes.
fn note_codes(v: &Value) -> Vec<String> {
    v["notes"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|n| n["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A CA certificate asked about for a purpose and a name gets rustls's verdict on it as a peer's
/// certificate (CaUsedAsEndEntity), not a CA's walk; a certificate that is its own anchor is
/// still judged, expiry included. openssl agrees on each.
#[test]
fn verify_answers_the_question_asked_of_a_ca_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    issue(d, "intermediate", "sub", &["--san", "ca.example.com"]);
    let base = ["-CAfile", "ca.crt", "-untrusted", "intermediate.crt"];
    // Asked for a server named other.example.com: refused, as a handshake would.
    let (ok, v) = ours(
        d,
        &[
            "sub.crt",
            "--purpose",
            "server",
            "--name",
            "other.example.com",
        ],
    );
    assert!(!ok, "{v}");
    assert_eq!(v["question"], "end_entity");
    assert_eq!(v["cause"]["code"], "ca_used_as_end_entity");
    assert!(!theirs(
        d,
        &[
            &base[..],
            &[
                "-purpose",
                "sslserver",
                "-verify_hostname",
                "other.example.com",
                "sub.crt"
            ]
        ]
        .concat()
    ));
    // Given alone, a CA is checked as a CA, and the answer says so.
    let (ok, v) = ours(d, &["sub.crt"]);
    assert!(ok, "{v}");
    assert_eq!(v["question"], "ca");
    assert!(theirs(d, &[&base[..], &["sub.crt"]].concat()));
    // A root that expired 19 years ago, as its own anchor: refused both ways.
    issue(
        d,
        "ca",
        "oldca",
        &["--not-before", "-7300d", "--days", "365"],
    );
    let (ok, v) = ours(
        d,
        &["oldca.crt", "--ca", "oldca.crt", "--purpose", "server"],
    );
    assert!(!ok, "{v}");
    assert_eq!(v["cause"]["code"], "expired");
    let (ok, v) = ours(d, &["oldca.crt", "--ca", "oldca.crt", "--as-ca"]);
    assert!(!ok, "{v}");
    assert_eq!(v["question"], "ca");
    assert_eq!(culprit(&v), ("trust anchor".into(), "validity".into()));
    assert!(!theirs(d, &["-CAfile", "oldca.crt", "oldca.crt"]));
    // Both questions at once is a usage error.
    let out = certbench(d, &["verify", "sub.crt", "--as-ca", "--purpose", "server"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// `verify DIR` on a workspace after the routine steps of a day: an export (PKCS#12, written into
/// the workspace), a `gen --force` (the old set kept in replaced/), and a broken file. Every
/// certificate of the set is still verified, each on its line; the bundle is passed over and
/// said so; replaced/ is left out; the broken file is named, and only it fails the run.
#[test]
fn verify_dir_goes_on_past_an_export_a_replaced_set_and_a_broken_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    certbench_ok(d, &["gen", "--force"]);
    std::fs::write(d.join("pw.txt"), "secret-pw\n").unwrap();
    certbench_ok(d, &["export", "client", "--password-file", "pw.txt"]);
    assert!(
        d.join("client.p12").exists(),
        "the export is in the workspace"
    );
    // A run's peer certificate the TUI saved (`i` on a step): another set's, in handshakes/.
    let other = tempfile::tempdir().unwrap();
    certbench_ok(other.path(), &["gen"]);
    std::fs::create_dir_all(d.join("handshakes")).unwrap();
    std::fs::copy(
        other.path().join("server.crt"),
        d.join("handshakes/handshake-1-certificates.pem"),
    )
    .unwrap();
    let dir = d.to_str().unwrap();

    let out = certbench(d, &["verify", dir]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    for name in ["ca.crt", "intermediate.crt", "server.crt", "client.crt"] {
        assert!(
            said.lines()
                .any(|l| l.contains(&format!("/{name}: OK for"))),
            "{name} verified: {said}"
        );
    }
    assert!(
        !said.contains("/replaced/") && !said.contains("/handshakes/"),
        "nothing under replaced/ or handshakes/ judged: {said}"
    );
    assert!(
        said.contains("left out the workspace's replaced/ and handshakes/ folders"),
        "{said}"
    );
    assert!(
        said.lines()
            .any(|l| l.starts_with("passed over 1 PKCS#12 bundle") && l.ends_with("client.p12")),
        "{said}"
    );
    // The same folder in JSON: one verdict per certificate file, all good.
    let out = certbench(d, &["verify", "--json", dir]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert!(out.status.success(), "{}", text(&out));
    let files = v.as_array().unwrap();
    // ca, intermediate, server, client, and the two chain files.
    assert_eq!(files.len(), 6, "{v}");
    assert!(files.iter().all(|f| f["ok"] == true), "{v}");

    // A broken certificate file: named, the others still verified, and the run fails.
    std::fs::write(
        d.join("broken.pem"),
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let out = certbench(d, &["verify", dir]);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.lines().any(|l| l.contains("broken.pem: NOT read: ")),
        "{said}"
    );
    assert!(
        said.lines().any(|l| l.contains("/client.crt: OK for")),
        "{said}"
    );
    let out = certbench(d, &["verify", "--json", dir]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let broken: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("broken.pem"))
        .collect();
    assert_eq!(broken.len(), 1, "{v}");
    assert_eq!(broken[0]["ok"], false);
    assert!(!broken[0]["error"].as_str().unwrap().is_empty());
}
