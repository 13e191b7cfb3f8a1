//! `callbrowser list`: one page of calls, or every page from `--page` on with `--all`, under the
//! paging rules the TUI's `G` follows too (`model::paging`): a page that brings no new calls, an
//! empty page that claims more, or a list that holds `max_list_calls` ends paging, with a note.

use std::collections::HashSet;
use std::process::ExitCode;

use super::out::{Out, note};
use super::{ListArgs, ListFormat, exit};
use crate::config::Config;
use crate::model::{Call, Filter, Page, PageProgress, PageRequest, PagingStop, TimeZoneSetting};
use crate::output::{CallOut, ListOut, StoppedOut, calls_csv, calls_table};
use crate::providers::{Provider, ProviderError};

/// The scope to use: the one given, else the pinned one (a provider with parents and neither is
/// listed merged, by [`super::inbox`]).
fn scope_for(p: &dyn Provider, given: Option<String>) -> Option<String> {
    given.or_else(|| p.pinned_scope().map(|s| s.id.clone()))
}

/// The triage column is the screen's: `list` does not read the triage store, so it refuses to
/// sort by it rather than print an order that means nothing.
pub(super) fn no_triage_sort(sort: Option<crate::model::sort::Sort>) -> anyhow::Result<()> {
    if sort.is_some_and(|s| s.column == crate::model::sort::SortColumn::Triage) {
        anyhow::bail!(
            "list cannot sort by triage (it does not read the triage store); use `callbrowser triage list`"
        );
    }
    Ok(())
}

/// What `list` fetched.
struct Fetched {
    /// The pages, each call once (a call a server repeats is dropped), local filters applied.
    pages: Vec<Page<Call>>,
    /// Records the first page held before anything was dropped (0: nothing there at all).
    first_records: usize,
    /// Why paging stopped although the server claimed more.
    stop: Option<PagingStop>,
}

/// One page from `page` on, or every page with `all`, holding at most `max` calls.
async fn fetch(
    p: &dyn Provider,
    scope: Option<&str>,
    filter: &Filter,
    req: PageRequest,
    all: bool,
    max: usize,
) -> Result<Fetched, ProviderError> {
    let caps = p.capabilities();
    let mut seen: HashSet<String> = HashSet::new();
    let mut fetched = Fetched {
        pages: Vec::new(),
        first_records: 0,
        stop: None,
    };
    let (mut page, mut loaded) = (req.page, 0usize);
    loop {
        let mut got = p
            .list_calls(scope, filter, PageRequest { page, ..req })
            .await?;
        let calls = got.items.len();
        if fetched.pages.is_empty() {
            fetched.first_records = calls + got.unreadable;
        }
        got.items.retain(|c| seen.insert(c.id.clone()));
        got.items.truncate(max.saturating_sub(loaded));
        let new_calls = got.items.len();
        loaded = loaded.saturating_add(new_calls + got.unreadable);
        let progress = PageProgress {
            page,
            calls,
            unreadable: got.unreadable,
            new_calls,
            more: got.has_more,
            loaded,
            max,
        };
        got.items.retain(|c| filter.matches_local(c, caps));
        // A list prints no vendor fields: a long list need not hold them.
        for c in &mut got.items {
            c.fields = Vec::new();
        }
        let more = got.has_more;
        fetched.pages.push(got);
        if !all || !more {
            return Ok(fetched);
        }
        if let Some(stop) = progress.stop() {
            fetched.stop = Some(stop);
            return Ok(fetched);
        }
        let Some(next) = page.checked_add(1) else {
            return Ok(fetched);
        };
        page = next;
    }
}

/// The page size to ask for: `--limit`, else the configured one, lowered to what the API
/// allows (said when `--limit` asked for more).
fn page_size(p: &dyn Provider, limit: Option<u32>, configured: u32) -> u32 {
    let max = p.capabilities().max_page_size.max(1);
    if let Some(l) = limit.filter(|l| *l > max) {
        note(format!(
            "{} sends at most {max} calls a page: --limit {l} is taken as {max}",
            p.label()
        ));
    }
    limit.unwrap_or(configured).clamp(1, max)
}

/// A sentence for a `--page` past the last page.
fn past_the_end(p: &dyn Provider, page: u32, first: &Page<Call>) -> String {
    let mut size = String::new();
    if let Some(pages) = first.total_pages {
        size = format!(": it has {pages} page(s) of {}", first.page_size);
        if let Some(items) = first.total_items {
            size.push_str(&format!(", {items} call(s) in all"));
        }
    } else if let Some(items) = first.total_items {
        size = format!(": it has {items} call(s) in all");
    }
    format!(
        "{}: page {page} is past the end of the list{size}",
        p.label()
    )
}

