use ::time::OffsetDateTime;

use crate::error::DecodeError;
use crate::report::{
    CertReport, KeyAlgorithm, KeyPurpose, KeyUsageBit, SignatureAlgorithm, colon_hex, decode,
    joined,
};
use certbench_base::text::display_safe;

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
    pub signature_algorithm: SignatureAlgorithm,
    /// As openssl prints them: `DNS:localhost`, `IP Address:127.0.0.1`.
    pub subject_alt_names: Vec<String>,
    pub key_usage: Vec<KeyUsageBit>,
    pub extended_key_usage: Vec<KeyPurpose>,
    /// `None` when the extension is absent; `Some((ca, pathlen))` otherwise.
    pub basic_constraints: Option<(bool, Option<i64>)>,
    /// SHA-256 of the DER, uppercase hex with colons.
    pub sha256: String,
}

impl CertSummary {
    /// The summary as labelled lines, in the order a person reads them; the CLI and the panes
    /// only lay these out.
    pub fn fields(&self, now: OffsetDateTime) -> Vec<(&'static str, String)> {
        let rfc3339 = certbench_base::text::rfc3339;
        let mut out = vec![
            // A screen shows a name's first 1,024 characters, and says how long it is.
            (
                "Subject",
                certbench_base::text::for_screen(&self.subject, 1024).into_owned(),
            ),
            (
                "Issuer",
                certbench_base::text::for_screen(&self.issuer, 1024).into_owned(),
            ),
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
            ("Signature", self.signature_algorithm.to_string()),
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
            out.push(("Key usage", joined(&self.key_usage)));
        }
        if !self.extended_key_usage.is_empty() {
            out.push(("Ext. key usage", joined(&self.extended_key_usage)));
        }
        if !self.subject_alt_names.is_empty() {
            out.push(("SANs", self.subject_alt_names.join(", ")));
        }
        out.push(("SHA-256", self.sha256.clone()));
        out
    }
}

/// Decode a PEM certificate (the first CERTIFICATE block).
pub fn summarize_pem(pem: &str) -> Result<CertSummary, DecodeError> {
    let (_, block) =
        x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|_| DecodeError::NotPem)?;
    if block.label != "CERTIFICATE" {
        return Err(DecodeError::NotCertificatePem {
            label: display_safe(&block.label, 40),
        });
    }
    summarize(&block.contents)
}

/// Decode a DER certificate. Text from the certificate is escaped for display.
pub fn summarize(der: &[u8]) -> Result<CertSummary, DecodeError> {
    decode(der).map(|r| CertSummary::from(&r))
}

impl From<&CertReport> for CertSummary {
    fn from(r: &CertReport) -> CertSummary {
        let k = &r.public_key;
        let public_key = match (&k.algorithm, &k.curve, k.bits) {
            (KeyAlgorithm::Ec, Some(curve), _) => format!("ECDSA {curve}"),
            (KeyAlgorithm::Rsa, _, Some(bits)) => format!("RSA {bits} bits"),
            (alg, _, _) => alg.to_string(),
        };
        CertSummary {
            subject: r.subject.clone(),
            issuer: r.issuer.clone(),
            serial: serial_text(&r.serial),
            not_before: r.not_before,
            not_after: r.not_after,
            public_key,
            signature_algorithm: r.signature_algorithm.clone(),
            subject_alt_names: r.subject_alt_names.clone(),
            key_usage: r.key_usage.clone(),
            extended_key_usage: r.extended_key_usage.clone(),
            basic_constraints: r.basic_constraints.as_ref().map(|b| (b.ca, b.path_len)),
            sha256: r.sha256_fingerprint.clone(),
        }
    }
}

/// SHA-256 of `der`, as openssl prints fingerprints: uppercase hex with colons.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    colon_hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der).as_ref())
}

/// A serial as a person reads it: hex bytes with colons as openssl prints them ("-0A:1B:2C"),
/// and, when it fits in 64 bits, its decimal beside it as `openssl x509 -text` gives it
/// ("10:00 (4096)"), so that a short serial is never read in the wrong base. `serial` is the
/// report's (`openssl x509 -serial`'s hex, a minus sign for a negative one).
pub fn serial_text(serial: &str) -> String {
    let (sign, digits) = match serial.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", serial),
    };
    let pairs: Vec<&str> = (0..digits.len())
        .step_by(2)
        .filter_map(|i| digits.get(i..i + 2))
        .collect();
    match u64::from_str_radix(digits, 16) {
        Ok(n) if digits.len() <= 16 => format!("{sign}{} ({sign}{n})", pairs.join(":")),
        _ => format!("{sign}{}", pairs.join(":")),
    }
}

/// A length of time as a person says it: "365 days", "4 hours", "1 minute". Rounded to the nearest
/// unit: a 365-day certificate made a moment ago expires "in 365 days", not in 364 days, 23 hours
/// and 59 minutes.
pub fn span(d: ::time::Duration) -> String {
    let seconds = d.whole_seconds();
    let round = |unit: i64| (seconds + unit / 2) / unit;
    if seconds >= 2 * 86_400 - 43_200 {
        format!("{} days", round(86_400))
    } else if seconds >= 2 * 3_600 - 1_800 {
        format!("{} hours", round(3_600))
    } else {
        let m = round(60).max(1);
        format!("{m} minute{}", certbench_base::text::plural(m))
    }
}

/// Whole days from `now` to `until`, rounded as [`relative_validity`] rounds them.
pub fn days_until(until: OffsetDateTime, now: OffsetDateTime) -> i64 {
    ((until - now).whole_seconds() + 43_200).div_euclid(86_400)
}

/// "expires in 364 days", "EXPIRED 3 days ago", "not valid for another 2 days".
pub fn relative_validity(
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    now: OffsetDateTime,
) -> String {
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
    fn a_new_certificate_expires_in_its_whole_validity() {
        let nb = datetime!(2026-01-01 0:00 UTC);
        let na = nb + ::time::Duration::days(365);
        let a_moment_later = nb + ::time::Duration::milliseconds(40);
        assert_eq!(
            relative_validity(nb, na, a_moment_later),
            "expires in 365 days"
        );
        assert_eq!(
            relative_validity(nb, na, na - ::time::Duration::seconds(50)),
            "expires in 1 minute"
        );
    }

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
    fn serials_keep_their_sign_and_say_their_decimal_when_short() {
        // openssl x509 -text: "Serial Number: 662316 (0xa1b2c)", "-1 (-0x1)".
        assert_eq!(serial_text("0A1B2C"), "0A:1B:2C (662316)");
        assert_eq!(serial_text("-01"), "-01 (-1)");
        assert_eq!(serial_text("-0100"), "-01:00 (-256)");
        assert_eq!(
            serial_text("FFFFFFFFFFFFFFFF"),
            "FF:FF:FF:FF:FF:FF:FF:FF (18446744073709551615)"
        );
        // Longer than 64 bits: openssl prints hex bytes alone.
        assert_eq!(
            serial_text("010000000000000000"),
            "01:00:00:00:00:00:00:00:00"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(summarize(b"\x30\x03\x01\x01").is_err());
        assert!(summarize(&[]).is_err());
        assert!(summarize_pem("hello").is_err());
    }
}
