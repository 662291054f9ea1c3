//! The token vault: encryption at rest for OAuth tokens.
//!
//! AES-256-GCM with a 96-bit random nonce per encryption, in a versioned envelope:
//!
//! ```text
//! 0x01 | key_id (u32, big-endian) | nonce (12 bytes) | ciphertext | tag (16 bytes)
//! ```
//!
//! The associated data binds the purpose, the owning record and the field, and the key id, so a
//! ciphertext moved to another row or column, or relabelled with another key id, fails to decrypt.
//! A [`Keyring`] holds one primary key for encryption and older keys for decryption; [`reseal`]
//! moves an envelope to the primary key and is a no-op when it is there already (idempotent, so a
//! re-encryption job can stop and resume anywhere).
//!
//! Every failure is a typed [`VaultError`]: nothing here panics on input, and no partial plaintext
//! is ever returned. Key material never appears in `Debug` output. Randomness comes through the
//! [`hub_ports::Random`] port. This crate builds for wasm32 and native.
#![forbid(unsafe_code)]

mod keyring;

pub use keyring::{KeyId, Keyring, KeyringError};

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Nonce;
use hub_ports::Random;
use zeroize::Zeroizing;

/// The envelope format this crate writes.
pub const ENVELOPE_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;
/// The shortest possible envelope: header and tag around an empty plaintext.
pub const MIN_ENVELOPE_LEN: usize = HEADER_LEN + TAG_LEN;
const AAD_DOMAIN: &[u8] = b"eve-auth-hub/vault/v1";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("envelope of {len} bytes is shorter than the minimum of {MIN_ENVELOPE_LEN}")]
    Truncated { len: usize },
    #[error("envelope version {0} is not supported")]
    UnsupportedVersion(u8),
    #[error("envelope names key {0}, which the keyring does not hold")]
    UnknownKey(KeyId),
    /// Authentication failed: the bytes, the associated data or the key do not match.
    #[error("envelope failed authentication (tampered, moved to another record or field, or wrong key)")]
    Tampered,
    #[error("encryption failed")]
    Encrypt,
}

/// What a ciphertext is bound to. All three must match at decryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aad<'a> {
    /// What the secret is for, e.g. `"eve-sso"`.
    pub purpose: &'a str,
    /// The owning record, e.g. a character id.
    pub record: &'a str,
    /// The column or field, e.g. `"refresh_token"`.
    pub field: &'a str,
}

impl Aad<'_> {
    /// Length-prefixed, so `("ab", "c")` and `("a", "bc")` never collide.
    fn bytes(&self, key_id: KeyId) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            AAD_DOMAIN.len() + 16 + self.purpose.len() + self.record.len() + self.field.len(),
        );
        out.extend_from_slice(AAD_DOMAIN);
        for part in [self.purpose, self.record, self.field] {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(&key_id.0.to_be_bytes());
        out
    }
}

/// Encrypts `plaintext` under the keyring's primary key.
pub fn seal(
    keyring: &Keyring,
    random: &impl Random,
    aad: Aad<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let key_id = keyring.primary();
    let cipher = keyring.cipher(key_id).ok_or(VaultError::UnknownKey(key_id))?;
    let nonce: [u8; NONCE_LEN] = random.bytes();
    let aad_bytes = aad.bytes(key_id);
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad_bytes })
        .map_err(|_| VaultError::Encrypt)?;
    let mut envelope = Vec::with_capacity(HEADER_LEN + sealed.len());
    envelope.push(ENVELOPE_VERSION);
    envelope.extend_from_slice(&key_id.0.to_be_bytes());
    envelope.extend_from_slice(&nonce);
    envelope.extend_from_slice(&sealed);
    Ok(envelope)
}

struct Parsed<'a> {
    key_id: KeyId,
    nonce: &'a [u8],
    sealed: &'a [u8],
}

fn parse(envelope: &[u8]) -> Result<Parsed<'_>, VaultError> {
    if envelope.len() < MIN_ENVELOPE_LEN {
        return Err(VaultError::Truncated { len: envelope.len() });
    }
    let (header, sealed) = envelope.split_at(HEADER_LEN);
    if header[0] != ENVELOPE_VERSION {
        return Err(VaultError::UnsupportedVersion(header[0]));
    }
    let key_id = KeyId(u32::from_be_bytes([header[1], header[2], header[3], header[4]]));
    Ok(Parsed { key_id, nonce: &header[5..HEADER_LEN], sealed })
}

/// The key an envelope was sealed with, without decrypting it (for rotation progress and for
/// refusing to drop a key that still protects data).
pub fn key_id_of(envelope: &[u8]) -> Result<KeyId, VaultError> {
    parse(envelope).map(|p| p.key_id)
}

/// Decrypts an envelope. The plaintext is wiped from memory when dropped.
pub fn open(keyring: &Keyring, aad: Aad<'_>, envelope: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let parsed = parse(envelope)?;
    let cipher = keyring.cipher(parsed.key_id).ok_or(VaultError::UnknownKey(parsed.key_id))?;
    let aad_bytes = aad.bytes(parsed.key_id);
    cipher
        .decrypt(Nonce::from_slice(parsed.nonce), Payload { msg: parsed.sealed, aad: &aad_bytes })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Tampered)
}

/// Re-encrypts an envelope under the primary key. Returns `Ok(None)` when it already uses the
/// primary key, so running a rotation twice changes nothing the second time.
pub fn reseal(
    keyring: &Keyring,
    random: &impl Random,
    aad: Aad<'_>,
    envelope: &[u8],
) -> Result<Option<Vec<u8>>, VaultError> {
    if key_id_of(envelope)? == keyring.primary() {
        return Ok(None);
    }
    let plaintext = open(keyring, aad, envelope)?;
    seal(keyring, random, aad, &plaintext).map(Some)
}

#[cfg(test)]
mod tests;
