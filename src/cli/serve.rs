//! `certbench serve`: an HTTPS server with mutual TLS on the workspace's certificates, for outside
//! clients; one line per connection (or its JSON transcript) until Ctrl-C, then a summary.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbench_base::text::shell_word;
use certbench_pki::workspace::Workspace;
use certbench_tls::config::{ClientAuth, TlsVersion};
use certbench_tls::material::{Material, MaterialChoices};
use certbench_tls::metrics::{Metrics, serve_metrics};
use certbench_tls::serve::{
    Connection, Outcome, Rule, ServeOptions, Server, TryFiles, Update, curl_command, defaults,
    try_files,
};
use clap::Args;

use crate::cli::{out, out::errln, out::outln};

/// Where `serve` listens: localhost (127.0.0.1 and ::1), or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenAt {
    Localhost,
    Ip(IpAddr),
}

fn parse_listen_at(s: &str) -> Result<ListenAt, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("localhost") {
        return Ok(ListenAt::Localhost);
    }
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(ListenAt::Ip)
        .map_err(|_| {
            format!(
                "\"{}\" is not an address to listen on: localhost, or an IP address (127.0.0.1, ::1, 0.0.0.0)",
                certbench_base::text::display_safe(s, 40)
            )
        })
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = defaults::PORT)]
    pub port: u16,
    /// The address to listen on. The default, localhost, is this machine alone: 127.0.0.1 and
    /// ::1 (where the machine has IPv6), so clients that resolve localhost either way connect;
    /// an address listens there alone; 0.0.0.0 or :: opens the server to the network.
    #[arg(long, value_name = "ADDR", default_value = "localhost", value_parser = parse_listen_at)]
    pub listen: ListenAt,
    /// Offer only this TLS version (1.3 or 1.2; default: both).
    #[arg(long, value_parser = crate::cli::handshake::parse_version)]
    pub tls: Option<TlsVersion>,
    /// Whether to ask clients for a certificate: required (mutual TLS), optional (ask, and let
    /// clients without one in), none (never ask).
    #[arg(long, default_value = "required", value_parser = crate::cli::handshake::parse_client_auth)]
    pub client_cert: ClientAuth,
    /// The server certificate's name in the workspace.
    #[arg(long, default_value = "server")]
    pub server: String,
    /// Authorize only clients a rule names (any of them): cn:NAME, dns:NAME, email:ADDR, uri:URI,
    /// spiffe:spiffe://DOMAIN/PATH, issuer:CA (the CA that issued the client's certificate, by
    /// its CN or whole name); * stands for any run of characters (dns:*.example.com). Others get
    /// 403 after a successful handshake. Repeatable.
    #[arg(long = "allow", value_name = "RULE")]
    pub allow: Vec<Rule>,
    /// Append one JSON line per connection to FILE (made mode 0600): time, peer, outcome, TLS
    /// version and suite, the client's subject, serial and SHA-256, the failure, the
    /// authorization, bytes and durations.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Append every connection's secrets to FILE in SSLKEYLOGFILE format (made mode 0600), for
    /// Wireshark.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// Write every connection as pcapng to FILE (a new file, mode 0600), appended as each ends,
    /// its secrets inside: Wireshark and tshark open it decrypted with nothing else.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Write a page of each connection into DIR (a new or empty folder) as it ends,
    /// connection-ID.html: the ladder, each message byte by byte, the verdicts, the failure.
    /// Mode 0600: each client's decrypted request is on it.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// Put each connection's secrets on its page (the keys, one record opened).
    #[arg(long, requires = "html")]
    pub include_secrets: bool,
    /// Serve Prometheus metrics over plain HTTP on ADDR (for example 127.0.0.1:9464): connections
    /// by outcome and cause, handshake latency, connections open, days until each served and
    /// trusted certificate expires.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
    /// Staple an OCSP response for the server certificate (RFC 6066 status_request): signed now
    /// from the workspace as `certbench ocsp` answers, and made again when the workspace changes
    /// (a revocation shows in the next handshakes) and before it goes stale.
    #[arg(long)]
    pub staple: bool,
    /// Connections handled at once (1 to 100000); more wait in the listen queue.
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_CONNECTIONS, value_parser = parse_max)]
    pub max_connections: usize,
    /// A client that has not finished its handshake after this many seconds is dropped (1 to
    /// 3600).
    #[arg(long, value_name = "SECS", default_value_t = defaults::HANDSHAKE_TIMEOUT_S, value_parser = crate::cli::handshake::parse_timeout)]
    pub handshake_timeout: u64,
    /// A connection that moves no byte for this many seconds is closed (1 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = defaults::IDLE_TIMEOUT_S, value_parser = crate::cli::handshake::parse_timeout)]
    pub idle_timeout: u64,
    /// JSON Lines instead of text: first where the server listens, then each connection's
    /// transcript, then a summary.
    #[arg(long)]
    pub json: bool,
}

