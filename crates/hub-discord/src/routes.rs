//! The discord worker's routes.
//!
//! - Players: `GET /api/discord/link/start` and the callback (an OAuth2 code flow with PKCE, its
//!   state single use, bound to the browser and tagged with Discord, so an EVE state is refused
//!   here and a Discord one at EVE's callback); `GET /api/discord/me`, `POST /api/discord/me/sync`,
//!   `DELETE /api/discord/me` (unlink).
//! - Site admins: the guilds (`GET|POST /api/discord/guilds`, `PATCH|DELETE /api/discord/guilds/:id`,
//!   `POST /api/discord/guilds/:id/refresh`) and every attachment.
//! - Group managers: `GET /api/discord/groups/:id`, and attachments of their own group's roles
//!   in the guilds that allow groups.
//! - Operators: `POST /api/discord/ops/reconcile`.
//! - The `Entitlements` service (`/rpc/entitlements/*`).

use crate::accounts::{self, LinkError, NewLink, Tokens};
use crate::api::{
    DiscordAccountView, DiscordGuildsResponse, DiscordMe, GroupDiscordResponse, GuildStatusView,
    ReconcileResponse, RegisterGuildBody, RoleName,
};
use crate::guilds::{self, Attachment, GuildError, GuildPatch, GuildView, NewAttachment, TargetKind};
use crate::object::{client, config, EntitlementsService, RemoteLimiter, ServiceAudit};
use crate::rpc::{Bot, Deployment, DiscordLimiter, DiscordMember, Reconciler, UserRequest};
use crate::settings::{DiscordConfig, SCOPES};
use crate::sync::AuditLog;
use hub_accounts::audit::{Action, Entry};
use hub_accounts::session::ClientInfo;
use hub_accounts::{Session, SiteAdmin};
use hub_app::{internal, Context, Ctx, Operator};
use hub_auth::login::{self, Failure};
use hub_auth::oauth::{Flow, Provider};
use hub_domain::UserId;
use hub_entitlements::{Changed, Entitlements};
use hub_http::{ApiError, Body, Created, Json, NoContent, Path, Query, Request, Response, Router};
use hub_ports::{Clock, HttpTransport, PgValue, Postgres};
use serde::Deserialize;

pub fn routes<C: Context + 'static>() -> Router<C> {
    Router::new()
        .get("/api/discord/link/start", link_start::<C>)
        .get("/api/discord/callback", callback::<C>)
        .get("/api/discord/me", me::<C>)
        .post("/api/discord/me/sync", sync_me::<C>)
        .delete("/api/discord/me", unlink::<C>)
        .get("/api/discord/guilds", guilds_list::<C>)
        .post("/api/discord/guilds", register_guild::<C>)
        .patch("/api/discord/guilds/:id", update_guild::<C>)
        .post("/api/discord/guilds/:id/refresh", refresh_guild::<C>)
        .delete("/api/discord/guilds/:id", remove_guild::<C>)
        .post("/api/discord/attachments", attach::<C>)
        .delete("/api/discord/attachments/:id", detach::<C>)
        .get("/api/discord/groups/:id", group_discord::<C>)
        .post("/api/discord/ops/reconcile", reconcile::<C>)
        .post("/rpc/entitlements/:method", serve_entitlements::<C>)
}

impl From<GuildError> for ApiError {
    fn from(e: GuildError) -> Self {
        match e {
            GuildError::NotFound(m) => ApiError::not_found(m),
            GuildError::Invalid(m) => ApiError::bad_request(m),
            GuildError::Conflict(m) => ApiError::conflict(m),
            GuildError::Database(e) => internal(e),
        }
    }
}

fn discord_error(e: &crate::client::DiscordError) -> ApiError {
    use crate::client::DiscordError as E;
    match e {
        E::UnknownResource => {
            ApiError::not_found("the bot is not in that guild (invite it first) or the guild does not exist")
        }
        E::MissingPermissions(m) => ApiError::new(409, "discord_forbidden", format!("the bot may not: {m}")),
        E::BotUnauthorized => ApiError::unavailable("Discord refused the bot token (DISCORD_BOT_TOKEN)"),
        E::RateLimited { .. } | E::Unavailable(_) => ApiError::new(502, "discord_unavailable", e.to_string()),
        other => ApiError::new(502, "discord_error", other.to_string()),
    }
}

