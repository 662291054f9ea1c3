//! The notifications worker: real-time notifications over hibernating WebSockets, one Durable
//! Object per user (named by the user id).
//!
//! Thin glue only: storage, retry schedule and listing live in `hub-notify`.
//! - `GET /api/ws/notifications`: the session cookie and `Origin` are checked here, then the
//!   upgrade goes to the user's object, which accepts it with the Hibernation API (per-socket data
//!   in the attachment and tags; `ping` is answered by the runtime without waking the object).
//! - `GET /api/notifications`, `POST /api/notifications/:id/read`, `POST /api/notifications/read-all`.
//! - Other workers send notifications with the typed `Notifications` interface.

use hub_domain::notification::NewNotification;
use hub_domain::Service;
use hub_http::{ApiError, Params, Request, Response, Router};
use hub_notify::{ClientMessage, Notification, Page, ServerMessage, SocketSession};
use hub_ports::Clock;
use hub_rpc::interfaces::{
    AllNotifications, EndSessions, ListNotifications, NotificationId, Notifications, NotificationsHandler,
    RelayBatch,
};
use hub_rpc::{Interface, RpcError};
use hub_worker::auth::{authenticate, database, optional_number, page_limit, require_csrf};
use hub_worker::durable::{DurableSql, HEALTH_SOCKET_PATH};
use hub_worker::{bindings, get_stub, health, AppState, RawFuture, WebRequest, WorkerClock};
use std::rc::Rc;
use worker::{durable_object, DurableObject, Env, State, WebSocket, WebSocketIncomingMessage};

const SERVICE: Service = Service::Notifications;
/// The socket path, on the worker and inside the object.
const SOCKET_PATH: &str = "/api/ws/notifications";
const SOCKET_TAG: &str = "notifications";
/// What the worker verified about a socket's session, for the object (objects are reachable only
/// through workers, and the worker sets these itself, replacing anything a client sent).
const SESSION_HEADER: &str = "x-hub-session-id";
const SESSION_EXPIRES_HEADER: &str = "x-hub-session-expires-ms";
/// The close code of a socket whose session ended.
const SESSION_ENDED_CLOSE: u16 = 4001;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::NOTIFICATIONS), &[])
        .get("/api/notifications", list)
        .post("/api/notifications/read-all", read_all)
        .post("/api/notifications/:id/read", read_one)
}

/// WebSocket upgrades go to an object untouched: its response carries the socket.
fn raw_routes(req: &Request, web: &WebRequest, env: &Env) -> Option<RawFuture> {
    // `Clone::clone` copies the handle; `Request::clone` would be the JS method that tees the body.
    let (web, env) = (<WebRequest as Clone>::clone(web), env.clone());
    if req.path == HEALTH_SOCKET_PATH {
        // The probe socket writes to an object: operators only.
        if let Err(error) = hub_worker::auth::require_operator(req, &env) {
            return Some(Box::pin(async move {
                hub_worker::to_web_response(error.into_response()).map_err(worker::Error::from)
            }));
        }
        return Some(Box::pin(async move {
            hub_worker::forward_to_object(&env, bindings::NOTIFICATIONS, health::PROBE_OBJECT, &web).await
        }));
    }
    if req.path != SOCKET_PATH {
        return None;
    }
    let req = req.clone();
    Some(Box::pin(async move {
        match socket_owner(&req, &env).await {
            Ok(session) => {
                let (id, expires) = (session.id.to_string(), session.absolute_expires_at_ms.to_string());
                let headers = [(SESSION_HEADER, id.as_str()), (SESSION_EXPIRES_HEADER, expires.as_str())];
                let user = session.user_id.to_string();
                hub_worker::forward_to_object_with(&env, bindings::NOTIFICATIONS, &user, &web, &headers).await
            }
            Err(error) => {
                tracing::info!(status = error.status, reason = %error.message, "notification socket refused");
                hub_worker::to_web_response(error.into_response()).map_err(worker::Error::from)
            }
        }
    }))
}

