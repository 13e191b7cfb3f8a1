//! The store's schema, as the migrations that build it: version `n` is the database after the
//! first `n` migrations. SQLite keeps a database's version in `PRAGMA user_version`; PostgreSQL
//! in the `schema_version` table (one row per migration run, who and when). The two lists hold
//! the same tables and columns in each dialect ([`PG_MIGRATIONS`]), and grow together: a new
//! version adds one migration to each. Every earlier SQLite version has a fixture in
//! `tests/fixtures/store/` that the migration tests open.

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
    // 3: claims ("I'm calling back"), and for a team store on PostgreSQL, what this machine
    // keeps locally: the changes waiting for the team database, and the last known team queue.
    "ALTER TABLE triage ADD COLUMN claimed_by TEXT;
    ALTER TABLE triage ADD COLUMN claimed_at TEXT;
    ALTER TABLE history ADD COLUMN origin TEXT;
    CREATE TABLE pending (
        id       INTEGER PRIMARY KEY,
        req      INTEGER NOT NULL,
        call_key TEXT NOT NULL,
        snapshot TEXT,
        changes  TEXT NOT NULL,
        rebase   INTEGER NOT NULL,
        at       TEXT NOT NULL
    );
    CREATE TABLE team_cache (
        call_key TEXT PRIMARY KEY,
        entry    TEXT NOT NULL
    );",
];

/// The same migrations for PostgreSQL: the same tables and columns (times as `timestamptz`,
/// ids as `bigserial`). `pending` and `team_cache` exist only in each machine's SQLite file.
pub const PG_MIGRATIONS: &[&str] = &[
    // 1
    "CREATE TABLE triage (
        call_key   TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        host       TEXT NOT NULL,
        account    TEXT,
        call_id    TEXT NOT NULL,
        mark       TEXT NOT NULL CHECK (mark IN ('none', 'followup', 'done')),
        note       TEXT NOT NULL DEFAULT '',
        tags       TEXT NOT NULL DEFAULT '[]',
        version    BIGINT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        updated_by TEXT NOT NULL,
        snapshot   TEXT
    );
    CREATE INDEX triage_mark ON triage (mark, created_at);
    CREATE TABLE history (
        id       BIGSERIAL PRIMARY KEY,
        call_key TEXT NOT NULL,
        at       TIMESTAMPTZ NOT NULL,
        who      TEXT NOT NULL,
        field    TEXT NOT NULL,
        old      TEXT NOT NULL,
        new      TEXT NOT NULL
    );
    CREATE INDEX history_call ON history (call_key, id);",
    // 2
    "CREATE TABLE drafts (
        call_key TEXT PRIMARY KEY,
        text     TEXT NOT NULL,
        base     BIGINT NOT NULL,
        at       TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE access_log (
        id       BIGSERIAL PRIMARY KEY,
        at       TIMESTAMPTZ NOT NULL,
        who      TEXT NOT NULL,
        action   TEXT NOT NULL,
        call_key TEXT,
        detail   TEXT NOT NULL DEFAULT ''
    );",
    // 3: claims; `origin` makes a history row copied from a machine's SQLite store unique.
    "ALTER TABLE triage ADD COLUMN claimed_by TEXT;
    ALTER TABLE triage ADD COLUMN claimed_at TIMESTAMPTZ;
    ALTER TABLE history ADD COLUMN origin TEXT UNIQUE;",
];

/// What migration `i` (to version `i + 1`) does, in a few words (`store migrate` prints it).
pub const MIGRATION_NAMES: &[&str] = &[
    "marks, notes, tags and their history",
    "note drafts and the access log",
    "claims (claimed_by, claimed_at), history origins, the offline queue",
];

/// The version this program writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;
