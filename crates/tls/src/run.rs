//! A live mTLS handshake on loopback: our tokio-rustls server and client, over real TCP on
//! 127.0.0.1. A tap on the client's socket copies every byte to the Observer; each side's KeyLog
//! gives it the secrets; the reporting verifiers give each side's verdict. Everything arrives as
//! typed, timestamped events, as it happens; the run ends with a [`Summary`] whose [`Failure`]
//! says which side caught what, with which alerts, after which message.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;

pub use crate::config::{
    ChoiceError, Choices, ClientAuth, ConfigError, Offer, TlsVersion, group_names, resolve_group,
    resolve_suite, suite_names,
};
pub use crate::event::{Event, EventKind, Note, Verdict, Wire, WireWhat};
use crate::material::{Material, MaterialError};
pub use crate::material::{MaterialChoices, Trust};
pub use crate::recorder::culprit_field;
use crate::recorder::{Recorder, SharedRecorder, Tap, lock};
use crate::{config, config::Reporter};
use certbench_cause::{Alert, Cause};
pub use certbench_wire::Side;
use certbench_wire::observe::Dir;

/// A run on the workspace's certificates, as the CLI and the pane ask for it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// The workspace with the CA, the server and the client certificates.
    pub dir: PathBuf,
    pub version: TlsVersion,
    /// Key exchange group: X25519MLKEM768, x25519, secp256r1, secp384r1; `None` lets rustls choose.
    pub group: Option<String>,
    /// Cipher suite by its RFC name (TLS_AES_128_GCM_SHA256, ...); `None` lets rustls choose.
    pub suite: Option<String>,
    /// Which certificates each side presents and trusts, and whether each sends its chain.
    pub material: MaterialChoices,
    pub server_name: String,
    pub client_auth: ClientAuth,
    pub control: Control,
    /// Judge the certificates at this time instead of now (`Choices::at`).
    pub at: Option<time::OffsetDateTime>,
}

/// How a run is driven: how long it may take, and who steps or cancels it.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub timeout: Duration,
    /// Step mode and cancelling: the run waits before each flight until the stepper lets it go.
    pub stepper: Option<Stepper>,
    /// What crosses after the handshake (the tickets, the HTTP exchange, the closing alerts) is
    /// counted and captured, not read: nothing shows it (`handshake --count`, as `serve` does
    /// when nothing shows a connection). What the client sends is counted once its handshake is
    /// over (it has judged the server and sent its Finished), what the server sends once both
    /// sides' are (`Recorder::count_after_handshake_of`: a refusal after the client's Finished,
    /// and TLS 1.2's server Finished, are still read). The handshake's flights are read all the
    /// same, and a run that fails is explained as ever.
    pub count_after_handshake: bool,
}

impl Default for Control {
    fn default() -> Control {
        Control {
            timeout: Duration::from_secs(10),
            stepper: None,
            count_after_handshake: false,
        }
    }
}

impl RunOptions {
    pub fn new(dir: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            dir: dir.into(),
            version: TlsVersion::Tls13,
            group: None,
            suite: None,
            material: MaterialChoices::default(),
            server_name: "localhost".into(),
            client_auth: ClientAuth::Required,
            control: Control::default(),
            at: None,
        }
    }

    pub fn choices(&self) -> Choices {
        let mut c = Choices::same(
            self.version,
            self.group.clone(),
            self.suite.clone(),
            &self.server_name,
        );
        c.client_auth = self.client_auth;
        c.at = self.at;
        c
    }

    pub fn material(&self) -> Result<Material, MaterialError> {
        Material::from_workspace_with(&self.dir, &self.material)
    }
}

/// Why a run could not start (a failed handshake is not an error: it is the run's result).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Material(#[from] MaterialError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Choice(#[from] ChoiceError),
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(#[source] io::Error),
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
    /// Who waits: a side held before its flight, a side reading (woken to see a cancel).
    wakers: Vec<std::task::Waker>,
}

