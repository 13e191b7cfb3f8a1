//! What only the Solum adapter does, against its emulator over real HTTP on loopback: its own
//! filter keys and their refusals, a part of a phone number matched locally, pagination objects
//! without totals, minutes and nulls, the detail taken from the list (cached, or looked up within
//! a bound), the real causes of errors. What every provider does is in the contract suite
//! (`tests/contract`).

mod support;

use std::time::{Duration, Instant};

use callbrowser::http::{HttpLimits, HttpNotice};
use callbrowser::model::{Call, Direction, Filter, PageRequest};
use callbrowser::providers::solum::{LOOKUP_MAX_PAGES, Solum, SolumSettings, calls_query};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::solum::{self, SolumEmulator, SolumOptions, WrongTypes};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, Utc};
use serde_json::Value;
use support::fetch::{At, Fetch, Notices, all_calls, clients, ids, limits};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 11,
        now: "2026-03-20T15:00:00Z".parse().unwrap(),
        ..EmulatorOptions::default()
    }
}

fn adapter_with(key: String, base_url: String) -> (Solum, Notices) {
    adapter_limited(key, base_url, limits())
}

fn adapter_limited(key: String, base_url: String, limits: HttpLimits) -> (Solum, Notices) {
    let (api, storage, notices) = clients(limits);
    let settings = SolumSettings {
        name: "solum".into(),
        label: "Solum Health".into(),
        base_url,
        api_key: key,
        key_hint: "check SOLUM_KEY".into(),
    };
    (Solum::new(settings, api, storage), notices)
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

fn key(id: &str) -> At {
    At {
        scope: None,
        id: id.into(),
    }
}

// ---------------------------------------------------------------------------

/// No parent level and no detail endpoint; every key of Solum's own is sent as the parameter its
/// help names, and not applied locally.
#[tokio::test]
async fn own_filter_keys_are_sent_as_their_help_says() {
    let (emu, p, _) = setup().await;
    let caps = p.capabilities();
    assert!(!caps.has_detail);
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
    let line = p.check().await.unwrap();
    assert_eq!(
        line,
        format!("key accepted; {} call(s) visible", emu.calls().len())
    );
}

/// Each documented filter reaching the server is the contract suite's
/// (`server_filters_reach_the_server`); contradictions and unknown statuses are refused before
/// any request.
#[tokio::test]
async fn contradictions_and_unknown_statuses_are_refused_before_any_request() {
    let (emu, p, _) = setup().await;
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

/// `customer_number` matches exactly: a part of a number (or a US number typed without +1) is
/// applied to what was loaded, and reported as local (a whole number reaching the server is the
/// contract suite's).
#[tokio::test]
async fn part_of_a_phone_number_is_matched_locally() {
    let (emu, p, _) = setup().await;
    let caps = p.capabilities();
    let number = repeat_caller(&emu);
    let has = |c: &Value, part: &str| {
        c["customer_number"]
            .as_str()
            .is_some_and(|n| n.contains(part))
    };

    let national = format!("({}) {}-{}", &number[2..5], &number[5..8], &number[8..]);
    for part in [
        national.as_str(),
        &number[number.len() - 4..],
        &number[2..8],
    ] {
        let f = parse(&format!("phone:\"{part}\""), &p);
        assert_eq!(f.local_keys(caps), vec!["phone"], "{part}");
        emu.clear_requests();
        let loaded = all_calls(&p, None, &f, 100).await;
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
        let got = all_calls(&p, None, &Filter::default(), 50).await;
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
    let calls = all_calls(&p, None, &Filter::default(), 100).await;
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
    let all = all_calls(&p, None, &Filter::default(), 100).await;
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
    // Its sentence is the contract suite's (`detail_of_a_listed_call`).
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    assert_eq!(emu.calls_requests().len(), emu.calls().len().div_ceil(100));
}

#[tokio::test]
async fn real_causes_of_errors_are_named() {
    let (emu, p, _) = setup().await;
    let first = PageRequest { page: 1, size: 10 };
    // Real causes: a key without access, a bad parameter, a wrong base URL (a wrong key and
    // every documented status are the contract suite's).
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
async fn a_record_with_a_readable_id_is_shown_with_what_could_be_read() {
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
