//! AlloMia's signed storage links: fetched without credentials, reused while valid, replaced when
//! storage finds them expired or revoked, redirected, cut, throttled, failing.

use super::*;

#[tokio::test]
async fn an_expired_transcript_link_is_replaced_once() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_transcript && f.has_recording && !f.unformatted_transcript)
        .unwrap();
    let details = |emu: &AlloMiaEmulator| {
        emu.api_requests()
            .iter()
            .filter(|r| r.path == format!("/api/calls/{}", f.id))
            .count()
    };
    emu.expire_next_urls(1);
    let d = am.detail(&key(&org, &f.id)).await.unwrap();
    assert!(
        matches!(d.transcript, Transcript::Turns(_)),
        "{:?}",
        d.warnings
    );
    assert!(d.warnings.is_empty());
    assert_eq!(details(&emu), 2, "the detail was fetched again once");
    // The fresh detail's recording link replaces the stale one.
    match &d.recording {
        RecordingRef::SignedUrl { expires_at, .. } => assert!(expires_at.unwrap() > Utc::now()),
        other => panic!("{other:?}"),
    }
    let transcript_gets = emu
        .storage_requests()
        .iter()
        .filter(|r| r.path_and_query_redacted.contains("/transcripts/"))
        .count();
    assert_eq!(transcript_gets, 2);

    // Still expired after the re-fetch: a warning, not an error, and no loop.
    emu.expire_next_urls(2);
    let d = am.detail(&key(&org, &f.id)).await.unwrap();
    assert_eq!(d.transcript, Transcript::Missing);
    assert_eq!(d.warnings.len(), 1);
    assert!(
        d.warnings[0].starts_with("the transcript could not be fetched"),
        "{:?}",
        d.warnings
    );
    assert!(d.warnings[0].contains("AccessDenied"), "{:?}", d.warnings);
    assert_eq!(details(&emu), 4);
    no_credentials_reached_storage(&emu);
}

#[tokio::test]
async fn recording_links_are_reused_renewed_and_bounded() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let k = key(&org, &f.id);
    // The bytes, their format and a resumed read are the contract suite's (`recording_states`).
    // get_call leaves a fresh URL that open_recording uses without another detail request.
    am.detail(&k).await.unwrap();
    let before = emu.api_requests().len();
    am.recording(&k, 0).await.unwrap();
    assert_eq!(emu.api_requests().len(), before, "a valid link is reused");

    // Revoked links (403 SignatureDoesNotMatch): one fresh detail, then the bytes, same offset.
    emu.rotate_signing_key();
    let before = emu.api_requests().len();
    let rec = am.recording(&k, 500).await.unwrap();
    assert_eq!(rec.starts_at, 500);
    assert_eq!(emu.api_requests().len(), before + 1);

    // Past the end: a clear sentence.
    let Err(e) = am.recording(&k, f.recording_bytes + 10).await else {
        panic!("a range past the end must fail");
    };
    assert!(e.to_string().contains("416"), "{e}");

    no_credentials_reached_storage(&emu);
}

/// How many times the emulator was asked for this call's detail.
fn detail_requests(emu: &AlloMiaEmulator, id: &str) -> usize {
    let path = format!("/api/calls/{id}");
    emu.api_requests().iter().filter(|r| r.path == path).count()
}

#[tokio::test]
async fn a_cached_recording_link_that_storage_finds_expired_is_replaced() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let k = key(&org, &f.id);
    let d = am.detail(&k).await.unwrap();
    let RecordingRef::SignedUrl { url, expires_at } = d.recording else {
        panic!("no recording");
    };
    // The expiry is read from the URL (X-Amz-Date + X-Amz-Expires): an hour ahead, so the
    // adapter keeps the link for open_recording.
    assert_eq!(expires_at, allomia_expiry(&url));
    assert!(expires_at.unwrap() > Utc::now() + chrono::Duration::minutes(59));
    assert_eq!(detail_requests(&emu, &f.id), 1);

    // An hour passes on the vendor's clock, not on ours: storage now refuses the cached link.
    emu.advance_url_clock(Duration::from_secs(3601));
    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert!(
        body.contains("<Message>Request has expired</Message>"),
        "{body}"
    );

    let storage_before = emu.storage_requests().len();
    let mut rec = am.recording(&k, 1000).await.unwrap();
    // The cached link was tried (403), the detail fetched again once, the fresh link read.
    assert_eq!(detail_requests(&emu, &f.id), 2, "one fresh detail");
    let tried: Vec<_> = emu.storage_requests()[storage_before..].to_vec();
    assert_eq!(tried.len(), 2, "the cached link, then the fresh one");
    for r in &tried {
        assert!(r.path_and_query_redacted.contains("/recordings/"));
        assert_eq!(r.header("range"), Some("bytes=1000-"), "same position");
    }
    assert_eq!(rec.starts_at, 1000);
    assert_eq!(rec.total_len, Some(f.recording_bytes));
    assert_eq!(
        read_all(&mut rec).await.unwrap().len() as u64,
        f.recording_bytes - 1000
    );
    // The fresh link is cached in turn: no further detail request.
    am.recording(&k, 0).await.unwrap();
    assert_eq!(detail_requests(&emu, &f.id), 2);
    no_credentials_reached_storage(&emu);
}

fn allomia_expiry(url: &str) -> Option<DateTime<Utc>> {
    callbrowser::providers::allomia::signed_url_expiry(url)
}

