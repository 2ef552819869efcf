//! One vocabulary for why something failed, for the whole program: a rustls error, a webpki
//! verdict, an alert from the peer, an I/O error, a time-out, a cancel. A `Cause` is data (a code
//! and the values that matter); the words a person reads are made from assets/causes.toml by
//! [`describe`] and [`fix`], in this one place, and nothing decides anything by reading them.

use std::net::IpAddr;
use std::sync::OnceLock;

use rustls_pki_types::{ServerName, UnixTime};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A TLS alert description, by its RFC 8446 number; serialized as its RFC name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert(pub u8);

impl Alert {
    // The alerts certificate checks end in (RFC 8446 6.2), by their RFC 8446 numbers.
    pub const HANDSHAKE_FAILURE: Alert = Alert(40);
    pub const BAD_CERTIFICATE: Alert = Alert(42);
    pub const UNSUPPORTED_CERTIFICATE: Alert = Alert(43);
    pub const CERTIFICATE_REVOKED: Alert = Alert(44);
    pub const CERTIFICATE_EXPIRED: Alert = Alert(45);
    pub const CERTIFICATE_UNKNOWN: Alert = Alert(46);
    pub const UNKNOWN_CA: Alert = Alert(48);
    pub const DECRYPT_ERROR: Alert = Alert(51);
    pub const PROTOCOL_VERSION: Alert = Alert(70);
    pub const CERTIFICATE_REQUIRED: Alert = Alert(116);
    pub const BAD_CERTIFICATE_STATUS_RESPONSE: Alert = Alert(113);

    pub fn name(self) -> &'static str {
        certbench_wire::names::alert(self.0)
    }
}

impl Serialize for Alert {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl From<rustls::AlertDescription> for Alert {
    fn from(a: rustls::AlertDescription) -> Alert {
        Alert(u8::from(a))
    }
}

/// What a certificate's extended key usage allows, as rustls and webpki name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    ServerAuth,
    ClientAuth,
    /// Another purpose, by its OID.
    Other(String),
}

impl Purpose {
    fn from_rustls(p: &rustls::ExtendedKeyPurpose) -> Purpose {
        match p {
            rustls::ExtendedKeyPurpose::ServerAuth => Purpose::ServerAuth,
            rustls::ExtendedKeyPurpose::ClientAuth => Purpose::ClientAuth,
            rustls::ExtendedKeyPurpose::Other(arcs) => Purpose::from_arcs(arcs),
        }
    }

    /// A purpose by its OID's arcs (1.3.6.1.5.5.7.3.1 is serverAuth, RFC 5280 4.2.1.12).
    fn from_arcs(arcs: &[usize]) -> Purpose {
        match arcs {
            [1, 3, 6, 1, 5, 5, 7, 3, 1] => Purpose::ServerAuth,
            [1, 3, 6, 1, 5, 5, 7, 3, 2] => Purpose::ClientAuth,
            _ => Purpose::Other(
                arcs.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
            ),
        }
    }

    /// Its name as openssl prints it in `-text`.
    pub fn label(&self) -> String {
        match self {
            Purpose::ServerAuth => "serverAuth".into(),
            Purpose::ClientAuth => "clientAuth".into(),
            Purpose::Other(oid) => oid.clone(),
        }
    }
}

