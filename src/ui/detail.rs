//! The detail pane: draws the lines `app` laid out for it ([`crate::layout::detail`]), a slice
//! at a time, with the current search match marked and a scrollbar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState,
};

use crate::app::state::{Focus, State};
use crate::display::sanitize;
use crate::layout::theme;

pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let focused = state.focus == Focus::Detail;
    let d = &state.detail;
    let title = title(state);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Line::from(title));
    // The id the command line takes (`callbrowser show ID`).
    if let Some(k) = &d.key {
        block = block.title_bottom(Line::styled(
            format!(" id {} ", sanitize(&k.id)),
            theme::dim(),
        ));
    }
    let mut inner = block.inner(area);
    f.render_widget(block, area);
    if let Some(p) = state.shown_player() {
        let rows = (p.rows() as u16).min(inner.height.saturating_sub(1));
        super::player::draw(
            f,
            Rect {
                height: rows,
                ..inner
            },
            p,
        );
        inner.y += rows;
        inner.height -= rows;
    }

    if let Some(err) = &d.error {
        // Wrapped here, not by ratatui's word wrap: that can end a line with a wide character
        // past the pane (over its border, or past the screen's edge, where it panics).
        let mut lines: Vec<Line> = textwrap::wrap(&sanitize(err), usize::from(inner.width).max(1))
            .into_iter()
            .map(|l| Line::styled(l.into_owned(), theme::error()))
            .collect();
        lines.push(Line::styled("r to try again", theme::dim()));
        f.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let Some(layout) = &d.layout else {
        let msg = if d.loading.is_some() {
            "loading…"
        } else if d.key.is_some() {
            "This provider has no detail endpoint: what the list shows is all there is."
        } else {
            ""
        };
        f.render_widget(Paragraph::new(Line::styled(msg, theme::dim())), inner);
        return;
    };
    let h = inner.height as usize;
    let start = d.scroll.min(layout.lines.len());
    let end = (start + h).min(layout.lines.len());
    let mut visible: Vec<Line> = layout.lines[start..end].to_vec();
    if let Some((line, span)) = d.search.current.and_then(|i| layout.matches.get(i))
        && (start..end).contains(line)
        && let Some(s) = visible[line - start].spans.get_mut(*span)
    {
        s.style = theme::matched(true);
    }
    // The turn being heard.
    if let Some((from, to)) = state
        .shown_player()
        .and_then(|p| p.heard)
        .and_then(|i| layout.turn_lines.get(i).copied())
    {
        for line in from.max(start)..to.min(end) {
            let l = std::mem::take(&mut visible[line - start]);
            visible[line - start] = l.patch_style(theme::heard());
        }
    }
    let text_area = Rect {
        width: inner.width.saturating_sub(1),
        ..inner
    };
    f.render_widget(Paragraph::new(visible), text_area);
    if layout.lines.len() > h {
        let mut sb = ScrollbarState::new(layout.lines.len().saturating_sub(h)).position(start);
        f.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            Rect {
                y: inner.y,
                height: inner.height,
                ..area.inner(ratatui::layout::Margin {
                    vertical: 1,
                    horizontal: 0,
                })
            },
            &mut sb,
        );
    }
}

/// The pane's title: the transcript search's position, and a warning when the list's cursor
/// is on another call than the one shown.
fn title(state: &State) -> Vec<Span<'static>> {
    let d = &state.detail;
    let mut title = vec![Span::styled(" Call ", theme::bold())];
    if let Some(l) = &d.layout
        && !d.search.query.is_empty()
    {
        let pos = d
            .search
            .current
            .map_or("–".to_string(), |i| (i + 1).to_string());
        title.push(Span::styled(
            format!(
                "· “{}” {pos}/{} ",
                sanitize(&d.search.query),
                l.matches.len()
            ),
            theme::warn(),
        ));
    }
    // The list's cursor moved to another call: the pane says it still shows the last one.
    let under_cursor = match (state.list.selected(), state.list.selected_origin()) {
        (Some(c), Some(p)) => Some(c.key(p)),
        _ => None,
    };
    if d.key.is_some() && under_cursor.is_some() && d.key != under_cursor {
        title.push(Span::styled(
            "· another call than the row under the cursor (Enter opens that one) ",
            theme::warn(),
        ));
    }
    title
}
