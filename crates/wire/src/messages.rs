//! Handshake messages decoded field by field (RFC 8446 section 4, RFC 5246 section 7.4). TLS 1.3
//! Certificate, CertificateRequest and NewSessionTicket have their own layouts, unlike TLS 1.2's.

use bytes::Bytes;
use std::fmt;

use crate::names;

/// Which layout to read: some messages differ between TLS 1.2 and 1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Tls12,
    Tls13,
}

/// Why a handshake message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The message (`message`, its RFC name) ends inside `field`, at byte `at` of its `len`.
    CutShort {
        message: &'static str,
        field: &'static str,
        at: usize,
        len: usize,
    },
    /// A TLS 1.2 message that stayed encrypted: the key log held no master secret for it.
    NotDecrypted,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::CutShort {
                message,
                field,
                at,
                len,
            } => write!(
                f,
                "{message} is cut short in {field} (at byte {at} of {len})"
            ),
            DecodeError::NotDecrypted => {
                f.write_str("encrypted, and not decrypted: no master secret was logged")
            }
        }
    }
}

/// Reads big-endian fields from a slice; every read is bounds-checked.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], what: &'static str) -> Self {
        Cursor { data, pos: 0, what }
    }
    fn short(&self, field: &'static str) -> DecodeError {
        DecodeError::CutShort {
            message: self.what,
            field,
            at: self.pos,
            len: self.data.len(),
        }
    }
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| self.short(field))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, field)?[0])
    }
    fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self, field: &'static str) -> Result<usize, DecodeError> {
        let b = self.take(3, field)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn vec8(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = usize::from(self.u8(field)?);
        self.take(n, field)
    }
    fn vec16(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = usize::from(self.u16(field)?);
        self.take(n, field)
    }
    fn vec24(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = self.u24(field)?;
        self.take(n, field)
    }
    fn rest(&mut self) -> &'a [u8] {
        let s = &self.data[self.pos..];
        self.pos = self.data.len();
        s
    }
    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }
}

fn u16_list(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

/// An extension as it was sent: its type and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub typ: u16,
    /// A slice of the message's bytes, not a copy.
    pub data: Bytes,
}

fn extensions(c: &mut Cursor<'_>, keep: &Keep<'_>) -> Result<Vec<Extension>, DecodeError> {
    if c.is_empty() {
        return Ok(vec![]);
    }
    let block = c.vec16("extensions")?;
    let mut e = Cursor::new(block, "the extensions");
    let mut out = Vec::with_capacity(count_extensions(block));
    while !e.is_empty() {
        let typ = e.u16("an extension type")?;
        let data = keep.bytes(e.vec16("an extension")?);
        out.push(Extension { typ, data });
    }
    Ok(out)
}

/// How many extensions a block holds (each a type, a length and that many bytes), to size the
/// list once; a block cut short counts what it holds.
fn count_extensions(block: &[u8]) -> usize {
    let (mut n, mut at) = (0, 0);
    while let Some(len) = block.get(at + 2..at + 4) {
        at += 4 + usize::from(u16::from_be_bytes([len[0], len[1]]));
        n += 1;
    }
    n
}

fn find(exts: &[Extension], typ: u16) -> Option<&[u8]> {
    exts.iter().find(|e| e.typ == typ).map(|e| &e.data[..])
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    /// 32 bytes; it names the connection in the key log.
    pub random: Bytes,
    pub session_id_len: usize,
    pub cipher_suites: Vec<u16>,
    pub extensions: Vec<Extension>,
    pub supported_versions: Vec<u16>,
    pub groups: Vec<u16>,
    /// Key shares: group and size of the public value.
    pub key_shares: Vec<(u16, usize)>,
    pub signature_schemes: Vec<u16>,
    pub server_name: Option<String>,
    pub alpn: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    pub cipher_suite: u16,
    pub extensions: Vec<Extension>,
    /// From supported_versions: 0x0304 for TLS 1.3; absent in TLS 1.2.
    pub selected_version: Option<u16>,
    /// The server's key share (group, size); for a HelloRetryRequest, the group it asks for.
    pub key_share: Option<(u16, usize)>,
    /// A ServerHello whose random is SHA-256("HelloRetryRequest").
    pub hello_retry_request: bool,
    /// The server's 32 random bytes (TLS 1.2 derives its keys from both randoms).
    pub random: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    pub signature_schemes: Vec<u16>,
    /// Distinguished names (DER) of the CAs the server accepts client certificates from.
    pub certificate_authorities: Vec<Bytes>,
    /// TLS 1.2 only: certificate types (1 rsa_sign, 64 ecdsa_sign).
    pub certificate_types: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub context_len: usize,
    /// DER certificates, the sender's own first.
    pub certificates: Vec<Bytes>,
    /// TLS 1.3: the OCSP response stapled to the sender's own certificate (the status_request
    /// extension of its CertificateEntry, RFC 8446 4.4.2.1), DER.
    pub ocsp: Option<Bytes>,
}

