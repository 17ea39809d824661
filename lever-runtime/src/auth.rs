//! Per-client authentication state: the API key header, or OAuth tokens with single-flight
//! refresh.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::HeaderValue;
use tokio::time::Instant;

use crate::error::Error;
use crate::oauth::{token_request, OAuthCredentials, Refresh, TokenPair, TokenStore};
use crate::secret::Secret;

/// Refresh this long before the access token expires.
const REFRESH_SKEW: Duration = Duration::from_secs(60);
/// After a failed refresh, requests fail fast for this long before one tries again; the delay
/// doubles with every consecutive failure, up to [`MAX_BACKOFF`].
const FIRST_FAILURE_BACKOFF: Duration = Duration::from_secs(1);
/// After a 401-driven refresh whose new token was rejected too, the next 401 waits this long
/// (doubling) before it may refresh again.
const REJECTION_BACKOFF: Duration = Duration::from_secs(30);
/// The longest any refresh backoff grows.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// How requests are authenticated.
pub(crate) enum Auth {
    /// HTTP Basic with the API key as user name and an empty password.
    ApiKey(HeaderValue),
    /// OAuth 2 bearer tokens.
    OAuth(Box<OAuthState>),
}

/// The `Authorization` header to send, and the token generation it belongs to.
pub(crate) struct AuthHeader {
    pub(crate) value: HeaderValue,
    pub(crate) generation: u64,
}

impl Auth {
    pub(crate) fn api_key(key: &Secret) -> Result<Auth, Error> {
        if key.is_empty() {
            return Err(Error::Config("the API key is empty".into()));
        }
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:", key.expose()));
        let mut value = HeaderValue::try_from(format!("Basic {encoded}"))
            .map_err(|_| Error::Config("the API key cannot be sent in a header".into()))?;
        value.set_sensitive(true);
        Ok(Auth::ApiKey(value))
    }

