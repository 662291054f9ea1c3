//! The database part of every health report: a real query against the migrated schema.

use crate::report::ComponentHealth;
use hub_ports::{Clock, PgError, Postgres};

/// The facts a database health check proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseFacts {
    /// The newest applied migration (sqlx's `_sqlx_migrations.version`).
    pub schema_version: i64,
}

/// Reads the schema version: proof that the migrated schema answers. Nothing about the data.
pub async fn database_facts(pg: &impl Postgres) -> Result<DatabaseFacts, PgError> {
    let rows = pg.query("SELECT (SELECT max(version) FROM _sqlx_migrations WHERE success)", &[]).await?;
    let row = rows.first().ok_or_else(|| PgError::RowShape("health query returned no row".into()))?;
    let schema_version =
        row.get(0)?.as_i64().ok_or_else(|| PgError::RowShape("no applied migration".into()))?;
    Ok(DatabaseFacts { schema_version })
}

/// Runs [`database_facts`] and reports it as a health component.
pub async fn check<P: Postgres>(pg: Result<P, PgError>, clock: &impl Clock) -> ComponentHealth {
    let started = clock.now_ms();
    let result = match pg {
        Ok(pg) => database_facts(&pg).await,
        Err(e) => Err(e),
    };
    let elapsed = u64::try_from(clock.now_ms() - started).unwrap_or(0);
    match result {
        Ok(facts) => {
            ComponentHealth::ok(elapsed, Some(serde_json::json!({ "schema_version": facts.schema_version })))
        }
        Err(e) => ComponentHealth::error(elapsed, e.to_string()),
    }
}
