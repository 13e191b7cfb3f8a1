//! Signed URLs expired by a test while a download is running: the download finishes, the old
//! URL answers the vendor's expiry error from then on, a re-fetched detail's URL works.

use super::support::*;

async fn expired_mid_download(kind: Kind) {
    let emu = Emu::start(kind).await;
    let rec = emu.recording().await;
    let fixture = tones(TestFormat::WavPcm16, 6);
    emu.set_test_recording(Some(fixture.clone()));
    emu.link().set_bytes_per_sec(Some(150_000));

    // A download under way when the URLs expire finishes.
    let started = Instant::now();
    let resp = fetch(&rec, None).await;
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    let first = stream.next().await.unwrap().unwrap();
    expire(&emu);
    let mut body = first.to_vec();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.expect("the running download is not cut"));
    }
    assert_eq!(body, fixture.bytes[..], "{kind:?}");
    assert!(started.elapsed() > Duration::from_millis(300));

    // The next request of the old URL: 403 "Request has expired" in S3 XML.
    let old = read(&rec, Some(&format!("bytes={}-", body.len() / 2))).await;
    assert_eq!(old.status, 403, "{kind:?}");
    assert_eq!(old.header("content-type"), Some("application/xml"));
    let xml = String::from_utf8(old.bytes.clone()).unwrap();
    assert!(xml.contains("<Code>AccessDenied</Code>"), "{xml}");
    assert!(
        xml.contains("<Message>Request has expired</Message>"),
        "{xml}"
    );
    assert!(
        xml.contains("<Expires>") && xml.contains("<ServerTime>"),
        "{xml}"
    );

    // A fresh detail, fetched at once, carries a URL that works and resumes with a range.
    let fresh = Rec {
        url: emu.fresh_url(&rec).await,
        ..rec.clone()
    };
    assert_ne!(fresh.url, rec.url);
    let r = read(&fresh, Some("bytes=1000-")).await;
    assert_eq!(r.status, 206, "{kind:?}");
    assert_eq!(r.ok(), &fixture.bytes[1000..]);
    // The old one stays expired.
    assert_eq!(read(&rec, None).await.status, 403);

    // Again: the URL issued after the first expiry expires too, a newer one works.
    expire(&emu);
    assert_eq!(read(&fresh, Some("bytes=0-9")).await.status, 403);
    let newer = Rec {
        url: emu.fresh_url(&rec).await,
        ..rec.clone()
    };
    assert_eq!(
        read(&newer, Some("bytes=0-9")).await.ok(),
        &fixture.bytes[..10]
    );
}

fn expire(emu: &Emu) {
    match emu {
        Emu::TalkPilot(e) => e.expire_recording_urls(),
        Emu::AlloMia(e) => e.expire_recording_urls(),
        _ => panic!("no signed URLs"),
    }
}

#[tokio::test]
async fn talkpilot_urls_expire_mid_download() {
    expired_mid_download(Kind::TalkPilot).await;
}

#[tokio::test]
async fn allomia_urls_expire_mid_download() {
    expired_mid_download(Kind::AlloMia).await;
}

#[tokio::test]
async fn allomia_transcript_urls_expire_with_them() {
    let emu = Emu::start(Kind::AlloMia).await;
    let Emu::AlloMia(am) = &emu else {
        unreachable!()
    };
    let f = am
        .call_facts()
        .into_iter()
        .find(|f| f.has_transcript && f.has_recording)
        .unwrap();
    let rec = Rec {
        url: String::new(),
        bearer: None,
        id: f.id.clone(),
        parent: String::new(),
    };
    let d = emu.detail(&rec).await;
    let transcript = d["transcriptUrl"].as_str().unwrap();
    assert_eq!(fetch_url(transcript, None, None).await.status(), 200);
    am.expire_recording_urls();
    let r = fetch_url(transcript, None, None).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Request has expired"));
    let d = emu.detail(&rec).await;
    let r = fetch_url(d["transcriptUrl"].as_str().unwrap(), None, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), am.transcript_text(&f.id).unwrap());
    // Redirecting recording URLs sign their target afresh.
    am.set_redirect_recordings(allomia::Redirect::OtherHost);
    let d = emu.detail(&rec).await;
    let url = d["recordingUrl"].as_str().unwrap();
    let r = fetch_url(url, None, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap(), am.recording_bytes(&f.id).unwrap());
}
