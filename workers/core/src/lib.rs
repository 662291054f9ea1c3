//! The core worker: EVE SSO login, users and their characters, sessions.
//!
//! Thin glue only: the flows live in `hub-auth` (login state, sessions, accounts) and `hub-sso`
//! (token validation); this crate reads configuration, wires the ports and maps errors to HTTP.

use hub_api::{
    AdminUserResponse, AdminUsersResponse, AuditPage, CharacterToken, CurrentSession, MeResponse, MeUser,
    PrimaryRequest, SessionView, SessionsResponse, TokenCheckResponse, TokenCheckStatus, UnknownStatus,
    UnknownToken,
};
use hub_auth::accounts::{self, LoginIdentity};
use hub_auth::audit::{self, Action, Entry};
use hub_auth::oauth::{self, Begun, Flow, Pending, Provider, LOGIN_COOKIE};
use hub_auth::session::{self, ClientInfo, SessionPolicy, SessionRecord, SessionToken};
use hub_db::pg::PgClient;
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::Service;
use hub_http::{ApiError, Params, Request, Response, Router};
use hub_ports::{HttpTransport, OsRandom};
use hub_rpc::interfaces::{
    BeginLogin, CharacterRequest, CharacterSync, FinishLogin, LoginStates, LoginStatesHandler, PutTokens,
    TokenStore,
};
use hub_rpc::{Interface, RpcError, RpcErrorCode};
use hub_sso::jwks::VerifyError;
use hub_tokens::NewTokens;
use hub_worker::auth::{authenticate, internal, optional_number, page_limit, require_csrf};
use hub_worker::durable::DurableSql;
use hub_worker::fetch::FetchTransport;
use hub_worker::sso::{self as config, SsoConfig};
use hub_worker::{bindings, get_stub, health, AppState, WorkerClock};
use std::rc::Rc;
use std::time::Duration;
use worker::{durable_object, DurableObject, Env, State};

const SERVICE: Service = Service::Core;

/// Core's health also probes the token store's object, hosted by the eve-token-store worker.
const DEPENDENCIES: &[(Service, &str)] = &[(Service::EveTokenStore, bindings::EVE_TOKEN_STORE)];
/// The `CoreState` object that holds login state.
const LOGIN_STATE_OBJECT: &str = "login-states";
const SSO_TIMEOUT: Duration = Duration::from_secs(10);

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::CORE_STATE), DEPENDENCIES)
        .get("/api/auth/login/start", login_start)
        .get("/api/auth/character/start", character_start)
        .get("/api/auth/callback", callback)
        .get("/api/auth/session", me)
        .get("/api/users/me", me)
        .post("/api/auth/logout", logout)
        .get("/api/auth/sessions", my_sessions)
        .route(hub_http::Method::Delete, "/api/auth/sessions/:id", end_my_session)
        .post("/api/users/me/primary", set_primary)
        .post("/api/users/me/characters/:id/token-check", token_check)
        .route(hub_http::Method::Delete, "/api/users/me/characters/:id", unlink_character)
        .post("/api/ops/vault/reseal", reseal_tokens)
        .get("/api/admin/users", admin_users)
        .get("/api/admin/users/:id", admin_user)
        .route(hub_http::Method::Delete, "/api/admin/sessions/:id", admin_end_session)
        .get("/api/admin/audit", admin_audit)
}

hub_worker::worker_entry!(SERVICE, router);

fn sso_http() -> FetchTransport {
    FetchTransport { timeout: SSO_TIMEOUT }
}

fn client_info(req: &Request) -> ClientInfo {
    ClientInfo {
        ip: req.header("cf-connecting-ip").map(std::borrow::Cow::into_owned),
        user_agent: req.header("user-agent").map(|v| v.chars().take(256).collect()),
    }
}

