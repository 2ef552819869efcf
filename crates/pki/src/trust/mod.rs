//! Putting a root CA where clients look: the system's store (Debian's `update-ca-certificates`,
//! Fedora's `update-ca-trust`), the NSS databases of Chromium and Firefox (`certutil`), and the
//! JDK's `cacerts` (`keytool`).
//!
//! Every change is planned first as the commands a person would type ([`Plan`]), so a dry run
//! shows exactly what would run, with `sudo` where this user cannot write the store. Running a
//! plan ([`execute`]) checks afterwards that each store really holds (or no longer holds) the
//! root, and undoes everything it did when any step fails: never half an install. What it
//! installed is written to a record ([`Record`], `trust.toml` in the data folder), so that
//! `uninstall` removes exactly that, and only while the store still holds the very certificate
//! installed under that name.

mod stores;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use certbench_base::fsutil::{self, DirLock, FileWrite, FsError};
use certbench_base::text::display_safe;
pub use stores::{Store, SystemFlavor, is_root, which};

/// The record of what certbench installed, in the data folder.
pub const RECORD_FILE: &str = "trust.toml";

/// The user's home (NSS databases are under it) and the data folder the record is kept in
/// (`~/.local/share/certbench` on Linux); `None` without a home.
pub fn folders() -> Option<(PathBuf, PathBuf)> {
    let home = directories::BaseDirs::new()?.home_dir().to_path_buf();
    let data = directories::ProjectDirs::from("", "", "certbench")?
        .data_dir()
        .to_path_buf();
    Some((home, data))
}

/// A kind of trust store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    System,
    Nss,
    Java,
}

impl StoreKind {
    pub const ALL: [StoreKind; 3] = [StoreKind::System, StoreKind::Nss, StoreKind::Java];

    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::System => "system",
            StoreKind::Nss => "nss",
            StoreKind::Java => "java",
        }
    }
}

/// Which stores a command is for: one kind, or every kind this machine has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    One(StoreKind),
    All,
}

impl Selection {
    pub fn kinds(self) -> Vec<StoreKind> {
        match self {
            Selection::One(k) => vec![k],
            Selection::All => StoreKind::ALL.to_vec(),
        }
    }
}

impl std::str::FromStr for Selection {
    type Err = certbench_base::text::NotAChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Selection::All),
            _ => StoreKind::ALL
                .into_iter()
                .find(|k| k.as_str() == s)
                .map(Selection::One)
                .ok_or_else(|| certbench_base::text::NotAChoice {
                    given: display_safe(s, 40),
                    what: "a store",
                    takes: "system, nss, java or all".into(),
                }),
        }
    }
}

/// Why a store is not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Absent {
    /// Neither Debian's nor Fedora's tool and folder: the steps are the user's.
    UnsupportedSystem,
    ToolMissing {
        tool: &'static str,
        package: &'static str,
    },
    /// certutil is here, but no browser's database.
    NoNssDatabase,
    /// keytool is here, but its JDK has no `lib/security/cacerts`.
    NoJavaStore,
}

