//! [`Connections`]: your customers' Lever accounts, keyed by your account ID.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use lever_client::webhooks::Verifier;
use lever_client::{Client, Environment, TokenPair};
use tokio::sync::broadcast;

use crate::crypto::Keyring;
use crate::error::ConnectError;
use crate::store::{ConnectionRecord, ConnectionStatus, Store};
use crate::time::now_ms;
use crate::tokens::pair_of;

mod clients;
mod connect;
mod setup;
mod webhooks;

use setup::Configure;
pub use setup::{
    Callback, ConnectionEvent, ConnectionInfo, ConnectionsBuilder, OAuthApp, WebhookSetup,
};

/// Many customers' Lever accounts, each keyed by **your** account ID: the OAuth connect
/// flow, API-key connections, one cached [`Client`] per account whose tokens live in the
/// store, status, and lifecycle events.
///
/// Cheap to clone. Every process sharing a store sees the same connections; token refreshes
/// happen once per expiry across all of them (see the crate docs).
#[derive(Clone)]
pub struct Connections {
    inner: Arc<Inner>,
}

/// A client built for an account, and when the store last confirmed it.
struct CachedClient {
    client: Client,
    /// When the entry was last checked against the store, on the coarse clock: a cached
    /// lookup reads the clock once, and the precise clock costs more than the lookup itself
    /// on virtual machines (measured in `tests/benches/connect.rs`).
    checked: coarsetime::Instant,
    /// The record's `status_changed_at` when built: a reconnect or status change moves it.
    connected_at: i64,
}

/// An account's webhook verifier, kept so a delivery costs no store read and no decryption.
/// Only the webhook route (feature `axum`) reads it.
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
struct CachedVerifier {
    verifier: Arc<Verifier>,
    checked: coarsetime::Instant,
}

struct Inner {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    oauth: Option<OAuthApp>,
    environment: Environment,
    base_url: Option<String>,
    state_ttl: Duration,
    configure: Option<Configure>,
    webhooks: Option<WebhookSetup>,
    revalidate_after: coarsetime::Duration,
    clients: RwLock<HashMap<String, CachedClient>>,
    verifiers: RwLock<HashMap<String, CachedVerifier>>,
    events: broadcast::Sender<ConnectionEvent>,
}

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connections")
            .field("store", &self.inner.store)
            .field("oauth", &self.inner.oauth)
            .field("keyring", &self.inner.keyring)
            .finish_non_exhaustive()
    }
}

impl Connections {
    /// The store connections are kept in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Lifecycle events (connected, refreshed, needs re-authorisation, disconnected) of this
    /// process. A slow receiver misses events rather than blocking anyone.
    pub fn events(&self) -> broadcast::Receiver<ConnectionEvent> {
        self.inner.events.subscribe()
    }

    fn app(&self) -> Result<&OAuthApp, ConnectError> {
        self.inner.oauth.as_ref().ok_or(ConnectError::NoOAuthApp)
    }
}

impl Connections {
    /// The record of `account` if it is active, else the error that says why not.
    async fn active_record(&self, account: &str) -> Result<ConnectionRecord, ConnectError> {
        match self.inner.store.connection(account).await? {
            Some(r) if r.status == ConnectionStatus::Active => Ok(r),
            Some(r) if r.status == ConnectionStatus::NeedsReauthorization => {
                Err(ConnectError::NeedsReauthorization {
                    account: account.to_owned(),
                })
            }
            _ => Err(ConnectError::NotConnected {
                account: account.to_owned(),
            }),
        }
    }

    /// Disconnects `account`: deletes the webhooks it registered (in Lever, while its
    /// credentials still work, and in the store), deletes its credentials (the record stays,
    /// as disconnected, for [`status`](Connections::status)) and forgets its cached client.
    pub async fn disconnect(&self, account: &str) -> Result<(), ConnectError> {
        let Some(mut record) = self.inner.store.connection(account).await? else {
            return Err(ConnectError::NotConnected {
                account: account.to_owned(),
            });
        };
        let now = now_ms();
        record.status = ConnectionStatus::Disconnected;
        record.status_reason = Some("disconnected by the app".into());
        record.status_changed_at = now;
        record.updated_at = now;
        record.sealed = None;
        record.expires_at = None;
        record.token_version += 1;
        if let Ok(client) = self.client(account).await {
            self.delete_lever_webhooks(account, &client).await?;
        }
        self.inner.store.put_connection(&record).await?;
        self.inner.store.delete_webhooks(account).await?;
        self.forget_client(account);
        self.forget_verifier(account);
        let _ = self.inner.events.send(ConnectionEvent::Disconnected {
            account: account.to_owned(),
        });
        Ok(())
    }

    /// The OAuth tokens stored for `account` (`None` for API-key or disconnected accounts).
    ///
    /// **Sensitive**: for exporting or migrating connections; never log them.
    pub async fn oauth_tokens(&self, account: &str) -> Result<Option<TokenPair>, ConnectError> {
        match self.inner.store.connection(account).await? {
            Some(record) => pair_of(&self.inner.keyring, &record),
            None => Ok(None),
        }
    }

    /// Every known connection, ordered by account.
    pub async fn list(&self) -> Result<Vec<ConnectionInfo>, ConnectError> {
        let records = self.inner.store.connections().await?;
        Ok(records.iter().map(ConnectionInfo::from).collect())
    }

    /// The connection of `account`, or `None` if it never connected.
    pub async fn status(&self, account: &str) -> Result<Option<ConnectionInfo>, ConnectError> {
        let record = self.inner.store.connection(account).await?;
        Ok(record.as_ref().map(ConnectionInfo::from))
    }
}
