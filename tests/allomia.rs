//! The AlloMia adapter against its emulator, over real HTTP on loopback.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callbrowser::http::{HttpClient, HttpLimits, HttpNotice};
use callbrowser::model::{
    Call, Direction, Filter, PageRequest, RecordingRef, Scope, Speaker, Transcript,
};
use callbrowser::providers::allomia::{AlloMia, AlloMiaSettings, calls_query};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::allomia::{
    self, AlloMiaEmulator, CallFacts, Redirect, RetryAfter, WrongTypes,
};
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

fn adapter_with(emu: &AlloMiaEmulator, key: String, org: Option<Scope>) -> (AlloMia, Notices) {
    adapter_limited(emu, key, org, limits())
}

fn adapter_limited(
    emu: &AlloMiaEmulator,
    key: String,
    org: Option<Scope>,
    api_limits: HttpLimits,
) -> (AlloMia, Notices) {
    let notices: Notices = Arc::default();
    let sink = notices.clone();
    let api = HttpClient::new(api_limits)
        .unwrap()
        .with_notifier(Arc::new(move |n| sink.lock().unwrap().push(n)));
    let storage = HttpClient::without_credentials(limits()).unwrap();
    let am = AlloMia::new(
        AlloMiaSettings {
            name: "am".into(),
            label: "AlloMia".into(),
            base_url: emu.base_url(),
            api_key: key,
            key_hint: "check ALLOMIA_KEY".into(),
            organization: org,
        },
        api,
        storage,
    );
    (am, notices)
}

/// An adapter that waits at most 10 ms for rate limits and 503s.
fn impatient(emu: &AlloMiaEmulator) -> (AlloMia, Notices) {
    let l = HttpLimits {
        max_rate_limit_wait: Duration::from_millis(10),
        ..limits()
    };
    adapter_limited(emu, emu.tenant_key(), None, l)
}

