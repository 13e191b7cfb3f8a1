//! Voxeme's recordings: streamed with chunked transfer (no `Content-Length`, no
//! `Content-Disposition`, no `Accept-Ranges`; `Range` ignored), from the API host or, with
//! [`super::RecordingUrls::OtherHost`], from a media host that takes no key. The file is the
//! call's clip, or the test fixture when one is set (an MPEG fixture is sent as `audio/mp3`,
//! Voxeme's name for MP3).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::super::link::through_link;
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

    /// The `Content-Type` and bytes served as the recording of a call whose clip is `clip`.
    pub(super) fn recording_file(
        &self,
        clip: &'static Clip,
        fmt: RecordFormat,
    ) -> (&'static str, Arc<dyn ByteSource>) {
        match self.rec.fixture() {
            Some(f) if f.is_mp3() => ("audio/mp3", f.source()),
            Some(f) => (f.content_type, f.source()),
            None => (fmt.content_type(), recordings::source(clip)),
        }
    }

    /// The recording file of a call, if it has one (the 404s of [`Self::recording`] aside).
    pub(super) fn recording_of(
        &self,
        call_sid: &str,
    ) -> Option<(&'static str, Arc<dyn ByteSource>)> {
        let &(ai, ci) = self.by_sid.get(call_sid)?;
        let c = &self.cdrs[ai][ci];
        let fmt = self.accounts[ai].spec.record?;
        c.recording_path.as_ref()?;
        if c.recording_missing {
            return None;
        }
        Some(self.recording_file(c.clip?, fmt))
    }

    fn audio_response(&self, clip: &'static Clip, fmt: RecordFormat, head: bool) -> Response {
        let (content_type, source) = self.recording_file(clip, fmt);
        let len = source.byte_len();
        let throttle = self.rec.link.bytes_per_sec();
        let body = if head || len == 0 {
            Body::empty()
        } else {
            // A stream without a size: hyper sends it with chunked transfer encoding.
            ranged_body(source, 0, len - 1, throttle)
        };
        let mut r = Response::new(body);
        if let Ok(v) = HeaderValue::from_str(content_type) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    }
}

const MEDIA_RECORDING: &str = "/recordings/{account}/{call_sid}/{y}/{m}/{d}/{fmt}";

/// The media host ([`super::RecordingUrls::OtherHost`]): recordings without a key; anything
/// else is `404` (paths canonical, see [`crate::host`]).
pub(super) fn media_router(st: Arc<Shared>) -> Router {
    Router::new()
        .route(
            MEDIA_RECORDING,
            get(media_recording).route_layer(from_fn_with_state(st.rec.link.clone(), through_link)),
        )
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
