//! The Generate pane: the workspace's certificates as a tree, the form that issues a new one, and
//! what the last one issued is; its dialogs (replace, revoke, export, sign a request).

mod aging;
mod dialogs;
mod draw;
pub mod form;
mod responder;
mod update;

use certbench_pki::workspace::Issued;
use certbench_x509::Role;

use crate::app::Focus;
use crate::keymap::Context;
use crate::view::WorkspaceView;
use form::IssueForm;

pub use aging::{dialog_lines, draw_status};
pub use draw::{draw, draw_result_overlay};
#[cfg(test)]
pub use responder::ResponderState;

/// The Generate pane's state.
#[derive(Debug)]
pub struct GeneratePane {
    pub form: IssueForm,
    /// The list or the form.
    pub focus: Focus,
    pub list_selected: usize,
    pub last_issued: Option<Box<Issued>>,
    /// The recipes last made, for their overlay: the certificate and the Markdown.
    pub recipes: Option<(String, String)>,
    /// The workspace's OCSP responder (`O`).
    pub responder: responder::ResponderState,
    /// The certificate being renewed, selected again once the list is read anew.
    pub renewing: Option<String>,
    /// The form was refused for fields marked ✗: said again once they are all fine.
    pub refused: bool,
}

impl GeneratePane {
    pub fn new(view: &WorkspaceView) -> GeneratePane {
        GeneratePane {
            form: IssueForm::new(Role::Server, &view.names(), &view.ca_names(), &view.set_id),
            focus: Focus::List,
            list_selected: 0,
            last_issued: None,
            recipes: None,
            responder: Default::default(),
            renewing: None,
            refused: false,
        }
    }

    /// Which keymap sections apply in this pane, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match self.focus {
            Focus::Form if self.form.editing.is_some() => vec![Context::Editing],
            Focus::Form => vec![Context::Form, Context::Global],
            Focus::List => vec![Context::List, Context::Global],
        }
    }

    /// The workspace was read again: the form and the list follow it, and `select` (a certificate
    /// just made) is selected.
    pub fn workspace_loaded(&mut self, view: &WorkspaceView, select: Option<String>) {
        self.form.set_set_id(&view.set_id);
        let n = view.rows.len();
        self.list_selected = self.list_selected.min(n.saturating_sub(1));
        if let Some(name) = select
            && let Some(i) = view.rows.iter().position(|r| r.entity.name == name)
        {
            self.list_selected = i;
        }
        // A CA the form named may have gone, or the first one may have come.
        let cas = view.ca_names();
        if self.form.role != Role::Ca && !cas.contains(&self.form.issuer) {
            self.form.issuer = cas.last().cloned().unwrap_or_default();
        }
    }
}
