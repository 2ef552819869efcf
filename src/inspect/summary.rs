use ::time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

use crate::text::display_safe;

/// What a person looks at first in a certificate, decoded from its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    /// Uppercase hex with colons.
    pub serial: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub public_key: String,
    pub signature_algorithm: String,
    /// As openssl prints them: `DNS:localhost`, `IP Address:127.0.0.1`.
    pub subject_alt_names: Vec<String>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    /// `None` when the extension is absent; `Some((ca, pathlen))` otherwise.
    pub basic_constraints: Option<(bool, Option<u32>)>,
    /// SHA-256 of the DER, uppercase hex with colons.
    pub sha256: String,
}

impl CertSummary {
    /// The summary as labelled lines, in the order a person reads them; the CLI and the panes
    /// only lay these out.
    pub fn fields(&self, now: OffsetDateTime) -> Vec<(&'static str, String)> {
        let rfc3339 = |t: OffsetDateTime| {
            t.format(&::time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| t.to_string())
        };
        let mut out = vec![
            ("Subject", self.subject.clone()),
            ("Issuer", self.issuer.clone()),
            ("Serial", self.serial.clone()),
            ("Not before", rfc3339(self.not_before)),
            (
                "Not after",
                format!(
                    "{} ({})",
                    rfc3339(self.not_after),
                    relative_validity(self.not_before, self.not_after, now)
                ),
            ),
            ("Public key", self.public_key.clone()),
            ("Signature", self.signature_algorithm.clone()),
        ];
        if let Some((ca, pathlen)) = self.basic_constraints {
            let pl = pathlen
                .map(|p| format!(", pathlen:{p}"))
                .unwrap_or_default();
            out.push((
                "Basic constraints",
                format!("CA:{}{pl}", if ca { "TRUE" } else { "FALSE" }),
            ));
        }
        if !self.key_usage.is_empty() {
            out.push(("Key usage", self.key_usage.join(", ")));
        }
        if !self.extended_key_usage.is_empty() {
            out.push(("Ext. key usage", self.extended_key_usage.join(", ")));
        }
        if !self.subject_alt_names.is_empty() {
            out.push(("SANs", self.subject_alt_names.join(", ")));
        }
        out.push(("SHA-256", self.sha256.clone()));
        out
    }
}

/// Decode a PEM certificate (the first CERTIFICATE block).
pub fn summarize_pem(pem: &str) -> Result<CertSummary, String> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .map_err(|e| format!("not a PEM certificate: {e}"))?;
    if block.label != "CERTIFICATE" {
        return Err(format!(
            "the PEM block is a {}, not a CERTIFICATE",
            display_safe(&block.label, 40)
        ));
    }
    summarize(&block.contents)
}

/// Decode a DER certificate. Text from the certificate is escaped for display.
pub fn summarize(der: &[u8]) -> Result<CertSummary, String> {
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("not a valid certificate: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes of trailing data after the certificate",
            rest.len()
        ));
    }
    let safe = |s: String| display_safe(&s, 512);
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            sans.push(safe(general_name(name)));
        }
    }
    let mut key_usage = Vec::new();
    if let Ok(Some(ku)) = cert.key_usage() {
        let ku = ku.value;
        for (set, name) in [
            (ku.digital_signature(), "Digital Signature"),
            (ku.non_repudiation(), "Non Repudiation"),
            (ku.key_encipherment(), "Key Encipherment"),
            (ku.data_encipherment(), "Data Encipherment"),
            (ku.key_agreement(), "Key Agreement"),
            (ku.key_cert_sign(), "Certificate Sign"),
            (ku.crl_sign(), "CRL Sign"),
            (ku.encipher_only(), "Encipher Only"),
            (ku.decipher_only(), "Decipher Only"),
        ] {
            if set {
                key_usage.push(name.to_string());
            }
        }
    }
    let mut extended_key_usage = Vec::new();
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        let e = eku.value;
        for (set, name) in [
            (e.server_auth, "TLS Web Server Authentication"),
            (e.client_auth, "TLS Web Client Authentication"),
            (e.code_signing, "Code Signing"),
            (e.email_protection, "E-mail Protection"),
            (e.time_stamping, "Time Stamping"),
            (e.ocsp_signing, "OCSP Signing"),
            (e.any, "Any Extended Key Usage"),
        ] {
            if set {
                extended_key_usage.push(name.to_string());
            }
        }
        for oid in &e.other {
            extended_key_usage.push(oid.to_id_string());
        }
    }
    let basic_constraints = match cert.basic_constraints() {
        Ok(Some(bc)) => Some((bc.value.ca, bc.value.path_len_constraint)),
        _ => None,
    };
    Ok(CertSummary {
        subject: safe(cert.subject().to_string()),
        issuer: safe(cert.issuer().to_string()),
        serial: colon_hex(cert.raw_serial()),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        public_key: describe_key(&cert),
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        subject_alt_names: sans,
        key_usage,
        extended_key_usage,
        basic_constraints,
        sha256: sha256_fingerprint(der),
    })
}

