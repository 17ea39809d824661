//! [`Dispatcher`]: async handlers registered per trigger.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::future::{join_all, BoxFuture};
use futures::FutureExt as _;

use super::TriggerEvent;
use crate::registry::{EventKind, TriggerKind};

/// The error a handler returns: any error type boxes into it (`?` works on most errors).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

type Handler<E> =
    Arc<dyn Fn(TriggerEvent<E>) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;

/// Routes [`TriggerEvent`]s to the async handlers registered for their trigger.
///
/// `E` is the typed webhook event, whose triggers the handlers are registered for
/// (lever-client's `Dispatcher` is this type with its `WebhookEvent`).
///
/// Cloning is cheap (handlers are shared). Registering on a clone does not change the
/// original: register everything first, then hand clones to the webhook route and pollers.
///
/// ```
/// use lever_client::triggers::{Dispatcher, HandlerError, Trigger};
///
/// let mut dispatcher = Dispatcher::new();
/// dispatcher.on(Trigger::CandidateCreated, |event| async move {
///     println!("{} for {}", event.trigger.title(), event.account);
///     Ok::<(), HandlerError>(())
/// });
/// assert_eq!(dispatcher.handler_count(Trigger::CandidateCreated), 1);
/// ```
#[derive(Clone)]
pub struct Dispatcher<E: EventKind> {
    handlers: Arc<HashMap<E::Trigger, Vec<Handler<E>>>>,
}

// Derived, `Default` would require `E: Default`, which no event type is.
impl<E: EventKind> Default for Dispatcher<E> {
    fn default() -> Self {
        Dispatcher {
            handlers: Arc::default(),
        }
    }
}

impl<E: EventKind> fmt::Debug for Dispatcher<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut counts: Vec<(&str, usize)> = self
            .handlers
            .iter()
            .map(|(t, hs)| (t.name(), hs.len()))
            .collect();
        counts.sort_unstable();
        f.debug_struct("Dispatcher")
            .field("handlers", &counts)
            .finish()
    }
}

impl<E: EventKind> Dispatcher<E> {
    /// A dispatcher without handlers.
    pub fn new() -> Self {
        Dispatcher::default()
    }

