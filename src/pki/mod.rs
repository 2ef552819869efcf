//! Generation: key pairs, certificates for each role, CRLs, and the openssl commands that would
//! make the same certificate.

pub mod bundle;
mod crl;
pub mod csr;
mod issue;
mod keys;
pub mod openssl;
mod spec;

pub use crl::{RevokedEntry, make_crl};
pub use issue::{
    IssuedCert, IssuerMaterial, SubjectKey, issue, issue_for, issue_with_key, random_serial,
};
pub use keys::{generate_key, key_pem, load_key};
pub use spec::{
    ExtKeyUsage, Field, FieldError, IssueSpec, KeyAlg, KeyUsage, MAX_DAYS, RevocationReason, Role,
    SanEntry, Subject, parse_cidr, parse_days, parse_not_before, validate_entity_name,
};
