//! The guilds the hub serves, the roles it manages there, and what entitles a user to them.
//! Roles are never typed in: they are read from Discord with the bot token, with their positions,
//! so the hub knows which ones its bot can manage.

use crate::client::{highest, manageable, Guild, Rank, Role};
use hub_domain::UserId;
use hub_ports::{PgError, PgRow, PgValue, Postgres, Random};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ts")]
use ts_rs::TS;

/// What happens to a member who loses every entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(TS))]
pub enum LosePolicy {
    /// Take the hub's roles away (the member stays).
    RemoveRoles,
    Kick,
}

impl LosePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LosePolicy::RemoveRoles => "remove_roles",
            LosePolicy::Kick => "kick",
        }
    }

    fn parse(text: &str) -> Result<Self, PgError> {
        match text {
            "remove_roles" => Ok(LosePolicy::RemoveRoles),
            "kick" => Ok(LosePolicy::Kick),
            other => Err(PgError::RowShape(format!("an unknown lose policy `{other}`"))),
        }
    }
}

/// Nicknames the hub sets from the user's primary character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(TS))]
pub enum NicknameFormat {
    /// Nicknames are left alone (stored as NULL).
    Off,
    /// `Name`.
    Name,
    /// `[TICKER] Name`.
    TickerName,
}

impl NicknameFormat {
    /// The stored value: `None` for [`NicknameFormat::Off`].
    pub fn stored(self) -> Option<&'static str> {
        match self {
            NicknameFormat::Off => None,
            NicknameFormat::Name => Some("name"),
            NicknameFormat::TickerName => Some("ticker_name"),
        }
    }

    pub fn from_stored(text: Option<&str>) -> Result<Self, PgError> {
        match text {
            None => Ok(NicknameFormat::Off),
            Some("name") => Ok(NicknameFormat::Name),
            Some("ticker_name") => Ok(NicknameFormat::TickerName),
            Some(other) => Err(PgError::RowShape(format!("an unknown nickname format `{other}`"))),
        }
    }

    /// The nickname, cut to Discord's 32 characters.
    pub fn nickname(self, name: &str, ticker: Option<&str>) -> String {
        let full = match (self, ticker) {
            (NicknameFormat::TickerName, Some(ticker)) => format!("[{ticker}] {name}"),
            _ => name.to_owned(),
        };
        full.chars().take(32).collect::<String>().trim_end().to_owned()
    }
}

/// A guild as its admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct GuildView {
    pub guild_id: String,
    pub name: String,
    pub allow_groups: bool,
    pub lose_policy: LosePolicy,
    pub nickname_format: NicknameFormat,
    pub roles: Vec<RoleView>,
    pub attachments: Vec<Attachment>,
    pub config_version: i64,
    /// Members the bot could not update at their last sync (Discord's 50013: a role or the member
    /// ranks above the bot's highest role, or the member owns the guild).
    pub blocked_members: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RoleView {
    pub role_id: String,
    pub name: String,
    pub position: i64,
    pub managed: bool,
    /// The bot's highest role is above it (and it is not `@everyone`).
    pub manageable: bool,
}

