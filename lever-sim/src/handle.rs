//! Test hooks on one simulated account: its store, deliveries, request log and OAuth grants.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::account::{Account, RequestRecord};
use crate::oauth::OAuthStats;
use crate::state::Shared;
use crate::store::{merge, public};
use crate::util::lock;
use crate::webhooks::{self, DeliveryRecord};
use crate::SimError;
use crate::{api, query, sample};

/// Who an account is: what [`Simulator::add_account`](crate::Simulator::add_account) returns.
#[derive(Clone, PartialEq, Eq)]
pub struct SimAccount {
    /// A UUID-shaped ID, deterministic for a given seed and creation order.
    pub id: String,
    /// The unique name it was created with.
    pub name: String,
    /// Its first API key (Basic-auth username, empty password); empty if it has none.
    pub api_key: String,
}

/// The API key is a secret: Debug leaves it out.
impl std::fmt::Debug for SimAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimAccount")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Hooks on one account, from [`Simulator::account`](crate::Simulator::account). It is cheap
/// to clone and `'static`, so it can move into spawned tasks.
#[derive(Clone)]
pub struct AccountHandle {
    shared: Arc<Shared>,
    account: Arc<Account>,
}

impl std::fmt::Debug for AccountHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountHandle")
            .field("id", &self.account.id)
            .field("name", &self.account.name)
            .finish_non_exhaustive()
    }
}

impl AccountHandle {
    pub(crate) fn new(shared: Arc<Shared>, account: Arc<Account>) -> Self {
        AccountHandle { shared, account }
    }

    pub(crate) fn account_arc(&self) -> Arc<Account> {
        Arc::clone(&self.account)
    }

    /// The account's ID.
    pub fn id(&self) -> &str {
        &self.account.id
    }

    /// The account's name.
    pub fn name(&self) -> &str {
        &self.account.name
    }

    /// The account's first API key (empty if it has none).
    pub fn api_key(&self) -> &str {
        self.account.api_keys.first().map_or("", String::as_str)
    }

    /// Every API key of the account.
    pub fn api_keys(&self) -> &[String] {
        &self.account.api_keys
    }

    /// ID, name and first API key.
    pub fn info(&self) -> SimAccount {
        SimAccount {
            id: self.account.id.clone(),
            name: self.account.name.clone(),
            api_key: self.api_key().to_string(),
        }
    }

    // ----- store hooks -----

    /// Stores an object of type `type_name` (e.g. `"Posting"`) in this account directly,
    /// bypassing the API. A missing `id` is generated; missing `createdAt`/`updatedAt` and
    /// other required fields are filled. Returns the stored object; a type the spec has no
    /// object type for is [`SimError::UnknownType`] (with the nearest name), a value that is
    /// not a JSON object [`SimError::NotAnObject`].
    pub fn insert(&self, type_name: &str, value: Value) -> Result<Value, SimError> {
        check_type(&self.shared.spec, type_name)?;
        let Value::Object(mut obj) = value else {
            return Err(SimError::NotAnObject {
                type_name: type_name.to_owned(),
            });
        };
        let now = self.shared.clock.now_ms();
        let spec = &self.shared.spec;
        let mut store = lock(&self.account.store);
        if !obj.get("id").is_some_and(Value::is_string) {
            let id = store.rng.uuid();
            obj.insert("id".into(), json!(id));
        }
        obj.entry("createdAt").or_insert(json!(now));
        if sample::declares(spec, type_name, "updatedAt") {
            obj.entry("updatedAt").or_insert(json!(now));
        }
        sample::complete(spec, type_name, &mut obj, &mut store.rng, now, 0);
        store.put(type_name, obj.clone());
        Ok(Value::Object(public(&obj)))
    }

    /// Merges `patch` into the stored object and bumps its `updatedAt` (if it has one).
    /// Returns the updated object, or `None` if there is no such object.
    pub fn update(&self, type_name: &str, id: &str, patch: Value) -> Option<Value> {
        let now = self.shared.clock.now_ms();
        let mut store = lock(&self.account.store);
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
        lock(&self.account.store)
            .get(type_name, id)
            .map(|o| Value::Object(public(o)))
    }

