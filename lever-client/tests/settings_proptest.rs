//! `Client::builder().build()` either refuses a setting with `Error::Config` or builds a client
//! that works: whatever the rate limit, retry policy and timeouts, nothing panics. (The delay
//! arithmetic itself is property-tested in the crate, in `retry.rs` and `rate_limit.rs`.)

mod common;

use common::sending::SendAs as _;

use std::time::Duration;

use common::{get, Reply, Scripted};
use lever_client::{Client, Error, OAuthCredentials, RateLimit, RetryPolicy};
use proptest::prelude::*;
use serde_json::{json, Value};

#[path = "../../lever-runtime/src/settings_strategies.rs"]
mod settings_strategies;

use settings_strategies::{hostile_duration, hostile_f64};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Only `Error::Config`, and only for what the documentation says is invalid.
    #[test]
    fn build_accepts_or_refuses_with_config(
        rate in hostile_f64(),
        burst in any::<u32>(),
        max_attempts in prop_oneof![Just(0u32), Just(1), any::<u32>()],
        base_delay in hostile_duration(),
        max_delay in hostile_duration(),
        jitter in hostile_f64(),
        timeout in hostile_duration(),
    ) {
        let result = Client::builder()
            .api_key("k")
            .rate_limit(RateLimit::new(rate, burst))
            .retry(RetryPolicy { max_attempts, base_delay, max_delay, jitter })
            .timeout(timeout)
            .connect_timeout(timeout)
            .build();
        let rate_ok = rate == f64::INFINITY
            || (rate.is_finite() && rate >= RateLimit::MIN_REQUESTS_PER_SECOND);
        let valid = rate_ok && burst >= 1 && max_attempts >= 1 && (0.0..=1.0).contains(&jitter);
        match result {
            Ok(_) => prop_assert!(valid, "accepted an invalid setting"),
            Err(Error::Config(message)) => prop_assert!(!valid, "refused a valid setting: {message}"),
            Err(other) => prop_assert!(false, "not a configuration error: {other:?}"),
        }
    }
}

/// The limits of the issue (#12, item 6): `build()` accepted them and the second request
/// panicked.
#[test]
fn vanishing_rates_are_refused() {
    for rate in [
        1e-20,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::NAN,
        -1.0,
        0.0,
    ] {
        let e = Client::builder()
            .api_key("k")
            .rate_limit(RateLimit::new(rate, 1))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{rate}: {e:?}");
    }
}

/// The slowest accepted limit and the longest timeouts still serve requests.
#[tokio::test]
async fn extreme_accepted_settings_still_work() {
    let s = Scripted::new();
    s.on(
        "/v1/ok",
        vec![Reply::json(200, json!({"data": {"ok": true}}))],
    );
    let base = s.start().await;
    let client = Client::builder()
        .api_key("k")
        .base_url(&base)
        .rate_limit(RateLimit::new(RateLimit::MIN_REQUESTS_PER_SECOND, u32::MAX))
        .retry(RetryPolicy {
            max_attempts: u32::MAX,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            jitter: 1.0,
        })
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .build()
        .unwrap();
    for _ in 0..3 {
        let v: Value = client.send_data(get("/ok")).await.unwrap();
        assert_eq!(v, json!({"ok": true}));
    }
}

/// An expiry too far away to represent means "not known to expire", not a panic.
#[test]
fn oauth_expiry_beyond_the_clock_does_not_panic() {
    let creds = OAuthCredentials::new("cid", "secret", "token").expires_in(Duration::MAX);
    assert_eq!(creds.expires_at, None);
    let creds = OAuthCredentials::new("cid", "secret", "token").expires_in(Duration::from_secs(60));
    assert!(creds.expires_at.is_some());
}
