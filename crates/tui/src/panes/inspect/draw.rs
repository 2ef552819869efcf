//! The Inspect pane: the loaded certificates (workspace, --open, --system), the selected one's
//! fields with an explanation of each, its chain and lints, and its DER bytes with the selected
//! field's range highlighted.

use certbench_x509::explain::explain;
use certbench_x509::report::joined;
use certbench_x509::{Decoded, Item, Severity, relative_validity};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::layout::{hex_bytes_per_row, inspect_columns};
use crate::panes::inspect::{Focus, PromptKind, row_label, short_cn, worst_lint};
use crate::theme;
use crate::ui::pane_block;

/// The pane's parts: the list, the fields, the verdict box and the bytes (`None` where the
/// narrow layout shows one box for both and the bytes are not shown).
struct Areas {
    list: Rect,
    fields: Rect,
    details: Option<Rect>,
    hex: Option<Rect>,
}

fn areas(app: &App, area: Rect) -> Areas {
    let (list_w, fields_w, side_w) = inspect_columns(area.width);
    let [list, rest] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(1)]).areas(area);
    if side_w > 0 {
        let [fields, side] =
            Layout::horizontal([Constraint::Length(fields_w), Constraint::Min(1)]).areas(rest);
        let [details, hex] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(side);
        Areas {
            list,
            fields,
            details: Some(details),
            hex: Some(hex),
        }
    } else {
        let [fields, bottom] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
        let hex = app.inspect.focus == Focus::Hex;
        Areas {
            list,
            fields,
            details: (!hex).then_some(bottom),
            hex: hex.then_some(bottom),
        }
    }
}

/// The width of the list's source column.
const SOURCE_W: usize = 10;

/// The workspace name of an item that is one of the workspace's certificates.
fn workspace_name(item: &certbench_x509::Item, app: &App) -> Option<String> {
    app.view
        .rows
        .iter()
        .find(|r| app.view.dir.join(&r.entity.cert) == item.source)
        .map(|r| r.entity.name.clone())
}

/// Where an item came from, in a word: the workspace, a saved run (`handshakes/`), the system
/// store, or its file's name.
fn source_tag(item: &certbench_x509::Item, app: &App) -> String {
    let dir = &app.view.dir;
    if item
        .source
        .starts_with(dir.join(certbench_pki::workspace::HANDSHAKES_DIR))
    {
        "run".into()
    } else if item.source.parent() == Some(dir.as_path()) {
        "workspace".into()
    } else if certbench_x509::load::SYSTEM_STORES
        .iter()
        .any(|p| std::path::Path::new(p) == item.source)
    {
        "system".into()
    } else {
        item.source
            .file_name()
            .map(|f| certbench_base::text::display_safe(&f.to_string_lossy(), 40))
            .unwrap_or_default()
    }
}

pub fn draw(f: &mut Frame<'_>, app: &App, area: Rect) {
    let a = areas(app, area);
    draw_list(f, app, a.list);
    draw_fields(f, app, a.fields);
    if let Some(d) = a.details {
        draw_details(f, app, d);
    }
    if let Some(h) = a.hex {
        draw_hex(f, app, h);
    }
}

/// How far the verdict box can scroll: until its last line is in view.
/// How far a scroll of the box beside the fields moves: at most 3 lines, and never more than
/// its inner height less one (no line is skipped).
pub fn side_page(app: &App) -> u16 {
    areas(app, crate::ui::body_area(app))
        .details
        .map_or(1, |d| d.height.saturating_sub(3).clamp(1, 3))
}

pub fn side_max_scroll(app: &App) -> u16 {
    let Some(details) = areas(app, crate::ui::body_area(app)).details else {
        return 0;
    };
    crate::panes::max_scroll(&pane_block("Verdict", false), details, &side_lines(app))
}

