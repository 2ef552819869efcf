//! Everything certbench says about one certificate, decoded from its DER, named as openssl names
//! it (openssl is the oracle the tests compare with).

use ::time::OffsetDateTime;
use serde::Serialize;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::nom::Parser as _;
use x509_parser::prelude::*;

use crate::error::{DecodeError, DerProblem};
use crate::load::Kind;
use x509_parser::public_key::PublicKey;

use crate::der;
use crate::lints::Lint;
use crate::names::common_name;
use certbench_base::text::{display_safe, rfc3339};

/// A keyUsage bit (RFC 5280 4.2.1.3); shown and serialized as openssl names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyUsageBit {
    DigitalSignature,
    NonRepudiation,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
    EncipherOnly,
    DecipherOnly,
}

impl KeyUsageBit {
    /// Its name in RFC 5280 4.2.1.3 (what `openssl req -addext keyUsage=` takes).
    pub fn rfc_name(self) -> &'static str {
        match self {
            KeyUsageBit::DigitalSignature => "digitalSignature",
            KeyUsageBit::NonRepudiation => "nonRepudiation",
            KeyUsageBit::KeyEncipherment => "keyEncipherment",
            KeyUsageBit::DataEncipherment => "dataEncipherment",
            KeyUsageBit::KeyAgreement => "keyAgreement",
            KeyUsageBit::KeyCertSign => "keyCertSign",
            KeyUsageBit::CrlSign => "cRLSign",
            KeyUsageBit::EncipherOnly => "encipherOnly",
            KeyUsageBit::DecipherOnly => "decipherOnly",
        }
    }

    /// Its name as `openssl x509 -text` prints it.
    pub fn name(self) -> &'static str {
        match self {
            KeyUsageBit::DigitalSignature => "Digital Signature",
            KeyUsageBit::NonRepudiation => "Non Repudiation",
            KeyUsageBit::KeyEncipherment => "Key Encipherment",
            KeyUsageBit::DataEncipherment => "Data Encipherment",
            KeyUsageBit::KeyAgreement => "Key Agreement",
            KeyUsageBit::KeyCertSign => "Certificate Sign",
            KeyUsageBit::CrlSign => "CRL Sign",
            KeyUsageBit::EncipherOnly => "Encipher Only",
            KeyUsageBit::DecipherOnly => "Decipher Only",
        }
    }
}

/// An extendedKeyUsage purpose (RFC 5280 4.2.1.12), by its dotted OID; shown and serialized as
/// openssl names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyPurpose(pub String);

impl KeyPurpose {
    /// id-kp-serverAuth.
    pub const SERVER_AUTH: &'static str = "1.3.6.1.5.5.7.3.1";
    /// id-kp-clientAuth.
    pub const CLIENT_AUTH: &'static str = "1.3.6.1.5.5.7.3.2";
    /// id-kp-OCSPSigning: a delegated OCSP responder (RFC 6960 4.2.2.2).
    pub const OCSP_SIGNING: &'static str = "1.3.6.1.5.5.7.3.9";
    /// anyExtendedKeyUsage.
    pub const ANY: &'static str = "2.5.29.37.0";

    pub fn oid(&self) -> &str {
        &self.0
    }

    /// Its name as `openssl x509 -text` prints it, or its OID.
    pub fn name(&self) -> &str {
        eku_name(&self.0).unwrap_or(&self.0)
    }

    /// openssl's short name (what `-addext extendedKeyUsage=` takes), or its OID.
    pub fn short_name(&self) -> &str {
        match self.0.as_str() {
            "1.3.6.1.5.5.7.3.1" => "serverAuth",
            "1.3.6.1.5.5.7.3.2" => "clientAuth",
            "1.3.6.1.5.5.7.3.3" => "codeSigning",
            "1.3.6.1.5.5.7.3.4" => "emailProtection",
            "1.3.6.1.5.5.7.3.8" => "timeStamping",
            "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
            "2.5.29.37.0" => "anyExtendedKeyUsage",
            oid => oid,
        }
    }
}

/// A certificate's signature algorithm, by its dotted OID; shown and serialized as openssl names
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignatureAlgorithm(pub String);

/// A digest too weak for a signature today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeakDigest {
    Md5,
    Sha1,
}

impl SignatureAlgorithm {
    pub fn oid(&self) -> &str {
        &self.0
    }

    /// Its name as openssl prints it, or its OID.
    pub fn name(&self) -> &str {
        signature_name_of(&self.0).unwrap_or(&self.0)
    }

    /// The weak digest it signs with, if it does (RFC 3279 2.2 and RFC 5758's SHA-1 variants).
    pub fn weak_digest(&self) -> Option<WeakDigest> {
        match self.0.as_str() {
            "1.2.840.113549.1.1.4" => Some(WeakDigest::Md5),
            "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
                Some(WeakDigest::Sha1)
            }
            _ => None,
        }
    }
}

