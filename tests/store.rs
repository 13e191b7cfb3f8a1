//! The triage store on disk: every change round-trips with its history, migrations from every
//! earlier schema keep everything (after a backup), a newer database is refused untouched, two
//! connections editing one note conflict instead of overwriting, a read-only folder and a locked
//! database are clear errors that lose nothing.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use callbrowser::model::{Account, Call, CallRef, ProviderKind};
use callbrowser::store::schema::VERSION;
use callbrowser::store::{Change, Mark, Store, StoreError};

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

fn snapshot(r: &CallRef) -> Call {
    let mut c = Call::new(
        &std::sync::Arc::new(r.account.clone()),
        Some("agent-1"),
        &r.id,
    );
    c.caller_name = Some("Jürgen Müller".into());
    c.caller_number = Some("+491701234567".into());
    c.summary = Some("Rezept".into());
    c
}

fn open(dir: &Path, who: &str) -> Store {
    Store::open(&dir.join("data/triage.sqlite"), who).expect("the store opens")
}

#[test]
fn every_change_round_trips_with_its_history_and_private_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), "anna");
    let c = call("c1");
    let snap = snapshot(&c);
    let e = s
        .apply(&c, Some(&snap), Change::Mark(Mark::FollowUp))
        .unwrap();
    assert_eq!((e.mark, e.version), (Mark::FollowUp, 1));
    let e = s
        .apply(
            &c,
            None,
            Change::Note {
                text: "Rückruf\nzweite Zeile".into(),
                base: 1,
            },
        )
        .unwrap();
    assert_eq!(e.version, 2);
    s.apply(&c, None, Change::AddTag("Billing".into())).unwrap();
    s.apply(&c, None, Change::AddTag("#urgent".into())).unwrap();
    s.apply(&c, None, Change::RemoveTag("billing".into()))
        .unwrap();
    assert!(matches!(
        s.apply(&c, None, Change::AddTag("two words".into())),
        Err(StoreError::BadTag(_))
    ));
    // The same mark again is no change: no history row, no new version.
    let e = s.apply(&c, None, Change::Mark(Mark::FollowUp)).unwrap();
    assert_eq!(e.version, 5);
    drop(s);

    let s = open(dir.path(), "anna");
    let e = s.get(&c).unwrap().expect("kept");
    assert_eq!(e.mark, Mark::FollowUp);
    assert_eq!(e.note, "Rückruf\nzweite Zeile");
    assert_eq!(e.tags, vec!["urgent".to_string()]);
    assert_eq!(e.updated_by, "anna");
    assert_eq!(
        e.snapshot
            .as_ref()
            .and_then(|c| c.caller_name.clone())
            .as_deref(),
        Some("Jürgen Müller")
    );
    let h = s.history(&c).unwrap();
    let fields: Vec<&str> = h.iter().map(|r| r.field.as_str()).collect();
    assert_eq!(fields, ["mark", "note", "tags", "tags", "tags"]);
    assert_eq!((h[0].old.as_str(), h[0].new.as_str()), ("none", "followup"));
    assert_eq!(h[4].new, "urgent");
    assert_eq!(s.integrity().unwrap(), "ok");

    let file = dir.path().join("data/triage.sqlite");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
}

#[test]
fn drafts_and_the_access_log_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), "anna");
    let c = call("c2");
    s.save_draft(&c, "half a thou", 0).unwrap();
    s.save_draft(&c, "half a thought", 0).unwrap();
    drop(s);
    let mut s = open(dir.path(), "anna");
    assert_eq!(s.draft(&c).unwrap(), Some(("half a thought".into(), 0)));
    // Saving the note drops the draft in the same transaction.
    s.apply(
        &c,
        None,
        Change::Note {
            text: "half a thought".into(),
            base: 0,
        },
    )
    .unwrap();
    assert_eq!(s.draft(&c).unwrap(), None);
    s.log_access(Some(&c), "opened", "").unwrap();
    s.log_access(None, "exported", "csv, 2 calls").unwrap();
    let log = s.audit().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].action.as_str(), log[0].call.as_ref()),
        ("opened", Some(&c))
    );
    assert_eq!(
        (log[1].who.as_str(), log[1].detail.as_str()),
        ("anna", "csv, 2 calls")
    );
}

