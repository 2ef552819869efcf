pub mod generate;
pub mod handshake;
pub mod inspect;

use certbench_pki::workspace::Entity;
use certbench_x509::CertSummary;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use time::OffsetDateTime;

use crate::theme;

/// A short validity mark for lists: "364d", "revoked", "expired", "future".
pub fn status_span(e: &Entity, now: OffsetDateTime) -> Span<'static> {
    if e.revoked.is_some() {
        Span::styled("revoked", theme::error())
    } else if now > e.not_after {
        Span::styled("expired", theme::error())
    } else if now < e.not_before {
        Span::styled("future", theme::warn())
    } else {
        let days = certbench_x509::days_until(e.not_after, now);
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

/// `s` cut to `w` columns of a terminal, with an ellipsis when cut (a wide character, CJK,
/// takes two).
pub fn cut(s: &str, w: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` and the spaces that make it `w` columns wide (as `{:<w$}` does for characters).
pub fn padded(s: &str, w: usize) -> String {
    let width = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(w.saturating_sub(width)))
}

/// The height of `lines` wrapped to `width` columns as a `Paragraph` wraps them (by words).
pub fn wrapped_height(lines: &[Line<'_>], width: u16) -> usize {
    Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width.max(1))
}

/// Draw `lines` in `block`, scrolled by `scroll` (at most to their end). When they are longer
/// than the box, its bottom edge says there is more and which key shows it (`down`), or that
/// this is the end and which key goes back (`up`).
pub fn draw_scrolled(
    f: &mut Frame<'_>,
    block: Block<'_>,
    area: Rect,
    lines: Vec<Line<'_>>,
    scroll: u16,
    (down, up): (&str, &str),
) {
    let inner = block.inner(area);
    let most = max_scroll(&block, area, &lines);
    let scroll = scroll.min(most);
    let block = if most == 0 {
        block
    } else if scroll < most {
        block.title_bottom(Line::from(Span::styled(
            format!(" more below: {down} "),
            theme::dim(),
        )))
    } else {
        block.title_bottom(Line::from(Span::styled(
            format!(" the end; {up} goes back "),
            theme::dim(),
        )))
    };
    f.render_widget(block, area);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// How far `lines` can scroll in a box drawn by `block` in `area`: until the last line shows.
pub fn max_scroll(block: &Block<'_>, area: Rect, lines: &[Line<'_>]) -> u16 {
    let inner = block.inner(area);
    let most = wrapped_height(lines, inner.width).saturating_sub(usize::from(inner.height));
    u16::try_from(most).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    /// A name with wide characters is cut and padded by the columns it takes on a terminal
    /// (日 takes two), so the columns after it stay where the others' are.
    #[test]
    fn wide_characters_are_cut_and_padded_by_their_columns() {
        let name = "Bob Smith ü 日本 and more";
        for w in 1..30 {
            let c = cut(name, w);
            assert!(c.width() <= w, "{w}: {c:?}");
            assert_eq!(padded(&c, w).width(), w, "{w}: {c:?}");
        }
        assert_eq!(cut("日本", 4), "日本");
        assert_eq!(cut("日本語", 4), "日…");
    }
}
