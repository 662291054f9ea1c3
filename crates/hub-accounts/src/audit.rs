//! The audit log (`user_activity_log`): logins, failed and refused logins, links, unlinks,
//! transfers, scope grants, logouts, session ends, site-admin grants and bans, and corporation
//! changes (registrations, directors). Entries name people and characters, never tokens.

use hub_domain::{CharacterId, UserId};
use hub_ports::{PgError, PgValue, Postgres};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Login,
    LoginFailed,
    CharacterLinked,
    CharacterUnlinked,
    CharacterTransferred,
    PrimaryCharacterSet,
    Logout,
    SessionEnded,
    AdminAction,
    /// A login of a banned user's character, refused.
    LoginRefused,
    /// A character granted more scopes (data access, corporation access).
    ScopesGranted,
    SiteAdminGranted,
    SiteAdminRevoked,
    /// A configured admin character logged in with another owner hash than at its bootstrap.
    SiteAdminRefused,
    UserDisabled,
    UserEnabled,
    CorporationRegistered,
    CorporationUpdated,
    CorporationUnregistered,
    DirectorRegistered,
    DirectorRemoved,
    DiscordLinked,
    DiscordUnlinked,
    /// The hub added a member to a guild, gave or took a managed role, kicked or renamed a member.
    DiscordMemberAdded,
    DiscordRoleAdded,
    DiscordRoleRemoved,
    DiscordMemberKicked,
    DiscordNicknameSet,
    /// Site admins and group managers changed a guild's configuration or an attachment.
    DiscordConfigured,
}

impl Action {
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::CharacterLinked => "character_linked",
            Action::CharacterUnlinked => "character_unlinked",
            Action::CharacterTransferred => "character_transferred",
            Action::PrimaryCharacterSet => "primary_character_set",
            Action::Logout => "logout",
            Action::SessionEnded => "session_ended",
            Action::AdminAction => "admin_action",
            Action::LoginRefused => "login_refused",
            Action::ScopesGranted => "scopes_granted",
            Action::SiteAdminGranted => "site_admin_granted",
            Action::SiteAdminRevoked => "site_admin_revoked",
            Action::SiteAdminRefused => "site_admin_refused",
            Action::UserDisabled => "user_disabled",
            Action::UserEnabled => "user_enabled",
            Action::CorporationRegistered => "corporation_registered",
            Action::CorporationUpdated => "corporation_updated",
            Action::CorporationUnregistered => "corporation_unregistered",
            Action::DirectorRegistered => "director_registered",
            Action::DirectorRemoved => "director_removed",
            Action::DiscordLinked => "discord_linked",
            Action::DiscordUnlinked => "discord_unlinked",
            Action::DiscordMemberAdded => "discord_member_added",
            Action::DiscordRoleAdded => "discord_role_added",
            Action::DiscordRoleRemoved => "discord_role_removed",
            Action::DiscordMemberKicked => "discord_member_kicked",
            Action::DiscordNicknameSet => "discord_nickname_set",
            Action::DiscordConfigured => "discord_configured",
        }
    }
}

/// One entry. `detail` is free-form JSON (a reason, a session id, the previous owner...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub action: Action,
    pub user_id: Option<UserId>,
    pub actor_user_id: Option<UserId>,
    pub character_id: Option<CharacterId>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

impl Entry {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            user_id: None,
            actor_user_id: None,
            character_id: None,
            detail: serde_json::Value::Object(serde_json::Map::new()),
            ip: None,
        }
    }

    #[must_use]
    pub fn user(mut self, user_id: UserId) -> Self {
        self.user_id = Some(user_id);
        self
    }

    #[must_use]
    pub fn actor(mut self, user_id: UserId) -> Self {
        self.actor_user_id = Some(user_id);
        self
    }

    #[must_use]
    pub fn character(mut self, character_id: CharacterId) -> Self {
        self.character_id = Some(character_id);
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    #[must_use]
    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }
}

/// Appends an entry.
pub async fn record(pg: &impl Postgres, entry: &Entry) -> Result<(), PgError> {
    pg.execute(
        "INSERT INTO user_activity_log (user_id, actor_user_id, character_id, action, detail, ip)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            entry.user_id.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
            entry.actor_user_id.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
            entry.character_id.map_or(PgValue::Null, |c| PgValue::Int(c.0)),
            PgValue::Text(entry.action.as_str().to_owned()),
            PgValue::Json(entry.detail.clone()),
            entry.ip.clone().map_or(PgValue::Null, PgValue::Text),
        ],
    )
    .await?;
    Ok(())
}

/// One audit entry as admins read it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryView {
    pub id: i64,
    pub at_ms: i64,
    pub action: String,
    pub user_id: Option<UserId>,
    pub actor_user_id: Option<UserId>,
    pub character_id: Option<CharacterId>,
    pub detail: serde_json::Value,
    pub ip: Option<String>,
}

/// The newest entries first, `limit` at a time; pass the last `id` seen as `before_id` for the next
/// page. With `user_id`, only that user's entries.
pub async fn list(
    pg: &impl Postgres,
    user_id: Option<UserId>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<EntryView>, PgError> {
    let rows = pg
        .query(
            "SELECT id, (extract(epoch from at) * 1000)::bigint, action, user_id, actor_user_id, character_id, detail, ip
             FROM user_activity_log
             WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::bigint IS NULL OR id < $2)
             ORDER BY id DESC LIMIT $3",
            &[
                user_id.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
                before_id.map_or(PgValue::Null, PgValue::Int),
                PgValue::Int(limit),
            ],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(EntryView {
                id: row.int(0)?,
                at_ms: row.opt_int(1)?.unwrap_or_default(),
                action: row.opt_text(2)?.unwrap_or_default(),
                user_id: row.opt_uuid(3)?.map(UserId),
                actor_user_id: row.opt_uuid(4)?.map(UserId),
                character_id: row.opt_int(5)?.map(CharacterId),
                detail: match row.get(6)? {
                    PgValue::Json(v) => v.clone(),
                    _ => serde_json::Value::Null,
                },
                ip: row.opt_text(7)?,
            })
        })
        .collect()
}
