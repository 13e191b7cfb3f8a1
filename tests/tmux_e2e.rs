//! The whole program as a person uses it: the demo in tmux, driven with send-keys and read with
//! capture-pane. Needs tmux (installed by .ci/run).

use std::path::Path;
use std::process::Command;

mod tmux_support;

use tmux_support::{Tmux, start_demo_server, start_ui};

#[test]
fn browse_the_demo_in_tmux_and_leave_the_terminal_as_it_was() {
    let bin = env!("CARGO_BIN_EXE_callbrowser");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().display().to_string();
    let t = Tmux::shell(format!("cb-e2e-{}", std::process::id()), 120, 40);
    let cmd = format!(
        "env HOME={dir} XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state TZ=UTC {bin}; echo EXIT=$?"
    );
    t.keys(&[&cmd, "Enter"]);

    // The demo opens on All calls, every provider's calls merged, all five listed.
    let s = t.wait("All calls", |s| {
        s.contains("DEMO DATA") && s.contains("All calls · 1 of")
    });
    assert!(s.contains("Welkin Health"), "{s}");
    for p in ["welkin", "solum", "voxeme", "allomia"] {
        assert!(
            s.contains(&format!(" {p} ")),
            "{p}'s calls in All calls:\n{s}"
        );
    }
    t.to_first_patient("e2e");
    // To the sidebar and fold Welkin's patients: every provider is in sight.
    t.keys(&["Tab", "h"]);
    let s = t.wait("Welkin folded", |s| s.contains("▸Welkin Health"));
    for name in ["Solum Health", "TalkPilot", "Voxeme", "AlloMia"] {
        assert!(s.contains(name), "{name} missing:\n{s}");
    }
    // Down to TalkPilot's second agent (past "all agents"), open its calls.
    t.keys(&["j", "j", "j", "j", "j", "Enter"]);
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

/// The trial: `callbrowser demo-server` in one window, the TUI pointed at it from
/// another; every provider browsed, Welkin patients searched, Voxeme's Live view updating.
#[test]
fn browse_all_five_providers_against_the_demo_server() {
    let bin = env!("CARGO_BIN_EXE_callbrowser");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().display().to_string();
    let t = Tmux {
        socket: format!("cb-e2e-srv-{}", std::process::id()),
    };
    let env =
        format!("env HOME={dir} XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state TZ=UTC");
    let config = start_demo_server(&t, &env, bin);
    let ui = "e2e:ui";
    start_ui(&t, ui, &env, bin, &config);
    browse_welkin(&t, ui);
    browse_solum_and_talkpilot(&t, ui);
    browse_voxeme_and_its_live_view(&t, ui);
    browse_allomia(&t, ui);
    t.keys_to(ui, &["q"]);
    t.wait_on(ui, "the shell again", |s| s.contains("EXIT=0"));
    t.keys_to("e2e:srv", &["C-c"]);
    t.wait_on("e2e:srv", "the server to stop", |s| {
        s.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.contains('$') || l.contains('#'))
    });
}

/// Welkin: search patients on the server, open one, read a call; Esc drops the search.
fn browse_welkin(t: &Tmux, ui: &str) {
    t.keys_to(ui, &["Tab", "/", "D", "o", "e", "Enter"]);
    let s = t.wait_on(ui, "the patient search", |s| s.contains("for “Doe”"));
    assert!(s.contains("Jane Doe") && s.contains("John Doe"), "{s}");
    assert!(!s.contains("Noah Ahmed  "), "other patients are gone:\n{s}");
    t.keys_to(ui, &["j", "Enter"]);
    t.wait_on(ui, "a Doe's calls", |s| s.contains("Doe · page 1 of"));
    t.keys_to(ui, &["Enter"]);
    t.wait_on(ui, "a Welkin call", |s| {
        s.contains("Welkin Health does not offer transcripts.") && s.contains("── Recording")
    });
    // Esc in the search line brings every patient back.
    t.keys_to(ui, &["Tab", "/", "Escape"]);
    t.wait_on(ui, "all patients again", |s| s.contains("Noah Ahmed"));
}

/// Solum (no parent level; the list item is the detail), then a TalkPilot agent's call with
/// its transcript as a chat.
fn browse_solum_and_talkpilot(t: &Tmux, ui: &str) {
    t.keys_to(ui, &["h", "j", "Enter"]);
    t.wait_on(ui, "Solum's calls", |s| {
        s.contains("Solum Health · page 1 of")
    });
    t.keys_to(ui, &["Enter"]);
    t.wait_on(ui, "a Solum call", |s| {
        s.contains("── Summary") && s.contains("Solum Health does not offer recordings.")
    });
    // TalkPilot, its "all agents", its first agent.
    t.keys_to(ui, &["Tab", "j", "j", "j", "Enter"]);
    t.wait_on(ui, "Rezeption Bot's calls", |s| {
        s.contains("Rezeption Bot · page 1 of")
    });
    t.keys_to(ui, &["Enter"]);
    t.wait_on(ui, "a TalkPilot transcript", |s| {
        s.contains("── Transcript ·")
    });
}

