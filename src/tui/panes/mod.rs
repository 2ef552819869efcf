pub mod generate;
pub mod handshake;
pub mod inspect;

use certbench::inspect::CertSummary;
use certbench::workspace::Entity;
use ratatui::text::{Line, Span};
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
        let days = certbench::inspect::days_until(e.not_after, now);
        let style = if days < 30 {
            theme::warn()
        } else {
            theme::dim()
        };
        Span::styled(format!("{days}d"), style)
    }
}

/// A certificate's summary as label/value lines, labels `label_w` wide.
pub fn summary_lines(s: &CertSummary, now: OffsetDateTime, label_w: usize) -> Vec<Line<'static>> {
    s.fields(now)
        .into_iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:<label_w$}"), theme::label()),
                Span::raw(v),
            ])
        })
        .collect()
}

/// `s` cut to `w` characters, with an ellipsis when cut.
pub fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(w.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
