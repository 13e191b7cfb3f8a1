//! A test recording served for every call, with each vendor's own delivery; `recording_bytes`
//! is exactly what is served.

use super::support::*;

/// The normal recording, then a WAV and an MP3 fixture, then the normal one again.
async fn fixture_round_trip(kind: Kind) {
    let emu = Emu::start(kind).await;
    let rec = emu.recording().await;
    let normal = read(&rec, None).await;
    let own = emu.recording_bytes(&rec).expect("the call has a recording");
    assert_eq!(
        normal.ok(),
        &own[..],
        "{kind:?}: recording_bytes of the own recording"
    );

    let wav = tones(TestFormat::WavMulaw, 6);
    emu.set_test_recording(Some(wav.clone()));
    let r = read(&rec, None).await;
    assert_eq!(r.ok(), &wav.bytes[..], "{kind:?}");
    assert_eq!(
        emu.recording_bytes(&rec).unwrap(),
        &wav.bytes[..],
        "{kind:?}"
    );
    assert_eq!(r.header("content-type"), Some("audio/wav"), "{kind:?}");
    delivery(kind, &rec, &r, &wav).await;

    let mp3 = tones(TestFormat::Mp3VbrNoXing, 0);
    emu.set_test_recording(Some(mp3.clone()));
    let r = read(&rec, None).await;
    assert_eq!(r.ok(), &mp3.bytes[..], "{kind:?}");
    assert_eq!(
        emu.recording_bytes(&rec).unwrap(),
        &mp3.bytes[..],
        "{kind:?}"
    );
    let mp3_type = if kind == Kind::Voxeme {
        "audio/mp3"
    } else {
        "audio/mpeg"
    };
    assert_eq!(r.header("content-type"), Some(mp3_type), "{kind:?}");
    delivery(kind, &rec, &r, &mp3).await;

    emu.set_test_recording(None);
    assert_eq!(
        read(&rec, None).await.ok(),
        &own[..],
        "{kind:?}: own recording again"
    );
    assert_eq!(emu.recording_bytes(&rec).unwrap(), own);
}

/// The vendor's own way: Welkin whole files, Voxeme chunked, storage hosts with ranges.
async fn delivery(kind: Kind, rec: &Rec, full: &Read, fixture: &TestRecording) {
    let len = fixture.bytes.len();
    let ranged = read(rec, Some("bytes=100-199")).await;
    match kind {
        Kind::Welkin => {
            assert_eq!(full.content_length(), Some(len));
            assert_eq!(full.header("accept-ranges"), None);
            let ext = fixture.extension();
            let want = format!("attachment; filename=\"recording-{}.{ext}\"", rec.id);
            assert_eq!(full.header("content-disposition"), Some(want.as_str()));
            assert_eq!(ranged.status, 200, "Range ignored");
            assert_eq!(ranged.ok(), &fixture.bytes[..]);
        }
        Kind::Voxeme => {
            assert_eq!(full.content_length(), None);
            assert_eq!(full.header("transfer-encoding"), Some("chunked"));
            assert_eq!(full.header("accept-ranges"), None);
            assert_eq!(ranged.status, 200, "Range ignored");
            assert_eq!(ranged.ok(), &fixture.bytes[..]);
        }
        Kind::TalkPilot | Kind::AlloMia => {
            assert_eq!(full.content_length(), Some(len));
            assert_eq!(full.header("accept-ranges"), Some("bytes"));
            assert_eq!(ranged.status, 206);
            let want = format!("bytes 100-199/{len}");
            assert_eq!(ranged.header("content-range"), Some(want.as_str()));
            assert_eq!(ranged.ok(), &fixture.bytes[100..200]);
            let past = read(rec, Some(&format!("bytes={}-", len + 10))).await;
            assert_eq!(past.status, 416);
        }
    }
}

#[tokio::test]
async fn welkin_serves_the_fixture_whole_ignoring_range() {
    fixture_round_trip(Kind::Welkin).await;
}

#[tokio::test]
async fn voxeme_streams_the_fixture_chunked() {
    fixture_round_trip(Kind::Voxeme).await;
}

#[tokio::test]
async fn talkpilot_serves_the_fixture_at_signed_urls_with_ranges() {
    fixture_round_trip(Kind::TalkPilot).await;
}

#[tokio::test]
async fn allomia_serves_the_fixture_at_signed_urls_with_ranges() {
    fixture_round_trip(Kind::AlloMia).await;
}

#[tokio::test]
async fn a_truncated_file_is_served_complete_with_its_own_length() {
    let full = testaudio::position_tones(TestFormat::WavPcm16, 10);
    let cut = testaudio::truncated(&full, 0.4);
    for kind in KINDS {
        let emu = Emu::start(kind).await;
        let rec = emu.recording().await;
        emu.set_test_recording(Some(TestRecording::new(cut.clone(), "audio/wav")));
        let r = read(&rec, None).await;
        assert_eq!(r.ok(), &cut[..], "{kind:?}");
        if kind != Kind::Voxeme {
            assert_eq!(r.content_length(), Some(cut.len()), "{kind:?}");
        }
        // The header still promises the whole file.
        let promised = u32::from_le_bytes(r.bytes[40..44].try_into().unwrap()) as usize;
        assert_eq!(promised + 44, full.len());
    }
}

#[tokio::test]
async fn calls_without_a_recording_stay_without_one() {
    let emu = welkin::start(opts()).await.unwrap();
    let fixture = tones(TestFormat::WavPcm16, 2);
    emu.set_test_recording(Some(fixture.clone()));
    let (p, c) = emu
        .patients()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .find_map(|p| {
            let c = emu
                .calls(&p)
                .into_iter()
                .find(|c| c["hasRecording"] == false)?;
            Some((p, c["id"].as_str().unwrap().to_string()))
        })
        .unwrap();
    assert_eq!(emu.recording_bytes(&p, &c), None);

    let vx = voxeme::start(opts()).await.unwrap();
    vx.set_test_recording(Some(fixture.clone()));
    for sid in vx.missing_recordings() {
        assert_eq!(vx.recording_bytes(&sid), None);
    }

    let tp = talkpilot::start(opts()).await.unwrap();
    tp.set_test_recording(Some(fixture.clone()));
    for f in tp.call_facts() {
        let served = tp.recording_bytes(&f.id);
        assert_eq!(served.is_some(), !f.is_purged);
        if !f.is_purged {
            assert_eq!(
                f.recording_bytes,
                fixture.bytes.len() as u64,
                "facts follow"
            );
            assert_eq!(tp.recording_bytes(&f.call_id), served, "by call_id too");
        }
    }

    let am = allomia::start(opts()).await.unwrap();
    am.set_test_recording(Some(fixture.clone()));
    for f in am.call_facts().into_iter().take(40) {
        assert_eq!(am.recording_bytes(&f.id).is_some(), f.has_recording);
        assert_eq!(f.recording_bytes, fixture.bytes.len() as u64);
    }

    // Solum has no recordings: the controls exist and change nothing.
    let so = solum::start(opts()).await.unwrap();
    so.set_test_recording(Some(fixture));
    so.recording_link().set_latency(Duration::from_millis(5));
    let id = so.calls()[0]["id"].as_str().unwrap().to_string();
    assert_eq!(so.recording_bytes(&id), None);
}
