//! A key log (NSS's SSLKEYLOGFILE): each secret a connection derived, by its label and the client
//! random that names the connection. Kept as values, in fixed-size storage; the text lines are
//! made only when someone asks for them (a file, a capture's Decryption Secrets Block), so that
//! watching a handshake formats nothing nobody reads.

use std::borrow::Cow;
use std::sync::OnceLock;

/// The labels TLS libraries write (NSS's key log format, which Wireshark, rustls and OpenSSL use): kept
/// as `&'static str` so that logging one allocates nothing.
const KNOWN_LABELS: [&str; 8] = [
    "CLIENT_RANDOM",
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EARLY_EXPORTER_SECRET",
    "EXPORTER_SECRET",
];

/// A label as it is kept: one of the known ones without an allocation, any other as given.
pub fn label(label: &str) -> Cow<'static, str> {
    KNOWN_LABELS
        .iter()
        .find(|l| **l == label)
        .map_or_else(|| Cow::Owned(label.to_string()), |l| Cow::Borrowed(*l))
}

/// A TLS client random: 32 bytes (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2).
pub type ClientRandom = [u8; 32];

/// The longest secret kept: a TLS 1.3 traffic secret is as long as the suite's hash (48 bytes
/// for SHA-384), TLS 1.2's master secret is 48 bytes.
pub const MAX_SECRET: usize = 64;

/// One secret: its label, its connection's client random, its value.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub label: Cow<'static, str>,
    pub client_random: ClientRandom,
    len: u8,
    value: [u8; MAX_SECRET],
}

impl Entry {
    /// `None` when the random is not 32 bytes or the secret is empty or longer than any TLS
    /// secret: no connection has such a line.
    pub fn new(label_text: &str, client_random: &[u8], secret: &[u8]) -> Option<Entry> {
        let client_random = ClientRandom::try_from(client_random).ok()?;
        if secret.is_empty() || secret.len() > MAX_SECRET {
            return None;
        }
        let mut value = [0u8; MAX_SECRET];
        value[..secret.len()].copy_from_slice(secret);
        Some(Entry {
            label: label(label_text),
            client_random,
            len: secret.len() as u8,
            value,
        })
    }

    pub fn secret(&self) -> &[u8] {
        &self.value[..usize::from(self.len)]
    }

    /// Whether this is the secret `label` of the connection `client_random`.
    pub fn is(&self, label: &str, client_random: &[u8]) -> bool {
        self.label == label && self.client_random[..] == *client_random
    }

    /// Its line in an SSLKEYLOGFILE: `LABEL <client random hex> <secret hex>`.
    pub fn line(&self) -> String {
        use certbench_base::text::hex;
        format!(
            "{} {} {}",
            self.label,
            hex(&self.client_random),
            hex(self.secret())
        )
    }
}

/// Whoever has a secret reads the connection: `Debug` says which secret it is, not its value.
impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Entry({}, {} bytes, not shown)", self.label, self.len)
    }
}

/// A connection's key log: each secret once, in the order they came; its lines made when first
/// asked for.
#[derive(Clone, Default)]
pub struct KeyLog {
    entries: Vec<Entry>,
    lines: OnceLock<Vec<String>>,
}

impl KeyLog {
    pub fn new() -> KeyLog {
        KeyLog::default()
    }

    /// The entries, in the order they came.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Where the secret `label` of `client_random` is, if it was logged.
    pub fn position(&self, label: &str, client_random: &[u8]) -> Option<usize> {
        self.entries.iter().position(|e| e.is(label, client_random))
    }

    /// Adds a secret not logged yet (see [`KeyLog::position`]).
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
        self.lines = OnceLock::new();
    }

    /// The SSLKEYLOGFILE lines, made on the first call.
    pub fn lines(&self) -> &[String] {
        self.lines
            .get_or_init(|| self.entries.iter().map(Entry::line).collect())
    }
}

impl PartialEq for KeyLog {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

/// `Debug` says how many secrets there are, not what they are.
impl std::fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLog({} secrets, not shown)", self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line is NSS's format, as Wireshark reads it: label, then the random and the secret in
    /// lowercase hex, separated by one space.
    #[test]
    fn lines_are_nss_keylog_lines_and_made_again_after_a_push() {
        let mut log = KeyLog::new();
        let random: Vec<u8> = (0u8..32).collect();
        log.push(Entry::new("CLIENT_TRAFFIC_SECRET_0", &random, &[0xab, 0x01]).unwrap());
        assert_eq!(
            log.lines(),
            [
                "CLIENT_TRAFFIC_SECRET_0 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ab01"
            ]
        );
        log.push(Entry::new("MY_OWN_LABEL", &random, &[0xff]).unwrap());
        assert_eq!(log.lines().len(), 2);
        assert!(log.lines()[1].starts_with("MY_OWN_LABEL 0001"));
        assert_eq!(log.position("MY_OWN_LABEL", &random), Some(1));
        assert_eq!(log.position("MY_OWN_LABEL", &[0u8; 32]), None);
    }

    #[test]
    fn no_connection_has_a_short_random_or_an_oversized_secret() {
        assert!(Entry::new("CLIENT_RANDOM", &[1, 2], &[3]).is_none());
        assert!(Entry::new("CLIENT_RANDOM", &[0; 32], &[]).is_none());
        assert!(Entry::new("CLIENT_RANDOM", &[0; 32], &[7; 65]).is_none());
        assert!(Entry::new("CLIENT_RANDOM", &[0; 32], &[7; 64]).is_some());
    }

    #[test]
    fn debug_shows_no_secret() {
        let secret = [0x5a; 48];
        let e = Entry::new("EXPORTER_SECRET", &[0; 32], &secret).unwrap();
        let mut log = KeyLog::new();
        log.push(e.clone());
        let _ = log.lines();
        let shown = format!("{e:?} {log:?}");
        // Neither in hex nor as the numbers a derived Debug would print.
        for value in ["5a5a", "90, 90", "0x5a"] {
            assert!(!shown.contains(value), "{shown}");
        }
        assert!(
            shown.contains("EXPORTER_SECRET") && shown.contains("1 secrets"),
            "{shown}"
        );
    }
}
