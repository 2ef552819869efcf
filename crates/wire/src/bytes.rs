//! The bytes behind each thing seen on the wire, and what each byte is: the records that carried a
//! message (header, and for a protected record the ciphertext, the tag and how it was opened),
//! then the message's own fields (RFC 8446 section 4, RFC 5246 section 7.4), each with its byte
//! range. Part names are the RFCs' field names; values are decoded names and numbers.
//!
//! Every layout covers its bytes exactly: the leaves of [`message_parts`] and of
//! [`record_parts`], in order, are the bytes with no gap and no overlap (bytes a layout does not
//! know are a leaf of their own, `unparsed`, never left out).

use std::borrow::Cow;
use std::ops::Range;

use bytes::Bytes;

use crate::decrypt::Sealing;
use crate::messages::{Value, Version};
use crate::names;

/// One record as it crossed the wire, and its content once opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBytes {
    /// The 5-byte header and the payload, as sent.
    pub wire: Bytes,
    /// The content the record carried: the payload itself in clear (a slice of `wire`);
    /// decrypted, without the TLS 1.3 inner type and padding, when protected; `None` when it
    /// could not be opened.
    pub content: Option<Bytes>,
    /// How a protected record was opened.
    pub sealing: Option<Sealing>,
}

impl RecordBytes {
    /// The same, each byte string in an allocation of its own size (see [`Carried::compacted`]).
    pub fn compacted(&self) -> RecordBytes {
        RecordBytes {
            wire: Bytes::copy_from_slice(&self.wire),
            content: self.content.as_deref().map(Bytes::copy_from_slice),
            sealing: self.sealing.clone(),
        }
    }

    pub fn header(&self) -> &[u8] {
        &self.wire[..5.min(self.wire.len())]
    }

    pub fn payload(&self) -> &[u8] {
        &self.wire[5.min(self.wire.len())..]
    }

    /// The bytes the AEAD sealed: the content, then (TLS 1.3) the inner type and its padding.
    pub fn sealed_plaintext(&self) -> Option<Vec<u8>> {
        let (content, sealing) = (self.content.as_ref()?, self.sealing.as_ref()?);
        let mut p = content.to_vec();
        if let Some(t) = sealing.inner_type {
            p.push(t);
            p.extend(std::iter::repeat_n(0, sealing.padding));
        }
        Some(p)
    }
}

/// The records that carried one message: most messages lie within one record, held in place;
/// a message that spans records has them in a list. Read it as a slice (two are equal when their
/// slices are, whichever way each holds them).
#[derive(Debug, Clone)]
pub enum Records {
    One(RecordBytes),
    Several(Vec<RecordBytes>),
}

impl std::ops::Deref for Records {
    type Target = [RecordBytes];
    fn deref(&self) -> &[RecordBytes] {
        match self {
            Records::One(r) => std::slice::from_ref(r),
            Records::Several(v) => v,
        }
    }
}

impl PartialEq for Records {
    fn eq(&self, other: &Records) -> bool {
        **self == **other
    }
}

impl Eq for Records {}

impl<'a> IntoIterator for &'a Records {
    type Item = &'a RecordBytes;
    type IntoIter = std::slice::Iter<'a, RecordBytes>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Default for Records {
    /// None yet: an empty list, which holds no allocation.
    fn default() -> Records {
        Records::Several(Vec::new())
    }
}

impl Records {
    pub fn push(&mut self, record: RecordBytes) {
        *self = match std::mem::take(self) {
            Records::Several(v) if v.is_empty() => Records::One(record),
            Records::One(first) => Records::Several(vec![first, record]),
            Records::Several(mut v) => {
                v.push(record);
                Records::Several(v)
            }
        };
    }
}

impl Extend<RecordBytes> for Records {
    fn extend<I: IntoIterator<Item = RecordBytes>>(&mut self, iter: I) {
        for r in iter {
            self.push(r);
        }
    }
}

impl FromIterator<RecordBytes> for Records {
    fn from_iter<I: IntoIterator<Item = RecordBytes>>(iter: I) -> Records {
        let mut records = Records::default();
        records.extend(iter);
        records
    }
}

/// What carried one message, and its own bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The records that carried it (one, or several when it spans records), in order. A record
    /// that holds several messages is shared by each of them.
    pub records: Records,
    /// Where this message starts in the first record's content.
    pub offset: usize,
    /// Its own bytes: a handshake message's type, length and body; else the record's content.
    /// (A slice of the record's content when the message lies within one record.)
    pub bytes: Bytes,
}

