//! Connecting to the team database: the address checked and stripped of what tokio-postgres does
//! not take, TLS required and verified by default (rustls with Mozilla's roots, or the CA file
//! given), `sslmode=disable` only towards this machine (loopback or a Unix socket), every step
//! under a timeout, and every failure one sentence that names the host but never the password.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{StoreError, TeamDb};

/// How long opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one query or transaction may take.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// `url` with its password (if any) replaced by `***`: the only way an address is shown.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(the configured address)".into(),
    }
}

/// A connection's settings, ready to connect as often as needed.
#[derive(Clone)]
pub struct Prepared {
    pub config: tokio_postgres::Config,
    pub tls: MakeRustlsConnect,
    /// `host:port/db`, for messages.
    pub label: String,
}

fn bad(message: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("[store] url: {message}"))
}

fn is_local(host: &Host) -> bool {
    match host {
        #[cfg(unix)]
        Host::Unix(_) => true,
        Host::Tcp(h) => {
            h == "localhost"
                || h.trim_matches(['[', ']'])
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
    }
}

/// Reads the address: `sslmode` (default `require`, which is verified; `verify-ca` and
/// `verify-full` mean the same here; `disable` only for this machine) and `sslrootcert` are
/// taken out before tokio-postgres reads the rest.
pub fn prepare(team: &TeamDb, password: Option<String>) -> Result<Prepared, StoreError> {
    let mut url = url::Url::parse(&team.url).map_err(|_| bad("it is not a URL"))?;
    let mut mode = None;
    let mut root: Option<PathBuf> = team.ca_file.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| match k.as_ref() {
            "sslmode" => {
                mode = Some(v.into_owned());
                None
            }
            "sslrootcert" => {
                root = Some(PathBuf::from(v.as_ref()));
                None
            }
            _ => Some((k.into_owned(), v.into_owned())),
        })
        .collect();
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept);
    }
    let mut config: tokio_postgres::Config = url.as_str().parse().map_err(bad)?;
    if config.get_hosts().is_empty() {
        return Err(bad("it names no host (postgres://user@host/database)"));
    }
    let ssl = match mode.as_deref() {
        None | Some("require" | "verify-ca" | "verify-full" | "prefer" | "allow") => {
            SslMode::Require
        }
        Some("disable") if config.get_hosts().iter().all(is_local) => SslMode::Disable,
        Some("disable") => {
            return Err(bad(
                "sslmode=disable would send the team's notes unencrypted over the network; \
                 it is allowed only for this machine (localhost or a Unix socket)",
            ));
        }
        Some(other) => return Err(bad(format!("sslmode={other} is not one PostgreSQL knows"))),
    };
    config
        .ssl_mode(ssl)
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives_idle(Duration::from_secs(30))
        .application_name("callbrowser");
    if let Some(p) = password {
        config.password(p);
    }
    let label = label(&config);
    let tls = MakeRustlsConnect::new(tls_config(root.as_deref())?);
    Ok(Prepared { config, tls, label })
}

fn label(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "?".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{host}:{port}/{}",
        config
            .get_dbname()
            .unwrap_or(config.get_user().unwrap_or(""))
    )
}

/// rustls with ring (the provider the HTTP client builds too), Mozilla's roots plus `ca`.
fn tls_config(ca: Option<&Path>) -> Result<rustls::ClientConfig, StoreError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca {
        use rustls_pki_types::pem::PemObject;
        let unreadable = |e: &dyn std::fmt::Display| {
            StoreError::Config(format!(
                "the team database's CA file {} cannot be read ({e}): give a PEM certificate",
                path.display()
            ))
        };
        let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
            .map_err(|e| unreadable(&e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| unreadable(&e))?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(unreadable(&"no certificate in it"));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Other(format!("TLS cannot be set up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Whether a server error means the server went away (shutdown, restart, starting up).
fn is_gone(code: &SqlState) -> bool {
    code.code().starts_with("08")
        || [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(code)
}

/// A tokio-postgres error as one of the store's sentences.
pub fn map_error(e: &tokio_postgres::Error, host: &str) -> StoreError {
    tracing::warn!("team database {host}: {e}");
    let host = host.to_string();
    if let Some(db) = e.as_db_error() {
        if is_gone(db.code()) {
            return StoreError::Unreachable {
                host,
                cause: db.message().to_string(),
            };
        }
        let cause = match db.code() {
            c if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                format!("{} (check the user in url and the password)", db.message())
            }
            c if *c == SqlState::INSUFFICIENT_PRIVILEGE => format!(
                "{} (the database user needs the rights in the README's team set-up)",
                db.message()
            ),
            _ => db.message().to_string(),
        };
        return StoreError::Refused { host, cause };
    }
    let text = e.to_string();
    let source = std::error::Error::source(e).map(|s| s.to_string());
    let cause = match source {
        Some(s) if !text.contains(&s) => format!("{text}: {s}"),
        _ => text,
    };
    // TLS and authentication problems do not go away by waiting.
    let lower = cause.to_lowercase();
    if lower.contains("certificate") {
        // This side refused the server's certificate: say what to do about it.
        let cause = format!(
            "{cause} (its certificate is not trusted for this address: set [store] ca_file to the CA that signed it, and use the host name the certificate names)"
        );
        return StoreError::Refused { host, cause };
    }
    if lower.contains("tls") || lower.contains("password") {
        return StoreError::Refused { host, cause };
    }
    StoreError::Unreachable { host, cause }
}

/// `fut` under `limit`; past it, the team database is unreachable.
pub async fn timed<T>(
    limit: Duration,
    host: &str,
    fut: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(map_error(&e, host)),
        Err(_) => Err(StoreError::Unreachable {
            host: host.to_string(),
            cause: format!("no answer within {} s", limit.as_secs()),
        }),
    }
}
