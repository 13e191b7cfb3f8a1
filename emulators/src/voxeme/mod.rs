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
//!
//! # Recording test controls
//! [`VoxemeEmulator::recording_link`] (throttle, latency, a one-shot connection drop, see
//! [`crate::link`]) applies to recordings on the API host (after the key and rate checks) and on
//! the media host. [`VoxemeEmulator::set_test_recording`] serves a fixture as the recording of
//! every call that has one (a missing object stays `404`), chunked without a length like the
//! real ones; [`VoxemeEmulator::recording_bytes`] is exactly what is served for a call.

mod answers;
mod data;
mod live;
mod query;
mod routes;
mod storage;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use serde_json::Value;

use self::data::{Account, Cdr};
use super::host::{HostSteps, Paths, host};
use super::link::{RecordingControls, RecordingLink, TestRecording, read_all};
use super::log::{LogPolicy, RequestLog};
use super::net::{ControlledListener, ServerGuard};
use super::{
    EmulatorOptions, Faults, RateDecision, RateInfo, RateLimiter, rng_for, unix_now_ms, uuid_v4,
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

/// A request the API listener received: the shared [`crate::RecordedRequest`] with the path
/// without [`BASE_PATH`] (`/v1/Accounts/…`), the query and the headers (the `Authorization`
/// value is kept: tests check it).
pub type SeenRequest = super::RecordedRequest;

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
    let api = HostSteps {
        paths: Paths::Segments { base: BASE_PATH },
        log: Some((
            shared.log.clone(),
            LogPolicy {
                base_path: Some(BASE_PATH),
                ..LogPolicy::FULL
            },
        )),
    };
    guard.spawn(api_listener, host(routes::router(shared.clone()), api));
    if let Some(l) = media_listener {
        let media = HostSteps {
            paths: Paths::Segments { base: "" },
            log: Some((shared.media_log.clone(), LogPolicy::STORAGE)),
        };
        guard.spawn(l, host(storage::media_router(shared.clone()), media));
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
        self.shared.log.all()
    }

    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Every request the media host received, in order.
    pub fn media_requests(&self) -> Vec<RecordedRequest> {
        self.shared.media_log.all()
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

    /// Exactly the bytes served for a call's recording (the fixture when one is set), if its
    /// `recording_url` is set and its object is not missing.
    pub fn recording_bytes(&self, call_sid: &str) -> Option<Vec<u8>> {
        let (_, source) = self.shared.recording_of(call_sid)?;
        Some(read_all(source.as_ref()))
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
    log: RequestLog,
    media_log: RequestLog,
    api_base: String,
    media_base: Option<String>,
    rec: RecordingControls,
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
            log: RequestLog::default(),
            media_log: RequestLog::default(),
            api_base,
            media_base,
            rec: RecordingControls::default(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

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