impl Carried {
    /// The same, each byte string in an allocation of its own size. What is seen shares the
    /// buffers it was read from (a read, a piece of the connection's arena); a keeper that holds
    /// a few small pieces for long, from a peer that is not certbench's, keeps this instead, so
    /// that a small piece cannot hold a large buffer alive and its budget counts what it holds.
    pub fn compacted(&self) -> Carried {
        Carried {
            records: self.records.iter().map(RecordBytes::compacted).collect(),
            offset: self.offset,
            bytes: Bytes::copy_from_slice(&self.bytes),
        }
    }

    /// Bytes kept for it: its own and its records' (as sent and opened), with what each record
    /// costs beside its bytes. A record shared by several messages counts for each.
    pub fn size(&self) -> usize {
        self.bytes.len()
            + self
                .records
                .iter()
                .map(|r| r.wire.len() + r.content.as_ref().map_or(0, Bytes::len) + 96)
                .sum::<usize>()
    }

    /// Where its bytes lie in each record's content: (record index, range in that content).
    pub fn pieces(&self) -> Vec<(usize, Range<usize>)> {
        let mut out = Vec::new();
        let mut left = self.bytes.len();
        let mut start = self.offset;
        for (i, r) in self.records.iter().enumerate() {
            let len = r.content.as_ref().map_or(0, Bytes::len);
            let take = len.saturating_sub(start).min(left);
            out.push((i, start..start + take));
            left -= take;
            start = 0;
        }
        out
    }
}

/// One field: its name, its bytes, how deep in the tree it is, what it reads as.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub depth: u8,
    pub name: Cow<'static, str>,
    pub range: Range<usize>,
    /// What the bytes read as: a name (a version, a suite, an extension), a number, a size.
    pub value: Option<Value>,
}

impl Part {
    /// A part whose range no other part lies in (the tree is flat, children after their parent).
    pub fn is_leaf(parts: &[Part], i: usize) -> bool {
        parts
            .get(i + 1)
            .is_none_or(|next| next.depth <= parts[i].depth)
    }
}

/// Lays out fields over a byte slice, in order; a read past the end takes what is left as a
/// leaf of its own and stops.
struct Layout<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u8,
    parts: Vec<Part>,
    /// Parents not closed yet: their index in `parts`.
    open: Vec<usize>,
    /// The ends of the vectors being read, innermost last: no field reads past its vector.
    limits: Vec<usize>,
    short: bool,
}

