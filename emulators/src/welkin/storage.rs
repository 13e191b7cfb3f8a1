//! Welkin's recordings: the whole audio file, always `200` (`Range` is ignored), with
//! `Content-Disposition` and `Content-Length` and without `Accept-Ranges`.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::super::net::{ranged_body, response};
use super::super::recordings::{self, Clip};
use super::Shared;

/// Marks a recording answer with its clip (a `TruncatedBody` fault cuts the file itself).
#[derive(Clone, Copy)]
struct RecordingClip(&'static Clip);

/// The recording of a call (`head`: headers only), throttled as the emulator is told.
pub(super) fn recording_response(
    st: &Shared,
    clip: &'static Clip,
    call_id: &str,
    head: bool,
) -> Response {
    let len = clip.bytes.len() as u64;
    let disposition = format!(
        "attachment; filename=\"recording-{call_id}.{}\"",
        clip.format.extension()
    );
    let throttle = Some(st.throttle.load(Ordering::SeqCst)).filter(|r| *r > 0);
    let body = if head || len == 0 {
        Body::empty()
    } else {
        ranged_body(recordings::source(clip), 0, len - 1, throttle)
    };
    let mut resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, clip.format.content_type())
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()));
    resp.extensions_mut().insert(RecordingClip(clip));
    resp
}

/// Whether an answer is a recording.
pub(super) fn is_recording(resp: &Response) -> bool {
    resp.extensions().get::<RecordingClip>().is_some()
}

/// What a truncated recording starts from: the whole file at full speed, with its
/// `Content-Type` only. Other answers are unchanged.
pub(super) fn whole_file_to_cut(resp: Response) -> Response {
    let Some(RecordingClip(clip)) = resp.extensions().get::<RecordingClip>().copied() else {
        return resp;
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(clip.format.content_type()),
    );
    response(StatusCode::OK, headers, clip.bytes)
}