/// Voxeme: an account's call history, then its Live view refreshing by itself, and back.
fn browse_voxeme_and_its_live_view(t: &Tmux, ui: &str) {
    t.keys_to(ui, &["Tab", "j", "j", "j", "j", "j", "Enter"]);
    t.wait_on(ui, "a Voxeme account's calls", |s| {
        s.contains("Boston Downtown · page 1 of")
    });
    t.keys_to(ui, &["Enter"]);
    t.wait_on(ui, "a Voxeme call", |s| s.contains("sip_status"));
    t.keys_to(ui, &["L"]);
    let first = t.wait_on(ui, "the Live view", |s| s.contains("refreshed "));
    let stamp = |s: &str| {
        s.split("refreshed ")
            .nth(1)
            .map(|r| r.chars().take(8).collect::<String>())
            .unwrap_or_default()
    };
    let before = stamp(&first);
    t.wait_on(ui, "the Live view to refresh itself", |s| {
        s.contains("Live · ") && stamp(s) != before && !stamp(s).is_empty()
    });
    t.keys_to(ui, &["L"]);
    t.wait_on(ui, "the history again", |s| {
        s.contains("Boston Downtown · page 1 of") && !s.contains("Live · ")
    });
}

/// AlloMia: an organization's call with the transcript from its link.
fn browse_allomia(t: &Tmux, ui: &str) {
    t.keys_to(ui, &["BTab", "j", "j", "j", "j", "j", "Enter"]);
    t.wait_on(ui, "an AlloMia organization's calls", |s| {
        s.contains("AlloMia") && s.contains("Clinique") && s.contains("page 1 of")
    });
    t.keys_to(ui, &["Enter"]);
    t.wait_on(ui, "an AlloMia transcript", |s| {
        s.contains("── Transcript ·") || s.contains("This call has no transcript")
    });
}

impl Tmux {
    /// `#{alternate_on} #{cursor_flag}` of the pane: "0 1" when the shell has its screen back.
    fn screen_state(&self) -> String {
        self.run(&[
            "display-message",
            "-p",
            "-t",
            "e2e",
            "#{alternate_on} #{cursor_flag}",
        ])
        .trim()
        .to_string()
    }

    /// The pid of the program the pane's shell runs.
    fn child_pid(&self) -> String {
        self.child_pid_of("e2e")
    }

    /// Saves `stty -g` in the shell to `file` and waits for it.
    fn save_stty(&self, file: &str) {
        self.keys(&[&format!("stty -g > {file}; echo SAVED-{file}"), "Enter"]);
        self.wait("stty saved", |s| s.contains(&format!("SAVED-{file}\n")));
    }
}

fn signal(pid: &str, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, pid])
            .status()
            .unwrap()
            .success()
    );
}

/// Ctrl-Z and `fg`: the shell gets the terminal back whole while suspended (cooked mode, main
/// screen, cursor shown), and the program comes back alive and redrawn. `kill -TSTP` does the
/// same; SIGQUIT ends it with the terminal restored.
#[test]
fn suspend_resume_and_stop_signals_leave_the_terminal_as_it_was() {
    let bin = env!("CARGO_BIN_EXE_callbrowser");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().display().to_string();
    let t = Tmux {
        socket: format!("cb-e2e-sig-{}", std::process::id()),
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
    let stty = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    t.save_stty(&format!("{dir}/before"));
    let cmd = format!(
        "clear; env HOME={dir} XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state TZ=UTC {bin}; echo EXIT=$?"
    );
    t.keys(&[&cmd, "Enter"]);
    let up = |what: &str| {
        t.wait(what, |s| {
            s.contains("DEMO DATA") && s.contains("All calls · ")
        })
    };
    up("the first page of calls");

    for round in ["C-z", "kill -TSTP"] {
        if round == "C-z" {
            t.keys(&["C-z"]);
        } else {
            signal(&t.child_pid(), "-TSTP");
        }
        t.wait("the shell's job control", |s| s.contains("Stopped"));
        assert_eq!(
            t.screen_state(),
            "0 1",
            "{round}: main screen, cursor shown"
        );
        t.save_stty(&format!("{dir}/during"));
        assert_eq!(stty("during"), stty("before"), "{round}: cooked mode");
        t.keys(&["clear; fg", "Enter"]);
        up("the program again, redrawn");
        // Alive: it answers a key.
        t.keys(&["j"]);
        t.wait("the cursor to move", |s| s.contains("· 2 of "));
        t.keys(&["k"]);
        t.wait("the cursor back", |s| s.contains("· 1 of "));
    }

    // (After a stop the shell has dropped the `; echo EXIT` of the line: wait for its prompt.)
    signal(&t.child_pid(), "-QUIT");
    t.wait("the shell's prompt", |s| {
        s.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end().ends_with(['$', '#']))
    });
    assert_eq!(t.screen_state(), "0 1");
    t.save_stty(&format!("{dir}/after"));
    assert_eq!(stty("after"), stty("before"), "SIGQUIT: cooked mode");
}
