//! The player over every vendor's delivery of a recording, on links made slow, late and
//! broken: it plays while the download runs, carries on over a dropped connection and an
//! expired signed URL without losing its place, ends a truncated file with a sentence, and
//! saves exactly the bytes served. Positions are checked against what is heard (the position
//! tones of `callbrowser_emulators::testaudio`), never against the clock.

mod player_support;

use std::path::Path;
use std::time::Duration;

use callbrowser::audio::download::Source;
use callbrowser::audio::player::{PlayState, PlayerCmd, PlayerEvent, Status};
use callbrowser_emulators::TestRecording;
use callbrowser_emulators::testaudio::{
    MP3_ENCODER_DELAY_SAMPLES, TestFormat, mp3_frames, mp3_frames_secs, position_tones, truncated,
};
use player_support::{Harness, Probe, Vendor, assert_continuous, check_tones};

const LONG: Duration = Duration::from_secs(60);

/// Serves `fixture` as `vendor`'s recordings: a call's source and exactly the bytes served.
fn serve(h: &Harness, vendor: Vendor, fixture: TestRecording) -> (Source, Vec<u8>) {
    h.serve(vendor, Some(fixture));
    let src = h.source(vendor, 0);
    let bytes = h.served(vendor, &src);
    (src, bytes)
}

/// How late the decoder sounds the tones of `format` (MP3s without a LAME tag).
fn delay_of(format: TestFormat) -> u32 {
    match format {
        TestFormat::Mp3Cbr | TestFormat::Mp3VbrNoXing => MP3_ENCODER_DELAY_SAMPLES,
        _ => 0,
    }
}

fn ended(s: &Status) -> bool {
    matches!(s.state, PlayState::Finished | PlayState::Failed(_))
}

/// Saves the recording into `dir` as `name` and returns the file's bytes (the path's extension
/// is checked against `ext`).
async fn save(p: &mut Probe, dir: &Path, name: &str, ext: &str) -> Vec<u8> {
    p.pump();
    p.send(PlayerCmd::Save(dir.join(name)));
    let saved = p
        .next_event(LONG, |e| {
            matches!(
                e,
                PlayerEvent::Saved { .. } | PlayerEvent::SaveFailed { .. }
            )
        })
        .await;
    let PlayerEvent::Saved { path, bytes } = saved else {
        panic!("{name}: the save failed: {saved:?}");
    };
    assert_eq!(
        path.extension().and_then(|e| e.to_str()),
        Some(ext),
        "{path:?}"
    );
    let data = std::fs::read(&path).expect("the saved file reads");
    assert_eq!(data.len() as u64, bytes, "{name}: the bytes told");
    data
}

/// Every frame played was one generation (no seek, no restart), each the one after the frame
/// before, from the start to `end_secs`, and sounds the tones of its position.
fn assert_played_whole(p: &Probe, format: TestFormat, end_secs: f64, what: &str) {
    let frames = p.captured();
    let rate = p.sample_rate();
    assert!(!frames.is_empty(), "{what}: nothing played");
    assert_eq!(frames[0].pos, 0, "{what}: playback starts at the start");
    assert_continuous(&frames, what);
    let last = frames[frames.len() - 1].pos as f64 / f64::from(rate);
    assert!(
        (last - end_secs).abs() < 0.15,
        "{what}: played to {last:.3} s of {end_secs:.3} s"
    );
    let check = check_tones(&frames, rate, delay_of(format));
    assert!(check.windows as f64 > end_secs * 9.0, "{what}: {check:?}");
    assert!(
        check.wrong.is_empty() && check.silent * 50 <= check.windows,
        "{what}: frames sound other positions than they carry: {check:?}"
    );
}

