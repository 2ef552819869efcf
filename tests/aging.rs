//! `certbench status` and `certbench renew`: the days each certificate has left as openssl counts
//! them (`x509 -checkend`), a leaf issued for longer than its issuer flagged (and openssl's
//! `verify -attime` showing why), and renewals that keep every chain verifying with `openssl
//! verify`, the profile unchanged as `openssl x509` prints it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{certbench, certbench_ok, issue, openssl, openssl_ok};

fn status_json(d: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&certbench_ok(d, &args)).unwrap()
}

/// Whether openssl says `file` expires within `seconds`.
fn expires_within(d: &Path, file: &str, seconds: i64) -> bool {
    let out = openssl(
        d,
        &[
            "x509",
            "-in",
            file,
            "-noout",
            "-checkend",
            &seconds.to_string(),
        ],
    );
    // Exit 0: "Certificate will not expire"; 1: "Certificate will expire".
    !out.status.success()
}

fn verify(d: &Path, file: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "verify",
        "-CAfile",
        "ca.crt",
        "-untrusted",
        "intermediate.crt",
    ];
    args.extend_from_slice(extra);
    args.push(file);
    openssl(d, &args)
}

#[test]
fn status_counts_the_days_openssl_counts_and_flags_a_leaf_that_outlives_its_issuer() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    // The intermediate is valid for 5 years: this server for 11.
    issue(
        d,
        "server",
        "long",
        &["--days", "4000", "--san", "long.local"],
    );
    let v = status_json(d, &[]);
    let certs = v["certificates"].as_array().unwrap();
    let names: Vec<&str> = certs.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    // The next to expire first.
    let after: Vec<&str> = certs
        .iter()
        .map(|c| c["not_after"].as_str().unwrap())
        .collect();
    let mut sorted = after.clone();
    sorted.sort();
    assert_eq!(after, sorted);
    for c in certs {
        let file = format!("{}.crt", c["name"].as_str().unwrap());
        let days = c["days_left"].as_i64().unwrap();
        // openssl: the days left rounded to the nearest day, as `inspect` and `list` say them:
        // not expired within `days - 1/2` days, expired within `days + 1/2` (asked a moment
        // after status looked: two minutes of slack on the first).
        assert!(
            !expires_within(d, &file, days * 86_400 - 43_200 - 120),
            "{file}: {days} days"
        );
        assert!(
            expires_within(d, &file, days * 86_400 + 43_200),
            "{file}: {days} days"
        );
        assert_eq!(c["state"], "valid");
    }
    let warnings = v["warnings"].as_array().unwrap();
    let outlives: Vec<&serde_json::Value> = warnings
        .iter()
        .filter(|w| w["kind"] == "outlives_issuer")
        .collect();
    assert_eq!(outlives.len(), 1, "{warnings:?}");
    assert_eq!(outlives[0]["name"], "long");
    assert_eq!(outlives[0]["issuer"], "intermediate");
    // Why it matters, as openssl sees it: a day after the intermediate expires, the leaf (with
    // years left) no longer verifies, and it is the intermediate that has expired.
    let end = time::OffsetDateTime::parse(
        outlives[0]["issuer_not_after"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let day_after = (end.unix_timestamp() + 86_400).to_string();
    let refused = verify(d, "long.crt", &["-attime", &day_after]);
    let said = common::text(&refused);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("certificate has expired") && said.contains("at 1 depth"),
        "{said}"
    );
    assert!(!expires_within(
        d,
        "long.crt",
        86_400 * 366 * 5 + 86_400 * 2
    ));

    // The text output says it too.
    let text = certbench_ok(d, &["status"]);
    assert!(
        text.contains("long is valid until") && text.contains("after its issuer intermediate"),
        "{text}"
    );

    // --at: a year and a day on, the year-long certificates have expired.
    let later = status_json(d, &["--at", "+366d"]);
    let state = |name: &str| {
        later["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("server"), "expired");
    assert_eq!(state("client"), "expired");
    assert_eq!(state("intermediate"), "valid");
}

/// The days a certificate has left are one number wherever they are shown: `status` (text and
/// JSON), `list` and `inspect`, now and at a later time (a new year-long certificate has 365).
#[test]
fn status_list_and_inspect_count_the_same_days() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    for (at, expected) in [("now", 365), ("+350d", 15)] {
        let v = status_json(d, &["--at", at]);
        let client = v["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "client")
            .unwrap()
            .clone();
        assert_eq!(client["days_left"], expected, "status --at {at}: {client}");
        let shown = certbench_ok(d, &["inspect", "client.crt", "--at", at]);
        assert!(
            shown.contains(&format!("expires in {expected} days")),
            "inspect --at {at}: {shown}"
        );
        let text = certbench_ok(d, &["status", "--at", at]);
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some("client"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            line.split_whitespace().any(|w| w == expected.to_string()),
            "status --at {at}: {line}"
        );
    }
    let list = certbench_ok(d, &["list"]);
    let line = list.lines().find(|l| l.contains("client")).unwrap();
    assert!(line.ends_with("expires in 365 days"), "{line}");
}

/// The parts of a certificate a renewal must keep, as openssl prints them.
fn profile(d: &Path, file: &str) -> String {
    openssl_ok(
        d,
        &[
            "x509",
            "-in",
            file,
            "-noout",
            "-subject",
            "-issuer",
            "-ext",
            "subjectAltName,keyUsage,extendedKeyUsage,basicConstraints,nameConstraints,authorityInfoAccess,crlDistributionPoints",
        ],
    )
}

fn serial(d: &Path, file: &str) -> String {
    openssl_ok(d, &["x509", "-in", file, "-noout", "-serial"])
}

fn pubkey(d: &Path, file: &str) -> String {
    openssl_ok(d, &["x509", "-in", file, "-noout", "-pubkey"])
}

#[test]
fn renew_keeps_every_chain_verifying_with_the_same_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen", "--responder", "http://127.0.0.1:8888"]);
    issue(
        d,
        "intermediate",
        "team",
        &[
            "--issuer",
            "ca",
            "--permit-dns",
            "team.example",
            "--pathlen",
            "0",
        ],
    );
    issue(
        d,
        "server",
        "api",
        &[
            "--issuer",
            "team",
            "--san",
            "api.team.example",
            "--san",
            "10.0.0.7",
            "--days",
            "90",
        ],
    );
    let before: Vec<(String, String, String, String)> =
        ["server", "client", "intermediate", "team", "api", "ca"]
            .iter()
            .map(|n| {
                let f = format!("{n}.crt");
                (n.to_string(), profile(d, &f), serial(d, &f), pubkey(d, &f))
            })
            .collect();
    for (name, profile_before, serial_before, key_before) in &before {
        let said = certbench_ok(d, &["renew", name]);
        assert!(said.contains(&format!("Renewed {name}")), "{said}");
        let f = format!("{name}.crt");
        assert_eq!(&profile(d, &f), profile_before, "{name}: the same profile");
        assert_ne!(&serial(d, &f), serial_before, "{name}: a fresh serial");
        assert_eq!(&pubkey(d, &f), key_before, "{name}: the same key");
        // The old certificate is kept, with its serial.
        let kept = walk(&d.join("replaced"))
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == f.as_str()))
            .any(|p| serial(d, p.to_str().unwrap()) == *serial_before);
        assert!(kept, "{name}: the old certificate is in replaced/");
    }
    // Every chain still verifies, with openssl, after each of them was renewed.
    for leaf in ["server.crt", "client.crt"] {
        let out = verify(d, leaf, &[]);
        assert!(out.status.success(), "{leaf}: {}", common::text(&out));
    }
    let out = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "team.crt",
            "api.crt",
        ],
    );
    assert!(out.status.success(), "{}", common::text(&out));

    // A new key: the key changes, the chain still verifies.
    let key_before = pubkey(d, "server.crt");
    certbench_ok(d, &["renew", "server", "--new-key"]);
    assert_ne!(pubkey(d, "server.crt"), key_before);
    assert!(verify(d, "server.crt", &[]).status.success());
    let m = std::fs::metadata(d.join("server.key")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777,
        0o600
    );

    // A CA with a new key: what it signed is said to need renewal, and openssl agrees, until it
    // is renewed.
    let said = certbench_ok(d, &["renew", "intermediate", "--new-key"]);
    assert!(
        said.contains("server (server) was signed by the old key")
            && said.contains("client (client) was signed by the old key"),
        "{said}"
    );
    assert!(!verify(d, "server.crt", &[]).status.success());
    certbench_ok(d, &["renew", "server"]);
    assert!(verify(d, "server.crt", &[]).status.success());
}

