//! Applying a user's desired state to Discord, guild by guild, with the fewest calls: the member is
//! read, then added with their own token when an attachment asks for it, then given and relieved of
//! exactly the managed roles that differ (one `PATCH` when several do), then renamed. Roles the hub
//! does not manage are never touched. Every change is audited, with its reason also sent as
//! `X-Audit-Log-Reason`.

use crate::client::{Added, Discord, DiscordError, Member, RateLimiter};
use crate::desired::Desire;
use crate::guilds::LosePolicy;
use hub_accounts::audit::{Action, Entry};
use hub_domain::UserId;
use hub_ports::{Clock, HttpTransport, PgError, PgValue, Postgres, Sleep};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[cfg(feature = "ts")]
use ts_rs::TS;

/// Changes above this many go as one `PATCH` of the whole role list.
const PATCH_OVER: usize = 2;

/// Whether the user is in the guild, as the last sync found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(TS))]
pub enum Membership {
    Joined,
    /// Not in the guild, and nothing asks the hub to add them.
    NotJoined,
    /// They left (Discord's 10007): added again only when their entitlement changes.
    Left,
}

impl Membership {
    pub fn as_str(self) -> &'static str {
        match self {
            Membership::Joined => "joined",
            Membership::NotJoined => "not_joined",
            Membership::Left => "left",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Membership::Joined, Membership::NotJoined, Membership::Left].into_iter().find(|m| m.as_str() == text)
    }
}

/// What keeps the hub from doing what it should, in words for the user and the admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(TS))]
pub enum Problem {
    /// The user's Discord grant stopped working: link Discord again.
    NeedsRelink,
    /// The bot may not give a role (it is above the bot's, or the member is the owner): the
    /// guild's configuration must change; not retried until it does.
    CannotManageRole,
    /// The user is in too many guilds to join another.
    TooManyGuilds,
    /// Discord did not answer; retried soon.
    Unavailable,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::NeedsRelink => "needs_relink",
            Problem::CannotManageRole => "cannot_manage_role",
            Problem::TooManyGuilds => "too_many_guilds",
            Problem::Unavailable => "unavailable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Problem::NeedsRelink, Problem::CannotManageRole, Problem::TooManyGuilds, Problem::Unavailable]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// One guild's outcome of a sync: what is stored in `discord_member_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildStatus {
    pub guild_id: String,
    pub membership: Membership,
    /// The managed roles the member has from the hub.
    pub roles: BTreeSet<String>,
    pub problem: Option<Problem>,
    pub detail: Option<String>,
    pub config_version: i64,
}

/// The statuses of the user's last sync, by guild.
pub async fn statuses(pg: &impl Postgres, user: UserId) -> Result<Vec<GuildStatus>, PgError> {
    let rows = pg
        .query(
            "SELECT guild_id, membership, roles, problem, problem_detail, config_version FROM discord_member_status
             WHERE user_id = $1",
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(GuildStatus {
                guild_id: r.text(0)?,
                membership: Membership::parse(&r.text(1)?)
                    .ok_or_else(|| PgError::RowShape("membership".into()))?,
                roles: match r.get(2)? {
                    PgValue::TextArray(roles) => roles.iter().cloned().collect(),
                    _ => BTreeSet::new(),
                },
                problem: r
                    .opt_text(3)?
                    .map(|p| Problem::parse(&p).ok_or_else(|| PgError::RowShape("problem".into())))
                    .transpose()?,
                detail: r.opt_text(4)?,
                config_version: r.int(5)?,
            })
        })
        .collect()
}

pub async fn record(pg: &impl Postgres, user: UserId, status: &GuildStatus) -> Result<(), PgError> {
    pg.execute(
        "INSERT INTO discord_member_status (user_id, guild_id, membership, roles, problem, problem_detail, config_version, synced_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, now() WHERE EXISTS (SELECT 1 FROM discord_guilds WHERE guild_id = $2)
         ON CONFLICT (user_id, guild_id) DO UPDATE SET membership = excluded.membership, roles = excluded.roles,
            problem = excluded.problem, problem_detail = excluded.problem_detail, config_version = excluded.config_version,
            synced_at = excluded.synced_at",
        &[
            PgValue::Uuid(user.0),
            PgValue::Text(status.guild_id.clone()),
            PgValue::Text(status.membership.as_str().into()),
            PgValue::TextArray(status.roles.iter().cloned().collect()),
            status.problem.map_or(PgValue::Null, |p| PgValue::Text(p.as_str().into())),
            status.detail.clone().map_or(PgValue::Null, PgValue::Text),
            PgValue::Int(status.config_version),
        ],
    )
    .await?;
    Ok(())
}

