//! Solum: one list of calls per key (no parent level), 1-based pages, many server-side filters,
//! errors as an object, no detail endpoint, no transcripts, no recordings.

use callbrowser::http::{HttpLimits, HttpNotice};
use callbrowser::model::{Filter, PageRequest};
use callbrowser::providers::Provider;
use callbrowser::providers::solum::{Solum, SolumSettings, calls_query};
use callbrowser_emulators::Fault;
use callbrowser_emulators::solum::{self, SolumEmulator};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::harness::{
    At, Built, ErrorCase, FilterCase, Kind, MixedFilter, Offer, Pair, Pinned, Query,
    RecordingStates, Scopes, Seen, TranscriptStates, clients, emulator_options, limits, owned,
    query,
};

pub struct SolumPair {
    emu: SolumEmulator,
    adapter: Built,
}

fn build(emu: &SolumEmulator, key: String, limits: HttpLimits) -> Built {
    let (api, storage, notices) = clients(limits);
    let settings = SolumSettings {
        name: "solum".into(),
        label: "Solum Health".into(),
        base_url: emu.base_url(),
        api_key: key,
        key_hint: "check SOLUM_KEY".into(),
    };
    Built::new(Solum::new(settings, api, storage), notices)
}

fn started(c: &Value) -> Option<DateTime<Utc>> {
    c["started_at"].as_str().map(|s| s.parse().unwrap())
}

fn s(c: &Value, k: &str) -> Option<String> {
    c[k].as_str().map(str::to_string)
}

/// A value of `key` that several calls share.
fn repeated(reference: &[Value], key: &str) -> String {
    reference
        .iter()
        .filter_map(|c| s(c, key))
        .find(|v| reference.iter().filter(|c| c[key] == v.as_str()).count() > 1)
        .unwrap()
}

impl SolumPair {
    /// The emulator's records that `keep`, as the reference for what a filter returns.
    fn expected(&self, keep: impl Fn(&Value) -> bool) -> Vec<String> {
        let calls = self.emu.calls();
        let kept = calls.iter().filter(|c| keep(c));
        kept.map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn case(&self, line: &str, sent: &[(&str, &str)], keep: impl Fn(&Value) -> bool) -> FilterCase {
        FilterCase::new(line, self.parse(line), sent).ids(self.expected(keep))
    }

    /// Statuses, categories and call types, however they are typed.
    fn enumerated_cases(&self) -> Vec<FilterCase> {
        let mut cases = Vec::new();
        for st in ["pending", "done", "follow_up_needed"] {
            let line = format!("status:{st}");
            cases.push(self.case(&line, &[("status", st)], |c| c["status"] == st));
        }
        // The vendor's own triage state, however it is typed.
        let fun = |c: &Value| c["status"] == "follow_up_needed";
        let line = "status:Follow-Up-Needed";
        cases.push(self.case(line, &[("status", "follow_up_needed")], fun));
        for cat in solum::CATEGORY_VALUES {
            let line = format!("category:{cat}");
            cases.push(self.case(&line, &[("category", cat)], |c| c["category"] == cat));
        }
        for (dir, t) in [("in", "inbound"), ("out", "outbound"), ("web", "web")] {
            let sent = [("type", t)];
            cases.push(self.case(&format!("dir:{dir}"), &sent, |c| c["type"] == t));
            cases.push(self.case(&format!("type:{t}"), &sent, |c| c["type"] == t));
        }
        // `type` is an exact match on the server: known types go in Solum's spelling, whatever
        // the case typed, alone or with a `dir` that agrees.
        for line in [
            "dir:out type:outbound",
            "dir:out type:Outbound",
            "type:OUTBOUND",
        ] {
            let out = |c: &Value| c["type"] == "outbound";
            cases.push(self.case(line, &[("type", "outbound")], out));
        }
        let inbound = |c: &Value| c["type"] == "inbound";
        cases.push(self.case("dir:in type:Inbound", &[("type", "inbound")], inbound));
        cases
    }

    /// Text, ids, numbers, modes, dates, a whole phone number, and several at once.
    fn valued_cases(&self) -> Vec<FilterCase> {
        let reference = self.emu.calls();
        let mut cases = Vec::new();
        let line = "\"prior authorization\"";
        let about = |c: &Value| {
            s(c, "summary").is_some_and(|x| x.to_lowercase().contains("prior authorization"))
        };
        cases.push(self.case(line, &[("q", "prior authorization")], about));
        let a = self.emu.assistants()[2].id.clone();
        let line = format!("assistant:{a}");
        let of = |c: &Value| s(c, "assistant_id").as_deref() == Some(&a);
        cases.push(self.case(&line, &[("assistant_id", &a)], of));
        let patient = repeated(&reference, "patient_id");
        let line = format!("patient:{patient}");
        let of = |c: &Value| s(c, "patient_id").as_deref() == Some(&patient);
        cases.push(self.case(&line, &[("patient_id", &patient)], of));
        let two = |c: &Value| c["sessions_scheduled"].as_u64().is_some_and(|n| n >= 2);
        cases.push(self.case("sessions_min:2", &[("sessions_scheduled_min", "2")], two));
        // The documented mode without a documented tag list: sent, and it narrows nothing.
        for m in ["any", "all", "exclude_any", "exclude_all"] {
            let line = format!("tag_mode:{m}");
            cases.push(self.case(&line, &[("tag_filter_mode", m)], |_| true));
        }
        // from/to are started_gte/started_lte, both inclusive.
        let lo = s(&reference[reference.len() / 2], "started_at").unwrap();
        let hi = s(&reference[reference.len() / 4], "started_at").unwrap();
        let (l, h): (DateTime<Utc>, DateTime<Utc>) = (lo.parse().unwrap(), hi.parse().unwrap());
        let line = format!("from:{lo} to:{hi}");
        let sent = [("started_gte", lo.as_str()), ("started_lte", hi.as_str())];
        let inside = |c: &Value| started(c).is_some_and(|t| t >= l && t <= h);
        cases.push(self.case(&line, &sent, inside));
        // A whole number however typed: `customer_number` in E.164.
        let number = repeated(&reference, "customer_number");
        let typed = format!("+1 ({}) {}-{}", &number[2..5], &number[5..8], &number[8..]);
        let line = format!("phone:\"{typed}\"");
        let sent = [("customer_number", number.as_str())];
        let theirs = |c: &Value| c["customer_number"].as_str() == Some(&number);
        cases.push(self.case(&line, &sent, theirs));
        let line = "dir:in category:new_appointment sessions_min:2 status:done";
        let sent = [
            ("status", "done"),
            ("category", "new_appointment"),
            ("type", "inbound"),
            ("sessions_scheduled_min", "2"),
        ];
        let all = |c: &Value| {
            c["type"] == "inbound"
                && c["category"] == "new_appointment"
                && c["sessions_scheduled"].as_u64().is_some_and(|n| n >= 2)
                && c["status"] == "done"
        };
        cases.push(self.case(line, &sent, all));
        cases
    }
}

impl Pair for SolumPair {
    const LABEL: &'static str = "Solum Health";
    const PAGE: u32 = 50;

