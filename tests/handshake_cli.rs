#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench handshake`: real mTLS handshakes on 127.0.0.1, decoded from the bytes.

mod common;

use common::*;
use serde_json::Value;

fn transcript(d: &std::path::Path, args: &[&str]) -> (bool, Value, String) {
    let out = certbench(d, &[&["handshake", "--json"], args].concat());
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (
        out.status.success(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Whether `side` noted `code` (connect_returned, first_read_failed, handshake_failed, ...).
fn note(v: &Value, side: &str, code: &str) -> bool {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["side"] == side && e["event"] == "note" && e["message"] == code)
}

/// The verdict `side` gave on its peer's chain or signature (`what`: chain, signature).
fn verdict<'a>(v: &'a Value, side: &str, what: &str) -> &'a Value {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["side"] == side && e["event"] == "verdict" && e["message"] == what)
        .unwrap_or_else(|| panic!("no {what} verdict by the {side}: {v}"))
}

#[test]
fn a_tls13_mtls_handshake_is_seen_whole_and_decrypted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (ok, v, err) = transcript(d, &[]);
    assert!(ok, "{err}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["version"], "TLS 1.3");
    assert_eq!(v["group"], "X25519MLKEM768");
    let server_flight = [
        ("client", "ClientHello"),
        ("server", "ServerHello"),
        ("server", "EncryptedExtensions"),
        ("server", "CertificateRequest"),
        ("server", "Certificate"),
        ("server", "CertificateVerify"),
        ("server", "Finished"),
        ("client", "Certificate"),
        ("client", "CertificateVerify"),
        ("client", "Finished"),
    ];
    let f = flow(&v);
    assert_eq!(f[..10], pairs(&server_flight)[..], "{f:?}");
    assert!(
        f[10..]
            .iter()
            .all(|(who, m)| who == "server" && m == "NewSessionTicket"),
        "{f:?}"
    );
    // Encrypted messages say under which keys.
    let ee = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"] == "EncryptedExtensions")
        .unwrap();
    assert_eq!(ee["protection"], "handshake_keys");
    let ch = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"] == "ClientHello")
        .unwrap();
    assert_eq!(ch["protection"], "clear");
    assert_eq!(ch["fields"]["server_name"], "localhost");
    // Numbers stay numbers, lists stay lists. ML-KEM-768's encapsulation key is 1184 bytes
    // (FIPS 203), X25519's 32 (RFC 7748): 1216 (draft-ietf-tls-ecdhe-mlkem).
    assert_eq!(
        ch["fields"]["key_shares"][0],
        serde_json::json!({"group": "X25519MLKEM768", "bytes": 1216})
    );
    // Each certificate of a Certificate message under its own key: the server's leaf, then the
    // intermediate that issued it.
    let certs = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"] == "Certificate" && e["side"] == "server")
        .unwrap();
    let list = certs["fields"]["certificates"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{certs}");
    assert_eq!(list[0]["subject"], "CN=localhost,O=certbench");
    assert!(
        list[0]["issuer"]
            .as_str()
            .unwrap()
            .starts_with("CN=certbench Intermediate CA"),
        "{certs}"
    );
    assert!(
        list[1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("CN=certbench Intermediate CA"),
        "{certs}"
    );
    // A verdict names the certificate it judged.
    let on_client = verdict(&v, "server", "chain");
    assert_eq!(on_client["fields"]["peer"], "client");
    assert_eq!(on_client["fields"]["ok"], true);
    assert_eq!(on_client["fields"]["certificate"], "CN=alice,O=certbench");
    assert_eq!(verdict(&v, "client", "chain")["fields"]["ok"], true);
    let signature = verdict(&v, "server", "signature");
    assert_eq!(signature["fields"]["signed"], "CertificateVerify");
    assert_eq!(signature["fields"]["ok"], true);
    assert_eq!(v["client_identity"], "CN=alice,O=certbench");
    assert!(v["response"].as_str().unwrap().ends_with("Hello, alice\n"));
    // Times only go forward.
    let t: Vec<u64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["t_us"].as_u64().unwrap())
        .collect();
    assert!(t.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
}

#[test]
fn a_tls12_handshake_shows_its_own_flow() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (ok, v, err) = transcript(d, &["--tls", "1.2"]);
    assert!(ok, "{err}");
    assert_eq!(v["version"], "TLS 1.2");
    let f = flow(&v);
    let expected = [
        ("client", "ClientHello"),
        ("server", "ServerHello"),
        ("server", "Certificate"),
        ("server", "ServerKeyExchange"),
        ("server", "CertificateRequest"),
        ("server", "ServerHelloDone"),
        ("client", "Certificate"),
        ("client", "ClientKeyExchange"),
        ("client", "CertificateVerify"),
        ("client", "Finished"),
        ("server", "Finished"),
    ];
    assert_eq!(f, pairs(&expected), "{f:?}");
    let ccs = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["content"] == "change_cipher_spec")
        .count();
    assert_eq!(
        ccs, 2,
        "each side sends ChangeCipherSpec before its Finished"
    );
    // After ChangeCipherSpec, read with the master secret the peers logged: the Finished
    // messages, the request and the answer naming alice.
    let events = v["events"].as_array().unwrap();
    for e in events.iter().filter(|e| e["message"] == "Finished") {
        assert_eq!(e["protection"], "tls12_keys", "{e}");
        assert_eq!(e["fields"]["verify_data"], 12, "{e}");
    }
    assert!(
        events.iter().any(|e| e["side"] == "server"
            && e["content"] == "application_data"
            && e["fields"]["text"]
                .as_str()
                .unwrap_or("")
                .ends_with("Hello, alice\\n")),
        "{v}"
    );
}

