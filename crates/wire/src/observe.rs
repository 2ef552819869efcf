//! Following one connection from both directions' bytes: records, handshake messages decoded (the
//! encrypted ones, TLS 1.3 and 1.2, decrypted with the logged secrets), alerts, ChangeCipherSpec, application
//! data. Encrypted records wait until their secret is known, so the order in which bytes and
//! secrets arrive does not matter.

use std::collections::VecDeque;

use std::sync::Arc;

use bytes::Bytes;

use crate::arena::Arena;
use crate::bytes::{Carried, RecordBytes, Records};
use crate::decrypt::{DecryptError, Suite, Tls12Keys, Tls12Suite, TrafficKeys};
use crate::keylog::Entry;
use crate::messages::{DecodeError, Message, Version, decode, decode_shared};
use crate::names;
use crate::record::{HandshakeReader, Record, RecordReader, WireError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    ClientToServer,
    ServerToClient,
}

impl Dir {
    pub fn sender(self) -> &'static str {
        match self {
            Dir::ClientToServer => "client",
            Dir::ServerToClient => "server",
        }
    }
    /// The side that sends in this direction.
    pub fn from_side(self) -> crate::Side {
        match self {
            Dir::ClientToServer => crate::Side::Client,
            Dir::ServerToClient => crate::Side::Server,
        }
    }
    fn index(self) -> usize {
        match self {
            Dir::ClientToServer => 0,
            Dir::ServerToClient => 1,
        }
    }
}

/// Which keys protected a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    Clear,
    /// TLS 1.3 handshake traffic keys.
    Handshake,
    /// TLS 1.3 application traffic keys (generation 0).
    Application,
    /// TLS 1.2 after ChangeCipherSpec, decrypted with the logged master secret.
    Tls12,
    /// TLS 1.2 after ChangeCipherSpec, not decrypted: no master secret came, or a suite
    /// certbench does not decrypt.
    Tls12Encrypted,
}

impl Protection {
    /// Its name in the JSON transcript.
    pub fn code(self) -> &'static str {
        match self {
            Protection::Clear => "clear",
            Protection::Handshake => "handshake_keys",
            Protection::Application => "application_keys",
            Protection::Tls12 => "tls12_keys",
            Protection::Tls12Encrypted => "tls12_keys_not_decrypted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Protection::Clear => "clear",
            Protection::Handshake => "handshake keys",
            Protection::Application => "application keys",
            Protection::Tls12 => "TLS 1.2 keys",
            Protection::Tls12Encrypted => "TLS 1.2 keys (not decrypted)",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// The message is behind a pointer (a decoded ClientHello is far larger than the other
    /// cases), shared with the events that show it.
    Handshake {
        typ: u8,
        message: Result<Arc<Message>, DecodeError>,
    },
    ChangeCipherSpec,
    Alert {
        level: u8,
        description: u8,
    },
    ApplicationData {
        /// Shared with the record that carried it.
        plaintext: Option<Bytes>,
        len: usize,
    },
    /// A record certbench could not make sense of; the reason says why.
    Unreadable {
        reason: Unreadable,
    },
}

/// Why bytes on the wire could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unreadable {
    /// The record layer broke: not TLS, or a record or message too long.
    Wire(WireError),
    /// A protected record did not open with the key log's secrets.
    Decrypt(DecryptError),
    /// A handshake message's framing broke.
    Framing(WireError),
    /// An alert whose content is not two bytes.
    Alert { len: usize },
    /// A record that stays encrypted: the key log had no secret for it.
    NotDecrypted { content_type: u8, len: usize },
    /// A record of a type that carries nothing certbench shows.
    OtherRecord { content_type: u8 },
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Wire(e) | Unreadable::Framing(e) => e.fmt(f),
            Unreadable::Decrypt(e) => e.fmt(f),
            Unreadable::Alert { len } => write!(f, "an alert of {len} bytes"),
            Unreadable::NotDecrypted { content_type, len } => write!(
                f,
                "an encrypted {} record of {len} bytes: the key log had no secret for it",
                names::content_type(*content_type)
            ),
            Unreadable::OtherRecord { content_type } => {
                write!(f, "a record of type {}", names::content_type(*content_type))
            }
        }
    }
}

impl What {
    /// The RFC name: "ClientHello", "Alert", ...
    pub fn name(&self) -> &'static str {
        match self {
            What::Handshake { typ, .. } => names::handshake_type(*typ),
            What::ChangeCipherSpec => "ChangeCipherSpec",
            What::Alert { .. } => "Alert",
            What::ApplicationData { .. } => "ApplicationData",
            What::Unreadable { .. } => "unreadable",
        }
    }
}

