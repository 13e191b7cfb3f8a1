//! Triage from the keyboard, as `update` sees it: marks on the call or the selected rows, the
//! note editor (drafts, save, conflict, discard), the Follow-ups view, a store that cannot be
//! written — and two instances on one store seeing each other's changes.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use callbrowser::app::msg::{Effect, Msg, Subscription};
use callbrowser::app::state::SidebarRow;
use callbrowser::app::update::{subscriptions, update};
use callbrowser::model::CallRef;
use callbrowser::store::actor::{StoreActor, StoreCmd, StoreEvent};
use callbrowser::store::{Change, Entry, Mark, StoreError};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::*;

fn with_store(size: (u16, u16)) -> World {
    let mut s = loaded(30, size);
    s.state.triage.path = Some("/nonexistent/triage.sqlite".into());
    s.state.triage.who = "anna".into();
    s
}

fn applies(effects: &[Effect]) -> Vec<(u64, Vec<CallRef>, Change)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(StoreCmd::Apply { req, calls, change }) => Some((
                *req,
                calls.iter().map(|(c, _)| c.clone()).collect(),
                change.clone(),
            )),
            _ => None,
        })
        .collect()
}

/// What the store would answer: the entries after the change.
fn saved(s: &mut World, req: u64, calls: &[CallRef], f: impl Fn(&mut Entry)) {
    let entries = calls
        .iter()
        .map(|c| {
            let mut e = s.triage.entry(c).cloned().unwrap_or_else(|| Entry {
                call: c.clone(),
                mark: Mark::None,
                note: String::new(),
                tags: Vec::new(),
                version: 0,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
                updated_by: "anna".into(),
                snapshot: None,
                claimed_by: None,
                claimed_at: None,
            });
            f(&mut e);
            e.version += 1;
            e
        })
        .collect();
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Applied { req, entries }),
    );
}

fn screen(s: &World) -> String {
    let mut t = Terminal::new(TestBackend::new(s.size.0, s.size.1)).unwrap();
    t.draw(|f| callbrowser::ui::draw(f, s)).unwrap();
    format!("{}", t.backend())
}

fn ctrl(s: &mut World, c: char) -> Vec<Effect> {
    update(
        &mut s.state,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

#[test]
fn marks_go_to_the_store_and_show_once_saved() {
    let mut s = with_store((120, 30));
    assert!(
        subscriptions(&s)
            .iter()
            .any(|x| matches!(x, Subscription::Store { .. }))
    );
    let first = s.list.selected().unwrap().reference();
    let a = applies(&key(&mut s, KeyCode::Char('m')));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].1, vec![first.clone()]);
    assert_eq!(a[0].2, Change::Mark(Mark::FollowUp));
    // Not shown as marked until the store has it.
    assert_eq!(s.triage.mark_of(&first), Mark::None);
    saved(&mut s, a[0].0, &a[0].1, |e| e.mark = Mark::FollowUp);
    assert_eq!(s.triage.mark_of(&first), Mark::FollowUp);
    assert!(s.status.text.contains("Marked the call for follow-up"));
    assert!(screen(&s).contains(" ⚑  "), "{}", screen(&s));

    // Two rows selected: one change for both.
    press(&mut s, KeyCode::Char('g'));
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Char(' '));
    assert_eq!(s.triage.selected.len(), 2);
    assert!(screen(&s).contains("•⚑"), "the selection shows");
    let a = applies(&key(&mut s, KeyCode::Char('d')));
    assert_eq!(a[0].1.len(), 2);
    assert_eq!(a[0].2, Change::Mark(Mark::Done));
    saved(&mut s, a[0].0, &a[0].1.clone(), |e| e.mark = Mark::Done);
    assert!(s.triage.selected.is_empty(), "the selection is used up");
    assert!(s.status.text.contains("Marked 2 calls done"));
}

