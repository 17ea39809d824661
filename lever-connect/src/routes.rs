//! axum routes (feature `axum`): the OAuth connect flow, and the webhook route of every
//! connected account.
//!
//! ## Connect routes ([`connect_routes`])
//!
//! - `GET /connect/:account` answers `302 Found` to Lever's authorize URL, with a fresh
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
//! `POST /:account` receives the deliveries of the webhooks that
//! [`ConnectionsBuilder::webhooks`](crate::ConnectionsBuilder::webhooks) registered. It
//! finds the account's signature tokens in the store, verifies the delivery (signature,
//! Lever's replay window, body size), deduplicates it in the store by what Lever signs — across
//! every process sharing the store — and dispatches it. It answers `200` only once every
//! handler succeeded (a copy of a delivery already handled gets `200` without running them
//! again; a copy arriving while the first is being handled runs them again: at least once,
//! never a `2xx` before success), `500` when a handler failed (Lever retries), `401` for a bad
//! signature, `400` for a malformed or stale delivery, `404` for an account without webhooks,
//! `413` for a body over 1 MiB. Response bodies never echo the delivery.
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
use lever_client::triggers::Dispatcher;
use lever_client::webhooks::{WebhookError, DEFAULT_MAX_BODY_BYTES};

use crate::connections::{Callback, Connections};
use crate::error::ConnectError;
use crate::time::now_ms;

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
        .route("/connect/:account", get(connect))
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
    dispatcher: Dispatcher,
}

/// The webhook route, `POST /:account`, to nest under the URL given to
/// [`WebhookSetup`](crate::WebhookSetup).
pub fn webhook_routes(connections: Connections, dispatcher: Dispatcher) -> Router {
    Router::new()
        .route("/:account", axum::routing::post(webhook))
        .layer(axum::extract::DefaultBodyLimit::max(DEFAULT_MAX_BODY_BYTES))
        .with_state(Arc::new(WebhookState {
            connections,
            dispatcher,
        }))
}

async fn webhook(
    State(state): State<Arc<WebhookState>>,
    Path(account): Path<String>,
    body: Bytes,
) -> Response {
    let verifier = match state.connections.verifier(&account).await {
        Ok(Some(verifier)) => verifier,
        Ok(None) => return (StatusCode::NOT_FOUND, "unknown account").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot load the account's webhook tokens");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
        }
    };
    let event = match verifier.verify_and_parse(&body) {
        Ok(event) => event,
        Err(e) => {
            tracing::warn!(account = %account, error = %e, "webhook refused");
            let text = match e {
                WebhookError::MissingSignature
                | WebhookError::BadSignatureEncoding
                | WebhookError::SignatureMismatch => "bad signature",
                WebhookError::BodyTooLarge { .. } => "body too large",
                _ => "not a valid delivery",
            };
            return (e.status_code(), text).into_response();
        }
    };
    let Some(key) = event.dedup_key() else {
        return (StatusCode::BAD_REQUEST, "not a valid delivery").into_response();
    };
    let key = key.to_string();
    let store = state.connections.store();
    match store.delivery_recorded(&key).await {
        Ok(true) => return (StatusCode::OK, "duplicate delivery: already handled").into_response(),
        Ok(false) => {}
        Err(e) => {
            tracing::error!(error = %e, "cannot check webhook dedup");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
        }
    }
    match state.dispatcher.dispatch_webhook(&account, event).await {
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(account = %account, error = %e, "webhook handler failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "handler failed").into_response();
        }
    }
    // Recorded only after success: a failed attempt leaves nothing, so Lever's retry runs.
    if let Err(e) = store.record_delivery(&key, &account, now_ms()).await {
        // Handled but not recorded: a retry would run the handlers again (at least once).
        tracing::error!(error = %e, "cannot record a handled webhook delivery");
        return (StatusCode::INTERNAL_SERVER_ERROR, "try again later").into_response();
    }
    (StatusCode::OK, "ok").into_response()
}
