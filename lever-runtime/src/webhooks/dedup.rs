//! Deduplication of deliveries by what Lever signs, with an in-flight state so that a retry
//! is never acknowledged before the first attempt succeeded.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sha2::{Digest, Sha256};

use super::error::WebhookError;
use super::signature::{decimal, SignedFields};

/// Identifies a delivery by the exact text Lever signs: `token` followed by `triggeredAt` in
/// base 10 (its SHA-256, so that the key has a fixed size whatever the token's length).
///
/// Two deliveries share a key exactly when they carry the same signature under the same
/// signature token, so a captured delivery replayed with digits moved between `token` and
/// `triggeredAt` (which keeps the signature valid) has the key of the original. Keying on the
/// `token` alone would let it through.
///
/// Displays as 64 lowercase hexadecimal characters: a stable, printable key for a database's
/// unique index. It reveals neither the signature token nor the signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey([u8; 32]);

impl DedupKey {
    /// The key of the delivery whose signed fields are `token` and `triggered_at`.
    pub fn new(token: &str, triggered_at: i64) -> Self {
        let digest = Sha256::new()
            .chain_update(token.as_bytes())
            .chain_update(decimal(triggered_at, &mut [0; 20]))
            .finalize();
        DedupKey(digest.into())
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn of(fields: &SignedFields<'_>) -> Self {
        DedupKey::new(fields.token, fields.triggered_at)
    }
}

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DedupKey({self})")
    }
}

/// The deliveries a [`Verifier`](super::Verifier) remembers: each key is either in flight
/// (being handled), completed (handled), or absent.
#[derive(Debug)]
pub(crate) struct DedupMemory {
    /// Keys being handled now. Not bounded by `capacity`: evicting one would let a duplicate
    /// run while the first attempt is still running. Its size is the number of deliveries
    /// being handled at once, and every entry leaves it when its [`Pending`] is settled.
    in_flight: HashSet<DedupKey>,
    completed: Completed,
}

impl DedupMemory {
    pub(crate) fn new(capacity: usize) -> Self {
        DedupMemory {
            in_flight: HashSet::new(),
            completed: Completed::new(capacity),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.completed.capacity
    }

    /// Refuses a key that is in flight or completed.
    fn check_absent(&self, key: &DedupKey) -> Result<(), WebhookError> {
        if self.in_flight.contains(key) {
            Err(WebhookError::InFlight)
        } else if self.completed.contains(key) {
            Err(WebhookError::Duplicate)
        } else {
            Ok(())
        }
    }

    /// Absent → completed at once (the caller handles the delivery without telling us).
    pub(crate) fn accept(&mut self, key: DedupKey) -> Result<(), WebhookError> {
        self.check_absent(&key)?;
        self.completed.insert(key);
        Ok(())
    }

    /// Absent → in flight.
    fn claim(&mut self, key: DedupKey) -> Result<(), WebhookError> {
        self.check_absent(&key)?;
        self.in_flight.insert(key);
        Ok(())
    }

    /// In flight → completed.
    fn complete(&mut self, key: DedupKey) {
        self.in_flight.remove(&key);
        self.completed.insert(key);
    }

    /// In flight → absent.
    fn release(&mut self, key: &DedupKey) {
        self.in_flight.remove(key);
    }

    /// Completed → absent.
    pub(crate) fn forget(&mut self, key: &DedupKey) {
        self.completed.remove(key);
    }
}

/// Shared dedup memory, as clones of a [`Verifier`](super::Verifier) hold it.
pub(crate) type SharedMemory = Arc<Mutex<DedupMemory>>;

/// A poisoned lock only means another thread panicked while holding it; the memory is still
/// consistent (every operation leaves it valid), so keep using it.
pub(crate) fn lock(memory: &Mutex<DedupMemory>) -> MutexGuard<'_, DedupMemory> {
    memory.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Marks `key` in flight in `memory` (if any) and returns the mark.
pub(crate) fn claim(memory: Option<&SharedMemory>, key: DedupKey) -> Result<Pending, WebhookError> {
    if let Some(memory) = memory {
        lock(memory).claim(key)?;
    }
    Ok(Pending {
        key,
        memory: memory.cloned(),
    })
}

/// A verified delivery being handled, returned by [`Verifier::begin`](super::Verifier::begin).
///
/// While it lives, a duplicate of the delivery is refused with [`WebhookError::InFlight`]
/// (answer a retryable status). Call [`Pending::complete`] once the delivery is handled:
/// duplicates are then refused with [`WebhookError::Duplicate`] (answer 2xx). Dropping it
/// without completing (a failed handler, a panic unwinding, a cancelled request) forgets the
/// delivery, so that Lever's retry is handled again.
#[must_use = "dropping a Pending forgets the delivery; call complete() once it is handled"]
pub struct Pending {
    key: DedupKey,
    /// `None` when the verifier does not deduplicate, and once settled.
    memory: Option<SharedMemory>,
}

impl Pending {
    /// The delivery's [`DedupKey`].
    pub fn dedup_key(&self) -> DedupKey {
        self.key
    }

