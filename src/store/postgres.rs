//! The triage store in PostgreSQL, for a care team: the same tables and semantics as SQLite
//! ([`super::logic`] decides every change), one transaction per batch of changes with its
//! history rows and a `NOTIFY callbrowser_triage, '<call key>'` that reaches every other open
//! instance, changes to one call serialized by a transaction-scoped advisory lock. The schema is
//! migrated only when asked (`callbrowser store migrate`); an older one is refused with that
//! advice, a newer one refused untouched. Driven by its own small tokio runtime (one worker,
//! which also keeps the connections and the LISTEN connection going) from synchronous code.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_postgres::{AsyncMessage, Client, GenericClient};

use super::local::LocalHistory;
use super::logic::{self, DEFAULT_CLAIM_MINUTES};
use super::pg_conn::{self, CONNECT_TIMEOUT, Prepared, QUERY_TIMEOUT, timed};
use super::schema::{MIGRATION_NAMES, PG_MIGRATIONS, VERSION};
use super::sqlite::call_key;
use super::{AccessRow, Change, Entry, HistoryRow, Mark, StoreError, TeamDb, TriageStore};
use crate::model::{Call, CallRef};

const _: () = assert!(PG_MIGRATIONS.len() as i64 == VERSION);

/// The channel every change is announced on.
pub const CHANNEL: &str = "callbrowser_triage";
/// The advisory lock that serializes migrations.
const MIGRATION_LOCK: i64 = 0x6361_6c6c_6272_6f77;

/// What the LISTEN connection tells.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A change was committed by the backend `pid` to the call stored under `key`.
    Changed { pid: i32, key: String },
    /// The LISTEN connection ended: changes are no longer heard.
    Lost(String),
}

/// The migrations `store migrate` ran (or would run).
#[derive(Clone, Debug, PartialEq)]
pub struct MigrationPlan {
    pub from: i64,
    pub to: i64,
    /// `(version reached, what it adds)`.
    pub steps: Vec<(i64, &'static str)>,
}

impl MigrationPlan {
    /// The migrations that take a database of version `from` to this program's.
    pub fn from_version(from: i64) -> MigrationPlan {
        let steps = (from.max(0)..VERSION)
            .map(|v| {
                let name = usize::try_from(v)
                    .ok()
                    .and_then(|i| MIGRATION_NAMES.get(i))
                    .copied()
                    .unwrap_or("");
                (v + 1, name)
            })
            .collect();
        MigrationPlan {
            from,
            to: VERSION.max(from),
            steps,
        }
    }
}

/// What `store copy` did (or would do).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CopyReport {
    pub entries_new: usize,
    /// Already in the team database (kept as they are there).
    pub entries_kept: usize,
    pub history_new: usize,
    pub history_kept: usize,
}

pub struct PgStore {
    /// Its own runtime (one worker): `None` only while being dropped.
    rt: Option<tokio::runtime::Runtime>,
    prepared: Prepared,
    client: Option<Client>,
    /// The query connection's backend, to tell our own notifications from others'.
    pid: i32,
    listener: Option<Client>,
    who: String,
    ttl: chrono::Duration,
}

