//! Revocation in the workspace: revoking a certificate, the CRL each CA signs, and the OCSP
//! answer for any certificate the workspace's CAs issued (what `certbench ocsp` serves and what
//! a stapling server staples).

use rustls_pki_types::pem::{PemObject, SectionKind};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::{
    CrlSigned, Entity, Manifest, Revocation, Revoked, Workspace, crl_file_of, hex_decode,
    manifest_text,
};
use crate::error::{Error, Result};
use crate::ocsp::{Answer, OcspSigner, Times, refusal, sign_response};
use crate::{RevokedEntry, Role};
use certbench_base::text::display_safe;
use certbench_base::{fsutil, fsutil::FileWrite};
use certbench_x509::RevocationReason;
use certbench_x509::ocsp::{CertId, CertStatus, Request, ResponseStatus};

/// A CRL is made again when less than this is left before its nextUpdate.
const CRL_RENEW_BEFORE: time::Duration = time::Duration::days(1);

/// What the workspace answered to an OCSP request.
#[derive(Debug, Clone)]
pub struct Responded {
    /// The response, as sent (DER).
    pub der: Vec<u8>,
    pub status: ResponseStatus,
    /// The CA the request asked about; `None` when the workspace has no such CA.
    pub ca: Option<String>,
    /// Who signed it: the CA, or its delegated responder.
    pub signer: Option<String>,
    pub delegated: bool,
    pub answers: Vec<Answered>,
    pub times: Option<Times>,
}

/// The answer for one certificate asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub id: CertId,
    /// The workspace's name for it; `None` when its CA issued no such serial here.
    pub name: Option<String>,
    pub status: CertStatus,
}

impl Workspace {
    /// Revoke `name` and make its issuer's CRL again, signed by the issuer.
    pub fn revoke(
        &mut self,
        name: &str,
        reason: RevocationReason,
        now: OffsetDateTime,
    ) -> Result<Revoked> {
        self.revoke_serial(name, None, reason, now)
    }

    /// Revoke `name`'s certificate, or (`serial`, uppercase hex) one of its certificates that a
    /// renewal replaced and that is still within its dates, and make the issuer's CRL again.
    pub fn revoke_serial(
        &mut self,
        name: &str,
        serial: Option<&str>,
        reason: RevocationReason,
        now: OffsetDateTime,
    ) -> Result<Revoked> {
        let lock = self.begin()?;
        let entity = self
            .entity(name)
            .ok_or_else(|| Error::UnknownEntity { name: name.into() })?
            .clone();
        let wanted = serial.map(|s| {
            let s = s.trim();
            let s = s.strip_prefix("serial=").unwrap_or(s);
            s.trim_start_matches("0x").replace(':', "").to_uppercase()
        });
        if let Some(w) = &wanted
            && (w.is_empty() || !w.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(Error::NotASerial {
                given: display_safe(serial.unwrap_or_default(), 80),
            });
        }
        let current = wanted.as_deref().is_none_or(|s| s == entity.serial);
        let old = (!current)
            .then(|| {
                entity
                    .superseded
                    .iter()
                    .find(|s| Some(s.serial.as_str()) == wanted.as_deref())
            })
            .flatten();
        if !current && old.is_none() {
            return Err(Error::UnknownSerial {
                name: name.into(),
                serial: display_safe(wanted.as_deref().unwrap_or_default(), 80),
                known: std::iter::once(entity.serial.clone())
                    .chain(entity.superseded.iter().map(|s| s.serial.clone()))
                    .collect(),
            });
        }
        if current && entity.revoked.is_some() {
            return Err(Error::AlreadyRevoked { name: name.into() });
        }
        if let Some(s) = old.filter(|s| s.revoked.is_some()) {
            return Err(Error::SerialAlreadyRevoked {
                name: name.into(),
                serial: s.serial.clone(),
            });
        }
        let issuer_name = entity
            .issuer
            .clone()
            .ok_or_else(|| Error::CannotRevokeRoot { name: name.into() })?;
        let mut manifest = self.manifest.clone();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        for e in manifest.entities.iter_mut().filter(|e| e.name == name) {
            if current {
                e.revoked = Some(Revocation { at: now, reason });
            }
            for s in e
                .superseded
                .iter_mut()
                .filter(|s| !current && Some(s.serial.as_str()) == wanted.as_deref())
            {
                s.revoked = Some(Revocation { at: now, reason });
            }
        }
        let (crl_pem, listed, _) = self.sign_crl(&mut manifest, &issuer_name, now)?;
        let crl_path = self.path(&crl_file_of(&issuer_name));
        let files = vec![
            FileWrite::replaceable(&crl_path, crl_pem),
            FileWrite::replaceable(self.path(super::MANIFEST_FILE), manifest_text(&manifest)?),
        ];
        fsutil::commit(&lock, &files, &[], false)?;
        self.manifest = manifest;
        Ok(Revoked {
            name: name.into(),
            serial: wanted.unwrap_or(entity.serial),
            issuer: issuer_name,
            crl_path,
            listed,
        })
    }

