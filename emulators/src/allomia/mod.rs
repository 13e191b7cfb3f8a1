//! Emulator of the AlloMia API (see `shared/providers/allomia.md` and the Get Call seed page).
//!
//! Three listeners on 127.0.0.1: the API (`base_url()` = `http://127.0.0.1:P`, endpoints under
//! `/api/…`), a separate storage host (`storage_base_url()`) serving pre-signed transcript
//! (`.txt`) and recording (`.mp3`) URLs in the S3 query-string style
//! (`?X-Amz-Algorithm=…&X-Amz-Date=20250528T142015Z&X-Amz-Expires=3600&X-Amz-Signature=…`), and a
//! mirror storage host (`mirror_base_url()`, another port) that redirected recordings may go to.
//!
//! # Keys (`Authorization: Bearer <key>`)
//! - [`AlloMiaEmulator::tenant_key`] sees every organization and may list them;
//! - [`AlloMiaEmulator::organization_key`]`(i)` sees only `organizations()[i]`; it gets `403` on
//!   `/api/organization` (ASSUMED), and `404` for another organization's calls (list or detail).
//!
//! # Data (deterministic from `seed` and `now`)
//! - 3 organizations, oldest first (the default `sort=createdAt` order): a Québec clinic
//!   (`America/Montreal`, mostly French-Canadian calls, teams), an Ontario family health team
//!   (`America/Toronto`, bilingual, **no teams**: `teamId`/`teamName` null) and a California
//!   clinic (`America/Los_Angeles`, English, teams).
//! - 2–3 AI assistants per organization (`agentName` "Réception", "Front desk", …); reminder
//!   assistants make `Outbound` calls, the others take `Inbound` and `Web` calls.
//! - [`CALLS_PER_ORG`] calls per organization over the 60 days before `now`, office hours local
//!   time, newest first. Durations are strings of seconds (a few are JSON numbers, see
//!   [`CallFacts::duration_as_number`]). Every call has a French summary; the English one is null
//!   for some French calls. Voicemail calls have a null `userName`, `userPrimaryIntent` and
//!   `userSentiment`. Some calls have no transcript or no recording (`null` URLs).
//! - Transcripts are exactly the ASSUMED format: one turn per line, `Agent: …` or `User: …`
//!   (transfers end with the assistant handing over; no other speaker). Per organization, 4
//!   transcripts have unusual lines (blank lines, CRLF, lines without a speaker continuing the
//!   previous turn — among them a `Note: …` / `Rappel : …` line —, a ~1,700-character line) and 1
//!   is not in the `Speaker: text` format at all; one unusual transcript is among the 20 newest
//!   calls.
//!
//! # Query rules of `GET /api/calls`
//! `organizationId` required (400 when missing); `page` ≥ 1; `limit` 1..=50 (default 20);
//! `callType` exactly `Inbound`, `Outbound` or `Web`; `agentName` case-insensitive substring;
//! `from`/`to` **inclusive** on `callStartedAt`, ISO 8601 (RFC 3339 with any offset, a date-time
//! without zone taken as UTC, or a date = midnight UTC), `from` after `to` → 400;
//! `userPrimaryIntent` exact; `sort` `desc` (default), `asc`, `duration_desc`, `duration_asc`.
//! Empty values count as absent; unknown parameters are ignored. All 400s are checked before the
//! organization (404 "Organization not found", also for another organization's id with an
//! organization key). `GET /api/organization`: `page` ≥ 1, `limit` 1..=100 (default 10), `sort`
//! `createdAt`, `-createdAt`, `name`, `-name`, `search` (substring of the name).
//!
//! # Order of checks
//! fault injection → `Authorization` (401) → route (404) → permission (403) → query (400) →
//! organization / call (404). Errors are `{"error": "<message>"}`. No rate limit (none is
//! documented); `EmulatorOptions::rate_limit_*` are ignored.
//!
//! # Faults
//! Each API request takes at most one fault of [`AlloMiaEmulator::faults`] before any other
//! check: `Latency`, `RateLimited` (429 + `Retry-After`, `{"error": "Too many requests"}`),
//! `Status(n)` (`{"error": …}`; a 503 carries `Retry-After` when
//! [`AlloMiaOptions::unavailable_retry_after_secs`] is set), `ConnectionReset`, `TruncatedBody`,
//! `MalformedJson`, `WrongTypesRecord` (with [`WrongTypes::UnreadableId`], in a list the middle
//! item gets `id` as an array — unreadable —, `callDurationSeconds` as an object, `callStartedAt`
//! as a number and `callType` as a number; with [`WrongTypes::BadValues`] the records stay
//! readable, see there; a single call keeps its id and gets the wrong types on the other fields).
//! `Retry-After` is in seconds or, with [`RetryAfter::HttpDate`], an HTTP date.
//!
//! Each storage (or mirror) request takes at most one fault of
//! [`AlloMiaEmulator::storage_faults`]: `Latency`; `RateLimited` (503 `SlowDown` +
//! `Retry-After`); `Status(n)` (S3 XML: 500 `InternalError`, 503 `SlowDown`, others
//! `ServiceUnavailable`); `ConnectionReset` (dropped before any byte); `TruncatedBody` (an object
//! answer whose `Content-Length` promises all of it is cut about half way, mid-recording, then
//! the connection is dropped). `MalformedJson` and `WrongTypesRecord` do nothing there.
//!
//! # Storage host
//! `GET`/`HEAD` with `Range` (200/206/416). A request carrying `Authorization` → 400
//! `InvalidArgument` "Only one auth mechanism allowed…" (as S3 answers a pre-signed URL sent with
//! credentials), tampered signatures → 403 `SignatureDoesNotMatch`, expired → 403
//! `AccessDenied` "Request has expired", missing parameters → 403, a malformed `X-Amz-Date` →
//! 400, unknown object → 404 `NoSuchKey`, all with S3 XML bodies. The mirror host answers the
//! same way. With [`AlloMiaOptions::redirect_recordings`] (or
//! [`AlloMiaEmulator::set_redirect_recordings`]), recording URLs point at a signed
//! `recordings-redirect/` path that answers `302` to the signed recording path on the same host
//! ([`Redirect::SameHost`]) or on the mirror host ([`Redirect::OtherHost`]).
//! [`AlloMiaEmulator::expire_next_urls`] makes the next detail answers carry already-expired
//! URLs; [`AlloMiaEmulator::advance_url_clock`] moves the clock URLs are signed and checked with;
//! [`AlloMiaEmulator::rotate_signing_key`] invalidates every URL issued so far.
//!
//! # Recording test controls
//! [`AlloMiaEmulator::recording_link`] (throttle, latency, a one-shot connection drop, see
//! [`crate::link`]) applies to recording requests on the storage and mirror hosts (after the
//! storage faults). [`AlloMiaEmulator::set_test_recording`] serves a fixture at the recording URL
//! of every call that has one (same URLs, `Range`/`206`, the fixture's `Content-Type`);
//! [`AlloMiaEmulator::recording_bytes`] is exactly what is served for a call.
//! [`AlloMiaEmulator::expire_recording_urls`] makes every URL issued so far (recordings and
//! transcripts) answer `403` `AccessDenied` "Request has expired" from its next request on,
//! downloads under way finishing; a detail fetched afterwards carries fresh URLs that work (their
//! expiry is at least one second later than any expired one's; the URL clock does not move).

