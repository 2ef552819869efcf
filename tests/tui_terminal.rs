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
        Tmux::start_with(name, dir, home, "")
    }

    /// With `env` (`NAME=value ...`) before the command.
    fn start_with(name: &str, dir: &Path, home: &Path, env: &str) -> Tmux {
        Tmux::launch(name, dir, home, env, "", (100, 30))
    }

    /// With `env` before the command, `args` after `--dir DIR`, in a terminal of `size`.
    fn launch(
        name: &str,
        dir: &Path,
        home: &Path,
        env: &str,
        args: &str,
        size: (u16, u16),
    ) -> Tmux {
        let tmux = require("tmux", "tmux");
        let socket = format!("certbench-test-{}-{name}", std::process::id());
        let cmd = format!(
            "{env} XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data {bin} --dir {dir} {args}; echo \"[exited $?]\"; sleep 60",
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
                &size.0.to_string(),
                "-y",
                &size.1.to_string(),
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
            // Generous: a dozen of these run at once on two cores, each a debug binary making
            // keys; the test is that the text comes, not how fast.
            if start.elapsed() > Duration::from_secs(60) {
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

    // Help opens at the keys of where the focus is: the certificate list.
    t.keys(&["?"]);
    t.wait_for("Generate: certificate list");
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

/// Issue 8: `CERTBENCH_LOG=debug` wrote every TLS secret of a run into certbench.log, a file
/// others could read. The log is the user's alone, and secrets never reach it.
#[cfg(unix)]
#[test]
fn the_debug_log_never_holds_secrets_and_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    // A log left readable by others (as certbench once made it) is made private.
    let log_path = tmp.path().join("data/certbench/certbench.log");
    std::fs::create_dir_all(log_path.parent().unwrap()).unwrap();
    std::fs::write(&log_path, "").unwrap();
    std::fs::set_permissions(&log_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let t = Tmux::start_with("log", &dir, tmp.path(), "CERTBENCH_LOG=debug");
    t.wait_for("made a demo PKI");
    t.keys(&["3", "r"]);
    t.wait_for("The handshake and the request succeeded");
    // Save the run too: its key log is written, to its own 0600 file.
    t.keys(&["w"]);
    t.wait_for("Saved");
    t.keys(&["q"]);
    t.wait_for("[exited 0]");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("HandshakeFinished"),
        "a debug log of the run:\n{log}"
    );
    let keylog = std::fs::read_dir(dir.join("handshakes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "keylog"))
        .unwrap();
    let secrets: Vec<String> = std::fs::read_to_string(keylog)
        .unwrap()
        .lines()
        .filter_map(|l| l.split(' ').nth(2).map(String::from))
        .collect();
    assert!(secrets.len() >= 4);
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "a secret is in the log");
    }
    let mode = std::fs::metadata(&log_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
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

/// Issue 21: `--open FILE --system` on a new folder made a demo PKI there and showed its root
/// CA; the user asked to look at their file. The file is selected, and no PKI is made unasked.
#[test]
fn opening_a_file_shows_that_file_and_makes_no_demo_pki() {
    let tmp = tempfile::tempdir().unwrap();
    let mine = tmp.path().join("mine");
    common::certbench_ok(&mine, &["gen"]);
    common::issue(&mine, "server", "opened-here", &["--san", "opened.example"]);
    let dir = tmp.path().join("ws");
    let file = mine.join("opened-here.crt");
    let t = Tmux::launch(
        "open",
        &dir,
        tmp.path(),
        "",
        &format!("--open {} --system", file.display()),
        (120, 34),
    );
    // The details beside the list are the file's, whatever else was loaded.
    let screen = t.wait_for("opened.example");
    assert!(screen.contains("2 Inspect"), "{screen}");
    assert!(
        !dir.join("certbench.toml").exists(),
        "no demo PKI made unasked"
    );
    assert!(!screen.contains("made a demo PKI"), "{screen}");
    t.keys(&["q"]);
    t.wait_for("[exited 0]");
}

/// Issue 21: the connect prompt's suggestion is replaced by what is typed, not appended to.
#[test]
fn the_connect_prompt_replaces_its_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Tmux::start("connect", &tmp.path().join("ws"), tmp.path());
    t.wait_for("made a demo PKI");
    t.keys(&["3", "C"]);
    t.wait_for("localhost:8443");
    for k in ["1", "2", "7", ".", "0", ".", "0", ".", "1", ":", "9"] {
        t.keys(&[k]);
    }
    let screen = t.wait_for("127.0.0.1:9");
    assert!(!screen.contains("8443127"), "{screen}");
    // Backspace edits what is suggested instead (the port, say).
    t.keys(&["Escape", "C"]);
    t.wait_for("localhost:8443");
    t.keys(&["BSpace", "BSpace", "BSpace", "BSpace", "9", "4", "4", "3"]);
    let screen = t.wait_for("localhost:9443");
    assert!(!screen.contains("localhost:8443"), "{screen}");
}

/// Issue 21: a terminal smaller than the TUI's least size gets a sentence saying how big to make
/// it, not a broken screen; made bigger, the TUI comes back.
#[test]
fn a_too_small_terminal_is_told_its_least_size() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Tmux::launch(
        "small",
        &tmp.path().join("ws"),
        tmp.path(),
        "",
        "",
        (40, 10),
    );
    let screen = t.wait_for("80x24");
    assert!(screen.contains("40x10"), "{screen}");
    assert!(!screen.contains("Issue a certificate"), "{screen}");
    Command::new(&t.tmux)
        .args([
            "-L",
            &t.socket,
            "resize-window",
            "-t",
            "t",
            "-x",
            "100",
            "-y",
            "30",
        ])
        .status()
        .unwrap();
    t.wait_for("Issue a certificate");
    t.keys(&["q"]);
    t.wait_for("[exited 0]");
}

/// Issue 21: the lab picker is a dialog over the pane: nothing of the pane behind shows beside
/// it (no border, no letter at its left and right).
#[test]
fn the_lab_picker_hides_the_pane_behind_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Tmux::launch(
        "labpick",
        &tmp.path().join("ws"),
        tmp.path(),
        "",
        "",
        (80, 24),
    );
    t.wait_for("made a demo PKI");
    t.keys(&["3", "l"]);
    let screen = t.wait_for("Failure lab: pick a scenario");
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let top = rows
        .iter()
        .position(|r| r.iter().collect::<String>().contains("┌ Failure lab"))
        .unwrap();
    let left = rows[top].iter().position(|c| *c == '┌').unwrap();
    let right = rows[top].iter().rposition(|c| *c == '┐').unwrap();
    let bottom = (top + 1..rows.len())
        .find(|&n| rows[n].get(left) == Some(&'└'))
        .unwrap();
    for row in &rows[top..=bottom] {
        let beside: String = row[..left]
            .iter()
            .chain(row.iter().skip(right + 1))
            .collect();
        assert!(
            beside.trim().is_empty(),
            "the pane shows beside the dialog: {}",
            row.iter().collect::<String>()
        );
    }
}

/// Issue 21: the guided first run, as a newcomer takes it: every step is a key the screen names,
/// from the four certificates to a broken handshake's culprit; Esc ends it and the workspace
/// remembers; `?` then `t` starts it again. At 80x24 and at a wide size.
#[test]
fn the_tour_runs_end_to_end_at_80x24_and_wide() {
    for (w, h) in [(80, 24), (160, 48)] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ws");
        let t = Tmux::launch("tour", &dir, tmp.path(), "", "", (w, h));
        t.wait_for("Tour 1/11");
        // Each step names its key; the test presses what the screen says.
        let key_in = |screen: &str, before: &str| -> String {
            let line = screen
                .lines()
                .find(|l| l.contains(before))
                .unwrap_or_else(|| panic!("{before}:\n{screen}"));
            let rest = &line[line.find(before).unwrap() + before.len()..];
            rest.split_whitespace().next().unwrap().to_string()
        };
        let screen = t.screen();
        assert_eq!(key_in(&screen, "Press "), "2", "{screen}");
        t.keys(&["2"]);
        t.wait_for("Tour 2/11");
        t.keys(&["Down", "Down", "Down", "Enter"]);
        t.wait_for("Tour 3/11");
        for _ in 0..40 {
            t.keys(&["Down"]);
            if t.screen().contains("Tour 4/11") {
                break;
            }
        }
        t.wait_for("Tour 4/11");
        t.keys(&["3", "r"]);
        t.wait_for("Tour 5/11");
        t.keys(&["g"]);
        for _ in 0..30 {
            t.keys(&["Down"]);
            if t.screen().contains("Tour 6/11") {
                break;
            }
        }
        let screen = t.wait_for("Tour 6/11");
        assert!(screen.contains("CertificateRequest"), "{screen}");
        for _ in 0..30 {
            t.keys(&["Down"]);
            if t.screen().contains("Tour 7/11") {
                break;
            }
        }
        let screen = t.wait_for("Tour 7/11");
        assert!(screen.contains("CertificateVerify"), "{screen}");
        t.keys(&["End"]);
        let screen = t.wait_for("Tour 8/11");
        assert!(screen.contains("Who proved what"), "{screen}");
        t.keys(&["s", "r"]);
        // A paused run says what comes next.
        let screen = t.wait_for("Next: the client's ClientHello");
        assert!(
            screen.contains("flight 1 from the client waits"),
            "{screen}"
        );
        for _ in 0..8 {
            t.keys(&["Space"]);
            std::thread::sleep(Duration::from_millis(300));
            if t.screen().contains("Tour 9/11") {
                break;
            }
        }
        t.wait_for("Tour 9/11");
        t.keys(&["s", "l"]);
        t.wait_for("Failure lab: pick a scenario");
        for _ in 0..4 {
            t.keys(&["Down"]);
        }
        t.keys(&["Enter"]);
        let screen = t.wait_for("Tour 10/11");
        assert!(screen.contains("the server caught it"), "{screen}");
        t.keys(&["i"]);
        let screen = t.wait_for("Tour 11/11");
        assert!(screen.contains("notAfter"), "the culprit field: {screen}");
        t.keys(&["Escape", "Escape"]);
        let screen = t.wait_for("Tour ended");
        assert!(!screen.contains("Tour 11/11"), "{screen}");
        assert!(
            dir.join(".certbench-tour").exists(),
            "remembered in the workspace"
        );
        // Asked for again from the help.
        t.keys(&["?"]);
        t.wait_for("take the tour");
        t.keys(&["t"]);
        t.wait_for("Tour 1/11");
        t.keys(&["q"]);
        t.wait_for("[exited 0]");
        // Started again on this workspace: no tour unasked.
        let again = Tmux::launch("tour2", &dir, tmp.path(), "", "", (w, h));
        again.wait_for("Issue a certificate");
        std::thread::sleep(Duration::from_millis(500));
        assert!(!again.screen().contains("Tour 1/11"), "{}", again.screen());
    }
}

