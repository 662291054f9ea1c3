//! The eve-static-data worker's routes, for any signed-in user: `GET /api/sde/version`,
//! `GET /api/types/:id`, `GET /api/types?q=`, `POST /api/types/names`, `GET /api/skills/:id`,
//! `GET /api/universe/systems/:id`, `GET /api/universe/stations/:id`, `POST /api/names`.

use crate::api::{
    IdsBody, NamesResponse, SdeVersion, SkillDetail, StationDetail, SystemDetail, TypeDetail, TypeNames,
    TypeSearchPage,
};
use crate::names;
use crate::read;
use hub_accounts::Session;
use hub_app::{internal, Context, Ctx};
use hub_http::{ApiError, Json, Page, Path, Query, Router};
use serde::Deserialize;
use std::collections::HashSet;

/// Longest search text.
const MAX_QUERY_CHARS: usize = 100;

pub fn routes<C: Context + 'static>() -> Router<C> {
    Router::new()
        .get("/api/sde/version", version::<C>)
        .get("/api/types", search_types::<C>)
        .post("/api/types/names", type_names::<C>)
        .get("/api/types/:id", type_detail::<C>)
        .get("/api/skills/:id", skill::<C>)
        .get("/api/universe/systems/:id", system::<C>)
        .get("/api/universe/stations/:id", station::<C>)
        .post("/api/names", names_of::<C>)
}

async fn version<C: Context>(ctx: Ctx<C>, _: Session) -> Result<Json<SdeVersion>, ApiError> {
    Ok(Json(read::version(ctx.postgres().await?).await.map_err(internal)?))
}

fn not_found(what: &str, id: i64) -> ApiError {
    ApiError::not_found(format!("no {what} {id} in the imported static data"))
}

async fn type_detail<C: Context>(
    ctx: Ctx<C>,
    _: Session,
    Path(id): Path<i64>,
) -> Result<Json<TypeDetail>, ApiError> {
    let found = read::type_detail(ctx.postgres().await?, id).await.map_err(internal)?;
    found.map(Json).ok_or_else(|| not_found("type", id))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search_types<C: Context>(
    ctx: Ctx<C>,
    _: Session,
    page: Page,
    Query(query): Query<SearchQuery>,
) -> Result<Json<TypeSearchPage>, ApiError> {
    let q = query.q.as_deref().map(str::trim).unwrap_or_default();
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!("q must be 1 to {MAX_QUERY_CHARS} characters")));
    }
    let types =
        read::search_types(ctx.postgres().await?, q, page.limit, page.offset).await.map_err(internal)?;
    let next_offset = page.is_full(types.len()).then_some(page.offset + page.limit);
    Ok(Json(TypeSearchPage { types, next_offset }))
}

async fn type_names<C: Context>(
    ctx: Ctx<C>,
    _: Session,
    Json(body): Json<IdsBody>,
) -> Result<Json<TypeNames>, ApiError> {
    let ids = names::distinct_ids(&body.ids)?;
    let types = read::type_names(ctx.postgres().await?, &ids).await.map_err(internal)?;
    let known: HashSet<i64> = types.iter().map(|t| t.id).collect();
    let unknown = ids.into_iter().filter(|id| !known.contains(id)).collect();
    Ok(Json(TypeNames { types, unknown }))
}

async fn skill<C: Context>(
    ctx: Ctx<C>,
    _: Session,
    Path(id): Path<i64>,
) -> Result<Json<SkillDetail>, ApiError> {
    let found = read::skill(ctx.postgres().await?, id).await.map_err(internal)?;
    found.map(Json).ok_or_else(|| not_found("skill", id))
}

async fn system<C: Context>(
    ctx: Ctx<C>,
    _: Session,
    Path(id): Path<i64>,
) -> Result<Json<SystemDetail>, ApiError> {
    let found = read::system(ctx.postgres().await?, id).await.map_err(internal)?;
    found.map(Json).ok_or_else(|| not_found("solar system", id))
}

async fn station<C: Context>(
    ctx: Ctx<C>,
    _: Session,
    Path(id): Path<i64>,
) -> Result<Json<StationDetail>, ApiError> {
    let found = read::station(ctx.postgres().await?, id).await.map_err(internal)?;
    found.map(Json).ok_or_else(|| not_found("NPC station", id))
}

async fn names_of<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    Json(body): Json<IdsBody>,
) -> Result<Json<NamesResponse>, ApiError> {
    Ok(Json(names::names(&*ctx, session.user_id(), &body.ids).await?))
}
