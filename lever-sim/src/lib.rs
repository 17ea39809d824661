//! A local Lever: an HTTP server that behaves like Lever's Data API v1, driven by the same
//! resolved spec as the generated client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lever_sim::SimError> {
//! let sim = lever_sim::Simulator::start(lever_sim::SimConfig::default()).await?;
//! println!("serving {} (API key {})", sim.base_url(), sim.api_key());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What it simulates — several accounts with separate data, routing from the spec, the
//! envelope and errors, pagination tokens, filters, `expand`/`include`, `perform_as`, API-key
//! and OAuth auth (authorize and token endpoints, several clients), the rate limit, webhook
//! deliveries with Lever's signature, request logs, fault injection and seed data — is
//! described in the crate's `README.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod account;
mod api;
mod authorize;
mod config;
mod error;
mod filters;
mod form;
mod handle;
mod oauth;
mod query;
mod routes;
mod sample;
mod seed;
mod server;
mod state;
mod store;
mod targeted;
mod util;
mod webhooks;

/// The README's examples as doctests, so that the README is their only copy: its test of an
/// integration runs, the other examples compile.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::account::{AuthKind, RequestRecord};
pub use crate::config::{
    AccountConfig, FaultConfig, OAuthConfig, RateLimitConfig, SimConfig, WebhookRetryConfig,
    DEFAULT_ACCOUNT, DEFAULT_API_KEY,
};
pub use crate::error::{ApiError, SimError};
pub use crate::handle::{AccountHandle, SimAccount};
pub use crate::oauth::OAuthStats;
pub use crate::util::Clock;
pub use crate::webhooks::{sign, DeliveryRecord};

use crate::account::Registry;
use crate::state::Shared;
use crate::util::{lock, SimRng};

