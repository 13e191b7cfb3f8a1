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

pub use map::{
    ErrorContext, NameQuery, PatientInfo, PatientQuery, RECORDING_PERMISSION, parse_errors,
    parse_search,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde_json::{Value, json};

use crate::http::{Auth, HttpClient, HttpError};
use crate::model::{
    Account, Call, CallDetail, Capabilities, Filter, Page, PageRequest, ProviderKind, Scope,
};
use crate::providers::lenient::{self, Object};
use crate::providers::{Provider, ProviderError, RecordingStream};

use map::seg;

/// Token lifetime assumed when the answer does not say (V8), as documented.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(3600);
/// A token is renewed this long before it expires (less for very short lifetimes).
const RENEW_MARGIN: Duration = Duration::from_secs(120);
/// How long a token block lasts when the server does not say (documented: 5 minutes).
const ASSUMED_BLOCK: Duration = Duration::from_secs(300);
/// How long a refused token exchange (wrong secret, client or tenant) answers later callers.
const REFUSAL_MEMORY: Duration = Duration::from_secs(30);
/// A one-word patient search reads at most this many pages of 100 per name field.
const MAX_SEARCH_PAGES: u32 = 10;
/// How long a merged one-word search result serves the following pages.
const SEARCH_CACHE_TTL: Duration = Duration::from_secs(60);

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

struct Token {
    value: String,
    renew_at: Instant,
    expires_at: Instant,
}

/// A failed token exchange. Every caller that was already waiting for it gets its error; a
/// refusal is remembered for [`REFUSAL_MEMORY`] and a block until it ends, so that neither costs
/// another token request.
struct Failure {
    error: ProviderError,
    /// When the failed request ended.
    at: Instant,
    /// Until when callers that came later get the error too (`at` for a passing failure).
    until: Instant,
}

impl Failure {
    /// The error for a caller at `now` (a block says how long it still lasts).
    fn error(&self, now: Instant) -> ProviderError {
        match &self.error {
            ProviderError::RateLimited { provider, .. } => ProviderError::RateLimited {
                provider: provider.clone(),
                retry_after_secs: Some(self.until.saturating_duration_since(now).as_secs().max(1)),
            },
            other => other.clone(),
        }
    }
}

#[derive(Default)]
struct TokenState {
    current: Option<Token>,
    failure: Option<Failure>,
}

impl TokenState {
    /// The current token unless it expired or is the one the server just refused (`stale`).
    fn usable(&self, now: Instant, stale: Option<&str>) -> Option<&Token> {
        self.current
            .as_ref()
            .filter(|t| now < t.expires_at && stale != Some(t.value.as_str()))
    }

    /// What a caller that began waiting at `asked` gets without asking the server: the token
    /// while it is fresh; during a failure that concerns it, the token until it really expires,
    /// else the failure. `None`: ask the server.
    fn answer(
        &self,
        now: Instant,
        asked: Instant,
        stale: Option<&str>,
    ) -> Option<Result<String, ProviderError>> {
        let usable = self.usable(now, stale);
        if let Some(t) = usable
            && now < t.renew_at
        {
            return Some(Ok(t.value.clone()));
        }
        let failure = self
            .failure
            .as_ref()
            .filter(|f| asked <= f.at || now < f.until)?;
        Some(match usable {
            Some(t) => Ok(t.value.clone()),
            None => Err(failure.error(now)),
        })
    }
}

struct SearchCache {
    key: String,
    at: Instant,
    items: Vec<Scope>,
    complete: bool,
}

pub struct Welkin {
    s: WelkinSettings,
    account: Arc<Account>,
    caps: Capabilities,
    api: HttpClient,
    /// Welkin has no signed URLs: recordings come from the API host with the token.
    _storage: HttpClient,
    token: tokio::sync::Mutex<TokenState>,
    patients: StdMutex<HashMap<String, PatientInfo>>,
    search: StdMutex<Option<SearchCache>>,
}

fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long a failed token exchange keeps answering later callers: a block (429) until it ends,
/// a refusal of the credentials for a while (asking again cannot help and counts towards the
/// limit), anything else not at all (only the callers that waited for it share it).
fn remembered_for(e: &ProviderError) -> Duration {
    match e {
        ProviderError::RateLimited {
            retry_after_secs, ..
        } => retry_after_secs
            .map(Duration::from_secs)
            .filter(|d| !d.is_zero())
            .unwrap_or(ASSUMED_BLOCK),
        ProviderError::Auth { .. } => REFUSAL_MEMORY,
        _ => Duration::ZERO,
    }
}

/// The longest a token is kept, whatever its `expiresAt` says.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// When to renew a token that lives `lifetime` from `now`.
fn renew_at(now: Instant, lifetime: Duration) -> Instant {
    now + lifetime - RENEW_MARGIN.min(lifetime / 4)
}

/// Reads a token answer: `{"token", "expiresAt"?}`; the lifetime left, assumed 1 h when unknown
/// (or when the server's clock says it is already over: the 401 retry covers a real expiry).
pub fn parse_token(body: &[u8], now: chrono::DateTime<chrono::Utc>) -> Option<(String, Duration)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    let token = lenient::text(o, "token")?;
    let lifetime = lenient::time(o, "expiresAt")
        .and_then(|t| (t - now).to_std().ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(ASSUMED_LIFETIME);
    Some((token, lifetime))
}

/// The query for one page of a patient's calls: 0-based `page`, `size`, `startDate`, `endDate`.
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

/// What `check` says about a patient list answer (`totalElements` read leniently).
fn visible_patients(v: &Value) -> String {
    let total = v
        .get("metaInfo")
        .and_then(Value::as_object)
        .and_then(|m| lenient::number(m, "totalElements"))
        .filter(|n| *n >= 0.0);
    match total {
        Some(n) => format!("token accepted; {} patient(s) visible", n as u64),
        None => "token accepted; patients are visible".to_string(),
    }
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
            patients: StdMutex::new(HashMap::new()),
            search: StdMutex::new(None),
        }
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

    // -- token ------------------------------------------------------------------------------

    /// One token request.
    async fn fetch_token(&self) -> Result<(String, Duration), ProviderError> {
        let (url, body) = match self.s.auth_style {
            WelkinAuthStyle::Current => (
                format!("{}/auth/token", self.base()),
                json!({"secret": self.s.secret, "apiClient": self.s.client}),
            ),
            WelkinAuthStyle::V8 => (
                format!(
                    "{}/{}/admin/api_clients/{}",
                    self.base(),
                    seg(&self.s.tenant),
                    seg(&self.s.client)
                ),
                json!({"secret": self.s.secret}),
            ),
        };
        let (_, _, answer) = self
            .api
            .send(Method::POST, &url, &[], &Auth::None, Some(&body))
            .await
            .map_err(|e| self.err(ErrorContext::Token, e))?;
        parse_token(&answer, chrono::Utc::now())
            .ok_or_else(|| self.malformed("the token answer has no \"token\""))
    }

    /// A token to use: the cached one while it is fresh, else a new one. `stale` is a token the
    /// server just refused: it is not handed out again. One caller at a time asks the server,
    /// and a failure answers every caller that waited for it (see [`TokenState::answer`]).
    async fn token(&self, stale: Option<&str>) -> Result<String, ProviderError> {
        let asked = Instant::now();
        let mut st = self.token.lock().await;
        if let Some(answer) = st.answer(Instant::now(), asked, stale) {
            return answer;
        }
        let fetched = self.fetch_token().await;
        let now = Instant::now();
        match fetched {
            Ok((value, lifetime)) => {
                // Tokens live an hour; an `expiresAt` years away is not taken at its word.
                let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
                st.current = Some(Token {
                    value: value.clone(),
                    renew_at: renew_at(now, lifetime),
                    expires_at: now + lifetime,
                });
                st.failure = None;
                Ok(value)
            }
            Err(error) => {
                let failure = Failure {
                    until: now
                        .checked_add(remembered_for(&error))
                        .unwrap_or(now + ASSUMED_BLOCK),
                    error,
                    at: now,
                };
                // Renewal failed early: the old token is still good until it expires.
                let answer = match st.usable(now, stale) {
                    Some(t) => Ok(t.value.clone()),
                    None => Err(failure.error(now)),
                };
                if answer.is_err() {
                    st.current = None;
                }
                st.failure = Some(failure);
                answer
            }
        }
    }

    /// Runs `f` with the bearer token; on a 401 that says the token expired or is not valid,
    /// once more with a fresh token. A second 401 is an authentication error.
    async fn authed<T, F, Fut>(&self, ctx: ErrorContext, f: F) -> Result<T, ProviderError>
    where
        F: Fn(Auth) -> Fut,
        Fut: std::future::Future<Output = Result<T, HttpError>>,
    {
        let token = self.token(None).await?;
        match f(Auth::Bearer(token.clone())).await {
            Err(HttpError::Status(a))
                if a.status.as_u16() == 401 && map::is_token_error(&a.body) =>
            {
                tracing::info!(provider = %self.s.name, "token refused; asking for a fresh one");
                let fresh = self.token(Some(&token)).await?;
                f(Auth::Bearer(fresh)).await.map_err(|e| self.err(ctx, e))
            }
            other => other.map_err(|e| self.err(ctx, e)),
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

    // -- patients ---------------------------------------------------------------------------

    fn remember(&self, id: &str, info: &PatientInfo) {
        lock(&self.patients).insert(id.to_string(), info.clone());
    }

    fn known(&self, id: &str) -> Option<PatientInfo> {
        lock(&self.patients).get(id).cloned()
    }

    /// One page of the patient list with these parameters.
    async fn patients_page(
        &self,
        params: &[(&'static str, String)],
        page: PageRequest,
    ) -> Result<Page<(Scope, PatientInfo)>, ProviderError> {
        let mut query = vec![
            ("page", page.page.max(1).saturating_sub(1).to_string()),
            ("size", page.size.clamp(1, 100).to_string()),
        ];
        query.extend(params.iter().cloned());
        let v = self.get_json(&self.url("/patients"), &query).await?;
        let p = read_page(&v, page, map::patient)
            .ok_or_else(|| self.malformed("the answer has no \"data\" list"))?;
        for (s, info) in &p.items {
            self.remember(&s.id, info);
        }
        Ok(p)
    }

    /// Every patient matching `params` (at most [`MAX_SEARCH_PAGES`] pages); `false` when cut.
    async fn all_patients(
        &self,
        params: &[(&'static str, String)],
    ) -> Result<(Vec<(Scope, PatientInfo)>, bool), ProviderError> {
        let mut out = Vec::new();
        for page in 1..=MAX_SEARCH_PAGES {
            let p = self
                .patients_page(params, PageRequest { page, size: 100 })
                .await?;
            out.extend(p.items);
            if !p.has_more {
                return Ok((out, true));
            }
        }
        Ok((out, false))
    }

    /// A one-word search: first name OR last name. The server has no OR, so both lists are read
    /// whole (bounded), merged without duplicates in the server's order (last, first name), and
    /// the asked page is cut from the result; the merged list serves the next pages for a minute.
    async fn search_either(
        &self,
        key: &str,
        queries: [Vec<(&'static str, String)>; 2],
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        let cached = if page.page > 1 {
            lock(&self.search).as_ref().and_then(|c| {
                (c.key == key && c.at.elapsed() < SEARCH_CACHE_TTL)
                    .then(|| (c.items.clone(), c.complete))
            })
        } else {
            None
        };
        let (items, complete) = match cached {
            Some(c) => c,
            None => {
                let [a, b] = &queries;
                let (a, b) = tokio::join!(self.all_patients(a), self.all_patients(b));
                let (a, a_done) = a?;
                let (b, b_done) = b?;
                let mut merged: Vec<(Scope, PatientInfo)> = Vec::with_capacity(a.len() + b.len());
                for item in a.into_iter().chain(b) {
                    if !merged.iter().any(|(s, _)| s.id == item.0.id) {
                        merged.push(item);
                    }
                }
                merged.sort_by(|(s1, i1), (s2, i2)| {
                    (i1.sort_key(), &s1.id).cmp(&(i2.sort_key(), &s2.id))
                });
                let items: Vec<Scope> = merged.into_iter().map(|(s, _)| s).collect();
                let complete = a_done && b_done;
                *lock(&self.search) = Some(SearchCache {
                    key: key.to_string(),
                    at: Instant::now(),
                    items: items.clone(),
                    complete,
                });
                (items, complete)
            }
        };
        let size = page.size.clamp(1, 100);
        let start = (page.page.max(1) as usize - 1).saturating_mul(size as usize);
        let total = items.len();
        let slice: Vec<Scope> = items.into_iter().skip(start).take(size as usize).collect();
        Ok(Page {
            page: page.page.max(1),
            page_size: size,
            total_items: complete.then_some(total as u64),
            total_pages: complete.then_some(total.div_ceil(size as usize) as u32),
            has_more: start + slice.len() < total,
            unreadable: 0,
            items: slice,
        })
    }

    fn patient_of<'a>(&'a self, scope: Option<&'a str>) -> Result<&'a str, ProviderError> {
        scope
            .or(self.s.patient.as_ref().map(|p| p.id.as_str()))
            .ok_or_else(|| ProviderError::Invalid {
                provider: self.s.label.clone(),
                message: "choose a patient first: Welkin lists calls per patient".into(),
            })
    }

    /// The patient's name and phone for the call list: cached, else read once (best effort).
    /// Only the server names a patient: a pinned patient's configured scope carries just its
    /// id (or a placeholder), which is never shown as the caller's name.
    async fn patient_info(&self, id: &str) -> Option<PatientInfo> {
        if let Some(p) = self.known(id) {
            return Some(p);
        }
        let v = self
            .get_json(&self.url(&format!("/patients/{}", seg(id))), &[])
            .await
            .ok()?;
        let (_, info) = map::patient(v.as_object()?)?;
        self.remember(id, &info);
        Some(info)
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
        let patient = self.patient_of(scope)?;
        let query = calls_query(filter, page, self.caps.max_page_size);
        let url = self.url(&format!("/patients/{}/calls", seg(patient)));
        let (v, who) = tokio::join!(self.get_json(&url, &query), self.patient_info(patient));
        let v = v?;
        read_page(&v, page, |o| {
            map::call(&self.account, patient, o, who.as_ref())
        })
        .ok_or_else(|| self.malformed("the answer has no \"data\" list"))
    }

    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        let patient = self.patient_of(scope)?;
        let url = self.url(&format!("/patients/{}/calls/{}", seg(patient), seg(id)));
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
        let patient = self.patient_of(scope)?;
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

    async fn check(&self) -> Result<String, ProviderError> {
        if let Some(p) = &self.s.patient {
            let v = self
                .get_json(&self.url(&format!("/patients/{}", seg(&p.id))), &[])
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

    #[test]
    fn token_answers_of_both_styles() {
        // The current guide's example, verbatim.
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-19T13:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let (t, life) = parse_token(
            r#"{"token": "eyJ…", "expiresAt": "2026-03-19T14:00:00Z"}"#.as_bytes(),
            now,
        )
        .unwrap();
        assert_eq!(t, "eyJ…");
        assert_eq!(life, Duration::from_secs(3600));
        let (_, life) = parse_token(
            br#"{"token": "eyJabc", "expiresAt": "2026-03-19T13:10:00Z"}"#,
            now,
        )
        .unwrap();
        assert_eq!(life, Duration::from_secs(600));
        // V8: no expiry (extra keys) → 1 hour; an expiry already over → 1 hour (clock skew).
        let (_, life) = parse_token(
            br#"{"token": "eyJx", "clientName": "QRUPCFEHJRJK", "enabled": true}"#,
            now,
        )
        .unwrap();
        assert_eq!(life, ASSUMED_LIFETIME);
        let (_, life) = parse_token(
            br#"{"token": "eyJx", "expiresAt": "2020-01-01T00:00:00Z"}"#,
            now,
        )
        .unwrap();
        assert_eq!(life, ASSUMED_LIFETIME);
        assert!(parse_token(br#"{"token": ""}"#, now).is_none());
        assert!(parse_token(b"[]", now).is_none());
    }

    #[test]
    fn renewal_margin() {
        let now = Instant::now();
        assert_eq!(
            renew_at(now, Duration::from_secs(3600)),
            now + Duration::from_secs(3480)
        );
        assert_eq!(
            renew_at(now, Duration::from_secs(4)),
            now + Duration::from_secs(3)
        );
    }

    #[test]
    fn token_answers_during_a_block_or_a_failure() {
        let s = Duration::from_secs;
        let now = Instant::now() + s(1000);
        let token = |renew: Instant, expires: Instant| {
            Some(Token {
                value: "t".into(),
                renew_at: renew,
                expires_at: expires,
            })
        };
        let block = || {
            Some(Failure {
                error: ProviderError::RateLimited {
                    provider: "W".into(),
                    retry_after_secs: None,
                },
                at: now - s(200),
                until: now + s(100),
            })
        };
        let left = |a: Option<Result<String, ProviderError>>| match a {
            Some(Err(ProviderError::RateLimited {
                retry_after_secs, ..
            })) => retry_after_secs,
            other => panic!("expected the block, got {other:?}"),
        };
        // A fresh token, nothing failed / no token, nothing failed: no need to ask / ask.
        let st = TokenState {
            current: token(now + s(1), now + s(2)),
            failure: None,
        };
        assert_eq!(st.answer(now, now, None), Some(Ok("t".into())));
        assert!(TokenState::default().answer(now, now, None).is_none());
        // During a block, a token past its renewal time serves until it really expires…
        let st = TokenState {
            current: token(now - s(1), now + s(60)),
            failure: block(),
        };
        assert_eq!(st.answer(now, now, None), Some(Ok("t".into())));
        // …but not once the server refused it, nor after it expired; the block says when it ends.
        assert_eq!(left(st.answer(now, now, Some("t"))), Some(100));
        assert_eq!(left(st.answer(now + s(61), now + s(61), None)), Some(39));
        // After the block, the server is asked again.
        assert!(st.answer(now + s(101), now + s(101), None).is_none());
        // Without a token nor a block, a passing failure answers only the callers that were
        // waiting for it; a refusal is remembered.
        let failed = |error: ProviderError, until: Instant| TokenState {
            current: None,
            failure: Some(Failure {
                error,
                at: now,
                until,
            }),
        };
        let offline = ProviderError::Offline {
            provider: "W".into(),
            cause: "x".into(),
        };
        let st = failed(offline.clone(), now + remembered_for(&offline));
        assert_eq!(st.answer(now, now - s(1), None), Some(Err(offline)));
        assert!(st.answer(now + s(1), now + s(1), None).is_none());
        let refused = ProviderError::Auth {
            provider: "W".into(),
            credential: "secret".into(),
            status: 401,
            code: "X".into(),
            hint: "h".into(),
        };
        let st = failed(refused.clone(), now + remembered_for(&refused));
        assert_eq!(st.answer(now + s(5), now + s(5), None), Some(Err(refused)));
        assert!(st.answer(now + s(31), now + s(31), None).is_none());
        let blocked = ProviderError::RateLimited {
            provider: "W".into(),
            retry_after_secs: Some(42),
        };
        assert_eq!(remembered_for(&blocked), s(42));
        let unsaid = ProviderError::RateLimited {
            provider: "W".into(),
            retry_after_secs: None,
        };
        assert_eq!(remembered_for(&unsaid), ASSUMED_BLOCK);
    }

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
