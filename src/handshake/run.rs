//! A live mTLS handshake on loopback: our tokio-rustls server and client with the workspace's
//! certificates, over real TCP on 127.0.0.1. A tap on the client's socket copies every byte to the
//! Observer; each side's KeyLog gives it the secrets; wrappers around the webpki verifiers report
//! each side's verdict. Everything arrives as timestamped events, as it happens.

use std::collections::HashSet;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;

use super::messages::Message;
use super::names;
use super::observe::{Dir, Observer, Protection, Seen, What};
use crate::pki::Role;
use crate::workspace::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls12,
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// The workspace with the CA, the server and the client certificates.
    pub dir: PathBuf,
    pub version: TlsVersion,
    /// Key exchange group: X25519MLKEM768, x25519, secp256r1, secp384r1; `None` lets rustls choose.
    pub group: Option<String>,
    /// Cipher suite by its RFC name (TLS_AES_128_GCM_SHA256, ...); `None` lets rustls choose.
    pub suite: Option<String>,
    /// The server certificate's name in the workspace.
    pub server: String,
    /// The client certificate's name in the workspace; `None` sends none.
    pub client: Option<String>,
    pub server_name: String,
    pub timeout: Duration,
    /// Step mode and cancelling: the run waits before each flight until the stepper lets it go.
    pub stepper: Option<Stepper>,
}

/// Holds a run back before each flight (each change of direction on the wire) until `next()`,
/// and ends it on `cancel()`. Shared by the run and whoever steps it.
#[derive(Clone, Debug, Default)]
pub struct Stepper {
    state: Arc<Mutex<StepState>>,
    /// Whether to pause at all; without it the stepper only cancels.
    step: bool,
}

#[derive(Debug, Default)]
struct StepState {
    granted: u64,
    started: u64,
    last: Option<Dir>,
    announced: Option<u64>,
    cancelled: bool,
    waker: Option<std::task::Waker>,
}

impl PartialEq for Stepper {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

impl Stepper {
    /// A stepper that pauses before every flight (`step`), or only allows cancelling.
    pub fn new(step: bool) -> Stepper {
        Stepper {
            state: Arc::default(),
            step,
        }
    }

    /// Let the next flight go.
    pub fn next(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.granted += 1;
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }

    /// End the run: the client's connection fails with "cancelled".
    pub fn cancel(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.cancelled = true;
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }

    /// May bytes in direction `dir` pass now? Pending while paused before a new flight.
    fn poll_flight(&self, dir: Dir, cx: &mut Context<'_>, hub: &SharedHub) -> Poll<io::Result<()>> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.cancelled {
            // The cancellation is the cause, whatever the server then sees.
            lock(hub)
                .first_rejection
                .get_or_insert_with(|| ("client".into(), "cancelled from the UI".into()));
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "cancelled from the UI",
            )));
        }
        if !self.step || s.last == Some(dir) {
            s.last = Some(dir);
            return Poll::Ready(Ok(()));
        }
        if s.started < s.granted {
            s.started += 1;
            s.last = Some(dir);
            return Poll::Ready(Ok(()));
        }
        if s.announced != Some(s.started) {
            s.announced = Some(s.started);
            let who = dir.sender();
            let message = match dir {
                Dir::ClientToServer => "paused before the client's next flight".to_string(),
                Dir::ServerToClient => {
                    "paused before the server's next flight reaches the client".to_string()
                }
            };
            lock(hub).local(who, "note", message, vec![]);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl RunOptions {
    pub fn new(dir: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            dir: dir.into(),
            version: TlsVersion::Tls13,
            group: None,
            suite: None,
            server: "server".into(),
            client: Some("client".into()),
            server_name: "localhost".into(),
            timeout: Duration::from_secs(10),
            stepper: None,
        }
    }
}

/// One step of the timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub t_us: u64,
    /// "client" or "server" for what crossed the wire; `None` for a local event.
    pub from: Option<&'static str>,
    /// For a local event: the side it happened on.
    pub side: Option<&'static str>,
    /// handshake, alert, change_cipher_spec, application_data, verify, keys, note
    pub kind: &'static str,
    /// The RFC name ("ClientHello") or what happened ("server chain verified").
    pub message: String,
    /// Under which keys it travelled; `None` when in clear or local.
    pub encrypted: Option<&'static str>,
    pub size: usize,
    pub details: Details,
}

/// An event's decoded fields. A handshake message keeps the decoded message and puts it into
/// words only when asked (the pane shows one event's fields at a time; the CLI and the JSON
/// transcript ask for all), so watching a handshake costs it little.
#[derive(Debug, Clone, PartialEq)]
pub struct Details {
    message: Option<Arc<Message>>,
    /// The certificate a verdict was about (DER), for a verify event.
    certificate: Option<Arc<Vec<u8>>>,
    fields: Vec<(String, String)>,
}

