//! The Welkin token outlives one run of the command line: a script looping over `show` makes one
//! token exchange, not one a run (Welkin allows 100 per 5 minutes). It is kept in the state
//! folder, readable by its owner only, never logged, dropped when the server refuses it, and a
//! check of the credentials (`providers`) checks the secret itself.

mod cli_support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::welkin::{self, WelkinEmulator};
use cli_support::{run, state_home, write_config};

fn config(dir: &Path, emu: &WelkinEmulator, secret: &str) -> PathBuf {
    write_config(
        dir,
        &format!(
            "[[providers]]\nname = \"welkin\"\nkind = \"welkin\"\nbase_url = {:?}\n\
             tenant = {:?}\ninstance = {:?}\nclient = {:?}\napi_key = {secret:?}\n",
            emu.base_url(),
            emu.tenant(),
            emu.instance(),
            emu.client_key(),
        ),
    )
}

/// The files in the token folder, with their permissions.
fn kept(cfg: &Path) -> Vec<(PathBuf, u32)> {
    let dir = state_home(cfg).join("callbrowser").join("tokens");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .map(|e| {
            let p = e.unwrap().path();
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            (p, mode)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_looping_over_show_makes_one_token_exchange() {
    let emu = welkin::start(EmulatorOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &emu, &emu.secret());
    let patient = emu.patients()[0]["id"].as_str().unwrap().to_string();
    let call = emu.calls(&patient)[0]["id"].as_str().unwrap().to_string();
    let show = ["show", call.as_str(), "--scope", patient.as_str()];

    for _ in 0..3 {
        let r = run(&cfg, &show).await;
        assert!(r.ok(), "{}", r.err);
        assert!(
            r.out.starts_with(&format!("id           {call}")),
            "{}",
            r.out
        );
    }
    assert_eq!(emu.token_requests(), 1, "one exchange for three runs");

    // One file, 0600, holding the token; the log never has it.
    let files = kept(&cfg);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].1, 0o600);
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0].0).unwrap()).unwrap();
    let token = stored["token"].as_str().unwrap().to_string();
    let log = state_home(&cfg).join("callbrowser").join("callbrowser.log");
    let log = std::fs::read_to_string(log).unwrap_or_default();
    assert!(!log.contains(&token), "the token was logged");

    // Refused (the server forgot it): dropped, a fresh one is asked for once and kept.
    emu.revoke_tokens();
    let r = run(&cfg, &show).await;
    assert!(r.ok(), "{}", r.err);
    assert_eq!(emu.token_requests(), 2);
    let r = run(&cfg, &show).await;
    assert!(r.ok(), "{}", r.err);
    assert_eq!(emu.token_requests(), 2, "the fresh token was kept");
    let files = kept(&cfg);
    let fresh = std::fs::read_to_string(&files[0].0).unwrap();
    assert!(!fresh.contains(&token), "the refused token is gone");

    // A check of the credentials checks the secret: a wrong one fails, whatever was kept, and
    // its refusal drops the kept token.
    let wrong = config(dir.path(), &emu, "wrong-secret");
    let r = run(&wrong, &["providers"]).await;
    assert_eq!(r.code, Some(1), "{}", r.out);
    assert!(r.out.contains("✗ welkin"), "{}", r.out);
    assert!(kept(&cfg).is_empty(), "{:?}", kept(&cfg));
}