/// One thing seen on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub dir: Dir,
    pub what: What,
    pub protection: Protection,
    /// Its size: a handshake message's own (type, length, body), else its record's on the wire.
    pub wire_len: usize,
    /// Its bytes and the records that carried them (`None` for bytes that are not TLS).
    pub carried: Option<Arc<Carried>>,
    /// When the record that completed it crossed, in the feeder's clock ([`Observer::feed_at`]):
    /// a record read later, when its secret came, keeps the time it crossed.
    pub at_us: Option<u64>,
}

impl Seen {
    fn unreadable(dir: Dir, reason: Unreadable, protection: Protection, wire_len: usize) -> Seen {
        Seen {
            dir,
            what: What::Unreadable { reason },
            protection,
            wire_len,
            carried: None,
            at_us: None,
        }
    }
}

/// One record, one message: what carried it.
fn carried_alone(record: RecordBytes, bytes: Bytes) -> Option<Arc<Carried>> {
    Some(Arc::new(Carried {
        records: Records::One(record),
        offset: 0,
        bytes,
    }))
}

/// A record not read yet.
struct Waiting {
    record: Record,
    /// Where it came in the connection, both directions counted: what is seen is given in the
    /// order it crossed, whichever secret comes first.
    seq: u64,
    /// When it crossed (what it was fed with, if anything).
    at_us: Option<u64>,
}

#[derive(Default)]
struct Side {
    records: RecordReader,
    handshake: HandshakeReader,
    keys: Option<TrafficKeys>,
    /// The secret `keys` came from, held in place: a KeyUpdate derives the next one from it
    /// (kept under the same label, `updates` says the generation).
    secret: Option<Entry>,
    /// Its label in the key log (`CLIENT_TRAFFIC_SECRET_1` after a KeyUpdate).
    secret_label: &'static str,
    /// KeyUpdates since the secret of that label.
    updates: u32,
    /// Handshake records whose content is (partly) in the reassembly buffer: where their content
    /// starts and ends in this side's handshake stream.
    hs_records: VecDeque<(usize, usize, RecordBytes)>,
    /// Handshake stream bytes pushed into the reassembly, and taken out as messages.
    hs_in: usize,
    hs_out: usize,
    /// A message under reassembly came in more records than are tracked: its bytes are not kept.
    hs_untracked: bool,
    protection: Option<Protection>,
    /// Records waiting to be read (for their secret, or for what the other direction brings),
    /// in the order they came.
    waiting: VecDeque<Waiting>,
    /// The next key phase (after this side's Finished).
    finished: bool,
    tls12_encrypted: bool,
    tls12_keys: Option<Tls12Keys>,
    broken: bool,
}

#[derive(Default)]
pub struct Observer {
    sides: [Side; 2],
    client_random: Option<crate::keylog::ClientRandom>,
    version: Option<Version>,
    suite: Option<Suite>,
    server_random: Option<[u8; 32]>,
    /// The TLS 1.2 suite's id, once the ServerHello named it.
    tls12_suite: Option<u16>,
    /// The secrets given, of this connection and any other (a key log file has many): a
    /// connection has a handful, looked through, not hashed.
    secrets: Vec<Entry>,
    /// Where the bytes fed and the plaintexts opened are copied to.
    arena: Arena,
    /// The next record's place in the connection (see `Waiting::seq`).
    next_seq: u64,
    /// The last record tried waits for what the other direction brings (the ServerHello's
    /// version, the ClientHello's random that names the secrets), not for a secret: the other
    /// direction may go on first.
    waits_for_other: bool,
    /// Whether a decoded message's byte strings are a copy of its own bytes (see `set_compact`).
    compact: bool,
}

const SECRET_LABELS: [[&str; 2]; 2] = [
    ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"],
    ["SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"],
];

