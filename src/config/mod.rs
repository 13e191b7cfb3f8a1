//! Configuration: one TOML file read over built-in defaults, with secrets from an environment
//! variable or a command. Errors quote the file, the line and what was expected.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::http::HttpLimits;
use crate::model::{ProviderKind, TimeZoneSetting};

mod numbers;
mod secrets;

pub use numbers::{NUMBER_RANGES, NumberRange};

pub const TEMPLATE: &str = include_str!("../../assets/config-template.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("config file {path}: {message}")]
    Invalid { path: String, message: String },
    #[error(
        "config file {path} holds a secret (api_key) but others can read it; run: chmod 600 {path}"
    )]
    Permissions { path: String },
    #[error("{0}")]
    Other(String),
}

/// A secret: never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub ui: UiConfig,
    pub http: HttpConfig,
    pub store: StoreConfig,
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
}

/// `[store]`: where the triage store lives. By default a SQLite file in the platform data
/// folder; with `url`, the team's PostgreSQL database (the file then keeps drafts, the last known
/// queue and the changes waiting while the database is out of reach).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    pub path: Option<PathBuf>,
    /// `postgres://user@host/db` (no password: that comes from `password_env` or
    /// `password_command`). TLS is required and verified unless `sslmode=disable` on loopback.
    pub url: Option<String>,
    pub password_env: Option<String>,
    pub password_command: Option<String>,
    /// A PEM file of the CA that signed the team database's certificate (else the public roots).
    pub ca_file: Option<PathBuf>,
    /// Who changes are recorded as (default: the OS user).
    pub user: Option<String>,
    /// How long a claim ("I'm calling back") lasts, in minutes (default 30).
    pub claim_minutes: Option<u32>,
}

impl StoreConfig {
    /// What is wrong with the `[store]` table, if anything (the password is never quoted).
    fn problem(&self) -> Option<String> {
        if self.password_env.is_some() && self.password_command.is_some() {
            return Some("[store]: give only one of password_env and password_command".into());
        }
        if self
            .password_env
            .as_deref()
            .is_some_and(|e| !secrets::is_env_name(e))
        {
            return Some(
                "[store]: password_env takes the name of an environment variable (letters, \
                 digits and _, such as CALLBROWSER_DB_PASSWORD), not the password itself"
                    .into(),
            );
        }
        if self.claim_minutes.is_some_and(|m| !(1..=1440).contains(&m)) {
            return Some("[store]: claim_minutes takes 1 to 1440 (minutes)".into());
        }
        if self.user.as_deref().is_some_and(|u| u.trim().is_empty()) {
            return Some(
                "[store]: user must not be empty (leave it out to use the OS user)".into(),
            );
        }
        let url = self.url.as_deref()?;
        match url::Url::parse(url) {
            Ok(u) if !matches!(u.scheme(), "postgres" | "postgresql") => Some(
                "[store]: url takes a PostgreSQL address, postgres://user@host/database".into(),
            ),
            Ok(u) if u.password().is_some() => Some(
                "[store]: the url holds a password; remove it from the file and give it with \
                 password_env or password_command"
                    .into(),
            ),
            Ok(_) => None,
            Err(_) => {
                Some("[store]: url is not a URL (expected postgres://user@host/database)".into())
            }
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    pub time_zone: TimeZoneSetting,
    /// The most calls one list holds (`G`, `list --all`): paging stops there with a sentence.
    #[serde(deserialize_with = "numbers::max_list_calls")]
    pub max_list_calls: usize,
    /// Privacy mode from the start (as `--redact`): names and numbers masked, transcripts hidden.
    pub privacy: bool,
    /// Privacy mode turns on by itself after this many seconds without a key press (0: never).
    #[serde(deserialize_with = "numbers::privacy_idle")]
    pub privacy_idle_secs: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    #[serde(deserialize_with = "numbers::connect_timeout")]
    pub connect_timeout_secs: u64,
    #[serde(deserialize_with = "numbers::read_timeout")]
    pub read_timeout_secs: u64,
    #[serde(deserialize_with = "numbers::request_timeout")]
    pub request_timeout_secs: u64,
    #[serde(deserialize_with = "numbers::max_retries")]
    pub max_retries: u32,
    #[serde(deserialize_with = "numbers::max_rate_limit_wait")]
    pub max_rate_limit_wait_secs: u64,
    #[serde(deserialize_with = "numbers::page_size")]
    pub page_size: u32,
}

/// The built-in defaults; `assets/config-template.toml` documents the same values.
impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            time_zone: TimeZoneSetting::Local,
            max_list_calls: crate::model::DEFAULT_MAX_LIST_CALLS,
            privacy: false,
            privacy_idle_secs: 0,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout_secs: 5,
            read_timeout_secs: 15,
            request_timeout_secs: 30,
            max_retries: 3,
            max_rate_limit_wait_secs: 90,
            page_size: 100,
        }
    }
}

