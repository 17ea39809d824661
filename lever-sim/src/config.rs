//! Configuration of a [`Simulator`](crate::Simulator).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Everything a simulator is started with. Every field is public; start from
/// [`SimConfig::default()`] and change what you need.
#[derive(Clone)]
pub struct SimConfig {
    /// Where to listen. The library defaults to `127.0.0.1:0` (any free port).
    pub addr: SocketAddr,
    /// API keys of the default account ([`DEFAULT_ACCOUNT`]), accepted as the Basic-auth
    /// username (password empty). Default: `sim-api-key`.
    pub api_keys: Vec<String>,
    /// Further simulated Lever accounts, each with its own data, webhooks, rate-limit bucket
    /// and credentials. The default account always exists besides these. Default: none.
    pub accounts: Vec<AccountConfig>,
    /// Seed for every random choice (IDs, seed data, tokens, fault draws).
    pub seed: u64,
    /// Per-credential token bucket; `None` disables rate limiting.
    pub rate_limit: Option<RateLimitConfig>,
    /// Fault injection; off by default.
    pub faults: FaultConfig,
    /// The default OAuth client (the one [`Simulator::oauth_config`](crate::Simulator::oauth_config)
    /// returns).
    pub oauth: OAuthConfig,
    /// Further OAuth clients the authorize and token endpoints accept. Default: none.
    pub oauth_clients: Vec<OAuthConfig>,
    /// How webhook deliveries are retried.
    pub webhook_retry: WebhookRetryConfig,
    /// Whether credentials may see confidential postings and opportunities. When `false`,
    /// asking for them answers 403. Default `true`.
    pub confidential_access: bool,
    /// Create the deterministic seed data (users, stages, postings, …) in the default account
    /// and in accounts added with [`Simulator::add_account`](crate::Simulator::add_account).
    /// Default `true`.
    pub seed_data: bool,
    /// How many requests each account's request log keeps (the oldest are forgotten first).
    /// Default 10 000.
    pub request_log_limit: usize,
    /// The spec that drives routing; `None` loads the spec shipped with `lever-spec`.
    pub spec: Option<Arc<lever_spec::Spec>>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_keys: vec![DEFAULT_API_KEY.to_string()],
            accounts: Vec::new(),
            seed: 42,
            rate_limit: Some(RateLimitConfig::default()),
            faults: FaultConfig::default(),
            oauth: OAuthConfig::default(),
            oauth_clients: Vec::new(),
            webhook_retry: WebhookRetryConfig::default(),
            confidential_access: true,
            seed_data: true,
            request_log_limit: 10_000,
            spec: None,
        }
    }
}

/// API keys are secrets: Debug shows how many there are, never their values.
impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("addr", &self.addr)
            .field("api_keys", &Redacted(self.api_keys.len()))
            .field("accounts", &self.accounts)
            .field("seed", &self.seed)
            .field("rate_limit", &self.rate_limit)
            .field("faults", &self.faults)
            .field("oauth", &self.oauth)
            .field("oauth_clients", &self.oauth_clients)
            .field("webhook_retry", &self.webhook_retry)
            .field("confidential_access", &self.confidential_access)
            .field("seed_data", &self.seed_data)
            .field("request_log_limit", &self.request_log_limit)
            .field("spec", &self.spec.as_ref().map(|_| "custom"))
            .finish()
    }
}

/// Shows a count of hidden secrets in Debug output.
struct Redacted(usize);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} redacted>", self.0)
    }
}

/// The name of the account that always exists: it holds [`SimConfig::api_keys`], and the
/// simulator's own store hooks (`insert`, `get`, …) act on it.
pub const DEFAULT_ACCOUNT: &str = "default";

/// One simulated Lever account, declared up front in [`SimConfig::accounts`].
#[derive(Clone, Default)]
pub struct AccountConfig {
    /// A unique name; tests address the account by it (e.g. `sim.account("acme")`).
    pub name: String,
    /// API keys that belong to this account; if empty, one is generated.
    pub api_keys: Vec<String>,
    /// Create this account's own deterministic seed data (IDs differ between accounts).
    pub seed_data: bool,
}

impl AccountConfig {
    /// An account called `name` with one generated API key and seed data.
    pub fn new(name: impl Into<String>) -> Self {
        AccountConfig {
            name: name.into(),
            api_keys: Vec::new(),
            seed_data: true,
        }
    }
}

/// API keys are secrets: Debug shows the name and how many keys there are.
impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("name", &self.name)
            .field("api_keys", &Redacted(self.api_keys.len()))
            .field("seed_data", &self.seed_data)
            .finish()
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

/// An OAuth client registered with the simulator's authorize and token endpoints.
#[derive(Clone, PartialEq)]
pub struct OAuthConfig {
    /// The accepted `client_id`.
    pub client_id: String,
    /// The accepted `client_secret`.
    pub client_secret: String,
    /// Lifetime of an access token (Lever: one hour), measured on the simulator's clock.
    pub access_token_ttl: Duration,
    /// The registered redirect URIs; `/oauth/authorize` accepts only an exact match. Empty
    /// (the default) accepts any absolute URL.
    pub redirect_uris: Vec<String>,
    /// Whether the simulated user refuses consent to this client (`error=access_denied`).
    pub deny_consent: bool,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            client_id: "sim-client-id".to_string(),
            client_secret: "sim-client-secret".to_string(),
            access_token_ttl: Duration::from_secs(3600),
            redirect_uris: Vec::new(),
            deny_consent: false,
        }
    }
}

/// The client secret is a secret: Debug leaves it out.
impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted(1))
            .field("access_token_ttl", &self.access_token_ttl)
            .field("redirect_uris", &self.redirect_uris)
            .field("deny_consent", &self.deny_consent)
            .finish()
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
