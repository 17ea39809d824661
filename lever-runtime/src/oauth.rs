//! OAuth 2 for Lever: credentials, rotating token pairs, token persistence, the authorize URL
//! and the authorization-code exchange.
//!
//! Lever uses the authorization-code grant. Access tokens last an hour; refresh tokens
//! **rotate**: every refresh returns a new refresh token and the old one must not be relied
//! on. The [`Client`](crate::Client) refreshes automatically (shortly before expiry, and once
//! after a 401), with exactly one refresh in flight per client however many tasks need it,
//! and hands every new [`TokenPair`] to the configured [`TokenStore`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), lever_client::Error> {
//! use lever_client::oauth::{self, AuthorizeParams, CodeExchange};
//! use lever_client::{Client, Environment, OAuthCredentials};
//!
//! // 1. Send the user to Lever.
//! let url = oauth::authorize_url(
//!     &AuthorizeParams::new("my-client-id", "https://example.com/callback", "csrf-state")
//!         .environment(Environment::Sandbox)
//!         .scopes(["opportunities:read:admin", "postings:read:admin"])
//!         .offline_access(true),
//! )?;
//! println!("open {url}");
//!
//! // 2. On the callback, exchange the code.
//! let tokens = oauth::exchange_code(
//!     &CodeExchange::new("my-client-id", "my-secret", "the-code", "https://example.com/callback")
//!         .environment(Environment::Sandbox),
//! )
//! .await?;
//!
//! // 3. Build a client; it refreshes the token by itself.
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .oauth(OAuthCredentials::from_tokens("my-client-id", "my-secret", tokens))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```

use std::time::{Duration, SystemTime};

use crate::config::Environment;
use crate::error::Error;
use crate::secret::Secret;

mod store;

pub use store::{MemoryTokenStore, Refresh, TokenStore};

/// OAuth credentials for a [`Client`](crate::Client).
///
/// Without a `refresh_token` the client uses the access token until Lever rejects it.
/// `token_url` defaults to the token URL of the client's [`Environment`].
#[derive(Clone, Debug)]
pub struct OAuthCredentials {
    /// The app's client ID (not secret).
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// The current access token.
    pub access_token: Secret,
    /// The current refresh token (needs the `offline_access` scope).
    pub refresh_token: Option<Secret>,
    /// When the access token expires; `None` = unknown (refresh only after a 401).
    pub expires_at: Option<SystemTime>,
    /// Token endpoint override (e.g. a local simulator).
    pub token_url: Option<String>,
}

impl OAuthCredentials {
    /// Credentials with an access token only.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        access_token: impl Into<Secret>,
    ) -> Self {
        OAuthCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            access_token: access_token.into(),
            refresh_token: None,
            expires_at: None,
            token_url: None,
        }
    }

    /// Credentials from a stored or freshly exchanged [`TokenPair`].
    pub fn from_tokens(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        tokens: TokenPair,
    ) -> Self {
        OAuthCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_at: tokens.expires_at,
            token_url: None,
        }
    }

    /// Sets the refresh token.
    pub fn refresh_token(mut self, token: impl Into<Secret>) -> Self {
        self.refresh_token = Some(token.into());
        self
    }

    /// Sets when the access token expires.
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Sets the access token to expire `d` from now. A `d` beyond what the system clock can
    /// represent leaves the expiry unknown (`None`), as for a token that never expires.
    pub fn expires_in(mut self, d: Duration) -> Self {
        // `checked_add`: `SystemTime + Duration` panics on overflow.
        self.expires_at = SystemTime::now().checked_add(d);
        self
    }

    /// Overrides the token endpoint.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
}

/// The tokens returned by Lever's token endpoint.
#[derive(Clone, Debug)]
pub struct TokenPair {
    /// The access token (sent as `Authorization: Bearer ...`).
    pub access_token: Secret,
    /// The refresh token. Lever rotates it on every refresh: always persist the newest.
    pub refresh_token: Option<Secret>,
    /// When the access token expires (from `expires_in`).
    pub expires_at: Option<SystemTime>,
    /// The token type (`Bearer`).
    pub token_type: Option<String>,
    /// The granted scopes, space-separated.
    pub scope: Option<String>,
}

/// Parameters of Lever's OAuth authorize URL.
#[derive(Clone, Debug)]
pub struct AuthorizeParams {
    /// The app's client ID.
    pub client_id: String,
    /// The redirect URI; must match the registered value exactly.
    pub redirect_uri: String,
    /// An unguessable value checked on the callback (CSRF protection).
    pub state: String,
    /// Requested scopes, e.g. `opportunities:read:admin`.
    pub scopes: Vec<String>,
    /// Whether to add `offline_access` (needed to get a refresh token).
    pub offline_access: bool,
    /// Which Lever environment (authorize URL and audience).
    pub environment: Environment,
    /// Authorize URL override.
    pub authorize_url: Option<String>,
    /// Audience override.
    pub audience: Option<String>,
}

impl AuthorizeParams {
    /// Production parameters without scopes.
    pub fn new(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
        state: impl Into<String>,
    ) -> Self {
        AuthorizeParams {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            state: state.into(),
            scopes: Vec::new(),
            offline_access: false,
            environment: Environment::Production,
            authorize_url: None,
            audience: None,
        }
    }

    /// Adds one scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds several scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Asks for `offline_access` (a refresh token).
    pub fn offline_access(mut self, yes: bool) -> Self {
        self.offline_access = yes;
        self
    }

    /// Sets the environment.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }
}

/// Builds the URL to send a user to so they authorise the app.
///
/// Query: `client_id`, `redirect_uri`, `response_type=code`, `state`, `audience`, and `scope`
/// (space-separated, `offline_access` first when asked for).
pub fn authorize_url(params: &AuthorizeParams) -> Result<String, Error> {
    let base = params
        .authorize_url
        .as_deref()
        .unwrap_or(params.environment.authorize_url());
    let mut url = url::Url::parse(base)
        .map_err(|e| Error::Config(format!("invalid authorize URL {base:?}: {e}")))?;
    let mut scopes: Vec<&str> = Vec::with_capacity(params.scopes.len() + 1);
    if params.offline_access {
        scopes.push("offline_access");
    }
    for s in &params.scopes {
        if !scopes.contains(&s.as_str()) {
            scopes.push(s);
        }
    }
    let audience = params
        .audience
        .as_deref()
        .unwrap_or(params.environment.audience());
    url.query_pairs_mut()
        .append_pair("client_id", &params.client_id)
        .append_pair("redirect_uri", &params.redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("state", &params.state)
        .append_pair("audience", audience)
        .append_pair("scope", &scopes.join(" "));
    Ok(url.into())
}

/// Parameters of the authorization-code exchange.
#[derive(Clone, Debug)]
pub struct CodeExchange {
    /// The app's client ID.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// The `code` from the callback.
    pub code: Secret,
    /// The same redirect URI as in the authorize URL.
    pub redirect_uri: String,
    /// The token endpoint (default: production).
    pub token_url: String,
}

impl CodeExchange {
    /// An exchange against the production token URL.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        code: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        CodeExchange {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            code: code.into(),
            redirect_uri: redirect_uri.into(),
            token_url: Environment::Production.token_url().to_owned(),
        }
    }

    /// Uses the token URL of `environment`.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.token_url = environment.token_url().to_owned();
        self
    }

    /// Overrides the token URL (tests, simulator).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }
}

/// Exchanges an authorization code for tokens (POST `grant_type=authorization_code`).
pub async fn exchange_code(params: &CodeExchange) -> Result<TokenPair, Error> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(crate::client::DEFAULT_USER_AGENT)
        .build()
        .map_err(|e| Error::Auth {
            message: "cannot build HTTP client".into(),
            source: Some(Box::new(e)),
        })?;
    token_request(
        &http,
        &params.token_url,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &params.client_id),
            ("client_secret", params.client_secret.expose()),
            ("code", params.code.expose()),
            ("redirect_uri", &params.redirect_uri),
        ],
    )
    .await
}

/// The OAuth `error` codes shown in an error's `Display` (RFC 6749 §4.1.2.1 and §5.2, RFC 6750
/// §3.1): a fixed vocabulary, so never a token. Any other code is treated like the
/// description.
const STANDARD_ERROR_CODES: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "unsupported_response_type",
    "server_error",
    "temporarily_unavailable",
    "invalid_token",
    "insufficient_scope",
];

/// POSTs a form to a token endpoint and decodes the token response.
///
/// Errors never show the response body (it may hold tokens): their `Display` names the status
/// and a standard OAuth `error` code; the `error`/`error_description` (or `code`/`message`)
/// fields are kept only behind [`Error::sensitive_detail`].
pub(crate) async fn token_request(
    http: &reqwest::Client,
    token_url: &str,
    form: &[(&str, &str)],
) -> Result<TokenPair, Error> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let resp = http
        .post(token_url)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| Error::Auth {
            message: "token endpoint unreachable".into(),
            source: Some(Box::new(e)),
        })?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| Error::Auth {
        message: "cannot read token endpoint response".into(),
        source: Some(Box::new(e)),
    })?;
    if !status.is_success() {
        return Err(token_error(status, &bytes));
    }
    token_pair(&bytes)
}

/// A token endpoint's success body.
#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    expires_in: Option<f64>,
}

/// A token endpoint's error body (RFC 6749 names, or Lever's `code` and `message`).
#[derive(serde::Deserialize)]
struct TokenError {
    #[serde(default, alias = "code")]
    error: Option<String>,
    #[serde(default, alias = "message")]
    error_description: Option<String>,
}

/// The error for a token endpoint's non-2xx answer.
fn token_error(status: http::StatusCode, bytes: &[u8]) -> Error {
    let parsed = serde_json::from_slice::<TokenError>(bytes).ok();
    let code = parsed
        .as_ref()
        .and_then(|e| e.error.as_deref())
        .filter(|c| STANDARD_ERROR_CODES.contains(c));
    if let (Some(code), Some(parsed)) = (code, &parsed) {
        return Error::OAuth {
            status,
            code: code.to_owned(),
            description: parsed.error_description.clone().map(Secret::new),
        };
    }
    // A code outside the standard ones may echo a token (as may any description): only
    // behind the sensitive accessor.
    let detail = parsed
        .map(|e| {
            [e.error, e.error_description]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ")
        })
        .filter(|s| !s.is_empty());
    Error::auth_withholding(format!("token endpoint returned {status}"), detail)
}

/// The token pair of a token endpoint's success body.
fn token_pair(bytes: &[u8]) -> Result<TokenPair, Error> {
    let t: TokenResponse = serde_json::from_slice(bytes).map_err(|e| {
        // Only the position and category: the body may contain tokens.
        Error::auth(format!(
            "invalid token endpoint response ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let expires_at = t
        .expires_in
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| SystemTime::now() + Duration::from_secs_f64(s.min(1e9)));
    Ok(TokenPair {
        access_token: Secret::new(t.access_token),
        refresh_token: t.refresh_token.map(Secret::new),
        expires_at,
        token_type: t.token_type,
        scope: t.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_production_and_sandbox() {
        let p = AuthorizeParams::new("cid", "https://app.example/cb?x=1", "st ate")
            .scopes(["postings:read:admin", "opportunities:read:admin"])
            .offline_access(true);
        let u = url::Url::parse(&authorize_url(&p).unwrap()).unwrap();
        assert_eq!(u.host_str(), Some("auth.lever.co"));
        assert_eq!(u.path(), "/authorize");
        let q: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("client_id"), Some("cid"));
        assert_eq!(get("redirect_uri"), Some("https://app.example/cb?x=1"));
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("state"), Some("st ate"));
        assert_eq!(get("audience"), Some("https://api.lever.co/v1/"));
        assert_eq!(
            get("scope"),
            Some("offline_access postings:read:admin opportunities:read:admin")
        );

        let s = authorize_url(
            &p.clone()
                .environment(Environment::Sandbox)
                .offline_access(false),
        )
        .unwrap();
        assert!(
            s.starts_with("https://sandbox-lever.auth0.com/authorize?"),
            "{s}"
        );
        assert!(
            s.contains("audience=https%3A%2F%2Fapi.sandbox.lever.co%2Fv1%2F"),
            "{s}"
        );
        assert!(
            s.contains("scope=postings%3Aread%3Aadmin+opportunities%3Aread%3Aadmin"),
            "{s}"
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let c = OAuthCredentials::new("cid", "client-secret-x", "access-token-x")
            .refresh_token("refresh-token-x");
        let d = format!("{c:?}");
        assert!(d.contains("cid"));
        for s in ["client-secret-x", "access-token-x", "refresh-token-x"] {
            assert!(!d.contains(s), "{d}");
        }
        let e = CodeExchange::new("cid", "client-secret-x", "code-x", "https://x");
        let d = format!("{e:?}");
        assert!(
            !d.contains("client-secret-x") && !d.contains("code-x"),
            "{d}"
        );
    }
}
