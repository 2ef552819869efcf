//! Which fix fits: the situations a failure's words depend on, and the TUI's fixes (its keys
//! as placeholders) beside the CLI's.

use certbench_tls::run::Event;

use crate::{Fact, SCENARIOS, words};

/// The keys a fix for the TUI may name, as `{key_...}` placeholders the TUI fills from its
/// keymap: its panes, and the Handshake and Generate panes' actions.
pub const TUI_KEYS: &[&str] = &[
    "key_generate",
    "key_inspect",
    "key_handshake",
    "key_run",
    "key_lab",
    "key_tls",
    "key_client",
    "key_group",
    "key_suite",
    "key_name",
    "key_server",
    "key_auth",
    "key_chains",
    "key_trust",
    "key_culprit",
    "key_connect",
    "key_serve",
    "key_relay",
    "key_issue",
    "key_revoke",
    "key_renew",
];

/// The values a TUI fix is filled with in the engine: each key placeholder kept as it is.
pub(crate) fn kept_keys() -> Vec<(&'static str, String)> {
    TUI_KEYS.iter().map(|k| (*k, format!("{{{k}}}"))).collect()
}

/// Every fix the TUI can show, before its keys are filled: `(where it comes from, its words)`,
/// for the test that the TUI names keys and never the CLI's flags.
pub fn tui_fix_templates() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in SCENARIOS {
        let w = words(s);
        out.push((
            format!("lab.toml {}", s.name),
            w.fix_tui.clone().unwrap_or_else(|| w.fix.clone()),
        ));
    }
    out.extend(certbench_cause::tui_fix_templates());
    for peer in ["serve", "connect", "relay"] {
        let tui = certbench_tls::peers::peer_words(&format!("{peer}_tui"));
        for (key, fix) in certbench_tls::peers::peer_words(peer) {
            out.push((
                format!("peers.toml {peer}.{key}"),
                tui.get(key).unwrap_or(fix).clone(),
            ));
        }
    }
    out
}

/// What of a failure's circumstances decides which fix fits, most specific first; each is a key
/// suffix in assets/peers.toml (`unknown_issuer.by_server.leaf_alone`).
pub fn situations(failure: &certbench_tls::run::Failure, events: &[Event]) -> Vec<&'static str> {
    use certbench_cause::Cause;
    let mut s = Vec::new();
    // A leaf sent alone whose issuer the judge does not know: the chain was not sent.
    if failure.cause == Cause::UnknownIssuer && Fact::LeafOnly.holds(failure) {
        s.push("leaf_alone");
    }
    // A CertificateRequest that names no CA: the server takes any CA its trust store holds.
    if certbench_tls::connect::requested(events)
        .is_some_and(|r| r.certificate_authorities.is_empty())
    {
        s.push("no_ca_names");
    }
    if let Cause::NoCommonVersion { offered } = &failure.cause {
        let (v13, v12) = (offered.contains(&0x0304), offered.contains(&0x0303));
        match (v13, v12) {
            (true, false) => s.push("offered_13"),
            (false, true) => s.push("offered_12"),
            (true, true) => s.push("offered_both"),
            (false, false) if !offered.is_empty() => s.push("offered_older"),
            _ => {}
        }
    }
    s
}
