//! What a user should have in each guild: the hub's view of who belongs where is the truth, and
//! Discord follows it. Entitlements come from group memberships, the corporations and alliances of
//! the user's characters (as their own ESI sync found them), and being linked; a banned user has
//! none.

use crate::guilds::{LosePolicy, NicknameFormat};
use hub_domain::UserId;
use hub_ports::{PgError, PgValue, Postgres};
use std::collections::{BTreeMap, BTreeSet};

/// One guild's desired state for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desire {
    pub guild_id: String,
    pub guild_name: String,
    /// The managed roles the user is entitled to, each with why (for the audit log).
    pub roles: BTreeMap<String, String>,
    /// An attachment asks for the user to be added when they are not in the guild.
    pub invite: bool,
    /// The user is entitled to anything here at all.
    pub entitled: bool,
    /// Every role the hub manages in this guild: the only ones it ever adds or removes.
    pub managed: BTreeSet<String>,
    pub nickname: Option<String>,
    pub policy: LosePolicy,
    pub config_version: i64,
}

/// The desired state of `user` in every registered guild.
pub async fn desired(pg: &impl Postgres, user: UserId) -> Result<Vec<Desire>, PgError> {
    let user_id = PgValue::Uuid(user.0);
    let guilds = pg
        .query(
            "SELECT g.guild_id, g.name, g.lose_policy, g.nickname_format, g.config_version,
                    coalesce(array_agg(r.role_id) FILTER (WHERE r.managed), '{}')
             FROM discord_guilds g LEFT JOIN discord_roles r USING (guild_id)
             GROUP BY g.guild_id ORDER BY g.guild_id",
            &[],
        )
        .await?;
    // Each entitling attachment with what it is about: the reason a role is given.
    let entitled = pg
        .query(
            "SELECT a.guild_id, a.role_id, a.auto_invite, a.auto_assign, a.target_kind,
                    coalesce(gr.name, ec.name, a.entity_id::text, '')
             FROM discord_attachments a
             JOIN discord_roles r ON r.guild_id = a.guild_id AND r.role_id = a.role_id AND r.managed
             JOIN users u ON u.id = $1 AND u.disabled_at IS NULL
             LEFT JOIN groups gr ON gr.id = a.group_id
             LEFT JOIN eve_corporations ec ON a.target_kind = 'corporation' AND ec.corporation_id = a.entity_id
             WHERE EXISTS (SELECT 1 FROM discord_accounts d WHERE d.user_id = $1)
               AND CASE a.target_kind
                 WHEN 'everyone' THEN true
                 WHEN 'group' THEN EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = a.group_id AND m.user_id = $1)
                 WHEN 'corporation' THEN EXISTS (SELECT 1 FROM characters c WHERE c.user_id = $1 AND c.corporation_id = a.entity_id)
                 WHEN 'alliance' THEN EXISTS (SELECT 1 FROM characters c WHERE c.user_id = $1 AND c.alliance_id = a.entity_id)
                 ELSE false END",
            std::slice::from_ref(&user_id),
        )
        .await?;
    // The primary character's name and its corporation's ticker, for nicknames.
    let primary = pg
        .query(
            "SELECT c.name, ec.ticker FROM users u JOIN characters c ON c.id = u.main_character_id
             LEFT JOIN eve_corporations ec ON ec.corporation_id = c.corporation_id WHERE u.id = $1",
            std::slice::from_ref(&user_id),
        )
        .await?;
    let primary = primary.first().map(|r| Ok::<_, PgError>((r.text(0)?, r.opt_text(1)?))).transpose()?;
    guilds
        .iter()
        .map(|g| {
            let guild_id = g.text(0)?;
            let mut desire = Desire {
                guild_id: guild_id.clone(),
                guild_name: g.text(1)?,
                roles: BTreeMap::new(),
                invite: false,
                entitled: false,
                managed: match g.get(5)? {
                    PgValue::TextArray(roles) => roles.iter().cloned().collect(),
                    _ => BTreeSet::new(),
                },
                nickname: None,
                policy: if g.text(2)? == "kick" { LosePolicy::Kick } else { LosePolicy::RemoveRoles },
                config_version: g.int(4)?,
            };
            for row in entitled.iter().filter(|r| r.text(0).is_ok_and(|id| id == guild_id)) {
                desire.entitled = true;
                desire.invite |= row.boolean(2)?;
                if row.boolean(3)? {
                    let reason = format!("{}: {}", row.text(4)?, row.text(5)?);
                    desire.roles.entry(row.text(1)?).or_insert(reason);
                }
            }
            let format = NicknameFormat::from_stored(g.opt_text(3)?.as_deref())?;
            desire.nickname = match &primary {
                Some((name, ticker)) if desire.entitled && format != NicknameFormat::Off => {
                    Some(format.nickname(name, ticker.as_deref()))
                }
                _ => None,
            };
            Ok(desire)
        })
        .collect()
}
