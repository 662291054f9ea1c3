//! The ui worker: the one origin browsers talk to.
//!
//! - `GET /health`: its own status and the database's (it holds no Durable Object);
//! - `GET /health/:service`: another worker's health, over that worker's service binding;
//!   `GET /health/:service/deep` its operator report (the operator token travels along);
//! - `/api/*`: forwarded over service bindings (groups and notifications paths to their workers,
//!   the rest to core), so the session cookie stays same-origin;
//! - WebSocket upgrades (`/health/ws`, `/api/ws/*`): passed through to the notifications worker.
//!
//! - everything else: the web app from the static assets binding (`web/dist`), with the cache policy
//!   of `hub_http::web_app` and the SPA fallback to `index.html` for client-side routes.
//!
//! Every response carries the security headers (CSP without inline scripts, no framing, nosniff,
//! a Referrer-Policy).

use hub_domain::Service;
use hub_http::web_app::{self, SECURITY_HEADERS};
use hub_http::{ApiError, Method, Params, Request, Response, Router};
use hub_worker::{health, AppState, RawFuture, WebRequest};
use std::rc::Rc;
use worker::Env;

const SERVICE: Service = Service::Ui;
/// The static assets binding: the built web app (`web/dist`).
const ASSETS: &str = "ASSETS";

fn router() -> Router<AppState> {
    // `/health` and `/health/live` come first: the first matching route wins over `/health/:service`.
    let mut router = health::routes(SERVICE, None, &[])
        .get("/health/:service", service_health)
        .get("/health/:service/deep", service_health_deep);
    for method in [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete] {
        router = router.route(method, "/api/*rest", forward_api);
    }
    // Last: everything else is the web app.
    router.get("/", serve_app).get("/*path", serve_app)
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

/// Another worker's operator report: the operator token goes along, and that worker checks it.
async fn service_health_deep(
    req: Request,
    params: Params,
    state: Rc<AppState>,
) -> Result<Response, ApiError> {
    let service: Service = params
        .required("service")?
        .parse()
        .map_err(|e: hub_domain::service::UnknownService| ApiError::not_found(e.to_string()))?;
    if service == SERVICE {
        hub_worker::auth::require_operator(&req, &state.env)?;
        return health::into_response(&health::report(&state, SERVICE, None, &[]).await);
    }
    let mut forwarded = Request::new(Method::Get, "/health/deep");
    if let Some(authorization) = req.header("authorization") {
        forwarded = forwarded.with_header("authorization", authorization.into_owned());
    }
    hub_worker::fetch_service(&state.env, service, &forwarded, &state.request_id).await
}

/// Which worker serves an API path: groups and notifications have their own; core the rest.
fn api_owner(path: &str) -> Service {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/api/groups") || under("/api/invitations") || under("/api/invite") {
        Service::Groups
    } else if under("/api/notifications") {
        Service::Notifications
    } else if under("/api/characters") {
        Service::EveCharacterData
    } else if under("/api/corporations") {
        Service::EveCorporationData
    } else {
        Service::Core
    }
}

async fn forward_api(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let mut response =
        hub_worker::fetch_service(&state.env, api_owner(&req.path), &req, &state.request_id).await?;
    for (name, value) in SECURITY_HEADERS {
        if response.header(name).is_none() {
            response = response.with_header(name, value);
        }
    }
    Ok(response)
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

/// A file of the web app, or `index.html` for a client-side route, with its cache policy and the
/// security headers. Missing files are JSON 404s like every other error.
async fn serve_app(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let unavailable = |e: worker::Error| {
        tracing::error!(error = %e, "static assets unavailable");
        ApiError::unavailable("the web app is unavailable")
    };
    let assets = state.env.assets(ASSETS).map_err(unavailable)?;
    let fetch = |path: String| {
        let headers = worker::Headers::new();
        for name in ["if-none-match", "if-modified-since", "accept-encoding"] {
            if let Some(value) = req.header(name) {
                let _ = headers.set(name, &value);
            }
        }
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::Get).with_headers(headers);
        let assets = &assets;
        async move { assets.fetch(format!("https://assets{path}"), Some(init)).await }
    };
    let mut response = fetch(req.path.clone()).await.map_err(unavailable)?;
    if response.status_code() == 404 && web_app::is_app_route(&req.path) {
        // The app's router handles the path; the assets binding serves index.html at `/`.
        response = fetch("/".to_owned()).await.map_err(unavailable)?;
    }
    let status = response.status_code();
    if status == 404 {
        return Err(ApiError::not_found(format!("no such file: {}", req.path)));
    }
    let content_type = response.headers().get("content-type").ok().flatten().unwrap_or_default();
    let mut out =
        Response { status, headers: Vec::new(), body: response.bytes().await.map_err(unavailable)? };
    for name in ["content-type", "etag", "last-modified"] {
        if let Ok(Some(value)) = response.headers().get(name) {
            out = out.with_header(name, value);
        }
    }
    if status == 200 || status == 304 {
        out = out.with_header("cache-control", web_app::cache_policy(&req.path, &content_type));
    }
    for (name, value) in SECURITY_HEADERS {
        out = out.with_header(name, value);
    }
    Ok(out)
}

hub_worker::worker_entry!(SERVICE, router, raw = Some(raw_routes));
