//! The Step box: what the selected step is and does, who proved what at the end, where and
//! why a run failed and its fix; and the failure lab's list of scenarios.

use super::bytes::draw_bytes;
use super::diagram::{bytes_of, message_size};
use super::draw::{paused, time};
use crate::action::Action;
use crate::app::App;
use crate::keymap::Context;
use crate::panes::cut;
use crate::panes::handshake::Row;
use crate::theme;
use crate::ui::pane_block;
use certbench_tls::event::{Field, headline, why};
use certbench_tls::run::Failure;
use certbench_x509::explain::explain_step;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub(super) fn draw_details(f: &mut Frame<'_>, app: &App, area: Rect) {
    let h = &app.handshake;
    let block = pane_block("Step", false);
    let inner = block.inner(area);
    if h.events.get(h.selected).is_none() {
        f.render_widget(block, area);
        if let Some(Err(err)) = &h.outcome {
            f.render_widget(
                Paragraph::new(err.clone())
                    .style(theme::error())
                    .wrap(Wrap { trim: true }),
                inner,
            );
        }
        return;
    }
    if h.bytes {
        let title = format!(
            "Bytes · {}/{} field · {}/{} byte · {} fields",
            app.key_for(Context::Handshake, Action::Left),
            app.key_for(Context::Handshake, Action::Right),
            app.key_for(Context::Handshake, Action::PrevByte),
            app.key_for(Context::Handshake, Action::NextByte),
            app.key_for(Context::Handshake, Action::ToggleBytes),
        );
        let block = pane_block(&title, false);
        let inner = block.inner(area);
        f.render_widget(block, area);
        draw_bytes(f, app, inner);
        return;
    }
    // A message's fields can be longer than the box: it scrolls (PgUp/PgDn), and says so.
    crate::panes::draw_scrolled(
        f,
        block,
        area,
        details_lines(app),
        h.details_scroll,
        ("PgDn", "PgUp"),
    );
}

/// Who proved what to whom, what was agreed, how long each phase took: the end of a run that
/// worked.
pub(super) fn proof_lines(app: &App, s: &certbench_tls::run::Summary) -> Vec<Line<'static>> {
    let h = &app.handshake;
    let Some(proofs) = &h.proofs else {
        return vec![];
    };
    let safe = |s: &str| certbench_base::text::terminal_safe(s).into_owned();
    let mut lines = vec![
        Line::from(Span::styled("Who proved what", theme::success())),
        Line::default(),
    ];
    // Only what certbench's own side judged is known: a served connection's client and a
    // connect's server are someone else's program.
    let serving = !h.run_in_view;
    let connecting = h.run_in_view && h.connected_to.is_some();
    let mut sentences = certbench_tls::proof::sentences(proofs);
    if serving {
        sentences[0] = certbench_tls::event::say("proof_server_unknown", &[]);
    }
    if connecting {
        sentences[1] = certbench_tls::event::say("proof_client_unknown", &[]);
    }
    for sentence in sentences {
        lines.push(Line::from(safe(&sentence)));
        lines.push(Line::default());
    }
    let agreed = s.agreed();
    lines.push(Line::from(vec![
        Span::styled("agreed: ", theme::label()),
        Span::raw(agreed.join(" · ")),
    ]));
    // The anchors each side judged the other's chain by, as the run was set up.
    if let Some((client, server)) = &h.ran_trust {
        // The server's anchors judged nothing when it did not ask for a certificate.
        let judged = !matches!(proofs.client, certbench_tls::proof::ClientProof::NotAsked);
        lines.push(Line::from(vec![
            Span::styled("trust anchors: ", theme::label()),
            Span::raw(if judged {
                format!(
                    "the client trusted {}; the server trusted {}",
                    client.label(),
                    server.label()
                )
            } else {
                format!("the client trusted {}", client.label())
            }),
        ]));
    }
    for (phase, us) in &proofs.phases {
        lines.push(Line::from(Span::styled(
            certbench_tls::proof::phase_words(*phase, *us),
            theme::dim(),
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            "{}: the steps · {}: a step's bytes",
            app.key_for(Context::Handshake, Action::Up),
            app.key_for(Context::Handshake, Action::ToggleBytes)
        ),
        theme::dim(),
    )));
    lines
}

