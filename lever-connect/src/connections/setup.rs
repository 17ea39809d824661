//! What a [`Connections`] is built from and what it reports: the OAuth app, the webhook set-up,
//! the builder, and connection info and events.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use lever_client::{ClientBuilder, Environment, Secret};
use tokio::sync::broadcast;

use crate::crypto::Keyring;
use crate::error::ConnectError;
use crate::store::{ConnectionKind, ConnectionRecord, ConnectionStatus, Store};
use crate::time::from_ms;

use super::{Connections, Inner};

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

pub(super) type Configure = Arc<dyn Fn(ClientBuilder) -> ClientBuilder + Send + Sync>;

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
}
