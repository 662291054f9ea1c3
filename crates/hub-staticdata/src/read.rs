//! Reading the imported SDE (the `sde` schema).

use crate::api::{
    IdName, RequiredSkill, SdeVersion, SecurityClass, SkillDetail, SkillPrerequisite, StationDetail,
    SystemDetail, TypeDetail, TypeSummary,
};
use hub_ports::{PgError, PgRow, PgValue, Postgres};
use std::collections::HashMap;

/// Skill points of levels 1-5 at rank 1 (`250 * rank * sqrt(32)^(level-1)`, as the client rounds).
const SKILL_POINTS_RANK_1: [i64; 5] = [250, 1415, 8000, 45255, 256_000];
/// Prerequisite trees are shallow in the game; this bounds a malformed one.
const MAX_PREREQUISITE_DEPTH: usize = 8;
const MAX_PREREQUISITE_DEPTH_SQL: i64 = 8;

pub fn ids_param(ids: &[i64]) -> PgValue {
    PgValue::TextArray(ids.iter().map(i64::to_string).collect())
}

fn float(row: &PgRow, index: usize) -> Result<Option<f64>, PgError> {
    row.opt_text(index)?
        .map(|t| t.parse::<f64>().map_err(|_| PgError::RowShape(format!("column {index} is not a number"))))
        .transpose()
}

/// What the client shows: one decimal, and anything above 0.0 but below 0.05 shown as 0.1.
pub fn security_display(security: f64) -> f64 {
    if security > 0.0 && security < 0.05 {
        0.1
    } else {
        (security * 10.0).round() / 10.0
    }
}

pub fn security_class(solar_system_id: i64, security: f64) -> SecurityClass {
    let shown = security_display(security);
    if (31_000_000..32_000_000).contains(&solar_system_id) {
        SecurityClass::Wormhole
    } else if shown >= 0.5 {
        SecurityClass::High
    } else if shown > 0.0 {
        SecurityClass::Low
    } else {
        SecurityClass::Null
    }
}

pub async fn version(pg: &impl Postgres) -> Result<SdeVersion, PgError> {
    let rows = pg
        .query(
            "SELECT build_number, release_date, (extract(epoch from imported_at) * 1000)::bigint FROM sde.build LIMIT 1",
            &[],
        )
        .await?;
    Ok(match rows.first() {
        Some(r) => SdeVersion {
            build_number: r.opt_int(0)?,
            release_date: r.opt_text(1)?,
            imported_at_ms: r.opt_int(2)?,
        },
        None => SdeVersion { build_number: None, release_date: None, imported_at_ms: None },
    })
}

pub async fn type_detail(pg: &impl Postgres, type_id: i64) -> Result<Option<TypeDetail>, PgError> {
    let rows = pg
        .query(
            "SELECT t.type_id::bigint, t.name, g.group_id::bigint, g.name, c.category_id::bigint, c.name,
                    m.market_group_id::bigint, m.name, t.published, t.volume::text
             FROM sde.types t
             JOIN sde.groups g ON g.group_id = t.group_id
             LEFT JOIN sde.categories c ON c.category_id = g.category_id
             LEFT JOIN sde.market_groups m ON m.market_group_id = t.market_group_id
             WHERE t.type_id = $1::bigint",
            &[PgValue::Int(type_id)],
        )
        .await?;
    let Some(r) = rows.first() else { return Ok(None) };
    let pair = |id: usize| -> Result<Option<IdName>, PgError> {
        Ok(match (r.opt_int(id)?, r.opt_text(id + 1)?) {
            (Some(id), Some(name)) => Some(IdName { id, name }),
            _ => None,
        })
    };
    let required = pg
        .query(
            "SELECT q.skill_id::bigint, coalesce(t.name, 'Skill #' || q.skill_id), q.level::bigint
             FROM sde.required_skills q LEFT JOIN sde.types t ON t.type_id = q.skill_id
             WHERE q.type_id = $1::bigint ORDER BY t.name",
            &[PgValue::Int(type_id)],
        )
        .await?;
    Ok(Some(TypeDetail {
        type_id: r.int(0)?,
        name: r.text(1)?,
        group: IdName { id: r.int(2)?, name: r.text(3)? },
        category: pair(4)?,
        market_group: pair(6)?,
        published: r.boolean(8)?,
        volume: float(r, 9)?,
        required_skills: required
            .iter()
            .map(|q| Ok(RequiredSkill { skill_id: q.int(0)?, name: q.text(1)?, level: q.int(2)? }))
            .collect::<Result<_, PgError>>()?,
    }))
}

