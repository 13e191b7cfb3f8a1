//! The storage and mirror hosts: signed URLs, ranges, expiry, redirects.

use super::support::*;

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

    serves_text_and_mp3(&emu, &f, &d, &client).await;
    refuses_altered_urls(&f, &d, &client).await;
    refuses_urls_with_credentials(&emu, &d, &client).await;
}

async fn serves_text_and_mp3(emu: &AlloMiaEmulator, f: &CallFacts, d: &Value, client: &Client) {
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
}

async fn refuses_altered_urls(f: &CallFacts, d: &Value, client: &Client) {
    let url = d["recordingUrl"].as_str().unwrap();
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
}

async fn refuses_urls_with_credentials(emu: &AlloMiaEmulator, d: &Value, client: &Client) {
    let t_url = d["transcriptUrl"].as_str().unwrap();
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
    urls_expire(&emu, &path, &d, url, &client).await;
    expired_on_request_and_rotated_key(&emu, &path, &client).await;
    redirect_on_the_same_host(&emu, &path, &client, &f).await;
    redirect_to_the_mirror(&emu, &path, &client, &f).await;
}

async fn urls_expire(emu: &AlloMiaEmulator, path: &str, d: &Value, url: String, client: &Client) {
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
    let fresh = tenant(emu, path, &[]).await.json;
    let fresh_url = fresh["recordingUrl"].as_str().unwrap();
    assert_ne!(fresh_url, url);
    assert_eq!(client.get(fresh_url).send().await.unwrap().status(), 200);
}

async fn expired_on_request_and_rotated_key(emu: &AlloMiaEmulator, path: &str, client: &Client) {
    // Already-expired URLs on request.
    emu.expire_next_urls(1);
    let stale = tenant(emu, path, &[]).await.json;
    assert_eq!(
        client
            .get(stale["transcriptUrl"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = tenant(emu, path, &[]).await.json;
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
}

async fn redirect_on_the_same_host(
    emu: &AlloMiaEmulator,
    path: &str,
    client: &Client,
    f: &CallFacts,
) {
    // Redirecting recordings: 302 to another signed storage path.
    emu.set_redirect_recordings(Redirect::SameHost);
    let d = tenant(emu, path, &[]).await.json;
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
}

async fn redirect_to_the_mirror(emu: &AlloMiaEmulator, path: &str, client: &Client, f: &CallFacts) {
    let no_follow = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // … or to the same object signed on the mirror host (another port).
    emu.set_redirect_recordings(Redirect::OtherHost);
    let d = tenant(emu, path, &[]).await.json;
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