#[test]
fn without_a_client_certificate_the_server_refuses_and_the_client_learns_it_late() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (ok, v, err) = transcript(d, &["--no-client-cert"]);
    assert!(!ok);
    assert_eq!(v["ok"], false);
    assert!(
        err.contains("the handshake failed on the server's side"),
        "{err}"
    );
    // TLS 1.3: connect() returns, the refusal arrives as an alert at the first read.
    assert!(note(&v, "client", "connect_returned"), "{v}");
    assert!(note(&v, "client", "refused_after_connect"), "{v}");
    let alert = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["content"] == "alert" && e["side"] == "server")
        .unwrap();
    assert_eq!(alert["fields"]["description"], "certificate_required");
    // The server has sent its Finished before it judges the client: its alert is under its
    // application keys.
    assert_eq!(alert["protection"], "application_keys");
    // The failure, from both sides: RFC 8446 4.4.2.4 has the server abort with
    // certificate_required; rustls's client reports the alert it received.
    let f = &v["failure"];
    assert_eq!(f["detected_by"], "server");
    assert_eq!(f["cause"]["code"], "no_client_certificate");
    assert_eq!(f["error"], "NoCertificatesPresented");
    assert_eq!(f["alert_sent"], "certificate_required");
    assert_eq!(f["alert_received"], "certificate_required");
    assert_eq!(
        f["stopped_after"],
        serde_json::json!({"message": "Finished", "from": "client"})
    );
    assert!(
        f["explanation"]
            .as_str()
            .unwrap()
            .contains("sent no certificate")
    );
}

#[test]
fn groups_can_be_chosen_and_the_keylog_is_written_privately() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let keylog = d.join("keys.log");
    let (ok, v, err) = transcript(
        d,
        &["--group", "x25519", "--keylog", keylog.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert_eq!(v["group"], "x25519");
    let text = std::fs::read_to_string(&keylog).unwrap();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert_eq!(
            text.lines().filter(|l| l.starts_with(label)).count(),
            1,
            "{label} once:\n{text}"
        );
    }
    assert_eq!(
        std::fs::metadata(&keylog).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let out = certbench(d, &["handshake", "--group", "nonsense"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a key exchange group"));
}

#[test]
fn a_cipher_suite_can_be_chosen_and_a_suite_no_key_can_use_fails_on_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    // The encrypted messages are read with the suite's own AEAD and hash.
    for suite in ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"] {
        let (ok, v, err) = transcript(d, &["--suite", suite]);
        assert!(ok, "{err}");
        assert_eq!(v["cipher_suite"], suite);
        assert!(flow(&v).contains(&("client".to_string(), "Finished".to_string())));
    }
    // TLS 1.2's GCM and ChaCha20 records are read too (their nonces are built differently).
    for suite in [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    ] {
        let (ok, v, err) = transcript(d, &["--tls", "1.2", "--suite", suite]);
        assert!(ok, "{err}");
        assert_eq!(v["cipher_suite"], suite);
        assert!(
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["fields"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with("Hello, alice\\n")),
            "{suite}: {v}"
        );
    }
    // The demo keys are ECDSA: an ECDHE_RSA suite leaves nothing in common.
    let (ok, v, err) = transcript(
        d,
        &[
            "--tls",
            "1.2",
            "--suite",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ],
    );
    assert!(!ok);
    assert_eq!(v["failure"]["detected_by"], "server");
    assert_eq!(v["failure"]["cause"]["code"], "no_common_suite");
    assert!(err.contains("no cipher suite in common"), "{err}");
    // A TLS 1.2 suite for a TLS 1.3 run is refused before anything starts, saying why.
    let out = certbench(
        d,
        &[
            "handshake",
            "--suite",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is a TLS 1.2 cipher suite and this run is TLS 1.3"),
        "{}",
        text(&out)
    );
}

#[test]
fn count_reports_latency() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let out = certbench(d, &["handshake", "--count", "20", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["count"].as_u64(), v["ok"].as_u64()),
        (Some(20), Some(20))
    );
    let (p50, p99) = (v["p50_ms"].as_f64().unwrap(), v["p99_ms"].as_f64().unwrap());
    assert!(p50 > 0.0 && p50 <= p99, "{v}");

    // Runs that all fail give no timings, as if they were handshakes: they say so, and fail.
    let out = certbench(d, &["handshake", "--count", "3", "--no-client-cert"]);
    assert!(!out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("3 handshakes, 0 ok: no timings") && !said.contains("p50"),
        "{said}"
    );
    let out = certbench(
        d,
        &["handshake", "--count", "3", "--no-client-cert", "--json"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["p50_ms"].is_null() && v["handshakes_per_s"].is_null(),
        "{v}"
    );
}

/// SIGTERM, as `kill` and service managers send it, ends `--count` as Ctrl-C does: with what
/// was measured so far, and the exit code a shell gives a command SIGTERM ended.
#[test]
fn count_stopped_by_sigterm_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let keylog = d.join("keys.log");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_certbench"))
        .args(["--dir", d.to_str().unwrap()])
        .args(["handshake", "--count", "1000000", "--json", "--keylog"])
        .arg(&keylog)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once a run has ended (its secrets are in the key log), as a person would stop it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(&keylog).map_or(true, |k| k.lines().count() < 5) {
        assert!(std::time::Instant::now() < deadline, "no run ended");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out));
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(v["interrupted"], true, "{v}");
    assert!(v["count"].as_u64().unwrap() > 0, "{v}");
}

