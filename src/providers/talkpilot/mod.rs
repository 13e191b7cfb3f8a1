//! TalkPilot: AI phone agents; calls are listed under an agent. See `shared/providers/talkpilot.md`.

mod map;

pub use map::parse_transcript;

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;
use reqwest::header::HeaderName;
use serde_json::Value;

use crate::http::{Auth, HttpClient, HttpError};
use crate::model::{
    Account, Call, CallDetail, Capabilities, Filter, FilterKey, FilterKind, Page, PageNumbers,
    PageRequest, ProviderKind, RecordingRef, Scope,
};
use crate::providers::{Provider, ProviderError, RecordingStream, id_segment};

const PROVIDER_KEYS: &[FilterKey] = &[
    FilterKey {
        name: "done",
        kind: FilterKind::Bool,
        help: "done:true|false — processed by staff or not",
    },
    FilterKey {
        name: "include_deleted",
        kind: FilterKind::Bool,
        help: "include_deleted:true — also list soft-deleted calls",
    },
];

/// What this API offers (the same for every account).
pub fn capabilities() -> Capabilities {
    Capabilities {
        scope_noun: Some("agent"),
        has_detail: true,
        has_transcripts: true,
        has_recordings: true,
        has_live: false,
        max_page_size: 100,
        // `phone_number` is an exact match: a part of a number is matched locally.
        server_filters: &[
            "text",
            "from",
            "to",
            Filter::PHONE_EXACT,
            "done",
            "include_deleted",
        ],
        provider_keys: PROVIDER_KEYS,
    }
}

/// What a TalkPilot adapter needs from configuration.
#[derive(Clone)]
pub struct TalkPilotSettings {
    /// The configured name (unique).
    pub name: String,
    pub label: String,
    /// `https://{project_ref}.supabase.co/functions/v1/api`; paths start with `/v1`.
    pub base_url: String,
    pub api_key: String,
    /// What the user should check when the key is rejected ("check TP_KEY").
    pub key_hint: String,
    /// An agent pinned by configuration.
    pub agent: Option<Scope>,
}

pub struct TalkPilot {
    s: TalkPilotSettings,
    account: Arc<Account>,
    caps: Capabilities,
    api: HttpClient,
    storage: HttpClient,
}

impl TalkPilot {
    /// `api` carries the key to the TalkPilot host only; `storage` (no credentials) fetches
    /// signed audio URLs.
    pub fn new(settings: TalkPilotSettings, api: HttpClient, storage: HttpClient) -> TalkPilot {
        TalkPilot {
            account: Arc::new(Account::new(
                ProviderKind::TalkPilot,
                &settings.base_url,
                None,
            )),
            s: settings,
            caps: capabilities(),
            api,
            storage,
        }
    }

    fn auth(&self) -> Auth {
        Auth::Header(HeaderName::from_static("x-api-key"), self.s.api_key.clone())
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.s.base_url.trim_end_matches('/'))
    }

    fn err(&self, e: HttpError) -> ProviderError {
        match e {
            HttpError::Status(a) => map::error(
                &self.s.label,
                &self.s.key_hint,
                a.status.as_u16(),
                &a.body,
                a.retry_after.map(|d| d.as_secs()),
            ),
            other => ProviderError::from_http(&self.s.label, other),
        }
    }

    async fn get_json(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ProviderError> {
        let (_, _, body) = self
            .api
            .send(Method::GET, &self.url(path), query, &self.auth(), None)
            .await
            .map_err(|e| self.err(e))?;
        serde_json::from_slice(&body).map_err(|e| ProviderError::Malformed {
            provider: self.s.label.clone(),
            cause: format!("not JSON ({e})"),
        })
    }

    fn malformed(&self, cause: &str) -> ProviderError {
        ProviderError::Malformed {
            provider: self.s.label.clone(),
            cause: cause.to_string(),
        }
    }

    /// Reads the `{data, pagination}` envelope, decoding each item on its own.
    fn page<T>(
        &self,
        v: &Value,
        req: PageRequest,
        decode: impl FnMut(&serde_json::Map<String, Value>) -> Option<T>,
    ) -> Result<Page<T>, ProviderError> {
        let items = v
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| self.malformed("the answer has no \"data\" list"))?;
        let (items, unreadable) = crate::providers::lenient::decode_items(items, decode);
        let p = v.get("pagination").and_then(Value::as_object);
        let num = |k: &str| p.and_then(|p| crate::providers::lenient::number(p, k));
        let page = num("page").map(|n| n as u32).unwrap_or(req.page);
        let page_size = num("limit").map(|n| n as u32).unwrap_or(req.size);
        let numbers = PageNumbers {
            page,
            page_size,
            total_items: num("total").map(|n| n as u64),
            total_pages: num("pages").map(|n| n as u32),
            has_more: None,
        };
        Ok(Page::from_numbers(items, unreadable, numbers))
    }

    /// The agent to list under (the one given, else the pinned one) and its path segment.
    fn agent_of<'a>(&'a self, scope: Option<&'a str>) -> Result<(&'a str, String), ProviderError> {
        let agent = scope
            .or(self.s.agent.as_ref().map(|a| a.id.as_str()))
            .ok_or_else(|| ProviderError::Invalid {
                provider: self.s.label.clone(),
                message: "choose an agent first: TalkPilot lists calls per agent".into(),
            })?;
        Ok((agent, id_segment(&self.s.label, "agent id", agent)?))
    }

    async fn detail_json(
        &self,
        scope: Option<&str>,
        id: &str,
    ) -> Result<(String, Value), ProviderError> {
        let (agent, agent_seg) = self.agent_of(scope)?;
        let id_seg = id_segment(&self.s.label, "call id", id)?;
        let path = format!("/agents/{agent_seg}/calls/{id_seg}");
        let v = self.get_json(&path, &[]).await?;
        Ok((agent.to_string(), v))
    }
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The query for one page of an agent's calls (every documented filter; `phone:` only when it is
/// a whole number, since `phone_number` matches exactly).
pub fn calls_query(filter: &Filter, page: PageRequest, max: u32) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("page", page.page.max(1).to_string()),
        ("limit", page.size.clamp(1, max).to_string()),
    ];
    if let Some(t) = &filter.text {
        q.push(("search", t.clone()));
    }
    if let Some(t) = filter.from {
        q.push(("from", rfc3339(t)));
    }
    if let Some(t) = filter.to {
        q.push(("to", rfc3339(t)));
    }
    if let Some(p) = filter.whole_phone() {
        q.push(("phone_number", p));
    }
    if let Some(d) = filter.extra.get("done") {
        q.push(("done", d.clone()));
    }
    if let Some(d) = filter.extra.get("include_deleted") {
        q.push(("include_deleted", d.clone()));
    }
    q
}

