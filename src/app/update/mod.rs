//! `update`: the only place state changes. It takes one message and returns the effects to run;
//! [`subscriptions`] says which long-lived tasks the state wants running. Split by concern:
//! [`sidebar`], [`list`], [`detail`], [`live`] and [`input`] (the text lines).

mod detail;
mod followups;
mod input;
mod list;
mod live;
mod merged;
mod player;
mod privacy;
mod sidebar;
mod triage;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::keymap::{Action, action_for};
use super::msg::{Effect, Msg, Subscription};
use super::state::{Focus, SidebarRow, State};
use crate::http::HttpNotice;
use crate::model::ProviderId;
use crate::providers::{Health, ProviderError};

pub use detail::relayout_detail;
pub use merged::title as merged_title;

/// Effects a fresh state needs: each provider's parent list, and the list to open on — All
/// calls when two providers or more can be used, else the calls of the first provider in
/// configuration order (its first agent, patient, … once they are known).
pub fn init(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    let ids: Vec<ProviderId> = state.providers.iter().map(|p| p.id()).collect();
    for id in ids {
        if state.provider(id).has_scopes() {
            effects.extend(sidebar::load_scopes(state, id));
        }
    }
    state.opening = None;
    if state.sidebar_rows().first() == Some(&SidebarRow::AllCalls) {
        state.sidebar_to(SidebarRow::AllCalls);
        effects.extend(merged::open(state, None));
    } else {
        effects.extend(sidebar::open_next(state, 0));
    }
    state.dirty = true;
    effects
}

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            relayout_detail(state);
            list::keep_cursor_visible(state);
            state.dirty = true;
            Vec::new()
        }
        Msg::Quit => {
            state.quit = true;
            Vec::new()
        }
        Msg::Suspend => vec![Effect::Suspend],
        Msg::Scopes {
            req,
            provider,
            result,
        } => sidebar::on_scopes(state, req, provider, result),
        Msg::Calls { req, result } => list::on_calls(state, req, result),
        Msg::Detail { req, result } => detail::on_detail(state, req, *result),
        Msg::Live { req, result } => live::on_live(state, req, result),
        Msg::LiveTick { generation } => live::on_tick(state, generation),
        Msg::MergedScopes {
            generation,
            provider,
            result,
        } => merged::on_scopes(state, generation, provider, result),
        Msg::MergedCalls {
            generation,
            source,
            provider,
            result,
        } => merged::on_calls(state, generation, source, provider, result),
        Msg::MergeTick { generation } => merged::on_tick(state, generation),
        Msg::IdleTick { round } => {
            privacy::on_idle_tick(state, round);
            Vec::new()
        }
        Msg::Http { provider, notice } => {
            on_http(state, provider, notice);
            Vec::new()
        }
        Msg::Player { session, event } => player::on_event(state, session, event),
        Msg::Store(event) => triage::on_event(state, event),
    }
}

/// The long-lived tasks the state wants running now (the runtime starts and drops them to
/// match): the Live view's next refresh while it is on screen, the player, the triage store,
/// and the idle timer of privacy mode.
pub fn subscriptions(state: &State) -> Vec<Subscription> {
    live::timer(state)
        .into_iter()
        .chain(merged::timer(state))
        .chain(player::subscription(state))
        .chain(triage::subscription(state))
        .chain(privacy::idle_timer(state))
        .collect()
}

