//! `update` as the runtime drives it: stale answers dropped, errors shown, focus and paging.

mod support;

use callbrowser::app::msg::{Effect, Msg, Subscription};
use callbrowser::app::state::Focus;
use callbrowser::app::update::{init, subscriptions, update};
use callbrowser::fixtures::MemoryProvider;
use callbrowser::model::{Page, PageRequest, ProviderId};
use callbrowser::providers::{Health, ProviderError};
use crossterm::event::KeyCode;
use support::*;

#[test]
fn start_loads_agents_then_the_first_agents_calls() {
    let mut s = state_with(vec![MemoryProvider::new("talkpilot", 250).arc()], (160, 45));
    let effects = init(&mut s);
    assert!(matches!(
        effects.as_slice(),
        [Effect::LoadScopes {
            provider: ProviderId(0),
            ..
        }]
    ));
    let msg = answer(&s, &effects[0]).unwrap();
    let next = update(&mut s, msg);
    match next.as_slice() {
        [Effect::LoadCalls { page, scope, .. }] => {
            assert_eq!(*page, PageRequest { page: 1, size: 100 });
            assert_eq!(
                scope.as_deref(),
                Some("550e8400-e29b-41d4-a716-446655440000")
            );
        }
        other => panic!("expected one LoadCalls, got {other:?}"),
    }
    pump(&mut s, next);
    assert_eq!(s.list.rows.calls.len(), 100);
    assert_eq!(s.providers[0].health, Health::Ok);
    assert_eq!(
        callbrowser::ui::list::position_text(&s.list),
        "page 1 of 3 · 1 of 250"
    );
}

#[test]
fn stale_answers_are_dropped() {
    let mut s = loaded(250, (160, 45));
    // Ask for a second agent's calls, then let the answer of an older request arrive.
    s.focus = Focus::Sidebar;
    s.sidebar_cursor = 2; // the second agent
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::LoadCalls { req: current, .. }] = effects.as_slice() else {
        panic!("expected LoadCalls, got {effects:?}")
    };
    let stale = Msg::Calls {
        req: current - 1,
        result: Ok(Page {
            items: callbrowser::fixtures::calls("talkpilot", "x", 5),
            page: 1,
            page_size: 100,
            total_items: Some(5),
            total_pages: Some(1),
            has_more: false,
            unreadable: 0,
        }),
    };
    update(&mut s, stale);
    assert!(
        s.list.rows.calls.is_empty(),
        "an answer for the old agent must not show"
    );
    assert_eq!(s.list.paging.loading, Some(*current));
    pump(&mut s, effects);
    assert_eq!(s.list.rows.calls.len(), 100);

    // A detail answer for a call no longer open is dropped too.
    s.focus = Focus::List;
    let first = key(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('j'));
    let second = key(&mut s, KeyCode::Enter);
    pump(&mut s, first);
    assert!(
        s.detail.detail.is_none(),
        "answer for the first call dropped"
    );
    pump(&mut s, second);
    assert_eq!(
        s.detail.detail.as_ref().unwrap().call.id,
        s.list.selected().unwrap().id
    );
}

#[test]
fn errors_reach_the_status_line_and_the_sidebar() {
    let mut s = loaded(10, (80, 24));
    let effects = key(&mut s, KeyCode::Char('r'));
    let [Effect::LoadCalls { req, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let err = ProviderError::Auth {
        provider: "TalkPilot".into(),
        credential: "API key".into(),
        status: 401,
        code: "UNAUTHORIZED".into(),
        hint: "check TP_KEY".into(),
    };
    update(
        &mut s,
        Msg::Calls {
            req: *req,
            result: Err(err),
        },
    );
    assert!(s.status.is_error);
    assert_eq!(
        s.status.text,
        "TalkPilot rejected the API key (401 UNAUTHORIZED): check TP_KEY"
    );
    assert_eq!(s.providers[0].health, Health::AuthError);
    assert_eq!(s.list.paging.error.as_deref(), Some(s.status.text.as_str()));
    assert!(!s.quit, "the program keeps running");
}

#[test]
fn focus_moves_with_tab_and_back() {
    let mut s = loaded(30, (80, 24));
    assert_eq!(s.focus, Focus::List);
    press(&mut s, KeyCode::Tab);
    assert_eq!(
        s.focus,
        Focus::Sidebar,
        "no call open: Tab cycles sidebar and list"
    );
    press(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, Focus::List);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.focus, Focus::Detail);
    assert!(s.detail.detail.is_some());
    press(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, Focus::Sidebar);
    press(&mut s, KeyCode::BackTab);
    assert_eq!(s.focus, Focus::Detail);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.focus, Focus::List);
    press(&mut s, KeyCode::Char('h'));
    assert_eq!(s.focus, Focus::Sidebar);
}

