//! Who is asking: the extractors every authenticated route starts with.
//!
//! - [`Session`]: the request's live session (401 without one). On every state-changing method it
//!   also demands the session's CSRF token in `X-CSRF-Token` (403), so no route can forget it.
//! - [`SiteAdmin`]: a session whose account holds the site-admin right (403 otherwise). Functions
//!   that need the right take a `&SiteAdmin`, so calling them without checking does not compile.

use crate::accounts::AccountError;
use crate::admin::AdminError;
use crate::rpc::{Accounts, TouchSession};
use crate::session::{self, ClientInfo, SessionPolicy, SessionRecord, SessionToken};
use hub_app::{internal, Context};
use hub_domain::{Service, UserId};
use hub_http::{ApiError, FromRequest, Method, RequestParts};
use hub_ports::Clock;

/// The request's authenticated session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: SessionToken,
    pub record: SessionRecord,
}

impl Session {
    pub fn user_id(&self) -> UserId {
        self.record.user_id
    }

    pub fn is_site_admin(&self) -> bool {
        self.record.site_admin
    }

    /// Resolves the session of a request with these headers; `csrf` demands the CSRF token.
    pub async fn resolve<C: Context>(
        ctx: &C,
        cookie: Option<&str>,
        csrf: Option<Option<&str>>,
    ) -> Result<Self, ApiError> {
        let token = cookie
            .and_then(session::token_from_cookies)
            .ok_or_else(|| ApiError::unauthorized("log in first"))?;
        let pg = ctx.postgres().await?;
        let record = session::lookup(pg, ctx.clock(), &token)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::unauthorized("your session has ended; log in again"))?;
        if let Some(presented) = csrf {
            if !token.verify_csrf(presented.unwrap_or_default()) {
                return Err(ApiError::forbidden("missing or wrong X-CSRF-Token header"));
            }
        }
        if session::touch_due(&record, ctx.clock().now_ms()) {
            record_use(ctx, record.id).await;
        }
        Ok(Session { token, record })
    }
}

/// Records a use of the session through its owner, the core worker. A failure only delays the
/// next touch: the request goes on.
async fn record_use<C: Context>(ctx: &C, session_id: uuid::Uuid) {
    let touched = if ctx.service() == Service::Core {
        match ctx.postgres().await {
            Ok(pg) => {
                session::touch(pg, ctx.clock(), &SessionPolicy::default(), session_id).await.map_err(internal)
            }
            Err(e) => Err(e),
        }
    } else {
        match ctx.service_client::<Accounts>() {
            Ok(accounts) => accounts.touch_session(&TouchSession { session_id }).await,
            Err(e) => Err(e),
        }
    };
    if let Err(e) = touched {
        tracing::warn!(error = %e, "recording a session's use failed");
    }
}

/// Whether requests with this method change something (and so must prove they come from the app).
pub fn is_state_changing(method: Method) -> bool {
    !matches!(method, Method::Get | Method::Head | Method::Options)
}

impl<C: Context> FromRequest<C> for Session {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        let req = &parts.request;
        let cookie = req.header("cookie");
        let presented = req.header("x-csrf-token");
        let csrf = is_state_changing(req.method).then_some(presented.as_deref());
        Session::resolve(&*parts.ctx, cookie.as_deref(), csrf).await
    }
}

/// A session whose account is a site admin. Only [`SiteAdmin::verify`] (and the extractor) makes
/// one.
#[derive(Debug, Clone)]
pub struct SiteAdmin(Session);

impl SiteAdmin {
    pub fn verify(session: Session) -> Result<Self, ApiError> {
        if session.is_site_admin() {
            Ok(SiteAdmin(session))
        } else {
            Err(ApiError::forbidden("site admins only"))
        }
    }

    pub fn session(&self) -> &Session {
        &self.0
    }

    pub fn user_id(&self) -> UserId {
        self.0.user_id()
    }
}

impl<C: Context> FromRequest<C> for SiteAdmin {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        SiteAdmin::verify(Session::from_request(parts).await?)
    }
}

/// Where the request comes from, for sessions and the audit log.
impl<C> FromRequest<C> for ClientInfo {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        let req = &parts.request;
        Ok(ClientInfo {
            ip: req.header("cf-connecting-ip").map(std::borrow::Cow::into_owned),
            user_agent: req.header("user-agent").map(|v| v.chars().take(256).collect()),
        })
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::NotYours => ApiError::not_found(e.to_string()),
            AccountError::LastCharacter => ApiError::conflict(e.to_string()),
            AccountError::AlreadyLinked => ApiError::new(409, "already_linked", e.to_string()),
            AccountError::UnknownUser => ApiError::unauthorized(e.to_string()),
            AccountError::Disabled => ApiError::forbidden(e.to_string()),
            AccountError::WrongCharacter | AccountError::WrongFlow => ApiError::bad_request(e.to_string()),
            AccountError::Database(e) => internal(e),
        }
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::NotFound => ApiError::not_found(e.to_string()),
            AdminError::LastAdmin | AdminError::IsAdmin | AdminError::Yourself => {
                ApiError::conflict(e.to_string())
            }
            AdminError::Reason => ApiError::bad_request(e.to_string()),
            AdminError::Database(e) => internal(e),
        }
    }
}
