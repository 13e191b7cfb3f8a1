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
//!
//! # Recording test controls
//! [`WelkinEmulator::recording_link`] (throttle, latency, a one-shot connection drop, see
//! [`crate::link`]) applies to the recording endpoint (after the token check: a refused token is
//! answered at once). [`WelkinEmulator::set_test_recording`] serves a fixture as every call's
//! recording with Welkin's delivery (always `200`, whole body, `Range` ignored,
//! `Content-Disposition` `recording-{callId}.mp3` for an MPEG fixture, else `.wav`);
//! [`WelkinEmulator::recording_bytes`] is exactly what is served for a call.

mod answers;
mod auth;
mod data;
mod query;
mod routes;
mod storage;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use self::auth::{ApiClient, TokenLimit, TokenRec};
use self::data::{PatientRec, call_json, patient_json};
use super::host::{HostSteps, Paths, host};
use super::link::{RecordingControls, RecordingLink, TestRecording, read_all};
use super::log::{LogPolicy, RequestLog};
use super::net::{ControlledListener, ServerGuard};
use super::{EmulatorOptions, Faults, lock, unix_now_ms};

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

/// One request the emulator received (token and resource requests alike): the shared
/// [`crate::RecordedRequest`], with path, query and headers.
pub type WelkinRequest = super::RecordedRequest;

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
    let steps = HostSteps {
        paths: Paths::Segments { base: "" },
        log: Some((shared.log.clone(), LogPolicy::FULL)),
    };
    guard.spawn(listener, host(routes::router(shared.clone()), steps));
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
        self.shared.log.all()
    }

    pub fn clear_requests(&self) {
        self.shared.log.clear();
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

    /// The bytes and `Content-Type` of a call's own recording, if it has one (what the endpoint
    /// serves unless a test recording is set; see [`Self::recording_bytes`]).
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

    /// Throttle recording downloads to `bytes_per_sec` (None: full speed); the same as
    /// `recording_link().set_bytes_per_sec(…)`.
    pub fn throttle_recordings(&self, bytes_per_sec: Option<u64>) {
        self.shared.rec.link.set_bytes_per_sec(bytes_per_sec);
    }

    /// The link recordings are downloaded over: throttle, latency, a one-shot drop (see
    /// [`crate::link`]).
    pub fn recording_link(&self) -> &RecordingLink {
        &self.shared.rec.link
    }

    /// Serve `fixture` as the recording of every call that has one (`None`: the calls' own
    /// recordings again).
    pub fn set_test_recording(&self, fixture: Option<TestRecording>) {
        self.shared.rec.set_fixture(fixture);
    }

    /// Exactly the bytes the recording endpoint serves for a call (the fixture when one is
    /// set), if the call has a recording.
    pub fn recording_bytes(&self, patient_id: &str, call_id: &str) -> Option<Vec<u8>> {
        let p = self.shared.patient(patient_id)?;
        let clip = p.calls.iter().find(|c| c.id == call_id)?.clip?;
        Some(read_all(self.shared.recording_file(clip).source.as_ref()))
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
    log: RequestLog,
    rec: RecordingControls,
    token_counter: AtomicU64,
}

impl Shared {
    fn new(opts: EmulatorOptions, vopts: WelkinOptions) -> Self {
        Shared {
            clients: auth::make_clients(opts.seed),
            patients: data::generate(&opts, &vopts),
            opts,
            vopts,
            tokens: Mutex::new(HashMap::new()),
            limits: Mutex::new(HashMap::new()),
            token_requests: AtomicUsize::new(0),
            faults: Faults::default(),
            scoped_faults: Default::default(),
            log: RequestLog::default(),
            rec: RecordingControls::default(),
            token_counter: AtomicU64::new(0),
        }
    }

    fn patient(&self, id: &str) -> Option<&PatientRec> {
        self.patients.iter().find(|p| p.id == id)
    }
}
