//! Welkin's routes and handlers.
//!
//! Token routes: token counter → token faults → `405` (`AUTH`) or the exchange. Resource
//! routes and unknown paths: faults (the endpoint's, then any resource's) → bearer token
//! (`401`) → `404 NOT_FOUND` / `405` (`API`) / the handler, which checks `Accept` (`406`),
//! tenant and instance, the query, then patient, call and recording.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{MatchedPath, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::super::fault;
use super::super::link::through_link;
use super::answers::{Answer, WelkinFaults, error, method_not_allowed};
use super::auth::TokenStyle;
use super::data::{call_json, patient_json};
use super::query::Query;
use super::storage::recording_response;
use super::{Endpoint, Shared};

const TOKEN: &str = "/auth/token";
const TOKEN_V8: &str = "/{tenant}/admin/api_clients/{client}";
const PATIENTS: &str = "/{tenant}/{instance}/patients";
const PATIENT: &str = "/{tenant}/{instance}/patients/{patient}";
const CALLS: &str = "/{tenant}/{instance}/patients/{patient}/calls";
const CALL: &str = "/{tenant}/{instance}/patients/{patient}/calls/{call}";
const RECORDING: &str = "/{tenant}/{instance}/patients/{patient}/calls/{call}/recording";

/// The API router (paths canonical, see [`crate::host`]).
pub(super) fn router(st: Arc<Shared>) -> Router {
    let tokens = Router::new()
        .route(TOKEN, post(token_current))
        .route(TOKEN_V8, post(token_v8))
        .method_not_allowed_fallback(token_method_not_allowed)
        .layer(from_fn_with_state(st.clone(), token_faults))
        .layer(from_fn_with_state(st.clone(), count_token_request));
    Router::new()
        .route(PATIENTS, get(patients).head(resource_method_not_allowed))
        .route(PATIENT, get(patient).head(resource_method_not_allowed))
        .route(CALLS, get(calls).head(resource_method_not_allowed))
        .route(CALL, get(call).head(resource_method_not_allowed))
        .route(
            RECORDING,
            get(recording).route_layer(from_fn_with_state(st.rec.link.clone(), through_link)),
        )
        .method_not_allowed_fallback(resource_method_not_allowed)
        .fallback(no_handler)
        .layer(from_fn_with_state(st.clone(), authenticate))
        .layer(from_fn_with_state(st.clone(), resource_faults))
        .merge(tokens)
        .with_state(st)
}

// ---------------------------------------------------------------------------
// Middleware
// ---------------------------------------------------------------------------

/// Every request to a token path counts, refused ones included.
async fn count_token_request(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    st.token_requests.fetch_add(1, Ordering::SeqCst);
    next.run(req).await
}

/// Token requests take faults only from their own queue.
async fn token_faults(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let fault = st.scoped_faults[Endpoint::Token as usize].take();
    fault::inject(&WelkinFaults, fault, req, next).await
}

/// The endpoint of a resource route.
fn endpoint(route: &str) -> Option<Endpoint> {
    match route {
        PATIENTS => Some(Endpoint::Patients),
        PATIENT => Some(Endpoint::Patient),
        CALLS => Some(Endpoint::Calls),
        CALL => Some(Endpoint::Call),
        RECORDING => Some(Endpoint::Recording),
        _ => None,
    }
}

/// Resource requests take their endpoint's fault, else one for any resource (unknown paths
/// only the latter).
async fn resource_faults(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let ep = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| endpoint(m.as_str()));
    let scoped = ep.and_then(|e| st.scoped_faults[e as usize].take());
    let fault = scoped.or_else(|| st.faults.take());
    fault::inject(&WelkinFaults, fault, req, next).await
}

/// The API client a resource request's token belongs to.
#[derive(Clone, Copy)]
struct Client(usize);

async fn authenticate(State(st): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    match st.authenticate(req.headers()) {
        Ok(client) => {
            req.extensions_mut().insert(Client(client));
            next.run(req).await
        }
        Err(a) => a.into_response(),
    }
}

// ---------------------------------------------------------------------------
// Token exchange
// ---------------------------------------------------------------------------

async fn read_body(req: Request) -> axum::body::Bytes {
    axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .unwrap_or_default()
}

async fn token_current(State(st): State<Arc<Shared>>, req: Request) -> Answer {
    st.token_answer(TokenStyle::Current, &read_body(req).await)
}

async fn token_v8(
    State(st): State<Arc<Shared>>,
    Path((tenant, name)): Path<(String, String)>,
    req: Request,
) -> Answer {
    st.token_answer(TokenStyle::V8 { tenant, name }, &read_body(req).await)
}

async fn token_method_not_allowed(method: Method) -> Answer {
    method_not_allowed("AUTH", method.as_str())
}

// ---------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------

async fn resource_method_not_allowed(method: Method) -> Answer {
    method_not_allowed("API", method.as_str())
}

async fn no_handler() -> Answer {
    error(
        404,
        "NOT_FOUND",
        "API",
        "No handler found for this path",
        json!({}),
    )
}

