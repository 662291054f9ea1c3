//! The groups worker's routes, under `/api/groups`, `/api/invitations` and `/api/invite` (the code
//! in the body: it is a bearer secret, and URLs reach access logs), and the `GroupRules` service.
//!
//! Every route starts with [`Caller`], the request's session (401 without one, CSRF on every
//! state-changing method). Each operation checks the caller's role in the group itself, inside its
//! transaction, against the locked group row. Notifications go out after the change committed.

use crate::api::{
    AddRuleResponse, AnnouncementBody, AnnouncementResponse, CategoriesResponse, GroupsResponse,
    InvitationsResponse, InviteBody, InviteCodesResponse, JoinRequestBody, JoinRequestsResponse,
    MembershipLogPage, RedeemCodeBody, RulesResponse, UserBody,
};
use crate::{self as groups, Caller, GroupError, GroupFilter};
use hub_accounts::Session;
use hub_app::{internal, Context, Ctx};
use hub_domain::UserId;
use hub_http::{
    ApiError, Created, FromRequest, Json, JsonOrDefault, NoContent, Page, Path, Query, RequestParts,
    Response, Router,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

impl From<GroupError> for ApiError {
    fn from(e: GroupError) -> Self {
        match e {
            GroupError::NotFound(m) => ApiError::not_found(m),
            GroupError::Forbidden(m) => ApiError::forbidden(m),
            GroupError::Conflict(m) => ApiError::conflict(m),
            GroupError::Invalid(m) => ApiError::bad_request(m),
            GroupError::Database(e) => internal(e),
        }
    }
}

/// The request's session, as the groups see it.
impl<C: Context> FromRequest<C> for Caller {
    async fn from_request(parts: &RequestParts<C>) -> Result<Self, ApiError> {
        let session = Session::from_request(parts).await?;
        Ok(Caller { user_id: session.user_id(), site_admin: session.is_site_admin() })
    }
}

pub fn routes<C: Context + 'static>() -> Router<C> {
    Router::new()
        .get("/api/groups/categories", categories::<C>)
        .post("/api/groups/categories", create_category::<C>)
        .patch("/api/groups/categories/:id", update_category::<C>)
        .delete("/api/groups/categories/:id", delete_category::<C>)
        .get("/api/groups", list_groups::<C>)
        .post("/api/groups", create_group::<C>)
        .get("/api/groups/:id", group_detail::<C>)
        .patch("/api/groups/:id", update_group::<C>)
        .delete("/api/groups/:id", delete_group::<C>)
        .post("/api/groups/:id/join", join::<C>)
        .post("/api/groups/:id/announcements", announce::<C>)
        .post("/api/groups/:id/leave", leave::<C>)
        .get("/api/groups/:id/members", members::<C>)
        .delete("/api/groups/:id/members/:user_id", remove_member::<C>)
        .post("/api/groups/:id/admins", add_admin::<C>)
        .delete("/api/groups/:id/admins/:user_id", remove_admin::<C>)
        .post("/api/groups/:id/owner", transfer_ownership::<C>)
        .get("/api/groups/:id/requests", list_requests::<C>)
        .post("/api/groups/:id/requests", request_join::<C>)
        .post("/api/groups/:id/requests/:request_id/approve", approve_request::<C>)
        .post("/api/groups/:id/requests/:request_id/reject", reject_request::<C>)
        .delete("/api/groups/:id/requests/:request_id", cancel_request::<C>)
        .get("/api/groups/:id/invitations", list_invitations::<C>)
        .post("/api/groups/:id/invitations", invite::<C>)
        .delete("/api/groups/:id/invitations/:invitation_id", revoke_invitation::<C>)
        .get("/api/groups/:id/codes", list_codes::<C>)
        .post("/api/groups/:id/codes", create_code::<C>)
        .delete("/api/groups/:id/codes/:code_id", revoke_code::<C>)
        .get("/api/groups/:id/rules", list_rules::<C>)
        .post("/api/groups/:id/rules", add_rule::<C>)
        .delete("/api/groups/:id/rules/:rule_id", remove_rule::<C>)
        .get("/api/groups/:id/log", membership_log::<C>)
        .get("/api/invitations", my_invitations::<C>)
        .post("/api/invitations/:id/accept", accept_invitation::<C>)
        .post("/api/invitations/:id/decline", decline_invitation::<C>)
        .post("/api/invite", redeem_code::<C>)
        .post("/rpc/group-rules/:method", serve_group_rules::<C>)
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn categories<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> Result<Json<CategoriesResponse>, ApiError> {
    let listing = groups::categories_with_groups(ctx.postgres().await?, &caller, query.q).await?;
    Ok(Json(CategoriesResponse { categories: listing, is_site_admin: caller.site_admin }))
}

async fn create_category<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Json(new): Json<groups::NewCategory>,
) -> Result<Created<groups::Category>, ApiError> {
    Ok(Created(groups::create_category(ctx.postgres().await?, ctx.random(), &caller, &new).await?))
}

