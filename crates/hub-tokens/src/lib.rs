//! The EVE token store's logic, over ports: tokens live encrypted (`hub-vault`) in Durable Object
//! SQLite; [`TokenStore::access_token`] hands out an access token valid for at least a minute,
//! refreshing it when needed.
//!
//! - The refresh token that comes back is stored, encrypted, before anything else awaits (the
//!   verification of the new access token may wait for the SSO's keys), and before the new access
//!   token is used.
//! - `invalid_grant` marks the character's token invalid, with reason and time, unless another
//!   execution stored a newer token meanwhile (a version counter tells): then that token is used and
//!   nothing is destroyed.
//! - Transient failures (5xx, 429, timeouts) back off exponentially with a next-retry time.
//! - A refreshed access token is verified; another owner hash means the character was sold.
//! - Alarms ([`TokenStore::next_alarm_at`], [`TokenStore::due`]) refresh ahead of expiry the tokens
//!   that background sync needs, and check every other token once a day.
//! - [`TokenStore::reseal`] re-encrypts under the primary key (key rotation).
//!
//! Single flight (one refresh for many concurrent callers) is the Durable Object's job, with
//! [`SingleFlight`]: input gates do not cover outbound fetches.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod object;
pub mod rpc;
mod single_flight;

pub use rpc::{codes, token_error};
pub use single_flight::SingleFlight;

use hub_domain::CharacterId;
use hub_ports::{Clock, HttpTransport, Random, SqlError, SqlStorage, SqlValue};
use hub_sso::client::{self as oauth, ClientConfig, TokenError as OAuthError};
use hub_vault::{Aad, Keyring, VaultError};
use serde::{Deserialize, Serialize};

/// An access token is refreshed when it has less than this left.
pub const MIN_VALIDITY_MS: i64 = 60_000;
/// Tokens that background sync needs (data scopes) are refreshed by alarm this long before they
/// expire.
pub const REFRESH_LEAD_MS: i64 = 120_000;
/// Other tokens are refreshed once a day, to find revoked grants and sold characters.
pub const VALIDATE_EVERY_MS: i64 = 24 * 3_600_000;
const FIRST_BACKOFF_MS: i64 = 5_000;
const MAX_BACKOFF_MS: i64 = 10 * 60_000;
const PURPOSE: &str = "eve-sso";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("no token stored for this character")]
    NotFound,
    #[error("the character's token is invalid: {reason}")]
    Invalid { reason: String },
    /// A refresh showed another owner hash: the character was sold; its tokens are dropped.
    #[error("the character was transferred to another account owner")]
    Transferred { new_owner_hash: String },
    #[error("EVE SSO is unavailable; next attempt at {retry_at_ms}")]
    Unavailable { retry_at_ms: i64 },
    #[error("stored token cannot be decrypted: {0}")]
    Vault(#[from] VaultError),
    #[error("token storage failed: {0}")]
    Storage(String),
}

impl From<SqlError> for TokenError {
    fn from(e: SqlError) -> Self {
        TokenError::Storage(e.to_string())
    }
}

/// Tokens from a login or a refresh. `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at_ms: i64,
    pub scopes: Vec<String>,
    pub owner_hash: String,
}

impl std::fmt::Debug for NewTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewTokens")
            .field("access_expires_at_ms", &self.access_expires_at_ms)
            .finish_non_exhaustive()
    }
}

/// A usable access token. `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    pub token: String,
    pub expires_at_ms: i64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("expires_at_ms", &self.expires_at_ms).finish_non_exhaustive()
    }
}

/// What users see about a character's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TokenHealth {
    Valid {
        scopes: Vec<String>,
        access_expires_at_ms: i64,
    },
    /// Refreshing failed for a transient reason; the next attempt is scheduled.
    Retrying {
        scopes: Vec<String>,
        next_retry_at_ms: i64,
        failures: i64,
    },
    Invalid {
        scopes: Vec<String>,
        reason: String,
        since_ms: i64,
    },
}

/// Creates the token table. Idempotent.
pub fn migrate(storage: &impl SqlStorage) -> Result<(), SqlError> {
    storage.exec(
        "CREATE TABLE IF NOT EXISTS eve_tokens (
            character_id INTEGER PRIMARY KEY,
            refresh_ct BLOB NOT NULL,
            access_ct BLOB NOT NULL,
            access_expires_at_ms INTEGER NOT NULL,
            scopes TEXT NOT NULL,
            owner_hash TEXT NOT NULL,
            invalid_reason TEXT,
            invalid_at_ms INTEGER,
            failures INTEGER NOT NULL DEFAULT 0,
            next_retry_at_ms INTEGER,
            version INTEGER NOT NULL
        )",
        &[],
    )?;
    Ok(())
}

