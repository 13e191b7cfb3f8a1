//! The store thread for a team store on PostgreSQL. Online, changes go to the team database and
//! every other instance's changes arrive by LISTEN/NOTIFY (the queue is sent again at once); as a
//! safety net, every 15 s a one-row summary of the queue is compared and everything read again
//! when it differs, and claims that expired meanwhile are cleared on screen. When the
//! database is out of reach — at start or mid-session — the last known queue (kept in the local
//! SQLite file) is shown, every change is written to the file's `pending` table before the UI is
//! told it is saved, and the database is tried again with a growing pause (0.5 s up to 10 s).
//! Back online, the waiting changes are sent in order, then everything is loaded again. A
//! waiting change the team database refuses (a note someone else changed meanwhile, a call
//! someone else claimed) is told as `Failed` with its request and reason; a refused note is
//! kept as the call's draft, so nothing typed is lost. Drafts always stay in the local file.

use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use super::actor::{Input, StoreCmd, StoreEvent, receive, refuse_all};
use super::logic;
use super::postgres::Notice;
use super::{
    Change, Entry, PasswordSource, PgStore, Store, StoreError, StoreTarget, TeamDb, TriageStore,
};
use crate::model::{Call, CallRef};

/// How often the whole queue is read again while online.
const RELOAD: Duration = Duration::from_secs(15);
/// A lost database is tried again after 0.5 s, then twice as long each time up to 3 s: one
/// connection attempt every 3 s costs a server nothing, and changes kept here go out within
/// about 3 s of its return, however long it was away.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(3);

struct Team<'a> {
    team: TeamDb,
    /// `host:port/database`, for messages.
    label: String,
    /// Why the database was last out of reach.
    why: Option<StoreError>,
    who: String,
    claim_minutes: u32,
    ttl: chrono::Duration,
    local: Store,
    pg: Option<PgStore>,
    /// Which connection attempt is current (older ones' notices are stale).
    generation: u64,
    /// A connection attempt is under way.
    connecting: bool,
    wake: Sender<Input>,
    tell: &'a dyn Fn(StoreEvent),
    /// The queue as last told.
    entries: Vec<Entry>,
    retry_at: Instant,
    backoff: Duration,
    reloaded: Instant,
    /// What the UI was last told about the connection.
    said: Option<(bool, String, usize)>,
    /// The queue's summary when it was last read (see [`PgStore::fingerprint`]).
    fingerprint: String,
}

pub(super) fn run(
    target: &StoreTarget,
    team: TeamDb,
    who: &str,
    rx: &Receiver<Input>,
    wake: Sender<Input>,
    tell: &dyn Fn(StoreEvent),
) {
    let local = match Store::open(&target.path, who) {
        Ok(s) => s,
        Err(e) => {
            tell(StoreEvent::Unavailable(e));
            return refuse_all(rx, tell);
        }
    };
    let now = Instant::now();
    let label = super::pg_conn::prepare(&team, None)
        .map(|p| p.label)
        .unwrap_or_else(|_| super::pg_conn::redact(&team.url));
    let mut t = Team {
        team,
        label,
        why: None,
        who: who.to_string(),
        claim_minutes: target.claim_minutes,
        ttl: chrono::Duration::minutes(i64::from(target.claim_minutes.max(1))),
        entries: local.team_cache().unwrap_or_default(),
        local,
        pg: None,
        generation: 0,
        connecting: false,
        wake,
        tell,
        retry_at: now,
        backoff: FIRST_RETRY,
        reloaded: now,
        said: None,
        fingerprint: String::new(),
    };
    // The last known queue at once; the database may take seconds to answer (or not at all).
    t.send_loaded();
    t.connect();
    loop {
        let wait = match &t.pg {
            Some(_) => RELOAD.saturating_sub(t.reloaded.elapsed()),
            None if t.connecting => RELOAD,
            None => t.retry_at.saturating_duration_since(Instant::now()),
        };
        let mut others = Vec::new();
        let (cmds, stop) = receive(rx, wait.max(Duration::from_millis(10)), &mut others);
        for cmd in cmds {
            t.handle(cmd);
        }
        if stop {
            return;
        }
        let mut notices = Vec::new();
        for input in others {
            match input {
                Input::Notice(generation, n) => notices.push((generation, n)),
                Input::Connected(generation, r) => t.connected(generation, *r),
                Input::Cmd(_) | Input::Stop => {}
            }
        }
        t.notices(notices);
        if t.pg.is_none() && !t.connecting && Instant::now() >= t.retry_at {
            t.connect();
        } else if t.pg.is_some() && t.reloaded.elapsed() >= RELOAD {
            t.check();
        }
    }
}