impl StepState {
    fn wake_all(&mut self) {
        for w in self.wakers.drain(..) {
            w.wake();
        }
    }

    fn wait(&mut self, cx: &Context<'_>) {
        if !self.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            self.wakers.push(cx.waker().clone());
        }
    }
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
        s.wake_all();
    }

    /// End the run: the client's connection fails, and the run's cause is `Cancelled`.
    pub fn cancel(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.cancelled = true;
        s.wake_all();
    }

    /// Was the run cancelled? Asked before the client reads: a cancel wakes a read that waits.
    pub(crate) fn poll_cancelled(
        &self,
        cx: &mut Context<'_>,
        hub: &SharedRecorder,
    ) -> io::Result<()> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.cancelled {
            return Err(cancelled(hub));
        }
        s.wait(cx);
        Ok(())
    }

    /// May `dir`'s sender write now? Pending while it is held before a new flight. Each side is
    /// held at its own write, after the work its flight took, so the pause is only the wait.
    pub(crate) fn poll_flight(
        &self,
        dir: Dir,
        cx: &mut Context<'_>,
        hub: &SharedRecorder,
    ) -> Poll<io::Result<()>> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.cancelled {
            return Poll::Ready(Err(cancelled(hub)));
        }
        if !self.step || s.last == Some(dir) {
            s.last = Some(dir);
            return Poll::Ready(Ok(()));
        }
        if s.started < s.granted {
            s.started += 1;
            s.last = Some(dir);
            lock(hub).resumed();
            return Poll::Ready(Ok(()));
        }
        if s.announced != Some(s.started) {
            s.announced = Some(s.started);
            lock(hub).local(dir.from_side(), EventKind::Paused);
        }
        s.wait(cx);
        Poll::Pending
    }
}

/// The error a cancelled run's client sees, the cancel noted once.
fn cancelled(hub: &SharedRecorder) -> io::Error {
    let mut h = lock(hub);
    if !h.cancelled {
        h.cancelled = true;
        h.local(Side::Client, EventKind::Note(Note::Cancelled));
    }
    io::Error::new(io::ErrorKind::Interrupted, CancelledRun)
}

/// An HTTP/1.1 GET of `path` from `host`, the connection closed after the answer; a client that
/// names itself (`connect`, to someone else's server) says so and takes any type of answer.
pub(crate) fn get_request(path: &str, host: &str, user_agent: Option<&str>) -> String {
    let identity = user_agent
        .map(|ua| format!("User-Agent: {ua}\r\nAccept: */*\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{identity}Connection: close\r\n\r\n")
}

/// The server's socket in a loopback run, held before each of its flights (step mode), at its
/// write; what it reads passes. Its shutdown only flushes: the server sends close_notify and
/// lets the client close the connection first. (`benches/handshake.rs`'s bare server closes the
/// same way, with `Unshut`: keep the two alike.)
struct Held {
    inner: TcpStream,
    stepper: Option<Stepper>,
    hub: SharedRecorder,
}

impl tokio::io::AsyncRead for Held {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Held {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }
    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // A cancelled run ends at the client; the server's write goes on as it would.
        if let Some(st) = &self.stepper
            && let Poll::Pending = st.poll_flight(Dir::ServerToClient, cx, &self.hub)
        {
            return Poll::Pending;
        }
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
    /// The server's TLS close (close_notify) does not close the socket: the client closes
    /// first (see the server task in `run_with`).
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
}

/// The loopback server's HTTP, by the stack `serve` uses (hyper): one request on `io`, answered
/// with a greeting to the client by name (`who`), then the connection closes. The answer's bytes
/// are plain and fixed: no Date header, the headers' names as written. (The handshake bench's
/// bare server answers with it too.)
pub async fn greet_once<IO>(io: IO, who: String) -> Result<(), hyper::Error>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let service = hyper::service::service_fn(move |_request| {
        let body = format!("Hello, {who}\n");
        async move {
            hyper::Response::builder()
                .header(hyper::header::CONTENT_TYPE, "text/plain")
                .header(hyper::header::CONTENT_LENGTH, body.len())
                .header(hyper::header::CONNECTION, "close")
                .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
        }
    });
    hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .title_case_headers(true)
        .auto_date_header(false)
        .max_buf_size(8192)
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .await
}

