//! The merged inbox's k-way merge: whatever order the sources' pages answer in, the calls come out
//! in the same order — the calls' own — each once, and every call of every source comes out.

use callbrowser::model::merge::Merge;
use proptest::prelude::*;

type Call = (usize, u32, u32); // (source, time, serial)

fn key(c: &Call) -> u32 {
    c.1
}

fn id(c: &Call) -> (usize, u32) {
    (c.0, c.2)
}

/// Sources of calls newest first, each cut into pages of the given sizes.
fn sources() -> impl Strategy<Value = Vec<Vec<Vec<Call>>>> {
    prop::collection::vec((prop::collection::vec(0u32..50, 0..40), 1usize..7), 1..5).prop_map(
        |srcs| {
            srcs.into_iter()
                .enumerate()
                .map(|(s, (mut times, page))| {
                    times.sort_unstable_by(|a, b| b.cmp(a));
                    let calls: Vec<Call> = times
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| (s, t, i as u32))
                        .collect();
                    calls.chunks(page).map(<[Call]>::to_vec).collect()
                })
                .collect()
        },
    )
}

/// Runs the merge with pages answering in the order `choices` picks, taking `takes` at a time.
fn run(pages: &[Vec<Vec<Call>>], choices: &[usize], takes: &[usize]) -> Vec<Call> {
    let mut m: Merge<Call, u32, (usize, u32)> = Merge::new(pages.len(), key, id);
    let mut next_page = vec![0usize; pages.len()];
    let mut asked: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let mut step = 0;
    while !m.finished() {
        for s in m.needs() {
            m.asked(s);
            asked.push(s);
        }
        let pick = choices
            .get(step % choices.len().max(1))
            .copied()
            .unwrap_or(0);
        let want = takes.get(step % takes.len().max(1)).copied().unwrap_or(1);
        step += 1;
        if !asked.is_empty() {
            let s = asked.remove(pick % asked.len());
            let p = next_page[s];
            next_page[s] += 1;
            let items = pages[s].get(p).cloned().unwrap_or_default();
            m.page(s, items, p + 1 < pages[s].len());
        }
        out.extend(m.take(want));
        assert!(step < 100_000, "the merge never finishes");
    }
    out
}

proptest! {
    #[test]
    fn any_interleaving_of_page_answers_gives_the_same_order(
        pages in sources(),
        choices in prop::collection::vec(0usize..8, 1..20),
        takes in prop::collection::vec(1usize..10, 1..10),
    ) {
        let all: Vec<Call> = pages.iter().flatten().flatten().copied().collect();
        // The reference: every page at once, taken in one go.
        let reference = run(&pages, &[0], &[usize::MAX]);
        let got = run(&pages, &choices, &takes);
        prop_assert_eq!(&got, &reference);
        prop_assert_eq!(got.len(), all.len(), "every call, once");
        prop_assert!(got.windows(2).all(|w| w[0].1 >= w[1].1), "newest first");
    }
}
