//! The Solum Health adapter against its emulator, over real HTTP on loopback.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callbrowser::http::{HttpClient, HttpLimits, HttpNotice};
use callbrowser::model::{Call, Direction, Filter, PageRequest, RecordingRef, Transcript};
use callbrowser::providers::solum::{LOOKUP_MAX_PAGES, Solum, SolumSettings, calls_query};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::solum::{self, SolumEmulator, SolumOptions, WrongTypes};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, Utc};
use serde_json::Value;
use support::fetch::{At, Fetch};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 11,
        now: "2026-03-20T15:00:00Z".parse().unwrap(),
        ..EmulatorOptions::default()
    }
}

type Notices = Arc<Mutex<Vec<HttpNotice>>>;

fn limits() -> HttpLimits {
    HttpLimits {
        backoff_base: Duration::from_millis(20),
        ..HttpLimits::default()
    }
}

fn adapter_with(key: String, base_url: String) -> (Solum, Notices) {
    adapter_limited(key, base_url, limits())
}

fn adapter_limited(key: String, base_url: String, limits: HttpLimits) -> (Solum, Notices) {
    let notices: Notices = Arc::default();
    let sink = notices.clone();
    let api = HttpClient::new(limits.clone())
        .unwrap()
        .with_notifier(Arc::new(move |n| sink.lock().unwrap().push(n)));
    let storage = HttpClient::without_credentials(limits).unwrap();
    let s = Solum::new(
        SolumSettings {
            name: "solum".into(),
            label: "Solum Health".into(),
            base_url,
            api_key: key,
            key_hint: "check SOLUM_KEY".into(),
        },
        api,
        storage,
    );
    (s, notices)
}

async fn setup() -> (SolumEmulator, Solum, Notices) {
    setup_with(SolumOptions::default()).await
}

async fn setup_with(o: SolumOptions) -> (SolumEmulator, Solum, Notices) {
    let emu = solum::start_with(opts(), o).await.unwrap();
    let (s, n) = adapter_with(emu.api_key(), emu.base_url());
    (emu, s, n)
}

fn parse(s: &str, p: &Solum) -> Filter {
    Filter::parse(s, p.capabilities(), opts().now).unwrap()
}

/// Every call of every page, following the adapter's paging to the end.
async fn all_calls(p: &Solum, filter: &Filter, size: u32) -> Vec<Call> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let got = p
            .list_calls(None, filter, PageRequest { page, size })
            .await
            .unwrap();
        assert_eq!(got.page, page);
        assert_eq!(got.unreadable, 0);
        out.extend(got.items);
        if !got.has_more {
            if let Some(pages) = got.total_pages.filter(|n| *n > 0) {
                assert_eq!(pages, page, "the last page is the one the totals promise");
            }
            break;
        }
        page += 1;
        assert!(page < 100, "paging never ends");
    }
    out
}

fn ids(calls: &[Call]) -> Vec<String> {
    calls.iter().map(|c| c.id.clone()).collect()
}

