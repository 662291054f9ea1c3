//! Postgres as a port. The one adapter, over `tokio_postgres::Client`, lives in `hub-db::pg` behind
//! the `tokio-postgres` feature: in workers it runs over a Hyperdrive socket, natively over TCP.

#[derive(Debug, Clone, PartialEq)]
pub enum PgValue {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    Uuid(uuid::Uuid),
    Json(serde_json::Value),
    Bytes(Vec<u8>),
    TextArray(Vec<String>),
}

impl PgValue {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            PgValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            PgValue::Text(v) => Some(v),
            _ => None,
        }
    }
}

/// One result row, with values in select-list order.
#[derive(Debug, Clone, PartialEq)]
pub struct PgRow(pub Vec<PgValue>);

impl PgRow {
    pub fn get(&self, index: usize) -> Result<&PgValue, PgError> {
        self.0
            .get(index)
            .ok_or_else(|| PgError::RowShape(format!("no column {index} in a row of {}", self.0.len())))
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PgError {
    #[error("database unreachable: {0}")]
    Connect(String),
    #[error("query failed: {0}")]
    Query(String),
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    #[error("unexpected row shape: {0}")]
    RowShape(String),
}

pub trait Postgres {
    /// Runs one statement with `$n` parameters and returns its rows. Column types the adapter
    /// cannot map are a `RowShape` error, never a panic.
    async fn query(&self, sql: &str, params: &[PgValue]) -> Result<Vec<PgRow>, PgError>;

    /// Runs one statement and returns the number of rows it changed.
    async fn execute(&self, sql: &str, params: &[PgValue]) -> Result<u64, PgError>;
}
