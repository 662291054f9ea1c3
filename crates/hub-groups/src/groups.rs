//! Creating, editing and deleting groups, and one group's page.

use crate::listing::{list_groups, GroupFilter, GroupView};
use crate::log::record;
use crate::rows::{load_group, GroupRow};
use crate::{
    valid_description, valid_name, Caller, CategoryPermission, GroupError, JoinMode, Outcome, Result, Role,
    Visibility,
};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::UserId;
use hub_ports::{PgError, PgValue, Postgres, Random};
use hub_postgres::in_transaction;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewGroup {
    pub category_id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub visibility: Visibility,
    pub join_mode: JoinMode,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
    pub join_mode: Option<JoinMode>,
}

/// One group's page: the group, the caller's role, and for its managers the pending work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupView,
    pub role: Role,
    /// Pending join requests, for managers (0 for others).
    pub pending_requests: i64,
}

fn name_taken(e: PgError) -> GroupError {
    match e {
        PgError::UniqueViolation(_) => {
            GroupError::Conflict("a group with this name exists in the category".into())
        }
        other => other.into(),
    }
}

pub async fn create_group(
    pg: &impl Postgres,
    random: &impl Random,
    caller: &Caller,
    new: &NewGroup,
) -> Result<GroupDetail> {
    let name = valid_name(&new.name, "name")?;
    let description = valid_description(&new.description)?;
    if new.visibility == Visibility::System && !caller.site_admin {
        return Err(GroupError::Forbidden("only site admins create system groups".into()));
    }
    let id = random.uuid_v4();
    in_transaction(pg, |pg| async move {
        let rows = pg
            .query(
                "SELECT permission FROM group_categories WHERE id = $1 FOR SHARE",
                &[PgValue::Uuid(new.category_id)],
            )
            .await?;
        let row = rows.first().ok_or_else(|| GroupError::NotFound("no such category".into()))?;
        if row.text(0)? == CategoryPermission::AdminOnly.as_str() && !caller.site_admin {
            return Err(GroupError::Forbidden("only site admins create groups in this category".into()));
        }
        pg.execute(
            "INSERT INTO groups (id, category_id, name, description, visibility, join_mode, owner_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                PgValue::Uuid(id),
                PgValue::Uuid(new.category_id),
                PgValue::Text(name),
                PgValue::Text(description),
                PgValue::Text(new.visibility.as_str().into()),
                PgValue::Text(new.join_mode.as_str().into()),
                PgValue::Uuid(caller.user_id.0),
            ],
        )
        .await
        .map_err(name_taken)?;
        pg.execute(
            "INSERT INTO group_members (group_id, user_id, source) VALUES ($1, $2, 'owner')",
            &[PgValue::Uuid(id), PgValue::Uuid(caller.user_id.0)],
        )
        .await?;
        let group = load_group(pg, caller, id, false).await?;
        record(
            pg,
            &group,
            Some(caller.user_id),
            Some(caller.user_id),
            "joined",
            "owner",
            serde_json::json!({}),
        )
        .await?;
        detail_of(pg, caller, &group).await
    })
    .await
}

pub async fn update_group(
    pg: &impl Postgres,
    caller: &Caller,
    id: Uuid,
    patch: &GroupPatch,
) -> Result<GroupDetail> {
    let name = patch.name.as_deref().map(|n| valid_name(n, "name")).transpose()?;
    let description = patch.description.as_deref().map(valid_description).transpose()?;
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, id, true).await?;
        let role = group.require_manager(caller)?;
        if let Some(visibility) = patch.visibility.filter(|v| *v != group.visibility) {
            if (visibility == Visibility::System || group.visibility == Visibility::System)
                && role != Role::SiteAdmin
            {
                return Err(GroupError::Forbidden(
                    "only site admins make groups system groups or undo it".into(),
                ));
            }
            if role == Role::Admin {
                return Err(GroupError::Forbidden("only the owner changes a group's visibility".into()));
            }
        }
        let text_or_null = |v: Option<&'static str>| v.map_or(PgValue::Null, |t| PgValue::Text(t.into()));
        pg.execute(
            "UPDATE groups SET name = coalesce($2, name), description = coalesce($3, description),
                visibility = coalesce($4, visibility), join_mode = coalesce($5, join_mode), updated_at = now()
             WHERE id = $1",
            &[
                PgValue::Uuid(id),
                name.map_or(PgValue::Null, PgValue::Text),
                description.map_or(PgValue::Null, PgValue::Text),
                text_or_null(patch.visibility.map(Visibility::as_str)),
                text_or_null(patch.join_mode.map(JoinMode::as_str)),
            ],
        )
        .await
        .map_err(name_taken)?;
        let group = load_group(pg, caller, id, false).await?;
        detail_of(pg, caller, &group).await
    })
    .await
}

