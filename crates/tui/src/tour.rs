//! The guided first run: a short tour in the TUI itself. Each step is a real action the user
//! takes, named with the key that does it (from the keymap, so a remapped key is the one shown);
//! the tour moves on when the state shows the action was done, never on a timer or a keypress of
//! its own. It sits below the pane, takes no keys but Esc (when nothing else would take it), and
//! is remembered per workspace once ended (a `.certbench-tour` file in the workspace folder).

use std::path::{Path, PathBuf};

use certbench_tls::run::{EventKind, Side};
use certbench_wire::names::HandshakeType;

use crate::action::{Action, Pane};
use crate::app::App;
use crate::keymap::Context;

/// The file that says the tour was ended in this workspace.
pub const MARK: &str = ".certbench-tour";

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Welcome,
    OpenClient,
    FindEku,
    Run,
    FindRequest,
    FindProof,
    Verdict,
    Stepping,
    Break,
    Culprit,
    Done,
}

impl Step {
    pub const ALL: [Step; 11] = [
        Step::Welcome,
        Step::OpenClient,
        Step::FindEku,
        Step::Run,
        Step::FindRequest,
        Step::FindProof,
        Step::Verdict,
        Step::Stepping,
        Step::Break,
        Step::Culprit,
        Step::Done,
    ];

    /// Its key in assets/tour.toml.
    pub fn id(self) -> &'static str {
        match self {
            Step::Welcome => "welcome",
            Step::OpenClient => "open_client",
            Step::FindEku => "find_eku",
            Step::Run => "run",
            Step::FindRequest => "find_request",
            Step::FindProof => "find_proof",
            Step::Verdict => "verdict",
            Step::Stepping => "step",
            Step::Break => "break",
            Step::Culprit => "culprit",
            Step::Done => "done",
        }
    }

    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    fn next(self) -> Step {
        Step::ALL.get(self.number()).copied().unwrap_or(Step::Done)
    }
}

/// Where the tour is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    pub step: Step,
    /// In the step-through step: a run was seen waiting before a flight.
    saw_pause: bool,
    /// Just started: its first step is shown before anything done counts.
    fresh: bool,
}

impl Default for Tour {
    fn default() -> Tour {
        Tour {
            step: Step::Welcome,
            saw_pause: false,
            fresh: true,
        }
    }
}

impl Tour {
    /// Move on as far as what the user has done allows (several steps, if they ran ahead).
    pub fn advance(&mut self, app: &App) {
        if std::mem::take(&mut self.fresh) {
            return;
        }
        while self.step != Step::Done && self.reached(app) {
            self.step = self.step.next();
            self.saw_pause = false;
        }
    }

    /// Whether the current step's action is done, from the state alone.
    fn reached(&mut self, app: &App) -> bool {
        let h = &app.handshake;
        let selected = h.events.get(h.selected).filter(|_| !h.at_end);
        let sent = |t: HandshakeType, side: Side| {
            selected.is_some_and(|e| {
                e.side == side
                    && matches!(e.kind, EventKind::Wire(_))
                    && e.handshake_type() == Some(t)
            })
        };
        let finished = |ok: bool| {
            !h.running
                && matches!(&h.outcome, Some(Ok(s)) if s.ok() == ok)
                && h.connected_to.is_none()
        };
        match self.step {
            Step::Welcome => app.pane == Pane::Inspect,
            Step::OpenClient => {
                app.pane == Pane::Inspect
                    && app.inspect.focus == crate::panes::inspect::Focus::Fields
                    && is_client_certificate(app)
            }
            Step::FindEku => {
                app.pane == Pane::Inspect
                    && is_client_certificate(app)
                    && app.inspect.nodes().get(app.inspect.field).is_some_and(|n| {
                        n.explain == "ext.extendedKeyUsage" || n.explain == "eku_purpose"
                    })
            }
            Step::Run => app.pane == Pane::Handshake && h.ran.is_none() && finished(true),
            Step::FindRequest => sent(HandshakeType::CertificateRequest, Side::Server),
            Step::FindProof => sent(HandshakeType::CertificateVerify, Side::Client),
            Step::Verdict => h.at_end && finished(true),
            Step::Stepping => {
                self.saw_pause |= h.step_mode && h.is_paused();
                self.saw_pause && !h.running && h.outcome.is_some()
            }
            Step::Break => h.ran.is_some() && finished(false),
            Step::Culprit => app.pane == Pane::Inspect,
            Step::Done => false,
        }
    }

    /// The step's title and text, with the keys of this keymap.
    pub fn words(&self, app: &App) -> (String, String) {
        let w = words(self.step.id());
        let mut keys = keys(app);
        keys.push((CLIENT, client_name(&app.view).unwrap_or_default()));
        (
            certbench_base::assets::fill(&w.title, &keys),
            certbench_base::assets::fill(&w.text, &keys),
        )
    }
}

/// The workspace's client certificate is the one selected in the Inspect pane.
fn is_client_certificate(app: &App) -> bool {
    let Some(item) = app.inspect.current_item() else {
        return false;
    };
    app.view.rows.iter().any(|r| {
        r.entity.role == certbench_x509::Role::Client
            && item.source.ends_with(&r.entity.cert)
            && item.index == 0
    })
}

/// The placeholder for the client certificate, as the list shows it (`alice` in a demo set).
const CLIENT: &str = "client";