impl Details {
    pub fn new(fields: Vec<(String, String)>) -> Details {
        Details {
            message: None,
            certificate: None,
            fields,
        }
    }

    fn of_message(message: Arc<Message>, fields: Vec<(String, String)>) -> Details {
        Details {
            message: Some(message),
            certificate: None,
            fields,
        }
    }

    fn of_certificate(der: &[u8], fields: Vec<(String, String)>) -> Details {
        Details {
            message: None,
            certificate: Some(Arc::new(der.to_vec())),
            fields,
        }
    }

    /// Every field, labelled: the message's decoded fields, then the event's own.
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .message
            .as_deref()
            .map(|m| {
                super::messages::details(m)
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(der) = &self.certificate {
            let subject = crate::inspect::report::brief(der)
                .map(|c| c.subject)
                .unwrap_or_else(|e| format!("unreadable: {e}"));
            out.push(("certificate".into(), subject));
        }
        out.extend(self.fields.iter().cloned());
        out
    }

    /// One field's value.
    pub fn get(&self, key: &str) -> Option<String> {
        self.fields()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The certificates a Certificate message carried (DER, end entity first), or the one a
    /// verdict was about.
    pub fn certificates(&self) -> &[Vec<u8>] {
        match (self.message.as_deref(), &self.certificate) {
            (Some(Message::Certificate(c)), _) => &c.certificates,
            (_, Some(der)) => std::slice::from_ref(der.as_ref()),
            _ => &[],
        }
    }
}

impl Serialize for Details {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let fields = self.fields();
        let mut m = s.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// How a run ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub ok: bool,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub group: Option<String>,
    /// The side that failed first and why.
    pub failure: Option<(String, String)>,
    /// The server's answer to the request, when there was one.
    pub response: Option<String>,
    /// SSLKEYLOGFILE lines: Wireshark and tshark can decrypt the same connection with them.
    #[serde(skip)]
    pub keylog: Secrets,
}

/// Secrets, as SSLKEYLOGFILE lines. Whoever has them reads the connection: they go only where the
/// user asks (files of mode 0600), never into a transcript or a log; `Debug` says how many there
/// are, not what they are.
#[derive(Clone, PartialEq, Default)]
pub struct Secrets(Vec<String>);

impl Secrets {
    pub fn lines(&self) -> &[String] {
        &self.0
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} lines, not shown)", self.0.len())
    }
}

/// Where every observation goes, in the order it happened.
struct Hub {
    start: Instant,
    observer: Observer,
    events: UnboundedSender<Event>,
    keylog: Vec<String>,
    logged: HashSet<(String, Vec<u8>)>,
    version: Option<String>,
    cipher_suite: Option<String>,
    group: Option<String>,
    /// The first side whose verifier refused the other's certificate or signature, and why: the
    /// cause of a failure, whatever the other side then saw (an alert, or only EOF).
    first_rejection: Option<(String, String)>,
}

type SharedHub = Arc<Mutex<Hub>>;

impl Hub {
    fn t_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn emit_seen(&mut self, seen: Vec<Seen>) {
        for s in seen {
            let event = self.event_for(s);
            let _ = self.events.send(event);
        }
    }

    /// Bytes that crossed the wire, in one direction.
    fn feed(&mut self, dir: Dir, bytes: &[u8]) {
        let seen = self.observer.feed(dir, bytes);
        self.emit_seen(seen);
    }

    fn local(
        &mut self,
        side: &'static str,
        kind: &'static str,
        message: String,
        details: Vec<(String, String)>,
    ) {
        self.local_with(side, kind, message, Details::new(details));
    }

    fn local_with(
        &mut self,
        side: &'static str,
        kind: &'static str,
        message: String,
        details: Details,
    ) {
        let event = Event {
            t_us: self.t_us(),
            from: None,
            side: Some(side),
            kind,
            message,
            encrypted: None,
            size: 0,
            details,
        };
        let _ = self.events.send(event);
    }

