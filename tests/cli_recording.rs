//! `callbrowser recording` and `callbrowser play` as a script uses them, against the demo's
//! emulators over loopback: the saved file is byte for byte what the vendor serves, with its real
//! extension; pipes; no overwriting without `--force`; calls without a recording; playing with
//! no audio device.

mod cli_support;
mod player_support;

use callbrowser_emulators::TestRecording;
use callbrowser_emulators::testaudio::TestFormat;
use cli_support::{Run, command, write_config};
use player_support::{Harness, Vendor};

fn name(v: Vendor) -> &'static str {
    match v {
        Vendor::Welkin => "welkin",
        Vendor::TalkPilot => "talkpilot",
        Vendor::Voxeme => "voxeme",
        Vendor::AlloMia => "allomia",
    }
}

/// Exactly the bytes the emulator serves for the recording of (scope, id).
fn served(h: &Harness, v: Vendor, scope: &str, id: &str) -> Vec<u8> {
    let d = &h.demo;
    match v {
        Vendor::Welkin => d.welkin.recording_bytes(scope, id).expect("a recording"),
        Vendor::TalkPilot => d.talkpilot.recording_bytes(id).expect("a recording"),
        Vendor::Voxeme => d.voxeme.recording_bytes(id).expect("a recording"),
        Vendor::AlloMia => d.allomia.recording_bytes(id).expect("a recording"),
    }
}

async fn run_in(dir: &std::path::Path, cfg: &std::path::Path, args: &[&str]) -> (Run, Vec<u8>) {
    let out = command(cfg, args)
        .current_dir(dir)
        .output()
        .await
        .expect("the binary runs");
    let run = Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, out.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vendors_recording_is_saved_byte_for_byte_with_its_extension() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &h.demo.config_toml());
    for v in Vendor::ALL {
        let (scope, id) = h.recorded_call(v, 1);
        let want = served(&h, v, &scope, &id);
        let args = ["recording", &id, "--provider", name(v), "--scope", &scope];
        let (run, _) = run_in(dir.path(), &cfg, &args).await;
        assert!(run.ok(), "{v:?}: {}", run.err);
        let ext = if want.starts_with(b"RIFF") {
            "wav"
        } else {
            "mp3"
        };
        let file = dir.path().join(format!("{}-{id}.{ext}", name(v)));
        let got = std::fs::read(&file).unwrap_or_else(|e| panic!("{v:?}: {e}; {}", run.out));
        assert!(
            got == want,
            "{v:?}: {} bytes saved, {} served",
            got.len(),
            want.len()
        );
        assert!(
            run.out.contains(&format!("wrote {}-{id}.{ext}", name(v))),
            "{}",
            run.out
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{v:?}: recordings are private");

        // Again: refused without --force, replaced with it.
        let (again, _) = run_in(dir.path(), &cfg, &args).await;
        assert_eq!(again.code, Some(1), "{v:?}");
        assert!(
            again.err.contains("exists; --force replaces it"),
            "{}",
            again.err
        );
        let mut forced = args.to_vec();
        forced.push("--force");
        let (forced, _) = run_in(dir.path(), &cfg, &forced).await;
        assert!(forced.ok(), "{v:?}: {}", forced.err);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_gets_the_bytes_and_the_scope_is_found_when_not_given() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &h.demo.config_toml());
    let (scope, id) = h.recorded_call(Vendor::TalkPilot, 2);
    let want = served(&h, Vendor::TalkPilot, &scope, &id);
    let (run, stdout) = run_in(
        dir.path(),
        &cfg,
        &["recording", &id, "--provider", "talkpilot", "-o", "-"],
    )
    .await;
    assert!(run.ok(), "{}", run.err);
    assert!(
        stdout == want,
        "{} bytes on stdout, {} served",
        stdout.len(),
        want.len()
    );
    // Nothing but the recording on stdout, and no file written.
    let written: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".wav"))
        .collect();
    assert!(written.is_empty(), "no file is written for -o -");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_without_a_recording_is_one_sentence() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &h.demo.config_toml());
    let missing = h
        .demo
        .allomia
        .call_facts()
        .into_iter()
        .find(|f| !f.has_recording)
        .expect("a call without a recording");
    let args = [
        "recording",
        &missing.id,
        "--provider",
        "allomia",
        "--scope",
        &missing.organization_id,
    ];
    let (run, _) = run_in(dir.path(), &cfg, &args).await;
    assert_eq!(run.code, Some(1));
    assert_eq!(run.err.lines().count(), 1, "one sentence: {}", run.err);
    assert!(run.err.contains("has no recording"), "{}", run.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_without_a_device_says_so_and_plays_to_the_end() {
    let h = Harness::start().await;
    h.demo
        .talkpilot
        .set_test_recording(Some(TestRecording::position_tones(TestFormat::WavMulaw, 2)));
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &h.demo.config_toml());
    let (scope, id) = h.recorded_call(Vendor::TalkPilot, 0);
    let args = ["play", &id, "--provider", "talkpilot", "--scope", &scope];
    let (run, stdout) = run_in(dir.path(), &cfg, &args).await;
    assert!(run.ok(), "{}", run.err);
    assert!(stdout.is_empty(), "the progress is not data: {}", run.out);
    assert!(
        run.err.contains("No audio device here") || run.err.contains("playing silently"),
        "{}",
        run.err
    );
    assert!(
        !run.err.contains("ALSA lib"),
        "ALSA noise goes to the log: {}",
        run.err
    );
}