/// A public key's algorithm; shown and serialized as openssl's short names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    Rsa,
    Ec,
    Ed25519,
    Ed448,
    RsaPss,
    Dsa,
    /// Another algorithm, by its dotted OID.
    Other(String),
}

impl KeyAlgorithm {
    pub fn name(&self) -> &str {
        match self {
            KeyAlgorithm::Rsa => "RSA",
            KeyAlgorithm::Ec => "EC",
            KeyAlgorithm::Ed25519 => "Ed25519",
            KeyAlgorithm::Ed448 => "Ed448",
            KeyAlgorithm::RsaPss => "RSA-PSS",
            KeyAlgorithm::Dsa => "DSA",
            KeyAlgorithm::Other(oid) => oid,
        }
    }
}

/// Display and Serialize as the name, for the named types above.
macro_rules! shown_as_name {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
    )*};
}
shown_as_name!(KeyUsageBit, KeyPurpose, SignatureAlgorithm, KeyAlgorithm);

/// Names joined as openssl lists them: `Digital Signature, Key Encipherment`.
pub fn joined<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKeyInfo {
    pub algorithm: KeyAlgorithm,
    pub bits: Option<u32>,
    pub curve: Option<String>,
}

impl PublicKeyInfo {
    /// As openssl names it: `EC P-256`, `RSA 2048 bits`, `Ed25519`.
    pub fn text(&self) -> String {
        match (&self.curve, self.bits) {
            (Some(curve), _) => format!("{} {curve}", self.algorithm),
            (None, Some(bits)) => format!("{} {bits} bits", self.algorithm),
            _ => self.algorithm.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BasicConstraintsInfo {
    pub ca: bool,
    /// As encoded: a negative one is invalid (RFC 5280 says 0 or more) and shown as it is.
    pub path_len: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionInfo {
    pub oid: String,
    pub name: String,
    pub critical: bool,
    /// Its value as `openssl x509 -text` prints it, one line each, for the extensions the
    /// summary rows do not show (key identifiers, CRL distribution points, AIA, policies, name
    /// constraints); empty for the others.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub value: Vec<String>,
    /// Present, and holding nothing (a subjectAltName with no name, an extendedKeyUsage with no
    /// purpose, a keyUsage with no bit): RFC 5280 forbids it, and it is not the same as absent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub empty: bool,
}

impl ExtensionInfo {
    /// Its name, or its OID when it has none.
    pub fn label(&self) -> &str {
        known_extension_name(&self.oid).unwrap_or(&self.oid)
    }
}

/// A decoded certificate. Text that came from the certificate is escaped for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertReport {
    pub subject: String,
    pub issuer: String,
    /// Uppercase hex as `openssl x509 -serial` prints it (with a minus sign when negative).
    pub serial: String,
    #[serde(with = "::time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "::time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Validity times encoded without their 'Z' (RFC 5280 requires it): the time above is their
    /// digits read as UTC; openssl prints "Bad time value" and rustls refuses the certificate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub times_without_zone: Vec<ZonelessTime>,
    pub sha256_fingerprint: String,
    pub sha1_fingerprint: String,
    /// SHA-256 of the SubjectPublicKeyInfo, base64: what curl --pinnedpubkey takes.
    pub spki_sha256: String,
    pub public_key: PublicKeyInfo,
    pub signature_algorithm: SignatureAlgorithm,
    pub basic_constraints: Option<BasicConstraintsInfo>,
    pub key_usage: Vec<KeyUsageBit>,
    pub extended_key_usage: Vec<KeyPurpose>,
    pub subject_alt_names: Vec<String>,
    /// The kind of each of `subject_alt_names`, in order: what code decides by.
    #[serde(skip)]
    pub san_kinds: Vec<NameKind>,
    pub extensions: Vec<ExtensionInfo>,
    pub lints: Vec<Lint>,
    /// The subject's first CN, for lists.
    #[serde(skip)]
    pub common_name: Option<String>,
    /// What linking a certificate to its issuer needs, kept from the one parse: the raw DER of
    /// the subject and issuer names, and the key identifiers.
    #[serde(skip)]
    pub links: KeyLinks,
}

/// A validity time with no zone: which one, and its digits as they are encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZonelessTime {
    pub field: ValidityField,
    pub encoded: String,
    /// What is wrong with it (said only when it is not the missing zone).
    #[serde(skip_serializing_if = "is_no_zone")]
    pub problem: der::TimeProblem,
}

fn is_no_zone(p: &der::TimeProblem) -> bool {
    *p == der::TimeProblem::NoZone
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidityField {
    NotBefore,
    NotAfter,
}

impl ValidityField {
    /// Its name in RFC 5280.
    pub fn name(self) -> &'static str {
        match self {
            ValidityField::NotBefore => "notBefore",
            ValidityField::NotAfter => "notAfter",
        }
    }
}

impl CertReport {
    /// A validity time as shown: RFC 3339, or, for one encoded without its zone, its digits as
    /// encoded and how they were read.
    pub fn shown_time(&self, field: ValidityField) -> String {
        let time = match field {
            ValidityField::NotBefore => self.not_before,
            ValidityField::NotAfter => self.not_after,
        };
        match self.times_without_zone.iter().find(|z| z.field == field) {
            Some(z) if z.problem == der::TimeProblem::NoZone => {
                format!("{} (no time zone; read as {})", z.encoded, rfc3339(time))
            }
            Some(z) => format!(
                "{} (a UTCTime with a four-digit year; read as {})",
                z.encoded,
                rfc3339(time)
            ),
            None => rfc3339(time),
        }
    }
}

pub(crate) fn times_without_zone(der: &[u8]) -> Vec<ZonelessTime> {
    let Some(times) = der::validity_times(der) else {
        return Vec::new();
    };
    [ValidityField::NotBefore, ValidityField::NotAfter]
        .into_iter()
        .zip(times)
        .filter_map(|(field, t)| {
            Some(ZonelessTime {
                field,
                encoded: String::from_utf8_lossy(t.content(der)).into_owned(),
                problem: der::time_problem(der, &t)?,
            })
        })
        .collect()
}

/// Whether `key` made the signature of the certificate whose own bytes are `der`, parsed as
/// `cert` (perhaps from [`der::readable_certificate`]'s copy): checked over the
/// certificate's own tbsCertificate, as openssl and webpki check it, never over the copy's.
pub fn signed_by(der: &[u8], cert: &X509Certificate<'_>, key: &SubjectPublicKeyInfo<'_>) -> bool {
    let tbs = der::read_tlv(der, 0).and_then(|top| {
        der::children(der, &top)
            .first()
            .map(|t| &der[t.start..t.end])
    });
    tbs.is_some_and(|tbs| {
        x509_parser::verify::verify_signature(
            key,
            &cert.signature_algorithm,
            &cert.signature_value,
            tbs,
        )
        .is_ok()
    })
}

/// The raw names and key identifiers that tie a certificate to its issuer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyLinks {
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
}

/// What a timeline shows of a certificate: names and expiry, without the digests and the rest of
/// a full report (a handshake shows several certificates, and each costs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief {
    pub subject: String,
    pub issuer: String,
    pub not_after: OffsetDateTime,
    pub common_name: Option<String>,
}

