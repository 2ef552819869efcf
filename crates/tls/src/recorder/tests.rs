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
