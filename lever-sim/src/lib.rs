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
//! What it simulates — routing from the spec, the envelope and errors, pagination tokens,
//! filters, `expand`/`include`, `perform_as`, API-key and OAuth auth, the rate limit, webhook
//! deliveries with Lever's signature, fault injection and seed data — is described in the
//! crate's `README.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod api;
mod config;
mod error;
mod oauth;
mod query;
mod routes;
mod sample;
mod seed;
mod server;
mod state;
mod store;
mod util;
mod webhooks;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use crate::config::{
    FaultConfig, OAuthConfig, RateLimitConfig, SimConfig, WebhookRetryConfig, DEFAULT_API_KEY,
};
pub use crate::error::{ApiError, SimError};
pub use crate::oauth::OAuthStats;
pub use crate::util::Clock;
pub use crate::webhooks::{sign, DeliveryRecord, LEVER_EVENTS};

use crate::state::Shared;
use crate::store::{merge, public, Store};
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
        let mut store = Store::new(config.seed);
        if config.seed_data {
            seed::seed(&spec, &mut store);
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Lever-Webhooks")
            .build()?;
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
            fault_rng: Mutex::new(SimRng::new(config.seed ^ 0x5eed_fa17)),
            rate_limit: Mutex::new(config.rate_limit),
            buckets: Mutex::new(HashMap::new()),
            store: Mutex::new(store),
            clock: Clock::default(),
            deliveries: Mutex::new(Vec::new()),
            request_count: AtomicU64::new(0),
            oauth: Mutex::new(oauth::OAuthState::default()),
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

    /// The first configured API key (use it as the Basic-auth username, empty password).
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

    // ----- store hooks -----

    /// Stores an object of type `type_name` (e.g. `"Posting"`) directly, bypassing the API.
    /// A missing `id` is generated; missing `createdAt`/`updatedAt` and other required fields
    /// are filled. Returns the stored object, or `None` if `value` is not a JSON object.
    pub fn insert(&self, type_name: &str, value: Value) -> Option<Value> {
        let Value::Object(mut obj) = value else {
            return None;
        };
        let now = self.now_ms();
        let mut store = lock(&self.shared.store);
        if !obj.get("id").is_some_and(Value::is_string) {
            let id = store.rng.uuid();
            obj.insert("id".into(), json!(id));
        }
        obj.entry("createdAt").or_insert(json!(now));
        if sample::declares(&self.shared.spec, type_name, "updatedAt") {
            obj.entry("updatedAt").or_insert(json!(now));
        }
        sample::complete(
            &self.shared.spec,
            type_name,
            &mut obj,
            &mut store.rng,
            now,
            0,
        );
        store.put(type_name, obj.clone());
        Some(Value::Object(public(&obj)))
    }

    /// Merges `patch` into the stored object and bumps its `updatedAt` (if it has one).
    /// Returns the updated object, or `None` if there is no such object.
    pub fn update(&self, type_name: &str, id: &str, patch: Value) -> Option<Value> {
        let now = self.now_ms();
        let mut store = lock(&self.shared.store);
        let obj = store.get_mut(type_name, id)?;
        if let Value::Object(p) = &patch {
            merge(obj, p);
        }
        let patched_updated_at = patch.get("updatedAt").is_some();
        if obj.contains_key("updatedAt") && !patched_updated_at {
            obj.insert("updatedAt".into(), json!(now));
        }
        Some(Value::Object(public(obj)))
    }

    /// One stored object.
    pub fn get(&self, type_name: &str, id: &str) -> Option<Value> {
        lock(&self.shared.store)
            .get(type_name, id)
            .map(|o| Value::Object(public(o)))
    }

    /// Every stored object of a type, in the order lists return them.
    pub fn list(&self, type_name: &str) -> Vec<Value> {
        let store = lock(&self.shared.store);
        let mut items: Vec<_> = store.all(type_name).collect();
        items.sort_by_key(|o| query::sort_key(o));
        items
            .into_iter()
            .map(|o| Value::Object(public(o)))
            .collect()
    }

    /// Deletes an object as if it were deleted in Lever's app: it moves to the deleted list
    /// (`/…/deleted`, with `deletedAt`), and deleting an opportunity fires `candidateDeleted`.
    /// Returns the deleted object.
    pub fn delete(&self, type_name: &str, id: &str) -> Option<Value> {
        let now = self.now_ms();
        let events = {
            let mut store = lock(&self.shared.store);
            store.get(type_name, id)?;
            api::delete_object(&self.shared, &mut store, type_name, id, None, now)
        };
        webhooks::dispatch(&self.shared, events);
        lock(&self.shared.store)
            .all_deleted(type_name)
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
            .map(|o| Value::Object(public(o)))
    }

    /// The ID of the seeded super admin (handy as `perform_as`).
    pub fn default_user_id(&self) -> Option<String> {
        let store = lock(&self.shared.store);
        let mut users: Vec<_> = store.all("User").collect();
        users.sort_by_key(|o| query::sort_key(o));
        let pick = users
            .iter()
            .find(|u| u.get("accessRole").and_then(Value::as_str) == Some("super admin"))
            .or(users.first());
        pick.and_then(|u| u.get("id").and_then(Value::as_str).map(str::to_string))
    }

    // ----- observability -----

    /// Every webhook delivery attempt so far, in the order they finished.
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

    // ----- runtime configuration -----

    /// Replaces the fault configuration.
    pub fn set_faults(&self, faults: FaultConfig) {
        *lock(&self.shared.faults) = faults;
    }

    /// The current fault configuration.
    pub fn faults(&self) -> FaultConfig {
        lock(&self.shared.faults).clone()
    }

    /// Replaces the rate limit (`None` disables it) and refills every bucket.
    pub fn set_rate_limit(&self, limit: Option<RateLimitConfig>) {
        *lock(&self.shared.rate_limit) = limit;
        lock(&self.shared.buckets).clear();
    }

    // ----- OAuth -----

    /// Issues a fresh single-use authorization code, as Lever's `/authorize` redirect would.
    pub fn issue_auth_code(&self) -> String {
        let code = lock(&self.shared.store).rng.alnum(32);
        lock(&self.shared.oauth).add_code(code.clone());
        code
    }

    /// Counters of the token endpoint.
    pub fn oauth_stats(&self) -> OAuthStats {
        lock(&self.shared.oauth).stats
    }

    /// Makes every issued access token invalid (refresh tokens stay valid).
    pub fn expire_access_tokens(&self) {
        lock(&self.shared.oauth).expire_access_tokens();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        let _ = self.shutdown.send(true);
    }
}
