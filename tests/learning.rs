#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! Issue 21, from the user's side: what a newcomer met in the first hour that taught the wrong
//! thing, each as the command they ran and what they would check. openssl is the judge of what a
//! certificate holds.

mod common;

use std::path::Path;

use common::{certbench, certbench_ok, issue, openssl, openssl_ok, text};

fn gen_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    certbench_ok(dir.path(), &["gen"]);
    dir
}

/// The subject of a certificate as openssl prints it.
fn openssl_subject(dir: &Path, cert: &str) -> String {
    openssl_ok(dir, &["x509", "-in", cert, "-noout", "-subject"])
}

/// A SAN is typed by its prefix (`uri:`, `email:`, `dns:`, `ip:`); the prefix says what kind of
/// name it is and is never part of the name: the CN made from it holds the name alone, or the
/// certificate's own name when the SAN is not a host name.
#[test]
fn a_san_type_prefix_never_reaches_the_common_name() {
    let d = gen_workspace();
    let dir = d.path();
    issue(dir, "server", "spiffe", &["--san", "uri:spiffe://a/b"]);
    let subject = openssl_subject(dir, "spiffe.crt");
    assert!(
        !subject.contains("uri:") && !subject.contains("spiffe://"),
        "a URI is not a host name, and its prefix is no CN: {subject}"
    );
    assert!(subject.contains("CN = spiffe"), "{subject}");

    issue(
        dir,
        "server",
        "web",
        &[
            "--san",
            "email:ops@example.org",
            "--san",
            "dns:Web.Example.org",
        ],
    );
    let subject = openssl_subject(dir, "web.crt");
    assert!(subject.contains("CN = web.example.org"), "{subject}");
    let sans = openssl_ok(
        dir,
        &["x509", "-in", "web.crt", "-noout", "-ext", "subjectAltName"],
    );
    assert!(
        sans.contains("email:ops@example.org") && sans.contains("DNS:web.example.org"),
        "{sans}"
    );

    issue(dir, "server", "by-ip", &["--san", "ip:10.0.0.7"]);
    assert!(openssl_subject(dir, "by-ip.crt").contains("CN = 10.0.0.7"));

    // A malformed name of a known type is refused with a sentence naming it.
    for (san, said) in [
        ("dns:a..b", "a..b"),
        ("ip:10.0.0.300", "10.0.0.300"),
        ("email:nobody", "nobody"),
        ("uri:not a uri", "not a uri"),
    ] {
        let out = certbench(
            dir,
            &["issue", "--role", "server", "--name", "bad", "--san", san],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && !err.contains("panicked"), "{san}");
        assert!(err.contains(said) && err.contains("SANs"), "{san}: {err}");
        assert!(!dir.join("bad.crt").exists());
    }
}

/// A server certificate whose names are all URIs or emails matches no name a client dials:
/// a lint says so (openssl agrees it has no DNS or IP name).
#[test]
fn a_server_certificate_without_a_dns_or_ip_name_is_linted() {
    let d = gen_workspace();
    let dir = d.path();
    issue(dir, "server", "spiffe", &["--san", "uri:spiffe://a/b"]);
    let sans = openssl_ok(
        dir,
        &[
            "x509",
            "-in",
            "spiffe.crt",
            "-noout",
            "-ext",
            "subjectAltName",
        ],
    );
    assert!(!sans.contains("DNS:") && !sans.contains("IP Address:"));
    let json: serde_json::Value =
        serde_json::from_str(&certbench_ok(dir, &["inspect", "--json", "spiffe.crt"])).unwrap();
    let lints: Vec<&str> = json[0]["lints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(
        lints.contains(&"server-without-host-name"),
        "lints: {lints:?}"
    );
    // The workspace's own server has a DNS name: no such lint.
    let json: serde_json::Value =
        serde_json::from_str(&certbench_ok(dir, &["inspect", "--json", "server.crt"])).unwrap();
    assert!(
        !json.to_string().contains("server-without-host-name"),
        "{json}"
    );
}

/// openssl's way of writing a serial: hex bytes with colons; a short one also in decimal, as
/// `openssl x509 -text` prints it ("4096 (0x1000)"), so "1000" is never ambiguous.
#[test]
fn serials_are_shown_as_openssl_shows_them() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    openssl_ok(
        dir,
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
            "-out",
            "small.pem",
            "-subj",
            "/CN=small",
            "-days",
            "30",
            "-set_serial",
            "4096",
        ],
    );
    let theirs = openssl_ok(dir, &["x509", "-in", "small.pem", "-noout", "-text"]);
    assert!(theirs.contains("4096 (0x1000)"), "{theirs}");
    let ours = certbench_ok(dir, &["inspect", "small.pem"]);
    let line = ours.lines().find(|l| l.contains("Serial")).unwrap();
    assert!(
        line.contains("10:00") && line.contains("4096"),
        "hex with colons, and decimal beside: {line}"
    );

    // A long serial: openssl -serial's hex, with colons.
    certbench_ok(dir, &["gen"]);
    let serial = openssl_ok(dir, &["x509", "-in", "server.crt", "-noout", "-serial"]);
    let hex = serial.trim().trim_start_matches("serial=");
    let with_colons = hex
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    let ours = certbench_ok(dir, &["inspect", "server.crt"]);
    let line = ours.lines().find(|l| l.contains("Serial")).unwrap();
    assert!(line.contains(&with_colons), "{line} vs {with_colons}");
}

/// A folder holds keys, a manifest, an openssl CA's index.txt: they are not certificates and
/// not errors. `inspect DIR` and `verify DIR` pass over them and say so once.
#[test]
fn folders_pass_over_files_that_are_not_certificates() {
    let d = gen_workspace();
    let dir = d.path();
    std::fs::write(
        dir.join("index.txt"),
        "V\t271206000000Z\t\t1000\tunknown\t/CN=x\n",
    )
    .unwrap();
    let out = certbench(dir, &["inspect", "."]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(!shown.contains("error"), "{shown}");
    for name in ["ca.key", "client.key", "index.txt", "certbench.toml"] {
        let line = shown
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} is not named: {shown}"));
        assert!(line.contains("passed over"), "{line}");
    }
    assert!(shown.contains("CN=alice"), "{shown}");

    // Every certificate in the folder verified, each on its line; what is not one passed over.
    let out = certbench(dir, &["verify", "."]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    for cert in ["server.crt", "client.crt", "intermediate.crt", "ca.crt"] {
        let line = shown
            .lines()
            .find(|l| l.contains(cert) && l.contains("OK"))
            .unwrap_or_else(|| panic!("{cert} is not verified: {shown}"));
        assert!(!line.contains("index.txt"), "{line}");
    }
    assert!(shown.contains("passed over"), "{shown}");
    // openssl agrees the server's chain verifies.
    let theirs = openssl(
        dir,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "server.crt",
        ],
    );
    assert!(theirs.status.success());

    // A folder with one bad certificate: that one fails, the others pass, the exit says so.
    issue(dir, "client", "late", &["--not-before", "+10d"]);
    let out = certbench(dir, &["verify", "."]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    let line = shown.lines().find(|l| l.contains("late.crt")).unwrap();
    assert!(!line.contains("OK"), "{line}");

    // --json: one object per certificate verified.
    let out = certbench(dir, &["verify", "--json", "."]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = json.as_array().unwrap();
    assert!(
        all.iter()
            .any(|v| v["file"].as_str().unwrap().ends_with("late.crt") && v["ok"] == false)
    );
    assert!(
        all.iter()
            .any(|v| v["file"].as_str().unwrap().ends_with("server.crt") && v["ok"] == true)
    );
}