#[test]
fn two_connections_editing_one_note_conflict_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), "anna");
    let mut b = open(dir.path(), "ben");
    let c = call("c3");
    let e = a.apply(&c, None, Change::Mark(Mark::FollowUp)).unwrap();
    let seen = b.data_version().unwrap();
    // Both open the editor at version 1; Anna saves first.
    a.apply(
        &c,
        None,
        Change::Note {
            text: "Anna's note".into(),
            base: e.version,
        },
    )
    .unwrap();
    assert_ne!(
        b.data_version().unwrap(),
        seen,
        "Ben's instance sees a change"
    );
    let err = b
        .apply(
            &c,
            None,
            Change::Note {
                text: "Ben's note".into(),
                base: e.version,
            },
        )
        .unwrap_err();
    match err {
        StoreError::Conflict {
            who, theirs, mine, ..
        } => {
            assert_eq!(who, "anna");
            assert_eq!(theirs.note, "Anna's note");
            assert_eq!(mine, "Ben's note");
            // Ben merges, over Anna's version.
            let merged = format!("{}\n{mine}", theirs.note);
            let e = b
                .apply(
                    &c,
                    None,
                    Change::Note {
                        text: merged.clone(),
                        base: theirs.version,
                    },
                )
                .unwrap();
            assert_eq!(e.note, merged);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let h = a.history(&c).unwrap();
    assert_eq!(
        h.iter().filter(|r| r.field == "note").count(),
        2,
        "both saves in history"
    );
}

#[test]
fn a_store_of_every_earlier_schema_migrates_after_a_backup() {
    for version in 1..VERSION {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let path = dir.path().join("data/triage.sqlite");
        let sql = std::fs::read_to_string(format!("tests/fixtures/store/v{version}.sql"))
            .unwrap_or_else(|e| panic!("a fixture of schema {version}: {e}"));
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&sql).unwrap();
        drop(conn);
        let mut s = Store::open(&path, "carl").expect("migrated");
        let tp = CallRef {
            account: Account::new(
                ProviderKind::TalkPilot,
                "https://api.talkpilot.example",
                None,
            ),
            id: "call-1".into(),
        };
        let e = s.get(&tp).unwrap().expect("kept");
        assert_eq!(e.mark, Mark::FollowUp);
        assert_eq!(e.note, "Rückruf wegen Rezept\nzweite Zeile");
        assert_eq!(e.tags, vec!["billing", "urgent"]);
        assert_eq!(s.history(&tp).unwrap().len(), 3);
        assert_eq!(s.entries().unwrap().len(), 2);
        // The new tables work.
        s.save_draft(&tp, "x", e.version).unwrap();
        s.log_access(Some(&tp), "opened", "").unwrap();
        let backups: Vec<_> = std::fs::read_dir(dir.path().join("data"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .contains(&format!(".v{version}-"))
            })
            .collect();
        assert_eq!(backups.len(), 1, "a backup copy before migrating");
    }
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("triage.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE future (x); PRAGMA user_version = {};",
        VERSION + 1
    ))
    .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    match Store::open(&path, "anna") {
        Err(e @ StoreError::Newer { .. }) => {
            assert!(e.to_string().contains("newer callbrowser"), "{e}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a newer store must be refused"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "not a byte changed");
}

#[test]
fn a_read_only_folder_is_a_clear_error() {
    if unsafe { libc::geteuid() } == 0 {
        // Root writes anyway: a read-only mount stands in for it.
        let e = Store::open(Path::new("/proc/callbrowser/triage.sqlite"), "root").err();
        assert!(matches!(e, Some(StoreError::ReadOnly { .. })), "{e:?}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let e = Store::open(&dir.path().join("data/triage.sqlite"), "anna").err();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(e, Some(StoreError::ReadOnly { .. })), "{e:?}");
}

#[test]
fn a_locked_database_is_a_clear_error_and_the_change_can_be_saved_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), "anna");
    let c = call("c4");
    let other = rusqlite::Connection::open(dir.path().join("data/triage.sqlite")).unwrap();
    other
        .execute_batch(
            "BEGIN EXCLUSIVE; INSERT INTO access_log (at, who, action) VALUES ('x', 'y', 'z');",
        )
        .unwrap();
    let e = s.apply(&c, None, Change::Mark(Mark::Done)).unwrap_err();
    assert_eq!(e, StoreError::Locked);
    assert!(e.to_string().contains("locked"), "{e}");
    other.execute_batch("COMMIT").unwrap();
    let e = s.apply(&c, None, Change::Mark(Mark::Done)).unwrap();
    assert_eq!(e.mark, Mark::Done);
}

#[test]
fn a_batch_of_changes_is_saved_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), "anna");
    let c = call("c5");
    let bad = vec![
        Change::Mark(Mark::FollowUp),
        Change::Note {
            text: "n".into(),
            base: 0,
        },
        Change::AddTag("two words".into()),
    ];
    assert!(matches!(
        s.apply_all(&c, None, bad, true),
        Err(StoreError::BadTag(_))
    ));
    assert_eq!(
        s.get(&c).unwrap(),
        None,
        "nothing of a failed batch is kept"
    );
    assert!(s.history(&c).unwrap().is_empty());
    let good = vec![
        Change::Mark(Mark::FollowUp),
        Change::Note {
            text: "n".into(),
            base: 0,
        },
        Change::AddTag("billing".into()),
    ];
    let e = s.apply_all(&c, None, good, true).unwrap();
    assert_eq!(
        (e.mark, e.note.as_str(), e.version),
        (Mark::FollowUp, "n", 3)
    );
    assert_eq!(s.history(&c).unwrap().len(), 3);
}
