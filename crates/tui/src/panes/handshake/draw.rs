//! The Handshake pane: a live mTLS handshake between certbench's own server and client on
//! 127.0.0.1, each step shown as it happens (who sent what, when, under which keys), with the
//! selected step's decoded fields and what it does.

use certbench_tls::event::{Field, headline, why};
use certbench_tls::run::{ClientAuth, Event, Failure, Trust};
use certbench_wire::names::HandshakeType;
use certbench_x509::explain::explain_step;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::action::Action;
use crate::app::App;
use crate::keymap::Context;
use crate::panes::cut;
use crate::panes::handshake::Row;
use crate::theme;
use crate::ui::pane_block;

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
        let text = if s.ok {
            let agreed: Vec<&str> = [
                s.version.as_deref(),
                s.cipher_suite.as_deref(),
                s.group.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            // Who the server let in, on screen without selecting anything.
            let who = match &s.client_identity {
                Some(id) => format!(" · client {}", certbench_base::text::terminal_safe(id)),
                None => " · no client certificate".to_string(),
            };
            format!("   ✓ {}{who}", agreed.join(" · "))
        } else {
            match &s.failure {
                Some(f) if f.cause == certbench_cause::Cause::Cancelled => {
                    "   cancelled".to_string()
                }
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
            certbench_tls::serve::curl_command(
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
    let listed: Vec<&crate::panes::handshake::ConnectionRow> = s.connections.iter().rev().collect();
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
                let style = if c.outcome == certbench_tls::serve::Outcome::Ok {
                    theme::success()
                } else {
                    theme::error()
                };
                let who = match (&c.client, &c.failure) {
                    (_, Some(f)) => certbench_cause::describe(&f.cause),
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
pub fn details_max_scroll(app: &App) -> u16 {
    let (_, _, side) = areas(app, crate::ui::body_area(app));
    crate::panes::max_scroll(&pane_block("Step", false), side, &details_lines(app))
}

/// Step mode: the time held before an event, which its time leaves out.
fn paused(us: u64) -> String {
    if us == 0 {
        String::new()
    } else {
        format!(" (plus {:.1} s paused before it)", us as f64 / 1e6)
    }
}

fn time(t_us: u64) -> String {
    if t_us >= 10_000 {
        format!("+{:.1}ms", t_us as f64 / 1000.0)
    } else {
        format!("+{:.2}ms", t_us as f64 / 1000.0)
    }
}

/// The diagram's columns: the time, the flight number (compact form), the two lanes and what lies
/// between them, and the size and keys of each message (when there is room).
struct Geometry {
    gutter: usize,
    lanes: usize,
    tag: usize,
    /// Flight headers as rows of their own (else the flight's number in the gutter).
    headers: bool,
}

impl Geometry {
    fn of(inner: Rect) -> Geometry {
        let w = usize::from(inner.width);
        let headers = inner.height >= 16 && w >= 60;
        let tag = if w >= 80 { 17 } else { 0 };
        let gutter = if headers { 0 } else { 3 };
        Geometry {
            gutter,
            // Without the size column, a column between the server's lane and the border.
            lanes: w
                .saturating_sub(9 + gutter + tag + usize::from(tag == 0))
                .max(8),
            tag,
            headers,
        }
    }
}

/// A message's name as the diagram shows it: `{Name}` when encrypted (RFC 8446's notation), ◆
/// before what makes the handshake mutual.
fn message_label(e: &Event) -> (String, ratatui::style::Style) {
    use certbench_wire::messages::Message;
    use certbench_wire::observe::Protection;
    let Some(w) = e.wire() else {
        return (String::new(), ratatui::style::Style::new());
    };
    let mut name = match e.message() {
        Some(Message::ServerHello(sh)) if sh.hello_retry_request => "HelloRetryRequest".to_string(),
        Some(Message::Certificate(c)) if c.certificates.is_empty() => {
            "Certificate: empty".to_string()
        }
        _ => headline(e),
    };
    if w.protection != Protection::Clear {
        name = format!("{{{name}}}");
    }
    // An empty client Certificate proves nothing: it is not marked as what makes TLS mutual.
    let empty = matches!(e.message(), Some(Message::Certificate(c)) if c.certificates.is_empty());
    let typ = e.handshake_type();
    let mutual = typ == Some(HandshakeType::CertificateRequest)
        || (e.side == certbench_tls::run::Side::Client
            && !empty
            && matches!(
                typ,
                Some(HandshakeType::Certificate | HandshakeType::CertificateVerify)
            ));
    let style = if e.is_failure() {
        theme::error()
    } else if empty {
        theme::warn()
    } else if mutual {
        theme::mutual()
    } else {
        theme::key()
    };
    if mutual {
        name = format!("◆ {name}");
    }
    (name, style)
}

/// A message's own size, the same unit for every kind (a handshake message's type, length and
/// body; an alert's 2 bytes; application data's plaintext): records and their overhead are in the
/// bytes view.
fn message_size(w: &certbench_tls::run::Wire) -> usize {
    use certbench_tls::run::WireWhat;
    match &w.what {
        WireWhat::ChangeCipherSpec => 1,
        WireWhat::Alert { .. } => 2,
        WireWhat::ApplicationData { len, .. } => *len,
        WireWhat::Handshake { .. } | WireWhat::Unreadable { .. } => w.size,
    }
}

/// A size in words: "1 byte", "52 bytes".
fn bytes_of(n: usize) -> String {
    certbench_wire::messages::Value::Bytes(n as u64).to_string()
}

/// The keys that protected a message, short.
fn keys_label(p: certbench_wire::observe::Protection) -> &'static str {
    use certbench_wire::observe::Protection;
    match p {
        Protection::Clear => "clear",
        Protection::Handshake => "hs keys",
        Protection::Application => "app keys",
        Protection::Tls12 => "1.2 keys",
        Protection::Tls12Encrypted => "encrypted",
    }
}

/// One row of the diagram.
fn diagram_line(
    app: &App,
    row: Row,
    g: &Geometry,
    first_of_flight: Option<usize>,
) -> Line<'static> {
    use certbench_tls::run::Side;
    let h = &app.handshake;
    let lanes = g.lanes;
    let mid = lanes.saturating_sub(2);
    let gutter = |flight: Option<usize>| match flight {
        Some(n) if g.gutter > 0 => Span::styled(format!("{n:>2} "), theme::dim()),
        _ => Span::raw(" ".repeat(g.gutter)),
    };
    let lane = || Span::styled("│", theme::dim());
    // A local event, or a note, on its side's lane.
    // A local event on its side's lane: a dot for a thing that happened, a dash for one that did
    // not.
    let on_lane_marked = |side: Side,
                          text: String,
                          style: ratatui::style::Style,
                          mark: char|
     -> Vec<Span<'static>> {
        let text = cut(&text, mid.saturating_sub(2));
        let pad = mid.saturating_sub(text.chars().count() + 2);
        match side {
            Side::Client => vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(text, style),
                Span::raw(" ".repeat(pad + 1)),
                lane(),
            ],
            Side::Server => vec![
                lane(),
                Span::raw(" ".repeat(pad + 1)),
                Span::styled(text, style),
                Span::styled(format!(" {mark}"), style),
            ],
        }
    };
    let on_lane = |side: Side, text: String, style: ratatui::style::Style| {
        on_lane_marked(side, text, style, '●')
    };
    match row {
        Row::End => {
            let (text, style) = match &h.outcome {
                Some(Ok(s)) if s.ok => ("✓ the end: who proved what", theme::success()),
                Some(Ok(s))
                    if s.failure
                        .as_ref()
                        .is_some_and(|f| f.cause == certbench_cause::Cause::Cancelled) =>
                {
                    ("the end: cancelled", theme::dim())
                }
                _ => ("✗ the end: who caught what, and the fix", theme::error()),
            };
            let line = Line::from(vec![
                Span::raw(" ".repeat(9 + g.gutter)),
                Span::styled(text, style),
            ]);
            if h.at_end {
                line.style(theme::selected())
            } else {
                line
            }
        }
        Row::Flight { number, from } => {
            let text = format!(
                " flight {number} · {} → {} ",
                from.name(),
                from.other().name()
            );
            let rest = mid.saturating_sub(text.chars().count() + 2);
            Line::from(vec![
                Span::raw(" ".repeat(9 + g.gutter)),
                lane(),
                Span::styled(format!("┄┄{text}{}", "┄".repeat(rest)), theme::dim()),
                lane(),
            ])
        }
        Row::Absent { side, what } => {
            let mut spans = vec![Span::raw(" ".repeat(9)), gutter(None)];
            let text = certbench_tls::event::say(what.code(), &[]);
            // Not a thing that happened: no dot, a dash.
            spans.extend(on_lane_marked(side, text, theme::dim(), '–'));
            let line = Line::from(spans);
            if !h.at_end && h.absent == Some(what) {
                line.style(theme::selected())
            } else {
                line
            }
        }
        Row::Event {
            index,
            folded,
            flight,
        } => {
            let e = &h.events[index];
            let mut spans = vec![
                Span::styled(format!("{:>8} ", time(e.t_us)), theme::dim()),
                gutter(first_of_flight),
            ];
            match (&e.kind, e.wire()) {
                (_, Some(w)) => {
                    let (label, style) = message_label(e);
                    let label = cut(&label, mid.saturating_sub(4));
                    let fill = mid.saturating_sub(label.chars().count() + 4);
                    spans.push(lane());
                    match e.side {
                        Side::Client => {
                            spans.push(Span::styled("─ ", theme::dim()));
                            spans.push(Span::styled(label, style));
                            spans.push(Span::styled(
                                format!(" {}▶", "─".repeat(fill)),
                                theme::dim(),
                            ));
                        }
                        Side::Server => {
                            spans.push(Span::styled(
                                format!("◀{} ", "─".repeat(fill)),
                                theme::dim(),
                            ));
                            spans.push(Span::styled(label, style));
                            spans.push(Span::styled(" ─", theme::dim()));
                        }
                    }
                    spans.push(lane());
                    if g.tag > 0 {
                        spans.push(Span::styled(
                            format!(" {:>5} B {:<8}", message_size(w), keys_label(w.protection)),
                            theme::dim(),
                        ));
                    }
                }
                (certbench_tls::run::EventKind::Paused, _) => {
                    let text = certbench_tls::event::say(
                        "paused_flight",
                        &[
                            ("flight", (flight + 1).to_string()),
                            ("next", e.side.name().to_string()),
                            ("key", app.key_for(Context::Handshake, Action::NextFlight)),
                        ],
                    );
                    spans.extend(on_lane(e.side, format!("‖ {text}"), theme::warn()));
                }
                _ => {
                    let text = if folded > 0 {
                        certbench_tls::event::say(
                            "secrets_folded",
                            &[
                                ("count", (folded + 1).to_string()),
                                ("key", app.key_for(Context::Handshake, Action::FoldSecrets)),
                            ],
                        )
                    } else {
                        headline(e)
                    };
                    let style = if e.is_failure() {
                        theme::error()
                    } else {
                        theme::label()
                    };
                    spans.extend(on_lane(
                        e.side,
                        certbench_base::text::terminal_safe(&text).into_owned(),
                        style,
                    ));
                }
            }
            let line = Line::from(spans);
            if !h.at_end && h.absent.is_none() && row.holds(h.selected) {
                line.style(theme::selected())
            } else {
                line
            }
        }
    }
}

fn draw_timeline(f: &mut Frame<'_>, app: &App, area: Rect) {
    let h = &app.handshake;
    let key = |a| app.key_for(Context::Handshake, a);
    // The compact form has no row for the lanes' names: the title names them.
    let block = pane_block(
        if Geometry::of(pane_block("Timeline", true).inner(area)).headers {
            "Timeline"
        } else {
            "Timeline · client ◀─▶ server"
        },
        true,
    );
    let inner = block.inner(area);
    if h.events.is_empty() {
        f.render_widget(block, area);
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
    // What the marks mean, and the keys that change the view.
    let legend = format!(
        " {{…}} encrypted · ◆ mutual · {} secrets · {} bytes ",
        key(Action::FoldSecrets),
        key(Action::ToggleBytes)
    );
    let block = block.title_bottom(Line::from(Span::styled(
        cut(&legend, usize::from(area.width.saturating_sub(2))),
        theme::dim(),
    )));
    f.render_widget(block, area);
    let g = Geometry::of(inner);
    let mut all = crate::panes::handshake::rows(&h.events, h.fold_secrets);
    if !g.headers {
        all.retain(|r| !matches!(r, Row::Flight { .. }));
    }
    if h.outcome.is_some() {
        all.push(Row::End);
    }
    // The flight each row starts, for the gutter of the compact form.
    let mut starts = vec![None; all.len()];
    let mut last = 0;
    for (i, r) in all.iter().enumerate() {
        if let Row::Event { index, flight, .. } = r
            && *flight != last
            && h.events[*index].wire().is_some()
        {
            starts[i] = Some(*flight);
            last = *flight;
        }
    }
    // The lanes' names over them, when the diagram has the room.
    let inner = if g.headers {
        let [names, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        let gap = g.lanes.saturating_sub(12);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{:>8} ", "time"), theme::dim()),
                Span::styled(format!("client{}server", " ".repeat(gap)), theme::heading()),
                Span::styled(if g.tag > 0 { "   msg   keys" } else { "" }, theme::dim()),
            ])),
            names,
        );
        rest
    } else {
        inner
    };
    let height = usize::from(inner.height);
    let at = if h.at_end {
        all.len().saturating_sub(1)
    } else if let Some(a) = h.absent {
        all.iter()
            .position(|r| matches!(r, Row::Absent { what, .. } if *what == a))
            .unwrap_or(0)
    } else {
        all.iter().position(|r| r.holds(h.selected)).unwrap_or(0)
    };
    let offset = at
        .saturating_sub(height.saturating_sub(2))
        .min(all.len().saturating_sub(height));
    let lines: Vec<Line> = all
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, r)| diagram_line(app, *r, &g, starts[i]))
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

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The selected message's bytes: a dump of the stretch the cursor is in, its field's bytes
/// marked and the cursor's byte reversed; under it every record and field with its bytes, the
/// cursor's field highlighted and kept in view.
fn draw_bytes(f: &mut Frame<'_>, app: &App, area: Rect) {
    use crate::panes::handshake::SectionKind;
    let h = &app.handshake;
    let Some(e) = h.events.get(h.selected) else {
        return;
    };
    let version = crate::panes::handshake::version_of(&h.events);
    let Some(a) = crate::panes::handshake::annotate(e, version) else {
        let why = if e.wire().is_some() {
            "Its bytes were not kept (a server keeps up to 1 MB of each connection's bytes)."
        } else {
            "Not a message on the wire: it has no bytes. Select a message (↑/↓)."
        };
        f.render_widget(
            Paragraph::new(why)
                .style(theme::dim())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let w = usize::from(area.width);
    let cursor = h.byte_cursor;
    let here = a.leaves.get(a.leaf(cursor)).copied();
    // The dump: the cursor's stretch of bytes, a window of rows around the cursor.
    let per_row = if w >= 54 { 16 } else { 8 };
    // Offset, 16 bytes, then the 16 as text: 69 columns.
    let ascii = w >= 69;
    let dump_rows = if area.height >= 20 { 6 } else { 3 };
    let mut top: Vec<Line> = Vec::new();
    if let Some((si, pi)) = here {
        let sec = &a.sections[si];
        let part = &sec.parts[pi];
        let at = part.range.start + cursor.byte.min(part.range.len().saturating_sub(1));
        // The field, what it reads as, then where the cursor is.
        let value = part
            .value
            .as_ref()
            .map(|v| format!(": {}", certbench_base::text::terminal_safe(&v.to_string())))
            .unwrap_or_default();
        let head = cut(&format!("{}{value}", part.name), w);
        let rest = format!(
            " · byte {at} of {} ({} bytes) · {} byte{}",
            section_title(sec.kind),
            sec.bytes.len(),
            part.range.len(),
            if part.range.len() == 1 { "" } else { "s" }
        );
        let room = w.saturating_sub(head.chars().count());
        top.push(Line::from(vec![
            Span::styled(head, theme::heading()),
            Span::styled(cut(&rest, room), theme::dim()),
        ]));
        let total = sec.bytes.len().div_ceil(per_row);
        let first = (at / per_row)
            .saturating_sub(dump_rows / 2)
            .min(total.saturating_sub(dump_rows));
        for r in first..(first + dump_rows).min(total) {
            let mut spans = vec![Span::styled(format!("{:04x} ", r * per_row), theme::dim())];
            let row = r * per_row..((r + 1) * per_row).min(sec.bytes.len());
            let style = |i: usize| {
                if i == at {
                    theme::editing()
                } else if part.range.contains(&i) {
                    theme::mutual()
                } else {
                    theme::dim()
                }
            };
            for i in row.clone() {
                spans.push(Span::styled(format!("{:02x}", sec.bytes[i]), style(i)));
                spans.push(Span::raw(" "));
            }
            // The same bytes as text, when there is room: decrypted HTTP reads as HTTP.
            if ascii {
                spans.push(Span::raw(" ".repeat(3 * (per_row - row.len()))));
                for i in row {
                    let b = sec.bytes[i];
                    let c = if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    };
                    spans.push(Span::styled(c.to_string(), style(i)));
                }
            }
            top.push(Line::from(spans));
        }
        top.push(Line::default());
    }
    // The tree: each section's title, its fields with their bytes and what they read as.
    let name_w = (w * 9 / 20).clamp(12, 32);
    let hex_w = (w / 4).clamp(8, 24);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    // Where the cursor's stretch begins (its title, and for a record how it was opened).
    let mut cursor_section = 0;
    for (si, sec) in a.sections.iter().enumerate() {
        if here.is_some_and(|(s, _)| s == si) {
            cursor_section = lines.len();
        }
        // Where the message lies in its records: across several, or beside other messages.
        let place = match (sec.kind, a.pieces.as_slice()) {
            (SectionKind::Message, [(_, only)]) if a.content_lens[0] > only.len() => format!(
                " · in record 1 at {}..{} of {}",
                only.start, only.end, a.content_lens[0]
            ),
            (SectionKind::Message, pieces) if pieces.len() > 1 => {
                format!(" · across {} records", pieces.len())
            }
            _ => String::new(),
        };
        lines.push(Line::from(Span::styled(
            cut(
                &format!(
                    "{} · {} bytes{place}",
                    section_title(sec.kind),
                    sec.bytes.len()
                ),
                w,
            ),
            theme::label(),
        )));
        if let (SectionKind::Record { .. }, Some(s)) = (
            sec.kind,
            sec.record.as_ref().and_then(|r| r.sealing.as_ref()),
        ) {
            let from = match (s.secret.as_str(), s.updates) {
                ("CLIENT_RANDOM", _) => "the master secret (key log: CLIENT_RANDOM)".to_string(),
                (label, 0) => label.to_string(),
                (label, n) => format!("{label} after {n} KeyUpdate(s)"),
            };
            for text in [
                format!("  opened with {}, keys from {from}", s.aead),
                format!("  sequence number {}", s.seq),
                format!("  write IV  {}", certbench_base::text::hex(&s.iv)),
                format!(
                    "  nonce     {}{}",
                    certbench_base::text::hex(&s.nonce),
                    if s.explicit_nonce {
                        " (IV, then nonce_explicit)"
                    } else {
                        " (IV XOR sequence number)"
                    }
                ),
            ] {
                lines.push(Line::from(Span::styled(cut(&text, w), theme::dim())));
            }
        }
        for (pi, part) in sec.parts.iter().enumerate() {
            let indent = 2 + 2 * usize::from(part.depth);
            let leaf = certbench_wire::bytes::Part::is_leaf(&sec.parts, pi);
            let bytes = &sec.bytes[part.range.clone()];
            let name = cut(&part.name, name_w.saturating_sub(indent));
            let shown = if leaf {
                let room = hex_w.saturating_sub(2) / 3;
                let mut x = hex(&bytes[..bytes.len().min(room)]);
                if bytes.len() > room {
                    x.push_str(" …");
                }
                x
            } else {
                String::new()
            };
            let value = part
                .value
                .as_ref()
                .map(|v| certbench_base::text::terminal_safe(&v.to_string()).into_owned())
                .unwrap_or_default();
            let text = format!(
                "{:indent$}{name:<width$} {shown:<hexw$} {value}",
                "",
                width = name_w.saturating_sub(indent),
                hexw = if leaf { hex_w } else { 0 },
            );
            let selected = here == Some((si, pi));
            if selected {
                cursor_line = lines.len();
            }
            let line = Line::from(Span::styled(
                cut(&text, w),
                if leaf {
                    ratatui::style::Style::new()
                } else {
                    theme::key()
                },
            ));
            lines.push(if selected {
                line.style(theme::selected())
            } else {
                line
            });
        }
    }
    let top_h = (top.len() as u16).min(area.height / 2);
    let [dump, tree] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(1)]).areas(area);
    f.render_widget(Paragraph::new(top), dump);
    // The cursor's line a third down the box; its stretch's title (and how a record was opened)
    // in view when they fit; never past the last line.
    let height = usize::from(tree.height);
    let mut scroll = cursor_line.saturating_sub(height / 3);
    if cursor_line < cursor_section + height {
        scroll = scroll.min(cursor_section);
    }
    let scroll = scroll.min(lines.len().saturating_sub(height));
    f.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        tree,
    );
}

