//! Player structures: ESI names them (`GET /universe/structures/{id}/`) only for a character with
//! docking access and the `esi-universe.read_structures.v1` scope. The hub asks with the asking
//! user's own characters that hold the scope, and keeps each answer for that user alone (Workers
//! KV), never in the shared entity cache: another user may not have that access.

use crate::api::Name;
use hub_domain::scopes::UNIVERSE_STRUCTURES;
use hub_domain::UserId;
use hub_ports::{PgError, PgValue, Postgres};
use serde::{Deserialize, Serialize};

/// Structures one call may ask ESI about (each costs a call per character tried).
pub const MAX_PER_CALL: usize = 10;
/// Characters tried per structure.
pub const MAX_CHARACTERS: i64 = 3;
pub const NAMED_TTL_SECS: u64 = 86_400;
/// A refusal is asked again after an hour (docking rights change).
pub const DENIED_TTL_SECS: u64 = 3_600;

/// What a user learnt about a structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Known {
    Named(Name),
    /// None of their characters may read it.
    Denied,
}

pub fn cache_key(user: UserId, id: i64) -> String {
    format!("structure:{user}:{id}")
}

/// The user's characters whose token carries the structures scope.
pub async fn characters_with_scope(pg: &impl Postgres, user: UserId) -> Result<Vec<i64>, PgError> {
    let rows = pg
        .query(
            "SELECT id FROM characters WHERE user_id = $1 AND $2 = ANY (scopes) ORDER BY id LIMIT $3",
            &[PgValue::Uuid(user.0), PgValue::Text(UNIVERSE_STRUCTURES.into()), PgValue::Int(MAX_CHARACTERS)],
        )
        .await?;
    rows.iter().map(|r| r.int(0)).collect()
}
