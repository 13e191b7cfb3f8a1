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

mod scripts;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use chrono::{Weekday, format::StrftimeItems};
use serde_json::{Value, json};

use self::scripts::{SCENARIOS, W};
use super::net::{
    ByteSource, ConnHandle, ControlledListener, ServerGuard, s3_error, serve_bytes,
    truncated_response,
};
use super::people::{self, Lang, Person};
use super::recordings::{self, AudioFormat, Clip};
use super::{
    EmulatorOptions, Fault, Faults, UrlSigner, chance, hex, lock, mix64, pick, pick_weighted,
    rng_for, str_hash, unix_now_ms, uuid_v4,
};

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

/// A request the API host received (the `Authorization` value is not kept).
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: String,
    pub path: String,
    /// Decoded query pairs in order.
    pub query: Vec<(String, String)>,
    pub had_authorization: bool,
}

impl ApiRequest {
    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

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
    /// Size of the MP3 recording in bytes.
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
    guard.spawn(
        api_listener,
        Router::new().fallback(api_entry).with_state(shared.clone()),
    );
    for (listener, host) in [
        (storage_listener, Host::Storage),
        (mirror_listener, Host::Mirror),
    ] {
        let state = StorageState {
            shared: shared.clone(),
            host,
        };
        guard.spawn(
            listener,
            Router::new().fallback(storage_entry).with_state(state),
        );
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
                    recording_bytes: c.clip.bytes.len() as u64,
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
        lock(&self.shared.storage_log[0]).clone()
    }

    /// Every request the mirror host received, in order (paths only).
    pub fn mirror_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.storage_log[1]).clone()
    }

    /// Every request the API host received, in order.
    pub fn api_requests(&self) -> Vec<ApiRequest> {
        lock(&self.shared.api_log).clone()
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

    /// Throttle recording downloads to `bytes_per_sec` (None: full speed).
    pub fn throttle_storage(&self, bytes_per_sec: Option<u64>) {
        lock(&self.shared.knobs).storage_bytes_per_sec = bytes_per_sec;
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    FrontDesk,
    Billing,
    Reminder,
}

struct AgentSpec {
    name: &'static str,
    team: Option<&'static str>,
    kind: Kind,
    /// Share of French-speaking callers.
    fr: f64,
    weight: u32,
}

struct OrgSpec {
    name: &'static str,
    phone: &'static str,
    timezone: &'static str,
    /// Standard-time offset used for office hours.
    tz_hours: i64,
    age_days: i64,
    area_codes: &'static [&'static str],
    /// The health card (English, French).
    card: (&'static str, &'static str),
    pharmacies: &'static [&'static str],
    /// Doctors (English, French forms).
    doctors: &'static [(&'static str, &'static str)],
    agents: &'static [AgentSpec],
}

const ORG_SPECS: [OrgSpec; 3] = [
    OrgSpec {
        name: "Clinique médicale Saint-Laurent",
        phone: "+15145550100",
        timezone: "America/Montreal",
        tz_hours: -5,
        age_days: 900,
        area_codes: &["514", "438", "450"],
        card: ("RAMQ card", "carte d'assurance maladie"),
        pharmacies: &[
            "Pharmaprix Côte-des-Neiges",
            "Jean Coutu Saint-Laurent",
            "Brunet Décarie",
        ],
        doctors: &[
            ("Dr. Gagnon", "la Dre Gagnon"),
            ("Dr. Tremblay", "le Dr Tremblay"),
            ("Dr. Nguyen", "la Dre Nguyen"),
        ],
        agents: &[
            AgentSpec {
                name: "Réception",
                team: Some("Accueil"),
                kind: Kind::FrontDesk,
                fr: 0.85,
                weight: 60,
            },
            AgentSpec {
                name: "Rappels de rendez-vous",
                team: Some("Accueil"),
                kind: Kind::Reminder,
                fr: 0.85,
                weight: 28,
            },
            AgentSpec {
                name: "Facturation",
                team: Some("Administration"),
                kind: Kind::Billing,
                fr: 0.85,
                weight: 12,
            },
        ],
    },
    OrgSpec {
        name: "Riverside Family Health Team",
        phone: "+16135550142",
        timezone: "America/Toronto",
        tz_hours: -5,
        age_days: 500,
        area_codes: &["613", "343"],
        card: ("OHIP card", "carte Santé de l'Ontario"),
        pharmacies: &["Shoppers Drug Mart on Bank Street", "Rexall Westboro"],
        doctors: &[
            ("Dr. Patel", "la Dre Patel"),
            ("Dr. Campbell", "le Dr Campbell"),
            ("Dr. Lefebvre", "la Dre Lefebvre"),
        ],
        agents: &[
            AgentSpec {
                name: "Front desk",
                team: None,
                kind: Kind::FrontDesk,
                fr: 0.1,
                weight: 55,
            },
            AgentSpec {
                name: "Accueil francophone",
                team: None,
                kind: Kind::FrontDesk,
                fr: 1.0,
                weight: 20,
            },
            AgentSpec {
                name: "Appointment reminders",
                team: None,
                kind: Kind::Reminder,
                fr: 0.25,
                weight: 25,
            },
        ],
    },
    OrgSpec {
        name: "Valley Health Clinic",
        phone: "+14155551234",
        timezone: "America/Los_Angeles",
        tz_hours: -8,
        age_days: 200,
        area_codes: &["415", "650", "510"],
        card: ("insurance card", "carte d'assurance"),
        pharmacies: &["CVS on Castro Street", "Walgreens on Market Street"],
        doctors: &[
            ("Dr. Ramirez", "le Dr Ramirez"),
            ("Dr. Chen", "la Dre Chen"),
            ("Dr. Okafor", "le Dr Okafor"),
        ],
        agents: &[
            AgentSpec {
                name: "Front desk",
                team: Some("Front Office"),
                kind: Kind::FrontDesk,
                fr: 0.0,
                weight: 70,
            },
            AgentSpec {
                name: "Billing line",
                team: Some("Billing"),
                kind: Kind::Billing,
                fr: 0.0,
                weight: 30,
            },
        ],
    },
];

