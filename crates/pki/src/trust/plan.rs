//! What an install or an uninstall would do, as the commands a person would type: nothing is
//! changed here. The stores' tools are given certbench's own copy of a root (written from its
//! DER into the data folder, never the user's file, which may hold a key too); a store this user
//! cannot write is changed through `sudo`, and only with tools from the system's own folders.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::run::{Installed, Record};
use super::stores::{self, Store, is_root, which};
use super::{Absent, Anchor, Cmd, Selection, StoreKind, TrustError, fingerprint};

/// Where the copies of roots given to the stores' tools are written, in the data folder.
pub(super) const STAGED_DIR: &str = "trust";

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
    /// The copy of the root the commands read (an install), or that putting it back reads (an
    /// uninstall undone): written by certbench from the DER, in the data folder.
    pub source: PathBuf,
    #[serde(skip)]
    pub(super) target: Store,
    #[serde(skip)]
    pub(super) der: Vec<u8>,
    #[serde(skip)]
    pub(super) from: PathBuf,
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
    /// The store itself is not found on this machine now: the entry is dropped if its place is
    /// gone, else kept for when the store is back.
    StoreGone { why: Absent },
    /// This machine does not have this kind of store (with `--store all`).
    Absent { why: Absent },
    /// This user cannot change the store here (the TUI, where sudo may not ask for a password).
    NeedsPassword,
    /// NSS holds this certificate, or another with its subject, under another nickname (it
    /// keeps one nickname per subject), not trusted for TLS: left for the user to trust there.
    NicknameTaken { name: String },
}

/// What a command will do, before it does it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub passed: Vec<Passed>,
    /// Record entries to drop (the store no longer has them).
    #[serde(skip)]
    pub(super) forget: Vec<Installed>,
}

impl Plan {
    /// Whether running it changes anything on this machine.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.forget.is_empty()
    }

    /// The roots it installs, each once.
    pub fn subjects(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.changes.iter().map(|c| c.subject.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
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

    /// Only the stores this user can change without typing a password (for the TUI, which holds
    /// the terminal): the others are passed, said as such.
    pub fn without_password(mut self) -> (Found, Vec<Passed>) {
        // sudo is asked (it runs a program) only when a store needs root.
        let sudo_asks = self.stores.iter().any(Store::needs_root)
            && !is_root()
            && !super::sudo_without_password();
        let (keep, ask): (Vec<Store>, Vec<Store>) = self
            .stores
            .into_iter()
            .partition(|s| !s.needs_root() || !sudo_asks);
        self.stores = keep;
        let passed = ask
            .iter()
            .map(|s| Passed {
                store: s.kind(),
                place: s.place().into(),
                subject: String::new(),
                why: PassedWhy::NeedsPassword,
            })
            .collect();
        (self, passed)
    }
}

/// The commands as they will run: through `sudo` where this user cannot write the store, and
/// then only programs root owns that no one else may change (a tool found on the user's PATH is
/// never run as root). An NSS database is the user's own: never changed as root.
fn privileged(store: &Store, mut cmds: Vec<Cmd>) -> Result<Vec<Cmd>, TrustError> {
    if !store.needs_root() {
        return Ok(cmds);
    }
    if let Store::Nss { db, .. } = store {
        return Err(TrustError::NotWritable { place: db.clone() });
    }
    for c in &cmds {
        if let Some(program) = c.argv.first()
            && !stores::root_owned(Path::new(program))
        {
            return Err(TrustError::UntrustedTool {
                program: program.into(),
            });
        }
    }
    if is_root() {
        return Ok(cmds);
    }
    if which("sudo").is_none() {
        return Err(TrustError::NeedRoot {
            store: store.kind(),
            place: store.place().into(),
        });
    }
    for c in &mut cmds {
        c.sudo = true;
    }
    Ok(cmds)
}

/// The copy of a root certbench gives the stores' tools.
fn staged(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join(STAGED_DIR).join(format!("{name}.crt"))
}

/// What installing `anchors` into the stores found would do. Nothing is changed.
pub fn plan_install(
    found: &Found,
    selection: Selection,
    anchors: &[Anchor],
    record: &Record,
    data_dir: &Path,
) -> Result<Plan, TrustError> {
    let mut plan = Plan {
        passed: found.required(selection)?,
        ..Plan::default()
    };
    for store in &found.stores {
        // An NSS database is read once: what it trusts, and every nickname (see below).
        let nss = store.nss_entries()?;
        let contents = match store {
            Store::Nss { .. } => stores::trusted(&nss),
            _ => store.contents()?,
        };
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
            if let Some(taken) = nss_nickname_of(&nss, a, &name) {
                plan.passed.push(Passed {
                    store: store.kind(),
                    place: store.place().into(),
                    subject: a.subject.clone(),
                    why: PassedWhy::NicknameTaken { name: taken },
                });
                continue;
            }
            let source = staged(data_dir, &name);
            plan.changes.push(Change {
                direction: Direction::Install,
                store: store.kind(),
                place: store.place().into(),
                subject: a.subject.clone(),
                sha256: a.sha256.clone(),
                commands: privileged(store, store.add(&name, &source))?,
                source,
                name,
                target: store.clone(),
                der: a.der.clone(),
                from: a.from.clone(),
            });
        }
    }
    Ok(plan)
}

