//! Chain verification. rustls-webpki gives the verdict (it is what rustls uses); certbench walks
//! the chain itself too, link by link, to say which link and which field is the cause. The walk
//! returns data ([`Finding`]s); the words are in assets/verify.toml.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

use ::time::OffsetDateTime;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use x509_parser::prelude::*;

use crate::der::readable_certificate;
use crate::names::rfc4514_within;
use crate::report::{ValidityField, ZonelessTime, signed_by};
use certbench_cause::Cause;

/// What the certificate is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Server,
    Client,
}

impl std::str::FromStr for Purpose {
    type Err = certbench_base::text::NotAChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "server" => Ok(Purpose::Server),
            "client" => Ok(Purpose::Client),
            _ => Err(certbench_base::text::NotAChoice {
                given: s.to_string(),
                what: "a purpose",
                takes: "server or client".into(),
            }),
        }
    }
}

impl Purpose {
    /// The EKU purpose's name in RFC 5280.
    fn eku_name(self) -> &'static str {
        match self {
            Purpose::Server => "serverAuth",
            Purpose::Client => "clientAuth",
        }
    }
}

mod revocation;
use revocation::{OcspSpoke, ocsp_check, revocation_check};

pub struct VerifyInput<'a> {
    pub leaf: &'a [u8],
    /// Untrusted certificates that may complete the chain.
    pub intermediates: &'a [&'a [u8]],
    /// Trust anchors.
    pub anchors: &'a [&'a [u8]],
    /// CRLs (DER): a certificate a CRL of its issuer lists is revoked. A certificate whose
    /// issuer has no CRL here is not checked (as openssl without -crl_check_all, and rustls
    /// with an unknown status allowed).
    pub crls: &'a [&'a [u8]],
    /// OCSP responses (DER, a staple or a responder's answer): a certificate that a current
    /// response, signed with authority for its issuer, says is revoked is revoked, as a client
    /// that checks the staple finds. One that cannot be used (stale, unauthorized, for another
    /// certificate) says nothing. webpki reads no OCSP: this is certbench's own check.
    pub ocsp: &'a [&'a [u8]],
    pub purpose: Purpose,
    /// The server name (DNS or IP) the leaf must be valid for, if any.
    pub name: Option<&'a str>,
    pub at: OffsetDateTime,
    /// The question asked: whether the certificate is a valid CA under the anchors (certbench's
    /// own walk), instead of whether a peer could use it as its end-entity certificate for the
    /// purpose and name (rustls-webpki's verdict, what a handshake does).
    pub as_ca: bool,
}

/// Which question a verdict answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// Could a peer present it as its own certificate, for the purpose and the name?
    EndEntity,
    /// Is it a CA that chains to a trust anchor (or is one)?
    Ca,
}

/// One check of one link: the field checked, whether it passed, and what was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub field: &'static str,
    pub ok: bool,
    pub finding: Finding,
}

impl Check {
    /// What was found, in words.
    pub fn detail(&self) -> String {
        self.finding.describe()
    }
}

