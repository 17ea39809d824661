//! [`Verifier`]: signature tokens plus a replay window, a body limit and dedup.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::dedup::{self, lock, DedupKey, DedupMemory, Pending, SharedMemory};
use super::envelope::Envelope;
use super::error::WebhookError;
use super::signature::{signed_fields, SignedFields, SigningKey};
use super::{check_size, event_from_value, parse_json, EventKind};
use crate::{Secret, Timestamp};

/// The default body limit: 1 MiB (Lever's deliveries are a few hundred bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The default replay window: a [`Verifier`] refuses a delivery whose `triggeredAt` is more
/// than 72 hours old.
///
/// Lever retries a failed delivery "five times" with growing gaps (the schedule is not
/// documented); three days lets those retries through, and a manual "Rerun" from Lever's
/// delivery history after an outage over a weekend. Lever keeps that history for two weeks:
/// widen the window (or disable it) to accept older reruns.
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// The default tolerance for a `triggeredAt` ahead of the local clock: 5 minutes.
pub const DEFAULT_FUTURE_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Verifies webhook deliveries for one connected account, with options.
///
/// * one or more **signature tokens**: Lever shows one per event type in its settings, and a
///   webhook created through the API has its own; a delivery is accepted if it matches any;
/// * a **body limit** ([`DEFAULT_MAX_BODY_BYTES`] by default);
/// * a **replay window** ([`DEFAULT_REPLAY_WINDOW`] by default): a delivery whose
///   `triggeredAt` is older is refused ([`WebhookError::Stale`]), and so is one more than
///   [`DEFAULT_FUTURE_TOLERANCE`] ahead of the local clock ([`WebhookError::FromTheFuture`]).
///   Disable it with `.replay_window(None)`;
/// * optional **deduplication**, remembering the last `n` handled deliveries in memory by
///   their [`DedupKey`]: what Lever signs (`token` followed by `triggeredAt`), so moving digits
///   between the two fields does not make a captured delivery new. A repeat of a handled
///   delivery is refused with [`WebhookError::Duplicate`], a repeat of one still being handled
///   (see [`Verifier::begin`]) with [`WebhookError::InFlight`].
///
/// **Lever signs only `token` and `triggeredAt`**: `event`, `data` and `id` are not signed, so
/// whoever holds one genuine delivery can attach any `event`/`data` to its signature. The
/// replay window and dedup limit how a signature can be reused, not what it comes with: treat
/// `data` as a hint, and re-read the object it names through the API (e.g.
/// `client.opportunities().get(id)`) before acting on it.
///
/// Cloning is cheap; clones share the dedup memory. `Debug` never shows the tokens.
///
/// ```
/// use lever_client::webhooks::{signed_delivery, Verifier, WebhookError};
///
/// let verifier = Verifier::new("signature-token").dedup(10_000);
/// let body = signed_delivery("signature-token", "candidateHired", serde_json::json!({}));
/// let (event, pending) = verifier.begin(&body).unwrap();
/// assert_eq!(event.name(), "candidateHired");
/// // While it is being handled, a retry must come back later...
/// assert_eq!(verifier.begin(&body).unwrap_err(), WebhookError::InFlight);
/// pending.complete();
/// // ...and once handled, it is a duplicate.
/// assert_eq!(verifier.verify_and_parse(&body), Err(WebhookError::Duplicate));
/// ```
///
/// `E` is the typed event: lever-client's `Verifier` is this type with its `WebhookEvent`.
#[derive(Clone)]
pub struct Verifier<E> {
    /// The signature tokens, keyed for HMAC once.
    keys: Vec<SigningKey>,
    replay_window: Option<Duration>,
    future_tolerance: Duration,
    max_body_bytes: usize,
    dedup: Option<SharedMemory>,
    /// `fn() -> E`: the verifier makes events, it holds none (so it is `Send + Sync` whatever
    /// `E` is).
    event: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for Verifier<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("tokens", &self.keys.len())
            .field("replay_window", &self.replay_window)
            .field("future_tolerance", &self.future_tolerance)
            .field("max_body_bytes", &self.max_body_bytes)
            .field(
                "dedup_capacity",
                &self.dedup.as_ref().map(|d| lock(d).capacity()),
            )
            .finish()
    }
}

impl<E> Verifier<E> {
    /// A verifier with one signature token and the default options (1 MiB body limit,
    /// [`DEFAULT_REPLAY_WINDOW`], no dedup).
    pub fn new(signature_token: impl Into<Secret>) -> Self {
        Verifier::with_tokens([signature_token])
    }

