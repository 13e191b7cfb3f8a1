//! Raw-HTTP tests of the Welkin emulator (written against the documented API only).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use callbrowser_emulators::welkin::{self, Endpoint, MetaInfo, WelkinEmulator, WelkinOptions};
use callbrowser_emulators::{EmulatorOptions, Fault};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const CALL_FIELDS: [&str; 7] = [
    "id",
    "patientId",
    "direction",
    "duration",
    "status",
    "calledAt",
    "hasRecording",
];
const PATIENT_FIELDS: [&str; 11] = [
    "id",
    "firstName",
    "lastName",
    "birthDate",
    "gender",
    "email",
    "phone",
    "mrn",
    "status",
    "createdAt",
    "updatedAt",
];

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap()
}

fn opts() -> EmulatorOptions {
    EmulatorOptions {
        now: fixed_now(),
        ..EmulatorOptions::default()
    }
}

async fn start() -> WelkinEmulator {
    welkin::start(opts()).await.unwrap()
}

async fn start_with(v: WelkinOptions) -> WelkinEmulator {
    welkin::start_with(opts(), v).await.unwrap()
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Resp {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

async fn token_current(emu: &WelkinEmulator, key: &str, secret: &str) -> Resp {
    let r = Client::new()
        .post(format!("{}/auth/token", emu.base_url()))
        .json(&json!({"secret": secret, "apiClient": key}))
        .send()
        .await
        .unwrap();
    into_resp(r).await
}

async fn token_v8(emu: &WelkinEmulator, name: &str, secret: &str) -> Resp {
    let r = Client::new()
        .post(format!(
            "{}/{}/admin/api_clients/{name}",
            emu.base_url(),
            emu.tenant()
        ))
        .json(&json!({"secret": secret}))
        .send()
        .await
        .unwrap();
    into_resp(r).await
}

async fn token(emu: &WelkinEmulator) -> String {
    let r = token_current(emu, &emu.client_key(), &emu.secret()).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["token"].as_str().unwrap().to_string()
}

/// `path` below `/{tenant}/{instance}`.
async fn get_q(emu: &WelkinEmulator, path: &str, token: Option<&str>, q: &[(&str, &str)]) -> Resp {
    let mut rb = Client::new()
        .get(format!(
            "{}/{}/{}{path}",
            emu.base_url(),
            emu.tenant(),
            emu.instance()
        ))
        .query(q);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    into_resp(rb.send().await.unwrap()).await
}

fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.json);
    let items = r.json.as_array().expect("an error array");
    assert!(!items.is_empty());
    for e in items {
        assert!(e["errorCode"].is_string(), "{e}");
        assert!(e["componentType"].is_string(), "{e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        assert!(e["details"].is_object(), "{e}");
        assert!(
            DateTime::parse_from_rfc3339(e["date"].as_str().unwrap()).is_ok(),
            "{e}"
        );
    }
    assert_eq!(items[0]["errorCode"], code, "{}", r.json);
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn called(v: &Value) -> DateTime<Utc> {
    v["calledAt"].as_str().unwrap().parse().unwrap()
}

fn pid(emu: &WelkinEmulator, first: &str, last: &str) -> String {
    emu.patients()
        .iter()
        .find(|p| p["firstName"] == first && p["lastName"] == last)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .unwrap()
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn token_exchange_in_both_styles() {
    let emu = start().await;
    let before = Utc::now();
    let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
    assert_eq!(r.status, 200);
    let t = r.json["token"].as_str().unwrap();
    assert!(t.starts_with("eyJ"));
    let exp: DateTime<Utc> = r.json["expiresAt"].as_str().unwrap().parse().unwrap();
    let life = exp - before;
    assert!(
        life <= chrono::Duration::seconds(3601) && life >= chrono::Duration::seconds(3590),
        "{life}"
    );
    // Whole seconds, as the guide's example: "2026-03-19T14:00:00Z".
    assert_eq!(r.json["expiresAt"].as_str().unwrap().len(), 20);

    let r = token_v8(&emu, &emu.client_name(), &emu.secret()).await;
    assert_eq!(r.status, 201);
    assert!(r.json["token"].as_str().unwrap().starts_with("eyJ"));
    assert!(r.json.get("expiresAt").is_none());
    assert_eq!(r.json["clientName"], emu.client_name().as_str());
    // The V8 token works on resources like the other one.
    let v8 = r.json["token"].as_str().unwrap().to_string();
    assert_eq!(get_q(&emu, "/patients", Some(&v8), &[]).await.status, 200);

    // Wrong secret, unknown key, unknown V8 client name, V8 with another tenant.
    assert_error(
        &token_current(&emu, &emu.client_key(), "nope").await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    assert_error(
        &token_current(&emu, "api-client-unknown", &emu.secret()).await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    // The V8 name is not an apiClient key, and the other way round.
    assert_error(
        &token_current(&emu, &emu.client_name(), &emu.secret()).await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    let r = token_v8(&emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 404, "API_CLIENT_NOT_FOUND");
    assert_eq!(
        r.json[0]["details"]["clientName"],
        emu.client_key().as_str()
    );
    assert_error(
        &token_v8(&emu, &emu.client_name(), "nope").await,
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
    );
    let r = Client::new()
        .post(format!(
            "{}/other-tenant/admin/api_clients/{}",
            emu.base_url(),
            emu.client_name()
        ))
        .json(&json!({"secret": emu.secret()}))
        .send()
        .await
        .unwrap();
    let r = into_resp(r).await;
    assert_error(&r, 404, "TENANT_NOT_FOUND");
    assert_eq!(r.json[0]["details"]["tenantName"], "other-tenant");
    // A body without a secret, a body that is not JSON, another method.
    let r = Client::new()
        .post(format!("{}/auth/token", emu.base_url()))
        .json(&json!({"apiClient": emu.client_key()}))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 400, "BAD_REQUEST");
    let r = Client::new()
        .post(format!("{}/auth/token", emu.base_url()))
        .body("secret=x")
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 400, "BAD_REQUEST");
    let r = Client::new()
        .get(format!("{}/auth/token", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(emu.token_requests(), 11);

    // Credentials are distinct per client; secrets carry JSON-unfriendly symbols sometimes.
    let all = [
        emu.client_key(),
        emu.client_name(),
        emu.restricted_client_key(),
        emu.restricted_client_name(),
    ];
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 4);
    assert_eq!(emu.client_name().len(), 12);
    assert!(emu.client_name().chars().all(|c| c.is_ascii_uppercase()));
    assert_ne!(emu.secret(), emu.restricted_secret());
}

#[tokio::test]
async fn bearer_tokens_are_checked_exactly() {
    let emu = start_with(WelkinOptions {
        token_lifetime: Duration::from_millis(1500),
        ..WelkinOptions::default()
    })
    .await;
    let r = get_q(&emu, "/patients", None, &[]).await;
    assert_error(&r, 401, "NOT_AUTHORIZED");
    let t = token(&emu).await;
    // The token in another scheme or header is not accepted.
    let url = format!(
        "{}/{}/{}/patients",
        emu.base_url(),
        emu.tenant(),
        emu.instance()
    );
    let r = Client::new()
        .get(&url)
        .header("Authorization", format!("Token {t}"))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 401, "NOT_AUTHORIZED");
    let r = Client::new()
        .get(&url)
        .header("X-API-Key", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_error(
        &get_q(&emu, "/patients", Some("eyJnot.a.token"), &[]).await,
        401,
        "NOT_VALID_JSON_WEB_TOKEN",
    );
    assert_eq!(get_q(&emu, "/patients", Some(&t), &[]).await.status, 200);
    // The token really expires (at the whole second `expiresAt` names).
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_error(
        &get_q(&emu, "/patients", Some(&t), &[]).await,
        401,
        "TOKEN_EXPIRED",
    );
    // expire_tokens / revoke_tokens, for tests.
    let t = token(&emu).await;
    emu.expire_tokens();
    assert_error(
        &get_q(&emu, "/patients", Some(&t), &[]).await,
        401,
        "TOKEN_EXPIRED",
    );
    let t = token(&emu).await;
    emu.revoke_tokens();
    assert_error(
        &get_q(&emu, "/patients", Some(&t), &[]).await,
        401,
        "NOT_VALID_JSON_WEB_TOKEN",
    );
}

#[tokio::test]
async fn more_than_100_token_requests_in_5_minutes_block_the_client() {
    let emu = start().await;
    for i in 0..100 {
        let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
        assert_eq!(r.status, 200, "request {i}");
    }
    let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 429, "TOO_MANY_REQUESTS");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((295..=300).contains(&retry), "{retry}");
    // Blocked in both styles (it is the same client), and a bad secret changes nothing.
    assert_error(
        &token_v8(&emu, &emu.client_name(), &emu.secret()).await,
        429,
        "TOO_MANY_REQUESTS",
    );
    // Another client is not blocked.
    let r = token_current(&emu, &emu.restricted_client_key(), &emu.restricted_secret()).await;
    assert_eq!(r.status, 200);
    assert_eq!(emu.token_requests(), 103);

    // With a short block (configurable), the client gets tokens again afterwards.
    let emu = start_with(WelkinOptions {
        token_limit: 3,
        token_block: Duration::from_millis(1200),
        ..WelkinOptions::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            token_current(&emu, &emu.client_key(), &emu.secret())
                .await
                .status,
            200
        );
    }
    let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 429, "TOO_MANY_REQUESTS");
    assert_eq!(r.headers["retry-after"], "2");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        token_current(&emu, &emu.client_key(), &emu.secret())
            .await
            .status,
        200
    );

    // The block may be answered without Retry-After (the spec does not say it is sent).
    let emu = start_with(WelkinOptions {
        token_limit: 1,
        block_retry_after: false,
        ..WelkinOptions::default()
    })
    .await;
    assert_eq!(
        token_current(&emu, &emu.client_key(), &emu.secret())
            .await
            .status,
        200
    );
    for _ in 0..2 {
        let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
        assert_error(&r, 429, "TOO_MANY_REQUESTS");
        assert!(r.headers.get("retry-after").is_none());
    }
}

#[tokio::test]
async fn patients_list_paging_filters_and_validation() {
    let emu = start().await;
    let t = token(&emu).await;
    let all = emu.patients();
    assert_eq!(all.len(), 32);

    // Default page: 0-based, size 20, seven metaInfo keys.
    let r = get_q(&emu, "/patients", Some(&t), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["metaInfo"],
        json!({"page": 0, "pageSize": 20, "totalElements": 32, "numberOfElements": 20,
               "lastPage": false, "firstPage": true, "totalPages": 2})
    );
    let mut got = Vec::new();
    for page in 0..4 {
        let p = page.to_string();
        let r = get_q(&emu, "/patients", Some(&t), &[("page", &p), ("size", "10")]).await;
        let data = r.json["data"].as_array().unwrap().clone();
        assert_eq!(r.json["metaInfo"]["lastPage"], page >= 3);
        assert_eq!(r.json["metaInfo"]["numberOfElements"], data.len());
        got.extend(data);
    }
    assert_eq!(ids(&got), ids(&all));
    let r = get_q(
        &emu,
        "/patients",
        Some(&t),
        &[("page", "9"), ("size", "10")],
    )
    .await;
    assert_eq!(r.json["data"], json!([]));
    for p in &all {
        let keys: HashSet<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, PATIENT_FIELDS.iter().copied().collect());
        assert!(p["mrn"].as_str().unwrap().starts_with("MRN-"));
        assert_eq!(p["mrn"].as_str().unwrap().len(), 9);
    }
    // Ordered by last name, then first name.
    let keys: Vec<(String, String)> = all
        .iter()
        .map(|p| {
            (
                p["lastName"].as_str().unwrap().to_lowercase(),
                p["firstName"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    let genders: HashSet<&str> = all.iter().map(|p| p["gender"].as_str().unwrap()).collect();
    assert_eq!(
        genders,
        ["MALE", "FEMALE", "OTHER", "UNKNOWN"].into_iter().collect()
    );
    let statuses: HashSet<&str> = all.iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ACTIVE", "INACTIVE"].into_iter().collect());
    assert!(all.iter().any(|p| p["phone"].is_null()));
    assert!(all.iter().any(|p| p["mrn"] == "MRN-00123"));

    let q = |params: &'static [(&'static str, &'static str)]| {
        let t = t.clone();
        let emu = &emu;
        async move {
            let r = get_q(emu, "/patients", Some(&t), params).await;
            assert_eq!(r.status, 200, "{}", r.json);
            r.json["data"].as_array().unwrap().clone()
        }
    };
    // firstName / lastName: partial, case-insensitive.
    let doe = q(&[("lastName", "dO"), ("size", "100")]).await;
    let want: Vec<&Value> = all
        .iter()
        .filter(|p| {
            p["lastName"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("do")
        })
        .collect();
    assert!(want.len() >= 2);
    assert_eq!(doe.len(), want.len());
    let jane = q(&[("firstName", "jan"), ("lastName", "doe")]).await;
    assert_eq!(jane.len(), 1);
    assert_eq!(jane[0]["firstName"], "Jane");
    // mrn: exact.
    let m = q(&[("mrn", "MRN-00123")]).await;
    assert_eq!(m.len(), 1);
    assert!(q(&[("mrn", "MRN-0012")]).await.is_empty());
    assert!(q(&[("mrn", "mrn-00123")]).await.is_empty());
    // status.
    let inactive = q(&[("status", "INACTIVE"), ("size", "100")]).await;
    assert_eq!(
        inactive.len(),
        all.iter().filter(|p| p["status"] == "INACTIVE").count()
    );
    assert!(inactive.iter().all(|p| p["status"] == "INACTIVE"));

    // Validation: one error per bad parameter.
    let r = get_q(
        &emu,
        "/patients",
        Some(&t),
        &[("page", "-1"), ("size", "101"), ("status", "active")],
    )
    .await;
    assert_error(&r, 400, "INVALID_REQUEST_PARAMETER");
    let params: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["parameter"].as_str().unwrap())
        .collect();
    assert_eq!(params, vec!["page", "size", "status"]);
    for bad in [
        ("size", "0"),
        ("page", "x"),
        ("size", "1.5"),
        ("page", ""),
        ("size", ""),
        ("status", ""),
    ] {
        let r = get_q(&emu, "/patients", Some(&t), &[bad]).await;
        assert_error(&r, 400, "INVALID_REQUEST_PARAMETER");
        assert_eq!(r.json[0]["details"]["parameter"], bad.0, "{}", r.json);
    }
    // An empty name or MRN is no filter.
    for blank in ["firstName", "lastName", "mrn"] {
        let r = get_q(&emu, "/patients", Some(&t), &[(blank, ""), ("size", "100")]).await;
        assert_eq!(r.json["data"].as_array().unwrap().len(), 32, "{blank}");
    }
    // One patient.
    let id = all[3]["id"].as_str().unwrap();
    let r = get_q(&emu, &format!("/patients/{id}"), Some(&t), &[]).await;
    assert_eq!(r.json, all[3]);
    let r = get_q(
        &emu,
        "/patients/00000000-0000-4000-8000-000000000000",
        Some(&t),
        &[],
    )
    .await;
    assert_error(&r, 404, "PATIENT_NOT_FOUND");
}

#[tokio::test]
async fn calls_paging_dates_and_details() {
    let emu = start().await;
    let t = token(&emu).await;
    let jane = pid(&emu, "Jane", "Doe");
    let calls = emu.calls(&jane);
    assert_eq!(calls.len(), 37);
    assert!(
        calls.windows(2).all(|w| called(&w[0]) > called(&w[1])),
        "newest first"
    );

    let path = format!("/patients/{jane}/calls");
    let r = get_q(&emu, &path, Some(&t), &[]).await;
    assert_eq!(
        r.json["metaInfo"],
        json!({"page": 0, "pageSize": 20, "totalElements": 37, "numberOfElements": 20,
               "lastPage": false, "firstPage": true, "totalPages": 2})
    );
    let mut got = Vec::new();
    for page in 0..4 {
        let p = page.to_string();
        let r = get_q(&emu, &path, Some(&t), &[("page", &p), ("size", "10")]).await;
        assert_eq!(r.json["metaInfo"]["lastPage"], page == 3);
        assert_eq!(r.json["metaInfo"]["firstPage"], page == 0);
        assert_eq!(r.json["metaInfo"]["totalPages"], 4);
        got.extend(r.json["data"].as_array().unwrap().clone());
    }
    assert_eq!(got, calls);
    for c in &calls {
        let keys: HashSet<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, CALL_FIELDS.iter().copied().collect());
        assert_eq!(c["patientId"], jane.as_str());
    }

    // startDate on or after, endDate on or before (inclusive at both ends).
    let from = called(&calls[30]);
    let to = called(&calls[5]);
    let (f, t2) = (
        from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    let r = get_q(
        &emu,
        &path,
        Some(&t),
        &[("startDate", &f), ("endDate", &t2), ("size", "100")],
    )
    .await;
    assert_eq!(r.json["data"].as_array().unwrap(), &calls[5..=30].to_vec());
    assert_eq!(r.json["metaInfo"]["totalElements"], 26);
    // A bare end date means the whole day.
    let day = to.format("%Y-%m-%d").to_string();
    let r = get_q(&emu, &path, Some(&t), &[("endDate", &day), ("size", "100")]).await;
    let want: Vec<Value> = calls
        .iter()
        .filter(|c| called(c).date_naive() <= to.date_naive())
        .cloned()
        .collect();
    assert_eq!(r.json["data"].as_array().unwrap(), &want);
    for bad in [
        vec![("startDate", "yesterday")],
        vec![("endDate", "2026-13-01")],
        vec![("startDate", "2026-03-10"), ("endDate", "2026-03-01")],
        vec![("size", "500")],
        vec![("page", "-3")],
        vec![("page", "")],
        vec![("startDate", "")],
        vec![("endDate", "")],
    ] {
        let r = get_q(&emu, &path, Some(&t), &bad).await;
        assert_error(&r, 400, "INVALID_REQUEST_PARAMETER");
    }

    // One call: a bare object with the list keys.
    let id = calls[0]["id"].as_str().unwrap();
    let r = get_q(&emu, &format!("{path}/{id}"), Some(&t), &[]).await;
    assert_eq!(r.json, calls[0]);
    let r = get_q(&emu, &format!("{path}/no-such-call"), Some(&t), &[]).await;
    assert_error(&r, 404, "CALL_NOT_FOUND");
    let r = get_q(&emu, "/patients/nobody/calls", Some(&t), &[]).await;
    assert_error(&r, 404, "PATIENT_NOT_FOUND");
    // A call of another patient is not found under this one.
    let other = pid(&emu, "John", "Doe");
    let r = get_q(
        &emu,
        &format!("/patients/{other}/calls/{id}"),
        Some(&t),
        &[],
    )
    .await;
    assert_error(&r, 404, "CALL_NOT_FOUND");
}

#[tokio::test]
async fn data_invariants() {
    let emu = start().await;
    let now = fixed_now();
    let mut total = 0;
    let mut statuses = HashSet::new();
    let mut with_rec = 0;
    let mut without_rec = 0;
    for p in emu.patients() {
        let id = p["id"].as_str().unwrap();
        let calls = emu.calls(id);
        assert!((5..=40).contains(&calls.len()), "{}", calls.len());
        total += calls.len();
        for c in &calls {
            let at = called(c);
            assert!(at < now && at > now - chrono::Duration::days(60));
            statuses.insert(c["status"].as_str().unwrap().to_string());
            assert!(["INBOUND", "OUTBOUND"].contains(&c["direction"].as_str().unwrap()));
            if c["hasRecording"] == true {
                assert_eq!(c["status"], "COMPLETED");
                with_rec += 1;
                assert!(emu.recording(id, c["id"].as_str().unwrap()).is_some());
            } else {
                without_rec += 1;
                assert!(emu.recording(id, c["id"].as_str().unwrap()).is_none());
            }
        }
    }
    assert!(total > 300, "{total}");
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    assert!(with_rec > 100 && without_rec > 30);

    // Same seed, same data; another seed, other data.
    let again = start().await;
    assert_eq!(again.patients(), emu.patients());
    let first = emu.patients()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(again.calls(&first), emu.calls(&first));
    let other = welkin::start(EmulatorOptions { seed: 99, ..opts() })
        .await
        .unwrap();
    assert_ne!(other.patients(), emu.patients());
}

#[tokio::test]
async fn meta_info_variants_on_request() {
    for (meta, first, last) in [
        (
            MetaInfo::Documented,
            json!({"page": 0, "pageSize": 30, "totalElements": 37}),
            json!({"page": 1, "pageSize": 30, "totalElements": 37}),
        ),
        (
            MetaInfo::PageOnly,
            json!({"page": 0, "pageSize": 30}),
            json!({"page": 1, "pageSize": 30}),
        ),
        (
            MetaInfo::NoTotals,
            json!({"page": 0, "pageSize": 30, "numberOfElements": 30, "lastPage": false,
                   "firstPage": true}),
            json!({"page": 1, "pageSize": 30, "numberOfElements": 7, "lastPage": true,
                   "firstPage": false}),
        ),
    ] {
        let emu = start_with(WelkinOptions {
            meta_info: meta,
            ..WelkinOptions::default()
        })
        .await;
        let t = token(&emu).await;
        let jane = pid(&emu, "Jane", "Doe");
        let path = format!("/patients/{jane}/calls");
        let r = get_q(&emu, &path, Some(&t), &[("page", "0"), ("size", "30")]).await;
        assert_eq!(r.json["metaInfo"], first, "{meta:?}");
        assert_eq!(r.json["data"].as_array().unwrap().len(), 30);
        let r = get_q(&emu, &path, Some(&t), &[("page", "1"), ("size", "30")]).await;
        assert_eq!(r.json["metaInfo"], last, "{meta:?}");
        assert_eq!(r.json["data"].as_array().unwrap().len(), 7);
        // Past the end: an empty page. The patient list uses the same envelope.
        let r = get_q(&emu, &path, Some(&t), &[("page", "2"), ("size", "30")]).await;
        assert_eq!(r.json["data"], json!([]));
        let r = get_q(&emu, "/patients", Some(&t), &[("size", "5")]).await;
        let keys: HashSet<&str> = r.json["metaInfo"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let want: HashSet<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, want, "{meta:?}");
    }
}

fn is_mp3(b: &[u8]) -> bool {
    b.starts_with(b"ID3") || (b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
}

#[tokio::test]
async fn recordings_are_whole_files_and_ignore_range() {
    let emu = start().await;
    let t = token(&emu).await;
    let mut types = HashSet::new();
    let mut checked = 0;
    for p in emu.patients().iter().take(10) {
        let pid = p["id"].as_str().unwrap();
        for c in emu.calls(pid) {
            let cid = c["id"].as_str().unwrap();
            let url = format!(
                "{}/{}/{}/patients/{pid}/calls/{cid}/recording",
                emu.base_url(),
                emu.tenant(),
                emu.instance()
            );
            let r = Client::new()
                .get(&url)
                .bearer_auth(&t)
                .header("Range", "bytes=1000-")
                .send()
                .await
                .unwrap();
            if c["hasRecording"] == false {
                assert_error(&into_resp(r).await, 404, "CALL_RECORDING_NOT_FOUND");
                continue;
            }
            assert_eq!(r.status(), 200, "Range is ignored");
            let h = r.headers().clone();
            assert!(h.get("accept-ranges").is_none());
            assert!(h.get("content-range").is_none());
            let ct = h["content-type"].to_str().unwrap().to_string();
            let ext = if ct == "audio/mpeg" { "mp3" } else { "wav" };
            assert_eq!(
                h["content-disposition"],
                format!("attachment; filename=\"recording-{cid}.{ext}\"").as_str()
            );
            let body = r.bytes().await.unwrap();
            assert_eq!(
                h["content-length"].to_str().unwrap(),
                body.len().to_string()
            );
            let (want_ct, want) = emu.recording(pid, cid).unwrap();
            assert_eq!(ct, want_ct);
            assert_eq!(&body[..], want);
            if ext == "mp3" {
                assert!(is_mp3(&body));
            } else {
                assert_eq!(&body[..4], b"RIFF");
                types.insert(u16::from_le_bytes([body[20], body[21]]));
            }
            types.insert(if ext == "mp3" { 0 } else { 1000 });
            checked += 1;
        }
    }
    assert!(checked > 20);
    assert!(
        types.contains(&0) && types.contains(&1) && types.contains(&7),
        "{types:?}"
    );

    // HEAD: the headers only.
    let jane = pid(&emu, "Jane", "Doe");
    let c = emu
        .calls(&jane)
        .into_iter()
        .find(|c| c["hasRecording"] == true)
        .unwrap();
    let url = format!(
        "{}/{}/{}/patients/{jane}/calls/{}/recording",
        emu.base_url(),
        emu.tenant(),
        emu.instance(),
        c["id"].as_str().unwrap()
    );
    let r = Client::new()
        .head(&url)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 1000
    );

    // A client without "Voice Calls None Care Team".
    let r = token_current(&emu, &emu.restricted_client_key(), &emu.restricted_secret()).await;
    let restricted = r.json["token"].as_str().unwrap().to_string();
    let r = into_resp(
        Client::new()
            .get(&url)
            .bearer_auth(&restricted)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&r, 403, "ACCESS_FOR_API_CLIENT_RESTRICTED");
    assert_eq!(r.json[0]["componentType"], "AUTH");
    assert_eq!(
        r.json[0]["message"],
        "Access to this API is restricted for the APIClient"
    );
    // It can still read patients and calls.
    let r = get_q(&emu, "/patients", Some(&restricted), &[]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn methods_accept_tenant_and_instance() {
    let emu = start().await;
    let t = token(&emu).await;
    let base = format!("{}/{}/{}", emu.base_url(), emu.tenant(), emu.instance());
    let r = Client::new()
        .post(format!("{base}/patients"))
        .bearer_auth(&t)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 405, "METHOD_NOT_ALLOWED");
    let r = Client::new()
        .get(format!("{base}/patients"))
        .bearer_auth(&t)
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 406, "NOT_ACCEPTABLE");
    let r = Client::new()
        .get(format!("{base}/patients"))
        .bearer_auth(&t)
        .header("Accept", "application/json, text/plain;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = Client::new()
        .get(format!(
            "{}/other/{}/patients",
            emu.base_url(),
            emu.instance()
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 404, "TENANT_NOT_FOUND");
    let r = Client::new()
        .get(format!(
            "{}/{}/sandbox/patients",
            emu.base_url(),
            emu.tenant()
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 404, "INSTANCE_NOT_FOUND");
    let r = Client::new()
        .get(format!("{base}/nothing-here"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_error(&into_resp(r).await, 404, "NOT_FOUND");
    // Without a token, even an unknown route is 401 (authentication first).
    let r = Client::new()
        .get(format!("{base}/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let t = token(&emu).await;
    let jane = pid(&emu, "Jane", "Doe");
    let path = format!("/patients/{jane}/calls");

    emu.faults()
        .push(Fault::Latency(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(get_q(&emu, &path, Some(&t), &[]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 7,
    });
    let r = get_q(&emu, &path, Some(&t), &[]).await;
    assert_error(&r, 429, "TOO_MANY_REQUESTS");
    assert_eq!(r.headers["retry-after"], "7");

    for (n, code) in [
        (400, "BAD_REQUEST"),
        (401, "NOT_AUTHORIZED"),
        (403, "ACCESS_DENIED"),
        (404, "NOT_FOUND"),
        (405, "METHOD_NOT_ALLOWED"),
        (406, "NOT_ACCEPTABLE"),
        (410, "GONE"),
        (429, "TOO_MANY_REQUESTS"),
        (500, "INTERNAL_SERVER_ERROR"),
        (502, "BAD_GATEWAY"),
        (503, "SERVICE_UNAVAILABLE"),
    ] {
        emu.faults().push(Fault::Status(n));
        assert_error(&get_q(&emu, &path, Some(&t), &[]).await, n, code);
    }

    emu.faults().push(Fault::ConnectionReset);
    let url = format!(
        "{}/{}/{}{path}",
        emu.base_url(),
        emu.tenant(),
        emu.instance()
    );
    assert!(
        Client::new()
            .get(&url)
            .bearer_auth(&t)
            .send()
            .await
            .is_err()
    );

    emu.faults().push(Fault::TruncatedBody);
    let r = Client::new().get(&url).bearer_auth(&t).send().await;
    let body = match r {
        Ok(r) => r.bytes().await.ok(),
        Err(_) => None,
    };
    assert!(body.is_none(), "a truncated body cannot be read whole");

    emu.faults().push(Fault::MalformedJson);
    let r = Client::new()
        .get(&url)
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    emu.faults().push(Fault::WrongTypesRecord);
    let r = get_q(&emu, &path, Some(&t), &[("size", "10")]).await;
    let data = r.json["data"].as_array().unwrap();
    assert_eq!(data.len(), 10);
    assert!(data[5]["id"].is_object());
    assert_eq!(data[5]["duration"], "abc");
    assert_eq!(data[5]["hasRecording"], "maybe");
    assert!(
        data.iter()
            .enumerate()
            .all(|(i, c)| i == 5 || c["id"].is_string())
    );
    emu.faults().push(Fault::WrongTypesRecord);
    let r = get_q(&emu, "/patients", Some(&t), &[("size", "4")]).await;
    assert_eq!(r.json["data"][2]["firstName"], 42);

    // A fault aimed at one endpoint is taken only by it, before the general queue.
    emu.faults_on(Endpoint::Calls).push(Fault::Status(502));
    emu.faults().push(Fault::Status(410));
    let r = get_q(&emu, &format!("/patients/{jane}"), Some(&t), &[]).await;
    assert_error(&r, 410, "GONE");
    assert_eq!(
        get_q(&emu, &format!("/patients/{jane}"), Some(&t), &[])
            .await
            .status,
        200
    );
    assert_error(&get_q(&emu, &path, Some(&t), &[]).await, 502, "BAD_GATEWAY");
    assert_eq!(get_q(&emu, &path, Some(&t), &[]).await.status, 200);
    for e in [
        Endpoint::Patients,
        Endpoint::Patient,
        Endpoint::Call,
        Endpoint::Recording,
    ] {
        emu.faults_on(e).push(Fault::Status(500));
    }
    assert_eq!(get_q(&emu, &path, Some(&t), &[]).await.status, 200);
    for e in [
        Endpoint::Patients,
        Endpoint::Patient,
        Endpoint::Call,
        Endpoint::Recording,
    ] {
        assert_eq!(emu.faults_on(e).pending(), 1, "{e:?}");
        emu.faults_on(e).clear();
    }

    // Token faults are a separate queue: a resource fault is not eaten by a token request.
    emu.faults().push(Fault::Status(500));
    let _ = token(&emu).await;
    assert_eq!(emu.faults().pending(), 1);
    emu.faults().clear();
    emu.token_faults().push(Fault::Status(503));
    let r = token_current(&emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 503, "SERVICE_UNAVAILABLE");
    assert_eq!(get_q(&emu, &path, Some(&t), &[]).await.status, 200);
}

#[tokio::test]
async fn requests_are_recorded_and_dropping_stops_the_server() {
    let emu = start().await;
    let t = token(&emu).await;
    let _ = get_q(
        &emu,
        "/patients",
        Some(&t),
        &[("firstName", "Zoë"), ("size", "5")],
    )
    .await;
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].path, "/auth/token");
    assert_eq!(log[1].param("firstName"), Some("Zoë"));
    assert_eq!(log[1].param("size"), Some("5"));
    assert!(
        log[1]
            .header("authorization")
            .unwrap()
            .starts_with("Bearer ")
    );
    emu.clear_requests();
    assert!(emu.requests().is_empty());

    let url = emu.base_url();
    drop(emu);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        Client::new()
            .post(format!("{url}/auth/token"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_err()
    );
}
