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
        }
    }

    pub fn say(&mut self, severity: Severity, text: impl Into<String>) {
        self.status = Some(Status::new(severity, text));
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
            Action::WorkspaceLoaded { view, select } => {
                self.now = OffsetDateTime::now_utc().max(self.now);
                if let Some(e) = &view.error {
                    self.say(Severity::Error, e.clone());
                }
                self.view = view;
                self.generate.workspace_loaded(&self.view, select);
                // The Inspect pane shows the same files: read them again.
                return vec![self.inspect.load_inspect()];
            }
            Action::HandshakeEvent { .. }
            | Action::ServeStarted(_)
            | Action::ServeUpdate(_)
            | Action::ServeEvents(_)
            | Action::ServeStopped
            | Action::HandshakeFinished { .. }
            | Action::RunExported(_) => return self.route(Pane::Handshake, action),
            Action::Completions { ref typed, .. } if matches!(&self.dialog, Some(Dialog::Csr(d)) if d.review.is_none() && &d.path == typed) =>
            {
                return self.route(Pane::Generate, action);
            }
            Action::Completions { .. }
            | Action::CertificatesExported(_)
            | Action::InspectLoaded(_)
            | Action::OpenCertificates { .. } => return self.route(Pane::Inspect, action),
            Action::ShowResult
            | Action::IssueFinished { .. }
            | Action::CsrRead(_)
            | Action::CsrSigned(_)
            | Action::RecipesMade(_)
            | Action::ExportFinished(_)
            | Action::RevokeFinished(_) => return self.route(Pane::Generate, action),
            Action::TaskFailed(message) => self.say(Severity::Error, message),
            other => return self.update_focused(other),
        }
        vec![]
    }

    /// Hand an action to a pane with the shared state it may read and change; what it asks of
    /// the other panes comes back on the queue and is handled in turn.
    fn route(&mut self, to: Pane, action: Action) -> Vec<Effect> {
        let scroll_limit = match (to, &action) {
            (Pane::Inspect, Action::ScrollDown) => crate::panes::inspect::side_max_scroll(self),
            (Pane::Handshake, Action::ScrollDown) => {
                crate::panes::handshake::details_max_scroll(self)
            }
            _ => 0,
        };
        self.with_cx(scroll_limit, |g, i, h, cx| match to {
            Pane::Generate => g.update(action, cx),
            Pane::Inspect => i.update(action, cx),
            Pane::Handshake => h.update(action, cx),
        })
    }

    fn with_cx(
        &mut self,
        scroll_limit: u16,
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
            return self.with_cx(0, |g, _, _, cx| g.update_dialog(dialog, action, cx));
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
                        return self.route(Pane::Handshake, Action::RunHandshake);
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
mod tests {
    use super::*;
    use crate::action::EffectError;
    use certbench_pki::workspace::{SetOptions, Workspace};
    use certbench_tls::run::{ClientAuth, TlsVersion};

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
        app.generate.form.select(FormField::Name);
        app.update(Action::Activate);
        for k in [KeyCode::Tab, KeyCode::Tab] {
            let a = app.on_key(&KeyEvent::new(k, KeyModifiers::NONE)).unwrap();
            app.update(a);
        }
        // Name, then past the choices (issuer, key type) to CN, then O: typing in it.
        assert_eq!(app.pane, Pane::Generate);
        assert_eq!(app.generate.form.field(), FormField::Organization);
        assert!(app.generate.form.editing.is_some());
        // The field's value ("certbench") is replaced by what is typed, as in any form.
        let typed = "rqi1?";
        for c in typed.chars() {
            let a = app.on_key(&key(c)).unwrap();
            assert!(matches!(a, Action::Insert(_)), "{c} is text after Tab");
            app.update(a);
        }
        assert_eq!(app.generate.form.text(FormField::Organization), typed);
        assert!(!app.should_quit);
        // Tab from the form's list of fields (not typing) does not leave the pane either.
        app.update(Action::Activate);
        let a = app
            .on_key(&KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE))
            .unwrap();
        app.update(a);
        assert_eq!(app.pane, Pane::Generate);
        assert!(app.generate.form.editing.is_some());
    }

    #[test]
    fn the_error_count_counts_fields_not_messages() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate);
        // One field with two problems, another with one.
        app.generate.form.select(FormField::Sans);
        app.update(Action::Activate);
        app.update(Action::ClearField);
        for c in "a..b, 300.1.1.1".chars() {
            app.update(Action::Insert(c));
        }
        app.update(Action::Activate);
        app.generate.form.select(FormField::Country);
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
        app.generate.form.select(FormField::CommonName);
        app.update(Action::Activate); // edit
        app.update(Action::ClearField);
        for c in "q1?".chars() {
            let a = app.on_key(&key(c)).unwrap();
            assert!(matches!(a, Action::Insert(_)), "{c} is text while typing");
            app.update(a);
        }
        assert!(!app.should_quit);
        assert_eq!(app.generate.form.text(FormField::CommonName), "q1?");
        app.update(Action::Back); // undo
        assert_eq!(app.generate.form.text(FormField::CommonName), "localhost");
    }

    #[test]
    fn issuing_asks_the_driver_and_an_existing_file_asks_the_user() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate);
        app.generate.form.set_text(FormField::Name, "server");
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
        app.generate.form.set_text(FormField::Name, "old");
        app.generate.form.issuer = "ca".into(); // not the default (the intermediate)
        app.generate.form.set_text(FormField::NotBefore, "-400d");
        app.generate.form.set_text(FormField::Sans, "old.example");
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
        assert_eq!(app.generate.form.text(FormField::NotBefore), "");
        assert_eq!(
            app.generate.form.text(FormField::Sans),
            "localhost, 127.0.0.1, ::1"
        );
        assert_ne!(app.generate.form.text(FormField::Name), "old");
        assert_eq!(app.generate.form.role, Role::Server);
        assert_eq!(
            app.generate.form.issuer, "ca",
            "the issuer is kept, as the message says"
        );
    }

    #[test]
    fn an_invalid_form_is_not_issued_and_the_cursor_goes_to_the_problem() {
        let (_d, mut app) = app_with_demo();
        app.update(Action::Activate);
        app.generate.form.set_text(FormField::Sans, "");
        let effects = app.update(Action::Issue);
        assert!(effects.is_empty());
        assert_eq!(app.generate.form.field(), FormField::Sans);
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
        app.generate.list_selected = client;
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
        app.generate.list_selected = 0;
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
        app.generate.list_selected = app
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
        app.generate.list_selected = 0;
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
        app.inspect.pending_source = Some(p12.clone());
        app.inspect.open.push(p12.clone());
        let loaded = crate::run_blocking(app.inspect.load_inspect(), d.path()).unwrap();
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
            app.inspect
                .current_item()
                .map(crate::panes::inspect::row_label),
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
        let reload = app.update(crate::run_blocking(sign[0].clone(), d.path()).unwrap());
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
        let [reload] = reload.try_into().unwrap();
        app.update(crate::run_blocking(reload, d.path()).unwrap());
        assert_eq!(
            app.view.rows[app.generate.list_selected].entity.name,
            "bare"
        );
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
        let effects = app.update(crate::run_blocking(sign, d.path()).unwrap());
        let ws = Workspace::open(d.path()).unwrap();
        // The certificate signed is selected once the workspace is read again.
        let Some(Effect::LoadWorkspace { select: Some(name) }) = effects.first().cloned() else {
            panic!("{effects:?}")
        };
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
        app.generate.list_selected = app
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
        let (name, text) = app.generate.recipes.clone().unwrap();
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
        let effect = app.inspect.load_inspect();
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
            .map(crate::panes::inspect::row_label)
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
        app.generate.form.set_text(FormField::Name, "web");
        let effects = app.update(Action::Issue);
        assert!(
            matches!(effects.first(), Some(Effect::Issue { .. })),
            "{effects:?}"
        );
        // The workspace reloading does not end the handshake's spinner.
        let view = app.view.clone();
        app.update(Action::WorkspaceLoaded { view, select: None });
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
