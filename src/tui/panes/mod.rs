pub mod generate;
pub mod handshake;
pub mod inspect;

use certbench::workspace::Entity;
use ratatui::text::Span;
use time::OffsetDateTime;

use super::theme;

/// A short validity mark for lists: "364d", "revoked", "expired", "future".
pub fn status_span(e: &Entity, now: OffsetDateTime) -> Span<'static> {
    if e.revoked.is_some() {
        Span::styled("revoked", theme::error())
    } else if now > e.not_after {
        Span::styled("expired", theme::error())
    } else if now < e.not_before {
        Span::styled("future", theme::warn())
    } else {
        let days = (e.not_after - now).whole_days();
        let style = if days < 30 {
            theme::warn()
        } else {
            theme::dim()
        };
        Span::styled(format!("{days}d"), style)
    }
}
