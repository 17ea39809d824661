//! Connecting an account: the OAuth flow (authorize URL, callback, code exchange), OAuth tokens
//! brought by the app, and API keys.

use base64::Engine as _;
use lever_client::oauth::{self, AuthorizeParams, CodeExchange};
use lever_client::{Method, Secret, TokenPair};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::error::ConnectError;
use crate::secrets::StoredSecret;
use crate::store::{
    ConnectionKind, ConnectionRecord, ConnectionStatus, OAuthStateRecord, StateLookup,
};
use crate::time::now_ms;
use crate::tokens::with_pair;

use super::{Callback, ConnectionEvent, ConnectionInfo, Connections};

impl Connections {
    /// The URL to send `account`'s user to, to connect their Lever account with `scopes`
    /// (`offline_access` is added, for a refresh token). Stores a single-use `state`, bound to
    /// the account and the redirect URI, that expires after the state TTL.
    pub async fn authorize_url(
        &self,
        account: &str,
        scopes: &[&str],
    ) -> Result<String, ConnectError> {
        check_account(account)?;
        let app = self.app()?;
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let state = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        let now = now_ms();
        let ttl = i64::try_from(self.inner.state_ttl.as_millis()).unwrap_or(i64::MAX);
        self.inner
            .store
            .put_state(
                &hash_state(&state),
                &OAuthStateRecord {
                    account: account.to_owned(),
                    redirect_uri: app.redirect_uri.clone(),
                    scopes: scopes.join(" "),
                    created_at: now,
                    expires_at: now.saturating_add(ttl),
                    used_at: None,
                },
            )
            .await?;
        let mut params = AuthorizeParams::new(&app.client_id, &app.redirect_uri, state)
            .environment(self.inner.environment)
            .scopes(scopes.iter().copied())
            .offline_access(true);
        params.authorize_url = app.authorize_url.clone();
        Ok(oauth::authorize_url(&params)?)
    }

    /// Completes the connect flow from the callback's query: on consent, exchanges the code
    /// and stores the connection; on `error=…` (e.g. the customer denied), consumes the state
    /// and returns [`ConnectError::Denied`]. A state that is unknown, replayed, expired or
    /// issued for another redirect URI is refused, and nothing is stored.
    pub async fn complete_callback(
        &self,
        callback: &Callback,
    ) -> Result<ConnectionInfo, ConnectError> {
        let app = self.app()?;
        let now = now_ms();
        let state = match self
            .inner
            .store
            .take_state(&hash_state(&callback.state), now)
            .await?
        {
            StateLookup::Fresh(state) => state,
            StateLookup::AlreadyUsed(_) => return Err(ConnectError::ReplayedState),
            StateLookup::Unknown => return Err(ConnectError::UnknownState),
        };
        if state.expires_at <= now {
            return Err(ConnectError::ExpiredState);
        }
        if state.redirect_uri != app.redirect_uri {
            return Err(ConnectError::RedirectMismatch);
        }
        if let Some(error) = &callback.error {
            return Err(ConnectError::Denied {
                account: state.account,
                error: error.clone(),
            });
        }
        let code = callback.code.as_deref().ok_or(ConnectError::MissingCode)?;
        let mut exchange = CodeExchange::new(
            &app.client_id,
            app.client_secret.clone(),
            code,
            &app.redirect_uri,
        )
        .environment(self.inner.environment);
        if let Some(url) = &app.token_url {
            exchange = exchange.token_url(url);
        }
        let tokens = oauth::exchange_code(&exchange).await?;
        self.store_oauth(&state.account, &tokens).await
    }

    /// [`complete_callback`](Connections::complete_callback) for a consent with `code`.
    pub async fn complete(&self, state: &str, code: &str) -> Result<ConnectionInfo, ConnectError> {
        self.complete_callback(&Callback {
            state: state.to_owned(),
            code: Some(code.to_owned()),
            error: None,
        })
        .await
    }

    /// Stores OAuth tokens you obtained yourself for `account` (e.g. migrated from another
    /// system), replacing any earlier connection.
    pub async fn connect_oauth_tokens(
        &self,
        account: &str,
        tokens: &TokenPair,
    ) -> Result<ConnectionInfo, ConnectError> {
        check_account(account)?;
        self.app()?;
        self.store_oauth(account, tokens).await
    }

    pub(super) async fn store_oauth(
        &self,
        account: &str,
        tokens: &TokenPair,
    ) -> Result<ConnectionInfo, ConnectError> {
        let record = self.fresh_record(account, ConnectionKind::OAuth).await?;
        let record = with_pair(&self.inner.keyring, record, tokens)?;
        self.inner.store.put_connection(&record).await?;
        self.forget_client(account);
        self.connected(account, ConnectionKind::OAuth).await?;
        Ok(ConnectionInfo::from(&record))
    }

    /// A new active record for `account`, keeping its first connection time.
    pub(super) async fn fresh_record(
        &self,
        account: &str,
        kind: ConnectionKind,
    ) -> Result<ConnectionRecord, ConnectError> {
        let now = now_ms();
        let previous = self.inner.store.connection(account).await?;
        Ok(ConnectionRecord {
            account: account.to_owned(),
            kind,
            status: ConnectionStatus::Active,
            status_reason: None,
            status_changed_at: now,
            sealed: None,
            expires_at: None,
            scopes: None,
            token_version: previous.as_ref().map_or(0, |p| p.token_version),
            created_at: previous.as_ref().map_or(now, |p| p.created_at),
            updated_at: now,
        })
    }

    /// Connects `account` with a Lever API key, after checking it with one cheap call
    /// (`GET /users?limit=1`). A key Lever refuses is not stored.
    pub async fn connect_api_key(
        &self,
        account: &str,
        key: impl Into<Secret>,
    ) -> Result<ConnectionInfo, ConnectError> {
        check_account(account)?;
        let key: Secret = key.into();
        let client = self.client_builder().api_key(key.expose()).build()?;
        client
            .request(Method::GET, "/users")
            .query_pair("limit", "1")
            .send()
            .await?;
        let mut record = self.fresh_record(account, ConnectionKind::ApiKey).await?;
        record.sealed = Some(
            StoredSecret::ApiKey {
                key: key.expose().to_owned(),
            }
            .seal(&self.inner.keyring, account)?,
        );
        record.token_version += 1;
        self.inner.store.put_connection(&record).await?;
        self.forget_client(account);
        self.connected(account, ConnectionKind::ApiKey).await?;
        Ok(ConnectionInfo::from(&record))
    }

    /// After a connection was stored: webhooks, then the event.
    pub(super) async fn connected(
        &self,
        account: &str,
        kind: ConnectionKind,
    ) -> Result<(), ConnectError> {
        if self.inner.webhooks.is_some() {
            self.register_webhooks(account).await?;
        }
        let _ = self.inner.events.send(ConnectionEvent::Connected {
            account: account.to_owned(),
            kind,
        });
        Ok(())
    }
}

fn hash_state(state: &str) -> String {
    let digest = Sha256::digest(state.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_account(account: &str) -> Result<(), ConnectError> {
    if account.is_empty() || account.len() > 255 || account.chars().any(char::is_control) {
        return Err(ConnectError::InvalidInput(
            "an account ID must be 1 to 255 characters, without control characters".into(),
        ));
    }
    Ok(())
}
