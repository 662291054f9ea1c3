//! The groups worker: Categories, groups, memberships, invitations and join requests.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::Router;
use hub_worker::{bindings, health, AppState};

const SERVICE: Service = Service::Groups;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::GROUPS), &[])
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The groups Durable Object (SQLite storage).
    Groups,
    SERVICE
);