    async fn start() -> Self {
        let emu = solum::start(emulator_options(11)).await.unwrap();
        let adapter = build(&emu, emu.api_key(), limits());
        SolumPair { emu, adapter }
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
        let sentence = "Solum Health rejected the API key (401 invalid_api_key): check SOLUM_KEY";
        let bad = build(&self.emu, "sk_live_wrong".into(), limits());
        (bad, sentence.into())
    }

    /// No parent level.
    fn scopes(&self) -> Option<Scopes> {
        None
    }

    fn fault_on_scopes(&self, fault: Fault) {
        self.emu.faults().push(fault);
    }

    fn pinned(&self) -> Option<Pinned> {
        None
    }

    fn scope(&self) -> Option<String> {
        None
    }

    fn listed_ids(&self) -> Vec<String> {
        self.expected(|_| true)
    }

    fn fault_on_list(&self, fault: Fault) {
        self.emu.faults().push(fault);
    }

    fn pending_faults(&self) -> usize {
        self.emu.faults().pending()
    }

    fn list_requests(&self) -> Option<Vec<Seen>> {
        let seen = self.emu.calls_requests().into_iter().map(|r| Seen {
            authorized: r.had_key,
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
        owned(calls_query(filter, page, 100).unwrap())
    }

    fn filter_cases(&self) -> Vec<FilterCase> {
        let mut cases = self.enumerated_cases();
        cases.extend(self.valued_cases());
        cases
    }

    fn mixed_filter(&self) -> MixedFilter {
        MixedFilter {
            line: "dur>60 has:recording status:done",
            local: vec!["dur", "has"],
            sent: query(&[("status", "done")]),
        }
    }

    fn error_cases(&self) -> Vec<ErrorCase> {
        vec![
            ErrorCase::new(
                400,
                Kind::Invalid,
                "Solum Health: the request was rejected (400 bad_request): The request could not \
                 be processed; check the filter",
            ),
            ErrorCase::new(
                401,
                Kind::Auth,
                "Solum Health rejected the API key (401 invalid_api_key): check SOLUM_KEY",
            ),
            ErrorCase::new(
                403,
                Kind::Forbidden,
                "Solum Health refused access (403 forbidden): You do not have access to this \
                 resource; use a key that may read calls (check SOLUM_KEY)",
            ),
            ErrorCase::new(
                404,
                Kind::NotFound,
                "Solum Health: not found (Resource not found; check base_url, it should be the \
                 API host such as https://api.getsolum.com)",
            ),
            ErrorCase::new(
                409,
                Kind::Vendor,
                "Solum Health answered 409 conflict: The resource was modified by another \
                 request; try again",
            ),
            ErrorCase::new(
                422,
                Kind::Invalid,
                "Solum Health: the request was rejected (422 invalid_field): A human-readable \
                 description of what went wrong; check the filter",
            ),
            ErrorCase::new(
                500,
                Kind::Vendor,
                "Solum Health answered 500 internal_error: An internal error occurred; the \
                 server had a problem, try again later",
            ),
            ErrorCase::new(
                502,
                Kind::Vendor,
                "Solum Health answered 502 bad_gateway: Bad gateway; the server had a problem, \
                 try again later",
            ),
        ]
    }

    /// No endpoint for one call: every page is looked at first.
    fn unknown_call(&self) -> (At, String) {
        let id = "00000000-0000-4000-8000-000000000000";
        let sentence = format!(
            "Solum Health: not found (no call with id {id} among all {} calls of this key)",
            self.emu.calls().len()
        );
        (self.at(id), sentence)
    }

    fn transcripts(&self) -> Offer<TranscriptStates> {
        let id = self.listed_ids()[0].clone();
        Offer::NotOffered {
            sample: self.at(&id),
        }
    }

    fn recordings(&self) -> Offer<RecordingStates> {
        let id = self.listed_ids()[0].clone();
        Offer::NotOffered {
            sample: self.at(&id),
        }
    }
}

contract_tests!(SolumPair);
