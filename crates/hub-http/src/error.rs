//! The single error of the workspace, on every wire: `{"error": code, "message": text}` with an HTTP
//! status. HTTP handlers answer with it, and typed RPC carries it between services and objects with
//! its status and code intact, so a specific code (`token_invalid`, `missing_scopes`) set deep in
//! an object reaches the browser unchanged.

use crate::Response;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Stable, machine-readable codes that more than one place produces or matches.
pub mod codes {
    pub const BAD_REQUEST: &str = "bad_request";
    pub const INVALID_JSON: &str = "invalid_json";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const FORBIDDEN: &str = "forbidden";
    pub const NOT_FOUND: &str = "not_found";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const CONFLICT: &str = "conflict";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
    pub const INTERNAL: &str = "internal";
    /// A call between services or into an object never reached the other side.
    pub const TRANSPORT: &str = "transport";
    pub const UNAVAILABLE: &str = "unavailable";
    /// An RPC method the interface does not have.
    pub const UNKNOWN_METHOD: &str = "unknown_method";
}

/// An error on its way to a client, or across an RPC boundary. Domain errors map into it at the
/// edge, nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: u16,
    /// A stable, machine-readable code such as `not_found`.
    pub code: Cow<'static, str>,
    /// A sentence for people. Never contains secrets or tokens.
    pub message: String,
}

/// The body of every error answer, HTTP and RPC alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
}

#[derive(Serialize)]
struct WireError<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into() }
    }

    /// Whether the error carries `code`.
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, codes::BAD_REQUEST, message)
    }

    pub fn invalid_json(message: impl Into<String>) -> Self {
        Self::new(400, codes::INVALID_JSON, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, codes::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, codes::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, codes::NOT_FOUND, message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, codes::METHOD_NOT_ALLOWED, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, codes::CONFLICT, message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(413, codes::PAYLOAD_TOO_LARGE, format!("request body exceeds the limit of {limit} bytes"))
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, codes::UNSUPPORTED_MEDIA_TYPE, message)
    }

    /// A plain request on a WebSocket path.
    pub fn upgrade_required() -> Self {
        Self::new(426, "upgrade_required", "this path only accepts WebSocket upgrades")
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(429, codes::TOO_MANY_REQUESTS, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, codes::INTERNAL, message)
    }

    /// The call never reached the other side (a binding missing, a fetch failed).
    pub fn transport(message: impl Into<String>) -> Self {
        Self::new(502, codes::TRANSPORT, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, codes::UNAVAILABLE, message)
    }

    /// The body of this error on the wire.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&WireError { error: &self.code, message: &self.message })
            .unwrap_or_else(|_| br#"{"error":"internal","message":"error serialization failed"}"#.to_vec())
    }

    /// Reads an error answer back: the wire shape keeps its code; any other body keeps its status as
    /// the clue.
    pub fn from_wire(status: u16, body: &[u8]) -> Self {
        if let Ok(wire) = serde_json::from_slice::<ApiErrorBody>(body) {
            return Self::new(status, wire.error, wire.message);
        }
        let code = match status {
            400 | 413 | 415 => codes::BAD_REQUEST,
            401 => codes::UNAUTHORIZED,
            403 => codes::FORBIDDEN,
            404 => codes::NOT_FOUND,
            409 => codes::CONFLICT,
            429 => codes::TOO_MANY_REQUESTS,
            503 => codes::UNAVAILABLE,
            _ => codes::INTERNAL,
        };
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        Self::new(status, code, format!("status {status}: {text}"))
    }

    pub fn into_response(self) -> Response {
        let body = self.to_json();
        Response::json_bytes(self.status, body)
    }
}

impl From<ApiError> for Response {
    fn from(err: ApiError) -> Self {
        err.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_survives_the_wire_and_other_bodies_keep_their_status() {
        let original = ApiError::new(409, "token_invalid", "log in with this character again");
        assert_eq!(ApiError::from_wire(409, &original.to_json()), original);
        let html = ApiError::from_wire(503, b"<html>down</html>");
        assert_eq!((html.status, html.code.as_ref()), (503, codes::UNAVAILABLE));
        assert!(html.message.contains("503"));
        assert!(original.is("token_invalid"));
    }
}
