//! Registering an account's webhooks in Lever, and the verifiers the webhook route checks
//! deliveries with.

use std::sync::Arc;

use lever_client::webhooks::Verifier;
use lever_client::{Client, Method};

use crate::error::ConnectError;
use crate::secrets::{open_signature_token, seal_signature_token};
use crate::store::WebhookRecord;
use crate::time::now_ms;

use super::{CachedVerifier, Connections};

impl Connections {
    /// (Re)creates the configured webhooks in `account`'s Lever: deletes the ones it
    /// registered before, creates one per event (`POST /webhooks`), and stores each
    /// `signatureToken`, sealed. Connecting does this; call it again if it failed there.
    pub async fn register_webhooks(&self, account: &str) -> Result<(), ConnectError> {
        let Some(setup) = &self.inner.webhooks else {
            return Ok(());
        };
        let client = self.client(account).await?;
        self.delete_lever_webhooks(account, &client).await?;
        for event in &setup.events {
            let created = client
                .request(Method::POST, "/webhooks")
                .json(&serde_json::json!({ "url": setup.url_for(account), "event": event }))
                .send()
                .await?;
            let hook = created.get("data").unwrap_or(&created);
            let id = hook.get("id").and_then(|v| v.as_str());
            let token = hook
                .pointer("/configuration/signatureToken")
                .and_then(|v| v.as_str());
            let (Some(id), Some(token)) = (id, token) else {
                return Err(ConnectError::InvalidInput(
                    "Lever's webhook answer has no id or signatureToken".into(),
                ));
            };
            self.inner
                .store
                .put_webhook(&WebhookRecord {
                    account: account.to_owned(),
                    webhook_id: id.to_owned(),
                    event: event.clone(),
                    sealed_token: seal_signature_token(&self.inner.keyring, account, id, token)?,
                    created_at: now_ms(),
                })
                .await?;
        }
        self.forget_verifier(account);
        Ok(())
    }

    /// Deletes the webhooks `account` registered, in Lever (best effort: a webhook Lever no
    /// longer has is fine) and in the store.
    pub(super) async fn delete_lever_webhooks(
        &self,
        account: &str,
        client: &Client,
    ) -> Result<(), ConnectError> {
        for hook in self.inner.store.webhooks(account).await? {
            let path = format!("/webhooks/{}", hook.webhook_id);
            match client.request(Method::DELETE, &path).send().await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => tracing::warn!(error = %e, "could not delete a Lever webhook"),
            }
        }
        self.inner.store.delete_webhooks(account).await?;
        self.forget_verifier(account);
        Ok(())
    }

    /// A [`Verifier`] holding every signature token of `account`'s registered webhooks
    /// (Lever's default replay window; deduplicate in the store, as
    /// [`webhook_routes`](crate::routes::webhook_routes) does). `None` when the account has
    /// none.
    pub async fn verifier(&self, account: &str) -> Result<Option<Verifier>, ConnectError> {
        let hooks = self.inner.store.webhooks(account).await?;
        if hooks.is_empty() {
            return Ok(None);
        }
        let mut tokens = Vec::with_capacity(hooks.len());
        for hook in &hooks {
            tokens.push(open_signature_token(
                &self.inner.keyring,
                account,
                &hook.webhook_id,
                &hook.sealed_token,
            )?);
        }
        Ok(Some(Verifier::with_tokens(tokens)))
    }

    /// [`verifier`](Connections::verifier), cached like [`client`](Connections::client): the
    /// store is read again after the revalidation interval, and at once in this process after
    /// a (re)registration or a disconnect. Returns whether the verifier came from the cache,
    /// so that a delivery it refuses can be checked once more against the store (its tokens
    /// may have changed in another process).
    #[cfg(feature = "axum")]
    pub(crate) async fn cached_verifier(
        &self,
        account: &str,
    ) -> Result<Option<(Arc<Verifier>, bool)>, ConnectError> {
        {
            let verifiers = self
                .inner
                .verifiers
                .read()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(cached) = verifiers.get(account) {
                if self.still_fresh(cached.checked) {
                    return Ok(Some((Arc::clone(&cached.verifier), true)));
                }
            }
        }
        self.reload_verifier(account)
            .await
            .map(|v| v.map(|v| (v, false)))
    }

    /// Reads `account`'s verifier from the store and caches it (or forgets it when the
    /// account has no webhooks).
    #[cfg(feature = "axum")]
    pub(crate) async fn reload_verifier(
        &self,
        account: &str,
    ) -> Result<Option<Arc<Verifier>>, ConnectError> {
        let loaded = self.verifier(account).await?.map(Arc::new);
        let mut verifiers = self
            .inner
            .verifiers
            .write()
            .unwrap_or_else(|p| p.into_inner());
        match &loaded {
            Some(verifier) => {
                verifiers.insert(
                    account.to_owned(),
                    CachedVerifier {
                        verifier: Arc::clone(verifier),
                        checked: Self::coarse_now(),
                    },
                );
            }
            None => {
                verifiers.remove(account);
            }
        }
        Ok(loaded)
    }

    pub(super) fn forget_verifier(&self, account: &str) {
        self.inner
            .verifiers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
    }
}
