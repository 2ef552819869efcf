//! OCSP responses made and signed (RFC 6960 4.2): by a CA for the certificates it issued, or by
//! a responder the CA delegated to (a certificate with id-kp-OCSPSigning, [`crate::Role::Ocsp`]).
//! What the answer for each certificate is comes from the workspace
//! (`Workspace::ocsp_response`); this only writes and signs it.

use ::der::Encode;
use ::der::asn1::{Any, BitString, ObjectIdentifier, OctetString};
use certbench_x509::ocsp::{
    CertId, CertStatus, OcspError, ResponseStatus, asn1, crl_reason, generalized,
};
use rcgen::{KeyPair, SigningKey};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, Result};

/// How long a response certbench makes is good for (nextUpdate - thisUpdate): a day, as
/// `openssl ocsp -ndays 1`.
pub const RESPONSE_VALIDITY: time::Duration = time::Duration::days(1);

/// Who signs a response: a certificate (DER) and its key.
pub struct OcspSigner<'a> {
    pub cert_der: &'a [u8],
    pub key: &'a KeyPair,
    /// A delegated responder, whose certificate goes with the response so that clients can
    /// check its authority; the CA's own certificate the client has already.
    pub delegated: bool,
}

/// One certificate's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub id: CertId,
    pub status: CertStatus,
}

/// The times a response states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub produced_at: OffsetDateTime,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
}

impl Times {
    /// Made now, good for [`RESPONSE_VALIDITY`].
    pub fn fresh(now: OffsetDateTime) -> Times {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Times {
            produced_at: now,
            this_update: now,
            next_update: Some(now + RESPONSE_VALIDITY),
        }
    }
}

/// A response that says only that the responder did not answer (`malformedRequest`,
/// `unauthorized`, ...): unsigned, as RFC 6960 2.3 lays it out.
pub fn refusal(status: ResponseStatus) -> Vec<u8> {
    asn1::OcspResponse {
        response_status: status.to_asn1(),
        response_bytes: None,
    }
    .to_der()
    // Three bytes of an enumerated value in a sequence: encoding it cannot fail.
    .unwrap_or_else(|_| vec![0x30, 0x03, 0x0a, 0x01, 0x02])
}

