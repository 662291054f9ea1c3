//! Naming any mix of ids in one call: Workers KV first (cache-aside), then Postgres (the SDE and the
//! entity cache), then ESI through the `NameResolver` object for what neither knows or what is due a
//! refresh. Ids are classified by EVE's id ranges first, so ids that cannot have a public name
//! (celestials) never reach ESI, and player structures are asked about only with the asking user's
//! own tokens ([`crate::structures`]).

use crate::api::{Name, NameCategory, NameSources, NamesResponse, UnknownId, UnknownReason};
use crate::read::{ids_param, security_display};
use crate::resolver::{NameResolver, ResolveRequest, Resolver};
use crate::structures::{self, Known};
use hub_app::{internal, Context};
use hub_domain::UserId;
use hub_http::ApiError;
use hub_ports::{Cache, PgError, PgRow, Postgres, MAX_BULK_KEYS};
use std::collections::{HashMap, HashSet};

/// Ids one call may name (ESI's own batch size).
pub const MAX_IDS: usize = 1000;
/// SDE names change only with an import; players' names rarely.
const SDE_TTL_SECS: u64 = 86_400;
const ENTITY_TTL_SECS: u64 = 3_600;

/// What an id can be, from EVE's id ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// The SDE may know it, and ESI's `/universe/names/` does.
    Nameable,
    /// A player structure (and other items in space): never public.
    Structure,
    /// Planets, moons, belts, stargates and other celestials: not imported, and not in `/universe/names/`.
    Celestial,
}

pub fn classify(id: i64) -> IdKind {
    match id {
        40_000_000..=59_999_999 => IdKind::Celestial,
        1_000_000_000_000.. => IdKind::Structure,
        _ => IdKind::Nameable,
    }
}

fn cache_key(id: i64) -> String {
    format!("name:{id}")
}

/// `ids` once each, in the order asked: 1 to [`MAX_IDS`] of them.
pub fn distinct_ids(ids: &[i64]) -> Result<Vec<i64>, ApiError> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(ApiError::bad_request(format!("ids must hold 1 to {MAX_IDS} ids")));
    }
    let mut seen = HashSet::new();
    Ok(ids.iter().copied().filter(|id| seen.insert(*id)).collect())
}