// Every message is as large as its largest kind (an event keeps each in an `Arc` of its size): a
// kind that grows past this is boxed (the ClientHello is).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Message>() <= 96);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// (Boxed: the largest message by far, and one a connection; every message is as large as
    /// the largest kind.)
    ClientHello(Box<ClientHello>),
    ServerHello(ServerHello),
    EncryptedExtensions {
        extensions: Vec<Extension>,
        alpn: Option<String>,
    },
    CertificateRequest(CertificateRequest),
    Certificate(Certificate),
    CertificateVerify {
        scheme: u16,
        signature_len: usize,
    },
    Finished {
        verify_data_len: usize,
    },
    /// TLS 1.2: the server's stapled OCSP response (RFC 6066 8), DER.
    CertificateStatus {
        ocsp: Bytes,
    },
    NewSessionTicket {
        lifetime: u32,
        ticket_len: usize,
        extensions: Vec<Extension>,
    },
    ServerKeyExchange {
        group: Option<u16>,
        public_len: usize,
        scheme: Option<u16>,
        signature_len: usize,
    },
    ServerHelloDone,
    ClientKeyExchange {
        public_len: usize,
    },
    KeyUpdate {
        update_requested: bool,
    },
    Other {
        typ: u8,
        len: usize,
    },
}

/// SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Decode one handshake message's body; each byte string the message keeps (extensions,
/// certificates, CA names, randoms) is a copy of its own size.
pub fn decode(typ: u8, body: &[u8], version: Version) -> Result<Message, DecodeError> {
    decode_with(typ, body, version, &Keep::Copied)
}

/// Decode one handshake message's body; the byte strings the message keeps are slices of `body`,
/// not copies.
pub fn decode_shared(typ: u8, body: &Bytes, version: Version) -> Result<Message, DecodeError> {
    decode_with(typ, body, version, &Keep::Shared(body))
}

/// How a decoded message keeps the byte strings it holds.
enum Keep<'a> {
    /// Slices of the message's bytes: no copy, and the message keeps all of them alive.
    Shared(&'a Bytes),
    /// Each one copied to its own size: a kept message holds only what it shows.
    Copied,
}

impl Keep<'_> {
    /// `part`, a slice of the body being decoded, as the message keeps it.
    fn bytes(&self, part: &[u8]) -> Bytes {
        match self {
            Keep::Shared(body) => body.slice_ref(part),
            Keep::Copied => Bytes::copy_from_slice(part),
        }
    }
}