#[test]
fn the_note_editor_saves_drafts_as_typed_and_shows_both_versions_on_a_conflict() {
    let mut s = with_store((120, 40));
    press(&mut s, KeyCode::Enter);
    let call = s.detail.detail.as_ref().unwrap().call.reference();
    key(&mut s, KeyCode::Char('e'));
    assert!(s.triage.editor.is_some());
    let mut drafts = 0;
    for c in "Rückruf".chars() {
        let e = key(&mut s, KeyCode::Char(c));
        drafts += e
            .iter()
            .filter(|x| matches!(x, Effect::Store(StoreCmd::SaveDraft { .. })))
            .count();
    }
    assert_eq!(drafts, 7, "every keystroke's text is kept");
    assert!(
        screen(&s).contains("C-s save the note"),
        "the editor's keys show"
    );
    let a = applies(&ctrl(&mut s, 's'));
    assert_eq!(
        a[0].2,
        Change::Note {
            text: "Rückruf".into(),
            base: 0
        }
    );
    // Someone else saved first: both versions to merge, over theirs.
    let theirs = Entry {
        call: call.clone(),
        mark: Mark::FollowUp,
        note: "Ben's note".into(),
        tags: Vec::new(),
        version: 4,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        updated_by: "ben".into(),
        snapshot: None,
        claimed_by: None,
        claimed_at: None,
    };
    let error = StoreError::Conflict {
        who: "ben".into(),
        at: "10:30".into(),
        theirs: Box::new(theirs),
        mine: "Rückruf".into(),
    };
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Failed {
            req: a[0].0,
            error,
            done: Vec::new(),
        }),
    );
    let ed = s.triage.editor.as_ref().expect("still open");
    assert_eq!(ed.base, 4);
    let text = ed.text();
    assert!(
        text.contains("Ben's note") && text.contains("Rückruf"),
        "{text}"
    );
    assert!(s.status.is_error && s.status.text.contains("ben changed this note"));
    // Esc over unsaved text asks first; twice discards and drops the draft.
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.triage.editor.is_some());
    let e = key(&mut s, KeyCode::Esc);
    assert!(s.triage.editor.is_none());
    assert!(matches!(
        &e[..],
        [Effect::Store(StoreCmd::DropDraft { .. })]
    ));
}

#[test]
fn a_draft_left_by_a_crash_is_restored_in_the_editor() {
    let mut s = with_store((120, 40));
    press(&mut s, KeyCode::Enter);
    let call = s.detail.detail.as_ref().unwrap().call.reference();
    let drafts = HashMap::from([(call, ("typed before the crash".to_string(), 0))]);
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Loaded {
            entries: Vec::new(),
            drafts,
        }),
    );
    key(&mut s, KeyCode::Char('e'));
    let ed = s.triage.editor.as_ref().unwrap();
    assert_eq!(ed.text(), "typed before the crash");
    assert!(
        ed.notice
            .as_deref()
            .unwrap_or_default()
            .contains("Restored")
    );
}

#[test]
fn a_store_that_cannot_be_written_is_said_and_nothing_pretends_to_be_saved() {
    let mut s = with_store((120, 30));
    let e = StoreError::ReadOnly {
        path: "/ro/triage.sqlite".into(),
    };
    update(&mut s.state, Msg::Store(StoreEvent::Unavailable(e)));
    assert!(s.status.is_error && s.status.text.contains("cannot be written"));
    assert!(applies(&key(&mut s, KeyCode::Char('m'))).is_empty());
    assert!(s.status.text.contains("cannot be written"));
}

#[test]
fn follow_ups_are_at_the_top_of_the_sidebar_and_filterable() {
    let mut s = with_store((140, 40));
    assert_eq!(s.sidebar_rows()[0], SidebarRow::FollowUps);
    // Mark two calls, one with a tag.
    let a = applies(&key(&mut s, KeyCode::Char('m')));
    saved(&mut s, a[0].0, &a[0].1.clone(), |e| {
        e.mark = Mark::FollowUp;
        e.tags = vec!["billing".into()];
    });
    press(&mut s, KeyCode::Char('j'));
    let a = applies(&key(&mut s, KeyCode::Char('m')));
    saved(&mut s, a[0].0, &a[0].1.clone(), |e| e.mark = Mark::FollowUp);
    // To the sidebar's first row, open it.
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Char('g'));
    press(&mut s, KeyCode::Enter);
    assert!(s.triage.view.is_some());
    let text = screen(&s);
    assert!(
        text.contains("Follow-ups · triage:followup · 1 of 2"),
        "{text}"
    );
    // Enter on the parent whose list is loaded beneath shows that list again.
    let source = s.list.source.clone().unwrap();
    press(&mut s, KeyCode::Tab);
    s.sidebar_to(SidebarRow::Scope(source.provider, 0));
    press(&mut s, KeyCode::Enter);
    assert!(s.triage.view.is_none(), "the Follow-ups queue closed");
    assert_eq!(s.list.source.as_ref(), Some(&source));
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Char('g'));
    press(&mut s, KeyCode::Enter);
    assert!(s.triage.view.is_some());
    // Filtered by tag.
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, " tag:billing");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.triage.view_rows().len(), 1);
    // A bad key is an error listing what is allowed.
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, " colour:red");
    press(&mut s, KeyCode::Enter);
    assert!(
        s.status.is_error && s.status.text.contains("triage"),
        "{}",
        s.status.text
    );
}