#[test]
fn renew_refuses_what_it_cannot_renew() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    let out = certbench(d, &["renew", "nobody"]);
    assert!(!out.status.success());
    assert!(
        common::text(&out).contains("nobody"),
        "{}",
        common::text(&out)
    );
    certbench_ok(d, &["revoke", "client"]);
    let out = certbench(d, &["renew", "client"]);
    assert!(!out.status.success());
    assert!(
        common::text(&out).contains("revoked"),
        "{}",
        common::text(&out)
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// What a renewal leaves behind, as `status` warns of it and openssl reads it: a leaf renewed
/// with its key is warned of (a CA is not: it keeps its key on purpose); after the intermediate
/// is renewed, the leaves' chain files carry the old one (openssl: its serial is not the new
/// intermediate's) until they are renewed; and the intermediate's CRL numbers go on growing
/// across its renewal (`openssl crl -crlnumber`).
#[test]
fn status_warns_of_what_renewals_leave_behind_and_crl_numbers_keep_growing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    certbench_ok(d, &["revoke", "client"]);
    let crl_number = |d: &Path| {
        openssl_ok(
            d,
            &["crl", "-in", "intermediate.crl", "-noout", "-crlnumber"],
        )
        .trim()
        .to_string()
    };
    let first = crl_number(d);
    certbench_ok(d, &["renew", "server"]);
    // The commands it suggests are for this workspace, which is not the default one: pasted as
    // they are, they would act on that; it says which --dir to add.
    let renewed = certbench_ok(d, &["renew", "intermediate"]);
    let note = format!("run certbench commands with --dir {}", d.display());
    assert!(
        renewed.contains("`certbench renew server`") && renewed.contains(&note),
        "{renewed}"
    );
    let status = certbench_ok(d, &["status"]);
    assert!(
        status.contains("warning: ") && status.contains(&note),
        "{status}"
    );
    let kinds = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["kind"].as_str().unwrap().to_string(),
                    w["name"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let v = status_json(d, &[]);
    let warned = kinds(&v);
    assert!(
        warned.contains(&("key_reused".into(), "server".into())),
        "{warned:?}"
    );
    assert!(
        !warned
            .iter()
            .any(|(k, n)| k == "key_reused" && n == "intermediate"),
        "{warned:?}"
    );
    assert!(
        warned.contains(&("chain_outdated".into(), "server".into())),
        "{warned:?}"
    );
    // openssl: the intermediate in server-chain.crt is not intermediate.crt any more.
    let chain_int = {
        let text = std::fs::read_to_string(d.join("server-chain.crt")).unwrap();
        let second = text
            .match_indices("-----BEGIN CERTIFICATE-----")
            .nth(1)
            .unwrap()
            .0;
        std::fs::write(d.join("sent-int.pem"), &text[second..]).unwrap();
        serial(d, "sent-int.pem")
    };
    assert_ne!(chain_int, serial(d, "intermediate.crt"));
    certbench_ok(d, &["renew", "server", "--new-key"]);
    let warned = kinds(&status_json(d, &[]));
    assert!(
        !warned.iter().any(|(_, n)| n == "server"),
        "renewed with a new key and the current chain: {warned:?}"
    );

    // The CRL numbers go on from where they were.
    certbench_ok(d, &["revoke", "server"]);
    let parse = |s: &str| {
        u64::from_str_radix(
            s.trim_start_matches("crlNumber=0x")
                .trim_start_matches("crlNumber="),
            16,
        )
        .unwrap()
    };
    assert!(
        parse(&crl_number(d)) > parse(&first),
        "{first} then {}",
        crl_number(d)
    );
}

/// A renewed-away certificate stays valid until its notAfter, so its serial stays revocable:
/// `revoke NAME --serial OLD` lists it on the issuer's CRL (openssl verify -crl_check refuses the
/// old certificate and takes the new one), and `certbench ocsp` answers revoked for it as openssl's
/// OCSP client reads it; `renew --revoke-old` revokes the old one at once, reason superseded.
#[test]
fn a_certificate_renewal_replaced_can_still_be_revoked() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    std::fs::copy(d.join("client.crt"), d.join("old-client.crt")).unwrap();
    let old = serial(d, "old-client.crt");
    let old_hex = old.trim().trim_start_matches("serial=");
    let said = certbench_ok(d, &["renew", "client"]);
    assert!(said.contains(&format!("--serial {old_hex}")), "{said}");
    certbench_ok(
        d,
        &[
            "revoke",
            "client",
            "--serial",
            old_hex,
            "--reason",
            "keyCompromise",
        ],
    );
    let crl_verify = |file: &str| {
        openssl(
            d,
            &[
                "verify",
                "-crl_check",
                "-CRLfile",
                "intermediate.crl",
                "-CAfile",
                "ca.crt",
                "-untrusted",
                "intermediate.crt",
                file,
            ],
        )
    };
    let refused = crl_verify("old-client.crt");
    assert!(
        !refused.status.success() && common::text(&refused).contains("certificate revoked"),
        "{}",
        common::text(&refused)
    );
    let taken = crl_verify("client.crt");
    assert!(taken.status.success(), "{}", common::text(&taken));

    // certbench's OCSP responder says the same of the old serial, and good of the new one.
    let responder = common::JsonLines::start(d, &["ocsp", "--listen", "127.0.0.1:0", "--json"]);
    let url = format!("http://127.0.0.1:{}", responder.port());
    let ask = |file: &str| {
        openssl_ok(
            d,
            &[
                "ocsp",
                "-issuer",
                "intermediate.crt",
                "-cert",
                file,
                "-url",
                &url,
                "-CAfile",
                "ca.crt",
            ],
        )
    };
    let said = ask("old-client.crt");
    assert!(
        said.contains(": revoked") && said.contains("keyCompromise"),
        "{said}"
    );
    assert!(ask("client.crt").contains(": good"));

    // --revoke-old: the server's old certificate, revoked as superseded.
    std::fs::copy(d.join("server.crt"), d.join("old-server.crt")).unwrap();
    certbench_ok(d, &["renew", "server", "--revoke-old"]);
    let crl = openssl_ok(d, &["crl", "-in", "intermediate.crl", "-noout", "-text"]);
    let old_server = serial(d, "old-server.crt");
    let old_server = old_server.trim().trim_start_matches("serial=");
    assert!(crl.contains(old_server), "{crl}");
    assert!(crl.contains("Superseded"), "{crl}");
    assert!(crl_verify("server.crt").status.success());
}

