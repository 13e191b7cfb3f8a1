//! What the command line prints and how it ends: the TUI without a terminal, a closed pipe, tables
//! aligned by display width, a hint when more calls follow, a page past the end, `--limit 0`.

mod cli_support;

use std::process::Stdio;
use std::sync::Arc;

use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::talkpilot::{self, TalkPilotEmulator};
use cli_support::{Pages, command, fake_talkpilot, run, talkpilot_block, tp_call, write_config};
use unicode_width::UnicodeWidthStr;

async fn emulator() -> (
    TalkPilotEmulator,
    tempfile::TempDir,
    std::path::PathBuf,
    String,
) {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        &talkpilot_block("tp", &emu.base_url(), &emu.api_key()),
    );
    let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();
    (emu, dir, cfg, agent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_without_a_terminal_says_so_and_names_the_commands() {
    let (_emu, _dir, cfg, _) = emulator().await;
    // stdin is /dev/null and stdout a pipe.
    let r = run(&cfg, &[]).await;
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("needs a terminal"), "{}", r.err);
    for cmd in ["callbrowser list", "show", "providers", "demo-server"] {
        assert!(r.err.contains(cmd), "{cmd} not named: {}", r.err);
    }
    assert!(r.out.is_empty());
}

/// Runs the binary with its stdout a pipe nobody reads any more.
async fn into_a_closed_pipe(cfg: &std::path::Path, args: &[&str]) -> cli_support::Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    // `spawn`, not `output`: tokio's `output` would replace stdout with a pipe of its own.
    let out = command(cfg, args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .await
        .unwrap();
    cli_support::Run {
        code: out.status.code(),
        out: String::new(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_every_command_quietly() {
    let (emu, _dir, cfg, agent) = emulator().await;
    let call = emu.calls(&agent)[0]["id"].as_str().unwrap().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["list", "--scope", &agent],
        vec!["list", "--scope", &agent, "--all", "--format", "json"],
        vec!["show", &call],
        vec!["show", &call, "--format", "json"],
        vec!["providers"],
        vec!["providers", "--format", "json"],
        vec!["config", "path"],
        vec!["demo-server"],
    ];
    for args in cases {
        let r = into_a_closed_pipe(&cfg, &args).await;
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.err);
        assert!(
            !r.err.contains("panicked") && !r.err.contains("Broken pipe"),
            "{args:?}: {}",
            r.err
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_columns_line_up_by_display_width() {
    let long = "Maximilian Alexander von Hohenzollern-Sigmaringen der Dritte";
    let names = [
        "Hans Meier",
        "王小明",
        "Zoe\u{308} Ma\u{301}rquez",
        long,
        "Ａｎｎａ",
    ];
    let pages: Arc<Pages> = Arc::new(move |_, _| {
        let calls = names
            .iter()
            .enumerate()
            .map(|(i, n)| tp_call(&format!("call-{i}"), n, 185))
            .collect();
        (calls, 1)
    });
    let (base, _) = fake_talkpilot(pages).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &talkpilot_block("tp", &base, "k"));
    let r = run(&cfg, &["list", "--scope", "agent-1"]).await;
    assert!(r.ok(), "{}", r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(lines.len(), 1 + names.len(), "{}", r.out);
    // Where the duration column ends, in display columns, on the header and on every row.
    let end_of = |line: &str, text: &str| {
        let at = line
            .find(text)
            .unwrap_or_else(|| panic!("{text} in {line}"));
        line[..at + text.len()].width()
    };
    let dur_end = end_of(lines[0], "DUR");
    for line in &lines[1..] {
        assert_eq!(end_of(line, "3:05"), dur_end, "misaligned:\n{}", r.out);
    }
    // A long name is cut, with an ellipsis; ids never are.
    assert!(
        !r.out.contains(long) && r.out.contains("Maximilian"),
        "{}",
        r.out
    );
    assert!(r.out.contains('…'));
    assert!(r.out.contains("call-3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_is_explained_and_a_page_past_the_end_fails() {
    let (_emu, _dir, cfg, agent) = emulator().await;
    // 145 calls, 100 a page: the first page says more follow and how to get them.
    let r = run(&cfg, &["list", "--scope", &agent]).await;
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert_eq!(r.out.lines().count(), 101);
    assert!(
        r.err.contains("page 1 of 2 shown (100 of 145 calls)")
            && r.err.contains("--page 2")
            && r.err.contains("--all"),
        "{}",
        r.err
    );
    // The last page says nothing more.
    let r = run(&cfg, &["list", "--scope", &agent, "--page", "2"]).await;
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert_eq!(r.out.lines().count(), 46);
    assert!(!r.err.contains("shown"), "{}", r.err);
    // Past the end: a failure that says how long the list is, not an empty table.
    let r = run(&cfg, &["list", "--scope", &agent, "--page", "999"]).await;
    assert_eq!(r.code, Some(1), "{}", r.err);
    assert!(r.out.is_empty(), "{}", r.out);
    assert!(
        r.err.contains("page 999 is past the end of the list")
            && r.err.contains("2 page(s) of 100, 145 call(s)"),
        "{}",
        r.err
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_is_checked_and_a_lowered_one_is_said() {
    let (_emu, _dir, cfg, agent) = emulator().await;
    for bad in ["0", "-1", "x"] {
        let limit = format!("--limit={bad}");
        let r = run(&cfg, &["list", "--scope", &agent, &limit]).await;
        assert_eq!(r.code, Some(2), "--limit {bad}: {}", r.err);
        assert!(r.err.contains("--limit"), "{}", r.err);
        assert!(r.out.is_empty());
    }
    let r = run(&cfg, &["list", "--scope", &agent, "--page", "0"]).await;
    assert_eq!(r.code, Some(2), "{}", r.err);
    let r = run(
        &cfg,
        &[
            "list", "--scope", &agent, "--limit", "500", "--format", "json",
        ],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(
        r.err
            .contains("at most 100 calls a page: --limit 500 is taken as 100"),
        "{}",
        r.err
    );
    let doc: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["page_size"], 100);
}
