//! Time and trust in the Generate pane: how the workspace ages (`a`: days left, CRLs, warnings,
//! as `certbench status`), renewing the selected certificate (`u`, asked first, as `certbench
//! renew`), and the machine's trust stores (`T`: where the roots are; `i` installs them, asked
//! first, as `certbench trust install`; `u` takes out what certbench put in).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::GeneratePane;
use crate::action::{Action, Effect};
use crate::app::{App, Cx, Dialog, Overlay, Severity};
use crate::keymap::{Context, KeyMap};
use crate::theme;
use crate::ui::key_line;

impl GeneratePane {
    /// `a`, `u`, `T` on the list, and what their work reports.
    pub(super) fn aging_update(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::ShowStatus => match &cx.view.health {
                Some(_) => *cx.overlay = Some(Overlay::Status { scroll: 0 }),
                None => cx.say(
                    Severity::Info,
                    "The workspace is empty: there is nothing to age yet.",
                ),
            },
            Action::Renew => match cx.view.rows.get(self.list_selected) {
                None => cx.say(Severity::Info, "There is nothing to renew."),
                Some(r) if r.entity.revoked.is_some() => cx.say(
                    Severity::Info,
                    format!(
                        "\"{}\" is revoked: issue a new certificate instead",
                        r.entity.name
                    ),
                ),
                Some(r) => {
                    let name = r.entity.name.clone();
                    let root = r.entity.issuer.is_none();
                    *cx.dialog = Some(Dialog::Renew {
                        revoke_old: false,
                        on_old: false,
                        root,
                        dependants: cx
                            .view
                            .rows
                            .iter()
                            .filter(|c| {
                                c.entity.issuer.as_deref() == Some(name.as_str())
                                    && c.entity.name != name
                            })
                            .map(|c| c.entity.name.clone())
                            .collect(),
                        name,
                        new_key: false,
                    })
                }
            },
            Action::ShowTrust => {
                if !cx.view.rows.iter().any(|r| r.entity.issuer.is_none()) {
                    cx.say(
                        Severity::Info,
                        "The workspace has no root CA to put into the trust stores.",
                    );
                    return vec![];
                }
                *cx.dialog = Some(Dialog::Trust {
                    info: None,
                    confirm: false,
                    working: true,
                });
                return vec![Effect::ReadTrust];
            }
            Action::RenewFinished(result) => {
                *cx.working = None;
                match result {
                    Ok(lines) => {
                        cx.say(Severity::Success, lines.join(" "));
                        // The list is read again in a new order: the renewed one stays selected.
                        return vec![Effect::LoadWorkspace {
                            select: self.renewing.take(),
                        }];
                    }
                    Err(e) => {
                        cx.say(Severity::Error, e);
                        // A renewal that went through before its revocation failed is shown.
                        return vec![Effect::LoadWorkspace {
                            select: self.renewing.take(),
                        }];
                    }
                }
            }
            Action::TrustRead(result) => match result {
                Ok(info) => {
                    if let Some(Dialog::Trust { confirm, .. }) = cx.dialog.take() {
                        *cx.dialog = Some(Dialog::Trust {
                            info: Some(info),
                            confirm,
                            working: false,
                        });
                    }
                }
                Err(e) => {
                    *cx.dialog = None;
                    cx.say(Severity::Error, e);
                }
            },
            Action::TrustChanged(result) => {
                *cx.working = None;
                match result {
                    Ok(lines) => cx.say(Severity::Success, lines.join(" ")),
                    Err(e) => cx.say(Severity::Error, e),
                }
                if matches!(cx.dialog, Some(Dialog::Trust { .. })) {
                    *cx.dialog = Some(Dialog::Trust {
                        info: None,
                        confirm: false,
                        working: true,
                    });
                    return vec![Effect::ReadTrust];
                }
            }
            _ => {}
        }
        vec![]
    }

    /// The Renew and Trust dialogs' keys.
    pub(super) fn update_aging_dialog(
        &mut self,
        dialog: Dialog,
        action: Action,
        cx: &mut Cx<'_>,
    ) -> Vec<Effect> {
        match (dialog, action) {
            (Dialog::Renew { .. }, Action::Cancel | Action::Back) => {
                *cx.dialog = None;
                cx.say(Severity::Info, "Nothing was renewed.");
            }
            (
                Dialog::Renew {
                    name,
                    new_key,
                    revoke_old,
                    root,
                    ..
                },
                Action::Confirm,
            ) => {
                *cx.dialog = None;
                *cx.working = Some(format!("Renewing \"{name}\""));
                self.renewing = Some(name.clone());
                return vec![Effect::Renew {
                    name,
                    new_key,
                    revoke_old: revoke_old && !root,
                }];
            }
            (
                Dialog::Renew {
                    name,
                    mut new_key,
                    mut revoke_old,
                    mut on_old,
                    root,
                    dependants,
                },
                action @ (Action::Left | Action::Right | Action::Up | Action::Down),
            ) => {
                match action {
                    // ←/→ flips the choice the cursor is on.
                    Action::Left | Action::Right if on_old => revoke_old = !revoke_old,
                    Action::Left | Action::Right => new_key = !new_key,
                    // ↑/↓ moves between the two (a root has only the first).
                    _ => on_old = !on_old && !root,
                }
                *cx.dialog = Some(Dialog::Renew {
                    name,
                    new_key,
                    revoke_old,
                    on_old,
                    root,
                    dependants,
                });
            }
            (Dialog::Trust { working: true, .. }, Action::Cancel | Action::Back) => {
                // The work goes on; its result is said on the message line.
                *cx.dialog = None;
            }
            (Dialog::Trust { working: true, .. }, _) => {}
            (Dialog::Trust { confirm: true, .. }, Action::Confirm) => {
                *cx.dialog = Some(Dialog::Trust {
                    info: None,
                    confirm: false,
                    working: true,
                });
                *cx.working = Some("Installing the roots into the trust stores".into());
                return vec![Effect::ChangeTrust { install: true }];
            }
            (
                Dialog::Trust {
                    info,
                    confirm: true,
                    ..
                },
                Action::Cancel | Action::Back,
            ) => {
                *cx.dialog = Some(Dialog::Trust {
                    info,
                    confirm: false,
                    working: false,
                });
                cx.say(Severity::Info, "Nothing was installed.");
            }
            (Dialog::Trust { .. }, Action::Cancel | Action::Back) => *cx.dialog = None,
            (
                Dialog::Trust {
                    info: Some(info), ..
                },
                Action::TrustInstall,
            ) => {
                if info.would_install.is_empty() {
                    cx.say(
                        Severity::Info,
                        "Every root is already in every store found: nothing to install.",
                    );
                    *cx.dialog = Some(Dialog::Trust {
                        info: Some(info),
                        confirm: false,
                        working: false,
                    });
                } else {
                    *cx.dialog = Some(Dialog::Trust {
                        info: Some(info),
                        confirm: true,
                        working: false,
                    });
                }
            }
            (
                Dialog::Trust {
                    info: Some(info), ..
                },
                Action::TrustUninstall,
            ) => {
                if info.installed {
                    *cx.dialog = Some(Dialog::Trust {
                        info: None,
                        confirm: false,
                        working: true,
                    });
                    *cx.working = Some("Taking the roots out of the trust stores".into());
                    return vec![Effect::ChangeTrust { install: false }];
                }
                cx.say(
                    Severity::Info,
                    "certbench installed nothing here that it could take out.",
                );
                *cx.dialog = Some(Dialog::Trust {
                    info: Some(info),
                    confirm: false,
                    working: false,
                });
            }
            (d, _) => *cx.dialog = Some(d),
        }
        vec![]
    }
}