/// SHA-256 of `der`, as openssl prints fingerprints: uppercase hex with colons.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    colon_hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der).as_ref())
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::IPAddress(b) => match b.len() {
            4 => format!(
                "IP Address:{}",
                std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])
            ),
            16 => {
                // openssl prints all eight groups, uppercase, without leading zeros.
                let groups: Vec<String> = b
                    .chunks(2)
                    .map(|g| format!("{:X}", u16::from_be_bytes([g[0], g[1]])))
                    .collect();
                format!("IP Address:{}", groups.join(":"))
            }
            _ => format!("IP Address:<invalid length {}>", b.len()),
        },
        GeneralName::RFC822Name(e) => format!("email:{e}"),
        GeneralName::URI(u) => format!("URI:{u}"),
        GeneralName::DirectoryName(n) => format!("DirName:{n}"),
        other => format!("{other:?}"),
    }
}

fn describe_key(cert: &X509Certificate<'_>) -> String {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {} bits", rsa.key_size()),
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| match oid.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_string(),
                    "1.3.132.0.34" => "P-384".to_string(),
                    "1.3.132.0.35" => "P-521".to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_else(|| "unknown curve".into());
            format!("ECDSA {curve}")
        }
        _ => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => "Ed25519".into(),
            "1.3.101.113" => "Ed448".into(),
            other => other.to_string(),
        },
    }
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.3.101.112" => "ED25519",
        other => other,
    }
    .to_string()
}

/// "expires in 364 days", "EXPIRED 3 days ago", "not valid for another 2 days".
pub fn relative_validity(
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    now: OffsetDateTime,
) -> String {
    fn span(d: ::time::Duration) -> String {
        let days = d.whole_days();
        if days >= 2 {
            format!("{days} days")
        } else if d.whole_hours() >= 2 {
            format!("{} hours", d.whole_hours())
        } else {
            format!("{} minutes", d.whole_minutes().max(1))
        }
    }
    if now < not_before {
        format!("not valid for another {}", span(not_before - now))
    } else if now > not_after {
        format!("EXPIRED {} ago", span(now - not_after))
    } else {
        format!("expires in {}", span(not_after - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::time::macros::datetime;

    #[test]
    fn relative_times_read_naturally() {
        let nb = datetime!(2026-01-01 0:00 UTC);
        let na = datetime!(2027-01-01 0:00 UTC);
        assert_eq!(
            relative_validity(nb, na, datetime!(2026-12-28 0:00 UTC)),
            "expires in 4 days"
        );
        assert_eq!(
            relative_validity(nb, na, datetime!(2027-01-04 0:00 UTC)),
            "EXPIRED 3 days ago"
        );
        assert_eq!(
            relative_validity(nb, na, datetime!(2025-12-30 0:00 UTC)),
            "not valid for another 2 days"
        );
        assert_eq!(
            relative_validity(nb, na, datetime!(2026-12-31 20:00 UTC)),
            "expires in 4 hours"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(summarize(b"\x30\x03\x01\x01").is_err());
        assert!(summarize(&[]).is_err());
        assert!(summarize_pem("hello").is_err());
    }
}
