//! Solum's one route, `GET /v1/calls`.
//!
//! Faults (every request) → `404`/`405` in the framework's shape, or for the route: the
//! `X-API-Key` check (`401`/`403`) → query validation (`422`) → the page.

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::super::fault;
use super::answers::{Answer, object_error};
use super::data::CallRec;
use super::query::parse_query;
use super::{CALLS_PATH, Shared};

/// The API router (paths as received: `/v1/calls` exactly).
pub(super) fn router(st: Arc<Shared>) -> Router {
    Router::new()
        .route(
            CALLS_PATH,
            get(list_calls).route_layer(from_fn_with_state(st.clone(), require_key)),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(from_fn_with_state(st.clone(), take_fault))
        .with_state(st)
}

/// Each request takes at most one queued fault, before any other check.
async fn take_fault(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let fault = st.faults.take();
    fault::inject(st.as_ref(), fault, req, next).await
}

async fn not_found() -> Answer {
    Answer::new(StatusCode::NOT_FOUND, json!({"detail": "Not Found"}))
}

async fn method_not_allowed() -> Answer {
    Answer::new(
        StatusCode::METHOD_NOT_ALLOWED,
        json!({"detail": "Method Not Allowed"}),
    )
}

/// `X-API-Key`: missing or unknown → 401, the restricted key → 403.
async fn require_key(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    // Compared exactly: a key with extra characters (even white space) is another key.
    let key = req
        .headers()
        .get("x-api-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let refused = if key.is_empty() {
        Some(object_error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "missing_api_key",
            "Missing API key. Send it in the X-API-Key header.",
        ))
    } else if key == st.keys[1] {
        Some(object_error(
            StatusCode::FORBIDDEN,
            "permission_error",
            "insufficient_permissions",
            "This API key is not allowed to read calls",
        ))
    } else if key != st.keys[0] {
        Some(object_error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid_api_key",
            "Invalid API key provided",
        ))
    } else {
        None
    };
    match refused {
        Some(a) => a.into_response(),
        None => next.run(req).await,
    }
}

async fn list_calls(State(st): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Answer {
    let q = match parse_query(query.as_deref().unwrap_or("")) {
        Ok(q) => q,
        Err(errors) => {
            return Answer::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "detail": errors }),
            );
        }
    };
    let matching: Vec<&CallRec> = st.calls.iter().filter(|c| q.matches(c)).collect();
    let total = matching.len() as u64;
    let start = (q.page - 1).saturating_mul(q.limit);
    let data: Vec<Value> = matching
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(q.limit as usize)
        .map(|c| c.json())
        .collect();
    let has_more = start.saturating_add(q.limit) < total;
    Answer::new(
        StatusCode::OK,
        json!({"data": data, "pagination": st.pagination(has_more, total, q.page, q.limit)}),
    )
}

impl Shared {
    /// The `pagination` object, as documented or in the variant the options ask for.
    fn pagination(&self, has_more: bool, total: u64, page: u64, limit: u64) -> Value {
        let v = &self.vopts;
        let num = |n: u64| {
            if v.pagination_as_strings {
                json!(n.to_string())
            } else {
                json!(n)
            }
        };
        let mut p = serde_json::Map::new();
        if !v.omit_has_more {
            p.insert("has_more".into(), json!(has_more));
        }
        if !v.omit_total {
            p.insert("total".into(), num(total));
        }
        p.insert("page".into(), num(page));
        p.insert("limit".into(), num(limit));
        Value::Object(p)
    }
}