/// The I/O error a cancelled run's socket returns (a type, so nothing reads its text).
#[derive(Debug)]
pub(crate) struct CancelledRun;

impl std::fmt::Display for CancelledRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for CancelledRun {}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub outcome: Outcome,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub group: Option<String>,
    /// The client as the server authenticated it (its certificate's subject), if it did.
    pub client_identity: Option<String>,
    /// The server's answer to the request, when there was one.
    pub response: Option<String>,
    /// SSLKEYLOGFILE lines: Wireshark and tshark can decrypt the same connection with them.
    pub keylog: Secrets,
    /// The bytes that crossed the connection, for a pcapng capture (loopback runs).
    pub wire: certbench_wire::pcap::Wire,
}

/// Whether a run worked: one truth, and what it holds when it did not.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The handshake worked, and so did the request when there was one.
    Worked,
    /// A side caught something: who caught what, with which alerts, after which message.
    Failed(Box<Failure>),
    /// It did not work and no side said why: the request got no answer, or a connection ended
    /// before its handshake did.
    Unexplained,
}

impl Summary {
    /// What the two sides agreed on, as far as it is known: the version, the cipher suite, the
    /// key exchange group.
    pub fn agreed(&self) -> Vec<&str> {
        [
            self.version.as_deref(),
            self.cipher_suite.as_deref(),
            self.group.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The handshake worked, and so did the request when there was one.
    pub fn ok(&self) -> bool {
        self.outcome == Outcome::Worked
    }

    /// Who caught what, when a side caught something.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Failed(f) => Some(f.as_ref()),
            Outcome::Worked | Outcome::Unexplained => None,
        }
    }
}

/// Why a run failed, from both sides.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Failure {
    /// The side that found the problem (the other side only learned of it).
    pub detected_by: Side,
    pub cause: Cause,
    /// The rustls error on the detecting side, as rustls's source spells it.
    pub error: Option<String>,
    /// The alert the detecting side sent, as seen on the wire; `None` when none crossed it.
    pub alert_sent: Option<Alert>,
    /// The alert the other side reported receiving; `None` when it saw only the connection end.
    pub alert_received: Option<Alert>,
    /// The last handshake message that got through before it stopped.
    pub stopped_after: Option<Step>,
    /// The certificate at fault, and its field (an Inspect field key), when a verifier refused one.
    pub culprit: Option<Culprit>,
    /// The one side certbench observed from within, when the other is someone else's program
    /// (`serve`, `connect`): what that other side received is not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_side: Option<Side>,
}

impl Failure {
    /// It failed before any handshake message or alert crossed the wire (a name that does not
    /// resolve, a refused port, a listener that cannot bind).
    pub fn before_tls(&self) -> bool {
        self.stopped_after.is_none() && self.alert_sent.is_none() && self.alert_received.is_none()
    }

    /// Whether what the side other than the detecting one received is known.
    pub fn receiver_known(&self) -> bool {
        self.observed_side.is_none_or(|s| s != self.detected_by)
    }
}

/// A handshake message and who sent it.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Step {
    pub message: certbench_wire::names::HandshakeType,
    pub from: Side,
}