/// The emulator's own records, as the reference for what a filter must return.
fn expected(emu: &SolumEmulator, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    emu.calls()
        .iter()
        .filter(|c| keep(c))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn started(c: &Value) -> Option<DateTime<Utc>> {
    c["started_at"].as_str().map(|s| s.parse().unwrap())
}

/// Lists everything for `filter`, checks the parameter the server saw on every request and the
/// answer against the reference.
async fn check_filter(
    emu: &SolumEmulator,
    p: &Solum,
    line: &str,
    params: &[(&str, &str)],
    keep: impl Fn(&Value) -> bool,
) {
    emu.clear_requests();
    let got = all_calls(p, &parse(line, p), 100).await;
    let want = expected(emu, keep);
    assert!(
        !want.is_empty(),
        "{line}: the reference has nothing to find"
    );
    assert_eq!(ids(&got), want, "{line}");
    let seen = emu.calls_requests();
    assert!(!seen.is_empty());
    for r in &seen {
        for (k, v) in params {
            assert_eq!(r.param(k), Some(*v), "{line}: {k} as the server saw it");
        }
    }
}

fn key(id: &str) -> At {
    At {
        scope: None,
        id: id.into(),
    }
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn no_parent_level_and_honest_capabilities() {
    let (emu, p, _) = setup().await;
    let caps = p.capabilities();
    assert_eq!(caps.scope_noun, None);
    assert!(!caps.has_detail && !caps.has_transcripts && !caps.has_recordings);
    assert_eq!(caps.max_page_size, 100);
    // Every key of Solum's own is sent as the parameter its help names, and not applied locally.
    let samples = [
        ("category", "billing", "category"),
        ("assistant", "a-1", "assistant_id"),
        ("type", "web", "type"),
        ("patient", "p-1", "patient_id"),
        ("sessions_min", "2", "sessions_scheduled_min"),
        ("tag_mode", "all", "tag_filter_mode"),
    ];
    for fk in caps.provider_keys {
        let (_, value, param) = samples
            .iter()
            .find(|(k, _, _)| *k == fk.name)
            .unwrap_or_else(|| panic!("{} has no sample here", fk.name));
        let f = parse(&format!("{}:{value}", fk.name), &p);
        assert!(
            f.local_keys(caps).is_empty(),
            "{} is applied locally",
            fk.name
        );
        let q = calls_query(&f, PageRequest { page: 1, size: 10 }, 100).unwrap();
        assert!(
            q.contains(&(*param, value.to_string())),
            "{}: {q:?}",
            fk.name
        );
        assert!(fk.help.contains(&format!("sent as {param}")), "{}", fk.help);
    }
    let scopes = p
        .list_scopes(None, PageRequest { page: 1, size: 100 })
        .await
        .unwrap();
    assert!(scopes.items.is_empty() && !scopes.has_more);
    assert!(emu.requests().is_empty(), "no request for a parent level");
    let line = p.check().await.unwrap();
    assert_eq!(
        line,
        format!("key accepted; {} call(s) visible", emu.calls().len())
    );
}

#[tokio::test]
async fn paging_to_the_last_page() {
    let (emu, p, _) = setup().await;
    let calls = all_calls(&p, &Filter::default(), 50).await;
    assert_eq!(ids(&calls), expected(&emu, |_| true));
    let seen = emu.calls_requests();
    let n = emu.calls().len();
    assert_eq!(seen.len(), n.div_ceil(50));
    for (i, r) in seen.iter().enumerate() {
        assert_eq!(
            r.param("page"),
            Some((i + 1).to_string().as_str()),
            "1-based"
        );
        assert_eq!(r.param("limit"), Some("50"));
    }
    let first = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 50 })
        .await
        .unwrap();
    assert_eq!(first.total_items, Some(n as u64));
    assert_eq!(first.total_pages, Some(n.div_ceil(50) as u32));
    assert!(first.has_more);
    // More than the API allows is asked for as its maximum.
    let big = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 500 })
        .await
        .unwrap();
    assert_eq!(big.page_size, 100);
    assert_eq!(big.items.len(), 100);
    let past = p
        .list_calls(
            None,
            &Filter::default(),
            PageRequest {
                page: 50,
                size: 100,
            },
        )
        .await
        .unwrap();
    assert!(past.items.is_empty() && !past.has_more);
}