impl std::fmt::Display for Absent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Absent::UnsupportedSystem => write!(
                f,
                "this system has neither update-ca-certificates (Debian, Ubuntu) nor update-ca-trust (Fedora, RHEL)"
            ),
            Absent::ToolMissing { tool, package } => {
                write!(f, "{tool} is not installed (Debian package {package})")
            }
            Absent::NoNssDatabase => write!(
                f,
                "no NSS database (cert9.db) in ~/.pki/nssdb or a Firefox profile: open Chromium or Firefox once, or make one with `certutil -N -d sql:$HOME/.pki/nssdb --empty-password`"
            ),
            Absent::NoJavaStore => write!(f, "keytool's JDK has no lib/security/cacerts"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("no {} trust store: {why}", store.as_str())]
    Absent { store: StoreKind, why: Absent },
    #[error(
        "changing the {} store ({}) needs root, and there is no sudo: run certbench as root",
        store.as_str(), place.display()
    )]
    NeedRoot { store: StoreKind, place: PathBuf },
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{} holds no certificate", path.display())]
    NotACertificate { path: PathBuf },
    #[error("{} is not a CA certificate ({subject}): only a CA can be a trust anchor", path.display())]
    NotACa { path: PathBuf, subject: String },
    #[error("{command} failed: {reason}")]
    Tool { command: String, reason: String },
    #[error("the record of what certbench installed, {}, cannot be read: {reason} (fix or remove it; nothing was changed)", path.display())]
    Record { path: PathBuf, reason: String },
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// A root to put into stores: a CA certificate from a file.
#[derive(Debug, Clone, Serialize)]
pub struct Anchor {
    /// The workspace's name for it, or the file's stem.
    pub label: String,
    pub from: PathBuf,
    #[serde(skip)]
    pub der: Vec<u8>,
    pub subject: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Whether `from` is a PEM file of this certificate alone (the stores' tools can read it as
    /// it is); otherwise one is written for them.
    #[serde(skip)]
    pem_alone: bool,
}

impl Anchor {
    /// The first certificate in `path` (PEM or DER), which must be a CA's.
    pub fn read(path: &Path, label: &str) -> Result<Anchor, TrustError> {
        let bytes = std::fs::read(path).map_err(|e| TrustError::Read {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let pems = stores::pem_certificates(&bytes);
        let der = match pems.first() {
            Some(d) => d.clone(),
            None => bytes.clone(),
        };
        let summary = certbench_x509::summarize(&der)
            .map_err(|_| TrustError::NotACertificate { path: path.into() })?;
        if !matches!(summary.basic_constraints, Some((true, _))) {
            return Err(TrustError::NotACa {
                path: path.into(),
                subject: display_safe(&summary.subject, 200),
            });
        }
        Ok(Anchor {
            label: label.to_string(),
            from: path.into(),
            sha256: hex(&sha256(&der)),
            subject: summary.subject,
            not_after: summary.not_after,
            pem_alone: pems.len() == 1,
            der,
        })
    }

    /// The name it has in every store: a file name, a nickname, an alias. Made of the label and
    /// the fingerprint, so two roots never share one and certbench's entries are told apart.
    pub fn store_name(&self) -> String {
        let mut slug = String::new();
        for c in self.label.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
            if slug.len() >= 32 {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        let slug = if slug.is_empty() { "ca" } else { slug };
        format!("certbench-{slug}-{}", &self.sha256[..12])
    }

    fn pem(&self) -> String {
        certbench_base::text::pem("CERTIFICATE", &self.der)
    }
}

fn sha256(der: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der)
        .as_ref()
        .to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// One command of a plan, run as it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cmd {
    pub argv: Vec<String>,
    /// Run through `sudo`: this user cannot write the store.
    pub sudo: bool,
}

impl Cmd {
    fn new<const N: usize>(argv: [String; N]) -> Cmd {
        Cmd {
            argv: argv.to_vec(),
            sudo: false,
        }
    }

    /// The command as a shell would take it.
    pub fn shell(&self) -> String {
        let mut words: Vec<String> = Vec::new();
        if self.sudo {
            words.push("sudo".into());
        }
        words.extend(
            self.argv
                .iter()
                .map(|w| certbench_base::text::shell_word(Path::new(w))),
        );
        words.join(" ")
    }

    /// Run it; `sudo` asks for a password only when `may_ask` (a terminal the user reads; the
    /// TUI holds the terminal, so there sudo must not ask: `-n`).
    fn run(&self, may_ask: bool) -> Result<(), TrustError> {
        let mut cmd = if self.sudo {
            let mut c = Command::new("sudo");
            if !may_ask {
                c.arg("-n");
            }
            c.args(&self.argv);
            c
        } else {
            match self.argv.split_first() {
                Some((p, rest)) => {
                    let mut c = Command::new(p);
                    c.args(rest);
                    c
                }
                None => return Ok(()),
            }
        };
        let out = cmd
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| TrustError::Tool {
                command: self.shell(),
                reason: e.to_string(),
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(TrustError::Tool {
                command: self.shell(),
                reason: last_words(&out.stderr, &out.stdout),
            })
        }
    }
}

/// The last lines a failed tool said, made safe to show.
fn last_words(stderr: &[u8], stdout: &[u8]) -> String {
    let text = if stderr.iter().any(|b| !b.is_ascii_whitespace()) {
        stderr
    } else {
        stdout
    };
    let text = String::from_utf8_lossy(text);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
    display_safe(tail.trim(), 400)
}

/// Install or uninstall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Install,
    Uninstall,
}

/// One store changed for one root.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub direction: Direction,
    pub store: StoreKind,
    pub place: PathBuf,
    /// The name the root has there.
    pub name: String,
    pub subject: String,
    pub sha256: String,
    pub commands: Vec<Cmd>,
    #[serde(skip)]
    target: Store,
    #[serde(skip)]
    der: Vec<u8>,
    /// A PEM file written for the tools before the commands run.
    #[serde(skip)]
    source: Option<(PathBuf, String)>,
    #[serde(skip)]
    from: PathBuf,
}

/// A root and a store the plan leaves alone, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Passed {
    pub store: StoreKind,
    pub place: PathBuf,
    pub subject: String,
    pub why: PassedWhy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PassedWhy {
    /// Already there (under `name`, where the store names entries); `ours` if certbench put it.
    AlreadyThere { name: Option<String>, ours: bool },
    /// The store no longer holds what certbench installed: the record's entry is dropped.
    Gone,
    /// The name certbench used now holds another certificate: left alone, entry dropped.
    Replaced { name: String },
    /// The store itself is no longer on this machine: entry dropped if its place is gone.
    StoreGone { why: Absent },
    /// This machine does not have this kind of store (with `--store all`).
    Absent { why: Absent },
}

/// What a command will do, before it does it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub passed: Vec<Passed>,
    /// Record entries to drop whatever happens (the store no longer has them).
    #[serde(skip)]
    forget: Vec<Installed>,
}

