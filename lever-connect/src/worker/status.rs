//! What a worker holds, for [`Worker::status`](super::Worker::status) and its `tracing`
//! summary.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// A snapshot of one worker, from [`StatusHandle::snapshot`].
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerStatus {
    /// This worker's ID (the `owner` of its leases).
    pub worker_id: String,
    /// The accounts it holds leases for, sorted.
    pub accounts: Vec<String>,
    /// The live workers it counted at its last heartbeat (itself included).
    pub live_workers: u64,
    /// Polls (of all of an account's triggers) finished since it started.
    pub polls: u64,
    /// Of those, polls that reported an error.
    pub poll_failures: u64,
    /// Polls per second over the last 5–10 s (since the start, at first).
    pub polls_per_second: f64,
    /// Deliveries waiting in the webhook inbox, when a [`WorkerStep`](super::WorkerStep)
    /// reports it.
    pub inbox_depth: Option<u64>,
    /// Dead-lettered deliveries, when a [`WorkerStep`](super::WorkerStep) reports it.
    pub dead_letters: Option<u64>,
}

/// A live view of a worker, cheap to clone; valid before, during and after
/// [`Worker::run`](super::Worker::run).
#[derive(Debug, Clone)]
pub struct StatusHandle {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    worker_id: String,
    polls: AtomicU64,
    poll_failures: AtomicU64,
    held: Mutex<Held>,
}

#[derive(Debug)]
struct Held {
    accounts: Vec<String>,
    live_workers: u64,
    inbox_depth: Option<u64>,
    dead_letters: Option<u64>,
    /// Two marks of (time, polls): the rate runs from the older one to now. The heartbeat
    /// moves them every [`RATE_WINDOW`], so reading a snapshot changes nothing and any number
    /// of observers see the same rate.
    rate_marks: [(Instant, u64); 2],
}

/// How often the heartbeat moves the rate's marks.
const RATE_WINDOW: std::time::Duration = std::time::Duration::from_secs(5);

impl StatusHandle {
    pub(crate) fn new(worker_id: String) -> Self {
        StatusHandle {
            inner: Arc::new(Shared {
                worker_id,
                polls: AtomicU64::new(0),
                poll_failures: AtomicU64::new(0),
                held: Mutex::new(Held {
                    accounts: Vec::new(),
                    live_workers: 1,
                    inbox_depth: None,
                    dead_letters: None,
                    rate_marks: [(Instant::now(), 0); 2],
                }),
            }),
        }
    }

    /// What the worker holds now.
    pub fn snapshot(&self) -> WorkerStatus {
        let polls = self.inner.polls.load(Ordering::Relaxed);
        let held = self.held();
        let (since, polls_then) = held.rate_marks[0];
        let secs = since.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            (polls.saturating_sub(polls_then)) as f64 / secs
        } else {
            0.0
        };
        WorkerStatus {
            worker_id: self.inner.worker_id.clone(),
            accounts: held.accounts.clone(),
            live_workers: held.live_workers,
            polls,
            poll_failures: self.inner.poll_failures.load(Ordering::Relaxed),
            polls_per_second: rate,
            inbox_depth: held.inbox_depth,
            dead_letters: held.dead_letters,
        }
    }

    /// Called on each heartbeat: once the newer mark is a window old, it becomes the older.
    pub(crate) fn advance_rate_window(&self) {
        let polls = self.inner.polls.load(Ordering::Relaxed);
        let mut held = self.held();
        if held.rate_marks[1].0.elapsed() >= RATE_WINDOW {
            held.rate_marks = [held.rate_marks[1], (Instant::now(), polls)];
        }
    }

    pub(crate) fn count_poll(&self, ok: bool) {
        self.inner.polls.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.inner.poll_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn set_held(&self, mut accounts: Vec<String>, live_workers: u64) {
        accounts.sort();
        let mut held = self.held();
        held.accounts = accounts;
        held.live_workers = live_workers;
    }

    pub(crate) fn set_inbox(&self, depth: Option<u64>, dead: Option<u64>) {
        let mut held = self.held();
        held.inbox_depth = depth;
        held.dead_letters = dead;
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        // The guarded data is plain counters: a panic elsewhere cannot leave it inconsistent.
        self.inner
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_a_snapshot_does_not_reset_the_rate() {
        let status = StatusHandle::new("w".into());
        for _ in 0..10 {
            status.count_poll(true);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
        let first = status.snapshot();
        let second = status.snapshot();
        assert_eq!(first.polls, 10);
        assert!(first.polls_per_second > 0.0);
        // A second observer sees the same window, not an empty one.
        assert!(second.polls_per_second > 0.0);
        assert!(second.polls_per_second <= first.polls_per_second);
    }

    #[test]
    fn the_window_moves_only_after_it_is_full() {
        let status = StatusHandle::new("w".into());
        status.count_poll(true);
        status.advance_rate_window();
        // Not a window old yet: the rate still counts from the start.
        assert_eq!(status.held().rate_marks[0].1, 0);
        assert_eq!(status.held().rate_marks[1].1, 0);
    }
}
