//! Keys to actions: built-in defaults (assets/keymap.toml) merged with the user's keymap.toml from
//! the platform config folder. The help overlay and the status bar are made from the same data.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{Action, Pane};

const DEFAULT_KEYMAP: &str = include_str!("../../../assets/keymap.toml");

/// Where the focus is decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    List,
    Inspect,
    Fields,
    Hex,
    Prompt,
    /// Typing a value to verify with (a name, a time).
    Ask,
    Handshake,
    /// Typing where to connect (HOST:PORT).
    Target,
    Form,
    Editing,
    /// Asked before replacing a certificate's files.
    Replace,
    /// Asked before revoking, with the reason to choose.
    Revoke,
    /// Asked before renewing, with the key to choose.
    Renew,
    /// The machine's trust stores: where the roots are; install, uninstall (asked first).
    Trust,
    /// Exporting a certificate: the format, and the password typed.
    Export,
    /// Typing the password of a PKCS#12 bundle to open it.
    Password,
    /// Signing a request: its path typed.
    Sign,
    /// Signing a request: the review (role, name, names added).
    Review,
    Overlay,
}

impl Context {
    pub const ALL: [Context; 20] = [
        Context::Global,
        Context::List,
        Context::Inspect,
        Context::Fields,
        Context::Hex,
        Context::Prompt,
        Context::Ask,
        Context::Handshake,
        Context::Target,
        Context::Form,
        Context::Editing,
        Context::Replace,
        Context::Revoke,
        Context::Renew,
        Context::Trust,
        Context::Export,
        Context::Password,
        Context::Sign,
        Context::Review,
        Context::Overlay,
    ];

    /// Whether the focus is typing: a character no binding takes is text, never a command.
    pub fn takes_text(self) -> bool {
        match self {
            Context::Editing
            | Context::Prompt
            | Context::Ask
            | Context::Target
            | Context::Export
            | Context::Password
            | Context::Sign
            | Context::Review => true,
            Context::Global
            | Context::List
            | Context::Inspect
            | Context::Fields
            | Context::Hex
            | Context::Handshake
            | Context::Form
            | Context::Replace
            | Context::Revoke
            | Context::Renew
            | Context::Trust
            | Context::Overlay => false,
        }
    }

    fn section(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Inspect => "inspect",
            Context::Fields => "fields",
            Context::Hex => "hex",
            Context::Prompt => "prompt",
            Context::Ask => "ask",
            Context::Handshake => "handshake",
            Context::Target => "target",
            Context::Form => "form",
            Context::Editing => "editing",
            Context::Replace => "replace",
            Context::Revoke => "revoke",
            Context::Renew => "renew",
            Context::Trust => "trust",
            Context::Export => "export",
            Context::Password => "password",
            Context::Sign => "sign",
            Context::Review => "review",
            Context::Overlay => "overlay",
        }
    }

    /// The heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::List => "Generate: certificate list",
            Context::Inspect => "Inspect: certificate list",
            Context::Fields => "Inspect: fields",
            Context::Hex => "Inspect: bytes",
            Context::Prompt => "Inspect: opening a file",
            Context::Ask => "Inspect: a name or a time to verify with",
            Context::Handshake => "Handshake",
            Context::Target => "Handshake: where to connect",
            Context::Form => "Generate: the form",
            Context::Editing => "Typing in a field",
            Context::Replace => "Replacing a certificate",
            Context::Revoke => "Revoking a certificate",
            Context::Renew => "Renewing a certificate",
            Context::Trust => "The machine's trust stores",
            Context::Export => "Exporting a certificate",
            Context::Password => "Typing a PKCS#12 password",
            Context::Sign => "Signing a request (CSR): its path",
            Context::Review => "Signing a request (CSR): the review",
            Context::Overlay => "Windows (help, last issued)",
        }
    }
}

/// A key with its modifiers, as written in keymap.toml ("ctrl-c", "enter", "?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn parse(s: &str) -> Result<KeyChord, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            f if f.starts_with('f')
                && f.len() > 1
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => {
                return Err(format!(
                    "\"{s}\" is not a key (examples: q, ?, enter, ctrl-c, f1)"
                ));
            }
        };
        Ok(KeyChord { code, modifiers })
    }

    /// The chord a key event is, with Shift folded into the character it made.
    pub fn from_event(ev: &KeyEvent) -> KeyChord {
        let mut modifiers = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::BackTab => {
                modifiers = KeyModifiers::NONE;
                KeyCode::BackTab
            }
            other => other,
        };
        KeyChord { code, modifiers }
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            _ => f.write_str("?"),
        }
    }
}

