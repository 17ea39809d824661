//! [`Worker`]: runs the polling triggers of connected accounts across a fleet of processes
//! that share one database, each account on exactly one worker at a time, through leases.
//!
//! Every heartbeat (default: a third of the lease TTL, at most one poll interval) a worker:
//!
//! 1. keeps its row in `lever_workers` alive until now + TTL, **then**
//! 2. renews its leases until now + TTL (so a dead worker's row always expires before its
//!    leases, and whoever sees a lease expire also sees one worker fewer). A lease it fails to
//!    renew is lost: its poller is stopped;
//! 3. creates a free lease for each new active connection;
//! 4. computes its fair share, `ceil(leases / live workers)`, and releases what it holds
//!    beyond it (poller stopped first) or claims free and expired leases up to it
//!    (`FOR UPDATE SKIP LOCKED` on PostgreSQL);
//! 5. runs its [`WorkerStep`]s and reports its [`WorkerStatus`] through `tracing`.
//!
//! A poller only polls while its lease is valid by the worker's own clock: until the instant
//! the renewal was sent + TTL − margin (a fifth of the TTL). When that passes without a
//! renewal (the database is unreachable, the process was paused) the in-flight poll is
//! cancelled and no new one starts, before any other worker may claim the lease. Cancelling
//! loses nothing: an item is checkpointed only after its handlers succeeded.

mod leases;
mod status;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use lever_client::triggers::{Dispatcher, Poller};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::connections::Connections;
use crate::store::{SqlStore, StoreError};
use crate::time::now_ms;
use crate::StoreCheckpoints;
use leases::Leases;
pub use status::{StatusHandle, WorkerStatus};

/// The default lease TTL: 30 s.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

/// The default poll interval per account: 60 s (one poll per trigger list per minute).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// The default bound on one worker's polls in flight: 64.
pub const DEFAULT_MAX_CONCURRENT_POLLS: usize = 64;

/// Extra work a [`Worker`] runs on every heartbeat (e.g. draining a webhook inbox), reporting
/// what [`WorkerStatus`] shows about it.
pub trait WorkerStep: Send + Sync {
    /// Runs once per heartbeat; the worker waits for it before the next one.
    fn tick(&self) -> BoxFuture<'_, StepReport>;
}

/// What a [`WorkerStep`] reports after a tick.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Deliveries waiting in the webhook inbox.
    pub inbox_depth: Option<u64>,
    /// Dead-lettered deliveries.
    pub dead_letters: Option<u64>,
}

type ConfigurePoller = Arc<dyn Fn(Poller) -> Poller + Send + Sync>;

/// Polls the triggers of the connected accounts it holds leases for; see the
/// [module docs](self) for the protocol.
///
/// ```no_run
/// # async fn demo(connections: lever_connect::Connections, store: lever_connect::SqlStore,
/// #               dispatcher: lever_client::triggers::Dispatcher) {
/// use lever_connect::worker::Worker;
/// let worker = Worker::new(connections, store, dispatcher);
/// let status = worker.status();
/// worker.run(async { let _ = tokio::signal::ctrl_c().await; }).await;
/// println!("{:?}", status.snapshot());
/// # }
/// ```
pub struct Worker {
    connections: Connections,
    store: SqlStore,
    dispatcher: Dispatcher,
    id: String,
    ttl: Duration,
    interval: Duration,
    heartbeat: Option<Duration>,
    steps: Vec<Arc<dyn WorkerStep>>,
    configure: Option<ConfigurePoller>,
    status: StatusHandle,
    /// Shared by this worker's pollers: bounds its polls in flight.
    in_flight: Arc<tokio::sync::Semaphore>,
    max_concurrent_polls: usize,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.id)
            .field("ttl", &self.ttl)
            .field("interval", &self.interval)
            .field("heartbeat", &self.heartbeat())
            .field("max_concurrent_polls", &self.max_concurrent_polls)
            .field("triggers", &self.dispatcher.triggers())
            .finish_non_exhaustive()
    }
}

/// One account this worker holds: its poller task and the instant its lease stops being
/// valid by this worker's clock.
struct HeldLease {
    task: JoinHandle<()>,
    valid_until: watch::Sender<Instant>,
    /// Asks the poller to stop after its current poll (which the lease deadline still bounds),
    /// so that a hand-over does not interrupt handlers and cause duplicates.
    stopping: watch::Sender<bool>,
}

impl Worker {
    /// A worker for the accounts of `connections`, with leases in `store` (the same database),
    /// polling every trigger of `dispatcher` that has a polling rule. Its ID is random.
    pub fn new(connections: Connections, store: SqlStore, dispatcher: Dispatcher) -> Self {
        let id = format!("worker-{:016x}", rand::random::<u64>());
        Worker {
            connections,
            store,
            dispatcher,
            status: StatusHandle::new(id.clone()),
            id,
            ttl: DEFAULT_LEASE_TTL,
            interval: DEFAULT_POLL_INTERVAL,
            heartbeat: None,
            steps: Vec::new(),
            configure: None,
            in_flight: Arc::new(tokio::sync::Semaphore::new(DEFAULT_MAX_CONCURRENT_POLLS)),
            max_concurrent_polls: DEFAULT_MAX_CONCURRENT_POLLS,
        }
    }

