//! Corporation data, fetched with the tokens of director characters.
//!
//! The director manager ([`Directors`]):
//! - uses the healthy directors of the best (lowest) priority, round-robin (least recently used);
//! - fails over to the next director only when a director's access is gone: 403 (role lost) or
//!   `invalid_grant` (token dead). 420, 5xx and timeouts are ESI's trouble, not the director's:
//!   the sync stops and retries later, nobody fails over, nobody is blamed;
//! - marks a director unhealthy after [`UNHEALTHY_AFTER`] consecutive failures; one success heals;
//! - skips directors of banned users, and removes from rotation ([`remove_lost_directors`]) those
//!   whose verified facts say they left the corporation or lost the role.
//!
//! Who may administer a corporation is [`rights`]; the corporations the hub serves and what users
//! see of them are [`corporations`].
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod api;
pub mod corporations;
pub mod object;
pub mod rights;
pub mod routes;

use hub_domain::{CharacterId, UserId};
use hub_esi::EsiError;
use hub_ports::{PgError, PgRow, PgValue, Postgres};
use serde::Serialize;

pub const UNHEALTHY_AFTER: i64 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Director {
    pub character_id: CharacterId,
    pub character_name: Option<String>,
    pub priority: i64,
    pub consecutive_failures: i64,
    pub healthy: bool,
    pub last_error: Option<String>,
    pub last_success_at_ms: Option<i64>,
    pub last_failure_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
    /// Its user is banned: it is not used while the ban lasts.
    pub suspended: bool,
}

/// Why a director could not fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectorFailure {
    /// Role lost (403) or token dead (`invalid_grant`): try the next director.
    AccessLost(String),
    /// ESI's trouble (420, 5xx, timeouts, rate limits): stop, retry later, no failover.
    Upstream(EsiError),
}

impl DirectorFailure {
    pub fn from_esi(e: EsiError) -> Self {
        match e {
            EsiError::Forbidden(m) => DirectorFailure::AccessLost(format!("forbidden: {m}")),
            other => DirectorFailure::Upstream(other),
        }
    }
}

/// The order in which to try directors: healthy ones of the best priority first, least recently
/// used first (round-robin), then the rest of the healthy ones by priority. Unhealthy directors
/// are tried last, so a healed role is noticed when nothing else works.
pub fn order(directors: &[Director]) -> Vec<CharacterId> {
    let mut sorted: Vec<&Director> = directors.iter().collect();
    sorted.sort_by_key(|d| (!d.healthy, d.priority, d.last_used_at_ms.unwrap_or(i64::MIN), d.character_id.0));
    sorted.into_iter().map(|d| d.character_id).collect()
}

fn row(r: &PgRow) -> Result<Director, PgError> {
    Ok(Director {
        character_id: CharacterId(r.int(0)?),
        character_name: r.opt_text(1)?,
        priority: r.int(2)?,
        consecutive_failures: r.int(3)?,
        healthy: r.boolean(4)?,
        last_error: r.opt_text(5)?,
        last_success_at_ms: r.opt_int(6)?,
        last_failure_at_ms: r.opt_int(7)?,
        last_used_at_ms: r.opt_int(8)?,
        suspended: r.boolean(9)?,
    })
}

pub async fn directors(pg: &impl Postgres, corporation: i64) -> Result<Vec<Director>, PgError> {
    let rows = pg
        .query(
            "SELECT d.character_id, c.name, d.priority::bigint, d.consecutive_failures::bigint, d.healthy, d.last_error,
                (extract(epoch from d.last_success_at) * 1000)::bigint, (extract(epoch from d.last_failure_at) * 1000)::bigint,
                (extract(epoch from d.last_used_at) * 1000)::bigint, coalesce(u.disabled_at IS NOT NULL, false)
             FROM corporation_directors d LEFT JOIN characters c ON c.id = d.character_id
             LEFT JOIN users u ON u.id = c.user_id
             WHERE d.corporation_id = $1 ORDER BY d.priority, d.character_id",
            &[PgValue::Int(corporation)],
        )
        .await?;
    rows.iter().map(row).collect()
}