impl Plan {
    /// Whether running it changes anything on this machine.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.forget.is_empty()
    }
}

/// The stores this machine has, for the kinds asked.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub stores: Vec<Store>,
    pub absent: Vec<(StoreKind, Absent)>,
}

/// Look for the stores of `selection` (NSS databases under `home`).
pub fn find(home: &Path, selection: Selection) -> Found {
    let mut found = Found::default();
    for kind in selection.kinds() {
        let got = match kind {
            StoreKind::System => stores::find_system().map(|s| vec![s]),
            StoreKind::Nss => stores::find_nss(home),
            StoreKind::Java => stores::find_java().map(|s| vec![s]),
        };
        match got {
            Ok(s) => found.stores.extend(s),
            Err(why) => found.absent.push((kind, why)),
        }
    }
    found
}

impl Found {
    /// With one store asked for by name, its absence stops everything; with all, it is passed.
    fn required(&self, selection: Selection) -> Result<Vec<Passed>, TrustError> {
        let mut passed = Vec::new();
        for (kind, why) in &self.absent {
            if selection == Selection::One(*kind) {
                return Err(TrustError::Absent {
                    store: *kind,
                    why: why.clone(),
                });
            }
            passed.push(Passed {
                store: *kind,
                place: PathBuf::new(),
                subject: String::new(),
                why: PassedWhy::Absent { why: why.clone() },
            });
        }
        Ok(passed)
    }
}

fn privileged(store: &Store, mut cmds: Vec<Cmd>) -> Result<Vec<Cmd>, TrustError> {
    if store.needs_root() {
        if which("sudo").is_none() {
            return Err(TrustError::NeedRoot {
                store: store.kind(),
                place: store.place().into(),
            });
        }
        for c in &mut cmds {
            c.sudo = true;
        }
    }
    Ok(cmds)
}

/// What installing `anchors` into the stores found would do. Nothing is changed.
pub fn plan_install(
    found: &Found,
    selection: Selection,
    anchors: &[Anchor],
    record: &Record,
) -> Result<Plan, TrustError> {
    let mut plan = Plan {
        passed: found.required(selection)?,
        ..Plan::default()
    };
    let temp = std::env::temp_dir().join(format!("certbench-trust-{}", std::process::id()));
    for store in &found.stores {
        let contents = store.contents()?;
        for a in anchors {
            if let Some(name) = a.found_in(&contents) {
                let ours = record.installed.iter().any(|i| {
                    i.store == store.kind() && i.place == store.place() && i.sha256 == a.sha256
                });
                plan.passed.push(Passed {
                    store: store.kind(),
                    place: store.place().into(),
                    subject: a.subject.clone(),
                    why: PassedWhy::AlreadyThere {
                        name: name.clone(),
                        ours,
                    },
                });
                continue;
            }
            let name = a.store_name();
            let (source, written) = if a.pem_alone {
                (a.from.clone(), None)
            } else {
                let p = temp.join(format!("{name}.crt"));
                (p.clone(), Some((p, a.pem())))
            };
            plan.changes.push(Change {
                direction: Direction::Install,
                store: store.kind(),
                place: store.place().into(),
                subject: a.subject.clone(),
                sha256: a.sha256.clone(),
                commands: privileged(store, store.add(&name, &source))?,
                name,
                target: store.clone(),
                der: a.der.clone(),
                source: written,
                from: a.from.clone(),
            });
        }
    }
    Ok(plan)
}

