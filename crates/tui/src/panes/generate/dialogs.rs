//! The Generate pane's dialogs: replace a file, revoke with a reason, export with a password,
//! sign a request after its review.

use certbench_x509::{RevocationReason, Role};

use super::GeneratePane;
use crate::action::{Action, Effect, ExportChoice};
use crate::app::{CsrDialog, Cx, Dialog, Severity};

impl GeneratePane {
    fn update_csr(
        &mut self,
        mut d: Box<CsrDialog>,
        action: Action,
        cx: &mut Cx<'_>,
    ) -> Vec<Effect> {
        let mut effects = vec![];
        match action {
            // Esc on "exists: Enter replaces it" takes the question back, not the review.
            Action::Back | Action::Cancel if d.replace && !d.working => {
                d.replace = false;
                cx.say(Severity::Info, "Nothing was replaced.");
            }
            Action::Back | Action::Cancel => {
                *cx.dialog = None;
                cx.say(Severity::Info, "Nothing was signed.");
                return vec![];
            }
            _ if d.working => {}
            // The path.
            Action::Insert(c) if d.review.is_none() => d.path.push(c),
            Action::DeleteBack if d.review.is_none() => {
                d.path.pop();
            }
            Action::ClearField if d.review.is_none() => d.path.clear(),
            Action::Complete if d.review.is_none() => {
                effects.push(Effect::CompletePath(d.path.clone()))
            }
            Action::Activate if d.review.is_none() => {
                let typed = d.path.trim();
                if typed.is_empty() {
                    cx.say(
                        Severity::Warning,
                        "Type the path of the request (.csr) first.",
                    );
                } else {
                    d.working = true;
                    effects.push(Effect::ReadCsr {
                        path: crate::panes::inspect::expand_home(typed),
                    });
                }
            }
            // The review.
            Action::Up | Action::ScrollUp => d.scroll = d.scroll.saturating_sub(1),
            Action::Down | Action::ScrollDown | Action::PageDown => {
                let step = if matches!(action, Action::PageDown) {
                    8
                } else {
                    1
                };
                let most = d
                    .grant()
                    .and_then(Result::ok)
                    .map_or(0, |g| g.decisions.len() + g.added_sans.len());
                // About as many rows as the review shows below its header (ui::csr_lines).
                let room = usize::from(cx.height).saturating_sub(14).max(1);
                d.scroll = (usize::from(d.scroll) + step).min(most.saturating_sub(room)) as u16;
            }
            Action::PageUp => d.scroll = d.scroll.saturating_sub(8),
            Action::Complete | Action::NextField | Action::PrevField => {
                d.typing_sans = !d.typing_sans
            }
            // server → client → server + client, round (← goes back).
            Action::Left | Action::Right => {
                let choices = [
                    (Role::Server, false),
                    (Role::Client, false),
                    (Role::Server, true),
                ];
                let at = choices
                    .iter()
                    .position(|c| *c == (d.role, d.both))
                    .unwrap_or(0);
                let next = if matches!(action, Action::Right) {
                    (at + 1) % 3
                } else {
                    (at + 2) % 3
                };
                (d.role, d.both) = choices[next];
                d.replace = false;
            }
            Action::Insert(c) => {
                if d.typing_sans {
                    d.sans.push(c);
                } else {
                    d.name.push(c);
                }
                d.replace = false;
            }
            Action::DeleteBack => {
                if d.typing_sans {
                    d.sans.pop();
                } else {
                    d.name.pop();
                }
                d.replace = false;
            }
            Action::ClearField if d.typing_sans => d.sans.clear(),
            Action::ClearField => d.name.clear(),
            Action::Activate => match d.grant() {
                Some(Ok(grant)) => {
                    let errors = grant.spec.validate(&cx.view.ca_names(), cx.now);
                    if let Some(e) = errors.first() {
                        cx.say(
                            Severity::Error,
                            format!("{}: {}", e.field.label(), e.problem),
                        );
                    } else if let Some(r) = &d.review {
                        d.working = true;
                        effects.push(Effect::SignCsr {
                            request: Box::new(r.request.clone()),
                            grant: Box::new(grant),
                            replace: d.replace,
                        });
                    }
                }
                Some(Err(e)) => cx.say(Severity::Error, e.to_string()),
                None => {}
            },
            _ => {}
        }
        *cx.dialog = Some(Dialog::Csr(d));
        effects
    }

