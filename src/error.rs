//! The engine's errors: each variant is something a user can act on, and its message is one sentence.

use std::path::PathBuf;

use crate::pki::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{} already exists; nothing was written", path.display())]
    FileExists { path: PathBuf },

    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}", invalid_request_message(.0))]
    InvalidRequest(Vec<FieldError>),

    #[error("there is no certificate named \"{name}\" in the workspace")]
    UnknownEntity { name: String },

    #[error("\"{name}\" is a {role} certificate, not a CA: it cannot issue certificates")]
    NotACa { name: String, role: String },

    #[error("\"{name}\" is already revoked")]
    AlreadyRevoked { name: String },

    #[error("\"{name}\" is a root CA: it has no issuer whose CRL could list it")]
    CannotRevokeRoot { name: String },

    #[error("the workspace manifest {} is not valid: {message}", path.display())]
    Manifest { path: PathBuf, message: String },

    #[error("could not read the {what} of \"{name}\" from {}: {reason}", path.display())]
    BadMaterial {
        name: String,
        what: &'static str,
        path: PathBuf,
        reason: String,
    },

    #[error(
        "the key of \"{name}\" is not in the workspace: its certificate was signed from a request (CSR), and the key stayed with whoever made it"
    )]
    NoKey { name: String },

    #[error("the request cannot be signed: {0}")]
    Request(#[from] crate::pki::csr::RequestError),

    #[error("certificate generation failed: {0}")]
    Generation(#[from] rcgen::Error),

    #[error(
        "the workspace {} is being changed by another certbench ({}); waited {} s: try again when it has finished",
        dir.display(), crate::text::display_safe(if holder.is_empty() { "it did not say which" } else { holder }, 200), waited.as_secs()
    )]
    Busy {
        dir: PathBuf,
        /// What the other process wrote into the lock file: its pid and command line.
        holder: String,
        waited: std::time::Duration,
    },

    #[error(
        "\"{name}\" has signed {} CRLs, the most its CRL number can count (the manifest's numbers stop there): make a new CA",
        i64::MAX
    )]
    CrlNumberExhausted { name: String },

    #[error(
        "\"{name}\" is revoked, and its revocation must stay in its issuer's CRL: issue the new certificate under another name"
    )]
    ReplaceRevoked { name: String },

    #[error(
        "\"{name}\" issued {}: replacing it would leave them signed by a key that is gone. `certbench gen --force` starts the whole set again; or issue the new CA under another name",
        children.join(", ")
    )]
    ReplaceIssuer { name: String, children: Vec<String> },

    #[error(
        "{} appeared while certbench was writing (another program made it): it was kept, and certbench's new file was not put in its place",
        path.display()
    )]
    ChangedMeanwhile { path: PathBuf },
}

fn invalid_request_message(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field.label(), e.message))
        .collect();
    format!("the request is not valid ({})", parts.join("; "))
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
