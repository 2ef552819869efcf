#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench issue --csr`: a request openssl made (its key never given to certbench) is signed
//! with what the role's profile grants; openssl verifies the result and reads the granted
//! extensions; the certificate works in a real mTLS handshake with the service's own key; what
//! is refused, and requests that cannot be signed, are said.

mod common;

use std::path::Path;

use common::*;

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    certbench_ok(dir.path(), &["gen"]);
    dir
}

/// A request made by openssl for `subject`, with `addext` extensions; its key in `KEY`.
/// openssl's text of one extension of `cert`, without its heading.
fn ext(d: &Path, cert: &str, name: &str) -> String {
    let out = openssl_ok(d, &["x509", "-in", cert, "-noout", "-ext", name]);
    out.lines()
        .skip(1)
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A server's own request (SANs, serverAuth) is signed: openssl verifies it up to the root,
/// shows the names and usages asked for, and the certificate holds the request's public key;
/// no key file is written, and the manifest says so.
#[test]
fn a_request_openssl_made_is_signed_and_openssl_verifies_it() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(
        d,
        "svc.key",
        "svc.csr",
        &p256(),
        "/O=Acme/CN=svc.local",
        &[
            "subjectAltName=DNS:svc.local,IP:10.0.0.1",
            "extendedKeyUsage=serverAuth",
            "keyUsage=digitalSignature",
        ],
    );
    // The service keeps its key elsewhere: certbench's workspace never sees it.
    std::fs::create_dir(d.join("service")).unwrap();
    std::fs::rename(d.join("svc.key"), d.join("service/svc.key")).unwrap();
    let out = certbench_ok(
        d,
        &[
            "issue", "--csr", "svc.csr", "--role", "server", "--name", "svc",
        ],
    );
    assert!(out.contains("subjectAltName DNS:svc.local"), "{out}");
    assert!(out.contains("subjectAltName IP:10.0.0.1"), "{out}");
    assert!(!out.contains("refused"), "{out}");
    assert!(!d.join("svc.key").exists());
    let verified = openssl_ok(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "svc.local",
            "svc.crt",
        ],
    );
    assert!(verified.contains("svc.crt: OK"), "{verified}");
    assert_eq!(
        ext(d, "svc.crt", "subjectAltName"),
        "DNS:svc.local, IP Address:10.0.0.1"
    );
    assert_eq!(
        ext(d, "svc.crt", "extendedKeyUsage"),
        "TLS Web Server Authentication"
    );
    assert_eq!(ext(d, "svc.crt", "keyUsage"), "Digital Signature");
    assert_eq!(ext(d, "svc.crt", "basicConstraints"), "CA:FALSE");
    let subject = openssl_ok(
        d,
        &[
            "x509", "-in", "svc.crt", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    assert_eq!(subject.trim(), "subject=CN=svc.local,O=Acme");
    assert_eq!(
        openssl_ok(d, &["x509", "-in", "svc.crt", "-noout", "-pubkey"]),
        openssl_ok(d, &["req", "-in", "svc.csr", "-noout", "-pubkey"])
    );
    // The chain file is the certificate and the intermediate, as for any leaf.
    let chain = std::fs::read_to_string(d.join("svc-chain.crt")).unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
    let manifest = std::fs::read_to_string(d.join("certbench.toml")).unwrap();
    let entry = manifest
        .split("[[entity]]")
        .find(|e| e.contains("\"svc\""))
        .unwrap();
    assert!(!entry.contains("key ="), "{entry}");
    // What needs the key says where it is; the certificate alone goes out.
    let out = certbench(d, &["export", "svc", "--format", "pem-bundle"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("not in the workspace"),
        "{}",
        text(&out)
    );
    certbench_ok(d, &["export", "svc", "--format", "der"]);
    let out = certbench(d, &["handshake", "--server", "svc"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("signed from a request"),
        "{}",
        text(&out)
    );
}

/// The certificate works where the key is: openssl s_server serves it with the service's own
/// key, and certbench's client completes mutual TLS against it, checking the name svc.local.
#[test]
fn the_signed_certificate_serves_mtls_with_the_services_own_key() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(
        d,
        "svc.key",
        "svc.csr",
        &["-newkey", "rsa:2048"],
        "/CN=svc.local",
        &["subjectAltName=DNS:svc.local"],
    );
    certbench_ok(
        d,
        &[
            "issue", "--csr", "svc.csr", "--role", "server", "--name", "svc",
        ],
    );
    let (server, port) = openssl_server(
        d,
        "svc",
        &[
            "-naccept",
            "1",
            "-www",
            "-CAfile",
            "ca.crt",
            "-Verify",
            "1",
            "-verify_return_error",
        ],
    );
    let out = certbench(
        d,
        &[
            "connect",
            &format!("127.0.0.1:{port}"),
            "--server-name",
            "svc.local",
            "--client",
            "client",
            "--json",
        ],
    );
    drop(server);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true, "{v}");
}

/// What the profile does not grant is refused and said, one line each, and the certificate
/// is what openssl shows: CA:FALSE, serverAuth alone, digitalSignature alone, only the
/// subject's CN, O and C.
#[test]
fn what_a_request_may_not_have_is_refused_and_said() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(
        d,
        "greedy.key",
        "greedy.csr",
        &p256(),
        "/C=FR/ST=IDF/L=Paris/O=Acme/CN=greedy.local",
        &[
            "subjectAltName=DNS:greedy.local,DNS:greedy.local,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:me@acme.test",
            "extendedKeyUsage=serverAuth,codeSigning",
            "keyUsage=digitalSignature,keyCertSign",
            "basicConstraints=critical,CA:TRUE",
            "1.2.3.4.5=critical,ASN1:UTF8String:hello",
        ],
    );
    let out = certbench_ok(
        d,
        &[
            "issue",
            "--csr",
            "greedy.csr",
            "--role",
            "server",
            "--name",
            "greedy",
        ],
    );
    let line = |what: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(what))
            .unwrap_or_else(|| panic!("no line for {what}: {out}"))
            .to_string()
    };
    for refused in [
        "subject ST=IDF",
        "subject L=Paris",
        "extendedKeyUsage codeSigning",
        "keyUsage keyCertSign",
        "basicConstraints CA:TRUE",
        "subjectAltName othername",
        "extension 1.2.3.4.5, critical",
    ] {
        assert!(line(refused).contains("refused"), "{refused}: {out}");
    }
    for kept in [
        "subject C=FR",
        "subject CN=greedy.local",
        "subjectAltName DNS:greedy.local",
        "extendedKeyUsage serverAuth",
        "keyUsage digitalSignature",
    ] {
        assert!(line(kept).ends_with("kept"), "{kept}: {out}");
    }
    assert_eq!(ext(d, "greedy.crt", "basicConstraints"), "CA:FALSE");
    assert_eq!(
        ext(d, "greedy.crt", "extendedKeyUsage"),
        "TLS Web Server Authentication"
    );
    assert_eq!(ext(d, "greedy.crt", "keyUsage"), "Digital Signature");
    // The name asked for twice is in the certificate once; the other extension is not there.
    assert_eq!(ext(d, "greedy.crt", "subjectAltName"), "DNS:greedy.local");
    let text = openssl_ok(d, &["x509", "-in", "greedy.crt", "-noout", "-text"]);
    assert!(!text.contains("1.2.3.4.5"), "{text}");
    assert!(!text.contains("hello"), "{text}");
    let subject = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "greedy.crt",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
        ],
    );
    assert_eq!(subject.trim(), "subject=CN=greedy.local,O=Acme,C=FR");
}

