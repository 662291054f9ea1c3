//! The core worker's accounts interface (served by `hub_auth::accounts_service`): how other services change what core owns (characters'
//! affiliations, transfers, sessions' last use, the audit log). They read directly (a session
//! lookup, a character's owner), because a read through another worker would cost a call on every
//! request; every write goes through here.

use crate::audit::Entry;
use hub_domain::{CharacterId, CorporationId, UserId};
use serde::{Deserialize, Serialize};

/// A session was used: its idle lifetime starts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TouchSession {
    pub session_id: uuid::Uuid,
}

/// What a character's own ESI sync says about where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affiliation {
    pub character_id: CharacterId,
    pub corporation_id: CorporationId,
    pub alliance_id: Option<i64>,
}

/// A token refresh showed another owner hash: the character was sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharacterSold {
    pub character_id: CharacterId,
    pub new_owner_hash: String,
}

hub_rpc::rpc_interface! {
    /// Served by the core worker over its service binding.
    pub interface Accounts as "accounts", handler AccountsHandler, client AccountsClient, service Core {
        fn touch_session(TouchSession) -> ();
        /// Records the affiliation; the character's owner when it changed (their group
        /// memberships are due for re-evaluation), `None` otherwise.
        fn record_affiliation(Affiliation) -> Option<UserId>;
        /// The character leaves its account, whose sessions end and whose owner is told; the
        /// previous owner, `None` when nothing changed.
        fn character_sold(CharacterSold) -> Option<UserId>;
        fn audit(Entry) -> ();
    }
}
