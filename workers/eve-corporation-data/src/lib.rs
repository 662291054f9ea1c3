//! The eve-corporation-data worker: Corporation data synced from ESI through failover directors.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::Router;
use hub_worker::{bindings, health, AppState};

const SERVICE: Service = Service::EveCorporationData;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::EVE_CORPORATION_DATA), &[])
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The eve-corporation-data Durable Object (SQLite storage).
    EveCorporationData,
    SERVICE
);