/// What removing the record's entries that `which` picks would do: only what certbench
/// installed, and only while the store holds that very certificate under that name.
pub fn plan_uninstall(
    found: &Found,
    selection: Selection,
    record: &Record,
    which: &dyn Fn(&Installed) -> bool,
) -> Result<Plan, TrustError> {
    let mut plan = Plan {
        passed: found.required(selection)?,
        ..Plan::default()
    };
    let kinds = selection.kinds();
    let mut contents: Vec<(usize, Vec<stores::Entry>)> = Vec::new();
    for entry in record.installed.iter().filter(|i| which(i)) {
        if !kinds.contains(&entry.store) {
            continue;
        }
        let passed = |why| Passed {
            store: entry.store,
            place: entry.place.clone(),
            subject: entry.subject.clone(),
            why,
        };
        let Some(index) = found
            .stores
            .iter()
            .position(|s| s.kind() == entry.store && s.place() == entry.place)
        else {
            let why = found
                .absent
                .iter()
                .find(|(k, _)| *k == entry.store)
                .map(|(_, w)| w.clone())
                .unwrap_or(Absent::NoNssDatabase);
            if !entry.place.exists() {
                plan.forget.push(entry.clone());
            }
            plan.passed.push(passed(PassedWhy::StoreGone { why }));
            continue;
        };
        let store = &found.stores[index];
        if !contents.iter().any(|(i, _)| *i == index) {
            contents.push((index, store.contents()?));
        }
        let held = &contents
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, c)| c.as_slice())
            .unwrap_or_default();
        // What is under the name now: the system store by its file, the others by name.
        let under_name: Option<Vec<u8>> = match store {
            Store::System { .. } => std::fs::read(store.entry_path(&entry.name))
                .ok()
                .and_then(|b| stores::pem_certificates(&b).into_iter().next()),
            _ => held
                .iter()
                .find(|(n, _)| n.as_deref() == Some(entry.name.as_str()))
                .map(|(_, d)| d.clone()),
        };
        let der = match under_name {
            None => {
                plan.forget.push(entry.clone());
                plan.passed.push(passed(PassedWhy::Gone));
                continue;
            }
            Some(d) if hex(&sha256(&d)) != entry.sha256 => {
                plan.forget.push(entry.clone());
                plan.passed.push(passed(PassedWhy::Replaced {
                    name: entry.name.clone(),
                }));
                continue;
            }
            Some(d) => d,
        };
        plan.changes.push(Change {
            direction: Direction::Uninstall,
            store: entry.store,
            place: entry.place.clone(),
            name: entry.name.clone(),
            subject: entry.subject.clone(),
            sha256: entry.sha256.clone(),
            commands: privileged(store, store.remove(&entry.name))?,
            target: store.clone(),
            der,
            source: None,
            from: entry.from.clone(),
        });
    }
    Ok(plan)
}

/// What certbench installed: one entry per root and store.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Record {
    #[serde(default)]
    pub installed: Vec<Installed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Installed {
    pub store: StoreKind,
    /// The store: the system's anchors folder, the NSS database, the cacerts file.
    pub place: PathBuf,
    /// Its name there (a file stem, a nickname, an alias).
    pub name: String,
    pub sha256: String,
    pub subject: String,
    /// The file it was installed from.
    pub from: PathBuf,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Record {
    /// The record in `dir` (none yet is an empty record).
    pub fn load(dir: &Path) -> Result<Record, TrustError> {
        let path = dir.join(RECORD_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| TrustError::Record {
                path,
                reason: display_safe(e.message(), 200),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record::default()),
            Err(e) => Err(TrustError::Record {
                path,
                reason: e.to_string(),
            }),
        }
    }

    fn save(&self, dir: &Path) -> Result<(), TrustError> {
        let text = toml::to_string_pretty(self).map_err(|e| TrustError::Record {
            path: dir.join(RECORD_FILE),
            reason: e.to_string(),
        })?;
        fsutil::write_files(&[FileWrite::replaceable(dir.join(RECORD_FILE), text)], true)?;
        Ok(())
    }
}

/// What running a plan did.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub changed: Vec<Change>,
    pub forgotten: usize,
}

/// A plan that failed part way, and was undone.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Undone {
    pub error: TrustError,
    /// Whether every change made before the failure was taken back (else `left` says which not).
    pub left: Vec<String>,
}

