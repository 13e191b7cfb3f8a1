//! `callbrowser providers`: each provider's key and reachability, like `gh auth status`.

use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;

use super::out::Out;
use super::{Format, ProvidersArgs, exit};
use crate::config::Config;
use crate::display::sanitize;

/// The longest one provider's check may take, its key command included.
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);

/// One line per provider: who it is, where, and whether it answers.
#[derive(serde::Serialize)]
struct ProviderCheck {
    name: String,
    kind: &'static str,
    label: String,
    host: String,
    ok: bool,
    /// What was checked ("3 agents visible"), or why it failed and what to do.
    message: String,
}

/// `host[:port]` of a base URL, for the line (empty when it is not a URL).
fn host_of(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_default()
}

/// Builds provider `index` (reads its key) and checks it.
async fn check_one(cfg: &Config, index: usize) -> Option<ProviderCheck> {
    let pc = cfg.providers.get(index)?;
    let label = pc.label();
    let checked = tokio::time::timeout(CHECK_TIMEOUT, async {
        let built = crate::setup::build(cfg, index, None).await?;
        Some(match built.provider {
            Err(e) => (false, e),
            Ok(p) => match p.check().await {
                Ok(line) => (true, line),
                Err(e) => (false, e.to_string()),
            },
        })
    })
    .await;
    let (ok, message) = match checked {
        Ok(Some(result)) => result,
        Ok(None) => return None,
        Err(_) => (
            false,
            format!("{label}: no answer within {} s", CHECK_TIMEOUT.as_secs()),
        ),
    };
    Some(ProviderCheck {
        name: sanitize(pc.name.get_ref()).into_owned(),
        kind: pc.kind.kind().label(),
        label: sanitize(&label).into_owned(),
        host: sanitize(&host_of(&pc.base_url())).into_owned(),
        ok,
        message: sanitize(&message).into_owned(),
    })
}

/// Every provider is checked at once; each is printed as soon as it and those configured before
/// it are known (a provider that hangs holds up only the lines after it).
pub(super) async fn providers(cfg: &Config, args: ProvidersArgs) -> anyhow::Result<ExitCode> {
    if cfg.providers.is_empty() {
        anyhow::bail!(
            "no providers are configured: add a [[providers]] block (callbrowser config init writes a template)"
        );
    }
    let mut checks: FuturesOrdered<_> = (0..cfg.providers.len())
        .map(|i| check_one(cfg, i))
        .collect();
    let mut out = Out::new();
    let (mut total, mut failed) = (0usize, 0usize);
    while let Some(r) = checks.next().await {
        let Some(r) = r else { continue };
        match args.format {
            Format::Json => {
                let item = serde_json::to_string_pretty(&r)?.replace('\n', "\n  ");
                let open = if total == 0 { "[\n  " } else { ",\n  " };
                out.text(&format!("{open}{item}"))?;
            }
            Format::Table => {
                let mark = if r.ok { "✓" } else { "✗" };
                out.line(format!("{mark} {} ({}) · {}", r.name, r.kind, r.host))?;
                out.line(format!("    {}", r.message))?;
            }
        }
        out.flush()?;
        total += 1;
        failed += usize::from(!r.ok);
    }
    match args.format {
        Format::Json => out.text("\n]\n")?,
        Format::Table if failed > 0 => {
            out.line(format!("\n{failed} of {total} provider(s) failed"))?;
        }
        Format::Table => {}
    }
    out.flush()?;
    Ok(ExitCode::from(if failed == 0 {
        exit::OK
    } else {
        exit::FAILED
    }))
}
