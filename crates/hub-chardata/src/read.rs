//! Reading synced data for the API: pages with filters. ISK travels as decimal strings and item
//! ids as strings (both can exceed 2^53).

use hub_domain::CharacterId;
use hub_ports::{PgError, PgRow, PgValue, Postgres};
use serde::Serialize;

fn text(row: &PgRow, i: usize) -> Result<String, PgError> {
    row.get(i)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| PgError::RowShape(format!("column {i} is not text")))
}

fn opt_text(row: &PgRow, i: usize) -> Result<Option<String>, PgError> {
    Ok(row.get(i)?.as_str().map(str::to_owned))
}

fn int(row: &PgRow, i: usize) -> Result<i64, PgError> {
    row.get(i)?.as_i64().ok_or_else(|| PgError::RowShape(format!("column {i} is not an integer")))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DatasetStatus {
    pub dataset: String,
    /// ok, unchanged, error, token_invalid, missing_scope.
    pub status: String,
    pub message: Option<String>,
    pub last_sync_at_ms: Option<i64>,
    pub next_sync_at_ms: Option<i64>,
}

pub async fn sync_status(pg: &impl Postgres, character: CharacterId) -> Result<Vec<DatasetStatus>, PgError> {
    let rows = pg
        .query(
            "SELECT dataset, status, message, (extract(epoch from last_sync_at) * 1000)::bigint,
                (extract(epoch from next_sync_at) * 1000)::bigint
             FROM character_sync_status WHERE character_id = $1 ORDER BY dataset",
            &[PgValue::Int(character.0)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DatasetStatus {
                dataset: text(r, 0)?,
                status: text(r, 1)?,
                message: opt_text(r, 2)?,
                last_sync_at_ms: r.get(3)?.as_i64(),
                next_sync_at_ms: r.get(4)?.as_i64(),
            })
        })
        .collect()
}

