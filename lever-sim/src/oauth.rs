//! The OAuth 2 token endpoint: authorization codes, access tokens, rotating refresh tokens.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::Shared;
use crate::util::lock;

/// Counters of the token endpoint, for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OAuthStats {
    /// Every request to `/oauth/token`.
    pub token_requests: u64,
    /// Successful `authorization_code` exchanges.
    pub code_grants: u64,
    /// Successful `refresh_token` grants.
    pub refresh_grants: u64,
    /// Requests answered with an error.
    pub failures: u64,
}

/// Live codes and tokens.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    codes: HashSet<String>,
    /// Access token → expiry (ms on the simulator's clock).
    access: HashMap<String, i64>,
    refresh: HashSet<String>,
    pub stats: OAuthStats,
}

impl OAuthState {
    pub(crate) fn access_token_valid(&self, token: &str, now: i64) -> bool {
        self.access.get(token).is_some_and(|exp| *exp > now)
    }

    pub(crate) fn add_code(&mut self, code: String) {
        self.codes.insert(code);
    }

    pub(crate) fn expire_access_tokens(&mut self) {
        self.access.clear();
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Handles `POST /oauth/token` with a form-urlencoded body.
pub(crate) fn token(shared: &Shared, body: &[u8]) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let now = shared.clock.now_ms();
    let mut oauth = lock(&shared.oauth);
    oauth.stats.token_requests += 1;
    let cfg = &shared.config.oauth;
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("client_id") != cfg.client_id || field("client_secret") != cfg.client_secret {
        oauth.stats.failures += 1;
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client or wrong client secret",
        );
    }
    match field("grant_type") {
        "authorization_code" => {
            if !oauth.codes.remove(field("code")) {
                oauth.stats.failures += 1;
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid or already used authorization code",
                );
            }
            oauth.stats.code_grants += 1;
        }
        "refresh_token" => {
            if !oauth.refresh.remove(field("refresh_token")) {
                oauth.stats.failures += 1;
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Unknown or already used refresh token",
                );
            }
            oauth.stats.refresh_grants += 1;
        }
        "" => {
            oauth.stats.failures += 1;
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing grant_type",
            );
        }
        _ => {
            oauth.stats.failures += 1;
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only authorization_code and refresh_token are supported",
            );
        }
    }
    let (access, refresh) = {
        let mut store = lock(&shared.store);
        (store.rng.alnum(40), format!("v1.{}", store.rng.alnum(48)))
    };
    let ttl_ms = i64::try_from(cfg.access_token_ttl.as_millis()).unwrap_or(i64::MAX);
    oauth
        .access
        .insert(access.clone(), now.saturating_add(ttl_ms));
    oauth.refresh.insert(refresh.clone());
    let scope = form
        .get("scope")
        .cloned()
        .unwrap_or_else(|| shared.spec.api.oauth.scopes.join(" "));
    axum::Json(json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": cfg.access_token_ttl.as_secs(),
    }))
    .into_response()
}