pub async fn record_success(
    pg: &impl Postgres,
    corporation: i64,
    director: CharacterId,
) -> Result<(), PgError> {
    pg.execute(
        "UPDATE corporation_directors SET consecutive_failures = 0, healthy = true, last_error = NULL,
            last_success_at = now(), last_used_at = now()
         WHERE corporation_id = $1 AND character_id = $2",
        &[PgValue::Int(corporation), PgValue::Int(director.0)],
    )
    .await?;
    Ok(())
}

/// One more failure of a director's access; the third in a row makes it unhealthy.
pub async fn record_failure(
    pg: &impl Postgres,
    corporation: i64,
    director: CharacterId,
    error: &str,
) -> Result<(), PgError> {
    pg.execute(
        "UPDATE corporation_directors SET consecutive_failures = consecutive_failures + 1,
            healthy = consecutive_failures + 1 < $3::bigint, last_error = $4, last_failure_at = now(), last_used_at = now()
         WHERE corporation_id = $1 AND character_id = $2",
        &[PgValue::Int(corporation), PgValue::Int(director.0), PgValue::Int(UNHEALTHY_AFTER), PgValue::Text(error.into())],
    )
    .await?;
    Ok(())
}

/// Where a director's token comes from (the token store in workers).
pub trait DirectorTokens {
    /// `Err(AccessLost)` when the director's token is invalid (`invalid_grant`).
    async fn access_token(&self, director: CharacterId) -> Result<String, DirectorFailure>;
}

/// The outcome of one corporation dataset sync through the directors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpSync<T> {
    pub value: T,
    pub director: CharacterId,
    /// Directors tried before the one that worked (failovers).
    pub failed_over: Vec<CharacterId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorpSyncError {
    #[error("no director is registered for this corporation")]
    NoDirector,
    #[error("every director lost access: {0}")]
    AllDirectorsFailed(String),
    #[error("ESI: {0}")]
    Upstream(EsiError),
    #[error(transparent)]
    Database(#[from] PgError),
}

/// Runs `fetch` with the directors in [`order`], failing over only on lost access, and records
/// each director's health.
pub async fn with_directors<T, F, Fut>(
    pg: &impl Postgres,
    tokens: &impl DirectorTokens,
    corporation: i64,
    fetch: F,
) -> Result<CorpSync<T>, CorpSyncError>
where
    F: Fn(CharacterId, String) -> Fut,
    Fut: std::future::Future<Output = Result<T, EsiError>>,
{
    let all: Vec<Director> = directors(pg, corporation).await?.into_iter().filter(|d| !d.suspended).collect();
    if all.is_empty() {
        return Err(CorpSyncError::NoDirector);
    }
    let mut failed_over = Vec::new();
    let mut last_error = String::new();
    for director in order(&all) {
        let attempt = match tokens.access_token(director).await {
            Ok(token) => fetch(director, token).await.map_err(DirectorFailure::from_esi),
            Err(failure) => Err(failure),
        };
        match attempt {
            Ok(value) => {
                record_success(pg, corporation, director).await?;
                return Ok(CorpSync { value, director, failed_over });
            }
            Err(DirectorFailure::AccessLost(reason)) => {
                record_failure(pg, corporation, director, &reason).await?;
                failed_over.push(director);
                last_error = reason;
            }
            Err(DirectorFailure::Upstream(e)) => return Err(CorpSyncError::Upstream(e)),
        }
    }
    Err(CorpSyncError::AllDirectorsFailed(last_error))
}

/// Why a director left the rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostBecause {
    /// The character is in another corporation now.
    LeftCorporation,
    /// Its roles, freshly read from ESI, no longer include Director (and it is not the CEO).
    LostRole,
}