    fn event_for(&mut self, s: Seen) -> Event {
        let encrypted = match s.protection {
            Protection::Clear => None,
            p => Some(p.label()),
        };
        let mut decoded = None;
        let (kind, message, mut d): (&'static str, String, Vec<(String, String)>) = match s.what {
            What::Handshake { typ, message } => {
                let d = match message {
                    Ok(m) => {
                        self.remember(&m);
                        decoded = Some(Arc::from(m));
                        vec![]
                    }
                    Err(e) => vec![("note".to_string(), e)],
                };
                ("handshake", names::handshake_type(typ).to_string(), d)
            }
            What::ChangeCipherSpec => ("change_cipher_spec", "ChangeCipherSpec".into(), vec![]),
            What::Alert { level, description } => (
                "alert",
                "Alert".into(),
                vec![
                    (
                        "level".into(),
                        if level == 2 {
                            "fatal".into()
                        } else {
                            "warning".into()
                        },
                    ),
                    ("description".into(), names::alert(description).to_string()),
                ],
            ),
            What::ApplicationData { plaintext, len } => {
                let mut d = vec![("length".to_string(), format!("{len} bytes"))];
                if let Some(p) = plaintext {
                    d.push((
                        "text".into(),
                        crate::text::display_safe(&String::from_utf8_lossy(&p), 200),
                    ));
                }
                ("application_data", "ApplicationData".into(), d)
            }
            What::Unreadable { reason } => {
                ("note", "unreadable".into(), vec![("reason".into(), reason)])
            }
        };
        if s.protection == Protection::Tls12Encrypted {
            d.push((
                "note".into(),
                "encrypted under TLS 1.2 keys that certbench could not derive (no master secret \
                 logged, or a suite it does not decrypt)"
                    .into(),
            ));
        }
        Event {
            t_us: self.t_us(),
            from: Some(s.dir.sender()),
            side: None,
            kind,
            message,
            encrypted,
            size: s.wire_len,
            details: match decoded {
                Some(m) => Details::of_message(m, d),
                None => Details::new(d),
            },
        }
    }

    fn remember(&mut self, m: &Message) {
        if let Message::ServerHello(sh) = m
            && !sh.hello_retry_request
        {
            self.version = Some(names::version(
                sh.selected_version.unwrap_or(sh.legacy_version),
            ));
            self.cipher_suite = Some(names::cipher_suite(sh.cipher_suite));
            if let Some((g, _)) = sh.key_share {
                self.group = Some(names::named_group(g));
            }
        }
        if let Message::ServerKeyExchange { group: Some(g), .. } = m {
            self.group = Some(names::named_group(*g));
        }
    }
}

fn lock(hub: &SharedHub) -> std::sync::MutexGuard<'_, Hub> {
    // A panic while holding the lock would be a bug in certbench; the data is still usable.
    hub.lock().unwrap_or_else(|e| e.into_inner())
}

/// Gives the Observer each secret a side derives, and keeps the SSLKEYLOGFILE lines.
#[derive(Debug)]
struct HubKeyLog {
    side: &'static str,
    hub: HubRef,
}

/// A Debug-able handle to the hub, for rustls's Debug bounds.
#[derive(Clone)]
struct HubRef(SharedHub);

impl std::fmt::Debug for HubRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hub")
    }
}

impl rustls::KeyLog for HubKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut hub = lock(&self.hub.0);
        // Both sides derive the same secrets; the first to log one is named, once.
        if !hub
            .logged
            .insert((label.to_string(), client_random.to_vec()))
        {
            return;
        }
        hub.keylog.push(format!(
            "{label} {} {}",
            crate::text::hex(client_random),
            crate::text::hex(secret)
        ));
        hub.local(
            self.side,
            "keys",
            format!("{label} derived"),
            vec![("secret".into(), format!("{} bytes", secret.len()))],
        );
        let seen = hub.observer.add_secret(label, client_random, secret);
        hub.emit_seen(seen);
    }
}

