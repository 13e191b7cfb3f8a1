//! AlloMia's storage and mirror hosts: pre-signed transcript (`.txt`) and recording (`.mp3`)
//! URLs in the S3 query-string style, `Range` supported, S3 XML errors, and a redirecting
//! recording path.
//!
//! Order: storage faults → method (`405`) → `Authorization` sent (`400`) → `X-Amz-*` present
//! (`403`) → `X-Amz-Date` format (`400`) → signature (`403`) → expiry (`403`, also for URLs
//! expired by [`super::AlloMiaEmulator::expire_recording_urls`]) → object (`404`). Requests for
//! recordings (`recordings/` and `recordings-redirect/`) go through the
//! [`crate::link::RecordingLink`] (after the storage faults); recordings serve the test fixture
//! when one is set.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::MethodRouter;
use chrono::format::StrftimeItems;
use chrono::{DateTime, NaiveDateTime, Utc};

use super::super::clock::rfc3339_secs;
use super::super::fault::{self, FaultAnswers};
use super::super::link::SharedBytes;
use super::super::net::{ByteSource, s3_error, serve_bytes};
use super::super::recordings;
use super::super::{lock, str_hash, unix_now_ms};
use super::answers::retry_after_value;
use super::data::CallRec;
use super::query::Query;
use super::{BUCKET, Redirect, RetryAfter, Shared};

/// Which storage listener a request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Host {
    Storage = 0,
    Mirror = 1,
}

impl Shared {
    /// The emulator's clock for signed URLs (see [`super::AlloMiaEmulator::advance_url_clock`]).
    fn url_now_ms(&self) -> u64 {
        unix_now_ms().saturating_add(self.clock_offset_ms.load(Ordering::SeqCst))
    }

    /// A signed URL on `host` for an object path (starting with `/`), valid for the configured
    /// TTL or already expired.
    pub(super) fn sign(&self, host: Host, object: &str, expired: bool) -> String {
        let now_ms = self.url_now_ms();
        let ttl_ms = self.opts.signed_url_ttl.as_millis() as u64;
        let (date, expires_in) = if expired {
            (now_ms / 1000 - 7200, 3600)
        } else {
            let date = now_ms / 1000;
            // Later than every URL expired by `expire_urls` (unchanged otherwise).
            let not_before = self.revoked_through.load(Ordering::SeqCst) + 1;
            let expiry = (now_ms + ttl_ms).div_ceil(1000).max(date + 1);
            (date, expiry.max(not_before) - date)
        };
        let token = lock(&self.signer).token(object, date + expires_in);
        let when = DateTime::<Utc>::from_timestamp(date as i64, 0).unwrap_or_default();
        let amz_date = when.format_with_items(StrftimeItems::new("%Y%m%dT%H%M%SZ"));
        let day = when.format_with_items(StrftimeItems::new("%Y%m%d"));
        format!(
            "{}{object}?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAALLOMIAEMULATOR%2F{day}%2Fca-central-1%2Fs3%2Faws4_request\
             &X-Amz-Date={amz_date}&X-Amz-Expires={expires_in}&X-Amz-SignedHeaders=host\
             &X-Amz-Signature={token}",
            self.storage_base[host as usize]
        )
    }

    pub(super) fn object_path(&self, c: &CallRec, kind: &str, ext: &str) -> String {
        format!("{BUCKET}/{kind}/{}/{}.{ext}", self.orgs[c.org].id, c.id)
    }

    /// Every URL issued so far (its expiry at or before the latest one `sign` can have given)
    /// is expired from now on.
    pub(super) fn expire_urls(&self) {
        let ttl_ms = self.opts.signed_url_ttl.as_millis() as u64;
        let now_ms = self.url_now_ms();
        let latest = (now_ms + ttl_ms).div_ceil(1000).max(now_ms / 1000 + 1);
        self.revoked_through.fetch_max(latest, Ordering::SeqCst);
    }

    /// The recording served for a call that has one: the fixture, or the call's clip.
    pub(super) fn recording_source(&self, c: &CallRec) -> (&'static str, Arc<dyn ByteSource>) {
        match self.rec.fixture() {
            Some(f) => (f.content_type, Arc::new(SharedBytes(f.bytes))),
            None => ("audio/mpeg", recordings::source(c.clip)),
        }
    }
}

const OBJECT: &str = "/allomia-call-artifacts/{kind}/{org}/{file}";

/// The router of the storage host and of the mirror host (paths as received: signatures
/// cover the raw object path).
pub(super) fn router(st: Arc<Shared>) -> Router {
    Router::new()
        .route(OBJECT, object_route(&st))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(other_object)
        .layer(from_fn_with_state(st.clone(), take_fault))
        .with_state(st)
}

/// The object route; requests for recordings go through the recording link.
fn object_route(st: &Arc<Shared>) -> MethodRouter<Arc<Shared>> {
    axum::routing::get(object).route_layer(from_fn_with_state(st.clone(), recording_link))
}

async fn recording_link(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let kind = req
        .uri()
        .path()
        .strip_prefix(BUCKET)
        .and_then(|r| r.strip_prefix('/'))
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    if kind.starts_with("recordings") {
        st.rec.link.serve(req, next).await
    } else {
        next.run(req).await
    }
}

/// The storage hosts' answers to injected faults.
struct StorageFaults(RetryAfter);

