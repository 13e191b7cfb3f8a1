//! Emulator of the Solum Health API (see `shared/providers/solum.md`): one endpoint,
//! `GET /v1/calls`, for the one company the key belongs to.
//!
//! One listener on 127.0.0.1: `base_url()` = `http://127.0.0.1:P`, the endpoint is
//! `base_url() + "/v1/calls"`. Solum has no recordings, so there is no storage host.
//!
//! # Data (deterministic from `seed` and `now`)
//! - One company (`org_id`, a cuid), three assistants: English front desk, Spanish front desk
//!   (`Recepción`), outbound appointment reminders. [`SolumEmulator::assistants`].
//! - 300–400 calls (or [`SolumOptions::calls`]) over the 60 days before `now`, US office hours
//!   (UTC−5), about a third of them from Spanish-speaking families (`language` `spanish`, summary in Spanish). Types `inbound`,
//!   `outbound` (reminder calls), `web` (the website widget: no `customer_number`, no
//!   `phone_number_id`). Numbers are US numbers from the fictional 555-01XX block.
//! - Families of ~90 patients call repeatedly (same `customer_number`, `patient_id` a cuid when the
//!   assistant matched the caller); new callers have `patient_id` null.
//! - Summaries match the category (nine categories); `sessions_scheduled` counts sessions booked
//!   by the call; `status` is mostly `pending` for the last two days, `follow_up_needed` for some
//!   (more often billing and authorization), otherwise `done`.
//! - Nulls in optional fields: hang-ups without summary, `category`, `language`,
//!   `sessions_scheduled`, `assistant_id` sometimes null, `duration_min` and `ended_at` null for
//!   calls whose end was not recorded, and a few outbound attempts that never connected
//!   (`started_at`, `ended_at`, `duration_min`, `summary` all null).
//! - `duration_min` is minutes: an integer for whole minutes, otherwise a float (`208 s` is
//!   `3.466666666666667`).
//!
//! # Query rules (FastAPI + pydantic v2 behaviour)
//! - Order: `started_at` descending, calls without `started_at` last (then `created_at` desc).
//! - `page` ≥ 1 (default 1), `limit` 1..=100 (default 50); `status`, `category` and
//!   `tag_filter_mode` are enums; `sessions_scheduled_min` an integer; `started_gte` /
//!   `started_lte` (inclusive) take RFC 3339, a date-time without zone (UTC), a date (midnight
//!   UTC) or Unix seconds. Anything else: 422 in the framework's array shape
//!   `{"detail":[{"type","loc":["query",name],"msg","input","ctx"?}]}`, all errors at once.
//! - `q`: case-insensitive substring of `summary` or `customer_number`. `assistant_id`, `type`,
//!   `customer_number`, `patient_id`: exact match. `sessions_scheduled_min`: `sessions_scheduled`
//!   ≥ n (null never matches). `started_gte`/`started_lte`: null `started_at` never matches.
//! - `tag_filter_mode`: the documentation lists the mode ("Tag filter mode for patient queries")
//!   but no tag list on this endpoint. The emulator validates it (422 for an unknown mode) and
//!   applies it to the empty tag list the request carries: a mode compares a call's tags with the
//!   requested tags, and with no requested tags every mode keeps every call (the usual "empty
//!   filter is no filter" convention). It narrows nothing, exactly as documented.
//! - Query strings are decoded as forms (an unencoded `+` is a space), the last of repeated
//!   parameters wins (Starlette), unknown parameters are ignored, empty text values count as
//!   absent, an empty value for a number or an enum is a 422.
//!
//! # Order of checks
//! fault injection → route (404 `{"detail":"Not Found"}`, 405 `{"detail":"Method Not
//! Allowed"}`) → `X-API-Key` (401 object shape, missing or unknown key; 403 for
//! [`SolumEmulator::restricted_key`]) → query validation (422 array shape).
//! No rate limit is documented, so there is none; `Fault::RateLimited` still answers 429 with
//! `Retry-After` (seconds, or an HTTP date with [`SolumOptions::retry_after_as_date`]) in the
//! object shape.
//!
//! # Pagination variants
//! The documented envelope is `{"data", "pagination": {"has_more", "total", "page", "limit"}}`
//! with JSON numbers. [`SolumOptions`] can leave out `total` and/or `has_more` (a client then
//! knows the end only from a short or empty page) and send `page`, `limit` and `total` as strings.
//!
//! # Faults
//! Each request takes at most one queued fault before any other check: `Latency` delays a normal
//! answer; `RateLimited` answers 429 + `Retry-After`; `Status(n)` answers n in the object shape
//! `{"detail":{"type","code","message","param"}}`; `ConnectionReset` closes the connection
//! without a byte; `TruncatedBody` sends half the normal body then closes; `MalformedJson`
//! answers 200 with broken JSON; `WrongTypesRecord` corrupts the middle item of `data` as
//! [`SolumOptions::wrong_types`] says: [`WrongTypes::UnreadableId`] (the default) makes `id` an
//! array, `duration_min` `"4.5 min"`, `started_at` a number, `status` a number,
//! `sessions_scheduled` `"two"`, `summary` an object; [`WrongTypes::ReadableId`] keeps `id`,
//! `org_id`, `created_at` and `status` and makes `duration_min` `"abc"`, `started_at` `12345`,
//! `type` an array, `summary` an object, `category` a number and `sessions_scheduled` `"two"`.

