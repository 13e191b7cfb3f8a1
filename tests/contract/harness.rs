//! What a behaviour needs from one adapter/emulator pair, in vendor-neutral terms, and the
//! helpers every behaviour shares.

use std::collections::HashSet;

use callbrowser::http::{HttpLimits, HttpNotice};
use callbrowser::model::{Call, Filter, PageRequest, Scope};
use callbrowser::providers::{Health, Provider, ProviderError};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, Utc};

pub use crate::fetch::{
    At, Fetch, Notices, all_calls, clients, ids, impatient, is_mp3, is_wav, limits, read_all,
    read_head,
};

/// The query of one request, decoded, in order.
pub type Query = Vec<(String, String)>;

/// The emulators' clock: their data is generated over the 60 days before it.
pub fn now() -> DateTime<Utc> {
    "2026-03-20T15:00:00Z".parse().unwrap()
}

/// Deterministic emulator options: the same seed gives the same data.
pub fn emulator_options(seed: u64) -> EmulatorOptions {
    EmulatorOptions {
        seed,
        now: now(),
        ..EmulatorOptions::default()
    }
}

/// An adapter built on a pair's emulator, with the notices its HTTP layer gave.
pub struct Built {
    pub provider: Box<dyn Provider>,
    pub notices: Notices,
}

impl Built {
    pub fn new(provider: impl Provider + 'static, notices: Notices) -> Built {
        Built {
            provider: Box::new(provider),
            notices,
        }
    }

    pub fn notices(&self) -> Vec<HttpNotice> {
        self.notices.lock().unwrap().clone()
    }
}

/// One calls-list request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub query: Query,
    /// It carried the vendor's credentials.
    pub authorized: bool,
}

/// A filter the server applies, and what it must do there.
pub struct FilterCase {
    pub label: String,
    pub filter: Filter,
    /// The parameters it adds to the list request, after the paging ones, in order.
    pub sent: Query,
    /// The calls the server answers, in its order (the emulator's own records, filtered).
    pub ids: Option<Vec<String>>,
    /// What the answer must satisfy besides (or instead of) the ids.
    #[allow(clippy::type_complexity)]
    pub check: Option<Box<dyn Fn(&[Call])>>,
}

impl FilterCase {
    pub fn new(label: impl Into<String>, filter: Filter, sent: &[(&str, &str)]) -> FilterCase {
        FilterCase {
            label: label.into(),
            filter,
            sent: query(sent),
            ids: None,
            check: None,
        }
    }

    pub fn ids(mut self, ids: Vec<String>) -> FilterCase {
        self.ids = Some(ids);
        self
    }

    pub fn check(mut self, f: impl Fn(&[Call]) + 'static) -> FilterCase {
        self.check = Some(Box::new(f));
        self
    }
}

/// A filter line with keys the server cannot apply, mixed with ones it can.
pub struct MixedFilter {
    pub line: &'static str,
    /// Its keys applied locally, in the order the filter reports them.
    pub local: Vec<&'static str>,
    /// What it adds to the list request (only the server's keys).
    pub sent: Query,
}

/// The `ProviderError` variant an error must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Auth,
    Forbidden,
    NotFound,
    Vendor,
    Invalid,
}

impl Kind {
    pub fn of(e: &ProviderError) -> Option<Kind> {
        Some(match e {
            ProviderError::Auth { .. } => Kind::Auth,
            ProviderError::Forbidden { .. } => Kind::Forbidden,
            ProviderError::NotFound { .. } => Kind::NotFound,
            ProviderError::Vendor { .. } => Kind::Vendor,
            ProviderError::Invalid { .. } => Kind::Invalid,
            _ => return None,
        })
    }

    pub fn health(self) -> Health {
        match self {
            Kind::Auth | Kind::Forbidden => Health::AuthError,
            _ => Health::Error,
        }
    }
}

/// A documented error status injected on the calls list, and the one sentence it becomes.
pub struct ErrorCase {
    pub status: u16,
    pub kind: Kind,
    pub sentence: String,
}

impl ErrorCase {
    pub fn new(status: u16, kind: Kind, sentence: &str) -> ErrorCase {
        ErrorCase {
            status,
            kind,
            sentence: sentence.to_string(),
        }
    }
}

/// Either what a feature's states are at this vendor, or a call whose detail must say the API
/// does not offer the feature at all.
pub enum Offer<T> {
    Offered(T),
    NotOffered { sample: At },
}

/// Calls in each transcript state; `None` where the vendor's API has no such state.
pub struct TranscriptStates {
    /// Parsed into turns by both speakers.
    pub turns: Vec<At>,
    pub missing: Option<At>,
    pub purged: Option<At>,
    /// Sent, but not in the documented form: kept as plain text with a warning.
    pub unparsed: Option<At>,
}

/// A call with a recording, and its length or its very bytes where the emulator says them.
pub struct Present {
    pub at: At,
    pub len: Option<u64>,
    pub bytes: Option<&'static [u8]>,
}

impl Present {
    pub fn new(at: At, len: Option<u64>) -> Present {
        Present {
            at,
            len,
            bytes: None,
        }
    }
}