/// Whether an `Accept` header allows `mime` (`type/sub`). Absent: anything goes.
fn accepts(headers: &HeaderMap, mime: &str) -> bool {
    let Some(v) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let (ty, _) = mime.split_once('/').unwrap_or((mime, ""));
    v.split(',').any(|part| {
        let m = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        m.is_empty() || m == "*/*" || m == mime || m == format!("{ty}/*")
    })
}

impl Shared {
    /// `Accept` (406), then tenant and instance (404) of a resource request.
    fn check_scope(
        &self,
        headers: &HeaderMap,
        audio: bool,
        tenant: &str,
        instance: &str,
    ) -> Result<(), Answer> {
        let ok = if audio {
            accepts(headers, "audio/mpeg") || accepts(headers, "audio/wav")
        } else {
            accepts(headers, "application/json")
        };
        if !ok {
            return Err(error(
                406,
                "NOT_ACCEPTABLE",
                "API",
                "Could not find an acceptable representation",
                json!({}),
            ));
        }
        if tenant != self.vopts.tenant {
            return Err(error(
                404,
                "TENANT_NOT_FOUND",
                "TENANT",
                "Tenant was not found",
                json!({"tenantName": tenant}),
            ));
        }
        if instance != self.vopts.instance {
            return Err(error(
                404,
                "INSTANCE_NOT_FOUND",
                "INSTANCE",
                "Instance was not found",
                json!({"instanceName": instance}),
            ));
        }
        Ok(())
    }

    fn find_patient(&self, pid: &str) -> Result<&super::data::PatientRec, Answer> {
        self.patient(pid).ok_or_else(|| {
            error(
                404,
                "PATIENT_NOT_FOUND",
                "PATIENT",
                "Patient was not found",
                json!({"id": pid}),
            )
        })
    }
}

type Scope = Path<(String, String)>;

async fn patients(
    State(st): State<Arc<Shared>>,
    Path((tenant, instance)): Scope,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Answer, Answer> {
    st.check_scope(&headers, false, &tenant, &instance)?;
    st.list_patients(Query::parse(q.as_deref().unwrap_or("")))
}

async fn patient(
    State(st): State<Arc<Shared>>,
    Path((tenant, instance, pid)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Answer, Answer> {
    st.check_scope(&headers, false, &tenant, &instance)?;
    Ok(Answer::ok(patient_json(st.find_patient(&pid)?)))
}

async fn calls(
    State(st): State<Arc<Shared>>,
    Path((tenant, instance, pid)): Path<(String, String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Answer, Answer> {
    st.check_scope(&headers, false, &tenant, &instance)?;
    let mut q = Query::parse(q.as_deref().unwrap_or(""));
    let (page, size) = q.paging("CALL");
    let start = q.date("startDate", false);
    let end = q.date("endDate", true);
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        q.bad("CALL", "startDate", "startDate must not be after endDate");
    }
    q.into_result()?;
    let p = st.find_patient(&pid)?;
    let items: Vec<Value> = p
        .calls
        .iter()
        .filter(|c| start.is_none_or(|s| c.called_at >= s))
        .filter(|c| end.is_none_or(|e| c.called_at <= e))
        .map(|c| call_json(p, c))
        .collect();
    Ok(Answer::ok(st.paginate(items, page, size)))
}

type CallPath = Path<(String, String, String, String)>;

impl Shared {
    /// A patient's call, or the 404 for the patient or the call.
    fn find_call(
        &self,
        pid: &str,
        cid: &str,
    ) -> Result<(&super::data::PatientRec, &super::data::CallRec), Answer> {
        let p = self.find_patient(pid)?;
        let c = p.calls.iter().find(|c| c.id == cid).ok_or_else(|| {
            error(
                404,
                "CALL_NOT_FOUND",
                "CALL",
                "Call was not found",
                json!({"id": cid}),
            )
        })?;
        Ok((p, c))
    }
}

async fn call(
    State(st): State<Arc<Shared>>,
    Path((tenant, instance, pid, cid)): CallPath,
    headers: HeaderMap,
) -> Result<Answer, Answer> {
    st.check_scope(&headers, false, &tenant, &instance)?;
    let (p, c) = st.find_call(&pid, &cid)?;
    Ok(Answer::ok(call_json(p, c)))
}

async fn recording(
    State(st): State<Arc<Shared>>,
    Path((tenant, instance, pid, cid)): CallPath,
    axum::Extension(Client(client)): axum::Extension<Client>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, Answer> {
    st.check_scope(&headers, true, &tenant, &instance)?;
    let (_, c) = st.find_call(&pid, &cid)?;
    if !st.clients[client].recordings {
        return Err(error(
            403,
            "ACCESS_FOR_API_CLIENT_RESTRICTED",
            "AUTH",
            "Access to this API is restricted for the APIClient",
            json!({}),
        ));
    }
    let Some(clip) = c.clip else {
        return Err(error(
            404,
            "CALL_RECORDING_NOT_FOUND",
            "CALL",
            "Call recording was not found",
            json!({"id": cid}),
        ));
    };
    Ok(recording_response(&st, clip, &c.id, method == Method::HEAD))
}
