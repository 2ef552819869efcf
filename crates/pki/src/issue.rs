use std::net::IpAddr;

use crate::spec::RequestProblem;
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType, DnValue,
    GeneralSubtree, IsCa, Issuer, KeyPair, NameConstraints, SanType, SerialNumber,
};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::generate_key;
use crate::spec::{ExtKeyUsage, IssueSpec, KeyUsage, SanEntry, parse_cidr, parse_not_before};

/// The issuing CA: its certificate (PEM) and its key.
pub struct IssuerMaterial {
    pub cert_pem: String,
    pub key: KeyPair,
}

/// A freshly issued certificate, in memory; nothing is written yet.
#[derive(Debug, Clone)]
pub struct IssuedCert {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    /// PKCS#8 PEM; `None` when the key is someone else's (a request's).
    pub key_pem: Option<String>,
    pub serial: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// 20 random bytes, positive: the most RFC 5280 allows, and unpredictable.
pub fn random_serial() -> Result<Vec<u8>> {
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| Error::Generation(rcgen::Error::RingUnspecified))?;
    // Clear the sign bit, and keep the first byte non-zero so the DER INTEGER is 20 bytes long.
    bytes[0] = (bytes[0] & 0x7f).max(1);
    Ok(bytes.to_vec())
}

/// Make a key and a certificate for `spec`, signed by `issuer` (or by itself for a root CA).
/// The caller has checked `spec.validate()`. RSA keys are slow: call this off any UI loop.
pub fn issue(
    spec: &IssueSpec,
    issuer: Option<&IssuerMaterial>,
    now: OffsetDateTime,
) -> Result<IssuedCert> {
    let key = generate_key(spec.key_alg)?;
    issue_with_key(spec, issuer, &key, now)
}

/// As [`issue`], with a key the caller already has.
pub fn issue_with_key(
    spec: &IssueSpec,
    issuer: Option<&IssuerMaterial>,
    key: &KeyPair,
    now: OffsetDateTime,
) -> Result<IssuedCert> {
    issue_for(spec, issuer, SubjectKey::Own(key), now)
}

/// The key a certificate certifies: one certbench holds (it may sign itself, as a root), or the
/// public key of a request, whose private key stays with whoever made it.
#[derive(Clone, Copy)]
pub enum SubjectKey<'a> {
    Own(&'a KeyPair),
    Requested(&'a crate::csr::RequestKey),
}

/// As [`issue`], for `key`.
pub fn issue_for(
    spec: &IssueSpec,
    issuer: Option<&IssuerMaterial>,
    key: SubjectKey<'_>,
    now: OffsetDateTime,
) -> Result<IssuedCert> {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let not_before = parse_not_before(&spec.not_before, now)
        .map_err(|e| invalid(crate::Field::NotBefore, e.into()))?;
    let not_after = certbench_base::times::validity_end(not_before, spec.days)
        .ok_or_else(|| invalid(crate::Field::Days, RequestProblem::EndsPastX509))?;
    let serial = random_serial()?;

    let mut params = CertificateParams::default();
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.distinguished_name = distinguished_name(spec)?;
    params.subject_alt_names = spec
        .sans
        .iter()
        .map(|s| {
            SanEntry::parse(s)
                .map_err(|m| invalid(crate::Field::Sans, m.into()))
                .and_then(to_san_type)
        })
        .collect::<Result<_>>()?;
    params.is_ca = if spec.role.is_ca() {
        IsCa::Ca(match spec.path_len {
            Some(n) => BasicConstraints::Constrained(n),
            None => BasicConstraints::Unconstrained,
        })
    } else {
        // Writes basicConstraints CA:FALSE and the SKI, as openssl's v3 defaults do.
        IsCa::ExplicitNoCa
    };
    params.key_usages = spec
        .effective_key_usages()
        .into_iter()
        .map(to_rcgen_ku)
        .collect();
    params.extended_key_usages = spec
        .effective_ext_key_usages()
        .into_iter()
        .map(to_rcgen_eku)
        .collect();
    params.use_authority_key_identifier_extension = true;
    params.name_constraints = name_constraints(spec)?;
    if let Some(url) = spec.crl_url_for_issuer() {
        params.crl_distribution_points = vec![rcgen::CrlDistributionPoint { uris: vec![url] }];
    }
    if let Some(url) = spec.ocsp_url() {
        params.custom_extensions.push(authority_info_access(&url));
    }
    if spec.role == crate::Role::Ocsp {
        // id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): clients do not ask about the responder's
        // own certificate, which would go round in circles. Its value is NULL.
        params
            .custom_extensions
            .push(rcgen::CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 5, 5, 7, 48, 1, 5],
                vec![0x05, 0x00],
            ));
    }

    let cert = match (issuer, key) {
        (None, SubjectKey::Own(key)) => params.self_signed(key)?,
        (Some(m), SubjectKey::Own(key)) => {
            let issuer = Issuer::from_ca_cert_pem(&m.cert_pem, &m.key)?;
            params.signed_by(key, &issuer)?
        }
        (Some(m), SubjectKey::Requested(key)) => {
            let issuer = Issuer::from_ca_cert_pem(&m.cert_pem, &m.key)?;
            params.signed_by(key, &issuer)?
        }
        (None, SubjectKey::Requested(_)) => {
            return Err(Error::Request(crate::csr::RequestError::NotALeaf));
        }
    };
    if let SubjectKey::Requested(key) = key
        && !certifies(cert.der(), &key.spki)
    {
        // rcgen writes the key's SubjectPublicKeyInfo again from its parts: it must come out
        // as the request holds it, or the certificate would name another key.
        return Err(Error::Request(crate::csr::RequestError::Unreadable {
            detail: "its public key could not be written back as it was".into(),
        }));
    }
    Ok(IssuedCert {
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key_pem: match key {
            SubjectKey::Own(key) => Some(crate::keys::key_pem(key)?),
            SubjectKey::Requested(_) => None,
        },
        serial,
        not_before,
        not_after,
    })
}

