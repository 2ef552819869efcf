//! The Handshake pane's state: the choices for the next run, and the events of the current one as
//! they arrive.

use certbench_lab::Scenario;
use certbench_tls::run::{ClientAuth, Event, EventKind, Side, Stepper, Summary, TlsVersion, Trust};
use certbench_tls::serve::Connection;
use certbench_wire::messages::Message;
use certbench_wire::names::HandshakeType;

use crate::action::ServeControl;

impl HandshakeState {
    /// Which keymap sections apply in this pane, most specific first.
    pub fn contexts(&self) -> Vec<crate::keymap::Context> {
        use crate::keymap::Context;
        if self.target.is_some() {
            vec![Context::Target]
        } else {
            vec![Context::Handshake, Context::Global]
        }
    }
}

#[derive(Debug, Clone)]
pub struct HandshakeState {
    pub version: TlsVersion,
    /// The client certificate's name in the workspace; `None` sends none.
    pub client: Option<String>,
    /// Key exchange group by name; `None` lets rustls choose.
    pub group: Option<String>,
    /// Cipher suite by name; `None` lets rustls choose.
    pub suite: Option<String>,
    /// The name the client asks for (SNI) and checks the server certificate against.
    pub server_name: String,
    /// The server certificate's name in the workspace.
    pub server: String,
    pub client_auth: ClientAuth,
    /// Whether each side sends its chain (server, client), or its leaf alone.
    pub chains: (bool, bool),
    /// What each side trusts (client, server).
    pub trust: (Trust, Trust),
    /// A failure lab scenario to run instead of the workspace's certificates.
    pub scenario: Option<&'static Scenario>,
    /// The scenario the current (or last) run is, whatever has been picked since.
    pub ran: Option<&'static Scenario>,
    /// What each side trusted in the current (or last) run of the workspace's material
    /// (client, server); `None` for a lab scenario or a server's connection.
    pub ran_trust: Option<(Trust, Trust)>,
    /// The last run's failure or lesson explained, worked out once when it ended.
    pub explained: certbench_lab::Explained,
    /// Who proved what in the last run, worked out once when it ended (it reads certificates).
    pub proofs: Option<certbench_tls::proof::Proofs>,
    /// Which run the events belong to; events of an older run are dropped.
    pub run: u64,
    pub running: bool,
    pub events: Vec<Event>,
    pub outcome: Option<Result<Summary, String>>,
    pub selected: usize,
    /// The selection follows new events until the user moves it.
    pub follow: bool,
    /// The run's end is selected (the row after its last event): the Step box says who proved
    /// what, or who caught what.
    pub at_end: bool,
    /// A row of a message the run did not carry is selected: the Step box says why.
    pub absent: Option<Absent>,
    /// Pause before each flight until space.
    pub step_mode: bool,
    /// The running handshake's stepper (cancel, and step mode's pauses).
    pub stepper: Option<Stepper>,
    /// Step mode: the run waits for space before a flight.
    pub paused: bool,
    /// Step mode: a message of the flight under way has crossed (its first was selected; the
    /// selection stays there until the next flight).
    pub flight_shown: bool,
    /// How far the Step box is scrolled (a message's fields can be longer than the box).
    pub details_scroll: u16,
    /// Each side's secrets derived in a row folded into one line.
    pub fold_secrets: bool,
    /// The Step box shows the selected message's bytes, annotated.
    pub bytes: bool,
    /// In the bytes: the field selected (its index among the leaves) and the byte in it.
    pub byte_cursor: ByteCursor,
    /// A server for outside clients, while it runs.
    pub serve: Option<ServeState>,
    /// Where to connect (or relay to), while it is typed.
    pub target: Option<crate::input::Input>,
    /// What the target being typed is for.
    pub target_for: TargetFor,
    /// The last target the relay was started with.
    pub relayed_to: Option<String>,
    /// The key log a relay follows: `--keylog` or SSLKEYLOGFILE, else the workspace's
    /// [`super::update::RELAY_KEYLOG`].
    pub relay_keylog: Option<std::path::PathBuf>,
    /// The last run was `connect` to this target (not the loopback pair).
    pub connected_to: Option<String>,
    /// The timeline shows a run the user started (r, C), not a server's connection: new
    /// connections do not take its place until [ or ] asks for them.
    pub run_in_view: bool,
}

