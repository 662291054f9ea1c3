//! Login flows and sessions, written over ports so native tests drive time, randomness and storage.
//!
//! - [`oauth`]: single-use, browser-bound login state with PKCE S256, safe `return_to`, the
//!   authorize URL and the code exchange request (client credentials in HTTP Basic).
//! - [`session`]: 128-bit session tokens of which only the SHA-256 is stored, idle and absolute
//!   lifetimes, the `__Host-` cookie, and the per-session CSRF token.
//! - [`accounts`]: users and their characters, site-admin bootstrap, transfers.
//! - [`admin`]: site admins granting and revoking the right, and bans.
//!
//! Nothing here knows about workerd or a database driver.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod oauth;
pub mod session;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Base64url without padding: the encoding of every token this crate hands out.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
