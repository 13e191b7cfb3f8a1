//! The HTTP layer every provider shares: connect/read/overall timeouts, a bounded body size,
//! bounded retries with backoff that honours `Retry-After`, awareness of rate-limit headers, and a
//! second client without credentials for signed URLs.
//!
//! Credentials are never default headers: each request carries its own [`Auth`], and the API
//! client refuses to follow a redirect to another origin, so a key cannot leak to another host.
//!
//! One rule for rate limits, whoever asks (the TUI or the command line): the layer waits for a
//! `Retry-After` or a used-up window only while its waits for one request stay within
//! [`HttpLimits::max_rate_limit_wait`]; a server that asks for longer is given up at once, and the
//! error keeps how long it asked.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::display::redact_url;

mod download;
mod redirect;

pub use download::{ByteStream, Download, content_range};
pub use redirect::MAX_REDIRECTS;

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
    /// The longest the layer waits in total for rate limits on one request; a server that asks
    /// for longer is given up at once.
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
    /// `secs` is the time really spent, over all `attempts` (retries and their waits included).
    #[error("timed out after {secs} s talking to {host}{}", attempts_note(*.attempts))]
    Timeout {
        host: String,
        secs: u64,
        attempts: u32,
    },
    #[error("cannot connect to {host}: {cause}")]
    Connect { host: String, cause: String },
    #[error("connection to {host} failed: {cause}")]
    Transport { host: String, cause: String },
    #[error("answer from {host} is larger than {limit_bytes} bytes")]
    BodyTooLarge { host: String, limit_bytes: usize },
    #[error("{host} redirected to another host ({to}); not followed")]
    CrossHostRedirect { host: String, to: String },
    #[error("{host} redirects in a loop (back to {to}); not followed")]
    RedirectLoop { host: String, to: String },
    #[error("{host} redirected more than {MAX_REDIRECTS} times; not followed")]
    TooManyRedirects { host: String },
    #[error("{} {}", .0.status.as_u16(), .0.status.canonical_reason().unwrap_or(""))]
    Status(Box<StatusAnswer>),
    #[error("bad URL {0}")]
    BadUrl(String),
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    }
}

