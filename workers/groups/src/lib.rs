//! The groups worker: categories, groups, memberships, join requests, invitations, invite codes
//! and affiliation rules, under `/api/groups`, `/api/invitations` and `/api/invite` (the code in the
//! body: it is a bearer secret, and URLs reach access logs).
//!
//! Thin glue only: every rule lives in `hub-groups`; this crate authenticates, parses, maps errors
//! to HTTP and delivers the notifications an operation produced once it committed.

use hub_api::{
    AddRuleResponse, AnnouncementBody, AnnouncementResponse, CategoriesResponse, GroupsResponse,
    InvitationsResponse, InviteBody, InviteCodesResponse, JoinRequestBody, JoinRequestsResponse,
    MembershipLogPage, RulesResponse, UserBody,
};
use hub_db::pg::PgClient;
use hub_domain::notification::NewNotification;
use hub_domain::{Service, UserId};
use hub_groups::{self as groups, Caller, GroupError};
use hub_http::{ApiError, Method, Params, Request, Response, Router};
use hub_ports::OsRandom;
use hub_worker::auth::{authenticate, database, internal, optional_number, page_limit, require_csrf};
use hub_worker::{bindings, health, AppState, WorkerClock};
use std::rc::Rc;
use uuid::Uuid;

const SERVICE: Service = Service::Groups;

fn router() -> Router<AppState> {
    health::routes(SERVICE, Some(bindings::GROUPS), &[])
        .get("/api/groups/categories", categories)
        .post("/api/groups/categories", create_category)
        .route(Method::Patch, "/api/groups/categories/:id", update_category)
        .route(Method::Delete, "/api/groups/categories/:id", delete_category)
        .get("/api/groups", list_groups)
        .post("/api/groups", create_group)
        .get("/api/groups/:id", group_detail)
        .route(Method::Patch, "/api/groups/:id", update_group)
        .route(Method::Delete, "/api/groups/:id", delete_group)
        .post("/api/groups/:id/join", join)
        .post("/api/groups/:id/announcements", announce)
        .post("/api/groups/:id/leave", leave)
        .get("/api/groups/:id/members", members)
        .route(Method::Delete, "/api/groups/:id/members/:user_id", remove_member)
        .post("/api/groups/:id/admins", add_admin)
        .route(Method::Delete, "/api/groups/:id/admins/:user_id", remove_admin)
        .post("/api/groups/:id/owner", transfer_ownership)
        .get("/api/groups/:id/requests", list_requests)
        .post("/api/groups/:id/requests", request_join)
        .post("/api/groups/:id/requests/:request_id/approve", approve_request)
        .post("/api/groups/:id/requests/:request_id/reject", reject_request)
        .route(Method::Delete, "/api/groups/:id/requests/:request_id", cancel_request)
        .get("/api/groups/:id/invitations", list_invitations)
        .post("/api/groups/:id/invitations", invite)
        .route(Method::Delete, "/api/groups/:id/invitations/:invitation_id", revoke_invitation)
        .get("/api/groups/:id/codes", list_codes)
        .post("/api/groups/:id/codes", create_code)
        .route(Method::Delete, "/api/groups/:id/codes/:code_id", revoke_code)
        .get("/api/groups/:id/rules", list_rules)
        .post("/api/groups/:id/rules", add_rule)
        .route(Method::Delete, "/api/groups/:id/rules/:rule_id", remove_rule)
        .get("/api/groups/:id/log", membership_log)
        .get("/api/invitations", my_invitations)
        .post("/api/invitations/:id/accept", accept_invitation)
        .post("/api/invitations/:id/decline", decline_invitation)
        .post("/api/invite", redeem_code)
}

hub_worker::worker_entry!(SERVICE, router);

hub_worker::health_only_durable_object!(
    /// The groups Durable Object (SQLite storage).
    Groups,
    SERVICE
);

fn group_error(e: GroupError) -> ApiError {
    match e {
        GroupError::NotFound(m) => ApiError::not_found(m),
        GroupError::Forbidden(m) => ApiError::forbidden(m),
        GroupError::Conflict(m) => ApiError::conflict(m),
        GroupError::Invalid(m) => ApiError::bad_request(m),
        GroupError::Database(e) => internal(e),
    }
}

/// The request's caller (401 without a session); `mutating` requests must carry the CSRF token.
async fn caller(req: &Request, state: &AppState, mutating: bool) -> Result<(PgClient, Caller), ApiError> {
    let pg = database(&state.env).await?;
    let (token, session) = authenticate(req, &pg).await?;
    if mutating {
        require_csrf(req, &token)?;
    }
    Ok((pg, Caller { user_id: session.user_id, site_admin: session.site_admin }))
}