/// What the Step box shows: with the end of a run selected, who caught what and how to fix it,
/// or who proved what; else the selected step: what it is, what it does, its fields.
pub(super) fn details_lines(app: &App) -> Vec<Line<'static>> {
    let h = &app.handshake;
    let lines = selected_lines(app);
    // While the run waits before a flight and a message is shown: what comes next, first.
    let on_message = h
        .events
        .get(h.selected)
        .is_some_and(|e| e.kind != certbench_tls::run::EventKind::Paused);
    if h.is_paused()
        && on_message
        && !h.at_end
        && let Some((i, e)) = h
            .events
            .iter()
            .enumerate()
            .rev()
            .find(|(_, e)| e.kind == certbench_tls::run::EventKind::Paused)
    {
        let flight = flight_at(h, i);
        let mut out = vec![
            Line::from(Span::styled(
                format!(
                    "‖ {}",
                    certbench_tls::event::say(
                        "paused_flight",
                        &[
                            ("flight", (flight + 1).to_string()),
                            ("next", e.side.name().to_string()),
                            ("key", app.key_for(Context::Handshake, Action::NextFlight)),
                        ],
                    )
                ),
                theme::warn(),
            )),
            Line::from(certbench_tls::event::say(
                next_flight_words(&h.events[..i], e.side, flight),
                &[("next", e.side.name().to_string())],
            )),
            Line::default(),
        ];
        out.extend(lines);
        return out;
    }
    lines
}

/// The flight under way at event `index` (0 before the first).
fn flight_at(h: &crate::panes::handshake::HandshakeState, index: usize) -> usize {
    crate::panes::handshake::rows(&h.events, false)
        .iter()
        .find_map(|r| match r {
            Row::Event {
                index: i, flight, ..
            } if *i == index => Some(*flight),
            _ => None,
        })
        .unwrap_or(0)
}

/// A relayed connection's CertificateRequest: what the server asked, and which of the
/// workspace's certificates a client could send.
fn request_lines(h: &crate::panes::handshake::HandshakeState) -> Vec<Line<'static>> {
    let Some(r) = h.shown_relayed() else {
        return vec![];
    };
    let said = certbench_lab::relayed::request_lines(r);
    if said.is_empty() {
        return vec![];
    }
    let mut lines = vec![
        Line::default(),
        Line::from(Span::styled(
            "The client certificate asked",
            theme::heading(),
        )),
    ];
    lines.extend(
        said.into_iter()
            .map(|l| Line::from(certbench_base::text::terminal_safe(&l).into_owned())),
    );
    lines
}