async fn update_category<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(patch): Json<groups::CategoryPatch>,
) -> Result<Json<groups::Category>, ApiError> {
    Ok(Json(groups::update_category(ctx.postgres().await?, &caller, id, &patch).await?))
}

async fn delete_category<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<NoContent, ApiError> {
    groups::delete_category(ctx.postgres().await?, &caller, id).await?;
    Ok(NoContent)
}

#[derive(Deserialize)]
struct ListQuery {
    category_id: Option<Uuid>,
    q: Option<String>,
    #[serde(default)]
    mine: bool,
}

async fn list_groups<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<GroupsResponse>, ApiError> {
    let filter =
        GroupFilter { category_id: query.category_id, search: query.q, mine: query.mine, group_id: None };
    Ok(Json(GroupsResponse { groups: groups::list_groups(ctx.postgres().await?, &caller, &filter).await? }))
}

async fn create_group<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Json(new): Json<groups::NewGroup>,
) -> Result<Created<groups::GroupDetail>, ApiError> {
    Ok(Created(groups::create_group(ctx.postgres().await?, ctx.random(), &caller, &new).await?))
}

async fn group_detail<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<groups::GroupDetail>, ApiError> {
    Ok(Json(groups::group_detail(ctx.postgres().await?, &caller, id).await?))
}

async fn update_group<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(patch): Json<groups::GroupPatch>,
) -> Result<Json<groups::GroupDetail>, ApiError> {
    Ok(Json(groups::update_group(ctx.postgres().await?, &caller, id, &patch).await?))
}

async fn delete_group<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<NoContent, ApiError> {
    let deleted = groups::delete_group(ctx.postgres().await?, &caller, id).await?;
    let members = deleted.notify.iter().map(|n| n.user_id).chain([caller.user_id]);
    hub_entitlements::users_changed(&*ctx, members.collect::<Vec<_>>()).await;
    hub_notify::deliver(&*ctx, deleted.notify).await;
    Ok(NoContent)
}

async fn join<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<groups::JoinOutcome>, ApiError> {
    let joined = groups::join(ctx.postgres().await?, &caller, id).await?;
    hub_entitlements::users_changed(&*ctx, [caller.user_id]).await;
    hub_notify::deliver(&*ctx, joined.notify).await;
    Ok(Json(joined.value))
}

/// A message from the group's managers to every member, delivered live.
async fn announce<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<AnnouncementBody>,
) -> Result<Json<AnnouncementResponse>, ApiError> {
    let said = groups::announce(ctx.postgres().await?, &caller, id, &body.message).await?;
    let delivered = hub_notify::deliver(&*ctx, said.notify).await;
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Json(AnnouncementResponse { members: count(said.value), delivered: count(delivered) }))
}

async fn leave<C: Context>(ctx: Ctx<C>, caller: Caller, Path(id): Path<Uuid>) -> Result<NoContent, ApiError> {
    groups::leave(ctx.postgres().await?, &caller, id).await?;
    hub_entitlements::users_changed(&*ctx, [caller.user_id]).await;
    Ok(NoContent)
}

async fn members<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    page: Page,
) -> Result<Json<groups::MembersPage>, ApiError> {
    Ok(Json(groups::members(ctx.postgres().await?, &caller, id, page.limit, page.offset).await?))
}

async fn remove_member<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path((id, user)): Path<(Uuid, UserId)>,
) -> Result<NoContent, ApiError> {
    let done = groups::remove_member(ctx.postgres().await?, &caller, id, user).await?;
    hub_entitlements::users_changed(&*ctx, [user]).await;
    hub_notify::deliver(&*ctx, done.notify).await;
    Ok(NoContent)
}

