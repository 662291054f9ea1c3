//! The discord worker: a shell until Discord linking and role sync are built (its routes answer
//! 404 and only its health checks run).

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::Discord;

fn router() -> Router<WorkerContext> {
    hub_health::routes(HealthChecks {
        service: SERVICE,
        own_object: Some(bindings::DISCORD),
        dependencies: &[],
    })
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The discord Durable Object (SQLite storage).
    Discord,
    SERVICE
);
