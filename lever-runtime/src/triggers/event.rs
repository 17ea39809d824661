//! [`TriggerEvent`]: one occurrence of a trigger, from a webhook or from polling.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::registry::{EventKind, TriggerKind};
use crate::Timestamp;

/// One occurrence of a trigger for one connected account.
///
/// Serialisable (the trigger by its snake_case name), so it can be queued and handled
/// elsewhere. `E` is the typed webhook event (lever-client's `TriggerEvent` is this type with
/// its `WebhookEvent`, whose triggers are its `Trigger`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "E: EventKind")]
pub struct TriggerEvent<E: EventKind> {
    /// The trigger that fired.
    #[serde(with = "trigger_name")]
    pub trigger: E::Trigger,
    /// The connected account (your ID for the Lever account the event belongs to).
    pub account: String,
    /// What fired it.
    pub payload: TriggerPayload<E>,
    /// A key that is the same for repeated deliveries of the same occurrence (a webhook
    /// retry, a polled item seen twice): use it to make handlers idempotent.
    pub dedup_key: String,
}

/// What fired a trigger.
///
/// `Debug` shows a polled item's keys, ID and cursor, never its values (personal data); a
/// webhook event's `Debug` redacts in the same way.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "source",
    content = "value",
    rename_all = "snake_case",
    bound = "E: EventKind"
)]
pub enum TriggerPayload<E> {
    /// A native webhook delivery.
    Webhook(E),
    /// An item returned by polling a list action.
    Polled {
        /// The item as Lever returned it (decode it with [`TriggerEvent::item_as`]).
        item: Value,
        /// The item's `id`.
        id: String,
        /// The item's cursor value (e.g. its `updatedAt`).
        cursor: Timestamp,
    },
}

impl<E: std::fmt::Debug> std::fmt::Debug for TriggerPayload<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TriggerPayload::Webhook(event) => f.debug_tuple("Webhook").field(event).finish(),
            TriggerPayload::Polled { item, id, cursor } => f
                .debug_struct("Polled")
                .field("item", &crate::redact::JsonKeys(item))
                .field("id", id)
                .field("cursor", cursor)
                .finish(),
        }
    }
}

impl<E: EventKind> TriggerEvent<E> {
    /// An event fired by a webhook delivery; the dedup key is the trigger name and the
    /// delivery's [`DedupKey`](crate::webhooks::DedupKey) (what Lever signs, so copies with
    /// digits moved between `token` and `triggeredAt` share it), or its `token` for an
    /// unknown event that has no key.
    pub fn from_webhook(trigger: E::Trigger, account: impl Into<String>, event: E) -> Self {
        let delivery = event
            .dedup_key()
            .map_or_else(|| event.token().to_owned(), |key| key.to_string());
        let dedup_key = format!("{}:webhook:{delivery}", trigger.name());
        TriggerEvent {
            trigger,
            account: account.into(),
            payload: TriggerPayload::Webhook(event),
            dedup_key,
        }
    }

    /// An event fired by a polled item; the dedup key is the trigger name, the item's ID and
    /// its cursor value.
    pub fn polled(
        trigger: E::Trigger,
        account: impl Into<String>,
        item: Value,
        id: impl Into<String>,
        cursor: Timestamp,
    ) -> Self {
        let id = id.into();
        let dedup_key = format!("{}:poll:{}:{}", trigger.name(), id, cursor);
        TriggerEvent {
            trigger,
            account: account.into(),
            payload: TriggerPayload::Polled { item, id, cursor },
            dedup_key,
        }
    }

    /// Decodes the polled item as a model type, e.g. `lever_client::models::Posting`.
    ///
    /// Fails for a webhook payload (use [`TriggerEvent::webhook`] instead) or when the item
    /// does not have the shape of `T`.
    pub fn item_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        self.payload.item_as()
    }

    /// The webhook delivery, when a webhook fired the trigger.
    pub fn webhook(&self) -> Option<&E> {
        match &self.payload {
            TriggerPayload::Webhook(event) => Some(event),
            TriggerPayload::Polled { .. } => None,
        }
    }
}

impl<E: EventKind> TriggerPayload<E> {
    /// Decodes the polled item as `T`; fails for a webhook payload.
    pub fn item_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match self {
            TriggerPayload::Polled { item, .. } => T::deserialize(item),
            TriggerPayload::Webhook(event) => Err(<serde_json::Error as serde::de::Error>::custom(
                format_args!(
                    "the trigger was fired by the webhook event `{}`, not by a polled item",
                    event.name()
                ),
            )),
        }
    }
}

/// Serde for a trigger as its snake_case name (`#[serde(with = "trigger_name")]`).
pub mod trigger_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::TriggerKind;

    /// Writes the trigger's snake_case name.
    pub fn serialize<T: TriggerKind, S: Serializer>(
        trigger: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(trigger.name())
    }

    /// Reads a trigger from its snake_case name.
    pub fn deserialize<'de, T: TriggerKind, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        T::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown trigger `{name}`")))
    }
}
