//! The SqlStorage port over rusqlite: real SQLite, as in Durable Objects.

use hub_ports::{SqlError, SqlStorage, SqlValue};
use rusqlite::types::{Value, ValueRef};
use std::path::Path;

pub struct SqliteStorage(rusqlite::Connection);

impl SqliteStorage {
    pub fn in_memory() -> Self {
        Self(rusqlite::Connection::open_in_memory().expect("in-memory SQLite always opens"))
    }

    pub fn open(path: &Path) -> Result<Self, SqlError> {
        rusqlite::Connection::open(path).map(Self).map_err(|e| SqlError::Statement(e.to_string()))
    }
}

fn to_sqlite(value: &SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(v) => Value::Integer(*v),
        SqlValue::Real(v) => Value::Real(*v),
        SqlValue::Text(v) => Value::Text(v.clone()),
        SqlValue::Blob(v) => Value::Blob(v.clone()),
    }
}

fn from_sqlite(value: ValueRef<'_>) -> SqlValue {
    match value {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(v) => SqlValue::Integer(v),
        ValueRef::Real(v) => SqlValue::Real(v),
        ValueRef::Text(v) => SqlValue::Text(String::from_utf8_lossy(v).into_owned()),
        ValueRef::Blob(v) => SqlValue::Blob(v.to_vec()),
    }
}

impl SqlStorage for SqliteStorage {
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        hub_ports::sql::check_safe_integers(params)?;
        self.exec_unchecked(sql, params)
    }
}

impl SqliteStorage {
    /// [`SqlStorage::exec`] without the port's integer range check: for tests of the conformance
    /// suite itself.
    pub fn exec_unchecked(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        let err = |e: rusqlite::Error| SqlError::Statement(e.to_string());
        let mut stmt = self.0.prepare(sql).map_err(err)?;
        let columns = stmt.column_count();
        let values: Vec<Value> = params.iter().map(to_sqlite).collect();
        let mut rows = stmt.query(rusqlite::params_from_iter(values)).map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(from_sqlite(row.get_ref(i).map_err(err)?));
            }
            out.push(cells);
        }
        Ok(out)
    }
}
