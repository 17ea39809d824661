//! [`Connections`]: your customers' Lever accounts, keyed by your account ID.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use lever_client::oauth::{self, AuthorizeParams, CodeExchange};
use lever_client::webhooks::Verifier;
use lever_client::{
    Client, ClientBuilder, Environment, Method, OAuthCredentials, Secret, TokenPair,
};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use tokio::sync::broadcast;

use crate::crypto::Keyring;
use crate::error::ConnectError;
use crate::secrets::{open_signature_token, seal_signature_token, StoredSecret};
use crate::store::{
    ConnectionKind, ConnectionRecord, ConnectionStatus, OAuthStateRecord, StateLookup, Store,
    WebhookRecord,
};
use crate::time::{from_ms, now_ms};
use crate::tokens::{pair_of, with_pair, AccountTokens};

/// How long a cached client is trusted before its connection is read again.
const DEFAULT_REVALIDATE_AFTER: Duration = Duration::from_secs(30);

/// How long a customer has to come back from Lever's consent screen.
const DEFAULT_STATE_TTL: Duration = Duration::from_secs(600);

/// Your Lever OAuth app: what Lever registered for you.
#[derive(Clone)]
pub struct OAuthApp {
    /// The app's client ID.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// Your callback URL, exactly as registered with Lever.
    pub redirect_uri: String,
    /// Authorize endpoint override (e.g. the local simulator's `/oauth/authorize`).
    pub authorize_url: Option<String>,
    /// Token endpoint override (e.g. the local simulator's `/oauth/token`).
    pub token_url: Option<String>,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl OAuthApp {
    /// An app with Lever's endpoints for the configured environment.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        OAuthApp {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
            authorize_url: None,
            token_url: None,
        }
    }

    /// Overrides the authorize endpoint.
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = Some(url.into());
        self
    }

    /// Overrides the token endpoint.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
}

/// A change in a connection's life, from [`Connections::events`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// The account connected (or connected again).
    Connected {
        /// Your account ID.
        account: String,
        /// OAuth or API key.
        kind: ConnectionKind,
    },
    /// This process refreshed the account's access token.
    Refreshed {
        /// Your account ID.
        account: String,
    },
    /// Lever refused the account's refresh token; it must connect again. Sent once, by the
    /// process that found out.
    NeedsReauthorization {
        /// Your account ID.
        account: String,
    },
    /// The account was disconnected.
    Disconnected {
        /// Your account ID.
        account: String,
    },
}

/// A connection as [`Connections::list`] and [`Connections::status`] report it. No secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Your account ID.
    pub account: String,
    /// OAuth or API key.
    pub kind: ConnectionKind,
    /// Active, needs re-authorisation, or disconnected.
    pub status: ConnectionStatus,
    /// Why the status last changed (e.g. `invalid_grant`, `disconnected by the app`).
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_at: SystemTime,
    /// The granted OAuth scopes.
    pub scopes: Vec<String>,
    /// When the account first connected.
    pub connected_at: SystemTime,
}

impl From<&ConnectionRecord> for ConnectionInfo {
    fn from(r: &ConnectionRecord) -> Self {
        ConnectionInfo {
            account: r.account.clone(),
            kind: r.kind,
            status: r.status,
            status_reason: r.status_reason.clone(),
            status_changed_at: from_ms(r.status_changed_at),
            scopes: r
                .scopes
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            connected_at: from_ms(r.created_at),
        }
    }
}

/// The query of an OAuth callback: `?code=…&state=…` or `?error=…&state=…`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Callback {
    /// The state we issued.
    #[serde(default)]
    pub state: String,
    /// The authorization code (on consent).
    #[serde(default)]
    pub code: Option<String>,
    /// The OAuth error (e.g. `access_denied`) instead of a code.
    #[serde(default)]
    pub error: Option<String>,
}

type Configure = Arc<dyn Fn(ClientBuilder) -> ClientBuilder + Send + Sync>;

/// Lever webhooks to create in every account that connects, delivering to your route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSetup {
    /// Your webhook route's base URL; each account's webhooks deliver to
    /// `{url}/{account}` (the account ID percent-encoded), as
    /// [`webhook_routes`](crate::routes::webhook_routes) expects.
    pub url: String,
    /// Lever's event names, e.g. `applicationCreated`, `candidateStageChange`.
    pub events: Vec<String>,
}

impl WebhookSetup {
    /// Webhooks for `events`, delivered under `url`.
    pub fn new<I, S>(url: impl Into<String>, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        WebhookSetup {
            url: url.into(),
            events: events.into_iter().map(Into::into).collect(),
        }
    }

    /// The delivery URL of `account`'s webhooks.
    pub fn url_for(&self, account: &str) -> String {
        let encoded: String =
            url::form_urlencoded::byte_serialize(account.as_bytes()).collect::<String>();
        // form encoding writes spaces as '+', which a path does not decode.
        format!(
            "{}/{}",
            self.url.trim_end_matches('/'),
            encoded.replace('+', "%20")
        )
    }
}

