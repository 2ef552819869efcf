//! What a run reports, as data: who (client or server), what (a message on the wire with its
//! protection, a secret derived, a verifier's verdict, a pause, a note), and typed fields. The
//! words a person reads are made from assets/events.toml by [`headline`], at the edge.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde::ser::SerializeMap;

use certbench_cause::{Alert, Cause};
use certbench_wire::messages::DecodeError;
use certbench_wire::messages::{Message, Value};
use certbench_wire::names;
use certbench_wire::names::HandshakeType;
use certbench_wire::observe::Protection;
use certbench_wire::observe::Unreadable;
use certbench_wire::side::Side;

// Every event is as large as its largest kind, and a run's are moved, sent and kept by the
// dozen: a kind that grows past this is boxed (a verdict's refusal is).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Event>() <= 112);

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Microseconds since the run started, not counting the time it was held in step mode.
    pub t_us: u64,
    /// Microseconds the run was held in step mode before this event (`t_us` plus this is the
    /// time on the clock).
    pub paused_us: u64,
    /// Who sent it (a wire message) or where it happened (anything else).
    pub side: Side,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// Something that crossed the wire, sent by the event's side.
    Wire(Wire),
    /// A secret the side derived; its value goes only to the key log.
    Secret {
        /// Its key log label (`CLIENT_HANDSHAKE_TRAFFIC_SECRET`...).
        label: std::borrow::Cow<'static, str>,
        len: usize,
    },
    Verdict(Verdict),
    /// Step mode: the run waits before the event side's next flight.
    Paused,
    Note(Note),
}

/// A message seen on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Wire {
    pub what: WireWhat,
    pub protection: Protection,
    /// A handshake message's own size (type, length, body), else its record's on the wire.
    pub size: usize,
    /// Its bytes and the records that carried them, when kept.
    pub carried: Option<Arc<certbench_wire::bytes::Carried>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WireWhat {
    Handshake {
        typ: u8,
        /// The decoded message, or why it could not be decoded.
        message: Result<Arc<Message>, DecodeError>,
    },
    ChangeCipherSpec,
    Alert {
        fatal: bool,
        alert: Alert,
    },
    ApplicationData {
        len: usize,
        /// The decrypted bytes, when they could be decrypted.
        plaintext: Option<bytes::Bytes>,
    },
    /// Bytes certbench could not make sense of; the reason says why.
    Unreadable {
        reason: Unreadable,
    },
}

impl WireWhat {
    /// The record's content type, as the transcript names it.
    pub fn content(&self) -> &'static str {
        match self {
            WireWhat::Handshake { .. } => "handshake",
            WireWhat::ChangeCipherSpec => "change_cipher_spec",
            WireWhat::Alert { .. } => "alert",
            WireWhat::ApplicationData { .. } => "application_data",
            WireWhat::Unreadable { .. } => "unreadable",
        }
    }

    /// The RFC name: "ClientHello", "Alert", ...
    pub fn name(&self) -> &'static str {
        match self {
            WireWhat::Handshake { typ, .. } => names::handshake_type(*typ),
            WireWhat::ChangeCipherSpec => "ChangeCipherSpec",
            WireWhat::Alert { .. } => "Alert",
            WireWhat::ApplicationData { .. } => "ApplicationData",
            WireWhat::Unreadable { .. } => "unreadable",
        }
    }
}

/// What the signature signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Signed {
    CertificateVerify,
    /// TLS 1.2: the server signs its ServerKeyExchange and sends no CertificateVerify.
    ServerKeyExchange,
}

impl Signed {
    /// The RFC name of the message signed.
    pub fn name(self) -> &'static str {
        match self {
            Signed::CertificateVerify => "CertificateVerify",
            Signed::ServerKeyExchange => "ServerKeyExchange",
        }
    }
}

