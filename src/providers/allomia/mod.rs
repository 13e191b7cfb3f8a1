//! AlloMia: calls handled by AI phone assistants, listed under an organization. See
//! `shared/providers/allomia.md`.
//!
//! The API key (`Authorization: Bearer`) goes to the AlloMia host only. Transcripts (plain text)
//! and recordings (MP3) are pre-signed URLs on a storage host, fetched with the `storage` client,
//! which carries no credentials; an expired URL (403/400 from storage) is replaced by fetching
//! the call's detail again, once.

mod map;

pub use map::{parse_transcript, signed_url_expiry};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::Value;

use self::map::Ctx;
use crate::http::{Auth, HttpClient, HttpError};
use crate::model::{
    Account, Call, CallDetail, Capabilities, Direction, Filter, FilterKey, FilterKind, Page,
    PageNumbers, PageRequest, ProviderKind, Scope, Transcript,
};
use crate::providers::lenient::{self, Object};
use crate::providers::{Provider, ProviderError, RecordingStream, id_segment};

/// The sort orders of the calls list (ASSUMED parameter `sort`).
pub const SORTS: &[&str] = &["desc", "asc", "duration_desc", "duration_asc"];

const PROVIDER_KEYS: &[FilterKey] = &[
    FilterKey {
        name: "agent",
        kind: FilterKind::Text,
        help: "agent:\"Front desk\" — the AI assistant's name (partial match)",
    },
    FilterKey {
        name: "intent",
        kind: FilterKind::Text,
        help: "intent:prescription_renewal — the caller's primary intent",
    },
    FilterKey {
        name: "sort",
        kind: FilterKind::Enum(SORTS),
        help: "sort:desc|asc|duration_desc|duration_asc — order of the list",
    },
];

/// The largest page of calls the API allows.
pub const MAX_CALLS_PAGE: u32 = 50;
/// The largest page of organizations the API allows.
pub const MAX_ORGS_PAGE: u32 = 100;

/// What this API offers (the same for every account).
pub fn capabilities() -> Capabilities {
    Capabilities {
        scope_noun: Some("organization"),
        has_detail: true,
        has_transcripts: true,
        has_recordings: true,
        has_live: false,
        max_page_size: MAX_CALLS_PAGE,
        server_filters: &["from", "to", "dir", "agent", "intent", "sort"],
        provider_keys: PROVIDER_KEYS,
    }
}

/// What an AlloMia adapter needs from configuration.
#[derive(Clone)]
pub struct AlloMiaSettings {
    /// The configured name (unique).
    pub name: String,
    pub label: String,
    /// e.g. `https://allomia.com`; paths start with `/api`.
    pub base_url: String,
    pub api_key: String,
    /// What the user should check when the key is rejected ("check ALLOMIA_KEY").
    pub key_hint: String,
    /// The organization pinned by configuration (required with an organization key).
    pub organization: Option<Scope>,
}

/// A signed recording URL seen in a detail answer, kept until it is about to expire.
struct CachedUrl {
    url: String,
    expires_at: DateTime<Utc>,
}

pub struct AlloMia {
    s: AlloMiaSettings,
    /// Open to every organization of a tenant key, or the pinned one.
    account: Arc<Account>,
    caps: Capabilities,
    api: HttpClient,
    storage: HttpClient,
    recordings: Mutex<HashMap<String, CachedUrl>>,
}

/// Why a signed URL could not be read.
enum StorageFailure {
    /// 403/400 from the storage host: expired or otherwise refused signature.
    Refused {
        status: u16,
        code: Option<String>,
    },
    Other(String),
}

/// The query for one page of an organization's calls (every documented filter).
pub fn calls_query(org: &str, filter: &Filter, page: PageRequest) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("organizationId", org.to_string()),
        ("page", page.page.max(1).to_string()),
        ("limit", page.size.clamp(1, MAX_CALLS_PAGE).to_string()),
    ];
    if let Some(d) = filter.direction {
        q.push((
            "callType",
            match d {
                Direction::Inbound => "Inbound",
                Direction::Outbound => "Outbound",
                Direction::Web => "Web",
            }
            .to_string(),
        ));
    }
    if let Some(a) = filter.extra.get("agent") {
        q.push(("agentName", a.clone()));
    }
    if let Some(t) = filter.from {
        q.push(("from", iso(t)));
    }
    if let Some(t) = filter.to {
        q.push(("to", iso(t)));
    }
    if let Some(i) = filter.extra.get("intent") {
        q.push(("userPrimaryIntent", i.clone()));
    }
    if let Some(s) = filter.extra.get("sort") {
        q.push(("sort", s.clone()));
    }
    q
}