impl<'a> Layout<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Layout {
            bytes,
            pos: 0,
            depth: 0,
            parts: Vec::new(),
            open: Vec::new(),
            limits: Vec::new(),
            short: false,
        }
    }

    /// Bytes left in the innermost vector (or in all).
    fn left(&self) -> usize {
        self.limits
            .last()
            .copied()
            .unwrap_or(self.bytes.len())
            .saturating_sub(self.pos)
    }

    /// A leaf of `n` bytes, and those bytes; `None` (and nothing more read) past the end.
    fn leaf(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        n: usize,
        value: impl FnOnce(&[u8]) -> Option<Value>,
    ) -> Option<&'a [u8]> {
        if self.short || n > self.left() {
            self.short = true;
            return None;
        }
        let b = &self.bytes[self.pos..self.pos + n];
        self.parts.push(Part {
            depth: self.depth,
            name: name.into(),
            range: self.pos..self.pos + n,
            value: value(b),
        });
        self.pos += n;
        Some(b)
    }

    /// A big-endian number of `n` bytes, as a leaf.
    fn uint(&mut self, name: impl Into<Cow<'static, str>>, n: usize) -> Option<usize> {
        let b = self.leaf(name, n, |b| Some(Value::Number(be(b) as u64)))?;
        Some(be(b))
    }

    /// A number named by `name_of` (a version, a suite), as a leaf.
    fn named(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        n: usize,
        name_of: impl FnOnce(usize) -> String,
    ) -> Option<usize> {
        let b = self.leaf(name, n, |b| Some(Value::Text(name_of(be(b)))))?;
        Some(be(b))
    }

    fn begin(&mut self, name: impl Into<Cow<'static, str>>, value: Option<Value>) {
        self.open.push(self.parts.len());
        self.parts.push(Part {
            depth: self.depth,
            name: name.into(),
            range: self.pos..self.pos,
            value,
        });
        self.depth += 1;
    }

    fn end(&mut self) {
        if let Some(i) = self.open.pop() {
            self.parts[i].range.end = self.pos;
            self.depth -= 1;
        }
    }

    /// A vector: its length (`len_bytes` wide), then its items, each read by `item` until the
    /// length is used up.
    fn vector(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        len_bytes: usize,
        mut item: impl FnMut(&mut Self),
    ) {
        self.begin(name, None);
        if let Some(len) = self.uint("length", len_bytes) {
            if len > self.left() {
                self.short = true;
            } else {
                let end = self.pos + len;
                self.limits.push(end);
                while !self.short && self.pos < end {
                    let before = self.pos;
                    item(self);
                    if self.pos == before {
                        break;
                    }
                }
                self.limits.pop();
                // An item that did not fit: the rest of the vector is not read as fields.
                if self.pos < end {
                    self.short = true;
                }
            }
        }
        self.end();
    }

    /// Opaque bytes after a length: the length and the data as two leaves, under `name`.
    fn opaque(&mut self, name: impl Into<Cow<'static, str>>, len_bytes: usize) {
        self.begin(name, None);
        if let Some(len) = self.uint("length", len_bytes) {
            self.leaf("data", len, |b| Some(Value::Bytes(b.len() as u64)));
        }
        self.end();
    }

    /// Extensions: a 2-byte length, then each one's type, length and data; the data of those a
    /// learner looks at laid out field by field (`within`: the message that carries them).
    fn extensions(&mut self, within: Within) {
        self.vector("extensions", 2, |l| {
            let Some(&[a, b]) = l.bytes.get(l.pos..l.pos + 2) else {
                l.short = true;
                return;
            };
            let typ = u16::from_be_bytes([a, b]);
            l.begin(names::extension(typ), None);
            l.named("extension_type", 2, |t| names::extension(t as u16));
            if let Some(len) = l.uint("length", 2) {
                if len > l.left() {
                    l.short = true;
                } else {
                    let end = l.pos + len;
                    l.limits.push(end);
                    l.extension_data(typ, len, within);
                    l.limits.pop();
                    // What the layout did not read of the data, as it is.
                    if !l.short && l.pos < end {
                        let n = end - l.pos;
                        l.leaf("unparsed", n, |b| Some(Value::Bytes(b.len() as u64)));
                    }
                }
            }
            l.end();
        });
    }

    /// One extension's data: the ones that carry the handshake's choices laid out (RFC 8446
    /// 4.2), the others as opaque bytes.
    fn extension_data(&mut self, typ: u16, len: usize, within: Within) {
        let group = |g: usize| names::named_group(g as u16);
        let version = |v: usize| names::version(v as u16);
        let scheme = |s: usize| names::signature_scheme(s as u16);
        match (typ, within) {
            // key_share
            (0x0033, Within::ClientHello) => self.vector("client_shares", 2, |l| {
                l.begin("KeyShareEntry", None);
                l.named("group", 2, group);
                l.opaque("key_exchange", 2);
                l.end();
            }),
            (0x0033, Within::HelloRetryRequest) => {
                self.named("selected_group", 2, group);
            }
            (0x0033, Within::ServerHello) => {
                self.begin("server_share", None);
                self.named("group", 2, group);
                self.opaque("key_exchange", 2);
                self.end();
            }
            // supported_versions
            (0x002b, Within::ClientHello) => self.vector("versions", 1, |l| {
                l.named("version", 2, version);
            }),
            (0x002b, Within::ServerHello | Within::HelloRetryRequest) => {
                self.named("selected_version", 2, version);
            }
            // signature_algorithms, signature_algorithms_cert
            (0x000d | 0x0032, _) => self.vector("supported_signature_algorithms", 2, |l| {
                l.named("scheme", 2, scheme);
            }),
            // certificate_authorities (a TLS 1.3 CertificateRequest's CA names)
            (0x002f, _) => self.vector("authorities", 2, |l| {
                l.opaque("DistinguishedName", 2);
            }),
            // supported_groups
            (0x000a, _) => self.vector("named_group_list", 2, |l| {
                l.named("group", 2, group);
            }),
            // server_name, as the client sends it (the server's is empty)
            (0x0000, Within::ClientHello) => self.vector("server_name_list", 2, |l| {
                l.begin("ServerName", None);
                l.uint("name_type", 1);
                l.begin("host_name", None);
                if let Some(n) = l.uint("length", 2) {
                    l.leaf("HostName", n, |b| {
                        Some(Value::Text(String::from_utf8_lossy(b).into_owned()))
                    });
                }
                l.end();
                l.end();
            }),
            // application_layer_protocol_negotiation
            (0x0010, _) => self.vector("protocol_name_list", 2, |l| {
                l.begin("ProtocolName", None);
                if let Some(n) = l.uint("length", 1) {
                    l.leaf("name", n, |b| {
                        Some(Value::Text(String::from_utf8_lossy(b).into_owned()))
                    });
                }
                l.end();
            }),
            _ => {
                self.leaf("extension_data", len, |b| {
                    Some(Value::Bytes(b.len() as u64))
                });
            }
        }
    }

    /// The bytes not laid out (a read past the end, or bytes after the last field) as one leaf,
    /// and every parent closed: the leaves cover the bytes.
    fn finish(mut self) -> Vec<Part> {
        while !self.open.is_empty() {
            self.end();
        }
        if self.pos < self.bytes.len() {
            let n = self.bytes.len() - self.pos;
            self.parts.push(Part {
                depth: 0,
                name: Cow::Borrowed("unparsed"),
                range: self.pos..self.bytes.len(),
                value: Some(Value::Bytes(n as u64)),
            });
        }
        self.parts
    }
}

