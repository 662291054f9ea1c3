//! The notifications worker: notifications (routes and object logic in `hub-notify`) over
//! hibernating WebSockets, one Durable Object per user.
//!
//! `GET /api/ws/notifications` is checked here (upgrade, origin, session), then the upgrade goes
//! untouched to the user's object, with the verified session in headers the worker sets itself.

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::{RawFuture, WebRequest, WorkerContext};
use std::rc::Rc;

const SERVICE: Service = Service::Notifications;

fn router() -> Router<WorkerContext> {
    let checks =
        HealthChecks { service: SERVICE, own_object: Some(bindings::NOTIFICATIONS), dependencies: &[] };
    hub_health::routes(checks).merge(hub_notify::routes())
}

/// WebSocket upgrades go to an object untouched: its response carries the socket.
fn raw_routes(req: &hub_http::Request, web: &WebRequest, ctx: Rc<WorkerContext>) -> Option<RawFuture> {
    let path = hub_notify::routes::SOCKET_PATH;
    hub_worker::sockets::upgrade_routes(
        req,
        web,
        ctx,
        path,
        bindings::NOTIFICATIONS,
        hub_notify::routes::socket_target,
    )
}

hub_worker::worker_entry!(SERVICE, router, raw = Some(raw_routes));

hub_worker::socket_object!(
    /// A user's notifications and open sockets (SQLite storage, Hibernation API).
    UserNotifications,
    SERVICE,
    hub_notify::object::InboxLogic
);
