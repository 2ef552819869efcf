//! Helpers for tests that run the real binary and real peers (openssl, curl).
#![allow(dead_code)] // Each test file uses a different part of this module.
#![allow(clippy::panic)] // Test code: a missing tool fails the test with what to install.

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

pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new(require("openssl", "openssl"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs")
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