/// `2025-05-01T00:00:00Z`: second precision, UTC.
fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl AlloMia {
    /// `api` carries the key to the AlloMia host only; `storage` (no credentials) fetches signed
    /// transcript and recording URLs.
    pub fn new(settings: AlloMiaSettings, api: HttpClient, storage: HttpClient) -> AlloMia {
        AlloMia {
            account: Arc::new(Account::new(
                ProviderKind::AlloMia,
                &settings.base_url,
                settings.organization.as_ref().map(|o| o.id.as_str()),
            )),
            s: settings,
            caps: capabilities(),
            api,
            storage,
            recordings: Mutex::new(HashMap::new()),
        }
    }

    fn auth(&self) -> Auth {
        Auth::Bearer(self.s.api_key.clone())
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api{path}", self.s.base_url.trim_end_matches('/'))
    }

    fn err(&self, e: HttpError, ctx: Ctx<'_>) -> ProviderError {
        match e {
            HttpError::Status(a) => map::error(
                &self.s.label,
                &self.s.key_hint,
                a.status.as_u16(),
                &a.body,
                a.retry_after.map(|d| d.as_secs()),
                ctx,
            ),
            e @ HttpError::CrossHostRedirect { .. } => ProviderError::Invalid {
                provider: self.s.label.clone(),
                message: format!("{e} (the key is not sent there); check base_url"),
            },
            other => ProviderError::from_http(&self.s.label, other),
        }
    }

    fn malformed(&self, cause: &str) -> ProviderError {
        ProviderError::Malformed {
            provider: self.s.label.clone(),
            cause: cause.to_string(),
        }
    }

    async fn get_json(
        &self,
        path: &str,
        query: &[(&str, String)],
        ctx: Ctx<'_>,
    ) -> Result<Value, ProviderError> {
        let (_, _, body) = self
            .api
            .send(Method::GET, &self.url(path), query, &self.auth(), None)
            .await
            .map_err(|e| self.err(e, ctx))?;
        serde_json::from_slice(&body).map_err(|e| self.malformed(&format!("not JSON ({e})")))
    }

    /// Reads the `{<list>, pagination{page,limit,total,totalPages,hasNextPage}}` envelope,
    /// decoding each item on its own.
    fn page<T>(
        &self,
        v: &Value,
        list: &str,
        req: PageRequest,
        decode: impl FnMut(&Object) -> Option<T>,
    ) -> Result<Page<T>, ProviderError> {
        let items = v
            .get(list)
            .and_then(Value::as_array)
            .ok_or_else(|| self.malformed(&format!("the answer has no \"{list}\" list")))?;
        let (items, unreadable) = lenient::decode_items(items, decode);
        let p = v.get("pagination").and_then(Value::as_object);
        let num = |k: &str| p.and_then(|p| lenient::number(p, k));
        let page = num("page").map(|n| n as u32).unwrap_or(req.page.max(1));
        let page_size = num("limit")
            .map(|n| n as u32)
            .filter(|n| *n > 0)
            .unwrap_or(req.size.max(1));
        let numbers = PageNumbers {
            page,
            page_size,
            total_items: num("total").map(|n| n as u64),
            total_pages: num("totalPages").map(|n| n as u32),
            has_more: p.and_then(|p| lenient::boolean(p, "hasNextPage")),
        };
        Ok(Page::from_numbers(items, unreadable, numbers))
    }

    fn org_of<'a>(&'a self, scope: Option<&'a str>) -> Result<&'a str, ProviderError> {
        let org = scope
            .or(self.s.organization.as_ref().map(|o| o.id.as_str()))
            .ok_or_else(|| ProviderError::Invalid {
                provider: self.s.label.clone(),
                message: "choose an organization first: AlloMia lists calls per organization"
                    .into(),
            })?;
        // It goes in the query, but an id that names nothing is refused alike everywhere.
        id_segment(&self.s.label, "organization id", org)?;
        Ok(org)
    }

    async fn detail_object(&self, id: &str) -> Result<Object, ProviderError> {
        let path = format!("/calls/{}", id_segment(&self.s.label, "call id", id)?);
        match self.get_json(&path, &[], Ctx::Call { id }).await? {
            Value::Object(o) => Ok(o),
            _ => Err(self.malformed("the call is not a JSON object")),
        }
    }

    fn remember_recording(&self, id: &str, o: &Object) {
        let Some(url) = map::recording_url(o) else {
            return;
        };
        let expires_at = signed_url_expiry(&url).unwrap_or_else(|| {
            Utc::now() + chrono::Duration::seconds(map::DEFAULT_URL_LIFETIME_SECS)
        });
        if let Ok(mut m) = self.recordings.lock() {
            if m.len() > 512 {
                let now = Utc::now();
                m.retain(|_, c| c.expires_at > now);
            }
            m.insert(id.to_string(), CachedUrl { url, expires_at });
        }
    }

    /// A recording URL that is still good for a while, if one was seen.
    fn cached_recording(&self, id: &str) -> Option<String> {
        let m = self.recordings.lock().ok()?;
        let c = m.get(id)?;
        (c.expires_at > Utc::now() + chrono::Duration::seconds(30)).then(|| c.url.clone())
    }

    fn forget_recording(&self, id: &str) {
        if let Ok(mut m) = self.recordings.lock() {
            m.remove(id);
        }
    }

    /// Fetches a signed text file without credentials.
    async fn fetch_text(&self, url: &str) -> Result<String, StorageFailure> {
        match self
            .storage
            .send(Method::GET, url, &[], &Auth::None, None)
            .await
        {
            Ok((_, _, body)) => Ok(String::from_utf8_lossy(&body).into_owned()),
            Err(HttpError::Status(a)) if matches!(a.status.as_u16(), 400 | 403) => {
                Err(StorageFailure::Refused {
                    status: a.status.as_u16(),
                    code: map::s3_code(&a.body),
                })
            }
            Err(HttpError::Status(a)) => Err(StorageFailure::Other(format!(
                "the storage host answered {}{}",
                a.status.as_u16(),
                map::s3_code(&a.body)
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default()
            ))),
            Err(e) => Err(StorageFailure::Other(e.to_string())),
        }
    }

    fn describe(&self, f: &StorageFailure) -> String {
        match f {
            StorageFailure::Refused { status, code } => format!(
                "the storage host refused the signed link ({status}{}) even after a fresh one was fetched",
                code.as_deref().map(|c| format!(" {c}")).unwrap_or_default()
            ),
            StorageFailure::Other(m) => m.clone(),
        }
    }

    /// Reads the transcript of a detail answer; an expired link is replaced once by fetching
    /// the detail again (the fresh detail's recording URL is returned to update the detail).
    async fn transcript(
        &self,
        id: &str,
        url: String,
    ) -> (Transcript, Option<Object>, Option<String>) {
        let warn = |f: &StorageFailure| {
            Some(format!(
                "the transcript could not be fetched: {}",
                self.describe(f)
            ))
        };
        let first = match self.fetch_text(&url).await {
            Ok(text) => {
                let (t, warning) = map::transcript_file(&text);
                return (t, None, warning);
            }
            Err(f) => f,
        };
        if !matches!(first, StorageFailure::Refused { .. }) {
            return (Transcript::Missing, None, warn(&first));
        }
        // Expired (or otherwise refused) link: a fresh detail carries fresh URLs.
        let fresh = match self.detail_object(id).await {
            Ok(o) => o,
            Err(e) => {
                return (
                    Transcript::Missing,
                    None,
                    Some(format!(
                        "the transcript link had expired and a fresh one could not be fetched: {e}"
                    )),
                );
            }
        };
        let Some(url) = map::transcript_url(&fresh) else {
            let warning = "the transcript link had expired and the fresh detail has none";
            return (Transcript::Missing, Some(fresh), Some(warning.into()));
        };
        match self.fetch_text(&url).await {
            Ok(text) => {
                let (t, warning) = map::transcript_file(&text);
                (t, Some(fresh), warning)
            }
            Err(f) => (Transcript::Missing, Some(fresh), warn(&f)),
        }
    }

    async fn open_url(
        &self,
        url: &str,
        from_byte: u64,
    ) -> Result<RecordingStream, (ProviderError, bool)> {
        match self.storage.open_stream(url, &Auth::None, from_byte).await {
            Ok(download) => Ok(RecordingStream::new(&self.s.label, download)),
            Err(HttpError::Status(a)) => {
                let status = a.status.as_u16();
                let code = map::s3_code(&a.body).unwrap_or_default();
                let refused = matches!(status, 400 | 403);
                let e = match status {
                    416 => ProviderError::Invalid {
                        provider: self.s.label.clone(),
                        message: format!(
                            "the recording has no byte {from_byte} (416 {code}); start again from the beginning"
                        ),
                    },
                    404 => ProviderError::NotFound {
                        provider: self.s.label.clone(),
                        message: format!("the recording file is gone from storage (404 {code})"),
                    },
                    _ => ProviderError::Vendor {
                        provider: self.s.label.clone(),
                        status,
                        code,
                        message: if refused {
                            "the storage host refused the signed recording link, even a fresh one"
                                .into()
                        } else {
                            "the storage host could not serve the recording; try again later".into()
                        },
                    },
                };
                Err((e, refused))
            }
            Err(e) => Err((
                match ProviderError::from_http(&self.s.label, e) {
                    ProviderError::Offline { provider, cause } => ProviderError::Offline {
                        provider,
                        cause: format!("the recording could not be read from storage ({cause})"),
                    },
                    other => other,
                },
                false,
            )),
        }
    }

    async fn fresh_recording_url(&self, id: &str) -> Result<String, ProviderError> {
        let o = self.detail_object(id).await?;
        self.remember_recording(id, &o);
        map::recording_url(&o).ok_or_else(|| ProviderError::NotFound {
            provider: self.s.label.clone(),
            message: "this call has no recording".into(),
        })
    }
}

