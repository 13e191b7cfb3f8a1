//! Emulator of the Solum Health API (see `shared/providers/solum.md`): one endpoint,
//! `GET /v1/calls`, for the one company the key belongs to.
//!
//! One listener on 127.0.0.1: `base_url()` = `http://127.0.0.1:P`, the endpoint is
//! `base_url() + "/v1/calls"`. Solum has no recordings, so there is no storage host; the
//! recording test controls every emulator has ([`SolumEmulator::recording_link`],
//! [`SolumEmulator::set_test_recording`], [`SolumEmulator::recording_bytes`]) exist so that a
//! test can treat the five alike, and change nothing here.
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

mod answers;
mod data;
mod query;
mod routes;
mod texts;

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;

use self::data::CallRec;
use self::texts::CATEGORIES;
use super::host::{HostSteps, Paths, host};
use super::link::{RecordingControls, RecordingLink, TestRecording};
use super::log::{LogPolicy, LogWhen, Repeated, RequestLog};
use super::net::{ControlledListener, ServerGuard};
use super::{EmulatorOptions, Faults, hex, rng_for};

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

/// One request the API received: the shared [`crate::RecordedRequest`] with path, query,
/// whether an `X-API-Key` was sent (the key itself is not kept) and the status answered (0
/// when the connection was reset). [`crate::RecordedRequest::param`] gives the value the
/// server used: the last one sent.
pub type LoggedRequest = super::RecordedRequest;

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
    let policy = LogPolicy {
        headers: false,
        repeated: Repeated::Last,
        when: LogWhen::Answer,
        ..LogPolicy::FULL
    };
    let steps = HostSteps {
        paths: Paths::Raw,
        log: Some((shared.log.clone(), policy)),
    };
    guard.spawn(listener, host(routes::router(shared.clone()), steps));
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
        self.shared.log.all()
    }

    /// The requests to `GET /v1/calls`, in order.
    pub fn calls_requests(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == CALLS_PATH)
            .collect()
    }

    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// The recording link every emulator has; Solum serves no recordings, so it affects nothing.
    pub fn recording_link(&self) -> &RecordingLink {
        &self.shared.rec.link
    }

    /// Kept, but no call has a recording to replace (Solum serves none).
    pub fn set_test_recording(&self, fixture: Option<TestRecording>) {
        self.shared.rec.set_fixture(fixture);
    }

    /// Always `None`: Solum calls have no recording.
    pub fn recording_bytes(&self, _id: &str) -> Option<Vec<u8>> {
        None
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

struct Shared {
    opts: EmulatorOptions,
    vopts: SolumOptions,
    org_id: String,
    assistants: Vec<Assistant>,
    calls: Vec<CallRec>,
    /// `[full access, no calls access]`.
    keys: [String; 2],
    faults: Faults,
    log: RequestLog,
    rec: RecordingControls,
}

impl Shared {
    fn new(opts: EmulatorOptions, vopts: &SolumOptions) -> Shared {
        let (org_id, assistants, calls) = data::generate(&opts, vopts.calls);
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
            log: RequestLog::default(),
            rec: RecordingControls::default(),
        }
    }
}
