//! Running the `callbrowser` binary from tests: a private config file, a private state folder, and
//! the three things a run gives (exit status, stdout, stderr).
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// What one run of the binary gave.
pub struct Run {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    pub out: String,
    pub err: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// The binary with `--config FILE --utc`, its state (logs, tokens) next to the config file, and
/// no terminal: stdin is empty.
pub fn command(config: &Path, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_callbrowser"));
    c.arg("--config")
        .arg(config)
        .arg("--utc")
        .args(args)
        .env("XDG_STATE_HOME", state_home(config))
        .env("XDG_CONFIG_HOME", state_home(config))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    c
}

/// Where runs with `config` keep their state.
pub fn state_home(config: &Path) -> PathBuf {
    config.parent().unwrap().join("state")
}

pub async fn run(config: &Path, args: &[&str]) -> Run {
    let out = command(config, args).output().await.unwrap();
    Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `toml` as a private config file in `dir`.
pub fn write_config(dir: &Path, toml: &str) -> PathBuf {
    let p = dir.join("c.toml");
    std::fs::write(&p, toml).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// One `[[providers]]` block of kind talkpilot.
pub fn talkpilot_block(name: &str, base: &str, key: &str) -> String {
    format!(
        "[[providers]]\nname = \"{name}\"\nkind = \"talkpilot\"\nbase_url = \"{base}\"\n\
         api_key = \"{key}\"\n\n"
    )
}
