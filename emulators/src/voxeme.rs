//! Emulator of Voxeme, a hosted jambonz platform (see `shared/providers/voxeme.md`).
//!
//! One listener on 127.0.0.1 serves the API under [`BASE_PATH`] (`base_url()` =
//! `http://127.0.0.1:P/api`; every endpoint is `base_url() + "/v1/…"`), recordings included.
//! With [`RecordingUrls::OtherHost`] a second listener (a "media host") serves the recordings at
//! absolute URLs and the records point there.
//!
//! # Data (deterministic from `seed` and `now`)
//! - One service provider and 3 accounts, the sites of a clinic group: Boston (US numbers in the
//!   555-01xx fiction range, `record_all_calls` on, MP3), Berlin (German numbers, recording on,
//!   WAV) and Lyon (French numbers, recording off: every `recording_url` is `null`).
//! - 150–250 CDRs per account over the last [`RETENTION_DAYS`] days before `now` (nothing older),
//!   newest attempt first; mostly local office hours. About 22 % were not answered
//!   (`answered: false`, `duration: 0`, `answered_at` = the epoch `1970-01-01T00:00:00.000Z`).
//!   A quarter send `duration`/`sip_status` as floats (`45.0`, `200.0`). Every key is present,
//!   absent values are `null` (`application_sid` on some outbound calls, `sip_parent_callid`).
//!   Trunks: twilio/telnyx (Boston), voxbone/sipgate (Berlin), voxbone/ovh (Lyon); telnyx and
//!   sipgate send numbers with a leading `+`, the others digits only.
//! - About 90 % of answered calls of recording accounts have a `recording_url`
//!   (`/Accounts/{sid}/RecentCalls/{call_sid}/record/{YYYY}/{MM}/{DD}/{fmt}`, the date being the
//!   call's END date in UTC); for about 5 % of them the object is missing (404 `Not Found`, see
//!   [`VoxemeEmulator::missing_recordings`]). One recorded call per recording account, three days
//!   before `now`, starts at 23:57:12 UTC and ends after midnight, so its URL date differs from
//!   its attempt date.
//! - Live calls: see the `live` module; they follow a live clock that runs with the wall clock
//!   (speed [`VoxemeOptions::live_clock_speed`], shifted by [`VoxemeEmulator::advance_live_clock`]),
//!   not `now`.
//!
//! # Keys
//! `Authorization: Bearer <key>`. [`VoxemeEmulator::api_key`] is a service-provider key that sees
//! every account; [`VoxemeEmulator::account_key`] `(i)` sees only account `i`. A missing or unknown
//! key: `401` plain text `Unauthorized` with `WWW-Authenticate: Bearer realm="Users",
//! error="invalid_token"` (without the `error` part when no key was sent).
//!
//! # Endpoints (GET; anything else is `404 Not Found` in plain text)
//! - `/v1/Accounts` → bare array; `/v1/Accounts/{sid}` → one account.
//! - `/v1/Accounts/{sid}/RecentCalls` → `{total, page_size, page, data}`; `page` and `page_size`
//!   are the query strings echoed (strings). Required `page` (≥ 1) and `count` (25..=500):
//!   otherwise `400 {"msg": "missing or invalid \"page\" query arg"}` (or `count`). Optional
//!   `days` (1..=30, counted back from `now`; when present `start`/`end` are ignored, not even
//!   validated), `start`/`end` (inclusive; RFC 3339, a date-time without zone = UTC, or a date),
//!   `answered` (`true`/`false`), `direction` (`inbound`/`outbound`), `filter` (substring of
//!   `from` or `to`, or an exact `call_sid`), `trunk` (exact carrier name). A bad optional value:
//!   `400 {"msg": "invalid \"<name>\" query arg"}`. Query strings are decoded as forms (`+` is
//!   a space, as in Express). Empty values count as absent; the first of repeated ones wins.
//! - `…/RecentCalls/{call_sid}/record/{YYYY}/{MM}/{DD}/{fmt}` → the recording, streamed with
//!   chunked transfer: `Content-Type: audio/mp3` or `audio/wav`, no `Content-Length`, no
//!   `Content-Disposition`, no `Accept-Ranges`; `Range` is ignored (always `200`, whole file).
//!   Wrong date, wrong format, unknown call, missing object or an account without recording:
//!   `404` plain `Not Found`.
//! - `/v1/Accounts/{sid}/Calls` → bare array of live calls, newest first; filters `direction`,
//!   `from`, `to` (exact) and `callStatus` (one of the documented states; another value → `400
//!   {"msg"}`). `/v1/Accounts/{sid}/Calls/{call_sid}` → one, or `404` plain `Not Found`.
//! - A sid that is not a UUID: `400` plain `Bad Request`. An account key on another account's
//!   sid: `403 {"status": "fail", "message": "insufficient privileges"}`. An unknown account
//!   for the service-provider key: `404` plain `Not Found`.
//!
//! # Order of checks
//! request log → fault injection → key (401) → rate limit (429) → route (404) → sid format (400)
//! → permission (403) → account exists (404) → query validation (400) → answer.
//! Rate limits are per account: [`VoxemeOptions::rate_limit_per_minute`] (100) and
//! [`VoxemeOptions::rate_limit_per_hour`] (1000) (the `EmulatorOptions` limits are not used).
//! A request counts in the window of the account in its path; an account key always counts in
//! its own account's; the service-provider key's `/v1/Accounts` has a window of its own.
//! Over them: `429` plain `Too many requests, please try again later.` with `Retry-After`
//! (seconds) and `RateLimit-Limit`/`RateLimit-Remaining`/`RateLimit-Reset` (seconds until the
//! window resets); those three headers are on every answer to a valid key, and describe one
//! window: the exhausted one, else the one with fewer requests left (`RateLimit-Limit` is that
//! window's limit).
//!
//! # Faults
//! Each request on the API listener (recordings included, not the media host) takes at most
//! one queued fault before any other check. `Status(n)` answers in the vendor's shape for n:
//! 400/422/500 `{"msg": …}`, 401 plain `Unauthorized` (+ `WWW-Authenticate`), 403 `{"status":
//! "fail", …}`, 404 plain `Not Found`, 429 plain (no `Retry-After`), 502/503/504 plain reason
//! text, any other `{"msg": <reason>}`. `RateLimited` answers 429 with `Retry-After`.
//! `WrongTypesRecord` corrupts the middle item of a list answer (bare array or `data`):
//! `call_sid`/`account_sid` become arrays (unreadable), `duration: "abc"`, `answered: "maybe"`,
//! `name` an array, `attempted_at` a number; the item after it keeps its ids and gets the same
//! wrong types on the other keys (`record_all_calls: "maybe"` for an account), as does a
//! single object (one account, one live call). `TruncatedBody` cuts JSON answers (a recording is sent
//! whole). Answers given by a fault do not count against the rate limit.