struct AgentRec {
    id: String,
    name: &'static str,
    team: Option<(String, &'static str)>,
}

struct OrgRec {
    id: String,
    spec: &'static OrgSpec,
    agents: Vec<AgentRec>,
    created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    None,
    /// 0: blank lines + CRLF, 1: continuation lines (the rest of a sentence, then a
    /// `Note: …` line that is no speaker), 2: a very long line, 3: all of them.
    Unusual(u8),
    Unformatted,
}

struct CallRec {
    id: String,
    org: usize,
    agent: usize,
    call_type: &'static str,
    lang: Lang,
    scenario: usize,
    outcome: usize,
    sentiment: Option<&'static str>,
    caller: Option<Person>,
    user_phone: Option<String>,
    started: DateTime<Utc>,
    duration: u32,
    created: DateTime<Utc>,
    duration_number: bool,
    has_transcript: bool,
    has_recording: bool,
    summary_en: bool,
    special: Special,
    conv_seed: u64,
    clip: &'static Clip,
}

impl CallRec {
    fn lang_tag(&self) -> &'static str {
        if self.lang == Lang::Fr { "fr-CA" } else { "en" }
    }

    fn is_voicemail(&self) -> bool {
        SCENARIOS[self.scenario].outcomes[self.outcome].name == "voicemail_left"
    }

    fn intent(&self) -> Option<&'static str> {
        (!self.is_voicemail()).then_some(SCENARIOS[self.scenario].intent)
    }
}

/// The lazily generated text of one call.
struct Content {
    transcript: String,
    summary_en: String,
    summary_fr: String,
}

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
    storage_log: [Mutex<Vec<RecordedRequest>>; 2],
    api_log: Mutex<Vec<ApiRequest>>,
    knobs: Mutex<AlloMiaOptions>,
    /// Transcript files replaced by a test, by call id.
    transcripts: Mutex<HashMap<String, String>>,
    expire_next: AtomicUsize,
    /// Added to the wall clock for signing and checking URLs.
    clock_offset_ms: AtomicU64,
}

/// Which storage listener a request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Host {
    Storage = 0,
    Mirror = 1,
}

#[derive(Clone)]
struct StorageState {
    shared: Arc<Shared>,
    host: Host,
}