pub fn brief(der: &[u8]) -> Result<Brief, DecodeError> {
    // Names and dates only: the extensions are not decoded, which halves the cost.
    let readable = der::readable_certificate(der);
    let (_, cert) = X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(&readable)
        .map_err(|e| DecodeError::Malformed {
            what: Kind::Certificate,
            problem: der_problem(&e),
        })?;
    let safe = |s: String| display_safe(&s, certbench_base::text::MAX_VALUE_CHARS);
    Ok(Brief {
        subject: safe(crate::names::rfc4514_within(cert.subject(), &readable)),
        issuer: safe(crate::names::rfc4514_within(cert.issuer(), &readable)),
        not_after: cert.validity().not_after.to_datetime(),
        common_name: common_name(cert.subject()).map(safe),
    })
}

/// What x509-parser's error says, as data (its own text shows Rust's debug form:
/// `Parsing Error: NomError(Eof)`).
pub fn der_problem(e: &x509_parser::nom::Err<X509Error>) -> DerProblem {
    use x509_parser::nom::Err;
    match e {
        Err::Incomplete(_) => DerProblem::CutShort,
        Err::Error(e) | Err::Failure(e) => x509_problem(e),
    }
}

fn x509_problem(e: &X509Error) -> DerProblem {
    use x509_parser::der_parser::asn1_rs::Error as A;
    use x509_parser::nom::error::ErrorKind;
    match e {
        X509Error::Der(d) => match d {
            A::Incomplete(_) | A::NomError(ErrorKind::Eof) => DerProblem::CutShort,
            A::NomError(_) | A::BerTypeError | A::BerValueError => DerProblem::Malformed,
            A::InvalidLength => DerProblem::BadLength,
            A::InvalidValue { msg, .. } => DerProblem::InvalidValue(msg.clone()),
            A::InvalidTag | A::UnknownTag(_) | A::UnexpectedTag { .. } => DerProblem::WrongType,
            A::UnexpectedClass { .. } => DerProblem::WrongClass,
            A::DerConstraintFailed(_) | A::IndefiniteLengthUnexpected => DerProblem::NotDer,
            A::StringInvalidCharset => DerProblem::BadCharset,
            A::InvalidDateTime => DerProblem::BadTime,
            A::IntegerTooLarge | A::IntegerNegative => DerProblem::IntegerRange,
            _ => DerProblem::Malformed,
        },
        X509Error::NomError(ErrorKind::Eof) => DerProblem::CutShort,
        X509Error::NomError(_) => DerProblem::Malformed,
        // The others are sentences already ("invalid X.509 name").
        other => DerProblem::X509(other.to_string()),
    }
}