#[tokio::test]
async fn a_redirected_recording_carries_no_credentials() {
    let emu = allomia::start_with(
        opts(),
        allomia::AlloMiaOptions {
            redirect_recordings: Redirect::SameHost,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (am, _) = adapter_with(&emu, emu.tenant_key(), None);
    let org = org_ids(&emu)[2].clone();
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let mut rec = am.recording(&key(&org, &f.id), 0).await.unwrap();
    let head = rec.chunk().await.unwrap().unwrap();
    assert!(is_mp3(&head));
    let paths: Vec<String> = emu
        .storage_requests()
        .iter()
        .map(|r| r.path_and_query_redacted.clone())
        .collect();
    assert!(
        paths.iter().any(|p| p.contains("/recordings-redirect/")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.contains("/recordings/")),
        "{paths:?}"
    );
    assert!(emu.mirror_requests().is_empty());
    no_credentials_reached_storage(&emu);
}

#[tokio::test]
async fn storage_faults_give_clear_errors_never_a_silently_short_file() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording && f.has_transcript && !f.unformatted_transcript)
        .unwrap();
    let k = key(&org, &f.id);
    let total = f.recording_bytes;
    let full = read_all(&mut am.recording(&k, 0).await.unwrap())
        .await
        .unwrap();
    assert_eq!(full.len() as u64, total);

    // Cut mid-recording: reading fails before the promised length…
    emu.storage_faults().push(Fault::TruncatedBody);
    let mut rec = am.recording(&k, 0).await.unwrap();
    assert_eq!(rec.total_len, Some(total), "the whole file is promised");
    let mut got = Vec::new();
    loop {
        match rec.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => panic!(
                "a short file ended silently: {} of {total} bytes",
                got.len()
            ),
            Err(_) => break,
        }
    }
    assert!(
        (got.len() as u64) < total && !got.is_empty(),
        "{}",
        got.len()
    );
    assert_eq!(emu.storage_faults().pending(), 0);
    // … and resuming at the byte reached gives exactly the rest.
    let mut rest = am.recording(&k, got.len() as u64).await.unwrap();
    assert_eq!(rest.starts_at, got.len() as u64);
    got.extend(read_all(&mut rest).await.unwrap());
    assert!(got == full, "resumed bytes differ");

    // One reset or one 5xx is retried by the HTTP layer and the recording arrives.
    for fault in [Fault::ConnectionReset, Fault::Status(500)] {
        emu.storage_faults().push(fault.clone());
        let before = emu.storage_requests().len();
        let mut rec = am.recording(&k, 0).await.unwrap();
        assert!(read_all(&mut rec).await.unwrap() == full, "{fault:?}");
        assert_eq!(emu.storage_requests().len(), before + 2, "{fault:?}");
    }
    // 503 SlowDown with Retry-After: waited for.
    emu.storage_faults().push(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let t = Instant::now();
    let mut rec = am.recording(&k, 0).await.unwrap();
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(read_all(&mut rec).await.unwrap() == full);

    // Lasting resets or 5xx: one sentence naming the storage host, no URL.
    for _ in 0..10 {
        emu.storage_faults().push(Fault::ConnectionReset);
    }
    let Err(e) = am.recording(&k, 0).await else {
        panic!("lasting resets must fail");
    };
    emu.storage_faults().clear();
    assert!(matches!(e, ProviderError::Offline { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("AlloMia is unreachable: the recording could not be read from storage ("),
        "{msg}"
    );
    assert!(!msg.contains("X-Amz"), "{msg}");
    for _ in 0..10 {
        emu.storage_faults().push(Fault::Status(500));
    }
    let Err(e) = am.recording(&k, 0).await else {
        panic!("a lasting 500 must fail");
    };
    emu.storage_faults().clear();
    assert_eq!(
        e.to_string(),
        "AlloMia answered 500 InternalError: the storage host could not serve the recording; \
         try again later"
    );
    no_credentials_reached_storage(&emu);
}

#[tokio::test]
async fn storage_faults_on_a_transcript_are_retried_then_a_warning() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording && f.has_transcript && !f.unformatted_transcript)
        .unwrap();
    let k = key(&org, &f.id);
    // Transcripts: a truncated file or one 5xx is retried; a lasting 5xx is a warning.
    for fault in [
        Fault::TruncatedBody,
        Fault::Status(500),
        Fault::ConnectionReset,
    ] {
        emu.storage_faults().push(fault.clone());
        let d = am.detail(&k).await.unwrap();
        assert!(
            matches!(d.transcript, Transcript::Turns(_)) && d.warnings.is_empty(),
            "{fault:?}: {:?}",
            d.warnings
        );
        let text = emu.transcript_text(&f.id).unwrap();
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        let in_turns: usize = d
            .transcript
            .turns()
            .iter()
            .map(|t| t.text.lines().count())
            .sum();
        assert_eq!(lines, in_turns, "{fault:?}: the whole file");
    }
    for _ in 0..10 {
        emu.storage_faults().push(Fault::Status(500));
    }
    let d = am.detail(&k).await.unwrap();
    emu.storage_faults().clear();
    assert_eq!(d.transcript, Transcript::Missing);
    assert_eq!(
        d.warnings,
        ["the transcript could not be fetched: the storage host answered 500 InternalError"]
    );
    no_credentials_reached_storage(&emu);
}

#[tokio::test]
async fn a_throttled_recording_arrives_whole_and_takes_its_time() {
    let (emu, am, _, org) = setup(opts()).await;
    let f = facts_of(&emu, &org)
        .into_iter()
        .find(|f| f.has_recording)
        .unwrap();
    let k = key(&org, &f.id);
    // Half a second's worth of bytes per second, at least.
    let rate = (f.recording_bytes * 2).max(1);
    emu.throttle_storage(Some(rate));
    let t = Instant::now();
    let body = read_all(&mut am.recording(&k, 0).await.unwrap())
        .await
        .unwrap();
    let elapsed = t.elapsed();
    assert_eq!(body.len() as u64, f.recording_bytes);
    assert!(is_mp3(&body));
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    emu.throttle_storage(None);
}
