//! How the workspace's PKI ages: every certificate with the days it has left (the next to
//! expire first, dates from the manifest), each CA's CRL with its nextUpdate, and what will break
//! before anything has expired: a certificate valid longer than its issuer, a chain file that
//! carries an older CA certificate than the workspace's, a leaf's key kept across renewals, a
//! stale CRL. Keys, chain files and CRLs are read from their bytes.

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::{Entity, REPLACED_DIR, Workspace};
use crate::Role;

/// Under this many days left, a certificate is said to expire soon; or under a third of its
/// validity when that is shorter (certbot's rule, which renews a 90-day certificate with 30 days
/// left): a one-day certificate does not expire "soon" from the moment it is made.
pub const EXPIRES_SOON_DAYS: i64 = 30;

/// The workspace at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The next to expire first.
    pub certificates: Vec<Aging>,
    pub crls: Vec<CrlAge>,
    pub warnings: Vec<Warning>,
}

/// One certificate's time.
#[derive(Debug, Clone, Serialize)]
pub struct Aging {
    pub name: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    pub serial: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Whole days until notAfter; negative once it has passed.
    pub days_left: i64,
    pub state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Valid,
    /// Fewer than [`EXPIRES_SOON_DAYS`] left.
    ExpiresSoon,
    Expired,
    NotYetValid,
    Revoked,
}

/// A CA's CRL.
#[derive(Debug, Clone, Serialize)]
pub struct CrlAge {
    pub ca: String,
    pub file: String,
    #[serde(with = "time::serde::rfc3339")]
    pub this_update: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_update: Option<OffsetDateTime>,
    /// Past its nextUpdate: a client that checks CRLs refuses what it covers.
    pub stale: bool,
}

/// What will break, or is weak, though nothing may have expired yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// Valid after its issuer expires: from then on its chain fails (the issuer is expired),
    /// however many days it has left itself. For an intermediate, the issuer is the root.
    OutlivesIssuer {
        name: String,
        role: Role,
        issuer: String,
        #[serde(with = "time::serde::rfc3339")]
        not_after: OffsetDateTime,
        #[serde(with = "time::serde::rfc3339")]
        issuer_not_after: OffsetDateTime,
    },
    /// A leaf's chain, as its chain file has it (what a server or client sends), does not
    /// verify to the workspace's roots with its CRLs at that time: a peer refuses it now.
    ChainBroken {
        name: String,
        /// Why, as a handshake would say it.
        #[serde(skip_serializing_if = "Option::is_none")]
        cause: Option<certbench_cause::Cause>,
        /// The certificate of the chain at fault, by subject (RFC 4514).
        #[serde(skip_serializing_if = "Option::is_none")]
        at_fault: Option<String>,
    },
    /// A leaf's chain file carries another certificate of a workspace CA than the CA's own
    /// (it was renewed since): a server sends the old one, until it expires.
    ChainOutdated {
        name: String,
        ca: String,
        #[serde(with = "time::serde::rfc3339")]
        not_after: OffsetDateTime,
    },
    /// A leaf's key is the key of certificates it replaced (`renew` without `--new-key`): a
    /// key that leaked before stays useful across renewals. (A CA keeps its key on purpose:
    /// what it issued goes on verifying.)
    KeyReused {
        name: String,
        /// The replaced certificates with the same key, as paths in the workspace.
        replaced: Vec<String>,
    },
    /// A CA's CRL is past its nextUpdate.
    CrlStale {
        ca: String,
        #[serde(with = "time::serde::rfc3339")]
        next_update: OffsetDateTime,
    },
    /// A file the manifest names cannot be read as what it should be.
    Unreadable { name: String, file: String },
}

