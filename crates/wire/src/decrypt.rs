//! Record protection, undone with the secrets the peers themselves logged.
//!
//! TLS 1.3 (RFC 8446 7.1, 7.3, 5.2): key = HKDF-Expand-Label(secret, "key", "", key_len),
//! iv = (..., "iv", 12), nonce = iv XOR sequence number, AAD = the record header, inner type =
//! last non-zero byte.
//!
//! TLS 1.2 (RFC 5246 5, 6.3; RFC 5288; RFC 7905): key_block = PRF(master_secret, "key
//! expansion", server_random + client_random) cut into the client's and the server's keys and
//! IVs; AES-GCM's nonce is the 4-byte IV and the record's 8-byte explicit nonce, ChaCha20's is the
//! IV XOR the sequence number; AAD = sequence number, type, version, plaintext length.

use std::fmt;

use ::hmac as rc_hmac;
use aws_lc_rs::aead::{
    AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey,
};
use aws_lc_rs::{hkdf, hmac};

use bytes::Bytes;

use crate::arena::Arena;
use crate::record::Record;

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
    /// The next generation of a traffic secret, after a KeyUpdate (RFC 8446 7.2):
    /// HKDF-Expand-Label(secret, "traffic upd", "", Hash.length).
    pub fn next_secret(self, secret: &[u8]) -> Result<Vec<u8>, DecryptError> {
        let hash_len = match self {
            Suite::Aes256GcmSha384 => 48,
            _ => 32,
        };
        hkdf_expand_label(self.hkdf(), secret, "traffic upd", &[], hash_len)
    }
    /// The write key and IV a traffic secret gives (RFC 8446 7.3):
    /// HKDF-Expand-Label(secret, "key", "", key length) and (secret, "iv", "", 12).
    pub fn key_and_iv(self, secret: &[u8]) -> Result<(KeyBytes, [u8; 12]), DecryptError> {
        let mut key = KeyBytes {
            bytes: [0; 32],
            len: self.aead().key_len(),
        };
        let mut iv = [0u8; 12];
        let (key_out, iv_out) = (&mut key.bytes[..key.len], &mut iv[..]);
        match self {
            Suite::Aes256GcmSha384 => expand_two::<sha2::Sha384>(secret, key_out, iv_out)?,
            _ => expand_two::<sha2::Sha256>(secret, key_out, iv_out)?,
        }
        Ok((key, iv))
    }
    fn aead(self) -> &'static aws_lc_rs::aead::Algorithm {
        match self {
            Suite::Aes128GcmSha256 => &AES_128_GCM,
            Suite::Aes256GcmSha384 => &AES_256_GCM,
            Suite::Chacha20Poly1305Sha256 => &CHACHA20_POLY1305,
        }
    }
}

/// HKDF-Expand-Label(secret, "key", "", key length) and (secret, "iv", "", 12) with hash `D`.
/// Both fit in one block of the hash, so each is HKDF-Expand's first block, T(1) =
/// HMAC(secret, info || 0x01) (RFC 5869 2.3), cut to its length: the HMAC key is set up once for
/// the two (a run derives four pairs; a server, two per connection). Nothing here is on the
/// heap. (RustCrypto's HMAC, not aws-lc's: see the workspace's Cargo.toml.)
fn expand_two<D: rc_hmac::EagerHash>(
    secret: &[u8],
    key: &mut [u8],
    iv: &mut [u8],
) -> Result<(), DecryptError> {
    use rc_hmac::{KeyInit, Mac};
    // HMAC takes a key of any length (RFC 2104 2: a longer one is hashed first); the error is
    // the trait's, for other MACs.
    let prk =
        rc_hmac::Hmac::<D>::new_from_slice(secret).map_err(|_| DecryptError::KeyDerivation {
            label: "key".into(),
        })?;
    for (label, out) in [("key", key), ("iv", iv)] {
        let (info, info_len) = short_label_info(label, out.len());
        let mut mac = prk.clone();
        mac.update(&info[..info_len]);
        out.copy_from_slice(&mac.finalize().into_bytes()[..out.len()]);
    }
    Ok(())
}

