//! The failure lab: each common mTLS failure, made for real. A scenario is data: how to break a
//! small PKI made in memory for it (never the user's files), and what must happen when the real
//! handshake runs; its words (a title, the lesson, the fix) are in assets/lab.toml. The same
//! words explain a failure the user made by hand, when it is the same failure ([`matching`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;

pub mod aging;
mod check;
pub mod export;
mod fixes;
pub mod relayed;
pub mod responded;
mod revocation;
mod setup;
pub mod trusted;
pub use check::{Mismatch, check};
use fixes::kept_keys;
pub use fixes::{TUI_KEYS, situations, tui_fix_templates};
pub use revocation::StapleFlaw;
pub use setup::setup;

use certbench_cause::Alert;
use certbench_pki::{ExtKeyUsage, KeyUsage};
use certbench_tls::config::{ClientAuth, TlsVersion};
use certbench_tls::event::Event;
use certbench_tls::run::{Control, RunError, Summary, run_with};
use certbench_wire::Side;
use certbench_wire::names::HandshakeType;

/// How a certificate's validity is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Valid for 30 days, 400 days ago.
    Expired,
    /// Valid from 30 days from now.
    NotYetValid,
    /// Valid from 10 minutes from now: made on a machine whose clock runs ahead.
    Skewed,
    /// Valid for 999 days, until yesterday.
    EndedYesterday,
}

/// Which side of a root rollover: a new root replaces an old one, the server's chain leads to
/// the new root, and clients that were set up years ago trust only the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollover {
    /// An old client; the server also sends the new root cross-signed by the old one.
    OldClientCrossSigned,
    /// A client that trusts the new root; the server sends the same chain, cross-signature too.
    NewClient,
    /// An old client; the server sends its chain up to the new root only.
    OldClientNoCrossSign,
}

/// One way to break the material or the choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// The client sends no certificate.
    NoClientCert,
    /// The client's certificate comes from a CA the server does not trust.
    ClientFromOtherCa,
    /// The client's certificate is signed by its own key.
    ClientSelfSigned,
    ClientValidity(Validity),
    ServerValidity(Validity),
    /// The intermediate's validity (the leaves under it are issued now, for a year).
    IntermediateValidity(Validity),
    /// The client is issued by an intermediate of its own (under the root, beside the server's),
    /// with this validity; the client is issued now, for a year.
    ClientIntermediateValidity(Validity),
    /// The server's root was replaced: which client, and whether the server sends the new root
    /// cross-signed by the old.
    Rollover(Rollover),
    ServerEku(&'static [ExtKeyUsage]),
    ClientEku(&'static [ExtKeyUsage]),
    ClientKeyUsage(&'static [KeyUsage]),
    /// The server certificate's SANs (none: its name only in the CN).
    ServerSans(&'static [&'static str]),
    /// The name the client asks for.
    AskFor(&'static str),
    /// The intermediate revokes the client's certificate; the server has the CRL.
    RevokeClient,
    /// The server sends its leaf without the intermediate.
    ServerLeafOnly,
    /// The client sends its leaf without the intermediate.
    ClientLeafOnly,
    /// The intermediate (pathlen 0) issues another CA, which issues the server certificate.
    SubCaUnderPathLenZero,
    /// The intermediate may only issue names under this DNS subtree.
    IntermediatePermits(&'static str),
    /// The intermediate's nameConstraints exclude this DNS subtree.
    IntermediateExcludes(&'static str),
    ClientVersions(&'static [TlsVersion]),
    ServerVersions(&'static [TlsVersion]),
    ClientGroups(&'static [&'static str]),
    ServerGroups(&'static [&'static str]),
    ClientSuites(&'static [&'static str]),
    ServerSuites(&'static [&'static str]),
    /// The server signs with a key that is not its certificate's (and nobody checked before).
    ServerKeyMismatch,
    ClientAuth(ClientAuth),
    /// The server staples an OCSP response for its certificate, flawed as it says.
    Staple(StapleFlaw),
    /// The root's CRL, which the server has, lists the intermediate.
    RevokeIntermediate,
    /// The server's only CRL is another CA's, and it lists the client's serial number.
    CrlFromOtherCa,
    /// The CRL (with [`Break::RevokeClient`]) is past its nextUpdate.
    StaleCrl,
    /// The server's certificate names an OCSP responder that does not answer (nothing listens
    /// there): the server tries to fetch a staple there, and staples nothing.
    ResponderDown,
    /// The client refuses a server without a current, authoritative staple (hard fail).
    RequireStaple,
}

/// A handshake message and its sender, as the transcript's `stopped_after` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct At {
    pub message: HandshakeType,
    pub from: Side,
}

/// What must happen. The expectations come from running the scenario and reading rustls's source
/// (its alert mapping in `From<CertificateError> for AlertDescription`, its TLS 1.3 server code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Expect {
    /// The handshake and the request succeed.
    pub ok: bool,
    pub detected_by: Option<Side>,
    /// The cause's code (crates/cause/src/lib.rs).
    pub cause: Option<&'static str>,
    /// The rustls error on the detecting side.
    pub error: Option<&'static str>,
    pub alert_sent: Option<Alert>,
    pub alert_received: Option<Alert>,
    /// The last handshake message through, and its sender.
    pub stopped_after: Option<At>,
    /// The server asked the client for another key share (HelloRetryRequest).
    pub hello_retry: bool,
    /// The server authenticated the client.
    pub client_authenticated: bool,
    /// The client's verdict on the server's staple, by its code (`good`, `stale`,
    /// `unauthorized_signer`, ...); `None`: no staple.
    pub staple: Option<&'static str>,
}

