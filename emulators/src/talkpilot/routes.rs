//! TalkPilot's API routes (under [`super::BASE_PATH`]).
//!
//! `GET /v1/health` answers without any check. Every other request: faults → `X-API-Key`
//! (`401`) → rate limit (`429`; rate headers on every later answer) → `404 Route not found`
//! (unknown path or a method other than GET/HEAD) → the handler: permission (`403`) → agent
//! visible to the key (`404`) → query (`400`) → call (`404`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde_json::{Value, json};

use super::super::clock::rfc3339_millis;
use super::super::fault;
use super::super::net::{content_type, response};
use super::super::{RateDecision, RateInfo};
use super::answers::{Answer, rate_headers};
use super::data::{agent_json, call_list_json};
use super::query::{paginate, parse_list_params};
use super::{KeyInfo, Shared};

const HEALTH: &str = "/functions/v1/api/v1/health";
const AGENTS: &str = "/functions/v1/api/v1/agents";
const AGENT: &str = "/functions/v1/api/v1/agents/{agent}";
const CALLS: &str = "/functions/v1/api/v1/agents/{agent}/calls";
const CALL: &str = "/functions/v1/api/v1/agents/{agent}/calls/{id}";

/// The API router (paths canonical below the base path, see [`crate::host`]).
pub(super) fn router(st: Arc<Shared>) -> Router {
    let checked = from_fn_with_state(st.clone(), check_key);
    let faults = from_fn_with_state(st.clone(), take_fault);
    // Any other method on the health path is checked like every other request.
    let health_other = route_not_found.layer(checked.clone()).layer(faults.clone());
    Router::new()
        .route(AGENTS, get(agents))
        .route(AGENT, get(agent))
        .route(CALLS, get(calls))
        .route(CALL, get(call))
        .method_not_allowed_fallback(route_not_found)
        .fallback(route_not_found)
        .layer(checked)
        .layer(faults)
        .route(HEALTH, get(health).fallback(health_other))
        .with_state(st)
}

async fn health() -> Response {
    let body = json!({
        "status": "ok",
        "version": "1.0.0",
        "timestamp": rfc3339_millis(&Utc::now()),
    });
    response(
        StatusCode::OK,
        content_type("application/json; charset=utf-8"),
        serde_json::to_vec(&body).unwrap_or_default(),
    )
}

/// Each API request (not health checks) takes at most one queued fault, before any check.
async fn take_fault(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let fault = st.faults.take();
    fault::inject(st.as_ref(), fault, req, next).await
}

/// The key of a request, found valid.
#[derive(Clone, Copy)]
struct Key(KeyInfo);

/// `X-API-Key` (401), then the key's rate limit (429); rate headers on every later answer.
async fn check_key(State(st): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let key = req
        .headers()
        .get("x-api-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        .unwrap_or_default();
    let unauthorized = |message: &str| {
        st.error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message, vec![])
            .into_response()
    };
    if key.is_empty() {
        return unauthorized("Missing API key. Provide it in the X-API-Key header.");
    }
    let Some(info) = st.keys.get(&key).copied() else {
        return unauthorized("Invalid API key");
    };
    if info.expired {
        return unauthorized("API key has expired");
    }
    let rate: RateInfo = match st.limiter.check(&key) {
        RateDecision::Allowed(r) => r,
        RateDecision::Limited(r) => {
            return st.rate_limited(r.retry_after_secs, r);
        }
    };
    req.extensions_mut().insert(Key(info));
    let mut resp = next.run(req).await;
    rate_headers(resp.headers_mut(), &rate);
    resp
}

async fn route_not_found(State(st): State<Arc<Shared>>) -> Answer {
    st.not_found("Route not found")
}

impl Shared {
    /// The index of an agent the key may see.
    fn visible_agent(&self, key: KeyInfo, id: &str) -> Result<usize, Answer> {
        self.agent_index(id)
            .filter(|ai| key.only_agent.is_none_or(|only| only == *ai))
            .ok_or_else(|| self.not_found("Agent not found"))
    }
}

type Checked = axum::Extension<Key>;

async fn agents(
    State(st): State<Arc<Shared>>,
    axum::Extension(Key(key)): Checked,
    RawQuery(query): RawQuery,
) -> Result<Answer, Answer> {
    if !key.agents_read {
        return Err(st.forbidden("agents:read"));
    }
    let params = parse_list_params(query.as_deref().unwrap_or(""), false)
        .map_err(|details| st.validation_error(details))?;
    let items: Vec<Value> = st
        .agents
        .iter()
        .enumerate()
        .filter(|(ai, _)| key.only_agent.is_none_or(|only| only == *ai))
        .map(|(_, a)| agent_json(a))
        .collect();
    Ok(Answer::ok(paginate(items, &params)))
}

async fn agent(
    State(st): State<Arc<Shared>>,
    axum::Extension(Key(key)): Checked,
    Path(agent_id): Path<String>,
) -> Result<Answer, Answer> {
    if !key.agents_read {
        return Err(st.forbidden("agents:read"));
    }
    let ai = st.visible_agent(key, &agent_id)?;
    Ok(Answer::ok(agent_json(&st.agents[ai])))
}

async fn calls(
    State(st): State<Arc<Shared>>,
    axum::Extension(Key(key)): Checked,
    Path(agent_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Answer, Answer> {
    if !key.calls_read {
        return Err(st.forbidden("calls:read"));
    }
    let ai = st.visible_agent(key, &agent_id)?;
    let params = parse_list_params(query.as_deref().unwrap_or(""), true)
        .map_err(|details| st.validation_error(details))?;
    let items: Vec<Value> = st.calls[ai]
        .iter()
        .filter(|c| params.matches(c))
        .map(call_list_json)
        .collect();
    Ok(Answer::ok(paginate(items, &params)))
}

async fn call(
    State(st): State<Arc<Shared>>,
    axum::Extension(Key(key)): Checked,
    Path((agent_id, id)): Path<(String, String)>,
) -> Result<Answer, Answer> {
    if !key.calls_read {
        return Err(st.forbidden("calls:read"));
    }
    let ai = st.visible_agent(key, &agent_id)?;
    match st.calls[ai].iter().find(|c| c.id == id) {
        Some(c) => Ok(Answer::ok(st.call_detail_json(c))),
        None => Err(st.not_found("Call not found")),
    }
}
