//! Who a client of `serve` is, and whether it may have what it asks: its identity as its
//! certificate names it (`ClientIdentity`), the `--allow` rules (`Rule`) and their verdict
//! (`Authorization`). Re-exported by `serve`, where they are used.

use serde::Serialize;

/// A rule of `--allow`: what a client's certificate must hold to be authorized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Rule {
    /// The subject's common name.
    Cn(String),
    /// A dNSName SAN.
    Dns(String),
    /// An rfc822Name (email) SAN.
    Email(String),
    /// A URI SAN.
    Uri(String),
    /// A URI SAN that is a SPIFFE ID (`spiffe://trust-domain/path`).
    Spiffe(String),
    /// The issuing CA: its common name or its whole name (RFC 4514).
    Issuer(String),
}

/// Why an `--allow` rule cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error(
        "\"{0}\" is not a rule: write KIND:VALUE, with KIND one of cn, dns, email, uri, spiffe, issuer (* in VALUE stands for any run of characters)"
    )]
    Form(String),
    #[error("\"{0}\" is not a SPIFFE ID: it starts with spiffe://")]
    Spiffe(String),
    #[error(
        "\"{0}\": a rule's value has no control characters, and no spaces but in cn: and issuer: (a certificate's names have none)"
    )]
    Value(String),
}

impl std::str::FromStr for Rule {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Rule, RuleError> {
        let (kind, value) = s
            .split_once(':')
            .filter(|(_, v)| !v.is_empty())
            .ok_or_else(|| RuleError::Form(certbench_base::text::display_safe(s, 100)))?;
        // Names have no control characters; only a CN or a CA's name has spaces.
        let spaced = kind.eq_ignore_ascii_case("cn") || kind.eq_ignore_ascii_case("issuer");
        if value
            .chars()
            .any(|c| c.is_control() || (c.is_whitespace() && !spaced))
        {
            return Err(RuleError::Value(certbench_base::text::display_safe(s, 100)));
        }
        let value = value.to_string();
        Ok(match kind.to_ascii_lowercase().as_str() {
            "cn" => Rule::Cn(value),
            "dns" => Rule::Dns(value),
            "email" => Rule::Email(value),
            "uri" => Rule::Uri(value),
            "spiffe" if value.starts_with("spiffe://") => Rule::Spiffe(value),
            "spiffe" => {
                return Err(RuleError::Spiffe(certbench_base::text::display_safe(
                    &value, 100,
                )));
            }
            "issuer" => Rule::Issuer(value),
            _ => return Err(RuleError::Form(certbench_base::text::display_safe(s, 100))),
        })
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, value) = match self {
            Rule::Cn(v) => ("cn", v),
            Rule::Dns(v) => ("dns", v),
            Rule::Email(v) => ("email", v),
            Rule::Uri(v) => ("uri", v),
            Rule::Spiffe(v) => ("spiffe", v),
            Rule::Issuer(v) => ("issuer", v),
        };
        write!(f, "{kind}:{value}")
    }
}

/// `pattern` matches `value`, where each `*` stands for any run of characters (dots too:
/// `dns:*.example.com` takes `a.b.example.com`). Names compare without regard to ASCII case (DNS
/// names and CNs are case-insensitive).
fn matches(pattern: &str, value: &str, fold_case: bool) -> bool {
    let (p, v) = if fold_case {
        (pattern.to_ascii_lowercase(), value.to_ascii_lowercase())
    } else {
        (pattern.to_string(), value.to_string())
    };
    let mut parts = p.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = v.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole value.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// The client as its certificate names it: what the rules look at, the page says, and the log
/// records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientIdentity {
    /// RFC 4514.
    pub subject: String,
    pub common_name: Option<String>,
    pub issuer: String,
    /// The issuing CA's common name, read from the certificate (not from the text above).
    pub issuer_common_name: Option<String>,
    /// Uppercase hex, as openssl prints it.
    pub serial: String,
    /// SHA-256 of the certificate, uppercase hex with colons.
    pub sha256: String,
    pub dns_names: Vec<String>,
    pub emails: Vec<String>,
    pub uris: Vec<String>,
}