/// authorityInfoAccess (RFC 5280 4.2.2.1) with one access description: id-ad-ocsp at `url`.
fn authority_info_access(url: &str) -> rcgen::CustomExtension {
    use certbench_x509::der::encode;
    // id-ad-ocsp, 1.3.6.1.5.5.7.48.1.
    const ID_AD_OCSP: [u8; 8] = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let mut description = encode(0x06, &ID_AD_OCSP);
    // accessLocation: GeneralName uniformResourceIdentifier, [6] IA5String.
    description.extend(encode(0x86, url.as_bytes()));
    let value = encode(0x30, &encode(0x30, &description));
    // id-pe-authorityInfoAccess, 1.3.6.1.5.5.7.1.1; not critical.
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], value)
}

/// Whether the certificate `der` holds exactly the SubjectPublicKeyInfo `spki`.
fn certifies(der: &[u8], spki: &[u8]) -> bool {
    use x509_parser::prelude::FromDer;
    x509_parser::certificate::X509Certificate::from_der(der)
        .is_ok_and(|(_, c)| c.tbs_certificate.subject_pki.raw == spki)
}

fn invalid(field: crate::Field, problem: RequestProblem) -> Error {
    Error::InvalidRequest(vec![crate::FieldError { field, problem }])
}

fn distinguished_name(spec: &IssueSpec) -> Result<DistinguishedName> {
    let s = &spec.subject;
    let mut dn = DistinguishedName::new();
    // Order as openssl prints it: C, O, OU, CN.
    if !s.country.is_empty() {
        let country = s
            .country
            .clone()
            .try_into()
            .map_err(|_| invalid(crate::Field::Country, RequestProblem::Country))?;
        dn.push(DnType::CountryName, DnValue::PrintableString(country));
    }
    if !s.organization.is_empty() {
        dn.push(DnType::OrganizationName, s.organization.clone());
    }
    if !s.organizational_unit.is_empty() {
        dn.push(
            DnType::OrganizationalUnitName,
            s.organizational_unit.clone(),
        );
    }
    if !s.common_name.is_empty() {
        dn.push(DnType::CommonName, s.common_name.clone());
    }
    Ok(dn)
}

fn to_san_type(san: SanEntry) -> Result<SanType> {
    let bad = |name: &str| invalid(crate::Field::Sans, RequestProblem::NotAscii(name.into()));
    Ok(match san {
        SanEntry::Dns(d) => SanType::DnsName(d.clone().try_into().map_err(|_| bad(&d))?),
        SanEntry::Ip(ip) => SanType::IpAddress(ip),
        SanEntry::Email(e) => SanType::Rfc822Name(e.clone().try_into().map_err(|_| bad(&e))?),
        SanEntry::Uri(u) => SanType::URI(u.clone().try_into().map_err(|_| bad(&u))?),
    })
}

fn to_rcgen_ku(ku: KeyUsage) -> rcgen::KeyUsagePurpose {
    match ku {
        KeyUsage::DigitalSignature => rcgen::KeyUsagePurpose::DigitalSignature,
        KeyUsage::KeyEncipherment => rcgen::KeyUsagePurpose::KeyEncipherment,
        KeyUsage::KeyAgreement => rcgen::KeyUsagePurpose::KeyAgreement,
        KeyUsage::KeyCertSign => rcgen::KeyUsagePurpose::KeyCertSign,
        KeyUsage::CrlSign => rcgen::KeyUsagePurpose::CrlSign,
    }
}

fn to_rcgen_eku(eku: ExtKeyUsage) -> rcgen::ExtendedKeyUsagePurpose {
    match eku {
        ExtKeyUsage::ServerAuth => rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ExtKeyUsage::ClientAuth => rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ExtKeyUsage::OcspSigning => rcgen::ExtendedKeyUsagePurpose::OcspSigning,
    }
}

fn name_constraints(spec: &IssueSpec) -> Result<Option<NameConstraints>> {
    if !spec.role.is_ca() {
        return Ok(None);
    }
    let cidr = |s: &String, field| -> Result<GeneralSubtree> {
        let (addr, prefix): (IpAddr, u8) = parse_cidr(s).map_err(|m| invalid(field, m.into()))?;
        Ok(GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(
            addr, prefix,
        )))
    };
    let mut permitted: Vec<GeneralSubtree> = spec
        .permitted_dns
        .iter()
        .map(|d| GeneralSubtree::DnsName(d.clone()))
        .collect();
    let mut excluded: Vec<GeneralSubtree> = spec
        .excluded_dns
        .iter()
        .map(|d| GeneralSubtree::DnsName(d.clone()))
        .collect();
    for ip in &spec.permitted_ip {
        permitted.push(cidr(ip, crate::Field::PermittedIp)?);
    }
    for ip in &spec.excluded_ip {
        excluded.push(cidr(ip, crate::Field::ExcludedIp)?);
    }
    if permitted.is_empty() && excluded.is_empty() {
        return Ok(None);
    }
    Ok(Some(NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: excluded,
    }))
}
