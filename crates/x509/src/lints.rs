//! Lints for private PKI and mTLS: what breaks handshakes or surprises people, each with a fix.
//! webpki does not check key usage on leaves; these lints do.

use ::time::{Duration, OffsetDateTime};
use serde::Serialize;

use crate::Role;
use crate::report::{CertReport, KeyAlgorithm, KeyPurpose, KeyUsageBit, joined};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    pub id: &'static str,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

/// What is known of a certificate beyond its bytes: what it is for (the workspace manifest
/// says, or the user), and whether it is someone else's for sure (a root of the system's trust
/// store): a fix never tells anyone to re-issue what is not theirs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Known {
    pub role: Option<Role>,
    pub foreign: bool,
}

/// What the lints need beyond the certificate.
pub struct LintContext<'a> {
    pub now: OffsetDateTime,
    /// What the certificate is for, when known (the workspace manifest says); else it is guessed.
    pub role: Option<Role>,
    /// Someone else's for sure (a system root): the user cannot issue it again.
    pub foreign: bool,
    /// The issuer's certificate, when it is among the loaded ones: the one whose key signed it.
    pub issuer: Option<&'a CertReport>,
    /// The loaded CAs named as its issuer whose key did not sign it (a CA made again under the
    /// same name), when none did.
    pub named_issuers: Vec<&'a CertReport>,
}

const SERVER_AUTH: &str = KeyPurpose::SERVER_AUTH;
const CLIENT_AUTH: &str = KeyPurpose::CLIENT_AUTH;
const OCSP_SIGNING: &str = KeyPurpose::OCSP_SIGNING;

/// The role a certificate plays, from the manifest or else from what it says.
pub fn guess_role(report: &CertReport) -> Option<Role> {
    let eku = &report.extended_key_usage;
    if report.basic_constraints.as_ref().is_some_and(|b| b.ca) {
        Some(if report.subject == report.issuer {
            Role::Ca
        } else {
            Role::Intermediate
        })
    } else if eku.iter().any(|e| e.oid() == SERVER_AUTH) {
        Some(Role::Server)
    } else if eku.iter().any(|e| e.oid() == CLIENT_AUTH) {
        Some(Role::Client)
    } else if eku.iter().any(|e| e.oid() == OCSP_SIGNING) {
        Some(Role::Ocsp)
    } else {
        None
    }
}