/// Names `ids` (1 to [`MAX_IDS`], each positive), in the order asked, duplicates once.
#[allow(clippy::too_many_lines)] // four steps, each short, that share the answer being built
pub async fn names<C: Context>(ctx: &C, asked_by: UserId, ids: &[i64]) -> Result<NamesResponse, ApiError> {
    let ids = distinct_ids(ids)?;
    if let Some(bad) = ids.iter().find(|id| **id <= 0) {
        return Err(ApiError::bad_request(format!("ids: {bad} is not an EVE id")));
    }
    let mut sources = NameSources::default();
    let mut named: HashMap<i64, Name> = HashMap::new();
    let mut unknown: HashMap<i64, UnknownReason> = HashMap::new();
    let mut lookup = Vec::new();
    let mut structures = Vec::new();
    for &id in &ids {
        match classify(id) {
            IdKind::Structure => structures.push(id),
            IdKind::Celestial => {
                unknown.insert(id, UnknownReason::NotFound);
            }
            IdKind::Nameable => lookup.push(id),
        }
    }

    // 1. Workers KV, its bulk reads at once.
    let reads = lookup.chunks(MAX_BULK_KEYS).map(|chunk| async move {
        let keys: Vec<String> = chunk.iter().map(|id| cache_key(*id)).collect();
        (chunk, ctx.cache().get_many(&keys).await)
    });
    for (chunk, read) in futures::future::join_all(reads).await {
        match read {
            Ok(found) => {
                for id in chunk {
                    let cached =
                        found.get(&cache_key(*id)).and_then(|v| serde_json::from_str::<Name>(v).ok());
                    if let Some(name) = cached {
                        named.insert(*id, name);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "the names cache could not be read"),
        }
    }
    sources.cache = count(named.len());
    let misses: Vec<i64> = lookup.iter().copied().filter(|id| !named.contains_key(id)).collect();

    // 1b. Structures: what this user learnt before, then their characters that may ask ESI.
    let mut ask_structures = Vec::new();
    for chunk in structures.chunks(MAX_BULK_KEYS) {
        let keys: Vec<String> = chunk.iter().map(|id| structures::cache_key(asked_by, *id)).collect();
        let found = ctx.cache().get_many(&keys).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the structures cache could not be read");
            HashMap::new()
        });
        for (id, key) in chunk.iter().zip(&keys) {
            match found.get(key).and_then(|v| serde_json::from_str::<Known>(v).ok()) {
                Some(Known::Named(name)) => {
                    sources.cache += 1;
                    named.insert(*id, name);
                }
                Some(Known::Denied) => {
                    unknown.insert(*id, UnknownReason::StructureNeedsAccess);
                }
                None => ask_structures.push(*id),
            }
        }
    }
    let mut characters = Vec::new();
    if !ask_structures.is_empty() {
        characters =
            structures::characters_with_scope(ctx.postgres().await?, asked_by).await.map_err(internal)?;
        if characters.is_empty() {
            for id in ask_structures.drain(..) {
                unknown.insert(id, UnknownReason::StructureNeedsAccess);
            }
        } else if ask_structures.len() > structures::MAX_PER_CALL {
            for id in ask_structures.split_off(structures::MAX_PER_CALL) {
                unknown.insert(id, UnknownReason::Unavailable);
            }
        }
    }

    // 2. Postgres: the SDE and the entity cache.
    let mut fresh: Vec<Name> = Vec::new();
    let mut stale: HashMap<i64, Name> = HashMap::new();
    let mut to_resolve = Vec::new();
    if !misses.is_empty() {
        let pg = ctx.postgres().await?;
        for found in from_database(pg, &misses).await.map_err(internal)? {
            match found {
                Found::Name { name, fresh: true } => fresh.push(name),
                Found::Name { name, fresh: false } => {
                    stale.insert(name.id, name);
                }
                Found::Unknown { id, fresh: true } => {
                    unknown.insert(id, UnknownReason::NotFound);
                }
                Found::Unknown { fresh: false, .. } => {}
            }
        }
        sources.database = count(fresh.len());
        let answered: HashSet<i64> = fresh.iter().map(|n| n.id).collect();
        // Not in Postgres, stale there, or recorded unknown long enough ago to ask again.
        to_resolve =
            misses.into_iter().filter(|id| !answered.contains(id) && !unknown.contains_key(id)).collect();
    }

    // 3. ESI, through the resolver object, for the rest and the stale.
    let mut resolved = Vec::new();
    let mut learnt: Vec<(i64, Known)> = Vec::new();
    if !to_resolve.is_empty() || !ask_structures.is_empty() {
        let request = ResolveRequest {
            ids: to_resolve.clone(),
            asked_by: asked_by.to_string(),
            structures: ask_structures.clone(),
            characters,
        };
        let report = async { ctx.stub::<NameResolver>(&Resolver)?.resolve(&request).await }.await;
        match report {
            Ok(report) => {
                sources.esi = count(report.names.len() + report.structures.len());
                for id in report.structures_denied {
                    unknown.insert(id, UnknownReason::StructureNeedsAccess);
                    learnt.push((id, Known::Denied));
                }
                for name in report.structures {
                    learnt.push((name.id, Known::Named(name.clone())));
                    named.insert(name.id, name);
                }
                for id in report.not_found {
                    stale.remove(&id);
                    unknown.insert(id, UnknownReason::NotFound);
                }
                for id in report.unavailable {
                    if !stale.contains_key(&id) {
                        unknown.insert(id, UnknownReason::Unavailable);
                    }
                }
                for name in report.names {
                    stale.remove(&name.id);
                    resolved.push(name);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "names could not be resolved through ESI");
                for id in &ask_structures {
                    unknown.insert(*id, UnknownReason::Unavailable);
                }
                for id in &to_resolve {
                    if !stale.contains_key(id) {
                        unknown.insert(*id, UnknownReason::Unavailable);
                    }
                }
            }
        }
    }

    // 4. What came from Postgres or ESI goes into the cache; a stale name serves but is not cached.
    let puts = fresh.iter().chain(&resolved).map(|name| async move {
        let ttl = if matches!(
            name.category,
            NameCategory::Character | NameCategory::Corporation | NameCategory::Alliance
        ) {
            ENTITY_TTL_SECS
        } else {
            SDE_TTL_SECS
        };
        let value = serde_json::to_string(name).unwrap_or_default();
        if let Err(e) = ctx.cache().put(&cache_key(name.id), &value, ttl).await {
            tracing::warn!(error = %e, "a name could not be cached");
        }
    });
    futures::future::join_all(puts).await;
    let structure_puts = learnt.iter().map(|(id, known)| async move {
        let ttl = match known {
            Known::Named(_) => structures::NAMED_TTL_SECS,
            Known::Denied => structures::DENIED_TTL_SECS,
        };
        let value = serde_json::to_string(known).unwrap_or_default();
        if let Err(e) = ctx.cache().put(&structures::cache_key(asked_by, *id), &value, ttl).await {
            tracing::warn!(error = %e, "a structure's name could not be cached");
        }
    });
    futures::future::join_all(structure_puts).await;
    for name in fresh.into_iter().chain(resolved).chain(stale.into_values()) {
        named.insert(name.id, name);
    }

    let mut response = NamesResponse { names: Vec::new(), unknown: Vec::new(), sources };
    for id in ids {
        if let Some(name) = named.remove(&id) {
            response.names.push(name);
        } else {
            let reason = unknown.remove(&id).unwrap_or(UnknownReason::NotFound);
            response.unknown.push(UnknownId { id, reason });
        }
    }
    Ok(response)
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

enum Found {
    Name {
        name: Name,
        fresh: bool,
    },
    /// ESI said it does not exist (`fresh`: recently).
    Unknown {
        id: i64,
        fresh: bool,
    },
}

/// One query over every table that names ids.
async fn from_database(pg: &impl Postgres, ids: &[i64]) -> Result<Vec<Found>, PgError> {
    let rows = pg
        .query(
            "WITH ids AS (SELECT unnest($1::text[]::bigint[]) AS id)
             SELECT t.type_id::bigint, 'inventory_type', t.name, NULL, NULL, true, g.name
               FROM sde.types t JOIN ids ON ids.id = t.type_id LEFT JOIN sde.groups g ON g.group_id = t.group_id
             UNION ALL SELECT s.solar_system_id::bigint, 'solar_system', s.name, NULL, s.security::text, true, NULL
               FROM sde.solar_systems s JOIN ids ON ids.id = s.solar_system_id
             UNION ALL SELECT c.constellation_id::bigint, 'constellation', c.name, NULL, NULL, true, NULL
               FROM sde.constellations c JOIN ids ON ids.id = c.constellation_id
             UNION ALL SELECT r.region_id::bigint, 'region', r.name, NULL, NULL, true, NULL
               FROM sde.regions r JOIN ids ON ids.id = r.region_id
             UNION ALL SELECT st.station_id::bigint, 'station', st.name, NULL, s.security::text, true, NULL
               FROM sde.npc_stations st JOIN ids ON ids.id = st.station_id
               JOIN sde.solar_systems s ON s.solar_system_id = st.solar_system_id
             UNION ALL SELECT f.faction_id::bigint, 'faction', f.name, NULL, NULL, true, NULL
               FROM sde.factions f JOIN ids ON ids.id = f.faction_id
             UNION ALL SELECT n.corporation_id::bigint, 'corporation', n.name, n.ticker, NULL, true, NULL
               FROM sde.npc_corporations n JOIN ids ON ids.id = n.corporation_id
             UNION ALL SELECT e.entity_id, e.category, e.name, e.ticker, NULL, e.refresh_after > now(), NULL
               FROM eve_entities e JOIN ids ON ids.id = e.entity_id",
            &[ids_param(ids)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut seen = HashSet::new();
    for r in &rows {
        let id = r.int(0)?;
        // The SDE answers first; the entity cache only for what it does not hold.
        if !seen.insert(id) {
            continue;
        }
        out.push(found(r, id)?);
    }
    Ok(out)
}

fn found(r: &PgRow, id: i64) -> Result<Found, PgError> {
    let fresh = r.boolean(5)?;
    let category = r.text(1)?;
    let Some(category) = NameCategory::parse(&category) else {
        return Ok(Found::Unknown { id, fresh });
    };
    let Some(name) = r.opt_text(2)? else { return Ok(Found::Unknown { id, fresh }) };
    let security = r.opt_text(4)?.and_then(|s| s.parse::<f64>().ok()).map(security_display);
    let group = r.opt_text(6)?;
    Ok(Found::Name { name: Name { id, category, name, ticker: r.opt_text(3)?, security, group }, fresh })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_cannot_have_a_public_name_are_told_apart() {
        assert_eq!(classify(34), IdKind::Nameable);
        assert_eq!(classify(60_003_760), IdKind::Nameable);
        assert_eq!(classify(2_112_625_428), IdKind::Nameable);
        assert_eq!(classify(40_009_087), IdKind::Celestial);
        assert_eq!(classify(50_000_001), IdKind::Celestial);
        assert_eq!(classify(1_035_466_617_946), IdKind::Structure);
    }
}
