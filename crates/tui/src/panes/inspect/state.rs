//! The Inspect pane's state: what is loaded, the filter, the selection, and for the selected
//! certificate its field tree and chain verdict (worked out once per selection, not per frame).

use certbench_x509::Role;
use certbench_x509::tree::{FieldNode, field_at, field_tree};
use certbench_x509::verify::{Purpose, Verification, VerifyInput, verify};
use certbench_x509::{Decoded, Item, Severity};
use time::OffsetDateTime;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::keymap::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Fields,
    Hex,
}

/// What the loader task found, with what the list needs worked out in the task.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub items: Vec<Item>,
    /// What to do once read, as the effect that read it asked.
    pub after: AfterLoad,
    /// Indices of certificates that are CAs, each distinct one once (a bundle that repeats its
    /// roots names each once): the only candidates when building chains.
    pub cas: Vec<usize>,
    /// Row labels more than one item has: those rows also say where they came from.
    pub shared_labels: std::collections::HashSet<String>,
    /// Files met in folders that hold nothing to read (keys, notes): not listed, counted.
    pub passed_over: usize,
    /// When they were read: what they are judged at, if the clock last ticked before (a
    /// certificate a lab run made a moment ago is not yet valid at an older time).
    pub read_at: Option<time::OffsetDateTime>,
}

/// What to do once files are read, carried from the effect that reads them to its result (the
/// loop owns the work in flight; nothing waits in the pane's state): the item to select (a file
/// just opened), the field to select in it (a failed run's culprit), and whether to say what
/// was read (a file opened with `o`, a PKCS#12 bundle opened with its password).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AfterLoad {
    pub select: Option<PathBuf>,
    pub field: Option<&'static str>,
    pub announce: bool,
}

impl Loaded {
    pub fn new(mut items: Vec<Item>) -> Loaded {
        let before = items.len();
        items.retain(|i| !i.passed_over());
        let passed_over = before - items.len();
        let mut distinct = std::collections::HashSet::new();
        let cas = items
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(&i.result, Ok(Decoded::Certificate(r)) if r.basic_constraints.as_ref().is_some_and(|b| b.ca)))
            .filter(|(_, i)| distinct.insert(i.der.as_slice()))
            .map(|(n, _)| n)
            .collect();
        drop(distinct);
        let mut seen = std::collections::HashSet::new();
        let shared_labels = items
            .iter()
            .map(row_label)
            .filter(|l| !seen.insert(l.clone()))
            .collect();
        Loaded {
            items,
            after: AfterLoad::default(),
            cas,
            shared_labels,
            passed_over,
            read_at: None,
        }
    }
}

/// The selected certificate's details.
#[derive(Debug, Clone)]
pub struct Selected {
    pub item: usize,
    pub tree: Result<Vec<FieldNode>, String>,
    pub chain: Option<Verification>,
}

#[derive(Debug, Clone)]
pub struct InspectState {
    pub loaded: Loaded,
    pub loading: bool,
    pub filter: String,
    /// Typing in the filter: the filter before, to put back on Esc.
    pub filter_editing: Option<String>,
    /// Indices into `loaded.items` that match the filter.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub cursor: usize,
    pub focus: Focus,
    pub selected: Option<Selected>,
    pub field: usize,
    pub hex_cursor: usize,
    /// Typing a path, a name or a time.
    pub prompt: Option<Prompt>,
    pub verify: VerifyOptions,
    /// How far the verdict (or the field's explanation) is scrolled: it can be longer than its
    /// box on a small terminal.
    pub side_scroll: u16,
    /// Files and folders opened here (--open, and the path prompt).
    pub open: Vec<PathBuf>,
    /// --system: the system trust store here too.
    pub system: bool,
    /// Certificates from runs saved and opened here, by their DER.
    pub exported: HashMap<Vec<Vec<u8>>, PathBuf>,
    /// The passwords that opened PKCS#12 bundles here, by the bundle's path: held in memory
    /// while the TUI runs (never written, never logged), so that a bundle read once stays read
    /// when the pane reads its files again (after the workspace changed).
    pub passwords: Vec<(PathBuf, certbench_base::text::Secret)>,
}

/// The path prompt: what is typed, and what Tab found it could become.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    pub candidates: Vec<String>,
    /// A password being typed (never in `text`, never shown or logged).
    pub secret: certbench_base::text::Secret,
    /// The file the password opens.
    pub file: Option<std::path::PathBuf>,
}

