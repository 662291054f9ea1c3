//! Membership by EVE affiliation. A group's `eligible` rules restrict who may join (matching any
//! rule is enough); its `auto_join` rules make every matching user a member. A user matches when
//! one of their characters is in the rule's corporation or alliance.
//!
//! Adding an `auto_join` rule joins the matching users at once. When a user's affiliations change
//! (character sync), [`reevaluate_user`] joins them where a rule now matches and removes them where
//! the rules that let them in no longer do. Adding an `eligible` rule does not evict current
//! members; they are checked again when their affiliations change.

use crate::log::record;
use crate::membership::remove_membership;
use crate::rows::{load_group, load_group_unchecked};
use crate::{Caller, GroupError, Outcome, Result};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::UserId;
use hub_ports::{PgError, PgRow, PgValue, Postgres, Random};
use hub_postgres::in_transaction;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AffiliationKind {
    Corporation,
    Alliance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RuleEffect {
    Eligible,
    AutoJoin,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewRule {
    pub kind: AffiliationKind,
    pub entity_id: i64,
    pub effect: RuleEffect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AffiliationRule {
    pub id: Uuid,
    pub group_id: Uuid,
    pub kind: String,
    pub entity_id: i64,
    pub effect: String,
}

fn rule_row(row: &PgRow) -> std::result::Result<AffiliationRule, PgError> {
    Ok(AffiliationRule {
        id: row.uuid(0)?,
        group_id: row.uuid(1)?,
        kind: row.text(2)?,
        entity_id: row.int(3)?,
        effect: row.text(4)?,
    })
}

/// Matches a rule `r` against the characters `c` of a user.
const MATCHES: &str = "((r.kind = 'corporation' AND c.corporation_id = r.entity_id)
    OR (r.kind = 'alliance' AND c.alliance_id = r.entity_id))";

/// Whether the user may be a member: no `eligible` rule, or some rule of the group matches them.
pub(crate) async fn eligible(pg: &impl Postgres, group_id: Uuid, user: UserId) -> Result<bool> {
    let rows = pg
        .query(
            &format!(
                "SELECT NOT EXISTS (SELECT 1 FROM group_affiliation_rules WHERE group_id = $1 AND effect = 'eligible')
                    OR EXISTS (SELECT 1 FROM group_affiliation_rules r JOIN characters c ON c.user_id = $2
                               WHERE r.group_id = $1 AND {MATCHES})"
            ),
            &[PgValue::Uuid(group_id), PgValue::Uuid(user.0)],
        )
        .await?;
    Ok(rows.first().map(|r| r.boolean(0)).transpose()?.unwrap_or(true))
}

pub async fn list_rules(pg: &impl Postgres, caller: &Caller, group_id: Uuid) -> Result<Vec<AffiliationRule>> {
    let group = load_group(pg, caller, group_id, false).await?;
    group.require_manager(caller)?;
    let rows = pg
        .query(
            "SELECT id, group_id, kind, entity_id, effect FROM group_affiliation_rules WHERE group_id = $1
             ORDER BY effect, kind, entity_id",
            &[PgValue::Uuid(group.id)],
        )
        .await?;
    Ok(rows.iter().map(rule_row).collect::<std::result::Result<_, _>>()?)
}

/// Adds a rule (managers). An `auto_join` rule joins every matching user now; the answer says
/// how many.
pub async fn add_rule(
    pg: &impl Postgres,
    random: &impl Random,
    caller: &Caller,
    group_id: Uuid,
    new: &NewRule,
) -> Result<(AffiliationRule, i64)> {
    if new.entity_id <= 0 {
        return Err(GroupError::Invalid("entity_id must be an EVE corporation or alliance id".into()));
    }
    let id = random.uuid_v4();
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        group.require_manager(caller)?;
        let kind = match new.kind {
            AffiliationKind::Corporation => "corporation",
            AffiliationKind::Alliance => "alliance",
        };
        let effect = match new.effect {
            RuleEffect::Eligible => "eligible",
            RuleEffect::AutoJoin => "auto_join",
        };
        let rows = pg
            .query(
                "INSERT INTO group_affiliation_rules (id, group_id, kind, entity_id, effect) VALUES ($1, $2, $3, $4, $5)
                 RETURNING id, group_id, kind, entity_id, effect",
                &[
                    PgValue::Uuid(id),
                    PgValue::Uuid(group.id),
                    PgValue::Text(kind.into()),
                    PgValue::Int(new.entity_id),
                    PgValue::Text(effect.into()),
                ],
            )
            .await
            .map_err(|e| match e {
                PgError::UniqueViolation(_) => GroupError::Conflict("the group already has a rule for this entity".into()),
                other => other.into(),
            })?;
        let rule = rule_row(rows.first().ok_or_else(|| PgError::RowShape("insert returned no row".into()))?)?;
        record(pg, &group, None, Some(caller.user_id), "rule_added", "admin", serde_json::json!(rule)).await?;
        let mut joined = 0;
        if new.effect == RuleEffect::AutoJoin {
            // One statement joins and logs every matching user.
            let rows = pg
                .query(
                    &format!(
                        "WITH added AS (
                            INSERT INTO group_members (group_id, user_id, source)
                            SELECT DISTINCT r.group_id, c.user_id, 'rule' FROM group_affiliation_rules r
                            JOIN characters c ON {MATCHES}
                            WHERE r.id = $1
                            ON CONFLICT DO NOTHING RETURNING user_id)
                         INSERT INTO group_membership_log (group_id, group_name, user_id, actor_id, action, reason, detail)
                         SELECT $2, $3, user_id, NULL, 'joined', 'rule', jsonb_build_object('rule_id', $1::uuid) FROM added
                         RETURNING 1"
                    ),
                    &[PgValue::Uuid(rule.id), PgValue::Uuid(group.id), PgValue::Text(group.name.clone())],
                )
                .await?;
            joined = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        }
        Ok((rule, joined))
    })
    .await
}

