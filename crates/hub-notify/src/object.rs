//! The logic of a user's `UserNotifications` object, over its context and its sockets: storing
//! and sending notifications, acknowledgements, retries by alarm, and the sockets of ended
//! sessions.

use crate::rpc::{
    AllNotifications, EndSessions, ListNotifications, NotificationId, NotificationsHandler, RelayBatch,
    RELAY_BATCH,
};
use crate::{ClientMessage, Notification, Page, ServerMessage, SocketSession};
use hub_app::{internal, Accepted, ObjectContext, SocketLogic};
use hub_domain::notification::NewNotification;
use hub_http::ApiError;
use hub_ports::{Clock, Sockets, SqlError};

/// The tag of every notification socket (the object also holds the operators' health sockets).
pub const SOCKET_TAG: &str = "notifications";
/// The close code of a socket whose session ended.
pub const SESSION_ENDED_CLOSE: u16 = 4001;
/// The alarm is retried this soon when the next retry time cannot be read.
const REARM_FALLBACK_MS: i64 = 5_000;

#[allow(clippy::needless_pass_by_value)] // used as a map_err function
fn storage_error(e: SqlError) -> ApiError {
    internal(e)
}

fn encode(message: &ServerMessage) -> String {
    serde_json::to_string(message)
        .unwrap_or_else(|_| r#"{"type":"error","message":"encoding failed"}"#.to_owned())
}

/// One user's notifications over the object's context `C` and sockets `S`.
pub struct InboxObject<'a, C, S> {
    pub ctx: &'a C,
    pub sockets: &'a S,
}

impl<C: ObjectContext, S: Sockets> InboxObject<'_, C, S> {
    /// Accepts a socket of `session_id` (its session and origin were checked by the worker), unless
    /// that session ended meanwhile: the greeting, then every unacknowledged notification (what an
    /// evicted object or a closed tab missed).
    pub fn accept(&self, session_id: String, expires_at_ms: i64) -> Result<Accepted, ApiError> {
        let storage = self.ctx.storage();
        let now = self.ctx.clock().now_ms();
        let session = SocketSession { connected_at_ms: now, session_id, expires_at_ms };
        let ended = crate::ended_sessions(storage).map_err(storage_error)?;
        if !session.may_receive(now, &ended) {
            return Err(ApiError::unauthorized("your session has ended; log in again"));
        }
        let unread_count = crate::unread_count(storage).map_err(storage_error)?;
        let mut messages = vec![encode(&ServerMessage::Hello { unread_count })];
        for notification in crate::unacknowledged(storage).map_err(storage_error)? {
            messages.push(encode(&ServerMessage::Notification { notification }));
        }
        let attachment = serde_json::to_string(&session).map_err(internal)?;
        Ok(Accepted {
            tags: vec![SOCKET_TAG.to_owned(), SocketSession::tag(&session.session_id)],
            attachment,
            messages,
        })
    }

    /// A message from a client: acknowledgements. Anything else is answered with an error message
    /// (the socket stays open).
    pub async fn on_message(&self, socket: &S::Socket, text: &str) {
        match serde_json::from_str::<ClientMessage>(text) {
            Ok(ClientMessage::Ack { ids }) => {
                if let Err(e) = crate::ack(self.ctx.storage(), self.ctx.clock().now_ms(), &ids) {
                    tracing::error!(error = %e, "recording acknowledgements failed");
                }
                self.rearm().await;
            }
            Err(e) => {
                let reply = encode(&ServerMessage::Error { message: format!("unknown message: {e}") });
                let _ = self.sockets.send(socket, &reply);
            }
        }
    }

    /// The alarm: resends what is due, and points the alarm at the next retry.
    pub async fn alarm(&self) {
        match crate::due_for_retry(self.ctx.storage(), self.ctx.clock().now_ms()) {
            Ok(due) if !due.is_empty() => {
                tracing::info!(count = due.len(), "resending unacknowledged notifications");
                self.broadcast(&due);
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "reading due notifications failed"),
        }
        self.rearm().await;
    }

    /// The open sockets whose session may still receive; the others are closed on the way.
    fn live_sockets(&self) -> Vec<S::Socket> {
        let now = self.ctx.clock().now_ms();
        let ended = crate::ended_sessions(self.ctx.storage()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading ended sessions failed");
            Vec::new()
        });
        let mut live = Vec::new();
        for socket in self.sockets.tagged(SOCKET_TAG) {
            let session = self
                .sockets
                .attachment(&socket)
                .and_then(|json| serde_json::from_str::<SocketSession>(&json).ok());
            if session.is_some_and(|s| s.may_receive(now, &ended)) {
                live.push(socket);
            } else {
                self.sockets.close(&socket, SESSION_ENDED_CLOSE, "session ended");
            }
        }
        live
    }

    /// Sends to every open notification socket of a live session and records the send (and so the
    /// next retry).
    fn broadcast(&self, notifications: &[Notification]) {
        let sockets = self.live_sockets();
        for notification in notifications {
            let message = encode(&ServerMessage::Notification { notification: notification.clone() });
            for socket in &sockets {
                if let Err(e) = self.sockets.send(socket, &message) {
                    tracing::warn!(error = %e, "a socket did not take a notification");
                }
            }
        }
        let ids: Vec<i64> = notifications.iter().map(|n| n.id).collect();
        if let Err(e) = crate::mark_sent(self.ctx.storage(), self.ctx.clock().now_ms(), &ids) {
            tracing::error!(error = %e, "recording sent notifications failed");
        }
    }

    /// Points the alarm at the next retry, in every path.
    async fn rearm(&self) {
        let result = match crate::next_alarm_at(self.ctx.storage()) {
            Ok(Some(at_ms)) => self.ctx.set_alarm(at_ms).await,
            Ok(None) => self.ctx.delete_alarm().await,
            Err(e) => {
                tracing::error!(error = %e, "computing the next notification alarm failed");
                self.ctx.set_alarm(self.ctx.clock().now_ms() + REARM_FALLBACK_MS).await
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "setting the notification alarm failed");
        }
    }
}

