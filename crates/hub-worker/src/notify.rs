//! Sending notifications: each goes to its user's `UserNotifications` object, which stores it
//! before delivering it over the user's sockets.

use crate::{bindings, get_stub};
use hub_domain::notification::NewNotification;
use hub_rpc::interfaces::Notifications;

/// Hands each notification to its user's object, concurrently. Called after the change that
/// caused them committed; a failure is logged and does not undo that change.
pub async fn deliver(env: &worker::Env, request_id: &str, notifications: Vec<NewNotification>) {
    let sends = notifications.into_iter().map(|notification| async move {
        let user = notification.user_id;
        let result = async {
            get_stub::<Notifications>(env, bindings::NOTIFICATIONS, &user.to_string(), Some(request_id))?
                .notify(&notification)
                .await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(user = %user, kind = ?notification.kind, error = %e, "notification not delivered");
        }
    });
    futures::future::join_all(sends).await;
}
