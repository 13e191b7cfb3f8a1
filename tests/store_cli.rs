//! `callbrowser store migrate|copy|status` as a person types them: the team database migrated
//! only when asked (a dry run first), a machine's SQLite triage copied into it twice with no
//! duplicate entries or history rows and the history kept, `status` failing with one sentence
//! when the database does not answer, and no password ever printed.

mod support_pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use callbrowser::model::{Account, Call, CallRef, ProviderKind};
use callbrowser::store::{Change, Mark, PgStore, Store, TriageStore};

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

fn run(cfg: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_callbrowser"))
        .arg("--config")
        .arg(cfg)
        .args(args)
        .env("XDG_STATE_HOME", cfg.parent().unwrap().join("state"))
        .env("XDG_DATA_HOME", cfg.parent().unwrap().join("data"))
        .env_remove("PGPASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn config(dir: &Path, store: &str) -> PathBuf {
    let p = dir.join("c.toml");
    std::fs::write(&p, format!("[store]\n{store}\n")).unwrap();
    p
}

fn call(id: &str) -> CallRef {
    CallRef {
        account: Account::new(
            ProviderKind::TalkPilot,
            "https://api.talkpilot.example",
            None,
        ),
        id: id.into(),
    }
}

/// A machine's SQLite triage: two calls with marks, notes, tags.
fn local_store(path: &Path) {
    let mut s = Store::open(path, "anna").unwrap();
    for id in ["c1", "c2"] {
        let c = call(id);
        let mut snap = Call::new(&std::sync::Arc::new(c.account.clone()), Some("agent-1"), id);
        snap.caller_name = Some("Jürgen Müller".into());
        s.apply(&c, Some(&snap), Change::Mark(Mark::FollowUp))
            .unwrap();
        s.apply(
            &c,
            None,
            Change::Note {
                text: format!("Rückruf {id}"),
                base: 1,
            },
        )
        .unwrap();
    }
    s.apply(&call("c2"), None, Change::AddTag("billing".into()))
        .unwrap();
}

#[test]
fn migrate_then_copy_twice_gives_no_duplicates_and_keeps_history() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let db = cluster.database();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &format!("url = \"{}\"\nuser = \"admin\"", cluster.url(&db)),
    );
    let r = run(&cfg, &["store", "migrate", "--dry-run"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(
        r.out.contains("schema 0") && r.out.contains("would run migration 3"),
        "{}",
        r.out
    );
    assert_eq!(
        cluster.sql(&db, "SELECT to_regclass('triage') IS NULL"),
        "t"
    );
    let r = run(&cfg, &["store", "migrate"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(
        r.out.contains("ran migration 1") && r.out.contains("ran migration 3"),
        "{}",
        r.out
    );
    let r = run(&cfg, &["store", "migrate"]);
    assert!(r.out.contains("up to date"), "{}", r.out);

    let local = dir.path().join("mine.sqlite");
    local_store(&local);
    let local_s = local.to_str().unwrap();
    let to = cluster.url(&db);
    let r = run(
        &cfg,
        &[
            "store",
            "copy",
            "--to",
            &to,
            "--store",
            local_s,
            "--dry-run",
        ],
    );
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(r.out.contains("would copy 2 of 2"), "{}", r.out);
    assert_eq!(
        cluster.sql(&db, "SELECT count(*) FROM triage"),
        "0",
        "a dry run copies nothing"
    );
    for (round, (calls, rows)) in [("2 of 2", "5 of 5"), ("0 of 2", "0 of 5")]
        .into_iter()
        .enumerate()
    {
        let r = run(&cfg, &["store", "copy", "--to", &to, "--store", local_s]);
        assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
        assert!(
            r.out.contains(&format!("copied {calls}")),
            "round {round}: {}",
            r.out
        );
        assert!(
            r.out.contains(&format!("copied {rows} history")),
            "round {round}: {}",
            r.out
        );
    }
    assert_eq!(cluster.sql(&db, "SELECT count(*) FROM triage"), "2");
    assert_eq!(cluster.sql(&db, "SELECT count(*) FROM history"), "5");
    // The history as it was on the machine: who, when, what.
    let mine = Store::open(&local, "anna").unwrap();
    let mut team = PgStore::open(&cluster.team(&db), "admin").unwrap();
    for id in ["c1", "c2"] {
        assert_eq!(
            team.history(&call(id)).unwrap(),
            mine.history(&call(id)).unwrap()
        );
        let (a, b) = (
            team.get(&call(id)).unwrap().unwrap(),
            mine.get(&call(id)).unwrap().unwrap(),
        );
        assert_eq!(
            (a.note, a.tags, a.updated_by, a.version),
            (b.note, b.tags, b.updated_by, b.version)
        );
    }
    let r = run(&cfg, &["store", "status"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(
        r.out
            .contains("team database answers: schema 3, 2 triaged call(s)"),
        "{}",
        r.out
    );
    the_triage_commands_read_the_team_database(&cfg, local_s);
}

/// The morning huddle's one list: with `[store] url`, `triage list|export|audit` read the team
/// database (which holds the calls of `c1` and `c2`); `--store FILE` still means that file.
fn the_triage_commands_read_the_team_database(cfg: &Path, local_s: &str) {
    let r = run(cfg, &["triage", "list", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    let doc: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["count"], 2, "{}", r.out);
    assert_eq!(doc["calls"][0]["note"], "Rückruf c1");
    let r = run(cfg, &["triage", "export"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert_eq!(
        r.out.lines().count(),
        3,
        "a header and two calls: {}",
        r.out
    );
    let r = run(cfg, &["triage", "audit", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["entries"][0]["action"], "exported", "{}", r.out);
    assert_eq!(doc["entries"][0]["who"], "admin", "{}", r.out);
    // `--store FILE` still means that file.
    let r = run(
        cfg,
        &["triage", "list", "--format", "json", "--store", local_s],
    );
    let doc: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["count"], 2, "{}", r.out);
}

#[test]
fn an_unreachable_database_and_passwords_are_said_in_one_sentence_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of loopback.
    let cfg = config(
        dir.path(),
        "url = \"postgres://anna@127.0.0.1:9/triage?sslmode=disable\"\npassword_env = \"CB_TEST_PW\"",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_callbrowser"))
        .args(["--config", cfg.to_str().unwrap(), "store", "status"])
        .env("CB_TEST_PW", "s3cret-CANARY")
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("unreachable") && text.contains("127.0.0.1:9"),
        "{text}"
    );
    assert!(!text.contains("CANARY"), "{text}");

    let cfg = config(
        dir.path(),
        "url = \"postgres://anna:s3cret-CANARY@db.example.org/triage\"",
    );
    let r = run(&cfg, &["store", "status"]);
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(
        r.err.contains("password_env") && !r.err.contains("CANARY"),
        "{}",
        r.err
    );

    let cfg = config(dir.path(), "");
    let r = run(
        &cfg,
        &[
            "store",
            "copy",
            "--to",
            "postgres://anna:s3cret-CANARY@db.example.org/t",
        ],
    );
    assert_eq!(r.code, Some(2), "{}{}", r.out, r.err);
    assert!(
        r.err.contains("PGPASSWORD") && !r.err.contains("CANARY"),
        "{}",
        r.err
    );
    assert_eq!(r.err.trim().lines().count(), 1, "one sentence: {}", r.err);
}

#[test]
fn a_sqlite_store_is_migrated_by_the_same_command() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&std::fs::read_to_string("tests/fixtures/store/v1.sql").unwrap())
        .unwrap();
    drop(conn);
    let cfg = config(dir.path(), "");
    let p = path.to_str().unwrap();
    let r = run(&cfg, &["store", "migrate", "--dry-run", "--store", p]);
    assert!(
        r.out.contains("schema 1") && r.out.contains("would run migration 2"),
        "{}",
        r.out
    );
    let r = run(&cfg, &["store", "migrate", "--store", p]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(r.out.contains("schema 1 → 3: done"), "{}", r.out);
    let r = run(&cfg, &["store", "status", "--store", p]);
    assert!(
        r.out.contains("(schema 3)") && r.out.contains("triaged calls: 2"),
        "{}",
        r.out
    );
}
