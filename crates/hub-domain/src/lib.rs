//! Domain types shared by every service.
//!
//! This crate is pure data: it must never depend on a runtime (`worker`, `tokio`, a database driver),
//! so that the same types build for wasm32 and for native tests.
#![forbid(unsafe_code)]

pub mod ids;
pub mod notification;
pub mod scopes;
pub mod service;
pub mod wallet;

pub use ids::{CharacterId, CharacterRequest, CorporationId, CorporationRequest, UserId};
pub use service::Service;