/// The user's access token, asked for only when they must be added to a guild (it is refreshed
/// then if needed). `Err(NeedsRelink)` when the grant is gone.
pub trait AccessToken {
    async fn access_token(&self) -> Result<String, TokenProblem>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    NeedsRelink,
    Unavailable(String),
}

/// Where audit entries go (the accounts service owns the audit log).
pub trait AuditLog {
    async fn record(&self, entry: Entry);
}

/// Everything one user's sync needs.
pub struct Syncer<'a, H, L, S, C, T, A> {
    pub discord: &'a Discord<'a, H, L, S, C>,
    pub user: UserId,
    pub discord_user_id: &'a str,
    pub token: &'a T,
    pub audit: &'a A,
}

impl<H: HttpTransport, L: RateLimiter, S: Sleep, C: Clock, T: AccessToken, A: AuditLog>
    Syncer<'_, H, L, S, C, T, A>
{
    async fn audit(&self, action: Action, desire: &Desire, detail: serde_json::Value) {
        let mut detail = detail;
        detail["guild_id"] = serde_json::Value::String(desire.guild_id.clone());
        detail["guild"] = serde_json::Value::String(desire.guild_name.clone());
        self.audit.record(Entry::new(action).user(self.user).detail(detail)).await;
    }

    fn status(desire: &Desire, membership: Membership, roles: BTreeSet<String>) -> GuildStatus {
        GuildStatus {
            guild_id: desire.guild_id.clone(),
            membership,
            roles,
            problem: None,
            detail: None,
            config_version: desire.config_version,
        }
    }

    fn problem(
        desire: &Desire,
        previous: Option<&GuildStatus>,
        problem: Problem,
        detail: String,
    ) -> GuildStatus {
        GuildStatus {
            guild_id: desire.guild_id.clone(),
            membership: previous.map_or(Membership::NotJoined, |p| p.membership),
            roles: previous.map(|p| p.roles.clone()).unwrap_or_default(),
            problem: Some(problem),
            detail: Some(detail),
            config_version: desire.config_version,
        }
    }

    fn from_error(desire: &Desire, previous: Option<&GuildStatus>, error: &DiscordError) -> GuildStatus {
        let problem = match error {
            DiscordError::MissingPermissions(_) => Problem::CannotManageRole,
            DiscordError::InvalidUserToken => Problem::NeedsRelink,
            DiscordError::TooManyGuilds => Problem::TooManyGuilds,
            _ => Problem::Unavailable,
        };
        let detail = match problem {
            Problem::CannotManageRole => "the bot cannot manage a role here: its own role must be above every managed role, and the server owner cannot be changed".to_owned(),
            _ => error.to_string(),
        };
        Self::problem(desire, previous, problem, detail)
    }

    /// Brings one guild to `desire`.
    pub async fn guild(&self, desire: &Desire, previous: Option<&GuildStatus>) -> GuildStatus {
        // A configuration problem waits for the configuration to change.
        if let Some(previous) = previous {
            if previous.problem == Some(Problem::CannotManageRole)
                && previous.config_version == desire.config_version
            {
                return previous.clone();
            }
        }
        let member = match self.discord.member(&desire.guild_id, self.discord_user_id).await {
            Ok(member) => member,
            Err(e) => return Self::from_error(desire, previous, &e),
        };
        let result = match member {
            Some(member) => self.reconcile(desire, previous, &member).await,
            None => self.absent(desire, previous).await,
        };
        match result {
            Ok(status) => status,
            Err(DiscordError::UnknownMember) => Self::status(desire, Membership::Left, BTreeSet::new()),
            Err(e) => Self::from_error(desire, previous, &e),
        }
    }

    /// The user is not in the guild.
    async fn absent(
        &self,
        desire: &Desire,
        previous: Option<&GuildStatus>,
    ) -> Result<GuildStatus, DiscordError> {
        let wanted: BTreeSet<String> = desire.roles.keys().cloned().collect();
        let was_in = previous.is_some_and(|p| p.membership == Membership::Joined);
        if !desire.invite {
            let membership = if was_in || previous.is_some_and(|p| p.membership == Membership::Left) {
                Membership::Left
            } else {
                Membership::NotJoined
            };
            return Ok(Self::status(desire, membership, BTreeSet::new()));
        }
        // They left on their own: not pulled back in until what entitles them changes.
        if let Some(previous) = previous {
            if (previous.membership == Membership::Left || was_in)
                && previous.roles == wanted
                && previous.problem.is_none()
            {
                return Ok(Self::status(desire, Membership::Left, previous.roles.clone()));
            }
        }
        let token = match self.token.access_token().await {
            Ok(token) => token,
            Err(TokenProblem::NeedsRelink) => {
                return Ok(Self::problem(
                    desire,
                    previous,
                    Problem::NeedsRelink,
                    "link Discord again to be added".into(),
                ))
            }
            Err(TokenProblem::Unavailable(e)) => {
                return Ok(Self::problem(desire, previous, Problem::Unavailable, e))
            }
        };
        let roles: Vec<String> = wanted.iter().cloned().collect();
        let reason = "entitled to the server";
        match self
            .discord
            .add_member(
                &desire.guild_id,
                self.discord_user_id,
                &token,
                &roles,
                desire.nickname.as_deref(),
                reason,
            )
            .await?
        {
            Added::Joined(member) => {
                self.audit(
                    Action::DiscordMemberAdded,
                    desire,
                    serde_json::json!({ "roles": roles, "nick": member.nick, "reason": reason }),
                )
                .await;
                let given: BTreeSet<String> =
                    member.roles.iter().filter(|r| desire.managed.contains(*r)).cloned().collect();
                Ok(Self::status(desire, Membership::Joined, given))
            }
            // They joined meanwhile: their roles were not applied, so diff them now.
            Added::AlreadyMember => {
                match self.discord.member(&desire.guild_id, self.discord_user_id).await? {
                    Some(member) => self.reconcile(desire, previous, &member).await,
                    None => Ok(Self::status(desire, Membership::Left, BTreeSet::new())),
                }
            }
        }
    }

    /// The user is in the guild: the managed roles follow the desire, the nick too.
    async fn reconcile(
        &self,
        desire: &Desire,
        previous: Option<&GuildStatus>,
        member: &Member,
    ) -> Result<GuildStatus, DiscordError> {
        let has: BTreeSet<String> = member.roles.iter().cloned().collect();
        let wanted: BTreeSet<String> = desire.roles.keys().cloned().collect();
        let had_from_hub = previous.is_some_and(|p| !p.roles.is_empty());
        if !desire.entitled && desire.policy == LosePolicy::Kick && had_from_hub {
            let reason = "no longer entitled to the server";
            self.discord.kick(&desire.guild_id, self.discord_user_id, reason).await?;
            self.audit(Action::DiscordMemberKicked, desire, serde_json::json!({ "reason": reason })).await;
            return Ok(Self::status(desire, Membership::NotJoined, BTreeSet::new()));
        }
        let add: Vec<&String> = wanted.difference(&has).collect();
        let remove: Vec<&String> =
            has.intersection(&desire.managed).filter(|r| !wanted.contains(*r)).collect();
        let nick = desire.nickname.as_deref().filter(|n| member.nick.as_deref() != Some(*n));
        if add.len() + remove.len() > PATCH_OVER {
            let roles: Vec<String> = has.difference(&desire.managed).chain(wanted.iter()).cloned().collect();
            let reason = "managed roles brought up to date";
            self.discord
                .modify_member(&desire.guild_id, self.discord_user_id, Some(&roles), nick.map(Some), reason)
                .await?;
            for role in &add {
                self.audit(
                    Action::DiscordRoleAdded,
                    desire,
                    serde_json::json!({ "role_id": role, "reason": desire.roles.get(*role) }),
                )
                .await;
            }
            for role in &remove {
                self.audit(
                    Action::DiscordRoleRemoved,
                    desire,
                    serde_json::json!({ "role_id": role, "reason": "no longer entitled" }),
                )
                .await;
            }
        } else {
            for role in &add {
                let reason = desire.roles.get(*role).map_or("entitled", String::as_str);
                self.discord.add_role(&desire.guild_id, self.discord_user_id, role, reason).await?;
                self.audit(
                    Action::DiscordRoleAdded,
                    desire,
                    serde_json::json!({ "role_id": role, "reason": reason }),
                )
                .await;
            }
            for role in &remove {
                let reason = "no longer entitled";
                self.discord.remove_role(&desire.guild_id, self.discord_user_id, role, reason).await?;
                self.audit(
                    Action::DiscordRoleRemoved,
                    desire,
                    serde_json::json!({ "role_id": role, "reason": reason }),
                )
                .await;
            }
            if let Some(nick) = nick {
                self.discord
                    .modify_member(
                        &desire.guild_id,
                        self.discord_user_id,
                        None,
                        Some(Some(nick)),
                        "nickname from the primary character",
                    )
                    .await?;
            }
        }
        if let Some(nick) = nick {
            self.audit(Action::DiscordNicknameSet, desire, serde_json::json!({ "nick": nick })).await;
        }
        Ok(Self::status(desire, Membership::Joined, wanted))
    }
}