fn org_ids(emu: &AlloMiaEmulator) -> Vec<String> {
    emu.organizations()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

async fn setup(o: EmulatorOptions) -> (AlloMiaEmulator, AlloMia, Notices, String) {
    let emu = allomia::start(o).await.unwrap();
    let (am, notices) = adapter_with(&emu, emu.tenant_key(), None);
    let org = org_ids(&emu)[0].clone();
    (emu, am, notices, org)
}

/// Every call of every page, following the adapter's paging to the end.
async fn all_calls(am: &AlloMia, org: &str, filter: &Filter, size: u32) -> Vec<Call> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = am
            .list_calls(Some(org), filter, PageRequest { page, size })
            .await
            .unwrap();
        assert_eq!(p.page, page);
        assert_eq!(p.unreadable, 0);
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

fn expected(emu: &AlloMiaEmulator, org: &str, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    emu.calls(org)
        .iter()
        .filter(|c| keep(c))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn started(c: &Value) -> DateTime<Utc> {
    c["callStartedAt"].as_str().unwrap().parse().unwrap()
}

fn parse(s: &str, am: &AlloMia) -> Filter {
    Filter::parse(s, am.capabilities(), opts().now).unwrap()
}

fn key(org: &str, id: &str) -> At {
    At {
        scope: Some(org.into()),
        id: id.into(),
    }
}

/// The query of the last `/api/calls` request the emulator saw.
fn last_calls_query(emu: &AlloMiaEmulator) -> allomia::ApiRequest {
    emu.api_requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/api/calls")
        .expect("a calls request")
}

/// The exact query pairs of a recorded request, in order.
fn pairs(r: &allomia::ApiRequest) -> Vec<(&str, &str)> {
    r.query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The `/api/calls` requests after the first `since` API requests.
fn calls_requests_since(emu: &AlloMiaEmulator, since: usize) -> Vec<allomia::ApiRequest> {
    emu.api_requests()
        .into_iter()
        .skip(since)
        .filter(|r| r.path == "/api/calls")
        .collect()
}

/// Pages every call with `filter` and asserts the exact query of each page request: the
/// organization, the page number counting up from 1, the limit, then `extra`.
async fn all_calls_sending(
    emu: &AlloMiaEmulator,
    am: &AlloMia,
    org: &str,
    filter: &Filter,
    extra: &[(&str, &str)],
) -> Vec<Call> {
    let since = emu.api_requests().len();
    let got = all_calls(am, org, filter, 50).await;
    let sent = calls_requests_since(emu, since);
    assert!(!sent.is_empty());
    for (i, r) in sent.iter().enumerate() {
        let page = (i + 1).to_string();
        let mut want = vec![("organizationId", org), ("page", &page), ("limit", "50")];
        want.extend_from_slice(extra);
        assert_eq!(pairs(r), want);
        assert_eq!(r.method, "GET");
        assert!(r.had_authorization);
    }
    got
}

fn facts_of(emu: &AlloMiaEmulator, org: &str) -> Vec<CallFacts> {
    emu.call_facts()
        .into_iter()
        .filter(|f| f.organization_id == org)
        .collect()
}

/// Nothing secret reached the storage or mirror host (the storage host would also have answered
/// a request with `Authorization` 400 InvalidArgument, as S3 does).
fn no_credentials_reached_storage(emu: &AlloMiaEmulator) {
    let mut seen = emu.storage_requests();
    assert!(!seen.is_empty());
    seen.extend(emu.mirror_requests());
    for r in &seen {
        for (name, _) in &r.headers {
            let n = name.to_ascii_lowercase();
            assert!(
                n != "x-api-key" && n != "authorization" && n != "referer" && n != "cookie",
                "{n} sent to the storage host ({})",
                r.path_and_query_redacted
            );
        }
    }
}

#[tokio::test]
async fn organizations_and_paging_to_the_last_page() {
    let (emu, am, _, org) = setup(opts()).await;
    assert_eq!(am.capabilities().scope_noun, Some("organization"));
    assert!(am.pinned_scope().is_none());
    let scopes = am
        .list_scopes(None, PageRequest { page: 1, size: 100 })
        .await
        .unwrap();
    assert_eq!(scopes.items.len(), 3);
    assert_eq!(scopes.items[0].id, org);
    assert!(
        scopes.items[2]
            .detail
            .as_deref()
            .unwrap()
            .contains("America/Los_Angeles")
    );
    let searched = am
        .list_scopes(Some("valley"), PageRequest { page: 1, size: 100 })
        .await
        .unwrap();
    assert_eq!(searched.items.len(), 1);
    assert_eq!(searched.items[0].name, "Valley Health Clinic");
    let r = emu.api_requests().pop().unwrap();
    assert_eq!(r.path, "/api/organization");
    assert_eq!(
        pairs(&r),
        [
            ("page", "1"),
            ("limit", "100"),
            ("sort", "createdAt"),
            ("search", "valley")
        ]
    );
    // Organizations page too.
    let p2 = am
        .list_scopes(None, PageRequest { page: 2, size: 2 })
        .await
        .unwrap();
    assert_eq!(
        (p2.items.len(), p2.has_more, p2.total_pages),
        (1, false, Some(2))
    );

    let calls = all_calls(&am, &org, &Filter::default(), 20).await;
    assert_eq!(ids(&calls), expected(&emu, &org, |_| true));
    assert_eq!(calls.len(), allomia::CALLS_PER_ORG);
    assert!(calls.windows(2).all(|w| w[0].started_at >= w[1].started_at));
    assert!(
        calls
            .iter()
            .all(|c| c.scope.as_deref() == Some(org.as_str()))
    );
    let first = am
        .list_calls(
            Some(&org),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!(first.total_items, Some(calls.len() as u64));
    assert_eq!(first.total_pages, Some(calls.len().div_ceil(20) as u32));
    assert!(first.has_more);
    // More than the API allows is clamped to 50.
    let big = am
        .list_calls(
            Some(&org),
            &Filter::default(),
            PageRequest { page: 1, size: 500 },
        )
        .await
        .unwrap();
    assert_eq!(big.page_size, 50);
    assert_eq!(big.items.len(), 50);
    assert_eq!(
        pairs(&last_calls_query(&emu)),
        [
            ("organizationId", org.as_str()),
            ("page", "1"),
            ("limit", "50")
        ]
    );
    // Past the end: empty, no more.
    let past = am
        .list_calls(
            Some(&org),
            &Filter::default(),
            PageRequest { page: 99, size: 50 },
        )
        .await
        .unwrap();
    assert!(past.items.is_empty() && !past.has_more);

    // Mapping of list items: string (and numeric) durations, direction, caller number.
    let raw = emu.calls(&org);
    for (c, r) in calls.iter().zip(&raw) {
        let secs: f64 = match &r["callDurationSeconds"] {
            Value::String(s) => s.parse().unwrap(),
            n => n.as_f64().unwrap(),
        };
        assert_eq!(c.duration_secs, Some(secs));
        assert_eq!(c.caller_number.as_deref(), r["userPhoneNumber"].as_str());
        assert_eq!(
            c.direction.map(Direction::as_str),
            r["callType"]
                .as_str()
                .map(|t| t.to_ascii_lowercase())
                .as_deref()
        );
        assert!(
            c.fields
                .iter()
                .any(|(k, v)| k == "agentName" && Some(v.as_str()) == r["agentName"].as_str())
        );
    }
    assert!(raw.iter().any(|r| r["callDurationSeconds"].is_number()));
    assert!(raw.iter().all(|r| !r["callDurationSeconds"].is_null()));

    assert_eq!(
        am.check().await.unwrap(),
        "tenant key accepted; 3 organization(s) visible"
    );
    let r = emu.api_requests().pop().unwrap();
    assert_eq!(
        (r.path.as_str(), pairs(&r)),
        ("/api/organization", vec![("page", "1"), ("limit", "1")])
    );
}

#[tokio::test]
async fn every_documented_filter_is_sent_to_the_server() {
    let (emu, am, _, org) = setup(opts()).await;
    let reference = emu.calls(&org);

    for (token, call_type) in [
        ("dir:in", "Inbound"),
        ("dir:out", "Outbound"),
        ("dir:web", "Web"),
    ] {
        let f = parse(token, &am);
        let got = all_calls_sending(&emu, &am, &org, &f, &[("callType", call_type)]).await;
        let want = expected(&emu, &org, |c| c["callType"] == call_type);
        assert!(!want.is_empty(), "{token}");
        assert_eq!(ids(&got), want, "{token}");
    }

    let f = parse("agent:rappels", &am);
    let got = all_calls_sending(&emu, &am, &org, &f, &[("agentName", "rappels")]).await;
    let want = expected(&emu, &org, |c| {
        c["agentName"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("rappels")
    });
    assert!(!want.is_empty());
    assert_eq!(ids(&got), want);

    let mid = started(&reference[reference.len() / 2]);
    let late = started(&reference[reference.len() / 4]);
    let f = Filter {
        from: Some(mid),
        to: Some(late),
        ..Filter::default()
    };
    // Second precision, Z, as the vendor's example `2025-05-01T00:00:00Z`.
    let (from, to) = (
        mid.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        late.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    assert_eq!(reference[reference.len() / 4]["callStartedAt"], to.as_str());
    let got = all_calls_sending(&emu, &am, &org, &f, &[("from", &from), ("to", &to)]).await;
    let want = expected(&emu, &org, |c| started(c) >= mid && started(c) <= late);
    assert!(want.len() > 10);
    assert_eq!(ids(&got), want);
    // Dates from the filter line reach the server as full times, in UTC.
    let f = parse("from:2026-03-01 to:2026-03-10", &am);
    let (from, to) = (
        f.from.unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        f.to.unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    all_calls_sending(&emu, &am, &org, &f, &[("from", &from), ("to", &to)]).await;

    let facts = facts_of(&emu, &org);
    let intent = "prescription_renewal";
    let f = parse(&format!("intent:{intent}"), &am);
    let got = all_calls_sending(&emu, &am, &org, &f, &[("userPrimaryIntent", intent)]).await;
    let want: Vec<String> = facts
        .iter()
        .filter(|f| f.intent == Some(intent))
        .map(|f| f.id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&got), want);

    for sort in ["asc", "duration_desc", "duration_asc", "desc"] {
        let f = parse(&format!("sort:{sort}"), &am);
        let got = all_calls_sending(&emu, &am, &org, &f, &[("sort", sort)]).await;
        assert_eq!(got.len(), reference.len());
        let ok = got.windows(2).all(|w| match sort {
            "asc" => w[0].started_at <= w[1].started_at,
            "desc" => w[0].started_at >= w[1].started_at,
            "duration_desc" => w[0].duration_secs >= w[1].duration_secs,
            _ => w[0].duration_secs <= w[1].duration_secs,
        });
        assert!(ok, "sorted {sort}");
    }

    // Everything at once, and nothing local is sent.
    let f = parse(
        "dir:in agent:desk intent:book_appointment sort:asc phone:514 hello",
        &am,
    );
    let q = calls_query("o", &f, PageRequest { page: 3, size: 10 });
    let want = [
        ("organizationId", "o"),
        ("page", "3"),
        ("limit", "10"),
        ("callType", "Inbound"),
        ("agentName", "desk"),
        ("userPrimaryIntent", "book_appointment"),
        ("sort", "asc"),
    ];
    let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(q, want);
    // … and exactly that reaches the server.
    let since = emu.api_requests().len();
    am.list_calls(Some(&org), &f, PageRequest { page: 3, size: 10 })
        .await
        .unwrap();
    let sent = calls_requests_since(&emu, since);
    let mut want = want.to_vec();
    want[0].1 = &org;
    assert_eq!(sent.iter().map(pairs).collect::<Vec<_>>(), [want]);
    assert_eq!(
        f.local_keys(am.capabilities()),
        vec!["text".to_string(), "phone".to_string()]
    );
    // An unknown key lists the provider's own.
    let e = Filter::parse("team:x", am.capabilities(), opts().now).unwrap_err();
    assert!(e.to_string().contains("agent, intent, sort"), "{e}");
}

#[tokio::test]
async fn organization_key_is_pinned_and_cannot_list_organizations() {
    let emu = allomia::start(opts()).await.unwrap();
    let orgs = emu.organizations();
    let org1 = orgs[1]["id"].as_str().unwrap().to_string();
    let org0 = orgs[0]["id"].as_str().unwrap().to_string();

    let (unpinned, _) = adapter_with(&emu, emu.organization_key(1), None);
    let e = unpinned
        .list_scopes(None, PageRequest { page: 1, size: 20 })
        .await
        .unwrap_err();
    assert!(
        matches!(e, ProviderError::Forbidden { status: 403, .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "AlloMia refused access (403 Forbidden): this is an organization key, which cannot list \
         organizations; set organization = \"<id>\" in this provider's config"
    );
    assert!(matches!(
        unpinned.check().await,
        Err(ProviderError::Forbidden { .. })
    ));
    let e = unpinned
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("choose an organization first"),
        "{e}"
    );

    let pinned_scope = Scope {
        id: org1.clone(),
        name: "Riverside Family Health Team".into(),
        detail: None,
    };
    let (pinned, _) = adapter_with(&emu, emu.organization_key(1), Some(pinned_scope.clone()));
    assert_eq!(pinned.pinned_scope(), Some(&pinned_scope));
    let scopes = pinned
        .list_scopes(None, PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert_eq!(scopes.items, vec![pinned_scope.clone()]);
    let page = pinned
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 50 })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 50);
    assert_eq!(page.items[0].scope.as_deref(), Some(org1.as_str()));
    assert_eq!(
        pairs(&last_calls_query(&emu)),
        [
            ("organizationId", org1.as_str()),
            ("page", "1"),
            ("limit", "50")
        ],
        "the pinned organization is sent"
    );
    // No teams in this organization: the null team fields are shown as such.
    assert!(
        page.items[0]
            .fields
            .iter()
            .any(|(k, v)| k == "teamName" && v == "—")
    );
    assert_eq!(
        pinned.check().await.unwrap(),
        format!(
            "key accepted; {} call(s) in organization Riverside Family Health Team",
            allomia::CALLS_PER_ORG
        )
    );
    assert_eq!(
        pairs(&last_calls_query(&emu)),
        [
            ("organizationId", org1.as_str()),
            ("page", "1"),
            ("limit", "1")
        ]
    );
    let d = pinned
        .detail(&At {
            scope: None,
            id: page.items[0].id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(d.call.scope.as_deref(), Some(org1.as_str()));

    // Another organization's calls: 404 in clear words.
    let e = pinned
        .list_calls(
            Some(&org0),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("Organization not found"), "{e}");
    assert!(
        e.to_string()
            .contains("check organization in this provider's config"),
        "{e}"
    );
    let other_call = emu.calls(&org0)[0]["id"].as_str().unwrap().to_string();
    let e = pinned.detail(&key(&org0, &other_call)).await.unwrap_err();
    assert!(e.to_string().contains("Call not found"), "{e}");
    assert!(e.to_string().contains("another organization"), "{e}");
}

#[tokio::test]
async fn detail_has_both_summaries_and_the_parsed_transcript() {
    let (emu, am, _, org) = setup(opts()).await;
    let facts = facts_of(&emu, &org);
    let (mut turns_seen, mut unusual, mut unformatted, mut missing, mut fr_main) = (0, 0, 0, 0, 0);
    for f in &facts {
        let d = am.detail(&key(&org, &f.id)).await.unwrap();
        let raw = emu.call_detail(&f.id).unwrap();
        assert_eq!(d.call.id, f.id);
        assert_eq!(d.outcome.as_deref(), Some(f.outcome));
        assert_eq!(d.intent.as_deref(), f.intent);
        assert_eq!(d.sentiment.as_deref(), raw["userSentiment"].as_str());
        assert_eq!(d.call.caller_name.as_deref(), raw["userName"].as_str());
        assert_eq!(d.handled_by.as_deref(), Some(f.agent_name));
        assert!(d.call.fields.iter().any(|(k, _)| k == "callEndedReason"));
        if f.english_summary_missing {
            assert_eq!(d.call.summary.as_deref(), raw["callSummaryFr"].as_str());
            assert!(d.other_summaries.is_empty());
            fr_main += 1;
        } else {
            assert_eq!(d.call.summary.as_deref(), raw["callSummary"].as_str());
            assert_eq!(d.other_summaries.len(), 1);
            assert_eq!(d.other_summaries[0].0, "fr-CA");
            assert_eq!(
                Some(d.other_summaries[0].1.as_str()),
                raw["callSummaryFr"].as_str()
            );
        }
        assert_eq!(d.call.has_recording, Some(f.has_recording));
        assert_eq!(d.recording.is_available(), f.has_recording);
        if let RecordingRef::SignedUrl { expires_at, .. } = &d.recording {
            let left = expires_at.unwrap() - Utc::now();
            assert!(left > chrono::Duration::minutes(55) && left <= chrono::Duration::minutes(61));
        }
        match &d.transcript {
            Transcript::Turns(turns) => {
                assert!(f.has_transcript && !f.unformatted_transcript);
                assert!(d.warnings.is_empty(), "{:?}", d.warnings);
                assert!(turns.iter().any(|t| t.speaker == Speaker::Agent));
                if f.outcome != "voicemail_left" {
                    assert!(
                        turns.iter().any(|t| t.speaker == Speaker::Caller),
                        "{}",
                        f.id
                    );
                }
                assert!(turns.iter().all(|t| !t.text.trim().is_empty()));
                assert!(
                    turns
                        .iter()
                        .all(|t| matches!(t.speaker, Speaker::Agent | Speaker::Caller)),
                    "only Agent and User: {}",
                    f.id
                );
                // Every non-blank line of the file is in exactly one turn.
                let text = emu.transcript_text(&f.id).unwrap();
                let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
                let in_turns: usize = turns.iter().map(|t| t.text.lines().count()).sum();
                assert_eq!(lines, in_turns, "{}", f.id);
                if f.unusual_transcript {
                    unusual += 1;
                }
                turns_seen += 1;
            }
            Transcript::Unparsed { raw, warning } => {
                assert!(f.unformatted_transcript, "{}", f.id);
                assert_eq!(Some(raw.clone()), emu.transcript_text(&f.id));
                assert!(d.warnings.contains(warning));
                unformatted += 1;
            }
            Transcript::Missing => {
                assert!(!f.has_transcript, "{}: {:?}", f.id, d.warnings);
                assert_eq!(d.call.has_transcript, Some(false));
                missing += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((unusual, unformatted), (4, 1));
    assert!(
        turns_seen > 100 && missing >= 1 && fr_main >= 1,
        "{turns_seen} {missing} {fr_main}"
    );
    no_credentials_reached_storage(&emu);

    // The unusual transcript among the newest calls: a continuation line, a very long line.
    let f = facts
        .iter()
        .take(20)
        .find(|f| f.unusual_transcript)
        .unwrap();
    let d = am.detail(&key(&org, &f.id)).await.unwrap();
    let turns = d.transcript.turns();
    let first: Vec<&str> = turns[0].text.lines().collect();
    assert_eq!(first.len(), 3, "{first:?}");
    assert!(
        first[2].starts_with("Note: ") || first[2].starts_with("Rappel : "),
        "a `Note:` line is no speaker: it continues the turn: {first:?}"
    );
    assert!(
        turns
            .iter()
            .any(|t| t.speaker == Speaker::Caller && t.text.len() > 1500)
    );
}

#[tokio::test]
async fn an_expired_transcript_link_is_replaced_once() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_transcript && f.has_recording && !f.unformatted_transcript)
        .unwrap();
    let details = |emu: &AlloMiaEmulator| {
        emu.api_requests()
            .iter()
            .filter(|r| r.path == format!("/api/calls/{}", f.id))
            .count()
    };
    emu.expire_next_urls(1);
    let d = am.detail(&key(&org, &f.id)).await.unwrap();
    assert!(
        matches!(d.transcript, Transcript::Turns(_)),
        "{:?}",
        d.warnings
    );
    assert!(d.warnings.is_empty());
    assert_eq!(details(&emu), 2, "the detail was fetched again once");
    // The fresh detail's recording link replaces the stale one.
    match &d.recording {
        RecordingRef::SignedUrl { expires_at, .. } => assert!(expires_at.unwrap() > Utc::now()),
        other => panic!("{other:?}"),
    }
    let transcript_gets = emu
        .storage_requests()
        .iter()
        .filter(|r| r.path_and_query_redacted.contains("/transcripts/"))
        .count();
    assert_eq!(transcript_gets, 2);

    // Still expired after the re-fetch: a warning, not an error, and no loop.
    emu.expire_next_urls(2);
    let d = am.detail(&key(&org, &f.id)).await.unwrap();
    assert_eq!(d.transcript, Transcript::Missing);
    assert_eq!(d.warnings.len(), 1);
    assert!(
        d.warnings[0].starts_with("the transcript could not be fetched"),
        "{:?}",
        d.warnings
    );
    assert!(d.warnings[0].contains("AccessDenied"), "{:?}", d.warnings);
    assert_eq!(details(&emu), 4);
    no_credentials_reached_storage(&emu);
}

fn is_mp3(head: &[u8]) -> bool {
    head.starts_with(b"ID3") || (head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
}

#[tokio::test]
async fn recordings_are_read_from_signed_urls_without_credentials() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let k = key(&org, &f.id);
    let mut rec = am.recording(&k, 0).await.unwrap();
    assert_eq!(rec.content_type.as_deref(), Some("audio/mpeg"));
    assert_eq!(rec.total_len, Some(f.recording_bytes));
    assert!(rec.accepts_ranges);
    let mut body = Vec::new();
    while let Some(chunk) = rec.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    assert_eq!(body.len() as u64, f.recording_bytes);
    assert!(is_mp3(&body), "MP3 header");

    // Resume at a byte: 206 from there.
    let mut rec = am.recording(&k, 1000).await.unwrap();
    assert_eq!(rec.starts_at, 1000);
    assert_eq!(rec.total_len, Some(f.recording_bytes));
    let chunk = rec.chunk().await.unwrap().unwrap();
    assert_eq!(&chunk[..16], &body[1000..1016]);
    drop(rec);

    // get_call leaves a fresh URL that open_recording uses without another detail request.
    am.detail(&k).await.unwrap();
    let before = emu.api_requests().len();
    am.recording(&k, 0).await.unwrap();
    assert_eq!(emu.api_requests().len(), before, "a valid link is reused");

    // Revoked links (403 SignatureDoesNotMatch): one fresh detail, then the bytes, same offset.
    emu.rotate_signing_key();
    let before = emu.api_requests().len();
    let rec = am.recording(&k, 500).await.unwrap();
    assert_eq!(rec.starts_at, 500);
    assert_eq!(emu.api_requests().len(), before + 1);

    // Past the end: a clear sentence.
    let Err(e) = am.recording(&k, f.recording_bytes + 10).await else {
        panic!("a range past the end must fail");
    };
    assert!(e.to_string().contains("416"), "{e}");

    // A call without a recording says so.
    if let Some(none) = facts_of(&emu, &org).into_iter().find(|f| !f.has_recording) {
        let Err(e) = am.recording(&key(&org, &none.id), 0).await else {
            panic!("no recording expected");
        };
        assert_eq!(
            e.to_string(),
            "AlloMia: not found (this call has no recording)"
        );
    }
    no_credentials_reached_storage(&emu);
}

/// How many times the emulator was asked for this call's detail.
fn detail_requests(emu: &AlloMiaEmulator, id: &str) -> usize {
    let path = format!("/api/calls/{id}");
    emu.api_requests().iter().filter(|r| r.path == path).count()
}

async fn read_all(rec: &mut callbrowser::providers::RecordingStream) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(chunk) = rec.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    body
}

#[tokio::test]
async fn a_cached_recording_link_that_storage_finds_expired_is_replaced() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let k = key(&org, &f.id);
    let d = am.detail(&k).await.unwrap();
    let RecordingRef::SignedUrl { url, expires_at } = d.recording else {
        panic!("no recording");
    };
    // The expiry is read from the URL (X-Amz-Date + X-Amz-Expires): an hour ahead, so the
    // adapter keeps the link for open_recording.
    assert_eq!(expires_at, allomia_expiry(&url));
    assert!(expires_at.unwrap() > Utc::now() + chrono::Duration::minutes(59));
    assert_eq!(detail_requests(&emu, &f.id), 1);

    // An hour passes on the vendor's clock, not on ours: storage now refuses the cached link.
    emu.advance_url_clock(Duration::from_secs(3601));
    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert!(
        body.contains("<Message>Request has expired</Message>"),
        "{body}"
    );

    let storage_before = emu.storage_requests().len();
    let mut rec = am.recording(&k, 1000).await.unwrap();
    // The cached link was tried (403), the detail fetched again once, the fresh link read.
    assert_eq!(detail_requests(&emu, &f.id), 2, "one fresh detail");
    let tried: Vec<_> = emu.storage_requests()[storage_before..].to_vec();
    assert_eq!(tried.len(), 2, "the cached link, then the fresh one");
    for r in &tried {
        assert!(r.path_and_query_redacted.contains("/recordings/"));
        assert_eq!(r.header("range"), Some("bytes=1000-"), "same position");
    }
    assert_eq!(rec.starts_at, 1000);
    assert_eq!(rec.total_len, Some(f.recording_bytes));
    assert_eq!(
        read_all(&mut rec).await.len() as u64,
        f.recording_bytes - 1000
    );
    // The fresh link is cached in turn: no further detail request.
    am.recording(&k, 0).await.unwrap();
    assert_eq!(detail_requests(&emu, &f.id), 2);
    no_credentials_reached_storage(&emu);
}

fn allomia_expiry(url: &str) -> Option<DateTime<Utc>> {
    callbrowser::providers::allomia::signed_url_expiry(url)
}

#[tokio::test]
async fn a_redirected_recording_carries_no_credentials() {
    let emu = allomia::start_with(
        opts(),
        allomia::AlloMiaOptions {
            redirect_recordings: Redirect::SameHost,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (am, _) = adapter_with(&emu, emu.tenant_key(), None);
    let org = org_ids(&emu)[2].clone();
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let mut rec = am.recording(&key(&org, &f.id), 0).await.unwrap();
    let head = rec.chunk().await.unwrap().unwrap();
    assert!(is_mp3(&head));
    let paths: Vec<String> = emu
        .storage_requests()
        .iter()
        .map(|r| r.path_and_query_redacted.clone())
        .collect();
    assert!(
        paths.iter().any(|p| p.contains("/recordings-redirect/")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.contains("/recordings/")),
        "{paths:?}"
    );
    assert!(emu.mirror_requests().is_empty());
    no_credentials_reached_storage(&emu);
}

#[tokio::test]
async fn storage_faults_give_clear_errors_never_a_silently_short_file() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording && f.has_transcript && !f.unformatted_transcript)
        .unwrap();
    let k = key(&org, &f.id);
    let total = f.recording_bytes;
    let full = read_all(&mut am.recording(&k, 0).await.unwrap()).await;
    assert_eq!(full.len() as u64, total);

    // Cut mid-recording: reading fails before the promised length…
    emu.storage_faults().push(Fault::TruncatedBody);
    let mut rec = am.recording(&k, 0).await.unwrap();
    assert_eq!(rec.total_len, Some(total), "the whole file is promised");
    let mut got = Vec::new();
    loop {
        match rec.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => panic!(
                "a short file ended silently: {} of {total} bytes",
                got.len()
            ),
            Err(_) => break,
        }
    }
    assert!(
        (got.len() as u64) < total && !got.is_empty(),
        "{}",
        got.len()
    );
    assert_eq!(emu.storage_faults().pending(), 0);
    // … and resuming at the byte reached gives exactly the rest.
    let mut rest = am.recording(&k, got.len() as u64).await.unwrap();
    assert_eq!(rest.starts_at, got.len() as u64);
    got.extend(read_all(&mut rest).await);
    assert!(got == full, "resumed bytes differ");

    // One reset or one 5xx is retried by the HTTP layer and the recording arrives.
    for fault in [Fault::ConnectionReset, Fault::Status(500)] {
        emu.storage_faults().push(fault.clone());
        let before = emu.storage_requests().len();
        let mut rec = am.recording(&k, 0).await.unwrap();
        assert!(read_all(&mut rec).await == full, "{fault:?}");
        assert_eq!(emu.storage_requests().len(), before + 2, "{fault:?}");
    }
    // 503 SlowDown with Retry-After: waited for.
    emu.storage_faults().push(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let t = Instant::now();
    let mut rec = am.recording(&k, 0).await.unwrap();
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(read_all(&mut rec).await == full);

    // Lasting resets or 5xx: one sentence naming the storage host, no URL.
    for _ in 0..10 {
        emu.storage_faults().push(Fault::ConnectionReset);
    }
    let Err(e) = am.recording(&k, 0).await else {
        panic!("lasting resets must fail");
    };
    emu.storage_faults().clear();
    assert!(matches!(e, ProviderError::Offline { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("AlloMia is unreachable: the recording could not be read from storage ("),
        "{msg}"
    );
    assert!(!msg.contains("X-Amz"), "{msg}");
    for _ in 0..10 {
        emu.storage_faults().push(Fault::Status(500));
    }
    let Err(e) = am.recording(&k, 0).await else {
        panic!("a lasting 500 must fail");
    };
    emu.storage_faults().clear();
    assert_eq!(
        e.to_string(),
        "AlloMia answered 500 InternalError: the storage host could not serve the recording; \
         try again later"
    );

    // Transcripts: a truncated file or one 5xx is retried; a lasting 5xx is a warning.
    for fault in [
        Fault::TruncatedBody,
        Fault::Status(500),
        Fault::ConnectionReset,
    ] {
        emu.storage_faults().push(fault.clone());
        let d = am.detail(&k).await.unwrap();
        assert!(
            matches!(d.transcript, Transcript::Turns(_)) && d.warnings.is_empty(),
            "{fault:?}: {:?}",
            d.warnings
        );
        let text = emu.transcript_text(&f.id).unwrap();
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        let in_turns: usize = d
            .transcript
            .turns()
            .iter()
            .map(|t| t.text.lines().count())
            .sum();
        assert_eq!(lines, in_turns, "{fault:?}: the whole file");
    }
    for _ in 0..10 {
        emu.storage_faults().push(Fault::Status(500));
    }
    let d = am.detail(&k).await.unwrap();
    emu.storage_faults().clear();
    assert_eq!(d.transcript, Transcript::Missing);
    assert_eq!(
        d.warnings,
        ["the transcript could not be fetched: the storage host answered 500 InternalError"]
    );
    no_credentials_reached_storage(&emu);
}

#[tokio::test]
async fn a_throttled_recording_arrives_whole_and_takes_its_time() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let k = key(&org, &f.id);
    // Half a second's worth of bytes per second, at least.
    let rate = (f.recording_bytes * 2).max(1);
    emu.throttle_storage(Some(rate));
    let t = Instant::now();
    let body = read_all(&mut am.recording(&k, 0).await.unwrap()).await;
    let elapsed = t.elapsed();
    assert_eq!(body.len() as u64, f.recording_bytes);
    assert!(is_mp3(&body));
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    emu.throttle_storage(None);
}

#[tokio::test]
async fn each_documented_error_is_one_clear_sentence() {
    let (emu, am, _, org) = setup(opts()).await;
    let page = PageRequest { page: 1, size: 20 };

    // 401: a wrong key (the real cause) and the status itself.
    let (bad, _) = adapter_with(&emu, "am_tenant_wrong".into(), None);
    let e = bad
        .list_calls(Some(&org), &Filter::default(), page)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "AlloMia rejected the API key (401 Unauthorized): check ALLOMIA_KEY"
    );
    assert!(matches!(
        bad.check().await,
        Err(ProviderError::Auth { status: 401, .. })
    ));
    emu.faults().push(Fault::Status(401));
    let e = am.detail(&key(&org, "x")).await.unwrap_err();
    assert!(matches!(e, ProviderError::Auth { .. }), "{e:?}");

    // 400: from after to (the real cause), and the status itself.
    let now = opts().now;
    let f = Filter {
        from: Some(now),
        to: Some(now - chrono::Duration::days(3)),
        ..Filter::default()
    };
    let e = am.list_calls(Some(&org), &f, page).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "AlloMia: the request was refused as invalid (400: 'from' date must be before 'to' date); \
         check the filter (dir:, from:/to: dates, sort:)"
    );
    emu.faults().push(Fault::Status(400));
    let e = am
        .list_calls(Some(&org), &Filter::default(), page)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("400: Invalid request data"), "{e}");

    // 404: an unknown organization and an unknown call.
    let e = am
        .list_calls(Some("no-such-org"), &Filter::default(), page)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "AlloMia: not found (organization \"no-such-org\" (Organization not found); check \
         organization in this provider's config and that the key belongs to it)"
    );
    let e = am.detail(&key(&org, "no-such-call")).await.unwrap_err();
    assert!(
        e.to_string()
            .starts_with("AlloMia: not found (call \"no-such-call\" (Call not found)"),
        "{e}"
    );

    // 500: retried, then one sentence.
    for _ in 0..4 {
        emu.faults().push(Fault::Status(500));
    }
    let e = am
        .list_calls(Some(&org), &Filter::default(), page)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "AlloMia answered 500 Internal Server Error: Internal server error; try again later"
    );
    emu.faults().clear();
    // A single 500 is retried and succeeds.
    emu.faults().push(Fault::Status(500));
    assert_eq!(
        am.list_calls(Some(&org), &Filter::default(), page)
            .await
            .unwrap()
            .items
            .len(),
        20
    );
}

#[tokio::test]
async fn rate_limit_429_waits_for_retry_after() {
    let (emu, am, notices, org) = setup(opts()).await;
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let page = am
        .list_calls(
            Some(&org),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let n = notices.lock().unwrap().clone();
    assert!(
        n.contains(&HttpNotice::Waiting {
            wait: Duration::from_secs(1),
            retry: 1
        }),
        "{n:?}"
    );
    // Past the wait bound: one clear sentence.
    let (impatient, _) = impatient(&emu);
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 5,
    });
    let e = impatient
        .list_calls(
            Some(&org),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "AlloMia is rate limiting requests; gave up waiting (the server asks to retry in 5 s)"
    );
}

#[tokio::test]
async fn broken_answers_do_not_hide_good_records() {
    let (emu, am, _, org) = setup(opts()).await;
    let page = PageRequest { page: 1, size: 20 };
    emu.faults().push(Fault::WrongTypesRecord);
    let p = am
        .list_calls(Some(&org), &Filter::default(), page)
        .await
        .unwrap();
    assert_eq!(p.unreadable, 1);
    assert_eq!(p.items.len(), 19);
    assert_eq!(p.total_items, Some(allomia::CALLS_PER_ORG as u64));

    emu.faults().push(Fault::WrongTypesRecord);
    let s = am
        .list_scopes(None, PageRequest { page: 1, size: 10 })
        .await
        .unwrap();
    assert_eq!((s.items.len(), s.unreadable), (2, 1));

    // A detail with wrong types still reads.
    let id = emu.calls(&org)[0]["id"].as_str().unwrap().to_string();
    emu.faults().push(Fault::WrongTypesRecord);
    let d = am.detail(&key(&org, &id)).await.unwrap();
    assert_eq!(d.call.id, id);
    assert_eq!(d.call.duration_secs, None);
    assert_eq!(
        d.sentiment.as_deref(),
        Some("0.8"),
        "a number is shown as sent"
    );

    emu.faults().push(Fault::MalformedJson);
    let e = am
        .list_calls(Some(&org), &Filter::default(), page)
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("AlloMia sent an answer that could not be read"),
        "{e}"
    );

    for fault in [Fault::ConnectionReset, Fault::TruncatedBody] {
        emu.faults().push(fault.clone());
        let before = emu.api_requests().len();
        let p = am.list_calls(Some(&org), &Filter::default(), page).await;
        assert_eq!(
            p.map(|p| p.items.len()).ok(),
            Some(20),
            "{fault:?} then success"
        );
        assert_eq!(
            emu.api_requests().len(),
            before + 2,
            "{fault:?}: retried once"
        );
    }
    let latency = Duration::from_millis(300);
    emu.faults().push(Fault::Latency(latency));
    let t = Instant::now();
    let p = am
        .list_calls(Some(&org), &Filter::default(), page)
        .await
        .unwrap();
    assert!(t.elapsed() >= latency, "{:?}", t.elapsed());
    assert_eq!(p.items.len(), 20);
    assert_eq!(emu.faults().pending(), 0, "the latency was injected");
}

