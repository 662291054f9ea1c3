//! Users and their characters: sign-in with a character, linking alts, granting scopes, the
//! primary character, unlinking, and character transfers detected by a changed owner hash.
//!
//! Site admins are accounts: a configured admin character bootstraps its account once, at its first
//! login, and its owner hash is recorded, so the character's next owner never inherits the right.
//! Banned accounts cannot sign in.
//!
//! Each operation is one Postgres transaction; the audit entry is written inside it.

use crate::audit::{self, Action, Entry};
use crate::session::{self, Ended};
use hub_domain::scopes::ScopeGrant;
use hub_domain::{CharacterId, CorporationId, UserId};
use hub_ports::{Clock, PgError, PgValue, Postgres, Random};
use hub_postgres::in_transaction;
use serde::{Deserialize, Serialize};

/// What the login is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flow {
    /// Log in (or sign up) with a character.
    Login,
    /// Add a character to an existing, logged-in user.
    LinkCharacter { user_id: UserId },
    /// Grant more scopes for one of the user's characters (data access, a director's corporation
    /// access): the SSO must come back with that very character.
    GrantScopes { user_id: UserId, character_id: CharacterId, grant: ScopeGrant },
    /// Link a Discord account to a logged-in user (a Discord login state, never an EVE one).
    LinkDiscord { user_id: UserId },
}

impl Flow {
    /// The logged-in user the flow is for (`None` for a login).
    pub fn user(&self) -> Option<UserId> {
        match self {
            Flow::Login => None,
            Flow::LinkCharacter { user_id }
            | Flow::GrantScopes { user_id, .. }
            | Flow::LinkDiscord { user_id } => Some(*user_id),
        }
    }
}

