//! The operators' health WebSocket (`/health/ws`, served by the notifications object): a probe on
//! connect and on every `probe` message, over the Hibernation API.

use hub_health::ProbeRecord;
use hub_ports::Clock;

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
pub fn accept_health_socket(
    state: &worker::State,
    storage: &hub_workerd::durable::DurableSql,
) -> worker::Result<worker::Response> {
    let pair = worker::WebSocketPair::new()?;
    state.accept_websocket_with_tags(&pair.server, &["health"]);
    pair.server
        .serialize_attachment(serde_json::json!({ "connected_at_ms": hub_workerd::WorkerClock.now_ms() }))?;
    let probe = hub_health::probe::record(storage, &hub_workerd::WorkerClock)
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    send(&pair.server, &HealthSocketMessage::Hello { probe: &probe })?;
    worker::Response::from_websocket(pair.client)
}

/// A message on a health WebSocket: `probe` records and returns a probe; anything else is an error
/// message (the socket stays open).
pub fn health_socket_message(
    storage: &hub_workerd::durable::DurableSql,
    ws: &worker::WebSocket,
    message: &worker::WebSocketIncomingMessage,
) -> worker::Result<()> {
    match message {
        worker::WebSocketIncomingMessage::String(text) if text == "probe" => {
            match hub_health::probe::record(storage, &hub_workerd::WorkerClock) {
                Ok(probe) => send(ws, &HealthSocketMessage::Probe { probe: &probe }),
                Err(e) => send(ws, &HealthSocketMessage::Error { message: &e.to_string() }),
            }
        }
        _ => send(ws, &HealthSocketMessage::Error { message: "unknown message; send `probe` or `ping`" }),
    }
}
