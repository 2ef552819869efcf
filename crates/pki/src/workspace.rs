//! The on-disk workspace: a folder of PEM files and a manifest (`certbench.toml`) saying what each
//! one is. Every change is prepared in memory first and written at once, so a failure leaves the
//! workspace as it was.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{Error, ManifestProblem, Result};
use crate::openssl::{OpensslContext, openssl_commands};
use crate::{IssueSpec, IssuedCert, IssuerMaterial, KeyAlg, validate_entity_name};
use certbench_base::text::display_safe;
use certbench_base::{fsutil, fsutil::DirLock, fsutil::FileWrite, fsutil::Recovery};
use certbench_x509::{CertSummary, summarize};
use certbench_x509::{RevocationReason, Role};

mod health;
mod renew;
mod revocation;
pub use health::{Aging, CrlAge, EXPIRES_SOON_DAYS, Health, State, Warning};
pub use renew::{Dependant, DependantWhy, Renewed};
pub use revocation::{Answered, Responded};

/// Where replaced files go: `replaced/<time>/`, never deleted.
pub const REPLACED_DIR: &str = "replaced";

/// Where the TUI saves runs and the certificates a run's peers sent (`handshakes/`): a run's
/// files, not the workspace's certificates.
pub const HANDSHAKES_DIR: &str = "handshakes";

/// The manifest's file name inside the workspace folder.
pub const MANIFEST_FILE: &str = "certbench.toml";
pub(crate) const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Manifest {
    version: u32,
    /// The set `gen` made last: a short id its CAs' names carry (see [`Workspace::set_id`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    set_id: String,
    #[serde(default, rename = "entity")]
    entities: Vec<Entity>,
}

/// One certificate in the workspace, as the manifest records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entity {
    pub name: String,
    pub role: Role,
    /// The issuing CA's name; `None` for a root CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    pub key_alg: KeyAlg,
    /// Subject CN, for lists.
    #[serde(default)]
    pub common_name: String,
    /// Uppercase hex.
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// File names relative to the workspace folder. No key for a certificate signed from a
    /// request (CSR): its key stayed with whoever made it.
    pub cert: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
    /// CAs: the number of the last CRL they signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crl_number: Option<u64>,
    /// The certificates of this name that renewals replaced and that are still within their
    /// dates: their serials stay known, so they can be revoked (CRLs, OCSP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<Superseded>,
}

/// A certificate a renewal replaced, valid until its notAfter unless revoked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Superseded {
    /// Uppercase hex.
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Revocation {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: RevocationReason,
}

impl Entity {
    /// The file of the CRL this CA signs.
    pub fn crl_file(&self) -> String {
        crl_file_of(&self.name)
    }
}

fn crl_file_of(ca: &str) -> String {
    format!("{ca}.crl")
}

/// What issuing one certificate made.
#[derive(Debug, Clone)]
pub struct Issued {
    pub entity: Entity,
    /// Decoded from the certificate just made.
    pub summary: CertSummary,
    /// The openssl commands that make the same kind of certificate.
    pub openssl: String,
    pub files: Vec<PathBuf>,
    /// Where the files it replaced were moved, if it replaced any.
    pub replaced_into: Option<PathBuf>,
}

/// A certificate made in memory, with the files it will write; nothing is on disk yet.
struct Prepared {
    entity: Entity,
    issued: IssuedCert,
    chain_pem: Option<String>,
    openssl: String,
}

impl Prepared {
    /// The names of the files it writes.
    fn target_files(&self) -> Vec<String> {
        let e = &self.entity;
        let mut v = vec![e.cert.clone()];
        v.extend(e.key.clone());
        v.extend(e.chain.clone());
        v
    }
}

/// What `gen` makes: a root, an optional intermediate, a server and a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOptions {
    pub key_alg: KeyAlg,
    /// Validity of the server and client certificates.
    pub days: u32,
    pub server_names: Vec<String>,
    pub client_name: String,
    pub intermediate: bool,
    /// The id the set's CA names carry; `None` makes a new one (six hex digits).
    pub set_id: Option<SetId>,
    /// The OCSP URL and the CRL URL put into every certificate but the root's (empty: none);
    /// see [`IssueSpec::crl_url`].
    pub ocsp_url: String,
    pub crl_url: String,
}

/// The id of a set that `gen` made: 1 to 16 letters and digits, carried by its CAs' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetId(String);

impl SetId {
    /// `None` unless `id` is 1 to 16 letters and digits.
    pub fn new(id: &str) -> Option<SetId> {
        valid_set_id(id).then(|| SetId(id.to_string()))
    }
}

