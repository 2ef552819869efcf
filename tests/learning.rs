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

/// A chain broken by a name constraint: openssl says which certificate (its depth) and that a
/// subtree was violated; certbench names the same link, the field, the constraint and the name,
/// in text and JSON. `issue` says so before it signs such a name.
#[test]
fn a_name_constraint_violation_is_located() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    issue(dir, "ca", "root", &[]);
    issue(
        dir,
        "intermediate",
        "inner",
        &[
            "--issuer",
            "root",
            "--permit-dns",
            "example.com",
            "--exclude-dns",
            "secret.example.com",
        ],
    );
    issue(
        dir,
        "server",
        "good",
        &["--issuer", "inner", "--san", "www.example.com"],
    );
    // Outside what is permitted: issue warns, before it signs.
    let out = certbench(
        dir,
        &[
            "issue", "--role", "server", "--name", "evil", "--issuer", "inner", "--san", "evil.org",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("evil.org") && err.contains("DNS:example.com") && err.contains("inner"),
        "issue warns: {err}"
    );
    let out = certbench(
        dir,
        &[
            "issue",
            "--role",
            "server",
            "--name",
            "secret",
            "--issuer",
            "inner",
            "--san",
            "db.secret.example.com",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("secret.example.com") && err.contains("exclude"),
        "{err}"
    );
    let out = certbench(
        dir,
        &[
            "issue",
            "--role",
            "server",
            "--name",
            "fine",
            "--issuer",
            "inner",
            "--san",
            "a.example.com",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).trim().is_empty());

    // openssl, the judge: the leaf (depth 0) breaks a subtree.
    for (name, theirs) in [
        ("evil", "permitted subtree violation"),
        ("secret", "excluded subtree violation"),
    ] {
        let cert = format!("{name}.crt");
        let o = openssl(
            dir,
            &[
                "verify",
                "-CAfile",
                "root.crt",
                "-untrusted",
                "inner.crt",
                &cert,
            ],
        );
        let said = text(&o);
        assert!(!o.status.success() && said.contains(theirs), "{said}");
        assert!(
            said.contains("error 47 at 0 depth") || said.contains("error 48 at 0 depth"),
            "{said}"
        );

        let out = certbench(dir, &["verify", &cert]);
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(1), "{shown}");
        let here = shown
            .lines()
            .find(|l| l.contains("<- here"))
            .unwrap_or_else(|| panic!("{shown}"));
        assert!(here.contains("subjectAltName"), "{here}");
        let json: serde_json::Value =
            serde_json::from_slice(&certbench(dir, &["verify", "--json", &cert]).stdout).unwrap();
        assert_eq!(json["failed_link"], 0, "{json}");
        assert_eq!(json["failed_field"], "subjectAltName", "{json}");
        let detail = json["links"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["ok"] == false)
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string();
        let (name_shown, subtree) = if name == "evil" {
            ("DNS:evil.org", "DNS:example.com")
        } else {
            ("DNS:db.secret.example.com", "DNS:secret.example.com")
        };
        assert!(
            detail.contains(name_shown) && detail.contains(subtree) && detail.contains("inner"),
            "{detail}"
        );
        // The intermediate's link shows its constraint, broken.
        let inner = &json["links"][1]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "nameConstraints")
            .unwrap()
            .clone();
        assert_eq!(inner["ok"], false, "{inner}");
    }
    let out = certbench(dir, &["verify", "good.crt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("every name below keeps to it"),
        "{}",
        text(&out)
    );

    // email and URI subtrees, in a CA openssl made: the same verdict as openssl's.
    std::fs::write(
        dir.join("ext.cnf"),
        "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
         nameConstraints=critical,permitted;URI:.example.org,excluded;email:bad.org\n\
         [leaf]\nbasicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n\
         subjectAltName=URI:spiffe://a.example.net/x,email:eve@bad.org\n",
    )
    .unwrap();
    for args in [
        vec![
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "oca.key",
            "-out",
            "oca.csr",
            "-subj",
            "/CN=openssl inner",
        ],
        vec![
            "x509",
            "-req",
            "-in",
            "oca.csr",
            "-CA",
            "root.crt",
            "-CAkey",
            "root.key",
            "-out",
            "oca.crt",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "ca",
        ],
        vec![
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ol.key",
            "-out",
            "ol.csr",
            "-subj",
            "/CN=eve",
        ],
        vec![
            "x509",
            "-req",
            "-in",
            "ol.csr",
            "-CA",
            "oca.crt",
            "-CAkey",
            "oca.key",
            "-out",
            "ol.crt",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "leaf",
        ],
    ] {
        common::openssl_ok(dir, &args);
    }
    let o = openssl(
        dir,
        &[
            "verify",
            "-CAfile",
            "root.crt",
            "-untrusted",
            "oca.crt",
            "ol.crt",
        ],
    );
    assert!(
        !o.status.success() && text(&o).contains("subtree violation"),
        "{}",
        text(&o)
    );
    let json: serde_json::Value = serde_json::from_slice(
        &certbench(
            dir,
            &["verify", "--json", "--untrusted", "oca.crt", "ol.crt"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["failed_link"], 0, "{json}");
    let broken: Vec<String> = json["links"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["detail"].as_str().unwrap().to_string())
        .collect();
    assert!(
        broken
            .iter()
            .any(|d| d.contains("URI:spiffe://a.example.net/x") && d.contains("URI:.example.org")),
        "{broken:?}"
    );
    assert!(
        broken
            .iter()
            .any(|d| d.contains("email:eve@bad.org") && d.contains("email:bad.org")),
        "{broken:?}"
    );
}

/// `inspect` shows every extension value `openssl x509 -text` shows: each value line openssl
/// prints under the key identifiers, CRL distribution points, AIA, policies and name
/// constraints is in certbench's output too.
#[test]
fn inspect_shows_the_extension_values_openssl_shows() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    issue(dir, "ca", "root", &[]);
    std::fs::write(
        dir.join("ext.cnf"),
        "[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=DNS:a.example.com\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
         crlDistributionPoints=URI:http://127.0.0.1:8080/ca.crl,URI:ldap://x/y\n\
         authorityInfoAccess=OCSP;URI:http://127.0.0.1:8081/,caIssuers;URI:http://127.0.0.1:8080/ca.crt\n\
         certificatePolicies=1.2.3.4,2.23.140.1.2.1\n\
         nameConstraints=permitted;DNS:example.com,permitted;IP:10.0.0.0/255.0.0.0,excluded;email:.bad.org\n",
    )
    .unwrap();
    common::openssl_ok(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "l.key",
            "-out",
            "l.csr",
            "-subj",
            "/CN=leaf",
        ],
    );
    common::openssl_ok(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "l.csr",
            "-CA",
            "root.crt",
            "-CAkey",
            "root.key",
            "-out",
            "leaf.pem",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "leaf",
        ],
    );
    let theirs = common::openssl_ok(dir, &["x509", "-in", "leaf.pem", "-noout", "-text"]);
    let ours = certbench_ok(dir, &["inspect", "leaf.pem"]);
    let mut checked = 0;
    let mut within = false;
    for line in theirs.lines() {
        let t = line.trim();
        let header = !line.starts_with("                ");
        if header {
            within = [
                "Subject Key Identifier",
                "Authority Key Identifier",
                "CRL Distribution Points",
                "Authority Information Access",
                "Certificate Policies",
                "Name Constraints",
            ]
            .iter()
            .any(|h| t.contains(h));
            continue;
        }
        if !within || t.is_empty() || t.ends_with(':') {
            continue;
        }
        assert!(
            ours.contains(t),
            "openssl shows \"{t}\", certbench does not:\n{ours}"
        );
        checked += 1;
    }
    assert!(checked >= 9, "{checked} lines compared:\n{theirs}");
}