fn decode_with(
    typ: u8,
    body: &[u8],
    version: Version,
    keep: &Keep<'_>,
) -> Result<Message, DecodeError> {
    let what = names::handshake_type(typ);
    let mut c = Cursor::new(body, what);
    let m = match typ {
        1 => Message::ClientHello(Box::new(client_hello(&mut c, keep)?)),
        2 => Message::ServerHello(server_hello(&mut c, keep)?),
        8 => {
            let extensions = extensions(&mut c, keep)?;
            let alpn = find(&extensions, 16).and_then(|d| alpn_list(d).into_iter().next());
            Message::EncryptedExtensions { extensions, alpn }
        }
        13 => Message::CertificateRequest(certificate_request(&mut c, version, keep)?),
        11 => Message::Certificate(certificate(&mut c, version, keep)?),
        15 => {
            let scheme = c.u16("the signature scheme")?;
            let signature_len = c.vec16("the signature")?.len();
            Message::CertificateVerify {
                scheme,
                signature_len,
            }
        }
        20 => Message::Finished {
            verify_data_len: c.rest().len(),
        },
        22 => Message::CertificateStatus {
            ocsp: certificate_status(&mut c, keep)?,
        },
        4 => match version {
            Version::Tls13 => {
                let lifetime = c.u32("the ticket lifetime")?;
                let _age_add = c.u32("the ticket age add")?;
                let _nonce = c.vec8("the ticket nonce")?;
                let ticket_len = c.vec16("the ticket")?.len();
                let extensions = extensions(&mut c, keep)?;
                Message::NewSessionTicket {
                    lifetime,
                    ticket_len,
                    extensions,
                }
            }
            Version::Tls12 => {
                let lifetime = c.u32("the ticket lifetime")?;
                let ticket_len = c.vec16("the ticket")?.len();
                Message::NewSessionTicket {
                    lifetime,
                    ticket_len,
                    extensions: vec![],
                }
            }
        },
        12 => server_key_exchange(&mut c)?,
        14 => Message::ServerHelloDone,
        16 => Message::ClientKeyExchange {
            public_len: c.rest().len().saturating_sub(1),
        },
        24 => Message::KeyUpdate {
            update_requested: c.u8("the request")? == 1,
        },
        _ => Message::Other {
            typ,
            len: body.len(),
        },
    };
    Ok(m)
}

fn client_hello(c: &mut Cursor<'_>, keep: &Keep<'_>) -> Result<ClientHello, DecodeError> {
    let legacy_version = c.u16("the version")?;
    let random = keep.bytes(c.take(32, "the random")?);
    let session_id_len = c.vec8("the session id")?.len();
    let cipher_suites = u16_list(c.vec16("the cipher suites")?);
    c.vec8("the compression methods")?;
    let extensions = extensions(c, keep)?;
    let supported_versions = find(&extensions, 43)
        .map(|d| u16_list(d.get(1..).unwrap_or_default()))
        .unwrap_or_default();
    let groups = find(&extensions, 10)
        .map(|d| u16_list(d.get(2..).unwrap_or_default()))
        .unwrap_or_default();
    let signature_schemes = find(&extensions, 13)
        .map(|d| u16_list(d.get(2..).unwrap_or_default()))
        .unwrap_or_default();
    let mut key_shares = Vec::new();
    if let Some(d) = find(&extensions, 51) {
        let mut k = Cursor::new(d, "the key shares");
        if let Ok(list) = k.vec16("the key shares") {
            let mut l = Cursor::new(list, "the key shares");
            while !l.is_empty() {
                let (Ok(g), Ok(v)) = (l.u16("a group"), l.vec16("a key share")) else {
                    break;
                };
                key_shares.push((g, v.len()));
            }
        }
    }
    let server_name = find(&extensions, 0).and_then(|d| {
        let mut s = Cursor::new(d, "server_name");
        let list = s.vec16("the names").ok()?;
        let mut l = Cursor::new(list, "server_name");
        let _typ = l.u8("a name type").ok()?;
        let name = l.vec16("a host name").ok()?;
        Some(certbench_base::text::display_safe(
            &String::from_utf8_lossy(name),
            255,
        ))
    });
    let alpn = find(&extensions, 16).map(alpn_list).unwrap_or_default();
    Ok(ClientHello {
        legacy_version,
        random,
        session_id_len,
        cipher_suites,
        extensions,
        supported_versions,
        groups,
        key_shares,
        signature_schemes,
        server_name,
        alpn,
    })
}

fn alpn_list(d: &[u8]) -> Vec<String> {
    let mut c = Cursor::new(d, "ALPN");
    let Ok(list) = c.vec16("the protocols") else {
        return vec![];
    };
    let mut l = Cursor::new(list, "ALPN");
    let mut out = Vec::new();
    while let Ok(p) = l.vec8("a protocol") {
        out.push(certbench_base::text::display_safe(
            &String::from_utf8_lossy(p),
            64,
        ));
    }
    out
}

