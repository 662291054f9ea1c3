//! Glue between the Workers runtime and the hub's runtime-free crates.
//!
//! Everything here is an adapter: it converts, connects and forwards, and holds no domain logic.
//! Worker crates define their entry with [`worker_entry!`] and call other objects with [`get_stub`].

pub mod auth;
pub mod bindings;
mod convert;
pub mod durable;
pub mod esi;
pub mod fetch;
pub mod health;
pub mod logging;
pub mod notify;
pub mod pg;
pub mod sso;
mod stub;

pub use convert::{to_hub_request, to_web_response, to_worker_response};
pub use stub::{forward_to_object, forward_to_object_with, get_stub, DurableObjectTransport};

use hub_ports::Clock;
use std::rc::Rc;

/// `Date.now()`: the Workers clock. Inside a request it only advances across I/O, by design.
#[derive(Debug, Default, Clone, Copy)]
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now_ms(&self) -> i64 {
        #[allow(clippy::cast_possible_truncation)]
        let now = js_sys::Date::now() as i64;
        now
    }
}

/// A response future for a request passed through untouched (see [`RawRoutes`]).
pub type RawFuture = std::pin::Pin<Box<dyn std::future::Future<Output = worker::Result<WebResponse>>>>;

/// Routes that need the platform's own request and response, such as WebSocket upgrades (the
/// `Response` carries the socket). Checked before the router; `None` lets the router handle it.
pub type RawRoutes = fn(&hub_http::Request, &WebRequest, &worker::Env) -> Option<RawFuture>;

pub use worker::worker_sys::web_sys::{Request as WebRequest, Response as WebResponse};

/// Per-request state handed to route handlers.
pub struct AppState {
    pub env: worker::Env,
    pub request_id: String,
}

/// Serves one request through `router`: assigns a request id (every log line inside carries it,
/// and error responses carry it as `x-request-id`), maps every failure to JSON, and logs the
/// outcome: 5xx as errors, 4xx at info, successes at debug (the platform already records every
/// request; a line per success would cost a third of the throughput of a small route).
pub async fn serve(
    router: &hub_http::Router<AppState>,
    raw: Option<RawRoutes>,
    req: WebRequest,
    env: worker::Env,
) -> worker::Result<WebResponse> {
    let (converted, incoming_id) = to_hub_request(&req, router).await;
    let request_id = logging::request_id(incoming_id);
    let logged_id = request_id.clone();
    logging::WithRequestId::new(&logged_id, async move {
        let (method, path) = match &converted {
            Ok(r) => (r.method.as_str(), hub_http::loggable_path(&r.path).into_owned()),
            Err(_) => ("?", String::new()),
        };
        if let (Some(raw), Ok(hub_req)) = (raw, &converted) {
            if let Some(future) = raw(hub_req, &req, &env) {
                return future.await;
            }
        }
        let response = match converted {
            Ok(hub_req) => {
                let state = Rc::new(AppState { env, request_id: request_id.clone() });
                router.handle(hub_req, state).await
            }
            Err(err) => err.into_response(),
        };
        let status = response.status;
        if status >= 500 {
            tracing::error!(method, path = %path, status, "request failed");
        } else if status >= 400 {
            tracing::info!(method, path = %path, status, "request refused");
        } else {
            tracing::debug!(method, path = %path, status, "request served");
        }
        // Errors carry the id so a user can quote it; successes skip the extra header crossing.
        let response =
            if status >= 400 { response.with_header("x-request-id", request_id) } else { response };
        Ok(convert::to_web_response(response)?)
    })
    .await
}

/// The worker's exported `fetch`: runs [`serve`] and, when it completes without waiting on I/O
/// (liveness, validation errors, 404s), returns the `Response` itself instead of a `Promise`.
///
/// Every `async` wasm-bindgen export goes through `future_to_promise`, which schedules the first poll
/// with `queueMicrotask`: a tenth of the CPU of a small request in the profile. Polling once here
/// first skips that for synchronous answers; anything still pending continues on the usual executor
/// (the future re-registers its waker on that next poll, as every future must).
pub fn dispatch(
    router: Rc<hub_http::Router<AppState>>,
    raw: Option<RawRoutes>,
    req: WebRequest,
    env: worker::Env,
) -> wasm_bindgen::JsValue {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let mut future = Box::pin(async move { serve(&router, raw, req, env).await });
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => settle(result),
        Poll::Pending => {
            wasm_bindgen_futures::future_to_promise(async move { Ok(settle(future.await)) }).into()
        }
    }
}

