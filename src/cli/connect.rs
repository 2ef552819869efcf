//! `certbench connect HOST:PORT`: certbench's client against any TLS server, the timeline from
//! the client's side, the server's chain and verdict, and what the server asked of the client.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use certbench_pki::workspace::Workspace;
use certbench_tls::config::TlsVersion;
use certbench_tls::connect::{
    ConnectOptions, FitVerdict, Presented, Requested, connect, defaults, hint, host_of,
    http_status, presented, requested,
};
use certbench_tls::event::{Event, EventKind, Verdict};
use certbench_tls::material::{
    Material, MaterialError, anchors_from_files, identity_from_files, system_anchors,
};
use clap::Args;

use crate::cli::handshake::{exit_code, print_outcome, watch};
use crate::cli::{out, out::errln, out::outln};

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The server: HOST:PORT (a name, an IPv4 address, or [IPv6]:PORT).
    pub target: String,
    /// The client certificate to present (PEM: the leaf, then its intermediates); needs --key.
    #[arg(long, value_name = "FILE", requires = "key", conflicts_with_all = ["client", "no_cert"])]
    pub cert: Option<PathBuf>,
    /// The private key of --cert (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// A workspace certificate to present, by name (default: "client", when the workspace has
    /// it and no --cert is given).
    #[arg(long, value_name = "NAME", conflicts_with = "no_cert")]
    pub client: Option<String>,
    /// Present no client certificate: see what the server asks for, and how it answers.
    #[arg(long)]
    pub no_cert: bool,
    /// Trust these CA certificates (PEM) to verify the server (default: the workspace's root
    /// CAs). Repeatable.
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Trust the system's trust store (a public server).
    #[arg(long)]
    pub system: bool,
    /// The name to ask for (SNI) and to check the server's certificate against (default: HOST).
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// Offer only this TLS version (1.3 or 1.2; default: both).
    #[arg(long, value_parser = crate::cli::handshake::parse_version)]
    pub tls: Option<TlsVersion>,
    /// The path to ask for with HTTP/1.1 GET after the handshake.
    #[arg(long, default_value = defaults::PATH)]
    pub path: String,
    /// Send nothing after the handshake (a server that does not speak HTTP).
    #[arg(long)]
    pub no_request: bool,
    /// Refuse a server that staples no current OCSP response, signed for its certificate's CA,
    /// saying good (hard fail, as a must-staple certificate asks); without it, a missing or
    /// unusable staple is said and passed over (soft fail), and only a revoked one refuses.
    #[arg(long)]
    pub require_staple: bool,
    /// Seconds to wait for the server's answer after the handshake (1 to 3600): a TLS 1.3
    /// server's refusal of the client's certificate arrives then.
    #[arg(long, value_name = "SECS", default_value_t = defaults::WAIT_S, value_parser = crate::cli::handshake::parse_timeout)]
    pub wait: u64,
    /// Give up on the connection and the handshake after this many seconds (1 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = defaults::TIMEOUT_S, value_parser = crate::cli::handshake::parse_timeout)]
    pub timeout: u64,
    /// Append the secrets to FILE in SSLKEYLOGFILE format (made mode 0600), for Wireshark.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
    /// Write the connection as a pcapng capture to FILE (a new file, mode 0600), its secrets
    /// inside: Wireshark and tshark open it decrypted with nothing else.
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Write one self-contained HTML page of the connection to FILE (a new file): the ladder,
    /// each message byte by byte, the server's certificates, the verdicts, where it failed.
    /// Mode 0600: what was decrypted is on it.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Put the connection's secrets on the page (the key and IV each gives, one record
    /// opened): anyone with the page and a capture of this connection can read it.
    #[arg(long, requires = "html")]
    pub include_secrets: bool,
    /// The JSON transcript instead of text.
    #[arg(long, conflicts_with = "summary")]
    pub json: bool,
    /// One screen instead of the timeline: the server's chain and its verdict, what the server
    /// asked of a client, and how it ended.
    #[arg(long)]
    pub summary: bool,
    /// Write the certificates the server sent to FILE as PEM, its own first (as `openssl
    /// s_client -showcerts` shows them). FILE must not exist yet.
    #[arg(long, value_name = "FILE")]
    pub save_chain: Option<PathBuf>,
    /// Write the OCSP response the server stapled to FILE (DER, as `openssl s_client -status`
    /// receives it; `certbench inspect FILE` reads it field by field). FILE must not exist yet.
    #[arg(long, value_name = "FILE")]
    pub save_staple: Option<PathBuf>,
}

