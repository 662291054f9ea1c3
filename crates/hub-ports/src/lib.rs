//! Ports: the small interfaces through which domain logic touches the outside world.
//!
//! Every port builds for wasm32 and native. Adapters for the Workers runtime live in `hub-workerd`,
//! native ones in `hub-native`, and in-memory ones here, beside the port. This crate must never
//! depend on `worker`, `sqlx` or `tokio-postgres`.
//!
//! Traits use native `async fn` without `Send` bounds: the Workers runtime is single-threaded.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod cache;
pub mod clock;
pub mod http;
pub mod postgres;
pub mod random;
pub mod sleep;
pub mod sockets;
pub mod sql;

pub use cache::{Cache, CacheError, MemoryCache, MAX_BULK_KEYS, MIN_TTL_SECS};
pub use clock::{Clock, ManualClock};
pub use http::{HttpTransport, OutboundRequest, OutboundResponse, ScriptedTransport, TransportError};
pub use postgres::{PgError, PgRow, PgValue, Postgres};
pub use random::{OsRandom, Random, SeededRandom};
pub use sleep::Sleep;
pub use sockets::{RecordingSockets, Sockets};
pub use sql::{SqlError, SqlStorage, SqlValue};