/// The message extensions are in: some extensions' data differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Within {
    ClientHello,
    ServerHello,
    HelloRetryRequest,
    Other,
}

fn be(b: &[u8]) -> usize {
    b.iter().fold(0usize, |n, x| (n << 8) | usize::from(*x))
}

/// The fields of a handshake message (its type, 24-bit length and body), each with its bytes.
pub fn message_parts(message: &[u8], version: Version) -> Vec<Part> {
    let mut l = Layout::new(message);
    let Some(typ) = l.named("msg_type", 1, |t| names::handshake_type(t as u8).into()) else {
        return l.finish();
    };
    let Some(len) = l.uint("length", 3) else {
        return l.finish();
    };
    if len != l.left() {
        return l.finish();
    }
    let tls13 = version == Version::Tls13;
    match typ {
        // ClientHello
        1 => {
            l.named("legacy_version", 2, |v| names::version(v as u16));
            l.leaf("random", 32, |b| {
                Some(Value::Text(certbench_base::text::hex(b)))
            });
            l.opaque("legacy_session_id", 1);
            l.vector("cipher_suites", 2, |l| {
                l.named("cipher_suite", 2, |s| names::cipher_suite(s as u16));
            });
            l.vector("legacy_compression_methods", 1, |l| {
                l.uint("method", 1);
            });
            if l.left() > 0 {
                l.extensions(Within::ClientHello);
            }
        }
        // ServerHello (and HelloRetryRequest)
        2 => {
            l.named("legacy_version", 2, |v| names::version(v as u16));
            let random = l.leaf("random", 32, |b| {
                Some(Value::Text(if b == crate::messages::HRR_RANDOM {
                    "HelloRetryRequest".into()
                } else {
                    certbench_base::text::hex(b)
                }))
            });
            let within = if random == Some(&crate::messages::HRR_RANDOM[..]) {
                Within::HelloRetryRequest
            } else {
                Within::ServerHello
            };
            l.opaque("legacy_session_id_echo", 1);
            l.named("cipher_suite", 2, |s| names::cipher_suite(s as u16));
            l.uint("legacy_compression_method", 1);
            if l.left() > 0 {
                l.extensions(within);
            }
        }
        // NewSessionTicket
        4 => {
            l.uint("ticket_lifetime", 4);
            if tls13 {
                l.uint("ticket_age_add", 4);
                l.opaque("ticket_nonce", 1);
                l.opaque("ticket", 2);
                l.extensions(Within::Other);
            } else {
                l.opaque("ticket", 2);
            }
        }
        // EncryptedExtensions
        8 => l.extensions(Within::Other),
        // Certificate
        11 => {
            if tls13 {
                l.opaque("certificate_request_context", 1);
            }
            l.vector("certificate_list", 3, |l| {
                l.begin("CertificateEntry", None);
                l.opaque("cert_data", 3);
                if tls13 {
                    l.extensions(Within::Other);
                }
                l.end();
            });
        }
        // ServerKeyExchange (ECDHE)
        12 => {
            l.uint("curve_type", 1);
            l.named("named_curve", 2, |g| names::named_group(g as u16));
            l.opaque("public", 1);
            l.named("algorithm", 2, |s| names::signature_scheme(s as u16));
            l.opaque("signature", 2);
        }
        // CertificateRequest
        13 => {
            if tls13 {
                l.opaque("certificate_request_context", 1);
                l.extensions(Within::Other);
            } else {
                l.vector("certificate_types", 1, |l| {
                    l.named("type", 1, |t| names::client_certificate_type(t as u8));
                });
                l.vector("supported_signature_algorithms", 2, |l| {
                    l.named("scheme", 2, |s| names::signature_scheme(s as u16));
                });
                l.vector("certificate_authorities", 2, |l| {
                    l.opaque("DistinguishedName", 2);
                });
            }
        }
        // ServerHelloDone: empty
        14 => {}
        // CertificateVerify
        15 => {
            l.named("algorithm", 2, |s| names::signature_scheme(s as u16));
            l.opaque("signature", 2);
        }
        // ClientKeyExchange (ECDHE)
        16 => l.opaque("public", 1),
        // Finished
        20 => {
            let n = l.left();
            l.leaf("verify_data", n, |b| {
                Some(Value::Text(certbench_base::text::hex(b)))
            });
        }
        // CertificateStatus (TLS 1.2, RFC 6066 8)
        22 => {
            l.named("status_type", 1, |t| {
                if t == 1 { "ocsp".into() } else { t.to_string() }
            });
            l.opaque("ocsp_response", 3);
        }
        // KeyUpdate
        24 => {
            l.uint("request_update", 1);
        }
        _ => {
            let n = l.left();
            l.leaf("body", n, |b| Some(Value::Bytes(b.len() as u64)));
        }
    }
    l.finish()
}

