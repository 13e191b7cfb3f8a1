//! The call list: choosing a source, paging through it (with pre-fetching), the filter, and
//! moving the cursor.

use super::super::keymap::Action;
use super::super::msg::Effect;
use super::super::state::list::SortedOrder;
use super::super::state::{Focus, Input, InputKind, ListFilter, ReqId, Source, State};
use super::{detail, failed, live, mark_ok};
use crate::model::sort::Sort;
use crate::model::{
    Call, Capabilities, Filter, FilterError, Page, PageProgress, PageRequest, PagingStop,
    ProviderId,
};
use crate::providers::ProviderError;

/// Parses a filter line for the list, reading dates in the zone the user chose.
fn parse_filter(state: &State, text: &str, caps: &Capabilities) -> Result<Filter, FilterError> {
    Filter::parse_at(text, caps, (state.now)(), state.time_zone)
}

/// Shows the calls of a provider or scope, from the first page.
pub(super) fn select_source(state: &mut State, source: Source) -> Vec<Effect> {
    let id = source.provider;
    if !state.provider(id).usable() {
        return Vec::new();
    }
    let caps = state.caps(id);
    // The list's sort goes to the server where it sorts (and a `sort:` of another list goes).
    let text = sort_key_for(&state.list.filter.text, Some(&caps), state.list.sort);
    state.list.filter.text = text;
    // The filter is re-read against the new provider's keys.
    if !state.list.filter.text.is_empty() {
        match parse_filter(state, &state.list.filter.text, &caps) {
            Ok(f) => {
                state.list.filter.local_keys = f.local_keys(&caps);
                state.list.filter.filter = f;
            }
            Err(e) => {
                state.set_status(format!("filter cleared: {e}"), true);
                state.list.filter.clear();
            }
        }
    }
    // A call of another provider or parent does not belong beside this list, and a note about
    // what was on screen is stale (errors stay until something replaces them).
    let same_parent = state
        .detail
        .key
        .as_ref()
        .is_some_and(|k| k.provider == id && k.scope == source.scope);
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
    state.triage.selected.clear();
    super::followups::close(state);
    state.list.reset();
    state.list.source = Some(source);
    state.list.paging.page_size = state.page_size.clamp(1, caps.max_page_size);
    state.dirty = true;
    if live {
        return live::load(state).into_iter().collect();
    }
    load_more(state)
}

/// The next page of the current list (the pages a merged list needs), unless one is loading
/// or there is none.
fn load_more(state: &mut State) -> Vec<Effect> {
    if state.list.merged.is_some() {
        return super::merged::pump(state);
    }
    load_more_one(state).into_iter().collect()
}

fn load_more_one(state: &mut State) -> Option<Effect> {
    let source = state.list.source.clone().filter(|s| !s.live)?;
    let paging = &state.list.paging;
    let first = paging.nothing_asked() && state.list.rows.calls.is_empty();
    if paging.loading.is_some() || (!first && !paging.has_more) {
        return None;
    }
    let page = PageRequest {
        page: paging.next_page.max(1),
        size: paging.page_size.max(1),
    };
    let req = state.req();
    state.list.paging.loading = Some(req);
    state.dirty = true;
    Some(Effect::LoadCalls {
        req,
        provider: source.provider,
        scope: source.scope,
        filter: state.list.filter.filter.clone(),
        page,
    })
}

/// `r`: the list again from its first page, the cursor kept on its call; if the reload fails,
/// what was loaded stays on screen and the error is a note.
fn reload(state: &mut State) -> Vec<Effect> {
    let selected = selected_id(state);
    if let Some(m) = &state.list.merged {
        let only = m.only;
        let l = &mut state.list;
        let (rows, paging, view) = (
            std::mem::take(&mut l.rows),
            std::mem::take(&mut l.paging),
            l.view,
        );
        let effects = super::merged::open(state, only);
        if let Some(m) = &mut state.list.merged {
            m.keep = selected.clone();
        }
        // Shown again if no provider answers (see `merged::pump`).
        state.list.reloading = Some(super::super::state::list::Reload {
            rows,
            paging,
            view,
            selected,
        });
        // What the first answers already gave (none, unless they were at hand).
        return effects
            .into_iter()
            .chain(super::merged::pump(state))
            .collect();
    }
    let Some(source) = state.list.source.clone() else {
        return Vec::new();
    };
    if source.live {
        return select_source(state, source);
    }
    let l = &mut state.list;
    let rows = std::mem::take(&mut l.rows);
    let paging = std::mem::take(&mut l.paging);
    let view = l.view;
    let effects = select_source(state, source);
    state.list.reloading = Some(super::super::state::list::Reload {
        rows,
        paging,
        view,
        selected,
    });
    effects
}

