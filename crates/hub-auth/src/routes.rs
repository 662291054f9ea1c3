//! The core worker's routes: logging in, the user's account and sessions, site admins' account
//! management, the operators' key rotation, and the `Accounts` service other workers write through.

use crate::api::{
    AdminUserResponse, AdminUsersResponse, AuditPage, BanBody, CharacterToken, CurrentSession, MeResponse,
    MeUser, PrimaryRequest, SessionView, SessionsResponse, TokenCheckResponse, TokenCheckStatus,
    UnknownStatus, UnknownToken,
};
use crate::login;
use crate::oauth::Flow;
use hub_accounts::accounts::{self, CharacterView, UserView};
use hub_accounts::admin::{self, Actor};
use hub_accounts::audit::{self, Action, Entry};
use hub_accounts::rpc::Accounts;
use hub_accounts::session::{self, ClientInfo, SessionRecord};
use hub_accounts::{Session, SiteAdmin};
use hub_app::{internal, Context, Ctx, Operator};
use hub_domain::scopes::{self, ScopeGrant};
use hub_domain::{CharacterId, CharacterRequest, UserId};
use hub_http::{ApiError, Body, Json, NoContent, Page, Path, Query, Request, Response, Router};
use hub_tokens::rpc::TokenStore;
use hub_tokens::TokenHealth;
use serde::Deserialize;

pub fn routes<C: Context + 'static>() -> Router<C> {
    Router::new()
        .get("/api/auth/login/start", login_start::<C>)
        .get("/api/auth/character/start", character_start::<C>)
        .get("/api/auth/character/:id/grant", grant_start::<C>)
        .get("/api/auth/callback", callback::<C>)
        .get("/api/auth/session", me::<C>)
        .get("/api/users/me", me::<C>)
        .post("/api/auth/logout", logout::<C>)
        .get("/api/auth/sessions", my_sessions::<C>)
        .delete("/api/auth/sessions/:id", end_my_session::<C>)
        .post("/api/users/me/primary", set_primary::<C>)
        .post("/api/users/me/characters/:id/token-check", token_check::<C>)
        .delete("/api/users/me/characters/:id", unlink_character::<C>)
        .post("/api/ops/vault/reseal", reseal_tokens::<C>)
        .get("/api/admin/users", admin_users::<C>)
        .get("/api/admin/users/:id", admin_user::<C>)
        .delete("/api/admin/sessions/:id", admin_end_session::<C>)
        .post("/api/admin/users/:id/admin", grant_admin::<C>)
        .delete("/api/admin/users/:id/admin", revoke_admin::<C>)
        .post("/api/admin/users/:id/ban", ban_user::<C>)
        .delete("/api/admin/users/:id/ban", unban_user::<C>)
        .get("/api/admin/audit", admin_audit::<C>)
        .post("/rpc/accounts/:method", serve_accounts::<C>)
}

#[derive(Deserialize)]
struct ReturnTo {
    return_to: Option<String>,
}

async fn login_start<C: Context>(
    ctx: Ctx<C>,
    client: ClientInfo,
    Query(query): Query<ReturnTo>,
) -> Result<Response, ApiError> {
    let scopes = login::sso_config(&*ctx)?.login_scopes;
    login::begin(&*ctx, &client, query.return_to, Flow::Login, &scopes).await
}

async fn character_start<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    client: ClientInfo,
    Query(query): Query<ReturnTo>,
) -> Result<Response, ApiError> {
    let scopes = login::sso_config(&*ctx)?.login_scopes;
    let flow = Flow::LinkCharacter { user_id: session.user_id() };
    login::begin(&*ctx, &client, query.return_to, flow, &scopes).await
}

/// One of the user's characters, or 404.
async fn own_character(
    ctx: &impl Context,
    user: UserId,
    character: CharacterId,
) -> Result<CharacterView, ApiError> {
    let view = accounts::user_view(ctx.postgres().await?, user).await.map_err(internal)?;
    view.and_then(|u| u.characters.into_iter().find(|c| c.id == character))
        .ok_or_else(|| ApiError::not_found("this character is not on your account"))
}

#[derive(Deserialize)]
struct GrantQuery {
    scopes: Option<String>,
    return_to: Option<String>,
}

