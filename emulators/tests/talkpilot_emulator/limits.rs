//! Rate limits and injected faults.

use super::support::*;

#[tokio::test]
async fn rate_limit_per_key() {
    let emu = talkpilot::start(EmulatorOptions {
        rate_limit_per_minute: 5,
        ..opts()
    })
    .await
    .unwrap();
    let key = emu.api_key();
    let mut last_reset = 0;
    for i in 0..5u64 {
        let r = get_q(&emu, "/v1/agents", Some(&key), &[]).await;
        assert_eq!(r.status, 200);
        let h = |n: &str| r.headers[n].to_str().unwrap().parse::<u64>().unwrap();
        assert_eq!(h("x-ratelimit-limit"), 5);
        assert_eq!(h("x-ratelimit-remaining"), 4 - i);
        let reset = h("x-ratelimit-reset");
        let now = Utc::now().timestamp() as u64;
        assert!(reset > now && reset <= now + 61);
        last_reset = reset;
    }
    let r = get_q(&emu, "/v1/agents", Some(&key), &[]).await;
    assert_error(&r, 429, "RATE_LIMITED");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        r.json["error"]["message"],
        format!("Rate limit exceeded. Try again in {retry} seconds.")
    );
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert_eq!(
        r.headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        last_reset
    );
    // Health is not limited; other keys have their own window.
    assert_eq!(get_q(&emu, "/v1/health", None, &[]).await.status, 200);
    let other = get_q(
        &emu,
        "/v1/agents",
        Some(&emu.key_limited_to_first_agent()),
        &[],
    )
    .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.headers["x-ratelimit-remaining"], "4");
}

#[tokio::test]
async fn hourly_limit_applies_too() {
    let emu = talkpilot::start(EmulatorOptions {
        rate_limit_per_minute: 100,
        rate_limit_per_hour: 3,
        ..opts()
    })
    .await
    .unwrap();
    for _ in 0..3 {
        assert_eq!(get(&emu, "/v1/agents").await.status, 200);
    }
    let r = get(&emu, "/v1/agents").await;
    assert_error(&r, 429, "RATE_LIMITED");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 60 && retry <= 3600);
}

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let agent = agent_ids(&emu)[0].clone();
    let path = format!("/v1/agents/{agent}/calls");
    let url = format!("{}{path}", emu.base_url());
    let key = emu.api_key();
    let client = Client::new();
    let send = || client.get(&url).header("X-API-Key", &key).send();

    // Latency
    emu.faults()
        .push(Fault::Latency(Duration::from_millis(400)));
    let t = Instant::now();
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(400));

    // 429 with Retry-After
    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 17,
    });
    let r = send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "17");
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["error"]["code"], "RATE_LIMITED");
    assert_eq!(
        j["error"]["message"],
        "Rate limit exceeded. Try again in 17 seconds."
    );

    // Status codes
    for (code, name) in [
        (500, "INTERNAL_ERROR"),
        (502, "BAD_GATEWAY"),
        (503, "SERVICE_UNAVAILABLE"),
    ] {
        emu.faults().push(Fault::Status(code));
        let r = send().await.unwrap();
        assert_eq!(r.status().as_u16(), code);
        let j: Value = r.json().await.unwrap();
        assert_eq!(j["error"]["code"], name);
        assert!(j["error"]["request_id"].is_string());
    }

    // Connection reset: a transport error, no status.
    emu.faults().push(Fault::ConnectionReset);
    let err = send().await.expect_err("connection must be dropped");
    assert!(!err.is_status());

    // Truncated body: Content-Length promises more than arrives.
    emu.faults().push(Fault::TruncatedBody);
    match send().await {
        Ok(r) => {
            let promised = r.content_length().unwrap();
            assert!(promised > 0);
            assert!(r.bytes().await.is_err(), "body must fail");
        }
        Err(e) => assert!(!e.is_status()),
    }

    // Malformed JSON with 200
    emu.faults().push(Fault::MalformedJson);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    // A record with wrong types among good ones
    emu.faults().push(Fault::WrongTypesRecord);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    let data = j["data"].as_array().unwrap();
    let bad: Vec<&Value> = data.iter().filter(|c| !c["duration"].is_u64()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["duration"], "abc");
    assert_eq!(bad[0]["done"], "maybe");
    assert!(bad[0]["id"].is_number());
    assert_eq!(data.len(), 20);

    // Back to normal; faults are FIFO, one per request, health does not consume.
    emu.faults().push(Fault::Status(500));
    emu.faults().push(Fault::Status(503));
    assert_eq!(emu.faults().pending(), 2);
    assert_eq!(get_q(&emu, "/v1/health", None, &[]).await.status, 200);
    assert_eq!(send().await.unwrap().status(), 500);
    assert_eq!(send().await.unwrap().status(), 503);
    assert_eq!(send().await.unwrap().status(), 200);
    emu.faults().push(Fault::Status(500));
    emu.faults().clear();
    assert_eq!(send().await.unwrap().status(), 200);
    // The client still works after the killed connections.
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
}
