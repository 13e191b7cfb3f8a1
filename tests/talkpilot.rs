//! The TalkPilot adapter against its emulator, over real HTTP on loopback.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callbrowser::http::{HttpClient, HttpLimits, HttpNotice};
use callbrowser::model::{Call, Filter, PageRequest, RecordingRef, Transcript};
use callbrowser::providers::talkpilot::{TalkPilot, TalkPilotSettings};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::talkpilot::{self, TalkPilotEmulator};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, Utc};
use serde_json::Value;
use support::fetch::{At, Fetch};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 7,
        now: "2026-03-20T15:00:00Z".parse().unwrap(),
        rate_limit_per_minute: 100_000,
        rate_limit_per_hour: 1_000_000,
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

fn adapter_with(emu: &TalkPilotEmulator, key: String, limits: HttpLimits) -> (TalkPilot, Notices) {
    let notices: Notices = Arc::default();
    let sink = notices.clone();
    let api = HttpClient::new(limits.clone())
        .unwrap()
        .with_notifier(Arc::new(move |n| sink.lock().unwrap().push(n)));
    let storage = HttpClient::without_credentials(limits).unwrap();
    let tp = TalkPilot::new(
        TalkPilotSettings {
            name: "tp".into(),
            label: "TalkPilot".into(),
            base_url: emu.base_url(),
            api_key: key,
            key_hint: "check TP_KEY".into(),
            agent: None,
        },
        api,
        storage,
    );
    (tp, notices)
}

async fn setup(o: EmulatorOptions) -> (TalkPilotEmulator, TalkPilot, Notices, String) {
    let emu = talkpilot::start(o).await.unwrap();
    let (tp, notices) = adapter_with(&emu, emu.api_key(), limits());
    let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();
    (emu, tp, notices, agent)
}

/// Every call of every page, following the adapter's paging to the end.
async fn all_calls(tp: &TalkPilot, agent: &str, filter: &Filter, size: u32) -> Vec<Call> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = tp
            .list_calls(Some(agent), filter, PageRequest { page, size })
            .await
            .unwrap();
        assert_eq!(p.page, page);
        out.extend(p.items);
        if !p.has_more {
            if let Some(pages) = p.total_pages.filter(|n| *n > 0) {
                assert_eq!(pages, page, "the last page is the one the totals promise");
            }
            break;
        }
        page += 1;
        assert!(page < 1000, "paging never ends");
    }
    out
}

fn ids(calls: &[Call]) -> Vec<String> {
    calls.iter().map(|c| c.id.clone()).collect()
}

/// The emulator's own records, as the reference for what a filter must return.
fn expected(emu: &TalkPilotEmulator, agent: &str, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    emu.calls(agent)
        .iter()
        .filter(|c| keep(c))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn not_deleted(c: &Value) -> bool {
    c["deleted_at"].is_null()
}

fn created(c: &Value) -> DateTime<Utc> {
    c["created_at"].as_str().unwrap().parse().unwrap()
}

fn parse(s: &str, tp: &TalkPilot) -> Filter {
    Filter::parse(s, tp.capabilities(), opts().now).unwrap()
}

#[tokio::test]
async fn agents_and_paging_to_the_last_page() {
    let (emu, tp, _, agent) = setup(opts()).await;
    let scopes = tp
        .list_scopes(None, PageRequest { page: 1, size: 100 })
        .await
        .unwrap();
    assert_eq!(scopes.items.len(), emu.agents().len());
    assert_eq!(scopes.items[0].id, agent);
    let searched = tp
        .list_scopes(Some("rezeption"), PageRequest { page: 1, size: 100 })
        .await
        .unwrap();
    assert_eq!(searched.items.len(), 1);

    let calls = all_calls(&tp, &agent, &Filter::default(), 20).await;
    assert_eq!(ids(&calls), expected(&emu, &agent, not_deleted));
    assert!(
        calls.windows(2).all(|w| w[0].started_at >= w[1].started_at),
        "newest first"
    );
    let first = tp
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!(first.total_items, Some(calls.len() as u64));
    assert_eq!(first.total_pages, Some(calls.len().div_ceil(20) as u32));
    // The largest page the API allows is used when more is asked for.
    let big = tp
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 500 },
        )
        .await
        .unwrap();
    assert_eq!(big.page_size, 100);
    assert_eq!(big.items.len(), 100.min(calls.len()));
}

