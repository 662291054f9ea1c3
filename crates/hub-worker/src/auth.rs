//! The request's session, shared by every worker that serves `/api/*`: sessions live in Postgres,
//! so any worker can check them.

use crate::{pg, sso, WorkerClock};
use hub_auth::session::{self, SessionPolicy, SessionRecord, SessionToken};
use hub_db::pg::PgClient;
use hub_domain::UserId;
use hub_http::{ApiError, Request};
use hub_ports::{PgValue, Postgres};

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

/// The session named by the request's cookie, or 401.
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

/// Whether one of the user's characters is a configured site admin.
pub async fn is_site_admin(pg: &PgClient, env: &worker::Env, user: UserId) -> Result<bool, ApiError> {
    let admins = sso::site_admins(env);
    if admins.is_empty() {
        return Ok(false);
    }
    let rows = pg
        .query("SELECT id FROM characters WHERE user_id = $1", &[PgValue::Uuid(user.0)])
        .await
        .map_err(internal)?;
    Ok(rows.iter().filter_map(|r| r.get(0).ok().and_then(PgValue::as_i64)).any(|id| admins.contains(&id)))
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
