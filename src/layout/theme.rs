//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};

pub const AGENT: Color = Color::Cyan;
pub const CALLER: Color = Color::Green;
pub const OTHER: Color = Color::Magenta;

pub fn title() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}
pub fn demo_badge() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD)
}
/// The title bar's marker while privacy mode is on.
/// The team database out of reach (changes kept on this machine).
pub fn offline_badge() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD)
}

pub fn privacy_badge() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(Color::Magenta)
        .add_modifier(Modifier::BOLD)
}
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn error() -> Style {
    Style::new().fg(Color::Red)
}
pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}
pub fn ok() -> Style {
    Style::new().fg(Color::Green)
}
pub fn selected(focused: bool) -> Style {
    if focused {
        Style::new()
            .bg(Color::Blue)
            .fg(Color::White)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::new().bg(Color::DarkGray).fg(Color::White)
    }
}
pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}
pub fn heading() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}
pub fn key() -> Style {
    Style::new().fg(Color::Cyan)
}
pub fn matched(current: bool) -> Style {
    if current {
        Style::new()
            .bg(Color::Yellow)
            .fg(Color::Black)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::new().bg(Color::Rgb(90, 80, 0)).fg(Color::White)
    }
}

/// The part of the waveform already played.
pub fn played() -> Style {
    Style::new().fg(Color::Cyan)
}

/// The transcript turn being heard.
pub fn heard() -> Style {
    Style::new().bg(Color::Indexed(236))
}
