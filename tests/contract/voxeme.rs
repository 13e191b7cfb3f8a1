//! Voxeme: calls per account (RecentCalls), 1-based pages of 25 to 500, a bearer key, errors in
//! several shapes, recordings (MP3 or WAV) streamed without length or ranges, no transcripts.

use callbrowser::http::{HttpLimits, HttpNotice};
use callbrowser::model::{Filter, PageRequest, Scope};
use callbrowser::providers::Provider;
use callbrowser::providers::voxeme::{Voxeme, VoxemeSettings, calls_query};
use callbrowser_emulators::Fault;
use callbrowser_emulators::voxeme::{self, VoxemeEmulator, VoxemeOptions};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

use crate::harness::{
    At, Built, ErrorCase, FilterCase, Kind, MixedFilter, Offer, Pair, Pinned, Present, Query,
    RecordingStates, Scopes, Seen, TranscriptStates, clients, emulator_options, limits, now, owned,
    query,
};

pub struct VoxemePair {
    emu: VoxemeEmulator,
    adapter: Built,
    account: String,
}

fn build(emu: &VoxemeEmulator, key: String, limits: HttpLimits) -> Built {
    build_pinned(emu, key, limits, None)
}

fn build_pinned(
    emu: &VoxemeEmulator,
    key: String,
    limits: HttpLimits,
    account: Option<Scope>,
) -> Built {
    let (api, storage, notices) = clients(limits);
    let settings = VoxemeSettings {
        name: "vx".into(),
        label: "Voxeme".into(),
        base_url: emu.base_url(),
        api_key: key,
        key_hint: "check VOXEME_API_KEY".into(),
        account,
    };
    Built::new(Voxeme::new(settings, api, storage), notices)
}

fn attempted(c: &Value) -> DateTime<Utc> {
    c["attempted_at"].as_str().unwrap().parse().unwrap()
}

fn sid(c: &Value) -> String {
    c["call_sid"].as_str().unwrap().to_string()
}

fn either_side(c: &Value, part: &str) -> bool {
    let side = |k: &str| c[k].as_str().unwrap().contains(part);
    side("from") || side("to")
}

