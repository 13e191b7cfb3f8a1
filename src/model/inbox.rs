//! The merged inbox (All calls, or one provider's every scope): which pages to ask for, and the
//! calls in merged order as they come. It is plain state, driven from outside — by the TUI's job
//! runner (each [`Ask`] an effect, each answer a message) and by the command line's loop — so the
//! screen and a script get the same calls in the same order.
//!
//! Each provider is one source, or — where calls live under a parent (Welkin patients, TalkPilot
//! agents, Voxeme accounts, AlloMia organizations) and none is pinned — its parents are listed
//! first and each parent is a source. The sources feed a k-way [`Merge`]: a source is asked for
//! its next page only when the merge needs it, at the API's largest page, with at most
//! [`MAX_IN_FLIGHT`] requests of one provider under way (the fan-out over Welkin's patients is
//! bounded). A source that fails is dropped and counted; a provider whose parents cannot be
//! listed is absent, with its reason; a slow source is set aside after [`SLOW`] so the others
//! keep flowing (its calls, when they come, go where their time puts them).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::merge::{Merge, SourceState};
use super::{Call, Capabilities, Filter, Page, PageRequest, ProviderId, Scope};

/// Requests of one provider under way at once.
pub const MAX_IN_FLIGHT: usize = 4;
/// A source that has not answered for this long is set aside (not waited for).
pub const SLOW: Duration = Duration::from_secs(3);

/// What the inbox wants fetched.
#[derive(Clone, Debug, PartialEq)]
pub enum Ask {
    /// A page of a provider's parents (those `search` finds, when given).
    Scopes {
        provider: ProviderId,
        search: Option<String>,
        page: PageRequest,
    },
    /// A page of calls of source `source`.
    Calls {
        source: usize,
        provider: ProviderId,
        scope: Option<String>,
        filter: Filter,
        page: PageRequest,
    },
}

/// One provider taking part.
#[derive(Clone, Debug)]
pub struct Member {
    pub provider: ProviderId,
    pub label: String,
    pub caps: Capabilities,
    /// The scope configuration pins, if any (then it is the only source).
    pub pinned: Option<Scope>,
    /// The filter as this provider reads it (its server part is sent).
    pub filter: Filter,
    /// A search of its parents that narrows them before their calls are listed (Welkin
    /// patients by `mrn:` or name).
    pub scope_search: Option<String>,
}

/// The filter keys that search a provider's patients rather than calls: `mrn:MRN-00123` and
/// `patient:Doe`.
pub const PATIENT_KEYS: [&str; 2] = ["mrn", "patient"];

/// Splits a filter line into the patient search it holds (`mrn:X` → `mrn:X`, `patient:Doe` →
/// `Doe`, several joined by spaces) and the rest, which filters calls.
pub fn split_patient_search(text: &str) -> (Option<String>, String) {
    let (mut search, mut rest) = (Vec::new(), Vec::new());
    for tok in text.split_whitespace() {
        match tok.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("mrn") => search.push(format!("mrn:{v}")),
            Some((k, v)) if k.eq_ignore_ascii_case("patient") => search.push(v.to_string()),
            _ => rest.push(tok),
        }
    }
    (
        (!search.is_empty()).then(|| search.join(" ")),
        rest.join(" "),
    )
}

/// How a provider stands in the inbox, for the screen and the command line's notes.
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    pub provider: ProviderId,
    pub label: String,
    /// Parents found so far (`None`: calls are not listed per parent).
    pub scopes: Option<usize>,
    /// Whether the parent list is complete.
    pub scopes_done: bool,
    /// Sources that failed, and the last reason.
    pub failed: usize,
    pub reason: Option<String>,
    /// The provider is absent altogether (its parents could not be listed): why.
    pub absent: Option<String>,
    /// Sources set aside as slow right now.
    pub slow: usize,
    /// Sources with every page read.
    pub done: usize,
    /// Calls given out so far.
    pub calls: usize,
    /// Requests made.
    pub requests: usize,
}

#[derive(Debug)]
struct Part {
    member: Member,
    /// The next page of parents to ask for; `None` when none is needed or all are listed.
    scopes_next: Option<u32>,
    scopes_asked: bool,
    in_flight: usize,
    standing: Standing,
}

#[derive(Debug)]
struct Cursor {
    part: usize,
    scope: Option<String>,
    next_page: u32,
    asked_at: Option<Instant>,
}

type Item = (ProviderId, Call);

