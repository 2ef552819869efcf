//! The Handshake pane's state: the choices for the next run, and the events of the current one as
//! they arrive.

use certbench::handshake::run::{
    ClientAuth, Event, EventKind, Stepper, Summary, TlsVersion, Trust,
};
use certbench::handshake::serve::Connection;
use certbench::lab::Scenario;

use super::action::ServeControl;

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
    /// The last run's failure or lesson explained, worked out once when it ended.
    pub explained: certbench::lab::Explained,
    /// Which run the events belong to; events of an older run are dropped.
    pub run: u64,
    pub running: bool,
    pub events: Vec<Event>,
    pub outcome: Option<Result<Summary, String>>,
    pub selected: usize,
    /// The selection follows new events until the user moves it.
    pub follow: bool,
    /// Pause before each flight until space.
    pub step_mode: bool,
    /// The running handshake's stepper (cancel, and step mode's pauses).
    pub stepper: Option<Stepper>,
    /// Step mode: the run waits for space before a flight.
    pub paused: bool,
    /// How far the Step box is scrolled (a message's fields can be longer than the box).
    pub details_scroll: u16,
    /// A server for outside clients, while it runs.
    pub serve: Option<ServeState>,
    /// Where to connect, while it is typed.
    pub target: Option<String>,
    /// The last run was `connect` to this target (not the loopback pair).
    pub connected_to: Option<String>,
    /// The timeline shows a run the user started (r, C), not a server's connection: new
    /// connections do not take its place until [ or ] asks for them.
    pub run_in_view: bool,
}

/// The server started from the pane, and the connections it has had.
#[derive(Debug, Clone)]
pub struct ServeState {
    pub control: ServeControl,
    /// Where it listens, once it does.
    pub addr: Option<std::net::SocketAddr>,
    /// The files a client uses to try it, and whether it asks for a client certificate.
    pub try_files: Option<certbench::handshake::serve::TryFiles>,
    pub client_auth: ClientAuth,
    /// Oldest first, at most [`MAX_CONNECTIONS`]; the pane lists them newest first.
    pub connections: Vec<ConnectionRow>,
    /// The connection shown in the timeline; `None` follows the newest.
    pub selected: Option<u64>,
    pub total: u64,
    /// Connections no longer in the list (it keeps the newest).
    pub forgotten: u64,
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
    pub done: Option<Box<Connection>>,
}

/// Events of an open connection the pane keeps (the server keeps them all for its record).
pub const MAX_LIVE_EVENTS: usize = 4096;

/// Connections the pane keeps (with their timelines).
pub const MAX_CONNECTIONS: usize = 200;

impl ServeState {
    pub fn new(control: ServeControl, client_auth: ClientAuth) -> ServeState {
        ServeState {
            control,
            addr: None,
            try_files: None,
            client_auth,
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
    pub fn finished(&mut self, c: Box<Connection>) -> bool {
        match self.connections.iter_mut().find(|r| r.id == c.id) {
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
            explained: certbench::lab::Explained::default(),
            run: 0,
            running: false,
            events: Vec::new(),
            outcome: None,
            selected: 0,
            follow: true,
            step_mode: false,
            stepper: None,
            paused: false,
            details_scroll: 0,
            serve: None,
            target: None,
            connected_to: None,
            run_in_view: false,
        }
    }
}

impl HandshakeState {
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// Start a new run: a new id, an empty timeline.
    pub fn start(&mut self) -> u64 {
        self.run += 1;
        self.run_in_view = true;
        self.running = true;
        self.events.clear();
        self.outcome = None;
        self.selected = 0;
        self.follow = true;
        self.paused = false;
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
        self.events.push(event);
        if self.follow {
            self.selected = self.events.len() - 1;
        }
    }

    /// Paused before a flight, waiting for space.
    pub fn is_paused(&self) -> bool {
        self.running && self.paused
    }

    pub fn finish(&mut self, run: u64, outcome: Result<Summary, String>) {
        if run == self.run {
            self.running = false;
            self.stepper = None;
            self.explained = match &outcome {
                Ok(summary) if self.connected_to.is_some() => {
                    certbench::lab::explain_peer(summary, certbench::lab::Peer::Connect)
                }
                Ok(summary) => certbench::lab::explain(summary, self.ran, &self.events),
                Err(_) => certbench::lab::Explained::default(),
            };
            self.outcome = Some(outcome);
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
        self.details_scroll = 0;
        match &row.done {
            Some(c) => {
                let summary = c.summary();
                self.explained =
                    certbench::lab::explain_peer(&summary, certbench::lab::Peer::Serve);
                self.events = c.events.clone();
                self.outcome = Some(Ok(summary));
            }
            None => {
                self.events = row.live.clone();
                self.outcome = None;
                self.explained = certbench::lab::Explained::default();
            }
        }
        self.follow = true;
        self.selected = self.events.len().saturating_sub(1);
    }

    pub fn move_selection(&mut self, delta: isize) {
        let n = self.events.len();
        if n == 0 {
            return;
        }
        self.selected = (self.selected as isize + delta).clamp(0, n as isize - 1) as usize;
        self.follow = self.selected == n - 1;
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
