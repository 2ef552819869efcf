//! Handshake messages decoded field by field (RFC 8446 section 4, RFC 5246 section 7.4). TLS 1.3
//! Certificate, CertificateRequest and NewSessionTicket have their own layouts, unlike TLS 1.2's.

use std::fmt;

use super::names;

/// Which layout to read: some messages differ between TLS 1.2 and 1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Tls12,
    Tls13,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
    fn short(&self, field: &str) -> DecodeError {
        DecodeError(format!(
            "{} is cut short in {field} (at byte {} of {})",
            self.what,
            self.pos,
            self.data.len()
        ))
    }
    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| self.short(field))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, field: &str) -> Result<u8, DecodeError> {
        Ok(self.take(1, field)?[0])
    }
    fn u16(&mut self, field: &str) -> Result<u16, DecodeError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self, field: &str) -> Result<usize, DecodeError> {
        let b = self.take(3, field)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    fn u32(&mut self, field: &str) -> Result<u32, DecodeError> {
        let b = self.take(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn vec8(&mut self, field: &str) -> Result<&'a [u8], DecodeError> {
        let n = usize::from(self.u8(field)?);
        self.take(n, field)
    }
    fn vec16(&mut self, field: &str) -> Result<&'a [u8], DecodeError> {
        let n = usize::from(self.u16(field)?);
        self.take(n, field)
    }
    fn vec24(&mut self, field: &str) -> Result<&'a [u8], DecodeError> {
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

/// An extension as it was sent: its type and the size of its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub typ: u16,
    pub data: Vec<u8>,
}

fn extensions(c: &mut Cursor<'_>) -> Result<Vec<Extension>, DecodeError> {
    if c.is_empty() {
        return Ok(vec![]);
    }
    let block = c.vec16("extensions")?;
    let mut e = Cursor::new(block, "the extensions");
    let mut out = Vec::new();
    while !e.is_empty() {
        let typ = e.u16("an extension type")?;
        let data = e.vec16("an extension")?.to_vec();
        out.push(Extension { typ, data });
    }
    Ok(out)
}

