//! OCSP (RFC 6960) read and judged: requests as a responder gets them, responses as a client
//! gets them (over HTTP or stapled into a handshake), and [`check`], which says whether a response
//! answers for a certificate with authority and is current, as a typed [`Verdict`].
//!
//! The DER types are in [`asn1`], over RustCrypto's `der` (already in the tree through the PKCS#12
//! crates); RustCrypto's own x509-ocsp 0.2 is built on der 0.7 and would have put a second copy of
//! der, spki, const-oid and x509-cert beside the ones the tree has.

pub mod asn1;
pub mod tree;

use ::der::{Decode, Encode};
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::RevocationReason;

/// How far a response's times may be off the clock before it is too early or too late: openssl's
/// `ocsp -validity_period` default (`MAX_VALIDITY_PERIOD`, 5 minutes).
pub const LEEWAY: time::Duration = time::Duration::minutes(5);

/// How long a response without nextUpdate is taken after its thisUpdate: RFC 6960 lets a
/// responder omit nextUpdate ("newer information is always available"), which would make an old
/// answer good for ever; the CA/Browser Forum's Baseline Requirements cap a response's
/// validity at 10 days, and certbench takes a week.
pub const MAX_AGE_WITHOUT_NEXT_UPDATE: time::Duration = time::Duration::days(7);

/// The most bytes a request's nonce may have (RFC 8954 2.1: 1 to 32 octets).
pub const MAX_NONCE: usize = 32;

/// The hash a CertID names its issuer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha1",
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
        }
    }

    /// The hash a dotted OID names.
    pub fn of_dotted(oid: &str) -> Option<HashAlg> {
        ::der::asn1::ObjectIdentifier::new(oid)
            .ok()
            .and_then(|o| HashAlg::of(&o))
    }

    fn of(oid: &::der::asn1::ObjectIdentifier) -> Option<HashAlg> {
        [
            (asn1::ID_SHA1, HashAlg::Sha1),
            (asn1::ID_SHA256, HashAlg::Sha256),
            (asn1::ID_SHA384, HashAlg::Sha384),
            (asn1::ID_SHA512, HashAlg::Sha512),
        ]
        .into_iter()
        .find_map(|(o, h)| (o == *oid).then_some(h))
    }

    fn oid(self) -> ::der::asn1::ObjectIdentifier {
        match self {
            HashAlg::Sha1 => asn1::ID_SHA1,
            HashAlg::Sha256 => asn1::ID_SHA256,
            HashAlg::Sha384 => asn1::ID_SHA384,
            HashAlg::Sha512 => asn1::ID_SHA512,
        }
    }

    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        use aws_lc_rs::digest;
        let alg = match self {
            HashAlg::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlg::Sha256 => &digest::SHA256,
            HashAlg::Sha384 => &digest::SHA384,
            HashAlg::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, bytes).as_ref().to_vec()
    }
}

/// Which certificate a request asks about or a response answers for (RFC 6960 4.1.1): its
/// issuer by hashes of the issuer's name and key, and its serial number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertId {
    /// `None`: a hash certbench does not know (the dotted OID is in `hash_oid`).
    pub hash: Option<HashAlg>,
    pub hash_oid: String,
    #[serde(with = "hex_bytes")]
    pub issuer_name_hash: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub issuer_key_hash: Vec<u8>,
    /// The serial number's content octets, as the certificate holds them.
    #[serde(with = "hex_bytes")]
    pub serial: Vec<u8>,
}

impl CertId {
    /// The id of the certificate with `serial` issued by `issuer` (DER), hashed with `hash`.
    pub fn new(issuer: &[u8], serial: &[u8], hash: HashAlg) -> Result<CertId, OcspError> {
        let keys = IssuerKeys::of(issuer).ok_or(OcspError::Certificate)?;
        Ok(CertId {
            hash: Some(hash),
            hash_oid: hash.oid().to_string(),
            issuer_name_hash: hash.digest(&keys.name),
            issuer_key_hash: hash.digest(&keys.key),
            serial: serial.to_vec(),
        })
    }