/// What entitles a user to a managed role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(TS))]
pub enum TargetKind {
    Group,
    Corporation,
    Alliance,
    /// Every linked member.
    Everyone,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Group => "group",
            TargetKind::Corporation => "corporation",
            TargetKind::Alliance => "alliance",
            TargetKind::Everyone => "everyone",
        }
    }

    fn parse(text: &str) -> Result<Self, PgError> {
        match text {
            "group" => Ok(TargetKind::Group),
            "corporation" => Ok(TargetKind::Corporation),
            "alliance" => Ok(TargetKind::Alliance),
            "everyone" => Ok(TargetKind::Everyone),
            other => Err(PgError::RowShape(format!("an unknown attachment target `{other}`"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct Attachment {
    pub id: uuid::Uuid,
    pub guild_id: String,
    pub role_id: String,
    pub target_kind: TargetKind,
    pub group_id: Option<uuid::Uuid>,
    /// The corporation or alliance id.
    pub entity_id: Option<i64>,
    pub auto_invite: bool,
    pub auto_assign: bool,
}

/// A new attachment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    pub guild_id: String,
    pub role_id: String,
    pub target_kind: TargetKind,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub group_id: Option<uuid::Uuid>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub entity_id: Option<i64>,
    pub auto_invite: bool,
    pub auto_assign: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuildError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] PgError),
}

/// The bot's rank in a guild from what Discord listed.
pub fn bot_rank(roles: &[Role], bot_roles: &[String]) -> Option<Rank> {
    highest(roles, bot_roles).map(|r| Rank::of(r.position, &r.id))
}

/// Stores (or refreshes) a guild and its roles as Discord listed them; the managed marks stay.
pub async fn store(
    pg: &impl Postgres,
    guild: &Guild,
    roles: &[Role],
    bot: Option<&Role>,
    registered_by: Option<UserId>,
) -> Result<(), PgError> {
    hub_postgres::in_transaction(pg, |pg| async move {
        pg.execute(
            "INSERT INTO discord_guilds (guild_id, name, owner_id, bot_position, bot_role_id, registered_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (guild_id) DO UPDATE SET name = excluded.name, owner_id = excluded.owner_id,
                bot_position = excluded.bot_position, bot_role_id = excluded.bot_role_id, refreshed_at = now(),
                config_version = CASE WHEN discord_guilds.bot_position = excluded.bot_position
                    AND discord_guilds.bot_role_id IS NOT DISTINCT FROM excluded.bot_role_id
                    THEN discord_guilds.config_version ELSE discord_guilds.config_version + 1 END",
            &[
                PgValue::Text(guild.id.clone()),
                PgValue::Text(guild.name.clone()),
                PgValue::Text(guild.owner_id.clone()),
                PgValue::Int(bot.map_or(0, |b| b.position)),
                bot.map_or(PgValue::Null, |b| PgValue::Text(b.id.clone())),
                registered_by.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
            ],
        )
        .await?;
        let ids: Vec<String> = roles.iter().map(|r| r.id.clone()).collect();
        pg.execute(
            "DELETE FROM discord_roles WHERE guild_id = $1 AND NOT (role_id = ANY($2))",
            &[PgValue::Text(guild.id.clone()), PgValue::TextArray(ids)],
        )
        .await?;
        for role in roles {
            pg.execute(
                "INSERT INTO discord_roles (guild_id, role_id, name, position) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (guild_id, role_id) DO UPDATE SET name = excluded.name, position = excluded.position",
                &[PgValue::Text(guild.id.clone()), PgValue::Text(role.id.clone()), PgValue::Text(role.name.clone()), PgValue::Int(role.position)],
            )
            .await?;
        }
        Ok::<_, PgError>(())
    })
    .await
}

/// A change of a guild's configuration (site admins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct GuildPatch {
    #[cfg_attr(feature = "ts", ts(optional))]
    pub allow_groups: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub lose_policy: Option<LosePolicy>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub nickname_format: Option<NicknameFormat>,
    /// The roles the hub manages (every other role of the guild is left alone).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub managed_roles: Option<Vec<String>>,
}

pub async fn update(pg: &impl Postgres, guild_id: &str, patch: &GuildPatch) -> Result<(), GuildError> {
    hub_postgres::in_transaction(pg, |pg| async move {
        let guild = PgValue::Text(guild_id.to_owned());
        let rows = pg.query("SELECT 1 FROM discord_guilds WHERE guild_id = $1 FOR UPDATE", std::slice::from_ref(&guild)).await?;
        if rows.is_empty() {
            return Err(GuildError::NotFound("this guild is not registered".into()));
        }
        if let Some(allow) = patch.allow_groups {
            pg.execute("UPDATE discord_guilds SET allow_groups = $2 WHERE guild_id = $1", &[guild.clone(), PgValue::Bool(allow)]).await?;
        }
        if let Some(policy) = patch.lose_policy {
            pg.execute("UPDATE discord_guilds SET lose_policy = $2 WHERE guild_id = $1", &[guild.clone(), PgValue::Text(policy.as_str().into())])
                .await?;
        }
        if let Some(format) = patch.nickname_format {
            let value = format.stored().map_or(PgValue::Null, |f| PgValue::Text(f.into()));
            pg.execute("UPDATE discord_guilds SET nickname_format = $2 WHERE guild_id = $1", &[guild.clone(), value]).await?;
        }
        if let Some(managed) = &patch.managed_roles {
            let known = pg
                .query(
                    "SELECT count(*)::bigint FROM discord_roles WHERE guild_id = $1 AND role_id = ANY($2) AND role_id <> guild_id",
                    &[guild.clone(), PgValue::TextArray(managed.clone())],
                )
                .await?;
            let mut distinct = managed.clone();
            distinct.sort();
            distinct.dedup();
            if known.first().map(|r| r.int(0)).transpose()?.unwrap_or(0) != i64::try_from(distinct.len()).unwrap_or(-1) {
                return Err(GuildError::Invalid("managed_roles names a role this guild does not have (or @everyone)".into()));
            }
            pg.execute(
                "UPDATE discord_roles SET managed = (role_id = ANY($2)) WHERE guild_id = $1",
                &[guild.clone(), PgValue::TextArray(distinct)],
            )
            .await?;
        }
        pg.execute("UPDATE discord_guilds SET config_version = config_version + 1 WHERE guild_id = $1", &[guild]).await?;
        Ok(())
    })
    .await
}

pub async fn remove(pg: &impl Postgres, guild_id: &str) -> Result<bool, PgError> {
    Ok(pg
        .execute("DELETE FROM discord_guilds WHERE guild_id = $1", &[PgValue::Text(guild_id.to_owned())])
        .await?
        == 1)
}

fn attachment(row: &PgRow) -> Result<Attachment, PgError> {
    Ok(Attachment {
        id: row.uuid(0)?,
        guild_id: row.text(1)?,
        role_id: row.text(2)?,
        target_kind: TargetKind::parse(&row.text(3)?)?,
        group_id: row.opt_uuid(4)?,
        entity_id: row.opt_int(5)?,
        auto_invite: row.boolean(6)?,
        auto_assign: row.boolean(7)?,
    })
}

const ATTACHMENT_COLUMNS: &str =
    "id, guild_id, role_id, target_kind, group_id, entity_id, auto_invite, auto_assign";

/// Every registered guild with its roles and attachments; only those that allow groups, with
/// only `group`'s attachments, when `for_group` is set.
pub async fn list(pg: &impl Postgres, for_group: Option<uuid::Uuid>) -> Result<Vec<GuildView>, PgError> {
    let guilds = pg
        .query(
            "SELECT guild_id, name, allow_groups, lose_policy, nickname_format, bot_position, bot_role_id, config_version
             FROM discord_guilds WHERE $1::uuid IS NULL OR allow_groups ORDER BY name, guild_id",
            &[for_group.map_or(PgValue::Null, PgValue::Uuid)],
        )
        .await?;
    let roles = pg
        .query("SELECT guild_id, role_id, name, position, managed FROM discord_roles ORDER BY position DESC, role_id", &[])
        .await?;
    let attachments = pg
        .query(
            &format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM discord_attachments WHERE $1::uuid IS NULL OR group_id = $1 ORDER BY created_at, id"
            ),
            &[for_group.map_or(PgValue::Null, PgValue::Uuid)],
        )
        .await?;
    let attachments: Vec<Attachment> = attachments.iter().map(attachment).collect::<Result<_, _>>()?;
    let blocked = pg
        .query(
            "SELECT guild_id, count(*) FROM discord_member_status WHERE problem = 'cannot_manage_role' GROUP BY guild_id",
            &[],
        )
        .await?;
    guilds
        .iter()
        .map(|g| {
            let guild_id = g.text(0)?;
            let bot = match g.opt_text(6)? {
                Some(id) => Some(Rank::of(g.int(5)?, &id)),
                None => None,
            };
            let roles = roles
                .iter()
                .filter(|r| r.text(0).is_ok_and(|id| id == guild_id))
                .map(|r| {
                    let role = Role { id: r.text(1)?, name: r.text(2)?, position: r.int(3)? };
                    Ok(RoleView {
                        manageable: manageable(&role, &guild_id, bot),
                        role_id: role.id,
                        name: role.name,
                        position: role.position,
                        managed: r.boolean(4)?,
                    })
                })
                .filter(|r: &Result<RoleView, PgError>| r.as_ref().map_or(true, |r| r.role_id != guild_id))
                .collect::<Result<Vec<_>, PgError>>()?;
            let blocked_members = blocked
                .iter()
                .find(|b| b.text(0).is_ok_and(|id| id == guild_id))
                .map_or(Ok(0), |b| b.int(1))?;
            Ok(GuildView {
                attachments: attachments.iter().filter(|a| a.guild_id == guild_id).cloned().collect(),
                guild_id,
                name: g.text(1)?,
                allow_groups: g.boolean(2)?,
                lose_policy: LosePolicy::parse(&g.text(3)?)?,
                nickname_format: NicknameFormat::from_stored(g.opt_text(4)?.as_deref())?,
                roles,
                config_version: g.int(7)?,
                blocked_members,
            })
        })
        .collect()
}

