//! The Handshake pane: a live mTLS handshake between certbench's own server and client on
//! 127.0.0.1, each step shown as it happens (who sent what, when, under which keys), with the
//! selected step's decoded fields and what it does.

use certbench::handshake::event::{EventKind, Field, headline, why};
use certbench::handshake::run::{ClientAuth, Event, Failure, Trust};
use certbench::inspect::explain::explain_step;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::cut;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::theme;
use crate::tui::ui::pane_block;

/// The header's lines: each choice whole, then what the last run agreed or where it stands; as
/// many items on a line as fit, a second line when the pane is narrow.
fn header_lines(app: &App, width: u16) -> Vec<Line<'_>> {
    let h = &app.handshake;
    let version = h.version.label();
    // Each choice whole, then what the last run agreed or where it stands: as many items on a
    // line as fit, a second line when the pane is narrow.
    let mut items: Vec<Vec<Span>> = Vec::new();
    if let Some(sc) = h.scenario {
        // A lab scenario brings its own certificates and choices.
        items.push(vec![
            Span::styled(" lab: ", theme::dim()),
            Span::styled(sc.name, theme::warn()),
        ]);
        // Cut to the line when the pane is narrow, with a mark that it was.
        let room = usize::from(width).saturating_sub(4);
        items.push(vec![Span::raw(format!(
            " · {}",
            cut(&certbench::lab::words(sc).title, room)
        ))]);
        items.push(vec![Span::styled(
            format!(
                " · {}: another scenario, or your workspace",
                app.key_for(Context::Handshake, Action::PickScenario)
            ),
            theme::dim(),
        )]);
    } else {
        items.push(vec![
            Span::styled(" next: ", theme::dim()),
            Span::raw(version),
        ]);
        let auth = match h.client_auth {
            ClientAuth::Required => "required",
            ClientAuth::Optional => "optional",
            _ => "not asked",
        };
        let chains = match h.chains {
            (true, true) => "whole",
            (false, true) => "server leaf only",
            (true, false) => "client leaf only",
            (false, false) => "leaves only",
        };
        let trust = match &h.trust {
            (Trust::Workspace, Trust::Workspace) => "workspace CAs".to_string(),
            (c, s) => format!("client {} · server {}", c.label(), s.label()),
        };
        for (label, value) in [
            ("group", h.group().unwrap_or("auto").to_string()),
            ("suite", h.suite.as_deref().unwrap_or("auto").to_string()),
            ("name", h.server_name.clone()),
            ("server", app.view.labelled(&h.server)),
            (
                "cert",
                h.client
                    .as_deref()
                    .map(|c| app.view.labelled(c))
                    .unwrap_or_else(|| "none".into()),
            ),
            ("client auth", auth.to_string()),
            ("chains", chains.to_string()),
            ("trust", trust),
            ("step", if h.step_mode { "on" } else { "off" }.to_string()),
        ] {
            items.push(vec![
                Span::styled(format!(" · {label} "), theme::dim()),
                Span::raw(value),
            ]);
        }
    }
    if let Some(t) = h.connected_to.as_ref().filter(|_| h.run_in_view) {
        items.push(vec![
            Span::styled("  connect ", theme::dim()),
            Span::raw(t.clone()),
        ]);
    }
    if h.is_paused() {
        items.push(vec![Span::styled(
            format!(
                "  paused: {} = next flight",
                app.key_for(Context::Handshake, Action::NextFlight)
            ),
            theme::warn(),
        )]);
    }
    if let Some(Ok(s)) = &h.outcome {
        let text = if s.ok {
            let agreed: Vec<&str> = [
                s.version.as_deref(),
                s.cipher_suite.as_deref(),
                s.group.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            format!("   ✓ {}", agreed.join(" · "))
        } else {
            match &s.failure {
                Some(f) => format!("   ✗ the {} caught it", f.detected_by.name()),
                None => "   ✗ failed".to_string(),
            }
        };
        let style = if s.ok {
            theme::success()
        } else {
            theme::error()
        };
        items.push(vec![Span::styled(text, style)]);
    }
    let width = usize::from(width);
    let mut lines: Vec<Line> = serve_lines(app, width);
    if let Some(t) = &h.target {
        lines.push(Line::from(vec![
            Span::styled(" connect to (HOST:PORT): ", theme::label()),
            Span::styled(
                format!("{}▏", cut(t, width.saturating_sub(30))),
                theme::editing(),
            ),
        ]));
    }
    lines.push(Line::default());
    let first = lines.len();
    for item in items {
        let w: usize = item.iter().map(|s| s.width()).sum();
        let line = lines.last_mut().map(|l| l.width()).unwrap_or(0);
        if line > 0 && line + w > width && lines.len() - first < 2 {
            lines.push(Line::from(Span::raw(" ")));
        }
        if let Some(l) = lines.last_mut() {
            // What does not fit on the last line is cut, and says so.
            let mut room = width.saturating_sub(l.width());
            for span in item {
                if room == 0 {
                    break;
                }
                let text = cut(&span.content, room);
                room = room.saturating_sub(text.chars().count());
                l.spans.push(Span::styled(text, span.style));
            }
        }
    }
    lines
}

