//! Ways in and out of a group, and running it: joins, requests, invitations, invite codes,
//! leaving, removal, admins and ownership.

use crate::log::record;
use crate::rows::{load_group, load_group_unchecked, managers, ms, GroupRow};
use crate::rules::eligible;
use crate::{Caller, GroupError, JoinMode, Outcome, Result, Role, Visibility};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::UserId;
use hub_ports::{Clock, PgError, PgRow, PgValue, Postgres, Random};
use hub_postgres::in_transaction;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn notice(user: UserId, kind: NotificationKind, title: String, group: &GroupRow) -> NewNotification {
    NewNotification {
        user_id: user,
        kind,
        title,
        data: serde_json::json!({ "group_id": group.id, "group_name": group.name }),
    }
}

/// Adds a member; `false` when they already were one. Logged with `reason`.
async fn add_member(
    pg: &impl Postgres,
    group: &GroupRow,
    user: UserId,
    actor: Option<UserId>,
    reason: &str,
) -> Result<bool> {
    let added = pg
        .query(
            "INSERT INTO group_members (group_id, user_id, source) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING user_id",
            &[PgValue::Uuid(group.id), PgValue::Uuid(user.0), PgValue::Text(reason.to_owned())],
        )
        .await?;
    if added.is_empty() {
        return Ok(false);
    }
    record(pg, group, Some(user), actor, "joined", reason, serde_json::json!({})).await?;
    Ok(true)
}

/// Removes a member (and their admin role); `false` when they were not one.
pub(crate) async fn remove_membership(
    pg: &impl Postgres,
    group: &GroupRow,
    user: UserId,
    actor: Option<UserId>,
    action: &str,
    reason: &str,
) -> Result<bool> {
    let removed = pg
        .query(
            "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 RETURNING user_id",
            &[PgValue::Uuid(group.id), PgValue::Uuid(user.0)],
        )
        .await?;
    if removed.is_empty() {
        return Ok(false);
    }
    record(pg, group, Some(user), actor, action, reason, serde_json::json!({})).await?;
    Ok(true)
}

async fn require_eligible(pg: &impl Postgres, group: &GroupRow, user: UserId) -> Result<()> {
    if eligible(pg, group.id, user).await? {
        Ok(())
    } else {
        Err(GroupError::Forbidden(
            "none of your characters is in a corporation or alliance this group accepts".into(),
        ))
    }
}

fn not_by_hand(group: &GroupRow) -> Result<()> {
    if group.visibility == Visibility::System {
        return Err(GroupError::Conflict("system groups are managed by rules and site admins".into()));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JoinOutcome {
    pub group_id: Uuid,
    pub group_name: String,
}

/// Joins an open group.
pub async fn join(pg: &impl Postgres, caller: &Caller, group_id: Uuid) -> Result<Outcome<JoinOutcome>> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        if group.is_member {
            return Err(GroupError::Conflict("you are already a member".into()));
        }
        not_by_hand(&group)?;
        match group.join_mode {
            JoinMode::Open => {}
            JoinMode::Approval => {
                return Err(GroupError::Conflict("this group needs approval: send a join request".into()));
            }
            JoinMode::InvitationOnly => {
                return Err(GroupError::Conflict("this group is by invitation only".into()));
            }
        }
        require_eligible(pg, &group, caller.user_id).await?;
        // The unique key decides between racing joins.
        if !add_member(pg, &group, caller.user_id, Some(caller.user_id), "manual").await? {
            return Err(GroupError::Conflict("you are already a member".into()));
        }
        Ok(Outcome::quiet(JoinOutcome { group_id: group.id, group_name: group.name }))
    })
    .await
}

/// Leaves a group. The owner hands the group over first.
pub async fn leave(pg: &impl Postgres, caller: &Caller, group_id: Uuid) -> Result<()> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        if !group.is_member {
            return Err(GroupError::Conflict("you are not a member".into()));
        }
        not_by_hand(&group)?;
        if group.owner_id == caller.user_id {
            return Err(GroupError::Conflict("the owner cannot leave; transfer ownership first".into()));
        }
        remove_membership(pg, &group, caller.user_id, Some(caller.user_id), "left", "manual").await?;
        Ok(())
    })
    .await
}

