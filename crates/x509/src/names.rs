//! Distinguished names as RFC 4514 strings, the way `openssl x509 -nameopt RFC2253,-esc_msb` prints
//! them (openssl is the oracle our tests compare with): last RDN first, openssl's short attribute
//! names, RFC 2253 escapes, unknown attributes as `#` and the DER in hex, UTF-8 kept as it is.

use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// openssl's short name for an attribute type, if it has one.
pub fn attribute_short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.15" => "businessCategory",
        "2.5.4.16" => "postalAddress",
        "2.5.4.17" => "postalCode",
        "2.5.4.18" => "postOfficeBox",
        "2.5.4.20" => "telephoneNumber",
        "2.5.4.41" => "name",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.45" => "x500UniqueIdentifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        // Russian registration numbers (GOST), which openssl names too.
        "1.2.643.3.131.1.1" => "INN",
        "1.2.643.100.1" => "OGRN",
        "1.2.643.100.3" => "SNILS",
        "1.2.643.100.4" => "INNLE",
        "1.2.643.100.5" => "OGRNIP",
        _ => return None,
    })
}

/// The value of a string attribute as text: each ASN.1 string type decoded as openssl does
/// (T61String as Latin-1, BMPString as UTF-16, UniversalString as UCS-4). `None` for non-strings.
pub fn attribute_text(attr: &AttributeTypeAndValue<'_>) -> Option<String> {
    let any = attr.attr_value();
    let data = any.data;
    match any.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => Some(String::from_utf8_lossy(data).into_owned()),
        Tag::T61String => Some(data.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        Tag::UniversalString => Some(
            data.chunks(4)
                .map(|c| {
                    let mut b = [0u8; 4];
                    b[..c.len()].copy_from_slice(c);
                    char::from_u32(u32::from_be_bytes(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect(),
        ),
        _ => None,
    }
}

/// RFC 2253 escaping as openssl applies it (ESC_2253 with ESC_CTRL, without ESC_MSB), and hex
/// pairs for every character a terminal acts on.
fn escape_value(v: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-.@_/:()'=&*?!%$".contains(&b);
    let bytes = v.as_bytes();
    if bytes.iter().all(|&b| plain(b) || b == b' ')
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
    {
        return v.to_string();
    }
    let chars: Vec<char> = v.chars().collect();
    let mut out = String::with_capacity(v.len());
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == chars.len();
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if first => out.push_str("\\#"),
            ' ' if first || last => out.push_str("\\ "),
            // Anything a terminal acts on (C0, DEL, C1, bidirectional and other format
            // characters): RFC 4514's hex pairs of its UTF-8 bytes, as openssl's RFC 2253
            // output writes them (`\1B`, `\C2\80`, `\E2\80\AE`).
            c if certbench_base::text::acts_on_terminal(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// An OID's dotted form (x509-parser's own formatting for the rare ones ours cannot hold).
pub fn oid_text(oid: &x509_parser::der_parser::Oid<'_>) -> String {
    crate::der::oid_string(oid.as_bytes()).unwrap_or_else(|| oid.to_id_string())
}

/// One attribute as `TYPE=value`.
fn attribute_string(attr: &AttributeTypeAndValue<'_>) -> String {
    let oid = oid_text(attr.attr_type());
    match (attribute_short_name(&oid), attribute_text(attr)) {
        (Some(name), Some(text)) => format!("{name}={}", escape_value(&text)),
        // Unknown types and non-string values: the DER of the value in hex (dump_unknown, dump_der).
        (name, _) => {
            let any = attr.attr_value();
            let mut der = der_header(any.tag().0, any.header.is_constructed(), any.data.len());
            der.extend_from_slice(any.data);
            let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
            format!("{}=#{hex}", name.map(String::from).unwrap_or(oid))
        }
    }
}

/// The DER header of a universal-class value: tag, then length.
fn der_header(tag: u32, constructed: bool, len: usize) -> Vec<u8> {
    crate::der::header(
        (tag.min(30) as u8) | if constructed { 0x20 } else { 0 },
        len,
    )
}

/// The name as RFC 4514 (last RDN first), as `openssl -nameopt RFC2253,-esc_msb` prints it.
pub fn rfc4514(name: &X509Name<'_>) -> String {
    parsed_rfc4514(name)
}

/// As [`rfc4514`], for a name inside `whole` (the certificate's DER, which holds it): its RDNs
/// walked in its own DER. x509-parser stops at an RDN with no attribute (an empty SET, which
/// SIZE (1..MAX) forbids) and keeps only what came before, where openssl skips the empty one and
/// shows every attribute after it.
pub fn rfc4514_within(name: &X509Name<'_>, whole: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    let raw = name.as_raw();
    // Where the name starts in `whole`: the parser's slice points into it.
    let start = (raw.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    let Some(seq) = (start < whole.len())
        .then(|| crate::der::read_tlv(whole, start))
        .flatten()
        .filter(|t| t.tag == 0x30)
    else {
        return parsed_rfc4514(name);
    };
    let mut rdns: Vec<String> = Vec::new();
    for set in crate::der::children(whole, &seq)
        .iter()
        .filter(|t| t.tag == 0x31)
    {
        let mut attributes = Vec::new();
        for atv in crate::der::children(whole, set) {
            match AttributeTypeAndValue::from_der(&whole[atv.start..atv.end]) {
                Ok((_, a)) => attributes.push(attribute_string(&a)),
                // Not an attribute x509-parser reads: what the parser made of the whole name.
                Err(_) => return parsed_rfc4514(name),
            }
        }
        if !attributes.is_empty() {
            rdns.push(attributes.join("+"));
        }
    }
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// The name as x509-parser parsed it.
fn parsed_rfc4514(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(attribute_string)
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// The first CN, if any, as text.
pub fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name().next().and_then(attribute_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_rfc_2253() {
        assert_eq!(escape_value("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_value("#x"), "\\#x");
        assert_eq!(escape_value(" x "), "\\ x\\ ");
        assert_eq!(escape_value("a\u{1b}[31m"), "a\\1B[31m");
        assert_eq!(escape_value("Köln"), "Köln");
    }
}
