//! The eve-token-store worker: EVE SSO tokens, encrypted at rest, kept usable; one
//! `EveTokenStore` object per character runs `hub_tokens::object`.

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::EveTokenStore;

fn router() -> Router<WorkerContext> {
    hub_health::routes(HealthChecks {
        service: SERVICE,
        own_object: Some(bindings::EVE_TOKEN_STORE),
        dependencies: &[],
    })
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::durable_object!(
    /// One character's tokens (SQLite storage).
    EveTokenStore,
    SERVICE,
    hub_tokens::object::TokenStoreObject
);
