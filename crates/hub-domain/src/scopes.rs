//! The EVE SSO scopes each flow asks for. Each flow requests only what it needs: logging in reads
//! the character's corporation roles (rights derive from them); a character's data and a
//! corporation's data are granted in their own, explicit steps.

use serde::{Deserialize, Serialize};

/// Reads the character's roles in its corporation (`GET /characters/{id}/roles/`).
pub const CORPORATION_ROLES: &str = "esi-characters.read_corporation_roles.v1";

/// What a login asks for: identity, and the roles that corporation rights derive from.
pub const LOGIN: &[&str] = &["publicData", CORPORATION_ROLES];

pub const CHARACTER_WALLET: &str = "esi-wallet.read_character_wallet.v1";
pub const CHARACTER_ASSETS: &str = "esi-assets.read_assets.v1";
pub const CHARACTER_SKILLS: &str = "esi-skills.read_skills.v1";
pub const CHARACTER_SKILL_QUEUE: &str = "esi-skills.read_skillqueue.v1";
pub const CHARACTER_ORDERS: &str = "esi-markets.read_character_orders.v1";
/// Names the player structures the character may dock at (where its assets and orders are).
pub const UNIVERSE_STRUCTURES: &str = "esi-universe.read_structures.v1";

/// What "grant data access" asks for: the character's own datasets, and the names of the
/// structures they are in.
pub const CHARACTER_DATA: &[&str] = &[
    CHARACTER_WALLET,
    CHARACTER_ASSETS,
    CHARACTER_SKILLS,
    CHARACTER_SKILL_QUEUE,
    CHARACTER_ORDERS,
    UNIVERSE_STRUCTURES,
];

pub const CORPORATION_MEMBERSHIP: &str = "esi-corporations.read_corporation_membership.v1";
pub const CORPORATION_TRACKING: &str = "esi-corporations.track_members.v1";
pub const CORPORATION_WALLETS: &str = "esi-wallet.read_corporation_wallets.v1";
pub const CORPORATION_ASSETS: &str = "esi-assets.read_corporation_assets.v1";
pub const CORPORATION_STRUCTURES: &str = "esi-corporations.read_structures.v1";
pub const CORPORATION_ORDERS: &str = "esi-markets.read_corporation_orders.v1";

/// What registering a director asks for: the corporation datasets its token feeds.
pub const CORPORATION_DATA: &[&str] = &[
    CORPORATION_MEMBERSHIP,
    CORPORATION_TRACKING,
    CORPORATION_WALLETS,
    CORPORATION_ASSETS,
    CORPORATION_STRUCTURES,
    CORPORATION_ORDERS,
];

/// A set of scopes granted in its own step, after the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ScopeGrant {
    /// The character's own data: wallet, assets, skills, orders.
    CharacterData,
    /// The corporation data a director's token feeds.
    CorporationData,
}

impl ScopeGrant {
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            ScopeGrant::CharacterData => CHARACTER_DATA,
            ScopeGrant::CorporationData => CORPORATION_DATA,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "character_data" => Some(ScopeGrant::CharacterData),
            "corporation_data" => Some(ScopeGrant::CorporationData),
            _ => None,
        }
    }
}

/// Whether `granted` holds every scope of `wanted`.
pub fn holds_all(granted: &[String], wanted: &[&str]) -> bool {
    wanted.iter().all(|w| granted.iter().any(|g| g == w))
}

/// The scopes a new grant asks for: what the login needs, what the character already granted (a
/// new token replaces the old one, so nothing may be lost), and the grant's own, without repeats.
pub fn union(current: &[String], login: &[String], grant: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for scope in login
        .iter()
        .map(String::as_str)
        .chain(current.iter().map(String::as_str))
        .chain(grant.iter().copied())
    {
        if !all.iter().any(|s| s == scope) {
            all.push(scope.to_owned());
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_keeps_what_was_granted_and_adds_its_own() {
        let login: Vec<String> = LOGIN.iter().map(|s| (*s).to_owned()).collect();
        let current = vec!["publicData".to_owned(), CHARACTER_WALLET.to_owned()];
        let all = union(&current, &login, CORPORATION_DATA);
        assert_eq!(&all[..3], &["publicData", CORPORATION_ROLES, CHARACTER_WALLET]);
        assert!(holds_all(&all, CORPORATION_DATA));
        assert_eq!(all.len(), 3 + CORPORATION_DATA.len(), "no repeats");
        assert!(!holds_all(&current, CORPORATION_DATA));
    }
}
