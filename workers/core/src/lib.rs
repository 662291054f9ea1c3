//! The core worker: EVE SSO login, users and their characters, sessions, site admins (routes in
//! `hub-auth`), the `Accounts` service, and the login-state objects.

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::Core;

fn router() -> Router<WorkerContext> {
    let checks = HealthChecks {
        service: SERVICE,
        own_object: Some(bindings::CORE_STATE),
        // Core also probes the token store's object, hosted by the eve-token-store worker.
        dependencies: &[(Service::EveTokenStore, bindings::EVE_TOKEN_STORE)],
    };
    hub_health::routes(checks).merge(hub_auth::routes())
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::durable_object!(
    /// The core Durable Object: login states (SQLite), one per shard of clients.
    CoreState,
    SERVICE,
    hub_auth::object::LoginStatesObject
);
