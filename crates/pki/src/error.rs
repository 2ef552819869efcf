//! The engine's errors: each variant is something a user can act on, and its message is one sentence.

use std::path::PathBuf;

use crate::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing files: a file in the way, an I/O error, a busy workspace.
    #[error(transparent)]
    Fs(#[from] certbench_base::fsutil::FsError),

    #[error("{}", invalid_request_message(.0))]
    InvalidRequest(Vec<FieldError>),

    #[error("there is no certificate named \"{name}\" in the workspace")]
    UnknownEntity { name: String },

    #[error("\"{name}\" is a {role} certificate, not a CA: it cannot issue certificates")]
    NotACa { name: String, role: String },

    #[error("\"{name}\" is already revoked")]
    AlreadyRevoked { name: String },

    #[error("\"{given}\" is not a serial number: hex digits, as openssl x509 -serial prints them")]
    NotASerial { given: String },

    #[error("the certificate of \"{name}\" with serial {serial} is already revoked")]
    SerialAlreadyRevoked { name: String, serial: String },

    #[error("\"{name}\" has no certificate with serial {serial} that is still valid; its serials: {}", known.join(", "))]
    UnknownSerial {
        name: String,
        serial: String,
        known: Vec<String>,
    },

    #[error("\"{name}\" is a root CA: it has no issuer whose CRL could list it")]
    CannotRevokeRoot { name: String },

    #[error("the workspace manifest {} is not valid: {problem}", path.display())]
    Manifest {
        path: PathBuf,
        problem: ManifestProblem,
    },

    #[error("could not read the {what} of \"{name}\" from {}: {reason}", path.display())]
    BadMaterial {
        name: String,
        what: &'static str,
        path: PathBuf,
        /// What the reader said: the certificate's decoding, the key's parsing, the file's I/O.
        /// (In the message already, so not a `source`: a chain printed whole says it once.)
        reason: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error(
        "the key of \"{name}\" is not in the workspace: its certificate was signed from a request (CSR), and the key stayed with whoever made it"
    )]
    NoKey { name: String },

    #[error("the request cannot be signed: {0}")]
    Request(#[from] crate::csr::RequestError),

    #[error("certificate generation failed: {0}")]
    Generation(#[from] rcgen::Error),

    #[error("the OCSP response could not be made: {0}")]
    Ocsp(certbench_x509::ocsp::OcspError),

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
        "\"{name}\" was signed from a request: its key is the service's, so certbench cannot make a new one. Renew it with the same key (without --new-key), or sign the service's new request with `certbench issue --csr`"
    )]
    RenewRequested { name: String },
}

/// What is wrong with a workspace manifest (one edited by hand, or from another certbench).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestProblem {
    /// Not TOML, or not the manifest's shape: the TOML reader's words, escaped, and where.
    #[error("{message}{}", at.map(|a| format!(" (at byte {a})")).unwrap_or_default())]
    Syntax { message: String, at: Option<usize> },
    #[error(
        "version {found} is not known to this certbench (it reads version {})",
        crate::workspace::MANIFEST_VERSION
    )]
    Version { found: u32 },
    #[error("its set_id is not one certbench makes: 1 to 16 letters and digits")]
    SetId,
    #[error("the entry named \"{name}\" has a name certbench would refuse: {why}")]
    EntryName {
        name: String,
        why: crate::InputError,
    },
    #[error("the issuer of \"{name}\" has a name certbench would refuse: {why}")]
    IssuerName {
        name: String,
        why: crate::InputError,
    },
    #[error(
        "the entry \"{name}\" names the file \"{file}\", which is not a plain file name in the workspace"
    )]
    FileName { name: String, file: String },
    #[error("the serial of \"{name}\" is not hex: a CRL could not list it")]
    Serial { name: String },
    #[error("\"{name}\" is listed twice")]
    Twice { name: String },
    /// The manifest could not be made into TOML (the writer's words).
    #[error("{message}")]
    Unwritable { message: String },
}

fn invalid_request_message(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field.label(), e.problem))
        .collect();
    format!("the request is not valid ({})", parts.join("; "))
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Fs(certbench_base::fsutil::FsError::io(action, path, source))
    }
}
