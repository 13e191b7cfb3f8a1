//! The Welkin adapter against its emulator, over real HTTP on loopback.

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callbrowser::http::{HttpClient, HttpLimits, HttpNotice};
use callbrowser::model::{Call, Direction, Filter, PageRequest, RecordingRef, Scope, Transcript};
use callbrowser::providers::welkin::{Welkin, WelkinAuthStyle, WelkinSettings};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::welkin::{self, Endpoint, MetaInfo, WelkinEmulator, WelkinOptions};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde_json::Value;
use support::fetch::{At, Fetch};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 7,
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

struct Creds {
    style: WelkinAuthStyle,
    client: String,
    secret: String,
}

fn main_creds(emu: &WelkinEmulator, style: WelkinAuthStyle) -> Creds {
    Creds {
        style,
        client: match style {
            WelkinAuthStyle::Current => emu.client_key(),
            WelkinAuthStyle::V8 => emu.client_name(),
        },
        secret: emu.secret(),
    }
}

fn settings(emu: &WelkinEmulator, creds: Creds, patient: Option<Scope>) -> WelkinSettings {
    WelkinSettings {
        name: "welkin".into(),
        label: "Welkin Health".into(),
        base_url: format!("{}/", emu.base_url()),
        tenant: emu.tenant().into(),
        instance: emu.instance().into(),
        auth_style: creds.style,
        client: creds.client,
        secret: creds.secret,
        key_hint: "check WELKIN_SECRET".into(),
        patient,
    }
}

fn build(settings: WelkinSettings, limits: HttpLimits) -> (Welkin, Notices) {
    let notices: Notices = Arc::default();
    let sink = notices.clone();
    let api = HttpClient::new(limits.clone())
        .unwrap()
        .with_notifier(Arc::new(move |n| sink.lock().unwrap().push(n)));
    let storage = HttpClient::without_credentials(limits).unwrap();
    (Welkin::new(settings, api, storage), notices)
}

fn adapter_with(
    emu: &WelkinEmulator,
    creds: Creds,
    patient: Option<Scope>,
    limits: HttpLimits,
) -> (Welkin, Notices) {
    build(settings(emu, creds, patient), limits)
}

fn adapter(emu: &WelkinEmulator) -> Welkin {
    adapter_with(
        emu,
        main_creds(emu, WelkinAuthStyle::Current),
        None,
        limits(),
    )
    .0
}

async fn start_with(v: WelkinOptions) -> WelkinEmulator {
    welkin::start_with(opts(), v).await.unwrap()
}

async fn start() -> WelkinEmulator {
    start_with(WelkinOptions::default()).await
}

fn pid(emu: &WelkinEmulator, first: &str, last: &str) -> String {
    emu.patients()
        .iter()
        .find(|p| p["firstName"] == first && p["lastName"] == last)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .unwrap()
}

fn ids_of(v: &[Value]) -> Vec<String> {
    v.iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn ids(calls: &[Call]) -> Vec<String> {
    calls.iter().map(|c| c.id.clone()).collect()
}

fn called(v: &Value) -> DateTime<Utc> {
    v["calledAt"].as_str().unwrap().parse().unwrap()
}

fn key(patient: &str, id: &str) -> At {
    At {
        scope: Some(patient.into()),
        id: id.into(),
    }
}

/// Every call of every page, following the adapter's paging to the end.
async fn all_calls(w: &Welkin, patient: Option<&str>, filter: &Filter, size: u32) -> Vec<Call> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = w
            .list_calls(patient, filter, PageRequest { page, size })
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
        assert!(page < 100, "paging never ends");
    }
    out
}

async fn all_scopes(w: &Welkin, search: Option<&str>, size: u32) -> Vec<Scope> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = w
            .list_scopes(search, PageRequest { page, size })
            .await
            .unwrap();
        assert_eq!(p.page, page);
        out.extend(p.items);
        if !p.has_more {
            break;
        }
        page += 1;
        assert!(page < 100, "paging never ends");
    }
    out
}

/// The query parameters of the patient-list requests the emulator saw.
fn patient_queries(emu: &WelkinEmulator) -> Vec<Vec<(String, String)>> {
    emu.requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/patients"))
        .map(|r| r.query)
        .collect()
}