#[test]
fn a_client_that_rejects_the_server_is_named_as_the_side_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (ok, v, err) = transcript(d, &["--server-name", "wrong.example"]);
    assert!(!ok);
    assert!(
        err.contains("on the client's side")
            && err.contains("not valid for wrong.example")
            && err.contains("it names localhost, 127.0.0.1, ::1"),
        "{err}"
    );
    let refused = verdict(&v, "client", "chain");
    assert_eq!(refused["fields"]["ok"], false);
    assert_eq!(refused["fields"]["cause"]["code"], "name_mismatch");
    assert_eq!(refused["fields"]["cause"]["expected"], "wrong.example");
    // rustls maps NotValidForName to bad_certificate (its From<CertificateError>).
    assert_eq!(refused["fields"]["alert"], "bad_certificate");
    // The client's alert crosses the wire (under the handshake keys: the client has not sent
    // its Finished) and the server's handshake fails on it.
    assert!(note(&v, "server", "handshake_failed"), "{v}");
    let f = &v["failure"];
    assert_eq!(f["detected_by"], "client");
    assert_eq!(f["error"], "InvalidCertificate › NotValidForNameContext");
    assert_eq!(f["alert_sent"], "bad_certificate", "{f}");
    assert_eq!(f["alert_received"], "bad_certificate", "{f}");
    assert_eq!(
        f["stopped_after"],
        serde_json::json!({"message": "Finished", "from": "server"})
    );
    assert_eq!(f["culprit"]["certificate"], "server");
    assert_eq!(f["culprit"]["field"], "ext.subjectAltName");
}

/// A revoked client certificate: the server checks its CA's CRL and refuses it, as rustls maps
/// CertificateError::Revoked to the alert certificate_revoked.
#[test]
fn the_server_refuses_a_revoked_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "client",
        "bob",
        &["--cn", "bob", "--issuer", "intermediate"],
    );
    // Before the revocation bob is welcome; the CA without a CRL (the root) stays unknown, which
    // is allowed.
    let (ok, v, err) = transcript(d, &["--client", "bob"]);
    assert!(ok, "{err}");
    assert!(v["response"].as_str().unwrap().ends_with("Hello, bob\n"));
    certbench_ok(d, &["revoke", "bob"]);
    let (ok, v, err) = transcript(d, &["--client", "bob"]);
    assert!(!ok, "{v}");
    let f = &v["failure"];
    assert_eq!(f["detected_by"], "server", "{f}");
    assert_eq!(f["cause"]["code"], "revoked");
    assert_eq!(f["error"], "InvalidCertificate › Revoked");
    assert_eq!(f["alert_sent"], "certificate_revoked");
    assert_eq!(f["alert_received"], "certificate_revoked");
    assert_eq!(f["culprit"]["certificate"], "bob");
    assert_eq!(f["culprit"]["side"], "client");
    assert_eq!(f["culprit"]["field"], "serial");
    assert!(err.contains("on the server's side"), "{err}");
    // The others still pass.
    assert!(transcript(d, &[]).0);
}