impl LostBecause {
    pub fn describe(self) -> &'static str {
        match self {
            LostBecause::LeftCorporation => "the character left the corporation",
            LostBecause::LostRole => "the character no longer holds the Director role",
        }
    }
}

/// A director taken out of rotation, with whom to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedDirector {
    pub character_id: CharacterId,
    pub character_name: String,
    pub owner: UserId,
    pub because: LostBecause,
}

/// Removes the directors whose verified facts say they lost their access: the character is in
/// another corporation, or its fresh roles hold no Director (and it is not the CEO). Directors
/// whose facts are stale stay: failover handles a 403, and they are not blamed for ESI's silence.
pub async fn remove_lost_directors(
    pg: &impl Postgres,
    corporation: i64,
) -> Result<Vec<RemovedDirector>, PgError> {
    let rows = pg
        .query(
            &format!(
                "SELECT d.character_id, c.name, c.user_id,
                    c.corporation_id IS NOT NULL AND c.corporation_id <> $1,
                    coalesce(r.corporation_id = $1 AND r.synced_at > now() - interval '{fresh}', false),
                    coalesce('{director}' = ANY (r.roles), false),
                    coalesce(e.ceo_id = c.id AND e.synced_at > now() - interval '{fresh}', false)
                 FROM corporation_directors d JOIN characters c ON c.id = d.character_id
                 LEFT JOIN character_roles r ON r.character_id = c.id
                 LEFT JOIN eve_corporations e ON e.corporation_id = $1
                 WHERE d.corporation_id = $1",
                fresh = rights::FRESH_FOR,
                director = rights::DIRECTOR_ROLE
            ),
            &[PgValue::Int(corporation)],
        )
        .await?;
    let mut removed = Vec::new();
    for row in &rows {
        let (left, fresh_roles, director, ceo) =
            (row.boolean(3)?, row.boolean(4)?, row.boolean(5)?, row.boolean(6)?);
        let because = if left {
            LostBecause::LeftCorporation
        } else if fresh_roles && !director && !ceo {
            LostBecause::LostRole
        } else {
            continue;
        };
        let character_id = CharacterId(row.int(0)?);
        pg.execute(
            "DELETE FROM corporation_directors WHERE corporation_id = $1 AND character_id = $2",
            &[PgValue::Int(corporation), PgValue::Int(character_id.0)],
        )
        .await?;
        removed.push(RemovedDirector {
            character_id,
            character_name: row.text(1)?,
            owner: UserId(row.uuid(2)?),
            because,
        });
    }
    Ok(removed)
}

/// Registers (or re-prioritises) a director; the caller verified its role and scopes.
pub async fn register_director(
    pg: &impl Postgres,
    corporation: i64,
    character: CharacterId,
    priority: i64,
    by: UserId,
) -> Result<(), PgError> {
    pg.execute(
        "INSERT INTO corporation_directors (corporation_id, character_id, priority, added_by) VALUES ($1, $2, $3::bigint, $4)
         ON CONFLICT (corporation_id, character_id) DO UPDATE SET priority = excluded.priority",
        &[PgValue::Int(corporation), PgValue::Int(character.0), PgValue::Int(priority), PgValue::Uuid(by.0)],
    )
    .await?;
    Ok(())
}

/// Removes a director; `Ok(false)` when there was none.
pub async fn unregister_director(
    pg: &impl Postgres,
    corporation: i64,
    character: CharacterId,
) -> Result<bool, PgError> {
    let removed = pg
        .execute(
            "DELETE FROM corporation_directors WHERE corporation_id = $1 AND character_id = $2",
            &[PgValue::Int(corporation), PgValue::Int(character.0)],
        )
        .await?;
    Ok(removed == 1)
}

