//! Welkin: calls per patient, 0-based pages, an OAuth-style token, errors as an array, recordings
//! from an authenticated endpoint (MP3 or WAV), no transcripts.

use callbrowser::http::{HttpLimits, HttpNotice};
use callbrowser::model::{Filter, PageRequest, Scope};
use callbrowser::providers::Provider;
use callbrowser::providers::welkin::{Welkin, WelkinAuthStyle, WelkinSettings, calls_query};
use callbrowser_emulators::Fault;
use callbrowser_emulators::welkin::{self, Endpoint, WelkinEmulator, WelkinOptions};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::harness::{
    At, Built, ErrorCase, FilterCase, Kind, MixedFilter, Offer, Pair, Pinned, Present, Query,
    RecordingStates, Scopes, Seen, clients, emulator_options, limits, owned, query,
};

pub struct WelkinPair {
    emu: WelkinEmulator,
    adapter: Built,
    jane: String,
}

fn settings(emu: &WelkinEmulator, secret: String) -> WelkinSettings {
    WelkinSettings {
        name: "welkin".into(),
        label: "Welkin Health".into(),
        base_url: format!("{}/", emu.base_url()),
        tenant: emu.tenant().into(),
        instance: emu.instance().into(),
        auth_style: WelkinAuthStyle::Current,
        client: emu.client_key(),
        secret,
        key_hint: "check WELKIN_SECRET".into(),
        patient: None,
    }
}

fn build(emu: &WelkinEmulator, secret: String, limits: HttpLimits) -> Built {
    build_pinned(emu, secret, limits, None)
}

fn build_pinned(
    emu: &WelkinEmulator,
    secret: String,
    limits: HttpLimits,
    patient: Option<Scope>,
) -> Built {
    let (api, storage, notices) = clients(limits);
    let settings = WelkinSettings {
        patient,
        ..settings(emu, secret)
    };
    Built::new(Welkin::new(settings, api, storage), notices)
}

fn called(v: &Value) -> DateTime<Utc> {
    v["calledAt"].as_str().unwrap().parse().unwrap()
}

fn secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl WelkinPair {
    fn calls(&self) -> Vec<Value> {
        self.emu.calls(&self.jane)
    }

    fn call_where(&self, keep: impl Fn(&Value) -> bool) -> At {
        let c = self.calls().into_iter().find(|c| keep(c)).unwrap();
        self.at(c["id"].as_str().unwrap())
    }
}

impl Pair for WelkinPair {
    const LABEL: &'static str = "Welkin Health";
    /// Jane Doe has 37 calls: four pages.
    const PAGE: u32 = 10;

    async fn start() -> Self {
        let emu = welkin::start_with(emulator_options(7), WelkinOptions::default())
            .await
            .unwrap();
        let adapter = build(&emu, emu.secret(), limits());
        let jane = emu
            .patients()
            .iter()
            .find(|p| p["firstName"] == "Jane" && p["lastName"] == "Doe")
            .map(|p| p["id"].as_str().unwrap().to_string())
            .unwrap();
        WelkinPair { emu, adapter, jane }
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
        build(&self.emu, self.emu.secret(), limits)
    }

    fn wrong_key(&self) -> (Built, String) {
        let sentence = "Welkin Health rejected the API client key or secret (401 \
                        INVALID_API_CLIENT_CREDENTIALS): check WELKIN_SECRET";
        (build(&self.emu, "wrong".into(), limits()), sentence.into())
    }

    fn scopes(&self) -> Option<Scopes> {
        let patients = self.emu.patients();
        let ids = patients.iter().map(|p| p["id"].as_str().unwrap().into());
        Some(Scopes {
            noun: "patient",
            ids: ids.collect(),
            page: 10,
            search: "Jane Doe",
            found: vec![self.jane.clone()],
        })
    }

    fn fault_on_scopes(&self, fault: Fault) {
        self.emu.faults_on(Endpoint::Patients).push(fault);
    }

    fn pinned(&self) -> Option<Pinned> {
        let scope = Scope {
            id: self.jane.clone(),
            name: "Jane Doe".into(),
            detail: None,
        };
        let adapter = build_pinned(&self.emu, self.emu.secret(), limits(), Some(scope.clone()));
        let unpinned = "Welkin Health: choose a patient first: Welkin lists calls per patient";
        Some(Pinned {
            adapter,
            scope,
            unpinned: unpinned.into(),
        })
    }

    fn scope(&self) -> Option<String> {
        Some(self.jane.clone())
    }

    fn listed_ids(&self) -> Vec<String> {
        let calls = self.calls();
        calls
            .iter()
            .map(|c| c["id"].as_str().unwrap().into())
            .collect()
    }

    /// Aimed at the calls list: the patient read sent alongside does not take it.
    fn fault_on_list(&self, fault: Fault) {
        self.emu.faults_on(Endpoint::Calls).push(fault);
    }

    fn pending_faults(&self) -> usize {
        self.emu.faults_on(Endpoint::Calls).pending() + self.emu.faults().pending()
    }

