//! The notifications interface, and delivery: each notification goes to its user's
//! `UserNotifications` object, which stores it before sending it over the user's sockets.
//!
//! A group-wide event can reach thousands of users, more calls than one invocation may make (the
//! platform limits subrequests per invocation). Beyond [`RELAY_BATCH`], notifications travel in
//! batches to relay objects (the same class, under reserved `relay-<n>` names, which no user id can
//! take), each of which delivers its batch.

use crate::{Notification, Page};
use hub_app::Runtime;
use hub_domain::notification::NewNotification;
use hub_domain::UserId;
use serde::{Deserialize, Serialize};

/// A page of a user's notifications: see [`crate::list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListNotifications {
    pub unread_only: bool,
    pub before_id: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationId {
    pub id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllNotifications {}

/// Sessions of the user that ended (logout, an admin, a transfer, a ban).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndSessions {
    pub session_ids: Vec<uuid::Uuid>,
}

/// Notifications for many users, handed to a relay object that delivers them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayBatch {
    pub notifications: Vec<NewNotification>,
}

/// Which `UserNotifications` object: a user's own, or a relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inbox {
    User(UserId),
    Relay(usize),
}

impl hub_rpc::ObjectKey for Inbox {
    fn object_name(&self) -> String {
        match self {
            Inbox::User(user) => user.to_string(),
            Inbox::Relay(index) => format!("{RELAY_PREFIX}{index}"),
        }
    }
}

/// Relay objects' names start with this; no user id (a uuid) does.
pub const RELAY_PREFIX: &str = "relay-";

hub_rpc::rpc_interface! {
    /// Served by the notifications worker's `UserNotifications` object, one per user: stores,
    /// delivers over the user's sockets, and lists notifications.
    pub interface Notifications as "notifications", handler NotificationsHandler, client NotificationsClient, object NOTIFICATIONS by Inbox {
        /// Stores the notification, then sends it to every open socket of the user.
        fn notify(NewNotification) -> Notification;
        fn list(ListNotifications) -> Page;
        /// `false` when there is no such notification.
        fn mark_read(NotificationId) -> bool;
        /// How many were unread.
        fn mark_all_read(AllNotifications) -> u32;
        /// Served by relay objects: delivers each notification to its user's object; how many
        /// were delivered.
        fn relay(RelayBatch) -> u32;
        /// Closes the sockets of ended sessions, and refuses them from now on; how many closed.
        fn end_sessions(EndSessions) -> u32;
    }
}

/// Notifications one invocation delivers itself.
pub const RELAY_BATCH: usize = 50;

/// Delivers notifications, directly or through relays, concurrently. Called after the change that
/// caused them committed; failures are logged and do not undo that change. Returns how many were
/// delivered.
pub async fn deliver(ctx: &impl Runtime, notifications: Vec<NewNotification>) -> usize {
    if notifications.is_empty() {
        return 0;
    }
    if notifications.len() <= RELAY_BATCH {
        return deliver_directly(ctx, notifications).await;
    }
    let batches: Vec<Vec<NewNotification>> = notifications.chunks(RELAY_BATCH).map(<[_]>::to_vec).collect();
    let relays = batches.into_iter().enumerate().map(|(index, notifications)| async move {
        let count = notifications.len();
        let result = async {
            ctx.stub::<Notifications>(&Inbox::Relay(index))?.relay(&RelayBatch { notifications }).await
        }
        .await;
        match result {
            Ok(delivered) => usize::try_from(delivered).unwrap_or(usize::MAX),
            Err(e) => {
                tracing::error!(relay = index, count, error = %e, "a relay batch was not delivered");
                0
            }
        }
    });
    futures::future::join_all(relays).await.into_iter().sum()
}

/// Hands each notification to its user's object, concurrently.
pub async fn deliver_directly(ctx: &impl Runtime, notifications: Vec<NewNotification>) -> usize {
    let sends = notifications.into_iter().map(|notification| async move {
        let user = notification.user_id;
        let result =
            async { ctx.stub::<Notifications>(&Inbox::User(user))?.notify(&notification).await }.await;
        match result {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(user = %user, kind = ?notification.kind, error = %e, "notification not delivered");
                false
            }
        }
    });
    futures::future::join_all(sends).await.into_iter().filter(|ok| *ok).count()
}

/// Tells each user's object which of their sessions ended, so their sockets close now. Called
/// after the sessions ended in Postgres; a failure is logged (the object also refuses sockets whose
/// session expired, and the next end of that session tries again).
pub async fn end_sessions(ctx: &impl Runtime, ended_by_user: Vec<(UserId, Vec<uuid::Uuid>)>) {
    let calls = ended_by_user.into_iter().map(|(user, session_ids)| async move {
        let result = async {
            ctx.stub::<Notifications>(&Inbox::User(user))?.end_sessions(&EndSessions { session_ids }).await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(user = %user, error = %e, "closing the sockets of ended sessions failed");
        }
    });
    futures::future::join_all(calls).await;
}
