//! Turns configuration into provider adapters. A provider that cannot be set up (its key is
//! missing, say) is kept with the reason, so the others still work and the sidebar says why.

use std::sync::Arc;

use crate::config::{Config, KindSetting, ProviderConfig};
use crate::http::{HttpClient, Notifier};
use crate::model::Scope;
use crate::providers::Provider;
use crate::providers::talkpilot::{TalkPilot, TalkPilotSettings};

/// One configured provider: its name, label, and the adapter or why there is none.
pub struct Built {
    pub name: String,
    pub label: String,
    pub provider: Result<Arc<dyn Provider>, String>,
}

async fn build_one(
    cfg: &Config,
    p: &ProviderConfig,
    notifier: Option<Notifier>,
) -> Result<Arc<dyn Provider>, String> {
    let key = p.resolve_key().await?;
    let limits = cfg.http.limits();
    let mut api = HttpClient::new(limits.clone()).map_err(|e| e.to_string())?;
    if let Some(n) = notifier {
        api = api.with_notifier(n);
    }
    let storage = HttpClient::without_credentials(limits).map_err(|e| e.to_string())?;
    Ok(match p.kind {
        KindSetting::Talkpilot => Arc::new(TalkPilot::new(
            TalkPilotSettings {
                name: p.name.get_ref().clone(),
                label: p.label(),
                base_url: p.base_url(),
                api_key: key.0,
                key_hint: p.key_hint(),
                agent: p.pinned().map(|id| Scope {
                    id: id.to_string(),
                    name: format!("agent {id}"),
                    detail: None,
                }),
            },
            api,
            storage,
        )),
        _ => return Err(format!("{}: not wired yet", p.label())),
    })
}

/// Builds every configured provider; `notifier_for(i)` gives provider `i`'s HTTP notifier.
pub async fn build_providers(
    cfg: &Config,
    notifier_for: Option<&dyn Fn(usize) -> Notifier>,
) -> Vec<Built> {
    let mut out = Vec::new();
    for (i, p) in cfg.providers.iter().enumerate() {
        let notifier = notifier_for.map(|f| f(i));
        out.push(Built {
            name: p.name.get_ref().clone(),
            label: p.label(),
            provider: build_one(cfg, p, notifier).await,
        });
    }
    out
}
