//! The health routes of every worker.
//!
//! - `GET /health` answers anyone, and costs little: the service runs and the database answers a
//!   query. It writes nothing, and says nothing about the data or what an error said.
//! - `GET /health/deep` is for operators (`Authorization: Bearer <OPERATOR_TOKEN>`): its own Durable
//!   Object's SQLite through the typed stub (a write and a read), the database with its schema
//!   version, any Durable Objects of other workers it calls, and the errors in full.
//! - `GET /health/live`: the isolate answers, nothing else.

use crate::report::{ComponentHealth, DependencyHealth, HealthReport, Status};
use crate::rpc::{DurableHealth, ProbeRequest, PROBE_OBJECT};
use hub_app::{Context, Ctx, Operator, Runtime};
use hub_domain::Service;
use hub_http::{ApiError, Response, Router};
use hub_ports::Clock;

/// What a worker's deep health check covers.
#[derive(Debug, Clone, Copy)]
pub struct HealthChecks {
    pub service: Service,
    /// The worker's own Durable Object namespace, if it hosts one.
    pub own_object: Option<&'static str>,
    /// Namespaces of other workers it calls, probed through the typed stub.
    pub dependencies: &'static [(Service, &'static str)],
}

fn elapsed_since(clock: &impl Clock, started: i64) -> u64 {
    u64::try_from(clock.now_ms() - started).unwrap_or(0)
}

/// Probes the object named [`PROBE_OBJECT`] in `namespace` through the typed stub.
pub async fn probe_object(ctx: &impl Runtime, namespace: &str) -> ComponentHealth {
    let started = ctx.clock().now_ms();
    let result = async {
        let client = ctx.stub_in::<DurableHealth>(namespace, PROBE_OBJECT)?;
        client.probe(&ProbeRequest { caller: ctx.service() }).await
    }
    .await;
    let elapsed = elapsed_since(ctx.clock(), started);
    match result {
        Ok(record) => ComponentHealth::ok(elapsed, serde_json::to_value(record).ok()),
        Err(e) => ComponentHealth::error(elapsed, e.to_string()),
    }
}

/// The unauthenticated report: whether the database answers, without detail or error text.
pub async fn shallow_report(ctx: &impl Context) -> HealthReport {
    let started = ctx.clock().now_ms();
    let reachable = match ctx.connect_postgres().await {
        Ok(pg) => crate::database::database_facts(pg).await.is_ok(),
        Err(_) => false,
    };
    let elapsed = elapsed_since(ctx.clock(), started);
    let database = if reachable {
        ComponentHealth::ok(elapsed, None)
    } else {
        ComponentHealth::error(elapsed, "unavailable")
    };
    HealthReport::new(ctx.service(), None, Some(database), Vec::new())
}

/// The operators' report: own object (if any), database, and cross-worker dependencies,
/// concurrently.
pub async fn deep_report(ctx: &impl Context, checks: &HealthChecks) -> HealthReport {
    let own = async {
        match checks.own_object {
            Some(namespace) => Some(probe_object(ctx, namespace).await),
            None => None,
        }
    };
    let database = async { crate::database::check(ctx.connect_postgres().await, ctx.clock()).await };
    let deps = futures::future::join_all(checks.dependencies.iter().map(|(dep, namespace)| async move {
        DependencyHealth { service: *dep, health: probe_object(ctx, namespace).await }
    }));
    let (own, database, deps) = futures::join!(own, database, deps);
    HealthReport::new(checks.service, own, Some(database), deps)
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

/// A router with the health routes every worker serves. Workers merge their own routes into it.
pub fn routes<C: Context + 'static>(checks: HealthChecks) -> Router<C> {
    Router::new()
        .get("/health", |ctx: Ctx<C>| async move { into_response(&shallow_report(&*ctx).await) })
        .get("/health/deep", move |ctx: Ctx<C>, _operator: Operator| async move {
            into_response(&deep_report(&*ctx, &checks).await)
        })
        .get("/health/live", move || async move { live(checks.service) })
}
