//! An OCSP request or response as a tree of fields, each with the byte range it occupies in the
//! DER (RFC 6960 4.1 and 4.2), as certificates have theirs (`crate::tree`): for `inspect`, the
//! Inspector's hex view, and anything that links a field to its bytes. Read with the DER walker
//! (`crate::der`), so a field's range is where its bytes are, whatever the typed parse made of it.

use crate::der::{Tlv, children, oid_string, read_tlv};
use crate::report::colon_hex;
use crate::tree::FieldNode;
use certbench_base::text::display_safe;

/// Which OCSP message the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    Request,
    Response,
}

struct Tree<'a> {
    der: &'a [u8],
    nodes: Vec<FieldNode>,
}

impl Tree<'_> {
    fn push(&mut self, depth: usize, label: &str, value: String, t: &Tlv, explain: &str) {
        self.nodes.push(FieldNode {
            depth,
            label: label.to_string(),
            value: display_safe(&value, 400),
            start: t.start,
            end: t.end,
            explain: explain.to_string(),
        });
    }

    fn kids(&self, t: &Tlv) -> Vec<Tlv> {
        children(self.der, t)
    }

    /// A leaf's value, as its type says.
    fn value(&self, t: &Tlv) -> String {
        let c = t.content(self.der);
        match t.tag {
            0x06 => oid_string(c).map(|o| oid_name(&o)).unwrap_or_default(),
            0x18 => {
                use ::der::Decode;
                ::der::asn1::GeneralizedTime::from_der(&self.der[t.start..t.end])
                    .ok()
                    .and_then(|g| super::from_generalized(&g).ok())
                    .map(certbench_base::text::rfc3339)
                    .unwrap_or_else(|| String::from_utf8_lossy(c).into_owned())
            }
            0x02 => colon_hex(c),
            0x04 => short_hex(c),
            0x03 => format!("{} bytes", c.len().saturating_sub(1)),
            0x05 | 0x80 | 0x82 => String::new(),
            0x01 => (c.first() == Some(&0xff)).to_string(),
            _ => format!("{} bytes", t.end - t.start),
        }
    }
}

/// The field tree of an OCSP `message` (DER). Parts that are not where RFC 6960 puts them are
/// left out, not guessed at.
pub fn fields(der: &[u8], message: Message) -> Vec<FieldNode> {
    let mut t = Tree {
        der,
        nodes: Vec::new(),
    };
    if let Some(top) = read_tlv(der, 0) {
        match message {
            Message::Request => request(&mut t, &top),
            Message::Response => response(&mut t, &top),
        }
    }
    t.nodes
}

fn request(t: &mut Tree<'_>, top: &Tlv) {
    t.push(0, "OCSPRequest", String::new(), top, "ocsp_request");
    let parts = t.kids(top);
    let Some(tbs) = parts.first() else {
        return;
    };
    t.push(1, "tbsRequest", String::new(), tbs, "ocsp_tbs_request");
    for part in t.kids(tbs) {
        match part.tag {
            0xa0 => t.push(2, "version", "1".into(), &part, "ocsp_version"),
            0xa1 => t.push(
                2,
                "requestorName",
                String::new(),
                &part,
                "ocsp_requestor_name",
            ),
            0x30 => {
                let list = t.kids(&part);
                t.push(
                    2,
                    "requestList",
                    format!("{} certificate(s)", list.len()),
                    &part,
                    "ocsp_request_list",
                );
                for r in list {
                    t.push(3, "Request", String::new(), &r, "ocsp_single_request");
                    if let Some(id) = t.kids(&r).first() {
                        cert_id(t, 4, id);
                    }
                }
            }
            0xa2 => extensions(t, 2, "requestExtensions", &part),
            _ => {}
        }
    }
    if let Some(sig) = parts.get(1) {
        t.push(
            1,
            "optionalSignature",
            String::new(),
            sig,
            "ocsp_request_signature",
        );
    }
}

