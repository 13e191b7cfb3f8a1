//! All calls on screen: the sidebar's first row merges every provider's every parent newest
//! first (each call once, a provider column), pages come as the cursor needs them, `o`/`O` sort,
//! the filter runs on every source, a failing provider is said in the border while the others
//! stay; snapshots at 60×20, 80×24 and 160×45.

mod support;

use std::sync::Arc;

use callbrowser::app::msg::Effect;
use callbrowser::app::state::{Focus, SidebarRow, State};
use callbrowser::fixtures::MemoryProvider;
use callbrowser::model::inbox::Ask;
use callbrowser::model::sort::{Sort, SortColumn};
use callbrowser::providers::Provider;
use chrono::Duration;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::*;

fn render(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.size.0, s.size.1)).unwrap();
    t.draw(|f| callbrowser::ui::draw(f, s)).unwrap();
    format!("{}", t.backend())
}

/// Two providers: "welkin" with 300 calls, "voxeme" with 130 calls 11 minutes later each.
fn two(size: (u16, u16)) -> World {
    let a = MemoryProvider::new("welkin", 300);
    let mut b = MemoryProvider::new("voxeme", 130);
    for c in &mut b.calls {
        c.started_at = c.started_at.map(|t| t - Duration::minutes(11));
        c.caller_name = c.caller_name.as_ref().map(|n| format!("{n} (B)"));
    }
    let ps: Vec<Arc<dyn Provider>> = vec![a.arc(), b.arc()];
    let mut s = state_with(ps, size);
    let e = callbrowser::app::update::init(&mut s);
    pump(&mut s, e);
    s
}

fn open_all_calls(s: &mut World) {
    s.focus = Focus::Sidebar;
    assert_eq!(s.sidebar_rows()[0], SidebarRow::AllCalls);
    s.sidebar_cursor = 0;
    press(s, KeyCode::Enter);
}

fn assert_merged_order(s: &State) {
    let rows = &s.list.rows;
    let times: Vec<_> = rows
        .visible
        .iter()
        .map(|&i| rows.calls[i].started_at)
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let mut seen = std::collections::HashSet::new();
    for &i in &rows.visible {
        assert!(
            seen.insert((rows.origin[i], rows.calls[i].id.clone())),
            "a call twice"
        );
    }
}

#[test]
fn all_calls_merges_every_provider_newest_first_and_pages_as_needed() {
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    assert_eq!(s.focus, Focus::List);
    assert!(s.list.merged.is_some());
    let loaded = s.list.rows.visible.len();
    // Only what the screen and a page more need: not every call.
    assert!((30..430).contains(&loaded), "{loaded}");
    assert_merged_order(&s);
    let origins: std::collections::HashSet<_> = s.list.rows.origin.iter().collect();
    assert_eq!(origins.len(), 2, "both providers in the first rows");
    let title = callbrowser::ui::list::title_text(&s);
    assert!(title.contains("All calls"), "{title}");
    // G: every call, each once (the three agents of each list the same calls).
    press(&mut s, KeyCode::Char('G'));
    assert_eq!(s.list.rows.visible.len(), 430);
    assert_merged_order(&s);
    assert_eq!(s.list.view.cursor, 429);
    assert!(!s.list.paging.has_more);
    // Enter opens the detail through the call's own provider.
    press(&mut s, KeyCode::Char('g'));
    press(&mut s, KeyCode::Enter);
    let key = s.detail.key.clone().expect("a call opened");
    let origin = s.list.rows.origin[s.list.rows.visible[0]];
    assert_eq!(key.provider, origin);
}

