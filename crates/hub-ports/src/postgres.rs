//! Postgres as a port. The one adapter, over `tokio_postgres::Client`, lives in `hub-postgres::pg` behind
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

    /// A non-null integer column.
    pub fn int(&self, index: usize) -> Result<i64, PgError> {
        self.get(index)?
            .as_i64()
            .ok_or_else(|| PgError::RowShape(format!("column {index} is not an integer")))
    }

    /// An integer column that may be null.
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>, PgError> {
        Ok(self.get(index)?.as_i64())
    }

    /// A non-null text column.
    pub fn text(&self, index: usize) -> Result<String, PgError> {
        self.get(index)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| PgError::RowShape(format!("column {index} is not text")))
    }

    /// A text column that may be null.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>, PgError> {
        Ok(self.get(index)?.as_str().map(str::to_owned))
    }

    /// A non-null uuid column.
    pub fn uuid(&self, index: usize) -> Result<uuid::Uuid, PgError> {
        match self.get(index)? {
            PgValue::Uuid(u) => Ok(*u),
            other => Err(PgError::RowShape(format!("column {index} is not a uuid: {other:?}"))),
        }
    }

    /// A uuid column that may be null.
    pub fn opt_uuid(&self, index: usize) -> Result<Option<uuid::Uuid>, PgError> {
        match self.get(index)? {
            PgValue::Null => Ok(None),
            _ => self.uuid(index).map(Some),
        }
    }

    /// A non-null boolean column.
    pub fn boolean(&self, index: usize) -> Result<bool, PgError> {
        match self.get(index)? {
            PgValue::Bool(b) => Ok(*b),
            other => Err(PgError::RowShape(format!("column {index} is not a boolean: {other:?}"))),
        }
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

impl<P: Postgres + ?Sized> Postgres for &P {
    async fn query(&self, sql: &str, params: &[PgValue]) -> Result<Vec<PgRow>, PgError> {
        (**self).query(sql, params).await
    }

    async fn execute(&self, sql: &str, params: &[PgValue]) -> Result<u64, PgError> {
        (**self).execute(sql, params).await
    }
}