/// `GET /api/auth/character/:id/grant?scopes=character_data|corporation_data`: the explicit step in
/// which a character grants more scopes. Asks for what the login needs, what the character already
/// granted (the new token replaces the old one) and the grant's own scopes; the SSO must come back
/// with this character.
async fn grant_start<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    client: ClientInfo,
    Path(character): Path<CharacterId>,
    Query(query): Query<GrantQuery>,
) -> Result<Response, ApiError> {
    let grant = query
        .scopes
        .as_deref()
        .and_then(ScopeGrant::parse)
        .ok_or_else(|| ApiError::bad_request("scopes must be character_data or corporation_data"))?;
    let view = own_character(&*ctx, session.user_id(), character).await?;
    let current =
        match ctx.stub::<TokenStore>(&character)?.health(&CharacterRequest { character_id: character }).await
        {
            Ok(Some(
                TokenHealth::Valid { scopes, .. }
                | TokenHealth::Retrying { scopes, .. }
                | TokenHealth::Invalid { scopes, .. },
            )) => scopes,
            _ => view.scopes,
        };
    let login_scopes = login::sso_config(&*ctx)?.login_scopes;
    let wanted = scopes::union(&current, &login_scopes, grant.scopes());
    let flow = Flow::GrantScopes { user_id: session.user_id(), character_id: character, grant };
    login::begin(&*ctx, &client, query.return_to, flow, &wanted).await
}

async fn callback<C: Context>(ctx: Ctx<C>, req: Request, client: ClientInfo) -> Result<Response, ApiError> {
    Ok(login::callback(&*ctx, &req, &client).await)
}

/// Each character's token health from its token store object (`null` when none is stored or the
/// store cannot answer), fetched concurrently.
async fn token_health(ctx: &impl Context, user: &UserView) -> Vec<Option<CharacterToken>> {
    let checks = user.characters.iter().map(|c| async move {
        let result =
            async { ctx.stub::<TokenStore>(&c.id)?.health(&CharacterRequest { character_id: c.id }).await }
                .await;
        match result {
            Ok(health) => health.map(CharacterToken::Health),
            Err(e) => {
                tracing::warn!(character = %c.id, error = %e, "token health unavailable");
                Some(CharacterToken::Unknown(UnknownToken {
                    status: UnknownStatus::Unknown,
                    reason: "the token store did not answer".into(),
                }))
            }
        }
    });
    futures::future::join_all(checks).await
}

async fn me<C: Context>(ctx: Ctx<C>, session: Session) -> Result<Json<MeResponse>, ApiError> {
    let user = accounts::user_view(ctx.postgres().await?, session.user_id())
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::unauthorized("your account no longer exists"))?;
    let health = token_health(&*ctx, &user).await;
    let record = &session.record;
    Ok(Json(MeResponse {
        user: MeUser::new(user, health),
        is_admin: record.site_admin,
        csrf_token: session.token.csrf_token(),
        session: CurrentSession {
            id: record.id,
            expires_at_ms: record.idle_expires_at_ms.min(record.absolute_expires_at_ms),
        },
    }))
}

async fn logout<C: Context>(ctx: Ctx<C>, session: Session, client: ClientInfo) -> Result<Response, ApiError> {
    let pg = ctx.postgres().await?;
    let ended = session::end(pg, ctx.clock(), session.record.id, Some(session.user_id()), "logout")
        .await
        .map_err(internal)?;
    audit::record(pg, &Entry::new(Action::Logout).user(session.user_id()).ip(client.ip))
        .await
        .map_err(internal)?;
    hub_notify::rpc::end_sessions(&*ctx, ended.by_user()).await;
    Ok(Response::new(204).with_header("set-cookie", session::clear_session_cookie()))
}

fn session_views(sessions: Vec<SessionRecord>, current: Option<uuid::Uuid>) -> Vec<SessionView> {
    sessions
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            current: Some(s.id) == current,
            created_at_ms: s.created_at_ms,
            last_seen_at_ms: s.last_seen_at_ms,
            expires_at_ms: s.idle_expires_at_ms.min(s.absolute_expires_at_ms),
            ip: s.client.ip,
            user_agent: s.client.user_agent,
        })
        .collect()
}

async fn my_sessions<C: Context>(ctx: Ctx<C>, session: Session) -> Result<Json<SessionsResponse>, ApiError> {
    let sessions = session::list_for_user(ctx.postgres().await?, ctx.clock(), session.user_id())
        .await
        .map_err(internal)?;
    Ok(Json(SessionsResponse { sessions: session_views(sessions, Some(session.record.id)) }))
}

