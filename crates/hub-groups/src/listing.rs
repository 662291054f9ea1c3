//! Listings. Each costs a constant number of queries, whatever the number of groups: the flags
//! and counts of every row come from the same statement.

use crate::categories::{list_categories, Category};
use crate::rows::{load_group, ms};
use crate::{Caller, GroupError, JoinMode, Result, Role, Visibility};
use hub_domain::UserId;
use hub_ports::{PgValue, Postgres};
use serde::Serialize;
use uuid::Uuid;

/// A group as a listing shows it to the caller. The flags are the API's shape.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GroupView {
    pub id: Uuid,
    pub category_id: Uuid,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub join_mode: JoinMode,
    pub owner_id: UserId,
    pub owner_name: Option<String>,
    pub is_member: bool,
    pub is_admin: bool,
    pub is_owner: bool,
    /// Members who count (banned users' memberships are suspended).
    pub member_count: i64,
    /// The caller asked to join and waits for a decision.
    pub has_pending_request: bool,
    /// That request, which the caller may withdraw.
    pub pending_request_id: Option<Uuid>,
    /// The caller holds a pending invitation.
    pub has_invitation: bool,
}

#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub category_id: Option<Uuid>,
    /// Case-insensitive part of the name or description.
    pub search: Option<String>,
    /// Only the caller's groups.
    pub mine: bool,
    pub group_id: Option<Uuid>,
}

/// Groups the caller may see (hidden ones only to members and site admins), by name: one query.
pub async fn list_groups(
    pg: &impl Postgres,
    caller: &Caller,
    filter: &GroupFilter,
) -> Result<Vec<GroupView>> {
    let rows = pg
        .query(
            "SELECT g.id, g.category_id, g.name, g.description, g.visibility, g.join_mode, g.owner_id, oc.name,
                m.user_id IS NOT NULL, (a.user_id IS NOT NULL OR g.owner_id = $1), g.owner_id = $1,
                coalesce(mc.members, 0),
                (SELECT r.id FROM group_join_requests r
                        WHERE r.group_id = g.id AND r.user_id = $1 AND r.status = 'pending'),
                EXISTS (SELECT 1 FROM group_invitations i
                        WHERE i.group_id = g.id AND i.user_id = $1 AND i.status = 'pending')
             FROM groups g
             LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = $1
             LEFT JOIN group_admins a ON a.group_id = g.id AND a.user_id = $1
             LEFT JOIN (SELECT gm.group_id, count(*) AS members FROM group_members gm
                    JOIN users mu ON mu.id = gm.user_id AND mu.disabled_at IS NULL GROUP BY gm.group_id) mc
                ON mc.group_id = g.id
             LEFT JOIN users ou ON ou.id = g.owner_id
             LEFT JOIN characters oc ON oc.id = ou.main_character_id
             WHERE ($2::uuid IS NULL OR g.category_id = $2)
               AND ($3::text IS NULL OR g.name ILIKE $3 OR g.description ILIKE $3)
               AND ($4::bool OR g.visibility <> 'hidden' OR m.user_id IS NOT NULL)
               AND (NOT $5::bool OR m.user_id IS NOT NULL)
               AND ($6::uuid IS NULL OR g.id = $6)
             ORDER BY lower(g.name), g.id",
            &[
                PgValue::Uuid(caller.user_id.0),
                filter.category_id.map_or(PgValue::Null, PgValue::Uuid),
                filter
                    .search
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map_or(PgValue::Null, |s| PgValue::Text(format!("%{}%", escape_like(s)))),
                PgValue::Bool(caller.site_admin),
                PgValue::Bool(filter.mine),
                filter.group_id.map_or(PgValue::Null, PgValue::Uuid),
            ],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(GroupView {
                id: row.uuid(0)?,
                category_id: row.uuid(1)?,
                name: row.text(2)?,
                description: row.text(3)?,
                visibility: Visibility::parse(&row.text(4)?)?,
                join_mode: JoinMode::parse(&row.text(5)?)?,
                owner_id: UserId(row.uuid(6)?),
                owner_name: row.opt_text(7)?,
                is_member: row.boolean(8)?,
                is_admin: row.boolean(9)?,
                is_owner: row.boolean(10)?,
                member_count: row.int(11)?,
                has_pending_request: row.opt_uuid(12)?.is_some(),
                pending_request_id: row.opt_uuid(12)?,
                has_invitation: row.boolean(13)?,
            })
        })
        .collect()
}

