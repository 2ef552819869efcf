//! The relay: two programs of the user's talk through certbench, which forwards every byte
//! unchanged both ways and watches what passes with the wire crate's Observer, as it watches its
//! own handshakes. Neither side is certbench's: what is shown is what crossed the wire, the clear
//! parts always, TLS 1.3's encrypted flights when a key log (an SSLKEYLOGFILE the client writes)
//! gives their secrets. The key log is followed as it grows, its lines matched to connections by
//! client random; records wait for their secret (bounded, as the Observer bounds them).
//!
//! Many connections at once, each its own recorder and timeline; one connection's trouble (a
//! peer that is not TLS, a half-close, a server that never answers) is its own, and the relay
//! goes on serving the others.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedSender;

use certbench_cause::Cause;
use certbench_wire::Side;
use certbench_wire::observe::Dir;

use crate::event::{Event, EventKind, Note};
use crate::recorder::{Recorder, SharedRecorder, lock, plain_http_both, relay_failure};
use crate::run::{Failure, Outcome};

/// What `relay` is asked to do.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// Where the clients connect (the relay listens there).
    pub listen: SocketAddr,
    /// `localhost`: with `listen` on 127.0.0.1, ::1 at the same port too (see [`crate::listen`]).
    pub localhost: bool,
    /// Where every connection is forwarded: `HOST:PORT`.
    pub target: String,
    /// An SSLKEYLOGFILE a client writes: followed as it grows.
    pub keylog: Option<PathBuf>,
    /// Connections handled at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Connecting to the target may take this long.
    pub connect_timeout: Duration,
    /// Keep each connection's bytes (its first [`certbench_wire::pcap::MAX_WIRE_BYTES`]) for a
    /// capture (`Relayed::wire`).
    pub capture: bool,
    /// A workspace whose certificates are judged against each server's CertificateRequest
    /// (`Relayed::fits`).
    pub workspace: Option<PathBuf>,
}

impl RelayOptions {
    pub fn new(listen: SocketAddr, target: String) -> RelayOptions {
        RelayOptions {
            listen,
            localhost: false,
            target,
            keylog: None,
            max_connections: 256,
            connect_timeout: Duration::from_secs(10),
            capture: false,
            workspace: None,
        }
    }
}

/// What the relay reports as it goes.
#[derive(Debug, Clone)]
pub enum Update {
    Listening {
        addr: SocketAddr,
        /// Where else it listens (::1 for `localhost`).
        also: Vec<SocketAddr>,
    },
    Opened {
        id: u64,
        peer: SocketAddr,
    },
    Event {
        id: u64,
        event: Box<Event>,
    },
    Closed(Box<Relayed>),
}

/// One connection through the relay, once it ended.
#[derive(Debug, Clone, Serialize)]
pub struct Relayed {
    pub id: u64,
    pub peer: SocketAddr,
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// The handshake completed (both Finished crossed, or application data did).
    pub handshake_done: bool,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub group: Option<String>,
    /// The key log gave this connection's secrets: its encrypted parts were read.
    pub decrypted: bool,
    /// Records that stayed encrypted: no secret came for them.
    pub encrypted_unread: u64,
    /// Bytes forwarded: client to server, server to client.
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub duration_ms: f64,
    /// The side that ended the connection first (its end of the stream closed or reset), when
    /// one did before the relay cut a silent side off.
    pub closed_first: Option<Side>,
    /// How it came out, from what crossed.
    pub ending: Ending,
    /// The status of the server's first HTTP answer, as its decrypted bytes began (`HTTP/1.1
    /// 400 ...`): a server that takes the handshake may still refuse the request (nginx
    /// answers 400 to a client that sent no certificate with `ssl_verify_client optional`).
    pub http_status: Option<u16>,
    /// What the server's CertificateRequest asked of the client, if it sent one.
    #[serde(rename = "certificate_request")]
    pub request: Option<crate::connect::Requested>,
    /// The workspace's certificates (with `RelayOptions::workspace`), each judged against that
    /// request: which a client could send, and why not the others.
    #[serde(rename = "workspace_certificates")]
    pub fits: Vec<crate::connect::Fit>,
    /// Who refused, with what alert, from the wire alone.
    #[serde(skip)]
    pub failure: Option<Failure>,
    #[serde(skip)]
    pub events: Vec<Event>,
    /// The secrets of this connection, SSLKEYLOGFILE lines: never in a transcript.
    #[serde(skip)]
    pub keylog: crate::run::Secrets,
    /// The bytes that crossed the client's leg, for a capture (with `capture`).
    #[serde(skip)]
    pub wire: certbench_wire::pcap::Wire,
}

