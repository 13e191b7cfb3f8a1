//! Emulator of the TalkPilot REST API (see `shared/providers/talkpilot.md`).
//!
//! Two listeners on 127.0.0.1: the API (`base_url()` = `http://127.0.0.1:P/functions/v1/api`,
//! every endpoint is `base_url() + "/v1/…"`) and a storage host serving signed
//! recording URLs (`/storage/v1/object/sign/recordings/{call_id}.wav?token=…&expires=…`).
//!
//! # Data (deterministic from `seed` and `now`)
//! - 3 agents, newest first: "Rezeption Bot" (de, +4930123456), "Front Desk Assistant"
//!   (en), "Accueil Cabinet" (fr). The first one is the German agent.
//! - [`CALLS_PER_AGENT`] (150) calls per agent over the 60 days before `now`, office hours.
//!   Per agent: 5 purged, 5 soft-deleted, 3 with very long transcripts (300–600 turns),
//!   3 with a transcript string that is not valid JSON (truncated, Python-repr, plain
//!   text), 2 with terminal-hostile text (ANSI escape in summary and transcript; bidi
//!   override U+202E in summary and a zero-width space in the transcript). These
//!   sets are disjoint; one of each kind is among the 20 newest calls.
//!   [`TalkPilotEmulator::call_facts`] tells which call is which.
//! - About 10% of callers are anonymous (`customer_name` null); a few callers call
//!   many times (same `phone_number`); ≈30% of recordings are stereo (agent left).
//!
//! # Query rules
//! - `from` / `to` are **exclusive**: `created_at > from` and `created_at < to`.
//!   Accepted forms: RFC 3339 (`2026-03-15T00:00:00Z`, offsets, fractions), a date-time
//!   without zone (taken as UTC), or a date (`2026-03-15` = midnight UTC).
//! - Query strings are decoded as forms: an unencoded `+` is a space (as on the real
//!   server), so `phone_number=+49…` must be sent as `%2B49…`.
//! - An empty value counts as absent; the first of repeated parameters wins; unknown
//!   parameters are ignored.
//! - `page` ≥ 1, `limit` 1..=100, `done`/`include_deleted` exactly `true`/`false`.
//! - The call detail endpoint takes the record `id` (uuid), not `call_id`.
//!
//! # Order of checks for a request
//! fault injection → `X-API-Key` (401) → rate limit (429) → route/method (404) →
//! permission (403) → agent visible to the key (404) → query validation (400) → call (404).
//! Rate-limit headers are on every answer to a valid key. Windows are per key and
//! start with the key's first request (fixed 60 s and 3600 s windows from then on).
//!
//! # Faults
//! Each API request (not `/v1/health`, not the storage host) takes at most one
//! queued fault, before any other check. `Latency` delays a normal answer;
//! `RateLimited` answers 429 + `Retry-After` + rate headers; `Status(n)` answers n in
//! the vendor shape (500 `INTERNAL_ERROR`, 502 `BAD_GATEWAY`, 503
//! `SERVICE_UNAVAILABLE`, 504 `GATEWAY_TIMEOUT`, 4xx with their codes; no
//! `Retry-After`); `ConnectionReset` closes the connection without sending a byte;
//! `TruncatedBody` sends the headers and about half of the normal body, then
//! closes; `MalformedJson` answers 200 with a broken JSON body; `WrongTypesRecord`
//! corrupts the normal 200 answer: in a list the middle item of `data` gets `id` as
//! a number, `duration: "abc"`, `done: "maybe"`, `created_at` as a number (agents:
//! `is_active: "maybe"`), a single record is corrupted the same way. Requests
//! answered by a fault do not count against the rate limit (`Latency` and
//! `WrongTypesRecord` requests do).

mod scripts;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc, Weekday,
};
use serde_json::{Value, json};

use self::scripts::{CALLBACK, FILLER_SLOTS, Line, Pack, R, SCENARIO_WEIGHTS, Slot};
use super::net::{
    ByteSource, ConnHandle, ControlledListener, ServerGuard, s3_error, serve_bytes,
    truncated_response,
};
use super::people::{self, Lang, Person};
use super::wav::{self, SpeechAudio, Voice};
use super::{
    EmulatorOptions, Fault, Faults, RateDecision, RateInfo, RateLimiter, UrlSigner, chance, hex,
    lock, mix64, pick, pick_weighted, rng_for, str_hash, unix_now_ms, uuid_v4,
};

pub use super::RecordedRequest;

/// Path prefix of the API on its listener (the Supabase edge-function path).
pub const BASE_PATH: &str = "/functions/v1/api";
/// Path prefix of signed objects on the storage host.
pub const STORAGE_SIGN_PREFIX: &str = "/storage/v1/object/sign/";
/// Calls generated per agent (including purged and deleted ones).
pub const CALLS_PER_AGENT: usize = 150;
/// Recordings are capped at 15 minutes even when the call was longer.
pub const MAX_AUDIO_SECS: u32 = 900;
/// Sample rate of the recordings.
pub const SAMPLE_RATE: u32 = 16_000;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// A running TalkPilot emulator. Dropping it stops both servers.
pub struct TalkPilotEmulator {
    shared: Arc<Shared>,
    api_addr: SocketAddr,
    storage_addr: SocketAddr,
    guard: ServerGuard,
}

/// What a test needs to know about one generated call.
#[derive(Clone, Debug)]
pub struct CallFacts {
    pub agent_id: String,
    /// The record id (used by the detail endpoint).
    pub id: String,
    /// The media server id (`lk_call_…`, used in the recording URL).
    pub call_id: String,
    pub created_at: DateTime<Utc>,
    /// Seconds, as in the API.
    pub duration: u32,
    /// Number of turns of the underlying conversation.
    pub transcript_turns: usize,
    pub is_purged: bool,
    pub is_deleted: bool,
    /// 300–600 turns.
    pub long_transcript: bool,
    /// The `transcript` string is not valid JSON.
    pub broken_transcript: bool,
    /// Summary/transcript contain an ANSI escape, a bidi override or a zero-width space.
    pub tricky_text: bool,
    /// The recording has two channels (agent left, caller right).
    pub stereo: bool,
    /// Size of the WAV file in bytes (recordings are capped at 15 minutes).
    pub recording_bytes: u64,
}

/// Start the emulator on the current tokio runtime.
pub async fn start(opts: EmulatorOptions) -> std::io::Result<TalkPilotEmulator> {
    let api_listener = ControlledListener::bind_local().await?;
    let storage_listener = ControlledListener::bind_local().await?;
    let api_addr = api_listener.addr()?;
    let storage_addr = storage_listener.addr()?;
    let shared = Arc::new(Shared::new(opts, format!("http://{storage_addr}")));
    let mut guard = ServerGuard::new();
    guard.spawn(
        api_listener,
        Router::new().fallback(api_entry).with_state(shared.clone()),
    );
    guard.spawn(
        storage_listener,
        Router::new()
            .fallback(storage_entry)
            .with_state(shared.clone()),
    );
    Ok(TalkPilotEmulator {
        shared,
        api_addr,
        storage_addr,
        guard,
    })
}