    /// The id of `cert` (DER), issued by `issuer` (DER).
    pub fn of_cert(cert: &[u8], issuer: &[u8], hash: HashAlg) -> Result<CertId, OcspError> {
        let (_, c) = X509Certificate::from_der(cert).map_err(|_| OcspError::Certificate)?;
        CertId::new(issuer, c.raw_serial(), hash)
    }

    /// Whether the issuer it names is `issuer` (DER).
    pub fn names_issuer(&self, issuer: &[u8]) -> bool {
        let (Some(hash), Some(keys)) = (self.hash, IssuerKeys::of(issuer)) else {
            return false;
        };
        hash.digest(&keys.name) == self.issuer_name_hash
            && hash.digest(&keys.key) == self.issuer_key_hash
    }

    fn from_asn1(id: &asn1::CertId) -> CertId {
        CertId {
            hash: HashAlg::of(&id.hash_algorithm.oid),
            hash_oid: id.hash_algorithm.oid.to_string(),
            issuer_name_hash: id.issuer_name_hash.as_bytes().to_vec(),
            issuer_key_hash: id.issuer_key_hash.as_bytes().to_vec(),
            serial: id.serial_number.as_bytes().to_vec(),
        }
    }

    /// As the DER types hold it; `None` for a hash certbench does not know.
    pub fn to_asn1(&self) -> Option<asn1::CertId> {
        Some(asn1::CertId {
            hash_algorithm: asn1::AlgId {
                oid: self.hash?.oid(),
                // As openssl writes it: the parameters are NULL.
                parameters: Some(::der::asn1::Null.into()),
            },
            issuer_name_hash: ::der::asn1::OctetString::new(self.issuer_name_hash.clone()).ok()?,
            issuer_key_hash: ::der::asn1::OctetString::new(self.issuer_key_hash.clone()).ok()?,
            serial_number: ::der::asn1::Int::new(&self.serial).ok()?,
        })
    }
}

/// What a CertID hashes of an issuer: its subject name (DER) and its public key's bits.
struct IssuerKeys {
    name: Vec<u8>,
    key: Vec<u8>,
}

impl IssuerKeys {
    fn of(issuer: &[u8]) -> Option<IssuerKeys> {
        let (_, c) = X509Certificate::from_der(issuer).ok()?;
        Some(IssuerKeys {
            name: c.subject().as_raw().to_vec(),
            key: c.public_key().subject_public_key.data.to_vec(),
        })
    }
}

/// The OCSP responders a certificate (DER) names (authorityInfoAccess, id-ad-ocsp), as URIs.
pub fn responder_urls(cert: &[u8]) -> Vec<String> {
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    // The authorityInfoAccess extension's OID (1.3.6.1.5.5.7.1.1), as DER writes it: a
    // certificate without these bytes names no responder, and is not parsed (a client asks this
    // of every server certificate it is shown).
    const AIA_OID: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
    if memchr::memmem::find(cert, AIA_OID).is_none() {
        return vec![];
    }
    let Ok((_, c)) = X509Certificate::from_der(cert) else {
        return vec![];
    };
    c.extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => Some(aia),
            _ => None,
        })
        .flat_map(|aia| aia.accessdescs.iter())
        .filter(|d| d.access_method.to_id_string() == "1.3.6.1.5.5.7.48.1")
        .filter_map(|d| match &d.access_location {
            GeneralName::URI(u) => Some(u.to_string()),
            _ => None,
        })
        .collect()
}

/// An OCSP request, as a responder reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    pub ids: Vec<CertId>,
    /// The nonce extension's value as sent (RFC 8954: an OCTET STRING), to be echoed.
    #[serde(with = "hex_opt")]
    pub nonce: Option<Vec<u8>>,
    /// Whether the requestor signed it (certbench's responder does not need it to).
    pub signed: bool,
}

