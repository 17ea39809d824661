//! The durable webhook inbox: deliveries are stored before Lever gets its `200`, and handlers
//! run from the database afterwards, with retries, backoff, dead letters and re-drive.
//!
//! One table (`lever_webhook_inbox`, migration `0002_inbox`) on SQLite or PostgreSQL. A
//! delivery's row is keyed by its [`DedupKey`](lever_client::webhooks::DedupKey) (what Lever
//! signs), so copies of one delivery — Lever's retries, or a replay — are one row, however
//! many processes receive them. Processing claims due rows with a lease: on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED` (workers never wait on each other's rows), on SQLite with the same
//! conditional `UPDATE … RETURNING` (SQLite runs one writer at a time, so the claim is atomic
//! without it). A claimer that dies leaves a lease that expires; the next claim after that
//! takes the row again. Handlers therefore see **at least once**: deduplicate side effects by
//! `TriggerEvent::dedup_key`, which is the same on every attempt of a delivery.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lever_client::triggers::Dispatcher;
use sqlx::Row as _;
use tokio::sync::Notify;

use crate::store::{attempts_of, limit_param, Backend, SqlStore, StoreError};
use crate::time::now_ms;

/// How often, and how patiently, a failing delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts (claims) before a delivery becomes a dead letter.
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub base_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts, 1 s doubling up to 10 min: about 2 minutes of retries before a dead letter.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th failure (1-based).
    pub fn delay_after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }
}

/// What [`Inbox::accept`] did with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Stored (committed) now.
    Stored,
    /// A copy was already stored (committed) earlier: nothing was written.
    Duplicate,
}

/// What one [`Inbox::process_due`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxRun {
    /// Deliveries claimed.
    pub claimed: usize,
    /// Deliveries whose handlers all succeeded.
    pub handled: usize,
    /// Deliveries that failed and will be retried.
    pub retrying: usize,
    /// Deliveries that failed for the last time and became dead letters.
    pub dead_lettered: usize,
}

/// How many deliveries are in each state ([`Inbox::status`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxStatus {
    /// Waiting to be handled (new, or retrying after a failure): the inbox depth.
    pub pending: u64,
    /// Claimed by a processor (including claims whose lease expired and await a new claim).
    pub in_flight: u64,
    /// Dead letters, until re-driven.
    pub dead: u64,
    /// Handled (kept, without their body, so late copies stay deduplicated).
    pub done: u64,
}

/// A delivery that failed [`RetryPolicy::max_attempts`] times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its ID (the delivery's dedup key), for [`Inbox::redrive`].
    pub id: String,
    /// Your account ID it was delivered for.
    pub account: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure, as the handlers reported it.
    pub last_error: Option<String>,
    /// When it was received (ms since the epoch).
    pub received_at: i64,
}

/// The clock the inbox schedules with, in ms since the epoch (tests move it by hand).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The inbox on a [`SqlStore`]. Cheap to clone; clones share the wake-up signal, so
/// [`Inbox::run`] wakes when a route holding a clone stores a delivery.
#[derive(Clone)]
pub struct Inbox {
    store: SqlStore,
    owner: String,
    policy: RetryPolicy,
    lease: Duration,
    clock: Clock,
    stored: Arc<Notify>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("owner", &self.owner)
            .field("policy", &self.policy)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// The lease of a claim: handlers of a delivery get this long before another processor may
/// take it (and they are cut off at it).
pub const DEFAULT_INBOX_LEASE: Duration = Duration::from_secs(60);

const CLAIMABLE: &str = "(state = 'pending' AND next_attempt_at <= $3) \
     OR (state = 'in_flight' AND lease_until <= $3)";

impl Inbox {
    /// The inbox in `store`, with [`RetryPolicy::default`] and [`DEFAULT_INBOX_LEASE`], and
    /// a random owner name for its leases.
    pub fn new(store: SqlStore) -> Inbox {
        let owner = format!("inbox-{:016x}", rand::random::<u64>());
        Inbox {
            store,
            owner,
            policy: RetryPolicy::default(),
            lease: DEFAULT_INBOX_LEASE,
            clock: Arc::new(now_ms),
            stored: Arc::new(Notify::new()),
        }
    }

    /// Sets the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Inbox {
        self.policy = policy;
        self
    }

    /// Sets how long a claim lasts (and how long handlers may take).
    pub fn lease(mut self, lease: Duration) -> Inbox {
        self.lease = lease;
        self
    }

