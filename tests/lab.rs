#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The failure lab, run for real from the command line. Each scenario's expectations here are
//! written down from running it and from rustls 0.23's source, not taken from certbench's own
//! table: the alert for each certificate error is rustls's `From<CertificateError> for
//! AlertDescription` (error.rs), a missing client certificate in TLS 1.3 is certificate_required
//! (server/tls13.rs, RFC 8446 4.4.2.4), a version the server does not take is protocol_version
//! with Tls12NotOfferedOrEnabled (server/hs.rs), no group or suite in common is handshake_failure.

mod common;

use common::*;
use serde_json::Value;

fn scenario(name: &str) -> (std::process::Output, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = certbench(dir.path(), &["handshake", "--scenario", name, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", text(&out)));
    (out, v)
}

/// A scenario, the side that catches it, the rustls error, the alert it sends, the alert the other
/// side receives, and the last message through with its sender.
type Failure = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (&'static str, &'static str),
);

const FAILURES: &[Failure] = &[
    (
        "client-intermediate-expired",
        "server",
        "InvalidCertificate › ExpiredContext",
        "certificate_expired",
        "certificate_expired",
        ("Finished", "client"),
    ),
    (
        "no-client-cert",
        "server",
        "NoCertificatesPresented",
        "certificate_required",
        "certificate_required",
        ("Finished", "client"),
    ),
    (
        "client-unknown-ca",
        "server",
        "InvalidCertificate › UnknownIssuer",
        "unknown_ca",
        "unknown_ca",
        ("Finished", "client"),
    ),
    (
        "client-self-signed",
        "server",
        "InvalidCertificate › UnknownIssuer",
        "unknown_ca",
        "unknown_ca",
        ("Finished", "client"),
    ),
    (
        "client-expired",
        "server",
        "InvalidCertificate › ExpiredContext",
        "certificate_expired",
        "certificate_expired",
        ("Finished", "client"),
    ),
    (
        "server-expired",
        "client",
        "InvalidCertificate › ExpiredContext",
        "certificate_expired",
        "certificate_expired",
        ("Finished", "server"),
    ),
    (
        "server-not-yet-valid",
        "client",
        "InvalidCertificate › NotValidYetContext",
        "certificate_expired",
        "certificate_expired",
        ("Finished", "server"),
    ),
    (
        "server-client-only-eku",
        "client",
        "InvalidCertificate › InvalidPurposeContext",
        "unsupported_certificate",
        "unsupported_certificate",
        ("Finished", "server"),
    ),
    (
        "client-without-clientauth",
        "server",
        "InvalidCertificate › InvalidPurposeContext",
        "unsupported_certificate",
        "unsupported_certificate",
        ("Finished", "client"),
    ),
    (
        "wrong-server-name",
        "client",
        "InvalidCertificate › NotValidForNameContext",
        "bad_certificate",
        "bad_certificate",
        ("Finished", "server"),
    ),
    (
        "server-cn-only",
        "client",
        "InvalidCertificate › NotValidForNameContext",
        "bad_certificate",
        "bad_certificate",
        ("Finished", "server"),
    ),
    (
        "client-revoked",
        "server",
        "InvalidCertificate › Revoked",
        "certificate_revoked",
        "certificate_revoked",
        ("Finished", "client"),
    ),
    (
        "server-missing-intermediate",
        "client",
        "InvalidCertificate › UnknownIssuer",
        "unknown_ca",
        "unknown_ca",
        ("Finished", "server"),
    ),
    (
        "client-missing-intermediate",
        "server",
        "InvalidCertificate › UnknownIssuer",
        "unknown_ca",
        "unknown_ca",
        ("Finished", "client"),
    ),
    (
        "pathlen-exceeded",
        "client",
        "InvalidCertificate › Other › webpki::PathLenConstraintViolated",
        "certificate_unknown",
        "certificate_unknown",
        ("Finished", "server"),
    ),
    (
        "name-constraints",
        "client",
        "InvalidCertificate › Other › webpki::NameConstraintViolation",
        "certificate_unknown",
        "certificate_unknown",
        ("Finished", "server"),
    ),
    (
        "name-excluded",
        "client",
        "InvalidCertificate › Other › webpki::NameConstraintViolation",
        "certificate_unknown",
        "certificate_unknown",
        ("Finished", "server"),
    ),
    (
        "version-mismatch",
        "server",
        "PeerIncompatible › Tls12NotOfferedOrEnabled",
        "protocol_version",
        "protocol_version",
        ("ClientHello", "client"),
    ),
    (
        "no-common-group",
        "server",
        "PeerIncompatible › NoKxGroupsInCommon",
        "handshake_failure",
        "handshake_failure",
        ("ClientHello", "client"),
    ),
    (
        "no-common-suite",
        "server",
        "PeerIncompatible › NoCipherSuitesInCommon",
        "handshake_failure",
        "handshake_failure",
        ("ClientHello", "client"),
    ),
    (
        "key-mismatch",
        "client",
        "InvalidCertificate › BadSignature",
        "decrypt_error",
        "decrypt_error",
        ("Finished", "server"),
    ),
];

#[test]
fn each_failure_scenario_fails_where_and_how_rustls_says() {
    for (name, side, error, sent, received, (message, from)) in FAILURES {
        let (out, v) = scenario(name);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: failed, as designed: {}",
            text(&out)
        );
        let f = &v["failure"];
        assert_eq!(f["detected_by"], *side, "{name}: {f}");
        assert_eq!(f["error"], *error, "{name}: {f}");
        assert_eq!(f["alert_sent"], *sent, "{name}: {f}");
        assert_eq!(f["alert_received"], *received, "{name}: {f}");
        assert_eq!(
            f["stopped_after"],
            serde_json::json!({"message": message, "from": from}),
            "{name}: {f}"
        );
        // The alert it sent is on the wire, from that side.
        assert!(
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["content"] == "alert"
                    && e["side"] == *side
                    && e["fields"]["description"] == *sent),
            "{name}: no {sent} alert from the {side} on the wire"
        );
        assert_eq!(
            v["scenario"]["as_designed"], true,
            "{name}: {}",
            v["scenario"]
        );
        for key in ["explanation", "lesson", "fix"] {
            assert!(!f[key].as_str().unwrap().is_empty(), "{name}: no {key}");
        }
    }
}