/// What a list of extensions says, as a certificate (or a CSR's request) shows it.
#[derive(Debug, Default)]
pub struct ExtensionSummary {
    pub extensions: Vec<ExtensionInfo>,
    pub key_usage: Vec<KeyUsageBit>,
    pub extended_key_usage: Vec<KeyPurpose>,
    pub subject_alt_names: Vec<String>,
    pub san_kinds: Vec<NameKind>,
    pub basic_constraints: Option<BasicConstraintsInfo>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
}

impl ExtensionSummary {
    pub fn of<'a>(exts: impl Iterator<Item = &'a X509Extension<'a>>) -> ExtensionSummary {
        let safe = |s: String| display_safe(&s, certbench_base::text::MAX_VALUE_CHARS);
        let mut out = ExtensionSummary::default();
        for ext in exts {
            let oid = crate::names::oid_text(&ext.oid);
            out.extensions.push(ExtensionInfo {
                name: extension_name(&oid).to_string(),
                oid: oid.clone(),
                critical: ext.critical,
                value: openssl_value_lines(ext.parsed_extension())
                    .into_iter()
                    .map(safe)
                    .collect(),
                empty: is_empty_extension(&oid, ext.value),
            });
            match ext.parsed_extension() {
                ParsedExtension::KeyUsage(ku) => out.key_usage = key_usage_bits(ku),
                ParsedExtension::BasicConstraints(bc) => {
                    out.basic_constraints = Some(BasicConstraintsInfo {
                        ca: bc.ca,
                        path_len: bc.path_len_constraint.map(i64::from),
                    })
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    out.subject_alt_names = san
                        .general_names
                        .iter()
                        .map(|n| safe(general_name(n)))
                        .collect();
                    out.san_kinds = san.general_names.iter().map(NameKind::of).collect();
                }
                // The first of a duplicated extension counts, as for the others.
                ParsedExtension::SubjectKeyIdentifier(k) if out.subject_key_id.is_none() => {
                    out.subject_key_id = Some(k.0.to_vec());
                }
                ParsedExtension::AuthorityKeyIdentifier(a) if out.authority_key_id.is_none() => {
                    out.authority_key_id = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                _ => {}
            }
            if oid == "2.5.29.37" {
                out.extended_key_usage = eku_oids(ext.value).into_iter().map(KeyPurpose).collect();
            }
            // What x509-parser refuses (a negative pathLenConstraint), read as it is: dropping
            // it would turn a CA into a leaf for every check that follows.
            if oid == "2.5.29.19" && out.basic_constraints.is_none() {
                out.basic_constraints = basic_constraints_as_encoded(ext.value);
            }
        }
        out
    }
}

/// basicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL },
/// read without judging the values.
fn basic_constraints_as_encoded(value: &[u8]) -> Option<BasicConstraintsInfo> {
    let seq = der::read_tlv(value, 0).filter(|t| t.tag == 0x30)?;
    let mut info = BasicConstraintsInfo {
        ca: false,
        path_len: None,
    };
    for t in der::children(value, &seq) {
        let content = t.content(value);
        match t.tag {
            0x01 => info.ca = content.first().is_some_and(|b| *b != 0),
            0x02 if !content.is_empty() && content.len() <= 8 => {
                // Two's complement, big-endian, sign-extended.
                let fill = if content[0] & 0x80 != 0 { 0xff } else { 0 };
                let mut bytes = [fill; 8];
                bytes[8 - content.len()..].copy_from_slice(content);
                info.path_len = Some(i64::from_be_bytes(bytes));
            }
            _ => {}
        }
    }
    Some(info)
}

/// Decode a DER certificate. Lints are left empty: they need the other certificates around it.
pub fn decode(der: &[u8]) -> Result<CertReport, DecodeError> {
    let readable = der::readable_certificate(der);
    let cert = parse(&readable)?;
    Ok(report_of(der, &readable, &cert))
}

/// A certificate's readable bytes (`der::readable_certificate`) parsed whole: nothing after it.
pub(crate) fn parse(readable: &[u8]) -> Result<X509Certificate<'_>, DecodeError> {
    let (rest, cert) = X509Certificate::from_der(readable).map_err(|e| DecodeError::Malformed {
        what: Kind::Certificate,
        problem: der_problem(&e),
    })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingData {
            what: Kind::Certificate,
            bytes: rest.len(),
        });
    }
    Ok(cert)
}