impl TalkPilotEmulator {
    /// e.g. `http://127.0.0.1:41234/functions/v1/api`; endpoints are `base_url() + "/v1/…"`.
    pub fn base_url(&self) -> String {
        format!("http://{}{BASE_PATH}", self.api_addr)
    }

    /// Origin of the storage host that serves signed recording URLs.
    pub fn storage_base_url(&self) -> String {
        format!("http://{}", self.storage_addr)
    }

    /// Full-permission key (`agents:read`, `calls:read`, all agents).
    pub fn api_key(&self) -> String {
        self.shared.key_names[0].clone()
    }

    /// Valid key with `agents:read` only.
    pub fn key_without_calls_read(&self) -> String {
        self.shared.key_names[1].clone()
    }

    /// Valid full-permission key that sees only the first agent (`agents()[0]`).
    pub fn key_limited_to_first_agent(&self) -> String {
        self.shared.key_names[2].clone()
    }

    /// Well-formed key that has expired (401).
    pub fn expired_key(&self) -> String {
        self.shared.key_names[3].clone()
    }

    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Every request the storage host received, in order.
    pub fn storage_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.storage_log).clone()
    }

    /// The agents as `GET /v1/agents` returns them (newest first).
    pub fn agents(&self) -> Vec<Value> {
        self.shared.agents.iter().map(agent_json).collect()
    }

    /// All list items of an agent (including deleted), newest first, exactly as the
    /// list endpoint returns them. Unknown agent: empty.
    pub fn calls(&self, agent_id: &str) -> Vec<Value> {
        match self.shared.agent_index(agent_id) {
            Some(ai) => self.shared.calls[ai].iter().map(call_list_json).collect(),
            None => Vec::new(),
        }
    }

    /// The detail answer for a call (with a freshly signed `audio_file_url`).
    pub fn call_detail(&self, agent_id: &str, id: &str) -> Option<Value> {
        let ai = self.shared.agent_index(agent_id)?;
        let c = self.shared.calls[ai].iter().find(|c| c.id == id)?;
        Some(self.shared.call_detail_json(c))
    }

    /// Facts about every generated call of every agent (agent order, newest first).
    pub fn call_facts(&self) -> Vec<CallFacts> {
        let s = &self.shared;
        s.calls
            .iter()
            .enumerate()
            .flat_map(|(ai, calls)| {
                calls.iter().map(move |c| CallFacts {
                    agent_id: s.agents[ai].id.clone(),
                    id: c.id.clone(),
                    call_id: c.call_id.clone(),
                    created_at: c.created_at,
                    duration: c.duration,
                    transcript_turns: c.turns,
                    is_purged: c.is_purged,
                    is_deleted: c.deleted_at.is_some(),
                    long_transcript: c.special == Special::Long,
                    broken_transcript: matches!(c.special, Special::Broken(_)),
                    tricky_text: matches!(c.special, Special::Ansi | Special::Bidi),
                    stereo: c.audio.channels == 2,
                    recording_bytes: c.audio.byte_len(),
                })
            })
            .collect()
    }

    /// Throttle recording downloads to `bytes_per_sec` (None: full speed).
    pub fn throttle_storage(&self, bytes_per_sec: Option<u64>) {
        self.shared
            .throttle
            .store(bytes_per_sec.unwrap_or(0), Ordering::SeqCst);
    }

    pub fn options(&self) -> &EmulatorOptions {
        &self.shared.opts
    }

    /// Stop both servers (also done on drop).
    pub fn shutdown(&self) {
        self.guard.shutdown();
    }
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

struct AgentRec {
    id: String,
    name: &'static str,
    phone: &'static str,
    lang: Lang,
    provider: &'static str,
    model: &'static str,
    voice: &'static str,
    created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    None,
    Long,
    Broken(u8),
    Purged,
    Deleted,
    Ansi,
    Bidi,
}

struct CallRec {
    id: String,
    agent_id: String,
    call_id: String,
    customer_name: Option<String>,
    customer_request: String,
    phone: String,
    duration: u32,
    done: bool,
    general_success: bool,
    final_score: u8,
    disconnection_reason: &'static str,
    call_summary: String,
    employee: Option<String>,
    note: Option<String>,
    is_purged: bool,
    deleted_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    transcript: String,
    turns: usize,
    special: Special,
    audio: Arc<SpeechAudio>,
}

struct KeyInfo {
    agents_read: bool,
    calls_read: bool,
    only_agent: Option<usize>,
    expired: bool,
}

struct Shared {
    opts: EmulatorOptions,
    agents: Vec<AgentRec>,
    calls: Vec<Vec<CallRec>>,
    by_call_id: HashMap<String, (usize, usize)>,
    keys: HashMap<String, KeyInfo>,
    key_names: [String; 4],
    faults: Faults,
    limiter: RateLimiter,
    signer: UrlSigner,
    storage_base: String,
    storage_log: Mutex<Vec<RecordedRequest>>,
    throttle: AtomicU64,
    req_counter: AtomicU64,
}

impl Shared {
    fn new(opts: EmulatorOptions, storage_base: String) -> Self {
        let (agents, calls) = generate(&opts);
        let mut by_call_id = HashMap::new();
        for (ai, list) in calls.iter().enumerate() {
            for (ci, c) in list.iter().enumerate() {
                by_call_id.insert(c.call_id.clone(), (ai, ci));
            }
        }
        let key_names: [String; 4] = std::array::from_fn(|i| {
            let mut rng = rng_for(opts.seed, "api-key", i as u64);
            format!("tp_live_{}", hex(&mut rng, 32))
        });
        let infos = [
            KeyInfo {
                agents_read: true,
                calls_read: true,
                only_agent: None,
                expired: false,
            },
            KeyInfo {
                agents_read: true,
                calls_read: false,
                only_agent: None,
                expired: false,
            },
            KeyInfo {
                agents_read: true,
                calls_read: true,
                only_agent: Some(0),
                expired: false,
            },
            KeyInfo {
                agents_read: true,
                calls_read: true,
                only_agent: None,
                expired: true,
            },
        ];
        let keys = key_names.iter().cloned().zip(infos).collect();
        Shared {
            limiter: RateLimiter::new(opts.rate_limit_per_minute, opts.rate_limit_per_hour),
            signer: UrlSigner::new(opts.seed),
            opts,
            agents,
            calls,
            by_call_id,
            keys,
            key_names,
            faults: Faults::default(),
            storage_base,
            storage_log: Mutex::new(Vec::new()),
            throttle: AtomicU64::new(0),
            req_counter: AtomicU64::new(0),
        }
    }

    fn agent_index(&self, id: &str) -> Option<usize> {
        self.agents.iter().position(|a| a.id == id)
    }