/// A verifier's decision, on the side that made it. (A refusal is boxed: every event is as large
/// as its largest kind, and most verdicts say yes.)
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The peer's certificate chain.
    Chain {
        peer: Side,
        /// The peer's end-entity certificate (DER).
        certificate: Arc<Vec<u8>>,
        /// The intermediates the peer sent with it (DER), in the order sent.
        intermediates: Arc<Vec<Vec<u8>>>,
        /// The name the client checked the server's certificate against.
        server_name: Option<String>,
        result: Result<(), Box<Rejection>>,
    },
    /// The peer's signature with its certificate's key.
    Signature {
        peer: Side,
        signed: Signed,
        scheme: u16,
        result: Result<(), Box<Rejection>>,
    },
    /// The OCSP response the server stapled to its certificate, as the client checked it
    /// itself (rustls hands it over unchecked: DESIGN.md): only a response that says, with
    /// authority and now, that the certificate is revoked refuses the server; any other flaw is
    /// said and passed over, as browsers do with a staple they cannot use.
    Staple {
        peer: Side,
        /// The certificate it is about (DER) and the intermediates sent with it.
        certificate: Arc<Vec<u8>>,
        intermediates: Arc<Vec<Vec<u8>>>,
        /// The response as received (DER).
        response: Arc<Vec<u8>>,
        /// What it is worth for the certificate; why it could not be read.
        checked: Result<Arc<certbench_x509::ocsp::Checked>, certbench_x509::ocsp::OcspError>,
        result: Result<(), Box<Rejection>>,
    },
}

impl Verdict {
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Verdict::Chain { result, .. }
            | Verdict::Signature { result, .. }
            | Verdict::Staple { result, .. } => result.as_ref().err().map(|r| &**r),
        }
    }
}

/// A checked staple's fields: the verdict's code, the status, who signed, the times.
fn staple_fields(c: &certbench_x509::ocsp::Checked, out: &mut Vec<(&'static str, Field)>) {
    use certbench_x509::ocsp::{CertStatus, Signer, Verdict as V};
    let text = |s: String| Field::Value(Value::Text(s));
    out.push(("ocsp", text(c.verdict.code().into())));
    match &c.verdict {
        V::Refused { status } => out.push(("response_status", text(status.name().into()))),
        V::Stale { next_update, .. } => out.push((
            "next_update",
            text(certbench_base::text::rfc3339(*next_update)),
        )),
        V::NotYetValid { this_update } => out.push((
            "this_update",
            text(certbench_base::text::rfc3339(*this_update)),
        )),
        _ => {}
    }
    if let Some(s) = &c.single {
        out.push(("status", text(s.status.name().into())));
        if let CertStatus::Revoked { at, reason } = &s.status {
            out.push(("revoked_at", text(certbench_base::text::rfc3339(*at))));
            if let Some(r) = reason {
                out.push(("reason", text(r.as_str().into())));
            }
        }
        if let Some(n) = s.next_update {
            out.push(("valid_until", text(certbench_base::text::rfc3339(n))));
        }
    }
    if let Some(signer) = &c.signer {
        out.push((
            "signer",
            text(match signer {
                Signer::Issuer => "the issuer".into(),
                Signer::Delegated { subject } => subject.clone(),
                Signer::Nobody => "no certificate it names".into(),
            }),
        ));
    }
}

/// Why a side refused, as rustls told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub cause: Cause,
    /// The rustls error, as rustls's source spells it.
    pub error: String,
    /// The alert rustls sends for it, when it maps to one.
    pub alert: Option<Alert>,
}

impl Rejection {
    pub fn of(e: &rustls::Error) -> Rejection {
        Rejection {
            cause: Cause::from_rustls(e),
            error: certbench_cause::rustls_error_name(e),
            alert: alert_for(e),
        }
    }
}

/// The alert rustls sends for an error, as its source maps them (`From<CertificateError> for
/// AlertDescription`; certificate_required for a missing client certificate in TLS 1.3 is
/// decided where it is sent, and is seen on the wire instead).
pub fn alert_for(e: &rustls::Error) -> Option<Alert> {
    match e {
        rustls::Error::InvalidCertificate(c) => {
            Some(Alert::from(rustls::AlertDescription::from(c.clone())))
        }
        _ => None,
    }
}

