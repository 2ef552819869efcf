#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The real binary in a real terminal (tmux): it starts on a demo workspace, answers keys,
//! issues a certificate, and gives the terminal back on `q` and on Ctrl-C.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::require;

struct Tmux {
    socket: String,
    tmux: String,
}

impl Tmux {
    fn start(name: &str, dir: &Path, home: &Path) -> Tmux {
        let tmux = require("tmux", "tmux");
        let socket = format!("certbench-test-{}-{name}", std::process::id());
        let cmd = format!(
            "XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data {bin} --dir {dir}; echo \"[exited $?]\"; sleep 60",
            home = home.display(),
            bin = env!("CARGO_BIN_EXE_certbench"),
            dir = dir.display()
        );
        let ok = Command::new(&tmux)
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "100",
                "-y",
                "30",
            ])
            .args(["-e", "TERM=xterm-256color", &cmd])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux starts");
        Tmux { socket, tmux }
    }

    fn screen(&self) -> String {
        let out = Command::new(&self.tmux)
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new(&self.tmux)
                .args(["-L", &self.socket, "send-keys", "-t", "t", k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("\"{text}\" did not appear; the screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new(&self.tmux)
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn the_tui_starts_on_a_demo_workspace_issues_and_quits_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let t = Tmux::start("main", &dir, tmp.path());
    let screen = t.wait_for("made a demo PKI");
    assert!(
        screen.contains("1 Generate")
            && screen.contains("2 Inspect")
            && screen.contains("3 Handshake")
    );
    assert!(dir.join("certbench.toml").exists() && dir.join("server-chain.crt").exists());

    t.keys(&["?"]);
    t.wait_for("Anywhere");
    t.keys(&["Escape", "Enter", "i"]);
    t.wait_for("Issued server \"server-2\"");
    assert!(dir.join("server-2.crt").exists());

    t.keys(&["Escape", "2"]);
    t.wait_for("Certificates");
    // A live handshake on 127.0.0.1, from the Handshake pane.
    t.keys(&["3", "r"]);
    let screen = t.wait_for("The handshake and the request succeeded");
    assert!(screen.contains("✓ TLS 1.3"), "{screen}");
    t.keys(&["q"]);
    let screen = t.wait_for("[exited 0]");
    assert!(
        !screen.contains("Issue a certificate"),
        "the alternate screen is gone:\n{screen}"
    );
    assert!(
        tmp.path().join("data/certbench/certbench.log").exists(),
        "logs go to a file"
    );
}

#[test]
fn ctrl_c_quits_even_while_typing() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Tmux::start("ctrlc", &tmp.path().join("ws"), tmp.path());
    t.wait_for("made a demo PKI");
    t.keys(&["Enter", "Down", "Enter", "x", "y"]);
    t.wait_for("server-2xy");
    t.keys(&["C-c"]);
    t.wait_for("[exited 0]");
}