/// Removes a member. Admins remove members; only the owner (or a site admin) removes an admin;
/// nobody removes the owner.
pub async fn remove_member(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    user: UserId,
) -> Result<Outcome<()>> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        let role = group.require_manager(caller)?;
        if group.owner_id == user {
            return Err(GroupError::Forbidden("the owner cannot be removed".into()));
        }
        let target_is_admin = !pg
            .query(
                "SELECT 1 FROM group_admins WHERE group_id = $1 AND user_id = $2",
                &[PgValue::Uuid(group.id), PgValue::Uuid(user.0)],
            )
            .await?
            .is_empty();
        if target_is_admin && role == Role::Admin {
            return Err(GroupError::Forbidden("only the owner removes an admin".into()));
        }
        if !remove_membership(pg, &group, user, Some(caller.user_id), "removed", "admin").await? {
            return Err(GroupError::NotFound("this user is not a member".into()));
        }
        let title = format!("You were removed from {}", group.name);
        Ok(Outcome {
            value: (),
            notify: vec![notice(user, NotificationKind::RemovedFromGroup, title, &group)],
        })
    })
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JoinRequest {
    pub id: Uuid,
    pub group_id: Uuid,
    pub group_name: String,
    pub user_id: UserId,
    /// The requester's primary character.
    pub character_id: Option<i64>,
    pub character_name: Option<String>,
    pub message: String,
    pub status: String,
    pub created_at_ms: i64,
}

const REQUEST_COLUMNS: &str = "r.id, r.group_id, g.name, r.user_id, c.name, r.message, r.status, c.id";

fn request_row(row: &PgRow) -> std::result::Result<JoinRequest, PgError> {
    Ok(JoinRequest {
        id: row.uuid(0)?,
        group_id: row.uuid(1)?,
        group_name: row.text(2)?,
        user_id: UserId(row.uuid(3)?),
        character_name: row.opt_text(4)?,
        message: row.text(5)?,
        status: row.text(6)?,
        character_id: row.opt_int(7)?,
        created_at_ms: row.int(8)?,
    })
}

async fn load_request(pg: &impl Postgres, id: Uuid, lock: bool) -> Result<JoinRequest> {
    let rows = pg
        .query(
            &format!(
                "SELECT {REQUEST_COLUMNS}, {} FROM group_join_requests r JOIN groups g ON g.id = r.group_id
                 JOIN users u ON u.id = r.user_id LEFT JOIN characters c ON c.id = u.main_character_id
                 WHERE r.id = $1{}",
                ms("r.created_at"),
                if lock { " FOR UPDATE OF r" } else { "" }
            ),
            &[PgValue::Uuid(id)],
        )
        .await?;
    let row = rows.first().ok_or_else(|| GroupError::NotFound("no such join request".into()))?;
    Ok(request_row(row)?)
}

/// Asks to join an approval group; its owner and admins are told.
pub async fn request_join(
    pg: &impl Postgres,
    random: &impl Random,
    caller: &Caller,
    group_id: Uuid,
    message: &str,
) -> Result<Outcome<JoinRequest>> {
    if message.chars().count() > 500 {
        return Err(GroupError::Invalid("message must be at most 500 characters".into()));
    }
    let id = random.uuid_v4();
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        if group.is_member {
            return Err(GroupError::Conflict("you are already a member".into()));
        }
        not_by_hand(&group)?;
        match group.join_mode {
            JoinMode::Approval => {}
            JoinMode::Open => return Err(GroupError::Conflict("this group is open: join it directly".into())),
            JoinMode::InvitationOnly => {
                return Err(GroupError::Conflict("this group is by invitation only".into()));
            }
        }
        require_eligible(pg, &group, caller.user_id).await?;
        pg.execute(
            "INSERT INTO group_join_requests (id, group_id, user_id, message, status) VALUES ($1, $2, $3, $4, 'pending')",
            &[PgValue::Uuid(id), PgValue::Uuid(group.id), PgValue::Uuid(caller.user_id.0), PgValue::Text(message.trim().to_owned())],
        )
        .await
        .map_err(|e| match e {
            PgError::UniqueViolation(_) => GroupError::Conflict("you already asked to join; wait for a decision".into()),
            other => other.into(),
        })?;
        let request = load_request(pg, id, false).await?;
        let who = request.character_name.clone().unwrap_or_else(|| "Someone".into());
        let notify = managers(pg, &group)
            .await?
            .into_iter()
            .map(|admin| {
                let mut n = notice(admin, NotificationKind::JoinRequestReceived, format!("{who} asks to join {}", group.name), &group);
                n.data["request_id"] = serde_json::json!(id);
                n
            })
            .collect();
        Ok(Outcome { value: request, notify })
    })
    .await
}

