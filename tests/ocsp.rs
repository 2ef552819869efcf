//! `certbench ocsp`, the workspace's OCSP responder and CRLs over HTTP, judged by openssl's own
//! OCSP client (`openssl ocsp -url`), `openssl crl`, and curl's CRL check.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{JsonLines, certbench_ok, issue, openssl, openssl_ok, require, text};
use std::path::Path;
use std::process::Command;

/// `openssl ocsp` asking the responder at `port` about `cert` issued by `issuer`, trusting the
/// workspace's root: what it printed (stdout and stderr) and whether it succeeded.
fn ask(d: &Path, port: u16, issuer: &str, cert: &str, extra: &[&str]) -> (bool, String) {
    let url = format!("http://127.0.0.1:{port}");
    let mut args = vec![
        "ocsp", "-issuer", issuer, "-cert", cert, "-url", &url, "-CAfile", "ca.crt",
    ];
    args.extend_from_slice(extra);
    let out = openssl(d, &args);
    (out.status.success(), text(&out))
}

/// `certbench ocsp` on a free port of 127.0.0.1 for the workspace `d`, and that port.
fn responder(d: &Path) -> (JsonLines, u16) {
    let r = JsonLines::start(d, &["ocsp", "--listen", "127.0.0.1:0", "--json"]);
    let port = r.port();
    (r, port)
}

/// What `openssl ocsp` says of the response in `file` (DER) for `cert`, issued by the
/// intermediate, its signature checked against the workspace's root; it must verify.
fn judged(d: &Path, file: &str, cert: &str) -> String {
    let out = openssl(
        d,
        &[
            "ocsp",
            "-respin",
            file,
            "-issuer",
            "intermediate.crt",
            "-CAfile",
            "ca.crt",
            "-cert",
            cert,
        ],
    );
    let said = text(&out);
    assert!(said.contains("Response verify OK"), "{said}");
    said
}

#[test]
fn openssl_ocsp_hears_good_then_revoked_with_its_reason() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    let (responder, port) = responder(d);

    let (ok, said) = ask(d, port, "intermediate.crt", "server.crt", &[]);
    assert!(ok, "{said}");
    assert!(said.contains("Response verify OK"), "{said}");
    assert!(said.contains("server.crt: good"), "{said}");
    let line = responder.next();
    assert_eq!(line["kind"], "ocsp", "{line}");
    assert_eq!(line["answers"][0]["status"], "good", "{line}");
    assert_eq!(line["answers"][0]["name"], "server", "{line}");
    assert_eq!(line["signer"], "intermediate", "{line}");

    certbench_ok(d, &["revoke", "server", "--reason", "keyCompromise"]);
    let (ok, said) = ask(d, port, "intermediate.crt", "server.crt", &[]);
    assert!(ok, "{said}");
    assert!(said.contains("Response verify OK"), "{said}");
    assert!(said.contains("server.crt: revoked"), "{said}");
    assert!(said.contains("Reason: keyCompromise"), "{said}");
    // The client it did not revoke is still good, and the nonce openssl sent comes back (openssl
    // checks it and says "WARNING: no nonce in response" otherwise).
    let (ok, said) = ask(d, port, "intermediate.crt", "client.crt", &["-resp_text"]);
    assert!(ok && said.contains("client.crt: good"), "{said}");
    assert!(said.contains("OCSP Nonce"), "{said}");
    assert!(!said.contains("no nonce"), "{said}");
    // The intermediate itself is answered by the root.
    let (ok, said) = ask(d, port, "ca.crt", "intermediate.crt", &["-resp_text"]);
    assert!(ok && said.contains("intermediate.crt: good"), "{said}");
    assert!(
        said.contains("Responder Id: O = certbench, CN = certbench Root CA"),
        "{said}"
    );
}