mod data;
mod live;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use self::data::{Account, Cdr, RecordFormat};
use super::net::{
    ByteSource, ConnHandle, ControlledListener, ServerGuard, ranged_body, truncated_response,
};
use super::{
    EmulatorOptions, Fault, Faults, RateDecision, RateInfo, RateLimiter, lock, rng_for,
    unix_now_ms, uuid_v4,
};

pub use self::data::RETENTION_DAYS;
pub use super::RecordedRequest;

/// Path prefix of the API on its listener (`base_url()` ends with it).
pub const BASE_PATH: &str = "/api";
/// Path prefix of recordings on the media host ([`RecordingUrls::OtherHost`]).
pub const MEDIA_PREFIX: &str = "/recordings";
/// The rate-limit answer's body.
pub const TOO_MANY: &str = "Too many requests, please try again later.";

/// Where the records' `recording_url` points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecordingUrls {
    /// `/Accounts/…/record/…`, relative to `/v1` (what the real server sends).
    #[default]
    Relative,
    /// The same path as an absolute URL on the API host (`http://127.0.0.1:P/api/v1/Accounts/…`).
    AbsoluteSameHost,
    /// An absolute URL on a separate media host that needs no key (and must not get one).
    OtherHost,
}

/// Voxeme-specific knobs.
#[derive(Clone, Debug)]
pub struct VoxemeOptions {
    /// Requests per account in a one-minute window (Voxeme: 100).
    pub rate_limit_per_minute: u32,
    /// Requests per account in a one-hour window (Voxeme: 1000).
    pub rate_limit_per_hour: u32,
    /// How fast the live-calls clock runs relative to the wall clock (1.0 = real time).
    pub live_clock_speed: f64,
    pub recording_urls: RecordingUrls,
}

