//! The eve-corporation-data worker's routes.
//!
//! - Any player: `GET /api/corporations` (their characters' corporations and the managed ones),
//!   `GET /api/corporations/recruiting`.
//! - Site admins: `POST /api/corporations` (register), `DELETE /api/corporations/:id`.
//! - Corporation admins ([`CorporationAdmin`]: site admins, the CEO, and users with a character
//!   holding Director in it; 403 for everyone else): `GET|PATCH /api/corporations/:id`,
//!   `DELETE /api/corporations/:id/directors/:character_id`, `POST /api/corporations/:id/sync`,
//!   `GET /api/corporations/:id/members`, `GET /api/corporations/:id/data/:dataset`,
//!   `GET /api/corporations/:id/wallets/history`.
//! - `POST /api/corporations/:id/directors` `{character_id, priority}`: a character of yours that
//!   holds Director there now, with the corporation scopes.

use crate::api::{
    CorporationDatasetPage, CorporationMembersPage, CorporationResponse, CorporationsResponse, DirectorBody,
    RecruitingResponse, RegisterCorporationBody,
};
use crate::corporations::{self, CorporationSummary, ManagedPatch, RegisteredVia};
use crate::object::audit;
use crate::{rights, CorpDataset};
use hub_accounts::audit::{Action, Entry};
use hub_accounts::session::ClientInfo;
use hub_accounts::{Session, SiteAdmin};
use hub_app::{internal, Context, Ctx};
use hub_domain::scopes;
use hub_domain::{CharacterId, CharacterRequest, CorporationId, CorporationRequest};
use hub_esi::sync::{CharacterSync, CorporationSync, SyncRunReport};
use hub_http::{ApiError, Created, FromRequest, Json, NoContent, Page, Path, RequestParts, Router};
use hub_tokens::rpc::TokenStore;
use hub_tokens::TokenHealth;
use serde::Deserialize;

pub fn routes<C: Context + 'static>() -> Router<C> {
    Router::new()
        .get("/api/corporations", list::<C>)
        .post("/api/corporations", register::<C>)
        .get("/api/corporations/recruiting", recruiting::<C>)
        .get("/api/corporations/:id", corporation::<C>)
        .patch("/api/corporations/:id", update::<C>)
        .delete("/api/corporations/:id", unregister::<C>)
        .post("/api/corporations/:id/directors", add_director::<C>)
        .delete("/api/corporations/:id/directors/:character_id", remove_director::<C>)
        .post("/api/corporations/:id/sync", sync_now::<C>)
        .get("/api/corporations/:id/members", members::<C>)
        .get("/api/corporations/:id/data/:dataset", dataset_rows::<C>)
        .get("/api/corporations/:id/wallets/history", wallet_history::<C>)
}

/// The corporation of the path (`:id`), a positive id.
fn path_corporation(parts: &RequestParts<impl Sized>) -> Result<CorporationId, ApiError> {
    let id: i64 = parts.params.parse("id")?;
    if id <= 0 {
        return Err(ApiError::bad_request("path parameter `id` must be a corporation id"));
    }
    Ok(CorporationId(id))
}

/// A corporation admin of the path's corporation: a site admin, its CEO, or a user with a
/// character holding Director in it, by fresh facts from ESI. Only the extractor makes one.
pub struct CorporationAdmin {
    session: Session,
    corporation: CorporationId,
}

impl CorporationAdmin {
    pub fn corporation(&self) -> CorporationId {
        self.corporation
    }

    pub fn session(&self) -> &Session {
        &self.session
    }
}

impl<C: Context> FromRequest<C> for CorporationAdmin {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        let session = Session::from_request(parts).await?;
        let corporation = path_corporation(parts)?;
        let admin = session.is_site_admin()
            || rights::holds_director_role(parts.ctx.postgres().await?, session.user_id(), corporation.0)
                .await
                .map_err(internal)?;
        if admin {
            Ok(CorporationAdmin { session, corporation })
        } else {
            Err(ApiError::forbidden(
                "corporation admins only: its CEO, characters holding the Director role in it, and site admins",
            ))
        }
    }
}

/// The path's corporation, for routes whose right is checked against the body (a director's
/// registration).
struct PathCorporation(CorporationId);

impl<C> FromRequest<C> for PathCorporation {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        path_corporation(parts).map(PathCorporation)
    }
}

async fn list<C: Context>(ctx: Ctx<C>, session: Session) -> Result<Json<CorporationsResponse>, ApiError> {
    let pg = ctx.postgres().await?;
    let (user, site_admin) = (session.user_id(), session.is_site_admin());
    let administered = rights::administered_by(pg, user).await.map_err(internal)?;
    let corporations =
        corporations::list_for_user(pg, user, site_admin, &administered).await.map_err(internal)?;
    let known_unmanaged =
        if site_admin { corporations::known_unmanaged(pg).await.map_err(internal)? } else { Vec::new() };
    Ok(Json(CorporationsResponse { corporations, is_site_admin: site_admin, known_unmanaged }))
}