/// Why a protected record could not be opened with the key log's secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecryptError {
    /// HKDF-Expand-Label with this label failed (a secret of the wrong size).
    KeyDerivation { label: String },
    /// The traffic key (TLS 1.3) has the wrong size for the suite.
    TrafficKeySize,
    /// The key (TLS 1.2) has the wrong size for the suite.
    Tls12KeySize,
    /// Record `seq` of this phase (TLS 1.3) does not decrypt with the logged secret.
    Tls13Record { seq: u64 },
    /// Record `seq` (TLS 1.2) does not decrypt with the logged master secret.
    Tls12Record { seq: u64 },
    /// A TLS 1.3 inner plaintext of zeros only: no content type in it.
    AllZeroPlaintext,
    /// A protected record too short to hold its nonce and tag.
    TooShort { len: usize },
}

/// How one protected record was opened: all a reader needs to do it again, or to seal the
/// plaintext and find the same bytes on the wire. (The key itself is not kept: it comes from the
/// secret named in the key log.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealing {
    /// The key log's label of the secret the keys came from (TLS 1.2: `CLIENT_RANDOM`, the
    /// master secret).
    pub secret: &'static str,
    /// TLS 1.3: KeyUpdates since that secret (each derives the next generation from it; key
    /// logs, rustls's among them, hold generation 0 only).
    pub updates: u32,
    /// The AEAD, as TLS names it.
    pub aead: &'static str,
    /// The record's sequence number in its direction (and, in TLS 1.3, its key phase).
    pub seq: u64,
    /// The write IV: see [`Sealing::iv`]. (Held in place, not on the heap: every record has one.)
    pub(crate) iv: [u8; 12],
    /// The AEAD nonce this record used.
    pub nonce: [u8; 12],
    /// TLS 1.2 GCM: the first 8 bytes of the record are the rest of the nonce, sent in clear.
    pub explicit_nonce: bool,
    /// The AEAD tag's length, at the end of the record.
    pub tag_len: usize,
    /// TLS 1.3: the real content type, the last byte before the zero padding.
    pub inner_type: Option<u8>,
    /// TLS 1.3: zero bytes after the inner type.
    pub padding: usize,
}

impl Sealing {
    /// The write IV (TLS 1.3: 12 bytes; TLS 1.2 GCM: its 4-byte implicit part).
    pub fn iv(&self) -> &[u8] {
        &self.iv[..if self.explicit_nonce { 4 } else { 12 }]
    }
}

fn aead_name(a: &'static aws_lc_rs::aead::Algorithm) -> &'static str {
    if a == &AES_128_GCM {
        "AES-128-GCM"
    } else if a == &AES_256_GCM {
        "AES-256-GCM"
    } else {
        "ChaCha20-Poly1305"
    }
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecryptError::KeyDerivation { label } => {
                write!(f, "HKDF-Expand-Label(\"{label}\") failed")
            }
            DecryptError::TrafficKeySize => f.write_str("the traffic key has the wrong size"),
            DecryptError::Tls12KeySize => f.write_str("the TLS 1.2 key has the wrong size"),
            DecryptError::Tls13Record { seq } => write!(
                f,
                "record {seq} of this phase does not decrypt with the logged secret"
            ),
            DecryptError::Tls12Record { seq } => write!(
                f,
                "TLS 1.2 record {seq} does not decrypt with the logged master secret"
            ),
            DecryptError::AllZeroPlaintext => f.write_str("an all-zero inner plaintext"),
            DecryptError::TooShort { len } => {
                write!(f, "a protected record of {len} bytes is too short")
            }
        }
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
    let info = expand_label_info(label, context, len);
    let prk = hkdf::Prk::new_less_safe(alg, secret);
    let mut out = vec![0u8; len];
    prk.expand(&[&info], Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .map_err(|_| DecryptError::KeyDerivation {
            label: label.to_string(),
        })?;
    Ok(out)
}

/// A TLS 1.3 traffic key: 16 or 32 bytes, held in place.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyBytes {
    bytes: [u8; 32],
    len: usize,
}

impl std::ops::Deref for KeyBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// A key is not shown by `Debug`.
impl fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyBytes({} bytes)", self.len)
    }
}