fn section_title(kind: crate::panes::handshake::SectionKind) -> String {
    use crate::panes::handshake::SectionKind;
    match kind {
        SectionKind::Record { n, of } => format!("record {n} of {of}, as on the wire"),
        SectionKind::Opened { n } => format!("record {n} opened (TLSInnerPlaintext)"),
        SectionKind::Message => "the message".to_string(),
    }
}

/// Who proved what to whom, what was agreed, how long each phase took: the end of a run that
/// worked.
fn proof_lines(app: &App, s: &certbench_tls::run::Summary) -> Vec<Line<'static>> {
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
    let agreed: Vec<&str> = [
        s.version.as_deref(),
        s.cipher_suite.as_deref(),
        s.group.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
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
fn details_lines(app: &App) -> Vec<Line<'static>> {
    let h = &app.handshake;
    if h.at_end
        && let Some(Ok(s)) = &h.outcome
    {
        match &s.failure {
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
        let flight = crate::panes::handshake::rows(&h.events, false)
            .iter()
            .find_map(|r| match r {
                Row::Event { index, flight, .. } if *index == h.selected => Some(*flight),
                _ => None,
            })
            .unwrap_or(0);
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
            Line::from(certbench_tls::event::say("paused_why", &[])),
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
fn lesson_lines(explained: &certbench_lab::Explained) -> Vec<Line<'static>> {
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

fn failure_lines(
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
    // As wide as the screen allows: a scenario's title is its lesson in a line.
    let width = body.width.saturating_sub(4).max(40).min(body.width);
    // As tall as the list, when the screen has the room.
    let tall = (certbench_lab::SCENARIOS.len() as u16 + 3).min(body.height);
    let area = crate::layout::centered(body, width, tall);
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