#[tokio::test]
async fn every_documented_filter_is_sent_to_the_server() {
    let (emu, tp, _, agent) = setup(opts()).await;
    let reference = emu.calls(&agent);

    let done = all_calls(&tp, &agent, &parse("done:false", &tp), 100).await;
    let want = expected(&emu, &agent, |c| {
        not_deleted(c) && c["done"] == Value::Bool(false)
    });
    assert!(!want.is_empty());
    assert_eq!(ids(&done), want);

    let mid = created(&reference[reference.len() / 2]);
    let late = created(&reference[reference.len() / 4]);
    let f = Filter {
        from: Some(mid),
        to: Some(late),
        ..Filter::default()
    };
    let ranged = all_calls(&tp, &agent, &f, 100).await;
    let want = expected(&emu, &agent, |c| {
        not_deleted(c) && created(c) > mid && created(c) < late
    });
    assert!(!want.is_empty());
    let got = ids(&ranged);
    // Whatever the emulator's rule at the bounds, the inside must match exactly.
    assert!(want.iter().all(|id| got.contains(id)), "from/to lost calls");
    assert!(
        ranged
            .iter()
            .all(|c| c.started_at.unwrap() >= mid && c.started_at.unwrap() <= late)
    );

    let number = reference
        .iter()
        .filter_map(|c| c["phone_number"].as_str())
        .find(|n| {
            reference
                .iter()
                .filter(|c| c["phone_number"].as_str() == Some(n))
                .count()
                > 1
        })
        .expect("a caller with several calls")
        .to_string();
    let by_phone = all_calls(&tp, &agent, &parse(&format!("phone:{number}"), &tp), 100).await;
    let want = expected(&emu, &agent, |c| {
        not_deleted(c) && c["phone_number"].as_str() == Some(&number)
    });
    assert!(want.len() > 1);
    assert_eq!(ids(&by_phone), want);

    let name = reference
        .iter()
        .find_map(|c| c["customer_name"].as_str())
        .unwrap()
        .split(' ')
        .next_back()
        .unwrap()
        .to_string();
    let searched = all_calls(&tp, &agent, &parse(&format!("\"{name}\""), &tp), 100).await;
    let needle = name.to_lowercase();
    let want = expected(&emu, &agent, |c| {
        not_deleted(c)
            && ["customer_name", "phone_number", "call_summary"]
                .iter()
                .any(|k| {
                    c[*k]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().contains(&needle))
                })
    });
    assert!(!want.is_empty());
    assert_eq!(ids(&searched), want);

    let with_deleted = all_calls(&tp, &agent, &parse("include_deleted:true", &tp), 100).await;
    assert_eq!(ids(&with_deleted), expected(&emu, &agent, |_| true));
    let deleted: Vec<&Call> = with_deleted.iter().filter(|c| c.deleted).collect();
    assert!(!deleted.is_empty(), "soft-deleted calls are marked");
    assert_eq!(
        deleted.len(),
        expected(&emu, &agent, |c| !not_deleted(c)).len()
    );

    // Locally applied keys are not sent: a dir filter leaves the server query alone.
    let q = callbrowser::providers::talkpilot::calls_query(
        &parse("dir:in done:true", &tp),
        PageRequest { page: 2, size: 50 },
        100,
    );
    assert_eq!(
        q,
        vec![
            ("page", "2".to_string()),
            ("limit", "50".to_string()),
            ("done", "true".to_string())
        ]
    );
}

