//! The health routes of every worker.
//!
//! - `GET /health` answers anyone, and costs little: the service runs and the database answers a
//!   query. It writes nothing, and says nothing about the data or what an error said.
//! - `GET /health/deep` is for operators (`Authorization: Bearer <OPERATOR_TOKEN>`): its own Durable
//!   Object's SQLite through the typed stub (a write and a read), the database with its schema
//!   version, any Durable Objects of other workers it calls, and the errors in full.
//! - `GET /health/live`: the isolate answers, nothing else.

use crate::{get_stub, AppState, WorkerClock};
use hub_domain::health::{ComponentHealth, DependencyHealth, HealthReport, Status};
use hub_domain::Service;
use hub_http::{ApiError, Response};
use hub_ports::Clock;
use hub_rpc::interfaces::{DurableHealth, ProbeRequest};

/// The name of the object that answers health probes in each namespace.
pub const PROBE_OBJECT: &str = "health";

/// Probes the object named [`PROBE_OBJECT`] in `namespace` through the typed stub.
pub async fn probe_object(state: &AppState, caller: Service, namespace: &str) -> ComponentHealth {
    let started = WorkerClock.now_ms();
    let result = async {
        let client = get_stub::<DurableHealth>(&state.env, namespace, PROBE_OBJECT, Some(&state.request_id))?;
        client.probe(&ProbeRequest { caller }).await
    }
    .await;
    let elapsed = u64::try_from(WorkerClock.now_ms() - started).unwrap_or(0);
    match result {
        Ok(record) => ComponentHealth::ok(elapsed, serde_json::to_value(record).ok()),
        Err(e) => ComponentHealth::error(elapsed, e.to_string()),
    }
}

/// The unauthenticated report: whether the database answers, without detail or error text.
pub async fn shallow_report(state: &AppState, service: Service) -> HealthReport {
    let started = WorkerClock.now_ms();
    let reachable = match crate::pg::connect(&state.env).await {
        Ok(pg) => hub_db::health::database_facts(&pg).await.is_ok(),
        Err(_) => false,
    };
    let elapsed = u64::try_from(WorkerClock.now_ms() - started).unwrap_or(0);
    let database = if reachable {
        ComponentHealth::ok(elapsed, None)
    } else {
        ComponentHealth::error(elapsed, "unavailable")
    };
    HealthReport::new(service, None, Some(database), Vec::new())
}

/// The operators' report: own object (if any), database, and cross-worker dependencies,
/// concurrently.
pub async fn report(
    state: &AppState,
    service: Service,
    own_object: Option<&str>,
    dependencies: &[(Service, &str)],
) -> HealthReport {
    let own = async {
        match own_object {
            Some(namespace) => Some(probe_object(state, service, namespace).await),
            None => None,
        }
    };
    let database = async {
        let pg = crate::pg::connect(&state.env).await;
        hub_db::health::check(pg, &WorkerClock).await
    };
    let deps = futures::future::join_all(dependencies.iter().map(|(dep, namespace)| async move {
        DependencyHealth { service: *dep, health: probe_object(state, service, namespace).await }
    }));
    let (own, database, deps) = futures::join!(own, database, deps);
    HealthReport::new(service, own, Some(database), deps)
}

/// The HTTP answer: 200 when everything is ok, 503 otherwise, with the report either way.
pub fn into_response(report: &HealthReport) -> Result<Response, ApiError> {
    if report.status != Status::Ok {
        tracing::warn!(report = ?report, "health check failed");
    }
    Response::json(if report.status == Status::Ok { 200 } else { 503 }, report)
}

#[derive(serde::Serialize)]
struct Liveness {
    service: Service,
    status: Status,
    version: &'static str,
}

/// `GET /health/live`: the isolate answers, without touching storage. For load balancers and the
/// benchmark of the bare request path.
pub fn live(service: Service) -> Result<Response, ApiError> {
    Response::json(200, &Liveness { service, status: Status::Ok, version: env!("CARGO_PKG_VERSION") })
}

/// A router with the health routes every worker serves: `GET /health` (anyone),
/// `GET /health/deep` (operators: own object, database, `dependencies` probed across workers) and
/// `GET /health/live`. Workers add their own routes to it.
pub fn routes(
    service: Service,
    own_object: Option<&'static str>,
    dependencies: &'static [(Service, &'static str)],
) -> hub_http::Router<AppState> {
    hub_http::Router::new()
        .get("/health", move |_req, _params, state: std::rc::Rc<AppState>| async move {
            into_response(&shallow_report(&state, service).await)
        })
        .get("/health/deep", move |req, _params, state: std::rc::Rc<AppState>| async move {
            crate::auth::require_operator(&req, &state.env)?;
            into_response(&report(&state, service, own_object, dependencies).await)
        })
        .get("/health/live", move |_req, _params, _state| async move { live(service) })
}
