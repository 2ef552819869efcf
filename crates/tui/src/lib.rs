//! The interactive TUI. A key becomes an `Action` through the keymap; `App::update` changes the
//! state and returns `Effect`s; the driver here runs them as tasks whose results come back as
//! actions; drawing reads the state. Nothing slow runs on the loop.

mod action;
mod app;
mod input;
mod keymap;
mod layout;
mod panes;
mod peers;
mod theme;
mod tour;
mod trust;
mod ui;
mod view;

#[cfg(test)]
mod snapshots;

use std::io::stdout;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use certbench_base::fsutil::FsError;
use certbench_pki::Error;
use certbench_pki::workspace::{SetOptions, Workspace};
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind, MouseButton,
    MouseEventKind,
};
use crossterm::execute;
use futures_util::StreamExt;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use action::{Action, CertificatesOf, Effect, EffectError};
use app::{App, Severity};
use keymap::KeyMap;
use view::WorkspaceView;

pub(crate) use peers::spawn_peer;

/// Where the TUI reads from: the workspace, and what the user opened.
#[derive(Debug, Clone)]
pub struct Sources {
    pub dir: PathBuf,
    /// Files and folders given with --open.
    pub open: Vec<PathBuf>,
    /// --system: the system trust store too.
    pub system: bool,
    /// `certbench relay --tui`: relay from the start, its connections in the Handshake pane.
    pub relay: Option<RelayStart>,
}

/// A relay to start with the TUI.
#[derive(Debug, Clone)]
pub struct RelayStart {
    pub listen: std::net::SocketAddr,
    /// HOST:PORT, checked by the caller.
    pub target: String,
    /// The key log to follow; `None`: SSLKEYLOGFILE, else the workspace's.
    pub keylog: Option<PathBuf>,
}

/// Open the TUI on the workspace in `sources.dir`, making a demo PKI there first if it is empty.
pub fn run(sources: Sources) -> anyhow::Result<()> {
    let dir = sources.dir.clone();
    let _log_guard = init_logging();
    let keymap_path = KeyMap::user_path();
    let (keymap, keymap_warning) = KeyMap::load(keymap_path.as_deref());
    // Files to look at were named: the workspace is left as it is (a demo PKI is made only for
    // a start with nothing else asked).
    let opening = !sources.open.is_empty() || sources.system;
    let startup_message = if opening {
        None
    } else {
        prepare_workspace(&dir)
    };
    let view = WorkspaceView::load(&dir);

    // The loop's own runtime reads the terminal and draws; the work it asks for runs on a
    // runtime of its own, on its own thread, so a long handshake or a panicking task never holds
    // the loop up.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let tasks = Tasks::start()?;

    let mut terminal = ratatui::try_init().context("could not set up the terminal")?;
    install_panic_hook();
    let _ = execute!(stdout(), EnableMouseCapture);
    let size = terminal
        .size()
        .map(|s| (s.width, s.height))
        .unwrap_or((80, 24));
    let mut app = App::new(keymap, view, OffsetDateTime::now_utc(), size);
    app.keymap_path = keymap_path;
    app.inspect.open = sources.open.clone();
    app.inspect.system = sources.system;
    match (keymap_warning, startup_message) {
        (Some(w), _) => app.say(Severity::Error, w),
        (None, Some((sev, m))) => app.say(sev, m),
        (None, None) => {}
    }
    // The key log a relay follows: the one named, else the one the user's shell exports to
    // its clients.
    app.handshake.relay_keylog = sources
        .relay
        .as_ref()
        .and_then(|r| r.keylog.clone())
        .or_else(|| std::env::var_os("SSLKEYLOGFILE").map(PathBuf::from));
    if sources.relay.is_some() {
        app.pane = action::Pane::Handshake;
    } else if opening {
        app.pane = action::Pane::Inspect;
    } else if tour::wanted(&dir, &app.view) {
        app.start_tour();
    }
    let result = runtime.block_on(event_loop(&mut terminal, &mut app, sources, &tasks.handle));
    restore_terminal();
    // An issue in flight finishes before the process ends (its files are written whole either
    // way: the workspace's journal sees to that).
    tasks.stop();
    result
}

