//! One call at a provider as the adapters' tests name it (the parent it was listed under and its
//! id), and the two fetches by it.

use async_trait::async_trait;
use callbrowser::model::CallDetail;
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