/// The tour's words fit the workspace it starts on: a set `gen` made with another client
/// names that client (not the demo's alice), and a set without an intermediate, which the words
/// describe, gets no tour unasked.
#[test]
fn the_tour_names_the_workspaces_client_and_waits_to_be_asked_on_other_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let bob = tmp.path().join("bob");
    common::certbench_ok(&bob, &["gen", "--client-name", "bob"]);
    let t = Tmux::launch("tour-bob", &bob, tmp.path(), "", "", (80, 24));
    let screen = t.wait_for("Tour 1/11");
    assert!(screen.contains("This workspace holds"), "{screen}");
    t.keys(&["2"]);
    let screen = t.wait_for("Tour 2/11");
    assert!(screen.contains("select bob,"), "{screen}");
    assert!(!screen.contains("alice"), "{screen}");

    let flat = tmp.path().join("flat");
    common::certbench_ok(&flat, &["gen", "--no-intermediate"]);
    let t = Tmux::launch("tour-flat", &flat, tmp.path(), "", "", (80, 24));
    t.wait_for("Issue a certificate");
    std::thread::sleep(Duration::from_millis(500));
    assert!(!t.screen().contains("Tour 1/11"), "{}", t.screen());
    // Asked for, it comes.
    t.keys(&["?"]);
    t.wait_for("take the tour");
    t.keys(&["t"]);
    t.wait_for("Tour 1/11");

    // A workspace with a root CA alone: its steps could not be done, and it says what is missing
    // instead of asking to select a client that is not there.
    let lone = tmp.path().join("lone");
    common::certbench_ok(&lone, &["issue", "--role", "ca", "--name", "ca"]);
    let t = Tmux::launch("tour-lone", &lone, tmp.path(), "", "", (120, 24));
    t.wait_for("Issue a certificate");
    t.keys(&["?"]);
    t.wait_for("take the tour");
    t.keys(&["t"]);
    let screen = t.wait_for("has no server or client");
    assert!(!screen.contains("Tour 1/11"), "{screen}");
    assert!(!screen.contains("select ,"), "{screen}");
}