/// The certificate at fault.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Culprit {
    /// Whose certificate it is.
    pub side: Side,
    /// What the user calls it (the workspace name), when the run knows.
    pub certificate: Option<String>,
    pub subject: String,
    /// Who issued it (an unknown issuer is the cause when it is not among the anchors).
    pub issuer: String,
    /// The Inspect field that is the cause (`not_after`, `ext.subjectAltName`, ...).
    pub field: &'static str,
    /// How many intermediates the peer sent with it (for a chain verdict).
    pub intermediates: Option<usize>,
    /// Its issuer is its subject: nobody but itself vouches for it.
    pub self_signed: bool,
    /// What in the field is wrong, when certbench can say more than the cause (which name broke
    /// which CA's name constraint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<certbench_x509::verify::Finding>,
    /// The certificate (DER), to open in the Inspector.
    #[serde(skip)]
    pub der: Arc<Vec<u8>>,
    /// The other certificates the peer sent (DER), to open with it: its chain.
    #[serde(skip)]
    pub others: Arc<Vec<Vec<u8>>>,
    /// What the judging side trusted (DER): to judge the culprit again as the run judged it
    /// (a lab scenario's CAs exist nowhere else).
    #[serde(skip)]
    pub anchors: Arc<Vec<Vec<u8>>>,
    /// How the workspace issued it, when it is the peer's own workspace certificate.
    #[serde(skip)]
    pub origin: Option<crate::material::Origin>,
}

/// Secrets, as SSLKEYLOGFILE lines. Whoever has them reads the connection: they go only where the
/// user asks (files of mode 0600), never into a transcript or a log; `Debug` says how many there
/// are, not what they are. The lines are made when first asked for.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Secrets(certbench_wire::keylog::KeyLog);

impl Secrets {
    pub fn lines(&self) -> &[String] {
        self.0.lines()
    }

