//! The mapping tested with the documented examples and odd values.
use super::*;

fn owner() -> Arc<Account> {
    Arc::new(Account::new(
        crate::model::ProviderKind::Voxeme,
        "https://voice.example.com",
        None,
    ))
}
use reqwest::header::{HeaderValue, WWW_AUTHENTICATE};

/// The RecentCalls answer of `shared/providers/voxeme.md`, verbatim.
const RECENT_CALLS: &str = r#"{"total": 312, "page_size": "25", "page": "1", "data": [
  {"attempted_at": "2026-03-18T14:22:00.000Z", "account_sid": "5f8e8f60-4771-44cb-92a6-94ea66df0450",
   "service_provider_sid": "…", "application_sid": null, "call_sid": "b6f48929-8e86-4d62-ae3b-64fb574d91f6",
   "direction": "inbound", "from": "15083084809", "to": "18882349999", "answered": true,
   "answered_at": "2026-03-18T14:22:03.000Z", "terminated_at": "2026-03-18T14:22:45.000Z",
   "duration": 45, "sip_status": 200, "sip_callid": "685cd008-…@192.168.1.100", "sip_parent_callid": null,
   "termination_reason": "caller hungup", "host": "192.168.1.100", "remote_host": "3.55.24.34",
   "trunk": "twilio", "trace_id": "00000000000000000000000000000000",
   "recording_url": "/Accounts/5f8e8f60-…/RecentCalls/b6f48929-…/record/2026/03/18/mp3"}
]}"#;

/// The "Get Calls" example of `seed-docs/voxeme-get-calls.md` (YAML there), value for value.
const LIVE_CALLS: &str = r#"[
  {"account_sid": "5f8e8f60-4771-44cb-92a6-94ea66df0450", "call_id": "a173fe94-3be1-123a-28b2-0efdfb356c0d",
   "call_sid": "a4941f23-66b8-4b52-b495-94192adee7ec", "call_status": "completed", "caller_name": "",
   "direction": "outbound", "duration": 5, "from": "15083728299", "service_url": "http://172.31.32.144:3000",
   "sip_status": 200, "to": "15083084809"},
  {"account_sid": "5f8e8f60-4771-44cb-92a6-94ea66df0450", "application_sid": "9984fdc5-89ec-4ffe-9cee-880255a46253",
   "call_id": "7ed07f1e-3be0-123a-28b2-0efdfb356c0d", "call_sid": "6b4931df-436a-4bfe-864e-3513d2917c02",
   "call_status": "completed", "caller_name": "", "direction": "outbound", "duration": 16,
   "from": "15083728299", "service_url": "http://172.31.32.144:3000", "sip_status": 200, "to": "15083084809"},
  {"account_sid": "5f8e8f60-4771-44cb-92a6-94ea66df0450", "call_id": "6f7c2d1c-3be1-123a-28b2-0efdfb356c0d",
   "call_sid": "65d1cefe-c21a-4f03-92c0-947d6a17fe01", "call_status": "completed", "caller_name": "",
   "direction": "outbound", "duration": 5, "from": "15083728299", "service_url": "http://172.31.32.144:3000",
   "sip_status": 200, "to": "15083084809"},
  {"account_sid": "5f8e8f60-4771-44cb-92a6-94ea66df0450", "call_id": "13f2f4b9-3be1-123a-28b2-0efdfb356c0d",
   "call_sid": "8f0eb6f4-85d9-40c7-84a8-a7a8228f9816", "call_status": "completed", "caller_name": "",
   "direction": "outbound", "duration": 0, "from": "15083728299", "service_url": "http://172.31.32.144:3000",
   "sip_status": 200, "to": "15083084809"}
]"#;

/// The accounts answer of the vendor file (its trailing `…` left out: it is not JSON).
const ACCOUNTS: &str = r#"[{"account_sid": "<uuid>", "name": "…", "record_all_calls": true,
    "record_format": "mp3"}]"#;

const BASE: &str = "https://api.voxeme.example";

fn obj(s: &str) -> Object {
    serde_json::from_str::<Value>(s)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

fn field<'a>(c: &'a Call, k: &str) -> Option<&'a str> {
    c.fields
        .iter()
        .find(|(fk, _)| fk == k)
        .map(|(_, v)| v.as_str())
}

