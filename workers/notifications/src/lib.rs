//! The notifications worker: real-time notifications over hibernating WebSockets, one Durable
//! Object per user.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates. For now its object
//! serves the health probe over RPC and a health WebSocket (`/health/ws`) that proves the
//! Hibernation API path end to end; user notifications build on the same path.

use hub_domain::Service;
use hub_http::{ApiError, Request, Router};
use hub_worker::durable::{DurableSql, HEALTH_SOCKET_PATH};
use hub_worker::{bindings, health, AppState, RawFuture, WebRequest};
use worker::{durable_object, DurableObject, Env, State, WebSocket, WebSocketIncomingMessage};

const SERVICE: Service = Service::Notifications;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::NOTIFICATIONS), &[])
}

/// WebSocket upgrades go to the object untouched: its response carries the socket.
fn raw_routes(req: &Request, web: &WebRequest, env: &Env) -> Option<RawFuture> {
    if req.path != HEALTH_SOCKET_PATH {
        return None;
    }
    // `Clone::clone` copies the handle; `Request::clone` would be the JS method that tees the body.
    let (web, env) = (<WebRequest as Clone>::clone(web), env.clone());
    Some(Box::pin(async move {
        hub_worker::forward_to_object(&env, bindings::NOTIFICATIONS, health::PROBE_OBJECT, &web).await
    }))
}

hub_worker::worker_entry!(SERVICE, router, raw = Some(raw_routes));

/// A user's notifications and open sockets (SQLite storage, Hibernation API).
#[durable_object]
pub struct UserNotifications {
    state: State,
    storage: DurableSql,
}

impl DurableObject for UserNotifications {
    fn new(state: State, _env: Env) -> Self {
        let storage = DurableSql::of(&state);
        if let Err(e) = hub_durable::probe::migrate(&storage) {
            tracing::error!(error = %e, "creating the probe table failed");
        }
        hub_worker::durable::enable_ping_auto_response(&state);
        Self { state, storage }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        if req.path() == HEALTH_SOCKET_PATH {
            if !req.headers().get("upgrade")?.is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
                let err = ApiError::new(426, "upgrade_required", "this path only accepts WebSocket upgrades");
                return hub_worker::to_worker_response(err.into_response());
            }
            return hub_worker::durable::accept_health_socket(&self.state, &self.storage);
        }
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            hub_worker::durable::dispatch_health(&self.storage, &iface, &method, &body).await
        })
        .await
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        hub_worker::durable::health_socket_message(&self.storage, &ws, &message)
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
}
