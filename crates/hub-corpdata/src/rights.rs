//! Who administers a corporation: a site admin, its CEO, or a user with a character that currently
//! holds the Director role in it. Nothing else makes one: not registering a director, not being a
//! member.
//!
//! "Currently" means a verified fact that is fresh: the character's roles as ESI last answered them
//! with the character's own token (`character_roles`, written by the character's sync), for the
//! corporation the character is in, synced within [`FRESH_FOR`]; or the corporation's `ceo_id`
//! from ESI (`eve_corporations`) within the same bound. A character that leaves, loses the role,
//! or whose facts can no longer be refreshed (a dead token clears its roles) loses the right within
//! one sync cycle. Banned users hold nothing.

use hub_domain::{CharacterId, UserId};
use hub_ports::{PgError, PgValue, Postgres};

/// How long a role or CEO fact counts without a new sync (ESI caches roles for an hour; the
/// character's sync refreshes them on that schedule).
pub const FRESH_FOR: &str = "6 hours";

/// The ESI role that makes a corporation admin.
pub const DIRECTOR_ROLE: &str = "Director";

/// Characters with their role and CEO facts; banned users' characters are left out.
const FACTS: &str = "FROM characters c
    JOIN users u ON u.id = c.user_id AND u.disabled_at IS NULL
    LEFT JOIN character_roles r ON r.character_id = c.id
    LEFT JOIN eve_corporations e ON e.corporation_id = c.corporation_id";

/// Whether a row of [`FACTS`] holds a fresh Director or CEO fact in the character's corporation.
fn holds() -> String {
    format!(
        "((r.corporation_id = c.corporation_id AND '{DIRECTOR_ROLE}' = ANY (r.roles)
            AND r.synced_at > now() - interval '{FRESH_FOR}')
         OR (e.ceo_id = c.id AND e.synced_at > now() - interval '{FRESH_FOR}'))"
    )
}

/// Whether `user` administers `corporation` through a character's role (site admins are the
/// caller's to add: their right comes with the session).
pub async fn holds_director_role(
    pg: &impl Postgres,
    user: UserId,
    corporation: i64,
) -> Result<bool, PgError> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 {FACTS} WHERE c.user_id = $1 AND c.corporation_id = $2 AND {})",
        holds()
    );
    let rows = pg.query(&sql, &[PgValue::Uuid(user.0), PgValue::Int(corporation)]).await?;
    rows.first().map_or(Ok(false), |r| r.boolean(0))
}

/// Whether one character holds a fresh Director or CEO fact in `corporation`.
pub async fn character_is_director(
    pg: &impl Postgres,
    character: CharacterId,
    corporation: i64,
) -> Result<bool, PgError> {
    let sql =
        format!("SELECT EXISTS (SELECT 1 {FACTS} WHERE c.id = $1 AND c.corporation_id = $2 AND {})", holds());
    let rows = pg.query(&sql, &[PgValue::Int(character.0), PgValue::Int(corporation)]).await?;
    rows.first().map_or(Ok(false), |r| r.boolean(0))
}

/// The users who administer `corporation` through a role (not site admins): whom to tell about
/// its directors.
pub async fn role_admins(pg: &impl Postgres, corporation: i64) -> Result<Vec<UserId>, PgError> {
    let sql = format!("SELECT DISTINCT c.user_id {FACTS} WHERE c.corporation_id = $1 AND {}", holds());
    let rows = pg.query(&sql, &[PgValue::Int(corporation)]).await?;
    rows.iter().map(|r| r.uuid(0).map(UserId)).collect()
}

/// The corporations `user` administers through a character's role.
pub async fn administered_by(pg: &impl Postgres, user: UserId) -> Result<Vec<i64>, PgError> {
    let sql = format!("SELECT DISTINCT c.corporation_id {FACTS} WHERE c.user_id = $1 AND {}", holds());
    let rows = pg.query(&sql, &[PgValue::Uuid(user.0)]).await?;
    rows.iter().map(|r| r.int(0)).collect()
}
