//! The ui worker: the one origin browsers talk to (`hub_worker::gateway`): the web app, `/api/*`
//! forwarded to the worker that owns each path, and the other workers' health.

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::Ui;

fn router() -> Router<WorkerContext> {
    // It holds no Durable Object: its own health is the database's.
    hub_worker::gateway::routes(HealthChecks { service: SERVICE, own_object: None, dependencies: &[] })
}

hub_worker::worker_entry!(SERVICE, router, raw = Some(hub_worker::gateway::raw_routes));