/// Pre-fetches the next page before the cursor reaches the end of what is loaded.
fn maybe_prefetch(state: &mut State) -> Vec<Effect> {
    if state.list.merged.is_some() {
        return super::merged::pump(state);
    }
    let l = &state.list;
    let margin = state
        .areas()
        .list_rows()
        .max(l.paging.page_size as usize / 2);
    if l.rows.visible.len().saturating_sub(l.view.cursor) <= margin || l.paging.follow_end {
        load_more(state)
    } else {
        Vec::new()
    }
}

pub(super) fn on_calls(
    state: &mut State,
    req: ReqId,
    result: Result<Page<Call>, ProviderError>,
) -> Vec<Effect> {
    if state.list.paging.loading != Some(req) {
        return Vec::new(); // an answer for another source, filter or an older page
    }
    state.list.paging.loading = None;
    state.dirty = true;
    let Some(id) = state.list.source.as_ref().map(|s| s.provider) else {
        return Vec::new();
    };
    match result {
        Ok(page) => {
            let caps = state.caps(id);
            let max = state.max_list_calls;
            let l = &mut state.list;
            l.paging.absorb(&page);
            let (calls, unreadable, number) = (page.items.len(), page.unreadable, page.page);
            let claims_more = page.has_more;
            let filter = &l.filter.filter;
            let new_calls = l
                .rows
                .absorb(id, page.items, &|_, c| filter.matches_local(c, &caps));
            l.paging.error = None;
            if l.filter.triage.is_some() {
                super::triage::filter_rows(state);
            }
            if !state.list.sort.is_natural() {
                sort(state);
            }
            if let Some(r) = state.list.reloading.take() {
                restore_cursor(state, r.selected);
            }
            let l = &mut state.list;
            let progress = PageProgress {
                page: number,
                calls,
                unreadable,
                new_calls,
                more: claims_more,
                loaded: l.rows.calls.len() + l.paging.unreadable,
                max,
            };
            let stop = progress.stop();
            mark_ok(state, id);
            if let Some(stop) = stop {
                stopped(state, stop);
            }
            let unreadable = state.list.paging.unreadable;
            if unreadable > 0 {
                let label = &state.provider(id).info.label;
                let text =
                    format!("{label}: {unreadable} record(s) could not be read and are not shown");
                state.set_status(text, false);
            }
            let l = &mut state.list;
            if l.paging.follow_end {
                l.view.cursor = l.rows.visible.len().saturating_sub(1);
                if !l.paging.has_more {
                    l.paging.follow_end = false;
                }
            }
            keep_cursor_visible(state);
            maybe_prefetch(state)
        }
        Err(e) => {
            let text = failed(state, id, &e);
            if let Some(r) = state.list.reloading.take() {
                // The reload failed: what was loaded stays, and the error is a note.
                let l = &mut state.list;
                l.rows = r.rows;
                l.paging = r.paging;
                l.view = r.view;
                state.set_status(
                    format!("reload failed, showing what was loaded before: {text}"),
                    true,
                );
                return Vec::new();
            }
            state.list.paging.error = Some(text);
            state.list.paging.follow_end = false;
            Vec::new()
        }
    }
}

/// Paging stops although the server claims more: no further page is asked for, and the screen
/// says why.
fn stopped(state: &mut State, stop: PagingStop) {
    let label = state
        .list
        .source
        .as_ref()
        .map(|s| state.provider(s.provider).info.label.clone())
        .unwrap_or_default();
    state.set_status(format!("{label}: {stop}"), false);
    let p = &mut state.list.paging;
    p.has_more = false;
    p.follow_end = false;
    p.stopped = Some(stop);
}

/// Esc while `G` loads every page: stop there, keeping what was loaded.
fn stop_loading(state: &mut State) {
    let p = &mut state.list.paging;
    p.follow_end = false;
    p.loading = None; // its answer is dropped (and the job replaced by the next request)
    let loaded = state.list.rows.calls.len();
    state.set_status(
        format!("stopped loading at {loaded} calls; G loads on, r starts over"),
        false,
    );
}

/// Keeps the cursor among the visible rows and on screen.
pub(super) fn keep_cursor_visible(state: &mut State) {
    let h = state.areas().list_rows();
    let l = &mut state.list;
    l.view.follow(l.rows.visible.len(), h);
}

