//! The [`TokenStore`] of one connected account: tokens loaded from and saved to the
//! [`Store`], refreshed under the store's lock so processes sharing it refresh once.

use std::sync::Arc;

use futures::future::BoxFuture;
use lever_client::{Error, Refresh, Secret, TokenPair, TokenStore};
use tokio::sync::broadcast;

use crate::connections::ConnectionEvent;
use crate::crypto::Keyring;
use crate::secrets::StoredSecret;
use crate::store::{ConnectionRecord, ConnectionStatus, Store};
use crate::time::{from_ms, now_ms, to_ms};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub(crate) struct AccountTokens {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) keyring: Arc<Keyring>,
    pub(crate) account: String,
    pub(crate) events: broadcast::Sender<ConnectionEvent>,
}

impl std::fmt::Debug for AccountTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountTokens")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// The token pair in a record, if it is an OAuth record with credentials.
pub(crate) fn pair_of(
    keyring: &Keyring,
    record: &ConnectionRecord,
) -> Result<Option<TokenPair>, crate::ConnectError> {
    let Some(sealed) = &record.sealed else {
        return Ok(None);
    };
    match StoredSecret::open(keyring, &record.account, sealed)? {
        StoredSecret::OAuth {
            access_token,
            refresh_token,
        } => Ok(Some(TokenPair {
            access_token: Secret::new(access_token),
            refresh_token: refresh_token.map(Secret::new),
            expires_at: record.expires_at.map(from_ms),
            token_type: Some("Bearer".into()),
            scope: record.scopes.clone(),
        })),
        StoredSecret::ApiKey { .. } => Ok(None),
    }
}

/// `record` with `pair` sealed in.
pub(crate) fn with_pair(
    keyring: &Keyring,
    mut record: ConnectionRecord,
    pair: &TokenPair,
) -> Result<ConnectionRecord, crate::ConnectError> {
    let secret = StoredSecret::OAuth {
        access_token: pair.access_token.expose().to_owned(),
        refresh_token: pair.refresh_token.as_ref().map(|t| t.expose().to_owned()),
    };
    record.sealed = Some(secret.seal(keyring, &record.account)?);
    record.expires_at = pair.expires_at.map(to_ms);
    if pair.scope.is_some() {
        record.scopes = pair.scope.clone();
    }
    record.token_version += 1;
    record.updated_at = now_ms();
    Ok(record)
}

/// What happened under the lock, reported after it is released.
enum Outcome {
    NotRun,
    AlreadyRefreshed(TokenPair),
    Refreshed(TokenPair),
    Failed(Error),
    Broken(Error),
}

