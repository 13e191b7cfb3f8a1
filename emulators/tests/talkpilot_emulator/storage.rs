//! The storage host: signed recording URLs, ranges, expiry.

use super::support::*;

#[tokio::test]
async fn storage_serves_ranges_and_sees_no_credentials() {
    let emu = start().await;
    let facts = emu.call_facts();
    // A short mono and a short stereo call.
    for stereo in [false, true] {
        let f = facts
            .iter()
            .filter(|f| !f.is_purged && f.stereo == stereo)
            .min_by_key(|f| f.duration)
            .unwrap();
        check_recording(&emu, f, stereo).await;
    }
    forged_expiry_is_rejected(&emu, &facts).await;
    storage_saw_no_credentials(&emu);
}

/// The whole file, ranges of it, and the same bytes again.
async fn check_recording(emu: &TalkPilotEmulator, f: &CallFacts, stereo: bool) {
    let d = get(emu, &format!("/v1/agents/{}/calls/{}", f.agent_id, f.id)).await;
    let url = d.json["audio_file_url"].as_str().unwrap().to_string();
    assert!(url.contains(&format!("/recordings/{}.wav?", f.call_id)));
    let storage = Client::new();

    let full = storage.get(&url).send().await.unwrap();
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "audio/wav");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    let len: u64 = full.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let full = full.bytes().await.unwrap();
    assert_eq!(full.len() as u64, len);
    assert_eq!(len, f.recording_bytes);
    let (channels, rate, bits, data_len) = wav_info(&full);
    assert_eq!(channels, if stereo { 2 } else { 1 });
    assert_eq!(rate, 16_000);
    assert_eq!(bits, 16);
    assert_eq!(u64::from(data_len), len - 44);
    assert_eq!(
        u64::from(data_len),
        u64::from(f.duration) * 32_000 * u64::from(channels)
    );

    check_speech_like(&full, channels);
    check_ranges(&storage, &url, &full, len).await;
    // Same bytes on a second download (deterministic).
    let again = storage
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, full);
}

fn check_speech_like(full: &[u8], channels: u16) {
    // Speech-like: loud parts and quiet parts.
    let samples: Vec<i16> = full[44..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let win = 1600 * usize::from(channels);
    let rms: Vec<f64> = samples
        .chunks(win)
        .map(|w| (w.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / w.len() as f64).sqrt())
        .collect();
    assert!(rms.iter().any(|r| *r > 1500.0), "there is speech");
    assert!(rms.iter().any(|r| *r < 200.0), "there are pauses");
}

async fn check_ranges(storage: &Client, url: &str, full: &[u8], len: u64) {
    for (range, start, end) in [
        ("bytes=100-199".to_string(), 100u64, 199u64),
        ("bytes=0-0".to_string(), 0, 0),
        ("bytes=43-45".to_string(), 43, 45),
        (format!("bytes={}-", len - 1000), len - 1000, len - 1),
        ("bytes=-500".to_string(), len - 500, len - 1),
        (format!("bytes=1000-{}", len + 5000), 1000, len - 1),
    ] {
        let r = storage
            .get(url)
            .header("Range", &range)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 206, "{range}");
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes {start}-{end}/{len}").as_str()
        );
        assert_eq!(
            r.headers()["content-length"],
            (end - start + 1).to_string().as_str()
        );
        let body = r.bytes().await.unwrap();
        assert_eq!(&body[..], &full[start as usize..=end as usize], "{range}");
    }
    let r = storage
        .get(url)
        .header("Range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{len}").as_str()
    );
}

async fn forged_expiry_is_rejected(emu: &TalkPilotEmulator, facts: &[CallFacts]) {
    // A forged expiry is rejected.
    let f = facts.iter().find(|f| !f.is_purged).unwrap();
    let d = emu.call_detail(&f.agent_id, &f.id).unwrap();
    let url = d["audio_file_url"].as_str().unwrap();
    let (base, query) = url.split_once('?').unwrap();
    let forged: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("expires", v)) => format!("expires={}", v.parse::<u64>().unwrap() + 3600),
            _ => kv.to_string(),
        })
        .collect();
    let r = Client::new()
        .get(format!("{base}?{}", forged.join("&")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert!(body.starts_with("<?xml"));
    assert!(body.contains("<Error>"));
    let r = Client::new().get(base).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

fn storage_saw_no_credentials(emu: &TalkPilotEmulator) {
    let seen = emu.storage_requests();
    assert!(seen.len() >= 20);
    for req in &seen {
        assert!(!req.path_and_query_redacted.contains('?'));
        assert!(!req.path_and_query_redacted.contains("token"));
        for (name, _) in &req.headers {
            assert_ne!(name, "x-api-key");
            assert_ne!(name, "authorization");
            assert_ne!(name, "referer");
        }
    }
}

#[tokio::test]
async fn signed_urls_expire_with_s3_style_xml() {
    let emu = talkpilot::start(EmulatorOptions {
        signed_url_ttl: Duration::from_secs(1),
        ..opts()
    })
    .await
    .unwrap();
    let f = emu.call_facts().into_iter().find(|f| !f.is_purged).unwrap();
    let d = get(&emu, &format!("/v1/agents/{}/calls/{}", f.agent_id, f.id)).await;
    let url = d.json["audio_file_url"].as_str().unwrap().to_string();
    let r = Client::new()
        .get(&url)
        .header("Range", "bytes=0-43")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = Client::new().get(&url).send().await.unwrap();
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
    // A fresh detail gives a working URL again.
    let d = get(&emu, &format!("/v1/agents/{}/calls/{}", f.agent_id, f.id)).await;
    let fresh = d.json["audio_file_url"].as_str().unwrap();
    assert_ne!(fresh, url);
    let r = Client::new()
        .get(fresh)
        .header("Range", "bytes=0-43")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
}