#[test]
fn a_delegated_responder_signs_and_openssl_accepts_its_authority() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    issue(d, "ocsp", "responder", &["--issuer", "intermediate"]);
    // What makes it a responder, as openssl reads the certificate.
    let x = openssl_ok(d, &["x509", "-in", "responder.crt", "-noout", "-text"]);
    assert!(x.contains("OCSP Signing"), "{x}");
    assert!(x.contains("OCSP No Check"), "{x}");
    let (responder, port) = responder(d);
    certbench_ok(d, &["revoke", "client"]);

    let (ok, said) = ask(d, port, "intermediate.crt", "client.crt", &["-resp_text"]);
    assert!(ok, "{said}");
    assert!(said.contains("Response verify OK"), "{said}");
    assert!(said.contains("client.crt: revoked"), "{said}");
    assert!(
        said.contains("Responder Id: O = certbench, CN = certbench OCSP responder responder"),
        "{said}"
    );
    let line = responder.next();
    assert_eq!(line["signer"], "responder", "{line}");
    assert_eq!(line["delegated"], true, "{line}");

    // A responder whose certificate is revoked no longer signs: the CA does again.
    certbench_ok(d, &["revoke", "responder"]);
    let (ok, said) = ask(d, port, "intermediate.crt", "server.crt", &["-resp_text"]);
    assert!(ok && said.contains("server.crt: good"), "{said}");
    assert!(said.contains("CN = certbench Intermediate CA"), "{said}");
}

#[test]
fn bad_requests_get_an_ocsp_answer_and_the_responder_keeps_serving() {
    let curl = require("curl", "curl");
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    let (responder, port) = responder(d);
    let url = format!("http://127.0.0.1:{port}/");
    let post = |body: &Path, out: &str| {
        let o = Command::new(&curl)
            .current_dir(d)
            .args([
                "-s",
                "-o",
                out,
                "-H",
                "Content-Type: application/ocsp-request",
            ])
            .arg("--data-binary")
            .arg(format!("@{}", body.display()))
            .arg(&url)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        // openssl reads the answer: a response status and nothing else.
        text(&openssl(
            d,
            &["ocsp", "-respin", out, "-resp_text", "-noverify"],
        ))
    };
    std::fs::write(d.join("garbage"), b"\x30\x82\xff\xffnot DER at all").unwrap();
    assert!(post(&d.join("garbage"), "r1").contains("malformedrequest (1)"));
    std::fs::write(d.join("huge"), vec![0x30u8; 1 << 20]).unwrap();
    assert!(post(&d.join("huge"), "r2").contains("malformedrequest (1)"));
    // A CA this workspace does not hold.
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
            "other.key",
            "-out",
            "other.crt",
            "-subj",
            "/CN=other",
            "-days",
            "2",
        ],
    );
    openssl_ok(
        d,
        &[
            "ocsp",
            "-issuer",
            "other.crt",
            "-cert",
            "server.crt",
            "-reqout",
            "other.req",
        ],
    );
    assert!(post(&d.join("other.req"), "r3").contains("unauthorized (6)"));
    for (want, _) in [
        ("malformedRequest", 0),
        ("malformedRequest", 1),
        ("unauthorized", 2),
    ] {
        let line = responder.next();
        assert_eq!(line["status"], want, "{line}");
    }
    // Still serving.
    let (ok, said) = ask(d, port, "intermediate.crt", "server.crt", &[]);
    assert!(ok && said.contains("server.crt: good"), "{said}");
}

