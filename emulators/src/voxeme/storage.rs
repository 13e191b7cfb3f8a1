//! Voxeme's recordings: streamed with chunked transfer (no `Content-Length`, no
//! `Content-Disposition`, no `Accept-Ranges`; `Range` ignored), from the API host or, with
//! [`super::RecordingUrls::OtherHost`], from a media host that takes no key.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::super::net::{ByteSource, ranged_body};
use super::super::recordings::{self, Clip};
use super::Shared;
use super::answers::{Reply, not_found};
use super::data::RecordFormat;

impl Shared {
    /// The recording at `path` (relative to `/v1`), streamed without a length.
    pub(super) fn recording(
        &self,
        ai: Option<usize>,
        call_sid: &str,
        path: &str,
        head: bool,
    ) -> Reply {
        let Some(&(cai, ci)) = self.by_sid.get(call_sid) else {
            return not_found();
        };
        if ai.is_some_and(|ai| ai != cai) {
            return not_found();
        }
        let c = &self.cdrs[cai][ci];
        let (Some(expected), Some(clip), Some(fmt)) =
            (&c.recording_path, c.clip, self.accounts[cai].spec.record)
        else {
            return not_found();
        };
        if expected != path || c.recording_missing {
            return not_found();
        }
        Reply::Audio(Box::new(self.audio_response(clip, fmt, head)))
    }

    fn audio_response(&self, clip: &'static Clip, fmt: RecordFormat, head: bool) -> Response {
        let source: Arc<dyn ByteSource> = recordings::source(clip);
        let len = source.byte_len();
        let throttle = Some(self.throttle.load(Ordering::SeqCst)).filter(|r| *r > 0);
        let body = if head || len == 0 {
            Body::empty()
        } else {
            // A stream without a size: hyper sends it with chunked transfer encoding.
            ranged_body(source, 0, len - 1, throttle)
        };
        let mut r = Response::new(body);
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(fmt.content_type()),
        );
        r
    }
}

const MEDIA_RECORDING: &str = "/recordings/{account}/{call_sid}/{y}/{m}/{d}/{fmt}";

/// The media host ([`super::RecordingUrls::OtherHost`]): recordings without a key; anything
/// else is `404` (paths canonical, see [`crate::host`]).
pub(super) fn media_router(st: Arc<Shared>) -> Router {
    Router::new()
        .route(MEDIA_RECORDING, get(media_recording))
        .method_not_allowed_fallback(media_not_found)
        .fallback(media_not_found)
        .with_state(st)
}

async fn media_not_found() -> Reply {
    not_found()
}

type MediaPath = Path<(String, String, String, String, String, String)>;

async fn media_recording(
    State(st): State<Arc<Shared>>,
    Path((account, call_sid, y, m, d, fmt)): MediaPath,
    method: Method,
) -> Response {
    let path = format!("/Accounts/{account}/RecentCalls/{call_sid}/record/{y}/{m}/{d}/{fmt}");
    st.recording(None, &call_sid, &path, method == Method::HEAD)
        .into_response()
}
