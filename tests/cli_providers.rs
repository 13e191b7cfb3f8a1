//! `callbrowser providers`: what it checks, what it prints and when.

mod cli_support;

use std::sync::Arc;

use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::talkpilot;
use cli_support::{run, talkpilot_block, write_config};

/// The line after `✗ NAME (` or `✓ NAME (`: the check's message.
fn message_of<'a>(out: &'a str, mark: &str, name: &str) -> &'a str {
    out.lines()
        .skip_while(|l| !l.starts_with(&format!("{mark} {name} (")))
        .nth(1)
        .unwrap_or_else(|| panic!("no {mark} line for {name}:\n{out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_talkpilot_key_is_checked_for_what_browsing_needs_and_the_vendors_reason_is_kept() {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = emu.base_url();
    let cfg = write_config(
        dir.path(),
        &[
            talkpilot_block("full", &base, &emu.api_key()),
            talkpilot_block("agents-only", &base, &emu.key_without_calls_read()),
            talkpilot_block("expired", &base, &emu.expired_key()),
        ]
        .concat(),
    );
    let r = run(&cfg, &["providers"]).await;
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(
        message_of(&r.out, "✓", "full").contains("visible"),
        "{}",
        r.out
    );
    // A key without calls:read would fail at the first `list`: the check says so now.
    let line = message_of(&r.out, "✗", "agents-only");
    assert!(
        line.contains("403") && line.contains("calls:read"),
        "{line}"
    );
    // An expired key is not a wrong one: the vendor's reason stays.
    let line = message_of(&r.out, "✗", "expired");
    assert!(line.contains("has expired"), "{line}");
    assert!(r.out.contains("2 of 3 provider(s) failed"), "{}", r.out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_labels_from_the_config_are_sanitized_too() {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // ESC [31m (red), BEL and a right-to-left override, in the name and the label.
    let block = talkpilot_block(
        "tp\\u001b[31m\\u0007x\\u202e",
        &emu.base_url(),
        &emu.api_key(),
    )
    .replace("\n\n", "\nlabel = \"Lab\\u001b]0;owned\\u0007el\"\n\n");
    let cfg = write_config(dir.path(), &block);
    for format in ["table", "json"] {
        let r = run(&cfg, &["providers", "--format", format]).await;
        assert!(r.ok(), "{}{}", r.out, r.err);
        for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(
                !r.out.contains(bad),
                "{format}: {bad:?} printed:\n{}",
                r.out
            );
        }
        assert!(r.out.contains("tpx⟪U+202E⟫"), "{}", r.out);
    }
    // The name in a sentence on stderr too.
    let r = run(&cfg, &["list", "--provider", "nope"]).await;
    assert_eq!(r.code, Some(1));
    assert!(r.err.contains("no provider named 'nope'"), "{}", r.err);
    assert!(
        !r.err.contains('\u{1b}') && !r.err.contains('\u{7}'),
        "{:?}",
        r.err
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_show_read_only_the_key_of_the_provider_they_use() {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("key-command-ran");
    let other = format!(
        "[[providers]]\nname = \"other\"\nkind = \"solum\"\nbase_url = \"http://127.0.0.1:9\"\n\
         api_key_command = \"touch {} && echo key\"\n\n",
        marker.display()
    );
    let cfg = write_config(
        dir.path(),
        &[
            other,
            talkpilot_block("tp", &emu.base_url(), &emu.api_key()),
        ]
        .concat(),
    );
    let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();
    let call = emu.calls(&agent)[0]["id"].as_str().unwrap().to_string();
    let r = run(&cfg, &["list", "--provider", "tp", "--scope", &agent]).await;
    assert!(r.ok(), "{}", r.err);
    let r = run(
        &cfg,
        &["show", &call, "--provider", "tp", "--scope", &agent],
    )
    .await;
    assert!(r.ok(), "{}", r.err);
    assert!(!marker.exists(), "another provider's api_key_command ran");
    // `providers` reads every key.
    let r = run(&cfg, &["providers"]).await;
    assert_eq!(r.code, Some(1), "{}", r.out);
    assert!(marker.exists());
}

/// A Voxeme API whose account list answers only once `release` is notified.
async fn held_voxeme(release: Arc<tokio::sync::Notify>) -> String {
    let app = axum::Router::new().fallback(move || {
        let release = release.clone();
        async move {
            release.notified().await;
            axum::Json(serde_json::json!([]))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_provider_is_printed_as_soon_as_it_is_known_in_config_order() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let release = Arc::new(tokio::sync::Notify::new());
    let held = held_voxeme(release.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        &[
            // Long enough that only the command's own 60 s bound could end the wait.
            "[http]\nread_timeout_secs = 600\nrequest_timeout_secs = 600\n\n".to_string(),
            talkpilot_block("first", &emu.base_url(), &emu.api_key()),
            format!(
                "[[providers]]\nname = \"held\"\nkind = \"voxeme\"\nbase_url = \"{held}\"\n\
                 api_key = \"k\"\n\n"
            ),
            talkpilot_block("last", &emu.base_url(), &emu.api_key()),
        ]
        .concat(),
    );
    let mut child = cli_support::command(&cfg, &["providers"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || lines.next_line().await.unwrap().unwrap_or_default();
    // The first provider is printed while the second still has not answered…
    assert!(next().await.starts_with("✓ first ("));
    assert!(next().await.contains("visible"));
    // …and the last one only after the second, whatever order they answered in.
    release.notify_one();
    assert!(next().await.starts_with("✓ held ("));
    assert!(next().await.contains("0 accounts visible"));
    assert!(next().await.starts_with("✓ last ("));
    let status = child.wait().await.unwrap();
    assert!(status.success());
}
