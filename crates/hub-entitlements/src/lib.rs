//! Who is entitled to what may have changed: the interface every service calls after such a change
//! committed (a group joined or left, a character linked, unlinked or sold, a ban, an affiliation
//! found by ESI), served by the discord worker, which syncs the users' guild memberships and roles
//! within seconds. It lives apart from `hub-discord` so that callers compile only this.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

use hub_app::Runtime;
use hub_domain::UserId;
use serde::{Deserialize, Serialize};

/// Whose entitlements may have changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Changed {
    Users {
        user_ids: Vec<UserId>,
    },
    /// Every member of a group (a rule or the group itself changed).
    GroupMembers {
        group_id: uuid::Uuid,
    },
}

hub_rpc::rpc_interface! {
    /// Served by the discord worker over its service binding.
    pub interface Entitlements as "entitlements", handler EntitlementsHandler, client EntitlementsClient, service Discord {
        /// Schedules a sync of everyone `Changed` names; answers once it is scheduled, not done.
        fn changed(Changed) -> ();
    }
}

/// Tells the discord worker, after a change committed. A failure is logged and does not undo the
/// change: the periodic reconcile repairs what this missed.
pub async fn changed(ctx: &impl Runtime, change: Changed) {
    if matches!(&change, Changed::Users { user_ids } if user_ids.is_empty()) {
        return;
    }
    let result = async { ctx.service_client::<Entitlements>()?.changed(&change).await }.await;
    if let Err(e) = result {
        tracing::warn!(error = %e, change = ?change, "telling the discord worker about changed entitlements failed");
    }
}

/// [`changed`] for some users.
pub async fn users_changed(ctx: &impl Runtime, user_ids: impl IntoIterator<Item = UserId>) {
    let mut user_ids: Vec<UserId> = user_ids.into_iter().collect();
    user_ids.sort();
    user_ids.dedup();
    changed(ctx, Changed::Users { user_ids }).await;
}