/// How a connection through the relay came out, read from what crossed the wire: neither side
/// is certbench's, so this is all that is known of what each decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Ending {
    /// The handshake completed and the client sent data over it (or, with its records
    /// unread, may have).
    Ok,
    /// A side refused, or spoke something else where TLS was due: [`Relayed::failure`] says
    /// who and why.
    Failed,
    /// The server could not be reached (refused, no route, timed out): nothing was forwarded.
    /// [`Relayed::failure`] says why.
    Unreachable,
    /// The handshake completed, then `by` closed before the client sent anything over it (a
    /// client that refuses the server after the handshake, as curl does when the server's
    /// name is not the one it asked for, ends so). `close_notify`: it said so with the alert.
    NoRequest { by: Side, close_notify: bool },
    /// The client spoke and the server sent nothing back; `by` ended it, `after_ms` from the
    /// connection's start.
    Unanswered { by: Option<Side>, after_ms: u64 },
    /// The client connected and sent nothing at all (a port check, a health probe); whatever
    /// the server said of it is in the events.
    Empty { by: Option<Side> },
    /// No TLS either way: the client sent a plain HTTP request and the server answered it in
    /// plain HTTP. Their first lines, as they crossed (made safe to show).
    PlainHttp { request: String, answer: String },
    /// Records stayed encrypted, no key log secret came for them: what they held is unknown.
    Encrypted { records: u64 },
    /// It ended before the handshake did, without an alert; `by` closed first, after the
    /// message `after` (from whom).
    Incomplete {
        by: Option<Side>,
        after: Option<crate::run::Step>,
    },
}

impl Relayed {
    /// The HTTP status of a server that took the handshake and refused the request (400 or
    /// more): TLS worked, the exchange did not.
    pub fn http_refusal(&self) -> Option<u16> {
        self.http_status
            .filter(|s| *s >= 400 && self.ending == Ending::Ok)
    }

    /// The connection as the shared outcome of a run: worked, failed (with who and why), or
    /// neither (the `ending` says what is known).
    pub fn outcome(&self) -> Outcome {
        match (&self.failure, &self.ending) {
            (Some(f), _) => Outcome::Failed(Box::new(f.clone())),
            (None, Ending::Ok) => Outcome::Worked,
            (None, _) => Outcome::Unexplained,
        }
    }

    /// The subject of the certificate the client sent, as it crossed (read when its
    /// Certificate was in clear or decrypted).
    pub fn client_subject(&self) -> Option<String> {
        self.events.iter().find_map(|e| match e.message() {
            Some(certbench_wire::messages::Message::Certificate(c)) if e.side == Side::Client => {
                let leaf = c.certificates.first()?;
                certbench_x509::report::brief(leaf).ok().map(|b| b.subject)
            }
            _ => None,
        })
    }

    /// The connection as a run's summary (what the lab's explanations read). Neither side is
    /// certbench: who the client was is what its Certificate said on the wire.
    pub fn summary(&self) -> crate::run::Summary {
        crate::run::Summary {
            outcome: self.outcome(),
            version: self.version.clone(),
            cipher_suite: self.cipher_suite.clone(),
            group: self.group.clone(),
            client_identity: self.client_subject(),
            response: None,
            keylog: self.keylog.clone(),
            wire: Default::default(),
        }
    }
}

