//! The TUI's shared state and the routing of actions. `App::update` handles what is shared (the
//! panes, the overlays, the size, the clock) and hands the rest to the pane it is for, with a
//! [`Cx`]; each pane's update changes only its own state and the shared state it is given, and
//! returns the slow work to do as `Effect`s, which the driver runs. Nothing here does I/O.

use std::path::PathBuf;

use certbench_x509::{RevocationReason, Role};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use time::OffsetDateTime;

use crate::action::{Action, CsrReview, Effect, ExportChoice, Pane};
use crate::keymap::{Context, KeyMap};
use crate::layout;
use crate::panes::generate::GeneratePane;
use crate::panes::generate::form::FormField;
use crate::panes::handshake::HandshakeState;
use crate::panes::inspect::InspectState;
use crate::view::WorkspaceView;

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
    /// The recipes for the selected certificate (`GeneratePane::recipes`).
    Recipes {
        scroll: u16,
    },
    /// How the workspace ages (`WorkspaceView::health`): days left, CRLs, warnings.
    Status {
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
    /// The request names what a CA above does not allow (its nameConstraints): every verifier
    /// will refuse the certificate. Asked before it is signed.
    Constrained {
        spec: Box<certbench_pki::IssueSpec>,
        overwrite: bool,
        /// Each name and the constraint it breaks, in words.
        breaches: Vec<String>,
    },
    Revoke {
        name: String,
        reason: RevocationReason,
    },
    /// Renew a certificate: with its key, or a new one; the old certificate left valid, or
    /// revoked at once (superseded), as `renew --revoke-old`.
    Renew {
        name: String,
        new_key: bool,
        revoke_old: bool,
        /// The choice ←/→ changes: the key (false), or what becomes of the old certificate.
        on_old: bool,
        /// A root: no CA above it revokes its old certificate, so there is no such choice.
        root: bool,
        /// What it issued (a CA): with a new key, these stop verifying until renewed.
        dependants: Vec<String>,
    },
    /// The machine's trust stores: where the roots are (once read), and an install asked for.
    Trust {
        info: Option<Box<crate::action::TrustInfo>>,
        /// An install waits for a yes.
        confirm: bool,
        /// Reading or changing the stores.
        working: bool,
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

/// The TUI's state: what every pane shares (which pane shows, the workspace as last read, the
/// message line, the overlays and dialogs, the screen's size, the clock, the work in flight),
/// and the three panes, each a component with its own state, update and drawing.
pub struct App {
    pub keymap: KeyMap,
    /// Where the user's keymap is read from, for the help.
    pub keymap_path: Option<PathBuf>,
    pub pane: Pane,
    pub view: WorkspaceView,
    pub overlay: Option<Overlay>,
    pub dialog: Option<Dialog>,
    /// The issue or revoke in flight (one at a time); see `busy()` for everything that runs.
    pub working: Option<String>,
    pub spinner: usize,
    pub status: Option<Status>,
    pub width: u16,
    pub height: u16,
    pub now: OffsetDateTime,
    pub should_quit: bool,
    pub generate: GeneratePane,
    pub inspect: InspectState,
    pub handshake: HandshakeState,
    /// The guided tour, while it runs.
    pub tour: Option<crate::tour::Tour>,
    /// A read of the workspace is under way (the manifest's watcher then waits for it).
    pub reloading: bool,
}

/// What a pane's update may read and change besides its own state: the workspace as last read,
/// the clock, the screen, which pane shows, the message line, the overlays and dialogs, the work
/// in flight; and a queue for what it asks of the other panes (panes never hold each other: the
/// App hands each request to the pane it is for).
pub struct Cx<'a> {
    pub keymap: &'a KeyMap,
    pub view: &'a WorkspaceView,
    pub now: OffsetDateTime,
    pub width: u16,
    pub height: u16,
    pub pane: &'a mut Pane,
    pub status: &'a mut Option<Status>,
    pub overlay: &'a mut Option<Overlay>,
    pub dialog: &'a mut Option<Dialog>,
    pub working: &'a mut Option<String>,
    /// How far the pane's scrolling box can scroll on this screen (worked out for a scroll).
    pub scroll_limit: u16,
    /// How many lines a scroll moves that box: its height less one, so that no line is ever
    /// skipped (worked out for a scroll).
    pub scroll_page: u16,
    pub queue: &'a mut Vec<Action>,
}

impl Cx<'_> {
    /// Put a message on the message line, escaped.
    pub fn say(&mut self, severity: Severity, text: impl Into<String>) {
        *self.status = Some(Status::new(severity, text));
    }

    /// The key for an action where the focus is, for a hint written into a pane.
    pub fn key_for(&self, ctx: Context, action: Action) -> String {
        self.keymap.key_for(ctx, action)
    }
}