/// The runtime effects run on: a thread of its own, driven until the TUI ends.
struct Tasks {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The name of the thread that runs effects; a panic there is a task's, not the loop's.
const TASKS_THREAD: &str = "certbench-tasks";

impl Tasks {
    fn start() -> anyhow::Result<Tasks> {
        // A current-thread runtime keeps a handshake's events in the order they happen.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name(TASKS_THREAD)
            .build()
            .context("could not start the task runtime")?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(TASKS_THREAD.into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // Running tasks end here; blocking ones (an issue) are waited for.
                runtime.shutdown_timeout(Duration::from_secs(30));
            })
            .context("could not start the task thread")?;
        Ok(Tasks {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Make the demo PKI in an empty workspace. Returns what to tell the user.
fn prepare_workspace(dir: &Path) -> Option<(Severity, String)> {
    let mut ws = match Workspace::open(dir) {
        Ok(ws) => ws,
        Err(e) => return Some((Severity::Error, e.to_string())),
    };
    if !ws.is_empty() {
        return None;
    }
    let options = SetOptions::default();
    match ws.gen_set(&options, false, OffsetDateTime::now_utc()) {
        Ok(_) => {
            tracing::info!(dir = %dir.display(), "created the demo PKI");
            Some((
                Severity::Success,
                format!(
                    "New workspace: made a demo PKI (root CA, intermediate, server for {}, client \"{}\") in {}",
                    options.server_names.join(", "),
                    options.client_name,
                    dir.display()
                ),
            ))
        }
        Err(e @ Error::Fs(FsError::FileExists { .. })) => Some((
            Severity::Error,
            format!(
                "No demo PKI made: {e}. The folder has certificate files but no certbench.toml: \
                 start certbench with --dir on another folder, or run `certbench gen --force` \
                 there (what it replaces is moved into replaced/)."
            ),
        )),
        Err(e) => Some((Severity::Error, format!("No demo PKI made: {e}"))),
    }
}

/// What reaches the loop: terminal input, and actions from finished tasks.
pub(crate) enum Message {
    Terminal(std::io::Result<Event>),
    Action(Action),
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    sources: Sources,
    tasks: &tokio::runtime::Handle,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    // The first file named is selected once read (else the first item).
    let first = app.inspect.load_inspect(panes::inspect::AfterLoad {
        select: sources.open.first().cloned(),
        ..Default::default()
    });
    spawn_effect(first, &sources, tx.clone(), tasks);
    if let Some(r) = &sources.relay {
        let keylog = app
            .handshake
            .relay_keylog
            .clone()
            .unwrap_or_else(|| sources.dir.join(panes::handshake::RELAY_KEYLOG));
        // The address asked for, or an error: not another one silently.
        let start = app.handshake.begin_relay(
            r.listen,
            false,
            r.target.clone(),
            keylog,
            sources.dir.clone(),
        );
        app.handshake.relayed_to = Some(r.target.clone());
        spawn_effect(start, &sources, tx.clone(), tasks);
    }
    // Terminal input is read by its own task, so the loop waits on one channel.
    let input = tx.clone();
    let reader = tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            if input.send(Message::Terminal(ev)).is_err() {
                break;
            }
        }
    });
    // Another certbench (a CLI command, a second TUI) may change the workspace: its manifest is
    // looked at every 2 s, off the loop, and a change is read again.
    let watch_tx = tx.clone();
    let watch_dir = sources.dir.clone();
    let watch_tasks = tasks.clone();
    let watcher = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            let dir = watch_dir.clone();
            let stamp = watch_tasks
                .spawn_blocking(move || view::manifest_stamp(&dir))
                .await
                .ok()
                .flatten();
            // Sent each time, not only when it changes: one seen while the TUI was reading the
            // workspace itself is compared again once that read is done.
            if let Some(s) = stamp
                && watch_tx
                    .send(Message::Action(Action::ManifestSeen(s)))
                    .is_err()
            {
                break;
            }
        }
    });
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut clock = tokio::time::interval(Duration::from_secs(30));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let result = loop {
        if let Err(e) = terminal.draw(|f| ui::draw(f, app)) {
            break Err(e).context("could not draw");
        }
        let busy = app.busy().is_some() || app.inspect.loading;
        let first = tokio::select! {
            Some(m) = rx.recv() => m,
            _ = tick.tick(), if busy => Message::Action(Action::Tick),
            _ = clock.tick() => Message::Action(Action::Tick),
        };
        // Handle everything that is already waiting, then draw once.
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        let mut failed = None;
        for message in batch {
            // Each key is read against the state the keys before it left.
            let action = match message {
                Message::Terminal(Ok(ev)) => to_action(app, ev),
                Message::Terminal(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                Message::Action(a) => Some(a),
            };
            let Some(action) = action else { continue };
            // What is typed is not logged: it may be a password.
            if !matches!(action, Action::Insert(_)) {
                tracing::debug!(?action, "action");
            }
            for effect in app.update(action) {
                spawn_effect(effect, &sources, tx.clone(), tasks);
            }
        }
        if let Some(e) = failed {
            break Err(e).context("could not read the terminal");
        }
        if app.should_quit {
            break Ok(());
        }
    };
    reader.abort();
    watcher.abort();
    result
}

fn to_action(app: &App, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => app.on_key(&k),
        Event::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
            Some(Action::Click {
                column: m.column,
                row: m.row,
            })
        }
        Event::Resize(width, height) => Some(Action::Resize { width, height }),
        _ => None,
    }
}

