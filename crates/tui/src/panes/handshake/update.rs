//! The Handshake pane's update: its keys (the choices for the next run, moving in the timeline
//! and the bytes, serving, connecting, stepping) and the results of its work (a run's events, the
//! server's connections, a saved run), as an `Action` in and `Effect`s out.

use certbench_tls::event::{EventKind, Verdict};
use certbench_tls::run::{ClientAuth, RunOptions, Stepper, Trust, group_names, suite_names};
use certbench_x509::Role;
use time::OffsetDateTime;

use super::CursorOn as _;

use super::HandshakeState;
use crate::action::{Action, CertificatesOf, CertificatesToOpen, Effect};
use crate::app::{Cx, Overlay, Severity, next_choice};

impl HandshakeState {
    /// An action for this pane: a key where the focus is, or a result of its work.
    pub fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::ScenarioChosen(scenario) => {
                self.scenario = scenario;
                // A scenario is picked to be seen: it runs at once.
                if scenario.is_some() && !self.running {
                    return self.update_keys(Action::RunHandshake, cx);
                }
            }
            Action::HandshakeEvent { run, event } => self.push(run, *event),
            Action::ServeStarted(result) => match result {
                Ok((addr, try_files)) => {
                    if let Some(s) = self.serve.as_mut() {
                        s.addr = Some(addr);
                        if let super::Listening::Serve { try_files: t, .. } = &mut s.kind {
                            *t = try_files;
                        }
                    }
                    cx.say(
                        Severity::Success,
                        format!(
                            "Serving https://localhost:{}/ to your own clients (curl, a browser, your service): each connection is listed here",
                            addr.port()
                        ),
                    );
                }
                Err(e) => {
                    self.serve = None;
                    cx.say(Severity::Error, format!("Could not serve: {e}"));
                }
            },
            Action::ServeUpdate(update) => {
                use certbench_tls::serve::Update;
                let h = &mut *self;
                if let Some(s) = h.serve.as_mut() {
                    let show = match *update {
                        Update::Accepted { id, peer } => {
                            s.accepted(id, peer, OffsetDateTime::now_utc());
                            s.selected.is_none()
                        }
                        Update::Finished(c) => {
                            let id = c.id;
                            s.finished(super::Ended::Served(c)) && s.shown() == Some(id)
                        }
                        Update::AcceptFailed { cause } => {
                            let text = certbench_cause::describe(&cause);
                            cx.say(
                                Severity::Error,
                                format!("Could not accept a connection: {text}"),
                            );
                            false
                        }
                        Update::Event { .. } => false,
                    };
                    let h = &mut *self;
                    if show && !h.running && !h.run_in_view {
                        h.show_connection();
                    }
                }
            }
            Action::RelayStarted(result) => match result {
                Ok(addr) => {
                    if let Some(s) = self.serve.as_mut() {
                        s.addr = Some(addr);
                        if let super::Listening::Relay { target, .. } = &s.kind {
                            let target = certbench_base::text::display_safe(target, 100);
                            cx.say(
                                Severity::Success,
                                format!(
                                    "Relaying 127.0.0.1:{} to {target}: point your client at it; each connection is listed here",
                                    addr.port()
                                ),
                            );
                        }
                    }
                }
                Err(e) => {
                    self.serve = None;
                    cx.say(Severity::Error, format!("Could not relay: {e}"));
                }
            },
            Action::RelayUpdate(update) => {
                use certbench_tls::relay::Update;
                let Some(s) = self.serve.as_mut() else {
                    return vec![];
                };
                let show = match *update {
                    Update::Opened { id, peer } => {
                        s.accepted(id, peer, OffsetDateTime::now_utc());
                        s.selected.is_none()
                    }
                    Update::Closed(r) => {
                        let id = r.id;
                        s.finished(super::Ended::Relayed(r)) && s.shown() == Some(id)
                    }
                    Update::Listening { .. } | Update::Event { .. } => false,
                };
                if show && !self.running && !self.run_in_view {
                    self.show_connection();
                }
            }
            Action::ServeEvents(events) => {
                let h = &mut *self;
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
                        && row.live.len() < crate::panes::handshake::MAX_LIVE_EVENTS
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
                if let Some(s) = self.serve.take() {
                    let what = match s.kind {
                        super::Listening::Serve { .. } => "serving",
                        super::Listening::Relay { .. } => "relaying",
                    };
                    cx.say(
                        Severity::Info,
                        format!(
                            "Stopped {what} after {} connection{}",
                            s.total,
                            certbench_base::text::plural(s.total)
                        ),
                    );
                }
            }
            Action::HandshakeFinished { run, result } => {
                if run == self.run {
                    match &result {
                        Ok(s) if s.ok() => cx.say(
                            Severity::Success,
                            "The handshake and the request succeeded.",
                        ),
                        Ok(s) => match s.failure() {
                            // The user ended it: not a failure of the handshake.
                            Some(f) if f.cause == certbench_cause::Cause::Cancelled => {
                                cx.say(Severity::Info, "The run was cancelled.")
                            }
                            Some(f) => cx.say(
                                Severity::Error,
                                format!(
                                    "The handshake failed: the {} caught it: {}",
                                    f.detected_by.name(),
                                    certbench_cause::describe(&f.cause)
                                ),
                            ),
                            None => cx.say(Severity::Error, "The request failed."),
                        },
                        Err(e) => cx.say(Severity::Error, e.clone()),
                    }
                }
                self.finish(run, result.map(|s| *s));
            }
            Action::RunExported(result) => match result {
                Ok(e) => {
                    // What was saved first, by name (the four files share it), then where: on a
                    // narrow screen the folder is what is cut, not what was written.
                    let stem = e
                        .transcript
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let folder = e
                        .transcript
                        .parent()
                        .map(|p| certbench_base::text::display_safe(&p.to_string_lossy(), 4096))
                        .unwrap_or_default();
                    let page = if e.page.is_some() { ", .html" } else { "" };
                    cx.say(
                        Severity::Success,
                        match &e.pcap {
                            Some(_) => format!(
                                "Saved {stem}.pcapng (Wireshark opens it decrypted), .json, .keylog{page} (all but the .json 0600: secrets) in {folder}"
                            ),
                            None => format!(
                                "Saved {stem}.json, .keylog{page} (all but the .json 0600: they hold the secrets) in {folder} (Wireshark: TLS › (Pre)-Master-Secret log filename)"
                            ),
                        },
                    )
                }
                Err(e) => cx.say(Severity::Error, format!("Could not save the run: {e}")),
            },
            other => return self.update_keys(other, cx),
        }
        vec![]
    }

    fn update_target(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let h = &mut *self;
        let Some(text) = h.target.as_mut() else {
            return vec![];
        };
        match action {
            Action::Insert(c) => text.insert(c, 300),
            Action::DeleteBack => text.delete_back(),
            Action::ClearField => text.clear(),
            Action::Back => h.target = None,
            Action::Activate => {
                let target = text.as_str().trim().to_string();
                h.target = None;
                if certbench_tls::connect::host_of(&target).is_none() {
                    cx.say(
                        Severity::Error,
                        format!(
                            "\"{}\" is not HOST:PORT (for example localhost:8443)",
                            certbench_base::text::display_safe(&target, 80)
                        ),
                    );
                    return vec![];
                }
                if h.target_for == super::TargetFor::Relay {
                    h.relayed_to = Some(target.clone());
                    let keylog = h
                        .relay_keylog
                        .clone()
                        .unwrap_or_else(|| cx.view.dir.join(RELAY_KEYLOG));
                    let listen = ([127, 0, 0, 1], RELAY_PORT).into();
                    return vec![h.begin_relay(listen, true, target, keylog, cx.view.dir.clone())];
                }
                let run = h.start();
                h.ran = None;
                h.stepper = None;
                h.connected_to = Some(target.clone());
                *cx.status = None;
                return vec![Effect::Connect {
                    run,
                    dir: cx.view.dir.clone(),
                    target,
                    client: h.client.clone(),
                }];
            }
            _ => {}
        }
        vec![]
    }

    fn update_keys(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if self.target.is_some() {
            return self.update_target(action, cx);
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
        if workspace_choice && self.scenario.is_some() {
            let key = cx.key_for(crate::keymap::Context::Handshake, Action::PickScenario);
            cx.say(
                Severity::Info,
                format!(
                    "A lab scenario brings its own certificates and choices: {key}, then \"(your workspace)\", to make your own"
                ),
            );
            return vec![];
        }
        let h = &mut *self;
        match action {
            Action::Up => {
                h.move_selection(-1);
                h.details_scroll = 0;
            }
            Action::Down => {
                h.move_selection(1);
                h.details_scroll = 0;
            }
            Action::First => {
                h.at_end = false;
                h.absent = None;
                h.move_selection(isize::MIN / 2);
                h.details_scroll = 0;
            }
            Action::Last => {
                h.move_selection(isize::MAX / 2);
                h.details_scroll = 0;
            }
            Action::ScrollDown => {
                let most = cx.scroll_limit;
                let h = &mut *self;
                h.details_scroll = (h.details_scroll + cx.scroll_page).min(most);
            }
            Action::ScrollUp => h.details_scroll = h.details_scroll.saturating_sub(cx.scroll_page),
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
                let version = crate::panes::handshake::version_of(&h.events);
                if let Some(a) = h
                    .events
                    .get(h.selected)
                    .and_then(|e| crate::panes::handshake::annotate(e, version))
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
                let mut choices: Vec<Option<String>> = cx
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
                        explained: Box::new(h.explained.clone()),
                        peer: h.shown_peer(),
                        said: h
                            .shown_relayed()
                            .map(|r| Box::new(certbench_page::Said::of_relayed(r, true))),
                    }];
                }
                _ => cx.say(
                    Severity::Info,
                    "Nothing to save yet: run a handshake first (r), and let it end",
                ),
            },
            // After a failed run, while the Step box shows the failure: its culprit, at its field.
            Action::InspectStep
                if h.at_end
                    && let Some(Ok(s)) = &h.outcome
                    && let Some(c) = s.failure().and_then(|f| f.culprit.clone()) =>
            {
                // A lab run's CAs exist nowhere else: they come along, so the culprit is judged
                // again as the run judged it.
                let lab = h.ran.is_some();
                let ders: Vec<Vec<u8>> = std::iter::once(c.der.to_vec())
                    .chain(c.others.iter().cloned())
                    .chain(c.anchors.iter().filter(|_| lab).cloned())
                    .collect();
                cx.queue
                    .push(Action::OpenCertificates(Box::new(CertificatesToOpen {
                        ders,
                        field: Some(c.field),
                        from: CertificatesOf::Culprit {
                            // The staple that was checked for this very certificate, if any.
                            staple: h
                                .events
                                .iter()
                                .rev()
                                .find(|e| {
                                    matches!(
                                        &e.kind,
                                        EventKind::Verdict(Verdict::Staple { certificate, .. })
                                            if certificate[..] == c.der[..]
                                    )
                                })
                                .map(|e| Box::new(e.clone())),
                            culprit: Box::new(c),
                        },
                        lab,
                        relayed: h.shown_relayed().is_some(),
                    })));
            }
            Action::InspectStep => match h.events.get(h.selected) {
                Some(e) if !e.certificates().is_empty() || e.staple().is_some() => {
                    let ders: Vec<Vec<u8>> = e.certificates().iter().map(|d| d.to_vec()).collect();
                    cx.queue
                        .push(Action::OpenCertificates(Box::new(CertificatesToOpen {
                            ders,
                            field: None,
                            from: CertificatesOf::Step(Box::new(e.clone())),
                            lab: h.ran.is_some(),
                            relayed: false,
                        })));
                }
                _ => cx.say(
                    Severity::Info,
                    "This step carries no certificate: select a Certificate, a chain verdict or a staple",
                ),
            },
            Action::CycleServerName if !h.running => {
                // The server certificate's own names, then one it does not have: how a wrong
                // name fails.
                let mut choices: Vec<String> = cx
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
                cx.say(Severity::Info, "A handshake is running…")
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
                *cx.overlay = Some(Overlay::Lab { cursor });
            }
            Action::CycleServerCert if !h.running => {
                let choices: Vec<String> = cx
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
                let roots: Vec<String> = cx
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
                    cx.say(Severity::Info, "Stopping the server…");
                    return vec![Effect::StopServe(control)];
                }
                None if h.scenario.is_some() => cx.say(
                    Severity::Info,
                    "A lab scenario runs on its own pair: pick \"(your workspace)\" (l) to serve your workspace",
                ),
                None => {
                    let control = crate::action::ServeControl::default();
                    h.serve = Some(crate::panes::handshake::ServeState::new(
                        control.clone(),
                        h.client_auth,
                    ));
                    h.leave_run();
                    return vec![Effect::StartServe {
                        dir: cx.view.dir.clone(),
                        server: h.server.clone(),
                        client_auth: h.client_auth,
                        control,
                    }];
                }
            },
            Action::ToggleRelay => match h.serve.as_ref().map(|s| &s.kind) {
                Some(super::Listening::Relay { .. }) => {
                    let control = h.serve.as_ref().map(|s| s.control.clone());
                    cx.say(Severity::Info, "Stopping the relay…");
                    return control.map(Effect::StopServe).into_iter().collect();
                }
                Some(super::Listening::Serve { .. }) => {
                    let key = cx.key_for(crate::keymap::Context::Handshake, Action::ToggleServe);
                    cx.say(
                        Severity::Info,
                        format!("The server is running: {key} stops it, then a relay can start"),
                    );
                }
                None => {
                    h.target_for = super::TargetFor::Relay;
                    h.target = Some(crate::input::Input::suggest(
                        h.relayed_to.clone().unwrap_or_else(|| "localhost:8443".into()),
                    ));
                }
            },
            Action::PrevConnection | Action::NextConnection if !h.running => {
                if let Some(s) = h.serve.as_mut() {
                    s.step(if matches!(action, Action::PrevConnection) { -1 } else { 1 });
                    h.show_connection();
                } else {
                    let key = cx.key_for(crate::keymap::Context::Handshake, Action::ToggleServe);
                    cx.say(
                        Severity::Info,
                        format!("No server running: {key} serves this workspace to your own clients"),
                    );
                }
            }
            Action::StartConnect if !h.running => {
                h.target_for = super::TargetFor::Connect;
                let last = h.connected_to.clone();
                let port = h.serve.as_ref().and_then(|s| s.addr).map(|a| a.port());
                h.target = Some(crate::input::Input::suggest(match (last, port) {
                    (Some(t), _) => t,
                    (None, Some(p)) => format!("localhost:{p}"),
                    (None, None) => "localhost:8443".into(),
                }));
            }
            Action::NextFlight => {
                if let Some(st) = h.stepper.clone().filter(|_| h.step_mode) {
                    return vec![Effect::StepHandshake(st)];
                }
            }
            Action::CancelRun => {
                if let Some(st) = h.stepper.clone() {
                    cx.say(Severity::Info, "Cancelling the run…");
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
                let mut options = RunOptions::new(cx.view.dir.clone());
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
                *cx.status = None;
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
}

/// Where the pane's relay listens (`serve` takes 8443); any free port when it is taken.
pub const RELAY_PORT: u16 = 8444;

/// The key log the pane's relay follows, in the workspace, unless SSLKEYLOGFILE or `--keylog`
/// names one: the file the user's clients are told to write their secrets to.
pub const RELAY_KEYLOG: &str = "relay.keylog";

impl HandshakeState {
    /// Start relaying: the pane lists the relay's connections from now on.
    pub fn begin_relay(
        &mut self,
        listen: std::net::SocketAddr,
        elsewhere: bool,
        target: String,
        keylog: std::path::PathBuf,
        dir: std::path::PathBuf,
    ) -> Effect {
        let control = crate::action::ServeControl::default();
        self.serve = Some(super::ServeState::relay(
            control.clone(),
            target.clone(),
            keylog.clone(),
        ));
        self.leave_run();
        Effect::StartRelay {
            listen,
            elsewhere,
            target,
            keylog,
            control,
            dir,
        }
    }
}

/// A server name no demo certificate has: choosing it shows the client refusing the server.
const WRONG_NAME: &str = "wrong.example";
