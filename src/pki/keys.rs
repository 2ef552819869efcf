use rcgen::KeyPair;

use super::KeyAlg;

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
