//! A handshake message described as typed fields (the certificates in it read with the x509
//! crate), for the timeline and its JSON.

use certbench_wire::messages::{Extension, Message, Value};
use certbench_wire::names;

/// What a stapled OCSP response says, as read (whether it may be believed is the client's
/// verdict, `Verdict::Staple`).
pub fn staple(der: &[u8]) -> Value {
    use certbench_x509::ocsp::{CertStatus, read_response};
    let mut r = vec![("bytes", Value::Bytes(der.len() as u64))];
    match read_response(der) {
        Err(e) => r.push(("unreadable", Value::Text(e.to_string()))),
        Ok(resp) => {
            r.push(("response_status", Value::text(resp.status.name())));
            if let Some(b) = &resp.basic {
                r.push((
                    "produced_at",
                    Value::Text(certbench_base::text::rfc3339(b.produced_at)),
                ));
                if let Some(s) = b.responses.first() {
                    r.push(("cert_status", Value::text(s.status.name())));
                    if let CertStatus::Revoked { at, reason } = &s.status {
                        r.push((
                            "revoked_at",
                            Value::Text(certbench_base::text::rfc3339(*at)),
                        ));
                        if let Some(reason) = reason {
                            r.push(("reason", Value::text(reason.as_str())));
                        }
                    }
                    r.push((
                        "this_update",
                        Value::Text(certbench_base::text::rfc3339(s.this_update)),
                    ));
                    if let Some(n) = s.next_update {
                        r.push(("next_update", Value::Text(certbench_base::text::rfc3339(n))));
                    }
                }
            }
        }
    }
    Value::Record(r)
}

/// The decoded fields of a message, labelled, for the timeline and the JSON transcript.
pub fn details(m: &Message) -> Vec<(&'static str, Value)> {
    let version = |v: &u16| Value::Text(names::version(*v));
    let suite = |v: &u16| Value::Text(names::cipher_suite(*v));
    let group = |v: &u16| Value::Text(names::named_group(*v));
    let scheme = |v: &u16| Value::Text(names::signature_scheme(*v));
    let ext_names = |e: &[Extension]| Value::list(e, |x| Value::text(names::extension(x.typ)));
    let mut d = Vec::new();
    match m {
        Message::ClientHello(h) => {
            d.push(("legacy_version", version(&h.legacy_version)));
            d.push((
                "supported_versions",
                Value::list(&h.supported_versions, version),
            ));
            d.push(("cipher_suites", Value::list(&h.cipher_suites, suite)));
            d.push(("groups", Value::list(&h.groups, group)));
            d.push((
                "key_shares",
                Value::list(&h.key_shares, |(g, n)| {
                    Value::Record(vec![
                        ("group", group(g)),
                        ("bytes", Value::Bytes(*n as u64)),
                    ])
                }),
            ));
            d.push((
                "signature_schemes",
                Value::list(&h.signature_schemes, scheme),
            ));
            d.push((
                "server_name",
                h.server_name
                    .clone()
                    .map_or(Value::List(vec![]), Value::Text),
            ));
            d.push(("alpn", Value::list(&h.alpn, |a| Value::text(a.clone()))));
            d.push(("extensions", ext_names(&h.extensions)));
        }
        Message::ServerHello(h) => {
            if h.hello_retry_request {
                d.push(("hello_retry_request", Value::Bool(true)));
            }
            d.push((
                "version",
                version(&h.selected_version.unwrap_or(h.legacy_version)),
            ));
            d.push(("cipher_suite", suite(&h.cipher_suite)));
            if let Some((g, n)) = h.key_share {
                d.push((
                    "group",
                    if h.hello_retry_request {
                        group(&g)
                    } else {
                        Value::Record(vec![
                            ("group", group(&g)),
                            ("bytes", Value::Bytes(n as u64)),
                        ])
                    },
                ));
            }
            d.push(("extensions", ext_names(&h.extensions)));
        }
        Message::EncryptedExtensions { extensions, alpn } => {
            d.push(("extensions", ext_names(extensions)));
            if let Some(a) = alpn {
                d.push(("alpn", Value::text(a.clone())));
            }
        }
        Message::CertificateRequest(r) => {
            d.push((
                "signature_schemes",
                Value::list(&r.signature_schemes, scheme),
            ));
            // An empty list: the server accepts a certificate from any CA it trusts.
            d.push((
                "certificate_authorities",
                Value::list(&r.certificate_authorities, |n| Value::Text(dn_text(n))),
            ));
            if !r.certificate_types.is_empty() {
                d.push((
                    "certificate_types",
                    Value::list(&r.certificate_types, |t| {
                        Value::Text(names::client_certificate_type(*t))
                    }),
                ));
            }
        }
        Message::Certificate(c) => {
            // End entity first, then the chain as sent.
            d.push((
                "certificates",
                Value::list(&c.certificates, |der| {
                    match certbench_x509::report::brief(der) {
                        Ok(r) => Value::Record(vec![
                            ("subject", Value::Text(r.subject)),
                            ("issuer", Value::Text(r.issuer)),
                            (
                                "until",
                                Value::Text(certbench_base::text::rfc3339(r.not_after)),
                            ),
                        ]),
                        Err(e) => Value::Record(vec![("unreadable", Value::Text(e.to_string()))]),
                    }
                }),
            ));
            if let Some(ocsp) = &c.ocsp {
                d.push(("ocsp_staple", staple(ocsp)));
            }
        }
        Message::CertificateStatus { ocsp } => d.push(("ocsp_staple", staple(ocsp))),
        Message::CertificateVerify {
            scheme: s,
            signature_len,
        } => {
            d.push(("scheme", scheme(s)));
            d.push(("signature", Value::Bytes(*signature_len as u64)));
        }
        Message::Finished { verify_data_len } => {
            d.push(("verify_data", Value::Bytes(*verify_data_len as u64)))
        }
        Message::NewSessionTicket {
            lifetime,
            ticket_len,
            ..
        } => {
            d.push(("lifetime", Value::Seconds(u64::from(*lifetime))));
            d.push(("ticket", Value::Bytes(*ticket_len as u64)));
        }
        Message::ServerKeyExchange {
            group: g,
            public_len,
            scheme: s,
            signature_len,
        } => {
            if let Some(g) = g {
                d.push(("group", group(g)));
            }
            d.push(("public_key", Value::Bytes(*public_len as u64)));
            if let Some(s) = s {
                d.push(("scheme", scheme(s)));
            }
            d.push(("signature", Value::Bytes(*signature_len as u64)));
        }
        Message::ClientKeyExchange { public_len } => {
            d.push(("public_key", Value::Bytes(*public_len as u64)))
        }
        Message::KeyUpdate { update_requested } => {
            d.push(("update_requested", Value::Bool(*update_requested)))
        }
        Message::ServerHelloDone => {}
        Message::Other { typ, len } => {
            d.push(("type", Value::Number(u64::from(*typ))));
            d.push(("length", Value::Bytes(*len as u64)));
        }
    }
    d
}

pub(crate) fn dn_text(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    match x509_parser::x509::X509Name::from_der(der) {
        Ok((_, n)) => certbench_base::text::display_safe(&certbench_x509::names::rfc4514(&n), 300),
        Err(_) => format!("(unreadable name, {} bytes)", der.len()),
    }
}
