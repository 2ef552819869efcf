//! Copies of one connection's bytes (what crossed the wire, what a record opened to), carved one
//! after another from a few buffers of a few KiB instead of one allocation each. A run's handshake
//! is some ten kilobytes in a few dozen pieces: it takes two or three allocations, and the pieces
//! lie side by side in memory. Each piece is a `Bytes` of its own, shared by whatever keeps it (the
//! records, messages and events that show it, a capture); a buffer is freed when its last piece
//! is.

use bytes::{Bytes, BytesMut};

/// The size of a new buffer (a larger piece gets one of its own size).
const CHUNK: usize = 4096;

#[derive(Debug, Default)]
pub struct Arena {
    /// The current buffer's free room (empty between pieces).
    buf: BytesMut,
}

impl Arena {
    pub fn new() -> Arena {
        Arena::default()
    }

    /// Room for `len` bytes in the current buffer, or a new buffer.
    fn room(&mut self, len: usize) {
        if self.buf.capacity() < len {
            self.buf = BytesMut::with_capacity(len.max(CHUNK));
        }
    }

    /// One piece: `pieces` one after another (a write handed over as several buffers).
    pub fn copy<P: std::ops::Deref<Target = [u8]>>(&mut self, pieces: &[P]) -> Bytes {
        self.room(pieces.iter().map(|p| p.len()).sum());
        for p in pieces {
            self.buf.extend_from_slice(p);
        }
        self.buf.split().freeze()
    }

    /// One piece: `bytes` copied in and changed in place by `f` (a record opened), which says how
    /// many of them the piece keeps; when `f` fails nothing is kept.
    pub fn copy_with<E>(
        &mut self,
        bytes: &[u8],
        f: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<Bytes, E> {
        self.room(bytes.len());
        self.buf.extend_from_slice(bytes);
        match f(&mut self.buf) {
            Ok(keep) => {
                self.buf.truncate(keep);
                Ok(self.buf.split().freeze())
            }
            Err(e) => {
                self.buf.clear();
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_what_was_copied_and_share_a_buffer() {
        let mut arena = Arena::new();
        let a = arena.copy(&[&b"hello "[..], b"world"]);
        let b = arena.copy(&[&b"again"[..]]);
        assert_eq!((&a[..], &b[..]), (&b"hello world"[..], &b"again"[..]));
        // Side by side in one buffer: the second starts where the first ends.
        assert_eq!(b.as_ptr() as usize, a.as_ptr() as usize + a.len());
        let opened = arena.copy_with(b"abcdef", |buf: &mut [u8]| {
            buf.make_ascii_uppercase();
            Ok::<_, ()>(3)
        });
        let opened = opened.unwrap();
        assert_eq!(&opened[..], b"ABC");
        assert_eq!(arena.copy_with(b"xyz", |_| Err("no")), Err("no"));
        // The piece after a failed one starts where the failed one did: nothing was kept (and
        // the opened piece's cut-off bytes are not kept either).
        let next = arena.copy(&[&b"next"[..]]);
        assert_eq!(&next[..], b"next");
        assert_eq!(next.as_ptr() as usize, opened.as_ptr() as usize + 3);
        // Dropping the earlier pieces leaves the later ones as they were.
        drop((a, b));
        assert_eq!(&next[..], b"next");
    }

    #[test]
    fn a_piece_larger_than_a_buffer_gets_its_own() {
        let mut arena = Arena::new();
        let small = arena.copy(&[&[1u8; 100][..]]);
        let big = arena.copy(&[&[2u8; 3 * CHUNK][..]]);
        assert_eq!(big.len(), 3 * CHUNK);
        assert!(big.iter().all(|b| *b == 2) && small.iter().all(|b| *b == 1));
        let after = arena.copy(&[&[3u8; 10][..]]);
        assert_eq!(&after[..], &[3u8; 10]);
    }
}