#[derive(Deserialize)]
struct ReturnTo {
    return_to: Option<String>,
}

async fn link_start<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    client_info: ClientInfo,
    Query(query): Query<ReturnTo>,
) -> Result<Response, ApiError> {
    let config = config(&*ctx)?;
    let scopes: Vec<String> = SCOPES.iter().map(|s| (*s).to_owned()).collect();
    let flow = Flow::LinkDiscord { user_id: session.user_id() };
    login::begin_with(&*ctx, &client_info, query.return_to, Provider::Discord, &config.client, flow, &scopes)
        .await
}

async fn callback<C: Context>(
    ctx: Ctx<C>,
    req: Request,
    client_info: ClientInfo,
) -> Result<Response, ApiError> {
    let ctx = &*ctx;
    Ok(login::callback_with(ctx, &req, &client_info, Provider::Discord, async |pending, code| {
        let Flow::LinkDiscord { user_id } = pending.flow else {
            return Err(Failure::new(
                "not a Discord flow",
                ApiError::new(400, "invalid_state", "this login was not started for Discord"),
            ));
        };
        let config = config(ctx).map_err(|e| Failure::new("not configured", e))?;
        complete_link(ctx, &config, user_id, &code, &pending.code_verifier).await?;
        let target = pending.return_to.as_deref().unwrap_or("/");
        Ok(Response::redirect(target).with_header("referrer-policy", "no-referrer"))
    })
    .await)
}

/// Exchanges the code, reads who the token belongs to, and links them (one statement: both
/// sides stay consistent), then starts their sync.
async fn complete_link<C: Context>(
    ctx: &C,
    config: &DiscordConfig,
    user: UserId,
    code: &str,
    verifier: &str,
) -> Result<(), Failure> {
    // The link was started by a live session; the account may have been banned since.
    let pg = ctx.postgres().await.map_err(|e| Failure::new("database", e))?;
    let active = pg
        .query("SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL", &[PgValue::Uuid(user.0)])
        .await
        .map_err(|e| Failure::new("database", internal(e)))?;
    if active.is_empty() {
        return Err(Failure::new(
            "account disabled",
            ApiError::new(
                403,
                "account_disabled",
                "This account is disabled. Ask a site admin if you think this is a mistake.",
            ),
        ));
    }
    let exchange = hub_sso::client::code_exchange(&config.client, code, verifier);
    let tokens = match ctx
        .http()
        .send(exchange)
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| hub_sso::client::parse_token_response(&r).map_err(|e| e.to_string()))
    {
        Ok(tokens) => tokens,
        Err(reason) => {
            let error =
                ApiError::new(502, "discord_unavailable", "Discord did not complete the link; try again");
            return Err(Failure::new(format!("code exchange: {reason}"), error));
        }
    };
    let limiter = RemoteLimiter { ctx };
    let discord = client(ctx, config, &limiter);
    let who = discord.current_user(&tokens.access_token).await.map_err(|e| {
        Failure::new(
            format!("identify: {e}"),
            ApiError::new(502, "discord_unavailable", "Discord did not say who you are; try again"),
        )
    })?;
    let Some(refresh_token) = tokens.refresh_token else {
        return Err(Failure::new(
            "no refresh token",
            ApiError::new(502, "discord_unavailable", "Discord sent no refresh token"),
        ));
    };
    let keyring = hub_tokens::object::keyring(ctx).map_err(|e| Failure::new("vault", e))?;
    let sealed = Tokens { access_token: tokens.access_token, refresh_token };
    let link = NewLink {
        user_id: user,
        discord_user_id: &who.id,
        username: &who.username,
        global_name: who.global_name.as_deref(),
        tokens: &sealed,
        access_expires_at_ms: ctx.clock().now_ms() + tokens.expires_in.saturating_mul(1000),
    };
    accounts::link(pg, &keyring, ctx.random(), &link).await.map_err(|e| match e {
        LinkError::TakenByAnother => Failure::new(
            "discord account of another user",
            ApiError::new(409, "discord_taken", e.to_string()),
        ),
        LinkError::AlreadyLinked => Failure::new(
            "another discord account linked",
            ApiError::new(409, "discord_already_linked", e.to_string()),
        ),
        other => Failure::new("link", internal(other)),
    })?;
    let detail = serde_json::json!({ "discord_user_id": who.id, "username": who.username });
    ServiceAudit { ctx }.record(Entry::new(Action::DiscordLinked).user(user).detail(detail)).await;
    if let Err(e) =
        async { ctx.stub::<DiscordMember>(&user)?.sync(&UserRequest { user_id: user }).await }.await
    {
        tracing::warn!(error = %e, "starting the Discord sync of a new link failed");
    }
    Ok(())
}