/// Playback starts while the download runs on a slow link with latency (64 KB/s, 80 ms): the
/// first status that says Playing has part of the bytes only, and the output's first sample
/// was pulled before the download completed.
async fn starts_before_the_download_ends(h: &Harness, vendor: Vendor, format: TestFormat) {
    let what = format!("{vendor:?} {format:?}");
    let (src, bytes) = serve(h, vendor, TestRecording::position_tones(format, 30));
    h.link(vendor).set_bytes_per_sec(Some(64_000));
    h.link(vendor).set_latency_ms(80);
    let mut p = Probe::start(src, 1.0, true);
    let playing = p
        .wait(LONG, |s| s.state == PlayState::Playing || ended(s))
        .await;
    assert_eq!(playing.state, PlayState::Playing, "{what}");
    assert!(
        !playing.complete && playing.downloaded < bytes.len() as u64,
        "{what}: playing only once {} of {} bytes were here",
        playing.downloaded,
        bytes.len()
    );
    let first = p.player.first_sample_at().expect("a sample was pulled");
    p.wait(LONG, |s| s.complete).await;
    let (complete_at, complete) = p.first_status(|s| s.complete).expect("told complete");
    assert!(first < complete_at, "{what}: the first sample came first");
    assert_eq!(complete.downloaded, bytes.len() as u64, "{what}");
    // What was heard by then is the start of the recording, in order.
    let frames = p.captured();
    assert_eq!(frames.first().map(|f| f.pos), Some(0), "{what}");
    assert_continuous(&frames, &what);
    let check = check_tones(&frames, p.sample_rate(), delay_of(format));
    assert!(
        check.windows > 0 && check.wrong.is_empty(),
        "{what}: {check:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playback_starts_before_a_slow_download_ends() {
    let h = Harness::start().await;
    tokio::join!(
        starts_before_the_download_ends(&h, Vendor::Welkin, TestFormat::WavMulaw),
        starts_before_the_download_ends(&h, Vendor::TalkPilot, TestFormat::Mp3Cbr),
        starts_before_the_download_ends(&h, Vendor::Voxeme, TestFormat::WavPcm16),
        starts_before_the_download_ends(&h, Vendor::AlloMia, TestFormat::Mp3Cbr),
    );
}

/// A download whose connection drops once (after `drop_at` bytes), optionally with every signed
/// URL expired before the drop, while it plays: the download resumes (a range, or the file
/// read again and skipped), playback goes on where it was, the saved file is byte-identical.
async fn survives_a_drop(h: &Harness, vendor: Vendor, expire: bool, dir: &Path) {
    let what = format!("{vendor:?}{}", if expire { " (URL expired)" } else { "" });
    let format = TestFormat::WavMulaw;
    let (src, bytes) = serve(h, vendor, TestRecording::position_tones(format, 20));
    let link = h.link(vendor);
    link.set_bytes_per_sec(Some(48_000));
    let drop_at = 110_000;
    link.drop_after(drop_at);
    let mut p = Probe::start(src, 4.0, true);
    // Asked before the download completes: the save waits for the last byte.
    p.wait(LONG, |s| s.downloaded > 0 || ended(s)).await;
    assert!(!p.last.complete, "{what}");
    p.send(PlayerCmd::Save(dir.join(format!("{vendor:?}-{expire}"))));
    if expire {
        p.until(LONG, "the first 32 KB", |p| p.last.downloaded >= 32_768)
            .await;
        assert_eq!(link.drops(), 0, "{what}: expired before the drop");
        assert!(p.last.downloaded < drop_at, "{what}");
        match vendor {
            Vendor::TalkPilot => h.demo.talkpilot.expire_recording_urls(),
            Vendor::AlloMia => h.demo.allomia.expire_recording_urls(),
            _ => unreachable!("only signed URLs expire"),
        }
    }
    let done = p.wait(LONG, ended).await;
    assert_eq!(done.state, PlayState::Finished, "{what}: {done:?}");
    assert_eq!(link.drops(), 1, "{what}: the connection dropped once");
    assert!(
        p.statuses()
            .iter()
            .any(|s| s.note.as_deref().is_some_and(|n| n.contains("resuming"))),
        "{what}: the resumption is told"
    );
    assert_eq!(done.note, None, "{what}: nothing left to say");
    assert_eq!(done.downloaded, bytes.len() as u64, "{what}");
    assert_played_whole(&p, format, 20.0, &what);
    let saved = p
        .wait_event(LONG, |e| matches!(e, PlayerEvent::Saved { .. }))
        .await;
    let PlayerEvent::Saved { path, .. } = saved else {
        unreachable!()
    };
    let data = std::fs::read(&path).expect("saved");
    assert!(
        data == bytes,
        "{what}: the saved file differs from the served one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_resumes_on_every_vendor_and_playback_goes_on() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    tokio::join!(
        survives_a_drop(&h, Vendor::Welkin, false, dir.path()),
        survives_a_drop(&h, Vendor::TalkPilot, false, dir.path()),
        survives_a_drop(&h, Vendor::Voxeme, false, dir.path()),
        survives_a_drop(&h, Vendor::AlloMia, false, dir.path()),
    );
    // Welkin and Voxeme ignore Range: the file was read again from its start.
    let welkin_gets = h
        .demo
        .welkin
        .requests()
        .iter()
        .filter(|r| r.path.contains("recording"))
        .count();
    assert!(welkin_gets >= 2, "Welkin: {welkin_gets} recording requests");
    // TalkPilot and AlloMia resumed with a range.
    for (vendor, log) in [
        (Vendor::TalkPilot, h.demo.talkpilot.storage_requests()),
        (Vendor::AlloMia, h.demo.allomia.storage_requests()),
    ] {
        let ranges: Vec<_> = log.iter().filter_map(|r| r.header("range")).collect();
        assert_eq!(ranges.len(), 1, "{vendor:?}: {ranges:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_signed_url_is_renewed_and_playback_goes_on_where_it_was() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    tokio::join!(
        survives_a_drop(&h, Vendor::TalkPilot, true, dir.path()),
        survives_a_drop(&h, Vendor::AlloMia, true, dir.path()),
    );
    // AlloMia first tried the URL it had (refused), then a fresh one, from the same byte.
    let log = h.demo.allomia.storage_requests();
    let ranges: Vec<_> = log.iter().filter_map(|r| r.header("range")).collect();
    assert_eq!(ranges.len(), 2, "{ranges:?}");
    assert_eq!(ranges[0], ranges[1]);
    // TalkPilot signs a new URL for every request: the resumed one is a range.
    let log = h.demo.talkpilot.storage_requests();
    assert_eq!(
        log.iter().filter(|r| r.header("range").is_some()).count(),
        1
    );
}

/// Welkin (whole file, Range ignored) and Voxeme (chunked, no length) play WAV and MP3 to the
/// end, every frame in order.
async fn plays_to_the_end(h: &Harness, vendor: Vendor, format: TestFormat) {
    let what = format!("{vendor:?} {format:?}");
    let (src, bytes) = serve(h, vendor, TestRecording::position_tones(format, 20));
    let mut p = Probe::start(src, 20.0, true);
    let done = p.wait(LONG, ended).await;
    assert_eq!(done.state, PlayState::Finished, "{what}: {done:?}");
    assert!(!done.estimated, "{what}");
    let length = if format.is_mp3() {
        mp3_frames_secs(&mp3_frames(&bytes))
    } else {
        20.0
    };
    let duration = done.duration.unwrap_or_default();
    assert!(
        (duration - length).abs() < 0.05,
        "{what}: {duration} s of {length} s"
    );
    assert_eq!(done.downloaded, bytes.len() as u64, "{what}");
    if vendor == Vendor::Voxeme {
        assert_eq!(done.total, None, "{what}: Voxeme never says the length");
    }
    assert_played_whole(&p, format, length, &what);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welkin_ignoring_range_and_voxeme_without_a_length_play_to_the_end() {
    let h = Harness::start().await;
    tokio::join!(
        plays_to_the_end(&h, Vendor::Welkin, TestFormat::WavMulaw),
        plays_to_the_end(&h, Vendor::Voxeme, TestFormat::Mp3Cbr),
    );
    tokio::join!(
        plays_to_the_end(&h, Vendor::Welkin, TestFormat::Mp3Cbr),
        plays_to_the_end(&h, Vendor::Voxeme, TestFormat::WavMulaw),
    );
}

/// A WAV cut in half (its header still promises the whole) ends with a sentence saying so, at
/// the last byte there is.
async fn a_truncated_file_ends_with_its_note(h: &Harness, vendor: Vendor) {
    let what = format!("{vendor:?}");
    let whole = position_tones(TestFormat::WavPcm16, 10);
    let cut = truncated(&whole, 0.5);
    let (src, bytes) = serve(h, vendor, TestRecording::new(cut, "audio/wav"));
    let mut p = Probe::start(src, 10.0, true);
    let done = p
        .wait(LONG, |s| {
            matches!(s.state, PlayState::Failed(_))
                || (s.state == PlayState::Finished && s.note.is_some())
        })
        .await;
    assert_eq!(done.state, PlayState::Finished, "{what}: {done:?}");
    let note = done.note.clone().unwrap_or_default();
    assert!(
        note.contains("truncated") && note.contains("0:10"),
        "{what}: {note}"
    );
    // 5 s of audio is there: it plays to its last byte.
    let frames_there = ((bytes.len() - 44) / 2) as f64 / 8000.0;
    let duration = done.duration.unwrap_or_default();
    assert!((duration - frames_there).abs() < 0.05, "{what}: {duration}");
    assert_played_whole(&p, TestFormat::WavPcm16, frames_there, &what);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_file_ends_with_a_note_not_a_hang() {
    let h = Harness::start().await;
    tokio::join!(
        a_truncated_file_ends_with_its_note(&h, Vendor::TalkPilot),
        a_truncated_file_ends_with_its_note(&h, Vendor::Voxeme),
    );
}

/// Saving, asked before the download ends, waits for the last byte and writes exactly what
/// the vendor serves, with the file type's extension.
async fn saves_what_is_served(h: &Harness, vendor: Vendor, format: TestFormat, dir: &Path) {
    let what = format!("{vendor:?} {format:?}");
    let (src, bytes) = serve(h, vendor, TestRecording::position_tones(format, 10));
    h.link(vendor).set_bytes_per_sec(Some(100_000));
    let mut p = Probe::start(src, 1.0, false);
    p.wait(LONG, |s| s.downloaded > 0 || ended(s)).await;
    assert!(!p.last.complete, "{what}: the save is asked before the end");
    let data = save(&mut p, dir, &format!("{vendor:?}"), format.extension()).await;
    assert!(
        data == bytes,
        "{what}: the saved file differs from the served one"
    );
    // A second save never replaces the first.
    let again = save(&mut p, dir, &format!("{vendor:?}"), format.extension()).await;
    assert!(again == bytes, "{what}");
    let names = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{vendor:?}"))
        })
        .count();
    assert_eq!(names, 2, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_saved_recording_is_what_every_vendor_serves() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    tokio::join!(
        saves_what_is_served(&h, Vendor::Welkin, TestFormat::WavPcm16, dir.path()),
        saves_what_is_served(&h, Vendor::TalkPilot, TestFormat::Mp3Cbr, dir.path()),
        saves_what_is_served(&h, Vendor::Voxeme, TestFormat::Mp3Vbr, dir.path()),
        saves_what_is_served(&h, Vendor::AlloMia, TestFormat::WavStereo, dir.path()),
    );
}

/// Stopping a player whose download stalled (the decoder and the analysis wait for bytes inside
/// the MP3 reader's exact reads) returns at once: nothing spins, nothing hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_stops_while_its_download_stalls() {
    let h = Harness::start().await;
    let (src, _) = serve(
        &h,
        Vendor::TalkPilot,
        TestRecording::position_tones(TestFormat::Mp3Cbr, 0),
    );
    let link = h.link(Vendor::TalkPilot);
    // The connection drops after 20 KB (5 s of audio) and the next answer is very late.
    link.drop_after(20_000);
    let mut p = Probe::start(src, 10.0, true);
    p.wait(LONG, |s| s.downloaded > 0 || ended(s)).await;
    link.set_latency_ms(30_000);
    p.until(LONG, "the drop", |_| link.drops() == 1).await;
    p.until(LONG, "the buffered audio played", |p| {
        matches!(p.last.state, PlayState::Buffering(_))
    })
    .await;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(p);
        let _ = tx.send(());
    });
    let stopped = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(10)))
        .await
        .expect("joined");
    assert!(stopped.is_ok(), "dropping the player did not return");
    link.reset();
}

