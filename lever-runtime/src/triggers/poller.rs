//! [`Poller`]: fires polling triggers (e.g. "Posting Created") for one connected account.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;

use super::checkpoint::{Checkpoint, CheckpointStore, StoreError};
use super::dispatch::Dispatcher;
use super::poll_outcome::{ListFailure, Tally};
pub use super::poll_outcome::{PollError, PollReport, PollStats};

mod fetch;
use super::source::{PollEmit, PollRule};
use super::TriggerEvent;
use crate::registry::{EventKind, TriggerKind};
use crate::{Client, Timestamp};
use fetch::Polled;

/// The default overlap: each poll asks again for the last second before the checkpoint.
pub const DEFAULT_OVERLAP: Duration = Duration::from_millis(1000);

/// The default page size (Lever's maximum).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The default cap on the back-off after failed polls: 5 minutes.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// The default cap on the pages one poll of a list follows (a guard against a server that
/// never ends a list): 10 000 pages, a million changes in one polled window at the default
/// page size.
pub const DEFAULT_POLL_MAX_PAGES: usize = 10_000;

/// Polls list actions for the triggers Lever has no webhook for (see
/// [`TriggerSource::poll`](super::TriggerSource::poll)), for one connected account, and
/// dispatches each new or changed item to a [`Dispatcher`].
///
/// Triggers that poll the **same list** ("Posting Created" and "Posting Updated" both poll
/// `/postings` by `updatedAt`) are polled together: one fetch per poll, each item classified
/// once for all of them, and one [`Checkpoint`] in the [`CheckpointStore`], keyed by
/// (account, [`PollRule::checkpoint_name`]). So an item changed while a handler runs cannot
/// be "created" for one trigger and "already known" for another: every version of an item is
/// either the one that created it or an update. One poll of a list:
///
/// 1. loads the checkpoint. With none saved, it carries over the per-trigger checkpoints of
///    older versions (the earliest of them), or else starts from **now** (or the time given to
///    [`Poller::start_at`]), and saves that checkpoint first: changes made before the poller
///    first ran never fire;
/// 2. lists the rule's path with `since = checkpoint.since - overlap` in the rule's `since`
///    query parameter (e.g. `updated_at_start`) plus the rule's fixed query, following `next`
///    through the `offset` parameter until `hasNext` is false, one page at a time. A `next`
///    token that repeats, or more than [`Poller::max_pages`] pages, fails the poll with
///    [`PollError::Api`] ([`Error::Pagination`](crate::Error::Pagination)) before anything is
///    dispatched: a partial list would move the checkpoint past items never fetched;
/// 3. drops items already handled (same ID and cursor value, e.g. `updatedAt`), and classifies
///    the rest: **created** when the item's created field (e.g. `createdAt`) falls in the
///    polled window and the item was not seen before, **updated** otherwise. `Created` rules
///    fire for created items, `Updated` rules for updated ones, `All` rules for every item;
/// 4. dispatches the items in cursor order (to all the triggers an item fires, concurrently),
///    and records each one in the checkpoint **after** its handlers succeeded. When a handler
///    fails, the poll of the list stops there, for all its triggers: the checkpoint keeps its
///    `since`, so the item is fetched and dispatched again on the next poll (to every trigger
///    it fires; the items handled before it are remembered and not repeated). A crash between
///    a handler and the save delivers that item again: delivery is at least once, never lost;
/// 5. advances `since` to the largest cursor value handled and keeps the IDs seen within the
///    overlap, so the overlap does not cause duplicates.
///
/// The overlap (default [`DEFAULT_OVERLAP`]) must cover clock skew and the time an item takes
/// to show up in Lever's list after it changed, and the time a poll's listing takes (changes
/// made while handlers run need no overlap: they are newer than everything listed). A created
/// item that is also updated before the next poll fires `Created` only; several updates
/// between two polls fire `Updated` once. Respect Lever's rate limit (10 requests/s per key)
/// when choosing the interval: each polled list costs at least one request per poll.
///
/// ```no_run
/// # async fn demo(client: lever_client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use lever_client::triggers::{Dispatcher, FileStore, HandlerError, Poller, Trigger};
///
/// let mut dispatcher = Dispatcher::new();
/// dispatcher.on(Trigger::PostingCreated, |event| async move {
///     let posting: lever_client::models::Posting = event.item_as()?;
///     println!("new posting {:?}", posting.id);
///     Ok::<(), HandlerError>(())
/// });
/// let poller = Poller::new(client, "account-1", FileStore::new("checkpoints"), dispatcher)
///     .trigger(Trigger::PostingCreated)?;
/// let (stop, mut stopped) = tokio::sync::watch::channel(false);
/// let task = tokio::spawn(async move {
///     poller
///         .run(Duration::from_secs(60), async move {
///             let _ = stopped.changed().await;
///         })
///         .await
/// });
/// // ... later:
/// let _ = stop.send(true);
/// task.await?;
/// # Ok(()) }
/// ```
pub struct Poller<E: EventKind> {
    client: Client,
    account: String,
    store: Arc<dyn CheckpointStore>,
    dispatcher: Dispatcher<E>,
    rules: Vec<(E::Trigger, PollRule)>,
    overlap: Duration,
    start_at: Option<Timestamp>,
    page_size: u32,
    max_pages: usize,
    max_backoff: Duration,
}

