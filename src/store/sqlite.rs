//! The triage store in SQLite: a private file (0600 in a 0700 folder), WAL with
//! `synchronous=FULL` (a change the caller was told is saved survives a crash or a power cut),
//! one `BEGIN IMMEDIATE` transaction per change with its history rows, migrations in one
//! transaction after a backup copy, and a database from a newer version refused untouched.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::logic::{self, DEFAULT_CLAIM_MINUTES};
use super::schema::{MIGRATIONS, VERSION};
use super::{AccessRow, Change, Entry, HistoryRow, Mark, StoreError, TriageStore};
use crate::model::{Call, CallRef};

/// How long a change waits for another writer before it says the store is locked.
const BUSY: Duration = Duration::from_secs(2);

pub struct Store {
    pub(super) conn: Connection,
    path: PathBuf,
    who: String,
    /// How long a claim lasts.
    ttl: chrono::Duration,
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The key a call is stored under: its reference as canonical JSON.
pub fn call_key(call: &CallRef) -> String {
    serde_json::to_string(call).unwrap_or_else(|_| call.to_string())
}

impl Store {
    /// Opens (creating it if needed) the store at `path`; changes are recorded as `who`.
    pub fn open(path: &Path, who: &str) -> Result<Store, StoreError> {
        let err = |e: rusqlite::Error| map_error(e, path);
        prepare_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(BUSY).map_err(err)?;
        // Read the version before anything writes to the file: a newer database stays as it is.
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if found > VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found,
                known: VERSION,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            who: who.to_string(),
            ttl: chrono::Duration::minutes(i64::from(DEFAULT_CLAIM_MINUTES)),
        };
        store.migrate(found)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn who(&self) -> &str {
        &self.who
    }

    /// How long a claim lasts (default 30 minutes).
    pub fn set_claim_minutes(&mut self, minutes: u32) {
        self.ttl = chrono::Duration::minutes(i64::from(minutes.max(1)));
    }

    /// The schema version of the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// An entry as read now: a claim past its time reads as none.
    fn fresh(&self, mut e: Entry) -> Entry {
        logic::expire(&mut e, self.ttl, now());
        e
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        map_error(e, &self.path)
    }

    pub(super) fn sql_error(&self, e: rusqlite::Error) -> StoreError {
        map_error(e, &self.path)
    }

    /// Brings a database of version `from` to [`VERSION`]: a backup copy first (for an existing
    /// database), then every migration in one transaction.
    fn migrate(&mut self, from: i64) -> Result<(), StoreError> {
        if from == VERSION {
            return Ok(());
        }
        if from > 0 {
            let backup = self.path.with_extension(format!(
                "sqlite.v{from}-{}.bak",
                now().format("%Y%m%dT%H%M%S")
            ));
            let _ = std::fs::remove_file(&backup);
            self.conn
                .execute("VACUUM INTO ?1", params![backup.to_string_lossy()])
                .map_err(|e| self.err(e))?;
            set_private(&backup);
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| map_error(e, &path))?;
        // Another instance may have migrated meanwhile.
        let current: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| map_error(e, &path))?;
        for sql in MIGRATIONS
            .iter()
            .skip(usize::try_from(current).unwrap_or(0))
        {
            tx.execute_batch(sql).map_err(|e| map_error(e, &path))?;
        }
        tx.pragma_update(None, "user_version", VERSION)
            .map_err(|e| map_error(e, &path))?;
        tx.commit().map_err(|e| map_error(e, &path))
    }