#[tokio::test]
async fn every_documented_filter_is_sent_to_the_server() {
    let (emu, p, _) = setup().await;
    let reference = emu.calls();
    let s = |c: &Value, k: &str| c[k].as_str().map(str::to_string);

    check_filter(
        &emu,
        &p,
        "\"prior authorization\"",
        &[("q", "prior authorization")],
        |c| s(c, "summary").is_some_and(|x| x.to_lowercase().contains("prior authorization")),
    )
    .await;
    for st in ["pending", "done", "follow_up_needed"] {
        check_filter(&emu, &p, &format!("status:{st}"), &[("status", st)], |c| {
            c["status"] == st
        })
        .await;
    }
    // The vendor's own triage state, however it is typed.
    check_filter(
        &emu,
        &p,
        "status:Follow-Up-Needed",
        &[("status", "follow_up_needed")],
        |c| c["status"] == "follow_up_needed",
    )
    .await;
    for cat in solum::CATEGORY_VALUES {
        check_filter(
            &emu,
            &p,
            &format!("category:{cat}"),
            &[("category", cat)],
            |c| c["category"] == cat,
        )
        .await;
    }
    let assistant = emu.assistants()[2].id.clone();
    check_filter(
        &emu,
        &p,
        &format!("assistant:{assistant}"),
        &[("assistant_id", &assistant)],
        |c| s(c, "assistant_id").as_deref() == Some(&assistant),
    )
    .await;
    for (dir, t) in [("in", "inbound"), ("out", "outbound"), ("web", "web")] {
        check_filter(&emu, &p, &format!("dir:{dir}"), &[("type", t)], |c| {
            c["type"] == t
        })
        .await;
        check_filter(&emu, &p, &format!("type:{t}"), &[("type", t)], |c| {
            c["type"] == t
        })
        .await;
    }
    // `type` is an exact match on the server: known types go in Solum's spelling, whatever the
    // case typed, alone or with a `dir` that agrees.
    for line in [
        "dir:out type:outbound",
        "dir:out type:Outbound",
        "type:OUTBOUND",
    ] {
        check_filter(&emu, &p, line, &[("type", "outbound")], |c| {
            c["type"] == "outbound"
        })
        .await;
    }
    check_filter(
        &emu,
        &p,
        "dir:in type:Inbound",
        &[("type", "inbound")],
        |c| c["type"] == "inbound",
    )
    .await;
    let patient = reference
        .iter()
        .filter_map(|c| s(c, "patient_id"))
        .find(|id| {
            reference
                .iter()
                .filter(|c| c["patient_id"].as_str() == Some(id))
                .count()
                > 1
        })
        .unwrap();
    check_filter(
        &emu,
        &p,
        &format!("patient:{patient}"),
        &[("patient_id", &patient)],
        |c| s(c, "patient_id").as_deref() == Some(&patient),
    )
    .await;
    check_filter(
        &emu,
        &p,
        "sessions_min:2",
        &[("sessions_scheduled_min", "2")],
        |c| c["sessions_scheduled"].as_u64().is_some_and(|n| n >= 2),
    )
    .await;
    // The documented mode without a documented tag list: sent, and it narrows nothing.
    for m in ["any", "all", "exclude_any", "exclude_all"] {
        check_filter(
            &emu,
            &p,
            &format!("tag_mode:{m}"),
            &[("tag_filter_mode", m)],
            |_| true,
        )
        .await;
    }
    // from/to are started_gte/started_lte, both inclusive.
    let lo = reference[reference.len() / 2]["started_at"]
        .as_str()
        .unwrap();
    let hi = reference[reference.len() / 4]["started_at"]
        .as_str()
        .unwrap();
    let (l, h): (DateTime<Utc>, DateTime<Utc>) = (lo.parse().unwrap(), hi.parse().unwrap());
    check_filter(
        &emu,
        &p,
        &format!("from:{lo} to:{hi}"),
        &[("started_gte", lo), ("started_lte", hi)],
        |c| started(c).is_some_and(|t| t >= l && t <= h),
    )
    .await;
    // Several at once.
    check_filter(
        &emu,
        &p,
        "dir:in category:new_appointment sessions_min:2 status:done",
        &[
            ("type", "inbound"),
            ("category", "new_appointment"),
            ("sessions_scheduled_min", "2"),
            ("status", "done"),
        ],
        |c| {
            c["type"] == "inbound"
                && c["category"] == "new_appointment"
                && c["sessions_scheduled"].as_u64().is_some_and(|n| n >= 2)
                && c["status"] == "done"
        },
    )
    .await;

    // What the server cannot do is left to the app, and not sent.
    let f = parse("dur>60 has:recording", &p);
    assert_eq!(f.local_keys(p.capabilities()), vec!["dur", "has"]);
    let q = calls_query(&f, PageRequest { page: 3, size: 20 }, 100).unwrap();
    assert_eq!(
        q,
        vec![("page", "3".to_string()), ("limit", "20".to_string())]
    );
    // Contradictions and unknown statuses are refused before any request.
    emu.clear_requests();
    for line in ["dir:in type:web", "dir:web type:Outbound", "status:open"] {
        let e = p
            .list_calls(None, &parse(line, &p), PageRequest { page: 1, size: 10 })
            .await
            .unwrap_err();
        assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
        assert!(e.to_string().starts_with("Solum Health: "), "{e}");
    }
    assert!(emu.requests().is_empty());
}

