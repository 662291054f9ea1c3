//! A character's data from ESI, into Postgres.
//!
//! Each [`Dataset`] syncs on its own schedule (ESI's `Expires`, remembered by the caller's ESI
//! cache); unchanged data (304 or still fresh) writes nothing. The public info's corporation and
//! alliance go to the accounts service, which owns the `characters` table; when they changed, the
//! groups service re-runs the affiliation rules of the character's user ([`object`]).
//! ISK amounts are `NUMERIC` in Postgres and strings in JSON; item ids are `BIGINT`.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod api;
pub mod object;
pub mod routes;
pub mod schedule;

use hub_accounts::rpc::Affiliation;
use hub_domain::scopes;
use hub_domain::{CharacterId, CorporationId};
use hub_esi::{EsiError, Fetch, Priority, Route};
use hub_ports::{PgError, PgValue, Postgres};
use hub_postgres::in_transaction;
use serde::{Deserialize, Serialize};

/// What syncs, each with its own ESI route, scope and schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// Name, corporation and alliance (public, no scope).
    Public,
    /// The character's roles in its corporation, read with its own token: what corporation rights
    /// derive from. Runs after `Public`, whose corporation it is recorded for.
    Roles,
    Wallet,
    WalletJournal,
    Assets,
    CorporationHistory,
    Portrait,
    Skills,
    SkillQueue,
    Orders,
    Transactions,
}

impl Dataset {
    pub const ALL: [Dataset; 11] = [
        Dataset::Public,
        Dataset::Roles,
        Dataset::Wallet,
        Dataset::WalletJournal,
        Dataset::Assets,
        Dataset::CorporationHistory,
        Dataset::Portrait,
        Dataset::Skills,
        Dataset::SkillQueue,
        Dataset::Orders,
        Dataset::Transactions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dataset::Public => "public",
            Dataset::Roles => "roles",
            Dataset::Wallet => "wallet",
            Dataset::WalletJournal => "wallet_journal",
            Dataset::Assets => "assets",
            Dataset::CorporationHistory => "corporation_history",
            Dataset::Portrait => "portrait",
            Dataset::Skills => "skills",
            Dataset::SkillQueue => "skill_queue",
            Dataset::Orders => "orders",
            Dataset::Transactions => "transactions",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// The scope the character's token must carry; `None` for public data.
    pub fn scope(self) -> Option<&'static str> {
        match self {
            Dataset::Public | Dataset::CorporationHistory | Dataset::Portrait => None,
            Dataset::Roles => Some(scopes::CORPORATION_ROLES),
            Dataset::Wallet | Dataset::WalletJournal | Dataset::Transactions => {
                Some(scopes::CHARACTER_WALLET)
            }
            Dataset::Assets => Some(scopes::CHARACTER_ASSETS),
            Dataset::Skills => Some(scopes::CHARACTER_SKILLS),
            Dataset::SkillQueue => Some(scopes::CHARACTER_SKILL_QUEUE),
            Dataset::Orders => Some(scopes::CHARACTER_ORDERS),
        }
    }

    fn path(self, character: CharacterId) -> String {
        let id = character.0;
        match self {
            Dataset::Public => format!("/characters/{id}/"),
            Dataset::Roles => format!("/characters/{id}/roles/"),
            Dataset::Wallet => format!("/characters/{id}/wallet/"),
            Dataset::WalletJournal => format!("/characters/{id}/wallet/journal/"),
            Dataset::Assets => format!("/characters/{id}/assets/"),
            Dataset::CorporationHistory => format!("/characters/{id}/corporationhistory/"),
            Dataset::Portrait => format!("/characters/{id}/portrait/"),
            Dataset::Skills => format!("/characters/{id}/skills/"),
            Dataset::SkillQueue => format!("/characters/{id}/skillqueue/"),
            Dataset::Orders => format!("/characters/{id}/orders/"),
            Dataset::Transactions => format!("/characters/{id}/wallet/transactions/"),
        }
    }

