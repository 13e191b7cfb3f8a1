//! The whole program as a person uses it: the demo in tmux, driven with send-keys and read with
//! capture-pane. Needs tmux (installed by .ci/run).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux must be installed (apt-get install tmux) for this test");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "e2e", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// Waits until the screen satisfies `ok`, or fails with the screen.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn browse_the_demo_in_tmux_and_leave_the_terminal_as_it_was() {
    let bin = env!("CARGO_BIN_EXE_callbrowser");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().display().to_string();
    let t = Tmux {
        socket: format!("cb-e2e-{}", std::process::id()),
    };
    t.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        "bash --norc --noprofile",
    ]);
    t.wait("the shell", |s| s.contains('$') || s.contains('#'));
    let cmd = format!(
        "env HOME={dir} XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state TZ=UTC {bin}; echo EXIT=$?"
    );
    t.keys(&[&cmd, "Enter"]);

    // The demo opens on the first agent's calls.
    let s = t.wait("the first page of calls", |s| {
        s.contains("DEMO DATA") && s.contains("page 1 of")
    });
    assert!(s.contains("TalkPilot"), "{s}");

    // To the sidebar, down to the second agent, open its calls.
    t.keys(&["Tab", "j", "Enter"]);
    let second = t.wait("the second agent's calls", |s| {
        s.contains("Front Desk Assistant · page 1 of") && s.contains("Summary")
    });
    // Open a call: the transcript shows as a chat.
    t.keys(&["Enter"]);
    let detail = t.wait("a call's transcript", |s| {
        s.contains("Transcript ·") && s.contains("Summary ─")
    });
    assert_ne!(second, detail);

    // Search in it and step to the next match.
    t.keys(&["/", "e", "Enter"]);
    let s = t.wait("the match count", |s| s.contains("“e” 1/"));
    assert!(s.contains("“e” 1/"), "{s}");
    t.keys(&["n"]);
    t.wait("the second match", |s| s.contains("“e” 2/"));

    // Help, then quit: the shell comes back, out of the alternate screen, cursor shown.
    t.keys(&["?"]);
    t.wait("help", |s| s.contains("Keys in this pane"));
    t.keys(&["Escape", "q"]);
    let s = t.wait("the shell again", |s| s.contains("EXIT=0"));
    assert!(
        s.contains("echo EXIT"),
        "the shell's screen is back as it was:\n{s}"
    );
    assert_eq!(
        t.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"])
            .trim(),
        "0"
    );
    assert_eq!(
        t.run(&["display-message", "-p", "-t", "e2e", "#{cursor_flag}"])
            .trim(),
        "1"
    );
    let log = Path::new(&dir).join("state/callbrowser/callbrowser.log");
    assert!(
        log.exists(),
        "logs go to the state directory, not the terminal"
    );
}
