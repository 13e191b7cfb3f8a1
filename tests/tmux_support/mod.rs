//! Driving the program in tmux: send-keys, capture-pane, and waiting for what a person would see.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    /// The pid of the program the shell of `target` runs.
    pub fn child_pid_of(&self, target: &str) -> String {
        let shell = self.run(&["display-message", "-p", "-t", target, "#{pane_pid}"]);
        let out = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep (procps) is installed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .expect("the program runs under the shell")
            .to_string()
    }

    /// A tmux server of its own (`socket`) with session `e2e` running a plain bash of
    /// `width`×`height`, once its prompt shows.
    pub fn shell(socket: String, width: u16, height: u16) -> Tmux {
        let t = Tmux { socket };
        let (w, h) = (width.to_string(), height.to_string());
        t.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &w,
            "-y",
            &h,
            "bash --norc --noprofile",
        ]);
        t.wait("the shell", |s| s.contains('$') || s.contains('#'));
        t
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux must be installed (apt-get install tmux) for this test");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        self.keys_to("e2e", keys);
    }

    pub fn keys_to(&self, target: &str, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", target, k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn screen_of(&self, target: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", target])
    }

    /// Waits until the screen satisfies `ok`, or fails with the screen.
    pub fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_on("e2e", what, ok)
    }

    pub fn wait_on(&self, target: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen_of(target);
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

/// `callbrowser demo-server` in window `srv`; the path of the config file it prints.
pub fn start_demo_server(t: &Tmux, env: &str, bin: &str) -> String {
    t.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-n",
        "srv",
        "-x",
        "150",
        "-y",
        "45",
        "bash --norc --noprofile",
    ]);
    t.wait_on("e2e:srv", "the shell", |s| {
        s.contains('$') || s.contains('#')
    });
    t.keys_to("e2e:srv", &[&format!("{env} {bin} demo-server"), "Enter"]);
    let srv = t.wait_on("e2e:srv", "the demo server", |s| s.contains("Press Ctrl-C"));
    for name in [
        "Welkin Health",
        "Solum Health",
        "TalkPilot",
        "Voxeme",
        "AlloMia",
    ] {
        assert!(srv.contains(name), "{name} missing:\n{srv}");
    }
    let config = srv
        .lines()
        .find_map(|l| l.trim().strip_prefix("callbrowser --config "))
        .expect("the server prints how to point callbrowser at it")
        .trim()
        .to_string();
    assert!(Path::new(&config).exists(), "{config}");
    config
}

/// The TUI with that config in window `ui`, once Welkin's first patient shows.
pub fn start_ui(t: &Tmux, ui: &str, env: &str, bin: &str, config: &str) {
    t.run(&[
        "new-window",
        "-t",
        "e2e",
        "-n",
        "ui",
        "bash --norc --noprofile",
    ]);
    t.wait_on(ui, "the shell", |s| s.contains('$') || s.contains('#'));
    t.keys_to(
        ui,
        &[
            &format!("{env} {bin} --config {config}; echo EXIT=$?"),
            "Enter",
        ],
    );
    let s = t.wait_on(ui, "All calls", |s| s.contains("All calls · 1 of"));
    assert!(
        !s.contains("DEMO DATA"),
        "a config file is not the demo:\n{s}"
    );
    t.to_first_patient(ui);
}

impl Tmux {
    /// From All calls (where the program opens), Welkin's first patient's calls: the sidebar's
    /// rows are All calls, Follow-ups, Welkin, all patients, the first patient.
    pub fn to_first_patient(&self, target: &str) {
        self.wait_on(target, "All calls", |s| s.contains("All calls · 1 of"));
        self.keys_to(target, &["Tab", "j", "j", "j", "j", "Enter"]);
        self.wait_on(target, "Welkin's first patient", |s| {
            s.contains("Noah Ahmed · page 1 of")
        });
    }
}
