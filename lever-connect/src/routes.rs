//! axum routes (feature `axum`): the OAuth connect flow, and the webhook route of every
//! connected account.
//!
//! ## Connect routes ([`connect_routes`])
//!
//! - `GET /connect/{account}` answers `302 Found` to Lever's authorize URL, with a fresh
//!   single-use state bound to the account;
//! - `GET /callback?code=…&state=…` completes the connection and answers `302 Found` to
//!   your success URL with `?account=…`.
//!
//! A callback that cannot complete is answered with a 4xx status — `400` for a state that
//! is unknown, altered, replayed or expired (nothing is stored, and no account is trusted
//! from it), `403` when the customer denied consent, `502` when Lever refused the code — and
//! a short page that sends the browser on to your failure URL with `?error=…` (and
//! `&account=…` when the state was genuine).
//!
//! ## Webhook route ([`webhook_routes`])
//!
//! `POST /{account}` receives the deliveries of the webhooks that
//! [`ConnectionsBuilder::webhooks`](crate::ConnectionsBuilder::webhooks) registered. It
//! finds the account's signature tokens in the store (kept in memory for the revalidation
//! interval; a delivery they refuse is checked against the store once more), verifies the delivery (signature,
//! Lever's replay window, body size) and stores it in the durable [`Inbox`], deduplicated by
//! what Lever signs — across every process sharing the store. It answers `200` only once the
//! delivery is committed (a copy of a stored delivery gets `200` once the first copy is
//! committed, and is not stored again), `503` when the database did not commit it (Lever
//! retries), `401` for a bad signature, `400` for a malformed or stale delivery, `404` for an
//! account without webhooks, `413` for a body over 1 MiB. Handlers run later, from the inbox
//! ([`Inbox::run`] or [`Inbox::process_due`]), with retries and dead letters; they see each
//! delivery at least once. Response bodies never echo the delivery.
//!
//! ```no_run
//! # fn demo(connections: lever_connect::Connections) {
//! use lever_connect::routes::{connect_routes, ConnectRoutes};
//!
//! let app: axum::Router = axum::Router::new().nest(
//!     "/lever",
//!     connect_routes(
//!         connections,
//!         ConnectRoutes::new("https://app.example/connected", "https://app.example/failed")
//!             .scopes(["postings:read:admin", "opportunities:read:admin"]),
//!     ),
//! );
//! // Register https://app.example/lever/callback as the redirect URI of your Lever app.
//! # let _ = app; }
//! ```

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use axum::body::Bytes;
use lever_client::webhooks::{WebhookError, DEFAULT_MAX_BODY_BYTES};

use crate::connections::{Callback, Connections};
use crate::error::ConnectError;
use crate::inbox::{Accepted, Inbox};

/// Where the connect routes send the customer's browser, and what they ask Lever for.
#[derive(Debug, Clone)]
pub struct ConnectRoutes {
    /// Where a completed connection lands (`?account=…` is appended).
    pub success_url: String,
    /// Where a failed one lands (`?error=…`, and `&account=…` when known, are appended).
    pub failure_url: String,
    /// The scopes every connection asks for (`offline_access` is added).
    pub scopes: Vec<String>,
}

impl ConnectRoutes {
    /// Routes redirecting to these URLs, asking for no scope yet.
    pub fn new(success_url: impl Into<String>, failure_url: impl Into<String>) -> Self {
        ConnectRoutes {
            success_url: success_url.into(),
            failure_url: failure_url.into(),
            scopes: Vec::new(),
        }
    }

