//! The provider trait every vendor adapter implements, the one error type they answer with, and
//! the helpers they share for reading lenient wire data.

pub mod allomia;
pub mod lenient;
pub mod merged;
pub mod paced;
pub mod solum;
pub mod talkpilot;
pub mod voxeme;
pub mod welkin;

use async_trait::async_trait;

use crate::display::sanitize;
use crate::http::HttpError;
use crate::model::{
    Account, Call, CallDetail, Capabilities, Filter, Page, PageRequest, ProviderId, ProviderInfo,
    ProviderKind, Scope,
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
        Some(s) => format!(
            " (the server asks to retry in {})",
            crate::http::describe_wait(s)
        ),
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
            // Not an answer that could not be read: the server sends us round in circles.
            HttpError::RedirectLoop { .. } | HttpError::TooManyRedirects { .. } => {
                ProviderError::Invalid {
                    provider,
                    message: format!("{e}; check base_url in the configuration"),
                }
            }
            other => ProviderError::Malformed {
                provider,
                cause: other.to_string(),
            },
        }
    }
}

/// The one check of an id a caller hands an adapter — a call's, or a parent's (agent, patient,
/// account, organization) — whether it came from the user, the configuration or a vendor's list:
/// an empty id, `.` or `..` names nothing, and in a URL path the parser would resolve it away and
/// reach another resource. Every adapter calls this before an id reaches a request; it answers
/// the id as one percent-encoded path segment, or a sentence naming the provider (`label`) and
/// what the id should have been (`noun`: "call id", "agent id", …).
pub fn id_segment(label: &str, noun: &str, id: &str) -> Result<String, ProviderError> {
    if crate::http::is_dot_segment(id) {
        return Err(ProviderError::Invalid {
            provider: label.to_string(),
            message: format!("\"{}\" is not a {noun}", sanitize(id)),
        });
    }
    Ok(crate::http::path_segment(id))
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

/// A recording download in progress: what the server said about the bytes, and the bytes as
/// they arrive. Dropping it closes the connection.
pub struct RecordingStream {
    pub content_type: Option<String>,
    /// Length of the whole file when the server says it.
    pub total_len: Option<u64>,
    /// The byte offset the body starts at (a `206` may start elsewhere than asked).
    pub starts_at: u64,
    pub accepts_ranges: bool,
    /// The provider's label, for errors while reading.
    provider: String,
    body: crate::http::ByteStream,
}

impl RecordingStream {
    /// Wraps a download of `provider` (its label).
    pub fn new(provider: &str, download: crate::http::Download) -> RecordingStream {
        RecordingStream {
            content_type: download.content_type,
            total_len: download.total_len,
            starts_at: download.starts_at,
            accepts_ranges: download.accepts_ranges,
            provider: provider.to_string(),
            body: download.body,
        }
    }

    /// The next chunk of the recording, `None` at its end. A broken or stalled connection is the
    /// provider being offline, in one sentence.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, ProviderError> {
        self.body
            .chunk()
            .await
            .map_err(|e| ProviderError::from_http(&self.provider, e))
    }
}

/// What a provider adapter does. Every method answers only in model types.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The configured name (unique among configured providers).
    fn name(&self) -> &str;
    /// The vendor account this provider reaches (`id: None` when its key sees several).
    fn account(&self) -> &Account;
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
    /// One call (listed under `scope`) with everything its detail offers (transcript fetched
    /// and parsed).
    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError>;
    /// Starts downloading a call's recording at `from_byte`.
    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
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

/// The static description of `p` as configured provider `id` (what state and views hold).
pub fn describe(id: ProviderId, p: &dyn Provider) -> ProviderInfo {
    ProviderInfo {
        id,
        name: p.name().to_string(),
        label: p.label().to_string(),
        kind: p.kind(),
        capabilities: p.capabilities().clone(),
        pinned_scope: p.pinned_scope().cloned(),
        account: p.account().clone(),
    }
}

/// What an API of `kind` offers, known without setting one up (a provider whose key is missing
/// still shows what it would offer).
pub fn capabilities_of(kind: ProviderKind) -> Capabilities {
    match kind {
        ProviderKind::Welkin => welkin::capabilities(),
        ProviderKind::Solum => solum::capabilities(),
        ProviderKind::TalkPilot => talkpilot::capabilities(),
        ProviderKind::Voxeme => voxeme::capabilities(),
        ProviderKind::AlloMia => allomia::capabilities(),
    }
}
