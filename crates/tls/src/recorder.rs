//! What one connection's observer sees, from whichever side it stands on: the [`Recorder`] (the
//! Observer fed by a [`Tap`] on a socket, the secrets and verdicts the configs report, each side's
//! failure), and what it makes of them at the end: the [`Failure`], which side caught what, the
//! culprit certificate. The loopback run, `serve` and `connect` each drive one per connection.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::config::Reporter;
use crate::event::{Event, EventKind, Note, Verdict, Wire, WireWhat};
use crate::material::Material;
use crate::run::{CancelledRun, Culprit, Failure, Outcome, Step};
use certbench_cause::{Alert, Cause};
use certbench_wire::Side;
use certbench_wire::messages::Message;
use certbench_wire::names;
use certbench_wire::observe::{Dir, Observer, Seen, What};

/// A side's own failure: its cause and the rustls error behind it, in the order they happened.
#[derive(Debug, Clone)]
pub(crate) struct SideFailure {
    pub(crate) side: Side,
    pub(crate) cause: Cause,
    pub(crate) error: Option<String>,
}

/// Where a connection's events go as they happen: a channel to the pane, a list kept for a
/// transcript, a counter of what a full channel dropped.
pub(crate) type Sink = Box<dyn FnMut(Event) + Send>;

/// One connection's observations, in the order they happened.
pub(crate) struct Recorder {
    pub(crate) start: Instant,
    pub(crate) observer: Observer,
    /// What the observer saw in one call, on its way to becoming events (kept: one buffer).
    seen: Vec<Seen>,
    /// Secrets a side derived while records that crossed before were still waiting to be read:
    /// their notes come out after those records, so that the events are in the order things
    /// happened (`connect`: the server's encrypted flight arrives, then the client derives the
    /// keys that read it).
    later: Vec<Event>,
    /// Whether the bytes are read (records, messages, decryption) or only counted: a server
    /// whose connections nobody looks at past the handshake counts them from then on.
    observing: bool,
    /// Each direction's bytes (client to server, server to client) only counted from now on: its
    /// sender's handshake is over and nothing shows what follows (see `count_from`).
    counted: [bool; 2],
    /// Each side's handshake is over, by [`index`] (see `count_after_handshake_of`).
    handshake_over: [bool; 2],
    sink: Sink,
    /// The key log: each secret once, in the order they came (its lines are made when asked).
    pub(crate) keylog: certbench_wire::keylog::KeyLog,
    /// Secrets each side was seen to derive (each side's are on its own lane), by their entry.
    derived: Vec<(Side, usize)>,
    pub(crate) version: Option<String>,
    pub(crate) cipher_suite: Option<String>,
    pub(crate) group: Option<String>,
    /// The first refusal by a verifier: the cause of a failure, whatever the other side then saw.
    pub(crate) first_rejection: Option<(Side, Verdict)>,
    /// Each side's failure, in the order they happened.
    pub(crate) failures: Vec<SideFailure>,
    /// The first fatal alert each side sent (client, server).
    pub(crate) alerts_sent: [Option<Alert>; 2],
    pub(crate) last_handshake: Option<Step>,
    pub(crate) cancelled: bool,
    /// The one side that is certbench's (`serve`, `connect`); `None` when both are (loopback).
    pub(crate) only: Option<Side>,
    /// Bytes that crossed the wire: client to server, server to client.
    pub(crate) bytes: [u64; 2],
    /// The first bytes each way (client to server, server to client), to tell plain HTTP.
    first: [Vec<u8>; 2],
    /// When a byte last crossed the wire, either way.
    pub(crate) last_io: Instant,
    /// The client answered a CertificateRequest with an empty Certificate.
    client_sent_none: bool,
    /// The first Certificate message with certificates each side sent (client, server): the
    /// sender's own first; what a refusal read from the wire alone points at. (The message the
    /// events carry, shared, not its certificates copied.)
    sent_chains: [Option<Arc<Message>>; 2],
    /// The client's first ClientHello: what it offered (its cipher suites, its versions), which
    /// a failure for nothing in common names.
    client_offer: Option<Arc<Message>>,
    /// The client random of the first ClientHello: what a key log's lines are matched by.
    /// (Held as a value: the message's bytes may be a slice of a large buffer, which a
    /// connection `serve` keeps open for long must not keep alive.)
    pub(crate) client_random: Option<certbench_wire::keylog::ClientRandom>,
    /// The first fatal alert on the wire, and who sent it.
    pub(crate) first_alert: Option<(Side, Alert)>,
    /// The bytes each way as they crossed, for a capture (loopback runs keep them).
    pub(crate) wire: Option<certbench_wire::pcap::Wire>,
    wire_bytes: usize,
    /// Bytes kept with the events (each message's, and its records'), up to `carried_budget`.
    carried_bytes: usize,
    pub(crate) carried_budget: usize,
    /// Time held in step mode so far, and since when it is held now.
    paused: std::time::Duration,
    paused_since: Option<Instant>,
}

/// The first bytes kept of each direction: enough for a greeting's first line (what speaks, when
/// it is not TLS).
const FIRST_KEPT: usize = certbench_cause::BEGAN_MAX;

/// The bytes a run's events keep of what carried them; past it, events keep their decoded fields
/// and sizes only. (`serve` keeps less of each connection: [`crate::serve::MAX_CARRIED`].)
pub const MAX_CARRIED: usize = 1 << 20;