impl Shared {
    fn new(opts: EmulatorOptions, vopts: AlloMiaOptions, storage_base: [String; 2]) -> Self {
        let (orgs, calls) = generate(&opts);
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
            api_log: Mutex::new(Vec::new()),
            knobs: Mutex::new(vopts),
            transcripts: Mutex::default(),
            expire_next: AtomicUsize::new(0),
            clock_offset_ms: AtomicU64::new(0),
        }
    }

    fn org_index(&self, id: &str) -> Option<usize> {
        self.orgs.iter().position(|o| o.id == id)
    }

    fn list_json(&self, c: &CallRec) -> Value {
        let org = &self.orgs[c.org];
        let agent = &org.agents[c.agent];
        let ended = c.started + TimeDelta::seconds(i64::from(c.duration));
        let duration = if c.duration_number {
            json!(c.duration)
        } else {
            json!(c.duration.to_string())
        };
        json!({
            "id": c.id,
            "organizationId": org.id,
            "callType": c.call_type,
            "agentId": agent.id,
            "agentName": agent.name,
            "teamId": agent.team.as_ref().map(|t| &t.0),
            "teamName": agent.team.as_ref().map(|t| t.1),
            "phoneNumber": (c.call_type != "Web").then_some(org.spec.phone),
            "callStartedAt": ts(&c.started),
            "callEndedAt": ts(&ended),
            "callDurationSeconds": duration,
            "userPhoneNumber": c.user_phone,
            "createdAt": ts(&c.created),
        })
    }

    /// The emulator's clock for signed URLs (see [`AlloMiaEmulator::advance_url_clock`]).
    fn url_now_ms(&self) -> u64 {
        unix_now_ms().saturating_add(self.clock_offset_ms.load(Ordering::SeqCst))
    }

    /// A signed URL on `host` for an object path (starting with `/`), valid for the configured
    /// TTL or already expired.
    fn sign(&self, host: Host, object: &str, expired: bool) -> String {
        let now_ms = self.url_now_ms();
        let ttl_ms = self.opts.signed_url_ttl.as_millis() as u64;
        let (date, expires_in) = if expired {
            (now_ms / 1000 - 7200, 3600)
        } else {
            let date = now_ms / 1000;
            (
                (date),
                (now_ms + ttl_ms).div_ceil(1000).max(date + 1) - date,
            )
        };
        let token = lock(&self.signer).token(object, date + expires_in);
        let when = DateTime::<Utc>::from_timestamp(date as i64, 0).unwrap_or_default();
        let amz_date = when.format_with_items(StrftimeItems::new("%Y%m%dT%H%M%SZ"));
        let day = when.format_with_items(StrftimeItems::new("%Y%m%d"));
        format!(
            "{}{object}?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAALLOMIAEMULATOR%2F{day}%2Fca-central-1%2Fs3%2Faws4_request\
             &X-Amz-Date={amz_date}&X-Amz-Expires={expires_in}&X-Amz-SignedHeaders=host\
             &X-Amz-Signature={token}",
            self.storage_base[host as usize]
        )
    }

    fn object_path(&self, c: &CallRec, kind: &str, ext: &str) -> String {
        format!("{BUCKET}/{kind}/{}/{}.{ext}", self.orgs[c.org].id, c.id)
    }

    fn detail_json(&self, c: &CallRec, expired: bool) -> Value {
        let mut v = self.list_json(c);
        let content = self.content(c);
        let out = &SCENARIOS[c.scenario].outcomes[c.outcome];
        let transcript_url = c.has_transcript.then(|| {
            let path = self.object_path(c, "transcripts", "txt");
            self.sign(Host::Storage, &path, expired)
        });
        let redirect = lock(&self.knobs).redirect_recordings;
        let recording_url = c.has_recording.then(|| {
            let kind = if redirect == Redirect::None {
                "recordings"
            } else {
                "recordings-redirect"
            };
            self.sign(Host::Storage, &self.object_path(c, kind, "mp3"), expired)
        });
        if let Value::Object(m) = &mut v {
            m.insert("callEndedReason".into(), json!(out.ended));
            m.insert(
                "userName".into(),
                json!(
                    c.caller
                        .as_ref()
                        .filter(|_| !c.is_voicemail())
                        .map(Person::full)
                ),
            );
            m.insert("userPrimaryIntent".into(), json!(c.intent()));
            m.insert("userSentiment".into(), json!(c.sentiment));
            m.insert("callOutcome".into(), json!(out.name));
            m.insert(
                "callSummary".into(),
                json!(c.summary_en.then_some(content.summary_en)),
            );
            m.insert("callSummaryFr".into(), json!(content.summary_fr));
            m.insert("transcriptUrl".into(), json!(transcript_url));
            m.insert("recordingUrl".into(), json!(recording_url));
        }
        v
    }

    /// The transcript file of a call (a replaced one, or the generated one).
    fn transcript(&self, c: &CallRec) -> String {
        match lock(&self.transcripts).get(&c.id) {
            Some(t) => t.clone(),
            None => self.content(c).transcript,
        }
    }

    /// Generates the transcript and both summaries of a call (deterministic).
    fn content(&self, c: &CallRec) -> Content {
        let mut rng = fastrand::Rng::with_seed(c.conv_seed);
        let org = &self.orgs[c.org];
        let spec = org.spec;
        let sc = &SCENARIOS[c.scenario];
        let out = &sc.outcomes[c.outcome];
        let local_day = (c.started + TimeDelta::hours(spec.tz_hours)).date_naive();
        let date = business_days_after(local_day, rng.u64(1..=12));
        let date2 = business_days_after(date, rng.u64(1..=4));
        let (h1, m1) = (rng.u32(8..17), [0, 15, 30, 45][rng.usize(..4)]);
        let (h2, m2) = (rng.u32(8..17), [0, 15, 30, 45][rng.usize(..4)]);
        let doc = *pick(&mut rng, spec.doctors);
        let med = *pick(&mut rng, scripts::MEDS);
        let pharmacy = *pick(&mut rng, spec.pharmacies);
        let cents = rng.u32(25..180) * 100 + [0, 50, 75][rng.usize(..3)];
        let inv = rng.u32(10_000..99_999).to_string();
        let dob = NaiveDate::from_ymd_opt(rng.i32(1938..2006), rng.u32(1..=12), rng.u32(1..=28))
            .unwrap_or(local_day);
        let vars = |lang: Lang| -> Vec<(&'static str, String)> {
            let fr = lang == Lang::Fr;
            vec![
                ("clinic", spec.name.to_string()),
                (
                    "caller",
                    match &c.caller {
                        Some(p) => p.full(),
                        None if fr => scripts::ANON_FR.to_string(),
                        None => scripts::ANON_EN.to_string(),
                    },
                ),
                ("doc", if fr { doc.1 } else { doc.0 }.to_string()),
                ("date", spoken_date(lang, date)),
                ("date2", spoken_date(lang, date2)),
                ("time", people::spoken_time(lang, h1, m1)),
                ("time2", people::spoken_time(lang, h2, m2)),
                ("med", if fr { med.1 } else { med.0 }.to_string()),
                ("pharmacy", pharmacy.to_string()),
                ("amount", money(lang, cents)),
                ("inv", inv.clone()),
                (
                    "card",
                    if fr { spec.card.1 } else { spec.card.0 }.to_string(),
                ),
                ("dob", birth_date(lang, dob)),
                (
                    "ne",
                    if c.caller.as_ref().is_some_and(|p| p.female) {
                        "née"
                    } else {
                        "né"
                    }
                    .to_string(),
                ),
            ]
        };
        let (v_call, v_en, v_fr) = (vars(c.lang), vars(Lang::En), vars(Lang::Fr));
        // In a French conversation "{doc}" at the start of a sentence reads "La Dre Gagnon".
        let text = if c.lang == Lang::Fr { &out.fr } else { &out.en };
        let mut turns: Vec<(W, String)> = Vec::new();
        if !sc.outbound {
            let greeting = if c.lang == Lang::Fr {
                scripts::GREETING_FR
            } else {
                scripts::GREETING_EN
            };
            turns.push((W::A, fill(greeting, &v_call)));
        }
        for (w, t) in text.turns {
            turns.push((*w, capitalise(&fill(t, &v_call))));
        }
        let transcript = match c.special {
            Special::Unformatted => {
                let raw = if c.lang == Lang::Fr {
                    scripts::UNFORMATTED_FR
                } else {
                    scripts::UNFORMATTED_EN
                };
                fill(raw, &v_call)
            }
            Special::Unusual(kind) => {
                let (long, note) = if c.lang == Lang::Fr {
                    (scripts::LONG_LINE_FR, scripts::NOTE_FR)
                } else {
                    (scripts::LONG_LINE_EN, scripts::NOTE_EN)
                };
                let lines = UnusualLines {
                    long: fill(long, &v_call),
                    note: fill(note, &v_call),
                };
                unusual_transcript(kind, &turns, &lines)
            }
            Special::None => plain_transcript(&turns),
        };
        Content {
            transcript,
            summary_en: capitalise(&fill(out.en.summary, &v_en)),
            summary_fr: capitalise(&fill(out.fr.summary, &v_fr)),
        }
    }
}

fn plain_transcript(turns: &[(W, String)]) -> String {
    let mut s = String::new();
    for (w, t) in turns {
        s.push_str(w.prefix());
        s.push_str(": ");
        s.push_str(t);
        s.push('\n');
    }
    s
}

/// The extra lines of an unusual transcript.
struct UnusualLines {
    /// A ~1,700-character caller line.
    long: String,
    /// A `Note: …` / `Rappel : …` line: no speaker, so it continues the first turn.
    note: String,
}

