//! A certificate signing request a service made itself (its key never leaves it): what it asks
//! for, read from its own bytes, and what certbench grants it for a role. The role's profile
//! decides the extensions, as a CA's does; each thing asked for is kept or refused, and why is
//! data ([`Refusal`]); the words are in assets/csr.toml.

use serde::Serialize;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use crate::spec::{ExtKeyUsage, IssueSpec, KeyAlg, KeyUsage, SanEntry};
use certbench_x509::Role;
use certbench_x509::report::{KeyPurpose, KeyUsageBit};

/// Why a file cannot be signed at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequestError {
    /// What the file holds instead: a PEM block of another kind, nothing, or neither PEM nor
    /// DER.
    #[error("{}", match .found {
        Found::Pem { label } => format!("it holds a PEM {label}, not a CERTIFICATE REQUEST"),
        Found::Empty => "it is empty".to_string(),
        Found::Other => "it holds no certificate signing request (no PEM CERTIFICATE REQUEST, and not DER)".to_string(),
    })]
    NotARequest { found: Found },
    /// More than one request: which one to sign would be a guess.
    #[error("it holds {count} requests: give a file with the one to sign")]
    Several { count: usize },
    #[error("the request cannot be decoded: {detail}")]
    Unreadable { detail: String },
    /// The signature does not verify with the key it holds: whoever made it may not hold the key.
    #[error(
        "the request's signature does not verify with the key it holds: it was changed after it was signed, or made without that key"
    )]
    BadSignature,
    /// Its signature's algorithm is one certbench cannot check (so it cannot tell whether
    /// whoever made the request holds the key).
    #[error(
        "its signature algorithm ({algorithm}) is one certbench cannot check: make the request with SHA-256 (openssl req -sha256), or SHA-384 for P-384"
    )]
    SignatureAlgorithm { algorithm: String },
    #[error(
        "its key is {key}: certbench signs RSA 2048, 3072 or 4096, ECDSA P-256 or P-384, and Ed25519 keys"
    )]
    KeyType { key: KeyKind },
    /// The key's SubjectPublicKeyInfo would not come out of certbench as the request holds it
    /// (an encoding rcgen writes otherwise), so the certificate would name another key.
    #[error(
        "its public key is encoded in a way certbench would not write back byte for byte, so it cannot certify that key"
    )]
    KeyEncoding,
    #[error(
        "certbench signs requests for server and client certificates; a CA is made with `certbench issue --role intermediate`"
    )]
    NotALeaf,
}

/// What a file that is not a request holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Found {
    Pem { label: String },
    Empty,
    Other,
}

/// A request's key that certbench does not sign, as its SubjectPublicKeyInfo names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyKind {
    Rsa {
        bits: usize,
    },
    /// ECDSA on a curve other than P-256 and P-384 (its OID), or none named.
    Ec {
        curve: Option<String>,
    },
    Ed448,
    Dsa,
    RsaPss,
    Other {
        oid: String,
    },
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::Ec { curve: Some(c) } => write!(f, "ECDSA on the curve {c}"),
            KeyKind::Ec { curve: None } => f.write_str("ECDSA with no curve named"),
            KeyKind::Ed448 => f.write_str("Ed448"),
            KeyKind::Dsa => f.write_str("DSA"),
            KeyKind::RsaPss => f.write_str("RSA-PSS (an RSA key restricted to PSS)"),
            KeyKind::Other { oid } => write!(f, "of the algorithm {oid}"),
        }
    }
}

/// The key a request carries, which the certificate will certify.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestKey {
    pub alg: KeyAlg,
    /// The whole SubjectPublicKeyInfo, as the request holds it.
    pub spki: Vec<u8>,
    /// Its subjectPublicKey bits.
    bits: Vec<u8>,
    rcgen_alg: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for RequestKey {
    fn der_bytes(&self) -> &[u8] {
        &self.bits
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.rcgen_alg
    }
}