/// Issue 21: a lab scenario's culprit opened with `i` is judged as the run judged it: the lab's
/// intermediate chains to the lab's root (no "issuer not among the certificates given" that the
/// run never had), the expired leaf shows its expiry alone; and nothing of the lab is written
/// into the workspace.
#[test]
fn a_lab_culprit_opens_as_the_run_judged_it_and_leaves_the_workspace_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    std::fs::create_dir_all(&dir).unwrap();
    common::certbench_ok(&dir, &["gen"]);
    // No tour in the way (it was ended in this workspace).
    std::fs::write(dir.join(".certbench-tour"), "").unwrap();
    let t = Tmux::launch("labculprit", &dir, tmp.path(), "", "", (140, 44));
    t.wait_for("Issue a certificate");
    t.keys(&["3", "l"]);
    t.wait_for("Failure lab: pick a scenario");
    for _ in 0..4 {
        t.keys(&["Down"]);
    }
    t.keys(&["Enter"]);
    t.wait_for("the server caught it");
    // The run is over once its fix is shown (the verdict shows as it arrives, before).
    t.wait_for("Fix:");
    t.keys(&["i"]);
    let screen = t.wait_for("notAfter");
    assert!(screen.contains("EXPIRED"), "{screen}");
    assert!(
        !screen.contains("not among the certificates given"),
        "{screen}"
    );
    // The lab's intermediate: it chains to the lab's root, as it did in the run.
    t.keys(&["Escape", "Down"]);
    t.wait_for("Lab Intermediate");
    t.wait_for("Chain verifies");
    assert!(
        !dir.join("handshakes").exists(),
        "the lab wrote into the workspace"
    );
    // Saving the lab run goes beside the lab too, not into the workspace.
    t.keys(&["3", "w"]);
    let screen = t.wait_for("Saved");
    let said = screen
        .lines()
        .skip_while(|l| !l.contains("Saved"))
        .collect::<String>();
    assert!(!said.contains(&dir.display().to_string()), "{said}");
    assert!(said.contains("lab"), "{said}");
    assert!(!dir.join("handshakes").exists());
}

