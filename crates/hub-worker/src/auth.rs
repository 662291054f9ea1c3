//! The request's session, shared by every worker that serves `/api/*`: sessions live in Postgres,
//! so any worker can check them.

use crate::{pg, WorkerClock};
use hub_auth::session::{self, SessionPolicy, SessionRecord, SessionToken};
use hub_db::pg::PgClient;
use hub_http::{ApiError, Request};

/// Postgres through Hyperdrive, or 503.
pub async fn database(env: &worker::Env) -> Result<PgClient, ApiError> {
    pg::connect(env).await.map_err(|e| {
        tracing::error!(error = %e, "database unavailable");
        ApiError::unavailable("the database is unavailable")
    })
}

/// A 500 that logs what went wrong and tells the client nothing more.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "internal error");
    ApiError::internal("something went wrong on our side")
}

/// The session named by the request's cookie, or 401. It carries the account's site-admin right;
/// a banned account's sessions never authenticate.
pub async fn authenticate(req: &Request, pg: &PgClient) -> Result<(SessionToken, SessionRecord), ApiError> {
    let token = req
        .header("cookie")
        .and_then(|cookies| session::token_from_cookies(&cookies))
        .ok_or_else(|| ApiError::unauthorized("log in first"))?;
    let record = session::authenticate(pg, &WorkerClock, &SessionPolicy::default(), &token)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::unauthorized("your session has ended; log in again"))?;
    Ok((token, record))
}

/// State-changing requests carry the session's CSRF token (SameSite is not enough on its own).
pub fn require_csrf(req: &Request, token: &SessionToken) -> Result<(), ApiError> {
    let presented = req.header("x-csrf-token").unwrap_or_default();
    if token.verify_csrf(&presented) {
        Ok(())
    } else {
        Err(ApiError::forbidden("missing or wrong X-CSRF-Token header"))
    }
}

/// The address the request came from (`CF-Connecting-IP`, set by Cloudflare's edge).
pub fn client_ip(req: &Request) -> Option<String> {
    req.header("cf-connecting-ip").map(std::borrow::Cow::into_owned)
}

/// Operator endpoints take `Authorization: Bearer <OPERATOR_TOKEN>` (a secret of at least 16
/// characters); without the secret configured they are off (404).
pub fn require_operator(req: &Request, env: &worker::Env) -> Result<(), ApiError> {
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

/// The session's account must be a site admin: 403 otherwise.
pub fn require_site_admin(session: &SessionRecord) -> Result<(), ApiError> {
    if session.site_admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("site admins only"))
    }
}

/// `?limit=` within 1..=200 (default 50).
pub fn page_limit(req: &Request) -> Result<i64, ApiError> {
    match req.query_param("limit") {
        None => Ok(50),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be a number from 1 to 200")),
    }
}

/// An optional numeric query parameter; 400 naming it when it is not a number.
pub fn optional_number(req: &Request, name: &str) -> Result<Option<i64>, ApiError> {
    req.query_param(name)
        .map(|raw| raw.parse::<i64>().map_err(|_| ApiError::bad_request(format!("{name} must be a number"))))
        .transpose()
}