    /// Records the delivery as handled: later duplicates get [`WebhookError::Duplicate`].
    pub fn complete(mut self) {
        if let Some(memory) = self.memory.take() {
            lock(&memory).complete(self.key);
        }
    }

    /// Forgets the delivery now, so that a retry is handled again (dropping does the same).
    pub fn release(self) {}
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(memory) = self.memory.take() {
            lock(&memory).release(&self.key);
        }
    }
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("dedup_key", &self.key)
            .field("tracked", &self.memory.is_some())
            .finish()
    }
}

/// A bounded set of handled keys; the oldest is forgotten first.
#[derive(Debug)]
struct Completed {
    capacity: usize,
    /// Key → the generation it was inserted with.
    set: HashMap<DedupKey, u64>,
    /// Insertion order; entries whose generation no longer matches `set` are stale.
    order: VecDeque<(DedupKey, u64)>,
    next_generation: u64,
}

impl Completed {
    fn new(capacity: usize) -> Self {
        Completed {
            capacity,
            set: HashMap::new(),
            order: VecDeque::new(),
            next_generation: 0,
        }
    }

    fn contains(&self, key: &DedupKey) -> bool {
        self.set.contains_key(key)
    }

    /// Inserts a key; `false` if it was already there.
    fn insert(&mut self, key: DedupKey) -> bool {
        if self.set.contains_key(&key) {
            return false;
        }
        let generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1);
        self.set.insert(key, generation);
        self.order.push_back((key, generation));
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
            self.order.retain(|(k, g)| set.get(k) == Some(g));
        }
        true
    }

    fn remove(&mut self, key: &DedupKey) {
        self.set.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> DedupKey {
        DedupKey::new(&i.to_string(), 0)
    }

    #[test]
    fn completed_keys_are_bounded() {
        let (a, b, c, d) = (key(1), key(2), key(3), key(4));
        let mut seen = Completed::new(2);
        assert!(seen.insert(a));
        assert!(!seen.insert(a));
        assert!(seen.insert(b));
        assert!(seen.insert(c));
        assert!(!seen.contains(&a));
        assert!(seen.contains(&b) && seen.contains(&c));
        seen.remove(&b);
        assert!(!seen.contains(&b));
        assert!(seen.insert(b));
        assert!(seen.insert(d));
        // `c` is the oldest live entry now.
        assert!(!seen.contains(&c));
        assert!(seen.contains(&b) && seen.contains(&d));
        for i in 100..200 {
            seen.insert(key(i));
            seen.remove(&key(i));
        }
        assert!(seen.order.len() <= 4);
    }

    #[test]
    fn states() {
        let mut memory = DedupMemory::new(1);
        let (a, b) = (key(1), key(2));
        memory.claim(a).unwrap();
        assert_eq!(memory.claim(a), Err(WebhookError::InFlight));
        assert_eq!(memory.accept(a), Err(WebhookError::InFlight));
        // Completed keys do not push keys in flight out.
        memory.accept(b).unwrap();
        memory.accept(key(3)).unwrap();
        assert_eq!(memory.claim(a), Err(WebhookError::InFlight));
        memory.release(&a);
        memory.claim(a).unwrap();
        memory.complete(a);
        assert_eq!(memory.claim(a), Err(WebhookError::Duplicate));
        memory.forget(&a);
        memory.claim(a).unwrap();
    }

    #[test]
    fn the_key_is_the_signed_text() {
        assert_eq!(DedupKey::new("abc7", 123), DedupKey::new("abc", 7123));
        assert_eq!(DedupKey::new("x-", 5), DedupKey::new("x", -5));
        assert_ne!(DedupKey::new("abc", 123), DedupKey::new("abd", 123));
        assert_ne!(DedupKey::new("abc", 123), DedupKey::new("abc", 124));
        // `printf %s abc123 | sha256sum`, computed outside this crate.
        assert_eq!(
            DedupKey::new("abc", 123).to_string(),
            "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090"
        );
    }
}
