//! A link's revocation: what the CRLs and the OCSP responses given say of it (certbench's own
//! checks beside webpki's, which reads CRLs and no OCSP).

use ::time::OffsetDateTime;
use x509_parser::prelude::*;

use super::{Check, Finding, Parsed};
use crate::ocsp::Response;

/// What each OCSP response given said in the walk, by its place: `None` while it spoke of no
/// certificate of the chain, else its verdict's code (`answered` when it was used).
pub(super) type OcspSpoke = Vec<Option<&'static str>>;

/// Whether a CRL of the certificate's issuer lists it: a CRL named by the certificate's issuer
/// and signed by the issuer's key (when the issuer is known). `None` when no such CRL was given.
pub(super) fn revocation_check(
    cert: &X509Certificate<'_>,
    issuer: Option<&Parsed<'_>>,
    crls: &[&[u8]],
) -> Option<Check> {
    use x509_parser::revocation_list::CertificateRevocationList;
    // A CRL counts when its issuer is the certificate's and the issuer's key signed it; of
    // several, the newest.
    let issuer = issuer?;
    let crl = crls
        .iter()
        .filter_map(|d| {
            let (_, crl) = CertificateRevocationList::from_der(d).ok()?;
            let named = crl.issuer().as_raw() == cert.issuer().as_raw();
            (named && crl.verify_signature(issuer.cert.public_key()).is_ok()).then_some(crl)
        })
        .max_by_key(|crl| crl.last_update().to_datetime())?;
    let crl_issuer = crate::names::rfc4514(crl.issuer());
    let entry = crl
        .iter_revoked_certificates()
        .find(|r| r.raw_serial() == cert.raw_serial());
    Some(match entry {
        Some(r) => Check {
            field: "revocation",
            ok: false,
            finding: Finding::Revoked {
                date: r.revocation_date.to_datetime(),
                reason: r
                    .reason_code()
                    .map(|(_, rc)| crate::load::reason_name(rc.0)),
                crl_issuer,
            },
        },
        None => Check {
            field: "revocation",
            ok: true,
            finding: Finding::NotRevoked { crl_issuer },
        },
    })
}

/// What the OCSP responses given (read once for the whole walk; `None` for one that does not
/// read) say of the certificate (DER) issued by `issuer`, at `at`, of those that answer for it with authority and are current (`ocsp::check`): revoked
/// if any says so (a revocation is not undone), else good if any says so, in whatever order
/// they were given. `None` when none answers. What each response said is kept in `spoke`.
pub(super) fn ocsp_check(
    cert: &[u8],
    issuer: &Parsed<'_>,
    responses: &[Option<Response>],
    at: OffsetDateTime,
    spoke: &mut OcspSpoke,
) -> Option<Check> {
    use crate::ocsp::{CertStatus, Signer, Verdict};
    let mut answers = Vec::new();
    for (i, response) in responses.iter().enumerate() {
        let Some(response) = response else {
            continue;
        };
        let checked = crate::ocsp::check(response, cert, issuer.der, at);
        let code = match &checked.verdict {
            Verdict::NotForThisCertificate => continue,
            Verdict::Answered {
                status: CertStatus::Good | CertStatus::Revoked { .. },
            } => "answered",
            v => v.code(),
        };
        // A response used for one link counts as used, whatever it said of another.
        if let Some(slot) = spoke.get_mut(i)
            && *slot != Some("answered")
        {
            *slot = Some(code);
        }
        if let Verdict::Answered { status } = checked.verdict {
            let signer = match checked.signer {
                Some(Signer::Delegated { subject }) => subject,
                _ => crate::names::rfc4514(issuer.cert.subject()),
            };
            answers.push((status, signer));
        }
    }
    let revoked = answers
        .iter()
        .position(|(s, _)| matches!(s, CertStatus::Revoked { .. }));
    let good = answers.iter().position(|(s, _)| *s == CertStatus::Good);
    let (status, signer) = answers.swap_remove(revoked.or(good)?);
    Some(match status {
        CertStatus::Revoked { at: date, reason } => Check {
            field: "revocation",
            ok: false,
            finding: Finding::RevokedOcsp {
                date,
                reason: reason.map(|r| r.as_str().to_string()),
                signer,
            },
        },
        _ => Check {
            field: "revocation",
            ok: true,
            finding: Finding::NotRevokedOcsp { signer },
        },
    })
}