impl<E: EventKind> fmt::Debug for Poller<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("client", &self.client)
            .field("account", &self.account)
            .field(
                "triggers",
                &self.rules.iter().map(|(t, _)| t.name()).collect::<Vec<_>>(),
            )
            .field("overlap", &self.overlap)
            .field("start_at", &self.start_at)
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl<E: EventKind> Poller<E> {
    /// A poller for the connected account `account` (your ID for it, used as the checkpoint
    /// key and in [`TriggerEvent::account`]) that calls Lever through `client` (a
    /// `lever_client::Client` or the runtime's). Add triggers with [`Poller::trigger`].
    pub fn new(
        client: impl Into<Client>,
        account: impl Into<String>,
        store: impl CheckpointStore + 'static,
        dispatcher: Dispatcher<E>,
    ) -> Self {
        Poller {
            client: client.into(),
            account: account.into(),
            store: Arc::new(store),
            dispatcher,
            rules: Vec::new(),
            overlap: DEFAULT_OVERLAP,
            start_at: None,
            page_size: DEFAULT_PAGE_SIZE,
            max_pages: DEFAULT_POLL_MAX_PAGES,
            max_backoff: DEFAULT_MAX_BACKOFF,
        }
    }

    /// Polls `trigger` with its registry rule; fails if the trigger has no polling rule.
    pub fn trigger(self, trigger: E::Trigger) -> Result<Self, PollError<E::Trigger>> {
        match trigger.source().poll {
            Some(rule) => Ok(self.trigger_with_rule(trigger, rule)),
            None => Err(PollError::NotPolled(trigger)),
        }
    }

    /// Polls `trigger` with a custom rule (e.g. for an endpoint added by an overlay).
    pub fn trigger_with_rule(mut self, trigger: E::Trigger, rule: PollRule) -> Self {
        self.rules.retain(|(t, _)| *t != trigger);
        self.rules.push((trigger, rule));
        self
    }

    /// How far before the checkpoint each poll starts (default [`DEFAULT_OVERLAP`]).
    pub fn overlap(mut self, overlap: Duration) -> Self {
        self.overlap = overlap;
        self
    }

    /// Where a trigger without a saved checkpoint starts (default: the time of its first
    /// poll). Changes before this time never fire.
    pub fn start_at(mut self, start: Timestamp) -> Self {
        self.start_at = Some(start);
        self
    }

    /// Items per page, clamped to 1..=100 (default [`DEFAULT_PAGE_SIZE`]).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, 100);
        self
    }

    /// The most pages one poll of a list follows, at least 1 (default
    /// [`DEFAULT_POLL_MAX_PAGES`]). A list that goes on fails the poll, which then retries
    /// from the same checkpoint.
    pub fn max_pages(mut self, max: usize) -> Self {
        self.max_pages = max.max(1);
        self
    }

    /// The longest back-off [`Poller::run`] waits after failed polls (default
    /// [`DEFAULT_MAX_BACKOFF`]).
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// The connected account.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The polled triggers, in the order they were added.
    pub fn triggers(&self) -> Vec<E::Trigger> {
        self.rules.iter().map(|(t, _)| *t).collect()
    }

    /// The name of the checkpoint that holds `trigger`'s progress (shared by every trigger on
    /// the same list), or `None` if this poller does not poll it.
    pub fn checkpoint_name(&self, trigger: E::Trigger) -> Option<String> {
        self.rules
            .iter()
            .find(|(t, _)| *t == trigger)
            .map(|(_, rule)| rule.checkpoint_name())
    }

    /// Polls every list once, in the order their first triggers were added, and reports per
    /// trigger, in the order the triggers were added. A failing list does not stop the others.
    pub async fn poll_once(&self) -> PollReport<E::Trigger> {
        let mut results = Vec::with_capacity(self.rules.len());
        for list in self.lists() {
            // One span per list polled, so its requests, pages and dispatches are grouped by
            // account and list in traces.
            let span = tracing::info_span!(
                "lever.poll",
                account = %self.account,
                list = %list.checkpoint,
            );
            results.extend(tracing::Instrument::instrument(self.poll_list(&list), span).await);
        }
        results.sort_by_key(|(trigger, _)| self.rules.iter().position(|(t, _)| t == trigger));
        PollReport { results }
    }

    /// Polls `trigger`'s list once. The other triggers on that list fire too (an item is
    /// classified once for all of them); their results are not returned.
    pub async fn poll_trigger(
        &self,
        trigger: E::Trigger,
    ) -> Result<PollStats, PollError<E::Trigger>> {
        let list = self
            .lists()
            .into_iter()
            .find(|list| list.triggers.iter().any(|(t, _)| *t == trigger));
        let Some(list) = list else {
            return Err(PollError::NotPolled(trigger));
        };
        self.poll_list(&list)
            .await
            .into_iter()
            .find(|(t, _)| *t == trigger)
            .map_or(Err(PollError::NotPolled(trigger)), |(_, result)| result)
    }

    /// The polled lists, each with its triggers, in the order they were added.
    fn lists(&self) -> Vec<PolledList<'_, E::Trigger>> {
        let mut lists: Vec<PolledList<'_, E::Trigger>> = Vec::new();
        for (trigger, rule) in &self.rules {
            let checkpoint = rule.checkpoint_name();
            match lists.iter_mut().find(|list| list.checkpoint == checkpoint) {
                Some(list) => list.triggers.push((*trigger, rule.emit)),
                None => lists.push(PolledList {
                    checkpoint,
                    rule,
                    triggers: vec![(*trigger, rule.emit)],
                }),
            }
        }
        lists
    }

    /// Polls every `interval` until `shutdown` completes (e.g.
    /// `async { let _ = watch_rx.changed().await; }` or a cancellation token's
    /// `cancelled()`), logging each poll with `tracing`.
    ///
    /// After a poll with errors, waits an extra back-off that doubles with each consecutive
    /// failure (from `interval`, capped by [`Poller::max_backoff`]). Shutdown interrupts an
    /// in-flight poll; an item whose handler was interrupted is dispatched again next time.
    pub async fn run<S>(&self, interval: Duration, shutdown: S)
    where
        S: Future<Output = ()>,
    {
        let mut ticker = tokio::time::interval(interval.max(Duration::from_millis(1)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        let mut failures: u32 = 0;
        loop {
            if unless_shutdown(&mut shutdown, ticker.tick())
                .await
                .is_none()
            {
                break;
            }
            let Some(report) = unless_shutdown(&mut shutdown, self.poll_once()).await else {
                break;
            };
            self.log_report(&report);
            if report.is_ok() {
                failures = 0;
                continue;
            }
            failures = failures.saturating_add(1);
            let backoff = backoff(interval, failures, self.max_backoff);
            tracing::info!(account = %self.account, ?backoff, failures, "backing off after failed poll");
            if unless_shutdown(&mut shutdown, tokio::time::sleep(backoff))
                .await
                .is_none()
            {
                break;
            }
            ticker.reset();
        }
        tracing::debug!(account = %self.account, "poller stopped");
    }

    /// One `tracing` event per trigger of a poll: written outside [`Poller::run`]'s state
    /// machine, which then stays small for the compiler.
    fn log_report(&self, report: &PollReport<E::Trigger>) {
        for (trigger, result) in &report.results {
            match result {
                Ok(stats) => tracing::debug!(
                    account = %self.account,
                    trigger = trigger.name(),
                    fetched = stats.fetched,
                    dispatched = stats.dispatched,
                    "polled"
                ),
                Err(e) => tracing::warn!(
                    account = %self.account,
                    trigger = trigger.name(),
                    error = %e,
                    "poll failed"
                ),
            }
        }
    }

    /// Polls one list and splits the outcome per trigger.
    #[allow(clippy::type_complexity)]
    async fn poll_list(
        &self,
        list: &PolledList<'_, E::Trigger>,
    ) -> Vec<(E::Trigger, Result<PollStats, PollError<E::Trigger>>)> {
        let mut tally = Tally {
            stats: PollStats {
                pages: 0,
                fetched: 0,
                dispatched: 0,
                skipped: 0,
                duplicates: 0,
                out_of_window: 0,
                malformed: 0,
                since: Timestamp(0),
            },
            fired: vec![(0, 0); list.triggers.len()],
        };
        let outcome = self.walk_list(list, &mut tally).await;
        tally.per_trigger(list, outcome)
    }

    /// The checkpoint of `list`: the saved one; else one carried over from the per-trigger
    /// checkpoints older versions kept; else a new one at the start time. Saved before it is
    /// used, so the start time holds even if the first poll fails.
    async fn load_checkpoint(
        &self,
        list: &PolledList<'_, E::Trigger>,
    ) -> Result<Checkpoint, StoreError> {
        let account = self.account.as_str();
        if let Some(cp) = self.store.load(account, &list.checkpoint).await? {
            return Ok(cp);
        }
        let mut legacy = Vec::new();
        for (trigger, emit) in &list.triggers {
            if let Some(cp) = self.store.load(account, trigger.name()).await? {
                legacy.push((cp, *emit));
            }
        }
        let cp = Checkpoint::carried_over(legacy).unwrap_or_else(|| {
            Checkpoint::starting_at(self.start_at.unwrap_or_else(Timestamp::now))
        });
        self.store.save(account, &list.checkpoint, &cp).await?;
        Ok(cp)
    }

    async fn walk_list(
        &self,
        list: &PolledList<'_, E::Trigger>,
        tally: &mut Tally,
    ) -> Result<(), ListFailure<E::Trigger>> {
        let name = list.checkpoint.as_str();
        let account = self.account.as_str();
        let rule = list.rule;
        let mut cp = self.load_checkpoint(list).await.map_err(PollError::from)?;
        tally.stats.since = cp.since;
        let overlap = i64::try_from(self.overlap.as_millis()).unwrap_or(i64::MAX);
        let window_start = window_start(&cp, overlap);

        let seen: HashSet<(&str, Timestamp)> =
            cp.seen.iter().map(|(id, t)| (id.as_str(), *t)).collect();
        let mut fresh = self
            .fetch(rule, window_start, &seen, &mut tally.stats)
            .await?;
        drop(seen);
        fresh.sort_by(|a, b| (a.cursor, &a.id).cmp(&(b.cursor, &b.id)));

        // Every ID handled before (in the checkpoint's boundary set) or in this poll: such an
        // item is not new, whatever its created field says. One checkpoint for all the
        // triggers of the list is what makes this true for each of them.
        let mut known: HashSet<String> = cp.seen.iter().map(|(id, _)| id.clone()).collect();
        let since_before = cp.since;
        let mut unsaved = false;
        for item in fresh {
            let created =
                item.created.is_some_and(|c| c >= window_start) && !known.contains(&item.id);
            let kind = if created {
                PollEmit::Created
            } else {
                PollEmit::Updated
            };
            let fires = list.fires(kind);
            let emitted = fires.contains(&true);
            if emitted {
                let failures = self.dispatch_item(list, &fires, &item).await;
                if !failures.is_empty() {
                    if unsaved {
                        self.store
                            .save(account, name, &cp)
                            .await
                            .map_err(PollError::from)?;
                    }
                    return Err(ListFailure::Handlers(failures));
                }
            }
            for (count, fired) in tally.fired.iter_mut().zip(&fires) {
                if *fired {
                    count.0 += 1;
                } else {
                    count.1 += 1;
                }
            }
            // Record the item; `since` stays put until the whole poll succeeded, so an item
            // whose handler fails is classified the same way when it is retried.
            known.insert(item.id.clone());
            cp.seen.push((item.id, item.cursor));
            if emitted {
                self.store
                    .save(account, name, &cp)
                    .await
                    .map_err(PollError::from)?;
                unsaved = false;
            } else {
                unsaved = true;
            }
        }

        if settle(&mut cp, since_before, overlap) || unsaved {
            self.store
                .save(account, name, &cp)
                .await
                .map_err(PollError::from)?;
        }
        tally.stats.since = cp.since;
        Ok(())
    }

    /// Dispatches `item` to each trigger of `list` it fires, concurrently; returns one
    /// [`PollError::Handler`] per trigger whose handlers failed.
    async fn dispatch_item(
        &self,
        list: &PolledList<'_, E::Trigger>,
        fires: &[bool],
        item: &Polled,
    ) -> Vec<(E::Trigger, PollError<E::Trigger>)> {
        let dispatches = list
            .triggers
            .iter()
            .zip(fires)
            .filter(|(_, fires)| **fires)
            .map(|((trigger, _), _)| {
                let event = TriggerEvent::polled(
                    *trigger,
                    self.account.as_str(),
                    item.value.clone(),
                    item.id.clone(),
                    item.cursor,
                );
                async move { (*trigger, self.dispatcher.dispatch(event).await) }
            });
        join_all(dispatches)
            .await
            .into_iter()
            .filter_map(|(trigger, result)| {
                let source = result.err()?;
                let error = PollError::Handler {
                    trigger,
                    id: item.id.clone(),
                    cursor: item.cursor,
                    source,
                };
                Some((trigger, error))
            })
            .collect()
    }
}

/// The triggers that poll one list: fetched once per poll, each item classified once for all.
pub(super) struct PolledList<'a, T> {
    /// The list's checkpoint name ([`PollRule::checkpoint_name`]).
    pub(super) checkpoint: String,
    /// The first rule added for the list (all its rules fetch and classify alike).
    pub(super) rule: &'a PollRule,
    /// The triggers, in the order they were added, with the items each fires for.
    pub(super) triggers: Vec<(T, PollEmit)>,
}

