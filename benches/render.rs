//! One frame of the main screen with many calls loaded, and a key press through `update` to the
//! next frame (the PRODUCT.md budget: ≤ 16 ms with 100,000 calls).

use callbrowser::app::msg::Msg;
use callbrowser::app::update::update;
use callbrowser::fixtures::loaded_state;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    for calls in [10_000usize, 100_000] {
        let (w, h) = (160, 45);
        let mut state = loaded_state(calls, (w, h));
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        state.list.view.cursor = calls / 2;
        g.bench_with_input(
            BenchmarkId::new("main_screen_frame", calls),
            &calls,
            |b, _| {
                b.iter(|| {
                    term.draw(|f| callbrowser::ui::draw(f, &state))
                        .unwrap()
                        .area
                        .width
                })
            },
        );
        let down = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
        let up = KeyEvent::new(KeyCode::Char('k'), KeyModifiers::NONE);
        let mut flip = false;
        g.bench_with_input(BenchmarkId::new("key_to_frame", calls), &calls, |b, _| {
            b.iter(|| {
                flip = !flip;
                let effects = update(&mut state, Msg::Key(if flip { down } else { up }));
                term.draw(|f| callbrowser::ui::draw(f, &state)).unwrap();
                effects.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
