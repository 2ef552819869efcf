use rcgen::KeyPair;

use crate::KeyAlg;

/// A new key pair. RSA takes from a fraction of a second to seconds: call it off any UI loop.
pub fn generate_key(alg: KeyAlg) -> Result<KeyPair, rcgen::Error> {
    match alg {
        KeyAlg::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        KeyAlg::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        KeyAlg::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
        KeyAlg::Rsa2048 => {
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        }
        KeyAlg::Rsa3072 => {
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_3072)
        }
        KeyAlg::Rsa4096 => {
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_4096)
        }
    }
}

/// A key pair from PEM (PKCS#8, SEC1 or PKCS#1).
pub fn load_key(pem: &str) -> Result<KeyPair, rcgen::Error> {
    KeyPair::from_pem(pem)
}

/// The key as a PKCS#8 PEM file that openssl, curl, nginx and Go read. rcgen writes Ed25519 keys
/// as PKCS#8 v2 (with the public key), which OpenSSL 3.0 refuses ("unsupported"); those are
/// written as v1, as `openssl genpkey` does.
pub fn key_pem(key: &KeyPair) -> Result<String, rcgen::Error> {
    if key.algorithm() != &rcgen::PKCS_ED25519 {
        return Ok(key.serialize_pem());
    }
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(key.serialized_der())
        .map_err(|e| rcgen::Error::RingKeyRejected(e.to_string()))?;
    let v1 = pair
        .to_pkcs8v1()
        .map_err(|_| rcgen::Error::RingUnspecified)?;
    Ok(certbench_base::text::pem("PRIVATE KEY", v1.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_matches_a_known_encoding() {
        assert_eq!(
            certbench_base::text::pem("X", b"hello!?"),
            "-----BEGIN X-----\naGVsbG8hPw==\n-----END X-----\n"
        );
    }

    #[test]
    fn ed25519_keys_are_pkcs8_v1_and_load_again() {
        let key = generate_key(KeyAlg::Ed25519).unwrap();
        let pem = key_pem(&key).unwrap();
        let again = load_key(&pem).unwrap();
        assert_eq!(again.public_key_raw(), key.public_key_raw());
        // v1: SEQUENCE { INTEGER 0, ... } and 48 bytes long.
        assert_eq!(again.serialized_der().len(), 48, "{pem}");
    }
}