/// What the prompt asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PromptKind {
    /// A file or folder to open (Tab completes).
    #[default]
    Open,
    /// The server name to verify the certificate for.
    Name,
    /// The time to verify at.
    Time,
    /// The password of a PKCS#12 bundle.
    Password,
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::Open => "open",
            PromptKind::Name => "name",
            PromptKind::Time => "at",
            PromptKind::Password => "password",
        }
    }
}

/// How the selected certificate's chain is verified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// `None`: from the certificate's extended key usage.
    pub purpose: Option<Purpose>,
    pub name: Option<String>,
    /// `None`: now.
    pub at: Option<OffsetDateTime>,
}

/// The longest start all `names` share.
pub fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    first[..len].to_string()
}

impl Default for InspectState {
    fn default() -> Self {
        InspectState {
            loaded: Loaded::default(),
            loading: true,
            filter: String::new(),
            filter_editing: None,
            visible: vec![],
            cursor: 0,
            focus: Focus::List,
            selected: None,
            field: 0,
            hex_cursor: 0,
            prompt: None,
            verify: VerifyOptions::default(),
            side_scroll: 0,
            open: Vec::new(),
            system: false,
            exported: HashMap::new(),
            passwords: Vec::new(),
        }
    }
}

impl InspectState {
    /// Which keymap sections apply in this pane, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        if self.filter_editing.is_some() {
            return vec![Context::Editing];
        }
        match &self.prompt {
            Some(p) if p.kind == PromptKind::Open => vec![Context::Prompt],
            Some(p) if p.kind == PromptKind::Password => vec![Context::Password],
            Some(_) => vec![Context::Ask],
            None => match self.focus {
                Focus::List => vec![Context::Inspect, Context::Global],
                Focus::Fields => vec![Context::Fields, Context::Global],
                Focus::Hex => vec![Context::Hex, Context::Global],
            },
        }
    }
}

/// An OCSP message in a few words: a request and how many certificates it asks about, a
/// response and what it says (of its first certificate) or why it did not answer.
pub fn ocsp_label(o: &certbench_x509::load::OcspReport) -> String {
    match (&o.request, &o.response) {
        (Some(r), _) => format!("OCSP request, {} certificate(s)", r.ids.len()),
        (_, Some(r)) => match r.basic.as_ref().and_then(|b| b.responses.first()) {
            Some(single) => format!("OCSP response: {}", single.status.name()),
            None => format!("OCSP response: {}", r.status.name()),
        },
        _ => "OCSP".into(),
    }
}

/// A short label for a list row: the CN, else the subject, else the file.
pub fn row_label(item: &Item) -> String {
    match &item.result {
        Ok(Decoded::Certificate(r)) => r.common_name.clone().unwrap_or_else(|| r.subject.clone()),
        Ok(Decoded::Crl(c)) => format!("CRL of {}", short_cn(&c.issuer)),
        Ok(Decoded::Csr(c)) => format!("CSR {}", short_cn(&c.subject)),
        Ok(Decoded::Ocsp(o)) => ocsp_label(o),
        // A file's name is hostile text too: escaped as certificate text is.
        Err(_) => item
            .source
            .file_name()
            .map(|f| certbench_base::text::display_safe(&f.to_string_lossy(), 200))
            .unwrap_or_default(),
    }
}

pub fn short_cn(dn: &str) -> String {
    dn.split(',')
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(dn)
        .to_string()
}

/// The most severe lint of a certificate, for the list's mark.
pub fn worst_lint(item: &Item) -> Option<Severity> {
    match &item.result {
        Ok(Decoded::Certificate(r)) => r.lints.iter().map(|l| l.severity).min(),
        _ => None,
    }
}

impl InspectState {
    pub fn set_loaded(&mut self, loaded: Loaded, now: OffsetDateTime) {
        let keep = self.current_item().map(|i| (i.source.clone(), i.index));
        self.loaded = loaded;
        self.loading = false;
        // The items are new: what was selected is made again from them (the same index may now
        // hold another item).
        self.selected = None;
        self.refilter();
        if let Some((src, idx)) = keep
            && let Some(pos) = self.visible.iter().position(|&v| {
                let i = &self.loaded.items[v];
                i.source == src && i.index == idx
            })
        {
            self.cursor = pos;
        }
        self.select(now);
    }

    /// Put the cursor on the first item read from `source` (clearing a filter that hides it).
    pub fn focus_source(&mut self, source: &std::path::Path, now: OffsetDateTime) {
        let find = |s: &Self| {
            s.visible
                .iter()
                .position(|&v| s.loaded.items.get(v).is_some_and(|i| i.source == source))
        };
        let pos = find(self).or_else(|| {
            self.filter.clear();
            self.refilter();
            find(self)
        });
        if let Some(pos) = pos {
            self.cursor = pos;
            self.select(now);
        }
    }