/// Why something failed. Each variant is a thing a person can act on; the values are what was
/// asked against what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Cause {
    // A certificate, as a verifier judged it.
    /// No trust anchor issued the chain.
    UnknownIssuer,
    Expired {
        #[serde(with = "time::serde::rfc3339::option")]
        not_after: Option<OffsetDateTime>,
        /// When it was checked.
        #[serde(with = "time::serde::rfc3339::option")]
        at: Option<OffsetDateTime>,
    },
    NotValidYet {
        #[serde(with = "time::serde::rfc3339::option")]
        not_before: Option<OffsetDateTime>,
        #[serde(with = "time::serde::rfc3339::option")]
        at: Option<OffsetDateTime>,
    },
    /// The name asked for is not among the certificate's SANs.
    NameMismatch {
        expected: Option<String>,
        presented: Vec<String>,
    },
    /// Its extended key usage does not allow what it is used for.
    WrongPurpose {
        required: Option<Purpose>,
        presented: Vec<Purpose>,
    },
    BadSignature,
    /// The peer's handshake signature does not verify with its certificate's key.
    SignatureInvalid,
    Revoked,
    /// The OCSP response the server stapled says its certificate is revoked (checked by
    /// certbench's client: signed with authority, current, for this certificate).
    RevokedByOcsp,
    /// The client requires a current OCSP response stapled to the server's certificate (as a
    /// must-staple certificate asks, RFC 7633) and got none it could use.
    StapleRequired,
    UnknownRevocationStatus,
    ExpiredCrl,
    BadEncoding,
    UnhandledCriticalExtension,
    UnsupportedSignatureAlgorithm,
    CaUsedAsEndEntity,
    EndEntityUsedAsCa,
    NameConstraintViolation,
    PathLenExceeded,
    UnsupportedCertVersion,
    PathTooDeep,
    MalformedName,
    TooManyCandidates,
    /// A certificate refusal without a more precise code; `name` is the library's.
    CertificateRefused {
        name: String,
    },

    // The handshake.
    /// The server requires a client certificate and the client sent none.
    NoClientCertificate,
    /// The peer sent this fatal alert.
    AlertReceived {
        alert: Alert,
    },
    NoCommonVersion {
        /// The versions the client offered (from its ClientHello), when it was seen.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        offered: Vec<u16>,
    },
    NoCommonSuite {
        /// The cipher suites the client offered (from its ClientHello), when it was seen.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        offered: Vec<u16>,
    },
    NoCommonGroup,
    NoCommonSignatureScheme,
    /// The peer lacks something else this side requires; `name` is rustls's.
    Incompatible {
        name: String,
    },
    /// The peer broke the protocol; `name` is rustls's.
    ProtocolViolation {
        name: String,
    },
    MalformedMessage,
    UnexpectedMessage,
    DecryptFailed,
    /// A certificate and the private key given with it do not belong together.
    KeyMismatch,
    /// A CRL given to the verifier is not usable.
    BadCrl,

    // The connection.
    /// The peer closed the connection without saying why (no alert).
    ConnectionClosed,
    /// An I/O error; `kind` is the operating system's kind of error, `detail` its own words.
    Io {
        kind: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        detail: String,
    },
    /// The server's name does not resolve to an address.
    HostNotFound {
        host: String,
    },
    /// Nothing listens at the address (the connection was refused).
    ConnectionRefused {
        target: String,
    },
    /// One side spoke plain HTTP (not TLS) to the other.
    PlainHttp {
        from: certbench_wire::Side,
    },
    /// One side sent bytes that are neither TLS nor HTTP (an SSH or mail server's greeting,
    /// noise); `began` is how they began: their first line when it is printable text, quoted,
    /// else their first bytes in hex.
    NotTls {
        from: certbench_wire::Side,
        began: String,
    },
    TimedOut {
        after_ms: u64,
    },
    Cancelled,
    /// Any other TLS error; `name` is rustls's.
    Tls {
        name: String,
    },
    /// After the handshake: what the client sent is not HTTP/1.1.
    HttpMalformed,
    /// After the handshake: the client began a request and did not finish its headers in the
    /// time they had (a stalled client, or a slowloris).
    RequestIncomplete {
        after_ms: u64,
    },
}

fn date(t: &UnixTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(i64::try_from(t.as_secs()).ok()?).ok()
}

/// The server name asked for, as people write it; `None` for a kind of name without one.
fn expected_name(expected: &ServerName<'_>) -> Option<String> {
    match expected {
        ServerName::DnsName(d) => Some(d.as_ref().to_string()),
        ServerName::IpAddress(ip) => Some(IpAddr::from(*ip).to_string()),
        _ => None,
    }
}

