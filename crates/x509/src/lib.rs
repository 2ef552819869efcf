//! Decoding certificates, CRLs and CSRs: reports named as openssl names things, lints for private
//! PKI and mTLS, and loading from files, folders and bundles.

pub mod constraints;
pub mod der;
pub mod error;
pub mod explain;
pub mod lints;
pub mod load;
pub mod names;
pub mod ocsp;
pub mod report;
pub mod role;
mod summary;
pub mod tree;
pub mod verify;

pub use lints::{Known, Lint, Severity};
pub use load::{Decoded, Item, Kind, lint_all, load_bytes, load_paths};
pub use report::{CertReport, decode};
pub use role::{RevocationReason, Role};
pub use summary::{
    CertSummary, days_until, relative_validity, serial_text, sha256_fingerprint, span, summarize,
    summarize_pem,
};
