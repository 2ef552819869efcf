//! The Generate pane: the workspace's certificates as a tree, the form that issues a new one, and
//! what the last one issued is (with the openssl commands that would make it).

use certbench_pki::workspace::Issued;
use certbench_x509::relative_validity;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::app::{App, Focus};
use crate::layout::shows_result_beside;
use crate::panes::generate::form::FormField;
use crate::panes::{cut, status_span, summary_lines};
use crate::theme;
use crate::ui::pane_block;

pub fn draw(f: &mut Frame<'_>, app: &App, area: Rect) {
    // The OCSP responder, when it runs, along the bottom.
    let below = super::responder::height(app, area.height);
    let [area, responder] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(below)]).areas(area);
    if below > 0 {
        super::responder::draw(f, app, responder);
    }
    if shows_result_beside(area.width) {
        let [list, form, result] = Layout::horizontal([
            Constraint::Length(36),
            Constraint::Length(64),
            Constraint::Min(30),
        ])
        .areas(area);
        draw_list(f, app, list);
        draw_form(f, app, form);
        let block = pane_block("Last issued", false);
        let inner = block.inner(result);
        f.render_widget(block, result);
        let lines = match &app.generate.last_issued {
            Some(i) => result_lines(i, app),
            None => vec![
                Line::from(Span::styled(
                    "Nothing issued yet in this session.",
                    theme::dim(),
                )),
                Line::default(),
                Line::from(Span::styled(
                    "Issue a certificate and this shows it, decoded from the file just written, with the openssl commands that make the same kind of certificate.",
                    theme::dim(),
                )),
            ],
        };
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            inner,
        );
    } else {
        let list_w = (area.width * 38 / 100).clamp(24, 34);
        let [list, form] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Min(30)]).areas(area);
        draw_list(f, app, list);
        draw_form(f, app, form);
    }
}

fn draw_list(f: &mut Frame<'_>, app: &App, area: Rect) {
    let block = pane_block(
        "Workspace",
        app.generate.focus == Focus::List && app.dialog.is_none(),
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    if app.view.rows.is_empty() {
        let text = app
            .view
            .error
            .clone()
            .unwrap_or_else(|| "No certificates yet. Issue a root CA from the form.".into());
        f.render_widget(
            Paragraph::new(text)
                .style(theme::dim())
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let detail_h: u16 = if inner.height >= 14 { 8 } else { 0 };
    let [rows_area, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_h)]).areas(inner);
    let visible = rows_area.height as usize;
    let offset = app
        .generate
        .list_selected
        .saturating_sub(visible.saturating_sub(1));
    let w = rows_area.width as usize;
    let lines: Vec<Line> = app
        .view
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, r)| {
            let status = status_span(&r.entity, app.now);
            let name_w = w.saturating_sub(status.content.chars().count() + 1);
            let indent = "  ".repeat(r.depth.min(4));
            let marker = if i == app.generate.list_selected {
                "▸ "
            } else {
                "  "
            };
            let name = format!("{marker}{indent}{}", r.entity.name);
            let name: String = name.chars().take(name_w).collect();
            // The CN beside the name when it says something else and fits whole (the box below
            // shows it in any case).
            let cn = app
                .view
                .cn_beside(&r.entity.name)
                .map(|cn| format!(" · {cn}"))
                .filter(|cn| name.chars().count() + cn.chars().count() <= name_w)
                .unwrap_or_default();
            let used = name.chars().count() + cn.chars().count();
            let pad = " ".repeat(name_w.saturating_sub(used) + 1);
            let line = Line::from(vec![
                Span::raw(name),
                Span::styled(cn, theme::dim()),
                Span::raw(pad),
                status,
            ]);
            if i == app.generate.list_selected {
                line.style(theme::selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), rows_area);
    if detail_h > 0
        && let Some(r) = app.view.rows.get(app.generate.list_selected)
    {
        let e = &r.entity;
        let mut lines = vec![
            Line::from(Span::styled(
                "─".repeat(detail_area.width as usize),
                theme::dim(),
            )),
            kv(
                "role",
                format!("{}, {}", e.role.title(), e.key_alg.as_str()),
            ),
            kv("CN", e.common_name.clone()),
            kv(
                "issuer",
                e.issuer.clone().unwrap_or_else(|| "itself".into()),
            ),
        ];
        match (&r.summary, &e.revoked) {
            (_, Some(rev)) => lines.push(Line::from(vec![
                Span::styled(format!("{:<7}", "status"), theme::label()),
                Span::styled(format!("revoked ({})", rev.reason), theme::error()),
            ])),
            (Ok(s), None) => lines.push(kv(
                "valid",
                relative_validity(s.not_before, s.not_after, app.now),
            )),
            (Err(err), None) => lines.push(Line::from(Span::styled(err.clone(), theme::error()))),
        }
        if let Ok(s) = &r.summary
            && !s.subject_alt_names.is_empty()
        {
            lines.push(kv("SANs", s.subject_alt_names.join(", ")));
        }
        let mut files = vec![e.cert.clone()];
        files.extend(e.key.clone());
        files.extend(e.chain.clone());
        lines.push(kv("files", files.join(" ")));
        if e.key.is_none() {
            lines.push(kv(
                "key",
                "not here: signed from a request (CSR), the key stays with its service".into(),
            ));
        }
        f.render_widget(Paragraph::new(lines), detail_area);
    }
}

fn kv(k: &str, v: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<7}"), theme::label()),
        Span::raw(v),
    ])
}

