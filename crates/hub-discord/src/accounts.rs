//! Linked Discord accounts and their tokens, sealed with the vault (purpose `discord-oauth`, bound
//! to the Discord user id). One Discord account per user and one user per Discord account, written
//! in one statement, so both sides stay consistent.

use hub_domain::UserId;
use hub_ports::{Clock, PgError, PgValue, Postgres, Random};
use hub_vault::{Aad, Keyring, VaultError};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const PURPOSE: &str = "discord-oauth";

/// A user's Discord tokens. `Debug` hides them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this Discord account is already linked to another user of the hub")]
    TakenByAnother,
    #[error("your account is already linked to a Discord account: unlink it first")]
    AlreadyLinked,
    #[error("stored Discord tokens cannot be decrypted: {0}")]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Database(#[from] PgError),
}

/// A linked account as the hub keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub user_id: UserId,
    pub discord_user_id: String,
    pub username: String,
    pub global_name: Option<String>,
    pub linked_at_ms: i64,
    pub needs_relink: bool,
}

fn seal(
    keyring: &Keyring,
    random: &impl Random,
    discord_user_id: &str,
    tokens: &Tokens,
) -> Result<Vec<u8>, LinkError> {
    let plaintext = Zeroizing::new(serde_json::to_vec(tokens).map_err(|e| PgError::Query(e.to_string()))?);
    Ok(hub_vault::seal(
        keyring,
        random,
        Aad { purpose: PURPOSE, record: discord_user_id, field: "tokens" },
        &plaintext,
    )?)
}

fn open(keyring: &Keyring, discord_user_id: &str, sealed: &[u8]) -> Result<Tokens, LinkError> {
    let plaintext =
        hub_vault::open(keyring, Aad { purpose: PURPOSE, record: discord_user_id, field: "tokens" }, sealed)?;
    serde_json::from_slice(&plaintext).map_err(|_| LinkError::Vault(VaultError::Tampered))
}

/// What linking writes.
pub struct NewLink<'a> {
    pub user_id: UserId,
    pub discord_user_id: &'a str,
    pub username: &'a str,
    pub global_name: Option<&'a str>,
    pub tokens: &'a Tokens,
    pub access_expires_at_ms: i64,
}

/// Links a Discord account to a user. Re-linking the same account (after "needs re-link")
/// replaces its tokens; another account while one is linked, or an account linked to someone
/// else, is refused and nothing changes.
pub async fn link(
    pg: &impl Postgres,
    keyring: &Keyring,
    random: &impl Random,
    link: &NewLink<'_>,
) -> Result<(), LinkError> {
    let sealed = seal(keyring, random, link.discord_user_id, link.tokens)?;
    let written = pg
        .query(
            "INSERT INTO discord_accounts (user_id, discord_user_id, username, global_name, tokens, access_expires_at)
             VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1000.0))
             ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, global_name = excluded.global_name,
                tokens = excluded.tokens, access_expires_at = excluded.access_expires_at, needs_relink = false,
                token_version = discord_accounts.token_version + 1
             WHERE discord_accounts.discord_user_id = excluded.discord_user_id
             RETURNING user_id",
            &[
                PgValue::Uuid(link.user_id.0),
                PgValue::Text(link.discord_user_id.to_owned()),
                PgValue::Text(link.username.to_owned()),
                link.global_name.map_or(PgValue::Null, |n| PgValue::Text(n.to_owned())),
                PgValue::Bytes(sealed),
                PgValue::Int(link.access_expires_at_ms),
            ],
        )
        .await;
    match written {
        Ok(rows) if rows.is_empty() => Err(LinkError::AlreadyLinked),
        Ok(_) => Ok(()),
        Err(PgError::UniqueViolation(_)) => Err(LinkError::TakenByAnother),
        Err(e) => Err(e.into()),
    }
}

const COLUMNS: &str = "user_id, discord_user_id, username, global_name, (extract(epoch from linked_at) * 1000)::bigint, needs_relink";

fn linked(row: &hub_ports::PgRow) -> Result<Linked, PgError> {
    Ok(Linked {
        user_id: UserId(row.uuid(0)?),
        discord_user_id: row.text(1)?,
        username: row.text(2)?,
        global_name: row.opt_text(3)?,
        linked_at_ms: row.int(4)?,
        needs_relink: row.boolean(5)?,
    })
}

