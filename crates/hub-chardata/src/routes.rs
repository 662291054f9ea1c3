//! The eve-character-data worker's routes, `GET /api/characters/:id/{sync,wallet,wallet/journal,wallet/history,
//! assets,assets/locations,orders,transactions,skills}` and `POST /api/characters/:id/sync`, for the character's
//! owner and site admins.

use crate::api::{CharacterSyncStatus, JournalPage, OrdersResponse, TransactionsPage, WalletResponse};
use crate::read;
use hub_accounts::Session;
use hub_app::{internal, Context, Ctx};
use hub_domain::{CharacterId, CharacterRequest};
use hub_esi::sync::{CharacterSync, SyncRunReport};
use hub_http::{ApiError, FromRequest, Json, Page, Path, Query, RequestParts, Router};
use serde::Deserialize;

pub fn routes<C: Context + 'static>() -> Router<C> {
    Router::new()
        .get("/api/characters/:id/sync", sync_status::<C>)
        .post("/api/characters/:id/sync", sync_now::<C>)
        .get("/api/characters/:id/wallet", wallet::<C>)
        .get("/api/characters/:id/wallet/journal", journal::<C>)
        .get("/api/characters/:id/wallet/history", wallet_history::<C>)
        .get("/api/characters/:id/assets", assets::<C>)
        .get("/api/characters/:id/assets/locations", asset_locations::<C>)
        .get("/api/characters/:id/orders", orders::<C>)
        .get("/api/characters/:id/transactions", transactions::<C>)
        .get("/api/characters/:id/skills", skills::<C>)
}

/// The character of the path, when the caller owns it or is a site admin (404 otherwise: other
/// people's characters do not exist for you).
pub struct OwnedCharacter(pub CharacterId);

impl<C: Context> FromRequest<C> for OwnedCharacter {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        let session = Session::from_request(parts).await?;
        let Path(character) = Path::<CharacterId>::from_request(parts).await?;
        let owner = hub_accounts::accounts::owner_of(parts.ctx.postgres().await?, character)
            .await
            .map_err(internal)?;
        let allowed = owner == Some(session.user_id()) || (owner.is_some() && session.is_site_admin());
        if allowed {
            Ok(OwnedCharacter(character))
        } else {
            Err(ApiError::not_found("no such character on your account"))
        }
    }
}

async fn sync_status<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
) -> Result<Json<CharacterSyncStatus>, ApiError> {
    let datasets = read::sync_status(ctx.postgres().await?, character).await.map_err(internal)?;
    Ok(Json(CharacterSyncStatus { character_id: character, datasets }))
}

async fn sync_now<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
) -> Result<Json<SyncRunReport>, ApiError> {
    Ok(Json(
        ctx.stub::<CharacterSync>(&character)?
            .sync_now(&CharacterRequest { character_id: character })
            .await?,
    ))
}

async fn wallet<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
) -> Result<Json<WalletResponse>, ApiError> {
    let balance = read::wallet_balance(ctx.postgres().await?, character).await.map_err(internal)?;
    Ok(Json(WalletResponse { character_id: character, balance }))
}

#[derive(Deserialize)]
struct JournalQuery {
    ref_type: Option<String>,
    before_id: Option<i64>,
}

async fn journal<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
    page: Page,
    Query(query): Query<JournalQuery>,
) -> Result<Json<JournalPage>, ApiError> {
    let pg = ctx.postgres().await?;
    let entries = read::journal(pg, character, query.ref_type.as_deref(), query.before_id, page.limit)
        .await
        .map_err(internal)?;
    let next_before_id =
        if page.is_full(entries.len()) { entries.last().map(|e| e.id.clone()) } else { None };
    Ok(Json(JournalPage { entries, next_before_id }))
}

/// Most type ids one asset filter takes (a name search's matches).
const MAX_TYPE_IDS: usize = 200;

#[derive(Deserialize)]
struct AssetsQuery {
    location_id: Option<i64>,
    type_id: Option<i64>,
    /// Comma-separated type ids, as a search by item name finds them.
    type_ids: Option<String>,
}

impl AssetsQuery {
    fn filter(self) -> Result<read::AssetFilter, ApiError> {
        let mut type_ids: Option<Vec<i64>> = match self.type_ids.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(Vec::new()),
            Some(list) => Some(
                list.split(',')
                    .map(|id| id.trim().parse::<i64>().ok().filter(|id| *id > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        ApiError::bad_request("type_ids must be positive ids separated by commas")
                    })?,
            ),
        };
        if type_ids.as_ref().is_some_and(|ids| ids.len() > MAX_TYPE_IDS) {
            return Err(ApiError::bad_request(format!("at most {MAX_TYPE_IDS} type_ids")));
        }
        if let Some(id) = self.type_id {
            // Both given: the types in both.
            type_ids =
                Some(type_ids.map_or_else(|| vec![id], |ids| ids.into_iter().filter(|t| *t == id).collect()));
        }
        Ok(read::AssetFilter { location_id: self.location_id, type_ids })
    }
}

async fn assets<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
    page: Page,
    Query(query): Query<AssetsQuery>,
) -> Result<Json<read::AssetsPage>, ApiError> {
    let filter = query.filter()?;
    let pg = ctx.postgres().await?;
    let assets = read::assets(pg, character, &filter, page.limit, page.offset).await;
    Ok(Json(assets.map_err(internal)?))
}

async fn wallet_history<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
) -> Result<Json<read::WalletHistory>, ApiError> {
    let pg = ctx.postgres().await?;
    Ok(Json(read::wallet_history(pg, character, hub_domain::wallet::HISTORY_DAYS).await.map_err(internal)?))
}

async fn asset_locations<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
) -> Result<Json<read::AssetLocations>, ApiError> {
    let pg = ctx.postgres().await?;
    Ok(Json(read::asset_locations(pg, character).await.map_err(internal)?))
}

/// `?buy=true|false` filters by side.
#[derive(Deserialize)]
struct SideQuery {
    buy: Option<bool>,
    before_id: Option<i64>,
}

async fn orders<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
    Query(query): Query<SideQuery>,
) -> Result<Json<OrdersResponse>, ApiError> {
    let orders = read::orders(ctx.postgres().await?, character, query.buy).await.map_err(internal)?;
    Ok(Json(OrdersResponse { orders }))
}

async fn transactions<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
    page: Page,
    Query(query): Query<SideQuery>,
) -> Result<Json<TransactionsPage>, ApiError> {
    let pg = ctx.postgres().await?;
    let rows =
        read::transactions(pg, character, query.buy, query.before_id, page.limit).await.map_err(internal)?;
    let next_before_id =
        if page.is_full(rows.len()) { rows.last().map(|t| t.transaction_id.clone()) } else { None };
    Ok(Json(TransactionsPage { transactions: rows, next_before_id }))
}

async fn skills<C: Context>(
    ctx: Ctx<C>,
    OwnedCharacter(character): OwnedCharacter,
) -> Result<Json<read::Skills>, ApiError> {
    Ok(Json(read::skills(ctx.postgres().await?, character).await.map_err(internal)?))
}