fn material(a: &ConnectArgs, dir: &std::path::Path) -> Result<(Material, bool), MaterialError> {
    let from_files = a.cert.is_some() || !a.ca.is_empty() || a.system;
    if !from_files {
        // The workspace's client and roots.
        let client = if a.no_cert {
            None
        } else {
            Some(a.client.as_deref().unwrap_or("client"))
        };
        return Material::client_from_workspace(dir, client).map(|m| (m, true));
    }
    let identity = match (&a.cert, &a.key) {
        (Some(c), Some(k)) => Some(identity_from_files(c, k)?),
        _ if a.no_cert => None,
        // The workspace's client (or the one named), as without --ca: only the trust changes.
        _ => match &a.client {
            Some(name) => Material::client_from_workspace(dir, Some(name))?.client,
            None => Material::client_from_workspace(dir, Some("client"))
                .ok()
                .and_then(|m| m.client),
        },
    };
    let mut anchors = anchors_from_files(&a.ca)?;
    if a.system {
        anchors.extend(system_anchors()?);
    }
    if anchors.is_empty() {
        // --cert without --ca: the server is checked against the workspace's roots.
        let ws = Material::client_from_workspace(dir, None)?;
        return Ok((
            Material::for_client(identity, ws.client_trusts, ws.crls),
            true,
        ));
    }
    Ok((Material::for_client(identity, anchors, vec![]), false))
}

