//! The triage store: marks (follow-up, done), notes, tags and their history per call, note drafts
//! saved as they are typed, and the access log — the data users must never lose. Keyed by the
//! stable [`CallRef`] (vendor account and call id), never by the user-chosen provider name.
//!
//! One implementation today: SQLite ([`sqlite`]) in the platform data folder, WAL with
//! `synchronous=FULL`, one `BEGIN IMMEDIATE` transaction per change, migrations in one
//! transaction after a backup copy. The UI talks to it through a job-runner subscription, so it
//! never waits for the disk.

pub mod actor;
pub mod filter;
pub mod schema;
pub mod sqlite;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Call, CallRef};

pub use filter::TriageFilter;
pub use sqlite::Store;

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
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Mark(Mark),
    /// The note, saved over version `base` (the version the editor started from).
    Note {
        text: String,
        base: i64,
    },
    AddTag(String),
    RemoveTag(String),
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
