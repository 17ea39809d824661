//! The simulator's shared state.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use axum::http::HeaderMap;
use base64::Engine;
use lever_spec::Spec;

use crate::account::{self, Account, AuthKind, Bucket, Registry};
use crate::config::{AccountConfig, FaultConfig, OAuthConfig, RateLimitConfig, SimConfig};
use crate::error::{ApiError, SimError};
use crate::oauth::OAuthState;
use crate::routes::Route;
use crate::util::{lock, Clock, SimRng};
use crate::webhooks::DeliveryRecord;

/// Everything the server tasks share.
pub(crate) struct Shared {
    pub spec: Arc<Spec>,
    pub routes: Vec<Route>,
    pub config: SimConfig,
    /// The default client first, then `config.oauth_clients`.
    pub clients: Vec<OAuthConfig>,
    pub faults: Mutex<FaultConfig>,
    /// `fail_next` / `delay` faults on single routes.
    pub targeted: Mutex<crate::targeted::TargetedFaults>,
    pub fault_rng: Mutex<SimRng>,
    pub rate_limit: Mutex<Option<RateLimitConfig>>,
    pub accounts: RwLock<Registry>,
    /// The account that holds `config.api_keys` and that the simulator's own hooks act on.
    pub default_account: Arc<Account>,
    /// The next account's number (0 is the default account); it picks the account's seed.
    pub next_account: AtomicU64,
    /// Who consents on `/oauth/authorize` when no `login_hint` names an account.
    pub consenting: Mutex<Arc<Account>>,
    /// Refuse consent for every client.
    pub deny_consent: AtomicBool,
    pub clock: Clock,
    pub deliveries: Mutex<Vec<DeliveryRecord>>,
    pub request_count: AtomicU64,
    pub oauth: Mutex<OAuthState>,
    pub http: reqwest::Client,
    pub stopped: AtomicBool,
    pub delivery_notify: tokio::sync::Notify,
    /// The store type webhooks live under (the `webhooks` resource's type).
    pub webhook_type: String,
    /// The runtime background tasks (webhook deliveries) are spawned on.
    pub runtime: tokio::runtime::Handle,
}

/// A request's valid credential: whose it is and what kind.
pub(crate) struct Authenticated {
    pub account: Arc<Account>,
    pub kind: AuthKind,
}

/// A poisoned lock still holds a consistent registry (every change is one insert), so it is
/// used as it is.
pub(crate) fn read(registry: &RwLock<Registry>) -> RwLockReadGuard<'_, Registry> {
    registry.read().unwrap_or_else(|p| p.into_inner())
}

fn write(registry: &RwLock<Registry>) -> RwLockWriteGuard<'_, Registry> {
    registry.write().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Creates an account and registers its name, ID and keys.
    pub(crate) fn create_account(&self, config: AccountConfig) -> Result<Arc<Account>, SimError> {
        let index = self.next_account.fetch_add(1, Ordering::SeqCst);
        let account = account::build(&self.spec, self.config.seed, index, config, true)?;
        write(&self.accounts).add(account)
    }

    /// The account with this name or ID.
    pub(crate) fn find_account(&self, name_or_id: &str) -> Option<Arc<Account>> {
        read(&self.accounts).find(name_or_id).cloned()
    }

    /// The client registered with this ID.
    pub(crate) fn client(&self, client_id: &str) -> Option<&OAuthConfig> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Checks the `Authorization` header; returns the account the credential belongs to and
    /// the kind of credential it was.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
        let header = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("Missing authorization"))?;
        let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::unauthorized("Malformed Basic credentials"))?;
            let key = decoded.split_once(':').map_or(decoded.as_str(), |(k, _)| k);
            let account = read(&self.accounts)
                .by_key(key)
                .cloned()
                .ok_or_else(|| ApiError::unauthorized("Invalid API key"))?;
            return Ok(Authenticated {
                account,
                kind: AuthKind::ApiKey,
            });
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            let now = self.clock.now_ms();
            let account = lock(&self.oauth)
                .access_token_account(rest, now)
                .ok_or_else(|| ApiError::unauthorized("Invalid or expired access token"))?;
            return Ok(Authenticated {
                account,
                kind: AuthKind::OAuth,
            });
        }
        Err(ApiError::unauthorized("Unsupported authorization scheme"))
    }

    /// Takes one token from `account`'s bucket, or answers 429.
    pub(crate) fn rate_check(&self, account: &Account) -> Result<(), ApiError> {
        let Some(limit) = *lock(&self.rate_limit) else {
            return Ok(());
        };
        let now = Instant::now();
        let burst = f64::from(limit.burst.max(1));
        let mut slot = lock(&account.bucket);
        let bucket = slot.get_or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limit.requests_per_second.max(0.0)).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ApiError::too_many_requests())
        }
    }

    /// Refills every account's bucket.
    pub(crate) fn reset_buckets(&self) {
        for account in read(&self.accounts).all() {
            *lock(&account.bucket) = None;
        }
    }
}
