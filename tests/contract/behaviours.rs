//! The behaviours every provider keeps, written once, generic over the pair.

use std::time::{Duration, Instant};

use callbrowser::http::HttpNotice;
use callbrowser::model::{Filter, PageRequest, RecordingRef, Speaker, Transcript};
use callbrowser::providers::{Health, Provider, ProviderError};
use callbrowser_emulators::Fault;

use crate::harness::{
    At, Fetch, Kind, Malformed, Offer, Pair, Present, Query, all_calls, each_once, ids, impatient,
    read_all, read_head, starts_as, with,
};

fn first_page(size: u32) -> PageRequest {
    PageRequest { page: 1, size }
}

/// The parent level pages to its end and is searched on the server; one record with wrong types
/// does not hide its page. Without a parent level: an empty list, and no request.
pub async fn scopes_page_and_search<P: Pair>() {
    let p = P::start().await;
    let a = p.adapter();
    let Some(want) = p.scopes() else {
        assert_eq!(a.capabilities().scope_noun, None);
        p.clear_requests();
        let none = a.list_scopes(None, first_page(100)).await.unwrap();
        assert!(none.items.is_empty() && !none.has_more);
        assert_eq!(p.list_requests().map(|r| r.len()), Some(0), "no request");
        return;
    };
    assert_eq!(a.capabilities().scope_noun, Some(want.noun));
    let mut got = Vec::new();
    for page in 1.. {
        let req = PageRequest {
            page,
            size: want.page,
        };
        let s = a.list_scopes(None, req).await.unwrap();
        assert_eq!((s.page, s.unreadable), (page, 0));
        got.extend(s.items.into_iter().map(|s| s.id));
        if !s.has_more {
            break;
        }
        assert!(page < 100, "paging never ends");
    }
    each_once(&got);
    assert_eq!(got, want.ids);
    let found = a
        .list_scopes(Some(want.search), first_page(100))
        .await
        .unwrap();
    let found: Vec<String> = found.items.into_iter().map(|s| s.id).collect();
    assert_eq!(found, want.found, "{}", want.search);
    p.fault_on_scopes(Fault::WrongTypesRecord);
    let page = a.list_scopes(None, first_page(want.page)).await.unwrap();
    let n = want.ids.len().min(want.page as usize);
    match p.malformed() {
        Malformed::Unreadable => assert_eq!((page.items.len(), page.unreadable), (n - 1, 1)),
        Malformed::ReadableAs(id) => {
            assert_eq!((page.items.len(), page.unreadable), (n, 0));
            assert!(page.items.iter().any(|s| s.id == id));
        }
    }
}

/// A scope pinned by configuration: calls are listed without naming it, under it, and read by
/// id alone. Without a pin and without a scope: one sentence asking to choose one.
pub async fn a_pinned_scope_needs_no_parent_list<P: Pair>() {
    let p = P::start().await;
    let Some(pinned) = p.pinned() else {
        assert_eq!(p.adapter().capabilities().scope_noun, None);
        assert_eq!(p.adapter().pinned_scope(), None);
        return;
    };
    let a = &pinned.adapter.provider;
    assert_eq!(a.pinned_scope(), Some(&pinned.scope));
    let id = Some(pinned.scope.id.clone());
    let page = a
        .list_calls(None, &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap();
    assert_eq!(ids(&page.items), p.listed_ids()[..P::PAGE as usize]);
    assert!(page.items.iter().all(|c| c.scope == id), "under the pin");
    let d = a.detail(&At::new(None, &page.items[0].id)).await.unwrap();
    assert_eq!((&d.call.id, &d.call.scope), (&page.items[0].id, &id));
    a.check().await.unwrap();
    assert_eq!(p.adapter().pinned_scope(), None);
    let e = p
        .adapter()
        .list_calls(None, &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
    assert_eq!(e.to_string(), pinned.unpinned);
}

/// Paging to the last page: every call exactly once in the server's order, one request per
/// page numbered as the API counts, totals consistent, a size past the API's maximum clamped
/// to it, and a page past the end empty.
pub async fn pages_to_the_last_page<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    let want = p.listed_ids();
    let pages = want.len().div_ceil(P::PAGE as usize);
    assert!(pages > 2, "{} calls make several pages", want.len());
    p.clear_requests();
    let calls = all_calls(a, scope.as_deref(), &Filter::default(), P::PAGE).await;
    let got = ids(&calls);
    each_once(&got);
    assert_eq!(got, want, "every call, in the server's order");
    assert!(
        calls.iter().all(|c| c.scope == scope),
        "listed under the scope"
    );
    if let Some(seen) = p.list_requests() {
        let asked: Vec<Query> = seen.iter().map(|s| s.query.clone()).collect();
        let pages: Vec<Query> = (1..=pages as u32)
            .map(|n| p.base_query(n, P::PAGE))
            .collect();
        assert_eq!(asked, pages, "one request per page, stopping at the last");
        assert!(seen.iter().all(|s| s.authorized), "with credentials");
    }
    let first = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap();
    assert_eq!(first.page_size, P::PAGE);
    assert_eq!(first.total_items, Some(want.len() as u64));
    assert_eq!(first.total_pages, Some(pages as u32));
    assert!(first.has_more);
    // More than the API allows is asked for as its maximum.
    let max = a.capabilities().max_page_size;
    let big = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(max * 5))
        .await
        .unwrap();
    assert_eq!(big.page_size, max);
    let n = want.len().min(max as usize);
    assert_eq!(ids(&big.items), want[..n]);
    assert_eq!(big.has_more, want.len() > n);
    let past = PageRequest {
        page: pages as u32 + 5,
        size: P::PAGE,
    };
    let past = a
        .list_calls(scope.as_deref(), &Filter::default(), past)
        .await
        .unwrap();
    assert!(past.items.is_empty() && !past.has_more, "past the end");
}

