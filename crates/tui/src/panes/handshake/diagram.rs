//! The timeline as a two-lane sequence diagram: flights, messages as arrows between the lanes,
//! each side's local events on its lane, and what a flight did not carry.

use super::draw::time;
use crate::action::Action;
use crate::app::App;
use crate::keymap::Context;
use crate::panes::cut;
use crate::panes::handshake::Row;
use crate::theme;
use crate::ui::pane_block;
use certbench_tls::event::headline;
use certbench_tls::run::Event;
use certbench_wire::names::HandshakeType;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The diagram's columns: the time, the flight number (compact form), the two lanes and what lies
/// between them, and the size and keys of each message (when there is room).
pub(super) struct Geometry {
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
pub(super) fn message_label(e: &Event) -> (String, ratatui::style::Style) {
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
pub(super) fn message_size(w: &certbench_tls::run::Wire) -> usize {
    use certbench_tls::run::WireWhat;
    match &w.what {
        WireWhat::ChangeCipherSpec => 1,
        WireWhat::Alert { .. } => 2,
        WireWhat::ApplicationData { len, .. } => *len,
        WireWhat::Handshake { .. } | WireWhat::Unreadable { .. } => w.size,
    }
}

/// A size in words: "1 byte", "52 bytes".
pub(super) fn bytes_of(n: usize) -> String {
    certbench_wire::messages::Value::Bytes(n as u64).to_string()
}

/// The keys that protected a message, short.
pub(super) fn keys_label(p: certbench_wire::observe::Protection) -> &'static str {
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
pub(super) fn diagram_line(
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
                Some(Ok(s)) if s.ok() => ("✓ the end: who proved what", theme::success()),
                Some(Ok(s))
                    if s.failure()
                        .as_ref()
                        .is_some_and(|f| f.cause == certbench_cause::Cause::Cancelled) =>
                {
                    ("the end: cancelled", theme::dim())
                }
                // Neither worked nor failed (a relayed client that left without a request, a
                // server that never answered): nobody caught anything.
                Some(Ok(s)) if s.failure().is_none() => ("the end: what crossed", theme::warn()),
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

pub(super) fn draw_timeline(f: &mut Frame<'_>, app: &App, area: Rect) {
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
        let text = if let Some(s) = &h.serve {
            match s.kind {
                super::Listening::Serve { .. } => "Waiting for clients: the command above, a browser, or your own service. Each connection's handshake appears here as the server saw it, decrypted with the server's own secrets; [ and ] go to a newer or older connection.".to_string(),
                super::Listening::Relay { .. } => "Waiting for your client: point it at the address above instead of the server. Each connection's handshake appears here as it crossed the wire: the clear parts always, TLS 1.3's encrypted ones once the client writes its secrets to the key log above; [ and ] go to a newer or older connection.".to_string(),
            }
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
