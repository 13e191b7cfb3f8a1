//! Raw-HTTP tests of the AlloMia emulator (answers as the vendor documents them).

use std::time::{Duration, Instant};

use callbrowser_emulators::allomia::{self, AlloMiaEmulator, Redirect, RetryAfter, WrongTypes};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::Value;

const LIST_KEYS: [&str; 13] = [
    "id",
    "organizationId",
    "callType",
    "agentId",
    "agentName",
    "teamId",
    "teamName",
    "phoneNumber",
    "callStartedAt",
    "callEndedAt",
    "callDurationSeconds",
    "userPhoneNumber",
    "createdAt",
];

const DETAIL_EXTRA_KEYS: [&str; 9] = [
    "callEndedReason",
    "userName",
    "userPrimaryIntent",
    "userSentiment",
    "callOutcome",
    "callSummary",
    "callSummaryFr",
    "transcriptUrl",
    "recordingUrl",
];

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap(),
        ..EmulatorOptions::default()
    }
}

async fn start() -> AlloMiaEmulator {
    allomia::start(opts()).await.unwrap()
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

async fn get_q(emu: &AlloMiaEmulator, path: &str, auth: Option<&str>, q: &[(&str, &str)]) -> Resp {
    let mut rb = Client::new()
        .get(format!("{}{path}", emu.base_url()))
        .query(q);
    if let Some(a) = auth {
        rb = rb.header("Authorization", a);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Resp {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

async fn tenant(emu: &AlloMiaEmulator, path: &str, q: &[(&str, &str)]) -> Resp {
    let auth = format!("Bearer {}", emu.tenant_key());
    get_q(emu, path, Some(&auth), q).await
}

fn org_ids(emu: &AlloMiaEmulator) -> Vec<String> {
    emu.organizations()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

fn assert_error(r: &Resp, status: u16, message: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.json);
    assert_eq!(r.json["error"], message, "{}", r.json);
    assert_eq!(r.json.as_object().unwrap().len(), 1, "only {{\"error\"}}");
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn started(c: &Value) -> DateTime<Utc> {
    c["callStartedAt"].as_str().unwrap().parse().unwrap()
}

/// Every page of `/api/calls` with these parameters.
async fn all_pages(emu: &AlloMiaEmulator, q: &[(&str, &str)]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = page.to_string();
        let mut q = q.to_vec();
        q.push(("page", &p));
        q.push(("limit", "50"));
        let r = tenant(emu, "/api/calls", &q).await;
        assert_eq!(r.status, 200, "{}", r.json);
        out.extend(r.json["calls"].as_array().unwrap().iter().cloned());
        if r.json["pagination"]["hasNextPage"] != true {
            break;
        }
        page += 1;
    }
    out
}

#[tokio::test]
async fn bearer_keys_are_checked() {
    let emu = start().await;
    let org = &org_ids(&emu)[0];
    let q = [("organizationId", org.as_str())];
    let r = get_q(&emu, "/api/calls", None, &q).await;
    assert_eq!(r.status, 401);
    assert!(
        r.json["error"]
            .as_str()
            .unwrap()
            .starts_with("Unauthorized")
    );
    let key = emu.tenant_key();
    let r = get_q(&emu, "/api/calls", Some(&key), &q).await;
    assert_eq!(r.status, 401, "the Bearer scheme is required");
    let r = get_q(&emu, "/api/calls", Some("Bearer am_tenant_nope"), &q).await;
    assert_error(&r, 401, "Unauthorized: invalid API key");
    let r = get_q(&emu, "/api/calls", Some(&format!("bearer {key}")), &q).await;
    assert_eq!(r.status, 200, "the scheme is case-insensitive");
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_ne!(emu.tenant_key(), emu.organization_key(0));
    assert_eq!(emu.organization_key(7), "");
}

#[tokio::test]
async fn organizations_for_tenant_keys_only() {
    let emu = start().await;
    let r = tenant(&emu, "/api/organization", &[]).await;
    assert_eq!(r.status, 200);
    let orgs = r.json["organizations"].as_array().unwrap();
    assert_eq!(orgs, &emu.organizations());
    assert_eq!(orgs.len(), 3);
    for o in orgs {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5);
        for k in ["id", "name", "phoneNumber", "timezone", "createdAt"] {
            assert!(keys.contains(&k), "{k}");
        }
    }
    let tzs: Vec<&str> = orgs
        .iter()
        .map(|o| o["timezone"].as_str().unwrap())
        .collect();
    assert_eq!(
        tzs,
        ["America/Montreal", "America/Toronto", "America/Los_Angeles"]
    );
    assert_eq!(
        r.json["pagination"],
        serde_json::json!({"page": 1, "limit": 10, "total": 3, "totalPages": 1,
                           "hasNextPage": false, "hasPreviousPage": false})
    );
    let r = tenant(
        &emu,
        "/api/organization",
        &[("sort", "-name"), ("limit", "2")],
    )
    .await;
    let names: Vec<&str> = r.json["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Valley Health Clinic", "Riverside Family Health Team"]
    );
    assert_eq!(r.json["pagination"]["hasNextPage"], true);
    let r = tenant(&emu, "/api/organization", &[("search", "CLINIQUE")]).await;
    assert_eq!(r.json["organizations"].as_array().unwrap().len(), 1);
    let r = tenant(&emu, "/api/organization", &[("limit", "101")]).await;
    assert_error(&r, 400, "limit must be between 1 and 100");
    let r = tenant(&emu, "/api/organization", &[("sort", "size")]).await;
    assert_eq!(r.status, 400);
    let r = tenant(&emu, "/api/organization", &[("page", "0")]).await;
    assert_error(&r, 400, "page must be a positive integer");

    let auth = format!("Bearer {}", emu.organization_key(0));
    let r = get_q(&emu, "/api/organization", Some(&auth), &[]).await;
    assert_error(
        &r,
        403,
        "Forbidden: organization API keys cannot list organizations",
    );
}

#[tokio::test]
async fn calls_envelope_paging_and_documented_fields() {
    let emu = start().await;
    let orgs = org_ids(&emu);
    for (oi, org) in orgs.iter().enumerate() {
        let r = tenant(&emu, "/api/calls", &[("organizationId", org)]).await;
        assert_eq!(r.status, 200);
        let calls = r.json["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 20, "default limit");
        assert_eq!(
            r.json["pagination"],
            serde_json::json!({"page": 1, "limit": 20, "total": 150, "totalPages": 8,
                               "hasNextPage": true, "hasPreviousPage": false})
        );
        let all = all_pages(&emu, &[("organizationId", org)]).await;
        assert_eq!(all, emu.calls(org));
        assert_eq!(all.len(), allomia::CALLS_PER_ORG);
        assert!(
            all.windows(2).all(|w| started(&w[0]) > started(&w[1])),
            "newest first"
        );
        for c in &all {
            let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), LIST_KEYS.len(), "{c}");
            for k in LIST_KEYS {
                assert!(keys.contains(&k), "{k}");
            }
            assert_eq!(c["organizationId"], org.as_str());
            assert!(["Inbound", "Outbound", "Web"].contains(&c["callType"].as_str().unwrap()));
            let ts = c["callStartedAt"].as_str().unwrap();
            assert_eq!(ts.len(), "2025-05-28T14:20:15Z".len(), "{ts}");
            let dur = match &c["callDurationSeconds"] {
                Value::String(s) => s.parse::<i64>().unwrap(),
                n => n.as_i64().unwrap(),
            };
            let ended: DateTime<Utc> = c["callEndedAt"].as_str().unwrap().parse().unwrap();
            assert_eq!((ended - started(c)).num_seconds(), dur);
            if c["callType"] == "Web" {
                assert!(c["userPhoneNumber"].is_null());
            } else {
                assert!(c["userPhoneNumber"].as_str().unwrap().starts_with("+1"));
            }
            // Ontario has no teams.
            assert_eq!(c["teamId"].is_null(), oi == 1, "{c}");
            assert_eq!(c["teamName"].is_null(), oi == 1, "{c}");
        }
        let strings = all
            .iter()
            .filter(|c| c["callDurationSeconds"].is_string())
            .count();
        assert!(
            strings > 130 && strings < 150,
            "mostly strings, a few numbers: {strings}"
        );
        let agents: std::collections::HashSet<&str> = all
            .iter()
            .map(|c| c["agentName"].as_str().unwrap())
            .collect();
        assert!((2..=3).contains(&agents.len()), "{agents:?}");
        // Past the last page: empty with totals.
        let r = tenant(
            &emu,
            "/api/calls",
            &[("organizationId", org), ("page", "9")],
        )
        .await;
        assert_eq!(r.json["calls"].as_array().unwrap().len(), 0);
        assert_eq!(r.json["pagination"]["hasPreviousPage"], true);
        assert_eq!(r.json["pagination"]["hasNextPage"], false);
    }
}

#[tokio::test]
async fn every_list_filter_filters() {
    let emu = start().await;
    let org = org_ids(&emu)[0].clone();
    let reference = emu.calls(&org);
    let facts: Vec<_> = emu
        .call_facts()
        .into_iter()
        .filter(|f| f.organization_id == org)
        .collect();
    let o = ("organizationId", org.as_str());

    for t in ["Inbound", "Outbound", "Web"] {
        let got = all_pages(&emu, &[o, ("callType", t)]).await;
        let want: Vec<Value> = reference
            .iter()
            .filter(|c| c["callType"] == t)
            .cloned()
            .collect();
        assert!(!want.is_empty(), "{t}");
        assert_eq!(got, want);
    }
    let got = all_pages(&emu, &[o, ("agentName", "RAPPELS")]).await;
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|c| c["agentName"] == "Rappels de rendez-vous")
    );
    assert_eq!(
        got.len(),
        reference
            .iter()
            .filter(|c| c["agentName"] == "Rappels de rendez-vous")
            .count()
    );

    // from/to are inclusive.
    let a = reference[100]["callStartedAt"].as_str().unwrap();
    let b = reference[40]["callStartedAt"].as_str().unwrap();
    let got = all_pages(&emu, &[o, ("from", a), ("to", b)]).await;
    assert_eq!(ids(&got), ids(&reference[40..=100]));
    let got = all_pages(&emu, &[o, ("from", "2026-03-01")]).await;
    let cut = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    assert_eq!(
        got.len(),
        reference.iter().filter(|c| started(c) >= cut).count()
    );
    let got = all_pages(&emu, &[o, ("to", "2026-03-01T00:00:00-05:00")]).await;
    let cut = Utc.with_ymd_and_hms(2026, 3, 1, 5, 0, 0).unwrap();
    assert_eq!(
        got.len(),
        reference.iter().filter(|c| started(c) <= cut).count()
    );

    let got = all_pages(&emu, &[o, ("userPrimaryIntent", "billing_question")]).await;
    let want: Vec<String> = facts
        .iter()
        .filter(|f| f.intent == Some("billing_question"))
        .map(|f| f.id.clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&got), want);

    let asc = all_pages(&emu, &[o, ("sort", "asc")]).await;
    let mut rev = reference.clone();
    rev.reverse();
    assert_eq!(asc, rev);
    let dur = |c: &Value| match &c["callDurationSeconds"] {
        Value::String(s) => s.parse::<i64>().unwrap(),
        n => n.as_i64().unwrap(),
    };
    let d = all_pages(&emu, &[o, ("sort", "duration_desc")]).await;
    assert!(d.windows(2).all(|w| dur(&w[0]) >= dur(&w[1])));
    let d = all_pages(&emu, &[o, ("sort", "duration_asc")]).await;
    assert!(d.windows(2).all(|w| dur(&w[0]) <= dur(&w[1])));
    let d = all_pages(&emu, &[o, ("sort", "desc"), ("callType", "")]).await;
    assert_eq!(d, reference, "an empty value counts as absent");
}

