//! The program's own types. Provider adapters convert the vendors' wire types into these at the
//! client boundary; nothing above the adapters ever sees a wire type.

mod filter;
mod identity;
pub mod inbox;
pub mod merge;
mod paging;
pub mod sort;

pub use filter::{Filter, FilterError, FilterKey, FilterKind, GENERIC_KEYS};
pub use identity::{Account, CallKey, CallRef, ProviderId, ProviderInfo};
pub use paging::{DEFAULT_MAX_LIST_CALLS, PageProgress, PagingStop};

/// Shown and parsed in the user's zone or UTC (kept below `display`, `config` and `model`).
pub use crate::settings::TimeZoneSetting;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which vendor API a configured provider speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Welkin,
    Solum,
    TalkPilot,
    Voxeme,
    AlloMia,
}

impl ProviderKind {
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Welkin => "Welkin Health",
            ProviderKind::Solum => "Solum Health",
            ProviderKind::TalkPilot => "TalkPilot",
            ProviderKind::Voxeme => "Voxeme",
            ProviderKind::AlloMia => "AlloMia",
        }
    }

    /// The kind as written in the config file and in persisted references.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Welkin => "welkin",
            ProviderKind::Solum => "solum",
            ProviderKind::TalkPilot => "talkpilot",
            ProviderKind::Voxeme => "voxeme",
            ProviderKind::AlloMia => "allomia",
        }
    }
}

/// Direction of a call, normalised across vendors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
    Web,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Web => "web",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
            Direction::Web => "web",
        }
    }
}

/// One call as it appears in a list. Strings are the vendor's, unsanitized: sanitize at display.
/// It serializes both ways (without `fields`), so a snapshot of it can be kept: it knows its
/// [`Account`], never the user-chosen provider name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// The vendor account it belongs to (shared by the calls of one list).
    pub account: Arc<Account>,
    /// The parent (agent, patient, account, organization) this call was listed under, if any.
    pub scope: Option<String>,
    pub id: String,
    pub started_at: Option<DateTime<Utc>>,
    pub duration_secs: Option<f64>,
    pub direction: Option<Direction>,
    pub status: Option<String>,
    pub caller_name: Option<String>,
    pub caller_number: Option<String>,
    pub summary: Option<String>,
    /// `None` while unknown (some vendors tell only in the detail).
    pub has_recording: Option<bool>,
    pub has_transcript: Option<bool>,
    /// Sensitive data was removed by the vendor (say "purged", not "missing").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub purged: bool,
    /// Soft-deleted at the vendor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Every other field the vendor sent, as displayable key/value pairs, in the vendor's order.
    #[serde(skip)]
    pub fields: Vec<(String, String)>,
}

impl Call {
    /// An empty call with only its identity set; adapters fill in the rest.
    pub fn new(account: &Arc<Account>, scope: Option<&str>, id: &str) -> Call {
        Call {
            account: account.clone(),
            scope: scope.map(str::to_string),
            id: id.to_string(),
            started_at: None,
            duration_secs: None,
            direction: None,
            status: None,
            caller_name: None,
            caller_number: None,
            summary: None,
            has_recording: None,
            has_transcript: None,
            purged: false,
            deleted: false,
            fields: Vec::new(),
        }
    }

    /// Where this call is found while the program runs: through configured provider `provider`.
    pub fn key(&self, provider: ProviderId) -> CallKey {
        CallKey {
            provider,
            scope: self.scope.clone(),
            id: self.id.clone(),
        }
    }

    /// What identifies this call for good (kind, account, vendor id): the key of anything kept.
    pub fn reference(&self) -> CallRef {
        CallRef {
            account: (*self.account).clone(),
            id: self.id.clone(),
        }
    }

    /// Whether `other` is the same vendor call (same account and id).
    pub fn same_call(&self, other: &Call) -> bool {
        self.id == other.id && self.account == other.account
    }
}

/// Who said a turn.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Speaker {
    Agent,
    Caller,
    Other(String),
}

impl Speaker {
    pub fn as_str(&self) -> &str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Caller => "caller",
            Speaker::Other(s) => s,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Speaker::Agent => "Agent",
            Speaker::Caller => "Caller",
            Speaker::Other(s) => s,
        }
    }
}

impl Serialize for Speaker {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Turn {
    pub speaker: Speaker,
    pub text: String,
}

/// The transcript of a call, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub enum Transcript {
    Turns(Vec<Turn>),
    /// The vendor sent something that could not be parsed: shown as plain text with a warning.
    Unparsed {
        raw: String,
        warning: String,
    },
    /// The vendor removed it (purged call).
    Purged,
    /// This call has none.
    Missing,
    /// This provider's API has no transcripts at all.
    NotOffered,
}

impl Transcript {
    pub fn turns(&self) -> &[Turn] {
        match self {
            Transcript::Turns(t) => t,
            _ => &[],
        }
    }
}

/// Where a call's recording can be fetched. The signed URL is a secret: never log or show it.
#[derive(Clone, PartialEq)]
pub enum RecordingRef {
    /// A pre-signed URL on a storage host: fetched without credentials.
    SignedUrl {
        url: String,
        expires_at: Option<DateTime<Utc>>,
    },
    /// An endpoint on the provider's own host, fetched with its credentials.
    Endpoint {
        path: String,
    },
    Purged,
    Missing,
    NotOffered,
}

