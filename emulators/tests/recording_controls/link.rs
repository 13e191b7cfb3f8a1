//! The recording link: throttle, latency before the answer, a one-shot dropped connection.

use super::support::*;

const MS: fn(u64) -> Duration = Duration::from_millis;

/// On a throttled link with latency the first bytes come long before the end.
async fn throttled_with_latency(kind: Kind) {
    let emu = Emu::start(kind).await;
    let rec = emu.recording().await;
    let fixture = tones(TestFormat::WavPcm16, 6);
    let len = fixture.bytes.len() as f64;
    emu.set_test_recording(Some(fixture.clone()));
    let rate = 200_000;
    emu.link().set_bytes_per_sec(Some(rate));
    emu.link().set_latency(MS(150));
    assert_eq!(emu.link().latency(), MS(150));
    let r = read(&rec, None).await;
    assert_eq!(r.ok(), &fixture.bytes[..], "{kind:?}");
    assert!(
        r.headers_at >= MS(150),
        "{kind:?}: latency {:?}",
        r.headers_at
    );
    let transfer = Duration::from_secs_f64(len / rate as f64 * 0.9);
    assert!(r.end_at >= MS(150) + transfer, "{kind:?}: {:?}", r.end_at);
    let first = r.first_byte_at.unwrap();
    assert!(
        first + MS(250) < r.end_at,
        "{kind:?}: first byte {first:?}, end {:?}",
        r.end_at
    );

    emu.link().reset();
    assert_eq!(
        (emu.link().bytes_per_sec(), emu.link().latency()),
        (None, MS(0))
    );
    let fast = read(&rec, None).await;
    assert_eq!(fast.ok(), &fixture.bytes[..]);
    assert!(fast.end_at < r.end_at / 2, "{kind:?}: {:?}", fast.end_at);
}

#[tokio::test]
async fn welkin_throttle_and_latency() {
    throttled_with_latency(Kind::Welkin).await;
}

#[tokio::test]
async fn voxeme_throttle_and_latency() {
    throttled_with_latency(Kind::Voxeme).await;
}

#[tokio::test]
async fn talkpilot_throttle_and_latency() {
    throttled_with_latency(Kind::TalkPilot).await;
}

#[tokio::test]
async fn allomia_throttle_and_latency() {
    throttled_with_latency(Kind::AlloMia).await;
}

#[tokio::test]
async fn the_old_throttles_set_the_link() {
    let w = welkin::start(opts()).await.unwrap();
    w.throttle_recordings(Some(1234));
    assert_eq!(w.recording_link().bytes_per_sec(), Some(1234));
    w.throttle_recordings(None);
    assert_eq!(w.recording_link().bytes_per_sec(), None);
    let v = voxeme::start(opts()).await.unwrap();
    v.throttle_recordings(Some(99));
    assert_eq!(v.recording_link().bytes_per_sec(), Some(99));
    let t = talkpilot::start(opts()).await.unwrap();
    t.throttle_storage(Some(77));
    assert_eq!(t.recording_link().bytes_per_sec(), Some(77));
    t.recording_link().set_bytes_per_sec(Some(0));
    assert_eq!(t.recording_link().bytes_per_sec(), None, "0 is full speed");
    let a = allomia::start(opts()).await.unwrap();
    a.throttle_storage(Some(55));
    assert_eq!(a.recording_link().bytes_per_sec(), Some(55));
    let vopts = allomia::AlloMiaOptions {
        storage_bytes_per_sec: Some(4321),
        ..Default::default()
    };
    let a = allomia::start_with(opts(), vopts).await.unwrap();
    assert_eq!(a.recording_link().bytes_per_sec(), Some(4321));
    // Handles share their state.
    let link = a.recording_link().clone();
    link.set_latency_ms(7);
    assert_eq!(a.recording_link().latency(), MS(7));
}