/// Every documented server-side filter reaches the server as its query parameter, on every
/// page, and the server's answer is the emulator's records filtered.
pub async fn server_filters_reach_the_server<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    let caps = a.capabilities();
    let cases = p.filter_cases();
    for key in caps.server_filters {
        let key = if *key == Filter::PHONE_EXACT {
            "phone"
        } else {
            key
        };
        assert!(
            cases.iter().any(|c| c.filter.keys_used().contains(&key)),
            "the server-side key {key} has a case"
        );
    }
    let size = caps.max_page_size.min(100);
    for case in &cases {
        let label = &case.label;
        assert!(case.filter.local_keys(caps).is_empty(), "{label}: local");
        assert!(case.ids.is_some() || case.check.is_some(), "{label}");
        let planned = p.planned_query(&case.filter, first_page(size));
        assert_eq!(planned, with(p.base_query(1, size), &case.sent), "{label}");
        p.clear_requests();
        let got = all_calls(a, scope.as_deref(), &case.filter, size).await;
        each_once(&ids(&got));
        if let Some(want) = &case.ids {
            assert!(
                !want.is_empty(),
                "{label}: the reference has nothing to find"
            );
            assert_eq!(&ids(&got), want, "{label}");
        }
        if let Some(check) = &case.check {
            check(&got);
        }
        if let Some(seen) = p.list_requests() {
            assert!(!seen.is_empty(), "{label}");
            for (i, s) in seen.iter().enumerate() {
                let want = with(p.base_query(i as u32 + 1, size), &case.sent);
                assert_eq!(
                    s.query,
                    want,
                    "{label}: page {} as the server saw it",
                    i + 1
                );
            }
        }
    }
}

/// A filter that mixes keys the server applies with keys it cannot: only the server's reach
/// it, the rest are reported as local, and the answer is the server part's.
pub async fn local_filter_keys_are_not_sent<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    let caps = a.capabilities();
    let mixed = p.mixed_filter();
    let f = p.parse(mixed.line);
    assert_eq!(f.local_keys(caps), mixed.local, "{}", mixed.line);
    let size = caps.max_page_size.min(100);
    let want = with(p.base_query(1, size), &mixed.sent);
    assert_eq!(p.planned_query(&f, first_page(size)), want);
    p.clear_requests();
    let got = a
        .list_calls(scope.as_deref(), &f, first_page(size))
        .await
        .unwrap();
    if let Some(seen) = p.list_requests() {
        let asked: Vec<Query> = seen.iter().map(|s| s.query.clone()).collect();
        assert_eq!(asked, vec![want], "only the server's keys are sent");
    }
    let server = a
        .list_calls(scope.as_deref(), &f.server_part(caps), first_page(size))
        .await
        .unwrap();
    assert_eq!(
        ids(&got.items),
        ids(&server.items),
        "the adapter filters nothing"
    );
}

/// The detail of a listed call is that call, and an unknown id is one clear "not found".
pub async fn detail_of_a_listed_call<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    let page = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap();
    for listed in &page.items[..3] {
        let d = a.detail(&p.at(&listed.id)).await.unwrap();
        assert_eq!(d.call.id, listed.id);
        assert_eq!(d.call.scope, scope);
        assert_eq!(d.call.started_at, listed.started_at, "{}", listed.id);
        assert_eq!(d.call.direction, listed.direction, "{}", listed.id);
        assert!(d.call.same_call(listed));
    }
    let (unknown, sentence) = p.unknown_call();
    let e = a.detail(&unknown).await.unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    assert_eq!(e.to_string(), sentence);
    assert_eq!(e.health(), Health::Error);
}