/// Two instances on one store (two store threads, as two terminals would have): a change in
/// one reaches the other by itself.
#[test]
fn two_instances_see_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("triage.sqlite");
    let (tx_a, rx_a) = std::sync::mpsc::channel();
    let (tx_b, rx_b) = std::sync::mpsc::channel();
    let a = StoreActor::start(path.clone(), "anna".into(), move |e| {
        let _ = tx_a.send(e);
    });
    let _b = StoreActor::start(path, "ben".into(), move |e| {
        let _ = tx_b.send(e);
    });
    // Both load (empty).
    assert!(matches!(
        rx_a.recv_timeout(Duration::from_secs(5)),
        Ok(StoreEvent::Loaded { .. })
    ));
    assert!(matches!(
        rx_b.recv_timeout(Duration::from_secs(5)),
        Ok(StoreEvent::Loaded { .. })
    ));
    let s = loaded(3, (80, 24));
    let call = s.list.selected().unwrap().reference();
    let started = Instant::now();
    a.send(StoreCmd::Apply {
        req: 1,
        calls: vec![(call.clone(), None)],
        change: Change::Mark(Mark::FollowUp),
    });
    loop {
        match rx_b.recv_timeout(Duration::from_secs(10)) {
            Ok(StoreEvent::Loaded { entries, .. }) if !entries.is_empty() => {
                assert_eq!(entries[0].call, call);
                assert_eq!(entries[0].mark, Mark::FollowUp);
                assert_eq!(entries[0].updated_by, "anna");
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("Ben's instance never saw Anna's mark: {e}"),
        }
    }
    eprintln!(
        "a change reached the other instance in {:?}",
        started.elapsed()
    );
}

#[test]
fn the_list_filter_takes_triage_tokens_and_follows_new_marks() {
    let mut s = with_store((120, 30));
    let a = applies(&key(&mut s, KeyCode::Char('m')));
    saved(&mut s, a[0].0, &a[0].1.clone(), |e| e.mark = Mark::FollowUp);
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "triage:followup");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.list.rows.visible.len(), 1, "{}", s.status.text);
    press(&mut s, KeyCode::Char('/'));
    for _ in 0.."triage:followup".len() {
        press(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "triage:none");
    press(&mut s, KeyCode::Enter);
    let before = s.list.rows.visible.len();
    assert!(before > 1);
    // Marking one takes it out of a `triage:none` list.
    let a = applies(&key(&mut s, KeyCode::Char('d')));
    saved(&mut s, a[0].0, &a[0].1.clone(), |e| e.mark = Mark::Done);
    assert_eq!(s.list.rows.visible.len(), before - 1);
}