pub(crate) type SharedRecorder = Arc<Mutex<Recorder>>;

fn index(side: Side) -> usize {
    match side {
        Side::Client => 0,
        Side::Server => 1,
    }
}

impl Recorder {
    /// A recorder whose events go to `sink`; its clock starts now.
    pub(crate) fn shared(sink: Sink) -> SharedRecorder {
        Arc::new(Mutex::new(Recorder {
            start: Instant::now(),
            observer: {
                let mut o = Observer::new();
                o.set_compact(true);
                o
            },
            seen: Vec::new(),
            later: Vec::new(),
            observing: true,
            counted: [false; 2],
            handshake_over: [false; 2],
            sink,
            keylog: Default::default(),
            derived: Vec::new(),
            version: None,
            cipher_suite: None,
            group: None,
            first_rejection: None,
            failures: vec![],
            alerts_sent: [None, None],
            last_handshake: None,
            cancelled: false,
            only: None,
            bytes: [0, 0],
            first: [Vec::new(), Vec::new()],
            last_io: Instant::now(),
            client_sent_none: false,
            sent_chains: Default::default(),
            client_offer: None,
            client_random: None,
            first_alert: None,
            wire: None,
            wire_bytes: 0,
            carried_bytes: 0,
            carried_budget: MAX_CARRIED,
            paused: std::time::Duration::ZERO,
            paused_since: None,
        }))
    }

    /// Whether the bytes an event keeps are copied to their own size ([`Carried::compacted`],
    /// and the decoded messages: `Observer::set_compact`, which holds the setting): a peer that
    /// is not certbench's (`serve`, `connect`, the relay) could otherwise make a few small kept
    /// pieces hold many large buffers past every budget. The loopback run, whose two sides are
    /// certbench's, keeps them shared. A new recorder is compact.
    pub(crate) fn set_compact(&mut self, compact: bool) {
        self.observer.set_compact(compact);
    }

    /// Time held in step mode, up to now.
    fn held(&self) -> std::time::Duration {
        self.paused
            + self
                .paused_since
                .map_or_else(Default::default, |t| t.elapsed())
    }

    /// Microseconds since the start, not counting the time held in step mode.
    fn t_us(&self) -> u64 {
        self.start.elapsed().saturating_sub(self.held()).as_micros() as u64
    }

    fn paused_us(&self) -> u64 {
        self.held().as_micros() as u64
    }

    /// Step mode let the next flight go: the clock runs again.
    pub(crate) fn resumed(&mut self) {
        if let Some(t) = self.paused_since.take() {
            self.paused += t.elapsed();
        }
    }

    pub(crate) fn emit_seen(&mut self, seen: Vec<Seen>) {
        for s in seen {
            let event = self.event_for(s);
            self.emit_wire(event);
        }
        self.release_later(u64::MAX);
    }

    /// What the observer saw in the call `look` makes (it adds to the buffer it is given), as
    /// events: one buffer serves every call.
    fn emit_observed(&mut self, look: impl FnOnce(&mut Observer, &mut Vec<Seen>)) {
        let mut seen = std::mem::take(&mut self.seen);
        look(&mut self.observer, &mut seen);
        for s in seen.drain(..) {
            let event = self.event_for(s);
            self.emit_wire(event);
        }
        self.seen = seen;
        if !self.observer.is_waiting() {
            self.release_later(u64::MAX);
        }
    }

    /// An event of what crossed the wire: after the notes held back that happened before it.
    fn emit_wire(&mut self, event: Event) {
        if !self.later.is_empty() {
            self.release_later(event.t_us);
        }
        (self.sink)(event);
    }

    /// The notes held back (`later`) made up to `t_us`, in their order.
    fn release_later(&mut self, t_us: u64) {
        let due = self.later.iter().take_while(|e| e.t_us <= t_us).count();
        for event in self.later.drain(..due) {
            (self.sink)(event);
        }
    }

    /// Bytes that crossed the wire, in one direction.
    pub(crate) fn feed(&mut self, dir: Dir, bytes: &[u8]) {
        self.feed_vectored(dir, &[bytes]);
    }

    /// Bytes that crossed the wire in one direction, in one write or read (a flight rustls
    /// hands over as several buffers): one segment of a capture, one clock reading.
    pub(crate) fn feed_vectored<P: std::ops::Deref<Target = [u8]>>(
        &mut self,
        dir: Dir,
        pieces: &[P],
    ) {
        let len: usize = pieces.iter().map(|p| p.len()).sum();
        if len == 0 {
            return;
        }
        let way = usize::from(dir == Dir::ServerToClient);
        let now = Instant::now();
        self.last_io = now;
        self.bytes[way] += len as u64;
        for p in pieces {
            let first = &mut self.first[way];
            first.extend_from_slice(&p[..p.len().min(FIRST_KEPT.saturating_sub(first.len()))]);
        }
        let capturing =
            self.wire.is_some() && self.wire_bytes < certbench_wire::pcap::MAX_WIRE_BYTES;
        let reading = self.observing && !self.counted[way];
        if !reading && !capturing {
            return;
        }
        // One copy of the bytes, shared by the capture and the records the observer cuts.
        let shared = self.observer.copy(pieces);
        let since_start = now.saturating_duration_since(self.start);
        // Past the budget nothing more is kept: a capture with a hole would misread the stream.
        if let Some(wire) = &mut self.wire
            && self.wire_bytes < certbench_wire::pcap::MAX_WIRE_BYTES
        {
            self.wire_bytes += len;
            if self.wire_bytes > certbench_wire::pcap::MAX_WIRE_BYTES {
                self.wire_bytes = usize::MAX;
            } else {
                wire.segments.push(certbench_wire::pcap::Segment {
                    t_us: since_start.as_micros() as u64,
                    from_client: dir == Dir::ClientToServer,
                    bytes: shared.clone(),
                });
            }
        }
        if reading {
            // What is read of these bytes later (when its secret comes) keeps the time they
            // crossed, in the timeline's clock (time held in step mode left out).
            let at_us = since_start.saturating_sub(self.held()).as_micros() as u64;
            self.emit_observed(|o, seen| o.feed_shared_at(dir, shared, at_us, seen));
        }
    }

