//! Sending notifications: each goes to its user's `UserNotifications` object, which stores it
//! before delivering it over the user's sockets.
//!
//! A group-wide event can reach thousands of users, more calls than one invocation may make
//! (the platform limits subrequests per invocation). Beyond [`RELAY_BATCH`], notifications travel
//! in batches to relay objects (the same class, under reserved `relay-<n>` names, which no user
//! id can take), each of which delivers its batch.

use crate::{bindings, get_stub};
use hub_auth::session::Ended;
use hub_domain::notification::NewNotification;
use hub_rpc::interfaces::{EndSessions, Notifications, RelayBatch};

/// Notifications one invocation delivers itself.
pub const RELAY_BATCH: usize = 50;

/// Delivers notifications, directly or through relays, concurrently. Called after the change that
/// caused them committed; failures are logged and do not undo that change. Returns how many were
/// delivered.
pub async fn deliver(env: &worker::Env, request_id: &str, notifications: Vec<NewNotification>) -> usize {
    if notifications.len() <= RELAY_BATCH {
        return deliver_directly(env, request_id, notifications).await;
    }
    let batches: Vec<Vec<NewNotification>> = notifications.chunks(RELAY_BATCH).map(<[_]>::to_vec).collect();
    let relays = batches.into_iter().enumerate().map(|(index, notifications)| async move {
        let count = notifications.len();
        let result = async {
            get_stub::<Notifications>(
                env,
                bindings::NOTIFICATIONS,
                &format!("relay-{index}"),
                Some(request_id),
            )?
            .relay(&RelayBatch { notifications })
            .await
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
pub async fn deliver_directly(
    env: &worker::Env,
    request_id: &str,
    notifications: Vec<NewNotification>,
) -> usize {
    let sends = notifications.into_iter().map(|notification| async move {
        let user = notification.user_id;
        let result = async {
            get_stub::<Notifications>(env, bindings::NOTIFICATIONS, &user.to_string(), Some(request_id))?
                .notify(&notification)
                .await
        }
        .await;
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
pub async fn end_sessions(env: &worker::Env, request_id: &str, ended: &Ended) {
    let calls = ended.by_user().into_iter().map(|(user, session_ids)| async move {
        let result = async {
            get_stub::<Notifications>(env, bindings::NOTIFICATIONS, &user.to_string(), Some(request_id))?
                .end_sessions(&EndSessions { session_ids })
                .await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(user = %user, error = %e, "closing the sockets of ended sessions failed");
        }
    });
    futures::future::join_all(calls).await;
}