impl Workspace {
    /// The workspace's health at `at` (now, or a day to look ahead to).
    pub fn health(&self, at: OffsetDateTime) -> Health {
        let mut warnings = Vec::new();
        let mut certificates: Vec<Aging> = self.entities().iter().map(|e| aging(e, at)).collect();
        certificates.sort_by(|a, b| a.not_after.cmp(&b.not_after).then(a.name.cmp(&b.name)));
        for e in self.entities() {
            let Some(issuer) = e.issuer.as_deref().and_then(|i| self.entity(i)) else {
                continue;
            };
            // A revoked or expired certificate breaks nothing more when its issuer expires.
            if e.revoked.is_none() && e.not_after >= at && e.not_after > issuer.not_after {
                warnings.push(Warning::OutlivesIssuer {
                    name: e.name.clone(),
                    role: e.role,
                    issuer: issuer.name.clone(),
                    not_after: e.not_after,
                    issuer_not_after: issuer.not_after,
                });
            }
        }
        // Each file read once: the certificates, the leaves' chain files, the CAs' CRLs.
        let ents = self.entities();
        let ders: Vec<Option<Vec<u8>>> = ents.iter().map(|e| self.cert_der(e).ok()).collect();
        let chains: Vec<Option<Vec<Vec<u8>>>> = ents
            .iter()
            .map(|e| {
                let bytes = std::fs::read(self.path(e.chain.as_deref()?)).ok()?;
                Some(pem_certificates(&bytes))
            })
            .collect();
        let crl_files: Vec<(&Entity, String, Vec<u8>)> = ents
            .iter()
            .filter(|e| e.role.is_ca())
            .filter_map(|ca| {
                let file = ca.crl_file();
                let bytes = std::fs::read(self.path(&file)).ok()?;
                Some((ca, file, super::revocation::pem_der_or_der(&bytes)))
            })
            .collect();
        let broken = broken_chains(ents, &ders, &chains, &crl_files, at);
        // A chain that fails now is said once, as such.
        warnings.extend(outdated_chains(ents, &ders, &chains).into_iter().filter(|w| {
            !matches!(w, Warning::ChainOutdated { name, .. }
                if broken.iter().any(|b| matches!(b, Warning::ChainBroken { name: n, .. } if n == name)))
        }));
        warnings.extend(broken);
        let replaced = self.replaced_spkis();
        for (e, der) in ents.iter().zip(&ders) {
            let Some(spki) = der.as_deref().and_then(spki) else {
                warnings.push(Warning::Unreadable {
                    name: e.name.clone(),
                    file: e.cert.clone(),
                });
                continue;
            };
            let same: Vec<String> = replaced
                .iter()
                .filter(|(file, s)| file.ends_with(&format!("/{}", e.cert)) && *s == spki)
                .map(|(file, _)| file.clone())
                .collect();
            if !same.is_empty() && e.role.is_leaf() && e.key.is_some() {
                warnings.push(Warning::KeyReused {
                    name: e.name.clone(),
                    replaced: same,
                });
            }
        }
        let mut crls = Vec::new();
        for (ca, file, der) in crl_files {
            let Ok((_, crl)) =
                x509_parser::revocation_list::CertificateRevocationList::from_der(&der)
            else {
                warnings.push(Warning::Unreadable {
                    name: ca.name.clone(),
                    file,
                });
                continue;
            };
            let next_update = crl.next_update().map(|t| t.to_datetime());
            let stale = next_update.is_some_and(|n| n < at);
            if let (true, Some(n)) = (stale, next_update) {
                warnings.push(Warning::CrlStale {
                    ca: ca.name.clone(),
                    next_update: n,
                });
            }
            crls.push(CrlAge {
                ca: ca.name.clone(),
                file,
                this_update: crl.last_update().to_datetime(),
                next_update,
                stale,
            });
        }
        Health {
            at,
            certificates,
            crls,
            warnings,
        }
    }