/// What a target typed in the pane is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetFor {
    Connect,
    Relay,
}

/// The server or the relay started from the pane, and the connections it has had.
#[derive(Debug, Clone)]
pub struct ServeState {
    pub control: ServeControl,
    /// Where it listens, once it does.
    pub addr: Option<std::net::SocketAddr>,
    pub kind: Listening,
    /// Oldest first, at most [`MAX_CONNECTIONS`]; the pane lists them newest first.
    pub connections: Vec<ConnectionRow>,
    /// The connection shown in the timeline; `None` follows the newest.
    pub selected: Option<u64>,
    pub total: u64,
    /// Connections no longer in the list (it keeps the newest).
    pub forgotten: u64,
}

/// What listens: certbench as the server of the workspace, or a relay between two programs of
/// the user's.
#[derive(Debug, Clone)]
pub enum Listening {
    Serve {
        client_auth: ClientAuth,
        /// The files a client uses to try it.
        try_files: Option<certbench_tls::serve::TryFiles>,
    },
    Relay {
        /// Where each connection is forwarded: HOST:PORT.
        target: String,
        /// The SSLKEYLOGFILE followed: the clients are to write their secrets there.
        keylog: std::path::PathBuf,
    },
}

/// One connection in the list: open, or ended with its record and timeline.
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    pub id: u64,
    /// When the pane heard of it.
    pub at: time::OffsetDateTime,
    pub peer: std::net::SocketAddr,
    /// Its events so far, while it is open (at most [`MAX_LIVE_EVENTS`]).
    pub live: Vec<Event>,
    pub done: Option<Ended>,
}

/// A connection that ended: one the server had, or one that went through the relay.
#[derive(Debug, Clone)]
pub enum Ended {
    Served(Box<Connection>),
    Relayed(Box<certbench_tls::relay::Relayed>),
}

impl Ended {
    pub fn id(&self) -> u64 {
        match self {
            Ended::Served(c) => c.id,
            Ended::Relayed(r) => r.id,
        }
    }

    pub fn events(&self) -> &[Event] {
        match self {
            Ended::Served(c) => &c.events,
            Ended::Relayed(r) => &r.events,
        }
    }

    pub fn summary(&self) -> Summary {
        match self {
            Ended::Served(c) => c.summary(),
            Ended::Relayed(r) => r.summary(),
        }
    }

    /// Whose terms its fix is in.
    pub fn peer(&self) -> certbench_lab::Peer {
        match self {
            Ended::Served(_) => certbench_lab::Peer::Serve,
            Ended::Relayed(_) => certbench_lab::Peer::Relay,
        }
    }
}

/// Events of an open connection the pane keeps (the server keeps them all for its record).
pub const MAX_LIVE_EVENTS: usize = 4096;

/// Connections the pane keeps (with their timelines).
pub const MAX_CONNECTIONS: usize = 200;

impl ServeState {
    pub fn new(control: ServeControl, client_auth: ClientAuth) -> ServeState {
        ServeState::of(
            control,
            Listening::Serve {
                client_auth,
                try_files: None,
            },
        )
    }

    pub fn relay(control: ServeControl, target: String, keylog: std::path::PathBuf) -> ServeState {
        ServeState::of(control, Listening::Relay { target, keylog })
    }

    fn of(control: ServeControl, kind: Listening) -> ServeState {
        ServeState {
            control,
            addr: None,
            kind,
            connections: Vec::new(),
            selected: None,
            total: 0,
            forgotten: 0,
        }
    }

    /// The id shown: the one selected, else the newest.
    pub fn shown(&self) -> Option<u64> {
        self.selected
            .or_else(|| self.connections.last().map(|c| c.id))
    }

    pub fn accepted(&mut self, id: u64, peer: std::net::SocketAddr, at: time::OffsetDateTime) {
        self.total += 1;
        self.connections.push(ConnectionRow {
            id,
            at,
            peer,
            live: Vec::new(),
            done: None,
        });
        if self.connections.len() > MAX_CONNECTIONS {
            let gone = self.connections.remove(0);
            self.forgotten += 1;
            if self.selected == Some(gone.id) {
                self.selected = None;
            }
        }
    }

