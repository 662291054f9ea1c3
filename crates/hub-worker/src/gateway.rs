//! The ui worker's routes: the one origin browsers talk to. Everything here forwards or serves
//! files through platform bindings; no domain logic.
//!
//! - `GET /health/:service`: another worker's health, over that worker's service binding;
//!   `GET /health/:service/deep` its operator report (the operator token travels along);
//! - `/api/*`: forwarded over service bindings to the worker that owns the path
//!   ([`Service::owning_api_path`]), so the session cookie stays same-origin;
//! - WebSocket upgrades (`/health/ws`, `/api/ws/*`): passed through to the notifications worker
//!   ([`raw_routes`]);
//! - everything else: the web app from the static assets binding (`web/dist`), with the cache
//!   policy of `hub_http::web_app` and the SPA fallback to `index.html` for client-side routes.
//!
//! Every response carries the security headers (CSP without inline scripts, no framing, nosniff,
//! a Referrer-Policy). `/rpc/*` (service interfaces) is never forwarded: it is not under `/api`.

use crate::{RawFuture, WebRequest, WorkerContext};
use hub_app::{Ctx, Operator, Runtime};
use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::web_app::{self, SECURITY_HEADERS};
use hub_http::{ApiError, Method, Path, Request, Response, Router};
use hub_workerd::stub::{fetch_service, forward_raw};
use std::rc::Rc;

/// The static assets binding: the built web app (`web/dist`).
const ASSETS: &str = "ASSETS";

pub fn routes(checks: HealthChecks) -> Router<WorkerContext> {
    // `/health` and `/health/live` come first: the first matching route wins over `/health/:service`.
    let mut router = hub_health::routes(checks)
        .get("/health/:service", move |ctx, path| service_health(ctx, path, checks))
        .get("/health/:service/deep", move |ctx, req, path| service_health_deep(ctx, req, path, checks));
    for method in [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete] {
        router = router.route(method, "/api/*rest", forward_api);
    }
    // Last: everything else is the web app.
    router.get("/", serve_app).get("/*path", serve_app)
}

fn parse_service(name: &str) -> Result<Service, ApiError> {
    name.parse().map_err(|e: hub_domain::service::UnknownService| ApiError::not_found(e.to_string()))
}

async fn service_health(
    ctx: Ctx<WorkerContext>,
    Path(name): Path<String>,
    checks: HealthChecks,
) -> Result<Response, ApiError> {
    let service = parse_service(&name)?;
    if service == checks.service {
        return hub_health::routes::into_response(&hub_health::routes::shallow_report(&*ctx).await);
    }
    fetch_service(ctx.env(), service, &Request::new(Method::Get, "/health"), ctx.request_id()).await
}

/// Another worker's operator report: the operator token goes along, and that worker checks it.
async fn service_health_deep(
    ctx: Ctx<WorkerContext>,
    req: Request,
    Path(name): Path<String>,
    checks: HealthChecks,
) -> Result<Response, ApiError> {
    let service = parse_service(&name)?;
    let authorization = req.header("authorization");
    if service == checks.service {
        Operator::verify(&*ctx, authorization.as_deref())?;
        return hub_health::routes::into_response(&hub_health::routes::deep_report(&*ctx, &checks).await);
    }
    let mut forwarded = Request::new(Method::Get, "/health/deep");
    if let Some(authorization) = authorization {
        forwarded = forwarded.with_header("authorization", authorization.into_owned());
    }
    fetch_service(ctx.env(), service, &forwarded, ctx.request_id()).await
}

async fn forward_api(ctx: Ctx<WorkerContext>, req: Request) -> Result<Response, ApiError> {
    let mut response =
        fetch_service(ctx.env(), Service::owning_api_path(&req.path), &req, ctx.request_id()).await?;
    for (name, value) in SECURITY_HEADERS {
        if response.header(name).is_none() {
            response = response.with_header(name, value);
        }
    }
    Ok(response)
}

/// WebSocket upgrades (`/health/ws`, and `/api/ws/*` for notifications) pass through untouched to the
/// notifications worker: the response carries the socket.
pub fn raw_routes(req: &Request, web: &WebRequest, ctx: Rc<WorkerContext>) -> Option<RawFuture> {
    if req.path != "/health/ws" && !req.path.starts_with("/api/ws/") {
        return None;
    }
    // `Clone::clone` copies the handle; `Request::clone` would be the JS method that tees the body.
    let web = <WebRequest as Clone>::clone(web);
    Some(Box::pin(async move { forward_raw(ctx.env(), Service::Notifications, &web).await }))
}

/// A file of the web app, or `index.html` for a client-side route, with its cache policy and the
/// security headers. Missing files are JSON 404s like every other error.
async fn serve_app(ctx: Ctx<WorkerContext>, req: Request) -> Result<Response, ApiError> {
    let unavailable = |e: worker::Error| {
        tracing::error!(error = %e, "static assets unavailable");
        ApiError::unavailable("the web app is unavailable")
    };
    let assets = ctx.env().assets(ASSETS).map_err(unavailable)?;
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
