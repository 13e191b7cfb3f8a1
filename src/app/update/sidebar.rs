//! The sidebar: providers and their parent lists (agents, patients, accounts, organizations),
//! which list opens first, and the parent search.

use super::super::keymap::Action;
use super::super::msg::Effect;
use super::super::state::{Focus, Input, InputKind, ReqId, SidebarRow, Source, State};
use super::{failed, list, mark_ok};
use crate::model::{Page, PageRequest, ProviderId, ProviderInfo, Scope};
use crate::providers::{Health, ProviderError};

/// Asks for the next page of provider `id`'s parent list.
pub(super) fn load_scopes(state: &mut State, id: ProviderId) -> Vec<Effect> {
    let req = state.req();
    let entry = state.provider_mut(id);
    entry.scopes.loading = Some(req);
    entry.scopes.error = None;
    if entry.health != Health::RateLimited {
        entry.health = Health::Loading;
    }
    let effect = Effect::LoadScopes {
        req,
        provider: id,
        search: entry.scopes.query.clone(),
        page: PageRequest {
            page: entry.scopes.next_page.max(1),
            size: 100,
        },
    };
    state.dirty = true;
    vec![effect]
}

pub(super) fn on_scopes(
    state: &mut State,
    req: ReqId,
    id: ProviderId,
    result: Result<Page<Scope>, ProviderError>,
) -> Vec<Effect> {
    let Some(entry) = state.providers.get_mut(id.index()) else {
        return Vec::new();
    };
    if entry.scopes.loading != Some(req) {
        return Vec::new();
    }
    entry.scopes.loading = None;
    state.dirty = true;
    let opening = state.list.source.is_none() && state.opening == Some(id);
    match result {
        Ok(page) => {
            let sc = &mut entry.scopes;
            sc.next_page = page.page + 1;
            sc.has_more = page.has_more && !page.items.is_empty();
            for s in page.items {
                if !sc.items.iter().any(|x| x.id == s.id) {
                    sc.items.push(s);
                }
            }
            mark_ok(state, id);
            // Nothing on screen yet and this is the provider to open on: show its first
            // parent's calls (or move on to the next provider when it has none).
            if opening {
                return open_next(state, id.index());
            }
            Vec::new()
        }
        Err(e) => {
            let text = failed(state, id, &e);
            state.provider_mut(id).scopes.error = Some(text);
            if opening {
                return open_next(state, id.index() + 1);
            }
            Vec::new()
        }
    }
}

/// Opens the calls of the first usable provider from position `from` on: its calls directly
/// when it has no parent level, its first parent once the list of them has arrived.
pub(super) fn open_next(state: &mut State, from: usize) -> Vec<Effect> {
    for i in from..state.providers.len() {
        let entry = &state.providers[i];
        if !entry.usable() {
            continue;
        }
        let id = entry.id();
        state.opening = Some(id);
        if !entry.has_scopes() {
            let source = own_calls(&entry.info);
            state.sidebar_to(SidebarRow::Provider(id));
            return list::select_source(state, source);
        }
        if entry.scopes.loading.is_some() {
            return Vec::new(); // its answer opens it (or moves on)
        }
        if let Some(first) = entry.scopes.items.first().cloned() {
            return open_scope(state, id, first);
        }
        // Loaded, but empty or failed: try the next provider.
    }
    state.opening = None;
    Vec::new()
}

/// The calls of a provider without a parent list: the company's, or the pinned parent's
/// (titled with the provider, since a pinned parent is known only by its id at first).
pub(super) fn own_calls(info: &ProviderInfo) -> Source {
    let scope = info.pinned_scope.as_ref();
    Source {
        provider: info.id,
        scope_name: match scope {
            Some(s) => format!("{} · {}", info.label, s.name),
            None => info.label.clone(),
        },
        scope: scope.map(|s| s.id.clone()),
        live: false,
    }
}

fn open_scope(state: &mut State, id: ProviderId, scope: Scope) -> Vec<Effect> {
    let effects = list::select_source(state, scope_source(id, scope));
    state.sidebar_to(SidebarRow::Scope(id, 0));
    effects
}

fn scope_source(provider: ProviderId, scope: Scope) -> Source {
    Source {
        provider,
        scope: Some(scope.id),
        scope_name: scope.name,
        live: false,
    }
}

