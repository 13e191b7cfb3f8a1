//! What only the Voxeme adapter does, against its emulator over real HTTP on loopback: page
//! sizes of 25 to 500, `days` against `from`/`to`, a phone number with free text, the record's
//! fields, the detail found by its sid or among live calls, recording URLs in every form, account
//! keys, the real per-minute limit, the live view. What every provider does is in the contract
//! suite (`tests/contract`).

mod support;

use std::time::Duration;

use callbrowser::http::HttpLimits;
use callbrowser::model::{Call, Direction, Filter, PageRequest, RecordingRef, Scope, Transcript};
use callbrowser::providers::voxeme::{Voxeme, VoxemeSettings};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::voxeme::{self, RecordingUrls, VoxemeEmulator, VoxemeOptions};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use support::fetch::{At, Fetch, Notices, clients, ids, is_mp3, limits, read_head};

fn now() -> DateTime<Utc> {
    "2026-03-20T15:00:00Z".parse().unwrap()
}

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 7,
        now: now(),
        ..EmulatorOptions::default()
    }
}

fn vopts() -> VoxemeOptions {
    VoxemeOptions {
        rate_limit_per_minute: 100_000,
        rate_limit_per_hour: 1_000_000,
        ..VoxemeOptions::default()
    }
}

fn adapter_with(
    emu: &VoxemeEmulator,
    key: String,
    limits: HttpLimits,
    account: Option<Scope>,
) -> (Voxeme, Notices) {
    let (api, storage, notices) = clients(limits);
    let vx = Voxeme::new(
        VoxemeSettings {
            name: "vx".into(),
            label: "Voxeme".into(),
            base_url: emu.base_url(),
            api_key: key,
            key_hint: "check VOXEME_API_KEY".into(),
            account,
        },
        api,
        storage,
    );
    (vx, notices)
}

async fn setup_with(o: EmulatorOptions, v: VoxemeOptions) -> (VoxemeEmulator, Voxeme, Notices) {
    let emu = voxeme::start_with(o, v).await.unwrap();
    let (vx, notices) = adapter_with(&emu, emu.api_key(), limits(), None);
    (emu, vx, notices)
}

async fn setup() -> (VoxemeEmulator, Voxeme, Notices) {
    setup_with(opts(), vopts()).await
}