/// Something a side did or saw that is not a message on the wire.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Note {
    Listening {
        addr: SocketAddr,
    },
    Accepted {
        peer: SocketAddr,
    },
    /// The client's TCP connection is up (`connect` to someone else's server).
    Connected {
        peer: SocketAddr,
    },
    /// The peer ended the TCP connection after its answer without a close_notify alert.
    ClosedWithoutCloseNotify,
    /// The server's handshake finished.
    HandshakeComplete,
    /// The server's handshake failed.
    HandshakeFailed {
        cause: Cause,
    },
    /// The client's connect() returned: the handshake is complete from its side.
    ConnectReturned,
    ConnectFailed {
        cause: Cause,
    },
    /// The client's first read failed.
    FirstReadFailed {
        cause: Cause,
    },
    /// TLS 1.3: the client's first read brought the server's refusal, after connect() had
    /// already returned.
    RefusedAfterConnect {
        cause: Cause,
    },
    /// The client could not send its request.
    SendFailed {
        cause: Cause,
    },
    /// The server could not read the request.
    RequestFailed {
        cause: Cause,
    },
    /// The server accepted a client that sent no certificate (client authentication optional).
    NoClientIdentity,
    /// The server verified the client's certificate: who the client is.
    ClientAuthenticated {
        subject: String,
    },
    /// After authentication, the server's `--allow` rules decided.
    Authorization {
        decision: crate::serve::Authorization,
    },
    /// The server answered an HTTP request.
    Request {
        method: String,
        path: String,
        status: u16,
    },
    TimedOut {
        after_ms: u64,
    },
    Cancelled,
}

impl Note {
    pub fn code(&self) -> &'static str {
        match self {
            Note::Listening { .. } => "listening",
            Note::Accepted { .. } => "accepted",
            Note::Connected { .. } => "connected",
            Note::ClosedWithoutCloseNotify => "closed_without_close_notify",
            Note::HandshakeComplete => "handshake_complete",
            Note::HandshakeFailed { .. } => "handshake_failed",
            Note::ConnectReturned => "connect_returned",
            Note::ConnectFailed { .. } => "connect_failed",
            Note::FirstReadFailed { .. } => "first_read_failed",
            Note::RefusedAfterConnect { .. } => "refused_after_connect",
            Note::SendFailed { .. } => "send_failed",
            Note::RequestFailed { .. } => "request_failed",
            Note::NoClientIdentity => "no_client_identity",
            Note::ClientAuthenticated { .. } => "client_authenticated",
            Note::Authorization { decision } => match decision {
                crate::serve::Authorization::NoRules => "authorization_no_rules",
                crate::serve::Authorization::Allowed { .. } => "authorized",
                crate::serve::Authorization::Denied => "not_authorized",
                crate::serve::Authorization::Anonymous => "not_authorized_anonymous",
            },
            Note::Request { .. } => "request",
            Note::TimedOut { .. } => "timed_out",
            Note::Cancelled => "cancelled",
        }
    }

    pub fn cause(&self) -> Option<&Cause> {
        match self {
            Note::HandshakeFailed { cause }
            | Note::ConnectFailed { cause }
            | Note::FirstReadFailed { cause }
            | Note::RefusedAfterConnect { cause }
            | Note::SendFailed { cause }
            | Note::RequestFailed { cause } => Some(cause),
            _ => None,
        }
    }
}

impl Event {
    pub fn wire(&self) -> Option<&Wire> {
        match &self.kind {
            EventKind::Wire(w) => Some(w),
            _ => None,
        }
    }

    /// The decoded handshake message, if this is one.
    pub fn message(&self) -> Option<&Message> {
        match self.wire().map(|w| &w.what) {
            Some(WireWhat::Handshake { message: Ok(m), .. }) => Some(m),
            _ => None,
        }
    }

