//! `certbench handshake`: a live mTLS handshake on loopback, printed as it happens.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use certbench_tls::event::{EventKind, headline, why};
use certbench_tls::run::{
    ClientAuth, Control, Event, Failure, MaterialChoices, Prepared, RunOptions, Summary,
    TlsVersion, Trust, resolve_group, resolve_suite, run as run_handshake, run_prepared,
};
use clap::Args;

use crate::cli::{out, out::errln, out::outln};

#[derive(Debug, Args)]
pub struct HandshakeArgs {
    /// TLS version: 1.3 or 1.2.
    #[arg(long, default_value = "1.3", value_parser = parse_version)]
    pub tls: TlsVersion,
    /// Key exchange group: X25519MLKEM768 (TLS 1.3 only), x25519, secp256r1, secp384r1
    /// (default: rustls's choice).
    #[arg(long)]
    pub group: Option<String>,
    /// Cipher suite, by its RFC or OpenSSL name: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
    /// TLS_CHACHA20_POLY1305_SHA256 for TLS 1.3; TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    /// (ECDHE-ECDSA-AES128-GCM-SHA256) and the other ECDHE suites for TLS 1.2 (default: rustls's
    /// choice).
    #[arg(long)]
    pub suite: Option<String>,
    /// The client certificate's name in the workspace.
    #[arg(long, default_value = "client", conflicts_with = "no_client_cert")]
    pub client: String,
    /// Send no client certificate (the server requires one: see how it fails).
    #[arg(long)]
    pub no_client_cert: bool,
    /// The server certificate's name in the workspace.
    #[arg(long, default_value = "server")]
    pub server: String,
    /// Whether the server asks for a client certificate: required (mutual TLS), optional (it
    /// asks, and lets a client without one in), none (it never asks).
    #[arg(long, default_value = "required", value_parser = parse_client_auth)]
    pub client_auth: ClientAuth,
    /// What the client trusts: workspace (its root CAs), system (the system's trust store), or
    /// one root CA of the workspace by name.
    #[arg(long, value_name = "TRUST", default_value = "workspace", value_parser = parse_trust)]
    pub client_trusts: Trust,
    /// What the server trusts to verify clients: workspace, system, or a root CA by name.
    #[arg(long, value_name = "TRUST", default_value = "workspace", value_parser = parse_trust)]
    pub server_trusts: Trust,
    /// What the server sends: its chain (leaf and intermediates) or its leaf alone.
    #[arg(long, value_name = "WHAT", value_enum, default_value = "chain")]
    pub server_sends: Sends,
    /// What the client sends: its chain or its leaf alone (as `curl --cert client.crt` does).
    #[arg(long, value_name = "WHAT", value_enum, default_value = "chain")]
    pub client_sends: Sends,
    /// The name the client asks for and checks the server certificate against.
    #[arg(long, default_value = "localhost")]
    pub server_name: String,
    /// Append the secrets to FILE in SSLKEYLOGFILE format (for Wireshark and tshark); the file is
    /// made mode 0600, as it gives away every connection it covers.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// Write the run as a pcapng capture to FILE (a new file, mode 0600): the bytes certbench saw,
    /// with the key log inside, so Wireshark or tshark opens it decrypted with nothing else.
    #[arg(long, value_name = "FILE", conflicts_with = "count")]
    pub pcap: Option<PathBuf>,
    /// Write one self-contained HTML page of the run to FILE (a new file, mode 0600: it shows
    /// the run's secrets): the ladder of its messages, the keys and one record opened, each
    /// message byte by byte, the certificates, who proved what, and for a failed run where and
    /// why. No script, no network: it opens anywhere, offline.
    #[arg(long, value_name = "FILE", conflicts_with = "count")]
    pub html: Option<PathBuf>,
    /// The JSON transcript instead of text (with --count: the latency figures).
    #[arg(long)]
    pub json: bool,
    /// Run a failure lab scenario instead (`certbench lab` lists them): its own certificates,
    /// made in memory and broken on purpose, never the workspace's.
    #[arg(long, value_name = "NAME", value_parser = parse_scenario, conflicts_with_all = ["client", "no_client_cert", "server", "server_name", "tls", "group", "suite", "count", "client_auth", "client_trusts", "server_trusts", "server_sends", "client_sends", "staple"])]
    pub scenario: Option<&'static certbench_lab::Scenario>,
    /// Run as it would go at this time: both sides' verifiers judge the certificates (and a
    /// staple) then, the handshake itself happens now. RFC 3339 (2027-03-01T00:00:00Z), or an
    /// offset such as +30d or -1h.
    #[arg(long, allow_hyphen_values = true, value_parser = crate::cli::parse_at)]
    pub at: Option<time::OffsetDateTime>,
    /// The server staples an OCSP response for its certificate (signed now from the workspace,
    /// as `certbench ocsp` answers), and the client checks it: its signer, its times, what it
    /// says of the certificate.
    #[arg(long)]
    pub staple: bool,
    /// Run N handshakes one after another and report their latency (1 to 1000000). Each is read
    /// and explained as one run is; what follows it (the request, the answer) is not decrypted.
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub count: Option<u32>,
    /// Give up on a peer after this many seconds (1 to 3600).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_timeout)]
    pub timeout: u64,
}