    pub fn update_dialog(
        &mut self,
        dialog: Dialog,
        action: Action,
        cx: &mut Cx<'_>,
    ) -> Vec<Effect> {
        if let Dialog::Csr(d) = dialog {
            return self.update_csr(d, action, cx);
        }
        if matches!(dialog, Dialog::Renew { .. } | Dialog::Trust { .. }) {
            return self.update_aging_dialog(dialog, action, cx);
        }
        if let Dialog::Export {
            name,
            choices,
            mut choice,
            mut password,
            mut replace,
            working,
        } = dialog
        {
            let current = choices.get(choice).copied().unwrap_or(ExportChoice::Der);
            let needs_password = current.format().needs_password();
            match action {
                // Esc on "exists: Enter replaces it" takes the question back, not the dialog.
                Action::Back | Action::Cancel if replace && !working => {
                    replace = false;
                    cx.say(Severity::Info, "Nothing was replaced.");
                }
                Action::Back | Action::Cancel => {
                    *cx.dialog = None;
                    cx.say(Severity::Info, "Nothing was written.");
                    return vec![];
                }
                _ if working => {}
                Action::Left | Action::Right if !choices.is_empty() => {
                    let n = choices.len();
                    choice = if matches!(action, Action::Right) {
                        (choice + 1) % n
                    } else {
                        (choice + n - 1) % n
                    };
                    replace = false;
                }
                Action::Insert(c) if needs_password => password.push(c),
                Action::DeleteBack => password.pop(),
                Action::ClearField => password.clear(),
                Action::Activate if needs_password && password.is_empty() => {
                    cx.say(
                        Severity::Warning,
                        "Type a password first: the PKCS#12 file is protected by it.",
                    );
                }
                Action::Activate => {
                    *cx.dialog = Some(Dialog::Export {
                        name: name.clone(),
                        choices,
                        choice,
                        password: password.clone(),
                        replace,
                        working: true,
                    });
                    return vec![Effect::Export {
                        name,
                        choice: current,
                        password,
                        replace,
                    }];
                }
                _ => {}
            }
            *cx.dialog = Some(Dialog::Export {
                name,
                choices,
                choice,
                password,
                replace,
                working,
            });
            return vec![];
        }
        match (dialog, action) {
            (_, Action::Cancel) => {
                *cx.dialog = None;
                cx.say(Severity::Info, "Nothing was changed.");
            }
            // The request's names were asked about before the file was found.
            (Dialog::Overwrite { spec, .. }, Action::Confirm) => {
                *cx.dialog = None;
                return self.sign(spec, true, cx);
            }
            (
                Dialog::Constrained {
                    spec, overwrite, ..
                },
                Action::Confirm,
            ) => {
                *cx.dialog = None;
                return self.sign(spec, overwrite, cx);
            }
            (Dialog::Revoke { name, reason }, Action::Confirm) => {
                *cx.dialog = None;
                *cx.working = Some(format!("Revoking \"{name}\" and signing a new CRL"));
                return vec![Effect::Revoke { name, reason }];
            }
            (Dialog::Revoke { name, reason }, a @ (Action::Left | Action::Right)) => {
                let all = RevocationReason::ALL;
                let i = all.iter().position(|r| *r == reason).unwrap_or(0);
                let n = all.len();
                let next = if matches!(a, Action::Right) {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                *cx.dialog = Some(Dialog::Revoke {
                    name,
                    reason: all[next],
                });
            }
            _ => {}
        }
        vec![]
    }
}