    /// Names this processor in its leases (e.g. the worker's ID; shown in logs).
    pub fn owner(mut self, owner: impl Into<String>) -> Inbox {
        self.owner = owner.into();
        self
    }

    /// Replaces the wall clock (for tests that move time by hand).
    pub fn clock(mut self, clock: Clock) -> Inbox {
        self.clock = clock;
        self
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }

    /// Stores a verified delivery unless a copy is already stored, and returns once that is
    /// committed. Both outcomes mean the delivery is durable: a concurrent copy waits, in the
    /// database, for the first one's commit (unique key), so it can never report a delivery
    /// that is not yet committed.
    pub async fn accept(
        &self,
        account: &str,
        dedup_key: &str,
        body: &[u8],
    ) -> Result<Accepted, StoreError> {
        let now = (self.clock)();
        let result = sqlx::query(
            "INSERT INTO lever_webhook_inbox \
             (dedup_key, account, body, state, attempts, next_attempt_at, received_at, updated_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4) \
             ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(dedup_key)
        .bind(account)
        .bind(body.to_vec())
        .bind(now)
        .execute(self.store.pool())
        .await?;
        if result.rows_affected() == 0 {
            return Ok(Accepted::Duplicate);
        }
        self.stored.notify_waiters();
        Ok(Accepted::Stored)
    }

    /// Claims up to `limit` due deliveries (new, retry due, or with an expired lease), runs
    /// their handlers concurrently, and records each outcome: done, retry with backoff, or
    /// dead letter. A delivery whose lease was taken over meanwhile is not recorded by this
    /// call (the new claimer's outcome counts).
    pub async fn process_due(
        &self,
        dispatcher: &Dispatcher,
        limit: usize,
    ) -> Result<InboxRun, StoreError> {
        let claimed = self.claim(limit).await?;
        let mut run = InboxRun {
            claimed: claimed.len(),
            ..InboxRun::default()
        };
        let outcomes = futures::future::join_all(
            claimed
                .into_iter()
                .map(|claim| async move { (self.handle(dispatcher, &claim).await, claim) }),
        )
        .await;
        for (outcome, claim) in outcomes {
            match outcome {
                Ok(()) => {
                    self.finish(&claim).await?;
                    run.handled += 1;
                }
                Err(error) => {
                    if self.fail(&claim, &error).await? {
                        run.dead_lettered += 1;
                    } else {
                        run.retrying += 1;
                    }
                }
            }
        }
        if run.claimed > 0 {
            tracing::debug!(
                owner = %self.owner,
                claimed = run.claimed,
                handled = run.handled,
                retrying = run.retrying,
                dead_lettered = run.dead_lettered,
                "webhook inbox run"
            );
        }
        Ok(run)
    }

    /// Processes due deliveries until `shutdown` completes: right after a delivery is stored
    /// through this inbox (or a clone), and every `interval` otherwise (for deliveries stored
    /// by other processes, and retries coming due). Store errors are logged and retried at
    /// the next interval. For a single process; a fleet's workers call
    /// [`process_due`](Inbox::process_due) in their own loop.
    pub async fn run(&self, dispatcher: &Dispatcher, interval: Duration, shutdown: impl Future) {
        const BATCH: usize = 64;
        tokio::pin!(shutdown);
        loop {
            let stored = self.stored.notified();
            tokio::pin!(stored);
            stored.as_mut().enable();
            match self.process_due(dispatcher, BATCH).await {
                // A full batch: more may be due now.
                Ok(run) if run.claimed == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "webhook inbox run failed"),
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = stored => {}
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// How many deliveries are pending, in flight, dead and done.
    pub async fn status(&self) -> Result<InboxStatus, StoreError> {
        let rows = sqlx::query(
            "SELECT state, CAST(COUNT(*) AS BIGINT) AS n FROM lever_webhook_inbox GROUP BY state",
        )
        .fetch_all(self.store.pool())
        .await?;
        let mut status = InboxStatus::default();
        for row in rows {
            let state: String = row.try_get("state")?;
            let n: i64 = row.try_get("n")?;
            let n = u64::try_from(n).unwrap_or(0);
            match state.as_str() {
                "pending" => status.pending = n,
                "in_flight" => status.in_flight = n,
                "dead" => status.dead = n,
                "done" => status.done = n,
                _ => return Err(StoreError::Corrupt { column: "state" }),
            }
        }
        Ok(status)
    }

    /// The dead letters, oldest first, at most `limit`.
    pub async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, StoreError> {
        let rows = sqlx::query(
            "SELECT dedup_key, account, attempts, last_error, received_at \
             FROM lever_webhook_inbox WHERE state = 'dead' \
             ORDER BY received_at, dedup_key LIMIT $1",
        )
        .bind(limit_param(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeadLetter {
                    id: row.try_get("dedup_key")?,
                    account: row.try_get("account")?,
                    attempts: attempts_of(row)?,
                    last_error: row.try_get("last_error")?,
                    received_at: row.try_get("received_at")?,
                })
            })
            .collect()
    }

    /// Makes dead letter `id` due now, with a fresh attempt count; `false` if `id` is not a
    /// dead letter.
    pub async fn redrive(&self, id: &str) -> Result<bool, StoreError> {
        let now = (self.clock)();
        let result = sqlx::query(
            "UPDATE lever_webhook_inbox SET state = 'pending', attempts = 0, \
             next_attempt_at = $2, updated_at = $2 WHERE dedup_key = $1 AND state = 'dead'",
        )
        .bind(id)
        .bind(now)
        .execute(self.store.pool())
        .await?;
        let redriven = result.rows_affected() == 1;
        if redriven {
            self.stored.notify_waiters();
        }
        Ok(redriven)
    }

    /// Re-drives every dead letter; returns how many.
    pub async fn redrive_all(&self) -> Result<u64, StoreError> {
        let now = (self.clock)();
        let result = sqlx::query(
            "UPDATE lever_webhook_inbox SET state = 'pending', attempts = 0, \
             next_attempt_at = $1, updated_at = $1 WHERE state = 'dead'",
        )
        .bind(now)
        .execute(self.store.pool())
        .await?;
        if result.rows_affected() > 0 {
            self.stored.notify_waiters();
        }
        Ok(result.rows_affected())
    }

    /// Deletes handled deliveries received before `before` (ms since the epoch); returns how
    /// many. Keep them at least as long as the verifier's replay window, so that a late copy
    /// is still recognised as a duplicate.
    pub async fn prune_done(&self, before: i64) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "DELETE FROM lever_webhook_inbox WHERE state = 'done' AND received_at < $1",
        )
        .bind(before)
        .execute(self.store.pool())
        .await?;
        Ok(result.rows_affected())
    }

