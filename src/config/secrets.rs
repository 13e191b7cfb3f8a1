//! Secrets in and around the config file. An error that quotes the file masks every secret value
//! (a syntax error on an `api_key = "…` line must not print the key to the terminal or the log);
//! the key is read from an environment variable or a command, and what a failing command wrote
//! to its error output is never repeated (it may hold the key).

use std::ffi::OsString;
use std::time::Duration;

use super::numbers::NUMBER_RANGES;
use super::{ProviderConfig, Secret};

/// Every key the file may hold: only these are named in an error that points into the file (a
/// key pasted on a line of its own is not a key name to repeat).
const KNOWN_KEYS: &[&str] = &[
    "ui",
    "http",
    "providers",
    "time_zone",
    "max_list_calls",
    "connect_timeout_secs",
    "read_timeout_secs",
    "request_timeout_secs",
    "max_retries",
    "max_rate_limit_wait_secs",
    "page_size",
    "name",
    "kind",
    "label",
    "base_url",
    "api_key_env",
    "api_key_command",
    "api_key",
    "agent",
    "patient",
    "account",
    "organization",
    "tenant",
    "instance",
    "client",
    "auth_style",
    "store",
    "path",
    "url",
    "password_env",
    "password_command",
    "ca_file",
    "user",
    "claim_minutes",
];

/// Key names whose values are (or, misplaced, may be) secrets.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["key", "secret", "token", "passw", "credential"]
        .iter()
        .any(|w| k.contains(w))
}

/// The key a `key = value` line assigns (the last part of a dotted key, unquoted).
fn key_of(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key
        .rsplit('.')
        .next()?
        .trim()
        .trim_matches(['"', '\''])
        .trim();
    (!key.is_empty()).then_some(key)
}

/// Text of the file that must never be repeated: the values of secret keys, and lines that are
/// no assignment at all (a key pasted on a line of its own). Longest first.
fn secret_texts(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in src.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
            continue;
        }
        let value = match (key_of(line), line.split_once('=')) {
            (Some(key), Some((_, value))) if is_secret_key(key) => value.trim(),
            (_, None) => line,
            _ => continue,
        };
        out.push(value);
        out.extend(
            value
                .split(|c: char| c.is_whitespace() || "\"'#,=".contains(c))
                .filter(|w| w.chars().count() >= 3),
        );
    }
    out.retain(|s| !s.is_empty());
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `text` with every secret of `src` replaced by `***`.
pub(super) fn mask(src: &str, text: &str) -> String {
    secret_texts(src)
        .into_iter()
        .fold(text.to_string(), |t, s| t.replace(s, "***"))
}

/// One line for a TOML error: where (line, column, the key when it is one of ours) and what,
/// with secrets masked. The source line itself is never quoted.
pub(super) fn describe_toml_error(src: &str, e: &toml::de::Error) -> String {
    let message = mask(src, e.message().trim());
    let Some(span) = e.span() else {
        return message;
    };
    let start = span.start.min(src.len());
    let before = src.get(..start).unwrap_or_default();
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let line = src[line_start..].lines().next().unwrap_or_default();
    let key = key_of(line).filter(|k| KNOWN_KEYS.contains(k));
    let mut out = format!("line {line_no}, column {column}");
    match key {
        Some(k) if !message.contains(k) => out.push_str(&format!(" (`{k}`)")),
        _ => {}
    }
    out.push_str(&format!(": {message}"));
    // A number the parser itself refuses still gets its range said.
    if let Some(r) = NUMBER_RANGES.iter().find(|r| Some(r.key) == key)
        && !message.contains(r.key)
    {
        out.push_str(&format!(
            " ({} takes {} to {}{})",
            r.key, r.min, r.max, r.unit
        ));
    }
    out
}

/// An environment variable name: letters, digits and `_`, not starting with a digit.
pub(super) fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The key from environment variable `env`, which holds `value`; an unset, empty or unreadable
/// variable is a sentence that says which.
fn key_from_env(label: &str, env: &str, value: Option<OsString>) -> Result<Secret, String> {
    let problem = match value.map(OsString::into_string) {
        None => "is not set",
        Some(Ok(v)) if v.is_empty() => "is set but empty",
        Some(Ok(v)) if v.trim().is_empty() => "holds only spaces",
        Some(Ok(v)) => return Ok(Secret(v.trim().to_string())),
        Some(Err(_)) => "holds bytes that are not UTF-8",
    };
    Err(format!(
        "{label}: the environment variable {env} {problem} (it should hold the API key)"
    ))
}

/// How long `api_key_command` may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

impl ProviderConfig {
    /// What to tell the user when the key is rejected.
    pub fn key_hint(&self) -> String {
        if let Some(env) = &self.api_key_env {
            format!("check {env}")
        } else if let Some(cmd) = &self.api_key_command {
            format!("check what `{cmd}` prints")
        } else {
            format!("check api_key of provider '{}'", self.name.get_ref())
        }
    }