impl HttpConfig {
    pub fn limits(&self) -> HttpLimits {
        HttpLimits {
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            read_timeout: Duration::from_secs(self.read_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            max_retries: self.max_retries,
            max_rate_limit_wait: Duration::from_secs(self.max_rate_limit_wait_secs),
            ..HttpLimits::default()
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum KindSetting {
    Welkin,
    Solum,
    Talkpilot,
    Voxeme,
    Allomia,
}

impl KindSetting {
    pub fn kind(&self) -> ProviderKind {
        match self {
            KindSetting::Welkin => ProviderKind::Welkin,
            KindSetting::Solum => ProviderKind::Solum,
            KindSetting::Talkpilot => ProviderKind::TalkPilot,
            KindSetting::Voxeme => ProviderKind::Voxeme,
            KindSetting::Allomia => ProviderKind::AlloMia,
        }
    }

    /// The vendor's public base URL, where there is one for everybody.
    pub fn default_base_url(&self) -> Option<&'static str> {
        match self {
            KindSetting::Welkin => Some("https://api.welkinhealth.com"),
            KindSetting::Solum => Some("https://api.getsolum.com"),
            KindSetting::Allomia => Some("https://allomia.com"),
            KindSetting::Talkpilot | KindSetting::Voxeme => None,
        }
    }

    /// The key that pins this kind's parent level (`agent`, `patient`, …).
    fn pin_key(&self) -> Option<&'static str> {
        match self {
            KindSetting::Welkin => Some("patient"),
            KindSetting::Solum => None,
            KindSetting::Talkpilot => Some("agent"),
            KindSetting::Voxeme => Some("account"),
            KindSetting::Allomia => Some("organization"),
        }
    }
}

/// How a Welkin client gets its token (welkin.md: two documented styles).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WelkinAuthSetting {
    /// `POST {base}/auth/token` with the client key and secret (the current guide).
    #[default]
    Current,
    /// `POST {base}/{tenant}/admin/api_clients/{client}` with the secret (the V8 API).
    V8,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    pub name: toml::Spanned<String>,
    pub kind: KindSetting,
    pub label: Option<String>,
    /// Optional where the vendor has one public host (Welkin, Solum, AlloMia).
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub api_key_command: Option<String>,
    pub api_key: Option<String>,
    /// TalkPilot: a pinned agent id.
    pub agent: Option<String>,
    /// Welkin: a pinned patient id.
    pub patient: Option<String>,
    /// Voxeme: a pinned account sid.
    pub account: Option<String>,
    /// AlloMia: the organization id (needed with an organization key).
    pub organization: Option<String>,
    /// Welkin: the tenant (organization id, e.g. `acme-health`).
    pub tenant: Option<String>,
    /// Welkin: the instance (environment, e.g. `live`).
    pub instance: Option<String>,
    /// Welkin: the API client's key (`current`) or name (`v8`); the secret comes from api_key_*.
    pub client: Option<String>,
    /// Welkin: `current` (default) or `v8`.
    pub auth_style: Option<WelkinAuthSetting>,
}

impl ProviderConfig {
    pub fn label(&self) -> String {
        self.label
            .clone()
            .unwrap_or_else(|| self.kind.kind().label().to_string())
    }