/// Why a transaction failed.
enum Fail {
    Pg(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Fail {
        Fail::Pg(e)
    }
}

const SELECT: &str = "SELECT call_key, mark, note, tags, version, created_at, updated_at, \
                      updated_by, snapshot, claimed_by, claimed_at FROM triage";

fn row_to_entry(r: &tokio_postgres::Row) -> Result<Entry, tokio_postgres::Error> {
    let key: String = r.try_get(0)?;
    let tags: String = r.try_get(3)?;
    let snapshot: Option<String> = r.try_get(8)?;
    let call = serde_json::from_str::<CallRef>(&key).unwrap_or_else(|_| CallRef {
        account: crate::model::Account::new(crate::model::ProviderKind::TalkPilot, "?", None),
        id: key.clone(),
    });
    Ok(Entry {
        call,
        mark: Mark::parse(&r.try_get::<_, String>(1)?).unwrap_or_default(),
        note: r.try_get(2)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        version: r.try_get(4)?,
        created_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
        updated_by: r.try_get(7)?,
        snapshot: snapshot.and_then(|s| serde_json::from_str::<Call>(&s).ok()),
        claimed_by: r.try_get(9)?,
        claimed_at: r.try_get(10)?,
    })
}

async fn read_entry(c: &impl GenericClient, key: &str) -> Result<Option<Entry>, Fail> {
    let row = c
        .query_opt(&format!("{SELECT} WHERE call_key = $1 FOR UPDATE"), &[&key])
        .await?;
    Ok(row.as_ref().map(row_to_entry).transpose()?)
}

async fn write_entry(c: &impl GenericClient, key: &str, e: &Entry) -> Result<u64, Fail> {
    let snapshot = e
        .snapshot
        .as_ref()
        .and_then(|s| serde_json::to_string(s).ok());
    let tags = serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into());
    Ok(c.execute(
        "INSERT INTO triage (call_key, kind, host, account, call_id, mark, note, tags, version,
                             created_at, updated_at, updated_by, snapshot, claimed_by, claimed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (call_key) DO UPDATE SET mark = $6, note = $7, tags = $8, version = $9,
             updated_at = $11, updated_by = $12, snapshot = $13, claimed_by = $14,
             claimed_at = $15",
        &[
            &key,
            &e.call.account.kind.as_str(),
            &e.call.account.host,
            &e.call.account.id,
            &e.call.id,
            &e.mark.as_str(),
            &e.note,
            &tags,
            &e.version,
            &e.created_at,
            &e.updated_at,
            &e.updated_by,
            &snapshot,
            &e.claimed_by,
            &e.claimed_at,
        ],
    )
    .await?)
}

async fn read_version(c: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    let exists: bool = c
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(c.query_one(
        "SELECT COALESCE(max(version), 0)::bigint FROM schema_version",
        &[],
    )
    .await?
    .get(0))
}

/// One batch of changes in the caller's transaction, with history rows and the notification.
#[allow(clippy::too_many_arguments)]
async fn apply_in(
    tx: &tokio_postgres::Transaction<'_>,
    call: &CallRef,
    mut snapshot: Option<&Call>,
    changes: Vec<Change>,
    rebase: bool,
    who: &str,
    ttl: chrono::Duration,
) -> Result<Option<Entry>, Fail> {
    let key = call_key(call);
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1)::bigint)",
        &[&key],
    )
    .await?;
    let mut current = read_entry(tx, &key).await?;
    let mut last = None;
    for change in changes {
        let change = match (change, &current) {
            (Change::Note { text, .. }, Some(e)) if rebase => Change::Note {
                text,
                base: e.version,
            },
            (c, _) => c,
        };
        let at: DateTime<Utc> = Utc::now();
        let out = logic::change_entry(
            current.as_ref(),
            call,
            snapshot.take(),
            change,
            who,
            at,
            ttl,
        )
        .map_err(Fail::Store)?;
        if out.write {
            write_entry(tx, &key, &out.entry).await?;
            for (field, old, new) in &out.history {
                tx.execute(
                    "INSERT INTO history (call_key, at, who, field, old, new)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[&key, &at, &who, field, old, new],
                )
                .await?;
            }
        }
        current = Some(out.entry.clone());
        last = Some(out.entry);
    }
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &key])
        .await?;
    Ok(last)
}

impl PgStore {
    /// Connects to the team database and checks its schema: an older one is refused with the
    /// advice to run `store migrate`, a newer one untouched.
    pub fn open(team: &TeamDb, who: &str) -> Result<PgStore, StoreError> {
        let mut s = PgStore::connect(team, who)?;
        let found = s.version()?;
        if found > VERSION {
            return Err(s.newer(found));
        }
        if found < VERSION {
            return Err(StoreError::Older {
                host: s.prepared.label.clone(),
                found,
                known: VERSION,
            });
        }
        Ok(s)
    }

