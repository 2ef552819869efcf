//! The words for connections with someone else's program (assets/peers.toml): `serve`'s and
//! `connect`'s fixes, and `serve`'s page.

const PEERS: &str = include_str!("../../../assets/peers.toml");

/// A section of assets/peers.toml: `serve`'s and `connect`'s fixes, `serve`'s page.
pub fn peer_words(section: &str) -> &'static std::collections::HashMap<String, String> {
    static TABLE: std::sync::OnceLock<
        std::collections::HashMap<String, std::collections::HashMap<String, String>>,
    > = std::sync::OnceLock::new();
    static EMPTY: std::sync::OnceLock<std::collections::HashMap<String, String>> =
        std::sync::OnceLock::new();
    certbench_base::assets::table(&TABLE, PEERS)
        .get(section)
        .unwrap_or_else(|| EMPTY.get_or_init(Default::default))
}

/// The situations a peer fix may be for, the last part of its key (see assets/peers.toml; the
/// lab crate's `situations` tells which hold).
pub const SITUATIONS: &[&str] = &[
    "leaf_alone",
    "no_ca_names",
    "offered_13",
    "offered_12",
    "offered_both",
    "offered_older",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fix of assets/peers.toml is for a cause certbench has, caught by a side that exists.
    #[test]
    fn peer_fixes_name_real_causes() {
        let causes: std::collections::HashMap<String, toml::Value> =
            toml::from_str(include_str!("../../../assets/causes.toml")).unwrap();
        let peers: std::collections::HashMap<String, std::collections::HashMap<String, String>> =
            toml::from_str(PEERS).unwrap();
        assert_eq!(peers.len(), 7);
        assert_eq!(peers["page"].len(), 7);
        for (peer, fixes) in peers.iter().filter(|(p, _)| *p != "page") {
            assert!(
                [
                    "serve",
                    "connect",
                    "relay",
                    "serve_tui",
                    "connect_tui",
                    "relay_tui"
                ]
                .contains(&peer.as_str()),
                "{peer}"
            );
            // The TUI's words are for fixes the command has.
            if let Some(command) = peer.strip_suffix("_tui") {
                for key in fixes.keys() {
                    assert!(
                        peers[command].contains_key(key),
                        "{peer}.{key}: no {command}.{key}"
                    );
                }
            }
            for key in fixes.keys() {
                // code[.by_SIDE][.SITUATION]
                let mut parts = key.split('.');
                let code = parts.next().unwrap_or_default();
                assert!(causes.contains_key(code), "{peer}.{key}: no cause {code}");
                for part in parts {
                    match part.strip_prefix("by_") {
                        Some(side) => {
                            assert!(side == "client" || side == "server", "{peer}.{key}")
                        }
                        None => assert!(SITUATIONS.contains(&part), "{peer}.{key}: {part}"),
                    }
                }
            }
        }
    }
}