/// A caller with several calls.
fn repeat_caller(emu: &SolumEmulator) -> String {
    let reference = emu.calls();
    reference
        .iter()
        .filter_map(|c| c["customer_number"].as_str())
        .find(|n| {
            reference
                .iter()
                .filter(|c| c["customer_number"].as_str() == Some(n))
                .count()
                > 1
        })
        .expect("a caller with several calls")
        .to_string()
}

/// `customer_number` matches exactly: a whole number goes to the server, a part of one (or a
/// US number typed without +1) is applied to what was loaded, and reported as local.
#[tokio::test]
async fn phone_whole_number_to_the_server_part_of_one_locally() {
    let (emu, p, _) = setup().await;
    let caps = p.capabilities();
    let number = repeat_caller(&emu);
    let has = |c: &Value, part: &str| {
        c["customer_number"]
            .as_str()
            .is_some_and(|n| n.contains(part))
    };

    let typed = format!("+1 ({}) {}-{}", &number[2..5], &number[5..8], &number[8..]);
    let line = format!("phone:\"{typed}\"");
    assert!(parse(&line, &p).local_keys(caps).is_empty());
    check_filter(&emu, &p, &line, &[("customer_number", &number)], |c| {
        c["customer_number"].as_str() == Some(&number)
    })
    .await;

    let national = format!("({}) {}-{}", &number[2..5], &number[5..8], &number[8..]);
    for part in [
        national.as_str(),
        &number[number.len() - 4..],
        &number[2..8],
    ] {
        let f = parse(&format!("phone:\"{part}\""), &p);
        assert_eq!(f.local_keys(caps), vec!["phone"], "{part}");
        emu.clear_requests();
        let loaded = all_calls(&p, &f, 100).await;
        assert!(
            emu.calls_requests()
                .iter()
                .all(|r| r.param("customer_number").is_none()),
            "{part}: not sent"
        );
        assert_eq!(ids(&loaded), expected(&emu, |_| true), "{part}");
        let kept: Vec<Call> = loaded
            .into_iter()
            .filter(|c| f.matches_local(c, caps))
            .collect();
        let digits: String = part.chars().filter(char::is_ascii_digit).collect();
        let want = expected(&emu, |c| has(c, &digits));
        assert!(want.len() > 1, "{part}");
        assert_eq!(ids(&kept), want, "{part}");
    }
}

/// Pages read to the end when the pagination object lacks `total` and/or `has_more`, or sends
/// its numbers as strings.
#[tokio::test]
async fn paging_to_the_last_page_with_totals_unknown() {
    // (calls, omit_total, omit_has_more, strings): 345 ends on a short page; 300 on a full one,
    // so only an empty page 7 tells the end when nothing else does.
    for (calls, omit_total, omit_has_more, strings) in [
        (345, true, true, false),
        (300, true, true, false),
        (345, true, true, true),
        (300, true, true, true),
        (345, false, true, false),
        (300, false, true, true),
        (345, true, false, false),
        (300, true, false, true),
        (345, false, false, true),
    ] {
        let case = format!(
            "{calls} calls, total {omit_total}, has_more {omit_has_more}, strings {strings}"
        );
        let (emu, p, _) = setup_with(SolumOptions {
            calls: Some(calls),
            omit_total,
            omit_has_more,
            pagination_as_strings: strings,
            ..SolumOptions::default()
        })
        .await;
        let got = all_calls(&p, &Filter::default(), 50).await;
        assert_eq!(ids(&got), expected(&emu, |_| true), "{case}");
        // Without has_more and total a full last page costs one more (empty) request.
        let pages =
            calls.div_ceil(50) + usize::from(omit_total && omit_has_more && calls % 50 == 0);
        assert_eq!(emu.calls_requests().len(), pages, "{case}");
        let first = p
            .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 50 })
            .await
            .unwrap();
        assert!(first.has_more, "{case}");
        assert_eq!(first.page_size, 50, "{case}");
        let total = (!omit_total).then_some(calls as u64);
        assert_eq!(first.total_items, total, "{case}");
        assert_eq!(
            first.total_pages,
            total.map(|t| t.div_ceil(50) as u32),
            "{case}"
        );
        let check = p.check().await.unwrap();
        match total {
            Some(n) => assert_eq!(check, format!("key accepted; {n} call(s) visible")),
            None => assert_eq!(check, "key accepted"),
        }
    }
}

