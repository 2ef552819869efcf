//! `serve`: an HTTPS server with mutual TLS, for clients nobody here wrote (curl, a browser, Go,
//! Java, Python). Every connection gets its own recorder: the timeline seen from the server's
//! socket, decrypted with the server's own secrets, the verdict on the client's certificate, and
//! a failure explained as the lab explains one. After the handshake comes real HTTP/1.1 (hyper:
//! keep-alive, several requests per connection), and after authentication, authorization: the
//! `--allow` rules on the client's identity decide 200 or 403.
//!
//! One rustls config serves every connection; its verifier and key log report to the recorder of
//! the connection whose task is running ([`recorder::within`]), so each verdict and secret lands
//! on its own timeline.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};

use crate::event::{Event, EventKind, Note};
use crate::material::Material;
use crate::run::{Failure, Secrets};
use crate::{
    config, config::Choices, config::ClientAuth, config::ConfigError, config::Reporter,
    config::TlsVersion,
};
use crate::{
    recorder, recorder::Recorder, recorder::SharedRecorder, recorder::Tap, recorder::lock,
};
use certbench_cause::Cause;
use certbench_wire::Side;

pub use crate::authorize::{Authorization, ClientIdentity, Rule, RuleError};

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// `localhost`: with `listen` on 127.0.0.1, listen on ::1 at the same port too, so that a
    /// client that resolves localhost to ::1 first reaches the server (where this machine has
    /// IPv6 at all).
    pub localhost: bool,
    /// The versions the server offers and whether it asks for a client certificate.
    pub choices: Choices,
    /// Who may have a 200 after authenticating; empty: every authenticated client.
    pub allow: Vec<Rule>,
    /// Connections handled at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// A handshake that takes longer ends the connection (a client that connects and says
    /// nothing).
    pub handshake_timeout: Duration,
    /// A connection that moves no byte for this long is closed (a slow or idle client).
    pub idle_timeout: Duration,
    /// A connection is closed after this long, however busy (after the answer under way): a
    /// client cannot hold a slot for ever.
    pub max_lifetime: Duration,
    /// Keep each connection's events for its transcript (`--json`).
    pub keep_events: bool,
    /// Send each event as it happens (the TUI's live timeline).
    pub live_events: bool,
    /// Keep each connection's bytes (its first [`certbench_wire::pcap::MAX_WIRE_BYTES`]) for a
    /// capture (`Connection::wire`).
    pub capture: bool,
}

/// `serve`'s defaults, the CLI's and the TUI's alike.
pub mod defaults {
    /// The port it listens on.
    pub const PORT: u16 = 8443;
    /// Connections handled at once.
    pub const MAX_CONNECTIONS: usize = 256;
    /// Seconds a client has to finish its handshake.
    pub const HANDSHAKE_TIMEOUT_S: u64 = 10;
    /// Seconds a connection may move no byte.
    pub const IDLE_TIMEOUT_S: u64 = 30;
}

impl ServeOptions {
    pub fn new(listen: SocketAddr, choices: Choices) -> ServeOptions {
        ServeOptions {
            listen,
            localhost: false,
            choices,
            allow: vec![],
            max_connections: defaults::MAX_CONNECTIONS,
            handshake_timeout: Duration::from_secs(defaults::HANDSHAKE_TIMEOUT_S),
            idle_timeout: Duration::from_secs(defaults::IDLE_TIMEOUT_S),
            max_lifetime: Duration::from_secs(300),
            keep_events: false,
            live_events: false,
            capture: false,
        }
    }