/// What to report when an effect's task fails by a bug (a panic): the action that ends the work
/// the state waits for, with a sentence.
fn failure_of(effect: &Effect) -> Box<dyn FnOnce(String) -> Action + Send> {
    match effect {
        Effect::Issue { spec, .. } => {
            let spec = spec.clone();
            Box::new(move |message| Action::IssueFinished {
                spec,
                result: Err(EffectError {
                    message,
                    existing_file: None,
                }),
            })
        }
        Effect::Revoke { .. } => Box::new(|m| Action::RevokeFinished(Err(m))),
        Effect::Renew { .. } => Box::new(|m| Action::RenewFinished(Err(m))),
        Effect::ReadTrust => Box::new(|m| Action::TrustRead(Err(m))),
        Effect::ChangeTrust { .. } => Box::new(|m| Action::TrustChanged(Err(m))),
        Effect::MakeRecipes { .. } => Box::new(|m| Action::RecipesMade(Err(m))),
        Effect::ReadCsr { .. } => Box::new(|m| Action::CsrRead(Err(m))),
        Effect::SignCsr { .. } => Box::new(|message| {
            Action::CsrSigned(Err(EffectError {
                message,
                existing_file: None,
            }))
        }),
        Effect::Export { .. } => Box::new(|message| {
            Action::ExportFinished(Err(EffectError {
                message,
                existing_file: None,
            }))
        }),
        Effect::ReloadChanged => Box::new(Action::TaskFailed),
        Effect::LoadWorkspace { .. } => Box::new(|m| Action::WorkspaceLoaded {
            view: WorkspaceView {
                error: Some(m),
                ..WorkspaceView::default()
            },
            select: None,
        }),
        Effect::LoadInspect { .. } | Effect::AddToInspect { .. } | Effect::OpenPkcs12 { .. } => {
            Box::new(|m| {
                Action::InspectLoaded(Box::new(panes::inspect::Loaded::new(vec![
                    certbench_x509::Item {
                        source: PathBuf::from("certbench"),
                        index: 0,
                        kind: None,
                        der: vec![],
                        result: Err(certbench_x509::error::LoadError::Task(m)),
                    },
                ])))
            })
        }
        Effect::CompletePath(typed) => {
            let typed = typed.clone();
            Box::new(move |m| {
                tracing::warn!(error = %m, "completion failed");
                Action::Completions {
                    typed,
                    candidates: vec![],
                }
            })
        }
        Effect::ExportRun { .. } => Box::new(|m| Action::RunExported(Err(m))),
        Effect::SaveCertificates(asked) => {
            let (ders, field, relayed, lab) =
                (asked.ders.clone(), asked.field, asked.relayed, asked.lab);
            Box::new(move |m| Action::CertificatesExported {
                staple: None,
                ders,
                field,
                relayed,
                lab,
                result: Err(m),
            })
        }
        Effect::RunHandshake { run, .. } => {
            let run = *run;
            Box::new(move |m| Action::HandshakeFinished {
                run,
                result: Err(m),
            })
        }
        Effect::StartServe { .. } => Box::new(|m| Action::ServeStarted(Err(m))),
        Effect::StartRelay { .. } => Box::new(|m| Action::RelayStarted(Err(m))),
        Effect::StartResponder { .. } => Box::new(|m| Action::ResponderStarted(Err(m))),
        Effect::Connect { run, .. } => {
            let run = *run;
            Box::new(move |m| Action::HandshakeFinished {
                run,
                result: Err(m),
            })
        }
        Effect::Quit
        | Effect::StepHandshake(_)
        | Effect::CancelHandshake(_)
        | Effect::StopServe(_)
        | Effect::RememberTour(_) => Box::new(Action::TaskFailed),
    }
}

/// The sentence for a task that panicked: a bug, said plainly; the details are in the log.
fn bug_sentence(what: &str) -> String {
    format!(
        "certbench failed unexpectedly while {what} (a bug: the details are in certbench.log); nothing else was affected"
    )
}

