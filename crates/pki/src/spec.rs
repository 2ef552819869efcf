//! What a user asks for: a plain request struct a form can bind to, role defaults, and validation
//! that says, field by field, what is wrong.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use certbench_base::text::NotAChoice;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use certbench_x509::Role;

/// The key types certbench can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum KeyAlg {
    #[default]
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    #[serde(rename = "ed25519")]
    Ed25519,
    #[serde(rename = "rsa2048")]
    Rsa2048,
    #[serde(rename = "rsa3072")]
    Rsa3072,
    #[serde(rename = "rsa4096")]
    Rsa4096,
}

impl KeyAlg {
    pub const ALL: [KeyAlg; 6] = [
        KeyAlg::EcdsaP256,
        KeyAlg::EcdsaP384,
        KeyAlg::Ed25519,
        KeyAlg::Rsa2048,
        KeyAlg::Rsa3072,
        KeyAlg::Rsa4096,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlg::EcdsaP256 => "ecdsa-p256",
            KeyAlg::EcdsaP384 => "ecdsa-p384",
            KeyAlg::Ed25519 => "ed25519",
            KeyAlg::Rsa2048 => "rsa2048",
            KeyAlg::Rsa3072 => "rsa3072",
            KeyAlg::Rsa4096 => "rsa4096",
        }
    }

    /// How a person would say it.
    pub fn title(self) -> &'static str {
        match self {
            KeyAlg::EcdsaP256 => "ECDSA P-256",
            KeyAlg::EcdsaP384 => "ECDSA P-384",
            KeyAlg::Ed25519 => "Ed25519",
            KeyAlg::Rsa2048 => "RSA 2048",
            KeyAlg::Rsa3072 => "RSA 3072",
            KeyAlg::Rsa4096 => "RSA 4096",
        }
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, KeyAlg::Rsa2048 | KeyAlg::Rsa3072 | KeyAlg::Rsa4096)
    }

    /// RSA keys take from a fraction of a second to several seconds to make.
    pub fn is_slow(self) -> bool {
        self.is_rsa()
    }
}

impl fmt::Display for KeyAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyAlg {
    type Err = NotAChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.to_ascii_lowercase().replace('_', "-");
        KeyAlg::ALL
            .into_iter()
            .find(|a| a.as_str() == wanted)
            .ok_or_else(|| NotAChoice {
                given: s.to_string(),
                what: "a key type",
                takes: format!("one of {}", KeyAlg::ALL.map(|a| a.as_str()).join(", ")),
            })
    }
}

/// Key usage bits a person would choose (RFC 5280 4.2.1.3), named as openssl names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyUsage {
    DigitalSignature,
    KeyEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
}

impl KeyUsage {
    pub const ALL: [KeyUsage; 5] = [
        KeyUsage::DigitalSignature,
        KeyUsage::KeyEncipherment,
        KeyUsage::KeyAgreement,
        KeyUsage::KeyCertSign,
        KeyUsage::CrlSign,
    ];

    /// The name openssl's config files use (`keyUsage = digitalSignature`).
    pub fn openssl_name(self) -> &'static str {
        match self {
            KeyUsage::DigitalSignature => "digitalSignature",
            KeyUsage::KeyEncipherment => "keyEncipherment",
            KeyUsage::KeyAgreement => "keyAgreement",
            KeyUsage::KeyCertSign => "keyCertSign",
            KeyUsage::CrlSign => "cRLSign",
        }
    }
}

impl FromStr for KeyUsage {
    type Err = NotAChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyUsage::ALL
            .into_iter()
            .find(|k| k.openssl_name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| NotAChoice {
                given: s.to_string(),
                what: "a key usage",
                takes: KeyUsage::ALL.map(|k| k.openssl_name()).join(", "),
            })
    }
}

/// Extended key usages for TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtKeyUsage {
    ServerAuth,
    ClientAuth,
    /// A delegated OCSP responder's (RFC 6960 4.2.2.2).
    #[serde(rename = "OCSPSigning")]
    OcspSigning,
}

impl ExtKeyUsage {
    pub const ALL: [ExtKeyUsage; 3] = [
        ExtKeyUsage::ServerAuth,
        ExtKeyUsage::ClientAuth,
        ExtKeyUsage::OcspSigning,
    ];

    pub fn openssl_name(self) -> &'static str {
        match self {
            ExtKeyUsage::ServerAuth => "serverAuth",
            ExtKeyUsage::ClientAuth => "clientAuth",
            ExtKeyUsage::OcspSigning => "OCSPSigning",
        }
    }
}

impl FromStr for ExtKeyUsage {
    type Err = NotAChoice;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExtKeyUsage::ALL
            .into_iter()
            .find(|k| k.openssl_name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| NotAChoice {
                given: s.to_string(),
                what: "an extended key usage",
                takes: "serverAuth, clientAuth or OCSPSigning".into(),
            })
    }
}

