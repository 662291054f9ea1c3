//! The one HTTP layer of the workspace.
//!
//! Routing, input validation and error mapping are plain Rust over plain types, so native tests
//! exercise them without workerd. Worker crates convert `worker::Request` into [`Request`] and
//! [`Response`] back, and do nothing else. This crate must never depend on `worker`.
#![forbid(unsafe_code)]
// Single-threaded (one isolate, one request at a time per task): futures need not be Send.
#![allow(async_fn_in_trait)]

mod error;
pub mod extract;
mod headers;
mod message;
pub mod params;
mod router;
pub mod web_app;

pub use error::{codes, ApiError, ApiErrorBody};
pub use extract::{
    Body, ClientIp, Created, Ctx, FromRequest, Handler, IntoResponse, Json, JsonOrDefault, NoContent, Page,
    Params, Path, Query, RequestParts,
};
pub use headers::{HeaderSource, Headers};
pub use message::{loggable_path, percent_decode, Method, Request, Response, DEFAULT_BODY_LIMIT};
pub use router::Router;