#[test]
fn paging_prefetches_once_before_the_end() {
    let mut s = loaded(250, (160, 45));
    assert_eq!(s.list.rows.calls.len(), 100);
    // Moving down within the first half of the page asks for nothing.
    let e = key(&mut s, KeyCode::Char('j'));
    assert!(e.is_empty(), "{e:?}");
    s.list.view.cursor = 40;
    let e = key(&mut s, KeyCode::Char('j'));
    assert!(e.is_empty(), "{e:?}");
    // Past half of what is loaded: the next page is fetched, once.
    s.list.view.cursor = 55;
    let e = key(&mut s, KeyCode::Char('j'));
    assert!(
        matches!(
            e.as_slice(),
            [Effect::LoadCalls {
                page: PageRequest { page: 2, .. },
                ..
            }]
        ),
        "{e:?}"
    );
    let again = key(&mut s, KeyCode::Char('j'));
    assert!(
        again.is_empty(),
        "a page already loading is not asked for again: {again:?}"
    );
    pump(&mut s, e);
    assert_eq!(s.list.rows.calls.len(), 200);
    // G goes to the end and keeps loading until there is no more.
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(s.list.rows.calls.len(), 250);
    assert_eq!(s.list.view.cursor, 249);
    assert!(!s.list.paging.has_more);
    assert_eq!(
        callbrowser::ui::list::position_text(&s.list),
        "page 3 of 3 · 250 of 250"
    );
    let e = key(&mut s, KeyCode::Char('j'));
    assert!(e.is_empty(), "nothing after the last page: {e:?}");
}

#[test]
fn transcript_search_counts_and_moves() {
    let mut s = loaded(30, (120, 40));
    s.adapters[0] = {
        let mut p = MemoryProvider::new("talkpilot", 30);
        p.turns = 300;
        p.arc()
    };
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "donnerstag");
    press(&mut s, KeyCode::Enter);
    let n = s.detail.layout.as_ref().unwrap().matches.len();
    assert_eq!(
        n, 90,
        "Donnerstag appears 3 times in each 10-turn round of 300 turns"
    );
    assert_eq!(s.detail.search.current, Some(0));
    press(&mut s, KeyCode::Char('n'));
    assert_eq!(s.detail.search.current, Some(1));
    press(&mut s, KeyCode::Char('N'));
    press(&mut s, KeyCode::Char('N'));
    assert_eq!(
        s.detail.search.current,
        Some(n - 1),
        "N wraps to the last match"
    );
    let (line, _) = s.detail.layout.as_ref().unwrap().matches[n - 1];
    assert!(
        s.detail.scroll <= line && line < s.detail.scroll + 38,
        "the match is on screen"
    );
}

#[test]
fn a_bad_filter_is_an_error_that_lists_what_is_allowed() {
    let mut s = loaded(30, (80, 24));
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "done:maybe");
    let e = key(&mut s, KeyCode::Enter);
    assert!(e.is_empty());
    assert!(
        s.status.is_error && s.status.text.contains("true or false"),
        "{:?}",
        s.status
    );
    assert!(s.input.is_some(), "the input stays open to be fixed");
    for _ in 0..5 {
        press(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "false dur>300");
    let e = key(&mut s, KeyCode::Enter);
    let [Effect::LoadCalls { filter, .. }] = e.as_slice() else {
        panic!("{e:?}")
    };
    assert_eq!(filter.extra.get("done").map(String::as_str), Some("false"));
    assert_eq!(
        s.list.filter.local_keys,
        vec!["dur".to_string()],
        "dur is applied locally"
    );
    pump(&mut s, e);
    assert!(!s.list.rows.visible.is_empty());
    assert!(
        s.list
            .rows
            .visible
            .iter()
            .all(|&i| s.list.rows.calls[i].duration_secs.unwrap() > 300.0)
    );
}

#[test]
fn esc_in_the_list_clears_the_filter() {
    let mut s = loaded(30, (80, 24));
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "done:true");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.list.filter.text, "done:true");
    let e = key(&mut s, KeyCode::Esc);
    assert!(s.list.filter.text.is_empty());
    assert!(
        matches!(e.as_slice(), [Effect::LoadCalls { filter, .. }] if filter.is_empty()),
        "{e:?}"
    );
}

