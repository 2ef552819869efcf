//! A message's bytes: the records that carried it, how each was opened, and its fields, with
//! the byte cursor.

use crate::app::App;
use crate::panes::cut;
use crate::panes::handshake::CursorOn as _;
use crate::theme;
pub(super) use certbench_base::text::hex_spaced as hex;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The selected message's bytes: a dump of the stretch the cursor is in, its field's bytes
/// marked and the cursor's byte reversed; under it every record and field with its bytes, the
/// cursor's field highlighted and kept in view.
pub(super) fn draw_bytes(f: &mut Frame<'_>, app: &App, area: Rect) {
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
            " · byte {at} of {} ({} byte{}) · {} byte{}",
            section_title(sec.kind),
            sec.bytes.len(),
            certbench_base::text::plural(sec.bytes.len()),
            part.range.len(),
            certbench_base::text::plural(part.range.len())
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
        // What the field is, in the words the page of a run uses (assets/fields.toml).
        if let Some(words) = certbench_x509::explain::explain_wire_field(&part.name) {
            // Two lines at most: the dump and the fields keep the room.
            let mut said: Vec<String> = vec![String::new()];
            for word in words.split_whitespace() {
                let line = said.last_mut().map_or(0, |l| l.chars().count());
                if line > 0 && line + 1 + word.chars().count() > w {
                    said.push(String::new());
                }
                if let Some(l) = said.last_mut() {
                    if !l.is_empty() {
                        l.push(' ');
                    }
                    l.push_str(word);
                }
            }
            let more = said.len() > 2;
            said.truncate(2);
            if more && let Some(l) = said.last_mut() {
                *l = cut(&format!("{l} …"), w);
            }
            for l in said {
                top.push(Line::from(Span::styled(cut(&l, w), theme::dim())));
            }
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
                    "{} · {} byte{}{place}",
                    section_title(sec.kind),
                    sec.bytes.len(),
                    certbench_base::text::plural(sec.bytes.len())
                ),
                w,
            ),
            theme::label(),
        )));
        if let (SectionKind::Record { .. }, Some(s)) = (
            sec.kind,
            sec.record.as_ref().and_then(|r| r.sealing.as_ref()),
        ) {
            let from = match (s.secret, s.updates) {
                ("CLIENT_RANDOM", _) => "the master secret (key log: CLIENT_RANDOM)".to_string(),
                (label, 0) => label.to_string(),
                (label, n) => format!("{label} after {n} KeyUpdate(s)"),
            };
            for text in [
                format!("  opened with {}, keys from {from}", s.aead),
                format!("  sequence number {}", s.seq),
                format!("  write IV  {}", certbench_base::text::hex(s.iv())),
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

pub(super) fn section_title(kind: crate::panes::handshake::SectionKind) -> String {
    use crate::panes::handshake::SectionKind;
    match kind {
        SectionKind::Record { n, of } => format!("record {n} of {of}, as on the wire"),
        SectionKind::Opened { n } => format!("record {n} opened (TLSInnerPlaintext)"),
        SectionKind::Message => "the message".to_string(),
    }
}