/// Issue 21: another certbench (here the CLI) issues a certificate while the TUI is open: the TUI
/// notices within seconds, lists it, and says what changed.
#[test]
fn the_tui_notices_a_certificate_another_process_added() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let t = Tmux::start("watch", &dir, tmp.path());
    t.wait_for("made a demo PKI");
    t.keys(&["Escape"]);
    t.wait_for("Tour ended");
    common::issue(&dir, "client", "bob-from-cli", &[]);
    let screen = t.wait_for("new: bob-from-cli");
    assert!(screen.contains("bob-from-cli"), "{screen}");
    // The Inspect pane has it too.
    t.keys(&["2"]);
    t.wait_for("bob-from-cli");
    // What the TUI changes itself is not taken for another program's change.
    t.keys(&["1", "Enter", "i"]);
    t.wait_for("Issued server");
    std::thread::sleep(Duration::from_millis(2500));
    let screen = t.screen();
    assert!(!screen.contains("another program"), "{screen}");
}

/// Issue 21: the Generate form asks before it signs a name a CA above does not allow (its
/// nameConstraints): n goes back with nothing signed, y signs it anyway.
#[test]
fn the_form_asks_before_it_signs_a_name_a_ca_does_not_allow() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    std::fs::create_dir_all(&dir).unwrap();
    common::issue(&dir, "ca", "root", &[]);
    common::issue(
        &dir,
        "intermediate",
        "inner",
        &["--issuer", "root", "--permit-dns", "example.com"],
    );
    let t = Tmux::launch("constrained", &dir, tmp.path(), "", "", (120, 36));
    t.wait_for("Issue a certificate");
    // The form's default server names localhost, under "inner": outside example.com.
    t.keys(&["Enter", "i"]);
    let screen = t.wait_for("Outside the CA's name constraints");
    assert!(
        screen.contains("DNS:localhost") && screen.contains("inner"),
        "{screen}"
    );
    t.keys(&["n"]);
    t.wait_for("Nothing was changed");
    assert!(
        !std::fs::read_dir(&dir).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("server")),
        "nothing signed"
    );
    t.keys(&["i"]);
    t.wait_for("Outside the CA's name constraints");
    t.keys(&["y"]);
    t.wait_for("Issued server");
}