    fn request_id(&self) -> String {
        let n = self.req_counter.fetch_add(1, Ordering::Relaxed);
        let h = mix64(self.opts.seed ^ mix64(n) ^ unix_now_ms());
        format!("req_{:012x}", h & 0xffff_ffff_ffff)
    }

    fn signed_audio_url(&self, c: &CallRec) -> String {
        let object = format!("recordings/{}.wav", c.call_id);
        let q = self.signer.sign_query(&object, self.opts.signed_url_ttl);
        format!("{}{STORAGE_SIGN_PREFIX}{object}?{q}", self.storage_base)
    }

    fn call_detail_json(&self, c: &CallRec) -> Value {
        let mut v = call_list_json(c);
        if let Value::Object(m) = &mut v {
            m.insert("final_score".into(), json!(c.final_score));
            if c.is_purged {
                m.insert("transcript".into(), Value::Null);
                m.insert("audio_file_url".into(), Value::Null);
            } else {
                m.insert("transcript".into(), json!(c.transcript));
                m.insert("audio_file_url".into(), json!(self.signed_audio_url(c)));
            }
        }
        v
    }
}

fn ts(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn agent_json(a: &AgentRec) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "phone_number": a.phone,
        "is_active": true,
        "language": a.lang.code(),
        "llm_provider": a.provider,
        "llm_model": a.model,
        "voice_id": a.voice,
        "created_at": ts(&a.created_at),
    })
}

fn call_list_json(c: &CallRec) -> Value {
    json!({
        "id": c.id,
        "call_id": c.call_id,
        "customer_name": c.customer_name,
        "customer_request": c.customer_request,
        "phone_number": if c.is_purged { None } else { Some(&c.phone) },
        "duration": c.duration,
        "done": c.done,
        "general_success": c.general_success,
        "disconnection_reason": c.disconnection_reason,
        "call_summary": c.call_summary,
        "employee": c.employee,
        "note": c.note,
        "agent_id": c.agent_id,
        "is_purged": c.is_purged,
        "deleted_at": c.deleted_at.as_ref().map(ts),
        "created_at": ts(&c.created_at),
        "updated_at": ts(&c.updated_at),
    })
}

// ---------------------------------------------------------------------------
// API host
// ---------------------------------------------------------------------------

/// A JSON answer before it becomes a response.
struct Answer {
    status: StatusCode,
    body: Value,
    rate: Option<RateInfo>,
    retry_after: Option<u64>,
}

impl Answer {
    fn ok(body: Value, rate: RateInfo) -> Self {
        Answer {
            status: StatusCode::OK,
            body,
            rate: Some(rate),
            retry_after: None,
        }
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
    fn error(
        &self,
        status: StatusCode,
        code: &str,
        message: &str,
        details: Vec<Value>,
        rate: Option<RateInfo>,
    ) -> Answer {
        Answer {
            status,
            body: json!({"error": {
                "code": code,
                "message": message,
                "details": details,
                "request_id": self.request_id(),
            }}),
            rate,
            retry_after: None,
        }
    }

    fn rate_limited(&self, retry_after_secs: u64, rate: RateInfo) -> Answer {
        let mut a = self.error(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            &format!("Rate limit exceeded. Try again in {retry_after_secs} seconds."),
            vec![],
            Some(rate),
        );
        a.retry_after = Some(retry_after_secs);
        a
    }

    fn not_found(&self, message: &str, rate: Option<RateInfo>) -> Answer {
        self.error(StatusCode::NOT_FOUND, "NOT_FOUND", message, vec![], rate)
    }

    /// Authenticate, rate-limit, route and answer one API request.
    fn answer(&self, method: &Method, segs: &[String], query: &str, headers: &HeaderMap) -> Answer {
        let key = headers
            .get("x-api-key")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .unwrap_or_default();
        if key.is_empty() {
            return self.error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Missing API key. Provide it in the X-API-Key header.",
                vec![],
                None,
            );
        }
        let Some(info) = self.keys.get(&key) else {
            return self.error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Invalid API key",
                vec![],
                None,
            );
        };
        if info.expired {
            return self.error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "API key has expired",
                vec![],
                None,
            );
        }
        let rate = match self.limiter.check(&key) {
            RateDecision::Allowed(r) => r,
            RateDecision::Limited(r) => return self.rate_limited(r.retry_after_secs, r),
        };
        if method != Method::GET && method != Method::HEAD {
            return self.not_found("Route not found", Some(rate));
        }
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let forbidden = |perm: &str| {
            self.error(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                &format!("API key lacks required permission: {perm}"),
                vec![],
                Some(rate),
            )
        };
        let visible_agent = |id: &str| {
            self.agent_index(id)
                .filter(|ai| info.only_agent.is_none_or(|only| only == *ai))
        };
        match segs.as_slice() {
            ["v1", "agents"] => {
                if !info.agents_read {
                    return forbidden("agents:read");
                }
                let params = match parse_list_params(query, false) {
                    Ok(p) => p,
                    Err(details) => return self.validation_error(details, rate),
                };
                let items: Vec<Value> = self
                    .agents
                    .iter()
                    .enumerate()
                    .filter(|(ai, _)| info.only_agent.is_none_or(|only| only == *ai))
                    .map(|(_, a)| agent_json(a))
                    .collect();
                Answer::ok(paginate(items, &params), rate)
            }
            ["v1", "agents", agent_id] => {
                if !info.agents_read {
                    return forbidden("agents:read");
                }
                match visible_agent(agent_id) {
                    Some(ai) => Answer::ok(agent_json(&self.agents[ai]), rate),
                    None => self.not_found("Agent not found", Some(rate)),
                }
            }
            ["v1", "agents", agent_id, "calls"] => {
                if !info.calls_read {
                    return forbidden("calls:read");
                }
                let Some(ai) = visible_agent(agent_id) else {
                    return self.not_found("Agent not found", Some(rate));
                };
                let params = match parse_list_params(query, true) {
                    Ok(p) => p,
                    Err(details) => return self.validation_error(details, rate),
                };
                let items: Vec<Value> = self.calls[ai]
                    .iter()
                    .filter(|c| params.matches(c))
                    .map(call_list_json)
                    .collect();
                Answer::ok(paginate(items, &params), rate)
            }
            ["v1", "agents", agent_id, "calls", call_id] => {
                if !info.calls_read {
                    return forbidden("calls:read");
                }
                let Some(ai) = visible_agent(agent_id) else {
                    return self.not_found("Agent not found", Some(rate));
                };
                match self.calls[ai].iter().find(|c| c.id == *call_id) {
                    Some(c) => Answer::ok(self.call_detail_json(c), rate),
                    None => self.not_found("Call not found", Some(rate)),
                }
            }
            _ => self.not_found("Route not found", Some(rate)),
        }
    }

    fn validation_error(&self, details: Vec<Value>, rate: RateInfo) -> Answer {
        self.error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "Invalid query parameters",
            details,
            Some(rate),
        )
    }
}

