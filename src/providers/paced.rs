//! Keeping inside a vendor's documented rate limits on our side, so a merged inbox that fans out
//! over many parents never meets a 429 (the HTTP layer still waits one out if it comes): each
//! request of a provider first takes a slot in every documented window (TalkPilot 60 a minute
//! and 1,000 an hour; Voxeme 100 a minute and 1,000 an hour), waiting for the oldest to leave
//! the window when it is full.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{Provider, ProviderError, RecordingStream};
use crate::model::{
    Account, CallDetail, Capabilities, Filter, Page, PageRequest, ProviderKind, Scope,
};

/// The documented limits of an API: (requests, window).
pub fn documented_limits(kind: ProviderKind) -> &'static [(usize, Duration)] {
    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);
    match kind {
        ProviderKind::TalkPilot => &[(60, MINUTE), (1000, HOUR)],
        ProviderKind::Voxeme => &[(100, MINUTE), (1000, HOUR)],
        // Welkin documents a limit on its token endpoint only (the token cache keeps to it);
        // Solum and AlloMia document none.
        ProviderKind::Welkin | ProviderKind::Solum | ProviderKind::AlloMia => &[],
    }
}

/// Sliding windows of request times.
#[derive(Debug)]
pub struct Windows {
    limits: Vec<(usize, Duration)>,
    sent: Mutex<VecDeque<Instant>>,
}

impl Windows {
    pub fn new(limits: &[(usize, Duration)]) -> Windows {
        Windows {
            limits: limits.to_vec(),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until one more request fits every window, and counts it. Waiters are served in
    /// turn (the lock is held while waiting).
    pub async fn enter(&self) {
        if self.limits.is_empty() {
            return;
        }
        let longest = self.limits.iter().map(|l| l.1).max().unwrap_or_default();
        let mut sent = self.sent.lock().await;
        loop {
            let now = Instant::now();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= longest)
            {
                sent.pop_front();
            }
            // The earliest moment every window has room.
            let mut wait_until = None;
            for &(max, window) in &self.limits {
                let inside: Vec<&Instant> = sent
                    .iter()
                    .filter(|t| now.duration_since(**t) < window)
                    .collect();
                if inside.len() >= max.max(1) {
                    let free_at = *inside[inside.len() - max.max(1)] + window;
                    wait_until = Some(wait_until.map_or(free_at, |w: Instant| w.max(free_at)));
                }
            }
            match wait_until {
                Some(t) => tokio::time::sleep_until(t).await,
                None => {
                    sent.push_back(now);
                    return;
                }
            }
        }
    }
}

/// A provider whose requests keep inside its documented limits.
pub struct Paced {
    inner: Arc<dyn Provider>,
    windows: Windows,
}

impl Paced {
    /// `inner` paced by its kind's documented limits (unchanged when it has none).
    pub fn wrap(inner: Arc<dyn Provider>) -> Arc<dyn Provider> {
        let limits = documented_limits(inner.kind());
        if limits.is_empty() {
            return inner;
        }
        Arc::new(Paced {
            windows: Windows::new(limits),
            inner,
        })
    }
}

#[async_trait]
impl Provider for Paced {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn account(&self) -> &Account {
        self.inner.account()
    }
    fn label(&self) -> &str {
        self.inner.label()
    }
    fn kind(&self) -> ProviderKind {
        self.inner.kind()
    }
    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }
    fn pinned_scope(&self) -> Option<&Scope> {
        self.inner.pinned_scope()
    }
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        self.windows.enter().await;
        self.inner.list_scopes(search, page).await
    }
    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<crate::model::Call>, ProviderError> {
        self.windows.enter().await;
        self.inner.list_calls(scope, filter, page).await
    }
    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        self.windows.enter().await;
        self.inner.get_call(scope, id).await
    }
    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from_byte: u64,
    ) -> Result<RecordingStream, ProviderError> {
        self.windows.enter().await;
        self.inner.open_recording(scope, id, from_byte).await
    }
    async fn list_live(
        &self,
        scope: Option<&str>,
    ) -> Result<Page<crate::model::Call>, ProviderError> {
        self.windows.enter().await;
        self.inner.list_live(scope).await
    }
    async fn check(&self) -> Result<String, ProviderError> {
        self.windows.enter().await;
        self.inner.check().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_window_waits_for_its_oldest_request_to_leave() {
        let w = Windows::new(&[(3, Duration::from_secs(60)), (5, Duration::from_secs(600))]);
        let start = Instant::now();
        for _ in 0..3 {
            w.enter().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        w.enter().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        w.enter().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        // Five in ten minutes: the sixth waits for the first to be ten minutes old.
        w.enter().await;
        assert_eq!(start.elapsed(), Duration::from_secs(600));
    }
}
