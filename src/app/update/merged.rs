//! The merged list on screen: All calls (every provider, every parent) or one provider's every
//! parent, pulled through [`Inbox`] as the cursor needs rows — each ask an effect keyed by its
//! source, so they run side by side — with a timer that sets a slow source aside so the others
//! keep flowing.

use std::time::Instant;

use super::super::msg::{Effect, Subscription};
use super::super::state::{Focus, MergedList, State};
use super::{failed, list, mark_ok};
use crate::model::inbox::{Inbox, Member, SLOW};
use crate::model::{Call, Filter, Page, ProviderId, Scope};
use crate::providers::ProviderError;

/// Opens the merged list of every usable provider (`only: None`) or of provider `only`'s
/// parents, from the top, with the filter line as each provider reads it.
pub(super) fn open(state: &mut State, only: Option<ProviderId>) -> Vec<Effect> {
    // A merged list sorts here: a server's `sort:` key of a single list is not its filter.
    let text = list::sort_key_for(&state.list.filter.text, None, state.list.sort);
    state.list.filter.text = text.clone();
    let (_, rest) = super::triage::split_filter(&text);
    // `mrn:` and `patient:` search the patients first: only providers with patients take part.
    let (patients, rest) = crate::model::inbox::split_patient_search(&rest);
    let mut members = Vec::new();
    let mut filters = Vec::new();
    let mut left_out = Vec::new();
    for p in &state.providers {
        if !p.usable() || only.is_some_and(|o| o != p.id()) {
            continue;
        }
        let caps = p.info.capabilities.clone();
        if patients.is_some() && caps.scope_noun != Some("patient") {
            left_out.push(format!(
                "{} not searched: it has no patients to search",
                p.info.label
            ));
            continue;
        }
        match Filter::parse_at(&rest, &caps, (state.now)(), state.time_zone) {
            Ok(filter) => {
                filters.push((p.id(), filter.clone()));
                members.push(Member {
                    provider: p.id(),
                    label: p.info.label.clone(),
                    caps,
                    pinned: p.info.pinned_scope.clone(),
                    filter,
                    scope_search: patients.clone(),
                });
            }
            Err(e) => left_out.push(format!("{} not searched: {e}", p.info.label)),
        }
    }
    if state.detail.key.is_some() && state.focus == Focus::Detail {
        state.focus = Focus::List;
    }
    state.detail = Default::default();
    state.triage.selected.clear();
    super::followups::close(state);
    if !state.status.is_error {
        state.status = Default::default();
    }
    state.list.reset();
    state.list.merged = Some(MergedList {
        inbox: Inbox::new(members),
        only,
        filters,
        left_out: left_out.clone(),
        round: 0,
        keep: None,
    });
    state.list.filter.local_keys = local_keys(state);
    if !left_out.is_empty() {
        state.set_status(left_out.join("; "), false);
    }
    state.dirty = true;
    pump(state)
}