/// A whole number in `range`, or a sentence naming the range.
pub(super) fn whole_number(s: &str, range: std::ops::RangeInclusive<u64>) -> Result<u64, String> {
    let say = || {
        format!(
            "\"{}\" is not a whole number from {} to {}",
            certbench_base::text::display_safe(s, 40),
            range.start(),
            range.end()
        )
    };
    let n: u64 = s.trim().parse().map_err(|_| say())?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(say())
    }
}

fn parse_count(s: &str) -> Result<u32, String> {
    whole_number(s, 1..=1_000_000).map(|n| n as u32)
}

pub(super) fn parse_timeout(s: &str) -> Result<u64, String> {
    whole_number(s, 1..=3600)
}

pub(super) fn parse_client_auth(s: &str) -> Result<ClientAuth, String> {
    match s {
        "required" => Ok(ClientAuth::Required),
        "optional" => Ok(ClientAuth::Optional),
        "none" => Ok(ClientAuth::None),
        _ => Err(format!(
            "\"{}\" is not a client authentication mode; use required, optional or none",
            certbench_base::text::display_safe(s, 40)
        )),
    }
}

fn parse_trust(s: &str) -> Result<Trust, String> {
    Ok(match s {
        "workspace" => Trust::Workspace,
        "system" => Trust::System,
        name => {
            certbench_pki::validate_entity_name(name).map_err(|e| {
                format!("use workspace, system, or the name of a root CA in the workspace ({e})")
            })?;
            Trust::Root(name.into())
        }
    })
}

/// What a side sends of its certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sends {
    /// The leaf and its intermediates.
    Chain,
    /// The leaf alone.
    Leaf,
}

fn parse_scenario(s: &str) -> Result<&'static certbench_lab::Scenario, String> {
    certbench_lab::scenario(s).ok_or_else(|| {
        let names: Vec<&str> = certbench_lab::SCENARIOS.iter().map(|s| s.name).collect();
        format!(
            "\"{}\" is not a scenario; `certbench lab` lists them: {}",
            certbench_base::text::display_safe(s, 60),
            names.join(", ")
        )
    })
}

pub(super) fn parse_version(s: &str) -> Result<TlsVersion, String> {
    match s {
        "1.3" | "tls1.3" | "13" => Ok(TlsVersion::Tls13),
        "1.2" | "tls1.2" | "12" => Ok(TlsVersion::Tls12),
        _ => Err(format!("\"{s}\" is not a TLS version; use 1.3 or 1.2")),
    }
}