/// The Step box's lines for what is selected.
fn selected_lines(app: &App) -> Vec<Line<'static>> {
    let h = &app.handshake;
    if h.at_end
        && let Some(Ok(s)) = &h.outcome
    {
        match s.failure() {
            Some(f) if f.cause == certbench_cause::Cause::Cancelled => {
                return vec![
                    Line::from(Span::styled("The run was cancelled", theme::heading())),
                    Line::default(),
                    Line::from(format!(
                        "It stopped where the timeline ends. {}: the steps · {}: run again",
                        app.key_for(Context::Handshake, Action::Up),
                        app.key_for(Context::Handshake, Action::RunHandshake)
                    )),
                ];
            }
            Some(f) => return failure_lines(app, f, &h.explained),
            None => {
                let mut lines = match h.explained.lesson {
                    Some(_) => lesson_lines(&h.explained),
                    None => vec![],
                };
                // A relayed connection that neither worked nor failed: what is known of it.
                if !s.ok()
                    && let Some(r) = h.shown_relayed()
                {
                    let said = certbench_lab::relayed::said(r, true);
                    lines.push(Line::from(Span::styled(said.status, theme::warn())));
                    lines.push(Line::from(said.line));
                    lines.extend(request_lines(h));
                    lines.push(Line::default());
                } else if s.ok() {
                    let asked = request_lines(h);
                    if !asked.is_empty() {
                        lines.extend(asked.into_iter().skip(1));
                        lines.push(Line::default());
                    }
                }
                lines.extend(proof_lines(app, s));
                return lines;
            }
        }
    }
    // A message the run did not carry: what it would have done, and why it is not there.
    if let Some(a) = h.absent {
        return vec![
            Line::from(Span::styled(
                certbench_tls::event::say(a.code(), &[]),
                theme::heading(),
            )),
            Line::default(),
            Line::from(certbench_tls::event::say(&format!("{}_why", a.code()), &[])),
        ];
    }
    let Some(e) = h.events.get(h.selected) else {
        return vec![];
    };
    // A folded row: the secrets it holds, each.
    if h.fold_secrets
        && let Some((first, folded)) = crate::panes::handshake::rows(&h.events, true)
            .iter()
            .find(|r| r.holds(h.selected))
            .and_then(Row::event)
        && folded > 0
    {
        let mut lines = vec![
            Line::from(Span::styled(
                certbench_tls::event::say(
                    "secrets_folded",
                    &[
                        ("count", (folded + 1).to_string()),
                        ("key", app.key_for(Context::Handshake, Action::FoldSecrets)),
                    ],
                ),
                theme::heading(),
            )),
            Line::from(Span::styled(
                format!("on the {}", e.side.name()),
                theme::dim(),
            )),
        ];
        for s in &h.events[first..=first + folded] {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", time(s.t_us)), theme::dim()),
                Span::raw(headline(s)),
            ]));
        }
        if let Some(x) = explain_step("secrets") {
            lines.push(Line::default());
            lines.push(Line::from(x.text.clone()));
        }
        return lines;
    }
    // A pause: which flight comes next, from whom, and the key that lets it go.
    if e.kind == certbench_tls::run::EventKind::Paused {
        let flight = flight_at(h, h.selected);
        return vec![
            Line::from(Span::styled(
                certbench_tls::event::say(
                    "paused_flight",
                    &[
                        ("flight", (flight + 1).to_string()),
                        ("next", e.side.name().to_string()),
                        ("key", app.key_for(Context::Handshake, Action::NextFlight)),
                    ],
                ),
                theme::heading(),
            )),
            Line::from(Span::styled(
                format!(
                    "{} on the {}{}",
                    time(e.t_us),
                    e.side.name(),
                    paused(e.paused_us)
                ),
                theme::dim(),
            )),
            Line::default(),
            Line::from(certbench_tls::event::say(
                next_flight_words(&h.events[..h.selected], e.side, flight),
                &[("next", e.side.name().to_string())],
            )),
            Line::default(),
            Line::from(Span::styled(
                certbench_tls::event::say("paused_why", &[]),
                theme::dim(),
            )),
        ];
    }
    let side = e.side.name();
    let (who, how) = match e.wire() {
        Some(w) => (
            format!("from the {side}"),
            if w.protection == certbench_wire::observe::Protection::Clear {
                format!(", in clear, {}", bytes_of(message_size(w)))
            } else {
                format!(
                    ", encrypted ({}), {}",
                    w.protection.label(),
                    bytes_of(message_size(w))
                )
            },
        ),
        None => (format!("on the {side}"), String::new()),
    };
    let mut lines = vec![
        Line::from(Span::styled(
            certbench_base::text::terminal_safe(&headline(e)).into_owned(),
            theme::heading(),
        )),
        Line::from(Span::styled(
            format!("{} {who}{how}{}", time(e.t_us), paused(e.paused_us)),
            theme::dim(),
        )),
    ];
    // What the step does first (a learner reads it first), then its fields.
    let hrr = matches!(
        e.message(),
        Some(certbench_wire::messages::Message::ServerHello(sh)) if sh.hello_retry_request
    );
    let step = match e.kind {
        certbench_tls::run::EventKind::Secret { .. } => explain_step("secrets"),
        _ if hrr => explain_step("HelloRetryRequest"),
        _ => e.message_name().and_then(explain_step),
    };
    if let Some(x) = step {
        let tls12 = crate::panes::handshake::version_of(&h.events)
            == certbench_wire::messages::Version::Tls12;
        let (text, look) = x.for_version(tls12);
        lines.push(Line::from(text.to_string()));
        if !look.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("Look at: ", theme::key()),
                Span::raw(look.to_string()),
            ]));
        }
        lines.push(Line::from(Span::styled(x.rfc.clone(), theme::dim())));
        lines.push(Line::default());
    }
    if let Some(w) = why(e) {
        lines.push(Line::from(vec![
            Span::styled("Why now: ", theme::key()),
            Span::raw(w),
        ]));
    }
    // A peer's text (an answer, a name) is hostile: escaped for the terminal.
    for (k, v) in &e.fields() {
        if matches!(v, Field::Cause(_)) {
            continue;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{k}: "), theme::label()),
            Span::raw(certbench_base::text::terminal_safe(&v.to_string()).into_owned()),
        ]));
    }
    lines
}

