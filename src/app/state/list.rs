//! The call list's part of the state, in cohesive pieces: where its calls come from
//! ([`Source`]), the loaded rows ([`Rows`]), the paging of the source ([`Paging`]), what is on
//! screen ([`Viewport`]), the filter ([`ListFilter`]) and the Live view's timing ([`LiveMode`]).

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::ReqId;
use crate::model::{
    Call, CallDetail, Capabilities, Filter, Page, PagingStop, ProviderId, RecordingRef, Transcript,
};

/// How often the Live view refreshes itself while it is shown.
pub const LIVE_REFRESH: std::time::Duration = std::time::Duration::from_secs(3);

/// Where the call list's calls come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub provider: ProviderId,
    pub scope: Option<String>,
    pub scope_name: String,
    /// The Live view: calls in progress, refreshed every few seconds while it is shown.
    pub live: bool,
}

/// The calls loaded so far, and which of them pass the part of the filter applied locally, in
/// the order shown.
#[derive(Debug, Default)]
pub struct Rows {
    pub calls: Vec<Call>,
    /// The provider of each call (a merged list holds several).
    pub origin: Vec<ProviderId>,
    pub ids: HashSet<(ProviderId, String)>,
    /// Indices into `calls` that pass the local filter, in the order shown.
    pub visible: Vec<usize>,
    /// Every loaded call in the order of a sort other than as loaded, kept while the calls do
    /// not change: filtering a sorted list again then needs no new sort.
    pub sorted: Option<SortedOrder>,
}

/// The order of every loaded call by `sort`, made when `calls` calls were loaded.
#[derive(Debug)]
pub struct SortedOrder {
    pub sort: crate::model::sort::Sort,
    pub calls: usize,
    pub order: Vec<usize>,
}

/// Whether a loaded call of a provider passes the filter applied locally.
pub type Passes<'a> = &'a dyn Fn(ProviderId, &Call) -> bool;

impl Rows {
    /// The `n`th visible call.
    pub fn visible_call(&self, n: usize) -> Option<&Call> {
        self.visible.get(n).and_then(|&i| self.calls.get(i))
    }

    /// The provider of the `n`th visible call.
    pub fn visible_origin(&self, n: usize) -> Option<ProviderId> {
        self.visible
            .get(n)
            .and_then(|&i| self.origin.get(i).copied())
    }

    /// Adds calls of `provider`, dropping ones already loaded (records shift between pages);
    /// returns how many were new.
    pub fn absorb(&mut self, provider: ProviderId, items: Vec<Call>, passes: Passes) -> usize {
        let before = self.calls.len();
        for call in items {
            if self.ids.insert((provider, call.id.clone())) {
                if passes(provider, &call) {
                    self.visible.push(self.calls.len());
                }
                self.calls.push(call);
                self.origin.push(provider);
            }
        }
        self.calls.len() - before
    }

    /// Applies the local part of the filter again to every loaded call.
    pub fn refilter(&mut self, passes: Passes) {
        self.visible = self
            .calls
            .iter()
            .zip(&self.origin)
            .enumerate()
            .filter(|(_, (c, p))| passes(**p, c))
            .map(|(i, _)| i)
            .collect();
    }

    /// The visible rows in the order of `sorted` (which holds every call).
    pub fn order_visible_by(&mut self, sorted: &[usize]) {
        let mut shown = vec![false; self.calls.len()];
        for &i in &self.visible {
            if let Some(s) = shown.get_mut(i) {
                *s = true;
            }
        }
        self.visible = sorted
            .iter()
            .copied()
            .filter(|&i| shown.get(i).copied().unwrap_or(false))
            .collect();
    }

    pub fn clear(&mut self) {
        self.sorted = None;
        self.calls.clear();
        self.origin.clear();
        self.ids.clear();
        self.visible.clear();
    }

