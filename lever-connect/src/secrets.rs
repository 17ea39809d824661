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