/// One subjectAltName entry, parsed from what a user types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SanEntry {
    Dns(String),
    Ip(IpAddr),
    Email(String),
    Uri(String),
}

impl SanEntry {
    /// Parse `localhost`, `127.0.0.1`, `::1`, `email:a@b`, `uri:spiffe://td/x`; the openssl
    /// prefixes `DNS:` and `IP:` are accepted too.
    pub fn parse(input: &str) -> Result<SanEntry, InputError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(InputError::EmptySan);
        }
        let (prefix, rest) = match s.split_once(':') {
            Some((p, r))
                if ["dns", "ip", "email", "uri"].contains(&p.to_ascii_lowercase().as_str()) =>
            {
                (Some(p.to_ascii_lowercase()), r)
            }
            _ => (None, s),
        };
        match prefix.as_deref() {
            Some("email") => validate_email(rest).map(|()| SanEntry::Email(rest.to_string())),
            Some("uri") => validate_uri(rest).map(|()| SanEntry::Uri(rest.to_string())),
            Some("ip") => IpAddr::from_str(rest)
                .map(SanEntry::Ip)
                .map_err(|_| InputError::NotIp(rest.to_string())),
            Some("dns") => {
                validate_dns_name(rest).map(|()| SanEntry::Dns(rest.to_ascii_lowercase()))
            }
            _ => {
                if let Ok(ip) = IpAddr::from_str(s) {
                    return Ok(SanEntry::Ip(ip));
                }
                if looks_like_ip(s) {
                    return Err(InputError::InvalidIp(s.to_string()));
                }
                // What people write without the prefix that says what it is.
                if s.contains("://") {
                    return Err(InputError::UriWithoutPrefix(s.to_string()));
                }
                if s.contains('@') {
                    return Err(InputError::EmailWithoutPrefix(s.to_string()));
                }
                if let Some((addr, _zone)) = s.split_once('%')
                    && IpAddr::from_str(addr).is_ok()
                {
                    return Err(InputError::IpZone {
                        input: s.to_string(),
                        addr: addr.to_string(),
                    });
                }
                validate_dns_name(s).map(|()| SanEntry::Dns(s.to_ascii_lowercase()))
            }
        }
    }

    /// A name a TLS client dials (a DNS name or an IP address), as it is written in a CN: the
    /// name alone, never the prefix that said its type. None for an email or a URI.
    pub fn host_name(&self) -> Option<String> {
        match self {
            SanEntry::Dns(d) => Some(d.clone()),
            SanEntry::Ip(ip) => Some(ip.to_string()),
            SanEntry::Email(_) | SanEntry::Uri(_) => None,
        }
    }

    /// The CN a certificate named by `sans` takes: the first SAN that is a host name, as the
    /// name alone. None when no SAN is one (the caller falls back to the certificate's name).
    pub fn common_name_of(sans: &[String]) -> Option<String> {
        sans.iter()
            .filter_map(|s| SanEntry::parse(s).ok())
            .find_map(|s| s.host_name())
    }

    /// As openssl prints it in `-text` and takes it in an extfile.
    pub fn openssl_string(&self) -> String {
        match self {
            SanEntry::Dns(d) => format!("DNS:{d}"),
            SanEntry::Ip(ip) => format!("IP:{ip}"),
            SanEntry::Email(e) => format!("email:{e}"),
            SanEntry::Uri(u) => format!("URI:{u}"),
        }
    }
}

/// Digits, dots and colons only: meant as an IP, so a DNS name reading of it would surprise.
fn looks_like_ip(s: &str) -> bool {
    (s.contains('.') && s.chars().all(|c| c.is_ascii_digit() || c == '.'))
        || (s.contains(':')
            && s.chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.'))
}

fn validate_dns_name(name: &str) -> Result<(), InputError> {
    if name.is_empty() {
        return Err(InputError::EmptyDnsName);
    }
    if name.len() > 253 {
        return Err(InputError::DnsNameTooLong);
    }
    let labels: Vec<&str> = name.strip_suffix('.').unwrap_or(name).split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if *label == "*" && i == 0 && labels.len() > 2 {
            continue;
        }
        if label.contains('*') {
            return Err(InputError::Wildcard(name.to_string()));
        }
        if label.is_empty() {
            return Err(InputError::EmptyLabel(name.to_string()));
        }
        if label.len() > 63 {
            return Err(InputError::LabelTooLong(name.to_string()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(InputError::LabelHyphen(name.to_string()));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(InputError::DnsChar {
                name: name.to_string(),
                bad,
            });
        }
    }
    Ok(())
}

fn validate_email(s: &str) -> Result<(), InputError> {
    match s.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && s.is_ascii() && !s.contains(' ') =>
        {
            Ok(())
        }
        _ => Err(InputError::NotEmail(s.to_string())),
    }
}

fn validate_uri(s: &str) -> Result<(), InputError> {
    let scheme_ok = s.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
    });
    if !scheme_ok || !s.is_ascii() || s.contains(char::is_whitespace) {
        return Err(InputError::NotUri(s.to_string()));
    }
    Ok(())
}

