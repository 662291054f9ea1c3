//! Durable Object SQLite storage as a port. The runtime's `ctx.storage.sql.exec` is synchronous,
//! and so is this trait. Adapters: `hub-worker` (workerd) and `hub-native` (rusqlite); both run
//! [`conformance::run`].

#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl SqlValue {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            SqlValue::Integer(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            SqlValue::Text(v) => Some(v),
            _ => None,
        }
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Integer(v)
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SqlError {
    #[error("sql statement failed: {0}")]
    Statement(String),
    #[error("unexpected row shape: {0}")]
    RowShape(String),
}

pub trait SqlStorage {
    /// Runs one statement with positional `?` parameters and returns every row it yields.
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError>;
}

impl<S: SqlStorage + ?Sized> SqlStorage for &S {
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        (**self).exec(sql, params)
    }
}

/// The behaviour every `SqlStorage` adapter must show. Adapters call `run` from their own tests.
pub mod conformance {
    use super::{SqlStorage, SqlValue};

    /// Panics with a description of the first behaviour the adapter gets wrong.
    pub fn run(storage: &impl SqlStorage) {
        storage
            .exec(
                "CREATE TABLE IF NOT EXISTS conformance (id INTEGER PRIMARY KEY, name TEXT, data BLOB, score REAL)",
                &[],
            )
            .expect("create table");
        let inserted = storage
            .exec(
                "INSERT INTO conformance (id, name, data, score) VALUES (?, ?, ?, ?) RETURNING id",
                &[
                    SqlValue::Integer(9_007_199_254_740_991),
                    SqlValue::Text("ünïcode".into()),
                    SqlValue::Blob(vec![0, 1, 255]),
                    SqlValue::Real(1.5),
                ],
            )
            .expect("insert");
        assert_eq!(inserted, vec![vec![SqlValue::Integer(9_007_199_254_740_991)]]);
        let rows = storage
            .exec(
                "SELECT id, name, data, score, NULL FROM conformance WHERE id = ?",
                &[SqlValue::Integer(9_007_199_254_740_991)],
            )
            .expect("select");
        assert_eq!(
            rows,
            vec![vec![
                SqlValue::Integer(9_007_199_254_740_991),
                SqlValue::Text("ünïcode".into()),
                SqlValue::Blob(vec![0, 1, 255]),
                SqlValue::Real(1.5),
                SqlValue::Null,
            ]]
        );
        assert!(storage.exec("SELECT * FROM no_such_table", &[]).is_err(), "bad SQL must be an error");
        assert!(storage.exec("SELECT id FROM conformance WHERE id = -1", &[]).expect("empty").is_empty());
        storage.exec("DROP TABLE conformance", &[]).expect("drop");
    }
}
