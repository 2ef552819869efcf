#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The wire parser on the real bytes of an mTLS handshake between a rustls client and server (in
//! memory, with a workspace's certificates): TLS 1.3 hellos, and TLS 1.2, where certificates and
//! the CertificateRequest travel in clear.

use std::io::{Read, Write};
use std::sync::Arc;

use certbench_pki::workspace::{SetId, SetOptions, Workspace};
use certbench_tls::describe::details;
use certbench_tls::event::Verdict;
use certbench_tls::material::Material;
use certbench_tls::{config, config::Choices, config::Reporter, config::TlsVersion};
use certbench_wire::Side;
use certbench_wire::messages::{Message, Version};
use certbench_wire::{HandshakeReader, RecordReader, decode};

/// One key log entry: label, client random, secret.
type Logged = (String, Vec<u8>, Vec<u8>);

/// Collects what the configs' key logs log, as SSLKEYLOGFILE lines would carry it.
#[derive(Debug, Default)]
struct Secrets(std::sync::Mutex<Vec<Logged>>);

impl Reporter for Secrets {
    fn secret(&self, _: Side, label: &str, client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), client_random.to_vec(), secret.to_vec()));
    }
    fn verdict(&self, _: Side, _: Verdict) {}
}

/// Everything a connection has to send now.
fn pending<T>(conn: &mut rustls::ConnectionCommon<T>) -> Vec<u8> {
    let mut buf = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut buf).unwrap();
    }
    buf
}

/// The bytes each side sent during a full mTLS handshake.
fn handshake(versions: &[TlsVersion]) -> (Vec<u8>, Vec<u8>) {
    let (c2s, s2c, _) = handshake_with_secrets(versions);
    (c2s, s2c)
}

/// The bytes each side sent, and every secret either side logged.
fn handshake_with_secrets(versions: &[TlsVersion]) -> (Vec<u8>, Vec<u8>, Vec<Logged>) {
    in_memory(versions, None, None, false)
}

/// An in-memory mTLS handshake and a ping and a pong, with certbench's configs for a workspace's
/// material; the client's and the server's key exchange groups can differ (to provoke a
/// HelloRetryRequest), and the client can then update its keys and send "after" under the new
/// ones.
fn in_memory(
    versions: &[TlsVersion],
    client_groups: Option<&[&str]>,
    server_groups: Option<&[&str]>,
    key_update: bool,
) -> (Vec<u8>, Vec<u8>, Vec<Logged>) {
    let secrets = Arc::new(Secrets::default());
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path()).unwrap();
    ws.gen_set(
        &SetOptions {
            set_id: SetId::new("cafe01"),
            ..SetOptions::default()
        },
        false,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let material = Material::from_workspace(dir.path(), "server", Some("client")).unwrap();
    let mut choices = Choices::same(versions[0], None, None, "localhost");
    choices.client.versions = versions.to_vec();
    choices.server.versions = versions.to_vec();
    let names = |g: Option<&[&str]>| g.unwrap_or(&[]).iter().map(|n| n.to_string()).collect();
    choices.client.groups = names(client_groups);
    choices.server.groups = names(server_groups);
    let reporter: Arc<dyn Reporter> = secrets.clone();
    let (server_config, client_config) =
        config::build(&material, &choices, Some(reporter)).unwrap();
    let mut client =
        rustls::ClientConnection::new(Arc::new(client_config), "localhost".try_into().unwrap())
            .unwrap();
    let mut server = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
    let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
    client.writer().write_all(b"ping").unwrap();
    for _ in 0..20 {
        let buf = pending(&mut client);
        c2s.extend_from_slice(&buf);
        server.read_tls(&mut buf.as_slice()).unwrap();
        server.process_new_packets().unwrap();
        let buf = pending(&mut server);
        s2c.extend_from_slice(&buf);
        client.read_tls(&mut buf.as_slice()).unwrap();
        client.process_new_packets().unwrap();
        let mut got = [0u8; 4];
        if server.reader().read_exact(&mut got).is_ok() {
            assert_eq!(&got, b"ping");
            // A reply, so the server's application keys carry something too.
            server.writer().write_all(b"pong").unwrap();
            let buf = pending(&mut server);
            s2c.extend_from_slice(&buf);
            if key_update {
                client.refresh_traffic_keys().unwrap();
                client.writer().write_all(b"after").unwrap();
                let buf = pending(&mut client);
                c2s.extend_from_slice(&buf);
            }
            let logged = secrets.0.lock().unwrap().clone();
            return (c2s, s2c, logged);
        }
    }
    panic!("the in-memory handshake did not finish");
}