/// The handshake's checks: an upgrade, from our own origin, with a live session.
async fn socket_owner(req: &Request, env: &Env) -> Result<hub_auth::session::SessionRecord, ApiError> {
    if !req.header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return Err(ApiError::new(426, "upgrade_required", "this path only accepts WebSocket upgrades"));
    }
    let origin = hub_worker::sso::public_origin(env)
        .ok_or_else(|| ApiError::unavailable("PUBLIC_ORIGIN is not configured"))?;
    if req.header("origin").as_deref() != Some(origin.as_str()) {
        return Err(ApiError::forbidden("WebSocket connections are accepted from this site only"));
    }
    let pg = database(env).await?;
    let (_, session) = authenticate(req, &pg).await?;
    Ok(session)
}

hub_worker::worker_entry!(SERVICE, router, raw = Some(raw_routes));

fn notifications_of(
    state: &AppState,
    user: hub_domain::UserId,
) -> Result<hub_rpc::Client<Notifications, hub_worker::DurableObjectTransport>, RpcError> {
    get_stub::<Notifications>(&state.env, bindings::NOTIFICATIONS, &user.to_string(), Some(&state.request_id))
}

async fn list(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = database(&state.env).await?;
    let (_, session) = authenticate(&req, &pg).await?;
    let unread_only = match req.query_param("unread") {
        None | Some("0" | "false") => false,
        Some("1" | "true") => true,
        Some(_) => return Err(ApiError::bad_request("unread must be true or false")),
    };
    let query = ListNotifications {
        unread_only,
        before_id: optional_number(&req, "before_id")?,
        limit: page_limit(&req)?,
    };
    let page: Page = notifications_of(&state, session.user_id)?.list(&query).await?;
    Response::json_no_store(200, &page)
}

async fn read_one(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = database(&state.env).await?;
    let (token, session) = authenticate(&req, &pg).await?;
    require_csrf(&req, &token)?;
    let id: i64 = params.parse("id")?;
    if notifications_of(&state, session.user_id)?.mark_read(&NotificationId { id }).await? {
        Ok(Response::new(204))
    } else {
        Err(ApiError::not_found("no such notification"))
    }
}

async fn read_all(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = database(&state.env).await?;
    let (token, session) = authenticate(&req, &pg).await?;
    require_csrf(&req, &token)?;
    let marked = notifications_of(&state, session.user_id)?.mark_all_read(&AllNotifications {}).await?;
    Response::json(200, &hub_api::MarkAllReadResponse { marked })
}

/// A user's notifications and open sockets (SQLite storage, Hibernation API).
#[durable_object]
pub struct UserNotifications {
    state: State,
    storage: DurableSql,
    env: Env,
}

