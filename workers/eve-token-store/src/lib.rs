//! The eve-token-store worker: The encrypted EVE SSO token store that keeps tokens alive.
//!
//! Thin glue only: routes come from `hub-http`, logic from the shared crates.

use hub_domain::Service;
use hub_http::{ApiError, Params, Request, Response, Router};
use hub_worker::{bindings, health, AppState};
use std::rc::Rc;

const SERVICE: Service = Service::EveTokenStore;

fn router() -> Router<AppState> {
    Router::new()
        .get("/health", health_route)
        .get("/health/live", |_req, _params, _state| async { health::live(SERVICE) })
}

async fn health_route(_req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let report = health::report(&state, SERVICE, Some(bindings::EVE_TOKEN_STORE), &[]).await;
    health::into_response(&report)
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The eve-token-store Durable Object (SQLite storage).
    EveTokenStore,
    SERVICE
);
