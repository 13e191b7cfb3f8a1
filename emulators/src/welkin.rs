//! Emulator of the Welkin Health API (see `shared/providers/welkin.md` and
//! `shared/providers/seed-docs/welkin-calls.md`).
//!
//! One listener on 127.0.0.1; `base_url()` is its origin (`http://127.0.0.1:P`). Paths:
//! - `POST /auth/token` with `{"secret", "apiClient"}` → `200 {"token", "expiresAt"}` (current guide);
//! - `POST /{tenant}/admin/api_clients/{clientName}` with `{"secret"}` → `201 {"token",
//!   "clientName", "tenantName", "enabled"}` (V8; no expiry in the answer);
//! - `GET /{tenant}/{instance}/patients` (`page` 0-based, `size` 1..=100, `firstName`/`lastName`
//!   partial and case-insensitive, `mrn` exact, `status` `ACTIVE`|`INACTIVE`), ordered by last name,
//!   first name;
//! - `GET /{tenant}/{instance}/patients/{patientId}`;
//! - `GET /{tenant}/{instance}/patients/{patientId}/calls` (`page`, `size` 1..=100, `startDate`
//!   on or after, `endDate` on or before; a bare date as `endDate` means the end of that day),
//!   newest `calledAt` first;
//! - `GET /{tenant}/{instance}/patients/{patientId}/calls/{callId}` (a bare object, the list keys);
//! - `GET|HEAD …/calls/{callId}/recording`: the whole audio file, always `200`, `Range` ignored,
//!   no `Accept-Ranges`, `Content-Type` `audio/mpeg` or `audio/wav`, `Content-Disposition:
//!   attachment; filename="recording-{callId}.mp3"` (or `.wav`), `Content-Length`.
//!
//! Lists answer `{"data": […], "metaInfo": {page, pageSize, totalElements, numberOfElements,
//! lastPage, firstPage, totalPages}}`; [`WelkinOptions::meta_info`] trims `metaInfo` to the
//! vendor page's three keys, to `page`/`pageSize` alone, or to everything but the totals (see
//! [`MetaInfo`]), so that each paging stop rule can be exercised alone. Errors are a JSON array
//! `[{"errorCode", "componentType", "message", "details", "date"}]`.
//!
//! # Credentials
//! Two API clients, each with an `apiClient` key (current style), a client name (V8 style) and a
//! secret: the main one ([`WelkinEmulator::client_key`], [`WelkinEmulator::client_name`],
//! [`WelkinEmulator::secret`]) and one whose security policy lacks `Voice Calls None Care Team`
//! (recordings answer `403 ACCESS_FOR_API_CLIENT_RESTRICTED`). Tokens live
//! [`WelkinOptions::token_lifetime`]; `expiresAt` is written in whole seconds and the token really
//! expires at that second. A resource request needs `Authorization: Bearer <token>`: a missing or
//! non-Bearer header is `401 NOT_AUTHORIZED`, an unknown token `401 NOT_VALID_JSON_WEB_TOKEN`, an
//! expired one `401 TOKEN_EXPIRED`. A bad secret is `401 INVALID_API_CLIENT_CREDENTIALS`; an
//! unknown `apiClient` too; an unknown V8 client name `404 API_CLIENT_NOT_FOUND`.
//! More than [`WelkinOptions::token_limit`] token requests for one client within
//! [`WelkinOptions::token_window`] block that client's token requests for
//! [`WelkinOptions::token_block`]: `429 TOO_MANY_REQUESTS` with `Retry-After` (seconds left), or
//! without it when [`WelkinOptions::block_retry_after`] is off (the spec does not say which).
//! A V8 exchange for another tenant answers `404 TENANT_NOT_FOUND`, checked before the client.
//!
//! # Order of checks for a resource request
//! fault → bearer token (401) → route (404 `NOT_FOUND`) → method (405) → `Accept` (406) → tenant
//! and instance (404 `TENANT_NOT_FOUND` / `INSTANCE_NOT_FOUND`) → query (400
//! `INVALID_REQUEST_PARAMETER`, one error per bad parameter; an empty `page=`, `size=`, `status=`,
//! `startDate=` or `endDate=` is bad, an empty name or `mrn` is ignored) → patient (404
//! `PATIENT_NOT_FOUND`) →
//! call (404 `CALL_NOT_FOUND`) → recording permission (403) → `hasRecording` (404
//! `CALL_RECORDING_NOT_FOUND`).
//!
//! # Faults
//! Each request takes its fault from the queue of its endpoint ([`WelkinEmulator::faults_on`] with
//! an [`Endpoint`]) and, for resources, when that one is empty, from [`WelkinEmulator::faults`]
//! (any resource). Token requests take faults only from their own queue
//! ([`WelkinEmulator::token_faults`]), so a queued fault is not eaten by the token exchange that
//! precedes a request, and a fault for the calls list is not eaten by the patient read that an
//! adapter sends at the same time. `Latency` delays a normal answer; `RateLimited` answers 429
//! `TOO_MANY_REQUESTS` + `Retry-After`; `Status(n)` answers n in the error-array shape (401 with
//! `NOT_AUTHORIZED`, never a token code); `ConnectionReset` closes without a byte;
//! `TruncatedBody` sends about half of the normal body (JSON or audio) and closes; `MalformedJson`
//! answers 200 with broken JSON; `WrongTypesRecord` corrupts a normal 200 JSON answer: in a list
//! the middle item of `data` gets `id` as an object (unreadable), `duration: "abc"`,
//! `direction: 7`, `hasRecording: "maybe"`, `calledAt: [..]` (patients: `firstName: 42`,
//! `birthDate: false`); a single object keeps its `id` and gets the other wrong types.
//!
//! # Data (deterministic from `seed` and `now`)
//! [`WelkinOptions::patients`] (32) patients with US test numbers (`+1 … 555-01xx`), MRNs
//! `MRN-00123`, `MRN-00152`, …, ACTIVE/INACTIVE, genders incl. `OTHER` and `UNKNOWN`. The first
//! generated ones are fixed: Jane Doe, John Doe (INACTIVE), Morgan Taylor, Taylor Morgan, Zoë
//! Clarke, Seán O'Connor, Renée Lefèvre, "Mary Ann" Smith. Each has 5–40 calls over the 60 days
//! before `now` (Jane Doe 37, John Doe 5), statuses COMPLETED/NO_ANSWER/BUSY/FAILED/CANCELED;
//! about 85% of completed calls have a recording (real speech from [`super::recordings`], English
//! preferred, MP3 CBR/VBR and WAV PCM16/µ-law).

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};

