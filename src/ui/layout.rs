//! Where each pane goes for a terminal size: one pure function, shared by drawing and `update`
//! (which needs pane sizes for scrolling and for laying out the transcript).

use ratatui::layout::Rect;

use crate::app::state::{Focus, State};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub sidebar: Rect,
    pub list: Option<Rect>,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
    /// The main column (list and detail share it).
    pub main: Rect,
}

impl Areas {
    /// Text width of the detail pane, visible or not: inside its borders, less a column for
    /// the scrollbar.
    pub fn detail_inner_width(&self) -> u16 {
        self.detail
            .unwrap_or(self.main)
            .width
            .saturating_sub(3)
            .max(10)
    }
}

/// Height from which the list and the detail are shown one above the other.
const SPLIT_MIN_HEIGHT: u16 = 32;

pub fn areas(state: &State) -> Areas {
    let (w, h) = state.size;
    let title = Rect::new(0, 0, w, 1.min(h));
    let body_h = h.saturating_sub(3);
    let body = Rect::new(0, 1.min(h), w, body_h);
    let status = Rect::new(0, h.saturating_sub(2), w, 1.min(h));
    let hints = Rect::new(0, h.saturating_sub(1), w, 1.min(h));
    let sidebar_w = (w / 5).clamp(20, 32).min(w / 2);
    let sidebar = Rect::new(0, body.y, sidebar_w, body_h);
    let main = Rect::new(sidebar_w, body.y, w.saturating_sub(sidebar_w), body_h);
    let (list, detail) = if state.detail.key.is_none() {
        (Some(main), None)
    } else if h >= SPLIT_MIN_HEIGHT {
        let list_h = (body_h * 2 / 5).max(8);
        (
            Some(Rect::new(main.x, main.y, main.width, list_h)),
            Some(Rect::new(
                main.x,
                main.y + list_h,
                main.width,
                body_h.saturating_sub(list_h),
            )),
        )
    } else if state.focus == Focus::Detail {
        (None, Some(main))
    } else {
        (Some(main), None)
    };
    Areas {
        title,
        sidebar,
        list,
        detail,
        status,
        hints,
        main,
    }
}