/// `pagination.total` of a list answer, a number or a string holding one (0 when absent).
fn total_of(v: &Value) -> u64 {
    v.get("pagination")
        .and_then(Value::as_object)
        .and_then(|p| lenient::number(p, "total"))
        .filter(|n| *n >= 0.0)
        .map_or(0, |n| n as u64)
}

#[async_trait]
impl Provider for AlloMia {
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
        ProviderKind::AlloMia
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn pinned_scope(&self) -> Option<&Scope> {
        self.s.organization.as_ref()
    }

    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        if let Some(org) = &self.s.organization {
            // Pinned: the only organization there is (an organization key cannot list).
            let s = search.map(str::to_lowercase).unwrap_or_default();
            let items: Vec<Scope> = std::iter::once(org.clone())
                .filter(|o| s.is_empty() || o.name.to_lowercase().contains(&s))
                .collect();
            return Ok(Page {
                total_items: Some(items.len() as u64),
                items,
                page: 1,
                page_size: page.size.max(1),
                total_pages: Some(1),
                has_more: false,
                unreadable: 0,
            });
        }
        let mut query = vec![
            ("page", page.page.max(1).to_string()),
            ("limit", page.size.clamp(1, MAX_ORGS_PAGE).to_string()),
            ("sort", "createdAt".to_string()),
        ];
        if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
            query.push(("search", s.to_string()));
        }
        let v = self
            .get_json("/organization", &query, Ctx::Organizations)
            .await?;
        self.page(&v, "organizations", page, map::scope)
    }

    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let org = self.org_of(scope)?;
        let query = calls_query(org, filter, page);
        let v = self.get_json("/calls", &query, Ctx::Calls { org }).await?;
        let owner = Arc::new(self.account.with_id(Some(org)));
        self.page(&v, "calls", page, |o| map::call(&owner, Some(org), o))
    }

    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        if let Some(org) = scope {
            id_segment(&self.s.label, "organization id", org)?;
        }
        let o = self.detail_object(id).await?;
        let scope = scope
            .map(str::to_string)
            .or_else(|| self.s.organization.as_ref().map(|o| o.id.clone()));
        let owner = match &scope {
            Some(org) => Arc::new(self.account.with_id(Some(org))),
            None => self.account.clone(),
        };
        let mut d = map::detail(&owner, scope.as_deref(), &o)
            .ok_or_else(|| self.malformed("the call has no id"))?;
        self.remember_recording(id, &o);
        if let Some(url) = map::transcript_url(&o) {
            let (transcript, fresh, warning) = self.transcript(id, url).await;
            if let Some(fresh) = fresh {
                self.remember_recording(id, &fresh);
                if let Some(f) = map::detail(&owner, scope.as_deref(), &fresh) {
                    d.recording = f.recording;
                }
            }
            d.warnings.extend(warning);
            d.transcript = transcript;
        }
        Ok(d)
    }

    async fn open_recording(
        &self,
        _scope: Option<&str>,
        id: &str,
        from_byte: u64,
    ) -> Result<RecordingStream, ProviderError> {
        id_segment(&self.s.label, "call id", id)?;
        // A URL from a recent detail is used while it is valid; otherwise a fresh detail.
        let (url, fresh) = match self.cached_recording(id) {
            Some(url) => (url, false),
            None => (self.fresh_recording_url(id).await?, true),
        };
        match self.open_url(&url, from_byte).await {
            Ok(s) => Ok(s),
            Err((_, true)) if !fresh => {
                // Expired or revoked: fetch the detail again once and resume at the same byte.
                self.forget_recording(id);
                let url = self.fresh_recording_url(id).await?;
                self.open_url(&url, from_byte).await.map_err(|(e, _)| e)
            }
            Err((e, _)) => Err(e),
        }
    }

    async fn check(&self) -> Result<String, ProviderError> {
        if let Some(org) = &self.s.organization {
            let q = [
                ("organizationId", org.id.clone()),
                ("page", "1".to_string()),
                ("limit", "1".to_string()),
            ];
            let v = self
                .get_json("/calls", &q, Ctx::Calls { org: &org.id })
                .await?;
            let total = total_of(&v);
            return Ok(format!(
                "key accepted; {total} call(s) in organization {}",
                crate::display::body_safe(&org.name)
            ));
        }
        let q = [("page", "1".to_string()), ("limit", "1".to_string())];
        let v = self
            .get_json("/organization", &q, Ctx::Organizations)
            .await?;
        let total = total_of(&v);
        Ok(format!(
            "tenant key accepted; {total} organization(s) visible"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_id_is_one_percent_encoded_path_segment() {
        let seg = |id: &str| id_segment("AlloMia", "call id", id).ok();
        assert_eq!(seg("f6a7b8c9-1d2e").as_deref(), Some("f6a7b8c9-1d2e"));
        assert_eq!(
            seg("a b/c?d#e%f+g").as_deref(),
            Some("a%20b%2Fc%3Fd%23e%25f%2Bg"),
            "a space is %20 in a path, not +"
        );
        assert_eq!(seg("é").as_deref(), Some("%C3%A9"));
        for bad in ["", ".", ".."] {
            assert_eq!(seg(bad), None, "{bad:?}");
        }
        assert_eq!(seg("...").as_deref(), Some("..."));
    }

    #[test]
    fn the_total_may_be_a_number_or_a_string() {
        let total = |v: Value| total_of(&serde_json::json!({ "pagination": { "total": v } }));
        assert_eq!(total(serde_json::json!(57)), 57);
        assert_eq!(total(serde_json::json!("57")), 57);
        assert_eq!(total(serde_json::json!(" 57 ")), 57);
        assert_eq!(total(serde_json::json!(57.0)), 57);
        assert_eq!(total(serde_json::json!("many")), 0);
        assert_eq!(total(serde_json::json!(-1)), 0);
        assert_eq!(total_of(&serde_json::json!({})), 0);
    }
}