fn has(q: &[(String, String)], k: &str, v: &str) -> bool {
    q.iter().any(|(a, b)| a == k && b == v)
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn patients_page_to_the_end_and_show_name_mrn_birth_date_status() {
    let emu = start().await;
    let w = adapter(&emu);
    let all = emu.patients();
    let scopes = all_scopes(&w, None, 10).await;
    assert_eq!(
        scopes.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        ids_of(&all)
    );
    let pages: Vec<String> = patient_queries(&emu)
        .iter()
        .map(|q| q.iter().find(|(k, _)| k == "page").unwrap().1.clone())
        .collect();
    assert_eq!(pages, vec!["0", "1", "2", "3"], "0-based pages on the wire");
    let jane = scopes.iter().find(|s| s.name == "Jane Doe").unwrap();
    let raw = all.iter().find(|p| p["id"] == jane.id.as_str()).unwrap();
    assert_eq!(
        jane.detail.as_deref().unwrap(),
        format!(
            "{} · born {} · active",
            raw["mrn"].as_str().unwrap(),
            raw["birthDate"].as_str().unwrap()
        )
    );
    let first = w
        .list_scopes(None, PageRequest { page: 1, size: 10 })
        .await
        .unwrap();
    assert_eq!(first.total_items, Some(32));
    assert_eq!(first.total_pages, Some(4));
    // More than the API allows is clamped to its maximum.
    let big = w
        .list_scopes(None, PageRequest { page: 1, size: 500 })
        .await
        .unwrap();
    assert_eq!((big.page_size, big.items.len()), (100, 32));
}

#[tokio::test]
async fn patient_search_is_interpreted_and_sent_as_parameters() {
    let emu = start().await;
    let w = adapter(&emu);
    let all = emu.patients();
    let name = |p: &Value| {
        format!(
            "{} {}",
            p["firstName"].as_str().unwrap(),
            p["lastName"].as_str().unwrap()
        )
    };
    let expected_either = |word: &str| -> Vec<String> {
        let w = word.to_lowercase();
        all.iter()
            .filter(|p| {
                p["firstName"].as_str().unwrap().to_lowercase().contains(&w)
                    || p["lastName"].as_str().unwrap().to_lowercase().contains(&w)
            })
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };

    // One word: first OR last name (two requests, merged, no duplicates, server order).
    emu.clear_requests();
    let morgan = all_scopes(&w, Some("morgan"), 20).await;
    let names: Vec<&str> = morgan.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"Morgan Taylor") && names.contains(&"Taylor Morgan"));
    assert_eq!(
        morgan.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        expected_either("morgan")
    );
    let q = patient_queries(&emu);
    assert!(q.iter().any(|q| has(q, "firstName", "morgan")));
    assert!(q.iter().any(|q| has(q, "lastName", "morgan")));

    // A short word matching many patients on both fields: paged without duplicates.
    let word = "a";
    let want = expected_either(word);
    assert!(want.len() > 12, "{}", want.len());
    emu.clear_requests();
    let paged = all_scopes(&w, Some(word), 5).await;
    let got: Vec<String> = paged.iter().map(|s| s.id.clone()).collect();
    assert_eq!(
        got.len(),
        got.iter().collect::<HashSet<_>>().len(),
        "no duplicates"
    );
    assert_eq!(got, want);
    // The merged result serves the following pages: only the first page asked the server.
    assert_eq!(patient_queries(&emu).len(), 2);
    let p1 = w
        .list_scopes(Some(word), PageRequest { page: 1, size: 5 })
        .await
        .unwrap();
    assert_eq!(p1.total_items, Some(want.len() as u64));
    assert_eq!(p1.total_pages, Some(want.len().div_ceil(5) as u32));

    // Two words: first name + last name.
    emu.clear_requests();
    let jane = w
        .list_scopes(Some("Jane Doe"), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert_eq!(jane.items.len(), 1);
    assert_eq!(jane.items[0].name, "Jane Doe");
    let q = patient_queries(&emu);
    assert_eq!(q.len(), 1);
    assert!(has(&q[0], "firstName", "Jane") && has(&q[0], "lastName", "Doe"));
    let mary = w
        .list_scopes(Some("Mary Ann Smith"), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    assert_eq!(mary.items.len(), 1);

    // MRN: `mrn:X` or a word that looks like one → exact `mrn`.
    let m = &all[5];
    let mrn = m["mrn"].as_str().unwrap();
    emu.clear_requests();
    for search in [format!("mrn:{mrn}"), mrn.to_lowercase()] {
        let r = w
            .list_scopes(Some(&search), PageRequest { page: 1, size: 20 })
            .await
            .unwrap();
        assert_eq!(r.items.len(), 1, "{search}");
        assert_eq!(r.items[0].name, name(m));
    }
    assert!(patient_queries(&emu).iter().all(|q| has(q, "mrn", mrn)));

    // status:inactive (with a name word, both requests carry it).
    emu.clear_requests();
    let inactive = all_scopes(&w, Some("status:inactive"), 100).await;
    let want: Vec<String> = all
        .iter()
        .filter(|p| p["status"] == "INACTIVE")
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        inactive.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        want
    );
    assert!(has(&patient_queries(&emu)[0], "status", "INACTIVE"));
    let john = all_scopes(&w, Some("status:inactive doe"), 100).await;
    assert_eq!(john.len(), 1);
    assert_eq!(john[0].name, "John Doe");

    let e = w
        .list_scopes(Some("status:sleeping"), PageRequest { page: 1, size: 20 })
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("status:active"), "{e}");
}

#[tokio::test]
async fn calls_page_to_the_last_page_with_the_patient_as_caller() {
    for meta in [MetaInfo::Full, MetaInfo::Documented] {
        let emu = start_with(WelkinOptions {
            meta_info: meta,
            ..WelkinOptions::default()
        })
        .await;
        let w = adapter(&emu);
        let jane = pid(&emu, "Jane", "Doe");
        let raw = emu.patient(&jane).unwrap();
        for size in [10, 37, 100] {
            let calls = all_calls(&w, Some(&jane), &Filter::default(), size).await;
            assert_eq!(ids(&calls), ids_of(&emu.calls(&jane)), "size {size}");
        }
        let seen: Vec<String> = emu
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/calls"))
            .map(|r| format!("{}/{}", r.param("page").unwrap(), r.param("size").unwrap()))
            .collect();
        assert_eq!(
            seen,
            vec!["0/10", "1/10", "2/10", "3/10", "0/37", "0/100"],
            "0-based pages, stopping at the last one ({meta:?})"
        );
        let p = w
            .list_calls(
                Some(&jane),
                &Filter::default(),
                PageRequest { page: 2, size: 10 },
            )
            .await
            .unwrap();
        assert_eq!(p.page, 2);
        assert_eq!(p.total_items, Some(37));
        assert_eq!(p.total_pages, Some(4));
        assert!(p.has_more);
        let c = &p.items[0];
        assert_eq!(c.caller_name.as_deref(), Some("Jane Doe"));
        assert_eq!(c.caller_number.as_deref(), raw["phone"].as_str());
        assert_eq!(c.has_transcript, Some(false));
        let wire = &emu.calls(&jane)[10];
        assert_eq!(c.id, wire["id"].as_str().unwrap());
        assert_eq!(c.duration_secs, wire["duration"].as_f64());
        assert_eq!(c.status.as_deref(), wire["status"].as_str());
        assert_eq!(c.started_at, Some(called(wire)));
        assert_eq!(c.has_recording, wire["hasRecording"].as_bool());
        assert_eq!(
            c.direction,
            Some(if wire["direction"] == "INBOUND" {
                Direction::Inbound
            } else {
                Direction::Outbound
            })
        );
        // A page past the end is empty and ends paging.
        let p = w
            .list_calls(
                Some(&jane),
                &Filter::default(),
                PageRequest { page: 9, size: 10 },
            )
            .await
            .unwrap();
        assert!(p.items.is_empty() && !p.has_more);
    }
}

