//! `certbench trust`: the workspace's root put into the machine's trust stores and taken out again,
//! judged by each store's own clients: curl with no --cacert (OpenSSL reading Debian's bundle),
//! NSS's certutil and vfychain, and a Java HttpClient with the JDK's default trust store.
//!
//! These tests change what the whole machine trusts: they run as root (CI does), one at a time,
//! and every store is put back as it was when a test ends, passed or failed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::{JsonLines, require};

/// One test at a time changes the machine's stores.
static MACHINE: Mutex<()> = Mutex::new(());

const LOCAL: &str = "/usr/local/share/ca-certificates";
const CERTS: &str = "/etc/ssl/certs";
const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn require_root() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap_or("");
    assert_eq!(
        euid, "0",
        "these tests install a root CA into the machine's trust stores and take it out again: run them as root (.ci/run does)"
    );
}

/// The stores as they are: the system bundle's bytes, /etc/ssl/certs (names and link targets),
/// the local roots' folder, Java's cacerts (its bytes, and its entries as keytool lists them).
#[derive(Debug, PartialEq, Eq)]
struct Stores {
    bundle: Vec<u8>,
    links: BTreeSet<(String, String)>,
    local: BTreeSet<String>,
    java_bytes: Vec<u8>,
    java: BTreeSet<String>,
}

fn folder(dir: &str) -> BTreeSet<(String, String)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let target = std::fs::read_link(e.path())
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), target)
        })
        .collect()
}

fn cacerts() -> PathBuf {
    let keytool = std::fs::canonicalize(require("keytool", "default-jdk-headless")).unwrap();
    let jdk = keytool.parent().unwrap().parent().unwrap();
    std::fs::canonicalize(jdk.join("lib/security/cacerts")).unwrap()
}