/// Issue 22: `certbench relay --tui` opens the Handshake pane on the connections between two
/// programs nobody here wrote (curl, `openssl s_server`), at 80x24 and wide: each listed as it
/// ends, the newest shown; the refused one is the server's refusal, the one that worked names
/// the client's certificate as it crossed, read with curl's key log; R stops the relay.
#[test]
fn relay_tui_lists_the_connections_between_two_outside_programs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    common::certbench_ok(&dir, &["gen"]);
    let (server, port) = common::openssl_www(
        &dir,
        &["-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error"],
    );
    let keylog = tmp.path().join("keys.log");
    for size in [(80, 24), (160, 48)] {
        // Port 0: the system's choice, which the pane says (no port to race for).
        let t = Tmux::launch(
            &format!("relay{}", size.0),
            &dir,
            tmp.path(),
            "",
            &format!(
                "relay --tui --listen 127.0.0.1:0 --to localhost:{port} --keylog {}",
                keylog.display()
            ),
            size,
        );
        let shown = t.wait_for("relaying 127.0.0.1:");
        let at: u16 = shown
            .split("relaying 127.0.0.1:")
            .nth(1)
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port after \"relaying\":\n{shown}"));
        let curl = |cert: bool| {
            let mut c = Command::new(require("curl", "curl"));
            c.current_dir(&dir)
                .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
                .env("SSLKEYLOGFILE", &keylog);
            if cert {
                c.args(["--cert", "client-chain.crt", "--key", "client.key"]);
            }
            c.arg(format!("https://localhost:{at}/")).output().unwrap()
        };
        assert!(curl(true).status.success());
        let screen = t.wait_for(" ok ");
        // Who the client was, from its Certificate as it crossed (encrypted in TLS 1.3).
        let client = common::openssl(
            &dir,
            &[
                "x509",
                "-in",
                "client.crt",
                "-noout",
                "-subject",
                "-nameopt",
                "RFC2253",
            ],
        );
        let cn = String::from_utf8_lossy(&client.stdout)
            .split("CN=")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap()
            .trim()
            .to_string();
        let screen = if size.0 >= 120 {
            t.wait_for(&format!("CN={cn}"))
        } else {
            screen
        };
        assert!(screen.contains(" ok "), "{screen}");
        assert!(!curl(false).status.success());
        let screen = t.wait_for("failed");
        assert!(screen.contains("#2"), "{screen}");
        // The newest is shown: the server caught it.
        assert!(screen.contains("the server caught it"), "{screen}");
        // curl refuses the server's name after the handshake (exit code 60) and leaves without
        // a request: nobody refused on the wire, and the row and the timeline say so.
        let wrong = Command::new(require("curl", "curl"))
            .current_dir(&dir)
            .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"])
            .args(["--cert", "client-chain.crt", "--key", "client.key"])
            .args(["--resolve", &format!("elsewhere.test:{at}:127.0.0.1")])
            .arg(format!("https://elsewhere.test:{at}/"))
            .env("SSLKEYLOGFILE", &keylog)
            .output()
            .unwrap();
        assert_eq!(wrong.status.code(), Some(60));
        let screen = t.wait_for("no request");
        assert!(screen.contains("the end: what crossed"), "{screen}");
        assert!(!screen.contains("caught it"), "{screen}");
        t.keys(&["R"]);
        t.wait_for("Stopped relaying after 3 connections");
        t.keys(&["q"]);
        t.wait_for("[exited 0]");
    }
    drop(server);
}

