//! Drawing: one small function per pane, each a pure view of the state.

pub mod detail;
pub mod list;
pub mod sidebar;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::keymap::bindings_for;
use crate::app::state::{InputKind, State};
use crate::display::sanitize;
use crate::layout::{Areas, theme};

pub fn draw(f: &mut Frame, state: &State) {
    let a = state.areas();
    draw_title(f, a.title, state);
    sidebar::draw(f, a.sidebar, state);
    if let Some(r) = a.list {
        list::draw(f, r, state);
    }
    if let Some(r) = a.detail {
        detail::draw(f, r, state);
    }
    draw_status(f, a.status, state);
    draw_hints(f, a.hints, state);
    if let Some((kind, input)) = &state.input {
        draw_input(f, &a, *kind, input);
    }
    if state.help {
        draw_help(f, f.area(), state);
    }
    crate::display::fit_cells(f.buffer_mut());
}

fn draw_title(f: &mut Frame, area: Rect, state: &State) {
    let mut spans = vec![Span::styled(" callbrowser ", theme::title())];
    if state.demo {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            " DEMO DATA — emulated provider APIs ",
            theme::demo_badge(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(f: &mut Frame, area: Rect, state: &State) {
    let style = if state.status.is_error {
        theme::error()
    } else {
        theme::dim()
    };
    f.render_widget(
        Paragraph::new(Line::styled(
            sanitize(&state.status.text).into_owned(),
            style,
        )),
        area,
    );
}

fn draw_hints(f: &mut Frame, area: Rect, state: &State) {
    let mut spans = Vec::new();
    for b in bindings_for(state.focus).filter(|b| b.hint) {
        spans.push(Span::styled(
            b.label.split(' ').next().unwrap_or(b.label).to_string(),
            theme::key(),
        ));
        spans.push(Span::styled(format!(" {}  ", b.help), theme::dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_input(f: &mut Frame, a: &Areas, kind: InputKind, input: &crate::app::state::Input) {
    let (title, area) = match kind {
        InputKind::Filter => (
            " Filter — text and key:value, Enter applies, Esc cancels ",
            a.list.unwrap_or(a.main),
        ),
        InputKind::Search => (
            " Search the transcript — Enter, then n / N ",
            a.detail.unwrap_or(a.main),
        ),
        InputKind::ScopeSearch => (" Search ", a.sidebar),
    };
    let r = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(3),
        area.width,
        3.min(area.height),
    );
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(&input.area, inner);
}

fn draw_help(f: &mut Frame, area: Rect, state: &State) {
    let mut lines = vec![Line::styled(
        "Keys in this pane, then everywhere",
        theme::heading(),
    )];
    for b in bindings_for(state.focus) {
        lines.push(Line::from(vec![
            Span::styled(format!("{:>10}  ", b.label), theme::key()),
            Span::raw(b.help),
        ]));
    }
    if state.focus == crate::app::state::Focus::List {
        lines.push(Line::styled(
            "Filter keys: from: to: since: today yesterday dir: status: phone: dur> has:",
            theme::dim(),
        ));
        // The shown provider's own keys, from its capabilities.
        if let Some(p) = state
            .list
            .source
            .as_ref()
            .map(|s| &state.provider(s.provider).info)
        {
            let keys: Vec<String> = p
                .capabilities
                .provider_keys
                .iter()
                .map(|k| format!("{}:", k.name))
                .collect();
            if !keys.is_empty() {
                lines.push(Line::styled(
                    format!("{}: {}", crate::display::sanitize(&p.label), keys.join(" ")),
                    theme::dim(),
                ));
            }
        }
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = 76.min(area.width);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme::border(true))
                .title(" Help ")
                .title_bottom(Line::styled(" any key closes this help ", theme::dim())),
        ),
        r,
    );
}