impl Observer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// Whether what is seen holds byte strings of its own size. By default a decoded message's
    /// byte strings (extensions, certificates, CA names, randoms) and application data's
    /// plaintext are slices of what was fed, and what is fed is kept in buffers that several
    /// messages share; a keeper that holds a few small messages of a peer that is not its own
    /// for long wants each of them copied to its own size instead, so that a small message
    /// cannot hold large buffers (or the parts of its own body it does not show, a session
    /// ticket) alive. (Records are the keeper's: see [`Carried::compacted`].)
    pub fn set_compact(&mut self, compact: bool) {
        self.compact = compact;
    }

    pub fn is_compact(&self) -> bool {
        self.compact
    }

    /// A secret from the key log. Records that were waiting for it are decrypted now.
    /// A secret no connection has (a random not 32 bytes long, an empty or oversized secret)
    /// is passed over.
    pub fn add_secret(&mut self, label: &str, client_random: &[u8], secret: &[u8]) -> Vec<Seen> {
        let mut out = Vec::new();
        if let Some(entry) = Entry::new(label, client_random, secret) {
            self.add_entry_into(entry, &mut out);
        }
        out
    }

    /// A secret of the key log, as kept there; what is seen is added to `out` (a feeder that
    /// keeps one buffer for every call).
    pub fn add_entry_into(&mut self, entry: Entry, out: &mut Vec<Seen>) {
        // The last line of a label counts, as a key log read top to bottom.
        match self
            .secrets
            .iter_mut()
            .find(|e| e.is(&entry.label, &entry.client_random))
        {
            Some(e) => *e = entry,
            None => self.secrets.push(entry),
        }
        self.drain_into(out);
    }

    /// Bytes one side sent, in any pieces.
    pub fn feed(&mut self, dir: Dir, bytes: &[u8]) -> Vec<Seen> {
        let mut out = Vec::new();
        let bytes = self.arena.copy(&[bytes]);
        self.feed_timed(dir, bytes, None, &mut out);
        out
    }

    /// The same, crossing at `at_us` in the feeder's clock: what is seen of these bytes carries
    /// that time, even when it is read later (its secret came after it).
    pub fn feed_at(&mut self, dir: Dir, bytes: &[u8], at_us: u64) -> Vec<Seen> {
        let mut out = Vec::new();
        let bytes = self.arena.copy(&[bytes]);
        self.feed_timed(dir, bytes, Some(at_us), &mut out);
        out
    }

    /// A copy of bytes that crossed (in pieces: a write handed over as several buffers), made
    /// where this connection's copies are made, for a feeder that keeps it too (a capture) and
    /// feeds it with [`Observer::feed_shared_at`].
    pub fn copy<P: std::ops::Deref<Target = [u8]>>(&mut self, pieces: &[P]) -> Bytes {
        self.arena.copy(pieces)
    }

    /// The same, for bytes the feeder already holds shared (a capture keeps them too): the
    /// records seen are slices of them, not copies; what is seen is added to `out`.
    pub fn feed_shared_at(&mut self, dir: Dir, bytes: Bytes, at_us: u64, out: &mut Vec<Seen>) {
        self.feed_timed(dir, bytes, Some(at_us), out)
    }

    fn feed_timed(&mut self, dir: Dir, bytes: Bytes, at_us: Option<u64>, out: &mut Vec<Seen>) {
        let side = &mut self.sides[dir.index()];
        if side.broken {
            return;
        }
        let len = bytes.len();
        for r in side.records.push_bytes(bytes) {
            match r {
                Ok(record) => {
                    side.waiting.push_back(Waiting {
                        record,
                        seq: self.next_seq,
                        at_us,
                    });
                    self.next_seq += 1;
                }
                Err(e) => {
                    side.broken = true;
                    // What is left is not TLS: this read's bytes are what is shown of it.
                    let mut seen =
                        Seen::unreadable(dir, Unreadable::Wire(e), Protection::Clear, len);
                    seen.at_us = at_us;
                    out.push(seen);
                }
            }
        }
        // What this side taught (the version, the suite) may let the other side go on.
        self.drain_into(out);
    }

    /// Every record that can be read now, in the order the records crossed, both directions
    /// together: the earliest waiting record first, and nothing after it until it can be read.
    fn drain_into(&mut self, out: &mut Vec<Seen>) {
        loop {
            let next = [Dir::ClientToServer, Dir::ServerToClient]
                .into_iter()
                .filter(|d| !self.sides[d.index()].broken)
                .filter_map(|d| self.sides[d.index()].waiting.front().map(|w| (w.seq, d)))
                .min_by_key(|(s, _)| *s);
            let Some((_, dir)) = next else { break };
            if self.step(dir, out) {
                continue;
            }
            // The earliest record waits for what only the other direction can bring (the
            // version, the client random): that one goes first. One that waits for a secret
            // holds everything after it, so that the order stays the wire's.
            let other = match dir {
                Dir::ClientToServer => Dir::ServerToClient,
                Dir::ServerToClient => Dir::ClientToServer,
            };
            if !(self.waits_for_other && !self.sides[other.index()].broken && self.step(other, out))
            {
                break;
            }
        }
    }

    /// Read the next waiting record of `dir`, if it can be read now.
    fn step(&mut self, dir: Dir, out: &mut Vec<Seen>) -> bool {
        let before = self.sides[dir.index()].waiting.len();
        let at_us = self.sides[dir.index()]
            .waiting
            .front()
            .and_then(|w| w.at_us);
        self.waits_for_other = false;
        let from = out.len();
        self.drain(dir, 1, out);
        let taken = self.sides[dir.index()].waiting.len() < before;
        if taken {
            // What this record completed crossed when it did.
            for s in &mut out[from..] {
                s.at_us = s.at_us.or(at_us);
            }
        }
        taken
    }

    /// Whether records that crossed are still waiting to be read (for a secret, or for what the
    /// other direction brings). A broken side's records are read no more: they wait for nothing.
    pub fn is_waiting(&self) -> bool {
        self.sides
            .iter()
            .any(|s| !s.broken && !s.waiting.is_empty())
    }

    /// The end of the connection: records still waiting for a secret that never came are shown
    /// for what they are, encrypted.
    pub fn finish(&mut self) -> Vec<Seen> {
        // In the order they crossed, both directions together: what can be read now is (a
        // clear alert after a record that stays encrypted), what cannot is shown as it is.
        let mut out = Vec::new();
        loop {
            let next = [Dir::ClientToServer, Dir::ServerToClient]
                .into_iter()
                .filter_map(|d| self.sides[d.index()].waiting.front().map(|w| (w.seq, d)))
                .min_by_key(|(s, _)| *s);
            let Some((_, dir)) = next else { break };
            if !self.sides[dir.index()].broken && self.step(dir, &mut out) {
                continue;
            }
            let side = &mut self.sides[dir.index()];
            let protection = if side.tls12_encrypted {
                Protection::Tls12Encrypted
            } else {
                Protection::Clear
            };
            if let Some(w) = side.waiting.pop_front() {
                let mut seen = not_decrypted(dir, w.record, protection);
                seen.at_us = w.at_us;
                out.push(seen);
            }
        }
        out
    }

    fn secret(&self, label: &str) -> Option<&[u8]> {
        self.entry(label).map(Entry::secret)
    }

    /// This connection's secret `label`, as the key log gave it.
    fn entry(&self, label: &str) -> Option<&Entry> {
        let random = self.client_random.as_ref()?;
        self.secrets.iter().find(|e| e.is(label, random))
    }

    /// Make sure this side has the keys its next record needs (`tls12`: TLS 1.2 after its
    /// ChangeCipherSpec; `tls13`: a TLS 1.3 protected record). `Ok(false)` while a secret is
    /// missing. TLS 1.2 suites certbench does not decrypt get no keys and are shown as they are.
    fn prepare_keys(&mut self, dir: Dir, tls12: bool, tls13: bool) -> Result<bool, DecryptError> {
        let i = dir.index();
        if tls13 && self.sides[i].keys.is_none() {
            let phase = usize::from(self.sides[i].finished);
            let (Some(suite), Some(secret)) = (self.suite, self.entry(SECRET_LABELS[i][phase]))
            else {
                return Ok(false);
            };
            let secret = secret.clone();
            let side = &mut self.sides[i];
            side.keys = Some(TrafficKeys::new(suite, secret.secret())?);
            side.secret = Some(secret);
            side.secret_label = SECRET_LABELS[i][phase];
            side.updates = 0;
            side.protection = Some(if phase == 0 {
                Protection::Handshake
            } else {
                Protection::Application
            });
        }
        if tls12
            && self.sides[i].tls12_keys.is_none()
            && let Some(suite) = self.tls12_suite.and_then(Tls12Suite::from_id)
        {
            let (Some(master), Some(client), Some(server)) = (
                self.secret("CLIENT_RANDOM"),
                &self.client_random,
                &self.server_random,
            ) else {
                return Ok(false);
            };
            // Both directions' keys come from the one key block.
            let (c, s) = Tls12Keys::pair(suite, master, client, server)?;
            let (mine, theirs) = match dir {
                Dir::ClientToServer => (c, s),
                Dir::ServerToClient => (s, c),
            };
            self.sides[i].tls12_keys = Some(mine);
            self.sides[1 - i].tls12_keys.get_or_insert(theirs);
        }
        Ok(true)
    }

    /// Read at most `limit` of this side's waiting records, in order, stopping at one whose
    /// secret has not come; what is seen goes to `out`.
    fn drain(&mut self, dir: Dir, limit: usize, out: &mut Vec<Seen>) {
        let mut taken = 0;
        loop {
            if taken >= limit {
                break;
            }
            let i = dir.index();
            let Some(front) = self.sides[i].waiting.front().map(|w| &w.record) else {
                break;
            };
            let (front_type, wire_len) = (front.content_type, front.wire.len());
            if matches!(front_type, 20 | 23) && self.version.is_none() {
                // ChangeCipherSpec or protected data before the ServerHello was seen: what they
                // mean depends on the version, so they wait for it.
                self.waits_for_other = true;
                break;
            }
            // TLS 1.2 after this side's ChangeCipherSpec, or TLS 1.3's protected records.
            let tls12 = self.sides[i].tls12_encrypted && front_type != 20;
            let tls13 = front_type == 23 && self.version == Some(Version::Tls13);
            match self.prepare_keys(dir, tls12, tls13) {
                Ok(true) => {}
                Ok(false) => {
                    // Wait for the secret; without the ClientHello's random no secret is
                    // found, and that the other direction brings.
                    if self.client_random.is_none() {
                        self.waits_for_other = true;
                    }
                    break;
                }
                Err(e) => {
                    let protection = if tls12 {
                        Protection::Tls12Encrypted
                    } else {
                        Protection::Clear
                    };
                    out.push(Seen::unreadable(
                        dir,
                        Unreadable::Decrypt(e),
                        protection,
                        wire_len,
                    ));
                    self.sides[i].broken = true;
                    break;
                }
            }
            let Some(Waiting { record, .. }) = self.sides[i].waiting.pop_front() else {
                break;
            };
            taken += 1;
            let side = &mut self.sides[i];
            let opened = if tls12 {
                let Some(keys) = side.tls12_keys.as_mut() else {
                    // A suite certbench does not decrypt: what the record is, not what it says.
                    out.push(not_decrypted(dir, record, Protection::Tls12Encrypted));
                    continue;
                };
                keys.open(&record, &mut self.arena)
                    .map(|(p, sealing)| (record.content_type, p, Protection::Tls12, Some(sealing)))
                    .map_err(|e| (e, Protection::Tls12Encrypted))
            } else if tls13 {
                let protection = side.protection.unwrap_or(Protection::Handshake);
                let Some(keys) = side.keys.as_mut() else {
                    break;
                };
                keys.open(&record, side.secret_label, side.updates, &mut self.arena)
                    .map(|(t, p, sealing)| (t, p, protection, Some(sealing)))
                    .map_err(|e| (e, protection))
            } else {
                // In clear, the content is the payload itself: shared with the record, not copied.
                Ok((
                    record.content_type,
                    record.wire.slice(5..),
                    Protection::Clear,
                    None,
                ))
            };
            let (content_type, payload, protection, sealing) = match opened {
                Ok(o) => o,
                Err((e, protection)) => {
                    let mut seen =
                        Seen::unreadable(dir, Unreadable::Decrypt(e), protection, wire_len);
                    let bytes = RecordBytes {
                        wire: record.wire,
                        content: None,
                        sealing: None,
                    };
                    seen.carried = carried_alone(bytes, Bytes::new());
                    out.push(seen);
                    side.broken = true;
                    break;
                }
            };
            // What carried it: its bytes as they crossed (taken, not copied), and what it said.
            let wire = record.wire;
            let record_bytes = move |content: Bytes| RecordBytes {
                wire,
                content: Some(content),
                sealing,
            };
            match content_type {
                20 => {
                    out.push(Seen {
                        dir,
                        what: What::ChangeCipherSpec,
                        protection,
                        wire_len,
                        carried: carried_alone(record_bytes(payload.clone()), payload),
                        at_us: None,
                    });
                    // TLS 1.2: from here on this side is encrypted. (TLS 1.3's is for middleboxes.)
                    if self.version != Some(Version::Tls13) {
                        self.sides[i].tls12_encrypted = true;
                    }
                }
                21 => {
                    let what = match &payload[..] {
                        [level, description] => What::Alert {
                            level: *level,
                            description: *description,
                        },
                        _ => What::Unreadable {
                            reason: Unreadable::Alert { len: payload.len() },
                        },
                    };
                    out.push(Seen {
                        dir,
                        what,
                        protection,
                        wire_len,
                        carried: carried_alone(record_bytes(payload.clone()), payload),
                        at_us: None,
                    });
                }
                23 => {
                    let len = payload.len();
                    out.push(Seen {
                        dir,
                        what: What::ApplicationData {
                            plaintext: Some(match self.compact {
                                true => Bytes::copy_from_slice(&payload),
                                false => payload.clone(),
                            }),
                            len,
                        },
                        protection,
                        wire_len,
                        carried: carried_alone(record_bytes(payload.clone()), payload),
                        at_us: None,
                    });
                }
                22 => {
                    let side = &mut self.sides[i];
                    let start = side.hs_in;
                    side.hs_in += payload.len();
                    let messages = side.handshake.push_bytes(payload.clone());
                    // A peer cutting a message into tiny records must not make memory grow with
                    // each: past a bound, the message's bytes are not kept (it is still decoded).
                    if side.hs_records.len() < MAX_TRACKED_RECORDS {
                        side.hs_records
                            .push_back((start, side.hs_in, record_bytes(payload)));
                    } else {
                        side.hs_untracked = true;
                    }
                    for m in messages {
                        match m {
                            Err(e) => {
                                out.push(Seen::unreadable(
                                    dir,
                                    Unreadable::Framing(e),
                                    protection,
                                    wire_len,
                                ));
                                self.sides[i].broken = true;
                            }
                            Ok(raw) => {
                                let version = self.version.unwrap_or(Version::Tls12);
                                let message = match self.compact {
                                    true => decode(raw.typ, raw.body(), version),
                                    false => decode_shared(raw.typ, &raw.body_shared(), version),
                                }
                                .map(Arc::new);
                                // The message's own size: a record may carry several.
                                let wire_len = raw.encoded.len();
                                let typ = raw.typ;
                                let carried = self.sides[i].carry(raw.encoded);
                                self.learn(dir, &message);
                                out.push(Seen {
                                    dir,
                                    what: What::Handshake { typ, message },
                                    protection,
                                    wire_len,
                                    carried,
                                    at_us: None,
                                });
                            }
                        }
                    }
                }
                t => {
                    let mut seen = Seen::unreadable(
                        dir,
                        Unreadable::OtherRecord { content_type: t },
                        protection,
                        wire_len,
                    );
                    seen.carried = carried_alone(record_bytes(payload.clone()), payload);
                    out.push(seen);
                }
            }
            if self.sides[i].broken {
                break;
            }
        }
    }

    /// What a message tells about the connection: its random, version and suite; key changes.
    fn learn(&mut self, dir: Dir, message: &Result<Arc<Message>, DecodeError>) {
        match message.as_deref() {
            Ok(Message::ClientHello(ch)) if self.client_random.is_none() => {
                self.client_random = ch.random[..].try_into().ok()
            }
            // A HelloRetryRequest names TLS 1.3 and the suite too (RFC 8446 4.1.4): knowing the
            // version lets the compatibility ChangeCipherSpecs that follow it through.
            Ok(Message::ServerHello(sh)) => {
                if sh.selected_version == Some(0x0304) {
                    self.version = Some(Version::Tls13);
                    self.suite = Suite::from_id(sh.cipher_suite);
                } else {
                    self.version = Some(Version::Tls12);
                    self.tls12_suite = Some(sh.cipher_suite);
                    self.server_random = sh.random[..].try_into().ok();
                }
            }
            Ok(Message::KeyUpdate { .. }) if self.version == Some(Version::Tls13) => {
                // The sender's next records use the next generation of its traffic secret.
                let suite = self.suite;
                let side = &mut self.sides[dir.index()];
                let next = suite.zip(side.secret.as_ref()).map(|(suite, secret)| {
                    let next = suite.next_secret(secret.secret())?;
                    let keys = TrafficKeys::new(suite, &next)?;
                    Entry::new(&secret.label, &secret.client_random, &next)
                        .map(|next| (next, keys))
                        .ok_or(DecryptError::KeyDerivation {
                            label: "traffic upd".into(),
                        })
                });
                match next {
                    Some(Ok((next, keys))) => {
                        side.secret = Some(next);
                        side.keys = Some(keys);
                        side.updates += 1;
                    }
                    // Without the current secret the next records cannot be read; they say so.
                    _ => side.keys = None,
                }
            }
            Ok(Message::Finished { .. }) if self.version == Some(Version::Tls13) => {
                // After its Finished a side switches to its application traffic secret.
                let side = &mut self.sides[dir.index()];
                side.finished = true;
                side.keys = None;
            }
            _ => {}
        }
    }
}