    /// What `serve` offers unless told otherwise, on `listen`: TLS 1.3 and 1.2 (or `version`
    /// alone), asking for a client certificate as `client_auth` says.
    pub fn offering(
        listen: SocketAddr,
        version: Option<TlsVersion>,
        client_auth: ClientAuth,
    ) -> ServeOptions {
        let mut choices = Choices::same(TlsVersion::Tls13, None, None, "localhost");
        choices.server.versions = match version {
            Some(v) => vec![v],
            None => vec![TlsVersion::Tls13, TlsVersion::Tls12],
        };
        choices.client_auth = client_auth;
        ServeOptions::new(listen, choices)
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{addr} is in use by another program")]
    InUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every request was answered 200.
    Ok,
    /// The handshake failed: `failure` says who caught what.
    HandshakeFailed,
    /// The handshake did not finish in time.
    TimedOut,
    /// Authenticated, then refused (403) by the `--allow` rules.
    Forbidden,
    /// The handshake succeeded and the client asked for nothing.
    NoRequest,
    /// The HTTP exchange failed (a malformed request, a client gone mid-request, a request
    /// too slow to arrive).
    HttpFailed,
    /// The server stopped (Ctrl-C) while the connection was open.
    Stopped,
}

/// One connection, start to end.
#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub id: u64,
    pub peer: SocketAddr,
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    pub outcome: Outcome,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub group: Option<String>,
    /// The client as its certificate names it, when it sent one that was accepted.
    pub client: Option<ClientIdentity>,
    /// Who caught what, when the handshake failed (in a transcript, with its words).
    #[serde(skip)]
    pub failure: Option<Failure>,
    /// The handshake finished (`handshake_ms` is then its time; else the time until it
    /// failed or was cut off).
    pub handshake_done: bool,
    /// What ended the HTTP exchange, when it failed (`http_failed`).
    pub http_cause: Option<Cause>,
    /// After the handshake: the `--allow` decision.
    pub authorization: Option<Authorization>,
    pub requests: u32,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    /// From the accept to the end of the handshake (or of the connection when it failed).
    pub handshake_ms: f64,
    pub duration_ms: f64,
    /// The timeline (with `keep_events`).
    #[serde(skip)]
    pub events: Vec<Event>,
    /// Events not kept: over the cap per connection.
    #[serde(skip)]
    pub events_dropped: u64,
    /// Application data left out of the events: over the byte budget per connection.
    #[serde(skip)]
    pub plaintext_trimmed: u64,
    /// Events the live channel (the TUI) did not take: it was full.
    #[serde(skip)]
    pub live_dropped: u64,
    /// SSLKEYLOGFILE lines of this connection: never in a transcript or a log.
    #[serde(skip)]
    pub keylog: Secrets,
    /// The bytes that crossed, for a capture (with `capture`).
    #[serde(skip)]
    pub wire: certbench_wire::pcap::Wire,
}

impl Outcome {
    /// Its code, as the JSON and the metrics name it.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::HandshakeFailed => "handshake_failed",
            Outcome::TimedOut => "timed_out",
            Outcome::Forbidden => "forbidden",
            Outcome::NoRequest => "no_request",
            Outcome::HttpFailed => "http_failed",
            Outcome::Stopped => "stopped",
        }
    }
}

impl Connection {
    /// Whether the TLS handshake itself succeeded (whatever came after it).
    pub fn handshake_ok(&self) -> bool {
        self.handshake_done && self.failure.is_none()
    }

    /// The connection as a run's summary (what the lab's explanations read): `ok` when the
    /// handshake succeeded.
    pub fn summary(&self) -> crate::run::Summary {
        let outcome = match &self.failure {
            Some(f) => crate::run::Outcome::Failed(Box::new(f.clone())),
            None if self.handshake_done => crate::run::Outcome::Worked,
            None => crate::run::Outcome::Unexplained,
        };
        crate::run::Summary {
            outcome,
            version: self.version.clone(),
            cipher_suite: self.cipher_suite.clone(),
            group: self.group.clone(),
            client_identity: self.client.as_ref().map(|i| i.subject.clone()),
            response: None,
            keylog: self.keylog.clone(),
            wire: Default::default(),
        }
    }
}

/// What the server reports as it runs.
#[derive(Debug, Clone)]
pub enum Update {
    Accepted {
        id: u64,
        peer: SocketAddr,
    },
    /// An event of connection `id`, as it happens (with `live_events`).
    Event {
        id: u64,
        event: Event,
    },
    Finished(Box<Connection>),
    /// An accept failed (too many open files, say): the server waits a moment and goes on.
    AcceptFailed {
        cause: Cause,
    },
}

