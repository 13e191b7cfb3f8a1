//! Recordings on the API host and on a media host.

use super::support::*;

#[tokio::test]
async fn recordings_stream_chunked_without_length_or_ranges() {
    let emu = start().await;
    let ids = account_sids(&emu);
    let missing = emu.missing_recordings();
    for (i, id) in ids.iter().take(2).enumerate() {
        recording_of_account(&emu, i, id, &missing).await;
    }
    across_midnight(&emu, &ids).await;
    missing_object(&emu, &ids, &missing).await;
}

/// A recording of account `i` (0: MP3, 1: WAV), streamed; 401 without the key, 404 in another
/// format.
async fn recording_of_account(emu: &VoxemeEmulator, i: usize, id: &str, missing: &[String]) {
    let calls = emu.calls(id);
    let c = calls
        .iter()
        .find(|c| {
            !c["recording_url"].is_null()
                && !missing.contains(&c["call_sid"].as_str().unwrap().to_string())
        })
        .unwrap();
    let url = format!(
        "{}/v1{}",
        emu.base_url(),
        c["recording_url"].as_str().unwrap()
    );
    let r = Client::new()
        .get(&url)
        .bearer_auth(emu.api_key())
        .header("Range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "Range is ignored");
    let h = r.headers().clone();
    assert!(h.get("content-length").is_none());
    assert_eq!(h["transfer-encoding"], "chunked");
    assert!(h.get("accept-ranges").is_none());
    assert!(h.get("content-range").is_none());
    assert!(h.get("content-disposition").is_none());
    let bytes = r.bytes().await.unwrap();
    if i == 0 {
        assert_eq!(h["content-type"], "audio/mp3");
        assert!(is_mp3(&bytes));
    } else {
        assert_eq!(h["content-type"], "audio/wav");
        assert_eq!(&bytes[..4], b"RIFF");
    }
    assert!(bytes.len() > 50_000);
    // Without the key: 401.
    let r = Client::new().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // The attempt date instead of the end date, or another format: 404.
    let wrong_fmt = match url.strip_suffix("/mp3") {
        Some(base) => format!("{base}/wav"),
        None => format!("{}/mp3", url.strip_suffix("/wav").unwrap()),
    };
    let r = Client::new()
        .get(&wrong_fmt)
        .bearer_auth(emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn across_midnight(emu: &VoxemeEmulator, ids: &[String]) {
    // The call across midnight: its URL carries the end date; the attempt date is 404.
    let calls = emu.calls(&ids[0]);
    let c = calls
        .iter()
        .find(|c| {
            let url = c["recording_url"].as_str().unwrap_or("");
            !url.is_empty() && !url.contains(&attempted(c).format("/%Y/%m/%d/").to_string())
        })
        .expect("a recorded call that ended on the next day");
    let url = c["recording_url"].as_str().unwrap();
    let by_attempt = format!(
        "{}/v1/Accounts/{}/RecentCalls/{}/record/{}/mp3",
        emu.base_url(),
        ids[0],
        c["call_sid"].as_str().unwrap(),
        attempted(c).format("%Y/%m/%d")
    );
    let key = emu.api_key();
    let r = Client::new()
        .get(&by_attempt)
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "Not Found");
    let r = Client::new()
        .get(format!("{}/v1{url}", emu.base_url()))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn missing_object(emu: &VoxemeEmulator, ids: &[String], missing: &[String]) {
    // A record whose object is missing: 404 plain text.
    let key = emu.api_key();
    assert!(!missing.is_empty());
    let all: Vec<Value> = ids.iter().flat_map(|id| emu.calls(id)).collect();
    let gone = all
        .iter()
        .find(|c| c["call_sid"] == missing[0].as_str())
        .unwrap();
    let r = Client::new()
        .get(format!(
            "{}/v1{}",
            emu.base_url(),
            gone["recording_url"].as_str().unwrap()
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "Not Found");
}

#[tokio::test]
async fn absolute_recording_urls_on_a_media_host() {
    let emu = voxeme::start_with(
        opts(),
        VoxemeOptions {
            recording_urls: RecordingUrls::OtherHost,
            ..vopts()
        },
    )
    .await
    .unwrap();
    let media = emu.media_base_url().unwrap();
    let id = &account_sids(&emu)[0];
    let c = emu
        .calls(id)
        .into_iter()
        .find(|c| {
            !c["recording_url"].is_null()
                && !emu
                    .missing_recordings()
                    .contains(&c["call_sid"].as_str().unwrap().to_string())
        })
        .unwrap();
    let url = c["recording_url"].as_str().unwrap();
    assert!(url.starts_with(&media), "{url}");
    let r = Client::new().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(is_mp3(&r.bytes().await.unwrap()));
    assert_eq!(emu.media_requests().len(), 1);
}