    /// The configured base URL, or the vendor's public one.
    pub fn base_url(&self) -> String {
        self.base_url
            .clone()
            .or_else(|| self.kind.default_base_url().map(str::to_string))
            .unwrap_or_default()
    }

    /// The pinned parent's id, whichever key this kind uses for it.
    pub fn pinned(&self) -> Option<&str> {
        match self.kind {
            KindSetting::Welkin => self.patient.as_deref(),
            KindSetting::Solum => None,
            KindSetting::Talkpilot => self.agent.as_deref(),
            KindSetting::Voxeme => self.account.as_deref(),
            KindSetting::Allomia => self.organization.as_deref(),
        }
    }

    /// Keys set in this block that its kind does not use, and keys it needs but lacks.
    fn kind_problems(&self) -> Option<String> {
        let kind = &self.kind;
        let name = self.name.get_ref();
        let kind_name = format!("{kind:?}").to_lowercase();
        let pins = [
            ("agent", &self.agent),
            ("patient", &self.patient),
            ("account", &self.account),
            ("organization", &self.organization),
        ];
        for (key, value) in pins {
            if value.is_some() && kind.pin_key() != Some(key) {
                let instead = match kind.pin_key() {
                    Some(k) => format!("; a {kind_name} provider pins its parent with `{k}`"),
                    None => format!("; a {kind_name} provider has no parent level to pin"),
                };
                return Some(format!(
                    "provider '{name}': `{key}` does not apply{instead}"
                ));
            }
        }
        let welkin_only = [
            ("tenant", self.tenant.is_some()),
            ("instance", self.instance.is_some()),
            ("client", self.client.is_some()),
            ("auth_style", self.auth_style.is_some()),
        ];
        if *kind == KindSetting::Welkin {
            for (key, set) in &welkin_only[..3] {
                if !set {
                    return Some(format!(
                        "provider '{name}' (welkin) needs `{key}` (tenant = \"acme-health\", \
                         instance = \"live\", client = \"<API client key or name>\")"
                    ));
                }
            }
        } else if let Some((key, _)) = welkin_only.iter().find(|(_, set)| *set) {
            return Some(format!(
                "provider '{name}': `{key}` applies to kind welkin only"
            ));
        }
        if self.base_url.is_none() && kind.default_base_url().is_none() {
            return Some(format!(
                "provider '{name}' ({kind_name}) needs base_url (the address of your deployment)"
            ));
        }
        None
    }
}

/// Where things live on this platform.
pub struct Dirs {
    pub config_file: PathBuf,
    pub state_dir: PathBuf,
}

pub fn dirs() -> Dirs {
    match directories::ProjectDirs::from("", "", "callbrowser") {
        Some(p) => Dirs {
            config_file: p.config_dir().join("config.toml"),
            state_dir: p.state_dir().unwrap_or(p.data_local_dir()).to_path_buf(),
        },
        None => Dirs {
            config_file: PathBuf::from("callbrowser.toml"),
            state_dir: std::env::temp_dir().join("callbrowser"),
        },
    }
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())].matches('\n').count() + 1
}

impl Config {
    /// The built-in defaults alone (the demo, and the base for every file).
    pub fn defaults() -> Config {
        Config::default()
    }

    /// Parses a config text over the built-in defaults; `path` is only for messages. Errors
    /// carry the line and what was expected.
    pub fn parse_str(src: &str, path: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(src).map_err(|e| ConfigError::Invalid {
            path: path.to_string(),
            message: secrets::describe_toml_error(src, &e),
        })?;
        cfg.validate(src, path)?;
        Ok(cfg)
    }

