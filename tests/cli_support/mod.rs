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

/// What a fake TalkPilot server answers for page `page` of `limit` calls: the calls and the
/// page count it claims.
pub type Pages = dyn Fn(u32, u32) -> (Vec<serde_json::Value>, u64) + Send + Sync;

/// A TalkPilot call record.
pub fn tp_call(id: &str, name: &str, duration: u32) -> serde_json::Value {
    serde_json::json!({
        "id": id, "customer_name": name, "phone_number": "+4930123456", "duration": duration,
        "done": false, "created_at": "2026-03-19T10:30:00Z", "call_summary": "s"
    })
}

/// A fake TalkPilot API whose calls pages come from `pages` (every agent alike); answers the
/// agents list with one agent. Returns its base URL and a count of the calls pages asked for.
pub async fn fake_talkpilot(
    pages: std::sync::Arc<Pages>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::extract::{Query, Request, State};
    use axum::response::IntoResponse;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    type St = (std::sync::Arc<Pages>, std::sync::Arc<AtomicUsize>);
    async fn any(
        State((pages, asked)): State<St>,
        Query(q): Query<HashMap<String, String>>,
        req: Request,
    ) -> axum::response::Response {
        let num = |k: &str, d: u32| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let (page, limit) = (num("page", 1), num("limit", 20));
        let body = if req.uri().path().ends_with("/calls") {
            asked.fetch_add(1, Ordering::SeqCst);
            let (data, claimed) = pages(page, limit);
            serde_json::json!({"data": data, "pagination":
                {"page": page, "limit": limit, "total": claimed * u64::from(limit), "pages": claimed}})
        } else {
            serde_json::json!({"data": [{"id": "agent-1", "name": "Bot"}],
                "pagination": {"page": 1, "limit": limit, "total": 1, "pages": 1}})
        };
        axum::Json(body).into_response()
    }
    let asked = std::sync::Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .fallback(any)
        .with_state((pages, asked.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), asked)
}
