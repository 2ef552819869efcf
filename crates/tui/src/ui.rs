//! Drawing: reads the state, changes nothing, does no I/O.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::action::Action;
use crate::action::Pane;
use crate::app::{App, Dialog, Overlay, Severity};
use crate::keymap::{Command, Context, KeyMap};
use crate::layout::{TITLE, centered, tab_areas, tab_label};
use crate::panes;
use crate::theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The screen's rows: the header, the pane, the message line (two rows for a long message), the
/// key hints. A function of the state, so `update` knows the geometry drawing will use.
pub fn frame_areas(app: &App, full: Rect) -> [Rect; 5] {
    let message_len = app.busy().map_or(0, |b| b.chars().count() + 6)
        + app
            .status
            .as_ref()
            .map_or(0, |s| s.text.chars().count() + 3);
    let message_h = if message_len > full.width as usize {
        2
    } else {
        1
    };
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(tour_height(app, full.width)),
        Constraint::Length(message_h),
        Constraint::Length(1),
    ])
    .areas(full)
}

/// The tour's box below the pane: its text wrapped to the width, between two borders.
fn tour_height(app: &App, width: u16) -> u16 {
    let Some(t) = &app.tour else { return 0 };
    let (_, text) = t.words(app);
    let lines = wrapped_lines(&text, usize::from(width.saturating_sub(2)));
    2 + u16::try_from(lines.min(4)).unwrap_or(4)
}

/// How many lines `text` takes wrapped at word boundaries to `width` columns.
fn wrapped_lines(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let mut lines = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let w = Span::raw(word).width();
        if used > 0 && used + 1 + w > width {
            lines += 1;
            used = w;
        } else {
            used += if used > 0 { w + 1 } else { w };
        }
    }
    lines
}

fn draw_tour(f: &mut Frame<'_>, app: &App, area: Rect) {
    let Some(t) = &app.tour else { return };
    if area.height < 3 {
        return;
    }
    let (title, text) = t.words(app);
    let end = app.key_for(Context::Global, crate::action::Action::Back);
    let block = Block::bordered()
        .border_style(theme::border(true))
        .title(Span::styled(
            format!(
                " Tour {}/{} · {title} ",
                t.step.number(),
                crate::tour::Step::ALL.len()
            ),
            theme::heading(),
        ))
        .title_bottom(Line::from(Span::styled(
            format!(" {end} ends the tour "),
            theme::dim(),
        )));
    f.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
        area,
    );
}

/// The pane's area on a screen of the app's size.
pub fn body_area(app: &App) -> Rect {
    frame_areas(app, Rect::new(0, 0, app.width, app.height))[1]
}

/// The least terminal the TUI draws in; below it, a sentence says how big to make it.
pub const MIN_SIZE: (u16, u16) = (80, 24);

pub fn draw(f: &mut Frame<'_>, app: &App) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        return draw_too_small(f, area);
    }
    let [header, body, tour, message, hints] = frame_areas(app, area);
    draw_header(f, app, header);
    draw_tour(f, app, tour);
    match app.pane {
        Pane::Generate => panes::generate::draw(f, app, body),
        Pane::Inspect => panes::inspect::draw(f, app, body),
        Pane::Handshake => panes::handshake::draw(f, app, body),
    }
    draw_message(f, app, message);
    draw_hints(f, app, hints);
    match app.overlay {
        Some(Overlay::Help { scroll }) => draw_help(f, app, body, scroll),
        Some(Overlay::Result { scroll }) => {
            panes::generate::draw_result_overlay(f, app, body, scroll)
        }
        Some(Overlay::Lab { cursor }) => panes::handshake::draw_lab_overlay(f, app, body, cursor),
        Some(Overlay::Recipes { scroll }) => draw_recipes(f, app, body, scroll),
        Some(Overlay::Status { scroll }) => panes::generate::draw_status(f, app, body, scroll),
        None => {}
    }
    if let Some(d) = &app.dialog {
        draw_dialog(f, &app.keymap, d, body);
    }
}

