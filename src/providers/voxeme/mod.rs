//! Voxeme: a hosted jambonz platform; call detail records are listed under an account. See
//! `shared/providers/voxeme.md`.
//!
//! - RecentCalls needs `page` and `count`, and older servers reject a `count` outside 25..=500:
//!   the program's page size is clamped into that range (the page size the answer reports is
//!   the one used, so paging stays consistent).
//! - Filters sent to the server: `from`/`to` → `start`/`end` (inclusive), `days:N` → `days`
//!   (the server then ignores `start`/`end`), `answered:` → `answered`, `dir:` → `direction`,
//!   `phone:` → `filter` (digits only: the server stores digits, with or without `+`),
//!   `trunk:` → `trunk`. Free text also goes to `filter` (a substring of the from/to number, or
//!   an exact call sid: the records carry no names) when `phone:` is absent. When both are given,
//!   `phone` is sent and the text is matched here with the server's rule on each page; likewise
//!   `from`/`to` together with `days` are checked here on each page. Those pages may hold fewer
//!   calls than the page size, and their total is then unknown.
//! - There is no endpoint for one record: [`Voxeme::get_call`] lists with `filter=<call_sid>`;
//!   when that finds nothing, the call may still be in progress (the Live view), so it asks
//!   `GET /Accounts/{account}/Calls/{call_sid}` before saying "not found".
//! - Recordings come from the record's `recording_url` as given (never rebuilt: its date is the
//!   call's end date), under `/v1` with the key; an absolute URL on another origin is fetched
//!   without credentials. They are streamed without a length and without range support.

mod map;

pub use map::{error_text, recording_ref, same_origin};

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::Value;

use crate::http::{Auth, HttpClient, HttpError};
use crate::model::{
    Account, Call, CallDetail, Capabilities, Direction, Filter, FilterKey, FilterKind, Page,
    PageRequest, ProviderKind, RecordingRef, Scope,
};
use crate::providers::lenient::{self, Object};
use crate::providers::{Provider, ProviderError, RecordingStream, id_segment};

/// The smallest `count` every Voxeme server accepts.
pub const MIN_COUNT: u32 = 25;
/// The largest `count` RecentCalls accepts.
pub const MAX_COUNT: u32 = 500;

const PROVIDER_KEYS: &[FilterKey] = &[
    FilterKey {
        name: "days",
        kind: FilterKind::Int,
        help: "days:7 — the last N days (1–30) as the server counts them; the server then \
               ignores from/to (they are checked on each page instead)",
    },
    FilterKey {
        name: "answered",
        kind: FilterKind::Bool,
        help: "answered:true|false — answered calls, or the missed ones",
    },
    FilterKey {
        name: "trunk",
        kind: FilterKind::Text,
        help: "trunk:twilio — calls over one carrier (its exact name in Voxeme)",
    },
];

/// What this API offers (the same for every account).
pub fn capabilities() -> Capabilities {
    Capabilities {
        scope_noun: Some("account"),
        has_detail: true,
        has_transcripts: false,
        has_recordings: true,
        has_live: true,
        max_page_size: MAX_COUNT,
        server_filters: &[
            "text", "from", "to", "dir", "phone", "days", "answered", "trunk",
        ],
        provider_keys: PROVIDER_KEYS,
    }
}

/// What a Voxeme adapter needs from configuration.
#[derive(Clone)]
pub struct VoxemeSettings {
    /// The configured name (unique).
    pub name: String,
    pub label: String,
    /// The API's base URL without `/v1` (e.g. `https://api.voxeme.example`); the adapter
    /// appends `/v1`.
    pub base_url: String,
    pub api_key: String,
    /// What the user should check when the key is rejected ("check VOXEME_API_KEY").
    pub key_hint: String,
    /// An account pinned by configuration.
    pub account: Option<Scope>,
}

pub struct Voxeme {
    s: VoxemeSettings,
    /// Open to every account of the key, or the pinned one.
    account: Account,
    caps: Capabilities,
    api: HttpClient,
    storage: HttpClient,
}

