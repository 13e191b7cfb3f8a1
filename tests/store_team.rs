//! The team store on PostgreSQL, as the UI uses it (the store thread): two instances on one
//! database see each other's marks within about a second (measured and printed), a conflicting
//! note edit is told to the second saver with both versions, a claim shows in both and is
//! refused to the second person, and the database stopped and restarted while an instance is
//! editing loses nothing (the changes wait in the local file and arrive in order). Also: an
//! older schema is refused with the advice to migrate, a newer one untouched, TLS is required
//! unless the address says otherwise for this machine, and no password is ever repeated.

mod support_pg;

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use callbrowser::model::{Account, CallRef, ProviderKind};
use callbrowser::store::actor::{StoreActor, StoreCmd, StoreEvent};
use callbrowser::store::schema::VERSION;
use callbrowser::store::{
    Change, Entry, Mark, PasswordSource, PgStore, StoreError, StoreTarget, TeamDb, TriageStore,
};

fn call(id: &str) -> CallRef {
    CallRef {
        account: Account::new(
            ProviderKind::Voxeme,
            "https://api.voxeme.example",
            Some("AC1"),
        ),
        id: id.into(),
    }
}

/// A running store thread and what it told.
struct Instance {
    actor: StoreActor,
    events: Receiver<StoreEvent>,
    req: u64,
}

fn instance(dir: &std::path::Path, team: &TeamDb, who: &str) -> Instance {
    let (tx, events) = channel();
    let target = StoreTarget {
        path: dir.join(format!("{who}.sqlite")),
        team: Some(team.clone()),
        claim_minutes: 30,
    };
    let actor = StoreActor::open(target, who.into(), move |e| {
        let _ = tx.send(e);
    });
    Instance {
        actor,
        events,
        req: 0,
    }
}

impl Instance {
    /// Waits (10 s at most) for an event `f` picks.
    fn wait<T>(&self, what: &str, mut f: impl FnMut(&StoreEvent) -> Option<T>) -> T {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) => {
                    if let Some(t) = f(&e) {
                        return t;
                    }
                }
                Err(_) => panic!("no {what} within 20 s"),
            }
        }
    }

    fn online(&self) {
        self.wait("connection", |e| match e {
            StoreEvent::Connection { online: true, .. } => Some(()),
            _ => None,
        });
    }

    fn apply(&mut self, c: &CallRef, change: Change) -> u64 {
        self.req += 1;
        self.actor.send(StoreCmd::Apply {
            req: self.req,
            calls: vec![(c.clone(), None)],
            change,
        });
        self.req
    }

    /// The answer to request `req`.
    fn answer(&self, req: u64) -> Result<Entry, StoreError> {
        self.wait("answer", |e| match e {
            StoreEvent::Applied { req: r, entries } if *r == req => Some(Ok(entries[0].clone())),
            StoreEvent::Failed { req: r, error, .. } if *r == req => Some(Err(error.clone())),
            _ => None,
        })
    }

    /// Waits for the entries to show `c` as `f` wants.
    fn sees(&self, c: &CallRef, what: &str, f: impl Fn(&Entry) -> bool) {
        self.wait(what, |e| match e {
            StoreEvent::Loaded { entries, .. } => {
                entries.iter().any(|e| &e.call == c && f(e)).then_some(())
            }
            _ => None,
        });
    }
}

fn migrated(cluster: &support_pg::Cluster) -> (String, TeamDb) {
    let db = cluster.database();
    let team = cluster.team(&db);
    PgStore::connect(&team, "admin")
        .unwrap()
        .migrate(false)
        .unwrap();
    (db, team)
}

