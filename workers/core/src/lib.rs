//! The core worker: EVE SSO login, users and their characters, sessions.
//!
//! Thin glue only: the flows live in `hub-auth` (login state, sessions, accounts) and `hub-sso`
//! (token validation); this crate reads configuration, wires the ports and maps errors to HTTP.

use hub_api::{
    AdminUserResponse, AdminUsersResponse, AuditPage, BanBody, CharacterToken, CurrentSession, MeResponse,
    MeUser, PrimaryRequest, SessionView, SessionsResponse, TokenCheckResponse, TokenCheckStatus,
    UnknownStatus, UnknownToken,
};
use hub_auth::accounts::{self, AccountError, LoginIdentity, SignInRequest};
use hub_auth::admin::{self, Actor, AdminError};
use hub_auth::audit::{self, Action, Entry};
use hub_auth::oauth::{self, Begun, Flow, Pending, Provider, Start, LOGIN_COOKIE};
use hub_auth::session::{self, ClientInfo, SessionPolicy, SessionRecord};
use hub_db::pg::PgClient;
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::scopes::{self, ScopeGrant};
use hub_domain::{CharacterId, Service, UserId};
use hub_http::{ApiError, Params, Request, Response, Router};
use hub_ports::{HttpTransport, OsRandom};
use hub_rpc::interfaces::{
    AuditPermit, CharacterRequest, CharacterSync, FinishLogin, LoginStates, LoginStatesHandler, PutTokens,
    TokenStore,
};
use hub_rpc::{Interface, RpcError, RpcErrorCode};
use hub_sso::jwks::VerifyError;
use hub_tokens::{NewTokens, TokenHealth};
use hub_worker::auth::{
    authenticate, client_ip, internal, optional_number, page_limit, require_csrf, require_operator,
    require_site_admin,
};
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
const SSO_TIMEOUT: Duration = Duration::from_secs(10);

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::CORE_STATE), DEPENDENCIES)
        .get("/api/auth/login/start", login_start)
        .get("/api/auth/character/start", character_start)
        .get("/api/auth/character/:id/grant", grant_start)
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
        .post("/api/admin/users/:id/admin", grant_admin)
        .route(hub_http::Method::Delete, "/api/admin/users/:id/admin", revoke_admin)
        .post("/api/admin/users/:id/ban", ban_user)
        .route(hub_http::Method::Delete, "/api/admin/users/:id/ban", unban_user)
        .get("/api/admin/audit", admin_audit)
}

hub_worker::worker_entry!(SERVICE, router);

fn sso_http() -> FetchTransport {
    FetchTransport { timeout: SSO_TIMEOUT }
}

fn client_info(req: &Request) -> ClientInfo {
    ClientInfo {
        ip: client_ip(req),
        user_agent: req.header("user-agent").map(|v| v.chars().take(256).collect()),
    }
}

/// The login-state object of `shard`.
fn login_states(
    state: &AppState,
    shard: u8,
) -> Result<hub_rpc::Client<LoginStates, hub_worker::DurableObjectTransport>, RpcError> {
    get_stub::<LoginStates>(
        &state.env,
        bindings::CORE_STATE,
        &oauth::shard_object(shard),
        Some(&state.request_id),
    )
}

/// The request's client key and its login shard.
fn login_client(req: &Request) -> (String, u8) {
    let client = oauth::client_key(client_ip(req).as_deref());
    let shard = oauth::shard_of_client(&client);
    (client, shard)
}

