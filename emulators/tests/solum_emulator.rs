//! Raw-HTTP tests of the Solum Health emulator (written against its public API only): the answers
//! must look the way `shared/providers/solum.md` and the vendor's page show them.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use callbrowser_emulators::solum::{self, SolumEmulator, SolumOptions, WrongTypes};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use serde_json::Value;

const FIELDS: [&str; 16] = [
    "id",
    "org_id",
    "created_at",
    "assistant_id",
    "phone_number_id",
    "type",
    "started_at",
    "ended_at",
    "summary",
    "customer_number",
    "status",
    "category",
    "duration_min",
    "patient_id",
    "language",
    "sessions_scheduled",
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 15, 0, 0).unwrap()
}

fn opts(seed: u64) -> EmulatorOptions {
    EmulatorOptions {
        seed,
        now: now(),
        ..EmulatorOptions::default()
    }
}

/// The records as a client reads them off the wire (serde_json's float parsing is not exact, so
/// compare like with like).
fn wire(v: &[Value]) -> Vec<Value> {
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

async fn start() -> SolumEmulator {
    solum::start(opts(42)).await.unwrap()
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
    json: Value,
}

async fn send(rb: reqwest::RequestBuilder) -> Resp {
    let r = rb.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

async fn get_q(emu: &SolumEmulator, key: Option<&str>, q: &[(&str, &str)]) -> Resp {
    let mut rb = Client::new()
        .get(format!("{}/v1/calls", emu.base_url()))
        .query(q);
    if let Some(k) = key {
        rb = rb.header("X-API-Key", k);
    }
    send(rb).await
}

async fn get(emu: &SolumEmulator, q: &[(&str, &str)]) -> Resp {
    get_q(emu, Some(&emu.api_key()), q).await
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn time(v: &Value, k: &str) -> Option<DateTime<Utc>> {
    v[k].as_str().map(|s| s.parse().unwrap())
}

/// Every page for `q` at 100 per page, checking the envelope on the way.
async fn all_pages(emu: &SolumEmulator, q: &[(&str, &str)]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut page = 1u64;
    loop {
        let p = page.to_string();
        let mut query = q.to_vec();
        query.push(("page", &p));
        query.push(("limit", "100"));
        let r = get(emu, &query).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let pg = &r.json["pagination"];
        assert_eq!(pg["page"], page);
        assert_eq!(pg["limit"], 100);
        let data = r.json["data"].as_array().unwrap().clone();
        let total = pg["total"].as_u64().unwrap();
        out.extend(data);
        let more = pg["has_more"].as_bool().unwrap();
        assert_eq!(
            more,
            (out.len() as u64) < total,
            "has_more agrees with total"
        );
        if !more {
            assert_eq!(out.len() as u64, total);
            break;
        }
        page += 1;
    }
    out
}

fn assert_validation(r: &Resp, params: &[&str]) {
    assert_eq!(r.status, 422, "{}", r.text);
    let detail = r.json["detail"]
        .as_array()
        .expect("the framework's array shape");
    let locs: Vec<String> = detail
        .iter()
        .map(|d| {
            assert_eq!(d["loc"][0], "query");
            assert!(d["msg"].as_str().is_some_and(|m| !m.is_empty()));
            assert!(d["type"].as_str().is_some_and(|m| !m.is_empty()));
            d["loc"][1].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(locs, params, "{}", r.text);
}

fn assert_object_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    let d = &r.json["detail"];
    assert!(d.is_object(), "object shape: {}", r.text);
    assert_eq!(d["code"], code, "{}", r.text);
    assert!(d["type"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(d["message"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(d.get("param").is_some());
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn data_is_deterministic_and_realistic() {
    let emu = start().await;
    let calls = emu.calls();
    assert!((300..=400).contains(&calls.len()), "{}", calls.len());
    let again = solum::start(opts(42)).await.unwrap();
    assert_eq!(calls, again.calls(), "same seed, same data");
    assert_eq!(emu.api_key(), again.api_key());
    let other = solum::start(opts(7)).await.unwrap();
    assert_ne!(ids(&calls), ids(&other.calls()));

    let uniq: HashSet<&str> = calls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(uniq.len(), calls.len(), "ids are unique");
    let org = emu.org_id();
    let assistants: HashSet<String> = emu.assistants().into_iter().map(|a| a.id).collect();
    assert_eq!(assistants.len(), 3);
    let count = |f: &dyn Fn(&Value) -> bool| calls.iter().filter(|c| f(c)).count();
    for c in &calls {
        let o = c.as_object().unwrap();
        assert_eq!(o.keys().len(), FIELDS.len());
        for f in FIELDS {
            assert!(o.contains_key(f), "{f} missing");
        }
        assert_eq!(c["org_id"], org.as_str());
        assert!(c["created_at"].is_string() && c["status"].is_string());
        if let Some(a) = c["assistant_id"].as_str() {
            assert!(assistants.contains(a));
        }
        if let Some(n) = c["customer_number"].as_str() {
            // US numbers from the fictional 555-01XX block.
            assert!(
                n.len() == 12 && n.starts_with("+1") && &n[5..10] == "55501",
                "{n}"
            );
        }
        if let Some(t) = time(c, "started_at") {
            assert!(t < now() && t > now() - TimeDelta::days(61), "{t}");
            assert!(time(c, "created_at").unwrap() >= t);
        }
        if let (Some(d), Some(s), Some(e)) = (
            c["duration_min"].as_f64(),
            time(c, "started_at"),
            time(c, "ended_at"),
        ) {
            assert!(((e - s).num_seconds() as f64 / 60.0 - d).abs() < 1e-9);
        }
    }
    // Every optional field is null somewhere; the required ones never are.
    for f in FIELDS {
        let nulls = count(&|c| c[f].is_null());
        if ["id", "org_id", "created_at", "status"].contains(&f) {
            assert_eq!(nulls, 0, "{f}");
        } else {
            assert!(nulls > 0, "{f} is never null");
        }
    }
    for (field, values) in [
        ("type", &["inbound", "outbound", "web"][..]),
        ("status", &["pending", "done", "follow_up_needed"][..]),
        ("language", &["english", "spanish"][..]),
        ("category", &solum::CATEGORY_VALUES[..]),
    ] {
        for v in values {
            assert!(count(&|c| c[field] == *v) > 0, "no {field} {v}");
        }
    }
    assert!(count(&|c| c["language"] == "spanish") > calls.len() / 5);
    assert!(count(&|c| c["duration_min"].is_u64()) > 0, "whole minutes");
    assert!(
        count(&|c| c["duration_min"].as_f64().is_some_and(|d| d.fract() != 0.0)) > 100,
        "fractional minutes"
    );
    assert!(count(&|c| c["sessions_scheduled"].as_u64().is_some_and(|n| n >= 2)) > 5);
    assert!(count(&|c| c["type"] == "web" && !c["customer_number"].is_null()) == 0);
    // Summaries match their category and language.
    assert!(calls.iter().any(|c| {
        c["category"] == "billing"
            && c["language"] == "english"
            && c["summary"].as_str().is_some_and(|s| {
                s.contains("statement") || s.contains("billed") || s.contains("payment")
            })
    }));
    assert!(
        calls.iter().any(|c| c["language"] == "spanish"
            && c["summary"].as_str().is_some_and(|s| s.contains("sesi")))
    );
    // Families call more than once.
    let mut numbers: Vec<&str> = calls
        .iter()
        .filter_map(|c| c["customer_number"].as_str())
        .collect();
    let all = numbers.len();
    numbers.sort();
    numbers.dedup();
    assert!(numbers.len() < all * 3 / 4);
    // Newest started_at first, calls that never started last.
    let starts: Vec<Option<DateTime<Utc>>> = calls.iter().map(|c| time(c, "started_at")).collect();
    let first_none = starts.iter().position(Option::is_none).unwrap();
    assert!(starts[first_none..].iter().all(Option::is_none));
    assert!(starts[..first_none].windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn envelope_defaults_and_paging() {
    let emu = start().await;
    let calls = wire(&emu.calls());
    let r = get(&emu, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers.get("content-type").unwrap(), "application/json");
    let p = &r.json["pagination"];
    assert_eq!(p["page"], 1);
    assert_eq!(p["limit"], 50, "the documented default");
    assert_eq!(p["total"], calls.len());
    assert_eq!(p["has_more"], true);
    assert_eq!(r.json["data"].as_array().unwrap()[..], calls[..50]);

    let all = all_pages(&emu, &[]).await;
    assert_eq!(all, calls);
    let last = calls.len().div_ceil(7).to_string();
    let r = get(&emu, &[("limit", "7"), ("page", &last)]).await;
    assert_eq!(r.json["pagination"]["has_more"], false);
    assert_eq!(
        r.json["data"].as_array().unwrap().len(),
        calls.len() - (calls.len().div_ceil(7) - 1) * 7
    );
    let r = get(&emu, &[("page", "999")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["data"], Value::Array(vec![]));
    assert_eq!(r.json["pagination"]["has_more"], false);
    let r = get(&emu, &[("limit", "100")]).await;
    assert_eq!(r.json["data"].as_array().unwrap().len(), 100);
    let r = get(&emu, &[("limit", "1")]).await;
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn pagination_variants_on_request() {
    let start_with = |o: SolumOptions| async move {
        solum::start_with(
            opts(42),
            SolumOptions {
                calls: Some(120),
                ..o
            },
        )
        .await
        .unwrap()
    };
    let emu = start_with(SolumOptions {
        omit_total: true,
        omit_has_more: true,
        ..SolumOptions::default()
    })
    .await;
    let r = get(&emu, &[("page", "2")]).await;
    assert_eq!(
        r.json["pagination"],
        serde_json::json!({"page": 2, "limit": 50})
    );
    assert_eq!(r.json["data"].as_array().unwrap().len(), 50);
    let r = get(&emu, &[("page", "3")]).await;
    assert_eq!(r.json["data"].as_array().unwrap().len(), 20);

    let emu = start_with(SolumOptions {
        omit_has_more: true,
        pagination_as_strings: true,
        ..SolumOptions::default()
    })
    .await;
    let r = get(&emu, &[("limit", "7")]).await;
    assert_eq!(
        r.json["pagination"],
        serde_json::json!({"total": "120", "page": "1", "limit": "7"})
    );

    let emu = start_with(SolumOptions {
        omit_total: true,
        ..SolumOptions::default()
    })
    .await;
    let r = get(&emu, &[("page", "3")]).await;
    assert_eq!(
        r.json["pagination"],
        serde_json::json!({"has_more": false, "page": 3, "limit": 50})
    );
    // Errors keep their shape.
    let r = get(&emu, &[("limit", "0")]).await;
    assert_validation(&r, &["limit"]);
}

#[tokio::test]
async fn auth_errors_in_the_object_shape() {
    let emu = start().await;
    let r = get_q(&emu, None, &[]).await;
    assert_object_error(&r, 401, "missing_api_key");
    let r = get_q(&emu, Some("sk_live_wrong"), &[]).await;
    assert_object_error(&r, 401, "invalid_api_key");
    let r = get_q(&emu, Some(&emu.restricted_key()), &[]).await;
    assert_object_error(&r, 403, "insufficient_permissions");
    // The key goes in X-API-Key, not as a bearer token.
    let r = send(
        Client::new()
            .get(format!("{}/v1/calls", emu.base_url()))
            .bearer_auth(emu.api_key()),
    )
    .await;
    assert_object_error(&r, 401, "missing_api_key");
    // The key is checked before the query.
    let r = get_q(&emu, Some("nope"), &[("limit", "500")]).await;
    assert_eq!(r.status, 401);
    // Exactly: a key with anything around it or changed in case is another key.
    let key = emu.api_key();
    for other in [
        format!("{key}\u{a0}"),
        format!("\u{a0}{key}"),
        format!("{key}\u{3000}"),
        format!("{key}\tx"),
        key.to_uppercase(),
    ] {
        let rb = Client::new()
            .get(format!("{}/v1/calls", emu.base_url()))
            .header(
                "X-API-Key",
                HeaderValue::from_bytes(other.as_bytes()).unwrap(),
            );
        let r = send(rb).await;
        assert_object_error(&r, 401, "invalid_api_key");
    }
}

#[tokio::test]
async fn validation_errors_in_the_framework_shape() {
    let emu = start().await;
    for (q, params) in [
        (vec![("limit", "0")], vec!["limit"]),
        (vec![("limit", "101")], vec!["limit"]),
        (vec![("limit", "ten")], vec!["limit"]),
        (vec![("page", "0")], vec!["page"]),
        (vec![("status", "open")], vec!["status"]),
        (vec![("status", "Done")], vec!["status"]),
        (vec![("category", "spam")], vec!["category"]),
        (vec![("tag_filter_mode", "none")], vec!["tag_filter_mode"]),
        (
            vec![("sessions_scheduled_min", "2.5")],
            vec!["sessions_scheduled_min"],
        ),
        (vec![("started_gte", "last week")], vec!["started_gte"]),
        (vec![("limit", "")], vec!["limit"]),
        (
            vec![("limit", "500"), ("status", "x"), ("category", "y")],
            vec!["limit", "status", "category"],
        ),
    ] {
        let r = get(&emu, &q).await;
        assert_validation(&r, &params);
    }
    let r = get(&emu, &[("limit", "101")]).await;
    let d = &r.json["detail"][0];
    assert_eq!(d["type"], "less_than_equal");
    assert_eq!(d["msg"], "Input should be less than or equal to 100");
    assert_eq!(d["input"], "101");
    let r = get(&emu, &[("status", "open")]).await;
    assert_eq!(
        r.json["detail"][0]["msg"],
        "Input should be 'pending', 'done' or 'follow_up_needed'"
    );
    // Unknown parameters are ignored; empty text values are no filter.
    let r = get(&emu, &[("colour", "red"), ("q", ""), ("patient_id", "")]).await;
    assert_eq!(r.json["pagination"]["total"], emu.calls().len());
}

#[tokio::test]
async fn every_parameter_filters_as_documented() {
    let emu = start().await;
    let calls = emu.calls();
    let check = |name: &str, got: &[Value], keep: &dyn Fn(&Value) -> bool| {
        let want: Vec<Value> = calls.iter().filter(|c| keep(c)).cloned().collect();
        assert!(!want.is_empty(), "{name}: nothing to find");
        assert_eq!(ids(got), ids(&want), "{name}");
    };
    let s = |c: &Value, k: &str| c[k].as_str().map(str::to_string);

    let got = all_pages(&emu, &[("q", "AUTHORIZATION")]).await;
    check("q", &got, &|c| {
        s(c, "summary").is_some_and(|x| x.to_lowercase().contains("authorization"))
    });
    let number = s(&calls[3], "customer_number")
        .or_else(|| s(&calls[4], "customer_number"))
        .unwrap();
    let tail = &number[number.len() - 7..];
    let got = all_pages(&emu, &[("q", tail)]).await;
    check("q on the number", &got, &|c| {
        s(c, "customer_number").is_some_and(|n| n.contains(tail))
            || s(c, "summary").is_some_and(|x| x.contains(tail))
    });
    let got = all_pages(&emu, &[("customer_number", &number)]).await;
    check("customer_number", &got, &|c| {
        s(c, "customer_number").as_deref() == Some(&number)
    });
    let assistant = emu.assistants()[1].id.clone();
    let got = all_pages(&emu, &[("assistant_id", &assistant)]).await;
    check("assistant_id", &got, &|c| {
        s(c, "assistant_id").as_deref() == Some(&assistant)
    });
    for st in ["pending", "done", "follow_up_needed"] {
        let got = all_pages(&emu, &[("status", st)]).await;
        check(st, &got, &|c| c["status"] == st);
    }
    for cat in solum::CATEGORY_VALUES {
        let got = all_pages(&emu, &[("category", cat)]).await;
        check(cat, &got, &|c| c["category"] == cat);
    }
    for t in ["inbound", "outbound", "web"] {
        let got = all_pages(&emu, &[("type", t)]).await;
        check(t, &got, &|c| c["type"] == t);
    }
    let r = get(&emu, &[("type", "carrier-pigeon")]).await;
    assert_eq!(r.status, 200, "type is a free string");
    assert_eq!(r.json["pagination"]["total"], 0);
    let patient = calls.iter().find_map(|c| s(c, "patient_id")).unwrap();
    let got = all_pages(&emu, &[("patient_id", &patient)]).await;
    check("patient_id", &got, &|c| {
        s(c, "patient_id").as_deref() == Some(&patient)
    });
    let got = all_pages(&emu, &[("sessions_scheduled_min", "2")]).await;
    check("sessions_scheduled_min", &got, &|c| {
        c["sessions_scheduled"].as_u64().is_some_and(|n| n >= 2)
    });
    let got = all_pages(&emu, &[("sessions_scheduled_min", "-1")]).await;
    check("sessions_scheduled_min -1", &got, &|c| {
        !c["sessions_scheduled"].is_null()
    });
    // Both bounds inclusive, on started_at.
    let lo = s(&calls[200], "started_at").unwrap();
    let hi = s(&calls[100], "started_at").unwrap();
    let got = all_pages(&emu, &[("started_gte", &lo), ("started_lte", &hi)]).await;
    let (l, h) = (
        lo.parse::<DateTime<Utc>>().unwrap(),
        hi.parse::<DateTime<Utc>>().unwrap(),
    );
    check("started range", &got, &|c| {
        time(c, "started_at").is_some_and(|t| t >= l && t <= h)
    });
    assert_eq!(got.first().unwrap()["started_at"], calls[100]["started_at"]);
    let day = &lo[..10];
    let got = all_pages(&emu, &[("started_gte", day)]).await;
    let midnight = format!("{day}T00:00:00Z").parse::<DateTime<Utc>>().unwrap();
    check("a date is midnight UTC", &got, &|c| {
        time(c, "started_at").is_some_and(|t| t >= midnight)
    });
    // The mode has no tag list to apply on this endpoint: every mode keeps every call.
    for m in ["any", "all", "exclude_any", "exclude_all"] {
        let got = all_pages(&emu, &[("tag_filter_mode", m)]).await;
        check(m, &got, &|_| true);
    }
    // All at once.
    let got = all_pages(
        &emu,
        &[
            ("type", "inbound"),
            ("category", "new_appointment"),
            ("sessions_scheduled_min", "2"),
            ("language_is_not_a_filter", "spanish"),
        ],
    )
    .await;
    check("combined", &got, &|c| {
        c["type"] == "inbound"
            && c["category"] == "new_appointment"
            && c["sessions_scheduled"].as_u64().is_some_and(|n| n >= 2)
    });
}

#[tokio::test]
async fn routes_methods_and_the_request_log() {
    let emu = start().await;
    let id = emu.calls()[0]["id"].as_str().unwrap().to_string();
    let r = send(
        Client::new()
            .get(format!("{}/v1/calls/{id}", emu.base_url()))
            .header("X-API-Key", emu.api_key()),
    )
    .await;
    assert_eq!(r.status, 404, "there is no endpoint for one call");
    assert_eq!(r.json, serde_json::json!({"detail": "Not Found"}));
    let r = send(
        Client::new()
            .post(format!("{}/v1/calls", emu.base_url()))
            .header("X-API-Key", emu.api_key()),
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.json["detail"], "Method Not Allowed");

    emu.clear_requests();
    get(
        &emu,
        &[("customer_number", "+15125550142"), ("status", "done")],
    )
    .await;
    // Unencoded `+` is a space, the last repeated parameter wins.
    let r = send(
        Client::new()
            .get(format!(
                "{}/v1/calls?customer_number=+15125550142&limit=5&limit=3",
                emu.base_url()
            ))
            .header("X-API-Key", emu.api_key()),
    )
    .await;
    assert_eq!(r.json["pagination"]["limit"], 3);
    let log = emu.calls_requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].param("customer_number"), Some("+15125550142"));
    assert_eq!(log[0].param("status"), Some("done"));
    assert!(log[0].had_key);
    assert_eq!(log[0].status, 200);
    assert_eq!(log[1].param("customer_number"), Some(" 15125550142"));
    assert_eq!(log[1].param("limit"), Some("3"));
    assert_eq!(emu.requests().len(), 2);
}

#[tokio::test]
async fn every_fault_kind() {
    let emu = start().await;
    let f = emu.faults();

    f.push(Fault::Latency(Duration::from_millis(300)));
    let t = Instant::now();
    let r = get(&emu, &[]).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);

    f.push(Fault::RateLimited {
        retry_after_secs: 7,
    });
    let r = get(&emu, &[]).await;
    assert_object_error(&r, 429, "rate_limited");
    assert_eq!(r.headers.get("retry-after").unwrap(), "7");

    for (status, code) in [
        (400, "bad_request"),
        (401, "invalid_api_key"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "conflict"),
        (422, "invalid_field"),
        (500, "internal_error"),
        (503, "service_unavailable"),
    ] {
        f.push(Fault::Status(status));
        let r = get(&emu, &[]).await;
        assert_object_error(&r, status, code);
        assert!(r.headers.get("retry-after").is_none());
    }

    f.push(Fault::ConnectionReset);
    let e = Client::new()
        .get(format!("{}/v1/calls", emu.base_url()))
        .header("X-API-Key", emu.api_key())
        .send()
        .await;
    assert!(e.is_err(), "the connection is dropped");

    f.push(Fault::TruncatedBody);
    let resp = Client::new()
        .get(format!("{}/v1/calls", emu.base_url()))
        .header("X-API-Key", emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.is_err(), "the body is cut short");

    f.push(Fault::MalformedJson);
    let r = get(&emu, &[]).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());

    f.push(Fault::WrongTypesRecord);
    let r = get(&emu, &[("limit", "10")]).await;
    let data = r.json["data"].as_array().unwrap();
    let calls = wire(&emu.calls());
    assert_eq!(data.len(), 10);
    for (i, item) in data.iter().enumerate() {
        if i == 5 {
            assert!(item["id"].is_array());
            assert_eq!(item["duration_min"], "4.5 min");
            assert!(item["started_at"].is_number());
            assert!(item["status"].is_number());
            assert_eq!(item["sessions_scheduled"], "two");
            assert!(item["summary"].is_object());
        } else {
            assert_eq!(*item, calls[i]);
        }
    }
    assert_eq!(f.pending(), 0);
    let r = get(&emu, &[]).await;
    assert_eq!(
        r.json["data"].as_array().unwrap()[..],
        calls[..50],
        "faults are one-shot"
    );
}

#[tokio::test]
async fn fault_variants_on_request() {
    let emu = solum::start_with(
        opts(42),
        SolumOptions {
            retry_after_as_date: true,
            wrong_types: WrongTypes::ReadableId,
            ..SolumOptions::default()
        },
    )
    .await
    .unwrap();
    let calls = wire(&emu.calls());

    // Retry-After as an HTTP date, never earlier than the wait it stands for.
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 7,
    });
    let before = Utc::now();
    let r = get(&emu, &[]).await;
    assert_object_error(&r, 429, "rate_limited");
    let date = r.headers.get("retry-after").unwrap().to_str().unwrap();
    assert!(date.ends_with(" GMT"), "{date}");
    let at = DateTime::parse_from_rfc2822(date).unwrap();
    assert!(at >= before + TimeDelta::seconds(7), "{date}");

    // A record with wrong types whose id is still readable.
    emu.faults().push(Fault::WrongTypesRecord);
    let r = get(&emu, &[("limit", "10")]).await;
    let data = r.json["data"].as_array().unwrap();
    assert_eq!(data.len(), 10);
    for (i, item) in data.iter().enumerate() {
        if i == 5 {
            assert_eq!(item["id"], calls[5]["id"]);
            assert_eq!(item["status"], calls[5]["status"]);
            assert_eq!(item["duration_min"], "abc");
            assert_eq!(item["started_at"], 12345);
            assert_eq!(item["type"], serde_json::json!([calls[5]["type"]]));
            assert!(item["summary"].is_object());
            assert!(item["category"].is_number());
            assert_eq!(item["sessions_scheduled"], "two");
        } else {
            assert_eq!(*item, calls[i]);
        }
    }
}