/// `page/size` of each calls-list request the emulator saw.
fn calls_pages(emu: &WelkinEmulator) -> Vec<String> {
    emu.requests()
        .iter()
        .filter(|r| r.path.ends_with("/calls"))
        .map(|r| format!("{}/{}", r.param("page").unwrap(), r.param("size").unwrap()))
        .collect()
}

#[tokio::test]
async fn each_paging_stop_rule_ends_paging_on_its_own() {
    // Jane has 37 calls: with pages of 37 the first page is full and the last one, so only a
    // stop rule (not a short page) can end paging there. Each metaInfo variant leaves one rule.
    let short = ["0/37", "0/10", "1/10", "2/10", "3/10"];
    let with_empty = ["0/37", "1/37", "0/10", "1/10", "2/10", "3/10", "4/10"];
    for (meta, want, totals) in [
        // lastPage (and the totals).
        (MetaInfo::Full, &short[..], Some((37, 4))),
        // (page+1)*pageSize >= totalElements alone.
        (MetaInfo::Documented, &short[..], Some((37, 4))),
        // lastPage alone.
        (MetaInfo::NoTotals, &short[..], None),
        // Only an empty page tells the end.
        (MetaInfo::PageOnly, &with_empty[..], None),
    ] {
        let emu = start_with(WelkinOptions {
            meta_info: meta,
            ..WelkinOptions::default()
        })
        .await;
        let w = adapter(&emu);
        let jane = pid(&emu, "Jane", "Doe");
        for size in [37, 10] {
            let calls = all_calls(&w, Some(&jane), &Filter::default(), size).await;
            assert_eq!(
                ids(&calls),
                ids_of(&emu.calls(&jane)),
                "{meta:?} size {size}"
            );
        }
        assert_eq!(calls_pages(&emu), want, "{meta:?}");
        let p = w
            .list_calls(
                Some(&jane),
                &Filter::default(),
                PageRequest { page: 1, size: 10 },
            )
            .await
            .unwrap();
        assert!(p.has_more, "{meta:?}");
        assert_eq!(
            p.total_items.zip(p.total_pages),
            totals.map(|(i, n)| (i as u64, n)),
            "{meta:?}"
        );
    }
}

#[tokio::test]
async fn from_and_to_are_sent_as_start_and_end_date() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let raw = emu.calls(&jane);
    let from = called(&raw[25]);
    let to = called(&raw[8]);
    let f = Filter {
        from: Some(from),
        to: Some(to),
        ..Filter::default()
    };
    emu.clear_requests();
    let got = all_calls(&w, Some(&jane), &f, 100).await;
    let want: Vec<String> = raw
        .iter()
        .filter(|c| called(c) >= from && called(c) <= to)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(want.len(), 18);
    assert_eq!(ids(&got), want);
    let r = emu
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/calls"))
        .unwrap();
    assert_eq!(
        r.param("startDate"),
        Some(
            from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        )
    );
    assert_eq!(
        r.param("endDate"),
        Some(
            to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        )
    );
    // Parsed from the filter line too; keys the server cannot apply are left to the app.
    let f = Filter::parse(
        "from:2026-03-01 dir:in status:COMPLETED",
        w.capabilities(),
        opts().now,
    )
    .unwrap();
    assert_eq!(f.local_keys(w.capabilities()), vec!["dir", "status"]);
    let q = callbrowser::providers::welkin::calls_query(&f, PageRequest { page: 1, size: 50 }, 100);
    assert_eq!(
        q,
        vec![
            ("page", "0".to_string()),
            ("size", "50".to_string()),
            ("startDate", "2026-03-01T00:00:00Z".to_string())
        ]
    );
    // from after to: the server's 400 in one sentence.
    let bad = Filter {
        from: Some(to),
        to: Some(from),
        ..Filter::default()
    };
    let e = w
        .list_calls(Some(&jane), &bad, PageRequest { page: 1, size: 20 })
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health answered 400 INVALID_REQUEST_PARAMETER: startDate must not be after \
         endDate; check the search and filter"
    );
}

