//! The store off the UI thread: one thread owns the SQLite connection; commands come in, events
//! go out. It loads every entry and draft at start, applies changes (a draft typed key by key is
//! written once per burst: only the newest text of each call is saved), and watches the database
//! for another instance's commits (`PRAGMA data_version`, twice a second), sending the entries
//! again when they changed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{AccessRow, Change, Entry, HistoryRow, Store, StoreError};
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
}

/// The running store thread; dropping it lets the thread finish what was asked and stop.
pub struct StoreActor {
    tx: Option<Sender<StoreCmd>>,
    thread: Option<JoinHandle<()>>,
}

impl StoreActor {
    pub fn start(path: PathBuf, who: String, tell: impl Fn(StoreEvent) + Send + 'static) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("triage-store".into())
            .spawn(move || run(&path, &who, &rx, &tell))
            .ok();
        StoreActor {
            tx: Some(tx),
            thread,
        }
    }

    pub fn send(&self, cmd: StoreCmd) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(cmd);
        }
    }
}

impl Drop for StoreActor {
    fn drop(&mut self) {
        // Closing the channel ends the loop after the commands already sent (nothing typed is
        // dropped on the way out).
        self.tx = None;
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

fn run(path: &std::path::Path, who: &str, rx: &Receiver<StoreCmd>, tell: &dyn Fn(StoreEvent)) {
    let mut store = match Store::open(path, who) {
        Ok(s) => s,
        Err(e) => {
            tell(StoreEvent::Unavailable(e));
            // Keep answering so nothing waits forever: every change fails with the reason.
            while let Ok(cmd) = rx.recv() {
                if let StoreCmd::Apply { req, .. } = cmd {
                    let error = StoreError::Other("the triage store is not open".into());
                    tell(StoreEvent::Failed {
                        req,
                        error,
                        done: Vec::new(),
                    });
                }
            }
            return;
        }
    };
    match load(&store) {
        Ok(e) => tell(e),
        Err(e) => tell(StoreEvent::Unavailable(e)),
    }
    let mut seen = store.data_version().unwrap_or_default();
    loop {
        let first = match rx.recv_timeout(WATCH) {
            Ok(c) => Some(c),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch: Vec<StoreCmd> = first.into_iter().collect();
        batch.extend(rx.try_iter());
        for cmd in coalesce(batch) {
            handle(&mut store, cmd, tell);
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