/// A transcript with the unusual lines real exports have.
fn unusual_transcript(kind: u8, turns: &[(W, String)], extra: &UnusualLines) -> String {
    let blank = kind == 0 || kind == 3;
    let split = kind == 1 || kind == 3;
    let long = kind == 2 || kind == 3;
    let eol = if kind == 0 { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = Vec::new();
    if kind == 3 {
        lines.push(String::new());
    }
    for (i, (w, t)) in turns.iter().enumerate() {
        if split && i == 0 {
            // The turn continues on a line without a speaker.
            match t.find(". ") {
                Some(cut) => {
                    lines.push(format!("{}: {}", w.prefix(), &t[..=cut]));
                    lines.push(t[cut + 2..].to_string());
                }
                None => {
                    lines.push(format!("{}: {t}", w.prefix()));
                    lines.push("(pause)".to_string());
                }
            }
            lines.push(extra.note.clone());
        } else if kind == 3 && i == 2 {
            lines.push(format!("{}:   {t}", w.prefix()));
        } else {
            lines.push(format!("{}: {t}", w.prefix()));
        }
        if long && i == 1 {
            lines.push(format!("User: {}", extra.long));
        }
        if blank {
            lines.push(String::new());
        }
    }
    let mut s = lines.join(eol);
    s.push_str(eol);
    s
}

fn ts(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn org_json(o: &OrgRec) -> Value {
    json!({
        "id": o.id,
        "name": o.spec.name,
        "phoneNumber": o.spec.phone,
        "timezone": o.spec.timezone,
        "createdAt": ts(&o.created_at),
    })
}

fn fill(tpl: &str, vars: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(tpl.len() + 32);
    let mut rest = tpl;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let key = &after[..end];
                match vars.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => out.push_str(v),
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

/// Upper-cases the first letter ("la Dre Gagnon a …" at the start of a sentence).
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_lowercase() => c.to_uppercase().chain(chars).collect(),
        _ => s.to_string(),
    }
}

fn business_days_after(d: NaiveDate, n: u64) -> NaiveDate {
    let mut d = d;
    let mut k = 0;
    while k < n {
        let Some(next) = d.checked_add_days(Days::new(1)) else {
            break;
        };
        d = next;
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            k += 1;
        }
    }
    d
}

/// "Thursday, March 14" / "jeudi 14 mars".
fn spoken_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Fr => people::spoken_date(Lang::Fr, d),
        _ => format!(
            "{}, {} {}",
            people::weekday_name(Lang::En, d.weekday()),
            people::month_name(Lang::En, d.month()),
            d.day()
        ),
    }
}

/// "March 12, 1968" / "12 mars 1968".
fn birth_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Fr => format!(
            "{} {} {}",
            d.day(),
            people::month_name(Lang::Fr, d.month()),
            d.year()
        ),
        _ => format!(
            "{} {}, {}",
            people::month_name(Lang::En, d.month()),
            d.day(),
            d.year()
        ),
    }
}

/// "$84.50" / "84,50 $".
fn money(lang: Lang, cents: u32) -> String {
    match lang {
        Lang::Fr => format!("{},{:02} $", cents / 100, cents % 100),
        _ => format!("${}.{:02}", cents / 100, cents % 100),
    }
}

// ---------------------------------------------------------------------------
// Data generation
// ---------------------------------------------------------------------------

struct Caller {
    person: Option<Person>,
    phone: String,
    lang: Lang,
}

const CALLERS_PER_ORG: usize = 90;
const FREQUENT_CALLERS: usize = 6;

fn make_callers(seed: u64, oi: usize, spec: &OrgSpec) -> Vec<Caller> {
    let mut rng = rng_for(seed, "allomia-callers", oi as u64);
    let fr_share = {
        let total: u32 = spec.agents.iter().map(|a| a.weight).sum();
        spec.agents
            .iter()
            .map(|a| a.fr * f64::from(a.weight))
            .sum::<f64>()
            / f64::from(total.max(1))
    };
    let mut phones = HashSet::new();
    let mut out = Vec::with_capacity(CALLERS_PER_ORG);
    while out.len() < CALLERS_PER_ORG {
        let lang = if chance(&mut rng, fr_share) {
            Lang::Fr
        } else {
            Lang::En
        };
        let person = (out.len() < FREQUENT_CALLERS || !chance(&mut rng, 0.12))
            .then(|| people::random_person(&mut rng, lang));
        let phone = format!(
            "+1{}5550{}",
            pick(&mut rng, spec.area_codes),
            rng.u32(100..200)
        );
        if !phones.insert(phone.clone()) {
            continue;
        }
        out.push(Caller {
            person,
            phone,
            lang,
        });
    }
    out
}