/// An IP range for name constraints, as `10.0.0.0/8` or `fd00::/8`.
pub fn parse_cidr(s: &str) -> Result<(IpAddr, u8), InputError> {
    let err = || InputError::NotCidr(s.to_string());
    let (addr, prefix) = s.trim().split_once('/').ok_or_else(err)?;
    let addr = IpAddr::from_str(addr).map_err(|_| err())?;
    let prefix: u8 = prefix.parse().map_err(|_| err())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if prefix > max {
        return Err(InputError::PrefixTooLong {
            input: s.to_string(),
            max,
        });
    }
    // Bits set past the prefix are ignored by whoever reads the constraint: say what is meant.
    let network = match addr {
        IpAddr::V4(a) => IpAddr::V4(std::net::Ipv4Addr::from(
            u32::from(a) & u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0),
        )),
        IpAddr::V6(a) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(a) & u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0),
        )),
    };
    if network != addr {
        return Err(InputError::HostBits {
            input: s.to_string(),
            prefix,
            network,
        });
    }
    Ok((addr, prefix))
}

pub use certbench_base::times::parse_not_before;

/// The subject's attributes a person sets for a private PKI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subject {
    pub common_name: String,
    pub organization: String,
    pub organizational_unit: String,
    pub country: String,
}

/// Everything needed to issue one certificate. Plain data with defaults, so a form binds to it.
/// Text fields hold what the user typed; [`IssueSpec::validate`] says what is wrong with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueSpec {
    /// The file stem in the workspace: NAME.crt, NAME.key.
    pub name: String,
    pub role: Role,
    /// The issuing CA's name in the workspace; empty for a root CA.
    pub issuer: String,
    pub subject: Subject,
    pub sans: Vec<String>,
    pub key_alg: KeyAlg,
    /// Empty for now; see [`parse_not_before`].
    pub not_before: String,
    pub days: u32,
    /// CA certificates only; `None` is no limit.
    pub path_len: Option<u8>,
    pub permitted_dns: Vec<String>,
    pub excluded_dns: Vec<String>,
    pub permitted_ip: Vec<String>,
    pub excluded_ip: Vec<String>,
    /// `None` takes the role's default.
    pub key_usages: Option<Vec<KeyUsage>>,
    /// `None` takes the role's default.
    pub ext_key_usages: Option<Vec<ExtKeyUsage>>,
    /// Where a client asks an OCSP responder about it (authorityInfoAccess); empty for nowhere.
    pub ocsp_url: String,
    /// Where its issuer's CRL is (cRLDistributionPoints); empty for nowhere. `{issuer}` stands
    /// for the issuing CA's name, so one URL serves a whole workspace.
    pub crl_url: String,
}

impl Default for IssueSpec {
    fn default() -> Self {
        IssueSpec::for_role(Role::Server, "server")
    }
}

impl IssueSpec {
    /// The defaults a person starts from for this role.
    pub fn for_role(role: Role, name: &str) -> IssueSpec {
        IssueSpec::for_role_in(role, name, "")
    }

    /// As [`IssueSpec::for_role`], in a workspace whose set is `set_id` (see
    /// `Workspace::set_id`): a CA's default name carries it, so two workspaces' CAs are told apart.
    pub fn for_role_in(role: Role, name: &str, set_id: &str) -> IssueSpec {
        // A CA's name is what its certificates show as their issuer: another CA than the set's own
        // gets its own (two CAs with one name make every chain under one of them fail), and so
        // does another workspace's.
        let ca_name = |base: &str, default: &str| {
            let mut parts = vec![base];
            if !name.trim().is_empty() && name != default {
                parts.push(name.trim());
            }
            if !set_id.is_empty() {
                parts.push(set_id);
            }
            parts.join(" ")
        };
        let (cn, sans, issuer, path_len) = match role {
            Role::Ca => (
                ca_name("certbench Root CA", "ca"),
                vec![],
                String::new(),
                None,
            ),
            Role::Intermediate => (
                ca_name("certbench Intermediate CA", "intermediate"),
                vec![],
                "ca".into(),
                Some(0),
            ),
            Role::Server => (
                "localhost".to_string(),
                vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
                "intermediate".into(),
                None,
            ),
            Role::Client => (name.to_string(), vec![], "intermediate".into(), None),
            Role::Ocsp => (
                format!("certbench OCSP responder {name}")
                    .trim()
                    .to_string(),
                vec![],
                "intermediate".into(),
                None,
            ),
        };
        IssueSpec {
            name: name.to_string(),
            role,
            issuer,
            subject: Subject {
                common_name: cn,
                organization: "certbench".into(),
                ..Subject::default()
            },
            sans,
            key_alg: KeyAlg::default(),
            not_before: String::new(),
            days: role.default_days(),
            path_len,
            permitted_dns: vec![],
            excluded_dns: vec![],
            permitted_ip: vec![],
            excluded_ip: vec![],
            key_usages: None,
            ext_key_usages: None,
            ocsp_url: String::new(),
            crl_url: String::new(),
        }
    }