pub async fn account(pg: &impl Postgres, user: UserId) -> Result<Option<Linked>, PgError> {
    let rows = pg
        .query(
            &format!("SELECT {COLUMNS} FROM discord_accounts WHERE user_id = $1"),
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    rows.first().map(linked).transpose()
}

/// Linked users after `after`, in id order: the reconcile's walk.
pub async fn linked_users_after(
    pg: &impl Postgres,
    after: Option<UserId>,
    limit: i64,
) -> Result<Vec<UserId>, PgError> {
    let rows = pg
        .query(
            "SELECT user_id FROM discord_accounts WHERE $1::uuid IS NULL OR user_id > $1 ORDER BY user_id LIMIT $2",
            &[after.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)), PgValue::Int(limit)],
        )
        .await?;
    rows.iter().map(|r| r.uuid(0).map(UserId)).collect()
}

pub async fn linked_count(pg: &impl Postgres) -> Result<i64, PgError> {
    let rows = pg.query("SELECT count(*)::bigint FROM discord_accounts", &[]).await?;
    rows.first().map_or(Ok(0), |r| r.int(0))
}

/// The user's tokens, the version they were read at, and whether the access token is still good
/// for a minute.
pub struct StoredTokens {
    pub tokens: Tokens,
    pub version: i64,
    pub fresh: bool,
}

pub async fn tokens(
    pg: &impl Postgres,
    keyring: &Keyring,
    clock: &impl Clock,
    user: UserId,
) -> Result<Option<StoredTokens>, LinkError> {
    let rows = pg
        .query(
            "SELECT discord_user_id, tokens, (extract(epoch from access_expires_at) * 1000)::bigint, token_version
             FROM discord_accounts WHERE user_id = $1 AND NOT needs_relink",
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    let Some(row) = rows.first() else { return Ok(None) };
    let sealed = match row.get(1)? {
        PgValue::Bytes(b) => b.clone(),
        _ => return Err(PgError::RowShape("discord tokens".into()).into()),
    };
    Ok(Some(StoredTokens {
        tokens: open(keyring, &row.text(0)?, &sealed)?,
        version: row.int(3)?,
        fresh: row.int(2)? > clock.now_ms() + 60_000,
    }))
}

/// Refreshed tokens, to store over the version they replaced.
pub struct Refreshed<'a> {
    pub user: UserId,
    pub discord_user_id: &'a str,
    /// The version the refresh read.
    pub version: i64,
    pub tokens: &'a Tokens,
    pub access_expires_at_ms: i64,
}

/// Stores refreshed tokens over the version they replaced; `false` when another refresh stored
/// newer ones first (they are used instead).
pub async fn store_refreshed(
    pg: &impl Postgres,
    keyring: &Keyring,
    random: &impl Random,
    refreshed: &Refreshed<'_>,
) -> Result<bool, LinkError> {
    let sealed = seal(keyring, random, refreshed.discord_user_id, refreshed.tokens)?;
    let changed = pg
        .execute(
            "UPDATE discord_accounts SET tokens = $3, access_expires_at = to_timestamp($4::bigint / 1000.0),
                token_version = token_version + 1
             WHERE user_id = $1 AND token_version = $2",
            &[
                PgValue::Uuid(refreshed.user.0),
                PgValue::Int(refreshed.version),
                PgValue::Bytes(sealed),
                PgValue::Int(refreshed.access_expires_at_ms),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// The grant stopped working: the user must link again (their statuses say so).
pub async fn mark_needs_relink(pg: &impl Postgres, user: UserId) -> Result<bool, PgError> {
    let changed = pg
        .execute(
            "UPDATE discord_accounts SET needs_relink = true WHERE user_id = $1 AND NOT needs_relink",
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    Ok(changed == 1)
}

/// Forgets the link and the user's statuses (after the token was revoked and the roles removed).
pub async fn unlink(pg: &impl Postgres, user: UserId) -> Result<Option<String>, PgError> {
    pg.execute("DELETE FROM discord_member_status WHERE user_id = $1", &[PgValue::Uuid(user.0)]).await?;
    let rows = pg
        .query(
            "DELETE FROM discord_accounts WHERE user_id = $1 RETURNING discord_user_id",
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    rows.first().map(|r| r.text(0)).transpose()
}
