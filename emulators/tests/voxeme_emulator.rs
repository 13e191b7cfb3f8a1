//! Raw-HTTP tests of the Voxeme emulator (written against the public API and the vendor file).

use std::time::{Duration, Instant};

use callbrowser_emulators::voxeme::{self, RecordingUrls, VoxemeEmulator, VoxemeOptions};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::Value;

const CDR_KEYS: [&str; 21] = [
    "attempted_at",
    "account_sid",
    "service_provider_sid",
    "application_sid",
    "call_sid",
    "direction",
    "from",
    "to",
    "answered",
    "answered_at",
    "terminated_at",
    "duration",
    "sip_status",
    "sip_callid",
    "sip_parent_callid",
    "termination_reason",
    "host",
    "remote_host",
    "trunk",
    "trace_id",
    "recording_url",
];

const EPOCH: &str = "1970-01-01T00:00:00.000Z";

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap()
}

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: fixed_now(),
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

async fn start() -> VoxemeEmulator {
    voxeme::start_with(opts(), vopts()).await.unwrap()
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn get_q(emu: &VoxemeEmulator, path: &str, key: Option<&str>, q: &[(&str, &str)]) -> Resp {
    let mut rb = Client::new()
        .get(format!("{}{path}", emu.base_url()))
        .query(q);
    if let Some(k) = key {
        rb = rb.bearer_auth(k);
    }
    let r = rb.send().await.unwrap();
    Resp {
        status: r.status(),
        headers: r.headers().clone(),
        text: r.text().await.unwrap(),
    }
}

async fn get(emu: &VoxemeEmulator, path: &str, q: &[(&str, &str)]) -> Resp {
    get_q(emu, path, Some(&emu.api_key()), q).await
}

fn account_sids(emu: &VoxemeEmulator) -> Vec<String> {
    emu.accounts()
        .iter()
        .map(|a| a["account_sid"].as_str().unwrap().to_string())
        .collect()
}

fn sids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["call_sid"].as_str().unwrap().to_string())
        .collect()
}

fn attempted(c: &Value) -> DateTime<Utc> {
    c["attempted_at"].as_str().unwrap().parse().unwrap()
}

fn assert_plain(r: &Resp, status: u16, body: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.text, body);
    assert!(
        r.header("content-type").unwrap().starts_with("text/plain"),
        "{:?}",
        r.headers
    );
}

fn assert_msg(r: &Resp, status: u16, msg: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.json(), serde_json::json!({ "msg": msg }));
}