/// Inclusive bounds, either open.
pub type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The query for one page of RecentCalls, and what must be checked on the answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CallsQuery {
    pub params: Vec<(&'static str, String)>,
    /// The `count` sent (the program's page size clamped into 25..=500).
    pub count: u32,
    /// Free text matched here (when `phone` took the server's `filter`).
    pub local_text: Option<String>,
    /// `from`/`to` checked here (when `days` made the server ignore them).
    pub local_range: Option<TimeRange>,
    /// Nothing can match (`dir:web`: Voxeme calls are inbound or outbound).
    pub nothing: bool,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A number typed by a user as the server stores it (digits only); anything that is not a
/// phone number (a call sid) is kept as typed.
pub fn number_needle(s: &str) -> String {
    let s = s.trim();
    let phone_like = s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_like {
        s.chars().filter(char::is_ascii_digit).collect()
    } else {
        s.to_string()
    }
}

/// Builds the RecentCalls query for a filter (every server-side key) and a page.
pub fn calls_query(
    filter: &Filter,
    page: PageRequest,
    label: &str,
) -> Result<CallsQuery, ProviderError> {
    let count = page.size.clamp(MIN_COUNT, MAX_COUNT);
    let mut params = vec![
        ("page", page.page.max(1).to_string()),
        ("count", count.to_string()),
    ];
    let mut q = CallsQuery {
        params: Vec::new(),
        count,
        local_text: None,
        local_range: None,
        nothing: false,
    };
    match filter.extra.get("days") {
        Some(d) => {
            let days: i64 = d.parse().unwrap_or(0);
            if !(1..=30).contains(&days) {
                return Err(ProviderError::Invalid {
                    provider: label.to_string(),
                    message: format!(
                        "days:{d} is out of range: Voxeme keeps 30 days, use days:1 to days:30"
                    ),
                });
            }
            params.push(("days", days.to_string()));
            if filter.from.is_some() || filter.to.is_some() {
                q.local_range = Some((filter.from, filter.to));
            }
        }
        None => {
            if let Some(t) = filter.from {
                params.push(("start", rfc3339(t)));
            }
            if let Some(t) = filter.to {
                params.push(("end", rfc3339(t)));
            }
        }
    }
    if let Some(a) = filter.extra.get("answered") {
        params.push(("answered", a.clone()));
    }
    match filter.direction {
        Some(Direction::Inbound) => params.push(("direction", "inbound".into())),
        Some(Direction::Outbound) => params.push(("direction", "outbound".into())),
        Some(Direction::Web) => q.nothing = true,
        None => {}
    }
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (&filter.phone, text) {
        (Some(p), t) => {
            params.push(("filter", number_needle(p)));
            q.local_text = t.map(str::to_string);
        }
        (None, Some(t)) => params.push(("filter", number_needle(t))),
        (None, None) => {}
    }
    if let Some(t) = filter.extra.get("trunk") {
        params.push(("trunk", t.clone()));
    }
    q.params = params;
    Ok(q)
}

/// The server's `filter` rule applied here: a substring of `from` or `to`, or the exact sid.
fn matches_text(c: &Call, text: &str) -> bool {
    let needle = number_needle(text);
    if c.id == needle {
        return true;
    }
    c.fields
        .iter()
        .any(|(k, v)| (k == "from" || k == "to") && v.contains(&needle))
}

/// One path segment, percent-encoded.
impl Voxeme {
    /// `api` carries the key to the Voxeme host only; `storage` (no credentials) fetches
    /// recordings that live on another origin.
    pub fn new(settings: VoxemeSettings, api: HttpClient, storage: HttpClient) -> Voxeme {
        Voxeme {
            account: Account::new(
                ProviderKind::Voxeme,
                &settings.base_url,
                settings.account.as_ref().map(|a| a.id.as_str()),
            ),
            s: settings,
            caps: capabilities(),
            api,
            storage,
        }
    }

    fn auth(&self) -> Auth {
        Auth::Bearer(self.s.api_key.clone())
    }

    /// The account a call listed under account sid `sid` belongs to.
    fn owner(&self, sid: &str) -> Arc<Account> {
        Arc::new(self.account.with_id(Some(sid)))
    }

    fn base(&self) -> &str {
        self.s.base_url.trim_end_matches('/')
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.base())
    }

    fn err(&self, e: HttpError, missing: &str) -> ProviderError {
        match e {
            HttpError::Status(a) => map::error(
                &self.s.label,
                &self.s.key_hint,
                a.status.as_u16(),
                &a.headers,
                &a.body,
                a.retry_after.map(|d| d.as_secs()),
                missing,
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

    async fn get_json(
        &self,
        path: &str,
        query: &[(&str, String)],
        missing: &str,
    ) -> Result<Value, ProviderError> {
        let (_, _, body) = self
            .api
            .send(Method::GET, &self.url(path), query, &self.auth(), None)
            .await
            .map_err(|e| self.err(e, missing))?;
        serde_json::from_slice(&body).map_err(|e| self.malformed(&format!("not JSON ({e})")))
    }

    fn account_of<'a>(&'a self, scope: Option<&'a str>) -> Result<&'a str, ProviderError> {
        let account = scope
            .or(self.s.account.as_ref().map(|a| a.id.as_str()))
            .ok_or_else(|| ProviderError::Invalid {
                provider: self.s.label.clone(),
                message: "choose an account first: Voxeme lists calls per account".into(),
            })?;
        self.account_seg(account)?;
        Ok(account)
    }

    /// An account sid as a path segment (refused when it names nothing).
    fn account_seg(&self, account: &str) -> Result<String, ProviderError> {
        id_segment(&self.s.label, "account id", account)
    }

    fn unknown_account(account: &str) -> String {
        format!("account {account} does not exist or this key cannot see it")
    }

    /// A bare JSON array (or, leniently, `{data: […]}`).
    fn array<'a>(&self, v: &'a Value) -> Result<&'a Vec<Value>, ProviderError> {
        match v {
            Value::Array(items) => Ok(items),
            Value::Object(o) => o
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| self.malformed("expected a list")),
            _ => Err(self.malformed("expected a list")),
        }
    }

    /// One page of RecentCalls (the raw answer).
    async fn recent_calls(
        &self,
        account: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ProviderError> {
        self.get_json(
            &format!("/Accounts/{}/RecentCalls", self.account_seg(account)?),
            query,
            &Self::unknown_account(account),
        )
        .await
    }

    /// The record of one call, found by listing with `filter=<call_sid>` (`None`: no record).
    async fn find_record(&self, account: &str, id: &str) -> Result<Option<Object>, ProviderError> {
        let query = [
            ("page", "1".to_string()),
            ("count", MIN_COUNT.to_string()),
            ("filter", id.to_string()),
        ];
        let v = self.recent_calls(account, &query).await?;
        let items = v
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| self.malformed("the answer has no \"data\" list"))?;
        Ok(items
            .iter()
            .filter_map(Value::as_object)
            .find(|o| matches!(o.get("call_sid"), Some(Value::String(s)) if s == id))
            .cloned())
    }

    /// A call still in progress (`GET …/Calls/{call_sid}`): it has no record in RecentCalls yet.
    async fn live_detail(&self, account: &str, id: &str) -> Result<CallDetail, ProviderError> {
        let missing = format!(
            "call {} is neither among the account's recent calls (Voxeme keeps 30 days) nor in \
             progress",
            crate::display::sanitize(id)
        );
        let path = format!(
            "/Accounts/{}/Calls/{}",
            self.account_seg(account)?,
            id_segment(&self.s.label, "call id", id)?
        );
        let v = self.get_json(&path, &[], &missing).await?;
        v.as_object()
            .and_then(|o| map::live_detail(&self.owner(account), account, o))
            .ok_or_else(|| self.malformed("the live call has no call_sid"))
    }
}

#[async_trait]
impl Provider for Voxeme {
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
        ProviderKind::Voxeme
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn pinned_scope(&self) -> Option<&Scope> {
        self.s.account.as_ref()
    }

    async fn list_scopes(
        &self,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Scope>, ProviderError> {
        // One bare array, no paging, no search parameter.
        let v = self.get_json("/Accounts", &[], "").await?;
        let (mut items, unreadable) = lenient::decode_items(self.array(&v)?, map::scope);
        if let Some(s) = search.map(str::to_lowercase).filter(|s| !s.is_empty()) {
            items.retain(|a| a.name.to_lowercase().contains(&s) || a.id.to_lowercase() == s);
        }
        let total = items.len();
        if page.page > 1 {
            items.clear();
        }
        Ok(Page {
            items,
            page: page.page.max(1),
            page_size: total.max(1) as u32,
            total_items: Some(total as u64),
            total_pages: Some(1),
            has_more: false,
            unreadable,
        })
    }

    async fn list_calls(
        &self,
        scope: Option<&str>,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Call>, ProviderError> {
        let account = self.account_of(scope)?;
        let q = calls_query(filter, page, &self.s.label)?;
        if q.nothing {
            return Ok(Page {
                items: Vec::new(),
                page: page.page.max(1),
                page_size: q.count,
                total_items: Some(0),
                total_pages: Some(0),
                has_more: false,
                unreadable: 0,
            });
        }
        let v = self.recent_calls(account, &q.params).await?;
        let owner = self.owner(account);
        let mut p = map::page(&v, q.count, page.page.max(1), |o| {
            map::call(&owner, account, o)
        })
        .map_err(|cause| self.malformed(cause))?;
        if let Some(text) = &q.local_text {
            p.items.retain(|c| matches_text(c, text));
        }
        if let Some((from, to)) = q.local_range {
            p.items.retain(|c| {
                c.started_at
                    .is_some_and(|s| from.is_none_or(|f| s >= f) && to.is_none_or(|t| s <= t))
            });
        }
        if q.local_text.is_some() || q.local_range.is_some() {
            // The server's total counts calls this page's local check dropped.
            p.total_items = None;
        }
        Ok(p)
    }

    async fn get_call(&self, scope: Option<&str>, id: &str) -> Result<CallDetail, ProviderError> {
        let account = self.account_of(scope)?;
        id_segment(&self.s.label, "call id", id)?;
        match self.find_record(account, id).await? {
            Some(o) => map::detail(&self.owner(account), account, &o, self.base())
                .ok_or_else(|| self.malformed("the call has no call_sid")),
            // No record yet: the call may still be in progress (the Live view's `r`).
            None => self.live_detail(account, id).await,
        }
    }

    async fn open_recording(
        &self,
        scope: Option<&str>,
        id: &str,
        from_byte: u64,
    ) -> Result<RecordingStream, ProviderError> {
        // The URL comes from the record every time: never rebuilt from the attempt date.
        let detail = self.get_call(scope, id).await?;
        let missing = "no recording stored for this call";
        let opened = match &detail.recording {
            RecordingRef::Endpoint { path } => {
                let url = map::endpoint_url(self.base(), path);
                self.api.open_stream(&url, &self.auth(), from_byte).await
            }
            RecordingRef::SignedUrl { url, .. } => {
                self.storage.open_stream(url, &Auth::None, from_byte).await
            }
            _ => {
                return Err(ProviderError::NotFound {
                    provider: self.s.label.clone(),
                    message: "this call has no recording (the account may not record calls)".into(),
                });
            }
        };
        // No Range support: the answer is always the whole file from byte 0, without a length.
        opened
            .map(|d| RecordingStream::new(&self.s.label, d))
            .map_err(|e| self.err(e, missing))
    }

    async fn list_live(&self, scope: Option<&str>) -> Result<Page<Call>, ProviderError> {
        let account = self.account_of(scope)?;
        let v = self
            .get_json(
                &format!("/Accounts/{}/Calls", self.account_seg(account)?),
                &[],
                &Self::unknown_account(account),
            )
            .await?;
        let owner = self.owner(account);
        let (calls, unreadable) =
            lenient::decode_items(self.array(&v)?, |o| map::live_call(&owner, account, o));
        if unreadable > 0 {
            tracing::warn!(unreadable, "Voxeme live calls that could not be read");
        }
        Ok(Page::whole(calls, unreadable))
    }

    async fn check(&self) -> Result<String, ProviderError> {
        let v = self.get_json("/Accounts", &[], "").await?;
        let n = self.array(&v)?.len();
        Ok(format!(
            "key accepted; {n} account{} visible",
            if n == 1 { "" } else { "s" }
        ))
    }
}