impl DurableObject for UserNotifications {
    fn new(state: State, env: Env) -> Self {
        let storage = DurableSql::of(&state);
        if let Err(e) = hub_durable::probe::migrate(&storage).and_then(|()| hub_notify::migrate(&storage)) {
            tracing::error!(error = %e, "creating the notification tables failed");
        }
        hub_worker::durable::enable_ping_auto_response(&state);
        Self { state, storage, env }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        let path = req.path();
        if path == HEALTH_SOCKET_PATH {
            if !req.headers().get("upgrade")?.is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
                let err = ApiError::new(426, "upgrade_required", "this path only accepts WebSocket upgrades");
                return hub_worker::to_worker_response(err.into_response());
            }
            return hub_worker::durable::accept_health_socket(&self.state, &self.storage);
        }
        if path == SOCKET_PATH {
            let header = |name: &str| req.headers().get(name).ok().flatten();
            let session = header(SESSION_HEADER);
            let expires = header(SESSION_EXPIRES_HEADER).and_then(|v| v.parse::<i64>().ok());
            let (Some(session_id), Some(expires_at_ms)) = (session, expires) else {
                let err = ApiError::unauthorized("a socket needs a verified session");
                return hub_worker::to_worker_response(err.into_response());
            };
            return self.accept_socket(session_id, expires_at_ms);
        }
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            if iface == Notifications::NAME {
                Notifications::dispatch(self, &method, &body).await
            } else {
                hub_worker::durable::dispatch_health(&self.storage, &iface, &method, &body).await
            }
        })
        .await
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        if self.state.get_tags(&ws).iter().any(|t| t == "health") {
            return hub_worker::durable::health_socket_message(&self.storage, &ws, &message);
        }
        let WebSocketIncomingMessage::String(text) = message else {
            return send(&ws, &ServerMessage::Error { message: "binary messages are not understood".into() });
        };
        match serde_json::from_str::<ClientMessage>(&text) {
            Ok(ClientMessage::Ack { ids }) => {
                hub_notify::ack(&self.storage, WorkerClock.now_ms(), &ids).map_err(storage_error)?;
                self.rearm().await;
                Ok(())
            }
            Err(e) => send(&ws, &ServerMessage::Error { message: format!("unknown message: {e}") }),
        }
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        reason: String,
        _clean: bool,
    ) -> worker::Result<()> {
        // Complete the closing handshake; nothing about the socket lives in memory.
        let code =
            u16::try_from(code).ok().filter(|c| *c == 1000 || (3000..5000).contains(c)).unwrap_or(1000);
        ws.close(Some(code), Some(reason))
    }

    async fn alarm(&self) -> worker::Result<worker::Response> {
        let now = WorkerClock.now_ms();
        match hub_notify::due_for_retry(&self.storage, now) {
            Ok(due) if !due.is_empty() => {
                tracing::info!(count = due.len(), "resending unacknowledged notifications");
                self.broadcast(&due);
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "reading due notifications failed"),
        }
        self.rearm().await;
        worker::Response::empty()
    }
}

#[allow(clippy::needless_pass_by_value)] // used as a map_err function
fn storage_error(e: hub_ports::SqlError) -> worker::Error {
    worker::Error::RustError(e.to_string())
}

fn send(ws: &WebSocket, message: &ServerMessage) -> worker::Result<()> {
    ws.send_with_str(serde_json::to_string(message)?)
}

impl UserNotifications {
    /// Accepts a socket (the worker checked the session and origin), greets it, and sends every
    /// unacknowledged notification: what an evicted object or a closed tab missed. A session that
    /// ended meanwhile gets no socket.
    fn accept_socket(&self, session_id: String, expires_at_ms: i64) -> worker::Result<worker::Response> {
        let now = WorkerClock.now_ms();
        let session = SocketSession { connected_at_ms: now, session_id, expires_at_ms };
        let ended = hub_notify::ended_sessions(&self.storage).map_err(storage_error)?;
        if !session.may_receive(now, &ended) {
            let err = ApiError::unauthorized("your session has ended; log in again");
            return hub_worker::to_worker_response(err.into_response());
        }
        let pair = worker::WebSocketPair::new()?;
        let tag = SocketSession::tag(&session.session_id);
        self.state.accept_websocket_with_tags(&pair.server, &[SOCKET_TAG, tag.as_str()]);
        pair.server.serialize_attachment(&session)?;
        let unread_count = hub_notify::unread_count(&self.storage).map_err(storage_error)?;
        send(&pair.server, &ServerMessage::Hello { unread_count })?;
        let pending = hub_notify::unacknowledged(&self.storage).map_err(storage_error)?;
        for notification in pending {
            send(&pair.server, &ServerMessage::Notification { notification })?;
        }
        worker::Response::from_websocket(pair.client)
    }