#[test]
fn ctrl_u_clears_the_input_line_as_in_a_shell() {
    let mut s = loaded(30, (80, 24));
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "done:true");
    press(&mut s, KeyCode::Enter);
    // `/` again starts from the filter as it is; C-u drops it before the cursor.
    press(&mut s, KeyCode::Char('/'));
    let e = update(
        &mut s,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    pump(&mut s, e);
    type_text(&mut s, "done:false");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.list.filter.text, "done:false");
}

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
fn a_pinned_parent_opens_directly_titled_with_its_provider() {
    let mut p = MemoryProvider::new("talkpilot", 12);
    let agent = p.scopes[0].clone();
    p.pinned = Some(callbrowser::model::Scope {
        name: agent.id.clone(), // configuration knows only the id
        ..agent.clone()
    });
    let mut s = state_with(vec![p.arc()], (160, 45));
    let e = init(&mut s);
    assert!(
        matches!(e.as_slice(), [Effect::LoadCalls { scope, .. }] if scope.as_deref() == Some(agent.id.as_str())),
        "no parent list is loaded, the pinned agent's calls are: {e:?}"
    );
    pump(&mut s, e);
    assert_eq!(s.list.rows.calls.len(), 12);
    let source = s.list.source.as_ref().unwrap();
    assert_eq!(source.scope_name, format!("TalkPilot · {}", agent.id));
}

#[test]
fn another_parents_calls_close_the_detail_of_the_last_one() {
    let mut s = loaded(30, (160, 45));
    press(&mut s, KeyCode::Enter); // open the first agent's first call
    assert!(s.detail.detail.is_some());
    // A transcript search that found nothing leaves a note on the status line.
    press(&mut s, KeyCode::Char('/'));
    for c in "zzqx".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    press(&mut s, KeyCode::Enter);
    assert!(s.status.text.contains("no match"), "{:?}", s.status);

    // Open the second agent's calls from the sidebar.
    s.focus = Focus::Sidebar;
    s.sidebar_cursor = 2;
    press(&mut s, KeyCode::Enter);
    assert!(s.detail.key.is_none(), "the first agent's call stays open");
    assert!(s.detail.search.query.is_empty());
    assert_eq!(s.focus, Focus::List);
    assert!(s.status.text.is_empty(), "stale note: {:?}", s.status);
}

#[test]
fn what_the_detail_tells_fills_the_list_row() {
    let mut s = loaded(10, (160, 45));
    // As AlloMia's list: no name, no summary, recording unknown until the detail.
    let full = s.list.rows.calls[0].clone();
    let row = &mut s.list.rows.calls[0];
    row.caller_name = None;
    row.summary = None;
    row.has_recording = None;
    press(&mut s, KeyCode::Enter);
    let row = &s.list.rows.calls[0];
    assert_eq!(row.caller_name, full.caller_name);
    assert_eq!(row.summary, full.summary);
    assert!(row.has_recording.is_some());
    // A value the list had is kept as it was.
    assert_eq!(row.caller_number, full.caller_number);
}

#[test]
fn providers_without_a_live_view_say_so() {
    let mut s = loaded(10, (160, 45));
    let effects = key(&mut s, KeyCode::Char('L'));
    assert!(effects.is_empty());
    assert!(s.status.is_error && s.status.text.contains("no live view"));
}

#[test]
fn enter_in_the_sidebar_search_asks_the_server_and_esc_drops_it() {
    let p = MemoryProvider::new("welkin", 10);
    let searches = p.scope_searches.clone();
    let mut s = state_with(vec![p.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    let all = s.providers[0].scopes.items.len();
    assert!(all > 1);
    s.focus = Focus::Sidebar;
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "front");
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        searches.lock().unwrap().last().cloned(),
        Some(Some("front".to_string()))
    );
    assert_eq!(s.providers[0].scopes.query.as_deref(), Some("front"));
    assert_eq!(s.providers[0].scopes.items.len(), 1);
    // Esc in the search line brings the whole list back from the server.
    press(&mut s, KeyCode::Char('/'));
    press(&mut s, KeyCode::Esc);
    assert_eq!(searches.lock().unwrap().last().cloned(), Some(None));
    assert_eq!(s.providers[0].scopes.query, None);
    assert_eq!(s.providers[0].scopes.items.len(), all);
}

