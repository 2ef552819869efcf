#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! What certbench generates must work with tools nobody here wrote: openssl and curl.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

fn chain_verifies_and_purposes_hold(alg: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen", "--alg", alg]);
    for leaf in ["server.crt", "client.crt"] {
        let out = openssl(
            d,
            &[
                "verify",
                "-CAfile",
                "ca.crt",
                "-untrusted",
                "intermediate.crt",
                leaf,
            ],
        );
        assert_eq!(text(&out).trim(), format!("{leaf}: OK"), "{alg}");
    }
    let purposes = |cert: &str| text(&openssl(d, &["x509", "-in", cert, "-noout", "-purpose"]));
    let server = purposes("server.crt");
    assert!(server.contains("SSL server : Yes"), "{alg}: {server}");
    assert!(server.contains("SSL client : No"), "{alg}: {server}");
    let client = purposes("client.crt");
    assert!(client.contains("SSL client : Yes"), "{alg}: {client}");
    assert!(client.contains("SSL server : No"), "{alg}: {client}");
    // The key openssl reads is the one in the certificate.
    let cert_pub = text(&openssl(
        d,
        &["x509", "-in", "server.crt", "-noout", "-pubkey"],
    ));
    let key_pub = text(&openssl(d, &["pkey", "-in", "server.key", "-pubout"]));
    assert_eq!(cert_pub, key_pub, "{alg}");
    let key_pem = fs::read_to_string(d.join("server.key")).unwrap();
    assert!(
        key_pem.starts_with("-----BEGIN PRIVATE KEY-----"),
        "{alg}: keys are PKCS#8"
    );
}

#[test]
fn ecdsa_p256_set_verifies_with_openssl() {
    chain_verifies_and_purposes_hold("ecdsa-p256");
}
#[test]
fn ecdsa_p384_set_verifies_with_openssl() {
    chain_verifies_and_purposes_hold("ecdsa-p384");
}
#[test]
fn ed25519_set_verifies_with_openssl() {
    chain_verifies_and_purposes_hold("ed25519");
}
#[test]
fn rsa2048_set_verifies_with_openssl() {
    chain_verifies_and_purposes_hold("rsa2048");
}
#[test]
fn rsa3072_set_verifies_with_openssl() {
    chain_verifies_and_purposes_hold("rsa3072");
}
#[test]
fn rsa4096_set_verifies_with_openssl() {
    chain_verifies_and_purposes_hold("rsa4096");
}

/// openssl s_server with the generated chain, requiring a client certificate, on a free port
/// (tried again on another when it was taken meanwhile), once it accepts; stopped when dropped.
fn s_server(d: &Path) -> (common::Running, u16) {
    common::ready_on_a_free_port(
        |port| {
            let mut c = Command::new(require("openssl", "openssl"));
            c.current_dir(d)
                .args([
                    "s_server",
                    "-accept",
                    &format!("127.0.0.1:{port}"),
                    "-cert",
                    "server-chain.crt",
                    "-key",
                    "server.key",
                    "-cert_chain",
                    "intermediate.crt",
                    "-CAfile",
                    "ca.crt",
                    "-Verify",
                    "1",
                    "-www",
                ])
                .stdin(Stdio::null());
            c
        },
        "ACCEPT",
    )
}

fn curl(d: &Path, port: u16, with_client_cert: bool) -> std::process::Output {
    let mut args: Vec<String> = vec![
        "-sS".into(),
        "--max-time".into(),
        "10".into(),
        "--cacert".into(),
        "ca.crt".into(),
    ];
    if with_client_cert {
        args.extend([
            "--cert".into(),
            "client-chain.crt".into(),
            "--key".into(),
            "client.key".into(),
        ]);
    }
    args.push(format!("https://localhost:{port}/"));
    Command::new(require("curl", "curl"))
        .current_dir(d)
        .args(&args)
        .output()
        .expect("curl runs")
}

