//! A scenario's material: a root, an intermediate, a server and a client made in memory for it
//! (never the user's files), broken as the scenario says.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use time::OffsetDateTime;

use crate::revocation::{closed_port, fetched_staple, lab_crl, lab_staple};
use crate::{B, Break, LabError, Rollover, Scenario, Validity};
use certbench_pki::{IssueSpec, IssuedCert, IssuerMaterial, KeyAlg};
use certbench_tls::config::{Choices, TlsVersion};
use certbench_tls::material::{Anchor, Identity, Material};
use certbench_x509::Role;

pub(crate) fn issue(
    spec: &IssueSpec,
    issuer: Option<&IssuerMaterial>,
    now: OffsetDateTime,
) -> Result<IssuedCert, LabError> {
    Ok(certbench_pki::issue(spec, issuer, now)?)
}

pub(crate) fn material_of(issued: &IssuedCert) -> Result<IssuerMaterial, LabError> {
    Ok(IssuerMaterial {
        cert_pem: issued.cert_pem.clone(),
        key: certbench_pki::load_key(key_pem(issued)?).map_err(certbench_pki::Error::Generation)?,
    })
}

pub(crate) fn der(issued: &IssuedCert) -> CertificateDer<'static> {
    CertificateDer::from(issued.cert_der.clone())
}

pub(crate) fn key(issued: &IssuedCert) -> Result<PrivateKeyDer<'static>, LabError> {
    Ok(PrivateKeyDer::from_pem_slice(key_pem(issued)?.as_bytes())?)
}

/// The lab makes every key itself, so each certificate has one.
pub(crate) fn key_pem(issued: &IssuedCert) -> Result<&str, LabError> {
    issued.key_pem.as_deref().ok_or_else(|| {
        LabError::Pki(certbench_pki::Error::NoKey {
            name: issued.serial.iter().map(|b| format!("{b:02X}")).collect(),
        })
    })
}

pub(crate) fn spec(role: Role, name: &str, cn: &str) -> IssueSpec {
    let mut s = IssueSpec::for_role(role, name);
    s.key_alg = KeyAlg::EcdsaP256;
    s.subject.common_name = cn.into();
    s.subject.organization = "certbench lab".into();
    s
}

pub(crate) fn validity(s: &mut IssueSpec, v: Validity, now: OffsetDateTime) {
    match v {
        Validity::Expired => {
            s.not_before = "-400d".into();
            s.days = 30;
        }
        Validity::NotYetValid => {
            s.not_before = "+30d".into();
            s.days = 365;
        }
        Validity::Skewed => {
            s.not_before = certbench_base::text::rfc3339(now + time::Duration::minutes(10));
            s.days = 365;
        }
        Validity::EndedYesterday => {
            s.not_before = "-1000d".into();
            s.days = 999;
        }
    }
}