    /// Bounds the polls this worker runs at once (default
    /// [`DEFAULT_MAX_CONCURRENT_POLLS`], at least 1), whatever the number of accounts it
    /// holds: its connections, memory and handler load stay bounded, and a poll that waits for
    /// a slot still runs only while its lease is valid. A worker holding more accounts than
    /// its bound can serve per interval polls each of them less often; add workers (they
    /// share the accounts) rather than raising the bound past what the machine and its
    /// database pool sustain.
    pub fn max_concurrent_polls(mut self, max: usize) -> Self {
        let max = max.max(1);
        self.in_flight = Arc::new(tokio::sync::Semaphore::new(max));
        self.max_concurrent_polls = max;
        self
    }

    /// Names this worker (the `owner` of its leases); IDs must be unique in the fleet.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self.status = StatusHandle::new(self.id.clone());
        self
    }

    /// How long a lease lasts without renewal (default [`DEFAULT_LEASE_TTL`], at least
    /// 100 ms): a crashed worker's accounts are polled again within TTL + one heartbeat.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_millis(100));
        self
    }

    /// How often each account is polled (default [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How often leases are renewed and rebalanced (default: a third of the TTL, at most
    /// one poll interval; capped at a third of the TTL).
    pub fn heartbeat_every(mut self, every: Duration) -> Self {
        self.heartbeat = Some(every);
        self
    }

    /// Adjusts each account's [`Poller`] (overlap, page size, start time…) before it runs.
    pub fn configure_poller(
        mut self,
        configure: impl Fn(Poller) -> Poller + Send + Sync + 'static,
    ) -> Self {
        self.configure = Some(Arc::new(configure));
        self
    }

    /// Adds work to every heartbeat (e.g. a webhook inbox drain).
    pub fn step(mut self, step: impl WorkerStep + 'static) -> Self {
        self.steps.push(Arc::new(step));
        self
    }

    /// A live view of what this worker holds.
    pub fn status(&self) -> StatusHandle {
        self.status.clone()
    }

    fn heartbeat(&self) -> Duration {
        let cap = self.ttl / 3;
        self.heartbeat
            .unwrap_or_else(|| cap.min(self.interval))
            .min(cap)
            .max(Duration::from_millis(10))
    }

    /// How long before the stored expiry a holder stops polling: covers clock skew between
    /// workers and the time between reading the clock and the renewal's commit.
    fn margin(&self) -> Duration {
        self.ttl / 5
    }

    /// Runs until `shutdown` completes, then stops its pollers and releases its leases (so
    /// other workers take them at once). Database errors are logged and retried at the next
    /// heartbeat; meanwhile pollers stop when their leases run out. Returns the error of the
    /// final release, if any (the leases then expire after the TTL).
    pub async fn run<S>(self, shutdown: S) -> Result<(), StoreError>
    where
        S: Future<Output = ()>,
    {
        let leases = Leases::new(self.store.clone(), self.id.clone());
        let mut held: HashMap<String, HeldLease> = HashMap::new();
        let mut ticker = tokio::time::interval(self.heartbeat());
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        tracing::info!(worker = %self.id, ttl = ?self.ttl, interval = ?self.interval, "worker started");
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                _ = ticker.tick() => {}
            }
            let beat = tokio::select! {
                biased;
                () = &mut shutdown => break,
                beat = self.beat(&leases, &mut held) => beat,
            };
            if let Err(e) = beat {
                tracing::warn!(worker = %self.id, error = %e, "heartbeat failed");
            }
            for step in &self.steps {
                let report = step.tick().await;
                self.status
                    .set_inbox(report.inbox_depth, report.dead_letters);
            }
            self.status.advance_rate_window();
            let s = self.status.snapshot();
            tracing::info!(
                worker = %self.id,
                accounts = s.accounts.len(),
                live_workers = s.live_workers,
                polls_per_second = s.polls_per_second,
                poll_failures = s.poll_failures,
                inbox_depth = s.inbox_depth,
                dead_letters = s.dead_letters,
                "worker status"
            );
        }
        for (_, lease) in held.drain() {
            stop(lease).await;
        }
        self.status.set_held(Vec::new(), 0);
        let released = leases.release_all().await;
        tracing::info!(worker = %self.id, "worker stopped, leases released");
        released
    }

    /// One heartbeat: renew, rebalance, claim.
    async fn beat(
        &self,
        leases: &Leases,
        held: &mut HashMap<String, HeldLease>,
    ) -> Result<(), StoreError> {
        let ttl_ms = i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX);
        let sent = Instant::now();
        let now = now_ms();
        leases.heartbeat_worker(now, now + ttl_ms).await?;
        let renewed = leases.renew(now, now + ttl_ms).await?;
        let valid_until = sent + self.ttl - self.margin();
        let lost: Vec<String> = held
            .keys()
            .filter(|account| !renewed.contains(account))
            .cloned()
            .collect();
        for account in lost {
            tracing::warn!(worker = %self.id, account = %account, "lease lost");
            if let Some(mut lease) = held.remove(&account) {
                lease.task.abort();
                let _ = (&mut lease.task).await;
            }
        }
        for lease in held.values() {
            lease.valid_until.send_replace(valid_until);
        }

        leases.sync_accounts().await?;
        let (workers, total) = leases.census(now).await?;
        let share = usize::try_from(total.div_ceil(workers)).unwrap_or(usize::MAX);
        if held.len() > share {
            let mut mine: Vec<String> = held.keys().cloned().collect();
            mine.sort();
            for account in mine.split_off(share) {
                if let Some(lease) = held.remove(&account) {
                    stop(lease).await;
                }
                leases.release(&account).await?;
                tracing::debug!(worker = %self.id, account = %account, "lease released to rebalance");
            }
        } else if held.len() < share {
            let sent = Instant::now();
            let now = now_ms();
            let want = u64::try_from(share - held.len()).unwrap_or(0);
            let claimed = leases.claim(now, now + ttl_ms, want).await?;
            let valid_until = sent + self.ttl - self.margin();
            for account in claimed {
                match self.start(&account, valid_until).await {
                    Some(lease) => {
                        tracing::debug!(worker = %self.id, account = %account, "lease claimed");
                        held.insert(account, lease);
                    }
                    None => leases.release(&account).await?,
                }
            }
        }
        self.status
            .set_held(held.keys().cloned().collect(), workers);
        Ok(())
    }

    /// Starts polling `account`, or `None` (logged) when it has no usable client.
    async fn start(&self, account: &str, valid_until: Instant) -> Option<HeldLease> {
        let client = match self.connections.client(account).await {
            Ok(client) => client,
            Err(e) => {
                tracing::warn!(worker = %self.id, account = %account, error = %e, "cannot poll account");
                return None;
            }
        };
        let checkpoints = StoreCheckpoints::new(self.connections.store().clone());
        let mut poller = Poller::new(client, account, checkpoints, self.dispatcher.clone());
        for trigger in self.dispatcher.triggers() {
            if trigger.source().poll.is_some() {
                // Cannot fail: the trigger has a polling rule (checked just above).
                poller = poller.trigger(trigger).ok()?;
            }
        }
        if let Some(configure) = &self.configure {
            poller = configure(poller);
        }
        let (tx, rx) = watch::channel(valid_until);
        let (stopping, stop_rx) = watch::channel(false);
        let task = tokio::spawn(poll_while_leased(
            poller,
            self.interval,
            rx,
            stop_rx,
            self.status.clone(),
            Arc::clone(&self.in_flight),
        ));
        Some(HeldLease {
            task,
            valid_until: tx,
            stopping,
        })
    }
}

