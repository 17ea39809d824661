//! An [axum](https://docs.rs/axum/0.8) route that receives Lever webhooks (feature `axum`),
//! generic over the event type. Read it as `lever_client::webhooks::axum`, which documents the
//! statuses it answers.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use ::axum::body::Body;
use ::axum::extract::{Path, State};
use ::axum::http::{header, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::post;
use ::axum::Router;

use super::{EventKind, Verifier, WebhookError};
use crate::triggers::Dispatcher;

/// The `Retry-After` (seconds) answered with 503 to a copy of a delivery still being handled.
/// Lever does not document that it honours the header; its own growing gaps apply anyway.
const IN_FLIGHT_RETRY_AFTER_SECS: &str = "30";

/// Finds the [`Verifier`] of a connected account, by the account ID in the URL.
///
/// Return a stored verifier (clones share its dedup memory), not a new one per call.
pub type VerifierLookup<E> = Arc<dyn Fn(&str) -> Option<Verifier<E>> + Send + Sync + 'static>;

/// What the webhook route needs: the dispatcher and the verifier(s), for events of type `E`
/// (lever-client's `WebhookConfig` is this type with its `WebhookEvent`).
#[derive(Clone)]
pub struct WebhookConfig<E: EventKind> {
    dispatcher: Dispatcher<E>,
    accounts: Accounts<E>,
}

#[derive(Clone)]
enum Accounts<E> {
    Single {
        account: String,
        verifier: Verifier<E>,
    },
    Lookup(VerifierLookup<E>),
}

impl<E: EventKind> fmt::Debug for WebhookConfig<E> {
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

impl<E: EventKind> WebhookConfig<E> {
    /// One connected account: the route is `POST /`, and every delivery belongs to
    /// `account`.
    pub fn single(
        account: impl Into<String>,
        verifier: Verifier<E>,
        dispatcher: Dispatcher<E>,
    ) -> Self {
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
    pub fn per_account<F>(lookup: F, dispatcher: Dispatcher<E>) -> Self
    where
        F: Fn(&str) -> Option<Verifier<E>> + Send + Sync + 'static,
    {
        WebhookConfig {
            dispatcher,
            accounts: Accounts::Lookup(Arc::new(lookup)),
        }
    }

    /// Many connected accounts with a fixed map of account ID → verifier.
    pub fn from_map(verifiers: HashMap<String, Verifier<E>>, dispatcher: Dispatcher<E>) -> Self {
        WebhookConfig::per_account(move |account| verifiers.get(account).cloned(), dispatcher)
    }
}

/// The webhook route: `POST /` for [`WebhookConfig::single`], `POST /{account}` for
/// [`WebhookConfig::per_account`]. Nest it where you like.
pub fn router<E: EventKind>(config: WebhookConfig<E>) -> Router {
    let state = Arc::new(config);
    match state.accounts {
        Accounts::Single { .. } => Router::new()
            .route("/", post(single_account::<E>))
            .with_state(state),
        Accounts::Lookup(_) => Router::new()
            .route("/{account}", post(per_account::<E>))
            .with_state(state),
    }
}

async fn single_account<E: EventKind>(
    State(config): State<Arc<WebhookConfig<E>>>,
    body: Body,
) -> Response {
    match &config.accounts {
        Accounts::Single { account, verifier } => {
            receive(&config.dispatcher, account, verifier, body).await
        }
        Accounts::Lookup(_) => (StatusCode::NOT_FOUND, "unknown account").into_response(),
    }
}

async fn per_account<E: EventKind>(
    State(config): State<Arc<WebhookConfig<E>>>,
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

async fn receive<E: EventKind>(
    dispatcher: &Dispatcher<E>,
    account: &str,
    verifier: &Verifier<E>,
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
