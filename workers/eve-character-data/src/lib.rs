//! The eve-character-data worker: Character data synced politely from ESI, one Durable Object per character.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::Router;
use hub_worker::{bindings, health, AppState};

const SERVICE: Service = Service::EveCharacterData;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::EVE_CHARACTER_DATA), &[])
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The eve-character-data Durable Object (SQLite storage).
    EveCharacterData,
    SERVICE
);