impl Default for SetOptions {
    fn default() -> Self {
        SetOptions {
            key_alg: KeyAlg::EcdsaP256,
            days: Role::Server.default_days(),
            server_names: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            client_name: "alice".into(),
            intermediate: true,
            set_id: None,
            ocsp_url: String::new(),
            crl_url: String::new(),
        }
    }
}

impl SetOptions {
    /// The requests `gen` issues, in order, for the set `set_id`.
    pub fn specs(&self, set_id: &str) -> Vec<IssueSpec> {
        let mut specs = Vec::new();
        let mut ca = IssueSpec::for_role_in(Role::Ca, "ca", set_id);
        ca.key_alg = self.key_alg;
        specs.push(ca);
        let leaf_issuer = if self.intermediate {
            let mut int = IssueSpec::for_role_in(Role::Intermediate, "intermediate", set_id);
            int.key_alg = self.key_alg;
            specs.push(int);
            "intermediate"
        } else {
            "ca"
        };
        let mut server = IssueSpec::for_role(Role::Server, "server");
        server.key_alg = self.key_alg;
        server.days = self.days;
        server.issuer = leaf_issuer.into();
        server.sans = self.server_names.clone();
        server.subject.common_name = crate::SanEntry::common_name_of(&self.server_names)
            .unwrap_or_else(|| "server".to_string());
        specs.push(server);
        let mut client = IssueSpec::for_role(Role::Client, "client");
        client.key_alg = self.key_alg;
        client.days = self.days;
        client.issuer = leaf_issuer.into();
        client.subject.common_name = self.client_name.clone();
        specs.push(client);
        for spec in specs.iter_mut().filter(|s| s.role != Role::Ca) {
            spec.ocsp_url.clone_from(&self.ocsp_url);
            spec.crl_url.clone_from(&self.crl_url);
        }
        specs
    }
}

/// A name a certificate would hold that a CA above it does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintBreach {
    /// The name, as openssl writes a SAN (`DNS:evil.org`).
    pub san: String,
    /// The workspace's name of the CA whose nameConstraints it breaks.
    pub ca: String,
    pub breach: certbench_x509::constraints::Breach,
}

/// The names of `spec` that a CA above it does not allow: `issuer_of` says each CA's issuer by
/// workspace name, `constraints_of` its nameConstraints. Pure: a caller that holds the CAs'
/// constraints already (the TUI's view) asks without reading a file.
pub fn breaches_under(
    spec: &IssueSpec,
    issuer_of: &dyn Fn(&str) -> Option<String>,
    constraints_of: &dyn Fn(&str) -> Option<certbench_x509::constraints::Constraints>,
) -> Vec<ConstraintBreach> {
    use certbench_x509::constraints::Name;
    let names: Vec<(Name, String)> = spec
        .parsed_sans()
        .into_iter()
        .map(|s| {
            let name = match &s {
                crate::SanEntry::Dns(d) => Name::Dns(d.clone()),
                crate::SanEntry::Ip(std::net::IpAddr::V4(ip)) => Name::Ip(ip.octets().to_vec()),
                crate::SanEntry::Ip(std::net::IpAddr::V6(ip)) => Name::Ip(ip.octets().to_vec()),
                crate::SanEntry::Email(e) => Name::Email(e.clone()),
                crate::SanEntry::Uri(u) => Name::Uri(u.clone()),
            };
            (name, s.openssl_string())
        })
        .collect();
    let mut out = Vec::new();
    let mut next = (spec.role != crate::Role::Ca).then(|| spec.issuer.clone());
    let mut seen: Vec<String> = Vec::new();
    while let Some(ca) = next.take() {
        if seen.contains(&ca) || seen.len() > 16 {
            break;
        }
        seen.push(ca.clone());
        if let Some(nc) = constraints_of(&ca) {
            for (name, text) in &names {
                if let Some(breach) = nc.breach(name) {
                    out.push(ConstraintBreach {
                        san: text.clone(),
                        ca: ca.clone(),
                        breach,
                    });
                }
            }
        }
        next = issuer_of(&ca);
    }
    out
}

impl ConstraintBreach {
    /// The same finding a verification of the certificate would make, for its words.
    pub fn finding(&self) -> certbench_x509::verify::Finding {
        use certbench_x509::constraints::Breach;
        use certbench_x509::verify::Finding;
        match &self.breach {
            Breach::Excluded(t) => Finding::NameExcluded {
                name: self.san.clone(),
                subtree: t.text(),
                ca: self.ca.clone(),
            },
            Breach::NotPermitted(ts) => Finding::NameNotPermitted {
                name: self.san.clone(),
                permitted: ts.iter().map(|t| t.text()).collect(),
                ca: self.ca.clone(),
            },
        }
    }
}

