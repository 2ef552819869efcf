//! The Handshake pane: a live mTLS handshake as a sequence diagram, the selected step's fields
//! and bytes, the failure lab, and the connections of `serve` and `connect`.

mod bytes;
mod details;
mod diagram;
mod draw;
mod state;
mod update;

pub use details::draw_lab_overlay;
pub use draw::{details_max_scroll, details_page, draw};
pub use state::*;
pub use update::RELAY_KEYLOG;
