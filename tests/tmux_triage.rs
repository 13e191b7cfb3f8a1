//! Triage as a person does it, in tmux, against `callbrowser demo-server`: mark a call, write a
//! note — and the note being typed survives the program being killed (`kill -9`) while the
//! editor is open: the next run offers it back.

mod tmux_support;

use std::process::Command;

use tmux_support::{Tmux, start_demo_server, start_ui};

#[test]
fn a_note_being_typed_survives_kill_9_and_marks_are_kept() {
    let bin = env!("CARGO_BIN_EXE_callbrowser");
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().display().to_string();
    let t = Tmux {
        socket: format!("cb-triage-{}", std::process::id()),
    };
    let env = format!(
        "env HOME={dir} XDG_CONFIG_HOME={dir}/config XDG_STATE_HOME={dir}/state XDG_DATA_HOME={dir}/data TZ=UTC"
    );
    let config = start_demo_server(&t, &env, bin);
    let ui = "e2e:ui";
    start_ui(&t, ui, &env, bin, &config);
    // Welkin's first patient's first call: mark it, open it, write a note without saving.
    t.keys_to(ui, &["m"]);
    t.wait_on(ui, "the mark saved", |s| {
        s.contains("Marked the call for follow-up")
    });
    t.keys_to(ui, &["Enter"]);
    t.wait_on(ui, "the call's triage", |s| s.contains("⚑ follow-up"));
    t.keys_to(ui, &["e"]);
    t.wait_on(ui, "the editor", |s| s.contains("Ctrl-S saves, Esc closes"));
    t.keys_to(ui, &["-l", "call back before Friday"]);
    t.wait_on(ui, "the text typed", |s| {
        s.contains("call back before Friday")
    });
    // Give the store thread its half second, then kill the program outright.
    std::thread::sleep(std::time::Duration::from_millis(800));
    let pid = t.child_pid_of(ui);
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap()
            .success()
    );
    t.wait_on(ui, "the shell after the kill", |s| s.contains("EXIT=137"));
    t.keys_to(ui, &["reset", "Enter"]);

    // Again: the mark is there, and the note comes back in the editor.
    t.keys_to(
        ui,
        &[
            &format!("{env} {bin} --config {config}; echo EXIT=$?"),
            "Enter",
        ],
    );
    t.to_first_patient(ui);
    let s = t.wait_on(ui, "the mark in the list", |s| s.contains(" ⚑ "));
    assert!(s.contains("Follow-ups (1)"), "{s}");
    t.keys_to(ui, &["Enter"]);
    t.wait_on(ui, "the call", |s| s.contains("⚑ follow-up"));
    t.keys_to(ui, &["e"]);
    let s = t.wait_on(ui, "the restored draft", |s| {
        s.contains("call back before Friday")
    });
    assert!(s.contains("Restored the note you were typing"), "{s}");
    // Saved this time: it shows in the Triage section.
    t.keys_to(ui, &["C-s"]);
    t.wait_on(ui, "the note saved", |s| s.contains("Note saved."));
    t.keys_to(ui, &["q"]);
    t.wait_on(ui, "the shell", |s| s.contains("EXIT=0"));
    t.keys_to("e2e:srv", &["C-c"]);
}
