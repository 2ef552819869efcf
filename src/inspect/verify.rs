//! Chain verification. rustls-webpki gives the verdict (it is what rustls uses); certbench walks
//! the chain itself too, link by link, to say which link and which field is the cause.

use std::net::IpAddr;

use ::time::OffsetDateTime;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use x509_parser::prelude::*;

use super::names::rfc4514;
use crate::text::display_safe;

/// What the certificate is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Server,
    Client,
}

impl std::str::FromStr for Purpose {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "server" => Ok(Purpose::Server),
            "client" => Ok(Purpose::Client),
            _ => Err(format!("\"{s}\" is not a purpose; use server or client")),
        }
    }
}

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

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub field: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// What a certificate is in the chain walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LinkRole {
    #[serde(rename = "leaf")]
    Leaf,
    #[serde(rename = "intermediate")]
    Intermediate,
    #[serde(rename = "trust anchor")]
    TrustAnchor,
}

impl std::fmt::Display for LinkRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LinkRole::Leaf => "leaf",
            LinkRole::Intermediate => "intermediate",
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

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// The question the verdict answers.
    pub question: Question,
    /// Who gave the verdict: "rustls-webpki" for end-entity certificates, "certbench" for CAs
    /// (webpki verifies end entities only).
    pub verified_by: &'static str,
    /// Why not, in plain words.
    pub reason: Option<String>,
    /// The rustls-webpki error, as webpki names it.
    pub webpki_error: Option<String>,
    /// Why not, as data (the same causes a handshake reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<crate::cause::Cause>,
    pub links: Vec<Link>,
    /// The first link and field that failed certbench's own checks.
    pub failed_link: Option<usize>,
    pub failed_field: Option<&'static str>,
    /// What else the user should know about how the verdict was reached.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What a certificate says it is for, as `verify` checks it without `--purpose`: a client
