#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! Each message's bytes, as the Handshake pane annotates them, on real loopback runs (TLS 1.3 with
//! and without a client certificate, TLS 1.2 with each AEAD kind): the fields of every message add
//! up exactly to its bytes, the records carry those bytes and nothing else, the records put back
//! together are the bytes that crossed the wire, and every decrypted record seals again, with
//! keys this test derives itself from the key log (RFC 8446 7.1 and 7.3; RFC 5246 5 and 6.3,
//! RFC 5288, RFC 7905), to the ciphertext that was on the wire.

mod common;

use aws_lc_rs::aead::{
    AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey,
};
use aws_lc_rs::{hkdf, hmac};
use certbench_pki::workspace::{SetOptions, Workspace};
use certbench_tls::event::EventKind;
use certbench_tls::run::{ClientAuth, Event, RunOptions, Summary, TlsVersion};
use certbench_wire::Side;
use certbench_wire::bytes::{Part, inner_parts, leaves, message_parts, record_parts};
use certbench_wire::messages::Version;

fn run(version: TlsVersion, suite: Option<&str>, client: bool) -> (Vec<Event>, Summary) {
    let dir = tempfile::tempdir().unwrap();
    Workspace::open(dir.path())
        .unwrap()
        .gen_set(
            &SetOptions::default(),
            false,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
    let mut opts = RunOptions::new(dir.path().to_path_buf());
    opts.version = version;
    opts.suite = suite.map(String::from);
    if !client {
        opts.material.client = None;
        opts.client_auth = ClientAuth::Optional;
    }
    let (events, summary) = common::loopback(&opts);
    assert!(summary.ok(), "{summary:?}");
    (events, summary)
}

fn covers(parts: &[Part], len: usize, what: &str) {
    let mut at = 0;
    for p in leaves(parts) {
        assert_eq!(
            p.range.start, at,
            "{what}: a gap or an overlap before {p:?}"
        );
        at = p.range.end;
    }
    assert_eq!(at, len, "{what}: the fields end before the bytes do");
}

struct Keylog(Vec<(String, Vec<u8>)>);

impl Keylog {
    fn of(summary: &Summary) -> Keylog {
        let unhex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        Keylog(
            summary
                .keylog
                .lines()
                .iter()
                .map(|l| {
                    let f: Vec<&str> = l.split(' ').collect();
                    (f[0].to_string(), unhex(f[2]))
                })
                .collect(),
        )
    }
    fn get(&self, label: &str) -> &[u8] {
        &self
            .0
            .iter()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("no {label} in the key log"))
            .1
    }
}

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label, as RFC 8446 7.1 writes it.
fn expand_label(alg: hkdf::Algorithm, secret: &[u8], label: &str, len: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let mut out = vec![0; len];
    hkdf::Prk::new_less_safe(alg, secret)
        .expand(&[&info], Len(len))
        .unwrap()
        .fill(&mut out)
        .unwrap();
    out
}

/// P_hash of RFC 5246 5.
fn prf(sha384: bool, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let alg = if sha384 {
        hmac::HMAC_SHA384
    } else {
        hmac::HMAC_SHA256
    };
    let key = hmac::Key::new(alg, secret);
    let seed = [label.as_bytes(), seed].concat();
    let mut a = hmac::sign(&key, &seed).as_ref().to_vec();
    let mut out = Vec::new();
    while out.len() < len {
        out.extend_from_slice(hmac::sign(&key, &[a.as_slice(), &seed].concat()).as_ref());
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
    out.truncate(len);
    out
}

fn aead(name: &str) -> &'static aws_lc_rs::aead::Algorithm {
    match name {
        "AES-128-GCM" => &AES_128_GCM,
        "AES-256-GCM" => &AES_256_GCM,
        "ChaCha20-Poly1305" => &CHACHA20_POLY1305,
        other => panic!("an AEAD this test does not know: {other}"),
    }
}

