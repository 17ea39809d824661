//! [`Poller`]: fires polling triggers (e.g. "Posting Created") for one connected account.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::checkpoint::{Checkpoint, CheckpointStore, StoreError};
use super::dispatch::{DispatchError, Dispatcher};
use super::source::{PollEmit, PollRule};
use super::{Trigger, TriggerEvent};
use crate::{Client, Method, Timestamp};

/// The default overlap: each poll asks again for the last second before the checkpoint.
pub const DEFAULT_OVERLAP: Duration = Duration::from_millis(1000);

/// The default page size (Lever's maximum).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The default cap on the back-off after failed polls: 5 minutes.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// The most pages one poll follows (a guard against a server that never ends a list).
const MAX_PAGES: usize = 10_000;

/// Polls list actions for the triggers Lever has no webhook for (see
/// [`TriggerSource::poll`](super::TriggerSource::poll)), for one connected account, and
/// dispatches each new or changed item to a [`Dispatcher`].
///
/// Each trigger has its own [`Checkpoint`] in a [`CheckpointStore`], keyed by (account,
/// trigger name). One poll of a trigger:
///
/// 1. loads the checkpoint. With none saved, it starts from **now** (or the time given to
///    [`Poller::start_at`]) and saves that checkpoint first: changes made before the poller
///    first ran never fire;
/// 2. lists the rule's path with `since = checkpoint.since - overlap` in the rule's `since`
///    query parameter (e.g. `updated_at_start`) plus the rule's fixed query, following `next`
///    through the `offset` parameter until `hasNext` is false, one page at a time;
/// 3. drops items already handled (same ID and cursor value, e.g. `updatedAt`), and classifies
///    the rest: **created** when the item's created field (e.g. `createdAt`) falls in the
///    polled window and the item was not seen before, **updated** otherwise. `Created` rules
///    fire for created items, `Updated` rules for updated ones, `All` rules for every item;
/// 4. dispatches the items in cursor order, and records each one in the checkpoint **after**
///    its handlers succeeded. When a handler fails, the poll stops there: the checkpoint keeps
///    its `since`, so the item is fetched and dispatched again on the next poll (the items
///    handled before it are remembered and not repeated). A crash between a handler and the
///    save delivers that item again: delivery is at least once, never lost;
/// 5. advances `since` to the largest cursor value handled and keeps the IDs seen within the
///    overlap, so the overlap does not cause duplicates.
///
/// The overlap (default [`DEFAULT_OVERLAP`]) must cover clock skew and the time an item takes
/// to show up in Lever's list after it changed, and the time a poll takes. A created item that
/// is also updated before the next poll fires `Created` only; several updates between two
/// polls fire `Updated` once. Respect Lever's rate limit (10 requests/s per key) when choosing
/// the interval: each trigger costs at least one request per poll.
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
pub struct Poller {
    client: Client,
    account: String,
    store: Arc<dyn CheckpointStore>,
    dispatcher: Dispatcher,
    rules: Vec<(Trigger, PollRule)>,
    overlap: Duration,
    start_at: Option<Timestamp>,
    page_size: u32,
    max_backoff: Duration,
}

impl fmt::Debug for Poller {
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
            .finish_non_exhaustive()
    }
}

impl Poller {
    /// A poller for the connected account `account` (your ID for it, used as the checkpoint
    /// key and in [`TriggerEvent::account`]) that calls Lever through `client`. Add triggers
    /// with [`Poller::trigger`].
    pub fn new(
        client: Client,
        account: impl Into<String>,
        store: impl CheckpointStore + 'static,
        dispatcher: Dispatcher,
    ) -> Self {
        Poller {
            client,
            account: account.into(),
            store: Arc::new(store),
            dispatcher,
            rules: Vec::new(),
            overlap: DEFAULT_OVERLAP,
            start_at: None,
            page_size: DEFAULT_PAGE_SIZE,
            max_backoff: DEFAULT_MAX_BACKOFF,
        }
    }

    /// Polls `trigger` with its registry rule; fails if the trigger has no polling rule.
    pub fn trigger(self, trigger: Trigger) -> Result<Self, PollError> {
        match trigger.source().poll {
            Some(rule) => Ok(self.trigger_with_rule(trigger, rule)),
            None => Err(PollError::NotPolled(trigger)),
        }
    }