/// Each dataset's last sync of a corporation.
pub async fn sync_statuses(
    pg: &impl Postgres,
    corporation: i64,
) -> Result<Vec<CorporationDatasetStatus>, PgError> {
    let rows = pg
        .query(
            "SELECT dataset, status, message, director_id, (extract(epoch from last_sync_at) * 1000)::bigint,
                (extract(epoch from next_sync_at) * 1000)::bigint FROM corporation_sync_status
             WHERE corporation_id = $1 ORDER BY dataset",
            &[PgValue::Int(corporation)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CorporationDatasetStatus {
                dataset: r.text(0)?,
                status: CorpSyncStatus::parse(&r.text(1)?)
                    .ok_or_else(|| PgError::RowShape("an unknown corporation sync status".into()))?,
                message: r.opt_text(2)?,
                director_id: r.opt_int(3)?,
                last_sync_at_ms: r.opt_int(4)?,
                next_sync_at_ms: r.opt_int(5)?,
            })
        })
        .collect()
}

/// How a corporation dataset last synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CorporationDatasetStatus {
    pub dataset: String,
    pub status: CorpSyncStatus,
    pub message: Option<String>,
    pub director_id: Option<i64>,
    pub last_sync_at_ms: Option<i64>,
    pub next_sync_at_ms: Option<i64>,
}

/// Stores the member list (replacing the previous one, in one statement pair).
pub async fn store_members(pg: &impl Postgres, corporation: i64, members: &[i64]) -> Result<(), PgError> {
    pg.execute("DELETE FROM corporation_members WHERE corporation_id = $1", &[PgValue::Int(corporation)])
        .await?;
    pg.execute(
        "INSERT INTO corporation_members (corporation_id, character_id)
         SELECT $1, value::bigint FROM jsonb_array_elements_text($2::jsonb)",
        &[PgValue::Int(corporation), PgValue::Json(serde_json::json!(members))],
    )
    .await?;
    Ok(())
}

/// How a corporation dataset's last sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CorpSyncStatus {
    /// New data was stored.
    Ok,
    /// ESI had nothing new.
    Unchanged,
    /// ESI's trouble (error limit, 5xx, timeouts): retried later, no director blamed.
    Paused,
    /// No director could read it.
    NoDirector,
    /// Something of ours failed; retried soon.
    Error,
}

