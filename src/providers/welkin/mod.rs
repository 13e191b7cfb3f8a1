//! Welkin Health: calls are listed under a patient. See `shared/providers/welkin.md`.
//!
//! Authentication is a token exchange (two styles, [`WelkinAuthStyle`]). The token is cached and
//! renewed shortly before it expires; one request at a time asks for it (single flight), so any
//! number of concurrent calls share one token request, and a failed one answers every caller
//! that waited for it. A `401` whose error code is `TOKEN_EXPIRED` or `NOT_VALID_JSON_WEB_TOKEN`
//! is retried once with a fresh token. A refused exchange (wrong secret, client or tenant) is
//! remembered for half a minute. A `429` from the token endpoint (more than 100 token requests in
//! 5 minutes block the client for 5 minutes) is remembered until the block ends (`Retry-After`
//! when given, else 5 minutes): no token request is sent before, and the cached token serves
//! until it really expires.

mod map;
mod patients;
mod token;
mod token_cache;

pub use token::parse_token;

use patients::{SearchCache, visible_patients};
use token::TokenState;

pub use map::{
    ErrorContext, NameQuery, PatientInfo, PatientQuery, RECORDING_PERMISSION, parse_errors,
    parse_search,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::Value;

use crate::http::{HttpClient, HttpError};
use crate::model::{
    Account, Call, CallDetail, Capabilities, Filter, Page, PageRequest, ProviderKind, Scope,
};
use crate::providers::lenient::{self, Object};
use crate::providers::{Provider, ProviderError, RecordingStream, id_segment};

use map::seg;

/// What this API offers (the same for every account).
pub fn capabilities() -> Capabilities {
    Capabilities {
        scope_noun: Some("patient"),
        has_detail: true,
        has_transcripts: false,
        has_recordings: true,
        has_live: false,
        max_page_size: 100,
        server_filters: &["from", "to"],
        provider_keys: &[],
    }
}

/// Which token exchange the tenant uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WelkinAuthStyle {
    /// `POST {base}/auth/token` with `{"secret", "apiClient"}` → `{token, expiresAt}`.
    #[default]
    Current,
    /// `POST {base}/{tenant}/admin/api_clients/{clientName}` with `{"secret"}` → `{token, …}`.
    V8,
}

/// What a Welkin adapter needs from configuration.
#[derive(Clone)]
pub struct WelkinSettings {
    /// The configured name (unique).
    pub name: String,
    pub label: String,
    /// `https://api.welkinhealth.com` or `https://api.live.welkincloud.io`.
    pub base_url: String,
    /// The organization (`acme-health`).
    pub tenant: String,
    /// The environment (`live`, `sandbox`, …).
    pub instance: String,
    pub auth_style: WelkinAuthStyle,
    /// The `apiClient` key (current style) or the client name (V8).
    pub client: String,
    pub secret: String,
    /// What the user should check when the credentials are refused ("check WELKIN_SECRET").
    pub key_hint: String,
    /// A patient pinned by configuration.
    pub patient: Option<Scope>,
}

impl std::fmt::Debug for WelkinSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WelkinSettings")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("tenant", &self.tenant)
            .field("instance", &self.instance)
            .field("auth_style", &self.auth_style)
            .field("client", &self.client)
            .field("secret", &"***")
            .field("patient", &self.patient)
            .finish()
    }
}

pub struct Welkin {
    s: WelkinSettings,
    account: Arc<Account>,
    caps: Capabilities,
    api: HttpClient,
    /// Welkin has no signed URLs: recordings come from the API host with the token.
    _storage: HttpClient,
    token: tokio::sync::Mutex<TokenState>,
    /// Where the token is kept between runs (none: asked for once per process).
    cache: Option<token_cache::TokenCache>,
    patients: StdMutex<HashMap<String, PatientInfo>>,
    search: StdMutex<Option<SearchCache>>,
}

fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn calls_query(filter: &Filter, page: PageRequest, max: u32) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("page", page.page.max(1).saturating_sub(1).to_string()),
        ("size", page.size.clamp(1, max).to_string()),
    ];
    let rfc3339 =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if let Some(t) = filter.from {
        q.push(("startDate", rfc3339(t)));
    }
    if let Some(t) = filter.to {
        q.push(("endDate", rfc3339(t)));
    }
    q
}

