//! Name constraints (RFC 5280 4.2.1.10): which names a CA's subtrees permit and exclude, so a
//! refused chain can say which name broke which constraint of which CA. webpki gives the verdict;
//! this says where. DNS names, IP addresses, email addresses and URIs are checked, as webpki
//! checks them; directory-name subtrees are shown but not checked here.

use std::net::IpAddr;

use x509_parser::extensions::{GeneralName, NameConstraints};
use x509_parser::prelude::*;

/// A name a certificate holds in its subjectAltName, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    Dns(String),
    Ip(Vec<u8>),
    Email(String),
    Uri(String),
}

impl Name {
    fn of(g: &GeneralName<'_>) -> Option<Name> {
        Some(match g {
            GeneralName::DNSName(d) => Name::Dns(d.to_ascii_lowercase()),
            GeneralName::IPAddress(b) => Name::Ip(b.to_vec()),
            GeneralName::RFC822Name(e) => Name::Email(e.to_string()),
            GeneralName::URI(u) => Name::Uri(u.to_string()),
            _ => return None,
        })
    }
}

/// A subtree of a nameConstraints extension, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subtree {
    Dns(String),
    /// Address then mask: 8 bytes for IPv4, 32 for IPv6.
    Ip(Vec<u8>),
    Email(String),
    Uri(String),
    /// A directory name or another form: shown, not checked here.
    Other(String),
}

impl Subtree {
    pub fn of(g: &GeneralName<'_>) -> Subtree {
        match g {
            GeneralName::DNSName(d) => Subtree::Dns(d.to_ascii_lowercase()),
            GeneralName::IPAddress(b) => Subtree::Ip(b.to_vec()),
            GeneralName::RFC822Name(e) => Subtree::Email(e.to_ascii_lowercase()),
            GeneralName::URI(u) => Subtree::Uri(u.to_ascii_lowercase()),
            other => Subtree::Other(crate::report::general_name(other)),
        }
    }

    /// As `openssl x509 -text` prints a subtree: `DNS:example.com`, `IP:10.0.0.0/255.0.0.0`.
    pub fn text(&self) -> String {
        match self {
            Subtree::Dns(d) => format!("DNS:{d}"),
            Subtree::Email(e) => format!("email:{e}"),
            Subtree::Uri(u) => format!("URI:{u}"),
            Subtree::Ip(b) => match b.len() {
                8 => format!("IP:{}/{}", ip(&b[..4]), ip(&b[4..])),
                32 => format!("IP:{}/{}", ip(&b[..16]), ip(&b[16..])),
                _ => "IP:<invalid>".to_string(),
            },
            Subtree::Other(t) => t.clone(),
        }
    }

    /// Whether the subtree says anything about `name`'s kind of name.
    fn same_kind(&self, name: &Name) -> bool {
        matches!(
            (self, name),
            (Subtree::Dns(_), Name::Dns(_))
                | (Subtree::Ip(_), Name::Ip(_))
                | (Subtree::Email(_), Name::Email(_))
                | (Subtree::Uri(_), Name::Uri(_))
        )
    }

    /// Whether `name` is inside the subtree (RFC 5280 4.2.1.10's rules for each form).
    fn contains(&self, name: &Name) -> bool {
        match (self, name) {
            (Subtree::Dns(c), Name::Dns(n)) => dns_within(n, c),
            (Subtree::Ip(c), Name::Ip(n)) => {
                let half = c.len() / 2;
                n.len() == half
                    && (c.len() == 8 || c.len() == 32)
                    && n.iter()
                        .zip(&c[..half])
                        .zip(&c[half..])
                        .all(|((a, b), m)| a & m == b & m)
            }
            (Subtree::Email(c), Name::Email(n)) => {
                let n = n.to_ascii_lowercase();
                if c.contains('@') {
                    n == *c
                } else {
                    let host = n.rsplit_once('@').map_or("", |(_, h)| h);
                    host_within(host, c)
                }
            }
            (Subtree::Uri(c), Name::Uri(n)) => uri_host(n).is_some_and(|h| host_within(&h, c)),
            _ => false,
        }
    }
}