/// Events kept per connection at most, and the plaintext they carry: a client cannot grow the
/// server's memory without bound.
const MAX_EVENTS: usize = 4096;
const MAX_PLAINTEXT: usize = 256 * 1024;
/// The bytes that carried each message (records and the message's own, for the pane's bytes view)
/// kept per connection at most; a handshake takes some 10 KB.
pub const MAX_CARRIED: usize = 64 * 1024;
/// A request line and headers larger than this are refused (hyper's default is 400 KB).
const MAX_HEADERS: usize = 16 * 1024;

/// A server, bound and ready.
pub struct Server {
    /// One, or 127.0.0.1 and ::1 for `localhost`.
    listeners: Vec<TcpListener>,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
}

struct Shared {
    material: Material,
    opts: ServeOptions,
    next_id: AtomicU64,
}

impl Server {
    /// Build the config for `material` and bind `opts.listen`.
    pub async fn bind(material: Material, opts: ServeOptions) -> Result<Server, ServeError> {
        let reporter: Arc<dyn Reporter> = Arc::new(recorder::PerConnection);
        let mut config = config::server_config(&material, &opts.choices, Some(reporter))?;
        // No resumption: every connection is a full handshake, its client's certificate and
        // verdict on its timeline (a resumed one would show neither).
        config.send_tls13_tickets = 0;
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        let listeners = crate::listen::bind(opts.listen, opts.localhost)
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AddrInUse => ServeError::InUse { addr: opts.listen },
                _ => ServeError::Listen {
                    addr: opts.listen,
                    source,
                },
            })?;
        Ok(Server {
            listeners,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            shared: Arc::new(Shared {
                material,
                opts,
                next_id: AtomicU64::new(1),
            }),
        })
    }

    /// Where it listens (the first address, for `localhost` 127.0.0.1).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        crate::listen::first_addr(&self.listeners)
    }

    /// Every address it listens on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Serve until `shutdown` completes; then stop accepting and end the connections still
    /// open. Every connection's end is sent to `updates` (which the caller must keep reading).
    pub async fn run(self, updates: mpsc::Sender<Update>, shutdown: impl Future<Output = ()>) {
        let limit = Arc::new(Semaphore::new(self.shared.opts.max_connections.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        // Told to every connection when the server stops, so each ends and is reported.
        let (stopping, stop) = tokio::sync::watch::channel(false);
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                p = limit.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let accepted = tokio::select! {
                a = crate::listen::accept(&self.listeners) => a,
                () = &mut shutdown => break,
            };
            // Reap what has ended, so the set does not grow with the server's uptime.
            while tasks.try_join_next().is_some() {}
            let (tcp, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    let _ = updates.try_send(Update::AcceptFailed {
                        cause: Cause::from_io(&e),
                    });
                    // Out of descriptors, say: wait for connections to end rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
            // Sent for sure (a gauge of open connections counts on it).
            let _ = updates.send(Update::Accepted { id, peer }).await;
            let shared = self.shared.clone();
            let acceptor = self.acceptor.clone();
            let updates = updates.clone();
            let stop = stop.clone();
            tasks.spawn(async move {
                let connection = handle(&shared, acceptor, tcp, peer, id, &updates, stop).await;
                drop(permit);
                let _ = updates.send(Update::Finished(Box::new(connection))).await;
            });
        }
        // No more accepts; the open connections end (an HTTP one after the request it is
        // answering) and are reported, or are dropped after two seconds.
        drop(self.listeners);
        let _ = stopping.send(true);
        let ended = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(2), ended)
            .await
            .is_err()
        {
            tasks.shutdown().await;
        }
    }
}

/// What the HTTP service knows of its connection.
struct Context {
    rec: SharedRecorder,
    client: Option<ClientIdentity>,
    authorization: Authorization,
    version: Option<String>,
    cipher_suite: Option<String>,
    group: Option<String>,
    requests: AtomicU32,
    forbidden: AtomicU32,
    /// Bytes from the client when its handshake was over: more, and no request, is a request
    /// begun and not finished.
    bytes_at_handshake: u64,
}

