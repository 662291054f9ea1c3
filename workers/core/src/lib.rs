//! The core worker: authentication, users and sessions; orchestrates the other services.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::Router;
use hub_worker::{bindings, health, AppState};

const SERVICE: Service = Service::Core;

/// Core's health also probes the token store's object, hosted by the eve-token-store worker.
const DEPENDENCIES: &[(Service, &str)] = &[(Service::EveTokenStore, bindings::EVE_TOKEN_STORE)];

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::CORE_STATE), DEPENDENCIES)
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The core Durable Object (SQLite storage).
    CoreState,
    SERVICE
);
