//! Voxeme's answer shapes (Express): JSON `{"msg"}` and `{"status": "fail"}` errors, plain-text
//! `Not Found`/`Bad Request`/`Unauthorized`, rate-limit headers, and the answers to injected
//! faults.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::fault::{FaultAnswers, is_json};
use super::super::net::{content_type, response};
use super::super::{RateInfo, unix_now_ms};
use super::{Shared, TOO_MANY};

/// An answer before it becomes a response.
pub(super) enum Reply {
    Json(StatusCode, Value),
    Text(StatusCode, &'static str),
    Unauthorized { invalid_token: bool },
    Audio(Box<Response>),
}

pub(super) fn msg(status: StatusCode, m: &str) -> Reply {
    Reply::Json(status, json!({ "msg": m }))
}

pub(super) fn fail(status: StatusCode, m: &str) -> Reply {
    Reply::Json(status, json!({"status": "fail", "message": m}))
}

pub(super) fn not_found() -> Reply {
    Reply::Text(StatusCode::NOT_FOUND, "Not Found")
}

pub(super) fn bad_request() -> Reply {
    Reply::Text(StatusCode::BAD_REQUEST, "Bad Request")
}

pub(super) fn text_response(status: StatusCode, body: &'static str) -> Response {
    response(status, content_type("text/plain; charset=utf-8"), body)
}

fn json_headers() -> HeaderMap {
    content_type("application/json; charset=utf-8")
}

/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the binding
/// window resets, the IETF draft's meaning).
pub(super) fn rate_headers(h: &mut HeaderMap, r: &RateInfo) {
    let reset = r.retry_after_secs.max(1);
    h.insert("ratelimit-limit", HeaderValue::from(r.limit));
    h.insert("ratelimit-remaining", HeaderValue::from(r.remaining));
    h.insert("ratelimit-reset", HeaderValue::from(reset));
}

/// `429` in plain text with `Retry-After` and the rate-limit headers.
pub(super) fn too_many(retry_after: u64, rate: &RateInfo) -> Response {
    let mut r = text_response(StatusCode::TOO_MANY_REQUESTS, TOO_MANY);
    rate_headers(r.headers_mut(), rate);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(status, v) => response(
                status,
                json_headers(),
                serde_json::to_vec(&v).unwrap_or_default(),
            ),
            Reply::Text(status, text) => text_response(status, text),
            Reply::Unauthorized { invalid_token } => {
                let mut r = text_response(StatusCode::UNAUTHORIZED, "Unauthorized");
                let v = if invalid_token {
                    "Bearer realm=\"Users\", error=\"invalid_token\""
                } else {
                    "Bearer realm=\"Users\""
                };
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(v));
                r
            }
            Reply::Audio(r) => *r,
        }
    }
}

/// The wrong-types fault. In a list answer (bare array or `data`) the middle item becomes
/// unreadable (its ids are arrays) and the next one, if any, keeps its ids but gets wrong types
/// on other keys; a single object gets the second variant.
fn corrupt_record(body: &mut Value) {
    let items = match body {
        Value::Array(items) => items,
        Value::Object(m) => match m.get_mut("data") {
            Some(Value::Array(items)) => items,
            _ => {
                wrong_types(m);
                return;
            }
        },
        _ => return,
    };
    let mid = items.len() / 2;
    if let Some(Value::Object(m)) = items.get_mut(mid) {
        for key in ["call_sid", "account_sid", "name"] {
            if let Some(v) = m.get_mut(key) {
                *v = json!([v.clone()]);
            }
        }
        wrong_types(m);
    }
    if let Some(Value::Object(m)) = items.get_mut(mid + 1) {
        wrong_types(m);
    }
}

/// Wrong types on the keys a record has, ids left alone.
fn wrong_types(m: &mut serde_json::Map<String, Value>) {
    for (key, bad) in [
        ("duration", json!("abc")),
        ("answered", json!("maybe")),
        ("attempted_at", json!(1_700_000_000)),
        ("record_all_calls", json!("maybe")),
    ] {
        if m.contains_key(key) {
            m.insert(key.into(), bad);
        }
    }
}

fn status_fault(status: StatusCode) -> Reply {
    match status.as_u16() {
        400 => msg(status, "invalid request"),
        401 => Reply::Unauthorized {
            invalid_token: true,
        },
        403 => fail(status, "insufficient privileges"),
        404 => not_found(),
        422 => msg(status, "unprocessable entity"),
        429 => Reply::Text(status, TOO_MANY),
        500 => msg(
            status,
            "ER_LOCK_WAIT_TIMEOUT: Lock wait timeout exceeded; try restarting transaction",
        ),
        502 => Reply::Text(status, "Bad Gateway"),
        503 => Reply::Text(status, "Service Unavailable"),
        504 => Reply::Text(status, "Gateway Timeout"),
        _ => msg(status, status.canonical_reason().unwrap_or("error")),
    }
}

impl FaultAnswers for Shared {
    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        let rate = RateInfo {
            limit: self.vopts.rate_limit_per_minute,
            remaining: 0,
            reset_unix: unix_now_ms().div_ceil(1000) + retry_after_secs,
            retry_after_secs,
        };
        too_many(retry_after_secs, &rate)
    }

    fn status(&self, status: StatusCode) -> Response {
        status_fault(status).into_response()
    }

    fn malformed_json(&self) -> Option<Response> {
        let body = r#"{"total": 212, "page_size": "25", "page": "1", "data": [{"attempted_at": "2026-03-18T14:22:00.000Z", "call_sid": "b6f48929-8e86"#
            .to_string()
            + r#"-4d62, "from": 1508308,, "answered": tru}]"#;
        let mut r = Response::new(Body::from(body));
        *r.headers_mut() = json_headers();
        Some(r)
    }

    fn reset(&self) -> Response {
        text_response(StatusCode::OK, "")
    }

    /// JSON answers only (a recording is sent whole).
    fn truncates(&self, resp: &Response, _head: bool) -> bool {
        is_json(resp.headers())
    }

    fn corrupt(&self, body: &mut Value) {
        corrupt_record(body);
    }
}
