//! Helpers for tests that run the real binary and real peers (openssl, curl).
#![allow(dead_code)] // Each test file uses a different part of this module.
#![allow(clippy::panic)] // Test code: a missing tool fails the test with what to install.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// The path of a tool the test needs; fails the test with what to install when it is missing.
pub fn require(tool: &str, package: &str) -> String {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match found {
        Some(path) if !path.is_empty() => path,
        _ => panic!(
            "this test needs `{tool}`: install it with `apt-get install {package}` (.ci/run does)"
        ),
    }
}

/// Run certbench in `dir` (made if missing), with `--dir dir`, as a person working there would.
pub fn certbench(dir: &Path, args: &[&str]) -> Output {
    std::fs::create_dir_all(dir).expect("the test folder can be made");
    Command::new(env!("CARGO_BIN_EXE_certbench"))
        .current_dir(dir)
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("CERTBENCH_DIR")
        .output()
        .expect("the certbench binary runs")
}

/// Run certbench and fail the test with its stderr if it fails.
pub fn certbench_ok(dir: &Path, args: &[&str]) -> String {
    let out = certbench(dir, args);
    assert!(
        out.status.success(),
        "certbench {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `certbench issue --role ROLE --name NAME EXTRA...`, failing the test if it fails.
pub fn issue(dir: &Path, role: &str, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["issue", "--role", role, "--name", name];
    args.extend_from_slice(extra);
    certbench_ok(dir, &args)
}

pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new(require("openssl", "openssl"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs")
}

/// `openssl ARGS` in `dir`, which must succeed: what it printed on stdout.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port")
}

/// The port of `certbench serve`'s first line ("certbench serve: https://localhost:PORT/ on ..."),
/// which it says when given `--port 0`.
pub fn served_port(first_line: &str) -> u16 {
    first_line
        .split("https://localhost:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in serve's first line: {first_line}"))
}

/// Start a server on a free port: `start(port)` says why it did not start, and it is tried again
/// on another port, for a port can be taken between `free_port` choosing it and the server's
/// bind (by a test running beside this one, or by a client's outgoing connection).
pub fn on_a_free_port<T>(mut start: impl FnMut(u16) -> Result<T, String>) -> (T, u16) {
    let mut why = Vec::new();
    for _ in 0..5 {
        let port = free_port();
        match start(port) {
            Ok(t) => return (t, port),
            Err(e) => why.push(format!("port {port}: {e}")),
        }
    }
    panic!(
        "the server did not start on five free ports:\n{}",
        why.join("\n")
    );
}

/// Whether a socket listening on `port` (127.0.0.1, ::1 or any address) belongs to a process of
/// the process group `group`: a connect that succeeds may reach another test's server that took
/// the port while this one's was still starting (`go run` compiles first), and this tells them
/// apart. Read from /proc: the listening sockets' inodes, and the group's open sockets.
#[allow(dead_code)]
pub fn listening_in_group(port: u16, group: u32) -> bool {
    // Without /proc nothing can be told apart: a connect that succeeds is taken as it is.
    if !Path::new("/proc/net/tcp").exists() {
        return true;
    }
    let mut listening = std::collections::HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st ... inode (the tenth field); 0A is LISTEN.
            let local_port = f
                .get(1)
                .and_then(|a| a.rsplit(':').next())
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if f.get(3) == Some(&"0A")
                && local_port == Some(port)
                && let Some(inode) = f.get(9)
            {
                listening.insert(format!("socket:[{inode}]"));
            }
        }
    }
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        // The process group is the fifth field of stat, after the name in parentheses.
        let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
        let in_group = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(2))
            .is_some_and(|g| g == group.to_string());
        in_group
            && std::fs::read_dir(p.path().join("fd")).is_ok_and(|fds| {
                fds.flatten().any(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|l| listening.contains(&*l.to_string_lossy()))
                })
            })
    })
}

