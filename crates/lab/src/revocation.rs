//! The lab's revocation: the CRLs a scenario's verifiers are given and the OCSP response its
//! server staples (flawed as the scenario says, or fetched from a responder that is down).

use rustls::pki_types::CertificateRevocationListDer;
use rustls::pki_types::pem::PemObject;
use time::OffsetDateTime;

use crate::LabError;
use crate::setup::{issue, material_of, spec};
use certbench_pki::{IssuedCert, IssuerMaterial, RevokedEntry};
use certbench_x509::{RevocationReason, Role};

/// What is wrong with the OCSP response a lab server staples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StapleFlaw {
    /// It says, signed by the issuing CA, that the certificate is revoked.
    Revoked,
    /// Its nextUpdate passed two days ago.
    Stale,
    /// It is signed by a certificate the CA issued without id-kp-OCSPSigning.
    UnauthorizedSigner,
}

/// A port on 127.0.0.1 where nothing listens: bound, read, and let go.
pub(crate) fn closed_port() -> Result<u16, LabError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(LabError::Port)?;
    Ok(l.local_addr().map_err(LabError::Port)?.port())
}

/// The staple a server fetches from the responder its certificate names, as nginx's
/// ssl_stapling does: `None` when the responder does not answer (the lab's is down).
pub(crate) fn fetched_staple(
    url: &str,
    server: &IssuedCert,
    intermediate: &IssuedCert,
) -> Option<Vec<u8>> {
    use certbench_x509::ocsp::{CertId, HashAlg, request_der};
    let id = CertId::new(&intermediate.cert_der, &server.serial, HashAlg::Sha1).ok()?;
    let request = request_der(&[id], None).ok()?;
    certbench_tls::staple::fetch(url, &request, std::time::Duration::from_secs(2)).ok()
}

/// `issuer`'s CRL listing `serial` (key compromise), as rustls takes it.
pub(crate) fn lab_crl(
    issuer: &IssuerMaterial,
    serial: &[u8],
    now: OffsetDateTime,
) -> Result<CertificateRevocationListDer<'static>, LabError> {
    let pem = certbench_pki::make_crl(
        issuer,
        &[RevokedEntry {
            serial: serial.to_vec(),
            revoked_at: now,
            reason: RevocationReason::KeyCompromise,
        }],
        1,
        now,
    )?;
    Ok(CertificateRevocationListDer::from_pem_slice(
        pem.as_bytes(),
    )?)
}

/// The OCSP response (DER) a lab server staples for `server`, flawed as `flaw` says.
pub(crate) fn lab_staple(
    flaw: StapleFlaw,
    server: &IssuedCert,
    intermediate: &IssuedCert,
    int_m: &IssuerMaterial,
    now: OffsetDateTime,
) -> Result<Vec<u8>, LabError> {
    use certbench_pki::ocsp::{Answer, OcspSigner, Times, sign_response};
    use certbench_x509::ocsp::{CertId, CertStatus, HashAlg};
    let id = CertId::new(&intermediate.cert_der, &server.serial, HashAlg::Sha1)
        .map_err(certbench_pki::Error::Ocsp)?;
    let status = match flaw {
        StapleFlaw::Revoked => CertStatus::Revoked {
            at: now,
            reason: Some(RevocationReason::KeyCompromise),
        },
        StapleFlaw::Stale | StapleFlaw::UnauthorizedSigner => CertStatus::Good,
    };
    let times = match flaw {
        StapleFlaw::Stale => {
            let then = now - time::Duration::days(3);
            Times {
                produced_at: then,
                this_update: then,
                next_update: Some(then + time::Duration::days(1)),
            }
        }
        _ => Times::fresh(now),
    };
    // A certificate the intermediate issued for something else (no id-kp-OCSPSigning).
    let not_a_responder = match flaw {
        StapleFlaw::UnauthorizedSigner => Some(issue(
            &spec(Role::Client, "signer", "certbench Lab Not-a-Responder"),
            Some(int_m),
            now,
        )?),
        _ => None,
    };
    let answers = [Answer { id, status }];
    let der = match &not_a_responder {
        Some(signer) => sign_response(
            &OcspSigner {
                cert_der: &signer.cert_der,
                key: &material_of(signer)?.key,
                delegated: true,
            },
            &answers,
            None,
            times,
        )?,
        None => sign_response(
            &OcspSigner {
                cert_der: &intermediate.cert_der,
                key: &int_m.key,
                delegated: false,
            },
            &answers,
            None,
            times,
        )?,
    };
    Ok(der)
}