/// Read an OCSP request (DER).
pub fn read_request(der: &[u8]) -> Result<Request, OcspError> {
    let r =
        asn1::OcspRequest::from_der(der).map_err(|e| OcspError::malformed(Part::Request, &e))?;
    if r.tbs_request.request_list.is_empty() {
        return Err(OcspError::NoCertificates);
    }
    Ok(Request {
        ids: r
            .tbs_request
            .request_list
            .iter()
            .map(|q| CertId::from_asn1(&q.req_cert))
            .collect(),
        nonce: nonce_of(r.tbs_request.request_extensions.as_deref()),
        signed: r.optional_signature.is_some(),
    })
}

/// An OCSP request (DER) for `ids`, with a nonce when given (its bytes, which this wraps in an
/// OCTET STRING as RFC 8954 lays it out).
pub fn request_der(ids: &[CertId], nonce: Option<&[u8]>) -> Result<Vec<u8>, OcspError> {
    let encode = |e: ::der::Error| OcspError::malformed(Part::Request, &e);
    let request_list = ids
        .iter()
        .map(|id| {
            Ok(asn1::Request {
                req_cert: id.to_asn1().ok_or(OcspError::UnknownHash)?,
                single_request_extensions: None,
            })
        })
        .collect::<Result<Vec<_>, OcspError>>()?;
    let request_extensions = match nonce {
        Some(n) => Some(vec![asn1::Extension {
            extn_id: asn1::ID_PKIX_OCSP_NONCE,
            critical: false,
            extn_value: ::der::asn1::OctetString::new(
                ::der::asn1::OctetString::new(n.to_vec())
                    .and_then(|o| o.to_der())
                    .map_err(encode)?,
            )
            .map_err(encode)?,
        }]),
        None => None,
    };
    asn1::OcspRequest {
        tbs_request: asn1::TbsRequest {
            version: 0,
            requestor_name: None,
            request_list,
            request_extensions,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(encode)
}

/// The nonce's own length (inside the OCTET STRING the extension's value holds), when it is
/// laid out as RFC 8954 says; `None` otherwise.
pub fn nonce_len(extn_value: &[u8]) -> Option<usize> {
    use ::der::Decode;
    ::der::asn1::OctetString::from_der(extn_value)
        .ok()
        .map(|o| o.as_bytes().len())
}

fn nonce_of(extensions: Option<&[asn1::Extension]>) -> Option<Vec<u8>> {
    extensions?
        .iter()
        .find(|e| e.extn_id == asn1::ID_PKIX_OCSP_NONCE)
        .map(|e| e.extn_value.as_bytes().to_vec())
}

/// `OCSPResponseStatus`: whether the responder answered at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResponseStatus {
    Successful,
    MalformedRequest,
    InternalError,
    TryLater,
    SigRequired,
    Unauthorized,
}

impl ResponseStatus {
    /// As RFC 6960 and openssl name it.
    pub fn name(self) -> &'static str {
        match self {
            ResponseStatus::Successful => "successful",
            ResponseStatus::MalformedRequest => "malformedRequest",
            ResponseStatus::InternalError => "internalError",
            ResponseStatus::TryLater => "tryLater",
            ResponseStatus::SigRequired => "sigRequired",
            ResponseStatus::Unauthorized => "unauthorized",
        }
    }

    /// The status an OCSPResponseStatus value encodes.
    pub fn of_code(code: u8) -> Option<ResponseStatus> {
        Some(match code {
            0 => ResponseStatus::Successful,
            1 => ResponseStatus::MalformedRequest,
            2 => ResponseStatus::InternalError,
            3 => ResponseStatus::TryLater,
            5 => ResponseStatus::SigRequired,
            6 => ResponseStatus::Unauthorized,
            _ => return None,
        })
    }

    pub fn to_asn1(self) -> asn1::ResponseStatus {
        match self {
            ResponseStatus::Successful => asn1::ResponseStatus::Successful,
            ResponseStatus::MalformedRequest => asn1::ResponseStatus::MalformedRequest,
            ResponseStatus::InternalError => asn1::ResponseStatus::InternalError,
            ResponseStatus::TryLater => asn1::ResponseStatus::TryLater,
            ResponseStatus::SigRequired => asn1::ResponseStatus::SigRequired,
            ResponseStatus::Unauthorized => asn1::ResponseStatus::Unauthorized,
        }
    }

    fn from_asn1(s: asn1::ResponseStatus) -> ResponseStatus {
        match s {
            asn1::ResponseStatus::Successful => ResponseStatus::Successful,
            asn1::ResponseStatus::MalformedRequest => ResponseStatus::MalformedRequest,
            asn1::ResponseStatus::InternalError => ResponseStatus::InternalError,
            asn1::ResponseStatus::TryLater => ResponseStatus::TryLater,
            asn1::ResponseStatus::SigRequired => ResponseStatus::SigRequired,
            asn1::ResponseStatus::Unauthorized => ResponseStatus::Unauthorized,
        }
    }
}