pub async fn remove_rule(pg: &impl Postgres, caller: &Caller, group_id: Uuid, rule_id: Uuid) -> Result<()> {
    in_transaction(pg, |pg| async move {
        let group = load_group(pg, caller, group_id, true).await?;
        group.require_manager(caller)?;
        let removed = pg
            .execute(
                "DELETE FROM group_affiliation_rules WHERE id = $1 AND group_id = $2",
                &[PgValue::Uuid(rule_id), PgValue::Uuid(group.id)],
            )
            .await?;
        if removed == 0 {
            return Err(GroupError::NotFound("no such rule".into()));
        }
        record(
            pg,
            &group,
            None,
            Some(caller.user_id),
            "rule_removed",
            "admin",
            serde_json::json!({ "rule_id": rule_id }),
        )
        .await?;
        Ok(())
    })
    .await
}

/// What re-evaluating a user changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleChange {
    pub group_id: Uuid,
    pub group_name: String,
    pub joined: bool,
}

/// Re-applies the affiliation rules to one user after their characters' affiliations changed:
/// joins groups whose `auto_join` rules now match; removes them from groups they joined by rule
/// when no `auto_join` rule matches any more, and from groups whose `eligible` rules they no
/// longer meet (never the owner). Every change is logged with reason `rule`; removals notify.
pub async fn reevaluate_user(pg: &impl Postgres, user: UserId) -> Result<Outcome<Vec<RuleChange>>> {
    in_transaction(pg, |pg| async move {
        let system = Caller { user_id: user, site_admin: true };
        let to_join = pg
            .query(
                &format!(
                    "SELECT DISTINCT r.group_id FROM group_affiliation_rules r JOIN characters c ON c.user_id = $1
                     WHERE r.effect = 'auto_join' AND {MATCHES}
                       AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = r.group_id AND m.user_id = $1)"
                ),
                &[PgValue::Uuid(user.0)],
            )
            .await?;
        let to_leave = pg
            .query(
                &format!(
                    "SELECT m.group_id FROM group_members m JOIN groups g ON g.id = m.group_id
                     WHERE m.user_id = $1 AND g.owner_id <> $1 AND (
                        (m.source = 'rule' AND NOT EXISTS (
                            SELECT 1 FROM group_affiliation_rules r JOIN characters c ON c.user_id = $1
                            WHERE r.group_id = m.group_id AND r.effect = 'auto_join' AND {MATCHES}))
                        OR (EXISTS (SELECT 1 FROM group_affiliation_rules r
                                    WHERE r.group_id = m.group_id AND r.effect = 'eligible')
                            AND NOT EXISTS (
                            SELECT 1 FROM group_affiliation_rules r JOIN characters c ON c.user_id = $1
                            WHERE r.group_id = m.group_id AND {MATCHES})))"
                ),
                &[PgValue::Uuid(user.0)],
            )
            .await?;
        let mut changes = Vec::new();
        let mut notify = Vec::new();
        for row in &to_join {
            let group = load_group_unchecked(pg, &system, row.uuid(0)?, true).await?;
            let added = pg
                .query(
                    "INSERT INTO group_members (group_id, user_id, source) VALUES ($1, $2, 'rule')
                     ON CONFLICT DO NOTHING RETURNING user_id",
                    &[PgValue::Uuid(group.id), PgValue::Uuid(user.0)],
                )
                .await?;
            if !added.is_empty() {
                record(pg, &group, Some(user), None, "joined", "rule", serde_json::json!({})).await?;
                changes.push(RuleChange { group_id: group.id, group_name: group.name, joined: true });
            }
        }
        for row in &to_leave {
            let group = load_group_unchecked(pg, &system, row.uuid(0)?, true).await?;
            if remove_membership(pg, &group, user, None, "removed", "rule").await? {
                notify.push(NewNotification {
                    user_id: user,
                    kind: NotificationKind::RemovedFromGroup,
                    title: format!("You left {}: your characters' affiliations no longer match it", group.name),
                    data: serde_json::json!({ "group_id": group.id, "group_name": group.name }),
                });
                changes.push(RuleChange { group_id: group.id, group_name: group.name, joined: false });
            }
        }
        Ok(Outcome { value: changes, notify })
    })
    .await
}
