//! Rate limits and injected faults.

use super::support::*;

#[tokio::test]
async fn rate_limits_in_plain_text_with_headers() {
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            rate_limit_per_minute: 3,
            ..VoxemeOptions::default()
        },
    )
    .await
    .unwrap();
    let ids = account_sids(&emu);
    let calls = |i: usize| format!("/v1/Accounts/{}/Calls", ids[i]);
    for i in 0..3u64 {
        let r = get(&emu, &calls(0), &[]).await;
        assert_eq!(r.status, 200);
        let (limit, remaining, reset) = rate(&r);
        assert_eq!((limit, remaining), (3, 2 - i));
        assert!((1..=60).contains(&reset));
    }
    let r = get(&emu, &calls(0), &[]).await;
    assert_plain(&r, 429, "Too many requests, please try again later.");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(rate(&r).0, 3);
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    // The window is the account's, whichever key asks and whatever the route.
    let own = get_q(&emu, "/v1/Accounts", Some(&emu.account_key(0)), &[]).await;
    assert_eq!(own.status, 429, "account 0's own key, on /v1/Accounts");
    let r = get(
        &emu,
        &format!("/v1/Accounts/{}/RecentCalls", ids[0]),
        &[("page", "1"), ("count", "25")],
    )
    .await;
    assert_eq!(r.status, 429);
    // Another account has its own window, for the same key.
    let r = get(&emu, &calls(1), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 2));
    // The service-provider key's /v1/Accounts too; an account key of account 2 counts in
    // account 2's, also on its own list of accounts.
    assert_eq!(get(&emu, "/v1/Accounts", &[]).await.status, 200);
    let key2 = emu.account_key(2);
    let r = get_q(&emu, "/v1/Accounts", Some(&key2), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 2));
    let r = get_q(&emu, &calls(2), Some(&key2), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 1));
    // Refused another account's sid, an account key spends its own account's budget.
    let r = get_q(&emu, &calls(1), Some(&key2), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (403, 0));
    let r = get(&emu, &calls(1), &[]).await;
    assert_eq!((r.status.as_u16(), rate(&r).1), (200, 1));

    // The hourly limit: when it binds, the headers are the hour window's, limit included.
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            rate_limit_per_hour: 2,
            ..VoxemeOptions::default()
        },
    )
    .await
    .unwrap();
    for left in [1, 0] {
        let r = get(&emu, "/v1/Accounts", &[]).await;
        assert_eq!(r.status, 200);
        let (limit, remaining, reset) = rate(&r);
        assert_eq!((limit, remaining), (2, left));
        assert!(reset > 60 && reset <= 3600, "{reset}");
    }
    let r = get(&emu, "/v1/Accounts", &[]).await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 60 && retry <= 3600);
    assert_eq!(rate(&r).0, 2, "the hourly limit, not the per-minute one");
}

#[tokio::test]
async fn the_default_limits_are_100_a_minute_and_1000_an_hour() {
    let d = VoxemeOptions::default();
    assert_eq!(
        (d.rate_limit_per_minute, d.rate_limit_per_hour),
        (100, 1000)
    );
    // `start` uses them.
    let emu = voxeme::start(opts()).await.unwrap();
    let path = format!("/v1/Accounts/{}", account_sids(&emu)[0]);
    for i in 0..100u64 {
        let r = get(&emu, &path, &[]).await;
        assert_eq!(r.status, 200, "request {i}");
        assert_eq!(rate(&r).0, 100);
        assert_eq!(rate(&r).1, 99 - i);
    }
    let r = get(&emu, &path, &[]).await;
    assert_plain(&r, 429, "Too many requests, please try again later.");
    assert_eq!(rate(&r).0, 100);
}

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let id = account_sids(&emu)[0].clone();
    let page = FirstPage {
        url: format!("{}/v1/Accounts/{id}/RecentCalls", emu.base_url()),
        key: emu.api_key(),
        client: Client::new(),
    };
    latency_and_vendor_errors(&emu, &page).await;
    broken_and_wrong_answers(&emu, &page, &id).await;
    faults_are_fifo(&emu, &page).await;
}

/// The first page of an account's RecentCalls.
struct FirstPage {
    url: String,
    key: String,
    client: Client,
}

impl FirstPage {
    async fn send(&self) -> reqwest::Result<reqwest::Response> {
        self.client
            .get(&self.url)
            .query(&[("page", "1"), ("count", "25")])
            .bearer_auth(&self.key)
            .send()
            .await
    }
}

async fn latency_and_vendor_errors(emu: &VoxemeEmulator, page: &FirstPage) {
    let send = || page.send();
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
    assert!(r.headers().get("ratelimit-reset").is_some());
    assert_eq!(
        r.text().await.unwrap(),
        "Too many requests, please try again later."
    );

    for (code, body) in [
        (401, "Unauthorized"),
        (404, "Not Found"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ] {
        emu.faults().push(Fault::Status(code));
        let r = send().await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        assert_eq!(r.text().await.unwrap(), body);
    }
    for code in [400, 422, 500] {
        emu.faults().push(Fault::Status(code));
        let r = send().await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        let j: Value = r.json().await.unwrap();
        assert!(j["msg"].is_string(), "{j}");
    }
    emu.faults().push(Fault::Status(403));
    let j: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(j["status"], "fail");
}

async fn broken_and_wrong_answers(emu: &VoxemeEmulator, page: &FirstPage, id: &str) {
    let send = || page.send();
    emu.faults().push(Fault::ConnectionReset);
    let err = send().await.expect_err("connection must be dropped");
    assert!(!err.is_status());

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
    let data = j["data"].as_array().unwrap();
    assert_eq!(data.len(), 25);
    let bad: Vec<&Value> = data.iter().filter(|c| !c["call_sid"].is_string()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["duration"], "abc");
    assert_eq!(bad[0]["answered"], "maybe");
    // The next record keeps its sid and gets the wrong types; the others are untouched.
    let raw = emu.calls(id);
    let odd = &data[13];
    assert_eq!(odd["call_sid"], raw[13]["call_sid"]);
    assert!(odd["account_sid"].is_string());
    assert_eq!(
        (&odd["duration"], &odd["answered"], &odd["attempted_at"]),
        (
            &Value::from("abc"),
            &Value::from("maybe"),
            &Value::from(1_700_000_000)
        )
    );
    for (i, c) in data
        .iter()
        .enumerate()
        .filter(|(i, _)| ![12, 13].contains(i))
    {
        assert_eq!(c, &raw[i]);
    }
    // A single object keeps its sid and gets the wrong types.
    emu.faults().push(Fault::WrongTypesRecord);
    let one = get(emu, &format!("/v1/Accounts/{id}"), &[]).await.json();
    assert_eq!(
        (&one["account_sid"], &one["record_all_calls"]),
        (&Value::from(id), &Value::from("maybe"))
    );
}

async fn faults_are_fifo(emu: &VoxemeEmulator, page: &FirstPage) {
    let send = || page.send();
    // FIFO, one per request; clear drops the rest.
    emu.faults().push(Fault::Status(500));
    emu.faults().push(Fault::Status(503));
    assert_eq!(send().await.unwrap().status(), 500);
    assert_eq!(send().await.unwrap().status(), 503);
    assert_eq!(send().await.unwrap().status(), 200);
    emu.faults().push(Fault::Status(500));
    emu.faults().clear();
    assert_eq!(send().await.unwrap().status(), 200);
}