fn settle(result: worker::Result<WebResponse>) -> wasm_bindgen::JsValue {
    match result {
        Ok(response) => response.into(),
        Err(e) => {
            tracing::error!(error = %e, "response conversion failed");
            let fallback = hub_http::ApiError::internal("the response could not be built").into_response();
            convert::to_web_response(fallback).map_or_else(|err| err, Into::into)
        }
    }
}

/// Passes the platform's request to another worker over its service binding and returns its
/// response untouched (WebSocket upgrades keep their socket).
pub async fn forward_raw(
    env: &worker::Env,
    service: hub_domain::Service,
    req: &WebRequest,
) -> worker::Result<WebResponse> {
    use wasm_bindgen::JsCast;
    let fetcher = env.service(bindings::service_binding(service))?;
    let sys: &worker::worker_sys::Fetcher = fetcher.as_ref().unchecked_ref();
    let promise = sys.fetch(req)?;
    Ok(wasm_bindgen_futures::JsFuture::from(promise).await?.dyn_into::<WebResponse>()?)
}

/// Forwards a request to another worker over its service binding and returns the answer as is.
pub async fn fetch_service(
    env: &worker::Env,
    service: hub_domain::Service,
    req: &hub_http::Request,
    request_id: &str,
) -> Result<hub_http::Response, hub_http::ApiError> {
    let unavailable = |e: worker::Error| hub_http::ApiError::unavailable(format!("service {service}: {e}"));
    let fetcher = env.service(bindings::service_binding(service)).map_err(unavailable)?;
    let headers = worker::Headers::new();
    for (name, value) in &req.headers.to_vec() {
        headers.append(name, value).map_err(unavailable)?;
    }
    headers.set("x-request-id", request_id).map_err(unavailable)?;
    let mut init = worker::RequestInit::new();
    // Redirects are the browser's to follow (login flows answer 302 with cookies).
    init.with_method(worker::Method::from(req.method.as_str().to_owned()))
        .with_headers(headers)
        .with_redirect(worker::RequestRedirect::Manual);
    if !req.body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(req.body.as_slice()).into()));
    }
    let url = match &req.query {
        Some(q) => format!("https://{service}{}?{q}", req.path),
        None => format!("https://{service}{}", req.path),
    };
    let mut response = fetcher.fetch(url, Some(init)).await.map_err(unavailable)?;
    let status = response.status_code();
    let headers: Vec<(String, String)> = response.headers().entries().collect();
    let body = response.bytes().await.map_err(unavailable)?;
    Ok(hub_http::Response { status, headers, body })
}

/// Defines a worker's `#[event(start)]` (JSON logs) and its exported `fetch`, with `router()` built
/// once per isolate and shared by every request. The crate must depend on `wasm-bindgen`.
#[macro_export]
macro_rules! worker_entry {
    ($service:expr, $router:path) => {
        $crate::worker_entry!($service, $router, raw = None);
    };
    ($service:expr, $router:path, raw = $raw:expr) => {
        thread_local! {
            static ROUTER: ::std::rc::Rc<::hub_http::Router<$crate::AppState>> = ::std::rc::Rc::new($router());
        }

        #[::worker::event(start)]
        fn start() {
            $crate::logging::init($service);
        }

        /// The module's `fetch` handler (called by the entry shim in `hub-worker/js/shim.js`).
        #[::wasm_bindgen::prelude::wasm_bindgen]
        pub fn fetch(
            req: ::worker::worker_sys::web_sys::Request,
            env: ::worker::Env,
            _ctx: ::wasm_bindgen::JsValue,
        ) -> ::wasm_bindgen::JsValue {
            $crate::dispatch(ROUTER.with(::std::rc::Rc::clone), $raw, req, env)
        }
    };
}

/// Defines a Durable Object class that serves only the `DurableHealth` interface (discord, groups,
/// eve-static-data: their logic lives in Postgres or does not exist yet).
/// Services add their own interfaces by writing the class out instead.
#[macro_export]
macro_rules! health_only_durable_object {
    ($(#[$meta:meta])* $class:ident, $service:expr) => {
        $(#[$meta])*
        #[::worker::durable_object]
        pub struct $class {
            storage: $crate::durable::DurableSql,
        }

        impl ::worker::DurableObject for $class {
            fn new(state: ::worker::State, _env: ::worker::Env) -> Self {
                let storage = $crate::durable::DurableSql::of(&state);
                if let Err(e) = ::hub_durable::probe::migrate(&storage) {
                    ::tracing::error!(error = %e, "creating the probe table failed");
                }
                Self { storage }
            }

            async fn fetch(&self, req: ::worker::Request) -> ::worker::Result<::worker::Response> {
                $crate::durable::serve_rpc(req, |iface, method, body| async move {
                    $crate::durable::dispatch_health(&self.storage, &iface, &method, &body).await
                })
                .await
            }
        }
    };
}