/// What a check found, as data. Names are RFC 4514 text as the certificate holds them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Finding {
    /// Not a certificate x509-parser reads.
    Unreadable,
    /// The validity period, and the time it was checked at (passes when that time is inside).
    Validity {
        #[serde(with = "::time::serde::rfc3339")]
        not_before: OffsetDateTime,
        #[serde(with = "::time::serde::rfc3339")]
        not_after: OffsetDateTime,
        #[serde(with = "::time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A validity time encoded without its zone (RFC 5280 requires 'Z').
    TimeWithoutZone {
        field: ValidityField,
        encoded: String,
    },
    /// A validity time encoded as a UTCTime with a four-digit year.
    UtcTimeFourDigitYear {
        field: ValidityField,
        encoded: String,
    },
    /// The issuer's key verifies the signature.
    SignedBy {
        issuer: String,
    },
    /// The certificate named as the issuer has a key that does not verify the signature.
    NotSignedBy {
        issuer: String,
    },
    SelfSignedNotAnchor,
    /// No certificate given has the issuer's name.
    IssuerNotGiven {
        issuer: String,
    },
    Revoked {
        #[serde(with = "::time::serde::rfc3339")]
        date: OffsetDateTime,
        reason: Option<String>,
        crl_issuer: String,
    },
    NotRevoked {
        crl_issuer: String,
    },
    /// An OCSP response for the certificate, signed with authority for its issuer and current
    /// (RFC 6960 3.2), says it is revoked; `signer` is who signed it (the issuer, or a responder
    /// the issuer delegated to).
    RevokedOcsp {
        #[serde(with = "::time::serde::rfc3339")]
        date: OffsetDateTime,
        reason: Option<String>,
        signer: String,
    },
    /// Such a response says it is good.
    NotRevokedOcsp {
        signer: String,
    },
    /// basicConstraints CA:TRUE on the certificate asked about as an end entity.
    CaAsEndEntity,
    NotCa,
    Ca,
    /// Not a CA, yet a certificate below names it as the issuer and its key signed it.
    NotCaYetIssued,
    PathLen {
        limit: u32,
        intermediates_below: usize,
    },
    KeyCertSign,
    NoKeyCertSign,
    EkuAllows {
        usage: &'static str,
    },
    EkuLacks {
        usage: &'static str,
    },
    /// No EKU: webpki allows any purpose, some peers want the usage.
    EkuAbsent {
        usage: &'static str,
    },
    EkuUnreadable {
        problem: String,
    },
    NameFound {
        name: String,
        names: Vec<String>,
    },
    NameNotFound {
        name: String,
        names: Vec<String>,
    },
    NoNames {
        name: String,
    },
    /// A CA's nameConstraints, which every name below it keeps.
    NameConstraintsKept {
        permitted: Vec<String>,
        excluded: Vec<String>,
    },
    /// A CA's nameConstraints, which `name` below it breaks.
    NameConstraintsBroken {
        permitted: Vec<String>,
        excluded: Vec<String>,
        name: String,
    },
    /// A name of this certificate in a subtree that the CA `ca` above excludes.
    NameExcluded {
        name: String,
        subtree: String,
        ca: String,
    },
    /// A name of this certificate outside every subtree of its kind the CA `ca` above permits.
    NameNotPermitted {
        name: String,
        permitted: Vec<String>,
        ca: String,
    },
}

impl Finding {
    /// Its code, as serialized.
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("code")?.as_str().map(String::from))
            .unwrap_or_default()
    }

    fn values(&self) -> Vec<(&'static str, String)> {
        use certbench_base::text::rfc3339;
        match self {
            Finding::Validity {
                not_before,
                not_after,
                at,
            } => vec![(
                "relative",
                crate::relative_validity(*not_before, *not_after, *at),
            )],
            Finding::TimeWithoutZone { field, encoded }
            | Finding::UtcTimeFourDigitYear { field, encoded } => {
                vec![("field", field.name().into()), ("encoded", encoded.clone())]
            }
            Finding::SignedBy { issuer }
            | Finding::NotSignedBy { issuer }
            | Finding::IssuerNotGiven { issuer } => vec![("issuer", short_name(issuer))],
            Finding::Revoked {
                date,
                reason,
                crl_issuer,
            } => {
                let mut v = vec![
                    ("date", rfc3339(*date)),
                    ("crl_issuer", short_name(crl_issuer)),
                ];
                v.extend(reason.clone().map(|r| ("reason", r)));
                v
            }
            Finding::NotRevoked { crl_issuer } => vec![("crl_issuer", short_name(crl_issuer))],
            Finding::RevokedOcsp {
                date,
                reason,
                signer,
            } => {
                let mut v = vec![("date", rfc3339(*date)), ("signer", short_name(signer))];
                v.extend(reason.clone().map(|r| ("reason", r)));
                v
            }
            Finding::NotRevokedOcsp { signer } => vec![("signer", short_name(signer))],
            Finding::PathLen {
                limit,
                intermediates_below,
            } => vec![
                ("limit", limit.to_string()),
                (
                    "below",
                    certbench_base::text::count(
                        *intermediates_below,
                        "intermediate",
                        "intermediates",
                    ),
                ),
            ],
            Finding::EkuAllows { usage }
            | Finding::EkuLacks { usage }
            | Finding::EkuAbsent { usage } => vec![("usage", (*usage).into())],
            Finding::EkuUnreadable { problem } => vec![("problem", problem.clone())],
            Finding::NameFound { name, names } | Finding::NameNotFound { name, names } => {
                vec![("name", name.clone()), ("names", names.join(", "))]
            }
            Finding::NoNames { name } => vec![("name", name.clone())],
            Finding::NameConstraintsKept {
                permitted,
                excluded,
            } => subtree_values(permitted, excluded),
            Finding::NameConstraintsBroken {
                permitted,
                excluded,
                name,
            } => {
                let mut v = subtree_values(permitted, excluded);
                v.push(("name", name.clone()));
                v
            }
            Finding::NameExcluded { name, subtree, ca } => vec![
                ("name", name.clone()),
                ("subtree", subtree.clone()),
                ("ca", short_name(ca)),
            ],
            Finding::NameNotPermitted {
                name,
                permitted,
                ca,
            } => vec![
                ("name", name.clone()),
                ("permitted", permitted.join(", ")),
                ("ca", short_name(ca)),
            ],
            Finding::Unreadable
            | Finding::SelfSignedNotAnchor
            | Finding::CaAsEndEntity
            | Finding::NotCa
            | Finding::Ca
            | Finding::NotCaYetIssued
            | Finding::KeyCertSign
            | Finding::NoKeyCertSign => vec![],
        }
    }

    /// In words, from assets/verify.toml.
    pub fn describe(&self) -> String {
        let code = self.code();
        match words().get(&code) {
            Some(w) => certbench_base::assets::fill(w, &self.values()),
            None => code.replace('_', " "),
        }
    }
}

