//! Solum Health: an AI phone assistant for practices. A key belongs to one company and calls are
//! listed directly, without a parent level. There is no endpoint for one call, no transcript and
//! no recording. See `shared/providers/solum.md`.

mod map;

pub use map::{direction, minutes_to_secs};

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use reqwest::Method;
use reqwest::header::HeaderName;
use serde_json::Value;

use crate::display::body_safe;
use crate::http::{Auth, HttpClient, HttpError};
use crate::model::{
    Account, Call, CallDetail, Capabilities, Direction, Filter, FilterKey, FilterKind, Page,
    PageRequest, ProviderKind, Scope,
};
use crate::providers::{Provider, ProviderError, RecordingStream, id_segment};

/// The documented values of `category`.
pub const CATEGORIES: &[&str] = &[
    "client_support",
    "miscellaneous",
    "billing",
    "new_appointment",
    "existing_appointment",
    "rescheduling",
    "cancellation",
    "authorization",
    "appointment_inquiry",
];
/// The documented values of `status` (the generic `status:` key).
pub const STATUSES: &[&str] = &["pending", "done", "follow_up_needed"];
/// The `type` values seen (ASSUMED in `solum.md`).
pub const TYPES: &[&str] = &["inbound", "outbound", "web"];
/// The documented values of `tag_filter_mode`.
pub const TAG_MODES: &[&str] = &["any", "all", "exclude_any", "exclude_all"];

const PROVIDER_KEYS: &[FilterKey] = &[
    FilterKey {
        name: "category",
        kind: FilterKind::Enum(CATEGORIES),
        help: "category:billing — the call's category, sent as category (client_support, \
               miscellaneous, billing, new_appointment, existing_appointment, rescheduling, \
               cancellation, authorization, appointment_inquiry)",
    },
    FilterKey {
        name: "assistant",
        kind: FilterKind::Text,
        help: "assistant:<id> — calls handled by one assistant, sent as assistant_id",
    },
    FilterKey {
        name: "type",
        kind: FilterKind::Text,
        help: "type:inbound — the call type (inbound, outbound, web or any other text), sent \
               as type; dir:in|out|web sends the same parameter",
    },
    FilterKey {
        name: "patient",
        kind: FilterKind::Text,
        help: "patient:<id> — calls linked to one patient, sent as patient_id",
    },
    FilterKey {
        name: "sessions_min",
        kind: FilterKind::Int,
        help: "sessions_min:1 — calls that scheduled at least N sessions, sent as \
               sessions_scheduled_min",
    },
    FilterKey {
        name: "tag_mode",
        kind: FilterKind::Enum(TAG_MODES),
        help: "tag_mode:any|all|exclude_any|exclude_all — how patient tags are matched, sent as \
               tag_filter_mode (the server's default is any)",
    },
];

/// What this API offers (the same for every account).
pub fn capabilities() -> Capabilities {
    Capabilities {
        scope_noun: None,
        // The list item is the whole record: the app shows it as the detail without a request.
        has_detail: false,
        has_transcripts: false,
        has_recordings: false,
        has_live: false,
        max_page_size: 100,
        server_filters: &[
            "text",
            "from",
            "to",
            "dir",
            "status",
            // `customer_number` is an exact match: a part of a number is matched locally.
            Filter::PHONE_EXACT,
            "category",
            "assistant",
            "type",
            "patient",
            "sessions_min",
            "tag_mode",
        ],
        provider_keys: PROVIDER_KEYS,
    }
}

/// What a Solum adapter needs from configuration.
#[derive(Clone)]
pub struct SolumSettings {
    /// The configured name (unique).
    pub name: String,
    pub label: String,
    /// `https://api.getsolum.com`; the adapter appends `/v1/calls`.
    pub base_url: String,
    pub api_key: String,
    /// What the user should check when the key is rejected ("check SOLUM_KEY").
    pub key_hint: String,
}

/// List items seen, by id, oldest evicted first: the detail of a call is its list item.
struct CallCache {
    map: HashMap<String, Call>,
    order: VecDeque<String>,
}

