//! Secrets never reach a screen or the log, run as a user runs the program: the real binary with
//! its own HOME and XDG folders. A canary key on a config line with a syntax error, and printed to
//! stderr by a failing `api_key_command`, appears in no output and no log; the log file is 0600 in
//! a 0700 folder. The key sources and the numbers of the file say plainly what is wrong.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const CANARY: &str = "sk_live_CANARY_51f0c2d9e7";

/// A temporary HOME with the platform folders inside it.
struct Home {
    dir: tempfile::TempDir,
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let home = self.path();
        let mut c = Command::new(env!("CARGO_BIN_EXE_callbrowser"));
        c.args(args)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            // Everything the program would log, it logs.
            .env("CALLBROWSER_LOG", "trace")
            .env_remove("CALLBROWSER_TRACE");
        c
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Where the program logs, as `--version` says.
    fn log_path(&self) -> PathBuf {
        let out = self.run(&["--version"]).stdout;
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("Logs are written to "))
            .unwrap_or_else(|| panic!("--version names no log file: {out}"));
        PathBuf::from(line.trim())
    }

    /// A private config file named `name` holding `text`.
    fn config(&self, name: &str, text: &str) -> String {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p.display().to_string()
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

const HEAD: &str =
    "[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"http://127.0.0.1:9\"\n";

fn assert_no_canary(what: &str, text: &str) {
    assert!(!text.contains(CANARY), "the canary is in {what}:\n{text}");
    assert!(
        !text.contains("CANARY"),
        "part of the canary is in {what}:\n{text}"
    );
}

#[test]
fn a_canary_key_reaches_no_output_and_no_log() {
    let home = Home::new();
    // A syntax error on the line that holds the key (the closing quote is missing).
    let broken = home.config("broken.toml", &format!("{HEAD}api_key = \"{CANARY}\n"));
    // A key command that fails and prints the key to its error output (the key is not in the
    // command's own text, which messages may quote).
    let script = home.path().join("fake-pass.sh");
    std::fs::write(&script, format!("echo 'pass: {CANARY}' >&2\nexit 1\n")).unwrap();
    let failing = home.config(
        "command.toml",
        &format!("{HEAD}api_key_command = \"sh {}\"\n", script.display()),
    );
    let runs = [
        (home.run(&["--config", &broken, "list"]), false),
        (home.run(&["--config", &broken, "providers"]), false),
        (home.run(&["--config", &failing, "list"]), false),
        (
            home.run(&["--config", &failing, "providers", "--format", "json"]),
            false,
        ),
        (home.run(&["--config", &failing, "providers"]), false),
    ];
    for (i, (run, ok)) in runs.iter().enumerate() {
        assert_eq!(run.ok, *ok, "run {i}: {}", run.stderr);
        assert_no_canary(&format!("stdout of run {i}"), &run.stdout);
        assert_no_canary(&format!("stderr of run {i}"), &run.stderr);
    }
    // Each still says what is wrong and where.
    let said = &runs[0].0.stderr;
    assert!(
        said.contains("broken.toml") && said.contains("line 5"),
        "{said}"
    );
    let said = &runs[2].0.stderr;
    assert!(
        said.contains("failed") && said.contains("run it in a shell"),
        "{said}"
    );

    let log = home.log_path();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("line 5"), "the error is logged: {text}");
    assert_no_canary("the log", &text);
    assert_eq!(mode(&log), 0o600, "{}", log.display());
    assert_eq!(mode(log.parent().unwrap()), 0o700);
}

#[test]
fn a_log_that_others_could_read_is_made_private() {
    let home = Home::new();
    let log = home.log_path();
    // --version does not log; a log from an older version, readable by all, is there already.
    let dir = log.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(&log, "old line\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let cfg = home.config("c.toml", "[http]\npage_size = 0\n");
    assert!(!home.run(&["--config", &cfg, "list"]).ok);
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(dir), 0o700);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("old line\n") && text.contains("page_size"),
        "{text}"
    );
}

#[test]
fn an_empty_key_variable_is_called_empty_not_unset() {
    let home = Home::new();
    let cfg = home.config(
        "c.toml",
        &format!("{HEAD}api_key_env = \"CALLBROWSER_TEST_EMPTY_KEY\"\n"),
    );
    let run = home.run_with(
        &["--config", &cfg, "providers"],
        &[("CALLBROWSER_TEST_EMPTY_KEY", "")],
    );
    assert!(!run.ok);
    assert!(
        run.stdout
            .contains("the environment variable CALLBROWSER_TEST_EMPTY_KEY is set but empty"),
        "{}",
        run.stdout
    );
    let mut c = home.command(&["--config", &cfg, "providers"]);
    let out = c.env_remove("CALLBROWSER_TEST_EMPTY_KEY").output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("CALLBROWSER_TEST_EMPTY_KEY is not set"),
        "{said}"
    );
}

#[test]
fn numbers_out_of_range_are_refused_with_key_value_and_range() {
    let home = Home::new();
    for (line, range) in [
        ("request_timeout_secs = 0", "1 to 3600"),
        ("request_timeout_secs = 18446744073709551615", "1 to 3600"),
        ("max_retries = 1000", "0 to 10"),
    ] {
        let cfg = home.config("c.toml", &format!("[http]\n{line}\n"));
        let run = home.run(&["--config", &cfg, "list"]);
        assert!(!run.ok, "{line} was accepted");
        let (key, value) = line.split_once(" = ").unwrap();
        for part in [key, value, range, "line 2"] {
            assert!(
                run.stderr.contains(part),
                "{part:?} missing: {}",
                run.stderr
            );
        }
    }
}
