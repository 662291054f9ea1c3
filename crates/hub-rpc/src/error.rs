//! Errors that cross an RPC boundary, in the workspace's one wire shape.

use hub_http::ApiError;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcErrorCode {
    BadRequest,
    Forbidden,
    NotFound,
    UnknownMethod,
    Conflict,
    TooManyRequests,
    Unavailable,
    Internal,
    /// The call never reached the other side (binding missing, fetch failed).
    Transport,
}

impl RpcErrorCode {
    pub const fn status(self) -> u16 {
        match self {
            RpcErrorCode::BadRequest => 400,
            RpcErrorCode::Forbidden => 403,
            RpcErrorCode::NotFound | RpcErrorCode::UnknownMethod => 404,
            RpcErrorCode::Conflict => 409,
            RpcErrorCode::TooManyRequests => 429,
            RpcErrorCode::Internal => 500,
            RpcErrorCode::Transport => 502,
            RpcErrorCode::Unavailable => 503,
        }
    }

    pub const fn wire(self) -> &'static str {
        match self {
            RpcErrorCode::BadRequest => "bad_request",
            RpcErrorCode::Forbidden => "forbidden",
            RpcErrorCode::NotFound => "not_found",
            RpcErrorCode::UnknownMethod => "unknown_method",
            RpcErrorCode::Conflict => "conflict",
            RpcErrorCode::TooManyRequests => "too_many_requests",
            RpcErrorCode::Unavailable => "unavailable",
            RpcErrorCode::Internal => "internal",
            RpcErrorCode::Transport => "transport",
        }
    }

    fn from_wire(code: &str, status: u16) -> Self {
        const ALL: [RpcErrorCode; 9] = [
            RpcErrorCode::BadRequest,
            RpcErrorCode::Forbidden,
            RpcErrorCode::NotFound,
            RpcErrorCode::UnknownMethod,
            RpcErrorCode::Conflict,
            RpcErrorCode::TooManyRequests,
            RpcErrorCode::Unavailable,
            RpcErrorCode::Internal,
            RpcErrorCode::Transport,
        ];
        ALL.into_iter().find(|c| c.wire() == code).unwrap_or(match status {
            400 | 413 | 415 => RpcErrorCode::BadRequest,
            403 => RpcErrorCode::Forbidden,
            404 => RpcErrorCode::NotFound,
            409 => RpcErrorCode::Conflict,
            429 => RpcErrorCode::TooManyRequests,
            503 => RpcErrorCode::Unavailable,
            _ => RpcErrorCode::Internal,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.wire())]
pub struct RpcError {
    pub code: RpcErrorCode,
    pub message: String,
}

#[derive(Deserialize)]
struct WireError {
    error: String,
    message: String,
}

impl RpcError {
    pub fn new(code: RpcErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(RpcErrorCode::Internal, message)
    }

    pub fn transport(message: impl Into<String>) -> Self {
        Self::new(RpcErrorCode::Transport, message)
    }

    /// Reads an error answer; a body that is not the wire shape keeps its status as the clue.
    pub fn from_wire(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<WireError>(body) {
            Ok(wire) => Self::new(RpcErrorCode::from_wire(&wire.error, status), wire.message),
            Err(_) => Self::new(
                RpcErrorCode::from_wire("", status),
                format!("status {status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])),
            ),
        }
    }

    /// The answer a server sends for this error.
    pub fn to_api_error(&self) -> ApiError {
        ApiError::new(self.code.status(), self.code.wire(), self.message.clone())
    }
}

impl From<RpcError> for ApiError {
    fn from(err: RpcError) -> Self {
        err.to_api_error()
    }
}