    /// A connection ended; `false` when it is no longer in the list.
    pub fn finished(&mut self, c: Ended) -> bool {
        match self.connections.iter_mut().find(|r| r.id == c.id()) {
            Some(row) => {
                row.done = Some(c);
                row.live = Vec::new();
                true
            }
            None => false,
        }
    }

    /// Select a newer (`-1`) or older (`+1`) connection than the one shown.
    pub fn step(&mut self, delta: isize) {
        let Some(shown) = self.shown() else { return };
        // Newest first, as listed.
        let ids: Vec<u64> = self.connections.iter().rev().map(|c| c.id).collect();
        let here = ids.iter().position(|&i| i == shown).unwrap_or(0) as isize;
        let to = (here + delta).clamp(0, ids.len() as isize - 1) as usize;
        // Back at the newest: follow new ones again.
        self.selected = (to > 0).then(|| ids[to]);
    }
}

impl Default for HandshakeState {
    fn default() -> Self {
        HandshakeState {
            version: TlsVersion::Tls13,
            client: Some("client".into()),
            group: None,
            suite: None,
            server_name: "localhost".into(),
            server: "server".into(),
            client_auth: ClientAuth::Required,
            chains: (true, true),
            trust: (Trust::Workspace, Trust::Workspace),
            scenario: None,
            ran: None,
            ran_trust: None,
            explained: certbench_lab::Explained::default(),
            proofs: None,
            run: 0,
            running: false,
            events: Vec::new(),
            outcome: None,
            selected: 0,
            follow: true,
            at_end: false,
            absent: None,
            step_mode: false,
            stepper: None,
            paused: false,
            flight_shown: false,
            details_scroll: 0,
            fold_secrets: true,
            bytes: false,
            byte_cursor: ByteCursor::default(),
            serve: None,
            target: None,
            target_for: TargetFor::Connect,
            relayed_to: None,
            relay_keylog: None,
            connected_to: None,
            run_in_view: false,
        }
    }
}

impl HandshakeState {
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// Serving or relaying from now on: the last run's timeline goes, so that what the pane shows
    /// under the listener's header is the listener's connections, not a run of another mode
    /// read as if it were one of them.
    pub fn leave_run(&mut self) {
        self.run_in_view = false;
        // A run still under way keeps its timeline until it ends (its events are its own).
        if self.running {
            return;
        }
        self.events.clear();
        self.outcome = None;
        self.connected_to = None;
        self.selected = 0;
        self.at_end = false;
        self.absent = None;
        self.details_scroll = 0;
    }

    /// Start a new run: a new id, an empty timeline.
    pub fn start(&mut self) -> u64 {
        self.run += 1;
        self.ran_trust = None;
        self.run_in_view = true;
        self.running = true;
        self.events.clear();
        self.outcome = None;
        self.selected = 0;
        self.follow = true;
        self.at_end = false;
        self.absent = None;
        self.paused = false;
        self.flight_shown = false;
        // A new run's Step box starts at its top.
        self.details_scroll = 0;
        self.run
    }

    pub fn push(&mut self, run: u64, event: Event) {
        if run != self.run {
            return;
        }
        // A pause lasts until bytes move on the wire again (local events do not end it).
        match event.kind {
            EventKind::Paused => self.paused = true,
            EventKind::Wire(_) => self.paused = false,
            _ => {}
        }
        // Following, the selection goes to each new message (or failure): a learner reads what
        // was just sent, not the secrets derived around it. In step mode it goes to the pause
        // (which says what comes next), then to the first message of the flight let go, and
        // stays there: a flight is read from its start.
        let pause = event.kind == EventKind::Paused;
        let wire = event.wire().is_some();
        let first = self.events.is_empty() || event.is_failure();
        let worth = if self.step_mode {
            // Before the first flight, the pause (what comes next); after, each flight's first
            // message (the Step box adds what comes next while the run waits).
            first
                || (wire && !self.flight_shown)
                || (pause && !self.events.iter().any(|e| e.wire().is_some()))
        } else {
            first || wire
        };
        self.events.push(event);
        if self.follow && worth {
            self.selected = self.events.len() - 1;
            self.absent = None;
        }
        if wire {
            self.flight_shown = true;
        }
        if pause {
            self.flight_shown = false;
        }
    }

