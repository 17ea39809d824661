//! An [axum](https://docs.rs/axum/0.8) route that receives Lever webhooks (feature `axum`).
//!
//! The route reads the body (up to the [`Verifier`]'s limit), verifies and parses it, and
//! dispatches it to a [`Dispatcher`]. It answers:
//!
//! | situation | status |
//! |---|---|
//! | accepted: every handler succeeded (or none is registered for the event) | 200 |
//! | duplicate of a delivery already handled (with [`Verifier::dedup`]) | 200, so Lever stops retrying |
//! | duplicate of a delivery still being handled (with [`Verifier::dedup`]) | 503 with `Retry-After`, so Lever comes back once the first attempt's outcome is known |
//! | signature missing, malformed or wrong | 401, nothing is dispatched |
//! | body not JSON, not a delivery, outside the replay window (stale or from the future) | 400 |
//! | body over the limit | 413 |
//! | unknown account (per-account route) | 404 |
//! | a handler failed or panicked | 500, so Lever retries (dedup forgets the delivery, so the retry is handled) |
//!
//! A delivery is recorded as handled only once every handler succeeded ([`Verifier::begin`]),
//! and forgotten if they fail or the request is dropped (the client hung up), so a 2xx always
//! means that one attempt ran every handler to success.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use lever_client::triggers::{Dispatcher, HandlerError, Trigger};
//! use lever_client::webhooks::axum::{router, WebhookConfig};
//! use lever_client::webhooks::Verifier;
//!
//! let mut dispatcher = Dispatcher::new();
//! dispatcher.on(Trigger::CandidateCreated, |event| async move {
//!     println!("{}", event.trigger.title());
//!     Ok::<(), HandlerError>(())
//! });
//! let verifier = Verifier::new("signature-token").dedup(10_000);
//! let app = axum::Router::new().nest(
//!     "/lever/webhooks",
//!     router(WebhookConfig::single("account-1", verifier, dispatcher)),
//! );
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use ::axum::body::Body;
use ::axum::extract::{Path, State};
use ::axum::http::{header, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::post;
use ::axum::Router;

use super::{Verifier, WebhookError};
use crate::triggers::Dispatcher;

/// The `Retry-After` (seconds) answered with 503 to a copy of a delivery still being handled.
/// Lever does not document that it honours the header; its own growing gaps apply anyway.
const IN_FLIGHT_RETRY_AFTER_SECS: &str = "30";

/// Finds the [`Verifier`] of a connected account, by the account ID in the URL.
///
/// Return a stored verifier (clones share its dedup memory), not a new one per call.
pub type VerifierLookup = Arc<dyn Fn(&str) -> Option<Verifier> + Send + Sync + 'static>;

/// What the webhook route needs: the dispatcher and the verifier(s).
#[derive(Clone)]
pub struct WebhookConfig {
    dispatcher: Dispatcher,
    accounts: Accounts,
}

#[derive(Clone)]
enum Accounts {
    Single { account: String, verifier: Verifier },
    Lookup(VerifierLookup),
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("WebhookConfig");
        s.field("dispatcher", &self.dispatcher);
        match &self.accounts {
            Accounts::Single { account, verifier } => {
                s.field("account", account).field("verifier", verifier)
            }
            Accounts::Lookup(_) => s.field("accounts", &"(lookup)"),
        };
        s.finish()
    }
}

impl WebhookConfig {
    /// One connected account: the route is `POST /`, and every delivery belongs to
    /// `account`.
    pub fn single(account: impl Into<String>, verifier: Verifier, dispatcher: Dispatcher) -> Self {
        WebhookConfig {
            dispatcher,
            accounts: Accounts::Single {
                account: account.into(),
                verifier,
            },
        }
    }

    /// Many connected accounts: the route is `POST /{account}`, and `lookup` gives each
    /// account's verifier (its signature tokens); an unknown account gets 404.
    pub fn per_account<F>(lookup: F, dispatcher: Dispatcher) -> Self
    where
        F: Fn(&str) -> Option<Verifier> + Send + Sync + 'static,
    {
        WebhookConfig {
            dispatcher,
            accounts: Accounts::Lookup(Arc::new(lookup)),
        }
    }

    /// Many connected accounts with a fixed map of account ID → verifier.
    pub fn from_map(verifiers: HashMap<String, Verifier>, dispatcher: Dispatcher) -> Self {
        WebhookConfig::per_account(move |account| verifiers.get(account).cloned(), dispatcher)
    }
}

/// The webhook route: `POST /` for [`WebhookConfig::single`], `POST /{account}` for
/// [`WebhookConfig::per_account`]. Nest it where you like.
pub fn router(config: WebhookConfig) -> Router {
    let state = Arc::new(config);
    match state.accounts {
        Accounts::Single { .. } => Router::new()
            .route("/", post(single_account))
            .with_state(state),
        Accounts::Lookup(_) => Router::new()
            .route("/{account}", post(per_account))
            .with_state(state),
    }
}

async fn single_account(State(config): State<Arc<WebhookConfig>>, body: Body) -> Response {
    match &config.accounts {
        Accounts::Single { account, verifier } => {
            receive(&config.dispatcher, account, verifier, body).await
        }
        Accounts::Lookup(_) => (StatusCode::NOT_FOUND, "unknown account").into_response(),
    }
}

async fn per_account(
    State(config): State<Arc<WebhookConfig>>,
    Path(account): Path<String>,
    body: Body,
) -> Response {
    let verifier = match &config.accounts {
        Accounts::Lookup(lookup) => lookup(&account),
        Accounts::Single {
            account: only,
            verifier,
        } => (only == &account).then(|| verifier.clone()),
    };
    match verifier {
        Some(verifier) => receive(&config.dispatcher, &account, &verifier, body).await,
        None => (StatusCode::NOT_FOUND, "unknown account").into_response(),
    }
}

async fn receive(
    dispatcher: &Dispatcher,
    account: &str,
    verifier: &Verifier,
    body: Body,
) -> Response {
    let limit = verifier.body_limit();
    let Ok(bytes) = ::axum::body::to_bytes(body, limit).await else {
        let e = WebhookError::BodyTooLarge { limit };
        tracing::warn!(account, error = %e, "webhook refused");
        return (e.status_code(), e.to_string()).into_response();
    };
    let (event, pending) = match verifier.begin(&bytes) {
        Ok(accepted) => accepted,
        Err(WebhookError::Duplicate) => {
            tracing::debug!(account, "duplicate webhook delivery: already handled");
            return (StatusCode::OK, "duplicate delivery: already handled").into_response();
        }
        Err(e @ WebhookError::InFlight) => {
            tracing::debug!(account, "duplicate webhook delivery: still being handled");
            return (
                e.status_code(),
                [(header::RETRY_AFTER, IN_FLIGHT_RETRY_AFTER_SECS)],
                e.to_string(),
            )
                .into_response();
        }
        Err(e) => {
            tracing::warn!(account, error = %e, "webhook refused");
            return (e.status_code(), e.to_string()).into_response();
        }
    };
    let name = event.name().to_owned();
    match dispatcher.dispatch_webhook(account, event).await {
        Ok(outcome) => {
            pending.complete();
            tracing::debug!(account, event = %name, handlers = outcome.handlers_run, "webhook accepted");
            (StatusCode::OK, "ok").into_response()
        }
        Err(e) => {
            // Lever's retry must be handled again.
            pending.release();
            tracing::warn!(account, event = %name, error = %e, "webhook handler failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "a handler failed").into_response()
        }
    }
}
