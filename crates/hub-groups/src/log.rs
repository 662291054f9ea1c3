//! The membership log: every change of membership or role, who did it, and why.

use crate::rows::{load_group, ms, GroupRow};
use crate::{Caller, Result};
use hub_domain::UserId;
use hub_ports::{PgValue, Postgres};
use serde::Serialize;
use uuid::Uuid;

/// Writes one entry. `reason`: manual, approval, invitation, code, rule, owner or admin.
pub(crate) async fn record(
    pg: &impl Postgres,
    group: &GroupRow,
    user: Option<UserId>,
    actor: Option<UserId>,
    action: &str,
    reason: &str,
    detail: serde_json::Value,
) -> Result<()> {
    pg.execute(
        "INSERT INTO group_membership_log (group_id, group_name, user_id, actor_id, action, reason, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            PgValue::Uuid(group.id),
            PgValue::Text(group.name.clone()),
            user.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
            actor.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
            PgValue::Text(action.to_owned()),
            PgValue::Text(reason.to_owned()),
            PgValue::Json(detail),
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LogEntry {
    pub id: i64,
    pub at_ms: i64,
    pub user_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub reason: String,
    pub detail: serde_json::Value,
}

/// A group's log, newest first, for its managers; `before_id` pages back.
pub async fn membership_log(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<LogEntry>> {
    let group = load_group(pg, caller, group_id, false).await?;
    group.require_manager(caller)?;
    let rows = pg
        .query(
            &format!(
                "SELECT id, {}, user_id, actor_id, action, reason, detail FROM group_membership_log
                 WHERE group_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                ms("at")
            ),
            &[PgValue::Uuid(group.id), before_id.map_or(PgValue::Null, PgValue::Int), PgValue::Int(limit)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(LogEntry {
                id: row.int(0)?,
                at_ms: row.int(1)?,
                user_id: row.opt_uuid(2)?,
                actor_id: row.opt_uuid(3)?,
                action: row.text(4)?,
                reason: row.text(5)?,
                detail: match row.get(6)? {
                    PgValue::Json(v) => v.clone(),
                    _ => serde_json::Value::Null,
                },
            })
        })
        .collect()
}
