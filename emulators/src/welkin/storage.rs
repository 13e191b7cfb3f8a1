//! Welkin's recordings: the whole audio file, always `200` (`Range` is ignored), with
//! `Content-Disposition` and `Content-Length` and without `Accept-Ranges`. The file is the
//! call's clip, or the test fixture when one is set ([`super::WelkinEmulator::set_test_recording`]).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::super::link::read_all;
use super::super::net::{ByteSource, ranged_body, response};
use super::super::recordings::{self, Clip};
use super::Shared;

/// The file served as a call's recording. It also marks a recording answer (a `TruncatedBody`
/// fault cuts the file itself).
#[derive(Clone)]
pub(super) struct RecordingFile {
    pub(super) content_type: &'static str,
    extension: &'static str,
    pub(super) source: Arc<dyn ByteSource>,
}

impl Shared {
    /// The file the recording endpoint serves for a call whose clip is `clip`.
    pub(super) fn recording_file(&self, clip: &'static Clip) -> RecordingFile {
        match self.rec.fixture() {
            Some(f) => RecordingFile {
                content_type: f.content_type,
                extension: f.extension(),
                source: f.source(),
            },
            None => RecordingFile {
                content_type: clip.format.content_type(),
                extension: clip.format.extension(),
                source: recordings::source(clip),
            },
        }
    }
}

/// The recording of a call (`head`: headers only), throttled as the emulator is told.
pub(super) fn recording_response(
    st: &Shared,
    clip: &'static Clip,
    call_id: &str,
    head: bool,
) -> Response {
    let file = st.recording_file(clip);
    let len = file.source.byte_len();
    let disposition = format!(
        "attachment; filename=\"recording-{call_id}.{}\"",
        file.extension
    );
    let throttle = st.rec.link.bytes_per_sec();
    let body = if head || len == 0 {
        Body::empty()
    } else {
        ranged_body(file.source.clone(), 0, len - 1, throttle)
    };
    let mut resp = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, file.content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()));
    resp.extensions_mut().insert(file);
    resp
}

/// Whether an answer is a recording.
pub(super) fn is_recording(resp: &Response) -> bool {
    resp.extensions().get::<RecordingFile>().is_some()
}

/// What a truncated recording starts from: the whole file at full speed, with its
/// `Content-Type` only. Other answers are unchanged.
pub(super) fn whole_file_to_cut(resp: Response) -> Response {
    let Some(file) = resp.extensions().get::<RecordingFile>().cloned() else {
        return resp;
    };
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(file.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    response(StatusCode::OK, headers, read_all(file.source.as_ref()))
}