    fn list_requests(&self) -> Option<Vec<Seen>> {
        let seen = self.emu.requests().into_iter();
        let seen = seen.filter(|r| r.path.ends_with("/calls"));
        let seen = seen.map(|r| Seen {
            authorized: r
                .header("authorization")
                .is_some_and(|h| h.starts_with("Bearer eyJ")),
            query: r.query,
        });
        Some(seen.collect())
    }

    fn clear_requests(&self) {
        self.emu.clear_requests();
    }

    /// 0-based pages on the wire.
    fn base_query(&self, page: u32, size: u32) -> Query {
        query(&[
            ("page", &(page - 1).to_string()),
            ("size", &size.to_string()),
        ])
    }

    fn planned_query(&self, filter: &Filter, page: PageRequest) -> Query {
        owned(calls_query(filter, page, 100))
    }

    /// from/to are sent as startDate/endDate, to the second.
    fn filter_cases(&self) -> Vec<FilterCase> {
        let raw = self.calls();
        let (from, to) = (called(&raw[25]), called(&raw[8]));
        let want: Vec<String> = raw
            .iter()
            .filter(|c| called(c) >= from && called(c) <= to)
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(want.len(), 18);
        let f = Filter {
            from: Some(from),
            to: Some(to),
            ..Filter::default()
        };
        let sent = [("startDate", secs(from)), ("endDate", secs(to))];
        let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
        vec![FilterCase::new("from/to", f, &sent).ids(want)]
    }

    fn mixed_filter(&self) -> MixedFilter {
        MixedFilter {
            line: "from:2026-03-01 dir:in status:COMPLETED",
            local: vec!["dir", "status"],
            sent: query(&[("startDate", "2026-03-01T00:00:00Z")]),
        }
    }

    fn error_cases(&self) -> Vec<ErrorCase> {
        vec![
            ErrorCase::new(
                400,
                Kind::Vendor,
                "Welkin Health answered 400 BAD_REQUEST: The request could not be processed; \
                 check the search and filter",
            ),
            ErrorCase::new(
                403,
                Kind::Forbidden,
                "Welkin Health refused access (403 ACCESS_DENIED): Access is denied; check the \
                 API client's roles, instance access and security policy in Welkin",
            ),
            ErrorCase::new(
                404,
                Kind::NotFound,
                "Welkin Health: not found (The requested resource was not found (NOT_FOUND))",
            ),
            ErrorCase::new(
                405,
                Kind::Vendor,
                "Welkin Health answered 405 METHOD_NOT_ALLOWED: Request method is not supported; \
                 this address does not take this request; check `base_url`",
            ),
            ErrorCase::new(
                406,
                Kind::Vendor,
                "Welkin Health answered 406 NOT_ACCEPTABLE: Could not find an acceptable \
                 representation; this address does not answer in JSON; check `base_url`",
            ),
            ErrorCase::new(
                410,
                Kind::Vendor,
                "Welkin Health answered 410 GONE: The requested resource is no longer available; \
                 this API address is no longer served; check `base_url`",
            ),
            ErrorCase::new(
                401,
                Kind::Auth,
                "Welkin Health rejected the token (401 NOT_AUTHORIZED): check WELKIN_SECRET",
            ),
            ErrorCase::new(
                500,
                Kind::Vendor,
                "Welkin Health answered 500 INTERNAL_SERVER_ERROR: An unexpected error occurred; \
                 a failure on Welkin's side; try again in a few minutes",
            ),
        ]
    }

    fn unknown_call(&self) -> (At, String) {
        let sentence = "Welkin Health: not found (Call was not found (CALL_NOT_FOUND))";
        (self.at("no-such-call"), sentence.into())
    }

    fn transcripts(&self) -> Offer<crate::harness::TranscriptStates> {
        Offer::NotOffered {
            sample: self.call_where(|_| true),
        }
    }

    /// Every format the emulator serves (the first eight patients' recordings cover both).
    fn recordings(&self) -> Offer<RecordingStates> {
        let mut present = Vec::new();
        for p in self.emu.patients().iter().take(8) {
            let p = p["id"].as_str().unwrap();
            let calls = self.emu.calls(p);
            let with = calls.iter().filter(|c| c["hasRecording"] == true).take(3);
            for c in with {
                let id = c["id"].as_str().unwrap();
                let (_, bytes) = self.emu.recording(p, id).unwrap();
                let len = Some(bytes.len() as u64);
                let at = At::new(Some(p), id);
                let bytes = Some(bytes);
                present.push(Present { at, len, bytes });
            }
        }
        let missing = self.call_where(|c| c["hasRecording"] == false);
        let sentence =
            "Welkin Health: not found (this call has no recording (CALL_RECORDING_NOT_FOUND))";
        Offer::Offered(RecordingStates {
            present,
            formats: vec!["audio/mpeg", "audio/wav"],
            missing: Some((missing, sentence.into())),
            purged: None,
        })
    }
}

contract_tests!(WelkinPair);