/// A certificate refusal names the certificate at fault and the field to look at.
#[test]
fn a_refused_certificate_is_named_with_its_field() {
    for (name, side, field) in [
        ("client-expired", "client", "not_after"),
        ("server-not-yet-valid", "server", "not_before"),
        ("wrong-server-name", "server", "ext.subjectAltName"),
        ("server-client-only-eku", "server", "ext.extendedKeyUsage"),
        ("client-revoked", "client", "serial"),
        ("client-unknown-ca", "client", "issuer"),
    ] {
        let (_, v) = scenario(name);
        let c = &v["failure"]["culprit"];
        assert_eq!(c["side"], side, "{name}: {c}");
        assert_eq!(c["field"], field, "{name}: {c}");
        assert!(
            c["subject"].as_str().unwrap().contains("O=certbench lab"),
            "{name}: {c}"
        );
    }
    // A CA's constraint broken: the CA is at fault, at that constraint.
    for (name, field) in [
        ("pathlen-exceeded", "ext.basicConstraints"),
        ("name-constraints", "ext.nameConstraints"),
        ("name-excluded", "ext.nameConstraints"),
    ] {
        let (_, v) = scenario(name);
        let c = &v["failure"]["culprit"];
        assert_eq!(c["field"], field, "{name}: {c}");
        assert!(
            c["subject"]
                .as_str()
                .unwrap()
                .contains("Lab Intermediate CA"),
            "{name}: {c}"
        );
        assert!(c["certificate"].is_null(), "not the server's own: {c}");
    }
    // Which name broke which subtree of which CA (RFC 5280 4.2.1.10).
    let (_, v) = scenario("name-constraints");
    let why = &v["failure"]["culprit"]["why"];
    assert_eq!(why["code"], "name_not_permitted", "{why}");
    assert_eq!(why["name"], "DNS:localhost");
    assert_eq!(why["permitted"][0], "DNS:example.com");
    let (_, v) = scenario("name-excluded");
    let why = &v["failure"]["culprit"]["why"];
    assert_eq!(why["code"], "name_excluded", "{why}");
    assert_eq!(why["subtree"], "DNS:localhost");
    // A name only in the CN: the subject is where it was put.
    let (_, v) = scenario("server-cn-only");
    assert_eq!(v["failure"]["culprit"]["field"], "subject");
    // A signature made with another key: the key is at fault, not a CA's signature.
    let (_, v) = scenario("key-mismatch");
    assert_eq!(v["failure"]["cause"]["code"], "signature_invalid");
    assert_eq!(v["failure"]["culprit"]["field"], "spki");
    // What was asked against what it has.
    let (_, v) = scenario("wrong-server-name");
    let cause = &v["failure"]["cause"];
    assert_eq!(cause["expected"], "api.example.com");
    assert_eq!(
        cause["presented"],
        serde_json::json!(["localhost", "127.0.0.1", "::1"])
    );
    let (_, v) = scenario("client-expired");
    assert!(
        v["failure"]["cause"]["not_after"].is_string(),
        "{}",
        v["failure"]
    );
}

