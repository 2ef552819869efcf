//! The vocabulary the x509 readers and the PKI share: what a certificate is for, and why one
//! was revoked.

use std::fmt;
use std::str::FromStr;

use certbench_base::text::NotAChoice;
use serde::{Deserialize, Serialize};

/// What a certificate is for. The role sets the defaults; the user can change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A self-signed root CA.
    Ca,
    /// An intermediate CA, signed by another CA.
    Intermediate,
    /// A TLS server certificate.
    Server,
    /// A TLS client certificate (the "m" in mTLS).
    Client,
    /// A delegated OCSP responder (RFC 6960 4.2.2.2): signs OCSP responses for the CA that
    /// issued it (id-kp-OCSPSigning, id-pkix-ocsp-nocheck).
    Ocsp,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Ca,
        Role::Intermediate,
        Role::Server,
        Role::Client,
        Role::Ocsp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ca => "ca",
            Role::Intermediate => "intermediate",
            Role::Server => "server",
            Role::Client => "client",
            Role::Ocsp => "ocsp",
        }
    }

    /// How a person would say it.
    pub fn title(self) -> &'static str {
        match self {
            Role::Ca => "root CA",
            Role::Intermediate => "intermediate CA",
            Role::Server => "server",
            Role::Client => "client",
            Role::Ocsp => "OCSP responder",
        }
    }

    pub fn is_ca(self) -> bool {
        matches!(self, Role::Ca | Role::Intermediate)
    }

    pub fn is_leaf(self) -> bool {
        !self.is_ca()
    }

    /// Default validity in days: long for CAs, a year for leaves.
    pub fn default_days(self) -> u32 {
        match self {
            Role::Ca => 3650,
            Role::Intermediate => 1825,
            Role::Server | Role::Client => 365,
            // RFC 6960 4.2.2.2.1: a responder certificate that is not itself checked (nocheck)
            // should be short-lived.
            Role::Ocsp => 90,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = NotAChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ca" | "root" => Ok(Role::Ca),
            "intermediate" | "int" => Ok(Role::Intermediate),
            "server" => Ok(Role::Server),
            "client" => Ok(Role::Client),
            "ocsp" | "ocsp-responder" | "responder" => Ok(Role::Ocsp),
            _ => Err(NotAChoice {
                given: s.to_string(),
                what: "a role",
                takes: "ca, intermediate, server, client or ocsp".into(),
            }),
        }
    }
}

/// Why a certificate was revoked (RFC 5280 5.3.1), named as openssl prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    #[default]
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 8] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::CaCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::CertificateHold,
        RevocationReason::PrivilegeWithdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "cACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RevocationReason {
    type Err = NotAChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.replace(['-', '_', ' '], "");
        RevocationReason::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| NotAChoice {
                given: s.to_string(),
                what: "a revocation reason",
                takes: format!(
                    "one of {}",
                    RevocationReason::ALL.map(|r| r.as_str()).join(", ")
                ),
            })
    }
}