impl TokenStore for AccountTokens {
    fn save<'a>(&'a self, tokens: &'a TokenPair) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let Some(record) = self.store.connection(&self.account).await? else {
                return Err("the connection no longer exists".into());
            };
            let record = with_pair(&self.keyring, record, tokens)?;
            self.store.put_connection(&record).await?;
            Ok(())
        })
    }

    fn load(&self) -> BoxFuture<'_, Result<Option<TokenPair>, BoxError>> {
        Box::pin(async move {
            match self.store.connection(&self.account).await? {
                Some(record) => Ok(pair_of(&self.keyring, &record)?),
                None => Ok(None),
            }
        })
    }

    fn refresh_locked<'a>(
        &'a self,
        stale: &'a TokenPair,
        refresh: Refresh<'a>,
    ) -> BoxFuture<'a, Result<TokenPair, Error>> {
        Box::pin(async move {
            let mut outcome = Outcome::NotRun;
            let slot = &mut outcome;
            let keyring = &self.keyring;
            let update = Box::new(move |record: Option<ConnectionRecord>| {
                Box::pin(async move {
                    let (record, current) = match usable_pair(keyring, record) {
                        Ok(found) => found,
                        Err(e) => {
                            *slot = Outcome::Failed(e);
                            return None;
                        }
                    };
                    if current.access_token != stale.access_token {
                        // Another process (or client) refreshed while we waited for the lock.
                        *slot = Outcome::AlreadyRefreshed(current);
                        return None;
                    }
                    match refresh.run(current).await {
                        Ok(pair) => match with_pair(keyring, record, &pair) {
                            Ok(updated) => {
                                *slot = Outcome::Refreshed(pair);
                                Some(updated)
                            }
                            Err(e) => {
                                // The new refresh token cannot be stored: use it in memory,
                                // which beats losing it.
                                tracing::error!(error = %e, "cannot seal refreshed tokens");
                                *slot = Outcome::Refreshed(pair);
                                None
                            }
                        },
                        Err(e) if e.needs_reconnect() => {
                            *slot = Outcome::Broken(e);
                            Some(needing_reauthorization(record))
                        }
                        Err(e) => {
                            *slot = Outcome::Failed(e);
                            None
                        }
                    }
                }) as BoxFuture<'_, Option<ConnectionRecord>>
            });
            let locked = self.store.update_locked(&self.account, update).await;
            if let Err(e) = locked {
                if let Outcome::Refreshed(pair) = outcome {
                    // Lever already rotated the token: keep the new pair in memory.
                    tracing::error!(error = %e, "refreshed tokens could not be saved");
                    return Ok(pair);
                }
                return Err(Error::Auth {
                    message: "the token store failed".into(),
                    source: Some(Box::new(e)),
                });
            }
            self.settle(outcome)
        })
    }
}

impl AccountTokens {
    /// What a refresh under the lock ended in, for the caller; tells the subscribers.
    fn settle(&self, outcome: Outcome) -> Result<TokenPair, Error> {
        match outcome {
            Outcome::NotRun => Err(lever_client_auth_error(
                "the token store did not run the refresh",
            )),
            Outcome::AlreadyRefreshed(pair) => Ok(pair),
            Outcome::Refreshed(pair) => {
                let _ = self.events.send(ConnectionEvent::Refreshed {
                    account: self.account.clone(),
                });
                Ok(pair)
            }
            Outcome::Failed(e) => Err(e),
            Outcome::Broken(e) => {
                let _ = self.events.send(ConnectionEvent::NeedsReauthorization {
                    account: self.account.clone(),
                });
                Err(e)
            }
        }
    }
}

/// The locked record and its tokens, when the connection is active and holds readable ones.
fn usable_pair(
    keyring: &Keyring,
    record: Option<ConnectionRecord>,
) -> Result<(ConnectionRecord, TokenPair), Error> {
    let Some(record) = record else {
        return Err(lever_client_auth_error("the connection no longer exists"));
    };
    match record.status {
        ConnectionStatus::Active => {}
        ConnectionStatus::NeedsReauthorization => return Err(Error::invalid_grant()),
        ConnectionStatus::Disconnected => {
            return Err(lever_client_auth_error("the account was disconnected"));
        }
    }
    match pair_of(keyring, &record) {
        Ok(Some(pair)) => Ok((record, pair)),
        Ok(None) => Err(lever_client_auth_error(
            "the connection holds no OAuth tokens",
        )),
        Err(e) => {
            tracing::error!(error = %e, "stored tokens cannot be read");
            Err(lever_client_auth_error(
                "the stored tokens cannot be decrypted",
            ))
        }
    }
}

/// `record` marked as needing the user to connect again (Lever refused its refresh token).
fn needing_reauthorization(mut record: ConnectionRecord) -> ConnectionRecord {
    let now = now_ms();
    record.status = ConnectionStatus::NeedsReauthorization;
    record.status_reason = Some("invalid_grant".into());
    record.status_changed_at = now;
    record.updated_at = now;
    record
}

fn lever_client_auth_error(message: &str) -> Error {
    Error::Auth {
        message: message.to_owned(),
        source: None,
    }
}
