//! AlloMia: calls per organization, 1-based pages of at most 50, a tenant key, errors as
//! `{"error"}`, transcripts and recordings (MP3) behind expiring signed storage URLs.

use std::cell::Cell;

use callbrowser::http::{HttpLimits, HttpNotice};
use callbrowser::model::{Call, Filter, PageRequest, Scope};
use callbrowser::providers::Provider;
use callbrowser::providers::allomia::{AlloMia, AlloMiaSettings, calls_query};
use callbrowser_emulators::Fault;
use callbrowser_emulators::allomia::{self, AlloMiaEmulator, CallFacts};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::harness::{
    At, Built, ErrorCase, FilterCase, Kind, MixedFilter, Offer, Pair, Pinned, Present, Query,
    RecordingStates, Scopes, Seen, TranscriptStates, clients, emulator_options, limits, owned,
    query,
};

pub struct AlloMiaPair {
    emu: AlloMiaEmulator,
    adapter: Built,
    org: String,
    /// API requests before this many are not reported (the emulator's log cannot be cleared).
    mark: Cell<usize>,
}

fn build(emu: &AlloMiaEmulator, key: String, limits: HttpLimits) -> Built {
    build_pinned(emu, key, limits, None)
}

fn build_pinned(
    emu: &AlloMiaEmulator,
    key: String,
    limits: HttpLimits,
    organization: Option<Scope>,
) -> Built {
    let (api, storage, notices) = clients(limits);
    let settings = AlloMiaSettings {
        name: "am".into(),
        label: "AlloMia".into(),
        base_url: emu.base_url(),
        api_key: key,
        key_hint: "check ALLOMIA_KEY".into(),
        organization,
    };
    Built::new(AlloMia::new(settings, api, storage), notices)
}

fn started(c: &Value) -> DateTime<Utc> {
    c["callStartedAt"].as_str().unwrap().parse().unwrap()
}

/// Second precision, Z, as the vendor's example `2025-05-01T00:00:00Z`.
fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn sorted(sort: &str, got: &[Call]) -> bool {
    got.windows(2).all(|w| match sort {
        "asc" => w[0].started_at <= w[1].started_at,
        "desc" => w[0].started_at >= w[1].started_at,
        "duration_desc" => w[0].duration_secs >= w[1].duration_secs,
        _ => w[0].duration_secs <= w[1].duration_secs,
    })
}

impl AlloMiaPair {
    fn expected(&self, keep: impl Fn(&Value) -> bool) -> Vec<String> {
        let calls = self.emu.calls(&self.org);
        let kept = calls.iter().filter(|c| keep(c));
        kept.map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn fact(&self, keep: impl Fn(&CallFacts) -> bool) -> CallFacts {
        self.emu.call_facts().into_iter().find(|f| keep(f)).unwrap()
    }

    fn at_fact(&self, keep: impl Fn(&CallFacts) -> bool) -> At {
        let f = self.fact(keep);
        At::new(Some(&f.organization_id), &f.id)
    }

    /// from/to as given, and as dates from the filter line (full times, in UTC).
    fn range_cases(&self) -> Vec<FilterCase> {
        let reference = self.emu.calls(&self.org);
        let mid = started(&reference[reference.len() / 2]);
        let late = started(&reference[reference.len() / 4]);
        assert_eq!(reference[reference.len() / 4]["callStartedAt"], iso(late));
        let given = Filter {
            from: Some(mid),
            to: Some(late),
            ..Filter::default()
        };
        let line = "from:2026-03-01 to:2026-03-10";
        let mut cases = Vec::new();
        for (label, f) in [("from/to", given), (line, self.parse(line))] {
            let (from, to) = (f.from.unwrap(), f.to.unwrap());
            let inside = self.expected(|c| started(c) >= from && started(c) <= to);
            assert!(inside.len() > 10, "{label}");
            let sent = [("from", iso(from)), ("to", iso(to))];
            let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
            cases.push(FilterCase::new(label, f, &sent).ids(inside));
        }
        cases
    }
}

impl Pair for AlloMiaPair {
    const LABEL: &'static str = "AlloMia";
    const PAGE: u32 = 20;

