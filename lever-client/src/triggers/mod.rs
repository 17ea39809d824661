//! The triggers registry.

mod source;

pub use crate::generated::registry::Trigger;
pub use source::{PollEmit, PollRule, TriggerSource, UnknownTrigger};
