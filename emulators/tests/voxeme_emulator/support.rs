//! Helpers shared by the tests of this emulator.

pub(crate) use std::time::{Duration, Instant};

pub(crate) use callbrowser_emulators::voxeme::{
    self, RecordingUrls, VoxemeEmulator, VoxemeOptions,
};
pub(crate) use callbrowser_emulators::{EmulatorOptions, Fault};
pub(crate) use chrono::{DateTime, TimeDelta, TimeZone, Utc};
pub(crate) use reqwest::header::HeaderMap;
pub(crate) use reqwest::{Client, StatusCode};
pub(crate) use serde_json::Value;

pub(crate) const CDR_KEYS: [&str; 21] = [
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

pub(crate) const EPOCH: &str = "1970-01-01T00:00:00.000Z";

pub(crate) fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap()
}

pub(crate) fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: fixed_now(),
        ..EmulatorOptions::default()
    }
}

pub(crate) fn vopts() -> VoxemeOptions {
    VoxemeOptions {
        rate_limit_per_minute: 100_000,
        rate_limit_per_hour: 1_000_000,
        ..VoxemeOptions::default()
    }
}

pub(crate) async fn start() -> VoxemeEmulator {
    voxeme::start_with(opts(), vopts()).await.unwrap()
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) async fn get_q(
    emu: &VoxemeEmulator,
    path: &str,
    key: Option<&str>,
    q: &[(&str, &str)],
) -> Resp {
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

pub(crate) async fn get(emu: &VoxemeEmulator, path: &str, q: &[(&str, &str)]) -> Resp {
    get_q(emu, path, Some(&emu.api_key()), q).await
}

pub(crate) fn account_sids(emu: &VoxemeEmulator) -> Vec<String> {
    emu.accounts()
        .iter()
        .map(|a| a["account_sid"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn sids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["call_sid"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn attempted(c: &Value) -> DateTime<Utc> {
    c["attempted_at"].as_str().unwrap().parse().unwrap()
}

pub(crate) fn assert_plain(r: &Resp, status: u16, body: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.text, body);
    assert!(
        r.header("content-type").unwrap().starts_with("text/plain"),
        "{:?}",
        r.headers
    );
}

pub(crate) fn assert_msg(r: &Resp, status: u16, msg: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.json(), serde_json::json!({ "msg": msg }));
}

/// Every page of RecentCalls with these parameters, in order.
pub(crate) async fn all_pages(
    emu: &VoxemeEmulator,
    account: &str,
    q: &[(&str, &str)],
) -> Vec<Value> {
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

pub(crate) fn is_mp3(b: &[u8]) -> bool {
    b.starts_with(b"ID3") || (b.len() > 1 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
}

pub(crate) fn rate(r: &Resp) -> (u64, u64, u64) {
    let h = |n: &str| r.header(n).unwrap().parse::<u64>().unwrap();
    (
        h("ratelimit-limit"),
        h("ratelimit-remaining"),
        h("ratelimit-reset"),
    )
}