impl HttpError {
    /// The error as the end of a request that took `spent` in `attempts` attempts: a timeout
    /// says the whole time and the attempts, not one attempt's limit.
    fn after(self, spent: Duration, attempts: u32) -> HttpError {
        match self {
            HttpError::Timeout { host, .. } => HttpError::Timeout {
                host,
                secs: whole_secs(spent),
                attempts,
            },
            other => other,
        }
    }

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

/// A time as whole seconds, rounded (at least 1: a timeout never took "0 s").
fn whole_secs(d: Duration) -> u64 {
    (d.as_secs_f64().round() as u64).max(1)
}

/// Turns reqwest's error into ours; `spent` is how long the attempt ran.
fn classify(e: reqwest::Error, host: &str, spent: Duration) -> HttpError {
    let host = host.to_string();
    if e.is_timeout() {
        HttpError::Timeout {
            host,
            secs: whole_secs(spent),
            attempts: 1,
        }
    } else if e.is_connect() {
        HttpError::Connect {
            host,
            cause: root_cause(&e),
        }
    } else if e.is_redirect() {
        // The policy names the refused target; `e.url()` is the address asked for.
        match redirect::refusal(&e) {
            Some(redirect::Refused::Loop(to)) => HttpError::RedirectLoop {
                host,
                to: to.clone(),
            },
            Some(redirect::Refused::OtherHost(to)) => HttpError::CrossHostRedirect {
                host,
                to: to.clone(),
            },
            Some(redirect::Refused::TooMany) | None => HttpError::TooManyRedirects { host },
        }
    } else {
        HttpError::Transport {
            host,
            cause: root_cause(&e),
        }
    }
}

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

/// How long a server asked to wait, as a user reads it: `42 s`, `12 min`, `3 h 20 min`, or
/// `a day or more` (a `Retry-After` of [`MAX_RETRY_AFTER`] stands for anything that long).
pub fn describe_wait(secs: u64) -> String {
    match secs {
        s if s >= MAX_RETRY_AFTER.as_secs() => "a day or more".to_string(),
        s if s < 120 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s.div_ceil(60)),
        s => match (s / 3600, (s % 3600).div_ceil(60)) {
            (h, 0) => format!("{h} h"),
            (h, 60) => format!("{} h", h + 1),
            (h, m) => format!("{h} h {m} min"),
        },
    }
}

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
        let api = Self::builder(&limits)
            .redirect(redirect::policy(true))
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
            .redirect(redirect::policy(false))
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

    /// If the last answer said the window is used up, how long until it resets (as said: the
    /// caller decides with [`Self::within_wait_bound`] whether to wait).
    fn pending_rate_wait(&self) -> Option<Duration> {
        let st = self.rate_state();
        if st.remaining == Some(0) {
            return (st.reset_at? - Utc::now()).to_std().ok();
        }
        None
    }

    /// The one rule for rate limits: a wait is taken only while the rate-limit waits of one
    /// request (`waited` so far) stay within the bound; a longer one is given up at once.
    fn within_wait_bound(&self, waited: Duration, wait: Duration) -> bool {
        waited.saturating_add(wait) <= self.limits.max_rate_limit_wait
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
        let started = Instant::now();
        let mut retry = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            // A window used up by earlier answers: waited for within the bound; beyond it the
            // request goes out anyway and the server's answer decides (a 429 is given up at once).
            if let Some(wait) = self.pending_rate_wait()
                && !wait.is_zero()
                && self.within_wait_bound(waited, wait)
            {
                self.notify(HttpNotice::Waiting { wait, retry });
                tokio::time::sleep(wait).await;
                waited += wait;
                if let Ok(mut st) = self.rate.lock() {
                    st.remaining = None;
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
                    waited += self.pause(&host, &error, wait, retry).await;
                }
                None => return Err(error.after(started.elapsed(), retry + 1)),
            }
        }
    }

    /// How long to wait before trying again after `error`, or `None` to give up: 429/503 wait
    /// for `Retry-After` (a non-idempotent request only when it is given) while the rate-limit
    /// waits stay within the bound, 5xx and broken connections back off (idempotent requests
    /// only); all bounded in count.
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
                let wait = a
                    .retry_after
                    .unwrap_or_else(|| backoff(self.limits.backoff_base * 4, retry));
                return self.within_wait_bound(waited, wait).then_some(wait);
            }
            HttpError::Status(a) if idempotent && a.status.is_server_error() => {
                backoff(self.limits.backoff_base, retry)
            }
            e if idempotent && e.retryable() => backoff(self.limits.backoff_base, retry),
            _ => return None,
        };
        (retry < self.limits.max_retries).then_some(wait)
    }

    /// Tells the owner why and how long, then sleeps before retry number `retry`. Returns the
    /// time that counts against the rate-limit bound (a backoff after a 5xx does not).
    async fn pause(&self, host: &str, error: &HttpError, wait: Duration, retry: u32) -> Duration {
        let rate_limited = matches!(error, HttpError::Status(a) if is_rate_limit(a.status));
        if rate_limited {
            self.notify(HttpNotice::Waiting { wait, retry });
        } else {
            self.notify(HttpNotice::Retrying {
                retry,
                cause: error.to_string(),
            });
        }
        tracing::info!(host, retry, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
        tokio::time::sleep(wait).await;
        if rate_limited { wait } else { Duration::ZERO }
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
            .map_err(|e| classify(e, host, started.elapsed()))?;
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
            .map_err(|e| classify(e, host, started.elapsed()))?
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
        let started = Instant::now();
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
                    waited += self.pause(&host, &error, wait, retry).await;
                }
                None => return Err(error.after(started.elapsed(), retry + 1)),
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
        let started = Instant::now();
        let mut resp = req
            .send()
            .await
            .map_err(|e| classify(e, host, started.elapsed()))?;
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
    fn waits_are_said_as_people_read_them() {
        assert_eq!(describe_wait(30), "30 s");
        assert_eq!(describe_wait(600), "10 min");
        assert_eq!(describe_wait(7200), "2 h");
        assert_eq!(describe_wait(3 * 3600 + 1200), "3 h 20 min");
        assert_eq!(describe_wait(3 * 3600 + 3599), "4 h");
        // A Retry-After of 1e21 is read as the longest one taken: not "86400 s".
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("1e21"));
        let asked = parse_retry_after(&h, Utc::now()).map(|d| d.as_secs());
        assert_eq!(asked.map(describe_wait).as_deref(), Some("a day or more"));
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