/// The subtrees of a nameConstraints, for the words: only those there are.
fn subtree_values(permitted: &[String], excluded: &[String]) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if !permitted.is_empty() {
        v.push(("permitted", permitted.join(", ")));
    }
    if !excluded.is_empty() {
        v.push(("excluded", excluded.join(", ")));
    }
    v
}

const WORDS: &str = include_str!("../../../assets/verify.toml");

fn words() -> &'static HashMap<String, String> {
    static CELL: OnceLock<HashMap<String, String>> = OnceLock::new();
    certbench_base::assets::table(&CELL, WORDS)
}

/// What a certificate is in the chain walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LinkRole {
    #[serde(rename = "leaf")]
    Leaf,
    #[serde(rename = "intermediate")]
    Intermediate,
    /// A self-signed CA that is not among the anchors (a root the verifier does not trust).
    #[serde(rename = "root CA")]
    Root,
    #[serde(rename = "trust anchor")]
    TrustAnchor,
}

impl std::fmt::Display for LinkRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LinkRole::Leaf => "leaf",
            LinkRole::Intermediate => "intermediate",
            LinkRole::Root => "root CA",
            LinkRole::TrustAnchor => "trust anchor",
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub role: LinkRole,
    pub subject: String,
    pub issuer: String,
    pub checks: Vec<Check>,
}

/// Something about how a verdict was reached that the user should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum VerifyNote {
    /// Untrusted certificates not tried: more than `per_name` shared one subject name.
    CandidatesLeftOut { count: usize, per_name: usize },
    /// An OCSP response given that spoke of a certificate of the chain but could not be used
    /// (`verdict`: `ocsp::Verdict::code`, stale, unauthorized_signer, unknown, ...): it said
    /// nothing of revocation.
    OcspPassedOver { verdict: &'static str },
    /// An OCSP response given that answers for none of the chain's certificates.
    OcspForNone,
}