impl Expect {
    const FAILS: Expect = Expect {
        ok: false,
        detected_by: None,
        cause: None,
        error: None,
        alert_sent: None,
        alert_received: None,
        stopped_after: None,
        hello_retry: false,
        client_authenticated: false,
        staple: None,
    };

    const fn stapled(self, verdict: &'static str) -> Expect {
        Expect {
            staple: Some(verdict),
            ..self
        }
    }

    /// A failure caught by `side`, with its cause, rustls error and alerts both ways.
    const fn fails(
        side: Side,
        cause: &'static str,
        error: &'static str,
        alerts: (Alert, Alert),
        stopped_after: (HandshakeType, Side),
    ) -> Expect {
        Expect {
            detected_by: Some(side),
            cause: Some(cause),
            error: Some(error),
            alert_sent: Some(alerts.0),
            alert_received: Some(alerts.1),
            stopped_after: Some(At {
                message: stopped_after.0,
                from: stopped_after.1,
            }),
            ..Expect::FAILS
        }
    }

    const fn works(client_authenticated: bool, hello_retry: bool) -> Expect {
        Expect {
            ok: true,
            hello_retry,
            client_authenticated,
            ..Expect::FAILS
        }
    }
}

/// What else must hold of a failure for a scenario to explain it, when several scenarios share a
/// side and a cause (three ways to an unknown issuer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The certificate at fault is self-signed.
    SelfSigned,
    /// The peer sent its leaf without intermediates, and the leaf is not self-signed.
    LeafOnly,
    /// The peer sent intermediates with a leaf that is not self-signed.
    WithChain,
    /// The certificate names no DNS name or IP address at all (its name only in the CN).
    NoNames,
    /// The certificate names others than the one asked for.
    OtherNames,
    /// The certificate at fault is a CA's (an intermediate revoked, not the peer's own leaf).
    CaAtFault,
    /// The certificate at fault is the peer's own leaf, not a CA above it.
    LeafAtFault,
    /// Only the scenario's own run: what it teaches depends on how it was set up (a responder
    /// that is down), which a failure made by hand does not show.
    OwnRunOnly,
}

impl Fact {
    fn holds(self, f: &certbench_tls::run::Failure) -> bool {
        if let certbench_cause::Cause::NameMismatch { presented, .. } = &f.cause {
            match self {
                Fact::NoNames => return presented.is_empty(),
                Fact::OtherNames => return !presented.is_empty(),
                _ => {}
            }
        }
        let Some(c) = &f.culprit else {
            return false;
        };
        match self {
            Fact::NoNames | Fact::OtherNames | Fact::OwnRunOnly => false,
            Fact::CaAtFault | Fact::LeafAtFault => {
                use x509_parser::prelude::{FromDer, X509Certificate};
                X509Certificate::from_der(&c.der)
                    .is_ok_and(|(_, x)| x.is_ca() == (self == Fact::CaAtFault))
            }
            Fact::SelfSigned => c.self_signed,
            Fact::LeafOnly => !c.self_signed && c.intermediates == Some(0),
            Fact::WithChain => !c.self_signed && c.intermediates.is_some_and(|n| n > 0),
        }
    }
}