/// Unique call start times at local office hours, newest first.
fn make_times(seed: u64, oi: usize, now: DateTime<Utc>, tz_hours: i64) -> Vec<DateTime<Utc>> {
    let mut rng = rng_for(seed, "allomia-times", oi as u64);
    const HOURS: [u32; 11] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
    const WEIGHTS: [u32; 11] = [8, 16, 16, 14, 8, 8, 12, 10, 8, 6, 3];
    let tz = TimeDelta::hours(tz_hours);
    let local_today = (now + tz).date_naive();
    let earliest = now - TimeDelta::days(60);
    let latest = now - TimeDelta::minutes(5);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(CALLS_PER_ORG);
    let mut attempts = 0u32;
    while out.len() < CALLS_PER_ORG && attempts < 200_000 {
        attempts += 1;
        let Some(day) = local_today.checked_sub_days(Days::new(rng.u64(0..61))) else {
            continue;
        };
        let keep = match day.weekday() {
            Weekday::Sat => 0.15,
            Weekday::Sun => 0.02,
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

fn generate(opts: &EmulatorOptions) -> (Vec<OrgRec>, Vec<CallRec>) {
    let seed = opts.seed;
    let now = opts.now;
    let mut orgs = Vec::new();
    let mut calls = Vec::new();
    for (oi, spec) in ORG_SPECS.iter().enumerate() {
        let mut rng = rng_for(seed, "allomia-org", oi as u64);
        let org_id = uuid_v4(&mut rng);
        let mut teams: HashMap<&str, String> = HashMap::new();
        let agents: Vec<AgentRec> = spec
            .agents
            .iter()
            .map(|a| AgentRec {
                id: uuid_v4(&mut rng),
                name: a.name,
                team: a.team.map(|t| {
                    let id = teams.entry(t).or_insert_with(|| uuid_v4(&mut rng)).clone();
                    (id, t)
                }),
            })
            .collect();
        let created_at = (now - TimeDelta::days(spec.age_days))
            .date_naive()
            .and_hms_opt(15, 4, 11)
            .map(|d| d.and_utc())
            .unwrap_or(now);
        orgs.push(OrgRec {
            id: org_id,
            spec,
            agents,
            created_at,
        });

        let callers = make_callers(seed, oi, spec);
        let times = make_times(seed, oi, now, spec.tz_hours);
        // Special transcripts: one unusual among the 20 newest, three more and one
        // unformatted among the rest.
        let mut srng = rng_for(seed, "allomia-specials", oi as u64);
        let n = times.len();
        let mut specials = vec![Special::None; n];
        if n > 25 {
            specials[srng.usize(2..20)] = Special::Unusual(3);
            let mut rest: Vec<usize> = (20..n).collect();
            srng.shuffle(&mut rest);
            for (idx, kind) in rest.iter().zip([
                Special::Unusual(0),
                Special::Unusual(1),
                Special::Unusual(2),
                Special::Unformatted,
            ]) {
                specials[*idx] = kind;
            }
        }
        let weights: Vec<u32> = spec.agents.iter().map(|a| a.weight).collect();
        for (i, (started, special)) in times.iter().zip(specials).enumerate() {
            let mut rng = rng_for(seed, "allomia-call", ((oi as u64) << 32) | i as u64);
            let ai = pick_weighted(&mut rng, &weights);
            let agent = &spec.agents[ai];
            let sc_weights = match agent.kind {
                Kind::FrontDesk => &scripts::FRONT_DESK_WEIGHTS,
                Kind::Billing => &scripts::BILLING_WEIGHTS,
                Kind::Reminder => &scripts::REMINDER_WEIGHTS,
            };
            let scenario = pick_weighted(&mut rng, sc_weights);
            let sc = &SCENARIOS[scenario];
            let ow: Vec<u32> = sc.outcomes.iter().map(|o| o.weight).collect();
            let mut outcome = pick_weighted(&mut rng, &ow);
            if special != Special::None && sc.outcomes[outcome].name == "voicemail_left" {
                outcome = 0;
            }
            let out = &sc.outcomes[outcome];
            let call_type = if sc.outbound {
                "Outbound"
            } else if chance(&mut rng, 0.18) {
                "Web"
            } else {
                "Inbound"
            };
            // A caller of the agent's language when there is one.
            let want_fr = chance(&mut rng, agent.fr);
            let caller = {
                let pick_one = |rng: &mut fastrand::Rng| {
                    if chance(rng, 0.3) {
                        &callers[rng.usize(..FREQUENT_CALLERS)]
                    } else {
                        &callers[rng.usize(..callers.len())]
                    }
                };
                let mut c = pick_one(&mut rng);
                for _ in 0..40 {
                    let lang_ok = (c.lang == Lang::Fr) == want_fr;
                    // Reminders go to patients the clinic knows by name.
                    if lang_ok && (!sc.outbound || c.person.is_some()) {
                        break;
                    }
                    c = pick_one(&mut rng);
                }
                c
            };
            let lang = if agent.fr >= 1.0 {
                Lang::Fr
            } else if agent.fr <= 0.0 {
                Lang::En
            } else {
                caller.lang
            };
            let duration = rng.u32(out.secs.0..=out.secs.1)
                + if matches!(special, Special::Unusual(2) | Special::Unusual(3)) {
                    240
                } else {
                    0
                };
            let sentiment = if out.name == "voicemail_left" {
                None
            } else {
                Some(["positive", "neutral", "negative"][pick_weighted(&mut rng, &out.sentiment)])
            };
            let has_transcript = special != Special::None || !chance(&mut rng, 0.05);
            let has_recording = !chance(&mut rng, if call_type == "Web" { 0.3 } else { 0.05 });
            let summary_en = !(lang == Lang::Fr && chance(&mut rng, 0.1));
            let ended = *started + TimeDelta::seconds(i64::from(duration));
            let created = ended + TimeDelta::seconds(rng.i64(8..75));
            let id = uuid_v4(&mut rng);
            let format = if i % 3 == 0 {
                AudioFormat::Mp3Vbr
            } else {
                AudioFormat::Mp3Cbr
            };
            let clip = recordings::pick(
                format,
                Some(if lang == Lang::Fr { "fr" } else { "en" }),
                str_hash(&id),
            );
            calls.push(CallRec {
                conv_seed: mix64(seed ^ str_hash(&id)),
                id,
                org: oi,
                agent: ai,
                call_type,
                lang,
                scenario,
                outcome,
                sentiment,
                caller: caller.person.clone(),
                user_phone: (call_type != "Web").then(|| caller.phone.clone()),
                started: *started,
                duration,
                created,
                duration_number: i % 23 == 7,
                has_transcript,
                has_recording,
                summary_en,
                special,
                clip,
            });
        }
    }
    (orgs, calls)
}

// ---------------------------------------------------------------------------
// API host
// ---------------------------------------------------------------------------

struct Answer {
    status: StatusCode,
    body: Value,
    retry_after: Option<u64>,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Answer {
            status: StatusCode::OK,
            body,
            retry_after: None,
        }
    }

    fn error(status: StatusCode, message: &str) -> Self {
        Answer {
            status,
            body: json!({ "error": message }),
            retry_after: None,
        }
    }
}

fn bad_request(message: &str) -> Answer {
    Answer::error(StatusCode::BAD_REQUEST, message)
}

fn message_for(status: u16) -> &'static str {
    match status {
        400 => "Invalid request data",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        429 => "Too many requests",
        502 => "Bad gateway",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => "Internal server error",
    }
}

/// Query pairs: the first of repeated parameters wins; empty values count as absent.
struct Query(HashMap<String, String>);

impl Query {
    fn parse(q: &str) -> Query {
        let mut m = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            m.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Query(m)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn page(&self) -> Result<u64, Answer> {
        match self.get("page") {
            None => Ok(1),
            Some(v) => match v.parse::<u64>() {
                Ok(p) if p >= 1 => Ok(p),
                _ => Err(bad_request("page must be a positive integer")),
            },
        }
    }

    fn limit(&self, default: u64, max: u64) -> Result<u64, Answer> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(l) if (1..=max).contains(&l) => Ok(l),
                _ => Err(bad_request(&format!("limit must be between 1 and {max}"))),
            },
        }
    }
}

