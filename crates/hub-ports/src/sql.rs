//! Durable Object SQLite storage as a port. The runtime's `ctx.storage.sql.exec` is synchronous,
//! and so is this trait. Adapters: `hub-workerd` (workerd) and `hub-native` (rusqlite); both pass
//! `hub_conformance::sql`.

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

/// The largest integer the port carries: Durable Object SQLite's values cross JavaScript as
/// numbers, exact only up to 2^53 - 1.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// Refuses integer parameters beyond ±[`MAX_SAFE_INTEGER`]: every adapter does, so none rounds.
pub fn check_safe_integers(params: &[SqlValue]) -> Result<(), SqlError> {
    match params
        .iter()
        .find(|p| matches!(p, SqlValue::Integer(v) if v.unsigned_abs() > MAX_SAFE_INTEGER.unsigned_abs()))
    {
        Some(SqlValue::Integer(v)) => {
            Err(SqlError::Statement(format!("the integer {v} is beyond ±2^53 and cannot be stored exactly")))
        }
        _ => Ok(()),
    }
}