pub fn run(a: ConnectArgs, dir: PathBuf) -> ExitCode {
    let Some(host) = host_of(&a.target).map(String::from) else {
        return crate::cli::usage_error(&format!(
            "invalid value for '<TARGET>': \"{}\" is not HOST:PORT",
            certbench_base::text::display_safe(&a.target, 100)
        ));
    };
    if let Some(path) = &a.keylog
        && let Err(e) = certbench_base::fsutil::check_secret_path(path)
    {
        return crate::cli::usage_error(&format!("invalid value for '--keylog': {e}"));
    }
    if let Some(path) = &a.pcap
        && let Err(code) = crate::cli::handshake::check_pcap_path(path)
    {
        return code;
    }
    if let Some(path) = &a.html
        && let Err(code) = crate::cli::handshake::check_new_file(path, "--html", "a page")
    {
        return code;
    }
    // Said before connecting: nothing is overwritten unasked.
    for (flag, path) in [
        ("--save-chain", &a.save_chain),
        ("--save-staple", &a.save_staple),
    ] {
        if let Some(path) = path
            && std::fs::symlink_metadata(path).is_ok()
        {
            errln!(
                "certbench: {} exists; {flag} writes a new file (remove it, or choose another name)",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let (material, workspace_roots) = match material(&a, &dir) {
        Ok(m) => m,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server_name = a.server_name.clone().unwrap_or(host);
    let mut opts = ConnectOptions {
        request: (!a.no_request).then(|| a.path.clone()),
        wait: Duration::from_secs(a.wait),
        timeout: Duration::from_secs(a.timeout),
        capture: a.pcap.is_some(),
        ..ConnectOptions::new(a.target.clone(), &server_name, a.tls)
    };
    opts.choices.require_staple = a.require_staple;
    let runtime = match crate::cli::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let client_name = material.client.as_ref().map(|c| c.name.clone());
    let (summary, events) = match runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
        // Ctrl-C ends the connection; what crossed so far is still said.
        let interruptible = async {
            tokio::select! {
                r = connect(&material, &opts, tx) => Some(r),
                _ = tokio::signal::ctrl_c() => None,
            }
        };
        let (result, events) = watch(interruptible, &mut rx, !a.json && !a.summary).await;
        (result, events)
    }) {
        (Some(Ok(s)), events) => (s, events),
        (Some(Err(e)), _) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
        (None, events) => return interrupted(&events, workspace_roots),
    };
    if let Some(path) = &a.keylog {
        let text = certbench_lab::export::keylog_text(&summary);
        if let Err(e) = certbench_base::fsutil::append_secret(path, &text) {
            errln!(
                "certbench: could not write the key log {}: {e}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    if let Some(path) = &a.pcap
        && let Err(code) = crate::cli::handshake::write_capture(path, &summary)
    {
        return code;
    }
    if let Some(path) = &a.save_chain {
        match save_chain(path, &events) {
            Ok(0) => errln!(
                "certbench: the server sent no certificate; {} not written",
                path.display()
            ),
            Ok(n) => {
                // With --json, stdout is the transcript alone.
                let line = format!(
                    "wrote the server's chain ({n} certificate{}) to {}",
                    certbench_base::text::plural(n),
                    path.display()
                );
                if a.json {
                    errln!("certbench: {line}");
                } else {
                    outln!("{line}");
                }
            }
            Err(e) => {
                errln!("certbench: could not write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(path) = &a.save_staple {
        let line = match events.iter().find_map(|e| e.staple()) {
            None => {
                errln!(
                    "certbench: the server stapled no OCSP response; {} not written",
                    path.display()
                );
                None
            }
            Some(der) => match certbench_base::fsutil::write_files(
                &[certbench_base::fsutil::FileWrite::public(
                    path,
                    der.to_vec(),
                )],
                false,
            ) {
                Ok(()) => Some(format!(
                    "wrote the server's OCSP staple ({} bytes) to {}",
                    der.len(),
                    path.display()
                )),
                Err(e) => {
                    errln!("certbench: could not write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            },
        };
        // With --json, stdout is the transcript alone.
        match line {
            Some(l) if a.json => errln!("certbench: {l}"),
            Some(l) => outln!("{l}"),
            None => {}
        }
    }
    let asked = requested(&events);
    let ws = Workspace::open(&dir).ok().filter(|w| !w.is_empty());
    let judged = match (&asked, &ws) {
        (Some(r), Some(ws)) => Some(certbench_tls::connect::judged(ws, r)),
        _ => None,
    };
    let named = |v: &dyn Fn(&FitVerdict) -> bool| {
        judged.as_ref().map(|j| {
            j.iter()
                .filter(|f| v(&f.verdict))
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        })
    };
    let fits = named(&|v| *v == FitVerdict::Fits);
    let revoked = named(&|v| *v == FitVerdict::Revoked).unwrap_or_default();
    let explained = certbench_lab::explain_peer(&summary, &events, certbench_lab::Peer::Connect);
    // The page is written now; a failure to write it is said after the connection's outcome,
    // which it must not hide.
    let page_written = match &a.html {
        None => Ok(()),
        Some(path) => crate::cli::handshake::write_page(
            path,
            &certbench_page::Run {
                summary: &summary,
                events: &events,
                explained: &explained,
                scenario: None,
                peer: Some(certbench_lab::Peer::Connect),
                said: None,
                secrets: a.include_secrets,
                made: time::OffsetDateTime::now_utc(),
            },
        ),
    };
    let hint = hint(&summary, &events);
    let sent = presented(&events);
    let status = summary.response.as_deref().and_then(http_status);
    if a.json {
        let transcript = certbench_lab::export::Transcript {
            summary: &summary,
            events: &events,
            explained: &explained,
            scenario: None,
            // Only the client is certbench's: who proved what is not known from here.
            proofs: None,
        };
        let mut v = serde_json::to_value(&transcript).unwrap_or_default();
        v["target"] = a.target.clone().into();
        v["server_name"] = opts.choices.server_name.clone().into();
        v["client_certificate"] = client_name.clone().into();
        v["client_certificate_sent"] = serde_json::to_value(&sent).unwrap_or_default();
        v["http_status"] = status.into();
        v["certificate_request"] = serde_json::to_value(&asked).unwrap_or_default();
        v["workspace_certificates_it_accepts"] = serde_json::to_value(&fits).unwrap_or_default();
        v["workspace_certificates_revoked"] = serde_json::to_value(&revoked).unwrap_or_default();
        // Whether the server's flight went far enough to tell whether it asked for one.
        v["certificate_request_known"] = server_flight_ended(&events).into();
        v["server_certificates"] = server_certificates(&events).into();
        if let Some(h) = &hint {
            let mut hv = serde_json::to_value(h).unwrap_or_default();
            hv["text"] = h.describe().into();
            v["hint"] = hv;
        }
        let mut stdout = out::Stdout::new();
        let _ = out::json(stdout.raw(), &v);
        stdout.finish();
    } else {
        // What the server said, when it said anything.
        // (Bytes that were not TLS, a plain HTTP answer say, are no server side to print.)
        let server_spoke = events.iter().any(|e| {
            e.side == certbench_wire::Side::Server
                && e.wire().is_some_and(|w| {
                    !matches!(w.what, certbench_tls::event::WireWhat::Unreadable { .. })
                })
        });
        if server_spoke {
            print_server_side(&events, workspace_roots);
            print_request(
                asked.as_ref(),
                fits.as_deref(),
                &revoked,
                client_name.as_deref(),
                &sent,
                server_flight_ended(&events),
            );
        }
        print_outcome(&summary, &explained, None);
        if let Some(code) = status {
            outln!("HTTP status: {code}");
        }
        // What certbench's client judged of the server; the server's judgment of the client is
        // its own (its answer says it).
        let proofs = certbench_tls::proof::proofs(&events);
        if summary.ok() && proofs.server.is_some() {
            let sentences = certbench_tls::proof::sentences(&proofs);
            outln!();
            outln!("{}", certbench_base::text::terminal_safe(&sentences[0]));
            outln!("{}", certbench_tls::event::say("proof_client_unknown", &[]));
        }
        if let Some(h) = &hint {
            outln!("\nmost likely: {}", h.describe());
        }
    }
    if let Err(code) = page_written {
        return code;
    }
    match status {
        // The handshake worked and the server said no: that is the answer to the question.
        Some(code) if code >= 400 && summary.ok() => {
            errln!("certbench: the TLS handshake worked; the server answered HTTP {code}");
            ExitCode::FAILURE
        }
        _ => exit_code(&summary),
    }
}

/// Ctrl-C during a connection: what crossed until then, and where it stopped.
fn interrupted(events: &[Event], workspace_roots: bool) -> ExitCode {
    print_server_side(events, workspace_roots);
    let last = events
        .iter()
        .rev()
        .find_map(|e| e.message_name().map(|m| (m, e.side)));
    match last {
        Some((message, side)) => errln!(
            "certbench: interrupted after {} event{}; the last message was {message} from the {}",
            events.len(),
            certbench_base::text::plural(events.len()),
            side.name()
        ),
        None => errln!("certbench: interrupted before any TLS message crossed"),
    }
    ExitCode::from(130)
}

/// The certificates the server sent (DER), its own first, and its chain's verdict.
fn server_chain(events: &[Event]) -> Option<(Vec<Vec<u8>>, bool)> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::Verdict(Verdict::Chain {
            peer: certbench_wire::Side::Server,
            certificate,
            intermediates,
            result,
            ..
        }) => Some((
            std::iter::once(certificate.to_vec())
                .chain(intermediates.iter().cloned())
                .collect(),
            result.is_ok(),
        )),
        _ => None,
    })
}

/// `--save-chain`: the server's certificates as PEM, written whole (never over a file).
fn save_chain(
    path: &std::path::Path,
    events: &[Event],
) -> Result<usize, certbench_base::fsutil::FsError> {
    let Some((ders, _)) = server_chain(events) else {
        return Ok(0);
    };
    let pem: String = ders
        .iter()
        .map(|d| certbench_base::text::pem("CERTIFICATE", d))
        .collect();
    certbench_base::fsutil::write_files(
        &[certbench_base::fsutil::FileWrite::public(path, pem)],
        false,
    )?;
    Ok(ders.len())
}

/// The subjects of the certificates the server sent, its own first.
fn server_certificates(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Verdict(Verdict::Chain {
                certificate,
                intermediates,
                ..
            }) => Some(
                std::iter::once(certificate.as_slice())
                    .chain(intermediates.iter().map(Vec::as_slice))
                    .map(|der| {
                        certbench_x509::report::brief(der)
                            .map(|b| b.subject)
                            .unwrap_or_else(|e| format!("unreadable: {e}"))
                    })
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

fn print_server_side(events: &[Event], workspace_roots: bool) {
    let certs = server_certificates(events);
    if certs.is_empty() {
        return;
    }
    outln!(
        "\nthe server's chain ({} certificate{}), checked against {}:",
        certs.len(),
        certbench_base::text::plural(certs.len()),
        if workspace_roots {
            "the workspace's root CAs"
        } else {
            "the CAs given"
        }
    );
    for (i, c) in certs.iter().enumerate() {
        outln!("  {}. {c}", i + 1);
    }
    match server_chain(events) {
        Some((_, true)) => outln!("  verdict: the chain verified by certbench's client"),
        Some((_, false)) => outln!("  verdict: REFUSED by certbench's client (below: why)"),
        None => {}
    }
    // The client's own check of the server's OCSP staple, when there was one to check.
    if let Some(e) = events.iter().find(|e| e.code() == "staple") {
        outln!("  OCSP staple: {}", certbench_tls::event::headline(e));
    }
}

/// Whether the server's first flight crossed past where a CertificateRequest goes (RFC 8446
/// 4.3.2: before its Certificate in TLS 1.3, which is encrypted; RFC 5246 7.3: before its
/// ServerHelloDone in 1.2): only then does no CertificateRequest mean it did not ask for one.
fn server_flight_ended(events: &[Event]) -> bool {
    use certbench_wire::names::HandshakeType as H;
    use certbench_wire::observe::Protection;
    events.iter().any(|e| {
        e.side == certbench_wire::Side::Server
            && match e.handshake_type() {
                Some(H::Finished | H::ServerHelloDone) => true,
                Some(H::Certificate) => e
                    .wire()
                    .is_some_and(|w| w.protection == Protection::Handshake),
                _ => false,
            }
    })
}

fn print_request(
    asked: Option<&Requested>,
    fits: Option<&[String]>,
    revoked: &[String],
    client: Option<&str>,
    sent: &Presented,
    flight_ended: bool,
) {
    let Some(r) = asked else {
        if flight_ended {
            outln!("\nthe server did not ask for a client certificate (no CertificateRequest)");
        } else {
            outln!(
                "\nwhether the server asks for a client certificate is not known: the handshake \
                 ended before the server's flight that would hold its CertificateRequest"
            );
        }
        return;
    };
    outln!("\nthe server asked for a client certificate (CertificateRequest):");
    if r.certificate_authorities.is_empty() {
        outln!("  from any CA it trusts (it named none)");
    } else {
        outln!("  from these CAs:");
        for ca in &r.certificate_authorities {
            outln!("    {ca}");
        }
    }
    outln!("  signed with: {}", r.signature_schemes.join(", "));
    let name = client.unwrap_or("?");
    match sent {
        Presented::Sent { subject, .. } => outln!("  certbench presented \"{name}\" ({subject})"),
        Presented::NoneHeld => outln!("  certbench presented none (it was given none)"),
        Presented::NotReached => {
            outln!("  the handshake ended before certbench sent its certificate")
        }
    }
    // Revoked ones are named: a server that checks revocation refuses them.
    let revoked_too = if revoked.is_empty() {
        String::new()
    } else {
        format!(" (revoked: {})", revoked.join(", "))
    };
    match fits {
        Some([]) if !revoked.is_empty() && r.certificate_authorities.is_empty() => outln!(
            "  the workspace's client certificates are revoked: {}",
            revoked.join(", ")
        ),
        Some([]) if r.certificate_authorities.is_empty() => {
            outln!("  the workspace has no client certificate to offer")
        }
        Some(names) if r.certificate_authorities.is_empty() => outln!(
            "  it names no CA, so which of the workspace's client certificates it takes is up to its trust store: {}{revoked_too}",
            names.join(", ")
        ),
        Some([]) if !revoked.is_empty() => outln!(
            "  the workspace's client certificates from those CAs are revoked: {}",
            revoked.join(", ")
        ),
        Some([]) => outln!("  none of the workspace's client certificates is from those CAs"),
        Some(names) => outln!(
            "  the workspace's client certificates from those CAs: {}{revoked_too} (what it then authorizes is its own rule)",
            names.join(", ")
        ),
        None => {}
    }
}