/// One thing a request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Asked {
    /// A subject attribute, by its short name (CN, O, L, ...) or OID; `readable` is false when
    /// its value is not a string certbench can read (then `value` shows its bytes).
    Subject {
        attribute: String,
        value: String,
        readable: bool,
    },
    /// A subjectAltName, as `DNS:name`, `IP:addr`, `email:...`, `URI:...`.
    San {
        name: String,
    },
    /// A keyUsage bit; serialized by its RFC 5280 name.
    KeyUsage {
        #[serde(serialize_with = "rfc_name")]
        usage: KeyUsageBit,
    },
    /// An extendedKeyUsage; serialized by openssl's short name, or its OID.
    ExtKeyUsage {
        #[serde(serialize_with = "short_name")]
        usage: KeyPurpose,
    },
    BasicConstraints {
        ca: bool,
    },
    /// Any other extension.
    Extension {
        oid: String,
        name: String,
        critical: bool,
    },
}

/// Why something asked for is not in the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    /// A key usage or extended key usage the role's profile does not grant.
    NotForRole { role: Role },
    /// serverAuth asked of a client certificate, or clientAuth of a server's: the other role's,
    /// which a profile for both grants.
    OtherRole { role: Role },
    /// basicConstraints CA:TRUE: a leaf's request cannot make a CA.
    CaRequested,
    /// A subject attribute other than CN, O, OU and C.
    SubjectAttribute,
    /// A second value of an attribute the subject holds once.
    Repeated,
    /// A subject value that is not text certbench can read.
    Unreadable,
    /// A name asked for twice: kept once.
    Duplicate,
    /// A kind of subjectAltName certbench does not issue (otherName, directoryName, ...).
    NameKind,
    /// A subjectAltName that is not valid as written.
    NameInvalid { problem: String },
    /// An extension the issuer writes (the key identifiers).
    WrittenByIssuer,
    /// An extension certbench does not copy from requests.
    ExtensionNotCopied,
}

const WORDS: &str = include_str!("../../../assets/csr.toml");

fn words() -> &'static std::collections::HashMap<String, String> {
    static CELL: std::sync::OnceLock<std::collections::HashMap<String, String>> =
        std::sync::OnceLock::new();
    certbench_base::assets::table(&CELL, WORDS)
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotForRole { .. } => "not_for_role",
            Refusal::OtherRole { .. } => "other_role",
            Refusal::CaRequested => "ca_requested",
            Refusal::SubjectAttribute => "subject_attribute",
            Refusal::Repeated => "repeated",
            Refusal::Unreadable => "unreadable",
            Refusal::Duplicate => "duplicate",
            Refusal::NameKind => "name_kind",
            Refusal::NameInvalid { .. } => "name_invalid",
            Refusal::WrittenByIssuer => "written_by_issuer",
            Refusal::ExtensionNotCopied => "extension_not_copied",
        }
    }

    /// Why, in words (assets/csr.toml).
    pub fn text(&self) -> String {
        let values = match self {
            Refusal::NotForRole { role } | Refusal::OtherRole { role } => {
                vec![("role", role.title().to_string())]
            }
            Refusal::NameInvalid { problem } => vec![("problem", problem.clone())],
            _ => vec![],
        };
        let template = words().get(self.code()).map_or(self.code(), String::as_str);
        certbench_base::assets::fill(template, &values)
    }
}

impl Asked {
    /// As openssl's config names it: `subjectAltName DNS:svc.local`, `keyUsage keyCertSign`.
    pub fn notation(&self) -> String {
        match self {
            Asked::Subject {
                attribute, value, ..
            } => format!(
                "subject {attribute}={}",
                certbench_base::text::display_safe(value, 200)
            ),
            Asked::San { name } => {
                format!(
                    "subjectAltName {}",
                    certbench_base::text::display_safe(name, 200)
                )
            }
            Asked::KeyUsage { usage } => format!("keyUsage {}", usage.rfc_name()),
            Asked::ExtKeyUsage { usage } => format!("extendedKeyUsage {}", usage.short_name()),
            Asked::BasicConstraints { ca: true } => "basicConstraints CA:TRUE".into(),
            Asked::BasicConstraints { ca: false } => "basicConstraints CA:FALSE".into(),
            Asked::Extension {
                oid,
                name,
                critical,
            } => {
                let critical = if *critical { ", critical" } else { "" };
                if name.is_empty() || name == oid {
                    format!("extension {oid}{critical}")
                } else {
                    format!("{name} ({oid}){critical}")
                }
            }
        }
    }
}

