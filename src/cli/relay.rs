//! `certbench relay --listen ADDR:PORT --to HOST:PORT`: two programs of the user's talk through
//! certbench; every byte is forwarded unchanged and each connection's handshake is shown as it
//! crossed the wire (decrypted with the client's key log, when given).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;

use certbench_tls::event::Event;
use certbench_tls::relay::{RelayOptions, Relayed, Update, relay};
use certbench_tls::run::Outcome;
use clap::Args;

use crate::cli::{out, out::errln, out::outln};

#[derive(Debug, Args)]
pub struct RelayArgs {
    /// Where the client connects: ADDR:PORT (127.0.0.1:8443, [::1]:8443), or localhost:PORT or a
    /// port alone (both 127.0.0.1 and ::1 at that port).
    #[arg(long, value_name = "ADDR:PORT", value_parser = parse_listen)]
    pub listen: ListenOn,
    /// Where each connection is forwarded: the server, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    pub to: String,
    /// The client's SSLKEYLOGFILE (curl, Firefox, Chrome, node --tls-keylog, Go's KeyLogWriter,
    /// Python's keylog_filename, openssl s_client -keylogfile): followed as it grows, so TLS
    /// 1.3's encrypted flights are read too.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// Write what passes as pcapng to FILE (a new file, mode 0600): each connection's client leg,
    /// appended when it ends, with its secrets inside, so Wireshark opens it decrypted.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Write a page of each connection into DIR (a new or empty folder) as it ends,
    /// connection-ID.html: the ladder, what was read of each message, who refused.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// Put each connection's secrets (from the key log) on its page. Pages are mode 0600 either
    /// way: what was decrypted is on them.
    #[arg(long, requires = "html")]
    pub include_secrets: bool,
    /// Connections handled at once (1 to 100000); more wait in the listen queue.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,
    /// JSON Lines: first where the relay listens, then each connection's transcript with its
    /// events, then a summary.
    #[arg(long, conflicts_with = "tui")]
    pub json: bool,
    /// Show each connection in the TUI's Handshake pane (the diagram, its bytes, the fix)
    /// instead of a line each.
    #[arg(long, conflicts_with_all = ["pcap", "max_connections", "html"])]
    pub tui: bool,
}

/// Where the relay listens: an address and port, or `localhost:PORT` (a port alone too):
/// 127.0.0.1 and ::1 at that port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenOn {
    pub addr: SocketAddr,
    pub localhost: bool,
}

impl std::fmt::Display for ListenOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.localhost {
            write!(f, "localhost:{}", self.addr.port())
        } else {
            write!(f, "{}", self.addr)
        }
    }
}

fn parse_listen(s: &str) -> Result<ListenOn, String> {
    let s = s.trim();
    let port = s.strip_prefix("localhost:").unwrap_or(s);
    if let Ok(port) = port.parse::<u16>() {
        return Ok(ListenOn {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            localhost: true,
        });
    }
    s.parse::<SocketAddr>()
        .map(|addr| ListenOn {
            addr,
            localhost: false,
        })
        .map_err(|_| {
            format!(
                "\"{}\" is not ADDR:PORT (127.0.0.1:8443, [::1]:8443), localhost:PORT or a port",
                certbench_base::text::display_safe(s, 100)
            )
        })
}