/// An action as named in keymap.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    Help,
    NextPane,
    PrevPane,
    Pane(Pane),
    ShowResult,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    First,
    Last,
    Tour,
    Activate,
    Back,
    New,
    Revoke,
    ExportFiles,
    Recipes,
    SignRequest,
    Issue,
    Reset,
    Filter,
    Open,
    Complete,
    Purpose,
    VerifyName,
    VerifyTime,
    RunHandshake,
    ToggleTls,
    CycleClientCert,
    CycleGroup,
    CycleSuite,
    CycleServerName,
    CycleServerCert,
    CycleClientAuth,
    CycleChains,
    CycleTrust,
    PickScenario,
    ExportRun,
    InspectStep,
    ToggleStep,
    NextFlight,
    FoldSecrets,
    ToggleBytes,
    PrevByte,
    NextByte,
    CancelRun,
    ToggleServe,
    ToggleRelay,
    ToggleResponder,
    ShowStatus,
    Renew,
    Trust,
    Install,
    Uninstall,
    Connect,
    PrevConnection,
    NextConnection,
    Confirm,
    Cancel,
    DeleteBack,
    Clear,
    NextField,
    PrevField,
    ScrollUp,
    ScrollDown,
}

impl Command {
    fn parse(s: &str) -> Result<Option<Command>, String> {
        Ok(Some(match s {
            "none" => return Ok(None),
            "quit" => Command::Quit,
            "help" => Command::Help,
            "next-pane" => Command::NextPane,
            "prev-pane" => Command::PrevPane,
            "pane-generate" => Command::Pane(Pane::Generate),
            "pane-inspect" => Command::Pane(Pane::Inspect),
            "pane-handshake" => Command::Pane(Pane::Handshake),
            "show-result" => Command::ShowResult,
            "up" => Command::Up,
            "down" => Command::Down,
            "left" => Command::Left,
            "right" => Command::Right,
            "page-up" => Command::PageUp,
            "page-down" => Command::PageDown,
            "first" => Command::First,
            "last" => Command::Last,
            "tour" => Command::Tour,
            "activate" => Command::Activate,
            "back" => Command::Back,
            "new" => Command::New,
            "revoke" => Command::Revoke,
            "export-files" => Command::ExportFiles,
            "recipes" => Command::Recipes,
            "sign-request" => Command::SignRequest,
            "issue" => Command::Issue,
            "reset" => Command::Reset,
            "filter" => Command::Filter,
            "open" => Command::Open,
            "complete" => Command::Complete,
            "purpose" => Command::Purpose,
            "verify-name" => Command::VerifyName,
            "verify-time" => Command::VerifyTime,
            "run" => Command::RunHandshake,
            "toggle-tls" => Command::ToggleTls,
            "cycle-client-cert" => Command::CycleClientCert,
            "cycle-group" => Command::CycleGroup,
            "cycle-suite" => Command::CycleSuite,
            "cycle-server-name" => Command::CycleServerName,
            "cycle-server-cert" => Command::CycleServerCert,
            "cycle-client-auth" => Command::CycleClientAuth,
            "cycle-chains" => Command::CycleChains,
            "cycle-trust" => Command::CycleTrust,
            "pick-scenario" => Command::PickScenario,
            "export" => Command::ExportRun,
            "inspect-step" => Command::InspectStep,
            "toggle-step" => Command::ToggleStep,
            "next-flight" => Command::NextFlight,
            "fold-secrets" => Command::FoldSecrets,
            "bytes" => Command::ToggleBytes,
            "prev-byte" => Command::PrevByte,
            "next-byte" => Command::NextByte,
            "cancel-run" => Command::CancelRun,
            "toggle-serve" => Command::ToggleServe,
            "toggle-relay" => Command::ToggleRelay,
            "toggle-responder" => Command::ToggleResponder,
            "status" => Command::ShowStatus,
            "renew" => Command::Renew,
            "trust" => Command::Trust,
            "install" => Command::Install,
            "uninstall" => Command::Uninstall,
            "connect" => Command::Connect,
            "prev-connection" => Command::PrevConnection,
            "next-connection" => Command::NextConnection,
            "confirm" => Command::Confirm,
            "cancel" => Command::Cancel,
            "delete-back" => Command::DeleteBack,
            "clear" => Command::Clear,
            "next-field" => Command::NextField,
            "scroll-up" => Command::ScrollUp,
            "scroll-down" => Command::ScrollDown,
            "prev-field" => Command::PrevField,
            _ => return Err(format!("\"{s}\" is not an action")),
        }))
    }