    /// Select the selected certificate's field whose explanation key is `key` (`not_after`,
    /// `ext.subjectAltName`), and move the focus to the fields.
    pub fn focus_field(&mut self, key: &str) {
        if let Some(i) = self.nodes().iter().position(|n| n.explain == key) {
            self.field = i;
            self.focus = Focus::Fields;
        }
    }

    pub fn current_item(&self) -> Option<&Item> {
        self.visible
            .get(self.cursor)
            .and_then(|&i| self.loaded.items.get(i))
    }

    pub fn refilter(&mut self) {
        let f = self.filter.to_lowercase();
        self.visible = self
            .loaded
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| f.is_empty() || matches_filter(item, &f))
            .map(|(i, _)| i)
            .collect();
        self.cursor = self.cursor.min(self.visible.len().saturating_sub(1));
    }

    /// Work out the tree and the chain of the item under the cursor.
    pub fn select(&mut self, now: OffsetDateTime) {
        let Some(&index) = self.visible.get(self.cursor) else {
            self.selected = None;
            return;
        };
        if self.selected.as_ref().is_some_and(|s| s.item == index) {
            return;
        }
        let item = &self.loaded.items[index];
        let (tree, chain) = match &item.result {
            Ok(Decoded::Certificate(report)) => {
                let purpose = self.verify.purpose.unwrap_or(
                    match certbench_x509::lints::guess_role(report) {
                        Some(Role::Client) => Purpose::Client,
                        _ => Purpose::Server,
                    },
                );
                let items = &self.loaded.items;
                let is_root = |i: &&usize| matches!(&items[**i].result, Ok(Decoded::Certificate(r)) if r.subject == r.issuer);
                let anchors: Vec<&[u8]> = self
                    .loaded
                    .cas
                    .iter()
                    .filter(is_root)
                    .map(|&i| items[i].der.as_slice())
                    .collect();
                let intermediates: Vec<&[u8]> = self
                    .loaded
                    .cas
                    .iter()
                    .filter(|i| !is_root(i))
                    .map(|&i| items[i].der.as_slice())
                    .collect();
                // Every CRL loaded (the workspace's and those opened) is checked.
                let crls: Vec<&[u8]> = items
                    .iter()
                    .filter(|i| matches!(&i.result, Ok(Decoded::Crl(_))))
                    .map(|i| i.der.as_slice())
                    .collect();
                // And every OCSP response (a staple saved from a run, a responder's answer).
                let ocsp: Vec<&[u8]> = items
                    .iter()
                    .filter(|i| {
                        matches!(&i.result, Ok(Decoded::Ocsp(o)) if o.response.is_some())
                    })
                    .map(|i| i.der.as_slice())
                    .collect();
                // A CA is checked as a CA, unless the user asked for a purpose; a name (N) is
                // a leaf's, and stays set as the selection moves to a CA: not checked there.
                let as_ca = report.basic_constraints.as_ref().is_some_and(|b| b.ca)
                    && self.verify.purpose.is_none();
                let chain = verify(&VerifyInput {
                    as_ca,
                    leaf: &item.der,
                    intermediates: &intermediates,
                    anchors: &anchors,
                    crls: &crls,
                    ocsp: &ocsp,
                    purpose,
                    name: self.verify.name.as_deref().filter(|_| !as_ca),
                    at: self.verify.at.unwrap_or(now),
                });
                // The edge: the engine's typed error becomes the sentence the pane shows.
                (
                    field_tree(&item.der, now).map_err(|e| e.to_string()),
                    Some(chain),
                )
            }
            Ok(Decoded::Ocsp(o)) => (Ok(o.fields.clone()), None),
            Ok(_) => (
                Err(
                    "Only certificates and OCSP messages have a field tree; the list shows what this one says."
                        .into(),
                ),
                None,
            ),
            Err(e) => (Err(e.to_string()), None),
        };
        self.selected = Some(Selected {
            item: index,
            tree,
            chain,
        });
        self.field = 0;
        self.hex_cursor = 0;
        self.side_scroll = 0;
    }

    /// Verify the selection again, after the options changed.
    pub fn reselect(&mut self, now: OffsetDateTime) {
        let field = self.field;
        self.selected = None;
        self.select(now);
        self.field = field.min(self.nodes().len().saturating_sub(1));
    }

    pub fn nodes(&self) -> &[FieldNode] {
        match &self.selected {
            Some(Selected { tree: Ok(n), .. }) => n,
            _ => &[],
        }
    }

    pub fn move_list(&mut self, delta: isize, now: OffsetDateTime) {
        let n = self.visible.len();
        if n == 0 {
            return;
        }
        self.cursor = (self.cursor as isize + delta).clamp(0, n as isize - 1) as usize;
        self.select(now);
    }

    pub fn move_field(&mut self, delta: isize) {
        let n = self.nodes().len();
        if n == 0 {
            return;
        }
        self.field = (self.field as isize + delta).clamp(0, n as isize - 1) as usize;
        self.side_scroll = 0;
        if let Some(node) = self.nodes().get(self.field) {
            self.hex_cursor = node.start;
        }
    }

    /// Move the hex cursor; the selected field follows the byte under it.
    pub fn move_hex(&mut self, delta: isize) {
        let len = self.current_item().map_or(0, |i| i.der.len());
        if len == 0 {
            return;
        }
        self.hex_cursor = (self.hex_cursor as isize + delta).clamp(0, len as isize - 1) as usize;
        if let Some(f) = field_at(self.nodes(), self.hex_cursor) {
            self.field = f;
        }
    }
}

