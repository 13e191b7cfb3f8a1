//! `callbrowser show ID`: one call with its transcript and every field.

use std::process::ExitCode;

use super::out::Out;
use super::{Format, ShowArgs, exit};
use crate::config::Config;
use crate::model::{PageRequest, TimeZoneSetting};
use crate::output::{ShowOut, detail_text};
use crate::providers::ProviderError;

pub(super) async fn show(
    cfg: &Config,
    args: ShowArgs,
    tz: TimeZoneSetting,
) -> anyhow::Result<ExitCode> {
    let p = super::provider(cfg, args.provider.as_deref()).await?;
    let scopes: Vec<Option<String>> =
        match (&args.scope, p.pinned_scope(), p.capabilities().scope_noun) {
            (Some(s), _, _) => vec![Some(s.clone())],
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
        match p.get_call(scope.as_deref(), &args.id).await {
            Ok(d) => {
                let mut out = Out::new();
                match args.format {
                    Format::Json => out.json(&ShowOut::new(p.name(), &d))?,
                    Format::Table => out.text(&detail_text(&d, tz))?,
                }
                out.flush()?;
                return Ok(ExitCode::from(exit::OK));
            }
            Err(e @ ProviderError::NotFound { .. }) => last_err = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    match last_err {
        Some(e) => Err(e.into()),
        None => anyhow::bail!(
            "{}: no call {}",
            p.label(),
            crate::display::sanitize(&args.id)
        ),
    }
}