fn response(t: &mut Tree<'_>, top: &Tlv) {
    t.push(0, "OCSPResponse", String::new(), top, "ocsp_response");
    let parts = t.kids(top);
    if let Some(status) = parts.first() {
        let name = status
            .content(t.der)
            .first()
            .map(|s| status_name(*s))
            .unwrap_or_default();
        t.push(1, "responseStatus", name, status, "ocsp_response_status");
    }
    let Some(bytes) = parts.get(1) else {
        return;
    };
    t.push(
        1,
        "responseBytes",
        String::new(),
        bytes,
        "ocsp_response_bytes",
    );
    let Some(seq) = t.kids(bytes).into_iter().next() else {
        return;
    };
    let inner = t.kids(&seq);
    if let Some(typ) = inner.first() {
        let v = t.value(typ);
        t.push(2, "responseType", v, typ, "ocsp_response_type");
    }
    let Some(octets) = inner.get(1) else {
        return;
    };
    // The OCTET STRING holds the BasicOCSPResponse: its TLV starts at the content.
    let Some(basic) = read_tlv(t.der, octets.content_start).filter(|b| b.end == octets.end) else {
        return;
    };
    t.push(
        2,
        "BasicOCSPResponse",
        String::new(),
        &basic,
        "ocsp_basic_response",
    );
    let b = t.kids(&basic);
    if let Some(tbs) = b.first() {
        response_data(t, tbs);
    }
    if let Some(alg) = b.get(1) {
        let v = t.kids(alg).first().map(|o| t.value(o)).unwrap_or_default();
        t.push(3, "signatureAlgorithm", v, alg, "ocsp_signature_algorithm");
    }
    if let Some(sig) = b.get(2) {
        let v = t.value(sig);
        t.push(3, "signature", v, sig, "ocsp_signature");
    }
    if let Some(certs) = b.get(3) {
        let list = t.kids(certs).first().map(|s| t.kids(s)).unwrap_or_default();
        t.push(
            3,
            "certs",
            format!("{} certificate(s)", list.len()),
            certs,
            "ocsp_certs",
        );
        for c in list {
            let subject = crate::report::brief(&t.der[c.start..c.end])
                .map(|r| r.subject)
                .unwrap_or_default();
            t.push(4, "Certificate", subject, &c, "certificate");
        }
    }
}

fn response_data(t: &mut Tree<'_>, tbs: &Tlv) {
    t.push(
        3,
        "tbsResponseData",
        String::new(),
        tbs,
        "ocsp_response_data",
    );
    // [1] is the responderID byName before producedAt, and the responseExtensions after it.
    let mut produced = false;
    for part in t.kids(tbs) {
        match (part.tag, produced) {
            (0xa0, false) => t.push(4, "version", "1".into(), &part, "ocsp_version"),
            (0xa1, false) => {
                use x509_parser::prelude::FromDer;
                let name = t
                    .kids(&part)
                    .first()
                    .and_then(|n| {
                        x509_parser::x509::X509Name::from_der(&t.der[n.start..n.end]).ok()
                    })
                    .map(|(_, n)| crate::names::rfc4514(&n))
                    .unwrap_or_default();
                t.push(4, "responderID (byName)", name, &part, "ocsp_responder_id");
            }
            (0xa2, false) => {
                let v = t
                    .kids(&part)
                    .first()
                    .map(|k| t.value(k))
                    .unwrap_or_default();
                t.push(4, "responderID (byKey)", v, &part, "ocsp_responder_id");
            }
            (0x18, false) => {
                produced = true;
                let v = t.value(&part);
                t.push(4, "producedAt", v, &part, "ocsp_produced_at");
            }
            (0x30, true) => {
                let list = t.kids(&part);
                t.push(
                    4,
                    "responses",
                    format!("{} answer(s)", list.len()),
                    &part,
                    "ocsp_responses",
                );
                for r in list {
                    single(t, &r);
                }
            }
            (0xa1, true) => extensions(t, 4, "responseExtensions", &part),
            _ => {}
        }
    }
}

