//! EVE SSO configuration, from the environment (`[vars]` in wrangler config, `.dev.vars` locally,
//! `wrangler secret put` for secrets). Defaults point at CCP's EVE SSO.

use hub_auth::oauth::ClientConfig;
use hub_http::ApiError;
use hub_ports::{Clock, HttpTransport};
use hub_sso::jwks::{JwksCache, VerifyError};
use hub_sso::jwt::{EveClaims, Expectations, EVE_ISSUERS};
use std::cell::RefCell;
use std::rc::Rc;

const DEFAULT_AUTHORIZE_URL: &str = "https://login.eveonline.com/v2/oauth/authorize";
const DEFAULT_TOKEN_URL: &str = "https://login.eveonline.com/v2/oauth/token";
const DEFAULT_REVOKE_URL: &str = "https://login.eveonline.com/v2/oauth/revoke";
const DEFAULT_JWKS_URL: &str = "https://login.eveonline.com/oauth/jwks";
/// Clock skew tolerated on token times.
pub const LEEWAY_SECS: i64 = 30;

fn var(env: &worker::Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty())
}

fn secret(env: &worker::Env, name: &str) -> Option<String> {
    env.secret(name).ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty())
}

pub struct SsoConfig {
    pub client: ClientConfig,
    pub jwks_url: String,
    pub issuers: Vec<String>,
    /// What a login asks for (`EVE_SSO_SCOPES`, default [`hub_domain::scopes::LOGIN`]). Data and
    /// corporation scopes are granted in their own steps.
    pub login_scopes: Vec<String>,
}

impl SsoConfig {
    /// Reads the EVE SSO settings; 503 when the application credentials are not configured.
    pub fn from_env(env: &worker::Env) -> Result<Self, ApiError> {
        let not_configured =
            || ApiError::unavailable("EVE SSO is not configured (EVE_SSO_CLIENT_ID, EVE_SSO_CLIENT_SECRET)");
        let client_id = var(env, "EVE_SSO_CLIENT_ID").ok_or_else(not_configured)?;
        let client_secret = secret(env, "EVE_SSO_CLIENT_SECRET").ok_or_else(not_configured)?;
        let origin = var(env, "PUBLIC_ORIGIN")
            .ok_or_else(|| ApiError::unavailable("PUBLIC_ORIGIN is not configured"))?;
        let issuers = var(env, "EVE_SSO_ISSUER").map_or_else(
            || EVE_ISSUERS.iter().map(|s| (*s).to_owned()).collect(),
            |list| list.split(',').map(|s| s.trim().to_owned()).collect(),
        );
        Ok(Self {
            client: ClientConfig {
                authorize_url: var(env, "EVE_SSO_AUTHORIZE_URL")
                    .unwrap_or_else(|| DEFAULT_AUTHORIZE_URL.into()),
                token_url: var(env, "EVE_SSO_TOKEN_URL").unwrap_or_else(|| DEFAULT_TOKEN_URL.into()),
                revoke_url: var(env, "EVE_SSO_REVOKE_URL").unwrap_or_else(|| DEFAULT_REVOKE_URL.into()),
                client_id,
                client_secret,
                redirect_uri: format!("{}/api/auth/callback", origin.trim_end_matches('/')),
            },
            jwks_url: var(env, "EVE_SSO_JWKS_URL").unwrap_or_else(|| DEFAULT_JWKS_URL.into()),
            issuers,
            login_scopes: var(env, "EVE_SSO_SCOPES").map_or_else(
                || hub_domain::scopes::LOGIN.iter().map(|s| (*s).to_owned()).collect(),
                |list| list.split_whitespace().map(str::to_owned).collect(),
            ),
        })
    }
}

/// The hub's public origin (`PUBLIC_ORIGIN`, e.g. `https://auth.example.org`), without a trailing
/// slash: what browsers send as `Origin`.
pub fn public_origin(env: &worker::Env) -> Option<String> {
    var(env, "PUBLIC_ORIGIN").map(|o| o.trim_end_matches('/').to_owned())
}

/// Character ids that bootstrap the first site admins (`SITE_ADMIN_CHARACTER_IDS`, comma-separated):
/// the account of such a character's first login becomes a site admin.
pub fn site_admins(env: &worker::Env) -> Vec<i64> {
    var(env, "SITE_ADMIN_CHARACTER_IDS")
        .map(|list| list.split(',').filter_map(|id| id.trim().parse().ok()).collect())
        .unwrap_or_default()
}

thread_local! {
    /// The SSO's keys, per isolate. Refetched for unknown kids at most once a minute.
    static JWKS: RefCell<Option<Rc<JwksCache>>> = const { RefCell::new(None) };
}

fn jwks_cache(url: &str) -> Rc<JwksCache> {
    JWKS.with(|cell| Rc::clone(cell.borrow_mut().get_or_insert_with(|| Rc::new(JwksCache::new(url)))))
}

/// Validates an EVE access token (signature against the cached JWKS, then the claims).
pub async fn verify_access_token(
    sso: &SsoConfig,
    http: &impl HttpTransport,
    clock: &impl Clock,
    token: &str,
) -> Result<EveClaims, VerifyError> {
    let issuers: Vec<&str> = sso.issuers.iter().map(String::as_str).collect();
    let expect =
        Expectations { client_id: &sso.client.client_id, issuers: &issuers, leeway_secs: LEEWAY_SECS };
    jwks_cache(&sso.jwks_url).verify(http, clock, token, &expect).await
}