impl CorpSyncStatus {
    pub const ALL: [CorpSyncStatus; 5] = [
        CorpSyncStatus::Ok,
        CorpSyncStatus::Unchanged,
        CorpSyncStatus::Paused,
        CorpSyncStatus::NoDirector,
        CorpSyncStatus::Error,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            CorpSyncStatus::Ok => "ok",
            CorpSyncStatus::Unchanged => "unchanged",
            CorpSyncStatus::Paused => "paused",
            CorpSyncStatus::NoDirector => "no_director",
            CorpSyncStatus::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

pub async fn record_status(
    pg: &impl Postgres,
    corporation: i64,
    dataset: &str,
    status: CorpSyncStatus,
    message: Option<&str>,
    director: Option<CharacterId>,
    next_at_ms: Option<i64>,
) -> Result<(), PgError> {
    pg.execute(
        "INSERT INTO corporation_sync_status (corporation_id, dataset, status, message, director_id, last_sync_at, next_sync_at)
         VALUES ($1, $2, $3, $4, $5, now(), to_timestamp($6::bigint / 1000.0))
         ON CONFLICT (corporation_id, dataset) DO UPDATE SET status = excluded.status, message = excluded.message,
            director_id = excluded.director_id, last_sync_at = excluded.last_sync_at, next_sync_at = excluded.next_sync_at",
        &[
            PgValue::Int(corporation),
            PgValue::Text(dataset.into()),
            PgValue::Text(status.as_str().into()),
            message.map_or(PgValue::Null, |m| PgValue::Text(m.into())),
            director.map_or(PgValue::Null, |d| PgValue::Int(d.0)),
            next_at_ms.map_or(PgValue::Null, PgValue::Int),
        ],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn director(id: i64, priority: i64, healthy: bool, used: Option<i64>) -> Director {
        Director {
            character_id: CharacterId(id),
            character_name: None,
            priority,
            consecutive_failures: 0,
            healthy,
            last_error: None,
            last_success_at_ms: None,
            last_failure_at_ms: None,
            last_used_at_ms: used,
            suspended: false,
        }
    }

    #[test]
    fn best_priority_round_robin_then_the_rest_then_the_unhealthy() {
        let all = [
            director(1, 1, true, Some(50)),
            director(2, 1, true, Some(10)),
            director(3, 2, true, None),
            director(4, 1, false, None),
        ];
        let ids: Vec<i64> = order(&all).into_iter().map(|c| c.0).collect();
        assert_eq!(ids, vec![2, 1, 3, 4], "least recently used of priority 1 first; unhealthy last");
    }

    #[test]
    fn only_lost_access_fails_over() {
        assert!(matches!(
            DirectorFailure::from_esi(EsiError::Forbidden("role".into())),
            DirectorFailure::AccessLost(_)
        ));
        for upstream in [
            EsiError::ErrorLimited { reset_at_ms: 1 },
            EsiError::Server { status: 503 },
            EsiError::Transport("timeout".into()),
            EsiError::RateLimited { retry_at_ms: 1 },
        ] {
            assert!(matches!(DirectorFailure::from_esi(upstream), DirectorFailure::Upstream(_)));
        }
    }
}

/// The corporation datasets synced through directors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpDataset {
    Members,
    MemberTracking,
    Wallets,
    WalletJournal,
    Assets,
    Structures,
    Orders,
}

impl CorpDataset {
    pub const ALL: [CorpDataset; 7] = [
        CorpDataset::Members,
        CorpDataset::MemberTracking,
        CorpDataset::Wallets,
        CorpDataset::WalletJournal,
        CorpDataset::Assets,
        CorpDataset::Structures,
        CorpDataset::Orders,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CorpDataset::Members => "members",
            CorpDataset::MemberTracking => "member_tracking",
            CorpDataset::Wallets => "wallets",
            CorpDataset::WalletJournal => "wallet_journal",
            CorpDataset::Assets => "assets",
            CorpDataset::Structures => "structures",
            CorpDataset::Orders => "orders",
        }
    }

    /// The ESI paths to fetch, each with its wallet division (0 when none), and whether they are paged.
    pub fn paths(self, corporation: i64) -> (Vec<(i64, String)>, bool) {
        let one = |path: &str| vec![(0, format!("/corporations/{corporation}/{path}"))];
        match self {
            CorpDataset::Members => (one("members/"), false),
            CorpDataset::MemberTracking => (one("membertracking/"), false),
            CorpDataset::Wallets => (one("wallets/"), false),
            CorpDataset::WalletJournal => (
                (1..=7).map(|d| (d, format!("/corporations/{corporation}/wallets/{d}/journal/"))).collect(),
                true,
            ),
            CorpDataset::Assets => (one("assets/"), true),
            CorpDataset::Structures => (one("structures/"), true),
            CorpDataset::Orders => (one("orders/"), true),
        }
    }
}

/// Stores a changed dataset: `parts` holds, per wallet division (0 when none), the JSON array
/// bodies of its pages. Returns the rows written. Each dataset is replaced as a whole, except the
/// journal, whose entries never change and are added.
pub async fn store(
    pg: &impl Postgres,
    corporation: i64,
    dataset: CorpDataset,
    parts: Vec<(i64, Vec<Vec<u8>>)>,
) -> Result<usize, PgError> {
    let mut rows = 0;
    let corp = PgValue::Int(corporation);
    for (division, pages) in parts {
        let mut items = Vec::new();
        for page in pages {
            let values: Vec<serde_json::Value> = serde_json::from_slice(&page)
                .map_err(|e| PgError::RowShape(format!("unreadable ESI page: {e}")))?;
            items.extend(values);
        }
        rows += items.len();
        if dataset == CorpDataset::Members {
            let ids: Vec<i64> = items.iter().filter_map(serde_json::Value::as_i64).collect();
            store_members(pg, corporation, &ids).await?;
            continue;
        }
        let json = PgValue::Json(serde_json::Value::Array(items));
        let (table, insert): (&str, &str) = match dataset {
            CorpDataset::Members => continue,
            CorpDataset::MemberTracking => (
                "corporation_member_tracking",
                "INSERT INTO corporation_member_tracking (corporation_id, character_id, location_id, ship_type_id, start_date,
                    logon_date, logoff_date)
                 SELECT $1, x.character_id, x.location_id, x.ship_type_id, x.start_date, x.logon_date, x.logoff_date
                 FROM jsonb_to_recordset($2::jsonb) AS x(character_id bigint, location_id bigint, ship_type_id integer,
                    start_date timestamptz, logon_date timestamptz, logoff_date timestamptz)",
            ),
            CorpDataset::Wallets => (
                "corporation_wallets",
                "INSERT INTO corporation_wallets (corporation_id, division, balance)
                 SELECT $1, x.division, x.balance FROM jsonb_to_recordset($2::jsonb) AS x(division integer, balance numeric)",
            ),
            CorpDataset::WalletJournal => {
                pg.execute(
                    "INSERT INTO corporation_wallet_journal (corporation_id, division, id, date, ref_type, amount, balance, description)
                     SELECT $1, $3::bigint, x.id, x.date, x.ref_type, x.amount, x.balance, coalesce(x.description, '')
                     FROM jsonb_to_recordset($2::jsonb) AS x(id bigint, date timestamptz, ref_type text, amount numeric,
                        balance numeric, description text)
                     ON CONFLICT (corporation_id, division, id) DO NOTHING",
                    &[corp.clone(), json, PgValue::Int(division)],
                )
                .await?;
                continue;
            }
            CorpDataset::Assets => (
                "corporation_assets",
                "INSERT INTO corporation_assets (corporation_id, item_id, type_id, location_id, location_type, location_flag,
                    quantity, is_singleton)
                 SELECT $1, x.item_id, x.type_id, x.location_id, x.location_type, x.location_flag, x.quantity, x.is_singleton
                 FROM jsonb_to_recordset($2::jsonb) AS x(item_id bigint, type_id integer, location_id bigint,
                    location_type text, location_flag text, quantity integer, is_singleton boolean)",
            ),
            CorpDataset::Structures => (
                "corporation_structures",
                "INSERT INTO corporation_structures (corporation_id, structure_id, type_id, system_id, name, state, fuel_expires)
                 SELECT $1, x.structure_id, x.type_id, x.system_id, x.name, x.state, x.fuel_expires
                 FROM jsonb_to_recordset($2::jsonb) AS x(structure_id bigint, type_id integer, system_id integer,
                    name text, state text, fuel_expires timestamptz)",
            ),
            CorpDataset::Orders => (
                "corporation_orders",
                "INSERT INTO corporation_orders (corporation_id, order_id, type_id, location_id, region_id, price, volume_total,
                    volume_remain, is_buy_order, issued, duration, wallet_division)
                 SELECT $1, x.order_id, x.type_id, x.location_id, x.region_id, x.price, x.volume_total, x.volume_remain,
                    coalesce(x.is_buy_order, false), x.issued, x.duration, x.wallet_division
                 FROM jsonb_to_recordset($2::jsonb) AS x(order_id bigint, type_id integer, location_id bigint,
                    region_id integer, price numeric, volume_total integer, volume_remain integer, is_buy_order boolean,
                    issued timestamptz, duration integer, wallet_division integer)",
            ),
        };
        let corp = &corp;
        hub_postgres::in_transaction(pg, |pg| async move {
            pg.execute(&format!("DELETE FROM {table} WHERE corporation_id = $1"), std::slice::from_ref(corp))
                .await?;
            pg.execute(insert, &[corp.clone(), json]).await
        })
        .await?;
    }
    Ok(rows)
}