fn draw_list(f: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.inspect;
    let total = s.loaded.items.len();
    let title = if s.filter.is_empty() {
        format!("Certificates ({total})")
    } else {
        format!("Certificates ({} of {total})", s.visible.len())
    };
    let block = pane_block(&title, s.focus == Focus::List);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let show_filter = s.filter_editing.is_some() || !s.filter.is_empty() || s.prompt.is_some();
    let [rows_area, filter_area] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(u16::from(show_filter)),
    ])
    .areas(inner);
    if s.loading && total == 0 {
        f.render_widget(
            Paragraph::new("Reading certificates…").style(theme::dim()),
            rows_area,
        );
    } else if s.visible.is_empty() {
        let text = if total == 0 {
            "Nothing loaded."
        } else {
            "No certificate matches the filter."
        };
        f.render_widget(Paragraph::new(text).style(theme::dim()), rows_area);
    }
    let h = rows_area.height as usize;
    let offset = s.cursor.saturating_sub(h.saturating_sub(1));
    let w = rows_area.width as usize;
    // Only the visible rows are drawn: a 10,000-certificate bundle costs a screenful.
    let lines: Vec<Line> = s
        .visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(pos, &i)| {
            let item = &s.loaded.items[i];
            let revoked = revoked_here(item, app);
            let (mark, mark_style) = match (&item.result, worst_lint(item)) {
                (Err(_), _) => ("✗", theme::error()),
                _ if revoked => ("✗", theme::error()),
                (_, Some(Severity::Error)) => ("!", theme::error()),
                (_, Some(Severity::Warning)) => ("!", theme::warn()),
                _ => (" ", Style::new()),
            };
            let right = right_column(item, revoked, app);
            // Wide enough: the issuer's CN and the role too.
            let (issuer, role) = match (&item.result, w >= 40) {
                (Ok(Decoded::Certificate(r)), true) => {
                    let role = match certbench_x509::lints::guess_role(r) {
                        Some(certbench_x509::Role::Ca) => "root",
                        Some(certbench_x509::Role::Intermediate) => "int",
                        Some(certbench_x509::Role::Server) => "srv",
                        Some(certbench_x509::Role::Client) => "cli",
                        Some(certbench_x509::Role::Ocsp) => "ocsp",
                        None => "-",
                    };
                    (Some(short_cn(&r.issuer)), Some(role))
                }
                (_, true) => (Some(String::new()), Some("")),
                _ => (None, None),
            };
            // Where it came from, when there is room: rows from two PKIs can look alike.
            let source = (w >= 64).then(|| source_tag(item, app));
            let extra_w = if issuer.is_some() { 14 + 1 + 4 + 1 } else { 0 }
                + if source.is_some() { SOURCE_W + 1 } else { 0 };
            // The last column has a fixed width, so the others line up.
            let right = Span::styled(format!("{:>7}", right.content), right.style);
            let name_w = w.saturating_sub(7 + 3 + extra_w);
            // A workspace certificate by its workspace name, as the other panes call it, with
            // its CN beside it when that differs.
            let label = match (workspace_name(item, app), &source) {
                (Some(name), _) if name != row_label(item) => {
                    format!("{name} · {}", row_label(item))
                }
                (Some(name), _) => name,
                // No room for the source column: where it came from follows a name that other
                // rows have too.
                (None, None) if s.loaded.shared_labels.contains(&row_label(item)) => {
                    format!("{} · {}", row_label(item), source_tag(item, app))
                }
                (None, _) => row_label(item),
            };
            let label: String = crate::panes::cut(&label, name_w);
            let pad = " ".repeat(
                name_w.saturating_sub(unicode_width::UnicodeWidthStr::width(label.as_str())) + 1,
            );
            let mut spans = vec![
                Span::styled(format!("{mark} "), mark_style),
                Span::raw(label),
                Span::raw(pad),
            ];
            if let Some(source) = source {
                spans.push(Span::styled(
                    format!(
                        "{} ",
                        crate::panes::padded(&crate::panes::cut(&source, SOURCE_W), SOURCE_W)
                    ),
                    theme::dim(),
                ));
            }
            if let (Some(issuer), Some(role)) = (issuer, role) {
                spans.push(Span::styled(
                    format!(
                        "{} ",
                        crate::panes::padded(&crate::panes::cut(&issuer, 14), 14)
                    ),
                    theme::dim(),
                ));
                spans.push(Span::styled(format!("{role:<4} "), theme::label()));
            }
            spans.push(right);
            let line = Line::from(spans);
            if pos == s.cursor {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), rows_area);
    if let Some(p) = &s.prompt {
        // The end of the path, so what is being typed stays in view.
        let room = (filter_area.width as usize).saturating_sub(7);
        let text = if p.kind == PromptKind::Password {
            "•".repeat(p.secret.len_chars())
        } else {
            p.text.clone()
        };
        let n = text.chars().count();
        let shown: String = if n > room {
            format!("…{}", text.chars().skip(n + 1 - room).collect::<String>())
        } else {
            text
        };
        f.render_widget(
            Paragraph::new(Span::styled(
                format!("{} {shown}▏", p.kind.label()),
                theme::editing(),
            )),
            filter_area,
        );
    } else if show_filter {
        let style = if s.filter_editing.is_some() {
            theme::editing()
        } else {
            theme::key()
        };
        let cursor = if s.filter_editing.is_some() {
            "▏"
        } else {
            ""
        };
        f.render_widget(
            Paragraph::new(Span::styled(format!("/{}{cursor}", s.filter), style)),
            filter_area,
        );
    }
}

