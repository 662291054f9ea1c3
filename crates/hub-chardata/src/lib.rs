//! A character's data from ESI, into Postgres.
//!
//! Each [`Dataset`] syncs on its own schedule (ESI's `Expires`, remembered by the caller's ESI
//! cache); unchanged data (304 or still fresh) writes nothing. A change of corporation or alliance
//! found in the public info re-runs the group affiliation rules for the character's user.
//! ISK amounts are `NUMERIC` in Postgres and strings in JSON; item ids are `BIGINT`.
#![forbid(unsafe_code)]

use hub_db::in_transaction;
use hub_domain::notification::NewNotification;
use hub_domain::{CharacterId, UserId};
use hub_esi::{EsiError, Fetch, Priority, Route};
use hub_ports::{PgError, PgValue, Postgres};
use serde::{Deserialize, Serialize};

/// What syncs, each with its own ESI route, scope and schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// Name, corporation and alliance (public, no scope).
    Public,
    Wallet,
    WalletJournal,
    Assets,
}

impl Dataset {
    pub const ALL: [Dataset; 4] = [Dataset::Public, Dataset::Wallet, Dataset::WalletJournal, Dataset::Assets];

    pub fn as_str(self) -> &'static str {
        match self {
            Dataset::Public => "public",
            Dataset::Wallet => "wallet",
            Dataset::WalletJournal => "wallet_journal",
            Dataset::Assets => "assets",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// The scope the character's token must carry; `None` for public data.
    pub fn scope(self) -> Option<&'static str> {
        match self {
            Dataset::Public => None,
            Dataset::Wallet | Dataset::WalletJournal => Some("esi-wallet.read_character_wallet.v1"),
            Dataset::Assets => Some("esi-assets.read_assets.v1"),
        }
    }

    fn path(self, character: CharacterId) -> String {
        let id = character.0;
        match self {
            Dataset::Public => format!("/characters/{id}/"),
            Dataset::Wallet => format!("/characters/{id}/wallet/"),
            Dataset::WalletJournal => format!("/characters/{id}/wallet/journal/"),
            Dataset::Assets => format!("/characters/{id}/assets/"),
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

impl From<hub_groups::GroupError> for SyncError {
    fn from(e: hub_groups::GroupError) -> Self {
        SyncError::Database(PgError::Query(e.to_string()))
    }
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
    /// People to tell (group changes caused by new affiliations).
    pub notify: Vec<NewNotification>,
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
    match dataset {
        Dataset::Public | Dataset::Wallet => {
            let fetched = esi.get(&route).await?;
            let mut synced = Synced {
                changed: fetched.source == hub_esi::Source::Network,
                next_at_ms: fetched.expires_at_ms,
                rows: 0,
                notify: Vec::new(),
            };
            if synced.changed {
                if dataset == Dataset::Public {
                    synced.notify = store_public(pg, character, &fetched.body).await?;
                } else {
                    store_wallet(pg, character, &fetched.body).await?;
                }
                synced.rows = 1;
            }
            Ok(synced)
        }
        Dataset::WalletJournal | Dataset::Assets => {
            let paged = esi.get_all_pages(&route).await?;
            let mut synced = Synced {
                changed: paged.changed,
                next_at_ms: paged.expires_at_ms,
                rows: 0,
                notify: Vec::new(),
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
            Ok(synced)
        }
    }
}

#[derive(Deserialize)]
struct PublicInfo {
    corporation_id: i64,
    alliance_id: Option<i64>,
}

/// Stores the character's affiliation; when it changed, the user's group memberships follow.
async fn store_public(
    pg: &impl Postgres,
    character: CharacterId,
    body: &[u8],
) -> Result<Vec<NewNotification>, SyncError> {
    let info: PublicInfo = serde_json::from_slice(body).map_err(malformed)?;
    let changed = pg
        .query(
            "UPDATE characters SET corporation_id = $2, alliance_id = $3, updated_at = now()
             WHERE id = $1 AND (corporation_id IS DISTINCT FROM $2 OR alliance_id IS DISTINCT FROM $3)
             RETURNING user_id",
            &[
                PgValue::Int(character.0),
                PgValue::Int(info.corporation_id),
                info.alliance_id.map_or(PgValue::Null, PgValue::Int),
            ],
        )
        .await?;
    let Some(row) = changed.first() else { return Ok(Vec::new()) };
    let PgValue::Uuid(user) = row.get(0)? else { return Err(PgError::RowShape("user_id".into()).into()) };
    let outcome = hub_groups::reevaluate_user(pg, UserId(*user)).await?;
    Ok(outcome.notify)
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
    status: &str,
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
            PgValue::Text(status.into()),
            message.map_or(PgValue::Null, |m| PgValue::Text(m.into())),
            next_at_ms.map_or(PgValue::Null, PgValue::Int),
        ],
    )
    .await?;
    Ok(())
}

pub mod read;