#[test]
fn openssl_server_and_curl_complete_an_mtls_request() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let (_server, port) = s_server(d);
    let ok = curl(d, port, true);
    let page = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "curl with the client certificate: {}",
        text(&ok)
    );
    // s_server -www echoes the session: the verified client is in it.
    assert!(
        page.contains("CN = alice") || page.contains("CN=alice"),
        "{page}"
    );

    let refused = curl(d, port, false);
    assert!(
        !refused.status.success(),
        "curl without a client certificate must be refused"
    );
    assert!(
        text(&refused).contains("certificate required"),
        "{}",
        text(&refused)
    );
}

/// Every file of the workspace a user sees (the hidden lock file says which process last held
/// the workspace, so it changes with each command).
fn snapshot(d: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.') && p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn keys_are_private_and_a_second_gen_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    for key in ["ca.key", "intermediate.key", "server.key", "client.key"] {
        let mode = fs::metadata(d.join(key)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{key}");
    }
    let before = snapshot(d);
    let out = certbench(d, &["gen"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ca.crt already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    assert_eq!(before, snapshot(d), "every file stays byte-identical");

    let out = certbench_ok(d, &["gen", "--force"]);
    assert_ne!(
        before.get("ca.crt"),
        snapshot(d).get("ca.crt"),
        "--force replaces"
    );
    // ... and loses nothing: the old files are kept aside, and the output says where.
    let kept: Vec<_> = fs::read_dir(d.join("replaced")).unwrap().collect();
    assert_eq!(kept.len(), 1);
    let kept = kept[0].as_ref().unwrap().path();
    assert_eq!(snapshot(&kept), before, "{out}");
    assert!(out.contains(&kept.display().to_string()), "{out}");
}

#[test]
fn an_expired_certificate_fails_checkend() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "client",
        "old",
        &["--not-before", "-400d", "--days", "30"],
    );
    let out = openssl(d, &["x509", "-in", "old.crt", "-noout", "-checkend", "0"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("will expire"));
    let fresh = openssl(
        d,
        &["x509", "-in", "client.crt", "-noout", "-checkend", "0"],
    );
    assert!(fresh.status.success(), "{}", text(&fresh));
    // A not-yet-valid one: openssl verify says so.
    issue(d, "client", "future", &["--not-before", "+2d"]);
    let out = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "future.crt",
        ],
    );
    assert!(text(&out).contains("not yet valid"), "{}", text(&out));
}

#[test]
fn a_revoked_certificate_is_in_the_crl_and_fails_crl_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certbench_ok(d, &["gen"]);
    let said = certbench_ok(d, &["revoke", "client", "--reason", "keyCompromise"]);
    assert!(said.contains("intermediate.crl"), "{said}");
    let serial = text(&openssl(
        d,
        &["x509", "-in", "client.crt", "-noout", "-serial"],
    ));
    let serial = serial.trim().trim_start_matches("serial=");
    let crl = text(&openssl(
        d,
        &["crl", "-in", "intermediate.crl", "-noout", "-text"],
    ));
    assert!(
        crl.contains(&format!("Serial Number: {serial}")),
        "{serial} not in\n{crl}"
    );
    assert!(crl.contains("Key Compromise"), "{crl}");
    assert!(
        crl.contains("Issuer: O = certbench, CN = certbench Intermediate CA"),
        "{crl}"
    );
    let verify = |cert: &str| {
        openssl(
            d,
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.crt",
                "-untrusted",
                "intermediate.crt",
                "-CRLfile",
                "intermediate.crl",
                cert,
            ],
        )
    };
    let out = verify("client.crt");
    assert!(!out.status.success());
    assert!(text(&out).contains("certificate revoked"), "{}", text(&out));
    let out = verify("server.crt");
    assert!(
        out.status.success(),
        "the server is not revoked: {}",
        text(&out)
    );
}

