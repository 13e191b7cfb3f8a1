//! Issue 12's request counts as a person scrolls: the program's own update loop and job runner
//! (concurrent tasks, the rate-paced providers `setup::build` makes) against the five emulators
//! over loopback. All calls is opened the way the program opens, then scrolled through with `j`,
//! one key at a time, until the cursor stands on the 1,000th merged call. The emulators' own
//! request logs must show no page of calls asked twice, every provider inside its documented
//! limits and no request refused.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use callbrowser::app::state::SidebarRow;
use callbrowser::app::update::init;
use callbrowser::demo::Demo;
use callbrowser_emulators::{EmulatorOptions, RecordedRequest};
use crossterm::event::KeyCode;
use support::program::program;

/// A request's page identity: path and query, the parameters in a fixed order.
fn page_of(r: &RecordedRequest) -> String {
    let mut q = r.query.clone();
    q.sort();
    format!("{} {} {q:?}", r.method, r.path)
}

fn lists_calls(r: &RecordedRequest) -> bool {
    r.method == "GET" && (r.path.ends_with("/calls") || r.path.ends_with("/RecentCalls"))
}

fn paths(log: &[RecordedRequest]) -> Vec<&str> {
    let mut p: Vec<&str> = log.iter().map(|r| r.path.as_str()).collect();
    p.sort();
    p.dedup();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrolling_through_1000_merged_calls_asks_no_page_twice_inside_every_limit() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let mut p = program(&demo.config(), None).await;
    let effects = init(&mut p.state);
    p.run(effects);
    assert_eq!(
        p.state.sidebar_rows().get(p.state.sidebar_cursor),
        Some(&SidebarRow::AllCalls),
        "the program opens on All calls"
    );
    let started = Instant::now();
    while p.shown() < 2 {
        assert!(p.answers(Duration::from_secs(20)).await > 0, "no answer");
    }
    // One key at a time, as a person scrolls: what has arrived is taken in after every key;
    // the test waits only when the cursor stands on the last loaded call.
    while p.state.list.view.cursor < 999 {
        p.press(KeyCode::Char('j'));
        p.answers(Duration::ZERO).await;
        while p.state.list.view.cursor + 1 >= p.shown() {
            assert!(
                p.answers(Duration::from_secs(30)).await > 0,
                "the list stopped at {} calls: {}",
                p.shown(),
                p.state.status.text
            );
        }
    }
    let took = started.elapsed();
    assert_eq!(p.state.list.view.cursor, 999);
    let rows = &p.state.list.rows;
    let times: Vec<_> = rows
        .visible
        .iter()
        .map(|&i| rows.calls[i].started_at)
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let mut ids: Vec<_> = rows
        .visible
        .iter()
        .map(|&i| (rows.origin[i], rows.calls[i].id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rows.visible.len(), "a call shown twice");

    let logs = [
        ("Welkin", demo.welkin.requests()),
        ("Solum", demo.solum.requests()),
        ("TalkPilot", demo.talkpilot.requests()),
        ("Voxeme", demo.voxeme.requests()),
        ("AlloMia", demo.allomia.api_requests()),
    ];
    let mut counts = Vec::new();
    for (name, log) in &logs {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for r in log.iter().filter(|r| lists_calls(r)) {
            *seen.entry(page_of(r)).or_default() += 1;
        }
        assert!(
            !seen.is_empty(),
            "{name}: no page of calls asked: {:?}",
            paths(log)
        );
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "{name}: pages asked twice: {twice:?}");
        let refused: Vec<_> = log.iter().filter(|r| r.status == 429).collect();
        assert!(refused.is_empty(), "{name}: rate limited: {refused:?}");
        counts.push((name, log.len(), seen.len()));
    }
    // TalkPilot allows 60 requests a minute and Voxeme 100: the pacing keeps every provider's
    // requests in any minute under its limit (the emulators would have answered 429 above).
    let per_minute = |log: &[RecordedRequest]| log.len();
    assert!(per_minute(&logs[2].1) <= 60 || took > Duration::from_secs(60));
    assert!(per_minute(&logs[3].1) <= 100 || took > Duration::from_secs(60));
    eprintln!("scrolled 1,000 merged calls in {took:?}; requests (all, call pages): {counts:?}");
}

/// One number's calls across every provider, found by the filter line in All calls whatever the
/// sort (the tmux trial found a sorted All calls stopping at the first matches).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_is_found_across_providers_in_any_sort() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let number = "+14155550108";
    let want = {
        let cfg = demo.config();
        let mut n = 0;
        for i in 0..cfg.providers.len() {
            let b = callbrowser::setup::build(&cfg, i, None).await.unwrap();
            let p = b.provider.unwrap();
            let f = callbrowser::model::Filter::parse_at(
                &format!("phone:{number}"),
                p.capabilities(),
                chrono::Utc::now(),
                callbrowser::model::TimeZoneSetting::Utc,
            )
            .unwrap();
            let taking = vec![callbrowser::providers::merged::Taking {
                id: callbrowser::model::ProviderId(0),
                provider: p,
                filter: f,
                scope_search: None,
            }];
            n += callbrowser::providers::merged::merge(&taking, None, usize::MAX)
                .await
                .calls
                .len();
        }
        n
    };
    assert!(want > 10, "{want}");
    for sorts in [0, 3] {
        let mut p = program(&demo.config(), None).await;
        let effects = init(&mut p.state);
        p.run(effects);
        p.until("All calls", |s| s.list.rows.visible.len() > 5)
            .await;
        for _ in 0..sorts {
            p.press(KeyCode::Char('o'));
        }
        p.press(KeyCode::Char('/'));
        for c in format!("phone:{number}").chars() {
            p.press(KeyCode::Char(c));
        }
        p.press(KeyCode::Enter);
        p.until("the search to end", |s| {
            s.list.paging.loading.is_none() && s.list.rows.visible.len() >= want
                || !s.list.paging.has_more && s.list.paging.loading.is_none()
        })
        .await;
        // Settle: no answer pending.
        while p.answers(Duration::from_millis(300)).await > 0 {}
        assert_eq!(
            p.state.list.rows.visible.len(),
            want,
            "sorted {sorts} times: {}",
            p.state.status.text
        );
    }
}