async fn me_view(ctx: &impl Context, user: UserId) -> Result<DiscordMe, ApiError> {
    let pg = ctx.postgres().await?;
    let account = accounts::account(pg, user).await.map_err(internal)?;
    let rows = pg
        .query(
            "SELECT s.guild_id, g.name, s.membership, s.roles, (extract(epoch from s.synced_at) * 1000)::bigint, s.problem,
                    s.problem_detail, coalesce(array_agg(r.name ORDER BY r.position DESC) FILTER (WHERE r.role_id IS NOT NULL), '{}'),
                    coalesce(array_agg(r.role_id ORDER BY r.position DESC) FILTER (WHERE r.role_id IS NOT NULL), '{}')
             FROM discord_member_status s JOIN discord_guilds g USING (guild_id)
             LEFT JOIN discord_roles r ON r.guild_id = s.guild_id AND r.role_id = ANY(s.roles)
             WHERE s.user_id = $1 GROUP BY s.guild_id, g.name, s.membership, s.roles, s.synced_at, s.problem, s.problem_detail
             ORDER BY g.name",
            &[PgValue::Uuid(user.0)],
        )
        .await
        .map_err(internal)?;
    let texts = |value: &PgValue| match value {
        PgValue::TextArray(v) => v.clone(),
        _ => Vec::new(),
    };
    let guilds = rows
        .iter()
        .map(|r| {
            let names = texts(r.get(7)?);
            let ids = texts(r.get(8)?);
            Ok(GuildStatusView {
                guild_id: r.text(0)?,
                name: r.text(1)?,
                membership: crate::sync::Membership::parse(&r.text(2)?)
                    .ok_or_else(|| hub_ports::PgError::RowShape("membership".into()))?,
                roles: ids.into_iter().zip(names).map(|(role_id, name)| RoleName { role_id, name }).collect(),
                synced_at_ms: r.int(4)?,
                problem: r.opt_text(5)?.and_then(|p| crate::sync::Problem::parse(&p)),
                problem_detail: r.opt_text(6)?,
            })
        })
        .collect::<Result<Vec<_>, hub_ports::PgError>>()
        .map_err(internal)?;
    Ok(DiscordMe {
        configured: config(ctx).is_ok(),
        account: account.map(|a| DiscordAccountView {
            discord_user_id: a.discord_user_id,
            username: a.username,
            global_name: a.global_name,
            linked_at_ms: a.linked_at_ms,
            needs_relink: a.needs_relink,
        }),
        guilds,
    })
}

async fn me<C: Context>(ctx: Ctx<C>, session: Session) -> Result<Json<DiscordMe>, ApiError> {
    Ok(Json(me_view(&*ctx, session.user_id()).await?))
}

async fn sync_me<C: Context>(ctx: Ctx<C>, session: Session) -> Result<Json<DiscordMe>, ApiError> {
    let user = session.user_id();
    ctx.stub::<DiscordMember>(&user)?.sync_now(&UserRequest { user_id: user }).await?;
    Ok(Json(me_view(&*ctx, user).await?))
}

async fn unlink<C: Context>(ctx: Ctx<C>, session: Session) -> Result<NoContent, ApiError> {
    let user = session.user_id();
    ctx.stub::<DiscordMember>(&user)?.unlink(&UserRequest { user_id: user }).await?;
    Ok(NoContent)
}

async fn guilds_list<C: Context>(
    ctx: Ctx<C>,
    _admin: SiteAdmin,
) -> Result<Json<DiscordGuildsResponse>, ApiError> {
    let guilds = guilds::list(ctx.postgres().await?, None).await.map_err(internal)?;
    let invalid_requests = ctx.stub::<DiscordLimiter>(&Bot)?.invalid_requests(&()).await.unwrap_or(0);
    Ok(Json(DiscordGuildsResponse {
        guilds,
        invalid_requests,
        invalid_budget: crate::ratelimit::INVALID_BUDGET,
    }))
}