/// Requests that cannot be signed are refused in a sentence, and nothing is written: one whose
/// signature does not verify (changed after signing), a key certbench does not sign (RSA 1024),
/// a file that is not a request, a CA role; `--review` shows and signs nothing; a client
/// request gets clientAuth.
#[test]
fn requests_that_cannot_be_signed_are_said_and_nothing_is_written() {
    let dir = workspace();
    let d = dir.path();
    let refused = |args: &[&str], why: &str| {
        let before = std::fs::read(d.join("certbench.toml")).unwrap();
        let out = certbench(d, args);
        assert!(!out.status.success(), "{args:?} worked: {}", text(&out));
        assert!(text(&out).contains(why), "{args:?}: {}", text(&out));
        assert_eq!(std::fs::read(d.join("certbench.toml")).unwrap(), before);
        assert!(!d.join("bad.crt").exists());
    };
    openssl_csr(
        d,
        "ok.key",
        "ok.csr",
        &p256(),
        "/CN=aaaaaaaa",
        &["subjectAltName=DNS:aaaaaaaa.local"],
    );
    // The same request with its subject changed after it was signed.
    openssl_ok(
        d,
        &["req", "-in", "ok.csr", "-outform", "DER", "-out", "ok.der"],
    );
    let mut bytes = std::fs::read(d.join("ok.der")).unwrap();
    let at = bytes.windows(8).position(|w| w == b"aaaaaaaa").unwrap();
    bytes[at] = b'b';
    std::fs::write(d.join("changed.der"), &bytes).unwrap();
    let issue = |csr: &'static str, role: &'static str| {
        vec!["issue", "--csr", csr, "--role", role, "--name", "bad"]
    };
    refused(&issue("changed.der", "server"), "signature does not verify");
    openssl_csr(
        d,
        "weak.key",
        "weak.csr",
        &["-newkey", "rsa:1024"],
        "/CN=weak",
        &["subjectAltName=DNS:weak.local"],
    );
    refused(&issue("weak.csr", "server"), "RSA 1024");
    refused(
        &issue("ca.crt", "server"),
        "a PEM CERTIFICATE, not a CERTIFICATE REQUEST",
    );
    refused(&issue("ok.csr", "intermediate"), "server and client");
    refused(&issue("no-such.csr", "server"), "no-such.csr");
    let out = certbench_ok(
        d,
        &[
            "issue", "--csr", "ok.der", "--role", "server", "--name", "bad", "--review",
        ],
    );
    assert!(out.contains("Nothing was signed"), "{out}");
    assert!(!d.join("bad.crt").exists());
    // A client's request: clientAuth, and openssl agrees it is for clients.
    openssl_csr(d, "bob.key", "bob.csr", &p256(), "/CN=bob", &[]);
    certbench_ok(
        d,
        &[
            "issue", "--csr", "bob.csr", "--role", "client", "--name", "bob",
        ],
    );
    assert_eq!(
        ext(d, "bob.crt", "extendedKeyUsage"),
        "TLS Web Client Authentication"
    );
    let verified = openssl_ok(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "-purpose",
            "sslclient",
            "bob.crt",
        ],
    );
    assert!(verified.contains("bob.crt: OK"), "{verified}");
}