impl ClientIdentity {
    /// From the client's certificate (DER), as the server received it.
    pub fn of(der: &[u8]) -> Option<ClientIdentity> {
        use x509_parser::extensions::{GeneralName, SubjectAlternativeName};
        use x509_parser::nom::Parser;
        use x509_parser::oid_registry::OID_X509_EXT_SUBJECT_ALT_NAME;
        use x509_parser::prelude::*;
        let readable = certbench_x509::der::readable_certificate(der);
        // Read per connection: the names, and of the extensions the SAN alone (webpki has
        // already checked the rest of it).
        let (_, cert) = X509CertificateParser::new()
            .with_deep_parse_extensions(false)
            .parse(&readable)
            .ok()?;
        let safe = |s: &str| certbench_base::text::display_safe(s, 400);
        let mut id = ClientIdentity {
            subject: safe(&certbench_x509::names::rfc4514_within(
                cert.subject(),
                &readable,
            )),
            common_name: certbench_x509::names::common_name(cert.subject()).map(|c| safe(&c)),
            issuer: safe(&certbench_x509::names::rfc4514_within(
                cert.issuer(),
                &readable,
            )),
            issuer_common_name: certbench_x509::names::common_name(cert.issuer()),
            serial: certbench_x509::report::openssl_serial(cert.raw_serial()),
            sha256: certbench_x509::sha256_fingerprint(der),
            dns_names: vec![],
            emails: vec![],
            uris: vec![],
        };
        if let Ok(Some(ext)) = cert.get_extension_unique(&OID_X509_EXT_SUBJECT_ALT_NAME)
            && let Ok((_, san)) = SubjectAlternativeName::from_der(ext.value)
        {
            for name in &san.general_names {
                match name {
                    GeneralName::DNSName(d) => id.dns_names.push(safe(d)),
                    GeneralName::RFC822Name(e) => id.emails.push(safe(e)),
                    GeneralName::URI(u) => id.uris.push(safe(u)),
                    _ => {}
                }
            }
        }
        Some(id)
    }

    /// Whether `rule` names this client.
    pub fn matches(&self, rule: &Rule) -> bool {
        let any = |list: &[String], p: &str, fold| list.iter().any(|v| matches(p, v, fold));
        match rule {
            Rule::Cn(p) => self
                .common_name
                .as_deref()
                .is_some_and(|cn| matches(p, cn, true)),
            Rule::Dns(p) => any(&self.dns_names, p.trim_end_matches('.'), true),
            Rule::Email(p) => any(&self.emails, p, true),
            Rule::Uri(p) | Rule::Spiffe(p) => any(&self.uris, p, false),
            Rule::Issuer(p) => {
                matches(p, &self.issuer, false)
                    || self
                        .issuer_common_name
                        .as_deref()
                        .is_some_and(|cn| matches(p, cn, true))
            }
        }
    }
}

/// Whether the client may have what it asks for, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Authorization {
    /// No `--allow` rule was given: authentication is enough.
    NoRules,
    /// The first rule that names the client.
    Allowed { rule: String },
    /// Authenticated, and no rule names it.
    Denied,
    /// Rules were given and the client sent no certificate (client authentication optional).
    Anonymous,
}

impl Authorization {
    pub fn allowed(&self) -> bool {
        matches!(self, Authorization::NoRules | Authorization::Allowed { .. })
    }

    /// The decision for `client` under `rules`.
    pub fn decide(rules: &[Rule], client: Option<&ClientIdentity>) -> Authorization {
        if rules.is_empty() {
            return Authorization::NoRules;
        }
        let Some(client) = client else {
            return Authorization::Anonymous;
        };
        match rules.iter().find(|r| client.matches(r)) {
            Some(r) => Authorization::Allowed {
                rule: r.to_string(),
            },
            None => Authorization::Denied,
        }
    }
}
