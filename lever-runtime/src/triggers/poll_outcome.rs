//! What a poll did, or why it failed: [`PollStats`], [`PollReport`], [`PollError`], and how
//! the outcome of one polled list is split among the triggers that share it.

use super::checkpoint::StoreError;
use super::dispatch::DispatchError;
use super::poller::PolledList;
use crate::registry::TriggerKind;
use crate::Timestamp;

/// What one poll did for one trigger. `dispatched` and `skipped` are the trigger's own; the
/// other figures are those of the list it shares with the other triggers on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollStats {
    /// Pages fetched.
    pub pages: usize,
    /// Items in those pages.
    pub fetched: usize,
    /// Items dispatched to handlers (all succeeded).
    pub dispatched: usize,
    /// New items that do not fire this trigger (e.g. an updated item for a `Created` rule).
    pub skipped: usize,
    /// Items already handled (same ID and cursor value).
    pub duplicates: usize,
    /// Items older than the polled window (the server ignored the filter).
    pub out_of_window: usize,
    /// Items without a usable `id` or cursor field.
    pub malformed: usize,
    /// The checkpoint's `since` after the poll.
    pub since: Timestamp,
}

/// What [`Poller::poll_once`](super::Poller::poll_once) did, per trigger (of type `T`).
#[derive(Debug)]
pub struct PollReport<T: TriggerKind> {
    /// Each trigger's result, in the poller's order.
    pub results: Vec<(T, Result<PollStats, PollError<T>>)>,
}

impl<T: TriggerKind> PollReport<T> {
    /// Whether every trigger was polled without error.
    pub fn is_ok(&self) -> bool {
        self.results.iter().all(|(_, r)| r.is_ok())
    }

    /// How many items were dispatched, over all triggers.
    pub fn dispatched(&self) -> usize {
        self.results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .map(|s| s.dispatched)
            .sum()
    }

    /// The errors, per trigger.
    pub fn errors(&self) -> impl Iterator<Item = (T, &PollError<T>)> + '_ {
        self.results
            .iter()
            .filter_map(|(t, r)| r.as_ref().err().map(|e| (*t, e)))
    }

    /// The report, or the first error.
    pub fn into_result(self) -> Result<Vec<(T, PollStats)>, PollError<T>> {
        self.results
            .into_iter()
            .map(|(t, r)| r.map(|s| (t, s)))
            .collect()
    }
}

/// Why a poll failed, with triggers of type `T`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PollError<T: TriggerKind> {
    /// The trigger has no polling rule (it is fired by webhooks only), or is not polled by this
    /// poller.
    #[error("trigger `{}` is not polled", .0.name())]
    NotPolled(T),
    /// Listing failed, including a page that is not a Lever list ([`Error::Decode`](crate::Error::Decode)).
    #[error("listing {path} failed: {source}")]
    Api {
        /// The list path.
        path: &'static str,
        /// The client error.
        #[source]
        source: crate::Error,
    },
    /// Loading or saving the checkpoint failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The list this trigger shares with others (see [`PollRule::checkpoint_name`](super::PollRule::checkpoint_name)) stopped
    /// because of the error reported for `reported_with`; this trigger's items after that
    /// point are dispatched on the next poll.
    #[error("polling `{}` stopped with its list {list}: see the error for `{}`",
        .trigger.name(), .reported_with.name())]
    SharedList {
        /// This trigger.
        trigger: T,
        /// The list's checkpoint name.
        list: String,
        /// The trigger whose result holds the error.
        reported_with: T,
    },
    /// A handler failed; the item is dispatched again on the next poll.
    #[error("handling {id} (cursor {cursor}) for `{}` failed: {source}", .trigger.name())]
    Handler {
        /// The trigger.
        trigger: T,
        /// The item's ID.
        id: String,
        /// The item's cursor value.
        cursor: Timestamp,
        /// The handler failures.
        #[source]
        source: DispatchError<T>,
    },
}

/// What one poll of a list did so far.
pub(super) struct Tally {
    /// The list's figures (`dispatched` and `skipped` are per trigger, in `fired`).
    pub(super) stats: PollStats,
    /// Per trigger of the list: (dispatched, skipped).
    pub(super) fired: Vec<(usize, usize)>,
}

/// Why the poll of a list stopped.
pub(super) enum ListFailure<T: TriggerKind> {
    /// Listing or the checkpoint store failed: nothing more could be done for any trigger.
    List(PollError<T>),
    /// The handlers of these triggers failed for one item.
    Handlers(Vec<(T, PollError<T>)>),
}

impl<T: TriggerKind> From<PollError<T>> for ListFailure<T> {
    fn from(e: PollError<T>) -> Self {
        ListFailure::List(e)
    }
}

impl Tally {
    /// One result per trigger of `list`: its own figures, its own error, or
    /// [`PollError::SharedList`] when another trigger's error stopped the list.
    pub(super) fn per_trigger<T: TriggerKind>(
        self,
        list: &PolledList<'_, T>,
        outcome: Result<(), ListFailure<T>>,
    ) -> Vec<(T, Result<PollStats, PollError<T>>)> {
        let mut errors = match outcome {
            Ok(()) => {
                return list
                    .triggers
                    .iter()
                    .zip(self.fired)
                    .map(|((trigger, _), (dispatched, skipped))| {
                        let stats = PollStats {
                            dispatched,
                            skipped,
                            ..self.stats.clone()
                        };
                        (*trigger, Ok(stats))
                    })
                    .collect();
            }
            Err(ListFailure::Handlers(errors)) => errors,
            Err(ListFailure::List(error)) => list
                .triggers
                .first()
                .map(|(trigger, _)| vec![(*trigger, error)])
                .unwrap_or_default(),
        };
        let reported_with = errors.first().map(|(trigger, _)| *trigger);
        list.triggers
            .iter()
            .map(|(trigger, _)| {
                let error = match errors.iter().position(|(t, _)| t == trigger) {
                    Some(i) => errors.swap_remove(i).1,
                    None => PollError::SharedList {
                        trigger: *trigger,
                        list: list.checkpoint.clone(),
                        reported_with: reported_with.unwrap_or(*trigger),
                    },
                };
                (*trigger, Err(error))
            })
            .collect()
    }
}