/// Calls in each recording state; `None` where the vendor's API has no such state.
pub struct RecordingStates {
    /// At least one per format the vendor serves.
    pub present: Vec<Present>,
    /// Every `Content-Type` the vendor serves.
    pub formats: Vec<&'static str>,
    /// A call without a recording, and the sentence opening it gives.
    pub missing: Option<(At, String)>,
    /// A purged call, and the sentence opening its recording gives.
    pub purged: Option<(At, String)>,
}

/// What the emulator's `Fault::WrongTypesRecord` does to the middle record of a page.
pub enum Malformed {
    /// Its id cannot be read: the record is left out and counted.
    Unreadable,
    /// Its id stays readable (as this value): the record is shown, without the values of
    /// the wrong type.
    ReadableAs(&'static str),
}

/// The parent level (agents, patients, …): every scope, and what a search finds.
pub struct Scopes {
    pub noun: &'static str,
    /// Every scope the key sees, in the server's order.
    pub ids: Vec<String>,
    /// A page size for paging through them.
    pub page: u32,
    pub search: &'static str,
    pub found: Vec<String>,
}

/// An adapter whose configuration pins [`Pair::scope`], and the sentence listing calls without
/// a scope and without a pin gives.
pub struct Pinned {
    pub adapter: Built,
    pub scope: Scope,
    pub unpinned: String,
}

/// One adapter and its vendor's emulator, started for one behaviour.
#[allow(async_fn_in_trait)]
pub trait Pair: Sized {
    /// The provider's label, as every sentence starts.
    const LABEL: &'static str;
    /// A page size that splits the scope's calls into several pages (one the API accepts as is).
    const PAGE: u32;

    /// Starts the emulator with deterministic options and builds the adapter.
    async fn start() -> Self;
    /// The adapter (its HTTP notices recorded, see [`Pair::notices`]).
    fn adapter(&self) -> &dyn Provider;
    fn notices(&self) -> Vec<HttpNotice>;
    fn clear_notices(&self);
    /// Another adapter on the same emulator, with these limits.
    fn build(&self, limits: HttpLimits) -> Built;
    /// An adapter whose key the server rejects, and the sentence listing calls with it gives.
    fn wrong_key(&self) -> (Built, String);

    /// The parent level; `None` where calls have no parent.
    fn scopes(&self) -> Option<Scopes>;
    /// Queues a fault for the next request of the parent list.
    fn fault_on_scopes(&self, fault: Fault);
    /// `None` where calls have no parent.
    fn pinned(&self) -> Option<Pinned>;

    /// The parent the calls are listed under (`None` without a parent level).
    fn scope(&self) -> Option<String>;
    /// The ids of the calls under [`Pair::scope`], in the server's order, from the emulator's
    /// own data.
    fn listed_ids(&self) -> Vec<String>;

    /// Queues a fault for the next calls-list request.
    fn fault_on_list(&self, fault: Fault);
    /// Faults queued and not yet met.
    fn pending_faults(&self) -> usize;
    /// The calls-list requests the server saw since [`Pair::clear_requests`]; `None` when the
    /// emulator keeps no request log (the behaviour then relies on the answers and on
    /// [`Pair::planned_query`]).
    fn list_requests(&self) -> Option<Vec<Seen>>;
    fn clear_requests(&self);

    /// The paging part of a list request for 1-based `page` of `size`, as the API writes it.
    fn base_query(&self, page: u32, size: u32) -> Query;
    /// The query the adapter builds for `filter` (its pure query function).
    fn planned_query(&self, filter: &Filter, page: PageRequest) -> Query;
    /// One case at least for every key the server applies.
    fn filter_cases(&self) -> Vec<FilterCase>;
    fn mixed_filter(&self) -> MixedFilter;

    /// Every documented error status, as it comes back on the calls list.
    fn error_cases(&self) -> Vec<ErrorCase>;
    /// A call that does not exist, and the sentence its detail gives.
    fn unknown_call(&self) -> (At, String);

    /// How a record with wrong types comes out of the emulator.
    fn malformed(&self) -> Malformed {
        Malformed::Unreadable
    }

    fn transcripts(&self) -> Offer<TranscriptStates>;
    fn recordings(&self) -> Offer<RecordingStates>;

    /// A filter line parsed with this adapter's capabilities at the emulators' clock.
    fn parse(&self, line: &str) -> Filter {
        Filter::parse(line, self.adapter().capabilities(), now()).unwrap()
    }

    /// `(scope, id)` of a call under [`Pair::scope`].
    fn at(&self, id: &str) -> At {
        At::new(self.scope().as_deref(), id)
    }
}

pub fn query(pairs: &[(&str, &str)]) -> Query {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A query the adapter builds, as owned pairs.
pub fn owned(q: Vec<(&'static str, String)>) -> Query {
    q.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// [`Pair::base_query`] followed by `sent`.
pub fn with(mut base: Query, sent: &Query) -> Query {
    base.extend(sent.iter().cloned());
    base
}

/// Asserts every id appears once.
pub fn each_once(ids: &[String]) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "every call exactly once");
}

/// Whether the bytes start as the `Content-Type` says.
pub fn starts_as(content_type: &str, head: &[u8]) -> bool {
    match content_type {
        "audio/mpeg" | "audio/mp3" => is_mp3(head),
        "audio/wav" | "audio/x-wav" | "audio/wave" => is_wav(head),
        other => panic!("a recording served as {other}"),
    }
}
