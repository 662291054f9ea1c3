//! The bodies of the groups worker's routes (exported as TypeScript by `just types`).

use crate::{AffiliationRule, CategoryWithGroups, GroupView, Invitation, InviteCode, JoinRequest, LogEntry};
use hub_domain::{CharacterId, UserId};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ts")]
use ts_rs::TS;

/// `GET /api/groups/categories`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CategoriesResponse {
    pub categories: Vec<CategoryWithGroups>,
    pub is_site_admin: bool,
}

/// `GET /api/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct GroupsResponse {
    pub groups: Vec<GroupView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct JoinRequestsResponse {
    pub requests: Vec<JoinRequest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct InvitationsResponse {
    pub invitations: Vec<Invitation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct InviteCodesResponse {
    pub codes: Vec<InviteCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RulesResponse {
    pub rules: Vec<AffiliationRule>,
}

/// `POST /api/groups/:id/rules`: the rule, and how many users an `auto_join` rule joined at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct AddRuleResponse {
    pub rule: AffiliationRule,
    pub joined: i64,
}

/// `GET /api/groups/:id/log`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct MembershipLogPage {
    pub entries: Vec<LogEntry>,
    pub next_before_id: Option<i64>,
}

/// Bodies naming a user: adding an admin, transferring ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    pub user_id: UserId,
}

/// `POST /api/groups/:id/requests` (the body may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct JoinRequestBody {
    #[serde(default)]
    pub message: String,
}

/// `POST /api/groups/:id/invitations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub character_id: CharacterId,
}

/// `POST /api/invite`: an invite code is a bearer secret, so it travels in the body, never in a URL
/// (URLs reach access logs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct RedeemCodeBody {
    pub code: String,
}

/// `POST /api/groups/:id/announcements`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct AnnouncementBody {
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct AnnouncementResponse {
    pub members: i64,
    pub delivered: i64,
}
