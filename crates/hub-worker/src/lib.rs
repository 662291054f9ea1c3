//! Glue between the Workers runtime and the hub's runtime-free crates.
//!
//! Everything here is an adapter: it converts, connects and forwards, and holds no domain logic.
//! Worker crates call [`serve`] from `#[event(fetch)]` and [`get_stub`] for typed calls.

pub mod bindings;
mod convert;
pub mod durable;
pub mod health;
pub mod logging;
pub mod pg;
mod stub;

pub use convert::{to_hub_request, to_worker_response};
pub use stub::{get_stub, DurableObjectTransport};

use hub_ports::Clock;
use std::rc::Rc;
use tracing::Instrument;

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

/// Per-request state handed to route handlers.
pub struct AppState {
    pub env: worker::Env,
    pub request_id: String,
}

/// Serves one request through `router`: assigns a request id, logs one line at the end with
/// status and duration (every line inside carries the id), and maps every failure to JSON.
pub async fn serve(
    router: &hub_http::Router<AppState>,
    req: worker::Request,
    env: worker::Env,
) -> worker::Result<worker::Response> {
    let request_id = logging::request_id(req.headers().get("x-request-id").ok().flatten());
    let span = tracing::info_span!("request", request_id = %request_id);
    async move {
        let started = WorkerClock.now_ms();
        let method = req.method().to_string();
        let path = req.path();
        let response = match to_hub_request(req, router).await {
            Ok(hub_req) => {
                let state = Rc::new(AppState { env, request_id: request_id.clone() });
                router.handle(hub_req, state).await
            }
            Err(err) => err.into_response(),
        };
        tracing::info!(
            method = %method,
            path = %path,
            status = response.status,
            duration_ms = WorkerClock.now_ms() - started,
            "request finished"
        );
        to_worker_response(response.with_header("x-request-id", request_id))
    }
    .instrument(span)
    .await
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
    for (name, value) in &req.headers {
        headers.append(name, value).map_err(unavailable)?;
    }
    headers.set("x-request-id", request_id).map_err(unavailable)?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::from(req.method.as_str().to_owned())).with_headers(headers);
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

/// Defines a worker's `#[event(start)]` and `#[event(fetch)]`: JSON logs, and `router()` built
/// once per isolate and shared by every request.
#[macro_export]
macro_rules! worker_entry {
    ($service:expr, $router:path) => {
        thread_local! {
            static ROUTER: ::std::rc::Rc<::hub_http::Router<$crate::AppState>> = ::std::rc::Rc::new($router());
        }

        #[::worker::event(start)]
        fn start() {
            $crate::logging::init($service);
        }

        #[::worker::event(fetch)]
        async fn fetch(
            req: ::worker::Request,
            env: ::worker::Env,
            _ctx: ::worker::Context,
        ) -> ::worker::Result<::worker::Response> {
            let router = ROUTER.with(::std::rc::Rc::clone);
            $crate::serve(&router, req, env).await
        }
    };
}

/// Defines a Durable Object class that, for now, serves only the `DurableHealth` interface.
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
                $crate::durable::serve_rpc($service, req, |iface, method, body| async move {
                    $crate::durable::dispatch_health(&self.storage, &iface, &method, &body).await
                })
                .await
            }
        }
    };
}
