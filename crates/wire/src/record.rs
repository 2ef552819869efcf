//! Records (5-byte header, then payload) and handshake messages (type byte, 24-bit length) from a
//! byte stream that may arrive in any pieces: records split across reads, messages split across
//! records, several messages in one record.

use std::fmt;

use bytes::Bytes;

/// The largest record payload TLS allows (TLSCiphertext: 2^14 + 256).
pub const MAX_RECORD_PAYLOAD: usize = (1 << 14) + 256;
/// The largest handshake message certbench reassembles (rustls's default limit is 64 KiB; a long
/// certificate chain fits well within this).
pub const MAX_HANDSHAKE_MESSAGE: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// Not a TLS record: an unknown content type. Carries the byte and where it was.
    NotTls {
        byte: u8,
        offset: usize,
    },
    RecordTooLong {
        length: usize,
        offset: usize,
    },
    MessageTooLong {
        length: usize,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::NotTls { byte, offset } => {
                write!(
                    f,
                    "not TLS: byte 0x{byte:02x} at offset {offset} is not a record type"
                )
            }
            WireError::RecordTooLong { length, offset } => write!(
                f,
                "a record at offset {offset} claims {length} bytes, more than TLS allows ({MAX_RECORD_PAYLOAD})"
            ),
            WireError::MessageTooLong { length } => write!(
                f,
                "a handshake message claims {length} bytes, more than certbench reassembles ({MAX_HANDSHAKE_MESSAGE})"
            ),
        }
    }
}

/// One record as it crossed the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub content_type: u8,
    pub version: u16,
    /// Its bytes as they crossed: the 5-byte header, then the payload (kept whole and shared, so
    /// that what is shown of the record's bytes is this, not a copy).
    pub wire: Bytes,
    /// Where its header starts in the stream.
    pub offset: usize,
}

impl Record {
    /// The 5-byte header, as it was on the wire (the AAD of TLS 1.3 record protection).
    pub fn header(&self) -> [u8; 5] {
        let mut h = [0u8; 5];
        h.copy_from_slice(&self.wire[..5]);
        h
    }

    /// What the record carries, after its header.
    pub fn payload(&self) -> &[u8] {
        &self.wire[5..]
    }
}

/// Cuts a byte stream into records. After an error the stream is not TLS any more and everything
/// after it is ignored.
#[derive(Debug, Default)]
pub struct RecordReader {
    buf: Vec<u8>,
    offset: usize,
    failed: bool,
}

/// One whole unit (a record, a message) found at the start of a slice: its length; or the error
/// that ends the stream there.
type Cut = Result<usize, WireError>;

/// Feed `input` to a stream of whole units (records, messages) that `next` finds one by one at
/// the start of a slice; `buf` holds what an earlier push left. Units that start in this input
/// when nothing waits before them are slices of it, shared, not copied; a unit that began in an
/// earlier push is copied out of `buf` once. Only an unfinished unit's start is kept in `buf`.
fn reframe<T>(
    buf: &mut Vec<u8>,
    input: Bytes,
    mut next: impl FnMut(&[u8]) -> Option<Cut>,
    mut make: impl FnMut(Bytes) -> T,
) -> Vec<Result<T, WireError>> {
    let mut out = Vec::new();
    let mut take = |data: &[u8], unit: &dyn Fn(std::ops::Range<usize>) -> Bytes| {
        let mut pos = 0;
        while let Some(cut) = next(&data[pos..]) {
            match cut {
                Ok(len) => {
                    out.push(Ok(make(unit(pos..pos + len))));
                    pos += len;
                }
                Err(e) => {
                    out.push(Err(e));
                    break;
                }
            }
        }
        pos
    };
    if buf.is_empty() {
        let used = take(&input, &|r| input.slice(r));
        buf.extend_from_slice(&input[used..]);
    } else {
        buf.extend_from_slice(&input);
        let whole: &[u8] = buf;
        let used = take(whole, &|r| Bytes::copy_from_slice(&whole[r]));
        buf.drain(..used);
    }
    out
}