/// A certificate of the workspace that the workspace revoked.
fn revoked_here(item: &Item, app: &App) -> bool {
    app.view.rows.iter().any(|row| {
        row.entity.revoked.is_some() && app.view.dir.join(&row.entity.cert) == item.source
    })
}

/// The list's last column: what the item is, or for a certificate its days left (`revoked`: the
/// workspace revoked it).
fn right_column(item: &Item, revoked: bool, app: &App) -> Span<'static> {
    match &item.result {
        Err(_) => Span::styled("error", theme::error()),
        Ok(Decoded::Crl(_)) => Span::styled("CRL", theme::dim()),
        Ok(Decoded::Csr(_)) => Span::styled("CSR", theme::dim()),
        Ok(Decoded::Ocsp(_)) => Span::styled("OCSP", theme::dim()),
        Ok(Decoded::Certificate(r)) => {
            // What the workspace says of its own certificate first, as its list says it.
            if revoked {
                Span::styled("revoked", theme::error())
            } else if app.now > r.not_after {
                Span::styled("expired", theme::error())
            } else if app.now < r.not_before {
                Span::styled("future", theme::warn())
            } else {
                let d = certbench_x509::days_until(r.not_after, app.now);
                Span::styled(
                    format!("{d}d"),
                    if d < 30 { theme::warn() } else { theme::dim() },
                )
            }
        }
    }
}

fn draw_fields(f: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.inspect;
    if let Some(p) = s.prompt.as_ref().filter(|p| !p.candidates.is_empty()) {
        let block = pane_block(
            &format!("{} matches (tab completes)", p.candidates.len()),
            true,
        );
        let inner = block.inner(area);
        f.render_widget(block, area);
        let lines: Vec<Line> = p
            .candidates
            .iter()
            .take(inner.height as usize)
            .map(|c| Line::from(c.clone()))
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let block = pane_block("Fields", s.focus == Focus::Fields);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(item) = s.current_item() else { return };
    let nodes = s.nodes();
    if nodes.is_empty() {
        let lines = other_item_lines(app, item);
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    let h = inner.height as usize;
    let offset = s
        .field
        .saturating_sub(h.saturating_sub(2))
        .min(nodes.len().saturating_sub(h));
    let w = inner.width as usize;
    let lines: Vec<Line> = nodes
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, n)| {
            let indent = "  ".repeat(n.depth);
            let label = format!("{indent}{}", n.label);
            let label_w = label.chars().count().max(22.min(w / 2));
            let value = crate::panes::cut(&n.value, w.saturating_sub(label_w + 1));
            let line = Line::from(vec![
                Span::styled(
                    format!("{label:<label_w$} "),
                    if n.depth <= 1 {
                        theme::heading()
                    } else {
                        theme::label()
                    },
                ),
                Span::raw(value),
            ]);
            if i == s.field {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// What a CRL, a CSR, an OCSP message or an unreadable item says (in the fields area; for an
/// OCSP message, whose fields are the tree, in the box beside them).
fn other_item_lines(app: &App, item: &Item) -> Vec<Line<'static>> {
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<14}"), theme::label()),
            Span::raw(v),
        ])
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} #{}",
            certbench_base::text::display_safe(&item.source.to_string_lossy(), 4096),
            item.index
        ),
        theme::dim(),
    ))];
    match &item.result {
        Err(e) => {
            lines.push(Line::from(Span::styled(
                format!("Cannot be read: {e}"),
                theme::error(),
            )));
            if certbench_x509::load::is_locked_pkcs12(item) {
                lines.push(crate::ui::key_line(
                    &app.keymap,
                    crate::keymap::Context::Inspect,
                    &[(
                        &[crate::action::Action::Activate],
                        Some("type its password to read its certificates"),
                    )],
                ));
            }
        }
        Ok(Decoded::Crl(c)) => {
            lines.push(kv("CRL issuer", c.issuer.clone()));
            lines.push(kv(
                "This update",
                certbench_base::text::rfc3339(c.this_update),
            ));
            if let Some(n) = c.next_update {
                lines.push(kv("Next update", certbench_base::text::rfc3339(n)));
            }
            lines.push(kv("Revoked", c.revoked.len().to_string()));
            for r in &c.revoked {
                let reason = r
                    .reason
                    .clone()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default();
                lines.push(Line::from(format!(
                    "  {}{reason}",
                    certbench_x509::serial_text(&r.serial)
                )));
            }
        }
        Ok(Decoded::Csr(c)) => {
            lines.push(kv("CSR subject", c.subject.clone()));
            lines.push(kv("Signature", c.signature_algorithm.to_string()));
            for (label, values) in [
                ("Requested SANs", joined(&c.subject_alt_names)),
                ("Requested usage", joined(&c.key_usage)),
                ("Requested EKU", joined(&c.extended_key_usage)),
            ] {
                if !values.is_empty() {
                    lines.push(kv(label, values));
                }
            }
        }
        Ok(Decoded::Ocsp(o)) => {
            lines.push(kv("OCSP", super::state::ocsp_label(o)));
            if let Some(r) = &o.request {
                for id in &r.ids {
                    lines.push(kv(
                        "Asks about",
                        format!("serial {}", certbench_base::text::hex(&id.serial)),
                    ));
                }
            }
            if let Some(b) = o.response.as_ref().and_then(|r| r.basic.as_ref()) {
                lines.push(kv(
                    "Produced at",
                    certbench_base::text::rfc3339(b.produced_at),
                ));
                for s in &b.responses {
                    lines.push(kv("Serial", certbench_base::text::hex(&s.id.serial)));
                    lines.push(kv("Status", s.status.name().to_string()));
                    if let Some(n) = s.next_update {
                        lines.push(kv("Next update", certbench_base::text::rfc3339(n)));
                    }
                }
            }
        }
        Ok(Decoded::Certificate(_)) => {}
    }
    lines
}

