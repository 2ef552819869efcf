//! The rustls configs of a run: a pure function of the material and the user's choices (versions,
//! groups and suites for each side, whether the server asks for a client certificate, the name the
//! client asks for). The run, the lab, the tests and the benches all build them here. With a
//! [`Reporter`], each side's verifier reports its verdicts and its key log its secrets.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use crate::event::{Rejection, Signed, Verdict};
use crate::material::{Anchor, Identity, Material};
use certbench_wire::Side;
use certbench_wire::names;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TlsVersion {
    #[serde(rename = "1.2")]
    Tls12,
    #[serde(rename = "1.3")]
    Tls13,
}

impl TlsVersion {
    pub fn label(self) -> &'static str {
        match self {
            TlsVersion::Tls13 => "TLS 1.3",
            TlsVersion::Tls12 => "TLS 1.2",
        }
    }

    pub fn other(self) -> TlsVersion {
        match self {
            TlsVersion::Tls13 => TlsVersion::Tls12,
            TlsVersion::Tls12 => TlsVersion::Tls13,
        }
    }

    fn protocol(self) -> rustls::ProtocolVersion {
        match self {
            TlsVersion::Tls13 => rustls::ProtocolVersion::TLSv1_3,
            TlsVersion::Tls12 => rustls::ProtocolVersion::TLSv1_2,
        }
    }

    fn supported(self) -> &'static rustls::SupportedProtocolVersion {
        match self {
            TlsVersion::Tls13 => &rustls::version::TLS13,
            TlsVersion::Tls12 => &rustls::version::TLS12,
        }
    }
}

/// Whether the server asks for a client certificate, and what it does without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// It asks, and refuses a client without a certificate (mutual TLS).
    #[default]
    Required,
    /// It asks, and lets a client without a certificate in unauthenticated.
    Optional,
    /// It never asks (plain server authentication).
    None,
}

/// What one side offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// In order of preference; at least one.
    pub versions: Vec<TlsVersion>,
    /// Key exchange groups by name, in order (the client sends a key share for the first);
    /// empty for rustls's defaults.
    pub groups: Vec<String>,
    /// Cipher suites by RFC name; empty for rustls's defaults.
    pub suites: Vec<String>,
}

/// The user's choices for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    pub client: Offer,
    pub server: Offer,
    pub client_auth: ClientAuth,
    /// The name the client asks for (SNI) and checks the server's certificate against.
    pub server_name: String,
    /// The client refuses a server that staples no current, authoritative OCSP response for its
    /// certificate (hard fail, as for a must-staple certificate); otherwise it goes on (soft
    /// fail) and says what it got. Staples are checked by the reporting verifier: a client
    /// built without a reporter (the benches') checks none.
    pub require_staple: bool,
    /// The time both sides' verifiers judge certificates (and staples) at, instead of the
    /// clock's: the run as it would go that day (`handshake --at`). Used by the reporting
    /// verifiers, as webpki takes the time on every call.
    pub at: Option<time::OffsetDateTime>,
}

impl Choices {
    /// Both sides offer `version` and the same group and suite (`None`: rustls's choice).
    pub fn same(
        version: TlsVersion,
        group: Option<String>,
        suite: Option<String>,
        server_name: &str,
    ) -> Choices {
        let offer = Offer {
            versions: vec![version],
            groups: group.into_iter().collect(),
            suites: suite.into_iter().collect(),
        };
        Choices {
            client: offer.clone(),
            server: offer,
            client_auth: ClientAuth::Required,
            server_name: server_name.into(),
            require_staple: false,
            at: None,
        }
    }
}

