//! When to stop paging whatever the server claims: a page that brings nothing new (the same page
//! again), an empty page that claims more, or a list that reached the most one list may hold.
//! The TUI's `G` and the CLI's `list --all` use the same rules and say the same sentence.

use std::fmt;

/// The most calls one list holds unless the configuration says otherwise (`[ui] max_list_calls`).
pub const DEFAULT_MAX_LIST_CALLS: usize = 100_000;

/// Why paging stopped before the server said it was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PagingStop {
    /// Page `page` held only calls already loaded.
    Repeated { page: u32 },
    /// Page `page` was empty although the server claimed more.
    EmptyButMore { page: u32 },
    /// The list holds `max` calls, the most it may.
    Full { max: usize },
}

impl fmt::Display for PagingStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagingStop::Repeated { page } => write!(
                f,
                "stopped paging: page {page} brought no new calls (the server repeats itself)"
            ),
            PagingStop::EmptyButMore { page } => write!(
                f,
                "stopped paging: page {page} was empty although the server claims more"
            ),
            PagingStop::Full { max } => write!(
                f,
                "stopped paging at {max} calls, the most one list holds (narrow the filter, or \
                 raise max_list_calls in [ui] of the config)"
            ),
        }
    }
}

/// What one page brought.
#[derive(Clone, Copy, Debug)]
pub struct PageProgress {
    pub page: u32,
    /// Calls read from the page.
    pub calls: usize,
    /// Records on the page that could not be read.
    pub unreadable: usize,
    /// Calls not loaded before.
    pub new_calls: usize,
    /// The server says more pages follow.
    pub more: bool,
    /// Records taken in so far, calls and unreadable ones (what the cap counts).
    pub loaded: usize,
    pub max: usize,
}

impl PageProgress {
    /// Whether paging must stop although the server claims more (`None`: go on as it says).
    pub fn stop(&self) -> Option<PagingStop> {
        if !self.more {
            return None;
        }
        if self.calls == 0 && self.unreadable == 0 {
            return Some(PagingStop::EmptyButMore { page: self.page });
        }
        if self.calls > 0 && self.new_calls == 0 {
            return Some(PagingStop::Repeated { page: self.page });
        }
        (self.loaded >= self.max).then_some(PagingStop::Full { max: self.max })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(calls: usize, new_calls: usize, loaded: usize) -> PageProgress {
        PageProgress {
            page: 7,
            calls,
            unreadable: 0,
            new_calls,
            more: true,
            loaded,
            max: 1000,
        }
    }

    #[test]
    fn a_claim_of_more_is_believed_only_while_pages_bring_new_calls() {
        assert_eq!(progress(100, 100, 700).stop(), None);
        assert_eq!(progress(100, 3, 703).stop(), None, "some new: go on");
        assert_eq!(
            progress(100, 0, 700).stop(),
            Some(PagingStop::Repeated { page: 7 })
        );
        assert_eq!(
            progress(0, 0, 700).stop(),
            Some(PagingStop::EmptyButMore { page: 7 })
        );
        assert_eq!(
            progress(100, 100, 1000).stop(),
            Some(PagingStop::Full { max: 1000 })
        );
        // A page of unreadable records only is not a repeat (the cap bounds those).
        let unreadable = PageProgress {
            unreadable: 100,
            ..progress(0, 0, 800)
        };
        assert_eq!(unreadable.stop(), None);
        // A last page is never a stop, whatever it holds.
        let last = PageProgress {
            more: false,
            ..progress(0, 0, 1000)
        };
        assert_eq!(last.stop(), None);
        assert!(
            PagingStop::Full { max: 1000 }
                .to_string()
                .contains("max_list_calls")
        );
    }
}
