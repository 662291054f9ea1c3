//! The platform side of a Durable Object: its state and storage, the context of each invocation,
//! and the RPC entry point in front of its logic.

use crate::DurableContext;
use hub_app::DurableLogic;
use hub_domain::Service;
use hub_health::{DurableHealth, HealthProbe};
use hub_http::ApiError;
use hub_ports::SqlError;
use hub_rpc::{parse_rpc_path, Interface};
use hub_workerd::durable::DurableSql;
use hub_workerd::{convert, logging, WorkerClock};
use std::rc::Rc;

/// What a Durable Object keeps between invocations: the platform's state, its environment and its
/// SQLite storage.
pub struct ObjectParts {
    pub service: Service,
    pub state: worker::State,
    pub env: worker::Env,
    pub storage: DurableSql,
}

impl ObjectParts {
    pub fn new(service: Service, state: worker::State, env: worker::Env) -> Rc<Self> {
        let storage = DurableSql::of(&state);
        Rc::new(Self { service, state, env, storage })
    }

    /// Creates the probe table and the class's own tables. A failure is logged: every call then
    /// answers with the storage error, which the health probe reports.
    pub fn migrate(&self, class_tables: fn(&DurableSql) -> Result<(), SqlError>) {
        if let Err(e) = hub_health::probe::migrate(&self.storage).and_then(|()| class_tables(&self.storage)) {
            tracing::error!(error = %e, "creating the object's tables failed");
        }
    }

    /// The context of one invocation.
    pub fn context(self: &Rc<Self>, request_id: String) -> DurableContext {
        DurableContext::new(Rc::clone(self), request_id)
    }
}

/// Serves a `POST /rpc/<interface>/<method>` arriving at a Durable Object's `fetch`: the health probe
/// for every class, anything else through its logic. The caller's request id names the call's log
/// lines.
pub async fn serve_object<L: DurableLogic>(
    parts: &Rc<ObjectParts>,
    logic: &L,
    req: worker::Request,
) -> worker::Result<worker::Response> {
    serve_object_with(parts, req, async |ctx, interface, method, body| {
        logic.call(ctx, interface, method, body).await
    })
    .await
}

/// [`serve_object`] with the calls served by `call`, which sees the platform's context (an object
/// whose logic needs its sockets).
pub async fn serve_object_with(
    parts: &Rc<ObjectParts>,
    mut req: worker::Request,
    call: impl AsyncFn(&DurableContext, &str, &str, &[u8]) -> Result<Vec<u8>, ApiError>,
) -> worker::Result<worker::Response> {
    let request_id = logging::request_id(req.headers().get("x-request-id").ok().flatten());
    let ctx = parts.context(request_id.clone());
    logging::WithRequestId::new(&request_id, async move {
        let path = req.path();
        let result = match parse_rpc_path(&path) {
            Some((interface, method)) => {
                let (interface, method) = (interface.to_owned(), method.to_owned());
                match req.bytes().await {
                    Ok(body) if interface == DurableHealth::NAME => {
                        let probe = HealthProbe { storage: &parts.storage, clock: &WorkerClock };
                        DurableHealth::dispatch(&probe, &method, &body).await
                    }
                    Ok(body) => call(&ctx, &interface, &method, &body).await,
                    Err(e) => Err(ApiError::bad_request(format!("unreadable body: {e}"))),
                }
            }
            None => Err(ApiError::not_found(format!("no RPC route {path}"))),
        };
        let response = match result {
            Ok(bytes) => hub_http::Response::json_bytes(200, bytes),
            Err(err) => {
                tracing::warn!(error = %err, path = %path, "rpc call failed");
                err.into_response()
            }
        };
        convert::to_worker_response(response)
    })
    .await
}
