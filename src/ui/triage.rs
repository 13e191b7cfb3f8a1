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
            let caller = snap
                .map(|c| {
                    let name = c.caller_name.as_deref().unwrap_or_default();
                    let number = c.caller_number.as_deref().unwrap_or_default();
                    let name = crate::privacy::name(name, masked);
                    let number = crate::privacy::phone(number, masked);
                    sanitize(format!("{name} {number}").trim()).into_owned()
                })
                .unwrap_or_default();
            let text = match e.note.lines().next() {
                Some(l) if !l.is_empty() => format!("✎ {l}"),
                _ => snap.and_then(|c| c.summary.clone()).unwrap_or_default(),
            };
            let text = crate::privacy::text(&text, &names, masked).into_owned();
            let row = Row::new(vec![
                Cell::from(format!(" {}", e.mark.symbol())),
                Cell::from(format_time(
                    snap.and_then(|c| c.started_at),
                    state.time_zone,
                )),
                Cell::from(e.call.account.kind.label()),
                Cell::from(caller),
                Cell::from(claim_cell(state, e)),
                Cell::from(sanitize(&e.tags.join(" ")).into_owned()),
                Cell::from(sanitize(&text).into_owned()),
            ]);
            if v.offset + k == v.cursor {
                row.style(theme::selected(focused))
            } else {
                row
            }
        });
    let widths = [
        Constraint::Length(2),
        Constraint::Length(19),
        Constraint::Length(13),
        Constraint::Length(28),
        Constraint::Length(18),
        Constraint::Length(16),
        Constraint::Fill(1),
    ];
    let table = Table::new(table_rows, widths)
        .header(
            Row::new(vec![
                "",
                "Time",
                "Provider",
                "Caller",
                "Claimed",
                "Tags",
                "Note / summary",
            ])
            .style(theme::dim()),
        )
        .column_spacing(1);
    f.render_widget(table, inner);
}

/// Who is calling back and since when (`☎ ana 14:05`), while the claim holds; "you" for this
/// user.
fn claim_cell(state: &State, e: &crate::store::Entry) -> String {
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
    format!("☎ {who} {hm}")
}
