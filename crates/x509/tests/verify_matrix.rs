#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! `verify`'s end-entity verdict against rustls-webpki called directly, on a matrix of chains made
//! for it: extended and plain key usages, CA:TRUE leaves, validity, names, pathlen, name
//! constraints, a CA without keyCertSign, and a self-issued intermediate (a root's key rollover).
//! webpki is what rustls does with a peer's certificate; certbench's verdict must be the same.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, NameConstraints, SanType,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::{Duration, OffsetDateTime};

use certbench_x509::verify::{Purpose, VerifyInput, verify};

struct Ca {
    der: Vec<u8>,
    params: CertificateParams,
    key: KeyPair,
}

fn ca(name: &str, path_len: Option<u8>, permitted: Option<&str>, issuer: Option<&Ca>) -> Ca {
    ca_with_usages(
        name,
        path_len,
        permitted,
        issuer,
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
    )
}

fn ca_with_usages(
    name: &str,
    path_len: Option<u8>,
    permitted: Option<&str>,
    issuer: Option<&Ca>,
    key_usages: Vec<KeyUsagePurpose>,
) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    params.key_usages = key_usages;
    if let Some(p) = permitted {
        params.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![GeneralSubtree::DnsName(p.into())],
            excluded_subtrees: vec![],
        });
    }
    let cert = match issuer {
        None => params.self_signed(&key).unwrap(),
        Some(i) => params
            .signed_by(&key, &Issuer::from_params(&i.params, &i.key))
            .unwrap(),
    };
    Ca {
        der: cert.der().to_vec(),
        params,
        key,
    }
}

/// webpki's verdict on `leaf` as a peer's certificate: what rustls does.
fn webpki_ok(
    leaf: &[u8],
    intermediates: &[&[u8]],
    root: &[u8],
    purpose: Purpose,
    name: Option<&str>,
    at: OffsetDateTime,
) -> bool {
    let leaf = CertificateDer::from(leaf);
    let Ok(ee) = webpki::EndEntityCert::try_from(&leaf) else {
        return false;
    };
    let root = CertificateDer::from(root);
    let anchors = [webpki::anchor_from_trusted_cert(&root).unwrap()];
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(*c))
        .collect();
    let usage = match purpose {
        Purpose::Server => webpki::KeyUsage::server_auth(),
        Purpose::Client => webpki::KeyUsage::client_auth(),
    };
    let time =
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.unix_timestamp() as u64));
    let chain = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        time,
        usage,
        None,
        None,
    );
    chain.is_ok()
        && name.is_none_or(|n| {
            ServerName::try_from(n).is_ok_and(|sn| ee.verify_is_valid_for_subject_name(&sn).is_ok())
        })
}

