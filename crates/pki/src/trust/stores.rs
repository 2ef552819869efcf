//! The trust stores of this machine: where each is, the commands that add and remove a root
//! there, and whether a root is in it now. Every change is a command a person could type (the
//! plan shows them before they run); only reading a store is done here directly.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Absent, Anchor, Cmd, StoreKind, TrustError};

/// Java's default store password; a `cacerts` whose password was changed is refused with the
/// keytool's own error.
const JAVA_STOREPASS: &str = "changeit";

/// A certificate in a store: the name it is under (where the store names entries), its DER.
pub type Entry = (Option<String>, Vec<u8>);

/// A certificate in an NSS database: its nickname, whether trusted for TLS servers, its DER.
pub type NssEntry = (String, bool, Vec<u8>);

/// The entries NSS trusts to issue TLS servers' certificates ("C" in the SSL flags): a
/// certificate it holds without that trust is not a trust anchor.
pub(super) fn trusted(entries: &[NssEntry]) -> Vec<Entry> {
    entries
        .iter()
        .filter(|(_, trusted, _)| *trusted)
        .map(|(nick, _, der)| (Some(nick.clone()), der.clone()))
        .collect()
}

/// Which system store: the distribution's tool and folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemFlavor {
    /// Debian, Ubuntu: `/usr/local/share/ca-certificates/*.crt`, `update-ca-certificates`.
    Debian,
    /// Fedora, RHEL: `/etc/pki/ca-trust/source/anchors/`, `update-ca-trust extract`.
    Fedora,
}

/// One trust store found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    System {
        flavor: SystemFlavor,
        /// Where an added root's file goes.
        anchors: PathBuf,
        /// The bundle the tool writes and clients read.
        bundle: PathBuf,
        update: PathBuf,
    },
    /// An NSS database (`cert9.db`): Chromium's `~/.pki/nssdb`, a Firefox profile.
    Nss { db: PathBuf, certutil: PathBuf },
    /// The JDK's `cacerts`, through the `keytool` of the `java` on PATH.
    Java { keytool: PathBuf, cacerts: PathBuf },
}

/// The folders programs are looked for in besides PATH (a user's PATH may lack the sbin ones).
const EXTRA_BIN: [&str; 3] = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

/// `program` on PATH or in the sbin folders.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(EXTRA_BIN.iter().map(PathBuf::from))
        .map(|d| d.join(program))
        .find(|p| executable(p))
}

#[cfg(unix)]
fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(p: &Path) -> bool {
    p.is_file()
}

/// The first of `paths` that is an executable file: the system's own tools, never from PATH.
fn system_program(paths: &[&str]) -> Option<PathBuf> {
    paths.iter().map(PathBuf::from).find(|p| executable(p))
}

/// Whether `program` (after links) is owned by root and writable by no one else, nor is any
/// folder above it: a program that may be run as root.
#[cfg(unix)]
pub(super) fn root_owned(program: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(real) = std::fs::canonicalize(program) else {
        return false;
    };
    real.ancestors()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.uid() == 0 && m.mode() & 0o022 == 0))
}

#[cfg(not(unix))]
pub(super) fn root_owned(_program: &Path) -> bool {
    false
}

fn install_program() -> String {
    system_program(&["/usr/bin/install", "/bin/install"])
        .map_or_else(|| "install".into(), |p| p.display().to_string())
}

fn rm_program() -> String {
    system_program(&["/usr/bin/rm", "/bin/rm"])
        .map_or_else(|| "rm".into(), |p| p.display().to_string())
}

pub(super) fn find_system() -> Result<Store, Absent> {
    let debian = Path::new("/usr/local/share/ca-certificates");
    if let Some(update) = system_program(&[
        "/usr/sbin/update-ca-certificates",
        "/sbin/update-ca-certificates",
    ]) && debian.is_dir()
    {
        return Ok(Store::System {
            flavor: SystemFlavor::Debian,
            anchors: debian.into(),
            bundle: "/etc/ssl/certs/ca-certificates.crt".into(),
            update,
        });
    }
    let fedora = Path::new("/etc/pki/ca-trust/source/anchors");
    if let Some(update) = system_program(&["/usr/bin/update-ca-trust", "/bin/update-ca-trust"])
        && fedora.is_dir()
    {
        return Ok(Store::System {
            flavor: SystemFlavor::Fedora,
            anchors: fedora.into(),
            bundle: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem".into(),
            update,
        });
    }
    Err(Absent::UnsupportedSystem)
}