/// A server started on a free port that says on its stdout when it listens (openssl s_server
/// prints `ACCEPT`): `command(port)` makes the command; once a line of its stdout starts with
/// `ready` it is running (what it prints after is read on, so no pipe fills); when it ends before, it is
/// tried again on another port (see [`on_a_free_port`]), and what it said is kept for the panic.
pub fn ready_on_a_free_port(
    mut command: impl FnMut(u16) -> std::process::Command,
    ready: &str,
) -> (Running, u16) {
    use std::io::BufRead;
    on_a_free_port(|port| {
        let mut child = Running(
            command(port)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start: {e}"))?,
        );
        let (Some(out), Some(err)) = (child.0.stdout.take(), child.0.stderr.take()) else {
            return Err("no pipes".into());
        };
        let said = std::thread::spawn(move || {
            let mut all = String::new();
            let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(err), &mut all);
            all
        });
        let mut out = std::io::BufReader::new(out);
        let mut line = String::new();
        while !line.trim_start().starts_with(ready) {
            line.clear();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                drop(child);
                return Err(said.join().unwrap_or_default());
            }
        }
        std::thread::spawn(move || for _ in out.lines() {});
        Ok(child)
    })
}

/// What openssl says of a file, if it reads it as a certificate (OpenSSL 3 tells PEM from DER
/// itself, so one run per file).
pub fn openssl_x509_view(openssl: &str, path: &Path) -> Option<BTreeMap<String, String>> {
    openssl_x509_text(openssl, path).map(|t| parse_openssl_x509_text(&t))
}

/// openssl's own output for a file (the fields `openssl_x509_view` reads), if it reads it as a
/// certificate.
pub fn openssl_x509_text(openssl: &str, path: &Path) -> Option<String> {
    let out = Command::new(openssl)
        .args([
            "x509",
            "-noout",
            "-nameopt",
            "RFC2253,-esc_msb",
            "-subject",
            "-issuer",
            "-serial",
            "-startdate",
            "-enddate",
            "-fingerprint",
            "-sha256",
            "-ext",
            "keyUsage,extendedKeyUsage,basicConstraints,subjectAltName",
            "-in",
        ])
        .arg(path)
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The fields of `openssl x509` output, as `ours_x509_view` gives ours.
pub fn parse_openssl_x509_text(text: &str) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let mut ext: Option<String> = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("    ") {
            if let Some(e) = &ext {
                let entry = f.entry(e.clone()).or_insert_with(String::new);
                if !entry.is_empty() {
                    entry.push_str(", ");
                }
                entry.push_str(&rfc5952_ips(v.trim()));
            }
            continue;
        }
        ext = None;
        for (prefix, key) in [
            ("subject=", "subject"),
            ("issuer=", "issuer"),
            ("serial=", "serial"),
            ("notBefore=", "not_before"),
            ("notAfter=", "not_after"),
            ("sha256 Fingerprint=", "sha256_fingerprint"),
        ] {
            if let Some(v) = line.strip_prefix(prefix) {
                f.insert(key.to_string(), v.to_string());
            }
        }
        let key = match line
            .trim()
            .trim_end_matches(": critical")
            .trim_end_matches(':')
        {
            "X509v3 Key Usage" => Some("key_usage"),
            "X509v3 Extended Key Usage" => Some("extended_key_usage"),
            "X509v3 Basic Constraints" => Some("basic_constraints"),
            "X509v3 Subject Alternative Name" => Some("subject_alt_names"),
            _ => None,
        };
        if let Some(k) = key {
            // A duplicate extension adds to what the first one said.
            f.entry(k.to_string()).or_insert_with(String::new);
            ext = Some(k.to_string());
        }
    }
    for k in ["not_before", "not_after"] {
        if let Some(v) = f.get(k) {
            let fmt = time::format_description::parse_borrowed::<2>(
                "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT",
            )
            .unwrap();
            if let Ok(t) = time::PrimitiveDateTime::parse(v, &fmt) {
                let t = t
                    .assume_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap();
                f.insert(k.to_string(), t);
            }
        }
    }
    f
}