/// Why a choice cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChoiceError {
    #[error("{name} is a {} cipher suite and this run is {}; for {} use {}", .version.other().label(), .version.label(), .version.label(), .usable.join(", "))]
    SuiteOfOtherVersion {
        name: String,
        version: TlsVersion,
        usable: Vec<String>,
    },
    #[error("\"{}\" is not a cipher suite certbench offers; for {} use {} (OpenSSL names such as ECDHE-ECDSA-AES128-GCM-SHA256 work too)", certbench_base::text::display_safe(.name, 60), .version.label(), .usable.join(", "))]
    UnknownSuite {
        name: String,
        version: TlsVersion,
        usable: Vec<String>,
    },
    #[error("{name} is a {} key exchange only; for {} use {}", .version.other().label(), .version.label(), .usable.join(", "))]
    GroupOfOtherVersion {
        name: String,
        version: TlsVersion,
        usable: Vec<String>,
    },
    #[error("\"{}\" is not a key exchange group certbench offers; for {} use {}", certbench_base::text::display_safe(.name, 60), .version.label(), .usable.join(", "))]
    UnknownGroup {
        name: String,
        version: TlsVersion,
        usable: Vec<String>,
    },
    #[error("\"{}\" is not a server name", certbench_base::text::display_safe(.0, 200))]
    ServerName(String),
    #[error("the {} offers no TLS version", .0.name())]
    NoVersion(Side),
}

/// Why the configs could not be built from the material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error(transparent)]
    Choice(#[from] ChoiceError),
    #[error("{name} is not a usable trust anchor: {source}")]
    Anchor {
        name: String,
        #[source]
        source: rustls::Error,
    },
    #[error("the {} trusts no CA", .0.name())]
    NoAnchors(Side),
    #[error("the {} certificate \"{name}\" cannot be used: {}", .side.name(), certbench_cause::describe(&certbench_cause::Cause::from_rustls(.source)))]
    Identity {
        side: Side,
        name: String,
        #[source]
        source: rustls::Error,
    },
    #[error("the {} has no certificate to present", .0.name())]
    NoIdentity(Side),
    #[error("rustls refused the configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("{0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
}

/// The cipher suites certbench can offer for a TLS version, by their RFC names.
pub fn suite_names(version: TlsVersion) -> Vec<String> {
    rustls::crypto::aws_lc_rs::default_provider()
        .cipher_suites
        .iter()
        .filter(|s| s.version().version == version.protocol())
        .map(|s| names::cipher_suite(u16::from(s.suite())))
        .collect()
}

/// The OpenSSL names of the TLS 1.2 suites rustls offers (`openssl ciphers -stdname` lists both;
/// TLS 1.3 suites have one name).
const OPENSSL_SUITE_NAMES: [(&str, &str); 6] = [
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
];

/// A cipher suite for `version`, named by its RFC name or its OpenSSL name (any case): its RFC
/// name, or why it cannot be used, with the names that can.
pub fn resolve_suite(name: &str, version: TlsVersion) -> Result<String, ChoiceError> {
    let wanted = name.trim();
    let rfc = OPENSSL_SUITE_NAMES
        .iter()
        .find(|(openssl, _)| openssl.eq_ignore_ascii_case(wanted))
        .map_or(wanted, |(_, rfc)| rfc);
    resolve(rfc, version, suite_names).map_err(|(other, usable)| match other {
        Some(name) => ChoiceError::SuiteOfOtherVersion {
            name,
            version,
            usable,
        },
        None => ChoiceError::UnknownSuite {
            name: wanted.into(),
            version,
            usable,
        },
    })
}

/// `wanted` among `names(version)` (any case): its name there; else the name it has in the other
/// version, if any, and the names that can be used.
fn resolve(
    wanted: &str,
    version: TlsVersion,
    names: fn(TlsVersion) -> Vec<String>,
) -> Result<String, (Option<String>, Vec<String>)> {
    let usable = names(version);
    if let Some(found) = usable.iter().find(|n| n.eq_ignore_ascii_case(wanted)) {
        return Ok(found.clone());
    }
    let other = names(version.other())
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(wanted));
    Err((other, usable))
}

