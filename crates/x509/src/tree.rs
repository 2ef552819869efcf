//! A certificate as a tree of fields, each with the byte range it occupies in the DER, so a hex
//! view can show where a field is and find the field a byte belongs to.

use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::*;

use crate::der::{Tlv, children, read_tlv};
use crate::names::{attribute_short_name, attribute_text};
use crate::report::{
    ValidityField, colon_hex, extension_name, general_name, known_extension_name, signature_name,
};
use certbench_base::text::display_safe;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldNode {
    pub depth: usize,
    pub label: String,
    pub value: String,
    /// Byte range in the DER: start..end.
    pub start: usize,
    pub end: usize,
    /// Key of the explanation in assets/explain.toml.
    pub explain: String,
}

struct Builder<'a> {
    der: &'a [u8],
    nodes: Vec<FieldNode>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        depth: usize,
        label: impl Into<String>,
        value: impl Into<String>,
        t: &Tlv,
        explain: &str,
    ) {
        self.nodes.push(FieldNode {
            depth,
            label: label.into(),
            value: display_safe(&value.into(), 400),
            start: t.start,
            end: t.end,
            explain: explain.to_string(),
        });
    }
}

/// The field tree of a DER certificate, in display order (depth-first). `now` is for the
/// validity's relative time.
pub fn field_tree(
    der: &[u8],
    now: ::time::OffsetDateTime,
) -> Result<Vec<FieldNode>, crate::error::DecodeError> {
    // One parse for the report and the tree.
    let readable = crate::der::readable_certificate(der);
    let cert = crate::report::parse(&readable)?;
    let report = crate::report::report_of(der, &readable, &cert);
    let bad = || crate::error::DecodeError::Structure;
    let top = read_tlv(der, 0).ok_or_else(bad)?;
    let parts = children(der, &top);
    let [tbs, sig_alg, sig_value] = parts.as_slice() else {
        return Err(bad());
    };
    let mut b = Builder {
        der,
        nodes: Vec::new(),
    };
    b.push(
        0,
        "Certificate",
        format!("{} bytes", der.len()),
        &top,
        "certificate",
    );
    b.push(
        1,
        "tbsCertificate",
        "the signed part",
        tbs,
        "tbs_certificate",
    );
    let mut fields = children(der, tbs).into_iter().peekable();
    if let Some(v) = fields.peek().filter(|t| t.tag == 0xa0).copied() {
        fields.next();
        b.push(
            2,
            "version",
            format!("{} (0x{:x})", cert.version().0 + 1, cert.version().0),
            &v,
            "version",
        );
    } else {
        // v1: the field is absent; point at the start of the serial.
    }
    let serial = fields.next().ok_or_else(bad)?;
    b.push(
        2,
        "serialNumber",
        crate::summary::serial_text(&report.serial),
        &serial,
        "serial",
    );
    let inner_alg = fields.next().ok_or_else(bad)?;
    b.push(
        2,
        "signature",
        with_oid(&cert.tbs_certificate.signature.algorithm.to_id_string()),
        &inner_alg,
        "signature_algorithm",
    );
    let issuer = fields.next().ok_or_else(bad)?;
    b.push(2, "issuer", report.issuer.clone(), &issuer, "issuer");
    name_attributes(&mut b, &issuer, cert.issuer());
    let validity = fields.next().ok_or_else(bad)?;
    b.push(
        2,
        "validity",
        crate::relative_validity(report.not_before, report.not_after, now),
        &validity,
        "validity",
    );
    let times = children(der, &validity);
    if let [nb, na] = times.as_slice() {
        let shown = |f| report.shown_time(f);
        b.push(
            3,
            "notBefore",
            shown(ValidityField::NotBefore),
            nb,
            "not_before",
        );
        b.push(
            3,
            "notAfter",
            shown(ValidityField::NotAfter),
            na,
            "not_after",
        );
    }
    let subject = fields.next().ok_or_else(bad)?;
    b.push(2, "subject", report.subject.clone(), &subject, "subject");
    name_attributes(&mut b, &subject, cert.subject());
    let spki = fields.next().ok_or_else(bad)?;
    let key = &report.public_key;
    let key_text = key.text();
    b.push(2, "subjectPublicKeyInfo", key_text, &spki, "spki");
    if let [alg, bits] = children(der, &spki).as_slice() {
        let alg_oid = cert.public_key().algorithm.algorithm.to_id_string();
        b.push(
            3,
            "algorithm",
            format!("{} ({alg_oid})", key.algorithm),
            alg,
            "public_key_algorithm",
        );
        // RSA: the modulus size and the public exponent, as openssl shows them.
        let key_value = match cert.public_key().parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
                let e = rsa
                    .try_exponent()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|_| "(too large)".into());
                format!("{} bits, exponent {e}", rsa.key_size())
            }
            _ => format!("{} bytes", bits.end - bits.content_start),
        };
        b.push(3, "subjectPublicKey", key_value, bits, "public_key");
    }
    for t in fields {
        match t.tag {
            0xa1 | 0xa2 => b.push(2, "uniqueIdentifier", "(rarely used)", &t, "unique_id"),
            0xa3 => extensions(&mut b, &t, &cert, &report),
            _ => b.push(
                2,
                "unknown field",
                format!("tag 0x{:02x}", t.tag),
                &t,
                "unknown",
            ),
        }
    }
    b.push(
        1,
        "signatureAlgorithm",
        with_oid(&cert.signature_algorithm.algorithm.to_id_string()),
        sig_alg,
        "signature_algorithm",
    );
    b.push(
        1,
        "signatureValue",
        format!("{} bytes", sig_value.end - sig_value.content_start),
        sig_value,
        "signature_value",
    );
    Ok(b.nodes)
}