/// Query, expected status, expected message.
type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);

#[tokio::test]
async fn list_validation_in_the_vendor_shape() {
    let emu = start().await;
    let org = org_ids(&emu)[0].clone();
    let o = ("organizationId", org.as_str());
    let cases: [Case; 10] = [
        (&[], 400, "organizationId is required"),
        (&[o, ("limit", "51")], 400, "limit must be between 1 and 50"),
        (&[o, ("limit", "0")], 400, "limit must be between 1 and 50"),
        (&[o, ("page", "0")], 400, "page must be a positive integer"),
        (&[o, ("page", "x")], 400, "page must be a positive integer"),
        (
            &[o, ("callType", "inbound")],
            400,
            "Invalid callType. Must be one of: Inbound, Outbound, Web",
        ),
        (
            &[o, ("from", "01/05/2025")],
            400,
            "Invalid date format for 'from'. Use ISO 8601, e.g. 2025-05-01T00:00:00Z",
        ),
        (
            &[
                o,
                ("from", "2026-03-10T00:00:00Z"),
                ("to", "2026-03-01T00:00:00Z"),
            ],
            400,
            "'from' date must be before 'to' date",
        ),
        (
            &[o, ("sort", "newest")],
            400,
            "Invalid sort. Must be one of: desc, asc, duration_desc, duration_asc",
        ),
        (
            &[("organizationId", "00000000-0000-4000-8000-000000000000")],
            404,
            "Organization not found",
        ),
    ];
    for (q, status, msg) in cases {
        let r = tenant(&emu, "/api/calls", q).await;
        assert_error(&r, status, msg);
    }
    // An organization key sees its own organization only.
    let orgs = org_ids(&emu);
    let auth = format!("Bearer {}", emu.organization_key(1));
    let r = get_q(
        &emu,
        "/api/calls",
        Some(&auth),
        &[("organizationId", &orgs[1])],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = get_q(
        &emu,
        "/api/calls",
        Some(&auth),
        &[("organizationId", &orgs[0])],
    )
    .await;
    assert_error(&r, 404, "Organization not found");
    let r = tenant(&emu, "/api/nothing", &[]).await;
    assert_error(&r, 404, "Route not found");
}

#[tokio::test]
async fn detail_with_both_summaries_and_signed_urls_on_another_host() {
    let emu = start().await;
    let facts = emu.call_facts();
    let (mut fr_only, mut no_transcript, mut no_recording, mut voicemail) = (0, 0, 0, 0);
    let mut outcomes = std::collections::HashSet::new();
    let mut sentiments = std::collections::HashSet::new();
    for f in facts.iter().step_by(3) {
        let r = tenant(&emu, &format!("/api/calls/{}", f.id), &[]).await;
        assert_eq!(r.status, 200);
        let d = r.json.as_object().unwrap();
        assert_eq!(d.len(), LIST_KEYS.len() + DETAIL_EXTRA_KEYS.len());
        for k in LIST_KEYS.iter().chain(&DETAIL_EXTRA_KEYS) {
            assert!(d.contains_key(*k), "{k}");
        }
        // "All values are strings or null" (durations aside, see the vendor file).
        for (k, v) in d {
            assert!(
                v.is_string() || v.is_null() || k == "callDurationSeconds",
                "{k}: {v}"
            );
        }
        let list_item = emu
            .calls(&f.organization_id)
            .into_iter()
            .find(|c| c["id"] == f.id.as_str())
            .unwrap();
        for k in LIST_KEYS {
            assert_eq!(d[k], list_item[k], "{k}");
        }
        assert!(d["callSummaryFr"].is_string());
        if d["callSummary"].is_null() {
            assert!(f.english_summary_missing);
            assert_eq!(f.language, "fr-CA");
            fr_only += 1;
        }
        for (k, has) in [
            ("transcriptUrl", f.has_transcript),
            ("recordingUrl", f.has_recording),
        ] {
            match d[k].as_str() {
                Some(url) => {
                    assert!(has);
                    assert!(url.starts_with(&emu.storage_base_url()), "{url}");
                    assert!(!url.starts_with(&emu.base_url()));
                    assert!(url.contains("X-Amz-Expires=") && url.contains("X-Amz-Signature="));
                }
                None => {
                    assert!(!has);
                    if k == "transcriptUrl" {
                        no_transcript += 1;
                    } else {
                        no_recording += 1;
                    }
                }
            }
        }
        if f.outcome == "voicemail_left" {
            assert!(d["userName"].is_null() && d["userPrimaryIntent"].is_null());
            voicemail += 1;
        }
        outcomes.insert(d["callOutcome"].as_str().unwrap().to_string());
        if let Some(s) = d["userSentiment"].as_str() {
            sentiments.insert(s.to_string());
        }
    }
    assert!(
        fr_only >= 1 && no_transcript >= 1 && no_recording >= 1 && voicemail >= 1,
        "{fr_only} {no_transcript} {no_recording} {voicemail}"
    );
    for o in [
        "appointment_confirmed",
        "voicemail_left",
        "transferred_to_human",
    ] {
        assert!(outcomes.contains(o), "{o} in {outcomes:?}");
    }
    assert_eq!(sentiments.len(), 3, "{sentiments:?}");

    // Organization isolation on the detail; unknown ids.
    let org0_call = &facts[0].id;
    let auth = format!("Bearer {}", emu.organization_key(1));
    let r = get_q(&emu, &format!("/api/calls/{org0_call}"), Some(&auth), &[]).await;
    assert_error(&r, 404, "Call not found");
    let auth = format!("Bearer {}", emu.organization_key(0));
    let r = get_q(&emu, &format!("/api/calls/{org0_call}"), Some(&auth), &[]).await;
    assert_eq!(r.status, 200);
    let r = tenant(&emu, "/api/calls/nope", &[]).await;
    assert_error(&r, 404, "Call not found");
}

#[tokio::test]
async fn transcripts_are_plain_text_with_some_unusual_lines() {
    let emu = start().await;
    let facts = emu.call_facts();
    let (mut blank, mut crlf, mut long, mut bare, mut unformatted, mut notes) = (0, 0, 0, 0, 0, 0);
    for f in facts.iter().filter(|f| f.has_transcript) {
        let text = emu.transcript_text(&f.id).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // The ASSUMED format has two speakers, `Agent` and `User`, and no other.
        let has_prefix = |l: &&str| l.starts_with("Agent: ") || l.starts_with("User: ");
        assert!(!text.contains("Staff:"), "{text}");
        if f.unformatted_transcript {
            assert!(!lines.iter().any(has_prefix), "{text}");
            unformatted += 1;
            continue;
        }
        assert!(lines[..].iter().any(has_prefix));
        if !f.unusual_transcript {
            assert!(lines.iter().all(has_prefix), "{text}");
            continue;
        }
        blank += usize::from(lines.iter().any(|l| l.trim().is_empty()));
        crlf += usize::from(text.contains("\r\n"));
        long += usize::from(lines.iter().any(|l| l.len() > 1500));
        bare += usize::from(lines.iter().any(|l| !l.trim().is_empty() && !has_prefix(l)));
        // A `Name: text` line that is no speaker continues a turn.
        notes += usize::from(
            lines
                .iter()
                .any(|l| l.starts_with("Note: ") || l.starts_with("Rappel : ")),
        );
    }
    assert_eq!(unformatted, 3, "one per organization");
    assert!(
        blank >= 3 && crlf >= 3 && long >= 3 && bare >= 3 && notes >= 3,
        "{blank} {crlf} {long} {bare} {notes}"
    );
    // French and English conversations.
    let fr = facts.iter().filter(|f| f.language == "fr-CA").count();
    let en = facts.iter().filter(|f| f.language == "en").count();
    assert!(fr > 100 && en > 200, "{fr} {en}");
    let f = facts
        .iter()
        .find(|f| f.language == "fr-CA" && f.has_transcript && !f.unformatted_transcript)
        .unwrap();
    assert!(
        emu.transcript_text(&f.id)
            .unwrap()
            .contains("Agent: Bonjour")
    );
}

#[tokio::test]
async fn storage_serves_text_and_mp3_with_ranges_and_sees_no_credentials() {
    let emu = start().await;
    let f = emu
        .call_facts()
        .into_iter()
        .find(|f| f.has_transcript && f.has_recording && !f.unformatted_transcript)
        .unwrap();
    let d = tenant(&emu, &format!("/api/calls/{}", f.id), &[])
        .await
        .json;
    let client = Client::new();

    let t_url = d["transcriptUrl"].as_str().unwrap();
    let r = client.get(t_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), emu.transcript_text(&f.id).unwrap());

    let url = d["recordingUrl"].as_str().unwrap();
    assert!(url.contains(".mp3?"));
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "audio/mpeg");
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.content_length(), Some(f.recording_bytes));
    let full = r.bytes().await.unwrap();
    assert!(full.starts_with(b"ID3") || (full[0] == 0xFF && full[1] & 0xE0 == 0xE0));

    let r = client
        .get(url)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{}", f.recording_bytes).as_str()
    );
    assert_eq!(r.bytes().await.unwrap(), full[100..200]);
    let r = client
        .get(url)
        .header("Range", format!("bytes={}-", f.recording_bytes + 5))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 416);
    let r = client.head(url).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // Tampered signature, malformed date, missing parameters, unknown object.
    let tampered = url.replace("X-Amz-Expires=", "X-Amz-Expires=9");
    let r = client.get(&tampered).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<Code>SignatureDoesNotMatch</Code>")
    );
    let bad_date = regex_free_replace(url, "X-Amz-Date=", "X-Amz-Date=yesterday&x=");
    let r = client.get(&bad_date).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<Code>AuthorizationQueryParametersError</Code>")
    );
    let bare = url.split('?').next().unwrap();
    let r = client.get(bare).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let other = url.replace(&f.id, "00000000-0000-4000-8000-000000000000");
    assert_eq!(
        client.get(&other).send().await.unwrap().status(),
        403,
        "signature covers the path"
    );

    // A signed URL sent with credentials is refused the way S3 does, so a leak is visible.
    for auth in ["Bearer am_tenant_secret", "AWS4-HMAC-SHA256 Credential=x"] {
        let r = client
            .get(t_url)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("xml")
        );
        let body = r.text().await.unwrap();
        assert!(body.contains("<Code>InvalidArgument</Code>"), "{body}");
        assert!(
            body.contains("<Message>Only one auth mechanism allowed;"),
            "{body}"
        );
        assert!(body.contains("<ArgumentName>Authorization</ArgumentName>"));
        assert!(!body.contains("secret"), "the header value is not echoed");
    }
    let seen = emu.storage_requests();
    assert!(seen.len() >= 10);
    assert_eq!(
        seen.iter()
            .filter(|r| r.header("authorization").is_some())
            .count(),
        2,
        "requests are recorded with their headers"
    );
    for r in &seen {
        assert!(
            !r.path_and_query_redacted.contains("Signature"),
            "tokens are not logged"
        );
    }
    // API requests never went to the storage host and vice versa.
    assert!(
        emu.api_requests()
            .iter()
            .all(|r| r.path.starts_with("/api/"))
    );
}

