//! Drawing: one small function per pane, each a pure view of the state.

pub mod detail;
pub mod list;
pub mod player;
pub mod sidebar;
pub mod triage;

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
    if a.sidebar.width > 0 {
        sidebar::draw(f, a.sidebar, state);
    }
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
    if let Some(ed) = &state.triage.editor {
        triage::draw_editor(f, a.detail.or(a.list).unwrap_or(a.main), ed);
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
    if state.privacy.on {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" PRIVACY (P) ", theme::privacy_badge()));
    }
    // The team database: offline says so, with the changes kept here until it is back.
    match &state.triage.connection {
        Some(c) if !c.online => {
            let waiting = match c.waiting {
                0 => String::new(),
                1 => " · 1 change kept here".to_string(),
                n => format!(" · {n} changes kept here"),
            };
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                format!(" TEAM STORE OFFLINE{waiting} "),
                theme::offline_badge(),
            ));
        }
        Some(_) => spans.push(Span::styled("  team store", theme::dim())),
        None => {}
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(f: &mut Frame, area: Rect, state: &State) {
    let style = if state.status.is_error {
        theme::error()
    } else {
        theme::dim()
    };
    // A sentence longer than the screen ends with … (its cause is in the log).
    let text = crate::display::fit(&sanitize(&state.status.text), usize::from(area.width));
    f.render_widget(Paragraph::new(Line::styled(text, style)), area);
}

/// The keys of a text input line, shown while one is open.
const INPUT_HINTS: &[(&str, &str)] = &[
    ("Enter", "apply"),
    ("Esc", "cancel"),
    ("C-u", "clear before the cursor"),
    ("C-w", "delete a word"),
    ("← →", "move"),
];

fn draw_hints(f: &mut Frame, area: Rect, state: &State) {
    let mut spans = Vec::new();
    if state.triage.editor.is_some() {
        for (k, what) in triage::EDITOR_HINTS {
            spans.push(Span::styled(*k, theme::key()));
            spans.push(Span::styled(format!(" {what}  "), theme::dim()));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    if state.input.is_some() {
        for (k, what) in INPUT_HINTS {
            spans.push(Span::styled(*k, theme::key()));
            spans.push(Span::styled(format!(" {what}  "), theme::dim()));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
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
        InputKind::ScopeSearch(_) => (" Search — Enter asks the server ", a.sidebar),
        InputKind::Tags => (
            " Tags — word adds, -word removes, Tab completes, Enter applies ",
            a.detail.or(a.list).unwrap_or(a.main),
        ),
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
    let lines = crate::app::help::lines(state);
    let r = crate::app::help::frame(area, lines.len());
    let max = crate::app::help::max_scroll(state);
    let scroll = state.help_scroll.min(max);
    let bottom = if max > 0 {
        format!(
            " j k PgDn PgUp scroll ({}–{} of {}) · any other key closes ",
            scroll + 1,
            (scroll + usize::from(r.height.saturating_sub(2))).min(lines.len()),
            lines.len()
        )
    } else {
        " any key closes this help ".to_string()
    };
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(shown).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme::border(true))
                .title(" Help ")
                .title_bottom(Line::styled(bottom, theme::dim())),
        ),
        r,
    );
}