mod answers;
mod content;
mod data;
mod query;
mod routes;
mod scripts;
mod storage;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::Value;

use self::data::{CallRec, OrgRec, Special, org_json};
use self::scripts::SCENARIOS;
use self::storage::Host;
use super::host::{HostSteps, Paths, host};
use super::link::{RecordingControls, RecordingLink, TestRecording, read_all};
use super::log::{LogPolicy, RequestLog};
use super::net::{ControlledListener, ServerGuard};
use super::{EmulatorOptions, Faults, UrlSigner, hex, lock, rng_for, unix_now_ms};

pub use super::RecordedRequest;

/// Calls generated per organization.
pub const CALLS_PER_ORG: usize = 150;
/// The bucket every signed object lives in on the storage host.
pub const BUCKET: &str = "/allomia-call-artifacts";

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// Vendor knobs (also changeable while the emulator runs, see the setters).
#[derive(Clone, Debug, Default)]
pub struct AlloMiaOptions {
    /// Recording URLs answer `302` to another signed path first.
    pub redirect_recordings: Redirect,
    /// Throttle recording downloads (bytes per second).
    pub storage_bytes_per_sec: Option<u64>,
    /// How `Retry-After` is written on 429 and 503 answers.
    pub retry_after: RetryAfter,
    /// `Fault::Status(503)` answers carry `Retry-After` with this many seconds.
    pub unavailable_retry_after_secs: Option<u64>,
    /// What `Fault::WrongTypesRecord` breaks in a list.
    pub wrong_types: WrongTypes,
    /// Calls per organization (default [`CALLS_PER_ORG`]): a large number makes the scale
    /// trials' 100,000 calls (`examples/scale_server.rs`).
    pub calls_per_org: Option<usize>,
}