struct ListParams {
    page: u64,
    limit: u64,
    done: Option<bool>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    phone_number: Option<String>,
    search: Option<String>,
    include_deleted: bool,
}

impl ListParams {
    fn matches(&self, c: &CallRec) -> bool {
        if c.deleted_at.is_some() && !self.include_deleted {
            return false;
        }
        if self.done.is_some_and(|d| d != c.done) {
            return false;
        }
        if self.from.is_some_and(|f| c.created_at <= f) {
            return false;
        }
        if self.to.is_some_and(|t| c.created_at >= t) {
            return false;
        }
        if let Some(p) = &self.phone_number
            && (c.is_purged || &c.phone != p)
        {
            return false;
        }
        if let Some(s) = &self.search {
            let needle = s.to_lowercase();
            let in_name = c
                .customer_name
                .as_ref()
                .is_some_and(|n| n.to_lowercase().contains(&needle));
            let in_phone = !c.is_purged && c.phone.to_lowercase().contains(&needle);
            let in_summary = c.call_summary.to_lowercase().contains(&needle);
            if !(in_name || in_phone || in_summary) {
                return false;
            }
        }
        true
    }
}

fn field_error(field: &str, message: &str) -> Value {
    json!({"field": field, "message": message})
}

/// Parse an ISO 8601 date-time (see the module docs for the accepted forms).
fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
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
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn parse_list_params(query: &str, for_calls: bool) -> Result<ListParams, Vec<Value>> {
    let mut first: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        first
            .entry(k.into_owned())
            .or_insert_with(|| v.into_owned());
    }
    let get = |k: &str| first.get(k).filter(|v| !v.is_empty()).cloned();
    let mut errors = Vec::new();
    let mut params = ListParams {
        page: 1,
        limit: 20,
        done: None,
        from: None,
        to: None,
        phone_number: None,
        search: None,
        include_deleted: false,
    };
    if let Some(v) = get("page") {
        match v.parse::<u64>() {
            Ok(p) if p >= 1 => params.page = p,
            _ => errors.push(field_error(
                "page",
                "page must be an integer greater than or equal to 1",
            )),
        }
    }
    if let Some(v) = get("limit") {
        match v.parse::<u64>() {
            Ok(l) if (1..=100).contains(&l) => params.limit = l,
            _ => errors.push(field_error(
                "limit",
                "limit must be an integer between 1 and 100",
            )),
        }
    }
    if for_calls {
        let boolean = |name: &str, errors: &mut Vec<Value>| -> Option<bool> {
            match get(name).as_deref() {
                None => None,
                Some("true") => Some(true),
                Some("false") => Some(false),
                Some(_) => {
                    errors.push(field_error(name, &format!("{name} must be true or false")));
                    None
                }
            }
        };
        params.done = boolean("done", &mut errors);
        params.include_deleted = boolean("include_deleted", &mut errors).unwrap_or(false);
        for name in ["from", "to"] {
            if let Some(v) = get(name) {
                match parse_datetime(&v) {
                    Some(d) if name == "from" => params.from = Some(d),
                    Some(d) => params.to = Some(d),
                    None => errors.push(field_error(
                        name,
                        &format!(
                            "{name} must be an ISO 8601 date-time (e.g. 2026-03-15T00:00:00Z)"
                        ),
                    )),
                }
            }
        }
        params.phone_number = get("phone_number");
        params.search = get("search");
    }
    if errors.is_empty() {
        Ok(params)
    } else {
        Err(errors)
    }
}

fn paginate(items: Vec<Value>, p: &ListParams) -> Value {
    let total = items.len() as u64;
    let pages = total.div_ceil(p.limit);
    let start = (p.page - 1).saturating_mul(p.limit);
    let data: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(p.limit as usize)
        .collect();
    json!({
        "data": data,
        "pagination": {"page": p.page, "limit": p.limit, "total": total, "pages": pages},
    })
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

fn build_response(a: Answer) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(r) = a.rate {
        headers.insert("x-ratelimit-limit", HeaderValue::from(r.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(r.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(r.reset_unix));
    }
    if let Some(s) = a.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
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

enum PostFault {
    None,
    Truncate,
    WrongTypes,
}

async fn api_entry(State(st): State<Arc<Shared>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();
    let segs: Vec<String> = match path.strip_prefix(BASE_PATH) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            })
            .collect(),
        _ => vec!["<outside base path>".to_string()],
    };
    if (method == Method::GET || method == Method::HEAD) && segs == ["v1", "health"] {
        let body = json!({
            "status": "ok",
            "version": "1.0.0",
            "timestamp": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        });
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        return into_response(
            StatusCode::OK,
            headers,
            serde_json::to_vec(&body).unwrap_or_default(),
        );
    }

    let conn = ConnHandle::of(&req);
    let mut post = PostFault::None;
    match st.faults.take() {
        None => {}
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        Some(Fault::RateLimited { retry_after_secs }) => {
            let rate = RateInfo {
                limit: st.opts.rate_limit_per_minute,
                remaining: 0,
                reset_unix: unix_now_ms().div_ceil(1000) + retry_after_secs,
                retry_after_secs,
            };
            let (s, h, b) = build_response(st.rate_limited(retry_after_secs, rate));
            return into_response(s, h, b);
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code)
                .ok()
                .filter(|s| s.is_client_error() || s.is_server_error())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let (code, message) = error_code_for(status.as_u16());
            let (s, h, b) = build_response(st.error(status, code, message, vec![], None));
            return into_response(s, h, b);
        }
        Some(Fault::ConnectionReset) => {
            if let Some(c) = &conn {
                c.kill();
            }
            return into_response(StatusCode::OK, HeaderMap::new(), Vec::new());
        }
        Some(Fault::MalformedJson) => {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            let body =
                br#"{"data":[{"id":"3f6c2a9e-0b1d-4e5f-9a7b-2c8d1e0f4a6b","call_id":"lk_call_""#
                    .iter()
                    .chain(br#"7f3a},{"id":,"customer_name":"Hans Meier"]]}"#.iter())
                    .copied()
                    .collect();
            return into_response(StatusCode::OK, headers, body);
        }
        Some(Fault::TruncatedBody) => post = PostFault::Truncate,
        Some(Fault::WrongTypesRecord) => post = PostFault::WrongTypes,
    }

    let mut answer = st.answer(&method, &segs, &query, req.headers());
    if matches!(post, PostFault::WrongTypes) && answer.status == StatusCode::OK {
        corrupt_record(&mut answer.body);
    }
    let (status, headers, body) = build_response(answer);
    match post {
        PostFault::Truncate => truncated_response(status, headers, body, conn),
        _ => into_response(status, headers, body),
    }
}

// ---------------------------------------------------------------------------
// Storage host
// ---------------------------------------------------------------------------

