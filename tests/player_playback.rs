//! What the player does with what it plays: seeks that land where asked (inside the downloaded
//! part and beyond it), speed without a change of pitch, a VBR MP3 without a Xing header to
//! its real end, an unsupported codec named, the null output when there is no device, pause
//! with its back-track, volume and channel choice. What is heard is measured (the position
//! tones of `callbrowser_emulators::testaudio`, a 1 kHz tone), never the clock.

mod player_support;

use std::time::Duration;

use callbrowser::audio::download::Source;
use callbrowser::audio::output::ChannelMode;
use callbrowser::audio::player::{OutputKind, PlayState, PlayerCmd, PlayerEvent, Status};
use callbrowser_emulators::TestRecording;
use callbrowser_emulators::testaudio::{
    MP3_ENCODER_DELAY_SAMPLES, MP3_NO_XING_SECS, RIGHT_TONE_HZ, TestFormat, gsm_wav,
    has_xing_header, mp3_frames, mp3_frames_secs, pitch_tone_wav,
};
use player_support::{
    Harness, Probe, Vendor, assert_continuous, check_tones, cycle_diff, dominant_hz,
    heard_position, left, right, rms,
};

const LONG: Duration = Duration::from_secs(60);

fn serve(h: &Harness, vendor: Vendor, fixture: TestRecording) -> (Source, Vec<u8>) {
    h.serve(vendor, Some(fixture));
    let src = h.source(vendor, 0);
    let bytes = h.served(vendor, &src);
    (src, bytes)
}

fn ended(s: &Status) -> bool {
    matches!(s.state, PlayState::Finished | PlayState::Failed(_))
}

/// How late the decoder sounds the tones of `format` (MP3s without a LAME tag).
fn delay_of(format: TestFormat) -> u32 {
    match format {
        TestFormat::Mp3Cbr | TestFormat::Mp3VbrNoXing => MP3_ENCODER_DELAY_SAMPLES,
        _ => 0,
    }
}

/// Seeks to `t` and checks where it landed: the position told at once, the first frame played
/// after it, and what its first 40 ms sound (±100 ms of `t`, modulo the tones' 5 s cycle).
/// Returns the new generation.
async fn seek_lands(p: &mut Probe, t: f64, delay: u32, what: &str) -> u32 {
    let what = format!("{what}, seek to {t:.2} s");
    let before = p.latest_generation();
    p.pump();
    let told = p.statuses().len();
    p.send(PlayerCmd::SeekTo(t));
    // The position told right after the seek (before or after the first frame is heard).
    p.until(LONG, "the seek told", |p| {
        p.statuses()[told..]
            .iter()
            .any(|s| (s.position - t).abs() < 1.0)
    })
    .await;
    let status = p.statuses()[told..]
        .iter()
        .find(|s| (s.position - t).abs() < 1.0)
        .cloned()
        .expect("found");
    assert!(
        (status.position - t).abs() <= 0.1,
        "{what}: told {}",
        status.position
    );
    let rate = p.sample_rate();
    let g = before.wrapping_add(1);
    p.until(LONG, "the seek heard", |p| {
        p.of_generation(g).len() as f64 >= f64::from(rate) * 0.3
    })
    .await;
    let frames = p.of_generation(g);
    let first = frames[0].pos as f64 / f64::from(rate);
    assert!(
        (first - t).abs() <= 1.5 / f64::from(rate),
        "{what}: the first frame played is at {first:.4} s"
    );
    let heard = heard_position(&frames, rate, delay)
        .unwrap_or_else(|| panic!("{what}: no tone heard in the first 40 ms"));
    let off = cycle_diff(heard, t);
    assert!(
        off <= 0.1,
        "{what}: heard {heard:.3} s (mod 5 s), {off:.3} s off"
    );
    assert_continuous(&frames, &what);
    let check = check_tones(&frames, rate, delay);
    assert!(check.wrong.is_empty(), "{what}: {check:?}");
    g
}