/// A chain that fails now is said now: after the root is renewed with a new key and the
/// intermediate renewed under it, the leaves' chain files carry the old intermediate, signed by
/// the old root key; openssl verify refuses them (with the chain file as the untrusted chain, as
/// a peer receives it), and `status` warns chain_broken for each, not "years on". Renewing a leaf
/// makes its chain verify again, and the warning goes.
#[test]
fn status_says_a_chain_fails_now_as_openssl_does() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    certbench_ok(d, &["renew", "ca", "--new-key"]);
    certbench_ok(d, &["renew", "intermediate"]);
    let peer_verify = |leaf: &str| {
        openssl(
            d,
            &[
                "verify",
                "-CAfile",
                "ca.crt",
                "-untrusted",
                &format!("{leaf}-chain.crt"),
                &format!("{leaf}.crt"),
            ],
        )
    };
    let broken = |v: &serde_json::Value, name: &str| {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["kind"] == "chain_broken" && w["name"] == name)
    };
    let v = status_json(d, &[]);
    for leaf in ["server", "client"] {
        assert!(!peer_verify(leaf).status.success(), "openssl takes {leaf}");
        assert!(broken(&v, leaf), "{leaf}: {v}");
    }
    certbench_ok(d, &["renew", "server"]);
    let out = peer_verify("server");
    assert!(out.status.success(), "{}", common::text(&out));
    let v = status_json(d, &[]);
    assert!(!broken(&v, "server") && broken(&v, "client"), "{v}");
}

