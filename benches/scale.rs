//! The scale budgets of the merged inbox with 100,000 calls loaded (All calls of five
//! providers): a key press → the next frame (≤ 16 ms), re-filtering by a local token, no request
//! (≤ 10 ms), sorting by another column (≤ 50 ms) — each through `update` and one frame drawn.
//! Resident memory is measured by `examples/scale_memory.rs`.

use callbrowser::app::msg::Msg;
use callbrowser::app::state::{Input, InputKind};
use callbrowser::app::update::update;
use callbrowser::fixtures::all_calls_state;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const CALLS: usize = 100_000;

fn key(c: KeyCode) -> Msg {
    let mods = match c {
        KeyCode::Char(ch) if ch.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    Msg::Key(KeyEvent::new(c, mods))
}

fn bench(c: &mut Criterion) {
    let (w, h) = (160, 45);
    let (mut state, _providers) = all_calls_state(CALLS, (w, h));
    assert_eq!(state.list.rows.calls.len(), CALLS, "every call loaded");
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    state.list.view.cursor = CALLS / 2;
    let mut g = c.benchmark_group("all_calls_100k");
    let mut flip = false;
    g.bench_function("key_to_frame", |b| {
        b.iter(|| {
            flip = !flip;
            let k = if flip { 'j' } else { 'k' };
            let effects = update(&mut state, key(KeyCode::Char(k)));
            term.draw(|f| callbrowser::ui::draw(f, &state)).unwrap();
            effects.len()
        })
    });
    // `dur>` is applied by no server of these providers: the loaded calls are filtered again.
    let mut longer = false;
    g.bench_function("refilter_local_to_frame", |b| {
        b.iter(|| {
            longer = !longer;
            let text = if longer { "dur>5m" } else { "dur>6m" };
            state.input = Some((InputKind::Filter, Input::new(text)));
            let effects = update(&mut state, key(KeyCode::Enter));
            assert!(effects.is_empty(), "no request: {effects:?}");
            term.draw(|f| callbrowser::ui::draw(f, &state)).unwrap();
            state.list.rows.visible.len()
        })
    });
    state.input = Some((InputKind::Filter, Input::new("")));
    let _ = update(&mut state, key(KeyCode::Enter));
    // `o`: the next column (time, duration, caller, status, provider, triage, …), each a sort of
    // the 100,000 calls.
    g.bench_function("sort_to_frame", |b| {
        b.iter(|| {
            let effects = update(&mut state, key(KeyCode::Char('o')));
            term.draw(|f| callbrowser::ui::draw(f, &state)).unwrap();
            effects.len()
        })
    });
    // The slowest column to sort: text, made afresh each time.
    g.bench_function("sort_by_caller_to_frame", |b| {
        b.iter(|| {
            state.list.sort = callbrowser::model::sort::Sort::parse("duration").unwrap();
            state.list.rows.sorted = None;
            let effects = update(&mut state, key(KeyCode::Char('o')));
            assert_eq!(
                state.list.sort.column,
                callbrowser::model::sort::SortColumn::Caller
            );
            term.draw(|f| callbrowser::ui::draw(f, &state)).unwrap();
            effects.len()
        })
    });
    // A reversed sort and the worst filter: most calls pass, in a list sorted
    // by caller (the sort is not made again: the order of every call is kept).
    state.list.sort = callbrowser::model::sort::Sort::parse("caller").unwrap();
    g.bench_function("sort_by_caller_flip_to_frame", |b| {
        b.iter(|| {
            let effects = update(&mut state, key(KeyCode::Char('O')));
            term.draw(|f| callbrowser::ui::draw(f, &state)).unwrap();
            effects.len()
        })
    });
    let mut longer = false;
    g.bench_function("refilter_most_pass_sorted_to_frame", |b| {
        b.iter(|| {
            longer = !longer;
            let text = if longer { "dur>1s" } else { "dur>2s" };
            state.input = Some((InputKind::Filter, Input::new(text)));
            let effects = update(&mut state, key(KeyCode::Enter));
            assert!(effects.is_empty(), "no request: {effects:?}");
            term.draw(|f| callbrowser::ui::draw(f, &state)).unwrap();
            state.list.rows.visible.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