fn draw_details(f: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.inspect;
    let on_field = s.focus != Focus::List;
    let block = pane_block(
        if on_field {
            "About this field"
        } else {
            "Verdict"
        },
        false,
    );
    // A small terminal cannot show it all: it scrolls (J/K), and says so.
    crate::panes::draw_scrolled(
        f,
        block,
        area,
        side_lines(app),
        app.inspect.side_scroll,
        ("J", "K"),
    );
}

/// What the box beside the fields shows. What matters most where the focus is comes first: the
/// verdict in the list, the field's explanation among the fields.
fn side_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if app.inspect.focus != Focus::List {
        lines.extend(field_lines(app));
    }
    lines.extend(verdict_lines(app));
    lines
}

fn field_lines(app: &App) -> Vec<Line<'static>> {
    let s = &app.inspect;
    let mut lines = Vec::new();
    if let Some(node) = s.nodes().get(s.field) {
        lines.push(Line::from(vec![
            Span::styled(node.label.clone(), theme::heading()),
            Span::styled(
                format!(
                    "  bytes {}..{} ({} byte{})",
                    node.start,
                    node.end,
                    node.end - node.start,
                    certbench_base::text::plural(node.end - node.start)
                ),
                theme::dim(),
            ),
        ]));
        if let Some(e) = explain(&node.explain) {
            lines.push(Line::from(e.text.clone()));
            if !e.mtls.is_empty() {
                lines.push(Line::from(vec![
                    Span::styled("mTLS: ", theme::key()),
                    Span::raw(e.mtls.clone()),
                ]));
            }
            if !e.rfc.is_empty() {
                lines.push(Line::from(Span::styled(e.rfc.clone(), theme::dim())));
            }
        }
        lines.push(Line::default());
    }
    lines
}

