//! [`Verifier`]: signature tokens plus replay protection, body limits and dedup.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;

use super::envelope::Envelope;
use super::error::WebhookError;
use super::signature::{signed_fields, SignedFields, SigningKey};
use super::{event_from_value, parse_json, WebhookEvent};
use crate::{Secret, Timestamp};

/// The default body limit: 1 MiB (Lever's deliveries are a few hundred bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The default tolerance for a `triggeredAt` ahead of the local clock, when a maximum age is
/// set: 5 minutes.
pub const DEFAULT_FUTURE_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Verifies webhook deliveries for one connected account, with options.
///
/// * one or more **signature tokens**: Lever shows one per event type in its settings, and a
///   webhook created through the API has its own; a delivery is accepted if it matches any;
/// * a **body limit** ([`DEFAULT_MAX_BODY_BYTES`] by default);
/// * an optional **maximum age** of `triggeredAt`, which also refuses deliveries more than
///   [`DEFAULT_FUTURE_TOLERANCE`] ahead of the local clock. Lever retries a failed delivery
///   for a while with growing gaps, so keep it generous (hours, not seconds) if you want
///   retries to get through;
/// * optional **deduplication** by the delivery's `token`, remembering the last `n` tokens in
///   memory. A repeat is refused with [`WebhookError::Duplicate`].
///
/// Cloning is cheap; clones share the dedup memory. `Debug` never shows the tokens.
///
/// ```
/// use std::time::Duration;
/// use lever_client::webhooks::{signed_delivery, Verifier, WebhookError};
///
/// let verifier = Verifier::new("signature-token")
///     .max_age(Duration::from_secs(24 * 3600))
///     .dedup(10_000);
/// let body = signed_delivery("signature-token", "candidateHired", serde_json::json!({}));
/// let event = verifier.verify_and_parse(&body).unwrap();
/// assert_eq!(event.name(), "candidateHired");
/// assert_eq!(verifier.verify_and_parse(&body), Err(WebhookError::Duplicate));
/// ```
#[derive(Clone)]
pub struct Verifier {
    /// The signature tokens, keyed for HMAC once.
    keys: Vec<SigningKey>,
    max_age: Option<Duration>,
    future_tolerance: Duration,
    max_body_bytes: usize,
    dedup: Option<Arc<Mutex<SeenTokens>>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("tokens", &self.keys.len())
            .field("max_age", &self.max_age)
            .field("future_tolerance", &self.future_tolerance)
            .field("max_body_bytes", &self.max_body_bytes)
            .field(
                "dedup_capacity",
                &self.dedup.as_ref().map(|d| lock(d).capacity),
            )
            .finish()
    }
}

