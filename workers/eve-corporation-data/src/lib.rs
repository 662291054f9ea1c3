//! The eve-corporation-data worker: the corporations the hub serves, and their data synced from ESI
//! through director characters (routes, rights and object logic in `hub-corpdata`).

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::EveCorporationData;

fn router() -> Router<WorkerContext> {
    let checks = HealthChecks {
        service: SERVICE,
        own_object: Some(bindings::EVE_CORPORATION_DATA),
        dependencies: &[],
    };
    hub_health::routes(checks).merge(hub_corpdata::routes::routes())
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::durable_object!(
    /// One corporation: its ESI cache, its schedule, and the run in flight.
    EveCorporationData,
    SERVICE,
    hub_corpdata::object::CorporationSyncObject
);
