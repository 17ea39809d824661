//! Client configuration values: environment, rate limit, retry policy.

use std::time::Duration;

/// A Lever environment: where the API, the OAuth endpoints and the token audience live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api.lever.co/v1`.
    #[default]
    Production,
    /// `https://api.sandbox.lever.co/v1`.
    Sandbox,
}

impl Environment {
    /// The API base URL (ends in `/v1`, no trailing slash).
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Production => "https://api.lever.co/v1",
            Environment::Sandbox => "https://api.sandbox.lever.co/v1",
        }
    }

    /// The OAuth authorize URL users are sent to.
    pub fn authorize_url(self) -> &'static str {
        match self {
            Environment::Production => "https://auth.lever.co/authorize",
            Environment::Sandbox => "https://sandbox-lever.auth0.com/authorize",
        }
    }

    /// The OAuth token URL (code exchange and refresh).
    pub fn token_url(self) -> &'static str {
        match self {
            Environment::Production => "https://auth.lever.co/oauth/token",
            Environment::Sandbox => "https://sandbox-lever.auth0.com/oauth/token",
        }
    }

    /// The OAuth `audience` (with its trailing slash, as Lever expects).
    pub fn audience(self) -> &'static str {
        match self {
            Environment::Production => "https://api.lever.co/v1/",
            Environment::Sandbox => "https://api.sandbox.lever.co/v1/",
        }
    }
}

/// Client-side rate limit: a token bucket shared by all clones of a [`Client`](crate::Client).
///
/// Lever limits each credential to about 10 requests per second with bursts of up to 20; the
/// default matches, so a busy program waits instead of collecting 429s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Steady-state requests per second (must be > 0; `f64::INFINITY` disables the limit).
    pub requests_per_second: f64,
    /// How many requests may be sent at once after a quiet period (must be ≥ 1).
    pub burst: u32,
}

impl RateLimit {
    /// A limit of `requests_per_second` with bursts of `burst`.
    pub fn new(requests_per_second: f64, burst: u32) -> Self {
        RateLimit {
            requests_per_second,
            burst,
        }
    }

    /// No client-side limit (Lever's 429s are still retried).
    pub fn disabled() -> Self {
        RateLimit {
            requests_per_second: f64::INFINITY,
            burst: u32::MAX,
        }
    }

    /// Whether this limit lets everything through.
    pub fn is_disabled(&self) -> bool {
        self.requests_per_second == f64::INFINITY
    }
}

impl Default for RateLimit {
    /// 10 requests per second, bursts of 20.
    fn default() -> Self {
        RateLimit::new(10.0, 20)
    }
}

/// When and how often failed requests are tried again.
///
/// Retried: 429 (any method), 502/503/504 and transport failures (idempotent methods only),
/// connection failures before anything was sent (any method). The delay before retry `n`
/// (1-based) is `base_delay × 2^(n-1)`, capped at `max_delay`, of which the fraction `jitter`
/// is randomised; a `Retry-After` or `X-RateLimit-Reset` header replaces it (still capped).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub base_delay: Duration,
    /// Upper bound of any delay, including server-requested ones.
    pub max_delay: Duration,
    /// Fraction (0.0–1.0) of each computed delay that is random.
    pub jitter: f64,
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

impl Default for RetryPolicy {
    /// 4 attempts, 200 ms base delay, 10 s maximum delay, 50% jitter.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            jitter: 0.5,
        }
    }
}