/// Run `plan` under the data folder's lock, check every store afterwards, and write the record.
/// On any failure everything done is undone, in reverse. `may_ask`: sudo may ask for a password
/// on the terminal.
pub fn execute(
    plan: &Plan,
    data_dir: &Path,
    now: OffsetDateTime,
    may_ask: bool,
) -> Result<Done, Undone> {
    let undone = |error: TrustError| Undone {
        error,
        left: vec![],
    };
    std::fs::create_dir_all(data_dir)
        .map_err(|e| undone(FsError::io("make the folder", data_dir, e).into()))?;
    let lock = DirLock::acquire(data_dir, std::time::Duration::from_secs(30))
        .map_err(|e| undone(e.into()))?;
    let mut record = Record::load(data_dir).map_err(undone)?;
    let mut done: Vec<&Change> = Vec::new();
    let mut failure = None;
    for change in &plan.changes {
        match apply(change, may_ask) {
            Ok(()) => done.push(change),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    if failure.is_none() {
        record
            .installed
            .retain(|i| !plan.forget.contains(i) && !plan.changes.iter().any(|c| c.is(i)));
        for c in plan
            .changes
            .iter()
            .filter(|c| c.direction == Direction::Install)
        {
            record.installed.push(Installed {
                store: c.store,
                place: c.place.clone(),
                name: c.name.clone(),
                sha256: c.sha256.clone(),
                subject: c.subject.clone(),
                from: c.from.clone(),
                at: now,
            });
        }
        if let Err(e) = record.save(data_dir) {
            failure = Some(e);
        }
    }
    drop(lock);
    remove_sources(plan);
    match failure {
        None => Ok(Done {
            changed: plan.changes.clone(),
            forgotten: plan.forget.len(),
        }),
        Some(error) => {
            let mut left = Vec::new();
            for c in done.iter().rev() {
                if revert(c, may_ask).is_err() {
                    left.push(format!("{} {}", c.store.as_str(), c.place.display()));
                }
            }
            Err(Undone { error, left })
        }
    }
}

impl Change {
    fn is(&self, i: &Installed) -> bool {
        i.store == self.store && i.place == self.place && i.name == self.name
    }

    /// Whether the store holds this change's certificate now: for an install, under any name
    /// (clients find it); for an uninstall, under the name certbench gave it (another name, such
    /// as the alias Debian's hook gives a system root in Java's store, is not certbench's).
    fn holds(&self) -> Result<bool, TrustError> {
        match (self.direction, &self.target) {
            (Direction::Install, _) => Ok(self
                .target
                .contents()?
                .iter()
                .any(|(_, der)| der == &self.der)),
            (Direction::Uninstall, Store::System { .. }) => {
                Ok(self.target.entry_path(&self.name).exists())
            }
            (Direction::Uninstall, _) => Ok(self
                .target
                .contents()?
                .iter()
                .any(|(name, _)| name.as_deref() == Some(self.name.as_str()))),
        }
    }
}

fn apply(c: &Change, may_ask: bool) -> Result<(), TrustError> {
    if let Some((path, pem)) = &c.source {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| FsError::io("make the folder", dir, e))?;
        }
        fsutil::write_files(&[FileWrite::replaceable(path.clone(), pem.clone())], true)?;
    }
    let run = c.commands.iter().try_for_each(|cmd| cmd.run(may_ask));
    let wanted = c.direction == Direction::Install;
    let result = run.and_then(|()| match c.holds()? {
        held if held == wanted => Ok(()),
        _ => Err(TrustError::Tool {
            command: c.commands.last().map(Cmd::shell).unwrap_or_default(),
            reason: if wanted {
                "it ran, but the store does not hold the certificate afterwards".into()
            } else {
                "it ran, but the store still holds the certificate afterwards".into()
            },
        }),
    });
    if result.is_err() {
        // Whatever part of this change happened is taken back too.
        let _ = revert(c, may_ask);
    }
    result
}

