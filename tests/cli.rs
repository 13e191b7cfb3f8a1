//! The command line against the TalkPilot emulator: `list` and `show` in JSON and as tables.

use std::os::unix::fs::PermissionsExt;

use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::talkpilot;
use serde_json::Value;

/// What every call object of the JSON documents carries.
const CALL_KEYS: [&str; 12] = [
    "provider",
    "scope",
    "id",
    "started_at",
    "duration_secs",
    "direction",
    "status",
    "caller_name",
    "caller_number",
    "summary",
    "has_recording",
    "has_transcript",
];

async fn run(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_callbrowser"))
        .arg("--config")
        .arg(config)
        .arg("--utc")
        .args(args)
        .env("XDG_STATE_HOME", config.parent().unwrap())
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_config(dir: &std::path::Path, base: &str, key: &str) -> std::path::PathBuf {
    let p = dir.join("c.toml");
    std::fs::write(
        &p,
        format!("[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"{base}\"\napi_key = \"{key}\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_show_print_the_documented_json() {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &emu.base_url(), &emu.api_key());
    let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();

    // Without --scope every agent's calls are merged, newest first, each with its agent.
    let (ok, out, err) = run(&cfg, &["list", "--format", "json", "--limit", "50"]).await;
    assert!(ok, "{err}");
    assert!(err.contains("TalkPilot: 3 parent(s) searched"), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 50);
    let times: Vec<&str> = calls
        .iter()
        .map(|c| c["started_at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    let agents: std::collections::HashSet<&str> =
        calls.iter().map(|c| c["scope"].as_str().unwrap()).collect();
    assert!(
        agents.len() > 1 && agents.contains(agent.as_str()),
        "{agents:?}"
    );

    let (ok, out, err) = run(
        &cfg,
        &[
            "list", "--scope", &agent, "--limit", "5", "--format", "json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["provider"], "tp");
    assert_eq!(doc["page_size"], 5);
    assert_eq!(doc["total_items"], 145);
    let calls = doc["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 5);
    for key in CALL_KEYS {
        assert!(calls[0].get(key).is_some(), "call objects carry {key}");
    }
    assert!(calls[0]["started_at"].as_str().unwrap().ends_with('Z'));
    assert!(calls[0]["duration_secs"].is_number());

    let id = calls[0]["id"].as_str().unwrap();
    let (ok, out, err) = run(&cfg, &["show", id, "--format", "json"]).await;
    assert!(ok, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["id"], id);
    let turns = doc["transcript"].as_array().unwrap();
    assert!(!turns.is_empty());
    assert!(
        turns
            .iter()
            .all(|t| t["speaker"] == "agent" || t["speaker"] == "caller")
    );
    assert!(
        doc["fields"].get("call_id").is_some(),
        "every other field is kept"
    );
    assert!(!out.contains("token="), "signed URLs are never printed");

    let (ok, out, _) = run(
        &cfg,
        &["list", "--scope", &agent, "--filter", "done:false", "--all"],
    )
    .await;
    assert!(ok);
    assert!(out.starts_with("TIME"), "{out}");
    assert!(out.lines().count() > 10);

    let (ok, out, _) = run(&cfg, &["show", id]).await;
    assert!(ok);
    assert!(
        out.contains("Transcript (turns)") && out.contains("agent: "),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_fails_with_a_clear_sentence() {
    let emu = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        &emu.base_url(),
        "tp_live_0123456789abcdef0123456789abcdef",
    );
    let agent = emu.agents()[0]["id"].as_str().unwrap().to_string();
    let (ok, out, err) = run(&cfg, &["list", "--scope", &agent]).await;
    assert!(!ok);
    assert!(out.is_empty());
    assert!(
        err.contains("TalkPilot rejected the API key (401 UNAUTHORIZED)"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readable_config_with_a_secret_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "http://127.0.0.1:9", "secret");
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, _, err) = run(&cfg, &["list"]).await;
    assert!(!ok);
    assert!(err.contains("chmod 600"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_checks_all_five_demo_apis_and_names_the_fix_for_a_wrong_key() {
    let demo = callbrowser::demo::Demo::start(EmulatorOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("demo.toml");
    std::fs::write(&cfg, demo.config_toml()).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (ok, out, err) = run(&cfg, &["providers"]).await;
    assert!(ok, "{out}{err}");
    for name in ["welkin", "solum", "talkpilot", "voxeme", "allomia"] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("✓ {name} ("))),
            "{name} not healthy:\n{out}"
        );
    }
    let (ok, out, _) = run(&cfg, &["providers", "--format", "json"]).await;
    assert!(ok);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), 5);
    assert!(doc.as_array().unwrap().iter().all(|p| p["ok"] == true));

    // Wrong keys: each failing provider is named with what to do; the others stay healthy;
    // the exit status says something failed.
    let bad = demo
        .config_toml()
        .replace(
            &format!("{:?}", demo.solum.api_key()),
            "\"wrong-solum-key\"",
        )
        .replace(
            &format!("{:?}", demo.voxeme.api_key()),
            "\"wrong-voxeme-token\"",
        )
        .replace(&format!("{:?}", demo.welkin.secret()), "\"wrong-secret\"");
    std::fs::write(&cfg, bad).unwrap();
    let (ok, out, _) = run(&cfg, &["providers"]).await;
    assert!(!ok, "a failed check must fail the command:\n{out}");
    for (name, label) in [
        ("solum", "Solum Health"),
        ("voxeme", "Voxeme"),
        ("welkin", "Welkin Health"),
    ] {
        let line = out
            .lines()
            .skip_while(|l| !l.starts_with(&format!("✗ {name} (")))
            .nth(1)
            .unwrap_or_else(|| panic!("{name} not reported as failing:\n{out}"));
        assert!(line.contains(label), "{line}");
        assert!(line.contains("check"), "no fix named: {line}");
    }
    for name in ["talkpilot", "allomia"] {
        assert!(out.contains(&format!("✓ {name} (")), "{out}");
    }
    assert!(out.contains("3 of 5 provider(s) failed"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_of_one_kind_are_two_providers() {
    let a = talkpilot::start(EmulatorOptions::default()).await.unwrap();
    let b = talkpilot::start(EmulatorOptions {
        seed: 7,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[providers]]\nname = \"praxis\"\nkind = \"talkpilot\"\nlabel = \"TalkPilot (Praxis)\"\n\
             base_url = \"{}\"\napi_key = \"{}\"\n\n\
             [[providers]]\nname = \"klinik\"\nkind = \"talkpilot\"\nlabel = \"TalkPilot (Klinik)\"\n\
             base_url = \"{}\"\napi_key = \"{}\"\n",
            a.base_url(),
            a.api_key(),
            b.base_url(),
            b.api_key()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (ok, out, err) = run(&cfg, &["providers"]).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("✓ praxis (TalkPilot)") && out.contains("✓ klinik (TalkPilot)"));
    // Each name reaches its own account: the second one's agents are not the first one's.
    let agent_b = b.agents()[0]["id"].as_str().unwrap().to_string();
    let (ok, out, err) = run(
        &cfg,
        &[
            "list",
            "--provider",
            "klinik",
            "--scope",
            &agent_b,
            "--limit",
            "3",
            "--format",
            "json",
        ],
    )
    .await;
    assert!(ok, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["provider"], "klinik");
    assert_eq!(doc["calls"].as_array().unwrap().len(), 3);
    let (ok, _, err) = run(&cfg, &["list", "--provider", "praxis", "--scope", &agent_b]).await;
    assert!(!ok, "the other account's agent must not be found");
    assert!(err.contains("TalkPilot (Praxis)"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_show_work_for_every_demo_provider() {
    let demo = callbrowser::demo::Demo::start(EmulatorOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("demo.toml");
    std::fs::write(&cfg, demo.config_toml()).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();

    // (name, has a parent level, transcript state `show` reports for its calls)
    let cases = [
        ("welkin", true, &["not_offered"][..]),
        ("solum", false, &["not_offered"][..]),
        (
            "talkpilot",
            true,
            &["turns", "unparsed", "purged", "missing"][..],
        ),
        ("voxeme", true, &["not_offered"][..]),
        ("allomia", true, &["turns", "unparsed", "missing"][..]),
    ];
    for (name, parented, transcript_states) in cases {
        let mut args = vec![
            "list",
            "--provider",
            name,
            "--limit",
            "5",
            "--format",
            "json",
        ];
        let scope;
        if parented {
            // Without --scope: every parent merged; the first call's parent is listed under.
            let (ok, out, err) = run(&cfg, &["list", "--provider", name, "--format", "json"]).await;
            assert!(ok, "{name}: {err}");
            let doc: Value = serde_json::from_str(&out).unwrap();
            scope = doc["calls"][0]["scope"].as_str().unwrap().to_string();
            args.extend(["--scope", scope.as_str()]);
        }
        let (ok, out, err) = run(&cfg, &args).await;
        assert!(ok, "{name}: {err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["provider"], name);
        let calls = doc["calls"].as_array().unwrap();
        assert!(!calls.is_empty(), "{name}: no calls:\n{out}");
        for c in calls {
            for key in CALL_KEYS {
                assert!(c.get(key).is_some(), "{name}: call without {key}: {c}");
            }
            assert!(c["started_at"].as_str().is_some(), "{name}: {c}");
            assert!(c["duration_secs"].is_number(), "{name}: {c}");
        }

        // `show` of the first call, with the scope the list gave it.
        let id = calls[0]["id"].as_str().unwrap();
        let mut show = vec!["show", id, "--provider", name, "--format", "json"];
        if let Some(s) = calls[0]["scope"].as_str() {
            show.extend(["--scope", s]);
        }
        let (ok, out, err) = run(&cfg, &show).await;
        assert!(ok, "{name}: {err}");
        let d: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(d["id"], id, "{name}");
        assert!(d["fields"].is_object(), "{name}: {d}");
        let state = d["transcript_state"].as_str().unwrap();
        assert!(
            transcript_states.contains(&state),
            "{name}: transcript {state}"
        );
        if state == "turns" {
            let turns = d["transcript"].as_array().unwrap();
            assert!(!turns.is_empty());
            assert!(
                turns
                    .iter()
                    .all(|t| t["speaker"].is_string() && t["text"].is_string())
            );
        }
        // A signed URL or a key never reaches the output.
        for secret in ["token=", "X-Amz-Signature", "Signature="] {
            assert!(!out.contains(secret), "{name}: {secret} printed:\n{out}");
        }

        // The table forms too.
        let table: Vec<&str> = show
            .iter()
            .copied()
            .filter(|a| *a != "--format" && *a != "json")
            .collect();
        let (ok, out, err) = run(&cfg, &table).await;
        assert!(ok, "{name}: {err}");
        assert!(
            out.starts_with(&format!("id           {id}")),
            "{name}:\n{out}"
        );
    }
}