fn draw_form(f: &mut Frame<'_>, app: &App, area: Rect) {
    let focused = app.generate.focus == Focus::Form && app.dialog.is_none();
    let block = pane_block("Issue a certificate", focused);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let errors = app.form_errors();
    let label_w = 12usize;
    let value_w = (inner.width as usize).saturating_sub(label_w + 1);
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    for (i, field) in app.generate.form.fields().into_iter().enumerate() {
        let is_sel = focused && i == app.generate.form.selected;
        let editing = is_sel && app.generate.form.editing.is_some();
        if is_sel {
            selected_line = lines.len();
        }
        if field == FormField::IssueButton {
            lines.push(Line::default());
            let style = if is_sel { theme::title() } else { theme::key() };
            let label = if app.working.is_some() {
                " Working… "
            } else {
                " Issue certificate (i) "
            };
            lines.push(Line::from(vec![
                Span::raw(" ".repeat(label_w + 1)),
                Span::styled(format!("[{label}]"), style),
            ]));
            if is_sel {
                selected_line = lines.len() - 1;
            }
            continue;
        }
        let err = errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone());
        let mark = if err.is_some() {
            Span::styled("✗", theme::error())
        } else {
            Span::raw(" ")
        };
        let label = Span::styled(
            format!("{:<w$}", field.label(), w = label_w),
            if is_sel {
                theme::heading()
            } else {
                theme::label()
            },
        );
        let value = app.generate.form.display_value(field);
        let value_span = if editing && app.generate.form.replace_on_type {
            // Selected: what is typed replaces it.
            Span::styled(
                cut(&value, value_w.saturating_sub(1)).to_string(),
                theme::selected(),
            )
        } else if editing {
            Span::styled(
                format!("{}▏", tail(&value, value_w.saturating_sub(1))),
                theme::editing(),
            )
        } else if field.is_choice() {
            Span::styled(
                format!("‹ {} ›", cut(&value, value_w.saturating_sub(4))),
                if is_sel {
                    theme::selected()
                } else {
                    ratatui::style::Style::new()
                },
            )
        } else if value.is_empty() {
            let hint = app
                .generate
                .form
                .default_hint(field)
                .unwrap_or_else(|| field.placeholder().to_string());
            Span::styled(cut(&hint, value_w), theme::dim())
        } else {
            Span::styled(
                cut(&value, value_w),
                if is_sel {
                    theme::selected()
                } else {
                    ratatui::style::Style::new()
                },
            )
        };
        lines.push(Line::from(vec![mark, label, value_span]));
        if let Some(m) = err {
            for part in wrap_words(&m, value_w.max(10)).into_iter().take(3) {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(label_w + 1)),
                    Span::styled(part, theme::error()),
                ]));
            }
        }
    }
    let h = inner.height as usize;
    let offset = selected_line
        .saturating_sub(h.saturating_sub(2))
        .min(lines.len().saturating_sub(h));
    f.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), inner);
}

/// The summary of a certificate just issued, the files, and the openssl equivalent.
pub fn result_lines(i: &Issued, app: &App) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!("{} \"{}\"", i.entity.role.title(), i.entity.name),
        theme::heading(),
    ))];
    lines.extend(summary_lines(&i.summary, app.now, 18));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Files", theme::heading())));
    for f in &i.files {
        lines.push(Line::from(format!("  {}", f.display())));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "The same kind of certificate with openssl",
        theme::heading(),
    )));
    for l in i.openssl.lines() {
        let style = if l.starts_with('#') {
            theme::dim()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(Span::styled(l.to_string(), style)));
    }
    lines
}

pub fn draw_result_overlay(f: &mut Frame<'_>, app: &App, body: Rect, scroll: u16) {
    let Some(issued) = &app.generate.last_issued else {
        return;
    };
    let area = body;
    f.render_widget(Clear, area);
    let lines = result_lines(issued, app);
    let block = pane_block("Issued", true)
        .title_bottom(Line::from(" esc close · ↑/↓ scroll · o shows it again ").right_aligned());
    // Its wrapped rows, not its lines: a long command takes two or three.
    let max = crate::panes::max_scroll(&block, area, &lines);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((scroll.min(max), 0)),
        area,
    );
}

/// The end of `s`, so the cursor stays visible while typing a long value.
fn tail(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        s.to_string()
    } else {
        format!("…{}", s.chars().skip(n - w + 1).collect::<String>())
    }
}

/// `s` in lines of at most `w` characters, broken between words where it can be.
fn wrap_words(s: &str, w: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if candidate.chars().count() <= w {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        let mut rest: Vec<char> = word.chars().collect();
        while rest.len() > w {
            lines.push(rest.drain(..w).collect());
        }
        cur = rest.into_iter().collect();
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_errors_wrap_between_words() {
        assert_eq!(
            super::wrap_words("a path length applies", 10),
            ["a path", "length", "applies"]
        );
        assert_eq!(
            super::wrap_words("abcdefghijkl", 5),
            ["abcde", "fghij", "kl"]
        );
    }
}
