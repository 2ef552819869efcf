//! certbench's engine: generate a PKI, inspect certificates, and (later) watch real mTLS handshakes.
//!
//! The engine never touches the terminal: the TUI (`src/tui`) and the CLI (`src/cli`) in the binary
//! sit on top of it and only show what it returns.

pub mod assets;
pub mod cause;
pub mod error;
pub mod fsutil;
pub mod fuzzing;
pub mod handshake;
pub mod inspect;
pub mod lab;
pub mod parallel;
pub mod pki;
pub mod recipes;
pub mod text;
pub mod times;
pub mod workspace;

pub use error::{Error, Result};
