//! The words for a request the OCSP responder answered (assets/responder.toml), made from its
//! typed `Served`, the same in the CLI's lines and the TUI's rows.

use std::collections::HashMap;
use std::sync::OnceLock;

use certbench_tls::responder::{Asked, Served};
use certbench_x509::ocsp::{CertStatus, ResponseStatus};

const RESPONDER: &str = include_str!("../../../assets/responder.toml");

fn say(key: &str, values: &[(&'static str, String)]) -> String {
    static TABLE: OnceLock<HashMap<String, HashMap<String, String>>> = OnceLock::new();
    let said = certbench_base::assets::table(&TABLE, RESPONDER).get("said");
    match said.and_then(|s| s.get(key)) {
        Some(t) => certbench_base::assets::fill(t, values),
        None => key.to_string(),
    }
}

/// What a certificate's status is, in words.
pub fn status(s: &CertStatus) -> String {
    match s {
        CertStatus::Revoked { at, reason } => {
            let mut v = vec![("at", certbench_base::text::rfc3339(*at))];
            if let Some(r) = reason {
                v.push(("reason", r.as_str().to_string()));
            }
            say("ocsp_revoked", &v)
        }
        other => other.name().to_string(),
    }
}

/// The sentence for one request answered: what was asked and what it got.
pub fn line(s: &Served) -> String {
    match &s.asked {
        Asked::Ocsp {
            unreadable: Some(why),
            status,
            ..
        } => say(
            "ocsp_unreadable",
            &[("status", status.name().into()), ("why", why.clone())],
        ),
        Asked::Ocsp {
            status, answers, ..
        } if answers.is_empty() => {
            let key = match status {
                ResponseStatus::Unauthorized => "ocsp_unauthorized",
                _ => "ocsp_refused",
            };
            say(key, &[("status", status.name().into())])
        }
        Asked::Ocsp {
            ca,
            signer,
            delegated,
            answers,
            ..
        } => {
            let each: Vec<String> = answers
                .iter()
                .map(|a| {
                    let who = a.name.clone().unwrap_or_else(|| {
                        say(
                            "ocsp_serial",
                            &[("serial", certbench_base::text::hex(&a.id.serial))],
                        )
                    });
                    say(
                        "ocsp_answer",
                        &[("who", who), ("status", status(&a.status))],
                    )
                })
                .collect();
            let mut v = vec![
                ("answers", each.join("; ")),
                ("signer", signer.clone().unwrap_or_default()),
            ];
            if *delegated && let Some(ca) = ca {
                v.push(("ca", ca.clone()));
            }
            say("ocsp", &v)
        }
        Asked::Crl { ca } => say("crl", &[("ca", ca.clone()), ("bytes", s.bytes.to_string())]),
        Asked::NoSuchCa { ca } => say("no_such_ca", &[("ca", ca.clone())]),
        Asked::Index => say("index", &[]),
        Asked::NotFound => say(
            "not_found",
            &[
                ("path", s.path.clone()),
                ("status", s.http_status.to_string()),
            ],
        ),
        Asked::WrongMethod => say("wrong_method", &[("method", s.method.clone())]),
        Asked::Failed { error } => say("failed", &[("error", error.clone())]),
    }
}

/// The code of what was asked, for counts and JSON.
pub fn kind(a: &Asked) -> &'static str {
    match a {
        Asked::Ocsp { .. } => "ocsp",
        Asked::Crl { .. } => "crl",
        Asked::NoSuchCa { .. } => "no_such_ca",
        Asked::Index => "index",
        Asked::NotFound => "not_found",
        Asked::WrongMethod => "wrong_method",
        Asked::Failed { .. } => "failed",
    }
}