async fn handle(
    shared: &Shared,
    acceptor: tokio_rustls::TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
    id: u64,
    updates: &mpsc::Sender<Update>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Connection {
    let opts = &shared.opts;
    let started = OffsetDateTime::now_utc();
    let t0 = Instant::now();
    let _ = tcp.set_nodelay(true);
    let kept: Arc<Mutex<Kept>> = Arc::default();
    let sink = {
        let kept = kept.clone();
        let (keep, live) = (opts.keep_events, opts.live_events);
        let updates = updates.clone();
        Box::new(move |event: Event| {
            let mut k = kept.lock().unwrap_or_else(|e| e.into_inner());
            if !keep && !live {
                return;
            }
            // What a client sends is kept up to a budget: past it, events keep their sizes
            // and lose their plaintext.
            let event = match plaintext_len(&event) {
                Some(n) if k.plaintext + n > MAX_PLAINTEXT => {
                    k.trimmed += 1;
                    without_plaintext(event)
                }
                Some(n) => {
                    k.plaintext += n;
                    event
                }
                None => event,
            };
            if live
                && updates
                    .try_send(Update::Event {
                        id,
                        event: event.clone(),
                    })
                    .is_err()
            {
                k.live_dropped += 1;
            }
            if keep {
                if k.events.len() < MAX_EVENTS {
                    k.events.push(event);
                } else {
                    k.dropped += 1;
                }
            }
        })
    };
    let rec = Recorder::shared(sink);
    {
        let mut r = lock(&rec);
        r.carried_budget = MAX_CARRIED;
        // Events nobody keeps or watches are dropped at once: they hold nothing long. (A
        // capture alone keeps the connection's read buffers whole, up to its budget, and what
        // the recorder keeps of the handshake past it are slices of those same buffers.)
        r.set_compact(opts.keep_events || opts.live_events);
        r.only = Some(Side::Server);
        r.local(Side::Server, EventKind::Note(Note::Accepted { peer }));
        if opts.capture {
            let start_unix_us = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.saturating_sub(r.start.elapsed()).as_micros() as u64)
                .unwrap_or_default();
            r.wire = Some(certbench_wire::pcap::Wire {
                client_port: peer.port(),
                server_port: tcp.local_addr().map_or(0, |a| a.port()),
                start_unix_us,
                ..Default::default()
            });
        }
    }
    let tap = Tap {
        inner: tcp,
        hub: rec.clone(),
        side: Side::Server,
        stepper: None,
    };
    let accept = tokio::time::timeout(opts.handshake_timeout, acceptor.accept(tap));
    let accepted = tokio::select! {
        a = recorder::within(rec.clone(), accept) => Some(a),
        _ = stop.wait_for(|s| *s) => None,
    };
    let mut handshake_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let mut outcome = Outcome::HandshakeFailed;
    let mut context = None;
    let mut handshake_done = false;
    let mut http_cause = None;
    match accepted {
        None => outcome = Outcome::Stopped,
        Some(Err(_)) => {
            lock(&rec).timed_out(Side::Server, opts.handshake_timeout.as_millis() as u64);
            outcome = Outcome::TimedOut;
        }
        Some(Ok(Err(e))) => {
            lock(&rec).failed(Side::Server, &e, |cause| Note::HandshakeFailed { cause });
        }
        Some(Ok(Ok(tls))) => {
            handshake_ms = t0.elapsed().as_secs_f64() * 1000.0;
            handshake_done = true;
            let client = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| ClientIdentity::of(c));
            let authorization = Authorization::decide(&opts.allow, client.as_ref());
            let ctx = {
                let mut r = lock(&rec);
                // Application data is read only where it is shown or kept (the transcript, the
                // TUI's live timeline, a capture); otherwise it is counted.
                if !(opts.keep_events || opts.live_events || opts.capture) {
                    r.count_only();
                }
                r.local(Side::Server, EventKind::Note(Note::HandshakeComplete));
                r.local(
                    Side::Server,
                    EventKind::Note(match &client {
                        Some(c) => Note::ClientAuthenticated {
                            subject: c.subject.clone(),
                        },
                        None => Note::NoClientIdentity,
                    }),
                );
                r.local(
                    Side::Server,
                    EventKind::Note(Note::Authorization {
                        decision: authorization.clone(),
                    }),
                );
                Arc::new(Context {
                    rec: rec.clone(),
                    client,
                    authorization,
                    version: r.version.clone(),
                    cipher_suite: r.cipher_suite.clone(),
                    group: r.group.clone(),
                    requests: AtomicU32::new(0),
                    forbidden: AtomicU32::new(0),
                    bytes_at_handshake: r.bytes[0],
                })
            };
            let until = t0 + opts.max_lifetime;
            let http = serve_http(tls, ctx.clone(), opts.idle_timeout, until, stop);
            outcome = match recorder::within(rec.clone(), http).await {
                Err(Cause::Cancelled) => Outcome::Stopped,
                Err(cause) => {
                    lock(&rec).local(
                        Side::Server,
                        EventKind::Note(Note::RequestFailed {
                            cause: cause.clone(),
                        }),
                    );
                    http_cause = Some(cause);
                    Outcome::HttpFailed
                }
                Ok(()) if ctx.requests.load(Ordering::Relaxed) == 0 => Outcome::NoRequest,
                Ok(()) if ctx.forbidden.load(Ordering::Relaxed) > 0 => Outcome::Forbidden,
                Ok(()) => Outcome::Ok,
            };
            context = Some(ctx);
        }
    }
    let mut r = lock(&rec);
    let summary = r.finish(&shared.material, None, None, false);
    let failure = summary.failure().cloned();
    let k = std::mem::take(&mut *kept.lock().unwrap_or_else(|e| e.into_inner()));
    Connection {
        id,
        peer,
        started,
        outcome,
        version: summary.version,
        cipher_suite: summary.cipher_suite,
        group: summary.group,
        client: context.as_ref().and_then(|c| c.client.clone()),
        failure,
        handshake_done,
        http_cause,
        authorization: context.as_ref().map(|c| c.authorization.clone()),
        requests: context
            .as_ref()
            .map_or(0, |c| c.requests.load(Ordering::Relaxed)),
        bytes_received: r.bytes[0],
        bytes_sent: r.bytes[1],
        handshake_ms,
        duration_ms: t0.elapsed().as_secs_f64() * 1000.0,
        events: k.events,
        events_dropped: k.dropped,
        plaintext_trimmed: k.trimmed,
        live_dropped: k.live_dropped,
        keylog: summary.keylog,
        wire: summary.wire,
    }
}

