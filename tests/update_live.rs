//! The Live view through `update`: refreshing while shown (a subscription), pausing while
//! hidden, leaving, unreadable calls, calls in progress, and its notes cleared by topic.

mod support;

use callbrowser::app::msg::{Effect, Msg, Subscription};
use callbrowser::app::state::Focus;
use callbrowser::app::update::{init, subscriptions, update};
use callbrowser::fixtures::MemoryProvider;
use callbrowser::model::Page;
use callbrowser::providers::ProviderError;
use crossterm::event::KeyCode;
use support::*;

#[test]
fn the_live_view_refreshes_while_shown_and_stops_when_left() {
    let mut p = MemoryProvider::new("voxeme", 30);
    p.caps.has_live = true;
    let live = p.live.clone();
    *live.lock().unwrap() = callbrowser::fixtures::calls("voxeme", "a", 2);
    let mut s = state_with(vec![p.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    assert_eq!(s.list.rows.calls.len(), 30);

    // L opens the Live view of the account shown; while its snapshot loads no timer runs, and
    // its answer asks for one (a subscription that lives while the view is shown and idle).
    let effects = key(&mut s, KeyCode::Char('L'));
    assert!(matches!(effects.as_slice(), [Effect::LoadLive { .. }]));
    assert!(subscriptions(&s).is_empty(), "no timer while loading");
    let msg = answer(&s, &effects[0]).unwrap();
    let next = update(&mut s, msg);
    assert!(next.is_empty(), "{next:?}");
    let subs = subscriptions(&s);
    let [
        Subscription::LiveTimer {
            generation, after, ..
        },
    ] = subs.as_slice()
    else {
        panic!("expected a LiveTimer, got {subs:?}")
    };
    let generation = *generation;
    assert_eq!(*after, callbrowser::app::state::list::LIVE_REFRESH);
    assert_eq!(s.list.rows.calls.len(), 2);
    assert!(s.list.source.as_ref().unwrap().live);
    assert!(
        s.list
            .source
            .as_ref()
            .unwrap()
            .scope_name
            .starts_with("Live · ")
    );

    // The tick refreshes; the new snapshot replaces the old one and keeps the cursor's call.
    press(&mut s, KeyCode::Char('j'));
    let selected = s.list.selected().unwrap().id.clone();
    let mut changed = callbrowser::fixtures::calls("voxeme", "a", 4);
    changed.swap(1, 3);
    *live.lock().unwrap() = changed;
    let tick = update(&mut s, Msg::LiveTick { generation });
    assert!(matches!(tick.as_slice(), [Effect::LoadLive { .. }]));
    pump(&mut s, tick);
    assert_eq!(s.list.rows.calls.len(), 4);
    assert_eq!(s.list.selected().unwrap().id, selected);
    // The next answer asks for the next timer (another round: a new task).
    assert!(matches!(
        subscriptions(&s).as_slice(),
        [Subscription::LiveTimer { round: 2, .. }]
    ));

    // Leaving (L again) goes back to the history; a late tick does nothing.
    let gen_live = s.list.generation;
    press(&mut s, KeyCode::Char('L'));
    assert!(!s.list.source.as_ref().unwrap().live);
    assert_eq!(s.list.rows.calls.len(), 30);
    assert!(
        subscriptions(&s).is_empty(),
        "the timer is dropped on leaving"
    );
    let late = update(
        &mut s,
        Msg::LiveTick {
            generation: gen_live,
        },
    );
    assert!(late.is_empty(), "{late:?}");
}

#[test]
fn the_live_view_pauses_while_the_detail_pane_hides_it() {
    let mut p = MemoryProvider::new("voxeme", 30);
    p.caps.has_live = true;
    *p.live.lock().unwrap() = callbrowser::fixtures::calls("voxeme", "a", 3);
    // Under 32 rows the detail pane takes the whole main column when it has the focus.
    let mut s = state_with(vec![p.arc()], (120, 24));
    let e = init(&mut s);
    pump(&mut s, e);
    let e = key(&mut s, KeyCode::Char('L'));
    pump(&mut s, e);
    assert!(s.list.source.as_ref().unwrap().live);
    let generation = s.list.generation;

    // Open a call: the list is off screen, so no timer runs and a late tick does not poll.
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.focus, Focus::Detail);
    assert!(s.areas().list.is_none());
    assert!(subscriptions(&s).is_empty(), "no polling while hidden");
    let tick = update(&mut s, Msg::LiveTick { generation });
    assert!(tick.is_empty(), "no polling while hidden: {tick:?}");
    // Nor does anything else while it stays hidden.
    assert!(key(&mut s, KeyCode::Char('j')).is_empty());

    // Back to the list after the refresh came due: the timer runs again at once, its tick
    // refreshes, and that answer sets the next full wait.
    s.list.live.answered_at =
        Some(callbrowser::fixtures::fixed_now() - chrono::Duration::seconds(10));
    let back = key(&mut s, KeyCode::Esc);
    assert!(back.is_empty(), "{back:?}");
    let subs = subscriptions(&s);
    let [Subscription::LiveTimer { after, .. }] = subs.as_slice() else {
        panic!("expected a LiveTimer, got {subs:?}")
    };
    assert_eq!(*after, std::time::Duration::ZERO, "overdue: at once");
    let tick = update(&mut s, Msg::LiveTick { generation });
    assert!(
        matches!(tick.as_slice(), [Effect::LoadLive { .. }]),
        "{tick:?}"
    );
    let msg = answer(&s, &tick[0]).unwrap();
    update(&mut s, msg);
    assert!(
        matches!(
            subscriptions(&s).as_slice(),
            [Subscription::LiveTimer { after, .. }] if *after == callbrowser::app::state::list::LIVE_REFRESH
        ),
        "{:?}",
        subscriptions(&s)
    );
}

#[test]
fn unreadable_live_calls_are_counted_on_screen() {
    let mut p = MemoryProvider::new("voxeme", 5);
    p.caps.has_live = true;
    *p.live.lock().unwrap() = callbrowser::fixtures::calls("voxeme", "a", 2);
    let mut s = state_with(vec![p.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    let e = key(&mut s, KeyCode::Char('L'));
    let Effect::LoadLive { req, .. } = e[0] else {
        panic!("expected LoadLive, got {e:?}")
    };
    let page = Page::whole(callbrowser::fixtures::calls("voxeme", "a", 2), 1);
    update(
        &mut s,
        Msg::Live {
            req,
            result: Ok(page),
        },
    );
    assert_eq!((s.list.rows.calls.len(), s.list.paging.unreadable), (2, 1));
    assert!(
        s.status.text.contains("1 live call(s) could not be read"),
        "{}",
        s.status.text
    );
    // The next snapshot reads everything: the note goes.
    let generation = s.list.generation;
    let e = update(&mut s, Msg::LiveTick { generation });
    let Effect::LoadLive { req, .. } = e[0] else {
        panic!("expected LoadLive, got {e:?}")
    };
    let page = Page::whole(callbrowser::fixtures::calls("voxeme", "a", 2), 0);
    update(
        &mut s,
        Msg::Live {
            req,
            result: Ok(page),
        },
    );
    assert_eq!(s.list.paging.unreadable, 0);
    assert!(s.status.text.is_empty(), "{}", s.status.text);
}

#[test]
fn providers_without_a_live_view_say_so() {
    let mut s = loaded(10, (160, 45));
    let effects = key(&mut s, KeyCode::Char('L'));
    assert!(effects.is_empty());
    assert!(s.status.is_error && s.status.text.contains("no live view"));
}

#[test]
fn the_programs_own_notes_are_cleared_by_topic_never_by_matching_vendor_text() {
    let mut p = MemoryProvider::new("voxeme", 5);
    p.caps.has_live = true;
    *p.live.lock().unwrap() = callbrowser::fixtures::calls("voxeme", "a", 2);
    let mut s = state_with(vec![p.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    let e = key(&mut s, KeyCode::Char('L'));
    let Effect::LoadLive { req, .. } = e[0] else {
        panic!("expected LoadLive, got {e:?}")
    };
    // An error from the vendor whose text reads like the program's own note.
    let vendor = ProviderError::Vendor {
        provider: "Voxeme".into(),
        status: 500,
        code: "x".into(),
        message: "2 live call(s) could not be read".into(),
    };
    s.set_status(vendor.to_string(), true);
    let page = Page::whole(callbrowser::fixtures::calls("voxeme", "a", 2), 0);
    update(
        &mut s,
        Msg::Live {
            req,
            result: Ok(page),
        },
    );
    assert!(s.status.is_error, "the vendor's error stays");
    assert_eq!(s.status.text, vendor.to_string());
}

#[test]
fn a_call_in_progress_is_not_said_to_have_no_recordings_offered() {
    let mut p = MemoryProvider::new("voxeme", 5);
    p.caps.has_live = true;
    *p.live.lock().unwrap() = callbrowser::fixtures::calls("voxeme", "a", 2);
    let mut s = state_with(vec![p.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Char('L'));
    press(&mut s, KeyCode::Enter);
    let lines: String = s
        .detail
        .layout
        .as_ref()
        .unwrap()
        .lines
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    assert!(!lines.contains("does not offer recordings"), "{lines}");
    assert!(lines.contains("In progress"), "{lines}");
}
