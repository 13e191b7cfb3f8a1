//! `callbrowser show ID`: one call with its transcript and every field.

use std::process::ExitCode;

use super::out::Out;
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
    let p = super::provider(cfg, args.provider.as_deref()).await?;
    let (_, d) = find_call(p.as_ref(), args.scope.as_deref(), &args.id).await?;
    let mut out = Out::new();
    match args.format {
        Format::Json => out.json(&ShowOut::new(p.name(), &d))?,
        Format::Table => out.text(&detail_text(&d, tz))?,
    }
    out.flush()?;
    Ok(ExitCode::from(exit::OK))
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