    /// Sets the scopes to ask for.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

struct RouteState {
    connections: Connections,
    config: ConnectRoutes,
}

/// The two routes, to nest under a prefix of your app.
pub fn connect_routes(connections: Connections, config: ConnectRoutes) -> Router {
    Router::new()
        .route("/connect/{account}", get(connect))
        .route("/callback", get(callback))
        .with_state(Arc::new(RouteState {
            connections,
            config,
        }))
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{query}")
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

/// A 4xx/5xx page that sends the browser on to `location` (the status stays an error, so
/// scripts and monitoring see the failure).
fn failed(status: StatusCode, location: &str, message: &str) -> Response {
    let escaped = location
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    let body = format!(
        "<!doctype html><meta http-equiv=\"refresh\" content=\"0; url={escaped}\">\
         <p>{message}. <a href=\"{escaped}\">Continue</a></p>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn connect(State(state): State<Arc<RouteState>>, Path(account): Path<String>) -> Response {
    let scopes: Vec<&str> = state.config.scopes.iter().map(String::as_str).collect();
    match state.connections.authorize_url(&account, &scopes).await {
        Ok(url) => found(&url),
        Err(ConnectError::InvalidInput(_)) => {
            (StatusCode::BAD_REQUEST, "invalid account ID").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot start the Lever connect flow");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot start the connect flow",
            )
                .into_response()
        }
    }
}

async fn callback(State(state): State<Arc<RouteState>>, Query(cb): Query<Callback>) -> Response {
    let failure = |code: &str, account: Option<&str>| {
        let mut pairs = vec![("error", code)];
        if let Some(account) = account {
            pairs.push(("account", account));
        }
        with_query(&state.config.failure_url, &pairs)
    };
    match state.connections.complete_callback(&cb).await {
        Ok(info) => found(&with_query(
            &state.config.success_url,
            &[("account", &info.account)],
        )),
        Err(
            e @ (ConnectError::UnknownState
            | ConnectError::ReplayedState
            | ConnectError::ExpiredState
            | ConnectError::RedirectMismatch),
        ) => {
            tracing::warn!(error = %e, "OAuth callback refused");
            failed(
                StatusCode::BAD_REQUEST,
                &failure("invalid_state", None),
                "This connection link is invalid or has expired",
            )
        }
        Err(ConnectError::Denied { account, error }) => failed(
            StatusCode::FORBIDDEN,
            &failure(&error, Some(&account)),
            "The connection was not authorised",
        ),
        Err(ConnectError::MissingCode) => failed(
            StatusCode::BAD_REQUEST,
            &failure("invalid_request", None),
            "The callback carried no authorisation code",
        ),
        Err(e @ ConnectError::Lever(_)) => {
            tracing::warn!(error = %e, "Lever refused the authorisation code");
            failed(
                StatusCode::BAD_GATEWAY,
                &failure("exchange_failed", None),
                "Lever did not accept the authorisation",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "OAuth callback failed");
            failed(
                StatusCode::INTERNAL_SERVER_ERROR,
                &failure("server_error", None),
                "The connection could not be saved",
            )
        }
    }
}

struct WebhookState {
    connections: Connections,
    inbox: Inbox,
}

/// The webhook route, `POST /{account}`, to nest under the URL given to
/// [`WebhookSetup`](crate::WebhookSetup). Verified deliveries go to `inbox`; run its
/// handlers with [`Inbox::run`] (one process) or [`Inbox::process_due`] (a worker's loop).
pub fn webhook_routes(connections: Connections, inbox: Inbox) -> Router {
    Router::new()
        .route("/{account}", axum::routing::post(webhook))
        .layer(axum::extract::DefaultBodyLimit::max(DEFAULT_MAX_BODY_BYTES))
        .with_state(Arc::new(WebhookState { connections, inbox }))
}

/// Verifies a delivery with the account's cached verifier; a refusal by a cached verifier is
/// checked once more against the store, whose tokens another process may have changed.
async fn verified(
    connections: &Connections,
    account: &str,
    body: &[u8],
) -> Result<lever_client::webhooks::WebhookEvent, Response> {
    let unavailable = |e: crate::ConnectError| {
        tracing::error!(error = %e, "cannot load the account's webhook tokens");
        (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
    };
    let unknown = || (StatusCode::NOT_FOUND, "unknown account").into_response();
    let (verifier, from_cache) = connections
        .cached_verifier(account)
        .await
        .map_err(unavailable)?
        .ok_or_else(unknown)?;
    let outcome = match verifier.verify_and_parse(body) {
        Err(WebhookError::SignatureMismatch) if from_cache => {
            match connections
                .reload_verifier(account)
                .await
                .map_err(unavailable)?
            {
                Some(fresh) => fresh.verify_and_parse(body),
                None => return Err(unknown()),
            }
        }
        outcome => outcome,
    };
    outcome.map_err(|e| {
        tracing::warn!(account = %account, error = %e, "webhook refused");
        let text = match e {
            WebhookError::MissingSignature
            | WebhookError::BadSignatureEncoding
            | WebhookError::SignatureMismatch => "bad signature",
            WebhookError::BodyTooLarge { .. } => "body too large",
            _ => "not a valid delivery",
        };
        (e.status_code(), text).into_response()
    })
}

async fn webhook(
    State(state): State<Arc<WebhookState>>,
    Path(account): Path<String>,
    body: Bytes,
) -> Response {
    let event = match verified(&state.connections, &account, &body).await {
        Ok(event) => event,
        Err(refusal) => return refusal,
    };
    let Some(key) = event.dedup_key() else {
        return (StatusCode::BAD_REQUEST, "not a valid delivery").into_response();
    };
    // 200 only once the delivery is committed (a duplicate: once its first copy is).
    match state.inbox.accept(&account, &key.to_string(), &body).await {
        Ok(Accepted::Stored) => (StatusCode::OK, "ok").into_response(),
        Ok(Accepted::Duplicate) => {
            (StatusCode::OK, "duplicate delivery: already stored").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot store a webhook delivery in the inbox");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
        }
    }
}