/// What the HTTP layer tells while it works: a rate limit being waited for, a retry.
fn on_http(state: &mut State, provider: ProviderId, notice: HttpNotice) {
    let Some(entry) = state.providers.get_mut(provider.index()) else {
        return;
    };
    let label = entry.info.label.clone();
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

/// A provider answered: its health is ok again and its note (a wait, an error) goes.
fn mark_ok(state: &mut State, provider: ProviderId) {
    if let Some(e) = state.providers.get_mut(provider.index())
        && (e.health != Health::Ok || e.note.is_some() || e.last_error.is_some())
    {
        e.health = Health::Ok;
        e.note = None;
        e.last_error = None;
        state.dirty = true;
    }
}

/// A provider failed: its health says how, it keeps the error (shown again whenever the sidebar
/// cursor comes to it), and the status line says it. Returns the sentence.
fn failed(state: &mut State, provider: ProviderId, e: &ProviderError) -> String {
    let text = e.to_string();
    if let Some(entry) = state.providers.get_mut(provider.index()) {
        entry.health = e.health();
        entry.last_error = Some(text.clone());
    }
    state.set_status(text.clone(), true);
    text
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    privacy::key_pressed(state);
    if state.triage.editor.is_some() {
        return triage::editor_key(state, key);
    }
    if state.input.is_some() {
        if key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL {
            state.quit = true;
            return Vec::new();
        }
        return input::on_key(state, key);
    }
    if state.help {
        on_help_key(state, action_for(state.focus, &key));
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
            state.help_scroll = 0;
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Live => live::toggle(state),
        Action::Privacy => {
            privacy::toggle(state);
            Vec::new()
        }
        Action::Reveal => {
            privacy::reveal(state);
            Vec::new()
        }
        Action::CopyId => match if state.focus == Focus::List {
            state.list.selected().map(|c| c.id.clone())
        } else {
            state.detail.key.as_ref().map(|k| k.id.clone())
        } {
            Some(id) => {
                let shown = crate::display::sanitize(&id).into_owned();
                state.set_status(
                    format!(
                        "copied {shown} (OSC 52: a terminal that does not allow it, or tmux without set-clipboard, ignores it)"
                    ),
                    false,
                );
                vec![Effect::Copy(id)]
            }
            None => Vec::new(),
        },
        Action::ToggleSidebar => {
            state.sidebar_hidden = !state.sidebar_hidden;
            if state.sidebar_hidden && state.focus == Focus::Sidebar {
                state.focus = Focus::List;
            }
            relayout_detail(state);
            list::keep_cursor_visible(state);
            state.dirty = true;
            Vec::new()
        }
        Action::FocusNext | Action::FocusPrev => {
            cycle_focus(state, action == Action::FocusNext);
            Vec::new()
        }
        Action::MarkFollowUp
        | Action::Claim
        | Action::MarkDone
        | Action::ClearMark
        | Action::EditNote
        | Action::Tags
        | Action::Select
        | Action::NextFollowUp => triage::action(state, action),
        _ => match state.focus {
            Focus::Sidebar => sidebar::action(state, action),
            Focus::List if state.triage.view.is_some() => followups::action(state, action),
            Focus::List => list::action(state, action),
            Focus::Detail if is_player_action(action) => player::action(state, action, &key),
            Focus::Detail => detail::action(state, action),
        },
    }
}

fn is_player_action(a: Action) -> bool {
    matches!(
        a,
        Action::PlayPause
            | Action::SeekBack
            | Action::SeekForward
            | Action::SeekBackLong
            | Action::SeekForwardLong
            | Action::JumpPercent
            | Action::Slower
            | Action::Faster
            | Action::VolumeDown
            | Action::VolumeUp
            | Action::Channel
            | Action::PrevTurn
            | Action::NextTurn
            | Action::Follow
            | Action::PlayTurn
            | Action::SaveRecording
            | Action::StopPlayer
    )
}

/// In the help: the moving keys scroll it (when it is taller than the screen), `q` quits, any
/// other key closes it.
fn on_help_key(state: &mut State, action: Option<Action>) {
    state.dirty = true;
    let max = super::help::max_scroll(state);
    let page = usize::from(state.size.1.saturating_sub(4)).max(1);
    let at = state.help_scroll.min(max);
    state.help_scroll = match action {
        Some(Action::Down) => (at + 1).min(max),
        Some(Action::Up) => at.saturating_sub(1),
        Some(Action::PageDown) => (at + page).min(max),
        Some(Action::PageUp) => at.saturating_sub(page),
        Some(Action::Top) => 0,
        Some(Action::Bottom) => max,
        Some(Action::Quit) => {
            state.quit = true;
            at
        }
        _ => {
            state.help = false;
            0
        }
    };
}

/// Tab / S-Tab: the next or previous pane (the detail pane only while a call is open).
fn cycle_focus(state: &mut State, forward: bool) {
    let order: &[Focus] = match (state.detail.key.is_some(), state.sidebar_hidden) {
        (true, false) => &[Focus::Sidebar, Focus::List, Focus::Detail],
        (false, false) => &[Focus::Sidebar, Focus::List],
        (true, true) => &[Focus::List, Focus::Detail],
        (false, true) => &[Focus::List],
    };
    let i = order.iter().position(|f| *f == state.focus).unwrap_or(0);
    let n = order.len();
    state.focus = order[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
    relayout_detail(state);
    list::keep_cursor_visible(state);
}