/// A name as webpki lists the names a certificate presents (`DnsName("localhost")`,
/// `IpAddress(0::1)`: the form webpki builds them in), as a person writes it (`localhost`, `::1`).
pub fn presented_name(s: &str) -> String {
    let Some((kind, rest)) = s.split_once('(') else {
        return s.to_string();
    };
    let Some(value) = rest.strip_suffix(')') else {
        return s.to_string();
    };
    let value = value.trim_matches('"');
    match kind {
        "IpAddress" => value
            .parse::<IpAddr>()
            .map_or_else(|_| value.to_string(), |ip| ip.to_string()),
        "UniformResourceIdentifier" | "UriName" => format!("URI:{value}"),
        _ => value.to_string(),
    }
}

impl Cause {
    /// The code, as the JSON `code` field spells it.
    pub fn code(&self) -> &'static str {
        match self {
            Cause::UnknownIssuer => "unknown_issuer",
            Cause::Expired { .. } => "expired",
            Cause::NotValidYet { .. } => "not_valid_yet",
            Cause::NameMismatch { .. } => "name_mismatch",
            Cause::WrongPurpose { .. } => "wrong_purpose",
            Cause::BadSignature => "bad_signature",
            Cause::SignatureInvalid => "signature_invalid",
            Cause::Revoked => "revoked",
            Cause::RevokedByOcsp => "revoked_by_ocsp",
            Cause::StapleRequired => "staple_required",
            Cause::UnknownRevocationStatus => "unknown_revocation_status",
            Cause::ExpiredCrl => "expired_crl",
            Cause::BadEncoding => "bad_encoding",
            Cause::UnhandledCriticalExtension => "unhandled_critical_extension",
            Cause::UnsupportedSignatureAlgorithm => "unsupported_signature_algorithm",
            Cause::CaUsedAsEndEntity => "ca_used_as_end_entity",
            Cause::EndEntityUsedAsCa => "end_entity_used_as_ca",
            Cause::NameConstraintViolation => "name_constraint_violation",
            Cause::PathLenExceeded => "path_len_exceeded",
            Cause::UnsupportedCertVersion => "unsupported_cert_version",
            Cause::PathTooDeep => "path_too_deep",
            Cause::MalformedName => "malformed_name",
            Cause::TooManyCandidates => "too_many_candidates",
            Cause::CertificateRefused { .. } => "certificate_refused",
            Cause::NoClientCertificate => "no_client_certificate",
            Cause::AlertReceived { .. } => "alert_received",
            Cause::NoCommonVersion { .. } => "no_common_version",
            Cause::NoCommonSuite { .. } => "no_common_suite",
            Cause::NoCommonGroup => "no_common_group",
            Cause::NoCommonSignatureScheme => "no_common_signature_scheme",
            Cause::Incompatible { .. } => "incompatible",
            Cause::ProtocolViolation { .. } => "protocol_violation",
            Cause::MalformedMessage => "malformed_message",
            Cause::UnexpectedMessage => "unexpected_message",
            Cause::DecryptFailed => "decrypt_failed",
            Cause::KeyMismatch => "key_mismatch",
            Cause::BadCrl => "bad_crl",
            Cause::ConnectionClosed => "connection_closed",
            Cause::Io { .. } => "io",
            Cause::HostNotFound { .. } => "host_not_found",
            Cause::ConnectionRefused { .. } => "connection_refused",
            Cause::PlainHttp { .. } => "plain_http",
            Cause::NotTls { .. } => "not_tls",
            Cause::TimedOut { .. } => "timed_out",
            Cause::Cancelled => "cancelled",
            Cause::Tls { .. } => "tls",
            Cause::HttpMalformed => "http_malformed",
            Cause::RequestIncomplete { .. } => "request_incomplete",
        }
    }

    /// What a peer's fatal alert says it found, when the peer is not certbench (RFC 8446 6.2):
    /// the alert is all there is to know of its reasons.
    pub fn from_peer_alert(alert: Alert) -> Cause {
        match alert.0 {
            116 => Cause::NoClientCertificate,
            48 => Cause::UnknownIssuer,
            45 => Cause::Expired {
                not_after: None,
                at: None,
            },
            44 => Cause::Revoked,
            42 | 43 | 46 | 49 => Cause::CertificateRefused {
                name: alert.name().to_string(),
            },
            70 => Cause::NoCommonVersion { offered: vec![] },
            _ => Cause::AlertReceived { alert },
        }
    }

    /// A rustls error, as data.
    pub fn from_rustls(e: &rustls::Error) -> Cause {
        use rustls::CertificateError as C;
        use rustls::Error as E;
        use rustls::PeerIncompatible as P;
        match e {
            E::InvalidCertificate(c) => match c {
                C::UnknownIssuer => Cause::UnknownIssuer,
                C::Expired => Cause::Expired {
                    not_after: None,
                    at: None,
                },
                C::ExpiredContext { time, not_after } => Cause::Expired {
                    not_after: date(not_after),
                    at: date(time),
                },
                C::NotValidYet => Cause::NotValidYet {
                    not_before: None,
                    at: None,
                },
                C::NotValidYetContext { time, not_before } => Cause::NotValidYet {
                    not_before: date(not_before),
                    at: date(time),
                },
                C::NotValidForName => Cause::NameMismatch {
                    expected: None,
                    presented: vec![],
                },
                C::NotValidForNameContext {
                    expected,
                    presented,
                } => Cause::NameMismatch {
                    expected: expected_name(expected),
                    presented: presented.iter().map(|p| presented_name(p)).collect(),
                },
                C::InvalidPurpose => Cause::WrongPurpose {
                    required: None,
                    presented: vec![],
                },
                C::InvalidPurposeContext {
                    required,
                    presented,
                } => Cause::WrongPurpose {
                    required: Some(Purpose::from_rustls(required)),
                    presented: presented.iter().map(Purpose::from_rustls).collect(),
                },
                C::BadSignature => Cause::BadSignature,
                C::Revoked => Cause::Revoked,
                C::InvalidOcspResponse => Cause::StapleRequired,
                C::UnknownRevocationStatus => Cause::UnknownRevocationStatus,
                C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => {
                    Cause::ExpiredCrl
                }
                C::BadEncoding => Cause::BadEncoding,
                C::UnhandledCriticalExtension => Cause::UnhandledCriticalExtension,
                C::UnsupportedSignatureAlgorithmContext { .. }
                | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                    Cause::UnsupportedSignatureAlgorithm
                }
                C::Other(o) => match o.0.downcast_ref::<webpki::Error>() {
                    Some(w) => Cause::from_webpki(w),
                    None => Cause::CertificateRefused {
                        name: error_name(c),
                    },
                },
                other => Cause::CertificateRefused {
                    name: error_name(other),
                },
            },
            E::NoCertificatesPresented => Cause::NoClientCertificate,
            E::AlertReceived(a) => Cause::AlertReceived {
                alert: Alert::from(*a),
            },
            E::PeerIncompatible(p) => match p {
                P::NoCipherSuitesInCommon => Cause::NoCommonSuite { offered: vec![] },
                P::NoKxGroupsInCommon => Cause::NoCommonGroup,
                P::NoSignatureSchemesInCommon | P::NoCertificateRequestSignatureSchemesInCommon => {
                    Cause::NoCommonSignatureScheme
                }
                P::ServerDoesNotSupportTls12Or13
                | P::ServerTlsVersionIsDisabledByOurConfig
                | P::SupportedVersionsExtensionRequired
                | P::Tls12NotOffered
                | P::Tls12NotOfferedOrEnabled => Cause::NoCommonVersion { offered: vec![] },
                other => Cause::Incompatible {
                    name: error_name(other),
                },
            },
            E::PeerMisbehaved(m) => Cause::ProtocolViolation {
                name: error_name(m),
            },
            E::InvalidMessage(_) => Cause::MalformedMessage,
            E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
                Cause::UnexpectedMessage
            }
            E::DecryptError => Cause::DecryptFailed,
            E::InconsistentKeys(_) => Cause::KeyMismatch,
            E::InvalidCertRevocationList(_) => Cause::BadCrl,
            other => Cause::Tls {
                name: error_name(other),
            },
        }
    }

    /// A webpki verdict, as data.
    pub fn from_webpki(e: &webpki::Error) -> Cause {
        use webpki::Error as E;
        match e {
            E::UnknownIssuer => Cause::UnknownIssuer,
            E::CertExpired { time, not_after } => Cause::Expired {
                not_after: date(not_after),
                at: date(time),
            },
            E::InvalidCertValidity => Cause::Expired {
                not_after: None,
                at: None,
            },
            E::CertNotValidYet { time, not_before } => Cause::NotValidYet {
                not_before: date(not_before),
                at: date(time),
            },
            E::CertNotValidForName(ctx) => Cause::NameMismatch {
                expected: expected_name(&ctx.expected),
                presented: ctx.presented.iter().map(|p| presented_name(p)).collect(),
            },
            E::RequiredEkuNotFoundContext(ctx) => Cause::WrongPurpose {
                required: Some(Purpose::from_arcs(
                    &ctx.required.oid_values().collect::<Vec<_>>(),
                )),
                presented: ctx.present.iter().map(|a| Purpose::from_arcs(a)).collect(),
            },
            E::InvalidSignatureForPublicKey => Cause::BadSignature,
            E::CertRevoked => Cause::Revoked,
            E::UnknownRevocationStatus => Cause::UnknownRevocationStatus,
            E::CrlExpired { .. } => Cause::ExpiredCrl,
            E::BadDer | E::BadDerTime | E::TrailingData(_) => Cause::BadEncoding,
            E::UnsupportedCriticalExtension => Cause::UnhandledCriticalExtension,
            E::UnsupportedSignatureAlgorithmContext(_)
            | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
                Cause::UnsupportedSignatureAlgorithm
            }
            E::CaUsedAsEndEntity => Cause::CaUsedAsEndEntity,
            E::EndEntityUsedAsCa => Cause::EndEntityUsedAsCa,
            E::NameConstraintViolation => Cause::NameConstraintViolation,
            E::PathLenConstraintViolated => Cause::PathLenExceeded,
            E::UnsupportedCertVersion => Cause::UnsupportedCertVersion,
            E::MaximumPathDepthExceeded => Cause::PathTooDeep,
            E::MalformedDnsIdentifier => Cause::MalformedName,
            E::MaximumSignatureChecksExceeded | E::MaximumPathBuildCallsExceeded => {
                Cause::TooManyCandidates
            }
            other => Cause::CertificateRefused {
                name: error_name(other),
            },
        }
    }

    /// An I/O error from tokio-rustls: the rustls error inside it, or what the system said.
    pub fn from_io(e: &std::io::Error) -> Cause {
        if let Some(r) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            return Cause::from_rustls(r);
        }
        match e.kind() {
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe => Cause::ConnectionClosed,
            kind => Cause::Io {
                kind: error_name(&kind),
                detail: certbench_base::text::display_safe(&e.to_string(), 200),
            },
        }
    }
}