/// The NSS databases a user's browsers read, as mkcert looks for them: Chromium's (and the
/// snap's) `~/.pki/nssdb`, every Firefox profile. Only SQL databases (`cert9.db`); the old
/// `cert8.db` format is not written by any current browser.
pub(super) fn find_nss(home: &Path) -> Result<Vec<Store>, Absent> {
    let Some(certutil) = which("certutil") else {
        return Err(Absent::ToolMissing {
            tool: "certutil",
            package: "libnss3-tools",
        });
    };
    let mut dbs: Vec<PathBuf> = vec![
        home.join(".pki/nssdb"),
        home.join("snap/chromium/current/.pki/nssdb"),
    ];
    for profiles in [
        home.join(".mozilla/firefox"),
        home.join("snap/firefox/common/.mozilla/firefox"),
    ] {
        if let Ok(rd) = std::fs::read_dir(&profiles) {
            let mut found: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            found.sort();
            dbs.extend(found);
        }
    }
    let stores: Vec<Store> = dbs
        .into_iter()
        .filter(|d| d.join("cert9.db").is_file())
        .map(|db| Store::Nss {
            db,
            certutil: certutil.clone(),
        })
        .collect();
    if stores.is_empty() {
        return Err(Absent::NoNssDatabase);
    }
    Ok(stores)
}

pub(super) fn find_java() -> Result<Store, Absent> {
    let Some(keytool) = which("keytool") else {
        return Err(Absent::ToolMissing {
            tool: "keytool",
            package: "default-jdk-headless",
        });
    };
    // keytool -cacerts uses its own JDK's lib/security/cacerts: the JDK's folder is two up from
    // the real keytool (bin/keytool); the file is often a link into /etc (Debian).
    let real = std::fs::canonicalize(&keytool).unwrap_or_else(|_| keytool.clone());
    let cacerts = real
        .parent()
        .and_then(Path::parent)
        .map(|jdk| jdk.join("lib/security/cacerts"))
        .filter(|p| p.exists())
        .ok_or(Absent::NoJavaStore)?;
    let cacerts = std::fs::canonicalize(&cacerts).unwrap_or(cacerts);
    // Fedora's cacerts is written afresh from the system store by update-ca-trust extract: a
    // root added there with keytool would be gone at the next extract.
    if cacerts.starts_with("/etc/pki/ca-trust/extracted") {
        return Err(Absent::JavaFollowsSystem);
    }
    Ok(Store::Java { keytool, cacerts })
}

impl Store {
    pub fn kind(&self) -> StoreKind {
        match self {
            Store::System { .. } => StoreKind::System,
            Store::Nss { .. } => StoreKind::Nss,
            Store::Java { .. } => StoreKind::Java,
        }
    }

    /// The store as a place: the system's anchors folder, the NSS database, the cacerts file.
    pub fn place(&self) -> &Path {
        match self {
            Store::System { anchors, .. } => anchors,
            Store::Nss { db, .. } => db,
            Store::Java { cacerts, .. } => cacerts,
        }
    }

    /// Whether changing this store needs root: the system store always; a `cacerts` or NSS
    /// database this user cannot write.
    pub fn needs_root(&self) -> bool {
        let writable = |p: &Path| std::fs::OpenOptions::new().append(true).open(p).is_ok();
        match self {
            Store::System { .. } => !is_root(),
            Store::Nss { db, .. } => !writable(&db.join("cert9.db")),
            Store::Java { cacerts, .. } => !writable(cacerts),
        }
    }

    /// The name a root is given in this store: a file name in the system's folder, else
    /// `name` as a nickname or alias.
    pub fn entry_path(&self, name: &str) -> PathBuf {
        match self {
            Store::System {
                flavor, anchors, ..
            } => anchors.join(match flavor {
                SystemFlavor::Debian => format!("{name}.crt"),
                SystemFlavor::Fedora => format!("{name}.pem"),
            }),
            other => other.place().to_path_buf(),
        }
    }