/// The key exchange groups certbench can offer for a TLS version.
pub fn group_names(version: TlsVersion) -> Vec<String> {
    rustls::crypto::aws_lc_rs::default_provider()
        .kx_groups
        .iter()
        .filter(|k| k.usable_for_version(version.protocol()))
        .map(|k| names::named_group(u16::from(k.name())))
        .collect()
}

/// A key exchange group for `version` (any case): its name, or why it cannot be used, with the
/// names that can.
pub fn resolve_group(name: &str, version: TlsVersion) -> Result<String, ChoiceError> {
    let wanted = name.trim();
    resolve(wanted, version, group_names).map_err(|(other, usable)| match other {
        Some(name) => ChoiceError::GroupOfOtherVersion {
            name,
            version,
            usable,
        },
        None => ChoiceError::UnknownGroup {
            name: wanted.into(),
            version,
            usable,
        },
    })
}

/// The crypto provider for one side's offer: rustls's defaults, narrowed to the chosen suites and
/// groups, the groups in the chosen order.
fn provider(offer: &Offer, side: Side) -> Result<rustls::crypto::CryptoProvider, ChoiceError> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    // A name is checked against the first version that knows it.
    let check = |name: &str, f: fn(&str, TlsVersion) -> Result<String, ChoiceError>| {
        let mut first = None;
        for v in &offer.versions {
            match f(name, *v) {
                Ok(n) => return Ok(n),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        Err(first.unwrap_or(ChoiceError::NoVersion(side)))
    };
    if !offer.suites.is_empty() {
        let wanted: Vec<String> = offer
            .suites
            .iter()
            .map(|s| check(s, resolve_suite))
            .collect::<Result<_, _>>()?;
        p.cipher_suites
            .retain(|s| wanted.contains(&names::cipher_suite(u16::from(s.suite()))));
    }
    if !offer.groups.is_empty() {
        let wanted: Vec<String> = offer
            .groups
            .iter()
            .map(|g| check(g, resolve_group))
            .collect::<Result<_, _>>()?;
        let all = std::mem::take(&mut p.kx_groups);
        for w in &wanted {
            p.kx_groups.extend(
                all.iter()
                    .filter(|k| &names::named_group(u16::from(k.name())) == w)
                    .copied(),
            );
        }
    }
    Ok(p)
}

fn versions(
    offer: &Offer,
    side: Side,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, ChoiceError> {
    if offer.versions.is_empty() {
        return Err(ChoiceError::NoVersion(side));
    }
    Ok(offer.versions.iter().map(|v| v.supported()).collect())
}

fn roots(anchors: &[Anchor], side: Side) -> Result<Arc<rustls::RootCertStore>, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    for a in anchors {
        roots
            .add(a.der.clone())
            .map_err(|source| ConfigError::Anchor {
                name: a.name.clone(),
                source,
            })?;
    }
    if roots.is_empty() {
        return Err(ConfigError::NoAnchors(side));
    }
    Ok(Arc::new(roots))
}

fn certified_key(
    identity: &Identity,
    side: Side,
    provider: &rustls::crypto::CryptoProvider,
) -> Result<Arc<CertifiedKey>, ConfigError> {
    let error = |source| ConfigError::Identity {
        side,
        name: identity.name.clone(),
        source,
    };
    let key = if identity.check_key {
        CertifiedKey::from_der(identity.chain.clone(), identity.key.clone_key(), provider)
            .map_err(error)?
    } else {
        let signer = provider
            .key_provider
            .load_private_key(identity.key.clone_key())
            .map_err(error)?;
        CertifiedKey::new(identity.chain.clone(), signer)
    };
    Ok(Arc::new(key))
}

/// Where verdicts and secrets go while a run is watched.
pub trait Reporter: Send + Sync + std::fmt::Debug {
    /// A side derived a secret (for the key log and the decryption of the timeline).
    fn secret(&self, side: Side, label: &str, client_random: &[u8], secret: &[u8]);
    /// A side's verifier decided.
    fn verdict(&self, side: Side, verdict: Verdict);
}

/// The server's and the client's configs for `material` and `choices`; with a reporter, each
/// side's verifier reports its verdicts and its key log its secrets.
pub fn build(
    material: &Material,
    choices: &Choices,
    reporter: Option<Arc<dyn Reporter>>,
) -> Result<(rustls::ServerConfig, rustls::ClientConfig), ConfigError> {
    Ok((
        server_config(material, choices, reporter.clone())?,
        client_config(material, choices, reporter)?,
    ))
}

pub fn server_config(
    material: &Material,
    choices: &Choices,
    reporter: Option<Arc<dyn Reporter>>,
) -> Result<rustls::ServerConfig, ConfigError> {
    let provider = Arc::new(provider(&choices.server, Side::Server)?);
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(&choices.server, Side::Server)?)?;
    let verifier: Arc<dyn ClientCertVerifier> = match choices.client_auth {
        ClientAuth::None => rustls::server::WebPkiClientVerifier::no_client_auth(),
        auth => {
            let mut b = rustls::server::WebPkiClientVerifier::builder_with_provider(
                roots(&material.server_trusts, Side::Server)?,
                provider.clone(),
            )
            .with_crls(material.crls.iter().cloned())
            .allow_unknown_revocation_status();
            if auth == ClientAuth::Optional {
                b = b.allow_unauthenticated();
            }
            b.build()?
        }
    };
    let verifier: Arc<dyn ClientCertVerifier> = match &reporter {
        Some(r) => Arc::new(ReportingClientVerifier {
            inner: verifier,
            reporter: r.clone(),
            at: choices.at.map(unix_time),
        }),
        None => verifier,
    };
    let identity = material
        .server
        .as_ref()
        .ok_or(ConfigError::NoIdentity(Side::Server))?;
    let key = certified_key(identity, Side::Server, &provider)?;
    let resolver: Arc<dyn rustls::server::ResolvesServerCert> = match &identity.staple {
        Some(staple) => Arc::new(crate::staple::StapledResolver::new(key, staple.clone())),
        None => Arc::new(rustls::sign::SingleCertAndKey::from(key)),
    };
    let mut config = builder
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(resolver);
    if let Some(r) = reporter {
        config.key_log = Arc::new(ReportingKeyLog {
            side: Side::Server,
            reporter: r,
        });
    }
    Ok(config)
}