    /// Key usages in force: the user's choice, else the role's default.
    pub fn effective_key_usages(&self) -> Vec<KeyUsage> {
        if let Some(k) = &self.key_usages {
            return k.clone();
        }
        match self.role {
            Role::Ca | Role::Intermediate => vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign],
            // RSA key transport (TLS 1.2 RSA kx) needs keyEncipherment; ECDHE suites do not.
            Role::Server if self.key_alg.is_rsa() => {
                vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
            }
            Role::Server | Role::Client | Role::Ocsp => vec![KeyUsage::DigitalSignature],
        }
    }

    /// Extended key usages in force: the user's choice, else the role's default.
    pub fn effective_ext_key_usages(&self) -> Vec<ExtKeyUsage> {
        if let Some(k) = &self.ext_key_usages {
            return k.clone();
        }
        match self.role {
            Role::Ca | Role::Intermediate => vec![],
            Role::Server => vec![ExtKeyUsage::ServerAuth],
            Role::Client => vec![ExtKeyUsage::ClientAuth],
            Role::Ocsp => vec![ExtKeyUsage::OcspSigning],
        }
    }

    /// The CRL URL with `{issuer}` filled in; `None` when there is none.
    pub fn crl_url_for_issuer(&self) -> Option<String> {
        let url = self.crl_url.trim();
        (!url.is_empty()).then(|| url.replace("{issuer}", self.issuer.trim()))
    }

    /// The OCSP URL; `None` when there is none.
    pub fn ocsp_url(&self) -> Option<String> {
        let url = self.ocsp_url.trim();
        (!url.is_empty()).then(|| url.to_string())
    }

    /// Parsed SANs; call after [`IssueSpec::validate`] found nothing wrong.
    pub fn parsed_sans(&self) -> Vec<SanEntry> {
        self.sans
            .iter()
            .filter_map(|s| SanEntry::parse(s).ok())
            .collect()
    }

    /// Every problem with the request, by field. `known_cas` are the CAs that could issue it.
    pub fn validate(&self, known_cas: &[String], now: OffsetDateTime) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err =
            |field: Field, problem: RequestProblem| errors.push(FieldError { field, problem });

        if let Err(m) = validate_entity_name(&self.name) {
            err(Field::Name, m.into());
        }
        match self.role {
            Role::Ca => {
                if !self.issuer.trim().is_empty() {
                    err(Field::Issuer, RequestProblem::RootWithIssuer);
                }
            }
            _ => {
                let issuer = self.issuer.trim();
                if issuer.is_empty() {
                    err(Field::Issuer, RequestProblem::NoIssuer { role: self.role });
                } else if issuer == self.name.trim() {
                    err(Field::Issuer, RequestProblem::SelfIssued);
                } else if !known_cas.iter().any(|c| c == issuer) {
                    let problem = if known_cas.is_empty() {
                        RequestProblem::NoCaYet
                    } else {
                        RequestProblem::UnknownCa {
                            issuer: issuer.to_string(),
                            cas: known_cas.to_vec(),
                        }
                    };
                    err(Field::Issuer, problem);
                }
            }
        }
        let s = &self.subject;
        if s.common_name.chars().count() > 64 {
            err(Field::CommonName, RequestProblem::CnTooLong);
        }
        if s.common_name.chars().any(char::is_control) {
            err(Field::CommonName, RequestProblem::ControlCharacters);
        }
        if s.organization.chars().count() > 64 {
            err(Field::Organization, RequestProblem::TooLong);
        }
        if s.organizational_unit.chars().count() > 64 {
            err(Field::OrganizationalUnit, RequestProblem::TooLong);
        }
        let country_ok = s.country.is_empty()
            || (s.country.len() == 2 && s.country.chars().all(|c| c.is_ascii_uppercase()));
        if !country_ok {
            err(Field::Country, RequestProblem::Country);
        }
        if self.role.is_ca() && s.common_name.trim().is_empty() {
            err(Field::CommonName, RequestProblem::CaWithoutCn);
        }

        let mut sans_ok = 0;
        for san in &self.sans {
            match SanEntry::parse(san) {
                Ok(_) => sans_ok += 1,
                Err(m) => err(Field::Sans, m.into()),
            }
        }
        if self.role == Role::Server && self.sans.is_empty() {
            err(Field::Sans, RequestProblem::ServerWithoutSan);
        }
        if self.role == Role::Client && sans_ok == 0 && s.common_name.trim().is_empty() {
            err(Field::CommonName, RequestProblem::ClientWithoutName);
        }

        let not_before = parse_not_before(&self.not_before, now);
        if let Err(e) = &not_before {
            err(Field::NotBefore, e.clone().into());
        }
        if let Ok(nb) = not_before
            && self.days > 0
            && certbench_base::times::validity_end(nb, self.days).is_none()
        {
            err(
                Field::Days,
                RequestProblem::PastX509 {
                    days: self.days,
                    from: nb,
                },
            );
        }
        if self.days == 0 {
            err(Field::Days, RequestProblem::ZeroDays);
        } else if self.days > MAX_DAYS {
            err(Field::Days, InputError::TooManyDays.into());
        }

        if self.path_len.is_some() && self.role.is_leaf() {
            err(Field::PathLen, RequestProblem::PathLenOnLeaf);
        }
        let constraints = [
            (Field::PermittedDns, &self.permitted_dns, false),
            (Field::ExcludedDns, &self.excluded_dns, false),
            (Field::PermittedIp, &self.permitted_ip, true),
            (Field::ExcludedIp, &self.excluded_ip, true),
        ];
        for (field, values, is_ip) in constraints {
            if values.is_empty() {
                continue;
            }
            if self.role.is_leaf() {
                err(field, RequestProblem::ConstraintsOnLeaf);
                continue;
            }
            for v in values {
                let r = if is_ip {
                    parse_cidr(v).map(|_| ())
                } else {
                    // A constraint may start with a dot (".example.com": subdomains only).
                    validate_dns_name(v.strip_prefix('.').unwrap_or(v))
                };
                if let Err(m) = r {
                    err(field, m.into());
                }
            }
        }
        let kus = self.effective_key_usages();
        if self.role.is_ca() && !kus.contains(&KeyUsage::KeyCertSign) {
            err(Field::KeyUsage, RequestProblem::CaWithoutKeyCertSign);
        }
        if self.role.is_leaf()
            && (kus.contains(&KeyUsage::KeyCertSign) || kus.contains(&KeyUsage::CrlSign))
        {
            err(Field::KeyUsage, RequestProblem::LeafWithCaUsage);
        }
        if kus.contains(&KeyUsage::KeyEncipherment) && !self.key_alg.is_rsa() {
            err(Field::KeyUsage, RequestProblem::KeyEnciphermentNeedsRsa);
        }
        if self.role == Role::Ocsp
            && !self
                .effective_ext_key_usages()
                .contains(&ExtKeyUsage::OcspSigning)
        {
            err(
                Field::ExtKeyUsage,
                RequestProblem::ResponderWithoutOcspSigning,
            );
        }
        if self.role == Role::Ocsp && !kus.contains(&KeyUsage::DigitalSignature) {
            err(
                Field::KeyUsage,
                RequestProblem::ResponderWithoutDigitalSignature,
            );
        }
        for (field, url) in [
            (Field::OcspUrl, &self.ocsp_url),
            (Field::CrlUrl, &self.crl_url),
        ] {
            if url.trim().is_empty() {
                continue;
            }
            if self.role == Role::Ca {
                err(field, RequestProblem::RevocationUrlOnRoot);
            } else if let Err(m) = validate_http_url(url.trim()) {
                err(field, m.into());
            }
        }
        errors
    }
}