#[test]
fn the_first_configured_provider_opens_first_whatever_answers_first() {
    // The second provider has no parent level and could show its calls at once; the first
    // one's first agent still opens, once its agents arrive.
    let first = MemoryProvider::new("a", 20);
    let mut second = MemoryProvider::new("b", 7);
    second.caps.scope_noun = None;
    let mut s = state_with(vec![first.arc(), second.arc()], (160, 45));
    let effects = init(&mut s);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::LoadScopes {
                provider: ProviderId(0),
                ..
            }]
        ),
        "{effects:?}"
    );
    pump(&mut s, effects);
    let src = s.list.source.clone().unwrap();
    assert_eq!(src.provider, ProviderId(0));
    assert_eq!(s.list.rows.calls.len(), 20);
    // Choosing the second provider in the sidebar shows its calls directly.
    s.focus = Focus::Sidebar;
    let row = s
        .sidebar_rows()
        .iter()
        .position(|r| *r == callbrowser::app::state::SidebarRow::Provider(ProviderId(1)))
        .unwrap();
    s.sidebar_cursor = row;
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.list.source.as_ref().unwrap().provider, ProviderId(1));
    assert_eq!(s.list.rows.calls.len(), 7);
}

#[test]
fn reloading_the_detail_shows_the_new_answer_not_the_cached_lines() {
    let mut s = loaded(10, (160, 45));
    press(&mut s, KeyCode::Enter);
    let e = key(&mut s, KeyCode::Char('r'));
    let [Effect::LoadDetail { req, .. }] = e.as_slice() else {
        panic!("{e:?}")
    };
    let mut d = s.detail.detail.clone().unwrap();
    d.call.summary = Some("A SUMMARY CHANGED AT THE VENDOR".into());
    update(
        &mut s,
        Msg::Detail {
            req: *req,
            result: Box::new(Ok(d)),
        },
    );
    let lines = &s.detail.layout.as_ref().unwrap().lines;
    assert!(
        lines
            .iter()
            .any(|l| l.to_string().contains("A SUMMARY CHANGED AT THE VENDOR")),
        "the reloaded detail is laid out again"
    );
}

#[test]
fn a_filter_change_on_local_keys_only_refilters_the_loaded_pages() {
    let mut s = loaded(250, (160, 45));
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(s.list.rows.calls.len(), 250, "every page loaded");
    // dur is applied locally by this provider: no request, every loaded page kept.
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "dur>600");
    let e = key(&mut s, KeyCode::Enter);
    assert!(e.is_empty(), "no request for a local-only change: {e:?}");
    assert_eq!(s.list.rows.calls.len(), 250);
    let shown = s.list.rows.visible.len();
    assert!(shown > 0 && shown < 250, "{shown}");
    assert!(
        s.status.text.contains("applied to loaded calls"),
        "{}",
        s.status.text
    );
    // Esc drops it, again without a request.
    let e = key(&mut s, KeyCode::Esc);
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(s.list.rows.visible.len(), 250);
    // A server key (done:) does ask again, from page 1.
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "done:false");
    let e = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(e.as_slice(), [Effect::LoadCalls { page, .. }] if page.page == 1),
        "{e:?}"
    );
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
fn a_resize_never_leaves_the_detail_pane_blank() {
    let mut s = state_with(
        vec![{
            let mut p = MemoryProvider::new("talkpilot", 30);
            p.turns = 471;
            p.arc()
        }],
        (100, 40),
    );
    let e = init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('G'));
    let before = s.detail.layout.as_ref().unwrap().lines.len();
    assert!(s.detail.scroll > before / 2, "at the end");
    update(&mut s, Msg::Resize(200, 50));
    let lines = s.detail.layout.as_ref().unwrap().lines.len();
    assert!(lines < before, "a wider pane has fewer lines");
    let rows = s.areas().detail_rows();
    assert!(
        s.detail.scroll + rows <= lines.max(rows),
        "scroll {} of {lines} lines in {rows} rows",
        s.detail.scroll
    );
    assert!(s.detail.scroll > 0, "still near the end, where it was");
}

/// A provider whose server claims a billion pages and sends the same page again and again.
struct Repeating(MemoryProvider);

#[async_trait::async_trait]
impl callbrowser::providers::Provider for Repeating {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn account(&self) -> &callbrowser::model::Account {
        self.0.account()
    }
    fn label(&self) -> &str {
        self.0.label()
    }
    fn kind(&self) -> callbrowser::model::ProviderKind {
        self.0.kind()
    }
    fn capabilities(&self) -> &callbrowser::model::Capabilities {
        self.0.capabilities()
    }
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<callbrowser::model::Scope>, ProviderError> {
        self.0.list_scopes(search, page).await
    }
    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &callbrowser::model::Filter,
        page: PageRequest,
    ) -> Result<Page<callbrowser::model::Call>, ProviderError> {
        // Page 1 again and again; or (turns = 0) real pages, then empty ones.
        let asked = if self.0.turns == 0 {
            page
        } else {
            PageRequest { page: 1, ..page }
        };
        let mut p = self.0.list_calls(scope, filter, asked).await?;
        p.page = page.page;
        p.total_pages = Some(1_000_000_000);
        p.total_items = Some(100_000_000_000);
        p.has_more = true;
        if page.page >= 3 && self.0.turns == 0 {
            p.items.clear(); // empty pages that claim more
        }
        Ok(p)
    }
    async fn get_call(
        &self,
        scope: Option<&str>,
        id: &str,
    ) -> Result<callbrowser::model::CallDetail, ProviderError> {
        self.0.get_call(scope, id).await
    }
    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from: u64,
    ) -> Result<callbrowser::providers::RecordingStream, ProviderError> {
        self.0.open_recording(scope, id, from).await
    }
    async fn check(&self) -> Result<String, ProviderError> {
        self.0.check().await
    }
}

