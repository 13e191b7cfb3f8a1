//! The help (`?`): every key of the focused pane and then the global ones, generated from the
//! keymap, and the filter keys of the provider on screen — wrapped to the help's width, so that
//! `update` (scrolling) and the view (drawing) agree on its lines.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::keymap::bindings_for;
use super::state::{Focus, State};
use crate::display::sanitize;
use crate::layout::theme;

/// The help box's widest width, borders included.
const MAX_WIDTH: u16 = 76;
/// Width of the keys' column.
const KEY_WIDTH: usize = 10;

/// Where the help box goes on a screen of `area`, for `lines` lines of text.
pub fn frame(area: Rect, lines: usize) -> Rect {
    let h = (lines as u16).saturating_add(2).min(area.height);
    let w = MAX_WIDTH.min(area.width);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Text width inside the help box on this screen.
fn inner_width(state: &State) -> usize {
    usize::from(MAX_WIDTH.min(state.size.0).saturating_sub(2)).max(8)
}

/// `text` wrapped to `width`, the first line after `lead`, the others indented as deep.
fn wrapped(
    out: &mut Vec<Line<'static>>,
    lead: Span<'static>,
    text: &str,
    width: usize,
    style: ratatui::style::Style,
) {
    let indent = lead.content.width();
    let avail = width.saturating_sub(indent).max(4);
    for (i, part) in textwrap::wrap(text, avail).into_iter().enumerate() {
        let first = if i == 0 {
            lead.clone()
        } else {
            Span::raw(" ".repeat(indent))
        };
        out.push(Line::from(vec![
            first,
            Span::styled(part.into_owned(), style),
        ]));
    }
}

/// The help's lines for the focused pane, wrapped to the help box's width.
pub fn lines(state: &State) -> Vec<Line<'static>> {
    let width = inner_width(state);
    let mut out = vec![Line::styled(
        "Keys in this pane, then everywhere",
        theme::heading(),
    )];
    for b in bindings_for(state.focus) {
        let lead = Span::styled(format!("{:>KEY_WIDTH$}  ", b.label), theme::key());
        wrapped(&mut out, lead, b.help, width, ratatui::style::Style::new());
    }
    if state.focus == Focus::List {
        let generic = "from: to: since: today yesterday dir: status: phone: dur> dur< has:";
        wrapped(
            &mut out,
            Span::styled("Filter keys: ", theme::dim()),
            generic,
            width,
            theme::dim(),
        );
        // The shown provider's own keys, from its capabilities.
        if let Some(info) = state
            .list
            .source
            .as_ref()
            .map(|s| &state.provider(s.provider).info)
        {
            let keys: Vec<String> = info
                .capabilities
                .provider_keys
                .iter()
                .map(|k| format!("{}:", k.name))
                .collect();
            if !keys.is_empty() {
                let lead = Span::styled(format!("{}: ", sanitize(&info.label)), theme::dim());
                wrapped(&mut out, lead, &keys.join(" "), width, theme::dim());
            }
        }
    }
    out
}

/// How far the help can scroll on this screen (0 when it fits).
pub fn max_scroll(state: &State) -> usize {
    let n = lines(state).len();
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    let visible = usize::from(frame(area, n).height.saturating_sub(2));
    n.saturating_sub(visible)
}
