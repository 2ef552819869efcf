#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The shape of the code, as ARCHITECTURE.md draws it, checked from what cargo and the sources
//! say: the crates and their order, which of them may reach the terminal or the network stack,
//! that the map names every crate, and that no code decides by comparing display text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

/// The workspace's packages, bottom to top: each may depend only on those before it.
const LAYERS: &[&[&str]] = &[
    &["certbench-base"],
    &["certbench-wire"],
    &["certbench-cause"],
    &["certbench-x509"],
    &["certbench-pki"],
    &["certbench-tls"],
    &["certbench-lab"],
    &["certbench-page"],
    &["certbench-fuzzing", "certbench-tui"],
    &["certbench"],
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo metadata` for this machine's platform (other platforms' crates need not be on disk),
/// read once for all the tests here.
fn metadata() -> &'static Value {
    static METADATA: OnceLock<Value> = OnceLock::new();
    METADATA.get_or_init(|| {
        let version = Command::new(env!("CARGO"))
            .arg("-vV")
            .output()
            .expect("cargo runs");
        let version = String::from_utf8_lossy(&version.stdout);
        let host = version
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .expect("cargo -vV names the host");
        let out = Command::new(env!("CARGO"))
            .args(["metadata", "--format-version", "1", "--locked", "--offline"])
            .args(["--filter-platform", host])
            .current_dir(root())
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    })
}

fn layer(name: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&name))
}

/// Package id → name, and each package's normal (not dev, not build) dependencies by id.
struct Graph {
    names: BTreeMap<String, String>,
    normal: BTreeMap<String, Vec<String>>,
    members: Vec<String>,
}

fn graph() -> Graph {
    let m = metadata();
    let names = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let normal = m["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap().to_string())
                .collect();
            (n["id"].as_str().unwrap().to_string(), deps)
        })
        .collect();
    let members = m["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    Graph {
        names,
        normal,
        members,
    }
}

impl Graph {
    fn name(&self, id: &str) -> &str {
        &self.names[id]
    }

    fn id(&self, name: &str) -> &str {
        self.members
            .iter()
            .find(|id| self.name(id) == name)
            .unwrap_or_else(|| panic!("no workspace member {name}"))
    }

    /// Every package `id` depends on for its normal build, directly or not.
    fn reach(&self, id: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![id.to_string()];
        while let Some(i) = todo.pop() {
            for d in &self.normal[&i] {
                if seen.insert(self.name(d).to_string()) {
                    todo.push(d.clone());
                }
            }
        }
        seen
    }
}

#[test]
fn the_crates_are_the_ones_the_map_draws_and_depend_only_downward() {
    let g = graph();
    let members: BTreeSet<&str> = g.members.iter().map(|id| g.name(id)).collect();
    let drawn: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    assert_eq!(
        members, drawn,
        "the workspace's crates differ from the layers here and in ARCHITECTURE.md"
    );
    for id in &g.members {
        let name = g.name(id);
        let own = layer(name).unwrap();
        for dep in &g.normal[id] {
            let dep_name = g.name(dep);
            if let Some(l) = layer(dep_name) {
                assert!(
                    l < own,
                    "{name} depends on {dep_name}, which is not below it (ARCHITECTURE.md)"
                );
            }
        }
    }
}

#[test]
fn only_the_tui_and_the_binary_reach_the_terminal() {
    let g = graph();
    for id in &g.members {
        let name = g.name(id);
        let reach = g.reach(id);
        let terminal: Vec<&String> = reach
            .iter()
            .filter(|d| *d == "ratatui" || *d == "crossterm")
            .collect();
        if name != "certbench-tui" && name != "certbench" {
            assert!(
                terminal.is_empty(),
                "{name} depends on {terminal:?}: only the TUI and the binary may"
            );
        }
    }
}

#[test]
fn the_wire_crate_has_no_runtime_no_tls_library_and_no_sockets() {
    let g = graph();
    let reach = g.reach(g.id("certbench-wire"));
    for banned in [
        "tokio",
        "mio",
        "rustls",
        "tokio-rustls",
        "hyper",
        "ratatui",
        "crossterm",
    ] {
        assert!(
            !reach.contains(banned),
            "certbench-wire depends on {banned}: it must read bytes only (ARCHITECTURE.md)"
        );
    }
}

#[test]
fn the_map_names_every_crate_and_where_it_lives() {
    let map = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let g = graph();
    for id in &g.members {
        let name = g.name(id);
        assert!(map.contains(name), "ARCHITECTURE.md does not name {name}");
        if let Some(dir) = name.strip_prefix("certbench-") {
            assert!(
                map.contains(&format!("crates/{dir}")),
                "ARCHITECTURE.md does not say where {name} lives (crates/{dir})"
            );
            assert!(
                root().join("crates").join(dir).join("Cargo.toml").is_file(),
                "{name} is not in crates/{dir}"
            );
        }
    }
}

/// The code outside tests (`tests/`, `tests.rs`, `snapshots.rs`), each file with its test module
/// cut off: tests check the sentences a person reads, as they should.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "tests" && name != "snapshots" {
                    walk(&path, out);
                }
            } else if name.ends_with(".rs") && name != "snapshots.rs" && name != "tests.rs" {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = match text.find("#[cfg(test)]\nmod tests {") {
                    Some(at) => text[..at].to_string(),
                    None => text,
                };
                out.push((path, code));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("crates"), &mut out);
    walk(&root().join("src"), &mut out);
    out
}

/// Words are for people: code decides on typed values (an enum, an OID, a number), never by
/// comparing the text a person reads. The report's key usages, purposes, algorithms and a
/// message's type are typed, so the compiler refuses most such comparisons; this catches the
/// rest: a comparison with a literal that reads as words (a space, a CamelCase name such as
/// "ClientHello", a glyph, "unknown"), or one made through `to_string()`. PEM labels (RFC 7468:
/// capitals and spaces, compared as a `label`) are data.
#[test]
fn no_decision_compares_display_text() {
    let reads_as_words = |lit: &str| {
        let camel = lit.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && lit.chars().any(|c| c.is_ascii_lowercase());
        lit.contains(' ') || camel || !lit.is_ascii() || lit == "unknown"
    };
    let pem_label = |before: &str, lit: &str| {
        before.trim_end().ends_with("label ==") || before.trim_end().ends_with("label !=")
    } && lit.chars().all(|c| c.is_ascii_uppercase() || c == ' ');
    let compares_words = |l: &str| {
        let parts: Vec<&str> = l.split('"').collect();
        parts.iter().enumerate().any(|(i, lit)| {
            if i % 2 == 0 {
                return false;
            }
            let before = parts[i - 1].trim_end();
            let before = before.strip_suffix("Some(").unwrap_or(before).trim_end();
            let after = parts.get(i + 1).map_or("", |a| a.trim_start());
            let compared = before.ends_with("==")
                || before.ends_with("!=")
                || after.starts_with("==")
                || after.starts_with("!=")
                || before.ends_with(".contains(")
                || before.ends_with(".starts_with(")
                || before.ends_with(".ends_with(");
            compared && reads_as_words(lit) && !pem_label(parts[i - 1], lit)
        })
    };
    let mut found = Vec::new();
    for (path, code) in sources() {
        for (n, line) in code.lines().enumerate() {
            let l = line.trim();
            if l.starts_with("//") || l.starts_with("assert") {
                continue;
            }
            let through_text = l.contains(".to_string() ==") || l.contains(".to_string() !=");
            if through_text || compares_words(l) {
                found.push(format!("{}:{}: {l}", path.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "decisions taken on display text (compare typed values instead):\n{}",
        found.join("\n")
    );
}