/// A name is signed as the kind it was asked as: a DNS name that reads as a URI, an email
/// address or an IP stays a DNS name (refused as one, or kept as a DNS name), never becomes an
/// identity of another kind the review did not show.
#[test]
fn a_name_keeps_the_kind_it_was_asked_as() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(
        d,
        "sly.key",
        "sly.csr",
        &p256(),
        "/CN=sly.local",
        &[
            "subjectAltName=DNS:sly.local,DNS:uri:spiffe://prod/ns/pay/sa/admin,DNS:email:ceo@acme.test,DNS:10.1.2.3",
        ],
    );
    let out = certbench_ok(
        d,
        &[
            "issue", "--csr", "sly.csr", "--role", "server", "--name", "sly",
        ],
    );
    for refused in [
        "subjectAltName DNS:uri:spiffe://prod/ns/pay/sa/admin",
        "subjectAltName DNS:email:ceo@acme.test",
    ] {
        let line = out.lines().find(|l| l.trim_start().starts_with(refused));
        assert!(
            line.is_some_and(|l| l.contains("refused")),
            "{refused}: {out}"
        );
    }
    let sans = ext(d, "sly.crt", "subjectAltName");
    assert!(!sans.contains("URI:"), "{sans}");
    assert!(!sans.contains("email:"), "{sans}");
    assert!(!sans.contains("IP Address:"), "{sans}");
    assert!(sans.starts_with("DNS:sly.local"), "{sans}");
}