/// Where a redirecting recording URL sends the client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Redirect {
    #[default]
    None,
    /// `302` to another signed path on the same storage host.
    SameHost,
    /// `302` to the same object signed on the mirror host ([`AlloMiaEmulator::mirror_base_url`],
    /// another port), as S3 does to a CDN or another region.
    OtherHost,
}

/// The two forms of `Retry-After`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 3`.
    #[default]
    Seconds,
    /// `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (rounded up to the next second).
    HttpDate,
}

/// What `Fault::WrongTypesRecord` does to the middle item of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WrongTypes {
    /// The item gets `id` as an array (unreadable), and wrong types elsewhere.
    #[default]
    UnreadableId,
    /// The item keeps its id but gets `callDurationSeconds` as an object and `callType` as a
    /// number; the item after it gets an unreadable `callStartedAt` ("yesterday at 2 pm").
    BadValues,
}

/// A running AlloMia emulator. Dropping it stops both servers.
pub struct AlloMiaEmulator {
    shared: Arc<Shared>,
    api_addr: SocketAddr,
    storage_addr: SocketAddr,
    mirror_addr: SocketAddr,
    guard: ServerGuard,
}

/// A request the API host received: the shared [`crate::RecordedRequest`] with path, query and
/// whether an `Authorization` header was sent (its value is not kept).
pub type ApiRequest = super::RecordedRequest;

/// What a test needs to know about one generated call.
#[derive(Clone, Debug)]
pub struct CallFacts {
    pub id: String,
    pub organization_id: String,
    /// `en` or `fr-CA`.
    pub language: &'static str,
    pub call_type: &'static str,
    pub agent_name: &'static str,
    pub started_at: DateTime<Utc>,
    pub duration_secs: u32,
    /// `callDurationSeconds` is a JSON number instead of a string.
    pub duration_as_number: bool,
    pub intent: Option<&'static str>,
    pub outcome: &'static str,
    pub has_transcript: bool,
    pub has_recording: bool,
    /// `callSummary` (English) is null; `callSummaryFr` is set.
    pub english_summary_missing: bool,
    /// Blank lines, CRLF, a line without a speaker or a very long line.
    pub unusual_transcript: bool,
    /// Not in the `Speaker: text` format at all.
    pub unformatted_transcript: bool,
    /// Size of the MP3 recording in bytes; with a test recording set, the fixture's size.
    pub recording_bytes: u64,
}

/// Start the emulator on the current tokio runtime.
pub async fn start(opts: EmulatorOptions) -> std::io::Result<AlloMiaEmulator> {
    start_with(opts, AlloMiaOptions::default()).await
}

/// Start with vendor knobs.
pub async fn start_with(
    opts: EmulatorOptions,
    vopts: AlloMiaOptions,
) -> std::io::Result<AlloMiaEmulator> {
    let api_listener = ControlledListener::bind_local().await?;
    let storage_listener = ControlledListener::bind_local().await?;
    let mirror_listener = ControlledListener::bind_local().await?;
    let api_addr = api_listener.addr()?;
    let storage_addr = storage_listener.addr()?;
    let mirror_addr = mirror_listener.addr()?;
    let shared = Arc::new(Shared::new(
        opts,
        vopts,
        [
            format!("http://{storage_addr}"),
            format!("http://{mirror_addr}"),
        ],
    ));
    let mut guard = ServerGuard::new();
    let api_policy = LogPolicy {
        headers: false,
        ..LogPolicy::FULL
    };
    let api = HostSteps {
        paths: Paths::Segments { base: "" },
        log: Some((shared.api_log.clone(), api_policy)),
    };
    guard.spawn(api_listener, host(routes::router(shared.clone()), api));
    for (listener, which) in [
        (storage_listener, Host::Storage),
        (mirror_listener, Host::Mirror),
    ] {
        let steps = HostSteps {
            paths: Paths::Raw,
            log: Some((
                shared.storage_log[which as usize].clone(),
                LogPolicy::STORAGE,
            )),
        };
        guard.spawn(listener, host(storage::router(shared.clone()), steps));
    }
    Ok(AlloMiaEmulator {
        shared,
        api_addr,
        storage_addr,
        mirror_addr,
        guard,
    })
}