/// What a response says of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum CertStatus {
    Good,
    Revoked {
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        reason: Option<RevocationReason>,
    },
    Unknown,
}

impl CertStatus {
    pub fn name(&self) -> &'static str {
        match self {
            CertStatus::Good => "good",
            CertStatus::Revoked { .. } => "revoked",
            CertStatus::Unknown => "unknown",
        }
    }
}

/// One SingleResponse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Single {
    pub id: CertId,
    pub status: CertStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub this_update: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_update: Option<OffsetDateTime>,
}

/// Who a response says signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponderName {
    /// The responder's subject name (DER).
    ByName(#[serde(with = "hex_bytes")] Vec<u8>),
    /// SHA-1 of the responder's public key's bits.
    ByKey(#[serde(with = "hex_bytes")] Vec<u8>),
}

impl ResponderName {
    /// Whether `cert` (parsed) is the one it names.
    fn names(&self, cert: &X509Certificate<'_>) -> bool {
        match self {
            ResponderName::ByName(n) => cert.subject().as_raw() == n.as_slice(),
            ResponderName::ByKey(k) => {
                HashAlg::Sha1.digest(&cert.public_key().subject_public_key.data) == *k
            }
        }
    }
}

/// A successful response's signed part and signature (BasicOCSPResponse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Basic {
    pub responder: ResponderName,
    #[serde(with = "time::serde::rfc3339")]
    pub produced_at: OffsetDateTime,
    pub responses: Vec<Single>,
    #[serde(with = "hex_opt")]
    pub nonce: Option<Vec<u8>>,
    /// The certificates sent to help verify it (DER), a delegated responder's among them.
    #[serde(skip)]
    pub certs: Vec<Vec<u8>>,
    /// The BasicOCSPResponse as received (DER): its signature covers its first element.
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// An OCSP response, as a client reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    pub status: ResponseStatus,
    pub basic: Option<Basic>,
}