    /// The secrets as values: label, client random, secret.
    pub fn entries(&self) -> &[certbench_wire::keylog::Entry] {
        self.0.entries()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<certbench_wire::keylog::KeyLog> for Secrets {
    fn from(log: certbench_wire::keylog::KeyLog) -> Secrets {
        Secrets(log)
    }
}

/// Run one handshake on the workspace's certificates and the request after it.
pub async fn run(opts: &RunOptions, events: UnboundedSender<Event>) -> Result<Summary, RunError> {
    let material = opts.material()?;
    let mut summary = run_with(&material, &opts.choices(), &opts.control, events).await?;
    name_culprit(&mut summary, &opts.dir);
    Ok(summary)
}

/// A certificate at fault that its peer did not send as its own (an intermediate above it) gets
/// its workspace name too, read from the workspace only once something failed: the fix can say
/// which certificate to renew.
fn name_culprit(summary: &mut Summary, dir: &std::path::Path) {
    let Outcome::Failed(f) = &mut summary.outcome else {
        return;
    };
    let Some(c) = f.culprit.as_mut().filter(|c| c.certificate.is_none()) else {
        return;
    };
    if let Ok(ws) = certbench_pki::workspace::Workspace::open(dir) {
        c.certificate = ws.entity_of(&c.der).map(|e| e.name.clone());
    }
}

/// Run one handshake with `material` and `choices`, and the request after it; events go to
/// `events` as they happen.
pub async fn run_with(
    material: &Material,
    choices: &Choices,
    control: &Control,
    events: UnboundedSender<Event>,
) -> Result<Summary, RunError> {
    run_prepared(
        &Prepared::new(material, choices)?,
        material,
        control,
        events,
    )
    .await
}

/// The configs of runs of one material and choices, made once for many (`handshake --count`
/// measures handshakes, not the reading of keys): their verifiers and key logs report to the run
/// under way. The client resumes nothing, so each run is a full handshake as the first was.
pub struct Prepared {
    server: Arc<rustls::ServerConfig>,
    client: Arc<rustls::ClientConfig>,
    server_name: rustls::pki_types::ServerName<'static>,
}

impl Prepared {
    pub fn new(material: &Material, choices: &Choices) -> Result<Prepared, RunError> {
        let server_name = config::server_name(choices)?;
        let reporter: Arc<dyn Reporter> = Arc::new(crate::recorder::PerConnection);
        let (server, client) = config::build(material, choices, Some(reporter))?;
        Ok(Prepared {
            server: Arc::new(server),
            client: Arc::new(client),
            server_name,
        })
    }
}

/// One run with configs `prepared` from `material` (see [`run_with`]).
pub async fn run_prepared(
    prepared: &Prepared,
    material: &Material,
    control: &Control,
    events: UnboundedSender<Event>,
) -> Result<Summary, RunError> {
    let server_name = prepared.server_name.clone();
    // The crypto library seeds its random generator on first use, some 40 ms once per process:
    // done before the clock starts, so the timeline shows the handshake and not that.
    let _ = aws_lc_rs::rand::fill(&mut [0u8; 1]);
    let hub = Recorder::shared(Box::new(move |e| {
        let _ = events.send(e);
    }));

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(RunError::Listen)?;
    let addr = listener.local_addr().map_err(RunError::Listen)?;
    // Both sides are certbench's: what the events keep stays shared with what it was read from.
    lock(&hub).set_compact(false);
    lock(&hub).local(Side::Server, EventKind::Note(Note::Listening { addr }));
    {
        // The bytes are kept for a capture (`--pcap`, `w`), with the clock they are timed by.
        let mut h = lock(&hub);
        let since_start = h.start.elapsed();
        let start_unix_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.saturating_sub(since_start).as_micros() as u64)
            .unwrap_or_default();
        h.wire = Some(certbench_wire::pcap::Wire {
            server_port: addr.port(),
            start_unix_us,
            ..Default::default()
        });
    }

    let acceptor = tokio_rustls::TlsAcceptor::from(prepared.server.clone());
    let server_hub = hub.clone();
    let server_stepper = control.stepper.clone();
    let count_after_handshake = control.count_after_handshake;
    // Each side's verdicts and secrets go to this run's recorder (`PerConnection`).
    // Both sides' futures are boxed: each holds a TLS connection and an HTTP server, kilobytes
    // that would otherwise be copied whenever the run's future or the task moves.
    let server_task = tokio::spawn(crate::recorder::within(
        hub.clone(),
        Box::pin(async move {
            let (tcp, peer) = match listener.accept().await {
                Ok(a) => a,
                Err(e) => {
                    lock(&server_hub)
                        .failed(Side::Server, &e, |cause| Note::HandshakeFailed { cause });
                    return None;
                }
            };
            // Small TLS flights must not wait for delayed ACKs (Nagle's 40 ms stall on loopback).
            let _ = tcp.set_nodelay(true);
            lock(&server_hub).local(Side::Server, EventKind::Note(Note::Accepted { peer }));
            let held = Held {
                inner: tcp,
                stepper: server_stepper,
                hub: server_hub.clone(),
            };
            let mut tls = match acceptor.accept(held).await {
                Ok(t) => t,
                Err(e) => {
                    lock(&server_hub)
                        .failed(Side::Server, &e, |cause| Note::HandshakeFailed { cause });
                    return None;
                }
            };
            {
                let mut hub = lock(&server_hub);
                if count_after_handshake {
                    hub.count_after_handshake_of(Side::Server);
                }
                hub.local(Side::Server, EventKind::Note(Note::HandshakeComplete));
            }
            let identity = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| certbench_x509::report::brief(c).ok());
            if identity.is_none() {
                lock(&server_hub).local(Side::Server, EventKind::Note(Note::NoClientIdentity));
            }
            let who = identity
                .as_ref()
                .and_then(|r| r.common_name.clone())
                .unwrap_or_else(|| "stranger".into());
            let served = greet_once(&mut tls, who).await;
            if let Err(e) = served {
                let mut hub = lock(&server_hub);
                match std::error::Error::source(&e).and_then(|s| s.downcast_ref::<io::Error>()) {
                    Some(io) => hub.failed(Side::Server, io, |cause| Note::RequestFailed { cause }),
                    None => hub.fail(Side::Server, Cause::HttpMalformed, None, |cause| {
                        Note::RequestFailed { cause }
                    }),
                }
                return None;
            }
            // hyper's close sent close_notify (the socket stays open: see `Held`); the client closes
            // the connection first. Whichever side closes first keeps its port in TIME_WAIT for a
            // minute: on the client's ephemeral port the kernel reuses it on loopback, but on the
            // listener's side thousands of runs in a row (--count) would make every new listen slower.
            let mut rest = [0u8; 256];
            while matches!(tls.read(&mut rest).await, Ok(n) if n > 0) {}
            Some(identity.map(|r| r.subject))
        }),
    ));