mod texts;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc, Weekday,
};
use serde_json::{Value, json};

use self::texts::{CATEGORIES, CATEGORY_WEIGHTS, Lang, Slots};
use super::net::{ConnHandle, ControlledListener, ServerGuard, truncated_response};
use super::{
    EmulatorOptions, Fault, Faults, chance, hex, lock, pick, pick_weighted, rng_for, uuid_v4,
};

/// Path of the one endpoint.
pub const CALLS_PATH: &str = "/v1/calls";
/// The documented values of `status`.
pub const STATUSES: [&str; 3] = ["pending", "done", "follow_up_needed"];
/// The documented values of `category`.
pub const CATEGORY_VALUES: [&str; 9] = CATEGORIES;
/// The documented values of `tag_filter_mode`.
pub const TAG_FILTER_MODES: [&str; 4] = ["any", "all", "exclude_any", "exclude_all"];
/// Offset of the practice's local time from UTC (office hours are local).
const TZ_HOURS: i64 = -5;
const PATIENTS: usize = 90;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// A running Solum emulator. Dropping it stops the server.
pub struct SolumEmulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    guard: ServerGuard,
}

/// One request the API received (the key itself is not kept).
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// Decoded query parameters in the order sent.
    pub query: Vec<(String, String)>,
    /// Whether an `X-API-Key` header was present.
    pub had_key: bool,
    /// The status answered (0 when the connection was reset).
    pub status: u16,
}

impl LoggedRequest {
    /// The value the server used for `name` (the last one sent).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One of the company's assistants.
#[derive(Clone, Debug)]
pub struct Assistant {
    pub id: String,
    pub name: &'static str,
    /// `None` for the bilingual outbound assistant.
    pub language: Option<&'static str>,
}

/// Knobs only Solum has. The default is the documented behaviour.
#[derive(Clone, Debug, Default)]
pub struct SolumOptions {
    /// How many calls to generate (default: 300–400, chosen by the seed). Tests of the adapter's
    /// bounded id lookup ask for more.
    pub calls: Option<usize>,
    /// Leave `total` out of `pagination`.
    pub omit_total: bool,
    /// Leave `has_more` out of `pagination`.
    pub omit_has_more: bool,
    /// Send `page`, `limit` and `total` as strings (`"2"`).
    pub pagination_as_strings: bool,
    /// `Fault::RateLimited` sends `Retry-After` as an HTTP date (`Fri, 20 Mar 2026 15:00:07
    /// GMT`, rounded up to the second) instead of seconds.
    pub retry_after_as_date: bool,
    /// What `Fault::WrongTypesRecord` does to the record.
    pub wrong_types: WrongTypes,
}

/// How `Fault::WrongTypesRecord` corrupts the middle record of a page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WrongTypes {
    /// `id` becomes an array: the record cannot be read at all.
    #[default]
    UnreadableId,
    /// `id` (and `status`) stay readable, other fields get wrong types.
    ReadableId,
}

/// Start the emulator on the current tokio runtime.
pub async fn start(opts: EmulatorOptions) -> std::io::Result<SolumEmulator> {
    start_with(opts, SolumOptions::default()).await
}

