//! The bottom of certbench: what every other crate stands on and that knows nothing of TLS or
//! certificates. Hostile text made safe for a terminal or a log ([`text`]), times a person types
//! ([`times`]), the word tables of assets/ ([`assets`]), writing files so that nothing is lost
//! ([`fsutil`]), and a map over the machine's cores ([`parallel`]).

pub mod assets;
pub mod fsutil;
pub mod parallel;
pub mod text;
pub mod times;
