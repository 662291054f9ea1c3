//! Postgres from a worker: tokio-postgres over a Hyperdrive socket. In local development the
//! binding's `localConnectionString` (or `CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE`)
//! points at the local database.

use hub_ports::PgError;
use hub_postgres::pg::PgClient;
use worker::postgres_tls::PassthroughTls;

/// Opens one connection for this request. The connection task ends when the client is dropped.
pub async fn connect(env: &worker::Env) -> Result<PgClient, PgError> {
    let hyperdrive = env
        .hyperdrive(hub_rpc::bindings::HYPERDRIVE)
        .map_err(|e| PgError::Connect(format!("Hyperdrive binding: {e}")))?;
    let mut config = tokio_postgres::Config::new();
    config
        .host(hyperdrive.host())
        .port(hyperdrive.port())
        .user(hyperdrive.user())
        .password(hyperdrive.password())
        .dbname(hyperdrive.database());
    let socket = worker::Socket::builder()
        .secure_transport(worker::SecureTransport::StartTls)
        .connect(hyperdrive.host(), hyperdrive.port())
        .map_err(|e| PgError::Connect(format!("socket: {e}")))?;
    let (client, connection) =
        config.connect_raw(socket, PassthroughTls).await.map_err(|e| PgError::Connect(e.to_string()))?;
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "postgres connection closed");
        }
    });
    Ok(PgClient(client))
}