fn matches_filter(item: &Item, f: &str) -> bool {
    let hay = match &item.result {
        Ok(Decoded::Certificate(r)) => format!(
            "{} {} {} {}",
            r.subject,
            r.issuer,
            r.serial,
            r.subject_alt_names.join(" ")
        ),
        Ok(Decoded::Crl(c)) => c.issuer.clone(),
        Ok(Decoded::Csr(c)) => c.subject.clone(),
        Ok(Decoded::Ocsp(o)) => format!(
            "{} {}",
            ocsp_label(o),
            o.fields
                .iter()
                .map(|f| f.value.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Err(e) => e.to_string(),
    };
    hay.to_lowercase().contains(f) || item.source.to_string_lossy().to_lowercase().contains(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use certbench_pki::workspace::{SetOptions, Workspace};
    use certbench_x509::{lint_all, load_paths};
    use std::path::PathBuf;

    fn state() -> (tempfile::TempDir, InspectState) {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path()).unwrap();
        ws.gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc())
            .unwrap();
        let paths: Vec<PathBuf> = ["ca.crt", "intermediate.crt", "server.crt", "client.crt"]
            .iter()
            .map(|f| dir.path().join(f))
            .collect();
        let mut items = load_paths(&paths);
        lint_all(&mut items, OffsetDateTime::now_utc(), &|_| {
            certbench_x509::Known::default()
        });
        let mut s = InspectState::default();
        s.set_loaded(Loaded::new(items), OffsetDateTime::now_utc());
        (dir, s)
    }

    #[test]
    fn the_filter_narrows_the_list_and_keeps_the_selection_valid() {
        let (_d, mut s) = state();
        assert_eq!(s.visible.len(), 4);
        s.filter = "alice".into();
        s.refilter();
        assert_eq!(s.visible.len(), 1);
        s.select(OffsetDateTime::now_utc());
        assert_eq!(row_label(s.current_item().unwrap()), "alice");
    }

    #[test]
    fn a_selected_leaf_has_its_chain_verified_up_to_the_root() {
        let (_d, mut s) = state();
        s.move_list(2, OffsetDateTime::now_utc());
        let sel = s.selected.as_ref().unwrap();
        let chain = sel.chain.as_ref().unwrap();
        assert!(chain.ok, "{chain:?}");
        assert_eq!(chain.links.len(), 3);
    }

    #[test]
    fn completion_takes_what_all_candidates_share() {
        let c = |v: &[&str]| common_prefix(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            c(&["/etc/ssl/certs/", "/etc/ssl/cert.pem"]),
            "/etc/ssl/cert"
        );
        assert_eq!(c(&["a"]), "a");
        assert_eq!(c(&[]), "");
        assert_eq!(c(&["é1", "é2"]), "é");
    }

    #[test]
    fn moving_in_the_hex_view_selects_the_field_of_that_byte() {
        let (_d, mut s) = state();
        let serial = s
            .nodes()
            .iter()
            .position(|n| n.label == "serialNumber")
            .unwrap();
        let start = s.nodes()[serial].start;
        s.hex_cursor = 0;
        s.move_hex(start as isize + 1);
        assert_eq!(s.field, serial);
        s.move_field(1);
        assert_eq!(s.hex_cursor, s.nodes()[serial + 1].start);
    }
}
