//! The store's schema, as the migrations that build it: version `n` is the database after the
//! first `n` migrations. A database's version is kept in `PRAGMA user_version`. Every earlier
//! version has a fixture in `tests/fixtures/store/` that the migration tests open.

/// Migration `i` takes a database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: marks, notes, tags and their history.
    "CREATE TABLE triage (
        call_key   TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        host       TEXT NOT NULL,
        account    TEXT,
        call_id    TEXT NOT NULL,
        mark       TEXT NOT NULL CHECK (mark IN ('none', 'followup', 'done')),
        note       TEXT NOT NULL DEFAULT '',
        tags       TEXT NOT NULL DEFAULT '[]',
        version    INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        snapshot   TEXT
    );
    CREATE INDEX triage_mark ON triage (mark, created_at);
    CREATE TABLE history (
        id       INTEGER PRIMARY KEY,
        call_key TEXT NOT NULL,
        at       TEXT NOT NULL,
        who      TEXT NOT NULL,
        field    TEXT NOT NULL,
        old      TEXT NOT NULL,
        new      TEXT NOT NULL
    );
    CREATE INDEX history_call ON history (call_key, id);",
    // 2: note drafts saved as they are typed, and the access log.
    "CREATE TABLE drafts (
        call_key TEXT PRIMARY KEY,
        text     TEXT NOT NULL,
        base     INTEGER NOT NULL,
        at       TEXT NOT NULL
    );
    CREATE TABLE access_log (
        id       INTEGER PRIMARY KEY,
        at       TEXT NOT NULL,
        who      TEXT NOT NULL,
        action   TEXT NOT NULL,
        call_key TEXT,
        detail   TEXT NOT NULL DEFAULT ''
    );",
];

/// The version this program writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;