impl<T> PolledList<'_, T> {
    /// Per trigger of the list, whether an item of `kind` fires it.
    fn fires(&self, kind: PollEmit) -> Vec<bool> {
        self.triggers
            .iter()
            .map(|(_, emit)| *emit == PollEmit::All || *emit == kind)
            .collect()
    }
}

/// `work`'s output, or `None` when `shutdown` completes first (it is polled first, so a
/// shutdown that is ready wins over work that is ready too). One `select!` for the three
/// waits of [`Poller::run`].
async fn unless_shutdown<S, W>(shutdown: &mut Pin<&mut S>, work: W) -> Option<W::Output>
where
    S: Future<Output = ()>,
    W: Future,
{
    tokio::select! {
        biased;
        () = shutdown.as_mut() => None,
        output = work => Some(output),
    }
}

/// Where a poll's window starts: `overlap` milliseconds before the checkpoint, never before
/// its floor nor the epoch.
fn window_start(cp: &Checkpoint, overlap: i64) -> Timestamp {
    let mut start = cp.since.as_millis().saturating_sub(overlap);
    if let Some(floor) = cp.floor {
        start = start.max(floor.as_millis());
    }
    Timestamp(start.max(0))
}

/// After a successful poll: moves `since` to the largest cursor handled (if past
/// `since_before`) and keeps only the IDs seen within the overlap. Whether `cp` changed.
fn settle(cp: &mut Checkpoint, since_before: Timestamp, overlap: i64) -> bool {
    let mut changed = false;
    let max_cursor = cp.seen.iter().map(|(_, t)| *t).max();
    if let Some(max) = max_cursor.filter(|&m| m > since_before) {
        cp.since = max;
        changed = true;
    }
    let keep_from = cp.since.as_millis().saturating_sub(overlap);
    let before = cp.seen.len();
    cp.seen.retain(|(_, t)| t.as_millis() >= keep_from);
    cp.seen.sort();
    cp.seen.dedup();
    changed || cp.seen.len() != before
}

/// The back-off after `failures` consecutive failed polls.
fn backoff(interval: Duration, failures: u32, max: Duration) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    interval.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = Duration::from_secs(1);
        let max = Duration::from_secs(10);
        assert_eq!(backoff(s, 1, max), s);
        assert_eq!(backoff(s, 2, max), 2 * s);
        assert_eq!(backoff(s, 3, max), 4 * s);
        assert_eq!(backoff(s, 5, max), max);
        assert_eq!(backoff(s, u32::MAX, max), max);
    }
}
