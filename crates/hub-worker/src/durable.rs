//! Serving side of a Durable Object: the SQLite adapter and the RPC entry point.

use hub_domain::health::ProbeRecord;
use hub_ports::{Clock, SqlError, SqlStorage, SqlValue};
use hub_rpc::interfaces::{DurableHealthHandler, ProbeRequest};
use hub_rpc::{parse_rpc_path, RpcError, RpcErrorCode};
use std::future::Future;

/// The SqlStorage port over `ctx.storage.sql`.
pub struct DurableSql(pub worker::SqlStorage);

impl DurableSql {
    pub fn of(state: &worker::State) -> Self {
        Self(state.storage().sql())
    }
}

fn to_worker(value: &SqlValue) -> worker::SqlStorageValue {
    match value {
        SqlValue::Null => worker::SqlStorageValue::Null,
        SqlValue::Integer(v) => worker::SqlStorageValue::Integer(*v),
        SqlValue::Real(v) => worker::SqlStorageValue::Float(*v),
        SqlValue::Text(v) => worker::SqlStorageValue::String(v.clone()),
        SqlValue::Blob(v) => worker::SqlStorageValue::Blob(v.clone()),
    }
}

fn from_worker(value: worker::SqlStorageValue) -> SqlValue {
    match value {
        worker::SqlStorageValue::Null => SqlValue::Null,
        worker::SqlStorageValue::Boolean(v) => SqlValue::Integer(i64::from(v)),
        worker::SqlStorageValue::Integer(v) => SqlValue::Integer(v),
        worker::SqlStorageValue::Float(v) => SqlValue::Real(v),
        worker::SqlStorageValue::String(v) => SqlValue::Text(v),
        worker::SqlStorageValue::Blob(v) => SqlValue::Blob(v),
    }
}

impl SqlStorage for DurableSql {
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        let bindings: Vec<worker::SqlStorageValue> = params.iter().map(to_worker).collect();
        let cursor = self.0.exec(sql, bindings).map_err(|e| SqlError::Statement(e.to_string()))?;
        cursor
            .raw()
            .map(|row| {
                row.map(|cells| cells.into_iter().map(from_worker).collect())
                    .map_err(|e| SqlError::RowShape(e.to_string()))
            })
            .collect()
    }
}

/// The `DurableHealth` interface, the same for every object: a SQLite write and read.
pub struct HealthProbe<'a> {
    pub storage: &'a DurableSql,
}

impl DurableHealthHandler for HealthProbe<'_> {
    async fn probe(&self, request: ProbeRequest) -> Result<ProbeRecord, RpcError> {
        let record = hub_durable::probe::record(self.storage, &crate::WorkerClock)
            .map_err(|e| RpcError::new(RpcErrorCode::Unavailable, e.to_string()))?;
        tracing::info!(caller = %request.caller, probes = record.probes, "health probe recorded");
        Ok(record)
    }
}

/// Serves an RPC request arriving at a Durable Object's `fetch`. `dispatch` receives the interface
/// name, method name and body, and routes to the generated `Interface::dispatch` functions.
pub async fn serve_rpc<F, Fut>(mut req: worker::Request, dispatch: F) -> worker::Result<worker::Response>
where
    F: FnOnce(String, String, Vec<u8>) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, RpcError>>,
{
    let request_id = crate::logging::request_id(req.headers().get("x-request-id").ok().flatten());
    crate::logging::WithRequestId::new(&request_id, async move {
        let path = req.path();
        let result = match parse_rpc_path(&path) {
            Some((iface, method)) => {
                let (iface, method) = (iface.to_owned(), method.to_owned());
                match req.bytes().await {
                    Ok(body) => dispatch(iface, method, body).await,
                    Err(e) => Err(RpcError::new(RpcErrorCode::BadRequest, format!("unreadable body: {e}"))),
                }
            }
            None => Err(RpcError::new(RpcErrorCode::NotFound, format!("no RPC route {path}"))),
        };
        let response = match result {
            Ok(bytes) => hub_http::Response::json_bytes(200, bytes),
            Err(err) => {
                tracing::warn!(error = %err, path = %path, "rpc call failed");
                err.to_api_error().into_response()
            }
        };
        crate::to_worker_response(response)
    })
    .await
}