pub(super) fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = state.sidebar_rows();
    let last = rows.len().saturating_sub(1);
    let cur = state.sidebar_cursor.min(last);
    if matches!(
        action,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    ) {
        state.sidebar_cursor = match action {
            Action::Up => cur.saturating_sub(1),
            Action::Down => (cur + 1).min(last),
            Action::PageUp => cur.saturating_sub(10),
            Action::PageDown => (cur + 10).min(last),
            Action::Top => 0,
            _ => last,
        };
        show_last_error(state);
        return Vec::new();
    }
    match action {
        Action::Filter => {
            if let Some(id) = rows.get(cur).and_then(SidebarRow::provider) {
                let search = state.provider(id).scopes.search.clone();
                state.input = Some((InputKind::ScopeSearch(id), Input::new(&search)));
            }
        }
        Action::Collapse => {
            if let Some(id) = rows.get(cur).and_then(SidebarRow::provider) {
                state.provider_mut(id).expanded = false;
                state.sidebar_to(SidebarRow::Provider(id));
            }
        }
        Action::Open | Action::Expand => {
            if let Some(row) = rows.get(cur).copied() {
                return open_row(state, row);
            }
        }
        Action::Refresh => {
            if let Some(id) = rows.get(cur).and_then(SidebarRow::provider)
                && state.provider(id).has_scopes()
            {
                state.provider_mut(id).scopes.restart();
                return load_scopes(state, id);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Enter on a row: a provider folds or unfolds (or shows its calls when it has no parents), a
/// parent shows its calls, the note loads more.
fn open_row(state: &mut State, row: SidebarRow) -> Vec<Effect> {
    match row {
        SidebarRow::Provider(id) => {
            let entry = state.provider_mut(id);
            if entry.has_scopes() {
                entry.expanded = !entry.expanded;
                if entry.scopes.items.is_empty() && entry.scopes.loading.is_none() {
                    entry.scopes.next_page = 1;
                    return load_scopes(state, id);
                }
            } else if entry.usable() {
                let source = own_calls(&entry.info);
                state.focus = Focus::List;
                return list::select_source(state, source);
            } else {
                show_problem(state, id);
            }
            Vec::new()
        }
        SidebarRow::Scope(id, j) => {
            let s = state.provider(id).scopes.items[j].clone();
            state.focus = Focus::List;
            let same = state
                .list
                .source
                .as_ref()
                .is_some_and(|src| src.provider == id && src.scope.as_deref() == Some(&s.id));
            if same {
                // Its list is loaded already: shown again (over the Follow-ups queue, say).
                super::followups::close(state);
                state.dirty = true;
                return Vec::new();
            }
            list::select_source(state, scope_source(id, s))
        }
        SidebarRow::Note(id) if state.provider(id).scopes.loading.is_none() => {
            load_scopes(state, id)
        }
        SidebarRow::Note(_) => Vec::new(),
        SidebarRow::AllCalls => {
            state.focus = Focus::List;
            super::merged::open(state, None)
        }
        SidebarRow::AllScopes(id) => {
            state.focus = Focus::List;
            super::merged::open(state, Some(id))
        }
        SidebarRow::FollowUps => {
            state.focus = Focus::List;
            super::followups::open(state);
            Vec::new()
        }
    }
}

/// The cursor came to a provider that failed: the status line says its last error again.
fn show_last_error(state: &mut State) {
    let Some(id) = state.sidebar_provider() else {
        return;
    };
    if let Some(e) = state.provider(id).last_error.clone() {
        state.set_status(e, true);
    }
}

/// Enter on a provider that could not be set up: the list pane says the whole reason and the fix.
fn show_problem(state: &mut State, id: ProviderId) {
    let entry = state.provider(id);
    let reason = entry.unusable.clone().unwrap_or_default();
    let label = entry.info.label.clone();
    let fix = match &state.config_path {
        Some(path) => format!(
            "Fix this provider's block in {path} (its key: api_key_env or api_key_command), then \
             start callbrowser again; the other providers work meanwhile."
        ),
        None => "Fix this provider's configuration, then start callbrowser again.".to_string(),
    };
    state.detail = Default::default();
    state.list.reset();
    state.list.source = Some(Source {
        provider: id,
        scope: None,
        scope_name: label.clone(),
        live: false,
    });
    state.list.paging.error = Some(format!("{label} could not be set up: {reason}\n\n{fix}"));
    state.focus = Focus::List;
    state.set_status(reason, true);
}

/// Enter in the sidebar search asks provider `id`'s server (a Welkin patient by MRN, say,
/// among thousands), every time; typing only narrows what is loaded. Esc (`None`) drops a
/// server search and loads the full list again.
pub(super) fn server_search(
    state: &mut State,
    id: ProviderId,
    query: Option<String>,
) -> Vec<Effect> {
    let entry = state.provider_mut(id);
    if !entry.has_scopes() {
        let label = entry.info.label.clone();
        state.set_status(format!("{label} has no list to search"), false);
        return Vec::new();
    }
    if query.is_none() && entry.scopes.query.is_none() {
        return Vec::new(); // nothing was asked of the server: the full list is there
    }
    entry.scopes.query = query;
    entry.scopes.restart();
    state.sidebar_to(SidebarRow::Provider(id));
    load_scopes(state, id)
}

/// Typing in the sidebar search narrows provider `id`'s loaded parents; the cursor stays with
/// that provider whatever is left of its list.
pub(super) fn set_search(state: &mut State, id: ProviderId, text: &str) {
    let entry = state.provider_mut(id);
    entry.scopes.search = text.to_string();
    entry.expanded = true;
    if state.sidebar_provider() != Some(id) {
        state.sidebar_to(SidebarRow::Provider(id));
    }
    let rows = state.sidebar_rows().len();
    state.sidebar_cursor = state.sidebar_cursor.min(rows.saturating_sub(1));
    if state.sidebar_provider() != Some(id) {
        state.sidebar_to(SidebarRow::Provider(id));
    }
    state.dirty = true;
}