/// Start the emulator with Solum-specific knobs.
pub async fn start_with(
    opts: EmulatorOptions,
    vopts: SolumOptions,
) -> std::io::Result<SolumEmulator> {
    let listener = ControlledListener::bind_local().await?;
    let addr = listener.addr()?;
    let shared = Arc::new(Shared::new(opts, &vopts));
    let mut guard = ServerGuard::new();
    guard.spawn(
        listener,
        Router::new().fallback(api_entry).with_state(shared.clone()),
    );
    Ok(SolumEmulator {
        shared,
        addr,
        guard,
    })
}

impl SolumEmulator {
    /// e.g. `http://127.0.0.1:41234`; the endpoint is `base_url() + "/v1/calls"`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The company's API key.
    pub fn api_key(&self) -> String {
        self.shared.keys[0].clone()
    }

    /// A well-formed key of the company that may not read calls (403).
    pub fn restricted_key(&self) -> String {
        self.shared.keys[1].clone()
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The company's `org_id`.
    pub fn org_id(&self) -> String {
        self.shared.org_id.clone()
    }

    pub fn assistants(&self) -> Vec<Assistant> {
        self.shared.assistants.clone()
    }

    /// Every call exactly as the list returns it, in the list's order (newest first).
    pub fn calls(&self) -> Vec<Value> {
        self.shared.calls.iter().map(CallRec::json).collect()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// The requests to `GET /v1/calls`, in order.
    pub fn calls_requests(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == CALLS_PATH)
            .collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    pub fn options(&self) -> &EmulatorOptions {
        &self.shared.opts
    }

    /// Stop the server (also done on drop).
    pub fn shutdown(&self) {
        self.guard.shutdown();
    }
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

struct CallRec {
    id: String,
    org_id: String,
    created_at: DateTime<Utc>,
    assistant_id: Option<String>,
    phone_number_id: Option<String>,
    /// `type`; null for a few calls (test calls placed from the dashboard).
    kind: Option<&'static str>,
    started_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    summary: Option<String>,
    customer_number: Option<String>,
    status: &'static str,
    category: Option<&'static str>,
    duration_secs: Option<u32>,
    patient_id: Option<String>,
    language: Option<&'static str>,
    sessions_scheduled: Option<u32>,
}

fn ts(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl CallRec {
    fn json(&self) -> Value {
        let duration_min = self.duration_secs.map(|s| {
            if s % 60 == 0 {
                json!(s / 60)
            } else {
                json!(f64::from(s) / 60.0)
            }
        });
        json!({
            "id": self.id,
            "org_id": self.org_id,
            "created_at": ts(&self.created_at),
            "assistant_id": self.assistant_id,
            "phone_number_id": self.phone_number_id,
            "type": self.kind,
            "started_at": self.started_at.as_ref().map(ts),
            "ended_at": self.ended_at.as_ref().map(ts),
            "summary": self.summary,
            "customer_number": self.customer_number,
            "status": self.status,
            "category": self.category,
            "duration_min": duration_min,
            "patient_id": self.patient_id,
            "language": self.language,
            "sessions_scheduled": self.sessions_scheduled,
        })
    }
}

struct Shared {
    opts: EmulatorOptions,
    vopts: SolumOptions,
    org_id: String,
    assistants: Vec<Assistant>,
    calls: Vec<CallRec>,
    /// `[full access, no calls access]`.
    keys: [String; 2],
    faults: Faults,
    log: Mutex<Vec<LoggedRequest>>,
}

impl Shared {
    fn new(opts: EmulatorOptions, vopts: &SolumOptions) -> Shared {
        let (org_id, assistants, calls) = generate(&opts, vopts.calls);
        let keys = std::array::from_fn(|i| {
            let mut rng = rng_for(opts.seed, "solum-key", i as u64);
            format!("sk_live_{}", hex(&mut rng, 40))
        });
        Shared {
            opts,
            vopts: vopts.clone(),
            org_id,
            assistants,
            calls,
            keys,
            faults: Faults::default(),
            log: Mutex::new(Vec::new()),
        }
    }
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

struct Answer {
    status: StatusCode,
    body: Value,
    retry_after: Option<HeaderValue>,
}

impl Answer {
    fn new(status: StatusCode, body: Value) -> Answer {
        Answer {
            status,
            body,
            retry_after: None,
        }
    }
}

/// The API's own error shape.
fn object_error(status: StatusCode, kind: &str, code: &str, message: &str) -> Answer {
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

impl Shared {
    fn answer(&self, method: &Method, path: &str, query: &str, headers: &HeaderMap) -> Answer {
        if path != CALLS_PATH {
            return Answer::new(StatusCode::NOT_FOUND, json!({"detail": "Not Found"}));
        }
        if method != Method::GET && method != Method::HEAD {
            return Answer::new(
                StatusCode::METHOD_NOT_ALLOWED,
                json!({"detail": "Method Not Allowed"}),
            );
        }
        // Compared exactly: a key with extra characters (even white space) is another key.
        let key = headers
            .get("x-api-key")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        if key.is_empty() {
            return object_error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "missing_api_key",
                "Missing API key. Send it in the X-API-Key header.",
            );
        }
        if key == self.keys[1] {
            return object_error(
                StatusCode::FORBIDDEN,
                "permission_error",
                "insufficient_permissions",
                "This API key is not allowed to read calls",
            );
        }
        if key != self.keys[0] {
            return object_error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "invalid_api_key",
                "Invalid API key provided",
            );
        }
        let q = match parse_query(query) {
            Ok(q) => q,
            Err(errors) => {
                return Answer::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({ "detail": errors }),
                );
            }
        };
        let matching: Vec<&CallRec> = self.calls.iter().filter(|c| q.matches(c)).collect();
        let total = matching.len() as u64;
        let start = (q.page - 1).saturating_mul(q.limit);
        let data: Vec<Value> = matching
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(q.limit as usize)
            .map(|c| c.json())
            .collect();
        let has_more = start.saturating_add(q.limit) < total;
        Answer::new(
            StatusCode::OK,
            json!({"data": data, "pagination": self.pagination(has_more, total, q.page, q.limit)}),
        )
    }

    /// The `pagination` object, as documented or in the variant the options ask for.
    fn pagination(&self, has_more: bool, total: u64, page: u64, limit: u64) -> Value {
        let v = &self.vopts;
        let num = |n: u64| {
            if v.pagination_as_strings {
                json!(n.to_string())
            } else {
                json!(n)
            }
        };
        let mut p = serde_json::Map::new();
        if !v.omit_has_more {
            p.insert("has_more".into(), json!(has_more));
        }
        if !v.omit_total {
            p.insert("total".into(), num(total));
        }
        p.insert("page".into(), num(page));
        p.insert("limit".into(), num(limit));
        Value::Object(p)
    }
}

// ---------------------------------------------------------------------------
// Query validation and matching
// ---------------------------------------------------------------------------

struct Query {
    page: u64,
    limit: u64,
    q: Option<String>,
    assistant_id: Option<String>,
    status: Option<&'static str>,
    category: Option<&'static str>,
    kind: Option<String>,
    customer_number: Option<String>,
    patient_id: Option<String>,
    sessions_min: Option<i64>,
    /// Validated; with no tag list on this endpoint every mode keeps every call (module docs).
    #[allow(dead_code)]
    tag_filter_mode: &'static str,
    started_gte: Option<DateTime<Utc>>,
    started_lte: Option<DateTime<Utc>>,
}

impl Query {
    fn matches(&self, c: &CallRec) -> bool {
        if let Some(q) = &self.q {
            let needle = q.to_lowercase();
            let hit = [&c.summary, &c.customer_number].iter().any(|f| {
                f.as_deref()
                    .is_some_and(|s| s.to_lowercase().contains(&needle))
            });
            if !hit {
                return false;
            }
        }
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        eq(&self.assistant_id, c.assistant_id.as_deref())
            && self.status.is_none_or(|s| s == c.status)
            && self.category.is_none_or(|s| c.category == Some(s))
            && eq(&self.kind, c.kind)
            && eq(&self.customer_number, c.customer_number.as_deref())
            && eq(&self.patient_id, c.patient_id.as_deref())
            && self
                .sessions_min
                .is_none_or(|m| c.sessions_scheduled.is_some_and(|n| i64::from(n) >= m))
            && self
                .started_gte
                .is_none_or(|t| c.started_at.is_some_and(|s| s >= t))
            && self
                .started_lte
                .is_none_or(|t| c.started_at.is_some_and(|s| s <= t))
    }
}

fn loc(name: &str) -> Value {
    json!(["query", name])
}

fn int_error(name: &str, input: &str) -> Value {
    json!({"type": "int_parsing", "loc": loc(name),
           "msg": "Input should be a valid integer, unable to parse string as an integer",
           "input": input})
}

fn enum_error(name: &str, input: &str, allowed: &[&str]) -> Value {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    let expected = match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    };
    json!({"type": "enum", "loc": loc(name), "msg": format!("Input should be {expected}"),
           "input": input, "ctx": {"expected": expected}})
}

fn parse_int(name: &str, v: &str, errors: &mut Vec<Value>) -> Option<i64> {
    match v.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(int_error(name, v));
            None
        }
    }
}