/// Each wallet division's balance over time, drawn from the stored journal: the last entry of each
/// of the division's last `days` days with entries.
pub async fn wallet_history(
    pg: &impl Postgres,
    corporation: i64,
    days: i64,
) -> Result<api::CorporationWalletHistory, PgError> {
    let rows = pg
        .query(
            "SELECT division::bigint, day_ms, balance FROM (
                SELECT division, day_ms, balance,
                       row_number() OVER (PARTITION BY division ORDER BY day_ms DESC) AS recent
                FROM (
                    SELECT DISTINCT ON (division, date_trunc('day', date AT TIME ZONE 'UTC'))
                        division,
                        (extract(epoch from date_trunc('day', date AT TIME ZONE 'UTC')) * 1000)::bigint AS day_ms,
                        balance::text AS balance
                    FROM corporation_wallet_journal
                    WHERE corporation_id = $1 AND balance IS NOT NULL
                    ORDER BY division, date_trunc('day', date AT TIME ZONE 'UTC') DESC, date DESC, id DESC
                ) last_per_day
             ) numbered WHERE recent <= $2 ORDER BY division, day_ms",
            &[PgValue::Int(corporation), PgValue::Int(days)],
        )
        .await?;
    let mut divisions: Vec<api::DivisionHistory> = Vec::new();
    for r in &rows {
        let division = r.int(0)?;
        let point = hub_domain::wallet::BalancePoint { day_ms: r.int(1)?, balance: r.text(2)? };
        match divisions.last_mut() {
            Some(last) if last.division == division => last.points.push(point),
            _ => divisions.push(api::DivisionHistory { division, points: vec![point] }),
        }
    }
    Ok(api::CorporationWalletHistory { divisions })
}