/// A running simulator. Dropping it stops the server too; [`Simulator::shutdown`] also waits
/// for the server task to end.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds `config.addr`, spawns the server on the current tokio runtime and returns once it
    /// is listening.
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        let spec = match &config.spec {
            Some(spec) => Arc::clone(spec),
            None => Arc::new(lever_spec::load(&lever_spec::default_spec_dir(), &[])?),
        };
        let routes = routes::compile(&spec);
        let webhook_type = spec
            .resources
            .get("webhooks")
            .and_then(|r| {
                r.actions
                    .values()
                    .find_map(|a| routes::response_type(&a.response))
            })
            .unwrap_or_else(|| "Webhook".to_string());
        let (registry, default_account) = accounts(&spec, &config)?;
        let clients = clients(&config)?;
        let http = webhooks::delivery_client()?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.addr,
            source,
        })?;
        let shared = Arc::new(Shared {
            spec,
            routes,
            faults: Mutex::new(config.faults.clone()),
            targeted: Mutex::new(targeted::TargetedFaults::default()),
            fault_rng: Mutex::new(SimRng::new(config.seed ^ 0x5eed_fa17)),
            rate_limit: Mutex::new(config.rate_limit),
            next_account: AtomicU64::new(registry.all().len() as u64),
            accounts: RwLock::new(registry),
            consenting: Mutex::new(Arc::clone(&default_account)),
            default_account,
            deny_consent: AtomicBool::new(false),
            clients,
            clock: Clock::default(),
            deliveries: Mutex::new(Vec::new()),
            request_count: AtomicU64::new(0),
            oauth: Mutex::new(oauth::OAuthState::new(config.seed)),
            http,
            stopped: AtomicBool::new(false),
            delivery_notify: tokio::sync::Notify::new(),
            webhook_type,
            runtime: tokio::runtime::Handle::current(),
            config,
        });
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), rx));
        tracing::info!(%addr, "lever-sim listening");
        Ok(Simulator {
            shared,
            addr,
            shutdown: tx,
            task: Some(task),
        })
    }

    /// The API base URL, e.g. `http://127.0.0.1:4010/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The default account's first API key (use it as the Basic-auth username, empty
    /// password).
    pub fn api_key(&self) -> &str {
        self.shared
            .config
            .api_keys
            .first()
            .map_or("", String::as_str)
    }

    /// The OAuth token endpoint, e.g. `http://127.0.0.1:4010/oauth/token`.
    pub fn oauth_token_url(&self) -> String {
        format!("http://{}/oauth/token", self.addr)
    }

    /// The OAuth client (ID, secret, token lifetime) the token endpoint accepts.
    pub fn oauth_config(&self) -> &OAuthConfig {
        &self.shared.config.oauth
    }

    /// The spec the simulator serves.
    pub fn spec(&self) -> &Arc<lever_spec::Spec> {
        &self.shared.spec
    }

    /// Stops accepting connections, closes open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    // ----- clock -----

    /// The simulator's current time in ms (used for `createdAt`, `updatedAt`, token expiry).
    pub fn now_ms(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    /// Moves the simulator's clock by `ms` (negative moves it back).
    pub fn advance_clock(&self, ms: i64) {
        self.shared.clock.advance(ms);
    }

    /// Freezes the clock at `ms`, or returns it to real time with `None`.
    pub fn set_clock(&self, ms: Option<i64>) {
        self.shared.clock.set(ms);
    }

    // ----- accounts -----

    /// Creates an account called `name` with one generated API key and, if
    /// [`SimConfig::seed_data`] is set, its own seed data (same shapes, different IDs).
    pub fn add_account(&self, name: impl Into<String>) -> Result<SimAccount, SimError> {
        self.add_account_with(AccountConfig {
            seed_data: self.shared.config.seed_data,
            ..AccountConfig::new(name)
        })
    }

    /// Creates an account as `config` describes.
    pub fn add_account_with(&self, config: AccountConfig) -> Result<SimAccount, SimError> {
        let account = self.shared.create_account(config)?;
        Ok(AccountHandle::new(Arc::clone(&self.shared), account).info())
    }

    /// Hooks on the account with this name or ID.
    pub fn account(&self, account: &str) -> Option<AccountHandle> {
        self.shared
            .find_account(account)
            .map(|a| AccountHandle::new(Arc::clone(&self.shared), a))
    }

    /// Hooks on the default account ([`DEFAULT_ACCOUNT`]), the one the simulator's own store
    /// hooks act on.
    pub fn default_account(&self) -> AccountHandle {
        AccountHandle::new(
            Arc::clone(&self.shared),
            Arc::clone(&self.shared.default_account),
        )
    }

    /// Every account, in the order they were created (the default account first).
    pub fn accounts(&self) -> Vec<SimAccount> {
        let accounts: Vec<_> = state::read(&self.shared.accounts).all().to_vec();
        accounts
            .into_iter()
            .map(|a| AccountHandle::new(Arc::clone(&self.shared), a).info())
            .collect()
    }

    fn require(&self, account: &str) -> Result<AccountHandle, SimError> {
        self.account(account)
            .ok_or_else(|| SimError::UnknownAccount {
                account: account.to_string(),
            })
    }

    // ----- store hooks (default account) -----

    /// Stores an object of type `type_name` (e.g. `"Posting"`) in the default account
    /// directly, bypassing the API. A missing `id` is generated; missing
    /// `createdAt`/`updatedAt` and other required fields are filled. Returns the stored
    /// object; a type the spec has no object type for is [`SimError::UnknownType`] (with the
    /// nearest name), a value that is not a JSON object [`SimError::NotAnObject`].
    pub fn insert(&self, type_name: &str, value: Value) -> Result<Value, SimError> {
        self.default_account().insert(type_name, value)
    }

    /// Merges `patch` into the default account's stored object and bumps its `updatedAt`
    /// (if it has one). Returns the updated object, or `None` if there is no such object.
    pub fn update(&self, type_name: &str, id: &str, patch: Value) -> Option<Value> {
        self.default_account().update(type_name, id, patch)
    }

    /// One object of the default account.
    pub fn get(&self, type_name: &str, id: &str) -> Option<Value> {
        self.default_account().get(type_name, id)
    }

    /// Every object of a type in the default account, in the order lists return them.
    pub fn list(&self, type_name: &str) -> Vec<Value> {
        self.default_account().list(type_name)
    }

    /// Deletes an object of the default account as if it were deleted in Lever's app: it
    /// moves to the deleted list (`/…/deleted`, with `deletedAt`), and deleting an opportunity
    /// fires `candidateDeleted`. Returns the deleted object.
    pub fn delete(&self, type_name: &str, id: &str) -> Option<Value> {
        self.default_account().delete(type_name, id)
    }

    /// The ID of the default account's seeded super admin (handy as `perform_as`).
    pub fn default_user_id(&self) -> Option<String> {
        self.default_account().default_user_id()
    }

    // ----- observability -----

    /// Every webhook delivery attempt so far, of every account, in the order they finished.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        lock(&self.shared.deliveries).clone()
    }

    /// Forgets the recorded deliveries.
    pub fn clear_deliveries(&self) {
        lock(&self.shared.deliveries).clear();
    }

    /// Waits until at least `n` delivery attempts are recorded or `timeout` passes; returns
    /// the attempts recorded by then.
    pub async fn wait_for_deliveries(&self, n: usize, timeout: Duration) -> Vec<DeliveryRecord> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.delivery_notify.notified();
            let current = self.deliveries();
            if current.len() >= n || tokio::time::Instant::now() >= deadline {
                return current;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    /// How many HTTP requests the server has received (faulted ones included).
    pub fn request_count(&self) -> u64 {
        self.shared.request_count.load(Ordering::SeqCst)
    }

    /// The `/v1` requests of every account (each account keeps the latest
    /// [`SimConfig::request_log_limit`]), ordered by arrival.
    pub fn requests(&self) -> Vec<RequestRecord> {
        let accounts: Vec<_> = state::read(&self.shared.accounts).all().to_vec();
        let mut all: Vec<RequestRecord> = accounts
            .iter()
            .flat_map(|a| lock(&a.requests).iter().cloned().collect::<Vec<_>>())
            .collect();
        all.sort_by_key(|r| r.started);
        all
    }

    /// Forgets every account's request log.
    pub fn clear_requests(&self) {
        let accounts: Vec<_> = state::read(&self.shared.accounts).all().to_vec();
        for account in accounts {
            lock(&account.requests).clear();
        }
    }

    // ----- runtime configuration -----

    /// Replaces the fault configuration.
    pub fn set_faults(&self, faults: FaultConfig) {
        *lock(&self.shared.faults) = faults;
    }

    /// The current fault configuration.
    pub fn faults(&self) -> FaultConfig {
        lock(&self.shared.faults).clone()
    }

    /// Answers the next request to `route` (e.g. `"POST /postings"`, `"GET
    /// /postings/{posting}"`; any account) with `status` and a Lever-shaped error body, once.
    /// Failures are used up in the order they were added.
    pub fn fail_next(&self, route: &str, status: u16) -> Result<(), SimError> {
        self.fail_next_n(route, status, 1)
    }

    /// Like [`fail_next`](Simulator::fail_next), for the next `times` requests.
    pub fn fail_next_n(&self, route: &str, status: u16, times: u32) -> Result<(), SimError> {
        let route = targeted::RouteMatch::parse(route)?;
        let status = axum::http::StatusCode::from_u16(status)
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .ok_or(SimError::InvalidStatus { status })?;
        lock(&self.shared.targeted).add(
            route,
            targeted::Action::Fail {
                status,
                remaining: times,
            },
        );
        Ok(())
    }

    /// Delays every request to `route` by `delay` before it is answered, until
    /// [`clear_targeted_faults`](Simulator::clear_targeted_faults).
    pub fn delay(&self, route: &str, delay: Duration) -> Result<(), SimError> {
        let route = targeted::RouteMatch::parse(route)?;
        lock(&self.shared.targeted).add(route, targeted::Action::Delay(delay));
        Ok(())
    }

    /// Removes every `fail_next` and `delay` fault.
    pub fn clear_targeted_faults(&self) {
        lock(&self.shared.targeted).clear();
    }

    /// Replaces the rate limit (`None` disables it) and refills every bucket.
    pub fn set_rate_limit(&self, limit: Option<RateLimitConfig>) {
        *lock(&self.shared.rate_limit) = limit;
        self.shared.reset_buckets();
    }

    // ----- OAuth -----

    /// Issues a fresh single-use authorization code for the default account, as Lever's
    /// `/authorize` redirect would. Any registered client may exchange it, with any
    /// `redirect_uri`.
    pub fn issue_auth_code(&self) -> String {
        self.default_account().issue_auth_code()
    }

    /// The authorization endpoint, e.g. `http://127.0.0.1:4010/oauth/authorize`.
    pub fn authorize_url(&self) -> String {
        format!("http://{}/oauth/authorize", self.addr)
    }

    /// The same as [`Simulator::authorize_url`].
    pub fn oauth_authorize_url(&self) -> String {
        self.authorize_url()
    }

    /// Every registered OAuth client: [`SimConfig::oauth`] first, then
    /// [`SimConfig::oauth_clients`].
    pub fn oauth_clients(&self) -> &[OAuthConfig] {
        &self.shared.clients
    }

    /// Makes the simulated user refuse consent (`error=access_denied`) to every client, or
    /// returns to each client's own [`OAuthConfig::deny_consent`].
    pub fn deny_consent(&self, deny: bool) {
        self.shared.deny_consent.store(deny, Ordering::SeqCst);
    }

    /// Chooses the account that consents on `/oauth/authorize` when the request has no
    /// `login_hint` (initially the default account).
    pub fn set_consenting_account(&self, account: &str) -> Result<(), SimError> {
        let handle = self.require(account)?;
        *lock(&self.shared.consenting) = handle.account_arc();
        Ok(())
    }

    /// Counters of the token endpoint, over every account and client.
    pub fn oauth_stats(&self) -> OAuthStats {
        lock(&self.shared.oauth).stats
    }

    /// Counters of the token requests that named one account's codes or refresh tokens;
    /// `None` if no account has this name or ID.
    pub fn account_oauth_stats(&self, account: &str) -> Option<OAuthStats> {
        self.account(account).map(|a| a.oauth_stats())
    }

    /// Revokes every live refresh token of an account, so that its next refresh answers
    /// `invalid_grant`. Returns how many were revoked.
    pub fn revoke_refresh_tokens(&self, account: &str) -> Result<usize, SimError> {
        Ok(self.require(account)?.revoke_refresh_tokens())
    }

    /// Makes every issued access token invalid (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        lock(&self.shared.oauth).expire_access_tokens();
    }
}