/// An algorithm's name and OID: "ecdsa-with-SHA256 (1.2.840.10045.4.3.2)".
fn with_oid(oid: &str) -> String {
    let name = signature_name(oid);
    if name == oid {
        oid.to_string()
    } else {
        format!("{name} ({oid})")
    }
}

fn name_attributes(b: &mut Builder<'_>, name_tlv: &Tlv, name: &X509Name<'_>) {
    // Name ::= SEQUENCE OF SET OF AttributeTypeAndValue
    let der = b.der;
    let atvs: Vec<Tlv> = children(der, name_tlv)
        .iter()
        .flat_map(|set| children(der, set))
        .collect();
    for (t, attr) in atvs.iter().zip(name.iter_attributes()) {
        let oid = attr.attr_type().to_id_string();
        let label = attribute_short_name(&oid).map(String::from).unwrap_or(oid);
        let value = attribute_text(attr).unwrap_or_else(|| "(not a string)".into());
        b.push(3, label, value, t, "name_attribute");
    }
}

fn extensions(
    b: &mut Builder<'_>,
    wrapper: &Tlv,
    cert: &X509Certificate<'_>,
    report: &crate::report::CertReport,
) {
    let der = b.der;
    let Some(seq) = children(der, wrapper).first().copied() else {
        return;
    };
    let exts = children(der, &seq);
    b.push(
        2,
        "extensions",
        format!("{}", exts.len()),
        wrapper,
        "extensions",
    );
    for (t, ext) in exts.iter().zip(cert.extensions()) {
        let oid = ext.oid.to_id_string();
        let known = known_extension_name(&oid);
        let name = extension_name(&oid);
        let label = known.map_or_else(|| oid.clone(), String::from);
        let label = if ext.critical {
            format!("{label} (critical)")
        } else {
            label
        };
        let key = format!("ext.{name}");
        // The extension's value: the OCTET STRING's contents, and the TLVs inside it.
        let parts = children(der, t);
        let value_tlv = parts.last().copied();
        let inner: Vec<Tlv> = value_tlv
            .and_then(|v| read_tlv(der, v.content_start))
            .map(|seq| {
                if seq.is_constructed() {
                    children(der, &seq)
                } else {
                    vec![]
                }
            })
            .unwrap_or_default();
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                let pl = bc
                    .path_len_constraint
                    .map(|p| format!(", pathlen:{p}"))
                    .unwrap_or_default();
                b.push(
                    3,
                    label,
                    format!("CA:{}{pl}", if bc.ca { "TRUE" } else { "FALSE" }),
                    t,
                    &key,
                );
            }
            ParsedExtension::KeyUsage(_) => {
                b.push(3, label, crate::report::joined(&report.key_usage), t, &key)
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                b.push(
                    3,
                    label,
                    format!("{} names", san.general_names.len()),
                    t,
                    &key,
                );
                for (it, gn) in inner.iter().zip(&san.general_names) {
                    b.push(4, "name", general_name(gn), it, "general_name");
                }
            }
            ParsedExtension::ExtendedKeyUsage(_) => {
                b.push(
                    3,
                    label,
                    certbench_base::text::count(inner.len(), "purpose", "purposes"),
                    t,
                    &key,
                );
                let value = value_tlv
                    .map(|v| &der[v.content_start..v.end])
                    .unwrap_or_default();
                let names = crate::report::eku_names(value);
                for (it, n) in inner.iter().zip(names) {
                    b.push(4, "purpose", n, it, "eku_purpose");
                }
            }
            ParsedExtension::SubjectKeyIdentifier(k) => b.push(3, label, colon_hex(k.0), t, &key),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                let v = a
                    .key_identifier
                    .as_ref()
                    .map(|k| colon_hex(k.0))
                    .unwrap_or_else(|| "(no key identifier)".into());
                b.push(3, label, v, t, &key)
            }
            ParsedExtension::NameConstraints(nc) => {
                let n = |s: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                    s.as_ref().map_or(0, |v| v.len())
                };
                b.push(
                    3,
                    label,
                    format!(
                        "{} permitted, {} excluded",
                        n(&nc.permitted_subtrees),
                        n(&nc.excluded_subtrees)
                    ),
                    t,
                    &key,
                );
                for (kind, list) in [
                    ("permitted", &nc.permitted_subtrees),
                    ("excluded", &nc.excluded_subtrees),
                ] {
                    for st in list.iter().flatten() {
                        b.push(
                            4,
                            kind,
                            crate::constraints::Subtree::of(&st.base).text(),
                            t,
                            "name_constraint",
                        );
                    }
                }
            }
            ParsedExtension::CRLDistributionPoints(dps) => {
                b.push(3, label, format!("{} points", dps.points.len()), t, &key);
                for (it, dp) in inner.iter().zip(dps.points.iter()) {
                    let names = match &dp.distribution_point {
                        Some(x509_parser::extensions::DistributionPointName::FullName(n)) => {
                            n.iter().map(general_name).collect::<Vec<_>>().join(", ")
                        }
                        Some(
                            x509_parser::extensions::DistributionPointName::NameRelativeToCRLIssuer(
                                _,
                            ),
                        ) => "a name relative to the CRL issuer".into(),
                        None => "(issuer-relative)".into(),
                    };
                    b.push(4, "distribution point", names, it, "crl_distribution_point");
                }
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                b.push(
                    3,
                    label,
                    format!("{} entries", aia.accessdescs.len()),
                    t,
                    &key,
                );
                for (it, ad) in inner.iter().zip(&aia.accessdescs) {
                    let method = match ad.access_method.to_id_string().as_str() {
                        "1.3.6.1.5.5.7.48.1" => "OCSP".to_string(),
                        "1.3.6.1.5.5.7.48.2" => "CA Issuers".to_string(),
                        other => other.to_string(),
                    };
                    b.push(
                        4,
                        method,
                        general_name(&ad.access_location),
                        it,
                        "access_description",
                    );
                }
            }
            ParsedExtension::CertificatePolicies(policies) => {
                b.push(3, label, format!("{} policies", policies.len()), t, &key);
                for (it, p) in inner.iter().zip(policies.iter()) {
                    let oid = p.policy_id.to_id_string();
                    let name = match oid.as_str() {
                        "2.5.29.32.0" => "anyPolicy".to_string(),
                        "2.23.140.1.2.1" => "CA/B domain validated".to_string(),
                        "2.23.140.1.2.2" => "CA/B organization validated".to_string(),
                        "2.23.140.1.1" => "CA/B extended validation".to_string(),
                        _ => oid.clone(),
                    };
                    b.push(4, "policy", name, it, "policy");
                }
            }
            ParsedExtension::PolicyConstraints(pc) => b.push(
                3,
                label,
                {
                    let n = |v: Option<u32>| v.map_or("absent".to_string(), |n| n.to_string());
                    format!(
                        "requireExplicitPolicy {}, inhibitPolicyMapping {}",
                        n(pc.require_explicit_policy),
                        n(pc.inhibit_policy_mapping)
                    )
                },
                t,
                &key,
            ),
            ParsedExtension::SCT(scts) => {
                b.push(3, label, format!("{} SCTs", scts.len()), t, &key);
                for sct in scts {
                    b.push(4, "SCT log ID", colon_hex(sct.id.key_id), t, "sct");
                }
            }
            _ => {
                let value = value_tlv
                    .map(|v| &der[v.content_start..v.end])
                    .unwrap_or_default();
                let hex = value
                    .iter()
                    .take(48)
                    .map(|x| format!("{x:02X}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let more = if value.len() > 48 { " …" } else { "" };
                let shown = if known.is_none() {
                    format!("{oid}: {hex}{more}")
                } else {
                    format!("{hex}{more}")
                };
                b.push(3, label, shown, t, &key);
            }
        }
    }
}