/// What revoking did.
#[derive(Debug, Clone)]
pub struct Revoked {
    pub name: String,
    pub serial: String,
    pub issuer: String,
    pub crl_path: PathBuf,
    /// How many certificates the new CRL lists.
    pub listed: usize,
}

/// A CA's CRL, signed anew (see [`Workspace::sign_crls`]).
#[derive(Debug, Clone)]
pub struct CrlSigned {
    pub ca: String,
    pub path: PathBuf,
    /// Its cRLNumber: one more than the CA's last CRL's.
    pub number: u64,
    /// How many certificates it lists.
    pub listed: usize,
    pub this_update: time::OffsetDateTime,
    pub next_update: time::OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    dir: PathBuf,
    manifest: Manifest,
    last_change: Change,
}

/// What the last change did besides what it was asked to: work of an interrupted earlier change
/// completed or undone, files moved aside, manifest entries dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub recovered: Recovery,
    /// The folder replaced files were moved into, if any were.
    pub replaced_into: Option<PathBuf>,
    /// How many files were moved there.
    pub replaced_files: usize,
    /// Manifest entries of the old set that `gen --force` removed (their files were moved aside).
    pub dropped: Vec<String>,
}

impl Workspace {
    /// `$CERTBENCH_DIR`, else the platform data folder (`~/.local/share/certbench/workspace` on Linux).
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("CERTBENCH_DIR").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(d));
        }
        directories::ProjectDirs::from("", "", "certbench").map(|p| p.data_dir().join("workspace"))
    }

    /// The workspace in `dir`. A missing folder or manifest is an empty workspace; nothing is
    /// created until something is issued. An interrupted change found here is completed when no
    /// other process is working in the folder (see [`Workspace::last_change`]).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Workspace> {
        let dir = dir.into();
        let mut recovered = Recovery::default();
        if dir.join(fsutil::JOURNAL_FILE).exists()
            && let Ok(lock) = DirLock::acquire(&dir, std::time::Duration::ZERO)
        {
            // Reading must not fail for it (a read-only folder, say): the next change retries.
            match fsutil::recover(&lock) {
                Ok(r) => recovered = r,
                Err(e) => tracing::warn!(error = %e, "could not finish an interrupted change"),
            }
        }
        let manifest = read_manifest(&dir)?;
        Ok(Workspace {
            dir,
            manifest,
            last_change: Change {
                recovered,
                ..Change::default()
            },
        })
    }

    /// Hold this while reading several files of the workspace as one state (a certificate and
    /// its key): no change happens meanwhile. `None` where no lock can be taken (see
    /// [`DirLock::shared`]).
    pub fn read_lock(&self) -> Option<DirLock> {
        DirLock::shared(&self.dir, DirLock::WAIT)
    }

    /// What the last change (or opening) did besides what it was asked to.
    pub fn last_change(&self) -> &Change {
        &self.last_change
    }

    /// Certificate and key files in a folder without a manifest: not a workspace certbench made
    /// (or one whose manifest was removed). Their names, sorted, for a message saying so.
    pub fn unlisted_files(&self) -> Vec<String> {
        if !self.manifest.entities.is_empty() {
            return vec![];
        }
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return vec![];
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                [".crt", ".key", ".pem", ".crl"]
                    .iter()
                    .any(|ext| n.ends_with(ext))
            })
            .collect();
        names.sort();
        names
    }

    /// Lock the folder for a change, finish whatever an interrupted change left, and read the
    /// manifest again: another process may have changed it since this one read it.
    fn begin(&mut self) -> Result<DirLock> {
        let lock = DirLock::acquire(&self.dir, DirLock::WAIT)?;
        let recovered = fsutil::recover(&lock)?;
        self.manifest = read_manifest(&self.dir)?;
        self.last_change = Change {
            recovered,
            ..Change::default()
        };
        Ok(lock)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub fn is_empty(&self) -> bool {
        self.manifest.entities.is_empty()
    }

    /// The id of the set `gen` made here, which its CAs' names carry (empty for a workspace made
    /// before there were ids): two workspaces' roots are never both "certbench Root CA".
    pub fn set_id(&self) -> &str {
        &self.manifest.set_id
    }

    pub fn entities(&self) -> &[Entity] {
        &self.manifest.entities
    }

    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.manifest.entities.iter().find(|e| e.name == name)
    }

    /// The certificate of the workspace whose file holds `der`, if one does (its files are read
    /// one by one: for a certificate met on the wire, not in a loop).
    pub fn entity_of(&self, der: &[u8]) -> Option<&Entity> {
        self.entities()
            .iter()
            .find(|e| self.cert_der(e).is_ok_and(|d| d == der))
    }

    /// The CRLs the workspace's CAs have signed: a CA has one once it has revoked something.
    pub fn crl_paths(&self) -> Vec<PathBuf> {
        self.entities()
            .iter()
            .filter(|e| e.role.is_ca())
            .map(|e| self.path(&e.crl_file()))
            .filter(|p| p.is_file())
            .collect()
    }

    /// CAs that can issue: not revoked.
    pub fn ca_names(&self) -> Vec<String> {
        self.manifest
            .entities
            .iter()
            .filter(|e| e.role.is_ca() && e.revoked.is_none())
            .map(|e| e.name.clone())
            .collect()
    }

    /// The root CA at the top of `e`'s issuers (`e` itself when it is one).
    pub fn root_of<'a>(&'a self, e: &'a Entity) -> Option<&'a Entity> {
        let mut at = Some(e);
        for _ in 0..16 {
            let here = at?;
            if here.role == Role::Ca {
                return Some(here);
            }
            at = here.issuer.as_deref().and_then(|i| self.entity(i));
        }
        None
    }

    /// The CA that issues a certificate for `role` when none is named: for a leaf the
    /// intermediate if there is one, else the first root; empty for a root.
    pub fn default_issuer(&self, role: Role) -> String {
        if role == Role::Ca {
            return String::new();
        }
        let cas = self.ca_names();
        if cas.iter().any(|c| c == "intermediate") && role != Role::Intermediate {
            "intermediate".into()
        } else {
            cas.iter()
                .find(|c| self.entity(c).is_some_and(|e| e.role == Role::Ca))
                .cloned()
                .unwrap_or_else(|| "ca".into())
        }
    }

    /// Issue one certificate and write its files. Without `overwrite`, an existing file stops it
    /// before anything is written; with it, the files it replaces are moved into `replaced/`.
    pub fn issue(
        &mut self,
        spec: &IssueSpec,
        overwrite: bool,
        now: OffsetDateTime,
    ) -> Result<Issued> {
        // The request is checked before the (slow, for RSA) key is made, and again under the lock.
        let errors = spec.validate(&self.ca_names(), now);
        if !errors.is_empty() {
            return Err(Error::InvalidRequest(errors));
        }
        let key = crate::generate_key(spec.key_alg)?;
        self.issue_key(spec, KeySource::Made(key), overwrite, now)
    }

    /// The names of `spec` that a CA above it (its issuer, and up) does not allow by its
    /// nameConstraints: a certificate with them is refused by every verifier, so the user is told
    /// before it is signed. A CA whose file cannot be read is passed over (issuing reports it).
    pub fn constraint_breaches(&self, spec: &IssueSpec) -> Vec<ConstraintBreach> {
        let constraints_of = |name: &str| {
            let e = self.entity(name)?;
            let path = self.path(&e.cert);
            let bytes = std::fs::read(&path).ok()?;
            let der = certbench_x509::load_bytes(&path, &bytes)
                .into_iter()
                .next()?
                .der;
            certbench_x509::constraints::Constraints::of_der(&der)
        };
        let issuers = |name: &str| self.entity(name).and_then(|e| e.issuer.clone());
        breaches_under(spec, &issuers, &constraints_of)
    }

    /// Sign a request a service made itself, as `grant` says (see [`crate::csr::grant`]): the
    /// certificate and its chain are written, and no key (it stays with the service).
    pub fn issue_request(
        &mut self,
        grant: &crate::csr::Grant,
        request: &crate::csr::Request,
        overwrite: bool,
        now: OffsetDateTime,
    ) -> Result<Issued> {
        let errors = grant.spec.validate(&self.ca_names(), now);
        if !errors.is_empty() {
            return Err(Error::InvalidRequest(errors));
        }
        self.issue_key(
            &grant.spec,
            KeySource::Requested(request.key.clone()),
            overwrite,
            now,
        )
    }

    fn issue_key(
        &mut self,
        spec: &IssueSpec,
        key: KeySource,
        overwrite: bool,
        now: OffsetDateTime,
    ) -> Result<Issued> {
        let lock = self.begin()?;
        if overwrite && let Some(old) = self.entity(&spec.name) {
            // What the manifest knows of the old one must not be lost with it: a revocation
            // (the CRL is made from the manifest), or the CA of other certificates.
            if old.revoked.is_some() {
                return Err(Error::ReplaceRevoked {
                    name: spec.name.clone(),
                });
            }
            let children: Vec<String> = self
                .entities()
                .iter()
                .filter(|e| e.issuer.as_deref() == Some(spec.name.as_str()) && e.name != spec.name)
                .map(|e| e.name.clone())
                .collect();
            if !children.is_empty() {
                return Err(Error::ReplaceIssuer {
                    name: spec.name.clone(),
                    children,
                });
            }
        }
        let prepared = self.prepare(spec, key, &[], now)?;
        let mut manifest = self.manifest.clone();
        let mut targets = prepared.target_files();
        // A CA replaced: its old CRL, signed by the old key, goes with its old files.
        targets.push(prepared.entity.crl_file());
        // And every file of the certificate replaced, whatever the new one writes: a key the
        // new certificate does not have (one signed from a request) must not stay behind.
        if let Some(old) = self.entity(&spec.name) {
            targets.push(old.cert.clone());
            targets.extend(old.key.clone());
            targets.extend(old.chain.clone());
        }
        let moves = if overwrite {
            self.archive_moves(&targets, now)
        } else {
            vec![]
        };
        let mut issued = self.commit(&lock, &mut manifest, vec![prepared], moves)?;
        issued.pop().ok_or_else(|| Error::UnknownEntity {
            name: spec.name.clone(),
        })
    }

    /// Make the whole set `gen` makes, written at once or not at all. With `overwrite`, the
    /// workspace starts again: every file of the old set (and of anything else its manifest
    /// lists) is moved into `replaced/`, and its entries leave the manifest.
    pub fn gen_set(
        &mut self,
        options: &SetOptions,
        overwrite: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<Issued>> {
        let set_id = match &options.set_id {
            Some(id) => id.0.clone(),
            None => new_set_id()?,
        };
        let specs = options.specs(&set_id);
        // The requests are checked before anything is made or locked (no folder is made for a
        // set that cannot be), and again under the lock.
        let mut cas = self.ca_names();
        cas.extend(
            specs
                .iter()
                .filter(|s| s.role.is_ca())
                .map(|s| s.name.clone()),
        );
        let errors: Vec<_> = specs.iter().flat_map(|s| s.validate(&cas, now)).collect();
        if !errors.is_empty() {
            return Err(Error::InvalidRequest(errors));
        }
        let keys = specs
            .iter()
            .map(|s| crate::generate_key(s.key_alg))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let lock = self.begin()?;
        let made = self.gen_locked(&lock, &specs, keys, overwrite, &set_id, now);
        if made.is_err() {
            // Nothing was written: the manifest in memory is the one on disk again.
            self.manifest = read_manifest(&self.dir)?;
        }
        made
    }

    fn gen_locked(
        &mut self,
        lock: &DirLock,
        specs: &[IssueSpec],
        keys: Vec<rcgen::KeyPair>,
        overwrite: bool,
        set_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<Issued>> {
        let mut manifest = self.manifest.clone();
        manifest.set_id = set_id.to_string();
        let mut dropped = Vec::new();
        let mut old_files = Vec::new();
        if overwrite {
            for e in &manifest.entities {
                old_files.push(e.cert.clone());
                old_files.extend(e.key.clone());
                old_files.extend(e.chain.clone());
                if e.role.is_ca() {
                    old_files.push(e.crl_file());
                }
                dropped.push(e.name.clone());
            }
            manifest.entities.clear();
            // Prepared against the empty manifest: the new set stands alone.
            self.manifest = manifest.clone();
        }
        let mut prepared: Vec<Prepared> = Vec::new();
        for (spec, key) in specs.iter().zip(keys) {
            let p = self.prepare(spec, KeySource::Made(key), &prepared, now)?;
            prepared.push(p);
        }
        let moves = if overwrite {
            old_files.extend(prepared.iter().flat_map(Prepared::target_files));
            old_files.push(MANIFEST_FILE.into());
            self.archive_moves(&old_files, now)
        } else {
            vec![]
        };
        let issued = self.commit(lock, &mut manifest, prepared, moves)?;
        dropped.retain(|d| !issued.iter().any(|i| &i.entity.name == d));
        self.last_change.dropped = dropped;
        Ok(issued)
    }

    fn prepare(
        &self,
        spec: &IssueSpec,
        key: KeySource,
        pending: &[Prepared],
        now: OffsetDateTime,
    ) -> Result<Prepared> {
        let mut cas = self.ca_names();
        cas.extend(
            pending
                .iter()
                .filter(|p| p.entity.role.is_ca())
                .map(|p| p.entity.name.clone()),
        );
        let errors = spec.validate(&cas, now);
        if !errors.is_empty() {
            return Err(Error::InvalidRequest(errors));
        }
        let issuer = if spec.role == Role::Ca {
            None
        } else {
            Some(self.load_issuer(spec.issuer.trim(), pending)?)
        };
        let subject_key = match &key {
            KeySource::Made(k) => crate::SubjectKey::Own(k),
            KeySource::Requested(k) => crate::SubjectKey::Requested(k),
        };
        let issued =
            crate::issue_for(spec, issuer.as_ref().map(|i| &i.material), subject_key, now)?;
        let chain_pem = match (&issuer, spec.role.is_leaf()) {
            (Some(i), true) => Some(format!("{}{}", issued.cert_pem, i.chain_above_root)),
            _ => None,
        };
        let chain_names = issuer
            .as_ref()
            .map(|i| i.chain_names.clone())
            .unwrap_or_default();
        let openssl = openssl_commands(
            spec,
            &OpensslContext {
                issuer_alg: issuer.as_ref().map(|i| i.key_alg),
                chain: &chain_names,
                serial: Some(&issued.serial),
                from_request: matches!(key, KeySource::Requested(_)),
            },
        );
        let name = spec.name.clone();
        let entity = Entity {
            cert: format!("{name}.crt"),
            key: issued.key_pem.as_ref().map(|_| format!("{name}.key")),
            chain: chain_pem.as_ref().map(|_| format!("{name}-chain.crt")),
            name,
            role: spec.role,
            issuer: issuer.map(|_| spec.issuer.trim().to_string()),
            key_alg: spec.key_alg,
            common_name: spec.subject.common_name.clone(),
            serial: issued.serial.iter().map(|b| format!("{b:02X}")).collect(),
            not_before: issued.not_before,
            not_after: issued.not_after,
            revoked: None,
            crl_number: None,
            superseded: vec![],
        };
        Ok(Prepared {
            entity,
            issued,
            chain_pem,
            openssl,
        })
    }

    /// Moves of the files among `names` that exist into a new folder under `replaced/`.
    fn archive_moves(&mut self, names: &[String], now: OffsetDateTime) -> Vec<(String, String)> {
        let existing: Vec<&String> = names
            .iter()
            .filter(|n| fs::symlink_metadata(self.path(n)).is_ok())
            .collect();
        if existing.is_empty() {
            return vec![];
        }
        let free = fsutil::free_path(&self.path(REPLACED_DIR), "", &[""], now);
        let folder = format!(
            "{REPLACED_DIR}/{}",
            free.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let mut moves: Vec<(String, String)> = Vec::new();
        for n in existing {
            if !moves.iter().any(|(from, _)| from == n) {
                moves.push((n.clone(), format!("{folder}/{n}")));
            }
        }
        self.last_change.replaced_into = Some(self.path(&folder));
        self.last_change.replaced_files = moves.len();
        moves
    }

    fn commit(
        &mut self,
        lock: &DirLock,
        manifest: &mut Manifest,
        prepared: Vec<Prepared>,
        moves: Vec<(String, String)>,
    ) -> Result<Vec<Issued>> {
        let mut files = Vec::new();
        let mut out = Vec::new();
        for p in prepared {
            let mut paths = vec![self.path(&p.entity.cert)];
            files.push(FileWrite::public(
                self.path(&p.entity.cert),
                p.issued.cert_pem.clone(),
            ));
            if let (Some(key_file), Some(key_pem)) = (&p.entity.key, &p.issued.key_pem) {
                files.push(FileWrite::private(self.path(key_file), key_pem.clone()));
                paths.push(self.path(key_file));
            }
            if let (Some(chain_file), Some(chain)) = (&p.entity.chain, &p.chain_pem) {
                files.push(FileWrite::public(self.path(chain_file), chain.clone()));
                paths.push(self.path(chain_file));
            }
            manifest.entities.retain(|e| e.name != p.entity.name);
            manifest.entities.push(p.entity.clone());
            let summary = summarize(&p.issued.cert_der).map_err(|reason| Error::BadMaterial {
                name: p.entity.name.clone(),
                what: "new certificate",
                path: self.path(&p.entity.cert),
                reason: Box::new(reason),
            })?;
            out.push(Issued {
                entity: p.entity,
                summary,
                openssl: p.openssl,
                files: paths,
                replaced_into: self.last_change.replaced_into.clone(),
            });
        }
        // The manifest last: until it is in place, the change has not happened.
        files.push(FileWrite::replaceable(
            self.path(MANIFEST_FILE),
            manifest_text(manifest)?,
        ));
        fsutil::commit(lock, &files, &moves, false)?;
        self.manifest = manifest.clone();
        Ok(out)
    }

    /// A CA's certificate and key, from a certificate prepared in this batch or from disk.
    fn load_issuer(&self, name: &str, pending: &[Prepared]) -> Result<LoadedIssuer> {
        let by_name: HashMap<&str, &Prepared> = pending
            .iter()
            .map(|p| (p.entity.name.as_str(), p))
            .collect();
        let (entity, cert_pem, key_pem) = if let Some(p) = by_name.get(name) {
            (
                p.entity.clone(),
                p.issued.cert_pem.clone(),
                p.issued.key_pem.clone().ok_or_else(|| Error::NoKey {
                    name: p.entity.name.clone(),
                })?,
            )
        } else {
            let e = self
                .entity(name)
                .ok_or_else(|| Error::UnknownEntity { name: name.into() })?
                .clone();
            if !e.role.is_ca() {
                return Err(Error::NotACa {
                    name: name.into(),
                    role: e.role.title().into(),
                });
            }
            let cert = self.read_text(&e, "certificate", &e.cert)?;
            let key_file = e.key.clone().ok_or_else(|| Error::NoKey {
                name: e.name.clone(),
            })?;
            let key = self.read_text(&e, "private key", &key_file)?;
            (e, cert, key)
        };
        if !entity.role.is_ca() {
            return Err(Error::NotACa {
                name: name.into(),
                role: entity.role.title().into(),
            });
        }
        let key = crate::load_key(&key_pem).map_err(|e| Error::BadMaterial {
            name: name.into(),
            what: "private key",
            path: self.path(entity.key.as_deref().unwrap_or_default()),
            reason: Box::new(e),
        })?;
        // The chain a leaf sends: the issuer and every intermediate above it, not the root.
        let mut chain_above_root = String::new();
        let mut chain_names = Vec::new();
        let mut cursor = Some((entity.clone(), cert_pem.clone()));
        while let Some((e, pem)) = cursor.take() {
            if e.role != Role::Intermediate || chain_names.len() > 16 {
                break;
            }
            chain_above_root.push_str(&pem);
            chain_names.push(e.name.clone());
            if let Some(up) = e.issuer.as_deref() {
                cursor = if let Some(p) = by_name.get(up) {
                    Some((p.entity.clone(), p.issued.cert_pem.clone()))
                } else if let Some(ue) = self.entity(up) {
                    Some((ue.clone(), self.read_text(ue, "certificate", &ue.cert)?))
                } else {
                    None
                };
            }
        }
        Ok(LoadedIssuer {
            key_alg: entity.key_alg,
            material: IssuerMaterial { cert_pem, key },
            chain_above_root,
            chain_names,
        })
    }

    fn read_text(&self, entity: &Entity, what: &'static str, file: &str) -> Result<String> {
        let path = self.path(file);
        fs::read_to_string(&path).map_err(|e| Error::BadMaterial {
            name: entity.name.clone(),
            what,
            path,
            reason: Box::new(e),
        })
    }
}

/// The key a certificate is made for.
enum KeySource {
    /// Made for it; written as NAME.key.
    Made(rcgen::KeyPair),
    /// A request's, whose private key is not certbench's.
    Requested(crate::csr::RequestKey),
}

struct LoadedIssuer {
    key_alg: KeyAlg,
    material: IssuerMaterial,
    chain_above_root: String,
    chain_names: Vec<String>,
}

/// The manifest in `dir`, checked: every name in it is used to build paths, so each is held to
/// the rules of a name typed by a user.
fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Manifest {
                version: MANIFEST_VERSION,
                set_id: String::new(),
                entities: vec![],
            });
        }
        Err(e) => return Err(Error::io("read", path, e)),
    };
    let bad = |problem: ManifestProblem| Error::Manifest {
        path: path.clone(),
        problem,
    };
    let m: Manifest = toml::from_str(&text).map_err(|e| {
        bad(ManifestProblem::Syntax {
            message: display_safe(e.message(), 300),
            at: e.span().map(|s| s.start),
        })
    })?;
    if m.version != MANIFEST_VERSION {
        return Err(bad(ManifestProblem::Version { found: m.version }));
    }
    if !m.set_id.is_empty() && !valid_set_id(&m.set_id) {
        return Err(bad(ManifestProblem::SetId));
    }
    for e in &m.entities {
        let name = display_safe(&e.name, 64);
        validate_entity_name(&e.name).map_err(|why| {
            bad(ManifestProblem::EntryName {
                name: name.clone(),
                why,
            })
        })?;
        if let Some(i) = &e.issuer {
            validate_entity_name(i).map_err(|why| {
                bad(ManifestProblem::IssuerName {
                    name: name.clone(),
                    why,
                })
            })?;
        }
        for file in [Some(&e.cert), e.key.as_ref(), e.chain.as_ref()]
            .into_iter()
            .flatten()
        {
            if !is_plain_file_name(file) {
                return Err(bad(ManifestProblem::FileName {
                    name,
                    file: display_safe(file, 64),
                }));
            }
        }
        if hex_decode(&e.serial).is_none_or(|s| s.is_empty()) {
            return Err(bad(ManifestProblem::Serial { name }));
        }
        if m.entities.iter().filter(|o| o.name == e.name).count() > 1 {
            return Err(bad(ManifestProblem::Twice { name }));
        }
    }
    Ok(m)
}