    /// Polls `trigger` with a custom rule (e.g. for an endpoint added by an overlay).
    pub fn trigger_with_rule(mut self, trigger: Trigger, rule: PollRule) -> Self {
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
    pub fn triggers(&self) -> Vec<Trigger> {
        self.rules.iter().map(|(t, _)| *t).collect()
    }

    /// Polls every trigger once, in the order they were added. A failing trigger does not
    /// stop the others.
    pub async fn poll_once(&self) -> PollReport {
        let mut results = Vec::with_capacity(self.rules.len());
        for (trigger, rule) in &self.rules {
            let result = self.poll_rule(*trigger, rule).await;
            results.push((*trigger, result));
        }
        PollReport { results }
    }

    /// Polls one trigger once.
    pub async fn poll_trigger(&self, trigger: Trigger) -> Result<PollStats, PollError> {
        match self.rules.iter().find(|(t, _)| *t == trigger) {
            Some((trigger, rule)) => self.poll_rule(*trigger, rule).await,
            None => Err(PollError::NotPolled(trigger)),
        }
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
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                _ = ticker.tick() => {}
            }
            let report = tokio::select! {
                biased;
                () = &mut shutdown => break,
                report = self.poll_once() => report,
            };
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
            if report.is_ok() {
                failures = 0;
                continue;
            }
            failures = failures.saturating_add(1);
            let backoff = backoff(interval, failures, self.max_backoff);
            tracing::info!(account = %self.account, ?backoff, failures, "backing off after failed poll");
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = tokio::time::sleep(backoff) => {}
            }
            ticker.reset();
        }
        tracing::debug!(account = %self.account, "poller stopped");
    }

    async fn poll_rule(&self, trigger: Trigger, rule: &PollRule) -> Result<PollStats, PollError> {
        let name = trigger.name();
        let account = self.account.as_str();
        let mut cp = match self.store.load(account, name).await? {
            Some(cp) => cp,
            None => {
                let cp = Checkpoint::starting_at(self.start_at.unwrap_or_else(Timestamp::now));
                self.store.save(account, name, &cp).await?;
                cp
            }
        };
        let overlap = i64::try_from(self.overlap.as_millis()).unwrap_or(i64::MAX);
        let mut window_start = cp.since.as_millis().saturating_sub(overlap);
        if let Some(floor) = cp.floor {
            window_start = window_start.max(floor.as_millis());
        }
        let window_start = Timestamp(window_start.max(0));

        let mut stats = PollStats {
            pages: 0,
            fetched: 0,
            dispatched: 0,
            skipped: 0,
            duplicates: 0,
            out_of_window: 0,
            malformed: 0,
            since: cp.since,
        };
        let seen: HashSet<(&str, Timestamp)> =
            cp.seen.iter().map(|(id, t)| (id.as_str(), *t)).collect();
        let mut fresh = self.fetch(rule, window_start, &seen, &mut stats).await?;
        drop(seen);
        fresh.sort_by(|a, b| (a.cursor, &a.id).cmp(&(b.cursor, &b.id)));

        // Every ID handled before (in the checkpoint's boundary set) or in this poll: such an
        // item is not new, whatever its created field says.
        let mut known: HashSet<String> = cp.seen.iter().map(|(id, _)| id.clone()).collect();
        let since_before = cp.since;
        let mut unsaved = false;
        for item in fresh {
            let created =
                item.created.is_some_and(|c| c >= window_start) && !known.contains(&item.id);
            let emit = match rule.emit {
                PollEmit::All => true,
                PollEmit::Created => created,
                PollEmit::Updated => !created,
            };
            if emit {
                let event = TriggerEvent::polled(
                    trigger,
                    account,
                    item.value,
                    item.id.clone(),
                    item.cursor,
                );
                if let Err(source) = self.dispatcher.dispatch(event).await {
                    if unsaved {
                        self.store.save(account, name, &cp).await?;
                    }
                    return Err(PollError::Handler {
                        trigger,
                        id: item.id,
                        cursor: item.cursor,
                        source,
                    });
                }
                stats.dispatched += 1;
            } else {
                stats.skipped += 1;
            }
            // Record the item; `since` stays put until the whole poll succeeded, so an item
            // whose handler fails is classified the same way when it is retried.
            known.insert(item.id.clone());
            cp.seen.push((item.id, item.cursor));
            if emit {
                self.store.save(account, name, &cp).await?;
                unsaved = false;
            } else {
                unsaved = true;
            }
        }

        let max_cursor = cp.seen.iter().map(|(_, t)| *t).max();
        if let Some(max) = max_cursor.filter(|&m| m > since_before) {
            cp.since = max;
            unsaved = true;
        }
        let keep_from = cp.since.as_millis().saturating_sub(overlap);
        let before = cp.seen.len();
        cp.seen.retain(|(_, t)| t.as_millis() >= keep_from);
        cp.seen.sort();
        cp.seen.dedup();
        if unsaved || cp.seen.len() != before {
            self.store.save(account, name, &cp).await?;
        }
        stats.since = cp.since;
        Ok(stats)
    }

    /// Lists every page of the rule's window; returns the items not seen before.
    async fn fetch(
        &self,
        rule: &PollRule,
        window_start: Timestamp,
        seen: &HashSet<(&str, Timestamp)>,
        stats: &mut PollStats,
    ) -> Result<Vec<Polled>, PollError> {
        let mut fresh = Vec::new();
        let mut in_this_poll: HashSet<(String, Timestamp)> = HashSet::new();
        let mut offset: Option<String> = None;
        loop {
            let mut request = self.client.request(Method::GET, rule.path);
            for (key, value) in rule.query {
                request = request.query_pair(*key, *value);
            }
            request = request
                .query_pair(rule.since, window_start.as_millis())
                .query_pair("limit", self.page_size);
            if let Some(offset) = &offset {
                request = request.query_pair("offset", offset);
            }
            let body = request.send().await.map_err(|source| PollError::Api {
                path: rule.path,
                source,
            })?;
            stats.pages += 1;
            let page = Page::from_value(body).map_err(|message| PollError::BadResponse {
                path: rule.path,
                message,
            })?;
            for value in page.data {
                stats.fetched += 1;
                let Some(item) = Polled::read(value, rule) else {
                    stats.malformed += 1;
                    tracing::warn!(
                        path = rule.path,
                        "polled item without a usable id or cursor"
                    );
                    continue;
                };
                if item.cursor < window_start {
                    // The server ignored the filter; items this old were handled long ago.
                    stats.out_of_window += 1;
                    continue;
                }
                if seen.contains(&(item.id.as_str(), item.cursor))
                    || !in_this_poll.insert((item.id.clone(), item.cursor))
                {
                    stats.duplicates += 1;
                    continue;
                }
                fresh.push(item);
            }
            match (page.has_next, page.next) {
                (true, Some(next)) if offset.as_deref() != Some(next.as_str()) => {
                    if stats.pages >= MAX_PAGES {
                        tracing::warn!(path = rule.path, "too many pages: stopping this poll");
                        break;
                    }
                    offset = Some(next);
                }
                (true, _) => {
                    tracing::warn!(
                        path = rule.path,
                        "hasNext without a new next token: stopping"
                    );
                    break;
                }
                (false, _) => break,
            }
        }
        Ok(fresh)
    }
}