/// The choices of a run: whether the server asks for a client certificate, what each side trusts.
#[test]
fn client_authentication_and_trust_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    // Optional: the server asks, and lets a client without a certificate in, unauthenticated.
    let (ok, v, err) = transcript(d, &["--client-auth", "optional", "--no-client-cert"]);
    assert!(ok, "{err}");
    assert!(flow(&v).contains(&("server".into(), "CertificateRequest".into())));
    assert!(v["client_identity"].is_null());
    assert!(note(&v, "server", "no_client_identity"), "{v}");
    // Optional with a certificate: authenticated as usual.
    let (ok, v, _) = transcript(d, &["--client-auth", "optional"]);
    assert!(ok);
    assert_eq!(v["client_identity"], "CN=alice,O=certbench");
    // None: no CertificateRequest at all, and the client's certificate is never sent.
    let (ok, v, _) = transcript(d, &["--client-auth", "none"]);
    assert!(ok);
    assert!(!flow(&v).iter().any(|(_, m)| m == "CertificateRequest"));
    assert!(!flow(&v).contains(&("client".into(), "Certificate".into())));
    // A client that trusts only the system's store refuses the workspace's server.
    let (ok, v, _) = transcript(d, &["--client-trusts", "system"]);
    assert!(!ok);
    assert_eq!(v["failure"]["detected_by"], "client");
    assert_eq!(v["failure"]["cause"]["code"], "unknown_issuer");
    let out = certbench(d, &["handshake", "--server-trusts", "nope"]);
    assert!(
        text(&out).contains("no root CA named \"nope\""),
        "{}",
        text(&out)
    );
}

/// Two roots with one name: the client trusts the other one, and the intermediate's signature is
/// what does not verify. The culprit is the intermediate, not the server's leaf.
#[test]
fn a_signature_that_does_not_verify_blames_the_certificate_it_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    // A second root CA takes its name from its workspace name: the chains under the first one
    // are then plainly not its own (an unknown issuer, not a signature that fails).
    issue(d, "ca", "ca3", &[]);
    let (ok, v, _) = transcript(d, &["--client-trusts", "ca3"]);
    assert!(!ok);
    assert_eq!(
        v["failure"]["cause"]["code"], "unknown_issuer",
        "{}",
        v["failure"]
    );
    // A second root CA, given the first one's name, with its own key.
    issue(d, "ca", "ca2", &["--cn", &workspace_cn(d, "ca")]);
    let (ok, v, _) = transcript(d, &["--client-trusts", "ca2"]);
    assert!(!ok);
    let f = &v["failure"];
    assert_eq!(f["detected_by"], "client");
    assert_eq!(f["cause"]["code"], "bad_signature");
    assert_eq!(f["culprit"]["field"], "signature_value");
    assert!(
        f["culprit"]["subject"]
            .as_str()
            .unwrap()
            .starts_with("CN=certbench Intermediate CA"),
        "{f}"
    );
    // openssl agrees the intermediate (depth 1) is what fails against that root.
    let out = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "ca2.crt",
            "-untrusted",
            "intermediate.crt",
            "server.crt",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("at 1 depth"), "{}", text(&out));
}