/// While serving: where, how to reach it, and the connections, newest first (the one shown in the
/// timeline highlighted).
fn serve_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let Some(s) = &app.handshake.serve else {
        return vec![];
    };
    let key = |a| app.key_for(Context::Handshake, a);
    let mut lines = Vec::new();
    let head = match s.addr {
        Some(addr) => format!(
            " serving https://localhost:{}/ · {} connection{} · {} stops · {}/{} newer/older",
            addr.port(),
            s.total,
            if s.total == 1 { "" } else { "s" },
            key(Action::ToggleServe),
            key(Action::PrevConnection),
            key(Action::NextConnection)
        ),
        None => " starting the server…".to_string(),
    };
    lines.push(Line::from(Span::styled(cut(&head, width), theme::label())));
    if let Some(addr) = s.addr
        && s.connections.is_empty()
        && let Some(curl) = s.try_files.as_ref().and_then(|f| {
            certbench::handshake::serve::curl_command(
                f,
                &format!("https://localhost:{}/", addr.port()),
                s.client_auth,
            )
        })
    {
        let try_it = format!("try: {curl}");
        // Whole, on as many lines as it takes: a command is copied, not read.
        let mut line = String::from("  ");
        for word in try_it.split(' ') {
            if line.len() + 1 + word.len() > width && !line.trim().is_empty() {
                lines.push(Line::from(Span::styled(line, theme::dim())));
                line = String::from("    ");
            }
            line.push(' ');
            line.push_str(word);
        }
        lines.push(Line::from(Span::styled(line, theme::dim())));
    }
    let rows = if app.height >= 40 { 8 } else { 4 };
    let shown = s.shown();
    // Newest first; the window moves so the connection shown stays in it.
    let listed: Vec<&crate::tui::handshake::ConnectionRow> = s.connections.iter().rev().collect();
    let at = shown
        .and_then(|id| listed.iter().position(|r| r.id == id))
        .unwrap_or(0);
    let first = at.saturating_sub(rows - 1);
    let newer = first;
    let older = listed.len().saturating_sub(first + rows);
    if newer > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "   ({newer} newer above: {})",
                app.key_for(Context::Handshake, Action::PrevConnection)
            ),
            theme::dim(),
        )));
    }
    for row in listed.iter().skip(first).take(rows) {
        let (outcome, style, detail) = match &row.done {
            None => ("open".to_string(), theme::dim(), String::new()),
            Some(c) => {
                let label = c.outcome.code().replace('_', " ");
                let style = if c.outcome == certbench::handshake::serve::Outcome::Ok {
                    theme::success()
                } else {
                    theme::error()
                };
                let who = match (&c.client, &c.failure) {
                    (_, Some(f)) => certbench::cause::describe(&f.cause),
                    (Some(id), None) => id.subject.clone(),
                    (None, None) => "no client certificate".into(),
                };
                (
                    label,
                    style,
                    format!("{} · {who}", c.version.as_deref().unwrap_or("-")),
                )
            }
        };
        let (h, m, sec) = row.at.to_hms();
        let text = format!(
            "  {h:02}:{m:02}:{sec:02}Z #{:<4} {:<21} ",
            row.id,
            row.peer.to_string()
        );
        let line = Line::from(vec![
            Span::raw(text),
            Span::styled(format!("{outcome:<17}"), style),
            Span::raw(cut(&detail, width.saturating_sub(59))),
        ]);
        lines.push(if shown == Some(row.id) {
            line.style(theme::selected())
        } else {
            line
        });
    }
    if older > 0 || s.forgotten > 0 {
        let kept = if s.forgotten > 0 {
            format!("; {} older not kept", s.forgotten)
        } else {
            String::new()
        };
        lines.push(Line::from(Span::styled(
            format!(
                "   ({older} older below: {}{kept})",
                app.key_for(Context::Handshake, Action::NextConnection)
            ),
            theme::dim(),
        )));
    }
    lines
}