/// An http:// URL as a certificate carries one for OCSP or a CRL: ASCII, no spaces, a host.
/// (RFC 5280 4.2.1.13 and RFC 6960 2.1 allow https, but a client that must check the
/// revocation of the responder's own certificate first would go round in circles: every client
/// fetches these over plain HTTP, and the answers are signed.)
pub fn validate_http_url(url: &str) -> Result<(), InputError> {
    let bad = || InputError::NotHttpUrl(url.to_string());
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // A port, when there is one, is a port from 1 to 65535 (an IPv6 address is in brackets).
    let port = if authority.starts_with('[') {
        authority.split_once("]:").map(|(_, p)| p)
    } else {
        authority.rsplit_once(':').map(|(_, p)| p)
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if authority.is_empty()
        || authority.starts_with(':')
        || !port_ok
        || !url.is_ascii()
        || url
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return Err(bad());
    }
    Ok(())
}

/// The most days a certificate may be valid for (100 years).
pub const MAX_DAYS: u32 = 36_500;

/// A validity in days as typed: a whole number from 1 to [`MAX_DAYS`].
pub fn parse_days(s: &str) -> Result<u32, InputError> {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(n) if (1..=i64::from(MAX_DAYS)).contains(&n) => Ok(n as u32),
        Ok(n) if n < 1 => Err(InputError::DaysNotPositive),
        Ok(_) => Err(InputError::TooManyDays),
        Err(_)
            if !t.is_empty()
                && t.trim_start_matches(['-', '+'])
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            Err(InputError::DaysTooLarge(t.to_string()))
        }
        Err(_) => Err(InputError::NotDays(t.to_string())),
    }
}

