//! The words for a connection through the relay (assets/relay.toml): a status and a sentence
//! made from its typed `Ending` and failure, the same in the CLI's lines and the TUI's rows.

use std::collections::HashMap;
use std::sync::OnceLock;

use certbench_tls::relay::{Ending, Relayed};

const RELAY: &str = include_str!("../../../assets/relay.toml");

fn section(name: &str) -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, HashMap<String, String>>> = OnceLock::new();
    static EMPTY: OnceLock<HashMap<String, String>> = OnceLock::new();
    certbench_base::assets::table(&TABLE, RELAY)
        .get(name)
        .unwrap_or_else(|| EMPTY.get_or_init(Default::default))
}

/// What is said of a relayed connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// One or two words: ok, failed, no request, unanswered, ...
    pub status: String,
    /// What is known of how it went, in a sentence.
    pub line: String,
}

/// The code of an ending: the key of its words.
pub fn code(e: &Ending) -> &'static str {
    match e {
        Ending::Ok => "ok",
        Ending::Failed => "failed",
        Ending::Unreachable => "unreachable",
        Ending::NoRequest { .. } => "no_request",
        Ending::Unanswered { .. } => "unanswered",
        Ending::Empty { .. } => "empty",
        Ending::PlainHttp { .. } => "plain_http",
        Ending::Encrypted { .. } => "encrypted",
        Ending::Incomplete { .. } => "incomplete",
    }
}