    /// The certificates under `replaced/` of the names the workspace has now, each with its
    /// SubjectPublicKeyInfo.
    fn replaced_spkis(&self) -> Vec<(String, Vec<u8>)> {
        let names: std::collections::HashSet<&str> =
            self.entities().iter().map(|e| e.cert.as_str()).collect();
        let mut out = Vec::new();
        let Ok(folders) = std::fs::read_dir(self.path(REPLACED_DIR)) else {
            return out;
        };
        let mut folders: Vec<_> = folders.flatten().map(|f| f.path()).collect();
        folders.sort();
        for folder in folders {
            let Ok(files) = std::fs::read_dir(&folder) else {
                continue;
            };
            for f in files.flatten() {
                let path = f.path();
                if !f.file_name().to_str().is_some_and(|n| names.contains(n)) {
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                if let Some(s) = spki(&super::revocation::pem_der_or_der(&bytes)) {
                    let rel = path
                        .strip_prefix(self.dir())
                        .unwrap_or(&path)
                        .display()
                        .to_string();
                    out.push((rel, s));
                }
            }
        }
        out
    }
}

/// Each leaf's chain file (`chains`, by entity) verified as a peer would: to the workspace's
/// roots, with its CRLs.
fn broken_chains(
    ents: &[Entity],
    ders: &[Option<Vec<u8>>],
    chains: &[Option<Vec<Vec<u8>>>],
    crl_files: &[(&Entity, String, Vec<u8>)],
    at: OffsetDateTime,
) -> Vec<Warning> {
    use certbench_x509::verify::{VerifyInput, own_purpose, verify};
    let anchors: Vec<&[u8]> = ents
        .iter()
        .zip(ders)
        .filter(|(e, _)| e.role == crate::Role::Ca)
        .filter_map(|(_, d)| d.as_deref())
        .collect();
    let crls: Vec<&[u8]> = crl_files.iter().map(|(_, _, d)| d.as_slice()).collect();
    let mut out = Vec::new();
    for (e, chain) in ents.iter().zip(chains) {
        if !(e.role.is_leaf() && e.revoked.is_none() && e.not_before <= at && at <= e.not_after) {
            continue;
        }
        let Some((leaf, above)) = chain.as_deref().and_then(<[Vec<u8>]>::split_first) else {
            continue;
        };
        let intermediates: Vec<&[u8]> = above.iter().map(Vec::as_slice).collect();
        let v = verify(&VerifyInput {
            leaf,
            intermediates: &intermediates,
            anchors: &anchors,
            crls: &crls,
            ocsp: &[],
            purpose: own_purpose(leaf),
            name: None,
            at,
            as_ca: false,
        });
        if !v.ok {
            out.push(Warning::ChainBroken {
                name: e.name.clone(),
                cause: v.cause.clone(),
                at_fault: v.failed().map(|(link, _)| link.subject.clone()),
            });
        }
    }
    out
}

/// For each chain file, a certificate in it of a workspace CA (by subject) that is not that
/// CA's certificate now.
fn outdated_chains(
    ents: &[Entity],
    ders: &[Option<Vec<u8>>],
    chains: &[Option<Vec<Vec<u8>>>],
) -> Vec<Warning> {
    use x509_parser::certificate::X509Certificate;
    // Each CA's certificate and subject, parsed once.
    let cas: Vec<(&str, &[u8], Vec<u8>)> = ents
        .iter()
        .zip(ders)
        .filter(|(e, _)| e.role.is_ca())
        .filter_map(|(e, d)| {
            let d = d.as_deref()?;
            let (_, c) = X509Certificate::from_der(d).ok()?;
            Some((e.name.as_str(), d, c.subject().as_raw().to_vec()))
        })
        .collect();
    let mut out = Vec::new();
    for (e, chain) in ents.iter().zip(chains) {
        let Some(chain) = chain.as_deref().filter(|_| e.revoked.is_none()) else {
            continue;
        };
        for der in chain.iter().skip(1) {
            let Ok((_, sent)) = X509Certificate::from_der(der) else {
                continue;
            };
            let stale = cas.iter().find(|(_, own, subject)| {
                *own != der.as_slice() && subject == sent.subject().as_raw()
            });
            if let Some((ca, _, _)) = stale {
                out.push(Warning::ChainOutdated {
                    name: e.name.clone(),
                    ca: ca.to_string(),
                    not_after: sent.validity().not_after.to_datetime(),
                });
            }
        }
    }
    out
}

/// The certificates of a PEM text, in order.
fn pem_certificates(text: &[u8]) -> Vec<Vec<u8>> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(text)
        .filter_map(Result::ok)
        .map(|c| c.to_vec())
        .collect()
}

fn spki(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).ok()?;
    Some(cert.public_key().raw.to_vec())
}

fn aging(e: &Entity, at: OffsetDateTime) -> Aging {
    // Rounded as every other view of the workspace rounds it (`inspect`, `list`, the TUI).
    let days_left = certbench_x509::days_until(e.not_after, at);
    let state = if e.revoked.is_some() {
        State::Revoked
    } else if at < e.not_before {
        State::NotYetValid
    } else if at > e.not_after {
        State::Expired
    } else if e.not_after - at
        < time::Duration::days(EXPIRES_SOON_DAYS).min((e.not_after - e.not_before) / 3)
    {
        State::ExpiresSoon
    } else {
        State::Valid
    };
    Aging {
        name: e.name.clone(),
        role: e.role,
        issuer: e.issuer.clone(),
        serial: e.serial.clone(),
        not_before: e.not_before,
        not_after: e.not_after,
        days_left,
        state,
    }
}