#[tokio::test]
async fn minutes_nulls_and_the_vendor_status_are_mapped() {
    let (emu, p, _) = setup().await;
    let calls = all_calls(&p, &Filter::default(), 100).await;
    let raw = emu.calls();
    assert_eq!(calls.len(), raw.len());
    let mut fractional = 0;
    for (c, r) in calls.iter().zip(&raw) {
        match r["duration_min"].as_f64() {
            Some(m) => {
                let secs = c.duration_secs.unwrap();
                assert!((secs - m * 60.0).abs() < 0.001, "{m} min → {secs} s");
                assert_eq!(secs, secs.round(), "whole seconds, no float noise");
                if m.fract() != 0.0 {
                    fractional += 1;
                }
            }
            None => assert_eq!(c.duration_secs, None),
        }
        assert_eq!(c.started_at, started(r));
        assert_eq!(c.summary.as_deref(), r["summary"].as_str());
        assert_eq!(c.caller_number.as_deref(), r["customer_number"].as_str());
        assert_eq!(c.status.as_deref(), r["status"].as_str());
        let dir = match r["type"].as_str() {
            Some("inbound") => Some(Direction::Inbound),
            Some("outbound") => Some(Direction::Outbound),
            Some("web") => Some(Direction::Web),
            _ => None,
        };
        assert_eq!(c.direction, dir);
        assert_eq!(c.scope, None);
        assert_eq!(
            (c.has_recording, c.has_transcript),
            (Some(false), Some(false))
        );
        // Every other vendor field is shown.
        for k in [
            "org_id",
            "created_at",
            "assistant_id",
            "phone_number_id",
            "ended_at",
            "category",
            "patient_id",
            "language",
            "sessions_scheduled",
        ] {
            let shown = c.fields.iter().find(|(fk, _)| fk == k).map(|(_, v)| v);
            let want = match &r[k] {
                Value::Null => "—".to_string(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(shown, Some(&want), "{k}");
        }
    }
    assert!(fractional > 100);
    assert!(calls.iter().any(|c| c.started_at.is_none()));
    assert!(
        calls
            .iter()
            .any(|c| c.status.as_deref() == Some("follow_up_needed"))
    );
    assert!(
        calls
            .iter()
            .any(|c| c.direction == Some(Direction::Web) && c.caller_number.is_none())
    );
}

#[tokio::test]
async fn detail_is_the_list_item_cached_or_looked_up() {
    let (emu, p, _) = setup().await;
    let page = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    emu.clear_requests();
    let d = p.detail(&key(&page.items[7].id)).await.unwrap();
    assert_eq!(d.call, page.items[7]);
    assert_eq!(d.transcript, Transcript::NotOffered);
    assert_eq!(d.recording, RecordingRef::NotOffered);
    assert!(
        emu.requests().is_empty(),
        "a call seen in a list needs no request"
    );

    // A fresh process (the CLI's `show ID`): found by paging the list.
    let (fresh, _) = adapter_with(emu.api_key(), emu.base_url());
    let target = emu.calls()[250]["id"].as_str().unwrap().to_string();
    let d = fresh.detail(&key(&target)).await.unwrap();
    assert_eq!(d.call.id, target);
    let lookups = emu.calls_requests();
    assert_eq!(lookups.len(), 3, "pages 1..3 of 100");
    assert!(lookups.iter().all(|r| r.param("limit") == Some("100")));
    let all = all_calls(&p, &Filter::default(), 100).await;
    assert_eq!(Some(&d.call), all.iter().find(|c| c.id == target));
    // Now cached.
    emu.clear_requests();
    fresh.detail(&key(&target)).await.unwrap();
    assert!(emu.requests().is_empty());

    // An unknown id: every page looked at, then one clear sentence.
    emu.clear_requests();
    let e = fresh
        .detail(&key("00000000-0000-4000-8000-000000000000"))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "Solum Health: not found (no call with id 00000000-0000-4000-8000-000000000000 \
             among all {} calls of this key)",
            emu.calls().len()
        )
    );
    assert_eq!(emu.calls_requests().len(), emu.calls().len().div_ceil(100));

    match p.recording(&key(&target), 0).await {
        Err(e) => assert_eq!(e.to_string(), "Solum Health does not offer recordings"),
        Ok(_) => panic!("Solum has no recordings"),
    }
}

