//! Everything that reaches `update`: input, and the answers of background work (each carrying the
//! id of the request it answers) — and what `update` asks for: one-shot [`Effect`]s, and the
//! long-lived [`Subscription`]s that the state wants running.

use std::time::Duration;

use crossterm::event::KeyEvent;

use super::state::ReqId;
use crate::audio::player::{PlayerCmd, PlayerEvent};
use crate::http::HttpNotice;
use crate::model::inbox::Ask;
use crate::model::{Call, CallDetail, CallKey, Filter, Page, PageRequest, ProviderId, Scope};
use crate::providers::ProviderError;
use crate::store::actor::{StoreCmd, StoreEvent};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// SIGTERM, SIGHUP, SIGINT, SIGQUIT: leave cleanly.
    Quit,
    /// SIGTSTP from outside (`kill -TSTP`): suspend as Ctrl-Z does.
    Suspend,
    Scopes {
        req: ReqId,
        provider: ProviderId,
        result: Result<Page<Scope>, ProviderError>,
    },
    Calls {
        req: ReqId,
        result: Result<Page<Call>, ProviderError>,
    },
    Detail {
        req: ReqId,
        result: Box<Result<CallDetail, ProviderError>>,
    },
    /// A snapshot of the Live view.
    Live {
        req: ReqId,
        result: Result<Page<Call>, ProviderError>,
    },
    /// Time to refresh the Live view of list generation `generation` (dropped if it changed).
    LiveTick {
        generation: u64,
    },
    /// A page of a provider's parents for the merged list of `generation`.
    MergedScopes {
        generation: u64,
        provider: ProviderId,
        result: Result<Page<Scope>, ProviderError>,
    },
    /// A page of calls of merged source `source` for the merged list of `generation`.
    MergedCalls {
        generation: u64,
        source: usize,
        provider: ProviderId,
        result: Result<Page<Call>, ProviderError>,
    },
    /// A request of the merged list of `generation` may be slow now: set such ones aside.
    MergeTick {
        generation: u64,
    },
    /// The idle timer of round `round` came due: privacy mode turns on if no key was pressed
    /// for `[ui] privacy_idle_secs`.
    IdleTick {
        round: u64,
    },
    Http {
        provider: ProviderId,
        notice: HttpNotice,
    },
    /// What the player of playback `session` tells.
    Player {
        session: u64,
        event: PlayerEvent,
    },
    /// What the triage store tells.
    Store(StoreEvent),
}

/// One-shot work `update` asks the runtime to do; each answers with a [`Msg`] carrying `req`.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    LoadScopes {
        req: ReqId,
        provider: ProviderId,
        /// A search the server applies (Welkin patients by name, MRN, status).
        search: Option<String>,
        page: PageRequest,
    },
    LoadCalls {
        req: ReqId,
        provider: ProviderId,
        scope: Option<String>,
        filter: Filter,
        page: PageRequest,
    },
    LoadDetail {
        req: ReqId,
        key: CallKey,
    },
    LoadLive {
        req: ReqId,
        provider: ProviderId,
        scope: Option<String>,
    },
    /// What the merged list of `generation` asks for.
    LoadMerged {
        generation: u64,
        ask: Ask,
    },
    /// Leave the alternate screen, stop the process (Ctrl-Z), and come back.
    Suspend,
    /// Put this text on the terminal's clipboard (OSC 52; the terminal may ignore it).
    Copy(String),
    /// Tell the player of playback `session` what the user asked.
    Player {
        session: u64,
        cmd: PlayerCmd,
    },
    /// Ask the triage store.
    Store(StoreCmd),
}

/// What a job is for. A new job with the key of a running one replaces it (the older answer
/// would be dropped anyway); jobs with different keys run side by side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum JobKey {
    /// A provider's parent list.
    Scopes(ProviderId),
    /// The call list's next page, or its Live snapshot.
    List,
    /// The open call's detail.
    Detail,
    /// A merged list's page of a provider's parents.
    MergedScopes(ProviderId),
    /// A merged list's page of one source.
    MergedCalls(usize),
}

impl Effect {
    /// The job this effect runs as (`None` for what the loop does itself).
    pub fn job_key(&self) -> Option<JobKey> {
        match self {
            Effect::LoadScopes { provider, .. } => Some(JobKey::Scopes(*provider)),
            Effect::LoadCalls { .. } | Effect::LoadLive { .. } => Some(JobKey::List),
            Effect::LoadDetail { .. } => Some(JobKey::Detail),
            Effect::LoadMerged { ask, .. } => Some(match ask {
                Ask::Scopes { provider, .. } => JobKey::MergedScopes(*provider),
                Ask::Calls { source, .. } => JobKey::MergedCalls(*source),
            }),
            Effect::Suspend | Effect::Copy(_) | Effect::Player { .. } | Effect::Store(_) => None,
        }
    }
}

/// Long-lived work the state wants running: a task that sends messages until its handle is
/// dropped. The runtime starts each one the state asks for and drops each one it no longer asks
/// for (compared by [`Subscription::key`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Subscription {
    /// Sends [`Msg::LiveTick`] once, `after` from when it starts: the next refresh of the Live
    /// view. Asked for only while the Live view is on screen and idle.
    LiveTimer {
        generation: u64,
        /// The answer it follows: each answer asks for a new timer.
        round: u64,
        after: Duration,
    },
    /// Sends [`Msg::MergeTick`] once, `after` from when it starts: a merged list waits for a
    /// request that may be slow.
    MergeTimer {
        generation: u64,
        round: u64,
        after: Duration,
    },
    /// The player of the recording of `key`, for playback `session`: downloads, decodes and
    /// plays it, sending [`Msg::Player`], until dropped.
    Player {
        session: u64,
        key: CallKey,
        autoplay: bool,
        /// Commands sent as soon as it runs (a save asked for before playing).
        first: Vec<PlayerCmd>,
    },
    /// The triage store `target` names (a SQLite file, or the team database beside one),
    /// changes recorded as `who`: loads, saves, and watches for another instance's changes,
    /// sending [`Msg::Store`].
    Store {
        target: crate::store::StoreTarget,
        who: String,
    },
    /// Sends [`Msg::IdleTick`] once, `after` from when it starts: when privacy mode is due to
    /// turn on by itself. Asked for only while it is off and an idle time is configured.
    IdleTimer { round: u64, after: Duration },
}

/// Identifies a subscription: the same key is the same running task.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubKey {
    LiveTimer { generation: u64, round: u64 },
    MergeTimer { generation: u64, round: u64 },
    Player { session: u64 },
    Store,
    IdleTimer { round: u64 },
}

impl Subscription {
    pub fn key(&self) -> SubKey {
        match self {
            Subscription::LiveTimer {
                generation, round, ..
            } => SubKey::LiveTimer {
                generation: *generation,
                round: *round,
            },
            Subscription::MergeTimer {
                generation, round, ..
            } => SubKey::MergeTimer {
                generation: *generation,
                round: *round,
            },
            Subscription::Player { session, .. } => SubKey::Player { session: *session },
            Subscription::Store { .. } => SubKey::Store,
            Subscription::IdleTimer { round, .. } => SubKey::IdleTimer { round: *round },
        }
    }
}