async fn storage_entry(State(st): State<Arc<Shared>>, req: Request) -> Response {
    lock(&st.storage_log).push(RecordedRequest::from_request(&req));
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return s3_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            &[],
            None,
        );
    }
    let no_such_key = || {
        s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
            &[],
            None,
        )
    };
    let Some(object) = req.uri().path().strip_prefix(STORAGE_SIGN_PREFIX) else {
        return no_such_key();
    };
    let mut token = None;
    let mut expires = None;
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "token" if token.is_none() => token = Some(v.into_owned()),
            "expires" if expires.is_none() => expires = Some(v.into_owned()),
            _ => {}
        }
    }
    let (Some(token), Some(expires)) = (token, expires) else {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Query-string authentication requires the token and expires parameters",
            &[],
            None,
        );
    };
    let Ok(expires) = expires.parse::<u64>() else {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Invalid expires parameter",
            &[],
            None,
        );
    };
    if !st.signer.verify(object, expires, &token) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            &[],
            None,
        );
    }
    let now_ms = unix_now_ms();
    if now_ms >= expires.saturating_mul(1000) {
        let fmt = |secs: u64| {
            DateTime::<Utc>::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
                .map(|d| ts(&d))
                .unwrap_or_default()
        };
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
            &[
                ("Expires", &fmt(expires)),
                ("ServerTime", &fmt(now_ms / 1000)),
            ],
            None,
        );
    }
    let call_id = object
        .strip_prefix("recordings/")
        .and_then(|o| o.strip_suffix(".wav"))
        .unwrap_or("");
    let Some(&(ai, ci)) = st.by_call_id.get(call_id) else {
        return no_such_key();
    };
    let call = &st.calls[ai][ci];
    if call.is_purged {
        return no_such_key();
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let throttle = Some(st.throttle.load(Ordering::SeqCst)).filter(|r| *r > 0);
    let source: Arc<dyn ByteSource> = call.audio.clone();
    serve_bytes(
        source,
        "audio/wav",
        &format!("{:016x}", str_hash(&call.call_id)),
        range.as_deref(),
        head,
        throttle,
    )
}

// ---------------------------------------------------------------------------
// Data generation
// ---------------------------------------------------------------------------

struct AgentSpec {
    name: &'static str,
    phone: &'static str,
    lang: Lang,
    provider: &'static str,
    model: &'static str,
    voice: &'static str,
    age_days: u64,
    pitch: f64,
    /// Offset of the practice's local time from UTC (office hours are local).
    tz_hours: i64,
}

const AGENT_SPECS: [AgentSpec; 3] = [
    AgentSpec {
        name: "Rezeption Bot",
        phone: "+4930123456",
        lang: Lang::De,
        provider: "openai",
        model: "gpt-4o",
        voice: "sarah",
        age_days: 96,
        pitch: 205.0,
        tz_hours: 1,
    },
    AgentSpec {
        name: "Front Desk Assistant",
        phone: "+442079460123",
        lang: Lang::En,
        provider: "anthropic",
        model: "claude-3-5-sonnet",
        voice: "emma",
        age_days: 181,
        pitch: 190.0,
        tz_hours: 0,
    },
    AgentSpec {
        name: "Accueil Cabinet",
        phone: "+33199001234",
        lang: Lang::Fr,
        provider: "mistral",
        model: "mistral-large-latest",
        voice: "amelie",
        age_days: 268,
        pitch: 215.0,
        tz_hours: 1,
    },
];

struct Caller {
    person: Option<Person>,
    phone: String,
    pitch: f64,
}

/// Callers that call often (picked for ~35% of calls).
const FREQUENT_CALLERS: usize = 8;
const CALLERS_PER_AGENT: usize = 95;

fn make_callers(seed: u64, ai: usize, lang: Lang) -> Vec<Caller> {
    let mut rng = rng_for(seed, "callers", ai as u64);
    let forced: &[(&str, &str, bool)] = match lang {
        Lang::De => &[("Jürgen", "Müller", false), ("Käthe", "Weiß", true)],
        Lang::En => &[("Zoë", "Clarke", true), ("Seán", "O'Connor", false)],
        Lang::Fr => &[("Renée", "Lefèvre", true), ("François", "Dubois", false)],
    };
    let mut phones = HashSet::new();
    let mut out = Vec::with_capacity(CALLERS_PER_AGENT);
    for i in 0..CALLERS_PER_AGENT {
        let person = if let Some((f, l, female)) = forced.get(i) {
            Some(Person {
                first: (*f).to_string(),
                last: (*l).to_string(),
                female: *female,
            })
        } else if i == forced.len() || (i > FREQUENT_CALLERS && chance(&mut rng, 0.1)) {
            // One frequent caller and ~10% of the others never give a name.
            None
        } else {
            Some(people::random_person(&mut rng, lang))
        };
        let mut phone = people::random_phone(&mut rng, lang);
        while !phones.insert(phone.clone()) {
            phone = people::random_phone(&mut rng, lang);
        }
        let female = person.as_ref().map_or_else(|| rng.bool(), |p| p.female);
        let pitch = if female {
            175.0 + rng.f64() * 60.0
        } else {
            95.0 + rng.f64() * 50.0
        };
        out.push(Caller {
            person,
            phone,
            pitch,
        });
    }
    out
}

/// Unique call start times at office hours (local), newest first.
fn make_times(seed: u64, ai: usize, now: DateTime<Utc>, tz_hours: i64) -> Vec<DateTime<Utc>> {
    let mut rng = rng_for(seed, "times", ai as u64);
    const HOURS: [u32; 10] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
    const WEIGHTS: [u32; 10] = [10, 16, 16, 14, 8, 6, 10, 10, 8, 5];
    let tz = TimeDelta::hours(tz_hours);
    let local_today = (now + tz).date_naive();
    let earliest = now - TimeDelta::days(60);
    let latest = now - TimeDelta::minutes(5);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(CALLS_PER_AGENT);
    let mut attempts = 0u32;
    while out.len() < CALLS_PER_AGENT && attempts < 1_000_000 {
        attempts += 1;
        let Some(day) = local_today.checked_sub_days(Days::new(rng.u64(0..61))) else {
            continue;
        };
        let keep = match day.weekday() {
            Weekday::Sat => 0.2,
            Weekday::Sun => 0.03,
            _ => 1.0,
        };
        if !chance(&mut rng, keep) {
            continue;
        }
        let hour = HOURS[pick_weighted(&mut rng, &WEIGHTS)];
        let Some(local) = day.and_hms_opt(hour, rng.u32(0..60), rng.u32(0..60)) else {
            continue;
        };
        let utc = local.and_utc() - tz;
        if utc <= earliest || utc >= latest || !seen.insert(utc) {
            continue;
        }
        out.push(utc);
    }
    out.sort_by(|a, b| b.cmp(a));
    out
}

/// Placeholder values for one conversation (or one topic of a long one).
struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.as_str())
    }
}