/// certificate (clientAuth without serverAuth) as a client, anything else as a server.
pub fn own_purpose(der: &[u8]) -> Purpose {
    let client_only = X509Certificate::from_der(der).ok().is_some_and(|(_, c)| {
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

/// The untrusted certificates worth handing to a path builder: those that can be an issuer on
/// some path up from `leaf` (their subject is the issuer name sought at that step), at most
/// [`MAX_CANDIDATES_PER_NAME`] for each name, those whose key verifies the signature below first.
/// Also says how many were left out.
fn candidates<'a>(leaf: &[u8], pool: &[&'a [u8]]) -> (Vec<&'a [u8]>, usize) {
    let parsed: Vec<(usize, X509Certificate<'a>)> = pool
        .iter()
        .enumerate()
        .filter_map(|(i, d)| X509Certificate::from_der(d).ok().map(|(_, c)| (i, c)))
        .collect();
    let mut by_subject: std::collections::HashMap<&[u8], Vec<usize>> =
        std::collections::HashMap::new();
    for (n, (_, c)) in parsed.iter().enumerate() {
        by_subject.entry(c.subject().as_raw()).or_default().push(n);
    }
    let Ok((_, leaf)) = X509Certificate::from_der(leaf) else {
        return (vec![], 0);
    };
    let mut chosen: Vec<usize> = Vec::new();
    let mut left_out = 0;
    // Up the names, one issuer name at a time: each certificate taken asks for its own issuer's.
    let mut wanted: Vec<X509Certificate<'_>> = vec![leaf];
    let mut seen_names: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    while let Some(below) = wanted.pop() {
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
            let (signers, others): (Vec<usize>, Vec<usize>) = order.iter().partition(|&&n| {
                below
                    .verify_signature(Some(parsed[n].1.public_key()))
                    .is_ok()
            });
            order = signers.into_iter().chain(others).collect();
            left_out += order.len() - MAX_CANDIDATES_PER_NAME;
            order.truncate(MAX_CANDIDATES_PER_NAME);
        }
        for n in order {
            if !chosen.contains(&n) {
                chosen.push(n);
                wanted.push(parsed[n].1.clone());
            }
        }
    }
    chosen.sort_unstable();
    (
        chosen.into_iter().map(|n| pool[parsed[n].0]).collect(),
        left_out,
    )
}

pub fn verify(input: &VerifyInput<'_>) -> Verification {
    let (intermediates, left_out) = candidates(input.leaf, input.intermediates);
    let notes = if left_out > 0 {
        vec![format!(
            "{left_out} of the untrusted certificates were not tried: more than {MAX_CANDIDATES_PER_NAME} share one subject name, and those whose key signs the certificate below were tried first"
        )]
    } else {
        vec![]
    };
    let input = &VerifyInput {
        intermediates: &intermediates,
        ..*input
    };
    let links = walk_chain(input);
    // webpki verifies end-entity certificates only: whether a CA chains to a trust anchor as a CA
    // (or is one) is certbench's own walk's question, asked only when asked.
    if input.as_ca {
        let failed = links
            .iter()
            .enumerate()
            .find_map(|(i, l)| l.checks.iter().find(|c| !c.ok).map(|c| (i, c)));
        let anchored = links
            .last()
            .is_some_and(|l| l.role == LinkRole::TrustAnchor);
        let reason = match failed {
            Some((i, c)) => Some(format!(
                "{} \"{}\", {}: {}",
                links[i].role,
                short_name(&links[i].subject),
                c.field,
                c.detail
            )),
            None if !anchored => Some("the chain does not end at a trust anchor".into()),
            None => None,
        };
        return Verification {
            question: Question::Ca,
            verified_by: "certbench",
            ok: reason.is_none(),
            reason,
            webpki_error: None,
            cause: None,
            failed_link: failed.map(|(i, _)| i),
            failed_field: failed.map(|(_, c)| c.field),
            links,
            notes,
        };
    }
    let webpki = webpki_verdict(input);
    let failed = links
        .iter()
        .enumerate()
        .find_map(|(i, l)| l.checks.iter().find(|c| !c.ok).map(|c| (i, c)));
    let reason = match (&webpki, failed) {
        (Ok(()), _) => None,
        (Err(e), Some((i, c))) => Some(format!(
            "{} ({} \"{}\", {}: {})",
            explain(e),
            links[i].role,
            short_name(&links[i].subject),
            c.field,
            c.detail
        )),
        (Err(e), None) => Some(explain(e)),
    };
    Verification {
        question: Question::EndEntity,
        verified_by: "rustls-webpki",
        ok: webpki.is_ok(),
        reason,
        cause: webpki.as_ref().err().map(crate::cause::Cause::from_webpki),
        webpki_error: webpki.err().map(|e| crate::cause::error_name(&e)),
        failed_link: failed.map(|(i, _)| i),
        failed_field: failed.map(|(_, c)| c.field),
        links,
        notes,
    }
}

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

/// A webpki error in plain words (the program's one vocabulary of causes).
pub fn explain(e: &webpki::Error) -> String {
    crate::cause::describe(&crate::cause::Cause::from_webpki(e))
}

fn short_name(subject: &str) -> String {
    subject
        .split(',')
        .find_map(|p| p.strip_prefix("CN="))
        .map(String::from)
        .unwrap_or_else(|| subject.to_string())
}

struct Parsed<'a> {
    cert: X509Certificate<'a>,
    anchor: bool,
}

