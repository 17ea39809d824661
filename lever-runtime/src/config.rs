//! Client configuration values: environment, rate limit, retry policy.

use std::time::Duration;

use crate::error::Error;
use crate::spec_settings;

/// A Lever environment: where the API, the OAuth endpoints and the token audience live.
///
/// Every URL comes from the spec's `api` section (`api.yaml`); `lever-client` generates them
/// as `lever_client::spec_info` and tests that they match the ones used here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// Lever's production API (`lever_client::spec_info::PRODUCTION_URL`).
    #[default]
    Production,
    /// Lever's sandbox (`lever_client::spec_info::SANDBOX_URL`).
    Sandbox,
}

impl Environment {
    /// The API base URL (ends in `/v1`, no trailing slash).
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Production => spec_settings::PRODUCTION_URL,
            Environment::Sandbox => spec_settings::SANDBOX_URL,
        }
    }

    /// The OAuth authorize URL users are sent to.
    pub fn authorize_url(self) -> &'static str {
        match self {
            Environment::Production => spec_settings::PRODUCTION_AUTHORIZE_URL,
            Environment::Sandbox => spec_settings::SANDBOX_AUTHORIZE_URL,
        }
    }

    /// The OAuth token URL (code exchange and refresh).
    pub fn token_url(self) -> &'static str {
        match self {
            Environment::Production => spec_settings::PRODUCTION_TOKEN_URL,
            Environment::Sandbox => spec_settings::SANDBOX_TOKEN_URL,
        }
    }

    /// The OAuth `audience` (with its trailing slash, as Lever expects).
    pub fn audience(self) -> &'static str {
        match self {
            Environment::Production => spec_settings::PRODUCTION_AUDIENCE,
            Environment::Sandbox => spec_settings::SANDBOX_AUDIENCE,
        }
    }
}

/// Client-side rate limit: a token bucket shared by all clones of a [`Client`](crate::Client).
///
/// Lever limits each credential to about 10 requests per second with bursts of up to 20; the
/// default is the spec's documented limit (`lever_client::spec_info::RATE_LIMIT_PER_SECOND` and
/// `spec_info::RATE_LIMIT_BURST`), so a busy program waits instead of collecting 429s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// Steady-state requests per second: at least [`RateLimit::MIN_REQUESTS_PER_SECOND`] and
    /// finite, or `f64::INFINITY` to disable the limit.
    pub requests_per_second: f64,
    /// How many requests may be sent at once after a quiet period (must be ≥ 1).
    pub burst: u32,
}

impl RateLimit {
    /// The smallest accepted rate: one request a day. A slower limit is almost certainly a
    /// unit mistake, and its waits would outgrow any timer.
    pub const MIN_REQUESTS_PER_SECOND: f64 = 1.0 / 86_400.0;

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

impl RateLimit {
    /// Checks what the limiter's arithmetic relies on (see the field docs); the builder calls
    /// this so that a bad limit is an [`Error::Config`], not a panic on the second request.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let rate = self.requests_per_second;
        // NaN and negative infinity are refused by `is_finite`.
        let rate_ok =
            self.is_disabled() || (rate.is_finite() && rate >= Self::MIN_REQUESTS_PER_SECOND);
        if !rate_ok || self.burst == 0 {
            return Err(Error::Config(format!(
                "invalid rate limit {self:?}: requests_per_second must be finite and at least \
                 {} (one request a day), or infinite to disable the limit, and burst at least 1",
                Self::MIN_REQUESTS_PER_SECOND
            )));
        }
        Ok(())
    }
}

impl Default for RateLimit {
    /// The spec's documented limit: 10 requests per second, bursts of 20.
    fn default() -> Self {
        RateLimit::new(
            f64::from(spec_settings::RATE_LIMIT_PER_SECOND),
            spec_settings::RATE_LIMIT_BURST,
        )
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
    /// Total attempts including the first (at least 1; 1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub base_delay: Duration,
    /// Upper bound of any delay, including server-requested ones.
    pub max_delay: Duration,
    /// Fraction (0.0–1.0, inclusive) of each computed delay that is random.
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

    /// Checks `max_attempts` and `jitter` (every `Duration` is accepted: delays are computed
    /// with saturating arithmetic); the builder calls this.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.max_attempts == 0 {
            return Err(Error::Config(
                "invalid retry policy: max_attempts must be at least 1 (1 = never retry)".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(Error::Config(format!(
                "invalid retry policy: jitter must be between 0.0 and 1.0, not {}",
                self.jitter
            )));
        }
        Ok(())
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