/// A file stem in the workspace.
pub fn validate_entity_name(name: &str) -> Result<(), InputError> {
    if name.is_empty() {
        return Err(InputError::NameEmpty);
    }
    if name.len() > 64 {
        return Err(InputError::NameTooLong);
    }
    if name.starts_with('.') || name.starts_with('-') {
        return Err(InputError::NameStart);
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c)))
    {
        return Err(InputError::NameChar(c));
    }
    if name.ends_with("-chain") {
        return Err(InputError::NameChain);
    }
    Ok(())
}

/// What is wrong with a value typed for a request (a SAN, an IP range, a number of days, a
/// name); its words are its `Display`, shown next to the field or on stderr.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("an empty SAN")]
    EmptySan,
    #[error("\"{0}\" is not an IPv4 or IPv6 address")]
    NotIp(String),
    #[error("\"{0}\" is not a valid IP address")]
    InvalidIp(String),
    #[error("\"{0}\" is a URI: write it uri:{0}")]
    UriWithoutPrefix(String),
    #[error("\"{0}\" is an email address: write it email:{0}")]
    EmailWithoutPrefix(String),
    #[error("\"{input}\": an address with a zone (%...) cannot be in a certificate; write {addr}")]
    IpZone { input: String, addr: String },
    #[error("an empty DNS name")]
    EmptyDnsName,
    #[error("a DNS name is at most 253 characters")]
    DnsNameTooLong,
    #[error("\"{0}\": a wildcard must be the whole leftmost label, as in *.example.com")]
    Wildcard(String),
    #[error("\"{0}\" has an empty label")]
    EmptyLabel(String),
    #[error("\"{0}\" has a label longer than 63 characters")]
    LabelTooLong(String),
    #[error("\"{0}\": a label cannot start or end with '-'")]
    LabelHyphen(String),
    #[error(
        "\"{name}\" is not a DNS name ({} is not allowed; internationalised names need their xn-- form)",
        certbench_base::text::shown_char(*.bad)
    )]
    DnsChar { name: String, bad: char },
    #[error("\"{0}\" is not an email address")]
    NotEmail(String),
    #[error("\"{0}\" is not a URI (expected scheme:rest, as in spiffe://example.org/service)")]
    NotUri(String),
    #[error("\"{0}\" is not an IP range (expected address/prefix, as in 10.0.0.0/8)")]
    NotCidr(String),
    #[error("\"{input}\": the prefix length is at most {max}")]
    PrefixTooLong { input: String, max: u8 },
    #[error("\"{input}\" has bits set past its /{prefix} prefix: write {network}/{prefix}")]
    HostBits {
        input: String,
        prefix: u8,
        network: IpAddr,
    },
    #[error("days must be positive (a whole number from 1 to {MAX_DAYS})")]
    DaysNotPositive,
    #[error("at most {MAX_DAYS} days (100 years)")]
    TooManyDays,
    #[error(
        "\"{}\" is too large (a whole number from 1 to {MAX_DAYS})",
        certbench_base::text::display_safe(.0, 40)
    )]
    DaysTooLarge(String),
    #[error(
        "\"{}\" is not a number of days (a whole number from 1 to {MAX_DAYS})",
        certbench_base::text::display_safe(.0, 40)
    )]
    NotDays(String),
    #[error("a name is needed: it is the file name (NAME.crt, NAME.key)")]
    NameEmpty,
    #[error("a name is at most 64 characters")]
    NameTooLong,
    #[error("a name cannot start with '.' or '-'")]
    NameStart,
    #[error(
        "{} is not allowed in a name (ASCII letters and digits, '.', '_' and '-': it is a file name)",
        certbench_base::text::shown_char(*.0)
    )]
    NameChar(char),
    #[error("a name cannot end in \"-chain\": NAME-chain.crt is the chain file")]
    NameChain,
    #[error(
        "\"{}\" is not an http:// URL: a host, then a port from 1 to 65535 if any, then a path (as in http://127.0.0.1:8888)",
        certbench_base::text::display_safe(.0, 80)
    )]
    NotHttpUrl(String),
}

