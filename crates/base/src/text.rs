//! Certificate and peer text is hostile: escape control and bidirectional characters and cap the
//! length before it reaches a terminal or a log.

/// Characters that reorder text (bidi overrides, isolates, marks) or hide it (zero-width).
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' |
        '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

/// A character a terminal acts on instead of showing: control characters (C0, DEL, C1: escape
/// sequences, bells, carriage returns), and format characters that reorder or hide text.
pub fn acts_on_terminal(c: char) -> bool {
    c.is_control() || is_format_char(c)
}

/// `s` made safe for a terminal, lines kept: every character a terminal acts on becomes a
/// visible `\u{..}` escape, except newlines and tabs. Text without such characters is returned
/// as it is, and escaping twice changes nothing.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| acts_on_terminal(c) && c != '\n' && c != '\t';
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `c` as the visible escape `\u{..}` (Rust's and JavaScript's form).
fn push_escape(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// The plural ending of a count's noun in the words made at the edge: "" for one, "s" else
/// ("1 byte", "2 bytes", "0 bytes").
pub fn plural<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) { "" } else { "s" }
}

/// `s` made safe for one line on a terminal: control and format characters become `\u{..}`
/// escapes, and at most `max_chars` characters are kept (an ellipsis marks a cut).
pub fn display_safe(s: &str, max_chars: usize) -> String {
    // Printable ASCII that fits, the common case, is itself.
    if s.len() <= max_chars && s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len().min(max_chars * 2));
    for (count, c) in s.chars().enumerate() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        if acts_on_terminal(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                _ => push_escape(&mut out, c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The most characters certbench keeps of one piece of certificate text: whole for any real
/// certificate (openssl prints names of 33,000 characters), bounded for a hostile one.
pub const MAX_VALUE_CHARS: usize = 1_000_000;

/// Text for a screen: at most `max` characters, and when it was longer, how long it is, so the
/// cut is never silent (JSON keeps the whole value).
pub fn for_screen(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let head: String = s.chars().take(max).collect();
    std::borrow::Cow::Owned(format!("{head}… ({n} characters in all)"))
}

/// One character as a person should see it in a message, quoted: `'ë'`, `a space`, or its
/// `'\u{..}'` escape when a terminal would act on it or it would not show.
pub fn shown_char(c: char) -> String {
    if c == ' ' {
        "a space".into()
    } else if acts_on_terminal(c) || c.is_whitespace() {
        format!("'\\u{{{:x}}}'", c as u32)
    } else {
        format!("'{c}'")
    }
}

/// The names in an error's debug form, outermost first, without the data they carry:
/// `InvalidCertificate(NotValidForNameContext { expected: .. })` becomes
/// `InvalidCertificate › NotValidForNameContext`. An identifier to search a library's source
/// and docs for, never Rust's debug form itself.
pub fn error_names(debug: &str) -> String {
    let mut names = Vec::new();
    let mut rest = debug;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            break;
        }
        names.push(name);
        match rest[end..].strip_prefix('(') {
            Some(inner) => rest = inner,
            None => break,
        }
    }
    names.join(" › ")
}

/// `n` and the noun for it: "1 purpose", "2 purposes", "0 purposes".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A path or word as a POSIX shell takes it: as it is when it needs no quoting, else in single
/// quotes.
pub fn shell_word(p: &std::path::Path) -> String {
    let s = p.display().to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A time as RFC 3339 (`2026-11-22T12:00:00Z`); a time RFC 3339 cannot hold (a year beyond
/// 9999) falls back to the time crate's own form.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Lowercase hex without separators, as SSLKEYLOGFILE lines carry randoms and secrets.
/// Bytes as lowercase hex pairs with a space between them (`17 03 03`), as dumps show them.
pub fn hex_spaced(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&hex(std::slice::from_ref(b)));
    }
    out
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Standard base64 with padding (RFC 4648), for PEM bodies and SPKI pins.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A PEM block: the label, the base64 of the DER in 64-character lines (RFC 7468).
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A word typed for a setting that takes one of a few (a role, a key type, a reason): what was
/// given, what the setting is, and what it takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{given}\" is not {what}; use {takes}")]
pub struct NotAChoice {
    pub given: String,
    /// The setting, with its article: "a role".
    pub what: &'static str,
    /// What it takes, as said after "use": "ca, intermediate, server or client".
    pub takes: String,
}

/// Why a PEM body is not base64, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Error {
    #[error("bad base64 ({} at position {at})", shown_char(*.found))]
    Byte { at: usize, found: char },
    #[error("bad base64 (a truncated group)")]
    Truncated,
    #[error("bad base64 (the last character, at position {at})")]
    LastSymbol { at: usize },
    #[error("bad base64 (misplaced '=' padding)")]
    Padding,
}

