//! The sidebar's part of the state: each configured provider as data (its description, health,
//! and parent list as loaded so far), and the rows the sidebar shows.

use super::ReqId;
use crate::model::{ProviderId, ProviderInfo, Scope};
use crate::providers::Health;

/// A provider's parent list (agents, …) as loaded so far.
#[derive(Clone, Debug)]
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

impl Default for Scopes {
    fn default() -> Self {
        Scopes {
            items: Vec::new(),
            loading: None,
            error: None,
            next_page: 1,
            has_more: false,
            search: String::new(),
            query: None,
        }
    }
}

impl Scopes {
    /// Forgets what was loaded, to load again from the first page.
    pub fn restart(&mut self) {
        self.items.clear();
        self.next_page = 1;
        self.has_more = false;
    }

    /// Whether a loaded item passes the typed search (name or detail, any case).
    fn shows(&self, s: &Scope) -> bool {
        let search = self.search.to_lowercase();
        search.is_empty()
            || s.name.to_lowercase().contains(&search)
            || s.detail
                .as_deref()
                .is_some_and(|d| d.to_lowercase().contains(&search))
    }
}

/// One configured provider in the sidebar.
pub struct ProviderEntry {
    pub info: ProviderInfo,
    /// Why it could not be set up (a missing key, say); `None` when it works.
    pub unusable: Option<String>,
    pub health: Health,
    /// A short explanation shown beside the health ("waiting 18 s", the last error).
    pub note: Option<String>,
    /// The last error it answered with (or why it could not be set up), until it answers again.
    pub last_error: Option<String>,
    pub expanded: bool,
    pub scopes: Scopes,
}

impl ProviderEntry {
    /// A provider as configured: `setup` is `Err(why)` when it could not be set up.
    pub fn new(info: ProviderInfo, setup: Result<(), String>) -> Self {
        let (unusable, health, note) = match setup {
            Ok(()) => (None, Health::Unknown, None),
            Err(e) => (Some(e.clone()), Health::AuthError, Some(e)),
        };
        ProviderEntry {
            info,
            last_error: unusable.clone(),
            unusable,
            health,
            note,
            expanded: true,
            scopes: Scopes::default(),
        }
    }

    pub fn id(&self) -> ProviderId {
        self.info.id
    }

    pub fn usable(&self) -> bool {
        self.unusable.is_none()
    }

    /// Calls live under a parent the user chooses in the sidebar.
    pub fn has_scopes(&self) -> bool {
        self.usable() && self.info.has_scopes()
    }
}

/// A row of the sidebar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SidebarRow {
    /// Every call marked for follow-up, across providers (when there is a triage store).
    FollowUps,
    /// Every provider's calls merged, newest first (with two providers or more).
    AllCalls,
    Provider(ProviderId),
    /// Every parent of a provider merged ("all agents").
    AllScopes(ProviderId),
    /// The `n`th loaded parent of a provider.
    Scope(ProviderId, usize),
    /// "loading…", an error, "more…" under a provider.
    Note(ProviderId),
}

impl SidebarRow {
    /// The provider of the row (none for Follow-ups).
    pub fn provider(&self) -> Option<ProviderId> {
        match *self {
            SidebarRow::Provider(p)
            | SidebarRow::AllScopes(p)
            | SidebarRow::Scope(p, _)
            | SidebarRow::Note(p) => Some(p),
            SidebarRow::FollowUps | SidebarRow::AllCalls => None,
        }
    }
}

/// The sidebar's rows in order: each provider, then (unfolded) its parents passing the typed
/// search, then a note while loading, after an error, or when more can be loaded.
pub fn sidebar_rows(providers: &[ProviderEntry]) -> Vec<SidebarRow> {
    let mut rows = Vec::new();
    for p in providers {
        let id = p.id();
        rows.push(SidebarRow::Provider(id));
        if !p.expanded || !p.has_scopes() {
            continue;
        }
        let sc = &p.scopes;
        if sc.query.is_none() && sc.search.is_empty() {
            rows.push(SidebarRow::AllScopes(id));
        }
        rows.extend(
            sc.items
                .iter()
                .enumerate()
                .filter(|(_, s)| sc.shows(s))
                .map(|(j, _)| SidebarRow::Scope(id, j)),
        );
        if sc.loading.is_some() || sc.error.is_some() || sc.has_more || sc.query.is_some() {
            rows.push(SidebarRow::Note(id));
        }
    }
    rows
}
