//! Driving the merged inbox ([`crate::model::inbox`]) against the providers: every ask a task,
//! at most a few of one provider at once (the inbox bounds them), each provider's requests inside
//! its documented limits (its [`super::paced::Paced`] wrapper). The command line's `list`
//! without a scope, and the tests, use it.

use std::sync::Arc;

use tokio::task::JoinSet;

use super::Provider;
use crate::model::inbox::{Ask, Inbox, Member};
use crate::model::{Call, Filter, Page, ProviderId, Scope};

enum Answer {
    Scopes(ProviderId, Result<Page<Scope>, String>),
    Calls(usize, Result<Page<Call>, String>),
}

/// A provider taking part, and how it reads the filter.
pub struct Taking {
    pub id: ProviderId,
    pub provider: Arc<dyn Provider>,
    pub filter: Filter,
    /// A search narrowing its parents first (Welkin patients by `mrn:` or name).
    pub scope_search: Option<String>,
}

/// What the merge gave: the calls in merged order that pass each provider's local filter, up
/// to `want` (all with `None`), and whether the merge came to its end.
pub struct Merged {
    pub calls: Vec<(ProviderId, Call)>,
    pub finished: bool,
    pub missing: Option<String>,
    /// Parents searched, per provider label, for the note.
    pub searched: Vec<(String, usize)>,
}

/// Runs the merge until `want` calls passed the filters, or to its end.
pub async fn merge(taking: &[Taking], want: Option<usize>, max: usize) -> Merged {
    let members = taking
        .iter()
        .map(|t| Member {
            provider: t.id,
            label: t.provider.label().to_string(),
            caps: t.provider.capabilities().clone(),
            pinned: t.provider.pinned_scope().cloned(),
            filter: t.filter.clone(),
            scope_search: t.scope_search.clone(),
        })
        .collect();
    let mut inbox = Inbox::new(members);
    let by_id = |id: ProviderId| taking.iter().find(|t| t.id == id);
    let mut set: JoinSet<Answer> = JoinSet::new();
    let mut out: Vec<(ProviderId, Call)> = Vec::new();
    let want = want.unwrap_or(max).min(max);
    loop {
        for (id, call) in inbox.take(usize::MAX) {
            let Some(t) = by_id(id) else { continue };
            if t.filter.matches_local(&call, t.provider.capabilities()) && out.len() < want {
                out.push((id, call));
            }
        }
        if out.len() >= want || inbox.finished() {
            break;
        }
        for ask in inbox.asks() {
            match ask {
                Ask::Scopes {
                    provider,
                    search,
                    page,
                } => {
                    let Some(t) = by_id(provider) else { continue };
                    let p = t.provider.clone();
                    set.spawn(async move {
                        let r = p
                            .list_scopes(search.as_deref(), page)
                            .await
                            .map_err(|e| e.to_string());
                        Answer::Scopes(provider, r)
                    });
                }
                Ask::Calls {
                    source,
                    provider,
                    scope,
                    filter,
                    page,
                } => {
                    let Some(t) = by_id(provider) else { continue };
                    let p = t.provider.clone();
                    set.spawn(async move {
                        let r = p
                            .list_calls(scope.as_deref(), &filter, page)
                            .await
                            .map_err(|e| e.to_string());
                        Answer::Calls(source, r)
                    });
                }
            }
        }
        match set.join_next().await {
            Some(Ok(Answer::Scopes(id, r))) => inbox.on_scopes(id, r),
            Some(Ok(Answer::Calls(source, r))) => inbox.on_calls(source, r),
            Some(Err(e)) => {
                tracing::warn!("a list request stopped: {e}");
            }
            None => {
                tracing::warn!(
                    "merge stopped with nothing under way: {:?}",
                    inbox.standings()
                );
                break;
            }
        }
    }
    let searched = inbox
        .standings()
        .into_iter()
        .filter_map(|s| s.scopes.map(|n| (s.label, n)))
        .collect();
    Merged {
        finished: inbox.finished(),
        missing: inbox.missing(),
        calls: out,
        searched,
    }
}