/// A set id goes into CA names: a few letters and digits.
fn valid_set_id(id: &str) -> bool {
    (1..=16).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A new set id: six random hex digits.
fn new_set_id() -> Result<String> {
    let mut bytes = [0u8; 3];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| Error::Generation(rcgen::Error::RingUnspecified))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A file name inside the folder: no separators, not `.`/`..`, not hidden.
fn is_plain_file_name(f: &str) -> bool {
    !f.is_empty()
        && !f.starts_with('.')
        && f.len() <= 80
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn manifest_text(m: &Manifest) -> Result<String> {
    let body = toml::to_string_pretty(m).map_err(|e| Error::Manifest {
        path: PathBuf::from(MANIFEST_FILE),
        problem: ManifestProblem::Unwritable {
            message: e.to_string(),
        },
    })?;
    Ok(format!(
        "# certbench workspace: what each certificate in this folder is. Written by certbench.\n{body}"
    ))
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn a_set_is_written_and_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path()).unwrap();
        assert!(ws.is_empty());
        let issued = ws.gen_set(&SetOptions::default(), false, now()).unwrap();
        assert_eq!(issued.len(), 4);
        for f in [
            "ca.crt",
            "ca.key",
            "intermediate.crt",
            "intermediate.key",
            "server.crt",
            "server.key",
            "server-chain.crt",
            "client.crt",
            "client.key",
            MANIFEST_FILE,
        ] {
            assert!(dir.path().join(f).exists(), "{f}");
        }
        let again = Workspace::open(dir.path()).unwrap();
        assert_eq!(again.entities().len(), 4);
        assert_eq!(again.entity("client").unwrap().common_name, "alice");
        assert_eq!(
            again.entity("server").unwrap().issuer.as_deref(),
            Some("intermediate")
        );
        // The chain is the server then the intermediate.
        let chain = fs::read_to_string(dir.path().join("server-chain.crt")).unwrap();
        assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
        assert!(chain.starts_with(&fs::read_to_string(dir.path().join("server.crt")).unwrap()));
        // The subject and issuer chain up.
        let s = &issued[2].summary;
        assert_eq!(s.issuer, issued[1].summary.subject);
        assert_eq!(
            s.subject_alt_names,
            ["DNS:localhost", "IP Address:127.0.0.1", "IP Address:::1"]
        );
    }

    #[test]
    fn a_manifest_that_is_not_toml_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MANIFEST_FILE), "version = [").unwrap();
        let err = Workspace::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("certbench.toml is not valid"), "{err}");
    }

    #[test]
    fn revoking_remakes_the_crl_and_counts_up() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path()).unwrap();
        ws.gen_set(&SetOptions::default(), false, now()).unwrap();
        let r = ws
            .revoke("client", RevocationReason::KeyCompromise, now())
            .unwrap();
        assert_eq!((r.issuer.as_str(), r.listed), ("intermediate", 1));
        assert!(matches!(
            ws.revoke("client", RevocationReason::KeyCompromise, now()),
            Err(Error::AlreadyRevoked { .. })
        ));
        let r = ws
            .revoke("server", RevocationReason::Superseded, now())
            .unwrap();
        assert_eq!(r.listed, 2);
        assert_eq!(
            Workspace::open(dir.path())
                .unwrap()
                .entity("intermediate")
                .unwrap()
                .crl_number,
            Some(2)
        );
        assert!(matches!(
            ws.revoke("ca", RevocationReason::Unspecified, now()),
            Err(Error::CannotRevokeRoot { .. })
        ));
    }

    #[test]
    fn a_leaf_cannot_issue() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path()).unwrap();
        ws.gen_set(&SetOptions::default(), false, now()).unwrap();
        let mut spec = IssueSpec::for_role(Role::Client, "bob");
        spec.issuer = "server".into();
        let err = ws.issue(&spec, false, now()).unwrap_err();
        assert!(err.to_string().contains("no CA named \"server\""), "{err}");
    }
}
