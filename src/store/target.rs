//! Which store to open, from the `[store]` configuration: the SQLite file alone, or the team's
//! PostgreSQL database with the file beside it (drafts, the last known queue, changes waiting).
//! The password is read when the store opens, from an environment variable or a command (as the
//! provider keys are), and never shown.

use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::StoreError;
use super::logic::DEFAULT_CLAIM_MINUTES;
use crate::config::StoreConfig;

/// Where the triage is kept.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreTarget {
    /// The local SQLite file: the whole store, or (with `team`) drafts, the last known team
    /// queue and the changes waiting for the team database.
    pub path: PathBuf,
    pub team: Option<TeamDb>,
    /// How long a claim lasts.
    pub claim_minutes: u32,
}

/// The team database.
#[derive(Clone, PartialEq)]
pub struct TeamDb {
    /// `postgres://user@host[:port]/db[?sslmode=…]`, without a password.
    pub url: String,
    pub password: PasswordSource,
    /// The CA certificate (PEM) that signed the server's certificate, when it is a private one.
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for TeamDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamDb")
            .field("url", &super::pg_conn::redact(&self.url))
            .field("password", &self.password)
            .finish()
    }
}

/// Where the team database's password comes from.
#[derive(Clone, PartialEq)]
pub enum PasswordSource {
    /// None (trust, peer or certificate authentication; or `~/.pgpass` is not read either).
    None,
    /// An environment variable's name.
    Env(String),
    /// A command that prints it (`pass show team-db`), run with `sh -c`, 10 s at most.
    Command(String),
    /// Given directly (tests, `store copy`'s `PGPASSWORD`).
    Given(String),
}

impl std::fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordSource::None => f.write_str("None"),
            PasswordSource::Env(v) => write!(f, "Env({v})"),
            PasswordSource::Command(c) => write!(f, "Command({c})"),
            PasswordSource::Given(_) => f.write_str("Given(***)"),
        }
    }
}

/// How long `password_command` may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

impl PasswordSource {
    /// The password, read now; a sentence saying which source failed otherwise. What a
    /// failing command printed is never repeated (it may hold the password).
    pub fn resolve(&self) -> Result<Option<String>, StoreError> {
        let bad = |m: String| StoreError::Config(format!("the team database's password: {m}"));
        match self {
            PasswordSource::None => Ok(None),
            PasswordSource::Given(p) => Ok(Some(p.clone())),
            PasswordSource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_string())),
                Ok(_) => Err(bad(format!("the environment variable {var} is empty"))),
                Err(std::env::VarError::NotPresent) => {
                    Err(bad(format!("the environment variable {var} is not set")))
                }
                Err(_) => Err(bad(format!(
                    "the environment variable {var} holds bytes that are not UTF-8"
                ))),
            },
            PasswordSource::Command(cmd) => run_command(cmd).map(Some).map_err(bad),
        }
    }
}

fn run_command(cmd: &str) -> Result<String, String> {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{cmd}`: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < COMMAND_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{cmd}` did not finish within {} s",
                    COMMAND_TIMEOUT.as_secs()
                ));
            }
        }
    };
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if !status.success() {
        return Err(format!(
            "`{cmd}` failed ({status}); run it in a shell to see why"
        ));
    }
    match out.trim() {
        "" => Err(format!("`{cmd}` printed nothing")),
        p => Ok(p.to_string()),
    }
}

impl StoreTarget {
    /// The SQLite file alone (the embedded default).
    pub fn sqlite(path: PathBuf) -> StoreTarget {
        StoreTarget {
            path,
            team: None,
            claim_minutes: DEFAULT_CLAIM_MINUTES,
        }
    }

    /// The store the configuration names; `path` overrides the file (`--store`).
    pub fn from_config(cfg: &StoreConfig, path: Option<PathBuf>) -> StoreTarget {
        let password = match (&cfg.password_env, &cfg.password_command) {
            (Some(v), _) => PasswordSource::Env(v.clone()),
            (None, Some(c)) => PasswordSource::Command(c.clone()),
            (None, None) => PasswordSource::None,
        };
        StoreTarget {
            path: path
                .or_else(|| cfg.path.clone())
                .unwrap_or_else(super::default_path),
            team: cfg.url.as_ref().map(|url| TeamDb {
                url: url.clone(),
                password,
                ca_file: cfg.ca_file.clone(),
            }),
            claim_minutes: cfg.claim_minutes.unwrap_or(DEFAULT_CLAIM_MINUTES),
        }
    }
}

/// Who changes are recorded as: `[store] user`, else the OS user.
pub fn who(cfg: &StoreConfig) -> String {
    cfg.user
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map_or_else(super::os_user, str::to_string)
}