fn audio_ok(content_type: &str, head: &[u8]) -> bool {
    if content_type == "audio/mpeg" {
        head.starts_with(b"ID3") || (head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
    } else {
        &head[..4] == b"RIFF" && &head[8..12] == b"WAVE"
    }
}

#[tokio::test]
async fn detail_and_recordings_from_the_authenticated_endpoint() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let raw = emu.calls(&jane);
    let with = raw.iter().find(|c| c["hasRecording"] == true).unwrap();
    let without = raw.iter().find(|c| c["hasRecording"] == false).unwrap();
    let with_id = with["id"].as_str().unwrap();

    let d = w.detail(&key(&jane, with_id)).await.unwrap();
    assert_eq!(d.transcript, Transcript::NotOffered);
    assert_eq!(
        d.recording,
        RecordingRef::Endpoint {
            path: format!(
                "/{}/{}/patients/{jane}/calls/{with_id}/recording",
                emu.tenant(),
                emu.instance()
            )
        }
    );
    assert_eq!(d.call.caller_name.as_deref(), Some("Jane Doe"));
    let mrn = emu.patient(&jane).unwrap()["mrn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.call.fields.contains(&("patient MRN".to_string(), mrn)));
    let d = w
        .detail(&key(&jane, without["id"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(d.recording, RecordingRef::Missing);

    // Bytes: the whole file from byte 0, even when a later byte was asked for.
    let (ct, bytes) = emu.recording(&jane, with_id).unwrap();
    for from in [0, 1000] {
        let mut rec = w.recording(&key(&jane, with_id), from).await.unwrap();
        assert_eq!(rec.starts_at, 0, "the endpoint ignores Range");
        assert!(!rec.accepts_ranges);
        assert_eq!(rec.total_len, Some(bytes.len() as u64));
        assert_eq!(rec.content_type.as_deref(), Some(ct));
        let mut body = Vec::new();
        while let Some(chunk) = rec.chunk().await.unwrap() {
            body.extend_from_slice(&chunk);
        }
        assert_eq!(body, bytes);
        assert!(audio_ok(ct, &body));
    }
    let r = emu
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/recording"))
        .unwrap();
    assert_eq!(r.header("range"), Some("bytes=1000-"));
    assert!(r.header("authorization").unwrap().starts_with("Bearer eyJ"));

    // Every format the emulator serves reads back with its header.
    let mut formats = HashSet::new();
    for p in emu.patients().iter().take(8) {
        let p = p["id"].as_str().unwrap();
        for c in emu
            .calls(p)
            .iter()
            .filter(|c| c["hasRecording"] == true)
            .take(3)
        {
            let id = c["id"].as_str().unwrap();
            let mut rec = w.recording(&key(p, id), 0).await.unwrap();
            let head = rec.chunk().await.unwrap().unwrap();
            let ct = rec.content_type.clone().unwrap();
            assert!(audio_ok(&ct, &head), "{ct}");
            formats.insert(ct);
        }
    }
    assert_eq!(formats.len(), 2, "{formats:?}");

    // No recording: one clear sentence.
    let e = w
        .recording(&key(&jane, without["id"].as_str().unwrap()), 0)
        .await
        .err()
        .unwrap();
    assert!(matches!(e, ProviderError::NotFound { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "Welkin Health: not found (this call has no recording (CALL_RECORDING_NOT_FOUND))"
    );
    // A client without the permission: the vendor sentence and the permission's name.
    let (restricted, _) = adapter_with(
        &emu,
        Creds {
            style: WelkinAuthStyle::Current,
            client: emu.restricted_client_key(),
            secret: emu.restricted_secret(),
        },
        None,
        limits(),
    );
    let e = restricted
        .recording(&key(&jane, with_id), 0)
        .await
        .err()
        .unwrap();
    assert!(
        matches!(e, ProviderError::Forbidden { status: 403, .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "Welkin Health refused access (403 ACCESS_FOR_API_CLIENT_RESTRICTED): Access to this API \
         is restricted for the APIClient; the API client's security policy needs the permission \
         \"Voice Calls None Care Team\""
    );
    // Unknown call / patient.
    let e = w.detail(&key(&jane, "no-such-call")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health: not found (Call was not found (CALL_NOT_FOUND))"
    );
    let e = w
        .list_calls(
            Some("nobody"),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health: not found (Patient was not found (PATIENT_NOT_FOUND))"
    );
}

async fn read_all(rec: &mut callbrowser::providers::RecordingStream) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = rec.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[tokio::test]
async fn a_cut_recording_is_an_error_and_a_throttled_one_arrives_whole() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let id = emu
        .calls(&jane)
        .into_iter()
        .find(|c| c["hasRecording"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, bytes) = emu.recording(&jane, &id).unwrap();
    // Cut short: the length promised is the whole file, and reading ends in an error rather
    // than in a file that looks complete.
    emu.faults_on(Endpoint::Recording)
        .push(Fault::TruncatedBody);
    let mut rec = w.recording(&key(&jane, &id), 0).await.unwrap();
    assert_eq!(rec.total_len, Some(bytes.len() as u64));
    let got = read_all(&mut rec).await;
    assert!(
        got.is_err(),
        "a recording cut short was read as {:?} bytes",
        got.map(|b| b.len())
    );
    // Throttled to about half a second: slow, and whole.
    let rate = bytes.len() as u64 * 2;
    emu.throttle_recordings(Some(rate));
    let started = Instant::now();
    let mut rec = w.recording(&key(&jane, &id), 0).await.unwrap();
    let got = read_all(&mut rec).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs_f64(bytes.len() as f64 / rate as f64));
    assert_eq!(got, bytes);
    emu.throttle_recordings(None);
}

#[tokio::test]
async fn one_token_for_many_concurrent_and_serial_requests() {
    let emu = start().await;
    let w = adapter(&emu);
    let patients: Vec<String> = ids_of(&emu.patients());
    let none = Filter::default();
    let results = join_all(
        patients
            .iter()
            .take(30)
            .map(|p| w.list_calls(Some(p), &none, PageRequest { page: 1, size: 5 })),
    )
    .await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        emu.token_requests(),
        1,
        "concurrent requests share one token"
    );
    for p in patients.iter().take(30) {
        w.list_calls(
            Some(p),
            &Filter::default(),
            PageRequest { page: 1, size: 5 },
        )
        .await
        .unwrap();
    }
    assert_eq!(emu.token_requests(), 1, "the token is cached");
    let bearers: HashSet<String> = emu
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(bearers.len(), 1);

    // An expired token: 20 concurrent 401 TOKEN_EXPIRED answers lead to ONE new token.
    emu.expire_tokens();
    let results = join_all(
        patients
            .iter()
            .take(20)
            .map(|p| w.list_calls(Some(p), &none, PageRequest { page: 1, size: 5 })),
    )
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(emu.token_requests(), 2);
    // A token the server no longer knows (NOT_VALID_JSON_WEB_TOKEN): the same.
    emu.revoke_tokens();
    assert!(w.check().await.is_ok());
    assert_eq!(emu.token_requests(), 3);
}

#[tokio::test]
async fn tokens_are_renewed_before_they_expire() {
    // Current style: the answer says when the token expires; it is renewed before that, so no
    // request meets an expired token.
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::from_secs(2),
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let none = Filter::default();
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_millis(3200) {
        let batch = join_all(
            (0..5).map(|_| w.list_calls(Some(&jane), &none, PageRequest { page: 1, size: 5 })),
        )
        .await;
        assert!(batch.iter().all(Result::is_ok));
        n += 5;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let t = emu.token_requests();
    assert!((2..=5).contains(&t), "{t} token requests for {n} calls");
    let expired = emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/calls"))
        .count();
    assert_eq!(expired, n, "no call needed a retry");
}

#[tokio::test]
async fn v8_tokens_without_expiry_are_renewed_on_token_expired() {
    // V8 gives no expiry (assumed 1 h); the server's tokens here live 1 s: each expiry costs one
    // 401 and one token request, never a failed call.
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::from_secs(1),
        ..WelkinOptions::default()
    })
    .await;
    let (w, _) = adapter_with(&emu, main_creds(&emu, WelkinAuthStyle::V8), None, limits());
    let jane = pid(&emu, "Jane", "Doe");
    let none = Filter::default();
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < Duration::from_millis(2600) {
        let batch = join_all(
            (0..5).map(|_| w.list_calls(Some(&jane), &none, PageRequest { page: 1, size: 5 })),
        )
        .await;
        assert!(batch.iter().all(Result::is_ok), "{batch:?}");
        n += 5;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let t = emu.token_requests();
    assert!((2..=5).contains(&t), "{t} token requests for {n} calls");
    let token_calls: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert!(token_calls.iter().all(|r| {
        r.path == format!("/{}/admin/api_clients/{}", emu.tenant(), emu.client_name())
            && r.header("authorization").is_none()
    }));
}

#[tokio::test]
async fn a_second_401_is_an_authentication_error() {
    // Tokens that are expired as soon as they are issued: one retry, then a clear error.
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::ZERO,
        ..WelkinOptions::default()
    })
    .await;
    let (w, _) = adapter_with(&emu, main_creds(&emu, WelkinAuthStyle::V8), None, limits());
    let e = w.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the token (401 TOKEN_EXPIRED): check WELKIN_SECRET"
    );
    assert_eq!(emu.token_requests(), 2);

    // A 401 with another code is not retried.
    let emu = start().await;
    let w = adapter(&emu);
    w.check().await.unwrap();
    emu.faults().push(Fault::Status(401));
    let e = w.check().await.unwrap_err();
    assert!(
        matches!(e, ProviderError::Auth { status: 401, .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the token (401 NOT_AUTHORIZED): check WELKIN_SECRET"
    );
    assert_eq!(emu.token_requests(), 1);
}

#[tokio::test]
async fn wrong_credentials_are_one_clear_sentence() {
    let emu = start().await;
    let (bad, _) = adapter_with(
        &emu,
        Creds {
            style: WelkinAuthStyle::Current,
            client: emu.client_key(),
            secret: "wrong".into(),
        },
        None,
        limits(),
    );
    let e = bad.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the API client key or secret (401 INVALID_API_CLIENT_CREDENTIALS): \
         check WELKIN_SECRET"
    );
    assert_eq!(e.health(), callbrowser::providers::Health::AuthError);
    let (bad, _) = adapter_with(
        &emu,
        Creds {
            style: WelkinAuthStyle::V8,
            client: "NOSUCHCLIENT".into(),
            secret: emu.secret(),
        },
        None,
        limits(),
    );
    let e = bad.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the API client name (404 API_CLIENT_NOT_FOUND): check `client` \
         in the configuration"
    );
    let (bad, _) = adapter_with(
        &emu,
        Creds {
            style: WelkinAuthStyle::V8,
            client: emu.client_name(),
            secret: "wrong".into(),
        },
        None,
        limits(),
    );
    let e = bad.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health rejected the API client name or secret (401 \
         INVALID_API_CLIENT_CREDENTIALS): check WELKIN_SECRET"
    );
    // A tenant the server does not know: named, whichever style.
    for style in [WelkinAuthStyle::V8, WelkinAuthStyle::Current] {
        let (w, _) = build(
            WelkinSettings {
                tenant: "acme-wealth".into(),
                ..settings(&emu, main_creds(&emu, style), None)
            },
            limits(),
        );
        let e = w.check().await.unwrap_err();
        let want = match style {
            WelkinAuthStyle::V8 => {
                "Welkin Health rejected the tenant (404 TENANT_NOT_FOUND): check `tenant` in the \
                 configuration"
            }
            WelkinAuthStyle::Current => {
                "Welkin Health: not found (Tenant was not found (TENANT_NOT_FOUND): check `tenant` \
                 in the configuration)"
            }
        };
        assert_eq!(e.to_string(), want, "{style:?}");
        assert!(!e.to_string().contains("WELKIN_SECRET"));
    }
    // The V8 style with the right name works and checks.
    let (v8, _) = adapter_with(&emu, main_creds(&emu, WelkinAuthStyle::V8), None, limits());
    assert_eq!(
        v8.check().await.unwrap(),
        "token accepted; 32 patient(s) visible"
    );
}

#[tokio::test]
async fn the_token_block_is_remembered_and_not_hammered() {
    let emu = start_with(WelkinOptions {
        token_limit: 3,
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter(&emu);
    for _ in 0..3 {
        w.check().await.unwrap();
        emu.revoke_tokens();
    }
    assert_eq!(emu.token_requests(), 3);
    let e = w.check().await.unwrap_err();
    assert_eq!(emu.token_requests(), 4);
    match &e {
        ProviderError::RateLimited {
            retry_after_secs: Some(s),
            ..
        } => assert!((295..=300).contains(s), "{s}"),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("Welkin Health is rate limiting requests; gave up waiting"),
        "{e}"
    );
    // While blocked, no further token request is sent.
    for _ in 0..5 {
        let e = w.check().await.unwrap_err();
        assert!(matches!(e, ProviderError::RateLimited { .. }), "{e:?}");
    }
    assert_eq!(emu.token_requests(), 4);
}

#[tokio::test]
async fn a_refused_token_exchange_is_asked_once_for_all_waiting_callers() {
    let emu = start().await;
    let (w, _) = adapter_with(
        &emu,
        Creds {
            style: WelkinAuthStyle::Current,
            client: emu.client_key(),
            secret: "wrong".into(),
        },
        None,
        limits(),
    );
    let patients = ids_of(&emu.patients());
    let none = Filter::default();
    let page = PageRequest { page: 1, size: 5 };
    let keys: Vec<At> = patients.iter().take(8).map(|p| key(p, "x")).collect();
    // 30 operations at once, most of them sending two requests at once.
    let (lists, details, scopes, check) = tokio::join!(
        join_all(
            patients
                .iter()
                .take(20)
                .map(|p| w.list_calls(Some(p), &none, page))
        ),
        join_all(keys.iter().map(|k| w.detail(k))),
        w.list_scopes(None, page),
        w.check(),
    );
    let want = "Welkin Health rejected the API client key or secret (401 \
                INVALID_API_CLIENT_CREDENTIALS): check WELKIN_SECRET";
    let mut errors: Vec<String> = lists
        .into_iter()
        .map(|r| r.unwrap_err().to_string())
        .collect();
    errors.extend(details.into_iter().map(|r| r.unwrap_err().to_string()));
    errors.push(scopes.unwrap_err().to_string());
    errors.push(check.unwrap_err().to_string());
    assert_eq!(errors.len(), 30);
    assert!(errors.iter().all(|e| e == want), "{errors:?}");
    assert_eq!(emu.token_requests(), 1, "one token request for all of them");
    // The refusal is remembered for a while: asking again at once cannot help.
    for _ in 0..3 {
        assert_eq!(w.check().await.unwrap_err().to_string(), want);
    }
    assert_eq!(emu.token_requests(), 1);
    assert_eq!(
        emu.requests().len(),
        1,
        "no resource request without a token"
    );
}

#[tokio::test]
async fn a_failed_token_exchange_answers_the_callers_waiting_for_it() {
    let emu = start().await;
    let w = adapter(&emu);
    let patients = ids_of(&emu.patients());
    let none = Filter::default();
    let page = PageRequest { page: 1, size: 5 };
    emu.token_faults().push(Fault::Status(500));
    let results = join_all(
        patients
            .iter()
            .take(10)
            .map(|p| w.list_calls(Some(p), &none, page)),
    )
    .await;
    assert_eq!(emu.token_requests(), 1);
    for r in results {
        assert_eq!(
            r.unwrap_err().to_string(),
            "Welkin Health answered 500 INTERNAL_SERVER_ERROR: An unexpected error occurred; a \
             failure on Welkin's side; try again in a few minutes"
        );
    }
    // A passing failure is not remembered: the next caller asks again, and gets a token.
    let p = w.list_calls(Some(&patients[0]), &none, page).await.unwrap();
    assert_eq!(p.items.len(), 5);
    assert_eq!(emu.token_requests(), 2);
}

#[tokio::test]
async fn a_token_block_without_retry_after_costs_one_token_request() {
    let emu = start_with(WelkinOptions {
        token_limit: 1,
        block_retry_after: false,
        ..WelkinOptions::default()
    })
    .await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let call = emu
        .calls(&jane)
        .into_iter()
        .find(|c| c["hasRecording"] == true)
        .unwrap();
    let call = key(&jane, call["id"].as_str().unwrap());
    w.check().await.unwrap();
    assert_eq!(emu.token_requests(), 1);
    // The server forgets the token: the next operations need a new one, and the one token
    // request they share is blocked (the second in the window), answered without Retry-After.
    emu.revoke_tokens();
    let none = Filter::default();
    let page = PageRequest { page: 1, size: 5 };
    let (calls, detail, recording, scopes, check) = tokio::join!(
        w.list_calls(Some(&jane), &none, page),
        w.detail(&call),
        w.recording(&call, 0),
        w.list_scopes(None, page),
        w.check(),
    );
    let mut errors = vec![
        calls.unwrap_err(),
        detail.unwrap_err(),
        scopes.unwrap_err(),
        check.unwrap_err(),
    ];
    errors.push(recording.err().unwrap());
    // Later operations during the block do not ask either.
    for _ in 0..3 {
        errors.push(w.check().await.unwrap_err());
        errors.push(w.list_calls(Some(&jane), &none, page).await.unwrap_err());
    }
    assert_eq!(
        emu.token_requests(),
        2,
        "exactly one token request for the block"
    );
    for e in &errors {
        match e {
            ProviderError::RateLimited {
                retry_after_secs: Some(s),
                ..
            } => assert!(
                (295..=300).contains(s),
                "{s}: the block is assumed 5 minutes"
            ),
            other => panic!("expected RateLimited, got {other:?}"),
        }
        assert!(
            e.to_string().starts_with(
                "Welkin Health is rate limiting requests; gave up waiting (the server asks to \
                 retry in "
            ),
            "{e}"
        );
    }
}

#[tokio::test]
async fn statuses_in_the_error_array_become_clear_sentences() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    w.check().await.unwrap();
    let cases: [(u16, &str); 7] = [
        (
            400,
            "Welkin Health answered 400 BAD_REQUEST: The request could not be processed; check \
             the search and filter",
        ),
        (
            403,
            "Welkin Health refused access (403 ACCESS_DENIED): Access is denied; check the API \
             client's roles, instance access and security policy in Welkin",
        ),
        (
            404,
            "Welkin Health: not found (The requested resource was not found (NOT_FOUND))",
        ),
        (
            405,
            "Welkin Health answered 405 METHOD_NOT_ALLOWED: Request method is not supported; this \
             address does not take this request; check `base_url`",
        ),
        (
            406,
            "Welkin Health answered 406 NOT_ACCEPTABLE: Could not find an acceptable \
             representation; this address does not answer in JSON; check `base_url`",
        ),
        (
            410,
            "Welkin Health answered 410 GONE: The requested resource is no longer available; this \
             API address is no longer served; check `base_url`",
        ),
        (
            401,
            "Welkin Health rejected the token (401 NOT_AUTHORIZED): check WELKIN_SECRET",
        ),
    ];
    for (status, sentence) in cases {
        emu.faults_on(Endpoint::Calls).push(Fault::Status(status));
        let e = w
            .list_calls(
                Some(&jane),
                &Filter::default(),
                PageRequest { page: 1, size: 5 },
            )
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), sentence);
    }
    assert_eq!(emu.faults_on(Endpoint::Calls).pending(), 0);
    // 500 is retried; when it persists, one sentence.
    for _ in 0..4 {
        emu.faults_on(Endpoint::Calls).push(Fault::Status(500));
    }
    let e = w
        .list_calls(
            Some(&jane),
            &Filter::default(),
            PageRequest { page: 1, size: 5 },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health answered 500 INTERNAL_SERVER_ERROR: An unexpected error occurred; a failure \
         on Welkin's side; try again in a few minutes"
    );
    // 429 that does not pass in time.
    let (impatient, _) = adapter_with(
        &emu,
        main_creds(&emu, WelkinAuthStyle::Current),
        None,
        HttpLimits {
            max_rate_limit_wait: Duration::from_millis(10),
            ..limits()
        },
    );
    emu.faults().clear();
    impatient.check().await.unwrap();
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 30,
    });
    let e = impatient.check().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health is rate limiting requests; gave up waiting (the server asks to retry in 30 s)"
    );
}

