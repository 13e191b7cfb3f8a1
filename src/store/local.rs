//! What a machine keeps in its SQLite file for a team store on PostgreSQL: the changes waiting
//! for the team database (`pending`, written durably before the UI is told "saved on this
//! machine"), and the team's queue as last seen (`team_cache`), shown while the database is out
//! of reach. Drafts stay in the file's `drafts` table as always.

use rusqlite::params;

use super::sqlite::{call_key, parse_ts, ts};
use super::{Change, Entry, HistoryRow, Store, StoreError};
use crate::model::{Call, CallRef};

/// One change waiting for the team database, in the order it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub id: i64,
    /// The UI's request it answered (its failure, if the team database refuses it, says so).
    pub req: u64,
    pub call: CallRef,
    pub snapshot: Option<Call>,
    pub changes: Vec<Change>,
    pub rebase: bool,
}

/// A history row of the SQLite store with its row id (for `store copy`).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalHistory {
    pub id: i64,
    pub call_key: String,
    pub row: HistoryRow,
}

impl Store {
    /// Keeps `changes` to `call` until the team database takes them.
    pub fn queue(
        &mut self,
        req: u64,
        call: &CallRef,
        snapshot: Option<&Call>,
        changes: &[Change],
        rebase: bool,
    ) -> Result<(), StoreError> {
        let changes = serde_json::to_string(changes)
            .map_err(|e| StoreError::Other(format!("a change cannot be kept: {e}")))?;
        let snapshot = snapshot.and_then(|s| serde_json::to_string(s).ok());
        self.conn
            .execute(
                "INSERT INTO pending (req, call_key, snapshot, changes, rebase, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    i64::try_from(req).unwrap_or(i64::MAX),
                    call_key(call),
                    snapshot,
                    changes,
                    rebase,
                    ts(chrono::Utc::now())
                ],
            )
            .map(|_| ())
            .map_err(|e| self.sql_error(e))
    }

    /// The changes waiting, oldest first.
    pub fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, req, call_key, snapshot, changes, rebase FROM pending ORDER BY id",
            )
            .map_err(|e| self.sql_error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })
            .map_err(|e| self.sql_error(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, req, key, snapshot, changes, rebase) = row.map_err(|e| self.sql_error(e))?;
            let call = serde_json::from_str::<CallRef>(&key);
            let changes = serde_json::from_str::<Vec<Change>>(&changes);
            let (Ok(call), Ok(changes)) = (call, changes) else {
                tracing::warn!("pending change {id} cannot be read; it is kept in the file");
                continue;
            };
            out.push(Pending {
                id,
                req: u64::try_from(req).unwrap_or(0),
                call,
                snapshot: snapshot.and_then(|s| serde_json::from_str(&s).ok()),
                changes,
                rebase,
            });
        }
        Ok(out)
    }

    /// The change the team database took (or refused, with the reason told).
    pub fn unqueue(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM pending WHERE id = ?1", params![id])
            .map(|_| ())
            .map_err(|e| self.sql_error(e))
    }

    pub fn pending_count(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM pending", [], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.sql_error(e))
    }

    /// Replaces the last known team queue with `entries` (one transaction).
    pub fn cache_team(&mut self, entries: &[Entry]) -> Result<(), StoreError> {
        let path = self.path().to_path_buf();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| super::sqlite::map_error(e, &path))?;
        let r = (|| {
            tx.execute("DELETE FROM team_cache", [])?;
            for e in entries {
                let json = serde_json::to_string(e).unwrap_or_default();
                tx.execute(
                    "INSERT INTO team_cache (call_key, entry) VALUES (?1, ?2)",
                    params![call_key(&e.call), json],
                )?;
            }
            Ok(())
        })();
        match r.and_then(|()| tx.commit()) {
            Ok(()) => Ok(()),
            Err(e) => Err(super::sqlite::map_error(e, &path)),
        }
    }

    /// Keeps one entry of the team queue (a change made while the database is out of reach).
    pub fn cache_one(&mut self, e: &Entry) -> Result<(), StoreError> {
        let json = serde_json::to_string(e).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO team_cache (call_key, entry) VALUES (?1, ?2)
                 ON CONFLICT (call_key) DO UPDATE SET entry = ?2",
                params![call_key(&e.call), json],
            )
            .map(|_| ())
            .map_err(|e| self.sql_error(e))
    }

    /// The team queue as last seen, oldest first.
    pub fn team_cache(&self) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT entry FROM team_cache")
            .map_err(|e| self.sql_error(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.sql_error(e))?;
        let mut out: Vec<Entry> = Vec::new();
        for row in rows {
            let json = row.map_err(|e| self.sql_error(e))?;
            if let Ok(e) = serde_json::from_str(&json) {
                out.push(e);
            }
        }
        out.sort_by(|a, b| {
            (a.created_at, call_key(&a.call)).cmp(&(b.created_at, call_key(&b.call)))
        });
        Ok(out)
    }

    /// Every history row with its row id, oldest first (for `store copy`).
    pub fn all_history(&self) -> Result<Vec<LocalHistory>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, call_key, at, who, field, old, new FROM history ORDER BY id",
            )
            .map_err(|e| self.sql_error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(LocalHistory {
                    id: r.get(0)?,
                    call_key: r.get(1)?,
                    row: HistoryRow {
                        at: parse_ts(&r.get::<_, String>(2)?),
                        who: r.get(3)?,
                        field: r.get(4)?,
                        old: r.get(5)?,
                        new: r.get(6)?,
                    },
                })
            })
            .map_err(|e| self.sql_error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_error(e))
    }
}