fn account(emu: &VoxemeEmulator, i: usize) -> String {
    emu.accounts()[i]["account_sid"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every call of an account, paged to the end.
async fn all_calls(vx: &Voxeme, account: &str, filter: &Filter, size: u32) -> Vec<Call> {
    support::fetch::all_calls(vx, Some(account), filter, size).await
}

fn expected(emu: &VoxemeEmulator, account: &str, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    emu.calls(account)
        .iter()
        .filter(|c| keep(c))
        .map(|c| c["call_sid"].as_str().unwrap().to_string())
        .collect()
}

fn attempted(c: &Value) -> DateTime<Utc> {
    c["attempted_at"].as_str().unwrap().parse().unwrap()
}

fn parse(s: &str, vx: &Voxeme) -> Filter {
    Filter::parse(s, vx.capabilities(), now()).unwrap()
}

fn key(account: &str, id: &str) -> At {
    At {
        scope: Some(account.into()),
        id: id.into(),
    }
}

/// The parameters of the last RecentCalls request the emulator saw.
fn last_query(emu: &VoxemeEmulator) -> Vec<(String, String)> {
    emu.requests()
        .iter()
        .rev()
        .find(|r| r.path.ends_with("/RecentCalls"))
        .map(|r| r.query.clone())
        .unwrap_or_default()
}

fn sent(emu: &VoxemeEmulator, name: &str) -> Option<String> {
    last_query(emu)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Paging, the account list and its search are the contract suite's; here the sizes the server
/// takes, the check and what an account says about its recordings.
#[tokio::test]
async fn accounts_check_and_page_sizes_of_25_to_500() {
    let (emu, vx, _) = setup().await;
    assert!(vx.capabilities().has_live);
    assert_eq!(
        vx.check().await.unwrap(),
        "key accepted; 3 accounts visible"
    );
    let scopes = vx
        .list_scopes(None, PageRequest { page: 1, size: 50 })
        .await
        .unwrap();
    assert_eq!(
        scopes.items[0].detail.as_deref(),
        Some("records calls (mp3)")
    );
    assert_eq!(scopes.items[2].detail.as_deref(), Some("no call recording"));
    let acc = account(&emu, 0);
    // A page size below 25 is sent as 25 (older servers reject less), paging stays consistent.
    let calls = all_calls(&vx, &acc, &Filter::default(), 20).await;
    assert_eq!(ids(&calls), expected(&emu, &acc, |_| true));
    assert_eq!(sent(&emu, "count").as_deref(), Some("25"));
    let first = vx
        .list_calls(
            Some(&acc),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!(first.page_size, 25);
    assert_eq!(first.total_items, Some(calls.len() as u64));
    assert_eq!(first.total_pages, Some(calls.len().div_ceil(25) as u32));
    // More than 500 is sent as 500.
    let big = vx
        .list_calls(
            Some(&acc),
            &Filter::default(),
            PageRequest {
                page: 1,
                size: 5000,
            },
        )
        .await
        .unwrap();
    assert_eq!(sent(&emu, "count").as_deref(), Some("500"));
    assert_eq!(big.items.len(), calls.len());
    assert!(!big.has_more);
}

#[tokio::test]
async fn calls_map_the_record_fields() {
    let (emu, vx, _) = setup().await;
    let acc = account(&emu, 0);
    let raw = emu.calls(&acc);
    let calls = all_calls(&vx, &acc, &Filter::default(), 500).await;
    for (c, r) in calls.iter().zip(&raw) {
        assert_eq!(c.started_at, Some(attempted(r)));
        assert_eq!(c.duration_secs, r["duration"].as_f64());
        assert_eq!(c.scope.as_deref(), Some(acc.as_str()));
        assert_eq!(c.has_transcript, Some(false));
        assert_eq!(c.has_recording, Some(!r["recording_url"].is_null()));
        let inbound = r["direction"] == "inbound";
        assert_eq!(
            c.direction,
            Some(if inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            })
        );
        let side = if inbound { "from" } else { "to" };
        assert_eq!(c.caller_number.as_deref(), r[side].as_str(), "kept as sent");
        let field = |k: &str| {
            c.fields
                .iter()
                .find(|(fk, _)| fk == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(field("trunk"), r["trunk"].as_str());
        assert_eq!(
            field("termination_reason"),
            r["termination_reason"].as_str()
        );
        assert!(field("sip_callid").is_some() && field("from").is_some() && field("to").is_some());
        if r["answered"] == true {
            assert_eq!(c.status.as_deref(), Some("answered"));
            assert_eq!(field("sip_status"), Some("200"), "200.0 shown as 200");
        } else {
            // The epoch means never.
            assert_eq!(field("answered_at"), Some("never"));
            assert_ne!(c.status.as_deref(), Some("answered"));
            assert_eq!(c.duration_secs, Some(0.0));
        }
    }
    let statuses: std::collections::BTreeSet<&str> =
        calls.iter().filter_map(|c| c.status.as_deref()).collect();
    for s in ["answered", "canceled", "no answer", "busy"] {
        assert!(statuses.contains(s), "{s} in {statuses:?}");
    }
}

/// Each documented filter reaching the server is the contract suite's
/// (`server_filters_reach_the_server`); here `days` against `from`, `dir:web`, and a phone number
/// with free text.
#[tokio::test]
async fn days_dir_web_and_phone_with_text() {
    let (emu, vx, _) = setup().await;
    let acc = account(&emu, 0);
    let raw = emu.calls(&acc);
    // days with from: the server ignores start, so the adapter checks from on each page.
    let from = attempted(&raw[5]);
    let mut f = parse("days:3", &vx);
    f.from = Some(from);
    let got = all_calls(&vx, &acc, &f, 100).await;
    let recent = |c: &Value| attempted(c) >= now() - TimeDelta::days(3);
    let want = expected(&emu, &acc, |c| recent(c) && attempted(c) >= from);
    assert_eq!(ids(&got), want);
    assert_eq!(sent(&emu, "days").as_deref(), Some("3"));
    let first = PageRequest { page: 1, size: 25 };
    let e = vx
        .list_calls(Some(&acc), &parse("days:31", &vx), first)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("days:1 to days:30"), "{e}");
    // dir:web: Voxeme has none; nothing is asked.
    let before = emu.requests().len();
    let p = vx
        .list_calls(Some(&acc), &parse("dir:web", &vx), first)
        .await
        .unwrap();
    assert!(p.items.is_empty() && !p.has_more);
    assert_eq!(emu.requests().len(), before);
    // Text and phone: phone goes to the server, the text is checked on each page.
    let inbound = raw.iter().filter(|c| c["direction"] == "inbound");
    let number = inbound
        .map(|c| {
            c["from"]
                .as_str()
                .unwrap()
                .trim_start_matches('+')
                .to_string()
        })
        .find(|n| {
            let same = raw
                .iter()
                .filter(|c| c["from"].as_str().unwrap().ends_with(n.as_str()));
            same.count() > 1
        })
        .expect("a caller with several calls");
    let side = |c: &Value, k: &str| c[k].as_str().unwrap().contains(&number);
    let theirs = expected(&emu, &acc, |c| side(c, "from") || side(c, "to"));
    let with_number = theirs[1].clone();
    let line = format!("phone:{number} {with_number}");
    let got = all_calls(&vx, &acc, &parse(&line, &vx), 100).await;
    assert_eq!(sent(&emu, "filter"), Some(number.clone()));
    assert_eq!(ids(&got), vec![with_number.clone()]);
    // A text that none of the phone's calls matches: nothing.
    let sid = raw[33]["call_sid"].as_str().unwrap().to_string();
    assert!(!theirs.contains(&sid));
    let line = format!("phone:{number} {sid}");
    let got = all_calls(&vx, &acc, &parse(&line, &vx), 100).await;
    assert!(got.is_empty(), "{:?}", ids(&got));
}

#[tokio::test]
async fn detail_is_the_record_found_by_its_sid() {
    let (emu, vx, _) = setup().await;
    let acc = account(&emu, 0);
    let raw = emu.calls(&acc);
    let recorded = raw.iter().find(|c| !c["recording_url"].is_null()).unwrap();
    let sid = recorded["call_sid"].as_str().unwrap();
    let d = vx.detail(&key(&acc, sid)).await.unwrap();
    assert_eq!(d.call.id, sid);
    assert_eq!(
        d.recording,
        RecordingRef::Endpoint {
            path: format!("/v1{}", recorded["recording_url"].as_str().unwrap())
        }
    );
    assert_eq!(
        d.outcome.as_deref(),
        recorded["termination_reason"].as_str()
    );
    // It was asked for with filter=<call_sid>.
    assert_eq!(sent(&emu, "filter").as_deref(), Some(sid));
    assert_eq!(sent(&emu, "count").as_deref(), Some("25"));

    // The recording states, an unknown sid and a pinned account are the contract suite's.
    // A scope is needed (or a pinned account).
    let e = vx
        .detail(&At {
            scope: None,
            id: sid.into(),
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("choose an account"), "{e}");
}

#[tokio::test]
async fn refreshing_a_live_call_falls_back_to_the_live_endpoint() {
    let (emu, vx, _) = setup_with(
        opts(),
        VoxemeOptions {
            live_clock_speed: 0.0,
            ..vopts()
        },
    )
    .await;
    let acc = account(&emu, 0);
    let live = emu.live_calls(&acc);
    let raw = &live[0];
    let sid = raw["call_sid"].as_str().unwrap();
    assert!(emu.calls(&acc).iter().all(|c| c["call_sid"] != sid));
    // What `r` on the Live view does: no record in RecentCalls yet, so the live call is read.
    emu.clear_requests();
    let d = vx.detail(&key(&acc, sid)).await.unwrap();
    let paths: Vec<String> = emu.requests().iter().map(|r| r.path.clone()).collect();
    let listed = vx.list_live(Some(&acc)).await.unwrap();
    assert_eq!(d.call, listed.items[0], "the same call as in the Live view");
    assert_eq!(d.call.status.as_deref(), raw["call_status"].as_str());
    assert_eq!(d.recording, RecordingRef::Missing);
    assert_eq!(d.transcript, Transcript::NotOffered);
    assert!(d.warnings[0].contains("no record in the call history yet"));
    assert_eq!(
        paths,
        [
            format!("/v1/Accounts/{acc}/RecentCalls"),
            format!("/v1/Accounts/{acc}/Calls/{sid}")
        ]
    );
    // A recorded call is found in RecentCalls: the live endpoint is not asked.
    let recorded = emu.calls(&acc)[0]["call_sid"].as_str().unwrap().to_string();
    emu.clear_requests();
    assert_eq!(
        vx.detail(&key(&acc, &recorded)).await.unwrap().call.id,
        recorded
    );
    assert_eq!(emu.requests().len(), 1);
    // Neither a record nor live: one clear "not found" after asking both.
    emu.clear_requests();
    let gone = "00000000-0000-4000-8000-000000000000";
    let e = vx.detail(&key(&acc, gone)).await.unwrap_err();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "Voxeme: not found (call {gone} is neither among the account's recent calls \
             (Voxeme keeps 30 days) nor in progress)"
        )
    );
    assert_eq!(emu.requests().len(), 2);
    // The live call read with wrong types (duration "abc") is still shown.
    emu.faults().push(Fault::Latency(std::time::Duration::ZERO));
    emu.faults().push(Fault::WrongTypesRecord);
    let d = vx.detail(&key(&acc, sid)).await.unwrap();
    assert_eq!((d.call.id.as_str(), d.call.duration_secs), (sid, None));
}

#[tokio::test]
async fn recording_urls_as_given_and_a_missing_object() {
    let (emu, vx, _) = setup().await;
    // Bytes, formats, no length and no ranges are the contract suite's (`recording_states`).
    let missing = emu.missing_recordings();
    // The call that ended after midnight: the URL as given (end date) works.
    let acc = account(&emu, 0);
    let c = emu
        .calls(&acc)
        .into_iter()
        .find(|c| {
            let url = c["recording_url"].as_str().unwrap_or("");
            !url.is_empty() && !url.contains(&attempted(c).format("/%Y/%m/%d/").to_string())
        })
        .unwrap();
    let mut rec = vx
        .recording(&key(&acc, c["call_sid"].as_str().unwrap()), 0)
        .await
        .unwrap();
    assert!(is_mp3(&read_head(&mut rec, 16).await));
    let last = emu.requests().last().unwrap().clone();
    assert_eq!(
        format!("/v1{}", c["recording_url"].as_str().unwrap()),
        last.path
    );

    // A missing object: 404 plain text → "no recording stored".
    let all: Vec<(String, Value)> = (0..2)
        .flat_map(|i| {
            let acc = account(&emu, i);
            emu.calls(&acc).into_iter().map(move |c| (acc.clone(), c))
        })
        .collect();
    let (gone_acc, gone) = all
        .iter()
        .find(|(_, c)| c["call_sid"] == missing[0].as_str())
        .unwrap();
    let e = vx
        .recording(&key(gone_acc, gone["call_sid"].as_str().unwrap()), 0)
        .await
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "Voxeme: not found (no recording stored for this call)"
    );
}

#[tokio::test]
async fn absolute_recording_urls_get_the_key_only_on_the_api_origin() {
    // Same origin: used as is, with the key.
    let (emu, vx, _) = setup_with(
        opts(),
        VoxemeOptions {
            recording_urls: RecordingUrls::AbsoluteSameHost,
            ..vopts()
        },
    )
    .await;
    let acc = account(&emu, 0);
    let missing = emu.missing_recordings();
    let pick = |emu: &VoxemeEmulator| {
        emu.calls(&acc)
            .into_iter()
            .find(|c| {
                !c["recording_url"].is_null()
                    && !missing.contains(&c["call_sid"].as_str().unwrap().to_string())
            })
            .unwrap()
    };
    let c = pick(&emu);
    let k = key(&acc, c["call_sid"].as_str().unwrap());
    let d = vx.detail(&k).await.unwrap();
    assert_eq!(
        d.recording,
        RecordingRef::Endpoint {
            path: c["recording_url"].as_str().unwrap().to_string()
        }
    );
    let mut rec = vx.recording(&k, 0).await.unwrap();
    assert!(is_mp3(&read_head(&mut rec, 16).await));

    // Another origin: fetched without credentials.
    let (emu, vx, _) = setup_with(
        opts(),
        VoxemeOptions {
            recording_urls: RecordingUrls::OtherHost,
            ..vopts()
        },
    )
    .await;
    let c = pick(&emu);
    let k = key(&acc, c["call_sid"].as_str().unwrap());
    let d = vx.detail(&k).await.unwrap();
    assert!(matches!(d.recording, RecordingRef::SignedUrl { .. }));
    assert!(
        !format!("{:?}", d.recording).contains("Signature="),
        "redacted in Debug"
    );
    let mut rec = vx.recording(&k, 0).await.unwrap();
    assert!(is_mp3(&read_head(&mut rec, 16).await));
    let seen = emu.media_requests();
    assert_eq!(seen.len(), 1);
    for r in &seen {
        for (name, _) in &r.headers {
            let n = name.to_ascii_lowercase();
            assert!(
                n != "authorization" && n != "referer" && n != "x-api-key",
                "{n} sent to the media host"
            );
        }
    }
}

#[tokio::test]
async fn errors_are_one_clear_sentence() {
    let (emu, vx, _) = setup().await;
    let acc = account(&emu, 0);
    let first = PageRequest { page: 1, size: 25 };
    // A wrong key and the injected statuses are the contract suite's.
    // An account key on another account: 403 fail.
    let (own, _) = adapter_with(&emu, emu.account_key(0), limits(), None);
    assert_eq!(
        own.check().await.unwrap(),
        "key accepted; 1 account visible"
    );
    let e = own
        .list_calls(Some(&account(&emu, 1)), &Filter::default(), first)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ProviderError::Forbidden { status: 403, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("Voxeme refused access (403 Forbidden): insufficient privileges"),
        "{e}"
    );
    let e = own.list_live(Some(&account(&emu, 2))).await.unwrap_err();
    assert!(matches!(e, ProviderError::Forbidden { .. }), "{e:?}");

    // A malformed account sid: 400 plain text.
    let e = vx
        .list_calls(Some("not-a-sid"), &Filter::default(), first)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Voxeme answered 400 Bad Request: the request was refused (an account or call id that \
         is not a UUID?)"
    );
    // An unknown account: 404 plain text.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let e = vx
        .list_calls(Some(unknown), &Filter::default(), first)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("Voxeme: not found (account {unknown} does not exist or this key cannot see it)")
    );
    emu.faults().push(Fault::Status(403));
    let e = vx.check().await.unwrap_err();
    assert!(matches!(e, ProviderError::Forbidden { .. }), "{e:?}");
    emu.faults().push(Fault::Status(401));
    let e = vx.list_live(Some(&acc)).await.unwrap_err();
    assert!(e.to_string().contains("check VOXEME_API_KEY"), "{e}");
    emu.faults().clear();
}