/// A failure to learn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// Its name on the command line: `certbench handshake --scenario NAME`.
    pub name: &'static str,
    pub breaks: &'static [Break],
    pub expect: Expect,
    /// What must hold of a failure made by hand for this scenario to explain it.
    pub when: Option<Fact>,
}

use Break as B;
use Side::{Client as C, Server as S};

const TLS12: &[TlsVersion] = &[TlsVersion::Tls12];
const TLS13: &[TlsVersion] = &[TlsVersion::Tls13];

/// Every scenario, in the order a person meets them.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "no-client-cert",
        when: None,
        breaks: &[B::NoClientCert],
        expect: Expect::fails(
            S,
            "no_client_certificate",
            "NoCertificatesPresented",
            (Alert::CERTIFICATE_REQUIRED, Alert::CERTIFICATE_REQUIRED),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "client-unknown-ca",
        when: Some(Fact::WithChain),
        breaks: &[B::ClientFromOtherCa],
        expect: Expect::fails(
            S,
            "unknown_issuer",
            "InvalidCertificate › UnknownIssuer",
            (Alert::UNKNOWN_CA, Alert::UNKNOWN_CA),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "client-self-signed",
        when: Some(Fact::SelfSigned),
        breaks: &[B::ClientSelfSigned],
        expect: Expect::fails(
            S,
            "unknown_issuer",
            "InvalidCertificate › UnknownIssuer",
            (Alert::UNKNOWN_CA, Alert::UNKNOWN_CA),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "client-expired",
        when: Some(Fact::LeafAtFault),
        breaks: &[B::ClientValidity(Validity::Expired)],
        expect: Expect::fails(
            S,
            "expired",
            "InvalidCertificate › ExpiredContext",
            (Alert::CERTIFICATE_EXPIRED, Alert::CERTIFICATE_EXPIRED),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "server-expired",
        when: Some(Fact::LeafAtFault),
        breaks: &[B::ServerValidity(Validity::Expired)],
        expect: Expect::fails(
            C,
            "expired",
            "InvalidCertificate › ExpiredContext",
            (Alert::CERTIFICATE_EXPIRED, Alert::CERTIFICATE_EXPIRED),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "server-not-yet-valid",
        when: None,
        breaks: &[B::ServerValidity(Validity::NotYetValid)],
        // rustls sends certificate_expired for a certificate not valid yet too (RFC 8446:
        // "a certificate has expired or is not currently valid").
        expect: Expect::fails(
            C,
            "not_valid_yet",
            "InvalidCertificate › NotValidYetContext",
            (Alert::CERTIFICATE_EXPIRED, Alert::CERTIFICATE_EXPIRED),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "server-client-only-eku",
        when: None,
        breaks: &[B::ServerEku(&[ExtKeyUsage::ClientAuth])],
        expect: Expect::fails(
            C,
            "wrong_purpose",
            "InvalidCertificate › InvalidPurposeContext",
            (
                Alert::UNSUPPORTED_CERTIFICATE,
                Alert::UNSUPPORTED_CERTIFICATE,
            ),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "client-without-clientauth",
        when: None,
        breaks: &[B::ClientEku(&[ExtKeyUsage::ServerAuth])],
        expect: Expect::fails(
            S,
            "wrong_purpose",
            "InvalidCertificate › InvalidPurposeContext",
            (
                Alert::UNSUPPORTED_CERTIFICATE,
                Alert::UNSUPPORTED_CERTIFICATE,
            ),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "wrong-server-name",
        when: Some(Fact::OtherNames),
        breaks: &[B::AskFor("api.example.com")],
        expect: Expect::fails(
            C,
            "name_mismatch",
            "InvalidCertificate › NotValidForNameContext",
            (Alert::BAD_CERTIFICATE, Alert::BAD_CERTIFICATE),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "server-cn-only",
        when: Some(Fact::NoNames),
        breaks: &[B::ServerSans(&[])],
        expect: Expect::fails(
            C,
            "name_mismatch",
            "InvalidCertificate › NotValidForNameContext",
            (Alert::BAD_CERTIFICATE, Alert::BAD_CERTIFICATE),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "client-revoked",
        when: None,
        breaks: &[B::RevokeClient],
        expect: Expect::fails(
            S,
            "revoked",
            "InvalidCertificate › Revoked",
            (Alert::CERTIFICATE_REVOKED, Alert::CERTIFICATE_REVOKED),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "server-missing-intermediate",
        when: Some(Fact::LeafOnly),
        breaks: &[B::ServerLeafOnly],
        expect: Expect::fails(
            C,
            "unknown_issuer",
            "InvalidCertificate › UnknownIssuer",
            (Alert::UNKNOWN_CA, Alert::UNKNOWN_CA),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "client-missing-intermediate",
        when: Some(Fact::LeafOnly),
        breaks: &[B::ClientLeafOnly],
        expect: Expect::fails(
            S,
            "unknown_issuer",
            "InvalidCertificate › UnknownIssuer",
            (Alert::UNKNOWN_CA, Alert::UNKNOWN_CA),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "pathlen-exceeded",
        when: None,
        breaks: &[B::SubCaUnderPathLenZero],
        // webpki's own error reaches rustls as CertificateError::Other, which rustls answers with
        // certificate_unknown.
        expect: Expect::fails(
            C,
            "path_len_exceeded",
            "InvalidCertificate › Other › webpki::PathLenConstraintViolated",
            (Alert::CERTIFICATE_UNKNOWN, Alert::CERTIFICATE_UNKNOWN),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "name-constraints",
        when: None,
        breaks: &[B::IntermediatePermits("example.com")],
        expect: Expect::fails(
            C,
            "name_constraint_violation",
            "InvalidCertificate › Other › webpki::NameConstraintViolation",
            (Alert::CERTIFICATE_UNKNOWN, Alert::CERTIFICATE_UNKNOWN),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "name-excluded",
        when: None,
        breaks: &[B::IntermediateExcludes("localhost")],
        expect: Expect::fails(
            C,
            "name_constraint_violation",
            "InvalidCertificate › Other › webpki::NameConstraintViolation",
            (Alert::CERTIFICATE_UNKNOWN, Alert::CERTIFICATE_UNKNOWN),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "version-mismatch",
        when: None,
        breaks: &[B::ClientVersions(TLS12), B::ServerVersions(TLS13)],
        expect: Expect::fails(
            S,
            "no_common_version",
            "PeerIncompatible › Tls12NotOfferedOrEnabled",
            (Alert::PROTOCOL_VERSION, Alert::PROTOCOL_VERSION),
            (HandshakeType::ClientHello, C),
        ),
    },
    Scenario {
        name: "no-common-group",
        when: None,
        breaks: &[
            B::ClientGroups(&["x25519"]),
            B::ServerGroups(&["secp384r1"]),
        ],
        expect: Expect::fails(
            S,
            "no_common_group",
            "PeerIncompatible › NoKxGroupsInCommon",
            (Alert::HANDSHAKE_FAILURE, Alert::HANDSHAKE_FAILURE),
            (HandshakeType::ClientHello, C),
        ),
    },
    Scenario {
        name: "hello-retry",
        when: None,
        breaks: &[
            B::ClientGroups(&["X25519MLKEM768", "secp256r1"]),
            B::ServerGroups(&["secp256r1"]),
        ],
        expect: Expect::works(true, true),
    },
    Scenario {
        name: "no-common-suite",
        when: None,
        breaks: &[
            B::ClientSuites(&["TLS_AES_128_GCM_SHA256"]),
            B::ServerSuites(&["TLS_AES_256_GCM_SHA384"]),
        ],
        expect: Expect::fails(
            S,
            "no_common_suite",
            "PeerIncompatible › NoCipherSuitesInCommon",
            (Alert::HANDSHAKE_FAILURE, Alert::HANDSHAKE_FAILURE),
            (HandshakeType::ClientHello, C),
        ),
    },
    Scenario {
        name: "key-mismatch",
        when: None,
        breaks: &[B::ServerKeyMismatch],
        // The client checks the server's CertificateVerify with the certificate's key: the
        // signature was made with another key. rustls answers a bad signature with decrypt_error.
        expect: Expect::fails(
            C,
            "signature_invalid",
            "InvalidCertificate › BadSignature",
            (Alert::DECRYPT_ERROR, Alert::DECRYPT_ERROR),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "server-revoked-ocsp",
        when: None,
        breaks: &[B::Staple(StapleFlaw::Revoked)],
        expect: Expect::fails(
            C,
            "revoked_by_ocsp",
            "InvalidCertificate › Revoked",
            (Alert::CERTIFICATE_REVOKED, Alert::CERTIFICATE_REVOKED),
            (HandshakeType::Finished, S),
        )
        .stapled("revoked"),
    },
    Scenario {
        name: "stale-staple",
        when: None,
        breaks: &[B::Staple(StapleFlaw::Stale)],
        expect: Expect::works(true, false).stapled("stale"),
    },
    Scenario {
        name: "staple-unauthorized-signer",
        when: None,
        breaks: &[B::Staple(StapleFlaw::UnauthorizedSigner)],
        expect: Expect::works(true, false).stapled("unauthorized_signer"),
    },
    Scenario {
        name: "intermediate-revoked",
        when: Some(Fact::CaAtFault),
        breaks: &[B::RevokeIntermediate],
        expect: Expect::fails(
            C,
            "revoked",
            "InvalidCertificate › Revoked",
            (Alert::CERTIFICATE_REVOKED, Alert::CERTIFICATE_REVOKED),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "stale-crl",
        when: None,
        breaks: &[B::RevokeClient, B::StaleCrl],
        expect: Expect::fails(
            S,
            "revoked",
            "InvalidCertificate › Revoked",
            (Alert::CERTIFICATE_REVOKED, Alert::CERTIFICATE_REVOKED),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "crl-from-other-ca",
        when: None,
        breaks: &[B::CrlFromOtherCa],
        expect: Expect::works(true, false),
    },
    Scenario {
        name: "responder-down-soft-fail",
        when: None,
        breaks: &[B::ResponderDown],
        expect: Expect::works(true, false).stapled("none"),
    },
    Scenario {
        name: "responder-down-hard-fail",
        when: Some(Fact::OwnRunOnly),
        breaks: &[B::ResponderDown, B::RequireStaple],
        expect: Expect::fails(
            C,
            "staple_required",
            "InvalidCertificate › InvalidOcspResponse",
            (
                Alert::BAD_CERTIFICATE_STATUS_RESPONSE,
                Alert::BAD_CERTIFICATE_STATUS_RESPONSE,
            ),
            (HandshakeType::Finished, S),
        )
        .stapled("none"),
    },
    Scenario {
        name: "client-auth-not-asked",
        when: None,
        breaks: &[B::ClientAuth(ClientAuth::None)],
        expect: Expect::works(false, false),
    },
    Scenario {
        name: "client-no-digital-signature",
        when: None,
        breaks: &[B::ClientKeyUsage(&[KeyUsage::KeyEncipherment])],
        expect: Expect::works(true, false),
    },
    Scenario {
        name: "intermediate-expired",
        when: Some(Fact::CaAtFault),
        breaks: &[B::IntermediateValidity(Validity::EndedYesterday)],
        expect: Expect::fails(
            C,
            "expired",
            "InvalidCertificate › ExpiredContext",
            (Alert::CERTIFICATE_EXPIRED, Alert::CERTIFICATE_EXPIRED),
            (HandshakeType::Finished, S),
        ),
    },
    Scenario {
        name: "client-intermediate-expired",
        when: Some(Fact::CaAtFault),
        breaks: &[B::ClientIntermediateValidity(Validity::EndedYesterday)],
        expect: Expect::fails(
            S,
            "expired",
            "InvalidCertificate › ExpiredContext",
            (Alert::CERTIFICATE_EXPIRED, Alert::CERTIFICATE_EXPIRED),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "client-clock-skew",
        when: None,
        breaks: &[B::ClientValidity(Validity::Skewed)],
        expect: Expect::fails(
            S,
            "not_valid_yet",
            "InvalidCertificate › NotValidYetContext",
            (Alert::CERTIFICATE_EXPIRED, Alert::CERTIFICATE_EXPIRED),
            (HandshakeType::Finished, C),
        ),
    },
    Scenario {
        name: "root-rollover-old-client",
        when: Some(Fact::OwnRunOnly),
        breaks: &[B::Rollover(Rollover::OldClientCrossSigned)],
        expect: Expect::works(true, false),
    },
    Scenario {
        name: "root-rollover-new-client",
        when: Some(Fact::OwnRunOnly),
        breaks: &[B::Rollover(Rollover::NewClient)],
        expect: Expect::works(true, false),
    },
    Scenario {
        name: "root-rollover-no-cross-sign",
        when: Some(Fact::OwnRunOnly),
        breaks: &[B::Rollover(Rollover::OldClientNoCrossSign)],
        expect: Expect::fails(
            C,
            "unknown_issuer",
            "InvalidCertificate › UnknownIssuer",
            (Alert::UNKNOWN_CA, Alert::UNKNOWN_CA),
            (HandshakeType::Finished, S),
        ),
    },
];

/// A scenario by its name.
pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The words of a scenario, from assets/lab.toml.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct Words {
    /// One line: what is broken.
    pub title: String,
    /// What happens and why, for a person learning it.
    pub lesson: String,
    /// The same, when the side that refused is not certbench's (a relayed connection, or the
    /// other program in `serve` and `connect`): where `lesson` says what rustls does.
    #[serde(default)]
    pub lesson_other: Option<String>,
    /// The exact change that fixes it.
    pub fix: String,
    /// The same change in the TUI's terms (its keys as `{key_...}`), when the fix names the CLI's
    /// flags or commands.
    #[serde(default)]
    pub fix_tui: Option<String>,
}

const LAB: &str = include_str!("../../../assets/lab.toml");

/// A scenario's words; empty words if assets/lab.toml lacks them (a test checks it does not).
pub fn words(s: &Scenario) -> &'static Words {
    static TABLE: OnceLock<HashMap<String, Words>> = OnceLock::new();
    static EMPTY: Words = Words {
        title: String::new(),
        lesson: String::new(),
        lesson_other: None,
        fix: String::new(),
        fix_tui: None,
    };
    certbench_base::assets::table(&TABLE, LAB)
        .get(s.name)
        .unwrap_or(&EMPTY)
}

/// Why a scenario could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    #[error("making the scenario's certificates failed: {0}")]
    Pki(#[from] certbench_pki::Error),
    #[error("reading back the scenario's certificates failed: {0}")]
    Pem(#[from] rustls::pki_types::pem::Error),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("no port could be set aside for the scenario's responder: {0}")]
    Port(std::io::Error),
}

/// Run a scenario for real; events go to `events` as they happen.
pub async fn run(
    s: &Scenario,
    control: &Control,
    events: UnboundedSender<Event>,
) -> Result<Summary, LabError> {
    run_at(s, control, events, None).await
}

/// [`run`], with both sides judging as at `at` (`--at`): the scenario's PKI is made now, so a
/// day past its certificates' validity shows what expiry does to it.
pub async fn run_at(
    s: &Scenario,
    control: &Control,
    events: UnboundedSender<Event>,
    at: Option<OffsetDateTime>,
) -> Result<Summary, LabError> {
    let (material, mut choices) = setup(s, OffsetDateTime::now_utc())?;
    if at.is_some() {
        choices.at = at;
    }
    Ok(run_with(&material, &choices, control, events).await?)
}

/// A run, explained: the scenario whose lesson applies, if one does, and the fix for the
/// certificate at fault.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Explained {
    pub scenario: Option<&'static Scenario>,
    /// What the failure (or the scenario) teaches.
    pub lesson: Option<String>,
    /// What to change, naming the certificate at fault; for a failure only, or a scenario's. In
    /// the CLI's terms (its flags and commands).
    pub fix: Option<String>,
    /// The same in the TUI's terms: its keys left as `{key_...}` placeholders (see [`TUI_KEYS`])
    /// for the TUI to fill from its keymap.
    pub fix_tui: Option<String>,
}

/// The words that explain a run, in one place for the CLI, the pane and the saved transcript: a
/// scenario's, when the scenario went as designed; for a failure made by hand, those of the
/// scenario it is an instance of; else the cause's own fix.
pub fn explain(
    summary: &Summary,
    scenario: Option<&'static Scenario>,
    events: &[Event],
) -> Explained {
    let failure = summary.failure();
    let teaching = match scenario {
        Some(s) => check(s, summary, events).is_empty().then_some(s),
        None => failure.and_then(matching),
    };
    // A scenario's certificates are the lab's, not the user's: its fix names none of them.
    let values = fix_values(failure, scenario.is_some());
    let mut tui_values = values.clone();
    tui_values.extend(kept_keys());
    match teaching {
        Some(s) => {
            let w = words(s);
            Explained {
                scenario: Some(s),
                lesson: Some(w.lesson.clone()),
                fix: Some(certbench_base::assets::fill(&w.fix, &values)),
                fix_tui: Some(certbench_base::assets::fill(
                    w.fix_tui.as_deref().unwrap_or(&w.fix),
                    &tui_values,
                )),
            }
        }
        None => Explained {
            scenario: None,
            lesson: None,
            fix: failure
                .map(|f| certbench_cause::fix(&f.cause, &values))
                .filter(|f| !f.is_empty()),
            fix_tui: failure
                .map(|f| certbench_cause::fix_tui(&f.cause, &tui_values))
                .filter(|f| !f.is_empty()),
        },
    }
}

/// Which side of a connection certbench is, when the other side is someone else's program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// `serve`: certbench is the server.
    Serve,
    /// `connect`: certbench is the client.
    Connect,
    /// `relay`: both sides are the user's programs; certbench is between them.
    Relay,
}

fn peer_fixes(peer: Peer) -> &'static std::collections::HashMap<String, String> {
    certbench_tls::peers::peer_words(match peer {
        Peer::Serve => "serve",
        Peer::Connect => "connect",
        Peer::Relay => "relay",
    })
}

/// The words for a connection `serve`, `connect` or the relay had with someone else's program: the lesson
/// of the lab scenario the failure is an instance of, and a fix in that command's terms
/// (assets/peers.toml), or the cause's own when it names no certbench option.
pub fn explain_peer(summary: &Summary, events: &[Event], peer: Peer) -> Explained {
    let Some(failure) = summary.failure() else {
        return Explained::default();
    };
    // Between two programs of the user's, a leaf sent alone whose issuer nobody knew may lack its
    // intermediate, or come from a root the judge does not trust: the wire does not say which,
    // so no one scenario's lesson is told (the fix names both).
    let ambiguous = peer == Peer::Relay
        && failure.cause == certbench_cause::Cause::UnknownIssuer
        && Fact::LeafOnly.holds(failure);
    let teaching = if ambiguous { None } else { matching(failure) };
    let code = failure.cause.code();
    let table = peer_fixes(peer);
    let side = failure.detected_by.name();
    // The fix for the situation first (the client sent its leaf alone, the server named no CA),
    // then for the side that caught it, then for the cause.
    let fix = situations(failure, events)
        .into_iter()
        .find_map(|s| {
            table
                .get(&format!("{code}.by_{side}.{s}"))
                .or_else(|| table.get(&format!("{code}.{s}")))
        })
        .or_else(|| table.get(&format!("{code}.by_{side}")))
        .or_else(|| table.get(code))
        .cloned()
        .or_else(|| {
            // The causes a connection meets before TLS (a name, a port) fix themselves.
            matches!(
                failure.cause,
                certbench_cause::Cause::HostNotFound { .. }
                    | certbench_cause::Cause::ConnectionRefused { .. }
            )
            .then(|| certbench_cause::fix(&failure.cause, &[]))
        });
    // The TUI's words for the same key, when the CLI's name its flags.
    let tui = certbench_tls::peers::peer_words(match peer {
        Peer::Serve => "serve_tui",
        Peer::Connect => "connect_tui",
        Peer::Relay => "relay_tui",
    });
    let fix_tui = fix.as_ref().map(|f| {
        let key = table.iter().find(|(_, v)| *v == f).map(|(k, _)| k.clone());
        key.and_then(|k| tui.get(&k))
            .map(|t| certbench_base::assets::fill(t, &kept_keys()))
            .unwrap_or_else(|| f.clone())
    });
    // Whether the side that refused is certbench's own (rustls), of which the lessons speak.
    let judge_is_ours = match peer {
        Peer::Serve => failure.detected_by == Side::Server,
        Peer::Connect => failure.detected_by == Side::Client,
        Peer::Relay => false,
    };
    Explained {
        scenario: teaching,
        lesson: teaching.map(|s| {
            let w = words(s);
            match (&w.lesson_other, judge_is_ours) {
                (Some(other), false) => other.clone(),
                _ => w.lesson.clone(),
            }
        }),
        fix,
        fix_tui,
    }
}

/// The values a fix names: the certificate at fault by its workspace name, the options that
/// issue it again as it was (its subject, its names, its issuer and key type), and the name the
/// client asked for. For a lab scenario (`lab`) the certificates are the lab's, not the user's:
/// their names and options read as what to put there.
pub fn fix_values(
    f: Option<&certbench_tls::run::Failure>,
    lab: bool,
) -> Vec<(&'static str, String)> {
    use x509_parser::prelude::*;
    let culprit = f.and_then(|f| f.culprit.as_ref());
    let expected = match f.map(|f| &f.cause) {
        Some(certbench_cause::Cause::NameMismatch {
            expected: Some(e), ..
        }) => e.clone(),
        _ => "NAME".into(),
    };
    let server = culprit.is_some_and(|c| c.side == Side::Server);
    if lab || culprit.is_none() {
        let args = if server { "--san DNS-NAME" } else { "--cn CN" };
        return vec![
            ("certificate", "NAME".into()),
            ("reissue_args", args.into()),
            ("expected", expected),
        ];
    }
    let mut args: Vec<String> = Vec::new();
    if let Some(c) = culprit
        && let Ok((_, cert)) = X509Certificate::from_der(&c.der)
    {
        let subject = cert.subject();
        let first = |it: &mut dyn Iterator<Item = &AttributeTypeAndValue<'_>>| {
            it.next().and_then(|a| a.as_str().ok()).map(shell_word)
        };
        for (flag, value) in [
            ("--cn", first(&mut subject.iter_common_name())),
            ("--org", first(&mut subject.iter_organization())),
            ("--ou", first(&mut subject.iter_organizational_unit())),
            ("--country", first(&mut subject.iter_country())),
        ] {
            if let Some(v) = value {
                args.push(format!("{flag} {v}"));
            }
        }
        args.extend(
            dns_and_ip_names(&cert)
                .iter()
                .map(|n| format!("--san {}", shell_word(n))),
        );
        if let Some(o) = &c.origin {
            if let Some(issuer) = &o.issuer {
                args.push(format!("--issuer {}", shell_word(issuer)));
            }
            args.push(format!("--alg {}", o.key_alg.as_str()));
        }
    }
    vec![
        (
            "certificate",
            culprit
                .and_then(|c| c.certificate.clone())
                .unwrap_or_else(|| "NAME".into()),
        ),
        ("reissue_args", args.join(" ")),
        ("expected", expected),
    ]
}

/// A word as a shell takes it: as it is when it is plain, else in single quotes.
fn shell_word(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:@/+=".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// A certificate's DNS names and IP addresses, as `--san` takes them.
fn dns_and_ip_names(cert: &x509_parser::certificate::X509Certificate<'_>) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return vec![];
    };
    san.value
        .general_names
        .iter()
        .filter_map(|g| match g {
            GeneralName::DNSName(d) => Some(d.to_string()),
            GeneralName::IPAddress(b) => match b.len() {
                4 => <[u8; 4]>::try_from(*b).ok().map(std::net::IpAddr::from),
                16 => <[u8; 16]>::try_from(*b).ok().map(std::net::IpAddr::from),
                _ => None,
            }
            .map(|ip| ip.to_string()),
            _ => None,
        })
        .collect()
}

/// The scenario a failure is an instance of: the same side caught the same cause. Its words then
/// explain a failure made by hand as they explain the scenario.
pub fn matching(f: &certbench_tls::run::Failure) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| {
        s.expect.detected_by == Some(f.detected_by)
            && s.expect.cause == Some(f.cause.code())
            && s.when.is_none_or(|fact| fact.holds(f))
    })
}

#[cfg(test)]
mod tests;