fn repeating(empty_from_page_3: bool, calls: usize) -> support::World {
    let mut p = MemoryProvider::new("talkpilot", calls);
    if empty_from_page_3 {
        p.turns = 0;
    }
    let mut s = state_with(vec![std::sync::Arc::new(Repeating(p))], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    s
}

#[test]
fn g_stops_when_the_server_repeats_a_page_or_sends_empty_ones() {
    // The same page again: stopped after it, with the reason on screen.
    let mut s = repeating(false, 100);
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(s.list.rows.calls.len(), 100);
    assert!(!s.list.paging.has_more && !s.list.paging.follow_end);
    assert_eq!(
        s.list.paging.stopped,
        Some(callbrowser::model::PagingStop::Repeated { page: 2 })
    );
    assert!(
        s.status.text.contains("page 2 brought no new calls"),
        "{}",
        s.status.text
    );
    // Empty pages while claiming more: stopped at the first.
    let mut s = repeating(true, 250);
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(
        s.list.paging.stopped,
        Some(callbrowser::model::PagingStop::EmptyButMore { page: 3 })
    );
}

#[test]
fn g_stops_at_the_configured_cap_shows_progress_and_esc_stops_it() {
    let mut s = loaded(250, (160, 45));
    s.max_list_calls = 150;
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(
        s.list.rows.calls.len(),
        200,
        "the page that crossed the cap is kept"
    );
    assert_eq!(
        s.list.paging.stopped,
        Some(callbrowser::model::PagingStop::Full { max: 150 })
    );
    assert!(
        s.status.text.contains("max_list_calls"),
        "{}",
        s.status.text
    );

    // While G loads, the title says how far it got, and Esc stops it (keeping the rows).
    let mut s = loaded(250, (160, 45));
    let e = key(&mut s, KeyCode::Char('G'));
    assert!(s.list.paging.follow_end);
    let title = callbrowser::ui::list::title_text(&s);
    assert!(title.contains("loading every page: 100 calls"), "{title}");
    assert!(title.contains("Esc stops"), "{title}");
    let esc = key(&mut s, KeyCode::Esc);
    assert!(esc.is_empty());
    pump(&mut s, e); // the answer in flight is dropped
    assert_eq!(s.list.rows.calls.len(), 100);
    assert!(!s.list.paging.follow_end && s.list.paging.has_more);
    assert!(
        s.status.text.contains("stopped loading at 100 calls"),
        "{}",
        s.status.text
    );
}

#[test]
fn a_sidebar_search_belongs_to_the_provider_it_was_started_on() {
    // The first provider has parents (agents); the second none, right below it.
    let first = MemoryProvider::new("a", 20);
    let mut second = MemoryProvider::new("b", 7);
    second.caps.scope_noun = None;
    let searches = first.scope_searches.clone();
    let mut s = state_with(vec![first.arc(), second.arc()], (160, 45));
    let e = init(&mut s);
    pump(&mut s, e);
    press(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, Focus::Sidebar);
    press(&mut s, KeyCode::Char('/'));
    // Typing what matches none of the loaded agents keeps the cursor with this provider.
    type_text(&mut s, "mrn:MRN-00848");
    assert_eq!(s.sidebar_provider(), Some(ProviderId(0)));
    let e = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(e.as_slice(), [Effect::LoadScopes { provider: ProviderId(0), search: Some(q), .. }] if q == "mrn:MRN-00848"),
        "Enter asks the provider's server: {e:?}"
    );
    pump(&mut s, e);
    assert_eq!(s.sidebar_provider(), Some(ProviderId(0)));
    // The same search again asks again (the server's data may have changed).
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "mrn:MRN-00848");
    let e = key(&mut s, KeyCode::Enter);
    assert!(matches!(e.as_slice(), [Effect::LoadScopes { .. }]), "{e:?}");
    pump(&mut s, e);
    assert_eq!(
        searches
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.as_deref() == Some("mrn:MRN-00848"))
            .count(),
        2
    );
}