/// Instead of a broken screen: what size the window is, what it needs, and how to quit.
fn draw_too_small(f: &mut Frame<'_>, area: Rect) {
    let text = format!(
        "certbench needs a window of at least {}x{}; this one is {}x{}. Make it bigger (q quits).",
        MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
    );
    f.render_widget(
        Paragraph::new(text)
            .style(theme::warn())
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn draw_header(f: &mut Frame<'_>, app: &App, area: Rect) {
    f.render_widget(Paragraph::new(Span::styled(TITLE, theme::title())), area);
    let mut end = TITLE.chars().count() as u16;
    for (p, r) in tab_areas(area.width) {
        let style = if p == app.pane {
            theme::tab_active()
        } else {
            theme::tab()
        };
        f.render_widget(
            Paragraph::new(Span::styled(tab_label(p), style)),
            Rect { y: area.y, ..r },
        );
        end = r.x + r.width;
    }
    // The workspace folder on the right; at narrow widths the path alone, cut from the left.
    let n = app.view.rows.len();
    let dir = app.view.dir.display().to_string();
    let count = format!("  ({n} certificate{})", certbench_base::text::plural(n));
    let x = end + 2;
    let room = area.width.saturating_sub(x) as usize;
    let dir_len = dir.chars().count();
    let line = if dir_len + count.chars().count() + 10 <= room {
        Line::from(vec![
            Span::styled("workspace ", theme::dim()),
            Span::raw(dir),
            Span::styled(count, theme::dim()),
        ])
    } else if dir_len <= room {
        Line::from(dir)
    } else {
        let skip = dir_len + 1 - room.max(1);
        Line::from(format!("…{}", dir.chars().skip(skip).collect::<String>()))
    };
    if room > 4 {
        f.render_widget(
            Paragraph::new(line.right_aligned()),
            Rect {
                x,
                y: area.y,
                width: area.width.saturating_sub(x),
                height: 1,
            },
        );
    }
}

fn draw_message(f: &mut Frame<'_>, app: &App, area: Rect) {
    // What runs, then the last message: one does not hide the other.
    let mut spans = Vec::new();
    if let Some(busy) = app.busy() {
        spans.push(Span::styled(
            format!(" {} ", SPINNER[app.spinner % SPINNER.len()]),
            theme::key(),
        ));
        spans.push(Span::raw(format!("{busy}…  ")));
    }
    if let Some(s) = &app.status {
        let (mark, style) = match s.severity {
            Severity::Info => ("•", theme::label()),
            Severity::Success => ("✓", theme::success()),
            Severity::Warning => ("!", theme::warn()),
            Severity::Error => ("✗", theme::error()),
        };
        spans.push(Span::styled(format!(" {mark} "), style));
        spans.push(Span::styled(s.text.clone(), style));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }),
        area,
    );
}

/// The keys that work where the focus is, from the keymap; when they do not all fit, the bar
/// ends with "more: ?" (the help lists them all).
fn draw_hints(f: &mut Frame<'_>, app: &App, area: Rect) {
    let mut hints: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // The tour starts from the help only: the other windows do not offer it.
    let tour = (!matches!(app.overlay, Some(Overlay::Help { .. })))
        .then(|| app.key_for(Context::Overlay, crate::action::Action::StartTour));
    for ctx in app.contexts() {
        for (key, desc, command) in app.keymap.hints_of(ctx) {
            if ctx == Context::Overlay && Some(&key) == tour.as_ref() {
                continue;
            }
            // Typing outside the form (the Inspect filter): there is no next field to go to.
            if ctx == Context::Editing
                && app.pane != crate::action::Pane::Generate
                && matches!(command, Command::NextField | Command::PrevField)
            {
                continue;
            }
            // Global hints: only the ones a newcomer needs; ? lists the rest.
            if ctx == Context::Global
                && !matches!(command, Command::Help | Command::Quit | Command::NextPane)
            {
                continue;
            }
            // A command bound in several of the contexts that apply is hinted once, first
            // where it is most specific.
            if seen.insert(command) {
                hints.push((key, desc));
            }
        }
    }
    let cost = |(key, desc): &(String, String)| key.chars().count() + desc.chars().count() + 3;
    let total: usize = 1 + hints.iter().map(cost).sum::<usize>();
    let more = "more: ?";
    let room = if total > area.width as usize {
        (area.width as usize).saturating_sub(more.chars().count() + 1)
    } else {
        area.width as usize
    };
    let mut spans = vec![Span::raw(" ")];
    let mut width = 1usize;
    let mut cut = false;
    for h in &hints {
        if width + cost(h) > room {
            cut = true;
            break;
        }
        width += cost(h);
        spans.push(Span::styled(h.0.clone(), theme::key()));
        spans.push(Span::styled(format!(" {}  ", h.1), theme::dim()));
    }
    if cut {
        spans.push(Span::styled(more, theme::key()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The help overlay: every binding, by where it works, made from the keymap.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    help_sections(app).0
}

/// The help's lines, and the line where each context's keys begin.
pub fn help_sections(app: &App) -> (Vec<Line<'static>>, Vec<(Context, usize)>) {
    let mut starts = Vec::new();
    let mut lines = vec![
        Line::from(Span::styled(
            "certbench: a workbench for mutual TLS",
            theme::heading(),
        )),
        Line::from(Span::styled("Your own bindings go in", theme::dim())),
        Line::from(Span::styled(
            format!(
                "  {}",
                app.keymap_path
                    .as_ref()
                    .map_or("(no config folder on this system)".into(), |p| p
                        .display()
                        .to_string())
            ),
            theme::dim(),
        )),
    ];
    for ctx in Context::ALL {
        let hints = app.keymap.hints(ctx);
        if hints.is_empty() {
            continue;
        }
        lines.push(Line::default());
        starts.push((ctx, lines.len()));
        lines.push(Line::from(Span::styled(ctx.title(), theme::heading())));
        for (key, desc) in hints {
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:<14}"), theme::key()),
                Span::raw(desc),
            ]));
        }
    }
    (lines, starts)
}