impl Default for VoxemeOptions {
    fn default() -> Self {
        VoxemeOptions {
            rate_limit_per_minute: 100,
            rate_limit_per_hour: 1000,
            live_clock_speed: 1.0,
            recording_urls: RecordingUrls::Relative,
        }
    }
}

/// A request the API listener received (the `Authorization` value is kept: tests check it).
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub method: String,
    /// The path without [`BASE_PATH`] (`/v1/Accounts/…`).
    pub path: String,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
}

impl SeenRequest {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A running Voxeme emulator. Dropping it stops its servers.
pub struct VoxemeEmulator {
    shared: Arc<Shared>,
    api_addr: SocketAddr,
    media_addr: Option<SocketAddr>,
    guard: ServerGuard,
}

/// Start the emulator with Voxeme's own defaults.
pub async fn start(opts: EmulatorOptions) -> std::io::Result<VoxemeEmulator> {
    start_with(opts, VoxemeOptions::default()).await
}

/// Start the emulator on the current tokio runtime.
pub async fn start_with(
    opts: EmulatorOptions,
    vopts: VoxemeOptions,
) -> std::io::Result<VoxemeEmulator> {
    let api_listener = ControlledListener::bind_local().await?;
    let api_addr = api_listener.addr()?;
    let media_listener = if vopts.recording_urls == RecordingUrls::OtherHost {
        Some(ControlledListener::bind_local().await?)
    } else {
        None
    };
    let media_addr = match &media_listener {
        Some(l) => Some(l.addr()?),
        None => None,
    };
    let shared = Arc::new(Shared::new(
        opts,
        vopts,
        format!("http://{api_addr}{BASE_PATH}"),
        media_addr.map(|a| format!("http://{a}")),
    ));
    let mut guard = ServerGuard::new();
    guard.spawn(
        api_listener,
        Router::new().fallback(api_entry).with_state(shared.clone()),
    );
    if let Some(l) = media_listener {
        guard.spawn(
            l,
            Router::new()
                .fallback(media_entry)
                .with_state(shared.clone()),
        );
    }
    Ok(VoxemeEmulator {
        shared,
        api_addr,
        media_addr,
        guard,
    })
}

impl VoxemeEmulator {
    /// e.g. `http://127.0.0.1:41234/api`; endpoints are `base_url() + "/v1/…"`.
    pub fn base_url(&self) -> String {
        format!("http://{}{BASE_PATH}", self.api_addr)
    }

    /// Origin of the media host ([`RecordingUrls::OtherHost`] only).
    pub fn media_base_url(&self) -> Option<String> {
        self.media_addr.map(|a| format!("http://{a}"))
    }

    /// A service-provider key: sees every account.
    pub fn api_key(&self) -> String {
        self.shared.sp_key.clone()
    }

    /// The key of account `i` (in [`Self::accounts`] order): sees only that account. Out of
    /// range: an empty string (answered 401).
    pub fn account_key(&self, i: usize) -> String {
        self.shared.account_keys.get(i).cloned().unwrap_or_default()
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The accounts as `GET /v1/Accounts` returns them to the service-provider key.
    pub fn accounts(&self) -> Vec<Value> {
        let s = &self.shared;
        s.accounts
            .iter()
            .map(|a| data::account_json(a, &s.sp_sid))
            .collect()
    }

    /// Every CDR of an account, newest attempt first, exactly as RecentCalls lists them.
    /// Unknown account: empty.
    pub fn calls(&self, account_sid: &str) -> Vec<Value> {
        let s = &self.shared;
        match s.account_index(account_sid) {
            Some(ai) => s.cdrs[ai].iter().map(|c| s.cdr_json(ai, c)).collect(),
            None => Vec::new(),
        }
    }

    /// The live calls of an account as `GET …/Calls` would answer now (newest first).
    pub fn live_calls(&self, account_sid: &str) -> Vec<Value> {
        let s = &self.shared;
        match s.account_index(account_sid) {
            Some(ai) => s.live(ai).iter().map(|c| c.json(&s.accounts[ai])).collect(),
            None => Vec::new(),
        }
    }

    /// Call sids whose `recording_url` is set but whose object is missing (404).
    pub fn missing_recordings(&self) -> Vec<String> {
        self.shared
            .cdrs
            .iter()
            .flatten()
            .filter(|c| c.recording_path.is_some() && c.recording_missing)
            .map(|c| c.call_sid.clone())
            .collect()
    }

    /// Every request the API listener received, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.shared.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Every request the media host received, in order.
    pub fn media_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.media_log).clone()
    }

