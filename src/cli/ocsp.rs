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
    #[arg(long, value_name = "ADDR:PORT", default_value = certbench_tls::responder::defaults::LISTEN)]
    pub listen: SocketAddr,
    /// JSON Lines instead of text: first where it listens, then each request answered, then a
    /// summary.
    #[arg(long)]
    pub json: bool,
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
    let serving = tokio::spawn(responder.run(tx, crate::cli::serve::stop_signal()));
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
            if total == 1 { "" } else { "s" },
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
    outln!(
        "certificates issued with --responder {url} point here; one line per request; Ctrl-C stops"
    );
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
