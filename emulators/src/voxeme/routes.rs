//! Voxeme's API routes (under [`super::BASE_PATH`]).
//!
//! Every request: faults → key (`401`) → rate limit of the account in the path (`429`; rate
//! headers on every later answer) → `404` (unknown path, or a method other than GET/HEAD) →
//! the handler: sid format (`400`) → permission (`403`) → account exists (`404`) → query
//! (`400`) → the answer.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::super::fault;
use super::super::host::segments;
use super::super::link::through_link;
use super::super::log::query_pairs;
use super::super::{RateDecision, RateInfo};
use super::answers::{Reply, bad_request, fail, not_found, rate_headers, too_many};
use super::data;
use super::{BASE_PATH, Shared, Who};

const ACCOUNTS: &str = "/api/v1/Accounts";
const ACCOUNT: &str = "/api/v1/Accounts/{sid}";
const RECENT_CALLS: &str = "/api/v1/Accounts/{sid}/RecentCalls";
const LIVE_CALLS: &str = "/api/v1/Accounts/{sid}/Calls";
const LIVE_CALL: &str = "/api/v1/Accounts/{sid}/Calls/{call_sid}";
const RECORDING: &str = "/api/v1/Accounts/{sid}/RecentCalls/{call_sid}/record/{y}/{m}/{d}/{fmt}";

/// The API router (paths canonical below the base path, see [`crate::host`]).
pub(super) fn router(st: Arc<Shared>) -> Router {
    Router::new()
        .route(ACCOUNTS, get(accounts))
        .route(ACCOUNT, get(account))
        .route(RECENT_CALLS, get(recent_calls))
        .route(LIVE_CALLS, get(live_calls))
        .route(LIVE_CALL, get(live_call))
        .route(
            RECORDING,
            get(recording).route_layer(from_fn_with_state(st.rec.link.clone(), through_link)),
        )
        .method_not_allowed_fallback(no_route)
        .fallback(no_route)
        .layer(from_fn_with_state(st.clone(), check_key))
        .layer(from_fn_with_state(st.clone(), take_fault))
        .with_state(st)
}

/// Each request on the API listener takes at most one queued fault, before any check.
async fn take_fault(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let fault = st.faults.take();
    fault::inject(st.as_ref(), fault, req, next).await
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The key (401), then the rate limit of the request's window (429); rate headers on every
/// later answer.
async fn check_key(State(st): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let Some(key) = bearer(req.headers()) else {
        return Reply::Unauthorized {
            invalid_token: false,
        }
        .into_response();
    };
    let Some(who) = st.who(&key) else {
        return Reply::Unauthorized {
            invalid_token: true,
        }
        .into_response();
    };
    let below_base = match req.uri().path().strip_prefix(BASE_PATH) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => "/<outside base path>",
    };
    let segs = segments(below_base);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let rate: RateInfo = match st.rate_check(&st.rate_key(who, &segs)) {
        RateDecision::Allowed(r) => r,
        RateDecision::Limited(r) => return too_many(r.retry_after_secs, &r),
    };
    req.extensions_mut().insert(who);
    let mut resp = next.run(req).await;
    rate_headers(resp.headers_mut(), &rate);
    resp
}

async fn no_route() -> Reply {
    not_found()
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl Shared {
    /// The index of the account of `sid`: `400` for a malformed sid, `403` for another
    /// account's key, `404` for an unknown account.
    fn account_for(&self, who: Who, sid: &str) -> Result<usize, Reply> {
        if !is_uuid(sid) {
            return Err(bad_request());
        }
        let ai = self.account_index(sid);
        if let Who::Account(own) = who
            && ai != Some(own)
        {
            return Err(fail(StatusCode::FORBIDDEN, "insufficient privileges"));
        }
        ai.ok_or_else(not_found)
    }
}

type Caller = axum::Extension<Who>;

fn pairs(q: Option<String>) -> Vec<(String, String)> {
    query_pairs(q.as_deref().unwrap_or(""))
}

async fn accounts(State(st): State<Arc<Shared>>, axum::Extension(who): Caller) -> Reply {
    let items: Vec<Value> = st
        .accounts
        .iter()
        .enumerate()
        .filter(|(ai, _)| who == Who::ServiceProvider || who == Who::Account(*ai))
        .map(|(_, a)| data::account_json(a, &st.sp_sid))
        .collect();
    Reply::Json(StatusCode::OK, Value::Array(items))
}

async fn account(
    State(st): State<Arc<Shared>>,
    axum::Extension(who): Caller,
    Path(sid): Path<String>,
) -> Result<Reply, Reply> {
    let ai = st.account_for(who, &sid)?;
    Ok(Reply::Json(
        StatusCode::OK,
        data::account_json(&st.accounts[ai], &st.sp_sid),
    ))
}

async fn recent_calls(
    State(st): State<Arc<Shared>>,
    axum::Extension(who): Caller,
    Path(sid): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Reply, Reply> {
    let ai = st.account_for(who, &sid)?;
    Ok(st.recent_calls(ai, &pairs(q)))
}

async fn live_calls(
    State(st): State<Arc<Shared>>,
    axum::Extension(who): Caller,
    Path(sid): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Reply, Reply> {
    let ai = st.account_for(who, &sid)?;
    Ok(st.live_list(ai, &pairs(q)))
}

async fn live_call(
    State(st): State<Arc<Shared>>,
    axum::Extension(who): Caller,
    Path((sid, call_sid)): Path<(String, String)>,
) -> Result<Reply, Reply> {
    let ai = st.account_for(who, &sid)?;
    if !is_uuid(&call_sid) {
        return Err(bad_request());
    }
    match st.live(ai).iter().find(|c| c.call_sid == call_sid) {
        Some(c) => Ok(Reply::Json(StatusCode::OK, c.json(&st.accounts[ai]))),
        None => Err(not_found()),
    }
}

type RecordingPath = Path<(String, String, String, String, String, String)>;

async fn recording(
    State(st): State<Arc<Shared>>,
    axum::Extension(who): Caller,
    Path((sid, call_sid, y, m, d, fmt)): RecordingPath,
    method: Method,
) -> Result<Reply, Reply> {
    let ai = st.account_for(who, &sid)?;
    let path = format!(
        "/Accounts/{}/RecentCalls/{call_sid}/record/{y}/{m}/{d}/{fmt}",
        st.accounts[ai].sid
    );
    Ok(st.recording(Some(ai), &call_sid, &path, method == Method::HEAD))
}
