//! The merged inbox against the five emulators over loopback: every provider's every parent
//! merged newest first, each call once, no page asked twice, TalkPilot inside its documented
//! limit — also with one provider failing midway and one answering slowly; and the command
//! line's CSV read back by a real CSV reader equal to its JSON.

mod cli_support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use callbrowser::demo::Demo;
use callbrowser::model::{
    Account, Call, CallDetail, Capabilities, Filter, Page, PageRequest, ProviderId, ProviderKind,
    Scope,
};
use callbrowser::providers::merged::{Taking, merge};
use callbrowser::providers::{Provider, ProviderError, RecordingStream};
use callbrowser_emulators::{EmulatorOptions, Fault, Faults};
use serde_json::Value;

/// Counts each (scope, page) of calls asked, and can make the emulator fail from the `fail_at`th
/// calls request on.
struct Watched {
    inner: Arc<dyn Provider>,
    asked: Mutex<Vec<(Option<String>, u32)>>,
    fail_at: Option<(usize, Faults)>,
}

#[async_trait]
impl Provider for Watched {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn account(&self) -> &Account {
        self.inner.account()
    }
    fn label(&self) -> &str {
        self.inner.label()
    }
    fn kind(&self) -> ProviderKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        self.inner.list_scopes(search, page).await
    }
    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let n = {
            let mut asked = self.asked.lock().unwrap();
            asked.push((scope.map(str::to_string), page.page));
            asked.len()
        };
        if let Some((at, faults)) = &self.fail_at
            && n >= *at
        {
            // A vendor error that is not retried: the source fails.
            faults.push(Fault::Status(403));
        }
        self.inner.list_calls(scope, filter, page).await
    }
    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        self.inner.get_call(scope, id).await
    }
    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from_byte: u64,
    ) -> Result<RecordingStream, ProviderError> {
        self.inner.open_recording(scope, id, from_byte).await
    }
    async fn check(&self) -> Result<String, ProviderError> {
        self.inner.check().await
    }
}

async fn providers(demo: &Demo) -> Vec<Arc<dyn Provider>> {
    let cfg = demo.config();
    let mut out = Vec::new();
    for i in 0..cfg.providers.len() {
        let built = callbrowser::setup::build(&cfg, i, None).await.unwrap();
        out.push(built.provider.unwrap());
    }
    out
}

/// Every call of `p`, parent by parent, page by page (the single lists).
async fn every_call(p: &dyn Provider) -> Vec<Call> {
    let scopes: Vec<Option<String>> = if p.capabilities().scope_noun.is_some() {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let got = p
                .list_scopes(None, PageRequest { page, size: 100 })
                .await
                .unwrap();
            all.extend(got.items.into_iter().map(|s| Some(s.id)));
            if !got.has_more {
                break;
            }
            page += 1;
        }
        all
    } else {
        vec![None]
    };
    let mut calls = Vec::new();
    for scope in scopes {
        let mut page = 1;
        loop {
            let size = p.capabilities().max_page_size;
            let got = p
                .list_calls(
                    scope.as_deref(),
                    &Filter::default(),
                    PageRequest { page, size },
                )
                .await
                .unwrap();
            let more = got.has_more && !got.items.is_empty();
            calls.extend(got.items);
            if !more {
                break;
            }
            page += 1;
        }
    }
    calls
}

fn assert_newest_first(calls: &[(ProviderId, Call)]) {
    for w in calls.windows(2) {
        assert!(
            w[0].1.started_at >= w[1].1.started_at,
            "out of order: {:?} then {:?}",
            w[0].1.started_at,
            w[1].1.started_at
        );
    }
    let ids: HashSet<(ProviderId, &str)> = calls.iter().map(|(p, c)| (*p, c.id.as_str())).collect();
    assert_eq!(ids.len(), calls.len(), "a call given twice");
}

fn watched(p: Arc<dyn Provider>, fail_at: Option<(usize, Faults)>) -> Arc<Watched> {
    Arc::new(Watched {
        inner: p,
        asked: Mutex::new(Vec::new()),
        fail_at,
    })
}