impl<C: ObjectContext, S: Sockets> NotificationsHandler for InboxObject<'_, C, S> {
    async fn notify(&self, new: NewNotification) -> Result<Notification, ApiError> {
        // Stored first: if the object is evicted before the ack, the next connection gets it.
        let stored =
            crate::store(self.ctx.storage(), self.ctx.clock().now_ms(), &new).map_err(storage_error)?;
        self.broadcast(std::slice::from_ref(&stored));
        self.rearm().await;
        Ok(stored)
    }

    async fn list(&self, query: ListNotifications) -> Result<Page, ApiError> {
        crate::list(self.ctx.storage(), query.unread_only, query.before_id, query.limit)
            .map_err(storage_error)
    }

    async fn mark_read(&self, request: NotificationId) -> Result<bool, ApiError> {
        crate::mark_read(self.ctx.storage(), self.ctx.clock().now_ms(), request.id).map_err(storage_error)
    }

    async fn mark_all_read(&self, _request: AllNotifications) -> Result<u32, ApiError> {
        let marked =
            crate::mark_all_read(self.ctx.storage(), self.ctx.clock().now_ms()).map_err(storage_error)?;
        Ok(u32::try_from(marked).unwrap_or(u32::MAX))
    }

    async fn end_sessions(&self, request: EndSessions) -> Result<u32, ApiError> {
        let ids: Vec<String> = request.session_ids.iter().map(ToString::to_string).collect();
        crate::end_sessions(self.ctx.storage(), self.ctx.clock().now_ms(), &ids).map_err(storage_error)?;
        let mut closed = 0;
        for id in &ids {
            for socket in self.sockets.tagged(&SocketSession::tag(id)) {
                if self.sockets.close(&socket, SESSION_ENDED_CLOSE, "session ended") {
                    closed += 1;
                }
            }
        }
        tracing::info!(sessions = ids.len(), closed, "sockets of ended sessions closed");
        Ok(closed)
    }

    async fn relay(&self, batch: RelayBatch) -> Result<u32, ApiError> {
        if batch.notifications.len() > RELAY_BATCH {
            return Err(ApiError::bad_request("relay batches hold at most 50"));
        }
        let delivered = crate::rpc::deliver_directly(self.ctx, batch.notifications).await;
        Ok(u32::try_from(delivered).unwrap_or(u32::MAX))
    }
}

/// The `UserNotifications` class: notifications over its sockets.
pub struct InboxLogic;

impl SocketLogic for InboxLogic {
    const SOCKET_PATH: &'static str = crate::routes::SOCKET_PATH;

    fn migrate(storage: &impl hub_ports::SqlStorage) -> Result<(), SqlError> {
        crate::migrate(storage)
    }

    fn accept<C: ObjectContext, S: Sockets>(
        ctx: &C,
        sockets: &S,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Accepted, ApiError> {
        let expires = header(crate::routes::SESSION_EXPIRES_HEADER).and_then(|v| v.parse::<i64>().ok());
        let (Some(session_id), Some(expires_at_ms)) = (header(crate::routes::SESSION_HEADER), expires) else {
            return Err(ApiError::unauthorized("a socket needs a verified session"));
        };
        InboxObject { ctx, sockets }.accept(session_id, expires_at_ms)
    }

    async fn call<C: ObjectContext, S: Sockets>(
        ctx: &C,
        sockets: &S,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        crate::Notifications::serve(&InboxObject { ctx, sockets }, interface, method, body).await
    }

    async fn message<C: ObjectContext, S: Sockets>(ctx: &C, sockets: &S, socket: &S::Socket, text: &str) {
        InboxObject { ctx, sockets }.on_message(socket, text).await;
    }

    async fn alarm<C: ObjectContext, S: Sockets>(ctx: &C, sockets: &S) {
        InboxObject { ctx, sockets }.alarm().await;
    }
}