    async fn start() -> Self {
        let emu = allomia::start(emulator_options(11)).await.unwrap();
        let adapter = build(&emu, emu.tenant_key(), limits());
        let org = emu.organizations()[0]["id"].as_str().unwrap().to_string();
        AlloMiaPair {
            emu,
            adapter,
            org,
            mark: Cell::new(0),
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
        build(&self.emu, self.emu.tenant_key(), limits)
    }

    fn wrong_key(&self) -> (Built, String) {
        let bad = build(&self.emu, "am_tenant_wrong".into(), limits());
        let sentence = "AlloMia rejected the API key (401 Unauthorized): check ALLOMIA_KEY";
        (bad, sentence.into())
    }

    fn scopes(&self) -> Option<Scopes> {
        let orgs = self.emu.organizations();
        let id = |o: &Value| o["id"].as_str().unwrap().to_string();
        let valley = orgs.iter().filter(|o| o["name"] == "Valley Health Clinic");
        Some(Scopes {
            noun: "organization",
            ids: orgs.iter().map(id).collect(),
            page: 2,
            search: "valley",
            found: valley.map(id).collect(),
        })
    }

    fn fault_on_scopes(&self, fault: Fault) {
        self.emu.faults().push(fault);
    }

    fn pinned(&self) -> Option<Pinned> {
        let scope = Scope {
            id: self.org.clone(),
            name: "the first organization".into(),
            detail: None,
        };
        let adapter = build_pinned(
            &self.emu,
            self.emu.tenant_key(),
            limits(),
            Some(scope.clone()),
        );
        Some(Pinned {
            adapter,
            scope,
            unpinned: "AlloMia: choose an organization first: AlloMia lists calls per organization"
                .into(),
        })
    }

    fn scope(&self) -> Option<String> {
        Some(self.org.clone())
    }

    fn listed_ids(&self) -> Vec<String> {
        let want = self.expected(|_| true);
        assert_eq!(want.len(), allomia::CALLS_PER_ORG);
        want
    }

    fn fault_on_list(&self, fault: Fault) {
        self.emu.faults().push(fault);
    }

    fn pending_faults(&self) -> usize {
        self.emu.faults().pending()
    }

    fn list_requests(&self) -> Option<Vec<Seen>> {
        let seen = self.emu.api_requests().into_iter().skip(self.mark.get());
        let seen = seen.filter(|r| r.path == "/api/calls");
        let seen = seen.map(|r| {
            assert_eq!(r.method, "GET");
            Seen {
                authorized: r.had_authorization,
                query: r.query,
            }
        });
        Some(seen.collect())
    }

    fn clear_requests(&self) {
        self.mark.set(self.emu.api_requests().len());
    }

    fn base_query(&self, page: u32, size: u32) -> Query {
        query(&[
            ("organizationId", &self.org),
            ("page", &page.to_string()),
            ("limit", &size.to_string()),
        ])
    }

    fn planned_query(&self, filter: &Filter, page: PageRequest) -> Query {
        owned(calls_query(&self.org, filter, page))
    }

    fn filter_cases(&self) -> Vec<FilterCase> {
        let mut cases = Vec::new();
        for (line, t) in [
            ("dir:in", "Inbound"),
            ("dir:out", "Outbound"),
            ("dir:web", "Web"),
        ] {
            let case = FilterCase::new(line, self.parse(line), &[("callType", t)]);
            cases.push(case.ids(self.expected(|c| c["callType"] == t)));
        }
        let line = "agent:rappels";
        let by = |c: &Value| {
            c["agentName"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("rappels")
        };
        let case = FilterCase::new(line, self.parse(line), &[("agentName", "rappels")]);
        cases.push(case.ids(self.expected(by)));
        cases.extend(self.range_cases());
        let intent = "prescription_renewal";
        let facts = self.emu.call_facts().into_iter();
        let of = facts.filter(|f| f.organization_id == self.org && f.intent == Some(intent));
        let line = format!("intent:{intent}");
        let case = FilterCase::new(&line, self.parse(&line), &[("userPrimaryIntent", intent)]);
        cases.push(case.ids(of.map(|f| f.id).collect()));
        let n = self.listed_ids().len();
        for sort in ["asc", "duration_desc", "duration_asc", "desc"] {
            let line = format!("sort:{sort}");
            let case = FilterCase::new(&line, self.parse(&line), &[("sort", sort)]);
            cases.push(case.check(move |got| {
                assert_eq!(got.len(), n);
                assert!(sorted(sort, got), "sorted {sort}");
            }));
        }
        cases
    }

    fn mixed_filter(&self) -> MixedFilter {
        MixedFilter {
            line: "dir:in agent:desk intent:book_appointment sort:asc phone:514 hello",
            local: vec!["text", "phone"],
            sent: query(&[
                ("callType", "Inbound"),
                ("agentName", "desk"),
                ("userPrimaryIntent", "book_appointment"),
                ("sort", "asc"),
            ]),
        }
    }

    fn error_cases(&self) -> Vec<ErrorCase> {
        vec![
            ErrorCase::new(
                400,
                Kind::Invalid,
                "AlloMia: the request was refused as invalid (400: Invalid request data); check \
                 the filter (dir:, from:/to: dates, sort:)",
            ),
            ErrorCase::new(
                401,
                Kind::Auth,
                "AlloMia rejected the API key (401 Unauthorized): check ALLOMIA_KEY",
            ),
            ErrorCase::new(
                404,
                Kind::NotFound,
                &format!(
                    "AlloMia: not found (organization \"{}\" (Not found); check organization in \
                     this provider's config and that the key belongs to it)",
                    self.org
                ),
            ),
            ErrorCase::new(
                500,
                Kind::Vendor,
                "AlloMia answered 500 Internal Server Error: Internal server error; try again \
                 later",
            ),
        ]
    }

    fn unknown_call(&self) -> (At, String) {
        let sentence = "AlloMia: not found (call \"no-such-call\" (Call not found); it was \
                        deleted or belongs to another organization than this key's)";
        (self.at("no-such-call"), sentence.into())
    }

    /// No purged state: a call has a transcript file, a file in another form, or none.
    fn transcripts(&self) -> Offer<TranscriptStates> {
        let of = |f: &CallFacts| f.organization_id == self.org;
        let turns = |f: &CallFacts| {
            of(f) && f.has_transcript && !f.unformatted_transcript && f.outcome != "voicemail_left"
        };
        Offer::Offered(TranscriptStates {
            turns: vec![self.at_fact(turns)],
            missing: Some(self.at_fact(|f| of(f) && !f.has_transcript)),
            purged: None,
            unparsed: Some(self.at_fact(|f| f.unformatted_transcript)),
        })
    }

    fn recordings(&self) -> Offer<RecordingStates> {
        let f = self.fact(|f| f.organization_id == self.org && f.has_recording);
        let present = Present::new(
            At::new(Some(&f.organization_id), &f.id),
            Some(f.recording_bytes),
        );
        let none = self.at_fact(|f| !f.has_recording);
        let sentence = "AlloMia: not found (this call has no recording)";
        Offer::Offered(RecordingStates {
            present: vec![present],
            formats: vec!["audio/mpeg"],
            missing: Some((none, sentence.into())),
            purged: None,
        })
    }
}

contract_tests!(AlloMiaPair);
