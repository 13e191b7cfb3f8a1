//! Networking pieces shared by the emulators: a listener whose connections can be
//! killed from a handler (for the connection-reset and truncated-body faults),
//! server lifetime, plain answers, HTTP `Range` handling for recordings and
//! S3-style XML errors for the storage host.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub use super::log::RecordedRequest;

// ---------------------------------------------------------------------------
// Killable connections
// ---------------------------------------------------------------------------

/// Per-connection control shared between the IO object and the handlers.
#[derive(Debug)]
pub struct ConnCtl {
    killed: AtomicBool,
    server_closed: Arc<AtomicBool>,
}

impl ConnCtl {
    /// Make every further read or write on this connection fail, so the server
    /// drops it without sending (more of) an answer.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }

    fn dead(&self) -> bool {
        self.killed.load(Ordering::SeqCst) || self.server_closed.load(Ordering::SeqCst)
    }
}

/// The handle a handler finds in its request extensions as
/// `ConnectInfo<ConnHandle>`.
#[derive(Clone, Debug)]
pub struct ConnHandle(pub Arc<ConnCtl>);

impl ConnHandle {
    /// The connection handle of a request served by [`ServerGuard::spawn`], if any.
    pub fn of<B>(req: &Request<B>) -> Option<ConnHandle> {
        req.extensions()
            .get::<ConnectInfo<ConnHandle>>()
            .map(|c| c.0.clone())
    }

    pub fn kill(&self) {
        self.0.kill();
    }
}

/// Remote address plus connection control.
#[derive(Debug)]
pub struct ConnAddr {
    pub remote: SocketAddr,
    pub ctl: Arc<ConnCtl>,
}

/// A TCP stream that fails all IO once its connection was killed or the server
/// shut down.
#[derive(Debug)]
pub struct ConnIo {
    inner: TcpStream,
    ctl: Arc<ConnCtl>,
}

fn reset_error() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "connection killed")
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.ctl.dead() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.ctl.dead() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.ctl.dead() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.ctl.dead() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A listener bound to 127.0.0.1 whose connections are [`ConnIo`]s.
#[derive(Debug)]
pub struct ControlledListener {
    inner: TcpListener,
    server_closed: Arc<AtomicBool>,
}

impl ControlledListener {
    pub async fn bind_local() -> io::Result<Self> {
        let inner = TcpListener::bind(("127.0.0.1", 0)).await?;
        Ok(ControlledListener {
            inner,
            server_closed: Arc::new(AtomicBool::new(false)),
        })
    }

    pub fn addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

impl Listener for ControlledListener {
    type Io = ConnIo;
    type Addr = ConnAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    let ctl = Arc::new(ConnCtl {
                        killed: AtomicBool::new(false),
                        server_closed: self.server_closed.clone(),
                    });
                    return (
                        ConnIo {
                            inner: stream,
                            ctl: ctl.clone(),
                        },
                        ConnAddr { remote, ctl },
                    );
                }
                Err(e) => {
                    tracing::debug!("emulator accept error: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnAddr {
            remote: self.inner.local_addr()?,
            ctl: Arc::new(ConnCtl {
                killed: AtomicBool::new(false),
                server_closed: self.server_closed.clone(),
            }),
        })
    }
}

impl Connected<IncomingStream<'_, ControlledListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, ControlledListener>) -> Self {
        ConnHandle(stream.remote_addr().ctl.clone())
    }
}

/// Stops the servers it started when told to or when dropped.
#[derive(Debug)]
pub struct ServerGuard {
    tx: watch::Sender<bool>,
    closed: Vec<Arc<AtomicBool>>,
}

impl Default for ServerGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerGuard {
    pub fn new() -> Self {
        let (tx, _rx) = watch::channel(false);
        ServerGuard {
            tx,
            closed: Vec::new(),
        }
    }

    /// Serve `router` on `listener` on the current tokio runtime until shutdown.
    pub fn spawn(&mut self, listener: ControlledListener, router: Router) {
        self.closed.push(listener.server_closed.clone());
        let mut rx = self.tx.subscribe();
        let service = router.into_make_service_with_connect_info::<ConnHandle>();
        tokio::spawn(async move {
            let signal = async move {
                let _ = rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, service)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::debug!("emulator server ended: {e}");
            }
        });
    }

    /// Stop accepting, close idle connections and abort answers in progress.
    pub fn shutdown(&self) {
        for c in &self.closed {
            c.store(true, Ordering::SeqCst);
        }
        self.tx.send_replace(true);
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.shutdown();
    }
}

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