    pub fn action(self) -> Action {
        match self {
            Command::Quit => Action::Quit,
            Command::Help => Action::ToggleHelp,
            Command::NextPane => Action::NextPane,
            Command::PrevPane => Action::PrevPane,
            Command::Pane(p) => Action::ShowPane(p),
            Command::ShowResult => Action::ShowResult,
            Command::Up => Action::Up,
            Command::Down => Action::Down,
            Command::Left => Action::Left,
            Command::Right => Action::Right,
            Command::PageUp => Action::PageUp,
            Command::PageDown => Action::PageDown,
            Command::First => Action::First,
            Command::Last => Action::Last,
            Command::Tour => Action::StartTour,
            Command::Activate => Action::Activate,
            Command::Back => Action::Back,
            Command::New => Action::NewUnderSelected,
            Command::Revoke => Action::Revoke,
            Command::ExportFiles => Action::StartExport,
            Command::Recipes => Action::ShowRecipes,
            Command::SignRequest => Action::StartSignRequest,
            Command::Issue => Action::Issue,
            Command::Reset => Action::ResetForm,
            Command::Filter => Action::StartFilter,
            Command::Open => Action::StartOpen,
            Command::Complete => Action::Complete,
            Command::Purpose => Action::CyclePurpose,
            Command::VerifyName => Action::VerifyName,
            Command::VerifyTime => Action::VerifyTime,
            Command::RunHandshake => Action::RunHandshake,
            Command::ToggleTls => Action::ToggleTls,
            Command::CycleClientCert => Action::CycleClientCert,
            Command::CycleGroup => Action::CycleGroup,
            Command::CycleSuite => Action::CycleSuite,
            Command::CycleServerName => Action::CycleServerName,
            Command::CycleServerCert => Action::CycleServerCert,
            Command::CycleClientAuth => Action::CycleClientAuth,
            Command::CycleChains => Action::CycleChains,
            Command::CycleTrust => Action::CycleTrust,
            Command::PickScenario => Action::PickScenario,
            Command::ExportRun => Action::ExportRun,
            Command::InspectStep => Action::InspectStep,
            Command::ToggleStep => Action::ToggleStep,
            Command::NextFlight => Action::NextFlight,
            Command::FoldSecrets => Action::FoldSecrets,
            Command::ToggleBytes => Action::ToggleBytes,
            Command::PrevByte => Action::PrevByte,
            Command::NextByte => Action::NextByte,
            Command::CancelRun => Action::CancelRun,
            Command::ToggleServe => Action::ToggleServe,
            Command::ToggleRelay => Action::ToggleRelay,
            Command::ToggleResponder => Action::ToggleResponder,
            Command::ShowStatus => Action::ShowStatus,
            Command::Renew => Action::Renew,
            Command::Trust => Action::ShowTrust,
            Command::Install => Action::TrustInstall,
            Command::Uninstall => Action::TrustUninstall,
            Command::Connect => Action::StartConnect,
            Command::PrevConnection => Action::PrevConnection,
            Command::NextConnection => Action::NextConnection,
            Command::Confirm => Action::Confirm,
            Command::Cancel => Action::Cancel,
            Command::DeleteBack => Action::DeleteBack,
            Command::Clear => Action::ClearField,
            Command::NextField => Action::NextField,
            Command::ScrollUp => Action::ScrollUp,
            Command::ScrollDown => Action::ScrollDown,
            Command::PrevField => Action::PrevField,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub key: KeyChord,
    pub command: Command,
    pub desc: String,
}

#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: BTreeMap<Context, Vec<Binding>>,
}

impl KeyMap {
    /// The built-in bindings.
    pub fn defaults() -> KeyMap {
        let mut map = KeyMap {
            bindings: BTreeMap::new(),
        };
        // The defaults are tested; should they ever not parse, the TUI still runs with what did.
        if let Err(e) = map.merge(DEFAULT_KEYMAP) {
            tracing::error!("built-in keymap: {e}");
        }
        map
    }

