//! `update`: the only place state changes. It takes one message and returns the effects to run.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::keymap::{Action, action_for};
use super::msg::{Effect, Msg};
use super::state::{Focus, Input, InputKind, SidebarRow, Source, State};
use crate::display::sanitize;
use crate::http::HttpNotice;
use crate::model::{Filter, PageRequest};
use crate::providers::Health;
use crate::ui::layout::areas;

/// Effects a fresh state needs: each provider's parent list, and the calls of the first
/// provider in configuration order (its first agent, patient, … once they are known).
pub fn init(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    for i in 0..state.providers.len() {
        if state.providers[i].provider.is_some() && state.providers[i].has_scopes() {
            effects.extend(load_scopes(state, i));
        }
    }
    state.opening = None;
    effects.extend(open_next(state, 0));
    state.dirty = true;
    effects
}

/// Opens the calls of the first usable provider from index `from` on: its calls directly when
/// it has no parent level, its first parent once the list of them has arrived.
fn open_next(state: &mut State, from: usize) -> Vec<Effect> {
    for i in from..state.providers.len() {
        let entry = &state.providers[i];
        let Some(p) = entry.provider.clone() else {
            continue;
        };
        state.opening = Some(i);
        if !entry.has_scopes() {
            if let Some(row) = state
                .sidebar_rows()
                .iter()
                .position(|r| *r == SidebarRow::Provider(i))
            {
                state.sidebar_cursor = row;
            }
            return select_source(state, own_calls(i, p.as_ref()));
        }
        if entry.scopes.loading.is_some() {
            return Vec::new(); // its answer opens it (or moves on)
        }
        if let Some(first) = entry.scopes.items.first().cloned() {
            return open_scope(state, i, first);
        }
        // Loaded, but empty or failed: try the next provider.
    }
    state.opening = None;
    Vec::new()
}

/// The calls of a provider without a parent list: the company's, or the pinned parent's
/// (titled with the provider, since a pinned parent is known only by its id at first).
fn own_calls(provider: usize, p: &dyn crate::providers::Provider) -> Source {
    let scope = p.pinned_scope();
    Source {
        provider,
        scope_name: match scope {
            Some(s) => format!("{} · {}", p.label(), s.name),
            None => p.label().to_string(),
        },
        scope: scope.map(|s| s.id.clone()),
        live: false,
    }
}

fn open_scope(state: &mut State, provider: usize, scope: crate::model::Scope) -> Vec<Effect> {
    let effects = select_source(
        state,
        Source {
            provider,
            scope: Some(scope.id),
            scope_name: scope.name,
            live: false,
        },
    );
    if let Some(row) = state
        .sidebar_rows()
        .iter()
        .position(|r| *r == SidebarRow::Scope(provider, 0))
    {
        state.sidebar_cursor = row;
    }
    effects
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = update_one(state, msg);
    effects.extend(resume_live_if_shown(state));
    effects
}

/// The Live view refreshes only while its list is on screen: a refresh that came due while
/// the list was hidden (the detail pane filling a short terminal) runs when it shows again.
fn resume_live_if_shown(state: &mut State) -> Option<Effect> {
    if !state.list.live_paused || areas(state).list.is_none() {
        return None;
    }
    state.list.live_paused = false;
    if state.list.loading.is_some() {
        return None;
    }
    load_live(state)
}