fn no_page_twice(w: &Watched) {
    let asked = w.asked.lock().unwrap();
    let mut seen = HashSet::new();
    for a in asked.iter() {
        assert!(seen.insert(a.clone()), "{}: {a:?} asked twice", w.label());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_providers_merge_in_time_order_each_call_once() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let ps = providers(&demo).await;
    // What the single lists hold, all together, newest first.
    let mut expected: Vec<(ProviderId, Call)> = Vec::new();
    for (i, p) in ps.iter().enumerate() {
        for c in every_call(p.as_ref()).await {
            expected.push((ProviderId::new(i), c));
        }
    }
    let talkpilot_before = demo.talkpilot.requests().len();
    let ws: Vec<Arc<Watched>> = ps.iter().map(|p| watched(p.clone(), None)).collect();
    let taking: Vec<Taking> = ws
        .iter()
        .enumerate()
        .map(|(i, w)| Taking {
            id: ProviderId::new(i),
            provider: w.clone(),
            filter: Filter::default(),
            scope_search: None,
        })
        .collect();

    // A user scrolling through the first 1,000 merged calls.
    let first = merge(&taking, Some(1000), 100_000).await;
    assert_eq!(first.calls.len(), 1000);
    assert_newest_first(&first.calls);
    assert_eq!(first.missing, None);
    for w in &ws {
        no_page_twice(w);
    }
    // TalkPilot: inside 60 requests a minute (the merge asked only what it needed).
    let talkpilot = demo.talkpilot.requests().len() - talkpilot_before;
    assert!(talkpilot <= 60, "{talkpilot} TalkPilot requests");

    // All of it: exactly what the single lists hold, in time order.
    let all = merge(&taking, None, 100_000).await;
    assert!(all.finished);
    assert_newest_first(&all.calls);
    let key = |(p, c): &(ProviderId, Call)| (*p, c.id.clone());
    let got: HashSet<_> = all.calls.iter().map(key).collect();
    let want: HashSet<_> = expected.iter().map(key).collect();
    assert_eq!(got, want);
    // The first 1,000 are the newest 1,000.
    let times = |v: &[(ProviderId, Call)]| v.iter().map(|(_, c)| c.started_at).collect::<Vec<_>>();
    assert_eq!(times(&first.calls), times(&all.calls[..1000]));
    let welkin = all
        .searched
        .iter()
        .find(|(l, _)| l.contains("Welkin"))
        .expect("Welkin's patients are counted");
    assert!(welkin.1 > 1, "{welkin:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_and_a_slow_provider_leave_the_others_in_order() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let ps = providers(&demo).await;
    // Voxeme fails from its third calls request on; Solum answers every request late.
    let ws: Vec<Arc<Watched>> = ps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let fail = (i == 3).then(|| (3, demo.voxeme.faults().clone()));
            watched(p.clone(), fail)
        })
        .collect();
    for _ in 0..20 {
        demo.solum
            .faults()
            .push(Fault::Latency(Duration::from_millis(400)));
    }
    let taking: Vec<Taking> = ws
        .iter()
        .enumerate()
        .map(|(i, w)| Taking {
            id: ProviderId::new(i),
            provider: w.clone(),
            filter: Filter::default(),
            scope_search: None,
        })
        .collect();
    let merged = merge(&taking, None, 100_000).await;
    assert!(merged.finished);
    assert_newest_first(&merged.calls);
    let missing = merged.missing.expect("Voxeme's failure is said");
    assert!(missing.contains("Voxeme"), "{missing}");
    let per: HashMap<ProviderId, usize> =
        merged.calls.iter().fold(HashMap::new(), |mut m, (p, _)| {
            *m.entry(*p).or_default() += 1;
            m
        });
    // Every other provider is whole (Solum slow, but waited for).
    for (i, p) in ps.iter().enumerate() {
        if i == 3 {
            continue;
        }
        let n = every_call(p.as_ref()).await.len();
        assert_eq!(
            per.get(&ProviderId::new(i)).copied().unwrap_or(0),
            n,
            "{}",
            p.label()
        );
    }
    for w in &ws {
        no_page_twice(w);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_read_back_equals_the_json() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_support::write_config(dir.path(), &demo.config_toml());
    let json = cli_support::run(&cfg, &["list", "--limit", "60", "--format", "json"]).await;
    assert!(json.ok(), "{}", json.err);
    let csv_run = cli_support::run(&cfg, &["list", "--limit", "60", "--format", "csv"]).await;
    assert!(csv_run.ok(), "{}", csv_run.err);
    let doc: Value = serde_json::from_str(&json.out).unwrap();
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 60);
    let mut reader = csv::Reader::from_reader(csv_run.out.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), calls.len());
    for (row, call) in rows.iter().zip(calls) {
        for (name, cell) in header.iter().zip(row.iter()) {
            let want = match &call[name] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Number(n) => {
                    // serde writes whole floats as `71.0` in both; compare as numbers.
                    let a: f64 = cell.parse().unwrap();
                    assert_eq!(a, n.as_f64().unwrap(), "{name}");
                    continue;
                }
                other => other.to_string(),
            };
            assert_eq!(cell, want, "{name} of {}", call["id"]);
        }
    }
    // The same calls as the table, with the provider first.
    let table = cli_support::run(&cfg, &["list", "--limit", "60"]).await;
    let first = table.out.lines().nth(1).unwrap();
    assert!(
        first.starts_with(calls[0]["provider"].as_str().unwrap()),
        "{first}"
    );
    assert!(first.contains(calls[0]["id"].as_str().unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sorting_and_paging_the_merged_list() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_support::write_config(dir.path(), &demo.config_toml());
    let run = cli_support::run(
        &cfg,
        &[
            "list", "--sort", "duration", "--limit", "30", "--format", "json",
        ],
    )
    .await;
    assert!(run.ok(), "{}", run.err);
    let doc: Value = serde_json::from_str(&run.out).unwrap();
    let durations: Vec<f64> = doc["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["duration_secs"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(durations.windows(2).all(|w| w[0] >= w[1]), "{durations:?}");
    assert_eq!(doc["sort"], "duration:desc");
    let bad = cli_support::run(&cfg, &["list", "--sort", "length"]).await;
    assert_eq!(bad.code, Some(1));
    assert!(bad.err.contains("not a column to sort by"), "{}", bad.err);
    let past = cli_support::run(&cfg, &["list", "--page", "9999"]).await;
    assert_eq!(past.code, Some(1));
    assert!(
        past.err.contains("past the end of the merged list"),
        "{}",
        past.err
    );
    let zero = cli_support::run(&cfg, &["list", "--limit", "0"]).await;
    assert_eq!(zero.code, Some(2), "{}", zero.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_without_a_provider_asks_every_provider_and_says_where() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_support::write_config(dir.path(), &demo.config_toml());
    let list = cli_support::run(&cfg, &["list", "--limit", "10", "--format", "json"]).await;
    let doc: Value = serde_json::from_str(&list.out).unwrap();
    // A call of the second provider in the merged list, shown without naming it.
    let call = doc["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["provider"] != doc["calls"][0]["provider"])
        .unwrap();
    let id = call["id"].as_str().unwrap();
    let show = cli_support::run(&cfg, &["show", id, "--format", "json"]).await;
    assert!(show.ok(), "{}", show.err);
    let provider = call["provider"].as_str().unwrap();
    assert!(
        show.err.contains(&format!("found at {provider}")),
        "{}",
        show.err
    );
    let shown: Value = serde_json::from_str(&show.out).unwrap();
    assert_eq!(shown["provider"], provider);
    let none = cli_support::run(&cfg, &["show", "no-such-call"]).await;
    assert_eq!(none.code, Some(1));
    assert!(
        none.err
            .contains("no provider has call no-such-call (asked all 5"),
        "{}",
        none.err
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_merged_list_redacted_has_no_summary_and_masked_numbers() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_support::write_config(dir.path(), &demo.config_toml());
    let run = cli_support::run(
        &cfg,
        &["--redact", "list", "--limit", "80", "--format", "json"],
    )
    .await;
    assert!(run.ok(), "{}", run.err);
    let doc: Value = serde_json::from_str(&run.out).unwrap();
    for c in doc["calls"].as_array().unwrap() {
        assert!(c["summary"].is_null(), "{c}");
        if let Some(n) = c["caller_number"].as_str() {
            let digits = n.chars().filter(|d| d.is_ascii_digit()).count();
            assert!(digits <= 2, "{n}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mrn_narrows_welkins_patients_before_their_calls_are_listed() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_support::write_config(dir.path(), &demo.config_toml());
    let patients = demo.welkin.patients();
    let (id, mrn) = patients
        .iter()
        .find_map(|p| {
            Some((
                p["id"].as_str()?.to_string(),
                p["mrn"].as_str()?.to_string(),
            ))
        })
        .expect("a patient with an MRN");
    let filter = format!("mrn:{mrn}");
    let run = cli_support::run(
        &cfg,
        &["list", "--filter", &filter, "--all", "--format", "json"],
    )
    .await;
    assert!(run.ok(), "{}", run.err);
    assert!(
        run.err.contains("Welkin Health: 1 parent(s) searched"),
        "{}",
        run.err
    );
    assert!(
        run.err
            .contains("TalkPilot not searched: it has no patients"),
        "{}",
        run.err
    );
    let doc: Value = serde_json::from_str(&run.out).unwrap();
    let calls = doc["calls"].as_array().unwrap();
    for c in calls {
        assert_eq!(c["provider"], "welkin");
        assert_eq!(c["scope"], id.as_str());
    }
    // Exactly the patient's own list.
    let own = cli_support::run(
        &cfg,
        &[
            "list",
            "--provider",
            "welkin",
            "--scope",
            &id,
            "--all",
            "--format",
            "json",
        ],
    )
    .await;
    let own: Value = serde_json::from_str(&own.out).unwrap();
    assert_eq!(calls.len(), own["calls"].as_array().unwrap().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_refuses_to_sort_by_triage() {
    let demo = Demo::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = cli_support::write_config(dir.path(), &demo.config_toml());
    let run = cli_support::run(&cfg, &["list", "--sort", "triage"]).await;
    assert_eq!(run.code, Some(1));
    assert!(run.err.contains("cannot sort by triage"), "{}", run.err);
}