async fn end_my_session<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    client: ClientInfo,
    Path(id): Path<uuid::Uuid>,
) -> Result<NoContent, ApiError> {
    let pg = ctx.postgres().await?;
    let ended = session::end(pg, ctx.clock(), id, Some(session.user_id()), "ended_by_user")
        .await
        .map_err(internal)?;
    if ended.is_empty() {
        return Err(ApiError::not_found("no such live session of yours"));
    }
    let entry = Entry::new(Action::SessionEnded)
        .user(session.user_id())
        .detail(serde_json::json!({ "session_id": id }))
        .ip(client.ip);
    audit::record(pg, &entry).await.map_err(internal)?;
    hub_notify::rpc::end_sessions(&*ctx, ended.by_user()).await;
    Ok(NoContent)
}

async fn set_primary<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    Json(body): Json<PrimaryRequest>,
) -> Result<NoContent, ApiError> {
    accounts::set_primary(ctx.postgres().await?, session.user_id(), body.character_id).await?;
    Ok(NoContent)
}

/// Asks the character's token store for a usable access token now (refreshing it if needed) and
/// answers with its health: the dashboard's "check now".
async fn token_check<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    Path(character): Path<CharacterId>,
) -> Result<Json<TokenCheckResponse>, ApiError> {
    own_character(&*ctx, session.user_id(), character).await?;
    let access = ctx
        .stub::<TokenStore>(&character)?
        .access_token(&CharacterRequest { character_id: character })
        .await?;
    Ok(Json(TokenCheckResponse { status: TokenCheckStatus::Valid, expires_at_ms: access.expires_at_ms }))
}

/// Unlinks a character: its refresh token is revoked at EVE SSO and its tokens deleted first, then
/// it leaves the account. When the SSO cannot be reached nothing changes (502), so a retry works.
async fn unlink_character<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    client: ClientInfo,
    Path(character): Path<CharacterId>,
) -> Result<NoContent, ApiError> {
    let pg = ctx.postgres().await?;
    accounts::may_unlink(pg, session.user_id(), character).await?;
    ctx.stub::<TokenStore>(&character)?.revoke(&CharacterRequest { character_id: character }).await?;
    accounts::unlink(pg, session.user_id(), character, client.ip.as_deref()).await?;
    hub_entitlements::users_changed(&*ctx, [session.user_id()]).await;
    Ok(NoContent)
}

/// How many characters one reseal request handles: each is one call into a Durable Object, and a
/// request's subrequests are limited.
const RESEAL_BATCH: i64 = 50;

#[derive(Deserialize)]
struct AfterQuery {
    #[serde(default)]
    after: i64,
}

/// Key rotation, for operators (`just rotate-key`): re-encrypts the stored tokens of up to
/// `RESEAL_BATCH` characters after `?after=<character id>` under the primary vault key. Answers
/// where to continue, so the job is resumable; resealing twice changes nothing.
async fn reseal_tokens<C: Context>(
    ctx: Ctx<C>,
    _operator: Operator,
    Query(query): Query<AfterQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let ids = accounts::character_ids_after(ctx.postgres().await?, query.after, RESEAL_BATCH)
        .await
        .map_err(internal)?;
    let calls = ids.iter().map(|&id| {
        let ctx = &*ctx;
        async move {
            let character = CharacterId(id);
            let result = async {
                ctx.stub::<TokenStore>(&character)?
                    .reseal(&CharacterRequest { character_id: character })
                    .await
            }
            .await;
            (id, result)
        }
    });
    let mut resealed = 0;
    let mut failed = Vec::new();
    for (id, result) in futures::future::join_all(calls).await {
        match result {
            Ok(n) => resealed += n,
            Err(e) => failed.push(serde_json::json!({ "character_id": id, "error": e.message })),
        }
    }
    let full = i64::try_from(ids.len()).unwrap_or(0) == RESEAL_BATCH;
    let next_after = if full { ids.last().copied() } else { None };
    Ok(Json(
        serde_json::json!({ "checked": ids.len(), "resealed": resealed, "failed": failed, "next_after": next_after }),
    ))
}