fn parse_enum(
    name: &str,
    v: &str,
    allowed: &[&'static str],
    errors: &mut Vec<Value>,
) -> Option<&'static str> {
    match allowed.iter().find(|a| **a == v) {
        Some(a) => Some(a),
        None => {
            errors.push(enum_error(name, v, allowed));
            None
        }
    }
}

/// A date-time as pydantic reads one in lax mode.
fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
    }
    s.parse::<i64>()
        .ok()
        .and_then(|n| DateTime::from_timestamp(n, 0))
}

fn parse_query(raw: &str) -> Result<Query, Vec<Value>> {
    // Starlette: the last of repeated parameters wins.
    let mut params: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        params.insert(k.into_owned(), v.into_owned());
    }
    let text = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
    let raw_of = |k: &str| params.get(k).map(String::as_str);
    let mut errors = Vec::new();
    let mut q = Query {
        page: 1,
        limit: 50,
        q: text("q"),
        assistant_id: text("assistant_id"),
        status: None,
        category: None,
        kind: text("type"),
        customer_number: text("customer_number"),
        patient_id: text("patient_id"),
        sessions_min: None,
        tag_filter_mode: "any",
        started_gte: None,
        started_lte: None,
    };
    if let Some(v) = raw_of("page")
        && let Some(n) = parse_int("page", v, &mut errors)
    {
        if n >= 1 {
            q.page = n as u64;
        } else {
            errors.push(json!({"type": "greater_than_equal", "loc": loc("page"),
                "msg": "Input should be greater than or equal to 1", "input": v, "ctx": {"ge": 1}}));
        }
    }
    if let Some(v) = raw_of("limit")
        && let Some(n) = parse_int("limit", v, &mut errors)
    {
        if n < 1 {
            errors.push(json!({"type": "greater_than_equal", "loc": loc("limit"),
                "msg": "Input should be greater than or equal to 1", "input": v, "ctx": {"ge": 1}}));
        } else if n > 100 {
            errors.push(json!({"type": "less_than_equal", "loc": loc("limit"),
                "msg": "Input should be less than or equal to 100", "input": v, "ctx": {"le": 100}}));
        } else {
            q.limit = n as u64;
        }
    }
    if let Some(v) = raw_of("status") {
        q.status = parse_enum("status", v, &STATUSES, &mut errors);
    }
    if let Some(v) = raw_of("category") {
        q.category = parse_enum("category", v, &CATEGORY_VALUES, &mut errors);
    }
    if let Some(v) = raw_of("tag_filter_mode")
        && let Some(m) = parse_enum("tag_filter_mode", v, &TAG_FILTER_MODES, &mut errors)
    {
        q.tag_filter_mode = m;
    }
    if let Some(v) = raw_of("sessions_scheduled_min") {
        q.sessions_min = parse_int("sessions_scheduled_min", v, &mut errors);
    }
    for name in ["started_gte", "started_lte"] {
        if let Some(v) = raw_of(name) {
            match parse_datetime(v) {
                Some(t) if name == "started_gte" => q.started_gte = Some(t),
                Some(t) => q.started_lte = Some(t),
                None => errors.push(
                    json!({"type": "datetime_from_date_parsing", "loc": loc(name),
                    "msg": "Input should be a valid datetime or date, invalid character in year",
                    "input": v, "ctx": {"error": "invalid character in year"}}),
                ),
            }
        }
    }
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(errors)
    }
}