/// Reads a guild, its roles and the bot's place among them from Discord, and stores them.
async fn read_guild<C: Context>(
    ctx: &C,
    guild_id: &str,
    registered_by: Option<UserId>,
) -> Result<GuildView, ApiError> {
    if guild_id.is_empty() || guild_id.len() > 20 || !guild_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request("guild_id must be a Discord id (digits)"));
    }
    let config = config(ctx)?;
    let limiter = RemoteLimiter { ctx };
    let discord = client(ctx, &config, &limiter);
    let guild = discord.guild(guild_id).await.map_err(|e| discord_error(&e))?;
    let roles = discord.roles(guild_id).await.map_err(|e| discord_error(&e))?;
    let bot = discord.bot_user().await.map_err(|e| discord_error(&e))?;
    let member = discord.member(guild_id, &bot.id).await.map_err(|e| discord_error(&e))?;
    let held = member.map(|m| m.roles).unwrap_or_default();
    let top = crate::client::highest(&roles, &held).cloned();
    let pg = ctx.postgres().await?;
    guilds::store(pg, &guild, &roles, top.as_ref(), registered_by).await.map_err(internal)?;
    guilds::list(pg, None)
        .await
        .map_err(internal)?
        .into_iter()
        .find(|g| g.guild_id == guild_id)
        .ok_or_else(|| ApiError::internal("the stored guild is gone"))
}

async fn register_guild<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    Json(body): Json<RegisterGuildBody>,
) -> Result<Created<GuildView>, ApiError> {
    let view = read_guild(&*ctx, &body.guild_id, Some(admin.user_id())).await?;
    let detail = serde_json::json!({ "guild_id": view.guild_id, "name": view.name, "change": "registered" });
    ServiceAudit { ctx: &*ctx }
        .record(Entry::new(Action::DiscordConfigured).actor(admin.user_id()).detail(detail))
        .await;
    Ok(Created(view))
}

async fn refresh_guild<C: Context>(
    ctx: Ctx<C>,
    _admin: SiteAdmin,
    Path(guild_id): Path<String>,
) -> Result<Json<GuildView>, ApiError> {
    let known = guilds::list(ctx.postgres().await?, None)
        .await
        .map_err(internal)?
        .into_iter()
        .any(|g| g.guild_id == guild_id);
    if !known {
        return Err(ApiError::not_found("this guild is not registered"));
    }
    let view = read_guild(&*ctx, &guild_id, None).await?;
    resync_everyone(&*ctx).await;
    Ok(Json(view))
}

/// Everyone linked is synced again (a guild's configuration changed).
async fn resync_everyone(ctx: &impl Context) {
    if let Err(e) = async { ctx.stub::<Reconciler>(&Deployment)?.reconcile_now(&()).await }.await {
        tracing::warn!(error = %e, "queueing everyone for a Discord sync failed");
    }
}

async fn update_guild<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    Path(guild_id): Path<String>,
    Json(patch): Json<GuildPatch>,
) -> Result<Json<GuildView>, ApiError> {
    let pg = ctx.postgres().await?;
    guilds::update(pg, &guild_id, &patch).await?;
    let detail = serde_json::json!({ "guild_id": guild_id, "change": "configured" });
    ServiceAudit { ctx: &*ctx }
        .record(Entry::new(Action::DiscordConfigured).actor(admin.user_id()).detail(detail))
        .await;
    resync_everyone(&*ctx).await;
    let view = guilds::list(pg, None).await.map_err(internal)?.into_iter().find(|g| g.guild_id == guild_id);
    view.map(Json).ok_or_else(|| ApiError::not_found("this guild is not registered"))
}

async fn remove_guild<C: Context>(
    ctx: Ctx<C>,
    admin: SiteAdmin,
    Path(guild_id): Path<String>,
) -> Result<NoContent, ApiError> {
    if !guilds::remove(ctx.postgres().await?, &guild_id).await.map_err(internal)? {
        return Err(ApiError::not_found("this guild is not registered"));
    }
    let detail = serde_json::json!({ "guild_id": guild_id, "change": "removed" });
    ServiceAudit { ctx: &*ctx }
        .record(Entry::new(Action::DiscordConfigured).actor(admin.user_id()).detail(detail))
        .await;
    Ok(NoContent)
}

