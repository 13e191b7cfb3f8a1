//! The store off the UI thread: one thread owns the store; commands come in, events go out. It
//! loads every entry and draft at start, applies changes (a draft typed key by key is written
//! once per burst: only the newest text of each call is saved), and sends the entries again when
//! another instance changed them. On SQLite it watches the file (`PRAGMA data_version`, twice a
//! second); on the team's PostgreSQL database ([`super::team`]) it listens for notifications,
//! and works on from the local file while the database is out of reach.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::postgres::Notice;
use super::{AccessRow, Change, Entry, HistoryRow, Store, StoreError, StoreTarget};
use crate::model::{Call, CallRef};

/// How often the store looks for another instance's changes.
pub const WATCH: Duration = Duration::from_millis(500);

/// What the UI asks of the store.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreCmd {
    /// Apply `change` to each call (with its list fields as the snapshot).
    Apply {
        req: u64,
        calls: Vec<(CallRef, Option<Call>)>,
        change: Change,
    },
    SaveDraft {
        call: CallRef,
        text: String,
        base: i64,
    },
    DropDraft {
        call: CallRef,
    },
    History {
        call: CallRef,
    },
    Access {
        call: Option<CallRef>,
        action: String,
        detail: String,
    },
}

/// What the store tells.
#[derive(Clone, Debug)]
pub enum StoreEvent {
    /// Every entry and draft: at start, and whenever the database changed (another instance).
    Loaded {
        entries: Vec<Entry>,
        drafts: HashMap<CallRef, (String, i64)>,
    },
    /// A change was saved: the entries as they are now.
    Applied { req: u64, entries: Vec<Entry> },
    /// A change was not saved: why (a conflict carries both versions). `done` holds the entries
    /// of the calls saved before the failure.
    Failed {
        req: u64,
        error: StoreError,
        done: Vec<Entry>,
    },
    History {
        call: CallRef,
        rows: Vec<HistoryRow>,
    },
    /// The store could not be opened, or a background write failed.
    Unavailable(StoreError),
    /// The access log (for `triage audit`).
    Audit(Vec<AccessRow>),
    /// The team database (PostgreSQL) was reached or lost. While `online` is false the last
    /// known queue is shown (a `Loaded` from the local copy), changes are kept on this machine
    /// and answered `Applied` at once; they are sent in order when the database is back (a
    /// conflict then comes as `Failed` with both versions, and the note is kept as a draft).
    /// `detail` is one sentence for the status line; `waiting` counts the changes not yet sent.
    /// Never sent for a SQLite store.
    Connection {
        online: bool,
        detail: String,
        waiting: usize,
    },
}

/// What the store thread reads: the UI's commands, the team database's notifications and a
/// connection attempt's outcome (tagged with the attempt they belong to), and the order to stop.
pub(super) enum Input {
    Cmd(StoreCmd),
    Notice(u64, Notice),
    Connected(u64, Box<Result<super::PgStore, StoreError>>),
    Stop,
}

/// The running store thread; dropping it lets the thread finish what was asked and stop.
pub struct StoreActor {
    tx: Option<Sender<Input>>,
    thread: Option<JoinHandle<()>>,
}

impl StoreActor {
    /// The SQLite store at `path` (as before the team store existed).
    pub fn start(path: PathBuf, who: String, tell: impl Fn(StoreEvent) + Send + 'static) -> Self {
        StoreActor::open(StoreTarget::sqlite(path), who, tell)
    }

    /// The store `target` names (see [`StoreTarget::from_config`]); changes are recorded as
    /// `who` (see [`super::target::who`]).
    pub fn open(
        target: StoreTarget,
        who: String,
        tell: impl Fn(StoreEvent) + Send + 'static,
    ) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let wake = tx.clone();
        let thread = std::thread::Builder::new()
            .name("triage-store".into())
            .spawn(move || match target.team.clone() {
                None => run(&target, &who, &rx, &tell),
                Some(team) => super::team::run(&target, team, &who, &rx, wake, &tell),
            })
            .ok();
        StoreActor {
            tx: Some(tx),
            thread,
        }
    }

    pub fn send(&self, cmd: StoreCmd) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Input::Cmd(cmd));
        }
    }
}