/// A record that stays encrypted: what its type says it is, and why it was not read.
fn not_decrypted(dir: Dir, record: Record, protection: Protection) -> Seen {
    let len = record.payload().len();
    let what = match record.content_type {
        // TLS 1.2: after ChangeCipherSpec the only handshake message is Finished.
        22 if protection == Protection::Tls12Encrypted => What::Handshake {
            typ: 20,
            message: Err(DecodeError::NotDecrypted),
        },
        23 if protection == Protection::Tls12Encrypted => What::ApplicationData {
            plaintext: None,
            len,
        },
        t => What::Unreadable {
            reason: Unreadable::NotDecrypted {
                content_type: t,
                len,
            },
        },
    };
    let bytes = RecordBytes {
        wire: record.wire,
        content: None,
        sealing: None,
    };
    Seen {
        dir,
        what,
        protection,
        wire_len: len + 5,
        carried: carried_alone(bytes, Bytes::new()),
        at_us: None,
    }
}

/// Records of one handshake message whose bytes are kept (a long chain takes a few; a peer that
/// sends a byte a record would take thousands).
const MAX_TRACKED_RECORDS: usize = 64;

impl Side {
    /// The records that carried the next message out of the reassembly (`message`: its type,
    /// length and body), and where it starts in the first one.
    fn carry(&mut self, message: Bytes) -> Option<Arc<Carried>> {
        let (start, end) = (self.hs_out, self.hs_out + message.len());
        self.hs_out = end;
        // The records are in stream order, one after the other: those that end within this
        // message carry nothing after it and are moved out; one that goes on past it carries the
        // next message too, and is shared.
        let mut records = Records::default();
        let mut first_start = None;
        while let Some(&(s, e, _)) = self.hs_records.front() {
            if s >= end {
                break;
            }
            let record = if e <= end {
                self.hs_records.pop_front().map(|(_, _, r)| r)
            } else {
                self.hs_records.front().map(|(_, _, r)| r.clone())
            };
            if e > start && !self.hs_untracked {
                first_start.get_or_insert(s);
                records.extend(record);
            }
            if e > end {
                break;
            }
        }
        if self.hs_untracked {
            // Tracking starts again once the reassembly is empty.
            self.hs_untracked = self.hs_out < self.hs_in;
            return None;
        }
        Some(Arc::new(Carried {
            records,
            offset: start.saturating_sub(first_start?),
            bytes: message,
        }))
    }
}

