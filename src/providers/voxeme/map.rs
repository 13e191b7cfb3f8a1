//! Voxeme (jambonz) wire JSON → the program's model.

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde_json::Value;

use std::sync::Arc;

use crate::display::body_safe;
use crate::model::{
    Account, Call, CallDetail, Direction, Page, PageNumbers, RecordingRef, Scope, Transcript,
};
use crate::providers::ProviderError;
use crate::providers::lenient::{self, Object};

/// CDR keys that become header fields of [`Call`]; every other key is shown as `key: value`
/// (`from` and `to` stay there too: the header shows only the caller's side).
const CONSUMED: &[&str] = &[
    "call_sid",
    "attempted_at",
    "duration",
    "direction",
    "recording_url",
];

/// Live-call keys that become header fields.
const LIVE_CONSUMED: &[&str] = &[
    "call_sid",
    "call_status",
    "duration",
    "caller_name",
    "direction",
];

/// A time that is not the epoch (jambonz sends `1970-01-01T00:00:00.000Z` for "never").
pub fn time_or_never(o: &Object, key: &str) -> Option<DateTime<Utc>> {
    lenient::time(o, key).filter(|t| t.timestamp() > 0)
}

/// A number without a spurious `.0` (`200.0` → `200`).
fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

/// Whether a time value is the epoch (or before): "never".
fn is_never(v: &Value) -> bool {
    match v {
        Value::String(s) => lenient::parse_time(s).is_some_and(|t| t.timestamp() <= 0),
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => false,
    }
}

fn display(key: &str, v: &Value) -> String {
    match v {
        _ if key.ends_with("_at") && is_never(v) => "never".to_string(),
        Value::Number(n) => number_text(n),
        other => lenient::display(other),
    }
}

fn fields(o: &Object, consumed: &[&str]) -> Vec<(String, String)> {
    o.iter()
        .filter(|(k, _)| !consumed.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), display(k, v)))
        .collect()
}

fn direction(o: &Object) -> Option<Direction> {
    match lenient::text(o, "direction")?.to_ascii_lowercase().as_str() {
        "inbound" | "in" => Some(Direction::Inbound),
        "outbound" | "out" => Some(Direction::Outbound),
        _ => None,
    }
}

/// The caller's side: `from` of an inbound call, `to` of an outbound one. Kept as sent (jambonz
/// sends digits, with or without `+`, depending on the carrier: adding a `+` could be wrong for
/// national numbers, so none is added).
fn other_party(o: &Object, dir: Option<Direction>) -> Option<String> {
    match dir {
        Some(Direction::Outbound) => lenient::text(o, "to"),
        _ => lenient::text(o, "from"),
    }
}

/// An account of `GET /v1/Accounts`.
pub fn scope(o: &Object) -> Option<Scope> {
    let id = match o.get("account_sid")? {
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        _ => return None,
    };
    let name = lenient::text(o, "name").unwrap_or_else(|| id.clone());
    let mut detail = Vec::new();
    match lenient::boolean(o, "record_all_calls") {
        Some(true) => detail.push(match lenient::text(o, "record_format") {
            Some(f) => format!("records calls ({f})"),
            None => "records calls".to_string(),
        }),
        Some(false) => detail.push("no call recording".to_string()),
        None => {}
    }
    if lenient::boolean(o, "is_active") == Some(false) {
        detail.push("inactive".into());
    }
    Some(Scope {
        id,
        name,
        detail: (!detail.is_empty()).then(|| detail.join(" · ")),
    })
}

/// What a user reads in the status column of a CDR.
pub fn status(o: &Object) -> String {
    let answered = lenient::boolean(o, "answered")
        .unwrap_or_else(|| time_or_never(o, "answered_at").is_some());
    if answered {
        return "answered".into();
    }
    let sip = lenient::number(o, "sip_status").map(|n| n as i64);
    match sip {
        Some(486) | Some(600) => "busy".into(),
        Some(487) => "canceled".into(),
        Some(480) | Some(408) => "no answer".into(),
        Some(603) => "declined".into(),
        Some(404) | Some(484) => "number not found".into(),
        Some(s) if (500..600).contains(&s) => "failed".into(),
        Some(s) if s >= 300 => format!("not answered (SIP {s})"),
        _ => "not answered".into(),
    }
}

