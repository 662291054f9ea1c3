//! The eve-token-store worker: The encrypted EVE SSO token store that keeps tokens alive.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::Router;
use hub_worker::{bindings, health, AppState};

const SERVICE: Service = Service::EveTokenStore;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::EVE_TOKEN_STORE), &[])
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The eve-token-store Durable Object (SQLite storage).
    EveTokenStore,
    SERVICE
);
