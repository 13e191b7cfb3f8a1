//! What only the Welkin adapter does, against its emulator over real HTTP on loopback: patients
//! and their search, `metaInfo` paging rules, the token exchange in both styles, the recording
//! endpoint's permission (the token exchange is in `welkin/token_exchange.rs`). What every
//! provider does is in the contract suite (`tests/contract`).

mod support;
#[path = "welkin/token_exchange.rs"]
mod token_exchange;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use callbrowser::http::HttpLimits;
use callbrowser::model::{Call, Filter, Page, PageRequest, RecordingRef, Scope};
use callbrowser::providers::welkin::{Welkin, WelkinAuthStyle, WelkinSettings};
use callbrowser::providers::{Provider, ProviderError};
use callbrowser_emulators::welkin::{self, Endpoint, MetaInfo, WelkinEmulator, WelkinOptions};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use serde_json::Value;
use support::fetch::{At, Fetch, Notices, all_calls, clients, ids, limits, read_all};

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        seed: 7,
        now: "2026-03-20T15:00:00Z".parse().unwrap(),
        ..EmulatorOptions::default()
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

fn creds(style: WelkinAuthStyle, client: impl Into<String>, secret: impl Into<String>) -> Creds {
    Creds {
        style,
        client: client.into(),
        secret: secret.into(),
    }
}

fn pg(page: u32, size: u32) -> PageRequest {
    PageRequest { page, size }
}

/// One page of a patient's calls, unfiltered.
async fn page_of(
    w: &Welkin,
    patient: Option<&str>,
    page: PageRequest,
) -> Result<Page<Call>, ProviderError> {
    w.list_calls(patient, &Filter::default(), page).await
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
    let (api, storage, notices) = clients(limits);
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

/// An adapter with these credentials (and no pinned patient).
fn adapter_as(emu: &WelkinEmulator, creds: Creds) -> Welkin {
    adapter_with(emu, creds, None, limits()).0
}

fn adapter_v8(emu: &WelkinEmulator) -> Welkin {
    adapter_as(emu, main_creds(emu, WelkinAuthStyle::V8))
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

fn called(v: &Value) -> DateTime<Utc> {
    v["calledAt"].as_str().unwrap().parse().unwrap()
}

fn key(patient: &str, id: &str) -> At {
    At {
        scope: Some(patient.into()),
        id: id.into(),
    }
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
    let first = w.list_scopes(None, pg(1, 10)).await.unwrap();
    assert_eq!(first.total_items, Some(32));
    assert_eq!(first.total_pages, Some(4));
    // More than the API allows is clamped to its maximum.
    let big = w.list_scopes(None, pg(1, 500)).await.unwrap();
    assert_eq!((big.page_size, big.items.len()), (100, 32));
}

/// The patients whose first or last name contains `word`, in the server's order.
fn either_name(all: &[Value], word: &str) -> Vec<String> {
    let w = word.to_lowercase();
    let has = |p: &Value, k: &str| p[k].as_str().unwrap().to_lowercase().contains(&w);
    let hits = all
        .iter()
        .filter(|p| has(p, "firstName") || has(p, "lastName"));
    ids_of(&hits.cloned().collect::<Vec<_>>())
}

#[tokio::test]
async fn a_name_search_is_sent_as_first_and_last_name() {
    let emu = start().await;
    let w = adapter(&emu);
    let all = emu.patients();
    // One word: first OR last name (two requests, merged, no duplicates, server order).
    emu.clear_requests();
    let morgan = all_scopes(&w, Some("morgan"), 20).await;
    let names: Vec<&str> = morgan.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"Morgan Taylor") && names.contains(&"Taylor Morgan"));
    assert_eq!(
        morgan.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        either_name(&all, "morgan")
    );
    let q = patient_queries(&emu);
    assert!(q.iter().any(|q| has(q, "firstName", "morgan")));
    assert!(q.iter().any(|q| has(q, "lastName", "morgan")));

    // A short word matching many patients on both fields: paged without duplicates.
    let word = "a";
    let want = either_name(&all, word);
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
    let p1 = w.list_scopes(Some(word), pg(1, 5)).await.unwrap();
    assert_eq!(p1.total_items, Some(want.len() as u64));
    assert_eq!(p1.total_pages, Some(want.len().div_ceil(5) as u32));

    // Two words: first name + last name.
    emu.clear_requests();
    let jane = w.list_scopes(Some("Jane Doe"), pg(1, 20)).await.unwrap();
    assert_eq!(jane.items.len(), 1);
    assert_eq!(jane.items[0].name, "Jane Doe");
    let q = patient_queries(&emu);
    assert_eq!(q.len(), 1);
    assert!(has(&q[0], "firstName", "Jane") && has(&q[0], "lastName", "Doe"));
    let mary = w
        .list_scopes(Some("Mary Ann Smith"), pg(1, 20))
        .await
        .unwrap();
    assert_eq!(mary.items.len(), 1);
}