/// P-384 and Ed25519 requests are signed too, and each certificate holds the request's own
/// public key (as openssl prints both).
#[test]
fn p384_and_ed25519_requests_keep_their_key() {
    let dir = workspace();
    let d = dir.path();
    for (name, newkey) in [
        (
            "p384",
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        ),
        ("ed", vec!["-newkey", "ed25519"]),
    ] {
        let (key, csr) = (format!("{name}.key"), format!("{name}.csr"));
        openssl_csr(
            d,
            &key,
            &csr,
            &newkey,
            &format!("/CN={name}.local"),
            &[&format!("subjectAltName=DNS:{name}.local")],
        );
        certbench_ok(
            d,
            &["issue", "--csr", &csr, "--role", "server", "--name", name],
        );
        let cert = format!("{name}.crt");
        assert_eq!(
            openssl_ok(d, &["x509", "-in", &cert, "-noout", "-pubkey"]),
            openssl_ok(d, &["req", "-in", &csr, "-noout", "-pubkey"]),
            "{name}"
        );
        let verified = openssl_ok(
            d,
            &[
                "verify",
                "-CAfile",
                "ca.crt",
                "-untrusted",
                "intermediate.crt",
                &cert,
            ],
        );
        assert!(verified.contains(": OK"), "{verified}");
    }
}

/// A request signed with a digest certbench cannot check is said as that, not as a forgery;
/// replacing a certificate (--force) with one signed from a request leaves no old key behind.
#[test]
fn an_unchecked_signature_is_said_and_force_leaves_no_old_key() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(
        d,
        "s512.key",
        "s512.csr",
        &[&p256()[..], &["-sha512"]].concat(),
        "/CN=s512",
        &["subjectAltName=DNS:s512.local"],
    );
    let out = certbench(
        d,
        &[
            "issue", "--csr", "s512.csr", "--role", "server", "--name", "s512",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("signature algorithm"), "{}", text(&out));
    assert!(!text(&out).contains("changed after"), "{}", text(&out));
    openssl_csr(
        d,
        "svc.key",
        "svc.csr",
        &p256(),
        "/CN=localhost",
        &["subjectAltName=DNS:localhost"],
    );
    let old_key = std::fs::read(d.join("server.key")).unwrap();
    certbench_ok(
        d,
        &[
            "issue", "--csr", "svc.csr", "--role", "server", "--name", "server", "--force",
        ],
    );
    assert!(
        !d.join("server.key").exists(),
        "the old key stayed in the workspace"
    );
    let archived: Vec<_> = walk(&d.join("replaced"))
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "server.key"))
        .collect();
    assert_eq!(archived.len(), 1);
    assert_eq!(std::fs::read(&archived[0]).unwrap(), old_key);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Without --role and --name, a request for clientAuth alone is signed as a client named after