// ---------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------

fn build_response(a: Answer) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(v) = a.retry_after {
        headers.insert(header::RETRY_AFTER, v);
    }
    let body = serde_json::to_vec(&a.body).unwrap_or_default();
    (a.status, headers, body)
}

fn into_response(status: StatusCode, headers: HeaderMap, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
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

async fn api_entry(State(st): State<Arc<Shared>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();
    let mut entry = LoggedRequest {
        method: method.to_string(),
        path: path.clone(),
        query: url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        had_key: req.headers().contains_key("x-api-key"),
        status: 0,
    };
    let conn = ConnHandle::of(&req);
    let mut truncate = false;
    let mut wrong_types = false;
    let early: Option<(Answer, bool)> = match st.faults.take() {
        None => None,
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        Some(Fault::RateLimited { retry_after_secs }) => Some((
            rate_limited(retry_after_secs, st.vopts.retry_after_as_date),
            false,
        )),
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code)
                .ok()
                .filter(|s| s.is_client_error() || s.is_server_error())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some((status_error(status), false))
        }
        Some(Fault::ConnectionReset) => {
            lock(&st.log).push(entry);
            if let Some(c) = &conn {
                c.kill();
            }
            return into_response(StatusCode::OK, HeaderMap::new(), Vec::new());
        }
        Some(Fault::MalformedJson) => Some((Answer::new(StatusCode::OK, Value::Null), true)),
        Some(Fault::TruncatedBody) => {
            truncate = true;
            None
        }
        Some(Fault::WrongTypesRecord) => {
            wrong_types = true;
            None
        }
    };
    if let Some((answer, malformed)) = early {
        entry.status = answer.status.as_u16();
        lock(&st.log).push(entry);
        if malformed {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            let body = br#"{"data":[{"id":"3c90c3cc-0d44-4b50-8888-8dd25736052a","org_id":"cm"#
                .iter()
                .chain(br#"},{"id":,"summary":"Caller asked about]]}"#.iter())
                .copied()
                .collect();
            return into_response(StatusCode::OK, headers, body);
        }
        let (s, h, b) = build_response(answer);
        return into_response(s, h, b);
    }
    let mut answer = st.answer(&method, &path, &query, req.headers());
    if wrong_types && answer.status == StatusCode::OK {
        corrupt_record(&mut answer.body, st.vopts.wrong_types);
    }
    entry.status = answer.status.as_u16();
    lock(&st.log).push(entry);
    let (status, headers, body) = build_response(answer);
    if truncate {
        truncated_response(status, headers, body, conn)
    } else {
        into_response(status, headers, body)
    }
}

