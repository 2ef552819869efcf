//! The Generate pane's update: its keys (the list, the form) and the results of its work (a
//! certificate issued or revoked, a request read or signed, recipes, an export).

use certbench_x509::report::KeyPurpose;
use certbench_x509::{RevocationReason, Role};

use super::GeneratePane;
use super::form::FormField;
use crate::action::{Action, Effect, ExportChoice};
use crate::app::{CsrDialog, Cx, Dialog, Focus, Overlay, Severity, Status};
use crate::keymap::Context;
use crate::layout;

impl GeneratePane {
    /// An action for this pane: a key where the focus is, or a result of its work.
    pub fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let effects = self.update_inner(action, cx);
        // "Not issued: fields marked ✗" stands until they are fine, then says so.
        if self.refused && self.form.errors(&cx.view.ca_names(), cx.now).is_empty() {
            self.refused = false;
            if cx
                .status
                .as_ref()
                .is_some_and(|s| s.severity == Severity::Error)
            {
                let issue = cx.key_for(crate::keymap::Context::Form, Action::Issue);
                cx.say(
                    Severity::Info,
                    format!("Every field is fine now: {issue} issues it."),
                );
            }
        }
        effects
    }

    fn update_inner(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::ToggleResponder
            | Action::ResponderStarted(_)
            | Action::ResponderServed(_)
            | Action::ResponderStopped => return self.responder_update(action, cx),
            Action::ShowStatus
            | Action::Renew
            | Action::ShowTrust
            | Action::RenewFinished(_)
            | Action::TrustRead(_)
            | Action::TrustChanged(_) => return self.aging_update(action, cx),
            Action::ShowResult => {
                if self.last_issued.is_some() {
                    *cx.overlay = Some(Overlay::Result { scroll: 0 });
                } else {
                    cx.say(
                        Severity::Info,
                        "Nothing issued yet in this session: fill the form and press i.",
                    );
                }
            }
            Action::Completions { typed, candidates } if matches!(&cx.dialog, Some(Dialog::Csr(d)) if d.review.is_none() && d.path == typed) =>
            {
                if let Some(Dialog::Csr(d)) = &mut cx.dialog {
                    match candidates.len() {
                        0 => {
                            *cx.status = Some(Status {
                                severity: Severity::Info,
                                text: format!("Nothing matches {typed}"),
                            })
                        }
                        1 => d.path = candidates[0].clone(),
                        n => {
                            let common = crate::panes::inspect::common_prefix(&candidates);
                            if common.len() > d.path.len() {
                                d.path = common;
                            }
                            // Their last parts, as a shell lists them.
                            let names: Vec<&str> = candidates
                                .iter()
                                .map(|c| c.trim_end_matches('/').rsplit('/').next().unwrap_or(c))
                                .collect();
                            cx.say(Severity::Info, format!("{n} match: {}", names.join("  ")));
                        }
                    }
                }
            }
            Action::IssueFinished { spec, result } => {
                *cx.working = None;
                match result {
                    Ok(issued) => {
                        let files: Vec<String> = issued
                            .files
                            .iter()
                            .filter_map(|f| f.file_name())
                            .map(|f| f.to_string_lossy().into_owned())
                            .collect();
                        // A certificate that is not valid now is what was asked for (an expired
                        // one to test with, say), but it is said plainly.
                        let (severity, validity) = if cx.now > issued.entity.not_after {
                            (
                                Severity::Warning,
                                format!(
                                    " Already expired: it expired {} ago.",
                                    certbench_x509::span(cx.now - issued.entity.not_after)
                                ),
                            )
                        } else if cx.now < issued.entity.not_before {
                            (
                                Severity::Warning,
                                format!(
                                    " Not valid yet: it starts in {}.",
                                    certbench_x509::span(issued.entity.not_before - cx.now)
                                ),
                            )
                        } else {
                            (Severity::Success, String::new())
                        };
                        // The next certificate starts from the role's defaults: an expired
                        // not-before or a name typed for this one is not silently reused.
                        let mut taken = cx.view.names();
                        taken.push(issued.entity.name.clone());
                        let issuer = self.form.issuer.clone();
                        self.form.apply_role_defaults(&taken, &cx.view.ca_names());
                        if cx.view.ca_names().contains(&issuer) {
                            self.form.issuer = issuer;
                        }
                        let replaced = issued
                            .replaced_into
                            .as_ref()
                            .map(|p| format!(" The old files are in {}.", p.display()))
                            .unwrap_or_default();
                        cx.say(
                            severity,
                            format!(
                                "Issued {} \"{}\": {}.{replaced}{validity} A new form: role, issuer, key type kept.",
                                issued.entity.role.title(),
                                issued.entity.name,
                                files.join(", ")
                            ),
                        );
                        let select = Some(issued.entity.name.clone());
                        self.last_issued = Some(issued);
                        if !layout::shows_result_beside(cx.width) {
                            *cx.overlay = Some(Overlay::Result { scroll: 0 });
                        }
                        return vec![Effect::LoadWorkspace { select }];
                    }
                    Err(e) => match e.existing_file {
                        Some(path) => *cx.dialog = Some(Dialog::Overwrite { spec, path }),
                        None => cx.say(Severity::Error, e.message),
                    },
                }
            }
            Action::CsrRead(result) => {
                let taken = cx.view.names();
                if let Some(Dialog::Csr(d)) = &mut cx.dialog {
                    d.working = false;
                    match result {
                        Ok(review) => {
                            d.name = certbench_pki::csr::suggested_name(&review.request, &taken);
                            d.role = certbench_pki::csr::suggested_role(&review.request);
                            // A request for both gets both (the role can be changed).
                            let asks =
                                |oid: &str| certbench_pki::csr::asks_for(&review.request, oid);
                            d.both = asks(KeyPurpose::SERVER_AUTH) && asks(KeyPurpose::CLIENT_AUTH);
                            d.review = Some(review);
                            *cx.status = None;
                        }
                        Err(e) => cx.say(Severity::Error, e),
                    }
                }
            }
            Action::CsrSigned(result) => {
                let Some(Dialog::Csr(mut d)) = cx.dialog.take() else {
                    return vec![];
                };
                d.working = false;
                match result {
                    Ok(issued) => {
                        let files: Vec<String> = issued
                            .files
                            .iter()
                            .filter_map(|f| f.file_name())
                            .map(|f| f.to_string_lossy().into_owned())
                            .collect();
                        cx.say(
                            Severity::Success,
                            format!(
                                "Signed the request as {} \"{}\": {}; no key (it stays with whoever made the request).",
                                issued.entity.role.title(),
                                issued.entity.name,
                                files.join(", ")
                            ),
                        );
                        let select = Some(issued.entity.name.clone());
                        self.last_issued = Some(issued);
                        return vec![Effect::LoadWorkspace { select }];
                    }
                    Err(e) => {
                        match &e.existing_file {
                            Some(path) => {
                                d.replace = true;
                                cx.say(
                                    Severity::Warning,
                                    format!(
                                        "{} exists: {} replaces it (the old files go to replaced/), {} keeps it.",
                                        path.display(),
                                        cx.keymap.key_for(Context::Review, Action::Activate),
                                        cx.keymap.key_for(Context::Review, Action::Back)
                                    ),
                                );
                            }
                            None => cx.say(Severity::Error, e.message),
                        }
                        *cx.dialog = Some(Dialog::Csr(d));
                    }
                }
            }
            Action::RecipesMade(result) => match result {
                Ok(text) => {
                    if let Some((_, shown)) = &mut self.recipes {
                        *shown = text;
                        *cx.overlay = Some(Overlay::Recipes { scroll: 0 });
                    }
                }
                Err(e) => {
                    self.recipes = None;
                    cx.say(Severity::Error, format!("No recipes: {e}"));
                }
            },
            Action::ExportFinished(result) => {
                let Some(Dialog::Export {
                    name,
                    choices,
                    choice,
                    password,
                    ..
                }) = cx.dialog.take()
                else {
                    return vec![];
                };
                match result {
                    Ok(done) => {
                        let file = done
                            .path
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let what = choices
                            .get(choice)
                            .map(|c| c.words().title)
                            .unwrap_or_default();
                        cx.say(
                            Severity::Success,
                            format!(
                                "Wrote {file} in the workspace ({what}{}{}).",
                                if done.private { ", mode 0600" } else { "" },
                                if done.replaced {
                                    ", replacing the file that was there"
                                } else {
                                    ""
                                }
                            ),
                        );
                    }
                    Err(e) => {
                        let replace = e.existing_file.is_some();
                        match &e.existing_file {
                            Some(path) => cx.say(
                                Severity::Warning,
                                format!(
                                    "{} exists: {} replaces it, {} keeps it.",
                                    path.display(),
                                    cx.keymap.key_for(Context::Export, Action::Activate),
                                    cx.keymap.key_for(Context::Export, Action::Back)
                                ),
                            ),
                            None => cx.say(Severity::Error, e.message),
                        }
                        *cx.dialog = Some(Dialog::Export {
                            name,
                            choices,
                            choice,
                            password,
                            replace,
                            working: false,
                        });
                    }
                }
            }
            Action::RevokeFinished(result) => {
                *cx.working = None;
                match result {
                    Ok(r) => {
                        cx.say(
                            Severity::Success,
                            format!(
                                "Revoked \"{}\": {} lists {} certificate{}",
                                r.name,
                                r.crl_path
                                    .file_name()
                                    .map(|f| f.to_string_lossy().into_owned())
                                    .unwrap_or_default(),
                                r.listed,
                                certbench_base::text::plural(r.listed)
                            ),
                        );
                        return vec![Effect::LoadWorkspace { select: None }];
                    }
                    Err(e) => cx.say(Severity::Error, e),
                }
            }
            other if self.focus == Focus::Form => return self.update_form(other, cx),
            other => return self.update_list(other, cx),
        }
        vec![]
    }

    fn update_list(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let n = cx.view.rows.len();
        match action {
            Action::Up => self.list_selected = self.list_selected.saturating_sub(1),
            Action::Down => self.list_selected = (self.list_selected + 1).min(n.saturating_sub(1)),
            Action::First => self.list_selected = 0,
            Action::Last => self.list_selected = n.saturating_sub(1),
            Action::Activate => self.focus = Focus::Form,
            Action::NewUnderSelected => {
                let selected = cx
                    .view
                    .rows
                    .get(self.list_selected)
                    .map(|r| r.entity.clone());
                let taken = cx.view.names();
                let cas = cx.view.ca_names();
                match selected {
                    Some(e) if e.role.is_ca() && e.revoked.is_none() => {
                        let role = if e.role == Role::Ca && !cas.iter().any(|c| c != &e.name) {
                            Role::Intermediate
                        } else {
                            Role::Server
                        };
                        self.form.role = role;
                        self.form.apply_role_defaults(&taken, &cas);
                        self.form.issuer = e.name.clone();
                        cx.say(
                            Severity::Info,
                            format!(
                                "New {} issued by \"{}\": Role ←/→ changes what it is.",
                                role.title(),
                                e.name
                            ),
                        );
                    }
                    _ => {
                        self.form.apply_role_defaults(&taken, &cas);
                    }
                }
                self.form.selected = 0;
                self.focus = Focus::Form;
            }
            Action::StartSignRequest => {
                *cx.dialog = Some(Dialog::Csr(Box::new(CsrDialog {
                    path: String::new(),
                    review: None,
                    role: Role::Server,
                    name: String::new(),
                    sans: String::new(),
                    typing_sans: false,
                    both: false,
                    scroll: 0,
                    replace: false,
                    working: false,
                })));
            }
            Action::ShowRecipes => match cx.view.rows.get(self.list_selected) {
                None => cx.say(Severity::Info, "The workspace is empty: no recipes yet."),
                Some(r) => {
                    let name = r.entity.name.clone();
                    self.recipes = Some((name.clone(), String::new()));
                    return vec![Effect::MakeRecipes { name }];
                }
            },
            Action::StartExport => match cx.view.rows.get(self.list_selected) {
                None => cx.say(Severity::Info, "There is nothing to export."),
                Some(r) => {
                    // The key's files only for a leaf whose key the workspace holds.
                    let choices: Vec<ExportChoice> = ExportChoice::ALL
                        .into_iter()
                        .filter(|c| {
                            !c.holds_key() || (r.entity.role.is_leaf() && r.entity.key.is_some())
                        })
                        .collect();
                    *cx.dialog = Some(Dialog::Export {
                        name: r.entity.name.clone(),
                        choices,
                        choice: 0,
                        password: Default::default(),
                        replace: false,
                        working: false,
                    });
                }
            },
            Action::Revoke => match cx.view.rows.get(self.list_selected) {
                None => cx.say(Severity::Info, "There is nothing to revoke."),
                Some(r) if r.entity.issuer.is_none() => cx.say(
                    Severity::Error,
                    format!(
                        "\"{}\" is a root CA: no CRL can list it; stop trusting it instead",
                        r.entity.name
                    ),
                ),
                Some(r) if r.entity.revoked.is_some() => cx.say(
                    Severity::Info,
                    format!("\"{}\" is already revoked", r.entity.name),
                ),
                Some(r) => {
                    *cx.dialog = Some(Dialog::Revoke {
                        name: r.entity.name.clone(),
                        reason: RevocationReason::Unspecified,
                    })
                }
            },
            _ => {}
        }
        vec![]
    }

    fn update_form(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let field = self.form.field();
        if matches!(action, Action::NextField | Action::PrevField) {
            // Tab: done with this field, and typing in the next text field (past the last one,
            // the Issue button). Letters typed next go into a field, never to a command.
            self.form.editing = None;
            let forward = matches!(action, Action::NextField);
            match self.form.next_text_field(forward) {
                Some(next) => {
                    self.form.select(next);
                    self.form.editing = Some(self.form.text(next).to_string());
                    self.form.replace_on_type = true;
                }
                None if forward => self.form.select(FormField::IssueButton),
                None => {}
            }
            return vec![];
        }
        if self.form.editing.is_some() {
            // The value of a field reached with Tab is replaced by what is typed first.
            let replace = std::mem::take(&mut self.form.replace_on_type);
            match action {
                Action::Insert(c) => {
                    let mut v = if replace {
                        String::new()
                    } else {
                        self.form.text(field).to_string()
                    };
                    if v.chars().count() < 1024 {
                        v.push(c);
                    }
                    self.form.edit_text(field, v);
                }
                Action::DeleteBack => {
                    let mut v = self.form.text(field).to_string();
                    if replace {
                        v.clear();
                    } else {
                        v.pop();
                    }
                    self.form.edit_text(field, v);
                }
                Action::ClearField => self.form.edit_text(field, ""),
                Action::Activate => self.form.editing = None,
                Action::Down => {
                    self.form.editing = None;
                    let last = self.form.fields().len() - 1;
                    self.form.selected = (self.form.selected + 1).min(last);
                }
                Action::Back => {
                    if let Some(old) = self.form.editing.take() {
                        self.form.edit_text(field, old);
                    }
                }
                _ => {}
            }
            return vec![];
        }
        let cas = cx.view.ca_names();
        let taken = cx.view.names();
        match action {
            Action::Up => self.form.selected = self.form.selected.saturating_sub(1),
            Action::First => self.form.selected = 0,
            Action::Last => self.form.selected = self.form.fields().len() - 1,
            Action::Down => {
                let last = self.form.fields().len() - 1;
                self.form.selected = (self.form.selected + 1).min(last)
            }
            Action::Left | Action::Right if field.is_choice() => {
                self.form
                    .cycle(matches!(action, Action::Right), &cas, &taken)
            }
            Action::Activate if field.is_choice() => self.form.cycle(true, &cas, &taken),
            Action::Activate if field.is_text() => {
                self.form.editing = Some(self.form.text(field).to_string())
            }
            Action::Activate | Action::Issue => return self.issue(cx),
            Action::ResetForm => {
                self.form.apply_role_defaults(&taken, &cas);
                cx.say(
                    Severity::Info,
                    format!(
                        "The form has the {} defaults again.",
                        self.form.role.title()
                    ),
                );
            }
            Action::Back => self.focus = Focus::List,
            _ => {}
        }
        vec![]
    }

    fn issue(&mut self, cx: &mut Cx<'_>) -> Vec<Effect> {
        if cx.working.is_some() {
            cx.say(Severity::Info, "Still working on the last request…");
            return vec![];
        }
        let errors = self.form.errors(&cx.view.ca_names(), cx.now);
        if let Some((field, _)) = errors.first() {
            // Fields, not messages: a field can have several.
            let mut fields: Vec<FormField> = errors.iter().map(|(f, _)| *f).collect();
            fields.sort_by_key(|f| *f as usize);
            fields.dedup();
            let n = fields.len();
            cx.say(
                Severity::Error,
                format!(
                    "Not issued: {n} field{} marked ✗ need{} a look.",
                    certbench_base::text::plural(n),
                    if n == 1 { "s" } else { "" }
                ),
            );
            self.form.select(*field);
            self.refused = true;
            return vec![];
        }
        let (spec, _) = self.form.to_spec();
        self.start_issue(Box::new(spec), false, cx)
    }

    /// Issue `spec`; first, a name a CA above does not allow is asked about (the constraints
    /// are the view's, read with the workspace: nothing is read here).
    pub(super) fn start_issue(
        &mut self,
        spec: Box<certbench_pki::IssueSpec>,
        overwrite: bool,
        cx: &mut Cx<'_>,
    ) -> Vec<Effect> {
        let row = |name: &str| cx.view.rows.iter().find(|r| r.entity.name == name);
        let breaches = certbench_pki::workspace::breaches_under(
            &spec,
            &|n| row(n).and_then(|r| r.entity.issuer.clone()),
            &|n| row(n).and_then(|r| r.constraints.clone()),
        );
        if !breaches.is_empty() {
            *cx.dialog = Some(Dialog::Constrained {
                spec,
                overwrite,
                breaches: breaches.iter().map(|b| b.finding().describe()).collect(),
            });
            return vec![];
        }
        self.sign(spec, overwrite, cx)
    }

    /// Issue `spec` now (in a task).
    pub(super) fn sign(
        &mut self,
        spec: Box<certbench_pki::IssueSpec>,
        overwrite: bool,
        cx: &mut Cx<'_>,
    ) -> Vec<Effect> {
        let slow = if spec.key_alg.is_slow() {
            " (RSA keys take a few seconds)"
        } else {
            ""
        };
        *cx.working = Some(format!(
            "Issuing {} \"{}\" with a new {} key{slow}",
            spec.role.title(),
            spec.name,
            spec.key_alg.title()
        ));
        *cx.status = None;
        vec![Effect::Issue { spec, overwrite }]
    }
}