/// The fields of what a record carried, by its content type: a handshake message, an alert,
/// ChangeCipherSpec, application data.
pub fn content_parts(content_type: u8, bytes: &[u8], version: Version) -> Vec<Part> {
    let mut l = Layout::new(bytes);
    match content_type {
        22 => return message_parts(bytes, version),
        21 => {
            // AlertLevel's names (RFC 8446 6); another byte is shown as its number.
            l.named("level", 1, |v| match v {
                1 => "warning".into(),
                2 => "fatal".into(),
                other => other.to_string(),
            });
            l.named("description", 1, |d| names::alert(d as u8).into());
        }
        20 => {
            l.uint("change_cipher_spec", 1);
        }
        _ => {
            let n = l.left();
            l.leaf("application_data", n, |b| {
                Some(Value::Bytes(b.len() as u64))
            });
        }
    }
    l.finish()
}

/// The fields of a record as it crossed the wire, named as the version's RFC names them: its
/// header, then its payload (in clear, the fragment; protected, TLS 1.3's `encrypted_record`, or
/// TLS 1.2's explicit nonce and AEAD-ciphered content, each the ciphertext and the tag).
pub fn record_parts(record: &RecordBytes, version: Version) -> Vec<Part> {
    let tls13 = version == Version::Tls13;
    let mut l = Layout::new(&record.wire);
    l.begin("record header", None);
    // TLS 1.3 protected records say application_data here; the real type is inside.
    let sealed13 = tls13 && record.sealing.is_some();
    l.named(if sealed13 { "opaque_type" } else { "type" }, 1, |t| {
        names::content_type(t as u8).into()
    });
    l.named(
        if tls13 {
            "legacy_record_version"
        } else {
            "version"
        },
        2,
        |v| names::version(v as u16),
    );
    let len = l.uint("length", 2);
    l.end();
    if let Some(len) = len {
        match &record.sealing {
            None => {
                l.leaf("fragment", len, |b| Some(Value::Bytes(b.len() as u64)));
            }
            Some(s) => {
                let nonce = if s.explicit_nonce { 8.min(len) } else { 0 };
                if s.explicit_nonce {
                    l.leaf("nonce_explicit", nonce, |b| {
                        Some(Value::Text(certbench_base::text::hex(b)))
                    });
                }
                l.begin(
                    if tls13 {
                        "encrypted_record"
                    } else {
                        "aead-ciphered content"
                    },
                    None,
                );
                let sealed = len.saturating_sub(nonce + s.tag_len);
                l.leaf("ciphertext", sealed, |b| Some(Value::Bytes(b.len() as u64)));
                l.leaf("tag", s.tag_len, |b| Some(Value::Bytes(b.len() as u64)));
                l.end();
            }
        }
    }
    l.finish()
}