fn fill(tpl: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(tpl.len() + 24);
    let mut rest = tpl;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let key = &after[..end];
                match vars.get(key) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn shift_business_days(d: NaiveDate, n: u64, forward: bool) -> NaiveDate {
    let mut d = d;
    let mut k = 0;
    let mut guard = 0;
    while k < n && guard < 100 {
        guard += 1;
        let next = if forward {
            d.checked_add_days(Days::new(1))
        } else {
            d.checked_sub_days(Days::new(1))
        };
        let Some(next) = next else { break };
        d = next;
        if !is_weekend(d) {
            k += 1;
        }
    }
    d
}

fn make_vars(
    rng: &mut fastrand::Rng,
    lang: Lang,
    pack: &Pack,
    local_day: NaiveDate,
    caller: Option<&Person>,
    emp: &str,
) -> Vars {
    let date = shift_business_days(local_day, rng.u64(1..=15), true);
    let date2 = shift_business_days(date, rng.u64(1..=3), true);
    let old_date = shift_business_days(local_day, rng.u64(1..=8), true);
    let past_date = shift_business_days(local_day, rng.u64(3..=9), false);
    let time = |rng: &mut fastrand::Rng| {
        people::spoken_time(lang, rng.u32(8..17), [0, 15, 30, 45][rng.usize(..4)])
    };
    let dob = NaiveDate::from_ymd_opt(rng.i32(1936..2007), rng.u32(1..=12), rng.u32(1..=28))
        .unwrap_or(local_day);
    let (full, hn, ne, caller_s) = match caller {
        Some(p) => (
            p.full(),
            format!(", {}", p.honorific(lang)),
            if p.female { "née" } else { "né" },
            p.full(),
        ),
        None => (
            String::new(),
            String::new(),
            "né",
            pack.anon_caller.to_string(),
        ),
    };
    Vars(vec![
        ("caller", caller_s),
        ("full", full),
        (", hn", hn),
        ("ne", ne.to_string()),
        ("dob", people::birth_date(lang, dob)),
        ("date", people::spoken_date(lang, date)),
        ("time", time(rng)),
        ("date2", people::spoken_date(lang, date2)),
        ("time2", time(rng)),
        ("old_date", people::spoken_date(lang, old_date)),
        ("past_date", people::spoken_date(lang, past_date)),
        ("inv", rng.u32(1000..99_999).to_string()),
        (
            "amount",
            people::money(lang, rng.u32(15..250) * 100 + [0, 50, 90][rng.usize(..3)]),
        ),
        ("med", pick(rng, pack.meds).to_string()),
        ("ins", pick(rng, pack.insurers).to_string()),
        ("doc", pick(rng, pack.doctors).to_string()),
        ("practice", pack.practice.to_string()),
        ("emp", emp.to_string()),
        ("complaint", pick(rng, pack.complaints).to_string()),
    ])
}

type Turn = (R, String);

fn pick_str(rng: &mut fastrand::Rng, items: &[&'static str]) -> &'static str {
    items[rng.usize(..items.len())]
}

fn push_lines(turns: &mut Vec<Turn>, lines: &[Line], vars: &Vars) {
    turns.extend(lines.iter().map(|(r, t)| (*r, fill(t, vars))));
}

/// Insert filler exchanges where they fit (see [`scripts::Slot`]) between `lo`
/// and `hi` (the start of the goodbye) until `turns` has `target` turns. Each
/// filler is used at most once per call unless all have been used.
#[allow(clippy::too_many_arguments)]
fn add_fillers(
    rng: &mut fastrand::Rng,
    turns: &mut Vec<Turn>,
    pack: &Pack,
    vars: &Vars,
    lo: usize,
    mut hi: usize,
    target: usize,
    used: &mut Vec<usize>,
) {
    // Turns inserted here (a filler is never split by another one).
    let mut inserted = vec![false; turns.len()];
    let mut guard = 0;
    while turns.len() < target && guard < 400 {
        guard += 1;
        if used.len() >= pack.fillers.len() {
            used.clear();
        }
        let fi = rng.usize(..pack.fillers.len());
        if used.contains(&fi) {
            continue;
        }
        let hi_c = hi.min(turns.len());
        let pos = match FILLER_SLOTS[fi] {
            Slot::BeforeEnd => Some(hi_c),
            Slot::AfterAgent => {
                let spots: Vec<usize> = (lo.max(1)..hi_c)
                    .filter(|&i| !inserted[i - 1] && !inserted[i])
                    .filter(|&i| turns[i - 1].0 == R::A && turns[i].0 == R::U)
                    .collect();
                (!spots.is_empty()).then(|| spots[rng.usize(..spots.len())])
            }
            Slot::AfterUser => {
                let spots: Vec<usize> = (lo.max(1)..hi_c)
                    .filter(|&i| !inserted[i - 1] && !inserted[i])
                    .filter(|&i| turns[i - 1].0 == R::U && turns[i].0 == R::A)
                    .collect();
                (!spots.is_empty()).then(|| spots[rng.usize(..spots.len())])
            }
        };
        let Some(pos) = pos else {
            continue;
        };
        used.push(fi);
        let lines: Vec<Turn> = pack.fillers[fi]
            .iter()
            .map(|(r, t)| (*r, fill(t, vars)))
            .collect();
        let n = lines.len();
        turns.splice(pos..pos, lines);
        inserted.splice(pos..pos, std::iter::repeat_n(true, n));
        hi += n;
    }
}

/// "Hallo, ich bräuchte …" → "Ich bräuchte …" (for a second topic in one call).
fn strip_greeting(s: &str) -> String {
    const PREFIXES: [&str; 9] = [
        "Ja, guten Tag, ",
        "Guten Tag, ",
        "Hallo, ",
        "Hi there, ",
        "Hi, ",
        "Hello, ",
        "Oui bonjour, ",
        "Bonjour, ",
        "Oui, ",
    ];
    for p in PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                // Keep "I" and names capitalised; lower-case nothing, upper-case the first.
                return c.to_uppercase().chain(chars).collect();
            }
        }
    }
    s.to_string()
}

struct Conversation {
    turns: Vec<Turn>,
    request: String,
    summary: String,
    success: bool,
    disconnection: &'static str,
}

fn role_name(r: R) -> &'static str {
    match r {
        R::A => "agent",
        R::U => "user",
    }
}