/// HKDF-Expand's first block's input for a short label and an empty context: the HkdfLabel
/// (see [`expand_label_info`]) and the counter byte 1, on the stack, and its length.
fn short_label_info(label: &str, len: usize) -> ([u8; 24], usize) {
    // Called with "key" and "iv" only: 11 bytes besides the label.
    debug_assert!(label.len() <= 13, "{label}");
    let mut info = [0u8; 24];
    info[..2].copy_from_slice(&(len as u16).to_be_bytes());
    info[2] = (6 + label.len()) as u8;
    info[3..9].copy_from_slice(b"tls13 ");
    info[9..9 + label.len()].copy_from_slice(label.as_bytes());
    // The empty context's length (0), then T(1)'s counter.
    info[10 + label.len()] = 1;
    (info, 11 + label.len())
}

/// HkdfLabel (RFC 8446 7.1): the length, "tls13 " and the label, the context.
fn expand_label_info(label: &str, context: &[u8], len: usize) -> Vec<u8> {
    let mut info = Vec::with_capacity(4 + 6 + label.len() + context.len() + 1);
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push((6 + label.len()) as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label.as_bytes());
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    info
}

/// A per-record nonce: the IV with the sequence number XORed into its last 8 bytes (TLS 1.3's
/// records, and TLS 1.2's ChaCha20 ones).
fn xor_nonce(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut nonce = *iv;
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    nonce
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
        let (key, iv) = suite.key_and_iv(secret)?;
        let key = UnboundKey::new(aead, &key).map_err(|_| DecryptError::TrafficKeySize)?;
        Ok(TrafficKeys {
            key: LessSafeKey::new(key),
            iv,
            seq: 0,
        })
    }

    /// Decrypt one protected record: the inner content type, the plaintext, and how it was
    /// opened (`secret` names the secret these keys came from).
    /// The plaintext is a piece of `arena`: the payload copied there and opened in place.
    pub fn open(
        &mut self,
        record: &Record,
        secret: &'static str,
        updates: u32,
        arena: &mut Arena,
    ) -> Result<(u8, Bytes, Sealing), DecryptError> {
        let nonce = xor_nonce(&self.iv, self.seq);
        let seq = self.seq;
        let (mut opened, mut inner_type, mut padding) = (false, 0, 0);
        let content = arena.copy_with(record.payload(), |buf| {
            let plain = self
                .key
                .open_in_place(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(record.header()),
                    buf,
                )
                .map_err(|_| DecryptError::Tls13Record { seq })?;
            opened = true;
            // TLSInnerPlaintext: content, then the real type, then zero padding.
            let end = plain
                .iter()
                .rposition(|b| *b != 0)
                .ok_or(DecryptError::AllZeroPlaintext)?;
            (inner_type, padding) = (plain[end], plain.len() - end - 1);
            // The plaintext stays where it was opened: the tag and the inner type cut off.
            Ok(end)
        });
        // A record that opened counts, even one whose plaintext is all zeros.
        if opened {
            self.seq += 1;
        }
        let content = content?;
        let sealing = Sealing {
            secret,
            updates,
            aead: aead_name(self.key.algorithm()),
            seq,
            iv: self.iv,
            nonce,
            explicit_nonce: false,
            tag_len: self.key.algorithm().tag_len(),
            inner_type: Some(inner_type),
            padding,
        };
        Ok((inner_type, content, sealing))
    }
}

/// The TLS 1.2 AEAD suites rustls speaks: the PRF's hash and the record protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tls12Suite {
    sha384: bool,
    aead: &'static aws_lc_rs::aead::Algorithm,
    /// GCM: a 4-byte implicit IV and an explicit 8-byte nonce in each record.
    explicit_nonce: bool,
}

impl Tls12Suite {
    pub fn from_id(id: u16) -> Option<Tls12Suite> {
        let gcm = |sha384, aead| Tls12Suite {
            sha384,
            aead,
            explicit_nonce: true,
        };
        match id {
            // ECDHE_ECDSA and ECDHE_RSA with AES_128_GCM_SHA256
            0xc02b | 0xc02f => Some(gcm(false, &AES_128_GCM)),
            // ... with AES_256_GCM_SHA384
            0xc02c | 0xc030 => Some(gcm(true, &AES_256_GCM)),
            // ... with CHACHA20_POLY1305_SHA256
            0xcca9 | 0xcca8 => Some(Tls12Suite {
                sha384: false,
                aead: &CHACHA20_POLY1305,
                explicit_nonce: false,
            }),
            _ => None,
        }
    }