#[test]
fn the_scenarios_that_work_work_and_say_what_to_watch() {
    // The server takes secp256r1 only: it asks the client for another key share first.
    let (out, v) = scenario("hello-retry");
    assert!(out.status.success(), "{}", text(&out));
    let hellos = flow(&v).iter().filter(|(_, m)| m == "ClientHello").count();
    assert_eq!(
        hellos, 2,
        "a second ClientHello after the HelloRetryRequest"
    );
    assert!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"] == "ServerHello" && e["fields"]["hello_retry_request"] == true)
    );
    assert_eq!(v["group"], "secp256r1");
    // Client authentication silently skipped: no CertificateRequest, no client identity.
    let (out, v) = scenario("client-auth-not-asked");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!flow(&v).iter().any(|(_, m)| m == "CertificateRequest"));
    assert!(v["client_identity"].is_null());
    assert!(
        v["response"]
            .as_str()
            .unwrap()
            .ends_with("Hello, stranger\n")
    );
    // webpki does not check a leaf's keyUsage: rustls accepts it, openssl does not.
    let (out, v) = scenario("client-no-digital-signature");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(v["client_identity"], "CN=alice,O=certbench lab");
}

#[test]
fn lab_lists_every_scenario_and_check_runs_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let out = certbench(dir.path(), &["lab", "--json"]);
    assert!(out.status.success());
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for (name, ..) in FAILURES {
        assert!(names.contains(name), "{name} not listed");
    }
    assert!(names.len() >= 22, "{names:?}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|s| !s["title"].as_str().unwrap().is_empty())
    );
    let out = certbench(dir.path(), &["lab", "--check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!(
        "{0} of {0} scenarios went as designed",
        names.len()
    )));
    // A scenario that does not exist is a usage error naming the ones that do.
    let out = certbench(dir.path(), &["handshake", "--scenario", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no-client-cert"), "{}", text(&out));
    // The lab never touches the workspace: nothing was written in it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A certificate's manifest entry, as `certbench.toml` has it.
fn entity(d: &std::path::Path, name: &str) -> toml::Value {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(d.join("certbench.toml")).unwrap()).unwrap();
    manifest["entity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in the manifest"))
        .clone()
}

