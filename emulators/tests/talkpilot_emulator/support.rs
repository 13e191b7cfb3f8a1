//! Helpers shared by the tests of this emulator.

pub(crate) use std::collections::HashMap;
pub(crate) use std::time::{Duration, Instant};

pub(crate) use callbrowser_emulators::talkpilot::{self, CallFacts, TalkPilotEmulator};
pub(crate) use callbrowser_emulators::{EmulatorOptions, Fault};
pub(crate) use chrono::{DateTime, TimeZone, Utc};
pub(crate) use reqwest::header::HeaderMap;
pub(crate) use reqwest::{Client, StatusCode};
pub(crate) use serde_json::Value;

pub(crate) const LIST_FIELDS: [&str; 17] = [
    "id",
    "call_id",
    "customer_name",
    "customer_request",
    "phone_number",
    "duration",
    "done",
    "general_success",
    "disconnection_reason",
    "call_summary",
    "employee",
    "note",
    "agent_id",
    "is_purged",
    "deleted_at",
    "created_at",
    "updated_at",
];

pub(crate) fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap()
}

pub(crate) fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: fixed_now(),
        rate_limit_per_minute: 10_000,
        rate_limit_per_hour: 100_000,
        ..EmulatorOptions::default()
    }
}

pub(crate) async fn start() -> TalkPilotEmulator {
    talkpilot::start(opts()).await.unwrap()
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) json: Value,
}

pub(crate) async fn get_q(
    emu: &TalkPilotEmulator,
    path: &str,
    key: Option<&str>,
    q: &[(&str, &str)],
) -> Resp {
    let mut rb = Client::new()
        .get(format!("{}{path}", emu.base_url()))
        .query(q);
    if let Some(k) = key {
        rb = rb.header("X-API-Key", k);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        json,
    }
}

pub(crate) async fn get(emu: &TalkPilotEmulator, path: &str) -> Resp {
    let key = emu.api_key();
    get_q(emu, path, Some(&key), &[]).await
}

pub(crate) fn agent_ids(emu: &TalkPilotEmulator) -> Vec<String> {
    emu.agents()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.json);
    let e = &r.json["error"];
    assert_eq!(e["code"], code, "{}", r.json);
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(e["details"].is_array());
    assert!(e["request_id"].as_str().unwrap().starts_with("req_"));
}

pub(crate) fn created(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn visible(emu: &TalkPilotEmulator, agent: &str) -> Vec<Value> {
    emu.calls(agent)
        .into_iter()
        .filter(|c| c["deleted_at"].is_null())
        .collect()
}

/// Every call of an agent's list that matches a query (all pages).
pub(crate) struct CallsQuery<'a> {
    pub(crate) emu: &'a TalkPilotEmulator,
    pub(crate) key: String,
    pub(crate) path: String,
}

impl CallsQuery<'_> {
    pub(crate) async fn all(&self, q: Vec<(&'static str, String)>) -> Vec<Value> {
        let (emu, key, path) = (self.emu, &self.key, &self.path);
        let mut q = q;
        q.push(("limit", "100".into()));
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let mut qq: Vec<(&str, String)> = q.clone();
            qq.push(("page", page.to_string()));
            let refs: Vec<(&str, &str)> = qq.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = get_q(emu, path, Some(key), &refs).await;
            assert_eq!(r.status, 200, "{}", r.json);
            all.extend(r.json["data"].as_array().unwrap().iter().cloned());
            if page >= r.json["pagination"]["pages"].as_u64().unwrap() {
                break;
            }
            page += 1;
        }
        all
    }
}

pub(crate) fn wav_info(bytes: &[u8]) -> (u16, u32, u16, u32) {
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    assert_eq!(&bytes[12..16], b"fmt ");
    assert_eq!(u16::from_le_bytes([bytes[20], bytes[21]]), 1, "PCM");
    let channels = u16::from_le_bytes([bytes[22], bytes[23]]);
    let rate = u32::from_le_bytes(bytes[24..28].try_into().unwrap());
    let bits = u16::from_le_bytes([bytes[34], bytes[35]]);
    assert_eq!(&bytes[36..40], b"data");
    let data_len = u32::from_le_bytes(bytes[40..44].try_into().unwrap());
    (channels, rate, bits, data_len)
}