    /// Registers an async handler for `trigger`. Several handlers may be registered for one
    /// trigger; all of them run for each event.
    ///
    /// Handlers must be idempotent: deliveries are at least once (see
    /// [`TriggerEvent::dedup_key`]). A handler that returns an error or panics counts as
    /// failed: the webhook route answers 500 so Lever retries, and a poller does not advance
    /// its checkpoint past the item.
    pub fn on<F, Fut, Err>(&mut self, trigger: E::Trigger, handler: F) -> &mut Self
    where
        F: Fn(TriggerEvent<E>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Err>> + Send + 'static,
        Err: Into<HandlerError> + 'static,
    {
        let handler: Handler<E> = Arc::new(move |event| {
            let fut = handler(event);
            Box::pin(async move { fut.await.map_err(Into::into) })
        });
        Arc::make_mut(&mut self.handlers)
            .entry(trigger)
            .or_default()
            .push(handler);
        self
    }

    /// How many handlers are registered for `trigger`.
    pub fn handler_count(&self, trigger: E::Trigger) -> usize {
        self.handlers.get(&trigger).map_or(0, Vec::len)
    }

    /// The triggers that have at least one handler.
    pub fn triggers(&self) -> Vec<E::Trigger> {
        let mut triggers: Vec<E::Trigger> = self.handlers.keys().copied().collect();
        triggers.sort_unstable();
        triggers
    }

    /// Runs every handler registered for `event.trigger`, concurrently, and waits for all.
    ///
    /// `Ok` when all succeeded (or none is registered); otherwise
    /// [`DispatchError::HandlersFailed`] with each failure.
    pub async fn dispatch(
        &self,
        event: TriggerEvent<E>,
    ) -> Result<DispatchOutcome<E::Trigger>, DispatchError<E::Trigger>> {
        let trigger = event.trigger;
        let (fut, handlers_run) = self.start(event);
        let outcome = DispatchOutcome {
            triggers: vec![trigger],
            handlers_run,
        };
        finish(outcome, fut.await)
    }

    /// Maps a webhook delivery to its triggers ([`EventKind::triggers`]) and runs every
    /// handler registered for any of them, concurrently.
    ///
    /// `Ok` when all handlers succeeded (an event that fires no trigger, or whose triggers
    /// have no handler, is a success); otherwise [`DispatchError::HandlersFailed`]. Answer
    /// Lever with a non-2xx in that case so it retries.
    pub async fn dispatch_webhook(
        &self,
        account: &str,
        event: E,
    ) -> Result<DispatchOutcome<E::Trigger>, DispatchError<E::Trigger>> {
        let triggers = event.triggers();
        let mut outcome = DispatchOutcome {
            triggers: triggers.to_vec(),
            handlers_run: 0,
        };
        let started: Vec<_> = triggers
            .iter()
            .map(|&trigger| self.start(TriggerEvent::from_webhook(trigger, account, event.clone())))
            .collect();
        outcome.handlers_run = started.iter().map(|(_, n)| n).sum();
        let failures = join_all(started.into_iter().map(|(fut, _)| fut))
            .await
            .into_iter()
            .flatten()
            .collect();
        finish(outcome, failures)
    }

    /// Starts every handler for the event; returns a future of the failures and the number
    /// of handlers.
    #[allow(clippy::type_complexity)]
    fn start(
        &self,
        event: TriggerEvent<E>,
    ) -> (BoxFuture<'static, Vec<HandlerFailure<E::Trigger>>>, usize) {
        let handlers: Vec<Handler<E>> = self
            .handlers
            .get(&event.trigger)
            .cloned()
            .unwrap_or_default();
        let n = handlers.len();
        let fut = async move {
            let trigger = event.trigger;
            let dedup_key = event.dedup_key.clone();
            let results = join_all(handlers.iter().enumerate().map(|(index, handler)| {
                // A handler may panic while creating its future or while running it.
                let call = std::panic::catch_unwind(AssertUnwindSafe(|| handler(event.clone())));
                async move {
                    let result = match call {
                        Ok(fut) => AssertUnwindSafe(fut).catch_unwind().await,
                        Err(panic) => Err(panic),
                    };
                    (index, result)
                }
            }))
            .await;
            let mut failures = Vec::new();
            for (index, result) in results {
                let message = match result {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => e.to_string(),
                    Err(panic) => format!("the handler panicked: {}", panic_message(&*panic)),
                };
                tracing::warn!(
                    trigger = trigger.name(),
                    dedup_key = %dedup_key,
                    handler = index,
                    error = %message,
                    "trigger handler failed"
                );
                failures.push(HandlerFailure {
                    trigger,
                    dedup_key: dedup_key.clone(),
                    handler: index,
                    message,
                });
            }
            failures
        };
        (Box::pin(fut), n)
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(non-string panic payload)"
    }
}

fn finish<T: TriggerKind>(
    outcome: DispatchOutcome<T>,
    failures: Vec<HandlerFailure<T>>,
) -> Result<DispatchOutcome<T>, DispatchError<T>> {
    if failures.is_empty() {
        Ok(outcome)
    } else {
        Err(DispatchError::HandlersFailed {
            succeeded: outcome.handlers_run.saturating_sub(failures.len()),
            failures,
        })
    }
}

/// What a successful dispatch did, with triggers of type `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchOutcome<T> {
    /// The triggers the event fired (empty for a webhook event that fires none).
    pub triggers: Vec<T>,
    /// How many handlers ran (all succeeded).
    pub handlers_run: usize,
}

/// One handler that failed, with triggers of type `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerFailure<T> {
    /// The trigger being handled.
    pub trigger: T,
    /// The event's dedup key.
    pub dedup_key: String,
    /// The handler's position among those registered for the trigger.
    pub handler: usize,
    /// The handler's error (or panic) message.
    pub message: String,
}

/// A dispatch in which at least one handler failed, with triggers of type `T`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError<T: TriggerKind> {
    /// One or more handlers returned an error or panicked; the others ran to completion.
    #[error("{} trigger handler(s) failed (first: {} for {}: {})", .failures.len(),
        .failures.first().map_or("", |f| f.trigger.name()),
        .failures.first().map_or("", |f| f.dedup_key.as_str()),
        .failures.first().map_or("", |f| f.message.as_str()))]
    HandlersFailed {
        /// How many handlers succeeded.
        succeeded: usize,
        /// The failures (never empty).
        failures: Vec<HandlerFailure<T>>,
    },
}