/// An S3 error answer for an injected status.
fn s3_fault(status: StatusCode) -> Response {
    let (code, message) = match status.as_u16() {
        503 => ("SlowDown", "Please reduce your request rate."),
        500 => (
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
        _ => ("ServiceUnavailable", "Service is unable to handle request."),
    };
    s3_error(status, code, message, &[], None)
}

impl FaultAnswers for StorageFaults {
    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        let mut resp = s3_fault(StatusCode::SERVICE_UNAVAILABLE);
        let v = retry_after_value(retry_after_secs, self.0);
        resp.headers_mut().insert(header::RETRY_AFTER, v);
        resp
    }

    fn status(&self, status: StatusCode) -> Response {
        s3_fault(status)
    }

    fn malformed_json(&self) -> Option<Response> {
        None
    }

    /// An object answer (cut mid-recording), never an error.
    fn truncates(&self, resp: &Response, _head: bool) -> bool {
        resp.status().is_success()
    }

    fn corrupts(&self, _resp: &Response) -> bool {
        false
    }

    fn corrupt(&self, _body: &mut serde_json::Value) {}
}

/// Each storage (or mirror) request takes at most one storage fault.
async fn take_fault(State(st): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let form = lock(&st.knobs).retry_after;
    let fault = st.storage_faults.take();
    fault::inject(&StorageFaults(form), fault, req, next).await
}

fn method_not_allowed_answer() -> Response {
    s3_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        &[],
        None,
    )
}

async fn method_not_allowed() -> Response {
    method_not_allowed_answer()
}

fn no_such_key() -> Response {
    s3_error(
        StatusCode::NOT_FOUND,
        "NoSuchKey",
        "The specified key does not exist.",
        &[],
        None,
    )
}

fn parse_amz_date(s: &str) -> Option<u64> {
    let d = NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").ok()?;
    u64::try_from(d.and_utc().timestamp()).ok()
}

impl Shared {
    /// The refusal of a request for the object at `uri` (its raw path), if it is refused.
    fn refused(&self, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
        if headers.contains_key(header::AUTHORIZATION) {
            // As S3 does for a pre-signed URL that also carries an Authorization header (the
            // value, a secret, is not echoed).
            return Some(s3_error(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
                &[("ArgumentName", "Authorization")],
                None,
            ));
        }
        let q = Query::parse(uri.query().unwrap_or(""));
        let (Some(date), Some(expires), Some(sig)) = (
            q.get("X-Amz-Date"),
            q.get("X-Amz-Expires"),
            q.get("X-Amz-Signature"),
        ) else {
            return Some(s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
                &[],
                None,
            ));
        };
        let (Some(date), Ok(expires_in)) = (parse_amz_date(date), expires.parse::<u64>()) else {
            return Some(s3_error(
                StatusCode::BAD_REQUEST,
                "AuthorizationQueryParametersError",
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
                &[],
                None,
            ));
        };
        let expiry = date.saturating_add(expires_in);
        self.expired_or_forged(uri.path(), expiry, expires_in, sig)
    }

    fn expired_or_forged(
        &self,
        object: &str,
        expiry: u64,
        expires_in: u64,
        sig: &str,
    ) -> Option<Response> {
        if !lock(&self.signer).verify(object, expiry, sig) {
            return Some(s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                &[],
                None,
            ));
        }
        let now_ms = self.url_now_ms();
        let revoked = expiry <= self.revoked_through.load(Ordering::SeqCst);
        if !revoked && now_ms < expiry.saturating_mul(1000) {
            return None;
        }
        let fmt = |secs: u64| {
            DateTime::<Utc>::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
                .map(|d| rfc3339_secs(&d))
                .unwrap_or_default()
        };
        Some(s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
            &[
                ("X-Amz-Expires", &expires_in.to_string()),
                ("Expires", &fmt(expiry)),
                ("ServerTime", &fmt(now_ms / 1000)),
            ],
            None,
        ))
    }
}

/// Any other path: `405` for other methods, else `404` once the URL is found signed.
async fn other_object(
    State(st): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed_answer();
    }
    st.refused(&uri, &headers).unwrap_or_else(no_such_key)
}

async fn object(
    State(st): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = st.refused(&uri, &headers) {
        return refused;
    }
    let Some(rest) = uri
        .path()
        .strip_prefix(BUCKET)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return no_such_key();
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let [kind, org_id, file] = parts.as_slice() else {
        return no_such_key();
    };
    let (call_id, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let Some(&ci) = st.by_id.get(call_id) else {
        return no_such_key();
    };
    let c = &st.calls[ci];
    if st.orgs[c.org].id != *org_id {
        return no_such_key();
    }
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let etag = format!("{:016x}", str_hash(&format!("{kind}/{call_id}")));
    let head = method == Method::HEAD;
    serve_object(&st, c, kind, ext, &etag, range.as_deref(), head)
}

/// A transcript, a recording or a redirect to a recording.
fn serve_object(
    st: &Shared,
    c: &CallRec,
    kind: &str,
    ext: &str,
    etag: &str,
    range: Option<&str>,
    head: bool,
) -> Response {
    match (kind, ext) {
        ("transcripts", "txt") if c.has_transcript => {
            let text = st.transcript(c);
            serve_bytes(
                Arc::new(SharedBytes(text.into_bytes())),
                "text/plain; charset=utf-8",
                etag,
                range,
                head,
                None,
            )
        }
        ("recordings", "mp3") if c.has_recording => {
            let throttle = st.rec.link.bytes_per_sec();
            let (content_type, source) = st.recording_source(c);
            let etag = match st.rec.fixture() {
                Some(f) => f.etag(etag),
                None => etag.to_string(),
            };
            serve_bytes(source, content_type, &etag, range, head, throttle)
        }
        ("recordings-redirect", "mp3") if c.has_recording => {
            let to = match lock(&st.knobs).redirect_recordings {
                Redirect::OtherHost => Host::Mirror,
                _ => Host::Storage,
            };
            let target = st.sign(to, &st.object_path(c, "recordings", "mp3"), false);
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = StatusCode::FOUND;
            if let Ok(v) = HeaderValue::from_str(&target) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        _ => no_such_key(),
    }
}
