//! What every `Postgres` adapter must do: each value type round-trips, errors are typed (a unique
//! violation is told apart from other failures), an unmappable column is an error and never a
//! panic, and a failed transaction leaves nothing behind.

use crate::{expect_eq, Report};
use hub_ports::{PgError, PgRow, PgValue, Postgres};

#[allow(clippy::too_many_lines)] // one case after another, each a few lines
/// `name` is a table name unique to this run (temporary tables are per connection, but a pooled
/// connection can outlive a request).
pub async fn run(pg: &impl Postgres, adapter: &str, name: &str) -> Report {
    let mut report = Report::new("postgres", adapter);
    let table = format!("conformance_{name}");
    let created = pg
        .execute(
            &format!(
                "CREATE TEMPORARY TABLE {table} (id BIGINT PRIMARY KEY, flag BOOLEAN, label TEXT, ref UUID, doc JSONB,
                 raw BYTEA, tags TEXT[])"
            ),
            &[],
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    report.check("a table is created", created);

    let uuid = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let row = vec![
        PgValue::Int(i64::MAX),
        PgValue::Bool(true),
        PgValue::Text("ünïcode ✓".into()),
        PgValue::Uuid(uuid),
        PgValue::Json(serde_json::json!({ "nested": [1, "two", null], "big": 9_007_199_254_740_993_i64 })),
        PgValue::Bytes(vec![0, 1, 255]),
        PgValue::TextArray(vec!["a".into(), String::new(), "ç".into()]),
    ];
    let written = pg
        .execute(&format!("INSERT INTO {table} VALUES ($1, $2, $3, $4, $5, $6, $7)"), &row)
        .await
        .map_err(|e| e.to_string())
        .and_then(|n| expect_eq(n, 1));
    report.check("execute reports the rows it wrote", written);
    let read = pg
        .query(&format!("SELECT id, flag, label, ref, doc, raw, tags FROM {table}"), &[])
        .await
        .map_err(|e| e.to_string())
        .and_then(|rows| expect_eq(rows, vec![PgRow(row.clone())]));
    report.check("every value type reads back as written (BIGINT exact beyond 2^53)", read);

    let nulls = pg
        .execute(
            &format!("INSERT INTO {table} VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                PgValue::Int(-1),
                PgValue::Null,
                PgValue::Null,
                PgValue::Null,
                PgValue::Null,
                PgValue::Null,
                PgValue::Null,
            ],
        )
        .await
        .map_err(|e| e.to_string());
    let read_nulls = match nulls {
        Ok(_) => pg
            .query(&format!("SELECT flag, label, ref, doc, raw, tags FROM {table} WHERE id = -1"), &[])
            .await
            .map_err(|e| e.to_string())
            .and_then(|rows| expect_eq(rows, vec![PgRow(vec![PgValue::Null; 6])])),
        Err(e) => Err(e),
    };
    report.check("NULL binds to a column of any type and reads back as NULL", read_nulls);

    let duplicate =
        pg.execute(&format!("INSERT INTO {table} (id) VALUES ($1)"), &[PgValue::Int(i64::MAX)]).await;
    report.check(
        "a duplicate key is a UniqueViolation",
        match duplicate {
            Err(PgError::UniqueViolation(_)) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );

    let bad = pg.query("SELECT * FROM no_such_table", &[]).await;
    report.check(
        "bad SQL is a Query error",
        match bad {
            Err(PgError::Query(_)) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );

    let unmapped = pg.query("SELECT 1.5::float8", &[]).await;
    report.check(
        "a column type the port does not carry is a RowShape error",
        match unmapped {
            Err(PgError::RowShape(_)) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );

    let wrong_type = pg.query("SELECT $1::bigint", &[PgValue::Text("not a number".into())]).await;
    report.check(
        "a parameter of the wrong type is an error",
        if wrong_type.is_err() { Ok(()) } else { Err(format!("{wrong_type:?}")) },
    );

    let rolled_back: Result<(), PgError> = hub_postgres::in_transaction(pg, |pg| {
        let table = table.clone();
        async move {
            pg.execute(&format!("INSERT INTO {table} (id) VALUES (7)"), &[]).await?;
            Err(PgError::Query("the work failed".into()))
        }
    })
    .await;
    let left = pg
        .query(&format!("SELECT count(*)::bigint FROM {table} WHERE id = 7"), &[])
        .await
        .map_err(|e| e.to_string())
        .and_then(|rows| expect_eq(rows, vec![PgRow(vec![PgValue::Int(0)])]));
    report.check(
        "a failed transaction leaves nothing behind",
        match rolled_back {
            Err(PgError::Query(_)) => left,
            other => Err(format!("the work's error was lost: {other:?}")),
        },
    );

    let committed: Result<(), PgError> = hub_postgres::in_transaction(pg, |pg| {
        let table = table.clone();
        async move {
            pg.execute(&format!("INSERT INTO {table} (id) VALUES (8)"), &[]).await?;
            Ok(())
        }
    })
    .await;
    let kept = match committed {
        Ok(()) => pg
            .query(&format!("SELECT count(*)::bigint FROM {table} WHERE id = 8"), &[])
            .await
            .map_err(|e| e.to_string())
            .and_then(|rows| expect_eq(rows, vec![PgRow(vec![PgValue::Int(1)])])),
        Err(e) => Err(e.to_string()),
    };
    report.check("a committed transaction is kept", kept);

    report.check(
        "the table is dropped",
        pg.execute(&format!("DROP TABLE {table}"), &[]).await.map(|_| ()).map_err(|e| e.to_string()),
    );
    report
}