    /// Paused before a flight, waiting for space.
    pub fn is_paused(&self) -> bool {
        self.running && self.paused
    }

    pub fn finish(&mut self, run: u64, outcome: Result<Summary, String>) {
        if run == self.run {
            self.running = false;
            // Following the run, the selection goes on to its end.
            self.at_end = self.follow;
            self.proofs = Some(certbench_tls::proof::proofs(&self.events));
            if self.at_end {
                self.absent = None;
            }
            self.stepper = None;
            self.explained = match &outcome {
                Ok(summary) if self.connected_to.is_some() => {
                    certbench_lab::explain_peer(summary, &self.events, certbench_lab::Peer::Connect)
                }
                Ok(summary) => certbench_lab::explain(summary, self.ran, &self.events),
                Err(_) => certbench_lab::Explained::default(),
            };
            self.outcome = Some(outcome);
        }
    }

    /// Whose program the other side of what is shown is: the shown connection's (served or
    /// relayed), a connect's, or `None` for a run of certbench's own.
    pub fn shown_peer(&self) -> Option<certbench_lab::Peer> {
        if self.run_in_view {
            return self
                .connected_to
                .is_some()
                .then_some(certbench_lab::Peer::Connect);
        }
        self.shown_ended().map(Ended::peer)
    }

    /// The connection in view (no run of the pane's own is), once it has ended.
    fn shown_ended(&self) -> Option<&Ended> {
        let serve = self.serve.as_ref().filter(|_| !self.run_in_view)?;
        let id = serve.shown()?;
        serve.connections.iter().find(|r| r.id == id)?.done.as_ref()
    }

    /// The connection in view, when it is one the relay forwarded (not certbench's own
    /// server's) and it has ended.
    pub fn shown_relayed(&self) -> Option<&certbench_tls::relay::Relayed> {
        match self.shown_ended()? {
            Ended::Relayed(r) => Some(r),
            Ended::Served(_) => None,
        }
    }

    /// Show a server's connection in the timeline and the Step box, as a run is shown.
    pub fn show_connection(&mut self) {
        let Some(serve) = &self.serve else { return };
        let Some(row) = serve
            .shown()
            .and_then(|id| serve.connections.iter().find(|r| r.id == id))
        else {
            return;
        };
        self.running = false;
        self.run_in_view = false;
        self.ran = None;
        self.ran_trust = None;
        self.details_scroll = 0;
        match &row.done {
            Some(c) => {
                let summary = c.summary();
                self.explained = certbench_lab::explain_peer(&summary, c.events(), c.peer());
                self.events = c.events().to_vec();
                self.proofs = Some(certbench_tls::proof::proofs(&self.events));
                self.outcome = Some(Ok(summary));
            }
            None => {
                self.events = row.live.clone();
                self.outcome = None;
                self.explained = certbench_lab::Explained::default();
            }
        }
        self.follow = true;
        self.at_end = row.done.is_some();
        self.absent = None;
        self.selected = self.events.len().saturating_sub(1);
    }

    /// Move the selection a row up or down the diagram (a folded row is one step).
    pub fn move_selection(&mut self, delta: isize) {
        let n = self.events.len();
        if n == 0 {
            return;
        }
        // The rows a selection can stand on: events (a folded row is one) and the messages a
        // flight did not carry; each with the event it stands for, or after.
        let mut stops: Vec<(usize, Option<Absent>)> = Vec::new();
        let mut before = 0;
        for r in rows(&self.events, self.fold_secrets) {
            match r {
                Row::Event { index, .. } => {
                    stops.push((index, None));
                    before = index;
                }
                Row::Absent { what, .. } => stops.push((before, Some(what))),
                _ => {}
            }
        }
        let here = match self.absent {
            Some(a) => stops.iter().position(|(_, w)| *w == Some(a)),
            None => stops
                .iter()
                .rposition(|(i, w)| w.is_none() && *i <= self.selected),
        }
        .unwrap_or(0) as isize;
        self.byte_cursor = ByteCursor::default();
        // The end of a finished run is a row of its own, after the last event.
        let last = stops.len() as isize - 1;
        let last_event = stops
            .iter()
            .rev()
            .find(|(_, w)| w.is_none())
            .map_or(0, |(i, _)| *i);
        if self.at_end {
            if delta < 0 {
                self.at_end = false;
                self.absent = stops.last().and_then(|(_, w)| *w);
                self.selected = last_event;
                self.follow = false;
            }
            return;
        }
        if here + delta > last && self.outcome.is_some() {
            self.at_end = true;
            self.absent = None;
            self.selected = last_event;
            return;
        }
        let to = (here + delta).clamp(0, last) as usize;
        let (index, absent) = stops.get(to).copied().unwrap_or((0, None));
        self.selected = index;
        self.absent = absent;
        self.follow = absent.is_none() && to + 1 == stops.len();
    }
}