/// subjectAltName, extendedKeyUsage and keyUsage present but empty: openssl shows each as
/// present (with nothing in it); certbench shows each as present and empty, and flags it, never
/// as absent.
#[test]
fn an_extension_present_but_empty_is_shown_and_flagged() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    issue(dir, "ca", "root", &[]);
    std::fs::write(
        dir.join("ext.cnf"),
        "[e]\nbasicConstraints=CA:FALSE\n2.5.29.17=DER:30:00\n2.5.29.37=DER:30:00\n\
         2.5.29.15=critical,DER:03:01:00\n",
    )
    .unwrap();
    common::openssl_ok(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "l.key",
            "-out",
            "l.csr",
            "-subj",
            "/CN=leaf",
        ],
    );
    common::openssl_ok(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "l.csr",
            "-CA",
            "root.crt",
            "-CAkey",
            "root.key",
            "-out",
            "empty.pem",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "e",
        ],
    );
    let theirs = common::openssl_ok(dir, &["x509", "-in", "empty.pem", "-noout", "-text"]);
    for h in [
        "Subject Alternative Name",
        "Extended Key Usage",
        "Key Usage: critical",
    ] {
        assert!(theirs.contains(h), "openssl shows {h}: {theirs}");
    }
    let out = certbench(dir, &["inspect", "empty.pem"]);
    let ours = text(&out);
    for label in ["SANs", "Ext. key usage", "Key usage"] {
        let line = ours
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line:\n{ours}"));
        assert!(line.contains("empty"), "{line}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&certbench_ok(dir, &["inspect", "--json", "empty.pem"])).unwrap();
    let flagged = json[0]["lints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["id"] == "empty-extension")
        .count();
    assert_eq!(flagged, 3, "{json}");
    assert!(!ours.contains("without subjectAltName"), "{ours}");
}

fn interrupt(child: &std::process::Child) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// `handshake --count` for a long while: Ctrl-C (SIGINT) ends it with the summary of what was
/// measured so far, and exit status 130; with stderr not a terminal no progress is written.
#[test]
fn a_long_count_stopped_with_ctrl_c_still_reports() {
    let d = gen_workspace();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_certbench"))
        .args(["--dir"])
        .arg(d.path())
        .args(["handshake", "--count", "200000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{said}{err}");
    assert!(
        said.contains("interrupted") && said.contains("of the 200000 asked"),
        "{said}"
    );
    assert!(said.contains("p50"), "{said}");
    assert!(
        !err.contains('\r'),
        "no progress without a terminal: {err:?}"
    );
}

/// On a terminal the long count shows its progress on stderr, and Ctrl-C reports.
#[test]
fn a_long_count_shows_progress_on_a_terminal() {
    let tmux = common::require("tmux", "tmux");
    let d = gen_workspace();
    let socket = format!("certbench-count-{}", std::process::id());
    let cmd = format!(
        "{} --dir {} handshake --count 200000; echo \"[exited $?]\"; sleep 30",
        env!("CARGO_BIN_EXE_certbench"),
        d.path().display()
    );
    let t = |args: &[&str]| {
        std::process::Command::new(&tmux)
            .args(["-L", &socket])
            .args(args)
            .output()
            .unwrap()
    };
    t(&[
        "new-session",
        "-d",
        "-s",
        "c",
        "-x",
        "120",
        "-y",
        "10",
        &cmd,
    ]);
    let screen = |want: &str| {
        let start = std::time::Instant::now();
        loop {
            let s =
                String::from_utf8_lossy(&t(&["capture-pane", "-p", "-t", "c"]).stdout).into_owned();
            if s.contains(want) {
                return s;
            }
            assert!(start.elapsed().as_secs() < 20, "no \"{want}\":\n{s}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    screen("of 200000 handshakes");
    t(&["send-keys", "-t", "c", "C-c"]);
    let s = screen("[exited 130]");
    assert!(s.contains("interrupted"), "{s}");
    t(&["kill-server"]);
}

/// `connect` to a server that never answers, stopped with Ctrl-C: it says how far it got and
/// ends with 130, without waiting for its time-out.
#[test]
fn connect_stopped_with_ctrl_c_says_how_far_it_got() {
    let d = gen_workspace();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_certbench"))
        .args(["--dir"])
        .arg(d.path())
        .args(["connect", &format!("127.0.0.1:{port}"), "--timeout", "60"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let started = std::time::Instant::now();
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed().as_secs() < 10);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted") && err.contains("ClientHello"),
        "{err}"
    );
    drop(silent);
}

/// A command that finds another certbench changing the workspace says at once what it waits for
/// (and who holds it), instead of waiting in silence; when the other lets go, it goes on.
#[test]
fn a_lock_wait_says_what_it_waits_for() {
    use std::io::{Read, Write};
    let d = gen_workspace();
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(d.path().join(".certbench.lock"))
        .unwrap();
    lock.lock().unwrap();
    lock.set_len(0).unwrap();
    (&lock)
        .write_all(b"process 4242 (certbench issue --role server --name slow)")
        .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d.path())
        .args(["issue", "--role", "client", "--name", "bob"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "it waits for the lock");
    lock.unlock().unwrap();
    let status = child.wait().unwrap();
    let said = reader.join().unwrap();
    assert!(status.success(), "{said}");
    assert!(
        said.contains("waiting for the workspace") && said.contains("process 4242"),
        "{said}"
    );
    assert_eq!(said.matches("waiting for").count(), 1, "said once: {said}");
}

/// The system's roots are someone else's: an expired or SHA-1-signed Mozilla root is never met
/// with a fix that says to issue, renew or re-issue it.
#[test]
fn no_fix_tells_anyone_to_reissue_a_system_root() {
    let d = tempfile::tempdir().unwrap();
    let out = certbench(d.path(), &["inspect", "--system", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen = 0;
    for item in all.as_array().unwrap() {
        for l in item["lints"].as_array().into_iter().flatten() {
            let fix = l["fix"].as_str().unwrap_or_default().to_lowercase();
            seen += 1;
            assert!(
                !(fix.starts_with("issue")
                    || fix.starts_with("re-issue")
                    || fix.starts_with("renew")
                    || fix.contains("issue it again")),
                "{}: {l}",
                item["subject"]
            );
        }
    }
    assert!(
        seen > 0,
        "no lint on any system root: the test checks nothing"
    );
}
