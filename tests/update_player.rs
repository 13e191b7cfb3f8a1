//! The player in the detail pane, as `update` sees it: Space starts a playback subscription,
//! the keys become player commands, what the player tells lands in the state (and on screen),
//! turn times come from the analysed audio, the transcript follows the turn heard.

mod support;

use std::sync::Arc;

use callbrowser::app::msg::{Effect, Msg, Subscription};
use callbrowser::app::update::{subscriptions, update};
use callbrowser::audio::output::ChannelMode;
use callbrowser::audio::player::{OutputKind, PlayState, PlayerCmd, PlayerEvent, Status};
use callbrowser::audio::turns::Energy;
use callbrowser::fixtures::MemoryProvider;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::*;

fn opened(turns: usize, size: (u16, u16)) -> World {
    let mut p = MemoryProvider::new("talkpilot", 30);
    p.turns = turns;
    let mut s = state_with(vec![p.arc()], size);
    let e = callbrowser::app::update::init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Enter);
    s
}

fn session(s: &World) -> u64 {
    s.player.as_ref().expect("a player").session
}

fn tell(s: &mut World, event: PlayerEvent) -> Vec<Effect> {
    let session = session(s);
    update(&mut s.state, Msg::Player { session, event })
}

fn playing(position: f64, channels: u16) -> Status {
    Status {
        state: PlayState::Playing,
        position,
        duration: Some(60.0),
        estimated: false,
        channels,
        sample_rate: 8000,
        downloaded: 480_000,
        total: Some(960_000),
        format: Some("WAV µ-law".into()),
        content_type: Some("audio/wav".into()),
        output: OutputKind::Device,
        ..Status::default()
    }
}

fn commands(effects: &[Effect]) -> Vec<PlayerCmd> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Player { cmd, .. } => Some(cmd.clone()),
            _ => None,
        })
        .collect()
}

/// Speech-like energy: one 2 s burst every 3 s from 0.5 s, `n` of them, in 60 s of mono 8 kHz.
fn bursts(n: usize) -> Arc<Energy> {
    let rate = 8000u32;
    let mut e = Energy::new();
    let samples: Vec<f32> = (0..rate as usize * 60)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let k = ((t - 0.5) / 3.0).floor();
            let within = t - 0.5 - k * 3.0;
            let speech = t >= 0.5 && (k as usize) < n && within < 2.0;
            if speech {
                (0.4 * (t * 2.0 * std::f64::consts::PI * 220.0).sin()) as f32
            } else {
                0.0005 * ((i % 7) as f32 - 3.0)
            }
        })
        .collect();
    e.push(0, &samples, 1, rate);
    Arc::new(e)
}

#[test]
fn space_starts_playback_of_the_open_call_and_the_keys_become_commands() {
    let mut s = opened(10, (160, 45));
    assert!(s.player.is_none());
    assert!(
        key(&mut s, KeyCode::Char(' ')).is_empty(),
        "started as a subscription"
    );
    let key_of_call = s.detail.key.clone().expect("a call is open");
    let subs = subscriptions(&s);
    assert!(
        subs.iter().any(|sub| matches!(sub, Subscription::Player { key, autoplay: true, .. } if *key == key_of_call)),
        "{subs:?}"
    );
    tell(&mut s, PlayerEvent::Status(playing(12.0, 2)));
    let cases = [
        (KeyCode::Char(' '), PlayerCmd::TogglePause),
        (KeyCode::Char(','), PlayerCmd::SeekBy(-5.0)),
        (KeyCode::Char('.'), PlayerCmd::SeekBy(5.0)),
        (KeyCode::Char('<'), PlayerCmd::SeekBy(-30.0)),
        (KeyCode::Char('>'), PlayerCmd::SeekBy(30.0)),
        (KeyCode::Char('7'), PlayerCmd::SeekFraction(0.7)),
        (KeyCode::Char('0'), PlayerCmd::SeekFraction(0.0)),
        (KeyCode::Char('-'), PlayerCmd::Slower),
        (KeyCode::Char('+'), PlayerCmd::Faster),
        (KeyCode::Char('v'), PlayerCmd::VolumeDown),
        (KeyCode::Char('V'), PlayerCmd::VolumeUp),
        (KeyCode::Char('c'), PlayerCmd::NextChannel),
    ];
    for (k, want) in cases {
        assert_eq!(commands(&key(&mut s, k)), vec![want.clone()], "{k:?}");
    }
    // `x` stops it: the subscription goes.
    key(&mut s, KeyCode::Char('x'));
    assert!(s.player.is_none());
    assert!(
        !subscriptions(&s)
            .iter()
            .any(|x| matches!(x, Subscription::Player { .. }))
    );
}