/// The answer for an interface the object does not serve.
pub fn unknown_interface(iface: &str) -> RpcError {
    RpcError::new(RpcErrorCode::UnknownMethod, format!("this object serves no interface `{iface}`"))
}

/// Routes a call to the `DurableHealth` interface, or refuses the interface.
pub async fn dispatch_health(
    storage: &DurableSql,
    iface: &str,
    method: &str,
    body: &[u8],
) -> Result<Vec<u8>, RpcError> {
    use hub_rpc::interfaces::DurableHealth;
    use hub_rpc::Interface;
    if iface == DurableHealth::NAME {
        DurableHealth::dispatch(&HealthProbe { storage }, method, body).await
    } else {
        Err(unknown_interface(iface))
    }
}

/// The path of the health WebSocket, on the worker and inside the object.
pub const HEALTH_SOCKET_PATH: &str = "/health/ws";

/// Messages of the health WebSocket, server to client.
#[derive(serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum HealthSocketMessage<'a> {
    Hello { probe: &'a ProbeRecord },
    Probe { probe: &'a ProbeRecord },
    Error { message: &'a str },
}

fn send(ws: &worker::WebSocket, message: &HealthSocketMessage<'_>) -> worker::Result<()> {
    ws.send_with_str(serde_json::to_string(message)?)
}

/// Answers `ping` with `pong` from the runtime itself, without waking a hibernated object.
pub fn enable_ping_auto_response(state: &worker::State) {
    match worker::worker_sys::WebSocketRequestResponsePair::new("ping", "pong") {
        Ok(pair) => state.set_websocket_auto_response(&pair),
        Err(e) => tracing::error!(error = ?e, "cannot set the WebSocket auto-response"),
    }
}

/// Accepts a health WebSocket with the Hibernation API: per-socket data lives in the attachment and
/// the tag, never in memory. The greeting carries a fresh probe (a SQLite write and read).
pub fn accept_health_socket(state: &worker::State, storage: &DurableSql) -> worker::Result<worker::Response> {
    let pair = worker::WebSocketPair::new()?;
    state.accept_websocket_with_tags(&pair.server, &["health"]);
    pair.server
        .serialize_attachment(serde_json::json!({ "connected_at_ms": crate::WorkerClock.now_ms() }))?;
    let probe = hub_durable::probe::record(storage, &crate::WorkerClock)
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    send(&pair.server, &HealthSocketMessage::Hello { probe: &probe })?;
    worker::Response::from_websocket(pair.client)
}

/// A message on a health WebSocket: `probe` records and returns a probe; anything else is an error
/// message (the socket stays open).
pub fn health_socket_message(
    storage: &DurableSql,
    ws: &worker::WebSocket,
    message: &worker::WebSocketIncomingMessage,
) -> worker::Result<()> {
    match message {
        worker::WebSocketIncomingMessage::String(text) if text == "probe" => {
            match hub_durable::probe::record(storage, &crate::WorkerClock) {
                Ok(probe) => send(ws, &HealthSocketMessage::Probe { probe: &probe }),
                Err(e) => send(ws, &HealthSocketMessage::Error { message: &e.to_string() }),
            }
        }
        _ => send(ws, &HealthSocketMessage::Error { message: "unknown message; send `probe` or `ping`" }),
    }
}

/// Sets the object's alarm to an absolute time in epoch milliseconds (workers-rs reads a bare
/// integer as an offset from now).
pub async fn set_alarm_at(state: &worker::State, at_ms: i64) -> worker::Result<()> {
    #[allow(clippy::cast_precision_loss)] // epoch milliseconds fit an f64 exactly until year 287396
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    state.storage().set_alarm(worker::ScheduledTime::new(date)).await
}
