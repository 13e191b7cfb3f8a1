//! Welkin's answer shapes: JSON answers, the error array, and the answers to injected faults.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::super::clock::rfc3339_millis;
use super::super::fault::{FaultAnswers, is_json};
use super::super::net::{content_type, response};
use super::storage;

/// A JSON answer.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Value,
    pub(super) retry_after: Option<u64>,
}

impl Answer {
    pub(super) fn ok(body: Value) -> Answer {
        Answer {
            status: StatusCode::OK,
            body,
            retry_after: None,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        response(self.status, headers, body)
    }
}

/// One item of the error array.
pub(super) fn error_obj(code: &str, component: &str, message: &str, details: Value) -> Value {
    json!({
        "errorCode": code,
        "componentType": component,
        "message": message,
        "details": details,
        "date": rfc3339_millis(&Utc::now()),
    })
}

/// An error answer: an array with one error.
pub(super) fn error(
    status: u16,
    code: &str,
    component: &str,
    message: &str,
    details: Value,
) -> Answer {
    Answer {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body: Value::Array(vec![error_obj(code, component, message, details)]),
        retry_after: None,
    }
}

pub(super) fn too_many(retry_after_secs: Option<u64>, message: &str) -> Answer {
    let mut a = error(429, "TOO_MANY_REQUESTS", "AUTH", message, json!({}));
    a.retry_after = retry_after_secs;
    a
}

pub(super) fn method_not_allowed(component: &str, method: &str) -> Answer {
    error(
        405,
        "METHOD_NOT_ALLOWED",
        component,
        &format!("Request method '{method}' is not supported"),
        json!({}),
    )
}

/// The answer of a `Fault::Status`.
fn status_fault(status: StatusCode) -> Answer {
    let (code, message) = match status.as_u16() {
        400 => ("BAD_REQUEST", "The request could not be processed"),
        401 => (
            "NOT_AUTHORIZED",
            "Full authentication is required to access this resource",
        ),
        403 => ("ACCESS_DENIED", "Access is denied"),
        404 => ("NOT_FOUND", "The requested resource was not found"),
        405 => ("METHOD_NOT_ALLOWED", "Request method is not supported"),
        406 => (
            "NOT_ACCEPTABLE",
            "Could not find an acceptable representation",
        ),
        410 => ("GONE", "The requested resource is no longer available"),
        429 => ("TOO_MANY_REQUESTS", "Too many requests"),
        502 => ("BAD_GATEWAY", "Bad gateway"),
        503 => ("SERVICE_UNAVAILABLE", "Service temporarily unavailable"),
        504 => ("GATEWAY_TIMEOUT", "Gateway timeout"),
        _ => ("INTERNAL_SERVER_ERROR", "An unexpected error occurred"),
    };
    error(status.as_u16(), code, "API", message, json!({}))
}

/// Give one record wrong types (a list: the middle item of `data`, made unreadable).
fn corrupt_record(body: &mut Value) {
    let (target, in_list) = match body.get_mut("data") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mid = items.len() / 2;
            (&mut items[mid], true)
        }
        Some(_) => return,
        None => (body, false),
    };
    let Value::Object(m) = target else {
        return;
    };
    if in_list {
        let id = m.get("id").cloned().unwrap_or(Value::Null);
        m.insert("id".into(), json!({"uuid": id}));
    }
    if m.contains_key("calledAt") {
        m.insert("duration".into(), json!("abc"));
        m.insert("direction".into(), json!(7));
        m.insert("hasRecording".into(), json!("maybe"));
        m.insert("calledAt".into(), json!(["2026-03-18T14:22:00Z"]));
    } else {
        m.insert("firstName".into(), json!(42));
        m.insert("birthDate".into(), json!(false));
    }
}

/// Welkin's answers to injected faults.
pub(super) struct WelkinFaults;

impl FaultAnswers for WelkinFaults {
    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        too_many(Some(retry_after_secs), "Too many requests").into_response()
    }

    fn status(&self, status: StatusCode) -> Response {
        status_fault(status).into_response()
    }

    fn malformed_json(&self) -> Option<Response> {
        let body: Vec<u8> =
            br#"{"data":[{"id":"5b1e0c8a-2f4d-4c7e-9a1b-3d6e8f0a2c4b","patientId":"#
                .iter()
                .chain(br#","direction":"OUTB},{"metaInfo":{"page":0,"pageSize"::20]"#.iter())
                .copied()
                .collect();
        Some(response(
            StatusCode::OK,
            content_type("application/json"),
            body,
        ))
    }

    /// JSON answers and recordings (a recording asked with `HEAD` is sent as it is).
    fn truncates(&self, resp: &Response, head: bool) -> bool {
        !(head && storage::is_recording(resp))
    }

    fn before_cut(&self, resp: Response) -> Response {
        storage::whole_file_to_cut(resp)
    }

    /// Any successful JSON answer (a token answer too).
    fn corrupts(&self, resp: &Response) -> bool {
        resp.status().is_success() && is_json(resp.headers())
    }

    fn corrupt(&self, body: &mut Value) {
        corrupt_record(body);
    }
}