    /// Changes once another connection commits (the other instance's marks and notes).
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Applies `change` to `call` in one transaction with its history; `snapshot` (the call's
    /// list fields) is kept for the Follow-ups queue. Returns the entry as saved.
    pub fn apply(
        &mut self,
        call: &CallRef,
        snapshot: Option<&Call>,
        change: Change,
    ) -> Result<Entry, StoreError> {
        self.apply_all(call, snapshot, vec![change], false)
    }

    /// Applies `changes` to `call` in one transaction (all or none). With `rebase`, a note in the
    /// batch is saved over the version the batch has reached (a script's "set this note"), not
    /// over the one it names.
    pub fn apply_all(
        &mut self,
        call: &CallRef,
        snapshot: Option<&Call>,
        changes: Vec<Change>,
        rebase: bool,
    ) -> Result<Entry, StoreError> {
        let path = self.path.clone();
        let who = self.who.clone();
        let ttl = self.ttl;
        let e = |e: rusqlite::Error| map_error(e, &path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let key = call_key(call);
        let mut entry = None;
        let mut snapshot = snapshot;
        for change in changes {
            let change = match (change, &entry) {
                (Change::Note { text, .. }, Some(Entry { version, .. })) if rebase => {
                    Change::Note {
                        text,
                        base: *version,
                    }
                }
                (c, _) => c,
            };
            entry = Some(
                apply_one(&tx, &key, call, snapshot.take(), change, &who, ttl).map_err(|err| {
                    match err {
                        Fail::Sql(x) => map_error(x, &path),
                        Fail::Store(s) => s,
                    }
                })?,
            );
        }
        tx.commit().map_err(e)?;
        match entry {
            Some(entry) => Ok(entry),
            None => read_entry(&self.conn, &key)
                .map_err(e)?
                .map(|x| self.fresh(x))
                .ok_or_else(|| StoreError::Other("nothing to apply".into())),
        }
    }

    pub fn get(&self, call: &CallRef) -> Result<Option<Entry>, StoreError> {
        let e = read_entry(&self.conn, &call_key(call)).map_err(|e| self.err(e))?;
        Ok(e.map(|e| self.fresh(e)))
    }

    /// Every triaged call, oldest first.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} ORDER BY created_at, call_key"))
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], row_to_entry).map_err(|e| self.err(e))?;
        let rows = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows.into_iter().map(|e| self.fresh(e)).collect())
    }

    /// A call's history, oldest first.
    pub fn history(&self, call: &CallRef) -> Result<Vec<HistoryRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at, who, field, old, new FROM history WHERE call_key = ?1 ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![call_key(call)], |r| {
                Ok(HistoryRow {
                    at: parse_ts(&r.get::<_, String>(0)?),
                    who: r.get(1)?,
                    field: r.get(2)?,
                    old: r.get(3)?,
                    new: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Keeps the note being typed (over version `base`), so a crash loses nothing.
    pub fn save_draft(&mut self, call: &CallRef, text: &str, base: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO drafts (call_key, text, base, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (call_key) DO UPDATE SET text = ?2, base = ?3, at = ?4",
                params![call_key(call), text, base, ts(now())],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The draft left for `call` (its text and the version it was typed over).
    pub fn draft(&self, call: &CallRef) -> Result<Option<(String, i64)>, StoreError> {
        self.conn
            .query_row(
                "SELECT text, base FROM drafts WHERE call_key = ?1",
                params![call_key(call)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every draft left (notes being typed when the program ended).
    pub fn drafts(&self) -> Result<std::collections::HashMap<CallRef, (String, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT call_key, text, base FROM drafts")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (key, text, base) = row.map_err(|e| self.err(e))?;
            if let Ok(call) = serde_json::from_str::<CallRef>(&key) {
                out.insert(call, (text, base));
            }
        }
        Ok(out)
    }

    pub fn drop_draft(&mut self, call: &CallRef) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM drafts WHERE call_key = ?1",
                params![call_key(call)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records that `call` (or, for `None`, a list) was `action`ed by this user.
    pub fn log_access(
        &mut self,
        call: Option<&CallRef>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO access_log (at, who, action, call_key, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ts(now()), self.who, action, call.map(call_key), detail],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The access log, oldest first.
    pub fn audit(&self) -> Result<Vec<AccessRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT at, who, action, call_key, detail FROM access_log ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let key: Option<String> = r.get(3)?;
                Ok(AccessRow {
                    at: parse_ts(&r.get::<_, String>(0)?),
                    who: r.get(1)?,
                    action: r.get(2)?,
                    call: key.and_then(|k| serde_json::from_str(&k).ok()),
                    detail: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

/// The schema version of the SQLite file at `path`, read without changing it (`None`: no file).
pub fn file_version(path: &Path) -> Result<Option<i64>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| map_error(e, path))?;
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map(Some)
        .map_err(|e| map_error(e, path))
}

impl TriageStore for Store {
    fn who(&self) -> &str {
        &self.who
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn apply_all(
        &mut self,
        call: &CallRef,
        snapshot: Option<&Call>,
        changes: Vec<Change>,
        rebase: bool,
    ) -> Result<Entry, StoreError> {
        Store::apply_all(self, call, snapshot, changes, rebase)
    }

    fn get(&mut self, call: &CallRef) -> Result<Option<Entry>, StoreError> {
        Store::get(self, call)
    }

    fn entries(&mut self) -> Result<Vec<Entry>, StoreError> {
        Store::entries(self)
    }

    fn history(&mut self, call: &CallRef) -> Result<Vec<HistoryRow>, StoreError> {
        Store::history(self, call)
    }

    fn log_access(
        &mut self,
        call: Option<&CallRef>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        Store::log_access(self, call, action, detail)
    }

    fn audit(&mut self) -> Result<Vec<AccessRow>, StoreError> {
        Store::audit(self)
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        Store::schema_version(self)
    }
}

/// Why one change in a transaction failed.
enum Fail {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Sql(e)
    }
}

/// One change inside the caller's transaction, with its history rows.
fn apply_one(
    tx: &rusqlite::Transaction<'_>,
    key: &str,
    call: &CallRef,
    snapshot: Option<&Call>,
    change: Change,
    who: &str,
    ttl: chrono::Duration,
) -> Result<Entry, Fail> {
    let at = now();
    let before = read_entry(tx, key)?;
    let out = logic::change_entry(before.as_ref(), call, snapshot, change, who, at, ttl)
        .map_err(Fail::Store)?;
    if out.drop_draft {
        tx.execute("DELETE FROM drafts WHERE call_key = ?1", params![key])?;
    }
    if !out.write {
        return Ok(out.entry);
    }
    write_entry(tx, key, &out.entry)?;
    for (field, old, new) in out.history {
        tx.execute(
            "INSERT INTO history (call_key, at, who, field, old, new) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key, ts(at), who, field, old, new],
        )?;
    }
    Ok(out.entry)
}

const SELECT: &str = "SELECT call_key, kind, host, account, call_id, mark, note, tags, version, \
                      created_at, updated_at, updated_by, snapshot, claimed_by, claimed_at \
                      FROM triage";

fn row_to_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let key: String = r.get(0)?;
    let call: CallRef = serde_json::from_str(&key).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let tags: String = r.get(7)?;
    let snapshot: Option<String> = r.get(12)?;
    Ok(Entry {
        call,
        mark: Mark::parse(&r.get::<_, String>(5)?).unwrap_or_default(),
        note: r.get(6)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        version: r.get(8)?,
        created_at: parse_ts(&r.get::<_, String>(9)?),
        updated_at: parse_ts(&r.get::<_, String>(10)?),
        updated_by: r.get(11)?,
        snapshot: snapshot.and_then(|s| serde_json::from_str::<Call>(&s).ok()),
        claimed_by: r.get(13)?,
        claimed_at: r.get::<_, Option<String>>(14)?.map(|s| parse_ts(&s)),
    })
}

fn read_entry(conn: &Connection, key: &str) -> rusqlite::Result<Option<Entry>> {
    conn.prepare_cached(&format!("{SELECT} WHERE call_key = ?1"))?
        .query_row(params![key], row_to_entry)
        .optional()
}

fn write_entry(conn: &Connection, key: &str, e: &Entry) -> rusqlite::Result<()> {
    let snapshot = e
        .snapshot
        .as_ref()
        .and_then(|s| serde_json::to_string(s).ok());
    conn.execute(
        "INSERT INTO triage (call_key, kind, host, account, call_id, mark, note, tags, version,
                             created_at, updated_at, updated_by, snapshot, claimed_by, claimed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (call_key) DO UPDATE SET mark = ?6, note = ?7, tags = ?8, version = ?9,
             updated_at = ?11, updated_by = ?12, snapshot = ?13, claimed_by = ?14,
             claimed_at = ?15",
        params![
            key,
            e.call.account.kind.as_str(),
            e.call.account.host,
            e.call.account.id,
            e.call.id,
            e.mark.as_str(),
            e.note,
            serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into()),
            e.version,
            ts(e.created_at),
            ts(e.updated_at),
            e.updated_by,
            snapshot,
            e.claimed_by,
            e.claimed_at.map(ts),
        ],
    )
    .map(|_| ())
}

/// The folder (0700 when made here) and the file (0600) before SQLite opens it.
fn prepare_file(path: &Path) -> Result<(), StoreError> {
    let read_only = || StoreError::ReadOnly {
        path: path.to_path_buf(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|_| read_only())?;
    }
    if !path.exists() {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => return Err(StoreError::Full),
            Err(_) => return Err(read_only()),
        }
    }
    Ok(())
}

fn set_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// A SQLite error as one of the store's sentences.
pub(super) fn map_error(e: rusqlite::Error, path: &Path) -> StoreError {
    tracing::warn!("triage store {}: {e}", path.display());
    match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly {
                path: path.to_path_buf(),
            }
        }
        Some(ErrorCode::DiskFull) => StoreError::Full,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked,
        _ => StoreError::Other(e.to_string()),
    }
}
