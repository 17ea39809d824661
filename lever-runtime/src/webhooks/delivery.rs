//! The envelope every Lever webhook delivery shares, generic over its `data`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};

use super::DedupKey;
use crate::Timestamp;

/// One webhook delivery: Lever's envelope around an event's `data`.
///
/// The `event` name is not stored here: it is the variant of lever-client's `WebhookEvent`
/// that holds the delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery<D> {
    /// The event's unique ID, when Lever sends one (documented, rarely present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A random string, fresh for each delivery; signed together with `triggered_at`.
    pub token: String,
    /// When the event fired (milliseconds since the epoch).
    pub triggered_at: Timestamp,
    /// Lowercase hex HMAC-SHA256 of `token + triggeredAt`, present when a signing token exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The event's data.
    pub data: D,
}

impl<D> Delivery<D> {
    /// The delivery's [`DedupKey`]: the same for every copy of the delivery (Lever's retries,
    /// replays, and copies with digits moved between `token` and `triggered_at`).
    pub fn dedup_key(&self) -> DedupKey {
        DedupKey::new(&self.token, self.triggered_at.as_millis())
    }
}

/// The envelope fields of a delivery, read before its `data` is decoded.
///
/// Used by the generated `WebhookEvent::from_parts` ([`EventKind::from_parts`]) to parse a body
/// in one pass; not meant to be built outside this crate.
///
/// [`EventKind::from_parts`]: crate::webhooks::EventKind::from_parts
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryParts {
    pub(crate) id: Option<String>,
    pub(crate) token: String,
    pub(crate) triggered_at: Timestamp,
    pub(crate) signature: Option<String>,
}

impl DeliveryParts {
    /// Decodes `data`, the raw JSON text of the delivery's `data`, and completes the delivery.
    pub fn decode<D: DeserializeOwned>(self, data: &str) -> Result<Delivery<D>, serde_json::Error> {
        let data = serde_json::from_str(data)?;
        Ok(Delivery {
            id: self.id,
            token: self.token,
            triggered_at: self.triggered_at,
            signature: self.signature,
            data,
        })
    }
}

/// An event this version of the spec does not know, kept whole.
///
/// `Debug` shows the event name and the body's keys, never its values (personal data).
#[derive(Clone, PartialEq)]
pub struct UnknownEvent {
    /// The `event` field.
    pub event: String,
    /// The whole delivery body as JSON.
    pub raw: serde_json::Value,
}

impl std::fmt::Debug for UnknownEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnknownEvent")
            .field("event", &self.event)
            .field("raw", &crate::redact::JsonKeys(&self.raw))
            .finish()
    }
}

impl UnknownEvent {
    /// Keeps an unknown delivery.
    pub fn new(event: String, raw: serde_json::Value) -> Self {
        UnknownEvent { event, raw }
    }

    /// The delivery's `token`, if it has one.
    pub fn token(&self) -> &str {
        self.raw
            .get("token")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
    }

    /// The delivery's [`DedupKey`], when it has a string `token` and an integer `triggeredAt`
    /// (as every verified delivery has).
    pub fn dedup_key(&self) -> Option<DedupKey> {
        let token = self.raw.get("token")?.as_str()?;
        let triggered_at = self.raw.get("triggeredAt")?.as_i64()?;
        Some(DedupKey::new(token, triggered_at))
    }

    /// The delivery's `triggeredAt`, if it has a valid one.
    pub fn triggered_at(&self) -> Option<Timestamp> {
        self.raw
            .get("triggeredAt")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
}

/// Serialises a known delivery with its `event` name, as Lever sends it.
#[doc(hidden)]
pub fn serialize_delivery<D: Serialize, S: Serializer>(
    event: &str,
    delivery: &Delivery<D>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct WithEvent<'a, D> {
        event: &'a str,
        #[serde(flatten)]
        delivery: &'a Delivery<D>,
    }
    WithEvent { event, delivery }.serialize(serializer)
}