/// Inserts garbage right after a query key (keeps the rest of the URL).
fn regex_free_replace(url: &str, key: &str, with: &str) -> String {
    url.replacen(key, with, 1)
}

#[tokio::test]
async fn signed_urls_expire_and_redirect_like_s3() {
    let emu = allomia::start(EmulatorOptions {
        signed_url_ttl: Duration::from_secs(1),
        ..opts()
    })
    .await
    .unwrap();
    let f = emu
        .call_facts()
        .into_iter()
        .find(|f| f.has_recording && f.has_transcript)
        .unwrap();
    let path = format!("/api/calls/{}", f.id);
    let d = tenant(&emu, &path, &[]).await.json;
    let url = d["recordingUrl"].as_str().unwrap().to_string();
    let client = Client::new();
    assert_eq!(
        client
            .get(&url)
            .header("Range", "bytes=0-9")
            .send()
            .await
            .unwrap()
            .status(),
        206
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for u in [&url, &d["transcriptUrl"].as_str().unwrap().to_string()] {
        let r = client.get(u).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("xml")
        );
        let body = r.text().await.unwrap();
        assert!(body.starts_with("<?xml"));
        assert!(body.contains("<Code>AccessDenied</Code>"));
        assert!(body.contains("<Message>Request has expired</Message>"));
    }
    let fresh = tenant(&emu, &path, &[]).await.json;
    let fresh_url = fresh["recordingUrl"].as_str().unwrap();
    assert_ne!(fresh_url, url);
    assert_eq!(client.get(fresh_url).send().await.unwrap().status(), 200);

    // Already-expired URLs on request.
    emu.expire_next_urls(1);
    let stale = tenant(&emu, &path, &[]).await.json;
    assert_eq!(
        client
            .get(stale["transcriptUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = tenant(&emu, &path, &[]).await.json;
    assert_eq!(
        client
            .get(ok["transcriptUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // A rotated signing key revokes every URL issued so far.
    emu.rotate_signing_key();
    let r = client
        .get(ok["transcriptUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("SignatureDoesNotMatch"));

    // Redirecting recordings: 302 to another signed storage path.
    emu.set_redirect_recordings(Redirect::SameHost);
    let d = tenant(&emu, &path, &[]).await.json;
    let url = d["recordingUrl"].as_str().unwrap();
    assert!(url.contains("/recordings-redirect/"));
    let no_follow = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_follow.get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(&emu.storage_base_url()));
    assert!(location.contains("/recordings/") && location.contains("X-Amz-Signature="));
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.content_length(), Some(f.recording_bytes));

    // … or to the same object signed on the mirror host (another port).
    emu.set_redirect_recordings(Redirect::OtherHost);
    let d = tenant(&emu, &path, &[]).await.json;
    let url = d["recordingUrl"].as_str().unwrap();
    assert!(url.starts_with(&emu.storage_base_url()));
    let r = no_follow.get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_ne!(emu.mirror_base_url(), emu.storage_base_url());
    assert!(location.starts_with(&emu.mirror_base_url()), "{location}");
    assert!(location.contains("/recordings/") && location.contains("X-Amz-Signature="));
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.content_length(), Some(f.recording_bytes));
    let mirror = emu.mirror_requests();
    assert_eq!(mirror.len(), 1);
    assert!(mirror[0].path_and_query_redacted.contains("/recordings/"));
    // The mirror checks like the storage host: credentials, signatures, expiry.
    let r = client
        .get(&location)
        .header("Authorization", "Bearer x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let tampered = location.replace("X-Amz-Expires=", "X-Amz-Expires=9");
    assert_eq!(client.get(&tampered).send().await.unwrap().status(), 403);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = client.get(&location).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Request has expired"));
}

#[tokio::test]
async fn the_url_clock_can_move_ahead_of_the_client() {
    let emu = start().await;
    let f = emu
        .call_facts()
        .into_iter()
        .find(|f| f.has_recording && f.has_transcript)
        .unwrap();
    let path = format!("/api/calls/{}", f.id);
    let old = tenant(&emu, &path, &[]).await.json;
    let client = Client::new();
    let old_url = old["recordingUrl"].as_str().unwrap();
    assert_eq!(client.get(old_url).send().await.unwrap().status(), 200);
    emu.advance_url_clock(Duration::from_secs(3601));
    for k in ["recordingUrl", "transcriptUrl"] {
        let r = client.get(old[k].as_str().unwrap()).send().await.unwrap();
        assert_eq!(r.status(), 403, "{k}");
        let body = r.text().await.unwrap();
        assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
        assert!(
            body.contains("<Message>Request has expired</Message>"),
            "{body}"
        );
    }
    // URLs issued now are dated by the moved clock and valid for an hour of it.
    let fresh = tenant(&emu, &path, &[]).await.json;
    let fresh_url = fresh["recordingUrl"].as_str().unwrap();
    let date = |u: &str| {
        let q = u.split_once("X-Amz-Date=").unwrap().1;
        chrono::NaiveDateTime::parse_from_str(&q[..16], "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc()
    };
    assert!(date(fresh_url) - date(old_url) >= chrono::Duration::seconds(3600));
    assert_eq!(client.get(fresh_url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let org = org_ids(&emu)[0].clone();
    let url = format!("{}/api/calls", emu.base_url());
    let auth = format!("Bearer {}", emu.tenant_key());
    let client = Client::new();
    let send = || {
        client
            .get(&url)
            .query(&[("organizationId", org.as_str())])
            .header("Authorization", &auth)
            .send()
    };

    emu.faults()
        .push(Fault::Latency(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(send().await.unwrap().status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 17,
    });
    let r = send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "17");
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        serde_json::json!({"error": "Too many requests"})
    );

    for (code, msg) in [
        (500, "Internal server error"),
        (502, "Bad gateway"),
        (503, "Service unavailable"),
        (404, "Not found"),
    ] {
        emu.faults().push(Fault::Status(code));
        let r = send().await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], msg);
    }

    emu.faults().push(Fault::ConnectionReset);
    assert!(
        !send()
            .await
            .expect_err("connection must be dropped")
            .is_status()
    );

    emu.faults().push(Fault::TruncatedBody);
    match send().await {
        Ok(r) => {
            assert!(r.content_length().unwrap() > 0);
            assert!(r.bytes().await.is_err(), "body must fail");
        }
        Err(e) => assert!(!e.is_status()),
    }

    emu.faults().push(Fault::MalformedJson);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    emu.faults().push(Fault::WrongTypesRecord);
    let j: Value = send().await.unwrap().json().await.unwrap();
    let calls = j["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 20);
    let bad: Vec<&Value> = calls.iter().filter(|c| !c["id"].is_string()).collect();
    assert_eq!(bad.len(), 1);
    assert!(bad[0]["id"].is_array());
    assert!(bad[0]["callDurationSeconds"].is_object());
    assert!(bad[0]["callStartedAt"].is_number());

    // The readable variant: ids kept, a bad duration and type, then a bad start time.
    emu.set_wrong_types(WrongTypes::BadValues);
    emu.faults().push(Fault::WrongTypesRecord);
    let j: Value = send().await.unwrap().json().await.unwrap();
    let calls = j["calls"].as_array().unwrap();
    let reference = emu.calls(&org);
    assert_eq!(ids(calls), ids(&reference[..20]));
    assert!(calls[10]["callDurationSeconds"].is_object());
    assert!(calls[10]["callType"].is_number());
    assert_eq!(calls[10]["callStartedAt"], reference[10]["callStartedAt"]);
    assert_eq!(calls[11]["callStartedAt"], "yesterday at 2 pm");
    assert_eq!(
        calls[11]["callDurationSeconds"],
        reference[11]["callDurationSeconds"]
    );
    for (i, (c, r)) in calls.iter().zip(&reference).enumerate() {
        if i != 10 && i != 11 {
            assert_eq!(c, r, "{i}");
        }
    }
    emu.set_wrong_types(WrongTypes::UnreadableId);

    // 503 with Retry-After when asked; Retry-After as an HTTP date.
    emu.faults().push(Fault::Status(503));
    assert!(send().await.unwrap().headers().get("retry-after").is_none());
    emu.set_unavailable_retry_after(Some(4));
    emu.faults().push(Fault::Status(503));
    let r = send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "4");
    emu.set_retry_after(RetryAfter::HttpDate);
    for fault in [
        Fault::Status(503),
        Fault::RateLimited {
            retry_after_secs: 4,
        },
    ] {
        emu.faults().push(fault.clone());
        let before = Utc::now();
        let r = send().await.unwrap();
        let v = r.headers()["retry-after"].to_str().unwrap().to_string();
        assert!(v.ends_with(" GMT"), "{v}");
        let at = DateTime::parse_from_rfc2822(&v).unwrap();
        assert!(
            at >= before + chrono::Duration::seconds(3),
            "{fault:?}: {v}"
        );
    }
    emu.set_retry_after(RetryAfter::Seconds);

    // FIFO, one per request; storage requests do not consume faults.
    emu.faults().push(Fault::Status(500));
    emu.faults().push(Fault::Status(503));
    let f = emu
        .call_facts()
        .into_iter()
        .find(|f| f.has_transcript)
        .unwrap();
    let _ = client
        .get(format!(
            "{}{}/x.txt",
            emu.storage_base_url(),
            allomia::BUCKET
        ))
        .send()
        .await;
    assert_eq!(emu.faults().pending(), 2);
    assert_eq!(send().await.unwrap().status(), 500);
    assert_eq!(send().await.unwrap().status(), 503);
    assert_eq!(send().await.unwrap().status(), 200);
    assert!(emu.call_detail(&f.id).is_some());
}

#[tokio::test]
async fn storage_faults_are_observable() {
    let emu = start().await;
    let f = emu
        .call_facts()
        .into_iter()
        .find(|f| f.has_recording && f.has_transcript)
        .unwrap();
    let d = emu.call_detail(&f.id).unwrap();
    let url = d["recordingUrl"].as_str().unwrap().to_string();
    let client = Client::new();

    emu.storage_faults()
        .push(Fault::Latency(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    for (status, code) in [
        (500, "InternalError"),
        (503, "SlowDown"),
        (502, "ServiceUnavailable"),
    ] {
        emu.storage_faults().push(Fault::Status(status));
        let r = client.get(&url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("xml")
        );
        let body = r.text().await.unwrap();
        assert!(body.contains(&format!("<Code>{code}</Code>")), "{body}");
    }
    emu.storage_faults().push(Fault::RateLimited {
        retry_after_secs: 7,
    });
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "7");

    // A reset before any byte (a fresh client: no pooled connection is retried).
    emu.storage_faults().push(Fault::ConnectionReset);
    let e = Client::new().get(&url).send().await.unwrap_err();
    assert!(!e.is_status());

    // Cut mid-recording, with or without a range: fewer bytes than promised, then an error.
    for range in [None, Some("bytes=1000-")] {
        emu.storage_faults().push(Fault::TruncatedBody);
        let mut req = Client::new().get(&url);
        if let Some(r) = range {
            req = req.header("Range", r);
        }
        let mut r = req.send().await.unwrap();
        let promised = r.content_length().unwrap();
        let want = f.recording_bytes - if range.is_some() { 1000 } else { 0 };
        assert_eq!(promised, want, "{range:?}");
        let mut got = 0u64;
        let failed = loop {
            match r.chunk().await {
                Ok(Some(c)) => got += c.len() as u64,
                Ok(None) => break false,
                Err(_) => break true,
            }
        };
        assert!(failed && got < promised, "{range:?}: {got} of {promised}");
    }

    // Transcripts too; API requests do not take storage faults, nor storage requests API ones.
    emu.storage_faults().push(Fault::Status(500));
    emu.faults().push(Fault::Status(502));
    let t_url = d["transcriptUrl"].as_str().unwrap();
    assert_eq!(client.get(t_url).send().await.unwrap().status(), 500);
    assert_eq!(emu.faults().pending(), 1);
    let r = tenant(&emu, &format!("/api/calls/{}", f.id), &[]).await;
    assert_eq!(r.status, 502);
    assert_eq!(emu.storage_faults().pending(), 0);
    assert_eq!(client.get(t_url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn same_seed_same_data() {
    let a = start().await;
    let b = start().await;
    assert_eq!(a.organizations(), b.organizations());
    assert_eq!(a.tenant_key(), b.tenant_key());
    for id in org_ids(&a) {
        assert_eq!(a.calls(&id), b.calls(&id));
        let c = a.calls(&id)[5]["id"].as_str().unwrap().to_string();
        let (da, db) = (a.call_detail(&c).unwrap(), b.call_detail(&c).unwrap());
        assert_eq!(da["callSummary"], db["callSummary"]);
        assert_eq!(da["callSummaryFr"], db["callSummaryFr"]);
        assert_eq!(a.transcript_text(&c), b.transcript_text(&c));
    }
    let c = allomia::start(EmulatorOptions { seed: 7, ..opts() })
        .await
        .unwrap();
    assert_ne!(a.organizations(), c.organizations());
    assert_ne!(a.tenant_key(), c.tenant_key());
    // Calls lie within the 60 days before `now`.
    for id in org_ids(&a) {
        for call in a.calls(&id) {
            let s = started(&call);
            assert!(s < opts().now && s > opts().now - chrono::Duration::days(60));
        }
    }
}

#[tokio::test]
async fn dropping_the_emulator_stops_it() {
    let emu = start().await;
    let url = format!("{}/api/organization", emu.base_url());
    assert_eq!(Client::new().get(&url).send().await.unwrap().status(), 401);
    drop(emu);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = Client::new()
        .get(&url)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(r.is_err(), "server still answers after drop");
}
