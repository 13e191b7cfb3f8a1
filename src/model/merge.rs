//! The merged inbox's k-way merge (issue 12's All calls): several sources, each listing its calls
//! newest first page by page, merged into one list newest first. A call is given out only once
//! every source still running has told what it has at least that new, so the order depends on
//! the calls alone — never on which page answered first — and a source is asked for its next page
//! only when the merge needs it. A call seen twice (a source's list moved while it was paged, new
//! calls arriving at the top) is given out once. A failed source stops taking part; its absence is
//! the caller's to show.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;

/// How one source stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceState {
    /// More pages may come.
    Open,
    /// Its last page came.
    Done,
    /// It failed: why.
    Failed(String),
}

#[derive(Debug)]
struct Source<T> {
    buffered: VecDeque<T>,
    state: SourceState,
    /// A page was asked for and has not answered.
    asked: bool,
    /// Slow: not waited for (see [`Merge::set_aside`]).
    aside: bool,
}

/// The merge of `n` sources of `T`, ordered by `key` (greater first: newest first), deduplicated
/// by `id`.
pub struct Merge<T, K, I> {
    sources: Vec<Source<T>>,
    key: fn(&T) -> K,
    id: fn(&T) -> I,
    given: HashSet<I>,
}

impl<T, K: Ord, I: Eq + Hash> Merge<T, K, I> {
    pub fn new(sources: usize, key: fn(&T) -> K, id: fn(&T) -> I) -> Self {
        Merge {
            sources: (0..sources)
                .map(|_| Source {
                    buffered: VecDeque::new(),
                    state: SourceState::Open,
                    asked: false,
                    aside: false,
                })
                .collect(),
            key,
            id,
            given: HashSet::new(),
        }
    }

    /// The sources whose next page the merge needs now (empty buffer, open, not asked yet);
    /// the caller asks them and marks them with [`Merge::asked`].
    pub fn needs(&self) -> Vec<usize> {
        self.sources
            .iter()
            .enumerate()
            .filter(|(_, s)| s.buffered.is_empty() && s.state == SourceState::Open && !s.asked)
            .map(|(i, _)| i)
            .collect()
    }

    /// A source found later (a parent listed after the merge began); its index.
    pub fn add_source(&mut self) -> usize {
        self.sources.push(Source {
            buffered: VecDeque::new(),
            state: SourceState::Open,
            asked: false,
            aside: false,
        });
        self.sources.len() - 1
    }

    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// `source` is slow: the merge goes on without waiting for it (its calls, when they come,
    /// are given out as they are and belong where their time puts them: the caller places
    /// them). Its next page ends that.
    pub fn set_aside(&mut self, source: usize) {
        if let Some(s) = self.sources.get_mut(source) {
            s.aside = true;
        }
    }

    /// Whether `source` is set aside as slow.
    pub fn is_aside(&self, source: usize) -> bool {
        self.sources.get(source).is_some_and(|s| s.aside)
    }

    pub fn asked(&mut self, source: usize) {
        if let Some(s) = self.sources.get_mut(source) {
            s.asked = true;
        }
    }

    /// A page of `source`, newest first; `more`: whether pages follow.
    pub fn page(&mut self, source: usize, items: Vec<T>, more: bool) {
        let Some(s) = self.sources.get_mut(source) else {
            return;
        };
        s.asked = false;
        s.aside = false;
        s.buffered.extend(items);
        if !more {
            s.state = SourceState::Done;
        }
    }

    /// `source` failed: it takes no further part (what it gave stays merged).
    pub fn fail(&mut self, source: usize, why: String) {
        if let Some(s) = self.sources.get_mut(source) {
            s.asked = false;
            s.buffered.clear();
            s.state = SourceState::Failed(why);
        }
    }

    pub fn state(&self, source: usize) -> Option<&SourceState> {
        self.sources.get(source).map(|s| &s.state)
    }

    /// Whether every source has given everything (or failed).
    pub fn finished(&self) -> bool {
        self.sources
            .iter()
            .all(|s| s.state != SourceState::Open && s.buffered.is_empty())
    }

    /// Gives out up to `want` calls in merged order, as far as every open source allows: a call
    /// is the newest left only once each open source has one buffered to compare with.
    pub fn take(&mut self, want: usize) -> Vec<T> {
        let mut out = Vec::new();
        while out.len() < want {
            let blocked = self
                .sources
                .iter()
                .any(|s| s.buffered.is_empty() && s.state == SourceState::Open && !s.aside);
            if blocked {
                break;
            }
            // The newest head; ties go to the lower source index (a fixed order).
            let mut best: Option<(usize, K)> = None;
            for (i, s) in self.sources.iter().enumerate() {
                if let Some(head) = s.buffered.front() {
                    let k = (self.key)(head);
                    if best.as_ref().is_none_or(|(_, b)| k > *b) {
                        best = Some((i, k));
                    }
                }
            }
            let Some((i, _)) = best else {
                break;
            };
            let Some(item) = self.sources[i].buffered.pop_front() else {
                break;
            };
            if self.given.insert((self.id)(&item)) {
                out.push(item);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(n: usize) -> Merge<(u32, u32), u32, (u32, u32)> {
        Merge::new(n, |c| c.1, |c| *c)
    }

    #[test]
    fn gives_out_only_what_every_open_source_allows() {
        let mut m = merge(2);
        assert_eq!(m.needs(), vec![0, 1]);
        m.asked(0);
        m.asked(1);
        m.page(0, vec![(0, 90), (0, 50)], true);
        // Source 1 has not answered: nothing can be given yet.
        assert!(m.take(10).is_empty());
        m.page(1, vec![(1, 70)], true);
        assert_eq!(m.take(10), vec![(0, 90), (1, 70)]);
        // Source 1 is empty again and open: it is needed before 50 can go.
        assert_eq!(m.needs(), vec![1]);
        m.page(1, vec![], false);
        assert_eq!(m.take(10), vec![(0, 50)]);
        assert_eq!(m.needs(), vec![0]);
        m.fail(0, "offline".into());
        assert!(m.finished());
        assert_eq!(m.state(0), Some(&SourceState::Failed("offline".into())));
    }

    #[test]
    fn a_call_seen_twice_is_given_once() {
        let mut m = merge(1);
        m.page(0, vec![(0, 9), (0, 8)], true);
        assert_eq!(m.take(1), vec![(0, 9)]);
        // The list moved: the next page repeats 8.
        m.page(0, vec![(0, 8), (0, 7)], false);
        assert_eq!(m.take(10), vec![(0, 8), (0, 7)]);
    }
}