/// The pane's parts: the header, the timeline, the Step box.
fn areas(app: &App, area: Rect) -> (Rect, Rect, Rect) {
    let lines = header_lines(app, area.width).len() as u16;
    let [top, body] = Layout::vertical([Constraint::Length(lines), Constraint::Min(3)]).areas(area);
    let wide = body.width >= 120;
    let [timeline, side] = if wide {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    };
    (top, timeline, side)
}

pub fn draw(f: &mut Frame<'_>, app: &App, area: Rect) {
    let (top, timeline, side) = areas(app, area);
    f.render_widget(Paragraph::new(header_lines(app, area.width)), top);
    draw_timeline(f, app, timeline);
    draw_details(f, app, side);
}

/// How far the Step box can scroll for the selected step: until its last line is in view.
pub fn details_max_scroll(app: &App) -> u16 {
    let (_, _, side) = areas(app, crate::tui::ui::body_area(app));
    super::max_scroll(&pane_block("Step", false), side, &details_lines(app))
}

fn arrow(e: &Event) -> (String, ratatui::style::Style) {
    use certbench::handshake::run::Side;
    match (&e.kind, e.side) {
        (EventKind::Wire(_), Side::Client) => ("client ──▶ server".into(), theme::key()),
        (EventKind::Wire(_), Side::Server) => ("client ◀── server".into(), theme::key()),
        (_, Side::Client) => ("client ●          ".into(), theme::label()),
        (_, Side::Server) => ("         ● server".into(), theme::label()),
    }
}

fn time(t_us: u64) -> String {
    if t_us >= 10_000 {
        format!("+{:.1}ms", t_us as f64 / 1000.0)
    } else {
        format!("+{:.2}ms", t_us as f64 / 1000.0)
    }
}