    /// `~/.config/certbench/keymap.toml` on Linux.
    pub fn user_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "certbench")
            .map(|p| p.config_dir().join("keymap.toml"))
    }

    /// The defaults with the user's file merged over them. A broken file is reported, not fatal.
    pub fn load(path: Option<&Path>) -> (KeyMap, Option<String>) {
        let mut map = KeyMap::defaults();
        let Some(path) = path else { return (map, None) };
        match std::fs::read_to_string(path) {
            Ok(text) => match map.clone().merged(&text) {
                Ok(m) => (m, None),
                Err(e) => {
                    map = KeyMap::defaults();
                    (map, Some(format!("{} was not used: {e}", path.display())))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (map, None),
            Err(e) => (map, Some(format!("could not read {}: {e}", path.display()))),
        }
    }

    fn merged(mut self, text: &str) -> Result<KeyMap, String> {
        self.merge(text)?;
        Ok(self)
    }

    /// Merge bindings from TOML text over these: a key bound again in a section replaces the old
    /// one. The file's order is kept: it is the order of the help and the status bar.
    pub fn merge(&mut self, text: &str) -> Result<(), String> {
        let raw: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
        for (section, keys) in raw {
            let ctx = Context::ALL
                .into_iter()
                .find(|c| c.section() == section)
                .ok_or_else(|| {
                    format!(
                        "[{section}] is not a section (use {})",
                        Context::ALL.map(|c| c.section()).join(", ")
                    )
                })?;
            let toml::Value::Table(keys) = keys else {
                return Err(format!(
                    "{section} must be a [{section}] table of key = action"
                ));
            };
            for (key, binding) in keys {
                let chord = KeyChord::parse(&key).map_err(|e| format!("[{section}]: {e}"))?;
                let (action, desc) = match binding {
                    toml::Value::String(a) => (a, None),
                    toml::Value::Table(t) => {
                        let action = t.get("action").and_then(|v| v.as_str()).ok_or_else(|| {
                            format!("[{section}] \"{key}\": needs action = \"...\"")
                        })?;
                        let desc = t.get("desc").and_then(|v| v.as_str()).map(String::from);
                        (action.to_string(), desc)
                    }
                    _ => {
                        return Err(format!(
                            "[{section}] \"{key}\": expected an action name or {{ action = \"...\", desc = \"...\" }}"
                        ));
                    }
                };
                let command =
                    Command::parse(&action).map_err(|e| format!("[{section}] \"{key}\": {e}"))?;
                let list = self.bindings.entry(ctx).or_default();
                let old = list.iter().position(|b| b.key == chord);
                let old_desc = old.map(|i| list.remove(i).desc);
                if let Some(command) = command {
                    let desc = desc
                        .or(old_desc)
                        .unwrap_or_else(|| action.replace('-', " "));
                    let binding = Binding {
                        key: chord,
                        command,
                        desc,
                    };
                    match old {
                        Some(i) => list.insert(i, binding),
                        None => list.push(binding),
                    }
                }
            }
        }
        Ok(())
    }

    /// The action for a key, looking in `contexts` in order.
    pub fn lookup(&self, contexts: &[Context], key: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(key);
        contexts.iter().find_map(|ctx| {
            self.bindings
                .get(ctx)?
                .iter()
                .find(|b| b.key == chord)
                .map(|b| b.command.action())
        })
    }

    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        self.bindings.get(&ctx).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key bound to `action` in `ctx`, as hints show it ("?" if none is).
    pub fn key_for(&self, ctx: Context, action: Action) -> String {
        self.bound_key(ctx, action)
            .unwrap_or_else(|| "?".to_string())
    }

    /// The first key bound to `action` in `ctx`, if any is.
    pub fn bound_key(&self, ctx: Context, action: Action) -> Option<String> {
        self.bindings(ctx)
            .iter()
            .find(|b| match (b.command, &action) {
                // One action for three panes: the key of the pane asked for.
                (Command::Pane(p), Action::ShowPane(q)) => p == *q,
                (c, a) => std::mem::discriminant(&c.action()) == std::mem::discriminant(a),
            })
            .map(|b| b.key.to_string())
    }

    /// The keys bound in `ctx` to any of `actions`, joined as hints join them ("y/enter"), and
    /// the words of the first of them; `None` when no key is bound to any: a dialog names the
    /// keys the user's keymap binds, and never a key that does nothing.
    pub fn keys_of(&self, ctx: Context, actions: &[Action]) -> Option<(String, String)> {
        let does = |b: &&Binding| {
            let a = b.command.action();
            actions
                .iter()
                .any(|want| std::mem::discriminant(want) == std::mem::discriminant(&a))
        };
        let bound: Vec<&Binding> = self.bindings(ctx).iter().filter(does).collect();
        let first = bound.first()?;
        let keys: Vec<String> = bound.iter().map(|b| b.key.to_string()).collect();
        Some((keys.join("/"), first.desc.clone()))
    }

    /// One entry per action in `ctx`, its keys joined: "↑/k previous".
    pub fn hints(&self, ctx: Context) -> Vec<(String, String)> {
        self.hints_of(ctx)
            .into_iter()
            .map(|(k, d, _)| (k, d))
            .collect()
    }

    /// The same, with the command each hint is for: what a caller decides by, never the words.
    pub fn hints_of(&self, ctx: Context) -> Vec<(String, String, Command)> {
        let mut out: Vec<(String, String, Command)> = Vec::new();
        for b in self.bindings(ctx) {
            match out.iter_mut().find(|(_, _, c)| *c == b.command) {
                Some(entry) => entry.0 = format!("{}/{}", entry.0, b.key),
                None => out.push((b.key.to_string(), b.desc.clone(), b.command)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_built_in_keymap_parses() {
        let mut map = KeyMap {
            bindings: BTreeMap::new(),
        };
        map.merge(DEFAULT_KEYMAP).unwrap();
        assert!(matches!(
            map.lookup(&[Context::Global], &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        ));
        assert!(matches!(
            map.lookup(
                &[Context::Global],
                &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        ));
        assert!(matches!(
            map.lookup(&[Context::Form, Context::Global], &key(KeyCode::Char('i'))),
            Some(Action::Issue)
        ));
        // Shift-Tab arrives as BackTab with SHIFT.
        assert!(matches!(
            map.lookup(
                &[Context::Global],
                &KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)
            ),
            Some(Action::PrevPane)
        ));
    }

    #[test]
    fn user_bindings_replace_and_remove_defaults() {
        let mut map = KeyMap::defaults();
        map.merge("[global]\n\"ctrl-q\" = \"quit\"\n\"q\" = \"none\"\n")
            .unwrap();
        assert!(
            map.lookup(&[Context::Global], &key(KeyCode::Char('q')))
                .is_none()
        );
        assert!(matches!(
            map.lookup(
                &[Context::Global],
                &KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        ));
    }

    #[test]
    fn invalid_keymaps_say_what_is_wrong() {
        let cases = [
            (
                "[global]\n\"q\" = \"explode\"\n",
                "\"explode\" is not an action",
            ),
            (
                "[nowhere]\n\"q\" = \"quit\"\n",
                "[nowhere] is not a section",
            ),
            (
                "[global]\n\"hyper-q\" = \"quit\"\n",
                "\"hyper-q\" is not a key",
            ),
            ("[global\n", "unclosed table"),
            ("[global]\n\"q\" = 3\n", "expected an action name"),
        ];
        for (text, expected) in cases {
            let err = KeyMap::defaults().merge(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn a_broken_user_file_falls_back_to_the_defaults_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.toml");
        std::fs::write(&path, "[global]\n\"q\" = 3\n").unwrap();
        let (map, warning) = KeyMap::load(Some(&path));
        assert!(warning.unwrap().contains("was not used"));
        assert!(matches!(
            map.lookup(&[Context::Global], &key(KeyCode::Char('q'))),
            Some(Action::Quit)
        ));
    }

    #[test]
    fn hints_join_the_keys_of_one_action() {
        let map = KeyMap::defaults();
        let hints = map.hints(Context::List);
        assert!(
            hints.contains(&("↑/k".to_string(), "previous".to_string())),
            "{hints:?}"
        );
    }

    /// keymap.toml is typed by people: any key name and any document is a binding or a
    /// sentence saying what is wrong, never a panic (a property test over generated text).
    #[test]
    fn any_keymap_text_is_a_binding_or_a_sentence() {
        const PIECES: &[&str] = &[
            "ctrl-", "alt-", "shift-", "f", "1", "12", "13", "0", "é", "日", "enter", "esc", "tab",
            "-", "", " ", "q", "Q", "\u{1b}", "space", "backtab", "pageup", "\"", "=", "[", "]",
            "{", "}", "action", "desc", "quit", "none", "global", "form", "replace", "nowhere",
            "\n", "#", ".", ",",
        ];
        let mut state: u64 = 0x6b65_796d_6170_0001;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut piece =
            |k: usize| -> String { (0..k).map(|_| PIECES[next(PIECES.len())]).collect() };
        let defaults = KeyMap::defaults();
        for _ in 0..3000 {
            let key = piece(3);
            match KeyChord::parse(&key) {
                Ok(chord) => {
                    let _ = chord.to_string();
                }
                Err(e) => assert!(e.contains("is not a key"), "{key:?}: {e}"),
            }
            // A document: a known or unknown section, then a few bindings of any shape.
            let doc = format!(
                "[{}]\n\"{}\" = \"{}\"\n\"{}\" = {{ action = \"{}\", desc = \"{}\" }}\n{}",
                piece(1),
                piece(2),
                piece(1),
                piece(2),
                piece(1),
                piece(2),
                piece(4)
            );
            let mut map = defaults.clone();
            if let Err(e) = map.merge(&doc) {
                assert!(!e.is_empty(), "{doc:?}");
            }
        }
    }
}
