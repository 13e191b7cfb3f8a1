//! `update` as the runtime drives it: stale answers dropped, errors shown, focus and paging.

mod support;

use callbrowser::app::msg::{Effect, Msg};
use callbrowser::app::state::{Focus, SidebarRow};
use callbrowser::app::update::{init, update};
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
    s.sidebar_to(SidebarRow::Scope(ProviderId::new(0), 1)); // the second agent
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
    // A reload (`r`) that fails keeps what was loaded; the error is on the status line.
    assert!(s.status.is_error);
    assert_eq!(
        s.status.text,
        "reload failed, showing what was loaded before: \
         TalkPilot rejected the API key (401 UNAUTHORIZED): check TP_KEY"
    );
    assert_eq!(s.providers[0].health, Health::AuthError);
    assert_eq!(s.list.rows.calls.len(), 10);
    assert_eq!(s.list.paging.error, None);
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
    s.sidebar_to(SidebarRow::Scope(ProviderId::new(0), 1));
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
fn with_two_providers_the_program_opens_on_all_calls() {
    // The second provider has no parent level; the first lists its calls under agents. The
    // program opens on All calls, holding both providers' calls newest first.
    let first = MemoryProvider::new("a", 20);
    let mut second = MemoryProvider::new("b", 7);
    second.caps.scope_noun = None;
    let mut s = state_with(vec![first.arc(), second.arc()], (160, 45));
    let effects = init(&mut s);
    assert_eq!(
        s.sidebar_rows().get(s.sidebar_cursor),
        Some(&callbrowser::app::state::SidebarRow::AllCalls)
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadMerged { .. })),
        "{effects:?}"
    );
    pump(&mut s, effects);
    assert!(s.list.merged.is_some());
    assert_eq!(s.list.rows.calls.len(), 27);
    let times: Vec<_> = s.list.rows.calls.iter().map(|c| c.started_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
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
fn a_single_providers_list_skips_the_provider_column_when_sorting() {
    let mut s = loaded(30, (120, 30));
    let mut seen = Vec::new();
    for _ in 0..6 {
        press(&mut s, KeyCode::Char('o'));
        seen.push(s.list.sort.column);
    }
    use callbrowser::model::sort::SortColumn::*;
    assert_eq!(seen, [Duration, Caller, Status, Triage, Time, Duration]);
}
