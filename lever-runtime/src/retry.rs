//! Retry decisions and backoff delays.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode};
use rand::Rng;

use crate::config::RetryPolicy;
use crate::error::is_retryable_status;

/// Methods whose repetition has no additional effect.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a response status is worth retrying for this method.
///
/// 429 means Lever did not process the request, so every method is retried; 500/502/503/504
/// may come after the request was processed, so only idempotent methods are.
pub(crate) fn should_retry_status(method: &Method, status: StatusCode) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return true;
    }
    is_retryable_status(status) && is_idempotent(method)
}

/// Whether a transport error is worth retrying for this method.
///
/// A connection that could not be established certainly did not deliver the request, so
/// every method is retried; other failures (timeouts, resets after sending) only for
/// idempotent methods. [`Error::is_retryable`](crate::Error::is_retryable) uses the same
/// [`TransportError::is_transient`], so callers' own retries agree with the client's.
pub(crate) fn should_retry_transport(method: &Method, err: &crate::TransportError) -> bool {
    if err.is_connect() {
        return true;
    }
    is_idempotent(method) && err.is_transient()
}

/// The delay before retry number `retry` (1-based).
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let exp = retry.saturating_sub(1).min(30);
    let raw = policy
        .base_delay
        .saturating_mul(1u32 << exp)
        .min(policy.max_delay);
    let jitter = if policy.jitter.is_nan() {
        0.0
    } else {
        policy.jitter.clamp(0.0, 1.0)
    };
    if jitter == 0.0 {
        return raw;
    }
    let factor = 1.0 - jitter + jitter * rand::thread_rng().gen::<f64>();
    // Not `mul_f64`: near `Duration::MAX`, `as_secs_f64` rounds up past the maximum and the
    // conversion back panics. The factor is at most 1, so `raw` bounds the result.
    Duration::try_from_secs_f64(raw.as_secs_f64() * factor).map_or(raw, |d| d.min(raw))
}

/// `secs` as a delay of at most `max_delay`; negative means none, too large means `max_delay`.
fn capped_secs(secs: f64, max_delay: Duration) -> Duration {
    // `try_from` rather than `from_secs_f64`, which panics beyond `u64::MAX` seconds (and on
    // NaN, which the callers have already refused).
    Duration::try_from_secs_f64(secs.max(0.0))
        .unwrap_or(Duration::MAX)
        .min(max_delay)
}