/// Who an attachment's change reaches.
async fn attachment_changed(ctx: &impl Context, attachment: &Attachment) {
    match (attachment.target_kind, attachment.group_id) {
        (TargetKind::Group, Some(group_id)) => {
            enqueue(ctx, Changed::GroupMembers { group_id }).await;
        }
        _ => resync_everyone(ctx).await,
    }
}

/// The discord worker queues its own syncs (it serves the entitlements service).
async fn enqueue(ctx: &impl Context, change: Changed) {
    if let Err(e) = async { ctx.stub::<Reconciler>(&Deployment)?.enqueue(&change).await }.await {
        tracing::warn!(error = %e, "queueing a Discord sync failed");
    }
}

/// Who may change a group's attachments: a site admin, or the group's owner or admins (for guilds
/// that allow groups). `None` for a site admin (any attachment), `Some(group)` for a manager.
async fn attachment_right(
    ctx: &impl Context,
    session: &Session,
    group: Option<uuid::Uuid>,
) -> Result<Option<uuid::Uuid>, ApiError> {
    if session.is_site_admin() {
        return Ok(None);
    }
    match group {
        Some(group)
            if guilds::manages_group(ctx.postgres().await?, session.user_id(), group)
                .await
                .map_err(internal)? =>
        {
            Ok(Some(group))
        }
        _ => Err(ApiError::forbidden(
            "site admins attach roles; group owners and admins attach them to their own group",
        )),
    }
}

async fn attach<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    Json(new): Json<NewAttachment>,
) -> Result<Created<Attachment>, ApiError> {
    let restricted = attachment_right(&*ctx, &session, new.group_id).await?;
    let attachment =
        guilds::attach(ctx.postgres().await?, ctx.random(), &new, session.user_id(), restricted).await?;
    let detail = serde_json::json!({ "attachment": attachment.id, "guild_id": attachment.guild_id, "role_id": attachment.role_id,
        "target": attachment.target_kind.as_str(), "change": "attached" });
    ServiceAudit { ctx: &*ctx }
        .record(Entry::new(Action::DiscordConfigured).actor(session.user_id()).detail(detail))
        .await;
    attachment_changed(&*ctx, &attachment).await;
    Ok(Created(attachment))
}

async fn detach<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    Path(id): Path<uuid::Uuid>,
) -> Result<NoContent, ApiError> {
    let pg = ctx.postgres().await?;
    let group = pg
        .query("SELECT group_id FROM discord_attachments WHERE id = $1", &[PgValue::Uuid(id)])
        .await
        .map_err(internal)?
        .first()
        .map(|r| r.opt_uuid(0))
        .transpose()
        .map_err(internal)?
        .flatten();
    let restricted = attachment_right(&*ctx, &session, group).await?;
    let removed = guilds::detach(pg, id, restricted).await?;
    let detail = serde_json::json!({ "attachment": id, "guild_id": removed.guild_id, "change": "detached" });
    ServiceAudit { ctx: &*ctx }
        .record(Entry::new(Action::DiscordConfigured).actor(session.user_id()).detail(detail))
        .await;
    attachment_changed(&*ctx, &removed).await;
    Ok(NoContent)
}

async fn group_discord<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    Path(group): Path<uuid::Uuid>,
) -> Result<Json<GroupDiscordResponse>, ApiError> {
    attachment_right(&*ctx, &session, Some(group)).await?;
    Ok(Json(GroupDiscordResponse {
        guilds: guilds::list(ctx.postgres().await?, Some(group)).await.map_err(internal)?,
    }))
}

async fn reconcile<C: Context>(
    ctx: Ctx<C>,
    _operator: Operator,
) -> Result<Json<ReconcileResponse>, ApiError> {
    Ok(Json(ReconcileResponse { queued: ctx.stub::<Reconciler>(&Deployment)?.reconcile_now(&()).await? }))
}

async fn serve_entitlements<C: Context>(
    ctx: Ctx<C>,
    Path(method): Path<String>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let answer = Entitlements::dispatch(&EntitlementsService { ctx: &*ctx }, &method, &body).await?;
    Ok(Response::json_bytes(200, answer))
}