#[tokio::test]
async fn mrn_and_status_searches_are_sent_as_parameters() {
    let emu = start().await;
    let w = adapter(&emu);
    let all = emu.patients();
    // MRN: `mrn:X` or a word that looks like one → exact `mrn`.
    let m = &all[5];
    let mrn = m["mrn"].as_str().unwrap();
    let name = format!(
        "{} {}",
        m["firstName"].as_str().unwrap(),
        m["lastName"].as_str().unwrap()
    );
    emu.clear_requests();
    for search in [format!("mrn:{mrn}"), mrn.to_lowercase()] {
        let r = w.list_scopes(Some(&search), pg(1, 20)).await.unwrap();
        assert_eq!(r.items.len(), 1, "{search}");
        assert_eq!(r.items[0].name, name);
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
        .list_scopes(Some("status:sleeping"), pg(1, 20))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("status:active"), "{e}");
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
async fn each_paging_stop_rule_ends_paging_on_its_own_and_the_patient_is_the_caller() {
    // Jane has 37 calls: with pages of 37 the first page is full and the last one, so only a
    // stop rule (not a short page) can end paging there. Each metaInfo variant leaves one rule.
    // A page of 100 holds all 37: one request, unless only an empty page tells the end.
    let short = ["0/37", "0/10", "1/10", "2/10", "3/10", "0/100"];
    let with_empty = [
        "0/37", "1/37", "0/10", "1/10", "2/10", "3/10", "4/10", "0/100", "1/100",
    ];
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
        for size in [37, 10, 100] {
            let calls = all_calls(&w, Some(&jane), &Filter::default(), size).await;
            assert_eq!(
                ids(&calls),
                ids_of(&emu.calls(&jane)),
                "{meta:?} size {size}"
            );
        }
        assert_eq!(calls_pages(&emu), want, "{meta:?}");
        let p = page_of(&w, Some(&jane), pg(1, 10)).await.unwrap();
        assert!(p.has_more, "{meta:?}");
        assert_eq!(
            p.total_items.zip(p.total_pages),
            totals.map(|(i, n)| (i as u64, n)),
            "{meta:?}"
        );
        the_patient_is_the_caller(&emu, &w, &jane).await;
    }
}

/// Page 2 of Jane's calls, mapped: she is the caller of each.
async fn the_patient_is_the_caller(emu: &WelkinEmulator, w: &Welkin, jane: &str) {
    let raw = emu.patient(jane).unwrap();
    let p = page_of(w, Some(jane), pg(2, 10)).await.unwrap();
    assert_eq!(p.page, 2);
    let c = &p.items[0];
    assert_eq!(c.caller_name.as_deref(), Some("Jane Doe"));
    assert_eq!(c.caller_number.as_deref(), raw["phone"].as_str());
    assert_eq!(c.has_transcript, Some(false));
    let wire = &emu.calls(jane)[10];
    assert_eq!(c.id, wire["id"].as_str().unwrap());
    assert_eq!(c.duration_secs, wire["duration"].as_f64());
    assert_eq!(c.status.as_deref(), wire["status"].as_str());
    assert_eq!(c.started_at, Some(called(wire)));
    assert_eq!(c.has_recording, wire["hasRecording"].as_bool());
    let dir = c.direction.map(|d| d.as_str().to_uppercase());
    assert_eq!(dir.as_deref(), wire["direction"].as_str());
}

/// from/to reaching the server as startDate/endDate is the contract suite's
/// (`server_filters_reach_the_server`, `local_filter_keys_are_not_sent`).
#[tokio::test]
async fn from_after_to_is_the_servers_400_in_one_sentence() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let raw = emu.calls(&jane);
    let bad = Filter {
        from: Some(called(&raw[8])),
        to: Some(called(&raw[25])),
        ..Filter::default()
    };
    let e = w
        .list_calls(Some(&jane), &bad, pg(1, 20))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health answered 400 INVALID_REQUEST_PARAMETER: startDate must not be after \
         endDate; check the search and filter"
    );
}

