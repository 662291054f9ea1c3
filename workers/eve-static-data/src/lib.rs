//! The eve-static-data worker: The EVE static data (SDE) API.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::Router;
use hub_worker::{bindings, health, AppState};

const SERVICE: Service = Service::EveStaticData;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::EVE_STATIC_DATA), &[])
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The eve-static-data Durable Object (SQLite storage).
    EveStaticData,
    SERVICE
);