/// A corporation dataset's rows as JSON, for corporation admins (`limit`/`offset` pages).
pub async fn read(
    pg: &impl Postgres,
    corporation: i64,
    dataset: CorpDataset,
    limit: i64,
    offset: i64,
) -> Result<Vec<serde_json::Value>, PgError> {
    let (table, order) = match dataset {
        CorpDataset::Members => ("corporation_members", "character_id"),
        CorpDataset::MemberTracking => {
            ("corporation_member_tracking", "logon_date DESC NULLS LAST, character_id")
        }
        CorpDataset::Wallets => ("corporation_wallets", "division"),
        CorpDataset::WalletJournal => ("corporation_wallet_journal", "date DESC, id DESC"),
        CorpDataset::Assets => ("corporation_assets", "location_id, type_id, item_id"),
        CorpDataset::Structures => ("corporation_structures", "name, structure_id"),
        CorpDataset::Orders => ("corporation_orders", "issued DESC, order_id"),
    };
    // Ids and ISK become strings: they can exceed 2^53 or need exact decimals.
    let rows = pg
        .query(
            &format!(
                "SELECT (SELECT jsonb_object_agg(key, CASE WHEN key IN ('item_id', 'order_id', 'structure_id', 'id', 'amount',
                    'balance', 'price') AND value <> 'null'::jsonb THEN to_jsonb(value #>> '{{}}') ELSE value END)
                    FROM jsonb_each(to_jsonb(t) - 'corporation_id'))
                 FROM {table} t WHERE corporation_id = $1 ORDER BY {order} LIMIT $2 OFFSET $3"
            ),
            &[PgValue::Int(corporation), PgValue::Int(limit), PgValue::Int(offset)],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| match r.get(0) {
            Ok(PgValue::Json(v)) => Some(v.clone()),
            _ => None,
        })
        .collect())
}

impl CorpDataset {
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}