async fn add_admin<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<UserBody>,
) -> Result<NoContent, ApiError> {
    let done = groups::add_admin(ctx.postgres().await?, &caller, id, body.user_id).await?;
    hub_notify::deliver(&*ctx, done.notify).await;
    Ok(NoContent)
}

async fn remove_admin<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path((id, user)): Path<(Uuid, UserId)>,
) -> Result<NoContent, ApiError> {
    groups::remove_admin(ctx.postgres().await?, &caller, id, user).await?;
    Ok(NoContent)
}

async fn transfer_ownership<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<UserBody>,
) -> Result<NoContent, ApiError> {
    let done = groups::transfer_ownership(ctx.postgres().await?, &caller, id, body.user_id).await?;
    hub_notify::deliver(&*ctx, done.notify).await;
    Ok(NoContent)
}

async fn list_requests<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<JoinRequestsResponse>, ApiError> {
    Ok(Json(JoinRequestsResponse {
        requests: groups::list_requests(ctx.postgres().await?, &caller, id).await?,
    }))
}

async fn request_join<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    JsonOrDefault(body): JsonOrDefault<JoinRequestBody>,
) -> Result<Created<groups::JoinRequest>, ApiError> {
    let asked = groups::request_join(ctx.postgres().await?, ctx.random(), &caller, id, &body.message).await?;
    hub_notify::deliver(&*ctx, asked.notify).await;
    Ok(Created(asked.value))
}

async fn decide<C: Context>(
    ctx: &C,
    caller: &Caller,
    (group, request): (Uuid, Uuid),
    approve: bool,
) -> Result<Json<groups::JoinRequest>, ApiError> {
    let decided = groups::decide_request(ctx.postgres().await?, caller, group, request, approve).await?;
    if approve {
        hub_entitlements::users_changed(ctx, [decided.value.user_id]).await;
    }
    hub_notify::deliver(ctx, decided.notify).await;
    Ok(Json(decided.value))
}

async fn approve_request<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(ids): Path<(Uuid, Uuid)>,
) -> Result<Json<groups::JoinRequest>, ApiError> {
    decide(&*ctx, &caller, ids, true).await
}

async fn reject_request<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(ids): Path<(Uuid, Uuid)>,
) -> Result<Json<groups::JoinRequest>, ApiError> {
    decide(&*ctx, &caller, ids, false).await
}

async fn cancel_request<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path((group, request)): Path<(Uuid, Uuid)>,
) -> Result<NoContent, ApiError> {
    groups::cancel_request(ctx.postgres().await?, &caller, group, request).await?;
    Ok(NoContent)
}

async fn list_invitations<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<InvitationsResponse>, ApiError> {
    let invitations = groups::list_invitations(ctx.postgres().await?, &caller, id).await?;
    Ok(Json(InvitationsResponse { invitations }))
}

async fn invite<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(body): Json<InviteBody>,
) -> Result<Created<groups::Invitation>, ApiError> {
    let invited =
        groups::invite(ctx.postgres().await?, ctx.random(), &caller, id, body.character_id.0).await?;
    hub_notify::deliver(&*ctx, invited.notify).await;
    Ok(Created(invited.value))
}

async fn revoke_invitation<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path((group, invitation)): Path<(Uuid, Uuid)>,
) -> Result<NoContent, ApiError> {
    groups::revoke_invitation(ctx.postgres().await?, &caller, group, invitation).await?;
    Ok(NoContent)
}

async fn my_invitations<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
) -> Result<Json<InvitationsResponse>, ApiError> {
    Ok(Json(InvitationsResponse {
        invitations: groups::my_invitations(ctx.postgres().await?, &caller).await?,
    }))
}

async fn accept_invitation<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<groups::JoinOutcome>, ApiError> {
    let joined = groups::respond_invitation(ctx.postgres().await?, &caller, id, true).await?;
    hub_entitlements::users_changed(&*ctx, [caller.user_id]).await;
    Ok(Json(joined))
}

async fn decline_invitation<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<groups::JoinOutcome>, ApiError> {
    Ok(Json(groups::respond_invitation(ctx.postgres().await?, &caller, id, false).await?))
}

