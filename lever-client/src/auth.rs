//! Per-client authentication state: the API key header, or OAuth tokens with single-flight
//! refresh.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::HeaderValue;
use tokio::time::Instant;

use crate::error::Error;
use crate::oauth::{token_request, OAuthCredentials, TokenPair, TokenStore};
use crate::secret::Secret;

/// Refresh this long before the access token expires.
const REFRESH_SKEW: Duration = Duration::from_secs(60);
/// After a failed refresh, requests holding the same token fail fast for this long instead of
/// queueing one refresh each.
const FAILURE_MEMORY: Duration = Duration::from_secs(5);

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
                last_failure: None,
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

    /// Refreshes after Lever rejected the token of `generation` (no-op if another task already
    /// did).
    pub(crate) async fn refresh_rejected(
        &self,
        http: &reqwest::Client,
        generation: u64,
    ) -> Result<(), Error> {
        match self {
            Auth::ApiKey(_) => Ok(()),
            Auth::OAuth(state) => state.refresh(http, generation).await.map(|_| ()),
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
    /// Incremented by every successful refresh.
    generation: u64,
    /// The generation whose refresh failed, when, and why.
    last_failure: Option<(u64, Instant, String)>,
}

impl OAuthState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        // Every write leaves `Current` consistent, so a poisoned lock is still usable.
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn header(&self, http: &reqwest::Client) -> Result<AuthHeader, Error> {
        let (header, generation, stale) = {
            let cur = self.lock();
            let stale = cur.tokens.refresh_token.is_some()
                && cur
                    .tokens
                    .expires_at
                    .is_some_and(|at| at <= SystemTime::now() + REFRESH_SKEW);
            (cur.header.clone(), cur.generation, stale)
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

    /// Replaces the token of `seen` by a fresh one, unless that already happened.
    async fn refresh(&self, http: &reqwest::Client, seen: u64) -> Result<AuthHeader, Error> {
        let _single_flight = self.refresh_lock.lock().await;
        let refresh_token =
            {
                let cur = self.lock();
                if cur.generation != seen {
                    // Someone else refreshed while we waited for the lock.
                    return Ok(AuthHeader {
                        value: cur.header.clone(),
                        generation: cur.generation,
                    });
                }
                if let Some((generation, at, message)) = &cur.last_failure {
                    if *generation == seen && at.elapsed() < FAILURE_MEMORY {
                        return Err(Error::auth(message.clone()));
                    }
                }
                match &cur.tokens.refresh_token {
                    Some(t) => t.clone(),
                    None => return Err(Error::auth(
                        "the access token was rejected or expired and there is no refresh token",
                    )),
                }
            };

        tracing::debug!(client_id = %self.client_id, "refreshing OAuth access token");
        let result = token_request(
            http,
            &self.token_url,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &self.client_id),
                ("client_secret", self.client_secret.expose()),
                ("refresh_token", refresh_token.expose()),
            ],
        )
        .await;

        let mut pair = match result {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "OAuth token refresh failed");
                self.lock().last_failure = Some((seen, Instant::now(), e.to_string()));
                return Err(e);
            }
        };
        if pair.refresh_token.is_none() {
            // Lever rotates refresh tokens, but keep the old one if none came back.
            pair.refresh_token = Some(refresh_token);
        }
        let header = bearer(&pair.access_token)
            .map_err(|_| Error::auth("the token endpoint returned an unusable access token"))?;
        let generation = {
            let mut cur = self.lock();
            cur.tokens = pair.clone();
            cur.header = header.clone();
            cur.generation += 1;
            cur.last_failure = None;
            cur.generation
        };
        tracing::info!(client_id = %self.client_id, generation, "OAuth access token refreshed");
        if let Some(store) = &self.store {
            if let Err(e) = store.save(&pair).await {
                tracing::error!(error = %e, "token store failed to save the refreshed tokens");
            }
        }
        Ok(AuthHeader {
            value: header,
            generation,
        })
    }
}