#[test]
fn two_instances_see_marks_conflicts_and_claims_live() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let (_, team) = migrated(&cluster);
    let dir = tempfile::tempdir().unwrap();
    let mut anna = instance(dir.path(), &team, "anna");
    let mut ben = instance(dir.path(), &team, "ben");
    anna.online();
    ben.online();
    let c = call("CA1");
    // A mark in one reaches the other: measured from the save to the other's event.
    let mut worst = Duration::ZERO;
    for (i, mark) in [Mark::FollowUp, Mark::Done, Mark::FollowUp]
        .into_iter()
        .enumerate()
    {
        let started = Instant::now();
        let req = anna.apply(&c, Change::Mark(mark));
        anna.answer(req).unwrap();
        ben.sees(&c, "the mark", |e| e.mark == mark);
        let took = started.elapsed();
        eprintln!(
            "mark {i}: in the other instance after {} ms",
            took.as_millis()
        );
        worst = worst.max(took);
    }
    assert!(
        worst < Duration::from_secs(5),
        "a mark took {worst:?} to reach the other instance"
    );
    // Both open the editor at the same version; Anna saves first; Ben is told, with both.
    let base = {
        let req = anna.apply(&c, Change::AddTag("billing".into()));
        anna.answer(req).unwrap().version
    };
    ben.sees(&c, "the tag", |e| e.version == base);
    let req = anna.apply(
        &c,
        Change::Note {
            text: "Anna's note".into(),
            base,
        },
    );
    anna.answer(req).unwrap();
    let req = ben.apply(
        &c,
        Change::Note {
            text: "Ben's note".into(),
            base,
        },
    );
    match ben.answer(req) {
        Err(StoreError::Conflict {
            who, theirs, mine, ..
        }) => {
            assert_eq!(
                (who.as_str(), theirs.note.as_str(), mine.as_str()),
                ("anna", "Anna's note", "Ben's note")
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A claim shows in both, and the second person is refused.
    let req = anna.apply(&c, Change::Claim);
    assert_eq!(
        anna.answer(req).unwrap().claimed_by.as_deref(),
        Some("anna")
    );
    ben.sees(&c, "the claim", |e| {
        e.claimed_by.as_deref() == Some("anna") && e.claimed_at.is_some()
    });
    let req = ben.apply(&c, Change::Claim);
    match ben.answer(req) {
        Err(e @ StoreError::Claimed { .. }) => assert!(e.to_string().contains("anna"), "{e}"),
        other => panic!("Ben's claim must be refused: {other:?}"),
    }
}

/// Every change the instance was told is saved, read back from the team database.
fn check_all_arrived(team: &TeamDb, c: &CallRef, notes: &[String]) {
    let mut s = PgStore::open(team, "check").unwrap();
    let e = s.get(c).unwrap().expect("the call is in the team database");
    assert_eq!(e.note, *notes.last().unwrap());
    assert_eq!(e.mark, Mark::Done);
    assert_eq!(e.tags, vec!["offline".to_string()]);
    let h = s.history(c).unwrap();
    let saved: Vec<&str> = h
        .iter()
        .filter(|r| r.field == "note")
        .map(|r| r.new.as_str())
        .collect();
    let want: Vec<&str> = notes.iter().map(String::as_str).collect();
    assert_eq!(saved, want, "every note, in order");
    assert!(h.iter().all(|r| r.who == "anna"));
}

#[test]
fn the_database_stopped_and_restarted_while_editing_loses_nothing() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let (_, team) = migrated(&cluster);
    let dir = tempfile::tempdir().unwrap();
    let mut anna = instance(dir.path(), &team, "anna");
    let ben = instance(dir.path(), &team, "ben");
    anna.online();
    ben.online();
    let c = call("CA2");
    let req = anna.apply(&c, Change::Mark(Mark::FollowUp));
    let mut version = anna.answer(req).unwrap().version;
    let mut notes = vec![format!("note 0")];
    let req = anna.apply(
        &c,
        Change::Note {
            text: notes[0].clone(),
            base: version,
        },
    );
    version = anna.answer(req).unwrap().version;
    cluster.stop();
    // Editing on: each change is answered at once, kept on this machine.
    for i in 1..=3 {
        let text = format!("note {i}, typed while the database was down");
        let req = anna.apply(
            &c,
            Change::Note {
                text: text.clone(),
                base: version,
            },
        );
        let e = anna.answer(req).expect("kept locally");
        assert_eq!(e.note, text);
        version = e.version;
        notes.push(text);
    }
    let req = anna.apply(&c, Change::AddTag("offline".into()));
    anna.answer(req).unwrap();
    let req = anna.apply(&c, Change::Mark(Mark::Done));
    version = anna.answer(req).unwrap().version;
    let waiting = anna.wait("offline", |e| match e {
        StoreEvent::Connection {
            online: false,
            waiting,
            detail,
        } if *waiting == 5 => {
            assert!(
                detail.contains("offline") && detail.contains("5 change"),
                "{detail}"
            );
            Some(*waiting)
        }
        _ => None,
    });
    assert_eq!(waiting, 5);
    // The database comes back: the same instance reconnects by itself and sends them, in order.
    let down = Instant::now();
    cluster.start();
    anna.wait("back online with nothing waiting", |e| match e {
        StoreEvent::Connection {
            online: true,
            waiting: 0,
            ..
        } => Some(()),
        _ => None,
    });
    eprintln!(
        "reconnected and replayed {} ms after the restart",
        down.elapsed().as_millis()
    );
    check_all_arrived(&team, &c, &notes);
    ben.sees(&c, "Anna's offline changes", |e| {
        e.mark == Mark::Done && e.note == *notes.last().unwrap()
    });
    closed_while_down(&cluster, &team, dir.path(), anna, &c, version, &mut notes);
}

/// Down again, and the program ends before it is back: the queue is in the file, and the
/// program started again shows what was typed at once and sends it when the database is back.
fn closed_while_down(
    cluster: &support_pg::Cluster,
    team: &TeamDb,
    dir: &std::path::Path,
    mut anna: Instance,
    c: &CallRef,
    version: i64,
    notes: &mut Vec<String>,
) {
    cluster.stop();
    let text = "typed, then the program was closed".to_string();
    let req = anna.apply(
        c,
        Change::Note {
            text: text.clone(),
            base: version,
        },
    );
    anna.answer(req).unwrap();
    notes.push(text);
    drop(anna);
    // Started again while the database is still down: the last known queue, with what was
    // typed offline, is on screen at once.
    let anna = instance(dir, team, "anna");
    let shown = anna.wait("the last known queue", |e| match e {
        StoreEvent::Loaded { entries, .. } => Some(entries.clone()),
        _ => None,
    });
    let e = shown
        .iter()
        .find(|e| &e.call == c)
        .expect("the call is shown");
    assert_eq!(
        (e.note.as_str(), e.mark),
        (notes.last().unwrap().as_str(), Mark::Done)
    );
    anna.wait("the offline state", |e| match e {
        StoreEvent::Connection {
            online: false,
            waiting: 1,
            ..
        } => Some(()),
        _ => None,
    });
    cluster.start();
    anna.wait("back online with nothing waiting", |e| match e {
        StoreEvent::Connection {
            online: true,
            waiting: 0,
            ..
        } => Some(()),
        _ => None,
    });
    check_all_arrived(team, c, notes);
}

#[test]
fn a_database_down_at_start_gets_the_changes_when_it_is_back() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let (_, team) = migrated(&cluster);
    let dir = tempfile::tempdir().unwrap();
    cluster.stop();
    let mut anna = instance(dir.path(), &team, "anna");
    anna.wait("the offline state", |e| match e {
        StoreEvent::Connection {
            online: false,
            detail,
            ..
        } => {
            assert!(detail.contains("unreachable"), "{detail}");
            Some(())
        }
        _ => None,
    });
    let c = call("CA3");
    let req = anna.apply(&c, Change::Mark(Mark::FollowUp));
    assert_eq!(anna.answer(req).unwrap().mark, Mark::FollowUp);
    cluster.start();
    anna.wait("back online", |e| match e {
        StoreEvent::Connection {
            online: true,
            waiting: 0,
            ..
        } => Some(()),
        _ => None,
    });
    let mut s = PgStore::open(&team, "check").unwrap();
    assert_eq!(s.get(&c).unwrap().map(|e| e.mark), Some(Mark::FollowUp));
}