/// The client's socket, with every byte both ways copied to the hub.
struct Tap {
    inner: TcpStream,
    hub: SharedHub,
    stepper: Option<Stepper>,
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(st) = &self.stepper {
            std::task::ready!(st.poll_flight(Dir::ServerToClient, cx, &self.hub))?;
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                lock(&self.hub).feed(Dir::ServerToClient, new);
            }
        }
        r
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }
    /// rustls hands over a flight as several buffers; writing them in one call keeps the flight
    /// in one TCP segment, as on an untapped socket.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(st) = &self.stepper {
            std::task::ready!(st.poll_flight(Dir::ClientToServer, cx, &self.hub))?;
        }
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r {
            let mut hub = lock(&self.hub);
            let mut left = *n;
            for b in bufs {
                let take = left.min(b.len());
                hub.feed(Dir::ClientToServer, &b[..take]);
                left -= take;
            }
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The webpki server verifier, reporting what it decides.
#[derive(Debug)]
struct ReportingServerVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    hub: HubRef,
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
        let r = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        let extra = vec![("server_name".to_string(), server_name.to_str().into_owned())];
        report_chain(
            &self.hub,
            "client",
            "server",
            end_entity,
            intermediates,
            extra,
            r.as_ref().err(),
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
        // In TLS 1.2 the server signs its ServerKeyExchange: it sends no CertificateVerify.
        report_signature(
            &self.hub,
            "client",
            "server's ServerKeyExchange",
            dss.scheme,
            &r,
        );
        r
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls13_signature(m, c, dss);
        report_signature(
            &self.hub,
            "client",
            "server's CertificateVerify",
            dss.scheme,
            &r,
        );
        r
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The webpki client verifier, reporting what it decides.
#[derive(Debug)]
struct ReportingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    hub: HubRef,
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
        let r = self
            .inner
            .verify_client_cert(end_entity, intermediates, now);
        report_chain(
            &self.hub,
            "server",
            "client",
            end_entity,
            intermediates,
            vec![],
            r.as_ref().err(),
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
            &self.hub,
            "server",
            "client's CertificateVerify",
            dss.scheme,
            &r,
        );
        r
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls13_signature(m, c, dss);
        report_signature(
            &self.hub,
            "server",
            "client's CertificateVerify",
            dss.scheme,
            &r,
        );
        r
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A side's verdict on its peer's chain, as an event; the first refusal is kept as the cause.
fn report_chain(
    hub: &HubRef,
    side: &'static str,
    peer: &str,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    extra: Vec<(String, String)>,
    error: Option<&rustls::Error>,
) {
    let mut d = vec![("intermediates".to_string(), intermediates.len().to_string())];
    d.extend(extra);
    let message = match error {
        None => format!("{peer} chain verified"),
        Some(e) => {
            d.push(("error".into(), explain_rustls(e)));
            d.push((
                "rustls error".into(),
                crate::text::error_names(&format!("{e:?}")),
            ));
            d.push(("alert".into(), alert_for(e)));
            format!("{peer} chain REJECTED: {}", explain_rustls(e))
        }
    };
    let mut hub = lock(&hub.0);
    if let Some(e) = error {
        hub.first_rejection
            .get_or_insert_with(|| (side.into(), explain_rustls(e)));
    }
    hub.local_with(
        side,
        "verify",
        message,
        Details::of_certificate(end_entity, d),
    );
}

fn report_signature(
    hub: &HubRef,
    side: &'static str,
    signed: &str,
    scheme: SignatureScheme,
    r: &Result<HandshakeSignatureValid, rustls::Error>,
) {
    let scheme = names::signature_scheme(u16::from(scheme));
    let (message, mut d) = match r {
        Ok(_) => (format!("{signed} signature valid"), vec![]),
        Err(e) => (
            format!("{signed} signature INVALID"),
            vec![
                ("error".to_string(), explain_rustls(e)),
                (
                    "rustls error".to_string(),
                    crate::text::error_names(&format!("{e:?}")),
                ),
            ],
        ),
    };
    d.insert(0, ("scheme".into(), scheme));
    lock(&hub.0).local(side, "verify", message, d);
}

/// The alert a peer sends for this error (rustls maps certificate errors to alerts).
fn alert_for(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => {
            names::alert(u8::from(rustls::AlertDescription::from(c.clone()))).to_string()
        }
        _ => "-".into(),
    }
}

/// A rustls error in plain words.
pub fn explain_rustls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    use rustls::Error as E;
    let date = |t: &rustls_pki_types::UnixTime| {
        time::OffsetDateTime::from_unix_timestamp(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
            .map(crate::text::rfc3339)
            .unwrap_or_else(|_| "a time out of range".into())
    };
    match e {
        E::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "no trusted CA issued it".into(),
            C::Expired => "it has expired".into(),
            C::ExpiredContext { not_after, .. } => format!("it expired on {}", date(not_after)),
            C::NotValidYet => "it is not valid yet".into(),
            C::NotValidYetContext { not_before, .. } => {
                format!("it is not valid until {}", date(not_before))
            }
            C::NotValidForName => "it is not valid for the server name (check its SANs)".into(),
            C::NotValidForNameContext {
                expected,
                presented,
            } => {
                let (expected, presented) =
                    crate::inspect::verify::mismatched_names(expected, presented);
                format!(
                    "it is not valid for {}: it names {presented}",
                    expected.as_deref().unwrap_or("the server name")
                )
            }
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                "its extended key usage does not allow this purpose".into()
            }
            C::BadSignature => "a signature in the chain does not verify".into(),
            C::Revoked => "it is revoked".into(),
            C::BadEncoding => "it is not a valid DER certificate".into(),
            C::UnhandledCriticalExtension => {
                "it has a critical extension rustls does not know, so it must refuse it".into()
            }
            C::UnknownRevocationStatus => "its revocation status is unknown (no CRL covers it)".into(),
            C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => {
                "the CRL that covers it has expired".into()
            }
            C::UnsupportedSignatureAlgorithmContext { .. }
            | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                "it is signed with an algorithm rustls does not accept".into()
            }
            C::InvalidOcspResponse => "its OCSP response is not valid".into(),
            C::ApplicationVerificationFailure => "the application refused it".into(),
            C::Other(o) => match o.0.downcast_ref::<webpki::Error>() {
                Some(w) => crate::inspect::verify::explain(w),
                None => o.to_string(),
            },
            _ => "it was refused".into(),
        },
        E::NoCertificatesPresented => "the client sent no certificate, and one is required".into(),
        E::AlertReceived(a) => format!(
            "the peer sent the alert {}",
            super::names::alert(u8::from(*a))
        ),
        E::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon) => {
            "the client and the server have no cipher suite in common (a TLS 1.2 suite names the \
             server key it works with: ECDHE_ECDSA for an ECDSA key, ECDHE_RSA for an RSA key)"
                .into()
        }
        E::PeerIncompatible(rustls::PeerIncompatible::NoKxGroupsInCommon) => {
            "the client and the server have no key exchange group in common".into()
        }
        E::PeerIncompatible(_) => {
            "the peer does not support what this side requires (a version, a suite, a group or a signature scheme)".into()
        }
        E::PeerMisbehaved(_) => "the peer broke the TLS protocol".into(),
        E::InvalidMessage(_) => "the peer sent a malformed TLS message".into(),
        E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
            "the peer sent a message that does not belong at this point of the handshake".into()
        }
        E::DecryptError => "a record did not decrypt: the peers do not share the same keys".into(),
        E::EncryptError => "a record could not be encrypted".into(),
        E::UnsupportedNameType => "the server name is of a kind rustls does not support".into(),
        E::PeerSentOversizedRecord => "the peer sent a record larger than TLS allows".into(),
        E::HandshakeNotComplete => "the handshake had not finished".into(),
        E::NoApplicationProtocol => "the peers share no application protocol (ALPN)".into(),
        E::InconsistentKeys(_) => "a certificate and its private key do not match".into(),
        E::InvalidCertRevocationList(_) => "a CRL is not valid".into(),
        E::General(s) => s.clone(),
        _ => "TLS failed".into(),
    }
}

