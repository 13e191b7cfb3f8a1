//! The store's behaviour, the same on both implementations of `TriageStore`: every scenario here
//! runs against SQLite and against PostgreSQL (a cluster of the test's own, see
//! `support_pg`). Changes round-trip with their history, a batch is saved whole or not at all,
//! two instances editing one note conflict with both versions kept, claims are refused to the
//! second person while they last and read as none once expired, and the access log is kept.

mod support_pg;

use callbrowser::model::{Account, Call, CallRef, ProviderKind};
use callbrowser::store::{Change, Mark, PgStore, Store, StoreError, TriageStore};

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
    c.summary = Some("Rezept".into());
    c
}

/// Opens one instance of the store as a person.
type Opener = Box<dyn Fn(&str) -> Box<dyn TriageStore>>;

/// Opens one instance of the store as a person; ages every claim by two hours.
struct Backend {
    open: Opener,
    age_claims: Box<dyn Fn()>,
}

fn note(text: &str, base: i64) -> Change {
    Change::Note {
        text: text.into(),
        base,
    }
}

fn round_trip(b: &Backend) {
    let mut s = (b.open)("anna");
    let c = call("c1");
    let snap = snapshot(&c);
    let e = s
        .apply(&c, Some(&snap), Change::Mark(Mark::FollowUp))
        .unwrap();
    assert_eq!((e.mark, e.version), (Mark::FollowUp, 1));
    let e = s.apply(&c, None, note("Rückruf\nzweite Zeile", 1)).unwrap();
    assert_eq!(e.version, 2);
    s.apply(&c, None, Change::AddTag("Billing".into())).unwrap();
    s.apply(&c, None, Change::AddTag("#urgent".into())).unwrap();
    s.apply(&c, None, Change::RemoveTag("billing".into()))
        .unwrap();
    assert!(matches!(
        s.apply(&c, None, Change::AddTag("two words".into())),
        Err(StoreError::BadTag(_))
    ));
    let e = s.apply(&c, None, Change::Mark(Mark::FollowUp)).unwrap();
    assert_eq!(e.version, 5, "the same mark again is no change");
    drop(s);
    let mut s = (b.open)("anna");
    let e = s.get(&c).unwrap().expect("kept");
    assert_eq!(e.note, "Rückruf\nzweite Zeile");
    assert_eq!(e.tags, vec!["urgent".to_string()]);
    assert_eq!(e.updated_by, "anna");
    let name = e.snapshot.as_ref().and_then(|c| c.caller_name.clone());
    assert_eq!(name.as_deref(), Some("Jürgen Müller"));
    let h = s.history(&c).unwrap();
    let fields: Vec<&str> = h.iter().map(|r| r.field.as_str()).collect();
    assert_eq!(fields, ["mark", "note", "tags", "tags", "tags"]);
    assert_eq!((h[0].old.as_str(), h[0].new.as_str()), ("none", "followup"));
    assert!(h.iter().all(|r| r.who == "anna"));
    assert_eq!(s.entries().unwrap().len(), 1);
    assert_eq!(
        s.schema_version().unwrap(),
        callbrowser::store::schema::VERSION
    );
}