#[tokio::test]
async fn each_error_status_is_one_clear_sentence() {
    let (emu, p, _) = setup().await;
    let first = PageRequest { page: 1, size: 10 };
    // Real causes first: a wrong key, a key without access, a bad parameter, a wrong base URL.
    let (bad, _) = adapter_with("sk_live_wrong".into(), emu.base_url());
    let e = bad
        .list_calls(None, &Filter::default(), first)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Solum Health rejected the API key (401 invalid_api_key): check SOLUM_KEY"
    );
    assert!(matches!(bad.check().await, Err(ProviderError::Auth { .. })));
    let (restricted, _) = adapter_with(emu.restricted_key(), emu.base_url());
    let e = restricted
        .list_calls(None, &Filter::default(), first)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Solum Health refused access (403 insufficient_permissions): This API key is not \
         allowed to read calls; use a key that may read calls (check SOLUM_KEY)"
    );
    let mut f = Filter::default();
    f.extra.insert("category".into(), "spam".into());
    let e = p.list_calls(None, &f, first).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Solum Health: the request was rejected (422 enum): category: Input should be \
         'client_support', 'miscellaneous', 'billing', 'new_appointment', \
         'existing_appointment', 'rescheduling', 'cancellation', 'authorization' or \
         'appointment_inquiry'; check the filter"
    );
    let (lost, _) = adapter_with(emu.api_key(), format!("{}/api", emu.base_url()));
    let e = lost
        .list_calls(None, &Filter::default(), first)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Solum Health: not found (Not Found; check base_url, it should be the API host such as \
         https://api.getsolum.com)"
    );

    // Every documented status in the object shape.
    let cases: [(u16, &str); 8] = [
        (
            400,
            "Solum Health: the request was rejected (400 bad_request): The request could not be \
             processed; check the filter",
        ),
        (
            401,
            "Solum Health rejected the API key (401 invalid_api_key): check SOLUM_KEY",
        ),
        (
            403,
            "Solum Health refused access (403 forbidden): You do not have access to this \
             resource; use a key that may read calls (check SOLUM_KEY)",
        ),
        (
            404,
            "Solum Health: not found (Resource not found; check base_url, it should be the API \
             host such as https://api.getsolum.com)",
        ),
        (
            409,
            "Solum Health answered 409 conflict: The resource was modified by another request; \
             try again",
        ),
        (
            422,
            "Solum Health: the request was rejected (422 invalid_field): A human-readable \
             description of what went wrong; check the filter",
        ),
        (
            500,
            "Solum Health answered 500 internal_error: An internal error occurred; the server \
             had a problem, try again later",
        ),
        (
            502,
            "Solum Health answered 502 bad_gateway: Bad gateway; the server had a problem, try \
             again later",
        ),
    ];
    for (status, text) in cases {
        // 5xx are retried (three retries): fail every attempt.
        let n = if status >= 500 { 4 } else { 1 };
        for _ in 0..n {
            emu.faults().push(Fault::Status(status));
        }
        emu.clear_requests();
        let e = p
            .list_calls(None, &Filter::default(), first)
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), text, "{status}");
        assert_eq!(emu.faults().pending(), 0, "{status}");
        assert_eq!(emu.calls_requests().len(), n, "{status}: attempts");
    }
}