/// The secrets `exercise` can give, picked by a control byte (see there).
pub const EXERCISE_LABELS: [&str; 5] = [
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "CLIENT_RANDOM",
];

/// Drive an Observer with arbitrary bytes, for the fuzz target (fuzz/fuzz_targets/observer.rs)
/// and the tests: each step takes a control byte, then either feeds the next bytes in one
/// direction, in pieces of any size, or gives a secret for the connection seen so far. An input
/// of odd length is read as a keeper of a foreign peer reads it (`set_compact`). Nothing here may
/// panic or allocate without bound, whatever the input.
pub fn exercise(data: &[u8]) -> usize {
    let mut obs = Observer::new();
    obs.set_compact(data.len() % 2 == 1);
    let mut seen = 0;
    let mut rest = data;
    while let Some((&control, tail)) = rest.split_first() {
        rest = tail;
        let dir = if control & 1 == 0 {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        };
        if control & 2 == 0 {
            // Feed up to 4 KiB of the input, in a piece whose size the control byte picks.
            let piece = (usize::from(control >> 2) * 64 + 1).min(rest.len());
            let (bytes, tail) = rest.split_at(piece);
            rest = tail;
            seen += obs.feed(dir, bytes).len();
        } else {
            let label = EXERCISE_LABELS[usize::from(control >> 2) % EXERCISE_LABELS.len()];
            let len = [32, 48][usize::from(control >> 7)].min(rest.len());
            let (secret, tail) = rest.split_at(len);
            rest = tail;
            let random = obs.client_random.map(|r| r.to_vec()).unwrap_or_default();
            seen += obs.add_secret(label, &random, secret).len();
        }
    }
    seen
}