impl Drop for StoreActor {
    fn drop(&mut self) {
        // Stop comes after the commands already sent: the loop does them first (nothing typed
        // is dropped on the way out).
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Input::Stop);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn load(store: &Store) -> Result<StoreEvent, StoreError> {
    let entries = store.entries()?;
    let drafts = store.drafts()?;
    Ok(StoreEvent::Loaded { entries, drafts })
}

/// Keeps answering a store that could not be opened, so nothing waits forever: every change
/// fails with the reason.
pub(super) fn refuse_all(rx: &Receiver<Input>, tell: &dyn Fn(StoreEvent)) {
    while let Ok(input) = rx.recv() {
        match input {
            Input::Cmd(StoreCmd::Apply { req, .. }) => {
                let error = StoreError::Other("the triage store is not open".into());
                tell(StoreEvent::Failed {
                    req,
                    error,
                    done: Vec::new(),
                });
            }
            Input::Stop => return,
            _ => {}
        }
    }
}

/// What arrived within `wait`: the commands before a stop, and whether to stop after them
/// (a closed channel stops too). Everything else goes to `others`, in order.
pub(super) fn receive(
    rx: &Receiver<Input>,
    wait: Duration,
    others: &mut Vec<Input>,
) -> (Vec<StoreCmd>, bool) {
    let first = match rx.recv_timeout(wait) {
        Ok(c) => Some(c),
        Err(RecvTimeoutError::Timeout) => None,
        Err(RecvTimeoutError::Disconnected) => return (Vec::new(), true),
    };
    let mut cmds = Vec::new();
    for input in first.into_iter().chain(rx.try_iter()) {
        match input {
            Input::Cmd(c) => cmds.push(c),
            Input::Stop => return (coalesce(cmds), true),
            other => others.push(other),
        }
    }
    (coalesce(cmds), false)
}

fn run(target: &StoreTarget, who: &str, rx: &Receiver<Input>, tell: &dyn Fn(StoreEvent)) {
    let mut store = match Store::open(&target.path, who) {
        Ok(s) => s,
        Err(e) => {
            tell(StoreEvent::Unavailable(e));
            return refuse_all(rx, tell);
        }
    };
    store.set_claim_minutes(target.claim_minutes);
    match load(&store) {
        Ok(e) => tell(e),
        Err(e) => tell(StoreEvent::Unavailable(e)),
    }
    let mut seen = store.data_version().unwrap_or_default();
    loop {
        let (cmds, stop) = receive(rx, WATCH, &mut Vec::new());
        for cmd in cmds {
            handle(&mut store, cmd, tell);
        }
        if stop {
            return;
        }
        match store.data_version() {
            Ok(v) if v != seen => {
                seen = v;
                match load(&store) {
                    Ok(e) => tell(e),
                    Err(e) => tell(StoreEvent::Unavailable(e)),
                }
            }
            _ => {}
        }
    }
}

/// Drafts of one call typed in a burst: only the newest is written.
fn coalesce(batch: Vec<StoreCmd>) -> Vec<StoreCmd> {
    let mut out: Vec<StoreCmd> = Vec::with_capacity(batch.len());
    for cmd in batch {
        if let StoreCmd::SaveDraft { call, .. } = &cmd
            && let Some(last) = out.last()
            && matches!(last, StoreCmd::SaveDraft { call: c, .. } if c == call)
        {
            out.pop();
        }
        out.push(cmd);
    }
    out
}

fn handle(store: &mut Store, cmd: StoreCmd, tell: &dyn Fn(StoreEvent)) {
    match cmd {
        StoreCmd::Apply { req, calls, change } => {
            let mut done = Vec::new();
            for (call, snapshot) in calls {
                match store.apply(&call, snapshot.as_ref(), change.clone()) {
                    Ok(e) => done.push(e),
                    Err(error) => {
                        return tell(StoreEvent::Failed { req, error, done });
                    }
                }
            }
            tell(StoreEvent::Applied { req, entries: done });
        }
        StoreCmd::SaveDraft { call, text, base } => {
            if let Err(e) = store.save_draft(&call, &text, base) {
                tell(StoreEvent::Unavailable(e));
            }
        }
        StoreCmd::DropDraft { call } => {
            if let Err(e) = store.drop_draft(&call) {
                tell(StoreEvent::Unavailable(e));
            }
        }
        StoreCmd::History { call } => match store.history(&call) {
            Ok(rows) => tell(StoreEvent::History { call, rows }),
            Err(e) => tell(StoreEvent::Unavailable(e)),
        },
        StoreCmd::Access {
            call,
            action,
            detail,
        } => {
            if let Err(e) = store.log_access(call.as_ref(), &action, &detail) {
                tracing::warn!("the access log could not be written: {e}");
            }
        }
    }
}