async fn recruiting<C: Context>(
    ctx: Ctx<C>,
    _session: Session,
) -> Result<Json<RecruitingResponse>, ApiError> {
    Ok(Json(RecruitingResponse {
        corporations: corporations::recruiting(ctx.postgres().await?).await.map_err(internal)?,
    }))
}

/// `POST /api/corporations` (site admins): the hub serves a corporation from now on. Its name and
/// ticker come from ESI; an id ESI does not know is 404.
async fn register<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    client: ClientInfo,
    Json(body): Json<RegisterCorporationBody>,
) -> Result<Created<Option<CorporationSummary>>, ApiError> {
    let patch = body.patch();
    patch.validate().map_err(ApiError::bad_request)?;
    if body.corporation_id <= 0 {
        return Err(ApiError::bad_request("corporation_id must be a corporation id"));
    }
    let corporation = CorporationId(body.corporation_id);
    let info = ctx
        .stub::<CorporationSync>(&corporation)?
        .refresh_info(&CorporationRequest { corporation_id: corporation })
        .await?
        .ok_or_else(|| ApiError::not_found("ESI knows no such corporation"))?;
    let pg = ctx.postgres().await?;
    let registered =
        corporations::register(pg, corporation.0, RegisteredVia::SiteAdmin, Some(admin.user_id()), &patch)
            .await
            .map_err(internal)?;
    if !registered {
        return Err(ApiError::conflict(format!("{} is already registered", info.name)));
    }
    let entry = Entry::new(Action::CorporationRegistered)
        .actor(admin.user_id())
        .detail(serde_json::json!({ "corporation_id": corporation, "name": info.name, "via": "site_admin" }))
        .ip(client.ip);
    audit(&*ctx, entry).await;
    Ok(Created(corporations::summary(pg, corporation.0).await.map_err(internal)?))
}

/// `DELETE /api/corporations/:id` (site admins): the hub stops serving it.
async fn unregister<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    client: ClientInfo,
    PathCorporation(corporation): PathCorporation,
) -> Result<NoContent, ApiError> {
    if !corporations::unregister(ctx.postgres().await?, corporation.0).await.map_err(internal)? {
        return Err(ApiError::not_found("this corporation is not registered"));
    }
    let entry = Entry::new(Action::CorporationUnregistered)
        .actor(admin.user_id())
        .detail(serde_json::json!({ "corporation_id": corporation }))
        .ip(client.ip);
    audit(&*ctx, entry).await;
    Ok(NoContent)
}

async fn corporation<C: Context>(
    ctx: Ctx<C>,
    admin: CorporationAdmin,
) -> Result<Json<CorporationResponse>, ApiError> {
    let pg = ctx.postgres().await?;
    let corporation = admin.corporation().0;
    let summary = corporations::summary(pg, corporation).await.map_err(internal)?.map(|mut s| {
        s.is_admin = true;
        s
    });
    Ok(Json(CorporationResponse {
        corporation_id: corporation,
        corporation: summary,
        directors: crate::directors(pg, corporation).await.map_err(internal)?,
        datasets: crate::sync_statuses(pg, corporation).await.map_err(internal)?,
        is_site_admin: admin.session().is_site_admin(),
        director_scopes: scopes::CORPORATION_DATA.iter().map(|s| (*s).to_owned()).collect(),
    }))
}

/// `PATCH /api/corporations/:id`: corporation admins change the recruiting flag and the texts;
/// the other flags are for site admins.
async fn update<C: Context>(
    ctx: Ctx<C>,
    admin: CorporationAdmin,
    client: ClientInfo,
    Json(patch): Json<ManagedPatch>,
) -> Result<Json<Option<CorporationSummary>>, ApiError> {
    if patch.needs_site_admin() && !admin.session().is_site_admin() {
        return Err(ApiError::forbidden("only site admins change the member, alt, special and sync flags"));
    }
    patch.validate().map_err(ApiError::bad_request)?;
    let pg = ctx.postgres().await?;
    let corporation = admin.corporation();
    if !corporations::update(pg, corporation.0, &patch).await.map_err(internal)? {
        return Err(ApiError::not_found("this corporation is not registered"));
    }
    let entry = Entry::new(Action::CorporationUpdated)
        .actor(admin.session().user_id())
        .detail(serde_json::json!({ "corporation_id": corporation }))
        .ip(client.ip);
    audit(&*ctx, entry).await;
    Ok(Json(corporations::summary(pg, corporation.0).await.map_err(internal)?))
}