/// Starts an SSO login for `flow`, asking for `scopes`: a state in the client's shard, the login
/// cookie, and a redirect to the SSO. Too many starts from one client answer 429.
async fn begin_login(
    state: &AppState,
    req: &Request,
    flow: Flow,
    scopes: &[String],
) -> Result<Response, ApiError> {
    let sso = SsoConfig::from_env(&state.env)?;
    let (client, shard) = login_client(req);
    let start =
        Start { shard, client, provider: Provider::Eve, flow, return_to: req.query_value("return_to") };
    let begun: Begun = match login_states(state, shard)?.begin(&start).await {
        Ok(begun) => begun,
        Err(e) if e.code == RpcErrorCode::TooManyRequests => {
            let refused = ApiError::new(429, "too_many_requests", e.message).into_response();
            return Ok(refused.with_header("retry-after", (oauth::RATE_WINDOW_MS / 1000).to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let location = oauth::authorize_url(&sso.client, &begun, &scopes);
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
    let scopes = SsoConfig::from_env(&state.env)?.login_scopes;
    begin_login(&state, &req, Flow::Login, &scopes).await
}

async fn character_start(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (_, session) = authenticate(&req, &pg).await?;
    let scopes = SsoConfig::from_env(&state.env)?.login_scopes;
    begin_login(&state, &req, Flow::LinkCharacter { user_id: session.user_id }, &scopes).await
}

/// `GET /api/auth/character/:id/grant?scopes=character_data|corporation_data`: the explicit step in
/// which a character grants more scopes. Asks for what the login needs, what the character already
/// granted (the new token replaces the old one) and the grant's own scopes; the SSO must come back
/// with this character.
async fn grant_start(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let (_, session) = authenticate(&req, &pg).await?;
    let character = CharacterId(params.parse("id")?);
    let grant = req
        .query_param("scopes")
        .and_then(ScopeGrant::parse)
        .ok_or_else(|| ApiError::bad_request("scopes must be character_data or corporation_data"))?;
    let user = accounts::user_view(&pg, session.user_id).await.map_err(internal)?;
    let Some(view) = user.and_then(|u| u.characters.into_iter().find(|c| c.id == character)) else {
        return Err(ApiError::not_found("this character is not on your account"));
    };
    let current =
        match token_store(&state, character)?.health(&CharacterRequest { character_id: character }).await {
            Ok(Some(
                TokenHealth::Valid { scopes, .. }
                | TokenHealth::Retrying { scopes, .. }
                | TokenHealth::Invalid { scopes, .. },
            )) => scopes,
            _ => view.scopes,
        };
    let login = SsoConfig::from_env(&state.env)?.login_scopes;
    let wanted = scopes::union(&current, &login, grant.scopes());
    let flow = Flow::GrantScopes { user_id: session.user_id, character_id: character, grant };
    begin_login(&state, &req, flow, &wanted).await
}

/// Why a login failed, for the audit log and the server's own log: never the provider's text.
struct Failure {
    reason: String,
    error: ApiError,
}

impl Failure {
    fn new(reason: impl Into<String>, error: ApiError) -> Self {
        Self { reason: reason.into(), error }
    }
}

/// An OAuth error code from the SSO's redirect, as one of the codes RFC 6749 defines (anything else
/// is `other`): what the audit log keeps of it.
fn oauth_error_code(raw: &str) -> &'static str {
    const KNOWN: [&str; 7] = [
        "access_denied",
        "invalid_request",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "unauthorized_client",
        "unsupported_response_type",
    ];
    KNOWN.into_iter().find(|k| *k == raw).unwrap_or("other")
}

/// `GET /api/auth/callback`. Every answer clears the login cookie. Failures are audited within
/// the client's budget (a flood of bad callbacks writes a bounded trail) and answered without the
/// provider's text; a browser gets a page, an API client JSON.
async fn callback(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let response = match complete_login(&req, &state).await {
        Ok(response) => response,
        Err(Failure { reason, error }) => {
            record_failure(&req, &state, &reason).await;
            failure_page(&req, error)
        }
    };
    Ok(response.with_header(
        "set-cookie",
        format!("{LOGIN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"),
    ))
}

/// Writes a `login_failed` entry if the client's audit budget allows; logs it either way.
async fn record_failure(req: &Request, state: &AppState, reason: &str) {
    tracing::info!(reason, "login failed");
    let (client, shard) = login_client(req);
    let permitted = async { login_states(state, shard)?.audit_permit(&AuditPermit { client }).await }.await;
    match permitted {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "the login audit budget is unavailable; not auditing");
            return;
        }
    }
    let entry = Entry::new(Action::LoginFailed)
        .detail(serde_json::json!({ "reason": reason }))
        .ip(client_info(req).ip);
    let written = async {
        let pg = hub_worker::pg::connect(&state.env).await?;
        audit::record(&pg, &entry).await
    }
    .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "audit write failed");
    }
}