/// Stops a poller after its current poll and waits until it has (so a released lease is
/// never still being polled).
async fn stop(mut lease: HeldLease) {
    lease.stopping.send_replace(true);
    let _ = (&mut lease.task).await;
}

impl Drop for HeldLease {
    /// A worker whose `run` future is dropped (not shut down) must not leave pollers running
    /// on leases nobody renews.
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Polls every `interval`, but only while the lease is valid: a poll still running when the
/// lease runs out is cancelled, and polling resumes when a renewal moves the deadline.
async fn poll_while_leased(
    poller: Poller,
    interval: Duration,
    mut valid_until: watch::Receiver<Instant>,
    mut stopping: watch::Receiver<bool>,
    status: StatusHandle,
    in_flight: Arc<tokio::sync::Semaphore>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => return,
            _ = ticker.tick() => {}
        }
        let deadline = loop {
            let deadline = *valid_until.borrow_and_update();
            if Instant::now() < deadline {
                break deadline;
            }
            tokio::select! {
                biased;
                _ = stopping.wait_for(|stop| *stop) => return,
                changed = valid_until.changed() => if changed.is_err() { return },
            }
        };
        let poll = async {
            // The semaphore is never closed, so `acquire` cannot fail; if it ever did, the poll
            // would run unbounded rather than not at all.
            let _slot = in_flight.acquire().await.ok();
            poller.poll_once().await
        };
        let report = tokio::select! {
            report = poll => report,
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!(account = %poller.account(), "lease ran out mid-poll; poll cancelled");
                continue;
            }
        };
        status.count_poll(report.is_ok());
        for (trigger, e) in report.errors() {
            tracing::warn!(account = %poller.account(), trigger = trigger.name(), error = %e, "poll failed");
        }
    }
}