fn server_hello(c: &mut Cursor<'_>, keep: &Keep<'_>) -> Result<ServerHello, DecodeError> {
    let legacy_version = c.u16("the version")?;
    let random = c.take(32, "the random")?;
    c.vec8("the session id")?;
    let cipher_suite = c.u16("the cipher suite")?;
    c.u8("the compression method")?;
    let extensions = extensions(c, keep)?;
    let hello_retry_request = random == HRR_RANDOM;
    let selected_version = find(&extensions, 43)
        .and_then(|d| (d.len() == 2).then(|| u16::from_be_bytes([d[0], d[1]])));
    let key_share = find(&extensions, 51).and_then(|d| {
        let mut k = Cursor::new(d, "the key share");
        let group = k.u16("the group").ok()?;
        // A HelloRetryRequest names only the group it wants.
        let len = if hello_retry_request {
            0
        } else {
            k.vec16("the key share").ok()?.len()
        };
        Some((group, len))
    });
    Ok(ServerHello {
        legacy_version,
        cipher_suite,
        extensions,
        selected_version,
        key_share,
        hello_retry_request,
        random: keep.bytes(random),
    })
}

fn ca_names(d: &[u8], keep: &Keep<'_>) -> Vec<Bytes> {
    let mut c = Cursor::new(d, "certificate_authorities");
    let Ok(list) = c.vec16("the names") else {
        return vec![];
    };
    let mut l = Cursor::new(list, "certificate_authorities");
    let mut out = Vec::new();
    while let Ok(n) = l.vec16("a name") {
        out.push(keep.bytes(n));
    }
    out
}

fn certificate_request(
    c: &mut Cursor<'_>,
    version: Version,
    keep: &Keep<'_>,
) -> Result<CertificateRequest, DecodeError> {
    match version {
        Version::Tls13 => {
            c.vec8("the request context")?;
            let exts = extensions(c, keep)?;
            Ok(CertificateRequest {
                signature_schemes: find(&exts, 13)
                    .map(|d| u16_list(d.get(2..).unwrap_or_default()))
                    .unwrap_or_default(),
                certificate_authorities: find(&exts, 47)
                    .map(|d| ca_names(d, keep))
                    .unwrap_or_default(),
                certificate_types: vec![],
            })
        }
        Version::Tls12 => {
            let certificate_types = c.vec8("the certificate types")?.to_vec();
            let signature_schemes = u16_list(c.vec16("the signature algorithms")?);
            let names = c.vec16("the CA names")?;
            let mut l = Cursor::new(names, "the CA names");
            let mut certificate_authorities = Vec::new();
            while let Ok(n) = l.vec16("a name") {
                certificate_authorities.push(keep.bytes(n));
            }
            Ok(CertificateRequest {
                signature_schemes,
                certificate_authorities,
                certificate_types,
            })
        }
    }
}

fn certificate(
    c: &mut Cursor<'_>,
    version: Version,
    keep: &Keep<'_>,
) -> Result<Certificate, DecodeError> {
    let context_len = match version {
        Version::Tls13 => c.vec8("the request context")?.len(),
        Version::Tls12 => 0,
    };
    let list = c.vec24("the certificate list")?;
    let mut l = Cursor::new(list, "the certificate list");
    let mut certificates = Vec::new();
    let mut ocsp = None;
    while !l.is_empty() {
        certificates.push(keep.bytes(l.vec24("a certificate")?));
        if version == Version::Tls13 {
            let block = l.vec16("a certificate's extensions")?;
            let mut e = Cursor::new(block, "a certificate's extensions");
            while !e.is_empty() {
                let typ = e.u16("an extension type")?;
                let data = e.vec16("an extension")?;
                // status_request on the sender's own certificate: a CertificateStatus.
                if typ == 5 && certificates.len() == 1 {
                    ocsp = Some(certificate_status(
                        &mut Cursor::new(data, "status_request"),
                        keep,
                    )?);
                }
            }
        }
    }
    Ok(Certificate {
        context_len,
        certificates,
        ocsp,
    })
}