impl VerifyNote {
    pub fn describe(&self) -> String {
        match self {
            VerifyNote::CandidatesLeftOut { count, per_name } => certbench_base::assets::fill(
                words()
                    .get("candidates_left_out")
                    .map(String::as_str)
                    .unwrap_or("candidates left out"),
                &[
                    ("count", count.to_string()),
                    ("per_name", per_name.to_string()),
                ],
            ),
            VerifyNote::OcspPassedOver { verdict } => certbench_base::assets::fill(
                words()
                    .get("ocsp_passed_over")
                    .map(String::as_str)
                    .unwrap_or("an OCSP response passed over: {verdict}"),
                &[("verdict", verdict.replace('_', " "))],
            ),
            VerifyNote::OcspForNone => words()
                .get("ocsp_for_none")
                .cloned()
                .unwrap_or_else(|| "an OCSP response for none of these certificates".into()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// The question the verdict answers.
    pub question: Question,
    /// Who gave the verdict: "rustls-webpki" for end-entity certificates, "certbench" for CAs
    /// (webpki verifies end entities only).
    pub verified_by: &'static str,
    /// The rustls-webpki error, as webpki names it.
    pub webpki_error: Option<String>,
    /// Why not, as data (the same causes a handshake reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    pub links: Vec<Link>,
    /// The first link and field that failed certbench's own checks.
    pub failed_link: Option<usize>,
    pub failed_field: Option<&'static str>,
    /// What else the user should know about how the verdict was reached.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<VerifyNote>,
}

impl Verification {
    /// The first failed check: its link and the check.
    pub fn failed(&self) -> Option<(&Link, &Check)> {
        let link = &self.links[self.failed_link?];
        let check = link.checks.iter().find(|c| !c.ok)?;
        Some((link, check))
    }

    /// Why not, in words: the cause, then the link and field where the walk found it.
    pub fn reason(&self) -> Option<String> {
        if self.ok {
            return None;
        }
        let at = self.failed().map(|(link, check)| {
            format!(
                "{} \"{}\", {}: {}",
                link.role,
                short_name(&link.subject),
                check.field,
                check.detail()
            )
        });
        Some(match (&self.cause, at) {
            (Some(c), Some(at)) => format!("{} ({at})", certbench_cause::describe(c)),
            (Some(c), None) => certbench_cause::describe(c),
            (None, Some(at)) => at,
            (None, None) => String::new(),
        })
    }
}

/// Whether a certificate's extendedKeyUsage allows `purpose` (or any purpose), or it has none:
/// what webpki asks of a peer's end-entity certificate.
pub fn allows(der: &[u8], purpose: Purpose) -> bool {
    let readable = readable_certificate(der);
    X509Certificate::from_der(&readable).is_ok_and(|(_, c)| match c.extended_key_usage() {
        Ok(Some(e)) => {
            e.value.any
                || match purpose {
                    Purpose::Server => e.value.server_auth,
                    Purpose::Client => e.value.client_auth,
                }
        }
        Ok(None) => true,
        Err(_) => false,
    })
}

/// What a certificate says it is for, as `verify` checks it without `--purpose`: a client
/// certificate (clientAuth without serverAuth) as a client, anything else as a server.
pub fn own_purpose(der: &[u8]) -> Purpose {
    let readable = readable_certificate(der);
    let client_only = X509Certificate::from_der(&readable)
        .ok()
        .is_some_and(|(_, c)| {
            c.extended_key_usage()
                .ok()
                .flatten()
                .is_some_and(|e| e.value.client_auth && !e.value.server_auth && !e.value.any)
        });
    if client_only {
        Purpose::Client
    } else {
        Purpose::Server
    }
}

/// How many certificates with one subject name are tried as the issuer of a certificate: a pile
/// of look-alikes (same name, other keys) must not make verification take minutes.
pub const MAX_CANDIDATES_PER_NAME: usize = 32;

/// A certificate as the walk reads it: its own bytes, and what x509-parser made of the bytes it
/// can read (see [`readable_certificate`]).
struct Parsed<'a> {
    /// Its place among the certificates given.
    index: usize,
    der: &'a [u8],
    cert: X509Certificate<'a>,
    anchor: bool,
}

/// A certificate given, and the bytes x509-parser reads of it (see [`readable_certificate`]),
/// kept while it is parsed.
struct Readable<'a> {
    der: &'a [u8],
    bytes: Cow<'a, [u8]>,
    anchor: bool,
}

fn readable_all<'a>(ders: impl Iterator<Item = (&'a [u8], bool)>) -> Vec<Readable<'a>> {
    ders.map(|(der, anchor)| Readable {
        der,
        bytes: readable_certificate(der),
        anchor,
    })
    .collect()
}