/// A call's transcript in each state the vendor has (turns by both speakers, missing, purged,
/// sent in an unreadable form), or "not offered" where the API has no transcripts.
pub async fn transcript_states<P: Pair>() {
    let p = P::start().await;
    let a = p.adapter();
    let states = match p.transcripts() {
        Offer::NotOffered { sample } => {
            assert!(!a.capabilities().has_transcripts);
            let d = a.detail(&sample).await.unwrap();
            assert_eq!(d.transcript, Transcript::NotOffered);
            assert_eq!(d.call.has_transcript, Some(false));
            return;
        }
        Offer::Offered(states) => states,
    };
    assert!(a.capabilities().has_transcripts);
    assert!(!states.turns.is_empty());
    for at in &states.turns {
        let d = a.detail(at).await.unwrap();
        let turns = d.transcript.turns();
        assert!(!turns.is_empty(), "{}: {:?}", at.id, d.transcript);
        assert!(d.warnings.is_empty(), "{}: {:?}", at.id, d.warnings);
        assert!(turns.iter().any(|t| t.speaker == Speaker::Agent));
        assert!(turns.iter().any(|t| t.speaker == Speaker::Caller));
        assert!(turns.iter().all(|t| !t.text.trim().is_empty()));
        assert_eq!(d.call.has_transcript, Some(true));
    }
    if let Some(at) = &states.missing {
        let d = a.detail(at).await.unwrap();
        assert_eq!(d.transcript, Transcript::Missing, "{}", at.id);
        assert_eq!(d.call.has_transcript, Some(false));
    }
    if let Some(at) = &states.purged {
        let d = a.detail(at).await.unwrap();
        assert_eq!(d.transcript, Transcript::Purged, "{}", at.id);
        assert!(d.call.purged);
        assert_eq!(d.call.has_transcript, Some(false));
    }
    if let Some(at) = &states.unparsed {
        let d = a.detail(at).await.unwrap();
        let Transcript::Unparsed { raw, warning } = &d.transcript else {
            panic!("{}: {:?}", at.id, d.transcript);
        };
        assert!(!raw.is_empty(), "a broken transcript is kept, not dropped");
        assert_eq!(d.warnings, std::slice::from_ref(warning));
        assert!(warning.contains("shown as sent"), "{warning}");
    }
}

/// A call's recording in each state the vendor has: present (its bytes start as the format
/// says, whole, and resumable where the server takes ranges), missing, purged; or "not
/// offered" where the API has no recordings.
pub async fn recording_states<P: Pair>() {
    let p = P::start().await;
    let a = p.adapter();
    let states = match p.recordings() {
        Offer::NotOffered { sample } => return recordings_not_offered::<P>(a, &sample).await,
        Offer::Offered(states) => states,
    };
    assert!(a.capabilities().has_recordings);
    let mut formats = Vec::new();
    for (i, present) in states.present.iter().enumerate() {
        let d = a.detail(&present.at).await.unwrap();
        assert!(
            d.recording.is_available(),
            "{}: {:?}",
            present.at.id,
            d.recording
        );
        assert_eq!(d.call.has_recording, Some(true));
        let ct = if i == 0 {
            a_whole_recording(a, present).await
        } else {
            let mut rec = a.recording(&present.at, 0).await.unwrap();
            let ct = rec.content_type.clone().unwrap();
            assert!(starts_as(&ct, &read_head(&mut rec, 64).await), "{ct}");
            ct
        };
        if !formats.contains(&ct) {
            formats.push(ct);
        }
    }
    formats.sort();
    let mut want: Vec<String> = states.formats.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(formats, want, "every format the vendor serves");
    for (state, case) in [
        (RecordingRef::Missing, &states.missing),
        (RecordingRef::Purged, &states.purged),
    ] {
        let Some((at, sentence)) = case else { continue };
        let d = a.detail(at).await.unwrap();
        assert_eq!(d.recording, state, "{}", at.id);
        assert_eq!(d.call.has_recording, Some(false));
        let Err(e) = a.recording(at, 0).await else {
            panic!("{state:?}: a recording opened");
        };
        assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
        assert_eq!(&e.to_string(), sentence);
    }
}