/// The report of a certificate parsed from `readable`; fingerprints and the times as encoded
/// come from its own bytes, `der`.
pub(crate) fn report_of(der: &[u8], readable: &[u8], cert: &X509Certificate<'_>) -> CertReport {
    let safe = |s: String| display_safe(&s, certbench_base::text::MAX_VALUE_CHARS);
    let mut links = KeyLinks {
        subject_der: cert.subject().as_raw().to_vec(),
        issuer_der: cert.issuer().as_raw().to_vec(),
        ..KeyLinks::default()
    };
    let summary = ExtensionSummary::of(cert.extensions().iter());
    let ExtensionSummary {
        extensions,
        key_usage,
        extended_key_usage,
        subject_alt_names,
        san_kinds,
        basic_constraints,
        subject_key_id,
        authority_key_id,
    } = summary;
    links.subject_key_id = subject_key_id;
    links.authority_key_id = authority_key_id;
    let spki = cert.public_key();
    let digest = |alg, bytes: &[u8]| aws_lc_rs::digest::digest(alg, bytes).as_ref().to_vec();
    CertReport {
        subject: safe(crate::names::rfc4514_within(cert.subject(), readable)),
        issuer: safe(crate::names::rfc4514_within(cert.issuer(), readable)),
        serial: openssl_serial(cert.raw_serial()),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        times_without_zone: times_without_zone(der),
        sha256_fingerprint: colon_hex(&digest(&aws_lc_rs::digest::SHA256, der)),
        sha1_fingerprint: colon_hex(&digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der)),
        spki_sha256: certbench_base::text::base64(&digest(&aws_lc_rs::digest::SHA256, spki.raw)),
        public_key: decode_spki(spki),
        signature_algorithm: SignatureAlgorithm(crate::names::oid_text(
            &cert.signature_algorithm.algorithm,
        )),
        basic_constraints,
        key_usage,
        extended_key_usage,
        subject_alt_names,
        san_kinds,
        extensions,
        lints: Vec::new(),
        common_name: common_name(cert.subject()).map(safe),
        links,
    }
}

/// `openssl x509 -serial`: the magnitude in uppercase hex, a minus sign for negative serials.
pub fn openssl_serial(raw: &[u8]) -> String {
    let negative = raw.first().is_some_and(|b| b & 0x80 != 0);
    let magnitude: Vec<u8> = if negative {
        // Two's complement: invert and add one.
        let mut m: Vec<u8> = raw.iter().map(|b| !b).collect();
        for b in m.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        m
    } else {
        raw.to_vec()
    };
    let trimmed: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
    let hex: String = if trimmed.is_empty() {
        "00".into()
    } else {
        upper_hex(&trimmed)
    };
    if negative { format!("-{hex}") } else { hex }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// Uppercase hex with colons, as openssl prints fingerprints. (A table, not `format!` per byte:
/// this runs three times per certificate.)
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        s.push(char::from(HEX_DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Uppercase hex without separators.
pub fn upper_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        s.push(char::from(HEX_DIGITS[usize::from(b & 15)]));
    }
    s
}

pub fn key_usage_bits(ku: &x509_parser::extensions::KeyUsage) -> Vec<KeyUsageBit> {
    [
        (ku.digital_signature(), KeyUsageBit::DigitalSignature),
        (ku.non_repudiation(), KeyUsageBit::NonRepudiation),
        (ku.key_encipherment(), KeyUsageBit::KeyEncipherment),
        (ku.data_encipherment(), KeyUsageBit::DataEncipherment),
        (ku.key_agreement(), KeyUsageBit::KeyAgreement),
        (ku.key_cert_sign(), KeyUsageBit::KeyCertSign),
        (ku.crl_sign(), KeyUsageBit::CrlSign),
        (ku.encipher_only(), KeyUsageBit::EncipherOnly),
        (ku.decipher_only(), KeyUsageBit::DecipherOnly),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, bit)| bit)
    .collect()
}

pub fn eku_names(value: &[u8]) -> Vec<String> {
    eku_oids(value)
        .into_iter()
        .map(|oid| eku_name(&oid).map(String::from).unwrap_or(oid))
        .collect()
}

/// The OIDs of an extendedKeyUsage extension's value, dotted.
pub fn eku_oids(value: &[u8]) -> Vec<String> {
    let Some(seq) = der::read_tlv(value, 0) else {
        return vec![];
    };
    der::children(value, &seq)
        .iter()
        .filter(|t| t.tag == 0x06)
        .filter_map(|t| der::oid_string(t.content(value)))
        .collect()
}

