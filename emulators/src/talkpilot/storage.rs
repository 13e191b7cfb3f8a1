//! TalkPilot's storage host: signed recording URLs
//! (`/storage/v1/object/sign/recordings/{call_id}.wav?token=…&expires=…`), `Range` supported,
//! S3-style XML errors. Order: method (`405`) → path under the sign prefix (else `404`) →
//! `token`/`expires` (`403`) → signature (`403`) → expiry (`403`, also for URLs expired by
//! [`super::TalkPilotEmulator::expire_recording_urls`]) → object (`404`). The recording route
//! goes through the [`crate::link::RecordingLink`] and serves the test fixture when one is set.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};

use super::super::clock::rfc3339_secs;
use super::super::link::through_link;
use super::super::net::{ByteSource, s3_error, serve_bytes};
use super::super::{str_hash, unix_now_ms};
use super::{STORAGE_SIGN_PREFIX, Shared};

const RECORDING: &str = "/storage/v1/object/sign/recordings/{file}";

/// The storage router (paths as received: signatures cover the raw object path).
pub(super) fn router(st: Arc<Shared>) -> Router {
    Router::new()
        .route(
            RECORDING,
            get(recording).route_layer(from_fn_with_state(st.rec.link.clone(), through_link)),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(other_object)
        .with_state(st)
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

fn access_denied(message: &str, extra: &[(&str, &str)]) -> Response {
    s3_error(StatusCode::FORBIDDEN, "AccessDenied", message, extra, None)
}

impl Shared {
    /// The refusal of a signed query of `object` (the path below the sign prefix, as
    /// received), if it is refused.
    fn signature_refused(&self, object: &str, query: &str) -> Option<Response> {
        let mut token = None;
        let mut expires = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "token" if token.is_none() => token = Some(v.into_owned()),
                "expires" if expires.is_none() => expires = Some(v.into_owned()),
                _ => {}
            }
        }
        let (Some(token), Some(expires)) = (token, expires) else {
            return Some(access_denied(
                "Query-string authentication requires the token and expires parameters",
                &[],
            ));
        };
        let Ok(expires) = expires.parse::<u64>() else {
            return Some(access_denied("Invalid expires parameter", &[]));
        };
        if !self.signer.verify(object, expires, &token) {
            return Some(s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                &[],
                None,
            ));
        }
        let now_ms = unix_now_ms();
        let revoked = expires <= self.revoked_through.load(Ordering::SeqCst);
        if revoked || now_ms >= expires.saturating_mul(1000) {
            let fmt = |secs: u64| {
                DateTime::<Utc>::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
                    .map(|d| rfc3339_secs(&d))
                    .unwrap_or_default()
            };
            return Some(access_denied(
                "Request has expired",
                &[
                    ("Expires", &fmt(expires)),
                    ("ServerTime", &fmt(now_ms / 1000)),
                ],
            ));
        }
        None
    }
}

/// Any other path: `405` for other methods, `404` (a path under the sign prefix only once
/// its URL is signed).
async fn other_object(State(st): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return method_not_allowed_answer();
    }
    let Some(object) = uri.path().strip_prefix(STORAGE_SIGN_PREFIX) else {
        return no_such_key();
    };
    st.signature_refused(object, uri.query().unwrap_or(""))
        .unwrap_or_else(no_such_key)
}

async fn recording(
    State(st): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let object = uri.path().strip_prefix(STORAGE_SIGN_PREFIX).unwrap_or("");
    if let Some(refused) = st.signature_refused(object, uri.query().unwrap_or("")) {
        return refused;
    }
    let call_id = object
        .strip_prefix("recordings/")
        .and_then(|o| o.strip_suffix(".wav"))
        .unwrap_or("");
    let Some(&(ai, ci)) = st.by_call_id.get(call_id) else {
        return no_such_key();
    };
    let call = &st.calls[ai][ci];
    if call.is_purged {
        return no_such_key();
    }
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let throttle = st.rec.link.bytes_per_sec();
    let (content_type, source, etag) = match st.rec.fixture() {
        Some(f) => (f.content_type, f.source(), f.etag(&call.call_id)),
        None => {
            let source: Arc<dyn ByteSource> = call.audio.clone();
            let etag = format!("{:016x}", str_hash(&call.call_id));
            ("audio/wav", source, etag)
        }
    };
    serve_bytes(
        source,
        content_type,
        &etag,
        range.as_deref(),
        method == Method::HEAD,
        throttle,
    )
}
