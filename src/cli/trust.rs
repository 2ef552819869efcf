//! `certbench trust install|uninstall|status`: the workspace's root CAs (or a CA file) in the
//! machine's trust stores (the system's, the NSS databases of Chromium and Firefox, the JDK's
//! cacerts), through the stores' own tools; what was installed is recorded in the data folder.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbench_lab::trusted;
use certbench_pki::trust::{self, Absent, Anchor, Record, Selection, StoreKind, TrustError};
use certbench_pki::workspace::Workspace;
use certbench_x509::Role;
use clap::{Args, Subcommand};

use crate::cli::out::{errln, outln};

#[derive(Debug, Args)]
pub struct TrustArgs {
    #[command(subcommand)]
    pub action: TrustAction,
}

#[derive(Debug, Subcommand)]
pub enum TrustAction {
    /// Put the root CA into the stores: after this, curl, browsers, Java, Go and Python on this
    /// machine accept what it signs without being told about it. Asks first (--yes to say yes).
    Install(Install),
    /// Take out what `trust install` put in, and nothing else.
    Uninstall(Uninstall),
    /// In which stores each root of the workspace is, and is not (read from the stores).
    Status(Status),
}

#[derive(Debug, Args)]
pub struct Which {
    /// A CA of the workspace by name, or a CA certificate's file (PEM or DER); default: every
    /// root CA of the workspace.
    pub cert: Option<String>,
    /// Which stores: system, nss, java or all (every one this machine has).
    #[arg(long, default_value = "all", value_parser = parse_selection)]
    pub store: Selection,
}

