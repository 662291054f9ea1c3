//! The HTTP API's bodies: one Rust definition per shape, serialized by the workers and exported
//! as TypeScript (`just types` writes `web/src/api/generated/`; `just test` fails when the
//! committed files drift from these types).
//!
//! Shapes owned by a domain crate (groups, notifications, token health, audit entries) are defined
//! there; this crate holds the envelopes around them and the bodies of core's own routes.
#![forbid(unsafe_code)]

use hub_auth::accounts::{CharacterView, UserSummary, UserView};
use hub_auth::audit::EntryView;
use hub_domain::{CharacterId, UserId};
use hub_groups::{
    AffiliationRule, CategoryWithGroups, GroupView, Invitation, InviteCode, JoinRequest, LogEntry,
};
use hub_tokens::TokenHealth;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ts")]
use ts_rs::TS;

/// Every error: a stable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
}

/// `GET /api/users/me` and `GET /api/auth/session`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct MeResponse {
    pub user: MeUser,
    pub is_admin: bool,
    /// Send as `X-CSRF-Token` with every state-changing request.
    pub csrf_token: String,
    pub session: CurrentSession,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct MeUser {
    pub id: UserId,
    pub primary_character_id: Option<CharacterId>,
    pub characters: Vec<MeCharacter>,
}

impl MeUser {
    /// The user's characters with each one's token, in the same order.
    pub fn new(user: UserView, tokens: Vec<Option<CharacterToken>>) -> Self {
        let characters = user
            .characters
            .into_iter()
            .zip(tokens)
            .map(|(character, token)| MeCharacter { character, token })
            .collect();
        Self { id: user.id, primary_character_id: user.primary_character_id, characters }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct MeCharacter {
    #[serde(flatten)]
    pub character: CharacterView,
    /// `null` when no token is stored (log in with the character again).
    pub token: Option<CharacterToken>,
}

/// A character's token health, or why it is unknown right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(untagged)]
pub enum CharacterToken {
    Health(TokenHealth),
    Unknown(UnknownToken),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct UnknownToken {
    pub status: UnknownStatus,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum UnknownStatus {
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CurrentSession {
    pub id: Uuid,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SessionView {
    pub id: Uuid,
    /// The session of the request that asked.
    pub current: bool,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub expires_at_ms: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// `GET /api/auth/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SessionsResponse {
    pub sessions: Vec<SessionView>,
}

/// `POST /api/users/me/primary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct PrimaryRequest {
    pub character_id: CharacterId,
}

/// `POST /api/users/me/characters/:id/token-check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct TokenCheckResponse {
    pub status: TokenCheckStatus,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(rename_all = "snake_case")]
pub enum TokenCheckStatus {
    Valid,
}

/// `GET /api/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct AdminUsersResponse {
    pub users: Vec<UserSummary>,
    pub limit: i64,
    pub offset: i64,
}

/// `GET /api/admin/users/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct AdminUserResponse {
    pub user: UserView,
    pub sessions: Vec<SessionView>,
}

/// `POST /api/admin/users/:id/ban`: why the account is disabled (shown to admins, kept in the audit
/// log).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct BanBody {
    pub reason: String,
}

/// `GET /api/admin/audit`: newest first; pass `next_before_id` as `before_id` for the next page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct AuditPage {
    pub entries: Vec<EntryView>,
    pub next_before_id: Option<i64>,
}

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

/// `POST /api/notifications/read-all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct MarkAllReadResponse {
    pub marked: u32,
}

/// `GET /api/characters/:id/sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CharacterSyncStatus {
    pub character_id: CharacterId,
    pub datasets: Vec<hub_chardata::read::DatasetStatus>,
}

/// `POST /api/characters/:id/sync` and `POST /api/corporations/:id/sync`, and the objects' `sync_now`:
/// how each dataset went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SyncRunReport {
    pub datasets: Vec<DatasetRunView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DatasetRunView {
    pub dataset: String,
    pub status: String,
    pub message: Option<String>,
}

/// `GET /api/characters/:id/wallet`: the balance as an exact decimal string, `null` before the first sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct WalletResponse {
    pub character_id: CharacterId,
    pub balance: Option<String>,
}

/// `GET /api/characters/:id/wallet/journal`: newest first; `next_before_id` pages back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct JournalPage {
    pub entries: Vec<hub_chardata::read::JournalEntry>,
    pub next_before_id: Option<String>,
}

/// `GET /api/characters/:id/transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct TransactionsPage {
    pub transactions: Vec<hub_chardata::read::Transaction>,
    pub next_before_id: Option<String>,
}

/// `GET /api/characters/:id/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct OrdersResponse {
    pub orders: Vec<hub_chardata::read::Order>,
}

/// `GET /api/corporations`: the corporations of the caller's characters and every managed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CorporationsResponse {
    pub corporations: Vec<hub_corpdata::corporations::CorporationSummary>,
    /// Site admins register corporations.
    pub is_site_admin: bool,
    /// For site admins: corporations the hub knows (its users' characters are in them) that it
    /// does not serve yet, to register by name.
    pub known_unmanaged: Vec<hub_corpdata::corporations::CorporationSummary>,
}

/// `GET /api/corporations/recruiting`: the member corporations that recruit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RecruitingResponse {
    pub corporations: Vec<hub_corpdata::corporations::CorporationSummary>,
}

/// `POST /api/corporations` (site admins): a corporation to serve, with its flags and texts. Its
/// name and ticker come from ESI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct RegisterCorporationBody {
    pub corporation_id: i64,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_member: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_alt: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_special: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_recruiting: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub background_sync: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub short_description: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
}

impl RegisterCorporationBody {
    pub fn patch(&self) -> hub_corpdata::corporations::ManagedPatch {
        hub_corpdata::corporations::ManagedPatch {
            is_member: self.is_member,
            is_alt: self.is_alt,
            is_special: self.is_special,
            background_sync: self.background_sync,
            is_recruiting: self.is_recruiting,
            short_description: self.short_description.clone(),
            description: self.description.clone(),
        }
    }
}

/// `GET /api/corporations/:id` (its admins): what the hub knows of it, its directors with their
/// health, and each dataset's sync status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CorporationResponse {
    pub corporation_id: i64,
    pub corporation: Option<hub_corpdata::corporations::CorporationSummary>,
    pub directors: Vec<hub_corpdata::Director>,
    pub datasets: Vec<hub_corpdata::CorporationDatasetStatus>,
    /// Site admins also change the member, alt, special and background-sync flags.
    pub is_site_admin: bool,
    /// The scopes a director's login must have granted.
    pub director_scopes: Vec<String>,
}

/// `POST /api/corporations/:id/directors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[serde(deny_unknown_fields)]
pub struct DirectorBody {
    pub character_id: i64,
    /// 1 (first) to 100; 1 when absent.
    #[serde(default = "first_priority")]
    pub priority: i64,
}

fn first_priority() -> i64 {
    1
}

/// `GET /api/corporations/:id/members`: most recently logged in first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CorporationMembersPage {
    pub members: Vec<hub_corpdata::corporations::MemberView>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// `GET /api/corporations/:id/data/:dataset`: rows as JSON objects (ids and ISK as strings).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CorporationDatasetPage {
    pub dataset: String,
    pub rows: Vec<serde_json::Value>,
    pub limit: i64,
    pub offset: i64,
}
