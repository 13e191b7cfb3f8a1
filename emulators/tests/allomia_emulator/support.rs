//! Helpers shared by the tests of this emulator.

pub(crate) use std::time::{Duration, Instant};

pub(crate) use callbrowser_emulators::allomia::{
    self, AlloMiaEmulator, CallFacts, Redirect, RetryAfter, WrongTypes,
};
pub(crate) use callbrowser_emulators::{EmulatorOptions, Fault};
pub(crate) use chrono::{DateTime, TimeZone, Utc};
pub(crate) use reqwest::header::HeaderMap;
pub(crate) use reqwest::{Client, StatusCode};
pub(crate) use serde_json::Value;

pub(crate) const LIST_KEYS: [&str; 13] = [
    "id",
    "organizationId",
    "callType",
    "agentId",
    "agentName",
    "teamId",
    "teamName",
    "phoneNumber",
    "callStartedAt",
    "callEndedAt",
    "callDurationSeconds",
    "userPhoneNumber",
    "createdAt",
];

pub(crate) const DETAIL_EXTRA_KEYS: [&str; 9] = [
    "callEndedReason",
    "userName",
    "userPrimaryIntent",
    "userSentiment",
    "callOutcome",
    "callSummary",
    "callSummaryFr",
    "transcriptUrl",
    "recordingUrl",
];

pub(crate) fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap(),
        ..EmulatorOptions::default()
    }
}

pub(crate) async fn start() -> AlloMiaEmulator {
    allomia::start(opts()).await.unwrap()
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) json: Value,
}

pub(crate) async fn get_q(
    emu: &AlloMiaEmulator,
    path: &str,
    auth: Option<&str>,
    q: &[(&str, &str)],
) -> Resp {
    let mut rb = Client::new()
        .get(format!("{}{path}", emu.base_url()))
        .query(q);
    if let Some(a) = auth {
        rb = rb.header("Authorization", a);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Resp {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

pub(crate) async fn tenant(emu: &AlloMiaEmulator, path: &str, q: &[(&str, &str)]) -> Resp {
    let auth = format!("Bearer {}", emu.tenant_key());
    get_q(emu, path, Some(&auth), q).await
}

pub(crate) fn org_ids(emu: &AlloMiaEmulator) -> Vec<String> {
    emu.organizations()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn assert_error(r: &Resp, status: u16, message: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.json);
    assert_eq!(r.json["error"], message, "{}", r.json);
    assert_eq!(r.json.as_object().unwrap().len(), 1, "only {{\"error\"}}");
}

pub(crate) fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn started(c: &Value) -> DateTime<Utc> {
    c["callStartedAt"].as_str().unwrap().parse().unwrap()
}

/// Every page of `/api/calls` with these parameters.
pub(crate) async fn all_pages(emu: &AlloMiaEmulator, q: &[(&str, &str)]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = page.to_string();
        let mut q = q.to_vec();
        q.push(("page", &p));
        q.push(("limit", "50"));
        let r = tenant(emu, "/api/calls", &q).await;
        assert_eq!(r.status, 200, "{}", r.json);
        out.extend(r.json["calls"].as_array().unwrap().iter().cloned());
        if r.json["pagination"]["hasNextPage"] != true {
            break;
        }
        page += 1;
    }
    out
}