/// Kept, or refused and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Kept,
    Refused { why: Refusal },
}

/// A request, read and its signature checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub der: Vec<u8>,
    /// RFC 4514, as openssl prints it.
    pub subject: String,
    pub key: RequestKey,
    pub asked: Vec<Asked>,
}

/// What certbench grants a request for a role: the request as certbench would issue it (with the
/// same checks as any), and each thing asked for with its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub spec: IssueSpec,
    pub decisions: Vec<(Asked, Decision)>,
    /// Names the user added (`--san`) beyond those asked for.
    pub added_sans: Vec<String>,
}

/// A name for the workspace from the request's CN (`svc.local` → `svc.local`, `My Service` →
/// `my-service`), else `request`; `-2`, `-3`, ... when `taken` holds it.
pub fn suggested_name(request: &Request, taken: &[String]) -> String {
    let cn = request.asked.iter().find_map(|a| match a {
        Asked::Subject {
            attribute,
            value,
            readable: true,
        } if attribute == "CN" => Some(value.as_str()),
        _ => None,
    });
    let mut base: String = cn
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches(['-', '.'])
        .chars()
        .take(48)
        .collect();
    if base.is_empty() || crate::validate_entity_name(&base).is_err() {
        base = "request".into();
    }
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// Read a request from PEM (`CERTIFICATE REQUEST`, or `NEW CERTIFICATE REQUEST`) or DER, and
/// check that its own key signed it.
pub fn read(bytes: &[u8]) -> Result<Request, RequestError> {
    let der = if bytes.first() == Some(&0x30) {
        bytes.to_vec()
    } else {
        let blocks: Vec<_> = x509_parser::pem::Pem::iter_from_buffer(bytes)
            .filter_map(Result::ok)
            .collect();
        let mut requests = blocks
            .iter()
            .filter(|p| p.label == "CERTIFICATE REQUEST" || p.label == "NEW CERTIFICATE REQUEST");
        match (requests.next(), requests.count()) {
            (Some(p), 0) => p.contents.clone(),
            (Some(_), more) => return Err(RequestError::Several { count: more + 1 }),
            (None, _) => {
                let found = match blocks.first() {
                    Some(p) => Found::Pem {
                        label: certbench_base::text::display_safe(&p.label, 60),
                    },
                    None if bytes.iter().all(u8::is_ascii_whitespace) => Found::Empty,
                    None => Found::Other,
                };
                return Err(RequestError::NotARequest { found });
            }
        }
    };
    let (_, csr) =
        X509CertificationRequest::from_der(&der).map_err(|e| RequestError::Unreadable {
            detail: e.to_string(),
        })?;
    let info = &csr.certification_request_info;
    // The key first: a key certbench does not sign (RSA 1024) is said as such, not as a
    // signature the verifier would not check.
    let key = request_key(&info.subject_pki)?;
    csr.verify_signature().map_err(|e| match e {
        x509_parser::error::X509Error::SignatureUnsupportedAlgorithm => {
            RequestError::SignatureAlgorithm {
                algorithm: certbench_x509::report::signature_name(
                    &certbench_x509::names::oid_text(&csr.signature_algorithm.algorithm),
                ),
            }
        }
        _ => RequestError::BadSignature,
    })?;
    let subject = certbench_x509::names::rfc4514_within(&info.subject, &der);
    let mut asked = Vec::new();
    // The subject as its RDNs come, first to last.
    for rdn in info.subject.iter() {
        for attr in rdn.iter() {
            let oid = certbench_x509::names::oid_text(attr.attr_type());
            let attribute = certbench_x509::names::attribute_short_name(&oid)
                .map(str::to_string)
                .unwrap_or(oid);
            let text = certbench_x509::names::attribute_text(attr);
            let readable = text.is_some();
            let value = text.unwrap_or_else(|| {
                let hex: String = attr
                    .attr_value()
                    .data
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect();
                format!("#{hex}")
            });
            asked.push(Asked::Subject {
                attribute,
                value,
                readable,
            });
        }
    }
    for attr in info.iter_attributes() {
        if let x509_parser::cri_attributes::ParsedCriAttribute::ExtensionRequest(req) =
            attr.parsed_attribute()
        {
            for ext in &req.extensions {
                asked.extend(asked_of(ext));
            }
        }
    }
    Ok(Request {
        subject,
        key,
        asked,
        der,
    })
}

pub(crate) fn request_key(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<RequestKey, RequestError> {
    use x509_parser::public_key::PublicKey;
    let alg_oid = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let refused = |key| Err(RequestError::KeyType { key });
    let (alg, rcgen_alg): (KeyAlg, &'static rcgen::SignatureAlgorithm) =
        match (alg_oid.as_str(), curve.as_deref()) {
            ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => {
                (KeyAlg::EcdsaP256, &rcgen::PKCS_ECDSA_P256_SHA256)
            }
            ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => {
                (KeyAlg::EcdsaP384, &rcgen::PKCS_ECDSA_P384_SHA384)
            }
            ("1.2.840.10045.2.1", c) => {
                return refused(KeyKind::Ec {
                    curve: c.map(str::to_string),
                });
            }
            ("1.3.101.112", _) => (KeyAlg::Ed25519, &rcgen::PKCS_ED25519),
            ("1.2.840.113549.1.1.1", _) => {
                let bits = match spki.parsed() {
                    Ok(PublicKey::RSA(rsa)) => rsa.key_size(),
                    _ => 0,
                };
                match bits {
                    2048 => (KeyAlg::Rsa2048, &rcgen::PKCS_RSA_SHA256),
                    3072 => (KeyAlg::Rsa3072, &rcgen::PKCS_RSA_SHA256),
                    4096 => (KeyAlg::Rsa4096, &rcgen::PKCS_RSA_SHA256),
                    _ => return refused(KeyKind::Rsa { bits }),
                }
            }
            ("1.3.101.113", _) => return refused(KeyKind::Ed448),
            ("1.2.840.10040.4.1", _) => return refused(KeyKind::Dsa),
            ("1.2.840.113549.1.1.10", _) => return refused(KeyKind::RsaPss),
            (oid, _) => {
                return refused(KeyKind::Other {
                    oid: oid.to_string(),
                });
            }
        };
    let key = RequestKey {
        alg,
        spki: spki.raw.to_vec(),
        bits: spki.subject_public_key.data.to_vec(),
        rcgen_alg,
    };
    // What the certificate will hold is what rcgen writes from the key's parts: it must be the
    // request's SubjectPublicKeyInfo byte for byte (said before anything is signed).
    if rcgen::PublicKeyData::subject_public_key_info(&key) != key.spki {
        return Err(RequestError::KeyEncoding);
    }
    Ok(key)
}

/// What one requested extension asks for.
fn asked_of(ext: &x509_parser::extensions::X509Extension<'_>) -> Vec<Asked> {
    match ext.parsed_extension() {
        ParsedExtension::SubjectAlternativeName(san) => san
            .general_names
            .iter()
            .map(|n| Asked::San { name: san_name(n) })
            .collect(),
        ParsedExtension::KeyUsage(ku) => certbench_x509::report::key_usage_bits(ku)
            .into_iter()
            .map(|usage| Asked::KeyUsage { usage })
            .collect(),
        ParsedExtension::ExtendedKeyUsage(_) => certbench_x509::report::eku_oids(ext.value)
            .into_iter()
            .map(|oid| Asked::ExtKeyUsage {
                usage: KeyPurpose(oid),
            })
            .collect(),
        ParsedExtension::BasicConstraints(bc) => vec![Asked::BasicConstraints { ca: bc.ca }],
        _ => {
            let oid = certbench_x509::names::oid_text(&ext.oid);
            vec![Asked::Extension {
                name: certbench_x509::report::known_extension_name(&oid)
                    .unwrap_or_default()
                    .to_string(),
                oid,
                critical: ext.critical,
            }]
        }
    }
}

/// What the signer adds to a request: names, and a profile of its own instead of the role's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// subjectAltNames beyond those asked for (`--san`).
    pub sans: Vec<String>,
    /// Key usages instead of the role's.
    pub key_usages: Option<Vec<KeyUsage>>,
    /// Extended key usages instead of the role's (serverAuth and clientAuth for a service that
    /// is both).
    pub ext_key_usages: Option<Vec<ExtKeyUsage>>,
}

/// Whether the request asks for this extended key usage (openssl's short name: `clientAuth`).
pub fn asks_for(request: &Request, oid: &str) -> bool {
    request
        .asked
        .iter()
        .any(|a| matches!(a, Asked::ExtKeyUsage { usage } if usage.oid() == oid))
}

/// The role a request reads as: a client's when it asks for clientAuth alone, else a server's.
pub fn suggested_role(request: &Request) -> Role {
    let asks = |oid: &str| asks_for(request, oid);
    if asks(KeyPurpose::CLIENT_AUTH) && !asks(KeyPurpose::SERVER_AUTH) {
        Role::Client
    } else {
        Role::Server
    }
}

/// What certbench grants `request` as a certificate for `role` named `name`, issued by
/// `issuer`, with `extra_sans` added: the role's profile (its key usages and extended key
/// usages), the subject's CN, O, OU and C, and the names asked for that are valid.
pub fn grant(
    request: &Request,
    role: Role,
    name: &str,
    issuer: &str,
    set_id: &str,
    extras: &Extras,
) -> Result<Grant, RequestError> {
    if !role.is_leaf() {
        return Err(RequestError::NotALeaf);
    }
    let extra_sans = &extras.sans;
    let mut spec = IssueSpec::for_role_in(role, name, set_id);
    spec.issuer = issuer.to_string();
    // The profile, as the signer chose it (a service that is both server and client).
    spec.key_usages = extras.key_usages.clone();
    spec.ext_key_usages = extras.ext_key_usages.clone();
    spec.key_alg = request.key.alg;
    spec.subject = Default::default();
    spec.sans = Vec::new();
    let profile_ku = spec.effective_key_usages();
    let profile_eku = spec.effective_ext_key_usages();
    let not_for_role = Decision::Refused {
        why: Refusal::NotForRole { role },
    };
    let mut decisions = Vec::new();
    for asked in &request.asked {
        let decision = match asked {
            Asked::Subject {
                readable: false, ..
            } => Decision::Refused {
                why: Refusal::Unreadable,
            },
            Asked::Subject {
                attribute, value, ..
            } => {
                let s = &mut spec.subject;
                let slot = match attribute.as_str() {
                    "CN" => Some(&mut s.common_name),
                    "O" => Some(&mut s.organization),
                    "OU" => Some(&mut s.organizational_unit),
                    "C" => Some(&mut s.country),
                    _ => None,
                };
                match slot {
                    None => Decision::Refused {
                        why: Refusal::SubjectAttribute,
                    },
                    Some(slot) if !slot.is_empty() => Decision::Refused {
                        why: Refusal::Repeated,
                    },
                    Some(slot) => {
                        *slot = value.clone();
                        Decision::Kept
                    }
                }
            }
            Asked::San { name } => match san_input(name) {
                None => Decision::Refused {
                    why: Refusal::NameKind,
                },
                Some(input) => match SanEntry::parse(&input) {
                    Ok(entry)
                        if spec
                            .sans
                            .iter()
                            .any(|k| SanEntry::parse(k).ok().as_ref() == Some(&entry)) =>
                    {
                        Decision::Refused {
                            why: Refusal::Duplicate,
                        }
                    }
                    Ok(_) => {
                        spec.sans.push(input);
                        Decision::Kept
                    }
                    Err(problem) => Decision::Refused {
                        why: Refusal::NameInvalid {
                            problem: problem.to_string(),
                        },
                    },
                },
            },
            Asked::KeyUsage { usage } => match key_usage(*usage) {
                Some(ku) if profile_ku.contains(&ku) => Decision::Kept,
                _ => not_for_role.clone(),
            },
            Asked::ExtKeyUsage { usage } => match usage.oid() {
                KeyPurpose::SERVER_AUTH if profile_eku.contains(&ExtKeyUsage::ServerAuth) => {
                    Decision::Kept
                }
                KeyPurpose::CLIENT_AUTH if profile_eku.contains(&ExtKeyUsage::ClientAuth) => {
                    Decision::Kept
                }
                KeyPurpose::SERVER_AUTH | KeyPurpose::CLIENT_AUTH => Decision::Refused {
                    why: Refusal::OtherRole { role },
                },
                _ => not_for_role.clone(),
            },
            Asked::BasicConstraints { ca: false } => Decision::Kept,
            Asked::BasicConstraints { ca: true } => Decision::Refused {
                why: Refusal::CaRequested,
            },
            Asked::Extension { oid, .. } if oid == "2.5.29.14" || oid == "2.5.29.35" => {
                Decision::Refused {
                    why: Refusal::WrittenByIssuer,
                }
            }
            Asked::Extension { .. } => Decision::Refused {
                why: Refusal::ExtensionNotCopied,
            },
        };
        decisions.push((asked.clone(), decision));
    }
    let mut added_sans = Vec::new();
    for s in extra_sans {
        let known = SanEntry::parse(s).ok();
        if known.is_none() || !spec.sans.iter().any(|k| SanEntry::parse(k).ok() == known) {
            spec.sans.push(s.clone());
            added_sans.push(s.clone());
        }
    }
    Ok(Grant {
        spec,
        decisions,
        added_sans,
    })
}

/// A subjectAltName as `KIND:value` (`DNS:`, `IP:`, `email:`, `URI:`), or as the Inspect pane
/// shows the kinds certbench does not issue and values that are not text.
fn san_name(n: &GeneralName<'_>) -> String {
    let ip = |b: &[u8]| -> Option<std::net::IpAddr> {
        match b.len() {
            4 => <[u8; 4]>::try_from(b).ok().map(std::net::IpAddr::from),
            16 => <[u8; 16]>::try_from(b).ok().map(std::net::IpAddr::from),
            _ => None,
        }
    };
    match n {
        GeneralName::IPAddress(b) if ip(b).is_some() => {
            format!("IP:{}", ip(b).map(|a| a.to_string()).unwrap_or_default())
        }
        other => certbench_x509::report::general_name(other),
    }
}

/// A name as certbench's SAN syntax writes it, its kind always said (`dns:`, `ip:`, `email:`,
/// `uri:`), from [`san_name`]'s text of it: a DNS name that reads as a URI stays a DNS name (and
/// is refused as one); `None` for kinds certbench does not issue.
fn san_input(shown: &str) -> Option<String> {
    let (kind, value) = shown.split_once(':')?;
    let prefix = match kind {
        "DNS" => "dns",
        "IP" => "ip",
        "email" => "email",
        "URI" => "uri",
        _ => return None,
    };
    Some(format!("{prefix}:{value}"))
}

/// The profile's key usage for a bit a request asks for (those certbench issues).
fn key_usage(bit: KeyUsageBit) -> Option<KeyUsage> {
    Some(match bit {
        KeyUsageBit::DigitalSignature => KeyUsage::DigitalSignature,
        KeyUsageBit::KeyEncipherment => KeyUsage::KeyEncipherment,
        KeyUsageBit::KeyAgreement => KeyUsage::KeyAgreement,
        KeyUsageBit::KeyCertSign => KeyUsage::KeyCertSign,
        KeyUsageBit::CrlSign => KeyUsage::CrlSign,
        _ => return None,
    })
}

fn rfc_name<S: serde::Serializer>(bit: &KeyUsageBit, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(bit.rfc_name())
}

fn short_name<S: serde::Serializer>(p: &KeyPurpose, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.short_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal has words, none left as a placeholder.
    #[test]
    fn every_refusal_has_words_and_fills_its_placeholders() {
        let all = [
            Refusal::NotForRole { role: Role::Server },
            Refusal::OtherRole { role: Role::Server },
            Refusal::CaRequested,
            Refusal::SubjectAttribute,
            Refusal::Repeated,
            Refusal::Unreadable,
            Refusal::Duplicate,
            Refusal::NameKind,
            Refusal::NameInvalid {
                problem: "bad".into(),
            },
            Refusal::WrittenByIssuer,
            Refusal::ExtensionNotCopied,
        ];
        let table: std::collections::HashMap<String, String> = toml::from_str(WORDS).unwrap();
        assert_eq!(
            table.len(),
            all.len(),
            "a word without a refusal, or the reverse"
        );
        for r in all {
            assert!(table.contains_key(r.code()), "{} has no words", r.code());
            let text = r.text();
            assert!(!text.contains('{'), "{text}");
            assert!(!text.contains(r.code()), "{text}");
        }
    }
}
