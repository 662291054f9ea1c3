//! The database check against a real, migrated Postgres.

use hub_health::database::{check, database_facts};
use hub_health::Status;
use hub_native::pg::{connect, TestDatabase};
use hub_ports::{ManualClock, PgError};

#[tokio::test]
async fn a_migrated_database_answers_the_health_query() {
    let db = TestDatabase::create().await;
    let client = connect(&db.url).await.unwrap();
    let facts = database_facts(&client).await.unwrap();
    assert!(facts.schema_version >= 1);
    let report = check(Ok(client), &ManualClock::at(0)).await;
    assert_eq!(report.status, Status::Ok);
    let down =
        check::<hub_postgres::pg::PgClient>(Err(PgError::Connect("refused".into())), &ManualClock::at(0))
            .await;
    assert_eq!(down.status, Status::Error);
}