/// Read an OCSP response (DER).
pub fn read_response(der: &[u8]) -> Result<Response, OcspError> {
    let r =
        asn1::OcspResponse::from_der(der).map_err(|e| OcspError::malformed(Part::Response, &e))?;
    let status = ResponseStatus::from_asn1(r.response_status);
    // RFC 6960 4.2.1: only a successful response carries an answer; whatever another holds is
    // not one (and is not signed for anyone to check).
    let bytes = match (status, r.response_bytes) {
        (ResponseStatus::Successful, Some(b)) => b,
        (ResponseStatus::Successful, None) => return Err(OcspError::SuccessfulWithoutResponse),
        (_, _) => {
            return Ok(Response {
                status,
                basic: None,
            });
        }
    };
    if bytes.response_type != asn1::ID_PKIX_OCSP_BASIC {
        return Err(OcspError::UnknownResponseType {
            oid: bytes.response_type.to_string(),
        });
    }
    let basic_der = bytes.response.as_bytes();
    let b = asn1::BasicOcspResponse::from_der(basic_der)
        .map_err(|e| OcspError::malformed(Part::BasicResponse, &e))?;
    let data = &b.tbs_response_data;
    let responses = data
        .responses
        .iter()
        .map(|s| {
            Ok(Single {
                id: CertId::from_asn1(&s.cert_id),
                status: match &s.cert_status {
                    asn1::CertStatus::Good(_) => CertStatus::Good,
                    asn1::CertStatus::Revoked(info) => CertStatus::Revoked {
                        at: from_generalized(&info.revocation_time)?,
                        reason: info.revocation_reason.map(reason_of),
                    },
                    asn1::CertStatus::Unknown(_) => CertStatus::Unknown,
                },
                this_update: from_generalized(&s.this_update)?,
                next_update: s.next_update.as_ref().map(from_generalized).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, OcspError>>()?;
    Ok(Response {
        status,
        basic: Some(Basic {
            responder: match &data.responder_id {
                asn1::ResponderId::ByName(n) => ResponderName::ByName(
                    n.to_der()
                        .map_err(|e| OcspError::malformed(Part::BasicResponse, &e))?,
                ),
                asn1::ResponderId::ByKey(k) => ResponderName::ByKey(k.as_bytes().to_vec()),
            },
            produced_at: from_generalized(&data.produced_at)?,
            responses,
            nonce: nonce_of(data.response_extensions.as_deref()),
            certs: b
                .certs
                .iter()
                .flatten()
                .filter_map(|c| c.to_der().ok())
                .collect(),
            der: basic_der.to_vec(),
        }),
    })
}

fn from_generalized(t: &::der::asn1::GeneralizedTime) -> Result<OffsetDateTime, OcspError> {
    i64::try_from(t.to_unix_duration().as_secs())
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .ok_or(OcspError::Time)
}

/// `t` as a GeneralizedTime (whole seconds, as DER wants).
pub fn generalized(t: OffsetDateTime) -> Result<::der::asn1::GeneralizedTime, OcspError> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| OcspError::Time)?;
    ::der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|_| OcspError::Time)
}

fn reason_of(r: asn1::CrlReason) -> RevocationReason {
    match r {
        asn1::CrlReason::Unspecified
        | asn1::CrlReason::RemoveFromCrl
        | asn1::CrlReason::AaCompromise => RevocationReason::Unspecified,
        asn1::CrlReason::KeyCompromise => RevocationReason::KeyCompromise,
        asn1::CrlReason::CaCompromise => RevocationReason::CaCompromise,
        asn1::CrlReason::AffiliationChanged => RevocationReason::AffiliationChanged,
        asn1::CrlReason::Superseded => RevocationReason::Superseded,
        asn1::CrlReason::CessationOfOperation => RevocationReason::CessationOfOperation,
        asn1::CrlReason::CertificateHold => RevocationReason::CertificateHold,
        asn1::CrlReason::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
    }
}

/// The CRLReason a revocation reason is written as.
pub fn crl_reason(r: RevocationReason) -> asn1::CrlReason {
    match r {
        RevocationReason::Unspecified => asn1::CrlReason::Unspecified,
        RevocationReason::KeyCompromise => asn1::CrlReason::KeyCompromise,
        RevocationReason::CaCompromise => asn1::CrlReason::CaCompromise,
        RevocationReason::AffiliationChanged => asn1::CrlReason::AffiliationChanged,
        RevocationReason::Superseded => asn1::CrlReason::Superseded,
        RevocationReason::CessationOfOperation => asn1::CrlReason::CessationOfOperation,
        RevocationReason::CertificateHold => asn1::CrlReason::CertificateHold,
        RevocationReason::PrivilegeWithdrawn => asn1::CrlReason::PrivilegeWithdrawn,
    }
}

/// Who signed a response, as [`check`] found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "signer", rename_all = "snake_case")]
pub enum Signer {
    /// The certificate's issuer itself.
    Issuer,
    /// A certificate sent with the response (a delegated responder, if it has the authority).
    Delegated {
        /// Its subject, RFC 4514.
        subject: String,
    },
    /// No certificate the response names or carries, nor the issuer.
    Nobody,
}

/// What a response is worth for one certificate (RFC 6960 3.2 and 4.2.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// It answers, with authority, and is current: the certificate's status is in `status`.
    Answered { status: CertStatus },
    /// The responder did not answer (`malformedRequest`, `unauthorized`, ...).
    Refused { status: ResponseStatus },
    /// It holds no answer for this certificate.
    NotForThisCertificate,
    /// Its signature does not verify with the signer's key.
    BadSignature,
    /// Signed by a key that may not speak for the issuer: neither the issuer's nor a certificate
    /// the issuer gave id-kp-OCSPSigning (and valid now).
    UnauthorizedSigner,
    /// Its nextUpdate has passed: newer information should exist.
    Stale {
        #[serde(with = "time::serde::rfc3339")]
        next_update: OffsetDateTime,
        status: CertStatus,
    },
    /// Its thisUpdate is in the future.
    NotYetValid {
        #[serde(with = "time::serde::rfc3339")]
        this_update: OffsetDateTime,
    },
}