/// certbench's own walk up the chain, with each link's checks.
fn walk_chain(input: &VerifyInput<'_>) -> Vec<Link> {
    let Ok((_, leaf)) = X509Certificate::from_der(input.leaf) else {
        return vec![Link {
            role: LinkRole::Leaf,
            subject: String::new(),
            issuer: String::new(),
            checks: vec![Check {
                field: "encoding",
                ok: false,
                detail: "not a valid certificate".into(),
            }],
        }];
    };
    let pool: Vec<Parsed<'_>> = input
        .intermediates
        .iter()
        .map(|d| (d, false))
        .chain(input.anchors.iter().map(|d| (d, true)))
        .filter_map(|(d, anchor)| {
            X509Certificate::from_der(d)
                .ok()
                .map(|(_, cert)| Parsed { cert, anchor })
        })
        .collect();
    let mut links = Vec::new();
    let is_anchor = |c: &X509Certificate<'_>| input.anchors.iter().any(|a| *a == c.as_raw());
    // Asked as an end entity, the certificate is a leaf even when it is also an anchor: webpki
    // then takes the anchor as its issuer, and judges it as a leaf all the same.
    let leaf_is_anchor = is_anchor(&leaf);
    let mut current_is_anchor = input.as_ca && leaf_is_anchor;
    let mut current = leaf;
    let mut below = 0usize; // certificates below the current one, for pathlen
    for depth in 0..8 {
        let bc = current
            .basic_constraints()
            .ok()
            .flatten()
            .map(|b| b.value.clone());
        let is_ca = bc.as_ref().is_some_and(|b| b.ca);
        let role = if current_is_anchor {
            LinkRole::TrustAnchor
        } else if depth == 0 && !input.as_ca {
            LinkRole::Leaf
        } else {
            LinkRole::Intermediate
        };
        let self_signed = current.subject().as_raw() == current.issuer().as_raw();
        // The issuer: a candidate named as the issuer whose key verifies the signature, else any
        // candidate with that name (so a bad signature is reported against it).
        let named: Vec<&Parsed<'_>> = pool
            .iter()
            .filter(|p| {
                p.cert.subject().as_raw() == current.issuer().as_raw()
                    && (p.cert.as_raw() != current.as_raw() || (depth == 0 && leaf_is_anchor))
            })
            .collect();
        let issuer = named
            .iter()
            .find(|p| current.verify_signature(Some(p.cert.public_key())).is_ok())
            .or(named.first())
            .copied();
        let mut checks = Vec::new();
        // An anchor's validity matters when it is the certificate asked about.
        if !current_is_anchor || depth == 0 {
            let v = current.validity();
            let (nb, na) = (v.not_before.to_datetime(), v.not_after.to_datetime());
            checks.push(Check {
                field: "validity",
                ok: nb <= input.at && input.at <= na,
                detail: super::relative_validity(nb, na, input.at),
            });
            match issuer {
                Some(i) => {
                    let ok = current.verify_signature(Some(i.cert.public_key())).is_ok();
                    checks.push(Check {
                        field: "signature",
                        ok,
                        detail: if ok {
                            format!(
                                "verifies with the key of \"{}\"",
                                short_name(&rfc4514(i.cert.subject()))
                            )
                        } else {
                            format!(
                                "does not verify with the key of \"{}\"",
                                short_name(&rfc4514(i.cert.subject()))
                            )
                        },
                    });
                }
                None if self_signed => checks.push(Check {
                    field: "issuer",
                    ok: false,
                    detail: "self-signed, and not among the trust anchors".into(),
                }),
                None => checks.push(Check {
                    field: "issuer",
                    ok: false,
                    detail: format!(
                        "its issuer \"{}\" is not among the certificates given",
                        short_name(&display_safe(&rfc4514(current.issuer()), 200))
                    ),
                }),
            }
        }
        if !current_is_anchor && let Some(check) = revocation_check(&current, issuer, input.crls) {
            checks.push(check);
        }
        if role == LinkRole::Leaf {
            checks.push(Check {
                field: "basicConstraints",
                ok: !is_ca,
                detail: if is_ca {
                    "CA:TRUE on an end-entity certificate".into()
                } else {
                    "not a CA".into()
                },
            });
            let wanted = match input.purpose {
                Purpose::Server => ("serverAuth", "1.3.6.1.5.5.7.3.1"),
                Purpose::Client => ("clientAuth", "1.3.6.1.5.5.7.3.2"),
            };
            match current.extended_key_usage() {
                Ok(Some(eku)) => {
                    let e = &eku.value;
                    let ok = e.any
                        || match input.purpose {
                            Purpose::Server => e.server_auth,
                            Purpose::Client => e.client_auth,
                        };
                    checks.push(Check {
                        field: "extendedKeyUsage",
                        ok,
                        detail: if ok {
                            format!("allows {}", wanted.0)
                        } else {
                            format!("lacks {}", wanted.0)
                        },
                    });
                }
                Ok(None) => checks.push(Check {
                    field: "extendedKeyUsage",
                    ok: true,
                    detail: format!(
                        "absent (webpki allows any purpose; some peers want {})",
                        wanted.0
                    ),
                }),
                Err(e) => checks.push(Check {
                    field: "extendedKeyUsage",
                    ok: false,
                    detail: format!("unreadable: {e}"),
                }),
            }
            if let Some(name) = input.name {
                let (ok, detail) = name_matches(&current, name);
                checks.push(Check {
                    field: "subjectAltName",
                    ok,
                    detail,
                });
            }
        } else {
            checks.push(Check {
                field: "basicConstraints",
                ok: is_ca,
                detail: if is_ca {
                    "CA:TRUE".into()
                } else {
                    "not a CA, yet it issued the certificate below".into()
                },
            });
            if let Some(pl) = bc.as_ref().and_then(|b| b.path_len_constraint) {
                let intermediates_below = below.saturating_sub(1);
                checks.push(Check {
                    field: "basicConstraints",
                    ok: intermediates_below as u32 <= pl,
                    detail: format!(
                        "pathlen {pl}, {} below",
                        crate::text::count(intermediates_below, "intermediate", "intermediates")
                    ),
                });
            }
            if let Ok(Some(ku)) = current.key_usage() {
                let ok = ku.value.key_cert_sign();
                checks.push(Check {
                    field: "keyUsage",
                    ok,
                    detail: if ok {
                        "keyCertSign".into()
                    } else {
                        "lacks keyCertSign".into()
                    },
                });
            }
        }
        links.push(Link {
            role,
            subject: display_safe(&rfc4514(current.subject()), 400),
            issuer: display_safe(&rfc4514(current.issuer()), 400),
            checks,
        });
        match issuer {
            Some(i) if !current_is_anchor && !self_signed => {
                current_is_anchor = i.anchor;
                current = i.cert.clone();
                below += 1;
            }
            _ => break,
        }
    }
    links
}

