//! Injected faults and the request log.

use super::support::*;

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let t = token(&emu).await;
    let jane = pid(&emu, "Jane", "Doe");
    let path = format!("/patients/{jane}/calls");

    each_fault_kind(&emu, &t, &path).await;
    broken_answers(&emu, &t, &path).await;
    faults_per_endpoint(&emu, &t, &path, &jane).await;
    token_faults_are_separate(&emu, &t, &path).await;
}

async fn each_fault_kind(emu: &WelkinEmulator, t: &str, path: &str) {
    emu.faults()
        .push(Fault::Latency(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(get_q(emu, path, Some(t), &[]).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    emu.faults().push(Fault::RateLimited {
        retry_after_secs: 7,
    });
    let r = get_q(emu, path, Some(t), &[]).await;
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
        assert_error(&get_q(emu, path, Some(t), &[]).await, n, code);
    }
}

async fn broken_answers(emu: &WelkinEmulator, t: &str, path: &str) {
    emu.faults().push(Fault::ConnectionReset);
    let url = format!(
        "{}/{}/{}{path}",
        emu.base_url(),
        emu.tenant(),
        emu.instance()
    );
    assert!(Client::new().get(&url).bearer_auth(t).send().await.is_err());

    emu.faults().push(Fault::TruncatedBody);
    let r = Client::new().get(&url).bearer_auth(t).send().await;
    let body = match r {
        Ok(r) => r.bytes().await.ok(),
        Err(_) => None,
    };
    assert!(body.is_none(), "a truncated body cannot be read whole");

    emu.faults().push(Fault::MalformedJson);
    let r = Client::new().get(&url).bearer_auth(t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    emu.faults().push(Fault::WrongTypesRecord);
    let r = get_q(emu, path, Some(t), &[("size", "10")]).await;
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
    let r = get_q(emu, "/patients", Some(t), &[("size", "4")]).await;
    assert_eq!(r.json["data"][2]["firstName"], 42);
}

async fn faults_per_endpoint(emu: &WelkinEmulator, t: &str, path: &str, jane: &str) {
    // A fault aimed at one endpoint is taken only by it, before the general queue.
    emu.faults_on(Endpoint::Calls).push(Fault::Status(502));
    emu.faults().push(Fault::Status(410));
    let r = get_q(emu, &format!("/patients/{jane}"), Some(t), &[]).await;
    assert_error(&r, 410, "GONE");
    assert_eq!(
        get_q(emu, &format!("/patients/{jane}"), Some(t), &[])
            .await
            .status,
        200
    );
    assert_error(&get_q(emu, path, Some(t), &[]).await, 502, "BAD_GATEWAY");
    assert_eq!(get_q(emu, path, Some(t), &[]).await.status, 200);
    for e in [
        Endpoint::Patients,
        Endpoint::Patient,
        Endpoint::Call,
        Endpoint::Recording,
    ] {
        emu.faults_on(e).push(Fault::Status(500));
    }
    assert_eq!(get_q(emu, path, Some(t), &[]).await.status, 200);
    for e in [
        Endpoint::Patients,
        Endpoint::Patient,
        Endpoint::Call,
        Endpoint::Recording,
    ] {
        assert_eq!(emu.faults_on(e).pending(), 1, "{e:?}");
        emu.faults_on(e).clear();
    }
}

async fn token_faults_are_separate(emu: &WelkinEmulator, t: &str, path: &str) {
    // Token faults are a separate queue: a resource fault is not eaten by a token request.
    emu.faults().push(Fault::Status(500));
    let _ = token(emu).await;
    assert_eq!(emu.faults().pending(), 1);
    emu.faults().clear();
    emu.token_faults().push(Fault::Status(503));
    let r = token_current(emu, &emu.client_key(), &emu.secret()).await;
    assert_error(&r, 503, "SERVICE_UNAVAILABLE");
    assert_eq!(get_q(emu, path, Some(t), &[]).await.status, 200);
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