fn update_one(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            relayout_detail(state);
            keep_cursor_visible(state);
            state.dirty = true;
            Vec::new()
        }
        Msg::Quit => {
            state.quit = true;
            Vec::new()
        }
        Msg::Scopes {
            req,
            provider,
            result,
        } => on_scopes(state, req, provider, result),
        Msg::Calls { req, result } => on_calls(state, req, result),
        Msg::Detail { req, result } => {
            if state.detail.loading != Some(req) {
                return Vec::new(); // an answer to a call no longer shown
            }
            state.detail.loading = None;
            match *result {
                Ok(d) => {
                    state.list.enrich(&d);
                    state.detail.detail = Some(d);
                    state.detail.error = None;
                    state.detail.scroll = 0;
                    state.detail.search.current = None;
                    relayout_detail(state);
                }
                Err(e) => {
                    let text = e.to_string();
                    if let Some(k) = &state.detail.key {
                        state.providers[k.provider.index()].health = e.health();
                    }
                    state.detail.error = Some(text.clone());
                    state.set_status(text, true);
                }
            }
            state.dirty = true;
            Vec::new()
        }
        Msg::Live { req, result } => on_live(state, req, result),
        Msg::LiveTick { generation } => {
            let live = state.list.source.as_ref().is_some_and(|s| s.live);
            if !live || generation != state.list.generation || state.list.loading.is_some() {
                return Vec::new(); // the Live view was left, or a refresh is under way
            }
            if areas(state).list.is_none() {
                state.list.live_paused = true; // hidden: no polling until it shows again
                return Vec::new();
            }
            load_live(state).into_iter().collect()
        }
        Msg::Http { provider, notice } => {
            if let Some(entry) = state.providers.get_mut(provider) {
                let label = entry.label.clone();
                match notice {
                    HttpNotice::Waiting { wait, .. } => {
                        entry.health = Health::RateLimited;
                        entry.note = Some(format!("waiting {} s", wait.as_secs().max(1)));
                        state.set_status(
                            format!(
                                "{label} is rate limiting: waiting {} s before the next request",
                                wait.as_secs().max(1)
                            ),
                            false,
                        );
                    }
                    HttpNotice::Retrying { retry, cause } => {
                        entry.note = Some(format!("retry {retry}"));
                        state.set_status(format!("{label}: {cause}; retrying ({retry})"), false);
                    }
                }
            }
            Vec::new()
        }
    }
}

fn mark_ok(state: &mut State, provider: usize) {
    if let Some(e) = state.providers.get_mut(provider)
        && (e.health != Health::Ok || e.note.is_some())
    {
        e.health = Health::Ok;
        e.note = None;
        state.dirty = true;
    }
}

fn load_scopes(state: &mut State, provider: usize) -> Vec<Effect> {
    let req = state.req();
    let entry = &mut state.providers[provider];
    entry.scopes.loading = Some(req);
    entry.scopes.error = None;
    if entry.health != Health::RateLimited {
        entry.health = Health::Loading;
    }
    state.dirty = true;
    vec![Effect::LoadScopes {
        req,
        provider,
        search: entry.scopes.query.clone(),
        page: PageRequest {
            page: entry.scopes.next_page.max(1),
            size: 100,
        },
    }]
}

fn on_scopes(
    state: &mut State,
    req: u64,
    provider: usize,
    result: Result<crate::model::Page<crate::model::Scope>, crate::providers::ProviderError>,
) -> Vec<Effect> {
    let Some(entry) = state.providers.get_mut(provider) else {
        return Vec::new();
    };
    if entry.scopes.loading != Some(req) {
        return Vec::new();
    }
    entry.scopes.loading = None;
    state.dirty = true;
    match result {
        Ok(page) => {
            entry.scopes.next_page = page.page + 1;
            entry.scopes.has_more = page.has_more && !page.items.is_empty();
            for s in page.items {
                if !entry.scopes.items.iter().any(|x| x.id == s.id) {
                    entry.scopes.items.push(s);
                }
            }
            mark_ok(state, provider);
            // Nothing on screen yet and this is the provider to open on: show its first
            // parent's calls (or move on to the next provider when it has none).
            if state.list.source.is_none() && state.opening == Some(provider) {
                return open_next(state, provider);
            }
            Vec::new()
        }
        Err(e) => {
            let text = e.to_string();
            entry.health = e.health();
            entry.scopes.error = Some(text.clone());
            state.set_status(text, true);
            if state.list.source.is_none() && state.opening == Some(provider) {
                return open_next(state, provider + 1);
            }
            Vec::new()
        }
    }
}

