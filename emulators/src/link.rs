//! Test controls of recording downloads, the same on all five emulators: the link a recording
//! travels over ([`RecordingLink`], `emulator.recording_link()`) and a fixture served instead
//! of every call's recording ([`TestRecording`], `emulator.set_test_recording(…)`).
//!
//! # The link
//! A [`RecordingLink`] is a cheap handle (clones share their state) that every answer of a
//! vendor's recording route goes through (Welkin's and Voxeme's recording endpoints,
//! TalkPilot's and AlloMia's signed storage URLs for recordings, AlloMia's mirror host too;
//! not transcripts, not the API; Solum has no recordings). Its knobs take effect on the next
//! recording request:
//! - [`RecordingLink::set_bytes_per_sec`]: the body is sent at that rate (the emulators' older
//!   `throttle_recordings`/`throttle_storage` methods set this same value);
//! - [`RecordingLink::set_latency`]: each recording request waits this long before its answer
//!   (status, headers and body) is sent, whatever the answer (an expired URL's 403 too);
//! - [`RecordingLink::drop_after`]`(n)`: one-shot. The next successful (2xx) `GET` answer of a
//!   recording sends its headers and the first `n` bytes of its body, then the connection is
//!   closed abruptly, as a network drop: the client's body stream ends with an error (a
//!   `Content-Length` answer ends short of its length; a chunked one, Voxeme's, ends without
//!   its last chunk). Later requests are normal. If the body is `n` bytes or shorter it is
//!   sent whole and the drop is spent all the same. [`RecordingLink::drops`] counts drops made.
//!
//! # Fixtures
//! With `set_test_recording(Some(TestRecording { bytes, content_type }))` every call that has a
//! recording serves exactly `bytes` instead of its own, with the vendor's own delivery kept:
//! Welkin's authenticated endpoint (always `200`, whole body, `Range` ignored,
//! `Content-Disposition` with `.mp3` or `.wav` from the content type), Voxeme's chunked stream
//! (no `Content-Length`; `audio/mpeg` is sent as `audio/mp3`, as Voxeme names MP3), TalkPilot's
//! and AlloMia's signed storage URLs (`Range`/`206`/`416`, `Content-Length`, URLs unchanged).
//! Calls without a recording stay without one. `None` restores the normal recordings. Each
//! emulator's `recording_bytes(…)` gives exactly the bytes served for a call's recording, a
//! fixture or the normal one.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;

use super::lock;
use super::net::{ByteSource, ConnHandle};
use super::testaudio::{TestFormat, position_tones};

/// The link recordings are downloaded over (see the module docs). `Default`: full speed, no
/// latency, no drop armed.
#[derive(Clone, Debug, Default)]
pub struct RecordingLink {
    state: Arc<LinkState>,
}

#[derive(Debug, Default)]
struct LinkState {
    bytes_per_sec: AtomicU64,
    latency_ms: AtomicU64,
    drop_after: Mutex<Option<u64>>,
    drops: AtomicUsize,
}

impl RecordingLink {
    /// Send recording bodies at `bytes_per_sec` (`None` or 0: full speed).
    pub fn set_bytes_per_sec(&self, bytes_per_sec: Option<u64>) {
        let v = bytes_per_sec.unwrap_or(0);
        self.state.bytes_per_sec.store(v, Ordering::SeqCst);
    }

    /// The throttle (`None`: full speed).
    pub fn bytes_per_sec(&self) -> Option<u64> {
        Some(self.state.bytes_per_sec.load(Ordering::SeqCst)).filter(|r| *r > 0)
    }

