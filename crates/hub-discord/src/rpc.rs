//! The discord worker's objects and their interfaces.

use crate::client::{Observed, RouteKey};
use hub_domain::UserId;
use hub_entitlements::Changed;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ts")]
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRequest {
    pub user_id: UserId,
}

/// How one guild looks for the user after a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct GuildReport {
    pub guild_id: String,
    pub membership: crate::sync::Membership,
    pub roles: Vec<String>,
    pub problem: Option<crate::sync::Problem>,
}

hub_rpc::rpc_interface! {
    /// One object per user (named by the user id): their Discord sync, one run at a time.
    pub interface DiscordMember as "discord-member", handler DiscordMemberHandler, client DiscordMemberClient, object DISCORD by UserId {
        /// Schedules a sync now and answers at once.
        fn sync(UserRequest) -> ();
        /// Syncs now and reports each guild.
        fn sync_now(UserRequest) -> Vec<GuildReport>;
        /// Revokes the user's Discord grant, takes the hub's roles away in every guild (each
        /// guild's policy), and forgets the link. `unavailable` when Discord could not revoke: then
        /// nothing changed.
        fn unlink(UserRequest) -> ();
    }
}

/// The limiter object of the deployment's bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bot;

impl hub_rpc::ObjectKey for Bot {
    fn object_name(&self) -> String {
        "bot".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub route: RouteKey,
    pub observed: Observed,
}

hub_rpc::rpc_interface! {
    /// One object for the deployment's bot token: every bucket, the global limit, the invalid
    /// requests.
    pub interface DiscordLimiter as "discord-limiter", handler DiscordLimiterHandler, client DiscordLimiterClient, object DISCORD_LIMITER by Bot {
        /// `None`: go now; `Some(at_ms)`: ask again then. `too_many_requests` when the invalid
        /// budget is spent.
        fn permit(RouteKey) -> Option<i64>;
        fn observe(Observation) -> ();
        /// Invalid requests of the last ten minutes.
        fn invalid_requests(()) -> i64;
    }
}

/// The reconcile object of the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment;

impl hub_rpc::ObjectKey for Deployment {
    fn object_name(&self) -> String {
        "reconciler".to_owned()
    }
}

hub_rpc::rpc_interface! {
    /// Spreads syncs over time: changes that reach many users, and the periodic pass over every
    /// linked member that repairs drift made by hand in Discord.
    pub interface Reconciler as "discord-reconciler", handler ReconcilerHandler, client ReconcilerClient, object DISCORD_RECONCILER by Deployment {
        fn enqueue(Changed) -> ();
        /// Queues every linked member now (operators); how many.
        fn reconcile_now(()) -> u32;
    }
}