    async fn claim(&self, limit: usize) -> Result<Vec<Claim>, StoreError> {
        let now = (self.clock)();
        // SKIP LOCKED: concurrent claimers on PostgreSQL take disjoint rows without waiting;
        // SQLite has one writer at a time, so the plain statement is already exclusive.
        let lock = match self.store.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE lever_webhook_inbox SET state = 'in_flight', lease_owner = $1, \
             lease_until = $2, attempts = attempts + 1, updated_at = $3 \
             WHERE dedup_key IN (SELECT dedup_key FROM lever_webhook_inbox \
             WHERE {CLAIMABLE} ORDER BY next_attempt_at LIMIT $4{lock}) \
             RETURNING dedup_key, account, body, attempts"
        );
        let rows = sqlx::query(&sql)
            .bind(&self.owner)
            .bind(now.saturating_add(self.lease_ms()))
            .bind(now)
            .bind(limit_param(limit))
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Claim {
                    id: row.try_get("dedup_key")?,
                    account: row.try_get("account")?,
                    body: row.try_get::<Option<Vec<u8>>, _>("body")?,
                    attempts: attempts_of(row)?,
                })
            })
            .collect()
    }

    /// Runs the handlers of one claimed delivery; the error is what to record.
    async fn handle(&self, dispatcher: &Dispatcher, claim: &Claim) -> Result<(), String> {
        let Some(body) = &claim.body else {
            return Err("the stored delivery has no body".to_owned());
        };
        // Verified when it was accepted; the replay window must not refuse it on a retry.
        let event = lever_client::webhooks::parse(body)
            .map_err(|e| format!("the stored delivery does not parse: {e}"))?;
        match tokio::time::timeout(
            self.lease,
            dispatcher.dispatch_webhook(&claim.account, event),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "the handlers did not finish within the lease ({:?})",
                self.lease
            )),
        }
    }

    async fn finish(&self, claim: &Claim) -> Result<(), StoreError> {
        let now = (self.clock)();
        let result = sqlx::query(
            "UPDATE lever_webhook_inbox SET state = 'done', body = NULL, lease_owner = NULL, \
             lease_until = NULL, last_error = NULL, updated_at = $3 \
             WHERE dedup_key = $1 AND lease_owner = $2 AND state = 'in_flight'",
        )
        .bind(&claim.id)
        .bind(&self.owner)
        .bind(now)
        .execute(self.store.pool())
        .await?;
        if result.rows_affected() == 0 {
            tracing::warn!(owner = %self.owner, delivery = %claim.id,
                "handled a webhook delivery after its lease was taken over: it runs again");
        }
        Ok(())
    }

    /// Records a failure; `true` when the delivery became a dead letter.
    async fn fail(&self, claim: &Claim, error: &str) -> Result<bool, StoreError> {
        let now = (self.clock)();
        let dead = claim.attempts >= self.policy.max_attempts;
        let delay =
            i64::try_from(self.policy.delay_after(claim.attempts).as_millis()).unwrap_or(i64::MAX);
        let result = sqlx::query(
            "UPDATE lever_webhook_inbox SET state = $3, next_attempt_at = $4, last_error = $5, \
             lease_owner = NULL, lease_until = NULL, updated_at = $6 \
             WHERE dedup_key = $1 AND lease_owner = $2 AND state = 'in_flight'",
        )
        .bind(&claim.id)
        .bind(&self.owner)
        .bind(if dead { "dead" } else { "pending" })
        .bind(now.saturating_add(delay))
        .bind(error)
        .bind(now)
        .execute(self.store.pool())
        .await?;
        let recorded = result.rows_affected() == 1;
        if recorded && dead {
            tracing::error!(account = %claim.account, delivery = %claim.id,
                attempts = claim.attempts, "webhook delivery dead-lettered");
        } else if recorded {
            tracing::warn!(account = %claim.account, delivery = %claim.id,
                attempts = claim.attempts, "webhook delivery failed; will retry");
        }
        Ok(recorded && dead)
    }
}

