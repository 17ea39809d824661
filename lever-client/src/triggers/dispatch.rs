//! [`Dispatcher`]: async handlers registered per [`Trigger`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::future::{join_all, BoxFuture};
use futures::FutureExt as _;

use super::{Trigger, TriggerEvent};
use crate::webhooks::WebhookEvent;

/// The error a handler returns: any error type boxes into it (`?` works on most errors).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;

type Handler =
    Arc<dyn Fn(TriggerEvent) -> BoxFuture<'static, Result<(), HandlerError>> + Send + Sync>;

/// Routes [`TriggerEvent`]s to the async handlers registered for their [`Trigger`].
///
/// Cloning is cheap (handlers are shared). Registering on a clone does not change the
/// original: register everything first, then hand clones to the webhook route and pollers.
///
/// ```
/// # #[cfg(not(feature = "full"))] fn main() {} // the example names triggers of `full`
/// # #[cfg(feature = "full")] fn main() {
/// use lever_client::triggers::{Dispatcher, HandlerError, Trigger};
///
/// let mut dispatcher = Dispatcher::new();
/// dispatcher.on(Trigger::CandidateCreated, |event| async move {
///     println!("{} for {}", event.trigger.title(), event.account);
///     Ok::<(), HandlerError>(())
/// });
/// assert_eq!(dispatcher.handler_count(Trigger::CandidateCreated), 1);
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Dispatcher {
    handlers: Arc<HashMap<Trigger, Vec<Handler>>>,
}

impl fmt::Debug for Dispatcher {
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

impl Dispatcher {
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
    pub fn on<F, Fut, E>(&mut self, trigger: Trigger, handler: F) -> &mut Self
    where
        F: Fn(TriggerEvent) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<HandlerError> + 'static,
    {
        let handler: Handler = Arc::new(move |event| {
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
    pub fn handler_count(&self, trigger: Trigger) -> usize {
        self.handlers.get(&trigger).map_or(0, Vec::len)
    }

    /// The triggers that have at least one handler.
    pub fn triggers(&self) -> Vec<Trigger> {
        let mut triggers: Vec<Trigger> = self.handlers.keys().copied().collect();
        triggers.sort_unstable();
        triggers
    }

    /// Runs every handler registered for `event.trigger`, concurrently, and waits for all.
    ///
    /// `Ok` when all succeeded (or none is registered); otherwise
    /// [`DispatchError::HandlersFailed`] with each failure.
    pub async fn dispatch(&self, event: TriggerEvent) -> Result<DispatchOutcome, DispatchError> {
        let trigger = event.trigger;
        let (fut, handlers_run) = self.start(event);
        let outcome = DispatchOutcome {
            triggers: vec![trigger],
            handlers_run,
        };
        finish(outcome, fut.await)
    }

    /// Maps a webhook delivery to its triggers ([`WebhookEvent::triggers`]) and runs every
    /// handler registered for any of them, concurrently.
    ///
    /// `Ok` when all handlers succeeded (an event that fires no trigger, or whose triggers
    /// have no handler, is a success); otherwise [`DispatchError::HandlersFailed`]. Answer
    /// Lever with a non-2xx in that case so it retries.
    pub async fn dispatch_webhook(
        &self,
        account: &str,
        event: WebhookEvent,
    ) -> Result<DispatchOutcome, DispatchError> {
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
    fn start(&self, event: TriggerEvent) -> (BoxFuture<'static, Vec<HandlerFailure>>, usize) {
        let handlers: Vec<Handler> = self
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

fn finish(
    outcome: DispatchOutcome,
    failures: Vec<HandlerFailure>,
) -> Result<DispatchOutcome, DispatchError> {
    if failures.is_empty() {
        Ok(outcome)
    } else {
        Err(DispatchError::HandlersFailed {
            succeeded: outcome.handlers_run.saturating_sub(failures.len()),
            failures,
        })
    }
}

/// What a successful dispatch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchOutcome {
    /// The triggers the event fired (empty for a webhook event that fires none).
    pub triggers: Vec<Trigger>,
    /// How many handlers ran (all succeeded).
    pub handlers_run: usize,
}

/// One handler that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerFailure {
    /// The trigger being handled.
    pub trigger: Trigger,
    /// The event's dedup key.
    pub dedup_key: String,
    /// The handler's position among those registered for the trigger.
    pub handler: usize,
    /// The handler's error (or panic) message.
    pub message: String,
}

/// A dispatch in which at least one handler failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// One or more handlers returned an error or panicked; the others ran to completion.
    #[error("{} trigger handler(s) failed (first: {} for {}: {})", .failures.len(),
        .failures.first().map_or("", |f| f.trigger.name()),
        .failures.first().map_or("", |f| f.dedup_key.as_str()),
        .failures.first().map_or("", |f| f.message.as_str()))]
    HandlersFailed {
        /// How many handlers succeeded.
        succeeded: usize,
        /// The failures (never empty).
        failures: Vec<HandlerFailure>,
    },
}