    /// Connects without looking at the schema (`store migrate`, `store status`).
    pub fn connect(team: &TeamDb, who: &str) -> Result<PgStore, StoreError> {
        let password = team.password.resolve()?;
        let prepared = pg_conn::prepare(team, password)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("triage-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Other(format!("cannot start the database runtime: {e}")))?;
        let mut s = PgStore {
            rt: Some(rt),
            prepared,
            client: None,
            pid: 0,
            listener: None,
            who: who.to_string(),
            ttl: chrono::Duration::minutes(i64::from(DEFAULT_CLAIM_MINUTES)),
        };
        s.client()?;
        Ok(s)
    }

    fn rt(&self) -> Result<&tokio::runtime::Runtime, StoreError> {
        self.rt
            .as_ref()
            .ok_or_else(|| StoreError::Other("the database runtime has stopped".into()))
    }

    fn newer(&self, found: i64) -> StoreError {
        StoreError::Newer {
            path: format!("in the team database at {}", self.prepared.label).into(),
            found,
            known: VERSION,
        }
    }

    /// `host:port/database`, for messages.
    pub fn label(&self) -> &str {
        &self.prepared.label
    }

    pub fn set_claim_minutes(&mut self, minutes: u32) {
        self.ttl = chrono::Duration::minutes(i64::from(minutes.max(1)));
    }

    /// The query connection's backend process id (our own notifications carry it).
    pub fn backend_pid(&self) -> i32 {
        self.pid
    }

    /// Opens a connection and keeps it going on the runtime.
    fn open_client(&self) -> Result<Client, StoreError> {
        let p = &self.prepared;
        let (client, conn) = self.rt()?.block_on(timed(
            CONNECT_TIMEOUT + Duration::from_secs(1),
            &p.label,
            p.config.connect(p.tls.clone()),
        ))?;
        self.rt()?.spawn(async move {
            if let Err(e) = conn.await {
                tracing::info!("a team database connection ended: {e}");
            }
        });
        Ok(client)
    }

    /// The query connection, made again when it was lost.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let c = self.open_client()?;
            let label = self.prepared.label.clone();
            let pid: i32 = self
                .rt()?
                .block_on(timed(
                    QUERY_TIMEOUT,
                    &label,
                    c.query_one("SELECT pg_backend_pid()", &[]),
                ))?
                .get(0);
            self.pid = pid;
            self.client = Some(c);
        }
        self.client
            .as_mut()
            .ok_or_else(|| StoreError::Other("no connection".into()))
    }

    /// Runs `f` on the query connection under the query timeout; a lost connection is dropped
    /// (the next call connects again).
    fn run<T>(
        &mut self,
        f: impl AsyncFnOnce(&mut Client) -> Result<T, Fail>,
    ) -> Result<T, StoreError> {
        let label = self.prepared.label.clone();
        self.client()?;
        let (Some(rt), Some(c)) = (self.rt.as_ref(), self.client.as_mut()) else {
            return Err(StoreError::Other("no connection".into()));
        };
        let r = match rt.block_on(async { tokio::time::timeout(QUERY_TIMEOUT, f(c)).await }) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(Fail::Store(e))) => Err(e),
            Ok(Err(Fail::Pg(e))) => Err(pg_conn::map_error(&e, &label)),
            Err(_) => Err(StoreError::Unreachable {
                host: label,
                cause: format!("no answer within {} s", QUERY_TIMEOUT.as_secs()),
            }),
        };
        if r.as_ref().is_err_and(StoreError::is_unreachable) {
            self.client = None;
        }
        r
    }

    /// The schema version (0 for an empty database).
    pub fn version(&mut self) -> Result<i64, StoreError> {
        self.run(async |c| Ok(read_version(c).await?))
    }

    /// A short summary of the whole queue that changes whenever any entry does (the periodic
    /// safety net compares it instead of reading everything).
    pub fn fingerprint(&mut self) -> Result<String, StoreError> {
        self.run(async |c| {
            let row = c
                .query_one(
                    "SELECT concat_ws('/', count(*), sum(version), max(updated_at),
                                      count(claimed_by), max(claimed_at)) FROM triage",
                    &[],
                )
                .await?;
            Ok(row.try_get::<_, String>(0)?)
        })
    }

    /// Brings the schema to [`VERSION`] in one transaction (or, with `dry_run`, says what it
    /// would do and changes nothing). A newer schema is refused untouched.
    pub fn migrate(&mut self, dry_run: bool) -> Result<MigrationPlan, StoreError> {
        let who = self.who.clone();
        let plan = self.run(async |c| {
            let tx = c.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            let from = read_version(&tx).await?;
            let plan = MigrationPlan::from_version(from);
            if from >= VERSION || dry_run {
                return Ok(plan);
            }
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (
                    version     INTEGER NOT NULL,
                    migrated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    migrated_by TEXT NOT NULL
                )",
            )
            .await?;
            for sql in PG_MIGRATIONS.iter().skip(from as usize) {
                tx.batch_execute(sql).await?;
            }
            tx.execute(
                "INSERT INTO schema_version (version, migrated_by) VALUES ($1, $2)",
                &[&(VERSION as i32), &who],
            )
            .await?;
            tx.commit().await?;
            Ok(plan)
        })?;
        if plan.from > VERSION {
            return Err(self.newer(plan.from));
        }
        Ok(plan)
    }

    /// Listens for every instance's changes on a connection of its own; `wake` is called from
    /// the runtime's thread for each, and once when the connection ends.
    pub fn listen(&mut self, wake: impl Fn(Notice) + Send + 'static) -> Result<(), StoreError> {
        let p = self.prepared.clone();
        let label = p.label.clone();
        let (client, mut conn) = self.rt()?.block_on(timed(
            CONNECT_TIMEOUT + Duration::from_secs(1),
            &label,
            p.config.connect(p.tls),
        ))?;
        self.rt()?.spawn(async move {
            let why = loop {
                match std::future::poll_fn(|cx| conn.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(n))) => wake(Notice::Changed {
                        pid: n.process_id(),
                        key: n.payload().to_string(),
                    }),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break e.to_string(),
                    None => break "the connection closed".to_string(),
                }
            };
            wake(Notice::Lost(why));
        });
        self.rt()?.block_on(timed(
            QUERY_TIMEOUT,
            &label,
            client.batch_execute(&format!("LISTEN {CHANNEL}")),
        ))?;
        self.listener = Some(client);
        Ok(())
    }

    /// Copies a SQLite store's entries and history in one transaction: an entry already in the
    /// team database is kept as it is there, a history row already copied (same origin) is not
    /// copied again. With `dry_run`, counts and changes nothing.
    pub fn import(
        &mut self,
        entries: &[Entry],
        history: &[LocalHistory],
        dry_run: bool,
    ) -> Result<CopyReport, StoreError> {
        self.run(async |c| {
            let tx = c.transaction().await?;
            let mut report = CopyReport::default();
            for e in entries {
                let key = call_key(&e.call);
                let exists = tx
                    .query_opt("SELECT 1 FROM triage WHERE call_key = $1", &[&key])
                    .await?
                    .is_some();
                if exists {
                    report.entries_kept += 1;
                    continue;
                }
                write_entry(&tx, &key, e).await?;
                report.entries_new += 1;
            }
            for h in history {
                let origin = super::history_origin(&h.call_key, h.id, &h.row);
                let r = &h.row;
                let n = tx
                    .execute(
                        "INSERT INTO history (call_key, at, who, field, old, new, origin)
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (origin) DO NOTHING",
                        &[
                            &h.call_key,
                            &r.at,
                            &r.who,
                            &r.field,
                            &r.old,
                            &r.new,
                            &origin,
                        ],
                    )
                    .await?;
                if n == 1 {
                    report.history_new += 1;
                } else {
                    report.history_kept += 1;
                }
            }
            if !dry_run {
                tx.execute("SELECT pg_notify($1, '*')", &[&CHANNEL]).await?;
                tx.commit().await?;
            }
            Ok(report)
        })
    }
}