    /// Move the live-calls clock forward (or back, with a negative `secs`).
    pub fn advance_live_clock(&self, secs: i64) {
        self.shared
            .live_offset_ms
            .fetch_add(secs.saturating_mul(1000), Ordering::SeqCst);
    }

    /// The live-calls clock now.
    pub fn live_clock(&self) -> DateTime<Utc> {
        let ms = (self.shared.live_secs() * 1000.0) as i64;
        DateTime::from_timestamp_millis(ms).unwrap_or_else(Utc::now)
    }

    /// Throttle recording downloads to `bytes_per_sec` (None: full speed).
    pub fn throttle_recordings(&self, bytes_per_sec: Option<u64>) {
        self.shared
            .throttle
            .store(bytes_per_sec.unwrap_or(0), Ordering::SeqCst);
    }

    pub fn options(&self) -> &EmulatorOptions {
        &self.shared.opts
    }

    /// Stop the servers (also done on drop).
    pub fn shutdown(&self) {
        self.guard.shutdown();
    }
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    ServiceProvider,
    Account(usize),
}

struct Shared {
    opts: EmulatorOptions,
    vopts: VoxemeOptions,
    sp_sid: String,
    accounts: Vec<Account>,
    cdrs: Vec<Vec<Cdr>>,
    by_sid: HashMap<String, (usize, usize)>,
    sp_key: String,
    account_keys: Vec<String>,
    faults: Faults,
    /// The two windows are separate limiters so that each answer can name the limit of the
    /// window it reports (the shared limiter always reports the per-minute one).
    per_minute: RateLimiter,
    per_hour: RateLimiter,
    log: Mutex<Vec<SeenRequest>>,
    media_log: Mutex<Vec<RecordedRequest>>,
    api_base: String,
    media_base: Option<String>,
    throttle: AtomicU64,
    live_origin_ms: u64,
    live_offset_ms: AtomicI64,
}

impl Shared {
    fn new(
        opts: EmulatorOptions,
        vopts: VoxemeOptions,
        api_base: String,
        media_base: Option<String>,
    ) -> Self {
        let (sp_sid, accounts, cdrs) = data::generate(opts.seed, opts.now);
        let mut by_sid = HashMap::new();
        for (ai, list) in cdrs.iter().enumerate() {
            for (ci, c) in list.iter().enumerate() {
                by_sid.insert(c.call_sid.clone(), (ai, ci));
            }
        }
        let mut rng = rng_for(opts.seed, "vx-keys", 0);
        let sp_key = uuid_v4(&mut rng);
        let account_keys = accounts.iter().map(|_| uuid_v4(&mut rng)).collect();
        Shared {
            per_minute: RateLimiter::new(vopts.rate_limit_per_minute, u32::MAX),
            per_hour: RateLimiter::new(u32::MAX, vopts.rate_limit_per_hour),
            opts,
            vopts,
            sp_sid,
            accounts,
            cdrs,
            by_sid,
            sp_key,
            account_keys,
            faults: Faults::default(),
            log: Mutex::new(Vec::new()),
            media_log: Mutex::new(Vec::new()),
            api_base,
            media_base,
            throttle: AtomicU64::new(0),
            live_origin_ms: unix_now_ms(),
            live_offset_ms: AtomicI64::new(0),
        }
    }