async fn recordings_not_offered<P: Pair>(a: &dyn Provider, sample: &At) {
    assert!(!a.capabilities().has_recordings);
    let d = a.detail(sample).await.unwrap();
    assert_eq!(d.recording, RecordingRef::NotOffered);
    assert_eq!(d.call.has_recording, Some(false));
    let Err(e) = a.recording(sample, 0).await else {
        panic!("{} has no recordings", P::LABEL);
    };
    assert!(matches!(e, ProviderError::NotOffered { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("{} does not offer recordings", P::LABEL)
    );
}

/// Reads a recording whole, then from byte 1000: from there where the server takes ranges,
/// else the whole file again from byte 0. Answers its `Content-Type`.
async fn a_whole_recording(a: &dyn Provider, present: &Present) -> String {
    let mut rec = a.recording(&present.at, 0).await.unwrap();
    let ct = rec.content_type.clone().expect("a Content-Type");
    assert_eq!(rec.starts_at, 0);
    let total = rec.total_len;
    let body = read_all(&mut rec).await.unwrap();
    assert!(starts_as(&ct, &body), "{ct}");
    if let Some(n) = total {
        assert_eq!(body.len() as u64, n, "the length promised");
    }
    if let Some(n) = present.len {
        assert_eq!(body.len() as u64, n, "the emulator's file");
    }
    if let Some(bytes) = present.bytes {
        assert!(body == bytes, "the emulator's bytes");
    }
    let mut rec = a.recording(&present.at, 1000).await.unwrap();
    assert_eq!(rec.total_len, total);
    let rest = read_all(&mut rec).await.unwrap();
    if rec.accepts_ranges {
        assert_eq!(rec.starts_at, 1000);
        assert!(rest == body[1000..], "the bytes from 1000");
    } else {
        assert_eq!(rec.starts_at, 0, "without ranges the file starts at 0");
        assert!(rest == body, "the whole file again");
    }
    ct
}

/// Each documented error status, on the calls list, is one sentence of the right kind (5xx
/// after the retries are spent).
pub async fn documented_error_statuses_are_one_sentence<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    a.list_calls(scope.as_deref(), &Filter::default(), first_page(5))
        .await
        .unwrap();
    for case in p.error_cases() {
        let status = case.status;
        let attempts = if status >= 500 { 4 } else { 1 };
        for _ in 0..attempts {
            p.fault_on_list(Fault::Status(status));
        }
        p.clear_requests();
        let e = a
            .list_calls(scope.as_deref(), &Filter::default(), first_page(5))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), case.sentence, "{status}");
        assert_eq!(Kind::of(&e), Some(case.kind), "{status}: {e:?}");
        assert_eq!(e.health(), case.kind.health(), "{status}");
        assert_eq!(p.pending_faults(), 0, "{status}");
        if let Some(seen) = p.list_requests() {
            assert_eq!(seen.len(), attempts, "{status}: attempts");
        }
    }
}

/// A key the server rejects: one sentence naming what to check, on the list and the check.
pub async fn a_wrong_key_is_one_clear_sentence<P: Pair>() {
    let p = P::start().await;
    let (bad, sentence) = p.wrong_key();
    let e = bad
        .provider
        .list_calls(p.scope().as_deref(), &Filter::default(), first_page(5))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), sentence);
    assert!(
        matches!(e, ProviderError::Auth { status: 401, .. }),
        "{e:?}"
    );
    assert_eq!(e.health(), Health::AuthError);
    let e = bad.provider.check().await.unwrap_err();
    assert!(
        matches!(e, ProviderError::Auth { status: 401, .. }),
        "{e:?}"
    );
    assert_eq!(e.to_string(), sentence);
}

/// A 429 with `Retry-After` is waited for, announced, and the request asked again.
pub async fn rate_limit_429_waits_for_retry_after<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    p.clear_requests();
    p.fault_on_list(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let page = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap();
    assert_eq!(page.items.len(), P::PAGE as usize);
    // A lower bound cannot be flaky: the request cannot succeed before the wait is over.
    assert!(started.elapsed() >= Duration::from_secs(1));
    let n = p.notices();
    assert!(
        n.contains(&HttpNotice::Waiting {
            wait: Duration::from_secs(1),
            retry: 1
        }),
        "{n:?}"
    );
    if let Some(seen) = p.list_requests() {
        let first = p.base_query(1, P::PAGE);
        let asked: Vec<Query> = seen.into_iter().map(|s| s.query).collect();
        assert_eq!(
            asked,
            vec![first.clone(), first],
            "asked again after the wait"
        );
    }
}