/// A successful response with `answers`, signed by `signer`; the request's `nonce` (the
/// extension's value as sent) echoed.
pub fn sign_response(
    signer: &OcspSigner<'_>,
    answers: &[Answer],
    nonce: Option<&[u8]>,
    times: Times,
) -> Result<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(signer.cert_der)
        .map_err(|_| ocsp_error(OcspError::Certificate))?;
    let der = |e: ::der::Error| {
        ocsp_error(OcspError::Malformed {
            part: certbench_x509::ocsp::Part::Response,
            detail: e.to_string(),
        })
    };
    let responses = answers
        .iter()
        .map(|a| {
            Ok(asn1::SingleResponse {
                cert_id: a.id.to_asn1().ok_or(ocsp_error(OcspError::UnknownHash))?,
                cert_status: match &a.status {
                    CertStatus::Good => asn1::CertStatus::Good(::der::asn1::Null),
                    CertStatus::Revoked { at, reason } => {
                        asn1::CertStatus::Revoked(asn1::RevokedInfo {
                            revocation_time: generalized(*at).map_err(ocsp_error)?,
                            revocation_reason: reason.map(crl_reason),
                        })
                    }
                    CertStatus::Unknown => asn1::CertStatus::Unknown(::der::asn1::Null),
                },
                this_update: generalized(times.this_update).map_err(ocsp_error)?,
                next_update: times
                    .next_update
                    .map(generalized)
                    .transpose()
                    .map_err(ocsp_error)?,
                single_extensions: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let response_extensions = match nonce {
        Some(n) => Some(vec![asn1::Extension {
            extn_id: asn1::ID_PKIX_OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(n.to_vec()).map_err(der)?,
        }]),
        None => None,
    };
    let data = asn1::ResponseData {
        version: 0,
        // By name, as openssl's responder says who it is unless told -resp_key_id.
        responder_id: asn1::ResponderId::ByName(
            <Any as ::der::Decode>::from_der(cert.subject().as_raw()).map_err(der)?,
        ),
        produced_at: generalized(times.produced_at).map_err(ocsp_error)?,
        responses,
        response_extensions,
    };
    let tbs = data.to_der().map_err(der)?;
    let signature = signer.key.sign(&tbs)?;
    let basic = asn1::BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: signature_algorithm(signer.key)?,
        signature: BitString::from_bytes(&signature).map_err(der)?,
        certs: signer
            .delegated
            .then(|| <Any as ::der::Decode>::from_der(signer.cert_der).map(|c| vec![c]))
            .transpose()
            .map_err(der)?,
    };
    asn1::OcspResponse {
        response_status: asn1::ResponseStatus::Successful,
        response_bytes: Some(asn1::ResponseBytes {
            response_type: asn1::ID_PKIX_OCSP_BASIC,
            response: OctetString::new(basic.to_der().map_err(der)?).map_err(der)?,
        }),
    }
    .to_der()
    .map_err(der)
}

/// The AlgorithmIdentifier of the signatures `key` makes (rcgen signs ECDSA keys with the hash
/// of their curve's size, RSA keys with PKCS#1 v1.5 and SHA-256).
fn signature_algorithm(key: &KeyPair) -> Result<asn1::AlgId> {
    let (oid, null_parameters) = if key.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256 {
        ("1.2.840.10045.4.3.2", false)
    } else if key.algorithm() == &rcgen::PKCS_ECDSA_P384_SHA384 {
        ("1.2.840.10045.4.3.3", false)
    } else if key.algorithm() == &rcgen::PKCS_ED25519 {
        ("1.3.101.112", false)
    } else if key.algorithm() == &rcgen::PKCS_RSA_SHA256 {
        ("1.2.840.113549.1.1.11", true)
    } else {
        return Err(Error::Generation(
            rcgen::Error::UnsupportedSignatureAlgorithm,
        ));
    };
    Ok(asn1::AlgId {
        oid: ObjectIdentifier::new(oid)
            .map_err(|_| Error::Generation(rcgen::Error::UnsupportedSignatureAlgorithm))?,
        parameters: null_parameters.then(|| ::der::asn1::Null.into()),
    })
}

fn ocsp_error(e: OcspError) -> Error {
    Error::Ocsp(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use certbench_x509::ocsp::{HashAlg, Verdict, check, read_response};
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer};

    /// A response whose nextUpdate is the last time GeneralizedTime holds (RFC 5280's
    /// 99991231235959Z, "no well-defined expiration"), judged at any time up to then and at the
    /// very end: an answer, never a panic (the checks once added five minutes past the end).
    #[test]
    fn a_response_good_until_the_end_of_time_is_judged_without_overflow() {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let issuer = Issuer::new(ca, &ca_key);
        let leaf = CertificateParams::new(vec!["leaf".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let end = time::macros::datetime!(9999-12-31 23:59:59 UTC);
        let der = sign_response(
            &OcspSigner {
                cert_der: ca_cert.der(),
                key: &ca_key,
                delegated: false,
            },
            &[Answer {
                id: CertId::of_cert(leaf.der(), ca_cert.der(), HashAlg::Sha1).unwrap(),
                status: CertStatus::Good,
            }],
            None,
            Times {
                produced_at: now,
                this_update: now,
                next_update: Some(end),
            },
        )
        .unwrap();
        let response = read_response(&der).unwrap();
        for at in [now, end - time::Duration::minutes(1), end] {
            let checked = check(&response, leaf.der(), ca_cert.der(), at);
            assert_eq!(
                checked.verdict,
                Verdict::Answered {
                    status: CertStatus::Good
                },
                "at {at}"
            );
        }
    }
}