    fn account_index(&self, sid: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.sid == sid)
    }

    fn who(&self, key: &str) -> Option<Who> {
        if key == self.sp_key {
            return Some(Who::ServiceProvider);
        }
        self.account_keys
            .iter()
            .position(|k| k == key)
            .map(Who::Account)
    }

    /// Whose window a request counts in: Voxeme limits per account. An account key always acts
    /// as its own account (also when it is refused another account's sid: that account's
    /// budget is not spent); the service-provider key counts in the account of the path, and in
    /// a window of its own for `/v1/Accounts`.
    fn rate_key(&self, who: Who, segs: &[&str]) -> String {
        match (who, segs) {
            (Who::Account(i), _) => format!("account:{}", self.accounts[i].sid),
            (Who::ServiceProvider, ["v1", "Accounts", sid, ..]) => format!("account:{sid}"),
            (Who::ServiceProvider, _) => format!("key:{}", self.sp_key),
        }
    }

    /// Counts one request in the minute window, then the hour window, of `key`. The answer
    /// reports the window that binds: the exhausted one, else the one with fewer requests left,
    /// with that window's own limit.
    fn rate_check(&self, key: &str) -> RateDecision {
        let hourly = |r: RateInfo| RateInfo {
            limit: self.vopts.rate_limit_per_hour,
            ..r
        };
        let minute = match self.per_minute.check(key) {
            RateDecision::Allowed(r) => r,
            limited @ RateDecision::Limited(_) => return limited,
        };
        match self.per_hour.check(key) {
            RateDecision::Allowed(h) if h.remaining < minute.remaining => {
                RateDecision::Allowed(hourly(h))
            }
            RateDecision::Allowed(_) => RateDecision::Allowed(minute),
            RateDecision::Limited(h) => RateDecision::Limited(hourly(h)),
        }
    }

    fn live_secs(&self) -> f64 {
        let now = unix_now_ms() as f64;
        let origin = self.live_origin_ms as f64;
        let speed = if self.vopts.live_clock_speed.is_finite() {
            self.vopts.live_clock_speed.max(0.0)
        } else {
            1.0
        };
        let offset = self.live_offset_ms.load(Ordering::SeqCst) as f64;
        (origin + (now - origin) * speed + offset) / 1000.0
    }

    fn live(&self, ai: usize) -> Vec<live::LiveCall> {
        live::calls_at(self.opts.seed, ai, &self.accounts[ai], self.live_secs())
    }

    fn recording_url(&self, c: &Cdr) -> Option<String> {
        let path = c.recording_path.as_ref()?;
        Some(match self.vopts.recording_urls {
            RecordingUrls::Relative => path.clone(),
            RecordingUrls::AbsoluteSameHost => format!("{}/v1{path}", self.api_base),
            RecordingUrls::OtherHost => {
                let rest = path
                    .strip_prefix("/Accounts/")
                    .unwrap_or(path)
                    .replace("/RecentCalls/", "/")
                    .replace("/record/", "/");
                format!(
                    "{}{MEDIA_PREFIX}/{rest}?X-Amz-Expires=3600&X-Amz-Signature={}",
                    self.media_base.as_deref().unwrap_or(""),
                    &c.trace_id
                )
            }
        })
    }

    fn cdr_json(&self, ai: usize, c: &Cdr) -> Value {
        c.json(&self.accounts[ai], &self.sp_sid, self.recording_url(c))
    }
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

