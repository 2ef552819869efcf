#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The page of a run (`certbench handshake --html FILE`), opened in a real browser: Debian's
//! Chromium, headless. It loads with nothing in the console (the page's Content Security Policy
//! reports any load it blocks there), references nothing outside itself, has a section and a
//! ladder arrow for every message the run's transcript lists, in order, and shows a certificate
//! subject holding `<script>` as text.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// The page as Chromium has it once loaded (`--dump-dom`), and what it wrote to its console.
fn open_in_chromium(page: &Path) -> (String, Vec<String>) {
    let chromium = require("chromium", "chromium");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium: {}", text(&out));
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// Each `attr="value"` of the DOM, for the attribute named.
fn attributes<'a>(dom: &'a str, attr: &str) -> Vec<&'a str> {
    let key = format!(" {attr}=\"");
    dom.match_indices(&key)
        .map(|(i, _)| {
            let rest = &dom[i + key.len()..];
            &rest[..rest.find('"').unwrap_or(rest.len())]
        })
        .collect()
}

#[test]
fn the_page_of_a_run_opens_offline_with_every_message_and_no_markup_from_a_certificate() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "client",
        "hostile",
        &["--cn", "<script>alert(1)</script>"],
    );
    let page = d.join("run.html");
    let out = certbench(
        d,
        &[
            "handshake",
            "--client",
            "hostile",
            "--json",
            "--html",
            page.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let wire: Vec<(String, String)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "wire")
        .map(|e| {
            (
                e["message"].as_str().unwrap().to_string(),
                e["side"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(wire.len() >= 10, "{wire:?}");

    let size = std::fs::metadata(&page).unwrap().len();
    assert!(
        size < 1_000_000,
        "an ordinary run's page is under 1 MB: {size} bytes"
    );
    let (dom, console) = open_in_chromium(&page);
    assert!(console.is_empty(), "the console: {console:#?}");
    // Nothing outside the page: links only to its own sections, no source, no stylesheet.
    for href in attributes(&dom, "href") {
        assert!(href.starts_with('#'), "a link out of the page: {href}");
    }
    for attr in ["src", "srcset", "action", "data"] {
        assert!(attributes(&dom, attr).is_empty(), "{attr}= in the page");
    }
    assert!(
        !dom.contains("<link") && !dom.contains("@import"),
        "a stylesheet from elsewhere"
    );
    assert!(
        !dom.contains("url(") || dom.contains("url(#arrow)"),
        "a url() in the styles"
    );
    // No script at all, and the certificate's subject as text.
    assert!(!dom.contains("<script"), "a script element in the page");
    // The subject as openssl writes it (RFC 2253), as text: its < and > escaped for HTML.
    let subject = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "hostile.crt",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
        ],
    );
    let subject = subject.trim().trim_start_matches("subject=");
    assert!(subject.contains("<script"), "{subject}");
    let as_text = subject
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(
        dom.contains(&as_text),
        "the hostile subject {as_text}, as text"
    );
    // Each certificate decoded field by field: its notAfter as openssl reads it.
    let end = openssl_ok(
        d,
        &[
            "x509",
            "-in",
            "hostile.crt",
            "-noout",
            "-enddate",
            "-dateopt",
            "iso_8601",
        ],
    );
    let end = end.trim().trim_start_matches("notAfter=").replace(' ', "T");
    assert!(
        dom.contains(&format!("<td>notAfter</td><td>{end}</td>")),
        "the certificate's notAfter, {end}, in its fields"
    );
    // Every message of the transcript, in order: its section and its arrow to it.
    let sections: Vec<(String, String)> = attributes(&dom, "data-message")
        .into_iter()
        .zip(attributes(&dom, "data-side"))
        .map(|(m, s)| (m.to_string(), s.to_string()))
        .collect();
    let names = |v: &[(String, String)]| {
        v.iter()
            .map(|(m, s)| format!("{s}:{m}"))
            .collect::<Vec<_>>()
    };
    // The transcript names an unreadable or alert record by its kind; the page by its record.
    let expected: Vec<(String, String)> = wire
        .iter()
        .map(|(m, s)| {
            let m = match m.as_str() {
                "alert" => "Alert".to_string(),
                "application_data" => "ApplicationData".to_string(),
                "change_cipher_spec" => "ChangeCipherSpec".to_string(),
                other => other.to_string(),
            };
            (m, s.clone())
        })
        .collect();
    assert_eq!(names(&sections), names(&expected));
    let ids = attributes(&dom, "id");
    for target in attributes(&dom, "href") {
        let id = &target[1..];
        assert!(ids.contains(&id), "the arrow to {target} leads nowhere");
    }
    let arrows = ids.iter().filter(|i| i.starts_with("arrow-m")).count();
    assert_eq!(arrows, wire.len(), "an arrow for each message");
}

/// Writing a page never overwrites a file.
#[test]
fn a_page_is_written_to_a_new_file_only() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let page = d.join("kept.html");
    std::fs::write(&page, "mine").unwrap();
    let out = certbench(d, &["handshake", "--html", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("exists"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "mine");
    let out = certbench(d, &["handshake", "--html", "/no/such/folder/p.html"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// Each handshake message's bytes as the page shows them (its "The message" dump) are the bytes
/// tshark finds for that message in the run's own capture, decrypted with the secrets inside
/// it, in the same order: TLS 1.3 and 1.2.
#[test]
fn the_bytes_on_the_page_are_the_bytes_tshark_sees() {
    let tshark = require("tshark", "tshark");
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    for tls in ["1.3", "1.2"] {
        let page = d.join(format!("run-{tls}.html"));
        let pcap = d.join(format!("run-{tls}.pcapng"));
        certbench_ok(
            d,
            &[
                "handshake",
                "--tls",
                tls,
                "--pcap",
                pcap.to_str().unwrap(),
                "--html",
                page.to_str().unwrap(),
            ],
        );
        let out = Command::new(&tshark)
            .args([
                "-r",
                pcap.to_str().unwrap(),
                "-T",
                "json",
                "-x",
                "--no-duplicate-keys",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "tshark: {}", text(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut theirs: Vec<String> = Vec::new();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        if k == "tls.handshake_raw" {
                            // One message: [hex, offset, length, ...]; several: a list of those.
                            match x.get(0) {
                                Some(Value::Array(_)) => out.extend(
                                    x.as_array()
                                        .unwrap()
                                        .iter()
                                        .map(|m| m[0].as_str().unwrap().to_string()),
                                ),
                                Some(Value::String(s)) => out.push(s.clone()),
                                _ => {}
                            }
                        }
                        walk(x, out);
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        walk(&v, &mut theirs);
        assert!(theirs.len() >= 8, "TLS {tls}: tshark found {theirs:?}");

        let (dom, console) = open_in_chromium(&page);
        assert!(console.is_empty(), "{console:#?}");
        let not_handshake = ["ChangeCipherSpec", "Alert", "ApplicationData", "unreadable"];
        let ours: Vec<String> = dom
            .split("<section class=\"message\"")
            .skip(1)
            .filter(|s| {
                let name = attributes(s, "data-message");
                name.first().is_some_and(|n| !not_handshake.contains(n))
            })
            .map(|s| {
                let at = s.find("data-kind=\"message\">").expect("a message dump");
                let rest = &s[at + "data-kind=\"message\">".len()..];
                // The hex, without the spans that shade each field.
                let dump = &rest[..rest.find("</pre>").unwrap()];
                let mut text = String::new();
                let mut in_tag = false;
                for c in dump.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => in_tag = false,
                        c if !in_tag && c != ' ' => text.push(c),
                        _ => {}
                    }
                }
                text
            })
            .collect();
        assert_eq!(ours, theirs, "TLS {tls}");
    }
}

/// The keys the page shows are the ones RFC 8446 7.1 and 7.3 derive from the run's secrets,
/// computed here again with Python's hmac and hashlib: HKDF-Expand-Label(secret, "key" / "iv").
#[test]
fn the_keys_on_the_page_are_derived_as_rfc_8446_says() {
    let python = require("python3", "python3");
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let page = d.join("keys.html");
    let out = certbench(
        d,
        &["handshake", "--json", "--html", page.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let suite = v["cipher_suite"].as_str().unwrap().to_string();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&page).unwrap().permissions().mode() & 0o777,
        0o600,
        "the page holds secrets"
    );
    let (dom, _) = open_in_chromium(&page);
    // Each row of the keys table: label, secret, key, IV.
    let table = &dom[dom.find("class=\"parts keys\"").expect("the keys table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let cells = |row: &str| -> Vec<String> {
        row.split("<td")
            .skip(1)
            .map(|c| {
                let c = &c[c.find('>').unwrap() + 1..];
                c[..c.find("</td>").unwrap()].replace(' ', "")
            })
            .collect()
    };
    let rows: Vec<Vec<String>> = table.split("<tr>").skip(2).map(cells).collect();
    let traffic: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[0].contains("TRAFFIC_SECRET"))
        .collect();
    assert_eq!(traffic.len(), 4, "{rows:?}");
    let (hash, key_len) = match suite.as_str() {
        "TLS_AES_256_GCM_SHA384" => ("sha384", 32),
        "TLS_AES_128_GCM_SHA256" => ("sha256", 16),
        "TLS_CHACHA20_POLY1305_SHA256" => ("sha256", 32),
        other => panic!("a TLS 1.3 suite: {other}"),
    };
    let script = r#"
import hashlib, hmac, sys
def expand_label(secret, label, length, h):
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([0])
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), h).digest()
        out += t
        i += 1
    return out[:length]
h = getattr(hashlib, sys.argv[1])
key_len = int(sys.argv[2])
for secret in sys.argv[3:]:
    s = bytes.fromhex(secret)
    print(expand_label(s, b"key", key_len, h).hex(), expand_label(s, b"iv", 12, h).hex())
"#;
    let out = Command::new(python)
        .args(["-c", script, hash, &key_len.to_string()])
        .args(traffic.iter().map(|r| r[1].clone()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let theirs: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let (k, i) = l.split_once(' ').unwrap();
            (k.to_string(), i.to_string())
        })
        .collect();
    let ours: Vec<(String, String)> = traffic
        .iter()
        .map(|r| (r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(ours, theirs);
}

/// `lab --html DIR`: a page per scenario and an index linking each, opened in Chromium; a
/// failing scenario's page says who caught it with the alert openssl's name for it has.
#[test]
fn the_lab_gallery_has_a_page_per_scenario_and_an_index() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    let gallery = d.join("gallery");
    let out = certbench(d, &["lab", "--html", gallery.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = certbench(d, &["lab", "--json"]);
    let scenarios: Vec<String> = serde_json::from_slice::<Value>(&listed.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert!(scenarios.len() >= 20);
    let (index, console) = open_in_chromium(&gallery.join("index.html"));
    assert!(console.is_empty(), "{console:#?}");
    let links = attributes(&index, "href");
    assert_eq!(links.len(), scenarios.len(), "{links:?}");
    for (link, name) in links.iter().zip(&scenarios) {
        assert_eq!(*link, format!("{name}.html"));
        assert!(gallery.join(link).is_file(), "{link}");
    }
    let (page, console) = open_in_chromium(&gallery.join("client-unknown-ca.html"));
    assert!(console.is_empty(), "{console:#?}");
    assert!(page.contains("id=\"failure\""), "the failure section");
    assert!(page.contains("unknown_ca"), "the alert");
    // A second gallery into the same folder is refused: nothing is overwritten.
    let again = certbench(d, &["lab", "--html", gallery.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
}

/// A failed run's page says where the field at fault lives and marks its bytes in the message
/// that carried it: for an expired client certificate, its notAfter, the UTCTime openssl reads
/// from the same file.
#[test]
fn the_field_at_fault_is_marked_in_the_bytes_that_carried_it() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    issue(
        d,
        "client",
        "late",
        &["--not-before", "-400d", "--days", "30"],
    );
    let page = d.join("late.html");
    let out = certbench(
        d,
        &[
            "handshake",
            "--client",
            "late",
            "--html",
            page.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success(), "an expired client is refused");
    let (dom, console) = open_in_chromium(&page);
    assert!(console.is_empty(), "{console:#?}");
    let at = dom
        .find("<mark id=\"culprit\">")
        .expect("the field at fault, marked");
    let rest = &dom[at + "<mark id=\"culprit\">".len()..];
    let hex = &rest[..rest.find("</mark>").unwrap()];
    let bytes: Vec<u8> = hex
        .split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect();
    // openssl's notAfter of the same certificate, as a UTCTime (RFC 5280 4.1.2.5.1).
    let end = openssl_ok(
        d,
        &[
            "x509", "-in", "late.crt", "-noout", "-enddate", "-dateopt", "iso_8601",
        ],
    );
    let end = end.trim().trim_start_matches("notAfter=");
    let digits: String = end.chars().filter(char::is_ascii_digit).collect();
    let utc_time = format!("{}Z", &digits[2..]);
    assert_eq!(bytes[0], 0x17, "a UTCTime: {hex}");
    assert_eq!(usize::from(bytes[1]), bytes.len() - 2, "{hex}");
    assert_eq!(String::from_utf8_lossy(&bytes[2..]), utc_time);
    // The failure section links to the message whose bytes hold the mark.
    let failure = &dom[dom.find("id=\"failure\"").expect("the failure section")..];
    let failure = &failure[..failure.find("</section>").unwrap()];
    let target = attributes(failure, "href")
        .into_iter()
        .next()
        .expect("a link to where the field lives");
    let section = &dom[dom.find(&format!("id=\"{}\"", &target[1..])).unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(
        section.contains("<mark id=\"culprit\">"),
        "{target} holds the mark"
    );
}

/// `connect --html FILE` against openssl's server: the page of that connection, without its
/// secrets unless asked (`--include-secrets`); private either way (mode 0600: what was
/// decrypted, a request's cookies and tokens, is on it).
#[test]
fn a_page_of_a_connection_to_openssl_keeps_its_secrets_unless_asked() {
    use std::os::unix::fs::PermissionsExt;
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let (_server, port) = openssl_www(d, &[]);
    let target = format!("localhost:{port}");
    for (name, extra, keys) in [
        ("plain.html", vec![], false),
        ("secret.html", vec!["--include-secrets"], true),
    ] {
        let page = d.join(name);
        let mut args = vec!["connect", target.as_str(), "--html", page.to_str().unwrap()];
        args.extend(extra);
        let out = certbench(d, &args);
        assert!(out.status.success(), "{}", text(&out));
        let perm = std::fs::metadata(&page).unwrap().permissions().mode() & 0o777;
        assert_eq!(perm, 0o600, "{name}: mode {perm:o}");
        let (dom, console) = open_in_chromium(&page);
        assert!(console.is_empty(), "{console:#?}");
        assert_eq!(dom.contains("id=\"keys\""), keys, "{name}");
        assert!(dom.contains("data-message=\"ServerHello\""), "{name}");
    }
}

/// `serve --html DIR` and `relay --html DIR`: a page of each connection as it ends, curl the
/// client: the served one as certbench's server saw it, the relayed one read with curl's key
/// log (the client's Certificate, encrypted in TLS 1.3, is on it).
#[test]
fn serve_and_relay_write_a_page_of_each_connection() {
    use std::io::BufRead;
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let served = d.join("served");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args([
            "serve",
            "--port",
            "0",
            "--json",
            "--html",
            served.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(serve.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let port = listening_port(&first);
    let keylog = d.join("curl.keylog");
    let curl = |port: u16| {
        Command::new(require("curl", "curl"))
            .current_dir(d)
            .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
            .args(["--cert", "client-chain.crt", "--key", "client.key"])
            .env("SSLKEYLOGFILE", &keylog)
            .arg(format!("https://localhost:{port}/"))
            .output()
            .unwrap()
    };
    assert!(curl(port).status.success());
    let _ = lines.next();
    let page = served.join("connection-1.html");
    let (dom, console) = open_in_chromium(&page);
    assert!(console.is_empty(), "{console:#?}");
    assert!(
        dom.contains("data-message=\"ClientHello\""),
        "the served connection's page"
    );
    assert!(!dom.contains("id=\"keys\""), "no secrets unless asked");
    // What curl made of the server's certificate is not on the wire: not claimed either way.
    let proofs = &dom[dom.find("id=\"proofs\"").expect("who proved what")..];
    let proofs = &proofs[..proofs.find("</section>").unwrap()];
    assert!(!proofs.contains("The server proved"), "{proofs}");

    // The relay to that server, following curl's key log.
    let relayed = d.join("relayed");
    let mut relay = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args(["relay", "--listen", "127.0.0.1:0", "--json", "--to"])
        .arg(format!("localhost:{port}"))
        .arg("--keylog")
        .arg(&keylog)
        .args(["--html", relayed.to_str().unwrap(), "--include-secrets"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut rlines = std::io::BufReader::new(relay.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&rlines.next().unwrap().unwrap()).unwrap();
    let at = listening_port(&first);
    assert!(curl(at).status.success());
    let rlines_last = rlines.next().unwrap().unwrap();
    let (dom, console) = open_in_chromium(&relayed.join("connection-1.html"));
    assert!(console.is_empty(), "{console:#?}");
    assert!(
        dom.contains("data-message=\"Certificate\" data-side=\"client\""),
        "the client's Certificate, decrypted with curl's key log"
    );
    assert!(dom.contains("id=\"keys\""), "its secrets, asked for");
    // How it ended, as the relay says it: not that the request succeeded (the relay cannot know).
    let line: Value = serde_json::from_str(&rlines_last).unwrap();
    assert_eq!(line["outcome"], "ok", "{line}");
    assert!(
        !dom.contains("request succeeded"),
        "the relay claims no success it cannot see"
    );
    assert!(
        dom.contains("the server asked for a client certificate from"),
        "what the CertificateRequest asked"
    );
    let _ = relay.kill();
    let _ = relay.wait();
    let _ = serve.kill();
    let _ = serve.wait();
}

/// `serve --html DIR` alone, without `--json`: each page still shows every message the
/// connection carried, the client's request among them (the pages had no ladder when the events
/// were kept for `--json` only).
#[test]
fn serve_html_alone_puts_every_message_on_the_page() {
    use std::io::BufRead;
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    let served = d.join("served");
    // Port 0: the system's choice, which the banner's first line says (no port to race for).
    let mut serve = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(d)
        .args(["serve", "--listen", "127.0.0.1", "--port", "0"])
        .arg("--html")
        .arg(&served)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = served_port(&first);
    // The banner ends with how connections are told.
    for line in lines.by_ref() {
        if line.unwrap().starts_with("one line per connection") {
            break;
        }
    }
    let out = Command::new(require("curl", "curl"))
        .current_dir(d)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
        .args(["--cert", "client-chain.crt", "--key", "client.key"])
        .arg(format!("https://localhost:{port}/"))
        .output()
        .unwrap();
    assert!(out.status.success(), "curl: {}", text(&out));
    let said = lines.next().unwrap().unwrap();
    assert!(said.starts_with("#1"), "{said}");
    // Once the connection's line is out, its page is there (written whole, by a rename): a
    // script that reads the line opens the page at once.
    let page = served.join("connection-1.html");
    assert!(page.exists(), "the page, when the line is out");
    let _ = serve.kill();
    let _ = serve.wait();
    let (dom, console) = open_in_chromium(&page);
    assert!(console.is_empty(), "{console:#?}");
    for (message, side) in [
        ("ClientHello", "client"),
        ("ServerHello", "server"),
        ("Certificate", "client"),
        ("Finished", "client"),
    ] {
        assert!(
            dom.contains(&format!("data-message=\"{message}\" data-side=\"{side}\"")),
            "the {side}'s {message} on the page"
        );
    }
    assert!(
        dom.contains("GET / HTTP/1.1"),
        "curl's request, decrypted, on the page"
    );
}

/// Every field the page shows of a message's bytes says what it is, in plain words, in TLS 1.3
/// and 1.2 and with a HelloRetryRequest.
#[test]
fn every_field_of_the_bytes_says_what_it_is() {
    let ws = tempfile::tempdir().unwrap();
    let d = ws.path();
    certbench_ok(d, &["gen"]);
    for (name, args) in [
        ("tls13.html", vec!["handshake", "--tls", "1.3"]),
        ("tls12.html", vec!["handshake", "--tls", "1.2"]),
        ("retry.html", vec!["handshake", "--scenario", "hello-retry"]),
    ] {
        let page = d.join(name);
        let mut args = args.clone();
        args.extend(["--html", page.to_str().unwrap()]);
        certbench(d, &args);
        let html = std::fs::read_to_string(&page).unwrap();
        let mut rows = 0;
        for row in html.split("<tr class=\"d").skip(1) {
            let row = &row[..row.find("</tr>").unwrap()];
            // The bytes tables have four cells; the certificates' field trees three.
            if row.matches("<td").count() != 4 {
                continue;
            }
            rows += 1;
            let field = row.split("<td>").nth(1).unwrap();
            let field = &field[..field.find("</td>").unwrap()];
            assert!(
                !row.ends_with("<td class=\"note\"></td>"),
                "{name}: the field {field} does not say what it is"
            );
        }
        assert!(rows > 50, "{name}: {rows} fields");
    }
}