#[test]
fn sorting_keeps_the_cursor_on_its_call_and_shows_in_the_header() {
    let mut s = two((120, 30));
    open_all_calls(&mut s);
    press(&mut s, KeyCode::Char('G'));
    press(&mut s, KeyCode::Char('g'));
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Char('j'));
    let on = s.list.selected().unwrap().id.clone();
    press(&mut s, KeyCode::Char('o'));
    assert_eq!(
        s.list.sort,
        Sort {
            column: SortColumn::Duration,
            descending: true
        }
    );
    assert_eq!(
        s.list.selected().unwrap().id,
        on,
        "the cursor stays on its call"
    );
    let rows = &s.list.rows;
    let d: Vec<f64> = rows
        .visible
        .iter()
        .map(|&i| rows.calls[i].duration_secs.unwrap())
        .collect();
    assert!(d.windows(2).all(|w| w[0] >= w[1]));
    let screen = render(&s);
    assert!(screen.contains("Dur▼"), "{screen}");
    press(&mut s, KeyCode::Char('O'));
    assert!(render(&s).contains("Dur▲"));
    assert!(
        s.status.text.contains("sorted by duration:asc"),
        "{}",
        s.status.text
    );
}

#[test]
fn a_local_filter_runs_on_loaded_calls_without_a_request() {
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    press(&mut s, KeyCode::Char('G'));
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "dur>10m");
    let effects = key(&mut s, KeyCode::Enter);
    // `dir:` is no server filter of these providers: no request, the loaded calls filtered.
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::LoadMerged {
                ask: Ask::Calls { .. },
                ..
            }
        )),
        "{effects:?}"
    );
    pump(&mut s, effects);
    let n = s.list.rows.visible.len();
    assert!((1..430).contains(&n), "{n}");
    // A server filter starts the merge over with it.
    press(&mut s, KeyCode::Char('/'));
    for _ in 0..7 {
        press(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "done:false");
    let effects = key(&mut s, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadMerged { .. })),
        "{effects:?}"
    );
}