pub fn lint(report: &CertReport, ctx: &LintContext<'_>) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut add = |id, severity, message: String, fix: &str| {
        out.push(Lint {
            id,
            severity,
            message,
            fix: fix.to_string(),
        })
    };
    let role = ctx.role.or_else(|| guess_role(report));
    let is_ca = report.basic_constraints.as_ref().is_some_and(|b| b.ca);
    let leaf = !is_ca;
    let ku = &report.key_usage;
    let has_ku = |bit: KeyUsageBit| ku.contains(&bit);
    let eku = &report.extended_key_usage;
    let has_eku = |oid: &str| {
        eku.iter()
            .any(|e| e.oid() == oid || e.oid() == KeyPurpose::ANY)
    };

    let mut seen: Vec<&str> = Vec::new();
    for e in &report.extensions {
        if seen.contains(&e.oid.as_str()) {
            let name = e.label();
            add(
                "duplicate-extension",
                Severity::Error,
                format!(
                    "{name} appears more than once; RFC 5280 4.2 forbids it and verifiers refuse the certificate"
                ),
                "issue it again with each extension once",
            );
        } else {
            seen.push(&e.oid);
        }
    }
    for e in report.extensions.iter().filter(|e| e.empty) {
        add(
            "empty-extension",
            Severity::Error,
            format!(
                "{} is present and empty; RFC 5280 requires at least one entry, and verifiers read it as \"allows nothing\" or refuse the certificate, never as absent",
                e.label()
            ),
            "issue it again with the entries it needs, or without the extension",
        );
    }
    let san_present_empty = report
        .extensions
        .iter()
        .any(|e| e.empty && e.oid == "2.5.29.17");
    if leaf && report.subject_alt_names.is_empty() && !san_present_empty {
        let cn = report.common_name.clone().unwrap_or_default();
        if looks_like_host(&cn) {
            add(
                "names-only-in-cn",
                Severity::Error,
                format!(
                    "the name \"{cn}\" is only in the CN; TLS clients check SANs and ignore the CN (RFC 6125)"
                ),
                "put every DNS name and IP the peer dials in subjectAltName",
            );
        } else if !matches!(role, Some(Role::Client | Role::Ocsp)) {
            add(
                "leaf-without-san",
                Severity::Error,
                "a leaf certificate without subjectAltName matches no server name".into(),
                "add the DNS names and IPs clients use as SANs",
            );
        }
    }
    if leaf
        && role == Some(Role::Server)
        && !report.san_kinds.is_empty()
        && !report.san_kinds.iter().any(|k| k.is_host())
    {
        add(
            "server-without-host-name",
            Severity::Warning,
            format!(
                "a server certificate whose names ({}) hold no DNS name or IP address: a TLS client checks the name it dialed and finds none (a SPIFFE-aware client may check the URI instead)",
                report.subject_alt_names.join(", ")
            ),
            "add the DNS names and IPs clients dial as SANs (dns:NAME, ip:ADDRESS)",
        );
    }
    if role == Some(Role::Server) && !has_eku(SERVER_AUTH) {
        add(
            "server-without-server-auth",
            Severity::Error,
            if eku.is_empty() {
                "a server certificate without extendedKeyUsage serverAuth".into()
            } else {
                format!(
                    "a server certificate whose extendedKeyUsage ({}) lacks serverAuth",
                    joined(eku)
                )
            },
            "add extendedKeyUsage = serverAuth",
        );
    }
    if role == Some(Role::Client) && !has_eku(CLIENT_AUTH) {
        add(
            "client-without-client-auth",
            Severity::Error,
            if eku.is_empty() {
                "a client certificate without extendedKeyUsage clientAuth: mTLS servers refuse it"
                    .into()
            } else {
                format!(
                    "a client certificate whose extendedKeyUsage ({}) lacks clientAuth",
                    joined(eku)
                )
            },
            "add extendedKeyUsage = clientAuth",
        );
    }
    if matches!(role, Some(Role::Server | Role::Client | Role::Ocsp)) && is_ca {
        add(
            "leaf-is-ca",
            Severity::Error,
            "a TLS leaf certificate with basicConstraints CA:TRUE: it could sign other certificates".into(),
            "issue leaves with basicConstraints CA:FALSE",
        );
    }
    if !is_ca && has_ku(KeyUsageBit::KeyCertSign) {
        add(
            "key-cert-sign-without-ca",
            Severity::Error,
            "keyUsage keyCertSign on a certificate that is not a CA (RFC 5280 4.2.1.3)".into(),
            "remove keyCertSign, or make it a CA with basicConstraints CA:TRUE",
        );
    }
    for z in &report.times_without_zone {
        if z.problem == crate::der::TimeProblem::UtcTimeFourDigitYear {
            add(
                "malformed-time",
                Severity::Error,
                format!(
                    "{} {} is a UTCTime with a four-digit year: UTCTime has two (RFC 5280 4.1.2.5.1), so openssl prints \"Bad time value\" and rustls refuses the certificate",
                    z.field.name(),
                    z.encoded
                ),
                "issue it again: before 2050 a UTCTime has a two-digit year, from 2050 a GeneralizedTime a four-digit one",
            );
            continue;
        }
        add(
            "time-without-zone",
            Severity::Error,
            format!(
                "{} {} has no time zone: RFC 5280 4.1.2.5 requires UTC with 'Z'; openssl prints \"Bad time value\" and rustls refuses the certificate",
                z.field.name(),
                z.encoded
            ),
            "issue it again: every certificate tool writes the 'Z'",
        );
    }
    if let Some(n) = report
        .basic_constraints
        .as_ref()
        .and_then(|b| b.path_len)
        .filter(|n| *n < 0)
    {
        add(
            "negative-pathlen",
            Severity::Error,
            format!(
                "pathLenConstraint {n}: RFC 5280 4.2.1.9 allows 0 or more, and verifiers read it as malformed"
            ),
            "make the CA again with pathlen 0 or more, or without a pathlen",
        );
    }
    if is_ca && !ku.is_empty() && !has_ku(KeyUsageBit::KeyCertSign) {
        add(
            "ca-without-key-cert-sign",
            Severity::Error,
            "a CA whose keyUsage lacks keyCertSign: certificates it signs do not verify".into(),
            "add keyUsage keyCertSign (and cRLSign)",
        );
    }
    if leaf && !ku.is_empty() && !has_ku(KeyUsageBit::DigitalSignature) {
        add(
            "leaf-without-digital-signature",
            Severity::Error,
            format!(
                "a TLS leaf whose keyUsage ({}) lacks digitalSignature: TLS 1.3 and ECDHE need it (webpki does not check, other peers do)",
                joined(ku)
            ),
            "add keyUsage digitalSignature",
        );
    }
    if ctx.issuer.is_none()
        && !ctx.named_issuers.is_empty()
        && let Some(aki) = &report.links.authority_key_id
    {
        let skis: Vec<String> = ctx
            .named_issuers
            .iter()
            .filter_map(|c| c.links.subject_key_id.as_deref())
            .map(crate::report::colon_hex)
            .collect();
        add(
            "aki-mismatch",
            Severity::Error,
            format!(
                "authorityKeyIdentifier {} names a key that none of the CAs here named {} has (their subjectKeyIdentifier: {}), and none of their keys signed it: it was issued by another CA of that name, or before its CA was made again",
                crate::report::colon_hex(aki),
                report.issuer,
                if skis.is_empty() {
                    "none".to_string()
                } else {
                    skis.join(", ")
                }
            ),
            "re-issue it from the issuer's current certificate, or give the CA that signed it",
        );
    }
    if let Some(issuer) = ctx.issuer {
        let aki = &report.links.authority_key_id;
        let ski = &issuer.links.subject_key_id;
        if let (Some(aki), Some(ski)) = (aki, ski)
            && aki != ski
        {
            add(
                "aki-mismatch",
                Severity::Error,
                format!(
                    "authorityKeyIdentifier {} does not match the issuer's subjectKeyIdentifier {}",
                    crate::report::colon_hex(aki),
                    crate::report::colon_hex(ski)
                ),
                // A self-signed certificate is its own issuer: nothing to issue it from.
                if report.subject == report.issuer {
                    "make it again with its authorityKeyIdentifier equal to its own subjectKeyIdentifier (or without one, as RFC 5280 4.2.1.1 allows for a self-signed root)"
                } else {
                    "re-issue it from the issuer's current certificate"
                },
            );
        }
    }
    let now = ctx.now;
    let self_signed = report.subject == report.issuer;
    // Someone else's certificate: its owner acts, the user can only stop relying on it.
    let theirs = |own: &'static str, root: &'static str, other: &'static str| {
        if !ctx.foreign {
            own
        } else if self_signed {
            root
        } else {
            other
        }
    };
    if now > report.not_after {
        add(
            "expired",
            Severity::Error,
            format!("expired {} ago", crate::span(now - report.not_after)),
            theirs(
                "issue a new certificate",
                "not yours to renew: its owner has stopped using it; remove it from the trust store that holds it (a system update does)",
                "not yours to renew: its issuer must give its owner a new one; until then every verifier refuses it",
            ),
        );
    } else if now < report.not_before {
        add(
            "not-yet-valid",
            Severity::Error,
            crate::relative_validity(report.not_before, report.not_after, now),
            "wait, or issue one whose not-before is in the past",
        );
    } else if report.not_after - now < Duration::days(30) {
        add(
            "expiring-soon",
            Severity::Warning,
            crate::relative_validity(report.not_before, report.not_after, now),
            theirs(
                "renew it",
                "not yours to renew: its owner will replace it; a trust store update brings the new root",
                "not yours to renew: its owner must, before it expires",
            ),
        );
    }
    if report.public_key.algorithm == KeyAlgorithm::Rsa
        && report.public_key.bits.is_some_and(|b| b < 2048)
    {
        add(
            "rsa-under-2048",
            Severity::Error,
            format!(
                "an RSA key of {} bits; rustls and browsers refuse keys under 2048 bits",
                report.public_key.bits.unwrap_or(0)
            ),
            "use RSA 2048 or more, or ECDSA P-256",
        );
    }
    if report.signature_algorithm.weak_digest().is_some() {
        add(
            "weak-signature",
            if self_signed {
                Severity::Info
            } else {
                Severity::Error
            },
            if self_signed {
                format!(
                    "self-signed with {}; a trust anchor's own signature is not checked, so this only matters to old tools",
                    report.signature_algorithm
                )
            } else {
                format!(
                    "signed with {}, which rustls and browsers reject",
                    report.signature_algorithm
                )
            },
            theirs(
                "re-issue it with SHA-256",
                "nothing to do: a trust anchor's own signature is not checked (its owner may replace it in time)",
                "not yours to re-issue: its issuer must sign a new one with SHA-256",
            ),
        );
    }
    // The validity period counts both ends: notAfter - notBefore + 1 second (RFC 5280 4.1.2.5,
    // as the CA/Browser Forum's rule counts it).
    let validity = report.not_after - report.not_before + Duration::seconds(1);
    if role == Some(Role::Server) && validity > Duration::days(398) {
        add(
            "server-validity-over-398-days",
            Severity::Info,
            format!(
                "valid for {} days and {} s, counting both ends; public CAs may issue at most 398 days, private PKIs may choose",
                validity.whole_days(),
                (validity - Duration::days(validity.whole_days())).whole_seconds()
            ),
            "fine for a private PKI; shorter lifetimes limit the damage of a leaked key",
        );
    }
    out.sort_by_key(|l| l.severity);
    out
}

/// A CN that is meant as a host name or IP.
fn looks_like_host(cn: &str) -> bool {
    cn.parse::<std::net::IpAddr>().is_ok()
        || (cn.contains('.')
            && !cn.contains(' ')
            && cn
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.*".contains(c)))
        || cn == "localhost"
}
