//! The TUI's state. `App::update` is the only place that changes it; it returns the slow work to
//! do as `Effect`s, which the driver runs. Nothing here does I/O.

use std::path::PathBuf;

use certbench_pki::workspace::Issued;
use certbench_x509::{RevocationReason, Role};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;

use crate::action::{Action, CsrReview, Effect, ExportChoice, Pane};
use crate::form::{FormField, IssueForm};
use crate::handshake::HandshakeState;
use crate::inspect::{Focus as InspectFocus, InspectState, Prompt, PromptKind};
use crate::keymap::{Context, KeyMap};
use crate::layout;
use crate::view::WorkspaceView;
use certbench_tls::run::{ClientAuth, RunOptions, Stepper, Trust, group_names, suite_names};
use certbench_x509::verify::Purpose;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Form,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Result {
        scroll: u16,
    },
    /// The failure lab's scenarios, to pick one; the cursor 0 is "your workspace".
    Lab {
        cursor: usize,
    },
    /// The recipes for the selected certificate (`App::recipes`).
    Recipes {
        scroll: u16,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Issuing would replace an existing file.
    Overwrite {
        spec: Box<certbench_pki::IssueSpec>,
        path: PathBuf,
    },
    Revoke {
        name: String,
        reason: RevocationReason,
    },
    /// Sign a request a service made: its path, then what it asks for and what is granted.
    Csr(Box<CsrDialog>),
    /// Export a certificate: which file, and its password typed (never shown or logged).
    Export {
        name: String,
        /// What this certificate can be exported as.
        choices: Vec<ExportChoice>,
        choice: usize,
        password: certbench_base::text::Secret,
        /// The file exists: the next Enter replaces it.
        replace: bool,
        /// Being written.
        working: bool,
    },
}

/// Signing a request: the path typed, then (once read) the review.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrDialog {
    pub path: String,
    pub review: Option<Box<CsrReview>>,
    pub role: Role,
    /// The name in the workspace (NAME.crt), typed in the review.
    pub name: String,
    /// subjectAltNames added, comma-separated (a server's request without any needs one).
    pub sans: String,
    /// Which of the two is being typed.
    pub typing_sans: bool,
    /// With the server role: serverAuth and clientAuth both (a service that is both).
    pub both: bool,
    /// How far the list of what it asks for is scrolled.
    pub scroll: u16,
    /// The files exist: the next Enter replaces them (the old ones go to replaced/).
    pub replace: bool,
    pub working: bool,
}