/// Shows the calls of a provider or scope, from the first page.
fn select_source(state: &mut State, source: Source) -> Vec<Effect> {
    let Some(p) = state
        .providers
        .get(source.provider)
        .and_then(|e| e.provider.clone())
    else {
        return Vec::new();
    };
    // The filter is re-read against the new provider's keys.
    if !state.list.filter_text.is_empty() {
        match Filter::parse(
            &state.list.filter_text,
            p.capabilities(),
            (state.now)().with_timezone(&chrono::Local),
        ) {
            Ok(f) => {
                state.list.local_keys = f.local_keys(p.capabilities());
                state.list.filter = f;
            }
            Err(e) => {
                state.set_status(format!("filter cleared: {e}"), true);
                state.list.filter_text.clear();
                state.list.filter = Filter::default();
                state.list.local_keys.clear();
            }
        }
    }
    // A call of another provider or parent does not belong beside this list, and a note about
    // what was on screen is stale (errors stay until something replaces them).
    let same_parent = state
        .detail
        .key
        .as_ref()
        .is_some_and(|k| k.provider.index() == source.provider && k.scope == source.scope);
    if !same_parent {
        state.detail = Default::default();
        if state.focus == Focus::Detail {
            state.focus = Focus::List;
        }
    }
    if !state.status.is_error {
        state.status = Default::default();
    }
    let live = source.live;
    state.list.reset();
    state.list.source = Some(source);
    state.list.page_size = state.page_size.clamp(1, p.capabilities().max_page_size);
    state.dirty = true;
    if live {
        return load_live(state).into_iter().collect();
    }
    load_more(state).into_iter().collect()
}

/// How often the Live view refreshes itself while it is shown.
pub const LIVE_REFRESH: std::time::Duration = std::time::Duration::from_secs(3);

/// A fresh snapshot of the Live view.
fn load_live(state: &mut State) -> Option<Effect> {
    let source = state.list.source.clone().filter(|s| s.live)?;
    let req = state.req();
    state.list.loading = Some(req);
    state.dirty = true;
    Some(Effect::LoadLive {
        req,
        provider: source.provider,
        scope: source.scope,
    })
}

fn on_live(
    state: &mut State,
    req: u64,
    result: Result<crate::model::Page<crate::model::Call>, crate::providers::ProviderError>,
) -> Vec<Effect> {
    if state.list.loading != Some(req) {
        return Vec::new(); // the Live view was left or refreshed again
    }
    state.list.loading = None;
    state.dirty = true;
    let Some(source) = state.list.source.clone() else {
        return Vec::new();
    };
    let Some(p) = state.providers[source.provider].provider.clone() else {
        return Vec::new();
    };
    match result {
        Ok(page) => {
            state.list.replace(page, p.capabilities());
            // A note, not an error: it goes with the next source, and with the next
            // snapshot that reads everything.
            let note = format!(
                "{}: {} live call(s) could not be read and are not shown",
                p.label(),
                state.list.unreadable
            );
            if state.list.unreadable > 0 {
                state.set_status(note, false);
            } else if state.status.text.contains("live call(s) could not be read") {
                state.set_status("", false);
            }
            state.list.error = None;
            state.list.refreshed_at = Some((state.now)());
            mark_ok(state, source.provider);
            keep_cursor_visible(state);
        }
        Err(e) => {
            let text = e.to_string();
            state.providers[source.provider].health = e.health();
            state.list.error = Some(text.clone());
            state.set_status(text, true);
        }
    }
    // Keep refreshing, also after an error (the next answer may be fine), while shown.
    vec![Effect::LiveTimer {
        generation: state.list.generation,
        after: LIVE_REFRESH,
    }]
}

