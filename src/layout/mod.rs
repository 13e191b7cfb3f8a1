//! What both `app` and `ui` need of the screen, below both of them: where each pane goes for a
//! terminal size ([`areas`]), the styles ([`theme`]), and the laid-out lines of the detail pane
//! ([`detail::build`], [`transcript`]) that `app` keeps as a cache and `ui` only slices.

pub mod detail;
pub mod theme;
pub mod transcript;

use ratatui::layout::Rect;

/// What decides the panes' places: the terminal size and whether a call is open (and has the
/// focus, which matters on short terminals where the detail pane takes the list's place).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screen {
    /// Width and height in cells.
    pub size: (u16, u16),
    pub detail_open: bool,
    pub detail_focused: bool,
    /// The sidebar is hidden (`b`): the list and detail take the whole width.
    pub sidebar_hidden: bool,
}

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

    /// Rows of calls the list shows (inside its borders, under its header); at least 1.
    pub fn list_rows(&self) -> usize {
        self.list
            .map_or(10, |r| r.height.saturating_sub(3) as usize)
            .max(1)
    }

    /// Lines of text the detail pane shows (inside its borders); at least 1.
    pub fn detail_rows(&self) -> usize {
        self.detail
            .map_or(10, |r| r.height.saturating_sub(2) as usize)
            .max(1)
    }
}

/// Height from which the list and the detail are shown one above the other.
pub const SPLIT_MIN_HEIGHT: u16 = 32;

pub fn areas(screen: Screen) -> Areas {
    let (w, h) = screen.size;
    let title = Rect::new(0, 0, w, 1.min(h));
    let body_h = h.saturating_sub(3);
    let body = Rect::new(0, 1.min(h), w, body_h);
    let status = Rect::new(0, h.saturating_sub(2), w, 1.min(h));
    let hints = Rect::new(0, h.saturating_sub(1), w, 1.min(h));
    let sidebar_w = if screen.sidebar_hidden {
        0
    } else {
        (w / 5).clamp(20, 32).min(w / 2)
    };
    let sidebar = Rect::new(0, body.y, sidebar_w, body_h);
    let main = Rect::new(sidebar_w, body.y, w.saturating_sub(sidebar_w), body_h);
    let (list, detail) = if !screen.detail_open {
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
    } else if screen.detail_focused {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(size: (u16, u16), detail_open: bool, detail_focused: bool) -> Screen {
        Screen {
            size,
            detail_open,
            detail_focused,
            sidebar_hidden: false,
        }
    }

    #[test]
    fn tall_screens_split_short_ones_swap() {
        let tall = areas(screen((160, 45), true, true));
        assert!(tall.list.is_some() && tall.detail.is_some());
        let short = areas(screen((120, 24), true, true));
        assert!(short.list.is_none() && short.detail.is_some());
        let short_list = areas(screen((120, 24), true, false));
        assert!(short_list.list.is_some() && short_list.detail.is_none());
        let closed = areas(screen((80, 24), false, false));
        assert_eq!(closed.list, Some(closed.main));
        assert_eq!(closed.list_rows(), 18);
    }

    #[test]
    fn tiny_terminals_never_underflow() {
        for size in [(0, 0), (1, 1), (5, 2), (19, 3)] {
            let a = areas(screen(size, true, true));
            assert!(a.list_rows() >= 1 && a.detail_rows() >= 1);
            assert!(a.detail_inner_width() >= 10);
        }
    }
}
