//! The detail pane's part of the state: which call is open, its loaded detail, and the laid-out
//! lines — a cache owned here, keyed by the detail's generation, the width and the search.

use super::ReqId;
use crate::layout::detail::{DetailLayout, Privacy};
use crate::model::{CallDetail, CallKey};

/// Transcript search inside the detail pane.
#[derive(Clone, Debug, Default)]
pub struct Search {
    pub query: String,
    /// Index into the layout's matches.
    pub current: Option<usize>,
}

#[derive(Default)]
pub struct DetailPane {
    pub key: Option<CallKey>,
    pub loading: Option<ReqId>,
    pub detail: Option<CallDetail>,
    /// Bumped whenever `detail` is replaced (another call, or the same one reloaded with `r`),
    /// so the laid-out lines are never those of an older answer.
    pub generation: u64,
    pub error: Option<String>,
    pub scroll: usize,
    pub search: Search,
    /// Lines of the pane for the current detail, width and search, built by `update`.
    pub layout: Option<DetailLayout>,
    /// What to show if the provider does not answer: a triaged call as it was saved.
    pub fallback: Option<CallDetail>,
}

impl DetailPane {
    /// Shows `detail` (a fresh answer): its lines are laid out again.
    pub fn show(&mut self, detail: CallDetail) {
        self.detail = Some(detail);
        self.generation += 1;
        self.error = None;
        self.layout = None;
    }

    /// Whether the laid-out lines are those of the current detail at `width` for the current
    /// search, triage and privacy mode.
    pub fn layout_fits(&self, width: u16, triage_stamp: u64, privacy: Privacy) -> bool {
        self.layout.as_ref().is_some_and(|l| {
            l.generation == self.generation
                && l.width == width
                && l.query == self.search.query
                && l.triage_stamp == triage_stamp
                && l.privacy == privacy
        })
    }
}
