//! The program's state: plain data, changed only by `update`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::TimeZoneSetting;
use crate::model::{Call, CallDetail, CallKey, Filter, Page, Scope};
use crate::providers::{Health, Provider};
use crate::ui::detail::DetailLayout;

/// Identifies one request; an answer whose id is no longer the current one is dropped.
pub type ReqId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    List,
    Detail,
}

/// A line of text being typed: the filter, a transcript search, an agent search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Search,
    ScopeSearch,
}

/// A one-line text input (ratatui-textarea does the editing keys).
pub struct Input {
    pub area: ratatui_textarea::TextArea<'static>,
}

impl Input {
    pub fn new(text: &str) -> Input {
        let mut area = ratatui_textarea::TextArea::new(vec![text.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        area.set_cursor_line_style(ratatui::style::Style::default());
        Input { area }
    }

    pub fn text(&self) -> String {
        self.area.lines().join(" ")
    }
}

/// A provider's parent list (agents, …) as loaded so far.
#[derive(Clone, Debug, Default)]
pub struct Scopes {
    pub items: Vec<Scope>,
    pub loading: Option<ReqId>,
    pub error: Option<String>,
    pub next_page: u32,
    pub has_more: bool,
    /// Typed text filtering the loaded items as you type.
    pub search: String,
    /// A search sent to the server (Enter in the search line): `items` are its results.
    pub query: Option<String>,
}

/// One configured provider in the sidebar.
pub struct ProviderEntry {
    pub name: String,
    pub label: String,
    /// `None` when it could not be set up (a missing key, say): `note` says why.
    pub provider: Option<Arc<dyn Provider>>,
    pub health: Health,
    /// A short explanation shown beside the health ("waiting 18 s", the last error).
    pub note: Option<String>,
    pub expanded: bool,
    pub scopes: Scopes,
}

impl ProviderEntry {
    pub fn new(name: &str, label: &str, provider: Result<Arc<dyn Provider>, String>) -> Self {
        let (provider, health, note) = match provider {
            Ok(p) => (Some(p), Health::Unknown, None),
            Err(e) => (None, Health::AuthError, Some(e)),
        };
        ProviderEntry {
            name: name.to_string(),
            label: label.to_string(),
            provider,
            health,
            note,
            expanded: true,
            scopes: Scopes {
                next_page: 1,
                ..Scopes::default()
            },
        }
    }

    pub fn has_scopes(&self) -> bool {
        self.provider
            .as_ref()
            .is_some_and(|p| p.capabilities().scope_noun.is_some() && p.pinned_scope().is_none())
    }
}

/// A row of the sidebar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SidebarRow {
    Provider(usize),
    Scope(usize, usize),
    /// "loading…", an error, "more…" under a provider.
    Note(usize),
}

/// Where the call list's calls come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub provider: usize,
    pub scope: Option<String>,
    pub scope_name: String,
    /// The Live view: calls in progress, refreshed every few seconds while it is shown.
    pub live: bool,
}

/// The call list: what is loaded, what passes the local part of the filter, paging.
#[derive(Default)]
pub struct CallList {
    pub source: Option<Source>,
    /// Bumped whenever source or filter change; answers of older generations are dropped.
    pub generation: u64,
    pub filter_text: String,
    pub filter: Filter,
    /// Keys of the filter applied to loaded calls rather than by the server.
    pub local_keys: Vec<String>,
    pub calls: Vec<Call>,
    pub ids: std::collections::HashSet<String>,
    /// Indices into `calls` that pass the local filter, in order.
    pub visible: Vec<usize>,
    pub next_page: u32,
    pub page_size: u32,
    pub has_more: bool,
    pub total_items: Option<u64>,
    pub total_pages: Option<u32>,
    pub unreadable: usize,
    pub loading: Option<ReqId>,
    pub error: Option<String>,
    /// Index into `visible`.
    pub cursor: usize,
    /// First visible row (scroll position), kept by `update` from the list's height.
    pub offset: usize,
    /// `G` was pressed while more pages exist: keep loading and follow the end.
    pub follow_end: bool,
    /// When the Live view was last refreshed.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// A Live refresh came due while the list was hidden: it runs once the list is shown again.
    pub live_paused: bool,
}

impl CallList {
    pub fn selected(&self) -> Option<&Call> {
        self.visible
            .get(self.cursor)
            .and_then(|&i| self.calls.get(i))
    }

    /// Adds a page, dropping calls already loaded (records shift between pages).
    pub fn absorb(&mut self, page: Page<Call>, caps: &crate::model::Capabilities) {
        self.has_more = page.has_more && !page.items.is_empty();
        self.total_items = page.total_items;
        self.total_pages = page.total_pages;
        self.unreadable += page.unreadable;
        self.next_page = page.page + 1;
        for call in page.items {
            if self.ids.insert(call.id.clone()) {
                if self.filter.matches_local(&call, caps) {
                    self.visible.push(self.calls.len());
                }
                self.calls.push(call);
            }
        }
    }