/// Issue 13: `C` claims ("I'm calling back") and gives back one's own claim; the queue and the
/// detail show who holds a claim and since when; another's claim is refused with who and when;
/// the team database out of reach shows in the title with the changes kept here.
#[test]
fn claims_show_in_the_queue_and_the_team_store_offline_in_the_title() {
    let mut s = with_store((140, 40));
    let first = s.list.selected().unwrap().reference();
    let a = applies(&key(&mut s, KeyCode::Char('C')));
    assert_eq!(a[0].2, Change::Claim);
    let now = (s.now)();
    saved(&mut s, a[0].0, &a[0].1.clone(), |e| {
        e.mark = Mark::FollowUp;
        e.claimed_by = Some("anna".into());
        e.claimed_at = Some(now);
    });
    assert!(
        s.status.text.contains("Claimed the call"),
        "{}",
        s.status.text
    );
    // Again: given back.
    let a = applies(&key(&mut s, KeyCode::Char('C')));
    assert_eq!(a[0].2, Change::Unclaim);
    assert_eq!(a[0].1, vec![first.clone()]);
    // Another coordinator's claim arrives from the team database: the queue shows it.
    let mut theirs = s.triage.entry(&first).cloned().unwrap();
    theirs.claimed_by = Some("ben".into());
    theirs.claimed_at = Some((s.now)() - chrono::Duration::minutes(5));
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Loaded {
            entries: vec![theirs],
            drafts: HashMap::new(),
        }),
    );
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Char('g'));
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    assert!(
        text.contains("Claimed") && text.contains("☎ ben "),
        "{text}"
    );
    // Claiming it is refused by the store: the sentence names who and since when.
    let a = applies(&key(&mut s, KeyCode::Char('C')));
    assert_eq!(a[0].2, Change::Claim, "not mine: claim, not give back");
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Failed {
            req: a[0].0,
            error: StoreError::Claimed {
                who: "ben".into(),
                since: "2026-03-20T13:05:00.000Z".into(),
            },
            done: Vec::new(),
        }),
    );
    assert!(
        s.status.is_error && s.status.text.contains("ben is calling this patient back"),
        "{}",
        s.status.text
    );
    // Its time as every list shows times (the user's zone; UTC in these tests).
    assert!(
        s.status.text.contains("(claimed at 2026-03-20 13:05:00)"),
        "{}",
        s.status.text
    );
    // A claim past its time is shown as none.
    let mut old = s.triage.entry(&first).cloned().unwrap();
    old.claimed_at = Some((s.now)() - chrono::Duration::minutes(31));
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Loaded {
            entries: vec![old],
            drafts: HashMap::new(),
        }),
    );
    assert!(!screen(&s).contains("☎ ben"), "{}", screen(&s));

    // The team database out of reach: the title says so with what waits; back: said once.
    let offline = |waiting| {
        Msg::Store(StoreEvent::Connection {
            online: false,
            detail: "the team database at db.example:5432 is unreachable (connection refused): changes are kept on this machine".into(),
            waiting,
        })
    };
    update(&mut s.state, offline(0));
    assert!(s.status.is_error && s.status.text.contains("unreachable"));
    update(&mut s.state, offline(2));
    let text = screen(&s);
    assert!(
        text.contains("TEAM STORE OFFLINE · 2 changes kept here"),
        "{text}"
    );
    insta::assert_snapshot!("follow_ups_claimed_team_offline_140x40", text);
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Connection {
            online: true,
            detail: "the team database at db.example:5432 is back: 2 changes sent".into(),
            waiting: 0,
        }),
    );
    let text = screen(&s);
    assert!(
        !text.contains("OFFLINE") && text.contains("team store"),
        "{text}"
    );
    assert!(s.status.text.contains("is back"), "{}", s.status.text);
}

/// A note kept while the team database was out of reach and refused when sent (another
/// coordinator saved a newer one meanwhile): the text typed becomes the call's draft with both
/// versions, and `e` opens it.
#[test]
fn a_note_refused_after_the_team_store_came_back_is_kept_as_a_draft_with_both() {
    let mut s = with_store((140, 40));
    let call = s.list.selected().unwrap().reference();
    let mut theirs = Entry::untriaged(call.clone());
    theirs.note = "called, left a message".into();
    theirs.version = 4;
    update(
        &mut s.state,
        Msg::Store(StoreEvent::Failed {
            req: 9_999,
            error: StoreError::Conflict {
                who: "ben".into(),
                at: "14:05".into(),
                theirs: Box::new(theirs),
                mine: "needs a callback on Friday".into(),
            },
            done: Vec::new(),
        }),
    );
    assert!(
        s.status.text.contains("kept as the call's draft"),
        "{}",
        s.status.text
    );
    press(&mut s, KeyCode::Char('e'));
    let ed = s.triage.editor.as_ref().unwrap();
    let text = ed.text();
    assert!(
        text.contains("called, left a message") && text.contains("needs a callback on Friday"),
        "{text}"
    );
}
