//! Where token pairs are persisted: [`TokenStore`] and the in-memory [`MemoryTokenStore`].

use std::sync::Mutex;

use futures::future::BoxFuture;

use super::TokenPair;
use crate::error::{BoxError, Error};

/// Persists token pairs. The client calls [`TokenStore::save`] after every successful refresh
/// (with the new, rotated refresh token) before the refreshed token is used.
///
/// A failing `save` is logged at `error` level and does not fail the request: the new tokens
/// stay in use in memory.
///
/// ```
/// use futures::future::BoxFuture;
/// use lever_client::{TokenPair, TokenStore};
///
/// struct PrintStore;
/// impl TokenStore for PrintStore {
///     fn save<'a>(
///         &'a self,
///         tokens: &'a TokenPair,
///     ) -> BoxFuture<'a, Result<(), Box<dyn std::error::Error + Send + Sync>>> {
///         Box::pin(async move {
///             // write tokens.refresh_token to your database here
///             let _ = tokens;
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait TokenStore: Send + Sync {
    /// Stores a new token pair.
    fn save<'a>(&'a self, tokens: &'a TokenPair) -> BoxFuture<'a, Result<(), BoxError>>;

    /// The token pair as currently stored, or `None` when the store keeps none.
    ///
    /// The default keeps nothing (`Ok(None)`).
    fn load(&self) -> BoxFuture<'_, Result<Option<TokenPair>, BoxError>> {
        Box::pin(async { Ok(None) })
    }

    /// Runs one refresh of the access token `stale` under a lock the store holds, so that
    /// clients in **several processes** sharing one connection refresh it once per expiry.
    ///
    /// Lever rotates refresh tokens: two refreshes with the same refresh token at once make
    /// the second fail with `invalid_grant`, which disconnects the customer. A store shared
    /// by several processes (a database) implements this as:
    ///
    /// 1. take a lock on the connection that other processes respect (a row lock such as
    ///    `SELECT … FOR UPDATE`, an advisory lock, or a lease row);
    /// 2. re-read the stored pair; if its access token is no longer `stale`'s, another
    ///    process already refreshed: return the stored pair **without** calling
    ///    [`Refresh::run`];
    /// 3. if the connection is known to need re-authorisation, return
    ///    [`Error::invalid_grant`] without calling Lever;
    /// 4. otherwise call [`Refresh::run`] with the stored pair (its refresh token is the
    ///    newest), save the new pair, release the lock, return it. When `run` fails with an
    ///    error for which [`Error::needs_reconnect`] is true, record that the connection needs
    ///    re-authorisation before releasing the lock.
    ///
    /// Within one process, the client already runs one refresh at a time. The default
    /// implementation takes no lock: it runs the refresh with `stale` and then [`save`]s the
    /// new pair (a failing save is logged, the new tokens stay in use) — right for a store
    /// only one process writes.
    ///
    /// [`save`]: TokenStore::save
    fn refresh_locked<'a>(
        &'a self,
        stale: &'a TokenPair,
        refresh: Refresh<'a>,
    ) -> BoxFuture<'a, Result<TokenPair, Error>> {
        Box::pin(async move {
            let pair = refresh.run(stale.clone()).await?;
            if let Err(e) = self.save(&pair).await {
                tracing::error!(error = %e, "token store failed to save the refreshed tokens");
            }
            Ok(pair)
        })
    }
}

/// The call to Lever's token endpoint that a [`TokenStore::refresh_locked`] runs while it
/// holds its lock. Consumed by [`Refresh::run`]: a refresh token is used at most once.
pub struct Refresh<'a> {
    run: Box<dyn FnOnce(TokenPair) -> BoxFuture<'a, Result<TokenPair, Error>> + Send + 'a>,
}

impl<'a> Refresh<'a> {
    /// Wraps the refresh call (the client builds these; tests of a store may too).
    pub fn new(
        run: impl FnOnce(TokenPair) -> BoxFuture<'a, Result<TokenPair, Error>> + Send + 'a,
    ) -> Self {
        Refresh { run: Box::new(run) }
    }

    /// Exchanges `current`'s refresh token for a new pair (Lever rotates the refresh token;
    /// when the answer has none, the old one is kept).
    pub async fn run(self, current: TokenPair) -> Result<TokenPair, Error> {
        (self.run)(current).await
    }
}

impl std::fmt::Debug for Refresh<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Refresh")
    }
}

impl<S: TokenStore + ?Sized> TokenStore for std::sync::Arc<S> {
    fn save<'a>(&'a self, tokens: &'a TokenPair) -> BoxFuture<'a, Result<(), BoxError>> {
        (**self).save(tokens)
    }

    fn load(&self) -> BoxFuture<'_, Result<Option<TokenPair>, BoxError>> {
        (**self).load()
    }

    fn refresh_locked<'a>(
        &'a self,
        stale: &'a TokenPair,
        refresh: Refresh<'a>,
    ) -> BoxFuture<'a, Result<TokenPair, Error>> {
        (**self).refresh_locked(stale, refresh)
    }
}

/// A [`TokenStore`] that keeps the latest pair in memory (useful in tests, or to read the
/// current tokens back at shutdown).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    latest: Mutex<Option<TokenPair>>,
    saves: Mutex<u64>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The last pair saved.
    pub fn latest(&self) -> Option<TokenPair> {
        // Plain data: a poisoned lock still holds a consistent value.
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many pairs were saved.
    pub fn save_count(&self) -> u64 {
        *self.saves.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for MemoryTokenStore {
    fn save<'a>(&'a self, tokens: &'a TokenPair) -> BoxFuture<'a, Result<(), BoxError>> {
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(tokens.clone());
        *self.saves.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        Box::pin(async { Ok(()) })
    }

    fn load(&self) -> BoxFuture<'_, Result<Option<TokenPair>, BoxError>> {
        let latest = self.latest();
        Box::pin(async move { Ok(latest) })
    }
}