/// Handshake messages in clear, in order, with the TLS version to read them with.
fn clear_messages(stream: &[u8], version: Version, chunk: usize) -> Vec<Message> {
    let mut records = RecordReader::new();
    let mut hs = HandshakeReader::new();
    let mut out = Vec::new();
    for piece in stream.chunks(chunk) {
        for r in records.push(piece) {
            let r = r.unwrap();
            // After ChangeCipherSpec (1.2) or once records are application data (1.3), the
            // handshake is encrypted: stop there.
            if r.content_type != 22 {
                return out;
            }
            for m in hs.push(r.payload()) {
                let m = m.unwrap();
                out.push(decode(m.typ, m.body(), version).unwrap());
            }
        }
    }
    out
}

fn detail(m: &Message, key: &str) -> String {
    details(m)
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

#[test]
fn tls13_hellos_are_decoded_from_the_real_bytes() {
    let (c2s, s2c) = handshake(&[TlsVersion::Tls13]);
    let client = clear_messages(&c2s, Version::Tls13, 4096);
    let Message::ClientHello(ch) = &client[0] else {
        panic!("{client:?}")
    };
    assert_eq!(ch.server_name.as_deref(), Some("localhost"));
    assert!(ch.supported_versions.contains(&0x0304));
    assert!(ch.cipher_suites.contains(&0x1301));
    // rustls with aws-lc-rs offers the hybrid post-quantum group first: ML-KEM-768 + X25519.
    assert_eq!(
        ch.key_shares.first(),
        Some(&(0x11ec, 1216)),
        "{:?}",
        ch.key_shares
    );
    assert!(detail(&client[0], "key_shares").starts_with("X25519MLKEM768 (1216 bytes)"));
    let server = clear_messages(&s2c, Version::Tls13, 4096);
    let Message::ServerHello(sh) = &server[0] else {
        panic!("{server:?}")
    };
    assert_eq!(sh.selected_version, Some(0x0304));
    assert!(!sh.hello_retry_request);
    assert_eq!(
        sh.key_share,
        Some((0x11ec, 1120)),
        "the server's hybrid share: 1088 + 32 bytes"
    );
    assert_eq!(
        server.len(),
        1,
        "in TLS 1.3 everything after ServerHello is encrypted"
    );
}

#[test]
fn tls12_certificates_and_the_request_travel_in_clear() {
    let (c2s, s2c) = handshake(&[TlsVersion::Tls12]);
    let server = clear_messages(&s2c, Version::Tls12, 4096);
    let kinds: Vec<&str> = server
        .iter()
        .map(|m| match m {
            Message::ServerHello(_) => "ServerHello",
            Message::Certificate(_) => "Certificate",
            Message::ServerKeyExchange { .. } => "ServerKeyExchange",
            Message::CertificateRequest(_) => "CertificateRequest",
            Message::ServerHelloDone => "ServerHelloDone",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "CertificateRequest",
            "ServerHelloDone"
        ]
    );
    let Message::Certificate(cert) = &server[1] else {
        panic!()
    };
    assert_eq!(
        cert.certificates.len(),
        2,
        "the server sends its chain: leaf and intermediate"
    );
    assert!(detail(&server[1], "certificates").starts_with("CN=localhost,O=certbench"));
    assert!(
        detail(&server[3], "certificate_authorities")
            .contains("CN=certbench Root CA cafe01,O=certbench")
    );
    assert!(
        detail(&server[2], "group").contains("X25519MLKEM768")
            || detail(&server[2], "group").contains("x25519")
    );

    let client = clear_messages(&c2s, Version::Tls12, 4096);
    let names: Vec<String> = client
        .iter()
        .map(|m| format!("{:?}", std::mem::discriminant(m)))
        .collect();
    assert_eq!(
        client.len(),
        4,
        "ClientHello, Certificate, ClientKeyExchange, CertificateVerify: {names:?}"
    );
    assert!(detail(&client[1], "certificates").starts_with("CN=alice,O=certbench"));
    assert!(matches!(client[3], Message::CertificateVerify { .. }));
    assert!(detail(&client[3], "scheme").starts_with("ecdsa_secp256r1_sha256"));
}

#[test]
fn any_split_of_the_stream_gives_the_same_messages() {
    let (_, s2c) = handshake(&[TlsVersion::Tls12]);
    let whole = clear_messages(&s2c, Version::Tls12, s2c.len());
    for chunk in [1, 2, 3, 5, 7, 100, 1000] {
        assert_eq!(
            clear_messages(&s2c, Version::Tls12, chunk),
            whole,
            "read {chunk} bytes at a time"
        );
    }
}

#[test]
fn a_message_split_across_records_is_reassembled() {
    let (_, s2c) = handshake(&[TlsVersion::Tls12]);
    // Re-frame the server's first flight as records of 10 payload bytes each.
    let mut records = RecordReader::new();
    let mut payload = Vec::new();
    for r in records.push(&s2c) {
        let r = r.unwrap();
        if r.content_type != 22 {
            break;
        }
        payload.extend(r.payload());
    }
    let mut hs = HandshakeReader::new();
    let mut count = 0;
    for piece in payload.chunks(10) {
        count += hs.push(piece).into_iter().map(Result::unwrap).count();
    }
    assert_eq!(count, 5);
    assert!(!hs.is_mid_message());
}

use certbench_wire::observe::{Dir, Observer, Protection, Seen, What};

fn names(seen: &[Seen], dir: Dir) -> Vec<String> {
    seen.iter()
        .filter(|s| s.dir == dir)
        .map(|s| {
            let p = match s.protection {
                Protection::Clear => "",
                Protection::Handshake => " [hs]",
                Protection::Application => " [app]",
                Protection::Tls12 => " [1.2]",
                Protection::Tls12Encrypted => " [1.2, not decrypted]",
            };
            format!("{}{p}", s.what.name())
        })
        .collect()
}

#[test]
fn tls13_encrypted_messages_are_decrypted_with_the_logged_secrets() {
    let (c2s, s2c, secrets) = handshake_with_secrets(&[TlsVersion::Tls13]);
    // Bytes first, secrets after: the encrypted records wait for their keys.
    let mut obs = Observer::new();
    let mut seen = obs.feed(Dir::ClientToServer, &c2s);
    seen.extend(obs.feed(Dir::ServerToClient, &s2c));
    for (label, random, secret) in &secrets {
        seen.extend(obs.add_secret(label, random, secret));
    }
    let unreadable: Vec<_> = seen
        .iter()
        .filter(|s| matches!(s.what, What::Unreadable { .. }))
        .collect();
    assert!(unreadable.is_empty(), "{unreadable:?}");
    let server = names(&seen, Dir::ServerToClient);
    let expected_server_start = [
        "ServerHello",
        "EncryptedExtensions [hs]",
        "CertificateRequest [hs]",
        "Certificate [hs]",
        "CertificateVerify [hs]",
        "Finished [hs]",
    ];
    let without_ccs: Vec<&String> = server.iter().filter(|n| *n != "ChangeCipherSpec").collect();
    assert_eq!(
        without_ccs[..6]
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        expected_server_start,
        "{server:?}"
    );
    assert!(
        server.iter().any(|n| n == "NewSessionTicket [app]"),
        "{server:?}"
    );
    let client = names(&seen, Dir::ClientToServer);
    let client: Vec<&String> = client.iter().filter(|n| *n != "ChangeCipherSpec").collect();
    assert_eq!(
        client.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        [
            "ClientHello",
            "Certificate [hs]",
            "CertificateVerify [hs]",
            "Finished [hs]",
            "ApplicationData [app]"
        ],
    );
    let texts: Vec<Vec<u8>> = seen
        .iter()
        .filter_map(|s| match &s.what {
            What::ApplicationData {
                plaintext: Some(p), ..
            } => Some(p.to_vec()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        vec![b"ping".to_vec(), b"pong".to_vec()],
        "the application data decrypts to what was sent"
    );
    // The client's certificate, decrypted, is alice's.
    let client_cert = seen
        .iter()
        .find(|s| s.dir == Dir::ClientToServer && s.what.name() == "Certificate")
        .unwrap();
    let What::Handshake { message: Ok(m), .. } = &client_cert.what else {
        panic!()
    };
    assert!(detail(m, "certificates").starts_with("CN=alice,O=certbench"));
}

#[test]
fn tls13_decryption_works_whatever_order_bytes_and_secrets_come_in() {
    let (c2s, s2c, secrets) = handshake_with_secrets(&[TlsVersion::Tls13]);
    let run = |secrets_first: bool, chunk: usize| -> Vec<String> {
        let mut obs = Observer::new();
        let mut seen = Vec::new();
        if secrets_first {
            for (l, r, s) in &secrets {
                seen.extend(obs.add_secret(l, r, s));
            }
        }
        // Interleave the two directions in small pieces.
        let (mut a, mut b) = (c2s.chunks(chunk), s2c.chunks(chunk));
        loop {
            let (x, y) = (a.next(), b.next());
            if x.is_none() && y.is_none() {
                break;
            }
            if let Some(x) = x {
                seen.extend(obs.feed(Dir::ClientToServer, x));
            }
            if let Some(y) = y {
                seen.extend(obs.feed(Dir::ServerToClient, y));
            }
        }
        if !secrets_first {
            for (l, r, s) in &secrets {
                seen.extend(obs.add_secret(l, r, s));
            }
        }
        let mut all = names(&seen, Dir::ClientToServer);
        all.extend(names(&seen, Dir::ServerToClient));
        all
    };
    let reference = run(true, 1 << 20);
    assert!(
        !reference.iter().any(|n| n == "unreadable"),
        "{reference:?}"
    );
    for (first, chunk) in [(true, 1), (false, 7), (false, 100), (true, 333)] {
        assert_eq!(
            run(first, chunk),
            reference,
            "secrets first: {first}, {chunk} bytes at a time"
        );
    }
}

#[test]
fn tls12_is_decrypted_with_the_logged_master_secret() {
    let (c2s, s2c, secrets) = handshake_with_secrets(&[TlsVersion::Tls12]);
    // Without the key log, what follows ChangeCipherSpec waits for a secret, and at the end it is
    // shown for what it is: encrypted.
    let mut obs = Observer::new();
    let mut seen = obs.feed(Dir::ClientToServer, &c2s);
    seen.extend(obs.feed(Dir::ServerToClient, &s2c));
    seen.extend(obs.finish());
    let client = names(&seen, Dir::ClientToServer);
    assert_eq!(
        client,
        [
            "ClientHello",
            "Certificate",
            "ClientKeyExchange",
            "CertificateVerify",
            "ChangeCipherSpec",
            "Finished [1.2, not decrypted]",
            "ApplicationData [1.2, not decrypted]"
        ]
    );
    // With it (bytes and secrets in either order), everything reads.
    for secrets_first in [false, true] {
        let mut obs = Observer::new();
        let mut seen = Vec::new();
        let add = |obs: &mut Observer, seen: &mut Vec<Seen>| {
            for (label, random, secret) in &secrets {
                seen.extend(obs.add_secret(label, random, secret));
            }
        };
        if secrets_first {
            add(&mut obs, &mut seen);
        }
        seen.extend(obs.feed(Dir::ClientToServer, &c2s));
        seen.extend(obs.feed(Dir::ServerToClient, &s2c));
        if !secrets_first {
            add(&mut obs, &mut seen);
        }
        assert!(obs.finish().is_empty(), "nothing left encrypted");
        assert_eq!(
            names(&seen, Dir::ClientToServer),
            [
                "ClientHello",
                "Certificate",
                "ClientKeyExchange",
                "CertificateVerify",
                "ChangeCipherSpec",
                "Finished [1.2]",
                "ApplicationData [1.2]"
            ]
        );
        let server = names(&seen, Dir::ServerToClient);
        assert_eq!(
            server,
            [
                "ServerHello",
                "Certificate",
                "ServerKeyExchange",
                "CertificateRequest",
                "ServerHelloDone",
                "ChangeCipherSpec",
                "Finished [1.2]",
                "ApplicationData [1.2]"
            ]
        );
        let finished = seen.iter().find(|s| s.what.name() == "Finished").unwrap();
        assert!(
            matches!(
                &finished.what,
                What::Handshake { message: Ok(m), .. } if detail(m, "verify_data") == "12 bytes"
            ),
            "{finished:?}"
        );
        let mut texts: Vec<Vec<u8>> = seen
            .iter()
            .filter_map(|s| match &s.what {
                What::ApplicationData {
                    plaintext: Some(p), ..
                } => Some(p.to_vec()),
                _ => None,
            })
            .collect();
        texts.sort();
        assert_eq!(texts, vec![b"ping".to_vec(), b"pong".to_vec()]);
    }
}

#[test]
fn a_hello_retry_request_is_decoded_and_the_second_client_hello_follows() {
    // The client sends an X25519 share; the server only takes P-256, so it asks again.
    let (c2s, s2c, secrets) = in_memory(
        &[TlsVersion::Tls13],
        Some(&["x25519", "secp256r1"]),
        Some(&["secp256r1"]),
        false,
    );
    let server = clear_messages(&s2c, Version::Tls13, 1 << 20);
    let Message::ServerHello(hrr) = &server[0] else {
        panic!("{server:?}")
    };
    assert!(hrr.hello_retry_request);
    assert_eq!(hrr.key_share, Some((0x0017, 0)), "it asks for secp256r1");
    assert!(detail(&server[0], "hello_retry_request").starts_with("yes"));
    // The Observer follows the retry: a second ClientHello (after the client's compatibility
    // ChangeCipherSpec) with the share asked for, the real ServerHello, and what comes after.
    let mut obs = Observer::new();
    let mut seen = obs.feed(Dir::ClientToServer, &c2s);
    seen.extend(obs.feed(Dir::ServerToClient, &s2c));
    for (label, random, secret) in &secrets {
        seen.extend(obs.add_secret(label, random, secret));
    }
    let shares: Vec<String> = seen
        .iter()
        .filter_map(|s| match &s.what {
            What::Handshake { message: Ok(m), .. } if matches!(**m, Message::ClientHello(_)) => {
                Some(detail(m, "key_shares"))
            }
            _ => None,
        })
        .collect();
    assert_eq!(shares, ["x25519 (32 bytes)", "secp256r1 (65 bytes)"]);
    let server = names(&seen, Dir::ServerToClient);
    assert_eq!(server[0], "ServerHello");
    assert!(server.contains(&"Finished [hs]".to_string()), "{server:?}");
}

#[test]
fn a_key_update_is_decoded_and_the_next_keys_are_followed() {
    let (c2s, s2c, secrets) = in_memory(&[TlsVersion::Tls13], None, None, true);
    let mut obs = Observer::new();
    let mut seen = obs.feed(Dir::ServerToClient, &s2c);
    seen.extend(obs.feed(Dir::ClientToServer, &c2s));
    for (label, random, secret) in &secrets {
        seen.extend(obs.add_secret(label, random, secret));
    }
    let client = names(&seen, Dir::ClientToServer);
    let n = client.len();
    assert_eq!(
        client[n - 3..],
        [
            "ApplicationData [app]",
            "KeyUpdate [app]",
            "ApplicationData [app]"
        ],
        "{client:?}"
    );
    let update = seen
        .iter()
        .rev()
        .find(|s| s.what.name() == "KeyUpdate")
        .unwrap();
    let What::Handshake { message: Ok(m), .. } = &update.what else {
        panic!("{update:?}")
    };
    // rustls asks the peer to update its keys too.
    assert_eq!(detail(m, "update_requested"), "yes");
    // The record after it decrypts with the next generation of the client's keys.
    let last = seen
        .iter()
        .rev()
        .find(|s| s.dir == Dir::ClientToServer)
        .unwrap();
    assert!(
        matches!(&last.what, What::ApplicationData { plaintext: Some(p), .. } if p[..] == *b"after"),
        "{last:?}"
    );
}

/// A real handshake as input to `Observer::exercise` (the fuzz target's driver): each side's
/// bytes in the largest pieces it takes, then the secrets it knows.
fn exercise_input(c2s: &[u8], s2c: &[u8], secrets: &[Logged]) -> Vec<u8> {
    use certbench_wire::observe::EXERCISE_LABELS as LABELS;
    let mut out = Vec::new();
    for (dir, mut bytes) in [(0u8, c2s), (1, s2c)] {
        // A control byte k feeds k * 64 + 1 bytes (k < 64).
        while !bytes.is_empty() {
            let k = ((bytes.len() - 1) / 64).min(63);
            let (piece, rest) = bytes.split_at(k * 64 + 1);
            out.push(((k as u8) << 2) | dir);
            out.extend_from_slice(piece);
            bytes = rest;
        }
    }
    for (label, _, secret) in secrets {
        let Some(index) = LABELS.iter().position(|l| l == label) else {
            continue;
        };
        let long = u8::from(secret.len() == 48);
        let step = (0u8..64)
            .find(|k| usize::from(*k) % LABELS.len() == index && k >> 5 == long)
            .unwrap();
        out.push((step << 2) | 2);
        out.extend_from_slice(secret);
    }
    out
}

#[test]
fn the_fuzz_driver_reads_a_real_handshake_whole() {
    for versions in [&[TlsVersion::Tls13], &[TlsVersion::Tls12]] {
        let (c2s, s2c, secrets) = handshake_with_secrets(versions);
        let mut obs = Observer::new();
        let mut seen = obs.feed(Dir::ClientToServer, &c2s);
        seen.extend(obs.feed(Dir::ServerToClient, &s2c));
        for (label, random, secret) in &secrets {
            seen.extend(obs.add_secret(label, random, secret));
        }
        let input = exercise_input(&c2s, &s2c, &secrets);
        assert_eq!(
            certbench_wire::observe::exercise(&input),
            seen.len(),
            "the driver sees everything a direct feed sees"
        );
        // Seeds for the fuzzer, when asked: CERTBENCH_FUZZ_SEEDS=$PWD/fuzz/corpus/observer
        if let Some(dir) = std::env::var_os("CERTBENCH_FUZZ_SEEDS") {
            let name = format!("real-{:?}", versions[0]);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(std::path::Path::new(&dir).join(name), &input).unwrap();
        }
    }
}