pub(super) fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let h = state.areas().list_rows();
    let l = &mut state.list;
    let last = l.rows.visible.len().saturating_sub(1);
    let cur = l.view.cursor;
    match action {
        Action::Up => l.view.cursor = cur.saturating_sub(1),
        Action::Down => l.view.cursor = (cur + 1).min(last),
        Action::PageUp => l.view.cursor = cur.saturating_sub(h),
        Action::PageDown => l.view.cursor = (cur + h).min(last),
        Action::Top => l.view.cursor = 0,
        Action::Bottom => {
            l.view.cursor = last;
            if l.paging.has_more {
                l.paging.follow_end = true;
            }
        }
        Action::Open => return detail::open(state),
        Action::Back => {
            state.sidebar_hidden = false;
            state.focus = Focus::Sidebar;
        }
        Action::Filter => {
            state.input = Some((InputKind::Filter, Input::new(&state.list.filter.text)));
            return Vec::new();
        }
        Action::ClearFilter if l.paging.follow_end => {
            stop_loading(state);
            return Vec::new();
        }
        Action::ClearFilter => {
            if state.list.filter.text.is_empty() {
                return Vec::new();
            }
            let effects = set_filter(state, ListFilter::default());
            state.set_status("filter cleared", false);
            return effects;
        }
        Action::Refresh => return reload(state),
        Action::SortNext | Action::SortFlip => {
            change_sort(state, action == Action::SortFlip);
            if let Some(effects) = server_sort(state) {
                return effects;
            }
            return maybe_prefetch(state);
        }
        _ => return Vec::new(),
    }
    keep_cursor_visible(state);
    maybe_prefetch(state)
}

/// Enter in the filter line: parses it against the shown provider's keys and applies it; a bad
/// filter keeps the line open with the error.
pub(super) fn apply_filter(state: &mut State, text: String, input: Input) -> Vec<Effect> {
    if state.list.merged.is_some() {
        return apply_merged_filter(state, text, input);
    }
    let Some(id) = state.list.source.as_ref().map(|s| s.provider) else {
        state.set_status("choose a provider or agent first", true);
        return Vec::new();
    };
    let caps = state.caps(id);
    let new = match list_filter(state, text, &caps) {
        Ok(f) => f,
        Err(e) => return keep_open(state, e, input),
    };
    let effects = set_filter(state, new);
    if !state.list.filter.local_keys.is_empty() {
        let label = &state.provider(id).info.label;
        let text = format!(
            "applied to loaded calls, not by {label}: {}",
            state.list.filter.local_keys.join(", ")
        );
        state.set_status(text, false);
    }
    effects
}

/// A filter line read for a list of `caps`: the triage tokens go to the store's filter, the rest
/// to the provider's; the keys applied to loaded calls are noted. The error is one sentence.
fn list_filter(state: &State, text: String, caps: &Capabilities) -> Result<ListFilter, String> {
    let (triage_text, rest) = super::triage::split_filter(&text);
    let triage = triage_text
        .map(|t| crate::store::filter::parse(&t))
        .transpose()?;
    let filter = parse_filter(state, &rest, caps).map_err(|e| e.to_string())?;
    let mut local_keys = filter.local_keys(caps);
    if triage.is_some() {
        local_keys.push("triage".into());
    }
    Ok(ListFilter {
        text,
        filter,
        triage,
        local_keys,
    })
}

/// Puts a new filter on the list. When only what is applied to the loaded calls changed (the
/// server part is the same), the loaded rows are filtered again with no request, keeping every
/// page loaded so far; otherwise the list loads again from the first page.
fn set_filter(state: &mut State, new: ListFilter) -> Vec<Effect> {
    if let Some(m) = &state.list.merged {
        let only = m.only;
        // Only what ran on loaded calls changed: they are filtered again, every page kept.
        if super::merged::same_server_part(state, &new.text) {
            let text = new.text.clone();
            state.list.filter = new;
            super::merged::refilter_with(state, &text);
            state.dirty = true;
            return maybe_prefetch(state);
        }
        state.list.filter = new;
        return super::merged::open(state, only);
    }
    let Some(source) = state.list.source.clone() else {
        state.list.filter = new;
        return Vec::new();
    };
    let caps = state.caps(source.provider);
    let l = &state.list;
    let same_server = new.filter.server_part(&caps) == l.filter.filter.server_part(&caps)
        && l.paging.error.is_none()
        && !l.paging.nothing_asked();
    state.list.filter = new;
    if !same_server {
        return select_source(state, source);
    }
    let _ = caps;
    refilter(state);
    state.dirty = true;
    maybe_prefetch(state)
}

