//! Runs the ports' conformance suites on the workerd adapters, for `tests/e2e/tests/conformance.rs`:
//! `GET /conformance/sql` (a Durable Object's SQLite), `GET /conformance/postgres` (Hyperdrive),
//! `GET /conformance/http?base=&closed=` (`fetch`, against the suite's peer). Each answers the
//! suite's report; the test asserts every case passed.

use hub_app::{Context, Ctx, DurableLogic, ObjectContext, Runtime};
use hub_conformance::{http, postgres, sql, Report};
use hub_domain::Service;
use hub_http::{ApiError, Json, Query, Router};
use hub_ports::{SqlError, SqlStorage};
use hub_worker::WorkerContext;
use hub_workerd::fetch::FetchTransport;
use serde::Deserialize;

/// A test harness, not one of the hub's services: its log lines say `ui`.
const SERVICE: Service = Service::Ui;
/// The harness's Durable Object namespace (its wrangler config binds it).
const OBJECTS: &str = "CONFORMANCE";

hub_rpc::rpc_interface! {
    /// The SQL suite, run inside an object on its own storage.
    pub interface SqlSuite as "sql-suite", handler SqlSuiteHandler, client SqlSuiteClient {
        fn run(()) -> Report;
    }
}

fn router() -> Router<WorkerContext> {
    Router::new()
        .get("/conformance/sql", sql_suite)
        .get("/conformance/postgres", postgres_suite)
        .get("/conformance/http", http_suite)
}

async fn sql_suite(ctx: Ctx<WorkerContext>) -> Result<Json<Report>, ApiError> {
    Ok(Json(ctx.stub_in::<SqlSuite>(OBJECTS, "sql")?.run(&()).await?))
}

async fn postgres_suite(ctx: Ctx<WorkerContext>) -> Result<Json<Report>, ApiError> {
    let pg = ctx.connect_postgres().await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    let name: String = ctx.request_id().chars().filter(char::is_ascii_alphanumeric).take(16).collect();
    Ok(Json(postgres::run(pg, "tokio-postgres over Hyperdrive", &name).await))
}

#[derive(Deserialize)]
struct Peer {
    base: String,
    closed: String,
}

async fn http_suite(Query(peer): Query<Peer>) -> Result<Json<Report>, ApiError> {
    let fetch = FetchTransport { timeout: std::time::Duration::from_millis(http::TIMEOUT_MS) };
    Ok(Json(http::run(&fetch, "workerd fetch", &peer.base, &peer.closed).await))
}

hub_worker::worker_entry!(SERVICE, router);

/// Serves the SQL suite on the object's own storage.
pub struct SqlSuiteObject;

struct Storage<'a, S>(&'a S);

impl<S: SqlStorage> SqlSuiteHandler for Storage<'_, S> {
    async fn run(&self, _request: ()) -> Result<Report, ApiError> {
        Ok(sql::run(self.0, "Durable Object SQLite"))
    }
}

impl DurableLogic for SqlSuiteObject {
    fn new() -> Self {
        SqlSuiteObject
    }

    fn migrate(_storage: &impl SqlStorage) -> Result<(), SqlError> {
        Ok(())
    }

    async fn call(
        &self,
        ctx: &impl ObjectContext,
        interface: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        SqlSuite::serve(&Storage(ctx.storage()), interface, method, body).await
    }
}

hub_worker::durable_object!(
    /// The harness's object: the SQL suite on Durable Object SQLite.
    Conformance,
    SERVICE,
    SqlSuiteObject
);