fn draw_help(f: &mut Frame<'_>, app: &App, body: Rect, scroll: u16) {
    let area = centered(body, 72, body.height);
    f.render_widget(Clear, area);
    let lines = help_lines(app);
    let max = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
    let key = |a| app.key_for(Context::Overlay, a);
    let block = Block::bordered()
        .title(" Help ")
        .title_bottom(
            Line::from(format!(
                " {} take the tour · {} close · {}/{} scroll ",
                key(crate::action::Action::StartTour),
                key(crate::action::Action::Back),
                key(crate::action::Action::Up),
                key(crate::action::Action::Down),
            ))
            .right_aligned(),
        )
        .border_style(theme::border(true));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max), 0)),
        area,
    );
}

/// The recipes for a certificate: headings bold, programs and commands as they are, the lines
/// that matter in the warning colour.
fn draw_recipes(f: &mut Frame<'_>, app: &App, body: Rect, scroll: u16) {
    let Some((name, text)) = &app.generate.recipes else {
        return;
    };
    // The whole width, so commands and code wrap as little as they can.
    let area = centered(body, body.width, body.height);
    f.render_widget(Clear, area);
    let mut in_code = false;
    let lines: Vec<Line<'_>> = text
        .lines()
        .filter_map(|l| {
            if l.starts_with("```") {
                in_code = !in_code;
                return None;
            }
            Some(if in_code {
                Line::from(Span::raw(format!("  {l}")))
            } else if let Some(h) = l.strip_prefix("#### ") {
                Line::from(Span::styled(h.to_string(), theme::title()))
            } else if let Some(note) = l.strip_prefix("- ") {
                Line::from(Span::styled(
                    format!("▸ {}", note.replace('`', "")),
                    theme::warn(),
                ))
            } else if let Some(problem) = l.strip_prefix("**Not as written here:** ") {
                Line::from(vec![
                    Span::styled("Not as written here: ", theme::error()),
                    Span::styled(problem.to_string(), theme::warn()),
                ])
            } else {
                Line::from(Span::styled(l.replace('`', ""), theme::dim()))
            })
        })
        .collect();
    let block = Block::bordered()
        .title(format!(
            " Recipes for \"{name}\" (certbench --dir {} recipes {name}) ",
            certbench_base::text::shell_word(&app.view.dir)
        ))
        .title_bottom(Line::from(" esc close · ↑/↓ pgup/pgdn scroll ").right_aligned())
        .border_style(theme::border(true));
    // Its rows as wrapped by words, not by characters: a word that does not fit goes whole to
    // the next row, and the last rows would be out of reach.
    let max = crate::panes::max_scroll(&block, area, &lines);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max), 0)),
        area,
    );
}