/// A normal conversation of about 6–40 turns.
fn normal_conversation(
    rng: &mut fastrand::Rng,
    pack: &Pack,
    vars: &Vars,
    named: bool,
) -> Conversation {
    let sc_idx = pick_weighted(rng, &SCENARIO_WEIGHTS);
    let sc = &pack.scenarios[sc_idx];
    let short = chance(rng, 0.07);
    let success = !short && chance(rng, if sc_idx == CALLBACK { 0.6 } else { 0.8 });
    let disconnection = if short {
        "user_hangup"
    } else if sc_idx == CALLBACK && success {
        "call_transfer"
    } else {
        ["user_hangup", "agent_hangup", "call_transfer"][pick_weighted(rng, &[62, 25, 13])]
    };

    let mut turns: Vec<Turn> = Vec::new();
    let mut used = Vec::new();
    turns.push((R::A, fill(pick_str(rng, pack.greetings), vars)));
    turns.push((R::U, fill(pick_str(rng, sc.openings), vars)));
    if sc.needs_id {
        push_lines(
            &mut turns,
            if named {
                pack.ident_named
            } else {
                pack.ident_anon
            },
            vars,
        );
    }
    let body_start = turns.len();
    if short {
        push_lines(&mut turns, &sc.core[..sc.core.len().min(2)], vars);
        push_lines(&mut turns, pack.end_user_abrupt, vars);
    } else {
        push_lines(&mut turns, sc.core, vars);
        push_lines(&mut turns, if success { sc.ok } else { sc.fail }, vars);
        let ending = match disconnection {
            "call_transfer" => pack.end_transfer,
            "agent_hangup" => pack.end_agent_hangup,
            _ if !success && chance(rng, 0.5) => pack.end_user_abrupt,
            _ => pack.end_user_hangup,
        };
        let body_end = turns.len();
        push_lines(&mut turns, ending, vars);
        let target = 6 + (rng.f64().powf(1.7) * 34.0) as usize;
        add_fillers(
            rng, &mut turns, pack, vars, body_start, body_end, target, &mut used,
        );
    }
    if turns.len() < 6 {
        let end = turns.len() - 1;
        add_fillers(rng, &mut turns, pack, vars, body_start, end, 6, &mut used);
    }

    let mut summary = vec![fill(pick_str(rng, sc.summary), vars)];
    if short {
        summary.push(
            match pack.anon_caller {
                "Ein anonymer Anrufer" => "Anrufer legte auf, bevor das Anliegen geklärt war.",
                "Un appelant anonyme" => "L'appelant a raccroché avant la fin de la demande.",
                _ => "Caller hung up before the request was resolved.",
            }
            .to_string(),
        );
    } else if chance(rng, 0.9) {
        let s = if success {
            sc.summary_ok
        } else {
            sc.summary_fail
        };
        summary.push(fill(pick_str(rng, s), vars));
    }
    if disconnection == "call_transfer" && sc_idx != CALLBACK {
        summary.push(fill(pack.transfer_summary, vars));
    }
    Conversation {
        turns,
        request: fill(pick_str(rng, sc.requests), vars),
        summary: summary.join(" "),
        success,
        disconnection,
    }
}

/// A very long conversation (300–600 turns) about many topics.
fn long_conversation(
    rng: &mut fastrand::Rng,
    lang: Lang,
    pack: &Pack,
    local_day: NaiveDate,
    caller: Option<&Person>,
    emp: &str,
) -> Conversation {
    // A topic block adds at most ~35 turns and the goodbye 3, so this stays within 300–600.
    let target = rng.usize(300..=550);
    let first_vars = make_vars(rng, lang, pack, local_day, caller, emp);
    let mut turns: Vec<Turn> = vec![(R::A, fill(pick_str(rng, pack.greetings), &first_vars))];
    let mut topics: Vec<&str> = Vec::new();
    let mut first = true;
    let mut used = Vec::new();
    while turns.len() < target {
        let sc_idx = pick_weighted(rng, &SCENARIO_WEIGHTS[..CALLBACK]);
        let sc = &pack.scenarios[sc_idx];
        let vars = if first {
            Vars(first_vars.0.clone())
        } else {
            make_vars(rng, lang, pack, local_day, caller, emp)
        };
        if !first {
            turns.push((R::U, pick(rng, pack.more_topics).to_string()));
        }
        let opening = fill(pick_str(rng, sc.openings), &vars);
        turns.push((
            R::U,
            if first {
                opening
            } else {
                strip_greeting(&opening)
            },
        ));
        if first && sc.needs_id {
            push_lines(
                &mut turns,
                if caller.is_some() {
                    pack.ident_named
                } else {
                    pack.ident_anon
                },
                &vars,
            );
        }
        let start = turns.len();
        push_lines(&mut turns, sc.core, &vars);
        push_lines(
            &mut turns,
            if chance(rng, 0.85) { sc.ok } else { sc.fail },
            &vars,
        );
        let end = turns.len();
        let extra = turns.len() + rng.usize(0..=6);
        add_fillers(rng, &mut turns, pack, &vars, start, end, extra, &mut used);
        if !topics.contains(&sc.topic) {
            topics.push(sc.topic);
        }
        first = false;
    }
    push_lines(&mut turns, pack.end_agent_hangup, &first_vars);
    let topic_list = topics.join(", ");
    let mut vars = first_vars;
    vars.0.push(("topics", topic_list));
    Conversation {
        turns,
        request: pack.long_request.to_string(),
        summary: format!(
            "{} {}",
            fill(pack.long_summary, &vars),
            fill(pack.long_summary2, &vars)
        ),
        success: true,
        disconnection: "agent_hangup",
    }
}

fn transcript_json(turns: &[Turn]) -> String {
    let items: Vec<Value> = turns
        .iter()
        .map(|(r, t)| json!({"role": role_name(*r), "text": t}))
        .collect();
    serde_json::to_string(&items).unwrap_or_default()
}