/// The back-off after `failures` consecutive failed polls.
fn backoff(interval: Duration, failures: u32, max: Duration) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    interval.saturating_mul(factor).min(max)
}

/// One list page, leniently read from `{"data": [...], "hasNext": bool, "next": "..."}`.
struct Page {
    data: Vec<Value>,
    has_next: bool,
    next: Option<String>,
}

impl Page {
    fn from_value(body: Value) -> Result<Page, String> {
        let Value::Object(mut map) = body else {
            return Err("expected a JSON object with a `data` list".to_owned());
        };
        let data = match map.remove("data") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err("`data` is not a list".to_owned()),
            None => return Err("no `data` list".to_owned()),
        };
        let has_next = match map.get("hasNext") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => false,
            Some(_) => return Err("`hasNext` is not a boolean".to_owned()),
        };
        let next = match map.remove("next") {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        Ok(Page {
            data,
            has_next,
            next,
        })
    }
}

/// A polled item with what the poller needs from it.
struct Polled {
    id: String,
    cursor: Timestamp,
    created: Option<Timestamp>,
    value: Value,
}

impl Polled {
    fn read(value: Value, rule: &PollRule) -> Option<Polled> {
        let id = match value.get("id")? {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let created = rule.created_field.and_then(|f| timestamp(&value, f));
        // An item never updated may have a null cursor field: fall back on its creation time.
        let cursor = timestamp(&value, rule.cursor).or(created)?;
        Some(Polled {
            id,
            cursor,
            created,
            value,
        })
    }
}

/// A timestamp field (number or numeric string), if present and valid.
fn timestamp(value: &Value, field: &str) -> Option<Timestamp> {
    value
        .get(field)
        .filter(|v| !v.is_null())
        .and_then(|v| <Timestamp as serde::Deserialize>::deserialize(v).ok())
}

/// What one poll of one trigger did.
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

/// What [`Poller::poll_once`] did, per trigger.
#[derive(Debug)]
pub struct PollReport {
    /// Each trigger's result, in the poller's order.
    pub results: Vec<(Trigger, Result<PollStats, PollError>)>,
}

impl PollReport {
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
    pub fn errors(&self) -> impl Iterator<Item = (Trigger, &PollError)> + '_ {
        self.results
            .iter()
            .filter_map(|(t, r)| r.as_ref().err().map(|e| (*t, e)))
    }