/// A delay requested by the server: `Retry-After` (seconds) or `X-RateLimit-Reset` (an epoch in
/// seconds or milliseconds, or — leniently — a number of seconds to wait). Capped at
/// `max_delay`.
pub(crate) fn server_delay(headers: &HeaderMap, max_delay: Duration) -> Option<Duration> {
    let number = |name: &str| -> Option<f64> {
        let v = headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()?;
        (v.is_finite() && v >= 0.0).then_some(v)
    };
    let delay = if let Some(secs) = number("retry-after") {
        capped_secs(secs, max_delay)
    } else if let Some(reset) = number("x-ratelimit-reset") {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let secs = if reset >= 1e12 {
            reset / 1000.0 - now // epoch milliseconds
        } else if reset >= 1e9 {
            reset - now // epoch seconds
        } else {
            reset // a relative number of seconds
        };
        capped_secs(secs, max_delay)
    } else {
        return None;
    };
    Some(delay)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn decisions() {
        assert!(should_retry_status(
            &Method::POST,
            StatusCode::TOO_MANY_REQUESTS
        ));
        assert!(!should_retry_status(
            &Method::POST,
            StatusCode::SERVICE_UNAVAILABLE
        ));
        assert!(should_retry_status(
            &Method::GET,
            StatusCode::SERVICE_UNAVAILABLE
        ));
        assert!(should_retry_status(&Method::PUT, StatusCode::BAD_GATEWAY));
        assert!(should_retry_status(
            &Method::DELETE,
            StatusCode::GATEWAY_TIMEOUT
        ));
        assert!(should_retry_status(
            &Method::GET,
            StatusCode::INTERNAL_SERVER_ERROR
        ));
        assert!(!should_retry_status(
            &Method::POST,
            StatusCode::INTERNAL_SERVER_ERROR
        ));
        assert!(!should_retry_status(&Method::GET, StatusCode::NOT_FOUND));
        assert!(!should_retry_status(
            &Method::PATCH,
            StatusCode::GATEWAY_TIMEOUT
        ));
    }

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            jitter: 0.0,
        };
        assert_eq!(backoff(&p, 1), Duration::from_millis(100));
        assert_eq!(backoff(&p, 2), Duration::from_millis(200));
        assert_eq!(backoff(&p, 4), Duration::from_millis(800));
        assert_eq!(backoff(&p, 5), Duration::from_secs(1));
        assert_eq!(backoff(&p, 100), Duration::from_secs(1));
        let j = RetryPolicy { jitter: 0.5, ..p };
        for _ in 0..100 {
            let d = backoff(&j, 2);
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(200));
        }
    }

    #[test]
    fn server_delays() {
        let max = Duration::from_secs(10);
        let mut h = HeaderMap::new();
        assert_eq!(server_delay(&h, max), None);
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(server_delay(&h, max), Some(Duration::from_secs(2)));
        h.insert("retry-after", HeaderValue::from_static("3600"));
        assert_eq!(server_delay(&h, max), Some(max));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(server_delay(&h, max), None);

        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let mut h = HeaderMap::new();
        let secs = (now.as_secs() + 5).to_string();
        h.insert("x-ratelimit-reset", HeaderValue::from_str(&secs).unwrap());
        let d = server_delay(&h, max).unwrap();
        assert!(
            d > Duration::from_secs(3) && d <= Duration::from_secs(5),
            "{d:?}"
        );
        let ms = (now.as_millis() + 2000).to_string();
        h.insert("x-ratelimit-reset", HeaderValue::from_str(&ms).unwrap());
        let d = server_delay(&h, max).unwrap();
        assert!(
            d > Duration::from_secs(1) && d <= Duration::from_secs(2),
            "{d:?}"
        );
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1000000000"));
        assert_eq!(server_delay(&h, max), Some(Duration::ZERO), "in the past");
    }

    /// The delays of the issue (#12, item 6): each used to panic.
    #[test]
    fn extreme_delays_do_not_panic() {
        let huge = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            jitter: f64::MIN_POSITIVE,
        };
        assert!(backoff(&huge, 1) <= Duration::MAX);
        assert!(backoff(&huge, u32::MAX) <= Duration::MAX);
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("1e30"));
        assert_eq!(server_delay(&h, Duration::MAX), Some(Duration::MAX));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1e30"));
        assert_eq!(server_delay(&h, Duration::MAX), Some(Duration::MAX));
    }

    mod properties {
        use super::*;
        use crate::settings_strategies::{hostile_duration, hostile_f64, hostile_header_value};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            /// Whatever the policy (validated or not), a backoff is computed without panicking
            /// and never exceeds `max_delay`.
            #[test]
            fn backoff_never_panics(
                base in hostile_duration(),
                max in hostile_duration(),
                jitter in hostile_f64(),
                retry in any::<u32>(),
            ) {
                let policy = RetryPolicy { max_attempts: 4, base_delay: base, max_delay: max, jitter };
                let d = backoff(&policy, retry);
                prop_assert!(d <= max, "{d:?} > {max:?}");
            }

            /// Whatever a server sends, its requested delay is read without panicking and
            /// never exceeds `max_delay`.
            #[test]
            fn server_delay_never_panics(
                retry_after in proptest::option::of(hostile_header_value()),
                reset in proptest::option::of(hostile_header_value()),
                max in hostile_duration(),
            ) {
                let mut h = HeaderMap::new();
                for (name, value) in [("retry-after", retry_after), ("x-ratelimit-reset", reset)] {
                    if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                        h.insert(name, v);
                    }
                }
                if let Some(d) = server_delay(&h, max) {
                    prop_assert!(d <= max, "{d:?} > {max:?}");
                }
            }
        }
    }
}