#[test]
fn a_handshake_in_an_empty_workspace_says_to_run_gen() {
    let dir = tempfile::tempdir().unwrap();
    let out = certbench(dir.path(), &["handshake"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("`certbench gen`"), "{}", text(&out));
}

/// Issue 25: `handshake --at` runs as it would go that day. A client certificate valid ten days:
/// nine days on the server takes it, eleven days on it refuses it with certificate_expired, as
/// `openssl verify -attime` says of the same certificate on those days.
#[test]
fn handshake_at_a_later_day_judges_the_certificates_then() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    common::certbench_ok(d, &["gen"]);
    common::issue(d, "client", "shortlived", &["--cn", "bob", "--days", "10"]);
    let at = |days: i64| {
        (time::OffsetDateTime::now_utc() + time::Duration::days(days))
            .replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let openssl_says = |days: i64| {
        let when = (time::OffsetDateTime::now_utc() + time::Duration::days(days)).unix_timestamp();
        common::text(&common::openssl(
            d,
            &[
                "verify",
                "-CAfile",
                "ca.crt",
                "-untrusted",
                "intermediate.crt",
                "-attime",
                &when.to_string(),
                "shortlived.crt",
            ],
        ))
    };
    assert!(openssl_says(9).contains("shortlived.crt: OK"));
    assert!(openssl_says(11).contains("certificate has expired"));
    let run = |days: i64| {
        let out = common::certbench(
            d,
            &[
                "handshake",
                "--client",
                "shortlived",
                "--at",
                &at(days),
                "--json",
            ],
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", common::text(&out)));
        (out.status.success(), v)
    };
    let (ok, v) = run(9);
    assert!(ok, "{v}");
    let (ok, v) = run(11);
    assert!(!ok, "{v}");
    assert_eq!(v["failure"]["detected_by"], "server", "{v}");
    assert_eq!(v["failure"]["cause"]["code"], "expired", "{v}");
    assert_eq!(v["failure"]["alert_sent"], "certificate_expired", "{v}");
}

/// Issue 25: `inspect --at` lints as on that day: the server certificate (a year) is not
/// expired at +300d and is at +400d, as `openssl x509 -checkend` says of the same seconds.
#[test]
fn inspect_at_a_later_day_lints_then() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    common::certbench_ok(d, &["gen"]);
    for (days, expired) in [(300i64, false), (400, true)] {
        let checkend = common::openssl(
            d,
            &[
                "x509",
                "-in",
                "server.crt",
                "-noout",
                "-checkend",
                &(days * 86_400).to_string(),
            ],
        );
        // openssl: exit 1 and "will expire" when it is expired by then.
        assert_eq!(
            !checkend.status.success(),
            expired,
            "{}",
            common::text(&checkend)
        );
        let out = common::certbench_ok(
            d,
            &[
                "inspect",
                "server.crt",
                "--json",
                "--at",
                &format!("+{days}d"),
            ],
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        let lints: Vec<&str> = v[0]["lints"]
            .as_array()
            .map(|l| l.iter().filter_map(|x| x["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(lints.contains(&"expired"), expired, "+{days}d: {lints:?}");
    }
}

/// Issue 25: `handshake --scenario NAME --at` runs a lab scenario as on that day. The server's
/// certificate, as tshark reads it from the run's own capture, is judged by `openssl x509
/// -checkend` at the same two days: not expired 300 days on, expired 400 days on; the run works
/// at the first and the client refuses the server with certificate_expired at the second.
#[test]
fn a_lab_scenario_at_a_later_day_fails_when_openssl_says_the_server_has_expired() {
    let tshark = common::require("tshark", "tshark");
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    for (days, expired) in [(300i64, false), (400, true)] {
        let pcap = d.join(format!("run-{days}.pcapng"));
        let out = common::certbench(
            d,
            &[
                "handshake",
                "--scenario",
                "hello-retry",
                "--json",
                "--at",
                &format!("+{days}d"),
                "--pcap",
                pcap.to_str().unwrap(),
            ],
        );
        let v: Value = serde_json::from_str(&String::from_utf8_lossy(&out.stdout))
            .unwrap_or_else(|e| panic!("{e}: {}", common::text(&out)));
        // The pcapng holds its key log (a Decryption Secrets Block): tshark opens TLS 1.3.
        let read = std::process::Command::new(&tshark)
            .arg("-r")
            .arg(&pcap)
            .args(["-Y", "tls.handshake.type == 11", "-T", "fields"])
            .args(["-e", "tcp.srcport", "-e", "tls.handshake.certificate"])
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&read.stdout);
        // The server's Certificate comes first; its first certificate is the leaf.
        let hex = listing
            .lines()
            .next()
            .and_then(|l| l.split('\t').nth(1))
            .and_then(|certs| certs.split(',').next())
            .unwrap_or_else(|| panic!("tshark found no Certificate: {}", common::text(&read)));
        let der: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let file = d.join(format!("server-{days}.der"));
        std::fs::write(&file, der).unwrap();
        let checkend = common::openssl(
            d,
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                file.to_str().unwrap(),
                "-noout",
                "-checkend",
                &(days * 86_400).to_string(),
            ],
        );
        assert_eq!(
            !checkend.status.success(),
            expired,
            "{}",
            common::text(&checkend)
        );
        assert_eq!(out.status.success(), !expired, "+{days}d: {v}");
        assert_eq!(v["ok"], !expired, "+{days}d: {v}");
        if expired {
            assert_eq!(v["failure"]["detected_by"], "client", "{v}");
            assert_eq!(v["failure"]["alert_sent"], "certificate_expired", "{v}");
            assert_eq!(v["failure"]["culprit"]["side"], "server", "{v}");
        }
    }
}