#[tokio::test]
async fn rate_limit_429_waits_for_retry_after() {
    let (emu, p, notices) = setup().await;
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let page = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    // A lower bound cannot be flaky: the request cannot succeed before the wait is over.
    assert!(started.elapsed() >= Duration::from_secs(1));
    let n = notices.lock().unwrap().clone();
    assert!(
        n.contains(&HttpNotice::Waiting {
            wait: Duration::from_secs(1),
            retry: 1
        }),
        "{n:?}"
    );
    let seen = emu.calls_requests();
    assert_eq!(
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
}

#[tokio::test]
async fn rate_limit_429_with_an_http_date() {
    let (emu, p, notices) = setup_with(SolumOptions {
        retry_after_as_date: true,
        ..SolumOptions::default()
    })
    .await;
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let page = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    // The date is at least a second ahead (rounded up), so the retry cannot come sooner.
    assert!(started.elapsed() >= Duration::from_secs(1));
    let n = notices.lock().unwrap().clone();
    assert!(
        n.iter()
            .any(|n| matches!(n, HttpNotice::Waiting { wait, retry: 1 } if !wait.is_zero())),
        "{n:?}"
    );
    let seen = emu.calls_requests();
    assert_eq!(
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
}

#[tokio::test]
async fn rate_limit_beyond_the_wait_bound_gives_up() {
    let emu = solum::start(opts()).await.unwrap();
    let bounded = HttpLimits {
        max_rate_limit_wait: Duration::from_secs(5),
        ..limits()
    };
    let (p, notices) = adapter_limited(emu.api_key(), emu.base_url(), bounded);
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 30,
    });
    let e = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ProviderError::RateLimited {
            provider: "Solum Health".into(),
            retry_after_secs: Some(30)
        }
    );
    assert_eq!(
        e.to_string(),
        "Solum Health is rate limiting requests; gave up waiting (the server asks to retry in \
         30 s)"
    );
    assert_eq!(
        emu.calls_requests()
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        vec![429],
        "no retry that would only be refused"
    );
    assert!(notices.lock().unwrap().is_empty());
}

#[tokio::test]
async fn bad_gateway_is_retried() {
    let (emu, p, notices) = setup().await;
    emu.faults().push(Fault::Status(502));
    let got = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 10 })
        .await
        .unwrap();
    assert_eq!(got.items.len(), 10);
    assert_eq!(
        emu.calls_requests()
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        vec![502, 200]
    );
    let n = notices.lock().unwrap().clone();
    assert!(
        matches!(&n[..], [HttpNotice::Retrying { retry: 1, cause }] if cause.starts_with("502")),
        "{n:?}"
    );
}

#[tokio::test]
async fn transport_faults_are_retried() {
    let (emu, p, notices) = setup().await;
    for fault in [
        Fault::Status(500),
        Fault::Status(503),
        Fault::ConnectionReset,
        Fault::TruncatedBody,
        Fault::Latency(Duration::from_millis(50)),
    ] {
        emu.faults().push(fault.clone());
        let started = Instant::now();
        let got = p
            .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 10 })
            .await;
        assert_eq!(
            got.map(|p| p.items.len()).ok(),
            Some(10),
            "{fault:?} then success"
        );
        if let Fault::Latency(d) = fault {
            // A lower bound only: the answer cannot come before the injected delay.
            assert!(started.elapsed() >= d, "the latency was injected");
        }
    }
    let n = notices.lock().unwrap().clone();
    assert_eq!(
        n.iter()
            .filter(|n| matches!(n, HttpNotice::Retrying { .. }))
            .count(),
        3,
        "{n:?}"
    );
    assert_eq!(
        n.iter()
            .filter(|n| matches!(n, HttpNotice::Waiting { .. }))
            .count(),
        1,
        "503 is waited for"
    );
}

