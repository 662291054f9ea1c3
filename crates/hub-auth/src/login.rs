//! Logging in with EVE SSO, from the first redirect to the session: a state in the client's shard
//! and the login cookie; at the callback the state back, the code exchanged, the access token
//! verified, the character signed in, its tokens handed to its token store, its sync started, the
//! seller of a transferred character told, and a new session for a login.

use crate::oauth::{
    self, AuditPermit, Begun, FinishLogin, Flow, LoginShard, LoginStates, Pending, Provider, Start,
    LOGIN_COOKIE,
};
use hub_accounts::accounts::{self, AccountError, LoginIdentity, SignInRequest};
use hub_accounts::audit::{self, Action, Entry};
use hub_accounts::session::{self, ClientInfo, SessionPolicy};
use hub_app::{internal, Context, Runtime};
use hub_domain::notification::{NewNotification, NotificationKind};
use hub_domain::CharacterRequest;
use hub_esi::sync::CharacterSync;
use hub_http::{ApiError, Request, Response};
use hub_ports::HttpTransport;
use hub_sso::client::{self, TokenResponse};
use hub_sso::jwks::VerifyError;
use hub_sso::jwt::EveClaims;
use hub_sso::settings::SsoConfig;
use hub_tokens::rpc::{PutTokens, TokenStore};
use hub_tokens::NewTokens;

/// The deployment's EVE SSO settings; 503 naming what is missing.
pub fn sso_config(ctx: &impl Runtime) -> Result<SsoConfig, ApiError> {
    SsoConfig::from_settings(|name| ctx.setting(name))
        .map_err(|e| ApiError::unavailable(format!("EVE SSO is not configured: {e}")))
}

/// The request's client key and its login shard.
fn login_client(client: &ClientInfo) -> (String, u8) {
    let key = oauth::client_key(client.ip.as_deref());
    let shard = oauth::shard_of_client(&key);
    (key, shard)
}

/// Starts an EVE SSO login for `flow`, asking for `scopes`: see [`begin_with`].
pub async fn begin(
    ctx: &impl Context,
    client_info: &ClientInfo,
    return_to: Option<String>,
    flow: Flow,
    scopes: &[String],
) -> Result<Response, ApiError> {
    let sso = sso_config(ctx)?;
    begin_with(ctx, client_info, return_to, Provider::Eve, &sso.client, flow, scopes).await
}

/// Starts an OAuth flow at `provider` for `flow`, asking for `scopes`: a state tagged with the
/// provider in the client's shard, the login cookie, and a redirect to the provider. Too many
/// starts from one client answer 429.
pub async fn begin_with(
    ctx: &impl Context,
    client_info: &ClientInfo,
    return_to: Option<String>,
    provider: Provider,
    oauth: &client::ClientConfig,
    flow: Flow,
    scopes: &[String],
) -> Result<Response, ApiError> {
    let (client, shard) = login_client(client_info);
    let start = Start { shard, client, provider, flow, return_to };
    let begun: Begun = match ctx.stub::<LoginStates>(&LoginShard(shard))?.begin(&start).await {
        Ok(begun) => begun,
        Err(e) if e.is(hub_http::codes::TOO_MANY_REQUESTS) => {
            let refused = e.into_response();
            return Ok(refused.with_header("retry-after", (oauth::RATE_WINDOW_MS / 1000).to_string()));
        }
        Err(e) => return Err(e),
    };
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let location = client::authorize_url(oauth, &begun.state, &begun.code_challenge, &scopes);
    Ok(Response::redirect(&location).with_header(
        "set-cookie",
        format!(
            "{LOGIN_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={}",
            begun.browser_nonce,
            oauth::STATE_TTL_MS / 1000
        ),
    ))
}

/// Why a login failed, for the audit log and the server's own log: never the provider's text.
pub struct Failure {
    pub reason: String,
    pub error: ApiError,
}