/// Every page of RecentCalls with these parameters, in order.
async fn all_pages(emu: &VoxemeEmulator, account: &str, q: &[(&str, &str)]) -> Vec<Value> {
    let path = format!("/v1/Accounts/{account}/RecentCalls");
    let mut out = Vec::new();
    for page in 1.. {
        let p = page.to_string();
        let mut query = vec![("page", p.as_str()), ("count", "100")];
        query.extend_from_slice(q);
        let r = get(emu, &path, &query).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let j = r.json();
        let data = j["data"].as_array().unwrap().clone();
        let total = j["total"].as_u64().unwrap();
        out.extend(data);
        if page as u64 >= total.div_ceil(100) {
            assert_eq!(out.len() as u64, total);
            break;
        }
    }
    out
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_plain_text_401() {
    let emu = start().await;
    let r = get_q(&emu, "/v1/Accounts", None, &[]).await;
    assert_plain(&r, 401, "Unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"Users\""));
    let r = get_q(
        &emu,
        "/v1/Accounts",
        Some("5f8e8f60-4771-44cb-92a6-94ea66df0450"),
        &[],
    )
    .await;
    assert_plain(&r, 401, "Unauthorized");
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"Users\", error=\"invalid_token\"")
    );
    // The key must be a bearer token, not another header.
    let r = Client::new()
        .get(format!("{}/v1/Accounts", emu.base_url()))
        .header("X-API-Key", emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn accounts_and_permissions() {
    let emu = start().await;
    let all = get(&emu, "/v1/Accounts", &[]).await;
    assert_eq!(all.status, 200);
    let list = all.json();
    let list = list.as_array().expect("a bare array");
    assert_eq!(list.len(), 3);
    assert_eq!(list, &emu.accounts());
    let names: Vec<&str> = list.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(names.iter().all(|n| n.starts_with("Beacon Health")));
    let recording: Vec<bool> = list
        .iter()
        .map(|a| a["record_all_calls"].as_bool().unwrap())
        .collect();
    assert_eq!(recording, vec![true, true, false]);
    let ids = account_sids(&emu);
    for (i, id) in ids.iter().enumerate() {
        // An account key sees exactly its own account.
        let own = get_q(&emu, "/v1/Accounts", Some(&emu.account_key(i)), &[]).await;
        let own = own.json();
        assert_eq!(own.as_array().unwrap().len(), 1);
        assert_eq!(own[0]["account_sid"], id.as_str());
        let one = get_q(
            &emu,
            &format!("/v1/Accounts/{id}"),
            Some(&emu.account_key(i)),
            &[],
        )
        .await;
        assert_eq!(one.json()["account_sid"], id.as_str());
        // Another account's sid: 403 in the "fail" shape, on every route.
        let other = &ids[(i + 1) % 3];
        for suffix in ["", "/RecentCalls", "/Calls"] {
            let r = get_q(
                &emu,
                &format!("/v1/Accounts/{other}{suffix}"),
                Some(&emu.account_key(i)),
                &[("page", "1"), ("count", "25")],
            )
            .await;
            assert_eq!(r.status, 403, "{suffix}");
            assert_eq!(
                r.json(),
                serde_json::json!({"status": "fail", "message": "insufficient privileges"})
            );
        }
    }
    // A malformed sid is 400 plain text; an unknown one 404 plain text.
    let r = get(
        &emu,
        "/v1/Accounts/not-a-uuid/RecentCalls",
        &[("page", "1"), ("count", "25")],
    )
    .await;
    assert_plain(&r, 400, "Bad Request");
    let r = get(
        &emu,
        "/v1/Accounts/00000000-0000-4000-8000-000000000000/RecentCalls",
        &[("page", "1"), ("count", "25")],
    )
    .await;
    assert_plain(&r, 404, "Not Found");
    assert_plain(&get(&emu, "/v1/Nothing", &[]).await, 404, "Not Found");
    let r = Client::new()
        .delete(format!("{}/v1/Accounts", emu.base_url()))
        .bearer_auth(emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn recent_calls_envelope_paging_and_record_shape() {
    let emu = start().await;
    for id in account_sids(&emu) {
        let raw = emu.calls(&id);
        assert!((150..=250).contains(&raw.len()), "{}", raw.len());
        let r = get(
            &emu,
            &format!("/v1/Accounts/{id}/RecentCalls"),
            &[("page", "2"), ("count", "25")],
        )
        .await;
        assert_eq!(r.status, 200);
        let j = r.json();
        // page and page_size are the query strings echoed; total is a number.
        assert_eq!(j["page"], "2");
        assert_eq!(j["page_size"], "25");
        assert_eq!(j["total"].as_u64(), Some(raw.len() as u64));
        assert_eq!(sids(j["data"].as_array().unwrap()), sids(&raw[25..50]));
        // Paging to the end gives every record once, newest attempt first.
        let all = all_pages(&emu, &id, &[]).await;
        assert_eq!(all, raw);
        assert!(all.windows(2).all(|w| attempted(&w[0]) > attempted(&w[1])));
        // 30 days retained, nothing older.
        let oldest = attempted(all.last().unwrap());
        assert!(oldest > fixed_now() - TimeDelta::days(30));
        assert!(oldest < fixed_now() - TimeDelta::days(25));
        // The last page is short; one after it is empty.
        let last = raw.len().div_ceil(25);
        let r = get(
            &emu,
            &format!("/v1/Accounts/{id}/RecentCalls"),
            &[("page", &last.to_string()), ("count", "25")],
        )
        .await
        .json();
        assert_eq!(
            r["data"].as_array().unwrap().len(),
            raw.len() - (last - 1) * 25
        );
        let r = get(
            &emu,
            &format!("/v1/Accounts/{id}/RecentCalls"),
            &[("page", &(last + 1).to_string()), ("count", "25")],
        )
        .await
        .json();
        assert!(r["data"].as_array().unwrap().is_empty());
        for c in &raw {
            let o = c.as_object().unwrap();
            let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let mut want = CDR_KEYS.to_vec();
            want.sort_unstable();
            assert_eq!(keys, want, "every key present");
            assert_eq!(c["account_sid"], id.as_str());
            let from = c["from"].as_str().unwrap();
            assert!(
                from.trim_start_matches('+')
                    .chars()
                    .all(|ch| ch.is_ascii_digit())
            );
        }
    }
}

#[tokio::test]
async fn quirks_epoch_floats_nulls_and_recording_urls() {
    let emu = start().await;
    let ids = account_sids(&emu);
    let all: Vec<Value> = ids.iter().flat_map(|id| emu.calls(id)).collect();
    let unanswered: Vec<&Value> = all.iter().filter(|c| c["answered"] == false).collect();
    assert!(unanswered.len() > all.len() / 10);
    for c in &unanswered {
        assert_eq!(c["answered_at"], EPOCH);
        assert_eq!(c["duration"].as_f64(), Some(0.0));
        assert!(c["recording_url"].is_null());
        assert_ne!(c["sip_status"].as_f64(), Some(200.0));
    }
    let floats = all.iter().filter(|c| c["duration"].is_f64()).count();
    assert!(floats > all.len() / 10, "some durations are floats");
    assert!(all.iter().any(|c| c["sip_status"].is_f64()));
    assert!(all.iter().any(|c| c["application_sid"].is_null()));
    assert!(all.iter().any(|c| !c["sip_parent_callid"].is_null()));
    assert!(
        all.iter()
            .any(|c| c["from"].as_str().unwrap().starts_with('+'))
    );
    assert!(
        all.iter()
            .any(|c| !c["from"].as_str().unwrap().starts_with('+'))
    );
    let trunks: std::collections::BTreeSet<&str> =
        all.iter().map(|c| c["trunk"].as_str().unwrap()).collect();
    assert!(trunks.contains("twilio") && trunks.contains("telnyx") && trunks.contains("voxbone"));
    for c in all.iter().filter(|c| c["answered"] == true) {
        let a: DateTime<Utc> = c["answered_at"].as_str().unwrap().parse().unwrap();
        let t: DateTime<Utc> = c["terminated_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            (t - a).num_seconds() as f64,
            c["duration"].as_f64().unwrap()
        );
    }
    // Recording accounts: most answered calls have a URL whose date is the END date.
    for (i, id) in ids.iter().enumerate() {
        let calls = emu.calls(id);
        let answered: Vec<&Value> = calls.iter().filter(|c| c["answered"] == true).collect();
        let with_url: Vec<&Value> = answered
            .iter()
            .copied()
            .filter(|c| !c["recording_url"].is_null())
            .collect();
        if i == 2 {
            assert!(with_url.is_empty(), "Lyon does not record");
            continue;
        }
        assert!(with_url.len() * 10 > answered.len() * 8);
        let fmt = if i == 0 { "mp3" } else { "wav" };
        for c in &with_url {
            let end: DateTime<Utc> = c["terminated_at"].as_str().unwrap().parse().unwrap();
            assert_eq!(
                c["recording_url"].as_str().unwrap(),
                format!(
                    "/Accounts/{id}/RecentCalls/{}/record/{}/{fmt}",
                    c["call_sid"].as_str().unwrap(),
                    end.format("%Y/%m/%d")
                )
            );
        }
        assert!(
            with_url.iter().any(|c| {
                attempted(c).date_naive()
                    != c["terminated_at"]
                        .as_str()
                        .unwrap()
                        .parse::<DateTime<Utc>>()
                        .unwrap()
                        .date_naive()
            }),
            "a call across midnight"
        );
    }
}

#[tokio::test]
async fn required_and_invalid_parameters_are_400_msg() {
    let emu = start().await;
    let id = &account_sids(&emu)[0];
    let path = format!("/v1/Accounts/{id}/RecentCalls");
    let page_msg = "missing or invalid \"page\" query arg";
    let count_msg = "missing or invalid \"count\" query arg";
    assert_msg(&get(&emu, &path, &[("count", "25")]).await, 400, page_msg);
    assert_msg(
        &get(&emu, &path, &[("page", "0"), ("count", "25")]).await,
        400,
        page_msg,
    );
    assert_msg(
        &get(&emu, &path, &[("page", "x"), ("count", "25")]).await,
        400,
        page_msg,
    );
    assert_msg(&get(&emu, &path, &[("page", "1")]).await, 400, count_msg);
    for bad in ["24", "1", "501", "0", "-5", "ten"] {
        assert_msg(
            &get(&emu, &path, &[("page", "1"), ("count", bad)]).await,
            400,
            count_msg,
        );
    }
    for ok in ["25", "500"] {
        assert_eq!(
            get(&emu, &path, &[("page", "1"), ("count", ok)])
                .await
                .status,
            200
        );
    }
    for (name, value) in [
        ("days", "0"),
        ("days", "31"),
        ("days", "week"),
        ("answered", "maybe"),
        ("direction", "sideways"),
        ("start", "yesterday"),
        ("end", "2026-13-45"),
    ] {
        assert_msg(
            &get(
                &emu,
                &path,
                &[("page", "1"), ("count", "25"), (name, value)],
            )
            .await,
            400,
            &format!("invalid \"{name}\" query arg"),
        );
    }
    // When days is present, start/end are not even looked at.
    let r = get(
        &emu,
        &path,
        &[
            ("page", "1"),
            ("count", "25"),
            ("days", "2"),
            ("start", "garbage"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn every_filter_filters() {
    let emu = start().await;
    let id = account_sids(&emu)[0].clone();
    let raw = emu.calls(&id);
    let want = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        sids(&raw.iter().filter(|c| keep(c)).cloned().collect::<Vec<_>>())
    };

    // start/end are inclusive: a window whose bounds are two records' exact times holds both.
    let hi = attempted(&raw[10]);
    let lo = attempted(&raw[40]);
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (hi_s, lo_s) = (fmt(hi), fmt(lo));
    let got = all_pages(&emu, &id, &[("start", &lo_s), ("end", &hi_s)]).await;
    assert_eq!(sids(&got), sids(&raw[10..=40]));

    // days overrides start/end.
    let days3 = want(&|c| attempted(c) >= fixed_now() - TimeDelta::days(3));
    assert!(!days3.is_empty() && days3.len() < raw.len());
    assert_eq!(sids(&all_pages(&emu, &id, &[("days", "3")]).await), days3);
    let with_range = all_pages(
        &emu,
        &id,
        &[("days", "3"), ("start", &lo_s), ("end", &hi_s)],
    )
    .await;
    assert_eq!(
        sids(&with_range),
        days3,
        "start/end ignored when days is set"
    );

    for (value, flag) in [("true", true), ("false", false)] {
        let got = all_pages(&emu, &id, &[("answered", value)]).await;
        let w = want(&|c| c["answered"] == flag);
        assert!(!w.is_empty());
        assert_eq!(sids(&got), w);
    }
    for dir in ["inbound", "outbound"] {
        let got = all_pages(&emu, &id, &[("direction", dir)]).await;
        let w = want(&|c| c["direction"] == dir);
        assert!(!w.is_empty());
        assert_eq!(sids(&got), w);
    }
    // filter: a substring of from or to …
    let number = raw
        .iter()
        .find(|c| c["direction"] == "inbound")
        .map(|c| {
            c["from"]
                .as_str()
                .unwrap()
                .trim_start_matches('+')
                .to_string()
        })
        .unwrap();
    let part = &number[number.len() - 7..];
    let got = all_pages(&emu, &id, &[("filter", part)]).await;
    let w = want(&|c| {
        c["from"].as_str().unwrap().contains(part) || c["to"].as_str().unwrap().contains(part)
    });
    assert!(!w.is_empty());
    assert_eq!(sids(&got), w);
    // … or an exact call sid.
    let one = raw[77]["call_sid"].as_str().unwrap();
    let got = all_pages(&emu, &id, &[("filter", one)]).await;
    assert_eq!(sids(&got), vec![one.to_string()]);
    let got = all_pages(&emu, &id, &[("filter", &one[..20])]).await;
    assert!(got.is_empty(), "a partial sid is not a number substring");

    for trunk in ["twilio", "telnyx"] {
        let got = all_pages(&emu, &id, &[("trunk", trunk)]).await;
        let w = want(&|c| c["trunk"] == trunk);
        assert!(!w.is_empty());
        assert_eq!(sids(&got), w);
    }
    // Combined.
    let got = all_pages(
        &emu,
        &id,
        &[
            ("answered", "true"),
            ("direction", "outbound"),
            ("days", "20"),
        ],
    )
    .await;
    let w = want(&|c| {
        c["answered"] == true
            && c["direction"] == "outbound"
            && attempted(c) >= fixed_now() - TimeDelta::days(20)
    });
    assert_eq!(sids(&got), w);
}

fn is_mp3(b: &[u8]) -> bool {
    b.starts_with(b"ID3") || (b.len() > 1 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
}

#[tokio::test]
async fn recordings_stream_chunked_without_length_or_ranges() {
    let emu = start().await;
    let ids = account_sids(&emu);
    let missing = emu.missing_recordings();
    for (i, id) in ids.iter().take(2).enumerate() {
        let calls = emu.calls(id);
        let c = calls
            .iter()
            .find(|c| {
                !c["recording_url"].is_null()
                    && !missing.contains(&c["call_sid"].as_str().unwrap().to_string())
            })
            .unwrap();
        let url = format!(
            "{}/v1{}",
            emu.base_url(),
            c["recording_url"].as_str().unwrap()
        );
        let r = Client::new()
            .get(&url)
            .bearer_auth(emu.api_key())
            .header("Range", "bytes=1000-")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "Range is ignored");
        let h = r.headers().clone();
        assert!(h.get("content-length").is_none());
        assert_eq!(h["transfer-encoding"], "chunked");
        assert!(h.get("accept-ranges").is_none());
        assert!(h.get("content-range").is_none());
        assert!(h.get("content-disposition").is_none());
        let bytes = r.bytes().await.unwrap();
        if i == 0 {
            assert_eq!(h["content-type"], "audio/mp3");
            assert!(is_mp3(&bytes));
        } else {
            assert_eq!(h["content-type"], "audio/wav");
            assert_eq!(&bytes[..4], b"RIFF");
        }
        assert!(bytes.len() > 50_000);
        // Without the key: 401.
        let r = Client::new().get(&url).send().await.unwrap();
        assert_eq!(r.status(), 401);
        // The attempt date instead of the end date, or another format: 404.
        let wrong_fmt = match url.strip_suffix("/mp3") {
            Some(base) => format!("{base}/wav"),
            None => format!("{}/mp3", url.strip_suffix("/wav").unwrap()),
        };
        let r = Client::new()
            .get(&wrong_fmt)
            .bearer_auth(emu.api_key())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    // The call across midnight: its URL carries the end date; the attempt date is 404.
    let calls = emu.calls(&ids[0]);
    let c = calls
        .iter()
        .find(|c| {
            let url = c["recording_url"].as_str().unwrap_or("");
            !url.is_empty() && !url.contains(&attempted(c).format("/%Y/%m/%d/").to_string())
        })
        .expect("a recorded call that ended on the next day");
    let url = c["recording_url"].as_str().unwrap();
    let by_attempt = format!(
        "{}/v1/Accounts/{}/RecentCalls/{}/record/{}/mp3",
        emu.base_url(),
        ids[0],
        c["call_sid"].as_str().unwrap(),
        attempted(c).format("%Y/%m/%d")
    );
    let key = emu.api_key();
    let r = Client::new()
        .get(&by_attempt)
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "Not Found");
    let r = Client::new()
        .get(format!("{}/v1{url}", emu.base_url()))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A record whose object is missing: 404 plain text.
    assert!(!missing.is_empty());
    let all: Vec<Value> = ids.iter().flat_map(|id| emu.calls(id)).collect();
    let gone = all
        .iter()
        .find(|c| c["call_sid"] == missing[0].as_str())
        .unwrap();
    let r = Client::new()
        .get(format!(
            "{}/v1{}",
            emu.base_url(),
            gone["recording_url"].as_str().unwrap()
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "Not Found");
}

#[tokio::test]
async fn absolute_recording_urls_on_a_media_host() {
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            recording_urls: RecordingUrls::OtherHost,
            ..vopts()
        },
    )
    .await
    .unwrap();
    let media = emu.media_base_url().unwrap();
    let id = &account_sids(&emu)[0];
    let c = emu
        .calls(id)
        .into_iter()
        .find(|c| {
            !c["recording_url"].is_null()
                && !emu
                    .missing_recordings()
                    .contains(&c["call_sid"].as_str().unwrap().to_string())
        })
        .unwrap();
    let url = c["recording_url"].as_str().unwrap();
    assert!(url.starts_with(&media), "{url}");
    let r = Client::new().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(is_mp3(&r.bytes().await.unwrap()));
    assert_eq!(emu.media_requests().len(), 1);
}

#[tokio::test]
async fn live_calls_change_with_the_clock() {
    let emu = start().await;
    for id in account_sids(&emu) {
        let path = format!("/v1/Accounts/{id}/Calls");
        let r = get(&emu, &path, &[]).await;
        assert_eq!(r.status, 200);
        let list = r.json();
        let list = list.as_array().expect("a bare array").clone();
        assert!((1..=10).contains(&list.len()), "{}", list.len());
        for c in &list {
            for k in [
                "account_sid",
                "call_id",
                "call_sid",
                "call_status",
                "caller_name",
                "direction",
                "duration",
                "from",
                "service_url",
                "sip_status",
                "to",
            ] {
                assert!(c.get(k).is_some(), "{k} in {c}");
            }
            assert_eq!(c["account_sid"], id.as_str());
            // One call by its sid.
            let sid = c["call_sid"].as_str().unwrap();
            let one = get(&emu, &format!("{path}/{sid}"), &[]).await;
            assert_eq!(one.status, 200);
            assert_eq!(one.json()["call_sid"], sid);
        }
        assert_plain(
            &get(
                &emu,
                &format!("{path}/00000000-0000-4000-8000-000000000000"),
                &[],
            )
            .await,
            404,
            "Not Found",
        );
        assert_plain(
            &get(&emu, &format!("{path}/nope"), &[]).await,
            400,
            "Bad Request",
        );
        assert_msg(
            &get(&emu, &path, &[("callStatus", "dancing")]).await,
            400,
            "invalid callStatus",
        );
    }
    // Over an hour of live clock: statuses progress and durations grow, old calls go.
    let id = account_sids(&emu)[0].clone();
    let mut seen_status = std::collections::BTreeSet::new();
    let mut growing = false;
    let mut came_and_went = false;
    let mut counts = Vec::new();
    let mut prev = emu.live_calls(&id);
    for _ in 0..600 {
        emu.advance_live_clock(7);
        let now = emu.live_calls(&id);
        counts.push(now.len());
        for c in &now {
            seen_status.insert(c["call_status"].as_str().unwrap().to_string());
            if let Some(p) = prev.iter().find(|p| p["call_sid"] == c["call_sid"])
                && p["call_status"] == "in-progress"
                && c["call_status"] == "in-progress"
            {
                assert!(c["duration"].as_u64() >= p["duration"].as_u64());
                growing |= c["duration"].as_u64() > p["duration"].as_u64();
            }
        }
        came_and_went |= prev
            .iter()
            .any(|p| !now.iter().any(|c| c["call_sid"] == p["call_sid"]))
            && now
                .iter()
                .any(|c| !prev.iter().any(|p| p["call_sid"] == c["call_sid"]));
        prev = now;
    }
    for s in ["trying", "ringing", "in-progress", "completed", "no-answer"] {
        assert!(seen_status.contains(s), "{s} in {seen_status:?}");
    }
    assert!(growing && came_and_went);
    let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
    assert!((3.0..=7.5).contains(&mean), "mean live calls {mean}");
    // The endpoint answers from the same clock; callStatus filters.
    let r = get(&emu, &format!("/v1/Accounts/{id}/Calls"), &[]).await;
    assert_eq!(
        sids(r.json().as_array().unwrap()),
        sids(&emu.live_calls(&id))
    );
}

/// A live clock that stands still unless a test moves it.
async fn still_live_clock() -> VoxemeEmulator {
    voxeme::start_with(
        opts(),
        VoxemeOptions {
            live_clock_speed: 0.0,
            ..vopts()
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn live_call_filters_find_the_matching_calls() {
    let emu = still_live_clock().await;
    let id = account_sids(&emu)[0].clone();
    let path = format!("/v1/Accounts/{id}/Calls");
    // A moment with both directions and several states on screen.
    let mut all = emu.live_calls(&id);
    for _ in 0..500 {
        let has = |k: &str, v: &str| all.iter().any(|c| c[k] == v);
        let states: std::collections::BTreeSet<&str> = all
            .iter()
            .map(|c| c["call_status"].as_str().unwrap())
            .collect();
        if has("direction", "inbound") && has("direction", "outbound") && states.len() > 1 {
            break;
        }
        emu.advance_live_clock(11);
        all = emu.live_calls(&id);
    }
    assert_eq!(
        sids(get(&emu, &path, &[]).await.json().as_array().unwrap()),
        sids(&all)
    );
    let check = |name: &'static str, key: &'static str, value: String| {
        let all = &all;
        let emu = &emu;
        let path = &path;
        async move {
            let r = get(emu, path, &[(name, value.as_str())]).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let got = r.json().as_array().unwrap().clone();
            let want: Vec<Value> = all
                .iter()
                .filter(|c| c[key] == value.as_str())
                .cloned()
                .collect();
            assert!(!got.is_empty(), "{name}={value}");
            assert_eq!(sids(&got), sids(&want), "{name}={value}");
            assert!(
                got.len() < all.len(),
                "{name}={value} filters something out"
            );
        }
    };
    check("direction", "direction", "inbound".into()).await;
    check("direction", "direction", "outbound".into()).await;
    let status = all[0]["call_status"].as_str().unwrap().to_string();
    check("callStatus", "call_status", status).await;
    let inbound = all.iter().find(|c| c["direction"] == "inbound").unwrap();
    check("from", "from", inbound["from"].as_str().unwrap().into()).await;
    let outbound = all.iter().find(|c| c["direction"] == "outbound").unwrap();
    check("to", "to", outbound["to"].as_str().unwrap().into()).await;
}

#[tokio::test]
async fn a_live_call_changes_status_and_duration_between_requests() {
    let emu = still_live_clock().await;
    let id = account_sids(&emu)[0].clone();
    let path = format!("/v1/Accounts/{id}/Calls");
    let (mut status_changed, mut duration_changed) = (false, false);
    let mut prev = get(&emu, &path, &[]).await.json();
    for _ in 0..300 {
        if status_changed && duration_changed {
            break;
        }
        emu.advance_live_clock(3);
        let now = get(&emu, &path, &[]).await.json();
        for c in now.as_array().unwrap() {
            let same = prev
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["call_sid"] == c["call_sid"]);
            if let Some(p) = same {
                status_changed |= p["call_status"] != c["call_status"];
                duration_changed |= p["duration"] != c["duration"];
            }
        }
        prev = now;
    }
    assert!(status_changed && duration_changed);
}

#[tokio::test]
async fn the_live_clock_follows_the_wall_clock() {
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            live_clock_speed: 200.0,
            ..vopts()
        },
    )
    .await
    .unwrap();
    let id = account_sids(&emu)[0].clone();
    let path = format!("/v1/Accounts/{id}/Calls");
    let first = get(&emu, &path, &[]).await.json();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = get(&emu, &path, &[]).await.json();
    // 220 s of live clock: at least one call was born (births are at most 174 s apart).
    assert_ne!(first, second);
}

fn rate(r: &Resp) -> (u64, u64, u64) {
    let h = |n: &str| r.header(n).unwrap().parse::<u64>().unwrap();
    (
        h("ratelimit-limit"),
        h("ratelimit-remaining"),
        h("ratelimit-reset"),
    )
}

#[tokio::test]
async fn rate_limits_in_plain_text_with_headers() {
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            rate_limit_per_minute: 3,
            ..VoxemeOptions::default()
        },
    )
    .await
    .unwrap();
    let ids = account_sids(&emu);
    let calls = |i: usize| format!("/v1/Accounts/{}/Calls", ids[i]);
    for i in 0..3u64 {
        let r = get(&emu, &calls(0), &[]).await;
        assert_eq!(r.status, 200);
        let (limit, remaining, reset) = rate(&r);
        assert_eq!((limit, remaining), (3, 2 - i));
        assert!((1..=60).contains(&reset));
    }
    let r = get(&emu, &calls(0), &[]).await;
    assert_plain(&r, 429, "Too many requests, please try again later.");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(rate(&r).0, 3);
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    // The window is the account's, whichever key asks and whatever the route.
    let own = get_q(&emu, "/v1/Accounts", Some(&emu.account_key(0)), &[]).await;
    assert_eq!(own.status, 429, "account 0's own key, on /v1/Accounts");
    let r = get(
        &emu,
        &format!("/v1/Accounts/{}/RecentCalls", ids[0]),
        &[("page", "1"), ("count", "25")],
    )
    .await;
    assert_eq!(r.status, 429);
    // Another account has its own window, for the same key.
    let r = get(&emu, &calls(1), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 2));
    // The service-provider key's /v1/Accounts too; an account key of account 2 counts in
    // account 2's, also on its own list of accounts.
    assert_eq!(get(&emu, "/v1/Accounts", &[]).await.status, 200);
    let key2 = emu.account_key(2);
    let r = get_q(&emu, "/v1/Accounts", Some(&key2), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 2));
    let r = get_q(&emu, &calls(2), Some(&key2), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 1));
    // Refused another account's sid, an account key spends its own account's budget.
    let r = get_q(&emu, &calls(1), Some(&key2), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (403, 0));
    let r = get(&emu, &calls(1), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 1));

    // The hourly limit: when it binds, the headers are the hour window's, limit included.
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            rate_limit_per_hour: 2,
            ..VoxemeOptions::default()
        },
    )
    .await
    .unwrap();
    for left in [1, 0] {
        let r = get(&emu, "/v1/Accounts", &[]).await;
        assert_eq!(r.status, 200);
        let (limit, remaining, reset) = rate(&r);
        assert_eq!((limit, remaining), (2, left));
        assert!(reset > 60 && reset <= 3600, "{reset}");
    }
    let r = get(&emu, "/v1/Accounts", &[]).await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 60 && retry <= 3600);
    assert_eq!(rate(&r).0, 2, "the hourly limit, not the per-minute one");
}