pub fn run(a: HandshakeArgs, dir: PathBuf) -> ExitCode {
    // Names that depend on the version are checked here, before anything runs: usage errors.
    let suite = match a
        .suite
        .as_deref()
        .map(|s| resolve_suite(s, a.tls))
        .transpose()
    {
        Ok(s) => s,
        Err(e) => return crate::cli::usage_error(&format!("invalid value for '--suite': {e}")),
    };
    let group = match a
        .group
        .as_deref()
        .map(|g| resolve_group(g, a.tls))
        .transpose()
    {
        Ok(g) => g,
        Err(e) => return crate::cli::usage_error(&format!("invalid value for '--group': {e}")),
    };
    // Where the secrets go is checked before the run, not after it.
    if let Some(path) = &a.keylog
        && let Err(e) = certbench_base::fsutil::check_secret_path(path)
    {
        return crate::cli::usage_error(&format!("invalid value for '--keylog': {e}"));
    }
    if let Some(path) = &a.pcap
        && let Err(code) = check_pcap_path(path)
    {
        return code;
    }
    if let Some(path) = &a.html
        && let Err(code) = check_new_file(path, "--html", "a page")
    {
        return code;
    }
    let opts = RunOptions {
        dir,
        version: a.tls,
        group,
        suite,
        material: MaterialChoices {
            server: a.server.clone(),
            client: (!a.no_client_cert).then(|| a.client.clone()),
            client_trusts: a.client_trusts.clone(),
            server_trusts: a.server_trusts.clone(),
            server_sends_chain: a.server_sends == Sends::Chain,
            client_sends_chain: a.client_sends == Sends::Chain,
            staple: a.staple,
        },
        server_name: a.server_name.clone(),
        client_auth: a.client_auth,
        control: Control {
            timeout: Duration::from_secs(a.timeout),
            stepper: None,
            // --count shows no events: what follows each handshake is counted, not read.
            count_after_handshake: a.count.is_some(),
        },
        at: a.at,
    };
    let runtime = match crate::cli::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(async {
        match a.count {
            Some(n) => count(&opts, n, &a).await,
            None => once(&opts, &a).await,
        }
    })
}

/// `--pcap FILE`, checked before the run: a new file, where secrets may go.
pub(super) fn check_pcap_path(path: &std::path::Path) -> Result<(), ExitCode> {
    if let Err(e) = certbench_base::fsutil::check_secret_path(path) {
        return Err(crate::cli::usage_error(&format!(
            "invalid value for '--pcap': {e}"
        )));
    }
    if path.exists() {
        return Err(crate::cli::usage_error(&format!(
            "invalid value for '--pcap': {} exists (a capture is written to a new file)",
            path.display()
        )));
    }
    Ok(())
}

/// A file the user asked for that is written new: its folder exists, and nothing is there yet
/// (nothing is overwritten without the user saying so).
pub(super) fn check_new_file(
    path: &std::path::Path,
    option: &str,
    what: &str,
) -> Result<(), ExitCode> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(crate::cli::usage_error(&format!(
            "invalid value for '{option}': the folder {} does not exist",
            parent.display()
        )));
    }
    if path.exists() || path.is_symlink() {
        return Err(crate::cli::usage_error(&format!(
            "invalid value for '{option}': {} exists ({what} is written to a new file)",
            path.display()
        )));
    }
    Ok(())
}

/// Write the page of the run where the user asked: a new file.
fn write_html(
    a: &HandshakeArgs,
    summary: &Summary,
    events: &[Event],
    explained: &certbench_lab::Explained,
) -> Result<(), ExitCode> {
    let Some(path) = &a.html else {
        return Ok(());
    };
    write_page(
        path,
        &certbench_page::Run {
            summary,
            events,
            explained,
            scenario: a.scenario.map(|s| certbench_lab::words(s).title.as_str()),
            // certbench's own demo run on 127.0.0.1: its secrets open nothing else.
            peer: None,
            said: None,
            secrets: true,
            made: time::OffsetDateTime::now_utc(),
        },
    )
}