    pub(crate) fn oauth(
        creds: OAuthCredentials,
        default_token_url: &str,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Auth, Error> {
        if creds.access_token.is_empty() {
            return Err(Error::Config("the OAuth access token is empty".into()));
        }
        let token_url = creds
            .token_url
            .unwrap_or_else(|| default_token_url.to_owned());
        url::Url::parse(&token_url)
            .map_err(|e| Error::Config(format!("invalid OAuth token URL {token_url:?}: {e}")))?;
        let tokens = TokenPair {
            access_token: creds.access_token,
            refresh_token: creds.refresh_token,
            expires_at: creds.expires_at,
            token_type: Some("Bearer".into()),
            scope: None,
        };
        let header = bearer(&tokens.access_token).map_err(|_| {
            Error::Config("the OAuth access token cannot be sent in a header".into())
        })?;
        Ok(Auth::OAuth(Box::new(OAuthState {
            client_id: creds.client_id,
            client_secret: creds.client_secret,
            token_url,
            store,
            current: Mutex::new(Current {
                tokens,
                header,
                generation: 0,
                obtained_at: SystemTime::now(),
                accepted: false,
                from_rejection: false,
                rejections: 0,
                last_rejection_refresh: None,
                failure: None,
                dead: false,
            }),
            refresh_lock: tokio::sync::Mutex::new(()),
        })))
    }

    /// The header for the next attempt, refreshing first if the token is (nearly) expired.
    pub(crate) async fn header(&self, http: &reqwest::Client) -> Result<AuthHeader, Error> {
        match self {
            Auth::ApiKey(value) => Ok(AuthHeader {
                value: value.clone(),
                generation: 0,
            }),
            Auth::OAuth(state) => state.header(http).await,
        }
    }

    /// Whether a 401 can be answered by refreshing.
    pub(crate) fn can_refresh(&self) -> bool {
        match self {
            Auth::ApiKey(_) => false,
            Auth::OAuth(state) => state.lock().tokens.refresh_token.is_some(),
        }
    }

    /// After Lever rejected the token of `generation` with a 401: whether a new token is in
    /// place to try again with (`Ok(false)`: refreshing is backing off, the 401 stands).
    pub(crate) async fn refresh_rejected(
        &self,
        http: &reqwest::Client,
        generation: u64,
    ) -> Result<bool, Error> {
        match self {
            Auth::ApiKey(_) => Ok(false),
            Auth::OAuth(state) => state.refresh_rejected(http, generation).await,
        }
    }

    /// Lever accepted a request made with the token of `generation`.
    pub(crate) fn accepted(&self, generation: u64) {
        if let Auth::OAuth(state) = self {
            state.accepted(generation);
        }
    }

    /// Short description for `Debug`, without secrets.
    pub(crate) fn describe(&self) -> String {
        match self {
            Auth::ApiKey(_) => "ApiKey(\"***\")".into(),
            Auth::OAuth(s) => format!(
                "OAuth {{ client_id: {:?}, token_url: {:?} }}",
                s.client_id, s.token_url
            ),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

fn bearer(token: &Secret) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// OAuth token state shared by all clones of a client.
pub(crate) struct OAuthState {
    client_id: String,
    client_secret: Secret,
    token_url: String,
    store: Option<Arc<dyn TokenStore>>,
    /// Never held across an `.await`.
    current: Mutex<Current>,
    /// Held for the whole refresh (HTTP call and store), so only one refresh runs at a time.
    refresh_lock: tokio::sync::Mutex<()>,
}

struct Current {
    tokens: TokenPair,
    header: HeaderValue,
    /// Incremented whenever the token in use changes.
    generation: u64,
    /// When the token in use was obtained (to size the refresh skew to its lifetime).
    obtained_at: SystemTime,
    /// Whether Lever accepted the token of `generation` at least once.
    accepted: bool,
    /// Whether `generation` came from a refresh that a 401 asked for.
    from_rejection: bool,
    /// Consecutive refreshes after a 401 whose new token was rejected too.
    rejections: u32,
    /// When the last refresh after a 401 ran.
    last_rejection_refresh: Option<Instant>,
    /// The last failed refresh: until `retry_at`, refreshes fail fast with the same error.
    failure: Option<Failure>,
    /// Lever refused the refresh token (`invalid_grant`): nothing is tried again.
    dead: bool,
}

struct Failure {
    retry_at: Instant,
    /// The delay that led to `retry_at` (doubles with every consecutive failure).
    backoff: Duration,
    error: FailureKind,
}

/// A failed refresh, kept to fail fast with an equivalent error.
enum FailureKind {
    OAuth {
        status: http::StatusCode,
        code: String,
    },
    Other(String),
}

impl FailureKind {
    fn of(error: &Error) -> FailureKind {
        match error {
            Error::OAuth { status, code, .. } => FailureKind::OAuth {
                status: *status,
                code: code.clone(),
            },
            Error::Auth { message, .. } => FailureKind::Other(message.clone()),
            other => FailureKind::Other(other.to_string()),
        }
    }

    fn to_error(&self) -> Error {
        match self {
            FailureKind::OAuth { status, code } => Error::OAuth {
                status: *status,
                code: code.clone(),
                description: None,
            },
            FailureKind::Other(message) => {
                Error::auth(format!("the last token refresh failed: {message}"))
            }
        }
    }
}

impl Current {
    /// Whether the access token is close enough to expiry to refresh before using it.
    fn is_stale(&self, now: SystemTime) -> bool {
        let Some(expires_at) = self.tokens.expires_at else {
            return false;
        };
        if self.tokens.refresh_token.is_none() {
            return false;
        }
        // A token that lives less than twice the skew would be refreshed on every call:
        // refresh it at half its lifetime instead.
        let lifetime = expires_at
            .duration_since(self.obtained_at)
            .unwrap_or(Duration::ZERO);
        let skew = REFRESH_SKEW.min(lifetime / 2);
        match expires_at.checked_sub(skew) {
            Some(refresh_at) => refresh_at <= now,
            None => true,
        }
    }
}

impl OAuthState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        // Every write leaves `Current` consistent, so a poisoned lock is still usable.
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn header(&self, http: &reqwest::Client) -> Result<AuthHeader, Error> {
        let (header, generation, stale) = {
            let cur = self.lock();
            if cur.dead {
                return Err(Error::invalid_grant());
            }
            (
                cur.header.clone(),
                cur.generation,
                cur.is_stale(SystemTime::now()),
            )
        };
        if stale {
            self.refresh(http, generation).await
        } else {
            Ok(AuthHeader {
                value: header,
                generation,
            })
        }
    }

    /// Lever accepted the token of `generation`.
    fn accepted(&self, generation: u64) {
        let mut cur = self.lock();
        if cur.generation == generation && !cur.accepted {
            cur.accepted = true;
            cur.rejections = 0;
        }
    }

    /// Lever rejected the token of `generation` with a 401: refresh it, unless a refresh after
    /// a 401 already produced a token Lever rejected too and its backoff has not elapsed.
    /// `Ok(true)`: a new token is in place, try again; `Ok(false)`: give up (the 401 stands).
    async fn refresh_rejected(&self, http: &reqwest::Client, seen: u64) -> Result<bool, Error> {
        {
            let mut cur = self.lock();
            if cur.generation != seen {
                return Ok(true);
            }
            if cur.from_rejection && !cur.accepted {
                // The last 401-driven refresh did not help: Lever rejects fresh tokens too
                // (revoked app, missing scope, clock skew). Refreshing on every call would
                // rotate the refresh token once per request; back off instead.
                let backoff = REJECTION_BACKOFF
                    .saturating_mul(1u32 << cur.rejections.min(8))
                    .min(MAX_BACKOFF);
                if cur
                    .last_rejection_refresh
                    .is_some_and(|at| at.elapsed() < backoff)
                {
                    return Ok(false);
                }
                cur.rejections = cur.rejections.saturating_add(1);
            }
            cur.last_rejection_refresh = Some(Instant::now());
        }
        self.refresh(http, seen).await?;
        let mut cur = self.lock();
        if cur.generation != seen {
            cur.from_rejection = true;
        }
        Ok(true)
    }

    /// Replaces the token of `seen` by a fresh one, unless that already happened.
    async fn refresh(&self, http: &reqwest::Client, seen: u64) -> Result<AuthHeader, Error> {
        let _single_flight = self.refresh_lock.lock().await;
        let stale = {
            let cur = self.lock();
            if cur.dead {
                return Err(Error::invalid_grant());
            }
            if cur.generation != seen {
                // Someone else refreshed while we waited for the lock.
                return Ok(AuthHeader {
                    value: cur.header.clone(),
                    generation: cur.generation,
                });
            }
            if let Some(failure) = &cur.failure {
                if Instant::now() < failure.retry_at {
                    return Err(failure.error.to_error());
                }
            }
            if cur.tokens.refresh_token.is_none() {
                return Err(Error::auth(
                    "the access token was rejected or expired and there is no refresh token",
                ));
            }
            cur.tokens.clone()
        };

        tracing::debug!(client_id = %self.client_id, "refreshing OAuth access token");
        let refresh = Refresh::new(move |current: TokenPair| {
            Box::pin(async move {
                let Some(refresh_token) = current.refresh_token.clone() else {
                    return Err(Error::auth("the stored tokens have no refresh token"));
                };
                let mut pair = token_request(
                    http,
                    &self.token_url,
                    &[
                        ("grant_type", "refresh_token"),
                        ("client_id", &self.client_id),
                        ("client_secret", self.client_secret.expose()),
                        ("refresh_token", refresh_token.expose()),
                    ],
                )
                .await?;
                if pair.refresh_token.is_none() {
                    // Lever rotates refresh tokens, but keep the old one if none came back.
                    pair.refresh_token = Some(refresh_token);
                }
                Ok(pair)
            })
        });
        let result = match &self.store {
            Some(store) => store.refresh_locked(&stale, refresh).await,
            None => refresh.run(stale.clone()).await,
        };

        match result {
            Ok(pair) => self.install(pair),
            Err(e) => {
                self.record_failure(&e);
                Err(e)
            }
        }
    }

    /// Makes a refreshed pair the current one; returns its header.
    fn install(&self, pair: TokenPair) -> Result<AuthHeader, Error> {
        let header = bearer(&pair.access_token)
            .map_err(|_| Error::auth("the token endpoint returned an unusable access token"))?;
        let generation = {
            let mut cur = self.lock();
            cur.tokens = pair;
            cur.header = header.clone();
            cur.generation += 1;
            cur.obtained_at = SystemTime::now();
            cur.accepted = false;
            cur.from_rejection = false;
            cur.failure = None;
            cur.generation
        };
        tracing::info!(client_id = %self.client_id, generation, "OAuth access token refreshed");
        Ok(AuthHeader {
            value: header,
            generation,
        })
    }

    /// Remembers a failed refresh: a refused refresh token ends the connection, anything else
    /// backs the next attempt off.
    fn record_failure(&self, e: &Error) {
        let mut cur = self.lock();
        if e.needs_reconnect() {
            tracing::warn!(
                client_id = %self.client_id,
                "Lever refused the refresh token (invalid_grant): the connection must be authorised again"
            );
            cur.dead = true;
        } else {
            let backoff = cur
                .failure
                .as_ref()
                .map_or(FIRST_FAILURE_BACKOFF, |f| f.backoff.saturating_mul(2))
                .min(MAX_BACKOFF);
            tracing::warn!(error = %e, backoff_ms = backoff.as_millis() as u64, "OAuth token refresh failed");
            cur.failure = Some(Failure {
                retry_at: Instant::now() + backoff,
                backoff,
                error: FailureKind::of(e),
            });
        }
    }
}