    /// Fills what the list item lacked from the same call's detail (AlloMia lists no name or
    /// summary, TalkPilot tells about recordings only in the detail), so the row shows it too.
    pub fn enrich(&mut self, d: &CallDetail) {
        // A name filled in may move the call in a sort by caller.
        self.sorted = None;
        let detailed = &d.call;
        let Some(c) = self
            .calls
            .iter_mut()
            .find(|c| c.same_call(detailed) && c.scope == detailed.scope)
        else {
            return;
        };
        fn fill<T: Clone>(slot: &mut Option<T>, from: &Option<T>) {
            if slot.is_none() {
                slot.clone_from(from);
            }
        }
        fill(&mut c.caller_name, &detailed.caller_name);
        fill(&mut c.caller_number, &detailed.caller_number);
        fill(&mut c.summary, &detailed.summary);
        fill(&mut c.status, &detailed.status);
        let recording = matches!(
            d.recording,
            RecordingRef::SignedUrl { .. } | RecordingRef::Endpoint { .. }
        );
        let transcript = matches!(
            d.transcript,
            Transcript::Turns(_) | Transcript::Unparsed { .. }
        );
        fill(&mut c.has_recording, &Some(recording));
        fill(&mut c.has_transcript, &Some(transcript));
    }
}

/// Paging through the source: what the last page said and what is under way.
#[derive(Debug)]
pub struct Paging {
    pub next_page: u32,
    pub page_size: u32,
    pub has_more: bool,
    pub total_items: Option<u64>,
    pub total_pages: Option<u32>,
    /// Records the server sent that could not be read, over all pages.
    pub unreadable: usize,
    pub loading: Option<ReqId>,
    pub error: Option<String>,
    /// `G` was pressed while more pages exist: keep loading and follow the end.
    pub follow_end: bool,
    /// Paging stopped although the server claimed more, and why.
    pub stopped: Option<PagingStop>,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            next_page: 1,
            page_size: 100,
            has_more: false,
            total_items: None,
            total_pages: None,
            unreadable: 0,
            loading: None,
            error: None,
            follow_end: false,
            stopped: None,
        }
    }
}

impl Paging {
    /// Takes what a page says about the whole.
    pub fn absorb<T>(&mut self, page: &Page<T>) {
        self.has_more = page.has_more && !page.items.is_empty();
        self.total_items = page.total_items;
        self.total_pages = page.total_pages;
        self.unreadable += page.unreadable;
        self.next_page = page.page + 1;
    }

    /// A snapshot that is everything there is (the Live view).
    pub fn whole(&mut self, items: usize, unreadable: usize) {
        self.has_more = false;
        self.total_items = Some(items as u64);
        self.total_pages = Some(1);
        self.unreadable = unreadable;
    }

    /// Nothing loaded yet; the page size is kept.
    pub fn restart(&mut self) {
        *self = Paging {
            page_size: self.page_size,
            ..Paging::default()
        };
    }

    /// The first page was not asked for yet.
    pub fn nothing_asked(&self) -> bool {
        self.next_page <= 1
    }
}

/// What part of the visible rows is on screen, and where the cursor is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Viewport {
    /// Index into the visible rows.
    pub cursor: usize,
    /// First row on screen.
    pub offset: usize,
}

impl Viewport {
    /// Keeps the cursor among `len` rows and on screen in a window of `height` rows.
    pub fn follow(&mut self, len: usize, height: usize) {
        let height = height.max(1);
        if self.cursor >= len {
            self.cursor = len.saturating_sub(1);
        }
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
    }
}

/// The filter line as typed and as parsed.
#[derive(Debug, Default)]
pub struct ListFilter {
    pub text: String,
    pub filter: Filter,
    /// The triage part (`triage:`, `tag:`, `note:`), applied to the loaded calls with the
    /// store's marks.
    pub triage: Option<crate::store::filter::TriageFilter>,
    /// Keys of the filter applied to loaded calls rather than by the server.
    pub local_keys: Vec<String>,
}

impl ListFilter {
    pub fn clear(&mut self) {
        *self = ListFilter::default();
    }
}