/// `status --check` for cron: exit 0 while every certificate has the days asked for left; exit 1
/// naming those that do not (the same ones `openssl x509 -checkend` says expire within that
/// time), and when a chain fails now.
#[test]
fn status_check_fails_on_what_openssl_says_expires_and_on_broken_chains() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    assert!(certbench(d, &["status", "--check"]).status.success());
    // 365: the year-long certificates have a moment less than that left (shown as 365 days,
    // rounded), and openssl says they expire within it: --check says so too.
    for within in [400, 365] {
        let out = certbench(d, &["status", "--check", "--within", &within.to_string()]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        for name in ["ca", "intermediate", "server", "client"] {
            let expires = expires_within(d, &format!("{name}.crt"), within * 86_400);
            assert_eq!(
                err.contains(&format!("--check: {name} ")),
                expires,
                "{name}, --within {within}: {err}"
            );
        }
    }
    // The report rounds days (364.56 days left shows as 365); what --check says gives the time
    // left to the hour, so the two do not read as if they disagreed.
    let out = certbench(d, &["status", "--check", "--within", "365", "--at", "+10h"]);
    let (report, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let row = report
        .lines()
        .find(|l| l.trim_start().starts_with("client "))
        .unwrap();
    assert!(row.contains(" 365 "), "{report}");
    // (14 hours when the report's time falls in the second the certificate was made.)
    assert!(
        err.contains("client has 364 days 13 hours left, less than 365 days")
            || err.contains("client has 364 days 14 hours left, less than 365 days"),
        "{err}"
    );
    let out = certbench(d, &["status", "--check", "--json", "--at", "+366d"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok());
    certbench_ok(d, &["renew", "ca", "--new-key"]);
    let out = certbench(d, &["status", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not verify now"),
        "{}",
        common::text(&out)
    );
}

/// `crl` signs a CA's CRL anew, as a server that reads it from a file needs before each
/// nextUpdate: openssl verifies that the CA signed it, reads the next CRL number, a nextUpdate 30
/// days after its lastUpdate, and the revoked client with its reason; with no name every CA's is
/// signed. `status` names the command when a CRL is stale; a name that is no CA is refused.
#[test]
fn crl_signs_a_current_crl_openssl_takes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    certbench_ok(d, &["revoke", "client", "--reason", "keyCompromise"]);
    let crl_field = |file: &str, flag: &str| {
        let out = openssl_ok(d, &["crl", "-in", file, "-noout", flag]);
        out.trim().split_once('=').unwrap().1.to_string()
    };
    let first = crl_field("intermediate.crl", "-crlnumber");

    // Past the CRL's nextUpdate, status says so and how to sign a new one.
    let ahead = certbench(d, &["status", "--at", "+31d"]);
    let text = String::from_utf8_lossy(&ahead.stdout);
    assert!(
        text.contains("certbench crl intermediate"),
        "status 31 days on:\n{text}"
    );

    let out = certbench_ok(d, &["crl", "intermediate"]);
    assert!(out.contains("intermediate.crl"), "{out}");
    let verified = openssl(
        d,
        &[
            "crl",
            "-in",
            "intermediate.crl",
            "-CAfile",
            "intermediate.crt",
            "-noout",
            "-verify",
        ],
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(said.contains("verify OK"), "openssl crl -verify: {said}");
    let number = |hex: &str| u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap();
    assert_eq!(
        number(&crl_field("intermediate.crl", "-crlnumber")),
        number(&first) + 1
    );
    let format = time::macros::format_description!(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
    );
    let at = |flag: &str| {
        time::PrimitiveDateTime::parse(&crl_field("intermediate.crl", flag), format).unwrap()
    };
    assert_eq!(
        at("-nextupdate") - at("-lastupdate"),
        time::Duration::days(30)
    );
    let text = openssl_ok(d, &["crl", "-in", "intermediate.crl", "-noout", "-text"]);
    let client_serial = serial(d, "client.crt");
    let client_serial = client_serial.trim().trim_start_matches("serial=");
    assert!(
        text.contains(&format!("Serial Number: {client_serial}"))
            && text.contains("Key Compromise"),
        "the revoked client is still listed:\n{text}"
    );

    // Every CA's, when none is named: the root's too, which had none.
    assert!(!d.join("ca.crl").exists());
    certbench_ok(d, &["crl"]);
    let root = openssl(
        d,
        &[
            "crl", "-in", "ca.crl", "-CAfile", "ca.crt", "-noout", "-verify",
        ],
    );
    assert!(
        String::from_utf8_lossy(&root.stderr).contains("verify OK")
            || String::from_utf8_lossy(&root.stdout).contains("verify OK"),
        "{root:?}"
    );
    assert!(
        number(&crl_field("intermediate.crl", "-crlnumber")) > number(&first) + 1,
        "signed again"
    );

    let refused = certbench(d, &["crl", "server"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("not a CA"), "{err}");
}

/// A certificate issued for a few days does not "expire soon" the moment it is made: soon is
/// under 30 days left, or under a third of its validity when that is shorter (a 3-day one, in its
/// last day); a year's certificate still expires soon with under 30 days left.
#[test]
fn a_short_lived_certificate_expires_soon_only_in_its_last_third() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    certbench_ok(d, &["gen"]);
    certbench_ok(
        d,
        &[
            "issue",
            "--role",
            "client",
            "--name",
            "short",
            "--issuer",
            "intermediate",
            "--days",
            "3",
        ],
    );
    let listed = certbench_ok(d, &["list"]);
    let line = listed.lines().find(|l| l.contains("short")).unwrap();
    assert!(!line.contains("soon"), "{listed}");
    let state = |at: &str, name: &str| {
        let v = status_json(d, &["--at", at]);
        v["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state("now", "short"), "valid");
    assert_eq!(state("+40h", "short"), "valid");
    assert_eq!(state("+50h", "short"), "expires_soon");
    assert_eq!(state("+300d", "server"), "valid");
    assert_eq!(state("+340d", "server"), "expires_soon");
}