async fn admin_users<C: Context>(
    ctx: Ctx<C>,
    _admin: SiteAdmin,
    page: Page,
) -> Result<Json<AdminUsersResponse>, ApiError> {
    let users =
        accounts::list_users(ctx.postgres().await?, page.limit, page.offset).await.map_err(internal)?;
    Ok(Json(AdminUsersResponse { users, limit: page.limit, offset: page.offset }))
}

async fn admin_user<C: Context>(
    ctx: Ctx<C>,
    _admin: SiteAdmin,
    Path(user_id): Path<UserId>,
) -> Result<Json<AdminUserResponse>, ApiError> {
    let pg = ctx.postgres().await?;
    let user = accounts::user_view(pg, user_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    let sessions = session::list_for_user(pg, ctx.clock(), user_id).await.map_err(internal)?;
    Ok(Json(AdminUserResponse { user, sessions: session_views(sessions, None) }))
}

async fn admin_end_session<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    client: ClientInfo,
    Path(id): Path<uuid::Uuid>,
) -> Result<NoContent, ApiError> {
    let pg = ctx.postgres().await?;
    let ended = session::end(pg, ctx.clock(), id, None, "ended_by_admin").await.map_err(internal)?;
    let Some((user, _)) = ended.0.first().copied() else {
        return Err(ApiError::not_found("no such live session"));
    };
    let entry = Entry::new(Action::AdminAction)
        .user(user)
        .actor(admin.user_id())
        .detail(serde_json::json!({ "ended_session": id }))
        .ip(client.ip);
    audit::record(pg, &entry).await.map_err(internal)?;
    hub_notify::rpc::end_sessions(&*ctx, ended.by_user()).await;
    Ok(NoContent)
}

/// `POST /api/admin/users/:id/admin`: makes the user a site admin (audited).
async fn grant_admin<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    client: ClientInfo,
    Path(target): Path<UserId>,
) -> Result<NoContent, ApiError> {
    admin::grant_site_admin(ctx.postgres().await?, Actor::of(&admin, client.ip.as_deref()), target).await?;
    Ok(NoContent)
}

/// `DELETE /api/admin/users/:id/admin`: takes the right away (never from the last admin).
async fn revoke_admin<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    client: ClientInfo,
    Path(target): Path<UserId>,
) -> Result<NoContent, ApiError> {
    admin::revoke_site_admin(ctx.postgres().await?, Actor::of(&admin, client.ip.as_deref()), target).await?;
    Ok(NoContent)
}

/// `POST /api/admin/users/:id/ban` `{reason}`: disables the account; its sessions and sockets end
/// at once.
async fn ban_user<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    client: ClientInfo,
    Path(target): Path<UserId>,
    Json(body): Json<BanBody>,
) -> Result<NoContent, ApiError> {
    let actor = Actor::of(&admin, client.ip.as_deref());
    let ended = admin::disable_user(ctx.postgres().await?, ctx.clock(), actor, target, &body.reason).await?;
    hub_notify::rpc::end_sessions(&*ctx, ended.by_user()).await;
    hub_entitlements::users_changed(&*ctx, [target]).await;
    Ok(NoContent)
}

/// `DELETE /api/admin/users/:id/ban`: lifts the ban.
async fn unban_user<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    client: ClientInfo,
    Path(target): Path<UserId>,
) -> Result<NoContent, ApiError> {
    admin::enable_user(ctx.postgres().await?, Actor::of(&admin, client.ip.as_deref()), target).await?;
    hub_entitlements::users_changed(&*ctx, [target]).await;
    Ok(NoContent)
}

#[derive(Deserialize)]
struct AuditQuery {
    before_id: Option<i64>,
    user_id: Option<UserId>,
}

async fn admin_audit<C: Context>(
    ctx: Ctx<C>,
    _admin: SiteAdmin,
    page: Page,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let entries = audit::list(ctx.postgres().await?, query.user_id, query.before_id, page.limit)
        .await
        .map_err(internal)?;
    let next_before_id = if page.is_full(entries.len()) { entries.last().map(|e| e.id) } else { None };
    Ok(Json(AuditPage { entries, next_before_id }))
}

async fn serve_accounts<C: Context>(
    ctx: Ctx<C>,
    Path(method): Path<String>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let answer =
        Accounts::dispatch(&crate::accounts_service::AccountsService { ctx: &*ctx }, &method, &body).await?;
    Ok(Response::json_bytes(200, answer))
}