async fn list_codes<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<InviteCodesResponse>, ApiError> {
    Ok(Json(InviteCodesResponse {
        codes: groups::list_invite_codes(ctx.postgres().await?, &caller, id).await?,
    }))
}

async fn create_code<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(new): Json<groups::NewInviteCode>,
) -> Result<Created<groups::InviteCode>, ApiError> {
    let pg = ctx.postgres().await?;
    Ok(Created(groups::create_invite_code(pg, ctx.random(), ctx.clock(), &caller, id, &new).await?))
}

async fn revoke_code<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path((group, code)): Path<(Uuid, Uuid)>,
) -> Result<NoContent, ApiError> {
    groups::revoke_invite_code(ctx.postgres().await?, &caller, group, code).await?;
    Ok(NoContent)
}

async fn redeem_code<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Json(body): Json<RedeemCodeBody>,
) -> Result<Json<groups::JoinOutcome>, ApiError> {
    let joined = groups::redeem_code(ctx.postgres().await?, ctx.clock(), &caller, &body.code).await?;
    hub_entitlements::users_changed(&*ctx, [caller.user_id]).await;
    Ok(Json(joined))
}

async fn list_rules<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<RulesResponse>, ApiError> {
    Ok(Json(RulesResponse { rules: groups::list_rules(ctx.postgres().await?, &caller, id).await? }))
}

async fn add_rule<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(new): Json<groups::NewRule>,
) -> Result<Created<AddRuleResponse>, ApiError> {
    let (rule, joined) = groups::add_rule(ctx.postgres().await?, ctx.random(), &caller, id, &new).await?;
    if joined > 0 {
        hub_entitlements::changed(&*ctx, hub_entitlements::Changed::GroupMembers { group_id: id }).await;
    }
    Ok(Created(AddRuleResponse { rule, joined }))
}

async fn remove_rule<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path((group, rule)): Path<(Uuid, Uuid)>,
) -> Result<NoContent, ApiError> {
    groups::remove_rule(ctx.postgres().await?, &caller, group, rule).await?;
    Ok(NoContent)
}

#[derive(Deserialize)]
struct LogQuery {
    before_id: Option<i64>,
}

async fn membership_log<C: Context>(
    ctx: Ctx<C>,
    caller: Caller,
    Path(id): Path<Uuid>,
    page: Page,
    Query(query): Query<LogQuery>,
) -> Result<Json<MembershipLogPage>, ApiError> {
    let entries =
        groups::membership_log(ctx.postgres().await?, &caller, id, query.before_id, page.limit).await?;
    let next_before_id = if page.is_full(entries.len()) { entries.last().map(|e| e.id) } else { None };
    Ok(Json(MembershipLogPage { entries, next_before_id }))
}

/// A user whose affiliations changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRequest {
    pub user_id: UserId,
}

hub_rpc::rpc_interface! {
    /// Served by the groups worker over its service binding: what other services ask of the
    /// groups' rules (the groups' tables are written here only).
    pub interface GroupRules as "group-rules", handler GroupRulesHandler, client GroupRulesClient, service Groups {
        /// Re-evaluates the user's affiliation rules: joins where a rule now matches, removals where
        /// one stopped; the members affected are told. How many memberships changed.
        fn reevaluate_user(UserRequest) -> u32;
    }
}

/// The `GroupRules` interface over a request's context: what the groups worker serves.
pub struct GroupRulesService<'a, C> {
    pub ctx: &'a C,
}

impl<C: Context> GroupRulesHandler for GroupRulesService<'_, C> {
    async fn reevaluate_user(&self, request: UserRequest) -> Result<u32, ApiError> {
        let outcome = groups::reevaluate_user(self.ctx.postgres().await?, request.user_id).await?;
        let changes = u32::try_from(outcome.value.len()).unwrap_or(u32::MAX);
        if changes > 0 {
            hub_entitlements::users_changed(self.ctx, [request.user_id]).await;
        }
        hub_notify::deliver(self.ctx, outcome.notify).await;
        Ok(changes)
    }
}

async fn serve_group_rules<C: Context>(
    ctx: Ctx<C>,
    Path(method): Path<String>,
    hub_http::Body(body): hub_http::Body,
) -> Result<Response, ApiError> {
    let answer = GroupRules::dispatch(&GroupRulesService { ctx: &*ctx }, &method, &body).await?;
    Ok(Response::json_bytes(200, answer))
}
