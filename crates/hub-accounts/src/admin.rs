//! What site admins do to accounts: grant and revoke the site-admin right, and disable (ban) and
//! re-enable users. Each change is one transaction with its audit entry; the caller has already
//! checked that the actor is a site admin.
//!
//! - The last site admin cannot lose the right (nobody could grant it back but the bootstrap).
//! - A ban ends every session at once (the caller closes their sockets with the returned ids),
//!   refuses the user's logins, and suspends what the user holds here: memberships stay recorded
//!   but count for nothing while `users.disabled_at` is set. Lifting it restores everything.
//! - Site admins are not banned: revoke the right first. Nobody bans themselves.

use crate::audit::{self, Action, Entry};
use crate::session::{self, Ended};
use hub_domain::UserId;
use hub_ports::{Clock, PgError, PgValue, Postgres};
use hub_postgres::in_transaction;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Database(#[from] PgError),
    #[error("no such user")]
    NotFound,
    #[error("the last site admin cannot lose the right: grant it to someone else first")]
    LastAdmin,
    #[error("site admins cannot be disabled: revoke their admin right first")]
    IsAdmin,
    #[error("you cannot disable your own account")]
    Yourself,
    #[error("a reason of at most 500 characters is required")]
    Reason,
}

/// Who acts, from where: a site admin, as [`crate::SiteAdmin`] proved.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub(crate) user_id: UserId,
    pub(crate) ip: Option<&'a str>,
}

impl<'a> Actor<'a> {
    pub fn of(admin: &crate::SiteAdmin, ip: Option<&'a str>) -> Self {
        Self { user_id: admin.user_id(), ip }
    }
}

struct Target {
    is_site_admin: bool,
    disabled: bool,
}

async fn lock_target(pg: &impl Postgres, user: UserId) -> Result<Target, AdminError> {
    let rows = pg
        .query(
            "SELECT is_site_admin, disabled_at IS NOT NULL FROM users WHERE id = $1 FOR UPDATE",
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    let row = rows.first().ok_or(AdminError::NotFound)?;
    Ok(Target { is_site_admin: row.boolean(0)?, disabled: row.boolean(1)? })
}

fn entry(action: Action, actor: Actor<'_>, target: UserId) -> Entry {
    Entry::new(action).user(target).actor(actor.user_id).ip(actor.ip.map(str::to_owned))
}

/// Makes `target` a site admin. Returns whether anything changed. A disabled account cannot be
/// granted the right (lift the ban first).
pub async fn grant_site_admin(
    pg: &impl Postgres,
    actor: Actor<'_>,
    target: UserId,
) -> Result<bool, AdminError> {
    in_transaction(pg, |pg| async move {
        let current = lock_target(pg, target).await?;
        if current.disabled {
            return Err(AdminError::NotFound);
        }
        if current.is_site_admin {
            return Ok(false);
        }
        pg.execute(
            "UPDATE users SET is_site_admin = true, updated_at = now() WHERE id = $1",
            &[PgValue::Uuid(target.0)],
        )
        .await?;
        let granted =
            entry(Action::SiteAdminGranted, actor, target).detail(serde_json::json!({ "via": "admin" }));
        audit::record(pg, &granted).await?;
        Ok(true)
    })
    .await
}

/// Takes the site-admin right from `target`. Returns whether anything changed.
pub async fn revoke_site_admin(
    pg: &impl Postgres,
    actor: Actor<'_>,
    target: UserId,
) -> Result<bool, AdminError> {
    in_transaction(pg, |pg| async move {
        // Every admin row locked, so two admins revoking each other cannot both succeed.
        let admins = pg.query("SELECT id FROM users WHERE is_site_admin ORDER BY id FOR UPDATE", &[]).await?;
        let current = lock_target(pg, target).await?;
        if !current.is_site_admin {
            return Ok(false);
        }
        if admins.len() <= 1 {
            return Err(AdminError::LastAdmin);
        }
        pg.execute(
            "UPDATE users SET is_site_admin = false, updated_at = now() WHERE id = $1",
            &[PgValue::Uuid(target.0)],
        )
        .await?;
        audit::record(pg, &entry(Action::SiteAdminRevoked, actor, target)).await?;
        Ok(true)
    })
    .await
}

/// Disables (bans) `target`: every session ends, and its logins are refused until
/// [`enable_user`]. Returns the sessions ended (empty when it was already disabled).
pub async fn disable_user(
    pg: &impl Postgres,
    clock: &impl Clock,
    actor: Actor<'_>,
    target: UserId,
    reason: &str,
) -> Result<Ended, AdminError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AdminError::Reason);
    }
    if actor.user_id == target {
        return Err(AdminError::Yourself);
    }
    in_transaction(pg, |pg| async move {
        let current = lock_target(pg, target).await?;
        if current.is_site_admin {
            return Err(AdminError::IsAdmin);
        }
        if current.disabled {
            return Ok(Ended::default());
        }
        pg.execute(
            "UPDATE users SET disabled_at = to_timestamp($2::bigint / 1000.0), disabled_reason = $3, disabled_by = $4,
                updated_at = now()
             WHERE id = $1",
            &[
                PgValue::Uuid(target.0),
                PgValue::Int(clock.now_ms()),
                PgValue::Text(reason.to_owned()),
                PgValue::Uuid(actor.user_id.0),
            ],
        )
        .await?;
        let ended = session::end_all_for_user(pg, clock, target, None, "user_disabled").await?;
        let disabled = entry(Action::UserDisabled, actor, target)
            .detail(serde_json::json!({ "reason": reason, "sessions_ended": ended.len() }));
        audit::record(pg, &disabled).await?;
        Ok(ended)
    })
    .await
}

/// Lifts a ban: the user logs in again and everything they hold counts again. Returns whether
/// anything changed.
pub async fn enable_user(pg: &impl Postgres, actor: Actor<'_>, target: UserId) -> Result<bool, AdminError> {
    in_transaction(pg, |pg| async move {
        if !lock_target(pg, target).await?.disabled {
            return Ok(false);
        }
        pg.execute(
            "UPDATE users SET disabled_at = NULL, disabled_reason = NULL, disabled_by = NULL, updated_at = now()
             WHERE id = $1",
            &[PgValue::Uuid(target.0)],
        )
        .await?;
        audit::record(pg, &entry(Action::UserEnabled, actor, target)).await?;
        Ok(true)
    })
    .await
}

#[cfg(test)]
mod tests;
