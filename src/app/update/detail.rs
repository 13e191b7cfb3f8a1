//! The detail pane: opening a call, its answer, scrolling, and the transcript search.

use super::super::keymap::Action;
use super::super::msg::Effect;
use super::super::state::{Focus, Input, InputKind, ReqId, State};
use super::failed;
use crate::display::sanitize;
use crate::model::{CallDetail, RecordingRef};
use crate::providers::ProviderError;

/// Enter on a call: shows its detail (asking the provider for it where there is more than the
/// list item).
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    let Some(provider) = state.list.selected_origin() else {
        return Vec::new();
    };
    let Some(call) = state.list.selected().cloned() else {
        return Vec::new();
    };
    let live = state.list.is_live();
    let key = call.key(provider);
    // A call revealed in privacy mode is hidden again once another call is opened: coming
    // back to it on a shared screen does not show it by itself.
    state.privacy.revealed.retain(|k| *k == key);
    // Another call: its recording is not the one playing.
    if state.player.as_ref().is_some_and(|p| p.key != key) {
        state.player = None;
    }
    state.focus = Focus::Detail;
    state.dirty = true;
    let d = &mut state.detail;
    if d.key.as_ref() == Some(&key) && (d.detail.is_some() || d.loading.is_some()) {
        relayout_detail(state);
        return Vec::new();
    }
    // A call in progress has no record yet: the Live view's item is all there is.
    let has_detail = !live && state.provider(provider).info.capabilities.has_detail;
    let d = &mut state.detail;
    d.key = Some(key.clone());
    d.error = None;
    d.scroll = 0;
    d.search = Default::default();
    d.layout = None;
    if !has_detail {
        let mut detail = CallDetail::from_list_item(call);
        if live {
            // Recorded, maybe, but not until it ends: not "not offered".
            detail.recording = RecordingRef::Missing;
            detail.warnings.push(
                "In progress: the recording and the full record come when the call ends (r \
                 reloads it then)."
                    .to_string(),
            );
        }
        d.loading = None;
        d.show(detail);
        relayout_detail(state);
        return Vec::new();
    }
    let req = state.req();
    state.detail.loading = Some(req);
    state.detail.detail = None;
    vec![Effect::LoadDetail { req, key }]
}

pub(super) fn on_detail(
    state: &mut State,
    req: ReqId,
    result: Result<CallDetail, ProviderError>,
) -> Vec<Effect> {
    if state.detail.loading != Some(req) {
        return Vec::new(); // an answer to a call no longer shown
    }
    state.detail.loading = None;
    state.dirty = true;
    match result {
        Ok(d) => {
            state.list.rows.enrich(&d);
            state.detail.fallback = None;
            state.detail.show(d);
            state.detail.scroll = 0;
            state.detail.search.current = None;
            relayout_detail(state);
            let mut effects = super::triage::access(state, "opened");
            effects.extend(super::triage::history_for_open(state));
            return effects;
        }
        Err(e) => {
            let text = match state.detail.key.as_ref().map(|k| k.provider) {
                Some(id) => failed(state, id, &e),
                None => e.to_string(),
            };
            // A triaged call whose provider does not answer: what was saved of it, labelled.
            if let Some(mut saved) = state.detail.fallback.take() {
                if let Some(w) = saved.warnings.first_mut() {
                    *w = format!("{text} — {w}");
                }
                state.detail.show(saved);
                relayout_detail(state);
                return super::triage::history_for_open(state);
            }
            state.detail.error = Some(text);
        }
    }
    Vec::new()
}

/// Lays out the detail pane's lines again unless the cached ones fit the current detail
/// (generation), width and search. The scroll position keeps its place in the text (a wider
/// pane has fewer lines) and never runs past the end, so the pane is never left blank.
pub fn relayout_detail(state: &mut State) {
    let width = state.areas().detail_inner_width();
    let d = &mut state.detail;
    let Some(detail) = &d.detail else {
        d.layout = None;
        return;
    };
    let stamp = state.triage.stamp;
    let privacy = crate::layout::detail::Privacy {
        mask: state.privacy.on,
        hide_transcript: state.privacy.hides_transcript(d.key.as_ref()),
    };
    if !d.layout_fits(width, stamp, privacy) {
        let before = d.layout.as_ref().map_or(0, |l| l.lines.len());
        let provider = d.key.as_ref().map_or("", |k| {
            state
                .providers
                .get(k.provider.index())
                .map_or("", |p| p.info.label.as_str())
        });
        let layout = crate::layout::detail::build(crate::layout::detail::Request {
            detail,
            generation: d.generation,
            provider,
            width,
            query: &d.search.query,
            tz: state.time_zone,
            triage: triage_view(
                &state.triage,
                detail,
                stamp,
                ((state.now)(), state.time_zone),
            ),
            privacy,
        });
        if before > 0 && layout.lines.len() != before {
            d.scroll = d.scroll * layout.lines.len() / before;
        }
        d.layout = Some(layout);
    }
    scroll(state, 0);
}