/// The next answer stops after `n` body bytes with a body error; later ones are whole (a
/// `Range` resumes where the drop left off on the storage hosts).
async fn dropped_mid_body(kind: Kind) {
    let emu = Emu::start(kind).await;
    let rec = emu.recording().await;
    let own = emu.recording_bytes(&rec).unwrap();

    // The call's own recording.
    emu.link().drop_after(1000);
    let r = read(&rec, None).await;
    assert_eq!(r.status, 200, "{kind:?}");
    assert!(r.error.is_some(), "{kind:?}: the body must fail");
    assert_eq!(r.bytes, own[..1000], "{kind:?}");
    assert_eq!(emu.link().drops(), 1);

    // A fixture, after a HEAD that does not spend the drop.
    let fixture = tones(TestFormat::WavMulaw, 10);
    emu.set_test_recording(Some(fixture.clone()));
    emu.link().drop_after(10_000);
    let mut head = Client::new().head(&rec.url);
    if let Some(b) = &rec.bearer {
        head = head.bearer_auth(b);
    }
    assert_eq!(head.send().await.unwrap().status(), 200, "{kind:?}");
    assert_eq!(emu.link().drop_armed(), Some(10_000), "{kind:?}");
    let r = read(&rec, None).await;
    // reqwest: a decode (body) error whose source is hyper's unexpected end of file
    // (`IncompleteBody` with a length, a missing chunk size line when chunked).
    let e = r.error.as_ref().expect("the body fails");
    assert!(e.is_decode() || e.is_body(), "{kind:?}: {e:?}");
    assert!(
        format!("{e:?}").contains("UnexpectedEof"),
        "{kind:?}: {e:?}"
    );
    assert_eq!(r.bytes, fixture.bytes[..10_000], "{kind:?}");
    if kind == Kind::Voxeme {
        assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    } else {
        assert_eq!(r.content_length(), Some(fixture.bytes.len()), "{kind:?}");
    }
    assert_eq!((emu.link().drops(), emu.link().drop_armed()), (2, None));

    // Later requests are normal.
    if kind.ranges() {
        let r = read(&rec, Some("bytes=10000-")).await;
        assert_eq!(r.status, 206);
        assert_eq!(r.ok(), &fixture.bytes[10_000..]);
    } else {
        assert_eq!(read(&rec, None).await.ok(), &fixture.bytes[..], "{kind:?}");
    }

    // On a throttled link, mid-stream.
    emu.link().set_bytes_per_sec(Some(100_000));
    emu.link().drop_after(45_000);
    let r = read(&rec, None).await;
    assert!(r.error.is_some(), "{kind:?}");
    assert_eq!(r.bytes, fixture.bytes[..45_000], "{kind:?}");
    assert!(r.end_at >= MS(350), "{kind:?}: {:?}", r.end_at);

    // A body no longer than the count ends normally and spends the drop.
    emu.set_test_recording(Some(TestRecording::new(vec![7u8; 500], "audio/wav")));
    emu.link().set_bytes_per_sec(None);
    emu.link().drop_after(500);
    assert_eq!(read(&rec, None).await.ok(), &[7u8; 500][..], "{kind:?}");
    assert_eq!((emu.link().drops(), emu.link().drop_armed()), (3, None));
    emu.link().drop_after(0);
    emu.link().cancel_drop();
    assert_eq!(read(&rec, None).await.ok(), &[7u8; 500][..], "{kind:?}");
}

#[tokio::test]
async fn welkin_drops_a_content_length_answer() {
    dropped_mid_body(Kind::Welkin).await;
}

#[tokio::test]
async fn voxeme_drops_a_chunked_answer() {
    dropped_mid_body(Kind::Voxeme).await;
}

#[tokio::test]
async fn talkpilot_drops_and_resumes_with_a_range() {
    dropped_mid_body(Kind::TalkPilot).await;
}

#[tokio::test]
async fn allomia_drops_and_resumes_with_a_range() {
    dropped_mid_body(Kind::AlloMia).await;
}

#[tokio::test]
async fn a_drop_at_zero_bytes_sends_only_the_headers() {
    let emu = Emu::start(Kind::TalkPilot).await;
    let rec = emu.recording().await;
    emu.link().drop_after(0);
    let r = read(&rec, None).await;
    assert_eq!(r.status, 200);
    assert!(r.bytes.is_empty());
    assert!(r.error.is_some());
    // Errors are not dropped: an unknown object answers normally and keeps the drop armed.
    emu.link().drop_after(0);
    let other = rec.url.replace("/recordings/", "/recordings/x");
    let r = read_body(fetch_url(&other, None, None).await, Instant::now()).await;
    assert_eq!(r.status, 403);
    assert!(r.error.is_none());
    assert_eq!(emu.link().drop_armed(), Some(0));
}
