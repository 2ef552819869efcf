//! What the panes show of the workspace: the manifest's entities in tree order, each with its
//! certificate decoded from the file on disk. Loaded by a task, never on the event loop.

use std::path::{Path, PathBuf};

use certbench_pki::workspace::{Entity, Workspace};
use certbench_x509::{CertSummary, summarize_pem};

#[derive(Debug, Clone, Default)]
pub struct WorkspaceView {
    pub dir: PathBuf,
    /// The id the set's CA names carry (`Workspace::set_id`).
    pub set_id: String,
    pub rows: Vec<EntityRow>,
    /// The workspace could not be read at all (a broken manifest, say).
    pub error: Option<String>,
    /// The manifest as it was when read: another process's change shows as another stamp.
    pub stamp: Option<ManifestStamp>,
    /// How the workspace ages, as it was read (`None` when it is empty or unreadable).
    pub health: Option<Box<certbench_pki::workspace::Health>>,
}

/// When the manifest was last changed, and its size: enough to see another process's change.
pub type ManifestStamp = (std::time::SystemTime, u64);

/// The workspace manifest's stamp now (`None` when there is none).
pub fn manifest_stamp(dir: &Path) -> Option<ManifestStamp> {
    let m = std::fs::metadata(dir.join("certbench.toml")).ok()?;
    Some((m.modified().ok()?, m.len()))
}

#[derive(Debug, Clone)]
pub struct EntityRow {
    pub entity: Entity,
    /// 0 for roots, 1 for what they issued, ...
    pub depth: usize,
    /// Decoded from NAME.crt; an error sentence when the file is missing or broken.
    pub summary: Result<CertSummary, String>,
    /// A CA's nameConstraints, read with the rest (the form checks a request against them).
    pub constraints: Option<certbench_x509::constraints::Constraints>,
}

impl WorkspaceView {
    /// Read the manifest and every certificate it names.
    pub fn load(dir: &Path) -> WorkspaceView {
        // Taken first: a change while reading shows as a stamp newer than what was read.
        let stamp = manifest_stamp(dir);
        let ws = match Workspace::open(dir) {
            Ok(ws) => ws,
            Err(e) => {
                return WorkspaceView {
                    dir: dir.to_path_buf(),
                    set_id: String::new(),
                    rows: vec![],
                    error: Some(e.to_string()),
                    stamp,
                    health: None,
                };
            }
        };
        // Every file read as one state: no change of the workspace meanwhile.
        let _reading = ws.read_lock();
        let mut rows = Vec::new();
        let entities = ws.entities();
        // Tree order: each issuer followed by what it issued. Entities whose issuer is unknown
        // are treated as roots so nothing is hidden.
        let known = |n: &str| entities.iter().any(|e| e.name == n);
        let mut stack: Vec<(&Entity, usize)> = entities
            .iter()
            .filter(|e| e.issuer.as_deref().is_none_or(|i| !known(i) || i == e.name))
            .rev()
            .map(|e| (e, 0))
            .collect();
        let mut seen = std::collections::HashSet::new();
        while let Some((e, depth)) = stack.pop() {
            if !seen.insert(e.name.clone()) {
                continue;
            }
            let pem = std::fs::read_to_string(ws.path(&e.cert));
            let constraints = pem
                .as_ref()
                .ok()
                .filter(|_| e.role.is_ca())
                .and_then(|pem| {
                    let item = certbench_x509::load_bytes(&ws.path(&e.cert), pem.as_bytes())
                        .into_iter()
                        .next()?;
                    certbench_x509::constraints::Constraints::of_der(&item.der)
                });
            let summary = pem
                .map_err(|err| format!("could not read {}: {err}", e.cert))
                .and_then(|pem| summarize_pem(&pem).map_err(|e| e.to_string()));
            rows.push(EntityRow {
                entity: e.clone(),
                depth,
                summary,
                constraints,
            });
            for child in entities
                .iter()
                .rev()
                .filter(|c| c.issuer.as_deref() == Some(&e.name) && c.name != e.name)
            {
                stack.push((child, depth + 1));
            }
        }
        let now = time::OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let health = (!ws.is_empty()).then(|| Box::new(ws.health(now)));
        WorkspaceView {
            dir: dir.to_path_buf(),
            set_id: ws.set_id().to_string(),
            rows,
            error: None,
            stamp,
            health,
        }
    }

    /// CAs that can issue (not revoked), in tree order.
    pub fn ca_names(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.entity.role.is_ca() && r.entity.revoked.is_none())
            .map(|r| r.entity.name.clone())
            .collect()
    }

    /// An entry's CN when it says something else than its workspace name: every pane names an
    /// entry by its workspace name, with this beside it (`client · alice`).
    pub fn cn_beside(&self, name: &str) -> Option<String> {
        let cn = &self
            .rows
            .iter()
            .find(|r| r.entity.name == name)?
            .entity
            .common_name;
        (!cn.is_empty() && cn != name).then(|| certbench_base::text::display_safe(cn, 80))
    }

    /// `name (CN)`, or the name alone when the CN is the same.
    pub fn labelled(&self, name: &str) -> String {
        match self.cn_beside(name) {
            Some(cn) => format!("{name} ({cn})"),
            None => name.to_string(),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.rows.iter().map(|r| r.entity.name.clone()).collect()
    }
}
