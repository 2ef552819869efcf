//! TLS 1.3 record protection, undone with the secrets the peers themselves logged (RFC 8446 7.1,
//! 7.3, 5.2): key = HKDF-Expand-Label(secret, "key", "", key_len), iv = (..., "iv", 12),
//! nonce = iv XOR sequence number, AAD = the record header, inner type = last non-zero byte.

use std::fmt;

use aws_lc_rs::aead::{
    AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey,
};
use aws_lc_rs::hkdf;

use super::wire::Record;

/// The TLS 1.3 cipher suites: each fixes the hash for HKDF and the AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    Aes128GcmSha256,
    Aes256GcmSha384,
    Chacha20Poly1305Sha256,
}

impl Suite {
    pub fn from_id(id: u16) -> Option<Suite> {
        match id {
            0x1301 => Some(Suite::Aes128GcmSha256),
            0x1302 => Some(Suite::Aes256GcmSha384),
            0x1303 => Some(Suite::Chacha20Poly1305Sha256),
            _ => None,
        }
    }
    fn hkdf(self) -> hkdf::Algorithm {
        match self {
            Suite::Aes256GcmSha384 => hkdf::HKDF_SHA384,
            _ => hkdf::HKDF_SHA256,
        }
    }
    fn aead(self) -> &'static aws_lc_rs::aead::Algorithm {
        match self {
            Suite::Aes128GcmSha256 => &AES_128_GCM,
            Suite::Aes256GcmSha384 => &AES_256_GCM,
            Suite::Chacha20Poly1305Sha256 => &CHACHA20_POLY1305,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptError(pub String);

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label (RFC 8446 7.1).
pub fn hkdf_expand_label(
    alg: hkdf::Algorithm,
    secret: &[u8],
    label: &str,
    context: &[u8],
    len: usize,
) -> Result<Vec<u8>, DecryptError> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    let prk = hkdf::Prk::new_less_safe(alg, secret);
    let mut out = vec![0u8; len];
    prk.expand(&[&info], Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .map_err(|_| DecryptError(format!("HKDF-Expand-Label(\"{label}\") failed")))?;
    Ok(out)
}

/// The keys of one direction at one phase, and its record sequence number.
pub struct TrafficKeys {
    key: LessSafeKey,
    iv: [u8; 12],
    seq: u64,
}

impl fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrafficKeys")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl TrafficKeys {
    pub fn new(suite: Suite, secret: &[u8]) -> Result<TrafficKeys, DecryptError> {
        let aead = suite.aead();
        let key = hkdf_expand_label(suite.hkdf(), secret, "key", &[], aead.key_len())?;
        let iv_bytes = hkdf_expand_label(suite.hkdf(), secret, "iv", &[], 12)?;
        let mut iv = [0u8; 12];
        iv.copy_from_slice(&iv_bytes);
        let key = UnboundKey::new(aead, &key)
            .map_err(|_| DecryptError("the traffic key has the wrong size".into()))?;
        Ok(TrafficKeys {
            key: LessSafeKey::new(key),
            iv,
            seq: 0,
        })
    }

    /// Decrypt one protected record: the inner content type and the plaintext.
    pub fn open(&mut self, record: &Record) -> Result<(u8, Vec<u8>), DecryptError> {
        let mut nonce = self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        let mut buf = record.payload.clone();
        let seq = self.seq;
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(record.header()),
                &mut buf,
            )
            .map_err(|_| {
                DecryptError(format!(
                    "record {seq} of this phase does not decrypt with the logged secret"
                ))
            })?;
        self.seq += 1;
        // TLSInnerPlaintext: content, then the real type, then zero padding.
        let end = plain
            .iter()
            .rposition(|b| *b != 0)
            .ok_or_else(|| DecryptError("an all-zero inner plaintext".into()))?;
        let inner_type = plain[end];
        Ok((inner_type, plain[..end].to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn hkdf_expand_label_matches_rfc_8448() {
        // RFC 8448 (TLS 1.3 traces), simple 1-RTT handshake: the server handshake traffic secret
        // and the key and IV derived from it.
        let secret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
        let key = hkdf_expand_label(hkdf::HKDF_SHA256, &secret, "key", &[], 16).unwrap();
        let iv = hkdf_expand_label(hkdf::HKDF_SHA256, &secret, "iv", &[], 12).unwrap();
        assert_eq!(key, hex("3fce516009c21727d0f2e4e86ee403bc"));
        assert_eq!(iv, hex("5d313eb2671276ee13000b30"));
    }
}
