//! The Inspect pane, first cut: the workspace's certificates and what each one says, decoded from
//! its file. The full field tree, hex view, lints and chain verification come with the inspector.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{status_span, summary_lines};
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::ui::pane_block;

pub fn draw(f: &mut Frame<'_>, app: &App, area: Rect) {
    let list_w = (area.width * 36 / 100).clamp(24, 40);
    let [list, detail] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(20)]).areas(area);
    let block = pane_block("Certificates", true);
    let inner = block.inner(list);
    f.render_widget(block, list);
    let visible = inner.height as usize;
    let offset = app
        .inspect_selected
        .saturating_sub(visible.saturating_sub(1));
    let w = inner.width as usize;
    let lines: Vec<Line> = app
        .view
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, r)| {
            let status = status_span(&r.entity, app.now);
            let cn = if r.entity.common_name.is_empty() {
                r.entity.name.clone()
            } else {
                r.entity.common_name.clone()
            };
            let name_w = w.saturating_sub(status.content.chars().count() + 1);
            let name: String = format!(
                "{}{cn}",
                if i == app.inspect_selected {
                    "▸ "
                } else {
                    "  "
                }
            )
            .chars()
            .take(name_w)
            .collect();
            let pad = " ".repeat(name_w.saturating_sub(name.chars().count()) + 1);
            let line = Line::from(vec![Span::raw(name), Span::raw(pad), status]);
            if i == app.inspect_selected {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);

    let block = pane_block("Certificate", false);
    let inner = block.inner(detail);
    f.render_widget(block, detail);
    let Some(row) = app.view.rows.get(app.inspect_selected) else {
        f.render_widget(
            Paragraph::new("No certificate is loaded.").style(theme::dim()),
            inner,
        );
        return;
    };
    let mut lines = vec![Line::from(Span::styled(
        format!("{} ({})", row.entity.cert, row.entity.role.title()),
        theme::heading(),
    ))];
    match &row.summary {
        Err(e) => lines.push(Line::from(Span::styled(e.clone(), theme::error()))),
        Ok(s) => lines.extend(summary_lines(s, app.now, 18)),
    }
    if let Some(r) = &row.entity.revoked {
        lines.push(Line::from(Span::styled(
            format!(
                "Revoked ({}) and listed in {}.crl",
                r.reason,
                row.entity.issuer.clone().unwrap_or_default()
            ),
            theme::error(),
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "The field-by-field decoder, hex view, lints and chain verification are not built yet.",
        theme::dim(),
    )));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