/// Deletes a group: its owner or a site admin. The membership log keeps its history; the other
/// members are told.
pub async fn delete_group(pg: &impl Postgres, caller: &Caller, id: Uuid) -> Result<Outcome<()>> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, id, true).await?;
        if !matches!(group.role(caller), Role::Owner | Role::SiteAdmin) {
            return Err(GroupError::Forbidden("only the owner deletes a group".into()));
        }
        let members = member_ids(pg, id).await?;
        let detail = serde_json::json!({ "members": members.len() });
        record(pg, &group, None, Some(caller.user_id), "group_deleted", "manual", detail).await?;
        pg.execute("DELETE FROM groups WHERE id = $1", &[PgValue::Uuid(id)]).await?;
        let notify = members
            .into_iter()
            .filter(|user| *user != caller.user_id)
            .map(|user| NewNotification {
                user_id: user,
                kind: NotificationKind::GroupDeleted,
                title: format!("{} was deleted", group.name),
                data: serde_json::json!({ "group_id": group.id, "group_name": group.name }),
            })
            .collect();
        Ok(Outcome { value: (), notify })
    })
    .await
}

/// The group's members who count: banned users' memberships stay recorded but give nothing.
async fn member_ids(pg: &impl Postgres, group_id: Uuid) -> Result<Vec<UserId>> {
    let rows = pg
        .query(
            "SELECT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id AND u.disabled_at IS NULL
             WHERE m.group_id = $1",
            &[PgValue::Uuid(group_id)],
        )
        .await?;
    Ok(rows.iter().map(|r| r.uuid(0).map(UserId)).collect::<std::result::Result<_, _>>()?)
}

/// A message from the group's managers to every member: the group-wide event.
pub async fn announce(
    pg: &impl Postgres,
    caller: &Caller,
    id: Uuid,
    message: &str,
) -> Result<Outcome<usize>> {
    let message = message.trim();
    if message.is_empty() || message.chars().count() > 500 {
        return Err(GroupError::Invalid("message must be 1 to 500 characters".into()));
    }
    let group = load_group(pg, caller, id, false).await?;
    group.require_manager(caller)?;
    let notify: Vec<NewNotification> = member_ids(pg, id)
        .await?
        .into_iter()
        .map(|user| NewNotification {
            user_id: user,
            kind: NotificationKind::GroupAnnouncement,
            title: format!("{}: {message}", group.name),
            data: serde_json::json!({ "group_id": group.id, "group_name": group.name, "message": message }),
        })
        .collect();
    Ok(Outcome { value: notify.len(), notify })
}

pub async fn group_detail(pg: &impl Postgres, caller: &Caller, id: Uuid) -> Result<GroupDetail> {
    let group = load_group(pg, caller, id, false).await?;
    detail_of(pg, caller, &group).await
}

async fn detail_of(pg: &impl Postgres, caller: &Caller, group: &GroupRow) -> Result<GroupDetail> {
    let filter = GroupFilter { group_id: Some(group.id), ..GroupFilter::default() };
    let view = list_groups(pg, caller, &filter)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| GroupError::NotFound("no such group".into()))?;
    let role = group.role(caller);
    let pending_requests = if role.manages() {
        let rows = pg
            .query(
                "SELECT count(*) FROM group_join_requests WHERE group_id = $1 AND status = 'pending'",
                &[PgValue::Uuid(group.id)],
            )
            .await?;
        rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0)
    } else {
        0
    };
    Ok(GroupDetail { group: view, role, pending_requests })
}
