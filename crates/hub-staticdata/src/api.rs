//! The bodies of the static data API.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SdeVersion {
    /// `None` until an SDE is imported (`just sde-import`).
    pub build_number: Option<i64>,
    pub release_date: Option<String>,
    pub imported_at_ms: Option<i64>,
}

/// An id with its name, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdName {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TypeDetail {
    pub type_id: i64,
    pub name: String,
    pub group: IdName,
    pub category: Option<IdName>,
    pub market_group: Option<IdName>,
    pub published: bool,
    /// m3.
    pub volume: Option<f64>,
    /// The skills this type needs, with levels.
    pub required_skills: Vec<RequiredSkill>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequiredSkill {
    pub skill_id: i64,
    pub name: String,
    pub level: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TypeSummary {
    pub type_id: i64,
    pub name: String,
    pub group_name: String,
    pub category_name: Option<String>,
    pub published: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TypeSearchPage {
    /// Names starting with the query first, then names containing it; alphabetical within each.
    pub types: Vec<TypeSummary>,
    pub next_offset: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdsBody {
    /// Up to 1,000 ids.
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TypeNames {
    pub types: Vec<IdName>,
    /// Ids that are no type of the imported SDE.
    pub unknown: Vec<i64>,
}

/// A skill with what it takes to train: rank, attributes, skill points per level and its
/// prerequisite tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkillDetail {
    pub skill_id: i64,
    pub name: String,
    pub group: IdName,
    pub rank: i64,
    pub primary_attribute: Option<String>,
    pub secondary_attribute: Option<String>,
    /// Skill points to reach levels 1 to 5.
    pub skill_points: Vec<i64>,
    pub prerequisites: Vec<SkillPrerequisite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkillPrerequisite {
    pub skill_id: i64,
    pub name: String,
    pub level: i64,
    pub prerequisites: Vec<SkillPrerequisite>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SecurityClass {
    High,
    Low,
    Null,
    Wormhole,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SystemDetail {
    pub solar_system_id: i64,
    pub name: String,
    /// The true security status; `security_display` is what the client shows (one decimal).
    pub security: f64,
    pub security_display: f64,
    pub security_class: SecurityClass,
    pub constellation: IdName,
    pub region: IdName,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StationDetail {
    pub station_id: i64,
    pub name: String,
    pub type_id: i64,
    pub owner: IdName,
    pub operation: Option<String>,
    pub solar_system: SystemDetail,
}

/// What kind of thing an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum NameCategory {
    InventoryType,
    SolarSystem,
    Constellation,
    Region,
    Station,
    Structure,
    Faction,
    Character,
    Corporation,
    Alliance,
}

impl NameCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            NameCategory::InventoryType => "inventory_type",
            NameCategory::SolarSystem => "solar_system",
            NameCategory::Constellation => "constellation",
            NameCategory::Region => "region",
            NameCategory::Station => "station",
            NameCategory::Structure => "structure",
            NameCategory::Faction => "faction",
            NameCategory::Character => "character",
            NameCategory::Corporation => "corporation",
            NameCategory::Alliance => "alliance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// One named id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Name {
    pub id: i64,
    pub category: NameCategory,
    pub name: String,
    /// Corporations and alliances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ticker: Option<String>,
    /// Solar systems and stations: the security the client shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub security: Option<f64>,
    /// Item types: the name of their group ("Mineral", "Spaceship Command").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub group: Option<String>,
}

/// Why an id has no name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    /// Neither the SDE nor ESI knows it.
    NotFound,
    /// A player structure: only a character with docking access and the
    /// `esi-universe.read_structures.v1` scope can read its name.
    StructureNeedsAccess,
    /// ESI could not be asked now (its error limit, an outage): try again later.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnknownId {
    pub id: i64,
    pub reason: UnknownReason,
}

/// Where the answers came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NameSources {
    pub cache: i64,
    pub database: i64,
    pub esi: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NamesResponse {
    pub names: Vec<Name>,
    pub unknown: Vec<UnknownId>,
    pub sources: NameSources,
}