/// The chain verdict with each link, the lints, the validity and the fingerprints.
fn verdict_lines(app: &App) -> Vec<Line<'static>> {
    let s = &app.inspect;
    let mut lines = Vec::new();
    let Some(sel) = &s.selected else { return lines };
    // An OCSP message has no chain to verify: what it says, read from its fields.
    if let Some(
        item @ Item {
            result: Ok(Decoded::Ocsp(_)),
            ..
        },
    ) = s.loaded.items.get(sel.item)
    {
        lines.extend(other_item_lines(app, item));
    }
    if let Some(chain) = &sel.chain {
        // What it was verified for: p, N and T change it.
        let v = &s.verify;
        let purpose = match v.purpose {
            Some(certbench_x509::verify::Purpose::Server) => "a server",
            Some(certbench_x509::verify::Purpose::Client) => "a client",
            None => "its own usage (p changes)",
        };
        // A CA is checked as a CA (unless a purpose is set): a name is a leaf's.
        let is_ca = matches!(
            s.loaded.items.get(sel.item).map(|i| &i.result),
            Some(Ok(Decoded::Certificate(r))) if r.basic_constraints.as_ref().is_some_and(|b| b.ca)
        ) && v.purpose.is_none();
        let name = v
            .name
            .as_deref()
            .map(|n| match is_ca {
                true => format!(", name {n} (not checked: a CA)"),
                false => format!(", name {n}"),
            })
            .unwrap_or_default();
        let at =
            v.at.map(certbench_base::text::rfc3339)
                .unwrap_or_else(|| "now".into());
        lines.push(Line::from(Span::styled(
            format!("Verified for {purpose}{name}, at {at}"),
            theme::dim(),
        )));
        if chain.ok {
            lines.push(Line::from(Span::styled(
                format!("✓ Chain verifies ({})", chain.verified_by),
                theme::success(),
            )));
        } else {
            lines.push(Line::from(Span::styled(
                format!("✗ Chain: {}", chain.reason().unwrap_or_default()),
                theme::error(),
            )));
        }
        for (i, link) in chain.links.iter().enumerate() {
            let bad = link.checks.iter().find(|c| !c.ok);
            let (mark, style) = if bad.is_some() {
                ("✗", theme::error())
            } else {
                ("✓", theme::success())
            };
            let why = bad
                .map(|c| format!(" ({}: {})", c.field, c.detail()))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("  {}{mark} ", "  ".repeat(i)), style),
                Span::styled(format!("{} ", link.role), theme::label()),
                Span::raw(short_cn(&link.subject)),
                Span::styled(why, theme::error()),
            ]));
        }
        // How the verdict was reached (an OCSP response passed over, candidates left out). Every
        // response open is tried on every certificate: one that is another's is not news.
        for note in chain
            .notes
            .iter()
            .filter(|n| **n != certbench_x509::verify::VerifyNote::OcspForNone)
        {
            lines.push(Line::from(Span::styled(
                format!("  note: {}", note.describe()),
                theme::dim(),
            )));
        }
    }
    if let Some(Ok(Decoded::Certificate(r))) = s.loaded.items.get(sel.item).map(|i| &i.result) {
        for l in &r.lints {
            let (mark, style) = match l.severity {
                Severity::Error => ("✗", theme::error()),
                Severity::Warning => ("!", theme::warn()),
                Severity::Info => ("i", theme::label()),
            };
            lines.push(Line::from(vec![Span::styled(
                format!("{mark} {}", l.message),
                style,
            )]));
            lines.push(Line::from(Span::styled(
                format!("  fix: {} [{}]", l.fix, l.id),
                theme::dim(),
            )));
        }
        lines.push(Line::from(vec![
            Span::styled("Valid    ", theme::label()),
            Span::raw(relative_validity(r.not_before, r.not_after, app.now)),
        ]));
        lines.push(Line::from(vec![
            Span::styled("SHA-256  ", theme::label()),
            Span::raw(r.sha256_fingerprint.clone()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("SHA-1    ", theme::label()),
            Span::raw(r.sha1_fingerprint.clone()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("SPKI pin ", theme::label()),
            Span::raw(format!("sha256//{}", r.spki_sha256)),
        ]));
    }
    lines
}

fn draw_hex(f: &mut Frame<'_>, app: &App, area: Rect) {
    let s = &app.inspect;
    let block = pane_block("Bytes (DER)", s.focus == Focus::Hex);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(item) = s.current_item() else { return };
    let der = &item.der;
    let per_row = hex_bytes_per_row(app.width);
    let (sel_start, sel_end) = s.nodes().get(s.field).map_or((0, 0), |n| (n.start, n.end));
    let anchor = if s.focus == Focus::Hex {
        s.hex_cursor
    } else {
        sel_start
    };
    let h = inner.height as usize;
    let rows = der.len().div_ceil(per_row);
    let first_row = (anchor / per_row)
        .saturating_sub(h / 3)
        .min(rows.saturating_sub(h));
    let lines: Vec<Line> = (first_row..rows.min(first_row + h))
        .map(|row| {
            let mut spans = vec![Span::styled(
                format!("{:04x}  ", row * per_row),
                theme::dim(),
            )];
            let mut ascii = String::new();
            let first = row * per_row;
            for (i, &c) in der.iter().enumerate().skip(first).take(per_row) {
                let style = if s.focus == Focus::Hex && i == s.hex_cursor {
                    theme::editing()
                } else if i >= sel_start && i < sel_end {
                    theme::selected()
                } else {
                    Style::new()
                };
                spans.push(Span::styled(format!("{c:02x}"), style));
                spans.push(Span::raw(" "));
                ascii.push(if c.is_ascii_graphic() || c == b' ' {
                    char::from(c)
                } else {
                    '.'
                });
            }
            spans.push(Span::styled(format!(" {ascii}"), theme::dim()));
            Line::from(spans)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