/// Withdraws one's own pending request to join `group_id`.
pub async fn cancel_request(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    request_id: Uuid,
) -> Result<()> {
    in_transaction(pg, |pg| async move {
        let request = load_request(pg, request_id, true).await?;
        if request.user_id != caller.user_id || request.group_id != group_id {
            return Err(GroupError::NotFound("no such join request".into()));
        }
        if request.status != "pending" {
            return Err(GroupError::Conflict(format!("this request is already {}", request.status)));
        }
        pg.execute(
            "UPDATE group_join_requests SET status = 'cancelled', decided_at = now(), decided_by = $2 WHERE id = $1",
            &[PgValue::Uuid(request_id), PgValue::Uuid(caller.user_id.0)],
        )
        .await?;
        Ok(())
    })
    .await
}

/// A group's pending requests, oldest first, for its managers.
pub async fn list_requests(pg: &impl Postgres, caller: &Caller, group_id: Uuid) -> Result<Vec<JoinRequest>> {
    let group = load_group(pg, caller, group_id, false).await?;
    group.require_manager(caller)?;
    let rows = pg
        .query(
            &format!(
                "SELECT {REQUEST_COLUMNS}, {} FROM group_join_requests r JOIN groups g ON g.id = r.group_id
                 JOIN users u ON u.id = r.user_id LEFT JOIN characters c ON c.id = u.main_character_id
                 WHERE r.group_id = $1 AND r.status = 'pending' ORDER BY r.created_at, r.id",
                ms("r.created_at")
            ),
            &[PgValue::Uuid(group.id)],
        )
        .await?;
    Ok(rows.iter().map(request_row).collect::<std::result::Result<_, _>>()?)
}