/// A form field, for errors shown next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Role,
    Issuer,
    CommonName,
    Organization,
    OrganizationalUnit,
    Country,
    Sans,
    KeyAlg,
    NotBefore,
    Days,
    PathLen,
    PermittedDns,
    ExcludedDns,
    PermittedIp,
    ExcludedIp,
    KeyUsage,
    ExtKeyUsage,
    OcspUrl,
    CrlUrl,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Role => "role",
            Field::Issuer => "issuer",
            Field::CommonName => "CN",
            Field::Organization => "O",
            Field::OrganizationalUnit => "OU",
            Field::Country => "C",
            Field::Sans => "SANs",
            Field::KeyAlg => "key type",
            Field::NotBefore => "not before",
            Field::Days => "days",
            Field::PathLen => "path length",
            Field::PermittedDns => "permitted DNS",
            Field::ExcludedDns => "excluded DNS",
            Field::PermittedIp => "permitted IP ranges",
            Field::ExcludedIp => "excluded IP ranges",
            Field::KeyUsage => "key usage",
            Field::ExtKeyUsage => "extended key usage",
            Field::OcspUrl => "OCSP URL",
            Field::CrlUrl => "CRL URL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub problem: RequestProblem,
}

/// What is wrong with one field of a request; its words are its `Display`, shown next to the
/// field (the form) or after the field's name (the CLI).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestProblem {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Choice(#[from] NotAChoice),
    #[error(transparent)]
    Time(#[from] certbench_base::times::TimeInputError),
    #[error("a root CA signs itself: leave the issuer empty")]
    RootWithIssuer,
    #[error("a {} needs an issuing CA", .role.title())]
    NoIssuer { role: Role },
    #[error("a certificate cannot be issued by itself (make it a root CA)")]
    SelfIssued,
    #[error("there is no CA in the workspace yet: issue a root CA first")]
    NoCaYet,
    #[error("no CA named \"{issuer}\" (CAs: {})", .cas.join(", "))]
    UnknownCa { issuer: String, cas: Vec<String> },
    #[error("a CN is at most 64 characters (RFC 5280 ub-common-name)")]
    CnTooLong,
    #[error("control characters are not allowed")]
    ControlCharacters,
    #[error("at most 64 characters")]
    TooLong,
    #[error("a country is two capital letters (ISO 3166), as in DE")]
    Country,
    #[error("a CA needs a CN: it is the name its certificates show as issuer")]
    CaWithoutCn,
    #[error(
        "a server needs at least one SAN: clients check the name they dialled against the SANs, not the CN"
    )]
    ServerWithoutSan,
    #[error("a client needs a CN or a SAN to say who it is")]
    ClientWithoutName,
    #[error(
        "{days} days from {} ends after {}, the last time X.509 can encode",
        certbench_base::text::rfc3339(*.from),
        certbench_base::text::rfc3339(certbench_base::times::X509_LATEST)
    )]
    PastX509 { days: u32, from: OffsetDateTime },
    #[error("the validity ends after 9999-12-31, the last time X.509 can encode")]
    EndsPastX509,
    #[error("a certificate must be valid for at least one day")]
    ZeroDays,
    #[error("a path length applies only to CA certificates")]
    PathLenOnLeaf,
    #[error("a number from 0 to 255, or empty for no limit")]
    PathLenNotANumber,
    #[error("name constraints apply only to CA certificates")]
    ConstraintsOnLeaf,
    #[error("a CA needs keyCertSign to sign certificates")]
    CaWithoutKeyCertSign,
    #[error("a leaf certificate must not have keyCertSign or cRLSign")]
    LeafWithCaUsage,
    #[error("keyEncipherment needs an RSA key")]
    KeyEnciphermentNeedsRsa,
    #[error("\"{0}\" is not ASCII")]
    NotAscii(String),
    #[error("a root CA is trusted as it is: no client asks anyone whether it is revoked")]
    RevocationUrlOnRoot,
    #[error(
        "an OCSP responder needs extendedKeyUsage OCSPSigning: without it, clients refuse what it signs (RFC 6960 4.2.2.2)"
    )]
    ResponderWithoutOcspSigning,
    #[error("an OCSP responder signs its answers: its key usage needs digitalSignature")]
    ResponderWithoutDigitalSignature,
    /// The CLI's `issue` without `--role` and `--name` (and no `--csr`).
    #[error("--role and --name are needed (or --csr FILE)")]
    RoleAndNameNeeded,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_urls_are_http_with_a_host_and_a_real_port() {
        for ok in [
            "http://127.0.0.1:8888",
            "http://ocsp.example.com/",
            "http://[::1]:8888/x/{issuer}.crl",
        ] {
            assert_eq!(validate_http_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:8888",
            "127.0.0.1:8888",
            "http://",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:0",
            "http://:80/x",
            "http://a b/",
        ] {
            assert!(validate_http_url(bad).is_err(), "{bad}");
        }
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-11-22 12:00 UTC)
    }

    #[test]
    fn sans_parse_as_a_person_types_them() {
        assert_eq!(
            SanEntry::parse("localhost"),
            Ok(SanEntry::Dns("localhost".into()))
        );
        assert_eq!(
            SanEntry::parse("::1"),
            Ok(SanEntry::Ip("::1".parse().unwrap()))
        );
        assert_eq!(
            SanEntry::parse("IP:10.0.0.1"),
            Ok(SanEntry::Ip("10.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            SanEntry::parse("DNS:*.Example.com"),
            Ok(SanEntry::Dns("*.example.com".into()))
        );
        assert_eq!(
            SanEntry::parse("uri:spiffe://example.org/web"),
            Ok(SanEntry::Uri("spiffe://example.org/web".into()))
        );
        assert_eq!(
            SanEntry::parse("email:alice@example.org"),
            Ok(SanEntry::Email("alice@example.org".into()))
        );
        assert!(
            SanEntry::parse("300.1.1.1")
                .unwrap_err()
                .to_string()
                .contains("not a valid IP")
        );
        assert!(
            SanEntry::parse("a..b")
                .unwrap_err()
                .to_string()
                .contains("empty label")
        );
        assert!(
            SanEntry::parse("foo.*.com")
                .unwrap_err()
                .to_string()
                .contains("wildcard")
        );
        assert!(SanEntry::parse("uri:not a uri").is_err());
        assert!(
            SanEntry::parse("spiffe://acme/big")
                .unwrap_err()
                .to_string()
                .contains("write it uri:spiffe://acme/big")
        );
        assert!(
            SanEntry::parse("bob@example.com")
                .unwrap_err()
                .to_string()
                .contains("write it email:")
        );
        assert!(
            SanEntry::parse("fe80::1%eth0")
                .unwrap_err()
                .to_string()
                .contains("write fe80::1")
        );
        assert!(SanEntry::parse("email:nobody").is_err());
    }

    #[test]
    fn a_server_without_san_is_refused_next_to_the_sans() {
        let mut spec = IssueSpec::for_role(Role::Server, "web");
        spec.sans.clear();
        let errors = spec.validate(&["intermediate".into()], now());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, Field::Sans);
    }

    #[test]
    fn a_path_length_on_a_leaf_is_refused() {
        let mut spec = IssueSpec::for_role(Role::Client, "bob");
        spec.path_len = Some(1);
        let errors = spec.validate(&["intermediate".into()], now());
        assert!(
            errors.iter().any(|e| e.field == Field::PathLen),
            "{errors:?}"
        );
    }

    #[test]
    fn an_unknown_issuer_names_the_cas_there_are() {
        let mut spec = IssueSpec::for_role(Role::Server, "web");
        spec.issuer = "nope".into();
        let errors = spec.validate(&["ca".into(), "intermediate".into()], now());
        assert_eq!(errors[0].field, Field::Issuer);
        assert!(
            errors[0].problem.to_string().contains("ca, intermediate"),
            "{}",
            errors[0].problem.to_string()
        );
    }

    #[test]
    fn role_defaults_are_valid() {
        let cas = ["ca".to_string(), "intermediate".to_string()];
        for role in Role::ALL {
            for alg in KeyAlg::ALL {
                let mut spec = IssueSpec::for_role(role, "x");
                spec.key_alg = alg;
                assert_eq!(spec.validate(&cas, now()), vec![], "{role} {alg}");
            }
        }
    }

    #[test]
    fn rsa_servers_get_key_encipherment_and_others_do_not() {
        let mut spec = IssueSpec::for_role(Role::Server, "web");
        assert_eq!(
            spec.effective_key_usages(),
            vec![KeyUsage::DigitalSignature]
        );
        spec.key_alg = KeyAlg::Rsa2048;
        assert_eq!(
            spec.effective_key_usages(),
            vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
        );
    }

    #[test]
    fn names_are_safe_file_stems() {
        assert!(validate_entity_name("web-1.internal").is_ok());
        assert!(validate_entity_name("../etc/passwd").is_err());
        assert!(validate_entity_name("a/b").is_err());
        assert!(validate_entity_name("server-chain").is_err());
        assert!(validate_entity_name("").is_err());
    }

    #[test]
    fn cidr_ranges_are_checked() {
        assert_eq!(
            parse_cidr("10.0.0.0/8"),
            Ok(("10.0.0.0".parse().unwrap(), 8))
        );
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(
            parse_cidr("10.0.0.1/8")
                .unwrap_err()
                .to_string()
                .contains("write 10.0.0.0/8")
        );
        assert!(parse_cidr("0.0.0.0/0").is_ok() && parse_cidr("::/0").is_ok());
        assert!(parse_cidr("10.0.0.0").is_err());
        assert_eq!(parse_cidr("fd00::/8").map(|r| r.1), Ok(8));
    }
}