    /// Sign the CRLs of `cas` anew (all the workspace's CAs that hold a key when `cas` is empty),
    /// each listing what its CA revoked as the workspace says now, good for 30 days from `now`:
    /// for a server that reads its CRL from a file (nginx `ssl_crl`, `openssl -CRLfile`), before
    /// the last one's nextUpdate. All are written together, or none.
    pub fn sign_crls(&mut self, cas: &[String], now: OffsetDateTime) -> Result<Vec<CrlSigned>> {
        let lock = self.begin()?;
        let names: Vec<String> = if cas.is_empty() {
            self.entities()
                .iter()
                .filter(|e| e.role.is_ca() && e.key.is_some())
                .map(|e| e.name.clone())
                .collect()
        } else {
            let mut names: Vec<String> = Vec::new();
            for ca in cas {
                self.ca_entity(ca)?;
                if !names.contains(ca) {
                    names.push(ca.clone());
                }
            }
            names
        };
        let (this_update, next_update) = crate::crl::crl_times(now);
        let mut manifest = self.manifest.clone();
        let (mut files, mut signed) = (Vec::new(), Vec::new());
        for ca in names {
            let (pem, listed, number) = self.sign_crl(&mut manifest, &ca, now)?;
            let path = self.path(&crl_file_of(&ca));
            files.push(FileWrite::replaceable(&path, pem));
            signed.push(CrlSigned {
                ca,
                path,
                number,
                listed,
                this_update,
                next_update,
            });
        }
        if signed.is_empty() {
            return Ok(signed);
        }
        files.push(FileWrite::replaceable(
            self.path(super::MANIFEST_FILE),
            manifest_text(&manifest)?,
        ));
        fsutil::commit(&lock, &files, &[], false)?;
        self.manifest = manifest;
        Ok(signed)
    }

    /// The CRL `ca` signs (DER): the one on disk while it has more than a day left, else a new
    /// one signed now (a CA that never revoked anything has none yet), written to the workspace.
    pub fn current_crl(&mut self, ca: &str, now: OffsetDateTime) -> Result<Vec<u8>> {
        let path = self.path(&crl_file_of(ca));
        if let Some(der) = current_crl_at(&path, now) {
            return Ok(der);
        }
        let lock = self.begin()?;
        self.ca_entity(ca)?;
        // Another process may have made it meanwhile.
        if let Some(der) = current_crl_at(&path, now) {
            return Ok(der);
        }
        let mut manifest = self.manifest.clone();
        let (crl_pem, ..) = self.sign_crl(&mut manifest, ca, now)?;
        let files = vec![
            FileWrite::replaceable(&path, crl_pem.clone()),
            FileWrite::replaceable(self.path(super::MANIFEST_FILE), manifest_text(&manifest)?),
        ];
        fsutil::commit(&lock, &files, &[], false)?;
        self.manifest = manifest;
        pem_der(&crl_pem).ok_or_else(|| Error::BadMaterial {
            name: ca.into(),
            what: "CRL",
            path,
            reason: "the CRL just made is not PEM".into(),
        })
    }

    /// The CA called `name`: an error when there is none, or it is no CA.
    fn ca_entity(&self, name: &str) -> Result<&Entity> {
        let entity = self
            .entity(name)
            .ok_or_else(|| Error::UnknownEntity { name: name.into() })?;
        if !entity.role.is_ca() {
            return Err(Error::NotACa {
                name: name.into(),
                role: entity.role.title().into(),
            });
        }
        Ok(entity)
    }

