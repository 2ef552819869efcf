#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! A newcomer's first hour, from the user's side: each defect a careless or hostile user found
//! (issue 8), as the command they ran and the outcome they would check. Nothing crashes,
//! nothing is lost, nothing reaches the terminal raw, and the CLI answers the same way
//! everywhere.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{certbench, certbench_ok, issue, openssl, require, text, workspace_cn};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_certbench")
}

fn gen_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    certbench_ok(dir.path(), &["gen"]);
    dir
}

/// What a user sees of a failed command: no panic, the exit code asked for, one message.
fn refused(out: &Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "a panic: {err}");
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
    err
}

/// Wait for a child, killing it (and failing) if it hangs. Its output is read as it comes, so a
/// full pipe never holds it up.
fn wait_or_fail(mut child: Child, what: &str, limit: Duration) -> Output {
    use std::io::Read;
    let mut readers = Vec::new();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ] {
        readers.push(std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut s) = stream {
                s.read_to_end(&mut bytes).unwrap();
            }
            bytes
        }));
    }
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{what} did not end within {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut outputs = readers.into_iter().map(|r| r.join().unwrap());
    Output {
        status,
        stdout: outputs.next().unwrap(),
        stderr: outputs.next().unwrap(),
    }
}

#[test]
fn times_typed_anywhere_are_sentences_not_panics() {
    let dir = gen_workspace();
    let d = dir.path();
    let server = d.join("server.crt");
    let server = server.to_str().unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[
                "issue",
                "--role",
                "client",
                "--name",
                "x",
                "--not-before",
                "-5é",
            ],
            &["\"-5é\" is not a time"],
        ),
        (
            &["verify", server, "--at", "+1日"],
            &["\"+1日\" is not a time"],
        ),
        (
            &["verify", server, "--at", "+106751991167301d"],
            &[
                "out of range",
                "1970-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z",
            ],
        ),
        (
            &[
                "issue",
                "--role",
                "client",
                "--name",
                "x",
                "--not-before",
                "+99999999999999999d",
            ],
            &["out of range"],
        ),
        (
            &[
                "issue",
                "--role",
                "client",
                "--name",
                "x",
                "--not-before",
                "9999-12-31T23:59:59Z",
            ],
            &["ends after 9999-12-31T23:59:59Z"],
        ),
        (
            &[
                "issue",
                "--role",
                "client",
                "--name",
                "x",
                "--not-before",
                "-1000000d",
            ],
            &["out of range", "1950-01-01T00:00:00Z"],
        ),
    ];
    for (args, said) in cases {
        let err = refused(&certbench(d, args), 2);
        for s in *said {
            assert!(err.contains(s), "{args:?}: {err}");
        }
    }
    assert!(!d.join("x.crt").exists() && !d.join("x.key").exists());
}

/// The write end of a pipe whose reader is gone: every write to it fails with EPIPE.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

#[test]
fn a_closed_stdout_is_a_quiet_exit() {
    let dir = gen_workspace();
    let d = dir.path();
    let other = d.join("other");
    for args in [
        vec!["verify", "server.crt"],
        vec!["list"],
        vec!["inspect", "ca.crt"],
        vec!["inspect", "--json", "ca.crt"],
        vec!["handshake"],
        vec!["gen", "--dir", other.to_str().unwrap()],
    ] {
        let out = Command::new(bin())
            .current_dir(d)
            .arg("--dir")
            .arg(d)
            .args(&args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(141),
            "{args:?}: as a tool stopped by SIGPIPE: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{args:?}: quiet: {}", text(&out));
    }
    // The work was done before the output failed.
    assert!(other.join("certbench.toml").exists());
    // And as people meet it: `| head -c1`, many times (it panicked 14 times in 20).
    for _ in 0..20 {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "'{}' --dir '{}' verify '{}' | head -c1 >/dev/null",
                bin(),
                d.display(),
                d.join("server.crt").display()
            ))
            .output()
            .unwrap();
        assert!(out.stderr.is_empty(), "{}", text(&out));
    }
}