#[test]
fn the_documented_recent_call_maps() {
    let v: Value = serde_json::from_str(RECENT_CALLS).unwrap();
    let o = v["data"][0].as_object().unwrap();
    let c = call(&owner(), "5f8e8f60-4771-44cb-92a6-94ea66df0450", o).unwrap();
    assert_eq!(c.id, "b6f48929-8e86-4d62-ae3b-64fb574d91f6");
    assert_eq!(
        c.started_at.unwrap().to_rfc3339(),
        "2026-03-18T14:22:00+00:00"
    );
    assert_eq!(c.duration_secs, Some(45.0));
    assert_eq!(c.direction, Some(Direction::Inbound));
    assert_eq!(c.caller_number.as_deref(), Some("15083084809"));
    assert_eq!(c.status.as_deref(), Some("answered"));
    assert_eq!(c.has_recording, Some(true));
    assert_eq!(c.has_transcript, Some(false));
    assert_eq!(field(&c, "trunk"), Some("twilio"));
    assert_eq!(field(&c, "to"), Some("18882349999"));
    assert_eq!(field(&c, "application_sid"), Some("—"));
    assert_eq!(field(&c, "termination_reason"), Some("caller hungup"));
    assert_eq!(field(&c, "sip_status"), Some("200"));
    assert_eq!(field(&c, "recording_url"), None, "consumed");
    let d = detail(&owner(), "5f8e8f60-4771-44cb-92a6-94ea66df0450", o, BASE).unwrap();
    assert_eq!(
        d.recording,
        RecordingRef::Endpoint {
            path: "/v1/Accounts/5f8e8f60-…/RecentCalls/b6f48929-…/record/2026/03/18/mp3".into()
        }
    );
    assert_eq!(d.transcript, Transcript::NotOffered);
    assert_eq!(d.outcome.as_deref(), Some("caller hungup"));
}