#[test]
fn the_player_bar_shows_state_time_speed_volume_channel_and_waveform() {
    let mut s = opened(10, (160, 45));
    key(&mut s, KeyCode::Char(' '));
    let mut st = playing(12.0, 2);
    st.speed = 1.5;
    st.volume = 80;
    st.channel = ChannelMode::Agent;
    st.estimated = true;
    tell(&mut s, PlayerEvent::Status(st));
    let levels: Vec<Vec<u8>> = (0..2)
        .map(|c| (0..300).map(|i| ((i * 7 + c * 50) % 256) as u8).collect())
        .collect();
    tell(&mut s, PlayerEvent::Waveform { from: 0, levels });
    let mut t = Terminal::new(TestBackend::new(160, 45)).unwrap();
    t.draw(|f| callbrowser::ui::draw(f, &s)).unwrap();
    let screen = format!("{}", t.backend());
    assert!(
        screen.contains("▶ playing  0:12 / ~1:00  1.5×  vol 80 %  agent channel"),
        "{screen}"
    );
    assert!(screen.contains("50 % loaded"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn turn_times_come_from_the_analysed_audio_and_the_transcript_follows() {
    let mut s = opened(10, (160, 45));
    key(&mut s, KeyCode::Char(' '));
    tell(&mut s, PlayerEvent::Status(playing(0.0, 1)));
    // Before the analysis: no turn times yet, said plainly.
    assert!(key(&mut s, KeyCode::Char(']')).is_empty());
    assert!(
        s.status.text.contains("Turn times come"),
        "{}",
        s.status.text
    );
    tell(&mut s, PlayerEvent::Analysed { energy: bursts(10) });
    let turns = s.player.as_ref().unwrap().turns.clone();
    assert_eq!(turns.len(), 10);
    assert!(turns.windows(2).all(|w| w[0].start <= w[1].start));
    // `]` goes to the next turn's start.
    let next = commands(&key(&mut s, KeyCode::Char(']')));
    assert_eq!(next, vec![PlayerCmd::SeekTo(turns[0].start)]);
    // Heard: turn 7 — highlighted and scrolled into view.
    let t7 = (turns[7].start + turns[7].end) / 2.0;
    tell(&mut s, PlayerEvent::Status(playing(t7, 1)));
    let p = s.player.as_ref().unwrap();
    assert_eq!(p.heard, Some(7));
    let (from, to) = s.detail.layout.as_ref().unwrap().turn_lines[7];
    let rows = s.detail_text_rows();
    assert!(
        s.detail.scroll <= from && to <= s.detail.scroll + rows,
        "turn 7 in view"
    );
    // Not following: the pane stays where it is.
    key(&mut s, KeyCode::Char('f'));
    press(&mut s, KeyCode::Char('g'));
    let t9 = (turns[9].start + turns[9].end) / 2.0;
    tell(&mut s, PlayerEvent::Status(playing(t9, 1)));
    assert_eq!(s.player.as_ref().unwrap().heard, Some(9));
    assert_eq!(s.detail.scroll, 0);
    // Enter plays the turn at the top of the pane (the first one here).
    let cmds = commands(&key(&mut s, KeyCode::Enter));
    assert_eq!(cmds, vec![PlayerCmd::SeekTo(turns[0].start)]);
}

#[test]
fn saving_without_playing_downloads_paused_and_saves() {
    let mut s = opened(3, (160, 45));
    key(&mut s, KeyCode::Char('s'));
    let subs = subscriptions(&s);
    let first = subs.iter().find_map(|x| match x {
        Subscription::Player {
            autoplay: false,
            first,
            ..
        } => Some(first.clone()),
        _ => None,
    });
    let first = first.expect("a paused player that saves");
    assert!(
        matches!(&first[..], [PlayerCmd::Save(p)] if p.to_string_lossy().contains("talkpilot-")),
        "{first:?}"
    );
    tell(
        &mut s,
        PlayerEvent::Saved {
            path: "/tmp/x/talkpilot-1.wav".into(),
            bytes: 12_345,
        },
    );
    assert!(
        s.status
            .text
            .contains("Saved the recording to /tmp/x/talkpilot-1.wav (13 KB)")
    );
}

#[test]
fn no_device_is_said_once_and_another_call_stops_the_player() {
    let mut s = opened(3, (160, 45));
    key(&mut s, KeyCode::Char(' '));
    let mut st = playing(1.0, 1);
    st.output = OutputKind::Null("No audio device here (…)".into());
    tell(&mut s, PlayerEvent::Status(st.clone()));
    assert!(s.status.text.starts_with("No audio device here"));
    s.state.set_status("", false);
    st.position = 2.0;
    tell(&mut s, PlayerEvent::Status(st));
    assert_eq!(s.status.text, "", "said once");
    // A failure is an error on the status line.
    let mut failed = playing(2.0, 1);
    failed.state =
        PlayState::Failed("the recording is GSM 6.10, which this player cannot decode".into());
    tell(&mut s, PlayerEvent::Status(failed));
    assert!(s.status.is_error && s.status.text.contains("GSM 6.10"));
    // Back to the list, another call: the player stops.
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    assert!(s.player.is_none());
}

#[test]
fn a_call_without_a_recording_says_so() {
    let mut p = MemoryProvider::new("talkpilot", 5);
    p.no_recording = true;
    let mut s = state_with(vec![p.arc()], (120, 40));
    let e = callbrowser::app::update::init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char(' '));
    assert!(s.player.is_none());
    assert!(s.status.text.contains("no recording"), "{}", s.status.text);
}
