//! The groups worker: categories, groups, memberships, join requests, invitations, invite codes
//! and affiliation rules (routes in `hub-groups`), and the `GroupRules` service other workers call.

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::Groups;

fn router() -> Router<WorkerContext> {
    let checks = HealthChecks { service: SERVICE, own_object: Some(bindings::GROUPS), dependencies: &[] };
    hub_health::routes(checks).merge(hub_groups::routes())
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The groups Durable Object (SQLite storage; the groups' data lives in Postgres).
    Groups,
    SERVICE
);