/// Run an effect off the loop; its result comes back as an action. A task that panics is
/// reported as that effect failing, and the loop goes on.
fn spawn_effect(
    effect: Effect,
    sources: &Sources,
    tx: mpsc::UnboundedSender<Message>,
    tasks: &tokio::runtime::Handle,
) {
    if effect == Effect::Quit {
        return;
    }
    match &effect {
        Effect::StepHandshake(st) => return st.next(),
        Effect::CancelHandshake(st) => return st.cancel(),
        Effect::StopServe(control) => return control.0.notify_one(),
        _ => {}
    }
    if let Effect::StartServe { .. }
    | Effect::StartRelay { .. }
    | Effect::StartResponder { .. }
    | Effect::Connect { .. } = &effect
    {
        return spawn_peer(effect, tx, tasks);
    }
    let on_failure = failure_of(&effect);
    let what = effect_label(&effect);
    if let Effect::RunHandshake {
        run,
        options,
        scenario,
    } = effect
    {
        // Async work: the events come back one by one, as they happen.
        let events_tx = tx.clone();
        let work = tasks.spawn(async move {
            let (etx, mut erx) = mpsc::unbounded_channel();
            let forward = tokio::spawn(async move {
                while let Some(event) = erx.recv().await {
                    let _ = events_tx.send(Message::Action(Action::HandshakeEvent {
                        run,
                        event: Box::new(event),
                    }));
                }
            });
            let result = match scenario {
                Some(s) => certbench_lab::run(s, &options.control, etx)
                    .await
                    .map_err(|e| e.to_string()),
                None => certbench_tls::run::run(&options, etx)
                    .await
                    .map_err(|e| e.to_string()),
            }
            .map(Box::new);
            let _ = forward.await;
            result
        });
        tasks.spawn(async move {
            let action = match work.await {
                Ok(result) => Action::HandshakeFinished { run, result },
                Err(e) if e.is_panic() => on_failure(bug_sentence(what)),
                Err(_) => on_failure("the run was stopped".into()),
            };
            let _ = tx.send(Message::Action(action));
        });
        return;
    }
    let sources = sources.clone();
    let dir = sources.dir.clone();
    tasks.spawn_blocking(move || {
        let work = std::panic::AssertUnwindSafe(|| run_blocking(effect, &dir));
        let action = match std::panic::catch_unwind(work) {
            Ok(Some(action)) => action,
            Ok(None) => return,
            Err(_) => on_failure(bug_sentence(what)),
        };
        // The loop may have ended (the user quit while this ran): nothing is waiting then.
        let _ = tx.send(Message::Action(action));
    });
}

/// What an effect does, in words, for a message about it.
fn effect_label(effect: &Effect) -> &'static str {
    match effect {
        Effect::LoadWorkspace { .. } | Effect::ReloadChanged => "reading the workspace",
        Effect::LoadInspect { .. } | Effect::AddToInspect { .. } => "reading certificates",
        Effect::OpenPkcs12 { .. } => "opening the PKCS#12 bundle",
        Effect::CompletePath(_) => "completing a path",
        Effect::RunHandshake { .. } => "running the handshake",
        Effect::ExportRun { .. } => "saving the run",
        Effect::SaveCertificates(_) => "saving the certificates",
        Effect::Issue { .. } => "issuing the certificate",
        Effect::Revoke { .. } => "revoking the certificate",
        Effect::Renew { .. } => "renewing the certificate",
        Effect::ReadTrust => "reading the trust stores",
        Effect::ChangeTrust { .. } => "changing the trust stores",
        Effect::Export { .. } => "exporting the certificate",
        Effect::MakeRecipes { .. } => "making the recipes",
        Effect::ReadCsr { .. } => "reading the request",
        Effect::SignCsr { .. } => "signing the request",
        Effect::StartServe { .. } => "serving",
        Effect::StartRelay { .. } => "relaying",
        Effect::StartResponder { .. } => "answering OCSP",
        Effect::Connect { .. } => "connecting",
        Effect::RememberTour(_) => "remembering the tour",
        Effect::StepHandshake(_)
        | Effect::CancelHandshake(_)
        | Effect::StopServe(_)
        | Effect::Quit => "working",
    }
}