/// A target near `secs` whose first 40 ms lie inside one tone slot (after the decoder's delay).
fn in_slot(secs: f64, delay: u32, rate: u32) -> f64 {
    let d = f64::from(delay) / f64::from(rate);
    ((secs - d) * 10.0).floor() / 10.0 + 0.03 + d
}

/// Byte offset of second `t` in a recording of `len` bytes and `duration` seconds (WAV and CBR:
/// proportional, the header is small).
fn byte_at(t: f64, len: usize, duration: f64) -> u64 {
    (len as f64 * t / duration) as u64
}

/// Seeks beyond the downloaded part (it plays once the bytes arrive), back inside it, and
/// forward inside it; each lands where asked.
async fn seeks_land(h: &Harness, vendor: Vendor, format: TestFormat) {
    let what = format!("{format:?}");
    let fixture = TestRecording::position_tones(format, 30);
    let (src, bytes) = serve(h, vendor, fixture);
    let duration = format.fixed_secs().unwrap_or(30.0);
    let delay = delay_of(format);
    let rate = format.sample_rate();
    // The whole download takes about five seconds.
    h.link(vendor)
        .set_bytes_per_sec(Some(bytes.len() as u64 / 5));
    let mut p = Probe::start(src, 2.0, true);
    p.wait(LONG, |s| s.state == PlayState::Playing || ended(s))
        .await;
    assert_eq!(p.last.state, PlayState::Playing, "{what}");
    // Beyond what is downloaded.
    let far = in_slot(duration * 0.85, delay, rate);
    assert!(
        byte_at(far, bytes.len(), duration) > p.last.downloaded,
        "{what}: {} bytes are here already",
        p.last.downloaded
    );
    seek_lands(&mut p, far, delay, &format!("{what} beyond the download")).await;
    // Back, then forward, inside what is downloaded.
    let back = in_slot(duration * 0.1, delay, rate);
    assert!(byte_at(back + 1.0, bytes.len(), duration) < p.last.downloaded);
    seek_lands(&mut p, back, delay, &format!("{what} back")).await;
    let forward = in_slot(duration * 0.55, delay, rate);
    assert!(byte_at(forward + 1.0, bytes.len(), duration) < p.last.downloaded);
    seek_lands(&mut p, forward, delay, &format!("{what} forward")).await;
    // Relative seeks land too.
    let at = p.captured_last_pos() as f64 / f64::from(rate);
    p.send(PlayerCmd::SeekBy(-5.0));
    let g = p.latest_generation().wrapping_add(1);
    p.until(LONG, "the seek back by 5 s", |p| {
        !p.of_generation(g).is_empty()
    })
    .await;
    let landed = p.of_generation(g)[0].pos as f64 / f64::from(rate);
    assert!(
        (landed - (at - 5.0)).abs() < 0.3,
        "{what}: from {at:.2} s back by 5 s landed at {landed:.2} s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeks_land_where_asked_in_every_wav_format() {
    let h = Harness::start().await;
    tokio::join!(
        seeks_land(&h, Vendor::Welkin, TestFormat::WavPcm16),
        seeks_land(&h, Vendor::TalkPilot, TestFormat::WavMulaw),
        seeks_land(&h, Vendor::Voxeme, TestFormat::WavAlaw),
        seeks_land(&h, Vendor::AlloMia, TestFormat::WavStereo),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeks_land_where_asked_in_an_mp3() {
    let h = Harness::start().await;
    tokio::join!(
        seeks_land(&h, Vendor::TalkPilot, TestFormat::Mp3Cbr),
        seeks_land(&h, Vendor::AlloMia, TestFormat::Mp3Vbr),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vbr_mp3_without_a_xing_header_plays_to_its_real_end() {
    let h = Harness::start().await;
    let format = TestFormat::Mp3VbrNoXing;
    let (src, bytes) = serve(
        &h,
        Vendor::TalkPilot,
        TestRecording::position_tones(format, 0),
    );
    assert!(!has_xing_header(&bytes));
    let real = mp3_frames_secs(&mp3_frames(&bytes));
    assert!((real - MP3_NO_XING_SECS).abs() < 0.2);
    let mut p = Probe::start(src, 40.0, true);
    let done = p.wait(LONG, ended).await;
    assert_eq!(done.state, PlayState::Finished, "{done:?}");
    assert!(!done.estimated);
    let duration = done.duration.unwrap_or_default();
    assert!(
        (duration - real).abs() < 0.05,
        "the length is {duration} s, not {real} s"
    );
    let frames = p.captured();
    let rate = p.sample_rate();
    let last = frames[frames.len() - 1].pos as f64 / f64::from(rate);
    assert!((last - real).abs() < 0.05, "played to {last} s of {real} s");
    assert_continuous(&frames, "VBR without Xing");
    let check = check_tones(&frames, rate, MP3_ENCODER_DELAY_SAMPLES);
    assert!(
        check.windows > 1150 && check.wrong.is_empty() && check.silent < 12,
        "{check:?}"
    );
    // The estimate shown meanwhile was marked as one.
    assert!(
        p.statuses()
            .iter()
            .filter(|s| s.duration.is_some_and(|d| (d - real).abs() > 1.0))
            .all(|s| s.estimated)
    );
}

/// Plays `fixture` and switches to `speed` once playing: the frames of the new generation.
async fn at_speed(
    p: &mut Probe,
    speed: f32,
    output_secs: f64,
) -> Vec<callbrowser::audio::output::Frame> {
    let g = p.latest_generation().wrapping_add(1);
    p.send(PlayerCmd::SetSpeed(speed));
    p.wait(LONG, |s| s.speed == speed).await;
    let rate = f64::from(p.sample_rate());
    p.until(LONG, "output at the new speed", |p| {
        p.of_generation(g).len() as f64 >= rate * output_secs
    })
    .await;
    p.of_generation(g)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speed_keeps_the_pitch_and_the_position_follows_the_recording() {
    let h = Harness::start().await;
    // A steady 1 kHz tone: its pitch is heard the same at every speed.
    let (src, _) = serve(
        &h,
        Vendor::TalkPilot,
        TestRecording::new(pitch_tone_wav(), "audio/wav"),
    );
    let mut p = Probe::start(src, 4.0, true);
    p.wait(LONG, |s| s.state == PlayState::Playing).await;
    let rate = p.sample_rate();
    for speed in [1.5f32, 2.0] {
        let frames = at_speed(&mut p, speed, 1.0).await;
        // Skip the stretcher's first window; measure half a second.
        let window = &frames[frames.len() / 4..frames.len() / 4 + rate as usize / 2];
        let hz = dominant_hz(&left(window), rate);
        assert!(
            (hz - 1000.0).abs() <= 30.0,
            "at {speed}× the tone is {hz} Hz"
        );
        let per_frame =
            (frames[frames.len() - 1].pos - frames[0].pos) as f64 / (frames.len() - 1) as f64;
        assert!(
            (per_frame - f64::from(speed)).abs() < 0.02,
            "at {speed}× each output frame moves the position {per_frame} frames"
        );
    }

    // The positions carried are the ones heard, and the output is as long as the speed says:
    // the position tones at 2× to the end.
    let format = TestFormat::WavMulaw;
    let (src, _) = serve(
        &h,
        Vendor::AlloMia,
        TestRecording::position_tones(format, 12),
    );
    let mut p = Probe::start(src, 8.0, true);
    p.wait(LONG, |s| s.state == PlayState::Playing).await;
    let g = p.latest_generation().wrapping_add(1);
    p.send(PlayerCmd::SetSpeed(2.0));
    let done = p.wait(LONG, ended).await;
    assert_eq!(done.state, PlayState::Finished);
    let frames = p.of_generation(g);
    let rate = f64::from(p.sample_rate());
    let from = frames[0].pos as f64 / rate;
    let to = frames[frames.len() - 1].pos as f64 / rate;
    assert!((to - 12.0).abs() < 0.1, "played to {to} s at 2×");
    let expected = (12.0 - from) / 2.0 * rate;
    assert!(
        (frames.len() as f64 - expected).abs() < 0.02 * expected,
        "{} output frames for {:.2} s of recording at 2×",
        frames.len(),
        12.0 - from
    );
    let check = check_tones(&frames, p.sample_rate(), 0);
    assert!(
        check.windows > 80 && check.wrong.len() * 20 <= check.windows,
        "at 2× the frames sound other positions than they carry: {check:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gsm_is_named_and_the_recording_can_still_be_saved() {
    let h = Harness::start().await;
    let (src, bytes) = serve(
        &h,
        Vendor::TalkPilot,
        TestRecording::new(gsm_wav().to_vec(), "audio/wav"),
    );
    let mut p = Probe::start(src, 1.0, true);
    let done = p.wait(LONG, ended).await;
    let PlayState::Failed(why) = &done.state else {
        panic!("{done:?}");
    };
    assert!(why.contains("GSM 6.10") && why.contains("save"), "{why}");
    let dir = tempfile::tempdir().expect("temp dir");
    p.send(PlayerCmd::Save(dir.path().join("gsm")));
    let saved = p
        .wait_event(LONG, |e| {
            matches!(
                e,
                PlayerEvent::Saved { .. } | PlayerEvent::SaveFailed { .. }
            )
        })
        .await;
    let PlayerEvent::Saved { path, .. } = saved else {
        panic!("{saved:?}");
    };
    assert_eq!(std::fs::read(&path).expect("saved"), bytes);
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("wav"));
}

/// With no device the player plays on the null output, says why with the fix, and the position
/// moves; saving works.
async fn plays_without_a_device(h: &Harness, vendor: Vendor, device: bool) {
    let what = format!("{vendor:?} device: {device}");
    let (src, bytes) = serve(
        h,
        vendor,
        TestRecording::position_tones(TestFormat::WavMulaw, 6),
    );
    let mut p = Probe::start_with(src, 3.0, true, device);
    let playing = p
        .wait(LONG, |s| s.state == PlayState::Playing || ended(s))
        .await;
    assert_eq!(playing.state, PlayState::Playing, "{what}");
    match &playing.output {
        OutputKind::Device => {
            eprintln!("an audio device opened here: the no-device path is not tested ({what})");
            return;
        }
        // No device here: the reason with the fix; audio turned off: that it is off.
        OutputKind::Null(why) if device => assert!(
            why.contains("No audio device") && why.contains("save") && why.contains("SSH"),
            "{what}: {why}"
        ),
        OutputKind::Null(why) => assert!(
            why.contains("Audio is off") && why.contains("saves"),
            "{what}: {why}"
        ),
        OutputKind::None => panic!("{what}: playing without an output"),
    }
    let done = p.wait(LONG, ended).await;
    assert_eq!(done.state, PlayState::Finished, "{what}");
    // The position moved through the recording as it played.
    let positions: Vec<f64> = p
        .statuses()
        .iter()
        .filter(|s| s.state == PlayState::Playing)
        .map(|s| s.position)
        .collect();
    assert!(
        positions.windows(2).all(|w| w[1] >= w[0]) && positions.len() >= 3,
        "{what}: {positions:?}"
    );
    assert!(
        (done.position - 6.0).abs() < 0.1,
        "{what}: {}",
        done.position
    );
    let dir = tempfile::tempdir().expect("temp dir");
    p.send(PlayerCmd::Save(dir.path().join("call")));
    let saved = p
        .wait_event(LONG, |e| matches!(e, PlayerEvent::Saved { .. }))
        .await;
    let PlayerEvent::Saved { path, .. } = saved else {
        unreachable!()
    };
    assert_eq!(std::fs::read(&path).expect("saved"), bytes, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_device_the_null_output_plays_and_says_why() {
    let h = Harness::start().await;
    tokio::join!(
        plays_without_a_device(&h, Vendor::TalkPilot, false),
        // This machine has no sound card: opening the device fails and the player falls back.
        plays_without_a_device(&h, Vendor::AlloMia, true),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_goes_back_two_seconds_and_volume_and_channel_apply() {
    let h = Harness::start().await;
    let format = TestFormat::WavStereo;
    let (src, _) = serve(
        &h,
        Vendor::TalkPilot,
        TestRecording::position_tones(format, 30),
    );
    let mut p = Probe::start(src, 2.0, true);
    p.wait(LONG, |s| s.state == PlayState::Playing).await;
    let rate = p.sample_rate();
    p.until(LONG, "4 s played", |p| {
        p.captured_last_pos() >= 4 * u64::from(rate)
    })
    .await;

    // Pause: nothing more is played.
    p.send(PlayerCmd::TogglePause);
    p.wait(LONG, |s| s.state == PlayState::Paused).await;
    let paused_at = p.captured_last_pos();
    let played = p.captured_len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(p.captured_len(), played, "played while paused");
    // Resume: from two seconds before.
    let g = p.latest_generation().wrapping_add(1);
    p.send(PlayerCmd::TogglePause);
    p.until(LONG, "playing again", |p| {
        p.of_generation(g).len() >= rate as usize / 2
    })
    .await;
    let resumed = p.of_generation(g);
    let back = (paused_at as f64 - resumed[0].pos as f64) / f64::from(rate);
    assert!(
        (back - 2.0).abs() < 0.01,
        "resumed {back:.3} s before the pause"
    );
    let heard = heard_position(&resumed, rate, 0).expect("a tone");
    assert!(cycle_diff(heard, resumed[0].pos as f64 / f64::from(rate)) <= 0.1);

    // Volume: five steps down is half the level.
    let full = rms(&left(&resumed));
    for _ in 0..5 {
        p.send(PlayerCmd::VolumeDown);
    }
    p.wait(LONG, |s| s.volume == 50).await;
    let from = p.captured_len();
    p.until(LONG, "played at half volume", |p| {
        p.captured_len() >= from + rate as usize / 2
    })
    .await;
    let half = rms(&left(&p.captured_from(from)));
    assert!(
        (half / full - 0.5).abs() < 0.05,
        "level {half:.3} after halving {full:.3}"
    );

    // Channels: the agent (left, the position tones) on both sides, then the caller (right,
    // a steady 2.5 kHz tone) on both, then both again.
    let mut modes = Vec::new();
    for expected in [ChannelMode::Agent, ChannelMode::Caller, ChannelMode::Both] {
        p.send(PlayerCmd::NextChannel);
        p.wait(LONG, |s| s.channel == expected).await;
        let from = p.captured_len();
        p.until(LONG, "played in the new mode", |p| {
            p.captured_len() >= from + rate as usize / 2
        })
        .await;
        let frames = p.captured_from(from);
        let (l, r) = (left(&frames), right(&frames));
        let window = rate as usize / 10;
        let (hz_l, hz_r) = (
            dominant_hz(&l[..window], rate),
            dominant_hz(&r[..window], rate),
        );
        match expected {
            ChannelMode::Agent => {
                assert!(frames.iter().all(|f| f.r == f.l), "agent: right is left");
                let check = check_tones(&frames, rate, 0);
                assert!(check.windows > 0 && check.wrong.is_empty(), "{check:?}");
            }
            ChannelMode::Caller => {
                assert!(frames.iter().all(|f| f.r == f.l), "caller: left is right");
                assert!((hz_l - RIGHT_TONE_HZ).abs() < 25.0, "caller: {hz_l} Hz");
            }
            ChannelMode::Both => {
                assert!((hz_r - RIGHT_TONE_HZ).abs() < 25.0, "both: right {hz_r} Hz");
                let check = check_tones(&frames, rate, 0);
                assert!(check.windows > 0 && check.wrong.is_empty(), "{check:?}");
            }
        }
        modes.push((expected, hz_l, hz_r));
    }
    // The caller's tone is nowhere in the agent's channel.
    assert!((modes[0].1 - RIGHT_TONE_HZ).abs() > 100.0, "{modes:?}");
}