fn ip(b: &[u8]) -> String {
    match b.len() {
        4 => IpAddr::from([b[0], b[1], b[2], b[3]]).to_string(),
        16 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(b);
            IpAddr::from(o).to_string()
        }
        _ => String::new(),
    }
}

/// A DNS name within a DNS subtree: the name itself or any name below it; an empty subtree holds
/// every name; a leading dot (a common extension) holds the names below only.
fn dns_within(name: &str, subtree: &str) -> bool {
    let name = name.trim_end_matches('.');
    let subtree = subtree.trim_end_matches('.');
    if subtree.is_empty() {
        return true;
    }
    if let Some(below) = subtree.strip_prefix('.') {
        return name.len() > below.len() + 1 && name.ends_with(subtree);
    }
    name == subtree || name.ends_with(&format!(".{subtree}"))
}

/// A host within an email or URI subtree: the host itself, or with a leading dot any host below.
fn host_within(host: &str, subtree: &str) -> bool {
    let host = host.to_ascii_lowercase();
    match subtree.strip_prefix('.') {
        Some(_) => host.ends_with(subtree),
        None => host == subtree,
    }
}

/// The host of a URI: between `scheme://` (and any `user@`) and the port, path or query.
fn uri_host(uri: &str) -> Option<String> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split_once(']').map_or(host, |(h, _)| &h[1..])
    } else {
        host.split(':').next().unwrap_or(host)
    };
    Some(host.to_ascii_lowercase())
}

/// A CA's nameConstraints, owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    pub permitted: Vec<Subtree>,
    pub excluded: Vec<Subtree>,
}

impl Constraints {
    /// The nameConstraints of the certificate `der`, if it reads and has the extension.
    pub fn of_der(der: &[u8]) -> Option<Constraints> {
        let bytes = crate::der::readable_certificate(der);
        let (_, cert) = X509Certificate::from_der(&bytes).ok()?;
        Constraints::of(&cert)
    }

    /// The certificate's nameConstraints, if it has the extension.
    pub fn of(cert: &X509Certificate<'_>) -> Option<Constraints> {
        let nc: &NameConstraints<'_> = &cert.name_constraints().ok().flatten()?.value.clone();
        let all = |s: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
            s.iter()
                .flatten()
                .map(|t| Subtree::of(&t.base))
                .collect::<Vec<_>>()
        };
        Some(Constraints {
            permitted: all(&nc.permitted_subtrees),
            excluded: all(&nc.excluded_subtrees),
        })
    }

    /// What is wrong with `name` under these constraints: the excluded subtree it is in, or,
    /// when subtrees of its kind are permitted, that it is in none of them.
    pub fn breach(&self, name: &Name) -> Option<Breach> {
        if let Some(t) = self.excluded.iter().find(|t| t.contains(name)) {
            return Some(Breach::Excluded(t.clone()));
        }
        let of_kind: Vec<&Subtree> = self
            .permitted
            .iter()
            .filter(|t| t.same_kind(name))
            .collect();
        (!of_kind.is_empty() && !of_kind.iter().any(|t| t.contains(name)))
            .then(|| Breach::NotPermitted(of_kind.into_iter().cloned().collect()))
    }

    /// The permitted and excluded subtrees as openssl prints them.
    pub fn texts(&self) -> (Vec<String>, Vec<String>) {
        (
            self.permitted.iter().map(Subtree::text).collect(),
            self.excluded.iter().map(Subtree::text).collect(),
        )
    }
}

/// How a name breaks a CA's constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// In this excluded subtree.
    Excluded(Subtree),
    /// In none of these permitted subtrees of its kind.
    NotPermitted(Vec<Subtree>),
}

/// The names in a certificate's subjectAltName that constraints apply to, each with its text.
pub fn names_of(cert: &X509Certificate<'_>) -> Vec<(Name, String)> {
    match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|g| Name::of(g).map(|n| (n, crate::report::general_name(g))))
            .collect(),
        _ => vec![],
    }
}