#[tokio::test]
async fn a_real_rate_limit_beyond_the_wait_bound_is_a_clear_error() {
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            rate_limit_per_minute: 2,
            ..VoxemeOptions::default()
        },
    )
    .await
    .unwrap();
    let (vx, _) = adapter_with(
        &emu,
        emu.api_key(),
        HttpLimits {
            max_rate_limit_wait: Duration::from_millis(10),
            ..limits()
        },
        None,
    );
    vx.check().await.unwrap();
    vx.check().await.unwrap();
    let e = vx.check().await.unwrap_err();
    match &e {
        ProviderError::RateLimited {
            retry_after_secs: Some(s),
            ..
        } => assert!(*s <= 60),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("Voxeme is rate limiting requests"),
        "{e}"
    );
}

#[tokio::test]
async fn records_with_wrong_types_show_what_could_be_read() {
    // The live clock stands still, so the live list is the same for the adapter and the check.
    let (emu, vx, _) = setup_with(
        opts(),
        VoxemeOptions {
            live_clock_speed: 0.0,
            ..vopts()
        },
    )
    .await;
    let acc = account(&emu, 0);
    let first = PageRequest { page: 1, size: 25 };
    let good = vx
        .list_calls(Some(&acc), &Filter::default(), first)
        .await
        .unwrap();
    emu.faults().push(Fault::WrongTypesRecord);
    let p = vx
        .list_calls(Some(&acc), &Filter::default(), first)
        .await
        .unwrap();
    // The unreadable one counted, the rest intact: the contract suite's.
    // The middle record (its sid an array) is counted; the next one has a readable sid and
    // wrong types elsewhere (duration "abc", answered "maybe", attempted_at a number): it is
    // shown with what could be read, and every other record as it was.
    let (unreadable, odd) = (&good.items[12], &good.items[13]);
    assert!(!p.items.iter().any(|c| c.id == unreadable.id));
    let shown = p.items.iter().find(|c| c.id == odd.id).unwrap();
    assert_eq!(shown.duration_secs, None);
    assert_eq!(shown.started_at.map(|t| t.timestamp()), Some(1_700_000_000));
    assert_eq!(shown.caller_number, odd.caller_number);
    assert_eq!(shown.direction, odd.direction);
    assert!(shown.fields.contains(&("answered".into(), "maybe".into())));
    let rest = |items: &[Call]| -> Vec<Call> {
        items
            .iter()
            .filter(|c| c.id != unreadable.id && c.id != odd.id)
            .cloned()
            .collect()
    };
    assert_eq!(rest(&p.items), rest(&good.items));
    assert_eq!(rest(&p.items).len(), 23);

    emu.faults().push(Fault::WrongTypesRecord);
    let s = vx
        .list_scopes(None, PageRequest { page: 1, size: 50 })
        .await
        .unwrap();
    assert_eq!((s.items.len(), s.unreadable), (2, 1));
    assert_eq!(s.items[1].id, account(&emu, 2));
    assert_eq!(
        s.items[1].detail, None,
        "record_all_calls \"maybe\" is not shown"
    );

    // A moment with at least three live calls (the clock stands still otherwise).
    for _ in 0..100 {
        if emu.live_calls(&acc).len() >= 3 {
            break;
        }
        emu.advance_live_clock(30);
    }
    emu.faults().push(Fault::WrongTypesRecord);
    let live = vx.list_live(Some(&acc)).await.unwrap();
    let all = emu.live_calls(&acc);
    assert!(all.len() >= 3);
    assert_eq!(
        (live.items.len() + 1, live.unreadable),
        (all.len(), 1),
        "one unreadable live call is counted, the rest shown"
    );
    // The one after it: duration "abc", still shown.
    let odd = all[all.len() / 2 + 1]["call_sid"].as_str();
    let odd = live.items.iter().find(|c| Some(c.id.as_str()) == odd);
    assert_eq!(odd.map(|c| c.duration_secs), Some(None));
}