    /// From now on the bytes are counted (and captured, when a capture is kept), not read: the
    /// handshake is over and nothing shows what follows. What was read so far is let go.
    pub(crate) fn count_only(&mut self) {
        self.release_later(u64::MAX);
        self.observing = false;
        let compact = self.observer.is_compact();
        self.observer = Observer::new();
        self.observer.set_compact(compact);
        // What only a failed handshake's explanation reads.
        self.sent_chains = Default::default();
        self.client_offer = None;
    }

    /// From now on the bytes `dir` carries are counted (and captured, when a capture is kept),
    /// not read: their sender's handshake is over, and nothing shows what it sends next. What
    /// the other direction carries is read as before.
    pub(crate) fn count_from(&mut self, dir: Dir) {
        self.counted[usize::from(dir == Dir::ServerToClient)] = true;
    }

    /// `side`'s handshake is over (the client's connect() or the server's accept() returned), in
    /// a run whose events nothing shows past the handshake: what the client sends from now on is
    /// counted (it has judged the server and sent its Finished); once both sides are over,
    /// everything is (`count_only`). What the server sends is read until then: in TLS 1.2 its
    /// Finished crosses after its accept() returned, and in TLS 1.3 a refusal of the client comes
    /// after the client's connect() returned (and its accept() never does).
    pub(crate) fn count_after_handshake_of(&mut self, side: Side) {
        self.handshake_over[index(side)] = true;
        if side == Side::Client {
            self.count_from(Dir::ClientToServer);
        }
        if self.handshake_over == [true, true] {
            self.count_only();
        }
    }

    /// A secret read from someone else's key log (the relay): kept for the capture, and the
    /// records waiting for it decrypted now.
    pub(crate) fn keylog_secret(&mut self, label: &str, client_random: &[u8], secret: &[u8]) {
        // A random or secret no TLS connection has is not kept.
        let Some(entry) = certbench_wire::keylog::Entry::new(label, client_random, secret) else {
            return;
        };
        if self.keylog.position(label, client_random).is_none() {
            self.learn(entry);
        }
    }

    /// A secret the key log does not hold yet: kept there, and given to the observer (what
    /// waited for it is read now).
    fn learn(&mut self, entry: certbench_wire::keylog::Entry) {
        self.keylog.push(entry.clone());
        if self.observing {
            self.emit_observed(|o, seen| o.add_entry_into(entry, seen));
        }
    }

    /// Something one side did or saw that did not cross the wire.
    pub(crate) fn local(&mut self, side: Side, kind: EventKind) {
        let event = Event {
            t_us: self.t_us(),
            paused_us: self.paused_us(),
            side,
            kind,
        };
        if event.kind == EventKind::Paused {
            self.paused_since.get_or_insert_with(Instant::now);
        }
        if matches!(event.kind, EventKind::Secret { .. }) && self.observer.is_waiting() {
            self.later.push(event);
            return;
        }
        self.release_later(u64::MAX);
        (self.sink)(event);
    }

    /// `side` gave up waiting after `after_ms`.
    pub(crate) fn timed_out(&mut self, side: Side, after_ms: u64) {
        self.local(side, EventKind::Note(Note::TimedOut { after_ms }));
        self.failures.push(SideFailure {
            side,
            cause: Cause::TimedOut { after_ms },
            error: None,
        });
    }

    /// The end of the connection: whatever still waits for a secret is shown as it is
    /// (encrypted), and what it came to. It is `ok` when no side failed and, with
    /// `needs_response`, the client had its answer.
    pub(crate) fn finish(
        &mut self,
        material: &Material,
        response: Option<String>,
        client_identity: Option<String>,
        needs_response: bool,
    ) -> crate::run::Summary {
        let rest = self.observer.finish();
        self.emit_seen(rest);
        let ok = (response.is_some() || !needs_response) && self.failures.is_empty();
        let outcome = if ok {
            Outcome::Worked
        } else {
            failure_of(self, material)
                .map_or(Outcome::Unexplained, |f| Outcome::Failed(Box::new(f)))
        };
        crate::run::Summary {
            outcome,
            version: self.version.clone(),
            cipher_suite: self.cipher_suite.clone(),
            group: self.group.clone(),
            client_identity,
            response,
            keylog: crate::run::Secrets::from(self.keylog.clone()),
            wire: self.wire.take().unwrap_or_default(),
        }
    }