/// A failed run, from both sides: who caught it and why, the alerts each way, where it stopped,
/// the certificate at fault and the fix.
/// A scenario that worked as designed: what it shows.
pub(super) fn lesson_lines(explained: &certbench_lab::Explained) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(
            "It worked, as the scenario says it does",
            theme::success(),
        )),
        Line::default(),
    ];
    if let Some(lesson) = &explained.lesson {
        lines.push(Line::from(lesson.clone()));
    }
    lines.push(Line::default());
    lines
}

pub(super) fn failure_lines(
    app: &App,
    f: &Failure,
    explained: &certbench_lab::Explained,
) -> Vec<Line<'static>> {
    let side = f.detected_by.name();
    let other = f.detected_by.other().name();
    let safe = |s: &str| certbench_base::text::terminal_safe(s).into_owned();
    let row = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k}: "), theme::label()),
            Span::raw(v),
        ])
    };
    let mut lines = vec![
        Line::from(Span::styled(
            format!("The {side} caught it"),
            theme::error(),
        )),
        Line::from(safe(&certbench_cause::describe(&f.cause))),
        Line::default(),
    ];
    if let Some(e) = &f.error {
        lines.push(row("rustls error", e.clone()));
    }
    let alert = |a: Option<certbench_cause::Alert>| a.map_or("none", |a| a.name()).to_string();
    // When no TLS record crossed, there are no alerts to speak of.
    if !f.before_tls() {
        lines.push(row(
            "alert sent",
            format!("{} (by the {side})", alert(f.alert_sent)),
        ));
        lines.push(row(
            "alert received",
            match f.alert_received {
                Some(a) => format!("{} (by the {other})", a.name()),
                None if !f.receiver_known() => {
                    format!("not known: the {other} is not certbench")
                }
                None => format!("none: the {other} saw only the connection end"),
            },
        ));
    }
    if let Some(s) = &f.stopped_after {
        lines.push(row(
            "stopped after",
            format!("{} from the {}", s.message, s.from.name()),
        ));
    }
    if let Some(c) = &f.culprit {
        let whose = match &c.certificate {
            Some(n) => format!("the {} certificate \"{n}\"", c.side.name()),
            None => format!("a certificate the {} sent", c.side.name()),
        };
        lines.push(row(
            "culprit",
            format!(
                "{whose} ({}, issued by {}), field {}",
                safe(&c.subject),
                safe(&c.issuer),
                c.field
            ),
        ));
        if let Some(why) = &c.why {
            lines.push(row("why", safe(&why.describe())));
        }
    }
    // The fix in the TUI's terms: its keys, not the CLI's flags.
    if let Some(template) = explained.fix_tui.as_ref().or(explained.fix.as_ref()) {
        let mut fix = certbench_base::assets::fill(template, &fix_keys(app));
        // A lab scenario's certificates and choices are its own: the keys that change choices,
        // or issue and renew, work on the workspace and its runs, which the lab list's first
        // entry goes back to.
        const CHOICES: [&str; 13] = [
            "{key_generate}",
            "{key_issue}",
            "{key_revoke}",
            "{key_renew}",
            "{key_tls}",
            "{key_client}",
            "{key_group}",
            "{key_suite}",
            "{key_name}",
            "{key_server}",
            "{key_auth}",
            "{key_chains}",
            "{key_trust}",
        ];
        if app.handshake.scenario.is_some() && CHOICES.iter().any(|k| template.contains(k)) {
            let lab = app.key_for(Context::Handshake, Action::PickScenario);
            fix.push_str(&format!(
                " (for your own workspace and runs: {lab}, then \"(your workspace)\")"
            ));
        }
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("Fix: ", theme::key()),
            Span::raw(safe(&fix)),
        ]));
    }
    // Through the relay: what the server asked of the client, and what the workspace holds.
    lines.extend(request_lines(&app.handshake));
    if let Some(lesson) = &explained.lesson {
        lines.push(Line::default());
        lines.push(Line::from(lesson.clone()));
    }
    lines.push(Line::default());
    let up = app.key_for(Context::Handshake, Action::Up);
    lines.push(Line::from(Span::styled(
        match f.culprit {
            Some(_) => format!(
                "{}: open the certificate at fault in the Inspector, at its field · {up}: the steps",
                app.key_for(Context::Handshake, Action::InspectStep)
            ),
            None => format!("{up}: the steps"),
        },
        theme::dim(),
    )));
    lines
}