/// Recording states, bytes and formats are the contract suite's (`recording_states`); here what
/// is Welkin's own: the endpoint's path, the patient in the detail, the Range header and the
/// bearer token on the recording request, the permission a restricted client lacks, an unknown
/// patient.
#[tokio::test]
async fn detail_and_recordings_from_the_authenticated_endpoint() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    let raw = emu.calls(&jane);
    let with = raw.iter().find(|c| c["hasRecording"] == true).unwrap();
    let with_id = with["id"].as_str().unwrap();

    let d = w.detail(&key(&jane, with_id)).await.unwrap();
    let path = format!(
        "/{}/{}/patients/{jane}/calls/{with_id}/recording",
        emu.tenant(),
        emu.instance()
    );
    assert_eq!(d.recording, RecordingRef::Endpoint { path });
    assert_eq!(d.call.caller_name.as_deref(), Some("Jane Doe"));
    let mrn = emu.patient(&jane).unwrap()["mrn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(d.call.fields.contains(&("patient MRN".to_string(), mrn)));

    w.recording(&key(&jane, with_id), 1000).await.unwrap();
    let r = emu
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/recording"))
        .unwrap();
    assert_eq!(r.header("range"), Some("bytes=1000-"));
    assert!(r.header("authorization").unwrap().starts_with("Bearer eyJ"));

    // A client without the permission: the vendor sentence and the permission's name.
    let (restricted, _) = adapter_with(
        &emu,
        creds(
            WelkinAuthStyle::Current,
            emu.restricted_client_key(),
            emu.restricted_secret(),
        ),
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
    let e = page_of(&w, Some("nobody"), pg(1, 20)).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Welkin Health: not found (Patient was not found (PATIENT_NOT_FOUND))"
    );
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

/// Records with wrong types in the lists are the contract suite's
/// (`one_malformed_record_is_counted_not_fatal`, `scopes_page_and_search`).
#[tokio::test]
async fn a_detail_with_wrong_types_is_still_shown() {
    let emu = start().await;
    let w = adapter(&emu);
    let jane = pid(&emu, "Jane", "Doe");
    // A single call with wrong types is still shown, without the values it could not read.
    let id = emu.calls(&jane)[0]["id"].as_str().unwrap().to_string();
    emu.faults_on(Endpoint::Call).push(Fault::WrongTypesRecord);
    let d = w.detail(&key(&jane, &id)).await.unwrap();
    assert_eq!(d.call.id, id);
    assert_eq!((d.call.duration_secs, d.call.has_recording), (None, None));
    assert!(d.call.fields.contains(&("direction".into(), "7".into())));
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
    // The pin itself (listing under it, reading by id) is the contract suite's
    // (`a_pinned_scope_needs_no_parent_list`); here its placeholder name and the check.
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
        let p = page_of(&w, None, pg(1, 5)).await.unwrap();
        assert_eq!(emu.faults_on(Endpoint::Patient).pending(), 0);
        assert_eq!(p.items.len(), 5);
        assert!(
            p.items.iter().all(|c| c.caller_name.is_none()),
            "{:?}",
            p.items[0].caller_name
        );
        // Read the next time: the server's name.
        let p = page_of(&w, None, pg(1, 5)).await.unwrap();
        assert_eq!(p.items[0].caller_name.as_deref(), Some("Zoë Clarke"));
    }
}

#[tokio::test]
async fn patient_names_are_read_once() {
    let emu = start().await;
    let zoe = pid(&emu, "Zoë", "Clarke");
    let plain = adapter(&emu);
    // A patient seen in the list gives its name to the calls without being asked for again;
    // an unseen one is read once.
    let john = pid(&emu, "John", "Doe");
    plain.list_scopes(Some("doe"), pg(1, 20)).await.unwrap();
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
            let c = page_of(&plain, Some(p), pg(1, 5)).await.unwrap();
            assert!(c.items.iter().all(|c| c.caller_name.is_some()));
        }
    }
    assert_eq!(single(&emu, &john_path), 0);
    assert_eq!(single(&emu, &zoe_path), 1);
    let caps = plain.capabilities();
    assert_eq!(caps.scope_noun, Some("patient"));
    assert!(!caps.has_transcripts && caps.has_recordings);
}