    /// `issuer_name`'s CRL listing every certificate it issued that `manifest` says is revoked,
    /// with the next CRL number (counted in `manifest`). Returns the PEM, how many it lists and
    /// its number.
    fn sign_crl(
        &self,
        manifest: &mut Manifest,
        issuer_name: &str,
        now: OffsetDateTime,
    ) -> Result<(String, usize, u64)> {
        let issuer = self.load_issuer(issuer_name, &[])?;
        let revoked: Vec<RevokedEntry> = manifest
            .entities
            .iter()
            .filter(|e| e.issuer.as_deref() == Some(issuer_name))
            .flat_map(|e| {
                // The certificate, and those of its name that renewals replaced.
                std::iter::once((&e.serial, e.revoked.as_ref()))
                    .chain(e.superseded.iter().map(|s| (&s.serial, s.revoked.as_ref())))
            })
            .filter_map(|(serial, r)| {
                let r = r?;
                Some(RevokedEntry {
                    serial: hex_decode(serial)?,
                    revoked_at: r.at,
                    reason: r.reason,
                })
            })
            .collect();
        let mut crl_number = 1;
        for e in manifest
            .entities
            .iter_mut()
            .filter(|e| e.name == issuer_name)
        {
            // The manifest is TOML, whose integers stop at i64::MAX: so does the CRL number.
            crl_number = e
                .crl_number
                .unwrap_or(0)
                .checked_add(1)
                .filter(|n| i64::try_from(*n).is_ok())
                .ok_or_else(|| Error::CrlNumberExhausted {
                    name: issuer_name.into(),
                })?;
            e.crl_number = Some(crl_number);
        }
        let pem = crate::make_crl(&issuer.material, &revoked, crl_number, now)?;
        Ok((pem, revoked.len(), crl_number))
    }

    /// The answer to an OCSP `request`, signed by the CA it asks about, or by the responder
    /// certificate ([`Role::Ocsp`]) that CA issued when it has a current one. A request about a
    /// CA the workspace does not hold is answered `unauthorized` (RFC 6960 2.3); a serial that
    /// CA did not issue here, `unknown`.
    pub fn ocsp_response(&self, request: &Request, now: OffsetDateTime) -> Result<Responded> {
        let cas: Vec<(&Entity, Vec<u8>)> = self
            .entities()
            .iter()
            .filter(|e| e.role.is_ca())
            .filter_map(|e| Some((e, self.cert_der(e).ok()?)))
            .collect();
        let Some((ca, ca_der)) = request.ids.iter().find_map(|id| {
            cas.iter()
                .find(|(_, der)| id.names_issuer(der))
                .map(|(e, der)| (*e, der))
        }) else {
            return Ok(refused(ResponseStatus::Unauthorized));
        };
        let answers: Vec<Answered> = request
            .ids
            .iter()
            .map(|id| {
                let issued = id
                    .names_issuer(ca_der)
                    .then(|| self.issued_by(&ca.name, &id.serial))
                    .flatten();
                Answered {
                    id: id.clone(),
                    name: issued.map(|(e, _)| e.name.clone()),
                    status: match issued {
                        None => CertStatus::Unknown,
                        Some((_, Some(r))) => CertStatus::Revoked {
                            at: r.at,
                            // RFC 5280 5.3.1: absent rather than unspecified, as in the CRL.
                            reason: (r.reason != RevocationReason::Unspecified).then_some(r.reason),
                        },
                        Some((_, None)) => CertStatus::Good,
                    },
                }
            })
            .collect();
        let delegate = self
            .entities()
            .iter()
            .filter(|e| {
                e.role == Role::Ocsp
                    && e.issuer.as_deref() == Some(ca.name.as_str())
                    && e.revoked.is_none()
                    && e.key.is_some()
                    && e.not_before <= now
                    && now < e.not_after
            })
            // Only a certificate clients take as a responder (a manifest can say anything of a
            // file), read once.
            .filter_map(|e| Some((e, self.cert_der(e).ok().filter(|d| ocsp_signing(d))?)))
            .max_by_key(|(e, _)| e.not_before);
        let delegated = delegate.is_some();
        let (signer, cert_der, key_pem) = match delegate {
            Some((d, der)) => (d, der, self.key_text(d)?),
            None => (ca, ca_der.clone(), self.key_text(ca)?),
        };
        let key = crate::load_key(&key_pem).map_err(|e| Error::BadMaterial {
            name: signer.name.clone(),
            what: "private key",
            path: self.path(signer.key.as_deref().unwrap_or_default()),
            reason: Box::new(e),
        })?;
        let times = Times::fresh(now);
        let der = sign_response(
            &OcspSigner {
                cert_der: &cert_der,
                key: &key,
                delegated,
            },
            &answers
                .iter()
                .map(|a| Answer {
                    id: a.id.clone(),
                    status: a.status.clone(),
                })
                .collect::<Vec<_>>(),
            request.nonce.as_deref(),
            times,
        )?;
        Ok(Responded {
            der,
            status: ResponseStatus::Successful,
            ca: Some(ca.name.clone()),
            signer: Some(signer.name.clone()),
            delegated,
            answers,
            times: Some(times),
        })
    }

