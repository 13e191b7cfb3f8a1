//! Helpers shared by the tests of this emulator.

pub(crate) use std::collections::HashSet;
pub(crate) use std::time::{Duration, Instant};

pub(crate) use callbrowser_emulators::welkin::{
    self, Endpoint, MetaInfo, WelkinEmulator, WelkinOptions,
};
pub(crate) use callbrowser_emulators::{EmulatorOptions, Fault};
pub(crate) use chrono::{DateTime, TimeZone, Utc};
pub(crate) use reqwest::header::HeaderMap;
pub(crate) use reqwest::{Client, StatusCode};
pub(crate) use serde_json::{Value, json};

pub(crate) const CALL_FIELDS: [&str; 7] = [
    "id",
    "patientId",
    "direction",
    "duration",
    "status",
    "calledAt",
    "hasRecording",
];
pub(crate) const PATIENT_FIELDS: [&str; 11] = [
    "id",
    "firstName",
    "lastName",
    "birthDate",
    "gender",
    "email",
    "phone",
    "mrn",
    "status",
    "createdAt",
    "updatedAt",
];

pub(crate) fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap()
}

pub(crate) fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: fixed_now(),
        ..EmulatorOptions::default()
    }
}

pub(crate) async fn start() -> WelkinEmulator {
    welkin::start(opts()).await.unwrap()
}

pub(crate) async fn start_with(v: WelkinOptions) -> WelkinEmulator {
    welkin::start_with(opts(), v).await.unwrap()
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) json: Value,
}

pub(crate) async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Resp {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

pub(crate) async fn token_current(emu: &WelkinEmulator, key: &str, secret: &str) -> Resp {
    let r = Client::new()
        .post(format!("{}/auth/token", emu.base_url()))
        .json(&json!({"secret": secret, "apiClient": key}))
        .send()
        .await
        .unwrap();
    into_resp(r).await
}

pub(crate) async fn token_v8(emu: &WelkinEmulator, name: &str, secret: &str) -> Resp {
    let r = Client::new()
        .post(format!(
            "{}/{}/admin/api_clients/{name}",
            emu.base_url(),
            emu.tenant()
        ))
        .json(&json!({"secret": secret}))
        .send()
        .await
        .unwrap();
    into_resp(r).await
}

pub(crate) async fn token(emu: &WelkinEmulator) -> String {
    let r = token_current(emu, &emu.client_key(), &emu.secret()).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["token"].as_str().unwrap().to_string()
}

/// `path` below `/{tenant}/{instance}`.
pub(crate) async fn get_q(
    emu: &WelkinEmulator,
    path: &str,
    token: Option<&str>,
    q: &[(&str, &str)],
) -> Resp {
    let mut rb = Client::new()
        .get(format!(
            "{}/{}/{}{path}",
            emu.base_url(),
            emu.tenant(),
            emu.instance()
        ))
        .query(q);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    into_resp(rb.send().await.unwrap()).await
}

pub(crate) fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.json);
    let items = r.json.as_array().expect("an error array");
    assert!(!items.is_empty());
    for e in items {
        assert!(e["errorCode"].is_string(), "{e}");
        assert!(e["componentType"].is_string(), "{e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        assert!(e["details"].is_object(), "{e}");
        assert!(
            DateTime::parse_from_rfc3339(e["date"].as_str().unwrap()).is_ok(),
            "{e}"
        );
    }
    assert_eq!(items[0]["errorCode"], code, "{}", r.json);
}

pub(crate) fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn called(v: &Value) -> DateTime<Utc> {
    v["calledAt"].as_str().unwrap().parse().unwrap()
}

pub(crate) fn pid(emu: &WelkinEmulator, first: &str, last: &str) -> String {
    emu.patients()
        .iter()
        .find(|p| p["firstName"] == first && p["lastName"] == last)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .unwrap()
}

pub(crate) fn is_mp3(b: &[u8]) -> bool {
    b.starts_with(b"ID3") || (b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
}