async fn begin_login(state: &AppState, flow: Flow, return_to: Option<String>) -> Result<Response, ApiError> {
    let sso = SsoConfig::from_env(&state.env)?;
    let store = get_stub::<LoginStates>(
        &state.env,
        bindings::CORE_STATE,
        LOGIN_STATE_OBJECT,
        Some(&state.request_id),
    )?;
    let begun: Begun = store.begin(&BeginLogin { provider: Provider::Eve, flow, return_to }).await?;
    let location = oauth::authorize_url(&sso.client, &begun, &sso.scope_refs());
    Ok(Response::redirect(&location).with_header(
        "set-cookie",
        format!(
            "{LOGIN_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={}",
            begun.browser_nonce,
            oauth::STATE_TTL_MS / 1000
        ),
    ))
}

async fn login_start(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    begin_login(&state, Flow::Login, req.query_value("return_to")).await
}

async fn character_start(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (_, session) = authenticate(&req, &pg).await?;
    begin_login(&state, Flow::LinkCharacter { user_id: session.user_id }, req.query_value("return_to")).await
}

/// Records a failed login with its reason, then answers `error`.
async fn login_failed(pg: &PgClient, req: &Request, reason: &str, error: ApiError) -> ApiError {
    let entry = Entry::new(Action::LoginFailed)
        .detail(serde_json::json!({ "reason": reason }))
        .ip(client_info(req).ip);
    if let Err(e) = audit::record(pg, &entry).await {
        tracing::error!(error = %e, "audit write failed");
    }
    tracing::info!(reason, "login failed");
    error
}

async fn callback(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let sso = SsoConfig::from_env(&state.env)?;
    let pg = hub_worker::auth::database(&state.env).await?;
    if let Some(error) = req.query_value("error") {
        return Err(login_failed(
            &pg,
            &req,
            "sso_error",
            ApiError::bad_request(format!("EVE SSO refused: {error}")),
        )
        .await);
    }
    let (Some(code), Some(login_state)) = (req.query_value("code"), req.query_value("state")) else {
        return Err(login_failed(
            &pg,
            &req,
            "missing_parameters",
            ApiError::bad_request("missing code or state"),
        )
        .await);
    };
    let browser_nonce =
        req.header("cookie").and_then(|c| session::cookie_value(&c, LOGIN_COOKIE).map(str::to_owned));
    let store = get_stub::<LoginStates>(
        &state.env,
        bindings::CORE_STATE,
        LOGIN_STATE_OBJECT,
        Some(&state.request_id),
    )?;
    let finish = FinishLogin { provider: Provider::Eve, state: login_state, browser_nonce };
    let pending: Pending = match store.finish(&finish).await {
        Ok(pending) => pending,
        Err(e) if e.code == RpcErrorCode::BadRequest => {
            let error = ApiError::new(400, "invalid_state", e.message.clone());
            return Err(login_failed(&pg, &req, &e.message, error).await);
        }
        Err(e) => return Err(e.into()),
    };

    let (claims, tokens) = exchange_and_verify(&sso, &pg, &req, &code, &pending.code_verifier).await?;

    let identity = LoginIdentity {
        character_id: claims.character_id,
        name: claims.name,
        owner_hash: claims.owner_hash,
        scopes: claims.scopes,
    };
    let access_expires_at_ms = claims.expires_at.saturating_mul(1000);
    let client = client_info(&req);
    let signed_in =
        accounts::sign_in(&pg, &OsRandom, &WorkerClock, &identity, &pending.flow, client.ip.as_deref())
            .await
            .map_err(|e| match e {
                accounts::AccountError::AlreadyLinked => ApiError::conflict(e.to_string()),
                accounts::AccountError::UnknownUser => {
                    ApiError::unauthorized("your session has ended; log in again")
                }
                other => internal(other),
            })?;
    store_tokens(&state, &identity, tokens, access_expires_at_ms).await;
    if let Some(previous) = signed_in.transferred_from {
        tracing::info!(character = %identity.character_id, previous_user = %previous, "character transfer detected");
        let notification = NewNotification {
            user_id: previous,
            kind: NotificationKind::CharacterTransferred,
            title: format!("{} was transferred to another account owner", identity.name),
            data: serde_json::json!({ "character_id": identity.character_id }),
        };
        hub_worker::notify::deliver(&state.env, &state.request_id, vec![notification]).await;
    }
    let mut response = Response::redirect(pending.return_to.as_deref().unwrap_or("/"))
        .with_header("referrer-policy", "no-referrer")
        .with_header(
            "set-cookie",
            format!("{LOGIN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"),
        );
    if pending.flow == Flow::Login {
        // A new session at every login; the one the browser had (if any) ends.
        if let Some(old) = req.header("cookie").and_then(|c| session::token_from_cookies(&c)) {
            if let Ok(Some(old)) =
                session::authenticate(&pg, &WorkerClock, &SessionPolicy::default(), &old).await
            {
                session::end(&pg, &WorkerClock, old.id, None, "rotated").await.map_err(internal)?;
            }
        }
        let policy = SessionPolicy::default();
        let (token, _) = session::create(&pg, &OsRandom, &WorkerClock, &policy, signed_in.user_id, &client)
            .await
            .map_err(internal)?;
        response = response.with_header("set-cookie", session::session_cookie(&token, &policy));
    }
    Ok(response)
}