/// A 429 asking for longer than the adapter may wait: given up at once, in one sentence that
/// says when to come back, without a retry that would only be refused.
pub async fn rate_limit_beyond_the_wait_bound_gives_up<P: Pair>() {
    let p = P::start().await;
    let scope = p.scope();
    let impatient = p.build(impatient());
    let a = &impatient.provider;
    a.list_calls(scope.as_deref(), &Filter::default(), first_page(5))
        .await
        .unwrap();
    p.clear_requests();
    p.fault_on_list(Fault::RateLimited {
        retry_after_secs: 30,
    });
    let e = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(5))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ProviderError::RateLimited {
            provider: P::LABEL.into(),
            retry_after_secs: Some(30)
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{} is rate limiting requests; gave up waiting (the server asks to retry in 30 s)",
            P::LABEL
        )
    );
    assert_eq!(e.health(), Health::RateLimited);
    assert!(impatient.notices().is_empty(), "{:?}", impatient.notices());
    if let Some(seen) = p.list_requests() {
        assert_eq!(seen.len(), 1, "no retry that would only be refused");
    }
}

/// One 5xx or broken connection is retried once, announced, and the answer arrives; latency is
/// waited out without asking twice.
pub async fn transient_faults_are_retried_once<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    let faults = [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::ConnectionReset,
        Fault::TruncatedBody,
    ];
    for fault in faults {
        p.clear_requests();
        p.clear_notices();
        p.fault_on_list(fault.clone());
        let got = a
            .list_calls(scope.as_deref(), &Filter::default(), first_page(P::PAGE))
            .await;
        let n = got.map(|p| p.items.len()).ok();
        assert_eq!(n, Some(P::PAGE as usize), "{fault:?} then success");
        let notices = p.notices();
        let retried = match (&fault, &notices[..]) {
            // A 503 is waited for (Retry-After, or the backoff), not counted as a failure.
            (Fault::Status(503), [HttpNotice::Waiting { retry: 1, .. }]) => true,
            (Fault::Status(503), _) => false,
            (Fault::Status(s), [HttpNotice::Retrying { retry: 1, cause }]) => {
                cause.starts_with(&s.to_string())
            }
            (_, [HttpNotice::Retrying { retry: 1, .. }]) => true,
            _ => false,
        };
        assert!(retried, "{fault:?}: one retry, shown: {notices:?}");
        if let Some(seen) = p.list_requests() {
            assert_eq!(seen.len(), 2, "{fault:?}: one retry");
        }
    }
    let latency = Duration::from_millis(300);
    p.clear_requests();
    p.clear_notices();
    p.fault_on_list(Fault::Latency(latency));
    let started = Instant::now();
    let got = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap();
    assert!(started.elapsed() >= latency, "the latency was injected");
    assert_eq!(got.items.len(), P::PAGE as usize);
    assert!(p.notices().is_empty());
    assert_eq!(p.pending_faults(), 0);
    if let Some(seen) = p.list_requests() {
        assert_eq!(seen.len(), 1, "waited, not asked twice");
    }
}

/// A page with one record that cannot be read is shown without it, the record counted (where
/// the emulator's broken record keeps a readable id, it is shown without its broken values); an
/// answer that is not JSON at all is one sentence.
pub async fn one_malformed_record_is_counted_not_fatal<P: Pair>() {
    let p = P::start().await;
    let (a, scope) = (p.adapter(), p.scope());
    let all = p.listed_ids();
    let want = &all[..P::PAGE as usize];
    p.fault_on_list(Fault::WrongTypesRecord);
    let page = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap();
    assert!(page.has_more);
    assert_eq!(page.total_items, Some(all.len() as u64));
    let got = ids(&page.items);
    let gone: Vec<&String> = want.iter().filter(|id| !got.contains(id)).collect();
    assert_eq!(gone.len(), 1, "one record broken: {gone:?}");
    let i = want.iter().position(|id| id == gone[0]).unwrap();
    let mut rest = want.to_vec();
    match p.malformed() {
        Malformed::Unreadable => {
            assert_eq!(page.unreadable, 1);
            rest.remove(i);
        }
        Malformed::ReadableAs(id) => {
            assert_eq!(page.unreadable, 0);
            rest[i] = id.to_string();
            assert_eq!(page.items[i].duration_secs, None, "not guessed");
        }
    }
    assert_eq!(got, rest, "the rest of the page is intact, in order");

    p.fault_on_list(Fault::MalformedJson);
    let e = a
        .list_calls(scope.as_deref(), &Filter::default(), first_page(P::PAGE))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
    let start = format!("{} sent an answer that could not be read", P::LABEL);
    assert!(e.to_string().starts_with(&start), "{e}");
    assert_eq!(e.health(), Health::Error);
}