/// `L`: the Live view of the current account, or back to its call history.
fn toggle_live(state: &mut State) -> Vec<Effect> {
    let target = match (&state.list.source, state.focus) {
        (Some(s), Focus::List | Focus::Detail) => Some((s.provider, s.scope.clone())),
        _ => match state.sidebar_rows().get(state.sidebar_cursor) {
            Some(SidebarRow::Scope(i, j)) => {
                Some((*i, Some(state.providers[*i].scopes.items[*j].id.clone())))
            }
            Some(SidebarRow::Provider(i) | SidebarRow::Note(i)) => state
                .list
                .source
                .as_ref()
                .filter(|s| s.provider == *i)
                .map(|s| (s.provider, s.scope.clone()))
                .or_else(|| {
                    let p = state.providers[*i].provider.as_ref()?;
                    Some((*i, p.pinned_scope().map(|s| s.id.clone())))
                }),
            None => None,
        },
    };
    let Some((provider, scope)) = target else {
        return Vec::new();
    };
    let Some(p) = state.providers[provider].provider.clone() else {
        return Vec::new();
    };
    if !p.capabilities().has_live {
        state.set_status(format!("{} has no live view", p.label()), true);
        return Vec::new();
    }
    let noun = p.capabilities().scope_noun.unwrap_or("provider");
    if p.capabilities().scope_noun.is_some() && scope.is_none() {
        state.set_status(
            format!("choose an {noun} first (the Live view is per {noun})"),
            true,
        );
        return Vec::new();
    }
    let name = state.providers[provider]
        .scopes
        .items
        .iter()
        .find(|s| Some(&s.id) == scope.as_ref())
        .map(|s| s.name.clone())
        .or_else(|| p.pinned_scope().map(|s| s.name.clone()))
        .unwrap_or_else(|| p.label().to_string());
    let now_live = state
        .list
        .source
        .as_ref()
        .is_some_and(|s| s.live && s.provider == provider && s.scope == scope);
    state.focus = Focus::List;
    select_source(
        state,
        Source {
            provider,
            scope,
            scope_name: if now_live {
                name
            } else {
                format!("Live · {name}")
            },
            live: !now_live,
        },
    )
}

/// The next page of the current list, unless one is loading or there is none.
fn load_more(state: &mut State) -> Option<Effect> {
    let source = state.list.source.clone().filter(|s| !s.live)?;
    let first = state.list.next_page <= 1 && state.list.calls.is_empty();
    if state.list.loading.is_some() || (!first && !state.list.has_more) {
        return None;
    }
    let req = state.req();
    state.list.loading = Some(req);
    state.dirty = true;
    Some(Effect::LoadCalls {
        req,
        provider: source.provider,
        scope: source.scope,
        filter: state.list.filter.clone(),
        page: PageRequest {
            page: state.list.next_page.max(1),
            size: state.list.page_size.max(1),
        },
    })
}

fn list_height(state: &State) -> usize {
    let a = areas(state);
    a.list
        .map_or(10, |r| r.height.saturating_sub(3) as usize)
        .max(1)
}

/// Pre-fetches the next page before the cursor reaches the end of what is loaded.
fn maybe_prefetch(state: &mut State) -> Option<Effect> {
    let margin = list_height(state).max(state.list.page_size as usize / 2);
    if state.list.visible.len().saturating_sub(state.list.cursor) <= margin || state.list.follow_end
    {
        load_more(state)
    } else {
        None
    }
}

fn on_calls(
    state: &mut State,
    req: u64,
    result: Result<crate::model::Page<crate::model::Call>, crate::providers::ProviderError>,
) -> Vec<Effect> {
    if state.list.loading != Some(req) {
        return Vec::new(); // an answer for another source, filter or an older page
    }
    state.list.loading = None;
    state.dirty = true;
    let Some(source) = state.list.source.clone() else {
        return Vec::new();
    };
    match result {
        Ok(page) => {
            let Some(p) = state.providers[source.provider].provider.clone() else {
                return Vec::new();
            };
            state.list.absorb(page, p.capabilities());
            state.list.error = None;
            mark_ok(state, source.provider);
            if state.list.unreadable > 0 {
                state.set_status(
                    format!(
                        "{}: {} record(s) could not be read and are not shown",
                        p.label(),
                        state.list.unreadable
                    ),
                    false,
                );
            }
            if state.list.follow_end {
                state.list.cursor = state.list.visible.len().saturating_sub(1);
                if !state.list.has_more {
                    state.list.follow_end = false;
                }
            }
            keep_cursor_visible(state);
            maybe_prefetch(state).into_iter().collect()
        }
        Err(e) => {
            let text = e.to_string();
            state.providers[source.provider].health = e.health();
            state.list.error = Some(text.clone());
            state.list.follow_end = false;
            state.set_status(text, true);
            Vec::new()
        }
    }
}