/// The wallet balance as a decimal string, if synced.
pub async fn wallet_balance(pg: &impl Postgres, character: CharacterId) -> Result<Option<String>, PgError> {
    let rows = pg
        .query(
            "SELECT balance::text FROM character_wallets WHERE character_id = $1",
            &[PgValue::Int(character.0)],
        )
        .await?;
    rows.first().map(|r| text(r, 0)).transpose()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JournalEntry {
    pub id: String,
    pub date_ms: i64,
    pub ref_type: String,
    pub amount: Option<String>,
    pub balance: Option<String>,
    pub description: String,
}

/// Newest first; `before_id` pages back; `ref_type` filters.
pub async fn journal(
    pg: &impl Postgres,
    character: CharacterId,
    ref_type: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<JournalEntry>, PgError> {
    let rows = pg
        .query(
            "SELECT id::text, (extract(epoch from date) * 1000)::bigint, ref_type, amount::text, balance::text, description
             FROM character_wallet_journal
             WHERE character_id = $1 AND ($2::text IS NULL OR ref_type = $2) AND ($3::bigint IS NULL OR id < $3)
             ORDER BY id DESC LIMIT $4",
            &[
                PgValue::Int(character.0),
                ref_type.map_or(PgValue::Null, |t| PgValue::Text(t.into())),
                before_id.map_or(PgValue::Null, PgValue::Int),
                PgValue::Int(limit),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(JournalEntry {
                id: text(r, 0)?,
                date_ms: int(r, 1)?,
                ref_type: text(r, 2)?,
                amount: opt_text(r, 3)?,
                balance: opt_text(r, 4)?,
                description: text(r, 5)?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Asset {
    pub item_id: String,
    pub type_id: i64,
    pub location_id: i64,
    pub location_type: String,
    pub location_flag: String,
    pub quantity: i64,
    pub is_singleton: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssetsPage {
    pub assets: Vec<Asset>,
    pub total: i64,
}

/// Assets by location then type; filters by location and type.
pub async fn assets(
    pg: &impl Postgres,
    character: CharacterId,
    location_id: Option<i64>,
    type_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<AssetsPage, PgError> {
    let rows = pg
        .query(
            "SELECT item_id::text, type_id::bigint, location_id, location_type, location_flag, quantity::bigint,
                is_singleton, count(*) OVER ()
             FROM character_assets
             WHERE character_id = $1 AND ($2::bigint IS NULL OR location_id = $2) AND ($3::bigint IS NULL OR type_id = $3)
             ORDER BY location_id, type_id, item_id LIMIT $4 OFFSET $5",
            &[
                PgValue::Int(character.0),
                location_id.map_or(PgValue::Null, PgValue::Int),
                type_id.map_or(PgValue::Null, PgValue::Int),
                PgValue::Int(limit),
                PgValue::Int(offset),
            ],
        )
        .await?;
    let mut total = 0;
    let assets = rows
        .iter()
        .map(|r| {
            total = int(r, 7)?;
            Ok(Asset {
                item_id: text(r, 0)?,
                type_id: int(r, 1)?,
                location_id: int(r, 2)?,
                location_type: text(r, 3)?,
                location_flag: text(r, 4)?,
                quantity: int(r, 5)?,
                is_singleton: matches!(r.get(6)?, PgValue::Bool(true)),
            })
        })
        .collect::<Result<Vec<_>, PgError>>()?;
    Ok(AssetsPage { assets, total })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Order {
    pub order_id: String,
    pub type_id: i64,
    pub location_id: i64,
    pub region_id: i64,
    pub price: String,
    pub volume_total: i64,
    pub volume_remain: i64,
    pub is_buy_order: bool,
    pub issued_ms: i64,
    pub duration: i64,
}

/// Open market orders; `buy` filters by side.
pub async fn orders(
    pg: &impl Postgres,
    character: CharacterId,
    buy: Option<bool>,
) -> Result<Vec<Order>, PgError> {
    let rows = pg
        .query(
            "SELECT order_id::text, type_id::bigint, location_id, region_id::bigint, price::text, volume_total::bigint,
                volume_remain::bigint, is_buy_order, (extract(epoch from issued) * 1000)::bigint, duration::bigint
             FROM character_orders WHERE character_id = $1 AND ($2::bool IS NULL OR is_buy_order = $2)
             ORDER BY issued DESC, order_id",
            &[PgValue::Int(character.0), buy.map_or(PgValue::Null, PgValue::Bool)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Order {
                order_id: text(r, 0)?,
                type_id: int(r, 1)?,
                location_id: int(r, 2)?,
                region_id: int(r, 3)?,
                price: text(r, 4)?,
                volume_total: int(r, 5)?,
                volume_remain: int(r, 6)?,
                is_buy_order: matches!(r.get(7)?, PgValue::Bool(true)),
                issued_ms: int(r, 8)?,
                duration: int(r, 9)?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Transaction {
    pub transaction_id: String,
    pub date_ms: i64,
    pub type_id: i64,
    pub location_id: i64,
    pub quantity: i64,
    pub unit_price: String,
    pub is_buy: bool,
    pub client_id: i64,
}

/// Newest first; `before_id` pages back; `buy` filters by side.
pub async fn transactions(
    pg: &impl Postgres,
    character: CharacterId,
    buy: Option<bool>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Transaction>, PgError> {
    let rows = pg
        .query(
            "SELECT transaction_id::text, (extract(epoch from date) * 1000)::bigint, type_id::bigint, location_id,
                quantity::bigint, unit_price::text, is_buy, client_id
             FROM character_wallet_transactions
             WHERE character_id = $1 AND ($2::bool IS NULL OR is_buy = $2) AND ($3::bigint IS NULL OR transaction_id < $3)
             ORDER BY transaction_id DESC LIMIT $4",
            &[
                PgValue::Int(character.0),
                buy.map_or(PgValue::Null, PgValue::Bool),
                before_id.map_or(PgValue::Null, PgValue::Int),
                PgValue::Int(limit),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Transaction {
                transaction_id: text(r, 0)?,
                date_ms: int(r, 1)?,
                type_id: int(r, 2)?,
                location_id: int(r, 3)?,
                quantity: int(r, 4)?,
                unit_price: text(r, 5)?,
                is_buy: matches!(r.get(6)?, PgValue::Bool(true)),
                client_id: int(r, 7)?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Skills {
    pub total_sp: Option<i64>,
    pub unallocated_sp: Option<i64>,
    pub skills: Vec<serde_json::Value>,
    pub queue: Vec<serde_json::Value>,
}

/// Trained skills, totals and the training queue.
pub async fn skills(pg: &impl Postgres, character: CharacterId) -> Result<Skills, PgError> {
    let id = [PgValue::Int(character.0)];
    let totals = pg
        .query("SELECT total_sp, unallocated_sp FROM character_skill_totals WHERE character_id = $1", &id)
        .await?;
    let id = &id;
    let json_rows = |sql: &'static str| async move {
        let rows = pg.query(sql, id).await?;
        Ok::<_, PgError>(
            rows.iter()
                .filter_map(|r| match r.get(0) {
                    Ok(PgValue::Json(v)) => Some(v.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )
    };
    Ok(Skills {
        total_sp: totals.first().and_then(|r| r.get(0).ok()?.as_i64()),
        unallocated_sp: totals.first().and_then(|r| r.get(1).ok()?.as_i64()),
        skills: json_rows(
            "SELECT jsonb_build_object('skill_id', skill_id, 'trained_skill_level', trained_skill_level,
                'active_skill_level', active_skill_level, 'skillpoints_in_skill', skillpoints_in_skill)
             FROM character_skills WHERE character_id = $1 ORDER BY skill_id",
        )
        .await?,
        queue: json_rows(
            "SELECT jsonb_build_object('queue_position', queue_position, 'skill_id', skill_id, 'finished_level',
                finished_level, 'finish_date', finish_date)
             FROM character_skill_queue WHERE character_id = $1 ORDER BY queue_position",
        )
        .await?,
    })
}