    fn iv_len(self) -> usize {
        if self.explicit_nonce { 4 } else { 12 }
    }
}

/// The TLS 1.2 PRF (RFC 5246 5): P_hash(secret, label + seed) with HMAC.
pub fn tls12_prf(sha384: bool, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(
        if sha384 {
            hmac::HMAC_SHA384
        } else {
            hmac::HMAC_SHA256
        },
        secret,
    );
    let mut label_seed = label.as_bytes().to_vec();
    label_seed.extend_from_slice(seed);
    let mut out = Vec::with_capacity(len + 48);
    let mut a = hmac::sign(&key, &label_seed); // A(1)
    while out.len() < len {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(&label_seed);
        out.extend_from_slice(ctx.sign().as_ref());
        a = hmac::sign(&key, a.as_ref());
    }
    out.truncate(len);
    out
}

/// One direction's TLS 1.2 keys and its record sequence number.
pub struct Tls12Keys {
    key: LessSafeKey,
    /// GCM uses the first 4 bytes (the rest of its nonce is in each record); ChaCha20 all 12.
    iv: [u8; 12],
    explicit_nonce: bool,
    seq: u64,
}

impl fmt::Debug for Tls12Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls12Keys")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl Tls12Keys {
    /// The client's and the server's keys from the master secret and the two randoms.
    pub fn pair(
        suite: Tls12Suite,
        master_secret: &[u8],
        client_random: &[u8],
        server_random: &[u8],
    ) -> Result<(Tls12Keys, Tls12Keys), DecryptError> {
        let (key_len, iv_len) = (suite.aead.key_len(), suite.iv_len());
        let mut seed = server_random.to_vec();
        seed.extend_from_slice(client_random);
        let block = tls12_prf(
            suite.sha384,
            master_secret,
            "key expansion",
            &seed,
            2 * (key_len + iv_len),
        );
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(iv_len);
        let make = |key: &[u8], iv: &[u8]| -> Result<Tls12Keys, DecryptError> {
            let key = UnboundKey::new(suite.aead, key).map_err(|_| DecryptError::Tls12KeySize)?;
            let mut padded = [0u8; 12];
            padded[..iv.len()].copy_from_slice(iv);
            Ok(Tls12Keys {
                key: LessSafeKey::new(key),
                iv: padded,
                explicit_nonce: suite.explicit_nonce,
                seq: 0,
            })
        };
        Ok((make(client_key, client_iv)?, make(server_key, server_iv)?))
    }

    /// Decrypt one protected record: its plaintext (the record's own type is the real one) and
    /// how it was opened.
    /// The plaintext is a piece of `arena`: the payload copied there and opened in place.
    pub fn open(
        &mut self,
        record: &Record,
        arena: &mut Arena,
    ) -> Result<(Bytes, Sealing), DecryptError> {
        let seq = self.seq;
        let tag = self.key.algorithm().tag_len();
        let (nonce, sealed) = if self.explicit_nonce {
            if record.payload().len() < 8 + tag {
                return Err(DecryptError::TooShort {
                    len: record.payload().len(),
                });
            }
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&self.iv[..4]);
            nonce[4..].copy_from_slice(&record.payload()[..8]);
            (nonce, &record.payload()[8..])
        } else {
            (xor_nonce(&self.iv, seq), record.payload())
        };
        let plain_len = sealed
            .len()
            .checked_sub(tag)
            .ok_or(DecryptError::TooShort { len: sealed.len() })?;
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&seq.to_be_bytes());
        aad[8] = record.content_type;
        aad[9..11].copy_from_slice(&record.version.to_be_bytes());
        aad[11..].copy_from_slice(&(plain_len as u16).to_be_bytes());
        let content = arena.copy_with(sealed, |buf| {
            self.key
                .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
                .map_err(|_| DecryptError::Tls12Record { seq })?;
            Ok(plain_len)
        })?;
        self.seq += 1;
        let sealing = Sealing {
            secret: "CLIENT_RANDOM",
            updates: 0,
            aead: aead_name(self.key.algorithm()),
            seq,
            iv: self.iv,
            nonce,
            explicit_nonce: self.explicit_nonce,
            tag_len: tag,
            inner_type: None,
            padding: 0,
        };
        Ok((content, sealing))
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
    fn tls12_prf_matches_the_published_sha256_vector() {
        // The TLS 1.2 PRF test vector (SHA-256) posted to the IETF TLS list by Joseph Birr-Pixton
        // and used by many implementations' tests.
        let secret = hex("9bbe436ba940f017b17652849a71db35");
        let seed = hex("a0ba9f936cda311827a6f796ffd5198c");
        let out = tls12_prf(false, &secret, "test label", &seed, 100);
        assert_eq!(
            out,
            hex(concat!(
                "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a",
                "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab",
                "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701",
                "87347b66"
            ))
        );
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
        // The pair as the observer derives it, from one HMAC key: the same RFC 8448 values.
        let (key, iv) = Suite::Aes128GcmSha256.key_and_iv(&secret).unwrap();
        assert_eq!(*key, hex("3fce516009c21727d0f2e4e86ee403bc"));
        assert_eq!(iv.to_vec(), hex("5d313eb2671276ee13000b30"));
    }

    /// RFC 8446 5.3: the sequence number goes up with each record read. A record that opens to
    /// zeros only (no content type, 5.4) was read; one that does not open was not.
    #[test]
    fn a_record_counts_when_it_opens_even_to_zeros_only() {
        let suite = Suite::Aes128GcmSha256;
        let secret = [7u8; 32];
        let (key, iv) = suite.key_and_iv(&secret).unwrap();
        let sealer = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &key).unwrap());
        let seal = |seq: u64, inner: &[u8], tamper: bool| {
            let len = inner.len() + 16;
            let header = [23, 3, 3, (len >> 8) as u8, len as u8];
            let mut wire = inner.to_vec();
            sealer
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(xor_nonce(&iv, seq)),
                    Aad::from(header),
                    &mut wire,
                )
                .unwrap();
            wire[0] ^= u8::from(tamper);
            wire.splice(0..0, header);
            Record {
                content_type: 23,
                version: 0x0303,
                wire: Bytes::from(wire),
                offset: 0,
            }
        };
        let label = "CLIENT_TRAFFIC_SECRET_0";
        let mut keys = TrafficKeys::new(suite, &secret).unwrap();
        let mut arena = Arena::new();
        let zeros = keys.open(&seal(0, &[0, 0, 0], false), label, 0, &mut arena);
        assert_eq!(zeros.unwrap_err(), DecryptError::AllZeroPlaintext);
        let tampered = keys.open(&seal(1, b"x\x17", true), label, 0, &mut arena);
        assert_eq!(tampered.unwrap_err(), DecryptError::Tls13Record { seq: 1 });
        let (typ, plain, sealing) = keys
            .open(&seal(1, b"hi\x17\0\0", false), label, 0, &mut arena)
            .unwrap();
        assert_eq!((typ, &plain[..], sealing.seq), (23, &b"hi"[..], 1));
        assert_eq!((sealing.inner_type, sealing.padding), (Some(23), 2));
    }

    #[test]
    fn key_and_iv_are_hkdf_expand_label_for_every_suite() {
        // The one-block shortcut against the general HKDF-Expand-Label, per suite's hash and key.
        let secret: Vec<u8> = (0u8..48).collect();
        for (suite, alg, key_len) in [
            (Suite::Aes128GcmSha256, hkdf::HKDF_SHA256, 16),
            (Suite::Aes256GcmSha384, hkdf::HKDF_SHA384, 32),
            (Suite::Chacha20Poly1305Sha256, hkdf::HKDF_SHA256, 32),
        ] {
            let secret = &secret[..if key_len == 32 && alg == hkdf::HKDF_SHA384 {
                48
            } else {
                32
            }];
            let (key, iv) = suite.key_and_iv(secret).unwrap();
            assert_eq!(
                *key,
                hkdf_expand_label(alg, secret, "key", &[], key_len).unwrap()
            );
            assert_eq!(
                iv.to_vec(),
                hkdf_expand_label(alg, secret, "iv", &[], 12).unwrap()
            );
        }
    }
}
