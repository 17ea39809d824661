//! Small shared pieces: mutex locking, the clock, the seeded RNG.

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Locks a mutex, recovering the data if a previous holder panicked (the simulator's state is
/// always left consistent between statements, so a poisoned lock is still usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The simulator's clock: real time plus an offset, or a fixed time; never goes backwards
/// unless set explicitly.
#[derive(Debug, Default)]
pub struct Clock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Default)]
struct ClockState {
    offset_ms: i64,
    fixed: Option<i64>,
    last: i64,
}

fn real_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Clock {
    /// Milliseconds since the Unix epoch, as the simulator sees them.
    pub fn now_ms(&self) -> i64 {
        let mut s = lock(&self.state);
        let t = match s.fixed {
            Some(fixed) => fixed,
            None => real_now_ms().saturating_add(s.offset_ms),
        };
        let t = t.max(s.last);
        s.last = t;
        t
    }

    /// Moves the clock forward (or backward, with a negative value) by `ms`.
    pub fn advance(&self, ms: i64) {
        let mut s = lock(&self.state);
        match s.fixed.as_mut() {
            Some(fixed) => *fixed = fixed.saturating_add(ms),
            None => s.offset_ms = s.offset_ms.saturating_add(ms),
        }
        if ms < 0 {
            s.last = 0;
        }
    }

    /// Freezes the clock at `ms` (`None` returns to real time plus the current offset).
    pub fn set(&self, ms: Option<i64>) {
        let mut s = lock(&self.state);
        s.fixed = ms;
        s.last = 0;
    }
}

/// The seeded RNG, with the ID and token formats Lever uses.
#[derive(Debug)]
pub(crate) struct SimRng(StdRng);

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl SimRng {
    pub(crate) fn new(seed: u64) -> Self {
        SimRng(StdRng::seed_from_u64(seed))
    }

    /// A UUID-v4-shaped string.
    pub(crate) fn uuid(&mut self) -> String {
        let mut b: [u8; 16] = self.0.gen();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// `n` lowercase hex characters.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.0.gen_range(0..16)]))
            .collect()
    }

    /// `n` random alphanumeric characters.
    pub(crate) fn alnum(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(ALNUM[self.0.gen_range(0..ALNUM.len())]))
            .collect()
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        self.0.gen::<f64>()
    }

    /// An index below `n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.0.gen_range(0..n)
        }
    }
}