/// Builds [`Connections`].
pub struct ConnectionsBuilder {
    store: Option<Arc<dyn Store>>,
    keyring: Option<Keyring>,
    oauth: Option<OAuthApp>,
    environment: Environment,
    base_url: Option<String>,
    state_ttl: Duration,
    configure: Option<Configure>,
    webhooks: Option<WebhookSetup>,
    revalidate_after: Duration,
}

impl fmt::Debug for ConnectionsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionsBuilder")
            .field("oauth", &self.oauth)
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ConnectionsBuilder {
    /// Where connections are kept (required).
    pub fn store(mut self, store: impl Store + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Where connections are kept, shared with other users of the same store.
    pub fn shared_store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// The keys secrets are encrypted with before they reach the store (required).
    pub fn keyring(mut self, keyring: Keyring) -> Self {
        self.keyring = Some(keyring);
        self
    }

    /// Your Lever OAuth app (needed for the OAuth connect flow and OAuth connections).
    pub fn oauth_app(mut self, app: OAuthApp) -> Self {
        self.oauth = Some(app);
        self
    }

    /// The Lever environment (API base URL, OAuth endpoints). Default: production.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// The API base URL for every account's client (e.g. the simulator's).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// How long an OAuth `state` stays valid. Default: 10 minutes.
    pub fn state_ttl(mut self, ttl: Duration) -> Self {
        self.state_ttl = ttl;
        self
    }

    /// Creates these Lever webhooks in every account when it connects (and deletes them when
    /// it disconnects); their signature tokens are stored, sealed, for
    /// [`Connections::verifier`].
    pub fn webhooks(mut self, setup: WebhookSetup) -> Self {
        self.webhooks = Some(setup);
        self
    }

    /// How long a cached client is used before the store is asked again whether its
    /// connection is still active (what another process changed). Default: 30 s.
    pub fn revalidate_after(mut self, interval: Duration) -> Self {
        self.revalidate_after = interval;
        self
    }

    /// Applies your settings (rate limit, retries, timeouts…) to every account's client.
    pub fn configure_clients(
        mut self,
        configure: impl Fn(ClientBuilder) -> ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure = Some(Arc::new(configure));
        self
    }

    /// Builds the manager.
    pub fn build(self) -> Result<Connections, ConnectError> {
        let store = self
            .store
            .ok_or_else(|| ConnectError::InvalidInput("no store: call .store(..)".into()))?;
        let keyring = self
            .keyring
            .ok_or_else(|| ConnectError::InvalidInput("no keyring: call .keyring(..)".into()))?;
        let (events, _) = broadcast::channel(1024);
        Ok(Connections {
            inner: Arc::new(Inner {
                store,
                keyring: Arc::new(keyring),
                oauth: self.oauth,
                environment: self.environment,
                base_url: self.base_url,
                state_ttl: self.state_ttl,
                configure: self.configure,
                webhooks: self.webhooks,
                revalidate_after: self.revalidate_after.into(),
                clients: RwLock::new(HashMap::new()),
                verifiers: RwLock::new(HashMap::new()),
                events,
            }),
        })
    }
}

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

impl Connections {
    /// Starts building a manager.
    pub fn builder() -> ConnectionsBuilder {
        ConnectionsBuilder {
            store: None,
            keyring: None,
            oauth: None,
            environment: Environment::Production,
            base_url: None,
            state_ttl: DEFAULT_STATE_TTL,
            configure: None,
            webhooks: None,
            revalidate_after: DEFAULT_REVALIDATE_AFTER,
        }
    }

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

    async fn store_oauth(
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
    async fn fresh_record(
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
    async fn connected(&self, account: &str, kind: ConnectionKind) -> Result<(), ConnectError> {
        if self.inner.webhooks.is_some() {
            self.register_webhooks(account).await?;
        }
        let _ = self.inner.events.send(ConnectionEvent::Connected {
            account: account.to_owned(),
            kind,
        });
        Ok(())
    }

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
    async fn delete_lever_webhooks(
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

    fn forget_verifier(&self, account: &str) {
        self.inner
            .verifiers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
    }

    fn client_builder(&self) -> ClientBuilder {
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
    fn coarse_now() -> coarsetime::Instant {
        coarsetime::Instant::now_without_cache_update()
    }

    /// Whether a cache entry last checked against the store at `checked` may still be used
    /// without reading the store again (the revalidation interval has not passed).
    fn still_fresh(&self, checked: coarsetime::Instant) -> bool {
        Self::coarse_now().duration_since(checked) < self.inner.revalidate_after
    }

    fn forget_client(&self, account: &str) {
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

    async fn client_uncached(
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
