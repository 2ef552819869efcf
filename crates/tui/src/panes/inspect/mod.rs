//! The Inspect pane: the loaded certificates, the selected one's fields, its verdict and bytes.

mod draw;
mod state;
mod update;

pub use draw::{draw, side_max_scroll, side_page};
pub use state::*;
pub(crate) use update::expand_home;
