//! The words for how the workspace ages and what a renewal did (assets/status.toml), from
//! `certbench_pki::workspace::{Health, Renewed}`, the same for `certbench status` and `renew` and
//! the TUI.

use std::collections::HashMap;
use std::sync::OnceLock;

use certbench_base::text::rfc3339;
use certbench_pki::workspace::{Dependant, DependantWhy, Renewed, State, Warning};

const STATUS: &str = include_str!("../../../assets/status.toml");

fn say(key: &str, values: &[(&'static str, String)]) -> String {
    say_in("said", key, values)
}

/// Words of the table `table` ("said", or "tui": the TUI's own, naming its keys).
fn say_in(table: &str, key: &str, values: &[(&'static str, String)]) -> String {
    static TABLE: OnceLock<HashMap<String, HashMap<String, String>>> = OnceLock::new();
    let said = certbench_base::assets::table(&TABLE, STATUS).get(table);
    match said.and_then(|s| s.get(key)) {
        Some(t) => certbench_base::assets::fill(t, values),
        None => key.to_string(),
    }
}

/// The keys the TUI's words name, as its keymap has them: `key_renew`, `key_revoke`,
/// `key_responder`.
pub const TUI_KEYS: [&str; 3] = ["key_renew", "key_revoke", "key_responder"];

/// A certificate's state, in a word or two.
pub fn state(s: State) -> String {
    say(
        match s {
            State::Valid => "valid",
            State::ExpiresSoon => "expires_soon",
            State::Expired => "expired",
            State::NotYetValid => "not_yet_valid",
            State::Revoked => "revoked",
        },
        &[],
    )
}

/// A warning, as a sentence with what to do on the command line.
pub fn warning(w: &Warning) -> String {
    warning_in("said", w, &[])
}

/// The same for the TUI: what to do there, its keys (`keys`, each of [`TUI_KEYS`]) filled in.
pub fn warning_tui(w: &Warning, keys: &[(&'static str, String)]) -> String {
    warning_in("tui", w, keys)
}

fn warning_in(table: &str, w: &Warning, keys: &[(&'static str, String)]) -> String {
    let say = |key: &str, values: &[(&'static str, String)]| {
        let mut all = values.to_vec();
        all.extend(keys.iter().cloned());
        say_in(table, key, &all)
    };
    match w {
        Warning::OutlivesIssuer {
            name,
            role,
            issuer,
            not_after,
            issuer_not_after,
        } => say(
            if role.is_ca() {
                "outlives_issuer_ca"
            } else {
                "outlives_issuer_leaf"
            },
            &[
                ("name", name.clone()),
                ("role", role.title().to_string()),
                ("issuer", issuer.clone()),
                ("not_after", rfc3339(*not_after)),
                ("issuer_not_after", rfc3339(*issuer_not_after)),
            ],
        ),
        Warning::ChainBroken {
            name,
            cause,
            at_fault,
        } => {
            let mut v = vec![("name", name.clone())];
            v.extend(
                cause
                    .as_ref()
                    .map(|c| ("cause", certbench_cause::describe(c))),
            );
            v.extend(at_fault.clone().map(|s| ("at_fault", s)));
            say("chain_broken", &v)
        }
        Warning::ChainOutdated {
            name,
            ca,
            not_after,
        } => say(
            "chain_outdated",
            &[
                ("name", name.clone()),
                ("ca", ca.clone()),
                ("not_after", rfc3339(*not_after)),
            ],
        ),
        Warning::KeyReused { name, replaced } => say(
            "key_reused",
            &[("name", name.clone()), ("files", replaced.join(", "))],
        ),
        Warning::CrlStale { ca, next_update } => say(
            "crl_stale",
            &[("ca", ca.clone()), ("next_update", rfc3339(*next_update))],
        ),
        Warning::Unreadable { name, file } => say(
            "unreadable",
            &[("name", name.clone()), ("file", file.clone())],
        ),
    }
}

/// What a renewal made.
pub fn renewed(r: &Renewed) -> String {
    let e = &r.issued.entity;
    say(
        "renewed",
        &[
            ("name", e.name.clone()),
            ("serial", e.serial.clone()),
            ("not_before", rfc3339(e.not_before)),
            ("not_after", rfc3339(e.not_after)),
            (
                "key",
                say(if r.key_kept { "same_key" } else { "new_key" }, &[]),
            ),
            ("old_serial", r.old_serial.clone()),
            ("old_not_after", rfc3339(r.old_not_after)),
            (
                "replaced",
                r.issued
                    .replaced_into
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
        ],
    )
}

/// What a renewal made, in one line (the TUI's message line); `revoked`: the old certificate
/// was revoked with it.
pub fn renewed_short(r: &Renewed, revoked: bool) -> String {
    let e = &r.issued.entity;
    let mut v = vec![
        ("name", e.name.clone()),
        (
            "key",
            say(if r.key_kept { "same_key" } else { "new_key" }, &[]),
        ),
        ("not_after", rfc3339(e.not_after)),
        ("old_not_after", rfc3339(r.old_not_after)),
    ];
    let to_renew = r
        .dependants
        .iter()
        .filter(|d| d.why != DependantWhy::StillChains)
        .count();
    if to_renew > 0 {
        v.push(("dependants", to_renew.to_string()));
    }
    say(
        if revoked {
            "renewed_short_revoked"
        } else {
            "renewed_short"
        },
        &v,
    )
}

/// The certificate a renewal replaced, still valid.
pub fn old_valid(r: &Renewed) -> String {
    say(
        "old_valid",
        &[
            ("name", r.issued.entity.name.clone()),
            ("old_serial", r.old_serial.clone()),
            ("old_not_after", rfc3339(r.old_not_after)),
        ],
    )
}

/// A root renewed with --revoke-old: roots are not revoked.
pub fn root_not_revoked(_r: &Renewed) -> String {
    say("root_not_revoked", &[])
}

/// A CA renewed with a new key: its old CRL moved aside.
pub fn crl_moved(r: &Renewed) -> String {
    say("crl_moved", &[("name", r.issued.entity.name.clone())])
}

/// The certificate a renewal replaced, revoked, and the CRL that lists it.
pub fn old_revoked(r: &Renewed, crl: &std::path::Path) -> String {
    say(
        "old_revoked",
        &[
            ("old_serial", r.old_serial.clone()),
            ("crl", crl.display().to_string()),
        ],
    )
}

/// What a CA's renewal means for a certificate it issued.
pub fn dependant(d: &Dependant, r: &Renewed) -> String {
    say(
        match d.why {
            DependantWhy::SignedByOldKey => "signed_by_old_key",
            DependantWhy::ChainCarriesOld => "chain_carries_old",
            DependantWhy::StillChains => "still_chains",
        },
        &[
            ("name", d.name.clone()),
            ("role", d.role.title().to_string()),
            ("ca", r.issued.entity.name.clone()),
            ("old_not_after", rfc3339(r.old_not_after)),
        ],
    )
}

#[cfg(test)]
mod tests {
    /// The TUI's warnings name its keys, never the CLI's commands or flags, and each warning
    /// the CLI words has TUI words.
    #[test]
    fn the_tuis_words_name_keys_not_commands() {
        let table: std::collections::HashMap<String, std::collections::HashMap<String, String>> =
            toml::from_str(super::STATUS).expect("assets/status.toml parses");
        let tui = &table["tui"];
        for key in [
            "outlives_issuer_leaf",
            "outlives_issuer_ca",
            "chain_broken",
            "chain_outdated",
            "key_reused",
            "crl_stale",
            "unreadable",
        ] {
            let words = tui
                .get(key)
                .unwrap_or_else(|| panic!("no TUI words for {key}"));
            assert!(
                !words.contains("certbench ") && !words.contains("--") && !words.contains('`'),
                "{key}: {words}"
            );
            assert!(table["said"].contains_key(key), "{key}");
        }
        for words in tui.values() {
            let mut rest = words.as_str();
            while let Some(at) = rest.find("{key_") {
                let name: String = rest[at + 1..].chars().take_while(|c| *c != '}').collect();
                assert!(super::TUI_KEYS.contains(&name.as_str()), "{name}");
                rest = &rest[at + 1..];
            }
        }
    }

    #[test]
    fn every_key_has_words() {
        let table: std::collections::HashMap<String, std::collections::HashMap<String, String>> =
            toml::from_str(super::STATUS).expect("assets/status.toml parses");
        let said = &table["said"];
        let code = include_str!("aging.rs");
        // Every key the code asks for is in the table.
        for key in said.keys() {
            assert!(code.contains(&format!("\"{key}\"")), "{key} is never said");
        }
        for key in [
            "valid",
            "outlives_issuer_leaf",
            "outlives_issuer_ca",
            "key_reused",
            "crl_stale",
            "renewed",
            "signed_by_old_key",
        ] {
            assert!(said.contains_key(key), "assets/status.toml has no {key}");
        }
    }
}
