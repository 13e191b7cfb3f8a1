//! The note editor: a multi-line ratatui-textarea over the detail pane, its keys in its frame
//! and in the footer, and what it has to say (a restored draft, a conflict, a failed save).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear};

use ratatui::layout::Constraint;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::app::state::{NoteEditor, State};
use crate::display::{format_time, sanitize};
use crate::layout::theme;

/// The editor's keys, for the footer.
pub const EDITOR_HINTS: &[(&str, &str)] = &[
    ("C-s", "save the note"),
    ("Esc", "close (twice over unsaved changes)"),
    ("Enter", "new line"),
    ("C-u", "undo"),
];

pub fn draw_editor(f: &mut Frame, over: Rect, ed: &NoteEditor) {
    let h = over.height.clamp(3, 14);
    let r = Rect::new(
        over.x,
        over.y + over.height.saturating_sub(h),
        over.width,
        h,
    );
    f.render_widget(Clear, r);
    let title = format!(
        " Note on {} — Ctrl-S saves, Esc closes ",
        crate::display::sanitize(&ed.call.id)
    );
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(title);
    if let Some(n) = &ed.notice {
        let style = if n.starts_with("Not saved") || n.contains("changed this note") {
            theme::error()
        } else {
            theme::warn()
        };
        block = block.title_bottom(Line::styled(format!(" {n} "), style));
    }
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.height == 0 {
        return;
    }
    f.render_widget(&ed.area, inner);
}

/// The Follow-ups view in the list pane: mark, when, provider, caller, tags, note (or summary).
pub fn draw_followups(f: &mut Frame, area: Rect, state: &State, focused: bool) {
    let Some(v) = &state.triage.view else {
        return;
    };
    let rows = state.triage.view_rows();
    let pos = if rows.is_empty() {
        "none".to_string()
    } else {
        format!("{} of {}", v.cursor.min(rows.len() - 1) + 1, rows.len())
    };
    let title = format!(" Follow-ups · {} · {pos} ", sanitize(&v.filter_text));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(title)
        .title_bottom(Line::styled(
            " from the triage store, oldest first · / filters (triage:, tag:, note:) · Enter opens ",
            theme::dim(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if rows.is_empty() {
        let text = if state.triage.loaded {
            "No triaged call matches. m marks a call for follow-up in any list."
        } else {
            "Loading the triage store…"
        };
        f.render_widget(Paragraph::new(Line::styled(text, theme::dim())), inner);
        return;
    }
    let h = usize::from(inner.height.saturating_sub(1));
    let end = (v.offset + h).min(rows.len());
    let w = QueueWidths::for_width(inner.width);
    let table_rows = rows[v.offset.min(end)..end]
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let snap = e.snapshot.as_ref();
            let masked = state.privacy.on;
            let names: Vec<&str> = snap
                .and_then(|c| c.caller_name.as_deref())
                .into_iter()
                .collect();
            // Cut as the lists cut it: a number keeps its last digits, after a … .
            let caller = snap
                .map(|c| super::list::caller(c, masked, usize::from(w.caller)))
                .unwrap_or_default();
            let text = match e.note.lines().next() {
                Some(l) if !l.is_empty() => format!("✎ {l}"),
                _ => snap.and_then(|c| c.summary.clone()).unwrap_or_default(),
            };
            let text = crate::privacy::text(&text, &names, masked).into_owned();
            let time = format_time(snap.and_then(|c| c.started_at), state.time_zone);
            let time = match time.get(5..16) {
                Some(short) if w.time < 19 => short.to_string(),
                _ => time,
            };
            let mut cells = vec![
                Cell::from(format!(" {}", e.mark.symbol())),
                Cell::from(time),
                Cell::from(crate::display::fit(
                    e.call.account.kind.label(),
                    usize::from(w.provider),
                )),
                Cell::from(caller),
                Cell::from(claim_cell(state, e, usize::from(w.claimed))),
            ];
            if w.tags > 0 {
                cells.push(Cell::from(crate::display::fit(
                    &sanitize(&e.tags.join(" ")),
                    usize::from(w.tags),
                )));
            }
            cells.push(Cell::from(crate::display::fit(
                &sanitize(&text),
                usize::from(w.note(inner.width)),
            )));
            let row = Row::new(cells);
            if v.offset + k == v.cursor {
                row.style(theme::selected(focused))
            } else {
                row
            }
        });
    let mut widths = vec![
        Constraint::Length(2),
        Constraint::Length(w.time),
        Constraint::Length(w.provider),
        Constraint::Length(w.caller),
        Constraint::Length(w.claimed),
    ];
    let mut header = vec!["", "Time", "Provider", "Caller", "Claimed"];
    if w.tags > 0 {
        widths.push(Constraint::Length(w.tags));
        header.push("Tags");
    }
    widths.push(Constraint::Fill(1));
    header.push("Note / summary");
    let table = Table::new(table_rows, widths)
        .header(Row::new(header).style(theme::dim()))
        .column_spacing(1);
    f.render_widget(table, inner);
}

/// Who is calling back and since when (`☎ ana 14:05`), while the claim holds; "you" for this
/// user.
fn claim_cell(state: &State, e: &crate::store::Entry, width: usize) -> String {
    let Some((who, at)) = state.triage.claim_of(e, (state.now)()) else {
        return String::new();
    };
    let who = if who == state.triage.who {
        "you".to_string()
    } else {
        sanitize(who).into_owned()
    };
    let at = format_time(Some(at), state.time_zone);
    let hm = at.get(11..16).unwrap_or(&at);
    // The name gives way (with …) so the time always shows.
    let who = crate::display::fit(&who, width.saturating_sub(hm.chars().count() + 3).max(1));
    format!("☎ {who} {hm}")
}

/// The Follow-ups queue's columns on a pane `width` wide: under 120 columns the time loses its
/// year and seconds, the caller and the provider narrow, and under 100 the tags go (the note or
/// summary takes what is left).
struct QueueWidths {
    time: u16,
    provider: u16,
    caller: u16,
    claimed: u16,
    /// 0: not shown.
    tags: u16,
}

impl QueueWidths {
    /// What is left for the note or summary (each column but it takes its width and a space).
    fn note(&self, width: u16) -> u16 {
        let tags = if self.tags > 0 { self.tags + 1 } else { 0 };
        width.saturating_sub(
            3 + self.time + 1 + self.provider + 1 + self.caller + 1 + self.claimed + 1 + tags,
        )
    }

    fn for_width(width: u16) -> QueueWidths {
        if width >= 120 {
            QueueWidths {
                time: 19,
                provider: 13,
                caller: 28,
                claimed: 18,
                tags: 16,
            }
        } else {
            QueueWidths {
                time: 11,
                provider: 9,
                caller: if width >= 70 { 20 } else { 14 },
                claimed: 12,
                tags: if width >= 100 { 12 } else { 0 },
            }
        }
    }
}
