//! Receiving Lever webhooks: verify the signature, parse a typed [`WebhookEvent`].
//!
//! Lever POSTs a JSON body to your HTTPS endpoint:
//!
//! ```json
//! {"triggeredAt": 1431454330072, "event": "candidateStageChange",
//!  "token": "<random 48 characters>", "signature": "<64 lowercase hex>",
//!  "data": {"opportunityId": "…", "toStageId": "…", "fromStageId": "…"}}
//! ```
//!
//! The `signature` is the lowercase hex HMAC-SHA256 of `token` followed by `triggeredAt` (as
//! the base-10 integer in the JSON), keyed with the webhook's **signature token** (shown in
//! Lever's settings, or returned once when a webhook is created through the API). The raw
//! body is not signed and there is no signature header.
//!
//! * [`verify`], [`parse`] and [`verify_and_parse`] for one signature token and no options
//!   beyond the body limit ([`DEFAULT_MAX_BODY_BYTES`]): **no replay window and no dedup**, so
//!   a captured delivery verifies forever. Fine for tests and for a durable inbox that keys on
//!   [`WebhookEvent::dedup_key`] and checks `triggeredAt` itself; otherwise use a [`Verifier`];
//! * [`Verifier`] for several tokens, a replay window (on by default), a body limit and
//!   deduplication, and [`Verifier::begin`] to acknowledge a delivery only once it is handled;
//! * [`sign`] and [`signed_delivery`] to build signed deliveries in your own tests;
//! * with the `axum` feature, `webhooks::axum::router` serves a route that verifies, parses
//!   and dispatches deliveries to a [`Dispatcher`](crate::triggers::Dispatcher).
//!
//! Answer Lever with a 2xx only once the delivery is handled: anything else (3xx included)
//! makes Lever retry, a few times with growing gaps. Expect duplicates and out-of-order
//! deliveries.
//!
//! **Only `token` and `triggeredAt` are signed**, not `event`, `data` nor `id`: whoever holds
//! one genuine delivery can send its signature with any `event` and `data`. A replay window and
//! dedup by [`DedupKey`] (what is signed) stop that signature from being used twice, but not
//! the first time. Treat `data` as a pointer: re-read the object it names through the API
//! (e.g. `client.opportunities().get(id)`) and act on what Lever answers.
//!
//! ```
//! # #[cfg(not(feature = "full"))] fn main() {} // the example names an event of `full`
//! # #[cfg(feature = "full")] fn main() {
//! use lever_client::webhooks::{self, WebhookEvent};
//!
//! let body = webhooks::signed_delivery(
//!     "signature-token",
//!     "candidateStageChange",
//!     serde_json::json!({"opportunityId": "opp-1", "toStageId": "offer"}),
//! );
//! match webhooks::verify_and_parse("signature-token", &body).unwrap() {
//!     WebhookEvent::CandidateStageChange(delivery) => {
//!         assert_eq!(delivery.data.to_stage_id.as_ref().map(|s| s.as_str()), Some("offer"));
//!     }
//!     other => panic!("unexpected {}", other.name()),
//! }
//! assert!(webhooks::verify("another-token", &body).is_err());
//! # }
//! ```
//!
//! The verifier, the parser and the route are `lever-runtime`'s, compiled once without the
//! spec and generic over the event type; the names here fix them to this crate's
//! [`WebhookEvent`].

pub use crate::generated::events::WebhookEvent;
pub use lever_runtime::webhooks::{
    random_token, serialize_delivery, sign, signed_delivery, signed_delivery_with, verify,
    DedupKey, Delivery, DeliveryParts, EventKind, Pending, UnknownEvent, WebhookError,
    DEFAULT_FUTURE_TOLERANCE, DEFAULT_MAX_BODY_BYTES, DEFAULT_REPLAY_WINDOW,
};

use lever_runtime::webhooks as runtime;

/// Verifies webhook deliveries for one connected account, with options: signature tokens, a
/// replay window, a body limit and dedup ([`lever_runtime::webhooks::Verifier`] has the
/// details and an example).
pub type Verifier = runtime::Verifier<WebhookEvent>;

/// Parses a delivery body into a typed [`WebhookEvent`] **without** verifying it.
///
/// Unknown events are kept as [`WebhookEvent::Unknown`] with their raw JSON. A body over
/// [`DEFAULT_MAX_BODY_BYTES`] is refused ([`WebhookError::BodyTooLarge`]).
pub fn parse(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    runtime::parse(body)
}

/// Verifies a delivery against one signature token, then parses it (the JSON is parsed once).
///
/// As with [`verify`]: a body over [`DEFAULT_MAX_BODY_BYTES`] is refused, and there is **no
/// replay window and no dedup**; use a [`Verifier`] for those.
pub fn verify_and_parse(signature_token: &str, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    runtime::verify_and_parse(signature_token, body)
}

impl WebhookEvent {
    /// The delivery's [`DedupKey`], the key to deduplicate deliveries on (e.g. a durable
    /// inbox's unique index): what Lever signs, so every copy of a delivery has the same key.
    ///
    /// `None` only for an [`WebhookEvent::Unknown`] event without a string `token` and an
    /// integer `triggeredAt`, which no verified delivery is.
    pub fn dedup_key(&self) -> Option<DedupKey> {
        EventKind::dedup_key(self)
    }
}

#[cfg(feature = "axum")]
pub mod axum {
    //! An [axum](https://docs.rs/axum/0.8) route that receives Lever webhooks (feature `axum`).
    //!
    //! The route reads the body (up to the [`Verifier`](super::Verifier)'s limit), verifies
    //! and parses it, and dispatches it to a [`Dispatcher`](crate::triggers::Dispatcher). It
    //! answers:
    //!
    //! | situation | status |
    //! |---|---|
    //! | accepted: every handler succeeded (or none is registered for the event) | 200 |
    //! | duplicate of a delivery already handled (with [`Verifier::dedup`](lever_runtime::webhooks::Verifier::dedup)) | 200, so Lever stops retrying |
    //! | duplicate of a delivery still being handled (with [`Verifier::dedup`](lever_runtime::webhooks::Verifier::dedup)) | 503 with `Retry-After`, so Lever comes back once the first attempt's outcome is known |
    //! | signature missing, malformed or wrong | 401, nothing is dispatched |
    //! | body not JSON, not a delivery, outside the replay window (stale or from the future) | 400 |
    //! | body over the limit | 413 |
    //! | unknown account (per-account route) | 404 |
    //! | a handler failed or panicked | 500, so Lever retries (dedup forgets the delivery, so the retry is handled) |
    //!
    //! A delivery is recorded as handled only once every handler succeeded
    //! ([`Verifier::begin`](lever_runtime::webhooks::Verifier::begin)), and forgotten if they
    //! fail or the request is dropped (the client hung up), so a 2xx always means that one
    //! attempt ran every handler to success.
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

    use super::WebhookEvent;
    use lever_runtime::webhooks::axum as runtime;

    /// What the webhook route needs: the dispatcher and the verifier(s).
    pub type WebhookConfig = runtime::WebhookConfig<WebhookEvent>;

    /// Finds the [`Verifier`](super::Verifier) of a connected account, by the account ID in
    /// the URL.
    pub type VerifierLookup = runtime::VerifierLookup<WebhookEvent>;

    /// The webhook route: `POST /` for [`WebhookConfig::single`](runtime::WebhookConfig::single),
    /// `POST /{account}` for [`WebhookConfig::per_account`](runtime::WebhookConfig::per_account).
    /// Nest it where you like.
    pub fn router(config: WebhookConfig) -> ::axum::Router {
        runtime::router(config)
    }
}