/// The blocking work of an effect, and the action that reports it.
fn run_blocking(effect: Effect, dir: &Path) -> Option<Action> {
    let now = OffsetDateTime::now_utc();
    Some(match effect {
        Effect::ReloadChanged => Action::WorkspaceChanged(Box::new(WorkspaceView::load(dir))),
        Effect::LoadWorkspace { select } => Action::WorkspaceLoaded {
            view: WorkspaceView::load(dir),
            select,
        },
        Effect::LoadInspect {
            open,
            system,
            passwords,
            after,
        } => {
            let sources = Sources {
                dir: dir.to_path_buf(),
                open,
                system,
                relay: None,
            };
            let mut loaded = load_inspect_with(&sources, &passwords, now);
            loaded.after = after;
            Action::InspectLoaded(Box::new(loaded))
        }
        Effect::AddToInspect {
            paths,
            mut loaded,
            after,
        } => {
            // A PKCS#12 bundle made with an empty password opens at once, as in the CLI.
            loaded.extend(certbench_x509::load::open_pkcs12_items(
                certbench_x509::load_paths(&paths),
                None,
            ));
            let mut loaded = relint(dir, loaded, now);
            loaded.after = after;
            Action::InspectLoaded(Box::new(loaded))
        }
        Effect::OpenPkcs12 {
            source,
            password,
            loaded,
            after,
        } => {
            let items =
                certbench_x509::load::open_pkcs12_source(loaded, &source, password.expose());
            let mut loaded = relint(dir, items, now);
            loaded.after = after;
            Action::InspectLoaded(Box::new(loaded))
        }
        Effect::CompletePath(typed) => {
            let candidates = complete_path(&typed);
            Action::Completions { typed, candidates }
        }
        Effect::Issue { spec, overwrite } => {
            let result = Workspace::open(dir)
                .and_then(|mut ws| ws.issue(&spec, overwrite, now))
                .map(Box::new)
                .map_err(|e| EffectError {
                    existing_file: match &e {
                        Error::Fs(FsError::FileExists { path }) => Some(path.clone()),
                        _ => None,
                    },
                    message: e.to_string(),
                });
            if let Err(e) = &result {
                tracing::warn!(error = %e.message, "issue failed");
            }
            Action::IssueFinished { spec, result }
        }
        Effect::ExportRun {
            summary,
            events,
            scenario,
            explained,
            peer,
            said,
        } => {
            // The page of the run beside its transcript, with its secrets (as its key log).
            let page = certbench_page::page(&certbench_page::Run {
                summary: &summary,
                events: &events,
                explained: &explained,
                scenario: scenario.map(|s| certbench_lab::words(s).title.as_str()),
                peer,
                said: said.map(|s| *s),
                secrets: true,
                made: now,
            });
            Action::RunExported(
                certbench_lab::export::export_run(
                    // A lab run is the lab's: saved beside it, never into the workspace.
                    &if scenario.is_some() {
                        lab_folder()
                    } else {
                        dir.join(certbench_pki::workspace::HANDSHAKES_DIR)
                    },
                    &summary,
                    &events,
                    scenario,
                    Some(page.into_bytes()),
                    now,
                )
                .map_err(|e| e.to_string()),
            )
        }
        Effect::SaveCertificates(asked) => {
            let folder = if asked.lab {
                lab_folder()
            } else {
                dir.join(certbench_pki::workspace::HANDSHAKES_DIR)
            };
            let (result, staple) = match &asked.from {
                CertificatesOf::Step(event) => {
                    let staple = certbench_lab::export::export_staple(&folder, event, now);
                    let certificates = (!event.certificates().is_empty())
                        .then(|| certbench_lab::export::export_certificates(&folder, event, now));
                    match (certificates, staple) {
                        (Some(Ok(path)), Ok(staple)) => (Ok(path), staple),
                        (Some(Err(e)), _) | (_, Err(e)) => (Err(e), None),
                        // A TLS 1.2 CertificateStatus: the staple alone.
                        (None, Ok(Some(staple))) => (Ok(staple), None),
                        (None, Ok(None)) => {
                            (Err(certbench_lab::export::ExportError::NoCertificate), None)
                        }
                    }
                }
                CertificatesOf::Culprit { culprit, staple } => {
                    let path =
                        certbench_lab::export::export_culprit(&folder, culprit, asked.lab, now);
                    // The staple beside it: Inspect judges the certificate with it, as the
                    // client did.
                    let staple = staple
                        .as_ref()
                        .map(|event| certbench_lab::export::export_staple(&folder, event, now));
                    match (path, staple) {
                        (Ok(path), None) => (Ok(path), None),
                        (Ok(path), Some(Ok(staple))) => (Ok(path), staple),
                        // The culprit is saved: it opens all the same, judged without it.
                        (Ok(path), Some(Err(e))) => {
                            tracing::warn!(error = %e, "the staple could not be saved");
                            (Ok(path), None)
                        }
                        (Err(e), _) => (Err(e), None),
                    }
                }
            };
            // The edge: the engine's typed errors become the sentence the message line shows.
            Action::CertificatesExported {
                ders: asked.ders,
                field: asked.field,
                relayed: asked.relayed,
                lab: asked.lab,
                result: result.map_err(|e| e.to_string()),
                staple,
            }
        }
        Effect::Revoke { name, reason } => Action::RevokeFinished(
            Workspace::open(dir)
                .and_then(|mut ws| ws.revoke(&name, reason, now))
                .map_err(|e| e.to_string()),
        ),
        Effect::Renew {
            name,
            new_key,
            revoke_old,
        } => Action::RenewFinished(renew(dir, &name, new_key, revoke_old, now)),
        Effect::ReadTrust => Action::TrustRead(trust::read(dir).map(Box::new)),
        Effect::ChangeTrust { install } => Action::TrustChanged(trust::change(dir, install, now)),
        Effect::MakeRecipes { name } => Action::RecipesMade(recipes_for(dir, &name)),
        Effect::ReadCsr { path } => Action::CsrRead(read_csr(dir, path).map(Box::new)),
        Effect::SignCsr {
            request,
            grant,
            replace,
        } => {
            let result = Workspace::open(dir)
                .and_then(|mut ws| ws.issue_request(&grant, &request, replace, now))
                .map(Box::new)
                .map_err(|e| EffectError {
                    existing_file: match &e {
                        Error::Fs(FsError::FileExists { path }) => Some(path.clone()),
                        _ => None,
                    },
                    message: e.to_string(),
                });
            Action::CsrSigned(result)
        }
        Effect::Export {
            name,
            choice,
            password,
            replace,
        } => {
            use certbench_pki::bundle::{ExportFileError, export_to_file};
            let format = choice.format();
            let result = Workspace::open(dir)
                .map_err(|e| EffectError {
                    message: e.to_string(),
                    existing_file: None,
                })
                .and_then(|ws| {
                    export_to_file(
                        &ws,
                        &name,
                        format,
                        format.needs_password().then(|| password.expose()),
                        choice.encryption(),
                        None,
                        replace,
                    )
                    .map_err(|e| EffectError {
                        existing_file: match &e {
                            ExportFileError::Exists { path } => Some(path.clone()),
                            _ => None,
                        },
                        message: e.to_string(),
                    })
                });
            Action::ExportFinished(result)
        }
        Effect::RememberTour(dir) => {
            // A note for certbench only: losing it means the tour is offered once more.
            let mark = certbench_base::fsutil::FileWrite::replaceable(
                tour::mark_path(&dir),
                "The guided tour was ended in this workspace; ? then t in the TUI starts it again.\n",
            );
            if let Err(e) = certbench_base::fsutil::write_files(&[mark], true) {
                tracing::warn!(error = %e, "could not remember the tour");
            }
            return None;
        }
        Effect::Quit
        | Effect::RunHandshake { .. }
        | Effect::StartServe { .. }
        | Effect::StartRelay { .. }
        | Effect::StartResponder { .. }
        | Effect::StopServe(_)
        | Effect::Connect { .. }
        | Effect::StepHandshake(_)
        | Effect::CancelHandshake(_) => return None,
    })
}