    /// The ESI route; authenticated datasets need the character's access token.
    pub fn route(self, character: CharacterId, access_token: Option<String>) -> Route {
        match (self.scope(), access_token) {
            (Some(_), Some(token)) => {
                Route::authenticated(self.path(character), character, token, Priority::Background)
            }
            _ => Route::public(self.path(character), Priority::Background),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Esi(#[from] EsiError),
    #[error("ESI answered something unreadable: {0}")]
    Malformed(String),
    #[error(transparent)]
    Database(#[from] PgError),
}

/// What one sync of one dataset did.
#[derive(Debug, Clone, PartialEq)]
pub struct Synced {
    /// `false` when ESI had nothing new (from the cache or a 304): nothing was written.
    pub changed: bool,
    /// When ESI will have something new: the next sync.
    pub next_at_ms: i64,
    /// Rows written.
    pub rows: usize,
    /// Where the public dataset found the character, when that was news: for the accounts
    /// service to record.
    pub affiliation: Option<Affiliation>,
    /// What the roles dataset recorded (`None` for other datasets, or before the character's
    /// corporation is known).
    pub roles: Option<RolesFact>,
}

/// A character's corporation roles as just read from ESI, for the corporation it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesFact {
    pub corporation_id: i64,
    pub roles: Vec<String>,
}

impl RolesFact {
    pub fn is_director(&self) -> bool {
        self.roles.iter().any(|r| r == "Director")
    }
}

#[allow(clippy::needless_pass_by_value)] // a map_err function
fn malformed(e: serde_json::Error) -> SyncError {
    SyncError::Malformed(e.to_string())
}

/// Syncs one dataset of one character.
pub async fn sync(
    esi: &impl Fetch,
    pg: &impl Postgres,
    character: CharacterId,
    access_token: Option<String>,
    dataset: Dataset,
) -> Result<Synced, SyncError> {
    let route = dataset.route(character, access_token);
    if matches!(dataset, Dataset::WalletJournal | Dataset::Assets) {
        let paged = esi.get_all_pages(&route).await?;
        let mut synced = Synced {
            changed: paged.changed,
            next_at_ms: paged.expires_at_ms,
            rows: 0,
            affiliation: None,
            roles: None,
        };
        if paged.changed {
            let mut items = Vec::new();
            for page in &paged.pages {
                let values: Vec<serde_json::Value> = serde_json::from_slice(page).map_err(malformed)?;
                items.extend(values);
            }
            synced.rows = items.len();
            if dataset == Dataset::Assets {
                store_assets(pg, character, items).await?;
            } else {
                store_journal(pg, character, items).await?;
            }
        }
        return Ok(synced);
    }
    let fetched = esi.get(&route).await?;
    let mut synced = Synced {
        changed: fetched.source == hub_esi::Source::Network,
        next_at_ms: fetched.expires_at_ms,
        rows: 0,
        affiliation: None,
        roles: None,
    };
    if dataset == Dataset::Roles {
        // Written on every run, changed or not: the sync time is what keeps the fact fresh, and a
        // change of corporation since the last run re-attributes it.
        synced.roles = store_roles(pg, character, &fetched.body).await?;
        synced.rows = usize::from(synced.roles.is_some());
        return Ok(synced);
    }
    if !synced.changed {
        return Ok(synced);
    }
    if dataset == Dataset::Public {
        synced.affiliation = Some(parse_affiliation(character, &fetched.body)?);
        synced.rows = 1;
        return Ok(synced);
    }
    synced.rows = store_single(pg, character, dataset, &fetched.body).await?;
    Ok(synced)
}

/// Stores one changed single-page dataset; returns the rows written.
async fn store_single(
    pg: &impl Postgres,
    character: CharacterId,
    dataset: Dataset,
    body: &[u8],
) -> Result<usize, SyncError> {
    let mut rows = 1;
    match dataset {
        Dataset::Wallet => store_wallet(pg, character, body).await?,
        Dataset::Portrait => {
            let value: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
            pg.execute(
                "INSERT INTO character_portraits (character_id, px64x64, px128x128, px256x256, px512x512)
                 SELECT $1, x.px64x64, x.px128x128, x.px256x256, x.px512x512
                 FROM jsonb_to_record($2::jsonb) AS x(px64x64 text, px128x128 text, px256x256 text, px512x512 text)
                 ON CONFLICT (character_id) DO UPDATE SET px64x64 = excluded.px64x64, px128x128 = excluded.px128x128,
                    px256x256 = excluded.px256x256, px512x512 = excluded.px512x512",
                &[PgValue::Int(character.0), PgValue::Json(value)],
            )
            .await?;
        }
        Dataset::Skills => rows = store_skills(pg, character, body).await?,
        Dataset::SkillQueue => {
            rows = replace_list(
                pg,
                character,
                body,
                "character_skill_queue",
                "INSERT INTO character_skill_queue (character_id, queue_position, skill_id, finished_level, start_date, finish_date)
                 SELECT $1, x.queue_position, x.skill_id, x.finished_level, x.start_date, x.finish_date
                 FROM jsonb_to_recordset($2::jsonb) AS x(queue_position integer, skill_id integer, finished_level integer,
                    start_date timestamptz, finish_date timestamptz)",
            )
            .await?;
        }
        Dataset::CorporationHistory => {
            rows = replace_list(
                pg,
                character,
                body,
                "character_corporation_history",
                "INSERT INTO character_corporation_history (character_id, record_id, corporation_id, start_date, is_deleted)
                 SELECT $1, x.record_id, x.corporation_id, x.start_date, coalesce(x.is_deleted, false)
                 FROM jsonb_to_recordset($2::jsonb) AS x(record_id bigint, corporation_id bigint, start_date timestamptz,
                    is_deleted boolean)",
            )
            .await?;
        }
        Dataset::Orders => {
            rows = replace_list(
                pg,
                character,
                body,
                "character_orders",
                "INSERT INTO character_orders (character_id, order_id, type_id, location_id, region_id, price, volume_total,
                    volume_remain, is_buy_order, issued, duration)
                 SELECT $1, x.order_id, x.type_id, x.location_id, x.region_id, x.price, x.volume_total, x.volume_remain,
                    coalesce(x.is_buy_order, false), x.issued, x.duration
                 FROM jsonb_to_recordset($2::jsonb) AS x(order_id bigint, type_id integer, location_id bigint,
                    region_id integer, price numeric, volume_total integer, volume_remain integer, is_buy_order boolean,
                    issued timestamptz, duration integer)",
            )
            .await?;
        }
        Dataset::Transactions => {
            let items: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
            rows = items.as_array().map_or(0, Vec::len);
            // Transactions never change once made: new ones are added.
            pg.execute(
                "INSERT INTO character_wallet_transactions (character_id, transaction_id, date, type_id, location_id, quantity,
                    unit_price, is_buy, client_id, journal_ref_id)
                 SELECT $1, x.transaction_id, x.date, x.type_id, x.location_id, x.quantity, x.unit_price, x.is_buy,
                    x.client_id, x.journal_ref_id
                 FROM jsonb_to_recordset($2::jsonb) AS x(transaction_id bigint, date timestamptz, type_id integer,
                    location_id bigint, quantity integer, unit_price numeric, is_buy boolean, client_id bigint,
                    journal_ref_id bigint)
                 ON CONFLICT (character_id, transaction_id) DO NOTHING",
                &[PgValue::Int(character.0), PgValue::Json(items)],
            )
            .await?;
        }
        Dataset::Public | Dataset::WalletJournal | Dataset::Assets | Dataset::Roles => {
            return Err(SyncError::Malformed("this dataset is stored on its own".into()));
        }
    }
    Ok(rows)
}

/// Skills replace the previous set; the totals are upserted.
async fn store_skills(pg: &impl Postgres, character: CharacterId, body: &[u8]) -> Result<usize, SyncError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
    let rows = value["skills"].as_array().map_or(0, Vec::len);
    replace(
                pg,
                character,
                "character_skills",
                "INSERT INTO character_skills (character_id, skill_id, trained_skill_level, active_skill_level, skillpoints_in_skill)
                 SELECT $1, x.skill_id, x.trained_skill_level, x.active_skill_level, x.skillpoints_in_skill
                 FROM jsonb_to_recordset($2::jsonb -> 'skills') AS x(skill_id integer, trained_skill_level integer,
                    active_skill_level integer, skillpoints_in_skill bigint)",
                value.clone(),
            )
            .await?;
    pg.execute(
                "INSERT INTO character_skill_totals (character_id, total_sp, unallocated_sp)
                 SELECT $1, ($2::jsonb ->> 'total_sp')::bigint, ($2::jsonb ->> 'unallocated_sp')::bigint
                 ON CONFLICT (character_id) DO UPDATE SET total_sp = excluded.total_sp, unallocated_sp = excluded.unallocated_sp",
                &[PgValue::Int(character.0), PgValue::Json(value)],
            )
            .await?;
    Ok(rows)
}