/// The workspace's client certificate (the first, when there are several) by its CN, as the
/// Inspect list shows it; by its name in the workspace when it has none.
fn client_name(view: &crate::view::WorkspaceView) -> Option<String> {
    view.rows
        .iter()
        .find(|r| r.entity.role == certbench_x509::Role::Client)
        .map(|r| match r.entity.common_name.as_str() {
            "" => certbench_base::text::display_safe(&r.entity.name, 40),
            cn => certbench_base::text::display_safe(cn, 40),
        })
}

/// The keys the words name, as this keymap has them.
fn keys(app: &App) -> Vec<(&'static str, String)> {
    bindings()
        .into_iter()
        .map(|(name, ctx, a)| (name, app.key_for(ctx, a)))
        .collect()
}

/// Each key the words may name: its name in the words, and where and what it is.
fn bindings() -> Vec<(&'static str, Context, Action)> {
    let k = |ctx, a| (ctx, a);
    let named = vec![
        (
            "inspect",
            k(Context::Global, Action::ShowPane(Pane::Inspect)),
        ),
        (
            "handshake",
            k(Context::Global, Action::ShowPane(Pane::Handshake)),
        ),
        ("down", k(Context::Inspect, Action::Down)),
        ("up", k(Context::Handshake, Action::Up)),
        ("step_down", k(Context::Handshake, Action::Down)),
        ("enter", k(Context::Inspect, Action::Activate)),
        ("field_down", k(Context::Fields, Action::Down)),
        ("field_page", k(Context::Fields, Action::PageDown)),
        ("run", k(Context::Handshake, Action::RunHandshake)),
        ("end", k(Context::Handshake, Action::Last)),
        ("step", k(Context::Handshake, Action::ToggleStep)),
        ("next", k(Context::Handshake, Action::NextFlight)),
        ("lab", k(Context::Handshake, Action::PickScenario)),
        ("choose", k(Context::Overlay, Action::Activate)),
        ("culprit", k(Context::Handshake, Action::InspectStep)),
        ("esc", k(Context::Global, Action::Back)),
        ("help", k(Context::Global, Action::ToggleHelp)),
        ("tour", k(Context::Overlay, Action::StartTour)),
    ];
    named.into_iter().map(|(n, (c, a))| (n, c, a)).collect()
}

#[derive(serde::Deserialize)]
struct Words {
    title: String,
    text: String,
}

const WORDS: &str = include_str!("../../../assets/tour.toml");

fn words(id: &str) -> &'static Words {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static CELL: OnceLock<HashMap<String, Words>> = OnceLock::new();
    static NONE: OnceLock<Words> = OnceLock::new();
    CELL.get_or_init(|| toml::from_str(WORDS).unwrap_or_default())
        .get(id)
        .unwrap_or_else(|| {
            NONE.get_or_init(|| Words {
                title: String::new(),
                text: String::new(),
            })
        })
}

/// Whether the tour starts by itself in this workspace: it was never ended here, and the
/// workspace is shaped as the demo set is (`gen` makes one too), which the steps' words say: a
/// root CA, an intermediate it signed, and a server and a client certificate.
pub fn wanted(dir: &Path, view: &crate::view::WorkspaceView) -> bool {
    !dir.join(MARK).exists()
        && missing(view).is_empty()
        && view
            .rows
            .iter()
            .any(|r| r.entity.role == certbench_x509::Role::Intermediate)
}

/// What of the certificates the steps need this workspace lacks: a root CA, a server and a client
/// certificate, in that order (none: the tour can be taken here, though its words name an
/// intermediate a flat set does not have).
pub fn missing(view: &crate::view::WorkspaceView) -> Vec<certbench_x509::Role> {
    use certbench_x509::Role;
    [Role::Ca, Role::Server, Role::Client]
        .into_iter()
        .filter(|&role| !view.rows.iter().any(|r| r.entity.role == role))
        .collect()
}

/// The file that remembers the tour ended, in the workspace `dir`.
pub fn mark_path(dir: &Path) -> PathBuf {
    dir.join(MARK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_words_and_fills_its_keys() {
        let app = App::new(
            crate::keymap::KeyMap::defaults(),
            Default::default(),
            time::OffsetDateTime::UNIX_EPOCH,
            (80, 24),
        );
        let table: std::collections::HashMap<String, Words> = toml::from_str(WORDS).unwrap();
        assert_eq!(
            table.len(),
            Step::ALL.len(),
            "a step without words, or words without a step"
        );
        for step in Step::ALL {
            let t = Tour {
                step,
                ..Tour::default()
            };
            let (title, text) = t.words(&app);
            assert!(!title.is_empty() && !text.is_empty(), "{step:?}");
            // Every {name} in the words is a key the tour fills, and a bound one.
            let raw = &table[step.id()].text;
            let names: Vec<&str> = raw
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n))
                .collect();
            let all = bindings();
            for n in names.into_iter().filter(|n| *n != CLIENT) {
                let bound = all
                    .iter()
                    .find(|(k, _, _)| *k == n)
                    .and_then(|(_, ctx, a)| app.keymap.bound_key(*ctx, a.clone()));
                assert!(bound.is_some(), "{step:?}: {{{n}}} is no bound key");
            }
            // The TUI names keys, never the CLI's flags.
            assert!(!text.contains("--"), "{step:?}: {text}");
        }
    }
}