/// A folder pages go into (`--html DIR`): new (it is made) or empty, so that nothing in it is
/// overwritten.
pub(super) fn check_page_dir(dir: &std::path::Path) -> Result<(), ExitCode> {
    match std::fs::read_dir(dir).map(|mut d| d.next().is_none()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(crate::cli::usage_error(&format!(
            "invalid value for '--html': {} is not empty (the pages go into a new or empty folder)",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| {
                errln!("certbench: could not make {}: {e}", dir.display());
                ExitCode::FAILURE
            })
        }
        Err(e) => Err(crate::cli::usage_error(&format!(
            "invalid value for '--html': {}: {e}",
            dir.display()
        ))),
    }
}

/// The page of one connection of `serve` or `relay`, `connection-ID.html` in `dir`; what went
/// wrong, in a sentence, for the caller to say once.
pub(super) fn write_connection_page(
    dir: &std::path::Path,
    id: u64,
    run: &certbench_page::Run<'_>,
) -> Result<(), String> {
    let path = dir.join(format!("connection-{id}.html"));
    // Private whatever it shows: decrypted requests (cookies, tokens) are on it too.
    let html = certbench_page::page(run).into_bytes();
    let file = certbench_base::fsutil::FileWrite::private(&path, html);
    certbench_base::fsutil::write_files(std::slice::from_ref(&file), false)
        .map_err(|e| format!("could not write the page {}: {e}", path.display()))
}

/// A page of a run, as a new file of mode 0600: it holds what was decrypted (a request's
/// cookies and tokens) and maybe the secrets, as a key log and `serve --log` are private.
pub(super) fn write_page(
    path: &std::path::Path,
    run: &certbench_page::Run<'_>,
) -> Result<(), ExitCode> {
    // Private whatever it shows: decrypted requests (cookies, tokens) are on it too.
    let html = certbench_page::page(run).into_bytes();
    let file = certbench_base::fsutil::FileWrite::private(path, html);
    certbench_base::fsutil::write_files(std::slice::from_ref(&file), false).map_err(|e| {
        errln!(
            "certbench: could not write the page {}: {e}",
            path.display()
        );
        ExitCode::FAILURE
    })
}

/// Write the run's capture, with its secrets inside, where the user asked (mode 0600).
fn write_pcap(a: &HandshakeArgs, summary: &Summary) -> Result<(), ExitCode> {
    match &a.pcap {
        Some(path) => write_capture(path, summary),
        None => Ok(()),
    }
}

/// A run's capture, with its secrets inside (a Decryption Secrets Block), as a new file of mode
/// 0600: Wireshark opens it decrypted with nothing else.
pub(super) fn write_capture(path: &std::path::Path, summary: &Summary) -> Result<(), ExitCode> {
    let fail = |what: String| {
        errln!(
            "certbench: could not write the capture {}: {what}",
            path.display()
        );
        ExitCode::FAILURE
    };
    let bytes = certbench_wire::pcap::pcapng(&summary.wire, summary.keylog.lines())
        .map_err(|e| fail(e.to_string()))?;
    let file = certbench_base::fsutil::FileWrite::private(path, bytes);
    certbench_base::fsutil::write_files(std::slice::from_ref(&file), false)
        .map_err(|e| fail(e.to_string()))
}

/// Append a run's secrets to the key log the user asked for.
fn write_keylog(a: &HandshakeArgs, summary: &Summary) -> Result<(), ExitCode> {
    let Some(path) = &a.keylog else {
        return Ok(());
    };
    let text = certbench_lab::export::keylog_text(summary);
    certbench_base::fsutil::append_secret(path, &text).map_err(|e| {
        errln!(
            "certbench: could not write the key log {}: {e}",
            path.display()
        );
        ExitCode::FAILURE
    })
}

async fn once(opts: &RunOptions, a: &HandshakeArgs) -> ExitCode {
    if let Some(at) = opts.at
        && !a.json
    {
        outln!(
            "both sides judge the certificates as at {} (--at)",
            certbench_base::text::rfc3339(at)
        );
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let scenario = a.scenario;
    let run = async {
        match scenario {
            Some(s) => certbench_lab::run_at(s, &opts.control, tx, opts.at)
                .await
                .map_err(|e| e.to_string()),
            None => run_handshake(opts, tx).await.map_err(|e| e.to_string()),
        }
    };
    let (result, events) = watch(run, &mut rx, !a.json).await;
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The files asked for are written first; a failure to write them is said after the run's
    // outcome, which it must not hide.
    let files = write_keylog(a, &summary).and_then(|()| write_pcap(a, &summary));
    // A scenario's words explain its run; a failure made by hand gets the words of the scenario
    // it is an instance of.
    let explained = certbench_lab::explain(&summary, scenario, &events);
    let files = files.and_then(|()| write_html(a, &summary, &events, &explained));
    let mismatches = scenario
        .map(|s| certbench_lab::check(s, &summary, &events))
        .unwrap_or_default();
    if a.json {
        let mut stdout = out::Stdout::new();
        let proofs = certbench_lab::export::loopback_proofs(&summary, &events);
        let _ = out::json(
            stdout.raw(),
            &certbench_lab::export::Transcript {
                summary: &summary,
                events: &events,
                explained: &explained,
                scenario: scenario.map(|s| certbench_lab::export::ScenarioResult {
                    name: s.name,
                    title: &certbench_lab::words(s).title,
                    as_designed: mismatches.is_empty(),
                    mismatches: &mismatches,
                }),
                proofs: proofs.as_ref(),
            },
        );
        stdout.finish();
    } else {
        if let Some(s) = scenario {
            outln!("\nscenario {}: {}", s.name, certbench_lab::words(s).title);
        }
        // A fix's commands act on the default workspace; this one may be elsewhere.
        let elsewhere = crate::cli::dir_note(&opts.dir).filter(|_| scenario.is_none());
        print_outcome(&summary, &explained, elsewhere);
        if let Some(p) = certbench_lab::export::loopback_proofs(&summary, &events) {
            print_proofs(&p);
        }
        if let Some(s) = scenario {
            print_check(s, &mismatches);
        }
    }
    if scenario.is_some() && !mismatches.is_empty() {
        errln!("certbench: the scenario did not go as designed (see above)");
    }
    if let Err(code) = files {
        return code;
    }
    exit_code(&summary)
}

/// Whether a scenario's run went as designed, and how it did not.
pub(super) fn print_check(s: &certbench_lab::Scenario, mismatches: &[certbench_lab::Mismatch]) {
    if mismatches.is_empty() {
        let how = if s.expect.ok { "worked" } else { "failed" };
        outln!("as designed: it {how} the way the scenario says");
    } else {
        outln!("NOT as designed:");
        for m in mismatches {
            outln!("  {}: expected {}, got {}", m.what, m.expected, m.got);
        }
    }
}

/// Who proved what to whom, and how long each phase took (both sides are certbench's: a
/// loopback run).
fn print_proofs(proofs: &certbench_tls::proof::Proofs) {
    outln!();
    for sentence in certbench_tls::proof::sentences(proofs) {
        outln!("{}", certbench_base::text::terminal_safe(&sentence));
    }
    for (phase, us) in &proofs.phases {
        outln!("  {}", certbench_tls::proof::phase_words(*phase, *us));
    }
}

/// The exit code of a run: 0 when it worked, 1 when the handshake or the request failed.
pub(super) fn exit_code(summary: &Summary) -> ExitCode {
    match summary.failure() {
        None if summary.ok() => ExitCode::SUCCESS,
        None => ExitCode::FAILURE,
        Some(f) if f.before_tls() => {
            errln!(
                "certbench: no TLS connection: {}",
                certbench_cause::describe(&f.cause)
            );
            ExitCode::FAILURE
        }
        Some(f) => {
            errln!(
                "certbench: the handshake failed on the {}'s side: {}",
                f.detected_by.name(),
                certbench_cause::describe(&f.cause)
            );
            ExitCode::FAILURE
        }
    }
}

/// What the run agreed, the server's answer, and a failure from both sides.
pub(super) fn print_outcome(
    summary: &Summary,
    explained: &certbench_lab::Explained,
    elsewhere: Option<String>,
) {
    let verdict = if summary.ok() { "OK:" } else { "FAILED:" };
    match (&summary.version, &summary.cipher_suite) {
        (Some(v), Some(s)) => outln!(
            "\n{verdict} {v} with {s}, {}",
            summary.group.as_deref().unwrap_or("no key exchange group")
        ),
        _ if summary.failure().is_some_and(|f| f.before_tls()) => {
            outln!("\n{verdict} before any TLS message crossed the wire")
        }
        _ => outln!("\n{verdict} before the peers agreed on a version and a cipher suite"),
    }
    if let Some(r) = &summary.response {
        let body = r.split("\r\n\r\n").nth(1).unwrap_or(r).trim();
        outln!(
            "the server answered: {}",
            certbench_base::text::display_safe(body, 200)
        );
    }
    if let Some(f) = summary.failure() {
        print_failure(f, explained.fix.as_deref(), elsewhere);
    }
    if let Some(lesson) = &explained.lesson {
        outln!("\n{lesson}");
    }
}

fn print_failure(f: &Failure, fix: Option<&str>, elsewhere: Option<String>) {
    let side = f.detected_by.name();
    let other = f.detected_by.other().name();
    outln!(
        "the {side} caught it: {}",
        certbench_cause::describe(&f.cause)
    );
    if let Some(e) = &f.error {
        outln!("  rustls error:   {e}");
    }
    let alert = |a: Option<certbench_cause::Alert>| a.map_or("none", |a| a.name());
    // When no TLS record crossed, there are no alerts to speak of.
    if !f.before_tls() {
        outln!("  alert sent:     {} (by the {side})", alert(f.alert_sent));
        match f.alert_received {
            None if !f.receiver_known() => {
                outln!("  alert received: not known (the {other} is not certbench)")
            }
            None => {
                outln!("  alert received: none (by the {other}, which saw only the connection end)")
            }
            Some(a) => outln!("  alert received: {} (by the {other})", a.name()),
        }
    }
    if let Some(s) = &f.stopped_after {
        outln!("  stopped after:  {} from the {}", s.message, s.from.name());
    }
    if let Some(c) = &f.culprit {
        // The peer's own certificate by its name, or another it sent (a CA of its chain).
        let whose = match &c.certificate {
            Some(n) => format!("the {} certificate \"{n}\"", c.side.name()),
            None => format!("a certificate the {} sent", c.side.name()),
        };
        outln!(
            "  culprit:        {whose} ({}, issued by {}), field {}",
            certbench_base::text::display_safe(&c.subject, 200),
            certbench_base::text::display_safe(&c.issuer, 200),
            c.field
        );
        if let Some(why) = &c.why {
            outln!(
                "                  {}",
                certbench_base::text::display_safe(&why.describe(), 400)
            );
        }
    }
    if let Some(fix) = fix {
        outln!("  fix:            {fix}");
        if let Some(note) = elsewhere {
            outln!("                  {note}");
        }
    }
}

/// Drive `run` to its end, keeping its events (printing each as it arrives, while the handshake
/// runs, with `print`).
pub(super) async fn watch<T>(
    run: impl Future<Output = T>,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    print: bool,
) -> (T, Vec<Event>) {
    tokio::pin!(run);
    let mut events = Vec::new();
    let result = loop {
        tokio::select! {
            Some(ev) = rx.recv() => {
                if print {
                    print_event(&ev);
                }
                events.push(ev);
            }
            r = &mut run => break r,
        }
    };
    while let Ok(ev) = rx.try_recv() {
        if print {
            print_event(&ev);
        }
        events.push(ev);
    }
    (result, events)
}

pub(super) fn print_event(ev: &Event) {
    let t = if ev.t_us >= 10_000 {
        format!("+{:.1} ms", ev.t_us as f64 / 1000.0)
    } else {
        format!("+{} µs", ev.t_us)
    };
    let side = ev.side.name();
    let (who, how) = match &ev.kind {
        EventKind::Wire(w) => (
            format!("{side} → {}", ev.side.other().name()),
            format!(
                "  {}, {} byte{}",
                w.protection.label(),
                w.size,
                super::plural(w.size)
            ),
        ),
        _ => (format!("[{side}]"), String::new()),
    };
    outln!("{t:>10}  {who:<16} {}{how}", headline(ev));
    for (k, v) in &ev.fields() {
        // A verdict's cause is already in its headline.
        if matches!(v, certbench_tls::event::Field::Cause(_)) {
            continue;
        }
        outln!("{:>10}  {:<16}   {k}: {v}", "", "");
    }
    if let Some(w) = why(ev) {
        outln!("{:>10}  {:<16}   why now: {w}", "", "");
    }
}

async fn count(opts: &RunOptions, n: u32, a: &HandshakeArgs) -> ExitCode {
    use std::io::{IsTerminal, Write};
    let mut times = Vec::with_capacity(n.min(1_000_000) as usize);
    let (mut ok, mut done) = (0u32, 0u32);
    let started = Instant::now();
    // Progress on a terminal only (a pipe or a file gets the result alone), a few times a second.
    let progress = std::io::stderr().is_terminal();
    let mut shown = Instant::now();
    // Ctrl-C or SIGTERM ends the runs; what was measured so far is still the answer.
    let interrupt = crate::cli::signals::stopped_by();
    tokio::pin!(interrupt);
    let mut interrupted = None;
    // The workspace is read once: every run measures the handshake, not the reading of files.
    let material = match opts.material() {
        Ok(m) => m,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    // And the keys and configs made once: each run is still a full handshake of its own.
    let prepared = match Prepared::new(&material, &opts.choices()) {
        Ok(p) => p,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    for i in 0..n {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
        let t = Instant::now();
        let result = tokio::select! {
            r = run_prepared(&prepared, &material, &opts.control, tx) => r,
            code = &mut interrupt => {
                interrupted = Some(code);
                break;
            }
        };
        let took = t.elapsed();
        done += 1;
        rx.close();
        let summary = match result {
            Ok(s) => s,
            Err(e) => {
                clear_progress(progress);
                errln!("certbench: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Every run's secrets: each connection in a capture can be decrypted.
        if let Err(code) = write_keylog(a, &summary) {
            clear_progress(progress);
            return code;
        }
        match summary.failure() {
            None if summary.ok() => {
                ok += 1;
                // The figures are of handshakes that worked: a refusal is quicker, or slower
                // (a time-out), and says nothing of how fast a handshake is.
                times.push(took);
            }
            Some(f) => {
                clear_progress(progress);
                errln!(
                    "certbench: a handshake failed on the {}'s side: {}",
                    f.detected_by.name(),
                    certbench_cause::describe(&f.cause)
                );
            }
            None => {}
        }
        if progress && shown.elapsed() >= Duration::from_millis(250) {
            shown = Instant::now();
            let _ = write!(
                std::io::stderr(),
                "\r{} of {n} handshakes, {ok} ok, {:.0}/s (Ctrl-C stops and reports)\x1b[K",
                i + 1,
                f64::from(i + 1) / started.elapsed().as_secs_f64().max(1e-9)
            );
        }
    }
    clear_progress(progress);
    if done == 0 {
        errln!("certbench: interrupted before the first handshake ended");
        return ExitCode::from(interrupted.unwrap_or(130));
    }
    let total = started.elapsed().as_secs_f64();
    times.sort();
    // Of the handshakes that worked; none, no figures.
    let pct = |p: f64| {
        (!times.is_empty()).then(|| {
            times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
        })
    };
    let per_s = (ok > 0).then(|| f64::from(ok) / total);
    if a.json {
        outln!(
            "{}",
            serde_json::json!({"count": done, "asked": n, "interrupted": interrupted.is_some(), "ok": ok, "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99), "handshakes_per_s": per_s})
        );
    } else {
        let of = if interrupted.is_some() {
            format!(" (interrupted: {done} of the {n} asked)")
        } else {
            String::new()
        };
        match (pct(0.5), pct(0.9), pct(0.99)) {
            (Some(p50), Some(p90), Some(p99)) => outln!(
                "{done} handshakes, {ok} ok{of}: p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms; {:.0} handshakes/s{}",
                per_s.unwrap_or_default(),
                if ok < done {
                    format!(" (of the {ok} that worked)")
                } else {
                    String::new()
                }
            ),
            _ => outln!("{done} handshakes, 0 ok{of}: no timings, for none worked"),
        }
    }
    if let Some(code) = interrupted {
        // As a shell reports a command ended by SIGINT (130) or SIGTERM (143).
        ExitCode::from(code)
    } else if ok == n {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Take the progress line off the terminal.
fn clear_progress(shown: bool) {
    use std::io::Write;
    if shown {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
}
