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
//!
//! # Recording test controls
//! [`TalkPilotEmulator::recording_link`] (throttle, latency, a one-shot connection drop, see
//! [`crate::link`]) applies to the storage host's recording URLs.
//! [`TalkPilotEmulator::set_test_recording`] serves a fixture at every non-purged call's signed
//! URL (same URLs, `Range`/`206`, the fixture's `Content-Type`);
//! [`TalkPilotEmulator::recording_bytes`] is exactly what is served for a call.
//! [`TalkPilotEmulator::expire_recording_urls`] makes every URL issued so far answer `403`
//! `AccessDenied` "Request has expired" (S3 XML, `Expires` and `ServerTime` as the server sees
//! them) from its next request on, downloads under way finishing; a detail fetched afterwards
//! carries a fresh URL that works (its `expires` is at least one second later than any expired
//! one's).

mod answers;
mod conversation;
mod data;
mod query;
mod routes;
mod scripts;
mod storage;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use self::data::{AgentRec, CallRec, Special, agent_json, call_list_json};
use super::host::{HostSteps, Paths, host};
use super::link::{RecordingControls, RecordingLink, TestRecording, read_all};
use super::log::{LogPolicy, RequestLog};
use super::net::{ByteSource, ControlledListener, ServerGuard};
use super::{EmulatorOptions, Faults, RateLimiter, UrlSigner, hex, mix64, rng_for, unix_now_ms};

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
    /// Size of the WAV file in bytes (recordings are capped at 15 minutes); with a test
    /// recording set, the fixture's size.
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
    let api = HostSteps {
        paths: Paths::Segments { base: BASE_PATH },
        log: Some((
            shared.api_log.clone(),
            LogPolicy {
                base_path: Some(BASE_PATH),
                ..LogPolicy::FULL
            },
        )),
    };
    guard.spawn(api_listener, host(routes::router(shared.clone()), api));
    let storage = HostSteps {
        paths: Paths::Raw,
        log: Some((shared.storage_log.clone(), LogPolicy::STORAGE)),
    };
    guard.spawn(
        storage_listener,
        host(storage::router(shared.clone()), storage),
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
    /// Every request to the API, in order (path below the base path, query, headers).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.api_log.all()
    }

    pub fn clear_requests(&self) {
        self.shared.api_log.clear();
    }

    pub fn storage_requests(&self) -> Vec<RecordedRequest> {
        self.shared.storage_log.all()
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
                    recording_bytes: s.recording_source(c).byte_len(),
                })
            })
            .collect()
    }

    /// Throttle recording downloads to `bytes_per_sec` (None: full speed); the same as
    /// `recording_link().set_bytes_per_sec(…)`.
    pub fn throttle_storage(&self, bytes_per_sec: Option<u64>) {
        self.shared.rec.link.set_bytes_per_sec(bytes_per_sec);
    }

    /// The link recordings are downloaded over: throttle, latency, a one-shot drop (see
    /// [`crate::link`]).
    pub fn recording_link(&self) -> &RecordingLink {
        &self.shared.rec.link
    }

    /// Serve `fixture` at the recording URL of every non-purged call (`None`: the calls' own
    /// recordings again).
    pub fn set_test_recording(&self, fixture: Option<TestRecording>) {
        self.shared.rec.set_fixture(fixture);
    }

    /// Exactly the bytes the storage host serves for a call's recording (the fixture when one
    /// is set); the call is named by its record `id` or its `call_id`. Purged or unknown: `None`.
    pub fn recording_bytes(&self, id: &str) -> Option<Vec<u8>> {
        let s = &self.shared;
        let (ai, ci) =
            match s.by_call_id.get(id) {
                Some(&at) => at,
                None => s.calls.iter().enumerate().find_map(|(ai, list)| {
                    list.iter().position(|c| c.id == id).map(|ci| (ai, ci))
                })?,
            };
        let c = &s.calls[ai][ci];
        (!c.is_purged).then(|| read_all(s.recording_source(c).as_ref()))
    }

    /// Every recording URL issued so far answers `403` "Request has expired" on its next
    /// request (a download under way finishes); URLs issued afterwards work.
    pub fn expire_recording_urls(&self) {
        let through = UrlSigner::expiry_for(self.shared.opts.signed_url_ttl);
        self.shared
            .revoked_through
            .fetch_max(through, Ordering::SeqCst);
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

/// What an API key may do.
#[derive(Clone, Copy)]
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
    storage_log: RequestLog,
    /// Requests to the API (headers kept: tests check the key went only there).
    api_log: RequestLog,
    rec: RecordingControls,
    /// Signed URLs whose `expires` is at or before this (Unix seconds) are expired.
    revoked_through: AtomicU64,
    req_counter: AtomicU64,
}

impl Shared {
    fn new(opts: EmulatorOptions, storage_base: String) -> Self {
        let (agents, calls) = data::generate(&opts);
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
            storage_log: RequestLog::default(),
            api_log: RequestLog::default(),
            rec: RecordingControls::default(),
            revoked_through: AtomicU64::new(0),
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
        // Later than every URL expired by `expire_recording_urls` (unchanged otherwise).
        let expires = UrlSigner::expiry_for(self.opts.signed_url_ttl)
            .max(self.revoked_through.load(Ordering::SeqCst) + 1);
        let token = self.signer.token(&object, expires);
        format!(
            "{}{STORAGE_SIGN_PREFIX}{object}?token={token}&expires={expires}",
            self.storage_base
        )
    }

    /// The recording a call's URL serves: the fixture, or the call's own audio.
    fn recording_source(&self, c: &CallRec) -> Arc<dyn ByteSource> {
        match self.rec.fixture() {
            Some(f) => f.source(),
            None => c.audio.clone(),
        }
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
