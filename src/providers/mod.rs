//! The provider trait every vendor adapter implements, the one error type they answer with, and
//! the helpers they share for reading lenient wire data.

pub mod allomia;
pub mod lenient;
pub mod solum;
pub mod talkpilot;
pub mod voxeme;
pub mod welkin;

use async_trait::async_trait;

use crate::display::sanitize;
use crate::http::HttpError;
use crate::model::{
    Call, CallDetail, CallKey, Capabilities, Filter, Page, PageRequest, ProviderKind, Scope,
};

/// Why a provider could not answer. Every variant's text is one sentence that names the provider
/// and the cause; vendor text in it has been sanitized.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("{provider} rejected the {credential} ({status} {code}): {hint}")]
    Auth {
        provider: String,
        /// "API key", "token", …
        credential: String,
        status: u16,
        code: String,
        hint: String,
    },
    #[error("{provider} refused access ({status} {code}): {message}")]
    Forbidden {
        provider: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("{provider}: not found ({message})")]
    NotFound { provider: String, message: String },
    #[error("{provider} is rate limiting requests; gave up waiting{}", retry_hint(*.retry_after_secs))]
    RateLimited {
        provider: String,
        retry_after_secs: Option<u64>,
    },
    #[error("{provider} answered {status} {code}: {message}")]
    Vendor {
        provider: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("{provider} is unreachable: {cause}")]
    Offline { provider: String, cause: String },
    #[error("{provider} sent an answer that could not be read: {cause}")]
    Malformed { provider: String, cause: String },
    #[error("{provider} does not offer {what}")]
    NotOffered { provider: String, what: String },
    #[error("{provider}: {message}")]
    Invalid { provider: String, message: String },
}

fn retry_hint(secs: Option<u64>) -> String {
    match secs {
        Some(s) => format!(" (the server asks to retry in {s} s)"),
        None => String::new(),
    }
}

/// The health a provider shows in the sidebar, derived from its last answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Unknown,
    Loading,
    Ok,
    AuthError,
    Offline,
    RateLimited,
    Error,
}

impl ProviderError {
    pub fn health(&self) -> Health {
        match self {
            ProviderError::Auth { .. } | ProviderError::Forbidden { .. } => Health::AuthError,
            ProviderError::Offline { .. } => Health::Offline,
            ProviderError::RateLimited { .. } => Health::RateLimited,
            _ => Health::Error,
        }
    }

    /// Turns a transport-level error into the provider's error; `Status` answers must go through
    /// the adapter's own parser first, this is the fallback for them.
    pub fn from_http(provider: &str, e: HttpError) -> ProviderError {
        let provider = provider.to_string();
        match e {
            HttpError::Timeout { .. } | HttpError::Connect { .. } | HttpError::Transport { .. } => {
                ProviderError::Offline {
                    provider,
                    cause: e.to_string(),
                }
            }
            HttpError::Status(a) => {
                let message = body_excerpt(&a.body);
                ProviderError::Vendor {
                    provider,
                    status: a.status.as_u16(),
                    code: a.status.canonical_reason().unwrap_or("").to_string(),
                    message,
                }
            }
            other => ProviderError::Malformed {
                provider,
                cause: other.to_string(),
            },
        }
    }
}

/// The start of a body as one sanitized line, for errors that have nothing better.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = sanitize(text.trim());
    let mut out: String = line.chars().take(160).collect();
    if line.chars().count() > 160 {
        out.push('…');
    }
    if out.is_empty() {
        "(empty body)".to_string()
    } else {
        out
    }
}

/// A recording download in progress. Dropping it closes the connection.
pub struct RecordingStream {
    pub content_type: Option<String>,
    /// Length of the whole file when the server says it.
    pub total_len: Option<u64>,
    /// The byte offset the body starts at (a `206` may start elsewhere than asked).
    pub starts_at: u64,
    pub accepts_ranges: bool,
    pub response: reqwest::Response,
}

/// What a provider adapter does. Every method answers only in model types.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The configured name (unique among configured providers).
    fn name(&self) -> &str;
    /// What the sidebar shows.
    fn label(&self) -> &str;
    fn kind(&self) -> ProviderKind;
    fn capabilities(&self) -> &Capabilities;
    /// A scope pinned by configuration: the parent list is then not offered.
    fn pinned_scope(&self) -> Option<&Scope> {
        None
    }
    /// The parent level (agents, patients, …), searchable where the API allows.
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError>;
    /// One page of calls under a scope (or the provider itself when it has no parent level).
    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError>;
    /// One call with everything its detail offers (transcript fetched and parsed).
    async fn get_call(&self, key: &CallKey) -> Result<CallDetail, ProviderError>;
    /// Starts downloading a call's recording at `from_byte`.
    async fn open_recording(
        &self,
        key: &CallKey,
        from_byte: u64,
    ) -> Result<RecordingStream, ProviderError>;
    /// Calls in progress or just ended under a scope (Voxeme's live calls), newest first, as one
    /// page that counts the records that could not be read. The Live view polls this every few
    /// seconds while it is on screen.
    async fn list_live(&self, scope: Option<&str>) -> Result<Page<Call>, ProviderError> {
        let _ = scope;
        Err(ProviderError::NotOffered {
            provider: self.label().to_string(),
            what: "a live view of calls in progress".to_string(),
        })
    }
    /// One cheap authenticated request: a line saying what was checked, or why it failed.
    async fn check(&self) -> Result<String, ProviderError>;
}

/// Reads `bytes=` `Content-Range` start and the full length from an answer's headers.
pub fn content_range(headers: &reqwest::header::HeaderMap) -> Option<(u64, Option<u64>)> {
    let v = headers.get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    let rest = v.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let start = range.split_once('-')?.0.parse().ok()?;
    Some((start, total.parse().ok()))
}

/// Turns a successful recording answer into a [`RecordingStream`].
pub fn recording_stream(response: reqwest::Response) -> RecordingStream {
    let headers = response.headers();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let accepts_ranges = headers
        .get(reqwest::header::ACCEPT_RANGES)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("bytes"));
    let (starts_at, total_len) = if response.status() == reqwest::StatusCode::PARTIAL_CONTENT {
        content_range(headers).unwrap_or((0, None))
    } else {
        (0, response.content_length())
    };
    RecordingStream {
        content_type,
        total_len,
        starts_at,
        accepts_ranges,
        response,
    }
}