#[test]
fn the_crl_url_in_the_certificate_serves_a_crl_openssl_and_curl_use() {
    let curl = require("curl", "curl");
    let t = tempfile::tempdir().unwrap();
    // The responder's URL is in the certificates, so its port is chosen before `gen`; when it is
    // taken before the responder binds it, all is done again on another port, in a new folder.
    let ((_responder, dir), port) = common::on_a_free_port(|port| {
        let dir = t.path().join(port.to_string());
        certbench_ok(
            &dir,
            &["gen", "--responder", &format!("http://127.0.0.1:{port}")],
        );
        let listen = format!("127.0.0.1:{port}");
        JsonLines::try_start(&dir, &["ocsp", "--listen", &listen, "--json"]).map(|r| (r, dir))
    });
    let d = dir.as_path();
    let base = format!("http://127.0.0.1:{port}");
    // The URLs as openssl reads them from the certificate.
    let ext = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "server.crt",
            "-noout",
            "-ext",
            "authorityInfoAccess,crlDistributionPoints",
        ],
    );
    let crl_url = format!("{base}/intermediate.crl");
    assert!(ext.contains(&format!("URI:{crl_url}")), "{ext}");
    assert!(ext.contains(&format!("OCSP - URI:{base}")), "{ext}");
    let root = openssl_ok(d, &["x509", "-in", "ca.crt", "-noout", "-text"]);
    assert!(
        !root.contains("CRL Distribution"),
        "a root points nowhere: {root}"
    );

    certbench_ok(d, &["revoke", "server", "--reason", "superseded"]);
    let got = Command::new(&curl)
        .current_dir(d)
        .args(["-sf", "-o", "fetched.crl", &crl_url])
        .output()
        .unwrap();
    assert!(got.status.success(), "{}", text(&got));
    let crl = openssl_ok(
        d,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "fetched.crl",
            "-noout",
            "-text",
            "-CAfile",
            "intermediate.crt",
        ],
    );
    assert!(crl.contains("Revoked Certificates:"), "{crl}");
    assert!(crl.contains("Superseded"), "{crl}");
    let check = openssl(
        d,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "fetched.crl",
            "-noout",
            "-CAfile",
            "intermediate.crt",
        ],
    );
    assert!(text(&check).contains("verify OK"), "{}", text(&check));
    openssl_ok(
        d,
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "fetched.crl",
            "-out",
            "fetched.pem",
        ],
    );

    // curl with that CRL refuses the revoked server certbench serves.
    let served = JsonLines::start(
        d,
        &["serve", "--port", "0", "--json", "--client-cert", "none"],
    );
    let https = format!("https://localhost:{}/", served.port());
    let refused = Command::new(&curl)
        .current_dir(d)
        .args([
            "-s",
            "--cacert",
            "ca.crt",
            "--crlfile",
            "fetched.pem",
            &https,
        ])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "curl took a revoked server: {}",
        text(&refused)
    );
    // And without the CRL it does not (so the CRL is what refused it).
    let took = Command::new(&curl)
        .current_dir(d)
        .args(["-s", "--cacert", "ca.crt", &https])
        .output()
        .unwrap();
    assert!(took.status.success(), "{}", text(&took));
    // A CA that never revoked anything has a CRL too, made when first asked for.
    let root_crl = Command::new(&curl)
        .current_dir(d)
        .args(["-sf", "-o", "root.crl", &format!("{base}/ca.crl")])
        .output()
        .unwrap();
    assert!(root_crl.status.success(), "{}", text(&root_crl));
    let root_crl = openssl_ok(
        d,
        &[
            "crl", "-inform", "DER", "-in", "root.crl", "-noout", "-text", "-CAfile", "ca.crt",
        ],
    );
    assert!(root_crl.contains("No Revoked Certificates"), "{root_crl}");
}

