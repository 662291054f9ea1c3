//! Applies the sqlx migrations under `migrations/` to a Postgres database.

use sqlx::migrate::{MigrateDatabase, Migrator};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot create database: {0}")]
    Create(sqlx::Error),
    #[error("cannot connect: {0}")]
    Connect(sqlx::Error),
    #[error("cannot read migrations from {0}: {1}")]
    Read(PathBuf, sqlx::migrate::MigrateError),
    #[error("migration failed: {0}")]
    Apply(sqlx::migrate::MigrateError),
}

/// The repository's `migrations/` folder.
pub fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations")
}

/// Creates the database when it is missing, then applies every pending migration. Idempotent.
/// Returns the number of migrations applied by this call.
pub async fn run(database_url: &str, dir: &Path) -> Result<usize, MigrateError> {
    if !sqlx::Postgres::database_exists(database_url).await.map_err(MigrateError::Create)? {
        sqlx::Postgres::create_database(database_url).await.map_err(MigrateError::Create)?;
    }
    let migrator = Migrator::new(dir).await.map_err(|e| MigrateError::Read(dir.to_owned(), e))?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(database_url)
        .await
        .map_err(MigrateError::Connect)?;
    let before: i64 = applied_count(&pool).await;
    migrator.run(&pool).await.map_err(MigrateError::Apply)?;
    let after: i64 = applied_count(&pool).await;
    pool.close().await;
    Ok(usize::try_from(after - before).unwrap_or(0))
}

async fn applied_count(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .unwrap_or(0)
}