/// `%` and `_` in a search are literal characters.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CategoryWithGroups {
    #[serde(flatten)]
    pub category: Category,
    pub groups: Vec<GroupView>,
}

/// Every category with the groups the caller may see: two queries.
pub async fn categories_with_groups(
    pg: &impl Postgres,
    caller: &Caller,
    search: Option<String>,
) -> Result<Vec<CategoryWithGroups>> {
    let categories = list_categories(pg).await?;
    let mut groups = list_groups(pg, caller, &GroupFilter { search, ..GroupFilter::default() }).await?;
    Ok(categories
        .into_iter()
        .map(|category| {
            let (mine, rest): (Vec<_>, Vec<_>) = groups.drain(..).partition(|g| g.category_id == category.id);
            groups = rest;
            CategoryWithGroups { category, groups: mine }
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Member {
    pub user_id: UserId,
    pub character_id: Option<i64>,
    pub character_name: Option<String>,
    pub role: Role,
    /// How they got in: manual, approval, invitation, code, rule, owner.
    pub source: String,
    pub joined_at_ms: i64,
    /// The user is banned: the membership stays recorded but gives nothing until the ban is lifted.
    pub suspended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MembersPage {
    pub members: Vec<Member>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// A page of a group's members (owner, then admins, then by name), for its members and site admins.
pub async fn members(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<MembersPage> {
    let group = load_group(pg, caller, group_id, false).await?;
    if group.role(caller) == Role::Anyone {
        return Err(GroupError::Forbidden("only members see who is in a group".into()));
    }
    let rows = pg
        .query(
            &format!(
                "SELECT m.user_id, c.id, c.name, m.user_id = g.owner_id, a.user_id IS NOT NULL, m.source, {},
                    count(*) OVER (), u.disabled_at IS NOT NULL
                 FROM group_members m
                 JOIN groups g ON g.id = m.group_id
                 JOIN users u ON u.id = m.user_id
                 LEFT JOIN characters c ON c.id = u.main_character_id
                 LEFT JOIN group_admins a ON a.group_id = m.group_id AND a.user_id = m.user_id
                 WHERE m.group_id = $1
                 ORDER BY m.user_id = g.owner_id DESC, a.user_id IS NOT NULL DESC, lower(c.name), m.user_id
                 LIMIT $2 OFFSET $3",
                ms("m.joined_at")
            ),
            &[PgValue::Uuid(group.id), PgValue::Int(limit), PgValue::Int(offset)],
        )
        .await?;
    let mut total = 0;
    let members = rows
        .iter()
        .map(|row| {
            total = row.int(7)?;
            let role = if row.boolean(3)? {
                Role::Owner
            } else if row.boolean(4)? {
                Role::Admin
            } else {
                Role::Member
            };
            Ok(Member {
                user_id: UserId(row.uuid(0)?),
                character_id: row.opt_int(1)?,
                character_name: row.opt_text(2)?,
                role,
                source: row.text(5)?,
                joined_at_ms: row.int(6)?,
                suspended: row.boolean(8)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if members.is_empty() && offset > 0 {
        let rows = pg
            .query("SELECT count(*) FROM group_members WHERE group_id = $1", &[PgValue::Uuid(group.id)])
            .await?;
        total = rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0);
    }
    Ok(MembersPage { members, total, limit, offset })
}