enum Reply {
    Json(StatusCode, Value),
    Text(StatusCode, &'static str),
    Unauthorized { invalid_token: bool },
    Audio(Response),
}

fn msg(status: StatusCode, m: &str) -> Reply {
    Reply::Json(status, json!({ "msg": m }))
}

fn fail(status: StatusCode, m: &str) -> Reply {
    Reply::Json(status, json!({"status": "fail", "message": m}))
}

fn not_found() -> Reply {
    Reply::Text(StatusCode::NOT_FOUND, "Not Found")
}

fn bad_request() -> Reply {
    Reply::Text(StatusCode::BAD_REQUEST, "Bad Request")
}

fn text_response(status: StatusCode, body: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h
}

fn rate_headers(h: &mut HeaderMap, r: &RateInfo) {
    // Seconds until the binding window resets (the IETF draft's meaning).
    let reset = r.retry_after_secs.max(1);
    h.insert("ratelimit-limit", HeaderValue::from(r.limit));
    h.insert("ratelimit-remaining", HeaderValue::from(r.remaining));
    h.insert("ratelimit-reset", HeaderValue::from(reset));
}

fn too_many(retry_after: u64, rate: &RateInfo) -> Response {
    let mut r = text_response(StatusCode::TOO_MANY_REQUESTS, TOO_MANY);
    rate_headers(r.headers_mut(), rate);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Decoded query parameters (form rules: `+` is a space), in order.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// First non-empty value of a parameter.
fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn positive_int(s: Option<&str>) -> Option<u64> {
    let s = s?;
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n >= 1)
}

const CALL_STATES: [&str; 9] = [
    "trying",
    "ringing",
    "early-media",
    "in-progress",
    "completed",
    "failed",
    "busy",
    "no-answer",
    "queued",
];

impl Shared {
    fn route(&self, who: Who, method: &Method, segs: &[&str], q: &[(String, String)]) -> Reply {
        if method != Method::GET && method != Method::HEAD {
            return not_found();
        }
        let ["v1", "Accounts", rest @ ..] = segs else {
            return not_found();
        };
        let Some((sid, rest)) = rest.split_first() else {
            let items: Vec<Value> = self
                .accounts
                .iter()
                .enumerate()
                .filter(|(ai, _)| who == Who::ServiceProvider || who == Who::Account(*ai))
                .map(|(_, a)| data::account_json(a, &self.sp_sid))
                .collect();
            return Reply::Json(StatusCode::OK, Value::Array(items));
        };
        // Known routes under an account, checked before the sid itself.
        let known = matches!(
            rest,
            [] | ["RecentCalls"]
                | ["Calls"]
                | ["Calls", _]
                | ["RecentCalls", _, "record", _, _, _, _]
        );
        if !known {
            return not_found();
        }
        if !is_uuid(sid) {
            return bad_request();
        }
        let ai = self.account_index(sid);
        if let Who::Account(own) = who
            && ai != Some(own)
        {
            return fail(StatusCode::FORBIDDEN, "insufficient privileges");
        }
        let Some(ai) = ai else {
            return not_found();
        };
        match rest {
            [] => Reply::Json(
                StatusCode::OK,
                data::account_json(&self.accounts[ai], &self.sp_sid),
            ),
            ["RecentCalls"] => self.recent_calls(ai, q),
            ["Calls"] => self.live_list(ai, q),
            ["Calls", call_sid] => {
                if !is_uuid(call_sid) {
                    return bad_request();
                }
                match self.live(ai).iter().find(|c| c.call_sid == *call_sid) {
                    Some(c) => Reply::Json(StatusCode::OK, c.json(&self.accounts[ai])),
                    None => not_found(),
                }
            }
            ["RecentCalls", call_sid, "record", y, m, d, fmt] => {
                let path = format!(
                    "/Accounts/{}/RecentCalls/{call_sid}/record/{y}/{m}/{d}/{fmt}",
                    self.accounts[ai].sid
                );
                self.recording(Some(ai), call_sid, &path, method == Method::HEAD)
            }
            _ => not_found(),
        }
    }

    fn recent_calls(&self, ai: usize, q: &[(String, String)]) -> Reply {
        let bad = |name: &str| {
            msg(
                StatusCode::BAD_REQUEST,
                &format!("missing or invalid \"{name}\" query arg"),
            )
        };
        let invalid = |name: &str| {
            msg(
                StatusCode::BAD_REQUEST,
                &format!("invalid \"{name}\" query arg"),
            )
        };
        let page_s = param(q, "page").unwrap_or("");
        let Some(page) = positive_int(Some(page_s)) else {
            return bad("page");
        };
        let count_s = param(q, "count").unwrap_or("");
        let Some(count) = positive_int(Some(count_s)).filter(|c| (25..=500).contains(c)) else {
            return bad("count");
        };
        let mut start = None;
        let mut end = None;
        if let Some(d) = param(q, "days") {
            match positive_int(Some(d)).filter(|d| *d <= 30) {
                Some(days) => start = Some(self.opts.now - TimeDelta::days(days as i64)),
                None => return invalid("days"),
            }
        } else {
            for name in ["start", "end"] {
                if let Some(v) = param(q, name) {
                    match parse_time(v) {
                        Some(t) if name == "start" => start = Some(t),
                        Some(t) => end = Some(t),
                        None => return invalid(name),
                    }
                }
            }
        }
        let answered = match param(q, "answered") {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return invalid("answered"),
        };
        let inbound = match param(q, "direction") {
            None => None,
            Some("inbound") => Some(true),
            Some("outbound") => Some(false),
            Some(_) => return invalid("direction"),
        };
        let filter = param(q, "filter");
        let trunk = param(q, "trunk");
        let matching: Vec<&Cdr> = self.cdrs[ai]
            .iter()
            .filter(|c| start.is_none_or(|s| c.attempted_at >= s))
            .filter(|c| end.is_none_or(|e| c.attempted_at <= e))
            .filter(|c| answered.is_none_or(|a| c.answered == a))
            .filter(|c| inbound.is_none_or(|i| c.inbound == i))
            .filter(|c| {
                filter.is_none_or(|f| c.from.contains(f) || c.to.contains(f) || c.call_sid == f)
            })
            .filter(|c| trunk.is_none_or(|t| c.trunk == t))
            .collect();
        let skip = usize::try_from((page - 1).saturating_mul(count)).unwrap_or(usize::MAX);
        let data: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(count as usize)
            .map(|c| self.cdr_json(ai, c))
            .collect();
        Reply::Json(
            StatusCode::OK,
            json!({
                "total": matching.len(),
                "page_size": count_s,
                "page": page_s,
                "data": data,
            }),
        )
    }