#[tokio::test]
async fn the_default_limits_are_100_a_minute_and_1000_an_hour() {
    let d = VoxemeOptions::default();
    assert_eq!(
        (d.rate_limit_per_minute, d.rate_limit_per_hour),
        (100, 1000)
    );
    // `start` uses them.
    let emu = voxeme::start(opts()).await.unwrap();
    let path = format!("/v1/Accounts/{}", account_sids(&emu)[0]);
    for i in 0..100u64 {
        let r = get(&emu, &path, &[]).await;
        assert_eq!(r.status, 200, "request {i}");
        assert_eq!(rate(&r).0, 100);
        assert_eq!(rate(&r).1, 99 - i);
    }
    let r = get(&emu, &path, &[]).await;
    assert_plain(&r, 429, "Too many requests, please try again later.");
    assert_eq!(rate(&r).0, 100);
}

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let id = account_sids(&emu)[0].clone();
    let url = format!("{}/v1/Accounts/{id}/RecentCalls", emu.base_url());
    let key = emu.api_key();
    let client = Client::new();
    let send = || {
        client
            .get(&url)
            .query(&[("page", "1"), ("count", "25")])
            .bearer_auth(&key)
            .send()
    };

    emu.faults()
        .push(Fault::Latency(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(send().await.unwrap().status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 17,
    });
    let r = send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "17");
    assert!(r.headers().get("ratelimit-reset").is_some());
    assert_eq!(
        r.text().await.unwrap(),
        "Too many requests, please try again later."
    );

    for (code, body) in [
        (401, "Unauthorized"),
        (404, "Not Found"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ] {
        emu.faults().push(Fault::Status(code));
        let r = send().await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        assert_eq!(r.text().await.unwrap(), body);
    }
    for code in [400, 422, 500] {
        emu.faults().push(Fault::Status(code));
        let r = send().await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        let j: Value = r.json().await.unwrap();
        assert!(j["msg"].is_string(), "{j}");
    }
    emu.faults().push(Fault::Status(403));
    let j: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(j["status"], "fail");

    emu.faults().push(Fault::ConnectionReset);
    let err = send().await.expect_err("connection must be dropped");
    assert!(!err.is_status());

    emu.faults().push(Fault::TruncatedBody);
    match send().await {
        Ok(r) => {
            assert!(r.content_length().unwrap() > 0);
            assert!(r.bytes().await.is_err(), "body must fail");
        }
        Err(e) => assert!(!e.is_status()),
    }

    emu.faults().push(Fault::MalformedJson);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    emu.faults().push(Fault::WrongTypesRecord);
    let j: Value = send().await.unwrap().json().await.unwrap();
    let data = j["data"].as_array().unwrap();
    assert_eq!(data.len(), 25);
    let bad: Vec<&Value> = data.iter().filter(|c| !c["call_sid"].is_string()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["duration"], "abc");
    assert_eq!(bad[0]["answered"], "maybe");
    // The next record keeps its sid and gets the wrong types; the others are untouched.
    let raw = emu.calls(&id);
    let odd = &data[13];
    assert_eq!(odd["call_sid"], raw[13]["call_sid"]);
    assert!(odd["account_sid"].is_string());
    assert_eq!(
        (&odd["duration"], &odd["answered"], &odd["attempted_at"]),
        (
            &Value::from("abc"),
            &Value::from("maybe"),
            &Value::from(1_700_000_000)
        )
    );
    for (i, c) in data
        .iter()
        .enumerate()
        .filter(|(i, _)| ![12, 13].contains(i))
    {
        assert_eq!(c, &raw[i]);
    }
    // A single object keeps its sid and gets the wrong types.
    emu.faults().push(Fault::WrongTypesRecord);
    let one = get(&emu, &format!("/v1/Accounts/{id}"), &[]).await.json();
    assert_eq!(
        (&one["account_sid"], &one["record_all_calls"]),
        (&Value::from(id.as_str()), &Value::from("maybe"))
    );

    // FIFO, one per request; clear drops the rest.
    emu.faults().push(Fault::Status(500));
    emu.faults().push(Fault::Status(503));
    assert_eq!(send().await.unwrap().status(), 500);
    assert_eq!(send().await.unwrap().status(), 503);
    assert_eq!(send().await.unwrap().status(), 200);
    emu.faults().push(Fault::Status(500));
    emu.faults().clear();
    assert_eq!(send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_request_log_records_queries() {
    let emu = start().await;
    let id = account_sids(&emu)[0].clone();
    get(
        &emu,
        &format!("/v1/Accounts/{id}/RecentCalls"),
        &[("page", "1"), ("count", "25"), ("filter", "+1617")],
    )
    .await;
    let seen = emu.requests();
    let last = seen.last().unwrap();
    assert_eq!(last.path, format!("/v1/Accounts/{id}/RecentCalls"));
    assert_eq!(last.param("filter"), Some("+1617"));
    assert!(last.header("authorization").unwrap().starts_with("Bearer "));
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn same_seed_same_data() {
    let a = start().await;
    let b = start().await;
    assert_eq!(a.accounts(), b.accounts());
    let id = account_sids(&a)[1].clone();
    assert_eq!(a.calls(&id), b.calls(&id));
    assert_eq!(a.api_key(), b.api_key());
    let c = voxeme::start_with(EmulatorOptions { seed: 99, ..opts() }, vopts())
        .await
        .unwrap();
    assert_ne!(a.accounts(), c.accounts());
    // Another date: data moves with `now`.
    let later = voxeme::start_with(
        EmulatorOptions {
            now: fixed_now() + TimeDelta::days(40),
            ..opts()
        },
        vopts(),
    )
    .await
    .unwrap();
    let lid = account_sids(&later)[0].clone();
    let calls = later.calls(&lid);
    assert!(attempted(calls.last().unwrap()) > fixed_now() + TimeDelta::days(10));
}

#[tokio::test]
async fn dropping_the_emulator_stops_it() {
    let emu = start().await;
    let url = format!("{}/v1/Accounts", emu.base_url());
    drop(emu);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let r = Client::new()
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(r.is_err());
}
