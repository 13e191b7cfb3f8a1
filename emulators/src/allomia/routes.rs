//! AlloMia's API routes.
//!
//! Every request: faults → `Authorization` (`401`) → `404 Route not found` (unknown path, or a
//! method other than GET) → the handler: permission (`403`) → query (`400`) → organization /
//! call (`404`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::super::{fault, lock};
use super::answers::{Answer, ApiFaults};
use super::query::Query;
use super::{KeyKind, Shared};

const ORGANIZATIONS: &str = "/api/organization";
const CALLS: &str = "/api/calls";
const CALL: &str = "/api/calls/{id}";

/// The API router (paths canonical, see [`crate::host`]).
pub(super) fn router(st: Arc<Shared>) -> Router {
    Router::new()
        .route(ORGANIZATIONS, get(organizations).head(route_not_found))
        .route(CALLS, get(calls).head(route_not_found))
        .route(CALL, get(call).head(route_not_found))
        .method_not_allowed_fallback(route_not_found)
        .fallback(route_not_found)
        .layer(from_fn_with_state(st.clone(), authenticate))
        .layer(from_fn_with_state(st.clone(), take_fault))
        .with_state(st)
}

/// Each API request takes at most one fault, before any other check.
async fn take_fault(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let knobs = lock(&st.knobs).clone();
    let fault = st.faults.take();
    fault::inject(&ApiFaults(knobs), fault, req, next).await
}

/// `Authorization: Bearer <key>` (401 when missing, malformed or unknown).
async fn authenticate(State(st): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        .unwrap_or_default();
    let unauthorized = |m: &str| Answer::error(StatusCode::UNAUTHORIZED, m).into_response();
    if auth.is_empty() {
        return unauthorized(
            "Unauthorized: missing API key. Use 'Authorization: Bearer YOUR-API-KEY'",
        );
    }
    let token = match auth.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => return unauthorized("Unauthorized: invalid authorization header format"),
    };
    let Some(&key) = st.keys.get(token) else {
        return unauthorized("Unauthorized: invalid API key");
    };
    req.extensions_mut().insert(key);
    next.run(req).await
}

async fn route_not_found() -> Answer {
    Answer::error(StatusCode::NOT_FOUND, "Route not found")
}

type Key = axum::Extension<KeyKind>;

fn query(q: Option<String>) -> Query {
    Query::parse(q.as_deref().unwrap_or(""))
}

async fn organizations(
    State(st): State<Arc<Shared>>,
    axum::Extension(key): Key,
    RawQuery(q): RawQuery,
) -> Answer {
    st.list_orgs(key, &query(q))
}

async fn calls(
    State(st): State<Arc<Shared>>,
    axum::Extension(key): Key,
    RawQuery(q): RawQuery,
) -> Answer {
    st.list_calls(key, &query(q))
}

async fn call(
    State(st): State<Arc<Shared>>,
    axum::Extension(key): Key,
    Path(id): Path<String>,
) -> Answer {
    let found = st.by_id.get(&id).map(|&ci| &st.calls[ci]);
    match found {
        Some(c) if key == KeyKind::Tenant || key == KeyKind::Org(c.org) => {
            let expired = st
                .expire_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            Answer::ok(st.detail_json(c, expired))
        }
        _ => Answer::error(StatusCode::NOT_FOUND, "Call not found"),
    }
}
