//! Turns configuration into provider adapters. A provider that cannot be set up (its key is
//! missing, say) is kept with the reason, so the others still work and the sidebar says why.

use std::sync::Arc;

use crate::config::{Config, KindSetting, ProviderConfig, WelkinAuthSetting};
use crate::http::{HttpClient, Notifier};
use crate::model::{Account, ProviderId, ProviderInfo, Scope};
use crate::providers::Provider;
use crate::providers::allomia::{AlloMia, AlloMiaSettings};
use crate::providers::solum::{Solum, SolumSettings};
use crate::providers::talkpilot::{TalkPilot, TalkPilotSettings};
use crate::providers::voxeme::{Voxeme, VoxemeSettings};
use crate::providers::welkin::{Welkin, WelkinAuthStyle, WelkinSettings};

/// One configured provider: its description, and the adapter or why there is none.
pub struct Built {
    pub info: ProviderInfo,
    pub provider: Result<Arc<dyn Provider>, String>,
}

impl Built {
    pub fn name(&self) -> &str {
        &self.info.name
    }
}

/// What the configuration alone says of provider `id` (for one that could not be set up).
fn configured_info(id: ProviderId, p: &ProviderConfig) -> ProviderInfo {
    let kind = p.kind.kind();
    let base_url = p.base_url();
    let account = match p.kind {
        KindSetting::Welkin => Some(format!(
            "{}/{}",
            p.tenant.as_deref().unwrap_or_default(),
            p.instance.as_deref().unwrap_or_default()
        )),
        _ => p.pinned().map(str::to_string),
    };
    ProviderInfo {
        id,
        name: p.name.get_ref().clone(),
        label: p.label(),
        kind,
        capabilities: crate::providers::capabilities_of(kind),
        pinned_scope: pinned(p),
        account: Account::new(kind, &base_url, account.as_deref()),
    }
}

/// A parent pinned by configuration, known by its id until the server says more.
fn pinned(p: &ProviderConfig) -> Option<Scope> {
    p.pinned().map(|id| Scope {
        id: id.to_string(),
        name: id.to_string(),
        detail: None,
    })
}

async fn build_one(
    cfg: &Config,
    p: &ProviderConfig,
    notifier: Option<Notifier>,
) -> Result<Arc<dyn Provider>, String> {
    let key = p.resolve_key().await?.0;
    let limits = cfg.http.limits();
    let mut api = HttpClient::new(limits.clone()).map_err(|e| e.to_string())?;
    if let Some(n) = notifier {
        api = api.with_notifier(n);
    }
    let storage = HttpClient::without_credentials(limits).map_err(|e| e.to_string())?;
    let name = p.name.get_ref().clone();
    let (label, base_url, key_hint) = (p.label(), p.base_url(), p.key_hint());
    Ok(match p.kind {
        KindSetting::Talkpilot => Arc::new(TalkPilot::new(
            TalkPilotSettings {
                name,
                label,
                base_url,
                api_key: key,
                key_hint,
                agent: pinned(p),
            },
            api,
            storage,
        )),
        KindSetting::Welkin => Arc::new(
            Welkin::new(
                WelkinSettings {
                    name,
                    label,
                    base_url,
                    tenant: p.tenant.clone().unwrap_or_default(),
                    instance: p.instance.clone().unwrap_or_default(),
                    auth_style: match p.auth_style.unwrap_or_default() {
                        WelkinAuthSetting::Current => WelkinAuthStyle::Current,
                        WelkinAuthSetting::V8 => WelkinAuthStyle::V8,
                    },
                    client: p.client.clone().unwrap_or_default(),
                    secret: key,
                    key_hint,
                    patient: pinned(p),
                },
                api,
                storage,
            )
            // Kept between runs: a script looping over `show` asks for one token, not one each.
            .with_token_cache(&crate::config::dirs().state_dir.join("tokens")),
        ),
        KindSetting::Solum => Arc::new(Solum::new(
            SolumSettings {
                name,
                label,
                base_url,
                api_key: key,
                key_hint,
            },
            api,
            storage,
        )),
        KindSetting::Voxeme => Arc::new(Voxeme::new(
            VoxemeSettings {
                name,
                label,
                base_url,
                api_key: key,
                key_hint,
                account: pinned(p),
            },
            api,
            storage,
        )),
        KindSetting::Allomia => Arc::new(AlloMia::new(
            AlloMiaSettings {
                name,
                label,
                base_url,
                api_key: key,
                key_hint,
                organization: pinned(p),
            },
            api,
            storage,
        )),
    })
}

/// Builds configured provider `index` (its key resolved, its adapter made, or why not).
pub async fn build(cfg: &Config, index: usize, notifier: Option<Notifier>) -> Option<Built> {
    let p = cfg.providers.get(index)?;
    let id = ProviderId::new(index);
    // Every request keeps inside the vendor's documented rate limits.
    let provider = build_one(cfg, p, notifier)
        .await
        .map(crate::providers::paced::Paced::wrap);
    let info = match &provider {
        Ok(adapter) => crate::providers::describe(id, adapter.as_ref()),
        Err(_) => configured_info(id, p),
    };
    Some(Built { info, provider })
}

/// Builds every configured provider, in configuration order; `notifier_for(id)` gives provider
/// `id`'s HTTP notifier. Keys are resolved all at once: a slow `api_key_command` holds up its
/// own provider only.
pub async fn build_providers(
    cfg: &Config,
    notifier_for: Option<&dyn Fn(ProviderId) -> Notifier>,
) -> Vec<Built> {
    let builds = (0..cfg.providers.len()).map(|i| {
        let notifier = notifier_for.map(|f| f(ProviderId::new(i)));
        build(cfg, i, notifier)
    });
    futures_util::future::join_all(builds)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// The index of the provider named `name` (the first one without a name), or a sentence naming
/// the configured ones. Nothing is built: no key is read.
pub fn find(cfg: &Config, name: Option<&str>) -> Result<usize, String> {
    let names: Vec<String> = cfg
        .providers
        .iter()
        .map(|p| crate::display::sanitize(p.name.get_ref()).into_owned())
        .collect();
    if names.is_empty() {
        return Err(
            "no providers are configured: add a [[providers]] block (callbrowser config init \
             writes a template)"
                .into(),
        );
    }
    let Some(name) = name else { return Ok(0) };
    cfg.providers
        .iter()
        .position(|p| p.name.get_ref() == name)
        .ok_or_else(|| {
            format!(
                "no provider named '{}'; configured: {}",
                crate::display::sanitize(name),
                names.join(", ")
            )
        })
}
