//! The provider sidebar: each provider with its health, and its parent list (agents, …) below it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::state::{Focus, Scopes, SidebarRow, State};
use crate::display::sanitize;
use crate::layout::theme;
use crate::model::ProviderId;
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
    crate::display::fit(s, width)
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
        let mut line = match *row {
            SidebarRow::Provider(p) => provider_line(state, p, w),
            SidebarRow::Scope(p, j) => scope_line(state, p, j, w),
            SidebarRow::Note(p) => note_line(&state.provider(p).scopes, w),
            SidebarRow::FollowUps => followups_line(state),
            SidebarRow::AllCalls => all_line(state, None, w),
            SidebarRow::AllScopes(p) => all_line(state, Some(p), w),
        };
        if i == cursor {
            line = line.style(theme::selected(focused));
        }
        lines.push(line);
    }
    if let Some(p) = rows.get(cursor).and_then(SidebarRow::provider) {
        let search = &state.provider(p).scopes.search;
        if !search.is_empty() && lines.len() < h {
            lines.push(Line::styled(
                format!(
                    " search: {}",
                    crate::privacy::name(search, state.privacy.on)
                ),
                theme::warn(),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Whether the list shows the calls of provider `p` under `scope`.
fn is_shown(state: &State, p: ProviderId, scope: Option<&str>) -> bool {
    state
        .list
        .source
        .as_ref()
        .is_some_and(|s| s.provider == p && s.scope.as_deref() == scope)
}

fn provider_line(state: &State, p: ProviderId, w: usize) -> Line<'static> {
    let e = state.provider(p);
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
        &format!("{} {}", sanitize(&e.info.label), note),
        w.saturating_sub(4),
    );
    let mut style = theme::bold();
    if is_shown(state, p, None) {
        style = style.fg(theme::AGENT);
    }
    Line::from(vec![
        health(e.health),
        Span::raw(format!(" {arrow}")),
        Span::styled(label, style),
    ])
}

/// "All calls" at the top, or "all agents" under a provider: bold while it is the list shown.
fn all_line(state: &State, only: Option<ProviderId>, w: usize) -> Line<'static> {
    let shown = state.list.merged.as_ref().is_some_and(|m| m.only == only);
    let (indent, text) = match only {
        None => (" ", "All calls".to_string()),
        Some(p) => {
            let noun = state
                .provider(p)
                .info
                .capabilities
                .scope_noun
                .unwrap_or("parent");
            ("   ", format!("all {noun}s"))
        }
    };
    let mut style = if only.is_none() {
        theme::bold()
    } else {
        ratatui::style::Style::new().add_modifier(ratatui::style::Modifier::ITALIC)
    };
    if shown {
        style = style
            .fg(theme::AGENT)
            .add_modifier(ratatui::style::Modifier::BOLD);
    }
    Line::from(vec![
        Span::raw(indent),
        Span::styled(truncate(&text, w.saturating_sub(indent.len())), style),
    ])
}

fn scope_line(state: &State, p: ProviderId, j: usize, w: usize) -> Line<'static> {
    let s = &state.provider(p).scopes.items[j];
    let mut style = ratatui::style::Style::new();
    if is_shown(state, p, Some(&s.id)) {
        style = style
            .fg(theme::AGENT)
            .add_modifier(ratatui::style::Modifier::BOLD);
    }
    Line::from(vec![
        Span::raw("   "),
        Span::styled(
            truncate(
                &crate::privacy::name(&s.name, state.privacy.on),
                w.saturating_sub(3),
            ),
            style,
        ),
    ])
}

/// Under a provider's parents: loading, the error, the server search's count, or "more…".
fn note_line(sc: &Scopes, w: usize) -> Line<'static> {
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

/// `⚑ Follow-ups (n)`: the triage queue across providers.
fn followups_line(state: &State) -> Line<'static> {
    let n = state.triage.followups().len();
    let style = if state.triage.view.is_some() {
        theme::bold()
    } else {
        ratatui::style::Style::new()
    };
    Line::styled(format!("⚑ Follow-ups ({n})"), style)
}
