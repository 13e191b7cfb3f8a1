//! The note editor: a multi-line ratatui-textarea over the detail pane, its keys in its frame
//! and in the footer, and what it has to say (a restored draft, a conflict, a failed save).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear};

use crate::app::state::NoteEditor;
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