/// Reads the `{data, metaInfo}` envelope (0-based pages) into a 1-based [`Page`], decoding each
/// item on its own. Paging stops at `lastPage: true`, at `(page+1)*pageSize >= totalElements`, or
/// at an empty page, whichever is known (with none of them known, a short page is not taken as
/// the end: the next, empty, page is).
pub fn read_page<T>(
    v: &Value,
    req: PageRequest,
    decode: impl FnMut(&Object) -> Option<T>,
) -> Option<Page<T>> {
    let items = v.get("data")?.as_array()?;
    let (items, unreadable) = lenient::decode_items(items, decode);
    let meta = v.get("metaInfo").and_then(Value::as_object);
    let num = |k: &str| {
        meta.and_then(|m| lenient::number(m, k))
            .filter(|n| *n >= 0.0)
    };
    let page0 = num("page").map(|n| n as u32).unwrap_or(req.page.max(1) - 1);
    let page_size = num("pageSize")
        .map(|n| n as u32)
        .filter(|n| *n > 0)
        .unwrap_or(req.size.max(1));
    let total_items = num("totalElements").map(|n| n as u64);
    let total_pages = num("totalPages")
        .map(|n| n as u32)
        .or_else(|| total_items.map(|t| t.div_ceil(u64::from(page_size)) as u32));
    let last_page = meta.and_then(|m| lenient::boolean(m, "lastPage"));
    let has_more = if items.is_empty() && unreadable == 0 {
        // An empty page ends paging, whatever the rest says.
        false
    } else if let Some(last) = last_page {
        !last
    } else if let Some(total) = total_items {
        u64::from(page0 + 1) * u64::from(page_size) < total
    } else {
        // Nothing says where the end is: the next page tells (an empty one ends).
        true
    };
    Some(Page {
        items,
        page: page0 + 1,
        page_size,
        total_items,
        total_pages,
        has_more,
        unreadable,
    })
}

impl Welkin {
    /// `api` carries the token to the Welkin host only; `storage` is unused (no signed URLs).
    pub fn new(settings: WelkinSettings, api: HttpClient, storage: HttpClient) -> Welkin {
        let tenant = format!("{}/{}", settings.tenant, settings.instance);
        Welkin {
            account: Arc::new(Account::new(
                ProviderKind::Welkin,
                &settings.base_url,
                Some(&tenant),
            )),
            s: settings,
            caps: capabilities(),
            api,
            _storage: storage,
            token: tokio::sync::Mutex::new(TokenState::default()),
            cache: None,
            patients: StdMutex::new(HashMap::new()),
            search: StdMutex::new(None),
        }
    }

    /// Keeps the token between runs in `dir` (the state folder's `tokens/`), one file per host,
    /// tenant and client, readable by its owner only; see [`token_cache`].
    pub fn with_token_cache(mut self, dir: &std::path::Path) -> Welkin {
        let style = match self.s.auth_style {
            WelkinAuthStyle::Current => "current",
            WelkinAuthStyle::V8 => "v8",
        };
        self.cache = Some(token_cache::TokenCache::new(
            dir,
            &self.s.base_url,
            &self.s.tenant,
            &self.s.client,
            style,
        ));
        self
    }

    fn base(&self) -> &str {
        self.s.base_url.trim_end_matches('/')
    }

