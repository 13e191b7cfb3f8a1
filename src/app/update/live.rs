//! The Live view (Voxeme's calls in progress): entering and leaving it, its snapshots, and the
//! timer that refreshes it while it is on screen.

use std::time::Duration;

use super::super::msg::{Effect, Subscription};
use super::super::state::{Focus, ReqId, SidebarRow, Source, State, Topic, list::LIVE_REFRESH};
use super::{failed, list, mark_ok};
use crate::model::{Call, Page, ProviderId};
use crate::providers::ProviderError;

/// A fresh snapshot of the Live view.
pub(super) fn load(state: &mut State) -> Option<Effect> {
    let source = state.list.source.clone().filter(|s| s.live)?;
    let req = state.req();
    state.list.paging.loading = Some(req);
    state.dirty = true;
    Some(Effect::LoadLive {
        req,
        provider: source.provider,
        scope: source.scope,
    })
}

pub(super) fn on_live(
    state: &mut State,
    req: ReqId,
    result: Result<Page<Call>, ProviderError>,
) -> Vec<Effect> {
    if state.list.paging.loading != Some(req) {
        return Vec::new(); // the Live view was left or refreshed again
    }
    state.list.paging.loading = None;
    state.dirty = true;
    let Some(id) = state.list.source.as_ref().map(|s| s.provider) else {
        return Vec::new();
    };
    let now = (state.now)();
    match result {
        Ok(page) => {
            let caps = state.caps(id);
            state.list.replace(page, &caps);
            // A note, not an error: it goes with the next source, and with the next
            // snapshot that reads everything.
            let unreadable = state.list.paging.unreadable;
            if unreadable > 0 {
                let label = &state.provider(id).info.label;
                let text = format!(
                    "{label}: {unreadable} live call(s) could not be read and are not shown"
                );
                state.set_note(Topic::LiveUnreadable, text);
            } else {
                state.clear_note(Topic::LiveUnreadable);
            }
            state.list.paging.error = None;
            state.list.live.refreshed_at = Some(now);
            mark_ok(state, id);
            list::keep_cursor_visible(state);
        }
        Err(e) => {
            let text = failed(state, id, &e);
            state.list.paging.error = Some(text);
        }
    }
    // Either way the next refresh is due from now (the next answer may be fine).
    state.list.live.answered_at = Some(now);
    state.list.live.rounds += 1;
    Vec::new()
}

/// The timer came due: refresh, unless the view was left or a refresh is under way.
pub(super) fn on_tick(state: &mut State, generation: u64) -> Vec<Effect> {
    let l = &state.list;
    if !l.is_live() || generation != l.generation || l.paging.loading.is_some() {
        return Vec::new();
    }
    if state.areas().list.is_none() {
        return Vec::new(); // hidden: no polling until it shows again
    }
    load(state).into_iter().collect()
}

/// The Live view's next refresh, wanted while it is on screen and no snapshot is loading: due
/// [`LIVE_REFRESH`] after the last answer (at once if that passed while it was hidden).
pub(super) fn timer(state: &State) -> Option<Subscription> {
    let l = &state.list;
    if !l.is_live() || l.paging.loading.is_some() || l.live.rounds == 0 {
        return None;
    }
    state.areas().list?;
    let since = l.live.answered_at.map_or(Duration::ZERO, |t| {
        ((state.now)() - t).to_std().unwrap_or_default()
    });
    Some(Subscription::LiveTimer {
        generation: l.generation,
        round: l.live.rounds,
        after: LIVE_REFRESH.saturating_sub(since),
    })
}

/// `L`: the Live view of the current account, or back to its call history.
pub(super) fn toggle(state: &mut State) -> Vec<Effect> {
    let Some((id, scope)) = target(state) else {
        return Vec::new();
    };
    let entry = state.provider(id);
    let info = &entry.info;
    if !entry.usable() {
        return Vec::new();
    }
    if !info.capabilities.has_live {
        let text = format!("{} has no live view", info.label);
        state.set_status(text, true);
        return Vec::new();
    }
    let noun = info.capabilities.scope_noun;
    if let (Some(noun), None) = (noun, &scope) {
        let text = format!("choose an {noun} first (the Live view is per {noun})");
        state.set_status(text, true);
        return Vec::new();
    }
    let name = entry
        .scopes
        .items
        .iter()
        .find(|s| Some(&s.id) == scope.as_ref())
        .map(|s| s.name.clone())
        .or_else(|| info.pinned_scope.as_ref().map(|s| s.name.clone()))
        .unwrap_or_else(|| info.label.clone());
    let now_live = state
        .list
        .source
        .as_ref()
        .is_some_and(|s| s.live && s.provider == id && s.scope == scope);
    state.focus = Focus::List;
    let source = Source {
        provider: id,
        scope,
        scope_name: if now_live {
            name
        } else {
            format!("Live · {name}")
        },
        live: !now_live,
    };
    list::select_source(state, source)
}

/// Which account `L` is about: the list's (from the list or the detail), else the sidebar row's.
fn target(state: &State) -> Option<(ProviderId, Option<String>)> {
    if let (Some(s), Focus::List | Focus::Detail) = (&state.list.source, state.focus) {
        return Some((s.provider, s.scope.clone()));
    }
    match state.sidebar_rows().get(state.sidebar_cursor)? {
        SidebarRow::Scope(id, j) => {
            let scope = state.provider(*id).scopes.items.get(*j)?;
            Some((*id, Some(scope.id.clone())))
        }
        SidebarRow::FollowUps | SidebarRow::AllCalls => None,
        SidebarRow::Provider(id) | SidebarRow::AllScopes(id) | SidebarRow::Note(id) => state
            .list
            .source
            .as_ref()
            .filter(|s| s.provider == *id)
            .map(|s| (s.provider, s.scope.clone()))
            .or_else(|| {
                let info = &state.provider(*id).info;
                Some((*id, info.pinned_scope.as_ref().map(|s| s.id.clone())))
            }),
    }
}