fn manifest_names(d: &Path) -> BTreeSet<String> {
    let text = fs::read_to_string(d.join("certbench.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    v["entity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn issues_at_the_same_time_lose_no_manifest_entry() {
    let dir = gen_workspace();
    let d = dir.path();
    let mut expected = manifest_names(d);
    for round in 0..3 {
        let children: Vec<(String, Child)> = (0..8)
            .map(|i| {
                let name = format!("c{round}-{i}");
                let child = Command::new(bin())
                    .args(["--dir", d.to_str().unwrap(), "issue", "--role", "client"])
                    .args(["--name", &name])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                (name, child)
            })
            .collect();
        for (name, child) in children {
            let out = wait_or_fail(child, "a concurrent issue", Duration::from_secs(60));
            assert!(out.status.success(), "{name}: {}", text(&out));
            expected.insert(name);
        }
        assert_eq!(manifest_names(d), expected, "round {round}");
    }
    for name in &expected {
        assert!(d.join(format!("{name}.crt")).exists(), "{name}");
    }
    assert!(
        fs::read_dir(d)
            .unwrap()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().ends_with(".tmp")),
        "no temporary file left"
    );
}

#[test]
fn a_revocation_racing_issues_is_kept_and_signed_into_the_crl() {
    let dir = gen_workspace();
    let d = dir.path();
    for round in 0..5 {
        let victim = format!("victim{round}");
        issue(d, "client", &victim, &[]);
        let serial = {
            let text = fs::read_to_string(d.join("certbench.toml")).unwrap();
            let v: toml::Value = toml::from_str(&text).unwrap();
            v["entity"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["name"].as_str() == Some(victim.as_str()))
                .unwrap()["serial"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let mut children = vec![
            Command::new(bin())
                .args(["--dir", d.to_str().unwrap(), "revoke", &victim])
                .args(["--reason", "keyCompromise"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        ];
        for i in 0..4 {
            children.push(
                Command::new(bin())
                    .args(["--dir", d.to_str().unwrap(), "issue", "--role", "client"])
                    .args(["--name", &format!("r{round}-{i}")])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
        for child in children {
            let out = wait_or_fail(child, "a concurrent change", Duration::from_secs(60));
            assert!(out.status.success(), "{}", text(&out));
        }
        let list = certbench_ok(d, &["list"]);
        assert!(
            list.lines()
                .any(|l| l.trim_start().starts_with(&victim) && l.contains("REVOKED")),
            "{list}"
        );
        // openssl reads the CRL: the victim is in it.
        let crl = openssl(d, &["crl", "-in", "intermediate.crl", "-noout", "-text"]);
        let crl = String::from_utf8_lossy(&crl.stdout);
        assert!(
            crl.contains(&format!("Serial Number: {serial}")),
            "{victim} {serial} not in:\n{crl}"
        );
    }
}

/// Files a user sees in the workspace (not the hidden lock, journal or temporary files).
fn visible_files(d: &Path) -> BTreeSet<String> {
    fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect()
}

fn hidden_leftovers(d: &Path) -> Vec<String> {
    fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".certbench-"))
        .collect()
}

#[test]
fn a_gen_killed_at_any_moment_leaves_a_workspace_that_works() {
    let set: BTreeSet<String> = [
        "ca.crt",
        "ca.key",
        "intermediate.crt",
        "intermediate.key",
        "server.crt",
        "server.key",
        "server-chain.crt",
        "client.crt",
        "client.key",
        "client-chain.crt",
        "certbench.toml",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    // How long a whole gen takes here: the kills are spread from its start to past its end.
    let timed = tempfile::tempdir().unwrap();
    let start = Instant::now();
    certbench_ok(timed.path(), &["gen"]);
    let whole = start.elapsed();
    let mut outcomes = BTreeSet::new();
    for round in 0..40u32 {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut child = Command::new(bin())
            .args(["--dir", d.to_str().unwrap(), "gen"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * round / 30);
        child.kill().unwrap();
        child.wait().unwrap();
        let seen = visible_files(d);
        let journal = d.join(".certbench-journal").exists();
        outcomes.insert(if seen.is_empty() {
            "nothing yet"
        } else if journal {
            "killed mid-commit"
        } else if seen == set {
            "done"
        } else {
            "other"
        });
        // A workspace with files but no manifest never comes out of it.
        assert!(
            journal || seen.is_empty() || seen.contains("certbench.toml"),
            "round {round}: files without a manifest and no journal: {seen:?}"
        );
        // The next command sees a whole workspace or an empty one...
        let list = certbench_ok(d, &["list"]);
        let names = visible_files(d);
        assert!(
            names.is_empty() || names == set,
            "round {round}: after list: {names:?}\n{list}"
        );
        // ... and the next change works, and leaves nothing hidden behind (no stray keys).
        let again = certbench(d, &["gen"]);
        if names.is_empty() {
            assert!(again.status.success(), "{}", text(&again));
        } else {
            refused(&again, 1);
        }
        issue(d, "client", "after", &[]);
        assert_eq!(manifest_names(d).len(), 5, "round {round}");
        assert!(hidden_leftovers(d).is_empty(), "{:?}", hidden_leftovers(d));
    }
    println!("outcomes over the rounds: {outcomes:?}");
    assert!(
        outcomes.contains("nothing yet") && outcomes.len() >= 2,
        "the kills did not span the run: {outcomes:?}"
    );
}

/// The same, at each point of a commit for certain (debug builds abort there when asked, as a
/// kill would): the journal on the disk with nothing renamed yet, one file renamed, every file
/// renamed but the journal not yet removed. The next command finishes the change.
#[test]
fn a_change_that_dies_inside_its_commit_is_finished_by_the_next_command() {
    for point in ["committed", "renamed", "synced"] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let out = Command::new(bin())
            .args(["--dir", d.to_str().unwrap(), "gen"])
            .env("CERTBENCH_CRASH_AT", point)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{point}: the crash point was reached"
        );
        assert!(d.join(".certbench-journal").exists(), "{point}");
        let list = certbench_ok(d, &["list"]);
        // (At "synced" every file is in place already: there is nothing left to finish.)
        assert_eq!(
            list.contains("Finished first what an interrupted certbench had begun"),
            point != "synced",
            "{point}: {list}"
        );
        assert_eq!(manifest_names(d).len(), 4, "{point}: {list}");
        assert!(!d.join(".certbench-journal").exists());
        refused(&certbench(d, &["gen"]), 1);
        issue(d, "client", "after", &[]);
        assert!(
            hidden_leftovers(d).is_empty(),
            "{point}: {:?}",
            hidden_leftovers(d)
        );
        // An issue dying the same way: its entry is not lost either.
        let out = Command::new(bin())
            .args([
                "--dir",
                d.to_str().unwrap(),
                "issue",
                "--role",
                "client",
                "--name",
                "late",
            ])
            .env("CERTBENCH_CRASH_AT", point)
            .output()
            .unwrap();
        assert!(!out.status.success());
        certbench_ok(d, &["list"]);
        assert!(manifest_names(d).contains("late"), "{point}");
        assert!(d.join("late.key").exists() && d.join("late-chain.crt").exists());
    }
}

/// Replacing a certificate must not lose what the manifest knows of the old one: a revocation
/// (the CRL is made from the manifest), or the certificates a CA issued.
#[test]
fn a_revoked_certificate_or_a_ca_with_children_is_not_replaced() {
    let dir = gen_workspace();
    let d = dir.path();
    issue(d, "client", "bob", &[]);
    certbench_ok(d, &["revoke", "bob", "--reason", "keyCompromise"]);
    let err = refused(
        &certbench(
            d,
            &["issue", "--role", "client", "--name", "bob", "--force"],
        ),
        1,
    );
    assert!(err.contains("\"bob\" is revoked"), "{err}");
    let list = certbench_ok(d, &["list"]);
    assert!(
        list.lines()
            .any(|l| l.contains("bob") && l.contains("REVOKED")),
        "{list}"
    );
    let err = refused(
        &certbench(
            d,
            &[
                "issue",
                "--role",
                "intermediate",
                "--name",
                "intermediate",
                "--force",
            ],
        ),
        1,
    );
    assert!(
        err.contains("\"intermediate\" issued") && err.contains("gen --force"),
        "{err}"
    );
}

#[test]
fn a_folder_with_a_fifo_and_a_device_link_is_read_without_hanging() {
    let dir = gen_workspace();
    let d = dir.path();
    let folder = d.join("mixed");
    fs::create_dir(&folder).unwrap();
    fs::copy(d.join("ca.crt"), folder.join("a.crt")).unwrap();
    let mkfifo = require("mkfifo", "coreutils");
    assert!(
        Command::new(mkfifo)
            .arg(folder.join("b.pipe"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/dev/zero", folder.join("c.zero")).unwrap();
    for args in [
        vec!["inspect", "--json", folder.to_str().unwrap()],
        vec!["inspect", "/dev/zero"],
    ] {
        let child = Command::new(bin())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_or_fail(child, &format!("{args:?}"), Duration::from_secs(30));
        refused(&out, 1);
        let said = text(&out);
        if args.contains(&"--json") {
            let items: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let items = items.as_array().unwrap();
            assert_eq!(items.len(), 3, "{said}");
            assert_eq!(items[0]["kind"], "certificate");
            assert!(
                items[1]["error"].as_str().unwrap().contains("FIFO"),
                "{said}"
            );
            assert!(
                items[2]["error"]
                    .as_str()
                    .unwrap()
                    .contains("character device"),
                "{said}"
            );
        } else {
            assert!(
                said.contains("character device, not a regular file"),
                "{said}"
            );
        }
    }
}

#[test]
fn a_file_of_countless_tiny_blocks_stops_at_the_item_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.pem");
    let block = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
    fs::write(&path, block.repeat(120_000)).unwrap();
    let child = Command::new(bin())
        .args(["inspect", "--json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_or_fail(child, "inspect of 120,000 blocks", Duration::from_secs(120));
    refused(&out, 1);
    let items: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 100_001, "the limit, then what was not read");
    let last = items.last().unwrap()["error"].as_str().unwrap();
    assert!(
        last.contains("not read") && last.contains("100000 items"),
        "{last}"
    );
}

#[test]
fn verify_with_twenty_thousand_look_alike_intermediates() {
    let dir = gen_workspace();
    let d = dir.path();
    // Same subject as the real intermediate, another key: a pile of decoys, the real one last.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "certbench");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, workspace_cn(d, "intermediate"));
    let mut pem = String::new();
    for i in 0..20_000u32 {
        params.serial_number = Some(rcgen::SerialNumber::from(u64::from(i) + 1));
        pem.push_str(&params.self_signed(&key).unwrap().pem());
    }
    pem.push_str(&fs::read_to_string(d.join("intermediate.crt")).unwrap());
    fs::write(d.join("decoys.pem"), pem).unwrap();
    let child = Command::new(bin())
        .current_dir(d)
        .args([
            "verify",
            "server.crt",
            "--ca",
            "ca.crt",
            "--untrusted",
            "decoys.pem",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It took 74 s; a hang guard, not a timing test (the bench times it).
    let out = wait_or_fail(child, "verify with decoys", Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    let note = &v["notes"][0];
    assert_eq!(note["code"], "candidates_left_out", "{note}");
    assert!(note["count"].as_u64().unwrap() > 0, "{note}");
    assert!(
        note["text"].as_str().unwrap().contains("were not tried"),
        "{note}"
    );
}

/// Rewrite the manifest with `edit` applied to its TOML.
fn edit_manifest(d: &Path, edit: impl FnOnce(&mut toml::Value)) {
    let path = d.join("certbench.toml");
    let mut v: toml::Value = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut v);
    fs::write(&path, toml::to_string(&v).unwrap()).unwrap();
}

fn entity<'a>(v: &'a mut toml::Value, name: &str) -> &'a mut toml::Table {
    v["entity"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["name"].as_str() == Some(name))
        .unwrap()
        .as_table_mut()
        .unwrap()
}

#[test]
fn names_read_from_the_manifest_are_held_to_the_rules_of_typed_names() {
    let parent = tempfile::tempdir().unwrap();
    let d = parent.path().join("ws");
    certbench_ok(&d, &["gen"]);
    edit_manifest(&d, |v| {
        entity(v, "intermediate").insert("name".into(), "../escaped".into());
        for leaf in ["server", "client"] {
            entity(v, leaf).insert("issuer".into(), "../escaped".into());
        }
    });
    let err = refused(&certbench(&d, &["revoke", "client"]), 1);
    assert!(
        err.contains("certbench.toml is not valid") && err.contains("../escaped"),
        "{err}"
    );
    assert!(!parent.path().join("escaped.crl").exists());
    let listed: Vec<_> = fs::read_dir(parent.path()).unwrap().collect();
    assert_eq!(listed.len(), 1, "nothing written beside the workspace");
}

#[test]
fn gen_force_starts_over_and_keeps_the_old_set_aside() {
    let dir = gen_workspace();
    let d = dir.path();
    issue(d, "client", "bob", &[]);
    certbench_ok(d, &["revoke", "bob"]);
    let old_intermediate = fs::read(d.join("intermediate.crt")).unwrap();
    let out = certbench_ok(d, &["gen", "--force"]);
    assert_eq!(
        manifest_names(d),
        ["ca", "client", "intermediate", "server"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    assert!(out.contains("bob"), "says what left the manifest: {out}");
    let kept: Vec<PathBuf> = fs::read_dir(d.join("replaced"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1);
    for f in ["bob.crt", "bob.key", "intermediate.crl", "certbench.toml"] {
        assert!(kept[0].join(f).exists(), "{f} kept aside");
    }
    assert_eq!(
        fs::read(kept[0].join("intermediate.crt")).unwrap(),
        old_intermediate
    );
    assert!(!d.join("bob.crt").exists() && !d.join("intermediate.crl").exists());
    // The new set stands alone: nothing old misleads verify.
    let ok = certbench_ok(d, &["verify", "client.crt"]);
    assert!(ok.contains("OK"), "{ok}");
}

#[cfg(unix)]
#[test]
fn key_logs_are_private_and_every_run_is_logged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = gen_workspace();
    let d = dir.path();
    let existing = d.join("keys.log");
    fs::write(&existing, "# mine\n").unwrap();
    fs::set_permissions(&existing, fs::Permissions::from_mode(0o644)).unwrap();
    certbench_ok(d, &["handshake", "--keylog", "keys.log"]);
    let mode = fs::metadata(&existing).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "secrets are appended only to a private file");
    assert!(
        fs::read_to_string(&existing)
            .unwrap()
            .starts_with("# mine\n")
    );

    certbench_ok(d, &["handshake", "--count", "3", "--keylog", "three.log"]);
    let text = fs::read_to_string(d.join("three.log")).unwrap();
    let randoms: BTreeSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET "))
        .map(|l| l.split(' ').nth(1).unwrap())
        .collect();
    assert_eq!(randoms.len(), 3, "one connection each:\n{text}");
}

#[test]
fn the_crl_number_does_not_wrap() {
    let dir = gen_workspace();
    let d = dir.path();
    edit_manifest(d, |v| {
        entity(v, "intermediate").insert("crl_number".into(), toml::Value::Integer(i64::MAX));
    });
    // TOML's integers stop at i64::MAX, and so does the manifest's CRL number.
    let before = fs::read_to_string(d.join("certbench.toml")).unwrap();
    let first = certbench(d, &["revoke", "client"]);
    let err = refused(&first, 1);
    assert!(
        err.contains("has signed 9223372036854775807 CRLs, the most its CRL number can count"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(d.join("certbench.toml")).unwrap(),
        before
    );
}

const HOSTILE: [char; 4] = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'];

fn assert_no_raw_escapes(out: &Output, what: &str) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for c in HOSTILE {
        assert!(
            !all.contains(c),
            "{what}: U+{:04X} reached the terminal:\n{all:?}",
            c as u32
        );
    }
}

#[test]
fn nothing_reaches_a_terminal_raw_whatever_its_source() {
    let dir = gen_workspace();
    let d = dir.path();
    let evil = "\u{1b}]0;owned\u{7}\u{9b}31m\u{202e}evil";
    // A CN edited into the manifest.
    edit_manifest(d, |v| {
        entity(v, "client").insert("common_name".into(), evil.into());
    });
    assert_no_raw_escapes(&certbench(d, &["list"]), "list");
    // A name on the command line.
    let out = certbench(d, &["revoke", evil]);
    refused(&out, 1);
    assert_no_raw_escapes(&out, "revoke");
    // A file name, and a name to verify for.
    let file = d.join(format!("{evil}.crt"));
    fs::copy(d.join("server.crt"), &file).unwrap();
    let out = certbench(d, &["verify", file.to_str().unwrap(), "--name", evil]);
    refused(&out, 1);
    assert_no_raw_escapes(&out, "verify");
    assert_no_raw_escapes(
        &certbench(d, &["inspect", file.to_str().unwrap()]),
        "inspect",
    );
    assert_no_raw_escapes(
        &certbench(d, &["inspect", "--json", file.to_str().unwrap()]),
        "inspect --json",
    );
    // A usage error repeats the value typed.
    let out = certbench(d, &["verify", "server.crt", "--purpose", evil]);
    refused(&out, 2);
    assert_no_raw_escapes(&out, "a usage error");
    // A manifest name is refused like a typed one, and the refusal is escaped too.
    edit_manifest(d, |v| {
        entity(v, "server").insert("name".into(), evil.into());
    });
    let out = certbench(d, &["list"]);
    refused(&out, 1);
    assert_no_raw_escapes(&out, "a broken manifest");
}

#[test]
fn usage_errors_exit_2_and_name_what_is_allowed() {
    let dir = gen_workspace();
    let d = dir.path();
    let cases: &[(&[&str], &str)] = &[
        (&["handshake", "--group", "nope"], "x25519"),
        (&["handshake", "--suite", "nope"], "TLS_AES_128_GCM_SHA256"),
        (
            &["handshake", "--tls", "1.2", "--group", "X25519MLKEM768"],
            "TLS 1.3 key exchange only",
        ),
        (
            &[
                "handshake",
                "--tls",
                "1.2",
                "--suite",
                "TLS_AES_128_GCM_SHA256",
            ],
            "TLS 1.3 cipher suite",
        ),
        (&["verify", "server.crt", "--at", "yesterday"], "RFC 3339"),
        (
            &["verify", "server.crt", "--purpose", "both"],
            "server or client",
        ),
        (
            &["handshake", "--count", "0"],
            "a whole number from 1 to 1000000",
        ),
        (
            &["handshake", "--count", "99999999999999999999"],
            "a whole number from 1 to 1000000",
        ),
        (
            &["handshake", "--timeout", "0"],
            "a whole number from 1 to 3600",
        ),
        (
            &["handshake", "--keylog", "/dev/null"],
            "not a regular file",
        ),
        (
            &["handshake", "--keylog", "/nonexistent/keys.log"],
            "does not exist",
        ),
        (&["gen", "--days", "-3"], "days must be positive"),
        (
            &["issue", "--role", "boss", "--name", "x"],
            "ca, intermediate, server, client or ocsp",
        ),
        (&["inspect"], "name files or folders"),
        (
            &["gen", "--dir", "never-made", "--client-name", ""],
            "a client needs a CN",
        ),
    ];
    for (args, said) in cases {
        let err = refused(&certbench(d, args), 2);
        assert!(err.contains(said), "{args:?}: {err}");
    }
    assert!(
        !d.join("never-made").exists(),
        "a set that cannot be makes no folder"
    );
}

#[test]
fn openssl_names_of_cipher_suites_are_accepted() {
    let dir = gen_workspace();
    let d = dir.path();
    // openssl's own table of its names and the RFC names: the oracle.
    let out = openssl(
        d,
        &[
            "ciphers",
            "-stdname",
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305",
        ],
    );
    let table = String::from_utf8_lossy(&out.stdout);
    let pairs: Vec<(&str, &str)> = table
        .lines()
        .filter(|l| l.contains("TLSv1.2"))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let rfc = parts.next()?;
            let _dash = parts.next()?;
            Some((rfc, parts.next()?))
        })
        .collect();
    assert_eq!(pairs.len(), 3, "{table}");
    for (rfc, openssl_name) in pairs {
        let out = certbench_ok(
            d,
            &[
                "handshake",
                "--tls",
                "1.2",
                "--suite",
                openssl_name,
                "--json",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["cipher_suite"], rfc, "{openssl_name}");
    }
}

#[test]
fn verify_without_a_purpose_checks_the_certificates_own_usage() {
    let dir = gen_workspace();
    let d = dir.path();
    let out = certbench_ok(d, &["verify", "client.crt"]);
    assert!(out.contains("OK for a TLS client (its own usage"), "{out}");
    let out = certbench_ok(d, &["verify", "server.crt"]);
    assert!(out.contains("OK for a TLS server (its own usage"), "{out}");
    let out = certbench(d, &["verify", "client.crt", "--purpose", "server"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("NOT valid for a TLS server") && said.contains("lacks serverAuth"),
        "{said}"
    );
}

#[test]
fn every_option_has_help() {
    let top = Command::new(bin()).arg("--help").output().unwrap();
    let top = String::from_utf8_lossy(&top.stdout);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 7, "{top}");
    let mut missing = Vec::new();
    for c in std::iter::once(None).chain(commands.iter().map(Some)) {
        let out = Command::new(bin())
            .args(c.map(String::as_str))
            .arg("-h")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        for line in help
            .lines()
            .skip_while(|l| !l.starts_with("Options:"))
            .skip(1)
            .filter(|l| l.trim_start().starts_with('-'))
        {
            // "  -x, --flag <VALUE>  What it does": a flag alone has no text after it.
            if !line.trim().contains("  ") {
                missing.push(format!("{}: {}", c.map_or("certbench", |c| c), line.trim()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "options without help:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_tui_without_a_terminal_says_so_and_names_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["--dir", dir.path().to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = refused(&out, 2);
    assert!(err.contains("needs a terminal"), "{err}");
    for sub in ["gen", "inspect", "verify", "handshake"] {
        assert!(err.contains(sub), "{sub}: {err}");
    }
    assert!(!dir.path().join("certbench.toml").exists(), "nothing made");
}

#[test]
fn what_people_read_is_written_as_people_write_it() {
    let dir = gen_workspace();
    let d = dir.path();
    let out = issue(d, "server", "web", &["--san", "::1", "--san", "web.local"]);
    assert!(
        out.contains("IP Address:::1") && !out.contains("0:0:0:0"),
        "{out}"
    );
    assert!(
        out.contains("expires in 365 days"),
        "a new 365-day certificate: {out}"
    );
    certbench_ok(d, &["revoke", "web"]);
    let crl = certbench_ok(d, &["inspect", "intermediate.crl"]);
    let updates: Vec<&str> = crl.lines().filter(|l| l.contains("update")).collect();
    assert_eq!(updates.len(), 2, "this and next update: {crl}");
    for line in updates {
        let value = line.split_whitespace().last().unwrap();
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| panic!("not RFC 3339: {line}"));
    }
    // gen's table: the files start under their heading on every row.
    let made = certbench_ok(&d.join("again"), &["gen"]);
    let rows: Vec<&str> = made.lines().skip(1).take(5).collect();
    let files_at = rows[0].find("FILES").unwrap();
    for row in &rows[1..] {
        let first_file = row.find(|c: char| !c.is_whitespace()).map(|_| {
            row.match_indices(' ')
                .map(|(i, _)| i + 1)
                .find(|&i| {
                    row[i..].starts_with(|c: char| c.is_ascii_lowercase())
                        && row[i..]
                            .split(' ')
                            .next()
                            .is_some_and(|w| w.ends_with(".crt"))
                })
                .unwrap()
        });
        assert_eq!(first_file, Some(files_at), "{made}");
    }
}

/// `bytes` in base64, by openssl (PEM lines of 64).
fn openssl_base64(d: &Path, bytes: &[u8]) -> String {
    let path = d.join("bytes.bin");
    fs::write(&path, bytes).unwrap();
    let out = openssl(d, &["base64", "-in", path.to_str().unwrap()]);
    String::from_utf8(out.stdout).unwrap()
}

/// Rust's debug form in text meant for people: `Name(`, `Name {`, byte arrays, `\u{fc}`
/// escapes of printable characters, "(UNIX)" times.
fn debug_forms(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // A CamelCase word (two capitals at least) straight before "(" or " {".
        if chars[i].is_ascii_uppercase() && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let capitals = word.chars().filter(char::is_ascii_uppercase).count();
            let lower = word.chars().any(|c| c.is_ascii_lowercase());
            let next: String = chars[i..chars.len().min(i + 2)].iter().collect();
            if capitals >= 2 && lower && (next.starts_with('(') || next == " {") {
                let opening = if next.starts_with('(') { "(" } else { " {" };
                found.push(format!("{word}{opening}"));
            }
            continue;
        }
        i += 1;
    }
    for pattern in [
        "[67, 69", "(UNIX)", "\\u{fc}", "Some(", "None,", "Ok(", "Err(",
    ] {
        if text.contains(pattern) {
            found.push(pattern.into());
        }
    }
    found
}

#[test]
fn no_rust_debug_text_reaches_a_user() {
    assert_eq!(
        debug_forms("DnsName(\"x\") InvalidNameContext { a }"),
        ["DnsName(", "InvalidNameContext {"]
    );
    assert!(debug_forms("TLS 1.3 (RFC 8446) CN=Root CA (2026)").is_empty());
    let dir = gen_workspace();
    let d = dir.path();
    issue(d, "client", "old", &["--not-before", "-400d"]);
    let key = fs::read_to_string(d.join("server.key")).unwrap();
    fs::create_dir(d.join("cut")).unwrap();
    fs::write(d.join("cut/server.key"), &key[..key.len() / 2]).unwrap();
    let cut_manifest = d.join("cut");
    for f in [
        "ca.crt",
        "ca.key",
        "intermediate.crt",
        "intermediate.key",
        "server.crt",
        "server-chain.crt",
        "client.crt",
        "client.key",
        "client-chain.crt",
        "certbench.toml",
    ] {
        fs::copy(d.join(f), cut_manifest.join(f)).unwrap();
    }
    fs::write(
        d.join("truncated.pem"),
        "-----BEGIN CERTIFICATE-----\nMIIB\n",
    )
    .unwrap();
    // A certificate whose DER is cut short, in a well-formed PEM block.
    let der = openssl(d, &["x509", "-in", "ca.crt", "-outform", "DER"]).stdout;
    let cut = &der[..der.len() / 2];
    let b64 = openssl_base64(d, cut);
    fs::write(
        d.join("cut.pem"),
        format!("-----BEGIN CERTIFICATE-----\n{b64}-----END CERTIFICATE-----\n"),
    )
    .unwrap();
    issue(
        d,
        "server",
        "web",
        &["--san", "web.example", "--san", "uri:spiffe://x/y"],
    );
    let runs: Vec<(Vec<&str>, &Path)> = vec![
        (vec!["handshake", "--server-name", "wrong.example"], d),
        (vec!["handshake", "--client", "old"], d),
        (vec!["handshake"], &cut_manifest),
        (
            vec!["handshake", "--tls", "1.2", "--group", "X25519MLKEM768"],
            d,
        ),
        (vec!["issue", "--role", "client", "--name", "jürgen"], d),
        (vec!["verify", "server.crt", "--name", "other.example"], d),
        (vec!["verify", "old.crt"], d),
        (vec!["inspect", "truncated.pem"], d),
        (vec!["revoke", "nobody"], d),
        (vec!["verify", "truncated.pem"], d),
        (vec!["inspect", "cut.pem"], d),
        (vec!["verify", "web.crt", "--name", "nope.example"], d),
        (vec!["handshake", "--server", "web"], d),
    ];
    for (args, dir) in runs {
        let out = certbench(dir, &args);
        assert!(!out.status.success(), "{args:?} should fail");
        let said = text(&out);
        assert!(!said.contains("panicked"), "{said}");
        let forms = debug_forms(&said);
        assert!(
            forms.is_empty(),
            "{args:?} printed Rust's debug form {forms:?}:\n{said}"
        );
    }
}

#[test]
fn the_readme_test_command_is_what_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let setup: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("## Set-up"))
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert_eq!(setup.len(), 2, "two commands: {setup:?}");
    assert!(setup[0].starts_with("cargo run --release"), "{setup:?}");
    let test_command = setup[1].split('#').next().unwrap().trim();
    let ci = fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(
        ci.lines()
            .any(|l| l.trim() == format!("exec {test_command}")),
        "CI runs `{test_command}`:\n{ci}"
    );
}

/// Issue 8: 23 of `gen`'s 28 ms were aws-lc seeding its CPU-jitter entropy source at the first
/// random number. certbench is built without it (.cargo/config.toml; the README says why): the
/// binary holds aws-lc's random generator and none of the jitter collector's code.
#[test]
fn the_binary_is_built_without_cpu_jitter_entropy() {
    let binary = fs::read(bin()).unwrap();
    let has = |name: &str| memchr::memmem::find(&binary, name.as_bytes()).is_some();
    assert!(has("RAND_bytes"), "the symbols are there to look at");
    assert!(
        !has("jent_entropy_init"),
        "aws-lc's jitter entropy is linked in: is AWS_LC_SYS_NO_JITTER_ENTROPY=1 (.cargo/config.toml) set?"
    );
}