/// `POST /api/corporations/:id/directors`: a character whose token feeds the corporation's data.
/// It must be yours (site admins may register anyone's), hold Director there now (read from ESI
/// with its own token at this moment), and its login must have granted the corporation scopes.
async fn add_director<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    client: ClientInfo,
    PathCorporation(corporation): PathCorporation,
    Json(body): Json<DirectorBody>,
) -> Result<NoContent, ApiError> {
    if !(1..=100).contains(&body.priority) {
        return Err(ApiError::bad_request("priority must be from 1 to 100"));
    }
    let pg = ctx.postgres().await?;
    let character = CharacterId(body.character_id);
    let owner = hub_accounts::accounts::owner_of(pg, character).await.map_err(internal)?;
    let Some(owner) = owner.filter(|o| *o == session.user_id() || session.is_site_admin()) else {
        return Err(ApiError::not_found("no such character on your account"));
    };
    let request = CharacterRequest { character_id: character };
    let granted = match ctx.stub::<TokenStore>(&character)?.health(&request).await? {
        Some(TokenHealth::Valid { scopes, .. } | TokenHealth::Retrying { scopes, .. }) => scopes,
        Some(TokenHealth::Invalid { .. }) | None => {
            return Err(ApiError::new(
                409,
                hub_tokens::codes::TOKEN_INVALID,
                "this character's EVE login stopped working: log in with it again",
            ));
        }
    };
    if !scopes::holds_all(&granted, scopes::CORPORATION_DATA) {
        return Err(ApiError::new(
            409,
            "missing_scopes",
            "this character has not granted the corporation scopes: grant them, then register it",
        ));
    }
    // The character's roles and corporation, read from ESI now with its own token.
    ctx.stub::<CharacterSync>(&character)?.refresh_roles(&request).await?;
    if !rights::character_is_director(pg, character, corporation.0).await.map_err(internal)? {
        return Err(ApiError::forbidden(
            "this character does not hold the Director role in that corporation",
        ));
    }
    crate::register_director(pg, corporation.0, character, body.priority, session.user_id())
        .await
        .map_err(internal)?;
    let entry = Entry::new(Action::DirectorRegistered)
        .user(owner)
        .actor(session.user_id())
        .character(character)
        .detail(serde_json::json!({ "corporation_id": corporation, "priority": body.priority }))
        .ip(client.ip);
    audit(&*ctx, entry).await;
    Ok(NoContent)
}

#[derive(Deserialize)]
struct DirectorPath {
    character_id: CharacterId,
}

async fn remove_director<C: Context>(
    ctx: Ctx<C>,
    admin: CorporationAdmin,
    client: ClientInfo,
    Path(path): Path<DirectorPath>,
) -> Result<NoContent, ApiError> {
    let pg = ctx.postgres().await?;
    let (corporation, character) = (admin.corporation(), path.character_id);
    let owner = hub_accounts::accounts::owner_of(pg, character).await.map_err(internal)?;
    if !crate::unregister_director(pg, corporation.0, character).await.map_err(internal)? {
        return Err(ApiError::not_found("no such director"));
    }
    let mut entry = Entry::new(Action::DirectorRemoved)
        .actor(admin.session().user_id())
        .character(character)
        .detail(
            serde_json::json!({ "corporation_id": corporation, "reason": "removed by a corporation admin" }),
        )
        .ip(client.ip);
    if let Some(owner) = owner {
        entry = entry.user(owner);
    }
    audit(&*ctx, entry).await;
    Ok(NoContent)
}

async fn sync_now<C: Context>(ctx: Ctx<C>, admin: CorporationAdmin) -> Result<Json<SyncRunReport>, ApiError> {
    let corporation = admin.corporation();
    Ok(Json(
        ctx.stub::<CorporationSync>(&corporation)?
            .sync_now(&CorporationRequest { corporation_id: corporation })
            .await?,
    ))
}

async fn members<C: Context>(
    ctx: Ctx<C>,
    admin: CorporationAdmin,
    page: Page,
) -> Result<Json<CorporationMembersPage>, ApiError> {
    let (members, total) =
        corporations::member_view(ctx.postgres().await?, admin.corporation().0, page.limit, page.offset)
            .await
            .map_err(internal)?;
    Ok(Json(CorporationMembersPage { members, total, limit: page.limit, offset: page.offset }))
}

#[derive(Deserialize)]
struct DatasetPath {
    dataset: String,
}

/// Each wallet division's balance per day, for the wallets chart (corporation admins, as the rows).
async fn wallet_history<C: Context>(
    ctx: Ctx<C>,
    admin: CorporationAdmin,
) -> Result<Json<crate::api::CorporationWalletHistory>, ApiError> {
    let pg = ctx.postgres().await?;
    let history = crate::wallet_history(pg, admin.corporation().0, hub_domain::wallet::HISTORY_DAYS).await;
    Ok(Json(history.map_err(internal)?))
}

/// A dataset's rows: `member_tracking`, `wallets`, `wallet_journal`, `assets`, `structures`, `orders`.
async fn dataset_rows<C: Context>(
    ctx: Ctx<C>,
    admin: CorporationAdmin,
    page: Page,
    Path(path): Path<DatasetPath>,
) -> Result<Json<CorporationDatasetPage>, ApiError> {
    let dataset = CorpDataset::parse(&path.dataset).ok_or_else(|| ApiError::not_found("no such dataset"))?;
    let rows = crate::read(ctx.postgres().await?, admin.corporation().0, dataset, page.limit, page.offset)
        .await
        .map_err(internal)?;
    Ok(Json(CorporationDatasetPage {
        dataset: dataset.as_str().into(),
        rows,
        limit: page.limit,
        offset: page.offset,
    }))
}