/// Exchanges the code (PKCE verifier, client in HTTP Basic) and validates the access token locally.
async fn exchange_and_verify(
    sso: &SsoConfig,
    pg: &PgClient,
    req: &Request,
    code: &str,
    code_verifier: &str,
) -> Result<(hub_sso::jwt::EveClaims, oauth::TokenResponse), ApiError> {
    let http = sso_http();
    let exchange = oauth::code_exchange(&sso.client, code, code_verifier);
    let tokens = match http
        .send(exchange)
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| oauth::parse_token_response(&r).map_err(|e| e.to_string()))
    {
        Ok(tokens) => tokens,
        Err(reason) => {
            let error =
                ApiError::new(502, "sso_unavailable", "EVE SSO did not complete the login; try again");
            return Err(login_failed(pg, req, &format!("code exchange: {reason}"), error).await);
        }
    };
    match config::verify_access_token(sso, &http, &WorkerClock, &tokens.access_token).await {
        Ok(claims) => Ok((claims, tokens)),
        Err(VerifyError::KeysUnavailable(reason)) => {
            let error = ApiError::unavailable("EVE SSO's signing keys are unavailable; try again");
            Err(login_failed(pg, req, &format!("jwks: {reason}"), error).await)
        }
        Err(VerifyError::Token(e)) => {
            let error = ApiError::new(401, "invalid_token", "EVE SSO returned a token we cannot accept");
            Err(login_failed(pg, req, &format!("token: {e}"), error).await)
        }
    }
}

/// Hands the login's tokens to the character's token store object (encrypted there). A failure
/// does not undo the login: the character then shows no token health until the next login.
async fn store_tokens(
    state: &AppState,
    identity: &LoginIdentity,
    tokens: oauth::TokenResponse,
    access_expires_at_ms: i64,
) {
    let Some(refresh_token) = tokens.refresh_token else {
        tracing::warn!(character = %identity.character_id, "EVE SSO returned no refresh token");
        return;
    };
    let put = PutTokens {
        character_id: identity.character_id,
        tokens: NewTokens {
            access_token: tokens.access_token,
            refresh_token,
            access_expires_at_ms,
            scopes: identity.scopes.clone(),
            owner_hash: identity.owner_hash.clone(),
        },
    };
    let result = async {
        let store = token_store(state, identity.character_id)?;
        store.put(&put).await
    }
    .await;
    if let Err(e) = result {
        tracing::error!(character = %identity.character_id, error = %e, "storing the login's tokens failed");
        return;
    }
    // The character's data starts (or resumes) syncing with its new token.
    let started = async {
        get_stub::<CharacterSync>(
            &state.env,
            bindings::EVE_CHARACTER_DATA,
            &identity.character_id.to_string(),
            Some(&state.request_id),
        )?
        .start(&CharacterRequest { character_id: identity.character_id })
        .await
    }
    .await;
    if let Err(e) = started {
        tracing::warn!(character = %identity.character_id, error = %e, "starting the character's sync failed");
    }
}

fn token_store(
    state: &AppState,
    character: hub_domain::CharacterId,
) -> Result<hub_rpc::Client<TokenStore, hub_worker::DurableObjectTransport>, RpcError> {
    get_stub::<TokenStore>(
        &state.env,
        bindings::EVE_TOKEN_STORE,
        &character.to_string(),
        Some(&state.request_id),
    )
}