/// Approves (the requester becomes a member) or rejects a pending request to join `group_id`; the
/// requester is told. A request of another group is not found, and nothing changes.
pub async fn decide_request(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    request_id: Uuid,
    approve: bool,
) -> Result<Outcome<JoinRequest>> {
    in_transaction(pg, |pg| async move {
        let request = load_request(pg, request_id, true).await?;
        if request.group_id != group_id {
            return Err(GroupError::NotFound("no such join request in this group".into()));
        }
        let group = load_group(pg, caller, request.group_id, true)
            .await
            .map_err(|_| GroupError::NotFound("no such join request".into()))?;
        group.require_manager(caller)?;
        if request.status != "pending" {
            return Err(GroupError::Conflict(format!("this request is already {}", request.status)));
        }
        if approve {
            require_eligible(pg, &group, request.user_id).await?;
            add_member(pg, &group, request.user_id, Some(caller.user_id), "approval").await?;
        }
        let status = if approve { "approved" } else { "rejected" };
        pg.execute(
            "UPDATE group_join_requests SET status = $2, decided_at = now(), decided_by = $3 WHERE id = $1",
            &[PgValue::Uuid(request_id), PgValue::Text(status.into()), PgValue::Uuid(caller.user_id.0)],
        )
        .await?;
        if !approve {
            record(
                pg,
                &group,
                Some(request.user_id),
                Some(caller.user_id),
                "request_rejected",
                "approval",
                serde_json::json!({}),
            )
            .await?;
        }
        let (kind, title) = if approve {
            (
                NotificationKind::RequestApproved,
                format!("You joined {}: your request was approved", group.name),
            )
        } else {
            (NotificationKind::RequestRejected, format!("Your request to join {} was declined", group.name))
        };
        let notify = vec![notice(request.user_id, kind, title, &group)];
        let request = load_request(pg, request_id, false).await?;
        Ok(Outcome { value: request, notify })
    })
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Invitation {
    pub id: Uuid,
    pub group_id: Uuid,
    pub group_name: String,
    pub character_id: i64,
    pub character_name: Option<String>,
    pub invited_by_name: Option<String>,
    pub status: String,
    pub created_at_ms: i64,
}

const INVITATION_SELECT: &str = "SELECT i.id, i.group_id, g.name, i.character_id, ic.name, bc.name, i.status,
        (extract(epoch from i.created_at) * 1000)::bigint
    FROM group_invitations i JOIN groups g ON g.id = i.group_id
    LEFT JOIN characters ic ON ic.id = i.character_id
    LEFT JOIN users bu ON bu.id = i.invited_by LEFT JOIN characters bc ON bc.id = bu.main_character_id";

fn invitation_row(row: &PgRow) -> std::result::Result<Invitation, PgError> {
    Ok(Invitation {
        id: row.uuid(0)?,
        group_id: row.uuid(1)?,
        group_name: row.text(2)?,
        character_id: row.int(3)?,
        character_name: row.opt_text(4)?,
        invited_by_name: row.opt_text(5)?,
        status: row.text(6)?,
        created_at_ms: row.int(7)?,
    })
}

/// Invites the user who holds `character_id`; they are told.
pub async fn invite(
    pg: &impl Postgres,
    random: &impl Random,
    caller: &Caller,
    group_id: Uuid,
    character_id: i64,
) -> Result<Outcome<Invitation>> {
    let id = random.uuid_v4();
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        group.require_manager(caller)?;
        not_by_hand(&group)?;
        let holders =
            pg.query("SELECT user_id FROM characters WHERE id = $1", &[PgValue::Int(character_id)]).await?;
        let holder =
            holders.first().ok_or_else(|| GroupError::NotFound("no user has this character".into()))?;
        let user = UserId(holder.uuid(0)?);
        if crate::rows::is_member(pg, group.id, user).await? {
            return Err(GroupError::Conflict("this character's user is already a member".into()));
        }
        pg.execute(
            "INSERT INTO group_invitations (id, group_id, character_id, user_id, invited_by, status)
             VALUES ($1, $2, $3, $4, $5, 'pending')",
            &[
                PgValue::Uuid(id),
                PgValue::Uuid(group.id),
                PgValue::Int(character_id),
                PgValue::Uuid(user.0),
                PgValue::Uuid(caller.user_id.0),
            ],
        )
        .await
        .map_err(|e| match e {
            PgError::UniqueViolation(_) => {
                GroupError::Conflict("this user already has a pending invitation".into())
            }
            other => other.into(),
        })?;
        let rows = pg.query(&format!("{INVITATION_SELECT} WHERE i.id = $1"), &[PgValue::Uuid(id)]).await?;
        let invitation =
            invitation_row(rows.first().ok_or_else(|| PgError::RowShape("invitation vanished".into()))?)?;
        let mut n = notice(
            user,
            NotificationKind::InvitationReceived,
            format!("You are invited to join {}", group.name),
            &group,
        );
        n.data["invitation_id"] = serde_json::json!(id);
        Ok(Outcome { value: invitation, notify: vec![n] })
    })
    .await
}

/// The caller's pending invitations, newest first.
pub async fn my_invitations(pg: &impl Postgres, caller: &Caller) -> Result<Vec<Invitation>> {
    let rows = pg
        .query(
            &format!("{INVITATION_SELECT} WHERE i.user_id = $1 AND i.status = 'pending' ORDER BY i.created_at DESC, i.id"),
            &[PgValue::Uuid(caller.user_id.0)],
        )
        .await?;
    Ok(rows.iter().map(invitation_row).collect::<std::result::Result<_, _>>()?)
}

/// A group's pending invitations, for its managers.
pub async fn list_invitations(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
) -> Result<Vec<Invitation>> {
    let group = load_group(pg, caller, group_id, false).await?;
    group.require_manager(caller)?;
    let rows = pg
        .query(
            &format!("{INVITATION_SELECT} WHERE i.group_id = $1 AND i.status = 'pending' ORDER BY i.created_at DESC, i.id"),
            &[PgValue::Uuid(group.id)],
        )
        .await?;
    Ok(rows.iter().map(invitation_row).collect::<std::result::Result<_, _>>()?)
}

async fn pending_invitation(pg: &impl Postgres, id: Uuid) -> Result<(Uuid, UserId, String)> {
    let rows = pg
        .query(
            "SELECT group_id, user_id, status FROM group_invitations WHERE id = $1 FOR UPDATE",
            &[PgValue::Uuid(id)],
        )
        .await?;
    let row = rows.first().ok_or_else(|| GroupError::NotFound("no such invitation".into()))?;
    Ok((row.uuid(0)?, UserId(row.uuid(1)?), row.text(2)?))
}