impl Verdict {
    /// A stable code for JSON and the word tables.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Answered { status } => status.name(),
            Verdict::Refused { .. } => "refused",
            Verdict::NotForThisCertificate => "not_for_this_certificate",
            Verdict::BadSignature => "bad_signature",
            Verdict::UnauthorizedSigner => "unauthorized_signer",
            Verdict::Stale { .. } => "stale",
            Verdict::NotYetValid { .. } => "not_yet_valid",
        }
    }

    /// Whether it says, with authority and now, that the certificate is revoked.
    pub fn is_revoked(&self) -> bool {
        matches!(
            self,
            Verdict::Answered {
                status: CertStatus::Revoked { .. }
            }
        )
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    #[serde(flatten)]
    pub verdict: Verdict,
    pub signer: Option<Signer>,
    /// The SingleResponse for the certificate, when there is one.
    pub single: Option<Single>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub produced_at: Option<OffsetDateTime>,
}

/// Whether `response` answers for `cert` (DER), issued by `issuer` (DER), at `now`: the checks a
/// client makes of a stapled or fetched response (RFC 6960 3.2): the answer is for this
/// certificate, the signature verifies, the signer is the issuer or a responder the issuer
/// delegated to, and the times hold `now`.
pub fn check(response: &Response, cert: &[u8], issuer: &[u8], now: OffsetDateTime) -> Checked {
    let mut checked = Checked {
        verdict: Verdict::NotForThisCertificate,
        signer: None,
        single: None,
        produced_at: None,
    };
    let Some(basic) = &response.basic else {
        checked.verdict = Verdict::Refused {
            status: response.status,
        };
        return checked;
    };
    checked.produced_at = Some(basic.produced_at);
    let serial = X509Certificate::from_der(cert)
        .map(|(_, c)| c.raw_serial().to_vec())
        .unwrap_or_default();
    checked.single = basic
        .responses
        .iter()
        .find(|s| s.id.serial == serial && s.id.names_issuer(issuer))
        .cloned();
    let Some(single) = checked.single.clone() else {
        return checked;
    };
    let Ok((_, issuer_cert)) = X509Certificate::from_der(issuer) else {
        return checked;
    };
    let (signer, verdict) = authority(basic, &issuer_cert, now);
    checked.signer = Some(signer);
    checked.verdict = verdict.unwrap_or_else(|| {
        // Checked sums: a response may name the last representable time (RFC 5280's
        // 99991231235959Z), and `now` may be any time asked about; past the end nothing is late.
        if now
            .checked_add(LEEWAY)
            .is_some_and(|limit| single.this_update > limit)
        {
            Verdict::NotYetValid {
                this_update: single.this_update,
            }
        } else if let Some(next) = single
            .next_update
            .or_else(|| single.this_update.checked_add(MAX_AGE_WITHOUT_NEXT_UPDATE))
            .filter(|n| n.checked_add(LEEWAY).is_some_and(|late| late < now))
        {
            Verdict::Stale {
                next_update: next,
                status: single.status.clone(),
            }
        } else {
            Verdict::Answered {
                status: single.status.clone(),
            }
        }
    });
    checked
}