    /// Every stored object of a type, in the order lists return them.
    pub fn list(&self, type_name: &str) -> Vec<Value> {
        let store = lock(&self.account.store);
        let mut items: Vec<_> = store.all(type_name).collect();
        items.sort_by_key(|o| query::sort_key(o));
        items
            .into_iter()
            .map(|o| Value::Object(public(o)))
            .collect()
    }

    /// Deletes an object as if it were deleted in Lever's app: it moves to the deleted list
    /// (`/…/deleted`, with `deletedAt`), and deleting an opportunity fires `candidateDeleted`
    /// to this account's webhooks. Returns the deleted object.
    pub fn delete(&self, type_name: &str, id: &str) -> Option<Value> {
        let now = self.shared.clock.now_ms();
        let events = {
            let mut store = lock(&self.account.store);
            store.get(type_name, id)?;
            api::delete_object(&mut store, type_name, id, None, now)
        };
        webhooks::dispatch(&self.shared, &self.account, events);
        lock(&self.account.store)
            .all_deleted(type_name)
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
            .map(|o| Value::Object(public(o)))
    }

    /// The ID of the account's seeded super admin (handy as `perform_as`).
    pub fn default_user_id(&self) -> Option<String> {
        let store = lock(&self.account.store);
        let mut users: Vec<_> = store.all("User").collect();
        users.sort_by_key(|o| query::sort_key(o));
        let pick = users
            .iter()
            .find(|u| u.get("accessRole").and_then(Value::as_str) == Some("super admin"))
            .or(users.first());
        pick.and_then(|u| u.get("id").and_then(Value::as_str).map(str::to_string))
    }

    // ----- observability -----

    /// The webhook delivery attempts of this account's webhooks, in the order they finished.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        lock(&self.shared.deliveries)
            .iter()
            .filter(|d| d.account == self.account.name)
            .cloned()
            .collect()
    }

    /// The `/v1` requests made with this account's credentials, oldest first (at most
    /// [`SimConfig::request_log_limit`](crate::SimConfig::request_log_limit) of them).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.account.requests).iter().cloned().collect()
    }

    /// Forgets this account's request log (the count stays).
    pub fn clear_requests(&self) {
        lock(&self.account.requests).clear();
    }

    /// How many `/v1` requests this account's credentials made (faulted ones included).
    pub fn request_count(&self) -> u64 {
        self.account.request_count.load(Ordering::SeqCst)
    }

    // ----- OAuth -----

    /// Issues a single-use authorization code for this account, as if its user had consented
    /// on `/oauth/authorize`. Any registered client may exchange it, with any `redirect_uri`.
    pub fn issue_auth_code(&self) -> String {
        lock(&self.shared.oauth).issue_code(Arc::clone(&self.account), None, None)
    }

    /// Counters of token requests that named this account's codes or refresh tokens.
    pub fn oauth_stats(&self) -> OAuthStats {
        lock(&self.shared.oauth).account_stats(&self.account)
    }

    /// Revokes every live refresh token of this account (using one then answers
    /// `invalid_grant`); access tokens stay valid until they expire. Returns how many were
    /// revoked.
    pub fn revoke_refresh_tokens(&self) -> usize {
        lock(&self.shared.oauth).revoke_refresh_tokens(&self.account)
    }
}

/// Refuses a type name the spec has no object type for, with the nearest one.
fn check_type(spec: &lever_spec::Spec, type_name: &str) -> Result<(), SimError> {
    let is_object = |name: &str| {
        spec.types
            .get(name)
            .is_some_and(|t| matches!(t.kind, lever_spec::TypeKind::Object(_)))
    };
    if is_object(type_name) {
        return Ok(());
    }
    let suggestion = spec
        .types
        .keys()
        .filter(|k| is_object(k))
        .map(|k| {
            (
                strsim::jaro_winkler(&type_name.to_lowercase(), &k.to_lowercase()),
                k,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score >= 0.8)
        .map(|(_, k)| k.clone());
    Err(SimError::UnknownType {
        name: type_name.to_owned(),
        suggestion,
    })
}