/// What the pane shows of the open call's triage (nothing without a store).
fn triage_view<'a>(
    t: &'a crate::app::state::TriageState,
    d: &'a CallDetail,
    stamp: u64,
    (now, tz): (chrono::DateTime<chrono::Utc>, crate::model::TimeZoneSetting),
) -> Option<crate::layout::detail::TriageView<'a>> {
    t.path.as_ref()?;
    let call = d.call.reference();
    let history = match &t.history {
        Some((c, rows)) if *c == call => rows.as_slice(),
        _ => &[],
    };
    let kind = d.call.account.kind;
    let vendor = d.call.status.as_deref().and_then(|s| {
        let own = match kind {
            crate::model::ProviderKind::Solum => s == "follow_up_needed" || s == "done",
            crate::model::ProviderKind::TalkPilot => s == "done" || s == "open",
            _ => false,
        };
        own.then(|| format!("{}'s own status: {s}", kind.label()))
    });
    let entry = t.entries.get(&call);
    let claim = entry.and_then(|e| t.claim_of(e, now)).map(|(who, at)| {
        let minutes = t
            .claim_minutes
            .unwrap_or(crate::store::logic::DEFAULT_CLAIM_MINUTES);
        let until = at + chrono::Duration::minutes(i64::from(minutes));
        let hm = |x| {
            let s = crate::display::format_time(Some(x), tz);
            s.get(11..16).map(str::to_string).unwrap_or(s)
        };
        let who = if who == t.who {
            "you (C gives it back)".to_string()
        } else {
            who.to_string()
        };
        format!(
            "☎ being called back by {who} since {} (the claim lasts until {})",
            hm(at),
            hm(until)
        )
    });
    Some(crate::layout::detail::TriageView {
        entry,
        history,
        vendor,
        claim,
        stamp,
    })
}

pub(super) fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let h = state.detail_text_rows() as isize;
    match action {
        Action::Up => scroll(state, -1),
        Action::Down => scroll(state, 1),
        Action::PageUp => scroll(state, -(h - 1).max(1)),
        Action::PageDown => scroll(state, (h - 1).max(1)),
        Action::Top => scroll(state, isize::MIN / 2),
        Action::Bottom => scroll(state, isize::MAX / 2),
        Action::Back => state.focus = Focus::List,
        Action::Search => {
            state.input = Some((InputKind::Search, Input::new(&state.detail.search.query)));
        }
        Action::NextMatch | Action::PrevMatch => step_match(state, action == Action::NextMatch),
        Action::Refresh => {
            let Some(key) = state.detail.key.clone() else {
                return Vec::new();
            };
            let req = state.req();
            state.detail.loading = Some(req);
            return vec![Effect::LoadDetail { req, key }];
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn scroll(state: &mut State, delta: isize) {
    let total = state.detail.layout.as_ref().map_or(0, |l| l.lines.len());
    let max = total.saturating_sub(state.detail_text_rows());
    let s = state.detail.scroll as isize + delta;
    let clamped = s.clamp(0, max as isize) as usize;
    if clamped != state.detail.scroll || delta != 0 {
        state.dirty = true;
    }
    state.detail.scroll = clamped;
}

/// `n` / `N`: the next or previous match of the transcript search.
fn step_match(state: &mut State, forward: bool) {
    let n = state.detail.layout.as_ref().map_or(0, |l| l.matches.len());
    if n == 0 {
        if !state.detail.search.query.is_empty() {
            no_match(state);
        }
        return;
    }
    let next = match state.detail.search.current {
        None => 0,
        Some(i) if forward => (i + 1) % n,
        Some(i) => (i + n - 1) % n,
    };
    goto_match(state, next);
}

fn no_match(state: &mut State) {
    let text = format!("no match for “{}”", sanitize(&state.detail.search.query));
    state.set_status(text, false);
}

/// Enter in the search line: searches the transcript and moves to the first match from the
/// current scroll position on.
pub(super) fn search(state: &mut State, query: String) {
    state.detail.search.query = query;
    state.detail.search.current = None;
    relayout_detail(state);
    let n = state.detail.layout.as_ref().map_or(0, |l| l.matches.len());
    if state.detail.search.query.is_empty() {
        state.set_status("", false);
    } else if n == 0 {
        no_match(state);
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
    let h = state.detail_text_rows();
    if line < state.detail.scroll || line >= state.detail.scroll + h {
        state.detail.scroll = line.saturating_sub(h / 3);
        scroll(state, 0);
    }
    state.dirty = true;
}
