//! Running a plan, and the record of what certbench installed. Everything happens under the
//! data folder's lock, from the record read under it: each change is checked against the store
//! first (another certbench may have made it meanwhile), checked again once made, and taken back
//! with everything before it when one fails; the record written at the end says what the stores
//! really hold, a failed undo included.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::plan::{Change, Direction, Plan};
use super::{StoreKind, TrustError};
use certbench_base::fsutil::{self, DirLock, FileWrite, FsError};
use certbench_base::text::display_safe;

/// The record of what certbench installed, in the data folder.
pub const RECORD_FILE: &str = "trust.toml";

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

/// A name certbench gives a root in a store (`Anchor::store_name`): nothing else is ever taken
/// from the record into a path or a command.
fn valid_name(name: &str) -> bool {
    name.strip_prefix("certbench-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    })
}

impl Record {
    /// The record in `dir` (none yet is an empty record). An entry whose name or place is not
    /// one certbench writes stops it: a record edited by hand must not name other files.
    pub fn load(dir: &Path) -> Result<Record, TrustError> {
        let path = dir.join(RECORD_FILE);
        let record: Record = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| TrustError::Record {
                path: path.clone(),
                reason: display_safe(e.message(), 200),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Record::default()),
            Err(e) => {
                return Err(TrustError::Record {
                    path,
                    reason: e.to_string(),
                });
            }
        };
        if let Some(bad) = record
            .installed
            .iter()
            .find(|i| !valid_name(&i.name) || !i.place.is_absolute())
        {
            return Err(TrustError::Record {
                path,
                reason: format!(
                    "an entry names \"{}\" in {}, which certbench never writes",
                    display_safe(&bad.name, 80),
                    display_safe(&bad.place.display().to_string(), 200)
                ),
            });
        }
        Ok(record)
    }

    fn save(&self, dir: &Path) -> Result<(), TrustError> {
        let text = toml::to_string_pretty(self).map_err(|e| TrustError::Record {
            path: dir.join(RECORD_FILE),
            reason: e.to_string(),
        })?;
        fsutil::write_files(&[FileWrite::replaceable(dir.join(RECORD_FILE), text)], true)?;
        Ok(())
    }

    /// The record once `c` is in effect (`made`) or taken back: the root is in the store after
    /// an install made or an uninstall taken back.
    fn set(&mut self, c: &Change, made: bool, now: OffsetDateTime) {
        self.installed.retain(|i| !c.is(i));
        if made == (c.direction == Direction::Install) {
            self.installed.push(Installed {
                store: c.store,
                place: c.place.clone(),
                name: c.name.clone(),
                sha256: c.sha256.clone(),
                subject: c.subject.clone(),
                from: c.from.clone(),
                at: now,
            });
        }
    }
}

/// What running a plan did.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub changed: Vec<Change>,
    pub forgotten: usize,
}

/// A plan that failed part way, and was taken back.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Undone {
    pub error: TrustError,
    /// The stores whose change could not be taken back (empty: all are as they were); the
    /// record says they hold what they hold.
    pub left: Vec<String>,
}

impl Change {
    fn is(&self, i: &Installed) -> bool {
        i.store == self.store && i.place == self.place && i.name == self.name
    }

    /// Whether the store is as this change leaves it.
    fn made_already(&self) -> Result<bool, TrustError> {
        Ok(self.in_effect()? == (self.direction == Direction::Install))
    }

    fn label(&self) -> String {
        format!("{} {}", self.store.as_str(), self.place.display())
    }

    /// Write the copy of the root the commands read (mode 0644, in the user's own data folder).
    fn stage(&self) -> Result<(), TrustError> {
        if let Some(dir) = self.source.parent() {
            std::fs::create_dir_all(dir).map_err(|e| FsError::io("make the folder", dir, e))?;
        }
        fsutil::write_files(
            &[FileWrite::replaceable(self.source.clone(), self.pem())],
            true,
        )?;
        Ok(())
    }
}

/// Make `c`, and check the store is as it should be afterwards.
fn apply(c: &Change, may_ask: bool) -> Result<(), TrustError> {
    if c.direction == Direction::Install {
        c.stage()?;
    }
    c.commands.iter().try_for_each(|cmd| cmd.run(may_ask))?;
    if c.made_already()? {
        Ok(())
    } else {
        Err(TrustError::Tool {
            command: c.commands.last().map(super::Cmd::shell).unwrap_or_default(),
            reason: match c.direction {
                Direction::Install => {
                    "it ran, but the store does not hold the certificate afterwards".into()
                }
                Direction::Uninstall => {
                    "it ran, but the store still holds the certificate afterwards".into()
                }
            },
        })
    }
}

/// Take `c` back; whether the store is as it was before it.
fn take_back(c: &Change, may_ask: bool) -> bool {
    let undone = (|| -> Result<bool, TrustError> {
        if c.direction == Direction::Uninstall {
            c.stage()?;
        }
        for cmd in c.undo_commands()? {
            // A step of the undo that fails (the name already gone) is judged by the check.
            let _ = cmd.run(may_ask);
        }
        Ok(!c.made_already()?)
    })();
    undone.unwrap_or(false)
}

/// Run `plan` under the data folder's lock and write the record. On any failure everything done
/// is taken back, in reverse. `may_ask`: sudo may ask for a password on the terminal.
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
    record.installed.retain(|i| !plan.forget.contains(i));
    let mut made: Vec<&Change> = Vec::new();
    let mut failure = None;
    let mut left = Vec::new();
    for c in &plan.changes {
        // Another certbench may have made it since the plan was made.
        match c.made_already() {
            Ok(true) => {
                record.set(c, true, now);
                continue;
            }
            Ok(false) => {}
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
        match apply(c, may_ask) {
            Ok(()) => {
                record.set(c, true, now);
                made.push(c);
            }
            Err(e) => {
                if !take_back(c, may_ask) {
                    left.push(c.label());
                    record.set(c, true, now);
                }
                failure = Some(e);
                break;
            }
        }
    }
    if failure.is_some() {
        for c in made.iter().rev() {
            if take_back(c, may_ask) {
                record.set(c, false, now);
            } else {
                left.push(c.label());
            }
        }
    }
    let saved = record.save(data_dir);
    drop(lock);
    remove_staged(plan);
    match (failure, saved) {
        (None, Ok(())) => Ok(Done {
            changed: plan.changes.clone(),
            forgotten: plan.forget.len(),
        }),
        (Some(error), _) | (None, Err(error)) => Err(Undone { error, left }),
    }
}

fn remove_staged(plan: &Plan) {
    for c in &plan.changes {
        let _ = std::fs::remove_file(&c.source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_read_back_as_written_and_a_hand_made_name_is_refused() {
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
        let mut bad = r.clone();
        bad.installed[0].name = "certbench-../../etc/passwd".into();
        bad.save(dir.path()).unwrap();
        assert!(matches!(
            Record::load(dir.path()),
            Err(TrustError::Record { .. })
        ));
    }
}