fn key(item: &Item) -> Option<DateTime<Utc>> {
    item.1.started_at
}

fn id(item: &Item) -> (ProviderId, String) {
    (item.0, item.1.id.clone())
}

/// The merged inbox's state.
pub struct Inbox {
    parts: Vec<Part>,
    cursors: Vec<Cursor>,
    merge: Merge<Item, Option<DateTime<Utc>>, (ProviderId, String)>,
}

impl Inbox {
    pub fn new(members: Vec<Member>) -> Inbox {
        let mut inbox = Inbox {
            parts: Vec::new(),
            cursors: Vec::new(),
            merge: Merge::new(0, key, id),
        };
        for member in members {
            let part = inbox.parts.len();
            let scoped = member.caps.scope_noun.is_some() && member.pinned.is_none();
            let standing = Standing {
                provider: member.provider,
                label: member.label.clone(),
                scopes: scoped.then_some(0),
                scopes_done: !scoped,
                failed: 0,
                reason: None,
                absent: None,
                slow: 0,
                done: 0,
                calls: 0,
                requests: 0,
            };
            let pinned = member.pinned.as_ref().map(|s| s.id.clone());
            inbox.parts.push(Part {
                member,
                scopes_next: scoped.then_some(1),
                scopes_asked: false,
                in_flight: 0,
                standing,
            });
            if !scoped {
                inbox.add_cursor(part, pinned);
            }
        }
        inbox
    }

    fn add_cursor(&mut self, part: usize, scope: Option<String>) {
        let i = self.merge.add_source();
        debug_assert_eq!(i, self.cursors.len());
        self.cursors.push(Cursor {
            part,
            scope,
            next_page: 1,
            asked_at: None,
        });
    }

    fn part_of(&self, provider: ProviderId) -> Option<usize> {
        self.parts
            .iter()
            .position(|p| p.member.provider == provider)
    }

    /// What to fetch now (each ask is marked as under way).
    pub fn asks(&mut self) -> Vec<Ask> {
        let mut out = Vec::new();
        for part in &mut self.parts {
            if let Some(page) = part.scopes_next
                && !part.scopes_asked
            {
                part.scopes_asked = true;
                part.standing.requests += 1;
                out.push(Ask::Scopes {
                    provider: part.member.provider,
                    search: part.member.scope_search.clone(),
                    page: PageRequest { page, size: 100 },
                });
            }
        }
        // Until every provider's parents are listed nothing can be given out, so the calls of
        // the parents found so far are fetched meanwhile, within each provider's bound.
        for source in self.merge.needs() {
            let Some(c) = self.cursors.get_mut(source) else {
                continue;
            };
            let part = &mut self.parts[c.part];
            if part.in_flight >= MAX_IN_FLIGHT {
                continue;
            }
            part.in_flight += 1;
            part.standing.requests += 1;
            c.asked_at = Some(Instant::now());
            self.merge.asked(source);
            out.push(Ask::Calls {
                source,
                provider: part.member.provider,
                scope: c.scope.clone(),
                filter: part.member.filter.server_part(&part.member.caps),
                page: PageRequest {
                    page: c.next_page,
                    size: part.member.caps.max_page_size.max(1),
                },
            });
        }
        out
    }

    /// A page of `provider`'s parents came (or failed).
    pub fn on_scopes(&mut self, provider: ProviderId, result: Result<Page<Scope>, String>) {
        let Some(p) = self.part_of(provider) else {
            return;
        };
        self.parts[p].scopes_asked = false;
        match result {
            Ok(page) => {
                let more = page.has_more && !page.items.is_empty();
                let n = page.items.len();
                for scope in page.items {
                    self.add_cursor(p, Some(scope.id));
                }
                let part = &mut self.parts[p];
                part.standing.scopes = Some(part.standing.scopes.unwrap_or(0) + n);
                part.scopes_next = if more { Some(page.page + 1) } else { None };
                part.standing.scopes_done = !more;
            }
            Err(why) => {
                // Without its whole parent list the provider cannot be merged in order: it is
                // left out, and says why.
                let part = &mut self.parts[p];
                part.scopes_next = None;
                part.standing.scopes_done = true;
                part.standing.absent = Some(why.clone());
                for (i, c) in self.cursors.iter().enumerate() {
                    if c.part == p {
                        self.merge.fail(i, why.clone());
                    }
                }
            }
        }
    }