impl Status {
    pub fn new(severity: Severity, text: impl Into<String>) -> Status {
        let text: String = text.into();
        Status {
            severity,
            text: certbench_base::text::terminal_safe(&text).into_owned(),
        }
    }
}

impl App {
    pub fn new(
        keymap: KeyMap,
        view: WorkspaceView,
        now: OffsetDateTime,
        (width, height): (u16, u16),
    ) -> App {
        let generate = GeneratePane::new(&view);
        App {
            keymap,
            keymap_path: None,
            pane: Pane::Generate,
            view,
            overlay: None,
            dialog: None,
            working: None,
            spinner: 0,
            status: None,
            width,
            height,
            now,
            should_quit: false,
            generate,
            inspect: InspectState::default(),
            handshake: HandshakeState::default(),
            tour: None,
            reloading: false,
        }
    }

    /// Start the tour at its first step; what the user does next moves it on.
    pub fn start_tour(&mut self) {
        self.tour = Some(crate::tour::Tour::default());
    }

    /// Move the tour on as far as the state allows; `true` when it just reached its end.
    fn advance_tour(&mut self) -> bool {
        let Some(mut t) = self.tour.take() else {
            return false;
        };
        let before = t.step;
        t.advance(self);
        let ended = before != t.step && t.step == crate::tour::Step::Done;
        self.tour = Some(t);
        ended
    }

    pub fn say(&mut self, severity: Severity, text: impl Into<String>) {
        self.status = Some(Status::new(severity, text));
    }