/// Who signed `basic` and whether they may speak for `issuer`: `None` when all is well.
fn authority(
    basic: &Basic,
    issuer: &X509Certificate<'_>,
    now: OffsetDateTime,
) -> (Signer, Option<Verdict>) {
    if basic.responder.names(issuer) {
        let verdict = (!signed_by(basic, issuer)).then_some(Verdict::BadSignature);
        return (Signer::Issuer, verdict);
    }
    let parsed: Vec<(Vec<u8>, X509Certificate<'_>)> = basic
        .certs
        .iter()
        .filter_map(|d| {
            X509Certificate::from_der(d)
                .ok()
                .map(|(_, c)| (d.clone(), c))
        })
        .collect();
    let Some((der, responder)) = parsed.iter().find(|(_, c)| basic.responder.names(c)) else {
        return (Signer::Nobody, Some(Verdict::UnauthorizedSigner));
    };
    let signer = Signer::Delegated {
        subject: crate::names::rfc4514(responder.subject()),
    };
    if !signed_by(basic, responder) {
        return (signer, Some(Verdict::BadSignature));
    }
    // RFC 6960 4.2.2.2: issued directly by the CA that issued the certificate in question, with
    // id-kp-OCSPSigning; and, as every client checks, valid now.
    let delegated = responder.issuer().as_raw() == issuer.subject().as_raw()
        && crate::report::signed_by(der, responder, issuer.public_key())
        && responder
            .extended_key_usage()
            .ok()
            .flatten()
            .is_some_and(|e| e.value.ocsp_signing)
        && responder
            .validity()
            .is_valid_at(x509_parser::time::ASN1Time::from(now));
    (signer, (!delegated).then_some(Verdict::UnauthorizedSigner))
}

/// Whether `signer`'s key made `basic`'s signature over its tbsResponseData as received.
fn signed_by(basic: &Basic, signer: &X509Certificate<'_>) -> bool {
    use crate::der::{children, read_tlv};
    let der = &basic.der;
    let Some(top) = read_tlv(der, 0) else {
        return false;
    };
    let parts = children(der, &top);
    let [tbs, alg, sig, ..] = parts.as_slice() else {
        return false;
    };
    let Ok((_, alg)) = x509_parser::x509::AlgorithmIdentifier::from_der(&der[alg.start..alg.end])
    else {
        return false;
    };
    let bits = sig.content(der);
    let Some((unused, bytes)) = bits.split_first() else {
        return false;
    };
    if *unused != 0 {
        return false;
    }
    let signature = x509_parser::der_parser::asn1_rs::BitString::new(0, bytes);
    x509_parser::verify::verify_signature(
        signer.public_key(),
        &alg,
        &signature,
        &der[tbs.start..tbs.end],
    )
    .is_ok()
}

/// Which part of OCSP could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Request,
    Response,
    BasicResponse,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Request => "OCSP request",
            Part::Response => "OCSP response",
            Part::BasicResponse => "basic OCSP response",
        })
    }
}

/// Why OCSP bytes could not be read or made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OcspError {
    #[error("not a valid {part}: {detail}")]
    Malformed { part: Part, detail: String },
    #[error("the OCSP request asks about no certificate")]
    NoCertificates,
    #[error("the OCSP response says successful but holds no response")]
    SuccessfulWithoutResponse,
    #[error("the OCSP response is of type {oid}, not the basic response type every client reads")]
    UnknownResponseType { oid: String },
    #[error("a time in the OCSP message is out of range")]
    Time,
    #[error("not a certificate that can be read")]
    Certificate,
    #[error("the CertID's hash is not one certbench knows (SHA-1, SHA-256, SHA-384, SHA-512)")]
    UnknownHash,
    #[error("the server stapled no OCSP response")]
    Absent,
}

impl OcspError {
    fn malformed(part: Part, e: &::der::Error) -> OcspError {
        OcspError::Malformed {
            part,
            detail: e.to_string(),
        }
    }
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&certbench_base::text::hex(v))
    }
}

mod hex_opt {
    pub fn serialize<S: serde::Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&certbench_base::text::hex(v)),
            None => s.serialize_none(),
        }
    }
}