    /// A page of source `source`'s calls came (or failed). Vendor fields are dropped: a list
    /// row does not hold them.
    pub fn on_calls(&mut self, source: usize, result: Result<Page<Call>, String>) {
        let Some(c) = self.cursors.get_mut(source) else {
            return;
        };
        c.asked_at = None;
        let part = &mut self.parts[c.part];
        part.in_flight = part.in_flight.saturating_sub(1);
        if part.standing.absent.is_some() {
            return;
        }
        match result {
            Ok(page) => {
                c.next_page = page.page.saturating_add(1);
                let more = page.has_more && !page.items.is_empty();
                let provider = part.member.provider;
                let items = page
                    .items
                    .into_iter()
                    .map(|mut call| {
                        call.fields = Vec::new();
                        (provider, call)
                    })
                    .collect();
                self.merge.page(source, items, more);
            }
            Err(why) => {
                part.standing.failed += 1;
                part.standing.reason = Some(why.clone());
                self.merge.fail(source, why);
            }
        }
    }

    /// Sets aside the sources asked more than [`SLOW`] before `now` (the others go on without
    /// them); whether any was newly set aside.
    pub fn set_aside_slow(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for (i, c) in self.cursors.iter().enumerate() {
            if let Some(at) = c.asked_at
                && now.duration_since(at) >= SLOW
                && !self.merge.is_aside(i)
            {
                self.merge.set_aside(i);
                changed = true;
            }
        }
        changed
    }

    /// Whether every provider's parents are listed (before that, nothing can be given out).
    pub fn scopes_known(&self) -> bool {
        self.parts.iter().all(|p| p.scopes_next.is_none())
    }

    /// Up to `want` calls in merged order, newest first, each once.
    pub fn take(&mut self, want: usize) -> Vec<Item> {
        if !self.scopes_known() {
            return Vec::new();
        }
        let out = self.merge.take(want);
        for (provider, _) in &out {
            if let Some(p) = self.part_of(*provider) {
                self.parts[p].standing.calls += 1;
            }
        }
        out
    }

    /// Whether everything was given out (or failed): no more pages.
    pub fn finished(&self) -> bool {
        self.scopes_known() && self.merge.finished()
    }

    /// Whether a request is under way.
    pub fn loading(&self) -> bool {
        self.parts.iter().any(|p| p.in_flight > 0 || p.scopes_asked)
    }

    /// How each provider stands.
    pub fn standings(&self) -> Vec<Standing> {
        self.parts
            .iter()
            .enumerate()
            .map(|(pi, p)| {
                let mut s = p.standing.clone();
                let mine = || {
                    self.cursors
                        .iter()
                        .enumerate()
                        .filter(move |(_, c)| c.part == pi)
                };
                s.slow = mine().filter(|(i, _)| self.merge.is_aside(*i)).count();
                s.done = mine()
                    .filter(|(i, _)| self.merge.state(*i) == Some(&SourceState::Done))
                    .count();
                s
            })
            .collect()
    }

