//! The suites on the native and in-memory adapters (the workerd ones run in `tests/e2e`).

use hub_conformance::{http, postgres, sql};
use hub_native::http::ReqwestTransport;
use hub_native::pg::{connect, TestDatabase};
use hub_native::SqliteStorage;
use std::time::Duration;

#[test]
fn rusqlite_conforms() {
    let report = sql::run(&SqliteStorage::in_memory(), "rusqlite");
    assert!(report.passed(), "{}", report.failures());
}

#[tokio::test]
async fn tokio_postgres_over_tcp_conforms() {
    let db = TestDatabase::create().await;
    let pg = connect(&db.url).await.unwrap();
    let report = postgres::run(&pg, "tokio-postgres", "native").await;
    assert!(report.passed(), "{}", report.failures());
}

#[tokio::test]
async fn reqwest_and_the_scripted_transport_conform() {
    let base = http::peer::start().await.unwrap();
    let closed = http::peer::closed_origin().unwrap();
    let reqwest = ReqwestTransport::new(Duration::from_millis(http::TIMEOUT_MS));
    let report = http::run(&reqwest, "reqwest", &base, &closed).await;
    assert!(report.passed(), "{}", report.failures());
    let report = http::run(&http::scripted_peer(&base, &closed), "scripted", &base, &closed).await;
    assert!(report.passed(), "{}", report.failures());
}

/// What a careless JS bridge does: every integer through an f64, nothing refused.
struct Rounding(SqliteStorage);

impl hub_ports::SqlStorage for Rounding {
    fn exec(
        &self,
        sql: &str,
        params: &[hub_ports::SqlValue],
    ) -> Result<Vec<Vec<hub_ports::SqlValue>>, hub_ports::SqlError> {
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let params: Vec<_> = params
            .iter()
            .map(|p| match p {
                hub_ports::SqlValue::Integer(v) => hub_ports::SqlValue::Integer(*v as f64 as i64),
                other => other.clone(),
            })
            .collect();
        self.0.exec_unchecked(sql, &params)
    }
}

/// A transport that turns error statuses into transport errors.
struct StatusAsError(ReqwestTransport);

impl hub_ports::HttpTransport for StatusAsError {
    async fn send(
        &self,
        request: hub_ports::OutboundRequest,
    ) -> Result<hub_ports::OutboundResponse, hub_ports::TransportError> {
        let response = self.0.send(request).await?;
        if response.status >= 500 {
            return Err(hub_ports::TransportError::Connect(format!("status {}", response.status)));
        }
        Ok(response)
    }
}

/// A suite that cannot fail proves nothing: an adapter that rounds big integers, or a transport
/// that turns error statuses into errors, fails it.
#[tokio::test]
async fn the_suites_catch_a_broken_adapter() {
    assert!(!sql::run(&Rounding(SqliteStorage::in_memory()), "rounding").passed());
    let base = http::peer::start().await.unwrap();
    let closed = http::peer::closed_origin().unwrap();
    let broken = StatusAsError(ReqwestTransport::new(Duration::from_millis(http::TIMEOUT_MS)));
    assert!(!http::run(&broken, "status-as-error", &base, &closed).await.passed());
}
