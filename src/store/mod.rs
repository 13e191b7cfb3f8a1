//! The triage store: marks (follow-up, done), notes, tags and their history per call, note drafts
//! saved as they are typed, and the access log — the data users must never lose. Keyed by the
//! stable [`CallRef`] (vendor account and call id), never by the user-chosen provider name.
//!
//! Two implementations of one interface ([`TriageStore`]): SQLite ([`sqlite`], the embedded
//! default) in the platform data folder, WAL with `synchronous=FULL`, one `BEGIN IMMEDIATE`
//! transaction per change, migrations in one transaction after a backup copy; and PostgreSQL
//! ([`postgres`]) for a care team sharing one triage, live across machines ([`team`]: changes
//! arrive by LISTEN/NOTIFY, and while the team database is unreachable changes wait in the local
//! SQLite file). What a change does is decided once, in [`logic`], for both. The UI talks to the
//! store through a job-runner subscription ([`actor`]), so it never waits for the disk or the
//! network.

pub mod actor;
pub mod filter;
pub mod local;
pub mod logic;
pub mod pg_conn;
pub mod postgres;
pub mod schema;
pub mod sqlite;
pub mod target;
pub mod team;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Call, CallRef};

pub use filter::TriageFilter;
pub use postgres::PgStore;
pub use sqlite::Store;
pub use target::{PasswordSource, StoreTarget, TeamDb};

/// A call's triage state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    #[default]
    None,
    #[serde(rename = "followup")]
    FollowUp,
    Done,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::None => "none",
            Mark::FollowUp => "followup",
            Mark::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Mark> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "clear" => Some(Mark::None),
            "followup" | "follow-up" | "follow_up" => Some(Mark::FollowUp),
            "done" => Some(Mark::Done),
            _ => None,
        }
    }

    /// What the list's triage column shows.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::None => " ",
            Mark::FollowUp => "⚑",
            Mark::Done => "✓",
        }
    }
}

/// One call's triage, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub call: CallRef,
    pub mark: Mark,
    pub note: String,
    pub tags: Vec<String>,
    /// Bumped by every change: a note saved against an older version is a conflict.
    pub version: i64,
    /// When the call was first triaged (the Follow-ups queue is oldest first).
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// The call's list fields when it was last triaged: the queue shows the call even when its
    /// provider does not answer.
    pub snapshot: Option<Call>,
    /// Who said "I'm calling back" (a claim); `None` when nobody holds one or it expired.
    #[serde(default)]
    pub claimed_by: Option<String>,
    /// Since when the claim is held (renewed by claiming again).
    #[serde(default)]
    pub claimed_at: Option<DateTime<Utc>>,
}

impl Entry {
    /// A call nobody has triaged yet.
    pub fn untriaged(call: CallRef) -> Entry {
        Entry {
            call,
            mark: Mark::None,
            note: String::new(),
            tags: Vec::new(),
            version: 0,
            created_at: DateTime::default(),
            updated_at: DateTime::default(),
            updated_by: String::new(),
            snapshot: None,
            claimed_by: None,
            claimed_at: None,
        }
    }
}

/// One change in a call's history: nothing is overwritten without trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub who: String,
    /// `mark`, `note` or `tags`.
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One line of the access log (HIPAA audit controls): who opened, played or exported what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessRow {
    pub at: DateTime<Utc>,
    pub who: String,
    /// `opened`, `played`, `saved`, `exported`.
    pub action: String,
    /// The call (none for an export of many).
    pub call: Option<CallRef>,
    pub detail: String,
}

/// A change to one call's triage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Mark(Mark),
    /// The note, saved over version `base` (the version the editor started from).
    Note {
        text: String,
        base: i64,
    },
    AddTag(String),
    RemoveTag(String),
    /// "I'm calling back": refused while another person's claim has not expired; one's own
    /// claim is renewed. Marking the call done releases it.
    Claim,
    /// Gives one's own claim back (another person's unexpired claim is refused).
    Unclaim,
}

/// Why the store could not do something, in a sentence that says what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the triage store {} cannot be written (a read-only folder or file): nothing was saved; fix its permissions",
        path.display()
    )]
    ReadOnly { path: PathBuf },
    #[error(
        "the disk holding the triage store is full: nothing was saved; free some space and save again"
    )]
    Full,
    #[error(
        "the triage store is locked by another program for too long: nothing was saved; try again"
    )]
    Locked,
    #[error(
        "the triage store {} was written by a newer callbrowser (schema {found}, this one knows {known}): it is left untouched; use the newer version",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// Someone saved this call's note since the editor opened: both versions are kept here.
    #[error(
        "{who} changed this note at {at} while you edited it: both versions are shown to merge"
    )]
    Conflict {
        who: String,
        at: String,
        theirs: Box<Entry>,
        mine: String,
    },
    #[error("a tag is one word of letters, digits, - or _ (at most 32): {0:?} is not")]
    BadTag(String),
    /// Another person holds an unexpired claim on the call.
    #[error(
        "{who} is calling this patient back (claimed at {since}): leave it to them, or wait until the claim expires"
    )]
    Claimed { who: String, since: String },
    /// The team database cannot be reached (network, server down, timeout).
    #[error(
        "the team database at {host} is unreachable ({cause}): check that it runs and that this machine can reach it"
    )]
    Unreachable { host: String, cause: String },
    /// The team database answered, but refused (authentication, permissions, TLS, a bad query).
    #[error("the team database at {host} refused: {cause}")]
    Refused { host: String, cause: String },
    /// The team database's schema is older than this program's: it is not migrated behind the
    /// team's back.
    #[error(
        "the team database at {host} has schema {found}, this callbrowser needs {known}: run `callbrowser store migrate`"
    )]
    Older {
        host: String,
        found: i64,
        known: i64,
    },
    /// The `[store]` configuration cannot be used.
    #[error("{0}")]
    Config(String),
    #[error("the triage store failed: {0}")]
    Other(String),
}