    /// One line on what is missing from the merge (failed, absent or slow providers), or `None`
    /// when every source is taking part.
    pub fn missing(&self) -> Option<String> {
        let mut parts = Vec::new();
        for s in self.standings() {
            if let Some(why) = &s.absent {
                parts.push(format!("{} absent ({why})", s.label));
                continue;
            }
            let sources = s.scopes.unwrap_or(1);
            if s.failed > 0 {
                let reason = s.reason.as_deref().unwrap_or("");
                parts.push(if s.failed >= sources {
                    format!("{} absent ({reason})", s.label)
                } else {
                    format!("{}: {} of {sources} failed ({reason})", s.label, s.failed)
                });
            }
            if s.slow > 0 {
                parts.push(format!("{} slow, not waited for", s.label));
            }
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, ProviderKind};
    use std::sync::Arc;

    fn caps(scoped: bool) -> Capabilities {
        let mut c = crate::providers::capabilities_of(ProviderKind::Solum);
        c.scope_noun = scoped.then_some("agent");
        c.max_page_size = 2;
        c
    }

    fn member(i: u16, scoped: bool) -> Member {
        Member {
            provider: ProviderId(i),
            label: format!("P{i}"),
            caps: caps(scoped),
            pinned: None,
            filter: Filter::default(),
            scope_search: None,
        }
    }

    #[test]
    fn a_patient_search_is_split_from_the_call_filter() {
        assert_eq!(
            split_patient_search("since:7d mrn:MRN-00123 patient:Doe rechnung"),
            (Some("mrn:MRN-00123 Doe".into()), "since:7d rechnung".into())
        );
        assert_eq!(split_patient_search("since:7d"), (None, "since:7d".into()));
    }

    fn call(id: &str, minute: u32) -> Call {
        let account = Arc::new(Account::new(ProviderKind::Solum, "https://x", None));
        let mut c = Call::new(&account, None, id);
        c.started_at = Some(
            format!("2026-01-01T10:{minute:02}:00Z")
                .parse()
                .expect("time"),
        );
        c.fields = vec![("k".into(), "v".into())];
        c
    }

    fn page<T>(items: Vec<T>, page: u32, more: bool) -> Page<T> {
        Page {
            page_size: 2,
            total_items: None,
            total_pages: None,
            has_more: more,
            unreadable: 0,
            page,
            items,
        }
    }

    #[test]
    fn parents_are_listed_first_then_merged_newest_first() {
        let mut inbox = Inbox::new(vec![member(0, false), member(1, true)]);
        let asks = inbox.asks();
        assert_eq!(asks.len(), 2, "{asks:?}");
        assert!(matches!(asks[0], Ask::Scopes { .. }));
        assert!(matches!(asks[1], Ask::Calls { source: 0, .. }));
        inbox.on_calls(0, Ok(page(vec![call("a", 50), call("b", 10)], 1, false)));
        // Provider 1's parents are not known: nothing can be given out yet.
        assert!(inbox.take(10).is_empty());
        let scope = |id: &str| Scope {
            id: id.into(),
            name: id.into(),
            detail: None,
        };
        inbox.on_scopes(
            ProviderId(1),
            Ok(page(vec![scope("s1"), scope("s2")], 1, false)),
        );
        let asks = inbox.asks();
        assert_eq!(asks.len(), 2, "{asks:?}");
        inbox.on_calls(1, Ok(page(vec![call("c", 40)], 1, false)));
        inbox.on_calls(2, Err("offline".into()));
        let got: Vec<String> = inbox.take(10).into_iter().map(|(_, c)| c.id).collect();
        assert_eq!(got, ["a", "c", "b"]);
        assert!(inbox.finished());
        let missing = inbox.missing().expect("a failure is said");
        assert!(missing.contains("P1: 1 of 2 failed (offline)"), "{missing}");
    }

    #[test]
    fn the_fan_out_over_parents_is_bounded() {
        let mut inbox = Inbox::new(vec![member(0, true)]);
        inbox.asks();
        let scopes = (0..10)
            .map(|i| Scope {
                id: format!("s{i}"),
                name: String::new(),
                detail: None,
            })
            .collect();
        inbox.on_scopes(ProviderId(0), Ok(page(scopes, 1, false)));
        assert_eq!(inbox.asks().len(), MAX_IN_FLIGHT);
        assert!(inbox.asks().is_empty(), "nothing more until one answers");
        inbox.on_calls(0, Ok(page(vec![], 1, false)));
        assert_eq!(inbox.asks().len(), 1);
    }

    #[test]
    fn a_slow_source_is_set_aside_and_its_calls_come_later() {
        let mut inbox = Inbox::new(vec![member(0, false), member(1, false)]);
        inbox.asks();
        inbox.on_calls(0, Ok(page(vec![call("a", 50), call("b", 10)], 1, false)));
        assert!(inbox.take(10).is_empty());
        assert!(inbox.set_aside_slow(Instant::now() + SLOW));
        let got: Vec<String> = inbox.take(10).into_iter().map(|(_, c)| c.id).collect();
        assert_eq!(got, ["a", "b"]);
        assert!(inbox.missing().expect("said").contains("P1 slow"));
        inbox.on_calls(1, Ok(page(vec![call("c", 40)], 1, false)));
        let got: Vec<(ProviderId, Call)> = inbox.take(10);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.fields.is_empty(), "vendor fields are not kept");
        assert!(inbox.finished());
        assert_eq!(inbox.missing(), None);
    }

    #[test]
    fn a_provider_whose_parents_fail_is_absent() {
        let mut inbox = Inbox::new(vec![member(0, false), member(1, true)]);
        inbox.asks();
        inbox.on_scopes(ProviderId(1), Err("unreachable".into()));
        inbox.on_calls(0, Ok(page(vec![call("a", 50)], 1, false)));
        assert_eq!(inbox.take(10).len(), 1);
        assert!(inbox.finished());
        assert_eq!(inbox.missing().as_deref(), Some("P1 absent (unreachable)"));
    }
}