/// Renew `name`, and revoke the certificate it replaces (superseded) when asked, as `renew
/// [--revoke-old]` does: the message line's words. A renewal whose revocation failed says both.
fn renew(
    dir: &Path,
    name: &str,
    new_key: bool,
    revoke_old: bool,
    now: OffsetDateTime,
) -> Result<Vec<String>, String> {
    let mut ws = Workspace::open(dir).map_err(|e| e.to_string())?;
    let r = ws.renew(name, new_key, now).map_err(|e| e.to_string())?;
    if revoke_old {
        let superseded = certbench_x509::RevocationReason::Superseded;
        if let Err(e) = ws.revoke_serial(name, Some(&r.old_serial), superseded, now) {
            return Err(format!(
                "Renewed {name}, but the old certificate was not revoked: {e}"
            ));
        }
    }
    // Short: the message line has two lines at 80 columns; the status window (a) says the rest.
    Ok(vec![certbench_lab::aging::renewed_short(&r, revoke_old)])
}

/// A request read from `path` and checked, with the CA that signs it by default (the
/// intermediate, else the root) and the workspace's set id.
fn read_csr(dir: &Path, path: PathBuf) -> Result<action::CsrReview, String> {
    let bytes = certbench_x509::load::read_regular_file(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let request = certbench_pki::csr::read(&bytes).map_err(|e| e.to_string())?;
    let ws = Workspace::open(dir).map_err(|e| e.to_string())?;
    let issuer = ws.default_issuer(certbench_x509::Role::Server);
    Ok(action::CsrReview {
        path,
        request,
        issuer,
        set_id: ws.set_id().to_string(),
    })
}

/// The recipes for the workspace certificate `name` (a server or a client; a CA's are the
/// workspace's defaults), as Markdown, with this machine's paths and this binary.
fn recipes_for(dir: &Path, name: &str) -> Result<String, String> {
    use certbench_pki::recipes::{markdown, recipes, values};
    let ws = Workspace::open(dir).map_err(|e| e.to_string())?;
    let role = ws.entity(name).map(|e| e.role);
    let server = (role == Some(certbench_x509::Role::Server)).then_some(name);
    let client = (role == Some(certbench_x509::Role::Client)).then_some(name);
    let mut v = values(&ws, server, client, 8443, false).map_err(|e| e.to_string())?;
    if let Ok(exe) = std::env::current_exe() {
        v.certbench = exe.display().to_string();
    }
    Ok(markdown(&recipes(&v, &[])))
}

/// The Inspect pane's items: the workspace's certificates and CRLs, then what the user opened.
pub(crate) fn load_inspect(sources: &Sources, now: OffsetDateTime) -> panes::inspect::Loaded {
    load_inspect_with(sources, &[], now)
}

/// The same, with the PKCS#12 bundles that `passwords` open opened (one a password no longer
/// opens, changed on disk, asks for its password again).
fn load_inspect_with(
    sources: &Sources,
    passwords: &[(PathBuf, certbench_base::text::Secret)],
    now: OffsetDateTime,
) -> panes::inspect::Loaded {
    let mut paths = Vec::new();
    let workspace = Workspace::open(&sources.dir).ok();
    // The workspace's files read as one state: no change of the workspace meanwhile.
    let _reading = workspace.as_ref().and_then(Workspace::read_lock);
    if let Some(ws) = &workspace {
        paths.extend(ws.entities().iter().map(|e| ws.path(&e.cert)));
        paths.extend(ws.crl_paths());
    }
    paths.extend(sources.open.iter().cloned());
    if sources.system {
        paths.extend(certbench_x509::load::system_store());
    }
    let mut items =
        certbench_x509::load::open_pkcs12_items(certbench_x509::load_paths(&paths), None);
    for (source, password) in passwords {
        items = certbench_x509::load::open_pkcs12_source(items, source, password.expose());
    }
    relint(&sources.dir, items, now)
}

/// The lints of every item, made with what the workspace in `dir` says each of its
/// certificates is for.
fn relint(
    dir: &Path,
    mut items: Vec<certbench_x509::Item>,
    now: OffsetDateTime,
) -> panes::inspect::Loaded {
    let roles: Vec<(PathBuf, certbench_x509::Role)> = Workspace::open(dir)
        .map(|ws| {
            ws.entities()
                .iter()
                .map(|e| (ws.path(&e.cert), e.role))
                .collect()
        })
        .unwrap_or_default();
    // The workspace's certificates: their role. The system's roots: someone else's.
    let system = certbench_x509::load::system_store();
    let known = |i: &certbench_x509::Item| certbench_x509::Known {
        role: roles.iter().find(|(p, _)| *p == i.source).map(|(_, r)| *r),
        foreign: system.as_ref().is_some_and(|s| i.source.starts_with(s)),
    };
    certbench_x509::lint_all(&mut items, now, &known);
    let mut loaded = panes::inspect::Loaded::new(items);
    loaded.read_at = Some(now);
    loaded
}

/// Paths that could complete `typed`: entries of its folder that start with its last part.
fn complete_path(typed: &str) -> Vec<String> {
    let home = std::env::var("HOME").unwrap_or_default();
    let expanded = match typed.strip_prefix("~/") {
        Some(rest) => format!("{home}/{rest}"),
        None => typed.to_string(),
    };
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("", expanded.as_str()),
    };
    let shown_dir = &typed[..typed.len() - prefix.len()];
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return vec![];
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let visible = !name.starts_with('.') || prefix.starts_with('.');
            (visible && name.starts_with(prefix)).then(|| {
                let slash = if e.path().is_dir() { "/" } else { "" };
                format!("{shown_dir}{name}{slash}")
            })
        })
        .take(500)
        .collect();
    out.sort();
    out
}