#[test]
fn a_note_refused_after_the_outage_is_told_and_kept_as_a_draft() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let (_, team) = migrated(&cluster);
    let dir = tempfile::tempdir().unwrap();
    let c = call("CA4");
    let base = PgStore::open(&team, "ben")
        .unwrap()
        .apply(&c, None, Change::Mark(Mark::FollowUp))
        .unwrap()
        .version;
    let mut anna = instance(dir.path(), &team, "anna");
    // Online, Ben's mark loaded (the queue comes before the "connected" event).
    anna.online();
    cluster.stop();
    let req = anna.apply(
        &c,
        Change::Note {
            text: "Anna, offline".into(),
            base,
        },
    );
    anna.answer(req).unwrap();
    drop(anna);
    cluster.start();
    PgStore::open(&team, "ben")
        .unwrap()
        .apply(
            &c,
            None,
            Change::Note {
                text: "Ben, online".into(),
                base,
            },
        )
        .unwrap();
    let anna = instance(dir.path(), &team, "anna");
    match anna.answer(req) {
        Err(StoreError::Conflict { theirs, mine, .. }) => {
            assert_eq!(
                (theirs.note.as_str(), mine.as_str()),
                ("Ben, online", "Anna, offline")
            );
        }
        other => panic!("expected the conflict, told with the request: {other:?}"),
    }
    let local = callbrowser::store::Store::open(&dir.path().join("anna.sqlite"), "anna").unwrap();
    assert_eq!(
        local.draft(&c).unwrap().map(|d| d.0).as_deref(),
        Some("Anna, offline"),
        "the note is kept as a draft"
    );
}