/// Adds an attachment of a managed role. `for_group` restricts it (group managers): the guild must
/// allow groups and the target must be that group.
pub async fn attach(
    pg: &impl Postgres,
    random: &impl Random,
    new: &NewAttachment,
    created_by: UserId,
    for_group: Option<uuid::Uuid>,
) -> Result<Attachment, GuildError> {
    match (new.target_kind, new.group_id, new.entity_id) {
        (TargetKind::Group, Some(_), None) | (TargetKind::Everyone, None, None) => {}
        (TargetKind::Corporation | TargetKind::Alliance, None, Some(id)) if id > 0 => {}
        _ => return Err(GuildError::Invalid(
            "a group attachment names group_id, a corporation or alliance one entity_id, `everyone` neither"
                .into(),
        )),
    }
    if let Some(group) = for_group {
        if new.target_kind != TargetKind::Group || new.group_id != Some(group) {
            return Err(GuildError::Invalid("group managers attach roles to their own group only".into()));
        }
    }
    let role = pg
        .query(
            "SELECT r.managed, g.allow_groups FROM discord_roles r JOIN discord_guilds g USING (guild_id)
             WHERE r.guild_id = $1 AND r.role_id = $2",
            &[PgValue::Text(new.guild_id.clone()), PgValue::Text(new.role_id.clone())],
        )
        .await?;
    let Some(role) = role.first() else {
        return Err(GuildError::NotFound("no such role in a registered guild".into()));
    };
    if !role.boolean(0)? {
        return Err(GuildError::Invalid(
            "the hub does not manage this role: a site admin marks it managed first".into(),
        ));
    }
    if for_group.is_some() && !role.boolean(1)? {
        return Err(GuildError::Invalid("this guild does not take roles for groups".into()));
    }
    if let (TargetKind::Corporation, Some(corporation)) = (new.target_kind, new.entity_id) {
        let managed = pg
            .query(
                "SELECT 1 FROM managed_corporations WHERE corporation_id = $1",
                &[PgValue::Int(corporation)],
            )
            .await?;
        if managed.is_empty() {
            return Err(GuildError::Invalid(
                "roles attach to corporations the hub manages: register the corporation first".into(),
            ));
        }
    }
    let id = random.uuid_v4();
    let inserted = pg
        .query(
            &format!(
                "INSERT INTO discord_attachments (id, guild_id, role_id, target_kind, group_id, entity_id, auto_invite, auto_assign, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ATTACHMENT_COLUMNS}"
            ),
            &[
                PgValue::Uuid(id),
                PgValue::Text(new.guild_id.clone()),
                PgValue::Text(new.role_id.clone()),
                PgValue::Text(new.target_kind.as_str().into()),
                new.group_id.map_or(PgValue::Null, PgValue::Uuid),
                new.entity_id.map_or(PgValue::Null, PgValue::Int),
                PgValue::Bool(new.auto_invite),
                PgValue::Bool(new.auto_assign),
                PgValue::Uuid(created_by.0),
            ],
        )
        .await;
    match inserted {
        Ok(rows) => rows
            .first()
            .map(attachment)
            .transpose()?
            .ok_or_else(|| GuildError::Database(PgError::RowShape("no attachment".into()))),
        Err(PgError::UniqueViolation(_)) => {
            Err(GuildError::Conflict("this role is already attached to that target".into()))
        }
        Err(PgError::Query(m)) if m.contains("foreign key") => {
            Err(GuildError::NotFound("no such group".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes an attachment; `for_group` restricts it to that group's. Returns what it removed.
pub async fn detach(
    pg: &impl Postgres,
    id: uuid::Uuid,
    for_group: Option<uuid::Uuid>,
) -> Result<Attachment, GuildError> {
    let rows = pg
        .query(
            &format!("DELETE FROM discord_attachments WHERE id = $1 AND ($2::uuid IS NULL OR group_id = $2) RETURNING {ATTACHMENT_COLUMNS}"),
            &[PgValue::Uuid(id), for_group.map_or(PgValue::Null, PgValue::Uuid)],
        )
        .await?;
    rows.first().map(attachment).transpose()?.ok_or_else(|| GuildError::NotFound("no such attachment".into()))
}

/// Whether `user` runs `group` (its owner or one of its admins): who may attach roles to it.
pub async fn manages_group(pg: &impl Postgres, user: UserId, group: uuid::Uuid) -> Result<bool, PgError> {
    let rows = pg
        .query(
            "SELECT EXISTS (SELECT 1 FROM groups WHERE id = $1 AND owner_id = $2)
                 OR EXISTS (SELECT 1 FROM group_admins WHERE group_id = $1 AND user_id = $2)",
            &[PgValue::Uuid(group), PgValue::Uuid(user.0)],
        )
        .await?;
    rows.first().map_or(Ok(false), |r| r.boolean(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_are_cut_to_32_characters() {
        let name = "Amarr Victor Supreme Overlord Longname";
        assert_eq!(NicknameFormat::Name.nickname(name, Some("ABCDE")).chars().count(), 32);
        assert_eq!(NicknameFormat::TickerName.nickname("Pilot", Some("DEMO")), "[DEMO] Pilot");
        assert_eq!(NicknameFormat::TickerName.nickname("Pilot", None), "Pilot");
        let long = NicknameFormat::TickerName.nickname(name, Some("ABCDE"));
        assert!(long.starts_with("[ABCDE] Amarr") && long.chars().count() <= 32, "{long}");
    }
}