    /// A side failed with `e`: its cause, from the error, and a note.
    pub(crate) fn failed(&mut self, side: Side, e: &io::Error, note: impl FnOnce(Cause) -> Note) {
        let cause = if self.cancelled || is_cancel(e) {
            Cause::Cancelled
        } else {
            Cause::from_io(e)
        };
        let error = e
            .get_ref()
            .and_then(|i| i.downcast_ref::<rustls::Error>())
            .map(certbench_cause::rustls_error_name);
        // The side's own verifier said why, more exactly than the error it returned (a staple
        // that says revoked returns the error a CRL's revocation does): its cause, then.
        let cause = match &self.first_rejection {
            Some((judge, v))
                if *judge == side
                    && v.rejection()
                        .is_some_and(|r| error.as_deref() == Some(r.error.as_str())) =>
            {
                v.rejection().map_or(cause, |r| r.cause.clone())
            }
            _ => cause,
        };
        self.fail(side, cause, error, note);
    }

    /// A side failed for `cause` (with the rustls error behind it, if any), and a note.
    pub(crate) fn fail(
        &mut self,
        side: Side,
        cause: Cause,
        error: Option<String>,
        note: impl FnOnce(Cause) -> Note,
    ) {
        self.failures.push(SideFailure {
            side,
            cause: cause.clone(),
            error,
        });
        self.local(side, EventKind::Note(note(cause)));
    }

    fn event_for(&mut self, s: Seen) -> Event {
        let side = s.dir.from_side();
        let what = match s.what {
            What::Handshake { typ, message } => {
                let message = message.map(|m| {
                    self.remember(&m);
                    if let Message::Certificate(c) = &*m {
                        if side == Side::Client && c.certificates.is_empty() {
                            self.client_sent_none = true;
                        }
                        let sent = &mut self.sent_chains[index(side)];
                        if sent.is_none() && !c.certificates.is_empty() {
                            *sent = Some(m.clone());
                        }
                    }
                    if let Message::ClientHello(ch) = &*m
                        && self.client_offer.is_none()
                    {
                        self.client_offer = Some(m.clone());
                        self.client_random = ch.random[..].try_into().ok();
                    }
                    m
                });
                self.last_handshake = Some(Step {
                    message: names::HandshakeType::from(typ),
                    from: side,
                });
                WireWhat::Handshake { typ, message }
            }
            What::ChangeCipherSpec => WireWhat::ChangeCipherSpec,
            What::Alert { level, description } => {
                let fatal = level == 2;
                if fatal {
                    self.alerts_sent[index(side)].get_or_insert(Alert(description));
                    self.first_alert.get_or_insert((side, Alert(description)));
                }
                WireWhat::Alert {
                    fatal,
                    alert: Alert(description),
                }
            }
            What::ApplicationData { plaintext, len } => {
                WireWhat::ApplicationData { len, plaintext }
            }
            What::Unreadable { reason } => WireWhat::Unreadable { reason },
        };
        // Bytes are kept up to a budget; a record shared by several messages counts once each.
        let carried = s
            .carried
            .filter(|c| {
                let n = c.size();
                self.carried_bytes + n <= self.carried_budget && {
                    self.carried_bytes += n;
                    true
                }
            })
            .map(|c| match self.observer.is_compact() {
                true => Arc::new(c.compacted()),
                false => c,
            });
        Event {
            t_us: s.at_us.unwrap_or_else(|| self.t_us()),
            paused_us: self.paused_us(),
            side,
            kind: EventKind::Wire(Wire {
                what,
                protection: s.protection,
                size: s.wire_len,
                carried,
            }),
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

pub(crate) fn is_cancel(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<CancelledRun>())
}

pub(crate) fn lock(hub: &SharedRecorder) -> std::sync::MutexGuard<'_, Recorder> {
    // A panic while holding the lock would be a bug in certbench; the data is still usable.
    hub.lock().unwrap_or_else(|e| e.into_inner())
}

/// The hub as rustls's verifiers and key logs see it.
#[derive(Clone)]
pub(crate) struct RecorderReporter(pub(crate) SharedRecorder);

impl std::fmt::Debug for RecorderReporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Reporter for RecorderReporter {
    fn secret(&self, side: Side, label: &str, client_random: &[u8], secret: &[u8]) {
        // A random or secret no TLS connection has (rustls gives none) is not kept or shown.
        let Some(entry) = certbench_wire::keylog::Entry::new(label, client_random, secret) else {
            return;
        };
        let mut hub = lock(&self.0);
        // Both sides derive the same secrets: each side's derivation is shown on its lane, the
        // secret goes to the key log and the observer once.
        let line = hub.keylog.position(label, client_random);
        let derived = (side, line.unwrap_or(hub.keylog.len()));
        if !hub.derived.contains(&derived) {
            hub.derived.push(derived);
            hub.local(
                side,
                EventKind::Secret {
                    label: entry.label.clone(),
                    len: secret.len(),
                },
            );
        }
        if line.is_none() {
            hub.learn(entry);
        }
    }

