//! Health: what each worker's health routes report, and the checks behind them, over ports so
//! native tests run them.
//!
//! - [`report`]: the report types (`/health`, `/health/deep`).
//! - [`probe`]: the probe every Durable Object serves, one SQLite write and read kept across
//!   restarts.
//! - [`database`]: the database check, a real query against the migrated schema.
//! - [`rpc`]: the `DurableHealth` interface every object serves.
//! - [`routes`]: `/health`, `/health/deep` (operators) and `/health/live`, on every worker.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod database;
pub mod probe;
pub mod report;
pub mod routes;
pub mod rpc;

pub use report::{ComponentHealth, DependencyHealth, HealthReport, ProbeRecord, Status};
pub use routes::{routes, HealthChecks};
pub use rpc::{DurableHealth, DurableHealthHandler, HealthProbe, ProbeRequest, PROBE_OBJECT};
