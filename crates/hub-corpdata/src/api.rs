//! The bodies of the eve-corporation-data worker's routes (exported as TypeScript by `just types`).

use serde::{Deserialize, Serialize};

#[cfg(feature = "ts")]
use ts_rs::TS;

/// `GET /api/corporations`: the corporations of the caller's characters and every managed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CorporationsResponse {
    pub corporations: Vec<crate::corporations::CorporationSummary>,
    /// Site admins register corporations.
    pub is_site_admin: bool,
    /// For site admins: corporations the hub knows (its users' characters are in them) that it
    /// does not serve yet, to register by name.
    pub known_unmanaged: Vec<crate::corporations::CorporationSummary>,
}

/// `GET /api/corporations/recruiting`: the member corporations that recruit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct RecruitingResponse {
    pub corporations: Vec<crate::corporations::CorporationSummary>,
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
    pub fn patch(&self) -> crate::corporations::ManagedPatch {
        crate::corporations::ManagedPatch {
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
    pub corporation: Option<crate::corporations::CorporationSummary>,
    pub directors: Vec<crate::Director>,
    pub datasets: Vec<crate::CorporationDatasetStatus>,
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
    pub members: Vec<crate::corporations::MemberView>,
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

/// `GET /api/corporations/:id/wallets/history`: each division's closing balance per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CorporationWalletHistory {
    pub divisions: Vec<DivisionHistory>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DivisionHistory {
    pub division: i64,
    /// Oldest first, one point per day with journal entries, the last 90 of them.
    pub points: Vec<hub_domain::wallet::BalancePoint>,
}
