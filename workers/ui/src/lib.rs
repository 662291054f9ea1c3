//! The ui worker: the one origin browsers talk to.
//!
//! - `GET /health`: its own status and the database's (it holds no Durable Object);
//! - `GET /health/:service`: another worker's health, over that worker's service binding;
//! - `/api/*`: forwarded over service bindings (groups and notifications paths to their workers,
//!   the rest to core), so the session cookie stays same-origin;
//! - WebSocket upgrades (`/health/ws`, `/api/ws/*`): passed through to the notifications worker.
//!
//! Serving the web app itself arrives with the SPA; until then `/` answers a JSON index.

use hub_domain::Service;
use hub_http::{ApiError, Method, Params, Request, Response, Router};
use hub_worker::{health, AppState, RawFuture, WebRequest};
use std::rc::Rc;
use worker::Env;

const SERVICE: Service = Service::Ui;

fn router() -> Router<AppState> {
    // `/health` and `/health/live` come first: the first matching route wins over `/health/:service`.
    let mut router =
        health::routes(SERVICE, None, &[]).get("/", index).get("/health/:service", service_health);
    for method in [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete] {
        router = router.route(method, "/api/*rest", forward_api);
    }
    router
}

async fn index(_req: Request, _params: Params, _state: Rc<AppState>) -> Result<Response, ApiError> {
    let health: Vec<String> = Service::ALL
        .iter()
        .map(|svc| if *svc == SERVICE { "/health".to_owned() } else { format!("/health/{svc}") })
        .collect();
    Response::json(
        200,
        &serde_json::json!({
            "service": SERVICE,
            "web_app": "not built yet: the React app is served here once it exists",
            "health": health,
            "api": "/api/*",
        }),
    )
}

async fn service_health(_req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let service: Service = params
        .required("service")?
        .parse()
        .map_err(|e: hub_domain::service::UnknownService| ApiError::not_found(e.to_string()))?;
    if service == SERVICE {
        return health::into_response(&health::report(&state, SERVICE, None, &[]).await);
    }
    let forwarded = Request::new(Method::Get, "/health");
    hub_worker::fetch_service(&state.env, service, &forwarded, &state.request_id).await
}

/// Which worker serves an API path: groups and notifications have their own; core the rest.
fn api_owner(path: &str) -> Service {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/api/groups") || under("/api/invitations") || under("/api/invite") {
        Service::Groups
    } else if under("/api/notifications") {
        Service::Notifications
    } else {
        Service::Core
    }
}

async fn forward_api(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    hub_worker::fetch_service(&state.env, api_owner(&req.path), &req, &state.request_id).await
}

/// WebSocket upgrades (`/health/ws`, and `/api/ws/*` for notifications) pass through untouched to the
/// notifications worker: the response carries the socket.
fn raw_routes(req: &Request, web: &WebRequest, env: &Env) -> Option<RawFuture> {
    if req.path != "/health/ws" && !req.path.starts_with("/api/ws/") {
        return None;
    }
    // `Clone::clone` copies the handle; `Request::clone` would be the JS method that tees the body.
    let (web, env) = (<WebRequest as Clone>::clone(web), env.clone());
    Some(Box::pin(async move { hub_worker::forward_raw(&env, Service::Notifications, &web).await }))
}

hub_worker::worker_entry!(SERVICE, router, raw = Some(raw_routes));