    fn verdict(&self, side: Side, verdict: Verdict) {
        let mut hub = lock(&self.0);
        if verdict.rejection().is_some() && hub.first_rejection.is_none() {
            hub.first_rejection = Some((side, verdict.clone()));
        }
        hub.local(side, EventKind::Verdict(verdict));
    }
}

/// The Inspect field a certificate verdict points at.
pub fn culprit_field(cause: &Cause) -> &'static str {
    match cause {
        Cause::Expired { .. } => "not_after",
        Cause::NotValidYet { .. } => "not_before",
        Cause::NameMismatch { .. } => "ext.subjectAltName",
        Cause::WrongPurpose { .. } => "ext.extendedKeyUsage",
        Cause::UnknownIssuer => "issuer",
        Cause::Revoked | Cause::RevokedByOcsp | Cause::UnknownRevocationStatus => "serial",
        Cause::CaUsedAsEndEntity | Cause::EndEntityUsedAsCa | Cause::PathLenExceeded => {
            "ext.basicConstraints"
        }
        Cause::NameConstraintViolation => "ext.nameConstraints",
        Cause::BadSignature | Cause::UnsupportedSignatureAlgorithm => "signature_value",
        Cause::SignatureInvalid => "spki",
        Cause::UnhandledCriticalExtension => "extensions",
        Cause::UnsupportedCertVersion => "version",
        _ => "certificate",
    }
}

/// Signed by its own key: its issuer is its subject (the raw names) and its signature verifies
/// with its own public key.
fn is_self_signed(der: &[u8]) -> bool {
    use x509_parser::prelude::*;
    X509Certificate::from_der(der).is_ok_and(|(_, c)| {
        c.subject().as_raw() == c.issuer().as_raw() && c.verify_signature(None).is_ok()
    })
}