#[tokio::test]
async fn live_calls_are_mapped_and_change_between_polls() {
    let (emu, vx, _) = setup_with(
        opts(),
        VoxemeOptions {
            live_clock_speed: 200.0,
            ..vopts()
        },
    )
    .await;
    let acc = account(&emu, 0);
    let first = vx.list_live(Some(&acc)).await.unwrap().items;
    let raw = emu.live_calls(&acc);
    assert!(!first.is_empty());
    for c in &first {
        let r = raw.iter().find(|r| r["call_sid"] == c.id.as_str());
        // The clock runs fast: a call may have just disappeared between the two reads.
        let Some(r) = r else { continue };
        assert_eq!(c.scope.as_deref(), Some(acc.as_str()));
        assert!(c.status.is_some());
        assert!(c.duration_secs.is_some());
        let side = if r["direction"] == "inbound" {
            "from"
        } else {
            "to"
        };
        assert_eq!(c.caller_number.as_deref(), r[side].as_str());
        assert_eq!(
            c.caller_name.as_deref(),
            r["caller_name"].as_str().filter(|s| !s.is_empty())
        );
        assert!(c.fields.iter().any(|(k, _)| k == "call_id"));
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = vx.list_live(Some(&acc)).await.unwrap().items;
    let view = |calls: &[Call]| -> Vec<(String, Option<String>, Option<f64>)> {
        calls
            .iter()
            .map(|c| (c.id.clone(), c.status.clone(), c.duration_secs))
            .collect()
    };
    assert_ne!(
        view(&first),
        view(&second),
        "the live view changes between polls"
    );
    let e = vx.list_live(None).await.unwrap_err();
    assert!(e.to_string().contains("choose an account"), "{e}");
}