impl VoxemePair {
    fn account(&self, i: usize) -> String {
        self.emu.accounts()[i]["account_sid"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn expected(&self, keep: impl Fn(&Value) -> bool) -> Vec<String> {
        let calls = self.emu.calls(&self.account);
        calls.iter().filter(|c| keep(c)).map(sid).collect()
    }

    fn case(&self, line: &str, sent: &[(&str, &str)], keep: impl Fn(&Value) -> bool) -> FilterCase {
        FilterCase::new(line, self.parse(line), sent).ids(self.expected(keep))
    }

    /// A recorded call of account `i` whose object is stored.
    fn recorded(&self, i: usize) -> At {
        let acc = self.account(i);
        let missing = self.emu.missing_recordings();
        let c = self
            .emu
            .calls(&acc)
            .into_iter()
            .find(|c| !c["recording_url"].is_null() && !missing.contains(&sid(c)));
        At::new(Some(&acc), &sid(&c.unwrap()))
    }

    /// Phone numbers and free text both go in `filter`: a part of a number, or an exact sid.
    fn text_cases(&self, raw: &[Value]) -> Vec<FilterCase> {
        let inbound = raw.iter().filter(|c| c["direction"] == "inbound");
        let number = inbound
            .map(|c| {
                c["from"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches('+')
                    .to_string()
            })
            .find(|n| {
                let same = raw
                    .iter()
                    .filter(|c| c["from"].as_str().unwrap().ends_with(n.as_str()));
                same.count() > 1
            })
            .expect("a caller with several calls");
        let typed = format!("phone:+{}-{}", &number[..4], &number[4..]);
        let of = |c: &Value| either_side(c, &number);
        let mut cases = vec![self.case(&typed, &[("filter", &number)], of)];
        let part = number[number.len() - 6..].to_string();
        cases.push(self.case(&part, &[("filter", &part)], |c| either_side(c, &part)));
        let one = sid(&raw[33]);
        cases.push(self.case(&one, &[("filter", &one)], |c| sid(c) == one));
        cases
    }
}

impl Pair for VoxemePair {
    const LABEL: &'static str = "Voxeme";
    /// The smallest page the server takes.
    const PAGE: u32 = 25;

    async fn start() -> Self {
        let v = VoxemeOptions {
            rate_limit_per_minute: 100_000,
            rate_limit_per_hour: 1_000_000,
            ..VoxemeOptions::default()
        };
        let emu = voxeme::start_with(emulator_options(7), v).await.unwrap();
        let adapter = build(&emu, emu.api_key(), limits());
        let account = emu.accounts()[0]["account_sid"].as_str().unwrap().into();
        VoxemePair {
            emu,
            adapter,
            account,
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
            "5f8e8f60-4771-44cb-92a6-94ea66df0450".into(),
            limits(),
        );
        let sentence = "Voxeme rejected the API key (401 Unauthorized): check VOXEME_API_KEY";
        (bad, sentence.into())
    }

    /// Boston, Berlin, Lyon.
    fn scopes(&self) -> Option<Scopes> {
        Some(Scopes {
            noun: "account",
            ids: (0..3).map(|i| self.account(i)).collect(),
            page: 50,
            search: "berlin",
            found: vec![self.account(1)],
        })
    }

    fn fault_on_scopes(&self, fault: Fault) {
        self.emu.faults().push(fault);
    }

    fn pinned(&self) -> Option<Pinned> {
        let scope = Scope {
            id: self.account.clone(),
            name: "Boston".into(),
            detail: None,
        };
        let adapter = build_pinned(&self.emu, self.emu.api_key(), limits(), Some(scope.clone()));
        Some(Pinned {
            adapter,
            scope,
            unpinned: "Voxeme: choose an account first: Voxeme lists calls per account".into(),
        })
    }

    fn scope(&self) -> Option<String> {
        Some(self.account.clone())
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
        let seen = self.emu.requests().into_iter();
        let seen = seen.filter(|r| r.path.ends_with("/RecentCalls"));
        let seen = seen.map(|r| Seen {
            authorized: r
                .header("authorization")
                .is_some_and(|h| h.starts_with("Bearer ")),
            query: r.query,
        });
        Some(seen.collect())
    }

    fn clear_requests(&self) {
        self.emu.clear_requests();
    }

    fn base_query(&self, page: u32, size: u32) -> Query {
        query(&[("page", &page.to_string()), ("count", &size.to_string())])
    }

    fn planned_query(&self, filter: &Filter, page: PageRequest) -> Query {
        owned(calls_query(filter, page, "Voxeme").unwrap().params)
    }

    fn filter_cases(&self) -> Vec<FilterCase> {
        let raw = self.emu.calls(&self.account);
        // from/to → start/end, inclusive.
        let (lo, hi) = (attempted(&raw[60]), attempted(&raw[10]));
        let f = Filter {
            from: Some(lo),
            to: Some(hi),
            ..Filter::default()
        };
        let ms = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let (start, end) = (ms(lo), ms(hi));
        let inside = self.expected(|c| attempted(c) >= lo && attempted(c) <= hi);
        assert_eq!(inside.len(), 51);
        let sent = [("start", start.as_str()), ("end", end.as_str())];
        let mut cases = vec![FilterCase::new("from/to", f, &sent).ids(inside)];
        let recent = |c: &Value| attempted(c) >= now() - TimeDelta::days(3);
        assert!(self.expected(recent).len() < raw.len());
        cases.push(self.case("days:3", &[("days", "3")], recent));
        for flag in ["false", "true"] {
            let line = format!("answered:{flag}");
            let was = |c: &Value| c["answered"].as_bool() == Some(flag == "true");
            cases.push(self.case(&line, &[("answered", flag)], was));
        }
        for (line, dir) in [("dir:in", "inbound"), ("dir:out", "outbound")] {
            cases.push(self.case(line, &[("direction", dir)], |c| c["direction"] == dir));
        }
        cases.extend(self.text_cases(&raw));
        let over = |c: &Value| c["trunk"] == "telnyx";
        cases.push(self.case("trunk:telnyx", &[("trunk", "telnyx")], over));
        cases
    }

    fn mixed_filter(&self) -> MixedFilter {
        MixedFilter {
            line: "answered:true dir:out days:20 status:answered dur>60",
            local: vec!["status", "dur"],
            sent: query(&[
                ("days", "20"),
                ("answered", "true"),
                ("direction", "outbound"),
            ]),
        }
    }

    fn error_cases(&self) -> Vec<ErrorCase> {
        vec![
            ErrorCase::new(
                400,
                Kind::Vendor,
                "Voxeme answered 400 Bad Request: invalid request",
            ),
            ErrorCase::new(
                401,
                Kind::Auth,
                "Voxeme rejected the API key (401 Unauthorized): check VOXEME_API_KEY",
            ),
            ErrorCase::new(
                403,
                Kind::Forbidden,
                "Voxeme refused access (403 Forbidden): insufficient privileges: this key cannot \
                 read that account (an account key sees only its own account)",
            ),
            ErrorCase::new(
                404,
                Kind::NotFound,
                &format!(
                    "Voxeme: not found (account {} does not exist or this key cannot see it)",
                    self.account
                ),
            ),
            ErrorCase::new(
                422,
                Kind::Vendor,
                "Voxeme answered 422 Unprocessable Entity: unprocessable entity",
            ),
            ErrorCase::new(
                500,
                Kind::Vendor,
                "Voxeme answered 500 Internal Server Error: ER_LOCK_WAIT_TIMEOUT: Lock wait \
                 timeout exceeded; try restarting transaction",
            ),
        ]
    }

    /// Neither a record in RecentCalls nor a call in progress.
    fn unknown_call(&self) -> (At, String) {
        let gone = "00000000-0000-4000-8000-000000000000";
        let sentence = format!(
            "Voxeme: not found (call {gone} is neither among the account's recent calls \
             (Voxeme keeps 30 days) nor in progress)"
        );
        (self.at(gone), sentence)
    }

    fn transcripts(&self) -> Offer<TranscriptStates> {
        Offer::NotOffered {
            sample: self.recorded(0),
        }
    }

    /// The first account records MP3, the second WAV; unanswered calls have no recording.
    fn recordings(&self) -> Offer<RecordingStates> {
        let present = [0, 1].map(|i| Present::new(self.recorded(i), None));
        let raw = self.emu.calls(&self.account);
        let without = raw.iter().find(|c| c["recording_url"].is_null()).unwrap();
        let no_recording =
            "Voxeme: not found (this call has no recording (the account may not record calls))";
        Offer::Offered(RecordingStates {
            present: present.into(),
            formats: vec!["audio/mp3", "audio/wav"],
            missing: Some((self.at(&sid(without)), no_recording.into())),
            purged: None,
        })
    }
}

contract_tests!(VoxemePair);