#[derive(Debug, Args)]
pub struct Install {
    #[command(flatten)]
    pub which: Which,
    /// Print the commands it would run (as a shell script), and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Install without asking: it changes what the whole machine trusts.
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct Uninstall {
    #[command(flatten)]
    pub which: Which,
    /// Everything certbench ever installed here, not only this workspace's roots.
    #[arg(long, conflicts_with = "cert")]
    pub all: bool,
    /// Print the commands it would run, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct Status {
    #[command(flatten)]
    pub which: Which,
    /// One JSON object: every root with every store, what certbench installed of other roots,
    /// and the stores this machine lacks.
    #[arg(long)]
    pub json: bool,
}

fn parse_selection(s: &str) -> Result<Selection, certbench_base::text::NotAChoice> {
    s.parse()
}

/// The home folder NSS databases are under, and the data folder the record is in.
fn folders() -> Result<(PathBuf, PathBuf), ExitCode> {
    match trust::folders() {
        Some(f) => Ok(f),
        None => {
            errln!(
                "certbench: no home folder (HOME is not set): it holds the record of what was installed"
            );
            Err(ExitCode::FAILURE)
        }
    }
}

pub fn run(a: TrustArgs, dir: &Path) -> ExitCode {
    let (home, data) = match folders() {
        Ok(f) => f,
        Err(code) => return code,
    };
    let record = match Record::load(&data) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    match a.action {
        TrustAction::Install(i) => install(i, dir, &home, &data, &record),
        TrustAction::Uninstall(u) => uninstall(u, dir, &home, &data, &record),
        TrustAction::Status(s) => status(s, dir, &home, &record),
    }
}

fn fail(e: &TrustError) -> ExitCode {
    errln!("certbench: {e}");
    if let TrustError::Absent {
        store: StoreKind::System,
        why: Absent::UnsupportedSystem,
    } = e
    {
        errln!("{}", trusted::manual(Path::new("ROOT.crt")));
    }
    ExitCode::FAILURE
}

/// The roots a command is about: the one named or given, or every root CA of the workspace.
fn anchors(cert: Option<&str>, dir: &Path) -> Result<Vec<Anchor>, ExitCode> {
    let ws = Workspace::open(dir).map_err(|e| {
        errln!("certbench: {e}");
        ExitCode::FAILURE
    })?;
    let read = |path: &Path, label: &str| {
        Anchor::read(path, label).map_err(|e| {
            errln!("certbench: {e}");
            ExitCode::FAILURE
        })
    };
    match cert {
        Some(c) => match ws.entity(c) {
            Some(e) if e.role.is_ca() => Ok(vec![read(&absolute(ws.path(&e.cert)), &e.name)?]),
            Some(e) => {
                errln!(
                    "certbench: {} is a {} certificate: only a CA can be a trust anchor",
                    e.name,
                    e.role.title()
                );
                Err(ExitCode::FAILURE)
            }
            None => {
                let path = PathBuf::from(c);
                if !path.exists() {
                    errln!(
                        "certbench: no certificate of the workspace is called \"{}\", and there is no file {}",
                        certbench_base::text::display_safe(c, 80),
                        path.display()
                    );
                    return Err(ExitCode::FAILURE);
                }
                let label = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // Recorded as an absolute path: uninstall may run from another folder.
                let path = std::fs::canonicalize(&path).unwrap_or(path);
                Ok(vec![read(&path, &label)?])
            }
        },
        None => {
            let roots: Vec<Anchor> = ws
                .entities()
                .iter()
                .filter(|e| e.role == Role::Ca)
                .map(|e| read(&absolute(ws.path(&e.cert)), &e.name))
                .collect::<Result<_, _>>()?;
            if roots.is_empty() {
                errln!(
                    "certbench: the workspace {} has no root CA: make one with `certbench gen`, or name a CA certificate's file (`certbench trust uninstall --all` takes out everything certbench installed, whatever the workspace)",
                    dir.display()
                );
                return Err(ExitCode::FAILURE);
            }
            Ok(roots)
        }
    }
}

/// A path as recorded: absolute, so that an uninstall from another folder finds it.
fn absolute(p: PathBuf) -> PathBuf {
    std::fs::canonicalize(&p).unwrap_or(p)
}

fn install(i: Install, dir: &Path, home: &Path, data: &Path, record: &Record) -> ExitCode {
    let anchors = match anchors(i.which.cert.as_deref(), dir) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let found = trust::find(home, i.which.store);
    let plan = match trust::plan_install(&found, i.which.store, &anchors, record, data) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    if i.dry_run {
        return dry_run(&plan);
    }
    for p in &plan.passed {
        outln!("{}", trusted::passed(p));
    }
    if plan.changes.is_empty() {
        outln!("Nothing to install.");
        return ExitCode::SUCCESS;
    }
    outln!("{}", trusted::warning(&plan, "`certbench trust uninstall`"));
    for c in &plan.changes {
        outln!("  {}", trusted::change(c, false));
    }
    if !i.yes {
        match confirm() {
            Some(true) => {}
            Some(false) => {
                outln!("Nothing was changed.");
                return ExitCode::FAILURE;
            }
            None => {
                errln!(
                    "certbench: not installed: say --yes to install without a question (it changes what the whole machine trusts)"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    execute(&plan, data)
}

/// Ask on the terminal; `None` when there is no terminal to ask on.
fn confirm() -> Option<bool> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let mut stdout = crate::cli::out::Stdout::new();
    let _ = write!(stdout.raw(), "Install? [y/N] ");
    let _ = stdout.raw().flush();
    stdout.finish();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn uninstall(u: Uninstall, dir: &Path, home: &Path, data: &Path, record: &Record) -> ExitCode {
    // The roots asked about, and the files they are in: a root renewed since it was installed
    // (another certificate in the same file) is taken out too.
    let wanted: Option<Vec<Anchor>> = if u.all {
        None
    } else {
        match anchors(u.which.cert.as_deref(), dir) {
            Ok(a) => Some(a),
            Err(code) => return code,
        }
    };
    let found = trust::find(home, u.which.store);
    let which = |i: &trust::Installed| {
        wanted
            .as_ref()
            .is_none_or(|w| w.iter().any(|a| a.sha256 == i.sha256 || a.from == i.from))
    };
    let plan = match trust::plan_uninstall(&found, u.which.store, record, &which, data) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    if u.dry_run {
        return dry_run(&plan);
    }
    for p in &plan.passed {
        outln!("{}", trusted::passed(p));
    }
    if plan.is_empty() {
        outln!("Nothing that certbench installed is there to take out.");
        return ExitCode::SUCCESS;
    }
    execute(&plan, data)
}

fn execute(plan: &trust::Plan, data: &Path) -> ExitCode {
    let now = time::OffsetDateTime::now_utc();
    match trust::execute(plan, data, now, true) {
        Ok(done) => {
            for c in &done.changed {
                outln!("{}", trusted::change(c, true));
            }
            ExitCode::SUCCESS
        }
        Err(undone) => {
            errln!("certbench: {}", undone.error);
            if undone.left.is_empty() {
                errln!("Everything it had done was undone: the stores are as they were.");
            } else {
                errln!(
                    "It could not undo its change of: {} (see `certbench trust status`).",
                    undone.left.join(", ")
                );
            }
            ExitCode::FAILURE
        }
    }
}

/// The plan as a shell script: the commands, with what is left alone as comments.
fn dry_run(plan: &trust::Plan) -> ExitCode {
    // A script that does what certbench would, run as it is (without the checks and the
    // record certbench keeps).
    outln!("#!/bin/sh\nset -e");
    for p in &plan.passed {
        outln!("# {}", trusted::passed(p));
    }
    for c in &plan.changes {
        outln!("# {}", trusted::change(c, false));
        if c.direction == trust::Direction::Install {
            // The copy of the root the tools read, as certbench writes it.
            if let Some(dir) = c.source.parent() {
                outln!("mkdir -p {}", certbench_base::text::shell_word(dir));
            }
            outln!(
                "cat > {} <<'CERTBENCH_ROOT'\n{}CERTBENCH_ROOT",
                certbench_base::text::shell_word(&c.source),
                c.pem()
            );
        }
        for cmd in &c.commands {
            outln!("{}", cmd.shell());
        }
    }
    ExitCode::SUCCESS
}

fn status(s: Status, dir: &Path, home: &Path, record: &Record) -> ExitCode {
    let anchors = match anchors(s.which.cert.as_deref(), dir) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let found = trust::find(home, s.which.store);
    let st = trust::status(&found, &anchors, record);
    if s.json {
        return match serde_json::to_string_pretty(&st) {
            Ok(j) => {
                outln!("{j}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                errln!("certbench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    for line in trusted::status_lines(&st) {
        outln!("{line}");
    }
    ExitCode::SUCCESS
}