/// Replaces a character's rows of `table` with `insert` (which reads `$1` and `$2`), in one
/// transaction.
async fn replace(
    pg: &impl Postgres,
    character: CharacterId,
    table: &str,
    insert: &str,
    value: serde_json::Value,
) -> Result<(), SyncError> {
    let value = PgValue::Json(value);
    in_transaction(pg, |pg| async move {
        pg.execute(&format!("DELETE FROM {table} WHERE character_id = $1"), &[PgValue::Int(character.0)])
            .await?;
        pg.execute(insert, &[PgValue::Int(character.0), value]).await?;
        Ok::<_, SyncError>(())
    })
    .await
}

/// [`replace`] for a JSON array body; returns its length.
async fn replace_list(
    pg: &impl Postgres,
    character: CharacterId,
    body: &[u8],
    table: &str,
    insert: &str,
) -> Result<usize, SyncError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
    let rows = value.as_array().map_or(0, Vec::len);
    replace(pg, character, table, insert, value).await?;
    Ok(rows)
}

#[derive(Deserialize)]
struct PublicInfo {
    corporation_id: i64,
    alliance_id: Option<i64>,
}

#[derive(Deserialize)]
struct Roles {
    #[serde(default)]
    roles: Vec<String>,
}

/// Records the character's roles for the corporation it is in now; `Ok(None)` while that
/// corporation is unknown (the public info has not synced yet).
async fn store_roles(
    pg: &impl Postgres,
    character: CharacterId,
    body: &[u8],
) -> Result<Option<RolesFact>, SyncError> {
    let roles: Roles = serde_json::from_slice(body).map_err(malformed)?;
    let rows = pg
        .query(
            "INSERT INTO character_roles (character_id, corporation_id, roles, synced_at)
             SELECT id, corporation_id, $2, now() FROM characters WHERE id = $1 AND corporation_id IS NOT NULL
             ON CONFLICT (character_id) DO UPDATE SET corporation_id = excluded.corporation_id, roles = excluded.roles,
                synced_at = excluded.synced_at
             RETURNING corporation_id",
            &[PgValue::Int(character.0), PgValue::TextArray(roles.roles.clone())],
        )
        .await?;
    Ok(rows
        .first()
        .map(|r| r.int(0))
        .transpose()?
        .map(|corporation_id| RolesFact { corporation_id, roles: roles.roles }))
}

