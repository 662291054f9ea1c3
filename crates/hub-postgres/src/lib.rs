//! Postgres queries of the hub, written once over the [`hub_ports::Postgres`] port.
//!
//! The schema itself is the sqlx migrations under `migrations/`; the native `hub-migrate` tool applies
//! them. Only the optional [`pg`] adapter knows about `tokio-postgres`.
#![forbid(unsafe_code)]

#[cfg(feature = "tokio-postgres")]
pub mod pg;

/// Runs `work` inside one Postgres transaction on `pg`'s connection: committed when it returns
/// `Ok`, rolled back when it returns `Err`, so nothing is ever half-written.
pub async fn in_transaction<'a, P, T, E, Fut>(pg: &'a P, work: impl FnOnce(&'a P) -> Fut) -> Result<T, E>
where
    P: hub_ports::Postgres,
    Fut: std::future::Future<Output = Result<T, E>> + 'a,
    E: From<hub_ports::PgError>,
{
    pg.execute("BEGIN", &[]).await?;
    match work(pg).await {
        Ok(value) => {
            pg.execute("COMMIT", &[]).await?;
            Ok(value)
        }
        Err(e) => {
            // The original error matters more than a failed rollback (the connection is then dead
            // and Postgres discards the transaction anyway).
            let _ = pg.execute("ROLLBACK", &[]).await;
            Err(e)
        }
    }
}
