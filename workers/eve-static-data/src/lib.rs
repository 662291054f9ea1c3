//! The eve-static-data worker: a shell until the SDE importer and name lookups are built (its routes answer
//! 404 and only its health checks run).

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::EveStaticData;

fn router() -> Router<WorkerContext> {
    hub_health::routes(HealthChecks {
        service: SERVICE,
        own_object: Some(bindings::EVE_STATIC_DATA),
        dependencies: &[],
    })
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The eve-static-data Durable Object (SQLite storage).
    EveStaticData,
    SERVICE
);
