//! The call list: only the rows on screen are built, so 100,000 loaded calls cost what 40 do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::theme;
use crate::app::state::{Focus, State};
use crate::display::{format_duration, format_time, sanitize};
use crate::model::Call;

/// "page 3 of 14 · 57 of 280": where the cursor is among what the server has.
pub fn position_text(state: &State) -> String {
    let l = &state.list;
    if l.visible.is_empty() {
        return String::new();
    }
    let pos = l.cursor + 1;
    let size = l.page_size.max(1) as usize;
    let page = (pos - 1) / size + 1;
    let filtered_locally = !l.local_keys.is_empty();
    match (l.total_pages, l.total_items) {
        (Some(pages), Some(total)) if !filtered_locally => {
            format!("page {page} of {pages} · {pos} of {total}")
        }
        _ => {
            let more = if l.has_more { "+" } else { "" };
            format!("{pos} of {}{more}", l.visible.len())
        }
    }
}

fn caller(c: &Call) -> String {
    match (&c.caller_name, &c.caller_number) {
        (Some(n), Some(p)) => format!("{} {}", sanitize(n), sanitize(p)),
        (Some(n), None) => sanitize(n).into_owned(),
        (None, Some(p)) => sanitize(p).into_owned(),
        (None, None) if c.purged => "(purged)".to_string(),
        (None, None) => "(unknown)".to_string(),
    }
}

fn status(c: &Call) -> String {
    let mut s = c
        .status
        .as_deref()
        .map(|s| sanitize(s).into_owned())
        .unwrap_or_default();
    for (flag, on) in [("purged", c.purged), ("deleted", c.deleted)] {
        if on {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(flag);
        }
    }
    s
}

pub fn draw(f: &mut Frame, area: Rect, state: &State) {
    let focused = state.focus == Focus::List;
    let l = &state.list;
    let mut title = vec![Span::styled(
        format!(
            " {} ",
            l.source.as_ref().map_or_else(
                || "Calls".to_string(),
                |s| sanitize(&s.scope_name).into_owned()
            )
        ),
        theme::bold(),
    )];
    let live = l.source.as_ref().is_some_and(|s| s.live);
    if live {
        let when = l
            .refreshed_at
            .map(|t| crate::display::format_clock(t, state.time_zone))
            .unwrap_or_else(|| "…".to_string());
        title.push(Span::raw(format!(
            "· {} call(s) · refreshed {when}, every {} s · L leaves ",
            l.visible.len(),
            crate::app::update::LIVE_REFRESH.as_secs()
        )));
    } else {
        let pos = position_text(state);
        if !pos.is_empty() {
            title.push(Span::raw(format!("· {pos} ")));
        }
    }
    if l.loading.is_some() && !(live && l.refreshed_at.is_some()) {
        title.push(Span::styled("· loading… ", theme::warn()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(Line::from(title));
    let has_live = l.source.as_ref().is_some_and(|s| {
        !s.live
            && state.providers[s.provider]
                .provider
                .as_ref()
                .is_some_and(|p| p.capabilities().has_live)
    });
    let block = if l.filter_text.is_empty() {
        if has_live {
            block.title_bottom(Line::styled(" L: live calls ", theme::dim()))
        } else {
            block
        }
    } else {
        let mut t = format!(" filter: {} ", sanitize(&l.filter_text));
        if !l.local_keys.is_empty() {
            t.push_str(&format!("(on loaded calls: {}) ", l.local_keys.join(", ")));
        }
        block.title_bottom(Line::styled(t, theme::warn()))
    };
    let inner = block.inner(area);
    f.render_widget(block, area);

    if l.visible.is_empty() {
        let msg = if let Some(e) = &l.error {
            Line::styled(sanitize(e).into_owned(), theme::error())
        } else if l.loading.is_some()
            || (l.source.is_some() && l.calls.is_empty() && l.error.is_none() && l.next_page <= 1)
        {
            Line::styled("loading…", theme::dim())
        } else if live {
            Line::styled(
                "No calls in progress (refreshed every few seconds).",
                theme::dim(),
            )
        } else if l.source.is_none() {
            Line::styled(
                "Choose a provider or agent in the sidebar (Tab, Enter).",
                theme::dim(),
            )
        } else {
            Line::styled("No calls match.", theme::dim())
        };
        f.render_widget(Paragraph::new(msg), inner);
        return;
    }

    let rows_h = inner.height.saturating_sub(1) as usize;
    let end = (l.offset + rows_h).min(l.visible.len());
    let window = &l.visible[l.offset.min(end)..end];
    let show_dir = window.iter().any(|&i| l.calls[i].direction.is_some());
    let rows = window.iter().enumerate().map(|(k, &i)| {
        let c = &l.calls[i];
        let mut cells = vec![
            Cell::from(format_time(c.started_at, state.time_zone)),
            Cell::from(caller(c)),
        ];
        if show_dir {
            cells.push(Cell::from(c.direction.map_or("", |d| d.short())));
        }
        cells.push(Cell::from(
            Line::from(format_duration(c.duration_secs)).right_aligned(),
        ));
        cells.push(Cell::from(status(c)));
        cells.push(Cell::from(
            c.summary
                .as_deref()
                .map(|s| sanitize(s).into_owned())
                .unwrap_or_default(),
        ));
        let row = Row::new(cells);
        if l.offset + k == l.cursor {
            row.style(theme::selected(focused))
        } else if c.deleted || c.purged {
            row.style(theme::dim())
        } else {
            row
        }
    });
    // Time, duration and status keep their width; caller and summary share the rest, the
    // caller first (it matters more when the pane is narrow).
    let status_w = window
        .iter()
        .map(|&i| status(&l.calls[i]).chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 16) as u16;
    let dir_w = if show_dir { 4 } else { 0 };
    let fixed = 19 + 1 + dir_w + 7 + 1 + status_w + 1 + 1;
    let rest = inner.width.saturating_sub(fixed);
    let caller_w = (rest / 2).clamp(rest.min(18), 36);
    let mut widths = vec![Constraint::Length(19), Constraint::Length(caller_w)];
    let mut header = vec!["Time", "Caller"];
    if show_dir {
        widths.push(Constraint::Length(3));
        header.push("Dir");
    }
    widths.extend([
        Constraint::Length(7),
        Constraint::Length(status_w),
        Constraint::Fill(1),
    ]);
    header.extend(["    Dur", "Status", "Summary"]);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme::dim()))
        .column_spacing(1);
    f.render_widget(table, inner);
}
