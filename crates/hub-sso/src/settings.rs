//! EVE SSO configuration from the deployment's settings (`[vars]` in wrangler config, `.dev.vars`
//! locally, `wrangler secret put` for secrets). Defaults point at CCP's EVE SSO.

use crate::client::ClientConfig;
use crate::jwks::{JwksCache, VerifyError};
use crate::jwt::{EveClaims, Expectations, EVE_ISSUERS};
use hub_ports::{Clock, HttpTransport};
use std::cell::RefCell;
use std::rc::Rc;

const DEFAULT_AUTHORIZE_URL: &str = "https://login.eveonline.com/v2/oauth/authorize";
const DEFAULT_TOKEN_URL: &str = "https://login.eveonline.com/v2/oauth/token";
const DEFAULT_REVOKE_URL: &str = "https://login.eveonline.com/v2/oauth/revoke";
const DEFAULT_JWKS_URL: &str = "https://login.eveonline.com/oauth/jwks";
/// Clock skew tolerated on token times.
pub const LEEWAY_SECS: i64 = 30;

/// A setting that is missing or blank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not configured")]
pub struct MissingSetting(pub &'static str);

pub struct SsoConfig {
    pub client: ClientConfig,
    pub jwks_url: String,
    pub issuers: Vec<String>,
    /// What a login asks for (`EVE_SSO_SCOPES`, default [`hub_domain::scopes::LOGIN`]). Data and
    /// corporation scopes are granted in their own steps.
    pub login_scopes: Vec<String>,
}

impl SsoConfig {
    /// Reads the EVE SSO settings through `setting` (a blank value counts as unset).
    pub fn from_settings(setting: impl Fn(&str) -> Option<String>) -> Result<Self, MissingSetting> {
        let var = |name: &str| setting(name).filter(|v| !v.trim().is_empty());
        let client_id = var("EVE_SSO_CLIENT_ID").ok_or(MissingSetting("EVE_SSO_CLIENT_ID"))?;
        let client_secret = var("EVE_SSO_CLIENT_SECRET").ok_or(MissingSetting("EVE_SSO_CLIENT_SECRET"))?;
        let origin = hub_app::public_origin(&setting).ok_or(MissingSetting("PUBLIC_ORIGIN"))?;
        let issuers = var("EVE_SSO_ISSUER").map_or_else(
            || EVE_ISSUERS.iter().map(|s| (*s).to_owned()).collect(),
            |list| list.split(',').map(|s| s.trim().to_owned()).collect(),
        );
        Ok(Self {
            client: ClientConfig {
                authorize_url: var("EVE_SSO_AUTHORIZE_URL").unwrap_or_else(|| DEFAULT_AUTHORIZE_URL.into()),
                token_url: var("EVE_SSO_TOKEN_URL").unwrap_or_else(|| DEFAULT_TOKEN_URL.into()),
                revoke_url: var("EVE_SSO_REVOKE_URL").unwrap_or_else(|| DEFAULT_REVOKE_URL.into()),
                client_id,
                client_secret,
                redirect_uri: format!("{origin}/api/auth/callback"),
            },
            jwks_url: var("EVE_SSO_JWKS_URL").unwrap_or_else(|| DEFAULT_JWKS_URL.into()),
            issuers,
            login_scopes: var("EVE_SSO_SCOPES").map_or_else(
                || hub_domain::scopes::LOGIN.iter().map(|s| (*s).to_owned()).collect(),
                |list| list.split_whitespace().map(str::to_owned).collect(),
            ),
        })
    }

    /// Validates an EVE access token: the signature against this isolate's cached JWKS, then the
    /// claims.
    pub async fn verify_access_token(
        &self,
        http: &impl HttpTransport,
        clock: &impl Clock,
        token: &str,
    ) -> Result<EveClaims, VerifyError> {
        let issuers: Vec<&str> = self.issuers.iter().map(String::as_str).collect();
        let expect =
            Expectations { client_id: &self.client.client_id, issuers: &issuers, leeway_secs: LEEWAY_SECS };
        jwks_cache(&self.jwks_url).verify(http, clock, token, &expect).await
    }
}

/// Character ids that bootstrap the first site admins (`SITE_ADMIN_CHARACTER_IDS`, comma-separated):
/// the account of such a character's first login becomes a site admin.
pub fn bootstrap_admins(setting: impl Fn(&str) -> Option<String>) -> Vec<i64> {
    setting("SITE_ADMIN_CHARACTER_IDS")
        .map(|list| list.split(',').filter_map(|id| id.trim().parse().ok()).collect())
        .unwrap_or_default()
}

thread_local! {
    /// The SSO's keys, per isolate (and per JWKS URL). Refetched for unknown kids at most once a
    /// minute.
    static JWKS: RefCell<Vec<(String, Rc<JwksCache>)>> = const { RefCell::new(Vec::new()) };
}

fn jwks_cache(url: &str) -> Rc<JwksCache> {
    JWKS.with(|cell| {
        let mut caches = cell.borrow_mut();
        if let Some((_, cache)) = caches.iter().find(|(u, _)| u == url) {
            return Rc::clone(cache);
        }
        let cache = Rc::new(JwksCache::new(url));
        caches.push((url.to_owned(), Rc::clone(&cache)));
        cache
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn settings_default_to_ccp_and_name_what_is_missing() {
        let config = SsoConfig::from_settings(settings(&[
            ("EVE_SSO_CLIENT_ID", "id"),
            ("EVE_SSO_CLIENT_SECRET", "secret"),
            ("PUBLIC_ORIGIN", "https://hub.example/"),
        ]))
        .unwrap();
        assert_eq!(config.client.redirect_uri, "https://hub.example/api/auth/callback");
        assert_eq!(config.client.token_url, DEFAULT_TOKEN_URL);
        assert_eq!(config.login_scopes, hub_domain::scopes::LOGIN);
        let missing = SsoConfig::from_settings(settings(&[("EVE_SSO_CLIENT_ID", "id")])).err();
        assert_eq!(missing, Some(MissingSetting("EVE_SSO_CLIENT_SECRET")));
        assert_eq!(bootstrap_admins(settings(&[("SITE_ADMIN_CHARACTER_IDS", "1, 2,x")])), [1, 2]);
    }
}
