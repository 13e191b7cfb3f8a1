//! The provider sidebar: each provider with its health, and its parent list (agents, …) below it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::theme;
use crate::app::state::{Focus, SidebarRow, State};
use crate::display::sanitize;
use crate::providers::Health;

fn health(h: Health) -> Span<'static> {
    match h {
        Health::Ok => Span::styled("●", theme::ok()),
        Health::Loading | Health::Unknown => Span::styled("◌", theme::dim()),
        Health::AuthError => Span::styled("✗", theme::error()),
        Health::Offline => Span::styled("⚠", theme::error()),
        Health::RateLimited => Span::styled("⏳", theme::warn()),
        Health::Error => Span::styled("!", theme::warn()),
    }
}

fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let focused = state.focus == Focus::Sidebar;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Span::styled(" Providers ", theme::bold()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let rows = state.sidebar_rows();
    let h = inner.height as usize;
    let cursor = state.sidebar_cursor.min(rows.len().saturating_sub(1));
    let offset = cursor.saturating_sub(h.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(offset).take(h) {
        let selected_source = |p: usize, scope: Option<&str>| {
            state
                .list
                .source
                .as_ref()
                .is_some_and(|s| s.provider == p && s.scope.as_deref() == scope)
        };
        let mut line = match row {
            SidebarRow::Provider(p) => {
                let e = &state.providers[*p];
                let arrow = if !e.has_scopes() {
                    " "
                } else if e.expanded {
                    "▾"
                } else {
                    "▸"
                };
                let note = e
                    .note
                    .as_deref()
                    .map(|n| format!(" {}", sanitize(n)))
                    .unwrap_or_default();
                let label = truncate(
                    &format!("{} {}", sanitize(&e.label), note),
                    w.saturating_sub(4),
                );
                let mut style = theme::bold();
                if selected_source(*p, None) {
                    style = style.fg(theme::AGENT);
                }
                Line::from(vec![
                    health(e.health),
                    Span::raw(format!(" {arrow}")),
                    Span::styled(label, style),
                ])
            }
            SidebarRow::Scope(p, j) => {
                let s = &state.providers[*p].scopes.items[*j];
                let mut style = ratatui::style::Style::new();
                if selected_source(*p, Some(&s.id)) {
                    style = style
                        .fg(theme::AGENT)
                        .add_modifier(ratatui::style::Modifier::BOLD);
                }
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled(truncate(&sanitize(&s.name), w.saturating_sub(3)), style),
                ])
            }
            SidebarRow::Note(p) => {
                let sc = &state.providers[*p].scopes;
                let (text, style) = if sc.loading.is_some() {
                    ("loading…".to_string(), theme::dim())
                } else if let Some(e) = &sc.error {
                    (sanitize(e).into_owned(), theme::error())
                } else if let Some(q) = sc.query.as_ref().filter(|_| !sc.has_more) {
                    let n = sc.items.len();
                    (
                        format!("{n} for “{}” · Esc in / clears", sanitize(q)),
                        theme::warn(),
                    )
                } else {
                    ("more… (Enter)".to_string(), theme::dim())
                };
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled(truncate(&text, w.saturating_sub(3)), style),
                ])
            }
        };
        if i == cursor {
            line = line.style(theme::selected(focused));
        }
        lines.push(line);
    }
    if let Some(p) = rows.get(cursor).map(|r| match r {
        SidebarRow::Provider(p) | SidebarRow::Scope(p, _) | SidebarRow::Note(p) => *p,
    }) {
        let search = &state.providers[p].scopes.search;
        if !search.is_empty() && lines.len() < h {
            lines.push(Line::styled(
                format!(" search: {}", sanitize(search)),
                theme::warn(),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