/// Standard base64 back to bytes, as PEM bodies carry it (padding optional, as openssl reads
/// it); an error says what is wrong and where.
pub fn base64_decode(s: &str) -> Result<Vec<u8>, Base64Error> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    LENIENT.decode(s).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, b) => Base64Error::Byte {
            at,
            found: char::from(b),
        },
        base64::DecodeError::InvalidLength(_) => Base64Error::Truncated,
        base64::DecodeError::InvalidLastSymbol { offset, .. } => {
            Base64Error::LastSymbol { at: offset }
        }
        base64::DecodeError::InvalidPadding => Base64Error::Padding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thing_has_no_plural_ending_and_any_other_count_has() {
        assert_eq!(plural(1usize), "");
        assert_eq!(plural(0u64), "s");
        assert_eq!(plural(2i64), "s");
        assert_eq!(plural(-1i64), "s");
    }

    #[test]
    fn escapes_never_reach_the_terminal() {
        let s = display_safe("evil\u{1b}[31mred\u{202E}txt", 100);
        assert!(!s.contains('\u{1b}'));
        assert!(!s.contains('\u{202E}'));
        assert_eq!(s, "evil\\u{1b}[31mred\\u{202e}txt");
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"hello!?"), "aGVsbG8hPw==");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn base64_round_trips_and_refuses_garbage() {
        assert_eq!(base64_decode("Zm9vYmFy").unwrap(), b"foobar");
        assert_eq!(base64_decode("Zg==").unwrap(), b"f");
        assert_eq!(
            base64_decode("Zm9v!mFy"),
            Err(Base64Error::Byte { at: 4, found: '!' })
        );
        assert!(
            base64_decode("Zm9v!mFy")
                .unwrap_err()
                .to_string()
                .contains("bad base64")
        );
        assert!(base64_decode("Z").is_err());
    }

    #[test]
    fn terminal_text_keeps_its_lines_and_loses_its_escapes() {
        let evil = "list\n\u{1b}]0;owned\u{7}name\u{9b}31m\u{202e}\r\tend";
        let safe = terminal_safe(evil);
        assert_eq!(
            safe,
            "list\n\\u{1b}]0;owned\\u{7}name\\u{9b}31m\\u{202e}\\u{d}\tend"
        );
        assert_eq!(terminal_safe(&safe), safe, "escaping twice changes nothing");
        assert!(matches!(
            terminal_safe("plain é 日\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn error_names_keep_the_names_and_drop_the_data() {
        assert_eq!(
            error_names(
                "InvalidCertificate(NotValidForNameContext { expected: DnsName(\"x\"), presented: [] })"
            ),
            "InvalidCertificate › NotValidForNameContext"
        );
        assert_eq!(
            error_names("InvalidCertificate(Other(OtherError(CaUsedAsEndEntity)))"),
            "InvalidCertificate › Other › OtherError › CaUsedAsEndEntity"
        );
        assert_eq!(error_names("UnknownIssuer"), "UnknownIssuer");
    }

    #[test]
    fn long_text_is_cut() {
        assert_eq!(display_safe("abcdef", 3), "abc…");
        assert_eq!(display_safe("abc", 3), "abc");
    }
}

/// A password the user typed: shown nowhere and logged nowhere (its `Debug` is `Secret(..)`, so
/// a state or an action that holds one can be logged whole), and wiped from memory when
/// dropped (each copy; typed text has room for 256 bytes before it would move).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn push(&mut self, c: char) {
        // Room made once, so typing does not move the text and leave a copy behind.
        if self.0.capacity() == 0 {
            self.0.reserve(256);
        }
        self.0.push(c);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many characters: what a masked field shows.
    pub fn len_chars(&self) -> usize {
        self.0.chars().count()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}
