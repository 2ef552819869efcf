//! A line typed into a prompt that may start with a suggestion (the last target, a default).
//! A suggestion is shown selected: the first character typed replaces it, as a selected field
//! does in any desktop dialog; Backspace keeps it and edits it (the port, say).

/// The text of a prompt, and whether it is still the suggestion it started as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    suggested: bool,
}

impl Input {
    /// A prompt that starts with `text` offered: typing replaces it.
    pub fn suggest(text: impl Into<String>) -> Input {
        Input {
            text: text.into(),
            suggested: true,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Still the suggestion, untouched: drawn as selected.
    pub fn is_suggestion(&self) -> bool {
        self.suggested
    }

    /// A character typed: it replaces a suggestion, else it is added (up to `max` bytes).
    pub fn insert(&mut self, c: char, max: usize) {
        if std::mem::take(&mut self.suggested) {
            self.text.clear();
        }
        if self.text.len() + c.len_utf8() <= max {
            self.text.push(c);
        }
    }

    /// Backspace: the suggestion becomes text being edited, and loses its last character.
    pub fn delete_back(&mut self) {
        self.suggested = false;
        self.text.pop();
    }

    pub fn clear(&mut self) {
        self.suggested = false;
        self.text.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_replaces_a_suggestion_and_backspace_edits_it() {
        let mut i = Input::suggest("localhost:8443");
        i.insert('1', 300);
        assert_eq!(i.as_str(), "1");
        assert!(!i.is_suggestion());
        i.insert('2', 300);
        assert_eq!(i.as_str(), "12");

        let mut i = Input::suggest("localhost:8443");
        i.delete_back();
        i.insert('9', 300);
        assert_eq!(i.as_str(), "localhost:8449");

        let mut i = Input::default();
        for c in "abc".chars() {
            i.insert(c, 2);
        }
        assert_eq!(i.as_str(), "ab");
    }
}
