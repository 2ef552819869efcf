//! Decoding certificates. For now: the summary the Generate pane and the CLI show after issuing;
//! the full field tree, lints and chain verification build on it.

mod summary;

pub use summary::{CertSummary, relative_validity, sha256_fingerprint, summarize, summarize_pem};
