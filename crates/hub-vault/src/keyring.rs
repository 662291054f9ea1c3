//! Keys of the vault: one primary for encryption, older ones kept for decryption.

use aes_gcm::aead::KeyInit;
use aes_gcm::Aes256Gcm;
use base64::Engine;
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

/// The id a key carries inside every envelope it sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub u32);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("the keyring holds no key")]
    Empty,
    #[error("key entry {0} is not `<id>:<base64 of 32 bytes>`")]
    Malformed(usize),
    #[error("key {0} is not 32 bytes of base64")]
    BadKey(KeyId),
    #[error("key {0} appears twice")]
    Duplicate(KeyId),
    #[error("the primary key {0} is not in the keyring")]
    MissingPrimary(KeyId),
}

pub struct Keyring {
    primary: KeyId,
    ciphers: BTreeMap<KeyId, Aes256Gcm>,
}

// Deliberately partial: key ids only, never key material.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("primary", &self.primary).field("keys", &self.key_ids()).finish()
    }
}

impl Keyring {
    /// A keyring from raw 32-byte keys. `primary` must be one of them.
    pub fn new(
        primary: KeyId,
        keys: impl IntoIterator<Item = (KeyId, [u8; 32])>,
    ) -> Result<Self, KeyringError> {
        let mut ciphers = BTreeMap::new();
        for (id, key) in keys {
            let key = Zeroizing::new(key);
            let cipher = Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| KeyringError::BadKey(id))?;
            if ciphers.insert(id, cipher).is_some() {
                return Err(KeyringError::Duplicate(id));
            }
        }
        if ciphers.is_empty() {
            return Err(KeyringError::Empty);
        }
        if !ciphers.contains_key(&primary) {
            return Err(KeyringError::MissingPrimary(primary));
        }
        Ok(Self { primary, ciphers })
    }

    /// Parses the secret `TOKEN_VAULT_KEYS`: comma-separated `<id>:<base64 of 32 bytes>` entries.
    /// The primary is `primary` when given, else the highest id (a new key is added with a higher
    /// id, then old envelopes are resealed, then the old key is removed).
    pub fn from_config(spec: &str, primary: Option<u32>) -> Result<Self, KeyringError> {
        let mut keys = Vec::new();
        for (index, entry) in spec.split(',').map(str::trim).filter(|e| !e.is_empty()).enumerate() {
            let (id, b64) = entry.split_once(':').ok_or(KeyringError::Malformed(index))?;
            let id = KeyId(id.trim().parse().map_err(|_| KeyringError::Malformed(index))?);
            let bytes = Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|_| KeyringError::BadKey(id))?,
            );
            let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| KeyringError::BadKey(id))?;
            keys.push((id, key));
        }
        let primary = match primary {
            Some(id) => KeyId(id),
            None => keys.iter().map(|(id, _)| *id).max().ok_or(KeyringError::Empty)?,
        };
        Self::new(primary, keys)
    }

    /// The deployment's keyring from its settings: `TOKEN_VAULT_KEYS` (a secret) and the optional
    /// `TOKEN_VAULT_PRIMARY_KEY_ID`. `None` when the keys are not configured.
    pub fn from_settings(setting: impl Fn(&str) -> Option<String>) -> Option<Result<Self, KeyringError>> {
        let spec = setting("TOKEN_VAULT_KEYS")?;
        let primary = setting("TOKEN_VAULT_PRIMARY_KEY_ID").and_then(|v| v.parse().ok());
        Some(Self::from_config(&spec, primary))
    }

    pub fn primary(&self) -> KeyId {
        self.primary
    }

    pub fn key_ids(&self) -> Vec<KeyId> {
        self.ciphers.keys().copied().collect()
    }

    pub(crate) fn cipher(&self, id: KeyId) -> Option<&Aes256Gcm> {
        self.ciphers.get(&id)
    }
}
