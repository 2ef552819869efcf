#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `certbench export`: the files other tools take, read by those tools (openssl, keytool, curl),
//! modern and legacy PKCS#12, a trust store, a PEM bundle, DER; and what it refuses.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    certbench_ok(dir.path(), &["gen"]);
    std::fs::write(dir.path().join("pw"), "s3cret pass\n").unwrap();
    dir
}

fn keytool_list(d: &Path, store: &str) -> String {
    let out = Command::new(require("keytool", "default-jdk-headless"))
        .current_dir(d)
        .args([
            "-list",
            "-keystore",
            store,
            "-storetype",
            "PKCS12",
            "-storepass:file",
            "pw",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "keytool: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sha256_of(d: &Path, pem: &str) -> String {
    openssl_ok(
        d,
        &["x509", "-in", pem, "-noout", "-fingerprint", "-sha256"],
    )
    .trim()
    .trim_start_matches("sha256 Fingerprint=")
    .to_string()
}

/// PKCS#12, modern and legacy: openssl reads the key, the certificate and its intermediate with
/// the password, names the algorithms, and keytool lists one private key entry whose
/// fingerprint is the client certificate's.
#[test]
fn pkcs12_modern_and_legacy_are_read_by_openssl_and_keytool() {
    let dir = workspace();
    let d = dir.path();
    for (file, legacy, wanted) in [
        ("modern.p12", false, "PBES2, PBKDF2, AES-256-CBC"),
        ("legacy.p12", true, "pbeWithSHA1And3-KeyTripleDES-CBC"),
    ] {
        let mut args = vec!["export", "client", "--password-file", "pw", "--out", file];
        if legacy {
            args.push("--legacy");
        }
        certbench_ok(d, &args);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(d.join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let info = openssl(
            d,
            &[
                "pkcs12", "-info", "-noout", "-in", file, "-passin", "file:pw",
            ],
        );
        assert!(info.status.success(), "{file}: {}", text(&info));
        assert!(text(&info).contains(wanted), "{file}: {}", text(&info));
        // The key and both certificates come out again, as PEM.
        let pems = openssl_ok(
            d,
            &[
                "pkcs12", "-in", file, "-passin", "file:pw", "-nodes", "-out", "-",
            ],
        );
        assert_eq!(
            pems.matches("BEGIN CERTIFICATE").count(),
            2,
            "{file}: {pems}"
        );
        assert_eq!(pems.matches("BEGIN PRIVATE KEY").count(), 1, "{file}");
        let list = keytool_list(d, file);
        assert!(list.contains("PrivateKeyEntry"), "{file}: {list}");
        assert!(list.contains(&sha256_of(d, "client.crt")), "{file}: {list}");
        // A wrong password is refused by openssl.
        std::fs::write(d.join("wrong"), "nope\n").unwrap();
        let wrong = openssl(
            d,
            &[
                "pkcs12",
                "-info",
                "-noout",
                "-in",
                file,
                "-passin",
                "file:wrong",
            ],
        );
        assert!(!wrong.status.success());
    }
}

/// The trust store holds the root as a trusted certificate entry (what Java's TrustManager
/// reads); DER is the certificate openssl reads, with the same fingerprint.
#[test]
fn truststore_and_der_are_what_keytool_and_openssl_read() {
    let dir = workspace();
    let d = dir.path();
    certbench_ok(
        d,
        &[
            "export",
            "client",
            "--format",
            "truststore",
            "--password-file",
            "pw",
        ],
    );
    let list = keytool_list(d, "client-truststore.p12");
    assert!(list.contains("trustedCertEntry"), "{list}");
    assert!(list.contains(&sha256_of(d, "ca.crt")), "{list}");
    certbench_ok(d, &["export", "server", "--format", "der"]);
    let der_fp = openssl_ok(
        d,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            "server.der",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    );
    assert_eq!(
        der_fp.trim().trim_start_matches("sha256 Fingerprint="),
        sha256_of(d, "server.crt")
    );
}

/// The PEM bundle (key, certificate, intermediate in one file) is what curl takes as --cert
/// alone, against openssl s_server requiring a verified client certificate.
#[test]
fn a_pem_bundle_is_one_file_for_curl() {
    let dir = workspace();
    let d = dir.path();
    certbench_ok(d, &["export", "client", "--format", "pem-bundle"]);
    let (server, port) = openssl_www(
        d,
        &[
            "-naccept",
            "1",
            "-CAfile",
            "ca.crt",
            "-Verify",
            "1",
            "-verify_return_error",
        ],
    );
    let out = Command::new(require("curl", "curl"))
        .current_dir(d)
        .args([
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            "ca.crt",
            "--cert",
            "client-bundle.pem",
        ])
        .arg(format!("https://localhost:{port}/"))
        .output()
        .unwrap();
    drop(server);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("CN=alice"),
        "{}",
        text(&out)
    );
}

/// What export refuses, in a sentence each: a CA's key, an unknown name, no password for
/// PKCS#12, an empty one, and a file that exists (unless --force).
#[test]
fn export_refuses_clearly_and_overwrites_nothing() {
    let dir = workspace();
    let d = dir.path();
    let err = |args: &[&str]| {
        let out = certbench(d, args);
        assert!(!out.status.success(), "{args:?} worked");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(err(&["export", "ca", "--password-file", "pw"]).contains("is a CA"));
    assert!(err(&["export", "nobody", "--password-file", "pw"]).contains("no certificate named"));
    let out = certbench(d, &["export", "client"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("needs a password"));
    std::fs::write(d.join("empty"), "\n").unwrap();
    assert!(err(&["export", "client", "--password-file", "empty"]).contains("empty password"));
    certbench_ok(d, &["export", "client", "--format", "der"]);
    let before = std::fs::read(d.join("client.der")).unwrap();
    assert!(
        err(&["export", "server", "--format", "der", "--out", "client.der"]).contains("exists")
    );
    assert_eq!(std::fs::read(d.join("client.der")).unwrap(), before);
    certbench_ok(
        d,
        &[
            "export",
            "server",
            "--format",
            "der",
            "--out",
            "client.der",
            "--force",
        ],
    );
    assert_ne!(std::fs::read(d.join("client.der")).unwrap(), before);
    assert!(
        err(&[
            "export",
            "server",
            "--format",
            "der",
            "--out",
            "no-such-folder/x.der"
        ])
        .contains("does not exist")
    );
    assert!(!d.join("no-such-folder").exists());
    // A folder given as the file: the sentence names a file to give instead.
    std::fs::create_dir(d.join("stores")).unwrap();
    let said = err(&["export", "server", "--format", "der", "--out", "stores"]);
    assert!(said.contains("is a folder"), "{said}");
    assert!(said.contains("stores/server.der"), "{said}");
    // Replacing is said.
    let out = certbench_ok(
        d,
        &[
            "export",
            "client",
            "--format",
            "der",
            "--out",
            "client.der",
            "--force",
        ],
    );
    assert!(out.contains("replacing"), "{out}");
}

/// `inspect --password-file` reads the certificates of a PKCS#12 bundle, ours (modern, legacy)
/// and one openssl made; without the password it says what to give; a wrong one is said.
#[test]
fn inspect_reads_pkcs12_with_its_password() {
    let dir = workspace();
    let d = dir.path();
    certbench_ok(d, &["export", "client", "--password-file", "pw"]);
    certbench_ok(
        d,
        &[
            "export",
            "client",
            "--password-file",
            "pw",
            "--legacy",
            "--out",
            "legacy.p12",
        ],
    );
    openssl_ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-in",
            "client.crt",
            "-inkey",
            "client.key",
            "-certfile",
            "intermediate.crt",
            "-out",
            "openssl.p12",
            "-passout",
            "file:pw",
        ],
    );
    let subject = |f: &str| {
        openssl_ok(
            d,
            &[
                "x509", "-in", f, "-noout", "-subject", "-nameopt", "RFC2253",
            ],
        )
        .trim()
        .trim_start_matches("subject=")
        .to_string()
    };
    let mut want = vec![subject("client.crt"), subject("intermediate.crt")];
    want.sort();
    for file in ["client.p12", "legacy.p12", "openssl.p12"] {
        let out = certbench_ok(d, &["inspect", file, "--password-file", "pw", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut got: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["subject"].as_str().unwrap().to_string())
            .collect();
        got.sort();
        assert_eq!(got, want, "{file}");
    }
    // A bundle made with an empty password (openssl's -passout pass:) opens without one.
    openssl_ok(
        d,
        &[
            "pkcs12",
            "-export",
            "-in",
            "client.crt",
            "-inkey",
            "client.key",
            "-out",
            "nopass.p12",
            "-passout",
            "pass:",
        ],
    );
    let out = certbench_ok(d, &["inspect", "nopass.p12", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v[0]["subject"].as_str(),
        Some(subject("client.crt").as_str())
    );
    let out = certbench(d, &["inspect", "client.p12"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--password-file"), "{}", text(&out));
    std::fs::write(d.join("wrong"), "nope\n").unwrap();
    let out = certbench(d, &["inspect", "client.p12", "--password-file", "wrong"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("the password does not open it"),
        "{}",
        text(&out)
    );
}

/// The lines `export` prints to read the bundle run as printed, with a password file written on
/// Windows (its line ends in \r\n, which openssl's `-passin file:` would keep): openssl reads
/// the bundle with the line given, and keytool with its own.
#[test]
fn the_lines_export_prints_run_with_a_crlf_password_file() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(d.join("crlf.txt"), "abc-def\r\n").unwrap();
    let printed = certbench_ok(
        d,
        &[
            "export",
            "client",
            "--password-file",
            "crlf.txt",
            "--out",
            "c.p12",
        ],
    );
    let lines: Vec<&str> = printed
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("keytool ") || l.contains("openssl "))
        .collect();
    assert_eq!(lines.len(), 2, "{printed}");
    for line in lines {
        if line.starts_with("keytool ") {
            require("keytool", "default-jdk-headless");
        }
        let ran = Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(ran.status.success(), "{line}: {}", text(&ran));
    }
}