    /// The OCSP response for the workspace's certificate `name` itself, as a stapling server
    /// fetches it for its own certificate.
    pub fn ocsp_response_for(&self, name: &str, now: OffsetDateTime) -> Result<Responded> {
        let e = self
            .entity(name)
            .ok_or_else(|| Error::UnknownEntity { name: name.into() })?;
        let issuer_name = e
            .issuer
            .as_deref()
            .ok_or_else(|| Error::CannotRevokeRoot { name: name.into() })?;
        let issuer = self
            .entity(issuer_name)
            .ok_or_else(|| Error::UnknownEntity {
                name: issuer_name.into(),
            })?;
        let serial = hex_decode(&e.serial).unwrap_or_default();
        let id = CertId::new(
            &self.cert_der(issuer)?,
            &serial,
            certbench_x509::ocsp::HashAlg::Sha1,
        )
        .map_err(Error::Ocsp)?;
        self.ocsp_response(
            &Request {
                ids: vec![id],
                nonce: None,
                signed: false,
            },
            now,
        )
    }

    /// The certificate `ca` issued with serial number `serial` (content octets).
    /// The certificate `ca` issued with `serial`: the entity, and its revocation. A serial of a
    /// certificate a renewal replaced counts (it is valid until its notAfter).
    fn issued_by(&self, ca: &str, serial: &[u8]) -> Option<(&Entity, Option<&Revocation>)> {
        let serial = strip_zeros(serial);
        let is = |hex: &str| hex_decode(hex).is_some_and(|s| strip_zeros(&s) == serial);
        self.entities()
            .iter()
            .filter(|e| e.issuer.as_deref() == Some(ca))
            .find_map(|e| {
                if is(&e.serial) {
                    return Some((e, e.revoked.as_ref()));
                }
                e.superseded
                    .iter()
                    .find(|s| is(&s.serial))
                    .map(|s| (e, s.revoked.as_ref()))
            })
    }

    pub(super) fn cert_der(&self, e: &Entity) -> Result<Vec<u8>> {
        let pem = self.read_text(e, "certificate", &e.cert)?;
        pem_der(&pem).ok_or_else(|| Error::BadMaterial {
            name: e.name.clone(),
            what: "certificate",
            path: self.path(&e.cert),
            reason: "no PEM certificate in it".into(),
        })
    }

    pub(super) fn key_text(&self, e: &Entity) -> Result<String> {
        let file = e.key.clone().ok_or_else(|| Error::NoKey {
            name: e.name.clone(),
        })?;
        self.read_text(e, "private key", &file)
    }
}

/// Whether the certificate (DER) has extendedKeyUsage id-kp-OCSPSigning.
fn ocsp_signing(der: &[u8]) -> bool {
    x509_parser::certificate::X509Certificate::from_der(der).is_ok_and(|(_, c)| {
        c.extended_key_usage()
            .ok()
            .flatten()
            .is_some_and(|e| e.value.ocsp_signing)
    })
}

fn refused(status: ResponseStatus) -> Responded {
    Responded {
        der: refusal(status),
        status,
        ca: None,
        signer: None,
        delegated: false,
        answers: vec![],
        times: None,
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[start..]
}

/// The DER of a PEM block in `bytes`, or `bytes` themselves when they are not PEM.
pub(super) fn pem_der_or_der(bytes: &[u8]) -> Vec<u8> {
    <(SectionKind, Vec<u8>)>::from_pem_slice(bytes)
        .map(|(_, der)| der)
        .unwrap_or_else(|_| bytes.to_vec())
}

/// The first PEM block's body (a certificate's or a CRL's).
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    <(SectionKind, Vec<u8>)>::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|(_, der)| der)
}

/// The CRL at `path` (DER) while it has more than [`CRL_RENEW_BEFORE`] left.
fn current_crl_at(path: &std::path::Path, now: OffsetDateTime) -> Option<Vec<u8>> {
    let pem = std::fs::read_to_string(path).ok()?;
    let der = pem_der(&pem)?;
    let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(&der).ok()?;
    let next = crl.next_update()?.to_datetime();
    (next > now + CRL_RENEW_BEFORE).then_some(der)
}