/// `LIKE` pattern text with its wildcards escaped.
fn like_escaped(q: &str) -> String {
    q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Names starting with `q`, then names containing it.
pub async fn search_types(
    pg: &impl Postgres,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<TypeSummary>, PgError> {
    let rows = pg
        .query(
            "SELECT t.type_id::bigint, t.name, g.name, c.name, t.published
             FROM sde.types t
             JOIN sde.groups g ON g.group_id = t.group_id
             LEFT JOIN sde.categories c ON c.category_id = g.category_id
             WHERE lower(t.name) LIKE '%' || $1 || '%'
             ORDER BY lower(t.name) LIKE $1 || '%' DESC, t.published DESC, t.name, t.type_id
             LIMIT $2 OFFSET $3",
            &[PgValue::Text(like_escaped(q)), PgValue::Int(limit), PgValue::Int(offset)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TypeSummary {
                type_id: r.int(0)?,
                name: r.text(1)?,
                group_name: r.text(2)?,
                category_name: r.opt_text(3)?,
                published: r.boolean(4)?,
            })
        })
        .collect()
}

pub async fn type_names(pg: &impl Postgres, ids: &[i64]) -> Result<Vec<IdName>, PgError> {
    let rows = pg
        .query(
            "SELECT type_id::bigint, name FROM sde.types WHERE type_id = ANY($1::text[]::bigint[]) ORDER BY type_id",
            &[ids_param(ids)],
        )
        .await?;
    rows.iter().map(|r| Ok(IdName { id: r.int(0)?, name: r.text(1)? })).collect()
}

pub async fn skill(pg: &impl Postgres, skill_id: i64) -> Result<Option<SkillDetail>, PgError> {
    let rows = pg
        .query(
            "SELECT t.name, g.group_id::bigint, g.name, s.rank::bigint,
                    coalesce(p.display_name, p.name), coalesce(q.display_name, q.name)
             FROM sde.skills s
             JOIN sde.types t ON t.type_id = s.type_id
             JOIN sde.groups g ON g.group_id = t.group_id
             LEFT JOIN sde.dogma_attributes p ON p.attribute_id = s.primary_attribute
             LEFT JOIN sde.dogma_attributes q ON q.attribute_id = s.secondary_attribute
             WHERE s.type_id = $1::bigint",
            &[PgValue::Int(skill_id)],
        )
        .await?;
    let Some(r) = rows.first() else { return Ok(None) };
    let rank = r.int(3)?;
    // The whole tree in one query (bounded depth), assembled here.
    let edges = pg
        .query(
            "WITH RECURSIVE tree (type_id, skill_id, level, depth) AS (
                 SELECT type_id, skill_id, level, 1 FROM sde.required_skills WHERE type_id = $1::bigint
                 UNION
                 SELECT q.type_id, q.skill_id, q.level, tree.depth + 1
                 FROM sde.required_skills q JOIN tree ON q.type_id = tree.skill_id
                 WHERE tree.depth < $2::bigint
             )
             SELECT DISTINCT tree.type_id::bigint, tree.skill_id::bigint, tree.level::bigint,
                    coalesce(t.name, 'Skill #' || tree.skill_id)
             FROM tree LEFT JOIN sde.types t ON t.type_id = tree.skill_id",
            &[PgValue::Int(skill_id), PgValue::Int(MAX_PREREQUISITE_DEPTH_SQL)],
        )
        .await?;
    let mut children: HashMap<i64, Vec<(i64, i64, String)>> = HashMap::new();
    for e in &edges {
        children.entry(e.int(0)?).or_default().push((e.int(1)?, e.int(2)?, e.text(3)?));
    }
    Ok(Some(SkillDetail {
        skill_id,
        name: r.text(0)?,
        group: IdName { id: r.int(1)?, name: r.text(2)? },
        rank,
        primary_attribute: r.opt_text(4)?,
        secondary_attribute: r.opt_text(5)?,
        skill_points: SKILL_POINTS_RANK_1.iter().map(|sp| sp * rank).collect(),
        prerequisites: tree(&children, skill_id, 0),
    }))
}

