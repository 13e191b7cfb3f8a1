//! `--redact` and `[ui] privacy = true` on the command line, against the TalkPilot emulator:
//! `list` (JSON and table) and `show` print no caller's full name, no full phone number and no
//! transcript.

mod cli_support;

use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::talkpilot;
use cli_support::{run, talkpilot_block, write_config};
use serde_json::Value;

/// The full names and numbers of the calls in a JSON list document.
fn people(doc: &Value) -> (Vec<String>, Vec<String>) {
    let calls = doc["calls"].as_array().unwrap();
    let get = |k: &str| -> Vec<String> {
        calls
            .iter()
            .filter_map(|c| c[k].as_str().map(String::from))
            .collect()
    };
    (get("caller_name"), get("caller_number"))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Neither a full name (two words or more) nor a number's first digits are anywhere in `out`.
fn assert_masked(out: &str, names: &[String], numbers: &[String]) {
    let out_digits = digits(out);
    for n in names {
        assert!(!out.contains(n.as_str()), "{n:?} printed: {out}");
        let surname = n.split_whitespace().last().unwrap();
        assert!(!out.contains(surname), "{surname:?} printed: {out}");
    }
    for p in numbers {
        assert!(!out.contains(p.as_str()), "{p:?} printed: {out}");
        let d = digits(p);
        // More than the last two digits of a number, in a row, is too much.
        if d.len() > 4 {
            assert!(
                !out_digits.contains(&d[..d.len() - 2]),
                "{p:?} shows more than its last two digits: {out}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_show_mask_names_and_numbers_and_hide_the_transcript() {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        &talkpilot_block("tp", &emu.base_url(), &emu.api_key()),
    );
    let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();
    let list = ["list", "--scope", &agent, "--limit", "20"];

    // What there is to hide.
    let r = run(&cfg, &[&list[..], &["--format", "json"]].concat()).await;
    assert!(r.ok(), "{}", r.err);
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    let (names, numbers) = people(&doc);
    assert!(names.iter().any(|n| n.contains(' ')) && !numbers.is_empty());
    let names: Vec<String> = names.into_iter().filter(|n| n.contains(' ')).collect();
    let id = doc["calls"][0]["id"].as_str().unwrap().to_string();

    let r = run(
        &cfg,
        &[&list[..], &["--format", "json", "--redact"]].concat(),
    )
    .await;
    assert!(r.ok(), "{}", r.err);
    assert_masked(&r.out, &names, &numbers);
    let masked: Value = serde_json::from_str(&r.out).unwrap();
    let first = &masked["calls"][0];
    assert_eq!(first["id"], id.as_str(), "ids are kept");
    let name = first["caller_name"].as_str().unwrap();
    assert!(name.ends_with('.') && name.len() < 12, "{name}");
    let number = first["caller_number"].as_str().unwrap();
    assert!(
        number.contains('•') && digits(number).len() == 2,
        "{number}"
    );

    let r = run(&cfg, &[&list[..], &["--redact"]].concat()).await;
    assert!(r.ok(), "{}", r.err);
    assert!(r.out.starts_with("TIME"), "{}", r.out);
    assert_masked(&r.out, &names, &numbers);

    // show: no transcript, in the table and in JSON.
    let r = run(&cfg, &["show", &id]).await;
    assert!(r.out.contains("agent: "), "{}", r.out);
    let r = run(&cfg, &["--redact", "show", &id]).await;
    assert!(r.ok(), "{}", r.err);
    assert!(r.out.contains("transcript hidden (--redact)"), "{}", r.out);
    assert!(
        !r.out.contains("agent: ") && !r.out.contains("caller: "),
        "{}",
        r.out
    );
    assert_masked(&r.out, &names, &numbers);
    let r = run(&cfg, &["show", &id, "--format", "json", "--redact"]).await;
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["transcript_state"], "hidden");
    assert_eq!(doc["transcript"].as_array().unwrap().len(), 0);
    assert_masked(&r.out, &names, &numbers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_can_make_privacy_the_default() {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plain = write_config(
        dir.path(),
        &talkpilot_block("tp", &emu.base_url(), &emu.api_key()),
    );
    let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();
    let args = [
        "list", "--scope", &agent, "--limit", "10", "--format", "json",
    ];
    let r = run(&plain, &args).await;
    let (names, numbers) = people(&serde_json::from_str(&r.out).unwrap());

    let private = dir.path().join("private");
    std::fs::create_dir(&private).unwrap();
    let cfg = write_config(
        &private,
        &format!(
            "[ui]\nprivacy = true\nprivacy_idle_secs = 300\n\n{}",
            talkpilot_block("tp", &emu.base_url(), &emu.api_key())
        ),
    );
    let r = run(&cfg, &args).await;
    assert!(r.ok(), "{}", r.err);
    let names: Vec<String> = names.into_iter().filter(|n| n.contains(' ')).collect();
    assert_masked(&r.out, &names, &numbers);
}

/// The tmux trial found `--redact show` printing an AlloMia call's other-language summary and a
/// Welkin patient's MRN: both are hidden or masked now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_redacted_hides_other_summaries_and_masks_the_mrn() {
    let demo = callbrowser::demo::Demo::start(EmulatorOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &demo.config_toml());
    let fr = demo
        .allomia
        .call_facts()
        .into_iter()
        .find(|c| c.language == "fr-CA")
        .unwrap();
    let args = ["show", &fr.id, "--provider", "allomia", "--format", "json"];
    let plain: Value = serde_json::from_str(&run(&cfg, &args).await.out).unwrap();
    assert!(
        !plain["other_summaries"].as_object().unwrap().is_empty(),
        "{plain}"
    );
    let r = run(&cfg, &[&args[..], &["--redact"]].concat()).await;
    assert!(r.ok(), "{}", r.err);
    let masked: Value = serde_json::from_str(&r.out).unwrap();
    assert!(masked["other_summaries"].as_object().unwrap().is_empty());
    let r = run(&cfg, &["--redact", "show", &fr.id, "--provider", "allomia"]).await;
    assert!(!r.out.contains("Summary ["), "{}", r.out);

    // A Welkin call's patient MRN: its last two characters only.
    let r = run(
        &cfg,
        &["list", "--provider", "welkin", "--all", "--format", "json"],
    )
    .await;
    let doc: Value = serde_json::from_str(&r.out).unwrap();
    let id = doc["calls"][0]["id"].as_str().unwrap().to_string();
    let plain = run(&cfg, &["show", &id, "--provider", "welkin"]).await.out;
    let mrn = plain
        .lines()
        .find_map(|l| l.trim().strip_prefix("patient MRN: "))
        .unwrap_or_else(|| panic!("{plain}"))
        .to_string();
    let r = run(&cfg, &["--redact", "show", &id, "--provider", "welkin"]).await;
    assert!(!r.out.contains(&mrn), "{}", r.out);
    assert!(
        r.out.contains(&format!("••{}", &mrn[mrn.len() - 2..])),
        "{}",
        r.out
    );
    assert!(
        !r.out.contains("Transcript (hidden)") && !r.out.contains("transcript hidden"),
        "Welkin has no transcript to hide: {}",
        r.out
    );
}
