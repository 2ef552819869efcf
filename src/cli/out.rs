//! Everything the CLI prints goes through here, whatever its source (a certificate, a file name,
//! a manifest, an option the user typed): one escaping for terminals, so no text can move the
//! cursor, change colours or reorder a line; and a closed output is a quiet exit, as in every
//! Unix tool (`certbench verify ... | head -c1`).
//!
//! `println!` and `eprintln!` are denied in the binary (see main.rs): the macros `outln!` and
//! `errln!` are the way to print.

use std::fmt;
use std::io::{self, Write};

use certbench_base::text::terminal_safe;

/// The exit status of a process that a closed pipe stopped (128 + SIGPIPE), as a shell reports
/// for tools that die of SIGPIPE.
const CLOSED_PIPE_STATUS: i32 = 141;

/// Standard output, buffered, escaped for a terminal.
pub struct Stdout {
    buf: io::BufWriter<io::StdoutLock<'static>>,
    error: Option<io::Error>,
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout {
            buf: io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            error: None,
        }
    }

    /// Bytes as they are, for output that is escaped by its own rules (JSON, see [`json`]).
    pub fn raw(&mut self) -> &mut impl Write {
        self
    }

    /// Flush. A closed pipe ends the process quietly; another failure says why and ends it.
    pub fn finish(mut self) {
        let flushed = self.buf.flush();
        if let Some(e) = self.error.take().or(flushed.err()) {
            failed(&e);
        }
    }
}

impl fmt::Write for Stdout {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.error.is_some() {
            return Err(fmt::Error);
        }
        match self.buf.write_all(terminal_safe(s).as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.error = Some(e);
                Err(fmt::Error)
            }
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        // Kept for finish(): a large write goes past the buffer, and its failure would be lost.
        self.buf.write(b).inspect_err(|e| {
            self.error
                .get_or_insert_with(|| io::Error::new(e.kind(), e.to_string()));
        })
    }
    fn flush(&mut self) -> io::Result<()> {
        self.buf.flush()
    }
}

/// A write to stdout failed: quiet for a closed pipe, a sentence otherwise.
fn failed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(CLOSED_PIPE_STATUS);
    }
    let _ = writeln!(
        io::stderr(),
        "certbench: could not write the output: {}",
        terminal_safe(&e.to_string())
    );
    std::process::exit(1);
}

/// One line on stdout, escaped, written at once.
pub fn line(args: fmt::Arguments<'_>) {
    let text = format!("{args}\n");
    if let Err(e) = io::stdout()
        .lock()
        .write_all(terminal_safe(&text).as_bytes())
    {
        failed(&e);
    }
}

/// One line on stderr, escaped. A closed stderr is not worth dying for.
pub fn error_line(args: fmt::Arguments<'_>) {
    let text = format!("{args}\n");
    let _ = io::stderr()
        .lock()
        .write_all(terminal_safe(&text).as_bytes());
}

/// JSON as serde_json writes it, except that characters a terminal acts on (C1 controls,
/// bidirectional overrides, zero-width characters) are `\uXXXX` escapes too: the same value for
/// any JSON reader, and harmless when the JSON is printed to a terminal.
pub fn json(out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
    json_value(&mut *out, value)?;
    out.write_all(b"\n")
}

/// One value on one line (JSON Lines), escaped as [`json`] says.
pub fn json_line(out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        &mut *out,
        SafeFormatter(serde_json::ser::CompactFormatter),
    );
    value.serialize(&mut ser).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// One value, pretty and escaped as [`json`] says, without the newline after it.
fn json_value(out: &mut impl Write, value: &(impl serde::Serialize + ?Sized)) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        SafeFormatter(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// A JSON array as [`json`] writes it, its elements serialized on every core: the same bytes,
/// sooner, for the 10,000 certificates of a big bundle.
pub fn json_array<T: serde::Serialize + Sync>(out: &mut impl Write, items: &[T]) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]\n");
    }
    // Each element alone, at the top level, then indented one level as inside the array (JSON
    // strings hold no raw newline, so every newline starts a line of the element).
    let element = |item: &T| -> io::Result<Vec<u8>> {
        let mut alone = Vec::with_capacity(2048);
        json_value(&mut alone, item)?;
        let mut indented = Vec::with_capacity(alone.len() + alone.len() / 16 + 2);
        indented.extend_from_slice(b"  ");
        for &b in &alone {
            indented.push(b);
            if b == b'\n' {
                indented.extend_from_slice(b"  ");
            }
        }
        Ok(indented)
    };
    let elements = certbench_base::parallel::map(items.iter().collect(), element);
    if elements.len() != items.len() {
        return Err(io::Error::other("a JSON writer failed"));
    }
    out.write_all(b"[\n")?;
    for (n, e) in elements.into_iter().enumerate() {
        if n > 0 {
            out.write_all(b",\n")?;
        }
        out.write_all(&e?)?;
    }
    out.write_all(b"\n]\n")
}

/// serde_json's formatter `F` (pretty or compact), with the escapes of [`json`].
struct SafeFormatter<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // ASCII, by far the most text, has nothing to escape here but DEL: serde_json escapes
        // the C0 controls itself, before the fragments reach this.
        if fragment.is_ascii() && memchr::memchr(0x7f, fragment.as_bytes()).is_none() {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if certbench_base::text::acts_on_terminal(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `println!`, escaped for a terminal; a closed stdout ends the process quietly.
macro_rules! outln {
    () => { $crate::cli::out::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::cli::out::line(format_args!($($arg)*)) };
}

/// `eprintln!`, escaped for a terminal.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::out::error_line(format_args!($($arg)*)) };
}

pub(crate) use {errln, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_written_on_every_core_is_what_serde_json_writes() {
        for n in [0, 1, 3, 1000] {
            let items: Vec<serde_json::Value> = (0..n)
                .map(|i| serde_json::json!({"i": i, "list": [1, 2], "nested": {"a": "b\nc"}, "empty": []}))
                .collect();
            let mut ours = Vec::new();
            json_array(&mut ours, &items).unwrap();
            let mut theirs = serde_json::to_vec_pretty(&items).unwrap();
            theirs.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap(),
                "{n} items"
            );
        }
    }

    #[test]
    fn json_escapes_what_a_terminal_acts_on_and_stays_json() {
        let value = serde_json::json!({"cn": "a\u{202e}b\u{9b}c\u{1b}d é 日"});
        let mut out = Vec::new();
        json(&mut out, &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r"a\u202eb\u009bc\u001bd é 日"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value, "the same value for a JSON reader");
    }
}