fn eku_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.3.6.1.5.5.7.3.1" => "TLS Web Server Authentication",
        "1.3.6.1.5.5.7.3.2" => "TLS Web Client Authentication",
        "1.3.6.1.5.5.7.3.3" => "Code Signing",
        "1.3.6.1.5.5.7.3.4" => "E-mail Protection",
        "1.3.6.1.5.5.7.3.5" => "IPSec End System",
        "1.3.6.1.5.5.7.3.6" => "IPSec Tunnel",
        "1.3.6.1.5.5.7.3.7" => "IPSec User",
        "1.3.6.1.5.5.7.3.8" => "Time Stamping",
        "1.3.6.1.5.5.7.3.9" => "OCSP Signing",
        "1.3.6.1.5.5.7.3.17" => "ipsec Internet Key Exchange",
        "2.5.29.37.0" => "Any Extended Key Usage",
        "1.3.6.1.4.1.311.10.3.3" => "Microsoft Server Gated Crypto",
        "2.16.840.1.113730.4.1" => "Netscape Server Gated Crypto",
        "1.3.6.1.4.1.311.10.3.4" => "Microsoft Encrypted File System",
        "1.3.6.1.4.1.311.20.2.2" => "Microsoft Smartcard Login",
        "1.3.6.1.4.1.311.2.1.21" => "Microsoft Individual Code Signing",
        "1.3.6.1.4.1.311.2.1.22" => "Microsoft Commercial Code Signing",
        "1.3.6.1.4.1.311.10.3.1" => "Microsoft Trust List Signing",
        // As openssl 3 names them (its objects table).
        "1.3.6.1.5.2.3.5" => "Signing KDC Response",
        "1.3.6.1.5.2.3.4" => "PKINIT Client Auth",
        "1.3.6.1.4.1.11129.2.4.4" => "CT Precertificate Signer",
        "1.3.6.1.5.5.7.3.10" => "dvcs",
        "1.3.6.1.5.5.7.3.21" => "SSH Client",
        "1.3.6.1.5.5.7.3.22" => "SSH Server",
        "1.3.6.1.5.5.7.3.27" => "CMC Certificate Authority",
        "1.3.6.1.5.5.7.3.28" => "CMC Registration Authority",
        "1.3.6.1.5.5.7.3.29" => "CMC Archive Server",
        "1.3.6.1.5.5.7.3.30" => "BGPsec Router",
        "1.3.6.1.5.5.7.3.31" => "Brand Indicator for Message Identification",
        _ => return None,
    })
}

/// A general name as openssl prints it in subjectAltName.
/// A name of an IA5 (ASCII) type holding other bytes: the bytes, those outside printable ASCII
/// as `\xNN`, and where the first wrong one is.
fn not_ia5(kind: &str, bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) && b != b'\\' {
                char::from(b).to_string()
            } else {
                format!("\\x{b:02X}")
            }
        })
        .collect();
    match bytes.iter().position(|b| *b > 0x7f) {
        Some(at) => format!("{kind}:{shown} (not IA5: byte {at} is over 0x7F)"),
        None => format!("{kind}:{shown} (not IA5)"),
    }
}

/// An extension's value as `openssl x509 -text` prints it, one line each, for the extensions
/// whose values the summary rows leave out.
pub fn openssl_value_lines(parsed: &ParsedExtension<'_>) -> Vec<String> {
    use x509_parser::extensions::DistributionPointName;
    match parsed {
        ParsedExtension::SubjectKeyIdentifier(k) => vec![colon_hex(k.0)],
        ParsedExtension::AuthorityKeyIdentifier(a) => {
            let mut v = Vec::new();
            if let Some(k) = &a.key_identifier {
                v.push(colon_hex(k.0));
            }
            for n in a.authority_cert_issuer.iter().flatten() {
                v.push(general_name(n));
            }
            if let Some(serial) = a.authority_cert_serial {
                v.push(format!("serial:{}", colon_hex(serial)));
            }
            v
        }
        ParsedExtension::CRLDistributionPoints(dps) => dps
            .points
            .iter()
            .flat_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => {
                    names.iter().map(general_name).collect::<Vec<_>>()
                }
                Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
                    vec!["Relative Name".to_string()]
                }
                None => vec![],
            })
            .collect(),
        ParsedExtension::AuthorityInfoAccess(aia) => aia
            .accessdescs
            .iter()
            .map(|ad| {
                let method = match ad.access_method.to_id_string().as_str() {
                    "1.3.6.1.5.5.7.48.1" => "OCSP".to_string(),
                    "1.3.6.1.5.5.7.48.2" => "CA Issuers".to_string(),
                    other => other.to_string(),
                };
                format!("{method} - {}", general_name(&ad.access_location))
            })
            .collect(),
        ParsedExtension::CertificatePolicies(policies) => policies
            .iter()
            .map(|p| match p.policy_id.to_id_string().as_str() {
                "2.5.29.32.0" => "Policy: X509v3 Any Policy".to_string(),
                oid => format!("Policy: {oid}"),
            })
            .collect(),
        ParsedExtension::NameConstraints(nc) => {
            let mut v = Vec::new();
            for (kind, list) in [
                ("Permitted", &nc.permitted_subtrees),
                ("Excluded", &nc.excluded_subtrees),
            ] {
                if let Some(list) = list {
                    let subtrees: Vec<String> = list
                        .iter()
                        .map(|t| crate::constraints::Subtree::of(&t.base).text())
                        .collect();
                    v.push(format!("{kind}: {}", subtrees.join(", ")));
                }
            }
            v
        }
        ParsedExtension::PolicyConstraints(pc) => {
            let mut v = Vec::new();
            if let Some(n) = pc.require_explicit_policy {
                v.push(format!("Require Explicit Policy:{n}"));
            }
            if let Some(n) = pc.inhibit_policy_mapping {
                v.push(format!("Inhibit Policy Mapping:{n}"));
            }
            v
        }
        ParsedExtension::InhibitAnyPolicy(i) => vec![i.skip_certs.to_string()],
        _ => vec![],
    }
}

