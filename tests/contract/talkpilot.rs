//! TalkPilot: calls per agent, 1-based pages, an API key, errors as an object, transcripts as
//! JSON inside a string, recordings (WAV) from signed storage URLs.

use callbrowser::http::{HttpLimits, HttpNotice};
use callbrowser::model::{Call, Filter, PageRequest, Scope};
use callbrowser::providers::Provider;
use callbrowser::providers::talkpilot::{TalkPilot, TalkPilotSettings, calls_query};
use callbrowser_emulators::talkpilot::{self, CallFacts, TalkPilotEmulator};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::harness::{
    At, Built, ErrorCase, FilterCase, Kind, Malformed, MixedFilter, Offer, Pair, Pinned, Present,
    Query, RecordingStates, Scopes, Seen, TranscriptStates, clients, emulator_options, ids, limits,
    owned, query,
};

pub struct TalkPilotPair {
    emu: TalkPilotEmulator,
    adapter: Built,
    agent: String,
}

fn build(emu: &TalkPilotEmulator, key: String, limits: HttpLimits) -> Built {
    build_pinned(emu, key, limits, None)
}

fn build_pinned(
    emu: &TalkPilotEmulator,
    key: String,
    limits: HttpLimits,
    agent: Option<Scope>,
) -> Built {
    let (api, storage, notices) = clients(limits);
    let settings = TalkPilotSettings {
        name: "tp".into(),
        label: "TalkPilot".into(),
        base_url: emu.base_url(),
        api_key: key,
        key_hint: "check TP_KEY".into(),
        agent,
    };
    Built::new(TalkPilot::new(settings, api, storage), notices)
}

fn not_deleted(c: &Value) -> bool {
    c["deleted_at"].is_null()
}

fn created(c: &Value) -> DateTime<Utc> {
    c["created_at"].as_str().unwrap().parse().unwrap()
}

fn secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A number several of the agent's calls come from.
fn repeat_caller(reference: &[Value]) -> String {
    reference
        .iter()
        .filter_map(|c| c["phone_number"].as_str())
        .find(|n| {
            let same = reference.iter().filter(|c| c["phone_number"] == *n);
            same.count() > 1
        })
        .expect("a caller with several calls")
        .to_string()
}

impl TalkPilotPair {
    fn expected(&self, keep: impl Fn(&Value) -> bool) -> Vec<String> {
        let calls = self.emu.calls(&self.agent);
        let kept = calls.iter().filter(|c| keep(c));
        kept.map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn facts(&self) -> Vec<CallFacts> {
        let facts = self.emu.call_facts().into_iter();
        facts.filter(|f| f.agent_id == self.agent).collect()
    }

    fn fact_where(&self, keep: impl Fn(&CallFacts) -> bool) -> At {
        let f = self.facts().into_iter().find(|f| keep(f)).unwrap();
        self.at(&f.id)
    }

    /// from/to: whatever the emulator's rule at the bounds, the inside matches exactly.
    fn range_case(&self, reference: &[Value]) -> FilterCase {
        let mid = created(&reference[reference.len() / 2]);
        let late = created(&reference[reference.len() / 4]);
        let f = Filter {
            from: Some(mid),
            to: Some(late),
            ..Filter::default()
        };
        let inside = self.expected(|c| not_deleted(c) && created(c) > mid && created(c) < late);
        assert!(!inside.is_empty());
        let sent = [("from", secs(mid)), ("to", secs(late))];
        let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
        FilterCase::new("from/to", f, &sent).check(move |got: &[Call]| {
            let got = ids(got);
            assert!(
                inside.iter().all(|id| got.contains(id)),
                "from/to lost calls"
            );
        })
    }
}

impl Pair for TalkPilotPair {
    const LABEL: &'static str = "TalkPilot";
    const PAGE: u32 = 20;

    async fn start() -> Self {
        let emu = talkpilot::start(EmulatorOptions {
            rate_limit_per_minute: 100_000,
            rate_limit_per_hour: 1_000_000,
            ..emulator_options(7)
        })
        .await
        .unwrap();
        let adapter = build(&emu, emu.api_key(), limits());
        let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();
        TalkPilotPair {
            emu,
            adapter,
            agent,
        }
    }

