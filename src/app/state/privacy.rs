//! Privacy mode's part of the state: whether names and numbers are masked, the calls whose
//! transcript was revealed all the same, and the idle time after which it turns on by itself.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::CallKey;

#[derive(Clone, Debug, Default)]
pub struct PrivacyState {
    /// Names and numbers masked, transcripts hidden, on every view.
    pub on: bool,
    /// Calls whose transcript `R` revealed while privacy mode is on (forgotten when it turns on
    /// again).
    pub revealed: HashSet<CallKey>,
    /// Privacy mode turns on after this long without a key press (`[ui] privacy_idle_secs`).
    pub idle_after: Option<Duration>,
    /// The last key press (`None`: none since the program started).
    pub last_key_at: Option<DateTime<Utc>>,
    /// The idle timer's round: bumped whenever it came due, so that the next one is a new timer.
    pub idle_round: u64,
}

impl PrivacyState {
    /// Privacy mode on from the start (`--redact`, `[ui] privacy = true`) or not, and its idle
    /// time (zero: never by itself).
    pub fn new(on: bool, idle_secs: u64) -> PrivacyState {
        PrivacyState {
            on,
            idle_after: (idle_secs > 0).then(|| Duration::from_secs(idle_secs)),
            ..PrivacyState::default()
        }
    }

    /// Whether the transcript of `key` is hidden.
    pub fn hides_transcript(&self, key: Option<&CallKey>) -> bool {
        self.on && !key.is_some_and(|k| self.revealed.contains(k))
    }
}
