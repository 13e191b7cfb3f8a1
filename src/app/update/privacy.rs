//! Privacy mode: `P` turns it on and off, `R` reveals the open call's transcript, and it turns
//! on by itself after `[ui] privacy_idle_secs` without a key press (timed with the state's clock).

use std::time::Duration;

use super::super::msg::Subscription;
use super::super::state::State;
use super::relayout_detail;
use crate::privacy::{OFF_TEXT, ON_TEXT};

/// Every key press counts as activity.
pub(super) fn key_pressed(state: &mut State) {
    if state.privacy.idle_after.is_some() {
        state.privacy.last_key_at = Some((state.now)());
    }
}

/// Turns privacy mode on or off; calls revealed before are hidden again when it turns on.
pub(super) fn set(state: &mut State, on: bool, status: &str) {
    state.privacy.on = on;
    state.privacy.revealed.clear();
    relayout_detail(state);
    state.set_status(status, false);
}

/// `P`.
pub(super) fn toggle(state: &mut State) {
    if state.privacy.on {
        set(state, false, OFF_TEXT);
    } else {
        set(state, true, ON_TEXT);
    }
}

/// `R` in the detail pane: the open call's transcript shown despite privacy mode, or hidden
/// again.
pub(super) fn reveal(state: &mut State) {
    let Some(key) = state.detail.key.clone() else {
        return;
    };
    if !state.privacy.on {
        state.set_status(
            "privacy mode is off: the transcript is shown (P turns it on)",
            false,
        );
        return;
    }
    let text = if state.privacy.revealed.remove(&key) {
        "transcript hidden again (R reveals it)"
    } else {
        state.privacy.revealed.insert(key);
        "summary and transcript of this call revealed as the vendor sent them (R hides them)"
    };
    relayout_detail(state);
    state.set_status(text, false);
}

/// How long since the last key press (since the program started when there was none: the timer
/// started with it).
fn idle_for(state: &State) -> Option<Duration> {
    let last = state.privacy.last_key_at?;
    Some(((state.now)() - last).to_std().unwrap_or_default())
}

/// The timer that turns privacy mode on: wanted while it is off and an idle time is set, due
/// that long after the last key press.
pub(super) fn idle_timer(state: &State) -> Option<Subscription> {
    let p = &state.privacy;
    let idle = p.idle_after.filter(|_| !p.on)?;
    let since = idle_for(state).unwrap_or_default();
    Some(Subscription::IdleTimer {
        round: p.idle_round,
        after: idle.saturating_sub(since),
    })
}

/// The idle timer came due: privacy mode turns on if no key was pressed since; else the next
/// round's timer waits for the rest.
pub(super) fn on_idle_tick(state: &mut State, round: u64) {
    let p = &state.privacy;
    let Some(idle) = p.idle_after else {
        return;
    };
    if round != p.idle_round || p.on {
        return;
    }
    state.privacy.idle_round += 1;
    if idle_for(state).is_none_or(|t| t >= idle) {
        let text = format!(
            "privacy mode turned on after {} s without a key press: names and numbers masked, \
             transcripts hidden (P: off)",
            idle.as_secs()
        );
        set(state, true, &text);
    }
}