fn parse_max(s: &str) -> Result<usize, String> {
    crate::cli::handshake::whole_number(s, 1..=100_000).map(|n| n as usize)
}

pub fn run(a: ServeArgs, dir: PathBuf) -> ExitCode {
    for (flag, path) in [("--log", &a.log), ("--keylog", &a.keylog)] {
        if let Some(p) = path
            && let Err(e) = certbench_base::fsutil::check_secret_path(p)
        {
            return crate::cli::usage_error(&format!("invalid value for '{flag}': {e}"));
        }
    }
    if let Some(path) = &a.pcap
        && let Err(code) = crate::cli::handshake::check_pcap_path(path)
    {
        return code;
    }
    if let Some(dir) = &a.html
        && let Err(code) = crate::cli::handshake::check_page_dir(dir)
    {
        return code;
    }
    let material = match Material::from_workspace_with(
        &dir,
        &MaterialChoices {
            server: a.server.clone(),
            client: None,
            ..MaterialChoices::default()
        },
    ) {
        Ok(m) => m,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(ws) = Workspace::open(&dir)
        && let Some(e) = ws.entity(&a.server)
        && let Some(r) = &e.revoked
    {
        errln!(
            "certbench: warning: \"{}\" was revoked ({}, {}): clients that check its CRL{} refuse it",
            a.server,
            r.reason,
            certbench_base::text::rfc3339(r.at),
            if a.staple { " or its staple" } else { "" }
        );
    }
    if material.server.as_ref().is_some_and(|i| !i.for_servers()) {
        errln!(
            "certbench: warning: \"{}\" is not a server certificate (its extendedKeyUsage lacks serverAuth): clients will refuse it; --server names a server certificate of the workspace",
            a.server
        );
    }
    let mut material = material;
    let staple = if a.staple {
        match certbench_tls::staple::from_workspace(
            &dir,
            &a.server,
            time::OffsetDateTime::now_utc(),
        ) {
            Ok(der) => {
                let staple = certbench_tls::staple::Staple::new(Some(der));
                if let Some(server) = material.server.as_mut() {
                    server.staple = Some(staple.clone());
                }
                Some((staple, dir.clone()))
            }
            Err(e) => {
                errln!(
                    "certbench: cannot staple an OCSP response for \"{}\": {e}",
                    a.server
                );
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let ip = match a.listen {
        ListenAt::Localhost => IpAddr::from([127, 0, 0, 1]),
        ListenAt::Ip(ip) => ip,
    };
    let mut opts = ServeOptions::offering(SocketAddr::new(ip, a.port), a.tls, a.client_cert);
    opts.localhost = a.listen == ListenAt::Localhost;
    opts.allow = a.allow.clone();
    opts.max_connections = a.max_connections;
    // The transcript and the pages both show each connection's events.
    opts.keep_events = a.json || a.html.is_some();
    opts.capture = a.pcap.is_some();
    opts.handshake_timeout = std::time::Duration::from_secs(a.handshake_timeout);
    opts.idle_timeout = std::time::Duration::from_secs(a.idle_timeout);
    let ready = Workspace::open(&dir)
        .map(|ws| try_files(&ws, &a.server))
        .ok();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            errln!("certbench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // On a worker of the runtime, not this thread: each connection's line is then a task woken
    // on a busy worker, not a sleeping thread woken from outside.
    let serving = runtime.spawn(serve(material, opts, a, ready, staple));
    runtime.block_on(serving).unwrap_or(ExitCode::FAILURE)
}

async fn serve(
    material: Material,
    opts: ServeOptions,
    a: ServeArgs,
    ready: Option<TryFiles>,
    staple: Option<(std::sync::Arc<certbench_tls::staple::Staple>, PathBuf)>,
) -> ExitCode {
    let a = &a;
    if let Some((staple, dir)) = staple {
        let name = a.server.clone();
        tokio::spawn(certbench_tls::staple::keep_fresh(
            staple,
            dir,
            name.clone(),
            move |e| {
                errln!("certbench: the OCSP staple of \"{name}\" could not be made again: {e}")
            },
            crate::cli::signals::stop_signal(),
        ));
    }
    let auth = opts.choices.client_auth;
    let metrics = std::sync::Arc::new(Metrics::new(&material));
    let metrics_at = match a.metrics {
        Some(addr) => match certbench_tls::metrics::bind(addr).await {
            Ok(l) => {
                let at = l.local_addr().ok();
                tokio::spawn(serve_metrics(
                    l,
                    metrics.clone(),
                    crate::cli::signals::stop_signal(),
                ));
                at
            }
            Err(e) => {
                errln!("certbench: cannot serve metrics on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let server = match Server::bind(material, opts).await {
        Ok(s) => s,
        Err(e @ certbench_tls::serve::ServeError::InUse { .. }) => {
            errln!("certbench: {e}: pick another --port (0: any free one)");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = match server.local_addr() {
        Ok(a) => a,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut capture = match &a.pcap {
        Some(path) => match crate::cli::capture::Capture::start(path) {
            Ok(c) => Some(c),
            Err(e) => {
                errln!(
                    "certbench: could not write the capture {}: {e}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    print_ready(
        addr,
        &server.local_addrs(),
        a,
        auth,
        ready.as_ref(),
        metrics_at,
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Update>(1024);
    let shutdown = crate::cli::signals::stop_signal();
    let serving = tokio::spawn(server.run(tx, shutdown));
    let mut tally: BTreeMap<String, u64> = BTreeMap::new();
    let mut total = 0u64;
    let mut failed_writes = false;
    // Pages that could not be written: said once, and the exit code says so at the end.
    let mut failed_pages = false;
    while let Some(update) = rx.recv().await {
        match update {
            Update::Finished(c) => {
                // The files first: once a connection's line is out, its packets, page, log
                // entry and secrets are written (a script that reads the line may open them).
                crate::cli::capture::append(&mut capture, &c.wire, c.keylog.lines());
                metrics.finished(&c);
                total += 1;
                *tally.entry(outcome_code(c.outcome)).or_default() += 1;
                if let Some(dir) = &a.html {
                    let summary = c.summary();
                    let explained = certbench_lab::explain_peer(
                        &summary,
                        &c.events,
                        certbench_lab::Peer::Serve,
                    );
                    let written = crate::cli::handshake::write_connection_page(
                        dir,
                        c.id,
                        &certbench_page::Run {
                            summary: &summary,
                            events: &c.events,
                            explained: &explained,
                            scenario: None,
                            peer: Some(certbench_lab::Peer::Serve),
                            said: None,
                            secrets: a.include_secrets,
                            made: time::OffsetDateTime::now_utc(),
                        },
                    );
                    if let Err(e) = written
                        && !failed_pages
                    {
                        errln!("certbench: {e}");
                        failed_pages = true;
                    }
                }
                if let Some(log) = &a.log
                    && let Err(e) = append_log(log, &c)
                    && !failed_writes
                {
                    errln!("certbench: could not write the log {}: {e}", log.display());
                    failed_writes = true;
                }
                if let Some(path) = &a.keylog
                    && !c.keylog.is_empty()
                {
                    let text: String = c.keylog.lines().iter().map(|l| format!("{l}\n")).collect();
                    if let Err(e) = certbench_base::fsutil::append_secret(path, &text)
                        && !failed_writes
                    {
                        errln!(
                            "certbench: could not write the key log {}: {e}",
                            path.display()
                        );
                        failed_writes = true;
                    }
                }
                if a.json {
                    print_transcript(&c);
                } else {
                    print_line(&c);
                }
            }
            Update::AcceptFailed { cause } => {
                errln!(
                    "certbench: could not accept a connection: {}",
                    certbench_cause::describe(&cause)
                );
            }
            Update::Accepted { .. } => metrics.accepted(),
            Update::Event { .. } => {}
        }
    }
    let _ = serving.await;
    let parts: Vec<String> = tally
        .iter()
        .map(|(k, n)| format!("{n} {}", k.replace('_', " ")))
        .collect();
    if a.json {
        outln!(
            "{}",
            serde_json::json!({"summary": {"connections": total, "outcomes": tally}})
        );
    } else {
        outln!(
            "\nstopped: {} connection{}{}",
            total,
            certbench_base::text::plural(total),
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        );
    }
    if failed_pages {
        errln!("certbench: some connections' pages could not be written (said above)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn print_ready(
    addr: SocketAddr,
    all: &[SocketAddr],
    a: &ServeArgs,
    auth: ClientAuth,
    ready: Option<&TryFiles>,
    metrics: Option<SocketAddr>,
) {
    let host = match addr.ip() {
        IpAddr::V4(v) if v.is_loopback() || v.is_unspecified() => "localhost".to_string(),
        IpAddr::V6(v) if v.is_loopback() || v.is_unspecified() => "localhost".to_string(),
        ip => ip.to_string(),
    };
    let url = format!("https://{host}:{}/", addr.port());
    if a.json {
        let mut stdout = out::Stdout::new();
        let _ = out::json_line(
            stdout.raw(),
            &serde_json::json!({"listening": addr, "also": &all[1.min(all.len())..], "url": url, "client_cert": auth, "allow": a.allow, "metrics": metrics}),
        );
        stdout.finish();
        return;
    }
    let asks = match auth {
        ClientAuth::Required => "client certificate required",
        ClientAuth::Optional => "client certificate optional",
        ClientAuth::None => "no client certificate asked",
    };
    let rules = if a.allow.is_empty() {
        String::new()
    } else {
        let r: Vec<String> = a.allow.iter().map(ToString::to_string).collect();
        format!("; authorized: {}", r.join(", "))
    };
    let on: Vec<String> = all.iter().map(ToString::to_string).collect();
    let on = if on.is_empty() {
        addr.to_string()
    } else {
        on.join(" and ")
    };
    outln!(
        "certbench serve: {url} on {on} with the server certificate \"{}\"{}; {asks}{rules}",
        a.server,
        ready
            .map(|r| format!(" (CN={})", r.server_cn))
            .unwrap_or_default()
    );
    if let Some(r) = ready
        && let Some(curl) = curl_command(r, &url, auth)
    {
        match &r.client {
            Some(c) if auth != ClientAuth::None => {
                let rules = if a.allow.is_empty() {
                    ""
                } else {
                    " (the --allow rules decide whether it gets 200)"
                };
                outln!("try it with the workspace's client \"{}\"{rules}:", c.name);
                outln!("  {curl}");
                let ca = r.ca.as_deref().map(shell_word).unwrap_or_default();
                let (cert, key) = (shell_word(&c.cert), shell_word(&c.key));
                // -cert reads the leaf alone; -cert_chain adds what follows it.
                let chain = c
                    .intermediate
                    .as_deref()
                    .map(|i| format!(" -cert_chain {}", shell_word(i)))
                    .unwrap_or_default();
                outln!(
                    "  openssl s_client -connect {}:{} -servername {host} -CAfile {ca} -cert {cert}{chain} -key {key}",
                    match addr.ip() {
                        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
                        IpAddr::V6(v) => format!("[{v}]"),
                        ip => ip.to_string(),
                    },
                    addr.port()
                );
            }
            _ => outln!("try it: {curl}"),
        }
    }
    if let Some(m) = metrics {
        outln!("metrics (Prometheus): http://{m}/metrics");
    }
    if a.staple {
        outln!(
            "stapling an OCSP response for \"{}\", signed from the workspace, made again when the workspace changes (openssl s_client -status shows it)",
            a.server
        );
    }
    outln!("one line per connection; Ctrl-C stops");
}

/// The outcome as the JSON names it, in words (`handshake_failed`: "handshake failed").
fn outcome_label(c: &Connection) -> String {
    outcome_code(c.outcome).replace('_', " ")
}

fn outcome_code(o: Outcome) -> String {
    o.code().to_string()
}

fn print_line(c: &Connection) {
    let head = format!("#{:<4} {:<22} {:<16}", c.id, c.peer, outcome_label(c));
    let tls = c.version.as_deref().unwrap_or("-");
    // Before the handshake is over, who the client is and how long a handshake takes are not
    // known: what is known is whether the client sent anything.
    let who = match &c.client {
        Some(id) => id.subject.clone(),
        None if c.handshake_done => "no client certificate".to_string(),
        None => "-".to_string(),
    };
    let times = match (c.handshake_done, c.bytes_received) {
        (true, _) => format!(
            "handshake {:.1} ms, {:.0} ms in all",
            c.handshake_ms, c.duration_ms
        ),
        (false, 0) => format!(
            "no handshake: the client sent nothing, {:.0} ms in all",
            c.duration_ms
        ),
        (false, n) => format!(
            "handshake not over: the client sent {n} byte{}, {:.0} ms in all",
            certbench_base::text::plural(n),
            c.duration_ms
        ),
    };
    match &c.failure {
        Some(f) => {
            let alert = f
                .alert_sent
                .map(|a| format!(" (alert {})", a.name()))
                .unwrap_or_default();
            // The lab scenario it is an instance of: `certbench handshake --scenario NAME` shows
            // it whole, and the transcript (--json) has its lesson.
            let like = certbench_lab::matching(f)
                .map(|s| format!("; lab scenario {}", s.name))
                .unwrap_or_default();
            outln!(
                "{head} the {} caught it: {}{alert}{like}",
                f.detected_by.name(),
                certbench_cause::describe(&f.cause)
            );
        }
        None => {
            let failed = c
                .http_cause
                .as_ref()
                .map(|cause| format!("  the request failed: {}", certbench_cause::describe(cause)))
                .unwrap_or_default();
            outln!(
                "{head} {tls:<8} {who}  {} request{}  {times}{failed}",
                c.requests,
                certbench_base::text::plural(c.requests),
            )
        }
    }
}

/// A connection as JSON: its record and explanation, with its events (`--json`) or without (a
/// log's line).
fn record(c: &Connection, events: bool) -> String {
    let explained =
        certbench_lab::explain_peer(&c.summary(), &c.events, certbench_lab::Peer::Serve);
    let transcript = certbench_lab::export::ConnectionTranscript {
        connection: c,
        events: events.then_some(c.events.as_slice()),
        explained: &explained,
    };
    let mut line = Vec::new();
    let _ = out::json_line(&mut line, &transcript);
    String::from_utf8_lossy(&line).into_owned()
}

fn print_transcript(c: &Connection) {
    let mut stdout = out::Stdout::new();
    let _ = std::io::Write::write_all(stdout.raw(), record(c, true).as_bytes());
    stdout.finish();
}

fn append_log(path: &Path, c: &Connection) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = certbench_base::fsutil::open_private_append(path)?;
    f.write_all(record(c, false).as_bytes())
}