pub fn client_config(
    material: &Material,
    choices: &Choices,
    reporter: Option<Arc<dyn Reporter>>,
) -> Result<rustls::ClientConfig, ConfigError> {
    let provider = Arc::new(provider(&choices.client, Side::Client)?);
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        roots(&material.client_trusts, Side::Client)?,
        provider.clone(),
    )
    .with_crls(material.crls.iter().cloned())
    .allow_unknown_revocation_status()
    .build()?;
    let verifier: Arc<dyn ServerCertVerifier> = match &reporter {
        Some(r) => Arc::new(ReportingServerVerifier {
            inner: verifier,
            reporter: r.clone(),
            anchors: Arc::new(
                material
                    .client_trusts
                    .iter()
                    .map(|a| a.der.to_vec())
                    .collect(),
            ),
            require_staple: choices.require_staple,
            at: choices.at.map(unix_time),
        }),
        None => verifier,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(&choices.client, Side::Client)?)?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match &material.client {
        Some(identity) => {
            let key = certified_key(identity, Side::Client, &provider)?;
            builder.with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(key)))
        }
        None => builder.with_no_client_auth(),
    };
    // A resumed handshake sends no Certificate: every run is a full one.
    config.resumption = rustls::client::Resumption::disabled();
    if let Some(r) = reporter {
        config.key_log = Arc::new(ReportingKeyLog {
            side: Side::Client,
            reporter: r,
        });
    }
    Ok(config)
}

