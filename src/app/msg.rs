//! Everything that reaches `update`: input, and the answers of background work (each carrying the
//! id of the request it answers) — and the effects `update` asks for.

use crossterm::event::KeyEvent;

use super::state::ReqId;
use crate::http::HttpNotice;
use crate::model::{Call, CallDetail, CallKey, Filter, Page, PageRequest, Scope};
use crate::providers::ProviderError;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// SIGTERM, SIGHUP: leave cleanly.
    Quit,
    Scopes {
        req: ReqId,
        provider: usize,
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
    Http {
        provider: usize,
        notice: HttpNotice,
    },
}

/// Work `update` asks the runtime to do; each answers with a [`Msg`] carrying `req`.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    LoadScopes {
        req: ReqId,
        provider: usize,
        /// A search the server applies (Welkin patients by name, MRN, status).
        search: Option<String>,
        page: PageRequest,
    },
    LoadCalls {
        req: ReqId,
        provider: usize,
        scope: Option<String>,
        filter: Filter,
        page: PageRequest,
    },
    LoadDetail {
        req: ReqId,
        provider: usize,
        key: CallKey,
    },
    LoadLive {
        req: ReqId,
        provider: usize,
        scope: Option<String>,
    },
    /// Send [`Msg::LiveTick`] after `after` (replaces a pending one).
    LiveTimer {
        generation: u64,
        after: std::time::Duration,
    },
    /// Leave the alternate screen, stop the process (Ctrl-Z), and come back.
    Suspend,
}