#[test]
fn urls_that_are_not_http_are_refused_by_name() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    let out = common::certbench(
        d,
        &[
            "issue",
            "--role",
            "server",
            "--name",
            "s2",
            "--san",
            "localhost",
            "--ocsp-url",
            "ldap://x",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OCSP URL") && err.contains("not an http:// URL"),
        "{err}"
    );
    let out = common::certbench(
        d,
        &[
            "issue",
            "--role",
            "ca",
            "--name",
            "r2",
            "--crl-url",
            "http://x/",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CRL URL") && err.contains("root CA"), "{err}");
}

/// The OCSP status `openssl s_client -status` shows for the server at `port`, and the staple's
/// response status line.
fn s_client_status(d: &Path, port: u16, extra: &[&str]) -> String {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec![
        "s_client",
        "-connect",
        &connect,
        "-status",
        "-CAfile",
        "ca.crt",
        "-servername",
        "localhost",
    ];
    args.extend_from_slice(extra);
    let out = Command::new(require("openssl", "openssl"))
        .current_dir(d)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    text(&out)
}

#[test]
fn serve_staples_a_response_openssl_and_node_verify_and_a_revocation_reaches_it() {
    let node = require("node", "nodejs");
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    let served = JsonLines::start(
        d,
        &[
            "serve",
            "--port",
            "0",
            "--json",
            "--client-cert",
            "none",
            "--staple",
        ],
    );
    let port = served.port();
    for tls in ["-tls1_3", "-tls1_2"] {
        let said = s_client_status(d, port, &[tls]);
        assert!(
            said.contains("OCSP Response Status: successful (0x0)"),
            "{tls}: {said}"
        );
        assert!(said.contains("Cert Status: good"), "{tls}: {said}");
        assert!(said.contains("Verify return code: 0 (ok)"), "{tls}: {said}");
    }
    // The staple's signature and authority, judged by openssl from the bytes Node.js received.
    let got = Command::new(&node)
        .current_dir(d)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ocsp_staple.js"))
        .args(["127.0.0.1", &port.to_string(), "ca.crt", "staple.der"])
        .output()
        .unwrap();
    assert!(got.status.success(), "{}", text(&got));
    let judged = judged(d, "staple.der", "server.crt");
    assert!(judged.contains("server.crt: good"), "{judged}");

    // A revocation reaches the staple within a few seconds, without a restart.
    certbench_ok(d, &["revoke", "server", "--reason", "keyCompromise"]);
    let start = std::time::Instant::now();
    loop {
        let said = s_client_status(d, port, &[]);
        if said.contains("Cert Status: revoked") {
            assert!(said.contains("Reason: keyCompromise"), "{said}");
            break;
        }
        assert!(start.elapsed().as_secs() < 15, "still not revoked: {said}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

/// `openssl s_server -www` stapling `status` (`-status_file`), certbench's client connecting
/// with only the root as its trust (no CRL: what it learns of revocation is the staple).
fn connect_to_stapling_openssl(d: &Path, status: &str) -> (bool, serde_json::Value) {
    let (_server, port) = common::openssl_www(d, &["-status_file", status]);
    let out = common::certbench(
        d,
        &[
            "connect",
            &format!("localhost:{port}"),
            "--ca",
            "ca.crt",
            "--json",
            "--no-cert",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.success(), v)
}

fn staple_event(v: &serde_json::Value) -> serde_json::Value {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"] == "staple")
        .cloned()
        .unwrap_or_else(|| panic!("no staple verdict in {v}"))
}

#[test]
fn certbench_client_checks_a_staple_and_refuses_a_revoked_server_behind_openssl() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    let (_responder, port) = responder(d);
    let fetch = |cert: &str, out: &str| {
        let (ok, said) = ask(d, port, "intermediate.crt", cert, &["-respout", out]);
        assert!(ok, "{said}");
        said
    };
    assert!(fetch("server.crt", "good.der").contains("server.crt: good"));
    let (ok, v) = connect_to_stapling_openssl(d, "good.der");
    assert!(ok, "{v}");
    // --save-staple writes what the server sent, byte for byte; inspect reads it.
    let (_server, port) = common::openssl_www(d, &["-status_file", "good.der"]);
    certbench_ok(
        d,
        &[
            "connect",
            &format!("localhost:{port}"),
            "--ca",
            "ca.crt",
            "--no-cert",
            "--save-staple",
            "saved.der",
        ],
    );
    assert_eq!(
        std::fs::read(d.join("saved.der")).unwrap(),
        std::fs::read(d.join("good.der")).unwrap()
    );
    assert!(certbench_ok(d, &["inspect", "saved.der"]).contains("certStatus"));
    let staple = staple_event(&v);
    assert_eq!(staple["fields"]["ocsp"], "good", "{staple}");
    assert_eq!(staple["fields"]["ok"], true, "{staple}");

    certbench_ok(d, &["revoke", "server", "--reason", "keyCompromise"]);
    assert!(fetch("server.crt", "revoked.der").contains("server.crt: revoked"));
    let (ok, v) = connect_to_stapling_openssl(d, "revoked.der");
    assert!(!ok, "a revoked staple was taken: {v}");
    let staple = staple_event(&v);
    assert_eq!(staple["fields"]["ocsp"], "revoked", "{staple}");
    assert_eq!(staple["fields"]["reason"], "keyCompromise", "{staple}");
    assert_eq!(v["failure"]["cause"]["code"], "revoked_by_ocsp", "{v}");
    assert_eq!(v["failure"]["detected_by"], "client", "{v}");
    assert_eq!(v["failure"]["alert_sent"], "certificate_revoked", "{v}");

    // A staple about another certificate (the client's) is not an answer for the server's:
    // said, and passed over.
    fetch("client.crt", "other.der");
    let (ok, v) = connect_to_stapling_openssl(d, "other.der");
    assert!(ok, "{v}");
    assert_eq!(
        staple_event(&v)["fields"]["ocsp"],
        "not_for_this_certificate",
        "{v}"
    );
}

/// Every TLV openssl asn1parse finds in `file` (DER) as (start, end); the OCTET STRING that holds
/// a BasicOCSPResponse is parsed too (`-strparse`), its offsets made absolute.
fn asn1parse_spans(d: &Path, file: &str) -> Vec<(usize, usize)> {
    let parse = |extra: &[&str]| -> Vec<(usize, usize, String)> {
        let mut args = vec!["asn1parse", "-inform", "DER", "-in", file];
        args.extend_from_slice(extra);
        openssl_ok(d, &args)
            .lines()
            .filter_map(|l| {
                let (offset, rest) = l.trim().split_once(":d=")?;
                let hl = rest.split("hl=").nth(1)?.split_whitespace().next()?;
                let len = rest.split(" l=").nth(1)?.split_whitespace().next()?;
                let (start, hl, len): (usize, usize, usize) = (
                    offset.trim().parse().ok()?,
                    hl.parse().ok()?,
                    len.parse().ok()?,
                );
                Some((start, start + hl + len, l.to_string()))
            })
            .collect()
    };
    let outer = parse(&[]);
    let mut spans: Vec<(usize, usize)> = outer.iter().map(|(s, e, _)| (*s, *e)).collect();
    let basic = outer
        .iter()
        .position(|(_, _, l)| l.contains("Basic OCSP Response"))
        .and_then(|i| outer.get(i + 1));
    if let Some((octets, _, line)) = basic {
        let hl: usize = line
            .split("hl=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let base = octets + hl;
        spans.extend(
            parse(&["-strparse", &octets.to_string()])
                .into_iter()
                .map(|(s, e, _)| (base + s, base + e)),
        );
    }
    spans
}

#[test]
fn inspect_reads_ocsp_messages_field_by_field_where_openssl_finds_their_bytes() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    issue(d, "ocsp", "responder", &["--issuer", "intermediate"]);
    certbench_ok(d, &["revoke", "server", "--reason", "superseded"]);
    let (_responder, port) = responder(d);
    let (ok, said) = ask(
        d,
        port,
        "intermediate.crt",
        "server.crt",
        &["-reqout", "req.der", "-respout", "resp.der"],
    );
    assert!(ok, "{said}");
    let out = certbench_ok(d, &["inspect", "--json", "req.der", "resp.der"]);
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(items[0]["kind"], "ocsp_request", "{items}");
    assert_eq!(items[1]["kind"], "ocsp_response", "{items}");

    // What openssl reads in the response, field by field.
    let said = openssl_ok(
        d,
        &["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"],
    );
    let field = |item: &serde_json::Value, label: &str| -> String {
        item["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["label"] == label)
            .map(|f| f["value"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {label} in {item}"))
    };
    let resp = &items[1];
    assert!(said.contains("OCSP Response Status: successful"), "{said}");
    assert_eq!(field(resp, "responseStatus"), "successful");
    assert!(said.contains("Cert Status: revoked"), "{said}");
    assert_eq!(field(resp, "certStatus"), "revoked");
    assert!(said.contains("Revocation Reason: superseded"), "{said}");
    assert_eq!(field(resp, "revocationReason"), "superseded");
    let serial = field(resp, "serialNumber").replace(':', "");
    assert!(
        said.contains(&format!("Serial Number: {serial}")),
        "{serial}: {said}"
    );
    let name_hash = field(resp, "issuerNameHash").replace(':', "");
    assert!(
        said.contains(&format!("Issuer Name Hash: {name_hash}")),
        "{said}"
    );
    assert!(
        said.contains("Responder Id: O = certbench, CN = certbench OCSP responder responder"),
        "{said}"
    );
    assert_eq!(
        field(resp, "responderID (byName)"),
        "CN=certbench OCSP responder responder,O=certbench"
    );

    // Every field's byte range is a TLV openssl asn1parse finds, start and end.
    for (file, item) in [("req.der", &items[0]), ("resp.der", &items[1])] {
        let spans = asn1parse_spans(d, file);
        let fields = item["fields"].as_array().unwrap();
        assert!(fields.len() > 10, "{item}");
        for f in fields {
            let span = (
                f["start"].as_u64().unwrap() as usize,
                f["end"].as_u64().unwrap() as usize,
            );
            assert!(
                spans.contains(&span),
                "{file}: {} at {span:?} is not a TLV: {spans:?}",
                f["label"]
            );
        }
    }
    // The text shows the ranges too.
    let text_out = certbench_ok(d, &["inspect", "resp.der"]);
    assert!(text_out.contains("OCSP response"), "{text_out}");
    assert!(
        text_out.contains("certStatus") && text_out.contains("revoked  ["),
        "{text_out}"
    );
}

/// The stale-crl scenario's claim about OpenSSL, checked: a CRL past its nextUpdate makes
/// `openssl verify -crl_check` refuse every certificate ("CRL has expired"), the good with the
/// revoked; before then it refuses only the revoked one. The lab shows rustls using it anyway.
#[test]
fn openssl_refuses_everything_once_the_crl_is_past_its_next_update() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    certbench_ok(d, &["revoke", "client"]);
    let verify = |cert: &str, at: i64| {
        let at = (time::OffsetDateTime::now_utc() + time::Duration::days(at)).unix_timestamp();
        text(&openssl(
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
                "-attime",
                &at.to_string(),
                cert,
            ],
        ))
    };
    assert!(verify("server.crt", 1).contains("server.crt: OK"));
    assert!(verify("client.crt", 1).contains("certificate revoked"));
    // certbench's CRLs hold for 30 days.
    let past = verify("server.crt", 31);
    assert!(past.contains("CRL has expired"), "{past}");
    let crl = openssl_ok(
        d,
        &[
            "crl",
            "-in",
            "intermediate.crl",
            "-noout",
            "-nextupdate",
            "-lastupdate",
        ],
    );
    assert!(crl.contains("nextUpdate="), "{crl}");
    // The lab's scenario runs and goes as it says.
    let lab = common::certbench(d, &["handshake", "--scenario", "stale-crl"]);
    assert!(text(&lab).contains("as designed"), "{}", text(&lab));
}

#[test]
fn connect_require_staple_refuses_a_server_that_staples_nothing_and_takes_one_that_staples() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    // openssl s_server without -status_file staples nothing.
    let (_server, port) = common::openssl_www(d, &[]);
    let target = format!("localhost:{port}");
    let soft = common::certbench(d, &["connect", &target, "--json", "--no-cert"]);
    assert!(soft.status.success(), "{}", text(&soft));
    let hard = common::certbench(
        d,
        &[
            "connect",
            &target,
            "--json",
            "--no-cert",
            "--require-staple",
        ],
    );
    assert!(!hard.status.success(), "{}", text(&hard));
    let v: serde_json::Value = serde_json::from_slice(&hard.stdout).unwrap();
    assert_eq!(v["failure"]["cause"]["code"], "staple_required", "{v}");
    assert_eq!(
        v["failure"]["alert_sent"], "bad_certificate_status_response",
        "{v}"
    );
    assert_eq!(staple_event(&v)["fields"]["ocsp"], "none", "{v}");

    // certbench serve --staple satisfies it.
    let served = JsonLines::start(
        d,
        &[
            "serve",
            "--port",
            "0",
            "--json",
            "--client-cert",
            "none",
            "--staple",
        ],
    );
    let target = format!("localhost:{}", served.port());
    let ok = common::certbench(
        d,
        &[
            "connect",
            &target,
            "--json",
            "--no-cert",
            "--require-staple",
        ],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(staple_event(&v)["fields"]["ocsp"], "good", "{v}");
}

/// A staple forged by a CA that copied the intermediate's name (another key), sent with its
/// certificate in the chain: openssl's own responder signs "good" for it. certbench's client
/// judges a staple with the certificate that really signed the server's, so it is no answer.
#[test]
fn a_staple_from_a_ca_that_only_copied_the_issuers_name_is_no_answer() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    let subject = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "intermediate.crt",
            "-noout",
            "-subject",
            "-nameopt",
            "compat",
        ],
    );
    let subject = subject.trim().trim_start_matches("subject=").to_string();
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
            "fake.key",
            "-out",
            "fake.crt",
            "-subj",
            &subject,
            "-days",
            "2",
        ],
    );
    let serial = openssl_ok(d, &["x509", "-in", "server.crt", "-noout", "-serial"]);
    let serial = serial.trim().trim_start_matches("serial=").to_string();
    std::fs::write(
        d.join("index.txt"),
        format!("V\t301231000000Z\t\t{serial}\tunknown\t/CN=localhost\n"),
    )
    .unwrap();
    openssl_ok(
        d,
        &[
            "ocsp",
            "-issuer",
            "fake.crt",
            "-cert",
            "server.crt",
            "-no_nonce",
            "-reqout",
            "forged.req",
        ],
    );
    let made = openssl_ok(
        d,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "fake.crt",
            "-rkey",
            "fake.key",
            "-CA",
            "fake.crt",
            "-reqin",
            "forged.req",
            "-respout",
            "forged.der",
        ],
    );
    let _ = made;
    let said = openssl_ok(
        d,
        &["ocsp", "-respin", "forged.der", "-resp_text", "-noverify"],
    );
    assert!(
        said.contains("Cert Status: good"),
        "openssl's responder says good: {said}"
    );
    let chain = [
        std::fs::read_to_string(d.join("fake.crt")).unwrap(),
        std::fs::read_to_string(d.join("intermediate.crt")).unwrap(),
    ]
    .concat();
    std::fs::write(d.join("fakechain.pem"), chain).unwrap();
    let (_server, port) = common::openssl_www(
        d,
        &["-cert_chain", "fakechain.pem", "-status_file", "forged.der"],
    );
    let out = common::certbench(
        d,
        &[
            "connect",
            &format!("localhost:{port}"),
            "--ca",
            "ca.crt",
            "--json",
            "--no-cert",
            "--require-staple",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert!(!out.status.success(), "a forged staple was taken: {v}");
    let staple = staple_event(&v);
    assert_eq!(
        staple["fields"]["ocsp"], "not_for_this_certificate",
        "{staple}"
    );
    assert_eq!(v["failure"]["cause"]["code"], "staple_required", "{v}");
}

/// What a stapling server does, `certbench_tls::staple::fetch`, against `certbench ocsp`: the
/// answer it brings back is the one openssl verifies.
#[test]
fn a_staple_fetched_from_the_responder_verifies_with_openssl() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    certbench_ok(d, &["gen"]);
    let (_responder, port) = responder(d);
    let url = format!("http://127.0.0.1:{port}/ocsp");
    let pem = |f: &str| {
        let text = std::fs::read(d.join(f)).unwrap();
        x509_parser::pem::parse_x509_pem(&text).unwrap().1.contents
    };
    let id = certbench_x509::ocsp::CertId::of_cert(
        &pem("server.crt"),
        &pem("intermediate.crt"),
        certbench_x509::ocsp::HashAlg::Sha1,
    )
    .unwrap();
    let request = certbench_x509::ocsp::request_der(&[id], None).unwrap();
    let answer =
        certbench_tls::staple::fetch(&url, &request, std::time::Duration::from_secs(5)).unwrap();
    std::fs::write(d.join("fetched.der"), answer).unwrap();
    let judged = judged(d, "fetched.der", "server.crt");
    assert!(judged.contains("server.crt: good"), "{judged}");
    // A responder that does not answer is said as such.
    let closed = common::free_port();
    let e = certbench_tls::staple::fetch(
        &format!("http://127.0.0.1:{closed}"),
        &request,
        std::time::Duration::from_secs(2),
    )
    .unwrap_err();
    assert!(e.to_string().contains("cannot reach the responder"), "{e}");
}