#[test]
fn schemas_are_migrated_only_when_asked_and_a_newer_one_is_refused_untouched() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let db = cluster.database();
    let team = cluster.team(&db);
    match PgStore::open(&team, "anna") {
        Err(e @ StoreError::Older { found: 0, .. }) => {
            assert!(e.to_string().contains("store migrate"), "{e}")
        }
        other => panic!("an empty database must be refused: {:?}", other.err()),
    }
    let mut s = PgStore::connect(&team, "admin").unwrap();
    let plan = s.migrate(true).unwrap();
    assert_eq!(
        (plan.from, plan.to, plan.steps.len()),
        (0, VERSION, VERSION as usize)
    );
    assert_eq!(
        cluster.sql(&db, "SELECT to_regclass('triage') IS NULL"),
        "t",
        "a dry run changes nothing"
    );
    s.migrate(false).unwrap();
    assert_eq!(
        s.migrate(false).unwrap().steps.len(),
        0,
        "a second run has nothing to do"
    );
    assert_eq!(
        cluster.sql(&db, "SELECT version, migrated_by FROM schema_version"),
        format!("{VERSION}|admin")
    );
    PgStore::open(&team, "anna").expect("a migrated database opens");

    let db = cluster.database();
    let team = cluster.team(&db);
    cluster.sql(&db, &format!(
        "CREATE TABLE schema_version (version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now(), migrated_by TEXT NOT NULL);
         INSERT INTO schema_version (version, migrated_by) VALUES ({}, 'future');
         CREATE TABLE future (x INTEGER);",
        VERSION + 1
    ));
    let before = cluster.sql(&db, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'");
    for e in [
        PgStore::open(&team, "anna").err(),
        PgStore::connect(&team, "admin")
            .unwrap()
            .migrate(false)
            .err(),
    ] {
        match e {
            Some(e @ StoreError::Newer { .. }) => {
                assert!(e.to_string().contains("newer callbrowser"), "{e}")
            }
            other => panic!("a newer schema must be refused: {other:?}"),
        }
    }
    let after = cluster.sql(&db, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'");
    assert_eq!(before, after, "nothing created or dropped");
    assert_eq!(cluster.sql(&db, "SELECT count(*) FROM schema_version"), "1");
}

#[test]
fn a_password_from_a_command_is_used_and_a_wrong_one_is_refused_without_showing_it() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let (db, _) = migrated(&cluster);
    cluster.sql(&db, "CREATE ROLE anna LOGIN PASSWORD 'right-CANARY'; GRANT ALL ON ALL TABLES IN SCHEMA public TO anna; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anna;");
    // Password authentication for anna over TCP (the harness trusts everyone else).
    let hba = cluster.path().join("data/pg_hba.conf");
    let rules = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!("host all anna 127.0.0.1/32 scram-sha-256\n{rules}"),
    )
    .unwrap();
    let out = cluster.pg(
        "pg_ctl",
        &[
            "-D",
            cluster.path().join("data").to_str().unwrap(),
            "reload",
        ],
    );
    assert!(out.status.success());
    let url = format!(
        "postgres://anna@127.0.0.1:{}/{db}?sslmode=disable",
        cluster.port
    );
    let with = |password: PasswordSource| TeamDb {
        url: url.clone(),
        password,
        ca_file: None,
    };
    let mut s = PgStore::open(
        &with(PasswordSource::Command("echo right-CANARY".into())),
        "anna",
    )
    .expect("the password from the command is used");
    s.apply(&call("CA9"), None, Change::Mark(Mark::FollowUp))
        .unwrap();
    for wrong in [
        PasswordSource::Command("echo wrong-CANARY".into()),
        PasswordSource::None,
    ] {
        match PgStore::open(&with(wrong), "anna") {
            Err(e @ StoreError::Refused { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains("password") && !text.contains("CANARY"),
                    "{text}"
                );
            }
            other => panic!("a wrong password must be refused: {:?}", other.err()),
        }
    }
    // A failing command: named (it is the user's own text), but what it printed is not shown.
    let cmd = "echo oops-CANARY >&2; echo leaked-CANARY; exit 3";
    let e = PgStore::open(&with(PasswordSource::Command(cmd.into())), "anna")
        .err()
        .expect("refused");
    let said = e.to_string().replace(cmd, "");
    assert!(
        matches!(e, StoreError::Config(_))
            && !said.contains("CANARY")
            && said.contains("exit status: 3"),
        "{e}"
    );
}