#[async_trait]
impl Provider for TalkPilot {
    fn name(&self) -> &str {
        &self.s.name
    }

    fn account(&self) -> &Account {
        &self.account
    }

    fn label(&self) -> &str {
        &self.s.label
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::TalkPilot
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn pinned_scope(&self) -> Option<&Scope> {
        self.s.agent.as_ref()
    }

    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        let query = [
            ("page", page.page.max(1).to_string()),
            ("limit", page.size.clamp(1, 100).to_string()),
        ];
        let v = self.get_json("/agents", &query).await?;
        let mut p = self.page(&v, page, map::scope)?;
        // The agents endpoint has no search parameter: filter what came back.
        if let Some(s) = search.map(str::to_lowercase).filter(|s| !s.is_empty()) {
            p.items.retain(|a| {
                a.name.to_lowercase().contains(&s)
                    || a.detail
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(&s))
            });
        }
        Ok(p)
    }

    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let (agent, agent_seg) = self.agent_of(scope)?;
        let query = calls_query(filter, page, self.caps.max_page_size);
        let v = self
            .get_json(&format!("/agents/{agent_seg}/calls"), &query)
            .await?;
        self.page(&v, page, |o| map::call(&self.account, agent, o))
    }

    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        let (agent, v) = self.detail_json(scope, id).await?;
        let o = v
            .as_object()
            .ok_or_else(|| self.malformed("the call is not a JSON object"))?;
        map::detail(&self.account, &agent, o).ok_or_else(|| self.malformed("the call has no id"))
    }

    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from_byte: u64,
    ) -> Result<RecordingStream, ProviderError> {
        // Signed URLs expire after an hour: always start from a fresh one.
        let detail = self.get_call(scope, id).await?;
        let url = match detail.recording {
            RecordingRef::SignedUrl { url, .. } => url,
            RecordingRef::Purged => {
                return Err(ProviderError::NotFound {
                    provider: self.s.label.clone(),
                    message: "the recording was purged".into(),
                });
            }
            _ => {
                return Err(ProviderError::NotFound {
                    provider: self.s.label.clone(),
                    message: "this call has no recording".into(),
                });
            }
        };
        match self.storage.open_stream(&url, &Auth::None, from_byte).await {
            Ok(download) => Ok(RecordingStream::new(&self.s.label, download)),
            Err(HttpError::Status(a)) if a.status.as_u16() == 403 || a.status.as_u16() == 400 => {
                Err(ProviderError::Vendor {
                    provider: self.s.label.clone(),
                    status: a.status.as_u16(),
                    code: "EXPIRED".into(),
                    message: "the storage host refused the signed recording link (expired?)".into(),
                })
            }
            Err(e) => Err(ProviderError::from_http(&self.s.label, e)),
        }
    }

    /// Browsing needs `agents:read` and `calls:read`: the agents are listed, then one call of
    /// the first agent (or of the pinned one), so a key lacking either fails here, not later.
    async fn check(&self) -> Result<String, ProviderError> {
        let (agent, visible) = match &self.s.agent {
            Some(a) => (Some(a.id.clone()), "the pinned agent".to_string()),
            None => {
                let query = [("page", "1".into()), ("limit", "1".into())];
                let v = self
                    .get_json("/agents", &query)
                    .await
                    .map_err(|e| self.needs_permissions(e))?;
                let total = v
                    .pointer("/pagination/total")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let first = self.page(&v, PageRequest { page: 1, size: 1 }, map::scope)?;
                let first = first.items.into_iter().next().map(|a| a.id);
                (first, format!("{total} agent(s)"))
            }
        };
        let Some(agent) = agent else {
            return Ok(format!(
                "key accepted; {visible} visible (no agent to check calls:read with)"
            ));
        };
        self.list_calls(
            Some(&agent),
            &Filter::default(),
            PageRequest { page: 1, size: 1 },
        )
        .await
        .map_err(|e| self.needs_permissions(e))?;
        Ok(format!("key accepted; {visible} and their calls visible"))
    }
}

impl TalkPilot {
    /// A refusal in the check says what browsing needs.
    fn needs_permissions(&self, e: ProviderError) -> ProviderError {
        match e {
            ProviderError::Forbidden {
                provider,
                status,
                code,
                message,
            } => ProviderError::Forbidden {
                provider,
                status,
                code,
                message: format!(
                    "{message}; browsing needs a key with agents:read and calls:read ({})",
                    self.s.key_hint
                ),
            },
            other => other,
        }
    }
}