    /// A verifier that accepts deliveries signed with any of `signature_tokens`.
    pub fn with_tokens<T: Into<Secret>>(signature_tokens: impl IntoIterator<Item = T>) -> Self {
        Verifier {
            keys: signature_tokens
                .into_iter()
                .map(|token| SigningKey::new(token.into().expose()))
                .collect(),
            replay_window: Some(DEFAULT_REPLAY_WINDOW),
            future_tolerance: DEFAULT_FUTURE_TOLERANCE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            dedup: None,
            event: PhantomData,
        }
    }

    /// Adds another accepted signature token.
    pub fn add_token(mut self, signature_token: impl Into<Secret>) -> Self {
        self.keys
            .push(SigningKey::new(signature_token.into().expose()));
        self
    }

    /// Refuses deliveries whose `triggeredAt` is older than `window`, or more than the future
    /// tolerance ahead of the local clock (default [`DEFAULT_REPLAY_WINDOW`]). `None` accepts
    /// any `triggeredAt`: then only dedup (within its capacity) stops a captured delivery
    /// from being replayed.
    pub fn replay_window(mut self, window: Option<Duration>) -> Self {
        self.replay_window = window;
        self
    }

    /// The same as `.replay_window(Some(max_age))`.
    pub fn max_age(self, max_age: Duration) -> Self {
        self.replay_window(Some(max_age))
    }

    /// How far ahead of the local clock `triggeredAt` may be while a replay window is set
    /// (default [`DEFAULT_FUTURE_TOLERANCE`]).
    pub fn future_tolerance(mut self, tolerance: Duration) -> Self {
        self.future_tolerance = tolerance;
        self
    }

    /// The largest body accepted, in bytes (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The configured body limit, in bytes.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Refuses repeated deliveries, remembering the [`DedupKey`] of the last `capacity`
    /// handled deliveries (at least one) and of every delivery being handled. The memory is
    /// per process; clones share it.
    pub fn dedup(mut self, capacity: usize) -> Self {
        self.dedup = Some(Arc::new(Mutex::new(DedupMemory::new(capacity.max(1)))));
        self
    }

    /// Checks the body size, the envelope, the signature, the replay window and (with dedup)
    /// that the delivery is new, then records it as **handled**.
    ///
    /// `data` is not decoded; use [`Verifier::verify_and_parse`] for a typed event, and
    /// [`Verifier::begin`] to acknowledge only once the delivery is handled.
    pub fn verify(&self, body: &[u8]) -> Result<(), WebhookError> {
        let key = self.verified_key(body)?;
        self.accept(key)
    }

    /// Like [`Verifier::verify`], then decodes the typed event (the JSON is parsed once). The
    /// delivery is recorded as handled (with dedup) only once the event decoded.
    ///
    /// If handling it then fails, call [`Verifier::forget`] so that Lever's retry is
    /// accepted; until then, a retry is refused as a duplicate, even one arriving while you
    /// are still handling the first attempt. [`Verifier::begin`] avoids both pitfalls.
    pub fn verify_and_parse(&self, body: &[u8]) -> Result<E, WebhookError>
    where
        E: EventKind,
    {
        // Without dedup the key is not needed: hashing it would cost about a tenth of the call.
        let (event, key) = self.verified_event(body, |fields| {
            self.dedup.is_some().then(|| DedupKey::of(fields))
        })?;
        if let Some(key) = key {
            self.accept(key)?;
        }
        Ok(event)
    }

    /// Like [`Verifier::verify_and_parse`], but the delivery is recorded as **being handled**
    /// until the returned [`Pending`] is completed: answer Lever with 2xx only after
    /// [`Pending::complete`].
    ///
    /// With dedup, a copy arriving meanwhile gets [`WebhookError::InFlight`] (a retryable
    /// status), a copy arriving after `complete` gets [`WebhookError::Duplicate`] (2xx), and if
    /// the `Pending` is dropped without `complete` the delivery is forgotten, so Lever's retry
    /// is handled again.
    pub fn begin(&self, body: &[u8]) -> Result<(E, Pending), WebhookError>
    where
        E: EventKind,
    {
        let (event, key) = self.verified_event(body, DedupKey::of)?;
        let pending = dedup::claim(self.dedup.as_ref(), key)?;
        Ok((event, pending))
    }

    /// Forgets a handled delivery, so that a retry of it is accepted again. Call it when
    /// handling a delivery accepted by [`Verifier::verify`] or [`Verifier::verify_and_parse`]
    /// failed. Deliveries being handled through [`Verifier::begin`] are not affected.
    pub fn forget(&self, key: &DedupKey) {
        if let Some(dedup) = &self.dedup {
            lock(dedup).forget(key);
        }
    }

