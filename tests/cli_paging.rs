//! `list --all` against servers that lie about their page count: one that repeats a page while
//! claiming a billion, one that sends empty pages while claiming more, and one with more calls
//! than one list may hold. Paging stops, says why on stderr and in the JSON document's `stopped`,
//! and exits 3 (partial). Each fake server gives up lying after 50 pages, so a run that does not
//! stop ends anyway (with the wrong answer) rather than hanging the test.

mod cli_support;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use cli_support::{Pages, fake_talkpilot, run, talkpilot_block, tp_call, write_config};
use serde_json::Value;

const CLAIMED: u64 = 1_000_000_000;
const GIVES_UP_AFTER: u32 = 50;

fn calls(from: u32, n: u32) -> Vec<Value> {
    (from..from + n)
        .map(|i| tp_call(&format!("call-{i}"), "Hans Meier", 60))
        .collect()
}

/// Runs `list --all --format json` against a server answering `pages`, with `ui` as the
/// config's `[ui]` block.
async fn list_all(pages: Arc<Pages>, ui: &str) -> (cli_support::Run, Value, usize) {
    let (base, asked) = fake_talkpilot(pages).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        &format!("{ui}\n{}", talkpilot_block("tp", &base, "k")),
    );
    let args = [
        "list", "--scope", "agent-1", "--all", "--limit", "100", "--format", "json",
    ];
    let r = run(&cfg, &args).await;
    let doc: Value = serde_json::from_str(&r.out).unwrap_or(Value::Null);
    (r, doc, asked.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_repeats_a_page_is_stopped_at_the_first_repeat() {
    let pages: Arc<Pages> = Arc::new(|page, _| {
        let claimed = if page >= GIVES_UP_AFTER { 0 } else { CLAIMED };
        (calls(1, 5), claimed)
    });
    let (r, doc, asked) = list_all(pages, "").await;
    assert_eq!(r.code, Some(3), "partial: {}", r.err);
    assert!(
        r.err
            .contains("stopped paging: page 2 brought no new calls (the server repeats itself)"),
        "{}",
        r.err
    );
    assert_eq!(asked, 2);
    assert_eq!(doc["calls"].as_array().unwrap().len(), 5, "each call once");
    assert_eq!(doc["stopped"]["reason"], "repeated_page");
    assert_eq!(doc["stopped"]["page"], 2);
    assert!(
        doc["stopped"]["message"]
            .as_str()
            .unwrap()
            .contains("page 2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_sends_empty_pages_claiming_more_is_stopped() {
    let pages: Arc<Pages> = Arc::new(|page, _| match page {
        1 => (calls(1, 100), CLAIMED),
        p if p >= GIVES_UP_AFTER => (Vec::new(), 0),
        _ => (Vec::new(), CLAIMED),
    });
    let (r, doc, asked) = list_all(pages, "").await;
    assert_eq!(r.code, Some(3), "partial: {}", r.err);
    assert!(
        r.err
            .contains("stopped paging: page 2 was empty although the server claims more"),
        "{}",
        r.err
    );
    assert_eq!(asked, 2);
    assert_eq!(doc["calls"].as_array().unwrap().len(), 100);
    assert_eq!(doc["stopped"]["reason"], "empty_page");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_holds_at_most_max_list_calls() {
    // New calls on every page, forever (until it gives up).
    let pages: Arc<Pages> = Arc::new(|page, limit| {
        let claimed = if page >= GIVES_UP_AFTER { 0 } else { CLAIMED };
        (calls((page - 1) * limit, limit), claimed)
    });
    let (r, doc, asked) = list_all(pages, "[ui]\nmax_list_calls = 250\n").await;
    assert_eq!(r.code, Some(3), "partial: {}", r.err);
    assert!(
        r.err.contains("stopped paging at 250 calls") && r.err.contains("max_list_calls"),
        "{}",
        r.err
    );
    assert_eq!(asked, 3);
    assert_eq!(doc["calls"].as_array().unwrap().len(), 250);
    assert_eq!(doc["stopped"]["reason"], "max_list_calls");
    assert_eq!(doc["stopped"]["max_list_calls"], 250);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_server_is_read_to_its_end() {
    let pages: Arc<Pages> = Arc::new(|page, limit| match page {
        1..=2 => (calls((page - 1) * limit, limit), 3),
        3 => (calls(2 * limit, 7), 3),
        _ => (Vec::new(), 3),
    });
    let (r, doc, asked) = list_all(pages, "").await;
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert_eq!(asked, 3);
    assert_eq!(doc["calls"].as_array().unwrap().len(), 207);
    assert!(doc["stopped"].is_null(), "{}", doc["stopped"]);
    assert_eq!(doc["has_more"], false);
}
