//! The discord worker: linked Discord accounts, the guilds the hub serves, and guild membership and
//! roles that follow groups and corporations (routes, objects and logic in `hub-discord`).

use hub_domain::Service;
use hub_health::HealthChecks;
use hub_http::Router;
use hub_rpc::bindings;
use hub_worker::WorkerContext;

const SERVICE: Service = Service::Discord;

fn router() -> Router<WorkerContext> {
    let checks = HealthChecks { service: SERVICE, own_object: Some(bindings::DISCORD), dependencies: &[] };
    hub_health::routes(checks).merge(hub_discord::routes::routes())
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::durable_object!(
    /// One user's Discord sync (named by the user id), one run at a time.
    Discord,
    SERVICE,
    hub_discord::object::MemberObject
);

hub_worker::durable_object!(
    /// The rate limiter of the deployment's bot token: every bucket, the global limit, the invalid
    /// requests.
    DiscordLimiter,
    SERVICE,
    hub_discord::object::LimiterObject
);

hub_worker::durable_object!(
    /// The reconcile: the queue of syncs, and the periodic pass over every linked member.
    DiscordReconciler,
    SERVICE,
    hub_discord::object::ReconcilerObject
);
