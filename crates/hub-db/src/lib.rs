//! Postgres queries of the hub, written once over the [`hub_ports::Postgres`] port.
//!
//! The schema itself is the sqlx migrations under `migrations/`; the native `hub-migrate` tool applies
//! them. Only the optional [`pg`] adapter knows about `tokio-postgres`.
#![forbid(unsafe_code)]

pub mod health;
#[cfg(feature = "tokio-postgres")]
pub mod pg;