    /// The open sockets whose session may still receive; the others are closed on the way.
    fn live_sockets(&self) -> Vec<WebSocket> {
        let now = WorkerClock.now_ms();
        let ended = hub_notify::ended_sessions(&self.storage).unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading ended sessions failed");
            Vec::new()
        });
        let mut live = Vec::new();
        for ws in self.state.get_websockets_with_tag(SOCKET_TAG) {
            let session = ws.deserialize_attachment::<SocketSession>().ok().flatten();
            if session.is_some_and(|s| s.may_receive(now, &ended)) {
                live.push(ws);
            } else {
                let _ = ws.close(Some(SESSION_ENDED_CLOSE), Some("session ended"));
            }
        }
        live
    }

    /// Sends to every open notification socket of a live session and records the send (and so the
    /// next retry).
    fn broadcast(&self, notifications: &[Notification]) {
        let sockets = self.live_sockets();
        for notification in notifications {
            for ws in &sockets {
                let message = ServerMessage::Notification { notification: notification.clone() };
                if let Err(e) = send(ws, &message) {
                    tracing::warn!(error = %e, "a socket did not take a notification");
                }
            }
        }
        let ids: Vec<i64> = notifications.iter().map(|n| n.id).collect();
        if let Err(e) = hub_notify::mark_sent(&self.storage, WorkerClock.now_ms(), &ids) {
            tracing::error!(error = %e, "recording sent notifications failed");
        }
    }

    /// Points the alarm at the next retry, in every path.
    async fn rearm(&self) {
        let next = hub_notify::next_alarm_at(&self.storage);
        let result = match next {
            Ok(Some(at_ms)) => hub_worker::durable::set_alarm_at(&self.state, at_ms).await,
            Ok(None) => self.state.storage().delete_alarm().await,
            Err(e) => {
                tracing::error!(error = %e, "computing the next notification alarm failed");
                hub_worker::durable::set_alarm_at(&self.state, WorkerClock.now_ms() + 5_000).await
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "setting the notification alarm failed");
        }
    }
}

#[allow(clippy::needless_pass_by_value)] // used as a map_err function
fn rpc_storage(e: hub_ports::SqlError) -> RpcError {
    RpcError::internal(e.to_string())
}

impl NotificationsHandler for UserNotifications {
    async fn notify(&self, new: NewNotification) -> Result<Notification, RpcError> {
        // Stored first: if the object is evicted before the ack, the next connection gets it.
        let stored = hub_notify::store(&self.storage, WorkerClock.now_ms(), &new).map_err(rpc_storage)?;
        self.broadcast(std::slice::from_ref(&stored));
        self.rearm().await;
        Ok(stored)
    }

    async fn list(&self, query: ListNotifications) -> Result<Page, RpcError> {
        hub_notify::list(&self.storage, query.unread_only, query.before_id, query.limit).map_err(rpc_storage)
    }

    async fn mark_read(&self, request: NotificationId) -> Result<bool, RpcError> {
        hub_notify::mark_read(&self.storage, WorkerClock.now_ms(), request.id).map_err(rpc_storage)
    }

    async fn mark_all_read(&self, _request: AllNotifications) -> Result<u32, RpcError> {
        let marked = hub_notify::mark_all_read(&self.storage, WorkerClock.now_ms()).map_err(rpc_storage)?;
        Ok(u32::try_from(marked).unwrap_or(u32::MAX))
    }

    async fn end_sessions(&self, request: EndSessions) -> Result<u32, RpcError> {
        let ids: Vec<String> = request.session_ids.iter().map(ToString::to_string).collect();
        hub_notify::end_sessions(&self.storage, WorkerClock.now_ms(), &ids).map_err(rpc_storage)?;
        let mut closed = 0;
        for id in &ids {
            for ws in self.state.get_websockets_with_tag(&SocketSession::tag(id)) {
                if ws.close(Some(SESSION_ENDED_CLOSE), Some("session ended")).is_ok() {
                    closed += 1;
                }
            }
        }
        tracing::info!(sessions = ids.len(), closed, "sockets of ended sessions closed");
        Ok(closed)
    }

    async fn relay(&self, batch: RelayBatch) -> Result<u32, RpcError> {
        if batch.notifications.len() > hub_worker::notify::RELAY_BATCH {
            return Err(RpcError::new(hub_rpc::RpcErrorCode::BadRequest, "relay batches hold at most 50"));
        }
        let delivered = hub_worker::notify::deliver_directly(&self.env, "relay", batch.notifications).await;
        Ok(u32::try_from(delivered).unwrap_or(u32::MAX))
    }
}