/// Whether a CRL of the certificate's issuer lists it: a CRL named by the certificate's issuer
/// and signed by the issuer's key (when the issuer is known). `None` when no such CRL was given.
fn revocation_check(
    cert: &X509Certificate<'_>,
    issuer: Option<&Parsed<'_>>,
    crls: &[&[u8]],
) -> Option<Check> {
    use x509_parser::revocation_list::CertificateRevocationList;
    // A CRL counts when its issuer is the certificate's and the issuer's key signed it; of
    // several, the newest.
    let issuer = issuer?;
    let crl = crls
        .iter()
        .filter_map(|d| {
            let (_, crl) = CertificateRevocationList::from_der(d).ok()?;
            let named = crl.issuer().as_raw() == cert.issuer().as_raw();
            (named && crl.verify_signature(issuer.cert.public_key()).is_ok()).then_some(crl)
        })
        .max_by_key(|crl| crl.last_update().to_datetime())?;
    let issuer_name = short_name(&display_safe(&rfc4514(crl.issuer()), 200));
    let entry = crl
        .iter_revoked_certificates()
        .find(|r| r.raw_serial() == cert.raw_serial());
    Some(match entry {
        Some(r) => {
            let reason = r
                .reason_code()
                .map(|(_, rc)| format!(", reason {}", super::load::reason_name(rc.0)))
                .unwrap_or_default();
            Check {
                field: "revocation",
                ok: false,
                detail: format!(
                    "revoked on {}{reason}, in the CRL of \"{issuer_name}\"",
                    crate::text::rfc3339(r.revocation_date.to_datetime())
                ),
            }
        }
        None => Check {
            field: "revocation",
            ok: true,
            detail: format!("not in the CRL of \"{issuer_name}\""),
        },
    })
}

fn name_matches(cert: &X509Certificate<'_>, name: &str) -> (bool, String) {
    use x509_parser::extensions::GeneralName;
    let sans: Vec<GeneralName<'_>> = match cert.subject_alternative_name() {
        Ok(Some(s)) => s.value.general_names.clone(),
        _ => vec![],
    };
    let shown: Vec<String> = sans.iter().map(super::report::general_name).collect();
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
    let detail = if shown.is_empty() {
        format!("no SANs, so no name matches \"{name}\"")
    } else if ok {
        format!("\"{name}\" is in {}", shown.join(", "))
    } else {
        format!("\"{name}\" is not in {}", shown.join(", "))
    };
    (ok, display_safe(&detail, 600))
}
