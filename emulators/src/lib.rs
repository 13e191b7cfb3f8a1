//! In-process emulators of the vendor call-record APIs.
//!
//! They are used by the demo mode and by the tests. Every emulator binds its own
//! listeners on `127.0.0.1:0`, serves deterministic generated data (same seed and
//! same `now` give the same data), checks credentials and query parameters the way
//! the real API does, answers errors in the vendor's own shape, serves recordings
//! from a separate "storage host" through signed, expiring URLs, and can be told to
//! inject faults.
//!
//! # Layout
//! One folder per vendor ([`welkin`], [`solum`], [`talkpilot`], [`voxeme`], [`allomia`]):
//! - `mod.rs`: the vendor's documentation, `start`/`start_with`, the options and the emulator
//!   handle with its test controls, the shared state;
//! - `routes.rs`: the axum router (one route and one small handler per endpoint; vendor-shaped
//!   `fallback`/`method_not_allowed_fallback`) and the middleware for faults, keys and rate
//!   limits; `query.rs`: query validation and paging; `answers.rs`: the vendor's answer and
//!   error shapes and its answers to injected faults;
//! - `storage.rs`: recordings (and the storage or media host's router);
//! - `data.rs`: generation of the records; `scripts.rs`/`texts.rs`/`conversation.rs`/
//!   `content.rs`: conversation texts.
//!
//! Shared pieces:
//! - [`EmulatorOptions`], [`Fault`], [`Faults`] (one-shot FIFO fault queues) and [`fault`]: the
//!   fault-injection middleware every listener uses with its vendor's [`fault::FaultAnswers`],
//! - [`host`]: the steps every listener runs before routing (request log, paths routed on
//!   decoded segments, no `Allow` header), [`log`]: the one request log ([`RecordedRequest`],
//!   [`RequestLog`]),
//! - [`timegen`]: the one office-hours call time generator, [`clock`]: time formats,
//!   [`templates`]: placeholder filling,
//! - [`RateLimiter`] (per-key fixed windows per minute and per hour), [`UrlSigner`]
//!   (keyed-hash tokens for signed storage URLs), deterministic RNG helpers ([`mix64`],
//!   [`rng_for`], [`uuid_v4`], ...),
//! - [`net`]: listeners whose connections can be killed (connection reset and truncated body
//!   faults), server lifetime, HTTP `Range` handling, S3 XML errors,
//! - [`recordings`] (real speech clips), [`wav`] (lazily generated speech-like WAV),
//!   [`people`] (names, phone numbers and calendar words per language),
//! - [`link`]: the recording test controls every emulator has ([`RecordingLink`]: throttle,
//!   latency, a one-shot connection drop; [`TestRecording`]: a fixture served as every call's
//!   recording), [`testaudio`]: deterministic test recordings (position tones in every format,
//!   a VBR MP3 without a Xing header, a GSM WAV, a steady tone, truncated files).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

pub mod allomia;
pub mod clock;
pub mod fault;
pub mod host;
pub mod link;
pub mod log;
pub mod net;
pub mod people;
pub mod recordings;
pub mod solum;
pub mod talkpilot;
pub mod templates;
pub mod testaudio;
pub mod timegen;
pub mod voxeme;
pub mod wav;
pub mod welkin;

pub use link::{RecordingLink, TestRecording};
pub use log::{RecordedRequest, RequestLog};

/// Options shared by all emulators.
#[derive(Clone, Debug)]
pub struct EmulatorOptions {
    /// Same seed (and same `now`) → same data.
    pub seed: u64,
    /// Data is generated over the 60 days before `now`.
    pub now: DateTime<Utc>,
    /// Requests allowed per key in a one-minute window (TalkPilot default 60).
    pub rate_limit_per_minute: u32,
    /// Requests allowed per key in a one-hour window (TalkPilot default 1000).
    pub rate_limit_per_hour: u32,
    /// Lifetime of signed recording URLs (default 1 hour).
    pub signed_url_ttl: Duration,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            seed: 42,
            now: Utc::now(),
            rate_limit_per_minute: 60,
            rate_limit_per_hour: 1000,
            signed_url_ttl: Duration::from_secs(3600),
        }
    }
}