/// Applies the filter's local part (each call by its own provider's filter in a merged list),
/// the triage part and the sort again to every loaded call, keeping the cursor on its call.
pub(super) fn refilter(state: &mut State) {
    let before = selected_id(state);
    let caps: Vec<Capabilities> = state
        .providers
        .iter()
        .map(|p| p.info.capabilities.clone())
        .collect();
    let l = &mut state.list;
    let filter = &l.filter.filter;
    let merged = l.merged.as_ref();
    let passes = |p: ProviderId, c: &Call| {
        let Some(caps) = caps.get(p.index()) else {
            return false;
        };
        match merged {
            Some(m) => m.filter_of(p).is_some_and(|f| f.matches_local(c, caps)),
            None => filter.matches_local(c, caps),
        }
    };
    l.rows.refilter(&passes);
    super::triage::filter_rows(state);
    sort(state);
    restore_cursor(state, before);
}

/// The call under the cursor (its provider and id).
pub(super) fn selected_id(state: &State) -> Option<(ProviderId, String)> {
    let l = &state.list;
    Some((l.selected_origin()?, l.selected()?.id.clone()))
}

/// Puts the cursor back on `call` when it is still shown.
pub(super) fn restore_cursor(state: &mut State, call: Option<(ProviderId, String)>) {
    if let Some((p, id)) = call {
        let rows = &state.list.rows;
        if let Some(pos) = rows
            .visible
            .iter()
            .position(|&i| rows.origin.get(i) == Some(&p) && rows.calls[i].id == id)
        {
            state.list.view.cursor = pos;
        }
    }
    keep_cursor_visible(state);
}

/// Orders the visible rows by the list's sort. Time newest first is the order calls are
/// loaded in, except in a merged list where a slow source's calls came late: those are put in
/// their place.
pub(super) fn sort(state: &mut State) {
    let l = &state.list;
    let sort = l.sort;
    if sort.is_natural() {
        let rows = &l.rows;
        let in_order = rows.visible.windows(2).all(|w| {
            if l.merged.is_some() {
                rows.calls[w[0]].started_at >= rows.calls[w[1]].started_at
            } else {
                w[0] < w[1]
            }
        });
        if in_order {
            return;
        }
    }
    let labels: Vec<String> = state
        .providers
        .iter()
        .map(|p| p.info.name.clone())
        .collect();
    let triage = &state.triage;
    let l = &mut state.list;
    let rows = &mut l.rows;
    let (calls, origin) = (&rows.calls, &rows.origin);
    let provider = |i: usize| {
        origin
            .get(i)
            .and_then(|p| labels.get(p.index()))
            .cloned()
            .unwrap_or_default()
    };
    let mark = |i: usize| {
        triage
            .entry(&calls[i].reference())
            .map(|e| e.mark.as_str().to_string())
    };
    if sort.is_natural() && l.merged.is_none() {
        rows.visible.sort_unstable();
        return;
    }
    // Triage marks change without the calls changing: that order is made each time.
    if sort.column == crate::model::sort::SortColumn::Triage {
        crate::model::sort::sort_rows(&mut rows.visible, calls, sort, &provider, &mark);
        return;
    }
    let kept = rows
        .sorted
        .as_ref()
        .is_some_and(|o| o.sort == sort && o.calls == calls.len());
    if !kept {
        // The same column the other way: the order kept, turned round (no new sort).
        let flipped = rows
            .sorted
            .as_ref()
            .filter(|o| o.sort == sort.flipped() && o.calls == calls.len());
        let order = match flipped {
            Some(o) => crate::model::sort::reversed(&o.order, calls, sort.column, &provider),
            None => {
                let mut order: Vec<usize> = (0..calls.len()).collect();
                crate::model::sort::sort_rows(&mut order, calls, sort, &provider, &mark);
                order
            }
        };
        rows.sorted = Some(SortedOrder {
            sort,
            calls: calls.len(),
            order,
        });
    }
    if let Some(o) = rows.sorted.take() {
        rows.order_visible_by(&o.order);
        rows.sorted = Some(o);
    }
}

