//! What only the TalkPilot adapter does, against its emulator over real HTTP on loopback: the
//! transcript inside a string, a part of a phone number matched locally, keys with less access,
//! the real per-minute limit, a storage host that never sees the key. What every provider does is
//! in the contract suite (`tests/contract`).

mod support;

use std::time::Duration;

use callbrowser::http::HttpLimits;
use callbrowser::model::{Call, Filter, PageRequest, RecordingRef, Transcript};
use callbrowser::providers::talkpilot::{TalkPilot, TalkPilotSettings};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::talkpilot::{self, TalkPilotEmulator};
use serde_json::Value;
use support::fetch::{At, Fetch, Notices, all_calls, clients, ids, limits, read_head};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 7,
        now: "2026-03-20T15:00:00Z".parse().unwrap(),
        rate_limit_per_minute: 100_000,
        rate_limit_per_hour: 1_000_000,
        ..EmulatorOptions::default()
    }
}

fn adapter_with(emu: &TalkPilotEmulator, key: String, limits: HttpLimits) -> (TalkPilot, Notices) {
    let (api, storage, notices) = clients(limits);
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

fn parse(s: &str, tp: &TalkPilot) -> Filter {
    Filter::parse(s, tp.capabilities(), opts().now).unwrap()
}

/// Agents and paging are the contract suite's (`scopes_page_and_search`,
/// `pages_to_the_last_page`); the list comes newest first.
#[tokio::test]
async fn calls_come_newest_first() {
    let (_emu, tp, _, agent) = setup(opts()).await;
    let calls = all_calls(&tp, Some(&agent), &Filter::default(), 100).await;
    assert!(
        calls.windows(2).all(|w| w[0].started_at >= w[1].started_at),
        "newest first"
    );
}

/// `phone_number` is an exact match: a part of a number is applied to what was loaded (and
/// reported as local); a whole number reaching the server is the contract suite's.
#[tokio::test]
async fn part_of_a_phone_number_is_matched_locally() {
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

    // The last digits only: not sent (the server would find nothing), applied locally.
    let part = number[number.len() - 5..].to_string();
    let f = parse(&format!("phone:{part}"), &tp);
    assert_eq!(f.local_keys(caps), vec!["phone"]);
    let q =
        callbrowser::providers::talkpilot::calls_query(&f, PageRequest { page: 1, size: 100 }, 100);
    assert!(q.iter().all(|(k, _)| *k != "phone_number"), "{q:?}");
    let loaded = all_calls(&tp, Some(&agent), &f, 100).await;
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
async fn keys_with_less_access_are_one_clear_sentence() {
    let (emu, _, _, agent) = setup(opts()).await;
    // A wrong key is the contract suite's (`a_wrong_key_is_one_clear_sentence`).
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
    // The bytes, their format and ranges are the contract suite's (`recording_states`).
    let mut rec = tp.recording(&key, 0).await.unwrap();
    assert!(!read_head(&mut rec, 64).await.is_empty());
    drop(rec);
    tp.recording(&key, 1000).await.unwrap();
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