/// The Live view's timing: when its last answer came, and how many came.
#[derive(Clone, Copy, Debug, Default)]
pub struct LiveMode {
    /// When the last snapshot was shown (the title says it).
    pub refreshed_at: Option<DateTime<Utc>>,
    /// When the last answer came, snapshot or error: the next refresh is due from then.
    pub answered_at: Option<DateTime<Utc>>,
    /// Answers so far: each one starts the wait for the next refresh.
    pub rounds: u64,
}

/// A merged list: All calls, or one provider's every parent.
pub struct MergedList {
    pub inbox: crate::model::inbox::Inbox,
    /// `None`: every provider (All calls); else the one provider whose parents are merged.
    pub only: Option<ProviderId>,
    /// Each member provider's filter (as it reads the filter line).
    pub filters: Vec<(ProviderId, Filter)>,
    /// Providers left out of the search, and why (a filter key they do not know).
    pub left_out: Vec<String>,
    /// Bumped by each answer of a slow request's timer round.
    pub round: u64,
    /// After `r`: the call the cursor was on, to put it back on when it comes again.
    pub keep: Option<(ProviderId, String)>,
}

impl std::fmt::Debug for MergedList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergedList")
            .field("only", &self.only)
            .field("missing", &self.inbox.missing())
            .finish()
    }
}

impl MergedList {
    pub fn filter_of(&self, provider: ProviderId) -> Option<&Filter> {
        self.filters
            .iter()
            .find(|(p, _)| *p == provider)
            .map(|(_, f)| f)
    }
}

/// What was on screen when `r` reloaded the list: shown again if the reload fails.
#[derive(Debug)]
pub struct Reload {
    pub rows: Rows,
    pub paging: Paging,
    pub view: Viewport,
    /// The call under the cursor, to keep the cursor on.
    pub selected: Option<(ProviderId, String)>,
}

/// The call list.
#[derive(Debug, Default)]
pub struct CallList {
    /// A reload under way (`r`): what to show again if it fails.
    pub reloading: Option<Reload>,
    pub source: Option<Source>,
    /// A merged list (then `source` is `None`).
    pub merged: Option<MergedList>,
    /// The order shown (time, newest first: as loaded).
    pub sort: crate::model::sort::Sort,
    /// Bumped whenever source or server filter change; answers of older generations are dropped.
    pub generation: u64,
    pub rows: Rows,
    pub paging: Paging,
    pub view: Viewport,
    pub filter: ListFilter,
    pub live: LiveMode,
}

impl CallList {
    pub fn selected(&self) -> Option<&Call> {
        self.rows.visible_call(self.view.cursor)
    }

    /// The provider of the call under the cursor.
    pub fn selected_origin(&self) -> Option<ProviderId> {
        self.rows.visible_origin(self.view.cursor)
    }

    /// Whether a list is shown (one source or merged).
    pub fn is_open(&self) -> bool {
        self.source.is_some() || self.merged.is_some()
    }

    pub fn is_live(&self) -> bool {
        self.source.as_ref().is_some_and(|s| s.live)
    }

    /// Replaces everything with a fresh snapshot (the Live view), keeping the cursor on the
    /// same call when it is still there.
    pub fn replace(&mut self, page: Page<Call>, caps: &Capabilities) {
        let selected = self.selected().map(|c| c.id.clone());
        self.rows.clear();
        self.paging.whole(page.items.len(), page.unreadable);
        let Some(provider) = self.source.as_ref().map(|s| s.provider) else {
            return;
        };
        let filter = &self.filter.filter;
        self.rows
            .absorb(provider, page.items, &|_, c| filter.matches_local(c, caps));
        if let Some(id) = selected
            && let Some(pos) = self
                .rows
                .visible
                .iter()
                .position(|&i| self.rows.calls[i].id == id)
        {
            self.view.cursor = pos;
        }
    }

    /// Starts over for a new source or server filter: nothing loaded, cursor at the top.
    pub fn reset(&mut self) {
        self.merged = None;
        self.reloading = None;
        self.rows.clear();
        self.paging.restart();
        self.view = Viewport::default();
        self.live = LiveMode::default();
        self.generation += 1;
    }
}