    fn validate(&self, src: &str, path: &str) -> Result<(), ConfigError> {
        if let Some(message) = self.store.problem() {
            return Err(ConfigError::Invalid {
                path: path.to_string(),
                message: secrets::mask(src, &message),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.providers {
            let name = p.name.get_ref();
            let line = line_of(src, src.find(&format!("\"{name}\"")).unwrap_or(0));
            let invalid = |message: String| ConfigError::Invalid {
                path: path.to_string(),
                message: format!("line {line}: {message}"),
            };
            if name.trim().is_empty() {
                return Err(invalid("provider name must not be empty".into()));
            }
            if !seen.insert(name.clone()) {
                return Err(invalid(format!(
                    "provider name '{name}' is used twice; each [[providers]] needs its own name"
                )));
            }
            let sources = [&p.api_key_env, &p.api_key_command, &p.api_key]
                .iter()
                .filter(|s| s.is_some())
                .count();
            if sources == 0 {
                return Err(invalid(format!(
                    "provider '{name}' needs api_key_env = \"VAR\" or api_key_command = \"…\""
                )));
            }
            if sources > 1 {
                return Err(invalid(format!(
                    "provider '{name}': give only one of api_key_env, api_key_command, api_key"
                )));
            }
            // Not quoted: a key put here by mistake must not be printed.
            if p.api_key_env
                .as_deref()
                .is_some_and(|e| !secrets::is_env_name(e))
            {
                return Err(invalid(format!(
                    "provider '{name}': api_key_env takes the name of an environment variable \
                     (letters, digits and _, such as TP_KEY), not the key itself"
                )));
            }
            if let Some(problem) = p.kind_problems() {
                return Err(invalid(problem));
            }
            if url::Url::parse(&p.base_url()).is_err() {
                return Err(invalid(format!(
                    "provider '{name}': base_url {:?} is not a URL (expected https://…)",
                    p.base_url()
                )));
            }
        }
        Ok(())
    }

    /// Loads a file. A file holding a secret must not be readable by group or others.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let src = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: shown.clone(),
            cause: e.to_string(),
        })?;
        let cfg = Config::parse_str(&src, &shown)?;
        if cfg.providers.iter().any(|p| p.api_key.is_some()) && readable_by_others(path) {
            return Err(ConfigError::Permissions { path: shown });
        }
        Ok(cfg)
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> bool {
    false
}

/// Writes the commented template; refuses to overwrite an existing file.
pub fn write_template(path: &Path) -> Result<(), ConfigError> {
    let shown = path.display().to_string();
    if path.exists() {
        return Err(ConfigError::Other(format!(
            "{shown} exists already; remove it first or pass --config with another path"
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| ConfigError::Read {
            path: dir.display().to_string(),
            cause: e.to_string(),
        })?;
    }
    std::fs::write(path, TEMPLATE).map_err(|e| ConfigError::Read {
        path: shown.clone(),
        cause: e.to_string(),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_template_parse() {
        let d = Config::defaults();
        assert_eq!(d.http.page_size, 100);
        assert!(Config::parse_str(TEMPLATE, "t").is_ok());
    }

    #[test]
    fn the_store_table_is_checked_without_repeating_a_password() {
        let ok = "[store]\nurl = \"postgres://anna@db.example.org/triage\"\npassword_env = \"DB_PW\"\nuser = \"anna\"\nclaim_minutes = 45\n";
        let c = Config::parse_str(ok, "c.toml").unwrap();
        assert_eq!(c.store.claim_minutes, Some(45));
        for (src, said) in [
            (
                "url = \"postgres://anna:hunter2-CANARY@db/t\"",
                "password_env or password_command",
            ),
            ("url = \"mysql://anna@db/t\"", "PostgreSQL address"),
            ("url = \"not a url\"", "is not a URL"),
            ("claim_minutes = 0", "1 to 1440"),
            (
                "password_env = \"A\"\npassword_command = \"b\"",
                "only one of",
            ),
            (
                "password_env = \"hunter2-CANARY!\"",
                "name of an environment variable",
            ),
            ("user = \" \"", "must not be empty"),
        ] {
            let e = Config::parse_str(&format!("[store]\n{src}\n"), "c.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(said) && !e.contains("CANARY"), "{src}: {e}");
        }
    }

    #[test]
    fn user_values_override_defaults() {
        let c = Config::parse_str("[http]\nmax_retries = 1\n", "f").unwrap();
        assert_eq!(c.ui.time_zone, TimeZoneSetting::Local);
        assert_eq!(c.http.max_retries, 1);
        assert_eq!(c.http.connect_timeout_secs, 5);
    }

    #[test]
    fn errors_quote_file_line_and_expectation() {
        let src = "[ui]\ntime_zone = \"utc\"\n\n[[providers]]\nname = \"tp\"\nkind = \"talkpliot\"\nbase_url = \"http://x\"\napi_key_env = \"K\"\n";
        let e = Config::parse_str(src, "/home/u/c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("/home/u/c.toml"), "{e}");
        assert!(e.contains("line 6"), "{e}");
        assert!(e.contains("talkpilot"), "{e}");

        let src = "[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\n";
        let e = Config::parse_str(src, "c.toml").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("api_key_env"), "{e}");

        let e = Config::parse_str("[ui]\ntime_zone = 3\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn every_kind_parses_with_its_own_keys() {
        let src = r#"
[[providers]]
name = "w"
kind = "welkin"
tenant = "acme-health"
instance = "live"
client = "cb-client"
auth_style = "v8"
patient = "p1"
api_key_env = "WELKIN_SECRET"

[[providers]]
name = "s"
kind = "solum"
api_key_env = "SOLUM_KEY"

[[providers]]
name = "v"
kind = "voxeme"
base_url = "https://voice.example.com"
account = "5f8e8f60-4771-44cb-92a6-94ea66df0450"
api_key_env = "VOXEME_KEY"

[[providers]]
name = "a"
kind = "allomia"
organization = "a1b2"
api_key_env = "ALLOMIA_KEY"
"#;
        let c = Config::parse_str(src, "c").unwrap();
        assert_eq!(c.providers.len(), 4);
        assert_eq!(c.providers[0].auth_style, Some(WelkinAuthSetting::V8));
        assert_eq!(c.providers[0].pinned(), Some("p1"));
        assert_eq!(c.providers[1].base_url(), "https://api.getsolum.com");
        assert_eq!(c.providers[3].pinned(), Some("a1b2"));
        assert_eq!(c.providers[3].label(), "AlloMia");
    }

    #[test]
    fn keys_of_another_kind_and_missing_ones_are_named() {
        let e = Config::parse_str(
            "[[providers]]\nname = \"s\"\nkind = \"solum\"\nagent = \"x\"\napi_key_env = \"K\"\n",
            "c",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("`agent` does not apply") && e.contains("no parent level"),
            "{e}"
        );
        let e = Config::parse_str(
            "[[providers]]\nname = \"w\"\nkind = \"welkin\"\ntenant = \"t\"\napi_key_env = \"K\"\n",
            "c",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 2") && e.contains("needs `instance`"),
            "{e}"
        );
        let e = Config::parse_str(
            "[[providers]]\nname = \"v\"\nkind = \"voxeme\"\napi_key_env = \"K\"\n",
            "c",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("needs base_url"), "{e}");
    }

    #[test]
    fn duplicate_names_are_refused() {
        let block = "[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\napi_key_env = \"K\"\n";
        let e = Config::parse_str(&format!("{block}{block}"), "c.toml").unwrap_err();
        assert!(e.to_string().contains("used twice"));
    }

    #[test]
    fn secrets_in_readable_files_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "[[providers]]\nname = \"tp\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\napi_key = \"s\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load(&p).is_ok());
    }

    #[tokio::test]
    async fn keys_from_env_and_command() {
        let src = "[[providers]]\nname = \"a\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\napi_key_command = \"echo tp_live_x\"\n";
        let c = Config::parse_str(src, "c").unwrap();
        assert_eq!(c.providers[0].resolve_key().await.unwrap().0, "tp_live_x");
        let src = "[[providers]]\nname = \"a\"\nkind = \"talkpilot\"\nbase_url = \"http://x\"\napi_key_env = \"CALLBROWSER_TEST_UNSET_VAR\"\n";
        let c = Config::parse_str(src, "c").unwrap();
        let e = c.providers[0].resolve_key().await.unwrap_err();
        assert!(e.contains("CALLBROWSER_TEST_UNSET_VAR is not set"), "{e}");
    }
}
