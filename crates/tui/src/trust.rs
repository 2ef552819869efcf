//! The Trust dialog's work, on a blocking thread: the machine's trust stores read for the
//! workspace's roots, and an install or uninstall run (as `certbench trust`, with sudo never
//! asking for a password: the TUI holds the terminal).

use std::path::Path;

use certbench_lab::trusted;
use certbench_pki::trust::{self, Anchor, Record, Selection};
use certbench_pki::workspace::Workspace;
use certbench_x509::Role;
use time::OffsetDateTime;

use crate::action::TrustInfo;

/// The workspace's root CAs as trust anchors.
fn roots(dir: &Path) -> Result<Vec<Anchor>, String> {
    let ws = Workspace::open(dir).map_err(|e| e.to_string())?;
    ws.entities()
        .iter()
        .filter(|e| e.role == Role::Ca)
        .map(|e| Anchor::read(&ws.path(&e.cert), &e.name).map_err(|e| e.to_string()))
        .collect()
}

fn record() -> Result<(std::path::PathBuf, std::path::PathBuf, Record), String> {
    let (home, data) = trust::folders().ok_or("no home folder (HOME is not set)")?;
    let record = Record::load(&data).map_err(|e| e.to_string())?;
    Ok((home, data, record))
}

/// Where each root is, and what an install would do.
pub fn read(dir: &Path) -> Result<TrustInfo, String> {
    let anchors = roots(dir)?;
    let (home, data, record) = record()?;
    let found = trust::find(&home, Selection::All);
    let status = trust::status(&found, &anchors, &record);
    let mut lines = trusted::status_lines(&status);
    // Here sudo may not ask for a password: stores that would need one are left to the CLI.
    let (found, asking) = found.without_password();
    for p in &asking {
        lines.push(format!("  {}", trusted::passed(p)));
    }
    let plan = trust::plan_install(&found, Selection::All, &anchors, &record, &data)
        .map_err(|e| e.to_string())?;
    let installed = record
        .installed
        .iter()
        .any(|i| anchors.iter().any(|a| a.sha256 == i.sha256));
    Ok(TrustInfo {
        lines,
        would_install: plan
            .changes
            .iter()
            .map(|c| trusted::change(c, false))
            .collect(),
        warning: trusted::warning(&plan, "an uninstall (u in this window)"),
        installed,
    })
}

/// Install the roots into every store found, or take out what certbench installed of them.
pub fn change(dir: &Path, install: bool, now: OffsetDateTime) -> Result<Vec<String>, String> {
    let anchors = roots(dir)?;
    let (home, data, record) = record()?;
    let (found, _) = trust::find(&home, Selection::All).without_password();
    let plan = if install {
        trust::plan_install(&found, Selection::All, &anchors, &record, &data)
    } else {
        let which = |i: &trust::Installed| {
            anchors
                .iter()
                .any(|a| a.sha256 == i.sha256 || a.from == i.from)
        };
        trust::plan_uninstall(&found, Selection::All, &record, &which, &data)
    }
    .map_err(|e| e.to_string())?;
    match trust::execute(&plan, &data, now, false) {
        Ok(done) if done.changed.is_empty() => Ok(vec!["Nothing was changed.".into()]),
        Ok(done) => Ok(done
            .changed
            .iter()
            .map(|c| trusted::change(c, true))
            .collect()),
        Err(undone) => Err(if undone.left.is_empty() {
            format!("{} Everything done was undone.", undone.error)
        } else {
            format!("{} Not undone: {}.", undone.error, undone.left.join(", "))
        }),
    }
}