fn keep_cursor_visible(state: &mut State) {
    let h = list_height(state);
    let l = &mut state.list;
    if l.cursor >= l.visible.len() {
        l.cursor = l.visible.len().saturating_sub(1);
    }
    if l.cursor < l.offset {
        l.offset = l.cursor;
    } else if l.cursor >= l.offset + h {
        l.offset = l.cursor + 1 - h;
    }
}

/// Rebuilds the detail pane's lines for the current width and search.
pub fn relayout_detail(state: &mut State) {
    let Some(detail) = &state.detail.detail else {
        state.detail.layout = None;
        return;
    };
    let width = areas(state).detail_inner_width();
    let same = state.detail.layout.as_ref().is_some_and(|l| {
        l.width == width && l.query == state.detail.search.query && l.call_id == detail.call.id
    });
    if !same {
        state.detail.layout = Some(crate::ui::detail::build(
            detail,
            width,
            &state.detail.search.query,
            state.time_zone,
        ));
    }
}

fn detail_height(state: &State) -> usize {
    areas(state)
        .detail
        .map_or(10, |r| r.height.saturating_sub(2) as usize)
        .max(1)
}

fn scroll_detail(state: &mut State, delta: isize) {
    let total = state.detail.layout.as_ref().map_or(0, |l| l.lines.len());
    let max = total.saturating_sub(detail_height(state));
    let s = state.detail.scroll as isize + delta;
    state.detail.scroll = s.clamp(0, max as isize) as usize;
    state.dirty = true;
}

/// Moves to match `i` of the transcript search and scrolls it into view.
fn goto_match(state: &mut State, i: usize) {
    let Some((line, _)) = state
        .detail
        .layout
        .as_ref()
        .and_then(|l| l.matches.get(i).copied())
    else {
        return;
    };
    state.detail.search.current = Some(i);
    let h = detail_height(state);
    if line < state.detail.scroll || line >= state.detail.scroll + h {
        state.detail.scroll = line.saturating_sub(h / 3);
        scroll_detail(state, 0);
    }
    state.dirty = true;
}

fn open_detail(state: &mut State) -> Vec<Effect> {
    let Some(provider) = state.list.source.as_ref().map(|s| s.provider) else {
        return Vec::new();
    };
    let Some(call) = state.list.selected() else {
        return Vec::new();
    };
    let key = call.key(crate::model::ProviderId::new(provider));
    let call_clone = call.clone();
    state.focus = Focus::Detail;
    state.dirty = true;
    if state.detail.key.as_ref() == Some(&key)
        && (state.detail.detail.is_some() || state.detail.loading.is_some())
    {
        relayout_detail(state);
        return Vec::new();
    }
    // A call in progress has no record yet: the Live view's item is all there is.
    let live = state.list.source.as_ref().is_some_and(|s| s.live);
    let has_detail = !live
        && state.providers[provider]
            .provider
            .as_ref()
            .is_some_and(|p| p.capabilities().has_detail);
    state.detail.key = Some(key.clone());
    state.detail.error = None;
    state.detail.scroll = 0;
    state.detail.search = Default::default();
    state.detail.layout = None;
    if !has_detail {
        // The list item is all there is: show it as the detail.
        state.detail.loading = None;
        state.detail.detail = Some(crate::model::CallDetail::from_list_item(call_clone));
        relayout_detail(state);
        return Vec::new();
    }
    let req = state.req();
    state.detail.loading = Some(req);
    state.detail.detail = None;
    vec![Effect::LoadDetail { req, provider, key }]
}

