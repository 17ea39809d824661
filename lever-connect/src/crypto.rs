//! Secrets at rest: AES-256-GCM with keys the application supplies, a key ID on every sealed
//! value so keys can be rotated.
//!
//! A sealed value is `nonce (12 bytes) || ciphertext || tag (16 bytes)`. The associated data
//! binds it to where it is stored (e.g. the connection's account), so a ciphertext copied to
//! another row does not open.

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use rand::RngCore as _;

/// Length of an AES-256 key in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

/// Why a secret could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A stored value names a key ID the keyring does not have.
    #[error("the keyring has no key {key_id:?} (was it removed after rotation?)")]
    UnknownKey {
        /// The key ID stored beside the value.
        key_id: String,
    },
    /// The value does not open with the key of its key ID: a wrong key was supplied under that
    /// ID, or the value was altered or moved to another row.
    #[error("a stored secret does not decrypt with key {key_id:?}: wrong key, or altered data")]
    WrongKey {
        /// The key ID stored beside the value.
        key_id: String,
    },
    /// Encryption failed (AES-GCM refuses only inputs of many gigabytes).
    #[error("a secret could not be encrypted")]
    Seal,
    /// A key was not 32 bytes (or not valid base64).
    #[error("invalid key {key_id:?}: {reason}")]
    InvalidKey {
        /// The key ID given with the key.
        key_id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// A value encrypted by a [`Keyring`], with the ID of the key that sealed it.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The ID of the key that sealed `bytes`.
    pub key_id: String,
    /// Nonce, ciphertext and tag.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The application's encryption keys: one active key that seals new values, and older keys
/// that still open values sealed before a rotation.
///
/// `Debug` shows key IDs only.
#[derive(Clone)]
pub struct Keyring {
    active_id: String,
    active: Aes256Gcm,
    old: BTreeMap<String, Aes256Gcm>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active_id)
            .field("old", &self.old.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A keyring whose active key is `key` under `key_id` (e.g. `"2026-12"`).
    pub fn new(key_id: impl Into<String>, key: [u8; KEY_LEN]) -> Self {
        Keyring {
            active_id: key_id.into(),
            active: Aes256Gcm::new(&key.into()),
            old: BTreeMap::new(),
        }
    }

    /// A keyring from a base64 key (standard alphabet, 32 bytes once decoded), e.g. read from
    /// an environment variable.
    pub fn from_base64(key_id: impl Into<String>, key: &str) -> Result<Self, CryptoError> {
        let key_id = key_id.into();
        let key = decode_key(&key_id, key)?;
        Ok(Keyring::new(key_id, key))
    }

    /// Adds an older key that still opens values sealed with it (new values use the active
    /// key). Values are re-sealed with the active key whenever they are written again.
    pub fn with_old_key(mut self, key_id: impl Into<String>, key: [u8; KEY_LEN]) -> Self {
        let key_id = key_id.into();
        if key_id != self.active_id {
            self.old.insert(key_id, Aes256Gcm::new(&key.into()));
        }
        self
    }

    /// A fresh random key, base64-encoded, for [`Keyring::from_base64`] (store it in your
    /// secret manager; losing it loses every stored connection).
    pub fn generate_key() -> String {
        let mut key = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        base64::engine::general_purpose::STANDARD.encode(key)
    }

    /// The ID of the key new values are sealed with.
    pub fn active_key_id(&self) -> &str {
        &self.active_id
    }

    /// Encrypts `plaintext` with the active key, bound to `context`.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<Sealed, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        let ciphertext = self
            .active
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| CryptoError::Seal)?;
        let mut bytes = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&ciphertext);
        Ok(Sealed {
            key_id: self.active_id.clone(),
            bytes,
        })
    }

    /// Decrypts a value sealed with `context`.
    pub fn open(&self, context: &[u8], sealed: &Sealed) -> Result<Vec<u8>, CryptoError> {
        let cipher = if sealed.key_id == self.active_id {
            &self.active
        } else {
            self.old
                .get(&sealed.key_id)
                .ok_or_else(|| CryptoError::UnknownKey {
                    key_id: sealed.key_id.clone(),
                })?
        };
        let wrong = || CryptoError::WrongKey {
            key_id: sealed.key_id.clone(),
        };
        if sealed.bytes.len() < NONCE_LEN {
            return Err(wrong());
        }
        let (nonce, ciphertext) = sealed.bytes.split_at(NONCE_LEN);
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| wrong())
    }
}

fn decode_key(key_id: &str, key: &str) -> Result<[u8; KEY_LEN], CryptoError> {
    let invalid = |reason| CryptoError::InvalidKey {
        key_id: key_id.to_owned(),
        reason,
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .map_err(|_| invalid("not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| invalid("not 32 bytes once decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let ring = Keyring::new("k1", [7; KEY_LEN]);
        let sealed = ring.seal(b"account-a", b"refresh-token-value").unwrap();
        assert_eq!(sealed.key_id, "k1");
        assert!(!sealed
            .bytes
            .windows(b"refresh".len())
            .any(|w| w == b"refresh"));
        assert_eq!(
            ring.open(b"account-a", &sealed).unwrap(),
            b"refresh-token-value"
        );
        // Moved to another row: does not open.
        assert!(matches!(
            ring.open(b"account-b", &sealed),
            Err(CryptoError::WrongKey { .. })
        ));
        // Two seals of one value differ (random nonce).
        assert_ne!(
            ring.seal(b"a", b"x").unwrap().bytes,
            ring.seal(b"a", b"x").unwrap().bytes
        );
    }

    #[test]
    fn wrong_and_unknown_keys_are_clear_errors() {
        let sealed = Keyring::new("k1", [1; KEY_LEN])
            .seal(b"c", b"secret")
            .unwrap();
        let wrong = Keyring::new("k1", [2; KEY_LEN]);
        let e = wrong.open(b"c", &sealed).unwrap_err();
        assert!(matches!(e, CryptoError::WrongKey { .. }), "{e}");
        let other = Keyring::new("k2", [1; KEY_LEN]);
        let e = other.open(b"c", &sealed).unwrap_err();
        assert!(matches!(e, CryptoError::UnknownKey { .. }), "{e}");
        assert!(e.to_string().contains("k1"));
        let truncated = Sealed {
            key_id: "k1".into(),
            bytes: vec![0; 3],
        };
        assert!(wrong.open(b"c", &truncated).is_err());
    }

    #[test]
    fn rotation_opens_old_values_and_seals_with_the_new_key() {
        let old = Keyring::new("2026-01", [1; KEY_LEN]);
        let sealed = old.seal(b"c", b"secret").unwrap();
        let rotated = Keyring::new("2026-12", [2; KEY_LEN]).with_old_key("2026-01", [1; KEY_LEN]);
        assert_eq!(rotated.open(b"c", &sealed).unwrap(), b"secret");
        assert_eq!(rotated.seal(b"c", b"secret").unwrap().key_id, "2026-12");
    }

    #[test]
    fn keys_from_base64_and_debug_hides_them() {
        let key = Keyring::generate_key();
        let ring = Keyring::from_base64("k", &key).unwrap();
        assert!(!format!("{ring:?}").contains(&key));
        assert!(matches!(
            Keyring::from_base64("k", "c2hvcnQ="),
            Err(CryptoError::InvalidKey { .. })
        ));
        assert!(Keyring::from_base64("k", "not base64!").is_err());
    }
}
