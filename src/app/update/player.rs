//! The player keys of the detail pane and what the player tells: starting playback of the open
//! call's recording (a subscription), the commands, the status, the waveform, and the turn times
//! derived from the audio once it is analysed — with the transcript following the turn heard.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::super::keymap::Action;
use super::super::msg::{Effect, Subscription};
use super::super::state::{PlayerPane, State};
use crate::audio::player::{OutputKind, PlayState, PlayerCmd, PlayerEvent};
use crate::audio::turns::{self, Energy, TurnInfo};
use crate::model::{RecordingRef, Transcript};

/// The player subscription the state wants: the one of the playback in progress.
pub(super) fn subscription(state: &State) -> Option<Subscription> {
    let p = state.player.as_ref()?;
    Some(Subscription::Player {
        session: p.session,
        key: p.key.clone(),
        autoplay: p.autoplay,
        first: p.first.clone(),
    })
}

/// Why the open call's recording cannot be played, or `None` when it can.
fn unplayable(state: &State) -> Option<String> {
    let Some(d) = &state.detail.detail else {
        return Some("Open a call first: its recording plays here.".into());
    };
    match &d.recording {
        RecordingRef::SignedUrl { .. } | RecordingRef::Endpoint { .. } => None,
        RecordingRef::Purged => Some("The provider purged this call's recording.".into()),
        RecordingRef::Missing => Some("This call has no recording.".into()),
        RecordingRef::NotOffered => Some("This provider does not offer recordings.".into()),
    }
}

/// Starts playback of the open call's recording (`autoplay` off: downloaded and ready, paused),
/// sending `first` once it runs. `false` when there is nothing to play (said on the status line).
fn start(state: &mut State, autoplay: bool, first: Vec<PlayerCmd>) -> bool {
    if let Some(why) = unplayable(state) {
        state.set_status(why, false);
        return false;
    }
    let Some(key) = state.detail.key.clone() else {
        return false;
    };
    state.player_sessions += 1;
    let mut pane = PlayerPane::new(state.player_sessions, key);
    pane.autoplay = autoplay;
    pane.first = first;
    state.player = Some(pane);
    super::detail::relayout_detail(state);
    true
}

/// The command for the player of the open call, or starts one (paused) that runs it first.
fn command(state: &mut State, cmd: PlayerCmd) -> Vec<Effect> {
    match state.shown_player() {
        Some(p) => vec![Effect::Player {
            session: p.session,
            cmd,
        }],
        None => {
            state.set_status("Nothing is playing: Space plays the recording.", false);
            Vec::new()
        }
    }
}

