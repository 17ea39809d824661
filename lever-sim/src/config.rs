//! Configuration of a [`Simulator`](crate::Simulator).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Everything a simulator is started with. Every field is public; start from
/// [`SimConfig::default()`] and change what you need.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen. The library defaults to `127.0.0.1:0` (any free port).
    pub addr: SocketAddr,
    /// API keys accepted as the Basic-auth username (password empty). Default: `sim-api-key`.
    pub api_keys: Vec<String>,
    /// Seed for every random choice (IDs, seed data, tokens, fault draws).
    pub seed: u64,
    /// Per-credential token bucket; `None` disables rate limiting.
    pub rate_limit: Option<RateLimitConfig>,
    /// Fault injection; off by default.
    pub faults: FaultConfig,
    /// The OAuth client the token endpoint accepts.
    pub oauth: OAuthConfig,
    /// How webhook deliveries are retried.
    pub webhook_retry: WebhookRetryConfig,
    /// Whether credentials may see confidential postings and opportunities. When `false`,
    /// asking for them answers 403. Default `true`.
    pub confidential_access: bool,
    /// Create the deterministic seed data (users, stages, postings, …). Default `true`.
    pub seed_data: bool,
    /// The spec that drives routing; `None` loads the spec shipped with `lever-spec`.
    pub spec: Option<Arc<lever_spec::Spec>>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_keys: vec![DEFAULT_API_KEY.to_string()],
            seed: 42,
            rate_limit: Some(RateLimitConfig::default()),
            faults: FaultConfig::default(),
            oauth: OAuthConfig::default(),
            webhook_retry: WebhookRetryConfig::default(),
            confidential_access: true,
            seed_data: true,
            spec: None,
        }
    }
}

/// The API key a default configuration accepts.
pub const DEFAULT_API_KEY: &str = "sim-api-key";

/// A token bucket: `burst` requests at once, refilled at `requests_per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitConfig {
    /// Steady refill rate.
    pub requests_per_second: f64,
    /// Bucket size.
    pub burst: u32,
}

impl Default for RateLimitConfig {
    /// Lever's documented limit: 10 requests per second, bursts of 20.
    fn default() -> Self {
        RateLimitConfig {
            requests_per_second: 10.0,
            burst: 20,
        }
    }
}

/// Injected faults. Draws come from an RNG seeded with [`SimConfig::seed`], so a run is
/// reproducible for a given sequence of requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Share (0.0–1.0) of requests answered 500 or 503 before anything else happens.
    pub error_rate: f64,
    /// A fixed delay added before every request is handled.
    pub delay: Option<std::time::Duration>,
    /// Share (0.0–1.0) of requests whose connection is closed without any response.
    pub drop_rate: f64,
    /// Apply these faults to the OAuth token endpoint too (default: only to `/v1`).
    pub apply_to_oauth: bool,
}

/// The OAuth client registered with the simulator's token endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthConfig {
    /// The accepted `client_id`.
    pub client_id: String,
    /// The accepted `client_secret`.
    pub client_secret: String,
    /// Lifetime of an access token (Lever: one hour), measured on the simulator's clock.
    pub access_token_ttl: Duration,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            client_id: "sim-client-id".to_string(),
            client_secret: "sim-client-secret".to_string(),
            access_token_ttl: Duration::from_secs(3600),
        }
    }
}

/// How failed webhook deliveries are retried: `attempts` tries in total, waiting
/// `initial_delay`, then twice that, and so on between them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WebhookRetryConfig {
    /// Total attempts per delivery (at least 1).
    pub attempts: u32,
    /// Gap before the second attempt; each later gap doubles.
    pub initial_delay: Duration,
    /// Time limit of one attempt.
    pub timeout: Duration,
}

impl Default for WebhookRetryConfig {
    fn default() -> Self {
        WebhookRetryConfig {
            attempts: 5,
            initial_delay: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}
