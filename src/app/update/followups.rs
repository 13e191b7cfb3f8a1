//! The Follow-ups view: every triaged call passing its filter (by default the follow-ups),
//! oldest first, across providers — from the store, so it is there even when a provider is not.
//! Enter opens the call's live detail when its provider answers, its saved snapshot otherwise.

use super::super::keymap::Action;
use super::super::msg::Effect;
use super::super::state::{Focus, FollowUpsView, Input, InputKind, State};
use crate::model::{Call, CallRef};

/// Shows the Follow-ups view in the list pane.
pub(super) fn open(state: &mut State) {
    if state.triage.view.is_none() {
        state.triage.view = Some(FollowUpsView::default());
    }
    state.triage.selected.clear();
    state.dirty = true;
}

/// Leaves it (a provider's list was chosen).
pub(super) fn close(state: &mut State) {
    state.triage.view = None;
}

/// The call under the cursor, with its saved list fields.
pub(super) fn current(state: &State) -> Option<(CallRef, Option<Call>)> {
    let v = state.triage.view.as_ref()?;
    let rows = state.triage.view_rows();
    let e = rows.get(v.cursor.min(rows.len().saturating_sub(1)))?;
    Some((e.call.clone(), e.snapshot.clone()))
}

pub(super) fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let n = state.triage.view_rows().len();
    let h = state.areas().list_rows();
    let Some(v) = state.triage.view.as_mut() else {
        return Vec::new();
    };
    let last = n.saturating_sub(1);
    match action {
        Action::Up => v.cursor = v.cursor.saturating_sub(1),
        Action::Down => v.cursor = (v.cursor + 1).min(last),
        Action::PageUp => v.cursor = v.cursor.saturating_sub(h),
        Action::PageDown => v.cursor = (v.cursor + h).min(last),
        Action::Top => v.cursor = 0,
        Action::Bottom => v.cursor = last,
        Action::Back => state.focus = Focus::Sidebar,
        Action::Filter => {
            let text = v.filter_text.clone();
            state.input = Some((InputKind::Filter, Input::new(&text)));
        }
        Action::ClearFilter => {
            *v = FollowUpsView::default();
            state.set_status("Showing the follow-ups.", false);
        }
        Action::Open => {
            let at = v.cursor.min(last);
            let rows = state.triage.view_rows();
            let Some(entry) = rows.get(at).map(|e| (*e).clone()) else {
                return Vec::new();
            };
            return super::triage::open_entry(state, &entry);
        }
        _ => {}
    }
    if let Some(v) = state.triage.view.as_mut() {
        v.cursor = v.cursor.min(last);
        if v.cursor < v.offset {
            v.offset = v.cursor;
        } else if v.cursor >= v.offset + h {
            v.offset = v.cursor + 1 - h;
        }
    }
    state.dirty = true;
    Vec::new()
}

/// Enter in the filter line while the view is shown: the triage filter
/// (`triage:followup|done|none`, `tag:`, `note:`, free text); a bad one keeps the line open.
pub(super) fn apply_filter(state: &mut State, text: String, input: Input) -> Vec<Effect> {
    match crate::store::filter::parse(&text) {
        Ok(f) => {
            if let Some(v) = state.triage.view.as_mut() {
                v.filter = f;
                v.filter_text = text;
                v.cursor = 0;
                v.offset = 0;
            }
            let n = state.triage.view_rows().len();
            state.set_status(format!("{n} triaged call(s) match."), false);
        }
        Err(e) => {
            state.set_status(e, true);
            state.input = Some((InputKind::Filter, input));
        }
    }
    Vec::new()
}
