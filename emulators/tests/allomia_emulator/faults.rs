//! Injected faults on the API and on the storage hosts.

use super::support::*;

#[tokio::test]
async fn faults_are_observable() {
    let emu = start().await;
    let org = org_ids(&emu)[0].clone();
    let page = CallsPage {
        url: format!("{}/api/calls", emu.base_url()),
        auth: format!("Bearer {}", emu.tenant_key()),
        client: Client::new(),
        org,
    };
    latency_and_error_answers(&emu, &page).await;
    broken_and_unreadable_answers(&emu, &page).await;
    readable_wrong_types(&emu, &page).await;
    retry_after_forms(&emu, &page).await;
    faults_are_fifo(&emu, &page).await;
}

/// The first page of an organization's calls.
struct CallsPage {
    url: String,
    auth: String,
    client: Client,
    org: String,
}

impl CallsPage {
    async fn send(&self) -> reqwest::Result<reqwest::Response> {
        self.client
            .get(&self.url)
            .query(&[("organizationId", self.org.as_str())])
            .header("Authorization", &self.auth)
            .send()
            .await
    }
}

async fn latency_and_error_answers(emu: &AlloMiaEmulator, page: &CallsPage) {
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
}

async fn broken_and_unreadable_answers(emu: &AlloMiaEmulator, page: &CallsPage) {
    let send = || page.send();
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
}

async fn readable_wrong_types(emu: &AlloMiaEmulator, page: &CallsPage) {
    let send = || page.send();
    let org = &page.org;
    // The readable variant: ids kept, a bad duration and type, then a bad start time.
    emu.set_wrong_types(WrongTypes::BadValues);
    emu.faults().push(Fault::WrongTypesRecord);
    let j: Value = send().await.unwrap().json().await.unwrap();
    let calls = j["calls"].as_array().unwrap();
    let reference = emu.calls(org);
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
}

async fn retry_after_forms(emu: &AlloMiaEmulator, page: &CallsPage) {
    let send = || page.send();
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
}

async fn faults_are_fifo(emu: &AlloMiaEmulator, page: &CallsPage) {
    let send = || page.send();
    let client = &page.client;
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