#[tokio::test]
async fn one_bad_record_does_not_hide_its_page() {
    let (emu, p, _) = setup().await;
    emu.faults().push(Fault::WrongTypesRecord);
    let page = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert_eq!(page.unreadable, 1);
    assert_eq!(page.items.len(), 19);
    let mut want = expected(&emu, |_| true);
    want.truncate(20);
    want.remove(10);
    assert_eq!(ids(&page.items), want, "the rest of the page is intact");

    // A record whose id can be read is shown with what could be read; the rest is kept.
    let (emu, p, _) = setup_with(SolumOptions {
        wrong_types: WrongTypes::ReadableId,
        ..SolumOptions::default()
    })
    .await;
    let normal = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    emu.faults().push(Fault::WrongTypesRecord);
    let page = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.unreadable), (20, 0));
    assert_eq!(ids(&page.items), ids(&normal.items));
    for (i, (got, was)) in page.items.iter().zip(&normal.items).enumerate() {
        if i != 10 {
            assert_eq!(got, was, "item {i} is intact");
        }
    }
    let (c, was) = (&page.items[10], &normal.items[10]);
    assert_eq!(c.status, was.status, "read");
    assert_eq!(c.caller_number, was.caller_number, "read");
    assert_eq!(
        (c.started_at, c.duration_secs, c.direction, &c.summary),
        (None, None, None, &None),
        "unreadable values are not guessed"
    );
    let field = |k: &str| {
        c.fields
            .iter()
            .find(|(fk, _)| fk == k)
            .map(|(_, v)| v.as_str())
    };
    // …and stay visible as the vendor sent them.
    assert_eq!(field("started_at"), Some("12345"));
    assert_eq!(field("duration_min"), Some("abc"));
    assert_eq!(field("sessions_scheduled"), Some("two"));
    assert_eq!(field("category"), Some("4"));
    assert!(field("type").is_some_and(|t| t.starts_with('[')));
    assert!(field("summary").is_some_and(|t| t.contains("billing")));

    emu.faults().push(Fault::MalformedJson);
    let e = p
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("Solum Health sent an answer that could not be read"),
        "{e}"
    );
}

#[tokio::test]
async fn the_id_lookup_of_a_fresh_process_is_bounded() {
    let emu = solum::start_with(
        opts(),
        SolumOptions {
            calls: Some(2150),
            ..SolumOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(emu.calls().len(), 2150);
    let (p, _) = adapter_with(emu.api_key(), emu.base_url());
    let newest_reachable = emu.calls()[1999]["id"].as_str().unwrap().to_string();
    let too_old = emu.calls()[2000]["id"].as_str().unwrap().to_string();
    let d = p.detail(&key(&newest_reachable)).await.unwrap();
    assert_eq!(d.call.id, newest_reachable);
    assert_eq!(emu.calls_requests().len(), LOOKUP_MAX_PAGES as usize);
    emu.clear_requests();
    let (p, _) = adapter_with(emu.api_key(), emu.base_url());
    let e = p.detail(&key(&too_old)).await.unwrap_err();
    assert_eq!(
        emu.calls_requests().len(),
        LOOKUP_MAX_PAGES as usize,
        "bounded"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "Solum Health: not found (no call with id {too_old} among the newest 2000 calls; \
             Solum has no endpoint for one call, so older calls are found by listing them with \
             a date filter)"
        )
    );
    // Once listed (by date, as the message says), it is found without another lookup.
    let t = emu.calls()[2000]["started_at"]
        .as_str()
        .unwrap()
        .to_string();
    let f = Filter::parse(&format!("from:{t} to:{t}"), p.capabilities(), opts().now).unwrap();
    let got = p
        .list_calls(None, &f, PageRequest { page: 1, size: 10 })
        .await
        .unwrap();
    assert!(got.items.iter().any(|c| c.id == too_old));
    emu.clear_requests();
    assert_eq!(p.detail(&key(&too_old)).await.unwrap().call.id, too_old);
    assert!(emu.requests().is_empty());
}
