//! Wiring: the contexts routes and Durable Objects run in, assembled from `hub-workerd`'s adapters,
//! and the macros that declare a worker's entry and its objects.
//!
//! - [`WorkerContext`]: one request of a worker (`hub_app::Context`).
//! - [`DurableContext`]: one invocation of a Durable Object (`hub_app::ObjectContext`).
//! - [`worker_entry!`]: a worker's `fetch`, serving a router built once per isolate.
//! - [`durable_object!`]: a Durable Object class over a `hub_app::DurableLogic`.
//!
//! Worker crates declare these and mount their domain crate's routes; nothing else.

mod context;
mod entry;
pub mod gateway;
pub mod health_socket;
mod object;
pub mod sockets;

pub use context::{DurableContext, WorkerContext};
pub use entry::{dispatch, serve, RawFuture, RawRoutes};
pub use hub_workerd::{WebRequest, WebResponse};
pub use object::{serve_object, serve_object_with, ObjectParts};

/// Re-exported for the macros.
#[doc(hidden)]
pub use {hub_app, hub_health, hub_http, hub_workerd, wasm_bindgen, worker};

/// Defines a worker's `#[event(start)]` (JSON logs) and its exported `fetch`, with `router()` built
/// once per isolate and shared by every request. The crate must depend on `wasm-bindgen`.
#[macro_export]
macro_rules! worker_entry {
    ($service:expr, $router:path) => {
        $crate::worker_entry!($service, $router, raw = None);
    };
    ($service:expr, $router:path, raw = $raw:expr) => {
        thread_local! {
            static ROUTER: ::std::rc::Rc<$crate::hub_http::Router<$crate::WorkerContext>> =
                ::std::rc::Rc::new($router());
        }

        #[$crate::worker::event(start)]
        fn start() {
            $crate::hub_workerd::logging::init($service);
        }

        /// The module's `fetch` handler (called by the entry shim in `hub-worker/js/shim.js`).
        #[$crate::wasm_bindgen::prelude::wasm_bindgen]
        pub fn fetch(
            req: $crate::worker::worker_sys::web_sys::Request,
            env: $crate::worker::Env,
            _ctx: $crate::wasm_bindgen::JsValue,
        ) -> $crate::wasm_bindgen::JsValue {
            $crate::dispatch($service, ROUTER.with(::std::rc::Rc::clone), $raw, req, env)
        }
    };
}

/// Defines a Durable Object class whose calls and alarms run `$logic` (a `hub_app::DurableLogic`).
/// Every class also serves the `DurableHealth` probe.
#[macro_export]
macro_rules! durable_object {
    ($(#[$meta:meta])* $class:ident, $service:expr, $logic:ty) => {
        $(#[$meta])*
        #[$crate::worker::durable_object]
        pub struct $class {
            parts: ::std::rc::Rc<$crate::ObjectParts>,
            logic: $logic,
        }

        impl $crate::worker::DurableObject for $class {
            fn new(state: $crate::worker::State, env: $crate::worker::Env) -> Self {
                let parts = $crate::ObjectParts::new($service, state, env);
                parts.migrate(<$logic as $crate::hub_app::DurableLogic>::migrate);
                Self { parts, logic: <$logic as $crate::hub_app::DurableLogic>::new() }
            }

            async fn fetch(&self, req: $crate::worker::Request) -> $crate::worker::Result<$crate::worker::Response> {
                $crate::serve_object(&self.parts, &self.logic, req).await
            }

            async fn alarm(&self) -> $crate::worker::Result<$crate::worker::Response> {
                let ctx = self.parts.context($crate::hub_workerd::logging::request_id(None));
                $crate::hub_workerd::logging::WithRequestId::new(
                    $crate::hub_app::Runtime::request_id(&ctx),
                    <$logic as $crate::hub_app::DurableLogic>::alarm(&self.logic, &ctx),
                )
                .await;
                $crate::worker::Response::empty()
            }
        }
    };
}

/// Defines a Durable Object class that holds WebSockets, over `$logic` (a `hub_app::SocketLogic`),
/// with the operators' health socket and `ping` answered by the runtime.
#[macro_export]
macro_rules! socket_object {
    ($(#[$meta:meta])* $class:ident, $service:expr, $logic:ty) => {
        $(#[$meta])*
        #[$crate::worker::durable_object]
        pub struct $class {
            parts: ::std::rc::Rc<$crate::ObjectParts>,
        }

        impl $crate::worker::DurableObject for $class {
            fn new(state: $crate::worker::State, env: $crate::worker::Env) -> Self {
                let parts = $crate::ObjectParts::new($service, state, env);
                parts.migrate(<$logic as $crate::hub_app::SocketLogic>::migrate);
                $crate::health_socket::enable_ping_auto_response(&parts.state);
                Self { parts }
            }

            async fn fetch(&self, req: $crate::worker::Request) -> $crate::worker::Result<$crate::worker::Response> {
                $crate::sockets::fetch::<$logic>(&self.parts, req).await
            }

            async fn websocket_message(
                &self,
                ws: $crate::worker::WebSocket,
                message: $crate::worker::WebSocketIncomingMessage,
            ) -> $crate::worker::Result<()> {
                $crate::sockets::message::<$logic>(&self.parts, &ws, message).await
            }

            async fn websocket_close(
                &self,
                ws: $crate::worker::WebSocket,
                code: usize,
                reason: String,
                _clean: bool,
            ) -> $crate::worker::Result<()> {
                $crate::sockets::close(&ws, code, reason)
            }

            async fn alarm(&self) -> $crate::worker::Result<$crate::worker::Response> {
                $crate::sockets::alarm::<$logic>(&self.parts).await
            }
        }
    };
}

/// Defines a Durable Object class that serves only the `DurableHealth` probe (its service keeps
/// its data in Postgres, or has none yet).
#[macro_export]
macro_rules! health_only_durable_object {
    ($(#[$meta:meta])* $class:ident, $service:expr) => {
        $crate::durable_object!($(#[$meta])* $class, $service, $crate::hub_app::HealthOnly);
    };
}