fn single(t: &mut Tree<'_>, r: &Tlv) {
    t.push(
        5,
        "SingleResponse",
        String::new(),
        r,
        "ocsp_single_response",
    );
    for (i, part) in t.kids(r).into_iter().enumerate() {
        match (i, part.tag) {
            (0, _) => cert_id(t, 6, &part),
            (1, 0x80) => t.push(6, "certStatus", "good".into(), &part, "ocsp_cert_status"),
            (1, 0x82) => t.push(6, "certStatus", "unknown".into(), &part, "ocsp_cert_status"),
            (1, 0xa1) => {
                t.push(6, "certStatus", "revoked".into(), &part, "ocsp_cert_status");
                for f in t.kids(&part) {
                    match f.tag {
                        0x18 => {
                            let v = t.value(&f);
                            t.push(7, "revocationTime", v, &f, "ocsp_revocation_time");
                        }
                        0xa0 => {
                            let v = t
                                .kids(&f)
                                .first()
                                .and_then(|e| e.content(t.der).first().copied())
                                .map(crate::load::reason_name)
                                .unwrap_or_default();
                            t.push(7, "revocationReason", v, &f, "ocsp_revocation_reason");
                        }
                        _ => {}
                    }
                }
            }
            (_, 0x18) => {
                let v = t.value(&part);
                t.push(6, "thisUpdate", v, &part, "ocsp_this_update");
            }
            (_, 0xa0) => {
                let v = t
                    .kids(&part)
                    .first()
                    .map(|n| t.value(n))
                    .unwrap_or_default();
                t.push(6, "nextUpdate", v, &part, "ocsp_next_update");
            }
            (_, 0xa1) => extensions(t, 6, "singleExtensions", &part),
            _ => {}
        }
    }
}

fn cert_id(t: &mut Tree<'_>, depth: usize, id: &Tlv) {
    t.push(depth, "certID", String::new(), id, "ocsp_cert_id");
    let parts = t.kids(id);
    let labels = [
        ("hashAlgorithm", "ocsp_hash_algorithm"),
        ("issuerNameHash", "ocsp_issuer_name_hash"),
        ("issuerKeyHash", "ocsp_issuer_key_hash"),
        ("serialNumber", "serial"),
    ];
    for ((label, explain), part) in labels.iter().zip(&parts) {
        let v = if part.tag == 0x30 {
            t.kids(part).first().map(|o| t.value(o)).unwrap_or_default()
        } else {
            t.value(part)
        };
        t.push(depth + 1, label, v, part, explain);
    }
}

fn extensions(t: &mut Tree<'_>, depth: usize, label: &str, wrapper: &Tlv) {
    t.push(depth, label, String::new(), wrapper, "ocsp_extensions");
    let Some(list) = t.kids(wrapper).into_iter().next() else {
        return;
    };
    for ext in t.kids(&list) {
        let parts = t.kids(&ext);
        let oid = parts
            .first()
            .and_then(|o| oid_string(o.content(t.der)))
            .unwrap_or_default();
        let value = parts
            .last()
            .map(|v| short_hex(v.content(t.der)))
            .unwrap_or_default();
        if oid == super::asn1::ID_PKIX_OCSP_NONCE.to_string() {
            t.push(depth + 1, "nonce", value, &ext, "ocsp_nonce");
        } else {
            t.push(
                depth + 1,
                "extension",
                format!("{oid}: {value}"),
                &ext,
                "ocsp_extensions",
            );
        }
    }
}

fn short_hex(b: &[u8]) -> String {
    if b.len() > 32 {
        format!("{}… ({} bytes)", colon_hex(&b[..32]), b.len())
    } else {
        colon_hex(b)
    }
}

fn status_name(s: u8) -> String {
    super::ResponseStatus::of_code(s)
        .map(|s| s.name().to_string())
        .unwrap_or_else(|| format!("unknown status {s}"))
}

fn oid_name(oid: &str) -> String {
    if oid == super::asn1::ID_PKIX_OCSP_BASIC.to_string() {
        return "id-pkix-ocsp-basic".into();
    }
    match super::HashAlg::of_dotted(oid) {
        Some(h) => h.name().into(),
        None => crate::report::signature_name(oid),
    }
}