/// A fault to inject into the next API request (not health checks, not storage).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Delay the next answer; the answer itself is normal.
    Latency(Duration),
    /// Next request answered 429 with `Retry-After` in the vendor's shape.
    RateLimited { retry_after_secs: u64 },
    /// Next request answered with this status in the vendor's error shape.
    Status(u16),
    /// The connection is dropped before any byte of the answer is sent.
    ConnectionReset,
    /// `Content-Length` promises more than is sent, then the connection closes.
    TruncatedBody,
    /// 200 with a body that is not valid JSON.
    MalformedJson,
    /// The next JSON answer has one record with wrong types among good ones.
    WrongTypesRecord,
}

/// One-shot FIFO queue of faults. Each API request consumes at most one.
#[derive(Clone, Default, Debug)]
pub struct Faults {
    queue: Arc<Mutex<VecDeque<Fault>>>,
}

impl Faults {
    /// Queue a fault for a later request (FIFO).
    pub fn push(&self, fault: Fault) {
        lock(&self.queue).push_back(fault);
    }

    /// Drop every queued fault.
    pub fn clear(&self) {
        lock(&self.queue).clear();
    }

    /// Number of faults not yet consumed.
    pub fn pending(&self) -> usize {
        lock(&self.queue).len()
    }

    /// Take the next fault (used by the emulators for each API request).
    pub fn take(&self) -> Option<Fault> {
        lock(&self.queue).pop_front()
    }
}

/// Lock a mutex, ignoring poisoning (a panicking handler must not wedge the emulator).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Milliseconds since the Unix epoch (wall clock).
pub fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------

/// SplitMix64 finalizer: a good 64-bit mixing function.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stable 64-bit hash of a string (FNV-1a, then mixed).
pub fn str_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// A deterministic RNG for one purpose (`label`) and one item (`index`).
pub fn rng_for(seed: u64, label: &str, index: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(mix64(seed ^ str_hash(label) ^ mix64(index)))
}

/// `n` lowercase hex characters.
pub fn hex(rng: &mut fastrand::Rng, n: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..n)
        .map(|_| HEX[rng.usize(..16)] as char)
        .collect::<String>()
}

/// A random (version 4 layout) UUID.
pub fn uuid_v4(rng: &mut fastrand::Rng) -> String {
    let a = hex(rng, 8);
    let b = hex(rng, 4);
    let c = hex(rng, 3);
    let d = ["8", "9", "a", "b"][rng.usize(..4)];
    let e = hex(rng, 3);
    let f = hex(rng, 12);
    format!("{a}-{b}-4{c}-{d}{e}-{f}")
}

/// One element of a non-empty slice.
pub fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

/// Index chosen with the given relative weights (non-empty, not all zero).
pub fn pick_weighted(rng: &mut fastrand::Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut r = rng.u32(..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= *w;
    }
    weights.len() - 1
}

/// True with probability `p`.
pub fn chance(rng: &mut fastrand::Rng, p: f64) -> bool {
    rng.f64() < p
}

// ---------------------------------------------------------------------------
// Signed URLs
// ---------------------------------------------------------------------------

/// Issues and checks tokens for signed storage URLs. The token is a keyed hash of
/// the object path and the expiry, so editing `expires` invalidates the token.
/// The key is random per emulator instance (not derived from the seed), so URLs
/// from another instance do not validate.
#[derive(Clone, Debug)]
pub struct UrlSigner {
    key: [u64; 2],
}

impl UrlSigner {
    pub fn new(seed: u64) -> Self {
        UrlSigner {
            key: [
                mix64(seed ^ fastrand::u64(..)),
                mix64(seed.rotate_left(29) ^ fastrand::u64(..)),
            ],
        }
    }