    /// Size, envelope, signature and replay window; returns the delivery's key.
    fn verified_key(&self, body: &[u8]) -> Result<DedupKey, WebhookError> {
        check_size(body, self.max_body_bytes)?;
        // The one-pass read covers well-formed deliveries; anything else takes the `Value`
        // path, which gives the precise error.
        let envelope = Envelope::read(body);
        let checked = envelope.as_ref().filter(|e| e.check_data().is_some());
        if let Some(fields) = checked.and_then(Envelope::signed) {
            self.check_fields(&fields)?;
            return Ok(DedupKey::of(&fields));
        }
        let value = parse_json(body)?;
        let fields = signed_fields(&value)?;
        self.check_fields(&fields)?;
        Ok(DedupKey::of(&fields))
    }

    /// Size, envelope, signature and replay window, then the typed event and what `key` makes
    /// of its signed fields.
    fn verified_event<K>(
        &self,
        body: &[u8],
        key: impl Fn(&SignedFields<'_>) -> K,
    ) -> Result<(E, K), WebhookError>
    where
        E: EventKind,
    {
        check_size(body, self.max_body_bytes)?;
        // One pass over the bytes, straight into the typed event; anything out of the ordinary
        // (errors, unknown events) takes the `Value` path below, which starts over and gives
        // the precise error (`data` is not checked yet here).
        if let Some(envelope) = Envelope::read(body) {
            if let Some(fields) = envelope.signed() {
                if self.check_fields(&fields).is_ok() {
                    let key = key(&fields);
                    if let Some(event) = envelope.into_event() {
                        return Ok((event, key));
                    }
                }
            }
        }
        let value = parse_json(body)?;
        let fields = signed_fields(&value)?;
        self.check_fields(&fields)?;
        let key = key(&fields);
        Ok((event_from_value(value)?, key))
    }

    /// Signature (against every token) and replay window of the signed fields.
    fn check_fields(&self, fields: &SignedFields<'_>) -> Result<(), WebhookError> {
        if self.keys.is_empty() {
            return Err(WebhookError::NoSignatureToken);
        }
        // Every token is tried (no early exit), so timing does not tell which one matched.
        let matched = self.keys.iter().fold(false, |found, key| {
            key.matches(fields.token, fields.triggered_at, &fields.signature) | found
        });
        if !matched {
            return Err(WebhookError::SignatureMismatch);
        }
        if let Some(window) = self.replay_window {
            check_age(
                fields.triggered_at,
                Timestamp::now().as_millis(),
                window,
                self.future_tolerance,
            )?;
        }
        Ok(())
    }

    /// Records a delivery as handled, unless it is known already.
    fn accept(&self, key: DedupKey) -> Result<(), WebhookError> {
        match &self.dedup {
            Some(dedup) => lock(dedup).accept(key),
            None => Ok(()),
        }
    }
}

/// Refuses a `triggered_at` (ms) more than `max_age` before `now` (ms) or more than
/// `tolerance` after it.
fn check_age(
    triggered_at: i64,
    now: i64,
    max_age: Duration,
    tolerance: Duration,
) -> Result<(), WebhookError> {
    let diff = i128::from(now) - i128::from(triggered_at);
    let magnitude = Duration::from_millis(u64::try_from(diff.unsigned_abs()).unwrap_or(u64::MAX));
    if diff > 0 && magnitude > max_age {
        Err(WebhookError::Stale { age: magnitude })
    } else if diff < 0 && magnitude > tolerance {
        Err(WebhookError::FromTheFuture { ahead: magnitude })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        let hour = Duration::from_secs(3600);
        let min = Duration::from_secs(60);
        assert!(check_age(1_000, 1_000, hour, min).is_ok());
        assert!(check_age(1_000, 1_000 + 3_600_000, hour, min).is_ok());
        assert_eq!(
            check_age(1_000, 1_001 + 3_600_000, hour, min),
            Err(WebhookError::Stale {
                age: Duration::from_millis(3_600_001)
            })
        );
        assert!(check_age(61_000, 1_000, hour, min).is_ok());
        assert!(matches!(
            check_age(61_001, 1_000, hour, min),
            Err(WebhookError::FromTheFuture { .. })
        ));
        assert!(check_age(i64::MIN, i64::MAX, hour, min).is_err());
        assert!(check_age(i64::MAX, i64::MIN, hour, min).is_err());
    }

    #[test]
    fn debug_hides_tokens() {
        let v = Verifier::<()>::new("super-secret-key").dedup(3);
        let s = format!("{v:?}");
        assert!(!s.contains("super-secret-key"), "{s}");
    }
}
