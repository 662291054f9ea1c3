//! Native Postgres connections and throwaway test databases.

use hub_ports::PgError;
use hub_postgres::pg::PgClient;

/// Connects over TCP and drives the connection on the current tokio runtime.
pub async fn connect(database_url: &str) -> Result<PgClient, PgError> {
    let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .map_err(|e| PgError::Connect(e.to_string()))?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped; an error then is expected.
        let _ = connection.await;
    });
    Ok(PgClient(client))
}

/// A freshly created and migrated database, for one test. Dropped databases are removed.
pub struct TestDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates `hub_test_<uuid>` on the server named by `DATABASE_URL` and migrates it.
    ///
    /// Panics when `DATABASE_URL` is unset: `just test` always sets it, and a test that silently
    /// skipped would prove nothing.
    pub async fn create() -> Self {
        let admin_url = std::env::var("DATABASE_URL")
            .expect("DATABASE_URL must name a Postgres server (run the tests through `just test`)");
        let name = format!("hub_test_{}", uuid::Uuid::new_v4().simple());
        let url = with_database(&admin_url, &name);
        crate::migrate::run(&url, &crate::migrate::migrations_dir())
            .await
            .unwrap_or_else(|e| panic!("migrating {name}: {e}"));
        Self { url, admin_url, name }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside or outside a runtime; a thread with its own runtime works in both.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(client) = connect(&admin_url).await {
                    let _ =
                        client.0.execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[]).await;
                }
            });
        })
        .join();
    }
}

/// Replaces the database name in a `postgres://` URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(with_database("postgres://u:p@h:1/old", "new"), "postgres://u:p@h:1/new");
        assert_eq!(with_database("postgres://h:1", "new"), "postgres://h:1/new");
        assert_eq!(with_database("postgres://h/old?sslmode=disable", "n"), "postgres://h/n?sslmode=disable");
    }

    #[tokio::test]
    async fn a_migrated_database_migrates_to_nothing_more() {
        let db = TestDatabase::create().await;
        assert_eq!(crate::migrate::run(&db.url, &crate::migrate::migrations_dir()).await.unwrap(), 0);
    }
}