/// Accepts (joining the group) or declines an invitation sent to the caller.
pub async fn respond_invitation(
    pg: &impl Postgres,
    caller: &Caller,
    invitation_id: Uuid,
    accept: bool,
) -> Result<JoinOutcome> {
    in_transaction(pg, |pg| async move {
        let (group_id, user, status) = pending_invitation(pg, invitation_id).await?;
        if user != caller.user_id {
            return Err(GroupError::NotFound("no such invitation".into()));
        }
        if status != "pending" {
            return Err(GroupError::Conflict(format!("this invitation is already {status}")));
        }
        let group = load_group_unchecked(pg, caller, group_id, true).await?;
        if accept {
            require_eligible(pg, &group, caller.user_id).await?;
            add_member(pg, &group, caller.user_id, Some(caller.user_id), "invitation").await?;
        }
        pg.execute(
            "UPDATE group_invitations SET status = $2, responded_at = now() WHERE id = $1",
            &[
                PgValue::Uuid(invitation_id),
                PgValue::Text(if accept { "accepted" } else { "declined" }.into()),
            ],
        )
        .await?;
        Ok(JoinOutcome { group_id: group.id, group_name: group.name })
    })
    .await
}

/// Withdraws a pending invitation to `group_id` (managers). An invitation of another group is not
/// found, and nothing changes.
pub async fn revoke_invitation(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    invitation_id: Uuid,
) -> Result<()> {
    in_transaction(pg, |pg| async move {
        let (invited_to, _, status) = pending_invitation(pg, invitation_id).await?;
        if invited_to != group_id {
            return Err(GroupError::NotFound("no such invitation in this group".into()));
        }
        let group = load_group(pg, caller, group_id, true).await?;
        group.require_manager(caller)?;
        if status != "pending" {
            return Err(GroupError::Conflict(format!("this invitation is already {status}")));
        }
        pg.execute(
            "UPDATE group_invitations SET status = 'revoked', responded_at = now() WHERE id = $1",
            &[PgValue::Uuid(invitation_id)],
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewInviteCode {
    /// How many users may redeem it; unlimited when absent.
    pub max_uses: Option<i64>,
    /// How long it works, in hours; forever when absent.
    pub expires_in_hours: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InviteCode {
    pub id: Uuid,
    pub group_id: Uuid,
    /// The whole code, only in the answer that created it (only its hash is stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub hint: String,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub expires_at_ms: Option<i64>,
    pub revoked: bool,
    pub created_at_ms: i64,
}

fn code_row(row: &PgRow) -> std::result::Result<InviteCode, PgError> {
    Ok(InviteCode {
        id: row.uuid(0)?,
        group_id: row.uuid(1)?,
        code: None,
        hint: row.text(2)?,
        max_uses: row.opt_int(3)?,
        uses: row.int(4)?,
        expires_at_ms: row.opt_int(5)?,
        revoked: row.opt_int(6)?.is_some(),
        created_at_ms: row.int(7)?,
    })
}

fn code_select() -> String {
    format!(
        "SELECT id, group_id, code_hint, max_uses::bigint, uses::bigint, {}, {}, {} FROM group_invite_codes",
        ms("expires_at"),
        ms("revoked_at"),
        ms("created_at")
    )
}

fn code_hash(code: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(code.trim().as_bytes()).to_vec()
}

/// Creates an invite code (managers). The answer is the only place the code appears.
pub async fn create_invite_code(
    pg: &impl Postgres,
    random: &impl Random,
    clock: &impl Clock,
    caller: &Caller,
    group_id: Uuid,
    new: &NewInviteCode,
) -> Result<InviteCode> {
    use base64::Engine;
    if new.max_uses.is_some_and(|n| !(1..=100_000).contains(&n)) {
        return Err(GroupError::Invalid("max_uses must be from 1 to 100000".into()));
    }
    if new.expires_in_hours.is_some_and(|h| !(1..=24 * 365).contains(&h)) {
        return Err(GroupError::Invalid("expires_in_hours must be from 1 to 8760".into()));
    }
    let mut secret = [0u8; 16];
    random.fill(&mut secret);
    let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let id = random.uuid_v4();
    let expires_at_ms = new.expires_in_hours.map(|h| clock.now_ms() + h * 3_600_000);
    let code_ref = &code;
    let mut created = in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        group.require_manager(caller)?;
        not_by_hand(&group)?;
        pg.execute(
            "INSERT INTO group_invite_codes (id, group_id, code_sha256, code_hint, max_uses, expires_at, created_by)
             VALUES ($1, $2, $3, $4, $5::bigint, to_timestamp($6::bigint / 1000.0), $7)",
            &[
                PgValue::Uuid(id),
                PgValue::Uuid(group.id),
                PgValue::Bytes(code_hash(code_ref)),
                PgValue::Text(code_ref.chars().take(4).collect()),
                new.max_uses.map_or(PgValue::Null, PgValue::Int),
                expires_at_ms.map_or(PgValue::Null, PgValue::Int),
                PgValue::Uuid(caller.user_id.0),
            ],
        )
        .await?;
        let rows = pg.query(&format!("{} WHERE id = $1", code_select()), &[PgValue::Uuid(id)]).await?;
        Ok::<_, GroupError>(code_row(rows.first().ok_or_else(|| PgError::RowShape("code vanished".into()))?)?)
    })
    .await?;
    created.code = Some(code);
    Ok(created)
}

/// A group's invite codes, newest first (managers).
pub async fn list_invite_codes(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
) -> Result<Vec<InviteCode>> {
    let group = load_group(pg, caller, group_id, false).await?;
    group.require_manager(caller)?;
    let rows = pg
        .query(
            &format!("{} WHERE group_id = $1 ORDER BY created_at DESC, id", code_select()),
            &[PgValue::Uuid(group.id)],
        )
        .await?;
    Ok(rows.iter().map(code_row).collect::<std::result::Result<_, _>>()?)
}

pub async fn revoke_invite_code(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    code_id: Uuid,
) -> Result<()> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        group.require_manager(caller)?;
        let changed = pg
            .execute(
                "UPDATE group_invite_codes SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND group_id = $2",
                &[PgValue::Uuid(code_id), PgValue::Uuid(group.id)],
            )
            .await?;
        if changed == 0 {
            return Err(GroupError::NotFound("no such invite code".into()));
        }
        Ok(())
    })
    .await
}

