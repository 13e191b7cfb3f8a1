//! One call at a provider as the adapters' tests name it (the parent it was listed under and its
//! id), the two fetches by it, and the few helpers every adapter test shares: the HTTP clients
//! (notices recorded), paging to the end, reading a recording.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use callbrowser::http::{HttpClient, HttpLimits, HttpNotice};
use callbrowser::model::{Call, CallDetail, Filter, PageRequest};
use callbrowser::providers::{Provider, ProviderError, RecordingStream};

/// Where a call is found at its provider.
#[derive(Clone, Debug)]
pub struct At {
    pub scope: Option<String>,
    pub id: String,
}

impl At {
    pub fn new(scope: Option<&str>, id: &str) -> At {
        At {
            scope: scope.map(str::to_string),
            id: id.to_string(),
        }
    }
}

#[async_trait]
pub trait Fetch {
    async fn detail(&self, at: &At) -> Result<CallDetail, ProviderError>;
    async fn recording(&self, at: &At, from_byte: u64) -> Result<RecordingStream, ProviderError>;
}

#[async_trait]
impl<P: Provider + ?Sized> Fetch for P {
    async fn detail(&self, at: &At) -> Result<CallDetail, ProviderError> {
        self.get_call(at.scope.as_deref(), &at.id).await
    }

    async fn recording(&self, at: &At, from_byte: u64) -> Result<RecordingStream, ProviderError> {
        self.open_recording(at.scope.as_deref(), &at.id, from_byte)
            .await
    }
}

/// What an adapter's HTTP layer announced (waits, retries).
pub type Notices = Arc<Mutex<Vec<HttpNotice>>>;

/// The limits of the adapters under test: short backoff, the default waits.
pub fn limits() -> HttpLimits {
    HttpLimits {
        backoff_base: Duration::from_millis(20),
        ..HttpLimits::default()
    }
}

/// Limits that give up on any rate limit longer than 10 ms.
pub fn impatient() -> HttpLimits {
    HttpLimits {
        max_rate_limit_wait: Duration::from_millis(10),
        ..limits()
    }
}

/// The API client (its notices recorded) and the credential-free storage client.
pub fn clients(limits: HttpLimits) -> (HttpClient, HttpClient, Notices) {
    let notices: Notices = Arc::default();
    let sink = notices.clone();
    let api = HttpClient::new(limits.clone())
        .unwrap()
        .with_notifier(Arc::new(move |n| sink.lock().unwrap().push(n)));
    let storage = HttpClient::without_credentials(limits).unwrap();
    (api, storage, notices)
}

pub fn ids(calls: &[Call]) -> Vec<String> {
    calls.iter().map(|c| c.id.clone()).collect()
}

/// Every call of every page, following the adapter's paging to the end: each page is the one
/// asked for, has no unreadable record, and the last one is the one the totals promise.
pub async fn all_calls<P: Provider + ?Sized>(
    p: &P,
    scope: Option<&str>,
    filter: &Filter,
    size: u32,
) -> Vec<Call> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let got = p
            .list_calls(scope, filter, PageRequest { page, size })
            .await
            .unwrap();
        assert_eq!(got.page, page);
        assert_eq!(got.unreadable, 0);
        out.extend(got.items);
        if !got.has_more {
            if let Some(pages) = got.total_pages.filter(|n| *n > 0) {
                assert_eq!(pages, page, "the last page is the one the totals promise");
            }
            break;
        }
        page += 1;
        assert!(page < 1000, "paging never ends");
    }
    out
}

/// The whole recording, or the first error while reading it.
pub async fn read_all(rec: &mut RecordingStream) -> Result<Vec<u8>, ProviderError> {
    let mut body = Vec::new();
    while let Some(chunk) = rec.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// At least `n` bytes from the start of the stream (fewer only at its end).
pub async fn read_head(rec: &mut RecordingStream, n: usize) -> Vec<u8> {
    let mut head = Vec::new();
    while let Some(chunk) = rec.chunk().await.unwrap() {
        head.extend_from_slice(&chunk);
        if head.len() >= n {
            break;
        }
    }
    head
}

pub fn is_mp3(b: &[u8]) -> bool {
    b.starts_with(b"ID3") || (b.len() > 1 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
}

pub fn is_wav(b: &[u8]) -> bool {
    b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WAVE"
}