#[tokio::test]
async fn a_record_with_a_bad_duration_or_time_is_shown_with_what_could_be_read() {
    let (emu, am, _, org) = setup(opts()).await;
    emu.set_wrong_types(WrongTypes::BadValues);
    emu.faults().push(Fault::WrongTypesRecord);
    let p = am
        .list_calls(
            Some(&org),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!((p.items.len(), p.unreadable), (20, 0));
    let raw = &emu.calls(&org)[..20];
    assert_eq!(ids(&p.items), expected(&emu, &org, |_| true)[..20].to_vec());
    let secs = |r: &Value| match &r["callDurationSeconds"] {
        Value::String(s) => s.parse::<f64>().unwrap(),
        n => n.as_f64().unwrap(),
    };
    let dir = |r: &Value| match r["callType"].as_str().unwrap() {
        "Inbound" => Direction::Inbound,
        "Outbound" => Direction::Outbound,
        _ => Direction::Web,
    };
    for (i, (c, r)) in p.items.iter().zip(raw).enumerate() {
        match i {
            // callDurationSeconds an object, callType a number: the duration comes from the
            // two timestamps, the direction is unknown, the rest is there.
            10 => {
                assert_eq!(
                    c.duration_secs,
                    Some(secs(r)),
                    "from callEndedAt − callStartedAt"
                );
                assert_eq!(c.direction, None);
                assert_eq!(c.started_at, Some(started(r)));
            }
            // callStartedAt unreadable: no start time, the duration as sent.
            11 => {
                assert_eq!(c.started_at, None);
                assert_eq!(c.duration_secs, Some(secs(r)));
                assert_eq!(c.direction, Some(dir(r)));
            }
            _ => {
                assert_eq!(c.started_at, Some(started(r)));
                assert_eq!(c.duration_secs, Some(secs(r)));
                assert_eq!(c.direction, Some(dir(r)));
            }
        }
        assert_eq!(c.caller_number.as_deref(), r["userPhoneNumber"].as_str());
        assert!(c.fields.iter().any(|(k, _)| k == "agentName"));
    }
    // The next page is not touched.
    let p = am
        .list_calls(
            Some(&org),
            &Filter::default(),
            PageRequest { page: 2, size: 20 },
        )
        .await
        .unwrap();
    assert!(
        p.items
            .iter()
            .all(|c| c.started_at.is_some() && c.direction.is_some())
    );
}

#[tokio::test]
async fn a_503_is_waited_for_with_retry_after_in_seconds_or_as_an_http_date() {
    let (emu, am, notices, org) = setup(opts()).await;
    let page = PageRequest { page: 1, size: 20 };
    let waits = |n: &Notices| -> Vec<Duration> {
        n.lock()
            .unwrap()
            .iter()
            .filter_map(|n| match n {
                HttpNotice::Waiting { wait, .. } => Some(*wait),
                _ => None,
            })
            .collect()
    };

    // 503 + `Retry-After: 1`.
    emu.set_unavailable_retry_after(Some(1));
    emu.faults().push(Fault::Status(503));
    let t = Instant::now();
    let p = am.list_calls(Some(&org), &Filter::default(), page).await;
    assert_eq!(p.unwrap().items.len(), 20);
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(waits(&notices), [Duration::from_secs(1)]);

    // `Retry-After` as an HTTP date two seconds ahead, on a 503 and on a 429. Without the
    // header the backoff would be well under a second.
    emu.set_retry_after(RetryAfter::HttpDate);
    emu.set_unavailable_retry_after(Some(2));
    for fault in [
        Fault::Status(503),
        Fault::RateLimited {
            retry_after_secs: 2,
        },
    ] {
        notices.lock().unwrap().clear();
        emu.faults().push(fault.clone());
        let t = Instant::now();
        let p = am.list_calls(Some(&org), &Filter::default(), page).await;
        assert_eq!(p.unwrap().items.len(), 20, "{fault:?}");
        let w = waits(&notices);
        assert_eq!(w.len(), 1, "{fault:?}: {w:?}");
        assert!(w[0] >= Duration::from_millis(1500), "{fault:?}: {w:?}");
        assert!(t.elapsed() >= w[0], "{fault:?}: {:?}", t.elapsed());
    }

    // Past the wait bound: one sentence that says when to come back.
    let (impatient, _) = impatient(&emu);
    emu.set_retry_after(RetryAfter::Seconds);
    emu.set_unavailable_retry_after(Some(30));
    emu.faults().push(Fault::Status(503));
    let e = impatient
        .list_calls(Some(&org), &Filter::default(), page)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "AlloMia answered 503 Service Unavailable: Service unavailable; try again in 30 s"
    );
}

