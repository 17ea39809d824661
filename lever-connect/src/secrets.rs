//! What is sealed in a connection row, and the associated data that binds it to its row.

use serde::{Deserialize, Serialize};

use crate::crypto::{Keyring, Sealed};
use crate::error::ConnectError;

/// The credentials of one connection, as sealed into `lever_connections.sealed_secret`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum StoredSecret {
    OAuth {
        access_token: String,
        refresh_token: Option<String>,
    },
    ApiKey {
        key: String,
    },
}

fn connection_context(account: &str) -> Vec<u8> {
    [b"lever-connect/connection/".as_slice(), account.as_bytes()].concat()
}

fn webhook_context(account: &str, webhook_id: &str) -> Vec<u8> {
    [
        b"lever-connect/webhook/".as_slice(),
        account.as_bytes(),
        b"/",
        webhook_id.as_bytes(),
    ]
    .concat()
}

/// Seals a webhook's `signatureToken`, bound to its account and webhook ID.
pub(crate) fn seal_signature_token(
    keyring: &Keyring,
    account: &str,
    webhook_id: &str,
    token: &str,
) -> Result<Sealed, ConnectError> {
    Ok(keyring.seal(&webhook_context(account, webhook_id), token.as_bytes())?)
}

/// Opens a sealed `signatureToken`.
pub(crate) fn open_signature_token(
    keyring: &Keyring,
    account: &str,
    webhook_id: &str,
    sealed: &Sealed,
) -> Result<String, ConnectError> {
    let bytes = keyring.open(&webhook_context(account, webhook_id), sealed)?;
    String::from_utf8(bytes).map_err(|_| ConnectError::CorruptSecret)
}

impl StoredSecret {
    pub(crate) fn seal(&self, keyring: &Keyring, account: &str) -> Result<Sealed, ConnectError> {
        let json = serde_json::to_vec(self).map_err(|_| ConnectError::CorruptSecret)?;
        Ok(keyring.seal(&connection_context(account), &json)?)
    }

    pub(crate) fn open(
        keyring: &Keyring,
        account: &str,
        sealed: &Sealed,
    ) -> Result<StoredSecret, ConnectError> {
        let json = keyring.open(&connection_context(account), sealed)?;
        serde_json::from_slice(&json).map_err(|_| ConnectError::CorruptSecret)
    }
}