/// The deepest field whose range holds `offset`.
pub fn field_at(nodes: &[FieldNode], offset: usize) -> Option<usize> {
    nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.start <= offset && offset < n.end)
        .max_by_key(|(i, n)| (n.depth, *i))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::der::oid_string;
    use certbench_pki::workspace::{SetOptions, Workspace};

    fn oid_of(der: &[u8], t: &Tlv) -> Option<String> {
        oid_string(t.content(der))
    }

    #[test]
    fn every_mozilla_root_has_a_tree() {
        let dir = std::path::Path::new("/usr/share/ca-certificates/mozilla");
        assert!(
            dir.is_dir(),
            "this test needs {}: apt-get install ca-certificates",
            dir.display()
        );
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let pem = std::fs::read(e.unwrap().path()).unwrap();
            let der = x509_parser::pem::parse_x509_pem(&pem).unwrap().1.contents;
            let nodes = field_tree(&der, ::time::OffsetDateTime::now_utc()).unwrap();
            assert!(nodes.iter().any(|n| n.label == "subject"));
            n += 1;
        }
        assert!(n >= 100);
    }

    fn server_der() -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path()).unwrap();
        ws.gen_set(
            &SetOptions::default(),
            false,
            ::time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        let pem = std::fs::read_to_string(dir.path().join("server.crt")).unwrap();
        x509_parser::pem::parse_x509_pem(pem.as_bytes())
            .unwrap()
            .1
            .contents
    }

    #[test]
    fn every_field_points_at_its_own_bytes() {
        let der = server_der();
        let nodes = field_tree(&der, ::time::OffsetDateTime::now_utc()).unwrap();
        let labels: Vec<&str> = nodes.iter().map(|n| n.label.as_str()).collect();
        for want in [
            "version",
            "serialNumber",
            "issuer",
            "CN",
            "notBefore",
            "subjectPublicKeyInfo",
            "subjectAltName",
            "keyUsage (critical)",
            "signatureValue",
        ] {
            assert!(labels.contains(&want), "{want} missing from {labels:?}");
        }
        // The serial's bytes are an INTEGER whose content is the serial.
        let serial = nodes.iter().find(|n| n.label == "serialNumber").unwrap();
        assert_eq!(der[serial.start], 0x02);
        // A SAN entry's bytes hold the name.
        let san = nodes.iter().find(|n| n.value == "DNS:localhost").unwrap();
        assert_eq!(&der[san.end - 9..san.end], b"localhost");
        // Children lie inside their parents.
        for (i, n) in nodes.iter().enumerate() {
            if let Some(parent) = nodes[..i].iter().rev().find(|p| p.depth < n.depth) {
                assert!(
                    parent.start <= n.start && n.end <= parent.end,
                    "{n:?} outside {parent:?}"
                );
            }
        }
        // Every byte belongs to some field, and the deepest one is found.
        let cn = nodes
            .iter()
            .position(|n| n.label == "CN" && n.value == "localhost")
            .unwrap();
        assert_eq!(field_at(&nodes, nodes[cn].start + 3), Some(cn));
        assert!(field_at(&nodes, der.len() - 1).is_some());
        let sig = nodes.iter().find(|n| n.label == "signature").unwrap();
        assert_eq!(
            oid_of(&der, &read_tlv(&der, sig.start + 2).unwrap()).as_deref(),
            Some("1.2.840.10045.4.3.2")
        );
    }
}