impl Team<'_> {
    fn tell(&self, e: StoreEvent) {
        (self.tell)(e)
    }

    fn waiting(&self) -> usize {
        self.local.pending_count().unwrap_or(0)
    }

    fn send_loaded(&self) {
        let drafts = self.local.drafts().unwrap_or_default();
        self.tell(StoreEvent::Loaded {
            entries: self.entries.clone(),
            drafts,
        });
    }

    /// Tells the UI the connection's state, when it changed.
    fn say(&mut self, online: bool, detail: String) {
        let waiting = self.waiting();
        let now = Some((online, detail.clone(), waiting));
        if self.said != now {
            self.said = now;
            self.tell(StoreEvent::Connection {
                online,
                detail,
                waiting,
            });
        }
    }

    fn say_offline(&mut self, why: &StoreError) {
        let n = self.waiting();
        let detail = format!(
            "Working offline, {n} change(s) kept on this machine until the team database is back: {why}"
        );
        self.say(false, detail);
    }

    /// Starts a connection attempt on a thread of its own (a host that does not answer takes
    /// seconds to give up on, and the store keeps answering meanwhile); its outcome comes back
    /// as `Input::Connected`.
    fn connect(&mut self) {
        // The password is read once (a `password_command` may ask for a passphrase), not at
        // every attempt.
        if matches!(
            self.team.password,
            PasswordSource::Env(_) | PasswordSource::Command(_)
        ) {
            match self.team.password.resolve() {
                Ok(p) => self.team.password = p.map_or(PasswordSource::None, PasswordSource::Given),
                Err(e) => return self.offline(e),
            }
        }
        self.generation += 1;
        let generation = self.generation;
        let (team, who, minutes) = (self.team.clone(), self.who.clone(), self.claim_minutes);
        let wake = self.wake.clone();
        let attempt = move || {
            let r = PgStore::open(&team, &who).and_then(|mut pg| {
                pg.set_claim_minutes(minutes);
                let notices = wake.clone();
                pg.listen(move |n| {
                    let _ = notices.send(Input::Notice(generation, n));
                })?;
                Ok(pg)
            });
            let _ = wake.send(Input::Connected(generation, Box::new(r)));
        };
        let spawned = std::thread::Builder::new()
            .name("triage-connect".into())
            .spawn(attempt);
        match spawned {
            Ok(_) => self.connecting = true,
            Err(e) => self.offline(StoreError::Other(format!("cannot start a thread: {e}"))),
        }
    }

    /// A connection attempt's outcome: online, the waiting changes sent, everything loaded; or
    /// another attempt later.
    fn connected(&mut self, generation: u64, r: Result<PgStore, StoreError>) {
        if generation != self.generation {
            return;
        }
        self.connecting = false;
        match r {
            Ok(pg) => {
                self.pg = Some(pg);
                self.why = None;
                self.backoff = FIRST_RETRY;
                self.replay();
                if self.pg.is_some() {
                    self.reload(true);
                }
                if self.pg.is_some() {
                    let detail = format!("Connected to the team database at {}.", self.label);
                    self.say(true, detail);
                }
            }
            Err(e) => self.offline(e),
        }
    }

    fn offline(&mut self, why: StoreError) {
        tracing::warn!("team store offline: {why}");
        self.pg = None;
        self.retry_at = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_RETRY);
        self.say_offline(&why);
        self.why = Some(why);
    }

    fn notices(&mut self, notices: Vec<(u64, Notice)>) {
        let mut changed = false;
        for (generation, n) in notices {
            if generation != self.generation || self.pg.is_none() {
                continue;
            }
            match n {
                Notice::Changed { pid, .. } => {
                    changed |= self.pg.as_ref().is_some_and(|pg| pg.backend_pid() != pid);
                }
                Notice::Lost(cause) => {
                    let host = self.label.clone();
                    self.offline(StoreError::Unreachable { host, cause });
                    return;
                }
            }
        }
        if changed {
            self.reload(false);
        }
    }

    /// The safety net: claims that expired are cleared; the queue is read again when its
    /// summary changed without a notification.
    fn check(&mut self) {
        let Some(pg) = self.pg.as_mut() else { return };
        self.reloaded = Instant::now();
        match pg.fingerprint() {
            Ok(f) if f == self.fingerprint => {
                let before = self.entries.clone();
                let now = chrono::Utc::now();
                for e in &mut self.entries {
                    logic::expire(e, self.ttl, now);
                }
                if self.entries != before {
                    self.send_loaded();
                }
            }
            Ok(_) => self.reload(false),
            Err(e) => self.offline(e),
        }
    }

    /// Reads the whole queue; tells it when it changed (or `always`).
    fn reload(&mut self, always: bool) {
        let Some(pg) = self.pg.as_mut() else { return };
        self.reloaded = Instant::now();
        match pg.fingerprint().and_then(|f| Ok((f, pg.entries()?))) {
            Ok((f, entries)) => {
                self.fingerprint = f;
                if always || entries != self.entries {
                    self.entries = entries;
                    if let Err(e) = self.local.cache_team(&self.entries) {
                        tracing::warn!("the team queue cannot be kept locally: {e}");
                    }
                    self.send_loaded();
                }
            }
            Err(e) => self.offline(e),
        }
    }

    /// Keeps `e` as the queue's entry for its call.
    fn remember(&mut self, e: &Entry) {
        match self.entries.iter_mut().find(|x| x.call == e.call) {
            Some(x) => *x = e.clone(),
            None => self.entries.push(e.clone()),
        }
        if let Err(err) = self.local.cache_one(e) {
            tracing::warn!("the team queue cannot be kept locally: {err}");
        }
    }

    /// Sends the changes that waited, oldest first.
    fn replay(&mut self) {
        let items = match self.local.pending() {
            Ok(items) => items,
            Err(e) => return self.tell(StoreEvent::Unavailable(e)),
        };
        for p in items {
            let Some(pg) = self.pg.as_mut() else { return };
            match pg.apply_all(&p.call, p.snapshot.as_ref(), p.changes.clone(), p.rebase) {
                Ok(e) => {
                    self.remember(&e);
                    let _ = self.local.unqueue(p.id);
                }
                Err(e) if e.is_unreachable() => return self.offline(e),
                Err(error) => {
                    // Refused for good: said, and a note is kept as the call's draft.
                    if let StoreError::Conflict { theirs, mine, .. } = &error
                        && let Err(e) = self.local.save_draft(&p.call, mine, theirs.version)
                    {
                        self.tell(StoreEvent::Unavailable(e));
                        return;
                    }
                    let _ = self.local.unqueue(p.id);
                    self.tell(StoreEvent::Failed {
                        req: p.req,
                        error,
                        done: Vec::new(),
                    });
                }
            }
        }
    }

    /// One batch of changes to one call: to the team database, or kept on this machine.
    fn apply(
        &mut self,
        req: u64,
        call: &CallRef,
        snapshot: Option<&Call>,
        changes: Vec<Change>,
    ) -> Result<Entry, StoreError> {
        if self.pg.is_some() && self.waiting() > 0 {
            self.replay();
        }
        if let Some(pg) = self.pg.as_mut() {
            match pg.apply_all(call, snapshot, changes.clone(), false) {
                Ok(e) => {
                    self.remember(&e);
                    return Ok(e);
                }
                Err(e) if e.is_unreachable() => self.offline(e),
                Err(e) => return Err(e),
            }
        }
        self.keep(req, call, snapshot, changes)
    }

    /// Offline: the change is checked against the last known queue (a conflict or a claim that
    /// is known already is said now), written to the local queue, and shown.
    fn keep(
        &mut self,
        req: u64,
        call: &CallRef,
        snapshot: Option<&Call>,
        changes: Vec<Change>,
    ) -> Result<Entry, StoreError> {
        let mut current = self.entries.iter().find(|e| &e.call == call).cloned();
        let mut snap = snapshot;
        for change in changes.iter().cloned() {
            let at = chrono::Utc::now();
            let out = logic::change_entry(
                current.as_ref(),
                call,
                snap.take(),
                change,
                &self.who,
                at,
                self.ttl,
            )?;
            current = Some(out.entry);
        }
        self.local.queue(req, call, snapshot, &changes, false)?;
        let entry = current.ok_or_else(|| StoreError::Other("nothing to apply".into()))?;
        self.remember(&entry);
        // Said once the first attempt has failed (not while it is still under way).
        if let Some(why) = self.why.clone() {
            self.say_offline(&why);
        }
        Ok(entry)
    }

    fn handle(&mut self, cmd: StoreCmd) {
        match cmd {
            StoreCmd::Apply { req, calls, change } => {
                let mut done = Vec::new();
                for (call, snapshot) in calls {
                    match self.apply(req, &call, snapshot.as_ref(), vec![change.clone()]) {
                        Ok(e) => done.push(e),
                        Err(error) => return self.tell(StoreEvent::Failed { req, error, done }),
                    }
                }
                self.tell(StoreEvent::Applied { req, entries: done });
            }
            StoreCmd::SaveDraft { call, text, base } => {
                if let Err(e) = self.local.save_draft(&call, &text, base) {
                    self.tell(StoreEvent::Unavailable(e));
                }
            }
            StoreCmd::DropDraft { call } => {
                if let Err(e) = self.local.drop_draft(&call) {
                    self.tell(StoreEvent::Unavailable(e));
                }
            }
            StoreCmd::History { call } => {
                let Some(pg) = self.pg.as_mut() else { return };
                match pg.history(&call) {
                    Ok(rows) => self.tell(StoreEvent::History { call, rows }),
                    Err(e) if e.is_unreachable() => self.offline(e),
                    Err(e) => self.tell(StoreEvent::Unavailable(e)),
                }
            }
            StoreCmd::Access {
                call,
                action,
                detail,
            } => self.access(call.as_ref(), &action, &detail),
        }
    }

    /// The access log: the team's; while it is out of reach, this machine's.
    fn access(&mut self, call: Option<&CallRef>, action: &str, detail: &str) {
        if let Some(pg) = self.pg.as_mut() {
            match pg.log_access(call, action, detail) {
                Ok(()) => return,
                Err(e) if e.is_unreachable() => self.offline(e),
                Err(e) => tracing::warn!("the team access log could not be written: {e}"),
            }
        }
        if let Err(e) = self.local.log_access(call, action, detail) {
            tracing::warn!("the access log could not be written: {e}");
        }
    }
}