/// Whether relaying from `listen` to one of `to` would reach the relay itself: the same port,
/// at the same address (or any local one, when it listens on all).
pub fn loops(listen: SocketAddr, to: &[SocketAddr]) -> bool {
    to.iter().any(|t| {
        t.port() == listen.port()
            && (t.ip() == listen.ip()
                || (listen.ip().is_unspecified()
                    && (t.ip().is_loopback() || t.ip().is_unspecified())))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The secrets the key log gave, by client random, and the connections waiting for theirs.
#[derive(Default)]
struct KeyRing {
    secrets: HashMap<Vec<u8>, Vec<(String, Vec<u8>)>>,
    /// In the order they came, to forget the oldest past [`MAX_RANDOMS`].
    order: std::collections::VecDeque<Vec<u8>>,
    waiting: HashMap<Vec<u8>, SharedRecorder>,
    /// When the last read of the key log that found its end began: every line written before
    /// then has been given out. (Not when it ended: a line written while it ran may be missed.)
    read_to_end: Option<std::time::Instant>,
}

/// Client randoms whose secrets are kept for connections yet to come.
const MAX_RANDOMS: usize = 10_000;

type Ring = Arc<Mutex<KeyRing>>;

fn ring(r: &Ring) -> std::sync::MutexGuard<'_, KeyRing> {
    r.lock().unwrap_or_else(|e| e.into_inner())
}

impl KeyRing {
    /// A line of the key log: kept, and the connection it is for (if one waits) returned.
    fn add(&mut self, label: &str, random: &[u8], secret: &[u8]) -> Option<SharedRecorder> {
        if !self.secrets.contains_key(random) {
            if self.order.len() >= MAX_RANDOMS
                && let Some(old) = self.order.pop_front()
            {
                self.secrets.remove(&old);
            }
            self.order.push_back(random.to_vec());
        }
        self.secrets
            .entry(random.to_vec())
            .or_default()
            .push((label.to_string(), secret.to_vec()));
        self.waiting.get(random).cloned()
    }
}

/// Relay until `stop` ends, reporting on `updates`.
pub async fn relay(
    opts: &RelayOptions,
    updates: UnboundedSender<Update>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), RelayError> {
    let listeners = crate::listen::bind(opts.listen, opts.localhost)
        .await
        .map_err(|source| RelayError::Listen {
            addr: opts.listen,
            source,
        })?;
    let addr = crate::listen::first_addr(&listeners).unwrap_or(opts.listen);
    let also = listeners
        .iter()
        .skip(1)
        .filter_map(|l| l.local_addr().ok())
        .collect();
    let _ = updates.send(Update::Listening { addr, also });
    let keys: Ring = Arc::default();
    let follower = opts
        .keylog
        .clone()
        .map(|path| tokio::spawn(follow_keylog(path, keys.clone())));
    let slots = Arc::new(tokio::sync::Semaphore::new(opts.max_connections.max(1)));
    let target: Arc<str> = Arc::from(opts.target.as_str());
    let mut tasks = tokio::task::JoinSet::new();
    let mut id = 0u64;
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            _ = &mut stop => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (client, peer) = tokio::select! {
            _ = &mut stop => break,
            a = crate::listen::accept(&listeners) => match a {
                Ok(a) => a,
                // A failed accept (too many open files, say) is this one's; the relay goes on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        id += 1;
        let _ = updates.send(Update::Opened { id, peer });
        let (updates, keys, target) = (updates.clone(), keys.clone(), target.clone());
        let workspace = opts.workspace.clone();
        let how = Setup {
            timeout: opts.connect_timeout,
            following: opts.keylog.is_some(),
            capture: opts.capture.then_some(addr.port()),
        };
        tasks.spawn(async move {
            let mut relayed = one(id, client, peer, &target, how, &keys, &updates).await;
            // The workspace's certificates against the request, read off the runtime's threads.
            if let (Some(dir), Some(asked)) = (workspace, relayed.request.clone()) {
                relayed.fits = tokio::task::spawn_blocking(move || {
                    certbench_pki::workspace::Workspace::open(dir)
                        .map(|ws| crate::connect::judged(&ws, &asked))
                        .unwrap_or_default()
                })
                .await
                .unwrap_or_default();
            }
            let _ = updates.send(Update::Closed(Box::new(relayed)));
            drop(permit);
        });
        // Reap what ended, so a long-running relay holds nothing of past connections.
        while tasks.try_join_next().is_some() {}
    }
    if let Some(f) = follower {
        f.abort();
    }
    tasks.shutdown().await;
    Ok(())
}

/// How each connection is relayed.
#[derive(Clone, Copy)]
struct Setup {
    timeout: Duration,
    /// A key log is followed: a short connection waits a moment for its secrets.
    following: bool,
    /// Keep the bytes for a capture, with the relay's port that the client's leg shows.
    capture: Option<u16>,
}

/// One connection: connect to the target, then forward both ways until both are done.
async fn one(
    id: u64,
    client: TcpStream,
    peer: SocketAddr,
    target: &str,
    how: Setup,
    keys: &Ring,
    updates: &UnboundedSender<Update>,
) -> Relayed {
    let Setup {
        timeout,
        following,
        capture,
    } = how;
    let started = OffsetDateTime::now_utc();
    let opened = std::time::Instant::now();
    let events: Arc<Mutex<Vec<Event>>> = Arc::default();
    let kept = events.clone();
    let live = updates.clone();
    let rec = Recorder::shared(Box::new(move |e: Event| {
        if let Ok(mut k) = kept.lock()
            && k.len() < MAX_EVENTS
        {
            k.push(e.clone());
        }
        let _ = live.send(Update::Event {
            id,
            event: Box::new(e),
        });
    }));
    {
        let mut r = lock(&rec);
        r.local(Side::Client, EventKind::Note(Note::Accepted { peer }));
        if let Some(port) = capture {
            let start_unix_us = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.saturating_sub(r.start.elapsed()).as_micros() as u64)
                .unwrap_or_default();
            r.wire = Some(certbench_wire::pcap::Wire {
                client_port: peer.port(),
                server_port: port,
                start_unix_us,
                ..Default::default()
            });
        }
    }
    let _ = client.set_nodelay(true);
    let upstream = tokio::time::timeout(timeout, TcpStream::connect(target)).await;
    let server = match upstream {
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            if let Ok(addr) = s.peer_addr() {
                lock(&rec).local(
                    Side::Server,
                    EventKind::Note(Note::Connected { peer: addr }),
                );
            }
            Some(s)
        }
        Ok(Err(e)) => {
            let cause = if e.kind() == std::io::ErrorKind::ConnectionRefused {
                Cause::ConnectionRefused {
                    target: certbench_base::text::display_safe(target, 200),
                }
            } else {
                Cause::from_io(&e)
            };
            lock(&rec).fail(Side::Server, cause, None, |cause| Note::ConnectFailed {
                cause,
            });
            None
        }
        Err(_) => {
            lock(&rec).timed_out(Side::Server, timeout.as_millis() as u64);
            None
        }
    };
    let mut closed_first = None;
    // When the first side ended it: not the linger after, nor the wait for a key log.
    let mut first_end = None;
    let reached = server.is_some();
    if let Some(server) = server {
        let (cr, cw) = client.into_split();
        let (sr, sw) = server.into_split();
        // When one direction has ended, the other goes on while bytes still come (a server
        // answering after the client's half-close), and is closed when it falls silent: a peer
        // that never answers does not hold the connection for ever.
        let ended = std::sync::atomic::AtomicBool::new(false);
        let (up, down) = tokio::join!(
            pump(cr, sw, Dir::ClientToServer, &rec, keys, &ended),
            pump(sr, cw, Dir::ServerToClient, &rec, keys, &ended),
        );
        let first = [up, down].into_iter().find(|e| e.first);
        first_end = first.as_ref().map(|e| e.at);
        closed_first = first.and_then(|e| e.by);
    }
    // A client writes its key log as the handshake goes; a short connection can end before the
    // key log is read: its secrets are waited for until they are all there, or the key log has
    // been read to its end since the connection closed (what is not there by then never comes:
    // a client logs a secret before it uses it), at most two seconds on a busy machine.
    if following {
        let (random, tls13) = {
            let r = lock(&rec);
            (
                r.client_random,
                r.observer.version() == Some(certbench_wire::messages::Version::Tls13),
            )
        };
        if let Some(random) = random {
            let closed = std::time::Instant::now();
            let needed: &[&str] = if tls13 {
                &[
                    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                    "CLIENT_TRAFFIC_SECRET_0",
                    "SERVER_TRAFFIC_SECRET_0",
                ]
            } else {
                &["CLIENT_RANDOM"]
            };
            for _ in 0..100 {
                let (complete, read_since) = {
                    let k = ring(keys);
                    let have = k.secrets.get(&random[..]);
                    (
                        needed
                            .iter()
                            .all(|label| have.is_some_and(|s| s.iter().any(|(l, _)| l == label))),
                        k.read_to_end.is_some_and(|t| t > closed),
                    )
                };
                if complete || read_since {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let stored = ring(keys)
                .secrets
                .get(&random[..])
                .cloned()
                .unwrap_or_default();
            let mut r = lock(&rec);
            for (label, secret) in stored {
                r.keylog_secret(&label, &random, &secret);
            }
        }
    }
    let mut r = lock(&rec);
    let rest = r.observer.finish();
    r.emit_seen(rest);
    if let Some(random) = &r.client_random {
        ring(keys).waiting.remove(&random[..]);
    }
    // Plain HTTP both ways is no refusal: neither side expected TLS.
    let plain = plain_http_both(&r);
    let failure = plain
        .is_none()
        .then(|| relay_failure(&r))
        .flatten()
        .or_else(|| {
            // Forwarding that never began: the target could not be reached.
            r.failures.first().map(|f| Failure {
                detected_by: f.side,
                cause: f.cause.clone(),
                error: None,
                alert_sent: None,
                alert_received: None,
                stopped_after: r.last_handshake,
                culprit: None,
                observed_side: None,
            })
        });
    let decrypted = !r.keylog.is_empty();
    drop(r);
    let encrypted_unread = events
        .lock()
        .map(|e| {
            e.iter()
                .filter(|e| {
                    matches!(
                        e.wire().map(|w| &w.what),
                        Some(crate::event::WireWhat::Unreadable {
                            reason: certbench_wire::observe::Unreadable::NotDecrypted { .. }
                        })
                    )
                })
                .count() as u64
        })
        .unwrap_or(0);
    let mut r = lock(&rec);
    let (bytes_up, bytes_down) = (r.bytes[0], r.bytes[1]);
    let version = r.version.clone();
    let cipher_suite = r.cipher_suite.clone();
    let group = r.group.clone();
    let last_handshake = r.last_handshake;
    let keylog = crate::run::Secrets::from(r.keylog.clone());
    let wire = r.wire.take().unwrap_or_default();
    let duration_ms = r.start.elapsed().as_secs_f64() * 1000.0;
    drop(r);
    let events = std::mem::take(&mut *events.lock().unwrap_or_else(|e| e.into_inner()));
    let handshake_done = failure.is_none()
        && events.iter().any(|e| {
            e.side == Side::Client
                && e.handshake_type() == Some(certbench_wire::names::HandshakeType::Finished)
        })
        && events.iter().any(|e| {
            e.side == Side::Server
                && e.handshake_type() == Some(certbench_wire::names::HandshakeType::Finished)
        })
        || (failure.is_none() && events.iter().any(Event::is_application_data));
    let failure = failure.filter(|_| !reached || bytes_up > 0);
    let ending = if !reached {
        Ending::Unreachable
    } else if bytes_up == 0 {
        // Whatever the server answered to nothing (OpenSSL sends decode_error) is its own.
        Ending::Empty { by: closed_first }
    } else if failure.is_some() {
        Ending::Failed
    } else if let Some((request, answer)) = plain {
        Ending::PlainHttp { request, answer }
    } else if handshake_done {
        match client_after_handshake(&events) {
            AfterHandshake::Nothing { close_notify } => Ending::NoRequest {
                by: close_notify.or(closed_first).unwrap_or(Side::Client),
                close_notify: close_notify.is_some(),
            },
            AfterHandshake::Data | AfterHandshake::Unknown => Ending::Ok,
        }
    } else if encrypted_unread > 0 {
        Ending::Encrypted {
            records: encrypted_unread,
        }
    } else if bytes_down == 0 {
        Ending::Unanswered {
            by: closed_first,
            after_ms: first_end.map_or(duration_ms, |t| {
                t.saturating_duration_since(opened).as_secs_f64() * 1000.0
            }) as u64,
        }
    } else {
        Ending::Incomplete {
            by: closed_first,
            after: last_handshake,
        }
    };
    // The server's first application data, decrypted, read as an HTTP answer.
    let http_status = events
        .iter()
        .filter(|e| e.side == Side::Server)
        .find_map(|e| match &e.wire()?.what {
            crate::event::WireWhat::ApplicationData {
                plaintext: Some(p), ..
            } => Some(p),
            _ => None,
        })
        .and_then(|p| crate::connect::http_status(&String::from_utf8_lossy(&p[..p.len().min(32)])));
    Relayed {
        id,
        peer,
        started,
        http_status,
        handshake_done,
        version,
        cipher_suite,
        group,
        decrypted,
        encrypted_unread,
        bytes_up,
        bytes_down,
        duration_ms,
        closed_first,
        ending,
        request: crate::connect::requested(&events),
        fits: Vec::new(),
        failure,
        events,
        keylog,
        wire,
    }
}

/// What the client sent once the handshake was done, as far as the wire says.
enum AfterHandshake {
    /// Application data: a request, or whatever its protocol sends.
    Data,
    /// Nothing but, maybe, a close_notify alert (`Some`: from this side, the first to send one).
    Nothing { close_notify: Option<Side> },
    /// Records of the client's stayed encrypted: they may have held data.
    Unknown,
}

fn client_after_handshake(events: &[Event]) -> AfterHandshake {
    use crate::event::WireWhat;
    use certbench_wire::observe::Unreadable;
    let mut close_notify = None;
    for e in events {
        let Some(w) = e.wire() else { continue };
        match &w.what {
            WireWhat::ApplicationData { .. } if e.side == Side::Client => {
                return AfterHandshake::Data;
            }
            WireWhat::Unreadable {
                reason: Unreadable::NotDecrypted { .. },
            } if e.side == Side::Client => return AfterHandshake::Unknown,
            // close_notify (RFC 8446 6.1): the sender is done.
            WireWhat::Alert { alert, .. } if alert.0 == 0 => {
                close_notify.get_or_insert(e.side);
            }
            _ => {}
        }
    }
    AfterHandshake::Nothing { close_notify }
}

/// Events kept per connection for its transcript; past it, the live stream still has them.
const MAX_EVENTS: usize = 4096;

/// Forward one direction until its end: each read is seen by the recorder, then written on
/// unchanged. The end of one direction is passed on as a half-close; the other goes on.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    dir: Dir,
    rec: &SharedRecorder,
    keys: &Ring,
    ended: &std::sync::atomic::AtomicBool,
) -> PumpEnd {
    use std::sync::atomic::Ordering;
    let mut buf = vec![0u8; 16 * 1024];
    let mut registered = false;
    // The sender's end closed, unless found otherwise.
    let mut how = How::Closed;
    loop {
        // Reads are checked every second: once the other direction has ended, a silence of
        // `LINGER` ends this one too.
        let mut silent = Duration::ZERO;
        let n = loop {
            match tokio::time::timeout(Duration::from_secs(1), from.read(&mut buf)).await {
                Ok(Ok(n)) => break n,
                Ok(Err(_)) => break 0,
                Err(_) => {
                    silent += Duration::from_secs(1);
                    if ended.load(Ordering::Relaxed) && silent >= LINGER {
                        how = How::CutSilent;
                        break 0;
                    }
                }
            }
        };
        if n == 0 {
            break;
        }
        let random = {
            let mut r = lock(rec);
            r.feed(dir, &buf[..n]);
            r.client_random.filter(|_| !registered)
        };
        // The client random is known: this connection waits for its secrets, and takes those
        // the key log already gave.
        if let Some(random) = random {
            registered = true;
            let stored = {
                let mut k = ring(keys);
                k.waiting.insert(random.to_vec(), rec.clone());
                k.secrets.get(&random[..]).cloned().unwrap_or_default()
            };
            let mut r = lock(rec);
            for (label, secret) in stored {
                r.keylog_secret(&label, &random, &secret);
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            how = How::ReceiverGone;
            break;
        }
    }
    let _ = to.shutdown().await;
    let first = !ended.swap(true, Ordering::Relaxed);
    let (sender, receiver) = (dir.from_side(), dir.from_side().other());
    PumpEnd {
        first,
        at: std::time::Instant::now(),
        by: match how {
            How::Closed => Some(sender),
            How::ReceiverGone => Some(receiver),
            How::CutSilent => None,
        },
    }
}

/// How one direction ended: its sender closed (or reset), its receiver was gone, or the relay
/// cut it after it stayed silent once the other direction had ended.
enum How {
    Closed,
    ReceiverGone,
    CutSilent,
}

/// One direction's end: whether it ended before the other, and the side that ended it (`None`:
/// the relay did, after a silence).
struct PumpEnd {
    first: bool,
    by: Option<Side>,
    /// When it ended.
    at: std::time::Instant,
}

/// How long a direction may stay silent once the other has ended.
const LINGER: Duration = Duration::from_secs(3);

/// Follow an SSLKEYLOGFILE as its writer appends to it: each whole line is parsed (comments and
/// garbage passed over), and its secret given to the connection with that client random, now or
/// when it comes. A file not there yet is waited for; a file replaced (removed and written
/// again, another inode) or cut short and written again (its first bytes changed, whatever its
/// length now) is read again from its start.
async fn follow_keylog(path: PathBuf, keys: Ring) {
    let mut at = Position::default();
    let mut partial: Vec<u8> = Vec::new();
    loop {
        // When this read began: a read that finds the end holds every line written before then,
        // and no more (a connection that closed before it began has all its secrets here; one
        // that closed while it ran may not: a line written after the end was found).
        let began = std::time::Instant::now();
        let grown = {
            let (path, at) = (path.clone(), at.clone());
            tokio::task::spawn_blocking(move || read_from(&path, &at))
                .await
                .ok()
                .flatten()
        };
        if let Some(read) = grown {
            let at_end = read.at_end;
            if read.anew {
                partial.clear();
            }
            at = read.at;
            partial.extend_from_slice(&read.bytes);
            let mut lines: Vec<Vec<u8>> = Vec::new();
            while let Some(at) = partial.iter().position(|b| *b == b'\n') {
                lines.push(partial.drain(..=at).collect());
            }
            // A line longer than any key log line is garbage: dropped, not kept growing.
            if partial.len() > 4096 {
                partial.clear();
            }
            for line in lines {
                let text = String::from_utf8_lossy(&line);
                let Some((label, random, secret)) =
                    certbench_wire::observe::parse_keylog_line(text.trim_end())
                else {
                    continue;
                };
                let waiting = ring(&keys).add(&label, &random, &secret);
                if let Some(rec) = waiting {
                    lock(&rec).keylog_secret(&label, &random, &secret);
                }
            }
            if at_end {
                ring(&keys).read_to_end = Some(began);
            }
        } else {
            // No key log (yet): there is nothing more to read of it.
            ring(&keys).read_to_end = Some(began);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How far the key log was read, and which file it was: its inode and its first bytes.
#[derive(Clone, Default)]
struct Position {
    offset: u64,
    inode: Option<u64>,
    head: Vec<u8>,
}

/// The bytes of the key log past the position (from its start when it is another file now).
struct Read {
    at: Position,
    bytes: Vec<u8>,
    /// Read from the start: what was kept of a line before is not this file's.
    anew: bool,
    /// Everything the file held was read.
    at_end: bool,
}

/// The first bytes of a key log that say it is the same file.
const HEAD: usize = 64;

/// What the file holds past `at` (at most 1 MB a read), or from its start when it is not the
/// file read so far: another inode, shorter than what was read, or other first bytes.
fn read_from(path: &std::path::Path, at: &Position) -> Option<Read> {
    use std::io::{Read as _, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let meta = f.metadata().ok()?;
    let len = meta.len();
    #[cfg(unix)]
    let inode = Some(std::os::unix::fs::MetadataExt::ino(&meta));
    #[cfg(not(unix))]
    let inode = None;
    let mut head = Vec::new();
    (&mut f).take(HEAD as u64).read_to_end(&mut head).ok()?;
    let same = at.inode == inode
        && len >= at.offset
        && head.get(..at.head.len()) == Some(at.head.as_slice());
    let from = if same { at.offset } else { 0 };
    let mut bytes = Vec::new();
    if len > from {
        f.seek(SeekFrom::Start(from)).ok()?;
        f.take(1 << 20).read_to_end(&mut bytes).ok()?;
    }
    let offset = from + bytes.len() as u64;
    let at_end = offset >= len;
    // The head compared next time: what of it has been read.
    head.truncate(offset.min(HEAD as u64) as usize);
    Some(Read {
        at: Position {
            offset,
            inode,
            head,
        },
        bytes,
        anew: !same,
        at_end,
    })
}