impl AlloMiaEmulator {
    /// e.g. `http://127.0.0.1:41234`; endpoints are `base_url() + "/api/…"`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.api_addr)
    }

    /// Origin of the storage host serving signed transcript and recording URLs.
    pub fn storage_base_url(&self) -> String {
        format!("http://{}", self.storage_addr)
    }

    /// Origin of the mirror storage host (another port) that [`Redirect::OtherHost`] sends
    /// recordings to. It checks URLs like the storage host.
    pub fn mirror_base_url(&self) -> String {
        format!("http://{}", self.mirror_addr)
    }

    /// Tenant key: every organization, may list them.
    pub fn tenant_key(&self) -> String {
        self.shared.tenant_key.clone()
    }

    /// Key of `organizations()[i]` only (an empty, invalid key for an unknown index).
    pub fn organization_key(&self, i: usize) -> String {
        self.shared.org_keys.get(i).cloned().unwrap_or_default()
    }

    /// The organizations as `GET /api/organization` lists them (oldest first).
    pub fn organizations(&self) -> Vec<Value> {
        self.shared.orgs.iter().map(org_json).collect()
    }

    /// Every list item of an organization, newest first, exactly as `GET /api/calls` returns
    /// them. Unknown organization: empty.
    pub fn calls(&self, org_id: &str) -> Vec<Value> {
        let s = &self.shared;
        match s.org_index(org_id) {
            Some(oi) => s.org_calls[oi]
                .iter()
                .map(|&ci| s.list_json(&s.calls[ci]))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The detail answer of a call, with freshly signed URLs.
    pub fn call_detail(&self, id: &str) -> Option<Value> {
        let ci = *self.shared.by_id.get(id)?;
        Some(self.shared.detail_json(&self.shared.calls[ci], false))
    }

    /// The plain-text transcript file of a call, if it has one.
    pub fn transcript_text(&self, id: &str) -> Option<String> {
        let ci = *self.shared.by_id.get(id)?;
        let c = &self.shared.calls[ci];
        c.has_transcript.then(|| self.shared.transcript(c))
    }

    /// From now on the storage host serves `text` as the transcript file of call `id` (one that
    /// has a transcript): an empty file, a byte order mark, lines in another form.
    pub fn replace_transcript(&self, id: &str, text: &str) {
        lock(&self.shared.transcripts).insert(id.to_string(), text.to_string());
    }

    /// Facts about every call (organization order, newest first).
    pub fn call_facts(&self) -> Vec<CallFacts> {
        let s = &self.shared;
        s.org_calls
            .iter()
            .flatten()
            .map(|&ci| {
                let c = &s.calls[ci];
                let org = &s.orgs[c.org];
                let out = &SCENARIOS[c.scenario].outcomes[c.outcome];
                CallFacts {
                    id: c.id.clone(),
                    organization_id: org.id.clone(),
                    language: c.lang_tag(),
                    call_type: c.call_type,
                    agent_name: org.agents[c.agent].name,
                    started_at: c.started,
                    duration_secs: c.duration,
                    duration_as_number: c.duration_number,
                    intent: c.intent(),
                    outcome: out.name,
                    has_transcript: c.has_transcript,
                    has_recording: c.has_recording,
                    english_summary_missing: !c.summary_en,
                    unusual_transcript: matches!(c.special, Special::Unusual(_)),
                    unformatted_transcript: c.special == Special::Unformatted,
                    recording_bytes: s.recording_source(c).1.byte_len(),
                }
            })
            .collect()
    }

    /// Faults for the API host (see the module docs).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Faults for the storage and mirror hosts: each storage request takes at most one (see the
    /// module docs).
    pub fn storage_faults(&self) -> &Faults {
        &self.shared.storage_faults
    }

    /// Every request the storage host received, in order (paths only: tokens are not kept).
    pub fn storage_requests(&self) -> Vec<RecordedRequest> {
        self.shared.storage_log[0].all()
    }

    /// Every request the mirror host received, in order (paths only).
    pub fn mirror_requests(&self) -> Vec<RecordedRequest> {
        self.shared.storage_log[1].all()
    }

    /// Every request the API host received, in order.
    pub fn api_requests(&self) -> Vec<ApiRequest> {
        self.shared.api_log.all()
    }

    /// Recording URLs in detail answers point at a path that redirects (302) once.
    pub fn set_redirect_recordings(&self, r: Redirect) {
        lock(&self.shared.knobs).redirect_recordings = r;
    }

    /// How `Retry-After` is written on 429 and 503 answers.
    pub fn set_retry_after(&self, form: RetryAfter) {
        lock(&self.shared.knobs).retry_after = form;
    }

    /// `Fault::Status(503)` answers carry `Retry-After` with this many seconds (None: none).
    pub fn set_unavailable_retry_after(&self, secs: Option<u64>) {
        lock(&self.shared.knobs).unavailable_retry_after_secs = secs;
    }

    /// What `Fault::WrongTypesRecord` breaks in a list.
    pub fn set_wrong_types(&self, w: WrongTypes) {
        lock(&self.shared.knobs).wrong_types = w;
    }

    /// Signed URLs are issued and checked as if `by` more had passed (cumulative). The client's
    /// clock does not move, so a URL issued before looks fresh to the client (its
    /// `X-Amz-Date` + `X-Amz-Expires` is still ahead) while the storage host answers it
    /// 403 "Request has expired", as with a skewed clock or a laptop that slept.
    pub fn advance_url_clock(&self, by: std::time::Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.shared.clock_offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// The next `n` detail answers carry URLs that have already expired.
    pub fn expire_next_urls(&self, n: usize) {
        self.shared.expire_next.store(n, Ordering::SeqCst);
    }

    /// A new signing key: every URL issued so far answers 403 `SignatureDoesNotMatch`.
    pub fn rotate_signing_key(&self) {
        let seed = self.shared.opts.seed;
        *lock(&self.shared.signer) = UrlSigner::new(seed ^ unix_now_ms());
    }

    /// Throttle recording downloads to `bytes_per_sec` (None: full speed); the same as
    /// `recording_link().set_bytes_per_sec(…)`.
    pub fn throttle_storage(&self, bytes_per_sec: Option<u64>) {
        lock(&self.shared.knobs).storage_bytes_per_sec = bytes_per_sec;
        self.shared.rec.link.set_bytes_per_sec(bytes_per_sec);
    }

    /// The link recordings are downloaded over: throttle (initially
    /// [`AlloMiaOptions::storage_bytes_per_sec`]), latency, a one-shot drop (see [`crate::link`]).
    pub fn recording_link(&self) -> &RecordingLink {
        &self.shared.rec.link
    }

    /// Serve `fixture` at the recording URL of every call that has one (`None`: the calls' own
    /// recordings again).
    pub fn set_test_recording(&self, fixture: Option<TestRecording>) {
        self.shared.rec.set_fixture(fixture);
    }

    /// Exactly the bytes the storage host serves for a call's recording (the fixture when one
    /// is set), if the call has one.
    pub fn recording_bytes(&self, id: &str) -> Option<Vec<u8>> {
        let c = &self.shared.calls[*self.shared.by_id.get(id)?];
        c.has_recording
            .then(|| read_all(self.shared.recording_source(c).1.as_ref()))
    }

    /// Every signed URL issued so far answers `403` "Request has expired" on its next request
    /// (a download under way finishes); URLs issued afterwards work.
    pub fn expire_recording_urls(&self) {
        self.shared.expire_urls();
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

/// Whose key a request carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Tenant,
    Org(usize),
}

struct Shared {
    opts: EmulatorOptions,
    orgs: Vec<OrgRec>,
    calls: Vec<CallRec>,
    org_calls: Vec<Vec<usize>>,
    by_id: HashMap<String, usize>,
    tenant_key: String,
    org_keys: Vec<String>,
    keys: HashMap<String, KeyKind>,
    faults: Faults,
    storage_faults: Faults,
    signer: Mutex<UrlSigner>,
    /// Origins of the storage host and of the mirror host.
    storage_base: [String; 2],
    /// Requests of the storage host and of the mirror host.
    storage_log: [RequestLog; 2],
    api_log: RequestLog,
    knobs: Mutex<AlloMiaOptions>,
    /// Transcript files replaced by a test, by call id.
    transcripts: Mutex<HashMap<String, String>>,
    expire_next: AtomicUsize,
    /// Added to the wall clock for signing and checking URLs.
    clock_offset_ms: AtomicU64,
    /// Signed URLs expiring at or before this (Unix seconds of the URL clock) are expired.
    revoked_through: AtomicU64,
    rec: RecordingControls,
}

impl Shared {
    fn new(opts: EmulatorOptions, vopts: AlloMiaOptions, storage_base: [String; 2]) -> Self {
        let per_org = vopts.calls_per_org.unwrap_or(CALLS_PER_ORG);
        let (orgs, calls) = data::generate(&opts, per_org);
        let mut org_calls = vec![Vec::new(); orgs.len()];
        let mut by_id = HashMap::new();
        for (ci, c) in calls.iter().enumerate() {
            org_calls[c.org].push(ci);
            by_id.insert(c.id.clone(), ci);
        }
        let mut rng = rng_for(opts.seed, "keys", 0);
        let tenant_key = format!("am_tenant_{}", hex(&mut rng, 40));
        let org_keys: Vec<String> = (0..orgs.len())
            .map(|_| format!("am_org_{}", hex(&mut rng, 40)))
            .collect();
        let mut keys = HashMap::new();
        keys.insert(tenant_key.clone(), KeyKind::Tenant);
        for (i, k) in org_keys.iter().enumerate() {
            keys.insert(k.clone(), KeyKind::Org(i));
        }
        Shared {
            signer: Mutex::new(UrlSigner::new(opts.seed)),
            opts,
            orgs,
            calls,
            org_calls,
            by_id,
            tenant_key,
            org_keys,
            keys,
            faults: Faults::default(),
            storage_faults: Faults::default(),
            storage_base,
            storage_log: Default::default(),
            api_log: RequestLog::default(),
            rec: RecordingControls::with_throttle(vopts.storage_bytes_per_sec),
            knobs: Mutex::new(vopts),
            transcripts: Mutex::default(),
            expire_next: AtomicUsize::new(0),
            clock_offset_ms: AtomicU64::new(0),
            revoked_through: AtomicU64::new(0),
        }
    }

    fn org_index(&self, id: &str) -> Option<usize> {
        self.orgs.iter().position(|o| o.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::answers::retry_after_value;
    use super::content::{UnusualLines, unusual_transcript};
    use super::scripts::W;
    use super::*;

    #[test]
    fn generation_is_complete() {
        let opts = EmulatorOptions {
            now: "2026-03-20T15:00:00Z".parse().unwrap(),
            ..EmulatorOptions::default()
        };
        let (orgs, calls) = data::generate(&opts, CALLS_PER_ORG);
        assert_eq!(orgs.len(), 3);
        assert_eq!(calls.len(), 3 * CALLS_PER_ORG);
    }

    #[test]
    fn unusual_transcripts_have_their_lines() {
        let turns = vec![
            (W::A, "Hello there. How can I help?".to_string()),
            (W::U, "Hi.".to_string()),
            (W::A, "Sure.".to_string()),
        ];
        let extra = UnusualLines {
            long: "LONG".into(),
            note: "Note: bring your card.".into(),
        };
        let t = unusual_transcript(3, &turns, &extra);
        assert!(t.starts_with('\n'));
        assert!(t.contains("\nUser: LONG\n"));
        assert!(t.contains("\n\n"));
        assert!(t.contains("\nAgent: Hello there.\nHow can I help?\nNote: bring your card.\n\n"));
        let t0 = unusual_transcript(0, &turns, &extra);
        assert!(t0.contains("\r\n\r\n"));
        let t1 = unusual_transcript(1, &turns, &extra);
        assert!(
            t1.starts_with(
                "Agent: Hello there.\nHow can I help?\nNote: bring your card.\nUser: Hi.\n"
            ),
            "{t1}"
        );
        // Only the two documented speakers.
        for t in [&t, &t0, &t1] {
            assert!(
                t.lines()
                    .filter_map(|l| l.split_once(": ").map(|(n, _)| n))
                    .all(|n| ["Agent", "User", "Note"].contains(&n)),
                "{t}"
            );
        }
    }

    #[test]
    fn retry_after_dates_are_http_dates_at_least_that_far() {
        let v = retry_after_value(3, RetryAfter::HttpDate);
        let when = DateTime::parse_from_rfc2822(v.to_str().unwrap()).unwrap();
        assert!(v.to_str().unwrap().ends_with(" GMT"));
        assert!(when.timestamp_millis() >= (unix_now_ms() + 2_000) as i64);
        assert_eq!(retry_after_value(3, RetryAfter::Seconds), "3");
    }
}