/// Redeems an invite code: the caller joins its group. Unknown codes are 404; revoked, expired or
/// used-up ones, and second redemptions, are conflicts.
pub async fn redeem_code(
    pg: &impl Postgres,
    clock: &impl Clock,
    caller: &Caller,
    code: &str,
) -> Result<JoinOutcome> {
    in_transaction(pg, |pg| async move {
        let rows = pg
            .query(
                &format!(
                    "SELECT id, group_id, max_uses::bigint, uses::bigint, {}, revoked_at IS NOT NULL
                     FROM group_invite_codes WHERE code_sha256 = $1 FOR UPDATE",
                    ms("expires_at")
                ),
                &[PgValue::Bytes(code_hash(code))],
            )
            .await?;
        let row = rows.first().ok_or_else(|| GroupError::NotFound("no such invite code".into()))?;
        let (code_id, group_id) = (row.uuid(0)?, row.uuid(1)?);
        if row.boolean(5)? {
            return Err(GroupError::Conflict("this invite code was revoked".into()));
        }
        if row.opt_int(4)?.is_some_and(|at| at <= clock.now_ms()) {
            return Err(GroupError::Conflict("this invite code has expired".into()));
        }
        if row.opt_int(2)?.is_some_and(|max| row.int(3).is_ok_and(|uses| uses >= max)) {
            return Err(GroupError::Conflict("this invite code has been used up".into()));
        }
        let group = load_group_unchecked(pg, caller, group_id, true).await?;
        if group.is_member {
            return Err(GroupError::Conflict("you are already a member".into()));
        }
        not_by_hand(&group)?;
        require_eligible(pg, &group, caller.user_id).await?;
        pg.execute(
            "INSERT INTO group_invite_redemptions (code_id, user_id) VALUES ($1, $2)",
            &[PgValue::Uuid(code_id), PgValue::Uuid(caller.user_id.0)],
        )
        .await
        .map_err(|e| match e {
            PgError::UniqueViolation(_) => GroupError::Conflict("you already redeemed this code".into()),
            other => other.into(),
        })?;
        pg.execute("UPDATE group_invite_codes SET uses = uses + 1 WHERE id = $1", &[PgValue::Uuid(code_id)])
            .await?;
        if !add_member(pg, &group, caller.user_id, Some(caller.user_id), "code").await? {
            return Err(GroupError::Conflict("you are already a member".into()));
        }
        Ok(JoinOutcome { group_id: group.id, group_name: group.name })
    })
    .await
}