/// The rustls error inside an I/O error from tokio-rustls, in words.
fn io_reason(e: &io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(r) => explain_rustls(r),
        None => e.to_string(),
    }
}

fn certs(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {}", path.display(), pem_error(&e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read {}: {}", path.display(), pem_error(&e)))
}

fn key(path: &std::path::Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| format!("cannot read the key {}: {}", path.display(), pem_error(&e)))
}

/// A PEM reading error in words (the library's own text shows bytes as Rust arrays).
fn pem_error(e: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as P;
    let text = |b: &[u8]| crate::text::display_safe(&String::from_utf8_lossy(b), 80);
    match e {
        P::MissingSectionEnd { end_marker } => {
            format!(
                "a PEM block has no \"{}\" line (the file is cut short?)",
                text(end_marker)
            )
        }
        P::IllegalSectionStart { line } => {
            format!("\"{}\" does not start a PEM block properly", text(line))
        }
        P::Base64Decode(why) => format!("a PEM block's base64 is damaged ({why})"),
        P::Io(io) => io.to_string(),
        P::NoItemsFound => "no PEM block of the kind needed".into(),
        P::SectionTooLarge => "a PEM block is larger than any certificate or key".into(),
        _ => "not readable PEM".into(),
    }
}

/// The cipher suites certbench can offer for a TLS version, by their RFC names.
pub fn suite_names(version: TlsVersion) -> Vec<String> {
    let wanted = match version {
        TlsVersion::Tls13 => rustls::ProtocolVersion::TLSv1_3,
        TlsVersion::Tls12 => rustls::ProtocolVersion::TLSv1_2,
    };
    rustls::crypto::aws_lc_rs::default_provider()
        .cipher_suites
        .iter()
        .filter(|s| s.version().version == wanted)
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
pub fn resolve_suite(name: &str, version: TlsVersion) -> Result<String, String> {
    let wanted = name.trim();
    let rfc = OPENSSL_SUITE_NAMES
        .iter()
        .find(|(openssl, _)| openssl.eq_ignore_ascii_case(wanted))
        .map_or(wanted, |(_, rfc)| rfc);
    let offered = suite_names(version);
    if let Some(found) = offered.iter().find(|o| o.eq_ignore_ascii_case(rfc)) {
        return Ok(found.clone());
    }
    let (this, other) = (version.label(), version.other());
    let list = offered.join(", ");
    Err(
        match suite_names(other)
            .iter()
            .find(|o| o.eq_ignore_ascii_case(rfc))
        {
            Some(found) => format!(
                "{found} is a {} cipher suite and this run is {this}; for {this} use {list}",
                other.label(),
            ),
            None => format!(
                "\"{}\" is not a cipher suite certbench offers; for {this} use {list} (OpenSSL names such as ECDHE-ECDSA-AES128-GCM-SHA256 work too)",
                crate::text::display_safe(wanted, 60)
            ),
        },
    )
}

/// The key exchange groups certbench can offer for a TLS version.
pub fn group_names(version: TlsVersion) -> Vec<String> {
    let v = match version {
        TlsVersion::Tls13 => rustls::ProtocolVersion::TLSv1_3,
        TlsVersion::Tls12 => rustls::ProtocolVersion::TLSv1_2,
    };
    rustls::crypto::aws_lc_rs::default_provider()
        .kx_groups
        .iter()
        .filter(|k| k.usable_for_version(v))
        .map(|k| names::named_group(u16::from(k.name())))
        .collect()
}

/// A key exchange group for `version` (any case): its name, or why it cannot be used, with the
/// names that can.
pub fn resolve_group(name: &str, version: TlsVersion) -> Result<String, String> {
    let wanted = name.trim();
    let usable = group_names(version);
    if let Some(found) = usable.iter().find(|g| g.eq_ignore_ascii_case(wanted)) {
        return Ok(found.clone());
    }
    let list = usable.join(", ");
    let this = version.label();
    Err(
        match group_names(version.other())
            .iter()
            .find(|g| g.eq_ignore_ascii_case(wanted))
        {
            Some(found) => format!(
                "{found} is a {} key exchange only; for {this} use {list}",
                version.other().label()
            ),
            None => format!(
                "\"{}\" is not a key exchange group certbench offers; for {this} use {list}",
                crate::text::display_safe(wanted, 60)
            ),
        },
    )
}

fn provider(
    group: Option<&str>,
    suite: Option<&str>,
    version: TlsVersion,
) -> Result<rustls::crypto::CryptoProvider, String> {
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    if let Some(wanted) = suite {
        let rfc = resolve_suite(wanted, version)?;
        p.cipher_suites
            .retain(|s| names::cipher_suite(u16::from(s.suite())) == rfc);
    }
    if let Some(g) = group {
        let name = resolve_group(g, version)?;
        p.kx_groups
            .retain(|k| names::named_group(u16::from(k.name())) == name);
    }
    Ok(p)
}

/// Run one handshake and the request after it; events go to `events` as they happen.
pub async fn run(opts: &RunOptions, events: UnboundedSender<Event>) -> Result<Summary, String> {
    let ws = Workspace::open(&opts.dir).map_err(|e| e.to_string())?;
    // The certificates and keys are read as one state: no change of the workspace meanwhile.
    let reading = ws.read_lock();
    let entity = |name: &str| {
        ws.entity(name)
            .cloned()
            .ok_or_else(|| format!("the workspace has no certificate named \"{name}\""))
    };
    let server = entity(&opts.server)?;
    let server_name = ServerName::try_from(opts.server_name.clone())
        .map_err(|_| format!("\"{}\" is not a server name", opts.server_name))?;
    let mut roots = rustls::RootCertStore::empty();
    for e in ws
        .entities()
        .iter()
        .filter(|e| e.role == Role::Ca && e.revoked.is_none())
    {
        for c in certs(&ws.path(&e.cert))? {
            roots
                .add(c)
                .map_err(|err| format!("{} is not a usable trust anchor: {err}", e.cert))?;
        }
    }
    if roots.is_empty() {
        return Err("the workspace has no root CA to trust".into());
    }
    let roots = Arc::new(roots);
    let versions: &[&'static rustls::SupportedProtocolVersion] = match opts.version {
        TlsVersion::Tls13 => &[&rustls::version::TLS13],
        TlsVersion::Tls12 => &[&rustls::version::TLS12],
    };
    // The crypto library seeds its random generator on first use, some 40 ms once per process:
    // done before the clock starts, so the timeline shows the handshake and not that.
    let _ = aws_lc_rs::rand::fill(&mut [0u8; 1]);
    let hub: SharedHub = Arc::new(Mutex::new(Hub {
        start: Instant::now(),
        observer: Observer::new(),
        events,
        keylog: vec![],
        logged: HashSet::new(),
        version: None,
        cipher_suite: None,
        group: None,
        first_rejection: None,
    }));
    let provider = Arc::new(provider(
        opts.group.as_deref(),
        opts.suite.as_deref(),
        opts.version,
    )?);

    let client_verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        roots.clone(),
        provider.clone(),
    )
    .build()
    .map_err(|e| e.to_string())?;
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(Arc::new(ReportingClientVerifier {
            inner: client_verifier,
            hub: HubRef(hub.clone()),
        }))
        .with_single_cert(
            certs(&ws.path(server.chain.as_deref().unwrap_or(&server.cert)))?,
            key(&ws.path(&server.key))?,
        )
        .map_err(|e| format!("the server certificate and key do not go together: {e}"))?;
    server_config.key_log = Arc::new(HubKeyLog {
        side: "server",
        hub: HubRef(hub.clone()),
    });

    let server_verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        roots.clone(),
        provider.clone(),
    )
    .build()
    .map_err(|e| e.to_string())?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ReportingServerVerifier {
            inner: server_verifier,
            hub: HubRef(hub.clone()),
        }));
    let mut client_config = match &opts.client {
        Some(name) => {
            let c = entity(name)?;
            builder
                .with_client_auth_cert(
                    certs(&ws.path(c.chain.as_deref().unwrap_or(&c.cert)))?,
                    key(&ws.path(&c.key))?,
                )
                .map_err(|e| format!("the client certificate and key do not go together: {e}"))?
        }
        None => builder.with_no_client_auth(),
    };
    // A resumed handshake sends no Certificate: every run is a full one.
    client_config.resumption = rustls::client::Resumption::disabled();
    client_config.key_log = Arc::new(HubKeyLog {
        side: "client",
        hub: HubRef(hub.clone()),
    });

    drop(reading);

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    lock(&hub).local("server", "note", format!("listening on {addr}"), vec![]);

    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let server_hub = hub.clone();
    let server_task = tokio::spawn(async move {
        let (tcp, peer) = listener
            .accept()
            .await
            .map_err(|e| ("server".to_string(), format!("accept failed: {e}")))?;
        // Small TLS flights must not wait for delayed ACKs (Nagle's 40 ms stall on loopback).
        let _ = tcp.set_nodelay(true);
        lock(&server_hub).local(
            "server",
            "note",
            format!("accepted a connection from {peer}"),
            vec![],
        );
        let mut tls = match acceptor.accept(tcp).await {
            Ok(t) => t,
            Err(e) => {
                let reason = io_reason(&e);
                lock(&server_hub).local(
                    "server",
                    "note",
                    format!("handshake failed: {reason}"),
                    vec![],
                );
                return Err(("server".to_string(), reason));
            }
        };
        lock(&server_hub).local("server", "note", "handshake complete".into(), vec![]);
        let who = tls
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| crate::inspect::report::brief(c).ok())
            .and_then(|r| r.common_name)
            .unwrap_or_else(|| "stranger".into());
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
            match tls.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
                Err(e) => {
                    let reason = io_reason(&e);
                    lock(&server_hub).local(
                        "server",
                        "note",
                        format!("reading the request failed: {reason}"),
                        vec![],
                    );
                    return Err(("server".to_string(), reason));
                }
            }
        }
        let body = format!("Hello, {who}\n");
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        tls.write_all(response.as_bytes())
            .await
            .map_err(|e| ("server".to_string(), io_reason(&e)))?;
        // close_notify, then let the client close the connection first. Whichever side closes
        // first keeps its port in TIME_WAIT for a minute: on the client's ephemeral port the
        // kernel reuses it on loopback, but on the listener's side thousands of runs in a row
        // (--count) would make every new listen slower.
        tls.get_mut().1.send_close_notify();
        let _ = tls.flush().await;
        let mut rest = [0u8; 256];
        while matches!(tls.read(&mut rest).await, Ok(n) if n > 0) {}
        Ok::<(), (String, String)>(())
    });

    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
    let client_hub = hub.clone();
    let stepper = opts.stepper.clone();
    let client = async move {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| ("client".to_string(), format!("cannot connect: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let tap = Tap {
            inner: tcp,
            hub: client_hub.clone(),
            stepper,
        };
        let mut tls = match connector.connect(server_name, tap).await {
            Ok(t) => t,
            Err(e) => {
                let reason = io_reason(&e);
                lock(&client_hub).local(
                    "client",
                    "note",
                    format!("connect() failed: {reason}"),
                    vec![],
                );
                return Err(("client".to_string(), reason));
            }
        };
        lock(&client_hub).local(
            "client",
            "note",
            "connect() returned: the handshake is complete from the client's side".into(),
            vec![],
        );
        let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        tls.write_all(request.as_bytes())
            .await
            .map_err(|e| ("client".to_string(), io_reason(&e)))?;
        let mut response = Vec::new();
        match tls.read_to_end(&mut response).await {
            Ok(_) => {
                // The server's close_notify ended the answer; ours ends the connection.
                let _ = tls.shutdown().await;
                Ok(String::from_utf8_lossy(&response).into_owned())
            }
            Err(e) => {
                let reason = io_reason(&e);
                lock(&client_hub).local(
                    "client",
                    "note",
                    format!("first read failed: {reason}"),
                    vec![("why now".into(), "in TLS 1.3 the client finishes connect() before the server has judged its certificate; the verdict arrives as an alert at the first read".into())],
                );
                Err(("client".to_string(), reason))
            }
        }
    };
    // A server still waiting when the run ends (a timeout) must not outlive it with its socket.
    let server_abort = server_task.abort_handle();
    let outcome = tokio::time::timeout(opts.timeout, async {
        let client_result = client.await;
        let server_result = server_task
            .await
            .map_err(|e| ("server".to_string(), format!("the server task failed: {e}")));
        (client_result, server_result)
    })
    .await;
    server_abort.abort();
    let mut hub = lock(&hub);
    // Whatever still waits for a secret is shown as it is: encrypted.
    let rest = hub.observer.finish();
    hub.emit_seen(rest);
    let (ok, mut failure, response) = match outcome {
        Err(_) => {
            hub.local(
                "client",
                "note",
                format!("timed out after {} s", opts.timeout.as_secs_f64()),
                vec![],
            );
            (
                false,
                Some((
                    "client".to_string(),
                    format!("no answer within {} s", opts.timeout.as_secs_f64()),
                )),
                None,
            )
        }
        Ok((client, server)) => {
            let server = server.and_then(|r| r);
            match (client, server) {
                (Ok(resp), Ok(())) => (true, None, Some(resp)),
                // The side that judged is the cause; the other one only received its alert.
                (_, Err(f)) => (false, Some(f), None),
                (Err(f), Ok(())) => (false, Some(f), None),
            }
        }
    };
    // A verifier's refusal is the cause, whatever the peers saw afterwards.
    if !ok && let Some(r) = hub.first_rejection.clone() {
        failure = Some(r);
    }
    Ok(Summary {
        ok,
        version: hub.version.clone(),
        cipher_suite: hub.cipher_suite.clone(),
        group: hub.group.clone(),
        failure,
        response,
        keylog: Secrets(hub.keylog.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{SetOptions, Workspace};

    /// A workspace with the demo set (CA, intermediate, server, client), valid from now.
    fn demo_workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        Workspace::open(dir.path())
            .unwrap()
            .gen_set(
                &SetOptions::default(),
                false,
                time::OffsetDateTime::now_utc(),
            )
            .unwrap();
        dir
    }

    /// Nothing crosses the wire until the stepper lets the next flight go; cancel ends the run.
    #[test]
    fn step_mode_pauses_before_each_flight_and_cancel_ends_the_run() {
        let dir = demo_workspace();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let stepper = Stepper::new(true);
            let mut opts = RunOptions::new(dir.path());
            opts.stepper = Some(stepper.clone());
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let run = tokio::spawn(async move { run(&opts, tx).await });
            // Paused before the first flight: no ClientHello until we say so.
            let next_pause = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>| {
                let mut seen = Vec::new();
                loop {
                    match rx.try_recv() {
                        Ok(e) if e.message.starts_with("paused before") => return (true, seen),
                        Ok(e) => seen.push(e.message),
                        Err(_) => return (false, seen),
                    }
                }
            };
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (paused, seen) = next_pause(&mut rx);
            assert!(
                paused && !seen.contains(&"ClientHello".to_string()),
                "{seen:?}"
            );
            stepper.next();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (paused, seen) = next_pause(&mut rx);
            assert!(paused, "{seen:?}");
            assert!(
                seen.contains(&"ClientHello".to_string())
                    && !seen.contains(&"ServerHello".to_string()),
                "one flight: {seen:?}"
            );
            stepper.next();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (_, seen) = next_pause(&mut rx);
            assert!(
                seen.contains(&"ServerHello".to_string()) && seen.contains(&"Finished".to_string()),
                "the server's flight: {seen:?}"
            );
            stepper.cancel();
            let summary = run.await.unwrap().unwrap();
            assert!(!summary.ok);
            let (side, reason) = summary.failure.unwrap();
            assert_eq!(side, "client");
            assert!(reason.contains("cancelled"), "{reason}");
        });
    }

    #[test]
    fn a_stalled_run_times_out_and_the_timeline_says_so() {
        let dir = demo_workspace();
        // Step mode with nobody pressing space: the client never sends its ClientHello.
        let mut opts = RunOptions::new(dir.path());
        opts.stepper = Some(Stepper::new(true));
        opts.timeout = Duration::from_millis(300);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let started = Instant::now();
        let summary = rt.block_on(run(&opts, tx)).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!summary.ok);
        assert_eq!(
            summary.failure,
            Some(("client".to_string(), "no answer within 0.3 s".to_string()))
        );
        let mut last = None;
        while let Ok(e) = rx.try_recv() {
            last = Some(e.message);
        }
        assert_eq!(last.as_deref(), Some("timed out after 0.3 s"));
    }

    /// Events reach the receiver while the handshake is still under way, not in a batch after it.
    #[test]
    fn events_stream_while_the_handshake_runs() {
        let dir = demo_workspace();
        let opts = RunOptions::new(dir.path());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let run = tokio::spawn(async move { run(&opts, tx).await });
            let mut seen = Vec::new();
            while let Some(e) = rx.recv().await {
                let first_hello = e.message == "ClientHello";
                seen.push(e.message.clone());
                if first_hello {
                    assert!(
                        !run.is_finished(),
                        "the ClientHello arrived only after the run ended"
                    );
                    break;
                }
            }
            let summary = run.await.unwrap().unwrap();
            assert!(summary.ok, "{summary:?}");
            // Everything after the ClientHello is still to come on the channel.
            let mut rest = Vec::new();
            while let Ok(e) = rx.try_recv() {
                rest.push(e.message);
            }
            assert!(
                rest.iter().any(|m| m == "Finished"),
                "{seen:?} then {rest:?}"
            );
        });
    }
}