    /// Which keymap sections apply now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match &self.dialog {
            Some(Dialog::Overwrite { .. } | Dialog::Constrained { .. }) => {
                return vec![Context::Replace];
            }
            Some(Dialog::Revoke { .. }) => return vec![Context::Revoke],
            Some(Dialog::Renew { .. }) => return vec![Context::Renew],
            Some(Dialog::Trust { .. }) => return vec![Context::Trust],
            Some(Dialog::Export { .. }) => return vec![Context::Export],
            Some(Dialog::Csr(d)) if d.review.is_some() => return vec![Context::Review],
            Some(Dialog::Csr(_)) => return vec![Context::Sign],
            None => {}
        }
        if self.overlay.is_some() {
            return vec![Context::Overlay, Context::Global];
        }
        match self.pane {
            Pane::Generate => self.generate.contexts(),
            Pane::Inspect => self.inspect.contexts(),
            Pane::Handshake => self.handshake.contexts(),
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

    pub fn form_errors(&self) -> Vec<(FormField, String)> {
        self.generate.form.errors(&self.view.ca_names(), self.now)
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        // Esc where nothing else takes it ends the tour, and the workspace remembers.
        if matches!(action, Action::Back)
            && self.tour.is_some()
            && self.overlay.is_none()
            && self.dialog.is_none()
            && matches!(
                self.contexts().first(),
                Some(Context::List | Context::Inspect | Context::Handshake)
            )
        {
            self.tour = None;
            let help = self.key_for(Context::Global, Action::ToggleHelp);
            let tour = self.key_for(Context::Overlay, Action::StartTour);
            self.say(
                Severity::Info,
                format!("Tour ended: {help} then {tour} starts it again."),
            );
            return vec![Effect::RememberTour(self.view.dir.clone())];
        }
        let mut effects = self.update_state(action);
        if effects
            .iter()
            .any(|e| matches!(e, Effect::LoadWorkspace { .. } | Effect::ReloadChanged))
        {
            self.reloading = true;
        }
        if self.advance_tour() {
            effects.push(Effect::RememberTour(self.view.dir.clone()));
        }
        effects
    }

    fn update_state(&mut self, action: Action) -> Vec<Effect> {
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
            // Another process changed the manifest: read it again, unless a read or a change of
            // this TUI's own is under way (it brings the change itself).
            Action::ManifestSeen(stamp) => {
                if Some(stamp) != self.view.stamp && !self.reloading && self.working.is_none() {
                    return vec![Effect::ReloadChanged];
                }
            }
            Action::WorkspaceChanged(view) => {
                self.reloading = false;
                if view.stamp == self.view.stamp {
                    return vec![];
                }
                let names = |v: &WorkspaceView| -> Vec<String> {
                    v.rows.iter().map(|r| r.entity.name.clone()).collect()
                };
                let (old, new) = (names(&self.view), names(&view));
                let added: Vec<&String> = new.iter().filter(|n| !old.contains(n)).collect();
                let removed: Vec<&String> = old.iter().filter(|n| !new.contains(n)).collect();
                let mut what = Vec::new();
                if !added.is_empty() {
                    what.push(format!(
                        "new: {}",
                        added
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !removed.is_empty() {
                    what.push(format!(
                        "gone: {}",
                        removed
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                self.say(
                    Severity::Info,
                    format!(
                        "The workspace was changed by another program{}; read again.",
                        if what.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", what.join("; "))
                        }
                    ),
                );
                self.view = *view;
                self.generate.workspace_loaded(&self.view, None);
                return vec![self.inspect.load_inspect(Default::default())];
            }
            Action::WorkspaceLoaded { view, select } => {
                self.reloading = false;
                self.now = OffsetDateTime::now_utc().max(self.now);
                if let Some(e) = &view.error {
                    self.say(Severity::Error, e.clone());
                }
                self.view = view;
                self.generate.workspace_loaded(&self.view, select);
                // The Inspect pane shows the same files: read them again.
                return vec![self.inspect.load_inspect(Default::default())];
            }
            Action::HandshakeEvent { .. }
            | Action::ServeStarted(_)
            | Action::ServeUpdate(_)
            | Action::ServeEvents(_)
            | Action::ServeStopped
            | Action::HandshakeFinished { .. }
            | Action::RunExported(_) => return self.route(Pane::Handshake, action),
            Action::ResponderStarted(_) | Action::ResponderServed(_) | Action::ResponderStopped => {
                return self.route(Pane::Generate, action);
            }
            Action::Completions { ref typed, .. } if matches!(&self.dialog, Some(Dialog::Csr(d)) if d.review.is_none() && &d.path == typed) =>
            {
                return self.route(Pane::Generate, action);
            }
            // What was just read is judged at the time it is read: a certificate made a moment
            // ago (a lab run's) is not taken for one valid only in the future by a clock that
            // last ticked before it was made.
            Action::InspectLoaded(ref loaded) => {
                if let Some(at) = loaded.read_at {
                    self.now = self.now.max(at);
                }
                return self.route(Pane::Inspect, action);
            }
            Action::Completions { .. }
            | Action::CertificatesExported { .. }
            | Action::OpenCertificates(_) => return self.route(Pane::Inspect, action),
            Action::ShowResult
            | Action::IssueFinished { .. }
            | Action::CsrRead(_)
            | Action::CsrSigned(_)
            | Action::RecipesMade(_)
            | Action::ExportFinished(_)
            | Action::RevokeFinished(_)
            | Action::RenewFinished(_)
            | Action::TrustRead(_)
            | Action::TrustChanged(_) => return self.route(Pane::Generate, action),
            Action::TaskFailed(message) => {
                self.reloading = false;
                self.say(Severity::Error, message)
            }
            other => return self.update_focused(other),
        }
        vec![]
    }

    /// Hand an action to a pane with the shared state it may read and change; what it asks of
    /// the other panes comes back on the queue and is handled in turn.
    fn route(&mut self, to: Pane, action: Action) -> Vec<Effect> {
        let scroll = match (to, &action) {
            (Pane::Inspect, Action::ScrollDown | Action::ScrollUp) => (
                crate::panes::inspect::side_max_scroll(self),
                crate::panes::inspect::side_page(self),
            ),
            (Pane::Handshake, Action::ScrollDown | Action::ScrollUp) => (
                crate::panes::handshake::details_max_scroll(self),
                crate::panes::handshake::details_page(self),
            ),
            _ => (0, 1),
        };
        self.with_cx(scroll, |g, i, h, cx| match to {
            Pane::Generate => g.update(action, cx),
            Pane::Inspect => i.update(action, cx),
            Pane::Handshake => h.update(action, cx),
        })
    }

    fn with_cx(
        &mut self,
        (scroll_limit, scroll_page): (u16, u16),
        f: impl FnOnce(
            &mut GeneratePane,
            &mut InspectState,
            &mut HandshakeState,
            &mut Cx<'_>,
        ) -> Vec<Effect>,
    ) -> Vec<Effect> {
        let mut queue = Vec::new();
        let App {
            keymap,
            view,
            now,
            width,
            height,
            pane,
            status,
            overlay,
            dialog,
            working,
            generate,
            inspect,
            handshake,
            ..
        } = self;
        let mut cx = Cx {
            keymap,
            view,
            now: *now,
            width: *width,
            height: *height,
            pane,
            status,
            overlay,
            dialog,
            working,
            scroll_limit,
            scroll_page,
            queue: &mut queue,
        };
        let mut effects = f(generate, inspect, handshake, &mut cx);
        for asked in queue {
            effects.extend(self.update(asked));
        }
        effects
    }

    /// Actions whose meaning depends on where the focus is.
    fn update_focused(&mut self, action: Action) -> Vec<Effect> {
        if let Some(dialog) = self.dialog.clone() {
            return self.with_cx((0, 1), |g, _, _, cx| g.update_dialog(dialog, action, cx));
        }
        if let Some(overlay) = self.overlay {
            let scroll = |s: u16| match action {
                Action::Up => Some(s.saturating_sub(1)),
                Action::Down => Some(s.saturating_add(1)),
                Action::PageUp => Some(s.saturating_sub(10)),
                Action::PageDown => Some(s.saturating_add(10)),
                Action::First => Some(0),
                // Drawing stops the scroll at the last line.
                Action::Last => Some(u16::MAX),
                _ => None,
            };
            match (overlay, &action) {
                (_, Action::Back) => self.overlay = None,
                (Overlay::Lab { cursor }, Action::Activate) => {
                    self.overlay = None;
                    let scenario = cursor
                        .checked_sub(1)
                        .and_then(|i| certbench_lab::SCENARIOS.get(i));
                    return self.route(Pane::Handshake, Action::ScenarioChosen(scenario));
                }
                (Overlay::Lab { cursor }, _) => {
                    let last = certbench_lab::SCENARIOS.len();
                    let moved = match action {
                        Action::Up => cursor.saturating_sub(1),
                        Action::Down => (cursor + 1).min(last),
                        Action::PageUp => cursor.saturating_sub(10),
                        Action::PageDown => (cursor + 10).min(last),
                        Action::First => 0,
                        Action::Last => last,
                        _ => cursor,
                    };
                    self.overlay = Some(Overlay::Lab { cursor: moved });
                }
                (_, Action::Activate) => self.overlay = None,
                (Overlay::Help { .. }, Action::StartTour) => {
                    self.overlay = None;
                    // Its steps follow a whole set: without one they could not be done.
                    let missing = crate::tour::missing(&self.view);
                    if !missing.is_empty() {
                        let names: Vec<&str> = missing.iter().map(|r| r.title()).collect();
                        let generate =
                            self.key_for(Context::Global, Action::ShowPane(Pane::Generate));
                        self.say(
                            Severity::Warning,
                            format!(
                                "The tour needs a root CA, a server and a client certificate; this workspace has no {} certificate: issue {} in Generate ({generate}).",
                                names.join(" or "),
                                if names.len() == 1 { "it" } else { "them" }
                            ),
                        );
                        return Vec::new();
                    }
                    // From where its first step begins: that step is to open Inspect, which
                    // from Inspect would be done before it was read.
                    self.show_pane(Pane::Generate);
                    self.start_tour();
                }
                (Overlay::Help { .. }, Action::Last) => {
                    // The last screenful: the help's lines less the room the overlay has.
                    let lines = crate::ui::help_sections(self).0.len();
                    let room = usize::from(self.height.saturating_sub(6));
                    self.overlay = Some(Overlay::Help {
                        scroll: u16::try_from(lines.saturating_sub(room)).unwrap_or(0),
                    });
                }
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
                (Overlay::Status { scroll: s }, _) => {
                    if let Some(s) = scroll(s) {
                        self.overlay = Some(Overlay::Status { scroll: s });
                    }
                }
            }
            return vec![];
        }
        self.route(self.pane, action)
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
}

/// The choice after `current` in `choices`, round and round (the first when `current` is gone).
pub fn next_choice<T: Clone + PartialEq>(choices: &[T], current: &T) -> T {
    let at = choices.iter().position(|c| c == current);
    let next = at.map_or(0, |i| (i + 1) % choices.len());
    choices
        .get(next)
        .cloned()
        .unwrap_or_else(|| current.clone())
}

#[cfg(test)]
mod tests;