#[tokio::test]
async fn a_call_id_is_sent_as_one_path_segment() {
    let (emu, am, _, org) = setup(opts()).await;
    let e = am.detail(&key(&org, "a b/c?d")).await.unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    let r = emu.api_requests().pop().unwrap();
    assert_eq!(r.path, "/api/calls/a%20b%2Fc%3Fd", "not form encoding (+)");
    assert!(r.query.is_empty());
    // `.` and `..` cannot be one segment of a URL: refused before any request.
    let before = emu.api_requests().len();
    for id in ["..", "."] {
        let e = am.detail(&key(&org, id)).await.unwrap_err();
        assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
        assert!(e.to_string().contains("is not a call id"), "{e}");
    }
    assert_eq!(emu.api_requests().len(), before);
}

#[tokio::test]
async fn odd_transcript_files_over_http() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_transcript && !f.unformatted_transcript)
        .unwrap();
    let k = key(&org, &f.id);

    // An empty file behind a transcript link: said, not silent.
    for empty in ["", "\u{feff}", "\r\n\r\n"] {
        emu.replace_transcript(&f.id, empty);
        let d = am.detail(&k).await.unwrap();
        assert_eq!(d.transcript, Transcript::Missing, "{empty:?}");
        assert_eq!(d.call.has_transcript, Some(true));
        assert_eq!(
            d.warnings,
            ["the transcript file is empty, although the call has a transcript link"]
        );
    }

    // A byte order mark, CRLF, names that are not speakers, spaces before the colon.
    emu.replace_transcript(
        &f.id,
        "\u{feff}Agent: Bonjour, votre rendez-vous est lundi.\r\nRappel : apportez votre carte\r\n\r\nUSER : Merci.\r\nNote: bring your card\r\n",
    );
    let d = am.detail(&k).await.unwrap();
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let turns = d.transcript.turns();
    assert_eq!(turns.len(), 2, "{turns:?}");
    assert_eq!(turns[0].speaker, Speaker::Agent);
    assert_eq!(
        turns[0].text,
        "Bonjour, votre rendez-vous est lundi.\nRappel : apportez votre carte"
    );
    assert_eq!(turns[1].speaker, Speaker::Caller);
    assert_eq!(turns[1].text, "Merci.\nNote: bring your card");

    // No Agent or User line at all: plain text with a warning.
    let raw = "Staff: Front desk, Dana speaking.\nCaller: hi";
    emu.replace_transcript(&f.id, raw);
    let d = am.detail(&k).await.unwrap();
    match &d.transcript {
        Transcript::Unparsed { raw: r, warning } => {
            assert_eq!(r, raw);
            assert_eq!(d.warnings, std::slice::from_ref(warning));
            assert!(warning.contains("shown as sent"), "{warning}");
        }
        other => panic!("{other:?}"),
    }
}