/// Where the cursor is in a message's annotated bytes: a field (a leaf of the layout), and a
/// byte in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteCursor {
    /// `None`: the message's first field (where a new selection starts).
    pub leaf: Option<usize>,
    /// The byte, counted from the start of the leaf's bytes.
    pub byte: usize,
}

/// One row of the sequence diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A flight begins: its number and who sends it.
    Flight { number: usize, from: Side },
    /// An event, and the events folded into its row after it (a side's secrets in a row).
    Event {
        index: usize,
        folded: usize,
        /// The flight under way when it happened (0 before the first).
        flight: usize,
    },
    /// A message that a flight could have carried and did not (drawn after the flight).
    Absent { side: Side, what: Absent },
    /// The end of a finished run: selected, the Step box says how it ended.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    CertificateRequest,
    ClientCertificate,
    CertificateVerify,
}

impl Absent {
    pub fn code(self) -> &'static str {
        match self {
            Absent::CertificateRequest => "absent_certificate_request",
            Absent::ClientCertificate => "absent_client_certificate",
            Absent::CertificateVerify => "absent_certificate_verify",
        }
    }
}

impl Row {
    /// The event this row shows (the first of those folded), and how many more it folds.
    pub fn event(&self) -> Option<(usize, usize)> {
        match self {
            Row::Event { index, folded, .. } => Some((*index, *folded)),
            _ => None,
        }
    }

    /// Whether this row shows event `index` (itself, or folded into it).
    pub fn holds(&self, index: usize) -> bool {
        self.event()
            .is_some_and(|(first, folded)| (first..=first + folded).contains(&index))
    }
}

/// The rows of the sequence diagram: a header where each flight begins (a flight is what one
/// side sends before it waits for the other), every event, a side's secrets in a row folded into
/// one when `fold`, and the optional messages a finished flight did not carry.
pub fn rows(events: &[Event], fold: bool) -> Vec<Row> {
    let mut out = Vec::with_capacity(events.len() + 8);
    let mut flight = 0;
    let mut sender: Option<Side> = None;
    // What the flight under way carried (each message and its row), to say what it lacked, and
    // where, once it ends.
    let mut carried: Vec<(Option<HandshakeType>, usize)> = Vec::new();
    let mut empty_certificate = false;
    let mut asked = false;
    let mut i = 0;
    while i < events.len() {
        let e = &events[i];
        if e.wire().is_some() {
            if sender != Some(e.side) {
                if let Some(from) = sender {
                    ended(&mut out, from, &carried, empty_certificate, asked);
                }
                flight += 1;
                sender = Some(e.side);
                carried.clear();
                empty_certificate = false;
                out.push(Row::Flight {
                    number: flight,
                    from: e.side,
                });
            }
            let typ = e.handshake_type();
            carried.push((typ, out.len()));
            asked |= typ == Some(HandshakeType::CertificateRequest);
            if let Some(Message::Certificate(c)) = e.message() {
                empty_certificate |= e.side == Side::Client && c.certificates.is_empty();
            }
        }
        let mut folded = 0;
        if fold && matches!(e.kind, EventKind::Secret { .. }) {
            while events
                .get(i + folded + 1)
                .is_some_and(|n| n.side == e.side && matches!(n.kind, EventKind::Secret { .. }))
            {
                folded += 1;
            }
        }
        out.push(Row::Event {
            index: i,
            folded,
            flight,
        });
        i += folded + 1;
    }
    out
}