/// `phone_number` is an exact match: a whole number goes to the server, a part of one is applied
/// to what was loaded (and reported as local).
#[tokio::test]
async fn phone_whole_number_to_the_server_part_of_one_locally() {
    let (emu, tp, _, agent) = setup(opts()).await;
    let caps = tp.capabilities();
    let reference = emu.calls(&agent);
    let number = reference
        .iter()
        .filter_map(|c| c["phone_number"].as_str())
        .find(|n| {
            reference
                .iter()
                .filter(|c| c["phone_number"].as_str() == Some(n))
                .count()
                > 1
        })
        .expect("a caller with several calls")
        .to_string();

    // Typed with spaces: normalised and sent.
    let typed = format!("{} {} {}", &number[..3], &number[3..6], &number[6..]);
    let f = parse(&format!("\"phone:{typed}\""), &tp);
    assert!(f.local_keys(caps).is_empty());
    let q =
        callbrowser::providers::talkpilot::calls_query(&f, PageRequest { page: 1, size: 100 }, 100);
    assert!(q.contains(&("phone_number", number.clone())), "{q:?}");
    let got = all_calls(&tp, &agent, &f, 100).await;
    let want = expected(&emu, &agent, |c| {
        not_deleted(c) && c["phone_number"].as_str() == Some(&number)
    });
    assert!(want.len() > 1);
    assert_eq!(ids(&got), want);

    // The last digits only: not sent (the server would find nothing), applied locally.
    let part = number[number.len() - 5..].to_string();
    let f = parse(&format!("phone:{part}"), &tp);
    assert_eq!(f.local_keys(caps), vec!["phone"]);
    let q =
        callbrowser::providers::talkpilot::calls_query(&f, PageRequest { page: 1, size: 100 }, 100);
    assert!(q.iter().all(|(k, _)| *k != "phone_number"), "{q:?}");
    let loaded = all_calls(&tp, &agent, &f, 100).await;
    assert_eq!(
        ids(&loaded),
        expected(&emu, &agent, not_deleted),
        "the server got no phone filter"
    );
    let kept: Vec<Call> = loaded
        .into_iter()
        .filter(|c| f.matches_local(c, caps))
        .collect();
    let want = expected(&emu, &agent, |c| {
        not_deleted(c)
            && c["phone_number"]
                .as_str()
                .is_some_and(|n| n.contains(&part))
    });
    assert!(want.len() > 1);
    assert_eq!(ids(&kept), want);
}

#[tokio::test]
async fn detail_parses_the_transcript_inside_a_string() {
    let (emu, tp, _, agent) = setup(opts()).await;
    let mut parsed = 0;
    let mut broken = 0;
    let mut purged = 0;
    for c in emu.calls(&agent) {
        let id = c["id"].as_str().unwrap();
        let key = At {
            scope: Some(agent.clone()),
            id: id.into(),
        };
        let d = tp.detail(&key).await.unwrap();
        match &d.transcript {
            Transcript::Turns(turns) => {
                assert!(!turns.is_empty());
                assert!(
                    turns
                        .iter()
                        .any(|t| t.speaker == callbrowser::model::Speaker::Agent)
                );
                assert!(
                    turns
                        .iter()
                        .any(|t| t.speaker == callbrowser::model::Speaker::Caller)
                );
                assert!(d.score.is_some());
                assert!(matches!(d.recording, RecordingRef::SignedUrl { .. }));
                parsed += 1;
            }
            Transcript::Unparsed { raw, warning } => {
                assert!(!raw.is_empty(), "a broken transcript is kept, not dropped");
                assert!(warning.contains("could not be read"));
                assert_eq!(d.warnings.len(), 1);
                broken += 1;
            }
            Transcript::Purged => {
                assert!(d.call.purged);
                assert_eq!(d.recording, RecordingRef::Purged);
                assert_eq!(d.call.caller_number, None);
                assert_eq!(d.call.has_transcript, Some(false));
                purged += 1;
            }
            other => panic!("unexpected transcript state {other:?} for {id}"),
        }
    }
    assert!(
        parsed > 50 && broken >= 1 && purged >= 1,
        "{parsed} {broken} {purged}"
    );
}

