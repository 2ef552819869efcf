//! Renewing a certificate: the same profile, names and issuer read back from the certificate
//! itself, a fresh serial and validity from now, the same key unless a new one is asked for; the
//! old files kept in `replaced/`. A CA's certificates are told what the renewal means for them.

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::{Issued, KeySource, Workspace};
use crate::error::{Error, Result};
use crate::{ExtKeyUsage, IssueSpec, KeyUsage, Role, Subject};

/// What `renew` made.
#[derive(Debug, Clone)]
pub struct Renewed {
    pub issued: Issued,
    pub old_serial: String,
    pub old_not_after: OffsetDateTime,
    /// Whether the new certificate has the old one's key.
    pub key_kept: bool,
    /// For a CA: the certificates it issued, and what the renewal means for each.
    pub dependants: Vec<Dependant>,
    /// A CA with a new key: its CRL (signed by the old key) was moved to replaced/ with it.
    pub crl_moved: bool,
}

/// A certificate a renewed CA had issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependant {
    pub name: String,
    pub role: Role,
    pub why: DependantWhy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependantWhy {
    /// The CA has a new key: the certificate's signature is the old key's, and no longer
    /// verifies. It needs renewing.
    SignedByOldKey,
    /// The same key: it still verifies, but its chain file carries the old CA certificate,
    /// which expires when it did. Renew it to send the new one.
    ChainCarriesOld,
    /// The same key and no chain file to change: nothing to do.
    StillChains,
}

impl Workspace {
    /// Re-issue `name` as it is (profile, names, issuer), from `now`, with a fresh serial; with
    /// `new_key` a new key pair. A revoked certificate is not renewed (issue a new one), and one
    /// signed from a request keeps the service's key (it has no other here).
    pub fn renew(&mut self, name: &str, new_key: bool, now: OffsetDateTime) -> Result<Renewed> {
        self.renew_for(name, new_key, None, now)
    }

    /// [`Workspace::renew`], valid for `days` from now instead of as long as it was.
    pub fn renew_for(
        &mut self,
        name: &str,
        new_key: bool,
        days: Option<u32>,
        now: OffsetDateTime,
    ) -> Result<Renewed> {
        let old = self.renewable(name)?;
        let der = self.cert_der(&old)?;
        let bad = |reason: &str| Error::BadMaterial {
            name: old.name.clone(),
            what: "certificate",
            path: self.path(&old.cert),
            reason: reason.to_string().into(),
        };
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der)
            .map_err(|_| bad("it cannot be read as a certificate"))?;
        let mut spec = spec_of(&old, &cert, &der);
        if let Some(days) = days {
            spec.days = days;
        }
        let errors = spec.validate(&self.ca_names(), now);
        if !errors.is_empty() {
            return Err(Error::InvalidRequest(errors));
        }
        let key = match (&old.key, new_key) {
            (Some(_), true) => KeySource::Made(crate::generate_key(spec.key_alg)?),
            (Some(_), false) => {
                let pem = self.key_text(&old)?;
                KeySource::Made(crate::load_key(&pem).map_err(|e| Error::BadMaterial {
                    name: old.name.clone(),
                    what: "private key",
                    path: self.path(old.key.as_deref().unwrap_or_default()),
                    reason: Box::new(e),
                })?)
            }
            (None, false) => KeySource::Requested(crate::csr::request_key(cert.public_key())?),
            (None, true) => return Err(Error::RenewRequested { name: name.into() }),
        };
        let lock = self.begin()?;
        // Under the lock, the manifest as it is now: another certbench may have revoked it or
        // signed a CRL (a new CRL number) since it was read above.
        let old = self.renewable(name)?;
        let mut prepared = self.prepare(&spec, key, &[], now)?;
        // CRL numbers only grow (RFC 5280 5.2.3), across the CA's renewals too.
        prepared.entity.crl_number = old.crl_number;
        // The old certificate stays valid until its notAfter: its serial is kept, so it can be
        // revoked (`revoke NAME --serial`); those that have expired are let go.
        prepared.entity.superseded = old
            .superseded
            .iter()
            .filter(|s| s.not_after > now)
            .cloned()
            .chain(std::iter::once(super::Superseded {
                serial: old.serial.clone(),
                not_after: old.not_after,
                revoked: None,
            }))
            .filter(|s| s.not_after > now)
            .collect();
        let mut targets = prepared.target_files();
        targets.push(old.cert.clone());
        targets.extend(old.key.clone());
        targets.extend(old.chain.clone());
        let crl_moved = new_key && old.role.is_ca() && self.path(&old.crl_file()).exists();
        if crl_moved {
            // Signed by the old key: a new CRL is made by the new one when asked for.
            targets.push(old.crl_file());
        }
        let moves = self.archive_moves(&targets, now);
        let mut manifest = self.manifest.clone();
        let issued = self
            .commit(&lock, &mut manifest, vec![prepared], moves)?
            .pop()
            .ok_or_else(|| Error::UnknownEntity { name: name.into() })?;
        let dependants = self
            .entities()
            .iter()
            .filter(|e| e.issuer.as_deref() == Some(name) && e.name != name)
            .map(|e| Dependant {
                name: e.name.clone(),
                role: e.role,
                why: if new_key {
                    DependantWhy::SignedByOldKey
                } else if e.chain.is_some() && old.role == Role::Intermediate {
                    DependantWhy::ChainCarriesOld
                } else {
                    DependantWhy::StillChains
                },
            })
            .collect();
        Ok(Renewed {
            issued,
            old_serial: old.serial,
            old_not_after: old.not_after,
            key_kept: !new_key,
            dependants,
            crl_moved,
        })
    }
}

