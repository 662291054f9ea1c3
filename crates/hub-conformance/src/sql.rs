//! What every `SqlStorage` adapter must do. Durable Object SQLite is the one production uses; its
//! integers cross JavaScript as numbers, so the port carries integers within ±(2^53 - 1) only and
//! an adapter refuses others rather than round them.

use crate::{expect_eq, Report};
use hub_ports::{SqlStorage, SqlValue};

pub use hub_ports::sql::MAX_SAFE_INTEGER;

pub fn run(storage: &impl SqlStorage, adapter: &str) -> Report {
    let mut report = Report::new("sql", adapter);
    let exec = |sql: &str, params: &[SqlValue]| storage.exec(sql, params).map_err(|e| e.to_string());
    let created = exec(
        "CREATE TABLE IF NOT EXISTS conformance (id INTEGER PRIMARY KEY, name TEXT, data BLOB, score REAL)",
        &[],
    )
    .map(|_| ());
    report.check("a table is created", created);

    let inserted = exec(
        "INSERT INTO conformance (id, name, data, score) VALUES (?, ?, ?, ?) RETURNING id",
        &[
            SqlValue::Integer(MAX_SAFE_INTEGER),
            SqlValue::Text("ünïcode ✓".into()),
            SqlValue::Blob(vec![0, 1, 255]),
            SqlValue::Real(1.5),
        ],
    );
    report.check(
        "RETURNING yields the written row",
        inserted.and_then(|rows| expect_eq(rows, vec![vec![SqlValue::Integer(MAX_SAFE_INTEGER)]])),
    );

    let read = exec(
        "SELECT id, name, data, score, NULL FROM conformance WHERE id = ?",
        &[SqlValue::Integer(MAX_SAFE_INTEGER)],
    );
    report.check(
        "every value type reads back as written",
        read.and_then(|rows| {
            expect_eq(
                rows,
                vec![vec![
                    SqlValue::Integer(MAX_SAFE_INTEGER),
                    SqlValue::Text("ünïcode ✓".into()),
                    SqlValue::Blob(vec![0, 1, 255]),
                    SqlValue::Real(1.5),
                    SqlValue::Null,
                ]],
            )
        }),
    );

    for value in [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, i64::MAX] {
        let refused = match storage
            .exec("INSERT INTO conformance (id, name) VALUES (?, 'big')", &[SqlValue::Integer(value)])
        {
            Ok(_) => Err(format!("{value} was accepted; it cannot be carried exactly")),
            Err(_) => Ok(()),
        };
        report.check(&format!("the integer {value} is refused, not rounded"), refused);
    }
    report.check(
        "a refused write wrote nothing",
        exec("SELECT count(*) FROM conformance WHERE name = 'big'", &[])
            .and_then(|rows| expect_eq(rows, vec![vec![SqlValue::Integer(0)]])),
    );

    let negative =
        exec("INSERT INTO conformance (id, name) VALUES (?, NULL)", &[SqlValue::Integer(-MAX_SAFE_INTEGER)])
            .and_then(|_| exec("SELECT id, name FROM conformance WHERE id < 0", &[]))
            .and_then(|rows| {
                expect_eq(rows, vec![vec![SqlValue::Integer(-MAX_SAFE_INTEGER), SqlValue::Null]])
            });
    report.check("negative integers and NULL round-trip", negative);

    let null_param = exec("SELECT count(*) FROM conformance WHERE name IS ?", &[SqlValue::Null])
        .and_then(|rows| expect_eq(rows, vec![vec![SqlValue::Integer(1)]]));
    report.check("a NULL parameter binds as NULL", null_param);

    let ordered = exec("SELECT id FROM conformance ORDER BY id DESC", &[]).and_then(|rows| {
        expect_eq(
            rows,
            vec![vec![SqlValue::Integer(MAX_SAFE_INTEGER)], vec![SqlValue::Integer(-MAX_SAFE_INTEGER)]],
        )
    });
    report.check("rows come back in ORDER BY order", ordered);

    let empty =
        exec("SELECT id FROM conformance WHERE id = 0", &[]).and_then(|rows| expect_eq(rows.len(), 0));
    report.check("no match is an empty result, not an error", empty);

    let bad = match storage.exec("SELECT * FROM no_such_table", &[]) {
        Ok(rows) => Err(format!("bad SQL answered {rows:?}")),
        Err(_) => Ok(()),
    };
    report.check("bad SQL is an error", bad);

    let missing = match storage.exec("SELECT ? + ?", &[SqlValue::Integer(1)]) {
        Ok(rows) => Err(format!("a missing parameter answered {rows:?}")),
        Err(_) => Ok(()),
    };
    report.check("too few parameters is an error", missing);

    report.check("the table is dropped", exec("DROP TABLE conformance", &[]).map(|_| ()));
    report
}
