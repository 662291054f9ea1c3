//! The discord worker: Discord OAuth, guild membership and roles that follow groups.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::Router;
use hub_worker::{bindings, health, AppState};

const SERVICE: Service = Service::Discord;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::DISCORD), &[])
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The discord Durable Object (SQLite storage).
    Discord,
    SERVICE
);
