use rcgen::{
    CertificateRevocationListParams, Issuer, KeyIdMethod, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::IssuerMaterial;
use crate::error::Result;
use certbench_x509::RevocationReason;

/// One revoked certificate, as its issuer's CRL lists it.
#[derive(Debug, Clone)]
pub struct RevokedEntry {
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: RevocationReason,
}

/// How long a CRL says it is good for.
const CRL_VALIDITY_DAYS: i64 = 30;

/// What a CRL signed at `now` says: when it was made (thisUpdate, in whole seconds) and when the
/// next one comes (nextUpdate).
pub(crate) fn crl_times(now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    let this_update = now.replace_nanosecond(0).unwrap_or(now);
    (this_update, this_update + Duration::days(CRL_VALIDITY_DAYS))
}

/// The issuer's CRL listing `revoked`, signed by the issuer. Returns PEM.
pub fn make_crl(
    issuer: &IssuerMaterial,
    revoked: &[RevokedEntry],
    crl_number: u64,
    now: OffsetDateTime,
) -> Result<String> {
    let (this_update, next_update) = crl_times(now);
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from_slice(&crl_number.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|r| RevokedCertParams {
                serial_number: SerialNumber::from_slice(&r.serial),
                revocation_time: r.revoked_at.replace_nanosecond(0).unwrap_or(r.revoked_at),
                // RFC 5280 5.3.1: the reason code should be absent rather than unspecified.
                reason_code: (r.reason != RevocationReason::Unspecified)
                    .then(|| to_rcgen(r.reason)),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let issuer = Issuer::from_ca_cert_pem(&issuer.cert_pem, &issuer.key)?;
    Ok(params.signed_by(&issuer)?.pem()?)
}

/// The reason as rcgen writes it into the CRL entry.
fn to_rcgen(reason: RevocationReason) -> rcgen::RevocationReason {
    match reason {
        RevocationReason::Unspecified => rcgen::RevocationReason::Unspecified,
        RevocationReason::KeyCompromise => rcgen::RevocationReason::KeyCompromise,
        RevocationReason::CaCompromise => rcgen::RevocationReason::CaCompromise,
        RevocationReason::AffiliationChanged => rcgen::RevocationReason::AffiliationChanged,
        RevocationReason::Superseded => rcgen::RevocationReason::Superseded,
        RevocationReason::CessationOfOperation => rcgen::RevocationReason::CessationOfOperation,
        RevocationReason::CertificateHold => rcgen::RevocationReason::CertificateHold,
        RevocationReason::PrivilegeWithdrawn => rcgen::RevocationReason::PrivilegeWithdrawn,
    }
}