fn conflict(b: &Backend) {
    let mut a = (b.open)("anna");
    let mut ben = (b.open)("ben");
    let c = call("c3");
    let e = a.apply(&c, None, Change::Mark(Mark::FollowUp)).unwrap();
    a.apply(&c, None, note("Anna's note", e.version)).unwrap();
    match ben.apply(&c, None, note("Ben's note", e.version)) {
        Err(StoreError::Conflict {
            who, theirs, mine, ..
        }) => {
            assert_eq!(who, "anna");
            assert_eq!(theirs.note, "Anna's note");
            assert_eq!(mine, "Ben's note");
            let merged = format!("{}\n{mine}", theirs.note);
            let e = ben.apply(&c, None, note(&merged, theirs.version)).unwrap();
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

fn batch(b: &Backend) {
    let mut s = (b.open)("anna");
    let c = call("c5");
    let bad = vec![
        Change::Mark(Mark::FollowUp),
        note("n", 0),
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
        note("n", 0),
        Change::AddTag("billing".into()),
    ];
    let e = s.apply_all(&c, None, good, true).unwrap();
    assert_eq!(
        (e.mark, e.note.as_str(), e.version),
        (Mark::FollowUp, "n", 3)
    );
    assert_eq!(s.history(&c).unwrap().len(), 3);
}

fn claims(b: &Backend) {
    let mut anna = (b.open)("anna");
    let mut ben = (b.open)("ben");
    let c = call("c6");
    let e = anna.apply(&c, None, Change::Mark(Mark::FollowUp)).unwrap();
    let e2 = anna.apply(&c, None, Change::Claim).unwrap();
    assert_eq!(e2.claimed_by.as_deref(), Some("anna"));
    assert_eq!(
        e2.version, e.version,
        "a claim does not make an open editor conflict"
    );
    let seen = ben.get(&c).unwrap().unwrap();
    assert_eq!(seen.claimed_by.as_deref(), Some("anna"));
    assert!(seen.claimed_at.is_some());
    for change in [Change::Claim, Change::Unclaim] {
        match ben.apply(&c, None, change) {
            Err(e @ StoreError::Claimed { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains("anna") && text.contains("claimed at"),
                    "{text}"
                );
            }
            other => panic!("Ben must be refused: {other:?}"),
        }
    }
    // Anna's own claim renews; she gives it back; Ben takes it.
    let renewed = anna.apply(&c, None, Change::Claim).unwrap();
    assert!(renewed.claimed_at >= e2.claimed_at);
    let e = anna.apply(&c, None, Change::Unclaim).unwrap();
    assert_eq!(e.claimed_by, None);
    assert_eq!(
        ben.apply(&c, None, Change::Claim)
            .unwrap()
            .claimed_by
            .as_deref(),
        Some("ben")
    );
    // An expired claim reads as none, and another person may claim.
    (b.age_claims)();
    assert_eq!(anna.get(&c).unwrap().unwrap().claimed_by, None);
    assert_eq!(anna.entries().unwrap()[0].claimed_by, None);
    assert_eq!(
        anna.apply(&c, None, Change::Claim)
            .unwrap()
            .claimed_by
            .as_deref(),
        Some("anna")
    );
    // Done releases the claim.
    let e = ben.apply(&c, None, Change::Mark(Mark::Done)).unwrap();
    assert_eq!((e.mark, e.claimed_by.as_deref()), (Mark::Done, None));
    let h = anna.history(&c).unwrap();
    let claims: Vec<(&str, &str)> = h
        .iter()
        .filter(|r| r.field == "claim")
        .map(|r| (r.old.as_str(), r.new.as_str()))
        .collect();
    assert_eq!(
        claims,
        [
            ("", "anna"),
            ("anna", "anna"),
            ("anna", ""),
            ("", "ben"),
            ("", "anna"),
            ("anna", "")
        ]
    );
}

fn access_log(b: &Backend) {
    let mut s = (b.open)("anna");
    let c = call("c2");
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

fn sqlite(scenario: fn(&Backend)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("triage.sqlite");
    let p = path.clone();
    let open: Opener =
        Box::new(move |who| Box::new(Store::open(&p, who).expect("the store opens")));
    let age_claims = Box::new(move || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE triage SET claimed_at = '2000-01-01T00:00:00.000Z' WHERE claimed_at IS NOT NULL", [])
            .unwrap();
    });
    scenario(&Backend { open, age_claims });
}

fn postgres(scenario: fn(&Backend)) {
    let Some(cluster) = support_pg::cluster() else {
        return;
    };
    let cluster = std::rc::Rc::new(cluster);
    let db = cluster.database();
    let team = cluster.team(&db);
    PgStore::connect(&team, "admin")
        .unwrap()
        .migrate(false)
        .unwrap();
    let open: Opener =
        Box::new(move |who| Box::new(PgStore::open(&team, who).expect("the team store opens")));
    let (c, d) = (cluster.clone(), db.clone());
    let age_claims = Box::new(move || {
        c.sql(&d, "UPDATE triage SET claimed_at = claimed_at - interval '2 hours' WHERE claimed_at IS NOT NULL");
    });
    scenario(&Backend { open, age_claims });
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::sqlite(super::$name);
            }
            #[test]
            fn postgres() {
                super::postgres(super::$name);
            }
        }
    )*};
}

on_both!(round_trip, conflict, batch, claims, access_log);
