//! The Inspect pane's update: its keys (the list, the filter, the fields, the bytes, the prompts
//! for a path, a name, a time or a password) and the results of its work (files read, paths
//! completed, a run's certificates saved to be opened here).

use std::path::PathBuf;

use super::{AfterLoad, Focus as InspectFocus, InspectState, Prompt, PromptKind};
use crate::action::{Action, CertificatesToOpen, Effect, Pane};
use crate::app::{Cx, Severity, Status};
use crate::keymap::Context;
use crate::layout;
use certbench_x509::verify::Purpose;

impl InspectState {
    /// An action for this pane: a key where the focus is, or a result of its work.
    pub fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::OpenCertificates(asked) => return self.open_certificates(asked, cx),
            Action::Completions { typed, candidates } => {
                if let Some(p) = self.prompt.as_mut().filter(|p| p.text == typed) {
                    match candidates.len() {
                        0 => {
                            *cx.status = Some(Status {
                                severity: Severity::Info,
                                text: format!("Nothing matches {typed}"),
                            })
                        }
                        1 => {
                            p.text = candidates[0].clone();
                            p.candidates.clear();
                        }
                        _ => {
                            let common = crate::panes::inspect::common_prefix(&candidates);
                            if common.len() > p.text.len() {
                                p.text = common;
                            }
                            p.candidates = candidates;
                        }
                    }
                }
            }
            Action::CertificatesExported {
                ders,
                field,
                relayed,
                lab,
                result,
                staple,
            } => match result {
                Ok(path) => {
                    // Each lab run makes its PKI anew under the same names: an earlier run's
                    // certificates left here would be taken for this one's issuers, and the
                    // chain judged through them. They go; this run's come.
                    let lab_folder = path
                        .parent()
                        .map(std::path::Path::to_path_buf)
                        .filter(|_| lab);
                    let replaced = match &lab_folder {
                        Some(folder) => {
                            let before = self.open.len();
                            self.open.retain(|p| p.parent() != Some(folder.as_path()));
                            self.exported
                                .retain(|_, p| p.parent() != Some(folder.as_path()));
                            self.open.len() < before
                        }
                        None => false,
                    };
                    self.exported.insert(ders, path.clone());
                    // What happened first, the paths last: two lines at 80 columns cut the end.
                    let name = |p: &std::path::Path| {
                        p.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    };
                    let folder = path.parent().unwrap_or(std::path::Path::new(""));
                    cx.say(
                        Severity::Success,
                        if let Some(s) = &staple {
                            format!(
                                "Opened here with the server's OCSP staple, saved in {}: {}, {}",
                                folder.display(),
                                name(&path),
                                name(s)
                            )
                        } else if relayed {
                            format!(
                                "Opened here, judged against the workspace's CAs: the program that refused it trusts its own, which the wire does not show (saved as {})",
                                path.display()
                            )
                        } else {
                            format!("Opened here, saved as {}", path.display())
                        },
                    );
                    *cx.pane = Pane::Inspect;
                    let after = AfterLoad {
                        select: Some(path.clone()),
                        field,
                        announce: false,
                    };
                    let paths: Vec<PathBuf> = std::iter::once(path).chain(staple).collect();
                    if replaced {
                        // Read all again, without what went.
                        for p in paths {
                            if !self.open.contains(&p) {
                                self.open.push(p);
                            }
                        }
                        return vec![self.load_inspect(after)];
                    }
                    return vec![self.open_in_inspect(paths, after)];
                }
                Err(e) => cx.say(
                    Severity::Error,
                    format!("Could not save the certificates: {e}"),
                ),
            },
            Action::InspectLoaded(mut loaded) => {
                let after = std::mem::take(&mut loaded.after);
                let n = loaded.items.iter().filter(|i| i.result.is_err()).count();
                let passed_over = loaded.passed_over;
                // A file just opened: said whole, a bundle's password too.
                let opened = after.select.as_ref().map(|source| {
                    let of_it: Vec<_> = loaded
                        .items
                        .iter()
                        // A file, or what was read in a folder.
                        .filter(|i| i.source.starts_with(source))
                        .collect();
                    // The bundle that needs a password is named, not the folder it is in.
                    let locked = of_it
                        .iter()
                        .find(|i| certbench_x509::load::is_locked_pkcs12(i))
                        .map(|i| i.source.clone());
                    let read = of_it.iter().filter(|i| i.result.is_ok()).count();
                    let wrong = of_it.iter().any(|i| {
                        matches!(
                            i.result,
                            Err(certbench_x509::error::LoadError::Pkcs12(
                                certbench_x509::error::Pkcs12Problem::WrongPassword
                            ))
                        )
                    });
                    (source.clone(), locked, read, wrong)
                });
                self.set_loaded(*loaded, cx.now);
                if let Some((source, _, _, true)) = &opened {
                    // A password that does not open it is not tried again.
                    self.passwords.retain(|(s, _)| s != source);
                }
                if let Some((source, locked, read, wrong)) = &opened
                    && *cx.pane == Pane::Inspect
                {
                    let file = source
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if *wrong {
                        cx.say(
                            Severity::Error,
                            format!(
                                "That password does not open {file}: {} to try again.",
                                cx.keymap.key_for(Context::Inspect, Action::Activate)
                            ),
                        );
                    } else if let Some(bundle) = locked {
                        let bundle = bundle
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or(file);
                        cx.say(
                            Severity::Warning,
                            format!(
                                "{bundle} needs its password: {} on it to type it.",
                                cx.keymap.key_for(Context::Inspect, Action::Activate)
                            ),
                        );
                    } else if *read > 0 && after.announce {
                        cx.say(
                            Severity::Success,
                            match passed_over {
                                0 => format!(
                                    "Read {file}: {read} item{}.",
                                    certbench_base::text::plural(*read)
                                ),
                                p => format!(
                                    "Read {file}: {read} item{}; passed over {p} file{} with no certificate, CRL or CSR (keys, notes).",
                                    certbench_base::text::plural(*read),
                                    certbench_base::text::plural(p)
                                ),
                            },
                        );
                    }
                }
                if let Some(source) = &after.select {
                    self.focus_source(source, cx.now);
                    if let Some(field) = after.field {
                        self.focus_field(field);
                    }
                }
                if n > 0
                    && *cx.pane == Pane::Inspect
                    && opened.is_none_or(|(_, l, r, _)| l.is_none() && r == 0)
                {
                    cx.say(
                        Severity::Error,
                        format!(
                            "{n} item{} could not be read: marked ✗ in the list",
                            certbench_base::text::plural(n)
                        ),
                    );
                }
            }
            other => return self.update_keys(other, cx),
        }
        vec![]
    }

    /// Open a run's certificates here: the file saved for the same certificates before, if
    /// there is one (opening them twice would list them twice), else save them first.
    fn open_certificates(
        &mut self,
        asked: Box<CertificatesToOpen>,
        cx: &mut Cx<'_>,
    ) -> Vec<Effect> {
        if let Some(path) = self.exported.get(&asked.ders).cloned() {
            *cx.pane = Pane::Inspect;
            self.focus_source(&path, cx.now);
            if let Some(field) = asked.field {
                self.focus_field(field);
            }
            cx.say(
                Severity::Info,
                format!("Already open here, from {}", path.display()),
            );
            return vec![];
        }
        vec![Effect::SaveCertificates(asked)]
    }

    /// Open `path` here: read it alone and append it to what is loaded, or, when nothing is
    /// loaded yet, load everything (which includes it); `after` says what to do once it is read.
    fn open_in_inspect(&mut self, paths: Vec<PathBuf>, after: AfterLoad) -> Effect {
        let new: Vec<PathBuf> = paths
            .into_iter()
            .filter(|p| !self.open.contains(p))
            .collect();
        if new.is_empty() {
            // Read again: the files may have changed since.
            return self.load_inspect(after);
        }
        self.open.extend(new.iter().cloned());
        if self.loading || self.loaded.items.is_empty() {
            return self.load_inspect(after);
        }
        self.loading = true;
        Effect::AddToInspect {
            paths: new,
            loaded: self.loaded.items.clone(),
            after,
        }
    }

    /// Read everything this pane shows again (in a task); `after` says what to do once it is read.
    pub fn load_inspect(&mut self, after: AfterLoad) -> Effect {
        self.loading = true;
        Effect::LoadInspect {
            open: self.open.clone(),
            system: self.system,
            passwords: self.passwords.clone(),
            after,
        }
    }

    fn update_prompt(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        let Some(p) = self.prompt.as_mut() else {
            return vec![];
        };
        if p.kind == PromptKind::Password {
            match action {
                Action::Insert(c) => p.secret.push(c),
                Action::DeleteBack => p.secret.pop(),
                Action::ClearField => p.secret.clear(),
                Action::Back => self.prompt = None,
                Action::Activate => {
                    let password = std::mem::take(&mut p.secret);
                    let file = p.file.take();
                    self.prompt = None;
                    if let Some(source) = file {
                        self.loading = true;
                        self.passwords.retain(|(s, _)| *s != source);
                        self.passwords.push((source.clone(), password.clone()));
                        return vec![Effect::OpenPkcs12 {
                            after: AfterLoad {
                                select: Some(source.clone()),
                                field: None,
                                announce: true,
                            },
                            source,
                            password,
                            loaded: self.loaded.items.clone(),
                        }];
                    }
                }
                _ => {}
            }
            return vec![];
        }
        match action {
            Action::Insert(c) => {
                p.text.push(c);
                p.candidates.clear();
            }
            Action::DeleteBack => {
                p.text.pop();
                p.candidates.clear();
            }
            Action::ClearField => p.text.clear(),
            Action::Complete if p.kind == PromptKind::Open => {
                return vec![Effect::CompletePath(p.text.clone())];
            }
            Action::Back => self.prompt = None,
            Action::Activate if p.kind == PromptKind::Name => {
                let text = p.text.trim().to_string();
                self.prompt = None;
                self.verify.name = (!text.is_empty()).then_some(text);
                self.reselect(cx.now);
            }
            Action::Activate if p.kind == PromptKind::Time => {
                let text = p.text.trim().to_string();
                let now = cx.now.replace_nanosecond(0).unwrap_or(cx.now);
                match certbench_base::times::parse_verify_time(&text, now) {
                    Ok(t) => {
                        self.prompt = None;
                        self.verify.at =
                            (!text.is_empty() && !text.eq_ignore_ascii_case("now")).then_some(t);
                        self.reselect(cx.now);
                        // Said, in place of a refused time's error.
                        cx.say(
                            Severity::Info,
                            match self.verify.at {
                                Some(at) => format!(
                                    "Verified at {} from now on",
                                    certbench_base::text::rfc3339(at)
                                ),
                                None => "Verified at the time it is now".to_string(),
                            },
                        );
                    }
                    Err(e) => cx.say(Severity::Error, e.to_string()),
                }
            }
            Action::Activate => {
                let text = p.text.trim().to_string();
                self.prompt = None;
                if text.is_empty() {
                    return vec![];
                }
                let path = expand_home(&text);
                cx.say(Severity::Info, format!("Opening {}…", path.display()));
                // Selected once read (a file; a folder's items keep the cursor where it is), and
                // said.
                let after = AfterLoad {
                    select: Some(path.clone()),
                    field: None,
                    announce: true,
                };
                return vec![self.open_in_inspect(vec![path], after)];
            }
            _ => {}
        }
        vec![]
    }

    fn update_keys(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        if self.prompt.is_some() {
            return self.update_prompt(action, cx);
        }
        match action {
            Action::ScrollDown => {
                let most = cx.scroll_limit;
                let s = &mut *self;
                s.side_scroll = (s.side_scroll + cx.scroll_page).min(most);
                return vec![];
            }
            Action::ScrollUp => {
                self.side_scroll = self.side_scroll.saturating_sub(cx.scroll_page);
                return vec![];
            }
            _ => {}
        }
        let now = cx.now;
        let s = &mut *self;
        if s.filter_editing.is_some() {
            match action {
                Action::Insert(c) => s.filter.push(c),
                Action::DeleteBack => {
                    s.filter.pop();
                }
                Action::ClearField => s.filter.clear(),
                // Enter, Tab (the form's "done, next" while typing) or ↓: done with the filter.
                Action::Activate | Action::Down | Action::NextField | Action::PrevField => {
                    s.filter_editing = None
                }
                Action::Back => {
                    if let Some(old) = s.filter_editing.take() {
                        s.filter = old;
                    }
                }
                _ => {}
            }
            s.refilter();
            s.select(now);
            return vec![];
        }
        let page = (cx.height as isize - 8).max(1);
        match (s.focus, action) {
            (InspectFocus::List, Action::Up) => s.move_list(-1, now),
            (InspectFocus::List, Action::Down) => s.move_list(1, now),
            (InspectFocus::List, Action::PageUp) => s.move_list(-page, now),
            (InspectFocus::List, Action::PageDown) => s.move_list(page, now),
            (InspectFocus::List, Action::First) => s.move_list(isize::MIN / 2, now),
            (InspectFocus::List, Action::Last) => s.move_list(isize::MAX / 2, now),
            (InspectFocus::List, Action::StartFilter) => s.filter_editing = Some(s.filter.clone()),
            (InspectFocus::List, Action::StartOpen) => s.prompt = Some(Default::default()),
            (InspectFocus::List, Action::VerifyName) => {
                s.prompt = Some(Prompt {
                    kind: PromptKind::Name,
                    text: s.verify.name.clone().unwrap_or_default(),
                    ..Default::default()
                })
            }
            (InspectFocus::List, Action::VerifyTime) => {
                s.prompt = Some(Prompt {
                    kind: PromptKind::Time,
                    ..Default::default()
                })
            }
            (InspectFocus::List, Action::CyclePurpose) => {
                s.verify.purpose = match s.verify.purpose {
                    None => Some(Purpose::Server),
                    Some(Purpose::Server) => Some(Purpose::Client),
                    Some(Purpose::Client) => None,
                };
                s.reselect(now);
            }
            // A PKCS#12 bundle waiting for its password: Enter asks for it.
            (InspectFocus::List, Action::Activate)
                if s.current_item()
                    .is_some_and(certbench_x509::load::is_locked_pkcs12) =>
            {
                let file = s.current_item().map(|i| i.source.clone());
                s.prompt = Some(Prompt {
                    kind: PromptKind::Password,
                    file,
                    ..Default::default()
                });
            }
            (InspectFocus::List, Action::Activate) if !s.nodes().is_empty() => {
                s.focus = InspectFocus::Fields
            }
            (InspectFocus::Fields, Action::Up) => s.move_field(-1),
            (InspectFocus::Fields, Action::Down) => s.move_field(1),
            (InspectFocus::Fields, Action::PageUp) => s.move_field(-page),
            (InspectFocus::Fields, Action::PageDown) => s.move_field(page),
            (InspectFocus::Fields, Action::First) => s.move_field(isize::MIN / 2),
            (InspectFocus::Fields, Action::Last) => s.move_field(isize::MAX / 2),
            (InspectFocus::Fields, Action::Activate) => {
                s.focus = InspectFocus::Hex;
                if let Some(n) = s.nodes().get(s.field) {
                    s.hex_cursor = n.start;
                }
            }
            (InspectFocus::Fields, Action::Back) => s.focus = InspectFocus::List,
            (InspectFocus::Hex, Action::Left) => s.move_hex(-1),
            (InspectFocus::Hex, Action::Right) => s.move_hex(1),
            (InspectFocus::Hex, Action::Up) => {
                s.move_hex(-(layout::hex_bytes_per_row(cx.width) as isize))
            }
            (InspectFocus::Hex, Action::Down) => {
                s.move_hex(layout::hex_bytes_per_row(cx.width) as isize)
            }
            (InspectFocus::Hex, Action::Back) => s.focus = InspectFocus::Fields,
            _ => {}
        }
        vec![]
    }
}

/// `~/x` as the home folder's x.
pub(crate) fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    }
}
