//! Marking a call → the mark on screen, with 10,000 triaged calls in the store (the goal:
//! one frame, 16 ms): the key through `update`, the change saved by the store thread (one
//! `BEGIN IMMEDIATE` transaction, WAL, `synchronous=FULL`), its answer through `update`, and the
//! next frame drawn.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use callbrowser::app::msg::{Effect, Msg};
use callbrowser::app::update::update;
use callbrowser::fixtures::loaded_state;
use callbrowser::model::{Account, CallRef, ProviderKind};
use callbrowser::store::actor::{StoreActor, StoreEvent};
use callbrowser::store::{Change, Mark, Store};
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A store file holding `n` triaged calls.
fn filled_store(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let path = dir.join("triage.sqlite");
    let mut s = Store::open(&path, "bench").expect("a store");
    let account = Account::new(
        ProviderKind::Voxeme,
        "https://api.voxeme.example",
        Some("AC1"),
    );
    for i in 0..n {
        let call = CallRef {
            account: account.clone(),
            id: format!("CA{i:08}"),
        };
        let mark = if i % 3 == 0 {
            Mark::Done
        } else {
            Mark::FollowUp
        };
        s.apply(&call, None, Change::Mark(mark)).expect("saved");
    }
    path
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = filled_store(dir.path(), 10_000);
    let (w, h) = (160, 45);
    let mut state = loaded_state(1_000, (w, h));
    state.triage.path = Some(path.clone());
    let (tx, rx) = mpsc::channel();
    let actor = StoreActor::start(path, "bench".into(), move |e| {
        let _ = tx.send(e);
    });
    // The store's first answer: every entry.
    if let Ok(e) = rx.recv_timeout(Duration::from_secs(30)) {
        update(&mut state, Msg::Store(e));
    }
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("a terminal");
    let keys = [
        KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE),
    ];
    let mut flip = 0;
    c.bench_function("mark_to_frame_with_10000_triaged", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                flip ^= 1;
                let start = Instant::now();
                let effects = update(&mut state, Msg::Key(keys[flip]));
                for e in effects {
                    if let Effect::Store(cmd) = e {
                        actor.send(cmd);
                    }
                }
                // Until the store says it is saved.
                while let Ok(e) = rx.recv_timeout(Duration::from_secs(10)) {
                    let done = matches!(e, StoreEvent::Applied { .. } | StoreEvent::Failed { .. });
                    update(&mut state, Msg::Store(e));
                    if done {
                        break;
                    }
                }
                term.draw(|f| callbrowser::ui::draw(f, &state))
                    .expect("a frame");
                total += start.elapsed();
            }
            total
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
