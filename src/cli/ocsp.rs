//! `certbench ocsp`: the workspace's OCSP responder and CRLs over plain HTTP, for outside clients
//! (openssl ocsp, curl --crlfile, browsers, a stapling server); one line per request answered
//! (or its JSON) until Ctrl-C, then a summary.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbench_base::text::shell_word;
use certbench_pki::workspace::Workspace;
use certbench_tls::responder::{Responder, Served};
use clap::Args;

use crate::cli::{out, out::errln, out::outln};

#[derive(Debug, Args)]
pub struct OcspArgs {
    /// The address and port to listen on (port 0: any free port, printed at start). The
    /// default is this machine alone.
    #[arg(long, value_name = "ADDR:PORT", default_value = certbench_tls::responder::defaults::LISTEN, value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// JSON Lines instead of text: first where it listens, then each request answered, then a
    /// summary.
    #[arg(long)]
    pub json: bool,
}

/// ADDR:PORT, `localhost:PORT` (127.0.0.1), or a port alone (on 127.0.0.1).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let port = s.strip_prefix("localhost:").unwrap_or(s);
    port.parse::<u16>()
        .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
        .map_err(|_| {
            format!(
                "\"{}\" is not an address to listen on: ADDR:PORT (127.0.0.1:8888, [::1]:8888), localhost:PORT, or a port",
                certbench_base::text::display_safe(s, 40)
            )
        })
}

pub fn run(a: OcspArgs, dir: &Path) -> ExitCode {
    let ws = match Workspace::open(dir) {
        Ok(ws) => ws,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cas: Vec<String> = ws
        .entities()
        .iter()
        .filter(|e| e.role.is_ca())
        .map(|e| e.name.clone())
        .collect();
    if cas.is_empty() {
        errln!(
            "certbench: the workspace {} has no CA to answer for: make one with `certbench gen`",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    let runtime = match crate::cli::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(serve(a, dir.to_path_buf(), &ws, &cas))
}

async fn serve(a: OcspArgs, dir: PathBuf, ws: &Workspace, cas: &[String]) -> ExitCode {
    let responder = match Responder::bind(a.listen, dir.clone()).await {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            errln!(
                "certbench: {} is in use: pick another --listen (port 0: any free one)",
                a.listen
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            errln!("certbench: cannot listen on {}: {e}", a.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = match responder.local_addr() {
        Ok(addr) => addr,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_ready(addr, &a, ws, cas);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Served>();
    let serving = tokio::spawn(responder.run(tx, crate::cli::signals::stop_signal()));
    let mut tally: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut total = 0u64;
    while let Some(s) = rx.recv().await {
        total += 1;
        *tally
            .entry(certbench_lab::responded::kind(&s.asked))
            .or_default() += 1;
        if a.json {
            let mut stdout = out::Stdout::new();
            let _ = out::json_line(stdout.raw(), &s);
            stdout.finish();
        } else {
            print_line(&s);
        }
    }
    let _ = serving.await;
    if a.json {
        outln!(
            "{}",
            serde_json::json!({"summary": {"requests": total, "kinds": tally}})
        );
    } else {
        let parts: Vec<String> = tally
            .iter()
            .map(|(k, n)| format!("{n} {}", k.replace('_', " ")))
            .collect();
        outln!(
            "\nstopped: {total} request{}{}",
            certbench_base::text::plural(total),
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        );
    }
    ExitCode::SUCCESS
}

fn print_ready(addr: SocketAddr, a: &OcspArgs, ws: &Workspace, cas: &[String]) {
    let url = format!("http://{addr}");
    if a.json {
        let mut stdout = out::Stdout::new();
        let _ = out::json_line(
            stdout.raw(),
            &serde_json::json!({"listening": addr, "url": url, "cas": cas}),
        );
        stdout.finish();
        return;
    }
    outln!(
        "certbench ocsp: OCSP for {} at {url} (POST, or GET {url}/BASE64); CRLs at {url}/NAME.crl",
        cas.join(", ")
    );
    // A certificate to ask about, with its issuer and the root, for openssl's own client.
    let leaf = ws
        .entities()
        .iter()
        .find(|e| e.role == certbench_pki::Role::Server && e.revoked.is_none())
        .or_else(|| ws.entities().iter().find(|e| e.role.is_leaf()));
    if let Some(leaf) = leaf
        && let Some(issuer) = leaf.issuer.as_deref().and_then(|i| ws.entity(i))
        && let Some(root) = ws.root_of(leaf)
    {
        outln!(
            "try it: openssl ocsp -issuer {} -cert {} -url {url} -CAfile {}",
            shell_word(&ws.path(&issuer.cert)),
            shell_word(&ws.path(&leaf.cert)),
            shell_word(&ws.path(&root.cert)),
        );
        outln!(
            "        curl -s {url}/{}.crl | openssl crl -inform DER -noout -text",
            issuer.name
        );
    }
    // Where the workspace's certificates send clients: here, elsewhere, or nowhere.
    let mut named: Vec<String> = ws
        .entities()
        .iter()
        .filter_map(|e| {
            let path = ws.path(&e.cert);
            let bytes = std::fs::read(&path).ok()?;
            certbench_x509::load_bytes(&path, &bytes)
                .into_iter()
                .next()
                .map(|i| i.der)
        })
        .flat_map(|der| certbench_x509::ocsp::responder_urls(&der))
        .collect();
    named.sort();
    named.dedup();
    let here = |u: &String| u.trim_end_matches('/') == url;
    if named.is_empty() {
        outln!(
            "no certificate here names an OCSP responder yet: issue with --responder {url} to point clients here"
        );
    } else if named.iter().all(here) {
        outln!("the workspace's certificates name {url}: their clients ask here");
    } else {
        let elsewhere: Vec<&String> = named.iter().filter(|u| !here(u)).collect();
        errln!(
            "certbench: warning: certificates here name {} as their OCSP responder: clients ask there, not here",
            elsewhere
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    outln!("one line per request; Ctrl-C stops");
}

fn print_line(s: &Served) {
    let clock =
        s.at.format(time::macros::format_description!(
            "[hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    outln!(
        "{clock} {:<22} {:<4} {}",
        s.peer,
        s.method,
        certbench_lab::responded::line(s)
    );
}
