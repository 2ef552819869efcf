//! A wire event's bytes, annotated for people: each record that carried the message (as on the
//! wire, then opened), then the message itself, each with its fields and their byte ranges. The
//! TUI's byte view and the page of a run read the same annotation.

use crate::event::Event;
use certbench_wire::messages::Message;

/// What a part of a message's annotated bytes is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// Record `n` (from 1) of `of` that carried the message, as on the wire.
    Record { n: usize, of: usize },
    /// A protected record's plaintext once opened (TLS 1.3's TLSInnerPlaintext).
    Opened { n: usize },
    /// The message itself.
    Message,
}

/// One stretch of bytes and its fields.
#[derive(Debug, Clone)]
pub struct Section {
    pub kind: SectionKind,
    pub bytes: bytes::Bytes,
    pub parts: Vec<certbench_wire::bytes::Part>,
    /// For a record: its bytes as kept (how it was opened).
    pub record: Option<certbench_wire::bytes::RecordBytes>,
}

/// A wire event's bytes, annotated: each record that carried it, then the message.
#[derive(Debug, Clone)]
pub struct Annotated {
    pub sections: Vec<Section>,
    /// The fields a cursor can stand on (leaves with bytes): (section, part).
    pub leaves: Vec<(usize, usize)>,
    /// The message's first field among them.
    pub start: usize,
    /// Where the message lies in its records' contents: (record index, range), one per record.
    pub pieces: Vec<(usize, std::ops::Range<usize>)>,
    /// Each record's content length, to tell a record that holds more than this message.
    pub content_lens: Vec<usize>,
}

/// Which layout the messages of a run follow: TLS 1.3 once a ServerHello chose it.
pub fn version_of(events: &[Event]) -> certbench_wire::messages::Version {
    use certbench_wire::messages::Version;
    let tls13 = events.iter().any(|e| {
        matches!(e.message(), Some(Message::ServerHello(sh)) if sh.selected_version == Some(0x0304))
    });
    if tls13 {
        Version::Tls13
    } else {
        Version::Tls12
    }
}

/// A wire event's bytes, annotated, when they were kept.
pub fn annotate(e: &Event, version: certbench_wire::messages::Version) -> Option<Annotated> {
    use crate::event::WireWhat;
    use certbench_wire::bytes::{content_parts, inner_parts, record_parts};
    let w = e.wire()?;
    let c = w.carried.as_ref()?;
    let mut sections = Vec::new();
    let of = c.records.len();
    for (i, r) in c.records.iter().enumerate() {
        sections.push(Section {
            kind: SectionKind::Record { n: i + 1, of },
            bytes: r.wire.clone(),
            parts: record_parts(r, version),
            record: Some(r.clone()),
        });
        if let (Some(parts), Some(plain)) = (inner_parts(r), r.sealed_plaintext()) {
            sections.push(Section {
                kind: SectionKind::Opened { n: i + 1 },
                bytes: plain.into(),
                parts,
                record: Some(r.clone()),
            });
        }
    }
    let content_type = match &w.what {
        WireWhat::Handshake { .. } => 22,
        WireWhat::Alert { .. } => 21,
        WireWhat::ChangeCipherSpec => 20,
        WireWhat::ApplicationData { .. } => 23,
        WireWhat::Unreadable { .. } => 0,
    };
    if !c.bytes.is_empty() {
        sections.push(Section {
            kind: SectionKind::Message,
            bytes: c.bytes.clone(),
            parts: content_parts(content_type, &c.bytes, version),
            record: None,
        });
    }
    let leaves: Vec<(usize, usize)> = sections
        .iter()
        .enumerate()
        .flat_map(|(s, sec)| {
            (0..sec.parts.len())
                .filter(|&p| {
                    certbench_wire::bytes::Part::is_leaf(&sec.parts, p)
                        && !sec.parts[p].range.is_empty()
                })
                .map(move |p| (s, p))
        })
        .collect();
    let start = leaves
        .iter()
        .position(|(s, _)| sections[*s].kind == SectionKind::Message)
        .unwrap_or(0);
    Some(Annotated {
        sections,
        leaves,
        start,
        pieces: c.pieces(),
        content_lens: c
            .records
            .iter()
            .map(|r| r.content.as_ref().map_or(0, bytes::Bytes::len))
            .collect(),
    })
}