fn parse_all<'a>(readable: &'a [Readable<'a>]) -> Vec<Parsed<'a>> {
    readable
        .iter()
        .enumerate()
        .filter_map(|(index, r)| {
            X509Certificate::from_der(&r.bytes)
                .ok()
                .map(|(_, cert)| Parsed {
                    index,
                    der: r.der,
                    cert,
                    anchor: r.anchor,
                })
        })
        .collect()
}

/// The untrusted certificates worth handing to a path builder: those that can be an issuer on
/// some path up from `leaf` (their subject is the issuer name sought at that step), at most
/// [`MAX_CANDIDATES_PER_NAME`] for each name, those whose key verifies the signature below first.
/// Also says how many were left out.
fn candidates<'a>(leaf: &[u8], pool: &[&'a [u8]]) -> (Vec<&'a [u8]>, usize) {
    let readable = readable_all(pool.iter().map(|d| (*d, false)));
    let parsed = parse_all(&readable);
    let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (n, p) in parsed.iter().enumerate() {
        by_subject
            .entry(p.cert.subject().as_raw())
            .or_default()
            .push(n);
    }
    let leaf_bytes = readable_certificate(leaf);
    let Ok((_, leaf_cert)) = X509Certificate::from_der(&leaf_bytes) else {
        return (vec![], 0);
    };
    let mut chosen: Vec<usize> = Vec::new();
    let mut left_out = 0;
    // Up the names, one issuer name at a time: each certificate taken asks for its own issuer's.
    let mut wanted: Vec<(&[u8], X509Certificate<'_>)> = vec![(leaf, leaf_cert)];
    let mut seen_names: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    while let Some((below_der, below)) = wanted.pop() {
        let name = below.issuer().as_raw();
        if !seen_names.insert(name.to_vec()) {
            continue;
        }
        let Some(named) = by_subject.get(name) else {
            continue;
        };
        // The ones whose key verifies the certificate below come first.
        let mut order: Vec<usize> = named.clone();
        if order.len() > MAX_CANDIDATES_PER_NAME {
            let (signers, others): (Vec<usize>, Vec<usize>) = order
                .iter()
                .partition(|&&n| signed_by(below_der, &below, parsed[n].cert.public_key()));
            order = signers.into_iter().chain(others).collect();
            left_out += order.len() - MAX_CANDIDATES_PER_NAME;
            order.truncate(MAX_CANDIDATES_PER_NAME);
        }
        for n in order {
            if !chosen.contains(&n) {
                chosen.push(n);
                wanted.push((parsed[n].der, parsed[n].cert.clone()));
            }
        }
    }
    // In the order given, as a path builder would meet them.
    chosen.sort_by_key(|&n| parsed[n].index);
    (
        chosen.into_iter().map(|n| pool[parsed[n].index]).collect(),
        left_out,
    )
}

pub fn verify(input: &VerifyInput<'_>) -> Verification {
    let (intermediates, left_out) = candidates(input.leaf, input.intermediates);
    let mut notes = if left_out > 0 {
        vec![VerifyNote::CandidatesLeftOut {
            count: left_out,
            per_name: MAX_CANDIDATES_PER_NAME,
        }]
    } else {
        vec![]
    };
    let input = &VerifyInput {
        intermediates: &intermediates,
        ..*input
    };
    // Each OCSP response read once, for every link.
    let responses: Vec<Option<crate::ocsp::Response>> = input
        .ocsp
        .iter()
        .map(|d| crate::ocsp::read_response(d).ok())
        .collect();
    let mut spoke: OcspSpoke = vec![None; input.ocsp.len()];
    let links = walk_chain(input, &responses, &mut spoke);
    notes.extend(spoke.iter().filter_map(|s| match s {
        None => Some(VerifyNote::OcspForNone),
        Some("answered") => None,
        Some(verdict) => Some(VerifyNote::OcspPassedOver { verdict }),
    }));
    let failed = links
        .iter()
        .enumerate()
        .find_map(|(i, l)| l.checks.iter().find(|c| !c.ok).map(|c| (i, c.field)));
    // webpki verifies end-entity certificates only: whether a CA chains to a trust anchor as a CA
    // (or is one) is certbench's own walk's question, asked only when asked.
    if input.as_ca {
        let anchored = links
            .last()
            .is_some_and(|l| l.role == LinkRole::TrustAnchor);
        return Verification {
            question: Question::Ca,
            verified_by: "certbench",
            ok: failed.is_none() && anchored,
            webpki_error: None,
            cause: (failed.is_none() && !anchored).then_some(Cause::UnknownIssuer),
            failed_link: failed.map(|(i, _)| i),
            failed_field: failed.map(|(_, f)| f),
            links,
            notes,
        };
    }
    let webpki = webpki_verdict(input);
    // webpki reads no OCSP: a response that says revoked refuses what it passed.
    let revoked_by_ocsp = links.iter().any(|l| {
        l.checks
            .iter()
            .any(|c| matches!(c.finding, Finding::RevokedOcsp { .. }))
    });
    Verification {
        question: Question::EndEntity,
        verified_by: "rustls-webpki",
        ok: webpki.is_ok() && !revoked_by_ocsp,
        cause: match &webpki {
            Err(e) => Some(Cause::from_webpki(e)),
            Ok(()) => revoked_by_ocsp.then_some(Cause::RevokedByOcsp),
        },
        webpki_error: webpki.err().map(|e| certbench_cause::error_name(&e)),
        failed_link: failed.map(|(i, _)| i),
        failed_field: failed.map(|(_, f)| f),
        links,
        notes,
    }
}

pub use crate::constraints::constraint_breach;

fn unix_time(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        t.unix_timestamp().max(0) as u64
    ))
}

