//! Watching a real TLS handshake: the wire parser (records, handshake messages, their fields).
//! Bytes from the wire are untrusted: nothing here panics or allocates without bound on any input.
//! The live loopback run, the decryption (TLS 1.3 and 1.2) and the event stream build on this.

pub mod bytes;
pub mod config;
pub mod connect;
pub mod decrypt;
pub mod event;
pub mod export;
pub mod material;
pub mod messages;
pub mod metrics;
pub mod names;
pub mod observe;
pub mod pcap;
pub mod proof;
mod recorder;
pub mod run;
pub mod serve;
pub mod wire;

pub use messages::{Message, decode};
pub use wire::{HandshakeReader, Record, RecordReader, WireError};