/// What a connection's sink kept, and what it let go.
#[derive(Default)]
struct Kept {
    events: Vec<Event>,
    /// Over [`MAX_EVENTS`].
    dropped: u64,
    /// Plaintext bytes kept.
    plaintext: usize,
    /// Events whose plaintext went over [`MAX_PLAINTEXT`].
    trimmed: u64,
    live_dropped: u64,
}

/// The decrypted application data an event carries, if any.
fn plaintext_len(event: &Event) -> Option<usize> {
    match event.wire().map(|w| &w.what) {
        Some(crate::event::WireWhat::ApplicationData {
            plaintext: Some(p), ..
        }) => Some(p.len()),
        _ => None,
    }
}

/// The event with its application data's plaintext left out (its length stays), and the bytes
/// that carried it: they hold the same plaintext.
fn without_plaintext(mut event: Event) -> Event {
    if let EventKind::Wire(w) = &mut event.kind
        && let crate::event::WireWhat::ApplicationData { plaintext, .. } = &mut w.what
    {
        *plaintext = None;
        w.carried = None;
    }
    event
}

/// HTTP/1.1 on the connection until the client closes it, is idle for `idle`, or the server
/// stops (then `Cancelled`, after the answer under way).
async fn serve_http(
    mut tls: tokio_rustls::server::TlsStream<Tap>,
    ctx: Arc<Context>,
    idle: Duration,
    until: Instant,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), Cause> {
    // A client that connects and says nothing yet (a pool warming up) costs no HTTP buffers:
    // hyper starts with the first bytes after the handshake (or those that came with it, a
    // close_notify among them).
    let buffered = tls
        .get_mut()
        .1
        .process_new_packets()
        .is_ok_and(|s| s.plaintext_bytes_to_read() > 0 || s.peer_has_closed());
    if !buffered {
        enum Then {
            Serve,
            Stop,
            Idle,
        }
        let then = loop {
            let deadline = (lock(&ctx.rec).last_io + idle).min(until);
            tokio::select! {
                _ = tls.get_ref().0.inner.readable() => break Then::Serve,
                _ = stop.wait_for(|s| *s) => break Then::Stop,
                () = tokio::time::sleep_until(deadline.into()) => {
                    if lock(&ctx.rec).last_io.elapsed() >= idle || Instant::now() >= until {
                        break Then::Idle;
                    }
                }
            }
        };
        match then {
            Then::Serve => {}
            Then::Stop => {
                let _ = tokio::io::AsyncWriteExt::shutdown(&mut tls).await;
                return Err(Cause::Cancelled);
            }
            Then::Idle => {
                let _ = tokio::io::AsyncWriteExt::shutdown(&mut tls).await;
                return Ok(());
            }
        }
    }
    let service_ctx = ctx.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let ctx = service_ctx.clone();
        async move { Ok::<_, Infallible>(respond(&ctx, &req)) }
    });
    // A request whose headers trickle in (slowloris) is cut off a second after the idle time;
    // a connection where nothing moves at all is closed at the idle time, before that.
    let slow = idle + Duration::from_secs(1);
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(slow)
        .max_buf_size(MAX_HEADERS)
        .serve_connection(hyper_util::rt::TokioIo::new(tls), service);
    tokio::pin!(conn);
    let slow_ms = slow.as_millis() as u64;
    let stopped = loop {
        // Woken when the connection could have been idle for `idle` (or reached its end of
        // life): 10,000 idle connections cost no more than a timer each.
        let deadline = (lock(&ctx.rec).last_io + idle).min(until);
        tokio::select! {
            r = conn.as_mut() => return r.map_err(|e| http_cause(&e, slow_ms)),
            _ = stop.wait_for(|s| *s) => break true,
            () = tokio::time::sleep_until(deadline.into()) => {
                if lock(&ctx.rec).last_io.elapsed() >= idle || Instant::now() >= until {
                    break false;
                }
            }
        }
    };
    // The answer under way is finished, then the connection ends.
    conn.as_mut().graceful_shutdown();
    let r = match tokio::time::timeout(Duration::from_secs(1), conn.as_mut()).await {
        Ok(r) => r.map_err(|e| http_cause(&e, slow_ms)),
        Err(_) => Ok(()),
    };
    if stopped {
        r?;
        return Err(Cause::Cancelled);
    }
    // Idle with a request begun (bytes came after the handshake, no request was whole): the
    // client stalled in it, whichever of hyper's header timer and the window above ended first.
    let begun = lock(&ctx.rec).bytes[0] > ctx.bytes_at_handshake;
    if r.is_ok() && begun && ctx.requests.load(Ordering::Relaxed) == 0 {
        return Err(Cause::RequestIncomplete {
            after_ms: idle.as_millis() as u64,
        });
    }
    r
}