fn webpki_verdict(input: &VerifyInput<'_>) -> Result<(), webpki::Error> {
    // A CRL webpki cannot read is left out here; certbench's own walk says which.
    let crls: Vec<webpki::CertRevocationList<'_>> = input
        .crls
        .iter()
        .filter_map(|d| webpki::OwnedCertRevocationList::from_der(d).ok())
        .map(webpki::CertRevocationList::from)
        .collect();
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crls.iter().collect();
    let revocation = webpki::RevocationOptionsBuilder::new(&crl_refs)
        .ok()
        .map(|b| {
            b.with_depth(webpki::RevocationCheckDepth::Chain)
                .with_status_policy(webpki::UnknownStatusPolicy::Allow)
                .build()
        });
    let leaf = CertificateDer::from(input.leaf);
    let ee = webpki::EndEntityCert::try_from(&leaf)?;
    let anchor_ders: Vec<CertificateDer<'_>> = input
        .anchors
        .iter()
        .map(|a| CertificateDer::from(*a))
        .collect();
    let anchors: Vec<_> = anchor_ders
        .iter()
        .filter_map(|a| webpki::anchor_from_trusted_cert(a).ok())
        .collect();
    let intermediates: Vec<CertificateDer<'_>> = input
        .intermediates
        .iter()
        .map(|c| CertificateDer::from(*c))
        .collect();
    let usage = match input.purpose {
        Purpose::Server => webpki::KeyUsage::server_auth(),
        Purpose::Client => webpki::KeyUsage::client_auth(),
    };
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        unix_time(input.at),
        usage,
        revocation,
        None,
    )?;
    if let Some(name) = input.name {
        let server_name =
            ServerName::try_from(name).map_err(|_| webpki::Error::MalformedDnsIdentifier)?;
        ee.verify_is_valid_for_subject_name(&server_name)?;
    }
    Ok(())
}

