//! A Durable Object's own storage: the SqlStorage port over `ctx.storage.sql`, and its alarm.

use hub_ports::{SqlError, SqlStorage, SqlValue};

/// The SqlStorage port over `ctx.storage.sql`.
pub struct DurableSql(pub worker::SqlStorage);

impl DurableSql {
    pub fn of(state: &worker::State) -> Self {
        Self(state.storage().sql())
    }
}

fn to_worker(value: &SqlValue) -> worker::SqlStorageValue {
    match value {
        SqlValue::Null => worker::SqlStorageValue::Null,
        SqlValue::Integer(v) => worker::SqlStorageValue::Integer(*v),
        SqlValue::Real(v) => worker::SqlStorageValue::Float(*v),
        SqlValue::Text(v) => worker::SqlStorageValue::String(v.clone()),
        SqlValue::Blob(v) => worker::SqlStorageValue::Blob(v.clone()),
    }
}

fn from_worker(value: worker::SqlStorageValue) -> SqlValue {
    match value {
        worker::SqlStorageValue::Null => SqlValue::Null,
        worker::SqlStorageValue::Boolean(v) => SqlValue::Integer(i64::from(v)),
        worker::SqlStorageValue::Integer(v) => SqlValue::Integer(v),
        worker::SqlStorageValue::Float(v) => SqlValue::Real(v),
        worker::SqlStorageValue::String(v) => SqlValue::Text(v),
        worker::SqlStorageValue::Blob(v) => SqlValue::Blob(v),
    }
}

impl SqlStorage for DurableSql {
    fn exec(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>, SqlError> {
        hub_ports::sql::check_safe_integers(params)?;
        let bindings: Vec<worker::SqlStorageValue> = params.iter().map(to_worker).collect();
        let cursor = self.0.exec(sql, bindings).map_err(|e| SqlError::Statement(e.to_string()))?;
        cursor
            .raw()
            .map(|row| {
                row.map(|cells| cells.into_iter().map(from_worker).collect())
                    .map_err(|e| SqlError::RowShape(e.to_string()))
            })
            .collect()
    }
}

/// Sets the object's alarm to an absolute time in epoch milliseconds (workers-rs reads a bare
/// integer as an offset from now).
pub async fn set_alarm_at(state: &worker::State, at_ms: i64) -> worker::Result<()> {
    #[allow(clippy::cast_precision_loss)] // epoch milliseconds fit an f64 exactly until year 287396
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    state.storage().set_alarm(worker::ScheduledTime::new(date)).await
}

/// Removes the object's alarm.
pub async fn delete_alarm(state: &worker::State) -> worker::Result<()> {
    state.storage().delete_alarm().await
}
