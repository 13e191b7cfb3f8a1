//! `callbrowser show ID`: one call with its transcript and every field.

use std::process::ExitCode;

use std::sync::Arc;

use super::out::{Out, note};
use super::{Format, ShowArgs, exit};
use crate::config::Config;
use crate::model::{CallDetail, PageRequest, TimeZoneSetting};
use crate::output::{ShowOut, detail_text};
use crate::providers::{Provider, ProviderError};

pub(super) async fn show(
    cfg: &Config,
    args: ShowArgs,
    tz: TimeZoneSetting,
) -> anyhow::Result<ExitCode> {
    let (p, d) = if args.provider.is_none() && cfg.providers.len() > 1 {
        find_anywhere(cfg, &args).await?
    } else {
        let p = super::provider(cfg, args.provider.as_deref()).await?;
        let (_, d) = find_call(p.as_ref(), args.scope.as_deref(), &args.id).await?;
        (p, d)
    };
    let mut out = Out::new();
    match args.format {
        Format::Json => out.json(&ShowOut::new(p.name(), &d))?,
        Format::Table => out.text(&detail_text(&d, tz))?,
    }
    out.flush()?;
    Ok(ExitCode::from(exit::OK))
}

/// Without `--provider`: every configured provider is asked at once; the call is shown when
/// exactly one has it (stderr says which), and it is an error that names them when several do.
async fn find_anywhere(
    cfg: &Config,
    args: &ShowArgs,
) -> anyhow::Result<(Arc<dyn Provider>, CallDetail)> {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..cfg.providers.len() {
        let (cfg, id, scope) = (cfg.clone(), args.id.clone(), args.scope.clone());
        set.spawn(async move {
            let built = crate::setup::build(&cfg, i, None).await;
            let p = match built.map(|b| (b.info.label.clone(), b.provider)) {
                Some((_, Ok(p))) => p,
                Some((label, Err(why))) => return (i, Err(format!("{label}: {why}"))),
                None => return (i, Err(format!("no provider {i}"))),
            };
            let found = find_call(p.as_ref(), scope.as_deref(), &id).await;
            (i, found.map(|(_, d)| (p, d)).map_err(|e| e.to_string()))
        });
    }
    let mut found: Vec<(usize, Arc<dyn Provider>, CallDetail)> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((i, Ok((p, d)))) => found.push((i, p, d)),
            Ok((_, Err(why))) => failed.push(why),
            Err(e) => failed.push(e.to_string()),
        }
    }
    found.sort_by_key(|(i, _, _)| *i);
    let id = crate::display::sanitize(&args.id);
    match found.len() {
        0 => anyhow::bail!(
            "no provider has call {id} (asked all {}: {})",
            cfg.providers.len(),
            failed.join("; ")
        ),
        1 => {
            let (_, p, d) = found.remove(0);
            note(format!("found at {}", p.name()));
            Ok((p, d))
        }
        _ => {
            let names: Vec<String> = found.iter().map(|(_, p, _)| p.name().to_string()).collect();
            anyhow::bail!(
                "call {id} was found at {}: pass --provider to choose",
                names.join(" and ")
            )
        }
    }
}

/// Call `id` of `p` and the scope it was found under: `scope` when given, the pinned one, else
/// each of the provider's scopes in turn.
pub(super) async fn find_call(
    p: &dyn Provider,
    scope: Option<&str>,
    id: &str,
) -> anyhow::Result<(Option<String>, CallDetail)> {
    let scopes: Vec<Option<String>> = match (scope, p.pinned_scope(), p.capabilities().scope_noun) {
        (Some(s), _, _) => vec![Some(s.to_string())],
        (None, Some(s), _) => vec![Some(s.id.clone())],
        (None, None, None) => vec![None],
        // No scope given: look for the call under each one.
        (None, None, Some(_)) => p
            .list_scopes(None, PageRequest { page: 1, size: 100 })
            .await?
            .items
            .into_iter()
            .map(|s| Some(s.id))
            .collect(),
    };
    let mut last_err = None;
    for scope in scopes {
        match p.get_call(scope.as_deref(), id).await {
            Ok(d) => return Ok((scope, d)),
            Err(e @ ProviderError::NotFound { .. }) => last_err = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    match last_err {
        Some(e) => Err(e.into()),
        None => anyhow::bail!("{}: no call {}", p.label(), crate::display::sanitize(id)),
    }
}