    /// Wait this long before answering each recording request (milliseconds are kept).
    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.state.latency_ms.store(ms, Ordering::SeqCst);
    }

    /// The same in milliseconds.
    pub fn set_latency_ms(&self, ms: u64) {
        self.state.latency_ms.store(ms, Ordering::SeqCst);
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.state.latency_ms.load(Ordering::SeqCst))
    }

    /// One-shot: the next successful recording `GET` sends `body_bytes` bytes of its body,
    /// then the connection is dropped. Replaces a drop armed before and not yet made.
    pub fn drop_after(&self, body_bytes: u64) {
        *lock(&self.state.drop_after) = Some(body_bytes);
    }

    /// Disarm a drop not yet made.
    pub fn cancel_drop(&self) {
        *lock(&self.state.drop_after) = None;
    }

    /// The armed drop's byte count, if one is armed.
    pub fn drop_armed(&self) -> Option<u64> {
        *lock(&self.state.drop_after)
    }

    /// How many answers were dropped so far (the connection closed mid-body).
    pub fn drops(&self) -> usize {
        self.state.drops.load(Ordering::SeqCst)
    }

    /// Full speed, no latency, no drop armed.
    pub fn reset(&self) {
        self.set_bytes_per_sec(None);
        self.set_latency_ms(0);
        self.cancel_drop();
    }

    /// Run a recording request through the link: latency, then the handler, then the armed
    /// drop (if the answer is a 2xx `GET`).
    pub(crate) async fn serve(&self, req: Request, next: Next) -> Response {
        let conn = ConnHandle::of(&req);
        let head = req.method() == Method::HEAD;
        let latency = self.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let resp = next.run(req).await;
        if head || !resp.status().is_success() {
            return resp;
        }
        let Some(n) = lock(&self.state.drop_after).take() else {
            return resp;
        };
        let (parts, body) = resp.into_parts();
        Response::from_parts(parts, self.dropping_body(body, n, conn))
    }

    /// `body` cut after `n` bytes, then the connection killed and the body failed.
    fn dropping_body(&self, body: Body, n: u64, conn: Option<ConnHandle>) -> Body {
        enum St {
            Sending(axum::body::BodyDataStream, u64),
            Cut,
            Done,
        }
        let state = self.state.clone();
        let stream = futures_util::stream::unfold(St::Sending(body.into_data_stream(), n), {
            move |st| {
                let conn = conn.clone();
                let state = state.clone();
                async move {
                    match st {
                        // A body of `n` bytes or fewer ends normally.
                        St::Sending(mut inner, left) => match inner.next().await {
                            None => None,
                            Some(Err(e)) => Some((Err(std::io::Error::other(e)), St::Done)),
                            Some(Ok(chunk)) if (chunk.len() as u64) <= left => {
                                let left = left - chunk.len() as u64;
                                Some((Ok(chunk), St::Sending(inner, left)))
                            }
                            Some(Ok(chunk)) => {
                                let head = chunk.slice(..left as usize);
                                Some((Ok(head), St::Cut))
                            }
                        },
                        St::Cut => {
                            // Let what was sent reach the client, then drop the connection.
                            tokio::time::sleep(Duration::from_millis(60)).await;
                            if let Some(c) = &conn {
                                c.kill();
                            }
                            state.drops.fetch_add(1, Ordering::SeqCst);
                            let e = std::io::Error::new(
                                std::io::ErrorKind::ConnectionReset,
                                "recording link dropped",
                            );
                            Some((Err(e), St::Done))
                        }
                        St::Done => None,
                    }
                }
            }
        });
        Body::from_stream(stream)
    }
}

/// Middleware for a recording route whose state is the link itself.
pub(crate) async fn through_link(
    State(link): State<RecordingLink>,
    req: Request,
    next: Next,
) -> Response {
    link.serve(req, next).await
}

/// Bytes served instead of every call's recording (see the module docs).
#[derive(Clone)]
pub struct TestRecording {
    pub bytes: Arc<[u8]>,
    /// `audio/wav` or `audio/mpeg` (any value is sent as given, except Voxeme's `audio/mp3`
    /// for `audio/mpeg`).
    pub content_type: &'static str,
}

impl std::fmt::Debug for TestRecording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRecording")
            .field("bytes", &self.bytes.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl TestRecording {
    pub fn new(bytes: impl Into<Arc<[u8]>>, content_type: &'static str) -> Self {
        TestRecording {
            bytes: bytes.into(),
            content_type,
        }
    }

    /// `secs` seconds of position tones in `format` ([`position_tones`]).
    pub fn position_tones(format: TestFormat, secs: u32) -> Self {
        Self::new(position_tones(format, secs), format.content_type())
    }

    /// `mp3` for an MPEG content type, else `wav`.
    pub fn extension(&self) -> &'static str {
        if self.is_mp3() { "mp3" } else { "wav" }
    }

    pub(crate) fn is_mp3(&self) -> bool {
        let ct = self.content_type.to_ascii_lowercase();
        ct.contains("mpeg") || ct.contains("mp3")
    }

    /// The bytes as a [`ByteSource`] for [`super::net::serve_bytes`].
    pub(crate) fn source(&self) -> Arc<dyn ByteSource> {
        Arc::new(SharedBytes(self.bytes.clone()))
    }

    /// An entity tag for the fixture as the recording of `object`.
    pub(crate) fn etag(&self, object: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.bytes.iter() {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{:016x}", super::mix64(h ^ super::str_hash(object)))
    }
}

/// Bytes in memory as a [`ByteSource`]: shared (`Arc<[u8]>`), owned (`Vec<u8>`) or static.
pub struct SharedBytes<T = Arc<[u8]>>(pub T);

impl<T: AsRef<[u8]> + Send + Sync + 'static> ByteSource for SharedBytes<T> {
    fn byte_len(&self) -> u64 {
        self.0.as_ref().len() as u64
    }

    fn read_at(&self, offset: u64, out: &mut [u8]) {
        let bytes = self.0.as_ref();
        let start = (offset as usize).min(bytes.len());
        let end = (start + out.len()).min(bytes.len());
        out[..end - start].copy_from_slice(&bytes[start..end]);
    }
}

/// Every byte of a source.
pub fn read_all(source: &dyn ByteSource) -> Vec<u8> {
    let mut out = vec![0u8; source.byte_len() as usize];
    source.read_at(0, &mut out);
    out
}

/// What each emulator keeps for its recordings' test controls.
#[derive(Debug, Default)]
pub(crate) struct RecordingControls {
    pub(crate) link: RecordingLink,
    fixture: Mutex<Option<TestRecording>>,
}

impl RecordingControls {
    pub(crate) fn with_throttle(bytes_per_sec: Option<u64>) -> Self {
        let c = Self::default();
        c.link.set_bytes_per_sec(bytes_per_sec);
        c
    }

    pub(crate) fn fixture(&self) -> Option<TestRecording> {
        lock(&self.fixture).clone()
    }

    pub(crate) fn set_fixture(&self, fixture: Option<TestRecording>) {
        *lock(&self.fixture) = fixture;
    }
}