/// Every OAuth client, the default one first; client IDs must be unique.
fn clients(config: &SimConfig) -> Result<Vec<OAuthConfig>, SimError> {
    let clients: Vec<OAuthConfig> = std::iter::once(config.oauth.clone())
        .chain(config.oauth_clients.iter().cloned())
        .collect();
    let mut seen = std::collections::HashSet::new();
    for client in &clients {
        if !seen.insert(client.client_id.as_str()) {
            return Err(SimError::DuplicateClient {
                client_id: client.client_id.clone(),
            });
        }
    }
    Ok(clients)
}

/// The accounts a configuration declares: the default one (number 0) first.
fn accounts(
    spec: &lever_spec::Spec,
    config: &SimConfig,
) -> Result<(Registry, Arc<account::Account>), SimError> {
    let mut registry = Registry::default();
    let default = AccountConfig {
        name: DEFAULT_ACCOUNT.to_string(),
        api_keys: config.api_keys.clone(),
        seed_data: config.seed_data,
    };
    // The default account keeps exactly the configured keys (none if none are given), as a
    // single-account simulator always did.
    let default = registry.add(account::build(spec, config.seed, 0, default, false)?)?;
    for (index, declared) in (1u64..).zip(&config.accounts) {
        registry.add(account::build(
            spec,
            config.seed,
            index,
            declared.clone(),
            true,
        )?)?;
    }
    Ok((registry, default))
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        let _ = self.shutdown.send(true);
    }
}
