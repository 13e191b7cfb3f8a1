//! Solum's answer shapes: the API's own error object, the framework's 404/405/422, and the
//! answers to injected faults.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::super::fault::FaultAnswers;
use super::super::net::{content_type, response};
use super::{Shared, WrongTypes};

pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Value,
    pub(super) retry_after: Option<HeaderValue>,
}

impl Answer {
    pub(super) fn new(status: StatusCode, body: Value) -> Answer {
        Answer {
            status,
            body,
            retry_after: None,
        }
    }
}

/// The API's own error shape.
pub(super) fn object_error(status: StatusCode, kind: &str, code: &str, message: &str) -> Answer {
    Answer::new(
        status,
        json!({"detail": {"type": kind, "code": code, "message": message, "param": null}}),
    )
}

fn status_error(status: StatusCode) -> Answer {
    let (kind, code, message) = match status.as_u16() {
        400 => (
            "invalid_request_error",
            "bad_request",
            "The request could not be processed",
        ),
        401 => (
            "authentication_error",
            "invalid_api_key",
            "Invalid API key provided",
        ),
        403 => (
            "permission_error",
            "forbidden",
            "You do not have access to this resource",
        ),
        404 => ("not_found_error", "not_found", "Resource not found"),
        409 => (
            "conflict_error",
            "conflict",
            "The resource was modified by another request",
        ),
        422 => (
            "validation_error",
            "invalid_field",
            "A human-readable description of what went wrong",
        ),
        429 => (
            "rate_limit_error",
            "rate_limited",
            "Too many requests, please retry later",
        ),
        502 => ("api_error", "bad_gateway", "Bad gateway"),
        503 => (
            "api_error",
            "service_unavailable",
            "Service temporarily unavailable",
        ),
        504 => ("api_error", "gateway_timeout", "Gateway timeout"),
        _ => ("api_error", "internal_error", "An internal error occurred"),
    };
    object_error(status, kind, code, message)
}

fn rate_limited(retry_after_secs: u64, as_date: bool) -> Answer {
    let mut a = object_error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_error",
        "rate_limited",
        &format!("Too many requests. Retry after {retry_after_secs} seconds."),
    );
    a.retry_after = Some(if as_date {
        // Rounded up, so the date is never earlier than the wait it stands for.
        let at = Utc::now() + TimeDelta::seconds(i64::try_from(retry_after_secs).unwrap_or(0));
        let secs = at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0);
        let at = DateTime::from_timestamp(secs, 0).unwrap_or(at);
        let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        HeaderValue::from_str(&date).unwrap_or(HeaderValue::from(retry_after_secs))
    } else {
        HeaderValue::from(retry_after_secs)
    });
    a
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(v) = self.retry_after {
            headers.insert(header::RETRY_AFTER, v);
        }
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        response(self.status, headers, body)
    }
}

/// Give the middle item of `data` wrong types (see the module docs for which).
fn corrupt_record(body: &mut Value, how: WrongTypes) {
    let Some(Value::Array(items)) = body.get_mut("data") else {
        return;
    };
    if items.is_empty() {
        return;
    }
    let mid = items.len() / 2;
    let Value::Object(m) = &mut items[mid] else {
        return;
    };
    if how == WrongTypes::ReadableId {
        let kind = m.get("type").cloned().unwrap_or(Value::Null);
        m.insert("duration_min".into(), json!("abc"));
        m.insert("started_at".into(), json!(12345));
        m.insert("type".into(), json!([kind]));
        m.insert(
            "summary".into(),
            json!({"text": "Caller asked about billing."}),
        );
        m.insert("category".into(), json!(4));
        m.insert("sessions_scheduled".into(), json!("two"));
        return;
    }
    let id = m.get("id").cloned().unwrap_or(Value::Null);
    m.insert("id".into(), json!([id]));
    m.insert("duration_min".into(), json!("4.5 min"));
    m.insert("started_at".into(), json!(1_700_000_000));
    m.insert("status".into(), json!(3));
    m.insert("sessions_scheduled".into(), json!("two"));
    m.insert(
        "summary".into(),
        json!({"text": "Caller asked about billing."}),
    );
}

impl FaultAnswers for Shared {
    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        rate_limited(retry_after_secs, self.vopts.retry_after_as_date).into_response()
    }

    fn status(&self, status: StatusCode) -> Response {
        status_error(status).into_response()
    }

    fn malformed_json(&self) -> Option<Response> {
        let body: Vec<u8> =
            br#"{"data":[{"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","org_id":"cm"#
                .iter()
                .chain(br#"},{"id":,"summary":"Caller asked about]]}"#.iter())
                .copied()
                .collect();
        Some(response(
            StatusCode::OK,
            content_type("application/json"),
            body,
        ))
    }

    fn corrupt(&self, body: &mut Value) {
        corrupt_record(body, self.vopts.wrong_types);
    }
}