/// certbench's own walk up the chain, with each link's checks; what the OCSP responses given
/// said (`responses`, as read) goes to `spoke`.
fn walk_chain(
    input: &VerifyInput<'_>,
    responses: &[Option<crate::ocsp::Response>],
    spoke: &mut OcspSpoke,
) -> Vec<Link> {
    let leaf_bytes = readable_certificate(input.leaf);
    let Ok((_, leaf)) = X509Certificate::from_der(&leaf_bytes) else {
        return vec![Link {
            role: LinkRole::Leaf,
            subject: String::new(),
            issuer: String::new(),
            checks: vec![Check {
                field: "encoding",
                ok: false,
                finding: Finding::Unreadable,
            }],
        }];
    };
    let readable = readable_all(
        input
            .intermediates
            .iter()
            .map(|d| (*d, false))
            .chain(input.anchors.iter().map(|d| (*d, true))),
    );
    let pool = parse_all(&readable);
    let mut links = Vec::new();
    // Asked as an end entity, the certificate is a leaf even when it is also an anchor: webpki
    // then takes the anchor as its issuer, and judges it as a leaf all the same.
    let leaf_is_anchor = input.anchors.contains(&input.leaf);
    let mut current_is_anchor = input.as_ca && leaf_is_anchor;
    let mut current = Parsed {
        index: usize::MAX,
        der: input.leaf,
        cert: leaf,
        anchor: leaf_is_anchor,
    };
    let mut current_bytes: &[u8] = &leaf_bytes;
    let mut below = 0usize; // certificates below the current one, for pathlen
    // The names of the certificates walked so far, by link: what a CA's nameConstraints judge.
    let mut names_below: Vec<(usize, crate::constraints::Name, String)> = Vec::new();
    for depth in 0..8 {
        let cert = &current.cert;
        let bc = cert
            .basic_constraints()
            .ok()
            .flatten()
            .map(|b| b.value.clone());
        let is_ca = bc.as_ref().is_some_and(|b| b.ca);
        let self_signed = cert.subject().as_raw() == cert.issuer().as_raw();
        let role = if current_is_anchor {
            LinkRole::TrustAnchor
        } else if depth == 0 && !input.as_ca {
            LinkRole::Leaf
        } else if self_signed && is_ca {
            LinkRole::Root
        } else {
            LinkRole::Intermediate
        };
        // The issuer: a candidate named as the issuer whose key verifies the signature, else any
        // candidate with that name (so a bad signature is reported against it).
        let named: Vec<&Parsed<'_>> = pool
            .iter()
            .filter(|p| {
                p.cert.subject().as_raw() == cert.issuer().as_raw()
                    && (p.der != current.der || (depth == 0 && leaf_is_anchor))
            })
            .collect();
        let signs = |p: &Parsed<'_>| signed_by(current.der, cert, p.cert.public_key());
        let issuer = named.iter().find(|p| signs(p)).or(named.first()).copied();
        let mut checks = Vec::new();
        // An anchor's validity matters when it is the certificate asked about.
        if !current_is_anchor || depth == 0 {
            checks.push(validity_check(current.der, cert, input.at));
            match issuer {
                Some(i) => {
                    let ok = signs(i);
                    let issuer = rfc4514_within(i.cert.subject(), &readable[i.index].bytes);
                    checks.push(Check {
                        field: "signature",
                        ok,
                        finding: if ok {
                            Finding::SignedBy { issuer }
                        } else {
                            Finding::NotSignedBy { issuer }
                        },
                    });
                }
                None if self_signed => checks.push(Check {
                    field: "issuer",
                    ok: false,
                    finding: Finding::SelfSignedNotAnchor,
                }),
                None => checks.push(Check {
                    field: "issuer",
                    ok: false,
                    finding: Finding::IssuerNotGiven {
                        issuer: rfc4514_within(cert.issuer(), current_bytes),
                    },
                }),
            }
        }
        if !current_is_anchor {
            // Both a CRL's word and an OCSP response's, when each speaks: the first that says
            // revoked is the link's failure, and the other is still shown.
            checks.extend(revocation_check(cert, issuer, input.crls));
            // Only an issuer whose key signed the certificate can be the one a response
            // answers for.
            if let Some(i) = issuer.filter(|i| signs(i)) {
                checks.extend(ocsp_check(current.der, i, responses, input.at, spoke));
            }
        }
        if role == LinkRole::Leaf {
            checks.push(Check {
                field: "basicConstraints",
                ok: !is_ca,
                finding: if is_ca {
                    Finding::CaAsEndEntity
                } else {
                    Finding::NotCa
                },
            });
            let usage = input.purpose.eku_name();
            checks.push(match cert.extended_key_usage() {
                Ok(Some(eku)) => {
                    let e = &eku.value;
                    let ok = e.any
                        || match input.purpose {
                            Purpose::Server => e.server_auth,
                            Purpose::Client => e.client_auth,
                        };
                    Check {
                        field: "extendedKeyUsage",
                        ok,
                        finding: if ok {
                            Finding::EkuAllows { usage }
                        } else {
                            Finding::EkuLacks { usage }
                        },
                    }
                }
                Ok(None) => Check {
                    field: "extendedKeyUsage",
                    ok: true,
                    finding: Finding::EkuAbsent { usage },
                },
                Err(e) => Check {
                    field: "extendedKeyUsage",
                    ok: false,
                    finding: Finding::EkuUnreadable {
                        problem: e.to_string(),
                    },
                },
            });
            if let Some(name) = input.name {
                checks.push(name_check(cert, name));
            }
        } else {
            checks.push(Check {
                field: "basicConstraints",
                ok: is_ca,
                finding: if is_ca {
                    Finding::Ca
                } else {
                    Finding::NotCaYetIssued
                },
            });
            if let Some(limit) = bc.as_ref().and_then(|b| b.path_len_constraint) {
                let intermediates_below = below.saturating_sub(1);
                checks.push(Check {
                    field: "basicConstraints",
                    ok: intermediates_below as u32 <= limit,
                    finding: Finding::PathLen {
                        limit,
                        intermediates_below,
                    },
                });
            }
            if let Some(nc) = crate::constraints::Constraints::of(cert) {
                let subject = rfc4514_within(cert.subject(), current_bytes);
                let (permitted, excluded) = nc.texts();
                let mut broken = None;
                for (link, name, text) in &names_below {
                    let Some(breach) = nc.breach(name) else {
                        continue;
                    };
                    use crate::constraints::Breach;
                    let finding = match breach {
                        Breach::Excluded(t) => Finding::NameExcluded {
                            name: text.clone(),
                            subtree: t.text(),
                            ca: subject.clone(),
                        },
                        Breach::NotPermitted(ts) => Finding::NameNotPermitted {
                            name: text.clone(),
                            permitted: ts.iter().map(|t| t.text()).collect(),
                            ca: subject.clone(),
                        },
                    };
                    if let Some(l) = links.get_mut(*link) {
                        let l: &mut Link = l;
                        l.checks.push(Check {
                            field: "subjectAltName",
                            ok: false,
                            finding,
                        });
                    }
                    broken.get_or_insert_with(|| text.clone());
                }
                checks.push(Check {
                    field: "nameConstraints",
                    ok: broken.is_none(),
                    finding: match broken {
                        None => Finding::NameConstraintsKept {
                            permitted,
                            excluded,
                        },
                        Some(name) => Finding::NameConstraintsBroken {
                            permitted,
                            excluded,
                            name,
                        },
                    },
                });
            }
            if let Ok(Some(ku)) = cert.key_usage() {
                let ok = ku.value.key_cert_sign();
                checks.push(Check {
                    field: "keyUsage",
                    ok,
                    finding: if ok {
                        Finding::KeyCertSign
                    } else {
                        Finding::NoKeyCertSign
                    },
                });
            }
        }
        if !current_is_anchor {
            let at = links.len();
            names_below.extend(
                crate::constraints::names_of(cert)
                    .into_iter()
                    .map(|(n, t)| (at, n, t)),
            );
        }
        links.push(Link {
            role,
            subject: rfc4514_within(cert.subject(), current_bytes),
            issuer: rfc4514_within(cert.issuer(), current_bytes),
            checks,
        });
        match issuer {
            Some(i) if !current_is_anchor && !self_signed => {
                current_is_anchor = i.anchor;
                current_bytes = readable[i.index].bytes.as_ref();
                current = Parsed {
                    index: i.index,
                    der: i.der,
                    cert: i.cert.clone(),
                    anchor: i.anchor,
                };
                below += 1;
            }
            _ => break,
        }
    }
    links
}

