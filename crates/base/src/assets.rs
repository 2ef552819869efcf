//! certbench's words for people, in assets/*.toml: each file a table from a key to its words,
//! read once, and the one way their `{placeholders}` are filled.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

/// The table in `text` (a file of assets/, part of the binary), read once into `cell`. Each file
/// has a test that parses it and checks its keys: an error here is a build mistake, and the
/// program then shows keys instead of words rather than failing.
pub fn table<T: DeserializeOwned>(
    cell: &'static OnceLock<HashMap<String, T>>,
    text: &str,
) -> &'static HashMap<String, T> {
    cell.get_or_init(|| toml::from_str(text).unwrap_or_default())
}

/// Fill `{name}` placeholders; a `[...]` part whose placeholders have no value is left out, so a
/// text can say more when the library said more. One pass over the template: a value is never
/// read as a template itself (a certificate's name may hold `{` or `[`), and each is escaped for a
/// terminal.
pub fn fill(template: &str, values: &[(&'static str, String)]) -> String {
    fill_up_to(template, values, 400)
}

/// The same, each value cut at `limit` characters rather than 400: for a value that is a list
/// the user needs whole (every CA a server names).
pub fn fill_up_to(template: &str, values: &[(&'static str, String)], limit: usize) -> String {
    let mut out = String::new();
    // The optional part being read: its text so far, and whether all its values were there.
    let mut optional: Option<(String, bool)> = None;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match c {
            '[' if optional.is_none() => optional = Some((String::new(), true)),
            ']' if optional.is_some() => {
                if let Some((text, true)) = optional.take() {
                    out.push_str(&text);
                }
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let value = values
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| crate::text::display_safe(v, limit));
                match (&mut optional, value) {
                    (Some((text, _)), Some(v)) => text.push_str(&v),
                    (Some((_, complete)), None) => *complete = false,
                    (None, Some(v)) => out.push_str(&v),
                    // A value the cause does not have, outside an optional part: the name shows.
                    (None, None) => out.push_str(&name),
                }
            }
            c => match &mut optional {
                Some((text, _)) => text.push(c),
                None => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// A table that does not parse shows keys instead of words, silently: every file of assets/,
    /// one added later too, must parse (a duplicate key, a line under the wrong table).
    #[test]
    fn every_asset_file_parses() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets"));
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                if let Err(e) = toml::from_str::<toml::Table>(&text) {
                    panic!("{} does not parse: {e}", path.display());
                }
                seen += 1;
            }
        }
        assert!(seen >= 10, "only {seen} files in {}", dir.display());
    }
}