/// ISO 8601: RFC 3339, a date-time without zone (UTC) or a date (midnight UTC).
fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn pagination(total: u64, page: u64, limit: u64) -> Value {
    let pages = total.div_ceil(limit);
    json!({
        "page": page,
        "limit": limit,
        "total": total,
        "totalPages": pages,
        "hasNextPage": page < pages,
        "hasPreviousPage": page > 1,
    })
}

fn slice<T: Clone>(items: &[T], page: u64, limit: u64) -> Vec<T> {
    let start = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    items
        .iter()
        .skip(start)
        .take(limit as usize)
        .cloned()
        .collect()
}

impl Shared {
    fn answer(&self, method: &Method, segs: &[&str], query: &str, headers: &HeaderMap) -> Answer {
        let auth = headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .unwrap_or_default();
        if auth.is_empty() {
            return Answer::error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: missing API key. Use 'Authorization: Bearer YOUR-API-KEY'",
            );
        }
        let token = match auth.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => {
                return Answer::error(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorized: invalid authorization header format",
                );
            }
        };
        let Some(&key) = self.keys.get(token) else {
            return Answer::error(StatusCode::UNAUTHORIZED, "Unauthorized: invalid API key");
        };
        if method != Method::GET {
            return Answer::error(StatusCode::NOT_FOUND, "Route not found");
        }
        let q = Query::parse(query);
        match segs {
            ["api", "organization"] => self.list_orgs(key, &q),
            ["api", "calls"] => self.list_calls(key, &q),
            ["api", "calls", id] => {
                let found = self.by_id.get(*id).map(|&ci| &self.calls[ci]);
                match found {
                    Some(c) if key == KeyKind::Tenant || key == KeyKind::Org(c.org) => {
                        let expired = self
                            .expire_next
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        Answer::ok(self.detail_json(c, expired))
                    }
                    _ => Answer::error(StatusCode::NOT_FOUND, "Call not found"),
                }
            }
            _ => Answer::error(StatusCode::NOT_FOUND, "Route not found"),
        }
    }

    fn list_orgs(&self, key: KeyKind, q: &Query) -> Answer {
        if key != KeyKind::Tenant {
            return Answer::error(
                StatusCode::FORBIDDEN,
                "Forbidden: organization API keys cannot list organizations",
            );
        }
        let (page, limit) = match (q.page(), q.limit(10, 100)) {
            (Ok(p), Ok(l)) => (p, l),
            (Err(a), _) | (_, Err(a)) => return a,
        };
        let mut orgs: Vec<&OrgRec> = self.orgs.iter().collect();
        match q.get("sort").unwrap_or("createdAt") {
            "createdAt" => orgs.sort_by_key(|o| o.created_at),
            "-createdAt" => orgs.sort_by_key(|o| std::cmp::Reverse(o.created_at)),
            "name" => orgs.sort_by_key(|o| o.spec.name.to_lowercase()),
            "-name" => orgs.sort_by_key(|o| std::cmp::Reverse(o.spec.name.to_lowercase())),
            _ => {
                return bad_request(
                    "Invalid sort. Must be one of: createdAt, -createdAt, name, -name",
                );
            }
        }
        if let Some(s) = q.get("search") {
            let s = s.to_lowercase();
            orgs.retain(|o| o.spec.name.to_lowercase().contains(&s));
        }
        let items: Vec<Value> = orgs.iter().map(|o| org_json(o)).collect();
        Answer::ok(json!({
            "organizations": slice(&items, page, limit),
            "pagination": pagination(items.len() as u64, page, limit),
        }))
    }

    fn list_calls(&self, key: KeyKind, q: &Query) -> Answer {
        let Some(org_id) = q.get("organizationId") else {
            return bad_request("organizationId is required");
        };
        let (page, limit) = match (q.page(), q.limit(20, 50)) {
            (Ok(p), Ok(l)) => (p, l),
            (Err(a), _) | (_, Err(a)) => return a,
        };
        let call_type = match q.get("callType") {
            None => None,
            Some(t @ ("Inbound" | "Outbound" | "Web")) => Some(t),
            Some(_) => {
                return bad_request("Invalid callType. Must be one of: Inbound, Outbound, Web");
            }
        };
        let mut bounds = [None, None];
        for (i, name) in ["from", "to"].iter().enumerate() {
            if let Some(v) = q.get(name) {
                match parse_datetime(v) {
                    Some(d) => bounds[i] = Some(d),
                    None => {
                        return bad_request(&format!(
                            "Invalid date format for '{name}'. Use ISO 8601, e.g. 2025-05-01T00:00:00Z"
                        ));
                    }
                }
            }
        }
        let [from, to] = bounds;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return bad_request("'from' date must be before 'to' date");
        }
        let sort = q.get("sort").unwrap_or("desc");
        if !["desc", "asc", "duration_desc", "duration_asc"].contains(&sort) {
            return bad_request(
                "Invalid sort. Must be one of: desc, asc, duration_desc, duration_asc",
            );
        }
        let oi = match self.org_index(org_id) {
            Some(oi) if key == KeyKind::Tenant || key == KeyKind::Org(oi) => oi,
            _ => return Answer::error(StatusCode::NOT_FOUND, "Organization not found"),
        };
        let agent = q.get("agentName").map(str::to_lowercase);
        let intent = q.get("userPrimaryIntent");
        let mut items: Vec<&CallRec> = self.org_calls[oi]
            .iter()
            .map(|&ci| &self.calls[ci])
            .filter(|c| call_type.is_none_or(|t| c.call_type == t))
            .filter(|c| {
                agent.as_ref().is_none_or(|a| {
                    self.orgs[oi].agents[c.agent]
                        .name
                        .to_lowercase()
                        .contains(a.as_str())
                })
            })
            .filter(|c| from.is_none_or(|f| c.started >= f))
            .filter(|c| to.is_none_or(|t| c.started <= t))
            .filter(|c| intent.is_none_or(|i| c.intent() == Some(i)))
            .collect();
        match sort {
            "asc" => items.reverse(),
            "duration_desc" => items.sort_by_key(|c| std::cmp::Reverse(c.duration)),
            "duration_asc" => items.sort_by_key(|c| c.duration),
            _ => {}
        }
        let total = items.len() as u64;
        let page_items: Vec<Value> = slice(&items, page, limit)
            .into_iter()
            .map(|c| self.list_json(c))
            .collect();
        Answer::ok(json!({
            "calls": page_items,
            "pagination": pagination(total, page, limit),
        }))
    }
}