/// The failure as the client expects it: JSON for an API client; for a browser, back to the app,
/// which explains the error's code (`/?login_error=<code>`: a code of ours, never the provider's
/// text), on the login page or the page the user was on.
fn failure_page(req: &Request, error: ApiError) -> Response {
    let wants_html = req.header("accept").is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return error.into_response();
    }
    let mut page = Response::redirect(&format!("/?login_error={}", error.code));
    page.status = 303;
    page.with_header("referrer-policy", "no-referrer")
}

/// Takes the login state back at the callback, from the shard its first character names, and the
/// code that came with it.
async fn take_state(req: &Request, state: &AppState) -> Result<(Pending, String), Failure> {
    if let Some(error) = req.query_value("error") {
        let message = if error == "access_denied" {
            "You cancelled the login at EVE SSO."
        } else {
            "EVE SSO did not complete the login. Try again."
        };
        let code = if error == "access_denied" { "login_cancelled" } else { "sso_refused" };
        return Err(Failure::new(
            format!("sso_error: {}", oauth_error_code(&error)),
            ApiError::new(400, code, message),
        ));
    }
    let (Some(code), Some(login_state)) = (req.query_value("code"), req.query_value("state")) else {
        return Err(Failure::new(
            "missing_parameters",
            ApiError::new(400, "invalid_callback", "missing code or state"),
        ));
    };
    let invalid_state = |message: &str| ApiError::new(400, "invalid_state", message);
    let Some(shard) = oauth::shard_of_state(&login_state) else {
        return Err(Failure::new(
            "unknown or already used login state",
            invalid_state("unknown or already used login state"),
        ));
    };
    let unavailable = |e: RpcError| Failure::new(format!("login state: {e}"), ApiError::from(e));
    let browser_nonce =
        req.header("cookie").and_then(|c| session::cookie_value(&c, LOGIN_COOKIE).map(str::to_owned));
    let finish = FinishLogin { provider: Provider::Eve, state: login_state, browser_nonce };
    match login_states(state, shard).map_err(unavailable)?.finish(&finish).await {
        Ok(pending) => Ok((pending, code)),
        Err(e) if e.code == RpcErrorCode::BadRequest => {
            Err(Failure::new(e.message.clone(), invalid_state(&e.message)))
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// What a refused sign-in tells the browser.
fn sign_in_failure(e: AccountError, identity: &LoginIdentity) -> Failure {
    match e {
        AccountError::AlreadyLinked | AccountError::NotYours => {
            Failure::new("character of another account", ApiError::new(409, "already_linked", e.to_string()))
        }
        AccountError::UnknownUser => Failure::new(
            "unknown user",
            ApiError::new(401, "session_ended", "your session has ended; log in again"),
        ),
        AccountError::Disabled => Failure::new(
            "account disabled",
            ApiError::new(
                403,
                "account_disabled",
                "This account is disabled. Ask a site admin if you think this is a mistake.",
            ),
        ),
        AccountError::WrongCharacter => Failure::new(
            "another character came back",
            ApiError::new(
                400,
                "wrong_character",
                format!(
                    "You logged in as {} at EVE SSO: choose the character you were granting access for.",
                    identity.name
                ),
            ),
        ),
        other => Failure::new("sign-in", internal(other)),
    }
}

/// The callback's work: takes the state back, exchanges the code, signs the character in, hands
/// the tokens over, and answers with the redirect.
async fn complete_login(req: &Request, state: &AppState) -> Result<Response, Failure> {
    let (pending, code) = take_state(req, state).await?;
    let sso = SsoConfig::from_env(&state.env).map_err(|e| Failure::new("not configured", e))?;
    let (claims, tokens) = exchange_and_verify(&sso, &code, &pending.code_verifier).await?;
    let pg = hub_worker::auth::database(&state.env).await.map_err(|e| Failure::new("database", e))?;

    let identity = LoginIdentity {
        character_id: claims.character_id,
        name: claims.name,
        owner_hash: claims.owner_hash,
        scopes: claims.scopes,
    };
    let access_expires_at_ms = claims.expires_at.saturating_mul(1000);
    let client = client_info(req);
    let bootstrap_admins = config::site_admins(&state.env);
    let request = SignInRequest {
        identity: &identity,
        flow: &pending.flow,
        ip: client.ip.as_deref(),
        bootstrap_admins: &bootstrap_admins,
    };
    let signed_in = accounts::sign_in(&pg, &OsRandom, &WorkerClock, request)
        .await
        .map_err(|e| sign_in_failure(e, &identity))?;
    if signed_in.became_site_admin {
        tracing::info!(character = %identity.character_id, user = %signed_in.user_id, "site admin bootstrapped");
    }
    store_tokens(state, &identity, tokens, access_expires_at_ms).await;
    let mut ended = signed_in.ended;
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
        .with_header("referrer-policy", "no-referrer");
    if pending.flow == Flow::Login {
        // A new session at every login; the one the browser had (if any) ends.
        let db = |e| Failure::new("session", internal(e));
        if let Some(old) = req.header("cookie").and_then(|c| session::token_from_cookies(&c)) {
            if let Ok(Some(old)) =
                session::authenticate(&pg, &WorkerClock, &SessionPolicy::default(), &old).await
            {
                ended.extend(session::end(&pg, &WorkerClock, old.id, None, "rotated").await.map_err(db)?);
            }
        }
        let policy = SessionPolicy::default();
        let (token, _) = session::create(&pg, &OsRandom, &WorkerClock, &policy, signed_in.user_id, &client)
            .await
            .map_err(db)?;
        response = response.with_header("set-cookie", session::session_cookie(&token, &policy));
    }
    hub_worker::notify::end_sessions(&state.env, &state.request_id, &ended).await;
    Ok(response)
}

/// Exchanges the code (PKCE verifier, client in HTTP Basic) and validates the access token locally.
async fn exchange_and_verify(
    sso: &SsoConfig,
    code: &str,
    code_verifier: &str,
) -> Result<(hub_sso::jwt::EveClaims, oauth::TokenResponse), Failure> {
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
            return Err(Failure::new(format!("code exchange: {reason}"), error));
        }
    };
    match config::verify_access_token(sso, &http, &WorkerClock, &tokens.access_token).await {
        Ok(claims) => Ok((claims, tokens)),
        Err(VerifyError::KeysUnavailable(reason)) => {
            let error = ApiError::unavailable("EVE SSO's signing keys are unavailable; try again");
            Err(Failure::new(format!("jwks: {reason}"), error))
        }
        Err(VerifyError::Token(e)) => {
            let error = ApiError::new(401, "invalid_token", "EVE SSO returned a token we cannot accept");
            Err(Failure::new(format!("token: {e}"), error))
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
    let is_admin = session.site_admin;
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
    let ended = session::end(&pg, &WorkerClock, session.id, Some(session.user_id), "logout")
        .await
        .map_err(internal)?;
    let entry = Entry::new(Action::Logout).user(session.user_id).ip(client_info(&req).ip);
    audit::record(&pg, &entry).await.map_err(internal)?;
    hub_worker::notify::end_sessions(&state.env, &state.request_id, &ended).await;
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
    let ended = session::end(&pg, &WorkerClock, id, Some(current.user_id), "ended_by_user")
        .await
        .map_err(internal)?;
    if ended.is_empty() {
        return Err(ApiError::not_found("no such live session of yours"));
    }
    let entry = Entry::new(Action::SessionEnded)
        .user(current.user_id)
        .detail(serde_json::json!({ "session_id": id }))
        .ip(client_info(&req).ip);
    audit::record(&pg, &entry).await.map_err(internal)?;
    hub_worker::notify::end_sessions(&state.env, &state.request_id, &ended).await;
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

/// The site admin behind the request, or 401/403. Mutating requests must carry the CSRF token.
async fn require_admin(req: &Request, pg: &PgClient, mutating: bool) -> Result<SessionRecord, ApiError> {
    let (token, session) = authenticate(req, pg).await?;
    require_site_admin(&session)?;
    if mutating {
        require_csrf(req, &token)?;
    }
    Ok(session)
}

async fn admin_users(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    require_admin(&req, &pg, false).await?;
    let limit = page_limit(&req)?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0).max(0);
    let users = accounts::list_users(&pg, limit, offset).await.map_err(internal)?;
    Response::json(200, &AdminUsersResponse { users, limit, offset })
}

async fn admin_user(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    require_admin(&req, &pg, false).await?;
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
    let admin = require_admin(&req, &pg, true).await?;
    let id: uuid::Uuid = params.parse("id")?;
    let ended = session::end(&pg, &WorkerClock, id, None, "ended_by_admin").await.map_err(internal)?;
    let Some((user, _)) = ended.0.first().copied() else {
        return Err(ApiError::not_found("no such live session"));
    };
    let entry = Entry::new(Action::AdminAction)
        .user(user)
        .actor(admin.user_id)
        .detail(serde_json::json!({ "ended_session": id }))
        .ip(client_info(&req).ip);
    audit::record(&pg, &entry).await.map_err(internal)?;
    hub_worker::notify::end_sessions(&state.env, &state.request_id, &ended).await;
    Ok(Response::new(204))
}

fn admin_error(e: AdminError) -> ApiError {
    match e {
        AdminError::NotFound => ApiError::not_found(e.to_string()),
        AdminError::LastAdmin | AdminError::IsAdmin | AdminError::Yourself => {
            ApiError::conflict(e.to_string())
        }
        AdminError::Reason => ApiError::bad_request(e.to_string()),
        AdminError::Database(e) => internal(e),
    }
}

/// `POST /api/admin/users/:id/admin`: makes the user a site admin (audited).
async fn grant_admin(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let admin = require_admin(&req, &pg, true).await?;
    let target = UserId(params.parse("id")?);
    let ip = client_ip(&req);
    admin::grant_site_admin(&pg, Actor { user_id: admin.user_id, ip: ip.as_deref() }, target)
        .await
        .map_err(admin_error)?;
    Ok(Response::new(204))
}

/// `DELETE /api/admin/users/:id/admin`: takes the right away (never from the last admin).
async fn revoke_admin(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let admin = require_admin(&req, &pg, true).await?;
    let target = UserId(params.parse("id")?);
    let ip = client_ip(&req);
    admin::revoke_site_admin(&pg, Actor { user_id: admin.user_id, ip: ip.as_deref() }, target)
        .await
        .map_err(admin_error)?;
    Ok(Response::new(204))
}

/// `POST /api/admin/users/:id/ban` `{reason}`: disables the account; its sessions and sockets end
/// at once.
async fn ban_user(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let admin = require_admin(&req, &pg, true).await?;
    let target = UserId(params.parse("id")?);
    let body: BanBody = req.json()?;
    let ip = client_ip(&req);
    let actor = Actor { user_id: admin.user_id, ip: ip.as_deref() };
    let ended =
        admin::disable_user(&pg, &WorkerClock, actor, target, &body.reason).await.map_err(admin_error)?;
    hub_worker::notify::end_sessions(&state.env, &state.request_id, &ended).await;
    Ok(Response::new(204))
}

/// `DELETE /api/admin/users/:id/ban`: lifts the ban.
async fn unban_user(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    let admin = require_admin(&req, &pg, true).await?;
    let target = UserId(params.parse("id")?);
    let ip = client_ip(&req);
    admin::enable_user(&pg, Actor { user_id: admin.user_id, ip: ip.as_deref() }, target)
        .await
        .map_err(admin_error)?;
    Ok(Response::new(204))
}

async fn admin_audit(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let pg = hub_worker::auth::database(&state.env).await?;
    require_admin(&req, &pg, false).await?;
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
    async fn begin(&self, request: Start) -> Result<Begun, RpcError> {
        oauth::begin(self.storage, &OsRandom, &WorkerClock, &request, &oauth::Limits::DEFAULT).map_err(|e| {
            match e {
                oauth::StateError::RateLimited { .. } => {
                    RpcError::new(RpcErrorCode::TooManyRequests, e.to_string())
                }
                other => RpcError::internal(other.to_string()),
            }
        })
    }

    async fn audit_permit(&self, request: AuditPermit) -> Result<bool, RpcError> {
        oauth::audit_permit(self.storage, &WorkerClock, &request.client)
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
