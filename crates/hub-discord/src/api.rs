//! The bodies of the discord worker's routes (exported as TypeScript by `just types`).

use crate::guilds::GuildView;
use crate::sync::{Membership, Problem};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ts")]
use ts_rs::TS;

/// `GET /api/discord/me`: the user's linked account and how each guild looks for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DiscordMe {
    /// Discord is set up on this deployment (otherwise linking is not offered).
    pub configured: bool,
    pub account: Option<DiscordAccountView>,
    pub guilds: Vec<GuildStatusView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DiscordAccountView {
    pub discord_user_id: String,
    pub username: String,
    pub global_name: Option<String>,
    pub linked_at_ms: i64,
    /// The grant stopped working: link again.
    pub needs_relink: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RoleName {
    pub role_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct GuildStatusView {
    pub guild_id: String,
    pub name: String,
    pub membership: Membership,
    /// The roles the hub gives the user there.
    pub roles: Vec<RoleName>,
    pub synced_at_ms: i64,
    pub problem: Option<Problem>,
    pub problem_detail: Option<String>,
}

/// `GET /api/discord/guilds` (site admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DiscordGuildsResponse {
    pub guilds: Vec<GuildView>,
    /// Refused requests of the last ten minutes, against the budget.
    pub invalid_requests: i64,
    pub invalid_budget: i64,
}

/// `POST /api/discord/guilds`: a guild the bot has joined.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct RegisterGuildBody {
    pub guild_id: String,
}

/// `GET /api/discord/groups/:id` (the group's managers): the guilds that take roles for groups,
/// with the group's attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct GroupDiscordResponse {
    pub guilds: Vec<GuildView>,
}

/// `POST /api/discord/ops/reconcile` (operators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ReconcileResponse {
    pub queued: u32,
}