use super::net::{ConnHandle, ControlledListener, ServerGuard, ranged_body, truncated_response};
use super::people::{self, Lang};
use super::recordings::{self, AudioFormat, Clip};
use super::{
    EmulatorOptions, Fault, Faults, chance, hex, lock, pick, pick_weighted, rng_for, unix_now_ms,
    uuid_v4,
};

/// The tenant (organization) the emulator serves by default.
pub const DEFAULT_TENANT: &str = "acme-health";
/// The instance (environment) the emulator serves by default.
pub const DEFAULT_INSTANCE: &str = "live";
/// The security-policy permission recordings need.
pub const RECORDING_PERMISSION: &str = "Voice Calls None Care Team";

/// Welkin-specific knobs.
#[derive(Clone, Debug)]
pub struct WelkinOptions {
    pub tenant: String,
    pub instance: String,
    /// Lifetime of issued tokens (default 1 hour).
    pub token_lifetime: Duration,
    /// Token requests allowed per client within `token_window` (default 100).
    pub token_limit: usize,
    /// Default 5 minutes.
    pub token_window: Duration,
    /// How long a client that went over the limit is refused tokens (default 5 minutes).
    pub token_block: Duration,
    /// Number of patients (default 32; at least 8, the fixed ones).
    pub patients: usize,
    /// Which `metaInfo` keys lists carry (default all seven).
    pub meta_info: MetaInfo,
    /// Whether the token block's 429 carries `Retry-After` (default true).
    pub block_retry_after: bool,
}

/// The `metaInfo` keys of list answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MetaInfo {
    /// `page`, `pageSize`, `totalElements`, `numberOfElements`, `lastPage`, `firstPage`,
    /// `totalPages`, as the live API sends them.
    #[default]
    Full,
    /// `page`, `pageSize`, `totalElements`, as the vendor's page shows them.
    Documented,
    /// `page`, `pageSize`: only an empty page tells the end.
    PageOnly,
    /// `page`, `pageSize`, `numberOfElements`, `lastPage`, `firstPage`: no totals.
    NoTotals,
}

/// The endpoints, for faults aimed at one of them ([`WelkinEmulator::faults_on`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Both token exchanges.
    Token,
    /// `GET …/patients`.
    Patients,
    /// `GET …/patients/{id}`.
    Patient,
    /// `GET …/patients/{id}/calls`.
    Calls,
    /// `GET …/patients/{id}/calls/{callId}`.
    Call,
    /// `GET …/calls/{callId}/recording`.
    Recording,
}

const ENDPOINTS: usize = 6;

impl Default for WelkinOptions {
    fn default() -> Self {
        WelkinOptions {
            tenant: DEFAULT_TENANT.to_string(),
            instance: DEFAULT_INSTANCE.to_string(),
            token_lifetime: Duration::from_secs(3600),
            token_limit: 100,
            token_window: Duration::from_secs(300),
            token_block: Duration::from_secs(300),
            patients: 32,
            meta_info: MetaInfo::Full,
            block_retry_after: true,
        }
    }
}

/// One request the emulator received (token and resource requests alike).
#[derive(Clone, Debug)]
pub struct WelkinRequest {
    pub method: String,
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
}

impl WelkinRequest {
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

/// A running Welkin emulator. Dropping it stops the server.
pub struct WelkinEmulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    guard: ServerGuard,
}

/// Start the emulator with default Welkin options.
pub async fn start(opts: EmulatorOptions) -> std::io::Result<WelkinEmulator> {
    start_with(opts, WelkinOptions::default()).await
}

/// Start the emulator on the current tokio runtime.
pub async fn start_with(
    opts: EmulatorOptions,
    vopts: WelkinOptions,
) -> std::io::Result<WelkinEmulator> {
    let listener = ControlledListener::bind_local().await?;
    let addr = listener.addr()?;
    let shared = Arc::new(Shared::new(opts, vopts));
    let mut guard = ServerGuard::new();
    guard.spawn(
        listener,
        Router::new().fallback(entry).with_state(shared.clone()),
    );
    Ok(WelkinEmulator {
        shared,
        addr,
        guard,
    })
}

