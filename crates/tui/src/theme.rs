//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};

pub const ACCENT: Color = Color::Cyan;

pub fn title() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(Color::Rgb(24, 78, 110))
        .add_modifier(Modifier::BOLD)
}
pub fn tab_active() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(ACCENT)
        .add_modifier(Modifier::BOLD)
}
pub fn tab() -> Style {
    Style::new().fg(Color::Gray)
}
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn label() -> Style {
    Style::new().fg(Color::Gray)
}
pub fn key() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}
pub fn selected() -> Style {
    Style::new()
        .bg(Color::Rgb(40, 52, 70))
        .add_modifier(Modifier::BOLD)
}
pub fn editing() -> Style {
    Style::new().fg(Color::Black).bg(Color::Yellow)
}
pub fn error() -> Style {
    Style::new().fg(Color::LightRed)
}
pub fn success() -> Style {
    Style::new().fg(Color::LightGreen)
}
pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}
pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(ACCENT)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}
pub fn heading() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}
/// What makes a handshake mutual (the CertificateRequest, the client's Certificate and
/// CertificateVerify), marked in the sequence diagram.
pub fn mutual() -> Style {
    Style::new()
        .fg(Color::LightMagenta)
        .add_modifier(Modifier::BOLD)
}