/// One RecentCalls record. `None` when it has no readable `call_sid`.
pub fn call(owner: &Arc<Account>, account: &str, o: &Object) -> Option<Call> {
    let id = match o.get("call_sid")? {
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        _ => return None,
    };
    let mut c = Call::new(owner, Some(account), &id);
    c.started_at = time_or_never(o, "attempted_at");
    c.duration_secs = lenient::number(o, "duration");
    c.direction = direction(o);
    c.caller_number = other_party(o, c.direction);
    c.status = Some(status(o));
    c.has_recording = Some(lenient::text(o, "recording_url").is_some());
    c.has_transcript = Some(false);
    c.fields = fields(o, CONSUMED);
    Some(c)
}

/// Where a record's `recording_url` is fetched: relative URLs are under `/v1` on the API host
/// (with the key); absolute ones are used as they are, with the key only on the API's origin.
pub fn recording_ref(url: Option<String>, base_url: &str) -> RecordingRef {
    let Some(url) = url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) else {
        return RecordingRef::Missing;
    };
    if is_absolute(&url) {
        if same_origin(&url, base_url) {
            RecordingRef::Endpoint { path: url }
        } else {
            RecordingRef::SignedUrl {
                url,
                expires_at: None,
            }
        }
    } else if url.starts_with('/') {
        RecordingRef::Endpoint {
            path: format!("/v1{url}"),
        }
    } else {
        RecordingRef::Endpoint {
            path: format!("/v1/{url}"),
        }
    }
}

/// Whether a `recording_url` is an absolute URL (`http://` or `https://`, in any case; a path
/// like `httpdocs/x.mp3` is not). Never slices by bytes: a vendor string may begin with a
/// multi-byte character.
pub fn is_absolute(url: &str) -> bool {
    let starts = |p: &str| {
        url.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    starts("http://") || starts("https://")
}

/// The URL an [`RecordingRef::Endpoint`] path is fetched from: absolute paths as they are,
/// the others under the API's base URL.
pub fn endpoint_url(base_url: &str, path: &str) -> String {
    if is_absolute(path) {
        path.to_string()
    } else {
        format!("{}{path}", base_url.trim_end_matches('/'))
    }
}

pub fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The "detail" of a CDR: there is no detail endpoint, the record is all there is.
pub fn detail(
    owner: &Arc<Account>,
    account: &str,
    o: &Object,
    base_url: &str,
) -> Option<CallDetail> {
    let call = call(owner, account, o)?;
    let recording = recording_ref(lenient::text(o, "recording_url"), base_url);
    let mut d = CallDetail::from_list_item(call);
    d.outcome = lenient::text(o, "termination_reason");
    d.transcript = Transcript::NotOffered;
    d.recording = recording;
    Some(d)
}

/// The "detail" of a live call (`GET …/Calls/{call_sid}`) that has no record in RecentCalls
/// yet, so no recording either.
pub fn live_detail(owner: &Arc<Account>, account: &str, o: &Object) -> Option<CallDetail> {
    let mut d = CallDetail::from_list_item(live_call(owner, account, o)?);
    d.transcript = Transcript::NotOffered;
    d.recording = RecordingRef::Missing;
    d.warnings.push(
        "a live call with no record in the call history yet: the record (and any recording) \
         appears there once the call has ended"
            .into(),
    );
    Some(d)
}

/// Reads the RecentCalls envelope `{total, page_size, page, data}` (`page`/`page_size` as
/// strings or numbers; the docs' `batch` for `page_size`), decoding each record on its own.
/// `count` and `requested` are what was asked: used only when the answer does not say. The
/// error is the cause of an unreadable answer.
pub fn page(
    v: &Value,
    count: u32,
    requested: u32,
    decode: impl FnMut(&Object) -> Option<Call>,
) -> Result<Page<Call>, &'static str> {
    let o = v.as_object().ok_or("the answer is not a JSON object")?;
    let items = o
        .get("data")
        .and_then(Value::as_array)
        .ok_or("the answer has no \"data\" list")?;
    let (items, unreadable) = lenient::decode_items(items, decode);
    let page = lenient::number(o, "page")
        .filter(|n| *n >= 1.0)
        .map_or(requested, |n| n as u32);
    let page_size = lenient::number(o, "page_size")
        .or_else(|| lenient::number(o, "batch"))
        .filter(|n| *n >= 1.0)
        .map_or(count, |n| n as u32);
    let numbers = PageNumbers {
        page,
        page_size,
        total_items: lenient::number(o, "total")
            .filter(|n| *n >= 0.0)
            .map(|n| n as u64),
        total_pages: None,
        has_more: None,
    };
    Ok(Page::from_numbers(items, unreadable, numbers))
}

