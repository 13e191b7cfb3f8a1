//! Welkin's API clients, the two token exchanges, the token request limit and the bearer check.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::super::clock::rfc3339_secs;
use super::super::{hex, lock, pick, rng_for, unix_now_ms};
use super::Shared;
use super::answers::{Answer, error, too_many};

/// One API client: an `apiClient` key (current style), a name (V8 style) and a secret.
pub(super) struct ApiClient {
    pub(super) key: String,
    pub(super) name: String,
    pub(super) secret: String,
    /// Whether its security policy has the recording permission.
    pub(super) recordings: bool,
}

pub(super) struct TokenRec {
    pub(super) client: usize,
    pub(super) expires_ms: u64,
}

#[derive(Default)]
pub(super) struct TokenLimit {
    recent: VecDeque<u64>,
    blocked_until_ms: u64,
}

/// The main client and the one without the recording permission.
pub(super) fn make_clients(seed: u64) -> [ApiClient; 2] {
    std::array::from_fn(|i| {
        let mut rng = rng_for(seed, "welkin-client", i as u64);
        let name: String = (0..12).map(|_| char::from(b'A' + rng.u8(..26))).collect();
        const SYMBOLS: &[u8] = b"+}{#%;!$&*=?@^~";
        let secret: String = (0..20)
            .map(|_| match rng.u8(..4) {
                0 => char::from(*pick(&mut rng, SYMBOLS)),
                1 => char::from(b'0' + rng.u8(..10)),
                2 => char::from(b'a' + rng.u8(..26)),
                _ => char::from(b'A' + rng.u8(..26)),
            })
            .collect();
        ApiClient {
            key: format!("api-client-{}", hex(&mut rng, 24)),
            name,
            secret,
            recordings: i == 0,
        }
    })
}

/// Which token exchange a request uses.
pub(super) enum TokenStyle {
    /// `POST /auth/token` with `{"secret", "apiClient"}`.
    Current,
    /// `POST /{tenant}/admin/api_clients/{clientName}` with `{"secret"}`.
    V8 { tenant: String, name: String },
}

fn bad_credentials() -> Answer {
    error(
        401,
        "INVALID_API_CLIENT_CREDENTIALS",
        "AUTH",
        "API client credentials are not valid",
        json!({}),
    )
}

fn bad_request(message: &str, details: Value) -> Answer {
    error(400, "BAD_REQUEST", "AUTH", message, details)
}

impl Shared {
    fn issue_token(&self, client: usize) -> (String, u64) {
        let n = self.token_counter.fetch_add(1, Ordering::SeqCst);
        let mut rng = fastrand::Rng::with_seed(fastrand::u64(..) ^ n);
        let token = format!(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}",
            hex(&mut rng, 64),
            hex(&mut rng, 43)
        );
        let now = unix_now_ms();
        // Whole seconds, as `expiresAt` says: the token really expires at that second.
        let expires_ms = (now + self.vopts.token_lifetime.as_millis() as u64) / 1000 * 1000;
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| t.expires_ms + 3_600_000 > now);
        tokens.insert(token.clone(), TokenRec { client, expires_ms });
        (token, expires_ms)
    }

    /// Counts a token request of `client`; `Some(secs)` when it is blocked.
    fn token_limited(&self, client: usize) -> Option<u64> {
        let now = unix_now_ms();
        let mut limits = lock(&self.limits);
        let l = limits.entry(client).or_default();
        if now < l.blocked_until_ms {
            return Some((l.blocked_until_ms - now).div_ceil(1000).max(1));
        }
        let window = self.vopts.token_window.as_millis() as u64;
        while l.recent.front().is_some_and(|t| t + window <= now) {
            l.recent.pop_front();
        }
        l.recent.push_back(now);
        if l.recent.len() > self.vopts.token_limit {
            l.recent.clear();
            let block = self.vopts.token_block.as_millis() as u64;
            l.blocked_until_ms = now + block;
            return Some(block.div_ceil(1000).max(1));
        }
        None
    }

    /// The client a token request names, or the answer refusing it.
    fn token_client(
        &self,
        style: &TokenStyle,
        req: &serde_json::Map<String, Value>,
    ) -> Result<usize, Answer> {
        match style {
            TokenStyle::Current => {
                let key = req
                    .get("apiClient")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        bad_request("apiClient must not be blank", json!({"field": "apiClient"}))
                    })?;
                self.clients
                    .iter()
                    .position(|c| c.key == key)
                    .ok_or_else(bad_credentials)
            }
            TokenStyle::V8 { name, .. } => self
                .clients
                .iter()
                .position(|c| c.name == *name)
                .ok_or_else(|| {
                    error(
                        404,
                        "API_CLIENT_NOT_FOUND",
                        "API_CLIENT",
                        "API client was not found",
                        json!({"clientName": name}),
                    )
                }),
        }
    }

    /// Answer a token request (its method already checked).
    pub(super) fn token_answer(&self, style: TokenStyle, body: &[u8]) -> Answer {
        if let TokenStyle::V8 { tenant, .. } = &style
            && *tenant != self.vopts.tenant
        {
            return error(
                404,
                "TENANT_NOT_FOUND",
                "TENANT",
                "Tenant was not found",
                json!({"tenantName": tenant}),
            );
        }
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(body) else {
            return bad_request("The request body is not valid JSON", json!({}));
        };
        let field = |k: &str| req.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let Some(secret) = field("secret") else {
            return bad_request("secret must not be blank", json!({"field": "secret"}));
        };
        let client = match self.token_client(&style, &req) {
            Ok(c) => c,
            Err(a) => return a,
        };
        if let Some(secs) = self.token_limited(client) {
            return too_many(
                self.vopts.block_retry_after.then_some(secs),
                "Too many token requests: this API client is blocked for 5 minutes",
            );
        }
        if self.clients[client].secret != secret {
            return bad_credentials();
        }
        let (token, expires_ms) = self.issue_token(client);
        match style {
            TokenStyle::Current => {
                let expires = DateTime::<Utc>::from_timestamp_millis(expires_ms as i64)
                    .unwrap_or_else(Utc::now);
                Answer::ok(json!({"token": token, "expiresAt": rfc3339_secs(&expires)}))
            }
            TokenStyle::V8 { tenant, .. } => Answer {
                status: StatusCode::CREATED,
                body: json!({
                    "token": token,
                    "clientName": self.clients[client].name,
                    "tenantName": tenant,
                    "enabled": true,
                }),
                retry_after: None,
            },
        }
    }

    /// The client of a resource request's bearer token, or the 401 answer.
    pub(super) fn authenticate(&self, headers: &HeaderMap) -> Result<usize, Answer> {
        let not_authorized = || {
            error(
                401,
                "NOT_AUTHORIZED",
                "AUTH",
                "Full authentication is required to access this resource",
                json!({}),
            )
        };
        let Some(v) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(not_authorized());
        };
        let Some((scheme, token)) = v.trim().split_once(' ') else {
            return Err(not_authorized());
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(not_authorized());
        }
        let tokens = lock(&self.tokens);
        match tokens.get(token.trim()) {
            None => Err(error(
                401,
                "NOT_VALID_JSON_WEB_TOKEN",
                "AUTH",
                "JWT is not valid",
                json!({}),
            )),
            Some(t) if unix_now_ms() >= t.expires_ms => Err(error(
                401,
                "TOKEN_EXPIRED",
                "AUTH",
                "JWT token has expired",
                json!({}),
            )),
            Some(t) => Ok(t.client),
        }
    }
}
