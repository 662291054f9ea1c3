//! The eve-static-data worker: the imported SDE and names for any id (routes and the `NameResolver`
//! object's logic in `hub-staticdata`).

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::EveStaticData;

fn router() -> Router<WorkerContext> {
    let checks =
        HealthChecks { service: SERVICE, own_object: Some(bindings::EVE_STATIC_DATA), dependencies: &[] };
    hub_health::routes(checks).merge(hub_staticdata::routes::routes())
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::durable_object!(
    /// The deployment's name resolver ("names"): ESI's `/universe/names/` and corporation and
    /// alliance details, with their ESI cache.
    EveStaticData,
    SERVICE,
    hub_staticdata::resolver::ResolverObject
);