pub(super) fn action(state: &mut State, action: Action, key: &KeyEvent) -> Vec<Effect> {
    state.dirty = true;
    match action {
        Action::PlayPause => {
            if state.shown_player().is_some() {
                command(state, PlayerCmd::TogglePause)
            } else if start(state, true, Vec::new()) {
                super::triage::access(state, "played")
            } else {
                Vec::new()
            }
        }
        Action::SeekBack => command(state, PlayerCmd::SeekBy(-5.0)),
        Action::SeekForward => command(state, PlayerCmd::SeekBy(5.0)),
        Action::SeekBackLong => command(state, PlayerCmd::SeekBy(-30.0)),
        Action::SeekForwardLong => command(state, PlayerCmd::SeekBy(30.0)),
        Action::JumpPercent => match key.code {
            KeyCode::Char(c) if c.is_ascii_digit() => {
                let f = f64::from(c as u8 - b'0') / 10.0;
                command(state, PlayerCmd::SeekFraction(f))
            }
            _ => Vec::new(),
        },
        Action::Slower => command(state, PlayerCmd::Slower),
        Action::Faster => command(state, PlayerCmd::Faster),
        Action::VolumeDown => command(state, PlayerCmd::VolumeDown),
        Action::VolumeUp => command(state, PlayerCmd::VolumeUp),
        Action::Channel => {
            if state.shown_player().is_some_and(|p| p.status.channels < 2) {
                state.set_status("This recording has one channel.", false);
                return Vec::new();
            }
            command(state, PlayerCmd::NextChannel)
        }
        Action::PrevTurn | Action::NextTurn => jump_turn(state, action == Action::NextTurn),
        Action::Follow => {
            if let Some(p) = &mut state.player {
                p.follow = !p.follow;
                let text = if p.follow {
                    "The transcript follows the turn heard."
                } else {
                    "The transcript stays where you scroll it."
                };
                state.set_status(text, false);
            }
            Vec::new()
        }
        Action::PlayTurn => play_turn(state),
        Action::SaveRecording => save(state),
        Action::StopPlayer => {
            if state.player.take().is_some() {
                state.set_status("Stopped.", false);
                super::detail::relayout_detail(state);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// `[` / `]`: the previous / next turn (speech segment when there is no transcript).
fn jump_turn(state: &mut State, forward: bool) -> Vec<Effect> {
    let Some(p) = state.shown_player() else {
        return command(state, PlayerCmd::TogglePause);
    };
    let t = p.status.position;
    let target = if !p.turns.is_empty() {
        let i = if forward {
            turns::next_turn(&p.turns, t)
        } else {
            turns::prev_turn(&p.turns, t)
        };
        i.map(|i| p.turns[i].start)
    } else if !p.jump_points.is_empty() {
        let pts = &p.jump_points;
        if forward {
            pts.iter().copied().find(|x| *x > t + 0.05)
        } else {
            let before: Vec<f64> = pts.iter().copied().filter(|x| *x < t - 1.5).collect();
            before.last().copied().or(Some(0.0))
        }
    } else {
        state.set_status(
            "Turn times come once the whole recording is downloaded and analysed.",
            false,
        );
        return Vec::new();
    };
    match target {
        Some(secs) => command(state, PlayerCmd::SeekTo(secs)),
        None => {
            state.set_status("No turn after this one.", false);
            Vec::new()
        }
    }
}

/// The turn at the top of the pane, or the one holding the current search match.
fn turn_in_view(state: &State) -> Option<usize> {
    let layout = state.detail.layout.as_ref()?;
    let line = match state.detail.search.current {
        Some(i) => layout.matches.get(i)?.0,
        None => state.detail.scroll,
    };
    layout.turn_lines.iter().position(|&(_, to)| line < to)
}

/// Enter: plays from the turn in view.
fn play_turn(state: &mut State) -> Vec<Effect> {
    let Some(i) = turn_in_view(state) else {
        state.set_status("No transcript turn in view.", false);
        return Vec::new();
    };
    let Some(p) = state.shown_player() else {
        start(state, true, Vec::new());
        state.set_status(
            "Playing from the start: turn times come once the recording is analysed.",
            false,
        );
        return Vec::new();
    };
    let Some(turn) = p.turns.get(i) else {
        state.set_status(
            "Turn times come once the whole recording is downloaded and analysed.",
            false,
        );
        return Vec::new();
    };
    let session = p.session;
    let mut effects = vec![Effect::Player {
        session,
        cmd: PlayerCmd::SeekTo(turn.start),
    }];
    if p.status.state == PlayState::Paused {
        effects.push(Effect::Player {
            session,
            cmd: PlayerCmd::Resume,
        });
    }
    effects
}

/// Where `s` saves the open call's recording (the extension is added by the player).
fn save_path(state: &State) -> Option<PathBuf> {
    let key = state.detail.key.as_ref()?;
    let provider = &state.provider(key.provider).info.name;
    Some(
        state
            .save_dir
            .join(crate::audio::file_stem(provider, &key.id)),
    )
}

fn save(state: &mut State) -> Vec<Effect> {
    let Some(path) = save_path(state) else {
        return Vec::new();
    };
    let mut effects = super::triage::access(state, "saved");
    if state.shown_player().is_some() {
        state.set_status("Saving the recording once it is all downloaded…", false);
        effects.extend(command(state, PlayerCmd::Save(path)));
        return effects;
    }
    if start(state, false, vec![PlayerCmd::Save(path)]) {
        state.set_status("Downloading the recording to save it…", false);
        return effects;
    }
    Vec::new()
}

pub(super) fn on_event(state: &mut State, session: u64, event: PlayerEvent) -> Vec<Effect> {
    let Some(p) = state.player.as_mut().filter(|p| p.session == session) else {
        return Vec::new(); // an older playback
    };
    match event {
        PlayerEvent::Status(s) => {
            let newly_failed = match (&s.state, &p.status.state) {
                (PlayState::Failed(_), PlayState::Failed(_)) => None,
                (PlayState::Failed(why), _) => Some(why.clone()),
                _ => None,
            };
            let no_device = match &s.output {
                OutputKind::Null(why) if !p.told_no_device => Some(why.clone()),
                _ => None,
            };
            p.status = s;
            if let Some(why) = no_device {
                p.told_no_device = true;
                state.set_status(why, false);
            }
            if let Some(why) = newly_failed {
                state.set_status(why, true);
            }
            follow(state);
        }
        PlayerEvent::Waveform { from, levels } => {
            if p.waveform.len() < levels.len() {
                p.waveform.resize(levels.len(), Vec::new());
            }
            for (row, new) in p.waveform.iter_mut().zip(levels) {
                row.truncate(from);
                row.resize(from, 0);
                row.extend(new);
            }
        }
        PlayerEvent::Analysed { energy } => analysed(state, &energy),
        PlayerEvent::Saved { path, bytes } => {
            let text = format!(
                "Saved the recording to {} ({} KB).",
                path.display(),
                bytes.div_ceil(1000)
            );
            state.set_status(text, false);
        }
        PlayerEvent::SaveFailed { path, reason } => {
            let text = format!("Could not save {}: {reason}", path.display());
            state.set_status(text, true);
        }
    }
    state.dirty = true;
    Vec::new()
}

/// The whole recording is analysed: speech segments become jump points, and the transcript's
/// turns get their (estimated) times — by speaker on stereo, by text length on mono.
fn analysed(state: &mut State, energy: &Arc<Energy>) {
    let infos: Vec<TurnInfo> = match state.detail.detail.as_ref().map(|d| &d.transcript) {
        Some(Transcript::Turns(t)) => crate::audio::turn_infos(t),
        _ => Vec::new(),
    };
    let same_call = state.detail.key.as_ref() == state.player.as_ref().map(|p| &p.key);
    let Some(p) = state.player.as_mut() else {
        return;
    };
    let segments = turns::speech_segments(energy);
    p.jump_points = turns::jump_points(&segments);
    if same_call && !infos.is_empty() {
        p.turns = turns::align_segments(&segments, energy.secs(), &infos);
    }
    follow(state);
}

/// Marks the turn heard and, when following, scrolls it into view.
fn follow(state: &mut State) {
    let rows = state.detail_text_rows();
    let Some(p) = state.player.as_mut() else {
        return;
    };
    let heard = turns::turn_at(&p.turns, p.status.position);
    if heard == p.heard {
        return;
    }
    p.heard = heard;
    let (Some(i), true) = (heard, p.follow) else {
        return;
    };
    if state.detail.key.as_ref() != Some(&p.key) {
        return;
    }
    let Some(&(from, to)) = state
        .detail
        .layout
        .as_ref()
        .and_then(|l| l.turn_lines.get(i))
    else {
        return;
    };
    let top = state.detail.scroll;
    if from < top || to > top + rows {
        state.detail.scroll = from.saturating_sub(1);
        super::detail::scroll(state, 0);
    }
}