    let connector = tokio_rustls::TlsConnector::from(prepared.client.clone());
    let client_hub = hub.clone();
    let stepper = control.stepper.clone();
    let client = Box::pin(async move {
        let tcp = match TcpStream::connect(addr).await {
            Ok(t) => t,
            Err(e) => {
                lock(&client_hub).failed(Side::Client, &e, |cause| Note::ConnectFailed { cause });
                return None;
            }
        };
        let _ = tcp.set_nodelay(true);
        if let (Ok(local), Some(wire)) = (tcp.local_addr(), lock(&client_hub).wire.as_mut()) {
            wire.client_port = local.port();
        }
        let tap = Tap {
            inner: tcp,
            hub: client_hub.clone(),
            side: Side::Client,
            stepper,
        };
        let mut tls = match connector.connect(server_name, tap).await {
            Ok(t) => t,
            Err(e) => {
                lock(&client_hub).failed(Side::Client, &e, |cause| Note::ConnectFailed { cause });
                return None;
            }
        };
        {
            let mut hub = lock(&client_hub);
            if count_after_handshake {
                hub.count_after_handshake_of(Side::Client);
            }
            hub.local(Side::Client, EventKind::Note(Note::ConnectReturned));
        }
        let request = get_request("/", "localhost", None);
        if let Err(e) = tls.write_all(request.as_bytes()).await {
            lock(&client_hub).failed(Side::Client, &e, |cause| Note::SendFailed { cause });
            return None;
        }
        let mut response = Vec::new();
        match tls.read_to_end(&mut response).await {
            Ok(_) => {
                // The server's close_notify ended the answer; ours ends the connection.
                let _ = tls.shutdown().await;
                Some(String::from_utf8_lossy(&response).into_owned())
            }
            Err(e) => {
                let mut hub = lock(&client_hub);
                // TLS 1.3's surprise: the server's verdict on the client arrives after connect().
                let tls13 =
                    hub.observer.version() == Some(certbench_wire::messages::Version::Tls13);
                hub.failed(Side::Client, &e, |cause| match cause {
                    Cause::AlertReceived { .. } if tls13 => Note::RefusedAfterConnect { cause },
                    cause => Note::FirstReadFailed { cause },
                });
                None
            }
        }
    });
    // A server still waiting when the run ends (a timeout) must not outlive it with its socket.
    let server_abort = server_task.abort_handle();
    let client = crate::recorder::within(hub.clone(), client);
    let outcome = tokio::time::timeout(control.timeout, async {
        let client_result = client.await;
        let server_result = server_task.await.ok().flatten();
        (client_result, server_result)
    })
    .await;
    server_abort.abort();
    let mut hub = lock(&hub);
    let (response, client_identity) = match outcome {
        Err(_) => {
            hub.timed_out(Side::Client, control.timeout.as_millis() as u64);
            (None, None)
        }
        Ok((response, identity)) => (response, identity.flatten()),
    };
    Ok(hub.finish(material, response, client_identity, true))
}

