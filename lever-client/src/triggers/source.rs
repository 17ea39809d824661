//! Where a trigger's events come from, as the registry describes it.

/// The sources of one trigger: native webhook events, a polling rule, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TriggerSource {
    /// Lever webhook events that fire the trigger.
    pub webhook: &'static [&'static str],
    /// How to poll for it, where Lever sends no webhook.
    pub poll: Option<PollRule>,
}

/// How to poll a list action for a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollRule {
    /// The resource of the list action (e.g. `postings`).
    pub resource: &'static str,
    /// The list action (e.g. `list`).
    pub action: &'static str,
    /// The list's path relative to the base URL (e.g. `/postings`).
    pub path: &'static str,
    /// The query parameter that takes the checkpoint (e.g. `updated_at_start`).
    pub since: &'static str,
    /// The item field whose value advances the checkpoint (e.g. `updatedAt`).
    pub cursor: &'static str,
    /// The item field that tells created from updated (e.g. `createdAt`).
    pub created_field: Option<&'static str>,
    /// Which items fire the trigger.
    pub emit: PollEmit,
    /// Fixed query parameters sent with every poll (e.g. `confidentiality=all`).
    pub query: &'static [(&'static str, &'static str)],
}

/// Which polled items fire a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PollEmit {
    /// Items created at or after the checkpoint.
    Created,
    /// Items changed since the checkpoint but created before it.
    Updated,
    /// Every item the poll returns (e.g. a list of deleted objects).
    All,
}

/// A trigger name that is not in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown trigger `{0}`")]
pub struct UnknownTrigger(pub String);