impl std::fmt::Debug for RecordingRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordingRef::SignedUrl { url, expires_at } => f
                .debug_struct("SignedUrl")
                .field("url", &crate::display::redact_url(url))
                .field("expires_at", expires_at)
                .finish(),
            RecordingRef::Endpoint { path } => {
                f.debug_struct("Endpoint").field("path", path).finish()
            }
            RecordingRef::Purged => f.write_str("Purged"),
            RecordingRef::Missing => f.write_str("Missing"),
            RecordingRef::NotOffered => f.write_str("NotOffered"),
        }
    }
}

impl RecordingRef {
    pub fn is_available(&self) -> bool {
        matches!(
            self,
            RecordingRef::SignedUrl { .. } | RecordingRef::Endpoint { .. }
        )
    }
}

/// One call with everything its detail endpoint adds.
#[derive(Clone, Debug, PartialEq)]
pub struct CallDetail {
    pub call: Call,
    /// Summaries keyed by language tag when the vendor gives several (the main one is `call.summary`).
    pub other_summaries: Vec<(String, String)>,
    pub score: Option<String>,
    pub outcome: Option<String>,
    pub sentiment: Option<String>,
    pub intent: Option<String>,
    /// Agent or employee that handled it.
    pub handled_by: Option<String>,
    pub transcript: Transcript,
    pub recording: RecordingRef,
    /// Non-fatal problems met while reading this call (shown in the pane).
    pub warnings: Vec<String>,
}

impl CallDetail {
    /// The detail of a provider without a detail endpoint: the list item is all there is.
    pub fn from_list_item(call: Call) -> CallDetail {
        CallDetail {
            call,
            other_summaries: Vec::new(),
            score: None,
            outcome: None,
            sentiment: None,
            intent: None,
            handled_by: None,
            transcript: Transcript::NotOffered,
            recording: RecordingRef::NotOffered,
            warnings: Vec::new(),
        }
    }
}

/// The parent level of a provider: a TalkPilot agent, a Welkin patient, …
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    pub id: String,
    pub name: String,
    /// A short second line: a phone number, a language, a status.
    pub detail: Option<String>,
}

/// One page of results. Pages are 1-based inside the program, whatever the vendor uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub page_size: u32,
    pub total_items: Option<u64>,
    pub total_pages: Option<u32>,
    pub has_more: bool,
    /// Records in this page that could not be read at all.
    pub unreadable: usize,
}

/// What a list answer says about its page, each number where the answer gives it.
#[derive(Clone, Copy, Debug, Default)]
pub struct PageNumbers {
    pub page: u32,
    pub page_size: u32,
    pub total_items: Option<u64>,
    pub total_pages: Option<u32>,
    /// The server's own "more to come" flag.
    pub has_more: Option<bool>,
}

impl<T> Page<T> {
    /// A page from what the answer said: the page count from the total where it is not given,
    /// and whether more follow from the server's flag, else the page count, else a full page.
    pub fn from_numbers(items: Vec<T>, unreadable: usize, n: PageNumbers) -> Page<T> {
        let total_pages = n.total_pages.or_else(|| {
            n.total_items
                .map(|t| t.div_ceil(u64::from(n.page_size.max(1))) as u32)
        });
        let has_more = n.has_more.unwrap_or_else(|| match total_pages {
            Some(pages) => n.page < pages,
            None => items.len() + unreadable >= n.page_size as usize,
        });
        Page {
            items,
            page: n.page,
            page_size: n.page_size,
            total_items: n.total_items,
            total_pages,
            has_more,
            unreadable,
        }
    }

    /// Everything there is, in one page (an endpoint without paging).
    pub fn whole(items: Vec<T>, unreadable: usize) -> Page<T> {
        let n = items.len();
        Page {
            page: 1,
            page_size: n as u32,
            total_items: Some(n as u64),
            total_pages: Some(1),
            has_more: false,
            unreadable,
            items,
        }
    }
}

/// What a caller asks for: which 1-based page, and how many per page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
}

/// What a provider can do; the UI and the filter parser read this instead of matching on kinds.
#[derive(Clone, Debug)]
pub struct Capabilities {
    /// The parent level's name ("agent", "patient", …), if calls live under one.
    pub scope_noun: Option<&'static str>,
    pub has_detail: bool,
    pub has_transcripts: bool,
    pub has_recordings: bool,
    /// A view of calls in progress ([`crate::providers::Provider::list_live`]), per scope.
    pub has_live: bool,
    /// The largest page the list endpoint allows.
    pub max_page_size: u32,
    /// Filter keys the server applies; any other valid key is applied to what was loaded.
    pub server_filters: &'static [&'static str],
    /// Keys only this provider knows (beyond [`GENERIC_KEYS`]).
    pub provider_keys: &'static [FilterKey],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_round_trips_through_json_without_its_vendor_fields() {
        let account = Arc::new(Account::new(
            ProviderKind::Voxeme,
            "https://voice.example.com",
            Some("AC1"),
        ));
        let mut c = Call::new(&account, Some("AC1"), "CA1");
        c.started_at = Some("2026-03-01T10:00:00Z".parse().unwrap());
        c.duration_secs = Some(61.5);
        c.direction = Some(Direction::Outbound);
        c.caller_name = Some("Zoë".into());
        c.has_recording = Some(true);
        c.deleted = true;
        c.fields = vec![("trunk".into(), "t1".into())];
        let json = serde_json::to_string(&c).unwrap();
        let back: Call = serde_json::from_str(&json).unwrap();
        assert_eq!(back.fields, Vec::new(), "vendor fields are not kept");
        c.fields.clear();
        assert_eq!(back, c);
        assert_eq!(
            back.reference().to_string(),
            "voxeme:voice.example.com/AC1#CA1"
        );
        assert!(back.same_call(&c));
    }
}