/// What ended the HTTP exchange; `slow_ms`: the time a request's headers had.
fn http_cause(e: &hyper::Error, slow_ms: u64) -> Cause {
    use std::error::Error as _;
    if let Some(io) = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()) {
        return Cause::from_io(io);
    }
    // hyper's only timer here is the one on a request's headers.
    if e.is_timeout() {
        return Cause::RequestIncomplete { after_ms: slow_ms };
    }
    if e.is_incomplete_message() {
        return Cause::ConnectionClosed;
    }
    Cause::HttpMalformed
}

/// The answer to one request: the page naming the client and what was agreed, as text or JSON;
/// 403 when the rules do not name the client.
fn respond(ctx: &Context, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    ctx.requests.fetch_add(1, Ordering::Relaxed);
    let json = req
        .headers()
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let allowed = ctx.authorization.allowed();
    let status = if allowed {
        StatusCode::OK
    } else {
        ctx.forbidden.fetch_add(1, Ordering::Relaxed);
        StatusCode::FORBIDDEN
    };
    lock(&ctx.rec).local(
        Side::Server,
        EventKind::Note(Note::Request {
            method: req.method().as_str().to_string(),
            path: certbench_base::text::display_safe(req.uri().path(), 200),
            status: status.as_u16(),
        }),
    );
    let page = Page {
        status: status.as_u16(),
        client: ctx.client.as_ref(),
        authorization: &ctx.authorization,
        tls: Tls {
            version: ctx.version.as_deref(),
            cipher_suite: ctx.cipher_suite.as_deref(),
            group: ctx.group.as_deref(),
        },
    };
    let (body, content_type) = if json {
        (
            serde_json::to_string_pretty(&page).unwrap_or_default() + "\n",
            "application/json",
        )
    } else {
        (page.text(), "text/plain; charset=utf-8")
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    response
}

#[derive(Serialize)]
struct Page<'a> {
    status: u16,
    client: Option<&'a ClientIdentity>,
    authorization: &'a Authorization,
    tls: Tls<'a>,
}