/// Java's trust store as keytool lists it: each alias with its certificate.
fn java_entries() -> BTreeSet<String> {
    let out = Command::new(require("keytool", "default-jdk-headless"))
        .args(["-list", "-rfc", "-cacerts", "-storepass", "changeit"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // Entries start at "Alias name:"; creation dates are left out (keytool writes them afresh).
    text.split("Alias name: ")
        .skip(1)
        .map(|e| {
            e.lines()
                .filter(|l| !l.starts_with("Creation date:"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

impl Stores {
    fn now() -> Stores {
        Stores {
            bundle: std::fs::read(BUNDLE).unwrap(),
            links: folder(CERTS),
            local: folder(LOCAL).into_iter().map(|(n, _)| n).collect(),
            java_bytes: std::fs::read(cacerts()).unwrap(),
            java: java_entries(),
        }
    }
}

/// Puts the stores back as they were when it was made, whatever the test did.
struct PutBack(Stores);

impl Drop for PutBack {
    fn drop(&mut self) {
        let mut changed = false;
        for (name, _) in folder(LOCAL) {
            if !self.0.local.contains(&name) {
                let _ = std::fs::remove_file(Path::new(LOCAL).join(name));
                changed = true;
            }
        }
        if changed || std::fs::read(BUNDLE).ok().as_deref() != Some(&self.0.bundle[..]) {
            let _ = Command::new("update-ca-certificates")
                .arg("--fresh")
                .output();
        }
        let _ = std::fs::write(cacerts(), &self.0.java_bytes);
    }
}

/// A workspace made by `gen` in a folder that is also HOME (NSS databases and the record of what
/// was installed are under it).
struct Home {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    ws: PathBuf,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().to_path_buf();
        let ws = home.join("ws");
        let h = Home {
            _tmp: tmp,
            home,
            ws,
        };
        let out = h.certbench(&["gen"]);
        assert!(out.status.success(), "{}", common::text(&out));
        h
    }

    fn certbench(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_certbench"))
            .arg("--dir")
            .arg(&self.ws)
            .args(args)
            .env("HOME", &self.home)
            .env_remove("CERTBENCH_DIR")
            .env_remove("XDG_DATA_HOME")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.certbench(args);
        assert!(
            out.status.success(),
            "certbench {args:?}: {}",
            common::text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `trust status --json`: whether the workspace's root is in the store `kind`.
    fn trusted_in(&self, kind: &str) -> (bool, bool) {
        let v: serde_json::Value =
            serde_json::from_str(&self.ok(&["trust", "status", "--json"])).unwrap();
        let s = v["anchors"][0]["stores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["store"] == kind)
            .unwrap_or_else(|| panic!("no {kind} store in {v}"))
            .clone();
        (
            s["present"].as_bool().unwrap(),
            s["by_certbench"].as_bool().unwrap(),
        )
    }
}

/// An empty NSS database in `d`, as a browser's first start makes one.
fn nss_db(certutil: &str, d: &Path) {
    std::fs::create_dir_all(d).unwrap();
    let made = Command::new(certutil)
        .args(["-N", "--empty-password", "-d"])
        .arg(format!("sql:{}", d.display()))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", common::text(&made));
}

/// `certutil -L`: the nicknames of the database in `d`, with their trust.
fn nss_list(certutil: &str, d: &Path) -> String {
    let out = Command::new(certutil)
        .arg("-L")
        .arg("-d")
        .arg(format!("sql:{}", d.display()))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// curl with the client's certificate and no --cacert: the HTTP status, or curl's exit code.
fn curl(ws: &Path, port: u16) -> Result<String, i32> {
    let out = Command::new(require("curl", "curl"))
        .current_dir(ws)
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(["--cert", "client-chain.crt", "--key", "client.key"])
        .arg(format!("https://localhost:{port}/"))
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(out.status.code().unwrap_or(-1))
    }
}

#[test]
fn the_system_store_lets_curl_in_without_cacert_and_uninstall_leaves_it_byte_identical() {
    require_root();
    require("update-ca-certificates", "ca-certificates");
    let _one = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    let before = Stores::now();
    let _put_back = PutBack(Stores::now());
    let h = Home::new();
    let served = JsonLines::start(&h.ws, &["serve", "--port", "0", "--json"]);
    let port = served.port();

    // curl's exit code 60: "Peer certificate cannot be authenticated with known CA certificates".
    assert_eq!(curl(&h.ws, port), Err(60), "not trusted before the install");

    // The root given as a file that holds its private key too (as `cat ca.crt ca.key` makes):
    // only the certificate may reach the store, whose bundle every user reads.
    let both = h.ws.join("ca-and-key.pem");
    let mut pem = std::fs::read(h.ws.join("ca.crt")).unwrap();
    pem.extend(std::fs::read(h.ws.join("ca.key")).unwrap());
    std::fs::write(&both, pem).unwrap();
    let both = both.to_str().unwrap();

    // No --yes and no terminal: nothing is installed.
    let refused = h.certbench(&["trust", "install", both, "--store", "system"]);
    assert!(!refused.status.success());
    assert!(
        common::text(&refused).contains("--yes"),
        "{}",
        common::text(&refused)
    );
    assert_eq!(Stores::now(), before, "a refused install changes nothing");

    // A dry run prints the commands and changes nothing.
    let dry = h.ok(&["trust", "install", both, "--store", "system", "--dry-run"]);
    assert!(dry.contains("update-ca-certificates"), "{dry}");
    assert_eq!(Stores::now(), before, "a dry run changes nothing");

    let said = h.ok(&["trust", "install", both, "--store", "system", "--yes"]);
    assert!(said.contains("whole machine"), "{said}");
    assert_eq!(
        curl(&h.ws, port),
        Ok("200".into()),
        "trusted after the install"
    );
    let bundle = std::fs::read_to_string(BUNDLE).unwrap();
    assert!(!bundle.contains("PRIVATE KEY"), "the key reached {BUNDLE}");
    for f in folder(LOCAL) {
        let text = std::fs::read_to_string(Path::new(LOCAL).join(&f.0)).unwrap_or_default();
        assert!(!text.contains("PRIVATE KEY"), "the key reached {}", f.0);
    }
    assert_eq!(h.trusted_in("system"), (true, true));
    // openssl reads the same store: the server's chain verifies with no -CAfile.
    let verify = Command::new(require("openssl", "openssl"))
        .current_dir(&h.ws)
        .args(["verify", "-untrusted", "intermediate.crt", "server.crt"])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", common::text(&verify));

    // Installing again changes nothing and says so.
    let again = h.ok(&["trust", "install", both, "--store", "system", "--yes"]);
    assert!(again.contains("already there"), "{again}");

    h.ok(&["trust", "uninstall", both, "--store", "system"]);
    assert_eq!(
        curl(&h.ws, port),
        Err(60),
        "not trusted after the uninstall"
    );
    assert_eq!(h.trusted_in("system"), (false, false));
    let after = Stores::now();
    assert_eq!(after.bundle, before.bundle, "the bundle is byte-identical");
    // /etc/ssl/certs as it was: the same names; --fresh may turn a root a machine's setup copied
    // there as a file into the link Debian's tool makes to its source (this VM's egress CA).
    let names = |l: &BTreeSet<(String, String)>| -> BTreeSet<String> {
        l.iter().map(|(n, _)| n.clone()).collect()
    };
    assert_eq!(
        names(&after.links),
        names(&before.links),
        "/etc/ssl/certs is as it was"
    );
    for (name, target) in after.links.difference(&before.links) {
        assert!(
            before.links.contains(&(name.clone(), String::new()))
                && target.starts_with("/usr/")
                && target.contains("/ca-certificates/"),
            "/etc/ssl/certs/{name} changed: now {target}"
        );
    }
    assert_eq!(after.local, before.local);
    // Debian's hook had also put it into Java's store: that is taken out too, and nothing of
    // the store is lost.
    assert!(
        before.java.is_subset(&after.java),
        "Java's store lost {:?}",
        before.java.difference(&after.java).collect::<Vec<_>>()
    );
    // The hook, run by --fresh, may give a root the system store already trusted a debian:
    // alias in Java's store where a machine's setup had put it under another name (this VM's
    // egress CA): the machine's own roots, never certbench's.
    let bundle: String = String::from_utf8_lossy(&before.bundle)
        .split_whitespace()
        .collect();
    for added in after.java.difference(&before.java) {
        let body: String = added
            .split("-----BEGIN CERTIFICATE-----")
            .nth(1)
            .and_then(|b| b.split("-----END CERTIFICATE-----").next())
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert!(
            added.starts_with("debian:") && !body.is_empty() && bundle.contains(&body),
            "Java's store gained what the system store did not trust before: {added}"
        );
    }
}

#[test]
fn nss_lists_the_root_and_vfychain_verifies_the_server_until_uninstall() {
    require_root();
    let certutil = require("certutil", "libnss3-tools");
    let vfychain = require("vfychain", "libnss3-tools");
    let _one = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    let _put_back = PutBack(Stores::now());
    let h = Home::new();
    let db = h.home.join(".pki/nssdb");
    // A Firefox profile has a database of its own, found and installed into too.
    let firefox = h.home.join(".mozilla/firefox/abcd1234.default-release");
    for d in [&db, &firefox] {
        nss_db(&certutil, d);
    }
    let list_of = |d: &Path| nss_list(&certutil, d);
    let firefox_before = list_of(&firefox);
    let list = || {
        let out = Command::new(&certutil)
            .arg("-L")
            .arg("-d")
            .arg(format!("sql:{}", db.display()))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let verify = || {
        Command::new(&vfychain)
            .current_dir(&h.ws)
            .arg("-d")
            .arg(format!("sql:{}", db.display()))
            .args([
                "-pp",
                "-u",
                "1",
                "-a",
                "server.crt",
                "-a",
                "intermediate.crt",
            ])
            .output()
            .unwrap()
    };
    let before = list();
    let refused = verify();
    assert!(
        !refused.status.success() && common::text(&refused).contains("Chain is bad"),
        "{}",
        common::text(&refused)
    );

    h.ok(&["trust", "install", "--store", "nss", "--yes"]);
    let listed = list();
    let line = listed
        .lines()
        .find(|l| l.starts_with("certbench-ca-"))
        .unwrap_or_else(|| panic!("certutil -L lists no certbench root:\n{listed}"));
    assert!(
        line.trim_end().ends_with("C,,"),
        "trusted for TLS servers: {line}"
    );
    assert!(
        list_of(&firefox).contains("certbench-ca-"),
        "the Firefox profile's database too:\n{}",
        list_of(&firefox)
    );
    let good = verify();
    assert!(
        good.status.success() && common::text(&good).contains("Chain is good"),
        "{}",
        common::text(&good)
    );
    assert_eq!(h.trusted_in("nss"), (true, true));

    h.ok(&["trust", "uninstall", "--store", "nss"]);
    assert_eq!(list(), before, "certutil -L lists what it did before");
    assert_eq!(list_of(&firefox), firefox_before);
    assert!(common::text(&verify()).contains("Chain is bad"));
}

const JAVA_GET: &str = r#"
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

// The JDK's defaults: trust from its cacerts, the key store from -Djavax.net.ssl.keyStore.
public class Get {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(
            HttpRequest.newBuilder(URI.create(args[0])).build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println(r.statusCode());
    }
}
"#;

#[test]
fn a_java_httpclient_with_the_default_trust_store_reaches_serve_until_uninstall() {
    require_root();
    let java = require("java", "default-jdk-headless");
    let _one = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    let before = Stores::now();
    let _put_back = PutBack(Stores::now());
    let h = Home::new();
    std::fs::write(h.ws.join("Get.java"), JAVA_GET).unwrap();
    std::fs::write(h.ws.join("pw.txt"), "changeit-too\n").unwrap();
    h.ok(&[
        "export",
        "client",
        "--out",
        &h.ws.join("client.p12").display().to_string(),
        "--password-file",
        &h.ws.join("pw.txt").display().to_string(),
    ]);
    let served = JsonLines::start(&h.ws, &["serve", "--port", "0", "--json"]);
    let url = format!("https://localhost:{}/", served.port());
    let get = || {
        Command::new(&java)
            .current_dir(&h.ws)
            .args([
                "-Djavax.net.ssl.keyStore=client.p12",
                "-Djavax.net.ssl.keyStoreType=PKCS12",
                "-Djavax.net.ssl.keyStorePassword=changeit-too",
                "Get.java",
                &url,
            ])
            .output()
            .unwrap()
    };
    let refused = get();
    assert!(!refused.status.success());
    assert!(
        common::text(&refused).contains("PKIX path building failed"),
        "{}",
        common::text(&refused)
    );

    h.ok(&["trust", "install", "--store", "java", "--yes"]);
    let got = get();
    assert!(got.status.success(), "{}", common::text(&got));
    assert_eq!(String::from_utf8_lossy(&got.stdout).trim(), "200");
    assert_eq!(h.trusted_in("java"), (true, true));

    h.ok(&["trust", "uninstall", "--store", "java"]);
    assert_eq!(
        Stores::now().java,
        before.java,
        "keytool lists what it did before"
    );
    assert!(!get().status.success(), "not trusted after the uninstall");
}

#[test]
fn uninstall_takes_out_only_what_certbench_put_in() {
    require_root();
    let certutil = require("certutil", "libnss3-tools");
    let _one = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    let h = Home::new();
    let db = h.home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let sql = format!("sql:{}", db.display());
    let certutil_ok = |args: &[&str]| {
        let out = Command::new(&certutil).args(args).output().unwrap();
        assert!(out.status.success(), "{}", common::text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    certutil_ok(&["-N", "-d", &sql, "--empty-password"]);
    // The user put the same root in by hand, under a name of their own.
    let ca = h.ws.join("ca.crt").display().to_string();
    certutil_ok(&["-A", "-d", &sql, "-t", "C,,", "-n", "my own", "-i", &ca]);
    let said = h.ok(&["trust", "install", "--store", "nss", "--yes"]);
    assert!(said.contains("already there as my own"), "{said}");
    assert_eq!(
        h.trusted_in("nss"),
        (true, false),
        "there, not by certbench"
    );
    let said = h.ok(&["trust", "uninstall", "--store", "nss"]);
    assert!(said.contains("Nothing"), "{said}");
    assert!(
        certutil_ok(&["-L", "-d", &sql]).contains("my own"),
        "left alone"
    );

    // A name certbench used, holding another certificate now, is left alone too.
    certutil_ok(&["-D", "-d", &sql, "-n", "my own"]);
    h.ok(&["trust", "install", "--store", "nss", "--yes"]);
    let listing = certutil_ok(&["-L", "-d", &sql]);
    let name = listing
        .lines()
        .find(|l| l.starts_with("certbench-ca-"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    certutil_ok(&["-D", "-d", &sql, "-n", &name]);
    let other = h.ws.join("intermediate.crt").display().to_string();
    certutil_ok(&["-A", "-d", &sql, "-t", "C,,", "-n", &name, "-i", &other]);
    let said = h.ok(&["trust", "uninstall", "--store", "nss"]);
    assert!(said.contains("holds another certificate"), "{said}");
    assert!(
        certutil_ok(&["-L", "-d", &sql]).contains(&name),
        "left alone"
    );
}

#[test]
fn a_missing_tool_is_said_and_nothing_is_changed() {
    let h = Home::new();
    // certutil is in /usr/bin: a PATH without it (and /usr/sbin for the rest) lacks it.
    let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(&h.ws)
        .args(["trust", "install", "--store", "nss", "--yes"])
        .env("HOME", &h.home)
        .env_remove("XDG_DATA_HOME")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("certutil is not installed") && err.contains("libnss3-tools"),
        "{err}"
    );
    assert!(!h.home.join(".local/share/certbench/trust.toml").exists());
}

/// A store that fails half way through an install: what was done is taken back, the record says
/// nothing was installed, and the message says so. The second NSS database (a Firefox profile's)
/// refuses the root: a certutil that fails there stands in for a full disk or a locked database.
#[test]
fn a_failure_half_way_takes_back_what_was_done() {
    let certutil = require("certutil", "libnss3-tools");
    let h = Home::new();
    let db = h.home.join(".pki/nssdb");
    let firefox = h.home.join(".mozilla/firefox/abcd1234.default-release");
    for d in [&db, &firefox] {
        nss_db(&certutil, d);
    }
    let bin = h.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stub = bin.join("certutil");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\ncase \"$*\" in *-A*firefox*|*firefox*-A*) echo 'SEC_ERROR_READ_ONLY: the database is read-only' >&2; exit 1;; esac\nexec {certutil} \"$@\"\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let list = |d: &Path| nss_list(&certutil, d);
    let before = list(&db);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_certbench"))
        .arg("--dir")
        .arg(&h.ws)
        .args(["trust", "install", "--store", "nss", "--yes"])
        .env("HOME", &h.home)
        .env_remove("XDG_DATA_HOME")
        .env("PATH", path)
        .output()
        .unwrap();
    let said = common::text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("read-only"), "the store's own words: {said}");
    assert!(said.contains("undone"), "{said}");
    assert_eq!(list(&db), before, "the first database is as it was");
    let record = std::fs::read_to_string(h.home.join(".local/share/certbench/trust.toml"))
        .unwrap_or_default();
    assert!(
        !record.contains("certbench-ca-"),
        "nothing recorded: {record}"
    );
}

/// NSS holds the root, but not as trusted for TLS (`-t ,,`): vfychain refuses the server's chain,
/// and certbench says the root is not trusted there; an install leaves the user's entry alone and
/// says how to trust it (NSS keeps one nickname per subject).
#[test]
fn a_root_nss_holds_without_trust_is_not_trusted() {
    let certutil = require("certutil", "libnss3-tools");
    let vfychain = require("vfychain", "libnss3-tools");
    let h = Home::new();
    let db = h.home.join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let sql = format!("sql:{}", db.display());
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .current_dir(&h.ws)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        run(&certutil, &["-N", "-d", &sql, "--empty-password"])
            .status
            .success()
    );
    let ca = h.ws.join("ca.crt").display().to_string();
    assert!(
        run(
            &certutil,
            &["-A", "-d", &sql, "-t", ",,", "-n", "held", "-i", &ca]
        )
        .status
        .success()
    );
    let judged = run(
        &vfychain,
        &[
            "-d",
            &sql,
            "-pp",
            "-u",
            "1",
            "-a",
            "server.crt",
            "-a",
            "intermediate.crt",
        ],
    );
    assert!(
        common::text(&judged).contains("Chain is bad"),
        "{}",
        common::text(&judged)
    );
    assert_eq!(h.trusted_in("nss"), (false, false));
    let said = h.ok(&["trust", "install", "--store", "nss", "--yes"]);
    assert!(said.contains("as held already"), "{said}");
    let listing = String::from_utf8_lossy(&run(&certutil, &["-L", "-d", &sql]).stdout).into_owned();
    assert!(!listing.contains("certbench-ca-"), "{listing}");
}