impl RecordReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes not yet part of a whole record.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Feed bytes; get every record they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Record, WireError>> {
        self.push_bytes(Bytes::copy_from_slice(bytes))
    }

    /// The same, for bytes already shared: the records are slices of them.
    pub fn push_bytes(&mut self, bytes: Bytes) -> Vec<Result<Record, WireError>> {
        if self.failed {
            return Vec::new();
        }
        let mut buf = std::mem::take(&mut self.buf);
        let mut at = self.offset;
        let records = reframe(
            &mut buf,
            bytes,
            |data| self.next(data),
            |wire| {
                let record = Record {
                    content_type: wire[0],
                    version: u16::from_be_bytes([wire[1], wire[2]]),
                    offset: at,
                    wire,
                };
                at += record.wire.len();
                record
            },
        );
        if !self.failed {
            self.buf = buf;
        }
        records
    }

    /// The length of the whole record at the start of `data`, if it is all there.
    fn next(&mut self, data: &[u8]) -> Option<Cut> {
        let h = data.get(..5)?;
        let content_type = h[0];
        if !(20..=24).contains(&content_type) {
            self.failed = true;
            return Some(Err(WireError::NotTls {
                byte: content_type,
                offset: self.offset,
            }));
        }
        let length = usize::from(u16::from_be_bytes([h[3], h[4]]));
        if length > MAX_RECORD_PAYLOAD {
            self.failed = true;
            return Some(Err(WireError::RecordTooLong {
                length,
                offset: self.offset,
            }));
        }
        if data.len() < 5 + length {
            return None;
        }
        self.offset += 5 + length;
        Some(Ok(5 + length))
    }
}

/// One handshake message: its type, and its bytes as it is hashed into the transcript (type,
/// 24-bit length, body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    pub typ: u8,
    pub encoded: Bytes,
}

impl RawMessage {
    /// What follows the type and length.
    pub fn body(&self) -> &[u8] {
        &self.encoded[4..]
    }

    /// The same, shared with the message's bytes.
    pub fn body_shared(&self) -> Bytes {
        self.encoded.slice(4..)
    }
}

/// Reassembles handshake messages from the payloads of handshake records (in clear, or
/// decrypted).
#[derive(Debug, Default)]
pub struct HandshakeReader {
    buf: Vec<u8>,
    failed: bool,
}

