//! Geometry both drawing and `update` need (where the tabs are), as pure functions of the size.

use ratatui::layout::Rect;

use crate::action::Pane;

pub const TITLE: &str = " certbench ";
/// From this width the Generate pane shows the last issued certificate beside the form.
pub const WIDE: u16 = 140;

pub fn tab_label(p: Pane) -> String {
    format!(" {} {} ", p.index() + 1, p.title())
}

/// Where each tab is drawn on the first row.
pub fn tab_areas(width: u16) -> Vec<(Pane, Rect)> {
    let mut x = TITLE.chars().count() as u16 + 1;
    let mut out = Vec::new();
    for p in Pane::ALL {
        let w = tab_label(p).chars().count() as u16;
        if x + w > width {
            break;
        }
        out.push((
            p,
            Rect {
                x,
                y: 0,
                width: w,
                height: 1,
            },
        ));
        x += w + 1;
    }
    out
}

pub fn tab_at(width: u16, column: u16, row: u16) -> Option<Pane> {
    tab_areas(width)
        .into_iter()
        .find(|(_, r)| row == r.y && column >= r.x && column < r.x + r.width)
        .map(|(p, _)| p)
}

pub fn shows_result_beside(width: u16) -> bool {
    width >= WIDE
}

/// A centred rectangle of at most `w` x `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The Inspect pane's columns: list, fields, and (wide only) a side column.
pub fn inspect_columns(width: u16) -> (u16, u16, u16) {
    if width >= WIDE {
        // Room for the issuer and the role beside each name.
        let list = 46;
        let fields = 60;
        (list, fields, width - list - fields)
    } else {
        let list = (width * 30 / 100).clamp(22, 30).min(width);
        (list, width - list, 0)
    }
}

/// How many bytes a hex row shows at this width: 16 when there is room, else 8.
pub fn hex_bytes_per_row(width: u16) -> usize {
    let (_, fields, side) = inspect_columns(width);
    let inner = if side > 0 { side } else { fields }.saturating_sub(2) as usize;
    // "0000  " then "xx " per byte, then a space and one character per byte.
    if inner > 6 + 16 * 4 { 16 } else { 8 }
}