    fn live_list(&self, ai: usize, q: &[(String, String)]) -> Reply {
        let inbound = match param(q, "direction") {
            None => None,
            Some("inbound") => Some(true),
            Some("outbound") => Some(false),
            Some(_) => return msg(StatusCode::BAD_REQUEST, "invalid direction"),
        };
        let status = param(q, "callStatus");
        if status.is_some_and(|s| !CALL_STATES.contains(&s)) {
            return msg(StatusCode::BAD_REQUEST, "invalid callStatus");
        }
        let (from, to) = (param(q, "from"), param(q, "to"));
        let items: Vec<Value> = self
            .live(ai)
            .iter()
            .filter(|c| inbound.is_none_or(|i| c.inbound == i))
            .filter(|c| status.is_none_or(|s| c.status == s))
            .filter(|c| from.is_none_or(|f| c.from == f))
            .filter(|c| to.is_none_or(|t| c.to == t))
            .map(|c| c.json(&self.accounts[ai]))
            .collect();
        Reply::Json(StatusCode::OK, Value::Array(items))
    }

    /// The recording at `path` (relative to `/v1`), streamed without a length.
    fn recording(&self, ai: Option<usize>, call_sid: &str, path: &str, head: bool) -> Reply {
        let Some(&(cai, ci)) = self.by_sid.get(call_sid) else {
            return not_found();
        };
        if ai.is_some_and(|ai| ai != cai) {
            return not_found();
        }
        let c = &self.cdrs[cai][ci];
        let (Some(expected), Some(clip), Some(fmt)) =
            (&c.recording_path, c.clip, self.accounts[cai].spec.record)
        else {
            return not_found();
        };
        if expected != path || c.recording_missing {
            return not_found();
        }
        Reply::Audio(self.audio_response(clip, fmt, head))
    }

    fn audio_response(
        &self,
        clip: &'static super::recordings::Clip,
        fmt: RecordFormat,
        head: bool,
    ) -> Response {
        let source: Arc<dyn ByteSource> = super::recordings::source(clip);
        let len = source.byte_len();
        let throttle = Some(self.throttle.load(Ordering::SeqCst)).filter(|r| *r > 0);
        let body = if head || len == 0 {
            Body::empty()
        } else {
            // A stream without a size: hyper sends it with chunked transfer encoding.
            ranged_body(source, 0, len - 1, throttle)
        };
        let mut r = Response::new(body);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(fmt.content_type()),
        );
        r
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

fn status_fault(code: u16) -> Response {
    let status = StatusCode::from_u16(code)
        .ok()
        .filter(|s| s.is_client_error() || s.is_server_error())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reply = match status.as_u16() {
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
    };
    into_response(reply, None).0
}

/// The response and, for JSON answers, its body bytes (for the truncated-body fault).
fn into_response(reply: Reply, rate: Option<&RateInfo>) -> (Response, Option<Vec<u8>>) {
    let (mut resp, bytes) = match reply {
        Reply::Json(status, v) => {
            let bytes = json_bytes(&v);
            let mut r = Response::new(Body::from(bytes.clone()));
            *r.status_mut() = status;
            *r.headers_mut() = json_headers();
            (r, Some(bytes))
        }
        Reply::Text(status, text) => (text_response(status, text), None),
        Reply::Unauthorized { invalid_token } => {
            let mut r = text_response(StatusCode::UNAUTHORIZED, "Unauthorized");
            let v = if invalid_token {
                "Bearer realm=\"Users\", error=\"invalid_token\""
            } else {
                "Bearer realm=\"Users\""
            };
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(v));
            (r, None)
        }
        Reply::Audio(r) => (r, None),
    };
    if let Some(rate) = rate {
        rate_headers(resp.headers_mut(), rate);
    }
    (resp, bytes)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect()
}

async fn api_entry(State(st): State<Arc<Shared>>, req: Request) -> Response {
    let full_path = req.uri().path().to_string();
    let query = query_pairs(req.uri().query().unwrap_or(""));
    let method = req.method().clone();
    let path = match full_path.strip_prefix(BASE_PATH) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest.to_string(),
        _ => String::from("/<outside base path>"),
    };
    lock(&st.log).push(SeenRequest {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    });