/// subjectAltName, extendedKeyUsage or keyUsage present with nothing in it: an empty SEQUENCE,
/// or a BIT STRING with no bit set.
fn is_empty_extension(oid: &str, value: &[u8]) -> bool {
    match oid {
        "2.5.29.17" | "2.5.29.37" => value == [0x30, 0x00],
        "2.5.29.15" => {
            value.first() == Some(&0x03)
                && value
                    .get(1)
                    .is_some_and(|len| usize::from(*len) + 2 == value.len())
                && value.iter().skip(3).all(|b| *b == 0)
        }
        _ => false,
    }
}

/// What kind of name a GeneralName is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Dns,
    Ip,
    Email,
    Uri,
    /// A directory name, an otherName, a registered ID, or one that does not decode.
    Other,
}

impl NameKind {
    pub fn of(name: &GeneralName<'_>) -> NameKind {
        match name {
            GeneralName::DNSName(_) => NameKind::Dns,
            GeneralName::IPAddress(_) => NameKind::Ip,
            GeneralName::RFC822Name(_) => NameKind::Email,
            GeneralName::URI(_) => NameKind::Uri,
            _ => NameKind::Other,
        }
    }

    /// A name a TLS client dials and checks the certificate for.
    pub fn is_host(self) -> bool {
        matches!(self, NameKind::Dns | NameKind::Ip)
    }
}

pub fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        // IA5 is ASCII: a name with other bytes is shown as bytes, and said to be wrong.
        GeneralName::DNSName(d) if !d.is_ascii() => not_ia5("DNS", d.as_bytes()),
        GeneralName::RFC822Name(e) if !e.is_ascii() => not_ia5("email", e.as_bytes()),
        GeneralName::URI(u) if !u.is_ascii() => not_ia5("URI", u.as_bytes()),
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::IPAddress(b) => match b.len() {
            4 => format!(
                "IP Address:{}",
                std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])
            ),
            // RFC 5952's form (`::1`), as people write it; openssl prints all eight groups.
            16 => {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(b);
                format!("IP Address:{}", std::net::Ipv6Addr::from(octets))
            }
            _ => "IP Address:<invalid>".to_string(),
        },
        GeneralName::RFC822Name(e) => format!("email:{e}"),
        GeneralName::URI(u) => format!("URI:{u}"),
        GeneralName::DirectoryName(n) => format!("DirName:{}", oneline(n)),
        GeneralName::RegisteredID(oid) => format!("Registered ID:{}", oid.to_id_string()),
        GeneralName::OtherName(oid, value) => other_name(&oid.to_id_string(), value),
        GeneralName::X400Address(_) => "X400Name:<unsupported>".into(),
        GeneralName::EDIPartyName(_) => "EdiPartyName:<unsupported>".into(),
        // A name whose bytes are not even text: its bytes, escaped, and what is wrong with them.
        GeneralName::Invalid(tag, bytes) => match tag.0 {
            1 => not_ia5("email", bytes),
            2 => not_ia5("DNS", bytes),
            6 => not_ia5("URI", bytes),
            _ => format!("<invalid general name, tag [{}]>", tag.0),
        },
    }
}

/// An otherName as openssl 3 prints one: `othername: OID::text` for a string value.
fn other_name(oid: &str, value: &[u8]) -> String {
    // value is the [0] EXPLICIT wrapper around the actual value.
    let text = der::read_tlv(value, 0)
        .filter(|t| t.tag == 0xa0)
        .and_then(|t| der::read_tlv(value, t.content_start))
        .filter(|inner| matches!(inner.tag, 0x0c | 0x13 | 0x16 | 0x1a))
        .map(|inner| String::from_utf8_lossy(inner.content(value)).into_owned());
    // The names openssl gives the otherName types it knows.
    let name = match oid {
        "1.3.6.1.4.1.311.20.2.3" => "UPN",
        "1.3.6.1.5.5.7.8.9" => "SmtpUTF8Mailbox",
        other => other,
    };
    match text {
        Some(t) => format!("othername: {name}::{t}"),
        None => format!("othername: {name}::<unsupported>"),
    }
}

