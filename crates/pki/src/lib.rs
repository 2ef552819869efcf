//! The PKI: key pairs, certificates for each role, CRLs, CSR signing, the files other tools take
//! (bundles, PKCS#12), the openssl commands that would make the same certificate, proven recipes,
//! the workspace on disk that holds it all ([`workspace`]), and the machine's trust stores that a
//! root is installed into ([`trust`]).

pub mod bundle;
mod crl;
pub mod csr;
pub mod error;
mod issue;
mod keys;
pub mod ocsp;
pub mod openssl;
pub mod recipes;
mod spec;
pub mod trust;
pub mod workspace;

pub use error::{Error, ManifestProblem, Result};

pub use certbench_x509::{RevocationReason, Role};
pub use crl::{RevokedEntry, make_crl};
pub use issue::{
    IssuedCert, IssuerMaterial, SubjectKey, issue, issue_for, issue_with_key, random_serial,
};
pub use keys::{generate_key, key_pem, load_key};
pub use spec::{
    ExtKeyUsage, Field, FieldError, InputError, IssueSpec, KeyAlg, KeyUsage, MAX_DAYS,
    RequestProblem, SanEntry, Subject, parse_cidr, parse_days, parse_not_before,
    validate_entity_name, validate_http_url,
};