#[derive(Serialize)]
struct Tls<'a> {
    version: Option<&'a str>,
    cipher_suite: Option<&'a str>,
    group: Option<&'a str>,
}

impl Page<'_> {
    /// The page in words, from assets/peers.toml.
    fn text(&self) -> String {
        let words = crate::peers::peer_words("page");
        let say = |key: &str, values: &[(&'static str, String)]| {
            words
                .get(key)
                .map(|t| certbench_base::assets::fill(t, values))
                .unwrap_or_default()
        };
        let agreed = [self.tls.version, self.tls.cipher_suite, self.tls.group]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        let who = match self.client {
            Some(c) => say(
                "who",
                &[
                    ("subject", c.subject.clone()),
                    ("serial", c.serial.clone()),
                    ("issuer", c.issuer.clone()),
                ],
            ),
            None => say("who_anonymous", &[]),
        };
        let name = self
            .client
            .and_then(|c| c.common_name.clone())
            .unwrap_or_else(|| say("name_anonymous", &[]));
        let (key, rule) = match self.authorization {
            Authorization::Denied => ("denied", None),
            Authorization::Anonymous => ("anonymous", None),
            Authorization::Allowed { rule } => ("allowed", Some(rule.clone())),
            Authorization::NoRules => ("no_rules", None),
        };
        let mut values = vec![("who", who), ("name", name), ("agreed", agreed)];
        values.extend(rule.map(|r| ("rule", r)));
        say(key, &values)
    }
}

/// The workspace files a client of this server uses: the root it must trust (the top of the
/// server's chain), a client certificate, and the server's CN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryFiles {
    pub ca: Option<std::path::PathBuf>,
    pub client: Option<ClientFiles>,
    pub server_cn: String,
}

/// A client certificate's files: the leaf, the chain a client sends, the key, and what
/// `openssl s_client -cert_chain` adds to the leaf: the intermediate that issued it, when there
/// is one (the chain file holds the leaf too, which would then be sent twice); with more than
/// one, the chain file all the same (no file holds them without the leaf; servers take a leaf
/// sent twice); none under a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFiles {
    pub name: String,
    pub cert: std::path::PathBuf,
    pub chain: std::path::PathBuf,
    pub key: std::path::PathBuf,
    pub intermediate: Option<std::path::PathBuf>,
}

/// The files for trying a server of the workspace's certificate `server`: its root, and the
/// workspace's `client` (else its first client certificate).
pub fn try_files(ws: &certbench_pki::workspace::Workspace, server: &str) -> TryFiles {
    use certbench_x509::Role;
    let entity = |n: &str| ws.entities().iter().find(|e| e.name == n);
    let top = entity(server).and_then(|e| ws.root_of(e));
    // A client certificate whose key certbench holds (not one signed from a request).
    let usable = |e: &&certbench_pki::workspace::Entity| e.role == Role::Client && e.key.is_some();
    let client = entity("client")
        .filter(usable)
        .or_else(|| ws.entities().iter().find(usable))
        .and_then(|e| {
            Some(ClientFiles {
                name: e.name.clone(),
                cert: ws.path(&e.cert),
                chain: ws.path(e.chain.as_deref().unwrap_or(&e.cert)),
                key: ws.path(e.key.as_deref()?),
                intermediate: {
                    let issuer = e
                        .issuer
                        .as_deref()
                        .and_then(entity)
                        .filter(|i| i.role == Role::Intermediate);
                    let above = issuer
                        .and_then(|i| i.issuer.as_deref())
                        .and_then(entity)
                        .is_some_and(|i| i.role == Role::Intermediate);
                    match (issuer, above) {
                        (Some(_), true) => Some(ws.path(e.chain.as_deref().unwrap_or(&e.cert))),
                        (Some(i), false) => Some(ws.path(&i.cert)),
                        (None, _) => None,
                    }
                },
            })
        });
    TryFiles {
        ca: top.map(|e| ws.path(&e.cert)),
        client,
        server_cn: entity(server)
            .map(|e| e.common_name.clone())
            .unwrap_or_default(),
    }
}

