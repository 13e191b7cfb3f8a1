//! The HTTP layer every provider shares: connect/read/overall timeouts, a bounded body size,
//! bounded retries with backoff that honours `Retry-After`, awareness of rate-limit headers, and a
//! second client without credentials for signed URLs.
//!
//! Credentials are never default headers: each request carries its own [`Auth`], and the API
//! client refuses to follow a redirect to another origin, so a key cannot leak to another host.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::display::redact_url;

mod download;

pub use download::{ByteStream, Download, content_range};

/// Limits of the HTTP layer. Units are in the names.
#[derive(Clone, Debug)]
pub struct HttpLimits {
    pub connect_timeout: Duration,
    /// Longest silence while reading an answer.
    pub read_timeout: Duration,
    /// Longest time for a whole JSON request (not for streamed recordings).
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// Retries after the first attempt, for transport errors and 5xx.
    pub max_retries: u32,
    /// The longest the layer waits in total for rate limits on one request before giving up.
    pub max_rate_limit_wait: Duration,
    /// First backoff step (doubled each retry, with jitter).
    pub backoff_base: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
            max_retries: 3,
            max_rate_limit_wait: Duration::from_secs(90),
            backoff_base: Duration::from_millis(250),
        }
    }
}

/// How a request authenticates. The secret never appears in `Debug` output.
#[derive(Clone)]
pub enum Auth {
    None,
    /// A custom header such as `X-API-Key`.
    Header(HeaderName, String),
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Header(name, _) => write!(f, "Header({name}: ***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

/// Something the layer tells its owner while it works (shown in the status bar).
#[derive(Clone, Debug, PartialEq)]
pub enum HttpNotice {
    /// Waiting for a rate limit (or a 503) to pass.
    Waiting { wait: Duration, retry: u32 },
    /// A retry after a transport error or a 5xx.
    Retrying { retry: u32, cause: String },
}

pub type Notifier = Arc<dyn Fn(HttpNotice) + Send + Sync>;

/// An answer with a non-success status, kept whole for the adapter's vendor error parser.
#[derive(Clone, Debug)]
pub struct StatusAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("timed out after {secs} s talking to {host}")]
    Timeout { host: String, secs: u64 },
    #[error("cannot connect to {host}: {cause}")]
    Connect { host: String, cause: String },
    #[error("connection to {host} failed: {cause}")]
    Transport { host: String, cause: String },
    #[error("answer from {host} is larger than {limit_bytes} bytes")]
    BodyTooLarge { host: String, limit_bytes: usize },
    #[error("{host} redirected to another host ({to}); not followed")]
    CrossHostRedirect { host: String, to: String },
    #[error("{} {}", .0.status.as_u16(), .0.status.canonical_reason().unwrap_or(""))]
    Status(Box<StatusAnswer>),
    #[error("bad URL {0}")]
    BadUrl(String),
}

impl HttpError {
    fn retryable(&self) -> bool {
        matches!(
            self,
            HttpError::Timeout { .. } | HttpError::Connect { .. } | HttpError::Transport { .. }
        )
    }
}

/// What the last answers said about the rate limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct RateState {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub reset_at: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub struct HttpClient {
    api: reqwest::Client,
    limits: HttpLimits,
    rate: Arc<Mutex<RateState>>,
    notifier: Option<Notifier>,
    /// `application/json` for APIs; anything for signed URLs (transcripts are plain text).
    accept: &'static str,
}

fn host_of(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or("?")),
        None => url.host_str().unwrap_or("?").to_string(),
    }
}

fn classify(e: reqwest::Error, host: &str, limits: &HttpLimits) -> HttpError {
    if e.is_timeout() {
        HttpError::Timeout {
            host: host.to_string(),
            secs: limits.request_timeout.as_secs(),
        }
    } else if e.is_connect() {
        HttpError::Connect {
            host: host.to_string(),
            cause: root_cause(&e),
        }
    } else if e.is_redirect() {
        // The policy names the refused target; `e.url()` is the address asked for.
        let to = std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |c| {
            c.source()
        })
        .find_map(|c| c.downcast_ref::<RefusedRedirect>())
        .map(|r| r.0.clone())
        .unwrap_or_else(|| e.url().map(|u| redact_url(u.as_str())).unwrap_or_default());
        HttpError::CrossHostRedirect {
            host: host.to_string(),
            to,
        }
    } else {
        HttpError::Transport {
            host: host.to_string(),
            cause: root_cause(&e),
        }
    }
}

/// A redirect the API client refused: where it pointed, without its query.
#[derive(Debug)]
struct RefusedRedirect(String);