/// One live call of `GET /v1/Accounts/{sid}/Calls`.
pub fn live_call(owner: &Arc<Account>, account: &str, o: &Object) -> Option<Call> {
    let id = match o.get("call_sid")? {
        Value::String(s) if !s.trim().is_empty() => s.clone(),
        _ => return None,
    };
    let mut c = Call::new(owner, Some(account), &id);
    c.status = lenient::text(o, "call_status");
    c.duration_secs = lenient::number(o, "duration");
    c.direction = direction(o);
    c.caller_name = lenient::text(o, "caller_name");
    c.caller_number = other_party(o, c.direction);
    c.has_transcript = Some(false);
    c.fields = fields(o, LIVE_CONSUMED);
    Some(c)
}

/// The text of an error body: `{"msg"}`, `{"status":"fail","message"}` or plain text.
pub fn error_text(body: &[u8]) -> String {
    if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) {
        for key in ["msg", "message", "error"] {
            if let Some(m) = lenient::text(&o, key) {
                return body_safe(&m);
            }
        }
        return crate::providers::body_excerpt(body);
    }
    crate::providers::body_excerpt(body)
}

/// A Voxeme error answer → one clear sentence. `missing` says what a 404 means for the request.
pub fn error(
    provider: &str,
    key_hint: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    retry_after: Option<u64>,
    missing: &str,
) -> ProviderError {
    let provider = provider.to_string();
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
        .to_string();
    let text = error_text(body);
    match status {
        401 => {
            // `Bearer realm="Users"` without an `error`: the request carried no token at all.
            let no_token = headers
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| !v.contains("error="));
            ProviderError::Auth {
                provider,
                credential: "API key".into(),
                status,
                code: "Unauthorized".into(),
                hint: if no_token && !key_hint.is_empty() {
                    format!("no key was sent; {key_hint}")
                } else {
                    key_hint.to_string()
                },
            }
        }
        403 => ProviderError::Forbidden {
            provider,
            status,
            code: reason,
            message: if text.contains("insufficient privileges") {
                "insufficient privileges: this key cannot read that account (an account key \
                 sees only its own account)"
                    .into()
            } else {
                text
            },
        },
        404 => ProviderError::NotFound {
            provider,
            message: if missing.is_empty() {
                text
            } else {
                missing.to_string()
            },
        },
        429 => ProviderError::RateLimited {
            provider,
            retry_after_secs: retry_after,
        },
        400 if text == "Bad Request" => ProviderError::Vendor {
            provider,
            status,
            code: reason,
            message: "the request was refused (an account or call id that is not a UUID?)".into(),
        },
        _ => ProviderError::Vendor {
            provider,
            status,
            code: reason,
            message: text,
        },
    }
}

#[cfg(test)]
mod tests;