/// its CN; --eku serverAuth,clientAuth signs a service that is both (openssl shows both); two
/// requests in one file are refused; `list` says whose key is elsewhere.
#[test]
fn role_and_name_come_from_the_request_and_eku_can_say_both() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(
        d,
        "bot.key",
        "bot.csr",
        &p256(),
        "/CN=Build Bot",
        &["extendedKeyUsage=clientAuth"],
    );
    let out = certbench_ok(d, &["issue", "--csr", "bot.csr"]);
    assert!(
        out.contains("Issued client certificate \"build-bot\""),
        "{out}"
    );
    assert_eq!(
        ext(d, "build-bot.crt", "extendedKeyUsage"),
        "TLS Web Client Authentication"
    );
    openssl_csr(
        d,
        "both.key",
        "both.csr",
        &p256(),
        "/CN=both.local",
        &[
            "subjectAltName=DNS:both.local",
            "extendedKeyUsage=serverAuth,clientAuth",
        ],
    );
    let out = certbench_ok(
        d,
        &[
            "issue",
            "--csr",
            "both.csr",
            "--role",
            "server",
            "--name",
            "both",
            "--eku",
            "serverAuth,clientAuth",
        ],
    );
    assert!(!out.contains("refused"), "{out}");
    assert_eq!(
        ext(d, "both.crt", "extendedKeyUsage"),
        "TLS Web Server Authentication, TLS Web Client Authentication"
    );
    let two = [
        std::fs::read(d.join("bot.csr")).unwrap(),
        std::fs::read(d.join("both.csr")).unwrap(),
    ]
    .concat();
    std::fs::write(d.join("two.csr"), two).unwrap();
    let out = certbench(d, &["issue", "--csr", "two.csr"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("holds 2 requests"), "{}", text(&out));
    let list = certbench_ok(d, &["list"]);
    let row = list
        .lines()
        .find(|l| l.trim_start().starts_with("both "))
        .unwrap();
    assert!(row.contains("(elsewhere)"), "{row}");
    let row = list
        .lines()
        .find(|l| l.trim_start().starts_with("server "))
        .unwrap();
    assert!(!row.contains("(elsewhere)"), "{row}");
}

/// What matters is in view when a request cannot be signed as asked: --review lists what it
/// asks for, then says why not (a server without a name: --san is suggested); clientAuth asked
/// of a server says how to grant both; --force without --name replaces the certificate named
/// after the CN, and says what it replaces.
#[test]
fn the_review_shows_why_before_refusing_and_force_replaces_by_cn() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(
        d,
        "bare.key",
        "bare.csr",
        &p256(),
        "/CN=bare.local",
        &["extendedKeyUsage=serverAuth,clientAuth"],
    );
    let out = certbench(d, &["issue", "--csr", "bare.csr", "--review"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("extendedKeyUsage clientAuth"), "{stdout}");
    assert!(stdout.contains("--eku serverAuth,clientAuth"), "{stdout}");
    assert!(stderr.contains("--san NAME"), "{stderr}");
    certbench_ok(d, &["issue", "--csr", "bare.csr", "--san", "bare.local"]);
    assert!(d.join("bare.local.crt").exists());
    let before = std::fs::read(d.join("bare.local.crt")).unwrap();
    let out = certbench_ok(
        d,
        &[
            "issue",
            "--csr",
            "bare.csr",
            "--san",
            "bare.local",
            "--force",
        ],
    );
    assert!(out.contains("\"bare.local\" exists"), "{out}");
    assert!(!d.join("bare.local-2.crt").exists());
    assert_ne!(std::fs::read(d.join("bare.local.crt")).unwrap(), before);
}

/// --eku clientAuth without --role signs a client; --force with a name from the CN does not
/// replace a certificate of another kind (the demo client, whose key the workspace holds): the
/// new one gets a name of its own.
#[test]
fn eku_decides_the_role_and_force_spares_other_certificates() {
    let dir = workspace();
    let d = dir.path();
    openssl_csr(d, "c.key", "c.csr", &p256(), "/CN=client", &[]);
    let client_before = std::fs::read(d.join("client.crt")).unwrap();
    let out = certbench_ok(
        d,
        &["issue", "--csr", "c.csr", "--eku", "clientAuth", "--force"],
    );
    assert!(
        out.contains("Issued client certificate \"client-2\""),
        "{out}"
    );
    assert_eq!(std::fs::read(d.join("client.crt")).unwrap(), client_before);
    assert!(d.join("client.key").exists());
    assert_eq!(
        ext(d, "client-2.crt", "extendedKeyUsage"),
        "TLS Web Client Authentication"
    );
}