/// The name the client asks for, as rustls takes it.
pub fn server_name(choices: &Choices) -> Result<ServerName<'static>, ChoiceError> {
    ServerName::try_from(choices.server_name.clone())
        .map_err(|_| ChoiceError::ServerName(choices.server_name.clone()))
}

#[derive(Debug)]
struct ReportingKeyLog {
    side: Side,
    reporter: Arc<dyn Reporter>,
}

impl rustls::KeyLog for ReportingKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.reporter
            .secret(self.side, label, client_random, secret);
    }
}

/// The webpki server verifier, reporting what it decides.
#[derive(Debug)]
struct ReportingServerVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    reporter: Arc<dyn Reporter>,
    /// The trust anchors (DER): a staple for a certificate the root issued is checked with it.
    anchors: Arc<Vec<Vec<u8>>>,
    require_staple: bool,
    /// Judge at this time instead of rustls's clock (`Choices::at`).
    at: Option<UnixTime>,
}

/// A time as webpki takes it (before 1970: the epoch).
fn unix_time(t: time::OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap_or(0),
    ))
}

/// The client's check of a stapled OCSP response (`ocsp`, DER; empty: none) for
/// `end_entity`: the verdict, and the error the client refuses the server with, if it does (a
/// response that says, with authority and now, revoked; with `required`, anything but a current
/// authoritative good).
fn staple_verdict(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[Vec<u8>],
    ocsp: &[u8],
    required: bool,
    now: UnixTime,
) -> (Verdict, Option<rustls::Error>) {
    use certbench_x509::ocsp::{CertStatus, OcspError, Verdict as V, check, read_response};
    use x509_parser::prelude::{FromDer, X509Certificate};
    let now = time::OffsetDateTime::from_unix_timestamp(now.as_secs() as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    // Its issuer: the intermediate or anchor whose key signed it (a name alone can be copied:
    // a certificate made with the issuer's name and another key must not speak for it).
    let issuer = X509Certificate::from_der(end_entity)
        .ok()
        .and_then(|(_, leaf)| {
            intermediates
                .iter()
                .map(|c| c.as_ref())
                .chain(anchors.iter().map(Vec::as_slice))
                .find(|d| {
                    X509Certificate::from_der(d).is_ok_and(|(_, c)| {
                        c.subject().as_raw() == leaf.issuer().as_raw()
                            && certbench_x509::report::signed_by(end_entity, &leaf, c.public_key())
                    })
                })
        })
        .unwrap_or_default();
    let checked = if ocsp.is_empty() {
        Err(OcspError::Absent)
    } else {
        read_response(ocsp).map(|r| Arc::new(check(&r, end_entity, issuer, now)))
    };
    let good = checked.as_ref().is_ok_and(|c| {
        matches!(
            c.verdict,
            V::Answered {
                status: CertStatus::Good
            }
        )
    });
    let refusal = if checked.as_ref().is_ok_and(|c| c.verdict.is_revoked()) {
        Some((certbench_cause::Cause::RevokedByOcsp, revoked_error()))
    } else if required && !good {
        Some((
            certbench_cause::Cause::StapleRequired,
            rustls::Error::InvalidCertificate(rustls::CertificateError::InvalidOcspResponse),
        ))
    } else {
        None
    };
    let result = match &refusal {
        Some((cause, e)) => Err(Box::new(Rejection {
            cause: cause.clone(),
            error: certbench_cause::rustls_error_name(e),
            alert: crate::event::alert_for(e),
        })),
        None => Ok(()),
    };
    let verdict = Verdict::Staple {
        peer: Side::Server,
        certificate: Arc::new(end_entity.to_vec()),
        intermediates: Arc::new(intermediates.iter().map(|c| c.to_vec()).collect()),
        response: Arc::new(ocsp.to_vec()),
        checked,
        result,
    };
    (verdict, refusal.map(|(_, e)| e))
}

/// What certbench's client refuses a server with whose staple says revoked: the error rustls
/// itself gives a certificate a CRL lists (so the alert is certificate_revoked).
fn revoked_error() -> rustls::Error {
    rustls::Error::InvalidCertificate(rustls::CertificateError::Revoked)
}

fn chain_verdict<T>(
    peer: Side,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: Option<String>,
    r: &Result<T, rustls::Error>,
) -> Verdict {
    Verdict::Chain {
        peer,
        certificate: Arc::new(end_entity.to_vec()),
        intermediates: Arc::new(intermediates.iter().map(|c| c.to_vec()).collect()),
        server_name,
        result: r
            .as_ref()
            .map(|_| ())
            .map_err(|e| Box::new(Rejection::of(e))),
    }
}

/// Report a side's verdict on its peer's handshake signature, and pass it on.
fn report_signature(
    reporter: &dyn Reporter,
    judge: Side,
    signed: Signed,
    dss: &DigitallySignedStruct,
    r: Result<HandshakeSignatureValid, rustls::Error>,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let verdict = Verdict::Signature {
        peer: judge.other(),
        signed,
        scheme: u16::from(dss.scheme),
        result: r.as_ref().map(|_| ()).map_err(|e| {
            // rustls calls a handshake signature that does not verify BadSignature, as it does a
            // certificate's: here it is the peer's own key that did not sign it.
            let mut rejection = Box::new(Rejection::of(e));
            if rejection.cause == certbench_cause::Cause::BadSignature {
                rejection.cause = certbench_cause::Cause::SignatureInvalid;
            }
            rejection
        }),
    };
    reporter.verdict(judge, verdict);
    r
}

impl ServerCertVerifier for ReportingServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let now = self.at.unwrap_or(now);
        let r = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        self.reporter.verdict(
            Side::Client,
            chain_verdict(
                Side::Server,
                end_entity,
                intermediates,
                Some(server_name.to_str().into_owned()),
                &r,
            ),
        );
        // rustls checks nothing of a staple: certbench's client does, once the chain holds.
        // A server whose certificate names an OCSP responder and staples nothing is said too (the
        // client goes on: soft fail), so that a staple that should be there is seen missing.
        if r.is_ok()
            && (!ocsp.is_empty()
                || self.require_staple
                || !certbench_x509::ocsp::responder_urls(end_entity).is_empty())
        {
            let (verdict, refused) = staple_verdict(
                end_entity,
                intermediates,
                &self.anchors,
                ocsp,
                self.require_staple,
                now,
            );
            self.reporter.verdict(Side::Client, verdict);
            if let Some(e) = refused {
                return Err(e);
            }
        }
        r
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls12_signature(m, c, dss);
        report_signature(
            &*self.reporter,
            Side::Client,
            Signed::ServerKeyExchange,
            dss,
            r,
        )
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls13_signature(m, c, dss);
        report_signature(
            &*self.reporter,
            Side::Client,
            Signed::CertificateVerify,
            dss,
            r,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The webpki client verifier, reporting what it decides.
#[derive(Debug)]
struct ReportingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    reporter: Arc<dyn Reporter>,
    /// Judge at this time instead of rustls's clock (`Choices::at`).
    at: Option<UnixTime>,
}

impl ClientCertVerifier for ReportingClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }
    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let now = self.at.unwrap_or(now);
        let r = self
            .inner
            .verify_client_cert(end_entity, intermediates, now);
        self.reporter.verdict(
            Side::Server,
            chain_verdict(Side::Client, end_entity, intermediates, None, &r),
        );
        r
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls12_signature(m, c, dss);
        report_signature(
            &*self.reporter,
            Side::Server,
            Signed::CertificateVerify,
            dss,
            r,
        )
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls13_signature(m, c, dss);
        report_signature(
            &*self.reporter,
            Side::Server,
            Signed::CertificateVerify,
            dss,
            r,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