impl Failure {
    pub fn new(reason: impl Into<String>, error: ApiError) -> Self {
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

/// `GET /api/auth/callback`: see [`callback_with`].
pub async fn callback(ctx: &impl Context, req: &Request, client_info: &ClientInfo) -> Response {
    callback_with(ctx, req, client_info, Provider::Eve, async |pending, code| {
        complete(ctx, req, client_info, pending, code).await
    })
    .await
}

/// A provider's callback: the login state is taken back (it must be `provider`'s and this
/// browser's), then `complete` runs. Every answer clears the login cookie. Failures are audited
/// within the client's budget (a flood of bad callbacks writes a bounded trail) and answered
/// without the provider's text; a browser gets a page, an API client JSON.
pub async fn callback_with<C: Context>(
    ctx: &C,
    req: &Request,
    client_info: &ClientInfo,
    provider: Provider,
    complete: impl AsyncFnOnce(Pending, String) -> Result<Response, Failure>,
) -> Response {
    let outcome = match take_state(ctx, req, provider).await {
        Ok((pending, code)) => complete(pending, code).await,
        Err(failure) => Err(failure),
    };
    let response = match outcome {
        Ok(response) => response,
        Err(Failure { reason, error }) => {
            record_failure(ctx, client_info, &reason).await;
            failure_page(req, error)
        }
    };
    response.with_header(
        "set-cookie",
        format!("{LOGIN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"),
    )
}

/// Writes a `login_failed` entry if the client's audit budget allows; logs it either way.
async fn record_failure(ctx: &impl Context, client_info: &ClientInfo, reason: &str) {
    tracing::info!(reason, "login failed");
    let (client, shard) = login_client(client_info);
    let permitted =
        async { ctx.stub::<LoginStates>(&LoginShard(shard))?.audit_permit(&AuditPermit { client }).await }
            .await;
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
        .ip(client_info.ip.clone());
    let written = async { audit::record(ctx.postgres().await?, &entry).await.map_err(internal) }.await;
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
async fn take_state(
    ctx: &impl Context,
    req: &Request,
    provider: Provider,
) -> Result<(Pending, String), Failure> {
    if let Some(error) = req.query_value("error") {
        let cancelled = error == "access_denied";
        let message = if cancelled {
            "You cancelled the login at EVE SSO."
        } else {
            "EVE SSO did not complete the login. Try again."
        };
        let code = if cancelled { "login_cancelled" } else { "sso_refused" };
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
        let reason = "unknown or already used login state";
        return Err(Failure::new(reason, invalid_state(reason)));
    };
    let unavailable = |e: ApiError| Failure::new(format!("login state: {e}"), e);
    let browser_nonce =
        req.header("cookie").and_then(|c| session::cookie_value(&c, LOGIN_COOKIE).map(str::to_owned));
    let finish = FinishLogin { provider, state: login_state, browser_nonce };
    match ctx.stub::<LoginStates>(&LoginShard(shard)).map_err(unavailable)?.finish(&finish).await {
        Ok(pending) => Ok((pending, code)),
        Err(e) if e.is(hub_http::codes::BAD_REQUEST) => {
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

/// The EVE callback's work: exchanges the code, signs the character in, hands the tokens over, and
/// answers with the redirect.
async fn complete(
    ctx: &impl Context,
    req: &Request,
    client_info: &ClientInfo,
    pending: Pending,
    code: String,
) -> Result<Response, Failure> {
    let sso = sso_config(ctx).map_err(|e| Failure::new("not configured", e))?;
    let (claims, tokens) = exchange_and_verify(ctx, &sso, &code, &pending.code_verifier).await?;
    let pg = ctx.postgres().await.map_err(|e| Failure::new("database", e))?;

    let identity = LoginIdentity {
        character_id: claims.character_id,
        name: claims.name,
        owner_hash: claims.owner_hash,
        scopes: claims.scopes,
    };
    let access_expires_at_ms = claims.expires_at.saturating_mul(1000);
    let bootstrap_admins = hub_sso::settings::bootstrap_admins(|name| ctx.setting(name));
    let request = SignInRequest {
        identity: &identity,
        flow: &pending.flow,
        ip: client_info.ip.as_deref(),
        bootstrap_admins: &bootstrap_admins,
    };
    let signed_in = accounts::sign_in(pg, ctx.random(), ctx.clock(), request)
        .await
        .map_err(|e| sign_in_failure(e, &identity))?;
    if signed_in.became_site_admin {
        tracing::info!(character = %identity.character_id, user = %signed_in.user_id, "site admin bootstrapped");
    }
    store_tokens(ctx, &identity, tokens, access_expires_at_ms).await;
    let mut ended = signed_in.ended;
    // What the user's characters entitle them to moved: a character linked, or bought from another.
    if signed_in.outcome == accounts::Outcome::Linked || signed_in.transferred_from.is_some() {
        let users = signed_in.transferred_from.into_iter().chain([signed_in.user_id]);
        hub_entitlements::users_changed(ctx, users.collect::<Vec<_>>()).await;
    }
    if let Some(previous) = signed_in.transferred_from {
        tracing::info!(character = %identity.character_id, previous_user = %previous, "character transfer detected");
        let notification = NewNotification {
            user_id: previous,
            kind: NotificationKind::CharacterTransferred,
            title: format!("{} was transferred to another account owner", identity.name),
            data: serde_json::json!({ "character_id": identity.character_id }),
        };
        hub_notify::deliver(ctx, vec![notification]).await;
    }
    let mut response = Response::redirect(pending.return_to.as_deref().unwrap_or("/"))
        .with_header("referrer-policy", "no-referrer");
    if pending.flow == Flow::Login {
        // A new session at every login; the one the browser had (if any) ends.
        let db = |e| Failure::new("session", internal(e));
        if let Some(old) = req.header("cookie").and_then(|c| session::token_from_cookies(&c)) {
            if let Ok(Some(old)) = session::lookup(pg, ctx.clock(), &old).await {
                ended.extend(session::end(pg, ctx.clock(), old.id, None, "rotated").await.map_err(db)?);
            }
        }
        let policy = SessionPolicy::default();
        let (token, _) =
            session::create(pg, ctx.random(), ctx.clock(), &policy, signed_in.user_id, client_info)
                .await
                .map_err(db)?;
        response = response.with_header("set-cookie", session::session_cookie(&token, &policy));
    }
    hub_notify::rpc::end_sessions(ctx, ended.by_user()).await;
    Ok(response)
}

/// Exchanges the code (PKCE verifier, client in HTTP Basic) and validates the access token locally.
async fn exchange_and_verify(
    ctx: &impl Runtime,
    sso: &SsoConfig,
    code: &str,
    code_verifier: &str,
) -> Result<(EveClaims, TokenResponse), Failure> {
    let exchange = client::code_exchange(&sso.client, code, code_verifier);
    let tokens = match ctx
        .http()
        .send(exchange)
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| client::parse_token_response(&r).map_err(|e| e.to_string()))
    {
        Ok(tokens) => tokens,
        Err(reason) => {
            let error =
                ApiError::new(502, "sso_unavailable", "EVE SSO did not complete the login; try again");
            return Err(Failure::new(format!("code exchange: {reason}"), error));
        }
    };
    match sso.verify_access_token(ctx.http(), ctx.clock(), &tokens.access_token).await {
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

/// Hands the login's tokens to the character's token store object (encrypted there), then starts
/// the character's sync. A failure does not undo the login: the character then shows no token
/// health until the next login.
async fn store_tokens(
    ctx: &impl Runtime,
    identity: &LoginIdentity,
    tokens: TokenResponse,
    access_expires_at_ms: i64,
) {
    let Some(refresh_token) = tokens.refresh_token else {
        tracing::warn!(character = %identity.character_id, "EVE SSO returned no refresh token");
        return;
    };
    let character = identity.character_id;
    let put = PutTokens {
        character_id: character,
        tokens: NewTokens {
            access_token: tokens.access_token,
            refresh_token,
            access_expires_at_ms,
            scopes: identity.scopes.clone(),
            owner_hash: identity.owner_hash.clone(),
        },
    };
    if let Err(e) = async { ctx.stub::<TokenStore>(&character)?.put(&put).await }.await {
        tracing::error!(character = %character, error = %e, "storing the login's tokens failed");
        return;
    }
    let request = CharacterRequest { character_id: character };
    if let Err(e) = async { ctx.stub::<CharacterSync>(&character)?.start(&request).await }.await {
        tracing::warn!(character = %character, error = %e, "starting the character's sync failed");
    }
}