#[cfg(test)]
mod tests {
    /// The requests on the wire, as RFC 9112 writes a GET: the loopback's bare, `connect`'s
    /// naming itself.
    #[test]
    fn requests_are_plain_http_1_1() {
        assert_eq!(
            get_request("/", "localhost", None),
            "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(
            get_request("/x", "svc:8443", Some("certbench")),
            "GET /x HTTP/1.1\r\nHost: svc:8443\r\nUser-Agent: certbench\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
    }

    use super::*;
    use certbench_pki::workspace::{SetOptions, Workspace};
    use std::time::Instant;

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
            opts.control.stepper = Some(stepper.clone());
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let run = tokio::spawn(async move { run(&opts, tx).await });
            // Paused before the first flight: no ClientHello until we say so.
            let next_pause = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>| {
                let mut seen = Vec::new();
                loop {
                    match rx.try_recv() {
                        Ok(e) if e.kind == EventKind::Paused => return (true, seen),
                        Ok(e) => seen.push(e.code()),
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
            assert!(!summary.ok());
            let f = summary.failure().unwrap();
            assert_eq!(f.detected_by, Side::Client);
            assert_eq!(f.cause, Cause::Cancelled);
        });
    }

    /// A run held 300 ms before each of its first flights: the times leave the pauses out (the
    /// hold is counted apart, in `paused_us`), so the ClientHello comes right after its pause.
    #[test]
    fn step_mode_times_leave_the_pauses_out() {
        let dir = demo_workspace();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let events = rt.block_on(async {
            let stepper = Stepper::new(true);
            let mut opts = RunOptions::new(dir.path());
            opts.control.stepper = Some(stepper.clone());
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let run = tokio::spawn(async move { run(&opts, tx).await });
            for _ in 0..2 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                stepper.next();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            stepper.cancel();
            let _ = run.await;
            let mut events = Vec::new();
            while let Ok(e) = rx.try_recv() {
                events.push(e);
            }
            events
        });
        let at = |code: &str| events.iter().find(|e| e.code() == code).unwrap();
        let (pause, hello, server_hello) = (at("paused"), at("ClientHello"), at("ServerHello"));
        assert!(
            hello.paused_us >= 250_000 && server_hello.paused_us >= 500_000,
            "held: {} and {} µs",
            hello.paused_us,
            server_hello.paused_us
        );
        // The server is held at its write, after its work: its secrets are derived (and its
        // flight signed) before its pause, so that work counts in the times.
        let order: Vec<String> = events
            .iter()
            .filter(|e| e.side == Side::Server || e.code() == "ClientHello")
            .map(Event::code)
            .filter(|c| c != "listening" && c != "accepted")
            .collect();
        let at_index = |c: &str| order.iter().position(|x| x == c).unwrap();
        assert!(
            at_index("ClientHello") < at_index("SERVER_HANDSHAKE_TRAFFIC_SECRET")
                && at_index("SERVER_HANDSHAKE_TRAFFIC_SECRET") < at_index("paused")
                && at_index("paused") < at_index("ServerHello"),
            "{order:?}"
        );
        // Without the hold, the ClientHello leaves within a fraction of the pause.
        assert!(
            hello.t_us - pause.t_us < 150_000 && server_hello.t_us < 300_000,
            "times: pause {} µs, ClientHello {} µs, ServerHello {} µs",
            pause.t_us,
            hello.t_us,
            server_hello.t_us
        );
    }

    #[test]
    fn a_stalled_run_times_out_and_the_timeline_says_so() {
        let dir = demo_workspace();
        // Step mode with nobody pressing space: the client never sends its ClientHello.
        let mut opts = RunOptions::new(dir.path());
        opts.control.stepper = Some(Stepper::new(true));
        opts.control.timeout = Duration::from_millis(300);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let started = Instant::now();
        let summary = rt.block_on(run(&opts, tx)).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!summary.ok());
        let f = summary.failure().unwrap();
        assert_eq!(f.detected_by, Side::Client);
        assert_eq!(f.cause, Cause::TimedOut { after_ms: 300 });
        let mut last = None;
        while let Ok(e) = rx.try_recv() {
            last = Some(e.kind);
        }
        assert_eq!(
            last,
            Some(EventKind::Note(Note::TimedOut { after_ms: 300 }))
        );
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
                let first_hello = e.code() == "ClientHello";
                seen.push(e.code());
                if first_hello {
                    assert!(
                        !run.is_finished(),
                        "the ClientHello arrived only after the run ended"
                    );
                    break;
                }
            }
            let summary = run.await.unwrap().unwrap();
            assert!(summary.ok(), "{summary:?}");
            // Everything after the ClientHello is still to come on the channel.
            let mut rest = Vec::new();
            while let Ok(e) = rx.try_recv() {
                rest.push(e.code());
            }
            assert!(
                rest.iter().any(|m| m == "Finished"),
                "{seen:?} then {rest:?}"
            );
        });
    }

    /// `handshake --count` shows no events: after each side's handshake the bytes it sends are
    /// counted and captured, not read. The handshake is read as ever, TLS 1.3's and TLS 1.2's
    /// (both Finished messages, RFC 8446 4.4.4 and RFC 5246 7.4.9; in TLS 1.2 the server's
    /// crosses after its accept() returned), the answer still comes, and the key log still holds
    /// the application traffic secrets a capture needs (RFC 8446 7.1). Read in full, the server's
    /// tickets and answer and the client's request are events.
    #[test]
    fn a_counting_run_reads_the_handshake_and_counts_what_follows() {
        let dir = demo_workspace();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let run_with = |count: bool, client: bool, version: TlsVersion| {
            let mut opts = RunOptions::new(dir.path());
            opts.control.count_after_handshake = count;
            opts.version = version;
            if !client {
                opts.material.client = None;
            }
            rt.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let summary = run(&opts, tx).await.unwrap();
                let mut wire = Vec::new();
                while let Ok(e) = rx.try_recv() {
                    if matches!(e.kind, EventKind::Wire(_)) {
                        wire.push((e.side, e.code()));
                    }
                }
                (summary, wire)
            })
        };
        // What `side` sent after its own Finished, as events.
        let after_finished = |wire: &[(Side, String)], side: Side| -> Vec<String> {
            let finished = wire
                .iter()
                .position(|(s, code)| *s == side && code == "Finished")
                .unwrap_or_else(|| panic!("{side:?}'s Finished is not read: {wire:?}"));
            wire[finished + 1..]
                .iter()
                .filter(|(s, _)| *s == side)
                .map(|(_, code)| code.clone())
                .collect()
        };

        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let (summary, wire) = run_with(true, true, version);
            assert!(summary.ok(), "{summary:?}");
            assert!(
                summary
                    .response
                    .as_deref()
                    .is_some_and(|r| r.contains("Hello, alice")),
                "{summary:?}"
            );
            assert_eq!(after_finished(&wire, Side::Server), Vec::<String>::new());
            assert_eq!(after_finished(&wire, Side::Client), Vec::<String>::new());

            let (summary, wire) = run_with(false, true, version);
            assert!(summary.ok(), "{summary:?}");
            assert!(
                after_finished(&wire, Side::Server).contains(&"ApplicationData".to_string())
                    && after_finished(&wire, Side::Client).contains(&"ApplicationData".to_string()),
                "{wire:?}"
            );
        }
        let (summary, wire) = run_with(true, true, TlsVersion::Tls13);
        let labels: Vec<&str> = summary
            .keylog
            .entries()
            .iter()
            .map(|e| e.label.as_ref())
            .collect();
        for label in ["CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"] {
            assert!(labels.contains(&label), "{labels:?}");
        }
        let (_, full) = run_with(false, true, TlsVersion::Tls13);
        assert!(
            after_finished(&full, Side::Server).contains(&"NewSessionTicket".to_string()),
            "{full:?} against {wire:?}"
        );

        // A client without a certificate is refused: in TLS 1.3 after its Finished, with the
        // server's certificate_required alert (116, RFC 8446 6.2). Counting, the failure is
        // explained as in a run read in full.
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            let (counted, _) = run_with(true, false, version);
            let (full, _) = run_with(false, false, version);
            let (counted, full) = (counted.failure().unwrap(), full.failure().unwrap());
            if version == TlsVersion::Tls13 {
                assert_eq!(counted.alert_sent, Some(Alert(116)), "{counted:?}");
            }
            assert_eq!(counted, full);
        }
    }
}