#[test]
fn the_documented_recent_call_maps_every_key() {
    let v: Value = serde_json::from_str(RECENT_CALLS).unwrap();
    let acc = "5f8e8f60-4771-44cb-92a6-94ea66df0450";
    let c = call(&owner(), acc, v["data"][0].as_object().unwrap()).unwrap();
    let mut want = Call::new(&owner(), Some(acc), "b6f48929-8e86-4d62-ae3b-64fb574d91f6");
    want.started_at = Some("2026-03-18T14:22:00Z".parse().unwrap());
    want.duration_secs = Some(45.0);
    want.direction = Some(Direction::Inbound);
    want.caller_number = Some("15083084809".into());
    want.status = Some("answered".into());
    want.has_recording = Some(true);
    want.has_transcript = Some(false);
    // Every key the header does not show, in the vendor's order.
    want.fields = [
        ("account_sid", acc),
        ("service_provider_sid", "…"),
        ("application_sid", "—"),
        ("from", "15083084809"),
        ("to", "18882349999"),
        ("answered", "yes"),
        ("answered_at", "2026-03-18T14:22:03.000Z"),
        ("terminated_at", "2026-03-18T14:22:45.000Z"),
        ("sip_status", "200"),
        ("sip_callid", "685cd008-…@192.168.1.100"),
        ("sip_parent_callid", "—"),
        ("termination_reason", "caller hungup"),
        ("host", "192.168.1.100"),
        ("remote_host", "3.55.24.34"),
        ("trunk", "twilio"),
        ("trace_id", "00000000000000000000000000000000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(c, want);
}

fn read_page(json: &str, count: u32, requested: u32) -> Page<Call> {
    let v: Value = serde_json::from_str(json).unwrap();
    page(&v, count, requested, |o| call(&owner(), "acc", o)).unwrap()
}

#[test]
fn the_documented_envelope_reads_its_string_numbers() {
    // total 312, page_size "25", page "1": 13 pages, more to come.
    let p = read_page(RECENT_CALLS, 25, 1);
    assert_eq!(
        (
            p.page,
            p.page_size,
            p.total_items,
            p.total_pages,
            p.has_more
        ),
        (1, 25, Some(312), Some(13), true)
    );
    assert_eq!((p.items.len(), p.unreadable), (1, 0));
    // What was asked differs from what the answer says: the answer wins, so the fallback
    // cannot hide a string that was not read.
    let p = read_page(RECENT_CALLS, 100, 7);
    assert_eq!(
        (p.page, p.page_size, p.total_pages, p.has_more),
        (1, 25, Some(13), true)
    );
    let last = RECENT_CALLS.replace(r#""page": "1""#, r#""page": "13""#);
    let p = read_page(&last, 25, 1);
    assert_eq!((p.page, p.total_pages, p.has_more), (13, Some(13), false));
    // The docs' variant: `batch`, numbers, epoch times, `sip_call_id`.
    let docs = r#"{"total": 60, "batch": 50, "page": 2, "data": [
        {"attempted_at": 1773843720, "answered_at": 1773843723, "terminated_at": 1773843765,
         "call_sid": "c1", "direction": "outbound", "from": "18882349999",
         "to": "15083084809", "answered": true, "duration": 42, "sip_status": 200,
         "sip_call_id": "685cd008@10.0.0.1", "recording_url": null}]}"#;
    let p = read_page(docs, 25, 1);
    assert_eq!(
        (
            p.page,
            p.page_size,
            p.total_items,
            p.total_pages,
            p.has_more
        ),
        (2, 50, Some(60), Some(2), false)
    );
    let c = &p.items[0];
    assert_eq!(
        c.started_at.unwrap().to_rfc3339(),
        "2026-03-18T14:22:00+00:00"
    );
    assert_eq!(c.caller_number.as_deref(), Some("15083084809"));
    assert_eq!(c.status.as_deref(), Some("answered"));
    assert_eq!(field(c, "sip_call_id"), Some("685cd008@10.0.0.1"));
    // Without page numbers the request is used; without a total, a full page has more.
    let bare = r#"{"data": [{"call_sid": "a"}, {"call_sid": ["b"]}]}"#;
    let p = read_page(bare, 2, 4);
    assert_eq!(
        (p.page, p.page_size, p.total_items, p.has_more, p.unreadable),
        (4, 2, None, true, 1)
    );
    let v: Value = serde_json::from_str("[]").unwrap();
    assert!(page(&v, 25, 1, |o| call(&owner(), "a", o)).is_err());
}

#[test]
fn numbers_sent_as_strings_and_wrong_types_keep_the_rest() {
    let o = obj(
        r#"{"attempted_at": "2026-03-18T14:22:00.000Z", "call_sid": "c1",
        "direction": "inbound", "from": "15083084809", "answered": true,
        "duration": "45", "sip_status": "200"}"#,
    );
    let c = call(&owner(), "a", &o).unwrap();
    assert_eq!(c.duration_secs, Some(45.0));
    assert_eq!(field(&c, "sip_status"), Some("200"));
    let o = obj(
        r#"{"attempted_at": "2026-03-18T14:22:00.000Z", "call_sid": "c2", "answered": false,
        "duration": "0.0", "sip_status": "486"}"#,
    );
    assert_eq!(
        call(&owner(), "a", &o).unwrap().status.as_deref(),
        Some("busy")
    );
    // A readable sid with wrong types elsewhere: shown with what could be read.
    let o = obj(
        r#"{"attempted_at": 1700000000, "call_sid": "c3", "direction": "inbound",
        "from": "15083084809", "answered": "maybe", "answered_at": "2026-03-18T14:22:03Z",
        "duration": "abc"}"#,
    );
    let c = call(&owner(), "a", &o).unwrap();
    assert_eq!(c.duration_secs, None);
    assert_eq!(c.started_at.unwrap().timestamp(), 1_700_000_000);
    assert_eq!(c.status.as_deref(), Some("answered"), "from answered_at");
    assert_eq!(field(&c, "answered"), Some("maybe"));
    assert_eq!(c.caller_number.as_deref(), Some("15083084809"));
}

