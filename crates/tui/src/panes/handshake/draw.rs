//! The Handshake pane drawn: its header (the choices for the next run, what ran), the
//! server's connections, and where the timeline and the Step box go.

use super::details::{details_lines, draw_details};
use super::diagram::draw_timeline;
use super::{Ended, Listening, TargetFor};
use crate::action::Action;
use crate::app::App;
use crate::keymap::Context;
use crate::panes::cut;
use crate::theme;
use crate::ui::pane_block;
use certbench_tls::run::{ClientAuth, Trust};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// many items on a line as fit, a second line when the pane is narrow.
pub(super) fn header_lines(app: &App, width: u16) -> Vec<Line<'_>> {
    let h = &app.handshake;
    let version = h.version.label();
    // Each choice whole, then what the last run agreed or where it stands: as many items on a
    // line as fit, a second line when the pane is narrow.
    let mut items: Vec<Vec<Span>> = Vec::new();
    let relaying = !h.run_in_view
        && matches!(
            h.serve.as_ref().map(|s| &s.kind),
            Some(Listening::Relay { .. })
        );
    if relaying {
        // A relay's connections owe nothing to the choices of the next run: they are left
        // out until a run of certbench's own is in view.
    } else if let Some(sc) = h.scenario {
        // A lab scenario brings its own certificates and choices.
        items.push(vec![
            Span::styled(" lab: ", theme::dim()),
            Span::styled(sc.name, theme::warn()),
        ]);
        // Cut to the line when the pane is narrow, with a mark that it was.
        let room = usize::from(width).saturating_sub(4);
        items.push(vec![Span::raw(format!(
            " · {}",
            cut(&certbench_lab::words(sc).title, room)
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
        let text = if s.ok() {
            let agreed = s.agreed();
            // Who the server let in, on screen without selecting anything.
            let who = match &s.client_identity {
                Some(id) => format!(" · client {}", certbench_base::text::terminal_safe(id)),
                None => " · no client certificate".to_string(),
            };
            format!("   ✓ {}{who}", agreed.join(" · "))
        } else {
            match s.failure() {
                Some(f) if f.cause == certbench_cause::Cause::Cancelled => {
                    "   cancelled".to_string()
                }
                Some(f) => format!("   ✗ the {} caught it", f.detected_by.name()),
                // A relayed connection that neither worked nor failed: what is known of it.
                None => match h.shown_relayed() {
                    Some(r) => {
                        let said = certbench_lab::relayed::said(r, true);
                        format!("   {}: {}", said.status, said.line)
                    }
                    None => "   ✗ failed".to_string(),
                },
            }
        };
        let style = match (s.ok(), s.failure()) {
            (true, _) => theme::success(),
            (false, None) if h.shown_relayed().is_some() => theme::warn(),
            _ => theme::error(),
        };
        items.push(vec![Span::styled(text, style)]);
    }
    let width = usize::from(width);
    let mut lines: Vec<Line> = serve_lines(app, width);
    if let Some(t) = &h.target {
        let shown = cut(t.as_str(), width.saturating_sub(60));
        let prompt = match h.target_for {
            TargetFor::Connect => " connect to (HOST:PORT): ",
            TargetFor::Relay => " relay to your server (HOST:PORT): ",
        };
        lines.push(Line::from(if t.is_suggestion() {
            // Shown selected: what is typed replaces it.
            vec![
                Span::styled(prompt, theme::label()),
                Span::styled(shown, theme::editing().add_modifier(Modifier::REVERSED)),
                // Short: the keys bar below says the rest (what takes it, what edits it).
                Span::styled(
                    format!(
                        "▏ type to replace, or {}",
                        app.key_for(Context::Target, Action::Activate)
                    ),
                    theme::dim(),
                ),
            ]
        } else {
            vec![
                Span::styled(prompt, theme::label()),
                Span::styled(format!("{shown}▏"), theme::editing()),
            ]
        }));
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
pub(super) fn serve_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let Some(s) = &app.handshake.serve else {
        return vec![];
    };
    let key = |a| app.key_for(Context::Handshake, a);
    let mut lines = Vec::new();
    let count = format!(
        "{} connection{}",
        s.total,
        certbench_base::text::plural(s.total)
    );
    let moves = format!(
        "{}/{} newer/older",
        key(Action::PrevConnection),
        key(Action::NextConnection)
    );
    let head = match (&s.kind, s.addr) {
        (Listening::Serve { .. }, Some(addr)) => format!(
            " serving https://localhost:{}/ · {count} · {} stops · {moves}",
            addr.port(),
            key(Action::ToggleServe),
        ),
        (Listening::Relay { target, .. }, Some(addr)) => format!(
            " relaying 127.0.0.1:{} → {} · {count} · {} stops · {moves}",
            addr.port(),
            certbench_base::text::terminal_safe(target),
            key(Action::ToggleRelay),
        ),
        (Listening::Serve { .. }, None) => " starting the server…".to_string(),
        (Listening::Relay { .. }, None) => " starting the relay…".to_string(),
    };
    lines.push(Line::from(Span::styled(cut(&head, width), theme::label())));
    // How to try it: a command is copied, not read, so it is shown whole.
    let try_it = match (&s.kind, s.addr) {
        (
            Listening::Serve {
                client_auth,
                try_files,
            },
            Some(addr),
        ) if s.connections.is_empty() => try_files
            .as_ref()
            .and_then(|f| {
                certbench_tls::serve::curl_command(
                    f,
                    &format!("https://localhost:{}/", addr.port()),
                    *client_auth,
                )
            })
            .map(|curl| format!("try: {curl}")),
        // The key log stays in view: a client started later needs it too.
        (Listening::Relay { keylog, .. }, Some(_)) => Some(format!(
            "key log: SSLKEYLOGFILE={} (set it for your client: TLS 1.3 is then read whole)",
            certbench_base::text::terminal_safe(&keylog.display().to_string())
        )),
        _ => None,
    };
    if let Some(try_it) = try_it {
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
    // Newest first; the window moves so the connection shown stays in it. Nothing is gathered
    // per frame: only the rows in view are visited after the one shown is found.
    let listed = || s.connections.iter().rev();
    let at = shown
        .and_then(|id| listed().position(|r| r.id == id))
        .unwrap_or(0);
    let first = at.saturating_sub(rows - 1);
    let newer = first;
    let older = s.connections.len().saturating_sub(first + rows);
    if newer > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "   ({newer} newer above: {})",
                app.key_for(Context::Handshake, Action::PrevConnection)
            ),
            theme::dim(),
        )));
    }
    for row in listed().skip(first).take(rows) {
        let (outcome, style, detail) = match &row.done {
            None => ("open".to_string(), theme::dim(), String::new()),
            Some(Ended::Served(c)) => {
                let label = c.outcome.code().replace('_', " ");
                let style = if c.outcome == certbench_tls::serve::Outcome::Ok {
                    theme::success()
                } else {
                    theme::error()
                };
                let who = match (&c.client, &c.failure) {
                    (_, Some(f)) => certbench_cause::describe(&f.cause),
                    (Some(id), None) => id.subject.clone(),
                    (None, None) if c.handshake_done => "no client certificate".into(),
                    // Stopped or cut off before the handshake was over: no one to name.
                    (None, None) if c.bytes_received == 0 => {
                        "no handshake: the client sent nothing".into()
                    }
                    (None, None) => "handshake not over".into(),
                };
                (
                    label,
                    style,
                    format!("{} · {who}", c.version.as_deref().unwrap_or("-")),
                )
            }
            Some(Ended::Relayed(r)) => {
                use certbench_tls::relay::Ending;
                let said = certbench_lab::relayed::said(r, true);
                let style = match r.ending {
                    Ending::Ok if r.http_refusal().is_some() => theme::warn(),
                    Ending::Ok => theme::success(),
                    Ending::Failed | Ending::Unreachable => theme::error(),
                    _ => theme::warn(),
                };
                // Who the client said it was, first: what a row is told apart by.
                let what = match (&r.ending, r.client_subject()) {
                    (Ending::Ok, Some(who)) => format!(
                        "{} · {}",
                        certbench_base::text::terminal_safe(&who),
                        said.line
                    ),
                    _ => said.line,
                };
                (said.status, style, what)
            }
        };
        let (h, m, sec) = row.at.to_hms();
        // A narrow screen leaves the time out: what the connection came to needs the room.
        let time = if width >= 100 {
            format!("{h:02}:{m:02}:{sec:02}Z ")
        } else {
            String::new()
        };
        let text = format!("  {time}#{:<4} {:<21} ", row.id, row.peer.to_string());
        let used = text.chars().count() + 17;
        let line = Line::from(vec![
            Span::raw(text),
            Span::styled(format!("{outcome:<17}"), style),
            Span::raw(cut(&detail, width.saturating_sub(used))),
        ]);
        // A run of certbench's own in view: no connection is the one shown.
        lines.push(if shown == Some(row.id) && !app.handshake.run_in_view {
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
pub(super) fn areas(app: &App, area: Rect) -> (Rect, Rect, Rect) {
    let lines = header_lines(app, area.width).len() as u16;
    let [top, body] = Layout::vertical([Constraint::Length(lines), Constraint::Min(3)]).areas(area);
    let wide = body.width >= 120;
    // The bytes need the room more than the diagram does when they share the height.
    let timeline_share = if !wide && app.handshake.bytes { 40 } else { 55 };
    let [timeline, side] = if wide {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    } else {
        Layout::vertical([
            Constraint::Percentage(timeline_share),
            Constraint::Percentage(100 - timeline_share),
        ])
        .areas(body)
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
/// How far a scroll of the Step box moves: its inner height less one line of overlap.
pub fn details_page(app: &App) -> u16 {
    let (_, _, side) = areas(app, crate::ui::body_area(app));
    side.height.saturating_sub(3).max(1)
}

pub fn details_max_scroll(app: &App) -> u16 {
    let (_, _, side) = areas(app, crate::ui::body_area(app));
    crate::panes::max_scroll(&pane_block("Step", false), side, &details_lines(app))
}

/// Step mode: the time held before an event, which its time leaves out.
pub(super) fn paused(us: u64) -> String {
    if us == 0 {
        String::new()
    } else {
        format!(" (plus {:.1} s paused before it)", us as f64 / 1e6)
    }
}

pub(super) fn time(t_us: u64) -> String {
    if t_us >= 10_000 {
        format!("+{:.1}ms", t_us as f64 / 1000.0)
    } else {
        format!("+{:.2}ms", t_us as f64 / 1000.0)
    }
}