/// openssl's old one-line form, `/C=US/O=Example`, used for DirName.
fn oneline(name: &X509Name<'_>) -> String {
    let mut out = String::new();
    for attr in name.iter_attributes() {
        let oid = attr.attr_type().to_id_string();
        let key = crate::names::attribute_short_name(&oid)
            .map(String::from)
            .unwrap_or(oid);
        let value = crate::names::attribute_text(attr).unwrap_or_default();
        out.push_str(&format!("/{key}={value}"));
    }
    out
}

pub fn decode_spki(spki: &SubjectPublicKeyInfo<'_>) -> PublicKeyInfo {
    let alg_oid = crate::names::oid_text(&spki.algorithm.algorithm);
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| crate::names::oid_text(&o));
    match (alg_oid.as_str(), spki.parsed()) {
        (_, Ok(PublicKey::RSA(rsa))) => PublicKeyInfo {
            algorithm: KeyAlgorithm::Rsa,
            bits: Some(rsa.key_size() as u32),
            curve: None,
        },
        ("1.2.840.10045.2.1", _) => {
            let (name, bits) = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => ("P-256".to_string(), Some(256)),
                Some("1.3.132.0.34") => ("P-384".to_string(), Some(384)),
                Some("1.3.132.0.35") => ("P-521".to_string(), Some(521)),
                Some("1.3.132.0.10") => ("secp256k1".to_string(), Some(256)),
                Some(other) => (other.to_string(), None),
                None => ("unknown".to_string(), None),
            };
            PublicKeyInfo {
                algorithm: KeyAlgorithm::Ec,
                bits,
                curve: Some(name),
            }
        }
        ("1.3.101.112", _) => PublicKeyInfo {
            algorithm: KeyAlgorithm::Ed25519,
            bits: Some(256),
            curve: None,
        },
        ("1.3.101.113", _) => PublicKeyInfo {
            algorithm: KeyAlgorithm::Ed448,
            bits: Some(456),
            curve: None,
        },
        ("1.2.840.113549.1.1.10", _) => PublicKeyInfo {
            algorithm: KeyAlgorithm::RsaPss,
            bits: None,
            curve: None,
        },
        ("1.2.840.10040.4.1", _) => PublicKeyInfo {
            algorithm: KeyAlgorithm::Dsa,
            bits: None,
            curve: None,
        },
        (other, _) => PublicKeyInfo {
            algorithm: KeyAlgorithm::Other(other.to_string()),
            bits: None,
            curve: None,
        },
    }
}

/// Signature algorithm names as openssl prints them.
pub fn signature_name(oid: &str) -> String {
    signature_name_of(oid).unwrap_or(oid).to_string()
}

fn signature_name_of(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        _ => return None,
    })
}

/// Extension names as RFC 5280 (and the CT and Netscape specs) call them.
pub fn extension_name(oid: &str) -> &'static str {
    known_extension_name(oid).unwrap_or("unknown")
}

/// As [`extension_name`], `None` for an extension without a name.
pub fn known_extension_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.18" => "issuerAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.30" => "nameConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.33" => "policyMappings",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.36" => "policyConstraints",
        "2.5.29.37" => "extendedKeyUsage",
        "2.5.29.46" => "freshestCRL",
        "2.5.29.54" => "inhibitAnyPolicy",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.3.6.1.5.5.7.1.11" => "subjectInfoAccess",
        "1.3.6.1.5.5.7.1.24" => "tlsFeature",
        "1.3.6.1.5.5.7.48.1.5" => "ocspNoCheck",
        "1.3.6.1.4.1.11129.2.4.2" => "signedCertificateTimestampList",
        "1.3.6.1.4.1.11129.2.4.3" => "precertificatePoison",
        "2.16.840.1.113730.1.1" => "netscapeCertType",
        "2.16.840.1.113730.1.13" => "netscapeComment",
        "1.3.6.1.4.1.311.21.1" => "microsoftCaVersion",
        "1.3.6.1.4.1.311.20.2" => "microsoftCertTemplateName",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_print_as_openssl_does() {
        assert_eq!(openssl_serial(&[0x00, 0x8f, 0x01]), "8F01");
        assert_eq!(openssl_serial(&[0x01]), "01");
        assert_eq!(openssl_serial(&[0x00]), "00");
        assert_eq!(openssl_serial(&[0xff]), "-01");
        assert_eq!(openssl_serial(&[0xff, 0x00]), "-0100");
    }
}
