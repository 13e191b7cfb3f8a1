//! Listening as a person does, in tmux: open a TalkPilot call of the demo, play it (silently on
//! a machine without a sound card — the bar says so), seek, change the speed, jump to the next
//! turn, save the recording, stop, quit; the terminal comes back as it was.

mod tmux_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tmux_support::Tmux;

/// The elapsed time the player bar shows, in seconds (`▶ playing  1:23 / …`).
fn elapsed(screen: &str) -> Option<u64> {
    let line = screen.lines().find(|l| l.contains("playing  "))?;
    let rest = line.split("playing  ").nth(1)?;
    let clock = rest.split_whitespace().next()?;
    let (m, s) = clock.split_once(':')?;
    Some(m.parse::<u64>().ok()? * 60 + s.parse::<u64>().ok()?)
}

#[test]
fn play_seek_change_speed_jump_turns_and_save_in_tmux() {
    let bin = env!("CARGO_BIN_EXE_callbrowser");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().display().to_string();
    let t = Tmux::shell(format!("cb-play-{}", std::process::id()), 150, 45);
    // No Downloads folder in this HOME: recordings are saved in the current folder.
    let cmd = format!(
        "cd {dir} && env HOME={dir} XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state TZ=UTC {bin}; echo EXIT=$?"
    );
    t.keys(&[&cmd, "Enter"]);
    t.to_first_patient("e2e");
    // Fold Welkin's patients, go to TalkPilot's second agent, open its first call.
    t.keys(&["Tab", "h", "j", "j", "j", "j", "j", "Enter"]);
    t.wait("the agent's calls", |s| {
        s.contains("Front Desk Assistant · page 1 of")
    });
    t.keys(&["Enter"]);
    t.wait("the call", |s| s.contains("── Transcript ·"));

    t.keys(&["Space"]);
    let s = t.wait("playing", |s| elapsed(s).is_some_and(|e| e >= 1));
    assert!(
        s.contains("no audio device: silent") || !s.contains("No audio device"),
        "the bar and the status line agree:\n{s}"
    );
    assert!(s.contains("WAV 16-bit PCM"), "the format is named:\n{s}");
    let before = elapsed(&s).unwrap_or(0);

    // Forward 30 s and 5 s: the clock jumps.
    t.keys(&[">", "."]);
    t.wait("the seek", |s| elapsed(s).is_some_and(|e| e >= before + 30));

    // Faster: 1.25×.
    t.keys(&["+"]);
    t.wait("the speed", |s| s.contains("1.25×"));

    // The next turn once the turn times are known (the recording is analysed as it downloads).
    t.wait("the whole file loaded", |s| {
        s.contains("playing") && !s.contains("% loaded")
    });
    let at = t.wait("a clock", |s| elapsed(s).is_some());
    let now = elapsed(&at).unwrap_or(0);
    t.keys(&["]"]);
    let s = t.wait("a turn later", |s| {
        elapsed(s).is_some_and(|e| e != now && e != now + 1)
    });
    assert!(!s.contains("Turn times come"), "{s}");

    // Save: a private file with the real extension.
    t.keys(&["s"]);
    let s = t.wait("saved", |s| s.contains("Saved the recording to"));
    let saved: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".wav"))
        .collect();
    assert_eq!(saved.len(), 1, "{s}");
    let meta = saved[0].metadata().unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(meta.len() > 44, "a WAV with audio");

    // Stop: the bar goes; quit: the shell is back.
    t.keys(&["x"]);
    t.wait("the bar gone", |s| {
        s.contains("Stopped.") && elapsed(s).is_none()
    });
    t.keys(&["q"]);
    let s = t.wait("the shell again", |s| s.contains("EXIT=0"));
    assert!(
        !s.contains("ALSA lib"),
        "audio noise never reaches the screen:\n{s}"
    );
    assert_eq!(
        t.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"])
            .trim(),
        "0"
    );
    assert!(
        Path::new(&dir)
            .join("state/callbrowser/callbrowser.log")
            .exists()
    );
}