fn restore_terminal() {
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// A panic on the loop's thread ends the TUI: ratatui's hook restores raw mode and the screen
/// (mouse capture is ours to undo), then the message is printed. A panic in a task is that
/// task's failure, reported in the UI by the driver: it is logged, and the terminal is left
/// alone (restoring it would leave a blank screen that still reads keys).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("main") {
            tracing::error!(panic = %info, "a task failed");
            return;
        }
        let _ = execute!(stdout(), DisableMouseCapture);
        previous(info);
    }));
}

/// Where what a lab scenario's run saves goes: the lab's PKI is made in memory for the run, never
/// the user's, so nothing of it goes into the workspace.
fn lab_folder() -> PathBuf {
    directories::ProjectDirs::from("", "", "certbench")
        .map(|p| p.data_local_dir().join("lab"))
        .unwrap_or_else(|| std::env::temp_dir().join("certbench-lab"))
}

/// Log to a file in the data folder, never to the screen. `CERTBENCH_LOG=debug` for more.
fn init_logging() -> Option<()> {
    let dir = directories::ProjectDirs::from("", "", "certbench")?
        .data_local_dir()
        .to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    // The log holds what the user did and saw (file names, hosts): theirs alone, an older one
    // (0644 before certbench made it private) too.
    let file = certbench_base::fsutil::open_private_append(&dir.join("certbench.log")).ok()?;
    let level = match std::env::var("CERTBENCH_LOG").as_deref() {
        Ok("trace") => tracing::Level::TRACE,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("warn") => tracing::Level::WARN,
        Ok("error") => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_max_level(level)
        .try_init()
        .ok()
}

/// The Inspect pane drawn off-screen: what `benches/inspect.rs` measures (load and first frame,
/// then a scroll step), with the same loader and drawing code as the real TUI.
#[doc(hidden)]
pub struct OffscreenInspect {
    app: App,
    terminal: ratatui::Terminal<ratatui::backend::TestBackend>,
}

/// An app on an empty workspace showing `pane`, and a terminal of `size` drawn in memory.
fn offscreen(
    pane: action::Pane,
    (width, height): (u16, u16),
) -> anyhow::Result<(App, ratatui::Terminal<ratatui::backend::TestBackend>)> {
    let mut app = App::new(
        KeyMap::defaults(),
        WorkspaceView::default(),
        OffsetDateTime::now_utc(),
        (width, height),
    );
    app.update(Action::ShowPane(pane));
    let terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))?;
    Ok((app, terminal))
}

