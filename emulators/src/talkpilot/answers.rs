//! TalkPilot's answer shapes: `{"error": {code, message, details, request_id}}`, rate-limit
//! headers, and the answers to injected faults.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::fault::FaultAnswers;
use super::super::net::{content_type, response};
use super::super::{RateInfo, unix_now_ms};
use super::Shared;

const JSON: &str = "application/json; charset=utf-8";

/// A JSON answer before it becomes a response.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Value,
}

impl Answer {
    pub(super) fn ok(body: Value) -> Self {
        Answer {
            status: StatusCode::OK,
            body,
        }
    }
}

/// The `X-RateLimit-*` headers.
pub(super) fn rate_headers(headers: &mut HeaderMap, r: &RateInfo) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(r.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(r.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(r.reset_unix));
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        response(self.status, content_type(JSON), body)
    }
}

fn error_code_for(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("BAD_REQUEST", "Bad request"),
        401 => ("UNAUTHORIZED", "Unauthorized"),
        403 => ("FORBIDDEN", "Forbidden"),
        404 => ("NOT_FOUND", "Not found"),
        409 => ("CONFLICT", "Conflict"),
        429 => ("RATE_LIMITED", "Rate limit exceeded"),
        502 => ("BAD_GATEWAY", "Bad gateway"),
        503 => ("SERVICE_UNAVAILABLE", "Service temporarily unavailable"),
        504 => ("GATEWAY_TIMEOUT", "Gateway timeout"),
        _ => ("INTERNAL_ERROR", "Internal server error"),
    }
}

impl Shared {
    pub(super) fn error(
        &self,
        status: StatusCode,
        code: &str,
        message: &str,
        details: Vec<Value>,
    ) -> Answer {
        Answer {
            status,
            body: json!({"error": {
                "code": code,
                "message": message,
                "details": details,
                "request_id": self.request_id(),
            }}),
        }
    }

    /// `429` with `Retry-After` and the rate-limit headers.
    pub(super) fn rate_limited(&self, retry_after_secs: u64, rate: RateInfo) -> Response {
        let mut resp = self
            .error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                &format!("Rate limit exceeded. Try again in {retry_after_secs} seconds."),
                vec![],
            )
            .into_response();
        let headers = resp.headers_mut();
        rate_headers(headers, &rate);
        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        resp
    }

    pub(super) fn not_found(&self, message: &str) -> Answer {
        self.error(StatusCode::NOT_FOUND, "NOT_FOUND", message, vec![])
    }

    pub(super) fn forbidden(&self, perm: &str) -> Answer {
        self.error(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            &format!("API key lacks required permission: {perm}"),
            vec![],
        )
    }

    pub(super) fn validation_error(&self, details: Vec<Value>) -> Answer {
        self.error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "Invalid query parameters",
            details,
        )
    }
}

/// Give one record wrong types (a list answer: the middle item of `data`).
fn corrupt_record(body: &mut Value) {
    let target = match body.get_mut("data") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mid = items.len() / 2;
            &mut items[mid]
        }
        Some(_) => return,
        None => body,
    };
    let Value::Object(m) = target else {
        return;
    };
    m.insert("id".into(), json!(48_151_623));
    if m.contains_key("duration") {
        m.insert("duration".into(), json!("abc"));
        m.insert("done".into(), json!("maybe"));
        m.insert("created_at".into(), json!(1_700_000_000));
    } else {
        m.insert("is_active".into(), json!("maybe"));
        m.insert("created_at".into(), json!(["2025-06-01"]));
    }
}

impl FaultAnswers for Shared {
    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        let rate = RateInfo {
            limit: self.opts.rate_limit_per_minute,
            remaining: 0,
            reset_unix: unix_now_ms().div_ceil(1000) + retry_after_secs,
            retry_after_secs,
        };
        Shared::rate_limited(self, retry_after_secs, rate)
    }

    fn status(&self, status: StatusCode) -> Response {
        let (code, message) = error_code_for(status.as_u16());
        self.error(status, code, message, vec![]).into_response()
    }

    fn malformed_json(&self) -> Option<Response> {
        let body: Vec<u8> =
            br#"{"data":[{"id":"3f6c2a9e-0b1d-4e5f-9a7b-2c8d1e0f4a6b","call_id":"lk_call_""#
                .iter()
                .chain(br#"7f3a},{"id":,"customer_name":"Hans Meier"]]}"#.iter())
                .copied()
                .collect();
        Some(response(StatusCode::OK, content_type(JSON), body))
    }

    fn corrupt(&self, body: &mut Value) {
        corrupt_record(body);
    }
}