/// A transcript string that is not valid JSON.
fn broken_transcript(kind: u8, json_text: &str, turns: &[Turn]) -> String {
    match kind {
        0 => {
            let mut cut = json_text.len() * 3 / 5;
            while cut > 0 && !json_text.is_char_boundary(cut) {
                cut -= 1;
            }
            json_text[..cut].to_string()
        }
        1 => {
            let items: Vec<String> = turns
                .iter()
                .map(|(r, t)| {
                    format!(
                        "{{'role': '{}', 'text': '{}'}}",
                        role_name(*r),
                        t.replace('\'', "\\'")
                    )
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        _ => turns
            .iter()
            .map(|(r, t)| format!("{}: {t}", role_name(*r)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn assign_specials(seed: u64, ai: usize, n: usize) -> Vec<Special> {
    let mut rng = rng_for(seed, "specials", ai as u64);
    let mut specials = vec![Special::None; n];
    let mut first: Vec<usize> = (0..20.min(n)).collect();
    let mut rest: Vec<usize> = (20.min(n)..n).collect();
    rng.shuffle(&mut first);
    rng.shuffle(&mut rest);
    let first_kinds = [
        Special::Long,
        Special::Broken(0),
        Special::Purged,
        Special::Deleted,
        Special::Ansi,
        Special::Bidi,
    ];
    let rest_kinds = [
        Special::Long,
        Special::Long,
        Special::Broken(1),
        Special::Broken(2),
        Special::Purged,
        Special::Purged,
        Special::Purged,
        Special::Purged,
        Special::Deleted,
        Special::Deleted,
        Special::Deleted,
        Special::Deleted,
    ];
    for (idx, kind) in first.iter().zip(first_kinds) {
        specials[*idx] = kind;
    }
    for (idx, kind) in rest.iter().zip(rest_kinds) {
        specials[*idx] = kind;
    }
    specials
}

#[allow(clippy::too_many_arguments)]
fn gen_call(
    seed: u64,
    ai: usize,
    i: usize,
    agent: &AgentRec,
    spec: &AgentSpec,
    callers: &[Caller],
    created: DateTime<Utc>,
    special: Special,
    now: DateTime<Utc>,
    used_call_ids: &mut HashSet<String>,
) -> CallRec {
    let mut rng = rng_for(seed, "call", ((ai as u64) << 32) | i as u64);
    let lang = spec.lang;
    let pack = scripts::pack(lang);
    let caller = if chance(&mut rng, 0.35) {
        &callers[rng.usize(..FREQUENT_CALLERS)]
    } else {
        &callers[rng.usize(..callers.len())]
    };
    let id = uuid_v4(&mut rng);
    let mut call_id = format!("lk_call_{}", hex(&mut rng, 12));
    while !used_call_ids.insert(call_id.clone()) {
        call_id = format!("lk_call_{}", hex(&mut rng, 12));
    }
    let emp = pick(&mut rng, pack.employees).to_string();
    let local_day = (created + TimeDelta::hours(spec.tz_hours)).date_naive();
    let person = caller.person.as_ref();

    let mut conv = if special == Special::Long {
        long_conversation(&mut rng, lang, pack, local_day, person, &emp)
    } else {
        let vars = make_vars(&mut rng, lang, pack, local_day, person, &emp);
        normal_conversation(&mut rng, pack, &vars, person.is_some())
    };
    match special {
        Special::Ansi => {
            conv.summary = format!("{}{}", pack.ansi_summary_prefix, conv.summary);
            let pos = 2.min(conv.turns.len());
            conv.turns.insert(pos, (R::U, pack.ansi_turn.to_string()));
        }
        Special::Bidi => {
            conv.summary = format!("{} {}", conv.summary, pack.bidi_summary);
            let pos = conv.turns.len().saturating_sub(1);
            conv.turns.insert(pos, (R::U, pack.zwsp_turn.to_string()));
        }
        _ => {}
    }

    let transcript_ok = transcript_json(&conv.turns);
    let transcript = match special {
        Special::Broken(k) => broken_transcript(k, &transcript_ok, &conv.turns),
        _ => transcript_ok,
    };

    // Recording timeline follows the transcript turns.
    let words: Vec<(usize, usize)> = conv
        .turns
        .iter()
        .map(|(r, t)| (usize::from(*r == R::U), t.split_whitespace().count()))
        .collect();
    let (segments, total) = wav::layout_turns(&mut rng, &words);
    let duration = (total.round() as u32).max(5);
    let stereo = chance(&mut rng, 0.3);
    let voices = [
        Voice {
            pitch_hz: spec.pitch,
            syllable_secs: 0.19,
            gain: 0.8,
        },
        Voice {
            pitch_hz: caller.pitch,
            syllable_secs: 0.17 + rng.f64() * 0.06,
            gain: 0.65 + rng.f64() * 0.2,
        },
    ];
    let audio = SpeechAudio::new(
        mix64(seed ^ str_hash(&call_id)),
        if stereo { 2 } else { 1 },
        SAMPLE_RATE,
        duration,
        MAX_AUDIO_SECS,
        segments,
        voices,
    );

    let age = now - created;
    let p_done = if age < TimeDelta::hours(48) {
        0.35
    } else if age < TimeDelta::days(7) {
        0.7
    } else {
        0.94
    };
    let done = chance(&mut rng, p_done);
    let employee = (done || conv.disconnection == "call_transfer" || chance(&mut rng, 0.4))
        .then(|| emp.clone());
    let note = chance(&mut rng, if done { 0.3 } else { 0.12 })
        .then(|| pick(&mut rng, pack.notes).to_string());
    let final_score = if special == Special::Long {
        rng.u8(7..=9)
    } else if conv.success {
        rng.u8(6..=10)
    } else {
        rng.u8(1..=6)
    };
    let call_end = created + TimeDelta::seconds(i64::from(duration));
    let mut updated = call_end + TimeDelta::seconds(rng.i64(20..400));
    if done || note.is_some() {
        updated += TimeDelta::seconds(rng.i64(0..=72 * 3600));
    }
    let is_purged = special == Special::Purged;
    if is_purged {
        updated += TimeDelta::days(rng.i64(1..=5));
    }
    let mut updated = updated.min(now).max(created);
    let deleted_at = (special == Special::Deleted).then(|| {
        let d = (created + TimeDelta::seconds(rng.i64(3600..=7 * 86_400)))
            .min(now - TimeDelta::seconds(30))
            .max(call_end.min(now))
            .max(created);
        updated = d;
        d
    });

    CallRec {
        id,
        agent_id: agent.id.clone(),
        call_id,
        customer_name: person.map(Person::full),
        customer_request: conv.request,
        phone: caller.phone.clone(),
        duration,
        done,
        general_success: conv.success,
        final_score,
        disconnection_reason: conv.disconnection,
        call_summary: conv.summary,
        employee,
        note,
        is_purged,
        deleted_at,
        created_at: created,
        updated_at: updated,
        transcript,
        turns: conv.turns.len(),
        special,
        audio: Arc::new(audio),
    }
}

fn generate(opts: &EmulatorOptions) -> (Vec<AgentRec>, Vec<Vec<CallRec>>) {
    let seed = opts.seed;
    let now = opts.now;
    let mut agents = Vec::new();
    let mut all_calls = Vec::new();
    let mut used_call_ids = HashSet::new();
    for (ai, spec) in AGENT_SPECS.iter().enumerate() {
        let mut rng = rng_for(seed, "agent", ai as u64);
        let created_day = (now - TimeDelta::days(spec.age_days as i64)).date_naive();
        let created_at = created_day
            .and_hms_opt(9 + ai as u32, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(now);
        let agent = AgentRec {
            id: uuid_v4(&mut rng),
            name: spec.name,
            phone: spec.phone,
            lang: spec.lang,
            provider: spec.provider,
            model: spec.model,
            voice: spec.voice,
            created_at,
        };
        let callers = make_callers(seed, ai, spec.lang);
        let times = make_times(seed, ai, now, spec.tz_hours);
        let specials = assign_specials(seed, ai, times.len());
        let calls = times
            .iter()
            .zip(specials)
            .enumerate()
            .map(|(i, (created, special))| {
                gen_call(
                    seed,
                    ai,
                    i,
                    &agent,
                    spec,
                    &callers,
                    *created,
                    special,
                    now,
                    &mut used_call_ids,
                )
            })
            .collect();
        agents.push(agent);
        all_calls.push(calls);
    }
    (agents, all_calls)
}
