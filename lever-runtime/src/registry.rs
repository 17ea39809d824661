//! What the webhook receiver, the dispatcher and the poller need to know about the spec's
//! events and triggers: two traits, implemented by lever-client's generated `WebhookEvent` and
//! `Trigger`.
//!
//! They let this crate hold the receiving and dispatching code once, compiled without the
//! spec, while lever-client names the concrete types (`lever_client::triggers::Dispatcher` is
//! `lever_runtime::triggers::Dispatcher<lever_client::webhooks::WebhookEvent>`). Use the
//! inherent methods of the generated types in your code; these traits are their contract with
//! the runtime.

use std::fmt;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::triggers::TriggerSource;
use crate::webhooks::{DedupKey, DeliveryParts, UnknownEvent};
use crate::Timestamp;

/// A trigger of the registry ("Candidate Created", "Posting Updated"…): lever-client's
/// generated `Trigger` implements it.
pub trait TriggerKind:
    Copy + Eq + Ord + Hash + fmt::Debug + fmt::Display + Send + Sync + 'static
{
    /// The snake_case name, e.g. `candidate_created`.
    fn name(self) -> &'static str;

    /// Where the trigger's events come from: webhook events, a polling rule, or both.
    fn source(self) -> &'static TriggerSource;

    /// The trigger with this snake_case name, if the registry has one.
    fn from_name(name: &str) -> Option<Self>;
}

/// A typed webhook delivery: lever-client's generated `WebhookEvent` implements it.
pub trait EventKind:
    Clone + PartialEq + fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The triggers of the same registry.
    type Trigger: TriggerKind;

    /// The event's name as Lever spells it (e.g. `candidateStageChange`).
    fn name(&self) -> &str;

    /// The delivery's `token` (signed together with `triggeredAt`).
    fn token(&self) -> &str;

    /// When Lever fired the event, if the delivery says.
    fn triggered_at(&self) -> Option<Timestamp>;

    /// The triggers that this event fires.
    fn triggers(&self) -> &'static [Self::Trigger];

    /// The delivery kept whole, for an event the spec does not know.
    fn as_unknown(&self) -> Option<&UnknownEvent>;

    /// Decodes a delivery body already parsed as JSON (an unknown event is kept whole).
    fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error>;

    /// Builds a known event from its envelope fields and the raw JSON text of its `data`;
    /// `None` when `name` is not a known event.
    fn from_parts(
        name: &str,
        parts: DeliveryParts,
        data: &str,
    ) -> Option<Result<Self, serde_json::Error>>;

    /// Whether decoding `name`'s `data` reads every value as strictly as parsing a
    /// `serde_json::Value` does; `false` for events the spec does not know.
    fn decodes_data_strictly(name: &str) -> bool;

    /// The delivery's [`DedupKey`]: what Lever signs, so every copy of a delivery has the same
    /// key. `None` only for an unknown event without a string `token` and an integer
    /// `triggeredAt`, which no verified delivery is.
    fn dedup_key(&self) -> Option<DedupKey> {
        match self.as_unknown() {
            Some(unknown) => unknown.dedup_key(),
            None => self
                .triggered_at()
                .map(|at| DedupKey::new(self.token(), at.as_millis())),
        }
    }
}