/// Only the owner (or a site admin) changes who runs the group.
fn require_owner(group: &GroupRow, caller: &Caller) -> Result<()> {
    if matches!(group.role(caller), Role::Owner | Role::SiteAdmin) {
        Ok(())
    } else {
        Err(GroupError::Forbidden("only the group's owner may do this".into()))
    }
}

/// Makes a member an admin; they are told.
pub async fn add_admin(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    user: UserId,
) -> Result<Outcome<()>> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        require_owner(&group, caller)?;
        if user == group.owner_id {
            return Err(GroupError::Conflict("the owner already runs the group".into()));
        }
        if !crate::rows::is_member(pg, group.id, user).await? {
            return Err(GroupError::Conflict("only members can become admins".into()));
        }
        let added = pg
            .query(
                "INSERT INTO group_admins (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id",
                &[PgValue::Uuid(group.id), PgValue::Uuid(user.0)],
            )
            .await?;
        if added.is_empty() {
            return Err(GroupError::Conflict("this member is already an admin".into()));
        }
        record(pg, &group, Some(user), Some(caller.user_id), "made_admin", "owner", serde_json::json!({})).await?;
        let title = format!("You are now an admin of {}", group.name);
        Ok(Outcome { value: (), notify: vec![notice(user, NotificationKind::MadeAdmin, title, &group)] })
    })
    .await
}

pub async fn remove_admin(pg: &impl Postgres, caller: &Caller, group_id: Uuid, user: UserId) -> Result<()> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        require_owner(&group, caller)?;
        let removed = pg
            .execute(
                "DELETE FROM group_admins WHERE group_id = $1 AND user_id = $2",
                &[PgValue::Uuid(group.id), PgValue::Uuid(user.0)],
            )
            .await?;
        if removed == 0 {
            return Err(GroupError::NotFound("this user is not an admin".into()));
        }
        record(pg, &group, Some(user), Some(caller.user_id), "admin_removed", "owner", serde_json::json!({}))
            .await?;
        Ok(())
    })
    .await
}

/// Hands the group to another member; the old owner stays on as an admin. The new owner is told.
pub async fn transfer_ownership(
    pg: &impl Postgres,
    caller: &Caller,
    group_id: Uuid,
    new_owner: UserId,
) -> Result<Outcome<()>> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        require_owner(&group, caller)?;
        if new_owner == group.owner_id {
            return Err(GroupError::Conflict("this user already owns the group".into()));
        }
        if !crate::rows::is_member(pg, group.id, new_owner).await? {
            return Err(GroupError::Conflict("only a member can become the owner".into()));
        }
        pg.execute(
            "UPDATE groups SET owner_id = $2, updated_at = now() WHERE id = $1",
            &[PgValue::Uuid(group.id), PgValue::Uuid(new_owner.0)],
        )
        .await?;
        // The owner counts as an admin without a row; the previous owner keeps running the group.
        pg.execute(
            "DELETE FROM group_admins WHERE group_id = $1 AND user_id = $2",
            &[PgValue::Uuid(group.id), PgValue::Uuid(new_owner.0)],
        )
        .await?;
        pg.execute(
            "INSERT INTO group_admins (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[PgValue::Uuid(group.id), PgValue::Uuid(group.owner_id.0)],
        )
        .await?;
        let detail = serde_json::json!({ "previous_owner": group.owner_id });
        record(pg, &group, Some(new_owner), Some(caller.user_id), "ownership_transferred", "owner", detail)
            .await?;
        let title = format!("You now own {}", group.name);
        Ok(Outcome {
            value: (),
            notify: vec![notice(new_owner, NotificationKind::OwnershipTransferred, title, &group)],
        })
    })
    .await
}