    fn adapter(&self) -> &dyn Provider {
        self.adapter.provider.as_ref()
    }

    fn notices(&self) -> Vec<HttpNotice> {
        self.adapter.notices()
    }

    fn clear_notices(&self) {
        self.adapter.notices.lock().unwrap().clear();
    }

    fn build(&self, limits: HttpLimits) -> Built {
        build(&self.emu, self.emu.api_key(), limits)
    }

    fn wrong_key(&self) -> (Built, String) {
        let bad = build(
            &self.emu,
            "tp_live_00000000000000000000000000000000".into(),
            limits(),
        );
        let sentence = "TalkPilot rejected the API key (401 UNAUTHORIZED): check TP_KEY";
        (bad, sentence.into())
    }

    fn scopes(&self) -> Option<Scopes> {
        let agents = self.emu.agents();
        let id = |a: &Value| a["id"].as_str().unwrap().to_string();
        let named = |a: &&Value| {
            a["name"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("rezeption")
        };
        Some(Scopes {
            noun: "agent",
            ids: agents.iter().map(id).collect(),
            page: 2,
            search: "rezeption",
            found: agents.iter().filter(named).map(id).collect(),
        })
    }

    fn fault_on_scopes(&self, fault: Fault) {
        self.emu.faults().push(fault);
    }

    fn pinned(&self) -> Option<Pinned> {
        let name = self.emu.agents()[0]["name"].as_str().unwrap().to_string();
        let scope = Scope {
            id: self.agent.clone(),
            name,
            detail: None,
        };
        let adapter = build_pinned(&self.emu, self.emu.api_key(), limits(), Some(scope.clone()));
        let unpinned = "TalkPilot: choose an agent first: TalkPilot lists calls per agent";
        Some(Pinned {
            adapter,
            scope,
            unpinned: unpinned.into(),
        })
    }

    fn scope(&self) -> Option<String> {
        Some(self.agent.clone())
    }

    /// Soft-deleted calls are left out unless asked for.
    fn listed_ids(&self) -> Vec<String> {
        self.expected(not_deleted)
    }

    fn fault_on_list(&self, fault: Fault) {
        self.emu.faults().push(fault);
    }

    fn pending_faults(&self) -> usize {
        self.emu.faults().pending()
    }

    fn list_requests(&self) -> Option<Vec<Seen>> {
        let seen = self.emu.requests().into_iter();
        let seen = seen.filter(|r| r.path.starts_with("/v1/agents/") && r.path.ends_with("/calls"));
        let seen = seen.map(|r| Seen {
            authorized: r.header("x-api-key").is_some(),
            query: r.query,
        });
        Some(seen.collect())
    }

    fn clear_requests(&self) {
        self.emu.clear_requests();
    }

    fn base_query(&self, page: u32, size: u32) -> Query {
        query(&[("page", &page.to_string()), ("limit", &size.to_string())])
    }

    fn planned_query(&self, filter: &Filter, page: PageRequest) -> Query {
        owned(calls_query(filter, page, 100))
    }

    fn filter_cases(&self) -> Vec<FilterCase> {
        let reference = self.emu.calls(&self.agent);
        let mut cases = vec![self.range_case(&reference)];
        let not_done = |c: &Value| not_deleted(c) && c["done"] == Value::Bool(false);
        let f = self.parse("done:false");
        cases.push(
            FilterCase::new("done:false", f, &[("done", "false")]).ids(self.expected(not_done)),
        );
        let number = repeat_caller(&reference);
        let theirs = |c: &Value| not_deleted(c) && c["phone_number"] == number.as_str();
        // Typed with spaces: normalised and sent.
        let typed = format!("{} {} {}", &number[..3], &number[3..6], &number[6..]);
        for line in [format!("phone:{number}"), format!("\"phone:{typed}\"")] {
            let sent = [("phone_number", number.as_str())];
            let case = FilterCase::new(&line, self.parse(&line), &sent);
            cases.push(case.ids(self.expected(theirs)));
        }
        let name = reference.iter().find_map(|c| c["customer_name"].as_str());
        let name = name.unwrap().split(' ').next_back().unwrap().to_string();
        let needle = name.to_lowercase();
        let mentions = |c: &Value| {
            let fields = ["customer_name", "phone_number", "call_summary"];
            let has = |k: &&str| {
                c[*k]
                    .as_str()
                    .is_some_and(|v| v.to_lowercase().contains(&needle))
            };
            not_deleted(c) && fields.iter().any(has)
        };
        let line = format!("\"{name}\"");
        let case = FilterCase::new(&line, self.parse(&line), &[("search", &name)]);
        cases.push(case.ids(self.expected(mentions)));
        let deleted = self.expected(|c| !not_deleted(c)).len();
        let f = self.parse("include_deleted:true");
        let case = FilterCase::new("include_deleted", f, &[("include_deleted", "true")]);
        cases.push(case.ids(self.expected(|_| true)).check(move |got| {
            let marked = got.iter().filter(|c| c.deleted).count();
            assert!(marked > 0, "soft-deleted calls are marked");
            assert_eq!(marked, deleted);
        }));
        cases
    }

    fn mixed_filter(&self) -> MixedFilter {
        MixedFilter {
            line: "dir:in done:true",
            local: vec!["dir"],
            sent: query(&[("done", "true")]),
        }
    }

    fn error_cases(&self) -> Vec<ErrorCase> {
        vec![
            ErrorCase::new(
                400,
                Kind::Vendor,
                "TalkPilot answered 400 BAD_REQUEST: Bad request",
            ),
            ErrorCase::new(
                401,
                Kind::Auth,
                "TalkPilot rejected the API key (401 UNAUTHORIZED): check TP_KEY",
            ),
            ErrorCase::new(
                403,
                Kind::Forbidden,
                "TalkPilot refused access (403 FORBIDDEN): Forbidden",
            ),
            ErrorCase::new(404, Kind::NotFound, "TalkPilot: not found (Not found)"),
            ErrorCase::new(
                409,
                Kind::Vendor,
                "TalkPilot answered 409 CONFLICT: Conflict",
            ),
            ErrorCase::new(
                500,
                Kind::Vendor,
                "TalkPilot answered 500 INTERNAL_ERROR: Internal server error",
            ),
        ]
    }

    fn unknown_call(&self) -> (At, String) {
        let sentence = "TalkPilot: not found (Call not found)";
        (self.at("no-such-call"), sentence.into())
    }

    /// The broken record's id is a number, read as such.
    fn malformed(&self) -> Malformed {
        Malformed::ReadableAs("48151623")
    }

    /// Every call has a transcript unless it was purged; some are not valid JSON.
    fn transcripts(&self) -> Offer<TranscriptStates> {
        let ok = |f: &CallFacts| !f.is_purged && !f.broken_transcript && !f.is_deleted;
        Offer::Offered(TranscriptStates {
            turns: vec![self.fact_where(ok)],
            missing: None,
            purged: Some(self.fact_where(|f| f.is_purged)),
            unparsed: Some(self.fact_where(|f| f.broken_transcript && !f.is_purged)),
        })
    }

    /// Every call has a recording unless it was purged.
    fn recordings(&self) -> Offer<RecordingStates> {
        let f = self
            .facts()
            .into_iter()
            .find(|f| !f.is_purged && !f.is_deleted);
        let f = f.unwrap();
        let present = Present::new(self.at(&f.id), Some(f.recording_bytes));
        let purged = self.fact_where(|f| f.is_purged);
        Offer::Offered(RecordingStates {
            present: vec![present],
            formats: vec!["audio/wav"],
            missing: None,
            purged: Some((
                purged,
                "TalkPilot: not found (the recording was purged)".into(),
            )),
        })
    }
}

contract_tests!(TalkPilotPair);