/// The status of a `Fault::Status` (an error status; 500 for anything else).
fn fault_status(code: u16) -> StatusCode {
    StatusCode::from_u16(code)
        .ok()
        .filter(|s| s.is_client_error() || s.is_server_error())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Give one record wrong types (see the module docs).
fn corrupt_record(body: &mut Value, mode: WrongTypes) {
    let list = ["calls", "organizations"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_array).map(|_| *k));
    if let Some(k) = list {
        let Some(Value::Array(items)) = body.get_mut(k) else {
            return;
        };
        if items.is_empty() {
            return;
        }
        let mid = items.len() / 2;
        if mode == WrongTypes::BadValues {
            let calls = k == "calls";
            if let Value::Object(m) = &mut items[mid] {
                if calls {
                    m.insert("callDurationSeconds".into(), json!({"value": "180"}));
                    m.insert("callType".into(), json!(3));
                } else {
                    m.insert("timezone".into(), json!({"offset": -5}));
                }
            }
            if calls && let Some(Value::Object(m)) = items.get_mut(mid + 1) {
                m.insert("callStartedAt".into(), json!("yesterday at 2 pm"));
            }
            return;
        }
        if let Value::Object(m) = &mut items[mid] {
            let id = m.get("id").cloned().unwrap_or(Value::Null);
            m.insert("id".into(), json!([id]));
            if k == "calls" {
                m.insert("callDurationSeconds".into(), json!({"value": 180}));
                m.insert("callStartedAt".into(), json!(1_748_442_015));
                m.insert("callType".into(), json!(3));
            } else {
                m.insert("name".into(), json!(42));
            }
        }
        return;
    }
    if let Value::Object(m) = body {
        m.insert("callDurationSeconds".into(), json!(["180"]));
        m.insert("callStartedAt".into(), json!(true));
        m.insert("callType".into(), json!(1));
        m.insert("userSentiment".into(), json!(0.8));
    }
}

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers
}

/// `Retry-After` for a wait of `secs`, in seconds or as an HTTP date (rounded up, so the
/// wait is at least `secs`).
fn retry_after_value(secs: u64, form: RetryAfter) -> HeaderValue {
    match form {
        RetryAfter::Seconds => HeaderValue::from(secs),
        RetryAfter::HttpDate => {
            let at = unix_now_ms()
                .saturating_add(secs.saturating_mul(1000))
                .div_ceil(1000);
            let date = DateTime::<Utc>::from_timestamp(i64::try_from(at).unwrap_or(0), 0)
                .unwrap_or_default()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            HeaderValue::from_str(&date).unwrap_or_else(|_| HeaderValue::from(secs))
        }
    }
}

fn build_response(a: Answer, form: RetryAfter) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut headers = json_headers();
    if let Some(s) = a.retry_after {
        headers.insert(header::RETRY_AFTER, retry_after_value(s, form));
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

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn api_entry(State(st): State<Arc<Shared>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();
    lock(&st.api_log).push(ApiRequest {
        method: method.to_string(),
        path: path.clone(),
        query: url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        had_authorization: req.headers().contains_key(header::AUTHORIZATION),
    });
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();

    let conn = ConnHandle::of(&req);
    let knobs = lock(&st.knobs).clone();
    let mut truncate = false;
    let mut wrong_types = false;
    match st.faults.take() {
        None => {}
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut a = Answer::error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            a.retry_after = Some(retry_after_secs);
            let (s, h, b) = build_response(a, knobs.retry_after);
            return into_response(s, h, b);
        }
        Some(Fault::Status(code)) => {
            let status = fault_status(code);
            let mut a = Answer::error(status, message_for(status.as_u16()));
            if status == StatusCode::SERVICE_UNAVAILABLE {
                a.retry_after = knobs.unavailable_retry_after_secs;
            }
            let (s, h, b) = build_response(a, knobs.retry_after);
            return into_response(s, h, b);
        }
        Some(Fault::ConnectionReset) => {
            if let Some(c) = &conn {
                c.kill();
            }
            return into_response(StatusCode::OK, HeaderMap::new(), Vec::new());
        }
        Some(Fault::MalformedJson) => {
            let body = br#"{"calls":[{"id":"f6a7b8c9-1d2e-4f30-8a4b-5c6d7e8f9a0b","callType":"Inbound","callDurationSeconds":"18"#
                .iter()
                .chain(br#"0",}{"agentName":Front desk"]],"pagination":{"#.iter())
                .copied()
                .collect();
            return into_response(StatusCode::OK, json_headers(), body);
        }
        Some(Fault::TruncatedBody) => truncate = true,
        Some(Fault::WrongTypesRecord) => wrong_types = true,
    }

    let seg_refs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let mut answer = st.answer(&method, &seg_refs, &query, req.headers());
    if wrong_types && answer.status == StatusCode::OK {
        corrupt_record(&mut answer.body, knobs.wrong_types);
    }
    let (status, headers, body) = build_response(answer, knobs.retry_after);
    if truncate {
        truncated_response(status, headers, body, conn)
    } else {
        into_response(status, headers, body)
    }
}

// ---------------------------------------------------------------------------
// Storage host
// ---------------------------------------------------------------------------

struct TextBytes(Vec<u8>);

impl ByteSource for TextBytes {
    fn byte_len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, out: &mut [u8]) {
        let start = (offset as usize).min(self.0.len());
        let end = (start + out.len()).min(self.0.len());
        out[..end - start].copy_from_slice(&self.0[start..end]);
    }
}