fn tree(children: &HashMap<i64, Vec<(i64, i64, String)>>, of: i64, depth: usize) -> Vec<SkillPrerequisite> {
    if depth >= MAX_PREREQUISITE_DEPTH {
        return Vec::new();
    }
    let mut out: Vec<SkillPrerequisite> = children
        .get(&of)
        .map(|list| {
            list.iter()
                .map(|(skill_id, level, name)| SkillPrerequisite {
                    skill_id: *skill_id,
                    name: name.clone(),
                    level: *level,
                    prerequisites: tree(children, *skill_id, depth + 1),
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

const SYSTEM_COLUMNS: &str =
    "s.solar_system_id::bigint, s.name, s.security::text, c.constellation_id::bigint,
    c.name, r.region_id::bigint, r.name";
const SYSTEM_JOINS: &str = "JOIN sde.constellations c ON c.constellation_id = s.constellation_id
    JOIN sde.regions r ON r.region_id = s.region_id";

fn system_at(r: &PgRow, at: usize) -> Result<SystemDetail, PgError> {
    let id = r.int(at)?;
    let security = float(r, at + 2)?.unwrap_or_default();
    Ok(SystemDetail {
        solar_system_id: id,
        name: r.text(at + 1)?,
        security,
        security_display: security_display(security),
        security_class: security_class(id, security),
        constellation: IdName { id: r.int(at + 3)?, name: r.text(at + 4)? },
        region: IdName { id: r.int(at + 5)?, name: r.text(at + 6)? },
    })
}

/// The security of each of `systems` the SDE holds, as the client shows it.
pub async fn system_security(
    pg: &impl Postgres,
    systems: &[i64],
) -> Result<std::collections::HashMap<i64, f64>, PgError> {
    let rows = pg
        .query(
            "SELECT solar_system_id::bigint, security::text FROM sde.solar_systems
             WHERE solar_system_id = ANY ($1::text[]::bigint[])",
            &[ids_param(systems)],
        )
        .await?;
    let mut out = std::collections::HashMap::new();
    for r in &rows {
        if let Some(security) = float(r, 1)? {
            out.insert(r.int(0)?, security_display(security));
        }
    }
    Ok(out)
}

pub async fn system(pg: &impl Postgres, id: i64) -> Result<Option<SystemDetail>, PgError> {
    let rows = pg
        .query(
            &format!("SELECT {SYSTEM_COLUMNS} FROM sde.solar_systems s {SYSTEM_JOINS} WHERE s.solar_system_id = $1::bigint"),
            &[PgValue::Int(id)],
        )
        .await?;
    rows.first().map(|r| system_at(r, 0)).transpose()
}

pub async fn station(pg: &impl Postgres, id: i64) -> Result<Option<StationDetail>, PgError> {
    let rows = pg
        .query(
            &format!(
                "SELECT st.station_id::bigint, st.name, st.type_id::bigint, st.owner_id::bigint,
                        coalesce(o.name, 'Corporation #' || st.owner_id), op.name, {SYSTEM_COLUMNS}
                 FROM sde.npc_stations st
                 JOIN sde.solar_systems s ON s.solar_system_id = st.solar_system_id
                 {SYSTEM_JOINS}
                 LEFT JOIN sde.npc_corporations o ON o.corporation_id = st.owner_id
                 LEFT JOIN sde.station_operations op ON op.operation_id = st.operation_id
                 WHERE st.station_id = $1::bigint"
            ),
            &[PgValue::Int(id)],
        )
        .await?;
    rows.first()
        .map(|r| {
            Ok(StationDetail {
                station_id: r.int(0)?,
                name: r.text(1)?,
                type_id: r.int(2)?,
                owner: IdName { id: r.int(3)?, name: r.text(4)? },
                operation: r.opt_text(5)?,
                solar_system: system_at(r, 6)?,
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_is_shown_as_the_client_shows_it() {
        assert!((security_display(0.945_913) - 0.9).abs() < 1e-9);
        assert!((security_display(0.449) - 0.4).abs() < 1e-9);
        assert!((security_display(0.03) - 0.1).abs() < 1e-9);
        assert!((security_display(-0.0131) - 0.0).abs() < 1e-9);
        assert_eq!(security_class(30_000_142, 0.945_913), SecurityClass::High);
        assert_eq!(security_class(30_002_813, 0.305), SecurityClass::Low);
        assert_eq!(security_class(30_000_001, 0.449), SecurityClass::Low);
        assert_eq!(security_class(30_000_001, 0.45), SecurityClass::High);
        assert_eq!(security_class(30_003_323, -0.0131), SecurityClass::Null);
        assert_eq!(security_class(31_000_008, -0.99), SecurityClass::Wormhole);
    }

    #[test]
    fn search_text_cannot_inject_wildcards() {
        assert_eq!(like_escaped("100%_Tri\\"), "100\\%\\_tri\\\\");
    }
}
