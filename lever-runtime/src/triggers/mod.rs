//! Triggers: the dispatcher, the poller and their checkpoints, generic over the spec's events
//! and triggers ([`EventKind`](crate::webhooks::EventKind), [`TriggerKind`]).
//!
//! Read it as `lever_client::triggers`, which names the generated `Trigger` registry and
//! documents how the parts fit together.

mod checkpoint;
mod dispatch;
mod event;
mod poll_outcome;
mod poller;
mod source;

pub use crate::registry::TriggerKind;
pub use checkpoint::{Checkpoint, CheckpointStore, FileStore, MemoryStore, StoreError};
pub use dispatch::{DispatchError, DispatchOutcome, Dispatcher, HandlerError, HandlerFailure};
pub use event::{trigger_name, TriggerEvent, TriggerPayload};
pub use poller::{
    PollError, PollReport, PollStats, Poller, DEFAULT_MAX_BACKOFF, DEFAULT_OVERLAP,
    DEFAULT_PAGE_SIZE, DEFAULT_POLL_MAX_PAGES,
};
pub use source::{PollEmit, PollRule, TriggerSource, UnknownTrigger};