impl OffscreenInspect {
    /// Load everything `sources` names and draw the first frame.
    pub fn load(
        sources: &Sources,
        (width, height): (u16, u16),
    ) -> anyhow::Result<OffscreenInspect> {
        let (mut app, mut terminal) = offscreen(action::Pane::Inspect, (width, height))?;
        let loaded = load_inspect(sources, app.now);
        app.update(Action::InspectLoaded(Box::new(loaded)));
        terminal.draw(|f| ui::draw(f, &app))?;
        Ok(OffscreenInspect { app, terminal })
    }

    /// How many items were loaded.
    pub fn items(&self) -> usize {
        self.app.inspect.loaded.items.len()
    }

    /// Draw again, nothing changed.
    pub fn frame(&mut self) -> anyhow::Result<()> {
        self.terminal.draw(|f| ui::draw(f, &self.app))?;
        Ok(())
    }

    /// Move the selection one row down and draw again.
    pub fn scroll_step(&mut self) -> anyhow::Result<()> {
        self.app.update(Action::Down);
        self.terminal.draw(|f| ui::draw(f, &self.app))?;
        Ok(())
    }
}

/// The Handshake pane with a given timeline, drawn off screen, for the drawing bench.
#[doc(hidden)]
pub struct OffscreenHandshake {
    app: App,
    terminal: ratatui::Terminal<ratatui::backend::TestBackend>,
}

impl OffscreenHandshake {
    /// The pane showing `events` (the last one selected), at `size`.
    pub fn new(
        events: Vec<certbench_tls::run::Event>,
        (width, height): (u16, u16),
    ) -> anyhow::Result<OffscreenHandshake> {
        let (mut app, terminal) = offscreen(action::Pane::Handshake, (width, height))?;
        let run = app.handshake.start();
        for e in events {
            app.handshake.push(run, e);
        }
        Ok(OffscreenHandshake { app, terminal })
    }

    /// Select the first event named `code` (a message, a secret) and show its bytes or fields.
    pub fn select(&mut self, code: &str, bytes: bool) {
        if let Some(i) = self
            .app
            .handshake
            .events
            .iter()
            .position(|e| e.code() == code)
        {
            self.app.handshake.selected = i;
            self.app.handshake.follow = false;
        }
        self.app.handshake.bytes = bytes;
    }

    /// Draw one frame.
    pub fn frame(&mut self) -> anyhow::Result<()> {
        self.terminal.draw(|f| ui::draw(f, &self.app))?;
        Ok(())
    }
}

/// The Handshake pane while serving, with its list of connections, drawn off screen, for the
/// drawing bench.
#[doc(hidden)]
pub struct OffscreenServe {
    app: App,
    terminal: ratatui::Terminal<ratatui::backend::TestBackend>,
}

impl OffscreenServe {
    /// The pane serving on `addr`, told of `connections` as the server tells it (each accepted,
    /// then finished), the newest shown, at `size`.
    pub fn new(
        addr: std::net::SocketAddr,
        connections: Vec<certbench_tls::serve::Connection>,
        (width, height): (u16, u16),
    ) -> anyhow::Result<OffscreenServe> {
        use certbench_tls::serve::Update;
        let (mut app, terminal) = offscreen(action::Pane::Handshake, (width, height))?;
        app.update(Action::ToggleServe);
        app.update(Action::ServeStarted(Ok((addr, None))));
        for c in connections {
            let (id, peer) = (c.id, c.peer);
            app.update(Action::ServeUpdate(Box::new(Update::Accepted { id, peer })));
            app.update(Action::ServeUpdate(Box::new(Update::Finished(Box::new(c)))));
        }
        Ok(OffscreenServe { app, terminal })
    }

    /// How many connections the server has had, and how many the pane lists.
    pub fn connections(&self) -> (u64, usize) {
        self.app
            .handshake
            .serve
            .as_ref()
            .map_or((0, 0), |s| (s.total, s.connections.len()))
    }

    /// Draw one frame.
    pub fn frame(&mut self) -> anyhow::Result<()> {
        self.terminal.draw(|f| ui::draw(f, &self.app))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_complete_from_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("server.crt"), "").unwrap();
        std::fs::write(dir.path().join("server.key"), "").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join(".hidden"), "").unwrap();
        let base = format!("{}/", dir.path().display());
        assert_eq!(
            complete_path(&format!("{base}ser")),
            [format!("{base}server.crt"), format!("{base}server.key")]
        );
        assert_eq!(complete_path(&format!("{base}su")), [format!("{base}sub/")]);
        assert_eq!(
            complete_path(&base).len(),
            3,
            "hidden files only when asked for"
        );
        assert!(complete_path("/no/such/folder/x").is_empty());
    }
}
