//! Proptest strategies for hostile settings and header values (tests only). Shared with
//! `tests/settings_proptest.rs` (through `#[path]`), which uses only some of them.
#![allow(dead_code)]

use std::time::Duration;

use proptest::prelude::*;

/// Any `f64`, with the values that break naive time arithmetic made frequent: NaN, both
/// infinities, zeroes, subnormals, the smallest normal, huge and negative values.
pub(crate) fn hostile_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        0.0..=1.0f64,
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            1e-20,
            1e-300,
            // `RateLimit::MIN_REQUESTS_PER_SECOND`: one request a day.
            1.0 / 86_400.0,
            1.0 - f64::EPSILON,
            1.0,
            1.5,
            -1.0,
            1e30,
            f64::MAX,
            f64::MIN,
        ]),
    ]
}

/// Any `Duration`, with zero, the maximum and values around `u64::MAX` seconds made frequent.
pub(crate) fn hostile_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (any::<u64>(), 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n)),
        (0..100_000u64).prop_map(Duration::from_millis),
        prop::sample::select(vec![
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::MAX,
            Duration::from_secs(u64::MAX),
            Duration::from_secs(u64::MAX / 2),
            Duration::from_secs(1 << 53),
            Duration::from_millis(200),
        ]),
    ]
}

/// Header values a server (or a proxy) may send as `Retry-After` or `X-RateLimit-Reset`.
pub(crate) fn hostile_header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_f64().prop_map(|v| v.to_string()),
        hostile_f64().prop_map(|v| format!("{v:e}")),
        any::<u64>().prop_map(|v| v.to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        "[ -~]{0,40}",
        prop::sample::select(vec![
            "1e30".to_owned(),
            "1e309".to_owned(),
            "-1".to_owned(),
            "inf".to_owned(),
            "NaN".to_owned(),
            "18446744073709551616".to_owned(),
            "99999999999999999999999".to_owned(),
            "1e12".to_owned(),
            "9e15".to_owned(),
            " 5 ".to_owned(),
            "Wed, 21 Oct 2015 07:28:00 GMT".to_owned(),
        ]),
    ]
}