#[test]
fn verify_agrees_with_webpki_on_a_matrix_of_chains() {
    let now = OffsetDateTime::now_utc();
    let root = ca("Matrix Root", None, None, None);
    // The chains above a leaf: an intermediate; one with pathlen 0 above a sub-CA (broken); one
    // permitting only example.com.
    let plain = ca("Matrix Intermediate", Some(0), None, Some(&root));
    let capped = ca("Matrix Capped", Some(0), None, Some(&root));
    let sub = ca("Matrix Sub", None, None, Some(&capped));
    let constrained = ca(
        "Matrix Constrained",
        Some(0),
        Some("example.com"),
        Some(&root),
    );
    // A CA whose keyUsage lacks keyCertSign (webpki does not check it; certbench's walk names it).
    let no_cert_sign = ca_with_usages(
        "Matrix No CertSign",
        Some(0),
        None,
        Some(&root),
        vec![KeyUsagePurpose::DigitalSignature],
    );
    // The root made again with a new key, signed by the old one (self-issued: subject = issuer),
    // and an intermediate under the new key.
    let rollover = ca("Matrix Root", Some(1), None, Some(&root));
    let under_rollover = ca("Matrix After Rollover", Some(0), None, Some(&rollover));
    let shapes: [(&str, Vec<&Ca>); 5] = [
        ("plain", vec![&plain]),
        ("pathlen", vec![&sub, &capped]),
        ("constrained", vec![&constrained]),
        ("no-keyCertSign", vec![&no_cert_sign]),
        ("self-issued", vec![&under_rollover, &rollover]),
    ];
    let leaf_usages: [(&str, Vec<KeyUsagePurpose>); 3] = [
        ("digitalSignature", vec![KeyUsagePurpose::DigitalSignature]),
        ("keyEncipherment", vec![KeyUsagePurpose::KeyEncipherment]),
        ("no-ku", vec![]),
    ];
    let ekus: [(&str, Vec<ExtendedKeyUsagePurpose>); 4] = [
        ("server", vec![ExtendedKeyUsagePurpose::ServerAuth]),
        ("client", vec![ExtendedKeyUsagePurpose::ClientAuth]),
        (
            "both",
            vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        ),
        ("none", vec![]),
    ];
    let mut cases = 0;
    let mut disagreements = Vec::new();
    for (shape, chain) in &shapes {
        for ((eku_name, eku), (ku_name, ku)) in ekus
            .iter()
            .flat_map(|e| leaf_usages.iter().map(move |k| (e, k)))
        {
            for leaf_is_ca in [false, true] {
                for (validity, from, to) in [
                    ("valid", now - Duration::days(1), now + Duration::days(30)),
                    (
                        "expired",
                        now - Duration::days(60),
                        now - Duration::days(30),
                    ),
                    ("future", now + Duration::days(30), now + Duration::days(60)),
                ] {
                    let key = KeyPair::generate().unwrap();
                    let mut params = CertificateParams::default();
                    params.distinguished_name.push(DnType::CommonName, "leaf");
                    params.subject_alt_names =
                        vec![SanType::DnsName("api.example.com".try_into().unwrap())];
                    params.extended_key_usages = eku.clone();
                    params.key_usages = ku.clone();
                    params.is_ca = if leaf_is_ca {
                        IsCa::Ca(BasicConstraints::Unconstrained)
                    } else {
                        IsCa::ExplicitNoCa
                    };
                    params.not_before = from;
                    params.not_after = to;
                    let issuer = chain[0];
                    let leaf = params
                        .signed_by(&key, &Issuer::from_params(&issuer.params, &issuer.key))
                        .unwrap()
                        .der()
                        .to_vec();
                    let intermediates: Vec<&[u8]> =
                        chain.iter().map(|c| c.der.as_slice()).collect();
                    for purpose in [Purpose::Server, Purpose::Client] {
                        for name in [None, Some("api.example.com"), Some("other.example.com")] {
                            cases += 1;
                            let ours = verify(&VerifyInput {
                                leaf: &leaf,
                                intermediates: &intermediates,
                                anchors: &[root.der.as_slice()],
                                crls: &[],
                                ocsp: &[],
                                purpose,
                                name,
                                at: now,
                                as_ca: false,
                            });
                            let theirs =
                                webpki_ok(&leaf, &intermediates, &root.der, purpose, name, now);
                            // Whenever webpki refuses, certbench's own walk names the link.
                            if !theirs && ours.failed_link.is_none() {
                                disagreements.push(format!(
                                    "{shape}/{eku_name}/{ku_name}/ca={leaf_is_ca}/{validity}/{purpose:?}/{name:?}: refused, and no link named"
                                ));
                            }
                            // Where webpki does not look (keyCertSign on a CA), the walk still
                            // names the link, and the verdict stays webpki's (README).
                            if *shape == "no-keyCertSign"
                                && !ours.links.iter().any(|l| {
                                    l.checks.iter().any(|c| c.field == "keyUsage" && !c.ok)
                                })
                            {
                                disagreements.push(format!(
                                    "{shape}/{eku_name}/{ku_name}/ca={leaf_is_ca}/{validity}/{purpose:?}/{name:?}: the CA without keyCertSign is not named"
                                ));
                            }
                            if ours.ok != theirs {
                                disagreements.push(format!(
                                    "{shape}/{eku_name}/{ku_name}/ca={leaf_is_ca}/{validity}/{purpose:?}/{name:?}: ours {} ({:?}), webpki {theirs}",
                                    ours.ok, ours.reason()
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(cases >= 200, "{cases} cases");
    assert!(
        disagreements.is_empty(),
        "{} of {cases} verdicts differ from webpki's:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
