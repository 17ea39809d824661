//! Simulated Lever accounts: each has its own store, rate-limit bucket, request log and
//! credentials, and a registry maps every credential to its account in O(1).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use lever_spec::Spec;

use crate::config::AccountConfig;
use crate::error::SimError;
use crate::store::Store;
use crate::util::{lock, SimRng};

/// One request an account made, for tests that check who called what and when.
///
/// `query` and `body` are kept so that tests can assert on them; their `Debug` shows only
/// their sizes, since filters such as `email=` and create bodies carry candidates' personal
/// data (synthetic here, but the same code logs real traffic elsewhere).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestRecord {
    /// The name of the account the credential belongs to.
    pub account: String,
    /// The HTTP method, e.g. `GET`.
    pub method: String,
    /// The path, e.g. `/v1/opportunities`, without the query string.
    pub path: String,
    /// The raw query string (without `?`), if the request had one.
    pub query: Option<String>,
    /// The request body as received; empty for a request that a fault stopped before its
    /// body was read.
    pub body: Vec<u8>,
    /// How the request authenticated: an API key (Basic) or an OAuth access token (Bearer).
    pub auth: AuthKind,
    /// The status answered, or `None` when fault injection dropped the connection.
    pub status: Option<u16>,
    /// When the request arrived, on the simulator's clock (ms).
    pub at_ms: i64,
    /// When the request arrived (monotonic; compare with other records' instants).
    pub started: Instant,
    /// When its response was ready (or the connection was dropped).
    pub finished: Instant,
}

impl RequestRecord {
    /// The value of query parameter `name` (percent-decoded; the first if repeated).
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The body parsed as JSON, or `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl std::fmt::Debug for RequestRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestRecord")
            .field("account", &self.account)
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "query",
                &self.query.as_ref().map(|q| format!("<{} bytes>", q.len())),
            )
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("auth", &self.auth)
            .field("status", &self.status)
            .field("at_ms", &self.at_ms)
            .finish_non_exhaustive()
    }
}

/// How a logged request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// HTTP Basic with an API key as the user name.
    ApiKey,
    /// An OAuth access token (`Authorization: Bearer …`).
    OAuth,
}

/// A token bucket's state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    pub tokens: f64,
    pub last: Instant,
}

/// One simulated account. No Debug: it holds API keys.
pub(crate) struct Account {
    pub id: String,
    pub name: String,
    pub api_keys: Vec<String>,
    pub store: Mutex<Store>,
    pub bucket: Mutex<Option<Bucket>>,
    pub requests: Mutex<VecDeque<RequestRecord>>,
    pub request_count: AtomicU64,
}

impl Account {
    /// Appends to the request log, forgetting the oldest entry beyond `limit`.
    pub(crate) fn log_request(&self, record: RequestRecord, limit: usize) {
        self.request_count.fetch_add(1, Ordering::SeqCst);
        if limit == 0 {
            return;
        }
        let mut log = lock(&self.requests);
        while log.len() >= limit {
            log.pop_front();
        }
        log.push_back(record);
    }
}

/// Derives account `index`'s seed from the configured one. Index 0 (the default account)
/// keeps the configured seed, so its data is what a single-account simulator always had.
fn account_seed(seed: u64, index: u64) -> u64 {
    if index == 0 {
        return seed;
    }
    // splitmix64: neighbouring indexes get unrelated streams, so IDs differ between accounts.
    let mut z = seed.wrapping_add(index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Builds account number `index`: its ID, keys (generated when none are given) and store
/// (seeded when asked). The ID and keys come from their own stream so that the store's
/// stream, and with it the seed data, is unchanged by them.
pub(crate) fn build(
    spec: &Spec,
    seed: u64,
    index: u64,
    config: AccountConfig,
    generate_key: bool,
) -> Result<Account, SimError> {
    if config.name.trim().is_empty() {
        return Err(SimError::EmptyAccountName);
    }
    let account_seed = account_seed(seed, index);
    let mut ids = SimRng::new(account_seed ^ 0xacc0_u64.rotate_left(48));
    let id = ids.uuid();
    let mut api_keys: Vec<String> = config
        .api_keys
        .into_iter()
        .filter(|k| !k.is_empty())
        .collect();
    if api_keys.is_empty() && generate_key {
        api_keys.push(format!("sim-key-{}", ids.alnum(32)));
    }
    let mut store = Store::new(account_seed);
    if config.seed_data {
        crate::seed::seed(spec, &mut store);
    }
    Ok(Account {
        id,
        name: config.name,
        api_keys,
        store: Mutex::new(store),
        bucket: Mutex::new(None),
        requests: Mutex::new(VecDeque::new()),
        request_count: AtomicU64::new(0),
    })
}

/// Every account, reachable by name, ID and API key. No Debug: it holds API keys.
#[derive(Default)]
pub(crate) struct Registry {
    by_key: HashMap<String, Arc<Account>>,
    by_name: HashMap<String, Arc<Account>>,
    by_id: HashMap<String, Arc<Account>>,
    order: Vec<Arc<Account>>,
}

impl Registry {
    /// Adds `account`, refusing a name or key another account already has.
    pub(crate) fn add(&mut self, account: Account) -> Result<Arc<Account>, SimError> {
        let taken = |s: &str| self.by_name.contains_key(s) || self.by_id.contains_key(s);
        if taken(&account.name) || taken(&account.id) {
            return Err(SimError::DuplicateAccount { name: account.name });
        }
        if account.api_keys.iter().any(|k| self.by_key.contains_key(k)) {
            return Err(SimError::DuplicateApiKey {
                account: account.name,
            });
        }
        let account = Arc::new(account);
        for key in &account.api_keys {
            self.by_key.insert(key.clone(), Arc::clone(&account));
        }
        self.by_name
            .insert(account.name.clone(), Arc::clone(&account));
        self.by_id.insert(account.id.clone(), Arc::clone(&account));
        self.order.push(Arc::clone(&account));
        Ok(account)
    }

    /// The account an API key belongs to.
    pub(crate) fn by_key(&self, key: &str) -> Option<&Arc<Account>> {
        self.by_key.get(key)
    }

    /// The account with this name, or else with this ID.
    pub(crate) fn find(&self, name_or_id: &str) -> Option<&Arc<Account>> {
        self.by_name
            .get(name_or_id)
            .or_else(|| self.by_id.get(name_or_id))
    }

    /// Every account, in the order they were created.
    pub(crate) fn all(&self) -> &[Arc<Account>] {
        &self.order
    }
}