    /// 32 hex chars keyed hash of `path` and `expires`.
    pub fn token(&self, path: &str, expires: u64) -> String {
        let msg = format!("{path}\n{expires}");
        let mut out = String::with_capacity(32);
        for (lane, key) in self.key.iter().enumerate() {
            let mut h = mix64(*key ^ lane as u64);
            for (i, b) in msg.bytes().enumerate() {
                h = mix64(h ^ u64::from(b) ^ ((i as u64) << 8));
            }
            h = mix64(h ^ key.rotate_left(17));
            out.push_str(&format!("{h:016x}"));
        }
        out
    }

    pub fn verify(&self, path: &str, expires: u64, token: &str) -> bool {
        self.token(path, expires) == token
    }

    /// Unix second at which a URL issued now with `ttl` expires (rounded up, so a
    /// URL is valid for at least `ttl`).
    pub fn expiry_for(ttl: Duration) -> u64 {
        (unix_now_ms() + ttl.as_millis() as u64).div_ceil(1000)
    }

    /// The query string (`token=…&expires=…`) for `path`, valid for `ttl`.
    pub fn sign_query(&self, path: &str, ttl: Duration) -> String {
        let expires = Self::expiry_for(ttl);
        format!("token={}&expires={expires}", self.token(path, expires))
    }
}

// ---------------------------------------------------------------------------
// Rate limiting
// ---------------------------------------------------------------------------

/// Rate-limit state reported to the client.
#[derive(Clone, Copy, Debug)]
pub struct RateInfo {
    /// The per-minute limit (`X-RateLimit-Limit`).
    pub limit: u32,
    /// Requests left in the tighter of the two windows.
    pub remaining: u32,
    /// Unix second at which the binding window resets.
    pub reset_unix: u64,
    /// Seconds until the exhausted window resets (only meaningful when limited).
    pub retry_after_secs: u64,
}

#[derive(Clone, Copy, Debug)]
pub enum RateDecision {
    Allowed(RateInfo),
    Limited(RateInfo),
}

#[derive(Clone, Copy, Debug, Default)]
struct Window {
    start_ms: u64,
    count: u32,
}

/// Per-key fixed windows of one minute and one hour. A window starts with the
/// first request after the previous one ended (so a burst of requests in a test
/// always falls into one window).
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    per_hour: u32,
    state: Mutex<HashMap<String, (Window, Window)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32, per_hour: u32) -> Self {
        RateLimiter {
            per_minute,
            per_hour,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Count one request for `key` (unless it is over the limit).
    pub fn check(&self, key: &str) -> RateDecision {
        const MIN_MS: u64 = 60_000;
        const HOUR_MS: u64 = 3_600_000;
        let now = unix_now_ms();
        let mut state = lock(&self.state);
        let (minute, hour) = state.entry(key.to_string()).or_default();
        for (w, len) in [(&mut *minute, MIN_MS), (&mut *hour, HOUR_MS)] {
            if w.count == 0 || now >= w.start_ms + len {
                w.start_ms = now;
                w.count = 0;
            }
        }
        let min_reset = minute.start_ms + MIN_MS;
        let hour_reset = hour.start_ms + HOUR_MS;
        let secs_until = |t: u64| t.saturating_sub(now).div_ceil(1000).max(1);
        let limited_by = if hour.count >= self.per_hour {
            Some(hour_reset)
        } else if minute.count >= self.per_minute {
            Some(min_reset)
        } else {
            None
        };
        if let Some(reset) = limited_by {
            return RateDecision::Limited(RateInfo {
                limit: self.per_minute,
                remaining: 0,
                reset_unix: reset.div_ceil(1000),
                retry_after_secs: secs_until(reset),
            });
        }
        minute.count += 1;
        hour.count += 1;
        let min_left = self.per_minute - minute.count;
        let hour_left = self.per_hour - hour.count;
        let (remaining, reset) = if hour_left < min_left {
            (hour_left, hour_reset)
        } else {
            (min_left, min_reset)
        };
        RateDecision::Allowed(RateInfo {
            limit: self.per_minute,
            remaining,
            reset_unix: reset.div_ceil(1000),
            retry_after_secs: secs_until(reset),
        })
    }
}