// ---------------------------------------------------------------------------
// Data generation
// ---------------------------------------------------------------------------

/// A cuid-like id (Prisma's default): `c` and 24 base-36 characters.
fn cuid(rng: &mut fastrand::Rng) -> String {
    const B36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = String::from("c");
    for _ in 0..24 {
        s.push(B36[rng.usize(..36)] as char);
    }
    s
}

struct Patient {
    id: String,
    child: String,
    guardian: String,
    phone: String,
    lang: Lang,
}

fn make_patients(seed: u64) -> Vec<Patient> {
    (0..PATIENTS)
        .map(|i| {
            let mut rng = rng_for(seed, "solum-patient", i as u64);
            let lang = if chance(&mut rng, 0.35) {
                Lang::Spanish
            } else {
                Lang::English
            };
            let (first, last, child) = match lang {
                Lang::English => (texts::EN_FIRST, texts::EN_LAST, texts::EN_CHILD),
                Lang::Spanish => (texts::ES_FIRST, texts::ES_LAST, texts::ES_CHILD),
            };
            let surname = *pick(&mut rng, last);
            Patient {
                id: cuid(&mut rng),
                child: format!("{} {surname}", pick(&mut rng, child)),
                guardian: format!("{} {surname}", pick(&mut rng, first)),
                phone: texts::us_phone(&mut rng),
                lang,
            }
        })
        .collect()
}