/// The validity at the time asked, or the time that has no zone.
fn validity_check(der: &[u8], cert: &X509Certificate<'_>, at: OffsetDateTime) -> Check {
    if let Some(ZonelessTime {
        field,
        encoded,
        problem,
    }) = crate::report::times_without_zone(der).pop()
    {
        use crate::der::TimeProblem;
        return Check {
            field: "validity",
            ok: false,
            finding: match problem {
                TimeProblem::NoZone => Finding::TimeWithoutZone { field, encoded },
                TimeProblem::UtcTimeFourDigitYear => {
                    Finding::UtcTimeFourDigitYear { field, encoded }
                }
            },
        };
    }
    let v = cert.validity();
    let (not_before, not_after) = (v.not_before.to_datetime(), v.not_after.to_datetime());
    Check {
        field: "validity",
        ok: not_before <= at && at <= not_after,
        finding: Finding::Validity {
            not_before,
            not_after,
            at,
        },
    }
}

fn name_check(cert: &X509Certificate<'_>, name: &str) -> Check {
    use x509_parser::extensions::GeneralName;
    let sans: Vec<GeneralName<'_>> = match cert.subject_alternative_name() {
        Ok(Some(s)) => s.value.general_names.clone(),
        _ => vec![],
    };
    let names: Vec<String> = sans.iter().map(crate::report::general_name).collect();
    let ok = if let Ok(ip) = name.parse::<IpAddr>() {
        let want: Vec<u8> = match ip {
            IpAddr::V4(v) => v.octets().to_vec(),
            IpAddr::V6(v) => v.octets().to_vec(),
        };
        sans.iter()
            .any(|s| matches!(s, GeneralName::IPAddress(b) if *b == want.as_slice()))
    } else {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        sans.iter().any(|s| match s {
            GeneralName::DNSName(d) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                d == name
                    || d.strip_prefix("*.").is_some_and(|rest| {
                        name.split_once('.')
                            .is_some_and(|(first, tail)| !first.is_empty() && tail == rest)
                    })
            }
            _ => false,
        })
    };
    let name = name.to_string();
    Check {
        field: "subjectAltName",
        ok,
        finding: if names.is_empty() {
            Finding::NoNames { name }
        } else if ok {
            Finding::NameFound { name, names }
        } else {
            Finding::NameNotFound { name, names }
        },
    }
}

/// The CN of an RFC 4514 name, else the whole name.
fn short_name(subject: &str) -> String {
    subject
        .split(',')
        .find_map(|p| p.strip_prefix("CN="))
        .map(String::from)
        .unwrap_or_else(|| subject.to_string())
}

#[cfg(test)]
mod tests;