fn parse_amz_date(s: &str) -> Option<u64> {
    let d = NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").ok()?;
    u64::try_from(d.and_utc().timestamp()).ok()
}

async fn storage_entry(State(ss): State<StorageState>, req: Request) -> Response {
    let st = &ss.shared;
    lock(&st.storage_log[ss.host as usize]).push(RecordedRequest::from_request(&req));
    let conn = ConnHandle::of(&req);
    let retry_form = lock(&st.knobs).retry_after;
    let mut truncate = false;
    match st.storage_faults.take() {
        None | Some(Fault::MalformedJson | Fault::WrongTypesRecord) => {}
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut resp = s3_fault(StatusCode::SERVICE_UNAVAILABLE);
            let v = retry_after_value(retry_after_secs, retry_form);
            resp.headers_mut().insert(header::RETRY_AFTER, v);
            return resp;
        }
        Some(Fault::Status(code)) => return s3_fault(fault_status(code)),
        Some(Fault::ConnectionReset) => {
            if let Some(c) = &conn {
                c.kill();
            }
            return into_response(StatusCode::OK, HeaderMap::new(), Vec::new());
        }
        Some(Fault::TruncatedBody) => truncate = true,
    }
    let resp = storage_answer(st, &req);
    if truncate && resp.status().is_success() {
        cut_short(resp, conn).await
    } else {
        resp
    }
}

/// An S3 error answer for an injected status.
fn s3_fault(status: StatusCode) -> Response {
    let (code, message) = match status.as_u16() {
        503 => ("SlowDown", "Please reduce your request rate."),
        500 => (
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
        _ => ("ServiceUnavailable", "Service is unable to handle request."),
    };
    s3_error(status, code, message, &[], None)
}

/// The same answer with its body cut about half way: `Content-Length` still promises all of
/// it, then the connection is dropped.
async fn cut_short(resp: Response, conn: Option<ConnHandle>) -> Response {
    let (parts, body) = resp.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) if bytes.len() > 1 => {
            truncated_response(parts.status, parts.headers, bytes.to_vec(), conn)
        }
        Ok(bytes) => Response::from_parts(parts, Body::from(bytes)),
        Err(_) => Response::from_parts(parts, Body::empty()),
    }
}

fn storage_answer(st: &Shared, req: &Request) -> Response {
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
    if req.headers().contains_key(header::AUTHORIZATION) {
        // As S3 does for a pre-signed URL that also carries an Authorization header (the value,
        // a secret, is not echoed).
        return s3_error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
            &[("ArgumentName", "Authorization")],
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
    let object = req.uri().path().to_string();
    let q = Query::parse(req.uri().query().unwrap_or(""));
    let (Some(date), Some(expires), Some(sig)) = (
        q.get("X-Amz-Date"),
        q.get("X-Amz-Expires"),
        q.get("X-Amz-Signature"),
    ) else {
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
            &[],
            None,
        );
    };
    let (Some(date), Ok(expires_in)) = (parse_amz_date(date), expires.parse::<u64>()) else {
        return s3_error(
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            &[],
            None,
        );
    };
    let expiry = date.saturating_add(expires_in);
    if !lock(&st.signer).verify(&object, expiry, sig) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            &[],
            None,
        );
    }
    let now_ms = st.url_now_ms();
    if now_ms >= expiry.saturating_mul(1000) {
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
                ("X-Amz-Expires", &expires_in.to_string()),
                ("Expires", &fmt(expiry)),
                ("ServerTime", &fmt(now_ms / 1000)),
            ],
            None,
        );
    }
    let Some(rest) = object
        .strip_prefix(BUCKET)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return no_such_key();
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let [kind, org_id, file] = parts.as_slice() else {
        return no_such_key();
    };
    let (call_id, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let Some(&ci) = st.by_id.get(call_id) else {
        return no_such_key();
    };
    let c = &st.calls[ci];
    if st.orgs[c.org].id != *org_id {
        return no_such_key();
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let etag = format!("{:016x}", str_hash(&format!("{kind}/{call_id}")));
    match (*kind, ext) {
        ("transcripts", "txt") if c.has_transcript => {
            let text = st.transcript(c);
            serve_bytes(
                Arc::new(TextBytes(text.into_bytes())),
                "text/plain; charset=utf-8",
                &etag,
                range.as_deref(),
                head,
                None,
            )
        }
        ("recordings", "mp3") if c.has_recording => {
            let throttle = lock(&st.knobs).storage_bytes_per_sec.filter(|r| *r > 0);
            serve_bytes(
                recordings::source(c.clip),
                "audio/mpeg",
                &etag,
                range.as_deref(),
                head,
                throttle,
            )
        }
        ("recordings-redirect", "mp3") if c.has_recording => {
            let to = match lock(&st.knobs).redirect_recordings {
                Redirect::OtherHost => Host::Mirror,
                _ => Host::Storage,
            };
            let target = st.sign(to, &st.object_path(c, "recordings", "mp3"), false);
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = StatusCode::FOUND;
            if let Ok(v) = HeaderValue::from_str(&target) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        _ => no_such_key(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_complete() {
        let opts = EmulatorOptions {
            now: "2026-03-20T15:00:00Z".parse().unwrap(),
            ..EmulatorOptions::default()
        };
        let (orgs, calls) = generate(&opts);
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
