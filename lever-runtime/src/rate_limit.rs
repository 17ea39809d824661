//! Token-bucket rate limiter shared by all clones of a client.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::RateLimit;

/// A token bucket that hands out *reservations*: each caller takes one token immediately (the
/// balance may go negative) and sleeps until its token has been refilled. Waiters are thus
/// served in arrival order with exactly one timer each, and no busy loop.
///
/// A caller that is cancelled while waiting keeps its reservation (the bucket becomes
/// slightly conservative, never too permissive).
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// `None` when the limit is disabled.
    pub(crate) fn new(limit: RateLimit) -> Option<Self> {
        if limit.is_disabled() {
            return None;
        }
        let burst = f64::from(limit.burst.max(1));
        Some(RateLimiter {
            rate: limit.requests_per_second,
            burst,
            state: Mutex::new(Bucket {
                tokens: burst,
                last: Instant::now(),
            }),
        })
    }

    /// Waits until a request may be sent.
    #[cfg(test)]
    pub(crate) async fn acquire(&self) {
        self.wait(self.reserve()).await;
    }

    /// Sleeps for a wait [`reserve`](RateLimiter::reserve) returned.
    pub(crate) async fn wait(&self, wait: Duration) {
        if !wait.is_zero() {
            tracing::debug!(wait_ms = wait.as_millis() as u64, "rate limit: waiting");
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes one token and returns how long to wait for it.
    pub(crate) fn reserve(&self) -> Duration {
        let now = Instant::now();
        // The state is plain numbers, always consistent: a poisoned lock is still usable.
        let mut b = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.last = now;
        b.tokens -= 1.0;
        if b.tokens >= 0.0 {
            Duration::ZERO
        } else {
            // The builder bounds the rate from below, so the wait is finite; `try_from`
            // keeps even an absurd queue of callers from panicking.
            Duration::try_from_secs_f64(-b.tokens / self.rate).unwrap_or(Duration::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_steady_rate() {
        let rl = RateLimiter::new(RateLimit::new(10.0, 3)).unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            rl.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "burst passes at once");
        rl.acquire().await;
        let e = start.elapsed();
        assert!(
            e >= Duration::from_millis(99) && e <= Duration::from_millis(101),
            "{e:?}"
        );
        for _ in 0..10 {
            rl.acquire().await;
        }
        let e = start.elapsed();
        assert!(
            e >= Duration::from_millis(1099) && e <= Duration::from_millis(1101),
            "{e:?}"
        );
        // After a quiet period the bucket refills, but only up to the burst.
        tokio::time::sleep(Duration::from_secs(10)).await;
        let t = Instant::now();
        for _ in 0..4 {
            rl.acquire().await;
        }
        let e = t.elapsed();
        assert!(
            e >= Duration::from_millis(99) && e <= Duration::from_millis(101),
            "{e:?}"
        );
    }

    /// Concurrent callers sharing one bucket: the burst passes at once, then one caller per
    /// `1 / rate`, in arrival order. Paused time makes the schedule exact.
    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_are_spaced_by_the_rate() {
        const RATE: f64 = 20.0;
        const BURST: u32 = 5;
        const CALLERS: u32 = 50;
        let limiter = std::sync::Arc::new(RateLimiter::new(RateLimit::new(RATE, BURST)).unwrap());
        let start = Instant::now();
        let callers: Vec<_> = (0..CALLERS)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire().await;
                    Instant::now() - start
                })
            })
            .collect();
        let mut released = Vec::new();
        for caller in callers {
            released.push(caller.await.unwrap());
        }
        released.sort();
        for (i, at) in (0..CALLERS).zip(&released) {
            // Caller `i` (from 0) waits for `i + 1 - BURST` refilled tokens; timers fire on
            // whole milliseconds, so allow one.
            let due = Duration::from_secs_f64(f64::from((i + 1).saturating_sub(BURST)) / RATE);
            assert!(
                *at >= due && *at <= due + Duration::from_millis(1),
                "caller {i} released at {at:?}, due at {due:?}"
            );
        }
    }

    #[test]
    fn disabled_is_none() {
        assert!(RateLimiter::new(RateLimit::disabled()).is_none());
    }

    mod properties {
        use super::*;
        use crate::settings_strategies::hostile_f64;
        use proptest::prelude::*;

        /// Whether `Client::builder()` accepts this limit.
        fn accepted(limit: RateLimit) -> bool {
            crate::Client::builder()
                .api_key("k")
                .rate_limit(limit)
                .build()
                .is_ok()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// A limit the builder accepts never makes a reservation panic, however many
            /// callers queue up.
            #[test]
            fn accepted_limits_never_panic(
                rate in hostile_f64(),
                burst in prop_oneof![Just(1u32), Just(u32::MAX), any::<u32>()],
                callers in 1..50usize,
            ) {
                let limit = RateLimit::new(rate, burst);
                prop_assume!(accepted(limit));
                if let Some(limiter) = RateLimiter::new(limit) {
                    for _ in 0..callers {
                        let _ = limiter.reserve();
                    }
                }
            }
        }
    }

    /// The limits of the issue (#12, item 6): accepted, then the second call panicked.
    #[test]
    fn tiny_rates_are_rejected() {
        for rate in [1e-20, f64::MIN_POSITIVE, f64::from_bits(1)] {
            let e = crate::Client::builder()
                .api_key("k")
                .rate_limit(RateLimit::new(rate, 1))
                .build()
                .unwrap_err();
            assert!(matches!(e, crate::Error::Config(_)), "{rate}: {e}");
        }
    }
}