#[tokio::test]
async fn a_wrong_key_is_one_clear_sentence() {
    let (emu, _, _, agent) = setup(opts()).await;
    let (bad, _) = adapter_with(
        &emu,
        "tp_live_00000000000000000000000000000000".into(),
        limits(),
    );
    let e = bad
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "TalkPilot rejected the API key (401 UNAUTHORIZED): check TP_KEY"
    );
    let (expired, _) = adapter_with(&emu, emu.expired_key(), limits());
    assert!(matches!(
        expired.check().await,
        Err(ProviderError::Auth { status: 401, .. })
    ));

    let (no_calls, _) = adapter_with(&emu, emu.key_without_calls_read(), limits());
    let e = no_calls
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, ProviderError::Forbidden { status: 403, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("calls:read"), "{e}");

    let (limited, _) = adapter_with(&emu, emu.key_limited_to_first_agent(), limits());
    let other = emu.agents()[1]["id"].as_str().unwrap().to_string();
    let e = limited
        .list_calls(
            Some(&other),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    assert_eq!(
        limited
            .list_scopes(None, PageRequest { page: 1, size: 100 })
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

#[tokio::test]
async fn rate_limit_429_waits_for_retry_after() {
    let (emu, tp, notices, agent) = setup(opts()).await;
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let page = tp
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
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
}

#[tokio::test]
async fn a_real_rate_limit_beyond_the_wait_bound_is_a_clear_error() {
    let (emu, _, _, agent) = setup(EmulatorOptions {
        rate_limit_per_minute: 2,
        ..opts()
    })
    .await;
    let (tp, _) = adapter_with(
        &emu,
        emu.api_key(),
        HttpLimits {
            max_rate_limit_wait: Duration::from_millis(10),
            ..limits()
        },
    );
    for _ in 0..2 {
        tp.list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 5 },
        )
        .await
        .unwrap();
    }
    let e = tp
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 5 },
        )
        .await
        .unwrap_err();
    match &e {
        ProviderError::RateLimited {
            retry_after_secs: Some(s),
            ..
        } => assert!(*s <= 60),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("TalkPilot is rate limiting requests"),
        "{e}"
    );
}

#[tokio::test]
async fn server_errors_and_broken_connections_are_retried() {
    let (emu, tp, notices, agent) = setup(opts()).await;
    for fault in [
        Fault::Status(500),
        Fault::Status(502),
        Fault::ConnectionReset,
        Fault::TruncatedBody,
    ] {
        emu.faults().push(fault.clone());
        let p = tp
            .list_calls(
                Some(&agent),
                &Filter::default(),
                PageRequest { page: 1, size: 10 },
            )
            .await;
        assert_eq!(
            p.map(|p| p.items.len()).ok(),
            Some(10),
            "{fault:?} then success"
        );
    }
    assert_eq!(
        notices
            .lock()
            .unwrap()
            .iter()
            .filter(|n| matches!(n, HttpNotice::Retrying { .. }))
            .count(),
        4
    );
    // Three failures in a row exhaust the retries and name the cause.
    for _ in 0..4 {
        emu.faults().push(Fault::Status(500));
    }
    let e = tp
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 10 },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, ProviderError::Vendor { status: 500, .. }),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("TalkPilot answered 500"), "{e}");
    emu.faults().clear();
}

#[tokio::test]
async fn malformed_answers_do_not_hide_good_records() {
    let (emu, tp, _, agent) = setup(opts()).await;
    emu.faults().push(Fault::WrongTypesRecord);
    let p = tp
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!(
        p.items.len() + p.unreadable,
        20,
        "every record is shown or counted"
    );
    assert!(p.items.len() >= 19);

    emu.faults().push(Fault::MalformedJson);
    let e = tp
        .list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("TalkPilot sent an answer that could not be read"),
        "{e}"
    );
}

#[tokio::test]
async fn recordings_come_from_the_signed_url_without_the_key() {
    let (emu, tp, _, agent) = setup(opts()).await;
    let call = emu
        .calls(&agent)
        .into_iter()
        .find(|c| c["is_purged"] == Value::Bool(false) && c["deleted_at"].is_null())
        .unwrap();
    let key = At {
        scope: Some(agent.clone()),
        id: call["id"].as_str().unwrap().into(),
    };
    let mut rec = tp.recording(&key, 0).await.unwrap();
    assert_eq!(rec.content_type.as_deref(), Some("audio/wav"));
    let total = rec.total_len.unwrap();
    assert!(rec.accepts_ranges);
    let mut head = Vec::new();
    while let Some(chunk) = rec.chunk().await.unwrap() {
        head.extend_from_slice(&chunk);
        if head.len() > 64 {
            break;
        }
    }
    assert_eq!(&head[..4], b"RIFF");
    drop(rec);
    let rec = tp.recording(&key, 1000).await.unwrap();
    assert_eq!(rec.starts_at, 1000);
    assert_eq!(rec.total_len, Some(total));
    let seen = emu.storage_requests();
    assert!(!seen.is_empty());
    for r in &seen {
        for (name, _) in &r.headers {
            let n = name.to_ascii_lowercase();
            assert!(
                n != "x-api-key" && n != "authorization" && n != "referer",
                "{n} sent to the storage host"
            );
        }
    }
}
