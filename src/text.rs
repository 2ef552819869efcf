//! Certificate and peer text is hostile: escape control and bidirectional characters and cap the
//! length before it reaches a terminal or a log.

/// Characters that reorder text (bidi overrides, isolates, marks) or hide it (zero-width).
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' |
        '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
}

/// `s` made safe for one line on a terminal: control and format characters become `\u{..}`
/// escapes, and at most `max_chars` characters are kept (an ellipsis marks a cut).
pub fn display_safe(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 2));
    for (count, c) in s.chars().enumerate() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        if c.is_control() || is_format_char(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_reach_the_terminal() {
        let s = display_safe("evil\u{1b}[31mred\u{202E}txt", 100);
        assert!(!s.contains('\u{1b}'));
        assert!(!s.contains('\u{202E}'));
        assert_eq!(s, "evil\\u{1b}[31mred\\u{202e}txt");
    }

    #[test]
    fn long_text_is_cut() {
        assert_eq!(display_safe("abcdef", 3), "abc…");
        assert_eq!(display_safe("abc", 3), "abc");
    }
}