#[test]
fn unanswered_floats_and_the_docs_variants() {
    // The server's quirks: epoch answered_at, float duration/sip_status, outbound.
    let o = obj(
        r#"{"attempted_at": "2026-03-18T09:00:00.000Z", "call_sid": "c1",
        "direction": "outbound", "from": "18882349999", "to": "+4915112345678",
        "answered": false, "answered_at": "1970-01-01T00:00:00.000Z", "duration": 0,
        "sip_status": 487.0, "recording_url": null}"#,
    );
    let c = call(&owner(), "a", &o).unwrap();
    assert_eq!(c.caller_number.as_deref(), Some("+4915112345678"));
    assert_eq!(c.status.as_deref(), Some("canceled"));
    assert_eq!(field(&c, "answered_at"), Some("never"));
    assert_eq!(field(&c, "sip_status"), Some("487"));
    assert_eq!(c.has_recording, Some(false));
    let o = obj(
        r#"{"attempted_at": 1773843720, "call_sid": "c2", "direction": "inbound",
        "from": "1508", "answered_at": 0, "duration": 45.5, "sip_call_id": "x@y"}"#,
    );
    let c = call(&owner(), "a", &o).unwrap();
    assert_eq!(
        c.started_at.unwrap().to_rfc3339(),
        "2026-03-18T14:22:00+00:00"
    );
    assert_eq!(c.duration_secs, Some(45.5));
    assert_eq!(c.status.as_deref(), Some("not answered"));
    assert_eq!(field(&c, "answered_at"), Some("never"));
    assert_eq!(field(&c, "sip_call_id"), Some("x@y"));
    // No call_sid, or one of the wrong type: unreadable.
    assert!(call(&owner(), "a", &obj(r#"{"call_sid": ["x"]}"#)).is_none());
    assert!(call(&owner(), "a", &obj(r#"{"from": "1"}"#)).is_none());
}

#[test]
fn recording_urls_resolve() {
    assert_eq!(recording_ref(None, BASE), RecordingRef::Missing);
    assert_eq!(
        recording_ref(
            Some("/Accounts/a/RecentCalls/b/record/2026/03/19/wav".into()),
            BASE
        ),
        RecordingRef::Endpoint {
            path: "/v1/Accounts/a/RecentCalls/b/record/2026/03/19/wav".into()
        }
    );
    let same = "https://api.voxeme.example/v1/Accounts/a/RecentCalls/b/record/x/mp3";
    assert_eq!(
        recording_ref(Some(same.into()), "https://api.voxeme.example/"),
        RecordingRef::Endpoint { path: same.into() }
    );
    let other = "https://bucket.s3.amazonaws.com/a/b.mp3?X-Amz-Signature=abc";
    assert!(matches!(
        recording_ref(Some(other.into()), BASE),
        RecordingRef::SignedUrl { .. }
    ));
    assert!(
        !same_origin("http://api.voxeme.example/x", BASE),
        "scheme differs"
    );
    // Multi-byte characters within the first four bytes: no panic, a relative path.
    for odd in ["ab€/x.mp3", "€", "h€", "htt€p://x"] {
        assert_eq!(
            recording_ref(Some(odd.into()), BASE),
            RecordingRef::Endpoint {
                path: format!("/v1/{odd}")
            }
        );
        assert!(!is_absolute(odd));
        assert_eq!(endpoint_url(BASE, odd), format!("{BASE}{odd}"));
    }
    assert!(is_absolute("HTTPS://x") && is_absolute("http://h/r.mp3") && !is_absolute("htt"));
    assert!(!is_absolute("httpdocs/x.mp3"));
    assert_eq!(endpoint_url("https://h/", "/v1/a"), "https://h/v1/a");
    assert_eq!(endpoint_url(BASE, same), same);
}

#[test]
fn a_live_call_as_a_detail() {
    let v: Value = serde_json::from_str(LIVE_CALLS).unwrap();
    let d = live_detail(&owner(), "acc", v[0].as_object().unwrap()).unwrap();
    assert_eq!(d.call.id, "a4941f23-66b8-4b52-b495-94192adee7ec");
    assert_eq!(d.call.status.as_deref(), Some("completed"));
    assert_eq!(d.recording, RecordingRef::Missing);
    assert_eq!(d.transcript, Transcript::NotOffered);
    assert_eq!(d.warnings.len(), 1);
    assert!(live_detail(&owner(), "acc", &obj(r#"{"call_sid": 5}"#)).is_none());
}

#[test]
fn the_documented_live_calls_map() {
    let v: Value = serde_json::from_str(LIVE_CALLS).unwrap();
    let calls: Vec<Call> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| live_call(&owner(), "acc", i.as_object().unwrap()).unwrap())
        .collect();
    assert_eq!(calls.len(), 4);
    let c = &calls[1];
    assert_eq!(c.id, "6b4931df-436a-4bfe-864e-3513d2917c02");
    assert_eq!(c.status.as_deref(), Some("completed"));
    assert_eq!(c.duration_secs, Some(16.0));
    assert_eq!(c.direction, Some(Direction::Outbound));
    assert_eq!(c.caller_number.as_deref(), Some("15083084809"));
    assert_eq!(c.caller_name, None, "an empty caller name is no name");
    assert_eq!(
        field(c, "call_id"),
        Some("7ed07f1e-3be0-123a-28b2-0efdfb356c0d")
    );
    assert_eq!(field(c, "service_url"), Some("http://172.31.32.144:3000"));
    assert_eq!(
        field(&calls[0], "application_sid"),
        None,
        "absent in the example"
    );
    assert_eq!(calls[3].duration_secs, Some(0.0));
}

#[test]
fn the_documented_accounts_map() {
    let v: Value = serde_json::from_str(ACCOUNTS).unwrap();
    let s = scope(v[0].as_object().unwrap()).unwrap();
    assert_eq!(s.id, "<uuid>");
    assert_eq!(s.name, "…");
    assert_eq!(s.detail.as_deref(), Some("records calls (mp3)"));
    assert!(scope(&obj(r#"{"account_sid": 5, "name": "x"}"#)).is_none());
}

fn err(status: u16, body: &str, www: Option<&str>) -> ProviderError {
    let mut h = HeaderMap::new();
    if let Some(w) = www {
        h.insert(WWW_AUTHENTICATE, HeaderValue::from_str(w).unwrap());
    }
    error(
        "Voxeme",
        "check VOXEME_API_KEY",
        status,
        &h,
        body.as_bytes(),
        Some(3),
        "",
    )
}

#[test]
fn the_documented_error_bodies_become_sentences() {
    assert_eq!(
        err(
            400,
            r#"{"msg": "missing or invalid \"page\" query arg"}"#,
            None
        )
        .to_string(),
        "Voxeme answered 400 Bad Request: missing or invalid \"page\" query arg"
    );
    assert_eq!(
        err(
            403,
            r#"{"status": "fail", "message": "insufficient privileges"}"#,
            None
        )
        .to_string(),
        "Voxeme refused access (403 Forbidden): insufficient privileges: this key cannot \
         read that account (an account key sees only its own account)"
    );
    assert_eq!(
        err(
            401,
            "Unauthorized",
            Some("Bearer realm=\"Users\", error=\"invalid_token\"")
        )
        .to_string(),
        "Voxeme rejected the API key (401 Unauthorized): check VOXEME_API_KEY"
    );
    assert_eq!(
        err(401, "Unauthorized", Some("Bearer realm=\"Users\"")).to_string(),
        "Voxeme rejected the API key (401 Unauthorized): no key was sent; check \
         VOXEME_API_KEY"
    );
    assert_eq!(
        err(404, "Not Found", None).to_string(),
        "Voxeme: not found (Not Found)"
    );
    assert!(
        err(400, "Bad Request", None)
            .to_string()
            .contains("not a UUID")
    );
    assert_eq!(
        err(429, "Too many requests, please try again later.", None),
        ProviderError::RateLimited {
            provider: "Voxeme".into(),
            retry_after_secs: Some(3)
        }
    );
    // Vendor text is sanitized.
    let e = err(500, "{\"msg\": \"boom \\u001b[31mred\"}", None).to_string();
    assert!(!e.contains('\u{1b}'), "{e}");
    assert!(e.starts_with("Voxeme answered 500 Internal Server Error: boom"));
}