    /// `certutil -d sql:DB ARGS` (an NSS store), or `keytool COMMAND -keystore CACERTS -storepass
    /// changeit ARGS` (the Java store): each tool on its store, the rest of the words given.
    fn tool_argv(&self, command: &str, args: &[&str]) -> Vec<String> {
        let mut argv: Vec<String> = match self {
            Store::Nss { db, certutil } => vec![
                certutil.display().to_string(),
                "-d".into(),
                format!("sql:{}", db.display()),
                command.into(),
            ],
            Store::Java { keytool, cacerts } => vec![
                keytool.display().to_string(),
                command.into(),
                "-keystore".into(),
                cacerts.display().to_string(),
                "-storepass".into(),
                JAVA_STOREPASS.into(),
            ],
            Store::System { .. } => vec![command.into()],
        };
        argv.extend(args.iter().map(|a| a.to_string()));
        argv
    }

    /// The commands that add `source` (a PEM file of the root) as `name`.
    pub fn add(&self, name: &str, source: &Path) -> Vec<Cmd> {
        let source = source.display().to_string();
        match self {
            Store::System { .. } => vec![
                Cmd::argv(vec![
                    install_program(),
                    "-m".into(),
                    "0644".into(),
                    source,
                    self.entry_path(name).display().to_string(),
                ]),
                self.update_cmd(false),
            ],
            Store::Nss { .. } => vec![Cmd::argv(
                self.tool_argv("-A", &["-t", "C,,", "-n", name, "-i", &source]),
            )],
            Store::Java { .. } => vec![Cmd::argv(self.tool_argv(
                "-importcert",
                &["-noprompt", "-alias", name, "-file", &source],
            ))],
        }
    }

    /// The commands that remove what [`Store::add`] added as `name`.
    pub fn remove(&self, name: &str) -> Vec<Cmd> {
        match self {
            Store::System { flavor, .. } => {
                let mut cmds = vec![
                    Cmd::argv(vec![
                        rm_program(),
                        "-f".into(),
                        self.entry_path(name).display().to_string(),
                    ]),
                    self.update_cmd(true),
                ];
                if *flavor == SystemFlavor::Debian {
                    cmds.extend(debian_java_echo(name));
                }
                cmds
            }
            Store::Nss { .. } => vec![Cmd::argv(self.tool_argv("-D", &["-n", name]))],
            Store::Java { .. } => vec![Cmd::argv(self.tool_argv("-delete", &["-alias", name]))],
        }
    }

    /// The system store's update, after a root was added or (`removed`) taken out.
    fn update_cmd(&self, removed: bool) -> Cmd {
        let Store::System { flavor, update, .. } = self else {
            return Cmd::argv(vec![]);
        };
        let mut argv = vec![update.display().to_string()];
        match flavor {
            SystemFlavor::Fedora => argv.push("extract".into()),
            // Without --fresh, update-ca-certificates leaves the links to a removed local root
            // in /etc/ssl/certs (it only unlinks what ca-certificates.conf marks).
            SystemFlavor::Debian if removed => argv.push("--fresh".into()),
            SystemFlavor::Debian => {}
        }
        Cmd::argv(argv)
    }

    /// Every certificate in the store now, with the name it is under where the store has names.
    /// The system store is read from the bundle its tool wrote; NSS and Java through their tools.
    pub fn contents(&self) -> Result<Vec<Entry>, TrustError> {
        match self {
            Store::System { bundle, .. } => {
                let text = std::fs::read(bundle).map_err(|e| TrustError::Read {
                    path: bundle.clone(),
                    reason: e.to_string(),
                })?;
                Ok(pem_certificates(&text)
                    .into_iter()
                    .map(|d| (None, d))
                    .collect())
            }
            Store::Nss { .. } => Ok(trusted(&self.nss_entries()?)),
            Store::Java { .. } => Ok(keytool_entries(&self.read("-list", &["-rfc"])?)),
        }
    }
}

/// On Debian, adding a root to the system store also adds it to Java's cacerts, as
/// `debian:NAME.pem` (the ca-certificates-java hook); removing the file does not take it out
/// again. The command that does, when that alias is there.
fn debian_java_echo(name: &str) -> Option<Cmd> {
    let Ok(java @ Store::Java { .. }) = find_java() else {
        return None;
    };
    let alias = format!("debian:{name}.pem");
    let held = java.contents().ok()?;
    if !held
        .iter()
        .any(|(n, _)| n.as_deref() == Some(alias.as_str()))
    {
        return None;
    }
    let mut cmds = java.remove(&alias);
    if java.needs_root() {
        for c in &mut cmds {
            c.sudo = true;
        }
    }
    cmds.pop()
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // The effective uid, the third field of /proc/self/status's Uid line (Linux; this crate
    // does not take libc for one call).
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// The certificates of a PEM text (other blocks passed over).
pub(super) fn pem_certificates(text: &[u8]) -> Vec<Vec<u8>> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(text)
        .filter_map(|c| c.ok())
        .map(|c| c.to_vec())
        .collect()
}