    /// `{base}/{tenant}/{instance}{path}`.
    fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{}{path}",
            self.base(),
            seg(&self.s.tenant),
            seg(&self.s.instance)
        )
    }

    fn credential(&self) -> &'static str {
        match self.s.auth_style {
            WelkinAuthStyle::Current => "API client key or secret",
            WelkinAuthStyle::V8 => "API client name or secret",
        }
    }

    fn err(&self, ctx: ErrorContext, e: HttpError) -> ProviderError {
        match e {
            HttpError::Status(a) => map::error(
                &self.s.label,
                &self.s.key_hint,
                self.credential(),
                ctx,
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

    async fn get_json(&self, url: &str, query: &[(&str, String)]) -> Result<Value, ProviderError> {
        let api = &self.api;
        let (_, _, body) = self
            .authed(ErrorContext::Resource, |auth| async move {
                api.send(Method::GET, url, query, &auth, None).await
            })
            .await?;
        serde_json::from_slice(&body).map_err(|e| self.malformed(&format!("not JSON ({e})")))
    }
}

#[async_trait]
impl Provider for Welkin {
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
        ProviderKind::Welkin
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn pinned_scope(&self) -> Option<&Scope> {
        self.s.patient.as_ref()
    }

    /// Patients, searchable: `mrn:X` or an MRN-looking word (exact), `status:active|inactive`,
    /// one name word (first OR last name), several words (first name + last name).
    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        let q = parse_search(search.unwrap_or("")).map_err(|message| ProviderError::Invalid {
            provider: self.s.label.clone(),
            message,
        })?;
        if let Some(queries) = q.either_queries() {
            let key = format!("{queries:?}");
            return self.search_either(&key, queries, page).await;
        }
        let p = self.patients_page(&q.params(), page).await?;
        Ok(Page {
            items: p.items.into_iter().map(|(s, _)| s).collect(),
            page: p.page,
            page_size: p.page_size,
            total_items: p.total_items,
            total_pages: p.total_pages,
            has_more: p.has_more,
            unreadable: p.unreadable,
        })
    }

    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let (patient, patient_seg) = self.patient_of(scope)?;
        let query = calls_query(filter, page, self.caps.max_page_size);
        let url = self.url(&format!("/patients/{patient_seg}/calls"));
        let (v, who) = tokio::join!(self.get_json(&url, &query), self.patient_info(patient));
        let v = v?;
        read_page(&v, page, |o| {
            map::call(&self.account, patient, o, who.as_ref())
        })
        .ok_or_else(|| self.malformed("the answer has no \"data\" list"))
    }

    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        let (patient, patient_seg) = self.patient_of(scope)?;
        let id_seg = id_segment(&self.s.label, "call id", id)?;
        let url = self.url(&format!("/patients/{patient_seg}/calls/{id_seg}"));
        let (v, who) = tokio::join!(self.get_json(&url, &[]), self.patient_info(patient));
        let v = v?;
        let o = v
            .as_object()
            .ok_or_else(|| self.malformed("the call is not a JSON object"))?;
        let call = map::call(&self.account, patient, o, who.as_ref())
            .ok_or_else(|| self.malformed("the call has no id"))?;
        let path = map::recording_path(&self.s.tenant, &self.s.instance, patient, &call.id);
        Ok(map::detail(call, path, who.as_ref()))
    }

    /// The recording endpoint ignores `Range`: the stream always starts at byte 0
    /// (`starts_at` 0), whatever `from_byte` asked for.
    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from_byte: u64,
    ) -> Result<RecordingStream, ProviderError> {
        let (patient, _) = self.patient_of(scope)?;
        id_segment(&self.s.label, "call id", id)?;
        let url = format!(
            "{}{}",
            self.base(),
            map::recording_path(&self.s.tenant, &self.s.instance, patient, id)
        );
        let api = &self.api;
        let url = &url;
        let resp = self
            .authed(ErrorContext::Recording, |auth| async move {
                api.open_stream(url, &auth, from_byte).await
            })
            .await?;
        Ok(RecordingStream::new(&self.s.label, resp))
    }

    /// Exchanges the secret for a token (a token kept by an earlier run proves nothing about
    /// the secret configured now), then reads the pinned patient or counts the patients.
    async fn check(&self) -> Result<String, ProviderError> {
        self.ignore_kept_token().await;
        if let Some(p) = &self.s.patient {
            let patient = self.patient_segment(&p.id)?;
            let v = self
                .get_json(&self.url(&format!("/patients/{patient}")), &[])
                .await?;
            let name = v
                .as_object()
                .and_then(map::patient)
                .map(|(s, info)| {
                    self.remember(&s.id, &info);
                    s.name
                })
                .unwrap_or_else(|| p.id.clone());
            let name = crate::display::sanitize(&name);
            return Ok(format!("token accepted; pinned patient {name} is visible"));
        }
        let v = self
            .get_json(
                &self.url("/patients"),
                &[("page", "0".into()), ("size", "1".into())],
            )
            .await?;
        Ok(visible_patients(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn meta_info_stop_rules() {
        let req = PageRequest { page: 1, size: 20 };
        let id = |o: &Object| lenient::id(o, "id");
        // Seven keys: lastPage decides.
        let v = json!({"data": [{"id": "a"}], "metaInfo": {"page": 0, "pageSize": 20,
            "totalElements": 8, "numberOfElements": 8, "lastPage": true, "firstPage": true,
            "totalPages": 1}});
        let p = read_page(&v, req, id).unwrap();
        assert!(!p.has_more);
        assert_eq!(
            (p.page, p.total_items, p.total_pages),
            (1, Some(8), Some(1))
        );
        // Three keys: the totals decide.
        let v = json!({"data": [{"id": "a"}], "metaInfo": {"page": 1, "pageSize": 3,
            "totalElements": 8}});
        let p = read_page(&v, PageRequest { page: 2, size: 3 }, id).unwrap();
        assert!(p.has_more);
        assert_eq!((p.page, p.total_pages), (2, Some(3)));
        let v = json!({"data": [{"id": "a"}], "metaInfo": {"page": 2, "pageSize": 3,
            "totalElements": 8}});
        assert!(
            !read_page(&v, PageRequest { page: 3, size: 3 }, id)
                .unwrap()
                .has_more
        );
        // Nothing known: any page but an empty one may have more; an empty page ends, even
        // when the totals or lastPage claim otherwise.
        let v = json!({"data": [{"id": "a"}, {"id": "b"}]});
        let p = read_page(&v, PageRequest { page: 4, size: 2 }, id).unwrap();
        assert!(p.has_more);
        assert_eq!((p.page, p.total_items, p.total_pages), (4, None, None));
        let v = json!({"data": [{"id": "a"}], "metaInfo": {"page": 0, "pageSize": 20}});
        assert!(read_page(&v, req, id).unwrap().has_more);
        let v = json!({"data": [], "metaInfo": {"lastPage": false, "totalElements": 50}});
        assert!(!read_page(&v, req, id).unwrap().has_more);
        // An unreadable item is not an empty page; numbers as strings are read.
        let v = json!({"data": [5], "metaInfo": {"page": "0", "pageSize": "1",
            "totalElements": "3"}});
        let p = read_page(&v, req, id).unwrap();
        assert!(p.has_more);
        assert_eq!((p.unreadable, p.total_pages), (1, Some(3)));
        assert!(read_page(&json!({"items": []}), req, id).is_none());
    }

    #[test]
    fn check_reads_the_total_leniently() {
        for (v, want) in [
            (
                json!({"metaInfo": {"totalElements": 32}}),
                "32 patient(s) visible",
            ),
            (
                json!({"metaInfo": {"totalElements": "32"}}),
                "32 patient(s) visible",
            ),
            (
                json!({"metaInfo": {"totalElements": -1}}),
                "patients are visible",
            ),
            (json!({"metaInfo": {"page": 0}}), "patients are visible"),
            (json!({"data": []}), "patients are visible"),
        ] {
            assert_eq!(
                visible_patients(&v),
                format!("token accepted; {want}"),
                "{v}"
            );
        }
    }

    #[test]
    fn calls_query_is_zero_based_with_dates() {
        let f = Filter {
            from: Some("2026-03-01T00:00:00Z".parse().unwrap()),
            to: Some("2026-03-18T23:59:59Z".parse().unwrap()),
            ..Filter::default()
        };
        assert_eq!(
            calls_query(&f, PageRequest { page: 3, size: 500 }, 100),
            vec![
                ("page", "2".to_string()),
                ("size", "100".to_string()),
                ("startDate", "2026-03-01T00:00:00Z".to_string()),
                ("endDate", "2026-03-18T23:59:59Z".to_string()),
            ]
        );
    }
}