    /// Reads the secret from the environment or runs the command (10 s at most). What the
    /// command writes to its error output is dropped: it may hold the key.
    pub async fn resolve_key(&self) -> Result<Secret, String> {
        let label = self.label();
        if let Some(env) = &self.api_key_env {
            return key_from_env(&label, env, std::env::var_os(env));
        }
        if let Some(cmd) = &self.api_key_command {
            return key_from_command(&label, cmd).await;
        }
        match &self.api_key {
            Some(k) if !k.is_empty() => Ok(Secret(k.clone())),
            _ => Err(format!(
                "provider '{}' has no key: set api_key_env or api_key_command",
                self.name.get_ref()
            )),
        }
    }
}

async fn key_from_command(label: &str, cmd: &str) -> Result<Secret, String> {
    let run = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(COMMAND_TIMEOUT, run).await {
        Err(_) => Err(format!(
            "{label}: `{cmd}` did not finish within {} s",
            COMMAND_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(format!("{label}: cannot run `{cmd}`: {e}")),
        Ok(Ok(out)) if !out.status.success() => Err(format!(
            "{label}: `{cmd}` failed ({}); run it in a shell to see why \
             (what it printed is not shown here, as it may hold the key)",
            out.status
        )),
        Ok(Ok(out)) => {
            let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if key.is_empty() {
                Err(format!("{label}: `{cmd}` printed nothing"))
            } else {
                Ok(Secret(key))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const CANARY: &str = "sk_live_CANARY_7f3a9c";

    fn error_of(src: &str) -> String {
        match Config::parse_str(src, "c.toml") {
            Ok(_) => panic!("accepted: {src}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn syntax_errors_on_secret_lines_do_not_quote_the_secret() {
        let head = "[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\n";
        for (line, at) in [
            (format!("api_key = \"{CANARY}\n"), "line 5"),
            (format!("api_key = \"{CANARY}\" extra\n"), "line 5"),
            (format!("api_key = {CANARY}\n"), "line 5"),
            (format!("api_key = '{CANARY}\n"), "line 5"),
            // An unclosed multi-line string ends with the file.
            (format!("api_key = \"\"\"{CANARY}\n"), "line 6"),
            (format!("{CANARY}\n"), "line 5"),
            (format!("api_key_env = \"{CANARY}\n"), "line 5"),
            (format!("  api_key = [\"{CANARY}\", 1]\n"), "line 5"),
        ] {
            let e = error_of(&format!("{head}{line}"));
            assert!(!e.contains(CANARY), "the canary leaked: {e}");
            assert!(!e.contains("CANARY"), "part of the canary leaked: {e}");
            assert!(e.contains("c.toml") && e.contains(at), "{e}");
        }
    }

    #[test]
    fn type_errors_on_secret_lines_do_not_quote_the_value() {
        let e = error_of(
            "[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\napi_key = 73195551234\n",
        );
        assert!(!e.contains("73195551234"), "{e}");
        assert!(e.contains("line 5") && e.contains("`api_key`"), "{e}");
    }

    #[test]
    fn errors_elsewhere_still_say_what_was_expected() {
        let e = error_of("[ui]\ntime_zone = \"mars\"\n");
        assert!(e.contains("line 2, column 13 (`time_zone`)"), "{e}");
        // A number no integer type holds names the range all the same.
        let e = error_of("[http]\npage_size = 999999999999999999999999999999999999999999\n");
        assert!(e.contains("page_size") && e.contains("1 to 1000"), "{e}");
        // One line: the file's text is not quoted under it.
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn a_key_in_api_key_env_is_refused_without_repeating_it() {
        let e = error_of(&format!(
            "[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\napi_key_env = \"{CANARY}-x\"\n"
        ));
        assert!(!e.contains("CANARY"), "{e}");
        assert!(e.contains("name of an environment variable"), "{e}");
    }

    #[test]
    fn an_empty_variable_is_not_called_unset() {
        let e = key_from_env("TalkPilot", "TP_KEY", Some(OsString::new())).unwrap_err();
        assert!(e.contains("TP_KEY is set but empty"), "{e}");
        let e = key_from_env("TalkPilot", "TP_KEY", Some(" \t".into())).unwrap_err();
        assert!(e.contains("TP_KEY holds only spaces"), "{e}");
        let e = key_from_env("TalkPilot", "TP_KEY", None).unwrap_err();
        assert!(e.contains("TP_KEY is not set"), "{e}");
        let k = key_from_env("TalkPilot", "TP_KEY", Some(" k1 \n".into())).unwrap();
        assert_eq!(k.0, "k1");
    }

    #[tokio::test]
    async fn a_failing_command_s_error_output_is_not_repeated() {
        let cmd = format!("echo {CANARY} >&2; echo {CANARY}; exit 3");
        let e = key_from_command("TalkPilot", &cmd).await.unwrap_err();
        // The command itself is the user's own text; what it printed is not repeated.
        let said = e.replace(&cmd, "");
        assert!(!said.contains(CANARY), "{e}");
        assert!(
            e.contains("exit status: 3") && e.contains("run it in a shell"),
            "{e}"
        );
    }
}