/// Every wire event's bytes laid out, checked, and sealed again.
fn check(events: &[Event], summary: &Summary, version: Version) -> usize {
    let keylog = Keylog::of(summary);
    let suite = summary.cipher_suite.clone().unwrap();
    let sha384 = suite.ends_with("SHA384");
    let hash = if sha384 {
        hkdf::HKDF_SHA384
    } else {
        hkdf::HKDF_SHA256
    };
    // Each record once, in the order it crossed, per direction.
    let mut records: [Vec<certbench_wire::bytes::RecordBytes>; 2] = Default::default();
    let (mut client_random, mut server_random) = (Vec::new(), Vec::new());
    let mut sealed = 0;
    for e in events {
        let EventKind::Wire(w) = &e.kind else {
            continue;
        };
        let name = w.what.name();
        let c = w
            .carried
            .as_ref()
            .unwrap_or_else(|| panic!("{name} has no bytes"));
        if let Some(m) = e.message() {
            use certbench_wire::messages::Message;
            match m {
                Message::ClientHello(ch) => client_random = ch.random.to_vec(),
                Message::ServerHello(sh) => server_random = sh.random.to_vec(),
                _ => {}
            }
            // The message's fields cover its bytes, every one of them understood.
            let parts = message_parts(&c.bytes, version);
            covers(&parts, c.bytes.len(), name);
            assert!(
                !parts.iter().any(|p| p.name == "unparsed"),
                "{name}: bytes the layout did not read: {parts:?}"
            );
            assert_eq!(c.bytes.len(), w.size, "{name}: its size");
            if name == "ClientHello" && version == Version::Tls13 {
                // The hybrid share: ML-KEM-768's encapsulation key (1,184 bytes, FIPS 203) and an
                // X25519 key (32); then x25519's own (RFC 8446 4.2.8); the name asked for.
                let shares: Vec<(String, usize)> = parts
                    .windows(3)
                    .filter(|w| w[0].name == "group" && w[1].name == "key_exchange")
                    .map(|w| {
                        (
                            w[0].value.as_ref().unwrap().to_string(),
                            w[1].range.len() - 2,
                        )
                    })
                    .collect();
                assert_eq!(
                    shares,
                    [
                        ("X25519MLKEM768".to_string(), 1216),
                        ("x25519".to_string(), 32)
                    ]
                );
                let host = parts.iter().find(|p| p.name == "HostName").unwrap();
                assert_eq!(host.value.as_ref().unwrap().to_string(), "localhost");
            }
            if name == "ServerHello" {
                let suite_part = parts.iter().find(|p| p.name == "cipher_suite").unwrap();
                assert_eq!(
                    suite_part.value.as_ref().map(ToString::to_string),
                    Some(suite.clone())
                );
            }
        }
        // Its bytes are its records' contents, from where it starts.
        let mut from_records = Vec::new();
        for (i, range) in c.pieces() {
            from_records.extend_from_slice(&c.records[i].content.as_ref().unwrap()[range]);
        }
        assert_eq!(from_records, c.bytes, "{name}: the records' content");
        let way = usize::from(e.side == Side::Server);
        for r in &c.records {
            if records[way]
                .last()
                // The record the last message shared: the same bytes, not a copy.
                .is_some_and(|l| l.wire.as_ptr() == r.wire.as_ptr())
            {
                continue;
            }
            records[way].push(r.clone());
            covers(&record_parts(r, version), r.wire.len(), "a record");
            let Some(s) = &r.sealing else {
                assert_eq!(r.content.as_deref(), Some(r.payload()), "{name} in clear");
                continue;
            };
            if let Some(inner) = inner_parts(r) {
                covers(
                    &inner,
                    r.sealed_plaintext().unwrap().len(),
                    "inner plaintext",
                );
            }
            // Seal the plaintext again with keys derived here from the logged secret.
            let alg = aead(s.aead);
            let (key, iv) = match version {
                Version::Tls13 => {
                    let secret = keylog.get(s.secret);
                    (
                        expand_label(hash, secret, "key", alg.key_len()),
                        expand_label(hash, secret, "iv", 12),
                    )
                }
                Version::Tls12 => {
                    let iv_len = if s.explicit_nonce { 4 } else { 12 };
                    let block = prf(
                        sha384,
                        keylog.get("CLIENT_RANDOM"),
                        "key expansion",
                        &[server_random.as_slice(), &client_random].concat(),
                        2 * (alg.key_len() + iv_len),
                    );
                    let k = alg.key_len();
                    let (key, iv) = match e.side {
                        Side::Client => (&block[..k], &block[2 * k..2 * k + iv_len]),
                        Side::Server => (&block[k..2 * k], &block[2 * k + iv_len..]),
                    };
                    (key.to_vec(), iv.to_vec())
                }
            };
            assert_eq!(s.iv(), iv.as_slice(), "{name}: the IV shown");
            let mut nonce = [0u8; 12];
            let payload = r.payload();
            let body = if s.explicit_nonce {
                nonce[..4].copy_from_slice(&iv);
                nonce[4..].copy_from_slice(&payload[..8]);
                &payload[8..]
            } else {
                nonce.copy_from_slice(&iv);
                for (n, q) in nonce[4..].iter_mut().zip(s.seq.to_be_bytes()) {
                    *n ^= q;
                }
                payload
            };
            assert_eq!(s.nonce, nonce, "{name}: the nonce shown");
            let mut plain = r.sealed_plaintext().unwrap();
            let aad = match version {
                Version::Tls13 => r.header().to_vec(),
                Version::Tls12 => {
                    let mut a = s.seq.to_be_bytes().to_vec();
                    a.extend_from_slice(&r.header()[..3]);
                    a.extend_from_slice(&(plain.len() as u16).to_be_bytes());
                    a
                }
            };
            let key = LessSafeKey::new(UnboundKey::new(alg, &key).unwrap());
            key.seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut plain,
            )
            .unwrap();
            assert_eq!(
                plain, body,
                "{name}: the plaintext sealed again is not what was on the wire"
            );
            sealed += 1;
        }
    }
    // The records, put back together, are the bytes that crossed, each way.
    for (way, from_client) in [(0, true), (1, false)] {
        let crossed: Vec<u8> = summary
            .wire
            .segments
            .iter()
            .filter(|s| s.from_client == from_client)
            .flat_map(|s| s.bytes.clone())
            .collect();
        let shown: Vec<u8> = records[way].iter().flat_map(|r| r.wire.clone()).collect();
        assert_eq!(
            shown, crossed,
            "the records shown are the bytes that crossed"
        );
    }
    sealed
}

