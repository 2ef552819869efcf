#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! Who proved what to whom, read from real loopback runs: the names are the certificates' own as
//! openssl reads them from the workspace's files, and what the client did not prove is told apart
//! (not asked, asked and declined).

mod common;

use certbench_tls::proof::{ClientProof, Phase, Proofs, proofs};
use certbench_tls::run::{ClientAuth, RunOptions, TlsVersion};

fn subject(dir: &std::path::Path, file: &str) -> String {
    let out = common::openssl_ok(
        dir,
        &[
            "x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    out.trim().trim_start_matches("subject=").to_string()
}

fn run(dir: &std::path::Path, version: TlsVersion, client: bool, auth: ClientAuth) -> Proofs {
    let mut opts = RunOptions::new(dir.to_path_buf());
    opts.version = version;
    opts.client_auth = auth;
    if !client {
        opts.material.client = None;
    }
    let (events, summary) = common::loopback(&opts);
    assert!(summary.ok(), "{summary:?}");
    proofs(&events)
}

#[test]
fn each_side_is_named_as_openssl_reads_its_certificate() {
    let d = tempfile::tempdir().unwrap();
    common::certbench_ok(d.path(), &["gen"]);
    let (server, client, root, intermediate) = (
        subject(d.path(), "server.crt"),
        subject(d.path(), "client.crt"),
        subject(d.path(), "ca.crt"),
        subject(d.path(), "intermediate.crt"),
    );
    for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
        let p = run(d.path(), version, true, ClientAuth::Required);
        let s = p.server.as_ref().unwrap();
        assert_eq!(
            (&s.subject, &s.issuer, &s.anchor),
            (&server, &intermediate, &root)
        );
        assert_eq!(s.name.as_deref(), Some("localhost"));
        assert!(s.chain_ok && s.signature.as_ref().is_some_and(|sig| sig.ok));
        let ClientProof::Proved(c) = &p.client else {
            panic!("{:?}", p.client)
        };
        assert_eq!((&c.subject, &c.anchor), (&client, &root));
        assert!(c.chain_ok && c.signature.as_ref().is_some_and(|sig| sig.ok));
        // The phases, in the order they happened, each within the whole.
        let whole = p
            .phases
            .iter()
            .find(|(ph, _)| *ph == Phase::Handshake)
            .unwrap()
            .1;
        let hello = p
            .phases
            .iter()
            .find(|(ph, _)| *ph == Phase::Hello)
            .unwrap()
            .1;
        assert!(hello > 0 && hello < whole, "{:?}", p.phases);
        let sentences = certbench_tls::proof::sentences(&p);
        assert!(sentences[0].contains(&server), "{sentences:?}");
        assert!(sentences[1].contains(&client), "{sentences:?}");
    }
}

#[test]
fn a_client_that_proves_nothing_is_told_why() {
    let d = tempfile::tempdir().unwrap();
    common::certbench_ok(d.path(), &["gen"]);
    let p = run(d.path(), TlsVersion::Tls13, false, ClientAuth::Optional);
    assert_eq!(p.client, ClientProof::Declined);
    let p = run(d.path(), TlsVersion::Tls13, true, ClientAuth::None);
    assert_eq!(p.client, ClientProof::NotAsked);
    let p = run(d.path(), TlsVersion::Tls12, true, ClientAuth::None);
    assert_eq!(p.client, ClientProof::NotAsked);
}

#[test]
fn the_cli_says_who_proved_what_after_a_run() {
    let d = tempfile::tempdir().unwrap();
    common::certbench_ok(d.path(), &["gen"]);
    let out = common::certbench_ok(d.path(), &["handshake"]);
    for (side, file) in [("server", "server.crt"), ("client", "client.crt")] {
        let want = format!(
            "The {side} proved it holds the key of {}",
            subject(d.path(), file)
        );
        assert!(out.contains(&want), "{want} missing:\n{out}");
    }
    assert!(
        out.contains("the whole handshake, ClientHello → last Finished"),
        "{out}"
    );
    let out = common::certbench_ok(d.path(), &["handshake", "--client-auth", "none"]);
    assert!(
        out.contains("The client proved nothing: the server did not ask"),
        "{out}"
    );
}

/// After a HelloRetryRequest the phases count from the second ClientHello to the real
/// ServerHello; the retry's round trip is a phase of its own, within the whole.
#[test]
fn a_hello_retry_has_its_own_phase() {
    let s = certbench_lab::SCENARIOS
        .iter()
        .find(|s| s.name == "hello-retry")
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let summary = rt
        .block_on(certbench_lab::run(s, &Default::default(), tx))
        .unwrap();
    assert!(summary.ok(), "{summary:?}");
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    let p = proofs(&events);
    let phase = |ph: Phase| p.phases.iter().find(|(x, _)| *x == ph).map(|(_, t)| *t);
    let (retry, hello, whole) = (
        phase(Phase::Retry).unwrap(),
        phase(Phase::Hello).unwrap(),
        phase(Phase::Handshake).unwrap(),
    );
    assert!(retry + hello <= whole, "{:?}", p.phases);
    // The hello that counts is answered by the real ServerHello: from the second ClientHello.
    let second_hello = events
        .iter()
        .filter(|e| e.message_name() == Some("ClientHello"))
        .nth(1)
        .unwrap()
        .t_us;
    let first = events
        .iter()
        .find(|e| e.message_name() == Some("ClientHello"))
        .unwrap()
        .t_us;
    assert_eq!(retry, second_hello - first);
}

/// `handshake --json` carries who proved what as data: each side's subject as openssl reads it,
/// the signature's verdict, the phases in microseconds.
#[test]
fn the_json_transcript_says_who_proved_what() {
    let d = tempfile::tempdir().unwrap();
    common::certbench_ok(d.path(), &["gen"]);
    let out = common::certbench_ok(d.path(), &["handshake", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = &v["proofs"];
    assert_eq!(
        p["server"]["subject"],
        subject(d.path(), "server.crt").as_str()
    );
    assert_eq!(p["client"]["kind"], "proved");
    assert_eq!(
        p["client"]["subject"],
        subject(d.path(), "client.crt").as_str()
    );
    assert_eq!(p["client"]["signature"]["ok"], true);
    assert!(p["phases_us"]["handshake"].as_u64().unwrap() > 0, "{p}");
    let out = common::certbench_ok(d.path(), &["handshake", "--json", "--client-auth", "none"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["proofs"]["client"]["kind"], "not_asked");
}