/// A window of wrapped text scrolls to its last line: the Issued window's openssl commands
/// (long lines that wrap by words) end with the line that cleans up, reachable with End.
#[test]
fn the_issued_windows_last_line_is_reachable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    common::certbench_ok(&dir, &["gen"]);
    std::fs::write(dir.join(".certbench-tour"), "").unwrap();
    let t = Tmux::launch("issued-end", &dir, tmp.path(), "", "", (100, 30));
    t.wait_for("Issue a certificate");
    // Into the form, the role to client, issue: the window with what was made.
    t.keys(&["Enter", "Right", "i"]);
    t.wait_for("Issued");
    t.keys(&["End"]);
    let screen = t.wait_for("rm client-2.csr client-2.ext");
    assert!(screen.contains("client-2-chain.crt"), "{screen}");
}

/// The server whose stapled OCSP response says revoked: its culprit opens in Inspect with that
/// staple beside it, and Inspect refuses the certificate as the client did (webpki reads no
/// OCSP; before, Inspect said "Chain verifies").
#[test]
fn a_culprit_revoked_by_its_staple_is_revoked_in_inspect_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    common::certbench_ok(&dir, &["gen"]);
    std::fs::write(dir.join(".certbench-tour"), "").unwrap();
    let t = Tmux::launch("lab-ocsp", &dir, tmp.path(), "", "", (140, 44));
    t.wait_for("Issue a certificate");
    t.keys(&["3", "l"]);
    t.wait_for("Failure lab: pick a scenario");
    t.keys(&["Home"]);
    // server-revoked-ocsp, below "(your workspace)" in the lab's list order.
    let place = certbench_lab::SCENARIOS
        .iter()
        .position(|s| s.name == "server-revoked-ocsp")
        .unwrap();
    for _ in 0..=place {
        t.keys(&["Down"]);
    }
    t.keys(&["Enter"]);
    t.wait_for("Fix:");
    t.keys(&["i"]);
    t.wait_for("Opened here with the server's OCSP staple");
    let screen = t.wait_for("✗ Chain");
    assert!(screen.contains("revoked"), "{screen}");
    assert!(!screen.contains("Chain verifies"), "{screen}");
}

/// Each lab run makes its PKI anew under the same names: after one run's culprit was opened,
/// the next run's culprit is judged with that run's CAs, as the handshake judged it (not
/// through the earlier run's intermediate of the same name, whose key did not sign it).
#[test]
fn a_second_lab_culprit_is_judged_with_its_own_run_s_cas() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    common::certbench_ok(&dir, &["gen"]);
    std::fs::write(dir.join(".certbench-tour"), "").unwrap();
    let t = Tmux::launch("lab-twice", &dir, tmp.path(), "", "", (140, 44));
    t.wait_for("Issue a certificate");
    let run = |downs: usize| {
        t.keys(&["3", "l"]);
        t.wait_for("Failure lab: pick a scenario");
        t.keys(&["Home"]);
        for _ in 0..downs {
            t.keys(&["Down"]);
        }
        t.keys(&["Enter"]);
        t.wait_for("Fix:");
        t.keys(&["i"]);
        t.wait_for("Opened here")
    };
    // client-expired, then client-missing-intermediate (the lab's list order).
    run(4);
    run(13);
    // As the handshake said: no trusted CA issued it (its intermediate was not sent).
    let screen = t.wait_for("Chain: no trusted CA issued");
    assert!(!screen.contains("a signature does not"), "{screen}");
    // And the earlier run's expired client is gone from the list.
    assert!(!screen.contains("expired"), "{screen}");
}