/// The curl command that tries `url` with these files: with the client certificate's chain when
/// the server asks for one.
pub fn curl_command(files: &TryFiles, url: &str, auth: ClientAuth) -> Option<String> {
    use certbench_base::text::shell_word;
    let ca = shell_word(files.ca.as_deref()?);
    Some(match (&files.client, auth) {
        (Some(c), ClientAuth::Required | ClientAuth::Optional) => format!(
            "curl --cacert {ca} --cert {} --key {} {url}",
            shell_word(&c.chain),
            shell_word(&c.key)
        ),
        _ => format!("curl --cacert {ca} {url}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> ClientIdentity {
        ClientIdentity {
            subject: "CN=alice,O=certbench".into(),
            common_name: Some("alice".into()),
            issuer: "CN=certbench Intermediate CA 3f9a2c,O=certbench".into(),
            issuer_common_name: Some("certbench Intermediate CA 3f9a2c".into()),
            serial: "01".into(),
            sha256: String::new(),
            dns_names: vec!["alice.internal".into()],
            emails: vec!["alice@example.com".into()],
            uris: vec!["spiffe://example.org/ns/prod/sa/alice".into()],
        }
    }

    #[test]
    fn rules_read_and_name_clients() {
        let rule = |s: &str| s.parse::<Rule>().unwrap();
        let a = alice();
        for (r, want) in [
            ("cn:alice", true),
            ("cn:ALICE", true),
            ("cn:bob", false),
            ("cn:al*ce", true),
            ("cn:al*cex", false),
            ("dns:alice.internal", true),
            ("dns:*.internal", true),
            ("dns:alice.*", true),
            ("dns:*.example", false),
            ("dns:a*e.int*", true),
            ("email:alice@example.com", true),
            ("spiffe:spiffe://example.org/ns/prod/*", true),
            ("spiffe:spiffe://example.org/ns/dev/*", false),
            ("uri:spiffe://example.org/ns/prod/sa/alice", true),
            ("issuer:certbench Intermediate CA 3f9a2c", true),
            (
                "issuer:CN=certbench Intermediate CA 3f9a2c,O=certbench",
                true,
            ),
            ("issuer:Other CA", false),
        ] {
            assert_eq!(a.matches(&rule(r)), want, "{r}");
        }
        assert!(matches!("alice".parse::<Rule>(), Err(RuleError::Form(_))));
        assert!(matches!(
            "spiffe:example.org".parse::<Rule>(),
            Err(RuleError::Spiffe(_))
        ));
        assert!(matches!("cn:".parse::<Rule>(), Err(RuleError::Form(_))));
        assert!(matches!(
            "uri:not a uri".parse::<Rule>(),
            Err(RuleError::Value(_))
        ));
        assert!("cn:Alice Smith".parse::<Rule>().is_ok());
        assert_eq!(Authorization::decide(&[], None), Authorization::NoRules);
        assert_eq!(
            Authorization::decide(&[rule("cn:bob")], Some(&a)),
            Authorization::Denied
        );
        assert_eq!(
            Authorization::decide(&[rule("cn:bob")], None),
            Authorization::Anonymous
        );
        assert_eq!(
            Authorization::decide(&[rule("cn:bob"), rule("dns:alice.internal")], Some(&a)),
            Authorization::Allowed {
                rule: "dns:alice.internal".into()
            }
        );
    }
}