/// A dialog's line of keys, from the keymap: for each entry, the keys bound in `ctx` to its
/// actions and what they do (the entry's words when the dialog's state says more, else the
/// keymap's). An entry no key is bound to is left out.
pub(crate) fn key_line(
    keymap: &KeyMap,
    ctx: Context,
    entries: &[(&[Action], Option<&str>)],
) -> Line<'static> {
    Line::from(
        entries
            .iter()
            .filter_map(|(actions, words)| {
                let (keys, desc) = keymap.keys_of(ctx, actions)?;
                Some([
                    Span::styled(keys, theme::key()),
                    Span::raw(format!(" {}   ", words.map_or(desc, str::to_string))),
                ])
            })
            .flatten()
            .collect::<Vec<_>>(),
    )
}

fn draw_dialog(f: &mut Frame<'_>, keymap: &KeyMap, dialog: &Dialog, body: Rect) {
    let (title, lines) = match dialog {
        Dialog::Overwrite { spec, path } => (
            " Replace files? ",
            vec![
                Line::from(format!("{} already exists.", path.display())),
                Line::default(),
                Line::from(format!(
                    "Replace {0}.crt, {0}.key{1} with a new {2} certificate?",
                    spec.name,
                    if spec.role.is_leaf() {
                        format!(" and {}-chain.crt", spec.name)
                    } else {
                        String::new()
                    },
                    spec.role.title()
                )),
                Line::from(Span::styled(
                    "The old files are moved into replaced/ in the workspace, not deleted.",
                    theme::warn(),
                )),
                Line::default(),
                key_line(
                    keymap,
                    Context::Replace,
                    &[
                        (&[Action::Confirm], Some("replace")),
                        (&[Action::Cancel], Some("keep the old files")),
                    ],
                ),
            ],
        ),
        Dialog::Constrained { spec, breaches, .. } => {
            let mut lines = vec![Line::from(format!(
                "{} \"{}\" names what a CA above it does not allow:",
                spec.role.title(),
                spec.name
            ))];
            lines.extend(breaches.iter().map(|b| {
                Line::from(Span::styled(
                    format!("  {}", certbench_base::text::display_safe(b, 300)),
                    theme::warn(),
                ))
            }));
            lines.extend([
                Line::default(),
                Line::from("Every verifier (rustls, openssl, browsers) will refuse it."),
                Line::default(),
                key_line(
                    keymap,
                    Context::Replace,
                    &[
                        (
                            &[Action::Confirm],
                            Some("issue it anyway (to see the refusal)"),
                        ),
                        (&[Action::Cancel], Some("back to the form")),
                    ],
                ),
            ]);
            (" Outside the CA's name constraints ", lines)
        }
        Dialog::Revoke { name, reason } => (
            " Revoke ",
            vec![
                Line::from(format!(
                    "Revoke \"{name}\" and sign its issuer's CRL again?"
                )),
                Line::default(),
                Line::from(vec![
                    Span::styled("Reason  ", theme::label()),
                    Span::styled("‹ ", theme::dim()),
                    Span::styled(reason.as_str(), theme::selected()),
                    Span::styled(" ›", theme::dim()),
                ]),
                Line::default(),
                key_line(
                    keymap,
                    Context::Revoke,
                    &[
                        (&[Action::Left, Action::Right], Some("reason")),
                        (&[Action::Confirm], Some("revoke")),
                        (&[Action::Cancel], Some("cancel")),
                    ],
                ),
            ],
        ),
        Dialog::Export {
            name,
            choices,
            choice,
            password,
            replace,
            working,
        } => {
            let current = choices.get(*choice).copied();
            let format = current.map(|c| c.format());
            let file = format.map(|f| f.file_name(name)).unwrap_or_default();
            let mut lines = vec![
                Line::from(format!("Export \"{name}\" as")),
                Line::default(),
                Line::from(vec![
                    Span::styled("Format    ", theme::label()),
                    Span::styled("‹ ", theme::dim()),
                    Span::styled(
                        current.map(|c| c.words().title).unwrap_or_default(),
                        theme::selected(),
                    ),
                    Span::styled(" ›", theme::dim()),
                ]),
                Line::from(Span::styled(
                    current.map(|c| c.words().detail).unwrap_or_default(),
                    theme::dim(),
                )),
            ];
            if format.is_some_and(|f| f.needs_password()) {
                lines.push(Line::from(vec![
                    Span::styled("Password  ", theme::label()),
                    Span::raw("•".repeat(password.len_chars())),
                    Span::styled("▏", theme::key()),
                    Span::styled(
                        if password.is_empty() {
                            " type it (not shown, not saved, not logged)"
                        } else {
                            ""
                        },
                        theme::dim(),
                    ),
                ]));
            }
            let mode = if format.is_some_and(|f| f.holds_key()) {
                ", mode 0600"
            } else {
                ""
            };
            lines.push(Line::from(vec![
                Span::styled("File      ", theme::label()),
                Span::raw(format!("{file} in the workspace{mode}")),
            ]));
            if *replace {
                lines.push(Line::from(Span::styled(
                    format!(
                        "{file} exists: {} replaces it.",
                        keymap.key_for(Context::Export, Action::Activate)
                    ),
                    theme::warn(),
                )));
            }
            lines.push(Line::default());
            lines.push(if *working {
                Line::from(Span::styled("Writing…", theme::dim()))
            } else {
                key_line(
                    keymap,
                    Context::Export,
                    &[
                        (&[Action::Left, Action::Right], Some("format")),
                        (
                            &[Action::Activate],
                            Some(if *replace { "replace" } else { "write" }),
                        ),
                        (&[Action::Back], Some("cancel")),
                    ],
                )
            });
            (" Export ", lines)
        }
        Dialog::Renew { .. } | Dialog::Trust { .. } => {
            panes::generate::dialog_lines(keymap, dialog).unwrap_or_default()
        }
        Dialog::Csr(d) => {
            let width = if d.review.is_some() { 140 } else { 66 };
            let inner = width.min(body.width).saturating_sub(2);
            (
                " Sign a request (CSR) ",
                csr_lines(keymap, d, inner, body.height.saturating_sub(2)),
            )
        }
    };
    // As tall as the text once wrapped, so the keys on the last line always show.
    let width = match dialog {
        Dialog::Csr(d) if d.review.is_some() => 140,
        Dialog::Trust { .. } => 140,
        _ => 66,
    }
    .min(body.width);
    let height = crate::panes::wrapped_height(&lines, width.saturating_sub(2));
    let area = centered(
        body,
        width,
        (height.min(usize::from(u16::MAX - 2)) as u16) + 2,
    );
    f.render_widget(Clear, area);
    let block = Block::bordered().title(title).border_style(theme::warn());
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// The request dialog: the path being typed; once read, the choices (role, name, names added)
/// and what is granted first (so they show on a short screen), then each thing asked for and
/// its decision, one row each (`width` columns), scrolled to fit in `rows`.
fn csr_lines(
    keymap: &KeyMap,
    d: &crate::app::CsrDialog,
    width: u16,
    rows: u16,
) -> Vec<Line<'static>> {
    use certbench_pki::csr::Decision;
    let width = usize::from(width.max(10));
    let cut = |s: String, room: usize| -> String {
        if s.chars().count() > room {
            let mut t: String = s.chars().take(room.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            s
        }
    };
    let Some(review) = &d.review else {
        return vec![
            Line::from("The certificate signing request a service made (PEM or DER):"),
            Line::default(),
            Line::from(vec![
                Span::styled("File  ", theme::label()),
                Span::raw(d.path.clone()),
                Span::styled("▏", theme::key()),
            ]),
            Line::default(),
            if d.working {
                Line::from(Span::styled("Reading…", theme::dim()))
            } else {
                key_line(
                    keymap,
                    Context::Sign,
                    &[
                        (&[Action::Complete], Some("complete")),
                        (&[Action::Activate], Some("read it")),
                        (&[Action::Back], Some("cancel")),
                    ],
                )
            },
        ];
    };
    let r = &review.request;
    let file = review
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cursor = |on: bool| {
        if on {
            Span::styled("▏", theme::key())
        } else {
            Span::raw(" ")
        }
    };
    let mut lines = vec![
        Line::from(cut(
            format!(
                "{file}: {} ({} key; its signature verifies with that key)",
                certbench_base::text::display_safe(&r.subject, 200),
                r.key.alg.title()
            ),
            width,
        )),
        Line::from(vec![
            Span::styled("Role    ", theme::label()),
            Span::styled("‹ ", theme::dim()),
            Span::styled(
                if d.both {
                    "server + client"
                } else {
                    d.role.title()
                },
                theme::selected(),
            ),
            Span::styled(" ›", theme::dim()),
            Span::styled("    Name  ", theme::label()),
            Span::raw(d.name.clone()),
            cursor(!d.typing_sans),
            Span::styled("   Issuer  ", theme::label()),
            Span::raw(review.issuer.clone()),
        ]),
        Line::from(vec![
            Span::styled("Add SANs", theme::label()),
            Span::raw(" "),
            Span::raw(d.sans.clone()),
            cursor(d.typing_sans),
            Span::styled(
                if d.sans.is_empty() && !d.typing_sans {
                    format!(
                        " ({}: names to add, comma-separated)",
                        keymap.key_for(Context::Review, Action::NextField)
                    )
                } else {
                    String::new()
                },
                theme::dim(),
            ),
        ]),
    ];
    match d.grant() {
        Some(Ok(g)) => {
            let ku: Vec<&str> = g
                .spec
                .effective_key_usages()
                .iter()
                .map(|k| k.openssl_name())
                .collect();
            let eku: Vec<&str> = g
                .spec
                .effective_ext_key_usages()
                .iter()
                .map(|k| k.openssl_name())
                .collect();
            lines.push(Line::from(vec![
                Span::styled("Grants  ", theme::label()),
                Span::raw(cut(
                    format!(
                        "keyUsage {}; extendedKeyUsage {}; CA:FALSE; {} days; no key here",
                        ku.join(", "),
                        eku.join(", "),
                        g.spec.days
                    ),
                    width.saturating_sub(8),
                )),
            ]));
            if d.replace {
                lines.push(Line::from(Span::styled(
                    format!(
                        "{}.crt exists: {} replaces it, {} keeps it.",
                        d.name,
                        keymap.key_for(Context::Review, Action::Activate),
                        keymap.key_for(Context::Review, Action::Back)
                    ),
                    theme::warn(),
                )));
            }
            lines.push(if d.working {
                Line::from(Span::styled("Signing…", theme::dim()))
            } else {
                key_line(
                    keymap,
                    Context::Review,
                    &[
                        (&[Action::Left, Action::Right], Some("role")),
                        (&[Action::NextField], Some("name/SANs")),
                        (&[Action::Up, Action::Down], Some("scroll")),
                        (
                            &[Action::Activate],
                            Some(if d.replace { "replace" } else { "sign" }),
                        ),
                        (&[Action::Back], Some("cancel")),
                    ],
                )
            });
            // Names typed: added when they are names, else why not.
            let added = g.added_sans.iter().map(|s| {
                let said = match certbench_pki::SanEntry::parse(s) {
                    Ok(_) => ("added".to_string(), theme::success()),
                    Err(why) => (why.to_string(), theme::error()),
                };
                (format!("subjectAltName {s}"), said)
            });
            let all: Vec<(String, (String, ratatui::style::Style))> = g
                .decisions
                .iter()
                .map(|(asked, decision)| {
                    let said = match decision {
                        Decision::Kept => ("kept".to_string(), theme::success()),
                        Decision::Refused { why } => (why.text(), theme::warn()),
                    };
                    (asked.notation(), said)
                })
                .chain(added)
                .collect();
            let room = usize::from(rows).saturating_sub(lines.len() + 2).max(1);
            let scroll = usize::from(d.scroll).min(all.len().saturating_sub(room));
            let shown = all.len().min(room);
            lines.push(Line::from(Span::styled(
                if scroll > 0 {
                    format!("It asks for (▲ {scroll} more above)")
                } else {
                    "It asks for".to_string()
                },
                theme::label(),
            )));
            let col = all
                .iter()
                .map(|(n, _)| n.chars().count())
                .max()
                .unwrap_or(0)
                .min(40);
            for (notation, (said, style)) in all.iter().skip(scroll).take(shown) {
                let left = cut(format!("  {notation:<col$}  "), width);
                let rest = width.saturating_sub(left.chars().count());
                lines.push(Line::from(vec![
                    Span::raw(left),
                    Span::styled(cut(said.clone(), rest), *style),
                ]));
            }
            let below = all.len().saturating_sub(scroll + shown);
            if below > 0 {
                lines.push(Line::from(Span::styled(
                    format!("▼ {below} more below (↓)"),
                    theme::warn(),
                )));
            }
        }
        Some(Err(e)) => lines.push(Line::from(Span::styled(e.to_string(), theme::error()))),
        None => {}
    }
    lines
}

/// Used by panes: a bordered block whose colour shows focus.
pub fn pane_block(title: &str, focused: bool) -> Block<'static> {
    Block::bordered()
        .title(format!(" {title} "))
        .border_style(theme::border(focused))
}