/// The recording changes on the server while it downloads (another length when the dropped
/// connection is resumed): no byte of the other file is spliced on. The download stops with a
/// sentence; playback plays to the last byte that came and only then says why; a save says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_changed_mid_download_is_never_spliced_and_playback_ends_saying_why() {
    let h = Harness::start().await;
    let format = TestFormat::WavMulaw;
    let (src, _) = serve(
        &h,
        Vendor::TalkPilot,
        TestRecording::position_tones(format, 20),
    );
    let link = h.link(Vendor::TalkPilot);
    link.set_bytes_per_sec(Some(48_000));
    link.drop_after(70_000);
    let mut p = Probe::start(src, 4.0, true);
    p.wait(LONG, |s| s.downloaded > 0 || ended(s)).await;
    assert_eq!(link.drops(), 0);
    h.demo
        .talkpilot
        .set_test_recording(Some(TestRecording::position_tones(format, 30)));
    let done = p.wait(LONG, ended).await;
    let PlayState::Failed(why) = &done.state else {
        panic!("{done:?}");
    };
    assert!(why.contains("changed on the server"), "{why}");
    assert_eq!(link.drops(), 1);
    assert!(done.downloaded <= 70_000, "{done:?}");
    // Everything that came was played, in order, before the failure was told.
    let frames = p.captured();
    assert_continuous(&frames, "changed");
    let rate = f64::from(p.sample_rate());
    let last = frames[frames.len() - 1].pos as f64 / rate;
    let there = (done.downloaded - 58) as f64 / rate;
    assert!(
        (last - there).abs() < 0.2,
        "played to {last} s of {there} s"
    );
    let check = check_tones(&frames, p.sample_rate(), 0);
    assert!(check.wrong.is_empty(), "{check:?}");
    let (_, failed) = p
        .first_status(|s| matches!(s.state, PlayState::Failed(_)))
        .expect("told");
    assert!(
        (failed.position - last).abs() < 0.1,
        "the failure was told at {} s, before the last frame that came ({last} s)",
        failed.position
    );
    // Meanwhile the note said the rest will not come; the failure replaced it.
    assert!(
        p.statuses().iter().any(|s| s.state == PlayState::Playing
            && s.note.as_deref() == Some("the download stopped; playing what came")),
        "no note while playing what came"
    );
    assert_eq!(done.note, None);
    // Saving what will never be whole says why instead of waiting.
    let dir = tempfile::tempdir().expect("temp dir");
    p.send(PlayerCmd::Save(dir.path().join("changed")));
    let answer = p
        .wait_event(LONG, |e| {
            matches!(
                e,
                PlayerEvent::Saved { .. } | PlayerEvent::SaveFailed { .. }
            )
        })
        .await;
    let PlayerEvent::SaveFailed { reason, .. } = answer else {
        panic!("{answer:?}");
    };
    assert!(reason.contains("changed on the server"), "{reason}");
}