#[test]
fn snapshots_of_all_calls() {
    for size in [(60, 20), (80, 24), (160, 45)] {
        let mut s = two(size);
        open_all_calls(&mut s);
        insta::assert_snapshot!(format!("all_calls_{}x{}", size.0, size.1), render(&s));
        press(&mut s, KeyCode::Char('o'));
        insta::assert_snapshot!(
            format!("all_calls_by_duration_{}x{}", size.0, size.1),
            render(&s)
        );
    }
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "dur>10m");
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!("all_calls_filtered_100x30", render(&s));
    // Privacy mode, for sharing the screen: initials, the last two digits, no summaries.
    for size in [(60, 20), (80, 24), (160, 45)] {
        let mut s = two(size);
        open_all_calls(&mut s);
        press(&mut s, KeyCode::Char('P'));
        let screen = render(&s);
        assert!(
            !screen.contains("Müller") && !screen.contains("+4917"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("all_calls_privacy_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn b_hides_the_sidebar_and_the_detail_says_when_the_cursor_left_its_call() {
    let mut s = two((160, 45));
    open_all_calls(&mut s);
    let list_w = s.areas().list.unwrap().width;
    press(&mut s, KeyCode::Char('b'));
    assert!(s.sidebar_hidden);
    assert_eq!(s.areas().sidebar.width, 0);
    assert!(
        s.areas().list.unwrap().width > list_w,
        "the list takes the room"
    );
    // Tab no longer stops in the hidden sidebar; h (back) shows it again.
    press(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, Focus::List);
    press(&mut s, KeyCode::Char('h'));
    assert!(!s.sidebar_hidden);
    assert_eq!(s.focus, Focus::Sidebar);
    // Open a call, back to the list, move: the detail says it shows another call.
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Enter);
    let id = s.detail.key.clone().unwrap().id;
    assert!(
        render(&s).contains(&format!(" id {id} ")),
        "the id the CLI takes"
    );
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('j'));
    assert!(render(&s).contains("another call than the row under the cursor"));
}

#[test]
fn r_keeps_the_cursor_on_its_call_and_a_failed_reload_keeps_the_rows() {
    use callbrowser::app::msg::Msg;
    use callbrowser::providers::ProviderError;
    let mut s = loaded(250, (160, 45));
    s.focus = Focus::List;
    for _ in 0..5 {
        press(&mut s, KeyCode::Char('j'));
    }
    let on = s.list.selected().unwrap().id.clone();
    let loaded = s.list.rows.calls.len();
    let effects = key(&mut s, KeyCode::Char('r'));
    let [Effect::LoadCalls { req, .. }] = effects.as_slice() else {
        panic!("expected one LoadCalls, got {effects:?}")
    };
    let offline = ProviderError::Offline {
        provider: "TalkPilot".into(),
        cause: "connection refused".into(),
    };
    let _ = callbrowser::app::update::update(
        &mut s,
        Msg::Calls {
            req: *req,
            result: Err(offline),
        },
    );
    assert_eq!(s.list.rows.calls.len(), loaded, "the loaded rows stay");
    assert_eq!(s.list.selected().unwrap().id, on);
    assert!(s.status.text.contains("reload failed"), "{:?}", s.status);
    assert!(
        s.list.paging.error.is_none(),
        "a note, not the list's error"
    );
    // A reload that works keeps the cursor on the same call.
    press(&mut s, KeyCode::Char('r'));
    assert_eq!(s.list.selected().unwrap().id, on);
    // All calls: the same after r.
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    for _ in 0..7 {
        press(&mut s, KeyCode::Char('j'));
    }
    let on = (
        s.list.selected_origin(),
        s.list.selected().unwrap().id.clone(),
    );
    press(&mut s, KeyCode::Char('r'));
    assert_eq!(
        (
            s.list.selected_origin(),
            s.list.selected().unwrap().id.clone()
        ),
        on
    );
    // All calls while every provider is offline: the rows stay, the cursor on its call, and
    // the failure is a note.
    let loaded = s.list.rows.calls.len();
    let before = render(&s);
    let mut effects = key(&mut s, KeyCode::Char('r'));
    assert_eq!(s.list.rows.calls.len(), 0, "reloading");
    // The rows stay on screen while it reloads (the title says what it is doing).
    let during = render(&s);
    let rows = |t: &str| {
        t.lines()
            .skip(3)
            .take(8)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let row_text = |v: Vec<String>| {
        v.iter()
            .map(|l| l.split("││").nth(1).unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(row_text(rows(&during)), row_text(rows(&before)), "{during}");
    while !effects.is_empty() {
        let e = effects.remove(0);
        let Effect::LoadMerged { generation, ask } = e else {
            continue;
        };
        let offline = |p: &str| ProviderError::Offline {
            provider: p.into(),
            cause: "connection refused".into(),
        };
        let msg = match ask {
            Ask::Scopes { provider, .. } => Msg::MergedScopes {
                generation,
                provider,
                result: Err(offline("x")),
            },
            Ask::Calls {
                source, provider, ..
            } => Msg::MergedCalls {
                generation,
                source,
                provider,
                result: Err(offline("x")),
            },
        };
        effects.extend(callbrowser::app::update::update(&mut s, msg));
    }
    assert_eq!(s.list.rows.calls.len(), loaded, "the loaded rows stay");
    assert_eq!(
        (
            s.list.selected_origin(),
            s.list.selected().unwrap().id.clone()
        ),
        on
    );
    assert!(s.status.text.contains("reload failed"), "{:?}", s.status);
}

#[test]
fn y_copies_the_open_calls_id_and_says_the_terminal_may_ignore_it() {
    let mut s = loaded(30, (160, 45));
    s.focus = Focus::List;
    press(&mut s, KeyCode::Enter);
    let id = s.detail.key.clone().unwrap().id;
    let effects = key(&mut s, KeyCode::Char('y'));
    assert_eq!(effects, vec![Effect::Copy(id.clone())]);
    assert!(
        s.status.text.contains(&format!("copied {id}")),
        "{:?}",
        s.status
    );
    assert!(s.status.text.contains("ignores it"));
    // In the list, the call under the cursor.
    s.focus = Focus::List;
    press(&mut s, KeyCode::Char('j'));
    let under = s.list.selected().unwrap().id.clone();
    assert_ne!(under, id);
    let effects = key(&mut s, KeyCode::Char('y'));
    assert_eq!(effects, vec![Effect::Copy(under)]);
}

#[test]
fn a_filter_on_loaded_calls_pulls_pages_until_it_finds_enough_or_the_end() {
    // Whatever the sort: sorted by status, a search still reads on until it has enough.
    for sorted in [false, true] {
        let mut s = two((100, 30));
        open_all_calls(&mut s);
        if sorted {
            for _ in 0..3 {
                press(&mut s, KeyCode::Char('o'));
            }
            assert_eq!(s.list.sort.column, SortColumn::Status);
        }
        // The 251st call of the first provider is the only one with this number.
        press(&mut s, KeyCode::Char('/'));
        type_text(&mut s, "phone:+491701979750");
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.list.rows.visible.len(), 1, "sorted: {sorted}");
        assert!(!s.list.paging.has_more, "every page was read");
    }
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "phone:+491701979750");
    press(&mut s, KeyCode::Enter);
    assert!(s.list.paging.loading.is_none());
    // Nothing matches: the list says so, not "loading…".
    press(&mut s, KeyCode::Char('/'));
    for _ in 0..30 {
        press(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "phone:+4917099");
    press(&mut s, KeyCode::Enter);
    assert!(s.list.rows.visible.is_empty());
    let screen = render(&s);
    assert!(screen.contains("No calls match."), "{screen}");
}

#[test]
fn esc_clears_a_filter_on_loaded_calls_and_keeps_every_page() {
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    press(&mut s, KeyCode::Char('G'));
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "dur>10m");
    press(&mut s, KeyCode::Enter);
    assert!(s.list.rows.visible.len() < 430);
    let effects = key(&mut s, KeyCode::Esc);
    assert!(effects.is_empty(), "no request: {effects:?}");
    assert_eq!(s.list.rows.visible.len(), 430);
}

#[test]
fn a_sort_by_another_column_loads_no_more_pages_by_itself() {
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    let loaded = s.list.rows.calls.len();
    press(&mut s, KeyCode::Char('o'));
    press(&mut s, KeyCode::Char('O'));
    press(&mut s, KeyCode::Char('G'));
    // G loads everything, sorted; before it the sort kept to what was loaded.
    assert_eq!(s.list.rows.calls.len(), 430);
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    press(&mut s, KeyCode::Char('o'));
    for _ in 0..3 {
        press(&mut s, KeyCode::Char('O'));
    }
    press(&mut s, KeyCode::PageDown);
    assert_eq!(s.list.rows.calls.len(), loaded, "no page pulled by moving");
    assert!(
        s.status
            .text
            .contains(&format!("over the {loaded} calls loaded")),
        "{:?}",
        s.status
    );
}

#[test]
fn filtering_a_sorted_list_keeps_the_order_a_fresh_sort_gives() {
    let mut s = two((100, 30));
    open_all_calls(&mut s);
    press(&mut s, KeyCode::Char('G'));
    // Sorted by caller, then filtered and unfiltered: always the order a fresh sort gives.
    s.list.sort = Sort::parse("caller").unwrap();
    press(&mut s, KeyCode::Char('O'));
    assert_eq!(s.list.sort, Sort::parse("caller:desc").unwrap());
    let fresh = |s: &State| {
        let mut rows = s.list.rows.visible.clone();
        let calls = &s.list.rows.calls;
        callbrowser::model::sort::sort_rows(
            &mut rows,
            calls,
            s.list.sort,
            &|_| String::new(),
            &|_| None,
        );
        rows
    };
    assert_eq!(s.list.rows.visible, fresh(&s));
    let all = s.list.rows.visible.len();
    for text in ["dur>10m", "dur>2m"] {
        press(&mut s, KeyCode::Char('/'));
        for _ in 0..10 {
            press(&mut s, KeyCode::Backspace);
        }
        type_text(&mut s, text);
        let e = key(&mut s, KeyCode::Enter);
        pump(&mut s, e);
        let n = s.list.rows.visible.len();
        assert!((1..all).contains(&n), "{text}: {n} of {all}");
        assert_eq!(s.list.rows.visible, fresh(&s), "{text}");
    }
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.list.rows.visible.len(), all);
    assert_eq!(s.list.rows.visible, fresh(&s));
}