impl Drop for PgStore {
    /// Without waiting for its tasks: a `PgStore` may be dropped inside another runtime (the
    /// command line's), where a blocking shutdown would panic.
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl TriageStore for PgStore {
    fn who(&self) -> &str {
        &self.who
    }

    fn describe(&self) -> String {
        format!("the team database at {}", self.prepared.label)
    }

    fn apply_all(
        &mut self,
        call: &CallRef,
        snapshot: Option<&Call>,
        changes: Vec<Change>,
        rebase: bool,
    ) -> Result<Entry, StoreError> {
        let (who, ttl) = (self.who.clone(), self.ttl);
        let entry = self.run(async |c| {
            let tx = c.transaction().await?;
            let e = apply_in(&tx, call, snapshot, changes, rebase, &who, ttl).await?;
            tx.commit().await?;
            Ok(e)
        })?;
        match entry {
            Some(e) => Ok(e),
            None => self
                .get(call)?
                .ok_or_else(|| StoreError::Other("nothing to apply".into())),
        }
    }

    fn get(&mut self, call: &CallRef) -> Result<Option<Entry>, StoreError> {
        let key = call_key(call);
        let ttl = self.ttl;
        self.run(async |c| {
            let row = c
                .query_opt(&format!("{SELECT} WHERE call_key = $1"), &[&key])
                .await?;
            let mut e = row.as_ref().map(row_to_entry).transpose()?;
            if let Some(e) = e.as_mut() {
                logic::expire(e, ttl, Utc::now());
            }
            Ok(e)
        })
    }

    fn entries(&mut self) -> Result<Vec<Entry>, StoreError> {
        let ttl = self.ttl;
        self.run(async |c| {
            let rows = c
                .query(&format!("{SELECT} ORDER BY created_at, call_key"), &[])
                .await?;
            let now = Utc::now();
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut e = row_to_entry(r)?;
                logic::expire(&mut e, ttl, now);
                out.push(e);
            }
            Ok(out)
        })
    }

