//! Receiving Lever webhooks: signature checks, replay window, dedup and parsing, generic over
//! the typed event ([`EventKind`], implemented by lever-client's generated `WebhookEvent`).
//!
//! Read it as `lever_client::webhooks`, which names the concrete event type and documents the
//! delivery format.

mod dedup;
mod delivery;
mod envelope;
mod error;
mod signature;
mod verifier;

#[cfg(feature = "axum")]
pub mod axum;

use rand::Rng as _;
use serde_json::Value;

pub use crate::registry::EventKind;
pub use dedup::{DedupKey, Pending};
pub use delivery::{serialize_delivery, Delivery, DeliveryParts, UnknownEvent};
#[doc(hidden)]
pub use envelope::paths as __paths;
pub use error::WebhookError;
pub use signature::sign;
pub use verifier::{
    Verifier, DEFAULT_FUTURE_TOLERANCE, DEFAULT_MAX_BODY_BYTES, DEFAULT_REPLAY_WINDOW,
};

use crate::Timestamp;
use envelope::Envelope;
use signature::SignedFields;

/// Verifies a delivery's signature against one signature token.
///
/// Reads `token`, `triggeredAt` (which must be a JSON integer) and `signature` (64 hex
/// characters) from the JSON body and checks, in constant time, that the signature is the
/// HMAC-SHA256 of `token + triggeredAt` keyed with `signature_token`. `data` is not decoded.
///
/// A body over [`DEFAULT_MAX_BODY_BYTES`] is refused ([`WebhookError::BodyTooLarge`]). There
/// is **no replay window and no dedup** here: a captured delivery verifies forever, and so do
/// copies of it with digits moved between `token` and `triggeredAt`. Use a [`Verifier`] for
/// those (its replay window is on by default).
pub fn verify(signature_token: &str, body: &[u8]) -> Result<(), WebhookError> {
    check_size(body, DEFAULT_MAX_BODY_BYTES)?;
    // The one-pass read covers well-formed deliveries; anything else takes the `Value` path,
    // which gives the precise error.
    let envelope = Envelope::read(body);
    let checked = envelope.as_ref().filter(|e| e.check_data().is_some());
    if let Some(fields) = checked.and_then(Envelope::signed) {
        return check_signature(signature_token, &fields);
    }
    let value = parse_json(body)?;
    verify_value(signature_token, &value)
}

/// Parses a delivery body into a typed event **without** verifying it.
///
/// Unknown events are kept whole ([`EventKind::as_unknown`]). A body over
/// [`DEFAULT_MAX_BODY_BYTES`] is refused ([`WebhookError::BodyTooLarge`]).
pub fn parse<E: EventKind>(body: &[u8]) -> Result<E, WebhookError> {
    check_size(body, DEFAULT_MAX_BODY_BYTES)?;
    if let Some(event) = Envelope::read(body).and_then(Envelope::into_event) {
        return Ok(event);
    }
    event_from_value(parse_json(body)?)
}

/// Verifies a delivery against one signature token, then parses it (the JSON is parsed once).
///
/// As with [`verify`]: a body over [`DEFAULT_MAX_BODY_BYTES`] is refused, and there is **no
/// replay window and no dedup**; use a [`Verifier`] for those.
pub fn verify_and_parse<E: EventKind>(
    signature_token: &str,
    body: &[u8],
) -> Result<E, WebhookError> {
    check_size(body, DEFAULT_MAX_BODY_BYTES)?;
    // One pass over the bytes, straight into the typed event; anything out of the ordinary
    // (errors, unknown events) takes the `Value` path below.
    if let Some(envelope) = Envelope::read(body) {
        // A mismatch is answered by the `Value` path too: `data` is not checked yet here.
        let matched = envelope
            .signed()
            .is_some_and(|fields| check_signature(signature_token, &fields).is_ok());
        if matched {
            if let Some(event) = envelope.into_event() {
                return Ok(event);
            }
        }
    }
    let value = parse_json(body)?;
    verify_value(signature_token, &value)?;
    event_from_value(value)
}

/// Builds a complete signed delivery body, as Lever would send it: a random 48-character
/// `token`, the current time as `triggeredAt`, and the signature. For tests.
///
/// ```
/// let body = lever_client::webhooks::signed_delivery("key", "contactCreated", serde_json::json!({"contactId": "c1"}));
/// assert!(lever_client::webhooks::verify("key", &body).is_ok());
/// ```
pub fn signed_delivery(signature_token: &str, event: &str, data: Value) -> Vec<u8> {
    signed_delivery_with(
        signature_token,
        event,
        &random_token(),
        Timestamp::now().as_millis(),
        data,
    )
}

/// Builds a signed delivery body with a given `token` and `triggered_at`. For tests.
pub fn signed_delivery_with(
    signature_token: &str,
    event: &str,
    token: &str,
    triggered_at: i64,
    data: Value,
) -> Vec<u8> {
    let body = serde_json::json!({
        "triggeredAt": triggered_at,
        "event": event,
        "token": token,
        "signature": sign(signature_token, token, triggered_at),
        "data": data,
    });
    body.to_string().into_bytes()
}

/// A random 48-character delivery token (lowercase hex), like Lever's.
pub fn random_token() -> String {
    let bytes: [u8; 24] = rand::thread_rng().gen();
    hex::encode(bytes)
}

fn verify_value(signature_token: &str, value: &Value) -> Result<(), WebhookError> {
    check_signature(signature_token, &signature::signed_fields(value)?)
}

/// Checks signed fields against one signature token.
fn check_signature(signature_token: &str, fields: &SignedFields<'_>) -> Result<(), WebhookError> {
    if signature::matches(
        signature_token,
        fields.token,
        fields.triggered_at,
        &fields.signature,
    ) {
        Ok(())
    } else {
        Err(WebhookError::SignatureMismatch)
    }
}

/// Refuses a body over `limit` bytes before any of it is parsed.
pub(crate) fn check_size(body: &[u8], limit: usize) -> Result<(), WebhookError> {
    if body.len() > limit {
        Err(WebhookError::BodyTooLarge { limit })
    } else {
        Ok(())
    }
}

/// Parses a body as JSON.
pub(crate) fn parse_json(body: &[u8]) -> Result<Value, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::InvalidJson {
        message: describe_without_values(&e),
    })
}

/// Decodes a parsed body into a typed event, with envelope errors made precise.
pub(crate) fn event_from_value<E: EventKind>(value: Value) -> Result<E, WebhookError> {
    let Value::Object(map) = &value else {
        return Err(WebhookError::UnknownShape {
            message: format!("expected a JSON object, got {}", signature::kind(&value)),
        });
    };
    match map.get("event") {
        None | Some(Value::Null) => return Err(WebhookError::MissingField("event")),
        Some(Value::String(_)) => {}
        Some(other) => {
            return Err(WebhookError::InvalidField {
                field: "event",
                reason: format!("expected a string, got {}", signature::kind(other)),
            })
        }
    }
    E::from_value(value).map_err(|e| WebhookError::UnknownShape {
        message: describe_without_values(&e),
    })
}

/// What a JSON error says, without any value from the delivery (whose `data` holds
/// candidates' personal data): the expectation and the kind of value found.
fn describe_without_values(e: &serde_json::Error) -> String {
    let (expected, found) = crate::__private::describe_json_error(e);
    format!("expected {expected}, found {found}")
}