fn on_input_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some((kind, mut input)) = state.input.take() else {
        return Vec::new();
    };
    state.dirty = true;
    match key.code {
        KeyCode::Esc => {
            if kind == InputKind::ScopeSearch {
                set_scope_search(state, "");
                return server_scope_search(state, None);
            }
            return Vec::new();
        }
        KeyCode::Enter => {
            let text = input.text().trim().to_string();
            return match kind {
                InputKind::Filter => apply_filter(state, text, input),
                InputKind::Search => {
                    state.detail.search.query = text;
                    state.detail.search.current = None;
                    relayout_detail(state);
                    let n = state.detail.layout.as_ref().map_or(0, |l| l.matches.len());
                    if state.detail.search.query.is_empty() {
                        state.set_status("", false);
                    } else if n == 0 {
                        state.set_status(
                            format!("no match for “{}”", sanitize(&state.detail.search.query)),
                            false,
                        );
                    } else {
                        let scroll = state.detail.scroll;
                        let first = state
                            .detail
                            .layout
                            .as_ref()
                            .and_then(|l| l.matches.iter().position(|&(m, _)| m >= scroll))
                            .unwrap_or(0);
                        goto_match(state, first);
                    }
                    Vec::new()
                }
                InputKind::ScopeSearch => {
                    set_scope_search(state, "");
                    server_scope_search(state, Some(text).filter(|t| !t.is_empty()))
                }
            };
        }
        // The shell's line keys, where ratatui-textarea means undo/redo by them.
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            input.area.delete_line_by_head();
        }
        _ => {
            // ratatui-textarea does the editing; Enter and Esc never reach it.
            input.area.input(key);
        }
    }
    if kind == InputKind::ScopeSearch {
        let text = input.text();
        set_scope_search(state, &text);
    }
    state.input = Some((kind, input));
    Vec::new()
}

/// The provider the sidebar cursor is on.
fn sidebar_provider(state: &State) -> Option<usize> {
    match state.sidebar_rows().get(state.sidebar_cursor) {
        Some(SidebarRow::Provider(i) | SidebarRow::Scope(i, _) | SidebarRow::Note(i)) => Some(*i),
        None => None,
    }
}

/// Enter in the sidebar search asks the server (a Welkin patient by MRN, say, among thousands);
/// typing only narrows what is loaded. `None` drops a server search and reloads the full list.
fn server_scope_search(state: &mut State, query: Option<String>) -> Vec<Effect> {
    let Some(i) = sidebar_provider(state) else {
        return Vec::new();
    };
    let entry = &mut state.providers[i];
    if !entry.has_scopes() || entry.scopes.query == query {
        return Vec::new();
    }
    entry.scopes.query = query;
    entry.scopes.items.clear();
    entry.scopes.next_page = 1;
    entry.scopes.has_more = false;
    if let Some(row) = state
        .sidebar_rows()
        .iter()
        .position(|r| *r == SidebarRow::Provider(i))
    {
        state.sidebar_cursor = row;
    }
    load_scopes(state, i)
}

fn set_scope_search(state: &mut State, text: &str) {
    let provider = match state.sidebar_rows().get(state.sidebar_cursor) {
        Some(SidebarRow::Provider(i) | SidebarRow::Scope(i, _) | SidebarRow::Note(i)) => *i,
        None => return,
    };
    state.providers[provider].scopes.search = text.to_string();
    state.providers[provider].expanded = true;
    let rows = state.sidebar_rows();
    state.sidebar_cursor = state.sidebar_cursor.min(rows.len().saturating_sub(1));
    state.dirty = true;
}

