//! The API client of each account: built from its stored credentials, cached, and revalidated.

use std::sync::Arc;

use lever_client::{Client, ClientBuilder, OAuthCredentials, Secret};

use crate::error::ConnectError;
use crate::secrets::StoredSecret;
use crate::time::from_ms;
use crate::tokens::AccountTokens;

use super::{CachedClient, Connections};

impl Connections {
    pub(super) fn client_builder(&self) -> ClientBuilder {
        let mut builder = Client::builder().environment(self.inner.environment);
        if let Some(url) = &self.inner.base_url {
            builder = builder.base_url(url);
        }
        match &self.inner.configure {
            Some(configure) => configure(builder),
            None => builder,
        }
    }

    /// The coarse monotonic clock (a few milliseconds' resolution), read without writing
    /// coarsetime's shared cache of it, so concurrent lookups on several cores share no
    /// written cache line.
    pub(super) fn coarse_now() -> coarsetime::Instant {
        coarsetime::Instant::now_without_cache_update()
    }

    /// Whether a cache entry last checked against the store at `checked` may still be used
    /// without reading the store again (the revalidation interval has not passed).
    pub(super) fn still_fresh(&self, checked: coarsetime::Instant) -> bool {
        Self::coarse_now().duration_since(checked) < self.inner.revalidate_after
    }

    pub(super) fn forget_client(&self, account: &str) {
        self.inner
            .clients
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
    }

    /// The client that acts on behalf of `account`. Cached: later calls return a clone
    /// (sharing its connection pool, rate limiter and tokens). Its OAuth tokens are loaded
    /// from the store and refreshed under the store's lock.
    ///
    /// A cached client is checked against the store again after the revalidation interval
    /// (default 30 s, [`ConnectionsBuilder::revalidate_after`]): a disconnect, a mark of
    /// *needs re-authorisation* or a new connection made by **another process** takes effect
    /// here within that interval (in this process, at once).
    ///
    /// [`ConnectionsBuilder::revalidate_after`]: crate::ConnectionsBuilder::revalidate_after
    pub async fn client(&self, account: &str) -> Result<Client, ConnectError> {
        let cached = {
            let clients = self.inner.clients.read().unwrap_or_else(|p| p.into_inner());
            match clients.get(account) {
                Some(c) if self.still_fresh(c.checked) => {
                    return Ok(c.client.clone());
                }
                Some(c) => Some((c.client.clone(), c.connected_at)),
                None => None,
            }
        };
        // The slow path (a store read, maybe building a client) is boxed so the fast path's
        // future stays small: a cached lookup is the common case.
        Box::pin(self.client_uncached(account, cached)).await
    }

    pub(super) async fn client_uncached(
        &self,
        account: &str,
        cached: Option<(Client, i64)>,
    ) -> Result<Client, ConnectError> {
        let record = match cached {
            Some((client, connected_at)) => {
                let record = self.active_record(account).await;
                match record {
                    Ok(r) if r.status_changed_at == connected_at => {
                        if let Some(c) = self
                            .inner
                            .clients
                            .write()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_mut(account)
                        {
                            c.checked = Self::coarse_now();
                        }
                        return Ok(client);
                    }
                    Ok(r) => {
                        self.forget_client(account);
                        r
                    }
                    Err(e) => {
                        self.forget_client(account);
                        return Err(e);
                    }
                }
            }
            None => self.active_record(account).await?,
        };
        let sealed = record.sealed.as_ref().ok_or(ConnectError::NotConnected {
            account: account.to_owned(),
        })?;
        let builder = self.client_builder().account(account);
        let client = match StoredSecret::open(&self.inner.keyring, account, sealed)? {
            StoredSecret::ApiKey { key } => builder.api_key(key).build()?,
            StoredSecret::OAuth {
                access_token,
                refresh_token,
            } => {
                let app = self.app()?;
                let mut creds =
                    OAuthCredentials::new(&app.client_id, app.client_secret.clone(), access_token);
                creds.refresh_token = refresh_token.map(Secret::new);
                creds.expires_at = record.expires_at.map(from_ms);
                creds.token_url = app.token_url.clone();
                builder
                    .oauth(creds)
                    .token_store(Arc::new(AccountTokens {
                        store: Arc::clone(&self.inner.store),
                        keyring: Arc::clone(&self.inner.keyring),
                        account: account.to_owned(),
                        events: self.inner.events.clone(),
                    }))
                    .build()?
            }
        };
        let mut clients = self
            .inner
            .clients
            .write()
            .unwrap_or_else(|p| p.into_inner());
        // Another task may have built one meanwhile: keep the first, so all share one state.
        Ok(clients
            .entry(account.to_owned())
            .or_insert(CachedClient {
                client,
                checked: Self::coarse_now(),
                connected_at: record.status_changed_at,
            })
            .client
            .clone())
    }
}