/// Take a change back: remove what was installed, or install again what was removed.
fn revert(c: &Change, may_ask: bool) -> Result<(), TrustError> {
    match c.direction {
        // Made now, not when planned: what the install brought with it (Debian's Java alias)
        // exists only since it ran.
        Direction::Install => privileged(&c.target, c.target.remove(&c.name))?
            .iter()
            .try_for_each(|cmd| cmd.run(may_ask)),
        Direction::Uninstall => {
            let dir = std::env::temp_dir().join(format!("certbench-trust-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| FsError::io("make the folder", &dir, e))?;
            let path = dir.join(format!("{}.crt", c.name));
            let anchor = Anchor {
                label: c.name.clone(),
                from: path.clone(),
                der: c.der.clone(),
                subject: c.subject.clone(),
                sha256: c.sha256.clone(),
                not_after: OffsetDateTime::UNIX_EPOCH,
                pem_alone: true,
            };
            fsutil::write_files(&[FileWrite::replaceable(path.clone(), anchor.pem())], true)?;
            let cmds = privileged(&c.target, c.target.add(&c.name, &path))?;
            let r = cmds.iter().try_for_each(|cmd| cmd.run(may_ask));
            let _ = std::fs::remove_file(&path);
            r
        }
    }
}

fn remove_sources(plan: &Plan) {
    for c in &plan.changes {
        if let Some((path, _)) = &c.source {
            let _ = std::fs::remove_file(path);
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// Where a root is, store by store.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorStatus {
    pub anchor: Anchor,
    pub stores: Vec<InStore>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InStore {
    pub store: StoreKind,
    pub place: PathBuf,
    /// Whether the store holds the certificate.
    pub present: bool,
    /// Its name there, where the store names entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether certbench installed it (the record says so).
    pub by_certbench: bool,
}

/// The status of every anchor in every store found, and the record's entries for certificates
/// that are not among `anchors` (a root of an earlier set, still trusted).
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub anchors: Vec<AnchorStatus>,
    pub others: Vec<Installed>,
    pub absent: Vec<Missing>,
    /// Stores that could not be read.
    pub unreadable: Vec<Unreadable>,
}

/// A kind of store this machine does not have.
#[derive(Debug, Clone, Serialize)]
pub struct Missing {
    pub store: StoreKind,
    pub why: Absent,
}

/// A store that could not be read, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    pub store: StoreKind,
    pub place: PathBuf,
    pub reason: String,
}

/// Where each of `anchors` is now, read from the stores themselves.
pub fn status(found: &Found, anchors: &[Anchor], record: &Record) -> Status {
    let mut out = Status {
        anchors: anchors
            .iter()
            .map(|a| AnchorStatus {
                anchor: a.clone(),
                stores: vec![],
            })
            .collect(),
        others: record
            .installed
            .iter()
            .filter(|i| !anchors.iter().any(|a| a.sha256 == i.sha256))
            .cloned()
            .collect(),
        absent: found
            .absent
            .iter()
            .map(|(store, why)| Missing {
                store: *store,
                why: why.clone(),
            })
            .collect(),
        unreadable: vec![],
    };
    for store in &found.stores {
        let contents = match store.contents() {
            Ok(c) => c,
            Err(e) => {
                out.unreadable.push(Unreadable {
                    store: store.kind(),
                    place: store.place().into(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        for s in &mut out.anchors {
            let held = s.anchor.found_in(&contents);
            s.stores.push(InStore {
                store: store.kind(),
                place: store.place().into(),
                present: held.is_some(),
                name: held.cloned().flatten(),
                by_certbench: record.installed.iter().any(|i| {
                    i.store == store.kind()
                        && i.place == store.place()
                        && i.sha256 == s.anchor.sha256
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_names_are_plain_and_distinct() {
        let a = |label: &str, sha: &str| Anchor {
            label: label.into(),
            from: PathBuf::new(),
            der: vec![],
            subject: String::new(),
            sha256: sha.into(),
            not_after: OffsetDateTime::UNIX_EPOCH,
            pem_alone: true,
        };
        let sha = "0123456789abcdef".repeat(4);
        assert_eq!(a("ca", &sha).store_name(), "certbench-ca-0123456789ab");
        assert_eq!(
            a("My Root/../CA \u{202e}", &sha).store_name(),
            "certbench-my-root-ca-0123456789ab"
        );
        assert_eq!(a("", &sha).store_name(), "certbench-ca-0123456789ab");
    }

    #[test]
    fn a_record_is_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let r = Record {
            installed: vec![Installed {
                store: StoreKind::Nss,
                place: "/home/u/.pki/nssdb".into(),
                name: "certbench-ca-0123456789ab".into(),
                sha256: "00".repeat(32),
                subject: "CN=x".into(),
                from: "/w/ca.crt".into(),
                at: OffsetDateTime::UNIX_EPOCH,
            }],
        };
        r.save(dir.path()).unwrap();
        assert_eq!(Record::load(dir.path()).unwrap(), r);
        std::fs::write(dir.path().join(RECORD_FILE), "installed = 3").unwrap();
        assert!(matches!(
            Record::load(dir.path()),
            Err(TrustError::Record { .. })
        ));
    }
}
