//! Transcript layout: 300 and 3,000 turns, in the narrow (gutter) and wide (bubble) layouts.

use callbrowser::fixtures::german_turns;
use callbrowser::layout::transcript::layout;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("transcript_layout");
    for turns in [300usize, 3000] {
        let t = german_turns(turns);
        for width in [50u16, 120] {
            g.bench_with_input(
                BenchmarkId::new(format!("{turns}_turns"), width),
                &width,
                |b, &w| {
                    b.iter(|| {
                        let mut out = Vec::new();
                        let mut m = Vec::new();
                        layout(black_box(&t), w, "", &mut out, &mut m);
                        out.len()
                    })
                },
            );
        }
        // With a search: every line is scanned for matches as it is laid out.
        g.bench_with_input(
            BenchmarkId::new(format!("{turns}_turns_search"), 120),
            &120u16,
            |b, &w| {
                b.iter(|| {
                    let mut out = Vec::new();
                    let mut m = Vec::new();
                    layout(black_box(&t), w, "termin", &mut out, &mut m);
                    m.len()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