/// A delivery this processor holds the lease of.
struct Claim {
    id: String,
    account: String,
    body: Option<Vec<u8>>,
    attempts: u32,
}

/// An [`Inbox`] drained by a [`Worker`](crate::worker::Worker) on every heartbeat: from
/// [`Inbox::worker_step`]. Every worker sharing the database takes part; claims keep a
/// delivery on one of them at a time.
pub struct InboxStep {
    inbox: Inbox,
    dispatcher: Dispatcher,
    batch: usize,
}

impl std::fmt::Debug for InboxStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxStep")
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

impl Inbox {
    /// This inbox as a [`WorkerStep`](crate::worker::WorkerStep): each heartbeat handles the
    /// due deliveries (up to 64 per claim, until none is due) with `dispatcher`'s handlers, then
    /// reports the inbox depth and dead letters in the worker's status.
    ///
    /// ```no_run
    /// # fn demo(connections: lever_connect::Connections, store: lever_connect::SqlStore,
    /// #         dispatcher: lever_client::triggers::Dispatcher) {
    /// use lever_connect::inbox::Inbox;
    /// use lever_connect::worker::Worker;
    ///
    /// let inbox = Inbox::new(store.clone());
    /// let worker = Worker::new(connections, store, dispatcher.clone())
    ///     .step(inbox.worker_step(dispatcher));
    /// # let _ = worker; }
    /// ```
    pub fn worker_step(&self, dispatcher: Dispatcher) -> InboxStep {
        InboxStep {
            inbox: self.clone(),
            dispatcher,
            batch: 64,
        }
    }
}

impl crate::worker::WorkerStep for InboxStep {
    fn tick(&self) -> futures::future::BoxFuture<'_, crate::worker::StepReport> {
        Box::pin(async move {
            // Bounded: a steady stream of deliveries must not starve the heartbeat.
            for _ in 0..16 {
                match self.inbox.process_due(&self.dispatcher, self.batch).await {
                    Ok(run) if run.claimed == self.batch => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook inbox: processing failed");
                        break;
                    }
                }
            }
            match self.inbox.status().await {
                Ok(status) => crate::worker::StepReport {
                    inbox_depth: Some(status.pending + status.in_flight),
                    dead_letters: Some(status.dead),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "webhook inbox: status failed");
                    crate::worker::StepReport::default()
                }
            }
        })
    }
}