/// The first name of `leaf` that one of `cas` does not allow by its nameConstraints, as the
/// walk would find it: for a handshake refused with NameConstraintViolation, which name and
/// which constraint.
pub fn constraint_breach<'a>(
    leaf: &[u8],
    cas: impl IntoIterator<Item = &'a [u8]>,
) -> Option<crate::verify::Finding> {
    let leaf_bytes = crate::der::readable_certificate(leaf);
    let (_, leaf) = X509Certificate::from_der(&leaf_bytes).ok()?;
    let names = names_of(&leaf);
    cas.into_iter().find_map(|der| {
        let bytes = crate::der::readable_certificate(der);
        let (_, ca) = X509Certificate::from_der(&bytes).ok()?;
        let nc = Constraints::of(&ca)?;
        let subject = crate::names::rfc4514_within(ca.subject(), &bytes);
        names.iter().find_map(|(name, text)| {
            Some(match nc.breach(name)? {
                Breach::Excluded(t) => crate::verify::Finding::NameExcluded {
                    name: text.clone(),
                    subtree: t.text(),
                    ca: subject.clone(),
                },
                Breach::NotPermitted(ts) => crate::verify::Finding::NameNotPermitted {
                    name: text.clone(),
                    permitted: ts.iter().map(|t| t.text()).collect(),
                    ca: subject.clone(),
                },
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 5280 4.2.1.10's examples.
    #[test]
    fn subtrees_hold_names_as_rfc_5280_says() {
        let dns = |s: &str| Subtree::Dns(s.into());
        assert!(dns("example.com").contains(&Name::Dns("example.com".into())));
        assert!(dns("example.com").contains(&Name::Dns("www.example.com".into())));
        assert!(!dns("example.com").contains(&Name::Dns("badexample.com".into())));
        assert!(!dns(".example.com").contains(&Name::Dns("example.com".into())));
        assert!(dns(".example.com").contains(&Name::Dns("a.example.com".into())));
        assert!(dns("").contains(&Name::Dns("anything.org".into())));
        // "192.168.0.0/255.255.0.0" holds 192.168.7.1, not 10.0.0.1, not an IPv6 address.
        let net = Subtree::Ip(vec![192, 168, 0, 0, 255, 255, 0, 0]);
        assert!(net.contains(&Name::Ip(vec![192, 168, 7, 1])));
        assert!(!net.contains(&Name::Ip(vec![10, 0, 0, 1])));
        assert!(!net.contains(&Name::Ip(vec![0; 16])));
        assert_eq!(net.text(), "IP:192.168.0.0/255.255.0.0");
        let email = |s: &str| Subtree::Email(s.into());
        assert!(email("root@example.com").contains(&Name::Email("root@example.com".into())));
        assert!(email("example.com").contains(&Name::Email("a@example.com".into())));
        assert!(!email("example.com").contains(&Name::Email("a@mail.example.com".into())));
        assert!(email(".example.com").contains(&Name::Email("a@mail.example.com".into())));
        let uri = |s: &str| Subtree::Uri(s.into());
        assert!(
            uri("host.example.com").contains(&Name::Uri("https://host.example.com:8443/x".into()))
        );
        assert!(
            !uri("host.example.com").contains(&Name::Uri("https://a.host.example.com/".into()))
        );
        assert!(uri(".example.com").contains(&Name::Uri("spiffe://a.example.com/w".into())));
    }

    #[test]
    fn a_breach_names_the_subtree() {
        let c = Constraints {
            permitted: vec![Subtree::Dns("example.com".into())],
            excluded: vec![Subtree::Dns("secret.example.com".into())],
        };
        assert_eq!(c.breach(&Name::Dns("www.example.com".into())), None);
        assert_eq!(
            c.breach(&Name::Dns("db.secret.example.com".into())),
            Some(Breach::Excluded(Subtree::Dns("secret.example.com".into())))
        );
        assert_eq!(
            c.breach(&Name::Dns("evil.org".into())),
            Some(Breach::NotPermitted(vec![Subtree::Dns(
                "example.com".into()
            )]))
        );
        // Only DNS names are constrained: an IP address is free.
        assert_eq!(c.breach(&Name::Ip(vec![10, 0, 0, 1])), None);
    }
}
