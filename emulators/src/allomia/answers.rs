//! AlloMia's answer shapes: JSON `{"error": …}` answers with `Retry-After` in seconds or as an
//! HTTP date, and the API's answers to injected faults.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::super::fault::FaultAnswers;
use super::super::net::{content_type, response};
use super::super::unix_now_ms;
use super::{AlloMiaOptions, RetryAfter, WrongTypes};

const JSON: &str = "application/json; charset=utf-8";

pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Value,
    /// `Retry-After`, already written in the configured form.
    pub(super) retry_after: Option<HeaderValue>,
}

impl Answer {
    pub(super) fn ok(body: Value) -> Self {
        Answer {
            status: StatusCode::OK,
            body,
            retry_after: None,
        }
    }

    pub(super) fn error(status: StatusCode, message: &str) -> Self {
        Answer {
            status,
            body: json!({ "error": message }),
            retry_after: None,
        }
    }
}

pub(super) fn bad_request(message: &str) -> Answer {
    Answer::error(StatusCode::BAD_REQUEST, message)
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut headers = content_type(JSON);
        if let Some(v) = self.retry_after {
            headers.insert(header::RETRY_AFTER, v);
        }
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        response(self.status, headers, body)
    }
}

fn message_for(status: u16) -> &'static str {
    match status {
        400 => "Invalid request data",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        429 => "Too many requests",
        502 => "Bad gateway",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => "Internal server error",
    }
}

/// `Retry-After` for a wait of `secs`, in seconds or as an HTTP date (rounded up, so the
/// wait is at least `secs`).
pub(super) fn retry_after_value(secs: u64, form: RetryAfter) -> HeaderValue {
    match form {
        RetryAfter::Seconds => HeaderValue::from(secs),
        RetryAfter::HttpDate => {
            let at = unix_now_ms()
                .saturating_add(secs.saturating_mul(1000))
                .div_ceil(1000);
            let date = DateTime::<Utc>::from_timestamp(i64::try_from(at).unwrap_or(0), 0)
                .unwrap_or_default()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            HeaderValue::from_str(&date).unwrap_or_else(|_| HeaderValue::from(secs))
        }
    }
}

/// Give one record wrong types (see the module docs).
fn corrupt_record(body: &mut Value, mode: WrongTypes) {
    let list = ["calls", "organizations"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_array).map(|_| *k));
    if let Some(k) = list {
        let Some(Value::Array(items)) = body.get_mut(k) else {
            return;
        };
        if items.is_empty() {
            return;
        }
        let mid = items.len() / 2;
        if mode == WrongTypes::BadValues {
            let calls = k == "calls";
            if let Value::Object(m) = &mut items[mid] {
                if calls {
                    m.insert("callDurationSeconds".into(), json!({"value": "180"}));
                    m.insert("callType".into(), json!(3));
                } else {
                    m.insert("timezone".into(), json!({"offset": -5}));
                }
            }
            if calls && let Some(Value::Object(m)) = items.get_mut(mid + 1) {
                m.insert("callStartedAt".into(), json!("yesterday at 2 pm"));
            }
            return;
        }
        if let Value::Object(m) = &mut items[mid] {
            let id = m.get("id").cloned().unwrap_or(Value::Null);
            m.insert("id".into(), json!([id]));
            if k == "calls" {
                m.insert("callDurationSeconds".into(), json!({"value": 180}));
                m.insert("callStartedAt".into(), json!(1_748_442_015));
                m.insert("callType".into(), json!(3));
            } else {
                m.insert("name".into(), json!(42));
            }
        }
        return;
    }
    if let Value::Object(m) = body {
        m.insert("callDurationSeconds".into(), json!(["180"]));
        m.insert("callStartedAt".into(), json!(true));
        m.insert("callType".into(), json!(1));
        m.insert("userSentiment".into(), json!(0.8));
    }
}

/// The API's answers to injected faults, with the knobs as they were when the fault was taken.
pub(super) struct ApiFaults(pub(super) AlloMiaOptions);

impl FaultAnswers for ApiFaults {
    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        let mut a = Answer::error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        a.retry_after = Some(retry_after_value(retry_after_secs, self.0.retry_after));
        a.into_response()
    }

    fn status(&self, status: StatusCode) -> Response {
        let mut a = Answer::error(status, message_for(status.as_u16()));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            a.retry_after = self
                .0
                .unavailable_retry_after_secs
                .map(|s| retry_after_value(s, self.0.retry_after));
        }
        a.into_response()
    }

    fn malformed_json(&self) -> Option<Response> {
        let body: Vec<u8> = br#"{"calls":[{"id":"f6a7b8c9-1d2e-4f30-8a4b-5c6d7e8f9a0b","callType":"Inbound","callDurationSeconds":"18"#
            .iter()
            .chain(br#"0",}{"agentName":Front desk"]],"pagination":{"#.iter())
            .copied()
            .collect();
        Some(response(StatusCode::OK, content_type(JSON), body))
    }

    fn corrupt(&self, body: &mut Value) {
        corrupt_record(body, self.0.wrong_types);
    }
}