/// A flight ended: the optional messages it could have carried and did not, each drawn where it
/// would have been.
fn ended(
    out: &mut Vec<Row>,
    from: Side,
    carried: &[(Option<HandshakeType>, usize)],
    empty_certificate: bool,
    asked: bool,
) {
    use HandshakeType as H;
    let row = |t: HandshakeType| carried.iter().find(|(m, _)| *m == Some(t)).map(|(_, r)| *r);
    let has = |t: HandshakeType| row(t).is_some();
    let (at, what) = match from {
        // The server's flight with its certificate and no CertificateRequest: after its last
        // message.
        Side::Server if has(H::Certificate) && !has(H::CertificateRequest) => (
            carried.last().map(|(_, r)| r + 1),
            Absent::CertificateRequest,
        ),
        // The client's flight with its Finished and no Certificate: where the Certificate goes
        // (TLS 1.2: first; TLS 1.3: before the Finished).
        Side::Client if has(H::Finished) && !has(H::Certificate) && !asked => (
            row(H::ClientKeyExchange).or(row(H::Finished)),
            Absent::ClientCertificate,
        ),
        // An empty Certificate: no CertificateVerify after it.
        Side::Client if empty_certificate && !has(H::CertificateVerify) => (
            row(H::Certificate).map(|r| r + 1),
            Absent::CertificateVerify,
        ),
        _ => return,
    };
    if let Some(at) = at {
        out.insert(at.min(out.len()), Row::Absent { side: from, what });
    }
}

pub use certbench_tls::annotate::{Annotated, Section, SectionKind, annotate, version_of};

/// The byte cursor on an annotated message: the field (leaf) and byte it stands on.
pub trait CursorOn {
    /// The leaf the cursor is on.
    fn leaf(&self, cursor: ByteCursor) -> usize;
    /// The leaf under the cursor: its section and part.
    fn at(&self, cursor: ByteCursor) -> Option<(&Section, &certbench_wire::bytes::Part)>;
    /// The cursor moved a field (`delta`) or a byte (`bytes`) on, kept in bounds.
    fn step(&self, cursor: ByteCursor, delta: isize, bytes: isize) -> ByteCursor;
}

impl CursorOn for Annotated {
    /// The leaf the cursor is on.
    fn leaf(&self, cursor: ByteCursor) -> usize {
        cursor
            .leaf
            .unwrap_or(self.start)
            .min(self.leaves.len().saturating_sub(1))
    }

    /// The leaf under the cursor: its section and part.
    fn at(&self, cursor: ByteCursor) -> Option<(&Section, &certbench_wire::bytes::Part)> {
        let (s, p) = *self.leaves.get(self.leaf(cursor))?;
        let section = self.sections.get(s)?;
        Some((section, section.parts.get(p)?))
    }

    /// The cursor moved a field (`delta`) or a byte (`bytes`) on, kept in bounds.
    fn step(&self, cursor: ByteCursor, delta: isize, bytes: isize) -> ByteCursor {
        let last = self.leaves.len().saturating_sub(1);
        let mut leaf = self.leaf(cursor);
        let mut byte = cursor.byte;
        if delta != 0 {
            leaf = (leaf as isize + delta).clamp(0, last as isize) as usize;
            byte = 0;
        } else {
            let len = |leaf: usize| {
                self.at(ByteCursor {
                    leaf: Some(leaf),
                    byte: 0,
                })
                .map_or(0, |(_, p)| p.range.len())
            };
            let to = byte as isize + bytes;
            if to < 0 {
                if leaf > 0 {
                    leaf -= 1;
                    byte = len(leaf).saturating_sub(1);
                }
            } else if to as usize >= len(leaf) {
                if leaf < last {
                    leaf += 1;
                    byte = 0;
                }
            } else {
                byte = to as usize;
            }
        }
        ByteCursor {
            leaf: Some(leaf),
            byte,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Step box scrolled down in one run starts at its top in the next.
    #[test]
    fn a_new_run_starts_with_its_step_box_at_the_top() {
        let mut h = HandshakeState {
            details_scroll: 7,
            ..HandshakeState::default()
        };
        h.start();
        assert_eq!(h.details_scroll, 0);
    }
}
