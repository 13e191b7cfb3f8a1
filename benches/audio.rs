//! The UI while a recording plays: the detail pane of a call with a long transcript (300 turns)
//! at 160×45, the player bar with its status line and a 10-minute waveform, the transcript
//! following the turn heard. Measured: a key through `update` to the next frame, and a player
//! `Status` event (the player sends about ten a second while playing) through `update` to the
//! next frame. A key that arrives just behind a status event waits for that frame: the worst
//! key→frame while playing is the sum of the two.
//!
//! `cargo bench --bench audio` (`AUDIO_BENCH_SHOW=1` prints the screen measured first)

use std::time::Duration;

use callbrowser::app::msg::{Effect, Msg};
use callbrowser::app::state::{ProviderEntry, State};
use callbrowser::app::update::{init, update};
use callbrowser::audio::player::{OutputKind, PlayState, PlayerEvent, Status};
use callbrowser::audio::turns::TurnTime;
use callbrowser::fixtures::{MemoryProvider, fixed_now};
use callbrowser::model::{ProviderId, TimeZoneSetting};
use callbrowser::providers::{Provider, describe};
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZE: (u16, u16) = (160, 45);
const TURNS: usize = 300;
/// Length of the recording shown (seconds).
const SECS: f64 = 600.0;

/// Runs effects to completion against the in-memory provider, as the job runner would.
fn pump(state: &mut State, provider: &dyn Provider, effects: Vec<Effect>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut queue = effects;
    while !queue.is_empty() {
        let msg = match queue.remove(0) {
            Effect::LoadScopes {
                req,
                provider: i,
                search,
                page,
            } => Msg::Scopes {
                req,
                provider: i,
                result: rt.block_on(provider.list_scopes(search.as_deref(), page)),
            },
            Effect::LoadLive { req, scope, .. } => Msg::Live {
                req,
                result: rt.block_on(provider.list_live(scope.as_deref())),
            },
            Effect::LoadCalls {
                req,
                scope,
                filter,
                page,
                ..
            } => Msg::Calls {
                req,
                result: rt.block_on(provider.list_calls(scope.as_deref(), &filter, page)),
            },
            Effect::LoadDetail { req, key } => Msg::Detail {
                req,
                result: Box::new(rt.block_on(provider.get_call(key.scope.as_deref(), &key.id))),
            },
            // One provider: All calls is not offered, so nothing merged is asked.
            Effect::Suspend
            | Effect::Copy(_)
            | Effect::Player { .. }
            | Effect::Store(_)
            | Effect::LoadMerged { .. } => continue,
        };
        queue.extend(update(state, msg));
    }
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// What the player tells while playing at `position`.
fn status(position: f64) -> Status {
    Status {
        state: PlayState::Playing,
        position,
        duration: Some(SECS),
        estimated: false,
        sample_rate: 8000,
        downloaded: (SECS * 8000.0) as u64,
        total: Some((SECS * 8000.0) as u64),
        format: Some("WAV µ-law".into()),
        content_type: Some("audio/wav".into()),
        output: OutputKind::Device,
        complete: true,
        ..Status::default()
    }
}

/// The detail pane of a call with a 300-turn transcript, its recording playing (player bar,
/// waveform of the whole call, turn times known, the transcript following).
fn playing_state() -> State {
    let mut p = MemoryProvider::new("talkpilot", 250);
    p.turns = TURNS;
    let provider = p.arc();
    let entries = vec![ProviderEntry::new(
        describe(ProviderId::new(0), provider.as_ref()),
        Ok(()),
    )];
    let mut s = State::new(entries, true, TimeZoneSetting::Utc);
    s.now = fixed_now;
    s.size = SIZE;
    let e = init(&mut s);
    pump(&mut s, provider.as_ref(), e);
    let e = update(&mut s, key(KeyCode::Enter));
    pump(&mut s, provider.as_ref(), e);
    let e = update(&mut s, key(KeyCode::Char(' ')));
    pump(&mut s, provider.as_ref(), e);
    let pane = s
        .player
        .as_mut()
        .expect("Space on an open call with a recording starts the player");
    // Turn times spread over the recording (as the analysis would give them).
    let per = SECS / TURNS as f64;
    pane.turns = (0..TURNS)
        .map(|i| TurnTime {
            start: i as f64 * per,
            end: (i as f64 + 0.9) * per,
            estimated: false,
        })
        .collect();
    let session = pane.session;
    let buckets = (SECS / callbrowser::audio::analysis::BUCKET_SECS) as usize;
    let levels = vec![
        (0..buckets)
            .map(|i| ((i as f64 / 40.0).sin().abs() * 220.0) as u8)
            .collect(),
    ];
    update(
        &mut s,
        Msg::Player {
            session,
            event: PlayerEvent::Waveform { from: 0, levels },
        },
    );
    update(
        &mut s,
        Msg::Player {
            session,
            event: PlayerEvent::Status(status(SECS / 3.0)),
        },
    );
    s
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("playing");
    g.measurement_time(Duration::from_secs(5));
    let mut state = playing_state();
    let session = state.player.as_ref().map(|p| p.session).unwrap_or(0);
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a terminal");
    term.draw(|f| callbrowser::ui::draw(f, &state))
        .expect("draws");
    if std::env::var_os("AUDIO_BENCH_SHOW").is_some() {
        // The screen measured, to check it is the one described above.
        eprintln!("{}", term.backend());
    }

    // A status event as the player sends them (the position 0.1 s on), through to the frame.
    let mut position = SECS / 3.0;
    g.bench_function("status_event_to_frame", |b| {
        b.iter(|| {
            position += 0.1;
            if position > SECS - 1.0 {
                position = 1.0;
            }
            let effects = update(
                &mut state,
                Msg::Player {
                    session,
                    event: PlayerEvent::Status(status(position)),
                },
            );
            term.draw(|f| callbrowser::ui::draw(f, &state))
                .expect("draws");
            effects.len()
        })
    });

    // Scrolling the transcript (j/k) while it plays.
    let mut flip = false;
    g.bench_function("key_to_frame_scroll", |b| {
        b.iter(|| {
            flip = !flip;
            let k = key(KeyCode::Char(if flip { 'j' } else { 'k' }));
            let effects = update(&mut state, k);
            term.draw(|f| callbrowser::ui::draw(f, &state))
                .expect("draws");
            effects.len()
        })
    });

    // A player key (seek forward 5 s): the command goes out, the frame is drawn.
    g.bench_function("key_to_frame_seek", |b| {
        b.iter(|| {
            let effects = update(&mut state, key(KeyCode::Char('.')));
            term.draw(|f| callbrowser::ui::draw(f, &state))
                .expect("draws");
            effects.len()
        })
    });

    // A key right behind a status event: both frames.
    g.bench_function("status_then_key_to_frame", |b| {
        b.iter(|| {
            position += 0.1;
            if position > SECS - 1.0 {
                position = 1.0;
            }
            update(
                &mut state,
                Msg::Player {
                    session,
                    event: PlayerEvent::Status(status(position)),
                },
            );
            term.draw(|f| callbrowser::ui::draw(f, &state))
                .expect("draws");
            flip = !flip;
            let k = key(KeyCode::Char(if flip { 'j' } else { 'k' }));
            let effects = update(&mut state, k);
            term.draw(|f| callbrowser::ui::draw(f, &state))
                .expect("draws");
            effects.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