/// A start time in the 60 days before `now`, on a weekday in office hours (local UTC−5)
/// for most calls.
fn call_time(rng: &mut fastrand::Rng, now: DateTime<Utc>, web: bool) -> DateTime<Utc> {
    let today = (now + TimeDelta::hours(TZ_HOURS)).date_naive();
    let mut day = today;
    for _ in 0..4 {
        day = today - TimeDelta::days(rng.i64(0..60));
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || chance(rng, 0.15) {
            break;
        }
    }
    let hour = if web {
        rng.u32(7..23)
    } else {
        [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
            [pick_weighted(rng, &[6, 12, 12, 11, 7, 9, 10, 10, 9, 7, 3])]
    };
    let local = day
        .and_hms_opt(hour, rng.u32(0..60), rng.u32(0..60))
        .map(|d| d.and_utc())
        .unwrap_or(now);
    let mut t = local - TimeDelta::hours(TZ_HOURS);
    while t >= now {
        t -= TimeDelta::days(1);
    }
    t
}

/// The practice sees patients on weekdays: a weekend day moves to the Monday after.
fn weekday_on_or_after(t: DateTime<Utc>) -> DateTime<Utc> {
    match t.weekday() {
        Weekday::Sat => t + TimeDelta::days(2),
        Weekday::Sun => t + TimeDelta::days(1),
        _ => t,
    }
}

fn generate(
    opts: &EmulatorOptions,
    count: Option<usize>,
) -> (String, Vec<Assistant>, Vec<CallRec>) {
    let seed = opts.seed;
    let now = opts.now;
    let mut rng = rng_for(seed, "solum-org", 0);
    let org_id = cuid(&mut rng);
    let assistants = vec![
        Assistant {
            id: uuid_v4(&mut rng),
            name: "Front Desk",
            language: Some("english"),
        },
        Assistant {
            id: uuid_v4(&mut rng),
            name: "Recepción",
            language: Some("spanish"),
        },
        Assistant {
            id: uuid_v4(&mut rng),
            name: "Appointment Reminders",
            language: None,
        },
    ];
    let lines: Vec<String> = (0..3).map(|_| uuid_v4(&mut rng)).collect();
    let patients = make_patients(seed);
    let n = 300 + rng.usize(0..=100);
    let n = count.unwrap_or(n);
    let mut calls: Vec<CallRec> = (0..n)
        .map(|i| gen_call(seed, i, now, &org_id, &assistants, &lines, &patients))
        .collect();
    calls.sort_by(|a, b| match (a.started_at, b.started_at) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.created_at.cmp(&a.created_at),
    });
    (org_id, assistants, calls)
}