pub fn run(a: RelayArgs, dir: &std::path::Path) -> ExitCode {
    // The workspace's certificates are judged against each server's CertificateRequest.
    let ws = certbench_pki::workspace::Workspace::open(dir)
        .ok()
        .filter(|w| !w.is_empty())
        .map(|_| dir.to_path_buf());
    if certbench_tls::connect::host_of(&a.to).is_none() {
        return crate::cli::usage_error(&format!(
            "invalid value for '--to': \"{}\" is not HOST:PORT",
            certbench_base::text::display_safe(&a.to, 100)
        ));
    }
    // The target resolves now, or the user hears of it before any client does.
    let to: Vec<SocketAddr> =
        a.to.to_socket_addrs()
            .map(Iterator::collect)
            .unwrap_or_default();
    if to.is_empty() {
        return crate::cli::usage_error(&format!(
            "invalid value for '--to': \"{}\" does not resolve to an address",
            certbench_base::text::display_safe(&a.to, 100)
        ));
    }
    let loops_v6 = a.listen.localhost
        && to
            .iter()
            .any(|t| t.port() == a.listen.addr.port() && t.ip().is_loopback());
    if certbench_tls::relay::loops(a.listen.addr, &to) || loops_v6 {
        return crate::cli::usage_error(&format!(
            "'--to' {} is where the relay listens (--listen {}): it would relay to itself",
            certbench_base::text::display_safe(&a.to, 100),
            a.listen
        ));
    }
    // A key log in a folder that does not exist is one no client can write.
    if let Some(k) = &a.keylog
        && let Some(parent) = k.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return crate::cli::usage_error(&format!(
            "invalid value for '--keylog': the folder {} does not exist, so no client can write {} there",
            parent.display(),
            k.display()
        ));
    }
    if a.tui {
        use std::io::IsTerminal;
        if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
            errln!(
                "certbench: --tui needs a terminal, and this is not one: leave it out for a line per connection, or --json"
            );
            return ExitCode::from(2);
        }
        return match certbench_tui::run(certbench_tui::Sources {
            dir: dir.to_path_buf(),
            open: vec![],
            system: false,
            relay: Some(certbench_tui::RelayStart {
                listen: a.listen.addr,
                target: a.to.clone(),
                keylog: a.keylog.clone(),
            }),
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                errln!("certbench: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(dir) = &a.html
        && let Err(code) = crate::cli::handshake::check_page_dir(dir)
    {
        return code;
    }
    let mut capture = match &a.pcap {
        Some(path) => {
            if let Err(code) = crate::cli::handshake::check_pcap_path(path) {
                return code;
            }
            match crate::cli::capture::Capture::start(path) {
                Ok(c) => Some(c),
                Err(e) => {
                    errln!(
                        "certbench: could not write the capture {}: {e}",
                        path.display()
                    );
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };
    let mut opts = RelayOptions::new(a.listen.addr, a.to.clone());
    opts.localhost = a.listen.localhost;
    opts.keylog = a.keylog.clone();
    opts.capture = capture.is_some();
    opts.max_connections = a.max_connections as usize;
    opts.workspace = ws;
    let runtime = match crate::cli::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let relaying = relay(&opts, tx, crate::cli::signals::stop_signal());
        tokio::pin!(relaying);
        let mut tally = Tally::default();
        let result = loop {
            tokio::select! {
                r = &mut relaying => break r,
                // The capture first: once a connection's line is out, its packets are in the file.
                Some(u) = rx.recv() => {
                    if let Update::Closed(r) = &u {
                        crate::cli::capture::append(&mut capture, &r.wire, r.keylog.lines());
                    }
                    report(&a, &u, &mut tally);
                }
            }
        };
        while let Ok(u) = rx.try_recv() {
            if let Update::Closed(r) = &u {
                crate::cli::capture::append(&mut capture, &r.wire, r.keylog.lines());
            }
            report(&a, &u, &mut tally);
        }
        match result {
            Ok(()) => {
                tally.print(a.json);
                if tally.page_failed {
                    errln!("certbench: some connections' pages could not be written (said above)");
                    return ExitCode::FAILURE;
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                errln!("certbench: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

#[derive(Default)]
struct Tally {
    connections: u64,
    completed: u64,
    failed: u64,
    /// Neither: ended before the handshake did without an alert, or stayed encrypted.
    unexplained: u64,
    /// How many ended each way, by the ending's code, in the order first seen.
    endings: Vec<(&'static str, u64)>,
    /// A page could not be written (said once).
    page_failed: bool,
}

impl Tally {
    fn print(&self, json: bool) {
        if json {
            let endings: serde_json::Map<String, serde_json::Value> = self
                .endings
                .iter()
                .map(|(code, n)| ((*code).to_string(), (*n).into()))
                .collect();
            outln!(
                "{}",
                serde_json::json!({"stopped": true, "connections": self.connections, "completed": self.completed, "failed": self.failed, "unexplained": self.unexplained, "endings": endings})
            );
        } else {
            let each: Vec<String> = self
                .endings
                .iter()
                .map(|(code, n)| format!("{n} {}", certbench_lab::relayed::status(code)))
                .collect();
            outln!(
                "stopped: {} connection{}{}",
                self.connections,
                certbench_base::text::plural(self.connections),
                if each.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", each.join(", "))
                }
            );
        }
    }
}

fn report(a: &RelayArgs, u: &Update, tally: &mut Tally) {
    match u {
        Update::Listening { addr, also } => {
            if a.json {
                outln!(
                    "{}",
                    serde_json::json!({"listening": addr.to_string(), "also": also, "to": a.to})
                );
            } else {
                let on: Vec<String> = std::iter::once(addr)
                    .chain(also)
                    .map(ToString::to_string)
                    .collect();
                outln!(
                    "certbench relay: listening on {}, forwarding each connection to {}{}",
                    on.join(" and "),
                    certbench_base::text::display_safe(&a.to, 200),
                    match &a.keylog {
                        Some(k) => format!("; following the key log {}", k.display()),
                        None =>
                            "; no key log: TLS 1.3's encrypted flights stay unread (--keylog FILE)"
                                .into(),
                    }
                );
                outln!("one line per connection when it ends; Ctrl-C stops");
            }
        }
        Update::Opened { .. } | Update::Event { .. } => {}
        Update::Closed(r) => {
            tally.connections += 1;
            match r.outcome() {
                Outcome::Worked => tally.completed += 1,
                Outcome::Failed(_) => tally.failed += 1,
                Outcome::Unexplained => tally.unexplained += 1,
            }
            let code = certbench_lab::relayed::code(&r.ending);
            match tally.endings.iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None => tally.endings.push((code, 1)),
            }
            if let Some(dir) = &a.html {
                let summary = r.summary();
                let explained = explained(r);
                let written = crate::cli::handshake::write_connection_page(
                    dir,
                    r.id,
                    &certbench_page::Run {
                        summary: &summary,
                        events: &r.events,
                        explained: &explained,
                        scenario: None,
                        peer: Some(certbench_lab::Peer::Relay),
                        said: Some(certbench_page::Said::of_relayed(r, false)),
                        secrets: a.include_secrets,
                        made: time::OffsetDateTime::now_utc(),
                    },
                );
                if let Err(e) = written
                    && !tally.page_failed
                {
                    errln!("certbench: {e}");
                    tally.page_failed = true;
                }
            }
            if a.json {
                let v = transcript(r);
                let mut stdout = out::Stdout::new();
                let _ = out::json_line(stdout.raw(), &v);
                stdout.finish();
            } else {
                print_line(r);
                for line in certbench_lab::relayed::request_lines(r) {
                    outln!("      {line}");
                }
                if let Some(fix) = explained(r).fix {
                    outln!("      fix: {fix}");
                }
            }
        }
    }
}

/// The lesson of the failure and what to change in the user's client or server.
fn explained(r: &Relayed) -> certbench_lab::Explained {
    certbench_lab::explain_peer(&r.summary(), &r.events, certbench_lab::Peer::Relay)
}

/// A connection as JSON: its record, how it ended with the words for it, and its events.
fn transcript(r: &Relayed) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    v["outcome"] = certbench_lab::relayed::code(&r.ending).into();
    if let Some(f) = &r.failure {
        let explained = explained(r);
        let mut fv = serde_json::to_value(f).unwrap_or_default();
        fv["explanation"] = certbench_cause::describe(&f.cause).into();
        fv["lesson"] = explained.lesson.into();
        fv["fix"] = explained.fix.into();
        v["failure"] = fv;
    }
    v["events"] = serde_json::to_value(&r.events).unwrap_or_default();
    v
}

fn print_line(r: &Relayed) {
    let said = certbench_lab::relayed::said(r, false);
    outln!(
        "#{:<4} {:<22} {:<11} {}",
        r.id,
        r.peer,
        said.status,
        said.line
    );
    if let Some(c) = r.failure.as_ref().and_then(|f| f.culprit.as_ref()) {
        let sent = match c.intermediates {
            Some(0) => " alone".to_string(),
            Some(1) => " with 1 intermediate".to_string(),
            Some(n) => format!(" with {n} intermediates"),
            None => String::new(),
        };
        outln!(
            "      refused: the {}'s certificate {}, issued by {}, sent{sent}",
            c.side.name(),
            certbench_base::text::display_safe(&c.subject, 200),
            certbench_base::text::display_safe(&c.issuer, 200)
        );
    }
    outln!("      {}", flow(&r.events));
}

/// The messages as they crossed, in one line: `→ ClientHello · ← ServerHello ...`; records that
/// stayed encrypted are counted in a row (`← {3 encrypted}`).
fn flow(events: &[Event]) -> String {
    use certbench_tls::event::WireWhat;
    use certbench_wire::observe::Unreadable;
    let mut parts: Vec<(String, usize)> = Vec::new();
    for e in events {
        let Some(w) = e.wire() else { continue };
        let arrow = match e.side {
            certbench_wire::Side::Client => "→",
            certbench_wire::Side::Server => "←",
        };
        let encrypted = matches!(
            w.what,
            WireWhat::Unreadable {
                reason: Unreadable::NotDecrypted { .. }
            }
        );
        let name = if encrypted {
            format!("{arrow} encrypted")
        } else {
            format!("{arrow} {}", w.what.name())
        };
        match parts.last_mut() {
            Some((last, n)) if encrypted && *last == name => *n += 1,
            _ => parts.push((name, 1)),
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|(name, n)| match name.strip_suffix(" encrypted") {
            Some(arrow) => format!("{arrow} {{{n} encrypted}}"),
            None => name,
        })
        .collect();
    if parts.is_empty() {
        "(no TLS message crossed)".into()
    } else {
        parts.join(" · ")
    }
}