/// The failure lab's scenarios, to pick one (the first line is the user's own workspace).
pub fn draw_lab_overlay(f: &mut Frame<'_>, app: &App, body: Rect, cursor: usize) {
    use ratatui::widgets::{Block, Clear};
    // As wide as the screen allows: a scenario's title is its lesson in a line.
    let width = body.width.saturating_sub(4).max(40).min(body.width);
    // As tall as the list, when the screen has the room.
    let tall = (certbench_lab::SCENARIOS.len() as u16 + 3).min(body.height);
    let area = crate::layout::centered(body, width, tall);
    // The dialog is nearly as wide as the pane: what would show beside it is clipped, so the
    // whole pane is cleared, not the slivers of its borders and text at the edges.
    f.render_widget(Clear, body);
    // What the list holds beyond the box, said in its title: a short screen shows part of it.
    let rows_total = certbench_lab::SCENARIOS.len() + 1;
    let shown = usize::from(area.height.saturating_sub(2));
    let first = cursor.saturating_sub(shown.saturating_sub(1));
    let (above, below) = (first, rows_total.saturating_sub(first + shown));
    let more = match (above, below) {
        (0, 0) => String::new(),
        (0, b) => format!(" · {b} more below ↓"),
        (a, 0) => format!(" · {a} more above ↑"),
        (a, b) => format!(" · {a} above, {b} below"),
    };
    let block = Block::bordered()
        .title(format!(" Failure lab: pick a scenario{more} "))
        .title_bottom(
            Line::from(format!(
                " {}/{} choose · {} run · {} close ",
                app.key_for(Context::Overlay, Action::Up),
                app.key_for(Context::Overlay, Action::Down),
                app.key_for(Context::Overlay, Action::Activate),
                app.key_for(Context::Overlay, Action::Back),
            ))
            .right_aligned(),
        )
        .border_style(theme::border(true));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let names = certbench_lab::SCENARIOS.iter().map(|s| s.name);
    let width_name = names.clone().map(str::len).max().unwrap_or(0).max(14);
    let mut rows: Vec<(String, String)> = vec![(
        "(your workspace)".into(),
        "the certificates and choices of the pane".into(),
    )];
    rows.extend(
        certbench_lab::SCENARIOS
            .iter()
            .map(|s| (s.name.to_string(), certbench_lab::words(s).title.clone())),
    );
    let height = inner.height as usize;
    let offset = cursor.saturating_sub(height.saturating_sub(1));
    let w = inner.width as usize;
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (name, title))| {
            let line = Line::from(vec![
                Span::styled(format!(" {name:<width_name$}  "), theme::key()),
                Span::raw(cut(title, w.saturating_sub(width_name + 3))),
            ]);
            if i == cursor {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// What the flight a pause holds will carry, from what has crossed so far (RFC 8446 2, RFC 5246
/// 7.3): the key of its words in assets/events.toml.
fn next_flight_words(
    before: &[certbench_tls::run::Event],
    side: certbench_tls::run::Side,
    flight: usize,
) -> &'static str {
    use certbench_tls::run::Side;
    use certbench_wire::messages::Message;
    let server_hello = before.iter().find_map(|e| match e.message() {
        Some(Message::ServerHello(sh)) => Some(sh.selected_version == Some(0x0304)),
        _ => None,
    });
    // Before a ServerHello, the version is the best the client offered.
    let offered_13 = before.iter().any(|e| {
        matches!(e.message(), Some(Message::ClientHello(ch)) if ch.supported_versions.contains(&0x0304))
    });
    let tls13 = server_hello.unwrap_or(offered_13);
    match (flight, side, tls13) {
        (0, Side::Client, _) => "next_client_hello",
        (1, Side::Server, true) => "next_server_13",
        (1, Side::Server, false) => "next_server_12",
        (2, Side::Client, true) => "next_client_13",
        (2, Side::Client, false) => "next_client_12",
        (3, Side::Server, true) => "next_server_13_after",
        (3, Side::Server, false) => "next_server_12_after",
        _ => "next_other",
    }
}

/// The keys a fix may name (certbench_lab::TUI_KEYS), as this keymap has them.
pub(crate) fn fix_keys(app: &App) -> Vec<(&'static str, String)> {
    use crate::action::Pane;
    let h = |a| app.key_for(Context::Handshake, a);
    let keys = [
        (
            "key_generate",
            app.key_for(Context::Global, Action::ShowPane(Pane::Generate)),
        ),
        (
            "key_inspect",
            app.key_for(Context::Global, Action::ShowPane(Pane::Inspect)),
        ),
        (
            "key_handshake",
            app.key_for(Context::Global, Action::ShowPane(Pane::Handshake)),
        ),
        ("key_run", h(Action::RunHandshake)),
        ("key_lab", h(Action::PickScenario)),
        ("key_tls", h(Action::ToggleTls)),
        ("key_client", h(Action::CycleClientCert)),
        ("key_group", h(Action::CycleGroup)),
        ("key_suite", h(Action::CycleSuite)),
        ("key_name", h(Action::CycleServerName)),
        ("key_server", h(Action::CycleServerCert)),
        ("key_auth", h(Action::CycleClientAuth)),
        ("key_chains", h(Action::CycleChains)),
        ("key_trust", h(Action::CycleTrust)),
        ("key_culprit", h(Action::InspectStep)),
        ("key_connect", h(Action::StartConnect)),
        ("key_serve", h(Action::ToggleServe)),
        ("key_relay", h(Action::ToggleRelay)),
        ("key_issue", app.key_for(Context::Form, Action::Issue)),
        ("key_revoke", app.key_for(Context::List, Action::Revoke)),
        ("key_renew", app.key_for(Context::List, Action::Renew)),
    ];
    keys.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TUI names its keys, never the CLI's commands or certbench's own flags: every fix the
    /// pane can show (a lab scenario's, a cause's, serve's, connect's and the relay's), filled with the
    /// default keymap.
    #[test]
    fn every_fix_the_tui_shows_names_keys_not_flags() {
        let app = App::new(
            crate::keymap::KeyMap::defaults(),
            Default::default(),
            time::OffsetDateTime::UNIX_EPOCH,
            (80, 24),
        );
        let keys = fix_keys(&app);
        assert_eq!(
            keys.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            certbench_lab::TUI_KEYS,
            "a key the fixes may name is not filled"
        );
        assert!(keys.iter().all(|(_, v)| v != "?"), "{keys:?}");
        const CLI: [&str; 21] = [
            "--to ",
            "`certbench",
            "certbench issue",
            "certbench handshake",
            "certbench connect",
            "certbench serve",
            "certbench list",
            "certbench revoke",
            "--client-auth",
            "--server-trusts",
            "--client-trusts",
            "--client-sends",
            "--server-sends",
            "--force",
            "--tls",
            "--suite",
            "--group",
            "--server-name",
            "--handshake-timeout",
            "--no-cert",
            "--client NAME",
        ];
        let mut bad = Vec::new();
        for (place, words) in certbench_lab::tui_fix_templates() {
            let filled = certbench_base::assets::fill(&words, &keys);
            if let Some(flag) = CLI.iter().find(|f| filled.contains(*f)) {
                bad.push(format!("{place}: {flag}: {filled}"));
            }
        }
        assert!(
            bad.is_empty(),
            "fixes the TUI shows name the CLI:\n{}",
            bad.join("\n")
        );
    }
}