    fn history(&mut self, call: &CallRef) -> Result<Vec<HistoryRow>, StoreError> {
        let key = call_key(call);
        self.run(async |c| {
            let rows = c
                .query(
                    "SELECT at, who, field, old, new FROM history WHERE call_key = $1
                     ORDER BY at, id",
                    &[&key],
                )
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(HistoryRow {
                    at: r.try_get(0)?,
                    who: r.try_get(1)?,
                    field: r.try_get(2)?,
                    old: r.try_get(3)?,
                    new: r.try_get(4)?,
                });
            }
            Ok(out)
        })
    }

    fn log_access(
        &mut self,
        call: Option<&CallRef>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let who = self.who.clone();
        let key = call.map(call_key);
        self.run(async |c| {
            c.execute(
                "INSERT INTO access_log (at, who, action, call_key, detail)
                 VALUES (now(), $1, $2, $3, $4)",
                &[&who, &action, &key, &detail],
            )
            .await?;
            Ok(())
        })
    }

    fn audit(&mut self) -> Result<Vec<AccessRow>, StoreError> {
        self.run(async |c| {
            let rows = c
                .query(
                    "SELECT at, who, action, call_key, detail FROM access_log ORDER BY id",
                    &[],
                )
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let key: Option<String> = r.try_get(3)?;
                out.push(AccessRow {
                    at: r.try_get(0)?,
                    who: r.try_get(1)?,
                    action: r.try_get(2)?,
                    call: key.and_then(|k| serde_json::from_str(&k).ok()),
                    detail: r.try_get(4)?,
                });
            }
            Ok(out)
        })
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        self.version()
    }
}