fn apply_filter(state: &mut State, text: String, input: Input) -> Vec<Effect> {
    let caps = state
        .list
        .source
        .as_ref()
        .and_then(|s| state.providers[s.provider].provider.clone());
    let Some(p) = caps else {
        state.set_status("choose a provider or agent first", true);
        return Vec::new();
    };
    match Filter::parse(
        &text,
        p.capabilities(),
        (state.now)().with_timezone(&chrono::Local),
    ) {
        Ok(f) => {
            state.list.local_keys = f.local_keys(p.capabilities());
            state.list.filter = f;
            state.list.filter_text = text;
            let msg = if state.list.local_keys.is_empty() {
                String::new()
            } else {
                format!(
                    "applied to loaded calls, not by {}: {}",
                    p.label(),
                    state.list.local_keys.join(", ")
                )
            };
            state.set_status(msg, false);
            let source = state.list.source.clone();
            match source {
                Some(s) => select_source(state, s),
                None => Vec::new(),
            }
        }
        Err(e) => {
            state.set_status(e.to_string(), true);
            state.input = Some((InputKind::Filter, input));
            Vec::new()
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if state.input.is_some() {
        if key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL {
            state.quit = true;
            return Vec::new();
        }
        return on_input_key(state, key);
    }
    if state.help {
        // Any key closes help; `q` still quits.
        state.help = false;
        state.dirty = true;
        if action_for(state.focus, &key) == Some(Action::Quit) {
            state.quit = true;
        }
        return Vec::new();
    }
    let Some(action) = action_for(state.focus, &key) else {
        return Vec::new();
    };
    state.dirty = true;
    match action {
        Action::Quit => {
            state.quit = true;
            Vec::new()
        }
        Action::Help => {
            state.help = true;
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Live => toggle_live(state),
        Action::FocusNext | Action::FocusPrev => {
            let order: Vec<Focus> = if state.detail.key.is_some() {
                vec![Focus::Sidebar, Focus::List, Focus::Detail]
            } else {
                vec![Focus::Sidebar, Focus::List]
            };
            let i = order.iter().position(|f| *f == state.focus).unwrap_or(0);
            let n = order.len();
            let next = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            state.focus = order[next];
            relayout_detail(state);
            keep_cursor_visible(state);
            Vec::new()
        }
        _ => match state.focus {
            Focus::Sidebar => sidebar_action(state, action),
            Focus::List => list_action(state, action),
            Focus::Detail => detail_action(state, action),
        },
    }
}

fn sidebar_action(state: &mut State, action: Action) -> Vec<Effect> {
    let rows = state.sidebar_rows();
    let last = rows.len().saturating_sub(1);
    let cur = state.sidebar_cursor.min(last);
    match action {
        Action::Up => state.sidebar_cursor = cur.saturating_sub(1),
        Action::Down => state.sidebar_cursor = (cur + 1).min(last),
        Action::PageUp => state.sidebar_cursor = cur.saturating_sub(10),
        Action::PageDown => state.sidebar_cursor = (cur + 10).min(last),
        Action::Top => state.sidebar_cursor = 0,
        Action::Bottom => state.sidebar_cursor = last,
        Action::Filter => {
            let search = match rows.get(cur) {
                Some(SidebarRow::Provider(i) | SidebarRow::Scope(i, _) | SidebarRow::Note(i)) => {
                    state.providers[*i].scopes.search.clone()
                }
                None => String::new(),
            };
            state.input = Some((InputKind::ScopeSearch, Input::new(&search)));
        }
        Action::Collapse => {
            if let Some(SidebarRow::Scope(i, _) | SidebarRow::Note(i) | SidebarRow::Provider(i)) =
                rows.get(cur)
            {
                let i = *i;
                state.providers[i].expanded = false;
                if let Some(row) = state
                    .sidebar_rows()
                    .iter()
                    .position(|r| *r == SidebarRow::Provider(i))
                {
                    state.sidebar_cursor = row;
                }
            }
        }
        Action::Open | Action::Expand => match rows.get(cur).cloned() {
            Some(SidebarRow::Provider(i)) => {
                let entry = &mut state.providers[i];
                if entry.has_scopes() {
                    entry.expanded = !entry.expanded;
                    if entry.scopes.items.is_empty() && entry.scopes.loading.is_none() {
                        entry.scopes.next_page = 1;
                        return load_scopes(state, i);
                    }
                } else if let Some(p) = entry.provider.clone() {
                    state.focus = Focus::List;
                    return select_source(state, own_calls(i, p.as_ref()));
                }
            }
            Some(SidebarRow::Scope(i, j)) => {
                let s = state.providers[i].scopes.items[j].clone();
                state.focus = Focus::List;
                let same =
                    state.list.source.as_ref().is_some_and(|src| {
                        src.provider == i && src.scope.as_deref() == Some(&s.id)
                    });
                if !same {
                    return select_source(
                        state,
                        Source {
                            provider: i,
                            scope: Some(s.id),
                            scope_name: s.name,
                            live: false,
                        },
                    );
                }
            }
            Some(SidebarRow::Note(i)) if state.providers[i].scopes.loading.is_none() => {
                return load_scopes(state, i);
            }
            Some(SidebarRow::Note(_)) => {}
            None => {}
        },
        Action::Refresh => {
            if let Some(SidebarRow::Provider(i) | SidebarRow::Scope(i, _) | SidebarRow::Note(i)) =
                rows.get(cur)
            {
                let i = *i;
                if state.providers[i].has_scopes() {
                    state.providers[i].scopes.items.clear();
                    state.providers[i].scopes.next_page = 1;
                    return load_scopes(state, i);
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

fn list_action(state: &mut State, action: Action) -> Vec<Effect> {
    let h = list_height(state);
    let last = state.list.visible.len().saturating_sub(1);
    let cur = state.list.cursor;
    match action {
        Action::Up => state.list.cursor = cur.saturating_sub(1),
        Action::Down => state.list.cursor = (cur + 1).min(last),
        Action::PageUp => state.list.cursor = cur.saturating_sub(h),
        Action::PageDown => state.list.cursor = (cur + h).min(last),
        Action::Top => state.list.cursor = 0,
        Action::Bottom => {
            state.list.cursor = last;
            if state.list.has_more {
                state.list.follow_end = true;
            }
        }
        Action::Open => return open_detail(state),
        Action::Back => state.focus = Focus::Sidebar,
        Action::Filter => {
            state.input = Some((InputKind::Filter, Input::new(&state.list.filter_text)));
            return Vec::new();
        }
        Action::ClearFilter => {
            if state.list.filter_text.is_empty() {
                return Vec::new();
            }
            state.list.filter_text.clear();
            state.list.filter = Filter::default();
            state.list.local_keys.clear();
            state.set_status("filter cleared", false);
            return match state.list.source.clone() {
                Some(s) => select_source(state, s),
                None => Vec::new(),
            };
        }
        Action::Refresh => {
            return match state.list.source.clone() {
                Some(s) => select_source(state, s),
                None => Vec::new(),
            };
        }
        _ => return Vec::new(),
    }
    keep_cursor_visible(state);
    maybe_prefetch(state).into_iter().collect()
}

fn detail_action(state: &mut State, action: Action) -> Vec<Effect> {
    let h = detail_height(state) as isize;
    match action {
        Action::Up => scroll_detail(state, -1),
        Action::Down => scroll_detail(state, 1),
        Action::PageUp => scroll_detail(state, -(h - 1).max(1)),
        Action::PageDown => scroll_detail(state, (h - 1).max(1)),
        Action::Top => scroll_detail(state, isize::MIN / 2),
        Action::Bottom => scroll_detail(state, isize::MAX / 2),
        Action::Back => state.focus = Focus::List,
        Action::Search => {
            state.input = Some((InputKind::Search, Input::new(&state.detail.search.query)));
        }
        Action::NextMatch | Action::PrevMatch => {
            let n = state.detail.layout.as_ref().map_or(0, |l| l.matches.len());
            if n == 0 {
                if !state.detail.search.query.is_empty() {
                    state.set_status(
                        format!("no match for “{}”", sanitize(&state.detail.search.query)),
                        false,
                    );
                }
                return Vec::new();
            }
            let next = match (state.detail.search.current, action) {
                (None, _) => 0,
                (Some(i), Action::NextMatch) => (i + 1) % n,
                (Some(i), _) => (i + n - 1) % n,
            };
            goto_match(state, next);
        }
        Action::Refresh => {
            let Some(key) = state.detail.key.clone() else {
                return Vec::new();
            };
            let provider = key.provider.index();
            let req = state.req();
            state.detail.loading = Some(req);
            return vec![Effect::LoadDetail { req, provider, key }];
        }
        _ => {}
    }
    Vec::new()
}