/// Each character's token health from its token store object (`null` when none is stored or the
/// store cannot answer), fetched concurrently.
async fn token_health(state: &AppState, user: &accounts::UserView) -> Vec<Option<CharacterToken>> {
    let checks = user.characters.iter().map(|c| async move {
        let result =
            async { token_store(state, c.id)?.health(&CharacterRequest { character_id: c.id }).await }.await;
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

async fn me(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (token, session) = authenticate(&req, &pg).await?;
    let user = accounts::user_view(&pg, session.user_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::unauthorized("your account no longer exists"))?;
    let is_admin = is_site_admin(&user, &state.env);
    let health = token_health(&state, &user).await;
    let body = MeResponse {
        user: MeUser::new(user, health),
        is_admin,
        csrf_token: token.csrf_token(),
        session: CurrentSession {
            id: session.id,
            expires_at_ms: session.idle_expires_at_ms.min(session.absolute_expires_at_ms),
        },
    };
    Response::json_no_store(200, &body)
}

async fn logout(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (token, session) = authenticate(&req, &pg).await?;
    require_csrf(&req, &token)?;
    session::end(&pg, &WorkerClock, session.id, Some(session.user_id), "logout").await.map_err(internal)?;
    let entry = Entry::new(Action::Logout).user(session.user_id).ip(client_info(&req).ip);
    audit::record(&pg, &entry).await.map_err(internal)?;
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

async fn my_sessions(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (_, current) = authenticate(&req, &pg).await?;
    let sessions = session::list_for_user(&pg, &WorkerClock, current.user_id).await.map_err(internal)?;
    Response::json_no_store(200, &SessionsResponse { sessions: session_views(sessions, Some(current.id)) })
}

async fn end_my_session(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (token, current) = authenticate(&req, &pg).await?;
    require_csrf(&req, &token)?;
    let id: uuid::Uuid = params.parse("id")?;
    if !session::end(&pg, &WorkerClock, id, Some(current.user_id), "ended_by_user").await.map_err(internal)? {
        return Err(ApiError::not_found("no such live session of yours"));
    }
    let entry = Entry::new(Action::SessionEnded)
        .user(current.user_id)
        .detail(serde_json::json!({ "session_id": id }))
        .ip(client_info(&req).ip);
    audit::record(&pg, &entry).await.map_err(internal)?;
    Ok(Response::new(204))
}

async fn set_primary(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (token, current) = authenticate(&req, &pg).await?;
    require_csrf(&req, &token)?;
    let body: PrimaryRequest = req.json()?;
    accounts::set_primary(&pg, current.user_id, body.character_id).await.map_err(|e| match e {
        accounts::AccountError::NotYours => ApiError::not_found(e.to_string()),
        other => internal(other),
    })?;
    Ok(Response::new(204))
}

/// Asks the character's token store for a usable access token now (refreshing it if needed) and
/// answers with its health: the dashboard's "check now".
async fn token_check(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (token, current) = authenticate(&req, &pg).await?;
    require_csrf(&req, &token)?;
    let character = hub_domain::CharacterId(params.parse("id")?);
    let user = accounts::user_view(&pg, current.user_id).await.map_err(internal)?;
    if !user.is_some_and(|u| u.characters.iter().any(|c| c.id == character)) {
        return Err(ApiError::not_found("this character is not on your account"));
    }
    let access =
        token_store(&state, character)?.access_token(&CharacterRequest { character_id: character }).await;
    match access {
        Ok(access) => Response::json(
            200,
            &TokenCheckResponse { status: TokenCheckStatus::Valid, expires_at_ms: access.expires_at_ms },
        ),
        Err(e) if e.code == RpcErrorCode::Conflict => Err(ApiError::new(409, "token_invalid", e.message)),
        Err(e) if e.code == RpcErrorCode::NotFound => {
            Err(ApiError::not_found("no token stored; log in with this character again"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Unlinks a character: its refresh token is revoked at EVE SSO and its tokens deleted first, then
/// it leaves the account. When the SSO cannot be reached nothing changes (502), so a retry works.
async fn unlink_character(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (token, current) = authenticate(&req, &pg).await?;
    require_csrf(&req, &token)?;
    let character = hub_domain::CharacterId(params.parse("id")?);
    let user = accounts::user_view(&pg, current.user_id).await.map_err(internal)?;
    let characters = user.map(|u| u.characters).unwrap_or_default();
    if !characters.iter().any(|c| c.id == character) {
        return Err(ApiError::not_found("this character is not on your account"));
    }
    if characters.len() == 1 {
        return Err(ApiError::conflict("an account keeps at least one character"));
    }
    token_store(&state, character)?.revoke(&CharacterRequest { character_id: character }).await.map_err(
        |e| match e.code {
            RpcErrorCode::Unavailable => ApiError::new(502, "sso_unavailable", e.message),
            _ => ApiError::from(e),
        },
    )?;
    accounts::unlink(&pg, current.user_id, character, client_info(&req).ip.as_deref()).await.map_err(
        |e| match e {
            accounts::AccountError::NotYours => ApiError::not_found(e.to_string()),
            accounts::AccountError::LastCharacter => ApiError::conflict(e.to_string()),
            other => internal(other),
        },
    )?;
    Ok(Response::new(204))
}

/// How many characters one reseal request handles: each is one call into a Durable Object, and a
/// request's subrequests are limited.
const RESEAL_BATCH: i64 = 50;

/// Key rotation, for operators (`just rotate-key`): re-encrypts the stored tokens of up to
/// `RESEAL_BATCH` characters after `?after=<character id>` under the primary vault key. Answers
/// where to continue, so the job is resumable; resealing twice changes nothing.
async fn reseal_tokens(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    require_operator(&req, &state.env)?;
    let pg = hub_worker::auth::database(&state.env).await?;
    let after = optional_number(&req, "after")?.unwrap_or(0);
    let ids = accounts::character_ids_after(&pg, after, RESEAL_BATCH).await.map_err(internal)?;
    let state = &*state;
    let calls = ids.iter().map(|&id| async move {
        let character = hub_domain::CharacterId(id);
        let result = async {
            token_store(state, character)?.reseal(&CharacterRequest { character_id: character }).await
        }
        .await;
        (id, result)
    });
    let mut resealed = 0;
    let mut failed = Vec::new();
    for (id, result) in futures::future::join_all(calls).await {
        match result {
            Ok(n) => resealed += n,
            Err(e) => failed.push(serde_json::json!({ "character_id": id, "error": e.message })),
        }
    }
    let next_after =
        (i64::try_from(ids.len()).unwrap_or(0) == RESEAL_BATCH).then(|| ids.last().copied()).flatten();
    Response::json(
        200,
        &serde_json::json!({ "checked": ids.len(), "resealed": resealed, "failed": failed, "next_after": next_after }),
    )
}

/// Operator endpoints take `Authorization: Bearer <OPERATOR_TOKEN>` (a secret); without the
/// secret configured they are off.
fn require_operator(req: &Request, env: &Env) -> Result<(), ApiError> {
    use sha2::Digest;
    let Some(expected) = env.secret("OPERATOR_TOKEN").ok().map(|s| s.to_string()).filter(|s| s.len() >= 16)
    else {
        return Err(ApiError::new(404, "not_found", "operator endpoints are not enabled (OPERATOR_TOKEN)"));
    };
    let presented = req.header("authorization").unwrap_or_default();
    let presented = presented.strip_prefix("Bearer ").unwrap_or_default();
    // Compared as hashes, so the comparison's time says nothing about the secret.
    if sha2::Sha256::digest(presented.as_bytes()) == sha2::Sha256::digest(expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("a valid operator token is required"))
    }
}

/// Whether one of the user's characters is a configured site admin.
fn is_site_admin(user: &accounts::UserView, env: &Env) -> bool {
    let admins = config::site_admins(env);
    user.characters.iter().any(|c| admins.contains(&c.id.0))
}

/// The admin behind the request, or 401/403. Site admins are character ids in configuration.
async fn require_admin(
    req: &Request,
    pg: &PgClient,
    env: &Env,
) -> Result<(SessionToken, SessionRecord), ApiError> {
    let (token, session) = authenticate(req, pg).await?;
    let user = accounts::user_view(pg, session.user_id).await.map_err(internal)?;
    if user.is_some_and(|u| is_site_admin(&u, env)) {
        Ok((token, session))
    } else {
        Err(ApiError::forbidden("site admins only"))
    }
}

async fn admin_users(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    require_admin(&req, &pg, &state.env).await?;
    let limit = page_limit(&req)?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0).max(0);
    let users = accounts::list_users(&pg, limit, offset).await.map_err(internal)?;
    Response::json(200, &AdminUsersResponse { users, limit, offset })
}

async fn admin_user(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    require_admin(&req, &pg, &state.env).await?;
    let user_id = hub_domain::UserId(params.parse("id")?);
    let user = accounts::user_view(&pg, user_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    let sessions = session::list_for_user(&pg, &WorkerClock, user_id).await.map_err(internal)?;
    Response::json(200, &AdminUserResponse { user, sessions: session_views(sessions, None) })
}

async fn admin_end_session(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (token, admin) = require_admin(&req, &pg, &state.env).await?;
    require_csrf(&req, &token)?;
    let id: uuid::Uuid = params.parse("id")?;
    if !session::end(&pg, &WorkerClock, id, None, "ended_by_admin").await.map_err(internal)? {
        return Err(ApiError::not_found("no such live session"));
    }
    let entry = Entry::new(Action::AdminAction)
        .actor(admin.user_id)
        .detail(serde_json::json!({ "ended_session": id }))
        .ip(client_info(&req).ip);
    audit::record(&pg, &entry).await.map_err(internal)?;
    Ok(Response::new(204))
}

async fn admin_audit(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    require_admin(&req, &pg, &state.env).await?;
    let limit = page_limit(&req)?;
    let before = optional_number(&req, "before_id")?;
    let user = req
        .query_param("user_id")
        .map(|raw| {
            raw.parse().map(hub_domain::UserId).map_err(|_| ApiError::bad_request("user_id must be a uuid"))
        })
        .transpose()?;
    let entries = audit::list(&pg, user, before, limit).await.map_err(internal)?;
    let next_before_id =
        (i64::try_from(entries.len()).unwrap_or(0) == limit).then(|| entries.last().map(|e| e.id)).flatten();
    Response::json(200, &AuditPage { entries, next_before_id })
}

/// The core Durable Object: login state (SQLite), and the health probe.
#[durable_object]
pub struct CoreState {
    storage: DurableSql,
}

impl DurableObject for CoreState {
    fn new(state: State, _env: Env) -> Self {
        let storage = DurableSql::of(&state);
        if let Err(e) = hub_durable::probe::migrate(&storage).and_then(|()| oauth::migrate(&storage)) {
            tracing::error!(error = %e, "creating the core tables failed");
        }
        Self { storage }
    }

    async fn fetch(&self, req: worker::Request) -> worker::Result<worker::Response> {
        hub_worker::durable::serve_rpc(req, |iface, method, body| async move {
            if iface == LoginStates::NAME {
                LoginStates::dispatch(&LoginStateStore { storage: &self.storage }, &method, &body).await
            } else {
                hub_worker::durable::dispatch_health(&self.storage, &iface, &method, &body).await
            }
        })
        .await
    }
}

struct LoginStateStore<'a> {
    storage: &'a DurableSql,
}

impl LoginStatesHandler for LoginStateStore<'_> {
    async fn begin(&self, request: BeginLogin) -> Result<Begun, RpcError> {
        oauth::begin(
            self.storage,
            &OsRandom,
            &WorkerClock,
            request.provider,
            &request.flow,
            request.return_to.as_deref(),
        )
        .map_err(|e| RpcError::internal(e.to_string()))
    }

    async fn finish(&self, request: FinishLogin) -> Result<Pending, RpcError> {
        oauth::finish(
            self.storage,
            &WorkerClock,
            request.provider,
            &request.state,
            request.browser_nonce.as_deref(),
        )
        .map_err(|e| match e {
            oauth::StateError::Storage(message) => RpcError::internal(message),
            refused => RpcError::new(RpcErrorCode::BadRequest, refused.to_string()),
        })
    }
}
