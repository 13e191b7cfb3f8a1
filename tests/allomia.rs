//! What only the AlloMia adapter does, against its emulator over real HTTP on loopback:
//! organizations and organization keys, string durations, both summaries and the transcript file,
//! the real causes of errors, a 503 with Retry-After, call ids as one path segment (its signed
//! storage links are in `allomia/storage.rs`). What every provider does is in the contract suite
//! (`tests/contract`).

#[path = "allomia/storage.rs"]
mod storage;
mod support;

use std::time::{Duration, Instant};

use callbrowser::http::{HttpClient, HttpLimits, HttpNotice};
use callbrowser::model::{
    Call, Direction, Filter, PageRequest, RecordingRef, Scope, Speaker, Transcript,
};
use callbrowser::providers::allomia::{AlloMia, AlloMiaSettings};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::allomia::{
    self, AlloMiaEmulator, CallFacts, Redirect, RetryAfter, WrongTypes,
};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, Utc};
use serde_json::Value;
use support::fetch::{At, Fetch, Notices, clients, ids, is_mp3, limits, read_all};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 11,
        now: "2026-03-20T15:00:00Z".parse().unwrap(),
        ..EmulatorOptions::default()
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
    let (api, _, notices) = clients(api_limits);
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

/// Every call of an organization, paged to the end.
async fn all_calls(am: &AlloMia, org: &str, filter: &Filter, size: u32) -> Vec<Call> {
    support::fetch::all_calls(am, Some(org), filter, size).await
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

/// The organization list and its search are the contract suite's (`scopes_page_and_search`);
/// here what AlloMia sends and answers.
#[tokio::test]
async fn organizations_as_sent_and_calls_mapped() {
    let (emu, am, _, org) = setup(opts()).await;
    let scopes = am
        .list_scopes(None, PageRequest { page: 1, size: 100 })
        .await
        .unwrap();
    assert!(
        scopes.items[2]
            .detail
            .as_deref()
            .unwrap()
            .contains("America/Los_Angeles")
    );
    am.list_scopes(Some("valley"), PageRequest { page: 1, size: 100 })
        .await
        .unwrap();
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
    // Paging itself is the contract suite's (`pages_to_the_last_page`).
    assert!(calls.windows(2).all(|w| w[0].started_at >= w[1].started_at));
    // More than the API allows is clamped to 50.
    am.list_calls(
        Some(&org),
        &Filter::default(),
        PageRequest { page: 1, size: 500 },
    )
    .await
    .unwrap();
    assert_eq!(
        pairs(&last_calls_query(&emu)),
        [
            ("organizationId", org.as_str()),
            ("page", "1"),
            ("limit", "50")
        ]
    );
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

/// Each documented filter reaching the server is the contract suite's
/// (`server_filters_reach_the_server`, `local_filter_keys_are_not_sent`).
#[tokio::test]
async fn an_unknown_key_lists_the_providers_own() {
    let (_emu, am, _, _org) = setup(opts()).await;
    let e = Filter::parse("team:x", am.capabilities(), opts().now).unwrap_err();
    assert!(e.to_string().contains("agent, intent, sort"), "{e}");
}

#[tokio::test]
async fn organization_key_is_pinned_and_cannot_list_organizations() {
    let emu = allomia::start(opts()).await.unwrap();
    let orgs = emu.organizations();
    let org1 = orgs[1]["id"].as_str().unwrap().to_string();

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
}

#[tokio::test]
async fn an_organization_key_cannot_reach_another_organization() {
    let emu = allomia::start(opts()).await.unwrap();
    let orgs = emu.organizations();
    let org1 = orgs[1]["id"].as_str().unwrap().to_string();
    let org0 = orgs[0]["id"].as_str().unwrap().to_string();
    let pinned_scope = Scope {
        id: org1.clone(),
        name: "Riverside Family Health Team".into(),
        detail: None,
    };
    let (pinned, _) = adapter_with(&emu, emu.organization_key(1), Some(pinned_scope));
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
}

#[tokio::test]
async fn an_unusual_transcript_keeps_its_continuation_and_long_lines() {
    let (emu, am, _, org) = setup(opts()).await;
    let facts = facts_of(&emu, &org);
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
async fn real_causes_of_errors_are_named() {
    let (emu, am, _, org) = setup(opts()).await;
    let page = PageRequest { page: 1, size: 20 };

    // A wrong key, every injected status on the list and an unknown call are the contract
    // suite's; here a 401 on a detail and the real causes.
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
}

#[tokio::test]
async fn a_detail_with_wrong_types_still_reads() {
    let (emu, am, _, org) = setup(opts()).await;
    // Broken records in lists, broken JSON and transient faults are the contract suite's.
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
