//! `callbrowser list` without `--scope`: every scope merged, newest first — of every configured
//! provider (All calls), or of the one `--provider` names — through the same [`Inbox`] the
//! screen's All calls row uses, then the same local filter and sort.

use std::process::ExitCode;

use super::out::{Out, note};
use super::{ListArgs, ListFormat as Format, exit};
use crate::config::Config;
use crate::model::sort::{Sort, sort_rows};
use crate::model::{Call, Filter, ProviderId, TimeZoneSetting};
use crate::output::{CallOut, calls_csv, merged_table};
use crate::providers::merged::{Merged, Taking, merge};

/// `list` over every scope.
pub(super) async fn list(
    cfg: &Config,
    args: ListArgs,
    tz: TimeZoneSetting,
) -> anyhow::Result<ExitCode> {
    let sort = args
        .sort
        .as_deref()
        .map(Sort::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?
        .unwrap_or_default();
    super::list::no_triage_sort(Some(sort))?;
    let indices: Vec<usize> = match args.provider.as_deref() {
        Some(name) => vec![crate::setup::find(cfg, Some(name)).map_err(anyhow::Error::msg)?],
        None => (0..cfg.providers.len()).collect(),
    };
    if indices.is_empty() {
        anyhow::bail!("no provider is configured");
    }
    let (taking, names) = members(cfg, &args, tz, indices).await?;
    if taking.is_empty() {
        anyhow::bail!("no provider can be searched with this filter");
    }
    let max = cfg.ui.max_list_calls.max(1);
    let size = args.limit.unwrap_or(cfg.http.page_size).max(1) as usize;
    let first = (args.page as usize - 1).saturating_mul(size);
    // A sort by another column than time needs every call (or says it sorted what it loaded).
    let want = if args.all || !sort.is_natural() {
        None
    } else {
        Some(first + size)
    };
    let merged = merge(&taking, want, max).await;
    say_what_was_merged(&merged, want.is_none(), max);
    let mut rows: Vec<usize> = (0..merged.calls.len()).collect();
    if !sort.is_natural() {
        let calls: Vec<Call> = merged.calls.iter().map(|(_, c)| c.clone()).collect();
        let name_of = |i: usize| {
            let id = merged.calls[i].0;
            names
                .iter()
                .find(|(p, _)| *p == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        };
        sort_rows(&mut rows, &calls, sort, &name_of, &|_| None);
    }
    if first > 0 && first >= rows.len() {
        anyhow::bail!(
            "page {} is past the end of the merged list: it has {} call(s), {} a page",
            args.page,
            rows.len(),
            size
        );
    }
    let shown: Vec<usize> = if args.all {
        rows
    } else {
        rows.into_iter().skip(first).take(size).collect()
    };
    let name = |id: ProviderId| {
        names
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, n)| n.as_str())
            .unwrap_or("")
    };
    let mut out = Out::new();
    match args.format {
        Format::Table => {
            let table: Vec<(&str, &Call)> = shown
                .iter()
                .map(|&i| (name(merged.calls[i].0), &merged.calls[i].1))
                .collect();
            out.text(&merged_table(&table, tz))?;
        }
        Format::Json | Format::Csv => {
            let calls: Vec<CallOut> = shown
                .iter()
                .map(|&i| CallOut::new(name(merged.calls[i].0), &merged.calls[i].1))
                .collect();
            if args.format == Format::Csv {
                out.bytes(&calls_csv(&calls)?)?;
            } else {
                out.json(&serde_json::json!({
                    "sort": sort.to_string(),
                    "page": args.page,
                    "page_size": size,
                    "complete": merged.finished && merged.missing.is_none(),
                    "missing": merged.missing,
                    "calls": calls,
                }))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if merged.missing.is_some() {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}

/// The notes on standard error: parents searched, what is missing, where it stopped.
fn say_what_was_merged(merged: &Merged, everything: bool, max: usize) {
    for (label, n) in &merged.searched {
        note(format!("{label}: {n} parent(s) searched"));
    }
    if let Some(m) = &merged.missing {
        note(format!("not complete: {m}"));
    }
    if !merged.finished && everything {
        note(format!(
            "stopped at {max} calls (max_list_calls); sorted over those"
        ));
    }
}

/// The providers `list` merges, each reading the filter (a provider that cannot read it is
/// left out with a note when several are merged), and their configured names.
async fn members(
    cfg: &Config,
    args: &ListArgs,
    tz: TimeZoneSetting,
    indices: Vec<usize>,
) -> anyhow::Result<(Vec<Taking>, Vec<(ProviderId, String)>)> {
    let now = chrono::Utc::now();
    let mut taking = Vec::new();
    let mut names = Vec::new();
    // `mrn:` and `patient:` search the patients first: only providers with patients take part.
    let (patients, calls_filter) = crate::model::inbox::split_patient_search(&args.filter);
    for i in indices {
        let Some(built) = crate::setup::build(cfg, i, None).await else {
            continue;
        };
        let p = match built.provider {
            Ok(p) => p,
            Err(why) => {
                note(format!("{} left out: {why}", built.info.label));
                continue;
            }
        };
        names.push((ProviderId::new(i), p.name().to_string()));
        if patients.is_some() && p.capabilities().scope_noun != Some("patient") {
            note(format!(
                "{} not searched: it has no patients to search",
                p.label()
            ));
            continue;
        }
        match Filter::parse_at(&calls_filter, p.capabilities(), now, tz) {
            Ok(filter) => taking.push(Taking {
                id: ProviderId::new(i),
                provider: p,
                filter,
                scope_search: patients.clone(),
            }),
            // A key only some providers know (`mrn:` is Welkin's) searches only those.
            Err(e) if taking_many(args) => {
                note(format!("{} not searched: {e}", p.label()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((taking, names))
}

fn taking_many(args: &ListArgs) -> bool {
    args.provider.is_none()
}