/// `o`: the next column to sort by; `O`: the other direction. Over the loaded calls (said, when
/// more pages exist), keeping the cursor on its call.
pub(super) fn change_sort(state: &mut State, flip: bool) {
    let before = selected_id(state);
    let l = &mut state.list;
    l.sort = if flip {
        l.sort.flipped()
    } else {
        let next = l.sort.next_column();
        // One provider's list has no provider column to sort by.
        if next.column == crate::model::sort::SortColumn::Provider && l.merged.is_none() {
            next.next_column()
        } else {
            next
        }
    };
    sort(state);
    restore_cursor(state, before);
    let l = &state.list;
    let partial = l.paging.has_more || l.merged.as_ref().is_some_and(|m| !m.inbox.finished());
    let text = if l.sort.is_natural() {
        "sorted by time, newest first (as loaded)".to_string()
    } else if partial {
        format!(
            "sorted by {} over the {} calls loaded (more pages exist; G loads them all)",
            l.sort,
            l.rows.calls.len()
        )
    } else {
        format!("sorted by {}", l.sort)
    };
    state.set_status(text, false);
}

/// Whether a provider's server sorts its list (AlloMia's `sort:` key).
fn server_sorts(caps: &Capabilities) -> bool {
    caps.server_filters.contains(&"sort") && caps.provider_keys.iter().any(|k| k.name == "sort")
}

/// The filter text for a list of `caps` sorted by `sort`: any `sort:` key dropped (the list's
/// sort decides it), then the server's `sort:` key added where that server sorts by the column
/// and the order is not its own (newest first). `caps: None` (a merged list) only drops it.
pub(super) fn sort_key_for(text: &str, caps: Option<&Capabilities>, sort: Sort) -> String {
    let key = caps
        .filter(|c| server_sorts(c))
        .and_then(|_| sort.server_value())
        .filter(|v| Some(*v) != Sort::default().server_value())
        .map(|v| format!("sort:{v}"));
    let has_key = |w: &str| w.to_ascii_lowercase().starts_with("sort:");
    if key.is_none() && !text.split_whitespace().any(has_key) {
        return text.to_string();
    }
    let mut words: Vec<&str> = text.split_whitespace().filter(|w| !has_key(w)).collect();
    if let Some(k) = &key {
        words.push(k);
    }
    words.join(" ")
}

/// Where the list's server sorts (AlloMia's `sort:` key) by the column chosen and not every
/// page is loaded, the list loads again in that order from its first page, so paging goes on in
/// it; the key is put in the filter line, where the user sees it (and the border says it ran on
/// the server). Sorting by a column the server cannot sort by takes the key out again. `None`
/// when the list stays as it is (sorted over what is loaded).
fn server_sort(state: &mut State) -> Option<Vec<Effect>> {
    let l = &state.list;
    let source = l.source.clone().filter(|s| !s.live && l.merged.is_none())?;
    let caps = state.caps(source.provider);
    if !server_sorts(&caps) {
        return None;
    }
    let text = sort_key_for(&l.filter.text, Some(&caps), l.sort);
    // Everything is loaded and the server is not sorting: the local sort is the same list.
    let server_sorting = l.filter.filter.extra.contains_key("sort");
    if text == l.filter.text || (!server_sorting && !l.paging.has_more) {
        return None;
    }
    let new = list_filter(state, text, &caps).ok()?;
    let effects = set_filter(state, new);
    let label = state.provider(source.provider).info.label.clone();
    let sort = state.list.sort;
    let text = match sort.server_value() {
        Some(_) => {
            format!("sorted by {sort} on {label}'s server: the list loads again in that order")
        }
        None => format!(
            "sorted by {sort} over the calls loaded; {label}'s list loads again newest first"
        ),
    };
    state.set_status(text, false);
    Some(effects)
}

/// A filter line that could not be read stays open, the error on the status line.
fn keep_open(state: &mut State, error: impl Into<String>, input: Input) -> Vec<Effect> {
    state.set_status(error, true);
    state.input = Some((InputKind::Filter, input));
    Vec::new()
}

/// Enter in the filter line of a merged list: every member reads it; only the loaded calls are
/// filtered again when no server's part changed, else the merge starts over.
fn apply_merged_filter(state: &mut State, text: String, input: Input) -> Vec<Effect> {
    let (triage_text, _) = super::triage::split_filter(&text);
    let triage = match triage_text
        .map(|t| crate::store::filter::parse(&t))
        .transpose()
    {
        Ok(t) => t,
        Err(e) => return keep_open(state, e, input),
    };
    let same = super::merged::same_server_part(state, &text);
    state.list.filter.text = text.clone();
    state.list.filter.triage = triage;
    if same {
        super::merged::refilter_with(state, &text);
        state.dirty = true;
        return maybe_prefetch(state);
    }
    let only = state.list.merged.as_ref().and_then(|m| m.only);
    let effects = super::merged::open(state, only);
    if let Some(m) = &state.list.merged
        && m.filters.is_empty()
    {
        state.set_status("no provider can be searched with this filter", true);
    }
    effects
}