/// Who an SSO login proved to be at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginIdentity {
    pub character_id: CharacterId,
    pub name: String,
    pub owner_hash: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// First login with this character: a new user whose main it is.
    NewUser,
    /// A known character logged in again.
    Returning,
    /// A character added to the logged-in user.
    Linked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub user_id: UserId,
    pub outcome: Outcome,
    /// Set when the owner hash changed: the character was sold and left this user.
    pub transferred_from: Option<UserId>,
    /// Sessions the sign-in ended (a transfer ends the seller's).
    pub ended: Ended,
    /// Whether this login bootstrapped the account as a site admin.
    pub became_site_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Database(#[from] PgError),
    #[error("this character is linked to another account")]
    AlreadyLinked,
    #[error("this character is not on your account")]
    NotYours,
    #[error("an account keeps at least one character")]
    LastCharacter,
    #[error("unknown user")]
    UnknownUser,
    #[error("this account is disabled")]
    Disabled,
    #[error("log in with the character you asked to grant access for")]
    WrongCharacter,
    #[error("this login was started for Discord, not EVE")]
    WrongFlow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CharacterView {
    pub id: CharacterId,
    pub name: String,
    pub scopes: Vec<String>,
    pub is_primary: bool,
    /// As last synced from ESI; `null` before the first sync.
    pub corporation_id: Option<i64>,
    pub alliance_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserView {
    pub id: UserId,
    pub primary_character_id: Option<CharacterId>,
    pub characters: Vec<CharacterView>,
    pub is_site_admin: bool,
    /// When a site admin disabled (banned) the account, and why; `null` for an active account.
    pub disabled: Option<Disabled>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Disabled {
    pub at_ms: i64,
    pub reason: String,
}

/// Who logged in, for what, from where; and which characters bootstrap site admins
/// (`SITE_ADMIN_CHARACTER_IDS`).
#[derive(Debug, Clone, Copy)]
pub struct SignInRequest<'a> {
    pub identity: &'a LoginIdentity,
    pub flow: &'a Flow,
    pub ip: Option<&'a str>,
    pub bootstrap_admins: &'a [i64],
}

/// Refuses banned accounts; `Err(UnknownUser)` when there is no such user.
async fn require_active(pg: &impl Postgres, user: UserId, lock: bool) -> Result<(), AccountError> {
    let rows = pg
        .query(
            &format!(
                "SELECT disabled_at IS NOT NULL FROM users WHERE id = $1{}",
                if lock { " FOR UPDATE" } else { "" }
            ),
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    match rows.first() {
        None => Err(AccountError::UnknownUser),
        Some(row) if row.boolean(0)? => Err(AccountError::Disabled),
        Some(_) => Ok(()),
    }
}

/// An EVE login serves EVE flows only, and a scope grant only the character it was asked for.
fn check_flow(flow: &Flow, identity: &LoginIdentity) -> Result<(), AccountError> {
    match flow {
        Flow::LinkDiscord { .. } => Err(AccountError::WrongFlow),
        Flow::GrantScopes { character_id, .. } if *character_id != identity.character_id => {
            Err(AccountError::WrongCharacter)
        }
        _ => Ok(()),
    }
}

/// Signs a character in: a login, linking it to `Flow::LinkCharacter`'s user, or new scopes for
/// `Flow::GrantScopes`' character (which must be the one that logged in).
pub async fn sign_in(
    pg: &impl Postgres,
    random: &impl Random,
    clock: &impl Clock,
    request: SignInRequest<'_>,
) -> Result<SignIn, AccountError> {
    let SignInRequest { identity, flow, ip, bootstrap_admins } = request;
    check_flow(flow, identity)?;
    let signed = in_transaction(pg, |pg| async move {
        let character = PgValue::Int(identity.character_id.0);
        let rows = pg
            .query("SELECT user_id, owner_hash FROM characters WHERE id = $1 FOR UPDATE", std::slice::from_ref(&character))
            .await?;
        let mut transferred_from = None;
        let mut ended = Ended::default();
        if let Some(row) = rows.first() {
            let owner = UserId(row.uuid(0)?);
            let same_owner = row.get(1)?.as_str() == Some(identity.owner_hash.as_str());
            if same_owner {
                let outcome = match flow {
                    Flow::Login => Outcome::Returning,
                    Flow::LinkCharacter { user_id } | Flow::GrantScopes { user_id, .. } if *user_id == owner => {
                        Outcome::Linked
                    }
                    Flow::LinkCharacter { .. } | Flow::GrantScopes { .. } => return Err(AccountError::AlreadyLinked),
                    Flow::LinkDiscord { .. } => return Err(AccountError::WrongFlow), // refused above
                };
                require_active(pg, owner, true).await?;
                pg.execute(
                    "UPDATE characters SET name = $2, scopes = $3, updated_at = now() WHERE id = $1",
                    &[character, PgValue::Text(identity.name.clone()), PgValue::TextArray(identity.scopes.clone())],
                )
                .await?;
                let action = match (outcome, flow) {
                    (Outcome::Returning, _) => Action::Login,
                    (_, Flow::GrantScopes { .. }) => Action::ScopesGranted,
                    _ => Action::CharacterLinked,
                };
                let mut entry = Entry::new(action).user(owner).character(identity.character_id).ip(ip.map(str::to_owned));
                if action == Action::ScopesGranted {
                    entry = entry.detail(serde_json::json!({ "scopes": identity.scopes }));
                }
                audit::record(pg, &entry).await?;
                return Ok(SignIn { user_id: owner, outcome, transferred_from: None, ended, became_site_admin: false });
            }
            if matches!(flow, Flow::GrantScopes { .. }) {
                // A grant for a character that has since been sold: the buyer logs in on their own.
                return Err(AccountError::NotYours);
            }
            ended = transfer_away(pg, clock, owner, identity.character_id, ip).await?;
            transferred_from = Some(owner);
        }

        let (user_id, outcome) = match flow {
            Flow::Login => {
                let user_id = UserId(random.uuid_v4());
                pg.execute("INSERT INTO users (id) VALUES ($1)", &[PgValue::Uuid(user_id.0)]).await?;
                (user_id, Outcome::NewUser)
            }
            Flow::LinkCharacter { user_id } => {
                require_active(pg, *user_id, true).await?;
                (*user_id, Outcome::Linked)
            }
            Flow::GrantScopes { .. } => return Err(AccountError::NotYours),
            Flow::LinkDiscord { .. } => return Err(AccountError::WrongFlow),
        };
        pg.execute(
            "INSERT INTO characters (id, user_id, name, owner_hash, scopes) VALUES ($1, $2, $3, $4, $5)",
            &[
                character.clone(),
                PgValue::Uuid(user_id.0),
                PgValue::Text(identity.name.clone()),
                PgValue::Text(identity.owner_hash.clone()),
                PgValue::TextArray(identity.scopes.clone()),
            ],
        )
        .await?;
        // A user without a primary character (a new one) takes this one.
        pg.execute(
            "UPDATE users SET main_character_id = $2, updated_at = now() WHERE id = $1 AND main_character_id IS NULL",
            &[PgValue::Uuid(user_id.0), character],
        )
        .await?;
        let action = if outcome == Outcome::Linked { Action::CharacterLinked } else { Action::Login };
        let detail = serde_json::json!({ "new_user": outcome == Outcome::NewUser });
        let entry =
            Entry::new(action).user(user_id).character(identity.character_id).detail(detail).ip(ip.map(str::to_owned));
        audit::record(pg, &entry).await?;
        Ok(SignIn { user_id, outcome, transferred_from, ended, became_site_admin: false })
    })
    .await;
    match signed {
        Err(AccountError::Disabled) => {
            // Outside the rolled-back transaction, so the refusal stays on record.
            record_refused(pg, identity, flow, ip).await?;
            Err(AccountError::Disabled)
        }
        Ok(mut signed) if bootstrap_admins.contains(&identity.character_id.0) => {
            signed.became_site_admin = bootstrap_site_admin(pg, identity, signed.user_id, ip).await?;
            Ok(signed)
        }
        other => other,
    }
}

/// Audits a login of a banned account's character.
async fn record_refused(
    pg: &impl Postgres,
    identity: &LoginIdentity,
    flow: &Flow,
    ip: Option<&str>,
) -> Result<(), AccountError> {
    let owner = owner_of(pg, identity.character_id).await?.or(flow.user());
    let mut entry = Entry::new(Action::LoginRefused)
        .character(identity.character_id)
        .detail(serde_json::json!({ "reason": "account_disabled" }))
        .ip(ip.map(str::to_owned));
    if let Some(owner) = owner {
        entry = entry.user(owner);
    }
    audit::record(pg, &entry).await?;
    Ok(())
}

/// A configured admin character's login: the first one grants its account site admin and records
/// the owner hash; a later login with another owner hash (the character was sold) is refused the
/// right and audited. Returns whether the account became a site admin now.
async fn bootstrap_site_admin(
    pg: &impl Postgres,
    identity: &LoginIdentity,
    user: UserId,
    ip: Option<&str>,
) -> Result<bool, AccountError> {
    in_transaction(pg, |pg| async move {
        let inserted = pg
            .query(
                "INSERT INTO site_admin_bootstraps (character_id, owner_hash, user_id) VALUES ($1, $2, $3)
                 ON CONFLICT (character_id) DO NOTHING RETURNING character_id",
                &[
                    PgValue::Int(identity.character_id.0),
                    PgValue::Text(identity.owner_hash.clone()),
                    PgValue::Uuid(user.0),
                ],
            )
            .await?;
        if !inserted.is_empty() {
            pg.execute("UPDATE users SET is_site_admin = true, updated_at = now() WHERE id = $1", &[PgValue::Uuid(user.0)])
                .await?;
            let entry = Entry::new(Action::SiteAdminGranted)
                .user(user)
                .character(identity.character_id)
                .detail(serde_json::json!({ "via": "bootstrap" }))
                .ip(ip.map(str::to_owned));
            audit::record(pg, &entry).await?;
            return Ok(true);
        }
        let recorded = pg
            .query(
                "SELECT owner_hash FROM site_admin_bootstraps WHERE character_id = $1",
                &[PgValue::Int(identity.character_id.0)],
            )
            .await?;
        let same_owner = recorded.first().map(|r| r.text(0)).transpose()?.as_deref() == Some(identity.owner_hash.as_str());
        if !same_owner {
            let entry = Entry::new(Action::SiteAdminRefused)
                .user(user)
                .character(identity.character_id)
                .detail(serde_json::json!({ "reason": "the character's owner changed since it bootstrapped an admin" }))
                .ip(ip.map(str::to_owned));
            audit::record(pg, &entry).await?;
        }
        Ok(false)
    })
    .await
}

/// A token refresh showed `new_owner_hash` for the character: it was sold. It leaves its account
/// (whose sessions end, see [`transfer_away`]) and waits for its buyer to log in. Returns the
/// previous owner and the sessions that ended; `Ok(None)` when the character is unknown or its
/// stored hash already matches.
pub async fn character_sold(
    pg: &impl Postgres,
    clock: &impl Clock,
    character_id: CharacterId,
    new_owner_hash: &str,
) -> Result<Option<(UserId, Ended)>, AccountError> {
    in_transaction(pg, |pg| async move {
        let rows = pg
            .query(
                "SELECT user_id, owner_hash FROM characters WHERE id = $1 FOR UPDATE",
                &[PgValue::Int(character_id.0)],
            )
            .await?;
        let Some(row) = rows.first() else { return Ok(None) };
        if row.get(1)?.as_str() == Some(new_owner_hash) {
            return Ok(None);
        }
        let owner = UserId(row.uuid(0)?);
        let ended = transfer_away(pg, clock, owner, character_id, None).await?;
        Ok(Some((owner, ended)))
    })
    .await
}

/// The character was sold: it leaves `previous_owner`, whose sessions end; the log records it.
async fn transfer_away(
    pg: &impl Postgres,
    clock: &impl Clock,
    previous_owner: UserId,
    character_id: CharacterId,
    ip: Option<&str>,
) -> Result<Ended, AccountError> {
    pg.execute("DELETE FROM characters WHERE id = $1", &[PgValue::Int(character_id.0)]).await?;
    reassign_primary(pg, previous_owner).await?;
    let ended = session::end_all_for_user(pg, clock, previous_owner, None, "character_transferred").await?;
    let detail = serde_json::json!({ "sessions_ended": ended.len() });
    let entry = Entry::new(Action::CharacterTransferred)
        .user(previous_owner)
        .character(character_id)
        .detail(detail)
        .ip(ip.map(str::to_owned));
    audit::record(pg, &entry).await?;
    Ok(ended)
}

/// Gives a user whose primary character is gone their oldest remaining one.
async fn reassign_primary(pg: &impl Postgres, user_id: UserId) -> Result<(), PgError> {
    pg.execute(
        "UPDATE users SET updated_at = now(), main_character_id =
            (SELECT id FROM characters WHERE user_id = $1 ORDER BY created_at, id LIMIT 1)
         WHERE id = $1 AND (main_character_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM characters WHERE id = users.main_character_id AND user_id = $1))",
        &[PgValue::Uuid(user_id.0)],
    )
    .await?;
    Ok(())
}

/// Makes one of the user's characters their primary.
pub async fn set_primary(
    pg: &impl Postgres,
    user_id: UserId,
    character_id: CharacterId,
) -> Result<(), AccountError> {
    in_transaction(pg, |pg| async move {
        let changed = pg
            .execute(
                "UPDATE users SET main_character_id = $2, updated_at = now()
                 WHERE id = $1 AND EXISTS (SELECT 1 FROM characters WHERE id = $2 AND user_id = $1)",
                &[PgValue::Uuid(user_id.0), PgValue::Int(character_id.0)],
            )
            .await?;
        if changed == 0 {
            return Err(AccountError::NotYours);
        }
        audit::record(pg, &Entry::new(Action::PrimaryCharacterSet).user(user_id).character(character_id))
            .await?;
        Ok(())
    })
    .await
}

/// Whether the user may unlink the character: it is theirs and not their last. `lock` holds the
/// user's characters until the transaction ends.
async fn check_unlink(
    pg: &impl Postgres,
    user_id: UserId,
    character_id: CharacterId,
    lock: bool,
) -> Result<(), AccountError> {
    let sql = if lock {
        "SELECT id FROM characters WHERE user_id = $1 ORDER BY id FOR UPDATE"
    } else {
        "SELECT id FROM characters WHERE user_id = $1"
    };
    let rows = pg.query(sql, &[PgValue::Uuid(user_id.0)]).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.int(0)).collect::<Result<_, _>>()?;
    if !ids.contains(&character_id.0) {
        return Err(AccountError::NotYours);
    }
    if ids.len() == 1 {
        return Err(AccountError::LastCharacter);
    }
    Ok(())
}

/// [`unlink`]'s checks, before anything irreversible happens outside the database (the refresh
/// token's revocation at the SSO).
pub async fn may_unlink(
    pg: &impl Postgres,
    user_id: UserId,
    character_id: CharacterId,
) -> Result<(), AccountError> {
    check_unlink(pg, user_id, character_id, false).await
}

/// Removes a character from the user (its tokens are revoked by the caller through the token
/// store). The last character cannot go; a removed primary is replaced by the oldest remaining.
pub async fn unlink(
    pg: &impl Postgres,
    user_id: UserId,
    character_id: CharacterId,
    ip: Option<&str>,
) -> Result<(), AccountError> {
    in_transaction(pg, |pg| async move {
        check_unlink(pg, user_id, character_id, true).await?;
        pg.execute("DELETE FROM characters WHERE id = $1", &[PgValue::Int(character_id.0)]).await?;
        reassign_primary(pg, user_id).await?;
        let entry = Entry::new(Action::CharacterUnlinked)
            .user(user_id)
            .character(character_id)
            .ip(ip.map(str::to_owned));
        audit::record(pg, &entry).await?;
        Ok(())
    })
    .await
}

/// Records where a character's own ESI sync found it; its owner when that changed, `None` when it
/// did not (or the character is unknown).
pub async fn record_affiliation(
    pg: &impl Postgres,
    character_id: CharacterId,
    corporation_id: CorporationId,
    alliance_id: Option<i64>,
) -> Result<Option<UserId>, PgError> {
    let changed = pg
        .query(
            "UPDATE characters SET corporation_id = $2, alliance_id = $3, updated_at = now()
             WHERE id = $1 AND (corporation_id IS DISTINCT FROM $2 OR alliance_id IS DISTINCT FROM $3)
             RETURNING user_id",
            &[
                PgValue::Int(character_id.0),
                PgValue::Int(corporation_id.0),
                alliance_id.map_or(PgValue::Null, PgValue::Int),
            ],
        )
        .await?;
    changed.first().map(|row| row.uuid(0).map(UserId)).transpose()
}

/// The user a character belongs to, if any.
pub async fn owner_of(pg: &impl Postgres, character_id: CharacterId) -> Result<Option<UserId>, PgError> {
    let rows =
        pg.query("SELECT user_id FROM characters WHERE id = $1", &[PgValue::Int(character_id.0)]).await?;
    rows.first().map(|r| r.uuid(0).map(UserId)).transpose()
}

/// Character ids above `after`, ascending, at most `limit`: batches for jobs over every character.
pub async fn character_ids_after(pg: &impl Postgres, after: i64, limit: i64) -> Result<Vec<i64>, PgError> {
    let rows = pg
        .query(
            "SELECT id FROM characters WHERE id > $1 ORDER BY id LIMIT $2",
            &[PgValue::Int(after), PgValue::Int(limit)],
        )
        .await?;
    rows.iter().map(|r| r.int(0)).collect()
}

/// A user with their characters, primary first then by name; `Ok(None)` for an unknown user.
pub async fn user_view(pg: &impl Postgres, user_id: UserId) -> Result<Option<UserView>, PgError> {
    let users = pg
        .query(
            "SELECT main_character_id, is_site_admin, (extract(epoch from disabled_at) * 1000)::bigint, disabled_reason
             FROM users WHERE id = $1",
            &[PgValue::Uuid(user_id.0)],
        )
        .await?;
    let Some(user) = users.first() else { return Ok(None) };
    let primary = user.get(0)?.as_i64().map(CharacterId);
    let is_site_admin = user.boolean(1)?;
    let disabled = user
        .opt_int(2)?
        .map(|at_ms| Ok::<_, PgError>(Disabled { at_ms, reason: user.opt_text(3)?.unwrap_or_default() }))
        .transpose()?;
    let rows = pg
        .query(
            "SELECT id, name, scopes, corporation_id, alliance_id FROM characters WHERE user_id = $1 ORDER BY name, id",
            &[PgValue::Uuid(user_id.0)],
        )
        .await?;
    let mut characters = rows
        .iter()
        .map(|row| {
            let id = CharacterId(row.int(0)?);
            let scopes = match row.get(2)? {
                PgValue::TextArray(s) => s.clone(),
                _ => Vec::new(),
            };
            let name = row.get(1)?.as_str().unwrap_or_default().to_owned();
            Ok(CharacterView {
                id,
                name,
                scopes,
                is_primary: Some(id) == primary,
                corporation_id: row.get(3)?.as_i64(),
                alliance_id: row.get(4)?.as_i64(),
            })
        })
        .collect::<Result<Vec<_>, PgError>>()?;
    characters.sort_by_key(|c| !c.is_primary);
    Ok(Some(UserView { id: user_id, primary_character_id: primary, characters, is_site_admin, disabled }))
}

/// One row of the admins' user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserSummary {
    pub id: UserId,
    pub primary_character_id: Option<CharacterId>,
    pub primary_character_name: Option<String>,
    pub character_count: i64,
    pub created_at_ms: i64,
    pub is_site_admin: bool,
    pub disabled: bool,
}

/// Users, newest first, one page at a time (one query, whatever the page size).
pub async fn list_users(pg: &impl Postgres, limit: i64, offset: i64) -> Result<Vec<UserSummary>, PgError> {
    let rows = pg
        .query(
            "SELECT u.id, u.main_character_id, m.name, (SELECT count(*) FROM characters c WHERE c.user_id = u.id),
                    (extract(epoch from u.created_at) * 1000)::bigint, u.is_site_admin, u.disabled_at IS NOT NULL
             FROM users u LEFT JOIN characters m ON m.id = u.main_character_id
             ORDER BY u.created_at DESC, u.id LIMIT $1 OFFSET $2",
            &[PgValue::Int(limit), PgValue::Int(offset)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(UserSummary {
                id: UserId(row.uuid(0)?),
                primary_character_id: row.get(1)?.as_i64().map(CharacterId),
                primary_character_name: row.get(2)?.as_str().map(str::to_owned),
                character_count: row.int(3)?,
                created_at_ms: row.int(4)?,
                is_site_admin: row.boolean(5)?,
                disabled: row.boolean(6)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