/// Run the openssl commands `issue --openssl` showed in a new folder `theirs`, next to a copy
/// of the CA files of the workspace `ours`; the folder.
fn run_shown_commands(shown: &str, ours: &Path, theirs: &Path) -> std::path::PathBuf {
    let script = shown
        .split("The same kind of certificate with openssl:\n")
        .nth(1)
        .expect("commands shown");
    fs::create_dir(theirs).unwrap();
    for f in ["ca.crt", "intermediate.crt", "intermediate.key"] {
        fs::copy(ours.join(f), theirs.join(f)).unwrap();
    }
    let run = Command::new("sh")
        .arg("-ec")
        .arg(script)
        .current_dir(theirs)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    theirs.to_path_buf()
}

#[test]
fn the_shown_openssl_commands_make_the_same_kind_of_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours");
    certbench_ok(&ours, &["gen"]);
    let shown = issue(
        &ours,
        "server",
        "web",
        &[
            "--san",
            "web.internal",
            "--san",
            "10.1.2.3",
            "--san",
            "uri:spiffe://example.org/web",
            "--openssl",
        ],
    );
    let theirs = run_shown_commands(&shown, &ours, &dir.path().join("theirs"));
    let exts = "subjectAltName,keyUsage,extendedKeyUsage,basicConstraints";
    // The same extensions, whatever their order.
    let show = |d: &Path| {
        let out = text(&openssl(
            d,
            &[
                "x509", "-in", "web.crt", "-noout", "-subject", "-serial", "-ext", exts,
            ],
        ));
        let mut blocks: Vec<String> = Vec::new();
        for line in out.lines() {
            match blocks.last_mut() {
                Some(b) if line.starts_with(' ') => b.push_str(line),
                _ => blocks.push(line.to_string()),
            }
        }
        blocks.sort();
        blocks
    };
    assert_eq!(show(&ours), show(&theirs));
    let out = openssl(
        &theirs,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "intermediate.crt",
            "web.crt",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
}

/// A subject with letters beyond ASCII: the shown commands make the same subject, as openssl
/// prints it in UTF-8.
#[test]
fn the_shown_openssl_commands_keep_a_subject_beyond_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours");
    certbench_ok(&ours, &["gen"]);
    let shown = issue(
        &ours,
        "client",
        "bob",
        &["--cn", "Bob Smith ü 日本", "--openssl"],
    );
    let theirs = run_shown_commands(&shown, &ours, &dir.path().join("theirs"));
    let subject = |d: &Path| {
        text(&openssl(
            d,
            &[
                "x509",
                "-in",
                "bob.crt",
                "-noout",
                "-subject",
                "-nameopt",
                "utf8,sep_comma_plus",
            ],
        ))
    };
    assert!(
        subject(&theirs).contains("CN=Bob Smith ü 日本"),
        "{}",
        subject(&theirs)
    );
    assert_eq!(subject(&ours), subject(&theirs));
}

#[test]
fn name_constraints_and_path_lengths_are_what_openssl_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    issue(
        d,
        "ca",
        "corp",
        &[
            "--cn",
            "Corp Root",
            "--pathlen",
            "1",
            "--permit-dns",
            "corp.example",
            "--exclude-ip",
            "10.0.0.0/8",
        ],
    );
    let out = text(&openssl(
        d,
        &[
            "x509",
            "-in",
            "corp.crt",
            "-noout",
            "-ext",
            "basicConstraints,nameConstraints,keyUsage",
        ],
    ));
    assert!(out.contains("CA:TRUE, pathlen:1"), "{out}");
    assert!(out.contains("X509v3 Name Constraints: critical"), "{out}");
    assert!(out.contains("DNS:corp.example"), "{out}");
    assert!(out.contains("IP:10.0.0.0/255.0.0.0"), "{out}");
    assert!(out.contains("Certificate Sign, CRL Sign"), "{out}");
    // Whether openssl then refuses a server outside the names: tests/verify_cli.rs.
}

