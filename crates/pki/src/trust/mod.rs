//! Putting a root CA where clients look: the system's store (Debian's `update-ca-certificates`,
//! Fedora's `update-ca-trust`), the NSS databases of Chromium and Firefox (`certutil`), and the
//! JDK's `cacerts` (`keytool`).
//!
//! Every change is planned first as the commands a person would type (`plan`: [`Plan`]), so a
//! dry run shows exactly what would run, with `sudo` where this user cannot write the store.
//! Running a plan (`run`: [`execute`]) happens under the data folder's lock: each change is
//! checked against the store before and after, and everything done is taken back when any step
//! fails. What it installed is written to a record ([`Record`], `trust.toml` in the data folder),
//! so that `uninstall` removes exactly that, and only while the store still holds the very
//! certificate installed under that name.

mod plan;
mod run;
mod stores;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use certbench_base::fsutil::FsError;
use certbench_base::text::display_safe;
pub use plan::{
    Change, Direction, Found, Passed, PassedWhy, Plan, find, plan_install, plan_uninstall,
};
pub use run::{Done, Installed, RECORD_FILE, Record, Undone, execute};
pub use stores::{Store, SystemFlavor, is_root, which};

/// Whether `sudo` runs without asking for a password here (`sudo -n true`).
pub fn sudo_without_password() -> bool {
    which("sudo").is_some_and(|sudo| {
        Command::new(sudo)
            .args(["-n", "true"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

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
    /// The JDK's cacerts is made from the system store (Fedora's `update-ca-trust extract`
    /// writes it afresh): install into the system store instead.
    JavaFollowsSystem,
    /// A store of this kind is found, but elsewhere than the one recorded (another JDK).
    Elsewhere,
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
            Absent::JavaFollowsSystem => write!(
                f,
                "the JDK's cacerts is made from the system store here: install into the system store (--store system)"
            ),
            Absent::Elsewhere => write!(
                f,
                "the store found now is another one (another JDK on PATH, say)"
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("no {} trust store: {why}", store.as_str())]
    Absent { store: StoreKind, why: Absent },
    #[error(
        "changing the {} store ({}) needs root, and there is no sudo: install sudo, or run certbench as root (then root's own NSS databases are the ones found)",
        store.as_str(), place.display()
    )]
    NeedRoot { store: StoreKind, place: PathBuf },
    #[error("{} is not writable by this user; certbench does not change a browser's database as root", place.display())]
    NotWritable { place: PathBuf },
    #[error("{} would run as root, but it is not a program only root can change: certbench runs as root only the system's own tools", program.display())]
    UntrustedTool { program: PathBuf },
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{} holds no certificate", path.display())]
    NotACertificate { path: PathBuf },
    #[error("{} is not a CA certificate ({subject}): only a root CA is put into trust stores", path.display())]
    NotACa { path: PathBuf, subject: String },
    #[error("{} holds no root: {subject} is a CA that {issuer} issued; put that root into the stores instead (its file, or its name in the workspace)", path.display())]
    NotARoot {
        path: PathBuf,
        subject: String,
        issuer: String,
    },
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
}

impl Anchor {
    /// The root CA in `path` (PEM or DER): the first self-signed CA certificate of the file (a
    /// bundle's other certificates, and a private key beside it, are passed over).
    pub fn read(path: &Path, label: &str) -> Result<Anchor, TrustError> {
        let bytes = std::fs::read(path).map_err(|e| TrustError::Read {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let mut certs = stores::pem_certificates(&bytes);
        if certs.is_empty() {
            certs.push(bytes.clone());
        }
        let read: Vec<(Vec<u8>, certbench_x509::CertSummary)> = certs
            .into_iter()
            .filter_map(|der| Some((der.clone(), certbench_x509::summarize(&der).ok()?)))
            .collect();
        let is_ca =
            |s: &certbench_x509::CertSummary| matches!(s.basic_constraints, Some((true, _)));
        let Some((der, summary)) = read
            .iter()
            .find(|(_, s)| is_ca(s) && s.subject == s.issuer)
            .cloned()
        else {
            return Err(match read.first() {
                None => TrustError::NotACertificate { path: path.into() },
                Some((_, s)) if is_ca(s) => TrustError::NotARoot {
                    path: path.into(),
                    subject: display_safe(&s.subject, 200),
                    issuer: display_safe(&s.issuer, 200),
                },
                Some((_, s)) => TrustError::NotACa {
                    path: path.into(),
                    subject: display_safe(&s.subject, 200),
                },
            });
        };
        Ok(Anchor {
            label: label.to_string(),
            from: path.into(),
            sha256: fingerprint(&der),
            subject: summary.subject,
            not_after: summary.not_after,
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
}

/// SHA-256 of `der`, lowercase hex.
fn fingerprint(der: &[u8]) -> String {
    certbench_base::text::hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der).as_ref())
}

/// One command of a plan, run as it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cmd {
    pub argv: Vec<String>,
    /// Run through `sudo`: this user cannot write the store.
    pub sudo: bool,
}

impl Cmd {
    fn argv(argv: Vec<String>) -> Cmd {
        Cmd { argv, sudo: false }
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
        };
        let sha = "0123456789abcdef".repeat(4);
        assert_eq!(a("ca", &sha).store_name(), "certbench-ca-0123456789ab");
        assert_eq!(
            a("My Root/../CA \u{202e}", &sha).store_name(),
            "certbench-my-root-ca-0123456789ab"
        );
        assert_eq!(a("", &sha).store_name(), "certbench-ca-0123456789ab");
    }
}