    let conn = ConnHandle::of(&req);
    let mut truncate = false;
    let mut wrong_types = false;
    match st.faults.take() {
        None => {}
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        Some(Fault::RateLimited { retry_after_secs }) => {
            let rate = RateInfo {
                limit: st.vopts.rate_limit_per_minute,
                remaining: 0,
                reset_unix: unix_now_ms().div_ceil(1000) + retry_after_secs,
                retry_after_secs,
            };
            return too_many(retry_after_secs, &rate);
        }
        Some(Fault::Status(code)) => return status_fault(code),
        Some(Fault::ConnectionReset) => {
            if let Some(c) = &conn {
                c.kill();
            }
            return text_response(StatusCode::OK, "");
        }
        Some(Fault::MalformedJson) => {
            let mut r = Response::new(Body::from(
                r#"{"total": 212, "page_size": "25", "page": "1", "data": [{"attempted_at": "2026-03-18T14:22:00.000Z", "call_sid": "b6f48929-8e86"#
                    .to_string()
                    + r#"-4d62, "from": 1508308,, "answered": tru}]"#,
            ));
            *r.headers_mut() = json_headers();
            return r;
        }
        Some(Fault::TruncatedBody) => truncate = true,
        Some(Fault::WrongTypesRecord) => wrong_types = true,
    }

    let Some(key) = bearer(req.headers()) else {
        return into_response(
            Reply::Unauthorized {
                invalid_token: false,
            },
            None,
        )
        .0;
    };
    let Some(who) = st.who(&key) else {
        return into_response(
            Reply::Unauthorized {
                invalid_token: true,
            },
            None,
        )
        .0;
    };
    let segs = segments(&path);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let rate = match st.rate_check(&st.rate_key(who, &segs)) {
        RateDecision::Allowed(r) => r,
        RateDecision::Limited(r) => return too_many(r.retry_after_secs, &r),
    };
    let mut reply = st.route(who, &method, &segs, &query);
    if wrong_types && let Reply::Json(StatusCode::OK, body) = &mut reply {
        corrupt_record(body);
    }
    let (resp, bytes) = into_response(reply, Some(&rate));
    match (truncate, bytes) {
        (true, Some(bytes)) => {
            let (parts, _) = resp.into_parts();
            truncated_response(parts.status, parts.headers, bytes, conn)
        }
        (_, _) => resp,
    }
}

/// The media host ([`RecordingUrls::OtherHost`]): recordings without a key.
async fn media_entry(State(st): State<Arc<Shared>>, req: Request) -> Response {
    lock(&st.media_log).push(RecordedRequest::from_request(&req));
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return text_response(StatusCode::NOT_FOUND, "Not Found");
    }
    let segs = segments(req.uri().path());
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let reply = match segs.as_slice() {
        [p, account, call_sid, y, m, d, fmt] if format!("/{p}") == MEDIA_PREFIX => {
            let path =
                format!("/Accounts/{account}/RecentCalls/{call_sid}/record/{y}/{m}/{d}/{fmt}");
            st.recording(None, call_sid, &path, head)
        }
        _ => not_found(),
    };
    into_response(reply, None).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_within_retention() {
        let now: DateTime<Utc> = "2026-03-20T15:00:00Z".parse().unwrap();
        let (_, accounts, cdrs) = data::generate(7, now);
        assert_eq!(accounts.len(), 3);
        for list in &cdrs {
            assert!((150..=250).contains(&list.len()), "{}", list.len());
            assert!(
                list.windows(2)
                    .all(|w| w[0].attempted_at > w[1].attempted_at)
            );
            assert!(
                list.iter()
                    .all(|c| c.attempted_at > now - TimeDelta::days(30))
            );
            assert!(list.iter().all(|c| c.attempted_at < now));
        }
    }
}
