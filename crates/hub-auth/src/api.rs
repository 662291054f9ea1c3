//! The bodies of the core worker's routes (exported as TypeScript by `just types`).

use hub_accounts::accounts::{CharacterView, UserSummary, UserView};
use hub_accounts::audit::EntryView;
use hub_domain::{CharacterId, UserId};
use hub_tokens::TokenHealth;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ts")]
use ts_rs::TS;

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