/// Where the list goes on from, when it does (one page shown and the server says more follow).
fn more_hint(p: &dyn Provider, last: &Page<Call>, shown: usize) -> String {
    let of = last
        .total_pages
        .map(|n| format!(" of {n}"))
        .unwrap_or_default();
    let calls = match last.total_items {
        Some(t) => format!("{shown} of {t} calls"),
        None => format!("{shown} calls"),
    };
    format!(
        "{}: page {}{of} shown ({calls}); more with --page {}, or every page with --all",
        p.label(),
        last.page,
        last.page.saturating_add(1)
    )
}

/// Sorts what was fetched by `sort`: the pages' calls in one order (in the first page), the
/// pages' numbers kept; said when more pages exist.
fn sort_fetched(
    fetched: &mut Fetched,
    sort: crate::model::sort::Sort,
    p: &dyn Provider,
    shown: usize,
) {
    // Sorted over what was fetched: the pages' calls in one order, the pages' numbers kept.
    let mut calls: Vec<Call> = fetched
        .pages
        .iter_mut()
        .flat_map(|page| std::mem::take(&mut page.items))
        .collect();
    let mut rows: Vec<usize> = (0..calls.len()).collect();
    let name = p.name().to_string();
    crate::model::sort::sort_rows(&mut rows, &calls, sort, &|_| name.clone(), &|_| None);
    let mut slots: Vec<Option<Call>> = calls.drain(..).map(Some).collect();
    let sorted: Vec<Call> = rows.iter().filter_map(|&i| slots[i].take()).collect();
    if let Some(first) = fetched.pages.first_mut() {
        first.items = sorted;
    }
    if fetched.pages.last().is_some_and(|l| l.has_more) {
        note(format!(
            "sorted by {sort} over the {shown} call(s) fetched, not the whole list; --all sorts them all"
        ));
    }
}

pub(super) async fn list(
    cfg: &Config,
    args: ListArgs,
    tz: TimeZoneSetting,
) -> anyhow::Result<ExitCode> {
    // Without a scope: every scope merged (of every provider, or of the one named), unless the
    // provider has no scopes or one is pinned.
    if args.scope.is_none() {
        let merged = match args.provider.as_deref() {
            None => true,
            Some(_) => {
                let p = super::provider(cfg, args.provider.as_deref()).await?;
                p.capabilities().scope_noun.is_some() && p.pinned_scope().is_none()
            }
        };
        if merged {
            return super::inbox::list(cfg, args, tz).await;
        }
    }
    let p = super::provider(cfg, args.provider.as_deref()).await?;
    let p = p.as_ref();
    let scope = scope_for(p, args.scope);
    let sort = args
        .sort
        .as_deref()
        .map(crate::model::sort::Sort::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    no_triage_sort(sort)?;
    let filter = Filter::parse_at(&args.filter, p.capabilities(), chrono::Utc::now(), tz)?;
    let local = filter.local_keys(p.capabilities());
    if !local.is_empty() {
        note(format!(
            "{} cannot filter on {}; applied to the fetched calls",
            p.label(),
            local.join(", ")
        ));
    }
    let size = page_size(p, args.limit, cfg.http.page_size);
    let req = PageRequest {
        page: args.page,
        size,
    };
    let max = cfg.ui.max_list_calls.max(1);
    let fetched = fetch(p, scope.as_deref(), &filter, req, args.all, max).await?;
    if let Some(first) = fetched.pages.first()
        && fetched.first_records == 0
        && args.page > 1
    {
        anyhow::bail!(past_the_end(p, args.page, first));
    }
    let unreadable: usize = fetched.pages.iter().map(|p| p.unreadable).sum();
    if unreadable > 0 {
        note(format!(
            "{unreadable} record(s) from {} could not be read",
            p.label()
        ));
    }
    let shown: usize = fetched.pages.iter().map(|p| p.items.len()).sum();
    match (&fetched.stop, fetched.pages.last()) {
        (Some(stop), _) => note(format!("{}: {stop}", p.label())),
        (None, Some(last)) if last.has_more => note(more_hint(p, last, shown)),
        _ => {}
    }
    let mut fetched = fetched;
    if let Some(sort) = sort.filter(|s| !s.is_natural()) {
        sort_fetched(&mut fetched, sort, p, shown);
    }
    let mut out = Out::new();
    match args.format {
        ListFormat::Json => {
            let stopped = fetched.stop.as_ref().map(StoppedOut::new);
            let doc = ListOut::new(p.name(), scope.as_deref(), &fetched.pages).stopped(stopped);
            out.json(&doc)?;
        }
        ListFormat::Table => {
            let calls: Vec<&Call> = fetched.pages.iter().flat_map(|p| &p.items).collect();
            out.text(&calls_table(&calls, tz))?;
        }
        ListFormat::Csv => {
            let calls: Vec<CallOut> = fetched
                .pages
                .iter()
                .flat_map(|page| &page.items)
                .map(|c| CallOut::new(p.name(), c))
                .collect();
            out.bytes(&calls_csv(&calls)?)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if fetched.stop.is_some() {
        exit::PARTIAL
    } else {
        exit::OK
    }))
}