impl HandshakeReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether part of a message is waiting for the next record.
    pub fn is_mid_message(&self) -> bool {
        !self.buf.is_empty()
    }

    pub fn push(&mut self, payload: &[u8]) -> Vec<Result<RawMessage, WireError>> {
        self.push_bytes(Bytes::copy_from_slice(payload))
    }

    /// The same, for a record's content already shared: a message wholly in it is a slice of it.
    pub fn push_bytes(&mut self, payload: Bytes) -> Vec<Result<RawMessage, WireError>> {
        if self.failed {
            return Vec::new();
        }
        let mut buf = std::mem::take(&mut self.buf);
        let messages = reframe(
            &mut buf,
            payload,
            |data| self.next(data),
            |encoded| RawMessage {
                typ: encoded[0],
                encoded,
            },
        );
        if !self.failed {
            self.buf = buf;
        }
        messages
    }

    /// The length of the whole message at the start of `data`, if it is all there.
    fn next(&mut self, data: &[u8]) -> Option<Cut> {
        let h = data.get(..4)?;
        let length = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
        if length > MAX_HANDSHAKE_MESSAGE {
            self.failed = true;
            return Some(Err(WireError::MessageTooLong { length }));
        }
        (data.len() >= 4 + length).then_some(Ok(4 + length))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(t: u8, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![t, 3, 3, (payload.len() >> 8) as u8, payload.len() as u8];
        r.extend_from_slice(payload);
        r
    }

    #[test]
    fn records_split_across_reads_come_out_whole() {
        let mut stream = record(22, b"hello");
        stream.extend(record(23, &[9; 300]));
        let mut r = RecordReader::new();
        let mut got = Vec::new();
        for b in &stream {
            got.extend(r.push(std::slice::from_ref(b)));
        }
        let got: Vec<Record> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].payload(), b"hello");
        assert_eq!(
            (got[1].content_type, got[1].offset, got[1].payload().len()),
            (23, 10, 300)
        );
        assert_eq!(r.pending(), 0);
    }

    /// Records wholly in what was fed, and messages wholly in one record's content, are the fed
    /// bytes themselves (slices), not copies; one cut across two feeds is put together once.
    #[test]
    fn whole_units_are_slices_of_what_was_fed() {
        let mut stream = record(22, &[2, 0, 0, 1, 7, 11, 0, 0, 0]);
        stream.extend(record(23, &[9; 40]));
        let fed = Bytes::from(stream.clone());
        let mut r = RecordReader::new();
        let got: Vec<Record> = r.push_bytes(fed.clone()).into_iter().flatten().collect();
        let within = |b: &Bytes| {
            let (start, end) = (fed.as_ptr() as usize, fed.as_ptr() as usize + fed.len());
            (start..end).contains(&(b.as_ptr() as usize))
        };
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|rec| within(&rec.wire)));
        let content = got[0].wire.slice(5..);
        let mut h = HandshakeReader::new();
        let messages: Vec<RawMessage> = h.push_bytes(content).into_iter().flatten().collect();
        assert_eq!(messages.len(), 2);
        assert!(messages.iter().all(|m| within(&m.encoded)));
        assert_eq!(messages[1].encoded[..], [11, 0, 0, 0]);
        // Split in the middle of the second record: it comes out whole, equal to what was sent.
        let mut r = RecordReader::new();
        let (a, b) = stream.split_at(20);
        let mut got = r.push(a);
        got.extend(r.push(b));
        let got: Vec<Record> = got.into_iter().flatten().collect();
        assert_eq!(got[1].wire[..], stream[14..]);
        assert_eq!(r.pending(), 0);
    }

    #[test]
    fn messages_split_across_records_and_several_in_one() {
        // Two messages: type 1 with 3 bytes, type 2 with 0 bytes, cut in odd places.
        let msgs = [1u8, 0, 0, 3, b'a', b'b', b'c', 2, 0, 0, 0];
        let mut h = HandshakeReader::new();
        assert!(h.push(&msgs[..2]).is_empty());
        assert!(h.is_mid_message());
        let out = h.push(&msgs[2..]);
        assert_eq!(
            out,
            vec![
                Ok(RawMessage {
                    typ: 1,
                    encoded: Bytes::copy_from_slice(&msgs[..7])
                }),
                Ok(RawMessage {
                    typ: 2,
                    encoded: Bytes::copy_from_slice(&msgs[7..])
                })
            ]
        );
        assert_eq!(out[0].as_ref().unwrap().body(), b"abc");
        assert_eq!(out[1].as_ref().unwrap().body(), b"");
    }

    #[test]
    fn garbage_is_refused_once_and_bounded() {
        let mut r = RecordReader::new();
        let out = r.push(b"GET / HTTP/1.1\r\n");
        assert_eq!(
            out,
            vec![Err(WireError::NotTls {
                byte: b'G',
                offset: 0
            })]
        );
        assert!(
            r.push(&record(22, b"x")).is_empty(),
            "nothing after the error"
        );
        let mut r = RecordReader::new();
        let out = r.push(&[22, 3, 3, 0xff, 0xff]);
        assert!(matches!(
            out[0],
            Err(WireError::RecordTooLong { length: 65535, .. })
        ));
        let mut h = HandshakeReader::new();
        assert!(matches!(
            h.push(&[1, 0xff, 0xff, 0xff])[0],
            Err(WireError::MessageTooLong { .. })
        ));
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small deterministic generator: the same bytes every run.
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2000 {
            let len = (next() % 600) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if !bytes.is_empty() {
                bytes[0] = 20 + (bytes[0] % 5);
            }
            let mut r = RecordReader::new();
            let mut h = HandshakeReader::new();
            for chunk in bytes.chunks(1 + (next() % 7) as usize) {
                for rec in r.push(chunk).into_iter().flatten() {
                    for m in h.push(rec.payload()).into_iter().flatten() {
                        let _ = crate::decode(m.typ, m.body(), crate::messages::Version::Tls13);
                        let _ = crate::decode(m.typ, m.body(), crate::messages::Version::Tls12);
                    }
                }
            }
            assert!(r.pending() <= 5 + MAX_RECORD_PAYLOAD);
        }
    }
}