/// A library value's name as its source spells it (`CaUsedAsEndEntity`), without the data some
/// variants carry: an identifier for scripts and for the rare error certbench has no code of its
/// own for. Only ever shown, never matched.
pub fn error_name(e: &impl std::fmt::Debug) -> String {
    certbench_base::text::error_names(&format!("{e:?}"))
}

/// The name of the rustls error as its source spells it, with the variants inside it:
/// `InvalidCertificate › UnknownIssuer`, `NoCertificatesPresented`, and for a webpki error rustls
/// passes on, `InvalidCertificate › Other › webpki::CaUsedAsEndEntity`.
pub fn rustls_error_name(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o)) => {
            match o.0.downcast_ref::<webpki::Error>() {
                Some(w) => format!("InvalidCertificate › Other › webpki::{}", error_name(w)),
                None => error_name(e),
            }
        }
        _ => error_name(e),
    }
}

/// The words of assets/causes.toml: for each code, what it means and how to fix it.
#[derive(Debug, Clone, Deserialize, Default)]
struct Words {
    text: String,
    #[serde(default)]
    fix: String,
    /// The fix in the TUI's terms, when `fix` names the CLI's flags (its keys as `{key_...}`).
    #[serde(default)]
    fix_tui: Option<String>,
}

const CAUSES: &str = include_str!("../../../assets/causes.toml");

