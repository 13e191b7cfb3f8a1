//! Sorting on the server where the API can (issue 12): AlloMia's list takes `sort` (time and
//! duration, both directions). In an organization's list with more pages than loaded, `o`/`O`
//! load the list again in that order from the server, so its first page holds the longest (or
//! shortest) calls of the whole organization, not of the pages loaded; a column the server
//! cannot sort by gives the server's own order back and sorts what is loaded.

mod support;

use callbrowser::app::state::SidebarRow;
use callbrowser::demo::Demo;
use callbrowser::model::sort::SortColumn;
use callbrowser_emulators::EmulatorOptions;
use crossterm::event::KeyCode;
use support::program::program;

fn durations(p: &support::program::Program) -> Vec<f64> {
    let rows = &p.state.list.rows;
    rows.visible
        .iter()
        .map(|&i| rows.calls[i].duration_secs.unwrap_or(-1.0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allomia_sorts_by_duration_on_its_server_and_pages_on_in_that_order() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let cfg = demo.config();
    let only = cfg
        .providers
        .iter()
        .position(|p| p.name.as_ref() == "allomia");
    let mut p = program(&cfg, only).await;
    let effects = callbrowser::app::update::init(&mut p.state);
    p.run(effects);
    p.until("an organization's first page", |s| {
        s.list.source.is_some() && !s.list.rows.visible.is_empty() && s.list.paging.has_more
    })
    .await;
    let org = p.state.list.source.clone().unwrap().scope.unwrap();
    let mut all: Vec<f64> = demo
        .allomia
        .call_facts()
        .iter()
        .filter(|c| c.organization_id == org)
        .map(|c| f64::from(c.duration_secs))
        .collect();
    all.sort_by(|a, b| b.total_cmp(a));
    let loaded = p.shown();
    assert!(loaded < all.len(), "more pages than loaded");

    // `o`: duration, longest first — from the server, the organization's longest calls.
    p.press(KeyCode::Char('o'));
    assert_eq!(p.state.list.sort.column, SortColumn::Duration);
    assert_eq!(p.state.list.filter.text, "sort:duration_desc");
    assert!(
        p.state.status.text.contains("on AlloMia's server"),
        "{}",
        p.state.status.text
    );
    p.until("the first page in duration order", |s| {
        !s.list.rows.visible.is_empty()
    })
    .await;
    let got = durations(&p);
    assert_eq!(
        got,
        all[..got.len()].to_vec(),
        "the longest calls of the organization"
    );
    // Paging on continues in that order, no call twice.
    p.press(KeyCode::Char('G'));
    p.until("every page", |s| {
        !s.list.paging.has_more && s.list.paging.loading.is_none()
    })
    .await;
    assert_eq!(durations(&p), all);

    // `O`: shortest first, from the server again.
    p.press(KeyCode::Char('O'));
    assert_eq!(p.state.list.filter.text, "sort:duration_asc");
    p.until("the shortest calls", |s| !s.list.rows.visible.is_empty())
        .await;
    let got = durations(&p);
    let mut asc = all.clone();
    asc.reverse();
    assert_eq!(got, asc[..got.len()].to_vec());

    by_caller_then_elsewhere(&mut p, &org).await;
}

/// `o` to the caller column (no server sorts by it), then a sort chosen in one list carried to
/// the next organization (sorted by its server) and to "all organizations" (merged: sorted here).
async fn by_caller_then_elsewhere(p: &mut support::program::Program, org: &str) {
    // `o` again: the caller column, which no server sorts by: the server's own order comes
    // back (the key leaves the filter line) and what is loaded is sorted here.
    p.press(KeyCode::Char('o'));
    assert_eq!(p.state.list.sort.column, SortColumn::Caller);
    assert_eq!(p.state.list.filter.text, "");
    p.until("the list newest first from the server", |s| {
        !s.list.rows.visible.is_empty() && s.list.paging.loading.is_none()
    })
    .await;
    let rows = &p.state.list.rows;
    let callers: Vec<String> = rows
        .visible
        .iter()
        .map(|&i| {
            let c = &rows.calls[i];
            c.caller_name
                .clone()
                .or(c.caller_number.clone())
                .unwrap_or_default()
                .to_lowercase()
        })
        .collect();
    // Ascending; calls without a caller last.
    let known = callers.iter().take_while(|c| !c.is_empty()).count();
    assert!(
        known > 0 && callers[known..].iter().all(String::is_empty),
        "{callers:?}"
    );
    assert!(
        callers[..known].windows(2).all(|w| w[0] <= w[1]),
        "{callers:?}"
    );

    // A sort chosen elsewhere goes with the user: back to duration, then the next
    // organization opens sorted by its server; "all organizations" (merged, sorted here) takes
    // the key out of its filter line.
    p.state.list.sort = callbrowser::model::sort::Sort::parse("duration").unwrap();
    p.state.focus = callbrowser::app::state::Focus::Sidebar;
    p.state
        .sidebar_to(SidebarRow::Scope(callbrowser::model::ProviderId(0), 1));
    p.press(KeyCode::Enter);
    assert_ne!(
        p.state.list.source.as_ref().unwrap().scope.as_deref(),
        Some(org)
    );
    assert_eq!(p.state.list.filter.text, "sort:duration_desc");
    p.until("the next organization's longest calls", |s| {
        !s.list.rows.visible.is_empty()
    })
    .await;
    let got = durations(p);
    assert!(got.windows(2).all(|w| w[0] >= w[1]), "{got:?}");
    p.state.focus = callbrowser::app::state::Focus::Sidebar;
    p.state
        .sidebar_to(SidebarRow::AllScopes(callbrowser::model::ProviderId(0)));
    p.press(KeyCode::Enter);
    assert!(p.state.list.merged.is_some());
    assert_eq!(p.state.list.filter.text, "");
}
