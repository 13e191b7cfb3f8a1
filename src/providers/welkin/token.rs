//! The token exchange: one request at a time asks for a token (single flight), a failure answers
//! every caller that waited for it, a refusal and a block are remembered, and a token is renewed
//! shortly before it expires.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::map::{self, seg};
use super::{ErrorContext, Welkin, WelkinAuthStyle};
use crate::http::{Auth, HttpError};
use crate::providers::ProviderError;
use crate::providers::lenient;

/// Token lifetime assumed when the answer does not say (V8), as documented.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(3600);
/// A token is renewed this long before it expires (less for very short lifetimes).
const RENEW_MARGIN: Duration = Duration::from_secs(120);
/// How long a token block lasts when the server does not say (documented: 5 minutes).
const ASSUMED_BLOCK: Duration = Duration::from_secs(300);
/// How long a refused token exchange (wrong secret, client or tenant) answers later callers.
const REFUSAL_MEMORY: Duration = Duration::from_secs(30);
pub(super) struct Token {
    value: String,
    renew_at: Instant,
    expires_at: Instant,
}

/// A failed token exchange. Every caller that was already waiting for it gets its error; a
/// refusal is remembered for [`REFUSAL_MEMORY`] and a block until it ends, so that neither costs
/// another token request.
pub(super) struct Failure {
    error: ProviderError,
    /// When the failed request ended.
    at: Instant,
    /// Until when callers that came later get the error too (`at` for a passing failure).
    until: Instant,
}

impl Failure {
    /// The error for a caller at `now` (a block says how long it still lasts).
    pub(super) fn error(&self, now: Instant) -> ProviderError {
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
pub(super) struct TokenState {
    current: Option<Token>,
    failure: Option<Failure>,
    /// The token kept by an earlier run was looked for (once per process).
    looked_for_kept: bool,
}

impl TokenState {
    /// The current token unless it expired or is the one the server just refused (`stale`).
    pub(super) fn usable(&self, now: Instant, stale: Option<&str>) -> Option<&Token> {
        self.current
            .as_ref()
            .filter(|t| now < t.expires_at && stale != Some(t.value.as_str()))
    }

    /// What a caller that began waiting at `asked` gets without asking the server: the token
    /// while it is fresh; during a failure that concerns it, the token until it really expires,
    /// else the failure. `None`: ask the server.
    pub(super) fn answer(
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
impl Welkin {
    // -- token ------------------------------------------------------------------------------

    /// One token request.
    pub(super) async fn fetch_token(&self) -> Result<(String, Duration), ProviderError> {
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
    pub(super) async fn token(&self, stale: Option<&str>) -> Result<String, ProviderError> {
        let asked = Instant::now();
        let mut st = self.token.lock().await;
        if let (Some(stale), Some(cache)) = (stale, &self.cache) {
            cache.discard(stale);
        }
        if let Some(answer) = st.answer(Instant::now(), asked, stale) {
            return answer;
        }
        if let Some(kept) = self.kept_token(&mut st, stale) {
            return Ok(kept);
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
                if let Some(cache) = &self.cache {
                    cache.save(&value, lifetime);
                }
                Ok(value)
            }
            Err(error) => {
                if let (ProviderError::Auth { .. }, Some(cache)) = (&error, &self.cache) {
                    // The credentials were refused: no token kept for them serves later runs.
                    cache.forget();
                }
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

    /// Asks the server for a token at the next use even if an earlier run kept one: a check of
    /// the credentials checks the secret, not a token it once gave.
    pub(super) async fn ignore_kept_token(&self) {
        self.token.lock().await.looked_for_kept = true;
    }

    /// The token an earlier run kept, once per process, while no token is held (not `stale`,
    /// and living longer than the renewal margin).
    fn kept_token(&self, st: &mut TokenState, stale: Option<&str>) -> Option<String> {
        if st.current.is_some() || st.looked_for_kept {
            return None;
        }
        st.looked_for_kept = true;
        let (value, left) = self.cache.as_ref()?.load(RENEW_MARGIN)?;
        if stale == Some(value.as_str()) {
            return None;
        }
        let now = Instant::now();
        st.current = Some(Token {
            value: value.clone(),
            renew_at: renew_at(now, left),
            expires_at: now + left,
        });
        Some(value)
    }

    /// Runs `f` with the bearer token; on a 401 that says the token expired or is not valid,
    /// once more with a fresh token. A second 401 is an authentication error.
    pub(super) async fn authed<T, F, Fut>(
        &self,
        ctx: ErrorContext,
        f: F,
    ) -> Result<T, ProviderError>
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
            Err(HttpError::Status(a)) if a.status.as_u16() == 401 => {
                // Refused for another reason: a token kept for later runs goes too.
                if let Some(cache) = &self.cache {
                    cache.discard(&token);
                }
                Err(self.err(ctx, HttpError::Status(a)))
            }
            other => other.map_err(|e| self.err(ctx, e)),
        }
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
            ..TokenState::default()
        };
        assert_eq!(st.answer(now, now, None), Some(Ok("t".into())));
        assert!(TokenState::default().answer(now, now, None).is_none());
        // During a block, a token past its renewal time serves until it really expires…
        let st = TokenState {
            current: token(now - s(1), now + s(60)),
            failure: block(),
            ..TokenState::default()
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
            ..TokenState::default()
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
}
