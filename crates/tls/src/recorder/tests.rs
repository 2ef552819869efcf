use super::*;

/// A recorder whose events are kept in the list it gives, compact or not.
fn keeping(compact: bool) -> (SharedRecorder, Arc<Mutex<Vec<Event>>>) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let to = kept.clone();
    let rec = Recorder::shared(Box::new(move |e| {
        to.lock().unwrap_or_else(|e| e.into_inner()).push(e)
    }));
    lock(&rec).set_compact(compact);
    (rec, kept)
}

/// A ClientHello (RFC 8446 4.1.2) whose random is 32 sevens, with one suite and no extensions:
/// 41 bytes of body.
fn client_hello() -> Vec<u8> {
    let mut hello = vec![1u8, 0, 0, 41, 3, 3];
    hello.extend([7u8; 32]);
    hello.extend([0, 0, 2, 0x13, 1, 1, 0]);
    hello
}

/// What the events keep of a peer that is not certbench's is a copy of its own size; in the
/// loopback run it stays a slice of what was read (two records of one read lie side by side).
#[test]
fn kept_bytes_of_a_foreign_peer_are_copies_of_their_own_size() {
    for compact in [true, false] {
        let (rec, kept) = keeping(compact);
        // Two close_notify alerts in clear, in one read.
        let alert = [21u8, 3, 3, 0, 2, 1, 0];
        lock(&rec).feed(Dir::ClientToServer, &[alert, alert].concat());
        let events = kept.lock().unwrap_or_else(|e| e.into_inner());
        let wires: Vec<&[u8]> = events
            .iter()
            .filter_map(|e| e.wire()?.carried.as_ref())
            .map(|c| &c.records[0].wire[..])
            .collect();
        assert_eq!(wires, [&alert[..], &alert[..]]);
        let side_by_side =
            wires[1].as_ptr() as usize == wires[0].as_ptr() as usize + wires[0].len();
        assert_eq!(side_by_side, !compact, "compact: {compact}");
    }
}

/// The same for decoded messages: two ClientHellos in one record share it in the loopback
/// run, and are each a copy of their own in a recorder of a foreign peer.
#[test]
fn kept_messages_of_a_foreign_peer_are_copies_of_their_own_size() {
    let hello = client_hello();
    let mut record = vec![22u8, 3, 1, 0, 2 * hello.len() as u8];
    record.extend(&hello);
    record.extend(&hello);
    for compact in [true, false] {
        let (rec, kept) = keeping(compact);
        lock(&rec).feed(Dir::ClientToServer, &record);
        let events = kept.lock().unwrap_or_else(|e| e.into_inner());
        let randoms: Vec<&[u8]> = events
            .iter()
            .filter_map(|e| match e.message()? {
                Message::ClientHello(ch) => Some(&ch.random[..]),
                _ => None,
            })
            .collect();
        assert_eq!(randoms, [&[7u8; 32][..], &[7u8; 32][..]]);
        let side_by_side =
            randoms[1].as_ptr() as usize == randoms[0].as_ptr() as usize + hello.len();
        assert_eq!(side_by_side, !compact, "compact: {compact}");
    }
}

/// A connection `serve` keeps open after its handshake, when nothing keeps its events, holds
/// none of the buffers its bytes were read into (10,000 idle connections would hold 4 KiB each:
/// `scripts/compare.sh` measured 29.4 KiB a connection against 25.3 when the client random was a
/// slice of one).
#[test]
fn an_idle_connection_holds_none_of_what_it_read() {
    let hello = client_hello();
    let mut record = vec![22u8, 3, 1, 0, hello.len() as u8];
    record.extend(&hello);
    let (rec, kept) = keeping(false);
    lock(&rec).feed(Dir::ClientToServer, &record);
    // A piece of the buffer the record was read into, from the ClientHello's event.
    let piece = {
        let mut events = kept.lock().unwrap_or_else(|e| e.into_inner());
        let carried = events
            .iter()
            .find_map(|e| e.wire()?.carried.clone())
            .expect("the ClientHello's bytes");
        events.clear();
        carried.records[0].wire.clone()
    };
    assert!(
        !piece.is_unique(),
        "the recorder reads from the same buffer"
    );
    lock(&rec).count_only();
    assert_eq!(lock(&rec).client_random, Some([7u8; 32]));
    assert!(
        piece.is_unique(),
        "the buffer is held by nothing but this piece"
    );
}

/// The TLS 1.2 suites the words say rustls speaks are the ones its provider has (the words and
/// the NoCommonGroup-to-NoCommonSuite rule read this list).
#[test]
fn the_tls12_suites_named_as_spoken_are_the_providers() {
    let mut provider: Vec<u16> = rustls::crypto::aws_lc_rs::default_provider()
        .cipher_suites
        .iter()
        .filter(|s| matches!(s, rustls::SupportedCipherSuite::Tls12(_)))
        .map(|s| u16::from(s.suite()))
        .collect();
    provider.sort();
    let mut ours = certbench_wire::names::RUSTLS_TLS12_SUITES.to_vec();
    ours.sort();
    assert_eq!(provider, ours);
}

/// A secret's note made while a record that crossed before it still waits comes out after that
/// record: the events in the order things happened, as `connect` sees a server's encrypted
/// flight arrive before the client derives the keys that read it.
#[test]
fn a_secret_note_made_while_an_earlier_record_waits_follows_it() {
    let (rec, kept) = keeping(true);
    let mut hello = vec![22u8, 3, 1, 0, 45];
    hello.extend(client_hello());
    lock(&rec).feed(Dir::ClientToServer, &hello);
    // A ServerHello for TLS 1.3 (supported_versions 0x0304), TLS_AES_256_GCM_SHA384, then an
    // encrypted record: it waits for the server's handshake secret.
    let mut body = vec![3u8, 3];
    body.extend([9u8; 32]);
    body.extend([0, 0x13, 2, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4]);
    let mut flight = vec![22u8, 3, 3, 0, 50, 2, 0, 0, 46];
    flight.extend(&body);
    flight.extend([23u8, 3, 3, 0, 20]);
    flight.extend([0u8; 20]);
    lock(&rec).feed(Dir::ServerToClient, &flight);
    assert!(lock(&rec).observer.is_waiting());
    std::thread::sleep(std::time::Duration::from_millis(2));
    let before = kept.lock().unwrap().len();
    lock(&rec).local(
        Side::Client,
        EventKind::Secret {
            label: "CLIENT_HANDSHAKE_TRAFFIC_SECRET".into(),
            len: 48,
        },
    );
    assert_eq!(
        kept.lock().unwrap().len(),
        before,
        "held while the record waits"
    );
    // The end of the connection shows the record as it is, then the note.
    let rest = lock(&rec).observer.finish();
    lock(&rec).emit_seen(rest);
    let events = kept.lock().unwrap();
    let kinds: Vec<bool> = events
        .iter()
        .map(|e| matches!(e.kind, EventKind::Secret { .. }))
        .collect();
    assert_eq!(kinds.last(), Some(&true), "{events:?}");
    let times: Vec<u64> = events.iter().map(|e| e.t_us).collect();
    assert!(times.is_sorted(), "{times:?}");
    // With nothing waiting, a note comes at once.
    let n = events.len();
    drop(events);
    lock(&rec).local(
        Side::Client,
        EventKind::Secret {
            label: "SERVER_HANDSHAKE_TRAFFIC_SECRET".into(),
            len: 48,
        },
    );
    assert_eq!(kept.lock().unwrap().len(), n + 1);
}
