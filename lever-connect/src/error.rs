//! [`ConnectError`]: everything that can go wrong managing connections.

use crate::crypto::CryptoError;
use crate::store::StoreError;

/// Why a connection operation failed. Never contains a token, key or secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored secret could not be decrypted (wrong or missing key) or encrypted.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A call to Lever (code exchange, API-key check, webhook registration) failed.
    #[error("Lever: {0}")]
    Lever(#[from] lever_client::Error),
    /// The OAuth callback's `state` was not issued by us, or was altered.
    #[error("unknown OAuth state: not issued by this app, or altered")]
    UnknownState,
    /// The OAuth callback's `state` was already used (a replayed callback).
    #[error("OAuth state already used (replayed callback)")]
    ReplayedState,
    /// The OAuth callback's `state` expired before the customer came back.
    #[error("OAuth state expired")]
    ExpiredState,
    /// The OAuth callback came back to another redirect URI than the state was issued for.
    #[error("OAuth state was issued for another redirect URI")]
    RedirectMismatch,
    /// The customer (or Lever) declined: the callback carried `error=…` instead of a code.
    #[error("authorisation declined for account {account:?}: {error}")]
    Denied {
        /// Your account ID the state belonged to.
        account: String,
        /// The OAuth error code, e.g. `access_denied`.
        error: String,
    },
    /// The callback had neither `code` nor `error`.
    #[error("OAuth callback without a code")]
    MissingCode,
    /// No connection for this account (never connected, or disconnected).
    #[error("account {account:?} is not connected")]
    NotConnected {
        /// Your account ID.
        account: String,
    },
    /// The connection's refresh token was refused: the customer must connect again.
    #[error("account {account:?} must authorise again (Lever refused its refresh token)")]
    NeedsReauthorization {
        /// Your account ID.
        account: String,
    },
    /// The operation needs an OAuth app (`ConnectionsBuilder::oauth_app`), and none is set.
    #[error("no OAuth app configured (ConnectionsBuilder::oauth_app)")]
    NoOAuthApp,
    /// Invalid input (an empty account ID, a bad URL...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A stored secret decrypted but is not what this version writes.
    #[error("a stored secret has an unexpected shape")]
    CorruptSecret,
}

impl ConnectError {
    /// Whether the customer must go through the connect flow again.
    pub fn needs_reconnect(&self) -> bool {
        match self {
            ConnectError::NeedsReauthorization { .. } => true,
            ConnectError::Lever(e) => e.needs_reconnect(),
            _ => false,
        }
    }
}