/// Forgets a character's roles: they can no longer be verified (its token died or lost the scope).
pub async fn clear_roles(pg: &impl Postgres, character: CharacterId) -> Result<(), PgError> {
    pg.execute("DELETE FROM character_roles WHERE character_id = $1", &[PgValue::Int(character.0)]).await?;
    Ok(())
}

/// Reads where the character is: the accounts service records it (the `characters` table is the
/// core worker's).
fn parse_affiliation(character: CharacterId, body: &[u8]) -> Result<Affiliation, SyncError> {
    let info: PublicInfo = serde_json::from_slice(body).map_err(malformed)?;
    Ok(Affiliation {
        character_id: character,
        corporation_id: CorporationId(info.corporation_id),
        alliance_id: info.alliance_id,
    })
}

/// After the character's corporation changed: the roles recorded for any other corporation are
/// forgotten.
pub async fn forget_other_roles(pg: &impl Postgres, affiliation: &Affiliation) -> Result<(), PgError> {
    pg.execute(
        "DELETE FROM character_roles WHERE character_id = $1 AND corporation_id <> $2",
        &[PgValue::Int(affiliation.character_id.0), PgValue::Int(affiliation.corporation_id.0)],
    )
    .await?;
    Ok(())
}

async fn store_wallet(pg: &impl Postgres, character: CharacterId, body: &[u8]) -> Result<(), SyncError> {
    // Kept as ESI's decimal text, so no float rounding reaches the NUMERIC column.
    let balance: serde_json::Number = serde_json::from_slice(body).map_err(malformed)?;
    pg.execute(
        "INSERT INTO character_wallets (character_id, balance) VALUES ($1, $2::text::numeric)
         ON CONFLICT (character_id) DO UPDATE SET balance = excluded.balance, updated_at = now()",
        &[PgValue::Int(character.0), PgValue::Text(balance.to_string())],
    )
    .await?;
    Ok(())
}