#[test]
fn tls13_with_a_client_certificate_every_byte_is_accounted_for() {
    let (events, summary) = run(TlsVersion::Tls13, None, true);
    let sealed = check(&events, &summary, Version::Tls13);
    // The server's flight, the client's, the request, the answer, the tickets, the alerts.
    assert!(sealed >= 6, "{sealed}");
    // rustls sends EncryptedExtensions to Finished in one record: each message shows it whole.
    let shared = events
        .iter()
        .filter(|e| e.side == Side::Server)
        .filter_map(|e| e.wire()?.carried.as_ref())
        .filter(|c| c.bytes.first() == Some(&11))
        .map(|c| (c.records.len(), c.offset))
        .next()
        .unwrap();
    assert!(
        shared.1 > 0,
        "the server's Certificate shares its record: {shared:?}"
    );
}

#[test]
fn tls13_without_a_client_certificate_and_with_chacha20() {
    let (events, summary) = run(
        TlsVersion::Tls13,
        Some("TLS_CHACHA20_POLY1305_SHA256"),
        false,
    );
    check(&events, &summary, Version::Tls13);
    let empty = events
        .iter()
        .find(|e| e.side == Side::Client && e.message_name() == Some("Certificate"))
        .unwrap();
    // An empty Certificate: its context and a zero-length list, 8 bytes in all.
    let c = empty.wire().unwrap().carried.as_ref().unwrap();
    assert_eq!(c.bytes[..], [11, 0, 0, 4, 0, 0, 0, 0]);
}

#[test]
fn tls12_gcm_and_chacha20_every_byte_is_accounted_for() {
    for suite in [
        None,
        Some("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
        Some("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    ] {
        let (events, summary) = run(TlsVersion::Tls12, suite, true);
        let sealed = check(&events, &summary, Version::Tls12);
        assert!(sealed >= 4, "{suite:?}: {sealed}");
    }
}