impl std::fmt::Display for RefusedRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redirect to another host refused")
    }
}

impl std::error::Error for RefusedRedirect {}

/// The innermost cause, without the URL (which may be signed).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let mut s = cur.to_string();
    if let Some(i) = s.find("http") {
        s.truncate(i);
    }
    s.trim().trim_end_matches([':', '(']).trim().to_string()
}

/// The longest `Retry-After` taken as said; a larger one (or a date further off) is read as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Parses `Retry-After` as seconds or an HTTP date, at most [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if !(secs.is_finite() && secs >= 0.0) {
            return None;
        }
        return Some(Duration::from_secs_f64(
            secs.min(MAX_RETRY_AFTER.as_secs_f64()),
        ));
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some(
        (when - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

/// One path segment of a URL, percent-encoded (everything but RFC 3986's unreserved
/// characters), for ids that go into a path. A segment of only dots would be resolved away by
/// the URL parser, encoded or not: [`is_dot_segment`] tells, for callers to refuse it.
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An empty id, `.` or `..`: no call or parent can be named so in a URL path.
pub fn is_dot_segment(s: &str) -> bool {
    matches!(s, "" | "." | "..")
}

fn header_u64(headers: &HeaderMap, names: &[&str]) -> Option<u64> {
    names.iter().find_map(|n| {
        headers
            .get(*n)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .map(|f| f as u64)
    })
}

fn is_rate_limit(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
}

fn backoff(base: Duration, retry: u32) -> Duration {
    let exp = base.saturating_mul(1 << retry.min(6));
    // full jitter on the upper half keeps retries of several providers apart
    let jitter = fastrand::f64() * 0.5 + 0.75;
    exp.mul_f64(jitter)
}

impl HttpClient {
    /// A client for a provider's API host. Redirects are followed only within the same origin.
    pub fn new(limits: HttpLimits) -> Result<HttpClient, HttpError> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let same = attempt
                .previous()
                .last()
                .is_some_and(|prev| prev.origin() == attempt.url().origin());
            if attempt.previous().len() > 5 {
                attempt.error("too many redirects")
            } else if same {
                attempt.follow()
            } else {
                let to = redact_url(attempt.url().as_str());
                attempt.error(RefusedRedirect(to))
            }
        });
        let api = Self::builder(&limits)
            .redirect(policy)
            .build()
            .map_err(|e| HttpError::Transport {
                host: "-".into(),
                cause: root_cause(&e),
            })?;
        Ok(HttpClient {
            api,
            limits,
            rate: Arc::default(),
            notifier: None,
            accept: "application/json",
        })
    }

    /// A client for signed URLs: it never carries credentials, so it may follow redirects.
    pub fn without_credentials(limits: HttpLimits) -> Result<HttpClient, HttpError> {
        let api = Self::builder(&limits)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| HttpError::Transport {
                host: "-".into(),
                cause: root_cause(&e),
            })?;
        Ok(HttpClient {
            api,
            limits,
            rate: Arc::default(),
            notifier: None,
            accept: "*/*",
        })
    }

    fn builder(limits: &HttpLimits) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .read_timeout(limits.read_timeout)
            .referer(false)
            .user_agent(concat!("callbrowser/", env!("CARGO_PKG_VERSION")))
    }

    pub fn with_notifier(mut self, notifier: Notifier) -> HttpClient {
        self.notifier = Some(notifier);
        self
    }

    pub fn limits(&self) -> &HttpLimits {
        &self.limits
    }

    /// What the last answers said about the rate limit.
    pub fn rate_state(&self) -> RateState {
        self.rate.lock().map(|r| *r).unwrap_or_default()
    }

    fn notify(&self, n: HttpNotice) {
        if let Some(f) = &self.notifier {
            f(n);
        }
    }

    fn record_rate(&self, headers: &HeaderMap) {
        let remaining = header_u64(headers, &["x-ratelimit-remaining", "ratelimit-remaining"]);
        let Some(remaining) = remaining else { return };
        let limit = header_u64(headers, &["x-ratelimit-limit", "ratelimit-limit"]);
        let reset = header_u64(headers, &["x-ratelimit-reset", "ratelimit-reset"]).map(|r| {
            // Unix seconds (TalkPilot) or seconds from now (the IETF draft's RateLimit-Reset).
            if r > 1_000_000_000 {
                DateTime::from_timestamp(r as i64, 0).unwrap_or_else(Utc::now)
            } else {
                Utc::now() + chrono::Duration::seconds(r as i64)
            }
        });
        if let Ok(mut st) = self.rate.lock() {
            *st = RateState {
                limit,
                remaining: Some(remaining),
                reset_at: reset,
            };
        }
    }

    /// If the last answer said the window is used up, how long until it resets.
    fn pending_rate_wait(&self) -> Option<Duration> {
        let st = self.rate_state();
        if st.remaining == Some(0) {
            let wait = (st.reset_at? - Utc::now()).to_std().ok()?;
            return Some(wait.min(self.limits.max_rate_limit_wait));
        }
        None
    }

    /// Sends a request and reads its whole (bounded) body, retrying as the rules say.
    /// Non-success statuses come back as [`HttpError::Status`] for the vendor's error parser.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        auth: &Auth,
        json_body: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), HttpError> {
        let url = Url::parse(url).map_err(|_| HttpError::BadUrl(redact_url(url)))?;
        let host = host_of(&url);
        let idempotent = method == Method::GET || method == Method::HEAD;
        let mut retry = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            if let Some(wait) = self.pending_rate_wait() {
                if waited + wait > self.limits.max_rate_limit_wait {
                    // Let the server answer 429 rather than wait past the bound.
                } else if !wait.is_zero() {
                    self.notify(HttpNotice::Waiting { wait, retry });
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    if let Ok(mut st) = self.rate.lock() {
                        st.remaining = None;
                    }
                }
            }
            let result = self
                .attempt(&method, &url, &host, query, auth, json_body)
                .await;
            let error = match result {
                Ok((status, headers, body)) if status.is_success() => {
                    return Ok((status, headers, body));
                }
                Ok((status, headers, body)) => {
                    let retry_after = parse_retry_after(&headers, Utc::now());
                    HttpError::Status(Box::new(StatusAnswer {
                        status,
                        headers,
                        body,
                        retry_after,
                    }))
                }
                Err(e) => e,
            };
            match self.retry_wait(&error, retry, waited, idempotent) {
                Some(wait) => {
                    retry += 1;
                    self.pause(&host, &error, wait, retry).await;
                    waited += wait;
                }
                None => return Err(error),
            }
        }
    }

    /// How long to wait before trying again after `error`, or `None` to give up: 429/503 wait
    /// for `Retry-After` (a non-idempotent request only when it is given), 5xx and broken
    /// connections back off (idempotent requests only); all bounded in count and total wait.
    fn retry_wait(
        &self,
        error: &HttpError,
        retry: u32,
        waited: Duration,
        idempotent: bool,
    ) -> Option<Duration> {
        let wait = match error {
            HttpError::Status(a) if is_rate_limit(a.status) => {
                if retry >= self.limits.max_retries + 2 || (!idempotent && a.retry_after.is_none())
                {
                    return None;
                }
                a.retry_after
                    .unwrap_or_else(|| backoff(self.limits.backoff_base * 4, retry))
            }
            HttpError::Status(a) if idempotent && a.status.is_server_error() => (retry
                < self.limits.max_retries)
                .then(|| backoff(self.limits.backoff_base, retry))?,
            e if idempotent && e.retryable() => (retry < self.limits.max_retries)
                .then(|| backoff(self.limits.backoff_base, retry))?,
            _ => return None,
        };
        (waited + wait <= self.limits.max_rate_limit_wait).then_some(wait)
    }

    /// Tells the owner why and how long, then sleeps before retry number `retry`.
    async fn pause(&self, host: &str, error: &HttpError, wait: Duration, retry: u32) {
        match error {
            HttpError::Status(a) if is_rate_limit(a.status) => {
                self.notify(HttpNotice::Waiting { wait, retry })
            }
            other => self.notify(HttpNotice::Retrying {
                retry,
                cause: other.to_string(),
            }),
        }
        tracing::info!(host, retry, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
        tokio::time::sleep(wait).await;
    }

    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        host: &str,
        query: &[(&str, String)],
        auth: &Auth,
        json_body: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), HttpError> {
        let mut req = self
            .api
            .request(method.clone(), url.clone())
            .timeout(self.limits.request_timeout)
            .header(reqwest::header::ACCEPT, self.accept);
        if !query.is_empty() {
            req = req.query(query);
        }
        req = apply_auth(req, auth);
        if let Some(body) = json_body {
            req = req.json(body);
        }
        let started = Instant::now();
        let mut resp = req
            .send()
            .await
            .map_err(|e| classify(e, host, &self.limits))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        self.record_rate(&headers);
        if resp
            .content_length()
            .is_some_and(|n| n > self.limits.max_body_bytes as u64)
        {
            return Err(HttpError::BodyTooLarge {
                host: host.to_string(),
                limit_bytes: self.limits.max_body_bytes,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify(e, host, &self.limits))?
        {
            if body.len() + chunk.len() > self.limits.max_body_bytes {
                return Err(HttpError::BodyTooLarge {
                    host: host.to_string(),
                    limit_bytes: self.limits.max_body_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            method = %method,
            url = %redact_url(url.as_str()),
            status = status.as_u16(),
            ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "http"
        );
        Ok((status, headers, body))
    }

    /// Opens a streamed download (a recording) from `from_byte` on. Connect and read timeouts
    /// apply, no overall one. A broken connection or a 5xx before the answer starts is retried
    /// with backoff, a 429/503 waits for `Retry-After`, both bounded like [`Self::send`].
    /// Non-success statuses come back as [`HttpError::Status`].
    pub async fn open_stream(
        &self,
        url: &str,
        auth: &Auth,
        from_byte: u64,
    ) -> Result<Download, HttpError> {
        let parsed = Url::parse(url).map_err(|_| HttpError::BadUrl(redact_url(url)))?;
        let host = host_of(&parsed);
        let mut retry = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            let error = match self.open_once(&parsed, &host, auth, from_byte).await {
                Ok(resp) => return Ok(Download::new(resp, host, self.limits.clone())),
                Err(e) => e,
            };
            // A GET: retried like any idempotent request.
            match self.retry_wait(&error, retry, waited, true) {
                Some(wait) => {
                    retry += 1;
                    self.pause(&host, &error, wait, retry).await;
                    waited += wait;
                }
                None => return Err(error),
            }
        }
    }

    async fn open_once(
        &self,
        url: &Url,
        host: &str,
        auth: &Auth,
        from_byte: u64,
    ) -> Result<reqwest::Response, HttpError> {
        let mut req = apply_auth(self.api.get(url.clone()), auth);
        if from_byte > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={from_byte}-"));
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| classify(e, host, &self.limits))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let retry_after = parse_retry_after(&headers, Utc::now());
        // An error body is read for its message only: bounded in size and in time.
        let mut body = Vec::new();
        let read = async {
            while let Ok(Some(chunk)) = resp.chunk().await {
                if body.len() + chunk.len() > 64 * 1024 {
                    break;
                }
                body.extend_from_slice(&chunk);
            }
        };
        let _ = tokio::time::timeout(self.limits.request_timeout, read).await;
        Err(HttpError::Status(Box::new(StatusAnswer {
            status,
            headers,
            body,
            retry_after,
        })))
    }
}

fn apply_auth(req: reqwest::RequestBuilder, auth: &Auth) -> reqwest::RequestBuilder {
    match auth {
        Auth::None => req,
        Auth::Header(name, value) => match HeaderValue::from_str(value) {
            Ok(mut v) => {
                v.set_sensitive(true);
                req.header(name.clone(), v)
            }
            Err(_) => req,
        },
        Auth::Bearer(token) => req.bearer_auth(token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("18"));
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(18)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:30 GMT"),
        );
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h, now), None);
        // Absurd values are bounded, never an overflow.
        for huge in [
            "1e20",
            "18446744073709551616",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            h.insert(RETRY_AFTER, HeaderValue::from_static(huge));
            assert_eq!(parse_retry_after(&h, now), Some(MAX_RETRY_AFTER), "{huge}");
        }
        h.insert(RETRY_AFTER, HeaderValue::from_static("-3"));
        assert_eq!(parse_retry_after(&h, now), None);
    }

    #[test]
    fn path_segments_are_encoded_whole() {
        assert_eq!(path_segment("f6a7b8c9-1d2e"), "f6a7b8c9-1d2e");
        assert_eq!(path_segment("a b/c?d#e%f+g"), "a%20b%2Fc%3Fd%23e%25f%2Bg");
        assert_eq!(path_segment("é"), "%C3%A9");
        assert!(is_dot_segment("..") && is_dot_segment(".") && is_dot_segment(""));
        assert!(!is_dot_segment("..."));
    }

    #[test]
    fn auth_debug_hides_secrets() {
        let a = Auth::Header(
            HeaderName::from_static("x-api-key"),
            "tp_live_secret".into(),
        );
        assert!(!format!("{a:?}").contains("secret"));
        assert!(!format!("{:?}", Auth::Bearer("tok".into())).contains("tok"));
    }

    #[test]
    fn backoff_grows() {
        let b = Duration::from_millis(100);
        assert!(backoff(b, 3) > backoff(b, 0));
    }
}