/// The fields of a TLS 1.3 record's plaintext once opened (TLSInnerPlaintext): the content, the
/// real type, the padding. `None` for a record in clear or a TLS 1.2 one (its plaintext is its
/// content).
pub fn inner_parts(record: &RecordBytes) -> Option<Vec<Part>> {
    let sealed = record.sealed_plaintext()?;
    let s = record.sealing.as_ref()?;
    let inner = s.inner_type?;
    let mut l = Layout::new(&sealed);
    l.leaf("content", sealed.len() - 1 - s.padding, |b| {
        Some(Value::Bytes(b.len() as u64))
    });
    l.leaf("type", 1, |_| {
        Some(Value::Text(names::content_type(inner).into()))
    });
    l.leaf("zeros", s.padding, |b| Some(Value::Bytes(b.len() as u64)));
    Some(l.finish())
}

/// The parts' leaves, in order: they cover the bytes they were laid over.
pub fn leaves(parts: &[Part]) -> Vec<&Part> {
    (0..parts.len())
        .filter(|&i| Part::is_leaf(parts, i))
        .map(|i| &parts[i])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(parts: &[Part], len: usize) {
        let mut at = 0;
        for p in leaves(parts) {
            assert_eq!(p.range.start, at, "a gap or an overlap before {p:?}");
            at = p.range.end;
        }
        assert_eq!(at, len);
    }

    #[test]
    fn a_cut_message_is_laid_out_to_its_last_byte() {
        // A ClientHello cut in its cipher suites.
        let msg = [1, 0, 0, 40, 3, 3, 7, 7, 7];
        let parts = message_parts(&msg, Version::Tls13);
        covers(&parts, msg.len());
        assert_eq!(parts.last().unwrap().name, "unparsed");
    }

    /// An extension whose length runs past its vector's is not laid out past it: the rest is
    /// `unparsed`, and no field ends beyond the vector it is in.
    #[test]
    fn a_field_never_reaches_past_its_vector() {
        // EncryptedExtensions: extensions of 4 bytes, one claiming 10 bytes of data; then 6 more.
        let msg = [8u8, 0, 0, 12, 0, 4, 0, 1, 0, 10, 9, 9, 9, 9, 9, 9];
        let parts = message_parts(&msg, Version::Tls13);
        covers(&parts, msg.len());
        let vector = parts.iter().find(|p| p.name == "extensions").unwrap();
        assert!(vector.range.end <= 6 + 4, "{parts:?}");
        assert!(
            parts
                .iter()
                .filter(|p| p.depth > 0)
                .all(|p| p.range.end <= 10),
            "{parts:?}"
        );
        assert_eq!(parts.last().unwrap().name, "unparsed");
    }

    /// Records of any bytes, any length in their header, sealed any way: laid out to their last
    /// byte, never past it; the opened plaintext too.
    #[test]
    fn random_records_are_always_covered() {
        let mut x: u64 = 0x13198a2e03707344;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 80) as usize;
            let wire: Vec<u8> = (0..len).map(|i| (x >> (i % 61)) as u8).collect();
            let sealing = (!x.is_multiple_of(3)).then(|| Sealing {
                secret: "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                updates: 0,
                aead: "AES-128-GCM",
                seq: x % 7,
                iv: [0; 12],
                nonce: [0; 12],
                explicit_nonce: x.is_multiple_of(5),
                tag_len: (x % 20) as usize,
                inner_type: x.is_multiple_of(2).then_some(22),
                padding: (x % 4) as usize,
            });
            let content =
                (!x.is_multiple_of(7)).then(|| wire.iter().rev().copied().collect::<Vec<u8>>());
            let record = RecordBytes {
                wire: wire.clone().into(),
                content: content.map(Bytes::from),
                sealing,
            };
            for v in [Version::Tls12, Version::Tls13] {
                covers(&record_parts(&record, v), wire.len());
            }
            if let (Some(parts), Some(plain)) = (inner_parts(&record), record.sealed_plaintext()) {
                covers(&parts, plain.len());
            }
        }
    }

    #[test]
    fn random_bytes_are_always_covered() {
        let mut x: u64 = 0x243f6a8885a308d3;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 200) as usize;
            let mut b: Vec<u8> = (0..len).map(|i| (x >> (i % 56)) as u8).collect();
            if len >= 4 {
                b[0] = [1, 2, 4, 8, 11, 12, 13, 15, 16, 20, 24][(x % 11) as usize];
                let n = len - 4;
                b[1..4].copy_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
            }
            for v in [Version::Tls12, Version::Tls13] {
                covers(&message_parts(&b, v), b.len());
            }
        }
    }
}