/// In an NSS database's entries, another nickname that holds `a` or a certificate with its
/// subject (NSS files a certificate under the nickname its subject already has, whatever the
/// import says).
fn nss_nickname_of(entries: &[stores::NssEntry], a: &Anchor, ours: &str) -> Option<String> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let subject = |der: &[u8]| {
        X509Certificate::from_der(der)
            .ok()
            .map(|(_, c)| c.subject().as_raw().to_vec())
    };
    let wanted = subject(&a.der);
    entries
        .iter()
        .find(|(nick, _, der)| {
            nick != ours && (der == &a.der || (wanted.is_some() && subject(der) == wanted))
        })
        .map(|(nick, _, _)| nick.clone())
}

/// What removing the record's entries that `which` picks would do: only what certbench
/// installed, and only while the store holds that very certificate under that name.
pub fn plan_uninstall(
    found: &Found,
    selection: Selection,
    record: &Record,
    which: &dyn Fn(&Installed) -> bool,
    data_dir: &Path,
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
                .map_or(Absent::Elsewhere, |(_, w)| w.clone());
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
        let held = contents
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, c)| c.as_slice())
            .unwrap_or_default();
        let der = match store.under_name(&entry.name, held) {
            None => {
                plan.forget.push(entry.clone());
                plan.passed.push(passed(PassedWhy::Gone));
                continue;
            }
            Some(d) if fingerprint(&d) != entry.sha256 => {
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
            source: staged(data_dir, &entry.name),
            target: store.clone(),
            der,
            from: entry.from.clone(),
        });
    }
    Ok(plan)
}

impl Change {
    /// The root's certificate, PEM, as certbench writes it for the stores' tools.
    pub fn pem(&self) -> String {
        certbench_base::text::pem("CERTIFICATE", &self.der)
    }

    /// The commands that take this change back, made now (what an install brought with it,
    /// Debian's Java alias, exists only once it ran).
    pub(super) fn undo_commands(&self) -> Result<Vec<Cmd>, TrustError> {
        let cmds = match self.direction {
            Direction::Install => self.target.remove(&self.name),
            Direction::Uninstall => self.target.add(&self.name, &self.source),
        };
        privileged(&self.target, cmds)
    }

    /// Whether the store holds this change's certificate under its name now (the system
    /// store: its file in the anchors folder, and the bundle its tool made).
    pub(super) fn in_effect(&self) -> Result<bool, TrustError> {
        let held = self.target.contents()?;
        let named = self.target.under_name(&self.name, &held);
        let listed = match self.target {
            Store::System { .. } => held.iter().any(|(_, d)| d == &self.der),
            _ => true,
        };
        Ok(named.is_some_and(|d| d == self.der) && listed)
    }
}