/// The scenario's material and choices: a root, an intermediate, a server and a client made in
/// memory for it, broken as it says.
pub fn setup(s: &Scenario, now: OffsetDateTime) -> Result<(Material, Choices), LabError> {
    let has = |b: &Break| s.breaks.contains(b);
    let root = issue(&spec(Role::Ca, "ca", "certbench Lab Root CA"), None, now)?;
    let root_m = material_of(&root)?;
    let mut int_spec = spec(
        Role::Intermediate,
        "intermediate",
        "certbench Lab Intermediate CA",
    );
    for b in s.breaks {
        match b {
            B::IntermediatePermits(dns) => int_spec.permitted_dns = vec![(*dns).into()],
            B::IntermediateExcludes(dns) => int_spec.excluded_dns = vec![(*dns).into()],
            B::IntermediateValidity(v) => validity(&mut int_spec, *v, now),
            _ => {}
        }
    }
    let intermediate = issue(&int_spec, Some(&root_m), now)?;
    let int_m = material_of(&intermediate)?;

    // The server: under the intermediate, or under a CA the intermediate should not have made.
    let mut server_spec = spec(Role::Server, "server", "localhost");
    let mut server_chain_above = vec![der(&intermediate)];
    let server_issuer = if has(&B::SubCaUnderPathLenZero) {
        let sub = issue(
            &spec(Role::Intermediate, "sub-ca", "certbench Lab Sub-CA"),
            Some(&int_m),
            now,
        )?;
        server_chain_above.insert(0, der(&sub));
        material_of(&sub)?
    } else {
        material_of(&intermediate)?
    };
    let mut client_spec = spec(Role::Client, "client", "alice");
    for b in s.breaks {
        match b {
            B::ServerValidity(v) => validity(&mut server_spec, *v, now),
            B::ClientValidity(v) => validity(&mut client_spec, *v, now),
            B::ServerEku(e) => server_spec.ext_key_usages = Some(e.to_vec()),
            B::ClientEku(e) => client_spec.ext_key_usages = Some(e.to_vec()),
            B::ClientKeyUsage(k) => client_spec.key_usages = Some(k.to_vec()),
            B::ServerSans(sans) => server_spec.sans = sans.iter().map(|n| n.to_string()).collect(),
            _ => {}
        }
    }
    if has(&B::ResponderDown) {
        server_spec.ocsp_url = format!("http://127.0.0.1:{}", closed_port()?);
    }
    let server = issue(&server_spec, Some(&server_issuer), now)?;
    let mut server_chain = vec![der(&server)];
    if !has(&B::ServerLeafOnly) {
        server_chain.extend(server_chain_above);
    }
    let rollover = s.breaks.iter().find_map(|b| match b {
        B::Rollover(r) => Some(*r),
        _ => None,
    });
    // A rollover: the lab's root is the new one; the old root, which old clients trust, signs
    // a certificate for the new root's name and key (a cross-signature) that the server sends
    // above its intermediate, so a chain leads to either root.
    let old_root = match rollover {
        Some(r) => {
            let old = issue(
                &spec(Role::Ca, "old-ca", "certbench Lab Root CA (old)"),
                None,
                now,
            )?;
            if r != Rollover::OldClientNoCrossSign {
                let mut cross = spec(Role::Intermediate, "ca", "certbench Lab Root CA");
                cross.path_len = None;
                let cross = certbench_pki::issue_with_key(
                    &cross,
                    Some(&material_of(&old)?),
                    &root_m.key,
                    now,
                )?;
                server_chain.push(der(&cross));
            }
            Some(old)
        }
        None => None,
    };
    let server_key = if has(&B::ServerKeyMismatch) {
        let other = issue(&server_spec, Some(&server_issuer), now)?;
        key(&other)?
    } else {
        key(&server)?
    };

    // Both sides trust the lab's root.
    let client_trusts = vec![Anchor {
        name: "certbench Lab Root CA".into(),
        der: der(&root),
    }];
    let server_trusts = client_trusts.clone();
    // An old client trusts the old root alone.
    let client_trusts = match (&old_root, rollover) {
        (Some(old), Some(Rollover::OldClientCrossSigned | Rollover::OldClientNoCrossSign)) => {
            vec![Anchor {
                name: "certbench Lab Root CA (old)".into(),
                der: der(old),
            }]
        }
        _ => client_trusts,
    };
    let client = if has(&B::NoClientCert) {
        None
    } else {
        let (issued, chain) = if has(&B::ClientSelfSigned) {
            // A leaf signed by its own key: a client certificate made without a CA.
            let mut own = client_spec.clone();
            own.issuer = String::new();
            let issued = issue(&own, None, now)?;
            let chain = vec![der(&issued)];
            (issued, chain)
        } else if has(&B::ClientFromOtherCa) {
            // Another PKI, whole: its root and intermediate; the client sends its chain.
            let other = issue(&spec(Role::Ca, "other-ca", "Other Root CA"), None, now)?;
            let other_int = issue(
                &spec(
                    Role::Intermediate,
                    "other-intermediate",
                    "Other Intermediate CA",
                ),
                Some(&material_of(&other)?),
                now,
            )?;
            let issued = issue(&client_spec, Some(&material_of(&other_int)?), now)?;
            let chain = vec![der(&issued), der(&other_int)];
            (issued, chain)
        } else if let Some(v) = s.breaks.iter().find_map(|b| match b {
            B::ClientIntermediateValidity(v) => Some(*v),
            _ => None,
        }) {
            // The clients' own intermediate, under the same root as the server's.
            let mut own = spec(
                Role::Intermediate,
                "client-intermediate",
                "certbench Lab Client CA",
            );
            validity(&mut own, v, now);
            let own = issue(&own, Some(&root_m), now)?;
            let issued = issue(&client_spec, Some(&material_of(&own)?), now)?;
            let chain = vec![der(&issued), der(&own)];
            (issued, chain)
        } else {
            let issued = issue(&client_spec, Some(&int_m), now)?;
            let mut chain = vec![der(&issued)];
            if !has(&B::ClientLeafOnly) {
                chain.push(der(&intermediate));
            }
            (issued, chain)
        };
        Some((issued, chain))
    };
    let staple = s
        .breaks
        .iter()
        .find_map(|b| match b {
            B::Staple(flaw) => Some(*flaw),
            _ => None,
        })
        .map(|flaw| lab_staple(flaw, &server, &intermediate, &int_m, now))
        .transpose()?
        .or(if has(&B::ResponderDown) {
            fetched_staple(&server_spec.ocsp_url, &server, &intermediate)
        } else {
            None
        });
    let mut crls = Vec::new();
    if has(&B::RevokeIntermediate) {
        crls.push(lab_crl(&root_m, &intermediate.serial, now)?);
    }
    if has(&B::CrlFromOtherCa)
        && let Some((issued, _)) = &client
    {
        let other = issue(&spec(Role::Ca, "other-ca", "Other Root CA"), None, now)?;
        crls.push(lab_crl(&material_of(&other)?, &issued.serial, now)?);
    }
    if has(&B::RevokeClient)
        && let Some((issued, _)) = &client
    {
        // A stale CRL was signed 40 days ago: its nextUpdate (30 days on) passed 10 days ago.
        let signed = if has(&B::StaleCrl) {
            now - time::Duration::days(40)
        } else {
            now
        };
        crls.push(lab_crl(&int_m, &issued.serial, signed)?);
    }
    let client = client
        .map(|(issued, chain)| -> Result<Identity, LabError> {
            Ok(Identity {
                // Named as the lab's, so a culprit is never taken for the user's own.
                name: "lab-client".into(),
                chain,
                key: key(&issued)?,
                check_key: true,
                origin: None,
                staple: None,
            })
        })
        .transpose()?;

    let mut choices = Choices::same(TlsVersion::Tls13, None, None, "localhost");
    let list = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for b in s.breaks {
        match b {
            B::AskFor(name) => choices.server_name = (*name).into(),
            B::ClientVersions(v) => choices.client.versions = v.to_vec(),
            B::ServerVersions(v) => choices.server.versions = v.to_vec(),
            B::ClientGroups(g) => choices.client.groups = list(g),
            B::ServerGroups(g) => choices.server.groups = list(g),
            B::ClientSuites(x) => choices.client.suites = list(x),
            B::ServerSuites(x) => choices.server.suites = list(x),
            B::ClientAuth(a) => choices.client_auth = *a,
            B::RequireStaple => choices.require_staple = true,
            _ => {}
        }
    }
    Ok((
        Material {
            client_trusts,
            server_trusts,
            crls,
            server: Some(Identity {
                name: "lab-server".into(),
                chain: server_chain,
                key: server_key,
                check_key: !has(&B::ServerKeyMismatch),
                origin: None,
                staple: staple.map(|der| certbench_tls::staple::Staple::new(Some(der))),
            }),
            client,
        },
        choices,
    ))
}