/// New journal entries are added (entries never change once written).
async fn store_journal(
    pg: &impl Postgres,
    character: CharacterId,
    items: Vec<serde_json::Value>,
) -> Result<(), SyncError> {
    pg.execute(
        "INSERT INTO character_wallet_journal (character_id, id, date, ref_type, amount, balance, description)
         SELECT $1, x.id, x.date, x.ref_type, x.amount, x.balance, coalesce(x.description, '')
         FROM jsonb_to_recordset($2::jsonb) AS x(id bigint, date timestamptz, ref_type text, amount numeric,
            balance numeric, description text)
         ON CONFLICT (character_id, id) DO NOTHING",
        &[PgValue::Int(character.0), PgValue::Json(serde_json::Value::Array(items))],
    )
    .await?;
    Ok(())
}

/// Assets are replaced as a whole, in one transaction: one statement for any number of items.
async fn store_assets(
    pg: &impl Postgres,
    character: CharacterId,
    items: Vec<serde_json::Value>,
) -> Result<(), SyncError> {
    let items = PgValue::Json(serde_json::Value::Array(items));
    in_transaction(pg, |pg| async move {
        pg.execute("DELETE FROM character_assets WHERE character_id = $1", &[PgValue::Int(character.0)]).await?;
        pg.execute(
            "INSERT INTO character_assets (character_id, item_id, type_id, location_id, location_type, location_flag,
                quantity, is_singleton)
             SELECT $1, x.item_id, x.type_id, x.location_id, x.location_type, x.location_flag, x.quantity, x.is_singleton
             FROM jsonb_to_recordset($2::jsonb) AS x(item_id bigint, type_id integer, location_id bigint,
                location_type text, location_flag text, quantity integer, is_singleton boolean)",
            &[PgValue::Int(character.0), items],
        )
        .await?;
        Ok::<_, SyncError>(())
    })
    .await
}

/// Records how a dataset's sync went and when it runs next.
pub async fn record_status(
    pg: &impl Postgres,
    character: CharacterId,
    dataset: Dataset,
    status: schedule::SyncStatus,
    message: Option<&str>,
    next_at_ms: Option<i64>,
) -> Result<(), PgError> {
    pg.execute(
        "INSERT INTO character_sync_status (character_id, dataset, status, message, last_sync_at, next_sync_at)
         SELECT $1, $2, $3, $4, now(), to_timestamp($5::bigint / 1000.0) WHERE EXISTS (SELECT 1 FROM characters WHERE id = $1)
         ON CONFLICT (character_id, dataset) DO UPDATE SET status = excluded.status, message = excluded.message,
            last_sync_at = excluded.last_sync_at, next_sync_at = excluded.next_sync_at",
        &[
            PgValue::Int(character.0),
            PgValue::Text(dataset.as_str().into()),
            PgValue::Text(status.as_str().into()),
            message.map_or(PgValue::Null, |m| PgValue::Text(m.into())),
            next_at_ms.map_or(PgValue::Null, PgValue::Int),
        ],
    )
    .await?;
    Ok(())
}

pub mod read;
