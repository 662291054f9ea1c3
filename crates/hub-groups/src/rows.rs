//! Reading rows, and the group row with the caller's standing, shared by every operation.

use crate::{Caller, GroupError, JoinMode, Result, Role, Visibility};
use hub_domain::UserId;
use hub_ports::{PgValue, Postgres};
use uuid::Uuid;

/// Epoch milliseconds of a `timestamptz` column, in SQL.
pub(crate) fn ms(column: &str) -> String {
    format!("(extract(epoch from {column}) * 1000)::bigint")
}

/// A group as stored, with the caller's standing in it.
#[derive(Debug, Clone)]
pub(crate) struct GroupRow {
    pub id: Uuid,
    pub name: String,
    pub visibility: Visibility,
    pub join_mode: JoinMode,
    pub owner_id: UserId,
    pub is_member: bool,
    pub is_admin: bool,
}

impl GroupRow {
    pub fn role(&self, caller: &Caller) -> Role {
        if caller.site_admin {
            Role::SiteAdmin
        } else if self.owner_id == caller.user_id {
            Role::Owner
        } else if self.is_admin {
            Role::Admin
        } else if self.is_member {
            Role::Member
        } else {
            Role::Anyone
        }
    }

    /// Whether the caller may know the group exists: hidden groups are for members and site admins.
    pub fn visible_to(&self, caller: &Caller) -> bool {
        self.visibility != Visibility::Hidden || self.is_member || caller.site_admin
    }

    /// The caller's role, requiring that they run the group.
    pub fn require_manager(&self, caller: &Caller) -> Result<Role> {
        let role = self.role(caller);
        if role.manages() {
            Ok(role)
        } else {
            Err(GroupError::Forbidden("only the group's owner and admins may do this".into()))
        }
    }
}

/// Loads a group with the caller's standing; `FOR UPDATE` locks it for the transaction. A group
/// the caller may not see is "not found", like one that does not exist.
pub(crate) async fn load_group(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    lock: bool,
) -> Result<GroupRow> {
    let group = load_group_unchecked(pg, caller, group_id, lock).await?;
    if group.visible_to(caller) {
        Ok(group)
    } else {
        Err(GroupError::NotFound("no such group".into()))
    }
}

/// [`load_group`] without the visibility check: for invitations and codes, which reach hidden
/// groups on purpose.
pub(crate) async fn load_group_unchecked(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    lock: bool,
) -> Result<GroupRow> {
    let sql = format!(
        "SELECT g.id, g.name, g.visibility, g.join_mode, g.owner_id,
            EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = $2),
            EXISTS (SELECT 1 FROM group_admins a WHERE a.group_id = g.id AND a.user_id = $2)
         FROM groups g WHERE g.id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let rows = pg.query(&sql, &[PgValue::Uuid(group_id), PgValue::Uuid(caller.user_id.0)]).await?;
    let row = rows.first().ok_or_else(|| GroupError::NotFound("no such group".into()))?;
    let group = GroupRow {
        id: row.uuid(0)?,
        name: row.text(1)?,
        visibility: Visibility::parse(&row.text(2)?)?,
        join_mode: JoinMode::parse(&row.text(3)?)?,
        owner_id: UserId(row.uuid(4)?),
        is_member: row.boolean(5)?,
        is_admin: row.boolean(6)?,
    };
    Ok(group)
}

/// Whether `user` is a member of `group_id`.
pub(crate) async fn is_member(pg: &impl Postgres, group_id: Uuid, user: UserId) -> Result<bool> {
    let rows = pg
        .query(
            "SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2",
            &[PgValue::Uuid(group_id), PgValue::Uuid(user.0)],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// The owner and admins of a group: who hears about join requests.
/// The owner and admins to tell about the group (banned admins hear nothing).
pub(crate) async fn managers(pg: &impl Postgres, group: &GroupRow) -> Result<Vec<UserId>> {
    let rows = pg
        .query(
            "SELECT a.user_id FROM group_admins a JOIN users u ON u.id = a.user_id AND u.disabled_at IS NULL
             WHERE a.group_id = $1",
            &[PgValue::Uuid(group.id)],
        )
        .await?;
    let mut users = vec![group.owner_id];
    for row in &rows {
        let user = UserId(row.uuid(0)?);
        if !users.contains(&user) {
            users.push(user);
        }
    }
    Ok(users)
}