/// The filter keys some member applies to loaded calls rather than by its server.
fn local_keys(state: &State) -> Vec<String> {
    let Some(m) = &state.list.merged else {
        return Vec::new();
    };
    let mut keys: Vec<String> = Vec::new();
    for (p, f) in &m.filters {
        for k in f.local_keys(&state.provider(*p).info.capabilities) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    if state.list.filter.triage.is_some() {
        keys.push("triage".into());
    }
    keys
}

/// Whether a new filter line changes what any member's server is asked: then the merged list
/// starts over; otherwise only the loaded calls are filtered again.
pub(super) fn same_server_part(state: &State, text: &str) -> bool {
    let Some(m) = &state.list.merged else {
        return false;
    };
    let (_, rest) = super::triage::split_filter(text);
    let (patients, rest) = crate::model::inbox::split_patient_search(&rest);
    let old_patients = state.list.filter.text.as_str();
    let (old_patients, _) =
        crate::model::inbox::split_patient_search(&super::triage::split_filter(old_patients).1);
    if patients != old_patients {
        return false;
    }
    m.filters.iter().all(|(p, old)| {
        let caps = &state.provider(*p).info.capabilities;
        Filter::parse_at(&rest, caps, (state.now)(), state.time_zone)
            .is_ok_and(|new| new.server_part(caps) == old.server_part(caps))
    })
}

/// Takes the new filter (its server part unchanged) and filters the loaded calls again.
pub(super) fn refilter_with(state: &mut State, text: &str) {
    let (_, rest) = super::triage::split_filter(text);
    let (_, rest) = crate::model::inbox::split_patient_search(&rest);
    let (now, tz) = ((state.now)(), state.time_zone);
    let caps: Vec<_> = state
        .providers
        .iter()
        .map(|p| p.info.capabilities.clone())
        .collect();
    if let Some(m) = &mut state.list.merged {
        for (p, f) in &mut m.filters {
            if let Some(c) = caps.get(p.index())
                && let Ok(new) = Filter::parse_at(&rest, c, now, tz)
            {
                *f = new;
            }
        }
    }
    state.list.filter.local_keys = local_keys(state);
    list::refilter(state);
}

/// How many rows the list wants loaded: the screen below the cursor and a page more, or every
/// row while `G` follows the end.
fn target(state: &State) -> usize {
    let l = &state.list;
    let want = if l.paging.follow_end {
        usize::MAX
    } else if !l.sort.is_natural() {
        // Sorted by another column, the cursor's place says nothing of the merge's: moving does
        // not pull pages (G does; the status line says so), but a screen and a page more of
        // calls that pass the filter are always loaded — a search finds what it can first.
        l.rows.visible.len().max(state.areas().list_rows() + 100)
    } else {
        l.view.cursor + state.areas().list_rows() + 100
    };
    // A list holds at most `max_list_calls` calls, merged or not.
    let room = state
        .max_list_calls
        .saturating_sub(l.rows.calls.len() - l.rows.visible.len());
    want.min(room)
}

/// Gives the list the calls the merge has for it, up to what it wants, and asks for the pages
/// the merge needs to give more.
pub(super) fn pump(state: &mut State) -> Vec<Effect> {
    let want = target(state);
    let generation = state.list.generation;
    // After `r`, the cursor goes back to its call once that call is loaded again.
    let keep = state.list.merged.as_ref().and_then(|m| m.keep.clone());
    let before = keep.clone().or_else(|| list::selected_id(state));
    let Some(m) = &state.list.merged else {
        return Vec::new();
    };
    let filters = m.filters.clone();
    let caps: Vec<_> = state
        .providers
        .iter()
        .map(|p| p.info.capabilities.clone())
        .collect();
    let passes = |p: ProviderId, c: &Call| {
        let f = filters.iter().find(|(q, _)| *q == p).map(|(_, f)| f);
        match (f, caps.get(p.index())) {
            (Some(f), Some(caps)) => f.matches_local(c, caps),
            _ => false,
        }
    };
    // Calls the merge has are taken until the list has the rows it wants (a filter on loaded
    // calls may pass few of them); then the merge asks for what it needs next.
    let mut any = false;
    let asks = loop {
        let (l, Some(m)) = (&mut state.list.rows, state.list.merged.as_mut()) else {
            return Vec::new();
        };
        let have = l.visible.len();
        if have >= want {
            break Vec::new();
        }
        let taken = m.inbox.take(want - have);
        if taken.is_empty() {
            break m.inbox.asks();
        }
        any = true;
        for (p, call) in taken {
            l.absorb(p, vec![call], &passes);
        }
    };
    let Some(m) = &state.list.merged else {
        return Vec::new();
    };
    let finished = m.inbox.finished();
    let loading = m.inbox.loading();
    if any {
        // A reload's first calls replace what was shown before.
        state.list.reloading = None;
    } else if finished && state.list.rows.calls.is_empty() {
        reload_failed(state);
    }
    let Some(m) = &state.list.merged else {
        return Vec::new();
    };
    let finished = m.inbox.finished();
    let l = &mut state.list;
    l.paging.has_more = !finished;
    l.paging.loading = loading.then_some(generation);
    let follow = l.paging.follow_end;
    if follow && finished {
        l.paging.follow_end = false;
    }
    if any {
        if l.filter.triage.is_some() {
            super::triage::filter_rows(state);
        }
        list::sort(state);
        if follow {
            let l = &mut state.list;
            l.view.cursor = l.rows.visible.len().saturating_sub(1);
            list::keep_cursor_visible(state);
        } else {
            list::restore_cursor(state, before);
        }
        if let (Some((p, id)), Some(m)) = (keep, state.list.merged.as_mut())
            && state.list.rows.ids.contains(&(p, id))
        {
            m.keep = None;
        }
    }
    state.dirty = true;
    asks.into_iter()
        .map(|ask| Effect::LoadMerged { generation, ask })
        .collect()
}

/// A reload of a merged list that brought no call while providers were missing: what was loaded
/// before is shown again, and why as a note.
fn reload_failed(state: &mut State) {
    let Some(m) = &state.list.merged else {
        return;
    };
    let Some(missing) = m.inbox.missing() else {
        return;
    };
    let Some(r) = state.list.reloading.take() else {
        return;
    };
    let l = &mut state.list;
    l.rows = r.rows;
    l.view = r.view;
    l.paging.has_more = false;
    state.set_status(
        format!("reload failed, showing what was loaded before: {missing}"),
        true,
    );
    list::restore_cursor(state, r.selected);
}

/// A provider's answer: its health marked, an error turned into its sentence.
fn answered<T>(
    state: &mut State,
    provider: ProviderId,
    result: Result<T, ProviderError>,
) -> Result<T, String> {
    match result {
        Ok(page) => {
            mark_ok(state, provider);
            Ok(page)
        }
        Err(e) => Err(failed(state, provider, &e)),
    }
}

fn current(state: &State, generation: u64) -> bool {
    state.list.merged.is_some() && state.list.generation == generation
}

pub(super) fn on_scopes(
    state: &mut State,
    generation: u64,
    provider: ProviderId,
    result: Result<Page<Scope>, ProviderError>,
) -> Vec<Effect> {
    if !current(state, generation) {
        return Vec::new();
    }
    let result = answered(state, provider, result);
    if let Some(m) = &mut state.list.merged {
        m.inbox.on_scopes(provider, result);
    }
    pump(state)
}

pub(super) fn on_calls(
    state: &mut State,
    generation: u64,
    source: usize,
    provider: ProviderId,
    result: Result<Page<Call>, ProviderError>,
) -> Vec<Effect> {
    if !current(state, generation) {
        return Vec::new();
    }
    let result = answered(state, provider, result);
    if let Some(m) = &mut state.list.merged {
        m.inbox.on_calls(source, result);
    }
    pump(state)
}

/// The slow-request timer: sources still waited for since [`SLOW`] are set aside.
pub(super) fn on_tick(state: &mut State, generation: u64) -> Vec<Effect> {
    if !current(state, generation) {
        return Vec::new();
    }
    if let Some(m) = &mut state.list.merged {
        m.round += 1;
        m.inbox.set_aside_slow(Instant::now());
    }
    pump(state)
}

/// While the merged list waits for an answer: a timer to look for slow sources.
pub(super) fn timer(state: &State) -> Option<Subscription> {
    let m = state.list.merged.as_ref()?;
    m.inbox.loading().then_some(Subscription::MergeTimer {
        generation: state.list.generation,
        round: m.round,
        after: SLOW,
    })
}

/// The title of a merged list: what is merged, how many parents were searched, and what is
/// missing.
pub fn title(state: &State) -> Option<(String, Option<String>)> {
    let m = state.list.merged.as_ref()?;
    let name = match m.only {
        None => "All calls".to_string(),
        Some(p) => {
            let info = &state.provider(p).info;
            let noun = info.capabilities.scope_noun.unwrap_or("parent");
            format!("{} · all {noun}s", info.label)
        }
    };
    let standings = m.inbox.standings();
    let searched: Vec<String> = standings
        .iter()
        .filter_map(|s| {
            let n = s.scopes?;
            let noun = state
                .provider(s.provider)
                .info
                .capabilities
                .scope_noun
                .unwrap_or("parent");
            let more = if s.scopes_done { "" } else { "+" };
            Some(if m.only.is_some() {
                format!("{n}{more} {noun}s")
            } else {
                format!("{} {n}{more} {noun}s", s.label)
            })
        })
        .collect();
    let mut text = name;
    if !searched.is_empty() {
        text.push_str(&format!(" ({} searched)", searched.join(", ")));
    }
    let mut missing: Vec<String> = m.left_out.clone();
    missing.extend(m.inbox.missing());
    Some((text, (!missing.is_empty()).then(|| missing.join("; "))))
}