    /// The RFC name of a wire message ("ClientHello"), or `None` for a local event.
    pub fn message_name(&self) -> Option<&'static str> {
        self.wire().map(|w| w.what.name())
    }

    /// The type of a handshake message on the wire, or `None` for anything else.
    pub fn handshake_type(&self) -> Option<HandshakeType> {
        match self.wire().map(|w| &w.what) {
            Some(WireWhat::Handshake { typ, .. }) => Some(HandshakeType::from(*typ)),
            _ => None,
        }
    }

    /// Whether it is application data on the wire.
    pub fn is_application_data(&self) -> bool {
        matches!(
            self.wire().map(|w| &w.what),
            Some(WireWhat::ApplicationData { .. })
        )
    }

    /// A fatal alert, or a refusal, or a failure: what the timeline marks as the failure.
    pub fn is_failure(&self) -> bool {
        match &self.kind {
            EventKind::Wire(Wire {
                what: WireWhat::Alert { fatal, .. },
                ..
            }) => *fatal,
            EventKind::Verdict(v) => v.rejection().is_some(),
            EventKind::Note(n) => n.cause().is_some() || matches!(n, Note::TimedOut { .. }),
            _ => false,
        }
    }

    /// The OCSP response a server stapled (DER): carried by a TLS 1.3 Certificate message or a
    /// TLS 1.2 CertificateStatus, or the one the client's verdict was about.
    pub fn staple(&self) -> Option<&[u8]> {
        match (&self.kind, self.message()) {
            (_, Some(Message::Certificate(c))) => c.ocsp.as_deref(),
            (_, Some(Message::CertificateStatus { ocsp })) => Some(&ocsp[..]),
            (EventKind::Verdict(Verdict::Staple { response, .. }), _) if !response.is_empty() => {
                Some(response.as_slice())
            }
            _ => None,
        }
    }

    /// The certificates a Certificate message carried (DER, end entity first), or the one a
    /// verdict was about.
    pub fn certificates(&self) -> Vec<&[u8]> {
        match (&self.kind, self.message()) {
            (_, Some(Message::Certificate(c))) => c.certificates.iter().map(|c| &c[..]).collect(),
            (
                EventKind::Verdict(
                    Verdict::Chain { certificate, .. } | Verdict::Staple { certificate, .. },
                ),
                _,
            ) => {
                vec![certificate.as_slice()]
            }
            _ => vec![],
        }
    }

    /// The code that names the event in the transcript: the RFC name of a wire message, the
    /// label of a secret, `chain` or `signature` for a verdict, the note's code.
    pub fn code(&self) -> String {
        match &self.kind {
            EventKind::Wire(w) => w.what.name().to_string(),
            EventKind::Secret { label, .. } => label.to_string(),
            EventKind::Verdict(Verdict::Chain { .. }) => "chain".into(),
            EventKind::Verdict(Verdict::Signature { .. }) => "signature".into(),
            EventKind::Verdict(Verdict::Staple { .. }) => "staple".into(),
            EventKind::Paused => "paused".into(),
            EventKind::Note(n) => n.code().into(),
        }
    }

    fn event_type(&self) -> &'static str {
        match &self.kind {
            EventKind::Wire(_) => "wire",
            EventKind::Secret { .. } => "secret",
            EventKind::Verdict(_) => "verdict",
            EventKind::Paused => "pause",
            EventKind::Note(_) => "note",
        }
    }

    /// The event's fields, typed: a message's decoded fields, a verdict's parts, a note's values.
    pub fn fields(&self) -> Vec<(&'static str, Field)> {
        let mut out: Vec<(&'static str, Field)> = Vec::new();
        match &self.kind {
            EventKind::Wire(w) => match &w.what {
                WireWhat::Handshake { message, .. } => match message {
                    Ok(m) => out.extend(
                        crate::describe::details(m)
                            .into_iter()
                            .map(|(k, v)| (k, Field::Value(v))),
                    ),
                    Err(why) => out.push(("problem", Field::Value(Value::Text(why.to_string())))),
                },
                WireWhat::Alert { fatal, alert } => {
                    out.push((
                        "level",
                        Field::Value(Value::Text(if *fatal { "fatal" } else { "warning" }.into())),
                    ));
                    out.push(("description", Field::Alert(*alert)));
                }
                WireWhat::ApplicationData { len, plaintext } => {
                    out.push(("length", Field::Value(Value::Bytes(*len as u64))));
                    if let Some(p) = plaintext {
                        out.push((
                            "text",
                            Field::Value(Value::Text(certbench_base::text::display_safe(
                                &String::from_utf8_lossy(p),
                                200,
                            ))),
                        ));
                    }
                }
                WireWhat::Unreadable { reason } => {
                    out.push(("reason", Field::Value(Value::Text(reason.to_string()))))
                }
                WireWhat::ChangeCipherSpec => {}
            },
            EventKind::Secret { len, .. } => {
                out.push(("length", Field::Value(Value::Bytes(*len as u64))))
            }
            EventKind::Verdict(v) => {
                let (peer, result) = match v {
                    Verdict::Chain {
                        peer,
                        certificate,
                        intermediates,
                        server_name,
                        result,
                    } => {
                        out.push((
                            "certificate",
                            Field::Value(Value::Text(
                                certbench_x509::report::brief(certificate)
                                    .map(|c| c.subject)
                                    .unwrap_or_else(|e| format!("unreadable: {e}")),
                            )),
                        ));
                        out.push((
                            "intermediates",
                            Field::Value(Value::Number(intermediates.len() as u64)),
                        ));
                        if let Some(n) = server_name {
                            out.push(("server_name", Field::Value(Value::Text(n.clone()))));
                        }
                        (peer, result)
                    }
                    Verdict::Signature {
                        peer,
                        signed,
                        scheme,
                        result,
                    } => {
                        out.push(("signed", Field::Value(Value::Text(signed.name().into()))));
                        out.push((
                            "scheme",
                            Field::Value(Value::Text(names::signature_scheme(*scheme))),
                        ));
                        (peer, result)
                    }
                    Verdict::Staple {
                        peer,
                        response,
                        checked,
                        result,
                        ..
                    } => {
                        out.push(("bytes", Field::Value(Value::Bytes(response.len() as u64))));
                        match checked {
                            Ok(c) => staple_fields(c, &mut out),
                            Err(certbench_x509::ocsp::OcspError::Absent) => {
                                out.push(("ocsp", Field::Value(Value::text("none"))));
                            }
                            Err(e) => {
                                out.push(("ocsp", Field::Value(Value::text("unreadable"))));
                                out.push(("problem", Field::Value(Value::Text(e.to_string()))));
                            }
                        }
                        (peer, result)
                    }
                };
                out.insert(0, ("peer", Field::Side(*peer)));
                out.insert(1, ("ok", Field::Value(Value::Bool(result.is_ok()))));
                if let Err(r) = result {
                    out.push(("cause", Field::Cause(r.cause.clone())));
                    out.push(("rustls_error", Field::Value(Value::Text(r.error.clone()))));
                    if let Some(a) = r.alert {
                        out.push(("alert", Field::Alert(a)));
                    }
                }
            }
            EventKind::Paused => out.push(("next", Field::Side(self.side))),
            EventKind::Note(n) => match n {
                Note::Listening { addr } => {
                    out.push(("address", Field::Value(Value::Text(addr.to_string()))))
                }
                Note::Accepted { peer } | Note::Connected { peer } => {
                    out.push(("peer", Field::Value(Value::Text(peer.to_string()))))
                }
                Note::TimedOut { after_ms } => {
                    out.push(("after_ms", Field::Value(Value::Number(*after_ms))))
                }
                Note::ClientAuthenticated { subject } => {
                    out.push(("subject", Field::Value(Value::Text(subject.clone()))))
                }
                Note::Authorization { decision } => {
                    if let crate::serve::Authorization::Allowed { rule } = decision {
                        out.push(("rule", Field::Value(Value::Text(rule.clone()))));
                    }
                }
                Note::Request {
                    method,
                    path,
                    status,
                } => {
                    out.push(("method", Field::Value(Value::Text(method.clone()))));
                    out.push(("path", Field::Value(Value::Text(path.clone()))));
                    out.push(("status", Field::Value(Value::Number(u64::from(*status)))));
                }
                other => {
                    if let Some(c) = other.cause() {
                        out.push(("cause", Field::Cause(c.clone())));
                    }
                }
            },
        }
        out
    }
}