struct Row {
    refresh_ct: Vec<u8>,
    access_ct: Vec<u8>,
    access_expires_at_ms: i64,
    scopes: Vec<String>,
    owner_hash: String,
    invalid_reason: Option<String>,
    invalid_at_ms: i64,
    failures: i64,
    next_retry_at_ms: Option<i64>,
    version: i64,
}

/// Verifies a refreshed access token (signature and claims, see `hub-sso`) and returns its owner
/// hash: how a refresh finds a sold character.
pub trait OwnerVerifier {
    async fn owner_hash(&self, access_token: &str) -> Result<String, String>;
}

/// The SSO as the token store talks to it.
pub struct Sso<'a, H, V> {
    pub http: &'a H,
    pub client: &'a ClientConfig,
    pub verifier: &'a V,
}

pub struct TokenStore<'a, S, R, C> {
    pub storage: &'a S,
    pub keyring: &'a Keyring,
    pub random: &'a R,
    pub clock: &'a C,
}

fn aad<'a>(record: &'a str, field: &'a str) -> Aad<'a> {
    Aad { purpose: PURPOSE, record, field }
}

impl<S: SqlStorage, R: Random, C: Clock> TokenStore<'_, S, R, C> {
    /// Stores a character's tokens (after a login), replacing what was there and clearing any
    /// invalid mark.
    pub fn put(&self, character: CharacterId, tokens: &NewTokens) -> Result<(), TokenError> {
        let record = character.to_string();
        let refresh_ct = hub_vault::seal(
            self.keyring,
            self.random,
            aad(&record, "refresh_token"),
            tokens.refresh_token.as_bytes(),
        )?;
        let access_ct = hub_vault::seal(
            self.keyring,
            self.random,
            aad(&record, "access_token"),
            tokens.access_token.as_bytes(),
        )?;
        self.storage.exec(
            "INSERT INTO eve_tokens (character_id, refresh_ct, access_ct, access_expires_at_ms, scopes, owner_hash, version)
             VALUES (?, ?, ?, ?, ?, ?, 1)
             ON CONFLICT (character_id) DO UPDATE SET refresh_ct = excluded.refresh_ct, access_ct = excluded.access_ct,
                access_expires_at_ms = excluded.access_expires_at_ms, scopes = excluded.scopes,
                owner_hash = excluded.owner_hash, invalid_reason = NULL, invalid_at_ms = NULL, failures = 0,
                next_retry_at_ms = NULL, version = eve_tokens.version + 1",
            &[
                SqlValue::Integer(character.0),
                SqlValue::Blob(refresh_ct),
                SqlValue::Blob(access_ct),
                SqlValue::Integer(tokens.access_expires_at_ms),
                SqlValue::Text(tokens.scopes.join(" ")),
                SqlValue::Text(tokens.owner_hash.clone()),
            ],
        )?;
        Ok(())
    }

    fn load(&self, character: CharacterId) -> Result<Option<Row>, TokenError> {
        let rows = self.storage.exec(
            "SELECT refresh_ct, access_ct, access_expires_at_ms, scopes, invalid_reason, invalid_at_ms, failures,
                    next_retry_at_ms, version, owner_hash
             FROM eve_tokens WHERE character_id = ?",
            &[SqlValue::Integer(character.0)],
        )?;
        let Some(row) = rows.into_iter().next() else { return Ok(None) };
        let shape = || TokenError::Storage("token row has an unexpected shape".into());
        let blob = |v: &SqlValue| match v {
            SqlValue::Blob(b) => Some(b.clone()),
            _ => None,
        };
        Ok(Some(Row {
            refresh_ct: row.first().and_then(blob).ok_or_else(shape)?,
            access_ct: row.get(1).and_then(blob).ok_or_else(shape)?,
            access_expires_at_ms: row.get(2).and_then(SqlValue::as_i64).ok_or_else(shape)?,
            scopes: row
                .get(3)
                .and_then(SqlValue::as_str)
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            invalid_reason: row.get(4).and_then(SqlValue::as_str).map(str::to_owned),
            invalid_at_ms: row.get(5).and_then(SqlValue::as_i64).unwrap_or_default(),
            failures: row.get(6).and_then(SqlValue::as_i64).unwrap_or_default(),
            next_retry_at_ms: row.get(7).and_then(SqlValue::as_i64),
            version: row.get(8).and_then(SqlValue::as_i64).ok_or_else(shape)?,
            owner_hash: row.get(9).and_then(SqlValue::as_str).unwrap_or_default().to_owned(),
        }))
    }

    /// Decrypts one stored field of a character's tokens.
    fn open(&self, character: CharacterId, field: &str, ciphertext: &[u8]) -> Result<String, TokenError> {
        let record = character.to_string();
        let plaintext = hub_vault::open(self.keyring, aad(&record, field), ciphertext)?;
        Ok(String::from_utf8_lossy(&plaintext).into_owned())
    }

    /// The stored access token of `row`.
    fn stored_access(&self, character: CharacterId, row: &Row) -> Result<AccessToken, TokenError> {
        Ok(AccessToken {
            token: self.open(character, "access_token", &row.access_ct)?,
            expires_at_ms: row.access_expires_at_ms,
        })
    }

    /// The token's health, or `Ok(None)` when nothing is stored for the character.
    pub fn health(&self, character: CharacterId) -> Result<Option<TokenHealth>, TokenError> {
        Ok(self.load(character)?.map(|row| match (row.invalid_reason, row.next_retry_at_ms) {
            (Some(reason), _) => {
                TokenHealth::Invalid { scopes: row.scopes, reason, since_ms: row.invalid_at_ms }
            }
            (None, Some(next)) => {
                TokenHealth::Retrying { scopes: row.scopes, next_retry_at_ms: next, failures: row.failures }
            }
            (None, None) => {
                TokenHealth::Valid { scopes: row.scopes, access_expires_at_ms: row.access_expires_at_ms }
            }
        }))
    }

    /// Deletes a character's tokens and returns the refresh token, so the caller can revoke it at
    /// the SSO. `Ok(None)` when nothing was stored.
    pub fn remove(&self, character: CharacterId) -> Result<Option<String>, TokenError> {
        let Some(row) = self.load(character)? else { return Ok(None) };
        self.delete(character)?;
        self.open(character, "refresh_token", &row.refresh_ct).map(Some)
    }

    /// An access token valid for at least [`MIN_VALIDITY_MS`], refreshed at the SSO if needed.
    pub async fn access_token<H: HttpTransport, V: OwnerVerifier>(
        &self,
        sso: &Sso<'_, H, V>,
        character: CharacterId,
    ) -> Result<AccessToken, TokenError> {
        let row = self.load(character)?.ok_or(TokenError::NotFound)?;
        let now = self.clock.now_ms();
        if let Some(reason) = row.invalid_reason {
            return Err(TokenError::Invalid { reason });
        }
        if row.access_expires_at_ms - now >= MIN_VALIDITY_MS {
            return self.stored_access(character, &row);
        }
        if let Some(retry_at_ms) = row.next_retry_at_ms.filter(|t| *t > now) {
            return Err(TokenError::Unavailable { retry_at_ms });
        }
        self.refresh(sso, character, row).await
    }

    /// When this object's alarm should next fire: the earliest time one of its tokens needs work
    /// (see [`due_at`]), or `None` when no token needs any.
    pub fn next_alarm_at(&self) -> Result<Option<i64>, TokenError> {
        Ok(self.all()?.into_iter().filter_map(|(_, row)| due_at(&row)).min())
    }

    /// The alarm's work: refreshes every token that is due, through `refresh` (so the Durable
    /// Object can share one refresh with concurrent requests). Running it twice, or early, does
    /// nothing more: a token that is not due is left alone.
    pub fn due(&self) -> Result<Vec<CharacterId>, TokenError> {
        let now = self.clock.now_ms();
        Ok(self
            .all()?
            .into_iter()
            .filter(|(_, row)| due_at(row).is_some_and(|at| at <= now))
            .map(|(character, _)| character)
            .collect())
    }

    /// Refreshes a character's token now, whatever its expiry: what the alarm runs for a due token.
    pub async fn refresh_now<H: HttpTransport, V: OwnerVerifier>(
        &self,
        sso: &Sso<'_, H, V>,
        character: CharacterId,
    ) -> Result<AccessToken, TokenError> {
        let row = self.load(character)?.ok_or(TokenError::NotFound)?;
        if let Some(reason) = row.invalid_reason {
            return Err(TokenError::Invalid { reason });
        }
        self.refresh(sso, character, row).await
    }

    async fn refresh<H: HttpTransport, V: OwnerVerifier>(
        &self,
        sso: &Sso<'_, H, V>,
        character: CharacterId,
        row: Row,
    ) -> Result<AccessToken, TokenError> {
        let refresh = self.open(character, "refresh_token", &row.refresh_ct)?;
        let answer = sso.http.send(oauth::refresh(sso.client, &refresh)).await;
        let outcome = match answer {
            Ok(response) => oauth::parse_token_response(&response),
            Err(_) => Err(OAuthError::Unavailable(0)),
        };
        let now = self.clock.now_ms();
        match outcome {
            Ok(tokens) => {
                // EVE rotates refresh tokens; a provider that does not keeps the old one.
                let refresh_token = tokens.refresh_token.unwrap_or(refresh);
                let verified_expiry = now + tokens.expires_in.saturating_mul(1000);
                // Stored (encrypted) before anything else awaits: if the object is restarted while
                // the verification below waits for the SSO's keys (a deploy), the rotated refresh
                // token survives. The access token is stored as expired, so nobody uses it unverified.
                let new = NewTokens {
                    access_expires_at_ms: 0,
                    access_token: tokens.access_token,
                    refresh_token,
                    scopes: row.scopes,
                    owner_hash: row.owner_hash,
                };
                self.put(character, &new)?;
                let version = row.version + 1;
                match sso.verifier.owner_hash(&new.access_token).await {
                    Ok(owner) if owner == new.owner_hash => {
                        self.storage.exec(
                            "UPDATE eve_tokens SET access_expires_at_ms = ? WHERE character_id = ? AND version = ?",
                            &[
                                SqlValue::Integer(verified_expiry),
                                SqlValue::Integer(character.0),
                                SqlValue::Integer(version),
                            ],
                        )?;
                        Ok(AccessToken { token: new.access_token, expires_at_ms: verified_expiry })
                    }
                    Ok(new_owner_hash) => {
                        // Sold: the seller's tokens must not be used for the buyer's character.
                        self.delete(character)?;
                        Err(TokenError::Transferred { new_owner_hash })
                    }
                    Err(reason) => {
                        // The rotated refresh token is kept, but an access token that failed
                        // verification is never served; retry later.
                        Err(self.back_off(
                            character,
                            version,
                            0,
                            now,
                            &format!("token verification: {reason}"),
                        )?)
                    }
                }
            }
            Err(OAuthError::InvalidGrant) => {
                // Another execution may have refreshed meanwhile; its token must survive.
                let changed = self.storage.exec(
                    "UPDATE eve_tokens SET invalid_reason = 'invalid_grant', invalid_at_ms = ?
                     WHERE character_id = ? AND version = ? RETURNING character_id",
                    &[SqlValue::Integer(now), SqlValue::Integer(character.0), SqlValue::Integer(row.version)],
                )?;
                if changed.is_empty() {
                    let current = self.load(character)?.ok_or(TokenError::NotFound)?;
                    if current.invalid_reason.is_none()
                        && current.access_expires_at_ms - now >= MIN_VALIDITY_MS
                    {
                        return self.stored_access(character, &current);
                    }
                }
                Err(TokenError::Invalid { reason: "invalid_grant".into() })
            }
            Err(e) => Err(self.back_off(character, row.version, row.failures, now, &e.to_string())?),
        }
    }

    /// Records one more transient failure and the next retry time (exponential backoff).
    fn back_off(
        &self,
        character: CharacterId,
        version: i64,
        failures: i64,
        now: i64,
        reason: &str,
    ) -> Result<TokenError, TokenError> {
        let failures = failures + 1;
        let exponent = u32::try_from(failures - 1).unwrap_or(u32::MAX).min(16);
        let backoff = FIRST_BACKOFF_MS.saturating_mul(1 << exponent).min(MAX_BACKOFF_MS);
        let retry_at_ms = now + backoff;
        self.storage.exec(
            "UPDATE eve_tokens SET failures = ?, next_retry_at_ms = ? WHERE character_id = ? AND version = ?",
            &[
                SqlValue::Integer(failures),
                SqlValue::Integer(retry_at_ms),
                SqlValue::Integer(character.0),
                SqlValue::Integer(version),
            ],
        )?;
        tracing::warn!(character = %character, failures, reason, "token refresh failed; backing off");
        Ok(TokenError::Unavailable { retry_at_ms })
    }

    /// Revokes a character's refresh token at the SSO, then deletes its tokens: what unlinking
    /// does. Nothing is deleted when the SSO cannot be reached, so the caller can try again.
    /// `Ok(false)` when nothing was stored.
    pub async fn revoke<H: HttpTransport, V: OwnerVerifier>(
        &self,
        sso: &Sso<'_, H, V>,
        character: CharacterId,
    ) -> Result<bool, TokenError> {
        let Some(row) = self.load(character)? else { return Ok(false) };
        if row.invalid_reason.is_none() {
            let refresh = self.open(character, "refresh_token", &row.refresh_ct)?;
            let answer = sso.http.send(oauth::revoke(sso.client, &refresh)).await;
            match answer
                .map_err(|_| OAuthError::Unavailable(0))
                .and_then(|r| oauth::parse_revoke_response(&r))
            {
                // A refusal (the SSO no longer knows the token) leaves nothing to revoke.
                Ok(()) | Err(OAuthError::Rejected(_)) => {}
                Err(_) => return Err(TokenError::Unavailable { retry_at_ms: self.clock.now_ms() }),
            }
        }
        self.delete(character)?;
        Ok(true)
    }

    fn delete(&self, character: CharacterId) -> Result<(), TokenError> {
        self.storage
            .exec("DELETE FROM eve_tokens WHERE character_id = ?", &[SqlValue::Integer(character.0)])?;
        Ok(())
    }

    /// Re-encrypts every stored token under the keyring's primary key (key rotation). Idempotent:
    /// returns how many characters' tokens changed, 0 when all already use the primary key.
    pub fn reseal(&self) -> Result<usize, TokenError> {
        let mut changed = 0;
        for (character, row) in self.all()? {
            let record = character.to_string();
            let refresh =
                hub_vault::reseal(self.keyring, self.random, aad(&record, "refresh_token"), &row.refresh_ct)?;
            let access =
                hub_vault::reseal(self.keyring, self.random, aad(&record, "access_token"), &row.access_ct)?;
            if refresh.is_none() && access.is_none() {
                continue;
            }
            self.storage.exec(
                "UPDATE eve_tokens SET refresh_ct = ?, access_ct = ?, version = version + 1
                 WHERE character_id = ? AND version = ?",
                &[
                    SqlValue::Blob(refresh.unwrap_or(row.refresh_ct)),
                    SqlValue::Blob(access.unwrap_or(row.access_ct)),
                    SqlValue::Integer(character.0),
                    SqlValue::Integer(row.version),
                ],
            )?;
            changed += 1;
        }
        Ok(changed)
    }

    fn all(&self) -> Result<Vec<(CharacterId, Row)>, TokenError> {
        let ids = self.storage.exec("SELECT character_id FROM eve_tokens ORDER BY character_id", &[])?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids.iter().filter_map(|r| r.first().and_then(SqlValue::as_i64)) {
            if let Some(row) = self.load(CharacterId(id))? {
                rows.push((CharacterId(id), row));
            }
        }
        Ok(rows)
    }
}

/// Whether a token is kept fresh ahead of time: tokens with data scopes feed background sync. The
/// scopes every login asks for (the roles, read hourly) are refreshed when used, not kept warm:
/// that would cost the SSO a refresh per character every twenty minutes.
fn keep_alive(scopes: &[String]) -> bool {
    scopes.iter().any(|s| s.starts_with("esi-") && !hub_domain::scopes::LOGIN.contains(&s.as_str()))
}

/// When a token next needs a refresh by alarm: never once invalid; at its retry time after a
/// failure; [`REFRESH_LEAD_MS`] before expiry when background sync needs it; otherwise once a
/// day, which finds revoked grants and transfers even for characters nobody looks at.
fn due_at(row: &Row) -> Option<i64> {
    if row.invalid_reason.is_some() {
        return None;
    }
    if let Some(retry) = row.next_retry_at_ms {
        return Some(retry);
    }
    Some(if keep_alive(&row.scopes) {
        row.access_expires_at_ms - REFRESH_LEAD_MS
    } else {
        row.access_expires_at_ms + VALIDATE_EVERY_MS
    })
}

#[cfg(test)]
mod tests;