/// How many list items the cache keeps.
pub const CACHE_CAPACITY: usize = 5000;
/// How far `get_call` pages through the list for an id it has not seen (pages of 100).
pub const LOOKUP_MAX_PAGES: u32 = 20;

impl CallCache {
    fn insert(&mut self, call: &Call) {
        if let Some(c) = self.map.get_mut(&call.id) {
            *c = call.clone();
            return;
        }
        self.map.insert(call.id.clone(), call.clone());
        self.order.push_back(call.id.clone());
        while self.order.len() > CACHE_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }
}

pub struct Solum {
    s: SolumSettings,
    account: Arc<Account>,
    caps: Capabilities,
    api: HttpClient,
    cache: Mutex<CallCache>,
}

impl Solum {
    /// `api` carries the key to the Solum host only. Solum has no recordings, so `storage` is
    /// not used; it is taken for the uniform constructor.
    pub fn new(settings: SolumSettings, api: HttpClient, _storage: HttpClient) -> Solum {
        Solum {
            account: Arc::new(Account::new(ProviderKind::Solum, &settings.base_url, None)),
            s: settings,
            caps: capabilities(),
            api,
            cache: Mutex::new(CallCache {
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    fn auth(&self) -> Auth {
        Auth::Header(HeaderName::from_static("x-api-key"), self.s.api_key.clone())
    }

    fn url(&self) -> String {
        format!("{}/v1/calls", self.s.base_url.trim_end_matches('/'))
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

    fn malformed(&self, cause: &str) -> ProviderError {
        ProviderError::Malformed {
            provider: self.s.label.clone(),
            cause: cause.to_string(),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, CallCache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One page of `GET /v1/calls`, every readable item remembered for `get_call`.
    async fn fetch(
        &self,
        query: &[(&'static str, String)],
        req: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let (_, _, body) = self
            .api
            .send(Method::GET, &self.url(), query, &self.auth(), None)
            .await
            .map_err(|e| self.err(e))?;
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| self.malformed(&format!("not JSON ({e})")))?;
        let page = map::page(&self.account, &v, req).map_err(|cause| self.malformed(&cause))?;
        let mut cache = self.cache();
        for c in &page.items {
            cache.insert(c);
        }
        Ok(page)
    }

    fn invalid(&self, message: String) -> ProviderError {
        ProviderError::Invalid {
            provider: self.s.label.clone(),
            message,
        }
    }
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The generic `status:` value as Solum spells it (`follow-up needed` → `follow_up_needed`).
pub fn solum_status(s: &str) -> Option<&'static str> {
    let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    STATUSES.iter().copied().find(|st| *st == norm)
}

/// The query for one page of calls: every documented parameter the filter sets (`phone:` only
/// when it is a whole number: `customer_number` matches exactly). An error is a message for the
/// user (a status Solum does not know, `dir` and `type` that contradict).
pub fn calls_query(
    filter: &Filter,
    page: PageRequest,
    max: u32,
) -> Result<Vec<(&'static str, String)>, String> {
    let mut q = vec![
        ("page", page.page.max(1).to_string()),
        ("limit", page.size.clamp(1, max).to_string()),
    ];
    if let Some(t) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        q.push(("q", t.to_string()));
    }
    if let Some(a) = filter.extra.get("assistant") {
        q.push(("assistant_id", a.clone()));
    }
    if let Some(s) = &filter.status {
        let st = solum_status(s).ok_or_else(|| {
            format!(
                "status must be pending, done or follow_up_needed, not '{}'",
                body_safe(s)
            )
        })?;
        q.push(("status", st.to_string()));
    }
    if let Some(c) = filter.extra.get("category") {
        q.push(("category", c.clone()));
    }
    let dir = filter.direction.map(|d| match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
        Direction::Web => "web",
    });
    // `type` matches exactly: a known type in any case is sent as Solum spells it.
    let ty = filter.extra.get("type").map(|t| {
        TYPES
            .iter()
            .find(|k| k.eq_ignore_ascii_case(t.trim()))
            .map_or_else(|| t.clone(), |k| k.to_string())
    });
    match (dir, ty) {
        (Some(d), Some(t)) if t != d => {
            return Err(format!(
                "dir:{} and type:{} ask for different call types; use one of them",
                filter.direction.map(Direction::short).unwrap_or(""),
                body_safe(&t)
            ));
        }
        (_, Some(t)) => q.push(("type", t)),
        (Some(d), None) => q.push(("type", d.to_string())),
        (None, None) => {}
    }
    if let Some(p) = filter.whole_phone() {
        q.push(("customer_number", p));
    }
    if let Some(p) = filter.extra.get("patient") {
        q.push(("patient_id", p.clone()));
    }
    if let Some(n) = filter.extra.get("sessions_min") {
        q.push(("sessions_scheduled_min", n.clone()));
    }
    if let Some(m) = filter.extra.get("tag_mode") {
        q.push(("tag_filter_mode", m.clone()));
    }
    if let Some(t) = filter.from {
        q.push(("started_gte", rfc3339(t)));
    }
    if let Some(t) = filter.to {
        q.push(("started_lte", rfc3339(t)));
    }
    Ok(q)
}

#[async_trait]
impl Provider for Solum {
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
        ProviderKind::Solum
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// Solum has no parent level (`scope_noun` is `None`, so the app never asks): an empty,
    /// final page.
    async fn list_scopes(
        &self,
        _search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        Ok(Page {
            items: Vec::new(),
            page: page.page.max(1),
            page_size: page.size,
            total_items: Some(0),
            total_pages: Some(0),
            has_more: false,
            unreadable: 0,
        })
    }

    /// The company's calls; `scope` is ignored (there is no parent level).
    async fn list_calls(
        &self,
        _scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let query =
            calls_query(filter, page, self.caps.max_page_size).map_err(|m| self.invalid(m))?;
        self.fetch(&query, page).await
    }

    /// There is no endpoint for one call: the list item is the detail. An id not seen yet (a
    /// fresh process) is looked for in the newest [`LOOKUP_MAX_PAGES`] pages of 100.
    async fn get_call(&self, _scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        // No id reaches a URL here, but one that names nothing is refused alike everywhere.
        id_segment(&self.s.label, "call id", id)?;
        if let Some(c) = self.cache().map.get(id) {
            return Ok(CallDetail::from_list_item(c.clone()));
        }
        let size = self.caps.max_page_size;
        let mut scanned = 0usize;
        for page in 1..=LOOKUP_MAX_PAGES {
            let req = PageRequest { page, size };
            let query = calls_query(&Filter::default(), req, size).map_err(|m| self.invalid(m))?;
            let p = self.fetch(&query, req).await?;
            scanned += p.items.len() + p.unreadable;
            if let Some(c) = p.items.into_iter().find(|c| c.id == id) {
                return Ok(CallDetail::from_list_item(c));
            }
            if !p.has_more {
                return Err(ProviderError::NotFound {
                    provider: self.s.label.clone(),
                    message: format!(
                        "no call with id {} among all {scanned} calls of this key",
                        body_safe(id)
                    ),
                });
            }
        }
        Err(ProviderError::NotFound {
            provider: self.s.label.clone(),
            message: format!(
                "no call with id {} among the newest {scanned} calls; Solum has no endpoint for \
                 one call, so older calls are found by listing them with a date filter",
                body_safe(id)
            ),
        })
    }

    async fn open_recording(
        &self,
        _scope: Option<&str>,
        _id: &str,
        _from_byte: u64,
    ) -> Result<RecordingStream, ProviderError> {
        Err(ProviderError::NotOffered {
            provider: self.s.label.clone(),
            what: "recordings".into(),
        })
    }

    async fn check(&self) -> Result<String, ProviderError> {
        let req = PageRequest { page: 1, size: 1 };
        let query = [("page", "1".to_string()), ("limit", "1".to_string())];
        let p = self.fetch(&query, req).await?;
        Ok(match p.total_items {
            Some(n) => format!("key accepted; {n} call(s) visible"),
            None => "key accepted".to_string(),
        })
    }
}
