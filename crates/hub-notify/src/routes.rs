//! The notifications worker's routes: the user's notifications, through their object.

use crate::api::MarkAllReadResponse;
use crate::rpc::{AllNotifications, ListNotifications, NotificationId, Notifications};
use crate::{Inbox, Page};
use hub_accounts::Session;
use hub_app::{Context, Ctx};
use hub_http::{ApiError, Json, NoContent, Page as PageParams, Path, Query, Request, Router};
use serde::Deserialize;

pub fn routes<C: Context + 'static>() -> Router<C> {
    Router::new()
        .get("/api/notifications", list::<C>)
        .post("/api/notifications/read-all", read_all::<C>)
        .post("/api/notifications/:id/read", read_one::<C>)
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    unread: bool,
    before_id: Option<i64>,
}

async fn list<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    page: PageParams,
    Query(query): Query<ListQuery>,
) -> Result<Json<Page>, ApiError> {
    let request =
        ListNotifications { unread_only: query.unread, before_id: query.before_id, limit: page.limit };
    Ok(Json(ctx.stub::<Notifications>(&Inbox::User(session.user_id()))?.list(&request).await?))
}

async fn read_one<C: Context>(
    ctx: Ctx<C>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<NoContent, ApiError> {
    if ctx.stub::<Notifications>(&Inbox::User(session.user_id()))?.mark_read(&NotificationId { id }).await? {
        Ok(NoContent)
    } else {
        Err(ApiError::not_found("no such notification"))
    }
}

async fn read_all<C: Context>(ctx: Ctx<C>, session: Session) -> Result<Json<MarkAllReadResponse>, ApiError> {
    let marked = ctx
        .stub::<Notifications>(&Inbox::User(session.user_id()))?
        .mark_all_read(&AllNotifications {})
        .await?;
    Ok(Json(MarkAllReadResponse { marked }))
}

/// The notification socket's path, on the worker and inside the object.
pub const SOCKET_PATH: &str = "/api/ws/notifications";
/// What the worker verified about a socket's session, for the object (objects are reachable only
/// through workers, and the worker sets these itself, replacing anything a client sent).
pub const SESSION_HEADER: &str = "x-hub-session-id";
pub const SESSION_EXPIRES_HEADER: &str = "x-hub-session-expires-ms";

/// Where a checked socket goes: the user's object, with the session's id and expiry.
pub async fn socket_target<C: Context>(ctx: &C, req: &Request) -> Result<hub_app::SocketTarget, ApiError> {
    let session = socket_session(ctx, req).await?;
    Ok(hub_app::SocketTarget {
        object: hub_rpc::ObjectKey::object_name(&Inbox::User(session.user_id())),
        headers: vec![
            (SESSION_HEADER, session.record.id.to_string()),
            (SESSION_EXPIRES_HEADER, session.record.absolute_expires_at_ms.to_string()),
        ],
    })
}

/// The checks of a notification socket's handshake: an upgrade, from our own origin, with a live
/// session. The session's socket then goes to its user's object.
pub async fn socket_session<C: Context>(ctx: &C, req: &Request) -> Result<Session, ApiError> {
    if !req.header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return Err(ApiError::upgrade_required());
    }
    let origin = hub_app::public_origin(|name| ctx.setting(name))
        .ok_or_else(|| ApiError::unavailable("PUBLIC_ORIGIN is not configured"))?;
    if req.header("origin").as_deref() != Some(origin.as_str()) {
        return Err(ApiError::forbidden("WebSocket connections are accepted from this site only"));
    }
    Session::resolve(ctx, req.header("cookie").as_deref(), None).await
}