/// openssl prints an IPv6 SAN as eight groups (`IP Address:0:0:0:0:0:0:0:1`); certbench as
/// people write it (RFC 5952, `::1`). The same address either way: compare the addresses.
pub fn rfc5952_ips(sans: &str) -> String {
    sans.split(", ")
        .map(|san| match san.strip_prefix("IP Address:") {
            Some(ip) => match ip.parse::<std::net::Ipv6Addr>() {
                Ok(v6) => format!("IP Address:{v6}"),
                Err(_) => san.to_string(),
            },
            None => san.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn ours_x509_view(obj: &serde_json::Value) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    for k in [
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "sha256_fingerprint",
    ] {
        f.insert(
            k.to_string(),
            obj[k].as_str().unwrap_or_default().to_string(),
        );
    }
    let list = |k: &str| {
        obj[k].as_array().map(|a| {
            a.iter()
                .filter_map(serde_json::Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    for k in ["key_usage", "extended_key_usage", "subject_alt_names"] {
        if let Some(v) = list(k).filter(|v| !v.is_empty()) {
            f.insert(k.to_string(), v);
        }
    }
    let bc = &obj["basic_constraints"];
    if !bc.is_null() {
        let pl = bc["path_len"]
            .as_i64()
            .map(|p| format!(", pathlen:{p}"))
            .unwrap_or_default();
        f.insert(
            "basic_constraints".into(),
            format!(
                "CA:{}{pl}",
                if bc["ca"].as_bool().unwrap() {
                    "TRUE"
                } else {
                    "FALSE"
                }
            ),
        );
    }
    f
}

/// A `handshake --json` transcript's (sender, message) of every handshake message, in order.
pub fn flow(v: &serde_json::Value) -> Vec<(String, String)> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "wire" && e["content"] == "handshake")
        .map(|e| {
            (
                e["side"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The subject CN of the workspace entry `name`, as the manifest records it.
pub fn workspace_cn(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join("certbench.toml")).unwrap();
    let manifest: toml::Value = toml::from_str(&text).unwrap();
    manifest["entity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .and_then(|e| e["common_name"].as_str())
        .unwrap_or_else(|| panic!("no entry {name} in the manifest: {text}"))
        .to_string()
}

/// A loopback run with `opts`, on a current-thread runtime: its events in order, and its summary.
pub fn loopback(
    opts: &certbench_tls::run::RunOptions,
) -> (Vec<certbench_tls::run::Event>, certbench_tls::run::Summary) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let summary = rt
        .block_on(certbench_tls::run::run(opts, tx))
        .expect("the run starts");
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (events, summary)
}

/// `openssl req -new` writing key `key` and request `out` in `d`: `newkey` the key options,
/// `subject` as `-subj` takes it, each of `addext` an `-addext`.
pub fn openssl_csr(
    d: &Path,
    key: &str,
    out: &str,
    newkey: &[&str],
    subject: &str,
    addext: &[&str],
) {
    let mut args = vec!["req", "-new", "-nodes", "-keyout", key, "-out", out];
    args.extend(newkey);
    args.extend(["-subj", subject]);
    for e in addext {
        args.extend(["-addext", e]);
    }
    openssl_ok(d, &args);
}

/// openssl's options for a new P-256 key.
pub fn p256() -> [&'static str; 4] {
    ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
}

/// The RFC names of handshake types, written here again on purpose: were certbench's own table
/// wrong, reusing it would hide the mistake from this test.
pub fn handshake_name(t: u64) -> &'static str {
    match t {
        1 => "ClientHello",
        2 => "ServerHello",
        4 => "NewSessionTicket",
        8 => "EncryptedExtensions",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        20 => "Finished",
        _ => "other",
    }
}

/// The handshake messages tshark decodes in `pcap` (with `keylog`, or only what the capture holds),
/// as (sender, RFC name) in order; `server_port` tells the sides apart.
pub fn tshark_flow(
    tshark: &str,
    pcap: &Path,
    keylog: Option<&Path>,
    filter: &str,
    server_port: u16,
) -> Vec<(String, String)> {
    let mut cmd = Command::new(tshark);
    cmd.arg("-r").arg(pcap);
    if let Some(k) = keylog {
        cmd.args(["-o", &format!("tls.keylog_file:{}", k.display())]);
    }
    let read = cmd
        .args([
            "-Y",
            filter,
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tls.handshake.type",
        ])
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", text(&read));
    String::from_utf8_lossy(&read.stdout)
        .lines()
        .flat_map(|line| {
            let mut parts = line.split('\t');
            let src: u16 = parts.next().unwrap().parse().unwrap();
            let from = if src == server_port {
                "server"
            } else {
                "client"
            };
            parts
                .next()
                .unwrap_or_default()
                .split(',')
                .filter(|t| !t.is_empty())
                .map(|t| {
                    (
                        from.to_string(),
                        handshake_name(t.parse().unwrap()).to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The port of a `{"listening": "ADDR:PORT"}` line (`serve --json`, `relay --json`).
pub fn listening_port(v: &serde_json::Value) -> u16 {
    v["listening"]
        .as_str()
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no listening address in {v}"))
}

/// A program a test started, stopped when the test is done with it (or fails).
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `openssl s_server` in the workspace `d` with the certificate `name` (`NAME.crt`, its key, and
/// `intermediate.crt` as its chain: `-cert` reads a file's first certificate only) and `extra`
/// options, on a free port (another when the one chosen was taken before it bound it), once it
/// says `ACCEPT`.
pub fn openssl_server(d: &Path, name: &str, extra: &[&str]) -> (Running, u16) {
    ready_on_a_free_port(
        |port| {
            let mut c = Command::new(require("openssl", "openssl"));
            c.current_dir(d)
                .args(["s_server", "-accept", &port.to_string()])
                .args(["-cert", &format!("{name}.crt")])
                .args(["-cert_chain", "intermediate.crt"])
                .args(["-key", &format!("{name}.key")])
                .args(extra);
            c
        },
        "ACCEPT",
    )
}

/// `openssl s_server -www` in the workspace `d` with its server certificate (and `extra`
/// options): see [`openssl_server`].
pub fn openssl_www(d: &Path, extra: &[&str]) -> (Running, u16) {
    openssl_server(d, "server", &[&["-www"], extra].concat())
}

/// certbench started in the background with `--json` (a long-running command: `serve`, `relay`,
/// `ocsp`), its first line read (where it listens), each later line on `lines`.
pub struct JsonLines {
    pub child: Running,
    pub lines: std::sync::mpsc::Receiver<String>,
    pub first: serde_json::Value,
}

impl JsonLines {
    pub fn start(dir: &Path, args: &[&str]) -> JsonLines {
        JsonLines::try_start(dir, args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The same, with what it said when it did not start (a port taken, say) as the error.
    pub fn try_start(dir: &Path, args: &[&str]) -> Result<JsonLines, String> {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_certbench"))
            .arg("--dir")
            .arg(dir)
            .args(args)
            .env_remove("CERTBENCH_DIR")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the certbench binary runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut child = Running(child);
        let first = match lines.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(line) => serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("certbench {args:?} printed {line:?}: {e}")),
            Err(_) => {
                let _ = child.0.kill();
                let out = child.0.wait_with_output_ref();
                return Err(format!("certbench {args:?} did not start: {out}"));
            }
        };
        Ok(JsonLines {
            child,
            lines,
            first,
        })
    }

    /// The next JSON line, within 30 seconds.
    pub fn next(&self) -> serde_json::Value {
        let line = self
            .lines
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("a line within 30 s");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
    }

    pub fn port(&self) -> u16 {
        listening_port(&self.first)
    }
}

trait StderrOf {
    fn wait_with_output_ref(&mut self) -> String;
}

impl StderrOf for std::process::Child {
    fn wait_with_output_ref(&mut self) -> String {
        use std::io::Read;
        let mut s = String::new();
        if let Some(e) = self.stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}
