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

mod checkpoint;
mod dispatch;
mod event;
mod poll_outcome;
mod poller;
mod source;

pub use crate::generated::registry::Trigger;
pub use checkpoint::{Checkpoint, CheckpointStore, FileStore, MemoryStore, StoreError};
pub use dispatch::{DispatchError, DispatchOutcome, Dispatcher, HandlerError, HandlerFailure};
pub use event::{trigger_name, TriggerEvent, TriggerPayload};
pub use poller::{
    PollError, PollReport, PollStats, Poller, DEFAULT_MAX_BACKOFF, DEFAULT_OVERLAP,
    DEFAULT_PAGE_SIZE, DEFAULT_POLL_MAX_PAGES,
};
pub use source::{PollEmit, PollRule, TriggerSource, UnknownTrigger};
