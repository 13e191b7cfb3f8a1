//! `callbrowser providers`: what it checks, what it prints and when.

mod cli_support;

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