impl Verifier {
    /// A verifier with one signature token and the default options (1 MiB body limit, no
    /// maximum age, no dedup).
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
            max_age: None,
            future_tolerance: DEFAULT_FUTURE_TOLERANCE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            dedup: None,
        }
    }

    /// Adds another accepted signature token.
    pub fn add_token(mut self, signature_token: impl Into<Secret>) -> Self {
        self.keys
            .push(SigningKey::new(signature_token.into().expose()));
        self
    }

    /// Refuses deliveries whose `triggeredAt` is older than `max_age`, or more than the future
    /// tolerance ahead of the local clock.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// How far ahead of the local clock `triggeredAt` may be when a maximum age is set
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

    /// Refuses repeated deliveries, remembering the `token` of the last `capacity` accepted
    /// deliveries (at least one). The memory is per process; clones share it.
    pub fn dedup(mut self, capacity: usize) -> Self {
        self.dedup = Some(Arc::new(Mutex::new(SeenTokens::new(capacity.max(1)))));
        self
    }

    /// Checks the body size, the envelope, the signature, the age and (with dedup) that the
    /// token is new, then records the token as seen.
    ///
    /// `data` is not decoded; use [`Verifier::verify_and_parse`] for a typed event.
    pub fn verify(&self, body: &[u8]) -> Result<(), WebhookError> {
        self.check_size(body)?;
        // The one-pass read covers well-formed deliveries; anything else takes the `Value`
        // path, which gives the precise error.
        let envelope = Envelope::read(body);
        let checked = envelope.as_ref().filter(|e| e.check_data().is_some());
        if let Some(fields) = checked.and_then(Envelope::signed) {
            self.check_fields(&fields)?;
            self.check_new(fields.token)?;
            return self.remember(fields.token);
        }
        let value = self.check(body)?;
        self.record(&value)
    }

    /// Like [`Verifier::verify`], then decodes the typed event (the JSON is parsed once). The
    /// token is recorded as seen only once the event decoded.
    pub fn verify_and_parse(&self, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        self.check_size(body)?;
        // One pass over the bytes, straight into the typed event; anything out of the ordinary
        // (errors, unknown events) takes the `Value` path below, which starts over.
        // Errors are answered by the `Value` path too: `data` is not checked yet here.
        if let Some(envelope) = Envelope::read(body) {
            if let Some(fields) = envelope.signed() {
                if self.check_fields(&fields).is_ok() && self.check_new(fields.token).is_ok() {
                    // Dedup records the token only once the event decoded.
                    if let Some(event) = envelope.into_event() {
                        self.remember(event.token())?;
                        return Ok(event);
                    }
                }
            }
        }
        let value = self.check(body)?;
        let token = signed_fields(&value)?.token.to_owned();
        self.check_new(&token)?;
        let event = event_from_value(value)?;
        self.remember(&token)?;
        Ok(event)
    }

    /// Forgets a delivery token recorded by dedup, so a retry of that delivery is accepted
    /// again. Call it when handling an accepted delivery failed and Lever should retry.
    pub fn forget(&self, token: &str) {
        if let Some(dedup) = &self.dedup {
            lock(dedup).remove(token);
        }
    }

    /// Size, JSON, envelope, signature and age; returns the parsed body.
    fn check(&self, body: &[u8]) -> Result<Value, WebhookError> {
        self.check_size(body)?;
        let value = parse_json(body)?;
        self.check_fields(&signed_fields(&value)?)?;
        Ok(value)
    }

    /// Refuses a body over the limit.
    fn check_size(&self, body: &[u8]) -> Result<(), WebhookError> {
        if body.len() > self.max_body_bytes {
            Err(WebhookError::BodyTooLarge {
                limit: self.max_body_bytes,
            })
        } else {
            Ok(())
        }
    }

    /// Signature (against every token) and age of the signed fields.
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
        if let Some(max_age) = self.max_age {
            check_age(
                fields.triggered_at,
                Timestamp::now().as_millis(),
                max_age,
                self.future_tolerance,
            )?;
        }
        Ok(())
    }

    fn record(&self, value: &Value) -> Result<(), WebhookError> {
        let token = signed_fields(value)?.token;
        self.check_new(token)?;
        self.remember(token)
    }

    fn check_new(&self, token: &str) -> Result<(), WebhookError> {
        match &self.dedup {
            Some(dedup) if lock(dedup).contains(token) => Err(WebhookError::Duplicate),
            _ => Ok(()),
        }
    }

    /// Records a token; fails if another request recorded it in the meantime.
    fn remember(&self, token: &str) -> Result<(), WebhookError> {
        match &self.dedup {
            Some(dedup) if !lock(dedup).insert(token.to_owned()) => Err(WebhookError::Duplicate),
            _ => Ok(()),
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

/// A poisoned lock only means another thread panicked while holding it; the set of tokens is
/// still consistent (every operation leaves it valid), so keep using it.
fn lock(m: &Mutex<SeenTokens>) -> std::sync::MutexGuard<'_, SeenTokens> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A bounded set of recently seen tokens; the oldest is forgotten first.
#[derive(Debug)]
struct SeenTokens {
    capacity: usize,
    /// Token → the generation it was inserted with.
    set: HashMap<String, u64>,
    /// Insertion order; entries whose generation no longer matches `set` are stale.
    order: VecDeque<(String, u64)>,
    next_generation: u64,
}

impl SeenTokens {
    fn new(capacity: usize) -> Self {
        SeenTokens {
            capacity,
            set: HashMap::new(),
            order: VecDeque::new(),
            next_generation: 0,
        }
    }

    fn contains(&self, token: &str) -> bool {
        self.set.contains_key(token)
    }

    /// Inserts a token; `false` if it was already there.
    fn insert(&mut self, token: String) -> bool {
        if self.set.contains_key(&token) {
            return false;
        }
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1);
        self.set.insert(token.clone(), generation);
        self.order.push_back((token, generation));
        while self.set.len() > self.capacity {
            let Some((old, old_generation)) = self.order.pop_front() else {
                break;
            };
            if self.set.get(&old) == Some(&old_generation) {
                self.set.remove(&old);
            }
        }
        // Drop stale entries left by `remove` so `order` stays bounded.
        if self.order.len() > self.capacity.saturating_mul(2) {
            let set = &self.set;
            self.order.retain(|(t, g)| set.get(t) == Some(g));
        }
        true
    }

    fn remove(&mut self, token: &str) {
        self.set.remove(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_tokens_are_bounded() {
        let mut seen = SeenTokens::new(2);
        assert!(seen.insert("a".into()));
        assert!(!seen.insert("a".into()));
        assert!(seen.insert("b".into()));
        assert!(seen.insert("c".into()));
        assert!(!seen.contains("a"));
        assert!(seen.contains("b") && seen.contains("c"));
        seen.remove("b");
        assert!(!seen.contains("b"));
        assert!(seen.insert("b".into()));
        assert!(seen.insert("d".into()));
        // `c` is the oldest live entry now.
        assert!(!seen.contains("c"));
        assert!(seen.contains("b") && seen.contains("d"));
        for i in 0..100 {
            seen.insert(i.to_string());
            seen.remove(&i.to_string());
        }
        assert!(seen.order.len() <= 4);
    }

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
        let v = Verifier::new("super-secret-key").dedup(3);
        let s = format!("{v:?}");
        assert!(!s.contains("super-secret-key"), "{s}");
    }
}