/// The Renew and Trust dialogs: their titles and lines (`None` for another dialog).
pub fn dialog_lines(
    keymap: &KeyMap,
    dialog: &Dialog,
) -> Option<(&'static str, Vec<Line<'static>>)> {
    match dialog {
        Dialog::Renew {
            name,
            new_key,
            revoke_old,
            on_old,
            root,
            dependants,
        } => {
            // A choice: its label, its value between ‹ ›, the one ←/→ changes highlighted.
            let choice = |label: &'static str, value: &'static str, focused: bool| {
                Line::from(vec![
                    Span::styled(
                        label,
                        if focused {
                            theme::key()
                        } else {
                            theme::label()
                        },
                    ),
                    Span::styled("‹ ", theme::dim()),
                    Span::styled(
                        value,
                        if focused {
                            theme::selected()
                        } else {
                            ratatui::style::Style::new()
                        },
                    ),
                    Span::styled(" ›", theme::dim()),
                ])
            };
            let mut lines = vec![
                Line::from(format!(
                    "Renew \"{name}\": the same subject, names, usages and issuer, valid from now with a fresh serial?"
                )),
                Line::from(Span::styled(
                    "The old files are moved into replaced/ in the workspace, not deleted.",
                    theme::warn(),
                )),
                Line::default(),
                choice(
                    "Key              ",
                    if *new_key {
                        "a new key pair"
                    } else {
                        "the same key"
                    },
                    !*on_old,
                ),
            ];
            if *root {
                lines.push(Line::from(Span::styled(
                    "Old certificate  a root is not revoked (no CA above it signs a CRL): it stays trusted where it was put.",
                    theme::dim(),
                )));
            } else {
                lines.push(choice(
                    "Old certificate  ",
                    if *revoke_old {
                        "revoked now (superseded), on its issuer's CRL"
                    } else {
                        "stays valid until its notAfter"
                    },
                    *on_old,
                ));
            }
            if *new_key && !dependants.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!(
                        "With a new key, what it issued stops verifying until it is renewed too: {}.",
                        certbench_base::text::display_safe(&dependants.join(", "), 300)
                    ),
                    theme::error(),
                )));
            }
            lines.push(Line::default());
            let mut keys: Vec<(&[Action], Option<&str>)> = Vec::new();
            if !*root {
                keys.push((&[Action::Up, Action::Down], Some("key / old certificate")));
            }
            keys.extend([
                (&[Action::Left, Action::Right][..], Some("change")),
                (&[Action::Confirm][..], Some("renew")),
                (&[Action::Cancel][..], Some("cancel")),
            ]);
            lines.push(key_line(keymap, Context::Renew, &keys));
            Some((" Renew ", lines))
        }
        Dialog::Trust {
            info,
            confirm,
            working,
        } => {
            let mut lines = Vec::new();
            match info {
                None => lines.push(Line::from(Span::styled(
                    if *working {
                        "Reading the trust stores…"
                    } else {
                        ""
                    },
                    theme::dim(),
                ))),
                Some(i) => {
                    lines.extend(i.lines.iter().map(|l| Line::from(l.clone())));
                    if *confirm {
                        lines.push(Line::default());
                        lines.push(Line::from(Span::styled(i.warning.clone(), theme::warn())));
                        lines.extend(i.would_install.iter().map(|l| Line::from(format!("  {l}"))));
                    }
                }
            }
            lines.push(Line::default());
            lines.push(if *confirm {
                key_line(
                    keymap,
                    Context::Trust,
                    &[
                        (&[Action::Confirm], Some("install")),
                        (&[Action::Cancel], Some("no")),
                    ],
                )
            } else if *working {
                key_line(
                    keymap,
                    Context::Trust,
                    &[(&[Action::Cancel], Some("close (the work goes on)"))],
                )
            } else {
                key_line(
                    keymap,
                    Context::Trust,
                    &[
                        (&[Action::TrustInstall], None),
                        (&[Action::TrustUninstall], None),
                        (&[Action::Cancel], Some("close")),
                    ],
                )
            });
            Some((" Trust stores (system, NSS, Java) ", lines))
        }
        _ => None,
    }
}