    /// The report, or the first error.
    pub fn into_result(self) -> Result<Vec<(Trigger, PollStats)>, PollError> {
        self.results
            .into_iter()
            .map(|(t, r)| r.map(|s| (t, s)))
            .collect()
    }
}

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PollError {
    /// The trigger has no polling rule (it is fired by webhooks only), or is not polled by this
    /// poller.
    #[error("trigger `{}` is not polled", .0.name())]
    NotPolled(Trigger),
    /// Listing failed.
    #[error("listing {path} failed: {source}")]
    Api {
        /// The list path.
        path: &'static str,
        /// The client error.
        #[source]
        source: crate::Error,
    },
    /// The list response is not `{"data": [...], "hasNext": ..., "next": ...}`.
    #[error("unexpected list response from {path}: {message}")]
    BadResponse {
        /// The list path.
        path: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Loading or saving the checkpoint failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A handler failed; the item is dispatched again on the next poll.
    #[error("handling {id} (cursor {cursor}) for `{}` failed: {source}", .trigger.name())]
    Handler {
        /// The trigger.
        trigger: Trigger,
        /// The item's ID.
        id: String,
        /// The item's cursor value.
        cursor: Timestamp,
        /// The handler failures.
        #[source]
        source: DispatchError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn pages_are_read_leniently() {
        let page = Page::from_value(json!({"data": [1, 2], "hasNext": true, "next": "t"})).unwrap();
        assert_eq!(
            (page.data.len(), page.has_next, page.next.as_deref()),
            (2, true, Some("t"))
        );
        let page = Page::from_value(json!({"data": []})).unwrap();
        assert!(!page.has_next && page.next.is_none());
        assert!(Page::from_value(json!({"data": {}})).is_err());
        assert!(Page::from_value(json!([])).is_err());
        assert!(Page::from_value(json!({"data": [], "hasNext": "yes"})).is_err());
    }

    #[test]
    fn items_need_an_id_and_a_cursor() {
        let rule = PollRule {
            resource: "postings",
            action: "list",
            path: "/postings",
            since: "updated_at_start",
            cursor: "updatedAt",
            created_field: Some("createdAt"),
            emit: PollEmit::Updated,
            query: &[],
        };
        let item =
            Polled::read(json!({"id": "p", "updatedAt": "5", "createdAt": 3}), &rule).unwrap();
        assert_eq!(
            (item.id.as_str(), item.cursor, item.created),
            ("p", Timestamp(5), Some(Timestamp(3)))
        );
        let item =
            Polled::read(json!({"id": "p", "updatedAt": null, "createdAt": 3}), &rule).unwrap();
        assert_eq!(item.cursor, Timestamp(3));
        assert!(Polled::read(json!({"updatedAt": 5}), &rule).is_none());
        assert!(Polled::read(json!({"id": "p"}), &rule).is_none());
        assert!(Polled::read(json!({"id": "p", "updatedAt": "soon"}), &rule).is_none());
        assert!(Polled::read(json!(7), &rule).is_none());
    }
}