/// `CertificateStatus { status_type ocsp(1); OCSPResponse <1..2^24-1> }` (RFC 6066 8): the
/// response's DER.
fn certificate_status(c: &mut Cursor<'_>, keep: &Keep<'_>) -> Result<Bytes, DecodeError> {
    let _status_type = c.u8("the status type")?;
    Ok(keep.bytes(c.vec24("the OCSP response")?))
}

fn server_key_exchange(c: &mut Cursor<'_>) -> Result<Message, DecodeError> {
    // ECDHE: curve_type (3 = named_curve), group, public point, then the signature.
    let curve_type = c.u8("the curve type")?;
    if curve_type != 3 {
        return Ok(Message::ServerKeyExchange {
            group: None,
            public_len: 0,
            scheme: None,
            signature_len: c.rest().len(),
        });
    }
    let group = c.u16("the group")?;
    let public_len = c.vec8("the public key")?.len();
    let scheme = c.u16("the signature scheme")?;
    let signature_len = c.vec16("the signature")?.len();
    Ok(Message::ServerKeyExchange {
        group: Some(group),
        public_len,
        scheme: Some(scheme),
        signature_len,
    })
}

/// A decoded field's value: numbers stay numbers and lists stay lists (in the JSON transcript
/// too); words are made only when it is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(u64),
    /// A length in bytes: a number in JSON, "N bytes" on screen.
    Bytes(u64),
    /// A duration in seconds: a number in JSON, "N s" on screen.
    Seconds(u64),
    Bool(bool),
    List(Vec<Value>),
    /// Named parts, as a JSON object; on screen the first part, then the others in brackets.
    Record(Vec<(&'static str, Value)>),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    pub fn list<T>(v: &[T], f: impl Fn(&T) -> Value) -> Value {
        Value::List(v.iter().map(f).collect())
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(s) => f.write_str(s),
            Value::Number(n) => write!(f, "{n}"),
            Value::Bytes(1) => f.write_str("1 byte"),
            Value::Bytes(n) => write!(f, "{n} bytes"),
            Value::Seconds(n) => write!(f, "{n} s"),
            Value::Bool(b) => f.write_str(if *b { "yes" } else { "no" }),
            Value::List(items) if items.is_empty() => f.write_str("(none)"),
            Value::List(items) => {
                let sep = if items.iter().any(|i| matches!(i, Value::Record(_))) {
                    "; "
                } else {
                    ", "
                };
                for (n, i) in items.iter().enumerate() {
                    if n > 0 {
                        f.write_str(sep)?;
                    }
                    write!(f, "{i}")?;
                }
                Ok(())
            }
            Value::Record(parts) => {
                let mut parts = parts.iter();
                if let Some((_, first)) = parts.next() {
                    write!(f, "{first}")?;
                }
                // A length says what it is; another part is named.
                let rest: Vec<String> = parts
                    .map(|(k, v)| match v {
                        Value::Bytes(_) | Value::Seconds(_) => v.to_string(),
                        _ => format!("{k} {v}"),
                    })
                    .collect();
                if !rest.is_empty() {
                    write!(f, " ({})", rest.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Text(t) => s.serialize_str(t),
            Value::Number(n) | Value::Bytes(n) | Value::Seconds(n) => s.serialize_u64(*n),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Value::Record(parts) => {
                let mut m = s.serialize_map(Some(parts.len()))?;
                for (k, v) in parts {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_bodies_are_errors_not_panics() {
        for typ in [1u8, 2, 8, 11, 12, 13, 15, 4, 24] {
            for body in [&[][..], &[3], &[3, 3, 0], &[0, 0, 0, 5, 1]] {
                for v in [Version::Tls12, Version::Tls13] {
                    let _ = decode(typ, body, v);
                }
            }
        }
        let e = decode(1, &[3, 3], Version::Tls13).unwrap_err();
        assert_eq!(
            e,
            DecodeError::CutShort {
                message: "ClientHello",
                field: "the random",
                at: 2,
                len: 2
            }
        );
        assert!(
            e.to_string()
                .contains("ClientHello is cut short in the random"),
            "{e}"
        );
    }
}
