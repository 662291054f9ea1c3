//! The Workers runtime behind the hub's ports: every type here adapts one platform API, and none
//! holds domain logic.
//!
//! - [`WorkerClock`], [`WorkerSleep`]: `Date.now()` and `setTimeout`;
//! - [`fetch::FetchTransport`]: outbound HTTP over `fetch`, with a timeout;
//! - [`pg`]: Postgres through Hyperdrive (tokio-postgres over a Workers socket);
//! - [`durable`]: a Durable Object's SQLite and alarm;
//! - [`stub`]: typed RPC over Durable Object stubs and service bindings, and raw forwarding;
//! - [`convert`]: platform requests and responses to `hub_http` values and back;
//! - [`logging`]: JSON log lines that carry the request id;
//! - [`setting`]: the worker's vars and secrets.
//!
//! `hub-worker` assembles these into the contexts routes and objects run in.

pub mod convert;
pub mod durable;
pub mod fetch;
pub mod kv;
pub mod logging;
pub mod pg;
pub mod sockets;
pub mod stub;

pub use worker::worker_sys::web_sys::{Request as WebRequest, Response as WebResponse};

use hub_ports::{Clock, Sleep};

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

/// `setTimeout` as a future (`worker::Delay` panics in dev builds here).
#[derive(Debug, Default, Clone, Copy)]
pub struct WorkerSleep;

impl Sleep for WorkerSleep {
    async fn sleep_ms(&self, ms: u64) {
        use wasm_bindgen::JsCast;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let global = js_sys::global();
            let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            #[allow(clippy::cast_precision_loss)]
            let delay = wasm_bindgen::JsValue::from_f64(ms as f64);
            match set_timeout {
                Some(f) => {
                    let _ = f.call2(&global, &resolve, &delay);
                }
                None => {
                    let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
                }
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// A var or secret of the worker (`[vars]`, `.dev.vars`, `wrangler secret put`); blank is unset.
pub fn setting(env: &worker::Env, name: &str) -> Option<String> {
    env.secret(name)
        .ok()
        .map(|v| v.to_string())
        .or_else(|| env.var(name).ok().map(|v| v.to_string()))
        .filter(|v| !v.trim().is_empty())
}