/// The OS user, who every change is recorded as.
pub fn os_user() -> String {
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(u) = std::env::var(var)
            && !u.trim().is_empty()
        {
            return u.trim().to_string();
        }
    }
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions; getpwuid's answer is read at once, before any
        // other call could reuse its static buffer, and checked for null.
        unsafe {
            let uid = libc::getuid();
            let pw = libc::getpwuid(uid);
            if !pw.is_null() && !(*pw).pw_name.is_null() {
                let name = std::ffi::CStr::from_ptr((*pw).pw_name).to_string_lossy();
                if !name.is_empty() {
                    return name.into_owned();
                }
            }
            format!("uid {uid}")
        }
    }
    #[cfg(not(unix))]
    "unknown".to_string()
}

/// Where the store lives: the platform data folder.
pub fn default_path() -> PathBuf {
    match directories::ProjectDirs::from("", "", "callbrowser") {
        Some(p) => p.data_dir().join("triage.sqlite"),
        None => std::env::temp_dir()
            .join("callbrowser")
            .join("triage.sqlite"),
    }
}

/// A tag as stored: trimmed, lowercase; `None` when it is not one word.
pub fn clean_tag(tag: &str) -> Option<String> {
    let t = tag.trim().trim_start_matches('#').to_lowercase();
    let ok = !t.is_empty()
        && t.chars().count() <= 32
        && t.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    ok.then_some(t)
}

impl StoreError {
    /// Whether the change may go through later unchanged (the team database is out of reach):
    /// such a change is kept on this machine and sent again, never dropped.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Unreachable { .. })
    }
}

/// A stable id for one history row copied from a SQLite store (`store copy`): the same row
/// copied twice gets the same id, so the team database keeps it once. FNV-1a over the row's
/// fields, 128 bits, as hex (stable across builds and platforms, unlike the std hasher).
pub fn history_origin(call_key: &str, local_id: i64, row: &HistoryRow) -> String {
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    let at = row.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let id = local_id.to_string();
    for part in [
        call_key,
        id.as_str(),
        at.as_str(),
        &row.who,
        &row.field,
        &row.old,
        &row.new,
    ] {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("sqlite:{h:032x}")
}

/// The triage store's interface, one for SQLite ([`Store`]) and PostgreSQL ([`PgStore`]): every
/// change in one transaction with its history rows, recorded as [`TriageStore::who`]; a note
/// saved over an older version is a [`StoreError::Conflict`] on both. Synchronous: it is used
/// from the store thread and the command line.
pub trait TriageStore {
    /// Who changes are recorded as.
    fn who(&self) -> &str;
    /// Where the store is, for messages (a file, or the team database without its password).
    fn describe(&self) -> String;
    /// Applies `changes` to `call` in one transaction (all or none). With `rebase`, a note in the
    /// batch is saved over the version the batch has reached, not over the one it names.
    fn apply_all(
        &mut self,
        call: &CallRef,
        snapshot: Option<&Call>,
        changes: Vec<Change>,
        rebase: bool,
    ) -> Result<Entry, StoreError>;
    /// One change in its own transaction; `snapshot` (the call's list fields) is kept for the
    /// Follow-ups queue.
    fn apply(
        &mut self,
        call: &CallRef,
        snapshot: Option<&Call>,
        change: Change,
    ) -> Result<Entry, StoreError> {
        self.apply_all(call, snapshot, vec![change], false)
    }
    fn get(&mut self, call: &CallRef) -> Result<Option<Entry>, StoreError>;
    /// Every triaged call, oldest first.
    fn entries(&mut self) -> Result<Vec<Entry>, StoreError>;
    /// A call's history, oldest first.
    fn history(&mut self, call: &CallRef) -> Result<Vec<HistoryRow>, StoreError>;
    /// Records that `call` (or, for `None`, a list) was `action`ed by this user.
    fn log_access(
        &mut self,
        call: Option<&CallRef>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError>;
    /// The access log, oldest first.
    fn audit(&mut self) -> Result<Vec<AccessRow>, StoreError>;
    /// The schema version the store is at.
    fn schema_version(&mut self) -> Result<i64, StoreError>;
}