/// The words for `r`; `tui` takes the TUI's where they differ (no command-line flags).
pub fn said(r: &Relayed, tui: bool) -> Said {
    let code = code(&r.ending);
    let tls = [&r.version, &r.cipher_suite]
        .iter()
        .filter_map(|x| x.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    let read = section("read")
        .get(if r.decrypted { "decrypted" } else { "clear" })
        .cloned()
        .unwrap_or_default();
    let mut values: Vec<(&'static str, String)> = vec![("tls", tls), ("read", read)];
    let mut key = code.to_string();
    match &r.ending {
        Ending::Ok => {
            values.push(("up", r.bytes_up.to_string()));
            values.push(("down", r.bytes_down.to_string()));
            // The handshake worked; the server may still have refused the request.
            if let Some(status) = r.http_refusal() {
                key = format!("{code}.http_error");
                values.push(("status", status.to_string()));
            }
        }
        Ending::Unreachable => {
            if let Some(f) = &r.failure {
                values.push(("cause", certbench_cause::describe(&f.cause)));
            }
        }
        Ending::Failed => {
            if let Some(f) = &r.failure {
                use certbench_cause::Cause;
                values.push(("cause", certbench_cause::describe(&f.cause)));
                values.push(("side", f.detected_by.name().to_string()));
                // The alert, unless the cause is the alert itself.
                if let Some(a) = f.alert_sent.filter(|a| match &f.cause {
                    Cause::CertificateRefused { name } => name != a.name(),
                    Cause::AlertReceived { .. } => false,
                    _ => true,
                }) {
                    values.push(("alert", a.name().to_string()));
                }
                if let Some(s) = f.stopped_after {
                    values.push(("after", step(s)));
                }
            }
        }
        Ending::NoRequest { by, close_notify } => {
            key = format!("{code}.by_{}", by.name());
            if *close_notify {
                values.push(("alert", "close_notify".into()));
            }
        }
        Ending::Unanswered { by, after_ms } => {
            if let Some(side) = by {
                values.push(("by", side.name().to_string()));
            }
            values.push(("secs", format!("{:.1}", *after_ms as f64 / 1000.0)));
            let first = r
                .events
                .iter()
                .find(|e| e.side == certbench_wire::Side::Client && e.wire().is_some())
                .and_then(|e| e.message_name())
                .unwrap_or("bytes");
            values.push(("first", first.to_string()));
        }
        Ending::Empty { by } => {
            if let Some(side) = by {
                values.push(("by", side.name().to_string()));
            }
        }
        Ending::PlainHttp { request, answer } => {
            values.push(("request", request.clone()));
            values.push(("answer", answer.clone()));
        }
        Ending::Encrypted { records } => values.push(("records", records.to_string())),
        Ending::Incomplete { by, after } => {
            if let Some(side) = by {
                values.push(("by", side.name().to_string()));
            }
            if let Some(s) = after {
                values.push(("after", step(*s)));
            }
        }
    }
    let template = (tui)
        .then(|| section("said_tui").get(&key))
        .flatten()
        .or_else(|| section("said").get(&key))
        .map_or(key.as_str(), String::as_str);
    Said {
        // A refusal in HTTP is no "ok", though TLS worked.
        status: match r.http_refusal() {
            Some(s) => {
                certbench_base::assets::fill(&status("http_refused"), &[("status", s.to_string())])
            }
            None => status(code),
        },
        line: certbench_base::assets::fill(template, &values),
    }
}

/// The status word of an ending's code ("no request" for `no_request`).
pub fn status(code: &str) -> String {
    section("status")
        .get(code)
        .cloned()
        .unwrap_or_else(|| code.replace('_', " "))
}

/// What the server's CertificateRequest asked, whether the client sent nothing (then the
/// schemes, and why a client sends none), and which of the workspace's certificates would do:
/// a line each, none when the server asked for no certificate.
pub fn request_lines(r: &Relayed) -> Vec<String> {
    use certbench_tls::connect::FitVerdict;
    let Some(q) = &r.request else {
        return vec![];
    };
    let words = section("request");
    // Lists (the CAs a server names, the workspace's certificates) are said whole.
    let say = |key: &str, values: &[(&'static str, String)]| {
        words.get(key).map_or_else(
            || key.to_string(),
            |t| certbench_base::assets::fill_up_to(t, values, 64 * 1024),
        )
    };
    let cas = if q.certificate_authorities.is_empty() {
        say("any_ca", &[])
    } else {
        q.certificate_authorities.join("; ")
    };
    let mut out = vec![say("asked", &[("cas", cas)])];
    // Asked, it answered with an empty Certificate (what the proofs call declined).
    if matches!(
        certbench_tls::proof::proofs(&r.events).client,
        certbench_tls::proof::ClientProof::Declined
    ) {
        let schemes = if q.signature_schemes.is_empty() {
            say("no_schemes", &[])
        } else {
            q.signature_schemes.join(", ")
        };
        out.push(say("schemes", &[("schemes", schemes)]));
        out.push(say(
            if q.certificate_authorities.is_empty() {
                "sent_none"
            } else {
                "sent_none.named"
            },
            &[],
        ));
    }
    if !r.fits.is_empty() {
        let each: Vec<String> = r
            .fits
            .iter()
            .map(|f| {
                let name = ("name", f.name.clone());
                match &f.verdict {
                    FitVerdict::Fits => say("fits", &[name]),
                    FitVerdict::NotForClients => say("not_for_clients", &[name]),
                    FitVerdict::IssuerNotNamed { issuer } => {
                        say("issuer_not_named", &[name, ("issuer", issuer.clone())])
                    }
                    FitVerdict::NotValidNow {
                        not_before,
                        not_after,
                    } => say(
                        "not_valid_now",
                        &[
                            name,
                            ("not_before", not_before.clone()),
                            ("not_after", not_after.clone()),
                        ],
                    ),
                    FitVerdict::KeyNotAccepted { key } => {
                        say("key_not_accepted", &[name, ("key", key.to_string())])
                    }
                    FitVerdict::Unreadable => say("unreadable", &[name]),
                    FitVerdict::Revoked => say("revoked", &[name]),
                }
            })
            .collect();
        out.push(say("workspace", &[("fits", each.join("; "))]));
    }
    out
}

/// `ServerHello from the server`.
fn step(s: certbench_tls::run::Step) -> String {
    format!("{} from the {}", s.message, s.from.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ending has a status and words, and every key of the file is one an ending uses.
    #[test]
    fn every_ending_has_words() {
        let file: HashMap<String, HashMap<String, String>> = toml::from_str(RELAY).unwrap();
        let codes = [
            "ok",
            "failed",
            "unreachable",
            "no_request",
            "unanswered",
            "empty",
            "plain_http",
            "encrypted",
            "incomplete",
        ];
        for c in codes {
            assert!(file["status"].contains_key(c), "status {c}");
        }
        for key in file["said"].keys().chain(file["said_tui"].keys()) {
            let code = key.split('.').next().unwrap();
            assert!(codes.contains(&code), "{key}");
            if let Some(rest) = key.split_once('.').map(|(_, r)| r) {
                assert!(
                    ["by_client", "by_server", "http_error"].contains(&rest),
                    "{key}"
                );
            }
        }
        for key in [
            "ok",
            "ok.http_error",
            "failed",
            "unreachable",
            "no_request.by_client",
            "no_request.by_server",
            "unanswered",
            "empty",
            "plain_http",
            "encrypted",
            "incomplete",
        ] {
            assert!(file["said"].contains_key(key), "said.{key}");
        }
    }
}