fn words(code: &str) -> Option<&'static Words> {
    static TABLE: OnceLock<std::collections::HashMap<String, Words>> = OnceLock::new();
    certbench_base::assets::table(&TABLE, CAUSES).get(code)
}

/// The values a cause's words may name, as `{name}` placeholders.
fn values(c: &Cause) -> Vec<(&'static str, String)> {
    let time = |t: &Option<OffsetDateTime>| t.map(certbench_base::text::rfc3339);
    let mut v = Vec::new();
    match c {
        Cause::NoCommonVersion { offered } if !offered.is_empty() => v.push((
            "offered",
            offered
                .iter()
                .map(|x| certbench_wire::names::version(*x))
                .collect::<Vec<_>>()
                .join(", "),
        )),
        Cause::NoCommonSuite { offered } if !offered.is_empty() => {
            v.push((
                "offered",
                offered
                    .iter()
                    .map(|x| certbench_wire::names::cipher_suite(*x))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
            // TLS 1.3's suites are 0x13xx and name no key; a TLS 1.2 suite names the key, and
            // rustls speaks only a few of them.
            if offered.iter().all(|s| s >> 8 != 0x13) {
                use certbench_wire::names::RUSTLS_TLS12_SUITES;
                let note = match offered.iter().any(|s| RUSTLS_TLS12_SUITES.contains(s)) {
                    true => "no_common_suite_tls12",
                    false => "no_common_suite_tls12_unspoken",
                };
                v.extend(words(note).map(|w| ("tls12_note", w.text.clone())));
            }
        }
        Cause::Expired { not_after, at } => {
            v.extend(time(not_after).map(|t| ("not_after", t)));
            v.extend(time(at).map(|t| ("at", t)));
        }
        Cause::NotValidYet { not_before, at } => {
            v.extend(time(not_before).map(|t| ("not_before", t)));
            v.extend(time(at).map(|t| ("at", t)));
        }
        Cause::NameMismatch {
            expected,
            presented,
        } => {
            v.extend(expected.clone().map(|e| ("expected", e)));
            v.push((
                "presented",
                if presented.is_empty() {
                    "no DNS name or IP address".into()
                } else {
                    presented.join(", ")
                },
            ));
        }
        Cause::WrongPurpose {
            required,
            presented,
        } => {
            v.extend(required.as_ref().map(|r| ("required", r.label())));
            v.push((
                "presented",
                if presented.is_empty() {
                    "no extended key usage that fits".into()
                } else {
                    presented
                        .iter()
                        .map(Purpose::label)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ));
        }
        Cause::AlertReceived { alert } => v.push(("alert", alert.name().into())),
        Cause::CertificateRefused { name }
        | Cause::Incompatible { name }
        | Cause::ProtocolViolation { name }
        | Cause::Tls { name } => v.push(("name", name.clone())),
        Cause::Io { kind, detail } => {
            v.push(("kind", kind.clone()));
            if !detail.is_empty() {
                v.push(("detail", detail.clone()));
            }
        }
        Cause::HostNotFound { host } => v.push(("host", host.clone())),
        Cause::ConnectionRefused { target } => v.push(("target", target.clone())),
        Cause::PlainHttp { from } => {
            v.push(("from", from.name().into()));
            v.push(("to", from.other().name().into()));
        }
        Cause::NotTls { from, began } => {
            v.push(("from", from.name().into()));
            v.push(("to", from.other().name().into()));
            v.push(("began", began.clone()));
        }
        Cause::TimedOut { after_ms } | Cause::RequestIncomplete { after_ms } => {
            v.push(("after", format!("{}", *after_ms as f64 / 1000.0)));
        }
        _ => {}
    }
    v
}

/// The most of a peer's first bytes [`began`] reads.
pub const BEGAN_MAX: usize = 64;

/// How bytes that are not TLS began, to say what sent them: their first line, quoted, when it
/// is printable ASCII text (`"SSH-2.0-OpenSSH_9.2"`, `"220 mail.example ESMTP"`), else their
/// first bytes in hex (`00 ff 13 37`). Nothing of it can act on a terminal.
pub fn began(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(BEGAN_MAX)];
    let line = bytes
        .split(|b| *b == b'\r' || *b == b'\n')
        .next()
        .unwrap_or_default();
    let printable = |b: &u8| (0x20..0x7f).contains(b);
    if line.len() >= 4 && line.iter().all(printable) {
        format!("\"{}\"", String::from_utf8_lossy(line))
    } else {
        bytes
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The cause in plain words, for people.
pub fn describe(c: &Cause) -> String {
    match words(c.code()) {
        Some(w) => certbench_base::assets::fill(&w.text, &values(c)),
        None => c.code().replace('_', " "),
    }
}

/// How to fix it, naming what the cause does not know itself (the certificate at fault).
pub fn fix(c: &Cause, extra: &[(&'static str, String)]) -> String {
    let mut v = values(c);
    v.extend(extra.iter().cloned());
    words(c.code())
        .map(|w| certbench_base::assets::fill(&w.fix, &v))
        .unwrap_or_default()
}

/// How to fix it in the TUI's terms: its own words where the CLI's fix names flags, else the
/// same as [`fix`]. `extra` also holds the TUI's key placeholders to keep.
pub fn fix_tui(c: &Cause, extra: &[(&'static str, String)]) -> String {
    let mut v = values(c);
    v.extend(extra.iter().cloned());
    words(c.code())
        .map(|w| certbench_base::assets::fill(w.fix_tui.as_deref().unwrap_or(&w.fix), &v))
        .unwrap_or_default()
}

/// Every cause's fix for the TUI, before it is filled: `(where, words)`.
pub fn tui_fix_templates() -> Vec<(String, String)> {
    static TABLE: OnceLock<std::collections::HashMap<String, Words>> = OnceLock::new();
    let mut out: Vec<(String, String)> = certbench_base::assets::table(&TABLE, CAUSES)
        .iter()
        .map(|(code, w)| {
            (
                format!("causes.toml {code}"),
                w.fix_tui.clone().unwrap_or_else(|| w.fix.clone()),
            )
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code has words, and every placeholder a text uses is one its cause can fill.
    #[test]
    fn every_cause_has_words_and_fills_its_placeholders() {
        let table: std::collections::HashMap<String, Words> = toml::from_str(CAUSES).unwrap();
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let all = [
            Cause::UnknownIssuer,
            Cause::Expired {
                not_after: Some(t),
                at: Some(t),
            },
            Cause::NotValidYet {
                not_before: Some(t),
                at: Some(t),
            },
            Cause::NameMismatch {
                expected: Some("a".into()),
                presented: vec!["b".into()],
            },
            Cause::WrongPurpose {
                required: Some(Purpose::ServerAuth),
                presented: vec![Purpose::ClientAuth],
            },
            Cause::BadSignature,
            Cause::SignatureInvalid,
            Cause::Revoked,
            Cause::RevokedByOcsp,
            Cause::StapleRequired,
            Cause::UnknownRevocationStatus,
            Cause::ExpiredCrl,
            Cause::BadEncoding,
            Cause::UnhandledCriticalExtension,
            Cause::UnsupportedSignatureAlgorithm,
            Cause::CaUsedAsEndEntity,
            Cause::EndEntityUsedAsCa,
            Cause::NameConstraintViolation,
            Cause::PathLenExceeded,
            Cause::UnsupportedCertVersion,
            Cause::PathTooDeep,
            Cause::MalformedName,
            Cause::TooManyCandidates,
            Cause::CertificateRefused { name: "X".into() },
            Cause::NoClientCertificate,
            Cause::AlertReceived { alert: Alert(116) },
            Cause::NoCommonVersion {
                offered: vec![0x0304],
            },
            Cause::NoCommonSuite {
                offered: vec![0xc02b],
            },
            Cause::NoCommonGroup,
            Cause::NoCommonSignatureScheme,
            Cause::Incompatible { name: "X".into() },
            Cause::ProtocolViolation { name: "X".into() },
            Cause::MalformedMessage,
            Cause::UnexpectedMessage,
            Cause::DecryptFailed,
            Cause::KeyMismatch,
            Cause::BadCrl,
            Cause::ConnectionClosed,
            Cause::Io {
                kind: "PermissionDenied".into(),
                detail: "Permission denied (os error 13)".into(),
            },
            Cause::HostNotFound { host: "x".into() },
            Cause::ConnectionRefused {
                target: "x:1".into(),
            },
            Cause::PlainHttp {
                from: certbench_wire::Side::Client,
            },
            Cause::NotTls {
                from: certbench_wire::Side::Server,
                began: "\"SSH-2.0-OpenSSH_9.2\"".into(),
            },
            Cause::TimedOut { after_ms: 300 },
            Cause::Cancelled,
            Cause::Tls { name: "X".into() },
            Cause::HttpMalformed,
            Cause::RequestIncomplete { after_ms: 6000 },
        ];
        // Besides the causes: the notes a TLS 1.2-only suite offer adds.
        assert_eq!(
            table.len(),
            all.len() + 2,
            "a code in causes.toml has no Cause"
        );
        assert!(
            describe(&Cause::NoCommonSuite {
                offered: vec![0xc02b]
            })
            .contains("ECDHE_ECDSA")
        );
        assert!(
            !describe(&Cause::NoCommonSuite {
                offered: vec![0x1301]
            })
            .contains("ECDHE_ECDSA")
        );
        for c in &all {
            assert!(table.contains_key(c.code()), "no words for {}", c.code());
            let text = describe(c);
            assert!(
                !text.contains('{') && !text.is_empty(),
                "{}: {text}",
                c.code()
            );
            assert!(!fix(c, &[]).contains('{'), "{}", c.code());
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(json["code"], c.code());
        }
    }

    /// A value is inserted as it is (escaped), never read as a template.
    #[test]
    fn values_are_not_templates() {
        let text = certbench_base::assets::fill(
            "[{a}, ]then {b}",
            &[("a", "{b}[x]".into()), ("b", "\u{1b}[31m".into())],
        );
        assert_eq!(text, "{b}[x], then \\u{1b}[31m");
    }

    #[test]
    fn an_optional_part_is_left_out_when_its_value_is_unknown() {
        let bare = describe(&Cause::Expired {
            not_after: None,
            at: None,
        });
        assert!(!bare.contains('[') && !bare.contains('{'), "{bare}");
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let full = describe(&Cause::Expired {
            not_after: Some(t),
            at: None,
        });
        assert!(full.contains("2023-11-14"), "{full}");
    }

    /// The alert a side sends for a certificate error is rustls's own mapping.
    #[test]
    fn names_as_people_write_them() {
        assert_eq!(presented_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(presented_name("IpAddress(0::1)"), "::1");
        assert_eq!(Alert(116).name(), "certificate_required");
    }
}