/// An answer with exactly these status, headers and body.
pub fn response(status: StatusCode, headers: HeaderMap, body: impl Into<Body>) -> Response<Body> {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

/// Headers with just this `Content-Type`.
pub fn content_type(value: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
    h
}

/// A response whose `Content-Length` promises `full.len()` bytes but which sends
/// only about half of them and then closes the connection.
pub fn truncated_response(
    status: StatusCode,
    mut headers: HeaderMap,
    full: Vec<u8>,
    conn: Option<ConnHandle>,
) -> Response<Body> {
    let cut = (full.len() / 2).max(1).min(full.len().saturating_sub(1));
    let first = Bytes::from(full[..cut].to_vec());
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    let stream = futures_util::stream::unfold(0u8, move |state| {
        let first = first.clone();
        let conn = conn.clone();
        async move {
            match state {
                0 => Some((Ok::<Bytes, io::Error>(first), 1)),
                1 => {
                    // Let the first part reach the client, then drop the connection.
                    tokio::time::sleep(Duration::from_millis(60)).await;
                    if let Some(c) = &conn {
                        c.kill();
                    }
                    Some((Err(reset_error()), 2))
                }
                _ => None,
            }
        }
    });
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

/// Something that can produce any byte range of a (possibly large) file lazily.
pub trait ByteSource: Send + Sync + 'static {
    fn byte_len(&self) -> u64;
    /// Fill `out` with the bytes starting at `offset` (`offset + out.len() <= byte_len()`).
    fn read_at(&self, offset: u64, out: &mut [u8]);
}

/// Outcome of interpreting a `Range` header against a resource of known length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeOutcome {
    /// No (usable) range: send everything with 200.
    Full,
    /// Send bytes `start..=end` with 206.
    Partial { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Interpret a `Range` header. Supports one `bytes=N-`, `bytes=N-M` or
/// `bytes=-S`; multiple ranges and malformed headers are ignored (200), as the
/// HTTP spec allows.
pub fn parse_range(header_value: Option<&str>, len: u64) -> RangeOutcome {
    let Some(v) = header_value else {
        return RangeOutcome::Full;
    };
    let v = v.trim();
    let Some(spec) = v.strip_prefix("bytes=") else {
        return RangeOutcome::Full;
    };
    if spec.contains(',') {
        return RangeOutcome::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeOutcome::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let Ok(suffix) = b.parse::<u64>() else {
            return RangeOutcome::Full;
        };
        if suffix == 0 || len == 0 {
            return RangeOutcome::Unsatisfiable;
        }
        let start = len.saturating_sub(suffix);
        return RangeOutcome::Partial {
            start,
            end: len - 1,
        };
    }
    let Ok(start) = a.parse::<u64>() else {
        return RangeOutcome::Full;
    };
    let end = if b.is_empty() {
        None
    } else {
        match b.parse::<u64>() {
            Ok(e) if e >= start => Some(e),
            _ => return RangeOutcome::Full,
        }
    };
    if start >= len {
        return RangeOutcome::Unsatisfiable;
    }
    let end = end.map_or(len - 1, |e| e.min(len - 1));
    RangeOutcome::Partial { start, end }
}

/// A body streaming `start..=end` of `source` in chunks, optionally throttled
/// to `bytes_per_sec`.
pub fn ranged_body(
    source: Arc<dyn ByteSource>,
    start: u64,
    end_inclusive: u64,
    bytes_per_sec: Option<u64>,
) -> Body {
    const CHUNK: u64 = 32 * 1024;
    let stream = futures_util::stream::unfold(start, move |pos| {
        let source = source.clone();
        async move {
            if pos > end_inclusive {
                return None;
            }
            let n = (end_inclusive + 1 - pos).min(CHUNK);
            if let Some(rate) = bytes_per_sec.filter(|r| *r > 0) {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
            let mut buf = vec![0u8; n as usize];
            source.read_at(pos, &mut buf);
            Some((Ok::<Bytes, io::Error>(Bytes::from(buf)), pos + n))
        }
    });
    Body::from_stream(stream)
}

/// Answer a GET/HEAD for a byte source with 200/206/416 and the usual headers.
pub fn serve_bytes(
    source: Arc<dyn ByteSource>,
    content_type: &'static str,
    etag: &str,
    range_header: Option<&str>,
    head_only: bool,
    bytes_per_sec: Option<u64>,
) -> Response<Body> {
    let len = source.byte_len();
    let mut builder = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, format!("\"{etag}\""));
    let (status, start, end) = match parse_range(range_header, len) {
        RangeOutcome::Unsatisfiable => {
            return s3_error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range is not satisfiable",
                &[
                    ("RangeRequested", range_header.unwrap_or("")),
                    ("ActualObjectSize", &len.to_string()),
                ],
                Some(format!("bytes */{len}")),
            );
        }
        RangeOutcome::Full => (StatusCode::OK, 0, len.saturating_sub(1)),
        RangeOutcome::Partial { start, end } => {
            builder = builder.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"));
            (StatusCode::PARTIAL_CONTENT, start, end)
        }
    };
    let count = if len == 0 { 0 } else { end + 1 - start };
    builder = builder
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, count);
    let body = if head_only || count == 0 {
        Body::empty()
    } else {
        ranged_body(source, start, end, bytes_per_sec)
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An S3-style XML error answer.
pub fn s3_error(
    status: StatusCode,
    code: &str,
    message: &str,
    extra: &[(&str, &str)],
    content_range: Option<String>,
) -> Response<Body> {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    xml.push_str(&format!("<Code>{}</Code>", xml_escape(code)));
    xml.push_str(&format!("<Message>{}</Message>", xml_escape(message)));
    for (k, v) in extra {
        xml.push_str(&format!("<{k}>{}</{k}>", xml_escape(v)));
    }
    let rid = format!("{:016X}", super::mix64(super::unix_now_ms()));
    xml.push_str(&format!("<RequestId>{rid}</RequestId></Error>"));
    let mut b = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/xml");
    if let Some(cr) = content_range {
        b = b.header(header::CONTENT_RANGE, cr);
    }
    b.body(Body::from(xml))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}