/// One field of an event: a decoded value, or a part of the program's own vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Value(Value),
    Side(Side),
    Alert(Alert),
    Cause(Cause),
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Value(v) => write!(f, "{v}"),
            Field::Side(s) => f.write_str(s.name()),
            Field::Alert(a) => f.write_str(a.name()),
            Field::Cause(c) => f.write_str(&certbench_cause::describe(c)),
        }
    }
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.serialize(s),
            Field::Side(x) => x.serialize(s),
            Field::Alert(a) => a.serialize(s),
            Field::Cause(c) => c.serialize(s),
        }
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("t_us", &self.t_us)?;
        if self.paused_us > 0 {
            m.serialize_entry("paused_us", &self.paused_us)?;
        }
        m.serialize_entry("side", &self.side)?;
        m.serialize_entry("event", self.event_type())?;
        m.serialize_entry("message", &self.code())?;
        if let EventKind::Wire(w) = &self.kind {
            m.serialize_entry("content", w.what.content())?;
            m.serialize_entry("protection", w.protection.code())?;
            m.serialize_entry("size", &w.size)?;
        }
        m.serialize_entry("text", &headline(self))?;
        let fields = self.fields();
        m.serialize_entry("fields", &FieldMap(&fields))?;
        m.end()
    }
}

struct FieldMap<'a>(&'a [(&'static str, Field)]);

impl Serialize for FieldMap<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

const EVENTS: &str = include_str!("../../../assets/events.toml");

fn template(key: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    // Part of the binary; a test checks every key below has its words.
    certbench_base::assets::table(&TABLE, EVENTS)
        .get(key)
        .map(String::as_str)
}

/// The words of an event's key, filled in; the key itself if the words are missing.
pub fn say(key: &str, values: &[(&'static str, String)]) -> String {
    match template(key) {
        Some(t) => certbench_base::assets::fill(t, values),
        None => key.to_string(),
    }
}

/// The event's one line, for people: the message's RFC name, or what happened, in the words of
/// assets/events.toml filled with the event's own fields.
pub fn headline(e: &Event) -> String {
    let key = match &e.kind {
        EventKind::Wire(w) => {
            return match &w.what {
                WireWhat::Alert { alert, .. } => format!("Alert {}", alert.name()),
                other => other.name().to_string(),
            };
        }
        // TLS 1.2's one secret is the master secret; the key log calls it CLIENT_RANDOM.
        EventKind::Secret { label, .. } if label == "CLIENT_RANDOM" => "secret_master",
        EventKind::Secret { .. } => "secret",
        EventKind::Verdict(v) => match (v, v.rejection().is_none()) {
            (Verdict::Chain { .. }, true) => "chain_ok",
            (Verdict::Chain { .. }, false) => "chain_refused",
            (Verdict::Signature { .. }, true) => "signature_ok",
            (Verdict::Signature { .. }, false) => "signature_refused",
            (Verdict::Staple { result: Err(r), .. }, false)
                if r.cause == certbench_cause::Cause::StapleRequired =>
            {
                "staple_required"
            }
            (Verdict::Staple { .. }, false) => "staple_refused",
            (
                Verdict::Staple {
                    checked: Err(certbench_x509::ocsp::OcspError::Absent),
                    ..
                },
                true,
            ) => "staple_absent",
            (Verdict::Staple { checked: Ok(c), .. }, true) => match c.verdict {
                certbench_x509::ocsp::Verdict::Answered { .. } => "staple_ok",
                _ => "staple_passed_over",
            },
            (Verdict::Staple { .. }, true) => "staple_passed_over",
        },
        EventKind::Paused => "paused",
        EventKind::Note(n) => n.code(),
    };
    let mut values: Vec<(&'static str, String)> = e
        .fields()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    values.push(("label", e.code()));
    if let EventKind::Note(Note::TimedOut { after_ms }) = &e.kind {
        values.push(("after", format!("{}", *after_ms as f64 / 1000.0)));
    }
    say(key, &values)
}

/// More words about an event, when it has them: why a first read is where a TLS 1.3 client
/// learns its certificate was refused.
pub fn why(e: &Event) -> Option<String> {
    match &e.kind {
        EventKind::Note(n @ (Note::RefusedAfterConnect { .. } | Note::ConnectReturned)) => {
            template(&format!("{}_why", n.code())).map(String::from)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_its_words() {
        let table: HashMap<String, String> = toml::from_str(EVENTS).unwrap();
        for key in [
            "secret",
            "secret_master",
            "chain_ok",
            "chain_refused",
            "signature_ok",
            "signature_refused",
            "paused",
            "listening",
            "accepted",
            "connected",
            "closed_without_close_notify",
            "handshake_complete",
            "handshake_failed",
            "connect_returned",
            "connect_failed",
            "first_read_failed",
            "refused_after_connect",
            "refused_after_connect_why",
            "connect_returned_why",
            "send_failed",
            "request_failed",
            "no_client_identity",
            "client_authenticated",
            "authorization_no_rules",
            "authorized",
            "not_authorized",
            "not_authorized_anonymous",
            "request",
            "hint_not_from_named_ca",
            "hint_no_certificate",
            "timed_out",
            "cancelled",
            "proof_proved",
            "proof_chain_only",
            "proof_chain_refused",
            "proof_signature_refused",
            "proof_server_not_reached",
            "proof_client_not_asked",
            "proof_client_declined",
            "proof_client_not_reached",
            "proof_client_unread",
            "proof_client_sent",
            "proof_client_sent_signed",
            "proof_server_unknown",
            "proof_client_unknown",
            "phase_hello",
            "phase_retry",
            "phase_server_auth",
            "phase_client_auth",
            "phase_client_auth_unsigned",
            "phase_handshake",
            "phase_request",
            "secrets_folded",
            "paused_flight",
            "paused_why",
            "absent_certificate_request",
            "absent_client_certificate",
            "absent_certificate_verify",
            "absent_certificate_request_why",
            "absent_client_certificate_why",
            "absent_certificate_verify_why",
        ] {
            assert!(table.contains_key(key), "assets/events.toml lacks {key}");
        }
    }
}
