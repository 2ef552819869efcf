//! The handshake engine: a real mTLS handshake watched as it happens. Material (anchors, CRLs,
//! each side's chain and key) becomes rustls configs ([`config`]); one [`recorder`] per connection
//! merges the tap on the wire (the wire crate's Observer), each side's key log and the reporting
//! verifiers' verdicts into typed [`event`]s; three drivers run it: the loopback run ([`run`]),
//! `serve` ([`serve`]) and `connect` ([`connect`]). At the end, who proved what ([`proof`]).
//!
//! Everything is data: words for people come from assets/ through [`event::say`] and the cause
//! crate. The failure lab sits above this crate; nothing here knows of it.

pub mod annotate;
mod authorize;
pub mod config;
pub mod connect;
pub mod describe;
pub mod event;
pub mod listen;
pub mod material;
pub mod metrics;
pub mod peers;
pub mod proof;
mod recorder;
pub mod relay;
pub mod responder;
pub mod run;
pub mod serve;
pub mod staple;