fn gen_call(
    seed: u64,
    i: usize,
    now: DateTime<Utc>,
    org_id: &str,
    assistants: &[Assistant],
    lines: &[String],
    patients: &[Patient],
) -> CallRec {
    let mut rng = rng_for(seed, "solum-call", i as u64);
    // Rare shapes at fixed positions, so that every seed has them.
    let never_connected = i % 100 == 37;
    let kind = if never_connected {
        "outbound"
    } else {
        ["inbound", "outbound", "web"][pick_weighted(&mut rng, &[72, 18, 10])]
    };
    let id = uuid_v4(&mut rng);
    let slot = call_time(&mut rng, now, kind == "web");
    let known = chance(&mut rng, if kind == "outbound" { 0.97 } else { 0.6 });
    let patient = known.then(|| &patients[rng.usize(..patients.len())]);
    let lang = match patient {
        Some(p) => p.lang,
        None if chance(&mut rng, 0.33) => Lang::Spanish,
        None => Lang::English,
    };
    let (caller, child, phone) = match patient {
        Some(p) => (p.guardian.clone(), p.child.clone(), p.phone.clone()),
        None => {
            let (first, last, kids) = match lang {
                Lang::English => (texts::EN_FIRST, texts::EN_LAST, texts::EN_CHILD),
                Lang::Spanish => (texts::ES_FIRST, texts::ES_LAST, texts::ES_CHILD),
            };
            let surname = *pick(&mut rng, last);
            (
                format!("{} {surname}", pick(&mut rng, first)),
                format!("{} {surname}", pick(&mut rng, kids)),
                texts::us_phone(&mut rng),
            )
        }
    };
    let assistant = if kind == "outbound" {
        2
    } else {
        match (lang, chance(&mut rng, 0.06)) {
            (Lang::English, false) | (Lang::Spanish, true) => 0,
            _ => 1,
        }
    };
    let age = now - slot;
    let base = CallRec {
        id,
        org_id: org_id.to_string(),
        created_at: slot,
        assistant_id: Some(assistants[assistant].id.clone()),
        phone_number_id: (kind != "web").then(|| lines[assistant].clone()),
        kind: (i % 60 != 23).then_some(kind),
        started_at: None,
        ended_at: None,
        summary: None,
        customer_number: (kind != "web").then_some(phone),
        status: "pending",
        category: None,
        duration_secs: None,
        patient_id: patient.map(|p| p.id.clone()),
        language: Some(lang.wire()),
        sessions_scheduled: None,
    };

    // An outbound reminder that never connected: nothing but its identity.
    if never_connected {
        return CallRec {
            status: if age > TimeDelta::days(2) {
                "done"
            } else {
                "pending"
            },
            language: None,
            ..base
        };
    }

    let hangup = chance(&mut rng, 0.04);
    let category: &'static str = if hangup {
        "miscellaneous"
    } else if kind == "outbound" {
        [
            "existing_appointment",
            "rescheduling",
            "authorization",
            "billing",
        ][pick_weighted(&mut rng, &[70, 15, 5, 10])]
    } else {
        CATEGORIES[pick_weighted(&mut rng, &CATEGORY_WEIGHTS)]
    };
    let secs: u32 = if hangup {
        rng.u32(5..26)
    } else {
        match category {
            "miscellaneous" => rng.u32(20..150),
            "billing" | "authorization" => rng.u32(120..600),
            "new_appointment" => rng.u32(180..720),
            _ => rng.u32(60..420),
        }
    };
    // Whole minutes now and then, so both integer and fractional values are seen.
    let secs = if chance(&mut rng, 0.1) {
        (secs / 60).max(1) * 60
    } else {
        secs
    };
    let sessions: u32 = match category {
        "new_appointment" => rng.u32(1..=4),
        "rescheduling" => 1,
        "existing_appointment" if chance(&mut rng, 0.2) => 1,
        _ => 0,
    };
    let appt = weekday_on_or_after(slot + TimeDelta::days(rng.i64(1..10)));
    let appt2 = weekday_on_or_after(appt + TimeDelta::days(rng.i64(1..6)));
    let slots = Slots {
        caller: caller.clone(),
        patient: child.split(' ').next().unwrap_or("").to_string(),
        therapy: texts::therapy(&mut rng, lang),
        day: texts::spoken_day(lang, appt),
        day2: texts::spoken_day(lang, appt2),
        time: texts::spoken_time(lang, rng.u32(8..18), [0, 15, 30, 45][rng.usize(..4)]),
        n: if sessions > 0 {
            sessions
        } else {
            rng.u32(2..20)
        },
        amount: format!("${}.{:02}", rng.u32(25..420), rng.u32(0..100)),
        insurer: texts::insurer(&mut rng),
    };
    let summary = if hangup {
        chance(&mut rng, 0.6).then(|| texts::short_summary(lang).to_string())
    } else {
        Some(texts::summary(&mut rng, lang, category, &slots))
    };
    let follow_p = if matches!(category, "billing" | "authorization") {
        0.3
    } else {
        0.08
    };
    let status = if age < TimeDelta::hours(48) && chance(&mut rng, 0.55) {
        "pending"
    } else if chance(&mut rng, follow_p) {
        "follow_up_needed"
    } else if age > TimeDelta::hours(48) || chance(&mut rng, 0.6) {
        "done"
    } else {
        "pending"
    };
    let end_known = !chance(&mut rng, 0.02);
    let ended = slot + TimeDelta::seconds(i64::from(secs));
    let created = if end_known {
        ended + TimeDelta::seconds(rng.i64(3..30))
    } else {
        slot
    };
    CallRec {
        created_at: created.min(now).max(slot),
        assistant_id: if i % 70 == 41 {
            None
        } else {
            base.assistant_id.clone()
        },
        started_at: Some(slot),
        ended_at: end_known.then_some(ended),
        summary,
        status,
        category: (!chance(&mut rng, 0.04)).then_some(category),
        duration_secs: end_known.then_some(secs),
        // The assistant does not always match a known family to its patient.
        patient_id: if kind == "inbound" && chance(&mut rng, 0.1) {
            None
        } else {
            base.patient_id.clone()
        },
        language: if (hangup && chance(&mut rng, 0.5)) || chance(&mut rng, 0.02) {
            None
        } else {
            base.language
        },
        sessions_scheduled: (!chance(&mut rng, 0.04)).then_some(sessions),
        ..base
    }
}
