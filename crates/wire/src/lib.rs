//! A TLS connection read from its bytes: records and handshake messages, their fields, the
//! reassembly of messages split across records, TLS 1.3 and 1.2 decryption with the secrets of a
//! key log, and the [`observe::Observer`] that turns the two directions of a connection into what
//! was seen. Also the pcapng writer for what was seen.
//!
//! Bytes from the wire are untrusted: nothing here panics or allocates without bound on any input.
//! This crate has no sockets, no async runtime and no TLS library: whoever holds the bytes (a tap
//! on certbench's own socket, a relay, a capture) feeds them in.

pub mod arena;
pub mod bytes;
pub mod decrypt;
pub mod keylog;
pub mod messages;
pub mod names;
pub mod observe;
pub mod pcap;
pub mod record;
pub mod side;

pub use messages::{Message, decode};
pub use record::{HandshakeReader, Record, RecordReader, WireError};
pub use side::Side;