#[tokio::test]
async fn rate_limit_429_waits_for_retry_after() {
    let emu = start().await;
    let (w, notices) = adapter_with(
        &emu,
        main_creds(&emu, WelkinAuthStyle::Current),
        None,
        limits(),
    );
    let jane = pid(&emu, "Jane", "Doe");
    emu.faults_on(Endpoint::Calls).push(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let started = Instant::now();
    let page = w
        .list_calls(
            Some(&jane),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        calls_pages(&emu),
        vec!["0/20", "0/20"],
        "asked again after the wait"
    );
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
async fn server_errors_and_broken_connections_are_retried() {
    let emu = start().await;
    let (w, notices) = adapter_with(
        &emu,
        main_creds(&emu, WelkinAuthStyle::Current),
        None,
        limits(),
    );
    let jane = pid(&emu, "Jane", "Doe");
    w.check().await.unwrap();
    for fault in [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::ConnectionReset,
        Fault::TruncatedBody,
    ] {
        emu.clear_requests();
        notices.lock().unwrap().clear();
        emu.faults_on(Endpoint::Calls).push(fault.clone());
        let p = w
            .list_calls(
                Some(&jane),
                &Filter::default(),
                PageRequest { page: 1, size: 10 },
            )
            .await;
        assert_eq!(
            p.map(|p| p.items.len()).ok(),
            Some(10),
            "{fault:?} then success"
        );
        assert_eq!(
            calls_pages(&emu),
            vec!["0/10", "0/10"],
            "{fault:?}: one retry"
        );
        assert_eq!(
            notices.lock().unwrap().len(),
            1,
            "{fault:?}: the retry is shown"
        );
    }
    // Latency: the answer waits, and is not asked twice.
    emu.clear_requests();
    emu.faults_on(Endpoint::Calls)
        .push(Fault::Latency(Duration::from_millis(300)));
    let started = Instant::now();
    let p = w
        .list_calls(
            Some(&jane),
            &Filter::default(),
            PageRequest { page: 1, size: 10 },
        )
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(p.items.len(), 10);
    assert_eq!(calls_pages(&emu), vec!["0/10"]);
    // A token endpoint failure is reported (a POST is not repeated), and the next call gets a
    // token.
    emu.revoke_tokens();
    emu.token_faults().push(Fault::Status(500));
    let before = emu.token_requests();
    let e = w.check().await.unwrap_err();
    assert!(
        e.to_string().starts_with("Welkin Health answered 500"),
        "{e}"
    );
    assert_eq!(emu.token_requests(), before + 1);
    assert!(w.check().await.is_ok());
    assert_eq!(emu.token_requests(), before + 2);
}

#[tokio::test]
async fn a_record_with_wrong_types_does_not_hide_its_page() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    // Aimed at the calls list: the patient read sent alongside does not take it.
    emu.faults_on(Endpoint::Calls).push(Fault::WrongTypesRecord);
    let p = w
        .list_calls(
            Some(&jane),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap();
    assert_eq!((p.items.len(), p.unreadable), (19, 1));
    let want: Vec<String> = ids_of(&emu.calls(&jane)[..20])
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 10)
        .map(|(_, id)| id)
        .collect();
    assert_eq!(ids(&p.items), want);
    emu.faults_on(Endpoint::Patients)
        .push(Fault::WrongTypesRecord);
    let p = w
        .list_scopes(None, PageRequest { page: 1, size: 10 })
        .await
        .unwrap();
    assert_eq!((p.items.len(), p.unreadable), (9, 1));
    // A single call with wrong types is still shown, without the values it could not read.
    let id = emu.calls(&jane)[0]["id"].as_str().unwrap().to_string();
    emu.faults_on(Endpoint::Call).push(Fault::WrongTypesRecord);
    let d = w.detail(&key(&jane, &id)).await.unwrap();
    assert_eq!(d.call.id, id);
    assert_eq!((d.call.duration_secs, d.call.has_recording), (None, None));
    assert!(d.call.fields.contains(&("direction".into(), "7".into())));

    emu.faults_on(Endpoint::Calls).push(Fault::MalformedJson);
    let e = w
        .list_calls(
            Some(&jane),
            &Filter::default(),
            PageRequest { page: 1, size: 20 },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("Welkin Health sent an answer that could not be read"),
        "{e}"
    );
}

#[tokio::test]
async fn a_pinned_patient_needs_no_patient_list() {
    let emu = start().await;
    let zoe = pid(&emu, "Zoë", "Clarke");
    let pinned = Scope {
        id: zoe.clone(),
        name: zoe.clone(),
        detail: None,
    };
    let (w, _) = adapter_with(
        &emu,
        main_creds(&emu, WelkinAuthStyle::Current),
        Some(pinned.clone()),
        limits(),
    );
    assert_eq!(w.pinned_scope(), Some(&pinned));
    assert_eq!(
        w.check().await.unwrap(),
        "token accepted; pinned patient Zoë Clarke is visible"
    );
    let calls = all_calls(&w, None, &Filter::default(), 100).await;
    assert_eq!(ids(&calls), ids_of(&emu.calls(&zoe)));
    assert!(
        calls
            .iter()
            .all(|c| c.caller_name.as_deref() == Some("Zoë Clarke"))
    );
    assert!(
        calls
            .iter()
            .all(|c| c.scope.as_deref() == Some(zoe.as_str()))
    );
    let first = &calls[0];
    assert!(w.get_call(first.scope.as_deref(), &first.id).await.is_ok());
    // The configured scope's name is a placeholder (the id, or "patient <id>"): when the patient
    // cannot be read, the calls have no caller name rather than that.
    for name in [format!("patient {zoe}"), zoe.clone()] {
        let (w, _) = adapter_with(
            &emu,
            main_creds(&emu, WelkinAuthStyle::Current),
            Some(Scope {
                id: zoe.clone(),
                name,
                detail: None,
            }),
            limits(),
        );
        emu.faults_on(Endpoint::Patient).push(Fault::Status(404));
        let p = w
            .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 5 })
            .await
            .unwrap();
        assert_eq!(emu.faults_on(Endpoint::Patient).pending(), 0);
        assert_eq!(p.items.len(), 5);
        assert!(
            p.items.iter().all(|c| c.caller_name.is_none()),
            "{:?}",
            p.items[0].caller_name
        );
        // Read the next time: the server's name.
        let p = w
            .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 5 })
            .await
            .unwrap();
        assert_eq!(p.items[0].caller_name.as_deref(), Some("Zoë Clarke"));
    }
    // Without a pin and without a scope: a clear sentence.
    let plain = adapter(&emu);
    let e = plain
        .list_calls(None, &Filter::default(), PageRequest { page: 1, size: 20 })
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health: choose a patient first: Welkin lists calls per patient"
    );
    // A patient seen in the list gives its name to the calls without being asked for again;
    // an unseen one is read once.
    let john = pid(&emu, "John", "Doe");
    plain
        .list_scopes(Some("doe"), PageRequest { page: 1, size: 20 })
        .await
        .unwrap();
    let zoe_path = format!("/patients/{zoe}");
    let john_path = format!("/patients/{john}");
    let single = |emu: &WelkinEmulator, path: &str| {
        emu.requests()
            .iter()
            .filter(|r| r.path.ends_with(path))
            .count()
    };
    emu.clear_requests();
    for _ in 0..2 {
        for p in [&john, &zoe] {
            let c = plain
                .list_calls(
                    Some(p),
                    &Filter::default(),
                    PageRequest { page: 1, size: 5 },
                )
                .await
                .unwrap();
            assert!(c.items.iter().all(|c| c.caller_name.is_some()));
        }
    }
    assert_eq!(single(&emu, &john_path), 0);
    assert_eq!(single(&emu, &zoe_path), 1);
    let caps = plain.capabilities();
    assert_eq!(caps.scope_noun, Some("patient"));
    assert!(!caps.has_transcripts && caps.has_recordings);
}