/// The nicknames of `certutil -L`: after the two header lines, each line is the nickname then
/// its trust flags (`C,,`) in the last column.
/// Each nickname, and whether its SSL trust flags (the first of three) make it a trusted CA
/// for TLS ("C").
fn nss_nicknames(listing: &str) -> Vec<(String, bool)> {
    listing
        .lines()
        .filter_map(|l| {
            let l = l.trim_end();
            let (nick, flags) = l.rsplit_once(char::is_whitespace)?;
            let nick = nick.trim_end();
            let is_flags = flags.split(',').count() == 3
                && flags.chars().all(|c| c == ',' || c.is_ascii_alphabetic());
            let ssl = flags.split(',').next().unwrap_or_default();
            (is_flags && !nick.is_empty()).then(|| (nick.to_string(), ssl.contains('C')))
        })
        .collect()
}

impl Store {
    /// Every certificate of an NSS database, trusted for TLS or not: its nickname, whether
    /// trusted, its DER (`certutil -L`, then each nickname's certificate).
    pub(super) fn nss_entries(&self) -> Result<Vec<NssEntry>, TrustError> {
        if !matches!(self, Store::Nss { .. }) {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        for (nick, trusted) in nss_nicknames(&self.read("-L", &[])?) {
            let pem = self.read("-L", &["-a", "-n", &nick])?;
            for der in pem_certificates(pem.as_bytes()) {
                out.push((nick.clone(), trusted, der));
            }
        }
        Ok(out)
    }
}

/// `keytool -list -rfc`: each entry starts at its `Alias name:` line, its certificate in PEM
/// below.
fn keytool_entries(listing: &str) -> Vec<Entry> {
    listing
        .split("Alias name: ")
        .skip(1)
        .flat_map(|entry| {
            let alias = entry.lines().next().unwrap_or_default().trim().to_string();
            pem_certificates(entry.as_bytes())
                .into_iter()
                .map(move |der| (Some(alias.clone()), der))
        })
        .collect()
}

impl Store {
    /// What the store's tool prints for `command` and `args` (a read: never through sudo).
    fn read(&self, command: &str, args: &[&str]) -> Result<String, TrustError> {
        let argv = self.tool_argv(command, args);
        let (program, rest) = argv.split_first().ok_or_else(|| TrustError::Tool {
            command: command.into(),
            reason: "no tool".into(),
        })?;
        let shown = format!("{program} {command}");
        run_read(Command::new(program).args(rest), &shown)
    }
}

fn run_read(cmd: &mut Command, what: &str) -> Result<String, TrustError> {
    let out = cmd
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| TrustError::Tool {
            command: what.into(),
            reason: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(TrustError::Tool {
            command: what.into(),
            reason: super::last_words(&out.stderr, &out.stdout),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Store {
    /// The certificate under `name` in this store: the system's by its file in the anchors
    /// folder, the others by nickname or alias in `held` (the store's contents).
    pub(super) fn under_name(&self, name: &str, held: &[Entry]) -> Option<Vec<u8>> {
        match self {
            Store::System { .. } => std::fs::read(self.entry_path(name))
                .ok()
                .and_then(|b| pem_certificates(&b).into_iter().next()),
            _ => held
                .iter()
                .find(|(n, _)| n.as_deref() == Some(name))
                .map(|(_, d)| d.clone()),
        }
    }
}

impl Anchor {
    /// Whether the store holds this certificate, and under which name.
    pub fn found_in<'a>(&self, contents: &'a [Entry]) -> Option<&'a Option<String>> {
        contents
            .iter()
            .find(|(_, der)| der == &self.der)
            .map(|(name, _)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_of_a_certutil_listing() {
        // As certutil 3.87 prints it.
        let listing = "\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\ncertbench-ca-0123456789ab                                    C,,  \nMy CA with spaces                                            CT,C,C\n";
        assert_eq!(
            nss_nicknames(listing),
            vec![
                ("certbench-ca-0123456789ab".to_string(), true),
                ("My CA with spaces".to_string(), true)
            ]
        );
        assert_eq!(
            nss_nicknames("held                 ,,  \n"),
            vec![("held".to_string(), false)]
        );
    }
}