fn id(params: &Params, name: &str) -> Result<Uuid, ApiError> {
    params.parse(name)
}

fn ok<T: serde::Serialize>(status: u16, value: &T) -> Result<Response, ApiError> {
    Response::json_no_store(status, value)
}

/// Delivers what an operation produced, after it committed.
async fn deliver(state: &AppState, notifications: Vec<NewNotification>) {
    if !notifications.is_empty() {
        hub_worker::notify::deliver(&state.env, &state.request_id, notifications).await;
    }
}

async fn categories(req: Request, _p: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let search = req.query_value("q");
    let listing = groups::categories_with_groups(&pg, &caller, search).await.map_err(group_error)?;
    ok(200, &CategoriesResponse { categories: listing, is_site_admin: caller.site_admin })
}

async fn create_category(req: Request, _p: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let created =
        groups::create_category(&pg, &OsRandom, &caller, &req.json()?).await.map_err(group_error)?;
    ok(201, &created)
}

async fn update_category(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let updated =
        groups::update_category(&pg, &caller, id(&params, "id")?, &req.json()?).await.map_err(group_error)?;
    ok(200, &updated)
}

async fn delete_category(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    groups::delete_category(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    Ok(Response::new(204))
}

async fn list_groups(req: Request, _p: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let category_id = req
        .query_param("category_id")
        .map(|raw| raw.parse().map_err(|_| ApiError::bad_request("category_id must be a uuid")))
        .transpose()?;
    let mine = match req.query_param("mine") {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(ApiError::bad_request("mine must be true or false")),
    };
    let filter = groups::GroupFilter { category_id, search: req.query_value("q"), mine, group_id: None };
    let listing = groups::list_groups(&pg, &caller, &filter).await.map_err(group_error)?;
    ok(200, &GroupsResponse { groups: listing })
}

async fn create_group(req: Request, _p: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let created = groups::create_group(&pg, &OsRandom, &caller, &req.json()?).await.map_err(group_error)?;
    ok(201, &created)
}

async fn group_detail(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    ok(200, &groups::group_detail(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?)
}

async fn update_group(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let updated =
        groups::update_group(&pg, &caller, id(&params, "id")?, &req.json()?).await.map_err(group_error)?;
    ok(200, &updated)
}

async fn delete_group(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let deleted = groups::delete_group(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    deliver(&state, deleted.notify).await;
    Ok(Response::new(204))
}

async fn join(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let joined = groups::join(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    deliver(&state, joined.notify).await;
    ok(200, &joined.value)
}

/// A message from the group's managers to every member, delivered live.
async fn announce(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let body: AnnouncementBody = req.json()?;
    let said =
        groups::announce(&pg, &caller, id(&params, "id")?, &body.message).await.map_err(group_error)?;
    let delivered = hub_worker::notify::deliver(&state.env, &state.request_id, said.notify).await;
    let members = i64::try_from(said.value).unwrap_or(i64::MAX);
    ok(200, &AnnouncementResponse { members, delivered: i64::try_from(delivered).unwrap_or(i64::MAX) })
}

async fn leave(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    groups::leave(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    Ok(Response::new(204))
}

async fn members(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let offset = optional_number(&req, "offset")?.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request("offset must not be negative"));
    }
    let page = groups::members(&pg, &caller, id(&params, "id")?, page_limit(&req)?, offset)
        .await
        .map_err(group_error)?;
    ok(200, &page)
}

fn user_param(params: &Params) -> Result<UserId, ApiError> {
    Ok(UserId(id(params, "user_id")?))
}

async fn remove_member(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let done = groups::remove_member(&pg, &caller, id(&params, "id")?, user_param(&params)?)
        .await
        .map_err(group_error)?;
    deliver(&state, done.notify).await;
    Ok(Response::new(204))
}

async fn add_admin(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let body: UserBody = req.json()?;
    let done =
        groups::add_admin(&pg, &caller, id(&params, "id")?, body.user_id).await.map_err(group_error)?;
    deliver(&state, done.notify).await;
    Ok(Response::new(204))
}

async fn remove_admin(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    groups::remove_admin(&pg, &caller, id(&params, "id")?, user_param(&params)?)
        .await
        .map_err(group_error)?;
    Ok(Response::new(204))
}

async fn transfer_ownership(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let body: UserBody = req.json()?;
    let done = groups::transfer_ownership(&pg, &caller, id(&params, "id")?, body.user_id)
        .await
        .map_err(group_error)?;
    deliver(&state, done.notify).await;
    Ok(Response::new(204))
}

async fn list_requests(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let requests = groups::list_requests(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    ok(200, &JoinRequestsResponse { requests })
}

async fn request_join(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let body: JoinRequestBody = if req.body.is_empty() { JoinRequestBody::default() } else { req.json()? };
    let asked = groups::request_join(&pg, &OsRandom, &caller, id(&params, "id")?, &body.message)
        .await
        .map_err(group_error)?;
    deliver(&state, asked.notify).await;
    ok(201, &asked.value)
}

async fn decide(
    req: Request,
    params: Params,
    state: Rc<AppState>,
    approve: bool,
) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let (group_id, request_id) = (id(&params, "id")?, id(&params, "request_id")?);
    let decided =
        groups::decide_request(&pg, &caller, group_id, request_id, approve).await.map_err(group_error)?;
    deliver(&state, decided.notify).await;
    ok(200, &decided.value)
}

async fn approve_request(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    decide(req, params, state, true).await
}

async fn reject_request(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    decide(req, params, state, false).await
}

async fn cancel_request(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    groups::cancel_request(&pg, &caller, id(&params, "id")?, id(&params, "request_id")?)
        .await
        .map_err(group_error)?;
    Ok(Response::new(204))
}

async fn list_invitations(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let invitations =
        groups::list_invitations(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    ok(200, &InvitationsResponse { invitations })
}

async fn invite(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let body: InviteBody = req.json()?;
    let invited = groups::invite(&pg, &OsRandom, &caller, id(&params, "id")?, body.character_id.0)
        .await
        .map_err(group_error)?;
    deliver(&state, invited.notify).await;
    ok(201, &invited.value)
}

async fn revoke_invitation(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    groups::revoke_invitation(&pg, &caller, id(&params, "id")?, id(&params, "invitation_id")?)
        .await
        .map_err(group_error)?;
    Ok(Response::new(204))
}

async fn my_invitations(req: Request, _p: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let invitations = groups::my_invitations(&pg, &caller).await.map_err(group_error)?;
    ok(200, &InvitationsResponse { invitations })
}

async fn respond(
    req: Request,
    params: Params,
    state: Rc<AppState>,
    accept: bool,
) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let outcome =
        groups::respond_invitation(&pg, &caller, id(&params, "id")?, accept).await.map_err(group_error)?;
    ok(200, &outcome)
}

async fn accept_invitation(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    respond(req, params, state, true).await
}

async fn decline_invitation(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    respond(req, params, state, false).await
}

async fn list_codes(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let codes = groups::list_invite_codes(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    ok(200, &InviteCodesResponse { codes })
}

async fn create_code(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let code =
        groups::create_invite_code(&pg, &OsRandom, &WorkerClock, &caller, id(&params, "id")?, &req.json()?)
            .await
            .map_err(group_error)?;
    ok(201, &code)
}

async fn revoke_code(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    groups::revoke_invite_code(&pg, &caller, id(&params, "id")?, id(&params, "code_id")?)
        .await
        .map_err(group_error)?;
    Ok(Response::new(204))
}

async fn redeem_code(req: Request, _params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let body: hub_api::RedeemCodeBody = req.json()?;
    let joined = groups::redeem_code(&pg, &WorkerClock, &caller, &body.code).await.map_err(group_error)?;
    ok(200, &joined)
}

async fn list_rules(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let rules = groups::list_rules(&pg, &caller, id(&params, "id")?).await.map_err(group_error)?;
    ok(200, &RulesResponse { rules })
}

async fn add_rule(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    let (rule, joined) = groups::add_rule(&pg, &OsRandom, &caller, id(&params, "id")?, &req.json()?)
        .await
        .map_err(group_error)?;
    ok(201, &AddRuleResponse { rule, joined })
}

async fn remove_rule(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, true).await?;
    groups::remove_rule(&pg, &caller, id(&params, "id")?, id(&params, "rule_id")?)
        .await
        .map_err(group_error)?;
    Ok(Response::new(204))
}

async fn membership_log(req: Request, params: Params, state: Rc<AppState>) -> Result<Response, ApiError> {
    let (pg, caller) = caller(&req, &state, false).await?;
    let limit = page_limit(&req)?;
    let entries =
        groups::membership_log(&pg, &caller, id(&params, "id")?, optional_number(&req, "before_id")?, limit)
            .await
            .map_err(group_error)?;
    let full = i64::try_from(entries.len()).unwrap_or(0) == limit;
    let next_before_id = if full { entries.last().map(|e| e.id) } else { None };
    ok(200, &MembershipLogPage { entries, next_before_id })
}