impl Workspace {
    /// The entity `name`, as long as it can be renewed (it exists and is not revoked).
    fn renewable(&self, name: &str) -> Result<super::Entity> {
        let e = self
            .entity(name)
            .ok_or_else(|| Error::UnknownEntity { name: name.into() })?;
        if e.revoked.is_some() {
            return Err(Error::ReplaceRevoked { name: name.into() });
        }
        Ok(e.clone())
    }
}

/// The request that makes `cert` again: its subject's CN, O, OU and C, its names, key usages
/// and extended key usages (those certbench issues), path length, name constraints, responder
/// and CRL URLs, and its validity's length.
fn spec_of(
    e: &super::Entity,
    cert: &x509_parser::certificate::X509Certificate<'_>,
    der: &[u8],
) -> IssueSpec {
    use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
    let mut spec = IssueSpec::for_role(e.role, &e.name);
    spec.issuer = e.issuer.clone().unwrap_or_default();
    spec.key_alg = e.key_alg;
    let first =
        |mut it: Box<dyn Iterator<Item = &x509_parser::x509::AttributeTypeAndValue<'_>> + '_>| {
            it.next()
                .and_then(|a| a.as_str().ok())
                .unwrap_or_default()
                .to_string()
        };
    let subject = cert.subject();
    spec.subject = Subject {
        common_name: first(Box::new(subject.iter_common_name())),
        organization: first(Box::new(subject.iter_organization())),
        organizational_unit: first(Box::new(subject.iter_organizational_unit())),
        country: first(Box::new(subject.iter_country())),
    };
    spec.sans = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|g| match g {
                GeneralName::DNSName(d) => Some(d.to_string()),
                GeneralName::IPAddress(b) => ip(b).map(|a| a.to_string()),
                GeneralName::RFC822Name(m) => Some(format!("email:{m}")),
                GeneralName::URI(u) => Some(format!("uri:{u}")),
                _ => None,
            })
            .collect(),
        _ => vec![],
    };
    let validity = cert.validity();
    let seconds = (validity.not_after.to_datetime() - validity.not_before.to_datetime())
        .whole_seconds()
        .max(86_400);
    spec.days = u32::try_from(seconds / 86_400).unwrap_or(crate::MAX_DAYS);
    spec.path_len = match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => bc
            .value
            .path_len_constraint
            .and_then(|n| u8::try_from(n).ok()),
        _ => None,
    };
    if let Ok(Some(ku)) = cert.key_usage() {
        let k = ku.value;
        let bits = [
            (k.digital_signature(), KeyUsage::DigitalSignature),
            (k.key_encipherment(), KeyUsage::KeyEncipherment),
            (k.key_agreement(), KeyUsage::KeyAgreement),
            (k.key_cert_sign(), KeyUsage::KeyCertSign),
            (k.crl_sign(), KeyUsage::CrlSign),
        ];
        spec.key_usages = Some(bits.iter().filter(|(on, _)| *on).map(|(_, u)| *u).collect());
    }
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        let v = eku.value;
        let purposes = [
            (v.server_auth, ExtKeyUsage::ServerAuth),
            (v.client_auth, ExtKeyUsage::ClientAuth),
            (v.ocsp_signing, ExtKeyUsage::OcspSigning),
        ];
        spec.ext_key_usages = Some(
            purposes
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, u)| *u)
                .collect(),
        );
    }
    if let Some(c) = certbench_x509::constraints::Constraints::of_der(der) {
        use certbench_x509::constraints::Subtree;
        for (subtrees, dns, ips) in [
            (
                &c.permitted,
                &mut spec.permitted_dns,
                &mut spec.permitted_ip,
            ),
            (&c.excluded, &mut spec.excluded_dns, &mut spec.excluded_ip),
        ] {
            for s in subtrees {
                match s {
                    Subtree::Dns(d) => dns.push(d.clone()),
                    Subtree::Ip(b) => ips.extend(cidr(b)),
                    _ => {}
                }
            }
        }
    }
    spec.ocsp_url = certbench_x509::ocsp::responder_urls(der)
        .into_iter()
        .next()
        .unwrap_or_default();
    spec.crl_url = cert
        .extensions()
        .iter()
        .find_map(|x| match x.parsed_extension() {
            ParsedExtension::CRLDistributionPoints(points) => {
                points
                    .points
                    .iter()
                    .find_map(|p| match &p.distribution_point {
                        Some(DistributionPointName::FullName(names)) => {
                            names.iter().find_map(|n| match n {
                                GeneralName::URI(u) => Some(u.to_string()),
                                _ => None,
                            })
                        }
                        _ => None,
                    })
            }
            _ => None,
        })
        .unwrap_or_default();
    spec
}

fn ip(b: &[u8]) -> Option<std::net::IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

/// An address and mask (8 or 32 bytes) as CIDR, as `--permit-ip` takes it.
fn cidr(b: &[u8]) -> Option<String> {
    let (addr, mask) = b.split_at(b.len() / 2);
    let prefix: u32 = mask.iter().map(|m| m.count_ones()).sum();
    Some(format!("{}/{prefix}", ip(addr)?))
}