fn find(exts: &[Extension], typ: u16) -> Option<&[u8]> {
    exts.iter()
        .find(|e| e.typ == typ)
        .map(|e| e.data.as_slice())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    /// 32 bytes; it names the connection in the key log.
    pub random: Vec<u8>,
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
    pub random: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    pub signature_schemes: Vec<u16>,
    /// Distinguished names (DER) of the CAs the server accepts client certificates from.
    pub certificate_authorities: Vec<Vec<u8>>,
    /// TLS 1.2 only: certificate types (1 rsa_sign, 64 ecdsa_sign).
    pub certificate_types: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub context_len: usize,
    /// DER certificates, the sender's own first.
    pub certificates: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    ClientHello(ClientHello),
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

/// Decode one handshake message's body.
pub fn decode(typ: u8, body: &[u8], version: Version) -> Result<Message, DecodeError> {
    let what = names::handshake_type(typ);
    let mut c = Cursor::new(body, what);
    let m = match typ {
        1 => Message::ClientHello(client_hello(&mut c)?),
        2 => Message::ServerHello(server_hello(&mut c)?),
        8 => {
            let extensions = extensions(&mut c)?;
            let alpn = find(&extensions, 16).and_then(|d| alpn_list(d).into_iter().next());
            Message::EncryptedExtensions { extensions, alpn }
        }
        13 => Message::CertificateRequest(certificate_request(&mut c, version)?),
        11 => Message::Certificate(certificate(&mut c, version)?),
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
        4 => match version {
            Version::Tls13 => {
                let lifetime = c.u32("the ticket lifetime")?;
                let _age_add = c.u32("the ticket age add")?;
                let _nonce = c.vec8("the ticket nonce")?;
                let ticket_len = c.vec16("the ticket")?.len();
                let extensions = extensions(&mut c)?;
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

fn client_hello(c: &mut Cursor<'_>) -> Result<ClientHello, DecodeError> {
    let legacy_version = c.u16("the version")?;
    let random = c.take(32, "the random")?.to_vec();
    let session_id_len = c.vec8("the session id")?.len();
    let cipher_suites = u16_list(c.vec16("the cipher suites")?);
    c.vec8("the compression methods")?;
    let extensions = extensions(c)?;
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
        Some(crate::text::display_safe(
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
        out.push(crate::text::display_safe(&String::from_utf8_lossy(p), 64));
    }
    out
}

fn server_hello(c: &mut Cursor<'_>) -> Result<ServerHello, DecodeError> {
    let legacy_version = c.u16("the version")?;
    let random = c.take(32, "the random")?;
    c.vec8("the session id")?;
    let cipher_suite = c.u16("the cipher suite")?;
    c.u8("the compression method")?;
    let extensions = extensions(c)?;
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
        random: random.to_vec(),
    })
}

fn ca_names(d: &[u8]) -> Vec<Vec<u8>> {
    let mut c = Cursor::new(d, "certificate_authorities");
    let Ok(list) = c.vec16("the names") else {
        return vec![];
    };
    let mut l = Cursor::new(list, "certificate_authorities");
    let mut out = Vec::new();
    while let Ok(n) = l.vec16("a name") {
        out.push(n.to_vec());
    }
    out
}

fn certificate_request(
    c: &mut Cursor<'_>,
    version: Version,
) -> Result<CertificateRequest, DecodeError> {
    match version {
        Version::Tls13 => {
            c.vec8("the request context")?;
            let exts = extensions(c)?;
            Ok(CertificateRequest {
                signature_schemes: find(&exts, 13)
                    .map(|d| u16_list(d.get(2..).unwrap_or_default()))
                    .unwrap_or_default(),
                certificate_authorities: find(&exts, 47).map(ca_names).unwrap_or_default(),
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
                certificate_authorities.push(n.to_vec());
            }
            Ok(CertificateRequest {
                signature_schemes,
                certificate_authorities,
                certificate_types,
            })
        }
    }
}

fn certificate(c: &mut Cursor<'_>, version: Version) -> Result<Certificate, DecodeError> {
    let context_len = match version {
        Version::Tls13 => c.vec8("the request context")?.len(),
        Version::Tls12 => 0,
    };
    let list = c.vec24("the certificate list")?;
    let mut l = Cursor::new(list, "the certificate list");
    let mut certificates = Vec::new();
    while !l.is_empty() {
        certificates.push(l.vec24("a certificate")?.to_vec());
        if version == Version::Tls13 {
            l.vec16("a certificate's extensions")?;
        }
    }
    Ok(Certificate {
        context_len,
        certificates,
    })
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

/// The decoded fields of a message, labelled, for the timeline and the JSON transcript.
pub fn details(m: &Message) -> Vec<(&'static str, String)> {
    let list =
        |v: &[u16], f: fn(u16) -> String| v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(", ");
    let ext_names = |e: &[Extension]| {
        e.iter()
            .map(|x| names::extension(x.typ))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut d = Vec::new();
    match m {
        Message::ClientHello(h) => {
            d.push(("legacy_version", names::version(h.legacy_version)));
            d.push((
                "supported_versions",
                list(&h.supported_versions, names::version),
            ));
            d.push(("cipher_suites", list(&h.cipher_suites, names::cipher_suite)));
            d.push(("groups", list(&h.groups, names::named_group)));
            d.push((
                "key_shares",
                h.key_shares
                    .iter()
                    .map(|(g, n)| format!("{} ({n} bytes)", names::named_group(*g)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
            d.push((
                "signature_schemes",
                list(&h.signature_schemes, names::signature_scheme),
            ));
            d.push((
                "server_name",
                h.server_name.clone().unwrap_or_else(|| "(none)".into()),
            ));
            d.push((
                "alpn",
                if h.alpn.is_empty() {
                    "(none)".into()
                } else {
                    h.alpn.join(", ")
                },
            ));
            d.push(("extensions", ext_names(&h.extensions)));
        }
        Message::ServerHello(h) => {
            if h.hello_retry_request {
                d.push((
                    "hello_retry_request",
                    "yes: the server asks for another key share".into(),
                ));
            }
            d.push((
                "version",
                names::version(h.selected_version.unwrap_or(h.legacy_version)),
            ));
            d.push(("cipher_suite", names::cipher_suite(h.cipher_suite)));
            if let Some((g, n)) = h.key_share {
                d.push((
                    "group",
                    if h.hello_retry_request {
                        names::named_group(g)
                    } else {
                        format!("{} ({n} bytes)", names::named_group(g))
                    },
                ));
            }
            d.push(("extensions", ext_names(&h.extensions)));
        }
        Message::EncryptedExtensions { extensions, alpn } => {
            d.push((
                "extensions",
                if extensions.is_empty() {
                    "(none)".into()
                } else {
                    ext_names(extensions)
                },
            ));
            if let Some(a) = alpn {
                d.push(("alpn", a.clone()));
            }
        }
        Message::CertificateRequest(r) => {
            d.push((
                "signature_schemes",
                list(&r.signature_schemes, names::signature_scheme),
            ));
            let cas: Vec<String> = r
                .certificate_authorities
                .iter()
                .map(|n| dn_text(n))
                .collect();
            d.push((
                "certificate_authorities",
                if cas.is_empty() {
                    "(any)".into()
                } else {
                    cas.join("; ")
                },
            ));
            if !r.certificate_types.is_empty() {
                d.push((
                    "certificate_types",
                    r.certificate_types
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
        }
        Message::Certificate(c) => {
            // Each certificate under its own key (JSON keys must not repeat).
            const KEYS: [&str; 8] = [
                "end_entity",
                "chain_1",
                "chain_2",
                "chain_3",
                "chain_4",
                "chain_5",
                "chain_6",
                "chain_7",
            ];
            d.push(("certificates", c.certificates.len().to_string()));
            let text = |der: &[u8]| match crate::inspect::report::brief(der) {
                Ok(r) => format!(
                    "{} (issuer {}, until {})",
                    r.subject,
                    r.issuer,
                    crate::text::rfc3339(r.not_after)
                ),
                Err(e) => format!("unreadable: {e}"),
            };
            for (key, der) in KEYS.iter().zip(&c.certificates) {
                d.push((key, text(der)));
            }
            if c.certificates.len() > KEYS.len() {
                let rest: Vec<String> = c.certificates[KEYS.len()..]
                    .iter()
                    .map(|der| text(der))
                    .collect();
                d.push(("chain_more", rest.join("; ")));
            }
        }
        Message::CertificateVerify {
            scheme,
            signature_len,
        } => {
            d.push(("scheme", names::signature_scheme(*scheme)));
            d.push(("signature", format!("{signature_len} bytes")));
        }
        Message::Finished { verify_data_len } => {
            d.push(("verify_data", format!("{verify_data_len} bytes")))
        }
        Message::NewSessionTicket {
            lifetime,
            ticket_len,
            ..
        } => {
            d.push(("lifetime", format!("{lifetime} s")));
            d.push(("ticket", format!("{ticket_len} bytes")));
        }
        Message::ServerKeyExchange {
            group,
            public_len,
            scheme,
            signature_len,
        } => {
            if let Some(g) = group {
                d.push(("group", names::named_group(*g)));
            }
            d.push(("public_key", format!("{public_len} bytes")));
            if let Some(s) = scheme {
                d.push(("scheme", names::signature_scheme(*s)));
            }
            d.push(("signature", format!("{signature_len} bytes")));
        }
        Message::ClientKeyExchange { public_len } => {
            d.push(("public_key", format!("{public_len} bytes")))
        }
        Message::KeyUpdate { update_requested } => {
            d.push(("update_requested", update_requested.to_string()))
        }
        Message::ServerHelloDone => {}
        Message::Other { typ, len } => d.push(("message", format!("type {typ}, {len} bytes"))),
    }
    d
}

fn dn_text(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    match x509_parser::x509::X509Name::from_der(der) {
        Ok((_, n)) => crate::text::display_safe(&crate::inspect::names::rfc4514(&n), 300),
        Err(_) => format!("(unreadable name, {} bytes)", der.len()),
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
        assert!(
            e.0.contains("ClientHello is cut short in the random"),
            "{e}"
        );
    }
}