/// The same failure made by hand gets its scenario's explanation.
#[test]
fn failures_made_by_hand_get_their_scenarios_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "server",
        "old",
        &[
            "--san",
            "localhost",
            "--not-before",
            "-400d",
            "--days",
            "30",
        ],
    );
    issue(d, "client", "bob", &["--cn", "bob"]);
    certbench_ok(d, &["revoke", "bob"]);
    let lesson = |args: &[&str]| {
        let out = certbench(d, &[&["handshake", "--json"], args].concat());
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["failure"]["lesson"].as_str().unwrap_or("").to_string(),
            v["failure"]["fix"].as_str().unwrap_or("").to_string(),
            v["failure"]["explanation"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    for (by_hand, name) in [
        (&["--no-client-cert"][..], "no-client-cert"),
        (&["--server", "old"][..], "server-expired"),
        (&["--server-name", "wrong.example"][..], "wrong-server-name"),
        (&["--client", "bob"][..], "client-revoked"),
        (
            &["--client-sends", "leaf"][..],
            "client-missing-intermediate",
        ),
        (
            &["--server-sends", "leaf"][..],
            "server-missing-intermediate",
        ),
    ] {
        let (_, v) = scenario(name);
        let (lesson, fix, explanation) = lesson(by_hand);
        assert_eq!(lesson, v["failure"]["lesson"], "{by_hand:?} vs {name}");
        assert!(!fix.is_empty() && !explanation.is_empty(), "{by_hand:?}");
    }
    // The explanation names what was asked against what the certificate has.
    let (_, _, explanation) = lesson(&["--server", "old"]);
    assert!(explanation.contains("valid until"), "{explanation}");
    let (_, _, explanation) = lesson(&["--server-name", "wrong.example"]);
    assert!(
        explanation.contains("wrong.example") && explanation.contains("localhost, 127.0.0.1, ::1"),
        "{explanation}"
    );
    // The fix is for the certificate at fault and the name asked for, not the scenario's: follow
    // it, and the same handshake works, with the certificate otherwise as it was.
    for by_hand in [
        &["--server", "old"][..],
        &["--server-name", "wrong.example"][..],
    ] {
        let (_, fix, _) = lesson(by_hand);
        let command = fix
            .split('`')
            .nth(1)
            .unwrap_or_else(|| panic!("no command in {fix}"));
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        // `issue --name NAME ...` or `renew NAME`.
        let name = match args.iter().position(|a| *a == "--name") {
            Some(i) => args[i + 1],
            None => args[args.iter().position(|a| *a == "renew").unwrap() + 1],
        };
        let before = entity(d, name);
        certbench_ok(d, &args);
        let out = certbench(d, &[&["handshake"], by_hand].concat());
        assert!(
            out.status.success(),
            "{by_hand:?} after `{command}`: {}",
            text(&out)
        );
        let after = entity(d, name);
        for key in ["issuer", "key_alg", "common_name"] {
            assert_eq!(before[key], after[key], "{key} changed by `{command}`");
        }
    }
}

/// The lesson of client-no-digital-signature says who would refuse the certificate: rustls
/// accepts it (webpki does not check a leaf's keyUsage), openssl does not. Both checked here on
/// a certificate with the same keyUsage.
#[test]
fn a_client_certificate_without_digital_signature_passes_rustls_and_fails_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    // keyEncipherment alone, as RSA-era templates write it (certbench allows it for RSA keys).
    issue(
        d,
        "client",
        "nods",
        &[
            "--cn",
            "nods",
            "--alg",
            "rsa2048",
            "--key-usage",
            "keyEncipherment",
        ],
    );
    let out = certbench(d, &["handshake", "--client", "nods", "--json"]);
    assert!(out.status.success(), "rustls accepts it: {}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["client_identity"], "CN=nods,O=certbench");
    let theirs = openssl(
        d,
        &[
            "verify",
            "-purpose",
            "sslclient",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "nods.crt",
        ],
    );
    assert!(!theirs.status.success());
    assert!(
        text(&theirs).contains("unsuitable certificate purpose"),
        "{}",
        text(&theirs)
    );
    // certbench's lints say so before any handshake.
    let out = certbench(d, &["inspect", "nods.crt", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v[0]["lints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"].as_str().unwrap().contains("digitalSignature")),
        "{v}"
    );
}

/// Every command a fix gives (between backticks in assets/lab.toml and assets/causes.toml) runs
/// as written in a fresh workspace: a fix that fails when followed is worse than none.
#[test]
fn every_command_a_fix_gives_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut commands = Vec::new();
    for file in ["assets/lab.toml", "assets/causes.toml"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for (i, part) in text.split('`').enumerate() {
            if i % 2 == 1 && part.starts_with("certbench ") {
                commands.push(part.to_string());
            }
        }
    }
    assert!(commands.len() >= 15, "{commands:?}");
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().skip(1).collect();
        // {certificate} is the certificate at fault: the one of the role the command issues.
        let role = words
            .iter()
            .position(|w| *w == "--role")
            .and_then(|i| words.get(i + 1))
            .copied()
            .unwrap_or(if words.contains(&"--client") {
                "client"
            } else {
                "server"
            });
        let args: Vec<String> = words
            .iter()
            .map(|w| {
                w.replace("{certificate}", role)
                    .replace("{expected}", "localhost")
            })
            .flat_map(|w| {
                // {reissue_args} stands for options: the subject and names of the certificate.
                match (w.as_str(), role) {
                    ("{reissue_args}", "server") => vec!["--san".into(), "localhost".into()],
                    ("{reissue_args}", _) => vec!["--cn".into(), "alice".into()],
                    _ => vec![w],
                }
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        certbench_ok(dir.path(), &["gen"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = certbench(dir.path(), &args);
        assert!(out.status.success(), "`{command}` failed: {}", text(&out));
    }
}

/// Issue 21: the explanations fit the run. A TLS 1.3 run with no suite in common lists what the
/// client offered and says nothing of TLS 1.2's key-named suites; a TLS 1.2 one does. No lesson
/// repeats the rustls/webpki error name the failure already shows.
#[test]
fn explanations_fit_the_run_and_never_repeat_the_error_name() {
    let (_, v) = scenario("no-common-suite");
    let text = v["failure"]["cause"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let said = format!("{}", v["failure"]);
    assert!(said.contains("TLS_AES_128_GCM_SHA256"), "{said}");
    assert!(!said.contains("ECDHE_ECDSA"), "{said}{text}");

    let dir = tempfile::tempdir().unwrap();
    certbench_ok(dir.path(), &["gen"]);
    let out = certbench(
        dir.path(),
        &[
            "handshake",
            "--tls",
            "1.2",
            "--suite",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "--json",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failure"]["cause"]["code"], "no_common_suite", "{v}");
    assert!(
        format!("{}", v["failure"]).contains("ECDHE_ECDSA"),
        "{}",
        v["failure"]
    );

    let all: Value = serde_json::from_str(&certbench_ok(dir.path(), &["lab", "--json"])).unwrap();
    let all = all.as_array().unwrap();
    assert!(all.len() > 20);
    for s in all {
        let name = s["name"].as_str().unwrap();
        let (_, run) = scenario(name);
        let error = run["failure"]["error"].as_str().unwrap_or_default();
        let last = error.rsplit(['›', ':']).next().unwrap_or_default().trim();
        let lesson = run["failure"]["lesson"].as_str().unwrap_or_default();
        assert!(
            last.is_empty() || !lesson.contains(last),
            "{name}: the lesson repeats {last}: {lesson}"
        );
    }
}

/// Issue 25: a workspace whose intermediate expired yesterday while the server's certificate has
/// a year left (openssl verify: "certificate has expired" at depth 1). certbench's handshake
/// names the intermediate as the culprit, and explains it with the lesson of the lab's
/// intermediate-expired, not server-expired's; `status` had warned of it.
#[test]
fn an_expired_intermediate_made_by_hand_is_explained_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen", "--no-intermediate"]);
    certbench_ok(
        d,
        &[
            "issue",
            "--role",
            "intermediate",
            "--name",
            "old-int",
            "--issuer",
            "ca",
            "--not-before",
            "-1000d",
            "--days",
            "999",
        ],
    );
    issue(
        d,
        "server",
        "web",
        &["--issuer", "old-int", "--san", "localhost"],
    );
    issue(d, "client", "bob", &["--issuer", "old-int"]);
    let out = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "old-int.crt",
            "web.crt",
        ],
    );
    let said = text(&out);
    assert!(
        !out.status.success() && said.contains("at 1 depth") && said.contains("expired"),
        "{said}"
    );
    let status: Value = serde_json::from_str(&certbench_ok(d, &["status", "--json"])).unwrap();
    assert!(
        status["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["kind"] == "outlives_issuer" && w["name"] == "web"),
        "{status}"
    );
    let out = certbench(
        d,
        &["handshake", "--server", "web", "--client", "bob", "--json"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failure"]["cause"]["code"], "expired", "{v}");
    assert_eq!(v["failure"]["detected_by"], "client", "{v}");
    let culprit = &v["failure"]["culprit"];
    assert!(
        culprit["subject"]
            .as_str()
            .unwrap()
            .contains("Intermediate"),
        "{culprit}"
    );
    assert_eq!(culprit["field"], "not_after");
    let lesson = v["failure"]["lesson"].as_str().unwrap_or_default();
    assert!(lesson.contains("shortest-lived link"), "{lesson}");
    // The intermediate the server sent is the workspace's old-int, and the fix says so.
    assert_eq!(culprit["certificate"], "old-int", "{culprit}");
    let fix = v["failure"]["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("certbench renew old-int"), "{fix}");

    // The same intermediate above a client: openssl refuses bob's chain at depth 1, and the
    // server's refusal is explained as the lab's client-intermediate-expired, the fix naming it.
    let theirs = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "old-int.crt",
            "-purpose",
            "sslclient",
            "bob.crt",
        ],
    );
    let said = text(&theirs);
    assert!(
        !theirs.status.success() && said.contains("at 1 depth") && said.contains("expired"),
        "{said}"
    );
    let out = certbench(d, &["handshake", "--client", "bob", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["failure"];
    assert_eq!(f["cause"]["code"], "expired", "{v}");
    assert_eq!(f["detected_by"], "server", "{v}");
    assert_eq!(f["culprit"]["certificate"], "old-int", "{f}");
    let lesson = f["lesson"].as_str().unwrap_or_default();
    assert!(
        lesson.contains("the intermediate that signed it"),
        "{lesson}"
    );
    let fix = f["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("certbench renew old-int"), "{fix}");
}
