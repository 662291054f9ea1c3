//! The one HTTP layer of the workspace.
//!
//! Routing, input validation and error mapping are plain Rust over plain types, so native tests
//! exercise them without workerd. Worker crates convert `worker::Request` into [`Request`] and
//! [`Response`] back, and do nothing else. This crate must never depend on `worker`.
#![forbid(unsafe_code)]

mod error;
mod headers;
mod message;
mod router;
pub mod web_app;

pub use error::ApiError;
pub use headers::{HeaderSource, Headers};
pub use message::{loggable_path, percent_decode, Method, Request, Response, DEFAULT_BODY_LIMIT};
pub use router::{Params, Router};