    /// Replaces everything with a fresh snapshot (the Live view), keeping the cursor on the
    /// same call when it is still there.
    pub fn replace(
        &mut self,
        page: crate::model::Page<crate::model::Call>,
        caps: &crate::model::Capabilities,
    ) {
        let selected = self.selected().map(|c| c.id.clone());
        self.calls.clear();
        self.ids.clear();
        self.visible.clear();
        self.has_more = false;
        self.total_items = Some(page.items.len() as u64);
        self.total_pages = Some(1);
        self.unreadable = page.unreadable;
        for call in page.items {
            if self.ids.insert(call.id.clone()) {
                if self.filter.matches_local(&call, caps) {
                    self.visible.push(self.calls.len());
                }
                self.calls.push(call);
            }
        }
        if let Some(id) = selected
            && let Some(pos) = self.visible.iter().position(|&i| self.calls[i].id == id)
        {
            self.cursor = pos;
        }
    }

    /// Fills what the list item lacked from the same call's detail (AlloMia lists no name or
    /// summary, TalkPilot tells about recordings only in the detail), so the row shows it too.
    pub fn enrich(&mut self, d: &CallDetail) {
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
        use crate::model::{RecordingRef, Transcript};
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

    pub fn reset(&mut self) {
        self.live_paused = false;
        self.calls.clear();
        self.ids.clear();
        self.visible.clear();
        self.cursor = 0;
        self.offset = 0;
        self.next_page = 1;
        self.has_more = false;
        self.total_items = None;
        self.total_pages = None;
        self.unreadable = 0;
        self.follow_end = false;
        self.refreshed_at = None;
        self.loading = None;
        self.error = None;
        self.generation += 1;
    }
}

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
    pub error: Option<String>,
    pub scroll: usize,
    pub search: Search,
    /// Lines of the pane for the current width and search, built by `update`.
    pub layout: Option<DetailLayout>,
}

/// The status line: the newest message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

pub struct State {
    pub providers: Vec<ProviderEntry>,
    pub sidebar_cursor: usize,
    /// The provider whose calls the program opens on, until they are on screen.
    pub opening: Option<usize>,
    pub list: CallList,
    pub detail: DetailPane,
    pub focus: Focus,
    pub input: Option<(InputKind, Input)>,
    pub help: bool,
    pub status: Status,
    pub demo: bool,
    pub time_zone: TimeZoneSetting,
    pub page_size: u32,
    /// Terminal size in cells.
    pub size: (u16, u16),
    pub next_req: ReqId,
    /// Set by `update` when the screen must be drawn again.
    pub dirty: bool,
    pub quit: bool,
    /// The clock used for filters like `today` (fixed in tests).
    pub now: fn() -> DateTime<Utc>,
}

impl State {
    pub fn new(providers: Vec<ProviderEntry>, demo: bool, time_zone: TimeZoneSetting) -> State {
        State {
            providers,
            sidebar_cursor: 0,
            opening: None,
            list: CallList {
                next_page: 1,
                ..CallList::default()
            },
            detail: DetailPane::default(),
            focus: Focus::List,
            input: None,
            help: false,
            status: Status::default(),
            demo,
            time_zone,
            page_size: 100,
            size: (80, 24),
            next_req: 1,
            dirty: true,
            quit: false,
            now: Utc::now,
        }
    }

    pub fn req(&mut self) -> ReqId {
        let id = self.next_req;
        self.next_req += 1;
        id
    }

    /// The sidebar's rows in order.
    pub fn sidebar_rows(&self) -> Vec<SidebarRow> {
        let mut rows = Vec::new();
        for (i, p) in self.providers.iter().enumerate() {
            rows.push(SidebarRow::Provider(i));
            if !p.expanded || !p.has_scopes() {
                continue;
            }
            let search = p.scopes.search.to_lowercase();
            for (j, s) in p.scopes.items.iter().enumerate() {
                if search.is_empty()
                    || s.name.to_lowercase().contains(&search)
                    || s.detail
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(&search))
                {
                    rows.push(SidebarRow::Scope(i, j));
                }
            }
            if p.scopes.loading.is_some()
                || p.scopes.error.is_some()
                || p.scopes.has_more
                || p.scopes.query.is_some()
            {
                rows.push(SidebarRow::Note(i));
            }
        }
        rows
    }

    pub fn set_status(&mut self, text: impl Into<String>, is_error: bool) {
        self.status = Status {
            text: text.into(),
            is_error,
        };
        self.dirty = true;
    }
}