#[test]
fn tls_is_required_unless_the_address_is_this_machine_and_no_password_is_shown() {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let canary = "s3cret-CANARY-42";
    // The test server offers no TLS: without sslmode=disable the connection is refused.
    let team = TeamDb {
        url: format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port),
        password: PasswordSource::Given(canary.into()),
        ca_file: None,
    };
    match PgStore::connect(&team, "anna") {
        Err(e @ StoreError::Refused { .. }) => {
            let text = e.to_string();
            assert!(text.to_lowercase().contains("tls"), "{text}");
            assert!(!text.contains(canary), "{text}");
        }
        other => panic!("a server without TLS must be refused: {:?}", other.err()),
    }
    // Unencrypted towards another machine is refused before anything is sent.
    let far = TeamDb {
        url: "postgres://anna@db.example.org/triage?sslmode=disable".into(),
        password: PasswordSource::Given(canary.into()),
        ca_file: None,
    };
    let e = PgStore::connect(&far, "anna").err().expect("refused");
    assert!(
        matches!(e, StoreError::Config(_)) && e.to_string().contains("unencrypted"),
        "{e}"
    );
    // A closed port: unreachable, in one sentence naming the host, without the password.
    let closed = TeamDb {
        url: format!(
            "postgres://postgres@127.0.0.1:{}/x?sslmode=disable",
            cluster.port.wrapping_add(1).max(1)
        ),
        password: PasswordSource::Given(canary.into()),
        ca_file: None,
    };
    if let Err(e) = PgStore::connect(&closed, "anna") {
        let text = e.to_string();
        assert!(
            e.is_unreachable() && text.contains("127.0.0.1") && !text.contains(canary),
            "{text}"
        );
    }
    assert!(!format!("{team:?}").contains(canary));
    assert_eq!(
        callbrowser::store::pg_conn::redact(&format!("postgres://anna:{canary}@db.example.org/t")),
        "postgres://anna:***@db.example.org/t"
    );
}

#[test]
fn a_database_that_does_not_answer_does_not_hold_up_the_store() {
    // A server that accepts connections and never says a word (the thread ends with the test).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut keep = Vec::new();
        for s in silent.incoming() {
            keep.push(s);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let team = TeamDb {
        url: format!("postgres://anna@127.0.0.1:{port}/triage?sslmode=disable"),
        password: PasswordSource::None,
        ca_file: None,
    };
    let mut anna = instance(dir.path(), &team, "anna");
    let c = call("CA7");
    let started = Instant::now();
    anna.actor.send(StoreCmd::SaveDraft {
        call: c.clone(),
        text: "typed while connecting".into(),
        base: 0,
    });
    let req = anna.apply(&c, Change::Mark(Mark::FollowUp));
    assert_eq!(anna.answer(req).unwrap().mark, Mark::FollowUp);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "the store waited {took:?} for the database"
    );
    let local = callbrowser::store::Store::open(&dir.path().join("anna.sqlite"), "anna").unwrap();
    assert_eq!(
        local.pending().unwrap().len(),
        1,
        "kept for the team database"
    );
    assert!(local.draft(&c).unwrap().is_some());
    let stopping = Instant::now();
    drop(anna);
    assert!(
        stopping.elapsed() < Duration::from_secs(2),
        "the store thread stops at once"
    );
}
