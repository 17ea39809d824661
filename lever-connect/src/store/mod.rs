//! Where connections live: the [`Store`] trait and its records, implemented for SQLite and
//! PostgreSQL by [`SqlStore`].
//!
//! A store only ever sees sealed secrets ([`Sealed`]): encryption happens above it, in
//! [`Connections`](crate::Connections), so no implementation can leak a token into a table.

mod sql;

use std::fmt;

use futures::future::BoxFuture;

use crate::crypto::Sealed;

pub(crate) use sql::{attempts_of, limit_param};
pub use sql::{Backend, SqlStore};

/// How a connection authenticates to Lever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionKind {
    /// OAuth 2 tokens for the app (authorisation-code grant, rotating refresh tokens).
    OAuth,
    /// A Lever API key the customer pasted.
    ApiKey,
}

impl ConnectionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::OAuth => "oauth",
            ConnectionKind::ApiKey => "api_key",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "oauth" => Some(ConnectionKind::OAuth),
            "api_key" => Some(ConnectionKind::ApiKey),
            _ => None,
        }
    }
}

/// Whether a connection can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    /// Usable: calls are made on the customer's behalf.
    Active,
    /// Lever refused the refresh token (`invalid_grant`): the customer must connect again.
    /// No token request is made for it until then.
    NeedsReauthorization,
    /// Disconnected: its credentials were deleted.
    Disconnected,
}

impl ConnectionStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::NeedsReauthorization => "needs_reauthorization",
            ConnectionStatus::Disconnected => "disconnected",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(ConnectionStatus::Active),
            "needs_reauthorization" => Some(ConnectionStatus::NeedsReauthorization),
            "disconnected" => Some(ConnectionStatus::Disconnected),
            _ => None,
        }
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::NeedsReauthorization => "needs re-authorisation",
            ConnectionStatus::Disconnected => "disconnected",
        })
    }
}

/// One connected account as stored. Times are milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    /// Your account ID (the key).
    pub account: String,
    /// OAuth or API key.
    pub kind: ConnectionKind,
    /// Active, needs re-authorisation, or disconnected.
    pub status: ConnectionStatus,
    /// Why the status last changed (e.g. `invalid_grant`); never a secret.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_at: i64,
    /// The sealed credentials (`None` once disconnected).
    pub sealed: Option<Sealed>,
    /// When the OAuth access token expires.
    pub expires_at: Option<i64>,
    /// The granted scopes, space-separated.
    pub scopes: Option<String>,
    /// Incremented on every credential write.
    pub token_version: i64,
    /// When the account first connected.
    pub created_at: i64,
    /// When the record last changed.
    pub updated_at: i64,
}

/// A pending OAuth `state`, created by
/// [`Connections::authorize_url`](crate::Connections::authorize_url).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthStateRecord {
    /// The account that asked to connect.
    pub account: String,
    /// The redirect URI the state was issued for.
    pub redirect_uri: String,
    /// The scopes asked for, space-separated.
    pub scopes: String,
    /// When it was issued.
    pub created_at: i64,
    /// When it stops being accepted.
    pub expires_at: i64,
    /// When a callback consumed it.
    pub used_at: Option<i64>,
}

/// What [`Store::take_state`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLookup {
    /// Unused until now; now marked used.
    Fresh(OAuthStateRecord),
    /// Already consumed by an earlier callback (a replay).
    AlreadyUsed(OAuthStateRecord),
    /// Never issued (forged or tampered).
    Unknown,
}

/// A webhook the app registered in a customer's Lever account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    /// Your account ID.
    pub account: String,
    /// Lever's webhook ID.
    pub webhook_id: String,
    /// The Lever event it delivers (e.g. `candidateStageChange`).
    pub event: String,
    /// Its sealed `signatureToken`.
    pub sealed_token: Sealed,
    /// When it was registered.
    pub created_at: i64,
}

/// The body of a [`Store::update_locked`]: given the record as stored under the lock (or
/// `None`), returns what to write before the lock is released (or `None` to write nothing).
pub type LockedUpdate<'a> = Box<
    dyn FnOnce(Option<ConnectionRecord>) -> BoxFuture<'a, Option<ConnectionRecord>> + Send + 'a,
>;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database refused or failed a query.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value is not one this version understands (e.g. an unknown status).
    #[error("unexpected value in column {column}")]
    Corrupt {
        /// The column.
        column: &'static str,
    },
    /// Another process held the connection's refresh lock for longer than the wait allows.
    #[error("timed out waiting for the refresh lock of a connection")]
    LockTimeout,
    /// The database URL is not `sqlite:` or `postgres:`.
    #[error("unsupported database URL scheme {scheme:?} (use sqlite: or postgres:)")]
    UnsupportedUrl {
        /// The URL's scheme.
        scheme: String,
    },
}

/// Everything `lever-connect` keeps, behind one trait so that SQLite (one machine) and
/// PostgreSQL (many workers) run the same code. [`SqlStore`] implements it for both; every
/// implementation must pass the conformance suite in `lever-connect/tests/conformance.rs`.
pub trait Store: Send + Sync + fmt::Debug {
    /// Creates or replaces the record of `record.account`.
    fn put_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The record of `account`.
    fn connection<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<ConnectionRecord>, StoreError>>;

    /// Every record, ordered by account.
    fn connections(&self) -> BoxFuture<'_, Result<Vec<ConnectionRecord>, StoreError>>;

    /// Runs `update` while holding a lock on `account`'s record that excludes every other
    /// `update_locked` on it, in any process sharing the database, and writes what it returns
    /// before releasing the lock. This is what makes token refresh happen once per expiry.
    fn update_locked<'a>(
        &'a self,
        account: &'a str,
        update: LockedUpdate<'a>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Stores a pending OAuth state under the hash of its value.
    fn put_state<'a>(
        &'a self,
        state_hash: &'a str,
        record: &'a OAuthStateRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Consumes a pending state: marks it used at `now` if it was not, atomically.
    fn take_state<'a>(
        &'a self,
        state_hash: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<StateLookup, StoreError>>;

    /// Deletes states that expired before `before`; returns how many.
    fn prune_states(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Stores (or replaces) a registered webhook.
    fn put_webhook<'a>(
        &'a self,
        record: &'a WebhookRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The webhooks registered for `account`.
    fn webhooks<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Vec<WebhookRecord>, StoreError>>;

    /// Forgets every webhook of `account`.
    fn delete_webhooks<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The checkpoint JSON of `(account, trigger)`.
    fn checkpoint<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Saves (replaces) the checkpoint JSON of `(account, trigger)`; durable when it returns.
    fn put_checkpoint<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
        checkpoint: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Records a webhook delivery by its dedup key; `true` the first time, `false` when the
    /// key was already recorded (by any process).
    fn record_delivery<'a>(
        &'a self,
        dedup_key: &'a str,
        account: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Whether a delivery with this dedup key was recorded (by any process).
    fn delivery_recorded<'a>(
        &'a self,
        dedup_key: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Forgets a recorded delivery (its handling failed, so Lever's retry must be accepted).
    fn forget_delivery<'a>(&'a self, dedup_key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}
