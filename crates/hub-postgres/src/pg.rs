//! The Postgres port over `tokio_postgres::Client`. The same adapter serves workers (a Hyperdrive
//! socket) and native tests (TCP).

use hub_ports::{PgError, PgRow, PgValue, Postgres};
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// SQL NULL for a parameter of any type (`Option<String>::None` would only fit text columns).
#[derive(Debug)]
struct AnyNull;

impl ToSql for AnyNull {
    fn to_sql(
        &self,
        _ty: &Type,
        _out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(IsNull::Yes)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Wraps a connected client. The caller drives the connection future.
pub struct PgClient(pub tokio_postgres::Client);

fn to_params(params: &[PgValue]) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                PgValue::Null => Box::new(AnyNull),
                PgValue::Bool(v) => Box::new(*v),
                PgValue::Int(v) => Box::new(*v),
                PgValue::Text(v) => Box::new(v.clone()),
                PgValue::Uuid(v) => Box::new(*v),
                PgValue::Json(v) => Box::new(v.clone()),
                PgValue::Bytes(v) => Box::new(v.clone()),
                PgValue::TextArray(v) => Box::new(v.clone()),
            }
        })
        .collect()
}

fn map_error(e: &tokio_postgres::Error) -> PgError {
    match e.code() {
        Some(code) if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => {
            PgError::UniqueViolation(e.to_string())
        }
        _ if e.is_closed() => PgError::Connect(e.to_string()),
        _ => PgError::Query(e.as_db_error().map_or_else(|| e.to_string(), ToString::to_string)),
    }
}

fn read_value(row: &tokio_postgres::Row, index: usize) -> Result<PgValue, PgError> {
    let ty = row.columns()[index].type_().clone();
    let shape = |e: tokio_postgres::Error| PgError::RowShape(format!("column {index} ({ty}): {e}"));
    let value = if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(index).map_err(shape)?.map(PgValue::Bool)
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(index).map_err(shape)?.map(|v| PgValue::Int(v.into()))
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(index).map_err(shape)?.map(|v| PgValue::Int(v.into()))
    } else if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(index).map_err(shape)?.map(PgValue::Int)
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::NAME || ty == Type::BPCHAR {
        row.try_get::<_, Option<String>>(index).map_err(shape)?.map(PgValue::Text)
    } else if ty == Type::UUID {
        row.try_get::<_, Option<uuid::Uuid>>(index).map_err(shape)?.map(PgValue::Uuid)
    } else if ty == Type::JSON || ty == Type::JSONB {
        row.try_get::<_, Option<serde_json::Value>>(index).map_err(shape)?.map(PgValue::Json)
    } else if ty == Type::TEXT_ARRAY || ty == Type::VARCHAR_ARRAY {
        row.try_get::<_, Option<Vec<String>>>(index).map_err(shape)?.map(PgValue::TextArray)
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(index).map_err(shape)?.map(PgValue::Bytes)
    } else {
        return Err(PgError::RowShape(format!("column {index} has unsupported type {ty}; cast it in SQL")));
    };
    Ok(value.unwrap_or(PgValue::Null))
}

impl Postgres for PgClient {
    async fn query(&self, sql: &str, params: &[PgValue]) -> Result<Vec<PgRow>, PgError> {
        let boxed = to_params(params);
        let refs: Vec<&(dyn ToSql + Sync)> =
            boxed.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
        let rows = self.0.query(sql, &refs).await.map_err(|e| map_error(&e))?;
        rows.iter()
            .map(|row| (0..row.len()).map(|i| read_value(row, i)).collect::<Result<Vec<_>, _>>().map(PgRow))
            .collect()
    }

    async fn execute(&self, sql: &str, params: &[PgValue]) -> Result<u64, PgError> {
        let boxed = to_params(params);
        let refs: Vec<&(dyn ToSql + Sync)> =
            boxed.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)).collect();
        self.0.execute(sql, &refs).await.map_err(|e| map_error(&e))
    }
}