/// The certificate at fault in a refused chain, and its Inspect field: the leaf, except when a
/// CA's constraint is what the chain breaks (its pathlen, its name constraints), or when it is
/// another certificate's signature that does not verify (`anchors`: what the judging side trusts).
fn at_fault(
    cause: &Cause,
    leaf: &Arc<Vec<u8>>,
    intermediates: &[Vec<u8>],
    anchors: &[crate::material::Anchor],
    crls: &[rustls::pki_types::CertificateRevocationListDer<'static>],
) -> (Arc<Vec<u8>>, &'static str) {
    use x509_parser::prelude::*;
    let parsed: Vec<(usize, X509Certificate<'_>)> = intermediates
        .iter()
        .enumerate()
        .filter_map(|(i, d)| X509Certificate::from_der(d).ok().map(|(_, c)| (i, c)))
        .collect();
    let pick = |i: usize, field| (Arc::new(intermediates[i].clone()), field);
    match cause {
        // The chain as sent goes up from the leaf: intermediates[i] has i CAs below it.
        Cause::PathLenExceeded => parsed
            .iter()
            .find(|(i, c)| {
                c.basic_constraints()
                    .ok()
                    .flatten()
                    .and_then(|b| b.value.path_len_constraint)
                    .is_some_and(|n| (n as usize) < *i)
            })
            .map_or((leaf.clone(), "ext.basicConstraints"), |(i, _)| {
                pick(*i, "ext.basicConstraints")
            }),
        Cause::NameConstraintViolation => parsed
            .iter()
            .find(|(_, c)| c.name_constraints().ok().flatten().is_some())
            .map_or((leaf.clone(), "ext.subjectAltName"), |(i, _)| {
                pick(*i, "ext.nameConstraints")
            }),
        // The first certificate that names an issuer among those given, none of whose keys
        // verifies its signature.
        Cause::BadSignature => {
            let sent: Vec<(Arc<Vec<u8>>, X509Certificate<'_>)> =
                std::iter::once((leaf.clone(), leaf.as_slice()))
                    .chain(
                        intermediates
                            .iter()
                            .map(|d| (Arc::new(d.clone()), d.as_slice())),
                    )
                    .filter_map(|(a, d)| X509Certificate::from_der(d).ok().map(|(_, c)| (a, c)))
                    .collect();
            let issuers: Vec<X509Certificate<'_>> = intermediates
                .iter()
                .map(Vec::as_slice)
                .chain(anchors.iter().map(|a| a.der.as_ref()))
                .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
                .collect();
            sent.iter()
                .find(|(_, c)| {
                    let named: Vec<&X509Certificate<'_>> = issuers
                        .iter()
                        .filter(|i| i.subject().as_raw() == c.issuer().as_raw())
                        .collect();
                    !named.is_empty()
                        && !named
                            .iter()
                            .any(|i| c.verify_signature(Some(i.public_key())).is_ok())
                })
                .map_or((leaf.clone(), "signature_value"), |(der, _)| {
                    (der.clone(), "signature_value")
                })
        }
        // The certificate of the chain whose dates the verifier named: the leaf, or a CA above
        // it that expired first (a leaf outliving its intermediate).
        Cause::Expired {
            not_after: Some(t), ..
        } => parsed
            .iter()
            .find(|(_, c)| c.validity().not_after.to_datetime() == *t)
            .filter(|_| !ends_at(leaf, |c| c.validity().not_after.to_datetime() == *t))
            .map_or((leaf.clone(), "not_after"), |(i, _)| pick(*i, "not_after")),
        Cause::NotValidYet {
            not_before: Some(t),
            ..
        } => parsed
            .iter()
            .find(|(_, c)| c.validity().not_before.to_datetime() == *t)
            .filter(|_| !ends_at(leaf, |c| c.validity().not_before.to_datetime() == *t))
            .map_or((leaf.clone(), "not_before"), |(i, _)| {
                pick(*i, "not_before")
            }),
        // No name at all: the CN is where the name was put instead.
        Cause::NameMismatch { presented, .. } if presented.is_empty() => (leaf.clone(), "subject"),
        // The certificate of the chain a CRL lists: the leaf, or a CA above it (revoking an
        // intermediate revokes everything under it).
        Cause::Revoked => {
            let lists = |der: &[u8]| {
                let Ok((_, c)) = X509Certificate::from_der(der) else {
                    return false;
                };
                crls.iter().any(|crl| {
                    x509_parser::revocation_list::CertificateRevocationList::from_der(crl)
                        .is_ok_and(|(_, l)| {
                            l.issuer().as_raw() == c.issuer().as_raw()
                                && l.iter_revoked_certificates()
                                    .any(|r| r.raw_serial() == c.raw_serial())
                        })
                })
            };
            std::iter::once(leaf.clone())
                .chain(intermediates.iter().map(|d| Arc::new(d.clone())))
                .find(|d| lists(d))
                .map_or((leaf.clone(), "serial"), |d| (d, "serial"))
        }
        other => (leaf.clone(), culprit_field(other)),
    }
}

/// Whether the certificate `der` reads and `test` holds of it.
fn ends_at(
    der: &[u8],
    test: impl Fn(&x509_parser::certificate::X509Certificate<'_>) -> bool,
) -> bool {
    use x509_parser::prelude::FromDer;
    x509_parser::certificate::X509Certificate::from_der(der).is_ok_and(|(_, c)| test(&c))
}

/// Who caught what between two programs that are not certbench's (the relay): only the wire
/// says, by the first fatal alert and who sent it, or by bytes that were never TLS.
pub(crate) fn relay_failure(hub: &Recorder) -> Option<Failure> {
    if let Some((from, cause)) = spoke_other(hub) {
        return Some(Failure {
            detected_by: from.other(),
            cause,
            error: None,
            // The alert the side that caught it answered with (a TLS server answers plain HTTP
            // with one), which the other, not speaking TLS, does not read as one.
            alert_sent: hub
                .first_alert
                .filter(|(by, _)| *by == from.other())
                .map(|(_, a)| a),
            alert_received: None,
            stopped_after: hub.last_handshake,
            culprit: None,
            observed_side: None,
        });
    }
    let (side, alert) = hub.first_alert?;
    // A client that answered a CertificateRequest with nothing, refused (RFC 8446
    // certificate_required; OpenSSL's TLS 1.2 sends handshake_failure).
    let cause = if side == Side::Server && hub.client_sent_none && matches!(alert.0, 40 | 116) {
        Cause::NoClientCertificate
    } else {
        with_offer(Cause::from_peer_alert(alert), hub)
    };
    let chain = match hub.sent_chains[index(side.other())].as_deref() {
        Some(Message::Certificate(c)) => c.certificates.as_slice(),
        _ => &[],
    };
    let culprit = sent_culprit(&cause, side.other(), chain);
    Some(Failure {
        detected_by: side,
        cause,
        error: None,
        alert_sent: Some(alert),
        // The relay forwarded it: it reached the other side (which says nothing of its own).
        alert_received: Some(alert),
        stopped_after: hub.last_handshake,
        culprit,
        observed_side: None,
    })
}

/// The certificate an alert refused, when the alert is about a certificate (RFC 8446 6.2:
/// unknown_ca, certificate_expired, bad_certificate, ...): the leaf of the chain the other side
/// sent, as it crossed. What the refusing side trusted is not known: no anchors to judge it by.
fn sent_culprit(cause: &Cause, sender: Side, chain: &[bytes::Bytes]) -> Option<Culprit> {
    let about_a_certificate = matches!(
        cause,
        Cause::UnknownIssuer
            | Cause::Expired { .. }
            | Cause::Revoked
            | Cause::CertificateRefused { .. }
    );
    let leaf = chain.first().filter(|_| about_a_certificate)?;
    let brief = certbench_x509::report::brief(leaf).ok();
    Some(Culprit {
        side: sender,
        certificate: None,
        subject: brief
            .as_ref()
            .map(|b| b.subject.clone())
            .unwrap_or_default(),
        issuer: brief.map(|b| b.issuer).unwrap_or_default(),
        field: culprit_field(cause),
        intermediates: Some(chain.len() - 1),
        self_signed: is_self_signed(leaf),
        why: None,
        der: Arc::new(leaf.to_vec()),
        others: Arc::new(chain[1..].iter().map(|c| c.to_vec()).collect()),
        anchors: Arc::new(Vec::new()),
        origin: None,
    })
}

/// Which side spoke something else where TLS was due, and what: plain HTTP, or bytes that cannot
/// begin TLS (said by how they began). Only before a version was agreed: after it, bytes are TLS
/// records whatever they hold.
fn spoke_other(hub: &Recorder) -> Option<(Side, Cause)> {
    if let Some(from) = plain_http(hub) {
        return Some((from, Cause::PlainHttp { from }));
    }
    if hub.version.is_some() {
        return None;
    }
    not_tls(hub).map(|(from, bytes)| {
        (
            from,
            Cause::NotTls {
                from,
                began: certbench_cause::began(bytes),
            },
        )
    })
}

/// Which side, if any, began with bytes that cannot begin TLS (RFC 8446 5.1: a record's content
/// type, 20 to 24, then a legacy version 3.x; or an SSLv2-style hello, its length's top bit
/// set), and those bytes.
fn not_tls(hub: &Recorder) -> Option<(Side, &[u8])> {
    let tls = |b: &[u8]| match b {
        [20..=24, 3, ..] | [20..=24] | [] => true,
        [first, _, 1, ..] if first & 0x80 != 0 => true,
        [first, ..] if first & 0x80 != 0 && b.len() < 3 => true,
        _ => false,
    };
    [Side::Client, Side::Server]
        .into_iter()
        .zip(&hub.first)
        .find(|(_, bytes)| !tls(bytes))
        .map(|(side, bytes)| (side, bytes.as_slice()))
}

/// Plain HTTP both ways, no TLS at all (the relay between an HTTP client and an HTTP server):
/// the client's first line, a request, and the server's, a status line, as they began.
pub(crate) fn plain_http_both(hub: &Recorder) -> Option<(String, String)> {
    let [request, answer] = &hub.first;
    (METHODS.iter().any(|m| request.starts_with(m)) && answer.starts_with(b"HTTP/")).then(|| {
        (
            certbench_cause::began(request),
            certbench_cause::began(answer),
        )
    })
}

/// How an HTTP request line begins.
const METHODS: [&[u8]; 8] = [
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
];

/// Which side, if any, began with plain HTTP (a request or an answer) instead of TLS.
fn plain_http(hub: &Recorder) -> Option<Side> {
    // A request line, a status line, or an HTML page sent bare (an HTTP/0.9 answer to what the
    // server could not read as a request): none begins a TLS record.
    let answer: [&[u8]; 2] = [b"HTTP/", b"<"];
    [Side::Client, Side::Server]
        .into_iter()
        .zip(&hub.first)
        .find(|(_, bytes)| {
            METHODS
                .iter()
                .chain(answer.iter())
                .any(|s| bytes.starts_with(s))
        })
        .map(|(side, _)| side)
}

/// Who caught what: a verifier's refusal first (the cause, whatever the peers saw afterwards),
/// else the first side that failed on its own account (not by receiving an alert or the end of
/// the connection), else the first side that failed at all.
pub(crate) fn failure_of(hub: &Recorder, material: &Material) -> Option<Failure> {
    // Plain HTTP, or anything else, where TLS was due: what the other side's parser made of it
    // says nothing more.
    if hub.version.is_none()
        && let Some((from, cause)) = spoke_other(hub)
        && !hub.failures.is_empty()
    {
        let detected_by = from.other();
        let error = hub
            .failures
            .iter()
            .find(|f| f.side == detected_by)
            .and_then(|f| f.error.clone());
        return Some(Failure {
            detected_by,
            cause,
            error,
            alert_sent: hub.alerts_sent[index(detected_by)],
            alert_received: None,
            stopped_after: hub.last_handshake,
            culprit: None,
            observed_side: hub.only,
        });
    }
    let own = |f: &&SideFailure| {
        !matches!(
            f.cause,
            Cause::AlertReceived { .. } | Cause::ConnectionClosed
        )
    };
    let first = hub.failures.iter().find(own).or(hub.failures.first());
    let (detected_by, cause, error, culprit) = match (&hub.first_rejection, first) {
        (Some(_), Some(f))
            if f.cause == Cause::Cancelled || matches!(f.cause, Cause::TimedOut { .. }) =>
        {
            (f.side, f.cause.clone(), f.error.clone(), None)
        }
        (Some((side, verdict)), _) => {
            let r = verdict.rejection()?;
            let peer = side.other();
            let identity = match peer {
                Side::Server => material.server.as_ref(),
                Side::Client => material.client.as_ref(),
            };
            let culprit = match verdict {
                Verdict::Chain {
                    certificate,
                    intermediates,
                    ..
                }
                | Verdict::Staple {
                    certificate,
                    intermediates,
                    ..
                } => {
                    let anchors = match side {
                        Side::Client => &material.client_trusts,
                        Side::Server => &material.server_trusts,
                    };
                    let (der, field) = at_fault(
                        &r.cause,
                        certificate,
                        intermediates,
                        anchors,
                        &material.crls,
                    );
                    let brief = certbench_x509::report::brief(&der).ok();
                    // The workspace's certificate, when the one at fault is the peer's own.
                    let own = identity.filter(|i| {
                        i.chain
                            .first()
                            .is_some_and(|c| c.as_ref() == der.as_slice())
                    });
                    let why = (r.cause == Cause::NameConstraintViolation)
                        .then(|| {
                            certbench_x509::verify::constraint_breach(
                                certificate,
                                intermediates
                                    .iter()
                                    .map(Vec::as_slice)
                                    .chain(anchors.iter().map(|a| a.der.as_ref())),
                            )
                        })
                        .flatten();
                    Some(Culprit {
                        intermediates: Some(intermediates.len()),
                        self_signed: is_self_signed(certificate),
                        why,
                        anchors: Arc::new(anchors.iter().map(|a| a.der.to_vec()).collect()),
                        side: peer,
                        certificate: own.map(|i| i.name.clone()),
                        origin: own.and_then(|i| i.origin.clone()),
                        subject: brief
                            .as_ref()
                            .map(|b| b.subject.clone())
                            .unwrap_or_default(),
                        issuer: brief.map(|b| b.issuer).unwrap_or_default(),
                        field,
                        others: Arc::new(
                            std::iter::once(certificate.as_ref())
                                .chain(intermediates.iter())
                                .filter(|d| d.as_slice() != der.as_slice())
                                .cloned()
                                .collect(),
                        ),
                        der,
                    })
                }
                Verdict::Signature { .. } => identity.and_then(|i| {
                    let der = i.chain.first()?;
                    Some(Culprit {
                        intermediates: None,
                        self_signed: is_self_signed(der),
                        why: None,
                        // A signature refused: no chain to judge again.
                        anchors: Arc::new(Vec::new()),
                        side: peer,
                        certificate: Some(i.name.clone()),
                        origin: i.origin.clone(),
                        subject: certbench_x509::report::brief(der)
                            .map(|b| b.subject)
                            .unwrap_or_default(),
                        issuer: certbench_x509::report::brief(der)
                            .map(|b| b.issuer)
                            .unwrap_or_default(),
                        field: "spki",
                        der: Arc::new(der.to_vec()),
                        others: Arc::new(i.chain.iter().skip(1).map(|c| c.to_vec()).collect()),
                    })
                }),
            };
            (*side, r.cause.clone(), Some(r.error.clone()), culprit)
        }
        // Only one side is ours and it only received the other's alert: the other side caught
        // it, and its alert says what (RFC 8446 6.2).
        (None, Some(f))
            if hub.only == Some(f.side) && matches!(f.cause, Cause::AlertReceived { .. }) =>
        {
            let Cause::AlertReceived { alert } = f.cause else {
                return None;
            };
            let other = f.side.other();
            // OpenSSL answers a client without a certificate with handshake_failure (RFC 5246
            // 7.4.6); the client's empty Certificate says that is what it was.
            let cause = if alert.0 == 40 && hub.client_sent_none {
                Cause::NoClientCertificate
            } else {
                with_offer(Cause::from_peer_alert(alert), hub)
            };
            return Some(Failure {
                detected_by: other,
                cause,
                error: None,
                alert_sent: hub.alerts_sent[index(other)].or(Some(alert)),
                alert_received: Some(alert),
                stopped_after: hub.last_handshake,
                culprit: None,
                observed_side: hub.only,
            });
        }
        (None, Some(f)) => (f.side, f.cause.clone(), f.error.clone(), None),
        (None, None) => return None,
    };
    let cause = with_offer(cause, hub);
    let alert_received = hub
        .failures
        .iter()
        .filter(|f| f.side != detected_by)
        .find_map(|f| match f.cause {
            Cause::AlertReceived { alert } => Some(alert),
            _ => None,
        });
    Some(Failure {
        detected_by,
        cause,
        error,
        alert_sent: hub.alerts_sent[index(detected_by)],
        alert_received,
        stopped_after: hub.last_handshake,
        culprit,
        observed_side: hub.only,
    })
}

/// What the client offered, from its ClientHello, in a cause of nothing in common: which
/// versions or suites found no match.
fn with_offer(cause: Cause, hub: &Recorder) -> Cause {
    // GREASE values (RFC 8701) and the renegotiation signal are nothing anyone speaks.
    let real = |x: &u16| x & 0x0f0f != 0x0a0a && *x != 0x00ff;
    let offer = match hub.client_offer.as_deref() {
        Some(Message::ClientHello(ch)) => ch,
        _ => return cause,
    };
    match cause {
        // Its versions: the supported_versions extension, else the legacy version.
        Cause::NoCommonVersion { .. } => Cause::NoCommonVersion {
            offered: match offer.supported_versions.is_empty() {
                true => std::slice::from_ref(&offer.legacy_version),
                false => &offer.supported_versions[..],
            }
            .iter()
            .copied()
            .filter(real)
            .collect(),
        },
        Cause::NoCommonSuite { .. } => Cause::NoCommonSuite {
            offered: offer.cipher_suites.iter().copied().filter(real).collect(),
        },
        // A TLS 1.2 client that offers no suite rustls speaks (RSA key exchange, DHE, CBC) may
        // send no groups, or only ones for DHE, and rustls says no group is in common first: it
        // is the suites that are not.
        Cause::NoCommonGroup
            if !offer.cipher_suites.iter().any(|s| {
                s >> 8 == 0x13 || certbench_wire::names::RUSTLS_TLS12_SUITES.contains(s)
            }) =>
        {
            Cause::NoCommonSuite {
                offered: offer.cipher_suites.iter().copied().filter(real).collect(),
            }
        }
        cause => cause,
    }
}

tokio::task_local! {
    /// The recorder of the connection whose task is running.
    static CONNECTION: SharedRecorder;
}

/// Run `f` with `rec` as its connection's recorder: what [`PerConnection`] reports to.
pub(crate) async fn within<F: Future>(rec: SharedRecorder, f: F) -> F::Output {
    CONNECTION.scope(rec, f).await
}

/// A reporter for a config that serves many connections: rustls calls the verifier and the key
/// log while it processes one connection's bytes, inside that connection's task, so each verdict
/// and secret goes to the recorder [`within`] set for it.
#[derive(Debug)]
pub(crate) struct PerConnection;

impl Reporter for PerConnection {
    fn secret(&self, side: Side, label: &str, client_random: &[u8], secret: &[u8]) {
        let _ = CONNECTION.try_with(|rec| {
            RecorderReporter(rec.clone()).secret(side, label, client_random, secret)
        });
    }

    fn verdict(&self, side: Side, verdict: Verdict) {
        let _ = CONNECTION.try_with(|rec| RecorderReporter(rec.clone()).verdict(side, verdict));
    }
}

mod tap;
pub(crate) use tap::Tap;

#[cfg(test)]
mod tests;
