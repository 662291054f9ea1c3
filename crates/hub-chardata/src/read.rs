//! Reading synced data for the API: pages with filters. ISK travels as decimal strings and item
//! ids as strings (both can exceed 2^53).

use crate::schedule::SyncStatus;
use hub_domain::wallet::BalancePoint;
use hub_domain::CharacterId;
use hub_ports::{PgError, PgValue, Postgres};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DatasetStatus {
    pub dataset: String,
    pub status: SyncStatus,
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
                dataset: r.text(0)?,
                status: SyncStatus::parse(&r.text(1)?)
                    .ok_or_else(|| PgError::RowShape("an unknown sync status".into()))?,
                message: r.opt_text(2)?,
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
    rows.first().map(|r| r.text(0)).transpose()
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
                id: r.text(0)?,
                date_ms: r.int(1)?,
                ref_type: r.text(2)?,
                amount: r.opt_text(3)?,
                balance: r.opt_text(4)?,
                description: r.text(5)?,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WalletHistory {
    /// Oldest first, one point per day that has journal entries, the last `days` of them.
    pub points: Vec<BalancePoint>,
}

/// The wallet balance over time, drawn from the stored journal.
pub async fn wallet_history(
    pg: &impl Postgres,
    character: CharacterId,
    days: i64,
) -> Result<WalletHistory, PgError> {
    let rows = pg
        .query(
            "SELECT day_ms, balance FROM (
                SELECT DISTINCT ON (date_trunc('day', date AT TIME ZONE 'UTC'))
                    (extract(epoch from date_trunc('day', date AT TIME ZONE 'UTC')) * 1000)::bigint AS day_ms,
                    balance::text AS balance
                FROM character_wallet_journal
                WHERE character_id = $1 AND balance IS NOT NULL
                ORDER BY date_trunc('day', date AT TIME ZONE 'UTC') DESC, date DESC, id DESC
                LIMIT $2
             ) last_per_day ORDER BY day_ms",
            &[PgValue::Int(character.0), PgValue::Int(days)],
        )
        .await?;
    let points = rows
        .iter()
        .map(|r| Ok(BalancePoint { day_ms: r.int(0)?, balance: r.text(1)? }))
        .collect::<Result<Vec<_>, PgError>>()?;
    Ok(WalletHistory { points })
}

/// Which assets a page lists: at one location, of some types (`None`: any).
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    pub location_id: Option<i64>,
    pub type_ids: Option<Vec<i64>>,
}

/// Assets by location then type; filters by location and types.
pub async fn assets(
    pg: &impl Postgres,
    character: CharacterId,
    filter: &AssetFilter,
    limit: i64,
    offset: i64,
) -> Result<AssetsPage, PgError> {
    let type_ids = filter
        .type_ids
        .as_ref()
        .map_or(PgValue::Null, |ids| PgValue::TextArray(ids.iter().map(i64::to_string).collect()));
    let rows = pg
        .query(
            "SELECT item_id::text, type_id::bigint, location_id, location_type, location_flag, quantity::bigint,
                is_singleton, count(*) OVER ()
             FROM character_assets
             WHERE character_id = $1 AND ($2::bigint IS NULL OR location_id = $2)
               AND ($3::text[] IS NULL OR type_id = ANY ($3::text[]::bigint[]))
             ORDER BY location_id, type_id, item_id LIMIT $4 OFFSET $5",
            &[
                PgValue::Int(character.0),
                filter.location_id.map_or(PgValue::Null, PgValue::Int),
                type_ids,
                PgValue::Int(limit),
                PgValue::Int(offset),
            ],
        )
        .await?;
    let mut total = 0;
    let assets = rows
        .iter()
        .map(|r| {
            total = r.int(7)?;
            Ok(Asset {
                item_id: r.text(0)?,
                type_id: r.int(1)?,
                location_id: r.int(2)?,
                location_type: r.text(3)?,
                location_flag: r.text(4)?,
                quantity: r.int(5)?,
                is_singleton: matches!(r.get(6)?, PgValue::Bool(true)),
            })
        })
        .collect::<Result<Vec<_>, PgError>>()?;
    Ok(AssetsPage { assets, total })
}

/// One place where a character keeps assets, with how much is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssetLocation {
    pub location_id: i64,
    /// `station`, `solar_system`, `item` (a container or ship) or `other`, as ESI says.
    pub location_type: String,
    /// Stacks there.
    pub items: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssetLocations {
    pub locations: Vec<AssetLocation>,
}

/// Where the character's assets are, the fullest places first.
pub async fn asset_locations(pg: &impl Postgres, character: CharacterId) -> Result<AssetLocations, PgError> {
    let rows = pg
        .query(
            "SELECT location_id, min(location_type), count(*) FROM character_assets
             WHERE character_id = $1 GROUP BY location_id ORDER BY count(*) DESC, location_id",
            &[PgValue::Int(character.0)],
        )
        .await?;
    let locations = rows
        .iter()
        .map(|r| Ok(AssetLocation { location_id: r.int(0)?, location_type: r.text(1)?, items: r.int(2)? }))
        .collect::<Result<Vec<_>, PgError>>()?;
    Ok(AssetLocations { locations })
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
                order_id: r.text(0)?,
                type_id: r.int(1)?,
                location_id: r.int(2)?,
                region_id: r.int(3)?,
                price: r.text(4)?,
                volume_total: r.int(5)?,
                volume_remain: r.int(6)?,
                is_buy_order: matches!(r.get(7)?, PgValue::Bool(true)),
                issued_ms: r.int(8)?,
                duration: r.int(9)?,
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
                transaction_id: r.text(0)?,
                date_ms: r.int(1)?,
                type_id: r.int(2)?,
                location_id: r.int(3)?,
                quantity: r.int(4)?,
                unit_price: r.text(5)?,
                is_buy: matches!(r.get(6)?, PgValue::Bool(true)),
                client_id: r.int(7)?,
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