fn draw_timeline(f: &mut Frame<'_>, app: &App, area: Rect) {
    let h = &app.handshake;
    let block = pane_block("Timeline", true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if h.events.is_empty() {
        let has = |n: &str| app.view.rows.iter().any(|r| r.entity.name == n);
        let text = if h.serve.is_some() {
            "Waiting for clients: the command above, a browser, or your own service. Each connection's handshake appears here as the server saw it, decrypted with the server's own secrets; [ and ] go to a newer or older connection.".to_string()
        } else if !(has("server") && has("client") && has("ca")) {
            "This workspace lacks a root CA \"ca\", a \"server\" or a \"client\" certificate: `certbench gen` makes them.".to_string()
        } else if h.running {
            "Starting…".to_string()
        } else {
            "Press r to run a real mTLS handshake on 127.0.0.1 between certbench's tokio-rustls server and client, with this workspace's certificates. Every step appears here as it happens, decoded from the bytes; encrypted messages (TLS 1.3 and 1.2) are decrypted with the secrets the two sides log.".to_string()
        };
        f.render_widget(
            Paragraph::new(text)
                .style(theme::dim())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let rows = inner.height as usize;
    let offset = h
        .selected
        .saturating_sub(rows.saturating_sub(2))
        .min(h.events.len().saturating_sub(rows));
    let w = inner.width as usize;
    let lines: Vec<Line> = h
        .events
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, e)| {
            let (arrow, style) = arrow(e);
            // "enc": encrypted on the wire (the fields show under which keys).
            let encrypted = e
                .wire()
                .is_some_and(|w| w.protection != certbench::handshake::observe::Protection::Clear);
            let lock = if encrypted { "enc " } else { "    " };
            let text_style = if e.is_failure() {
                theme::error()
            } else {
                ratatui::style::Style::new()
            };
            let used = 9 + 18 + 2 + lock.len();
            let line = Line::from(vec![
                Span::styled(format!("{:>8} ", time(e.t_us)), theme::dim()),
                Span::styled(format!("{arrow:<18}"), style),
                Span::raw("  "),
                Span::styled(lock, theme::dim()),
                Span::styled(cut(&headline(e), w.saturating_sub(used)), text_style),
            ]);
            if i == h.selected {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_details(f: &mut Frame<'_>, app: &App, area: Rect) {
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
    // A message's fields can be longer than the box: it scrolls (PgUp/PgDn), and says so.
    super::draw_scrolled(
        f,
        block,
        area,
        details_lines(app),
        h.details_scroll,
        ("PgDn", "PgUp"),
    );
}

/// What the Step box shows: after a failed run, while the selection follows the end, who caught
/// what and how to fix it; else the selected step: what it is, what it does, its fields.
fn details_lines(app: &App) -> Vec<Line<'static>> {
    let h = &app.handshake;
    // After a run, while the selection follows its end: the failure, or a scenario's lesson.
    if h.follow
        && let Some(Ok(s)) = &h.outcome
    {
        match &s.failure {
            Some(f) => return failure_lines(app, f, &h.explained),
            None if h.explained.lesson.is_some() => return lesson_lines(app, &h.explained),
            None => {}
        }
    }
    let Some(e) = h.events.get(h.selected) else {
        return vec![];
    };
    let side = e.side.name();
    let (who, how) = match e.wire() {
        Some(w) => (
            format!("from the {side}"),
            if w.protection == certbench::handshake::observe::Protection::Clear {
                format!(", in clear, {} bytes", w.size)
            } else {
                format!(", encrypted ({}), {} bytes", w.protection.label(), w.size)
            },
        ),
        None => (format!("on the {side}"), String::new()),
    };
    let mut lines = vec![
        Line::from(Span::styled(
            certbench::text::terminal_safe(&headline(e)).into_owned(),
            theme::heading(),
        )),
        Line::from(Span::styled(
            format!("{} {who}{how}", time(e.t_us)),
            theme::dim(),
        )),
    ];
    // What the step does first (a learner reads it first), then its fields.
    if let Some(x) = e.message_name().and_then(explain_step) {
        lines.push(Line::from(x.text.clone()));
        if !x.look.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("Look at: ", theme::key()),
                Span::raw(x.look.clone()),
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
            Span::raw(certbench::text::terminal_safe(&v.to_string()).into_owned()),
        ]));
    }
    lines
}

/// A failed run, from both sides: who caught it and why, the alerts each way, where it stopped,
/// the certificate at fault and the fix.
/// A scenario that worked as designed: what it shows.
fn lesson_lines(app: &App, explained: &certbench::lab::Explained) -> Vec<Line<'static>> {
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
    lines.push(Line::from(Span::styled(
        format!("{}: the steps", app.key_for(Context::Handshake, Action::Up)),
        theme::dim(),
    )));
    lines
}

fn failure_lines(
    app: &App,
    f: &Failure,
    explained: &certbench::lab::Explained,
) -> Vec<Line<'static>> {
    let side = f.detected_by.name();
    let other = f.detected_by.other().name();
    let safe = |s: &str| certbench::text::terminal_safe(s).into_owned();
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
        Line::from(safe(&certbench::cause::describe(&f.cause))),
        Line::default(),
    ];
    if let Some(e) = &f.error {
        lines.push(row("rustls error", e.clone()));
    }
    let alert = |a: Option<certbench::cause::Alert>| a.map_or("none", |a| a.name()).to_string();
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
    }
    if let Some(fix) = &explained.fix {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("Fix: ", theme::key()),
            Span::raw(safe(fix)),
        ]));
    }
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
    let width = 100.min(body.width);
    // As tall as the list, when the screen has the room.
    let tall = (certbench::lab::SCENARIOS.len() as u16 + 3).min(body.height);
    let area = crate::tui::layout::centered(body, width, tall);
    f.render_widget(Clear, area);
    let block = Block::bordered()
        .title(" Failure lab: pick a scenario ")
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
    let names = certbench::lab::SCENARIOS.iter().map(|s| s.name);
    let width_name = names.clone().map(str::len).max().unwrap_or(0).max(14);
    let mut rows: Vec<(String, String)> = vec![(
        "(your workspace)".into(),
        "the certificates and choices of the pane".into(),
    )];
    rows.extend(
        certbench::lab::SCENARIOS
            .iter()
            .map(|s| (s.name.to_string(), certbench::lab::words(s).title.clone())),
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
