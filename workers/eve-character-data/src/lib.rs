//! The eve-character-data worker: character data synced politely from ESI (routes and object
//! logic in `hub-chardata`), and the deployment's ESI error-limit breaker.

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::EveCharacterData;

fn router() -> Router<WorkerContext> {
    let checks =
        HealthChecks { service: SERVICE, own_object: Some(bindings::EVE_CHARACTER_DATA), dependencies: &[] };
    hub_health::routes(checks).merge(hub_chardata::routes::routes())
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::durable_object!(
    /// One character's sync: ESI cache, schedule, alarm.
    EveCharacterData,
    SERVICE,
    hub_chardata::object::CharacterSyncObject
);

hub_worker::durable_object!(
    /// The deployment's ESI error-limit breaker (one object), persisted in its SQLite.
    EsiCoordinator,
    SERVICE,
    hub_esi::rpc::BudgetObject
);