#[test]
fn bad_requests_are_one_sentence_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = certbench(d, &["issue", "--role", "server", "--name", "web"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a request the options make invalid is a usage error"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("SANs:") && err.contains("no CA in the workspace"),
        "{err}"
    );
    let out = certbench(
        d,
        &[
            "issue",
            "--role",
            "server",
            "--name",
            "web",
            "--san",
            "999.1.1.1",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid IP address"));
    assert!(
        fs::read_dir(d).unwrap().next().is_none(),
        "nothing was written"
    );
    let out = certbench(d, &["revoke", "nobody"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no certificate named \"nobody\""));
}

/// A TLS 1.3 traffic secret's record key and IV (RFC 8446 7.3: HKDF-Expand-Label(secret, "key",
/// "", key length) and (secret, "iv", "", 12)) are what OpenSSL's own HKDF gives, for every
/// suite: certbench computes them with RustCrypto's HMAC, not the TLS library's.
#[test]
fn tls13_record_keys_are_openssls_hkdf_expand_label() {
    use certbench_base::text::hex;
    use certbench_wire::decrypt::Suite;
    // HkdfLabel: the length, "tls13 " and the label, an empty context.
    let info = |label: &str, len: u16| {
        let full = format!("tls13 {label}");
        let mut i = len.to_be_bytes().to_vec();
        i.push(full.len() as u8);
        i.extend(full.as_bytes());
        i.push(0);
        hex(&i)
    };
    for (suite, digest, hash_len, key_len) in [
        (Suite::Aes128GcmSha256, "SHA256", 32, 16),
        (Suite::Aes256GcmSha384, "SHA384", 48, 32),
        (Suite::Chacha20Poly1305Sha256, "SHA256", 32, 32),
    ] {
        let secret: Vec<u8> = (0..hash_len).map(|i| (i * 7 + 3) as u8).collect();
        let (key, iv) = suite.key_and_iv(&secret).unwrap();
        for (label, len, ours) in [("key", key_len, &key[..]), ("iv", 12, &iv[..])] {
            let (len, digest, secret, info) = (
                len.to_string(),
                format!("digest:{digest}"),
                format!("hexkey:{}", hex(&secret)),
                format!("hexinfo:{}", info(label, len)),
            );
            #[rustfmt::skip]
            let said = openssl_ok(Path::new("."), &[
                "kdf", "-keylen", &len, "-kdfopt", &digest, "-kdfopt", "mode:EXPAND_ONLY",
                "-kdfopt", &secret, "-kdfopt", &info, "HKDF",
            ]);
            let theirs = said.trim().replace(':', "");
            assert_eq!(theirs.to_lowercase(), hex(ours), "{suite:?} {label}");
        }
    }
}

/// The cipher suites certbench names are named as openssl's standard (IANA) names for the same
/// code: `openssl ciphers -stdname -V` lists each with its two bytes.
#[test]
fn cipher_suite_names_are_the_standard_names_openssl_gives() {
    let listed = openssl_ok(
        Path::new("."),
        &[
            "ciphers",
            "-stdname",
            "-V",
            "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
        ],
    );
    let mut compared = 0;
    for line in listed.lines() {
        // "0xC0,0x09 - TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA - ECDHE-ECDSA-AES128-SHA ..."
        let words: Vec<&str> = line.split_whitespace().collect();
        let (Some(code), Some(name)) = (words.first(), words.get(2)) else {
            continue;
        };
        let Some((hi, lo)) = code.split_once(',') else {
            continue;
        };
        let byte = |b: &str| u8::from_str_radix(b.trim_start_matches("0x"), 16).ok();
        let (Some(hi), Some(lo)) = (byte(hi), byte(lo)) else {
            continue;
        };
        let ours = certbench_wire::names::cipher_suite(u16::from_be_bytes([hi, lo]));
        if !ours.starts_with("0x") {
            assert_eq!(&ours, name, "{line}");
            compared += 1;
        }
    }
    assert!(compared >= 25, "only {compared} suites compared:\n{listed}");
}
