//! The Welkin token kept between runs, so a script that runs `callbrowser show` in a loop does not
//! spend Welkin's 100 token requests per 5 minutes. One file per host, tenant and client (and
//! token style) in the state folder's `tokens/`, readable by its owner only (0600, in a 0700
//! folder), written whole (a temporary file renamed) so two runs never read half a token, and
//! removed when the server refuses the token. A file that others could read, or that someone
//! else owns, is not trusted. The token is never logged.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Where the tokens of one host, tenant and client are kept.
#[derive(Clone)]
pub struct TokenCache {
    file: PathBuf,
    key: Key,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("file", &self.file)
            .finish()
    }
}

/// What a kept token is for: a token of another host, tenant, client or style is never used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Key {
    host: String,
    tenant: String,
    client: String,
    style: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    key: Key,
    token: String,
    /// Unix seconds.
    expires_at: u64,
}

/// FNV-1a, 64 bits: a stable file name for a key (the file holds the key itself to compare).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl TokenCache {
    /// The cache in `dir` (the state folder's `tokens/`) for the token of `client` in `tenant`
    /// at `base_url`, asked for in `style`.
    pub fn new(dir: &Path, base_url: &str, tenant: &str, client: &str, style: &str) -> TokenCache {
        let key = Key {
            host: base_url.trim_end_matches('/').to_string(),
            tenant: tenant.to_string(),
            client: client.to_string(),
            style: style.to_string(),
        };
        let name = format!(
            "{}\n{}\n{}\n{}",
            key.host, key.tenant, key.client, key.style
        );
        TokenCache {
            file: dir.join(format!("welkin-{:016x}.json", fnv1a(&name))),
            key,
        }
    }

    fn dir(&self) -> Option<&Path> {
        self.file.parent()
    }

    /// The kept token and how long it still lives, if there is one for this key that lives
    /// longer than `at_least`.
    pub fn load(&self, at_least: Duration) -> Option<(String, Duration)> {
        let text = read_private(&self.file)?;
        let stored: Stored = serde_json::from_str(&text).ok()?;
        if stored.key != self.key || stored.token.is_empty() {
            return None;
        }
        let left = Duration::from_secs(stored.expires_at.checked_sub(unix_now())?);
        (left > at_least).then_some((stored.token, left))
    }

    /// Keeps `token`, which lives `lifetime` from now (best effort: a cache that cannot be
    /// written costs a token request next time, nothing else). Expired tokens of other keys are
    /// removed on the way.
    pub fn save(&self, token: &str, lifetime: Duration) {
        let Some(dir) = self.dir() else { return };
        if create_private_dir(dir).is_err() {
            tracing::warn!(dir = %dir.display(), "cannot create the token folder");
            return;
        }
        let stored = Stored {
            key: self.key.clone(),
            token: token.to_string(),
            expires_at: unix_now().saturating_add(lifetime.as_secs()),
        };
        let Ok(text) = serde_json::to_string(&stored) else {
            return;
        };
        let tmp = dir.join(format!(".welkin-{}.tmp", std::process::id()));
        let written =
            write_private(&tmp, text.as_bytes()).and_then(|()| std::fs::rename(&tmp, &self.file));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!(file = %self.file.display(), "cannot keep the Welkin token: {e}");
        }
        prune(dir);
    }

    /// Forgets whatever token is kept (the credentials were refused).
    pub fn forget(&self) {
        let _ = std::fs::remove_file(&self.file);
    }

    /// Forgets `token` (the server refused it), unless another run already kept a newer one.
    pub fn discard(&self, token: &str) {
        let held = read_private(&self.file)
            .and_then(|t| serde_json::from_str::<Stored>(&t).ok())
            .is_some_and(|s| s.token == token);
        if held {
            let _ = std::fs::remove_file(&self.file);
        }
    }
}

/// Removes kept tokens that have expired (the demo's emulators listen on a new port each run).
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = unix_now();
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("welkin-") && name.ends_with(".json")) {
            continue;
        }
        let expired = read_private(&p)
            .and_then(|t| serde_json::from_str::<Stored>(&t).ok())
            .is_none_or(|s| s.expires_at <= now);
        if expired {
            let _ = std::fs::remove_file(&p);
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// The file's text if it is ours and nobody else may read or change it.
#[cfg(unix)]
fn read_private(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if !meta.is_file() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

#[cfg(not(unix))]
fn read_private(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_token_serves_only_its_own_key_and_only_while_it_lives() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        let cache = |tenant: &str| TokenCache::new(&tokens, "https://w/", tenant, "c", "current");
        let hour = Duration::from_secs(3600);
        cache("acme").save("tok-1", hour);
        let (t, left) = cache("acme").load(Duration::from_secs(60)).unwrap();
        assert_eq!(t, "tok-1");
        assert!(left <= hour && left > hour - Duration::from_secs(60));
        assert!(
            cache("other").load(Duration::ZERO).is_none(),
            "keyed by tenant"
        );
        assert!(
            cache("acme").load(2 * hour).is_none(),
            "one that ends too soon is not used"
        );
        // Private: 0600 in a 0700 folder; a file others may read is not trusted.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = &cache("acme").file;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(file), 0o600);
            assert_eq!(mode(&tokens), 0o700);
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(cache("acme").load(Duration::ZERO).is_none());
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        // A refused token is forgotten; a newer one another run kept is not.
        cache("acme").discard("tok-0");
        assert!(cache("acme").load(Duration::ZERO).is_some());
        cache("acme").discard("tok-1");
        assert!(cache("acme").load(Duration::ZERO).is_none());
        // Expired files of other keys go when a token is kept.
        cache("old").save("tok-old", Duration::ZERO);
        cache("acme").save("tok-2", hour);
        let names: Vec<String> = std::fs::read_dir(&tokens)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
