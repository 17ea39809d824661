//! Triggers: things to react to ("Candidate Created", "Posting Updated"...), fired by Lever's
//! webhooks where it has them and by polling where it has none.
//!
//! * [`Trigger`] is the generated registry: one variant per trigger, with its
//!   [`name`](Trigger::name), [`title`](Trigger::title) and [`source`](Trigger::source)
//!   (webhook events, a [`PollRule`], or both). [`Trigger::ALL`] lists them.
//! * A [`Dispatcher`] holds your async handlers per trigger. Feed it webhook deliveries with
//!   [`Dispatcher::dispatch_webhook`] (or the `axum` route in
//!   [`webhooks`](crate::webhooks)), and polled items through a [`Poller`].
//! * A [`Poller`] polls list actions for one connected account and keeps its progress in a
//!   [`CheckpointStore`] ([`FileStore`] on one machine, your database on many), one
//!   checkpoint per polled list, shared by the triggers on it.
//!
//! Every [`TriggerEvent`] is delivered **at least once**: make handlers idempotent with
//! [`TriggerEvent::dedup_key`].

//!
//! The dispatcher, the poller and their checkpoints are `lever-runtime`'s, compiled once
//! without the spec and generic over the generated types; the names here fix them to this
//! crate's [`Trigger`] and [`WebhookEvent`].

pub use crate::generated::registry::Trigger;
pub use lever_runtime::triggers::{
    trigger_name, Checkpoint, CheckpointStore, FileStore, HandlerError, MemoryStore, PollEmit,
    PollRule, PollStats, StoreError, TriggerKind, TriggerSource, UnknownTrigger,
    DEFAULT_MAX_BACKOFF, DEFAULT_OVERLAP, DEFAULT_PAGE_SIZE, DEFAULT_POLL_MAX_PAGES,
};

use crate::webhooks::WebhookEvent;
use lever_runtime::triggers as runtime;

/// Routes [`TriggerEvent`]s to the async handlers registered for their [`Trigger`]
/// ([`lever_runtime::triggers::Dispatcher`] has the details and an example).
pub type Dispatcher = runtime::Dispatcher<WebhookEvent>;

/// One occurrence of a [`Trigger`] for one connected account, from a webhook or from polling.
pub type TriggerEvent = runtime::TriggerEvent<WebhookEvent>;

/// What fired a trigger: a webhook delivery or a polled item.
pub type TriggerPayload = runtime::TriggerPayload<WebhookEvent>;

/// What a successful dispatch did.
pub type DispatchOutcome = runtime::DispatchOutcome<Trigger>;

/// A dispatch in which at least one handler failed.
pub type DispatchError = runtime::DispatchError<Trigger>;

/// One handler that failed.
pub type HandlerFailure = runtime::HandlerFailure<Trigger>;

/// Polls list actions for the triggers Lever has no webhook for, for one connected account
/// ([`lever_runtime::triggers::Poller`] explains a poll step by step, with an example).
pub type Poller = runtime::Poller<WebhookEvent>;

/// What [`Poller::poll_once`](runtime::Poller::poll_once) did, per trigger.
pub type PollReport = runtime::PollReport<Trigger>;

/// Why a poll failed.
pub type PollError = runtime::PollError<Trigger>;