impl CsrDialog {
    /// What certbench grants the request as the review stands.
    pub fn grant(
        &self,
    ) -> Option<Result<certbench_pki::csr::Grant, certbench_pki::csr::RequestError>> {
        let r = self.review.as_ref()?;
        use certbench_pki::ExtKeyUsage;
        let extras = certbench_pki::csr::Extras {
            sans: self
                .sans
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            ext_key_usages: self
                .both
                .then(|| vec![ExtKeyUsage::ServerAuth, ExtKeyUsage::ClientAuth]),
            ..Default::default()
        };
        Some(certbench_pki::csr::grant(
            &r.request, self.role, &self.name, &r.issuer, &r.set_id, &extras,
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Success,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub severity: Severity,
    pub text: String,
}

pub struct App {
    pub keymap: KeyMap,
    /// Where the user's keymap is read from, for the help.
    pub keymap_path: Option<PathBuf>,
    pub pane: Pane,
    pub view: WorkspaceView,
    pub focus: Focus,
    pub list_selected: usize,
    pub inspect: InspectState,
    /// Files and folders opened in the Inspect pane (--open, and the path prompt).
    pub open: Vec<PathBuf>,
    /// --system: the system trust store in the Inspect pane.
    pub system: bool,
    pub handshake: HandshakeState,
    pub form: IssueForm,
    pub overlay: Option<Overlay>,
    pub dialog: Option<Dialog>,
    /// The issue or revoke in flight (one at a time); see `busy()` for everything that runs.
    pub working: Option<String>,
    pub spinner: usize,
    pub status: Option<Status>,
    pub last_issued: Option<Box<Issued>>,
    pub width: u16,
    pub height: u16,
    pub now: OffsetDateTime,
    pub should_quit: bool,
    /// A file just opened from another pane: selected in the Inspect pane once it is loaded.
    pub pending_source: Option<PathBuf>,
    /// The field to select in it (an Inspect field key), for a failed run's culprit.
    pub pending_field: Option<&'static str>,
    /// Certificates from runs saved and opened in the Inspect pane, by their DER, and the
    /// certificates being saved now.
    pub exported: std::collections::HashMap<Vec<Vec<u8>>, PathBuf>,
    pub exporting: Option<Vec<Vec<u8>>>,
    /// The recipes last made, for their overlay: the certificate and the Markdown.
    pub recipes: Option<(String, String)>,
    /// A PKCS#12 bundle is being opened with a password typed: its result is said.
    pub opening_pkcs12: bool,
    /// The certificate to select in the Generate list once the workspace is read again.
    pub select_after_load: Option<String>,
    /// A file opened with `o`: what was read is said once it is.
    pub announce_open: bool,
}

impl App {
    pub fn new(
        keymap: KeyMap,
        view: WorkspaceView,
        now: OffsetDateTime,
        (width, height): (u16, u16),
    ) -> App {
        let cas = view.ca_names();
        let form = IssueForm::new(Role::Server, &view.names(), &cas, &view.set_id);
        App {
            keymap,
            keymap_path: None,
            pane: Pane::Generate,
            view,
            focus: Focus::List,
            list_selected: 0,
            inspect: InspectState::default(),
            open: Vec::new(),
            system: false,
            handshake: HandshakeState::default(),
            form,
            overlay: None,
            dialog: None,
            working: None,
            spinner: 0,
            status: None,
            last_issued: None,
            width,
            height,
            now,
            should_quit: false,
            pending_source: None,
            pending_field: None,
            exported: std::collections::HashMap::new(),
            exporting: None,
            recipes: None,
            opening_pkcs12: false,
            select_after_load: None,
            announce_open: false,
        }
    }

    /// Put a message on the message line. Whatever it quotes (a file name, a certificate's
    /// text, an error) is escaped for the terminal here, once for every message.
    pub fn say(&mut self, severity: Severity, text: impl Into<String>) {
        let text: String = text.into();
        self.status = Some(Status {
            severity,
            text: certbench_base::text::terminal_safe(&text).into_owned(),
        });
    }

    /// Which keymap sections apply now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match &self.dialog {
            Some(Dialog::Overwrite { .. }) => return vec![Context::Replace],
            Some(Dialog::Revoke { .. }) => return vec![Context::Revoke],
            Some(Dialog::Export { .. }) => return vec![Context::Export],
            Some(Dialog::Csr(d)) if d.review.is_some() => return vec![Context::Review],
            Some(Dialog::Csr(_)) => return vec![Context::Sign],
            None => {}
        }
        if self.overlay.is_some() {
            return vec![Context::Overlay, Context::Global];
        }
        match self.pane {
            Pane::Generate if self.form.editing.is_some() && self.focus == Focus::Form => {
                vec![Context::Editing]
            }
            Pane::Generate if self.focus == Focus::Form => vec![Context::Form, Context::Global],
            Pane::Generate => vec![Context::List, Context::Global],
            Pane::Inspect if self.inspect.filter_editing.is_some() => vec![Context::Editing],
            Pane::Inspect => match &self.inspect.prompt {
                Some(p) if p.kind == PromptKind::Open => vec![Context::Prompt],
                Some(p) if p.kind == PromptKind::Password => vec![Context::Password],
                Some(_) => vec![Context::Ask],
                None => match self.inspect.focus {
                    InspectFocus::List => vec![Context::Inspect, Context::Global],
                    InspectFocus::Fields => vec![Context::Fields, Context::Global],
                    InspectFocus::Hex => vec![Context::Hex, Context::Global],
                },
            },
            Pane::Handshake if self.handshake.target.is_some() => vec![Context::Target],
            Pane::Handshake => vec![Context::Handshake, Context::Global],
        }
    }

    /// A key press as an action: through the keymap; while typing, characters go to the field.
    pub fn on_key(&self, key: &KeyEvent) -> Option<Action> {
        // Ctrl-C always quits, whatever the keymap says, so the terminal can always be had back.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Some(Action::Quit);
        }
        let contexts = self.contexts();
        if let Some(a) = self.keymap.lookup(&contexts, key) {
            return Some(a);
        }
        if contexts.first().is_some_and(|c| c.takes_text())
            && let KeyCode::Char(c) = key.code
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Some(Action::Insert(c));
        }
        None
    }

    fn cas(&self) -> Vec<String> {
        self.view.ca_names()
    }

    pub fn form_errors(&self) -> Vec<(FormField, String)> {
        self.form.errors(&self.cas(), self.now)
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                self.should_quit = true;
                return vec![Effect::Quit];
            }
            Action::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                self.now = OffsetDateTime::now_utc();
            }
            Action::Resize { width, height } => {
                self.width = width;
                self.height = height;
            }
            Action::ToggleHelp => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help { .. }) => None,
                    _ => {
                        // Help opens at the keys of where the focus is.
                        let here = self.contexts().first().copied();
                        let scroll = crate::ui::help_sections(self)
                            .1
                            .iter()
                            .find(|(c, _)| Some(*c) == here)
                            .map_or(0, |(_, i)| i.saturating_sub(1));
                        Some(Overlay::Help {
                            scroll: u16::try_from(scroll).unwrap_or(0),
                        })
                    }
                };
            }
            Action::ShowResult => {
                if self.last_issued.is_some() {
                    self.overlay = Some(Overlay::Result { scroll: 0 });
                } else {
                    self.say(
                        Severity::Info,
                        "Nothing issued yet in this session: fill the form and press i.",
                    );
                }
            }
            Action::NextPane => {
                self.show_pane(Pane::ALL[(self.pane.index() + 1) % Pane::ALL.len()])
            }
            Action::PrevPane => self
                .show_pane(Pane::ALL[(self.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]),
            Action::ShowPane(p) => self.show_pane(p),
            Action::Click { column, row } => {
                if let Some(p) = layout::tab_at(self.width, column, row) {
                    self.overlay = None;
                    self.show_pane(p);
                }
            }
            Action::WorkspaceLoaded(view) => {
                self.now = OffsetDateTime::now_utc().max(self.now);
                if let Some(e) = &view.error {
                    self.say(Severity::Error, e.clone());
                }
                self.view = view;
                self.form.set_set_id(&self.view.set_id);
                let n = self.view.rows.len();
                self.list_selected = self.list_selected.min(n.saturating_sub(1));
                // A certificate just made is selected.
                if let Some(name) = self.select_after_load.take()
                    && let Some(i) = self.view.rows.iter().position(|r| r.entity.name == name)
                {
                    self.list_selected = i;
                }
                // A CA the form named may have gone, or the first one may have come.
                let cas = self.cas();
                if self.form.role != Role::Ca && !cas.contains(&self.form.issuer) {
                    self.form.issuer = cas.last().cloned().unwrap_or_default();
                }
                // The Inspect pane shows the same files: read them again.
                return vec![self.load_inspect()];
            }
            Action::HandshakeEvent { run, event } => self.handshake.push(run, *event),
            Action::ServeStarted(result) => match result {
                Ok((addr, try_files)) => {
                    if let Some(s) = self.handshake.serve.as_mut() {
                        s.addr = Some(addr);
                        s.try_files = try_files;
                    }
                    self.say(
                        Severity::Success,
                        format!(
                            "Serving https://localhost:{}/ to your own clients (curl, a browser, your service): each connection is listed here",
                            addr.port()
                        ),
                    );
                }
                Err(e) => {
                    self.handshake.serve = None;
                    self.say(Severity::Error, format!("Could not serve: {e}"));
                }
            },
            Action::ServeUpdate(update) => {
                use certbench_tls::serve::Update;
                let h = &mut self.handshake;
                if let Some(s) = h.serve.as_mut() {
                    let show = match *update {
                        Update::Accepted { id, peer } => {
                            s.accepted(id, peer, OffsetDateTime::now_utc());
                            s.selected.is_none()
                        }
                        Update::Finished(c) => {
                            let id = c.id;
                            s.finished(c) && s.shown() == Some(id)
                        }
                        Update::AcceptFailed { cause } => {
                            let text = certbench_cause::describe(&cause);
                            self.say(
                                Severity::Error,
                                format!("Could not accept a connection: {text}"),
                            );
                            false
                        }
                        Update::Event { .. } => false,
                    };
                    let h = &mut self.handshake;
                    if show && !h.running && !h.run_in_view {
                        h.show_connection();
                    }
                }
            }
            Action::ServeEvents(events) => {
                let h = &mut self.handshake;
                let Some(s) = h.serve.as_mut() else {
                    return vec![];
                };
                let shown = s.shown();
                let mut shown_moved = false;
                for (id, event) in events {
                    if let Some(row) = s
                        .connections
                        .iter_mut()
                        .find(|r| r.id == id && r.done.is_none())
                        && row.live.len() < crate::handshake::MAX_LIVE_EVENTS
                    {
                        row.live.push(event);
                        shown_moved |= shown == Some(id);
                    }
                }
                if shown_moved && !h.running && !h.run_in_view {
                    h.show_connection();
                }
            }
            Action::ServeStopped => {
                if let Some(s) = self.handshake.serve.take() {
                    self.say(
                        Severity::Info,
                        format!(
                            "Stopped serving after {} connection{}",
                            s.total,
                            if s.total == 1 { "" } else { "s" }
                        ),
                    );
                }
            }
            Action::HandshakeFinished { run, result } => {
                if run == self.handshake.run {
                    match &result {
                        Ok(s) if s.ok => self.say(
                            Severity::Success,
                            "The handshake and the request succeeded.",
                        ),
                        Ok(s) => match &s.failure {
                            // The user ended it: not a failure of the handshake.
                            Some(f) if f.cause == certbench_cause::Cause::Cancelled => {
                                self.say(Severity::Info, "The run was cancelled.")
                            }
                            Some(f) => self.say(
                                Severity::Error,
                                format!(
                                    "The handshake failed: the {} caught it: {}",
                                    f.detected_by.name(),
                                    certbench_cause::describe(&f.cause)
                                ),
                            ),
                            None => self.say(Severity::Error, "The request failed."),
                        },
                        Err(e) => self.say(Severity::Error, e.clone()),
                    }
                }
                self.handshake.finish(run, result.map(|s| *s));
            }
            Action::Completions { typed, candidates }
                if matches!(&self.dialog, Some(Dialog::Csr(d)) if d.review.is_none() && d.path == typed) =>
            {
                if let Some(Dialog::Csr(d)) = &mut self.dialog {
                    match candidates.len() {
                        0 => self.status = Some(Status {
                            severity: Severity::Info,
                            text: format!("Nothing matches {typed}"),
                        }),
                        1 => d.path = candidates[0].clone(),
                        n => {
                            let common = crate::inspect::common_prefix(&candidates);
                            if common.len() > d.path.len() {
                                d.path = common;
                            }
                            // Their last parts, as a shell lists them.
                            let names: Vec<&str> = candidates
                                .iter()
                                .map(|c| {
                                    c.trim_end_matches('/')
                                        .rsplit('/')
                                        .next()
                                        .unwrap_or(c)
                                })
                                .collect();
                            self.say(
                                Severity::Info,
                                format!("{n} match: {}", names.join("  ")),
                            );
                        }
                    }
                }
            }
            Action::Completions { typed, candidates } => {
                if let Some(p) = self.inspect.prompt.as_mut().filter(|p| p.text == typed) {
                    match candidates.len() {
                        0 => {
                            self.status = Some(Status {
                                severity: Severity::Info,
                                text: format!("Nothing matches {typed}"),
                            })
                        }
                        1 => {
                            p.text = candidates[0].clone();
                            p.candidates.clear();
                        }
                        _ => {
                            let common = crate::inspect::common_prefix(&candidates);
                            if common.len() > p.text.len() {
                                p.text = common;
                            }
                            p.candidates = candidates;
                        }
                    }
                }
            }
            Action::RunExported(result) => match result {
                Ok(e) => match &e.pcap {
                    Some(pcap) => self.say(
                        Severity::Success,
                        // The capture first: on a narrow screen it is the path that stays.
                        format!(
                            "Saved the capture {} (Wireshark opens it decrypted, nothing else needed), with its .json transcript and .keylog beside it (0600)",
                            pcap.display()
                        ),
                    ),
                    None => self.say(
                        Severity::Success,
                        format!(
                            "Saved {} and the key log {} (0600; Wireshark: TLS › (Pre)-Master-Secret log filename)",
                            e.transcript.display(),
                            e.keylog.display()
                        ),
                    ),
                },
                Err(e) => self.say(Severity::Error, format!("Could not save the run: {e}")),
            },
            Action::CertificatesExported(result) => match result {
                Ok(path) => {
                    if let Some(key) = self.exporting.take() {
                        self.exported.insert(key, path.clone());
                    }
                    self.say(
                        Severity::Success,
                        format!("Saved the certificates as {}; opened here", path.display()),
                    );
                    self.pending_source = Some(path.clone());
                    self.pane = Pane::Inspect;
                    return vec![self.open_in_inspect(path)];
                }
                Err(e) => {
                    self.pending_field = None;
                    self.exporting = None;
                    self.say(
                        Severity::Error,
                        format!("Could not save the certificates: {e}"),
                    )
                }
            },
            Action::InspectLoaded(loaded) => {
                let n = loaded.items.iter().filter(|i| i.result.is_err()).count();
                // A file just opened: said whole, a bundle's password too.
                let opened = self.pending_source.as_ref().map(|source| {
                    let of_it: Vec<_> = loaded
                        .items
                        .iter()
                        // A file, or what was read in a folder.
                        .filter(|i| i.source.starts_with(source))
                        .collect();
                    let locked = of_it
                        .iter()
                        .any(|i| certbench_x509::load::is_locked_pkcs12(i));
                    let read = of_it.iter().filter(|i| i.result.is_ok()).count();
                    let wrong = of_it.iter().any(|i| {
                        matches!(
                            i.result,
                            Err(certbench_x509::error::LoadError::Pkcs12(
                                certbench_x509::error::Pkcs12Problem::WrongPassword
                            ))
                        )
                    });
                    (source.clone(), locked, read, wrong)
                });
                self.inspect.set_loaded(*loaded, self.now);
                if let Some((source, locked, read, wrong)) = &opened
                    && self.pane == Pane::Inspect
                {
                    let file = source
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if *wrong {
                        self.say(
                            Severity::Error,
                            format!("That password does not open {file}: Enter to try again."),
                        );
                    } else if *locked {
                        self.say(
                            Severity::Warning,
                            format!("{file} needs its password: Enter on it to type it."),
                        );
                    } else if *read > 0 && (self.opening_pkcs12 || self.announce_open) {
                        self.say(
                            Severity::Success,
                            format!(
                                "Read {file}: {read} item{}.",
                                if *read == 1 { "" } else { "s" }
                            ),
                        );
                    }
                }
                self.opening_pkcs12 = false;
                self.announce_open = false;
                if let Some(source) = self.pending_source.take() {
                    self.inspect.focus_source(&source, self.now);
                    if let Some(field) = self.pending_field.take() {
                        self.inspect.focus_field(field);
                    }
                }
                if n > 0 && self.pane == Pane::Inspect && opened.is_none_or(|(_, l, r, _)| !l && r == 0) {
                    self.say(
                        Severity::Error,
                        format!(
                            "{n} item{} could not be read: marked ✗ in the list",
                            if n == 1 { "" } else { "s" }
                        ),
                    );
                }
            }
            Action::IssueFinished { spec, result } => {
                self.working = None;
                match result {
                    Ok(issued) => {
                        let files: Vec<String> = issued
                            .files
                            .iter()
                            .filter_map(|f| f.file_name())
                            .map(|f| f.to_string_lossy().into_owned())
                            .collect();
                        // A certificate that is not valid now is what was asked for (an expired
                        // one to test with, say), but it is said plainly.
                        let (severity, validity) = if self.now > issued.entity.not_after {
                            (
                                Severity::Warning,
                                format!(
                                    " Already expired: it expired {} ago.",
                                    certbench_x509::span(self.now - issued.entity.not_after)
                                ),
                            )
                        } else if self.now < issued.entity.not_before {
                            (
                                Severity::Warning,
                                format!(
                                    " Not valid yet: it starts in {}.",
                                    certbench_x509::span(issued.entity.not_before - self.now)
                                ),
                            )
                        } else {
                            (Severity::Success, String::new())
                        };
                        // The next certificate starts from the role's defaults: an expired
                        // not-before or a name typed for this one is not silently reused.
                        let mut taken = self.view.names();
                        taken.push(issued.entity.name.clone());
                        let issuer = self.form.issuer.clone();
                        self.form.apply_role_defaults(&taken, &self.cas());
                        if self.cas().contains(&issuer) {
                            self.form.issuer = issuer;
                        }
                        let replaced = issued
                            .replaced_into
                            .as_ref()
                            .map(|p| format!(" The old files are in {}.", p.display()))
                            .unwrap_or_default();
                        self.say(
                            severity,
                            format!(
                                "Issued {} \"{}\": {}.{replaced}{validity} A new form: role, issuer, key type kept.",
                                issued.entity.role.title(),
                                issued.entity.name,
                                files.join(", ")
                            ),
                        );
                        self.select_after_load = Some(issued.entity.name.clone());
                        self.last_issued = Some(issued);
                        if !layout::shows_result_beside(self.width) {
                            self.overlay = Some(Overlay::Result { scroll: 0 });
                        }
                        return vec![Effect::LoadWorkspace];
                    }
                    Err(e) => match e.existing_file {
                        Some(path) => self.dialog = Some(Dialog::Overwrite { spec, path }),
                        None => self.say(Severity::Error, e.message),
                    },
                }
            }
            Action::TaskFailed(message) => self.say(Severity::Error, message),
            Action::CsrRead(result) => {
                let taken = self.view.names();
                if let Some(Dialog::Csr(d)) = &mut self.dialog {
                    d.working = false;
                    match result {
                        Ok(review) => {
                            d.name = certbench_pki::csr::suggested_name(&review.request, &taken);
                            d.role = certbench_pki::csr::suggested_role(&review.request);
                            // A request for both gets both (the role can be changed).
                            let asks =
                                |u: &str| certbench_pki::csr::asks_for(&review.request, u);
                            d.both = asks("serverAuth") && asks("clientAuth");
                            d.review = Some(review);
                            self.status = None;
                        }
                        Err(e) => self.say(Severity::Error, e),
                    }
                }
            }
            Action::CsrSigned(result) => {
                let Some(Dialog::Csr(mut d)) = self.dialog.take() else {
                    return vec![];
                };
                d.working = false;
                match result {
                    Ok(issued) => {
                        let files: Vec<String> = issued
                            .files
                            .iter()
                            .filter_map(|f| f.file_name())
                            .map(|f| f.to_string_lossy().into_owned())
                            .collect();
                        self.say(
                            Severity::Success,
                            format!(
                                "Signed the request as {} \"{}\": {}; no key (it stays with whoever made the request).",
                                issued.entity.role.title(),
                                issued.entity.name,
                                files.join(", ")
                            ),
                        );
                        self.select_after_load = Some(issued.entity.name.clone());
                        self.last_issued = Some(issued);
                        return vec![Effect::LoadWorkspace];
                    }
                    Err(e) => {
                        match &e.existing_file {
                            Some(path) => {
                                d.replace = true;
                                self.say(
                                    Severity::Warning,
                                    format!(
                                        "{} exists: Enter replaces it (the old files go to replaced/), Esc keeps it.",
                                        path.display()
                                    ),
                                );
                            }
                            None => self.say(Severity::Error, e.message),
                        }
                        self.dialog = Some(Dialog::Csr(d));
                    }
                }
            }
            Action::RecipesMade(result) => match result {
                Ok(text) => {
                    if let Some((_, shown)) = &mut self.recipes {
                        *shown = text;
                        self.overlay = Some(Overlay::Recipes { scroll: 0 });
                    }
                }
                Err(e) => {
                    self.recipes = None;
                    self.say(Severity::Error, format!("No recipes: {e}"));
                }
            },
            Action::ExportFinished(result) => {
                let Some(Dialog::Export {
                    name,
                    choices,
                    choice,
                    password,
                    ..
                }) = self.dialog.take()
                else {
                    return vec![];
                };
                match result {
                    Ok(done) => {
                        let file = done
                            .path
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let what = choices
                            .get(choice)
                            .map(|c| c.words().title)
                            .unwrap_or_default();
                        self.say(
                            Severity::Success,
                            format!(
                                "Wrote {file} in the workspace ({what}{}{}).",
                                if done.private { ", mode 0600" } else { "" },
                                if done.replaced {
                                    ", replacing the file that was there"
                                } else {
                                    ""
                                }
                            ),
                        );
                    }
                    Err(e) => {
                        let replace = e.existing_file.is_some();
                        match &e.existing_file {
                            Some(path) => self.say(
                                Severity::Warning,
                                format!(
                                    "{} exists: Enter replaces it, Esc keeps it.",
                                    path.display()
                                ),
                            ),
                            None => self.say(Severity::Error, e.message),
                        }
                        self.dialog = Some(Dialog::Export {
                            name,
                            choices,
                            choice,
                            password,
                            replace,
                            working: false,
                        });
                    }
                }
            }
            Action::RevokeFinished(result) => {
                self.working = None;
                match result {
                    Ok(r) => {
                        self.say(
                            Severity::Success,
                            format!(
                                "Revoked \"{}\": {} lists {} certificate{}",
                                r.name,
                                r.crl_path
                                    .file_name()
                                    .map(|f| f.to_string_lossy().into_owned())
                                    .unwrap_or_default(),
                                r.listed,
                                if r.listed == 1 { "" } else { "s" }
                            ),
                        );
                        return vec![Effect::LoadWorkspace];
                    }
                    Err(e) => self.say(Severity::Error, e),
                }
            }
            other => return self.update_focused(other),
        }
        vec![]
    }

    /// Actions whose meaning depends on where the focus is.
    fn update_focused(&mut self, action: Action) -> Vec<Effect> {
        if let Some(dialog) = self.dialog.clone() {
            return self.update_dialog(dialog, action);
        }
        if let Some(overlay) = self.overlay {
            let scroll = |s: u16| match action {
                Action::Up => Some(s.saturating_sub(1)),
                Action::Down => Some(s.saturating_add(1)),
                Action::PageUp => Some(s.saturating_sub(10)),
                Action::PageDown => Some(s.saturating_add(10)),
                _ => None,
            };
            match (overlay, &action) {
                (_, Action::Back) => self.overlay = None,
                (Overlay::Lab { cursor }, Action::Activate) => {
                    self.overlay = None;
                    let h = &mut self.handshake;
                    h.scenario = cursor
                        .checked_sub(1)
                        .and_then(|i| certbench_lab::SCENARIOS.get(i));
                    // A scenario is picked to be seen: it runs at once.
                    if h.scenario.is_some() && !h.running {
                        return self.update_handshake(Action::RunHandshake);
                    }
                }
                (Overlay::Lab { cursor }, _) => {
                    let last = certbench_lab::SCENARIOS.len();
                    let moved = match action {
                        Action::Up => cursor.saturating_sub(1),
                        Action::Down => (cursor + 1).min(last),
                        Action::PageUp => cursor.saturating_sub(10),
                        Action::PageDown => (cursor + 10).min(last),
                        _ => cursor,
                    };
                    self.overlay = Some(Overlay::Lab { cursor: moved });
                }
                (_, Action::Activate) => self.overlay = None,
                (Overlay::Help { scroll: s }, _) => {
                    if let Some(s) = scroll(s) {
                        self.overlay = Some(Overlay::Help { scroll: s });
                    }
                }
                (Overlay::Result { scroll: s }, _) => {
                    if let Some(s) = scroll(s) {
                        self.overlay = Some(Overlay::Result { scroll: s });
                    }
                }
                (Overlay::Recipes { scroll: s }, _) => {
                    if let Some(s) = scroll(s) {
                        self.overlay = Some(Overlay::Recipes { scroll: s });
                    }
                }
            }
            return vec![];
        }
        match self.pane {
            Pane::Generate if self.focus == Focus::Form => self.update_form(action),
            Pane::Generate => self.update_list(action),
            Pane::Inspect => self.update_inspect(action),
            Pane::Handshake => self.update_handshake(action),
        }
    }

    /// Typing where to connect.
    fn update_target(&mut self, action: Action) -> Vec<Effect> {
        let h = &mut self.handshake;
        let Some(text) = h.target.as_mut() else {
            return vec![];
        };
        match action {
            Action::Insert(c) if text.len() < 300 => text.push(c),
            Action::DeleteBack => {
                text.pop();
            }
            Action::ClearField => text.clear(),
            Action::Back => h.target = None,
            Action::Activate => {
                let target = text.trim().to_string();
                h.target = None;
                if certbench_tls::connect::host_of(&target).is_none() {
                    self.say(
                        Severity::Error,
                        format!(
                            "\"{}\" is not HOST:PORT (for example localhost:8443)",
                            certbench_base::text::display_safe(&target, 80)
                        ),
                    );
                    return vec![];
                }
                let run = h.start();
                h.ran = None;
                h.stepper = None;
                h.connected_to = Some(target.clone());
                self.status = None;
                return vec![Effect::Connect {
                    run,
                    dir: self.view.dir.clone(),
                    target,
                    client: h.client.clone(),
                }];
            }
            _ => {}
        }
        vec![]
    }

    fn update_handshake(&mut self, action: Action) -> Vec<Effect> {
        if self.handshake.target.is_some() {
            return self.update_target(action);
        }
        // A lab scenario brings its own certificates and choices: the workspace's stay as they
        // are, and the keys that change them say so instead of changing what does not show.
        let workspace_choice = matches!(
            action,
            Action::ToggleTls
                | Action::CycleClientCert
                | Action::CycleGroup
                | Action::CycleSuite
                | Action::CycleServerName
                | Action::CycleServerCert
                | Action::CycleClientAuth
                | Action::CycleChains
                | Action::CycleTrust
        );
        if workspace_choice && self.handshake.scenario.is_some() {
            let key = self.key_for(crate::keymap::Context::Handshake, Action::PickScenario);
            self.say(
                Severity::Info,
                format!(
                    "A lab scenario brings its own certificates and choices: {key}, then \"(your workspace)\", to make your own"
                ),
            );
            return vec![];
        }
        let h = &mut self.handshake;
        match action {
            Action::Up => {
                h.move_selection(-1);
                h.details_scroll = 0;
            }
            Action::Down => {
                h.move_selection(1);
                h.details_scroll = 0;
            }
            Action::ScrollDown => {
                let most = crate::panes::handshake::details_max_scroll(self);
                let h = &mut self.handshake;
                h.details_scroll = (h.details_scroll + 5).min(most);
            }
            Action::ScrollUp => h.details_scroll = h.details_scroll.saturating_sub(5),
            Action::FoldSecrets => h.fold_secrets = !h.fold_secrets,
            Action::ToggleBytes => {
                h.bytes = !h.bytes;
                h.byte_cursor = Default::default();
                h.details_scroll = 0;
                // The end row has no bytes: the bytes are the last message's, selected.
                if h.bytes {
                    h.at_end = false;
                    h.absent = None;
                }
            }
            Action::Left | Action::Right | Action::PrevByte | Action::NextByte if h.bytes => {
                let version = crate::handshake::version_of(&h.events);
                if let Some(a) = h
                    .events
                    .get(h.selected)
                    .and_then(|e| crate::handshake::annotate(e, version))
                {
                    let (fields, bytes) = match action {
                        Action::Left => (-1, 0),
                        Action::Right => (1, 0),
                        Action::PrevByte => (0, -1),
                        _ => (0, 1),
                    };
                    h.byte_cursor = a.step(h.byte_cursor, fields, bytes);
                }
            }
            Action::ToggleTls if !h.running => {
                h.version = h.version.other();
                // Suites belong to a version; so do some groups (the hybrid ones are TLS 1.3's).
                h.suite = None;
                if h.group
                    .as_ref()
                    .is_some_and(|g| !group_names(h.version).contains(g))
                {
                    h.group = None;
                }
            }
            Action::CycleClientCert if !h.running => {
                // Every client certificate of the workspace whose key it holds, then none.
                let mut choices: Vec<Option<String>> = self
                    .view
                    .rows
                    .iter()
                    .filter(|r| r.entity.role == Role::Client && r.entity.key.is_some())
                    .map(|r| Some(r.entity.name.clone()))
                    .collect();
                choices.push(None);
                h.client = next_choice(&choices, &h.client);
            }
            Action::ExportRun => match &h.outcome {
                Some(Ok(summary)) if !h.running => {
                    return vec![Effect::ExportRun {
                        summary: Box::new(summary.clone()),
                        events: h.events.clone(),
                        scenario: h.ran,
                    }];
                }
                _ => self.say(
                    Severity::Info,
                    "Nothing to save yet: run a handshake first (r), and let it end",
                ),
            },
            // After a failed run, while the Step box shows the failure: its culprit, at its field.
            Action::InspectStep
                if h.at_end
                    && let Some(Ok(s)) = &h.outcome
                    && let Some(c) = s.failure.as_ref().and_then(|f| f.culprit.clone()) =>
            {
                self.pending_field = Some(c.field);
                let ders: Vec<Vec<u8>> = std::iter::once(c.der.to_vec())
                    .chain(c.others.iter().cloned())
                    .collect();
                return self.open_certificates(ders, Effect::ExportCulprit(Box::new(c)));
            }
            Action::InspectStep => match h.events.get(h.selected) {
                Some(e) if !e.certificates().is_empty() => {
                    self.pending_field = None;
                    let ders: Vec<Vec<u8>> = e.certificates().iter().map(|d| d.to_vec()).collect();
                    let effect = Effect::ExportCertificates(Box::new(e.clone()));
                    return self.open_certificates(ders, effect);
                }
                _ => self.say(
                    Severity::Info,
                    "This step carries no certificate: select a Certificate or a chain verdict",
                ),
            },
            Action::CycleServerName if !h.running => {
                // The server certificate's own names, then one it does not have: how a wrong
                // name fails.
                let mut choices: Vec<String> = self
                    .view
                    .rows
                    .iter()
                    .find(|r| r.entity.name == h.server)
                    .and_then(|r| r.summary.as_ref().ok())
                    .map(|s| {
                        s.subject_alt_names
                            .iter()
                            .filter_map(|san| {
                                san.strip_prefix("DNS:")
                                    .or_else(|| san.strip_prefix("IP Address:"))
                                    .map(String::from)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                choices.push(WRONG_NAME.into());
                h.server_name = next_choice(&choices, &h.server_name);
            }
            Action::CycleSuite if !h.running => {
                let mut choices = vec![None];
                choices.extend(suite_names(h.version).into_iter().map(Some));
                h.suite = next_choice(&choices, &h.suite);
            }
            Action::CycleGroup if !h.running => {
                let mut choices = vec![None];
                choices.extend(group_names(h.version).into_iter().map(Some));
                h.group = next_choice(&choices, &h.group);
            }
            Action::RunHandshake if h.running => {
                self.say(Severity::Info, "A handshake is running…")
            }
            Action::PickScenario if !h.running => {
                let cursor = h
                    .scenario
                    .and_then(|s| {
                        certbench_lab::SCENARIOS
                            .iter()
                            .position(|o| o.name == s.name)
                    })
                    .map_or(0, |i| i + 1);
                self.overlay = Some(Overlay::Lab { cursor });
            }
            Action::CycleServerCert if !h.running => {
                let choices: Vec<String> = self
                    .view
                    .rows
                    .iter()
                    .filter(|r| r.entity.role == Role::Server && r.entity.key.is_some())
                    .map(|r| r.entity.name.clone())
                    .collect();
                if !choices.is_empty() {
                    h.server = next_choice(&choices, &h.server);
                }
            }
            Action::CycleClientAuth if !h.running => {
                h.client_auth = match h.client_auth {
                    ClientAuth::Required => ClientAuth::Optional,
                    ClientAuth::Optional => ClientAuth::None,
                    _ => ClientAuth::Required,
                };
            }
            Action::CycleChains if !h.running => {
                let choices = [(true, true), (false, true), (true, false), (false, false)];
                h.chains = next_choice(&choices, &h.chains);
            }
            Action::CycleTrust if !h.running => {
                // Both the workspace's CAs; one side the system store; then each root alone.
                let mut choices = vec![
                    (Trust::Workspace, Trust::Workspace),
                    (Trust::System, Trust::Workspace),
                    (Trust::Workspace, Trust::System),
                ];
                let roots: Vec<String> = self
                    .view
                    .rows
                    .iter()
                    .filter(|r| r.entity.role == Role::Ca)
                    .map(|r| r.entity.name.clone())
                    .collect();
                // With several roots, each side can trust one of them alone: "another CA".
                if roots.len() > 1 {
                    for r in roots {
                        choices.push((Trust::Root(r.clone()), Trust::Workspace));
                        choices.push((Trust::Workspace, Trust::Root(r)));
                    }
                }
                h.trust = next_choice(&choices, &h.trust);
            }
            Action::ToggleStep if !h.running => h.step_mode = !h.step_mode,
            Action::ToggleServe => match &h.serve {
                Some(s) => {
                    let control = s.control.clone();
                    self.say(Severity::Info, "Stopping the server…");
                    return vec![Effect::StopServe(control)];
                }
                None if h.scenario.is_some() => self.say(
                    Severity::Info,
                    "A lab scenario runs on its own pair: pick \"(your workspace)\" (l) to serve your workspace",
                ),
                None => {
                    let control = crate::action::ServeControl::default();
                    h.serve = Some(crate::handshake::ServeState::new(
                        control.clone(),
                        h.client_auth,
                    ));
                    h.run_in_view = false;
                    return vec![Effect::StartServe {
                        dir: self.view.dir.clone(),
                        server: h.server.clone(),
                        client_auth: h.client_auth,
                        control,
                    }];
                }
            },
            Action::PrevConnection | Action::NextConnection if !h.running => {
                if let Some(s) = h.serve.as_mut() {
                    s.step(if matches!(action, Action::PrevConnection) { -1 } else { 1 });
                    h.show_connection();
                } else {
                    let key = self.key_for(crate::keymap::Context::Handshake, Action::ToggleServe);
                    self.say(
                        Severity::Info,
                        format!("No server running: {key} serves this workspace to your own clients"),
                    );
                }
            }
            Action::StartConnect if !h.running => {
                let last = h.connected_to.clone();
                let port = h.serve.as_ref().and_then(|s| s.addr).map(|a| a.port());
                h.target = Some(match (last, port) {
                    (Some(t), _) => t,
                    (None, Some(p)) => format!("localhost:{p}"),
                    (None, None) => "localhost:8443".into(),
                });
            }
            Action::NextFlight => {
                if let Some(st) = h.stepper.clone().filter(|_| h.step_mode) {
                    return vec![Effect::StepHandshake(st)];
                }
            }
            Action::CancelRun => {
                if let Some(st) = h.stepper.clone() {
                    self.say(Severity::Info, "Cancelling the run…");
                    return vec![Effect::CancelHandshake(st)];
                }
            }
            Action::RunHandshake => {
                let run = h.start();
                h.ran = h.scenario;
                h.ran_trust = h.scenario.is_none().then(|| h.trust.clone());
                h.connected_to = None;
                let stepper = Stepper::new(h.step_mode);
                h.stepper = Some(stepper.clone());
                let mut options = RunOptions::new(self.view.dir.clone());
                options.version = h.version;
                options.group = h.group().map(String::from);
                options.suite = h.suite.clone();
                options.server_name = h.server_name.clone();
                options.client_auth = h.client_auth;
                let m = &mut options.material;
                (m.server, m.client) = (h.server.clone(), h.client.clone());
                (m.server_sends_chain, m.client_sends_chain) = h.chains;
                (m.client_trusts, m.server_trusts) = h.trust.clone();
                options.control.stepper = Some(stepper);
                if h.step_mode {
                    // A person reads at their own pace: no timeout worth the name.
                    options.control.timeout = std::time::Duration::from_secs(3600);
                }
                self.status = None;
                return vec![Effect::RunHandshake {
                    run,
                    options: Box::new(options),
                    scenario: h.scenario,
                }];
            }
            _ => {}
        }
        vec![]
    }

    /// Open certificates from a run in the Inspect pane: the file saved for the same certificates
    /// before, if there is one (opening them twice would list them twice), else save them.
    fn open_certificates(&mut self, ders: Vec<Vec<u8>>, save: Effect) -> Vec<Effect> {
        if let Some(path) = self.exported.get(&ders).cloned() {
            self.pane = Pane::Inspect;
            self.inspect.focus_source(&path, self.now);
            if let Some(field) = self.pending_field.take() {
                self.inspect.focus_field(field);
            }
            self.say(
                Severity::Info,
                format!("Already open here, from {}", path.display()),
            );
            return vec![];
        }
        self.exporting = Some(ders);
        vec![save]
    }

    /// The key for an action where the focus is, for a hint written into a pane.
    pub fn key_for(&self, ctx: crate::keymap::Context, action: Action) -> String {
        self.keymap.key_for(ctx, action)
    }

    /// What runs in the background, for the spinner: each piece of work says so by its own state,
    /// so one finishing does not hide another.
    pub fn busy(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(w) = &self.working {
            parts.push(w.clone());
        }
        if self.handshake.running {
            parts.push(if self.handshake.is_paused() {
                "handshake paused (space: next flight, x: cancel)".into()
            } else {
                "running an mTLS handshake on 127.0.0.1".into()
            });
        }
        if self.pane == Pane::Inspect && self.inspect.loading {
            parts.push("reading certificates".into());
        }
        let mut text = parts.join(" · ");
        if let Some(first) = text.get(..1) {
            text = first.to_uppercase() + &text[1..];
        }
        (!text.is_empty()).then_some(text)
    }

    /// Switch pane; a message about the pane left behind goes with it.
    fn show_pane(&mut self, pane: Pane) {
        if pane != self.pane && self.working.is_none() {
            self.status = None;
        }
        self.pane = pane;
    }

    /// Read the Inspect pane's files again (in a task).
    /// Open `path` in the Inspect pane: read it alone and append it to what is loaded, or, when
    /// nothing is loaded yet, load everything (which includes it).
    fn open_in_inspect(&mut self, path: PathBuf) -> Effect {
        if self.open.contains(&path) {
            // Read again: the file may have changed since.
            return self.load_inspect();
        }
        self.open.push(path.clone());
        if self.inspect.loading || self.inspect.loaded.items.is_empty() {
            return self.load_inspect();
        }
        self.inspect.loading = true;
        Effect::AddToInspect {
            paths: vec![path],
            loaded: self.inspect.loaded.items.clone(),
        }
    }

    pub fn load_inspect(&mut self) -> Effect {
        self.inspect.loading = true;
        Effect::LoadInspect {
            open: self.open.clone(),
            system: self.system,
        }
    }

    fn update_prompt(&mut self, action: Action) -> Vec<Effect> {
        let Some(p) = self.inspect.prompt.as_mut() else {
            return vec![];
        };
        if p.kind == PromptKind::Password {
            match action {
                Action::Insert(c) => p.secret.push(c),
                Action::DeleteBack => p.secret.pop(),
                Action::ClearField => p.secret.clear(),
                Action::Back => self.inspect.prompt = None,
                Action::Activate => {
                    let password = std::mem::take(&mut p.secret);
                    let file = p.file.take();
                    self.inspect.prompt = None;
                    if let Some(source) = file {
                        self.inspect.loading = true;
                        self.opening_pkcs12 = true;
                        self.pending_source = Some(source.clone());
                        return vec![Effect::OpenPkcs12 {
                            source,
                            password,
                            loaded: self.inspect.loaded.items.clone(),
                        }];
                    }
                }
                _ => {}
            }
            return vec![];
        }
        match action {
            Action::Insert(c) => {
                p.text.push(c);
                p.candidates.clear();
            }
            Action::DeleteBack => {
                p.text.pop();
                p.candidates.clear();
            }
            Action::ClearField => p.text.clear(),
            Action::Complete if p.kind == PromptKind::Open => {
                return vec![Effect::CompletePath(p.text.clone())];
            }
            Action::Back => self.inspect.prompt = None,
            Action::Activate if p.kind == PromptKind::Name => {
                let text = p.text.trim().to_string();
                self.inspect.prompt = None;
                self.inspect.verify.name = (!text.is_empty()).then_some(text);
                self.inspect.reselect(self.now);
            }
            Action::Activate if p.kind == PromptKind::Time => {
                let text = p.text.trim().to_string();
                let now = self.now.replace_nanosecond(0).unwrap_or(self.now);
                match certbench_base::times::parse_verify_time(&text, now) {
                    Ok(t) => {
                        self.inspect.prompt = None;
                        self.inspect.verify.at =
                            (!text.is_empty() && !text.eq_ignore_ascii_case("now")).then_some(t);
                        self.inspect.reselect(self.now);
                    }
                    Err(e) => self.say(Severity::Error, e.to_string()),
                }
            }
            Action::Activate => {
                let text = p.text.trim().to_string();
                self.inspect.prompt = None;
                if text.is_empty() {
                    return vec![];
                }
                let path = expand_home(&text);
                self.say(Severity::Info, format!("Opening {}…", path.display()));
                // Selected once read (a file; a folder's items keep the cursor where it is), and
                // said.
                self.pending_source = Some(path.clone());
                self.announce_open = true;
                return vec![self.open_in_inspect(path)];
            }
            _ => {}
        }
        vec![]
    }

    fn update_inspect(&mut self, action: Action) -> Vec<Effect> {
        if self.inspect.prompt.is_some() {
            return self.update_prompt(action);
        }
        match action {
            Action::ScrollDown => {
                let most = crate::panes::inspect::side_max_scroll(self);
                let s = &mut self.inspect;
                s.side_scroll = (s.side_scroll + 3).min(most);
                return vec![];
            }
            Action::ScrollUp => {
                self.inspect.side_scroll = self.inspect.side_scroll.saturating_sub(3);
                return vec![];
            }
            _ => {}
        }
        let now = self.now;
        let s = &mut self.inspect;
        if s.filter_editing.is_some() {
            match action {
                Action::Insert(c) => s.filter.push(c),
                Action::DeleteBack => {
                    s.filter.pop();
                }
                Action::ClearField => s.filter.clear(),
                // Enter, Tab (the form's "done, next" while typing) or ↓: done with the filter.
                Action::Activate | Action::Down | Action::NextField | Action::PrevField => {
                    s.filter_editing = None
                }
                Action::Back => {
                    if let Some(old) = s.filter_editing.take() {
                        s.filter = old;
                    }
                }
                _ => {}
            }
            s.refilter();
            s.select(now);
            return vec![];
        }
        let page = (self.height as isize - 8).max(1);
        match (s.focus, action) {
            (InspectFocus::List, Action::Up) => s.move_list(-1, now),
            (InspectFocus::List, Action::Down) => s.move_list(1, now),
            (InspectFocus::List, Action::PageUp) => s.move_list(-page, now),
            (InspectFocus::List, Action::PageDown) => s.move_list(page, now),
            (InspectFocus::List, Action::StartFilter) => s.filter_editing = Some(s.filter.clone()),
            (InspectFocus::List, Action::StartOpen) => s.prompt = Some(Default::default()),
            (InspectFocus::List, Action::VerifyName) => {
                s.prompt = Some(Prompt {
                    kind: PromptKind::Name,
                    text: s.verify.name.clone().unwrap_or_default(),
                    ..Default::default()
                })
            }
            (InspectFocus::List, Action::VerifyTime) => {
                s.prompt = Some(Prompt {
                    kind: PromptKind::Time,
                    ..Default::default()
                })
            }
            (InspectFocus::List, Action::CyclePurpose) => {
                s.verify.purpose = match s.verify.purpose {
                    None => Some(Purpose::Server),
                    Some(Purpose::Server) => Some(Purpose::Client),
                    Some(Purpose::Client) => None,
                };
                s.reselect(now);
            }
            // A PKCS#12 bundle waiting for its password: Enter asks for it.
            (InspectFocus::List, Action::Activate)
                if s.current_item()
                    .is_some_and(certbench_x509::load::is_locked_pkcs12) =>
            {
                let file = s.current_item().map(|i| i.source.clone());
                s.prompt = Some(Prompt {
                    kind: PromptKind::Password,
                    file,
                    ..Default::default()
                });
            }
            (InspectFocus::List, Action::Activate) if !s.nodes().is_empty() => {
                s.focus = InspectFocus::Fields
            }
            (InspectFocus::Fields, Action::Up) => s.move_field(-1),
            (InspectFocus::Fields, Action::Down) => s.move_field(1),
            (InspectFocus::Fields, Action::PageUp) => s.move_field(-page),
            (InspectFocus::Fields, Action::PageDown) => s.move_field(page),
            (InspectFocus::Fields, Action::Activate) => {
                s.focus = InspectFocus::Hex;
                if let Some(n) = s.nodes().get(s.field) {
                    s.hex_cursor = n.start;
                }
            }
            (InspectFocus::Fields, Action::Back) => s.focus = InspectFocus::List,
            (InspectFocus::Hex, Action::Left) => s.move_hex(-1),
            (InspectFocus::Hex, Action::Right) => s.move_hex(1),
            (InspectFocus::Hex, Action::Up) => {
                s.move_hex(-(layout::hex_bytes_per_row(self.width) as isize))
            }
            (InspectFocus::Hex, Action::Down) => {
                s.move_hex(layout::hex_bytes_per_row(self.width) as isize)
            }
            (InspectFocus::Hex, Action::Back) => s.focus = InspectFocus::Fields,
            _ => {}
        }
        vec![]
    }

    fn update_list(&mut self, action: Action) -> Vec<Effect> {
        let n = self.view.rows.len();
        match action {
            Action::Up => self.list_selected = self.list_selected.saturating_sub(1),
            Action::Down => self.list_selected = (self.list_selected + 1).min(n.saturating_sub(1)),
            Action::Activate => self.focus = Focus::Form,
            Action::NewUnderSelected => {
                let selected = self
                    .view
                    .rows
                    .get(self.list_selected)
                    .map(|r| r.entity.clone());
                let taken = self.view.names();
                let cas = self.cas();
                match selected {
                    Some(e) if e.role.is_ca() && e.revoked.is_none() => {
                        let role = if e.role == Role::Ca && !cas.iter().any(|c| c != &e.name) {
                            Role::Intermediate
                        } else {
                            Role::Server
                        };
                        self.form.role = role;
                        self.form.apply_role_defaults(&taken, &cas);
                        self.form.issuer = e.name.clone();
                        self.say(
                            Severity::Info,
                            format!(
                                "New {} issued by \"{}\": Role ←/→ changes what it is.",
                                role.title(),
                                e.name
                            ),
                        );
                    }
                    _ => {
                        self.form.apply_role_defaults(&taken, &cas);
                    }
                }
                self.form.selected = 0;
                self.focus = Focus::Form;
            }
            Action::StartSignRequest => {
                self.dialog = Some(Dialog::Csr(Box::new(CsrDialog {
                    path: String::new(),
                    review: None,
                    role: Role::Server,
                    name: String::new(),
                    sans: String::new(),
                    typing_sans: false,
                    both: false,
                    scroll: 0,
                    replace: false,
                    working: false,
                })));
            }
            Action::ShowRecipes => match self.view.rows.get(self.list_selected) {
                None => self.say(Severity::Info, "The workspace is empty: no recipes yet."),
                Some(r) => {
                    let name = r.entity.name.clone();
                    self.recipes = Some((name.clone(), String::new()));
                    return vec![Effect::MakeRecipes { name }];
                }
            },
            Action::StartExport => match self.view.rows.get(self.list_selected) {
                None => self.say(Severity::Info, "There is nothing to export."),
                Some(r) => {
                    // The key's files only for a leaf whose key the workspace holds.
                    let choices: Vec<ExportChoice> = ExportChoice::ALL
                        .into_iter()
                        .filter(|c| {
                            !c.holds_key() || (r.entity.role.is_leaf() && r.entity.key.is_some())
                        })
                        .collect();
                    self.dialog = Some(Dialog::Export {
                        name: r.entity.name.clone(),
                        choices,
                        choice: 0,
                        password: Default::default(),
                        replace: false,
                        working: false,
                    });
                }
            },
            Action::Revoke => match self.view.rows.get(self.list_selected) {
                None => self.say(Severity::Info, "There is nothing to revoke."),
                Some(r) if r.entity.issuer.is_none() => self.say(
                    Severity::Error,
                    format!(
                        "\"{}\" is a root CA: no CRL can list it; stop trusting it instead",
                        r.entity.name
                    ),
                ),
                Some(r) if r.entity.revoked.is_some() => self.say(
                    Severity::Info,
                    format!("\"{}\" is already revoked", r.entity.name),
                ),
                Some(r) => {
                    self.dialog = Some(Dialog::Revoke {
                        name: r.entity.name.clone(),
                        reason: RevocationReason::Unspecified,
                    })
                }
            },
            _ => {}
        }
        vec![]
    }

    fn update_form(&mut self, action: Action) -> Vec<Effect> {
        let field = self.form.field();
        if matches!(action, Action::NextField | Action::PrevField) {
            // Tab: done with this field, and typing in the next text field (past the last one,
            // the Issue button). Letters typed next go into a field, never to a command.
            self.form.editing = None;
            let forward = matches!(action, Action::NextField);
            match self.form.next_text_field(forward) {
                Some(next) => {
                    self.form.select(next);
                    self.form.editing = Some(self.form.text(next).to_string());
                    self.form.replace_on_type = true;
                }
                None if forward => self.form.select(FormField::IssueButton),
                None => {}
            }
            return vec![];
        }
        if self.form.editing.is_some() {
            // The value of a field reached with Tab is replaced by what is typed first.
            let replace = std::mem::take(&mut self.form.replace_on_type);
            match action {
                Action::Insert(c) => {
                    let mut v = if replace {
                        String::new()
                    } else {
                        self.form.text(field).to_string()
                    };
                    if v.chars().count() < 1024 {
                        v.push(c);
                    }
                    self.form.edit_text(field, v);
                }
                Action::DeleteBack => {
                    let mut v = self.form.text(field).to_string();
                    if replace {
                        v.clear();
                    } else {
                        v.pop();
                    }
                    self.form.edit_text(field, v);
                }
                Action::ClearField => self.form.edit_text(field, ""),
                Action::Activate => self.form.editing = None,
                Action::Down => {
                    self.form.editing = None;
                    let last = self.form.fields().len() - 1;
                    self.form.selected = (self.form.selected + 1).min(last);
                }
                Action::Back => {
                    if let Some(old) = self.form.editing.take() {
                        self.form.edit_text(field, old);
                    }
                }
                _ => {}
            }
            return vec![];
        }
        let cas = self.cas();
        let taken = self.view.names();
        match action {
            Action::Up => self.form.selected = self.form.selected.saturating_sub(1),
            Action::Down => {
                let last = self.form.fields().len() - 1;
                self.form.selected = (self.form.selected + 1).min(last)
            }
            Action::Left | Action::Right if field.is_choice() => {
                self.form
                    .cycle(matches!(action, Action::Right), &cas, &taken)
            }
            Action::Activate if field.is_choice() => self.form.cycle(true, &cas, &taken),
            Action::Activate if field.is_text() => {
                self.form.editing = Some(self.form.text(field).to_string())
            }
            Action::Activate | Action::Issue => return self.issue(),
            Action::ResetForm => {
                self.form.apply_role_defaults(&taken, &cas);
                self.say(
                    Severity::Info,
                    format!(
                        "The form has the {} defaults again.",
                        self.form.role.title()
                    ),
                );
            }
            Action::Back => self.focus = Focus::List,
            _ => {}
        }
        vec![]
    }

    fn issue(&mut self) -> Vec<Effect> {
        if self.working.is_some() {
            self.say(Severity::Info, "Still working on the last request…");
            return vec![];
        }
        let errors = self.form_errors();
        if let Some((field, _)) = errors.first() {
            // Fields, not messages: a field can have several.
            let mut fields: Vec<FormField> = errors.iter().map(|(f, _)| *f).collect();
            fields.sort_by_key(|f| *f as usize);
            fields.dedup();
            let n = fields.len();
            self.say(
                Severity::Error,
                format!(
                    "Not issued: {n} field{} marked ✗ need{} a look.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                ),
            );
            self.form.select(*field);
            return vec![];
        }
        let (spec, _) = self.form.to_spec();
        self.start_issue(Box::new(spec), false)
    }

    fn start_issue(&mut self, spec: Box<certbench_pki::IssueSpec>, overwrite: bool) -> Vec<Effect> {
        let slow = if spec.key_alg.is_slow() {
            " (RSA keys take a few seconds)"
        } else {
            ""
        };
        self.working = Some(format!(
            "Issuing {} \"{}\" with a new {} key{slow}",
            spec.role.title(),
            spec.name,
            spec.key_alg.title()
        ));
        self.status = None;
        vec![Effect::Issue { spec, overwrite }]
    }

    fn update_csr(&mut self, mut d: Box<CsrDialog>, action: Action) -> Vec<Effect> {
        let mut effects = vec![];
        match action {
            // Esc on "exists: Enter replaces it" takes the question back, not the review.
            Action::Back | Action::Cancel if d.replace && !d.working => {
                d.replace = false;
                self.say(Severity::Info, "Nothing was replaced.");
            }
            Action::Back | Action::Cancel => {
                self.dialog = None;
                self.say(Severity::Info, "Nothing was signed.");
                return vec![];
            }
            _ if d.working => {}
            // The path.
            Action::Insert(c) if d.review.is_none() => d.path.push(c),
            Action::DeleteBack if d.review.is_none() => {
                d.path.pop();
            }
            Action::ClearField if d.review.is_none() => d.path.clear(),
            Action::Complete if d.review.is_none() => {
                effects.push(Effect::CompletePath(d.path.clone()))
            }
            Action::Activate if d.review.is_none() => {
                let typed = d.path.trim();
                if typed.is_empty() {
                    self.say(
                        Severity::Warning,
                        "Type the path of the request (.csr) first.",
                    );
                } else {
                    d.working = true;
                    effects.push(Effect::ReadCsr {
                        path: expand_home(typed),
                    });
                }
            }
            // The review.
            Action::Up | Action::ScrollUp => d.scroll = d.scroll.saturating_sub(1),
            Action::Down | Action::ScrollDown | Action::PageDown => {
                let step = if matches!(action, Action::PageDown) {
                    8
                } else {
                    1
                };
                let most = d
                    .grant()
                    .and_then(Result::ok)
                    .map_or(0, |g| g.decisions.len() + g.added_sans.len());
                // About as many rows as the review shows below its header (ui::csr_lines).
                let room = usize::from(self.height).saturating_sub(14).max(1);
                d.scroll = (usize::from(d.scroll) + step).min(most.saturating_sub(room)) as u16;
            }
            Action::PageUp => d.scroll = d.scroll.saturating_sub(8),
            Action::Complete | Action::NextField | Action::PrevField => {
                d.typing_sans = !d.typing_sans
            }
            // server → client → server + client, round (← goes back).
            Action::Left | Action::Right => {
                let choices = [
                    (Role::Server, false),
                    (Role::Client, false),
                    (Role::Server, true),
                ];
                let at = choices
                    .iter()
                    .position(|c| *c == (d.role, d.both))
                    .unwrap_or(0);
                let next = if matches!(action, Action::Right) {
                    (at + 1) % 3
                } else {
                    (at + 2) % 3
                };
                (d.role, d.both) = choices[next];
                d.replace = false;
            }
            Action::Insert(c) => {
                if d.typing_sans {
                    d.sans.push(c);
                } else {
                    d.name.push(c);
                }
                d.replace = false;
            }
            Action::DeleteBack => {
                if d.typing_sans {
                    d.sans.pop();
                } else {
                    d.name.pop();
                }
                d.replace = false;
            }
            Action::ClearField if d.typing_sans => d.sans.clear(),
            Action::ClearField => d.name.clear(),
            Action::Activate => match d.grant() {
                Some(Ok(grant)) => {
                    let errors = grant.spec.validate(&self.cas(), self.now);
                    if let Some(e) = errors.first() {
                        self.say(
                            Severity::Error,
                            format!("{}: {}", e.field.label(), e.message),
                        );
                    } else if let Some(r) = &d.review {
                        d.working = true;
                        effects.push(Effect::SignCsr {
                            request: Box::new(r.request.clone()),
                            grant: Box::new(grant),
                            replace: d.replace,
                        });
                    }
                }
                Some(Err(e)) => self.say(Severity::Error, e.to_string()),
                None => {}
            },
            _ => {}
        }
        self.dialog = Some(Dialog::Csr(d));
        effects
    }

    fn update_dialog(&mut self, dialog: Dialog, action: Action) -> Vec<Effect> {
        if let Dialog::Csr(d) = dialog {
            return self.update_csr(d, action);
        }
        if let Dialog::Export {
            name,
            choices,
            mut choice,
            mut password,
            mut replace,
            working,
        } = dialog
        {
            let current = choices.get(choice).copied().unwrap_or(ExportChoice::Der);
            let needs_password = current.format().needs_password();
            match action {
                // Esc on "exists: Enter replaces it" takes the question back, not the dialog.
                Action::Back | Action::Cancel if replace && !working => {
                    replace = false;
                    self.say(Severity::Info, "Nothing was replaced.");
                }
                Action::Back | Action::Cancel => {
                    self.dialog = None;
                    self.say(Severity::Info, "Nothing was written.");
                    return vec![];
                }
                _ if working => {}
                Action::Left | Action::Right if !choices.is_empty() => {
                    let n = choices.len();
                    choice = if matches!(action, Action::Right) {
                        (choice + 1) % n
                    } else {
                        (choice + n - 1) % n
                    };
                    replace = false;
                }
                Action::Insert(c) if needs_password => password.push(c),
                Action::DeleteBack => password.pop(),
                Action::ClearField => password.clear(),
                Action::Activate if needs_password && password.is_empty() => {
                    self.say(
                        Severity::Warning,
                        "Type a password first: the PKCS#12 file is protected by it.",
                    );
                }
                Action::Activate => {
                    self.dialog = Some(Dialog::Export {
                        name: name.clone(),
                        choices,
                        choice,
                        password: password.clone(),
                        replace,
                        working: true,
                    });
                    return vec![Effect::Export {
                        name,
                        choice: current,
                        password,
                        replace,
                    }];
                }
                _ => {}
            }
            self.dialog = Some(Dialog::Export {
                name,
                choices,
                choice,
                password,
                replace,
                working,
            });
            return vec![];
        }
        match (dialog, action) {
            (_, Action::Cancel) => {
                self.dialog = None;
                self.say(Severity::Info, "Nothing was changed.");
            }
            (Dialog::Overwrite { spec, .. }, Action::Confirm) => {
                self.dialog = None;
                return self.start_issue(spec, true);
            }
            (Dialog::Revoke { name, reason }, Action::Confirm) => {
                self.dialog = None;
                self.working = Some(format!("Revoking \"{name}\" and signing a new CRL"));
                return vec![Effect::Revoke { name, reason }];
            }
            (Dialog::Revoke { name, reason }, a @ (Action::Left | Action::Right)) => {
                let all = RevocationReason::ALL;
                let i = all.iter().position(|r| *r == reason).unwrap_or(0);
                let n = all.len();
                let next = if matches!(a, Action::Right) {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.dialog = Some(Dialog::Revoke {
                    name,
                    reason: all[next],
                });
            }
            _ => {}
        }
        vec![]
    }
}

/// `~/x` as the home folder's x.
fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    }
}

/// A server name no demo certificate has: choosing it shows the client refusing the server.
const WRONG_NAME: &str = "wrong.example";

/// The choice after `current` in `choices`, round and round (the first when `current` is gone).
fn next_choice<T: Clone + PartialEq>(choices: &[T], current: &T) -> T {
    let at = choices.iter().position(|c| c == current);
    let next = at.map_or(0, |i| (i + 1) % choices.len());
    choices
        .get(next)
        .cloned()
        .unwrap_or_else(|| current.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::EffectError;
    use certbench_pki::workspace::{SetOptions, Workspace};
    use certbench_tls::run::TlsVersion;

    fn app_with_demo() -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        Workspace::open(dir.path())
            .unwrap()
            .gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc())
            .unwrap();
        let view = WorkspaceView::load(dir.path());
        let app = App::new(
            KeyMap::defaults(),
            view,
            OffsetDateTime::now_utc(),
            (100, 30),
        );
        (dir, app)
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// A key as the user presses it: through the keymap, into the app.
    fn press(app: &mut App, k: KeyEvent) -> Vec<Effect> {
        app.update(app.on_key(&k).unwrap())
    }

    /// A request made with `params` and a new key, written as `NAME.csr` in `dir`.
    fn write_request(
        dir: &std::path::Path,
        name: &str,
        params: rcgen::CertificateParams,
    ) -> PathBuf {
        let key_pair = rcgen::KeyPair::generate().unwrap();
        let csr = params.serialize_request(&key_pair).unwrap();
        let path = dir.join(format!("{name}.csr"));
        std::fs::write(&path, csr.pem().unwrap()).unwrap();
        path
    }

    /// `s`, the request's path typed, Enter: the effects that asks for (reading it).
    fn type_request_path(app: &mut App, path: &std::path::Path) -> Vec<Effect> {
        press(app, key('s'));
        for c in path.to_string_lossy().chars() {
            press(app, key(c));
        }
        press(app, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
    }

    /// With a lab scenario chosen, the keys that change the workspace's choices change nothing
    /// unseen, and say why; back on the workspace they work again.
    #[test]
    fn workspace_choices_wait_while_a_scenario_is_chosen() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::ShowPane(Pane::Handshake));
        app.update(Action::PickScenario);
        app.update(Action::Down);
        app.update(Action::Back);
        app.handshake.scenario = certbench_lab::scenario("client-expired");
        for k in ['a', 'e', 'T', 'v', 't'] {
            if let Some(a) = app.on_key(&key(k)) {
                app.update(a);
            }
        }
        assert_eq!(app.handshake.client_auth, ClientAuth::Required);
        assert_eq!(app.handshake.chains, (true, true));
        assert_eq!(app.handshake.version, TlsVersion::Tls13);
        let said = app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        assert!(said.contains("lab scenario"), "{said}");
        // "(your workspace)": the first line of the picker.
        app.update(Action::PickScenario);
        while matches!(app.overlay, Some(Overlay::Lab { cursor }) if cursor > 0) {
            app.update(Action::Up);
        }
        app.update(Action::Activate);
        assert_eq!(app.handshake.scenario, None);
        app.update(Action::CycleClientAuth);
        assert_eq!(app.handshake.client_auth, ClientAuth::Optional);
    }

    #[test]
    fn pane_keys_switch_panes() {
        let (_d, mut app) = app_with_demo();
        let a = app.on_key(&key('2')).unwrap();
        app.update(a);
        assert_eq!(app.pane, Pane::Inspect);
        app.update(Action::NextPane);
        assert_eq!(app.pane, Pane::Handshake);
        app.update(Action::NextPane);
        assert_eq!(app.pane, Pane::Generate);
        app.update(Action::PrevPane);
        assert_eq!(app.pane, Pane::Handshake);
    }

    /// Issue 8: Tab in the form moved on without starting an edit, so what was typed next ran
    /// as commands (r reset the form; a Tab jumped to the Inspect pane).
    #[test]
    fn tab_in_the_form_types_in_the_next_field_and_never_runs_commands() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate); // to the form
        app.form.select(FormField::Name);
        app.update(Action::Activate);
        for k in [KeyCode::Tab, KeyCode::Tab] {
            let a = app.on_key(&KeyEvent::new(k, KeyModifiers::NONE)).unwrap();
            app.update(a);
        }
        // Name, then past the choices (issuer, key type) to CN, then O: typing in it.
        assert_eq!(app.pane, Pane::Generate);
        assert_eq!(app.form.field(), FormField::Organization);
        assert!(app.form.editing.is_some());
        // The field's value ("certbench") is replaced by what is typed, as in any form.
        let typed = "rqi1?";
        for c in typed.chars() {
            let a = app.on_key(&key(c)).unwrap();
            assert!(matches!(a, Action::Insert(_)), "{c} is text after Tab");
            app.update(a);
        }
        assert_eq!(app.form.text(FormField::Organization), typed);
        assert!(!app.should_quit);
        // Tab from the form's list of fields (not typing) does not leave the pane either.
        app.update(Action::Activate);
        let a = app
            .on_key(&KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE))
            .unwrap();
        app.update(a);
        assert_eq!(app.pane, Pane::Generate);
        assert!(app.form.editing.is_some());
    }

    #[test]
    fn the_error_count_counts_fields_not_messages() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate);
        // One field with two problems, another with one.
        app.form.select(FormField::Sans);
        app.update(Action::Activate);
        app.update(Action::ClearField);
        for c in "a..b, 300.1.1.1".chars() {
            app.update(Action::Insert(c));
        }
        app.update(Action::Activate);
        app.form.select(FormField::Country);
        app.update(Action::Activate);
        for c in "germany".chars() {
            app.update(Action::Insert(c));
        }
        app.update(Action::Activate);
        assert_eq!(app.form_errors().len(), 3);
        app.update(Action::Issue);
        let said = app.status.clone().unwrap().text;
        assert!(said.contains("2 fields marked"), "{said}");
    }

    #[test]
    fn typing_in_a_field_does_not_trigger_global_keys() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate); // to the form
        app.form.select(FormField::CommonName);
        app.update(Action::Activate); // edit
        app.update(Action::ClearField);
        for c in "q1?".chars() {
            let a = app.on_key(&key(c)).unwrap();
            assert!(matches!(a, Action::Insert(_)), "{c} is text while typing");
            app.update(a);
        }
        assert!(!app.should_quit);
        assert_eq!(app.form.text(FormField::CommonName), "q1?");
        app.update(Action::Back); // undo
        assert_eq!(app.form.text(FormField::CommonName), "localhost");
    }

    #[test]
    fn issuing_asks_the_driver_and_an_existing_file_asks_the_user() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate);
        app.form.set_text(FormField::Name, "server");
        let effects = app.update(Action::Issue);
        let Some(Effect::Issue {
            spec,
            overwrite: false,
        }) = effects.first().cloned()
        else {
            panic!("expected an Issue effect, got {effects:?}")
        };
        assert!(app.busy().is_some());
        let path = PathBuf::from("server.crt");
        app.update(Action::IssueFinished {
            spec: spec.clone(),
            result: Err(EffectError {
                message: "exists".into(),
                existing_file: Some(path.clone()),
            }),
        });
        assert!(matches!(app.dialog, Some(Dialog::Overwrite { .. })));
        let effects = app.update(Action::Confirm);
        assert_eq!(
            effects,
            vec![Effect::Issue {
                spec,
                overwrite: true
            }]
        );
    }

    /// Issue 8: after issuing an expired certificate, "not before -400d", the CN and the SANs
    /// stayed, so the next one was silently expired too; and the expired one got a green ✓.
    #[test]
    fn an_expired_certificate_is_said_so_and_the_next_form_starts_afresh() {
        let (d, mut app) = app_with_demo();
        app.update(Action::Activate);
        app.form.set_text(FormField::Name, "old");
        app.form.issuer = "ca".into(); // not the default (the intermediate)
        app.form.set_text(FormField::NotBefore, "-400d");
        app.form.set_text(FormField::Sans, "old.example");
        let effects = app.update(Action::Issue);
        let Some(Effect::Issue { spec, overwrite }) = effects.first().cloned() else {
            panic!("{effects:?}")
        };
        // What the driver does with the effect.
        let issued = Workspace::open(d.path())
            .unwrap()
            .issue(&spec, overwrite, OffsetDateTime::now_utc())
            .unwrap();
        app.update(Action::IssueFinished {
            spec,
            result: Ok(Box::new(issued)),
        });
        let status = app.status.clone().unwrap();
        assert_eq!(status.severity, Severity::Warning, "{}", status.text);
        assert!(status.text.contains("Already expired"), "{}", status.text);
        assert!(
            status.text.contains("role, issuer, key type kept"),
            "{}",
            status.text
        );
        assert_eq!(app.form.text(FormField::NotBefore), "");
        assert_eq!(app.form.text(FormField::Sans), "localhost, 127.0.0.1, ::1");
        assert_ne!(app.form.text(FormField::Name), "old");
        assert_eq!(app.form.role, Role::Server);
        assert_eq!(
            app.form.issuer, "ca",
            "the issuer is kept, as the message says"
        );
    }

    #[test]
    fn an_invalid_form_is_not_issued_and_the_cursor_goes_to_the_problem() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate);
        app.form.set_text(FormField::Sans, "");
        let effects = app.update(Action::Issue);
        assert!(effects.is_empty());
        assert_eq!(app.form.field(), FormField::Sans);
        assert_eq!(app.status.as_ref().unwrap().severity, Severity::Error);
    }

    #[test]
    fn revoking_asks_for_a_reason() {
        let (_d, mut app) = app_with_demo();
        let client = app
            .view
            .rows
            .iter()
            .position(|r| r.entity.name == "client")
            .unwrap();
        app.list_selected = client;
        app.update(Action::Revoke);
        app.update(Action::Right);
        assert_eq!(
            app.dialog,
            Some(Dialog::Revoke {
                name: "client".into(),
                reason: RevocationReason::KeyCompromise
            })
        );
        let effects = app.update(Action::Confirm);
        assert_eq!(
            effects,
            vec![Effect::Revoke {
                name: "client".into(),
                reason: RevocationReason::KeyCompromise
            }]
        );
        // The root cannot be revoked.
        app.list_selected = 0;
        app.update(Action::Revoke);
        assert!(app.dialog.is_none());
    }

    /// The export dialog, as a user drives it: `e` on the client, a password typed through the
    /// keymap, Enter; the file is written and openssl opens it with that password. The password
    /// shows nowhere: not in the dialog's or the effect's Debug (what a log would hold). A second
    /// export asks before replacing; a CA offers no file with a key.
    #[test]
    fn exporting_writes_a_pkcs12_that_openssl_opens() {
        let (d, mut app) = app_with_demo();
        app.list_selected = app
            .view
            .rows
            .iter()
            .position(|r| r.entity.name == "client")
            .unwrap();
        let press = |app: &mut App, k: KeyEvent| -> Vec<Effect> {
            let action = app.on_key(&k).expect("the key does something");
            app.update(action)
        };
        press(&mut app, key('e'));
        for c in "hunter2 x".chars() {
            press(&mut app, key(c));
        }
        assert!(!format!("{:?}", app.dialog).contains("hunter2"));
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let effects = press(&mut app, enter);
        assert_eq!(effects.len(), 1);
        assert!(!format!("{effects:?}").contains("hunter2"));
        let effect = effects.into_iter().next().unwrap();
        let done = crate::run_blocking(effect.clone(), d.path()).unwrap();
        app.update(done);
        assert!(app.dialog.is_none(), "{:?}", app.status);
        let p12 = d.path().join("client.p12");
        std::fs::write(d.path().join("pw"), "hunter2 x\n").unwrap();
        let out = std::process::Command::new("openssl")
            .current_dir(d.path())
            .args([
                "pkcs12",
                "-in",
                "client.p12",
                "-passin",
                "file:pw",
                "-nokeys",
            ])
            .output()
            .expect("openssl runs (scripts/test.sh installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("CN=alice"));
        let before = std::fs::read(&p12).unwrap();
        // Again: the file exists, the dialog says so and stays; nothing is replaced until Enter.
        press(&mut app, key('e'));
        for c in "other".chars() {
            press(&mut app, key(c));
        }
        let effect = press(&mut app, enter).remove(0);
        let done = crate::run_blocking(effect, d.path()).unwrap();
        app.update(done);
        assert!(matches!(
            app.dialog,
            Some(Dialog::Export { replace: true, .. })
        ));
        assert_eq!(std::fs::read(&p12).unwrap(), before);
        // Esc takes the question back (the dialog stays, with what was typed); Esc again
        // closes it.
        press(&mut app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert!(matches!(
            app.dialog,
            Some(Dialog::Export { replace: false, .. })
        ));
        press(&mut app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert!(app.dialog.is_none());
        assert_eq!(std::fs::read(&p12).unwrap(), before);
        // A CA: a trust store or DER, never its key.
        app.list_selected = 0;
        press(&mut app, key('e'));
        let Some(Dialog::Export { choices, .. }) = &app.dialog else {
            panic!("no dialog");
        };
        assert!(choices.iter().all(|c| !c.holds_key()), "{choices:?}");
    }

    /// A PKCS#12 bundle opened in the Inspect pane waits for its password: Enter asks for it
    /// (masked: not in the prompt's Debug), a wrong one is said and can be tried again, the
    /// right one puts its certificates in its place, selected.
    #[test]
    fn a_pkcs12_bundle_opens_with_its_password_typed() {
        let (d, mut app) = app_with_demo();
        let ws = Workspace::open(d.path()).unwrap();
        certbench_pki::bundle::export_to_file(
            &ws,
            "client",
            certbench_pki::bundle::Format::Pkcs12,
            Some("open sesame"),
            Default::default(),
            None,
            false,
        )
        .unwrap();
        let p12 = d.path().join("client.p12");
        app.update(Action::ShowPane(Pane::Inspect));
        app.pending_source = Some(p12.clone());
        app.open.push(p12.clone());
        let loaded = crate::run_blocking(app.load_inspect(), d.path()).unwrap();
        app.update(loaded);
        assert_eq!(
            app.inspect.current_item().map(|i| i.source.clone()),
            Some(p12.clone())
        );
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let type_password = |app: &mut App, password: &str| -> Effect {
            app.update(app.on_key(&enter).unwrap());
            assert_eq!(app.contexts(), vec![Context::Password]);
            for c in password.chars() {
                app.update(app.on_key(&key(c)).unwrap());
            }
            assert!(!format!("{:?}", app.inspect.prompt).contains(password));
            let mut effects = app.update(app.on_key(&enter).unwrap());
            assert!(!format!("{effects:?}").contains(password));
            effects.remove(0)
        };
        let wrong = type_password(&mut app, "nope");
        app.update(crate::run_blocking(wrong, d.path()).unwrap());
        assert!(
            app.status.as_ref().unwrap().text.contains("does not open"),
            "{:?}",
            app.status
        );
        let right = type_password(&mut app, "open sesame");
        app.update(crate::run_blocking(right, d.path()).unwrap());
        let from_p12: Vec<_> = app
            .inspect
            .loaded
            .items
            .iter()
            .filter(|i| i.source == p12)
            .collect();
        assert_eq!(from_p12.len(), 2);
        assert!(from_p12.iter().all(|i| i.result.is_ok()));
        assert_eq!(
            app.inspect.current_item().map(crate::inspect::row_label),
            Some("alice".to_string())
        );
    }

    /// Signing a request from the Generate pane, as a user does it: `s`, the path typed, Enter
    /// reads it (off the loop) and shows the review (role from its EKU, a name from its CN),
    /// `→` makes it a client, Enter signs; the certificate is in the workspace without a key.
    #[test]
    fn a_request_is_reviewed_and_signed_from_the_generate_pane() {
        let (d, mut app) = app_with_demo();
        let mut params = rcgen::CertificateParams::new(vec!["svc.local".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "My Service");
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let path = write_request(d.path(), "svc", params);
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let effects = type_request_path(&mut app, &path);
        assert_eq!(effects, vec![Effect::ReadCsr { path: path.clone() }]);
        let read = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
        app.update(read);
        let Some(Dialog::Csr(dialog)) = &app.dialog else {
            panic!("no review: {:?}", app.status);
        };
        assert_eq!(dialog.role, Role::Server);
        assert_eq!(dialog.name, "my-service");
        // Esc closes it, signing nothing; again, and on to signing.
        let review = app.dialog.clone();
        press(&mut app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert!(app.dialog.is_none());
        app.dialog = review;
        press(&mut app, KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
        let effects = press(&mut app, enter);
        assert_eq!(effects.len(), 1, "{:?}", app.status);
        let signed = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
        app.update(signed);
        assert!(app.dialog.is_none(), "{:?}", app.status);
        let ws = Workspace::open(d.path()).unwrap();
        let e = ws.entity("my-service").unwrap();
        assert_eq!(e.role, Role::Client);
        assert_eq!(e.key, None);
        assert!(!d.path().join("my-service.key").exists());
        assert!(d.path().join("my-service-chain.crt").exists());
    }

    /// A server's request without names cannot be signed as it is; Tab and a name typed add
    /// one, and the certificate has it.
    #[test]
    fn a_request_without_names_gets_one_added_in_the_review() {
        let (d, mut app) = app_with_demo();
        let mut params = rcgen::CertificateParams::default();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "bare");
        let path = write_request(d.path(), "bare", params);
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let read = type_request_path(&mut app, &path).remove(0);
        app.update(crate::run_blocking(read, d.path()).unwrap());
        assert_eq!(app.contexts(), vec![Context::Review]);
        assert!(press(&mut app, enter).is_empty(), "signed without a name");
        assert!(
            app.status
                .as_ref()
                .is_some_and(|s| s.severity == Severity::Error)
        );
        press(&mut app, KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
        for c in "bare.local".chars() {
            press(&mut app, key(c));
        }
        let sign = press(&mut app, enter);
        assert_eq!(sign.len(), 1, "{:?}", app.status);
        app.update(crate::run_blocking(sign[0].clone(), d.path()).unwrap());
        let ws = Workspace::open(d.path()).unwrap();
        let cert = std::fs::read(d.path().join("bare.crt")).unwrap();
        let summary = certbench_x509::summarize(
            &<rustls::pki_types::CertificateDer as rustls::pki_types::pem::PemObject>::from_pem_slice(&cert).unwrap(),
        )
        .unwrap();
        assert_eq!(
            summary.subject_alt_names,
            vec!["DNS:bare.local".to_string()]
        );
        assert!(ws.entity("bare").is_some());
        // The new certificate is selected once the workspace is read again.
        app.update(Action::WorkspaceLoaded(WorkspaceView::load(d.path())));
        assert_eq!(app.view.rows[app.list_selected].entity.name, "bare");
    }

    /// A request for both serverAuth and clientAuth is reviewed as "server + client" and signed
    /// with both; ←/→ goes round server, client, server + client.
    #[test]
    fn a_request_for_both_is_signed_with_both() {
        let (d, mut app) = app_with_demo();
        let mut params = rcgen::CertificateParams::new(vec!["both.local".into()]).unwrap();
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let path = write_request(d.path(), "both", params);
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let read = type_request_path(&mut app, &path).remove(0);
        app.update(crate::run_blocking(read, d.path()).unwrap());
        let both = |app: &App| match &app.dialog {
            Some(Dialog::Csr(d)) => (d.role, d.both),
            _ => panic!("no review"),
        };
        assert_eq!(both(&app), (Role::Server, true));
        let right = KeyEvent::new(KeyCode::Right, KeyModifiers::NONE);
        press(&mut app, right);
        assert_eq!(both(&app), (Role::Server, false));
        press(&mut app, right);
        assert_eq!(both(&app), (Role::Client, false));
        press(&mut app, right);
        assert_eq!(both(&app), (Role::Server, true));
        let sign = press(&mut app, enter).remove(0);
        app.update(crate::run_blocking(sign, d.path()).unwrap());
        let ws = Workspace::open(d.path()).unwrap();
        let name = app.select_after_load.clone().unwrap();
        let e = ws.entity(&name).unwrap();
        let der = std::fs::read(ws.path(&e.cert)).unwrap();
        let der =
            <rustls::pki_types::CertificateDer as rustls::pki_types::pem::PemObject>::from_pem_slice(
                &der,
            )
            .unwrap();
        let summary = certbench_x509::summarize(&der).unwrap();
        assert_eq!(
            summary
                .extended_key_usage
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>(),
            [
                "TLS Web Server Authentication",
                "TLS Web Client Authentication"
            ]
        );
    }

    /// `r` on a certificate shows its recipes, with the workspace's own paths (made off the
    /// loop, as an effect).
    #[test]
    fn recipes_show_for_the_selected_certificate() {
        let (d, mut app) = app_with_demo();
        app.list_selected = app
            .view
            .rows
            .iter()
            .position(|r| r.entity.name == "server")
            .unwrap();
        let effects = app.update(app.on_key(&key('r')).unwrap());
        assert_eq!(
            effects,
            vec![Effect::MakeRecipes {
                name: "server".into()
            }]
        );
        let made = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
        app.update(made);
        assert!(matches!(app.overlay, Some(Overlay::Recipes { .. })));
        let (name, text) = app.recipes.clone().unwrap();
        assert_eq!(name, "server");
        assert!(text.contains("ssl_verify_client on;"), "{text}");
        let ca = d.path().canonicalize().unwrap().join("ca.crt");
        assert!(text.contains(&*ca.to_string_lossy()), "{text}");
    }

    /// Opening a file reads only that file and appends it; what was loaded (the workspace, the
    /// system store) is not read again, and opening it a second time adds nothing.
    #[test]
    fn opening_a_file_appends_it_without_reading_the_rest_again() {
        let (d, mut app) = app_with_demo();
        let effect = app.load_inspect();
        let loaded = crate::run_blocking(effect, d.path()).unwrap();
        app.update(loaded);
        let before: Vec<PathBuf> = app
            .inspect
            .loaded
            .items
            .iter()
            .map(|i| i.source.clone())
            .collect();
        assert!(before.len() >= 4, "{before:?}");
        let other = tempfile::tempdir().unwrap();
        Workspace::open(other.path())
            .unwrap()
            .gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc())
            .unwrap();
        let extra = other.path().join("ca.crt");
        let open = |app: &mut App| {
            app.update(Action::ShowPane(Pane::Inspect));
            app.update(Action::StartOpen);
            for c in extra.to_string_lossy().chars() {
                app.update(Action::Insert(c));
            }
            app.update(Action::Activate)
        };
        let effects = open(&mut app);
        let [Effect::AddToInspect { paths, loaded }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(paths, std::slice::from_ref(&extra));
        assert_eq!(loaded.len(), before.len());
        let action = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
        app.update(action);
        let after: Vec<PathBuf> = app
            .inspect
            .loaded
            .items
            .iter()
            .map(|i| i.source.clone())
            .collect();
        assert_eq!(after[..before.len()], before[..]);
        assert_eq!(after[before.len()..], *std::slice::from_ref(&extra));
        // The same file again: read again in place, not listed twice.
        let effects = open(&mut app);
        let action = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
        app.update(action);
        assert_eq!(app.inspect.loaded.items.len(), after.len());
    }

    /// The pane's server, for real: curl with and without a certificate, each connection
    /// listed with the server's own timeline; a connect from the pane stays in view while the
    /// server's side of it is listed; S stops it.
    #[test]
    fn serving_from_the_pane_lists_real_connections() {
        use crate::Message;
        let (d, mut app) = app_with_demo();
        app.update(Action::ShowPane(Pane::Handshake));
        let effects = app.update(Action::ToggleServe);
        assert!(
            matches!(effects.as_slice(), [Effect::StartServe { server, .. }] if server == "server"),
            "{effects:?}"
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        crate::spawn_peer(effects[0].clone(), tx.clone(), rt.handle());
        // Feed the pane what comes, until `done` says enough.
        let mut pump = |app: &mut App, done: &dyn Fn(&App) -> bool| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !done(app) {
                assert!(std::time::Instant::now() < deadline, "timed out");
                if let Ok(Some(Message::Action(a))) = rt.block_on(async {
                    tokio::time::timeout(std::time::Duration::from_millis(100), rx.recv()).await
                }) {
                    app.update(a);
                }
            }
        };
        pump(&mut app, &|a| {
            a.handshake.serve.as_ref().is_some_and(|s| s.addr.is_some())
        });
        let port = app.handshake.serve.as_ref().unwrap().addr.unwrap().port();
        let curl = |cert: bool| {
            let mut c = std::process::Command::new("curl");
            c.current_dir(d.path())
                .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"]);
            if cert {
                c.args(["--cert", "client-chain.crt", "--key", "client.key"]);
            }
            c.arg(format!("https://localhost:{port}/"))
                .output()
                .expect("this test needs curl: apt-get install curl")
        };
        assert!(curl(true).status.success());
        assert!(!curl(false).status.success());
        let ended = |a: &App, n: usize| {
            a.handshake
                .serve
                .as_ref()
                .is_some_and(|s| s.connections.iter().filter(|c| c.done.is_some()).count() >= n)
        };
        pump(&mut app, &|a| ended(a, 2));
        // The newest is shown: refused, as the server saw it.
        let h = &app.handshake;
        let failure = h
            .outcome
            .as_ref()
            .unwrap()
            .as_ref()
            .unwrap()
            .failure
            .clone()
            .unwrap();
        assert_eq!(failure.detected_by, certbench_wire::Side::Server);
        assert_eq!(failure.cause, certbench_cause::Cause::NoClientCertificate);
        // ] goes to the older one: served, its request on the timeline.
        app.update(Action::NextConnection);
        let codes: Vec<String> = app.handshake.events.iter().map(|e| e.code()).collect();
        assert!(codes.contains(&"request".to_string()), "{codes:?}");
        assert!(
            codes.contains(&"client_authenticated".to_string()),
            "{codes:?}"
        );
        app.update(Action::PrevConnection);

        // Connect from the pane to the pane's own server: the target typed as a person types it.
        app.update(Action::StartConnect);
        assert!(app.handshake.target.is_some());
        let press = |app: &mut App, k: KeyEvent| {
            let a = app.on_key(&k).unwrap();
            app.update(a)
        };
        press(
            &mut app,
            KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        );
        for c in format!("localhost:{port}").chars() {
            press(&mut app, key(c));
        }
        assert_eq!(
            app.handshake.target.as_deref(),
            Some(format!("localhost:{port}").as_str())
        );
        let effects = press(&mut app, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert!(
            matches!(effects.as_slice(), [Effect::Connect { .. }]),
            "{effects:?}"
        );
        crate::spawn_peer(effects[0].clone(), tx.clone(), rt.handle());
        pump(&mut app, &|a| !a.handshake.running && ended(a, 3));
        let h = &app.handshake;
        assert!(h.outcome.as_ref().unwrap().as_ref().unwrap().ok);
        assert!(h.run_in_view, "the connect run stays in view");
        assert_eq!(
            h.events.first().map(|e| e.code()).as_deref(),
            Some("connected")
        );

        // S stops the server.
        let effects = app.update(Action::ToggleServe);
        let [Effect::StopServe(control)] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        control.0.notify_one();
        pump(&mut app, &|a| a.handshake.serve.is_none());
    }

    #[test]
    fn the_path_prompt_opens_a_file_and_tab_asks_for_completions() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::ShowPane(Pane::Inspect));
        let a = app.on_key(&key('o')).unwrap();
        assert!(matches!(a, Action::StartOpen), "{a:?} {:?}", app.contexts());
        app.update(a);
        assert!(app.inspect.prompt.is_some(), "{:?}", app.contexts());
        for c in "/tmp/x".chars() {
            let a = app.on_key(&key(c)).unwrap();
            assert!(matches!(a, Action::Insert(_)), "{c} is text in the prompt");
            app.update(a);
        }
        let effects = app.update(Action::Complete);
        assert_eq!(effects, vec![Effect::CompletePath("/tmp/x".into())]);
        app.update(Action::Completions {
            typed: "/tmp/x".into(),
            candidates: vec!["/tmp/xa/".into(), "/tmp/xb.pem".into()],
        });
        assert_eq!(app.inspect.prompt.as_ref().unwrap().candidates.len(), 2);
        app.update(Action::Completions {
            typed: "/tmp/x".into(),
            candidates: vec!["/tmp/xb.pem".into()],
        });
        assert_eq!(app.inspect.prompt.as_ref().unwrap().text, "/tmp/xb.pem");
        let effects = app.update(Action::Activate);
        assert_eq!(
            effects,
            vec![Effect::LoadInspect {
                open: vec![PathBuf::from("/tmp/xb.pem")],
                system: false
            }]
        );
        assert!(app.inspect.prompt.is_none());
    }

    #[test]
    fn verification_options_change_the_verdict() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::InspectLoaded(Box::new(crate::load_inspect(
            &crate::Sources {
                dir: app.view.dir.clone(),
                open: vec![],
                system: false,
            },
            app.now,
        ))));
        app.update(Action::ShowPane(Pane::Inspect));
        while app
            .inspect
            .current_item()
            .map(crate::inspect::row_label)
            .as_deref()
            != Some("localhost")
        {
            app.update(Action::Down);
        }
        let ok = |app: &App| {
            app.inspect
                .selected
                .as_ref()
                .unwrap()
                .chain
                .as_ref()
                .unwrap()
                .ok
        };
        assert!(ok(&app));
        // As a client: the server certificate lacks clientAuth.
        app.update(Action::CyclePurpose);
        app.update(Action::CyclePurpose);
        assert!(!ok(&app));
        app.update(Action::CyclePurpose);
        assert!(ok(&app));
        // For another name.
        app.update(Action::VerifyName);
        for c in "example.com".chars() {
            app.update(Action::Insert(c));
        }
        app.update(Action::Activate);
        assert!(!ok(&app));
        app.update(Action::VerifyName);
        app.update(Action::ClearField);
        app.update(Action::Activate);
        assert!(ok(&app));
        // In two years it has expired.
        app.update(Action::VerifyTime);
        for c in "+730d".chars() {
            app.update(Action::Insert(c));
        }
        app.update(Action::Activate);
        assert!(!ok(&app));
        let chain = app
            .inspect
            .selected
            .as_ref()
            .unwrap()
            .chain
            .clone()
            .unwrap();
        assert_eq!(chain.failed_field, Some("validity"));
    }

    #[test]
    fn step_mode_and_cancel_are_effects_on_the_running_stepper() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::ShowPane(Pane::Handshake));
        let a = app.on_key(&key('s')).unwrap();
        app.update(a);
        assert!(app.handshake.step_mode);
        let effects = app.update(Action::RunHandshake);
        let Some(Effect::RunHandshake { options, .. }) = effects.first() else {
            panic!("{effects:?}")
        };
        let stepper = options.control.stepper.clone().unwrap();
        assert!(
            options.control.timeout.as_secs() >= 3600,
            "no hurry in step mode"
        );
        let a = app
            .on_key(&KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE))
            .unwrap();
        assert_eq!(app.update(a), vec![Effect::StepHandshake(stepper.clone())]);
        assert_eq!(
            app.update(Action::CancelRun),
            vec![Effect::CancelHandshake(stepper)]
        );
        // While a run goes on, its options stay as they were.
        app.update(Action::ToggleStep);
        assert!(app.handshake.step_mode);
    }

    #[test]
    fn the_client_certificate_and_the_suite_are_chosen_for_the_next_run() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::ShowPane(Pane::Handshake));
        let options = |app: &mut App| {
            let effects = app.update(Action::RunHandshake);
            let Some(Effect::RunHandshake { run, options, .. }) = effects.first().cloned() else {
                panic!("{effects:?}")
            };
            app.update(Action::HandshakeFinished {
                run,
                result: Err("not run here".into()),
            });
            options
        };
        let o = options(&mut app);
        assert_eq!(
            (o.material.client.as_deref(), o.suite.as_deref()),
            (Some("client"), None)
        );
        // The demo workspace has one client certificate: then none, then it again.
        app.update(Action::CycleClientCert);
        assert_eq!(options(&mut app).material.client, None);
        app.update(Action::CycleClientCert);
        assert_eq!(options(&mut app).material.client.as_deref(), Some("client"));
        // TLS 1.3's suites one by one, then rustls's choice again.
        let mut seen = vec![];
        for _ in 0..4 {
            app.update(Action::CycleSuite);
            seen.push(options(&mut app).suite);
        }
        assert_eq!(
            seen,
            vec![
                Some("TLS_AES_256_GCM_SHA384".to_string()),
                Some("TLS_AES_128_GCM_SHA256".to_string()),
                Some("TLS_CHACHA20_POLY1305_SHA256".to_string()),
                None
            ]
        );
        // The server certificate's names, then one it lacks.
        let mut names = vec![];
        for _ in 0..4 {
            app.update(Action::CycleServerName);
            names.push(options(&mut app).server_name);
        }
        assert_eq!(names, ["127.0.0.1", "::1", "wrong.example", "localhost"]);
        // A suite belongs to its version: switching to TLS 1.2 goes back to rustls's choice.
        app.update(Action::CycleSuite);
        app.update(Action::ToggleTls);
        let o = options(&mut app);
        assert_eq!((o.version, o.suite), (TlsVersion::Tls12, None));
        app.update(Action::CycleSuite);
        let suite = options(&mut app).suite.unwrap();
        assert!(suite.starts_with("TLS_ECDHE_"), "{suite}");
    }

    #[test]
    fn background_work_does_not_block_or_clear_other_work() {
        let (_d, mut app) = app_with_demo();
        // A handshake paused in step mode keeps running...
        app.update(Action::ShowPane(Pane::Handshake));
        app.update(Action::ToggleStep);
        assert!(matches!(
            app.update(Action::RunHandshake).first(),
            Some(Effect::RunHandshake { .. })
        ));
        // ... and issuing still works meanwhile.
        app.update(Action::ShowPane(Pane::Generate));
        app.update(Action::Activate);
        app.form.set_text(FormField::Name, "web");
        let effects = app.update(Action::Issue);
        assert!(
            matches!(effects.first(), Some(Effect::Issue { .. })),
            "{effects:?}"
        );
        // The workspace reloading does not end the handshake's spinner.
        let view = app.view.clone();
        app.update(Action::WorkspaceLoaded(view));
        assert!(
            app.busy().is_some_and(|b| b.contains("handshake")),
            "{:?}",
            app.busy()
        );
        // A second issue waits for the first.
        assert!(app.update(Action::Issue).is_empty());
    }

    #[test]
    fn a_click_on_a_tab_switches_to_it() {
        let (_d, mut app) = app_with_demo();
        let (col, row) = layout::tab_areas(app.width)
            .into_iter()
            .find(|(p, _)| *p == Pane::Handshake)
            .map(|(_, r)| (r.x + 1, r.y))
            .unwrap();
        app.update(Action::Click { column: col, row });
        assert_eq!(app.pane, Pane::Handshake);
    }
}