impl WelkinEmulator {
    /// The API origin, e.g. `http://127.0.0.1:41234` (paths start with `/auth` or `/{tenant}`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn tenant(&self) -> &str {
        &self.shared.vopts.tenant
    }

    pub fn instance(&self) -> &str {
        &self.shared.vopts.instance
    }

    /// The main client's `apiClient` key (current token style).
    pub fn client_key(&self) -> String {
        self.shared.clients[0].key.clone()
    }

    /// The main client's name (V8 token style).
    pub fn client_name(&self) -> String {
        self.shared.clients[0].name.clone()
    }

    /// The main client's secret.
    pub fn secret(&self) -> String {
        self.shared.clients[0].secret.clone()
    }

    /// `apiClient` key of the client whose security policy lacks the recording permission.
    pub fn restricted_client_key(&self) -> String {
        self.shared.clients[1].key.clone()
    }

    /// Name (V8) of the client without the recording permission.
    pub fn restricted_client_name(&self) -> String {
        self.shared.clients[1].name.clone()
    }

    pub fn restricted_secret(&self) -> String {
        self.shared.clients[1].secret.clone()
    }

    /// Token requests received (both styles, refused ones included).
    pub fn token_requests(&self) -> usize {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    /// Faults for any resource request (patients, calls, recordings), first come first served.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Faults for one endpoint only (taken before those of [`WelkinEmulator::faults`]).
    pub fn faults_on(&self, endpoint: Endpoint) -> &Faults {
        &self.shared.scoped_faults[endpoint as usize]
    }

    /// Faults for token requests (the same as `faults_on(Endpoint::Token)`).
    pub fn token_faults(&self) -> &Faults {
        self.faults_on(Endpoint::Token)
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<WelkinRequest> {
        lock(&self.shared.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// The patients as the list endpoint returns them (its order).
    pub fn patients(&self) -> Vec<Value> {
        self.shared.patients.iter().map(patient_json).collect()
    }

    /// One patient as `GET …/patients/{id}` returns it.
    pub fn patient(&self, patient_id: &str) -> Option<Value> {
        self.shared.patient(patient_id).map(patient_json)
    }

    /// A patient's calls as the list endpoint returns them, newest first (unknown: empty).
    pub fn calls(&self, patient_id: &str) -> Vec<Value> {
        self.shared
            .patient(patient_id)
            .map(|p| p.calls.iter().map(|c| call_json(p, c)).collect())
            .unwrap_or_default()
    }

    /// The bytes and `Content-Type` the recording endpoint serves for a call, if it has one.
    pub fn recording(
        &self,
        patient_id: &str,
        call_id: &str,
    ) -> Option<(&'static str, &'static [u8])> {
        let p = self.shared.patient(patient_id)?;
        let c = p.calls.iter().find(|c| c.id == call_id)?;
        let clip = c.clip?;
        Some((clip.format.content_type(), clip.bytes))
    }

    /// Make every issued token expire now (the next use answers `TOKEN_EXPIRED`).
    pub fn expire_tokens(&self) {
        let now = unix_now_ms();
        for t in lock(&self.shared.tokens).values_mut() {
            t.expires_ms = t.expires_ms.min(now);
        }
    }

    /// Forget every issued token (the next use answers `NOT_VALID_JSON_WEB_TOKEN`).
    pub fn revoke_tokens(&self) {
        lock(&self.shared.tokens).clear();
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

    pub fn welkin_options(&self) -> &WelkinOptions {
        &self.shared.vopts
    }

    /// Stop the server (also done on drop).
    pub fn shutdown(&self) {
        self.guard.shutdown();
    }
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

struct ApiClient {
    key: String,
    name: String,
    secret: String,
    recordings: bool,
}

struct TokenRec {
    client: usize,
    expires_ms: u64,
}

#[derive(Default)]
struct TokenLimit {
    recent: VecDeque<u64>,
    blocked_until_ms: u64,
}

struct PatientRec {
    id: String,
    first: String,
    last: String,
    birth: NaiveDate,
    gender: &'static str,
    email: String,
    phone: Option<String>,
    mrn: String,
    status: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    calls: Vec<CallRec>,
}

struct CallRec {
    id: String,
    direction: &'static str,
    duration: u32,
    status: &'static str,
    called_at: DateTime<Utc>,
    clip: Option<&'static Clip>,
}

struct Shared {
    opts: EmulatorOptions,
    vopts: WelkinOptions,
    clients: [ApiClient; 2],
    patients: Vec<PatientRec>,
    tokens: Mutex<HashMap<String, TokenRec>>,
    limits: Mutex<HashMap<usize, TokenLimit>>,
    token_requests: AtomicUsize,
    faults: Faults,
    scoped_faults: [Faults; ENDPOINTS],
    log: Mutex<Vec<WelkinRequest>>,
    throttle: AtomicU64,
    token_counter: AtomicU64,
}

impl Shared {
    fn new(opts: EmulatorOptions, vopts: WelkinOptions) -> Self {
        let clients = std::array::from_fn(|i| {
            let mut rng = rng_for(opts.seed, "welkin-client", i as u64);
            let name: String = (0..12).map(|_| char::from(b'A' + rng.u8(..26))).collect();
            const SYMBOLS: &[u8] = b"+}{#%;!$&*=?@^~";
            let secret: String = (0..20)
                .map(|_| match rng.u8(..4) {
                    0 => char::from(*pick(&mut rng, SYMBOLS)),
                    1 => char::from(b'0' + rng.u8(..10)),
                    2 => char::from(b'a' + rng.u8(..26)),
                    _ => char::from(b'A' + rng.u8(..26)),
                })
                .collect();
            ApiClient {
                key: format!("api-client-{}", hex(&mut rng, 24)),
                name,
                secret,
                recordings: i == 0,
            }
        });
        Shared {
            patients: generate(&opts, &vopts),
            opts,
            vopts,
            clients,
            tokens: Mutex::new(HashMap::new()),
            limits: Mutex::new(HashMap::new()),
            token_requests: AtomicUsize::new(0),
            faults: Faults::default(),
            scoped_faults: Default::default(),
            log: Mutex::new(Vec::new()),
            throttle: AtomicU64::new(0),
            token_counter: AtomicU64::new(0),
        }
    }

    fn patient(&self, id: &str) -> Option<&PatientRec> {
        self.patients.iter().find(|p| p.id == id)
    }
}

fn ts(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn patient_json(p: &PatientRec) -> Value {
    json!({
        "id": p.id,
        "firstName": p.first,
        "lastName": p.last,
        "birthDate": p.birth.format("%Y-%m-%d").to_string(),
        "gender": p.gender,
        "email": p.email,
        "phone": p.phone,
        "mrn": p.mrn,
        "status": p.status,
        "createdAt": ts(&p.created_at),
        "updatedAt": ts(&p.updated_at),
    })
}

fn call_json(p: &PatientRec, c: &CallRec) -> Value {
    json!({
        "id": c.id,
        "patientId": p.id,
        "direction": c.direction,
        "duration": c.duration,
        "status": c.status,
        "calledAt": ts(&c.called_at),
        "hasRecording": c.clip.is_some(),
    })
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

struct Answer {
    status: StatusCode,
    body: Value,
    retry_after: Option<u64>,
}

impl Answer {
    fn ok(body: Value) -> Answer {
        Answer {
            status: StatusCode::OK,
            body,
            retry_after: None,
        }
    }
}

fn error_obj(code: &str, component: &str, message: &str, details: Value) -> Value {
    json!({
        "errorCode": code,
        "componentType": component,
        "message": message,
        "details": details,
        "date": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

fn error(status: u16, code: &str, component: &str, message: &str, details: Value) -> Answer {
    Answer {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body: Value::Array(vec![error_obj(code, component, message, details)]),
        retry_after: None,
    }
}

fn too_many(retry_after_secs: Option<u64>, message: &str) -> Answer {
    let mut a = error(429, "TOO_MANY_REQUESTS", "AUTH", message, json!({}));
    a.retry_after = retry_after_secs;
    a
}

/// The answer of a `Fault::Status(n)`.
fn status_fault(n: u16) -> Answer {
    let status = StatusCode::from_u16(n)
        .ok()
        .filter(|s| s.is_client_error() || s.is_server_error())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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

fn json_response(a: Answer) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
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

// ---------------------------------------------------------------------------
// Token exchange
// ---------------------------------------------------------------------------

enum TokenStyle {
    Current,
    V8 { tenant: String, name: String },
}

fn token_route(segs: &[String]) -> Option<TokenStyle> {
    match segs {
        [a, b] if a == "auth" && b == "token" => Some(TokenStyle::Current),
        [t, a, b, name] if a == "admin" && b == "api_clients" => Some(TokenStyle::V8 {
            tenant: t.clone(),
            name: name.clone(),
        }),
        _ => None,
    }
}

impl Shared {
    fn issue_token(&self, client: usize) -> (String, u64) {
        let n = self.token_counter.fetch_add(1, Ordering::SeqCst);
        let mut rng = fastrand::Rng::with_seed(fastrand::u64(..) ^ n);
        let token = format!(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}",
            hex(&mut rng, 64),
            hex(&mut rng, 43)
        );
        let now = unix_now_ms();
        // Whole seconds, as `expiresAt` says: the token really expires at that second.
        let expires_ms = (now + self.vopts.token_lifetime.as_millis() as u64) / 1000 * 1000;
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| t.expires_ms + 3_600_000 > now);
        tokens.insert(token.clone(), TokenRec { client, expires_ms });
        (token, expires_ms)
    }

    /// Counts a token request of `client`; `Some(secs)` when it is blocked.
    fn token_limited(&self, client: usize) -> Option<u64> {
        let now = unix_now_ms();
        let mut limits = lock(&self.limits);
        let l = limits.entry(client).or_default();
        if now < l.blocked_until_ms {
            return Some((l.blocked_until_ms - now).div_ceil(1000).max(1));
        }
        let window = self.vopts.token_window.as_millis() as u64;
        while l.recent.front().is_some_and(|t| t + window <= now) {
            l.recent.pop_front();
        }
        l.recent.push_back(now);
        if l.recent.len() > self.vopts.token_limit {
            l.recent.clear();
            let block = self.vopts.token_block.as_millis() as u64;
            l.blocked_until_ms = now + block;
            return Some(block.div_ceil(1000).max(1));
        }
        None
    }

    fn token_answer(&self, style: TokenStyle, method: &Method, body: &[u8]) -> Answer {
        if method != Method::POST {
            return error(
                405,
                "METHOD_NOT_ALLOWED",
                "AUTH",
                &format!("Request method '{method}' is not supported"),
                json!({}),
            );
        }
        if let TokenStyle::V8 { tenant, .. } = &style
            && *tenant != self.vopts.tenant
        {
            return error(
                404,
                "TENANT_NOT_FOUND",
                "TENANT",
                "Tenant was not found",
                json!({"tenantName": tenant}),
            );
        }
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(body) else {
            return error(
                400,
                "BAD_REQUEST",
                "AUTH",
                "The request body is not valid JSON",
                json!({}),
            );
        };
        let field = |k: &str| req.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let Some(secret) = field("secret") else {
            return error(
                400,
                "BAD_REQUEST",
                "AUTH",
                "secret must not be blank",
                json!({"field": "secret"}),
            );
        };
        let client = match &style {
            TokenStyle::Current => {
                let Some(key) = field("apiClient") else {
                    return error(
                        400,
                        "BAD_REQUEST",
                        "AUTH",
                        "apiClient must not be blank",
                        json!({"field": "apiClient"}),
                    );
                };
                match self.clients.iter().position(|c| c.key == key) {
                    Some(i) => i,
                    None => return bad_credentials(),
                }
            }
            TokenStyle::V8 { name, .. } => {
                match self.clients.iter().position(|c| c.name == *name) {
                    Some(i) => i,
                    None => {
                        return error(
                            404,
                            "API_CLIENT_NOT_FOUND",
                            "API_CLIENT",
                            "API client was not found",
                            json!({"clientName": name}),
                        );
                    }
                }
            }
        };
        if let Some(secs) = self.token_limited(client) {
            return too_many(
                self.vopts.block_retry_after.then_some(secs),
                "Too many token requests: this API client is blocked for 5 minutes",
            );
        }
        if self.clients[client].secret != secret {
            return bad_credentials();
        }
        let (token, expires_ms) = self.issue_token(client);
        match style {
            TokenStyle::Current => {
                let expires = DateTime::<Utc>::from_timestamp_millis(expires_ms as i64)
                    .unwrap_or_else(Utc::now);
                Answer::ok(json!({"token": token, "expiresAt": ts(&expires)}))
            }
            TokenStyle::V8 { tenant, .. } => Answer {
                status: StatusCode::CREATED,
                body: json!({
                    "token": token,
                    "clientName": self.clients[client].name,
                    "tenantName": tenant,
                    "enabled": true,
                }),
                retry_after: None,
            },
        }
    }
}

fn bad_credentials() -> Answer {
    error(
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
        "AUTH",
        "API client credentials are not valid",
        json!({}),
    )
}

// ---------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------

enum Route<'a> {
    Patients,
    Patient(&'a str),
    Calls(&'a str),
    Call(&'a str, &'a str),
    Recording(&'a str, &'a str),
}

impl Route<'_> {
    fn endpoint(&self) -> Endpoint {
        match self {
            Route::Patients => Endpoint::Patients,
            Route::Patient(_) => Endpoint::Patient,
            Route::Calls(_) => Endpoint::Calls,
            Route::Call(..) => Endpoint::Call,
            Route::Recording(..) => Endpoint::Recording,
        }
    }
}

/// `/{tenant}/{instance}/patients…` as (tenant, instance, route).
fn resource_route(segs: &[String]) -> Option<(&str, &str, Route<'_>)> {
    let [tenant, instance, patients, rest @ ..] = segs else {
        return None;
    };
    if patients != "patients" {
        return None;
    }
    let route = match rest {
        [] => Route::Patients,
        [p] => Route::Patient(p),
        [p, c] if c == "calls" => Route::Calls(p),
        [p, c, id] if c == "calls" => Route::Call(p, id),
        [p, c, id, r] if c == "calls" && r == "recording" => Route::Recording(p, id),
        _ => return None,
    };
    Some((tenant, instance, route))
}

enum Outcome {
    Json(Answer),
    Recording {
        clip: &'static Clip,
        call_id: String,
        head: bool,
    },
}

/// Whether an `Accept` header allows `mime` (`type/sub`). Absent: anything goes.
fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    let Some(v) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let (ty, _) = mime.split_once('/').unwrap_or((mime, ""));
    v.split(',').any(|part| {
        let m = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        m.is_empty() || m == "*/*" || m == mime || m == format!("{ty}/*")
    })
}

struct Query {
    pairs: HashMap<String, String>,
    errors: Vec<Value>,
}

impl Query {
    fn parse(raw: &str) -> Query {
        let mut pairs = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            pairs
                .entry(k.into_owned())
                .or_insert_with(|| v.into_owned());
        }
        Query {
            pairs,
            errors: Vec::new(),
        }
    }

    /// A parameter as sent (an empty value too: it is bad where a value is required).
    fn get(&self, k: &str) -> Option<&str> {
        self.pairs.get(k).map(String::as_str)
    }

    /// A text parameter; an empty one is ignored.
    fn text(&self, k: &str) -> Option<&str> {
        self.get(k).filter(|v| !v.is_empty())
    }

    fn bad(&mut self, component: &str, param: &str, message: &str) {
        let value = self.get(param).unwrap_or("").to_string();
        self.errors.push(error_obj(
            "INVALID_REQUEST_PARAMETER",
            component,
            message,
            json!({"parameter": param, "value": value}),
        ));
    }

    /// `page` (≥ 0, default 0) and `size` (1..=100, default 20).
    fn paging(&mut self, component: &str) -> (u64, u64) {
        let mut page = 0;
        let mut size = 20;
        if let Some(v) = self.get("page") {
            match v.parse::<i64>() {
                Ok(p) if p >= 0 => page = p as u64,
                Ok(_) => self.bad(component, "page", "page must be greater than or equal to 0"),
                Err(_) => self.bad(component, "page", "page must be an integer"),
            }
        }
        if let Some(v) = self.get("size") {
            match v.parse::<i64>() {
                Ok(s) if (1..=100).contains(&s) => size = s as u64,
                Ok(_) => self.bad(component, "size", "size must be between 1 and 100"),
                Err(_) => self.bad(component, "size", "size must be an integer"),
            }
        }
        (page, size)
    }

    fn date(&mut self, param: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
        let v = self.get(param)?.to_string();
        let parsed = parse_datetime(&v, end_of_day);
        if parsed.is_none() {
            self.bad(
                "CALL",
                param,
                &format!(
                    "{param} must be an ISO 8601 date or date-time (e.g. 2026-03-18T14:22:00Z)"
                ),
            );
        }
        parsed
    }

    fn into_error(self) -> Option<Answer> {
        if self.errors.is_empty() {
            return None;
        }
        Some(Answer {
            status: StatusCode::BAD_REQUEST,
            body: Value::Array(self.errors),
            retry_after: None,
        })
    }
}

/// RFC 3339, a date-time without zone (UTC), or a date (midnight, or the day's last millisecond).
fn parse_datetime(s: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
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
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    if end_of_day {
        d.and_hms_milli_opt(23, 59, 59, 999).map(|d| d.and_utc())
    } else {
        d.and_hms_opt(0, 0, 0).map(|d| d.and_utc())
    }
}

impl Shared {
    fn meta(&self, page: u64, size: u64, total: u64, n: usize) -> Value {
        let last = (page + 1).saturating_mul(size) >= total;
        match self.vopts.meta_info {
            MetaInfo::Full => json!({
                "page": page,
                "pageSize": size,
                "totalElements": total,
                "numberOfElements": n,
                "lastPage": last,
                "firstPage": page == 0,
                "totalPages": total.div_ceil(size),
            }),
            MetaInfo::Documented => json!({"page": page, "pageSize": size, "totalElements": total}),
            MetaInfo::PageOnly => json!({"page": page, "pageSize": size}),
            MetaInfo::NoTotals => json!({
                "page": page,
                "pageSize": size,
                "numberOfElements": n,
                "lastPage": last,
                "firstPage": page == 0,
            }),
        }
    }

    fn paginate(&self, items: Vec<Value>, page: u64, size: u64) -> Value {
        let total = items.len() as u64;
        let data: Vec<Value> = items
            .into_iter()
            .skip(usize::try_from(page.saturating_mul(size)).unwrap_or(usize::MAX))
            .take(size as usize)
            .collect();
        let meta = self.meta(page, size, total, data.len());
        json!({"data": data, "metaInfo": meta})
    }

    fn authenticate(&self, headers: &HeaderMap) -> Result<usize, Answer> {
        let not_authorized = || {
            error(
                401,
                "NOT_AUTHORIZED",
                "AUTH",
                "Full authentication is required to access this resource",
                json!({}),
            )
        };
        let Some(v) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(not_authorized());
        };
        let Some((scheme, token)) = v.trim().split_once(' ') else {
            return Err(not_authorized());
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(not_authorized());
        }
        let tokens = lock(&self.tokens);
        match tokens.get(token.trim()) {
            None => Err(error(
                401,
                "NOT_VALID_JSON_WEB_TOKEN",
                "AUTH",
                "JWT is not valid",
                json!({}),
            )),
            Some(t) if unix_now_ms() >= t.expires_ms => Err(error(
                401,
                "TOKEN_EXPIRED",
                "AUTH",
                "JWT token has expired",
                json!({}),
            )),
            Some(t) => Ok(t.client),
        }
    }

    fn resource(
        &self,
        method: &Method,
        segs: &[String],
        query: &str,
        headers: &HeaderMap,
    ) -> Outcome {
        let client = match self.authenticate(headers) {
            Ok(c) => c,
            Err(a) => return Outcome::Json(a),
        };
        let not_found = || {
            Outcome::Json(error(
                404,
                "NOT_FOUND",
                "API",
                "No handler found for this path",
                json!({}),
            ))
        };
        let Some((tenant, instance, route)) = resource_route(segs) else {
            return not_found();
        };
        let recording = matches!(route, Route::Recording(..));
        let allowed = *method == Method::GET || (recording && *method == Method::HEAD);
        if !allowed {
            return Outcome::Json(error(
                405,
                "METHOD_NOT_ALLOWED",
                "API",
                &format!("Request method '{method}' is not supported"),
                json!({}),
            ));
        }
        let ok = if recording {
            accepts(headers, "audio/mpeg") || accepts(headers, "audio/wav")
        } else {
            accepts(headers, "application/json")
        };
        if !ok {
            return Outcome::Json(error(
                406,
                "NOT_ACCEPTABLE",
                "API",
                "Could not find an acceptable representation",
                json!({}),
            ));
        }
        if *tenant != self.vopts.tenant {
            return Outcome::Json(error(
                404,
                "TENANT_NOT_FOUND",
                "TENANT",
                "Tenant was not found",
                json!({"tenantName": tenant}),
            ));
        }
        if *instance != self.vopts.instance {
            return Outcome::Json(error(
                404,
                "INSTANCE_NOT_FOUND",
                "INSTANCE",
                "Instance was not found",
                json!({"instanceName": instance}),
            ));
        }
        let mut q = Query::parse(query);
        match route {
            Route::Patients => Outcome::Json(self.list_patients(q)),
            Route::Patient(pid) => Outcome::Json(match self.patient(pid) {
                Some(p) => Answer::ok(patient_json(p)),
                None => patient_not_found(pid),
            }),
            Route::Calls(pid) => {
                let (page, size) = q.paging("CALL");
                let start = q.date("startDate", false);
                let end = q.date("endDate", true);
                if let (Some(s), Some(e)) = (start, end)
                    && s > e
                {
                    q.bad("CALL", "startDate", "startDate must not be after endDate");
                }
                if let Some(a) = q.into_error() {
                    return Outcome::Json(a);
                }
                let Some(p) = self.patient(pid) else {
                    return Outcome::Json(patient_not_found(pid));
                };
                let items: Vec<Value> = p
                    .calls
                    .iter()
                    .filter(|c| start.is_none_or(|s| c.called_at >= s))
                    .filter(|c| end.is_none_or(|e| c.called_at <= e))
                    .map(|c| call_json(p, c))
                    .collect();
                Outcome::Json(Answer::ok(self.paginate(items, page, size)))
            }
            Route::Call(pid, cid) | Route::Recording(pid, cid) => {
                let Some(p) = self.patient(pid) else {
                    return Outcome::Json(patient_not_found(pid));
                };
                let Some(c) = p.calls.iter().find(|c| c.id == *cid) else {
                    return Outcome::Json(error(
                        404,
                        "CALL_NOT_FOUND",
                        "CALL",
                        "Call was not found",
                        json!({"id": cid}),
                    ));
                };
                if !recording {
                    return Outcome::Json(Answer::ok(call_json(p, c)));
                }
                if !self.clients[client].recordings {
                    return Outcome::Json(error(
                        403,
                        "ACCESS_FOR_API_CLIENT_RESTRICTED",
                        "AUTH",
                        "Access to this API is restricted for the APIClient",
                        json!({}),
                    ));
                }
                match c.clip {
                    Some(clip) => Outcome::Recording {
                        clip,
                        call_id: c.id.clone(),
                        head: *method == Method::HEAD,
                    },
                    None => Outcome::Json(error(
                        404,
                        "CALL_RECORDING_NOT_FOUND",
                        "CALL",
                        "Call recording was not found",
                        json!({"id": cid}),
                    )),
                }
            }
        }
    }

    fn list_patients(&self, mut q: Query) -> Answer {
        let (page, size) = q.paging("PATIENT");
        let status = q.get("status").map(str::to_string);
        if let Some(s) = &status
            && s != "ACTIVE"
            && s != "INACTIVE"
        {
            q.bad(
                "PATIENT",
                "status",
                "status must be one of ACTIVE, INACTIVE",
            );
        }
        let first = q.text("firstName").map(str::to_lowercase);
        let last = q.text("lastName").map(str::to_lowercase);
        let mrn = q.text("mrn").map(str::to_string);
        if let Some(a) = q.into_error() {
            return a;
        }
        let items: Vec<Value> = self
            .patients
            .iter()
            .filter(|p| status.as_deref().is_none_or(|s| p.status == s))
            .filter(|p| mrn.as_deref().is_none_or(|m| p.mrn == m))
            .filter(|p| {
                first
                    .as_deref()
                    .is_none_or(|f| p.first.to_lowercase().contains(f))
            })
            .filter(|p| {
                last.as_deref()
                    .is_none_or(|l| p.last.to_lowercase().contains(l))
            })
            .map(patient_json)
            .collect();
        Answer::ok(self.paginate(items, page, size))
    }
}

fn patient_not_found(pid: &str) -> Answer {
    error(
        404,
        "PATIENT_NOT_FOUND",
        "PATIENT",
        "Patient was not found",
        json!({"id": pid}),
    )
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

fn recording_response(st: &Shared, clip: &'static Clip, call_id: &str, head: bool) -> Response {
    let len = clip.bytes.len() as u64;
    let disposition = format!(
        "attachment; filename=\"recording-{call_id}.{}\"",
        clip.format.extension()
    );
    let throttle = Some(st.throttle.load(Ordering::SeqCst)).filter(|r| *r > 0);
    let body = if head || len == 0 {
        Body::empty()
    } else {
        ranged_body(recordings::source(clip), 0, len - 1, throttle)
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, clip.format.content_type())
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn decode_segment(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn entry(State(st): State<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers = req.headers().clone();
    lock(&st.log).push(WelkinRequest {
        method: method.to_string(),
        path: path.clone(),
        query: url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    });
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect();
    let conn = ConnHandle::of(&req);
    let token_style = token_route(&segs);
    let is_token = token_style.is_some();
    if is_token {
        st.token_requests.fetch_add(1, Ordering::SeqCst);
    }
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();

    let endpoint = if is_token {
        Some(Endpoint::Token)
    } else {
        resource_route(&segs).map(|(_, _, r)| r.endpoint())
    };
    let scoped = endpoint.and_then(|e| st.scoped_faults[e as usize].take());
    let fault = if is_token {
        scoped
    } else {
        scoped.or_else(|| st.faults.take())
    };
    let mut truncate = false;
    let mut wrong_types = false;
    match fault {
        None => {}
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        Some(Fault::RateLimited { retry_after_secs }) => {
            let (s, h, b) = json_response(too_many(Some(retry_after_secs), "Too many requests"));
            return into_response(s, h, b);
        }
        Some(Fault::Status(n)) => {
            let (s, h, b) = json_response(status_fault(n));
            return into_response(s, h, b);
        }
        Some(Fault::ConnectionReset) => {
            if let Some(c) = &conn {
                c.kill();
            }
            return into_response(StatusCode::OK, HeaderMap::new(), Vec::new());
        }
        Some(Fault::MalformedJson) => {
            let mut h = HeaderMap::new();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            let b = br#"{"data":[{"id":"5b1e0c8a-2f4d-4c7e-9a1b-3d6e8f0a2c4b","patientId":"#
                .iter()
                .chain(br#","direction":"OUTB},{"metaInfo":{"page":0,"pageSize"::20]"#.iter())
                .copied()
                .collect();
            return into_response(StatusCode::OK, h, b);
        }
        Some(Fault::TruncatedBody) => truncate = true,
        Some(Fault::WrongTypesRecord) => wrong_types = true,
    }

    let outcome = match token_style {
        Some(style) => Outcome::Json(st.token_answer(style, &method, &body)),
        None => st.resource(&method, &segs, &query, &headers),
    };
    match outcome {
        Outcome::Json(mut a) => {
            if wrong_types && a.status.is_success() {
                corrupt_record(&mut a.body);
            }
            let (s, h, b) = json_response(a);
            if truncate {
                truncated_response(s, h, b, conn)
            } else {
                into_response(s, h, b)
            }
        }
        Outcome::Recording {
            clip,
            call_id,
            head,
        } => {
            if truncate && !head {
                let mut h = HeaderMap::new();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(clip.format.content_type()),
                );
                truncated_response(StatusCode::OK, h, clip.bytes.to_vec(), conn)
            } else {
                recording_response(&st, clip, &call_id, head)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Data generation
// ---------------------------------------------------------------------------

/// (first, last, female, status, gender override)
const FIXED: [(&str, &str, bool, &str); 8] = [
    ("Jane", "Doe", true, "ACTIVE"),
    ("John", "Doe", false, "INACTIVE"),
    ("Morgan", "Taylor", true, "ACTIVE"),
    ("Taylor", "Morgan", false, "ACTIVE"),
    ("Zoë", "Clarke", true, "ACTIVE"),
    ("Seán", "O'Connor", false, "ACTIVE"),
    ("Renée", "Lefèvre", true, "INACTIVE"),
    ("Mary Ann", "Smith", true, "ACTIVE"),
];

const AREA_CODES: [&str; 10] = [
    "415", "212", "312", "617", "206", "503", "303", "512", "404", "718",
];

fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

fn generate(opts: &EmulatorOptions, vopts: &WelkinOptions) -> Vec<PatientRec> {
    let n = vopts.patients.max(FIXED.len());
    let mut names = HashSet::new();
    let mut phones = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut rng = rng_for(opts.seed, "welkin-patient", i as u64);
        let (first, last, female, status) = match FIXED.get(i) {
            Some((f, l, female, s)) => (f.to_string(), l.to_string(), *female, *s),
            None => {
                let lang = [Lang::En, Lang::En, Lang::En, Lang::De, Lang::Fr][rng.usize(..5)];
                let mut person = people::random_person(&mut rng, lang);
                let mut guard = 0;
                while names.contains(&person.full()) && guard < 50 {
                    person = people::random_person(&mut rng, lang);
                    guard += 1;
                }
                let status = if chance(&mut rng, 0.2) {
                    "INACTIVE"
                } else {
                    "ACTIVE"
                };
                (person.first, person.last, person.female, status)
            }
        };
        names.insert(format!("{first} {last}"));
        let gender = match i {
            8 => "OTHER",
            9 => "UNKNOWN",
            _ if i >= FIXED.len() && chance(&mut rng, 0.06) => ["OTHER", "UNKNOWN"][rng.usize(..2)],
            _ if female => "FEMALE",
            _ => "MALE",
        };
        let phone = if i >= FIXED.len() && chance(&mut rng, 0.1) {
            None
        } else {
            let mut p;
            loop {
                p = format!("+1{}55501{:02}", pick(&mut rng, &AREA_CODES), rng.u8(..100));
                if phones.insert(p.clone()) {
                    break;
                }
            }
            Some(p)
        };
        let birth = NaiveDate::from_ymd_opt(1938 + rng.i32(0..68), 1 + rng.u32(0..12), 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(rng.u64(0..28))))
            .unwrap_or_default();
        let created_at =
            opts.now - TimeDelta::days(rng.i64(90..900)) - TimeDelta::minutes(rng.i64(0..1440));
        let updated_at = created_at + TimeDelta::days(rng.i64(0..60));
        let email = format!("{}.{}@example.org", ascii_fold(&first), ascii_fold(&last));
        let mut id_rng = rng_for(opts.seed, "welkin-patient-id", i as u64);
        let id = uuid_v4(&mut id_rng);
        let count = match i {
            0 => 37,
            1 => 5,
            _ => 5 + rng.usize(0..36),
        };
        let calls = make_calls(opts, i, count);
        out.push(PatientRec {
            id,
            first,
            last,
            birth,
            gender,
            email,
            phone,
            mrn: format!("MRN-{:05}", 123 + i * 29),
            status,
            created_at,
            updated_at: updated_at.min(opts.now),
            calls,
        });
    }
    out.sort_by(|a, b| {
        (a.last.to_lowercase(), a.first.to_lowercase(), &a.id).cmp(&(
            b.last.to_lowercase(),
            b.first.to_lowercase(),
            &b.id,
        ))
    });
    out
}

const STATUSES: [&str; 5] = ["COMPLETED", "NO_ANSWER", "BUSY", "FAILED", "CANCELED"];
const STATUS_WEIGHTS: [u32; 5] = [70, 12, 5, 5, 8];
const FORMATS: [AudioFormat; 4] = [
    AudioFormat::Mp3Cbr,
    AudioFormat::Mp3Vbr,
    AudioFormat::WavPcm16,
    AudioFormat::WavMulaw,
];
const FORMAT_WEIGHTS: [u32; 4] = [35, 25, 20, 20];

fn make_calls(opts: &EmulatorOptions, patient: usize, count: usize) -> Vec<CallRec> {
    let mut rng = rng_for(opts.seed, "welkin-calls", patient as u64);
    let earliest = opts.now - TimeDelta::days(60);
    let latest = opts.now - TimeDelta::minutes(5);
    let mut seen = HashSet::new();
    let mut times = Vec::with_capacity(count);
    let mut attempts = 0;
    while times.len() < count && attempts < 100_000 {
        attempts += 1;
        // US office hours: 13:00–23:00 UTC.
        let day = opts.now.date_naive() - TimeDelta::days(rng.i64(0..61));
        let Some(t) = day.and_hms_opt(13 + rng.u32(0..10), rng.u32(0..60), rng.u32(0..60)) else {
            continue;
        };
        let t = t.and_utc();
        if t <= earliest || t >= latest || !seen.insert(t) {
            continue;
        }
        times.push(t);
    }
    times.sort_by(|a, b| b.cmp(a));
    times
        .into_iter()
        .enumerate()
        .map(|(ci, called_at)| {
            let status = STATUSES[pick_weighted(&mut rng, &STATUS_WEIGHTS)];
            let direction = if chance(&mut rng, 0.55) {
                "OUTBOUND"
            } else {
                "INBOUND"
            };
            let duration = match status {
                "COMPLETED" => {
                    if chance(&mut rng, 0.8) {
                        rng.u32(60..600)
                    } else {
                        rng.u32(20..1500)
                    }
                }
                "CANCELED" => rng.u32(0..20),
                "FAILED" => rng.u32(0..5),
                _ => 0,
            };
            let clip = (status == "COMPLETED" && chance(&mut rng, 0.85)).then(|| {
                let format = FORMATS[pick_weighted(&mut rng, &FORMAT_WEIGHTS)];
                recordings::pick(format, Some("en"), (patient * 1000 + ci) as u64)
            });
            let mut id_rng = rng_for(opts.seed, "welkin-call-id", (patient * 1000 + ci) as u64);
            CallRec {
                id: uuid_v4(&mut id_rng),
                direction,
                duration,
                status,
                called_at,
                clip,
            }
        })
        .collect()
}