/// Lines of an SSLKEYLOGFILE: `LABEL <client random hex> <secret hex>`.
pub fn parse_keylog_line(line: &str) -> Option<(String, Vec<u8>, Vec<u8>)> {
    let mut parts = line.split_whitespace();
    let label = parts.next()?.to_string();
    let hex = |s: &str| -> Option<Vec<u8>> {
        s.len().is_multiple_of(2).then_some(())?;
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect()
    };
    let random = hex(parts.next()?)?;
    let secret = hex(parts.next()?)?;
    Some((label, random, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keylog_lines_parse_and_garbage_does_not() {
        let (label, random, secret) =
            parse_keylog_line("CLIENT_TRAFFIC_SECRET_0 0a0b 0c0d0e").unwrap();
        assert_eq!(
            (label.as_str(), random, secret),
            ("CLIENT_TRAFFIC_SECRET_0", vec![10, 11], vec![12, 13, 14])
        );
        assert!(parse_keylog_line("# a comment").is_none());
        assert!(parse_keylog_line("LABEL zz 00").is_none());
        assert!(parse_keylog_line("LABEL 0 00").is_none());
    }

    /// A message cut across two records is carried by both; a record with two messages
    /// carries each, from where it starts.
    #[test]
    fn bytes_of_messages_across_records_and_several_in_one() {
        let record = |payload: &[u8]| {
            let mut r = vec![22, 3, 3, 0, payload.len() as u8];
            r.extend_from_slice(payload);
            r
        };
        // ServerHelloDone (4 bytes) and the first 2 bytes of a ClientKeyExchange; then its rest.
        let cke = [16u8, 0, 0, 3, 2, 0xaa, 0xbb];
        let mut first = vec![14u8, 0, 0, 0];
        first.extend_from_slice(&cke[..2]);
        let mut obs = Observer::new();
        let mut seen = obs.feed(Dir::ServerToClient, &record(&first));
        seen.extend(obs.feed(Dir::ServerToClient, &record(&cke[2..])));
        let carried: Vec<&Carried> = seen.iter().map(|s| s.carried.as_deref().unwrap()).collect();
        assert_eq!(carried.len(), 2);
        assert_eq!((carried[0].records.len(), carried[0].offset), (1, 0));
        assert_eq!(carried[0].bytes[..], [14, 0, 0, 0]);
        assert_eq!((carried[1].records.len(), carried[1].offset), (2, 4));
        assert_eq!(carried[1].bytes[..], cke);
        assert_eq!(carried[1].pieces(), vec![(0, 4..6), (1, 0..5)]);
        // The one record both messages share: the same bytes, not a copy.
        assert_eq!(
            carried[0].records[0].wire.as_ptr(),
            carried[1].records[0].wire.as_ptr()
        );
    }

    /// A peer that sends a message a byte a record: the message is decoded, its bytes are not
    /// kept (memory does not grow with each record), and the next message's are again.
    #[test]
    fn a_message_in_a_thousand_records_keeps_no_bytes() {
        let mut obs = Observer::new();
        let body = [0u8; 1000];
        let mut msg = vec![16u8, 0, 0x03, 0xe8];
        msg.extend_from_slice(&body);
        let mut seen = Vec::new();
        for b in &msg {
            seen.extend(obs.feed(Dir::ClientToServer, &[22, 3, 3, 0, 1, *b]));
            assert!(obs.sides[0].hs_records.len() <= MAX_TRACKED_RECORDS);
        }
        assert_eq!(seen.len(), 1);
        assert!(seen[0].carried.is_none());
        let seen = obs.feed(Dir::ClientToServer, &[22, 3, 3, 0, 4, 14, 0, 0, 0]);
        assert_eq!(seen[0].carried.as_ref().unwrap().bytes[..], [14, 0, 0, 0]);
    }

    #[test]
    fn exercise_survives_random_and_truncated_input() {
        let mut x: u64 = 0x9e3779b97f4a7c15;
        for n in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 2048) as usize;
            let data: Vec<u8> = (0..len)
                .map(|i| (x.rotate_left((i % 64) as u32) as u8) ^ (n as u8))
                .collect();
            exercise(&data);
        }
    }

    #[test]
    fn random_traffic_never_panics() {
        let mut x: u64 = 0x2545f4914f6cdd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..500 {
            let mut obs = Observer::new();
            for step in 0..20 {
                let len = (next() % 300) as usize;
                let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                // Mostly plausible record headers, so the deeper code is reached.
                if bytes.len() > 5 && step % 3 != 0 {
                    bytes[0] = 20 + (bytes[0] % 4);
                    bytes[1] = 3;
                    bytes[2] = 3;
                    let n = (bytes.len() - 5) as u16;
                    bytes[3..5].copy_from_slice(&n.to_be_bytes());
                }
                let dir = if next() % 2 == 0 {
                    Dir::ClientToServer
                } else {
                    Dir::ServerToClient
                };
                let _ = obs.feed(dir, &bytes);
                if next() % 5 == 0 {
                    let secret: Vec<u8> = (0..32).map(|_| next() as u8).collect();
                    let _ = obs.add_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", &[0; 32], &secret);
                }
            }
        }
    }
}