/// The Status window: every certificate with its days left (the next to expire first), each
/// CA's CRL, and the warnings, as `certbench status` says them.
pub fn draw_status(f: &mut Frame<'_>, app: &App, body: Rect, scroll: u16) {
    let Some(health) = &app.view.health else {
        return;
    };
    let area = crate::layout::centered(body, body.width, body.height);
    f.render_widget(Clear, area);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{:<20} {:<13} {:<22} {:>9}  state",
            "name", "role", "not after", "days left"
        ),
        theme::label(),
    ))];
    for c in &health.certificates {
        let style = match c.state {
            certbench_pki::workspace::State::Valid => theme::dim(),
            certbench_pki::workspace::State::ExpiresSoon => theme::warn(),
            _ => theme::error(),
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{:<20} {:<13} {:<22} {:>9}  ",
                certbench_base::text::display_safe(&c.name, 20),
                c.role.as_str(),
                certbench_base::text::rfc3339(c.not_after),
                c.days_left
            )),
            Span::styled(certbench_lab::aging::state(c.state), style),
        ]));
    }
    if !health.crls.is_empty() {
        lines.push(Line::default());
        for crl in &health.crls {
            lines.push(Line::from(Span::styled(
                format!(
                    "CRL of {}: next update {}{}",
                    crl.ca,
                    crl.next_update
                        .map(certbench_base::text::rfc3339)
                        .unwrap_or_else(|| "none".into()),
                    if crl.stale { " (stale)" } else { "" }
                ),
                if crl.stale {
                    theme::error()
                } else {
                    theme::dim()
                },
            )));
        }
    }
    lines.push(Line::default());
    if health.warnings.is_empty() {
        lines.push(Line::from(Span::styled(
            "No warnings: no certificate outlives its issuer, no key was kept across renewals, no CRL is stale.",
            theme::dim(),
        )));
    }
    let list_key = |a: Action| app.keymap.key_for(crate::keymap::Context::List, a);
    let keys = [
        ("key_renew", list_key(Action::Renew)),
        ("key_revoke", list_key(Action::Revoke)),
        ("key_responder", list_key(Action::ToggleResponder)),
    ];
    for w in &health.warnings {
        lines.push(Line::from(Span::styled(
            format!("▸ {}", certbench_lab::aging::warning_tui(w, &keys)),
            theme::warn(),
        )));
    }
    let renew = app
        .keymap
        .key_for(crate::keymap::Context::List, Action::Renew);
    let block = Block::bordered()
        .title(format!(
            " Status at {} (certbench status) ",
            certbench_base::text::rfc3339(health.at)
        ))
        .title_bottom(
            Line::from(format!(
                " esc close · ↑/↓ scroll · {renew} on the list renews "
            ))
            .right_aligned(),
        )
        .border_style(theme::border(true));
    // Rows as wrapped by words: every line can be scrolled to.
    let max = crate::panes::max_scroll(&block, area, &lines);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max), 0)),
        area,
    );
}
